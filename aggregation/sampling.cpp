#include "sampling.h"

#include <array>
#include <numbers>

namespace chorus::agg {

namespace {

constexpr int kTable = 256;

const std::array<double, kTable>& logFactorialTable()
{
    static const std::array<double, kTable> table = [] {
        std::array<double, kTable> t{};
        double sum = 0;
        t[0] = 0;
        for (int k = 1; k < kTable; ++k) {
            sum += std::log(static_cast<double>(k));
            t[k] = sum;
        }
        return t;
    }();
    return table;
}

} // namespace

double logFactorial(int64_t k)
{
    if (k < kTable)
        return logFactorialTable()[static_cast<size_t>(std::max<int64_t>(k, 0))];
    // ln k! = k ln k - k + ln(2 pi k) / 2 + 1/(12k) - 1/(360k^3) + 1/(1260k^5) - ...
    const double x = static_cast<double>(k), r = 1 / x, r2 = r * r;
    return x * std::log(x) - x + 0.5 * std::log(2 * std::numbers::pi * x)
           + r * (1.0 / 12 - r2 * (1.0 / 360 - r2 / 1260));
}

} // namespace chorus::agg
