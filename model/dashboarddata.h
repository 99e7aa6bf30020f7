#pragma once
// The numbers behind the insight dashboard, computed together on a worker thread from copies
// of the snapshot and the consensus run: evaluation of every annotator and method against
// gold, agreement with bootstrap intervals, label use per annotator, human-vs-consensus
// divergence per item, and the consensus confusion matrix.

#include "divergence.h"
#include "jobs.h"
#include "llmrunner.h"
#include "statsjobs.h"

namespace chorus::model {

struct DashboardRequest
{
    std::vector<std::string> methods{"mv", "wawa", "ds", "glad", "mace"};
    int bootstrapReplicates = 500;   ///< agreement intervals
    int scoreReplicates = 200;       ///< accuracy / macro-F1 intervals
    /// Divergence sources: p is "human" (judgment counts) or "annotator:NAME" (its reported
    /// probabilities); q is "consensus" (the run's posterior) or "annotator:NAME".
    QString divergenceP = QStringLiteral("human");
    QString divergenceQ = QStringLiteral("consensus");
    uint64_t seed = 0;
};

struct DashboardData
{
    QStringList annotators;
    QStringList labels;
    QString consensusMethod;
    std::vector<double> consensusCompetence;  ///< per annotator, from the consensus run

    bool hasGold = false;
    EvaluationReport evaluation;  ///< only with gold
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

/// Loads one annotator's probability rows (for "annotator:NAME" divergence sources).
using ProbabilityLoader = std::function<ProbabilityTable(int32_t annotator)>;

/// Computes everything (synchronous; used by the worker and by tests). Throws agg::Canceled,
/// or Error for an unknown divergence source.
DashboardData computeDashboard(const Snapshot& s, const RunData& consensus, const DashboardRequest& request,
                               const agg::RunHooks& hooks = {}, const ProbabilityLoader& probabilities = {});

/// On a worker thread; annotator probabilities are read through the worker's own connection to
/// projectPath when a divergence source needs them.
QFuture<JobResult<DashboardData>> dashboardAsync(QThreadPool* pool, const QString& projectPath, Snapshot snapshot,
                                                 RunData consensus, DashboardRequest request);

} // namespace chorus::model
