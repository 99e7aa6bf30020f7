#pragma once
// The straightforward bootstrap that agg::bootstrapScores documents (evaluation.h), written out
// item by item as the tests' reference: per replicate b, the tallies of the cells (gold,
// prediction or "none" = L), in the order (gold, then prediction), drawn by multinomialCounts
// from SplitMix64(replicateSeed(seed, b)), materialised as an explicit resample of each cell's
// own items.

#include "sampling.h"
#include "statistics.h"

#include <QtGlobal>

#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <vector>

namespace chorus::test {

/// Calls score(p, g) with the resampled prediction and gold vectors of each of B replicates
/// of `items`.
inline void forEachReferenceResample(
    const std::vector<int32_t>& pred, const std::vector<int32_t>& gold, const std::vector<int32_t>& items, int32_t L,
    int B, uint64_t seed, const std::function<void(const std::vector<int32_t>& p, const std::vector<int32_t>& g)>& score)
{
    std::map<std::pair<int32_t, int32_t>, std::vector<int32_t>> cell;  // (gold, pred or L) -> items
    for (const int32_t i : items)
        cell[{gold[i], pred[i] >= 0 ? pred[i] : L}].push_back(i);
    std::vector<int64_t> weights(static_cast<size_t>(L) * (L + 1), 0);
    for (const auto& [key, its] : cell)
        weights[static_cast<size_t>(key.first) * (L + 1) + key.second] = static_cast<int64_t>(its.size());
    std::vector<int64_t> counts;
    for (int b = 0; b < B; ++b) {
        agg::SplitMix64 rng(agg::replicateSeed(seed, static_cast<uint64_t>(b)));
        agg::multinomialCounts(rng, static_cast<int64_t>(items.size()), weights, counts);
        std::vector<int32_t> p, g;
        for (const auto& [key, its] : cell) {
            const int64_t c = counts[static_cast<size_t>(key.first) * (L + 1) + key.second];
            for (int64_t k = 0; k < c; ++k) {
                const int32_t i = its[static_cast<size_t>(k) % its.size()];
                p.push_back(pred[i]);
                g.push_back(gold[i]);
            }
        }
        if (p.size() != items.size())
            qFatal("reference resample has the wrong size");
        score(p, g);
    }
}

} // namespace chorus::test
