// ItemTableModel's filtering and sorting (the rest is in itemtablemodel.cpp).

#include "itemtablemodel.h"

#include "labelnormalizer.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <thread>

namespace chorus::model {

namespace {

// Stable sort of rows by key[row] (0..numKeys-1), descending keys first when desc.
void sortByKey(std::vector<int32_t>& rows, const std::vector<uint32_t>& key, uint32_t numKeys, bool desc)
{
    if (numKeys <= 1 || rows.size() < 2)
        return;
    const auto k = [&](int32_t i) { return desc ? numKeys - 1 - key[i] : key[i]; };
    if (rows.size() * 8 < numKeys) {  // few rows, many keys: a comparison sort is cheaper
        std::stable_sort(rows.begin(), rows.end(), [&](int32_t a, int32_t b) { return k(a) < k(b); });
        return;
    }
    std::vector<uint32_t> start(static_cast<size_t>(numKeys) + 1, 0);
    for (int32_t i : rows)
        ++start[k(i) + 1];
    std::partial_sum(start.begin(), start.end(), start.begin());
    std::vector<int32_t> out(rows.size());
    for (int32_t i : rows)
        out[start[k(i)]++] = i;
    rows.swap(out);
}

// Dense ranks of names in QString::compare(..., Qt::CaseInsensitive) order.
std::vector<uint32_t> rankNames(const QStringList& names)
{
    std::vector<uint32_t> order(static_cast<size_t>(names.size()));
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(),
              [&](uint32_t a, uint32_t b) { return names[a].compare(names[b], Qt::CaseInsensitive) < 0; });
    std::vector<uint32_t> rank(order.size());
    uint32_t r = 0;
    for (size_t k = 0; k < order.size(); ++k) {
        if (k > 0 && names[order[k - 1]].compare(names[order[k]], Qt::CaseInsensitive) != 0)
            ++r;
        rank[order[k]] = r;
    }
    return rank;
}

} // namespace

const FoldedStrings& ItemTableModel::foldedIds()
{
    if (m_foldedIds.isEmpty() && m_s)
        m_foldedIds = FoldedStrings(m_s->numItems(), [&](qsizetype i) { return QStringView(m_s->itemExtIds[i]); });
    return m_foldedIds;
}

const FoldedStrings& ItemTableModel::foldedTexts()
{
    if (m_foldedTexts.isEmpty() && m_s)
        m_foldedTexts = FoldedStrings(
            m_s->numItems(), [&](qsizetype i) { return QStringView(m_s->itemTexts[i]); }, kTextPreview);
    return m_foldedTexts;
}

void ItemTableModel::updateTextMatch()
{
    const int32_t n = m_s->numItems();
    const QString text = m_filter.text.trimmed();
    if (text.compare(m_textLower, Qt::CaseInsensitive) == 0 && m_textMatch.size() == size_t(n))
        return;
    m_textLower = text.toLower();
    m_textMatch.assign(n, 1);
    if (m_textLower.isEmpty())
        return;
    bool exact = false;
    const QByteArray needle = FoldedStrings::foldNeedle(m_textLower, &exact);
    if (m_foldedTexts.isEmpty() && m_foldedIds.isEmpty() && n >= 100000
        && std::thread::hardware_concurrency() > 1) {
        std::thread other([this] { foldedIds(); });  // the two copies are independent
        foldedTexts();
        other.join();
    }
    const FoldedStrings& texts = foldedTexts();
    const FoldedStrings& ids = foldedIds();
    // Strings with surrogates (and needles with them) go through QString::contains: the folded
    // copies match whole UTF-16 units, QString's search treats pairs its own way.
    for (int32_t i = 0; i < n; ++i) {
        const bool inText = exact && !texts.needsQString(i)
            ? texts.contains(i, needle)
            : m_s->itemTexts[i].contains(m_textLower, Qt::CaseInsensitive);
        m_textMatch[i] = inText
            || (exact && !ids.needsQString(i) ? ids.contains(i, needle)
                                              : m_s->itemExtIds[i].contains(m_textLower, Qt::CaseInsensitive));
    }
}

void ItemTableModel::applyFilterAndSort()
{
    m_rows.clear();
    m_rowOfItem.clear();
    if (!m_s)
        return;
    const int32_t n = m_s->numItems();
    updateTextMatch();
    if (!m_filter.onlyItems.empty()) {
        std::vector<uint8_t> seen(n, 0);
        for (int32_t i : m_filter.onlyItems)
            if (i >= 0 && i < n && !seen[i] && accepts(i)) {
                seen[i] = 1;
                m_rows.push_back(i);
            }
        if (!m_filter.keepOrder)
            std::sort(m_rows.begin(), m_rows.end());
    } else if (m_filter.isEmpty()) {
        m_rows.resize(n);
        std::iota(m_rows.begin(), m_rows.end(), 0);
    } else {
        m_rows.reserve(n);
        for (int32_t i = 0; i < n; ++i)
            if (accepts(i))
                m_rows.push_back(i);
    }
    sortRows();
    m_rowOfItem.assign(n, -1);
    for (size_t r = 0; r < m_rows.size(); ++r)
        m_rowOfItem[m_rows[r]] = static_cast<int>(r);
}

std::vector<uint32_t> ItemTableModel::labelColumnKeys(int column, uint32_t* numKeys)
{
    const int32_t n = m_s->numItems(), L = m_s->numLabels();
    // Ranks of the label names, then of INVALID (L), then of "" (L + 1).
    if (m_labelNameRank.empty()) {
        QStringList names = m_s->labels;
        names << kInvalidLabelName << QString();
        m_labelNameRank = rankNames(names);
    }
    // A label index as labelName() names it; none = L + 1.
    const auto code = [&](int32_t l) -> uint32_t { return l >= 0 && l < L ? l : L + 1; };
    std::vector<uint32_t> key(n);
    *numKeys = *std::max_element(m_labelNameRank.begin(), m_labelNameRank.end()) + 1;
    switch (column) {
    case ColConsensus:
        for (int32_t i = 0; i < n; ++i)
            key[i] = m_labelNameRank[m_run ? code(m_run->labels[i]) : L + 1];
        break;
    case ColHuman:
        for (int32_t i = 0; i < n; ++i)
            key[i] = m_labelNameRank[code(m_s->humanLabel[i])];
        break;
    case ColGold:
        for (int32_t i = 0; i < n; ++i)
            key[i] = m_labelNameRank[code(m_s->gold[i])];
        break;
    default: {  // an annotator: no label shows as "", an INVALID one as kInvalidLabelName
        const int32_t a = column - FixedColumnCount;
        for (int32_t i = 0; i < n; ++i) {
            const int32_t l = m_s->matrix.labelOf(i, a);
            key[i] = m_labelNameRank[l == agg::kInvalidLabel ? L : code(l)];
        }
    }
    }
    return key;
}

void ItemTableModel::sortRows()
{
    const int col = m_sortColumn;
    if (col < 0 || col >= columnCount())
        return;
    const bool desc = m_sortOrder == Qt::DescendingOrder;
    const int32_t n = m_s->numItems();
    switch (col) {
    case ColMethod:  // one method for every row: every key ties
        return;
    case ColConfidence:
    case ColEntropy:
    case ColDistinct: {
        std::vector<std::pair<double, int32_t>> keyed(m_rows.size());
        for (size_t r = 0; r < m_rows.size(); ++r) {
            const int32_t i = m_rows[r];
            const double x = col == ColConfidence ? (m_run ? m_run->confidence[i] : std::nan(""))
                : col == ColEntropy               ? m_entropy[i]
                                                  : double(m_distinct[i]);
            keyed[r] = {x, i};
        }
        std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
            const double x = a.first, y = b.first;
            if (std::isnan(x) || std::isnan(y))
                return !std::isnan(x) && std::isnan(y);  // missing values last
            return desc ? x > y : x < y;
        });
        for (size_t r = 0; r < m_rows.size(); ++r)
            m_rows[r] = keyed[r].second;
        return;
    }
    case ColId:
        if (m_idRank.empty() && n > 0)
            m_idRank = foldedIds().ranks(&m_idRankCount);
        sortByKey(m_rows, m_idRank, m_idRankCount, desc);
        return;
    case ColText:
        if (m_textRank.empty() && n > 0)
            m_textRank = foldedTexts().ranks(&m_textRankCount);
        sortByKey(m_rows, m_textRank, m_textRankCount, desc);
        return;
    case ColStatus: {
        const QStringList names{statusName(ReviewStatus::Unreviewed), statusName(ReviewStatus::Reviewed),
                                statusName(ReviewStatus::Flagged)};
        const std::vector<uint32_t> rank = rankNames(names);
        std::vector<uint32_t> key(n);
        for (int32_t i = 0; i < n; ++i)
            key[i] = rank[static_cast<size_t>(m_s->status[i])];
        sortByKey(m_rows, key, *std::max_element(rank.begin(), rank.end()) + 1, desc);
        return;
    }
    default: {
        uint32_t numKeys = 0;
        const std::vector<uint32_t> key = labelColumnKeys(col, &numKeys);
        sortByKey(m_rows, key, numKeys, desc);
    }
    }
}

} // namespace chorus::model
