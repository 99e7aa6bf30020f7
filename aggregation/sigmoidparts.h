#pragma once
// sigmoid(z) and log1p(exp(-|z|)) for many z at once: GLAD's logistic terms (glad.cpp). Written
// without branches so that the compiler vectorises the loop (SSE2 everywhere, AVX2 where the
// CPU has it, chosen at run time); the arithmetic has no fused multiply-adds, so every CPU gets
// the same bits, and the one-value functions below give the bits the loop gives.

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace chorus::agg {

/// exp(x) for x <= 0, within 1.5 ulps of the exact value; 0 below -708 (where exp(x) is
/// under the smallest normal double, about 2.2e-308).
/// x = k ln2 + r with |r| <= ln2/2 (Cody & Waite's two-part ln2, as in fdlibm), exp(r) by its
/// Taylor polynomial to r^13 (remainder below 4e-18), then scaled by 2^k through the exponent
/// bits.
inline double expNonPositive(double x)
{
    constexpr double kLog2e = 1.4426950408889634074;
    constexpr double kLn2Hi = 6.93147180369123816490e-01;  // 32 low bits zero: k * kLn2Hi is exact
    constexpr double kLn2Lo = 1.90821492927058770002e-10;
    constexpr double kShifter = 6755399441055744.0;  // 1.5 * 2^52: adding it rounds to an integer
    const double xc = std::max(x, -708.0);
    const double t = xc * kLog2e + kShifter;
    const double k = t - kShifter;
    const int64_t ki = std::bit_cast<int64_t>(t) - std::bit_cast<int64_t>(kShifter);
    const double r = (xc - k * kLn2Hi) - k * kLn2Lo;
    double p = 1.0 / 6227020800.0;  // 1/13!
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    // 2^k (k in [-1022, 0]) through the exponent bits; 0 below -708 (bits masked out).
    const int64_t keep = -static_cast<int64_t>(x >= -708.0);
    const double scale = std::bit_cast<double>(((ki + 1023) << 52) & keep);
    return p * scale;
}

/// log(1 + e) for e in [0, 1], within 2 ulps. log(1 + e) = 2 atanh(s) with
/// s = e / (2 + e) when 1 + e <= sqrt(2), and ln 2 + 2 atanh(s) with s = (e - 1) / (e + 3)
/// (the same for (1 + e) / 2) above it, so |s| <= 3 - 2 sqrt(2) = 0.1716; the atanh series to
/// s^23 (remainder below 1e-17 relative).
inline double log1pUnit(double e)
{
    constexpr double kLn2Hi = 6.93147180369123816490e-01;
    constexpr double kLn2Lo = 1.90821492927058770002e-10;
    const double upper = static_cast<double>(e > 0.41421356237309503);  // 1 + e > sqrt(2): 1, else 0
    const double s = (e - upper) / (e + (2.0 + upper));
    const double s2 = s * s;
    double p = 2.0 / 23;
    p = p * s2 + 2.0 / 21;
    p = p * s2 + 2.0 / 19;
    p = p * s2 + 2.0 / 17;
    p = p * s2 + 2.0 / 15;
    p = p * s2 + 2.0 / 13;
    p = p * s2 + 2.0 / 11;
    p = p * s2 + 2.0 / 9;
    p = p * s2 + 2.0 / 7;
    p = p * s2 + 2.0 / 5;
    p = p * s2 + 2.0 / 3;
    // 2s + s * s2 * p: the leading 2s exact, the rest a small correction.
    const double tail = s * s2 * p;
    return upper * kLn2Hi + (2.0 * s + (tail + upper * kLn2Lo));
}

/// For i < n, with e = exp(-|z[i]|) (expNonPositive): s[i] = sigmoid(z[i]), as 1 / (1 + e) for
/// z >= 0 and e / (1 + e) below, and l[i] = log1p(e) (log1pUnit). Then
/// log sigmoid(z) = -(max(-z, 0) + l) and log(1 - sigmoid(z)) = -(max(z, 0) + l).
void sigmoidParts(const double* z, double* s, double* l, size_t n);

} // namespace chorus::agg
