#include "crowdjobs.h"

#include "jobsupport.h"
#include "methods.h"
#include "projectstore.h"

#include <QPromise>
#include <QtConcurrent>

#include <algorithm>
#include <cmath>
#include <memory>
#include <limits>
#include <stdexcept>

namespace chorus::model {

QFuture<JobResult<agg::CrowdDesign>> crowdDesignAsync(QThreadPool* pool, agg::LabelMatrix matrix,
                                                      std::vector<int32_t> gold, agg::CrowdOptions options)
{
    return QtConcurrent::run(pool, [m = std::move(matrix), g = std::move(gold), o = std::move(options)](
                                       QPromise<JobResult<agg::CrowdDesign>>& promise) {
        promise.setProgressRange(0, 1000);
        detail::guarded(promise, [&] { return agg::designCrowd(m, g, o, detail::hooksOf(promise)); });
    });
}

const char* costSourceName(CostSource s)
{
    switch (s) {
    case CostSource::File: return "costs_file";
    case CostSource::Project: return "project";
    case CostSource::LlmRuns: return "llm_runs";
    case CostSource::Unknown: break;
    }
    return "unknown";
}

bool AnnotatorCosts::anyUnknown() const
{
    return std::find(source.begin(), source.end(), CostSource::Unknown) != source.end();
}

AnnotatorCosts annotatorCosts(const Snapshot& s, const QList<LlmAnnotatorSummary>& llm)
{
    const auto n = static_cast<size_t>(s.annotators.size());
    AnnotatorCosts c{std::vector<double>(n, 1.0), std::vector<CostSource>(n, CostSource::Unknown)};
    for (qsizetype a = 0; a < s.annotators.size(); ++a)
        if (a < s.annotatorCosts.size() && std::isfinite(s.annotatorCosts[a])) {
            c.perItem[static_cast<size_t>(a)] = s.annotatorCosts[a];
            c.source[static_cast<size_t>(a)] = CostSource::Project;
        }
    for (const LlmAnnotatorSummary& l : llm) {
        const qsizetype a = s.annotators.indexOf(l.name);
        if (a < 0 || c.source[static_cast<size_t>(a)] != CostSource::Unknown || l.cost <= 0)
            continue;
        const auto ai = static_cast<int32_t>(a);
        const int64_t items = s.matrix.annotatorEnd(ai) - s.matrix.annotatorBegin(ai);
        if (items > 0) {
            c.perItem[static_cast<size_t>(a)] = l.cost / static_cast<double>(items);
            c.source[static_cast<size_t>(a)] = CostSource::LlmRuns;
        }
    }
    return c;
}

QFuture<JobResult<CrowdReport>> crowdReportAsync(QThreadPool* pool, const QString& projectPath, Snapshot snapshot,
                                                 agg::CrowdOptions options)
{
    return QtConcurrent::run(pool, [projectPath, s = std::move(snapshot), o = std::move(options)](
                                       QPromise<JobResult<CrowdReport>>& promise) {
        promise.setProgressRange(0, 1000);
        detail::guarded(promise, [&] {
            CrowdReport r;
            r.options = o;
            if (o.costs.empty()) {
                QList<LlmAnnotatorSummary> llm;
                if (!projectPath.isEmpty()) {
                    ProjectStore store;
                    store.open(projectPath);
                    llm = llmSummaries(store);
                }
                r.costs = annotatorCosts(s, llm);
                r.options.costs = r.costs.perItem;
            } else {
                r.costs.perItem = o.costs;
                r.costs.source.assign(o.costs.size(), CostSource::Project);
            }
            r.design = agg::designCrowd(s.matrix, s.gold, r.options, detail::hooksOf(promise));
            return r;
        });
    });
}

CalibrationSource calibrateSource(const QString& kind, const QString& name, const std::vector<double>& rows,
                                  const std::vector<uint8_t>& present, int32_t numLabels,
                                  const std::vector<int32_t>& gold, const std::vector<int32_t>& goldItems,
                                  const agg::GoldSplit* split, int bins)
{
    CalibrationSource c;
    c.kind = kind;
    c.name = name;
    c.all = agg::calibrationScores(rows, numLabels, present, gold, goldItems, bins);
    if (split && !split->holdout.empty()) {
        c.temperature = agg::fitTemperature(rows, numLabels, present, gold, split->selection);
        c.holdoutBefore = agg::calibrationScores(rows, numLabels, present, gold, split->holdout, bins);
        c.holdoutAfter = agg::calibrationScores(agg::temperatureScaled(rows, numLabels, c.temperature), numLabels,
                                                present, gold, split->holdout, bins);
    }
    return c;
}

CalibrationReport computeCalibration(const Snapshot& s, const std::vector<int32_t>& gold,
                                     const std::function<ProbabilityTable(int32_t)>& probabilities,
                                     const CalibrationRequest& request, const agg::RunHooks& hooks)
{
    CalibrationReport r;
    r.bins = request.bins;
    std::vector<int32_t> goldItems;
    for (size_t i = 0; i < gold.size(); ++i)
        if (gold[i] >= 0)
            goldItems.push_back(static_cast<int32_t>(i));
    if (goldItems.empty())
        throw Error(QStringLiteral("no item has a gold label: calibration needs gold (import gold labels)"));
    r.goldItems = static_cast<int64_t>(goldItems.size());
    r.split = agg::splitGold(gold, request.selectFraction, request.seed);
    const int32_t L = s.numLabels();
    const int total = static_cast<int>(request.methods.size()) + static_cast<int>(s.annotators.size());
    int done = 0;
    agg::AggregationInput in;
    in.matrix = &s.matrix;
    in.params = request.params;
    in.seed = request.seed;
    for (const std::string& m : request.methods) {
        hooks.report(done, total);
        agg::RunHooks inner;
        inner.isCanceled = hooks.isCanceled;
        try {
            const agg::AggregationResult res = agg::aggregate(m, in, inner);
            r.sources.push_back(calibrateSource(QStringLiteral("method"), QString::fromStdString(m), res.posterior, {}, L,
                                                gold, goldItems, &r.split, request.bins));
        } catch (const std::invalid_argument& e) {
            r.methodErrors.append({QString::fromStdString(m), QString::fromUtf8(e.what())});
        }
        ++done;
    }
    for (int32_t a = 0; a < s.matrix.numAnnotators() && probabilities; ++a) {
        if (hooks.canceled())
            throw agg::Canceled{};
        hooks.report(done++, total);
        const ProbabilityTable t = probabilities(a);
        if (std::none_of(t.present.begin(), t.present.end(), [](uint8_t x) { return x != 0; }))
            continue;
        ++r.annotatorsWithProbabilities;
        r.sources.push_back(calibrateSource(QStringLiteral("annotator"), s.annotators[a], t.rows, t.present, L, gold,
                                            goldItems, &r.split, request.bins));
    }
    hooks.report(total, total);
    return r;
}

QFuture<JobResult<CalibrationReport>> calibrationAsync(QThreadPool* pool, const QString& projectPath,
                                                       Snapshot snapshot, CalibrationRequest request)
{
    return QtConcurrent::run(pool, [projectPath, s = std::move(snapshot), req = std::move(request)](
                                       QPromise<JobResult<CalibrationReport>>& promise) {
        promise.setProgressRange(0, 1000);
        detail::guarded(promise, [&] {
            std::unique_ptr<ProjectStore> store;
            std::function<ProbabilityTable(int32_t)> probabilities;
            if (!projectPath.isEmpty()) {
                store = std::make_unique<ProjectStore>();
                store->open(projectPath);
                probabilities = [&](int32_t a) { return loadAnnotatorProbabilities(*store, s, a); };
            }
            return computeCalibration(s, s.gold, probabilities, req, detail::hooksOf(promise));
        });
    });
}

agg::AggregationResult aggregateMembers(const std::string& method, agg::AggregationInput in,
                                        const std::vector<int32_t>& members, const agg::RunHooks& hooks)
{
    const agg::LabelMatrix& full = *in.matrix;
    const int32_t M = full.numAnnotators();
    if (members.empty())
        throw Error(QStringLiteral("a crowd needs at least one annotator"));
    for (size_t j = 0; j < members.size(); ++j)
        if (members[j] < 0 || members[j] >= M || (j > 0 && members[j] <= members[j - 1]))
            throw Error(QStringLiteral("crowd members must be distinct annotator indices in 0..%1, ascending").arg(M - 1));
    const agg::LabelMatrix sub = agg::subMatrix(full, members);
    if (!in.weights.empty()) {
        std::vector<double> w;
        for (int32_t a : members)
            w.push_back(a < static_cast<int32_t>(in.weights.size()) ? in.weights[static_cast<size_t>(a)] : 1.0);
        in.weights = std::move(w);
    }
    in.matrix = &sub;
    agg::AggregationResult r = agg::aggregate(method, in, hooks);
    std::vector<double> competence(static_cast<size_t>(M), std::numeric_limits<double>::quiet_NaN());
    for (size_t j = 0; j < members.size() && j < r.competence.size(); ++j)
        competence[static_cast<size_t>(members[j])] = r.competence[j];
    r.competence = std::move(competence);
    return r;
}

} // namespace chorus::model
