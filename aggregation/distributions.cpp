// Building per-item distributions from probabilities, counts, scores, votes and posteriors.

#include "divergence.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace chorus::agg {

namespace {

Distributions emptyDistributions(int32_t numItems, int32_t numLabels, size_t given)
{
    if (numItems < 0 || numLabels < 1)
        throw std::invalid_argument("distributions: need numItems >= 0 and numLabels >= 1");
    const size_t cells = static_cast<size_t>(numItems) * static_cast<size_t>(numLabels);
    if (given != cells)
        throw std::invalid_argument("distributions: " + std::to_string(given) + " values for "
                                    + std::to_string(numItems) + " x " + std::to_string(numLabels));
    Distributions d;
    d.numItems = numItems;
    d.numLabels = numLabels;
    d.values.assign(cells, 0.0);
    d.present.assign(static_cast<size_t>(numItems), 0);
    return d;
}

bool hasNaN(const double* row, int32_t n)
{
    return std::any_of(row, row + n, [](double v) { return std::isnan(v); });
}

std::string itemText(int32_t i)
{
    return "item " + std::to_string(i);
}

} // namespace

Distributions distributionsFromProbabilities(const std::vector<double>& values, int32_t numItems,
                                             int32_t numLabels)
{
    Distributions d = emptyDistributions(numItems, numLabels, values.size());
    for (int32_t i = 0; i < numItems; ++i) {
        const double* in = values.data() + static_cast<size_t>(i) * numLabels;
        if (hasNaN(in, numLabels))
            continue;
        double sum = 0;
        for (int32_t j = 0; j < numLabels; ++j) {
            if (in[j] < 0)
                throw std::invalid_argument("distributions: negative probability at "
                                            + itemText(i));
            sum += in[j];
        }
        if (std::abs(sum - 1) > 1e-6)
            throw std::invalid_argument("distributions: probabilities of " + itemText(i)
                                        + " sum to " + std::to_string(sum));
        std::copy_n(in, numLabels, d.values.begin() + static_cast<std::ptrdiff_t>(i) * numLabels);
        d.present[i] = 1;
    }
    return d;
}

Distributions distributionsFromCounts(const std::vector<double>& counts, int32_t numItems,
                                      int32_t numLabels)
{
    return distributionsFromScores(counts, numItems, numLabels, ScoreTransform::Normalize);
}

Distributions distributionsFromScores(const std::vector<double>& scores, int32_t numItems,
                                      int32_t numLabels, ScoreTransform transform,
                                      double temperature)
{
    if (transform == ScoreTransform::Softmax && !(temperature > 0))
        throw std::invalid_argument("distributions: softmax temperature must be > 0");
    Distributions d = emptyDistributions(numItems, numLabels, scores.size());
    for (int32_t i = 0; i < numItems; ++i) {
        const double* in = scores.data() + static_cast<size_t>(i) * numLabels;
        double* out = d.values.data() + static_cast<size_t>(i) * numLabels;
        if (hasNaN(in, numLabels))
            continue;
        double sum = 0;
        if (transform == ScoreTransform::Normalize) {
            for (int32_t j = 0; j < numLabels; ++j) {
                if (in[j] < 0)
                    throw std::invalid_argument("distributions: negative score at " + itemText(i)
                                                + " (normalisation needs scores >= 0)");
                sum += in[j];
            }
            if (!(sum > 0) || std::isinf(sum))
                continue;
            for (int32_t j = 0; j < numLabels; ++j)
                out[j] = in[j] / sum;
        } else {
            const double top = *std::max_element(in, in + numLabels);
            if (std::isinf(top))
                continue;
            for (int32_t j = 0; j < numLabels; ++j) {
                out[j] = std::exp((in[j] - top) / temperature);
                sum += out[j];
            }
            for (int32_t j = 0; j < numLabels; ++j)
                out[j] /= sum;
        }
        d.present[i] = 1;
    }
    return d;
}

Distributions distributionsFromVotes(const LabelMatrix& matrix,
                                     const std::vector<int32_t>& annotators)
{
    const int32_t L = matrix.numLabels();
    Distributions d = emptyDistributions(matrix.numItems(), std::max(L, 1),
                                         static_cast<size_t>(matrix.numItems()) * std::max(L, 1));
    std::vector<uint8_t> selected(static_cast<size_t>(matrix.numAnnotators()), annotators.empty());
    for (int32_t a : annotators) {
        if (a < 0 || a >= matrix.numAnnotators())
            throw std::invalid_argument("distributions: annotator index out of range");
        selected[a] = 1;
    }
    for (int32_t i = 0; i < matrix.numItems(); ++i) {
        double* out = d.values.data() + static_cast<size_t>(i) * d.numLabels;
        double total = 0;
        for (int64_t k = matrix.itemBegin(i); k < matrix.itemEnd(i); ++k) {
            const int32_t l = matrix.itemLabel(k);
            if (l >= 0 && selected[matrix.itemAnnotator(k)]) {
                out[l] += 1;
                total += 1;
            }
        }
        if (total == 0)
            continue;
        for (int32_t j = 0; j < L; ++j)
            out[j] /= total;
        d.present[i] = 1;
    }
    return d;
}

Distributions distributionsFromPosterior(const AggregationResult& result)
{
    const int32_t n = static_cast<int32_t>(result.labels.size());
    Distributions d = emptyDistributions(n, result.numLabels, result.posterior.size());
    d.values = result.posterior;
    for (int32_t i = 0; i < n; ++i) {
        if (result.labels[i] >= 0 && !hasNaN(d.row(i), d.numLabels))
            d.present[i] = 1;
        else
            std::fill_n(d.values.begin() + static_cast<std::ptrdiff_t>(i) * d.numLabels,
                        d.numLabels, 0.0);
    }
    return d;
}

} // namespace chorus::agg
