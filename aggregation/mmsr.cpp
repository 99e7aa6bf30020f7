// M-MSR: Q. Ma, A. Olshevsky (2020), "Adversarial crowdsourcing through robust rank-one matrix
// completion", NeurIPS 33 (arXiv:2010.12181), following crowd-kit's MMSR.
//
//   C_ab = (K/(K-1)) * agree_ab / common_ab - 1/(K-1)        (E[C] = s s^T off the diagonal)
//   u_a, v_b <- trimmed means of |C_ab| / v_b (resp. / u_a) over observed pairs, dropping the F
//               largest and F smallest, F = floor(min observed degree / 2) - 1
//   s = sign * u / sqrt(|u|/|v|), clipped to [-1/(K-1) + 1/sqrt(n), 1 - 1/sqrt(n)]
//   p_a = s_a (K-1)/K + 1/K,  weight_a = log((K-1) p_a / (1 - p_a)),  labels = weighted vote.

#include "emcommon.h"
#include "methods.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>

namespace chorus::agg {

namespace {

constexpr int32_t kMaxAnnotators = 3000;  ///< 3 x 3000^2 doubles = 216 MB

/// crowd-kit's _remove_largest_and_smallest_F_value: drop the F smallest values (or, when fewer
/// than F lie below the current value `a`, all of those) and likewise the F largest above `a`.
double trimmedMean(std::vector<double>& y, int F, double a, int32_t nItems, bool& any)
{
    // numpy's sort order: NaN (from 0/0 when a u or v entry is 0) goes last.
    const auto finiteEnd = std::partition(y.begin(), y.end(), [](double v) { return !std::isnan(v); });
    std::sort(y.begin(), finiteEnd);
    auto below = std::count_if(y.begin(), y.end(), [&](double v) { return v < a; });
    if (below < F)
        y.erase(y.begin(), y.begin() + below);
    else
        y.erase(y.begin(), y.begin() + F);
    auto above = std::count_if(y.begin(), y.end(), [&](double v) { return v > a; });
    if (above < F)
        y.erase(y.end() - above, y.end());
    else
        y.erase(y.end() - F, y.end());
    if (y.size() == 1 && y[0] == 0)
        y[0] = 1 / std::sqrt(static_cast<double>(nItems));
    any = !y.empty();
    double s = 0;
    for (double v : y)
        s += v;
    return any ? s / static_cast<double>(y.size()) : 0;
}

/// The observed annotator x annotator statistics: C_ab (centred agreement) for pairs with
/// common items, their counts, each annotator's neighbours and the trimming depth F.
struct PairStats
{
    int32_t A = 0;
    std::vector<double> common, C;
    std::vector<std::vector<int32_t>> neighbours;
    int F = 0;
};

PairStats pairStatistics(const LabelMatrix& m, double K, detail::CancelState& cancel)
{
    const int32_t n = m.numItems(), A = m.numAnnotators();
    // Dense annotator x annotator agreement statistics: three A x A matrices of doubles.
    if (A > kMaxAnnotators)
        throw std::invalid_argument("mmsr: " + std::to_string(A)
                                    + " annotators is too many for M-MSR's dense annotator x "
                                      "annotator matrices (at most "
                                    + std::to_string(kMaxAnnotators) + ")");
    PairStats ps;
    ps.A = A;
    std::vector<double> agree(static_cast<size_t>(A) * A, 0.0);
    ps.common.assign(agree.size(), 0.0);
    for (int32_t i = 0; i < n; ++i) {
        if ((i & 0xFFF) == 0)
            cancel.check();
        for (int64_t j = m.itemBegin(i); j < m.itemEnd(i); ++j) {
            if (m.itemLabel(j) < 0)
                continue;
            for (int64_t k = j + 1; k < m.itemEnd(i); ++k) {
                if (m.itemLabel(k) < 0)
                    continue;
                const size_t ab = static_cast<size_t>(m.itemAnnotator(j)) * A + m.itemAnnotator(k);
                const size_t ba = static_cast<size_t>(m.itemAnnotator(k)) * A + m.itemAnnotator(j);
                ps.common[ab] += 1;
                ps.common[ba] += 1;
                if (m.itemLabel(j) == m.itemLabel(k)) {
                    agree[ab] += 1;
                    agree[ba] += 1;
                }
            }
        }
    }
    ps.C.assign(agree.size(), 0.0);
    ps.neighbours.resize(A);
    int minDegree = std::numeric_limits<int>::max();
    for (int32_t a = 0; a < A; ++a) {
        for (int32_t b = 0; b < A; ++b) {
            const size_t ab = static_cast<size_t>(a) * A + b;
            if (a == b || ps.common[ab] == 0)
                continue;
            ps.C[ab] = K / (K - 1) * agree[ab] / ps.common[ab] - 1 / (K - 1);
            ps.neighbours[a].push_back(b);
        }
        minDegree = std::min(minDegree, static_cast<int>(ps.neighbours[a].size()));
    }
    ps.F = A > 0 ? std::max(0, minDegree / 2 - 1) : 0;
    return ps;
}

/// Rank-one fit |C| ~ u v^T by the M-MSR iteration; returns u and v, the trace (-|change|
/// per iteration) and iterations/convergence in r. u and v start equal to numpy's
/// RandomState(seed).random_sample(A), as crowd-kit's do: std::mt19937 seeded with a 32-bit
/// integer is the same generator as numpy's legacy seeding, and random_sample takes 27 + 26
/// bits of two draws. Seed 0 so reproduces crowd-kit's start exactly. Divisions by a zero
/// entry give inf/NaN as in numpy; the trimming usually removes them.
void fitRankOne(const PairStats& ps, uint64_t seed, int nIter, double tol, int32_t nTasks, detail::CancelState& cancel,
                std::vector<double>& u, std::vector<double>& v, AggregationResult& r)
{
    const int32_t A = ps.A;
    std::mt19937 rng(static_cast<uint32_t>(seed));
    u.resize(A);
    v.resize(A);
    for (int32_t a = 0; a < A; ++a) {
        const uint32_t hi = rng() >> 5, lo = rng() >> 6;
        u[a] = v[a] = (hi * 67108864.0 + lo) / 9007199254740992.0;
    }
    std::vector<double> uPrev, vPrev, buf;
    // One half of an iteration: side[x] = trimmed mean over x's neighbours c of
    // |C| / other[c], with C read along x's column (C_cx) or x's row (C_xc).
    auto update = [&](std::vector<double>& side, const std::vector<double>& other, bool column) {
        for (int32_t x = 0; x < A; ++x) {
            buf.clear();
            for (int32_t c : ps.neighbours[x]) {
                const size_t at = column ? static_cast<size_t>(c) * A + x : static_cast<size_t>(x) * A + c;
                buf.push_back(std::abs(ps.C[at]) / other[c]);
            }
            bool any = false;
            const double mean = trimmedMean(buf, ps.F, side[x], nTasks, any);
            if (any)
                side[x] = mean;
        }
    };
    detail::iterate(r, cancel, nIter, [&] {
        uPrev = u;
        vPrev = v;
        update(v, u, true);
        update(u, v, false);
        // |u v^T - u' v'^T|_F without forming the A x A matrix: with du = u - u', dv = v - v',
        // u v^T - u' v'^T = du v^T + u' dv^T, whose squared norm is
        // |du|^2 |v|^2 + 2 (du.u')(v.dv) + |u'|^2 |dv|^2 (no cancellation when du, dv are small).
        double du2 = 0, v2 = 0, duUp = 0, vDv = 0, up2 = 0, dv2 = 0;
        for (int32_t a = 0; a < A; ++a) {
            const double du = u[a] - uPrev[a], dv = v[a] - vPrev[a];
            du2 += du * du;
            v2 += v[a] * v[a];
            duUp += du * uPrev[a];
            vDv += v[a] * dv;
            up2 += uPrev[a] * uPrev[a];
            dv2 += dv * dv;
        }
        const double change = std::sqrt(std::max(0.0, du2 * v2 + 2 * duUp * vDv + up2 * dv2));
        r.logLikelihood.push_back(-change);  // no likelihood; the trace holds -|delta u v^T|
        return change < tol;
    });
}

/// Signs: E[C_ab] = s_a s_b, so given the magnitudes |s| = u / k we choose the signs that
/// best explain the observed C by weighted least squares, sum_ab common_ab (C_ab - s_a s_b)^2,
/// with coordinate-wise sweeps from "everyone better than chance" (all +1) until no sign
/// flips: sign(s_a) = sign(sum_b common_ab C_ab s_b). crowd-kit instead 2-colours a graph
/// built from sign(C) in which unobserved pairs count as disagreements (see methods.md).
std::vector<double> chooseSigns(const PairStats& ps, const std::vector<double>& u, double k)
{
    const int32_t A = ps.A;
    std::vector<double> sgn(A, 1.0);
    for (int sweep = 0; sweep < 100; ++sweep) {
        bool flipped = false;
        for (int32_t a = 0; a < A; ++a) {
            double t = 0;
            for (int32_t b : ps.neighbours[a]) {
                const size_t ab = static_cast<size_t>(a) * A + b;
                const double mag = u[b] / k;
                if (std::isfinite(mag))
                    t += ps.common[ab] * ps.C[ab] * sgn[b] * mag;
            }
            const double want = t < 0 ? -1.0 : (t > 0 ? 1.0 : sgn[a]);
            flipped = flipped || want != sgn[a];
            sgn[a] = want;
        }
        if (!flipped)
            break;
    }
    return sgn;
}

/// Weighted vote with the log-odds weights. The weights are the one-coin log-likelihood
/// ratios, so softmax(scores) is the one-coin posterior under a uniform class prior.
void weightedVote(const AggregationInput& in, const std::vector<double>& weight, AggregationResult& r)
{
    const LabelMatrix& m = *in.matrix;
    const int32_t n = m.numItems(), L = m.numLabels();
    r.posterior.assign(static_cast<size_t>(n) * L, L > 0 ? 1.0 / L : 0.0);
    std::vector<char> evidence = detail::evidenceMask(in);
    for (int32_t i = 0; i < n; ++i) {
        if (!evidence[i])
            continue;
        double* post = r.posterior.data() + static_cast<size_t>(i) * L;
        if (detail::isControl(in, i)) {
            std::fill(post, post + L, 0.0);
            post[in.controls[i]] = 1.0;
            continue;
        }
        // 1e-9 per raw vote breaks exact ties between weighted sums (e.g. items labelled only by
        // annotators without overlap, whose weight is 0) toward the majority.
        std::fill(post, post + L, 0.0);
        detail::forEachValidLabelOfItem(m, i, [&](int32_t a, int32_t l) { post[l] += weight[a] + 1e-9; });
        detail::softmaxInPlace(post, L);
    }
    detail::labelsFromPosterior(r, evidence);
}

} // namespace

AggregationResult mmsr(const AggregationInput& in, const RunHooks& hooks)
{
    detail::checkInput(in, "mmsr");
    const detail::Params p("mmsr", in.params);
    const int nIter = p.getInt("n_iter", 0, 100000000);
    const double tol = p.get("tol", 0, 1e6);
    const LabelMatrix& m = *in.matrix;
    detail::CancelState cancel(hooks);
    const int32_t n = m.numItems(), A = m.numAnnotators();

    // Labels actually used (crowd-kit's K) and items with at least one valid label.
    std::vector<char> usedLabel(m.numLabels(), 0);
    for (int32_t l : m.itemLabels())
        if (l >= 0)
            usedLabel[l] = 1;
    const double K = std::max(2, static_cast<int>(std::count(usedLabel.begin(), usedLabel.end(), 1)));
    int32_t nTasks = 0;
    for (int32_t i = 0; i < n; ++i)
        nTasks += m.validCount(i) > 0;

    const PairStats ps = pairStatistics(m, K, cancel);
    AggregationResult r;
    r.numLabels = m.numLabels();
    std::vector<double> u, v;
    fitRankOne(ps, in.seed, nIter, tol, nTasks, cancel, u, v, r);

    const double normU = std::sqrt(std::inner_product(u.begin(), u.end(), u.begin(), 0.0));
    const double normV = std::sqrt(std::inner_product(v.begin(), v.end(), v.begin(), 0.0));
    const double k = normV > 0 ? std::sqrt(normU / normV) : 1;
    const std::vector<double> sgn = chooseSigns(ps, u, k);
    const double nt = std::sqrt(static_cast<double>(std::max(nTasks, 1)));

    std::vector<double> weight(A, 0.0);
    r.competence.assign(A, std::numeric_limits<double>::quiet_NaN());
    for (int32_t a = 0; a < A; ++a) {
        // No overlap, or a 0/0 that survived the trimming: no information, skill 0 (chance).
        double s = ps.neighbours[a].empty() ? 0.0 : sgn[a] * u[a] / k;
        if (!std::isfinite(s))
            s = 0.0;
        const double clipped = std::max(std::min(s, 1 - 1 / nt), -1 / (K - 1) + 1 / nt);
        const double prob = clipped * (K - 1) / K + 1 / K;
        weight[a] = std::log(prob * (K - 1) / (1 - prob));
        bool any = false;
        for (int64_t j = m.annotatorBegin(a); j < m.annotatorEnd(a) && !any; ++j)
            any = m.annotatorLabel(j) >= 0;
        if (any)
            r.competence[a] = prob;
    }
    weightedVote(in, weight, r);
    return r;
}

} // namespace chorus::agg
