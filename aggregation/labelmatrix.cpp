#include "labelmatrix.h"

#include <algorithm>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <utility>

namespace chorus::agg {

LabelMatrix LabelMatrix::build(int32_t numItems, int32_t numAnnotators, int32_t numLabels,
                               std::vector<Annotation> annotations)
{
    if (numItems < 0 || numAnnotators < 0 || numLabels < 0)
        throw std::invalid_argument("LabelMatrix: negative dimension");
    LabelMatrix m;
    m.m_numItems = numItems;
    m.m_numAnnotators = numAnnotators;
    m.m_numLabels = numLabels;

    // Counting sort by item; then each item's annotations by annotator.
    std::vector<int64_t> itemCount(static_cast<size_t>(numItems) + 1, 0);
    std::vector<int64_t> annCount(static_cast<size_t>(numAnnotators) + 1, 0);
    for (const Annotation& a : annotations) {
        if (a.item < 0 || a.item >= numItems)
            throw std::invalid_argument("LabelMatrix: item index " + std::to_string(a.item)
                                        + " out of range");
        if (a.annotator < 0 || a.annotator >= numAnnotators)
            throw std::invalid_argument("LabelMatrix: annotator index "
                                        + std::to_string(a.annotator) + " out of range");
        if (a.label != kInvalidLabel && (a.label < 0 || a.label >= numLabels))
            throw std::invalid_argument("LabelMatrix: label index " + std::to_string(a.label)
                                        + " out of range");
        ++itemCount[a.item + 1];
        ++annCount[a.annotator + 1];
    }
    for (size_t i = 1; i < itemCount.size(); ++i)
        itemCount[i] += itemCount[i - 1];
    for (size_t i = 1; i < annCount.size(); ++i)
        annCount[i] += annCount[i - 1];
    m.m_itemOffsets = itemCount;
    m.m_annOffsets = annCount;

    const size_t n = annotations.size();
    m.m_itemAnn.resize(n);
    m.m_itemLabel.resize(n);
    {
        std::vector<int64_t> pos(itemCount.begin(), itemCount.end() - 1);
        for (const Annotation& a : annotations) {
            const int64_t p = pos[a.item]++;
            m.m_itemAnn[p] = a.annotator;
            m.m_itemLabel[p] = a.label;
        }
    }
    annotations.clear();
    annotations.shrink_to_fit();
    m.sortItemsAndIndexAnnotators();
    return m;
}

void LabelMatrix::sortItemsAndIndexAnnotators()
{
    // Each item's few annotations by annotator (insertion sort: rows usually come in order or
    // nearly), then the annotator-major arrays by one pass over the items in order, which
    // leaves every annotator's items sorted. Two passes over the annotations instead of the
    // three scatters of a general two-key counting sort.
    //
    // A large matrix is done in two halves of the items at once (issue #17): the first half
    // fills each annotator's slots forwards from its start, the second half backwards from its
    // end, items in descending order, so the two never touch the same slot and the arrays come
    // out exactly as one pass makes them.
    const size_t n = m_itemAnn.size();
    m_annItem.resize(n);
    m_annLabel.resize(n);
    const bool split = n >= (size_t(1) << 18) && m_numItems >= 2 && std::thread::hardware_concurrency() >= 2;
    const int32_t mid = split ? m_numItems / 2 : m_numItems;
    int32_t duplicateItem[2] = {-1, -1};
    auto sortItems = [&](int32_t from, int32_t to, int half) {
        std::vector<std::pair<int32_t, int32_t>> pairs;
        for (int32_t i = from; i < to; ++i) {
            const int64_t begin = m_itemOffsets[i], end = m_itemOffsets[i + 1];
            if (end - begin > 32) {  // a long item (few items, many annotators): O(k log k)
                pairs.clear();
                for (int64_t k = begin; k < end; ++k)
                    pairs.emplace_back(m_itemAnn[k], m_itemLabel[k]);
                std::stable_sort(pairs.begin(), pairs.end(),
                                 [](const auto& x, const auto& y) { return x.first < y.first; });
                for (int64_t k = begin; k < end; ++k)
                    std::tie(m_itemAnn[k], m_itemLabel[k]) = pairs[static_cast<size_t>(k - begin)];
            }
            for (int64_t k = begin + 1; k < end; ++k) {
                const int32_t ann = m_itemAnn[k], label = m_itemLabel[k];
                int64_t j = k;
                for (; j > begin && m_itemAnn[j - 1] > ann; --j) {
                    m_itemAnn[j] = m_itemAnn[j - 1];
                    m_itemLabel[j] = m_itemLabel[j - 1];
                }
                m_itemAnn[j] = ann;
                m_itemLabel[j] = label;
            }
            for (int64_t k = begin + 1; k < end; ++k)
                if (m_itemAnn[k] == m_itemAnn[k - 1]) {
                    duplicateItem[half] = i;
                    return false;
                }
        }
        return true;
    };
    auto firstHalf = [&] {
        if (!sortItems(0, mid, 0))
            return;
        std::vector<int64_t> apos(m_annOffsets.begin(), m_annOffsets.end() - 1);
        for (int32_t i = 0; i < mid; ++i)
            for (int64_t k = m_itemOffsets[i]; k < m_itemOffsets[i + 1]; ++k) {
                const int64_t p = apos[m_itemAnn[k]]++;
                m_annItem[p] = i;
                m_annLabel[p] = m_itemLabel[k];
            }
    };
    auto secondHalf = [&] {
        if (!sortItems(mid, m_numItems, 1))
            return;
        std::vector<int64_t> aend(m_annOffsets.begin() + 1, m_annOffsets.end());
        for (int32_t i = m_numItems - 1; i >= mid; --i)
            for (int64_t k = m_itemOffsets[i + 1] - 1; k >= m_itemOffsets[i]; --k) {
                const int64_t p = --aend[m_itemAnn[k]];
                m_annItem[p] = i;
                m_annLabel[p] = m_itemLabel[k];
            }
    };
    if (split) {
        std::thread helper(secondHalf);
        firstHalf();
        helper.join();
    } else {
        firstHalf();
    }
    for (const int32_t i : duplicateItem)
        if (i >= 0) {
            const int64_t begin = m_itemOffsets[i], end = m_itemOffsets[i + 1];
            for (int64_t k = begin + 1; k < end; ++k)
                if (m_itemAnn[k] == m_itemAnn[k - 1])
                    throw std::invalid_argument("LabelMatrix: annotator " + std::to_string(m_itemAnn[k])
                                                + " labels item " + std::to_string(i) + " twice");
        }
}

int32_t LabelMatrix::labelOf(int32_t item, int32_t annotator) const
{
    const auto first = m_itemAnn.begin() + m_itemOffsets[item];
    const auto last = m_itemAnn.begin() + m_itemOffsets[item + 1];
    const auto it = std::lower_bound(first, last, annotator);
    if (it == last || *it != annotator)
        return -2;
    return m_itemLabel[static_cast<size_t>(it - m_itemAnn.begin())];
}

int32_t LabelMatrix::validCount(int32_t item) const
{
    int32_t c = 0;
    for (int64_t k = m_itemOffsets[item]; k < m_itemOffsets[item + 1]; ++k)
        c += m_itemLabel[k] >= 0 ? 1 : 0;
    return c;
}

LabelMatrix LabelMatrix::withInvalidAsClass() const
{
    LabelMatrix m = *this;
    m.m_numLabels = m_numLabels + 1;
    for (auto& l : m.m_itemLabel)
        if (l == kInvalidLabel)
            l = m_numLabels;
    for (auto& l : m.m_annLabel)
        if (l == kInvalidLabel)
            l = m_numLabels;
    return m;
}

LabelMatrix LabelMatrix::withoutAnnotator(int32_t annotator) const
{
    std::vector<Annotation> kept;
    kept.reserve(m_itemAnn.size());
    for (int32_t i = 0; i < m_numItems; ++i)
        for (int64_t k = m_itemOffsets[i]; k < m_itemOffsets[i + 1]; ++k)
            if (m_itemAnn[k] != annotator)
                kept.push_back({i, m_itemAnn[k], m_itemLabel[k]});
    LabelMatrix m = build(m_numItems, m_numAnnotators, m_numLabels, std::move(kept));
    m.m_itemKeys = m_itemKeys;
    m.m_annKeys = m_annKeys;
    return m;
}

void LabelMatrix::setKeys(std::vector<uint64_t> itemKeys, std::vector<uint64_t> annotatorKeys)
{
    if ((!itemKeys.empty() && itemKeys.size() != static_cast<size_t>(m_numItems))
        || (!annotatorKeys.empty() && annotatorKeys.size() != static_cast<size_t>(m_numAnnotators)))
        throw std::invalid_argument("LabelMatrix: one key per item and per annotator");
    m_itemKeys = std::move(itemKeys);
    m_annKeys = std::move(annotatorKeys);
}

bool LabelMatrix::inKeyOrder() const
{
    for (int32_t i = 1; i < static_cast<int32_t>(m_itemKeys.size()); ++i)
        if (m_itemKeys[i] < m_itemKeys[i - 1])
            return false;
    for (int32_t a = 1; a < static_cast<int32_t>(m_annKeys.size()); ++a)
        if (m_annKeys[a] < m_annKeys[a - 1])
            return false;
    return true;
}

LabelMatrix LabelMatrix::permuted(const std::vector<int32_t>& items, const std::vector<int32_t>& annotators) const
{
    if (items.size() != static_cast<size_t>(m_numItems) || annotators.size() != static_cast<size_t>(m_numAnnotators))
        throw std::invalid_argument("LabelMatrix::permuted: wrong permutation size");
    std::vector<int32_t> annTo(static_cast<size_t>(m_numAnnotators));
    for (int32_t b = 0; b < m_numAnnotators; ++b)
        annTo[annotators[b]] = b;
    // Item-major arrays in the new item order; inside an item, annotators in the new order.
    LabelMatrix m;
    m.m_numItems = m_numItems;
    m.m_numAnnotators = m_numAnnotators;
    m.m_numLabels = m_numLabels;
    // Item j' takes item items[j']'s annotations with their annotators renumbered; the
    // annotators' counts move with them. No validation: a permutation keeps the invariants.
    m.m_itemOffsets.assign(static_cast<size_t>(m_numItems) + 1, 0);
    for (int32_t j = 0; j < m_numItems; ++j)
        m.m_itemOffsets[j + 1] = m.m_itemOffsets[j] + (m_itemOffsets[items[j] + 1] - m_itemOffsets[items[j]]);
    m.m_annOffsets.assign(static_cast<size_t>(m_numAnnotators) + 1, 0);
    for (int32_t b = 0; b < m_numAnnotators; ++b)
        m.m_annOffsets[b + 1] = m.m_annOffsets[b] + (m_annOffsets[annotators[b] + 1] - m_annOffsets[annotators[b]]);
    m.m_itemAnn.resize(m_itemAnn.size());
    m.m_itemLabel.resize(m_itemLabel.size());
    for (int32_t j = 0; j < m_numItems; ++j) {
        int64_t p = m.m_itemOffsets[j];
        for (int64_t k = m_itemOffsets[items[j]]; k < m_itemOffsets[items[j] + 1]; ++k, ++p) {
            m.m_itemAnn[p] = annTo[m_itemAnn[k]];
            m.m_itemLabel[p] = m_itemLabel[k];
        }
    }
    m.sortItemsAndIndexAnnotators();
    if (!m_itemKeys.empty()) {
        m.m_itemKeys.resize(m_itemKeys.size());
        for (int32_t j = 0; j < m_numItems; ++j)
            m.m_itemKeys[j] = m_itemKeys[items[j]];
    }
    if (!m_annKeys.empty()) {
        m.m_annKeys.resize(m_annKeys.size());
        for (int32_t b = 0; b < m_numAnnotators; ++b)
            m.m_annKeys[b] = m_annKeys[annotators[b]];
    }
    return m;
}

uint64_t stableKey(const char* data, size_t size)
{
    uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64 (Fowler, Noll, Vo)
    for (size_t i = 0; i < size; ++i) {
        h ^= static_cast<unsigned char>(data[i]);
        h *= 0x100000001b3ULL;
    }
    // splitmix64's finaliser (Steele, Lea, Flood 2014) spreads the bits.
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

} // namespace chorus::agg
