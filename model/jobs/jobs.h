#pragma once
// Long work off the GUI thread. Each job opens its own ProjectStore connection (a connection
// belongs to the thread that opened it), polls QPromise::isCanceled() and reports progress.
// The GUI keeps a QFutureWatcher, connects it before setFuture(), and checks the result's
// error/canceled fields before applying it.

#include "exporter.h"
#include "importer.h"
#include "jobresult.h"
#include "runstore.h"
#include "snapshot.h"

#include <QFuture>
#include <QThreadPool>

#include <map>
#include <string>

namespace chorus::model {

/// Progress is reported in per-mille (0..1000) for every job.
QFuture<JobResult<Snapshot>> loadSnapshotAsync(QThreadPool* pool, const QString& projectPath);

/// Import: all or nothing; a canceled import writes nothing. Hooks in options are replaced.
QFuture<JobResult<ImportReport>> importAsync(QThreadPool* pool, const QString& projectPath,
                                             const QString& file, ImportOptions options);

/// Export through a temporary file; a canceled export leaves no file.
QFuture<JobResult<ExportReport>> exportAsync(QThreadPool* pool, const QString& projectPath,
                                             const QString& out, ExportOptions options);

/// The names of agg::TiePolicy in order of its values: "first", "random", "unresolved" (the
/// `ties` parameter's values on the command line and in saved runs' parameters).
QStringList tiePolicyNames();

struct AggregationRequest
{
    QString method;
    std::map<std::string, double> params;
    uint64_t seed = 0;
    std::vector<int32_t> controls;  ///< per item, -1 = none (gold and/or overrides)
    std::vector<double> weights;    ///< wmv
    /// Aggregate with only these annotators (ascending indices; aggregateMembers() in
    /// crowdjobs.h): a crowd the Insights Crowd tab chose. Empty = every annotator.
    std::vector<int32_t> annotators;
    bool save = true;               ///< store the run in the project (projectPath required)
    QString paramsJson;             ///< what is saved as the run's parameters
};

/// Runs an aggregation method on a copy of the snapshot; saves it when asked.
QFuture<JobResult<RunData>> aggregateAsync(QThreadPool* pool, const QString& projectPath,
                                           Snapshot snapshot, AggregationRequest request);

} // namespace chorus::model
