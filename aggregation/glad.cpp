// GLAD: J. Whitehill, P. Ruvolo, T. Wu, J. Bergsma, J. Movellan (2009), "Whose vote should count
// more: optimal integration of labels from labelers of unknown expertise", NIPS 22.
//
//   P(x_ia = z_i) = sigmoid(alpha_a beta_i),  beta_i = exp(b_i) > 0,
//   P(x_ia = l != z_i) = (1 - sigmoid(alpha_a beta_i)) / (K - 1)
//   E-step: P(z_i = k | x) ∝ p_k prod_a P(x_ia | z_i = k)
//   M-step: maximise Q(alpha, b) (see glad.h) by diagonal Newton steps with backtracking.

#include "glad.h"

#include "emcommon.h"
#include "methods.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace chorus::agg {

namespace {

constexpr double kHalfLog2Pi = 0.91893853320467274178;

inline double sigmoid(double z)
{
    if (z >= 0)
        return 1 / (1 + std::exp(-z));
    const double e = std::exp(z);
    return e / (1 + e);
}

/// log sigmoid(z), log(1 - sigmoid(z)) and sigmoid(z) from one exp and one log1p:
/// with e = exp(-|z|), log(1 + e^z) = max(z, 0) + log1p(e) (and likewise for -z).
/// fromParts() rebuilds the same three values from a cached (e, log1p(e)) without a
/// transcendental call: the arithmetic is identical, so are the results.
struct LogSigmoid
{
    double logS, log1mS, s;
    static LogSigmoid fromParts(double z, double e, double l)
    {
        return {-(std::max(-z, 0.0) + l), -(std::max(z, 0.0) + l), z >= 0 ? 1 / (1 + e) : e / (1 + e)};
    }
};

inline double sigmoidExp(double z)
{
    return std::exp(-std::abs(z));
}

/// log1p(e) for e = exp(-|z|) in (0, 1] through log(): glibc's log is several times faster than
/// its log1p, which took 40% of GLAD's time. With u = 1 + e rounded, log(u) * e / (u - 1) is
/// accurate to a few ulps (D. Goldberg 1991, "What every computer scientist should know about
/// floating-point arithmetic", ACM Computing Surveys 23(1), theorem 4; due to W. Kahan).
inline double log1pOf(double e)
{
    const double u = 1 + e;
    return u == 1 ? e : std::log(u) * e / (u - 1);
}

/// exp(-|z|) and log1p(exp(-|z|)) per label (item order) for z = alpha_a beta_i at one
/// (alpha, b): GLAD evaluates them at the same point up to three times per EM iteration (the
/// accepted Newton trial, the next E-step, the next M-step's start), so they are kept.
struct SigmoidCache
{
    std::vector<double> e, l;
    void resize(size_t n)
    {
        e.resize(n);
        l.resize(n);
    }
};

double logGaussPriors(const std::vector<double>& x, double mu)
{
    double s = 0;
    for (double v : x)
        s -= 0.5 * (v - mu) * (v - mu) + kHalfLog2Pi;
    return s;
}

} // namespace

namespace {

// gladObjective() over the item ranges `bounds`. `in`: the sigmoid parts at (alpha, b), read
// instead of computed; `out`: where to store the parts computed (either may be null).
GladObjective objective(const LabelMatrix& m, const std::vector<double>& posterior, const std::vector<double>& alpha,
                        const std::vector<double>& b, double muAlpha, double muB, const std::vector<int32_t>& bounds,
                        const SigmoidCache* in, SigmoidCache* out)
{
    const int32_t n = m.numItems(), A = m.numAnnotators(), K = m.numLabels();
    const double logKm1 = std::log(static_cast<double>(std::max(K - 1, 1)));
    GladObjective f;
    f.gradB.assign(n, 0.0);
    f.curvB.assign(n, 0.0);
    const int chunks = static_cast<int>(bounds.size()) - 1;
    std::vector<double> gA(static_cast<size_t>(chunks) * A, 0.0), hA(gA.size(), 0.0);
    std::vector<double> values(chunks, 0.0);
    detail::parallelRanges(bounds, [&](int32_t begin, int32_t end, int chunk) {
        double* ga = gA.data() + static_cast<size_t>(chunk) * A;
        double* ha = hA.data() + static_cast<size_t>(chunk) * A;
        double value = 0;
        for (int32_t i = begin; i < end; ++i) {
            const double beta = std::exp(b[i]);
            double gb = 0, hb = 0;
            for (int64_t j = m.itemBegin(i); j < m.itemEnd(i); ++j) {
                const int32_t l = m.itemLabel(j);
                if (l < 0)
                    continue;
                const int32_t a = m.itemAnnotator(j);
                const double z = alpha[a] * beta;
                const double q = posterior[static_cast<size_t>(i) * K + l];
                double e, lg;
                if (in) {
                    e = in->e[j];
                    lg = in->l[j];
                } else {
                    e = sigmoidExp(z);
                    lg = log1pOf(e);
                    if (out) {
                        out->e[j] = e;
                        out->l[j] = lg;
                    }
                }
                const LogSigmoid ls = LogSigmoid::fromParts(z, e, lg);
                value += q * ls.logS + (1 - q) * (ls.log1mS - logKm1);
                const double r = q - ls.s;
                const double w = ls.s * (1 - ls.s);
                ga[a] += r * beta;
                ha[a] += w * beta * beta;
                gb += r * z;  // dz/db = alpha * beta = z
                hb += w * z * z;
            }
            f.gradB[i] = gb - (b[i] - muB);
            f.curvB[i] = -hb - 1;
        }
        values[chunk] = value;
    });
    f.value = logGaussPriors(alpha, muAlpha) + logGaussPriors(b, muB);
    for (double v : values)
        f.value += v;
    f.gradAlpha.assign(A, 0.0);
    f.curvAlpha.assign(A, 0.0);
    for (int32_t a = 0; a < A; ++a) {
        double g = 0, h = 0;
        for (int c = 0; c < chunks; ++c) {
            g += gA[static_cast<size_t>(c) * A + a];
            h += hA[static_cast<size_t>(c) * A + a];
        }
        f.gradAlpha[a] = g - (alpha[a] - muAlpha);
        f.curvAlpha[a] = -h - 1;
    }
    return f;
}

} // namespace

GladObjective gladObjective(const LabelMatrix& m, const std::vector<double>& posterior,
                            const std::vector<double>& alpha, const std::vector<double>& b,
                            double muAlpha, double muB, int threads)
{
    return objective(m, posterior, alpha, b, muAlpha, muB, detail::splitByWork(m.itemOffsets(), threads), nullptr,
                     nullptr);
}

namespace {

class GladRun
{
public:
    GladRun(const AggregationInput& in, const RunHooks& hooks)
        : m_in(in), m_m(*in.matrix), m_cancel(hooks), m_p("glad", in.params)
    {
        m_threads = m_p.threads();
        m_itemBounds = detail::splitByWork(m_m.itemOffsets(), m_threads);
        m_evidence = detail::evidenceMask(in);
        for (int32_t l : m_m.itemLabels())
            m_validLabels += l >= 0;
        m_cache.resize(static_cast<size_t>(m_m.numAnnotations()));
        m_trialCache.resize(static_cast<size_t>(m_m.numAnnotations()));
    }

    AggregationResult run()
    {
        const int32_t n = m_m.numItems(), A = m_m.numAnnotators(), K = m_m.numLabels();
        const double tol = m_p.get("tol", 0, 1e6);
        const int maxIter = m_p.getInt("max_iter", 1, 1000000);
        m_muAlpha = m_p.get("alpha_prior_mean", -1e3, 1e3);
        m_muB = m_p.get("beta_prior_mean", -1e3, 1e3);
        m_mStepIter = m_p.getInt("m_step_iter", 1, 1000);

        // crowd-kit's start: alpha = 1, b = 1 (beta = e).
        m_alpha.assign(A, 1.0);
        m_b.assign(n, 1.0);
        AggregationResult r;
        r.numLabels = K;
        r.posterior.assign(static_cast<size_t>(n) * K, K > 0 ? 1.0 / K : 0.0);
        // The objective of the parameters the E-step used; the M-step runs only when another
        // pass follows.
        detail::emLoop(
            r, m_cancel, maxIter, tol,
            [&] {
                return (eStep(r.posterior) + logGaussPriors(m_alpha, m_muAlpha) + logGaussPriors(m_b, m_muB))
                       / std::max<int64_t>(1, m_validLabels);
            },
            [&] { mStep(r.posterior); });
        detail::labelsFromPosterior(r, m_evidence);
        r.competence.assign(A, std::numeric_limits<double>::quiet_NaN());
        for (int32_t a = 0; a < A; ++a)
            for (int64_t j = m_m.annotatorBegin(a); j < m_m.annotatorEnd(a); ++j)
                if (m_m.annotatorLabel(j) >= 0) {
                    r.competence[a] = sigmoid(m_alpha[a]);
                    break;
                }
        return r;
    }

private:
    double eStep(std::vector<double>& post)
    {
        const int32_t K = m_m.numLabels();
        const double logPrior = -std::log(static_cast<double>(K));
        const double logKm1 = std::log(static_cast<double>(std::max(K - 1, 1)));
        std::vector<double> partial(m_itemBounds.size(), 0.0);
        detail::parallelRanges(m_itemBounds, [&](int32_t begin, int32_t end, int chunk) {
            std::vector<double> s(K);
            double ll = 0;
            int64_t sincePoll = 0;
            for (int32_t i = begin; i < end; ++i) {
                if (!m_evidence[i])
                    continue;
                const double beta = std::exp(m_b[i]);
                double base = logPrior;
                std::fill(s.begin(), s.end(), 0.0);
                for (int64_t j = m_m.itemBegin(i); j < m_m.itemEnd(i); ++j) {
                    const int32_t l = m_m.itemLabel(j);
                    if (l < 0)
                        continue;
                    const double z = m_alpha[m_m.itemAnnotator(j)] * beta;
                    if (!m_cacheValid) {
                        m_cache.e[j] = sigmoidExp(z);
                        m_cache.l[j] = log1pOf(m_cache.e[j]);
                    }
                    const LogSigmoid ls = LogSigmoid::fromParts(z, m_cache.e[j], m_cache.l[j]);
                    const double logWrong = ls.log1mS - logKm1;
                    base += logWrong;
                    s[l] += ls.logS - logWrong;
                }
                for (int32_t k = 0; k < K; ++k)
                    s[k] += base;
                double* t = post.data() + static_cast<size_t>(i) * K;
                if (detail::isControl(m_in, i)) {
                    const int32_t c = m_in.controls[i];
                    ll += s[c];
                    std::fill(t, t + K, 0.0);
                    t[c] = 1.0;
                } else {
                    ll += detail::softmaxInPlace(s.data(), K);
                    std::copy(s.begin(), s.end(), t);
                }
                sincePoll += m_m.itemEnd(i) - m_m.itemBegin(i) + 1;
                if (sincePoll >= detail::kPollEvery) {
                    sincePoll = 0;
                    if (m_cancel.poll(chunk == 0))
                        return;
                }
            }
            partial[chunk] = ll;
        });
        m_cancel.check();
        m_cacheValid = true;
        double ll = 0;
        for (double x : partial)
            ll += x;
        return ll;
    }

    /// Generalised M-step: diagonal Newton (Fisher scoring) ascent on Q with step halving, so
    /// that Q never decreases (which keeps EM monotone).
    void mStep(const std::vector<double>& post)
    {
        const int32_t n = m_m.numItems(), A = m_m.numAnnotators();
        // (alpha, b) are where the E-step just was: its sigmoid parts are in m_cache.
        GladObjective f = objective(m_m, post, m_alpha, m_b, m_muAlpha, m_muB, m_itemBounds, &m_cache, nullptr);
        std::vector<double> stepA(A), stepB(n), trialA(A), trialB(n);
        for (int s = 0; s < m_mStepIter; ++s) {
            m_cancel.check();
            for (int32_t a = 0; a < A; ++a)
                stepA[a] = std::clamp(-f.gradAlpha[a] / f.curvAlpha[a], -5.0, 5.0);
            for (int32_t i = 0; i < n; ++i)
                stepB[i] = std::clamp(-f.gradB[i] / f.curvB[i], -5.0, 5.0);
            bool improved = false;
            for (double t = 1.0; t > 1.0 / 64; t *= 0.5) {
                m_cancel.check();
                for (int32_t a = 0; a < A; ++a)
                    trialA[a] = m_alpha[a] + t * stepA[a];
                for (int32_t i = 0; i < n; ++i)
                    trialB[i] = m_b[i] + t * stepB[i];
                GladObjective g = objective(m_m, post, trialA, trialB, m_muAlpha, m_muB, m_itemBounds, nullptr,
                                            &m_trialCache);
                if (g.value >= f.value) {
                    const double gain = g.value - f.value;
                    m_alpha.swap(trialA);
                    m_b.swap(trialB);
                    std::swap(m_cache, m_trialCache);  // the parts at the new (alpha, b)
                    f = std::move(g);
                    improved = gain > 1e-9 * std::max<int64_t>(1, m_validLabels);
                    break;
                }
            }
            if (!improved)
                break;
        }
    }

    const AggregationInput& m_in;
    const LabelMatrix& m_m;
    detail::CancelState m_cancel;
    detail::Params m_p;
    int m_threads = 1;
    int m_mStepIter = 5;
    double m_muAlpha = 1, m_muB = 1;
    int64_t m_validLabels = 0;
    std::vector<int32_t> m_itemBounds;
    std::vector<char> m_evidence;
    std::vector<double> m_alpha, m_b;
    /// Sigmoid parts at (m_alpha, m_b), valid after the first E-step; those of the last trial.
    SigmoidCache m_cache, m_trialCache;
    bool m_cacheValid = false;
};

} // namespace

AggregationResult glad(const AggregationInput& in, const RunHooks& hooks)
{
    detail::checkInput(in, "glad");
    return GladRun(in, hooks).run();
}

} // namespace chorus::agg
