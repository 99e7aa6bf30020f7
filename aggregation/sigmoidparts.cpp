#include "sigmoidparts.h"

#include <cmath>

namespace chorus::agg {

// GCC and Clang on x86-64 build an AVX2 copy beside the baseline one and pick at load time.
// AVX2 without FMA: the same operations, four at a time, so the same results.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target_clones("avx2", "default")))
#endif
void sigmoidParts(const double* z, double* s, double* l, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        const double e = expNonPositive(-std::fabs(z[i]));
        s[i] = (z[i] >= 0 ? 1.0 : e) / (1 + e);
        l[i] = log1pUnit(e);
    }
}

} // namespace chorus::agg
