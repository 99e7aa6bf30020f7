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

namespace chorus::agg {
struct KeyOrderedMatrix;
}

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
    /// Against gold over the original label set. Methods: over every gold item (no label or
    /// INVALID is wrong). Annotators: over the gold items the annotator answered (`items` =
    /// `answered`; an INVALID answer is wrong, items it was never given are left out), so
    /// accuracy, precision, recall and F1 are NaN when it answered none; `coverage` and
    /// `validCoverage` are still relative to every gold item. An annotator's accuracy is the
    /// "true accuracy" the methods' competences are correlated with.
    agg::EvaluationResult result;
    // Methods only:
    std::vector<double> competence;  ///< per annotator, NaN = unknown
    agg::Correlation spearman;       ///< competence vs annotators' accuracy on answered items
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
    /// Annotators with fewer answered gold items are listed but not ranked: they are not the
    /// best annotator and not part of the mean (a worker with one lucky answer is not the best).
    int64_t minItems = 20;
};

struct EvaluationReport
{
    int64_t goldItems = 0;
    std::vector<PredictionEvaluation> annotators;  ///< one per matrix annotator, in index order
    std::vector<PredictionEvaluation> methods;     ///< in request order
    /// The ranked annotators are those with at least `minItems` answered gold items. The mean
    /// is the unweighted mean of their accuracies / macro-F1s (each annotator counts once,
    /// however many items it answered), the best is the one with the highest macro-F1 (first
    /// in annotator order on a tie); -1 / NaN when no annotator qualifies.
    int64_t minItems = 0;
    int32_t annotatorsRanked = 0;
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

/// One method of evaluationReport(): runs `method` on `input` (the matrix, or its
/// withInvalidAsClass() copy with request.includeInvalid), evaluates its labels against gold
/// over the original `numLabels` and correlates its competences with `trueAccuracy` (per
/// annotator, NaN = unknown: EvaluationReport's annotator accuracies). A method throwing
/// std::invalid_argument gets its `error` set. Throws agg::Canceled. `ordered`, when given, is
/// agg::KeyOrderedMatrix::of(input), shared by the methods of one report (the same results).
PredictionEvaluation evaluateMethod(const agg::LabelMatrix& input, int32_t numLabels, const std::vector<int32_t>& gold,
                                    const std::string& method, const std::vector<double>& trueAccuracy,
                                    const EvaluationRequest& request, const agg::RunHooks& hooks = {},
                                    const agg::KeyOrderedMatrix* ordered = nullptr);

/// The annotators' accuracies on the gold items they answered, as evaluateMethod() wants
/// them (NaN for an annotator that answered none).
std::vector<double> annotatorAccuracies(const EvaluationReport& report);

/// agreementReport() on a worker thread of pool, on its own copy of matrix.
QFuture<JobResult<AgreementReport>> agreementAsync(QThreadPool* pool, agg::LabelMatrix matrix,
                                                   AgreementRequest request);

/// evaluationReport() on a worker thread of pool, on its own copies of matrix and gold.
QFuture<JobResult<EvaluationReport>> evaluationAsync(QThreadPool* pool, agg::LabelMatrix matrix,
                                                     std::vector<int32_t> gold, EvaluationRequest request);

} // namespace chorus::model
