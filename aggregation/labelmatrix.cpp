#include "labelmatrix.h"

#include <algorithm>
#include <stdexcept>

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

    // Counting sort by item, then by annotator inside each item: O(n + items), no comparisons.
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
    m.m_annItem.resize(n);
    m.m_annLabel.resize(n);
    m.m_itemAnn.resize(n);
    m.m_itemLabel.resize(n);

    // First bucket by annotator in item order... to get both orders sorted we do two stable
    // passes: bucket by item (stable), then by annotator from the item-sorted order gives
    // annotator-major sorted by item; bucket that back by item gives item-major sorted by
    // annotator.
    std::vector<int64_t> pos(itemCount.begin(), itemCount.end() - 1);
    std::vector<int32_t> tmpAnn(n), tmpItem(n), tmpLabel(n);
    for (const Annotation& a : annotations) {
        const int64_t p = pos[a.item]++;
        tmpItem[p] = a.item;
        tmpAnn[p] = a.annotator;
        tmpLabel[p] = a.label;
    }
    annotations.clear();
    annotations.shrink_to_fit();
    std::vector<int64_t> apos(annCount.begin(), annCount.end() - 1);
    for (size_t k = 0; k < n; ++k) {
        const int64_t p = apos[tmpAnn[k]]++;
        m.m_annItem[p] = tmpItem[k];
        m.m_annLabel[p] = tmpLabel[k];
    }
    std::fill(pos.begin(), pos.end(), 0);
    for (int32_t i = 0; i < numItems; ++i)
        pos[i] = itemCount[i];
    for (int32_t a = 0; a < numAnnotators; ++a) {
        for (int64_t k = annCount[a]; k < annCount[a + 1]; ++k) {
            const int32_t item = m.m_annItem[k];
            const int64_t p = pos[item]++;
            m.m_itemAnn[p] = a;
            m.m_itemLabel[p] = m.m_annLabel[k];
        }
    }
    for (int32_t i = 0; i < numItems; ++i) {
        for (int64_t k = itemCount[i] + 1; k < itemCount[i + 1]; ++k) {
            if (m.m_itemAnn[k] == m.m_itemAnn[k - 1])
                throw std::invalid_argument("LabelMatrix: annotator "
                                            + std::to_string(m.m_itemAnn[k])
                                            + " labels item " + std::to_string(i) + " twice");
        }
    }
    return m;
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
    std::vector<Annotation> all;
    all.reserve(m_itemAnn.size());
    for (int32_t j = 0; j < m_numItems; ++j) {
        const int32_t i = items[j];
        for (int64_t k = m_itemOffsets[i]; k < m_itemOffsets[i + 1]; ++k)
            all.push_back({j, annTo[m_itemAnn[k]], m_itemLabel[k]});
    }
    m = build(m_numItems, m_numAnnotators, m_numLabels, std::move(all));
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
