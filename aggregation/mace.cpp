// MACE: D. Hovy, T. Berg-Kirkpatrick, A. Vaswani, E. Hovy (2013), "Learning whom to trust with
// MACE", NAACL-HLT, 1120-1130.
//
//   T_i ~ Uniform(K);  S_ia ~ Bernoulli(1 - theta_a) (1 = spamming);
//   A_ia = T_i if S_ia = 0, else A_ia ~ Categorical(xi_a)
//   => P(A_ia = x | T_i = t) = theta_a [x == t] + (1 - theta_a) xi_a(x)
// EM: expected counts of knowing/spamming and of spam labels (paper section 2), M-step by
// normalising counts + smoothing; VB (paper section 2.2): parameters set to
// exp(digamma(count + prior) - digamma(total + prior total)) with Beta(alpha, beta) on
// (spamming, knowing) and a symmetric Dirichlet on xi.

#include "emcommon.h"
#include "methods.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

namespace chorus::agg {

namespace {

struct MaceModel
{
    std::vector<double> spam;      ///< [a][2]: 0 = P(spamming), 1 = P(knowing) = theta_a
    std::vector<double> strategy;  ///< [a][K] = xi_a
};

struct MaceCounts
{
    std::vector<double> knowing;   ///< [a][2] expected spamming / knowing counts
    std::vector<double> strategy;  ///< [a][K] expected spam labels
};

class MaceRun
{
public:
    MaceRun(const AggregationInput& in, const RunHooks& hooks)
        : m_in(in), m_m(*in.matrix), m_cancel(hooks), m_p("mace", in.params)
    {
        m_A = m_m.numAnnotators();
        m_K = m_m.numLabels();
        m_restarts = m_p.getInt("restarts", 1, 1000);
        m_iterations = m_p.getInt("iterations", 1, 100000);
        m_em = m_p.getInt("em", 0, 1) == 1;
        m_alpha = m_p.get("alpha", 1e-9, 1e6);
        m_beta = m_p.get("beta", 1e-9, 1e6);
        m_strategyPrior = m_p.get("strategy_prior", 1e-9, 1e6);
        const double smoothing = m_p.get("smoothing", -1, 1e6);
        m_smoothing = smoothing < 0 ? 0.01 / std::max(m_K, 1) : smoothing;
        m_noise = m_p.get("noise", 0, 1e6);
        m_threshold = m_p.get("threshold", 0, 1);
        m_threads = m_p.threads();
        m_evidence = detail::evidenceMask(in);
        for (char e : m_evidence)
            m_evidenceItems += e;
        m_chunkBounds = detail::splitByWork(m_m.itemOffsets(), chunkCount());
        // Flat (annotator, label) cell per label in item order, -1 for INVALID.
        const int64_t nnz = m_m.numAnnotations();
        m_ax.resize(nnz);
        m_labelsOf.assign(static_cast<size_t>(m_A) * m_K, 0);
        for (int64_t j = 0; j < nnz; ++j) {
            const int32_t x = m_m.itemLabels()[j];
            m_ax[j] = x < 0 ? -1 : m_m.itemAnnotators()[j] * m_K + x;
            if (x >= 0) {
                ++m_labelsOf[m_ax[j]];
                ++m_validLabels;
            }
        }
    }

    AggregationResult run()
    {
        const int32_t n = m_m.numItems();
        std::vector<MaceModel> models(m_restarts);
        std::vector<std::vector<double>> traces(m_restarts);
        int done = 0;
        const int total = m_restarts * m_iterations;
        for (int first = 0; first < m_restarts; first += kLanes)
            lockstep(first, std::min(m_restarts, first + kLanes), models, traces, done, total);

        int best = 0;
        for (int r = 1; r < m_restarts; ++r)
            if (traces[r].back() > traces[best].back())
                best = r;

        AggregationResult r;
        r.numLabels = m_K;
        r.posterior.assign(static_cast<size_t>(n) * m_K, m_K > 0 ? 1.0 / m_K : 0.0);
        std::vector<MaceCounts> scratch(1);
        std::vector<double> ll(1);
        eSteps({&models[best]}, scratch, &r.posterior, ll);
        r.iterations = m_iterations;
        r.logLikelihood = traces[best];
        const size_t t = r.logLikelihood.size();
        r.converged = t >= 2 && r.logLikelihood[t - 1] - r.logLikelihood[t - 2] < 1e-5;
        detail::labelsFromPosterior(r, m_evidence);
        applyThreshold(r);

        r.competence.assign(m_A, std::numeric_limits<double>::quiet_NaN());
        for (int32_t a = 0; a < m_A; ++a)
            for (int64_t j = m_m.annotatorBegin(a); j < m_m.annotatorEnd(a); ++j)
                if (m_m.annotatorLabel(j) >= 0) {
                    r.competence[a] = std::clamp(models[best].spam[2 * a + 1], 0.0, 1.0);
                    break;
                }
        m_cancel.hooks().report(total, total);
        return r;
    }

private:
    /// Restarts in lockstep: the labels are read once per iteration for up to kLanes restarts
    /// (eSteps()). Every restart's arithmetic is what it would be alone, and the items are
    /// split into chunks fixed by the data (chunkCount()), so a restart's trace and model do not
    /// depend on how restarts are grouped or on the number of threads.
    static constexpr int kLanes = 16;

    void lockstep(int first, int last, std::vector<MaceModel>& models, std::vector<std::vector<double>>& traces,
                  int& done, int total)
    {
        const int R = last - first;
        std::vector<const MaceModel*> group;
        for (int r = first; r < last; ++r) {
            initialise(r, models[r]);
            group.push_back(&models[r]);
        }
        std::vector<MaceCounts> counts(static_cast<size_t>(R));
        std::vector<double> ll(static_cast<size_t>(R));
        const double scale = 1.0 / std::max<int64_t>(1, m_validLabels);
        auto record = [&] {
            for (int r = 0; r < R; ++r)
                traces[first + r].push_back(ll[r] * scale);
        };
        eSteps(group, counts, nullptr, ll);
        record();
        for (int it = 0; it < m_iterations; ++it) {
            m_cancel.check();
            for (int r = 0; r < R; ++r)
                mStep(models[first + r], counts[r]);
            eSteps(group, counts, nullptr, ll);
            record();
            done += R;
            m_cancel.hooks().report(done, total);
        }
    }

    /// Item chunks for the E-step: about 64k labels each, at most 16, and fewer when the
    /// per-chunk spam tallies (annotators x labels x kLanes) would pass 64 MB together. A
    /// function of the data alone, so results are the same on any number of threads.
    int chunkCount() const
    {
        const int64_t perChunk = static_cast<int64_t>(m_A) * m_K * kLanes * 8;
        const int64_t byMemory = (int64_t{64} << 20) / std::max<int64_t>(1, perChunk);
        return static_cast<int>(std::clamp<int64_t>(std::min(m_m.numAnnotations() >> 16, byMemory), 1, 16));
    }

    /// Hovy's initialisation of restart `restart`: 1 + noise * U(0,1), normalised per annotator.
    void initialise(int restart, MaceModel& model) const
    {
        std::mt19937_64 rng(detail::mixSeed(m_in.seed, static_cast<uint64_t>(restart)));
        model.spam.resize(2 * static_cast<size_t>(m_A));
        model.strategy.resize(static_cast<size_t>(m_A) * m_K);
        auto randomRows = [&](std::vector<double>& v, int32_t width) {
            for (double& x : v)
                x = 1 + m_noise * detail::unitFromBits(rng());
            for (size_t row = 0; row < v.size(); row += width) {
                const double s = std::accumulate(v.begin() + row, v.begin() + row + width, 0.0);
                for (int32_t c = 0; c < width; ++c)
                    v[row + c] /= s;
            }
        };
        randomRows(model.spam, 2);
        randomRows(model.strategy, m_K);
    }

    /// One E-step for each of `models` (R of them) in one pass over the labels: expected spam
    /// counts for the M-step (counts[r]), the log marginal likelihood (ll[r]) and, when post is
    /// given (R = 1), the posterior over true labels (controls clamped).
    ///
    /// P(labels of i, T_i = t) = (1/K) prod_j base_j * prod_{j: x_j = t} ratio_j with
    /// base = (1-theta) xi(x) and ratio = 1 + theta / base, so the posterior only needs products
    /// of ratios (no exp/log per item); sum_j log base_j is summed per (annotator, label) cell.
    /// The restarts' products are independent chains, laid out side by side ([cell][restart],
    /// [label][restart]) so that one label's update for every restart is one short vector loop
    /// the CPU overlaps (one restart alone waits on each multiply). Per restart the operations
    /// and their order are those of a lone E-step. The item chunks run on the threads; each
    /// tallies its own spam counts and likelihood, added up in chunk order afterwards.
    void eSteps(const std::vector<const MaceModel*>& models, std::vector<MaceCounts>& counts,
                std::vector<double>* post, std::vector<double>& ll)
    {
        const int32_t K = m_K;
        const size_t R = models.size(), AK = static_cast<size_t>(m_A) * K;
        std::vector<double> ratio(AK * R), knowShare(AK * R);  // 1 + theta/base; theta / (theta + base)
        for (size_t r = 0; r < R; ++r) {
            const MaceModel& model = *models[r];
            ll[r] = -std::log(static_cast<double>(std::max(K, 1))) * m_evidenceItems;
            for (int32_t a = 0; a < m_A; ++a)
                for (int32_t x = 0; x < K; ++x) {
                    const size_t ax = static_cast<size_t>(a) * K + x;
                    const double base = std::max(model.spam[2 * a] * model.strategy[ax], 1e-300);
                    const double know = model.spam[2 * a + 1];
                    ratio[ax * R + r] = 1 + know / base;
                    knowShare[ax * R + r] = know / (base + know);
                    if (m_labelsOf[ax] > 0)
                        ll[r] += static_cast<double>(m_labelsOf[ax]) * std::log(base);
                }
        }
        const int chunks = static_cast<int>(m_chunkBounds.size()) - 1;
        std::vector<ChunkTally> tallies(static_cast<size_t>(chunks));
        detail::parallelTasks(chunks, m_threads, [&](int c, int worker) {
            ChunkTally& tally = tallies[static_cast<size_t>(c)];
            tally.spam.assign(AK * R, 0.0);
            tally.ll.assign(R, 0.0);
            tally.mantissa.assign(R, 1.0);
            tally.exponent.assign(R, 0);
            eStepChunk(m_chunkBounds[c], m_chunkBounds[c + 1], R, ratio, knowShare, tally, post, worker == 0);
        }, [&] { m_cancel.poll(true); });
        m_cancel.check();
        for (size_t r = 0; r < R; ++r) {
            for (const ChunkTally& t : tallies)
                ll[r] += t.ll[r] + std::log(t.mantissa[r]) + static_cast<double>(t.exponent[r]) * 0.69314718055994530942;
            MaceCounts& c = counts[r];
            c.strategy.assign(AK, 0.0);
            for (const ChunkTally& t : tallies)
                for (size_t ax = 0; ax < AK; ++ax)
                    c.strategy[ax] += t.spam[ax * R + r];
            // Expected spamming / knowing counts per annotator.
            c.knowing.assign(2 * static_cast<size_t>(m_A), 0.0);
            for (int32_t a = 0; a < m_A; ++a)
                for (int32_t x = 0; x < K; ++x) {
                    const size_t ax = static_cast<size_t>(a) * K + x;
                    c.knowing[2 * a] += c.strategy[ax];
                    c.knowing[2 * a + 1] += static_cast<double>(m_labelsOf[ax]) - c.strategy[ax];
                }
        }
    }

    /// One chunk's spam tallies ([cell][restart]) and likelihood terms per restart; the product
    /// of its items' normalisers is kept as mantissa * 2^exponent.
    struct ChunkTally
    {
        std::vector<double> spam, ll, mantissa;
        std::vector<int64_t> exponent;
    };

    void eStepChunk(int32_t first, int32_t last, size_t R, const std::vector<double>& ratio,
                    const std::vector<double>& knowShare, ChunkTally& tally, std::vector<double>* post, bool onCaller)
    {
        const int32_t K = m_K;
        const std::vector<int64_t>& offsets = m_m.itemOffsets();
        const int32_t* label = m_m.itemLabels().data();
        const int32_t* cellOf = m_ax.data();
        std::vector<double> s(static_cast<size_t>(K) * R);  // [label][restart]
        std::vector<double> total(R);
        int64_t sincePoll = 0;
        for (int32_t i = first; i < last; ++i) {
            if (!m_evidence[i])
                continue;
            const int64_t begin = offsets[i], end = offsets[i + 1];
            std::fill(s.begin(), s.end(), 1.0);
            for (int64_t j = begin; j < end; ++j)
                if (cellOf[j] >= 0) {
                    const double* c = ratio.data() + static_cast<size_t>(cellOf[j]) * R;
                    double* t = s.data() + static_cast<size_t>(label[j]) * R;
                    for (size_t r = 0; r < R; ++r)
                        t[r] *= c[r];
                }
            const int32_t control = detail::isControl(m_in, i) ? m_in.controls[i] : -1;
            if (control >= 0 || !normaliseItems(s.data(), R, total, tally))
                for (size_t r = 0; r < R; ++r)
                    normaliseItem(s.data() + r, ratio.data() + r, R, begin, end, control, tally.ll[r],
                                  tally.mantissa[r], tally.exponent[r]);
            // P(knowing | data) = P(T = x) * knowShare; the rest of the label is spam, and a spam
            // label x counts toward xi(x). The knowing counts follow as labels minus spam.
            for (int64_t j = begin; j < end; ++j)
                if (cellOf[j] >= 0) {
                    const size_t at = static_cast<size_t>(cellOf[j]) * R;
                    const double* c = knowShare.data() + at;
                    double* sp = tally.spam.data() + at;
                    const double* t = s.data() + static_cast<size_t>(label[j]) * R;
                    for (size_t r = 0; r < R; ++r)
                        sp[r] += 1 - t[r] * c[r];
                }
            if (post)
                std::copy(s.begin(), s.begin() + K, post->begin() + static_cast<ptrdiff_t>(i) * K);  // R = 1
            sincePoll += end - begin + 1;
            if (sincePoll >= detail::kPollEvery) {
                sincePoll = 0;
                if (m_cancel.poll(onCaller))
                    return;
            }
        }
    }

    /// normaliseItem() for all R restarts of an item without a control, when no restart's
    /// total overflows (else it returns false having changed nothing): the same operations in
    /// the same order per restart, as loops over the restarts that the compiler vectorises.
    bool normaliseItems(double* s, size_t R, std::vector<double>& total, ChunkTally& tally) const
    {
        std::fill(total.begin(), total.end(), 0.0);
        for (int32_t k = 0; k < m_K; ++k)
            for (size_t r = 0; r < R; ++r)
                total[r] += s[k * R + r];
        bool finite = true;
        for (size_t r = 0; r < R; ++r)
            finite &= total[r] < 1e290;
        if (!finite)
            return false;
        for (size_t r = 0; r < R; ++r) {
            double& mantissa = tally.mantissa[r];
            mantissa *= total[r];
            if (mantissa > 1e100 || mantissa < 1e-100) {
                int e = 0;
                mantissa = std::frexp(mantissa, &e);
                tally.exponent[r] += e;
            }
            total[r] = 1 / total[r];
        }
        for (int32_t k = 0; k < m_K; ++k)
            for (size_t r = 0; r < R; ++r)
                s[k * R + r] *= total[r];
        return true;
    }

    /// One restart's item after its ratio products s[k * R] (k < K): normalised to the posterior
    /// (or clamped to `control` >= 0), its normaliser added to the likelihood (kept as mantissa *
    /// 2^exponent). ratio[cell * R] is that restart's ratio of a cell.
    void normaliseItem(double* s, const double* ratio, size_t R, int64_t begin, int64_t end, int32_t control,
                       double& ll, double& mantissa, int64_t& exponent) const
    {
        const int32_t K = m_K;
        double total = 0;
        for (int32_t k = 0; k < K; ++k)
            total += s[k * R];
        if (!(total < 1e290)) {
            // Extreme competences on a crowded item: fall back to logs.
            std::vector<double> logs(K, 0.0);
            for (int64_t j = begin; j < end; ++j)
                if (m_ax[j] >= 0)
                    logs[m_m.itemLabels()[j]] += std::log(ratio[static_cast<size_t>(m_ax[j]) * R]);
            if (control >= 0)
                ll += logs[control];
            else
                ll += detail::softmaxInPlace(logs.data(), K);
            for (int32_t k = 0; k < K; ++k)
                s[k * R] = logs[k];
            total = 1;
        } else if (control >= 0) {
            ll += std::log(s[control * R]);
        } else {
            mantissa *= total;
            if (mantissa > 1e100 || mantissa < 1e-100) {
                int e = 0;
                mantissa = std::frexp(mantissa, &e);
                exponent += e;
            }
        }
        if (control >= 0) {
            for (int32_t k = 0; k < K; ++k)
                s[k * R] = k == control ? 1.0 : 0.0;
        } else if (total != 1) {
            const double inv = 1 / total;
            for (int32_t k = 0; k < K; ++k)
                s[k * R] *= inv;
        }
    }

    void mStep(MaceModel& model, const MaceCounts& counts) const
    {
        const int32_t K = m_K;
        for (int32_t a = 0; a < m_A; ++a) {
            double* spam = model.spam.data() + 2 * a;
            const double* c = counts.knowing.data() + 2 * a;
            double* xi = model.strategy.data() + static_cast<size_t>(a) * K;
            const double* sc = counts.strategy.data() + static_cast<size_t>(a) * K;
            if (m_em) {
                normalise(spam, c, 2, m_smoothing);
                normalise(xi, sc, K, m_smoothing);
            } else {
                const double norm = detail::digamma(c[0] + c[1] + m_alpha + m_beta);
                spam[0] = std::exp(detail::digamma(c[0] + m_alpha) - norm);
                spam[1] = std::exp(detail::digamma(c[1] + m_beta) - norm);
                double total = 0;
                for (int32_t x = 0; x < K; ++x)
                    total += sc[x] + m_strategyPrior;
                const double xiNorm = detail::digamma(total);
                for (int32_t x = 0; x < K; ++x)
                    xi[x] = std::exp(detail::digamma(sc[x] + m_strategyPrior) - xiNorm);
            }
        }
    }

    static void normalise(double* out, const double* counts, int32_t n, double smoothing)
    {
        double total = 0;
        for (int32_t c = 0; c < n; ++c)
            total += counts[c] + smoothing;
        for (int32_t c = 0; c < n; ++c)
            out[c] = total > 0 ? (counts[c] + smoothing) / total : 1.0 / n;
    }

    /// Keeps labels only on the ceil(threshold * n) items with the lowest posterior entropy
    /// among items with evidence (ties by item order); the others get label -1.
    void applyThreshold(AggregationResult& r) const
    {
        if (m_threshold >= 1)
            return;
        std::vector<int32_t> order;
        std::vector<double> h(m_m.numItems());
        for (int32_t i = 0; i < m_m.numItems(); ++i)
            if (m_evidence[i]) {
                order.push_back(i);
                h[i] = entropy(r.posterior.data() + static_cast<size_t>(i) * m_K, m_K);
            }
        std::stable_sort(order.begin(), order.end(),
                         [&](int32_t x, int32_t y) { return h[x] < h[y]; });
        const auto keep = static_cast<size_t>(
            std::ceil(m_threshold * static_cast<double>(order.size()) - 1e-9));
        for (size_t k = keep; k < order.size(); ++k)
            r.labels[order[k]] = -1;
    }

    const AggregationInput& m_in;
    const LabelMatrix& m_m;
    detail::CancelState m_cancel;
    detail::Params m_p;
    int32_t m_A = 0, m_K = 0;
    int m_restarts = 10, m_iterations = 50, m_threads = 1;
    bool m_em = false;
    double m_alpha = 0.5, m_beta = 0.5, m_strategyPrior = 10, m_smoothing = 0, m_noise = 0.5;
    double m_threshold = 1;
    int64_t m_validLabels = 0;
    double m_evidenceItems = 0;
    std::vector<char> m_evidence;
    std::vector<int32_t> m_chunkBounds;  ///< item chunks of the E-step (chunkCount())
    std::vector<int32_t> m_ax;       ///< per label (item order): annotator * K + label, or -1
    std::vector<int64_t> m_labelsOf; ///< per (annotator, label): how many such labels
};

} // namespace

AggregationResult mace(const AggregationInput& in, const RunHooks& hooks)
{
    detail::checkInput(in, "mace");
    return MaceRun(in, hooks).run();
}

} // namespace chorus::agg
