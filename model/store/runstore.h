#pragma once
// Saved aggregation runs: method, parameters, per-item posterior, per-annotator competence.

#include "snapshot.h"

#include "aggregation.h"

namespace chorus::model {

struct RunSummary
{
    qint64 id = 0;
    QString method;
    QString params;  ///< JSON object text
    QString createdAt;
    int iterations = 0;
    bool converged = true;
    double seconds = 0;
    qint64 tiedItems = 0;
};

/// A run mapped onto a snapshot: vectors are indexed by the snapshot's item/annotator/label
/// indices (a label added after the run gets probability 0).
struct RunData
{
    RunSummary summary;
    std::vector<int32_t> labels;     ///< per item, -1 = none
    std::vector<double> confidence;  ///< posterior of the chosen label, NaN = none
    std::vector<double> posterior;   ///< items x labels, row-major
    std::vector<double> competence;  ///< per annotator, NaN = unknown
};

/// Saves a result computed on snapshot s, in one transaction. Returns the run id.
qint64 saveRun(ProjectStore& store, const Snapshot& s, const QString& method, const QString& paramsJson,
               const agg::AggregationResult& result, double seconds);
QList<RunSummary> listRuns(ProjectStore& store);
/// Loads run runId (0 = the latest). Throws Error when it does not exist.
RunData loadRun(ProjectStore& store, const Snapshot& s, qint64 runId = 0);
/// The labels tied for the top of item's consensus posterior (within 1e-9, as the tie policy
/// of agg::aggregate), in label order; empty when the item is not tied, has no posterior, or
/// has no valid label at all (its uniform row is not a tie).
std::vector<int32_t> tiedTopLabels(const Snapshot& s, const RunData& run, int32_t item);

/// The consensus a project opens with: its latest saved run, or majority vote computed on s
/// when it has none (or store is null: data read with --input).
RunData openingConsensus(ProjectStore* store, const Snapshot& s);

/// Wraps an in-memory result computed on s as RunData (no database involved).
RunData runFromResult(const Snapshot& s, const QString& method, const agg::AggregationResult& r);

} // namespace chorus::model
