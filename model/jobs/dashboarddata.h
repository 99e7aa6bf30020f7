#pragma once
// The numbers behind the insight dashboard, computed on a worker thread from copies of the
// snapshot and the consensus run, in independent parts so that a tab computes only what it
// shows: an overview (label use, every annotator against gold, the consensus confusion),
// agreement with bootstrap intervals, the aggregation methods against gold with bootstrap
// intervals, human-vs-consensus divergence per item, and the LLM connector's bookkeeping.

#include "divergence.h"
#include "jobs.h"
#include "llmrunner.h"
#include "statsjobs.h"

#include <QFlags>

#include <functional>

namespace chorus::model {

/// The independently computed parts of DashboardData; a dashboard tab needs one of them.
enum class DashboardPart : unsigned {
    Overview = 0x1,    ///< labelUse, evaluation.annotators (and its ranking), consensusConfusion
    Agreement = 0x2,   ///< agreement (point estimates and Fleiss/alpha bootstrap intervals)
    Methods = 0x4,     ///< evaluation (with methods), accuracyCi, macroF1Ci
    Divergence = 0x8,  ///< divergence*, mean*, dcor
    Llm = 0x10,        ///< llm (dashboardAsync only: it needs the project file)
};
Q_DECLARE_FLAGS(DashboardParts, DashboardPart)
Q_DECLARE_OPERATORS_FOR_FLAGS(DashboardParts)

/// Every part.
inline constexpr DashboardParts kAllDashboardParts{0x1f};

/// Where a dashboard computation is: `stage` names the statistic and step ("Agreement:
/// bootstrap"), done/total count that step's own units (replicates, iterations, items;
/// total 0 = not counted), permille is the whole computation's progress (0..1000, monotone).
struct DashboardProgress
{
    QString stage;
    int done = 0;
    int total = 0;
    int permille = 0;
    /// "Agreement: bootstrap 120/500" (without the count when total is 0).
    QString text() const;
};
using DashboardProgressFn = std::function<void(const DashboardProgress&)>;

/// Whose labels the dashboard analyses (team projects, docs/team.md): the project's annotators,
/// the team's human reviewers alone, or both (model/team/reviewercrowd.h).
enum class DashboardCrowd { Annotators, Reviewers, Both };

struct DashboardRequest
{
    DashboardParts parts = kAllDashboardParts;
    DashboardCrowd crowd = DashboardCrowd::Annotators;
    /// Score against the adjudicators' final labels instead of the project's gold.
    bool adjudicatedTruth = false;
    std::vector<std::string> methods{"mv", "wawa", "ds", "glad", "mace"};
    int bootstrapReplicates = 500;   ///< agreement intervals
    int scoreReplicates = 200;       ///< accuracy / macro-F1 intervals
    /// Divergence sources, specs of model::divergenceSource (human, consensus, annotator:NAME,
    /// votes, votes:A,B, run:ID, method:M), compared in base 2 (chorus-cli divergence --log 2).
    QString divergenceP = QStringLiteral("human");
    QString divergenceQ = QStringLiteral("consensus");
    uint64_t seed = 0;
};

struct DashboardData
{
    DashboardParts parts;  ///< what was computed; other fields keep their defaults
    QStringList annotators;
    QStringList labels;
    QString consensusMethod;
    std::vector<double> consensusCompetence;  ///< per annotator, from the consensus run

    bool hasGold = false;
    /// Only with gold. Overview fills goldItems, annotators and their ranking; Methods fills
    /// all of it (the same annotators, plus methods).
    EvaluationReport evaluation;
    AgreementReport agreement;

    /// Labels used by each annotator: annotators x (labels + 1), the last column INVALID.
    std::vector<int64_t> labelUse;

    /// 95% percentile bootstrap intervals (items resampled, request.seed) of accuracy and
    /// macro-F1: one per evaluation.methods entry, then one per evaluation.annotators entry.
    std::vector<agg::Interval> accuracyCi, macroF1Ci;

    /// Per item, between its human judgment distribution and the consensus posterior (base 2):
    /// Jensen-Shannon distance (in [0, 1]), KL(human || consensus) and total variation. Empty
    /// without human counts.
    QString divergenceP, divergenceQ;  ///< what was compared (request's sources)
    QString divergenceError;           ///< why nothing was compared (a source the data lacks)
    std::vector<int32_t> divergenceItems;
    std::vector<double> divergenceJsd;
    std::vector<double> divergenceKl;
    std::vector<double> divergenceTvd;
    double meanJsd = 0;
    double meanKl = 0;
    double meanTvd = 0;
    agg::Coefficient dcor;

    /// Consensus against gold, gold x (labels + 1) (last column: no consensus); only with gold.
    std::vector<int64_t> consensusConfusion;

    /// What the LLM connector stored per LLM annotator: answers, tokens, cost and the
    /// order-bias check (filled by dashboardAsync from the project; empty in computeDashboard).
    QList<LlmAnnotatorSummary> llm;
};

/// What divergence sources read from the project: an annotator's probability rows
/// ("annotator:NAME") and saved runs ("run:ID", 0 = latest). Unset: those sources fail with a
/// message in DashboardData::divergenceError.
struct DivergenceLoaders
{
    std::function<ProbabilityTable(int32_t annotator)> probabilities;
    std::function<RunData(qint64 runId)> run;
};

/// Computes request.parts except Llm (synchronous; used by the worker and by tests). hooks:
/// isCanceled is polled throughout, progress gets the overall (permille, 1000); `stages` gets
/// every named stage. Throws agg::Canceled, or Error for an unknown divergence source.
DashboardData computeDashboard(const Snapshot& s, const RunData& consensus, const DashboardRequest& request,
                               const agg::RunHooks& hooks = {}, const DivergenceLoaders& loaders = {},
                               const DashboardProgressFn& stages = {});

/// Copies into `into` the parts `from` has (from.parts), keeping the others: how the dashboard
/// accumulates the parts its tabs computed one at a time. Methods brings a full evaluation;
/// Overview's evaluation is taken only when `into` has no Methods part.
void mergeDashboardData(DashboardData& into, DashboardData&& from);

/// On a worker thread; annotator probabilities are read through the worker's own connection to
/// projectPath when a divergence source needs them. Progress: per-mille value with
/// DashboardProgress::text() as the progress text (QFutureWatcher::progressTextChanged).
QFuture<JobResult<DashboardData>> dashboardAsync(QThreadPool* pool, const QString& projectPath, Snapshot snapshot,
                                                 RunData consensus, DashboardRequest request);

} // namespace chorus::model
