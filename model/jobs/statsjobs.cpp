#include "statsjobs.h"

#include "jobsupport.h"
#include "methods.h"

#include <QElapsedTimer>
#include <QPromise>
#include <QtConcurrent>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace chorus::model {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Hooks that forward cancellation and map a sub-task's progress onto [from, to] of 1000.
agg::RunHooks subHooks(const agg::RunHooks& hooks, int from, int to)
{
    agg::RunHooks sub;
    sub.isCanceled = hooks.isCanceled;
    if (hooks.progress)
        sub.progress = [&hooks, from, to](int done, int total) {
            hooks.report(from + static_cast<int>(total > 0 ? int64_t(to - from) * done / total : 0), 1000);
        };
    return sub;
}

// Labels outside the original label set (INVALID as a class, with includeInvalid) are wrong
// answers, not labels evaluate() would reject.
std::vector<int32_t> clampToLabels(std::vector<int32_t> labels, int32_t numLabels)
{
    for (int32_t& l : labels)
        if (l >= numLabels)
            l = agg::kInvalidLabel;
    return labels;
}

} // namespace

AgreementReport agreementReport(const agg::LabelMatrix& matrix, const AgreementRequest& request,
                                const agg::RunHooks& hooks)
{
    AgreementReport r;
    const bool boot = request.bootstrap.replicates > 0;
    r.agreement = agg::computeAgreement(matrix, request.options, subHooks(hooks, 0, boot ? 100 : 1000));
    if (boot)
        r.intervals = agg::bootstrapAgreement(matrix, request.options, request.bootstrap, subHooks(hooks, 100, 1000));
    hooks.report(1000, 1000);
    return r;
}

EvaluationReport evaluationReport(const agg::LabelMatrix& matrix, const std::vector<int32_t>& gold,
                                  const EvaluationRequest& request, const agg::RunHooks& hooks)
{
    const int32_t L = matrix.numLabels(), n = matrix.numItems(), A = matrix.numAnnotators();
    if (gold.size() != static_cast<size_t>(n))
        throw std::invalid_argument("evaluation: gold has " + std::to_string(gold.size()) + " entries for "
                                    + std::to_string(n) + " items");
    EvaluationReport rep;
    for (int32_t g : gold)
        rep.goldItems += g >= 0;
    if (rep.goldItems == 0)
        throw std::invalid_argument("evaluation: no item has a gold label");

    // Annotators: scored on the gold items each one answered (an INVALID answer is an answer,
    // and wrong); items it was never given are left out. Coverage is answered / gold items.
    rep.annotators.resize(static_cast<size_t>(A));
    std::vector<double> trueAccuracy(static_cast<size_t>(A), kNaN);
    // evaluate() only counts (gold, prediction) pairs, so it is given the items the annotator
    // answered (each once), not every item: the same counts for a tenth of the work or less.
    std::vector<char> seen(static_cast<size_t>(n), 0);
    std::vector<int32_t> ownPredictions, ownGold;
    double sumAcc = 0, sumF1 = 0;
    for (int32_t a = 0; a < A; ++a) {
        if (hooks.canceled())
            throw agg::Canceled();
        PredictionEvaluation& e = rep.annotators[a];
        e.predictions.assign(static_cast<size_t>(n), agg::kNoPrediction);
        ownPredictions.clear();
        ownGold.clear();
        for (int64_t k = matrix.annotatorBegin(a); k < matrix.annotatorEnd(a); ++k)
            e.predictions[matrix.annotatorItem(k)] = matrix.annotatorLabel(k);
        for (int64_t k = matrix.annotatorBegin(a); k < matrix.annotatorEnd(a); ++k) {
            const int32_t i = matrix.annotatorItem(k);
            if (seen[i])
                continue;
            seen[i] = 1;
            ownPredictions.push_back(e.predictions[i]);
            ownGold.push_back(gold[i]);
        }
        for (int64_t k = matrix.annotatorBegin(a); k < matrix.annotatorEnd(a); ++k)
            seen[matrix.annotatorItem(k)] = 0;
        e.result = agg::evaluate(ownPredictions, ownGold, L, request.options);
        e.result.coverage = double(e.result.answered) / double(rep.goldItems);
        e.result.validCoverage = double(e.result.valid) / double(rep.goldItems);
        if (e.result.answered == 0) {  // nothing to score: NaN, not 0
            e.result.accuracy = e.result.macroF1 = e.result.weightedF1 = kNaN;
            e.result.macroPrecision = e.result.macroRecall = kNaN;
        }
        e.spearman.r = e.pearson.r = agg::Coefficient::undefined("not a method");
        trueAccuracy[a] = e.result.answered > 0 ? e.result.accuracy : kNaN;
        if (e.result.answered >= request.minItems && e.result.answered > 0) {
            sumAcc += e.result.accuracy;
            sumF1 += e.result.macroF1;
            ++rep.annotatorsRanked;
            if (rep.bestAnnotator < 0 || e.result.macroF1 > rep.annotators[rep.bestAnnotator].result.macroF1)
                rep.bestAnnotator = a;
        }
    }
    rep.minItems = request.minItems;
    rep.meanAnnotatorAccuracy = rep.annotatorsRanked > 0 ? sumAcc / rep.annotatorsRanked : kNaN;
    rep.meanAnnotatorMacroF1 = rep.annotatorsRanked > 0 ? sumF1 / rep.annotatorsRanked : kNaN;

    // Methods.
    const agg::LabelMatrix withInvalid = request.includeInvalid ? matrix.withInvalidAsClass() : agg::LabelMatrix();
    const agg::LabelMatrix& input = request.includeInvalid ? withInvalid : matrix;
    const int steps = static_cast<int>(request.methods.size());
    // Permuted into key order once for all the methods (aggregate() would do it per method).
    const agg::KeyOrderedMatrix ordered =
        steps > 1 ? agg::KeyOrderedMatrix::of(input) : agg::KeyOrderedMatrix{};
    for (int m = 0; m < steps; ++m)
        rep.methods.push_back(evaluateMethod(input, L, gold, request.methods[m], trueAccuracy, request,
                                             subHooks(hooks, 1000 * m / steps, 1000 * (m + 1) / steps),
                                             steps > 1 ? &ordered : nullptr));
    hooks.report(1000, 1000);
    return rep;
}

PredictionEvaluation evaluateMethod(const agg::LabelMatrix& input, int32_t numLabels, const std::vector<int32_t>& gold,
                                    const std::string& method, const std::vector<double>& trueAccuracy,
                                    const EvaluationRequest& request, const agg::RunHooks& hooks,
                                    const agg::KeyOrderedMatrix* ordered)
{
    PredictionEvaluation e;
    e.name = method;
    agg::AggregationInput in;
    in.matrix = &input;
    in.seed = request.seed;
    QElapsedTimer timer;
    timer.start();
    agg::AggregationResult r;
    try {
        r = ordered ? agg::aggregate(e.name, in, *ordered, hooks) : agg::aggregate(e.name, in, hooks);
    } catch (const std::invalid_argument& ex) {
        e.error = ex.what();
        e.spearman.r = e.pearson.r = agg::Coefficient::undefined("method failed");
        return e;
    }
    e.seconds = timer.nsecsElapsed() / 1e9;
    e.predictions = clampToLabels(std::move(r.labels), numLabels);
    e.result = agg::evaluate(e.predictions, gold, numLabels, request.options);
    e.competence = std::move(r.competence);
    e.spearman = agg::spearman(e.competence, trueAccuracy);
    e.pearson = agg::pearson(e.competence, trueAccuracy);
    e.iterations = r.iterations;
    e.converged = r.converged;
    return e;
}

std::vector<double> annotatorAccuracies(const EvaluationReport& report)
{
    std::vector<double> out;
    out.reserve(report.annotators.size());
    for (const auto& a : report.annotators)
        out.push_back(a.result.answered > 0 ? a.result.accuracy : kNaN);
    return out;
}

QFuture<JobResult<AgreementReport>> agreementAsync(QThreadPool* pool, agg::LabelMatrix matrix,
                                                   AgreementRequest request)
{
    return QtConcurrent::run(pool, [m = std::move(matrix), req = std::move(request)](
                                       QPromise<JobResult<AgreementReport>>& promise) {
        promise.setProgressRange(0, 1000);
        detail::guarded(promise, [&] { return agreementReport(m, req, detail::hooksOf(promise)); });
    });
}

QFuture<JobResult<EvaluationReport>> evaluationAsync(QThreadPool* pool, agg::LabelMatrix matrix,
                                                     std::vector<int32_t> gold, EvaluationRequest request)
{
    return QtConcurrent::run(pool, [m = std::move(matrix), g = std::move(gold), req = std::move(request)](
                                       QPromise<JobResult<EvaluationReport>>& promise) {
        promise.setProgressRange(0, 1000);
        detail::guarded(promise, [&] { return evaluationReport(m, g, req, detail::hooksOf(promise)); });
    });
}

} // namespace chorus::model
