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
#include "sigmoidparts.h"

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

/// log sigmoid(z), log(1 - sigmoid(z)) and sigmoid(z) from the parts sigmoidParts() computes
/// (sigmoid(z) and l = log1p(exp(-|z|))): log(1 + e^z) = max(z, 0) + l, likewise for -z.
struct LogSigmoid
{
    double logS, log1mS, s;
    static LogSigmoid fromParts(double z, double s, double l)
    {
        return {-(std::max(-z, 0.0) + l), -(std::max(z, 0.0) + l), s};
    }
};

/// Labels are processed in blocks of whole items of about this many labels: their z, then
/// their sigmoid parts in one vectorised call (sigmoidParts()), then the sums, while the block
/// is still in cache.
constexpr int64_t kBlockLabels = 512;

/// The end of the block of items starting at i0 (at most `end`, at least one item).
int32_t blockEnd(const LabelMatrix& m, int32_t i0, int32_t end)
{
    int32_t i1 = i0 + 1;
    while (i1 < end && m.itemBegin(i1) - m.itemBegin(i0) < kBlockLabels)
        ++i1;
    return i1;
}

/// sigmoid(z) and log1p(exp(-|z|)) for the labels of items [i0, i1) at z = alpha_a exp(b_i),
/// into sg and l (indexed from the block's first label); zs is scratch. INVALID labels get
/// parts too (never read).
void blockParts(const LabelMatrix& m, const std::vector<double>& alpha, const std::vector<double>& b, int32_t i0,
                int32_t i1, std::vector<double>& zs, double* sg, double* l)
{
    const int64_t j0 = m.itemBegin(i0), count = m.itemEnd(i1 - 1) - j0;
    zs.resize(static_cast<size_t>(count));
    for (int32_t i = i0; i < i1; ++i) {
        const double beta = std::exp(b[i]);
        for (int64_t j = m.itemBegin(i); j < m.itemEnd(i); ++j)
            zs[j - j0] = alpha[m.itemAnnotator(j)] * beta;
    }
    sigmoidParts(zs.data(), sg, l, static_cast<size_t>(count));
}

/// sigmoid(z) and log1p(exp(-|z|)) per label (item order) for z = alpha_a beta_i at one
/// (alpha, b): GLAD evaluates them at the same point up to three times per EM iteration (the
/// accepted Newton trial, the next E-step, the next M-step's start), so they are kept.
struct SigmoidCache
{
    std::vector<double> s, l;
    void resize(size_t n)
    {
        s.resize(n);
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
        std::vector<double> zs, eLocal, lLocal;
        for (int32_t i0 = begin; i0 < end;) {
            const int32_t i1 = blockEnd(m, i0, end);
            const int64_t j0 = m.itemBegin(i0);
            const double *sg = nullptr, *lg = nullptr;
            if (in) {
                sg = in->s.data() + j0;
                lg = in->l.data() + j0;
            } else {
                double *eo = nullptr, *lo = nullptr;
                if (out) {
                    eo = out->s.data() + j0;
                    lo = out->l.data() + j0;
                } else {
                    eLocal.resize(static_cast<size_t>(m.itemEnd(i1 - 1) - j0));
                    lLocal.resize(eLocal.size());
                    eo = eLocal.data();
                    lo = lLocal.data();
                }
                blockParts(m, alpha, b, i0, i1, zs, eo, lo);
                sg = eo;
                lg = lo;
            }
            for (int32_t i = i0; i < i1; ++i) {
                const double beta = std::exp(b[i]);
                double gb = 0, hb = 0;
                for (int64_t j = m.itemBegin(i); j < m.itemEnd(i); ++j) {
                    const int32_t l = m.itemLabel(j);
                    if (l < 0)
                        continue;
                    const int32_t a = m.itemAnnotator(j);
                    const double z = alpha[a] * beta;
                    const double q = posterior[static_cast<size_t>(i) * K + l];
                    const LogSigmoid ls = LogSigmoid::fromParts(z, sg[j - j0], lg[j - j0]);
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
            i0 = i1;
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

class GladRun : detail::EmRun
{
public:
    GladRun(const AggregationInput& in, const RunHooks& hooks) : EmRun(in, hooks, "glad")
    {
        m_cache.resize(static_cast<size_t>(m_m.numAnnotations()));
        m_trialCache.resize(static_cast<size_t>(m_m.numAnnotations()));
    }

    AggregationResult run()
    {
        const int32_t n = m_m.numItems(), A = m_m.numAnnotators(), K = m_m.numLabels();
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
        runEm(
            r,
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
            std::vector<double> s(K), zs;
            double ll = 0;
            int64_t sincePoll = 0;
            // The first E-step computes the sigmoid parts; later ones find them in m_cache.
            if (!m_cacheValid)
                for (int32_t i0 = begin, i1 = 0; i0 < end; i0 = i1) {
                    i1 = blockEnd(m_m, i0, end);
                    const int64_t j0 = m_m.itemBegin(i0);
                    blockParts(m_m, m_alpha, m_b, i0, i1, zs, m_cache.s.data() + j0, m_cache.l.data() + j0);
                }
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
                    const LogSigmoid ls = LogSigmoid::fromParts(z, m_cache.s[j], m_cache.l[j]);
                    const double logWrong = ls.log1mS - logKm1;
                    base += logWrong;
                    s[l] += ls.logS - logWrong;
                }
                for (int32_t k = 0; k < K; ++k)
                    s[k] += base;
                double* t = post.data() + static_cast<size_t>(i) * K;
                ll += detail::posteriorFromScores(m_in, i, s.data(), t, K);
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

    int m_mStepIter = 5;
    double m_muAlpha = 1, m_muB = 1;
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
