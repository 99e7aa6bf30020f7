#pragma once
// Agreement and evaluation reports, computed directly or as worker-thread jobs for the
// statistics dashboard and chorus-cli. The synchronous functions do the work; the *Async ones
// run them with QtConcurrent::run on a copy of the data, poll QPromise::isCanceled() through
// agg::RunHooks and report progress in per-mille (0..1000), like jobs.h. A canceled job adds no
// result (QPromise drops results once canceled), so check isCanceled()/resultCount() before
// applying. Formulas and conventions: docs/statistics.md.

#include "jobs.h"

#include "agreement.h"
#include "evaluation.h"
#include "labelmatrix.h"

#include <QFuture>
#include <QThreadPool>

#include <string>
#include <vector>

namespace chorus::model {

struct AgreementRequest
{
    agg::AgreementOptions options;
    /// Bootstrap intervals of Fleiss' kappa and alpha; replicates == 0 skips them.
    agg::BootstrapOptions bootstrap;
};

struct AgreementReport
{
    agg::AgreementResult agreement;
    agg::AgreementIntervals intervals;  ///< replicates == 0 when skipped
};

/// computeAgreement() then, unless request.bootstrap.replicates == 0, bootstrapAgreement().
/// Progress: the point estimates take the first tenth of hooks' range (0..1000 total), the
/// bootstrap the rest. Throws agg::Canceled and std::invalid_argument like those functions.
AgreementReport agreementReport(const agg::LabelMatrix& matrix, const AgreementRequest& request,
                                const agg::RunHooks& hooks = {});

/// One evaluated prediction vector: an annotator's labels or a method's consensus.
struct PredictionEvaluation
{
    std::string name;                  ///< annotator name or method name
    std::vector<int32_t> predictions;  ///< per item: label, kInvalidLabel or kNoPrediction
    agg::EvaluationResult result;      ///< against gold over the original label set
    /// Annotators: correct / items with gold the annotator answered (INVALID is wrong); NaN
    /// when the annotator answered none. This is the "true accuracy" the methods' competences
    /// are correlated with. Unused (NaN) for methods.
    double answeredAccuracy = 0;
    // Methods only:
    std::vector<double> competence;  ///< per annotator, NaN = unknown
    agg::Correlation spearman;       ///< competence vs annotators' answeredAccuracy
    agg::Correlation pearson;
    int iterations = 0;
    bool converged = true;
    double seconds = 0;
    std::string error;  ///< the method refused this data (e.g. kos on 3 labels); no result
};

struct EvaluationRequest
{
    std::vector<std::string> methods;  ///< aggregation methods to run; empty = none
    uint64_t seed = 0;                 ///< AggregationInput::seed of every method
    /// Aggregate with INVALID as an extra class (as `aggregate --include-invalid`); an INVALID
    /// consensus then counts as wrong. By default INVALID labels are excluded from aggregation.
    bool includeInvalid = false;
    agg::EvaluationOptions options;
};

struct EvaluationReport
{
    int64_t goldItems = 0;
    std::vector<PredictionEvaluation> annotators;  ///< one per matrix annotator, in index order
    std::vector<PredictionEvaluation> methods;     ///< in request order
    /// Mean over annotators that answered at least one gold item (accuracy, macro-F1 as in
    /// ../shared/reference/llm: missing labels count as wrong), and the best of them by macro-F1
    /// (first in annotator order on a tie); -1 / NaN when no annotator qualifies.
    double meanAnnotatorAccuracy = 0;
    double meanAnnotatorMacroF1 = 0;
    int32_t bestAnnotator = -1;
};

/// Evaluates every annotator and every requested method against gold (per item, -1 = unknown;
/// at least one item must have gold, otherwise std::invalid_argument). A method throwing
/// std::invalid_argument is recorded in its `error` and the others still run. Progress counts
/// one step per method. Throws agg::Canceled.
EvaluationReport evaluationReport(const agg::LabelMatrix& matrix, const std::vector<int32_t>& gold,
                                  const EvaluationRequest& request, const agg::RunHooks& hooks = {});

/// agreementReport() on a worker thread of pool, on its own copy of matrix.
QFuture<JobResult<AgreementReport>> agreementAsync(QThreadPool* pool, agg::LabelMatrix matrix,
                                                   AgreementRequest request);

/// evaluationReport() on a worker thread of pool, on its own copies of matrix and gold.
QFuture<JobResult<EvaluationReport>> evaluationAsync(QThreadPool* pool, agg::LabelMatrix matrix,
                                                     std::vector<int32_t> gold, EvaluationRequest request);

} // namespace chorus::model
