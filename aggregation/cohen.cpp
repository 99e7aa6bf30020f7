// Pairwise Cohen's kappa (unweighted and weighted) over shared items.

#include "agreement.h"
#include "agreementdetail.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace chorus::agg {

namespace {

using detail::categoryOf;

std::vector<double> indexValues(int32_t numLabels)
{
    return detail::categoryValues({}, numLabels, false);
}

// Kappa of an L x L table with disagreement weights from `values` (see kappaFromTable).
Coefficient kappaOf(const double* table, int32_t numLabels, KappaWeighting weighting,
                    const double* values)
{
    const size_t L = static_cast<size_t>(numLabels);
    double rows[64], cols[64];
    std::vector<double> rowsHeap, colsHeap;
    double* r = rows;
    double* c = cols;
    if (L > 64) {
        rowsHeap.resize(L);
        colsHeap.resize(L);
        r = rowsHeap.data();
        c = colsHeap.data();
    }
    std::fill_n(r, L, 0.0);
    std::fill_n(c, L, 0.0);
    double n = 0;
    for (size_t i = 0; i < L; ++i) {
        for (size_t j = 0; j < L; ++j) {
            r[i] += table[i * L + j];
            c[j] += table[i * L + j];
        }
        n += r[i];
    }
    if (n <= 0)
        return Coefficient::undefined("no shared items");
    double observed = 0, expected = 0;
    for (size_t i = 0; i < L; ++i) {
        for (size_t j = 0; j < L; ++j) {
            if (i == j)
                continue;
            double w = 1;
            if (weighting == KappaWeighting::Linear)
                w = std::abs(values[i] - values[j]);
            else if (weighting == KappaWeighting::Quadratic)
                w = (values[i] - values[j]) * (values[i] - values[j]);
            observed += w * table[i * L + j];
            expected += w * r[i] * c[j];
        }
    }
    return chanceCorrected(observed / n, expected / (n * n));
}

CohenPair pairFromTable(int32_t a, int32_t b, const double* table, int32_t L,
                        const std::vector<double>& values)
{
    CohenPair p;
    p.a = a;
    p.b = b;
    double n = 0, diagonal = 0;
    for (int32_t i = 0; i < L; ++i) {
        for (int32_t j = 0; j < L; ++j)
            n += table[static_cast<size_t>(i) * L + j];
        diagonal += table[static_cast<size_t>(i) * L + i];
    }
    p.n = static_cast<int64_t>(n);
    if (p.n == 0) {
        const char* why = "no shared items";
        p.observed = p.kappa = p.linearKappa = p.quadraticKappa = Coefficient::undefined(why);
        return p;
    }
    p.observed = Coefficient::ok(diagonal / n);
    p.kappa = kappaOf(table, L, KappaWeighting::None, values.data());
    p.linearKappa = kappaOf(table, L, KappaWeighting::Linear, values.data());
    p.quadraticKappa = kappaOf(table, L, KappaWeighting::Quadratic, values.data());
    return p;
}

} // namespace

Coefficient kappaFromTable(const std::vector<double>& table, int32_t numLabels,
                           KappaWeighting weighting, const std::vector<double>& labelValues)
{
    const size_t L = static_cast<size_t>(numLabels);
    if (table.size() != L * L)
        throw std::invalid_argument("kappa: table must be numLabels x numLabels");
    if (!labelValues.empty() && labelValues.size() != L)
        throw std::invalid_argument("kappa: labelValues must have numLabels entries");
    return kappaOf(table.data(), numLabels, weighting,
                   labelValues.empty() ? indexValues(numLabels).data() : labelValues.data());
}

std::vector<CohenPair> cohenKappaPairs(const LabelMatrix& matrix, const AgreementOptions& options,
                                       const RunHooks& hooks)
{
    const int32_t base = matrix.numLabels();
    const int32_t L = base + (options.includeInvalid ? 1 : 0);
    const std::vector<double> values =
        detail::categoryValues(options.labelValues, L, options.includeInvalid);
    const size_t cells = static_cast<size_t>(L) * L;
    const int32_t numAnn = matrix.numAnnotators();

    // For annotator a, partner b's contingency table lives in tables[slot[b] * cells ...]; slots
    // are handed out on first contact so memory follows the actual overlap, not numAnnotators^2.
    std::vector<int32_t> slot(static_cast<size_t>(numAnn), -1);
    std::vector<int32_t> partners;
    std::vector<double> tables;
    const std::vector<double> zeros(cells, 0.0);
    std::vector<CohenPair> out;
    const auto& itemAnn = matrix.itemAnnotators();

    for (int32_t a = 0; a < numAnn; ++a) {
        if (hooks.canceled())
            throw Canceled{};
        for (int64_t k = matrix.annotatorBegin(a); k < matrix.annotatorEnd(a); ++k) {
            const int32_t la = categoryOf(matrix.annotatorLabel(k), options.includeInvalid, base);
            if (la < 0)
                continue;
            const int32_t item = matrix.annotatorItem(k);
            const auto first = itemAnn.begin() + matrix.itemBegin(item);
            const auto last = itemAnn.begin() + matrix.itemEnd(item);
            for (auto it = std::upper_bound(first, last, a); it != last; ++it) {
                const int64_t q = it - itemAnn.begin();
                const int32_t lb = categoryOf(matrix.itemLabel(q), options.includeInvalid, base);
                if (lb < 0)
                    continue;
                const int32_t b = *it;
                if (slot[b] < 0) {
                    slot[b] = static_cast<int32_t>(partners.size());
                    partners.push_back(b);
                    tables.resize(partners.size() * cells, 0.0);
                }
                const size_t cell = static_cast<size_t>(la) * L + static_cast<size_t>(lb);
                tables[static_cast<size_t>(slot[b]) * cells + cell] += 1;
            }
        }
        std::sort(partners.begin(), partners.end());
        auto emit = [&](int32_t b) {
            const double* t = slot[b] >= 0 ? tables.data() + static_cast<size_t>(slot[b]) * cells
                                           : zeros.data();
            out.push_back(pairFromTable(a, b, t, L, values));
        };
        if (options.listDisjointPairs) {
            for (int32_t b = a + 1; b < numAnn; ++b)
                emit(b);
        } else {
            for (int32_t b : partners)
                emit(b);
        }
        for (int32_t b : partners)
            slot[b] = -1;
        partners.clear();
        tables.clear();
        hooks.report(a + 1, numAnn);
    }
    return out;
}

CohenPair cohenKappa(const std::vector<int32_t>& x, const std::vector<int32_t>& y,
                     int32_t numLabels, const std::vector<double>& labelValues)
{
    if (x.size() != y.size())
        throw std::invalid_argument("cohenKappa: label vectors differ in length");
    const size_t L = static_cast<size_t>(numLabels);
    std::vector<double> table(L * L, 0.0);
    for (size_t i = 0; i < x.size(); ++i) {
        if (x[i] < 0 || y[i] < 0)
            continue;
        if (x[i] >= numLabels || y[i] >= numLabels)
            throw std::invalid_argument("cohenKappa: label out of range");
        table[static_cast<size_t>(x[i]) * L + static_cast<size_t>(y[i])] += 1;
    }
    if (!labelValues.empty() && labelValues.size() != L)
        throw std::invalid_argument("cohenKappa: labelValues must have numLabels entries");
    return pairFromTable(0, 1, table.data(), numLabels,
                         labelValues.empty() ? indexValues(numLabels) : labelValues);
}

} // namespace chorus::agg
