#pragma once
// Crowd design and calibration on a worker thread, for the Insights Crowd and Calibration tabs
// (issue #21), and what `chorus-cli crowd` / `calibration` share with them: the annotators'
// costs, calibrating one source of probability rows, aggregating with only some annotators.
// Jobs run with QtConcurrent::run on copies of the data, poll QPromise::isCanceled() through
// agg::RunHooks and report progress in per-mille (0..1000), like statsjobs.h. A canceled job
// adds a result with canceled set (detail::guarded).

#include "calibration.h"
#include "crowd.h"
#include "jobresult.h"
#include "llmrunner.h"
#include "snapshot.h"

#include <QFuture>
#include <QStringList>
#include <QThreadPool>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace chorus::model {

/// designCrowd(matrix, gold, options) on a worker thread of pool.
QFuture<JobResult<agg::CrowdDesign>> crowdDesignAsync(QThreadPool* pool, agg::LabelMatrix matrix,
                                                      std::vector<int32_t> gold, agg::CrowdOptions options);

/// Where an annotator's cost per item came from (`chorus-cli crowd`'s cost_source).
enum class CostSource { File, Project, LlmRuns, Unknown };
/// "costs_file", "project", "llm_runs", "unknown".
const char* costSourceName(CostSource s);

struct AnnotatorCosts
{
    std::vector<double> perItem;     ///< per annotator, >= 0
    std::vector<CostSource> source;  ///< per annotator
    bool anyUnknown() const;
};

/// Per annotator of s: the project's cost_per_item, else what its LLM connector runs recorded
/// (llm[].cost divided by the items it labelled), else 1 with CostSource::Unknown.
AnnotatorCosts annotatorCosts(const Snapshot& s, const QList<LlmAnnotatorSummary>& llm);

/// A crowd design with what it was computed from (the Crowd tab's numbers).
struct CrowdReport
{
    agg::CrowdOptions options;  ///< as run: costs filled in
    AnnotatorCosts costs;
    agg::CrowdDesign design;
};

/// On a worker: the costs (annotatorCosts(), the LLM runs read through the worker's own
/// connection to projectPath; none when it is empty), then designCrowd(s.matrix, s.gold,
/// options). options.costs, when not empty, is used as given (costs then say Project).
QFuture<JobResult<CrowdReport>> crowdReportAsync(QThreadPool* pool, const QString& projectPath, Snapshot snapshot,
                                                 agg::CrowdOptions options);

/// The methods' posteriors and the annotators' reported probabilities scored against gold.
struct CalibrationRequest
{
    std::vector<std::string> methods{"mv", "wawa", "ds", "onecoin", "mace"};
    std::map<std::string, double> params;  ///< given to every method
    int bins = 10;
    /// Temperature scaling: fitted on the selection slice of agg::splitGold(gold, selectFraction,
    /// seed), scored on the holdout (as `chorus-cli calibration --temperature`). seed also
    /// seeds the methods.
    double selectFraction = 0.2;
    uint64_t seed = 0;
};

/// One source of probability rows, scored.
struct CalibrationSource
{
    QString kind;  ///< "method" or "annotator"
    QString name;
    agg::CalibrationScores all;  ///< on every gold item with a row
    /// Fitted on the selection, 1 when the split has no holdout (then nothing below is set).
    double temperature = 1;
    agg::CalibrationScores holdoutBefore, holdoutAfter;
};

/// Scores one source: `all` on goldItems; with a split that has a holdout, the temperature
/// fitted on its selection and the holdout scores before and after scaling.
CalibrationSource calibrateSource(const QString& kind, const QString& name, const std::vector<double>& rows,
                                  const std::vector<uint8_t>& present, int32_t numLabels,
                                  const std::vector<int32_t>& gold, const std::vector<int32_t>& goldItems,
                                  const agg::GoldSplit* split, int bins);

struct CalibrationReport
{
    int64_t goldItems = 0;
    int bins = 10;
    agg::GoldSplit split;
    std::vector<CalibrationSource> sources;  ///< methods first (request order), then annotators
    int annotatorsWithProbabilities = 0;
    QList<QPair<QString, QString>> methodErrors;  ///< (method, why) for a method that refused the data
};

/// Runs every method on the full crowd and scores it against `gold` (per item, -1 unknown;
/// usually s.gold), then every annotator whose probabilities(a) has a row. Throws Error when no
/// item has gold, agg::Canceled.
CalibrationReport computeCalibration(const Snapshot& s, const std::vector<int32_t>& gold,
                                     const std::function<ProbabilityTable(int32_t)>& probabilities,
                                     const CalibrationRequest& request, const agg::RunHooks& hooks = {});

/// computeCalibration on a worker; annotator probabilities are read through the worker's own
/// connection to projectPath (none when it is empty).
QFuture<JobResult<CalibrationReport>> calibrationAsync(QThreadPool* pool, const QString& projectPath,
                                                       Snapshot snapshot, CalibrationRequest request);

/// aggregate(method, in) with only the annotators `members` (ascending, distinct, in range;
/// otherwise Error): on agg::subMatrix(*in.matrix, members), as the crowd search runs a crowd,
/// with in.weights restricted the same way. The result's competence is per annotator of the
/// full matrix (NaN for the others), so it can be saved as a run of the project.
agg::AggregationResult aggregateMembers(const std::string& method, agg::AggregationInput in,
                                        const std::vector<int32_t>& members, const agg::RunHooks& hooks = {});

} // namespace chorus::model
