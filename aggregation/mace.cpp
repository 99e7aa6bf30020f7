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
#include <atomic>
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
        std::atomic<int> done{0};
        const int total = m_restarts * m_iterations;
        detail::parallelTasks(m_restarts, m_threads, [&](int restart, int worker) {
            runRestart(restart, worker == 0, models[restart], traces[restart], done, total);
        }, [&] { m_cancel.poll(true); });
        m_cancel.check();

        int best = 0;
        for (int r = 1; r < m_restarts; ++r)
            if (traces[r].back() > traces[best].back())
                best = r;

        AggregationResult r;
        r.numLabels = m_K;
        r.posterior.assign(static_cast<size_t>(n) * m_K, m_K > 0 ? 1.0 / m_K : 0.0);
        MaceCounts scratch;
        eStep(models[best], scratch, true, &r.posterior);
        m_cancel.check();
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
    void runRestart(int restart, bool onCaller, MaceModel& model, std::vector<double>& trace,
                    std::atomic<int>& done, int total)
    {
        // A cancel stops the restarts not yet begun too: without this check each of them still
        // ran its first E-step, so a cancel took (restarts left) E-steps to be honoured.
        if (m_cancel.poll(onCaller))
            return;
        // Hovy's initialisation: 1 + noise * U(0,1), normalised per annotator.
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

        MaceCounts counts;
        const double scale = 1.0 / std::max<int64_t>(1, m_validLabels);
        trace.push_back(eStep(model, counts, onCaller, nullptr) * scale);
        for (int it = 0; it < m_iterations; ++it) {
            if (m_cancel.poll(onCaller))
                return;
            mStep(model, counts);
            trace.push_back(eStep(model, counts, onCaller, nullptr) * scale);
            const int d = done.fetch_add(1) + 1;
            if (onCaller)
                m_cancel.hooks().report(d, total);
        }
    }

    /// One E-step: expected spam counts for the M-step, the log marginal likelihood (returned)
    /// and, when post is given, the posterior over true labels (controls clamped).
    ///
    /// P(labels of i, T_i = t) = (1/K) prod_j base_j * prod_{j: x_j = t} ratio_j with
    /// base = (1-theta) xi(x) and ratio = 1 + theta / base, so the posterior only needs products
    /// of ratios (no exp/log per item); sum_j log base_j is summed per (annotator, label) cell.
    double eStep(const MaceModel& model, MaceCounts& counts, bool onCaller,
                 std::vector<double>* post)
    {
        const int32_t K = m_K;
        struct Cell
        {
            double ratio, knowShare;  ///< 1 + theta/base; theta / (theta + base)
        };
        std::vector<Cell> cells(static_cast<size_t>(m_A) * K);
        double ll = -std::log(static_cast<double>(std::max(K, 1))) * m_evidenceItems;
        for (int32_t a = 0; a < m_A; ++a)
            for (int32_t x = 0; x < K; ++x) {
                const size_t ax = static_cast<size_t>(a) * K + x;
                const double base = std::max(model.spam[2 * a] * model.strategy[ax], 1e-300);
                const double know = model.spam[2 * a + 1];
                cells[ax] = {1 + know / base, know / (base + know)};
                if (m_labelsOf[ax] > 0)
                    ll += static_cast<double>(m_labelsOf[ax]) * std::log(base);
            }
        counts.strategy.assign(static_cast<size_t>(m_A) * K, 0.0);
        double* spam = counts.strategy.data();
        const std::vector<int64_t>& offsets = m_m.itemOffsets();
        const int32_t* label = m_m.itemLabels().data();
        std::vector<double> s(K);
        double mantissa = 1;  // product of the items' normalisers, kept as mantissa * 2^exponent
        int64_t exponent = 0;
        int64_t sincePoll = 0;
        for (int32_t i = 0; i < m_m.numItems(); ++i) {
            if (!m_evidence[i])
                continue;
            const int64_t begin = offsets[i], end = offsets[i + 1];
            std::fill(s.begin(), s.end(), 1.0);
            for (int64_t j = begin; j < end; ++j)
                if (m_ax[j] >= 0)
                    s[label[j]] *= cells[m_ax[j]].ratio;
            double total = 0;
            for (int32_t k = 0; k < K; ++k)
                total += s[k];
            if (!(total < 1e290)) {
                // Extreme competences on a crowded item: fall back to logs.
                std::fill(s.begin(), s.end(), 0.0);
                for (int64_t j = begin; j < end; ++j)
                    if (m_ax[j] >= 0)
                        s[label[j]] += std::log(cells[m_ax[j]].ratio);
                if (detail::isControl(m_in, i)) {
                    ll += s[m_in.controls[i]];
                } else {
                    ll += detail::softmaxInPlace(s.data(), K);
                }
                total = 1;
            } else if (detail::isControl(m_in, i)) {
                ll += std::log(s[m_in.controls[i]]);
            } else {
                mantissa *= total;
                if (mantissa > 1e100 || mantissa < 1e-100) {
                    int e = 0;
                    mantissa = std::frexp(mantissa, &e);
                    exponent += e;
                }
            }
            if (detail::isControl(m_in, i)) {
                std::fill(s.begin(), s.end(), 0.0);
                s[m_in.controls[i]] = 1.0;
            } else if (total != 1) {
                const double inv = 1 / total;
                for (int32_t k = 0; k < K; ++k)
                    s[k] *= inv;
            }
            // P(knowing | data) = P(T = x) * knowShare; the rest of the label is spam, and a spam
            // label x counts toward xi(x). The knowing counts follow as labels minus spam.
            for (int64_t j = begin; j < end; ++j) {
                const int32_t ax = m_ax[j];
                if (ax >= 0)
                    spam[ax] += 1 - s[label[j]] * cells[ax].knowShare;
            }
            if (post)
                std::copy(s.begin(), s.end(), post->begin() + static_cast<ptrdiff_t>(i) * K);
            sincePoll += end - begin + 1;
            if (sincePoll >= detail::kPollEvery) {
                sincePoll = 0;
                if (m_cancel.poll(onCaller))
                    return ll;
            }
        }
        ll += std::log(mantissa) + static_cast<double>(exponent) * 0.69314718055994530942;
        // Expected spamming / knowing counts per annotator.
        counts.knowing.assign(2 * static_cast<size_t>(m_A), 0.0);
        for (int32_t a = 0; a < m_A; ++a)
            for (int32_t x = 0; x < K; ++x) {
                const size_t ax = static_cast<size_t>(a) * K + x;
                counts.knowing[2 * a] += spam[ax];
                counts.knowing[2 * a + 1] += static_cast<double>(m_labelsOf[ax]) - spam[ax];
            }
        return ll;
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
