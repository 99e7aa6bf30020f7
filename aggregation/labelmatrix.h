#pragma once
// Compact sparse item x annotator label matrix, the input of every aggregator and statistic.

#include <cstdint>
#include <string>
#include <vector>

namespace chorus::agg {

/// Label index stored for an annotation whose raw output could not be mapped to the label set.
/// Aggregators and statistics skip it unless the caller mapped INVALID to a real class index.
inline constexpr int32_t kInvalidLabel = -1;

/// One (item, annotator, label) observation, used to build a LabelMatrix.
struct Annotation {
    int32_t item = 0;
    int32_t annotator = 0;
    int32_t label = 0;  ///< in [0, numLabels) or kInvalidLabel
};

/// Sparse label matrix stored twice in CSR form: item-major (annotations of item i are
/// [itemOffsets[i], itemOffsets[i+1]) sorted by annotator) and annotator-major (annotations of
/// annotator a are [annOffsets[a], annOffsets[a+1]) sorted by item). No per-annotation heap
/// objects: 1,000,000 annotations take about 24 MB.
///
/// Invariants (checked by build()): at most one annotation per (item, annotator); indices in
/// range; labels in [0, numLabels) or kInvalidLabel.
class LabelMatrix
{
public:
    LabelMatrix() = default;

    /// Builds the matrix. Throws std::invalid_argument on an out-of-range index or a duplicate
    /// (item, annotator) pair; the message names the offending indices.
    static LabelMatrix build(int32_t numItems, int32_t numAnnotators, int32_t numLabels,
                             std::vector<Annotation> annotations);

    int32_t numItems() const { return m_numItems; }
    int32_t numAnnotators() const { return m_numAnnotators; }
    int32_t numLabels() const { return m_numLabels; }
    int64_t numAnnotations() const { return static_cast<int64_t>(m_itemAnn.size()); }

    // Item-major view.
    int64_t itemBegin(int32_t item) const { return m_itemOffsets[item]; }
    int64_t itemEnd(int32_t item) const { return m_itemOffsets[item + 1]; }
    int32_t itemAnnotator(int64_t k) const { return m_itemAnn[k]; }
    int32_t itemLabel(int64_t k) const { return m_itemLabel[k]; }

    // Annotator-major view.
    int64_t annotatorBegin(int32_t a) const { return m_annOffsets[a]; }
    int64_t annotatorEnd(int32_t a) const { return m_annOffsets[a + 1]; }
    int32_t annotatorItem(int64_t k) const { return m_annItem[k]; }
    int32_t annotatorLabel(int64_t k) const { return m_annLabel[k]; }

    /// Label given by annotator a to item i, or -2 when a did not label i (kInvalidLabel when
    /// the label was INVALID). O(log labels-per-item).
    int32_t labelOf(int32_t item, int32_t annotator) const;

    /// Number of valid (non-INVALID) labels on item i.
    int32_t validCount(int32_t item) const;

    /// Raw arrays, for code that wants to scan without accessor calls.
    const std::vector<int64_t>& itemOffsets() const { return m_itemOffsets; }
    const std::vector<int32_t>& itemAnnotators() const { return m_itemAnn; }
    const std::vector<int32_t>& itemLabels() const { return m_itemLabel; }
    const std::vector<int64_t>& annotatorOffsets() const { return m_annOffsets; }
    const std::vector<int32_t>& annotatorItems() const { return m_annItem; }
    const std::vector<int32_t>& annotatorLabels() const { return m_annLabel; }

    /// Returns a copy in which INVALID labels become the extra class numLabels (so numLabels
    /// grows by one). Used when a statistic is asked to count INVALID as a category.
    LabelMatrix withInvalidAsClass() const;

    /// Returns a copy without the given annotator's labels (indices are kept).
    LabelMatrix withoutAnnotator(int32_t annotator) const;

    /// Identity keys: a number per item and per annotator that depends on its id/name only,
    /// not on where it came in the input (the model layer hashes the ids; stableKey()). The
    /// aggregators run on the matrix permuted into key order, and seeded tie-breaking draws
    /// from the item's key, so results do not depend on the order of the input rows. Without
    /// keys (empty vectors) an index is its own key. Sizes must be numItems / numAnnotators.
    void setKeys(std::vector<uint64_t> itemKeys, std::vector<uint64_t> annotatorKeys);
    uint64_t itemKey(int32_t item) const
    {
        return m_itemKeys.empty() ? static_cast<uint64_t>(item) : m_itemKeys[item];
    }
    uint64_t annotatorKey(int32_t annotator) const
    {
        return m_annKeys.empty() ? static_cast<uint64_t>(annotator) : m_annKeys[annotator];
    }
    /// True when items and annotators are in increasing key order (ties by index).
    bool inKeyOrder() const;
    /// Returns the matrix with item j' = items[j'] and annotator b' = annotators[b'] (both
    /// permutations of the indices); keys move with their items and annotators.
    LabelMatrix permuted(const std::vector<int32_t>& items, const std::vector<int32_t>& annotators) const;

private:
    /// With m_itemOffsets, m_annOffsets and the item-major arrays filled (annotators of an
    /// item in any order): sorts each item's annotations by annotator, throws
    /// std::invalid_argument on a duplicate, and fills the annotator-major arrays.
    void sortItemsAndIndexAnnotators();

    int32_t m_numItems = 0;
    int32_t m_numAnnotators = 0;
    int32_t m_numLabels = 0;
    std::vector<int64_t> m_itemOffsets{0};
    std::vector<int32_t> m_itemAnn;
    std::vector<int32_t> m_itemLabel;
    std::vector<int64_t> m_annOffsets{0};
    std::vector<int32_t> m_annItem;
    std::vector<int32_t> m_annLabel;
    std::vector<uint64_t> m_itemKeys;
    std::vector<uint64_t> m_annKeys;
};

/// A 64-bit key of a byte string (FNV-1a followed by a splitmix64 finaliser): the same on
/// every machine and run, so it can stand for an item id or annotator name in LabelMatrix keys.
uint64_t stableKey(const char* data, size_t size);

} // namespace chorus::agg
