// Calibration figures: reliability bins, ECE, Brier, NLL, temperature scaling.

#include "calibration.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace chorus::agg {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kClip = 1e-15;

// numpy.percentile(sorted, q * 100) with the default "linear" method (Hyndman & Fan's type 7),
// written as numpy 1.24 computes it so that edges that fall on data values come out identical:
// the quantile q * 100 / 100, virtual index (n - 1) q, and numpy's two-sided lerp.
double percentileLinear(const std::vector<double>& sorted, double q)
{
    const auto n = static_cast<double>(sorted.size());
    q = q * 100 / 100;
    const double virtualIndex = (n - 1) * q;
    double previous = std::floor(virtualIndex);
    const double gamma = virtualIndex - previous;
    double next = previous + 1;
    previous = std::clamp(previous, 0.0, n - 1);
    next = std::clamp(next, 0.0, n - 1);
    const double a = sorted[static_cast<size_t>(previous)], b = sorted[static_cast<size_t>(next)];
    const double diff = b - a;
    return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

} // namespace

std::vector<ReliabilityBin> reliabilityBins(const std::vector<double>& confidence, const std::vector<uint8_t>& correct,
                                            int bins, BinStrategy strategy)
{
    if (bins < 1)
        throw std::invalid_argument("the number of bins must be at least 1");
    if (confidence.size() != correct.size())
        throw std::invalid_argument("confidence and correct differ in length");
    // numpy.linspace(0, 1, B + 1): j * (1/B), the last edge exactly 1.
    std::vector<double> linspace(static_cast<size_t>(bins) + 1);
    for (int j = 0; j <= bins; ++j)
        linspace[static_cast<size_t>(j)] = j == bins ? 1.0 : j * (1.0 / bins);
    std::vector<double> edges = linspace;
    if (strategy == BinStrategy::EqualMass) {
        std::vector<double> sorted = confidence;
        std::sort(sorted.begin(), sorted.end());
        for (size_t j = 0; j < edges.size(); ++j)
            edges[j] = sorted.empty() ? 0.0 : percentileLinear(sorted, linspace[j]);
    }
    std::vector<ReliabilityBin> out(static_cast<size_t>(bins));
    std::vector<double> sumConf(out.size(), 0), sumCorrect(out.size(), 0);
    for (size_t k = 0; k < confidence.size(); ++k) {
        const double c = confidence[k];
        if (!(c >= 0 && c <= 1))
            throw std::invalid_argument("a confidence lies outside [0, 1]");
        // searchsorted(edges[1:-1], c, side="left"): the number of inner edges below c.
        const auto bin = static_cast<size_t>(std::lower_bound(edges.begin() + 1, edges.end() - 1, c) - (edges.begin() + 1));
        ++out[bin].count;
        sumConf[bin] += c;
        sumCorrect[bin] += correct[k] ? 1 : 0;
    }
    for (size_t j = 0; j < out.size(); ++j) {
        out[j].lo = edges[j];
        out[j].hi = edges[j + 1];
        if (out[j].count > 0) {
            out[j].meanConfidence = sumConf[j] / static_cast<double>(out[j].count);
            out[j].accuracy = sumCorrect[j] / static_cast<double>(out[j].count);
        }
    }
    return out;
}

double expectedCalibrationError(const std::vector<ReliabilityBin>& bins)
{
    int64_t total = 0;
    double sum = 0;
    for (const ReliabilityBin& b : bins) {
        if (b.count == 0)
            continue;
        total += b.count;
        sum += static_cast<double>(b.count) * std::abs(b.accuracy - b.meanConfidence);
    }
    return total > 0 ? sum / static_cast<double>(total) : kNaN;
}

CalibrationScores calibrationScores(const std::vector<double>& rows, int32_t numLabels,
                                    const std::vector<uint8_t>& present, const std::vector<int32_t>& gold,
                                    const std::vector<int32_t>& items, int bins)
{
    CalibrationScores s;
    std::vector<double> confidence;
    std::vector<uint8_t> correct;
    double brier = 0, nll = 0;
    for (int32_t i : items) {
        const auto ii = static_cast<size_t>(i);
        const int32_t g = gold[ii];
        if (g < 0 || (!present.empty() && !present[ii]))
            continue;
        const double* p = rows.data() + ii * static_cast<size_t>(numLabels);
        int32_t top = 0;
        for (int32_t k = 0; k < numLabels; ++k) {
            if (p[k] > p[top])
                top = k;
            const double d = p[k] - (k == g ? 1.0 : 0.0);
            brier += d * d;
        }
        nll -= std::log(std::clamp(p[g], kClip, 1.0));
        confidence.push_back(std::clamp(p[top], 0.0, 1.0));
        correct.push_back(top == g ? 1 : 0);
    }
    s.items = static_cast<int64_t>(confidence.size());
    s.equalWidth = reliabilityBins(confidence, correct, bins, BinStrategy::EqualWidth);
    s.equalMass = reliabilityBins(confidence, correct, bins, BinStrategy::EqualMass);
    if (s.items == 0)
        return s;
    const auto n = static_cast<double>(s.items);
    double sumConf = 0, sumCorrect = 0, brierTop = 0;
    for (size_t k = 0; k < confidence.size(); ++k) {
        sumConf += confidence[k];
        sumCorrect += correct[k];
        const double d = confidence[k] - correct[k];
        brierTop += d * d;
    }
    s.accuracy = sumCorrect / n;
    s.meanConfidence = sumConf / n;
    s.eceEqualWidth = expectedCalibrationError(s.equalWidth);
    s.eceEqualMass = expectedCalibrationError(s.equalMass);
    s.brier = brier / n;
    s.brierTopLabel = brierTop / n;
    s.nll = nll / n;
    return s;
}

std::vector<double> temperatureScaled(const std::vector<double>& rows, int32_t numLabels, double temperature)
{
    if (!(temperature > 0))
        throw std::invalid_argument("the temperature must be positive");
    std::vector<double> out(rows.size());
    const size_t L = static_cast<size_t>(numLabels);
    std::vector<double> z(L);
    for (size_t r = 0; r + L <= rows.size(); r += L) {
        double top = -std::numeric_limits<double>::infinity();
        for (size_t k = 0; k < L; ++k) {
            z[k] = std::log(std::max(rows[r + k], kClip)) / temperature;
            top = std::max(top, z[k]);
        }
        double sum = 0;
        for (size_t k = 0; k < L; ++k)
            sum += (z[k] = std::exp(z[k] - top));
        for (size_t k = 0; k < L; ++k)
            out[r + k] = z[k] / sum;
    }
    return out;
}

double fitTemperature(const std::vector<double>& rows, int32_t numLabels, const std::vector<uint8_t>& present,
                      const std::vector<int32_t>& gold, const std::vector<int32_t>& items)
{
    const size_t L = static_cast<size_t>(numLabels);
    std::vector<const double*> used;
    std::vector<int32_t> golds;
    for (int32_t i : items) {
        const auto ii = static_cast<size_t>(i);
        if (gold[ii] >= 0 && (present.empty() || present[ii])) {
            used.push_back(rows.data() + ii * L);
            golds.push_back(gold[ii]);
        }
    }
    if (used.empty())
        return 1;
    // Mean NLL of softmax(log p / T): the log-sum-exp of the scaled logits minus the gold's.
    auto nll = [&](double logT) {
        const double t = std::exp(logT);
        double sum = 0;
        for (size_t r = 0; r < used.size(); ++r) {
            double top = -std::numeric_limits<double>::infinity();
            for (size_t k = 0; k < L; ++k)
                top = std::max(top, std::log(std::max(used[r][k], kClip)) / t);
            double z = 0;
            for (size_t k = 0; k < L; ++k)
                z += std::exp(std::log(std::max(used[r][k], kClip)) / t - top);
            sum += top + std::log(z) - std::log(std::max(used[r][static_cast<size_t>(golds[r])], kClip)) / t;
        }
        return sum / static_cast<double>(used.size());
    };
    // Golden-section search (Kiefer 1953) on [log 0.05, log 20]; the NLL is convex in 1/T.
    const double phi = (std::sqrt(5.0) - 1) / 2;
    double a = std::log(0.05), b = std::log(20.0);
    double c = b - phi * (b - a), d = a + phi * (b - a);
    double fc = nll(c), fd = nll(d);
    while (b - a > 1e-6) {
        if (fc < fd) {
            b = d;
            d = c;
            fd = fc;
            c = b - phi * (b - a);
            fc = nll(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + phi * (b - a);
            fd = nll(d);
        }
    }
    return std::exp((a + b) / 2);
}

} // namespace chorus::agg
