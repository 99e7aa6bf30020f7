#include "dashboarddata.h"

#include "jobsupport.h"

#include <QtConcurrent>

#include <algorithm>
#include <random>
#include <cmath>

namespace chorus::model {

namespace {

// Percentile bootstrap of accuracy and macro-F1 for every evaluated prediction vector (Efron &
// Tibshirani 1993, ch. 13). A method is resampled over every gold item; an annotator over the
// gold items it answered, as its scores are defined (EvaluationReport). Each vector draws from
// its own seeded stream, so an interval does not depend on what else is evaluated.
void scoreIntervals(DashboardData& d, const std::vector<int32_t>& gold, int32_t L, const DashboardRequest& request)
{
    std::vector<int32_t> goldItems;
    for (int32_t i = 0; i < static_cast<int32_t>(gold.size()); ++i)
        if (gold[i] >= 0)
            goldItems.push_back(i);
    const int B = std::max(0, request.scoreReplicates);
    std::vector<int32_t> p, g, own;
    auto interval = [&](const std::vector<int32_t>& pred, const std::vector<int32_t>& items, uint64_t stream) {
        std::pair<agg::Interval, agg::Interval> out;
        const size_t n = items.size();
        if (pred.empty() || n == 0 || B == 0)
            return out;
        std::vector<double> acc, f1;
        std::mt19937_64 rng(request.seed ^ 0x5eedULL ^ (stream * 0x9e3779b97f4a7c15ULL));
        p.resize(n);
        g.resize(n);
        for (int b = 0; b < B; ++b) {
            for (size_t k = 0; k < n; ++k) {
                const int32_t i = items[static_cast<size_t>(rng() % n)];
                p[k] = pred[i];
                g[k] = gold[i];
            }
            const auto r = agg::evaluate(p, g, L);
            acc.push_back(r.accuracy);
            f1.push_back(r.macroF1);
        }
        out.first = {agg::quantile(acc, 0.025), agg::quantile(acc, 0.975)};
        out.second = {agg::quantile(f1, 0.025), agg::quantile(f1, 0.975)};
        return out;
    };
    uint64_t stream = 0;
    for (const auto& m : d.evaluation.methods) {
        const auto [a, f] = interval(m.predictions, goldItems, stream++);
        d.accuracyCi.push_back(a);
        d.macroF1Ci.push_back(f);
    }
    for (const auto& e : d.evaluation.annotators) {
        own.clear();
        for (int32_t i : goldItems)
            if (!e.predictions.empty() && e.predictions[i] != agg::kNoPrediction)
                own.push_back(i);
        const auto [a, f] = interval(e.predictions, own, stream++);
        d.accuracyCi.push_back(a);
        d.macroF1Ci.push_back(f);
    }
}

} // namespace

namespace {

// A divergence source as distributions over the project's labels; empty (no rows) when the
// source has no data for this project.
agg::Distributions sourceDistributions(const QString& source, const Snapshot& s, const RunData& consensus,
                                       const ProbabilityLoader& probabilities)
{
    const int32_t L = s.numLabels();
    if (source == QLatin1String("human")) {
        if (s.humanCounts.empty())
            return {};
        return agg::distributionsFromCounts(s.humanCounts, s.numItems(), L);
    }
    if (source == QLatin1String("consensus")) {
        if (consensus.posterior.empty())
            return {};
        agg::Distributions d;
        d.numItems = s.numItems();
        d.numLabels = L;
        d.values = consensus.posterior;
        d.present.assign(s.numItems(), 0);
        for (int32_t i = 0; i < s.numItems(); ++i)
            d.present[i] = consensus.labels[i] >= 0;
        return d;
    }
    if (source.startsWith(QLatin1String("annotator:")) && probabilities) {
        const qsizetype a = s.annotators.indexOf(source.mid(10));
        if (a < 0)
            throw Error(QStringLiteral("unknown annotator \"%1\"").arg(source.mid(10)));
        const ProbabilityTable t = probabilities(static_cast<int32_t>(a));
        agg::Distributions d;
        d.numItems = s.numItems();
        d.numLabels = L;
        d.values = t.rows;
        d.present = t.present;
        return d;
    }
    throw Error(QStringLiteral("unknown divergence source \"%1\"").arg(source));
}

} // namespace

DashboardData computeDashboard(const Snapshot& s, const RunData& consensus, const DashboardRequest& request,
                               const agg::RunHooks& hooks, const ProbabilityLoader& probabilities)
{
    DashboardData d;
    d.annotators = s.annotators;
    d.labels = s.labels;
    d.consensusMethod = consensus.summary.method;
    d.consensusCompetence = consensus.competence;
    const int32_t L = s.numLabels();
    const int32_t A = static_cast<int32_t>(s.annotators.size());

    d.labelUse.assign(static_cast<size_t>(A) * (L + 1), 0);
    for (int32_t a = 0; a < A; ++a)
        for (int64_t k = s.matrix.annotatorBegin(a); k < s.matrix.annotatorEnd(a); ++k) {
            const int32_t l = s.matrix.annotatorLabel(k);
            ++d.labelUse[static_cast<size_t>(a) * (L + 1) + (l >= 0 ? l : L)];
        }

    // Agreement: point estimates and bootstrap intervals (a tenth of the progress range each
    // for the cheap parts, the rest for the bootstrap and the methods).
    AgreementRequest ar;
    ar.bootstrap.replicates = request.bootstrapReplicates;
    ar.bootstrap.seed = request.seed;
    d.agreement = agreementReport(s.matrix, ar, hooks);
    if (hooks.canceled())
        throw agg::Canceled{};

    d.hasGold = s.goldCount > 0;
    if (d.hasGold) {
        EvaluationRequest er;
        er.methods = request.methods;
        er.seed = request.seed;
        d.evaluation = evaluationReport(s.matrix, s.gold, er, hooks);
        scoreIntervals(d, s.gold, L, request);
        std::vector<int32_t> pred = consensus.labels;
        const auto ev = agg::evaluate(pred, s.gold, L);
        d.consensusConfusion = ev.confusion;
    }

    d.divergenceP = request.divergenceP;
    d.divergenceQ = request.divergenceQ;
    const agg::Distributions p = sourceDistributions(request.divergenceP, s, consensus, probabilities);
    const agg::Distributions q = sourceDistributions(request.divergenceQ, s, consensus, probabilities);
    if (!p.present.empty() && !q.present.empty()) {
        agg::DivergenceOptions opt;
        opt.base = agg::LogBase::Two;
        const auto r = agg::compareDistributions(p, q, opt, hooks);
        for (const auto& it : r.items) {
            d.divergenceItems.push_back(it.item);
            d.divergenceJsd.push_back(it.jsd);
            d.divergenceKl.push_back(it.kl);
            d.divergenceTvd.push_back(it.tvd);
        }
        d.meanJsd = r.mean.jsd;
        d.meanKl = r.mean.kl;
        d.meanTvd = r.mean.tvd;
        d.dcor = r.dcor;
    }
    return d;
}

QFuture<JobResult<DashboardData>> dashboardAsync(QThreadPool* pool, const QString& projectPath, Snapshot snapshot,
                                                 RunData consensus, DashboardRequest request)
{
    return QtConcurrent::run(pool, [projectPath, s = std::move(snapshot), c = std::move(consensus),
                                    req = std::move(request)](QPromise<JobResult<DashboardData>>& promise) {
        promise.setProgressRange(0, 1000);
        detail::guarded(promise, [&] {
            std::unique_ptr<ProjectStore> store;  // this thread's own connection, opened on demand
            const ProbabilityLoader load = [&](int32_t annotator) {
                if (!store) {
                    store = std::make_unique<ProjectStore>();
                    store->open(projectPath);
                }
                return loadAnnotatorProbabilities(*store, s, annotator);
            };
            DashboardData d = computeDashboard(s, c, req, detail::hooksOf(promise), load);
            if (!store) {
                store = std::make_unique<ProjectStore>();
                store->open(projectPath);
            }
            d.llm = llmSummaries(*store);
            return d;
        });
    });
}

} // namespace chorus::model
