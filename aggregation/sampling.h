#pragma once
// Exact binomial and multinomial draws for the bootstraps whose statistic depends on a resample
// only through how many units of each type it drew (score intervals, agreement intervals).
// Drawing the type counts as one multinomial costs about one binomial per type instead of one
// uniform draw per unit (issue #17).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace chorus::agg {

/// SplitMix64 (Steele, Lea & Flood 2014), a UniformRandomBitGenerator with 64 bits of state:
/// seeding is free, unlike std::mt19937_64's 312 words, which matters for bootstraps whose
/// replicates need only a few dozen random numbers each. Passes BigCrush; period 2^64.
class SplitMix64
{
public:
    using result_type = uint64_t;
    explicit SplitMix64(uint64_t seed) : m_state(seed) {}
    static constexpr result_type min() { return 0; }
    static constexpr result_type max() { return std::numeric_limits<uint64_t>::max(); }
    result_type operator()()
    {
        uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }

private:
    uint64_t m_state;
};

/// ln(k!) for k >= 0: a table below 256, above it Stirling's series to the k^-5 term
/// (truncation error below 1e-15).
double logFactorial(int64_t k);

namespace detail {

/// A uniform double in [0, 1): the top 53 bits of one 64-bit output.
template <typename Rng>
double uniform01(Rng& rng)
{
    return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

// BINV: P(0) = q^n, P(x + 1) = P(x) * ((n + 1) s / (x + 1) - s) with s = p / q.
template <typename Rng>
int64_t binomialSmallMean(Rng& rng, int64_t n, double p)
{
    const double q = 1 - p, s = p / q, a = static_cast<double>(n + 1) * s;
    const double r0 = std::exp(static_cast<double>(n) * std::log1p(-p));
    for (;;) {
        double u = uniform01(rng), r = r0;
        for (int64_t x = 0; x <= n; ++x) {
            if (u < r)
                return x;
            u -= r;
            r *= a / static_cast<double>(x + 1) - s;
        }
    }
}

// Inversion with the outcomes ordered by their distance from the mode m: P(k + 1) / P(k) =
// (n - k) / (k + 1) * p / q and P(k - 1) / P(k) = k / (n - k + 1) * q / p.
template <typename Rng>
int64_t binomialFromMode(Rng& rng, int64_t n, double p)
{
    const double q = 1 - p, s = p / q;
    const int64_t m = std::min(n, static_cast<int64_t>(static_cast<double>(n + 1) * p));
    const double fm = std::exp(logFactorial(n) - logFactorial(m) - logFactorial(n - m)
                               + static_cast<double>(m) * std::log(p) + static_cast<double>(n - m) * std::log1p(-p));
    for (;;) {
        double u = uniform01(rng) - fm;
        if (u < 0)
            return m;
        int64_t lo = m, hi = m;
        double flo = fm, fhi = fm;
        while (lo > 0 || hi < n) {
            if (hi < n) {
                fhi *= static_cast<double>(n - hi) / static_cast<double>(hi + 1) * s;
                ++hi;
                u -= fhi;
                if (u < 0)
                    return hi;
            }
            if (lo > 0) {
                flo *= static_cast<double>(lo) / static_cast<double>(n - lo + 1) / s;
                --lo;
                u -= flo;
                if (u < 0)
                    return lo;
            }
        }
    }
}

} // namespace detail

/// A Binomial(n, p) draw (n >= 0; p outside (0, 1) gives 0 or n), by inversion of the
/// distribution function with one uniform double in [0, 1) (the top 53 bits of one rng() output)
/// per attempt:
/// - mean n * min(p, 1 - p) below 16: sequential search upwards from 0 (Kachitvichyanukul &
///   Schmeiser 1988, algorithm BINV);
/// - otherwise: search from the mode m = floor((n + 1) p) outwards, trying m, m + 1, m - 1,
///   m + 2, m - 2, ... (inversion by sequential search, Devroye 1986, "Non-Uniform Random
///   Variate Generation", III.2), so the expected work is about 1.6 standard deviations, with
///   P(m) from log-factorials.
/// For p > 1/2 it returns n - Binomial(n, 1 - p) (1 - p is exact there). When rounding leaves
/// the uniform above the total probability (about 1e-13 at worst) the attempt is repeated with
/// a new uniform. Deterministic for a given generator state (up to the last ulp of std::exp and
/// std::log, which glibc rounds correctly).
template <typename Rng>
int64_t binomialDraw(Rng& rng, int64_t n, double p)
{
    if (n <= 0 || !(p > 0))
        return 0;
    if (p >= 1)
        return n;
    if (p > 0.5)
        return n - binomialDraw(rng, n, 1 - p);
    if (static_cast<double>(n) * p < 16)
        return detail::binomialSmallMean(rng, n, p);
    return detail::binomialFromMode(rng, n, p);
}

/// Multinomial counts of n draws with replacement from a population in which category c holds
/// weights[c] >= 0 units (their total must be > 0 when n > 0): counts[c] is how many draws fell
/// in category c. Drawn by conditional binomials in index order (Devroye 1986, XI.1):
/// counts[c] = binomialDraw(rng, n - sum of counts[0..c), weights[c] / sum of weights[c..]),
/// skipping categories of weight 0 and giving the last category with weight what is left
/// without a draw. The result has the distribution of the per-category tallies of n uniform
/// draws of units (the classic bootstrap resample grouped by category). counts is resized.
template <typename Rng>
void multinomialCounts(Rng& rng, int64_t n, const std::vector<int64_t>& weights, std::vector<int64_t>& counts)
{
    counts.assign(weights.size(), 0);
    int64_t rest = 0;
    size_t last = 0;
    for (size_t c = 0; c < weights.size(); ++c)
        if (weights[c] > 0) {
            rest += weights[c];
            last = c;
        }
    int64_t left = n;
    for (size_t c = 0; c < weights.size() && left > 0; ++c) {
        if (weights[c] <= 0)
            continue;
        if (c == last) {
            counts[c] = left;
            break;
        }
        const int64_t x = binomialDraw(rng, left, static_cast<double>(weights[c]) / static_cast<double>(rest));
        counts[c] = x;
        left -= x;
        rest -= weights[c];
    }
}

} // namespace chorus::agg
