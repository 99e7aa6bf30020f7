#include "dashboarddata.h"

#include "reviewercrowd.h"

#include "divergencesource.h"
#include "jobsupport.h"
#include "methods.h"

#include <QtConcurrent>

#include <algorithm>
#include <cmath>
#include <exception>
#include <thread>

namespace chorus::model {

QString DashboardProgress::text() const
{
    return total > 0 ? QStringLiteral("%1 %2/%3").arg(stage).arg(done).arg(total) : stage;
}

namespace {

// Named stages with a share of the whole computation each (rough relative costs, so that the
// bar moves evenly), reported to the caller's hooks (per-mille) and stage callback.
class StageTracker
{
public:
    StageTracker(const agg::RunHooks& hooks, const DashboardProgressFn& stages, double totalWeight)
        : m_hooks(hooks), m_stages(stages), m_total(std::max(totalWeight, 1e-9))
    {
    }

    // Hooks for the next stage; its progress(done, total) maps onto this stage's share.
    agg::RunHooks stage(const QString& name, double weight)
    {
        m_base += m_weight;
        m_weight = weight;
        m_name = name;
        report(name, 0, 0, 0.0);
        agg::RunHooks h;
        h.isCanceled = m_hooks.isCanceled;
        h.progress = [this, name](int done, int total) {
            report(name, done, total, total > 0 ? std::clamp(double(done) / total, 0.0, 1.0) : 0.0);
        };
        return h;
    }

    // The last stage is over: the whole computation is at 1000.
    void finish()
    {
        m_base += m_weight;
        m_weight = 0;
        report(m_name, 0, 0, 0.0);
    }

    void check() const
    {
        if (m_hooks.canceled())
            throw agg::Canceled{};
    }

private:
    void report(const QString& name, int done, int total, double fraction)
    {
        const int permille = std::clamp(static_cast<int>(1000 * (m_base + m_weight * fraction) / m_total), 0, 1000);
        m_permille = std::max(m_permille, permille);  // monotone, as QFutureInterface wants
        if (m_stages)
            m_stages({name, done, total, m_permille});
        m_hooks.report(m_permille, 1000);
    }

    const agg::RunHooks& m_hooks;
    const DashboardProgressFn& m_stages;
    double m_total;
    double m_base = 0, m_weight = 0;
    QString m_name;
    int m_permille = 0;
};

// Relative costs (ds = 1 on the 1M-label project) for the progress bar only.
double methodWeight(const std::string& m)
{
    if (m == "mv" || m == "wawa" || m == "wmv" || m == "zbs")
        return 0.05;
    if (m == "glad")
        return 8;
    if (m == "mace")
        return 3;
    return 1;
}

constexpr double kOverviewWeight = 0.3, kCoefficientsWeight = 0.3, kBootstrapWeight = 0.6,
                 kIntervalsWeight = 0.5, kDivergenceWeight = 0.3;

double weightOf(const DashboardRequest& r, bool hasGold)
{
    double w = 0;
    if (r.parts & DashboardPart::Overview)
        w += kOverviewWeight;
    if (r.parts & DashboardPart::Agreement)
        w += kCoefficientsWeight + (r.bootstrapReplicates > 0 ? kBootstrapWeight : 0);
    if ((r.parts & DashboardPart::Methods) && hasGold) {
        w += kOverviewWeight + kIntervalsWeight;
        for (const auto& m : r.methods)
            w += methodWeight(m);
    }
    if (r.parts & DashboardPart::Divergence)
        w += kDivergenceWeight;
    return w;
}

// Percentile bootstrap of accuracy and macro-F1 for every evaluated prediction vector (Efron &
// Tibshirani 1993, ch. 13; agg::bootstrapScores, which draws each replicate's cell tallies as one
// multinomial). The methods are resampled over every gold item (each vector's tallies from the
// same seeded generator state); an annotator over the gold items it answered, as its scores are
// defined (EvaluationReport), from a stream of its own. So an interval depends only on the seed
// and its own vector, not on what else is shown.
void scoreIntervals(DashboardData& d, const std::vector<int32_t>& gold, int32_t L, const DashboardRequest& request,
                    const agg::RunHooks& hooks)
{
    const int B = std::max(0, request.scoreReplicates);
    const size_t M = d.evaluation.methods.size(), A = d.evaluation.annotators.size();
    d.accuracyCi.assign(M + A, {});
    d.macroF1Ci.assign(M + A, {});
    if (B == 0)
        return;
    std::vector<int32_t> goldItems;
    for (int32_t i = 0; i < static_cast<int32_t>(gold.size()); ++i)
        if (gold[i] >= 0)
            goldItems.push_back(i);
    agg::BootstrapOptions boot;
    boot.replicates = B;
    const agg::RunHooks cancelOnly{hooks.isCanceled, {}};

    std::vector<const std::vector<int32_t>*> methods;
    std::vector<size_t> slot;
    for (size_t k = 0; k < M; ++k)
        if (!d.evaluation.methods[k].predictions.empty()) {
            methods.push_back(&d.evaluation.methods[k].predictions);
            slot.push_back(k);
        }
    boot.seed = agg::replicateSeed(request.seed ^ 0x5eedULL, 0);
    const auto mr = agg::bootstrapScores(methods, gold, goldItems, L, boot, {}, cancelOnly);
    for (size_t j = 0; j < slot.size(); ++j) {
        d.accuracyCi[slot[j]] = mr[j].accuracy;
        d.macroF1Ci[slot[j]] = mr[j].macroF1;
    }
    hooks.report(1, static_cast<int>(A) + 1);

    // Annotators: one task each, spread over the bootstrap threads (each annotator's own
    // replicates run on one thread; the result depends only on the seeds, not the schedule).
    boot.threads = 1;
    agg::RunHooks perAnnotator = cancelOnly;
    perAnnotator.progress = [&hooks, A](int done, int) { hooks.report(done + 1, static_cast<int>(A) + 1); };
    if (A > 0)
        agg::runReplicates(static_cast<int>(A), 0, request.seed, perAnnotator, [&](int a, std::mt19937_64&, int) {
            const auto& p = d.evaluation.annotators[static_cast<size_t>(a)].predictions;
            std::vector<int32_t> own;
            for (int32_t i : goldItems)
                if (!p.empty() && p[i] != agg::kNoPrediction)
                    own.push_back(i);
            agg::BootstrapOptions mine = boot;
            mine.seed = agg::replicateSeed(request.seed ^ 0x5eedULL, static_cast<uint64_t>(a) + 1);
            const auto r = agg::bootstrapScores({&p}, gold, own, L, mine, {}, cancelOnly);
            d.accuracyCi[M + static_cast<size_t>(a)] = r[0].accuracy;
            d.macroF1Ci[M + static_cast<size_t>(a)] = r[0].macroF1;
        });
}

void computeOverview(DashboardData& d, const Snapshot& s, const RunData& consensus, const DashboardRequest& request,
                     StageTracker& progress)
{
    const int32_t L = s.numLabels();
    const int32_t A = static_cast<int32_t>(s.annotators.size());
    const agg::RunHooks h = progress.stage(QObject::tr("Overview: label use and annotators vs gold"), kOverviewWeight);
    d.labelUse.assign(static_cast<size_t>(A) * (L + 1), 0);
    for (int32_t a = 0; a < A; ++a)
        for (int64_t k = s.matrix.annotatorBegin(a); k < s.matrix.annotatorEnd(a); ++k) {
            const int32_t l = s.matrix.annotatorLabel(k);
            ++d.labelUse[static_cast<size_t>(a) * (L + 1) + (l >= 0 ? l : L)];
        }
    if (d.hasGold) {
        EvaluationRequest er;
        er.seed = request.seed;
        d.evaluation = evaluationReport(s.matrix, s.gold, er, h);
        if (!consensus.labels.empty())
            d.consensusConfusion = agg::evaluate(consensus.labels, s.gold, L).confusion;
    }
}

void computeAgreementPart(DashboardData& d, const Snapshot& s, const DashboardRequest& request, StageTracker& progress)
{
    const agg::AgreementOptions options;
    d.agreement.agreement = agg::computeAgreement(
        s.matrix, options, progress.stage(QObject::tr("Agreement: coefficients and Cohen pairs"), kCoefficientsWeight));
    if (request.bootstrapReplicates > 0) {
        agg::BootstrapOptions boot;
        boot.replicates = request.bootstrapReplicates;
        boot.seed = request.seed;
        d.agreement.intervals = agg::bootstrapAgreement(
            s.matrix, options, boot, progress.stage(QObject::tr("Agreement: bootstrap"), kBootstrapWeight));
    }
}

void computeMethods(DashboardData& d, const Snapshot& s, const DashboardRequest& request, StageTracker& progress)
{
    if (!d.hasGold)
        return;
    const int32_t L = s.numLabels();
    const int M = static_cast<int>(request.methods.size());
    // The methods share one copy of the matrix in key order (each aggregate() call would make
    // its own: about 30 ms per method on 1M labels); the same results. It is made on a second
    // thread while the annotators are scored (both only read the snapshot).
    agg::KeyOrderedMatrix ordered;
    std::exception_ptr orderError;
    std::jthread orderer;  // joined before the methods run, and on an exception
    if (M > 1)
        orderer = std::jthread([&ordered, &orderError, &s] {
            try {
                ordered = agg::KeyOrderedMatrix::of(s.matrix);
            } catch (...) {
                orderError = std::current_exception();
            }
        });
    EvaluationRequest er;
    er.seed = request.seed;
    EvaluationReport rep = evaluationReport(s.matrix, s.gold, er,
                                            progress.stage(QObject::tr("Methods: annotators vs gold"), kOverviewWeight));
    const std::vector<double> trueAccuracy = annotatorAccuracies(rep);
    if (orderer.joinable())
        orderer.join();
    if (orderError)
        std::rethrow_exception(orderError);
    for (int m = 0; m < M; ++m) {
        const std::string& name = request.methods[m];
        const agg::RunHooks h =
            progress.stage(QObject::tr("Methods: %1 (%2 of %3)").arg(QString::fromStdString(name)).arg(m + 1).arg(M),
                           methodWeight(name));
        rep.methods.push_back(evaluateMethod(s.matrix, L, s.gold, name, trueAccuracy, er, h, M > 1 ? &ordered : nullptr));
    }
    d.evaluation = std::move(rep);
    scoreIntervals(d, s.gold, L, request, progress.stage(QObject::tr("Methods: bootstrap intervals"), kIntervalsWeight));
}

void computeDivergencePart(DashboardData& d, const Snapshot& s, const RunData& consensus,
                           const DashboardRequest& request, const DivergenceLoaders& loaders, StageTracker& progress)
{
    const agg::RunHooks h = progress.stage(QObject::tr("Divergence"), kDivergenceWeight);
    d.divergenceP = request.divergenceP;
    d.divergenceQ = request.divergenceQ;
    DivergenceSourceContext ctx;
    ctx.probabilities = loaders.probabilities;
    ctx.run = loaders.run;
    ctx.consensus = [&consensus] { return consensus; };
    ctx.seed = request.seed;
    ctx.hooks.isCanceled = h.isCanceled;
    agg::DivergenceResult r;
    try {
        const agg::Distributions p = divergenceSource(request.divergenceP, s, ctx);
        const agg::Distributions q = divergenceSource(request.divergenceQ, s, ctx);
        agg::DivergenceOptions opt;
        opt.base = agg::LogBase::Two;
        r = agg::compareDistributions(p, q, opt, h);
    } catch (const Error& e) {
        // A source the data cannot give (no human counts, a deleted run): the tab says why; the
        // other parts of the job are still applied.
        d.divergenceError = e.message();
        return;
    } catch (const std::invalid_argument& e) {
        d.divergenceError = QString::fromUtf8(e.what());
        return;
    }
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

} // namespace

DashboardData computeDashboard(const Snapshot& s, const RunData& consensus, const DashboardRequest& request,
                               const agg::RunHooks& hooks, const DivergenceLoaders& loaders,
                               const DashboardProgressFn& stages)
{
    DashboardData d;
    d.annotators = s.annotators;
    d.labels = s.labels;
    d.consensusMethod = consensus.summary.method;
    d.consensusCompetence = consensus.competence;
    d.hasGold = s.goldCount > 0;
    StageTracker progress(hooks, stages, weightOf(request, d.hasGold));
    const DashboardParts parts = request.parts;
    if (parts & DashboardPart::Overview) {
        computeOverview(d, s, consensus, request, progress);
        d.parts |= DashboardPart::Overview;
    }
    if (parts & DashboardPart::Agreement) {
        progress.check();
        computeAgreementPart(d, s, request, progress);
        d.parts |= DashboardPart::Agreement;
    }
    if (parts & DashboardPart::Methods) {
        progress.check();
        computeMethods(d, s, request, progress);
        d.parts |= DashboardPart::Methods;
    }
    if (parts & DashboardPart::Divergence) {
        progress.check();
        computeDivergencePart(d, s, consensus, request, loaders, progress);
        d.parts |= DashboardPart::Divergence;
    }
    progress.check();
    progress.finish();
    return d;
}

void mergeDashboardData(DashboardData& into, DashboardData&& from)
{
    using P = DashboardPart;
    into.annotators = from.annotators;
    into.labels = from.labels;
    into.hasGold = from.hasGold;
    // Agreement and Methods do not read the consensus: a job of theirs may have started before
    // the consensus changed, so only the parts that use it update it (or the first part).
    if ((from.parts & (P::Overview | P::Divergence)) || !(into.parts & (P::Overview | P::Divergence))) {
        into.consensusMethod = from.consensusMethod;
        into.consensusCompetence = std::move(from.consensusCompetence);
    }
    if (from.parts & DashboardPart::Overview) {
        into.labelUse = std::move(from.labelUse);
        into.consensusConfusion = std::move(from.consensusConfusion);
        if (!(into.parts & DashboardPart::Methods))
            into.evaluation = std::move(from.evaluation);
    }
    if (from.parts & DashboardPart::Methods) {
        into.evaluation = std::move(from.evaluation);
        into.accuracyCi = std::move(from.accuracyCi);
        into.macroF1Ci = std::move(from.macroF1Ci);
    }
    if (from.parts & DashboardPart::Agreement)
        into.agreement = std::move(from.agreement);
    if (from.parts & DashboardPart::Divergence) {
        into.divergenceP = from.divergenceP;
        into.divergenceQ = from.divergenceQ;
        into.divergenceError = from.divergenceError;
        into.divergenceItems = std::move(from.divergenceItems);
        into.divergenceJsd = std::move(from.divergenceJsd);
        into.divergenceKl = std::move(from.divergenceKl);
        into.divergenceTvd = std::move(from.divergenceTvd);
        into.meanJsd = from.meanJsd;
        into.meanKl = from.meanKl;
        into.meanTvd = from.meanTvd;
        into.dcor = from.dcor;
    }
    if (from.parts & DashboardPart::Llm)
        into.llm = std::move(from.llm);
    into.parts |= from.parts;
}

QFuture<JobResult<DashboardData>> dashboardAsync(QThreadPool* pool, const QString& projectPath, Snapshot snapshot,
                                                 RunData consensus, DashboardRequest request)
{
    return QtConcurrent::run(pool, [projectPath, s = std::move(snapshot), c = std::move(consensus),
                                    req = std::move(request)](QPromise<JobResult<DashboardData>>& promise) {
        promise.setProgressRange(0, 1000);
        detail::guarded(promise, [&] {
            std::unique_ptr<ProjectStore> store;  // this thread's own connection, opened on demand
            auto openStore = [&]() -> ProjectStore& {
                if (!store) {
                    store = std::make_unique<ProjectStore>();
                    store->open(projectPath);
                }
                return *store;
            };
            agg::RunHooks hooks;
            hooks.isCanceled = [&promise] { return promise.isCanceled(); };
            // The team's view (reviewers as annotators, adjudications as the truth): a copy of
            // the snapshot changed on this thread; the reviewers alone get their own majority
            // vote as the consensus, next to the annotators the consensus keeps its labels.
            const Snapshot* snap = &s;
            const RunData* cons = &c;
            Snapshot team;
            RunData teamConsensus;
            if (req.crowd != DashboardCrowd::Annotators || req.adjudicatedTruth) {
                team = s;
                const ReviewState state = reviewState(openStore());
                if (req.crowd != DashboardCrowd::Annotators
                    && addReviewers(team, state,
                                    req.crowd == DashboardCrowd::Reviewers ? ReviewerCrowd::Only : ReviewerCrowd::WithAnnotators)
                           == 0)
                    throw Error(QStringLiteral("no reviewer has decided an item yet"));
                if (req.adjudicatedTruth)
                    useAdjudicatedAsGold(team, state);
                if (req.crowd == DashboardCrowd::Reviewers) {
                    agg::AggregationInput in;
                    in.matrix = &team.matrix;
                    teamConsensus = runFromResult(team, QStringLiteral("mv"), agg::majorityVote(in, hooks));
                } else {
                    teamConsensus = c;
                    teamConsensus.competence.resize(static_cast<size_t>(team.annotators.size()), std::nan(""));
                }
                snap = &team;
                cons = &teamConsensus;
            }
            DivergenceLoaders load;
            load.probabilities = [&](int32_t annotator) { return loadAnnotatorProbabilities(openStore(), *snap, annotator); };
            load.run = [&](qint64 id) { return loadRun(openStore(), *snap, id); };
            // The text travels with the value: QFutureInterface only passes on an increasing
            // value (and at most ~25 updates a second), so the stage text is set with it.
            const DashboardProgressFn stages = [&promise](const DashboardProgress& p) {
                promise.setProgressValueAndText(p.permille, p.text());
            };
            DashboardData d = computeDashboard(*snap, *cons, req, hooks, load, stages);
            if (req.parts & DashboardPart::Llm) {
                if (promise.isCanceled())
                    throw agg::Canceled{};
                d.llm = llmSummaries(openStore());
                d.parts |= DashboardPart::Llm;
            }
            return d;
        });
    });
}

} // namespace chorus::model
