#include "itemtablemodel.h"

#include "aggregation.h"
#include "labelnormalizer.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <thread>

namespace chorus::model {

ItemTableModel::ItemTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void ItemTableModel::setSource(const Snapshot* snapshot, const RunData* consensus)
{
    beginResetModel();
    m_s = snapshot;
    m_run = consensus;
    m_textLower.clear();
    m_textMatch.clear();
    m_foldedIds = {};
    m_foldedTexts = {};
    m_idRank.clear();
    m_textRank.clear();
    m_idRankCount = m_textRankCount = 0;
    m_labelNameRank.clear();
    computeDerived();
    applyFilterAndSort();
    endResetModel();
}

void ItemTableModel::computeDerived()
{
    m_entropy.clear();
    m_distinct.clear();
    m_tied.clear();
    if (!m_s)
        return;
    const int32_t n = m_s->numItems(), L = m_s->numLabels();
    m_entropy.assign(n, std::nan(""));
    m_distinct.assign(n, 0);
    m_tied.assign(n, 0);
    const bool posterior = m_run && !m_run->posterior.empty();
    // tiedTopLabels(*m_s, *m_run, i) is non-empty exactly when this holds; inlined because
    // calling it allocated a vector per item (tst_itemtablesort checks the two agree).
    const bool tieable = m_run && L >= 2 && m_run->posterior.size() == static_cast<size_t>(n) * L;
    auto derive = [&](int32_t first, int32_t last) {
        // Distinct labels per item from the item's own few labels (not an L-sized scratch
        // array: projects may have 100,000 labels).
        std::vector<int32_t> labels;
        for (int32_t i = first; i < last; ++i) {
            labels.clear();
            for (int64_t k = m_s->matrix.itemBegin(i); k < m_s->matrix.itemEnd(i); ++k)
                if (m_s->matrix.itemLabel(k) >= 0)
                    labels.push_back(m_s->matrix.itemLabel(k));
            std::sort(labels.begin(), labels.end());
            const int d = static_cast<int>(std::unique(labels.begin(), labels.end()) - labels.begin());
            m_distinct[i] = static_cast<uint8_t>(std::min(d, 255));
            if (posterior && m_run->labels[i] >= 0)
                m_entropy[i] = agg::entropy(m_run->posterior.data() + static_cast<size_t>(i) * L, L);
            if (tieable && d > 0 && m_s->matrix.validCount(i) != 0) {
                const double* post = m_run->posterior.data() + static_cast<size_t>(i) * L;
                const double top = *std::max_element(post, post + L);
                int atTop = 0;
                for (int32_t l = 0; l < L && atTop < 2; ++l)
                    atTop += post[l] >= top - 1e-9;
                m_tied[i] = atTop >= 2;
            }
        }
    };
    // Items are independent: two halves on two threads when there are many (open at 1M items).
    if (n >= 100000 && std::thread::hardware_concurrency() > 1) {
        std::thread second(derive, n / 2, n);
        derive(0, n / 2);
        second.join();
    } else {
        derive(0, n);
    }
}

void ItemTableModel::consensusChanged()
{
    computeDerived();
    if (m_rows.empty())
        return;
    // Filters and sort keys may depend on the consensus.
    relayout();
}

void ItemTableModel::itemsChanged(const std::vector<int32_t>& items)
{
    std::vector<int> rows;
    for (int32_t i : items) {
        const int r = rowOf(i);
        if (r >= 0)
            rows.push_back(r);
    }
    std::sort(rows.begin(), rows.end());
    for (size_t k = 0; k < rows.size();) {
        size_t e = k;
        while (e + 1 < rows.size() && rows[e + 1] <= rows[e] + 1)
            ++e;
        emit dataChanged(index(rows[k], 0), index(rows[e], columnCount() - 1));
        k = e + 1;
    }
}

void ItemTableModel::setFilter(const ItemFilter& filter)
{
    m_filter = filter;
    refilter();
}

void ItemTableModel::refilter()
{
    relayout();
}

int ItemTableModel::matchingCount() const
{
    if (!m_s)
        return 0;
    const int32_t n = m_s->numItems();
    int count = 0;
    if (!m_filter.onlyItems.empty()) {
        std::vector<uint8_t> seen(n, 0);
        for (int32_t i : m_filter.onlyItems)
            if (i >= 0 && i < n && !seen[i] && accepts(i)) {
                seen[i] = 1;
                ++count;
            }
        return count;
    }
    for (int32_t i = 0; i < n; ++i)
        count += accepts(i);
    return count;
}

int ItemTableModel::rowOf(int32_t item) const
{
    return item >= 0 && item < static_cast<int32_t>(m_rowOfItem.size()) ? m_rowOfItem[item] : -1;
}

bool ItemTableModel::accepts(int32_t i) const
{
    const ItemFilter& f = m_filter;
    if (f.disagreementsOnly && m_distinct[i] < 2)
        return false;
    const double h = m_entropy[i];
    if ((f.minEntropy != -INFINITY || f.maxEntropy != INFINITY) && !(h >= f.minEntropy && h <= f.maxEntropy))
        return false;
    if (f.minConfidence != -INFINITY || f.maxConfidence != INFINITY) {
        const double c = m_run ? m_run->confidence[i] : std::nan("");
        if (!(c >= f.minConfidence && c <= f.maxConfidence))
            return false;
    }
    if (f.annotator >= 0 && f.annotatorLabel != -1) {
        const int32_t l = m_s->matrix.labelOf(i, f.annotator);
        if (f.annotatorLabel == -3 ? l != agg::kInvalidLabel : l != f.annotatorLabel)
            return false;
    }
    if (f.consensusDiffersFromGold) {
        const int32_t g = m_s->gold[i];
        if (g < 0 || !m_run || m_run->labels[i] == g)
            return false;
    }
    if (f.unreviewedOnly && m_s->status[i] != ReviewStatus::Unreviewed)
        return false;
    if (f.flaggedOnly && m_s->status[i] != ReviewStatus::Flagged)
        return false;
    if (f.tiedOnly && !m_tied[i])
        return false;
    if (!m_textLower.isEmpty() && !m_textMatch[i])
        return false;
    return true;
}

QString ItemTableModel::labelName(int32_t label) const
{
    if (label == agg::kInvalidLabel)
        return kInvalidLabelName;
    return label >= 0 && label < m_s->numLabels() ? m_s->labels[label] : QString();
}

QVariant ItemTableModel::sortKey(int32_t i, int column) const
{
    switch (column) {
    case ColId: return m_s->itemExtIds[i];
    case ColText: return m_s->itemTexts[i].left(kTextPreview);
    case ColConsensus: return m_run && m_run->labels[i] >= 0 ? labelName(m_run->labels[i]) : QString();
    case ColMethod: return m_run ? m_run->summary.method : QString();
    case ColConfidence: return m_run ? m_run->confidence[i] : std::nan("");
    case ColEntropy: return m_entropy[i];
    case ColDistinct: return double(m_distinct[i]);
    case ColHuman: return m_s->humanLabel[i] >= 0 ? labelName(m_s->humanLabel[i]) : QString();
    case ColStatus: return statusName(m_s->status[i]);
    case ColGold: return m_s->gold[i] >= 0 ? labelName(m_s->gold[i]) : QString();
    default: {
        const int32_t l = m_s->matrix.labelOf(i, column - FixedColumnCount);
        return l == -2 ? QString() : labelName(l);
    }
    }
}

int ItemTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int ItemTableModel::columnCount(const QModelIndex& parent) const
{
    if (parent.isValid() || !m_s)
        return 0;
    return FixedColumnCount + static_cast<int>(m_s->annotators.size());
}

QVariant ItemTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || !m_s || index.row() >= static_cast<int>(m_rows.size()))
        return {};
    const int32_t i = m_rows[index.row()];
    const int col = index.column();
    switch (role) {
    case ItemIndexRole: return i;
    case SortKeyRole: return sortKey(i, col);
    case StatusRole: return static_cast<int>(m_s->status[i]);
    case ChipRole: {
        if (col < FixedColumnCount)
            return {};
        const int32_t l = m_s->matrix.labelOf(i, col - FixedColumnCount);
        if (l == -2)
            return ChipNone;
        if (l == agg::kInvalidLabel)
            return ChipInvalid;
        const int32_t c = m_s->humanLabel[i] >= 0 ? m_s->humanLabel[i] : (m_run ? m_run->labels[i] : -1);
        return c < 0 ? ChipNone : (l == c ? ChipAgrees : ChipDisagrees);
    }
    case Qt::TextAlignmentRole:
        if (col == ColConfidence || col == ColEntropy || col == ColDistinct)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        if (col >= FixedColumnCount)
            return QStringLiteral("%1: %2").arg(m_s->annotators[col - FixedColumnCount],
                                                sortKey(i, col).toString());
        if (col == ColText)
            return m_s->itemTexts[i].left(1000);
        if (col == ColStatus && isQueued(i))
            return tr("Queued: saved in the decision journal on this computer, not on the server yet; sent when the "
                      "connection is back");
        return {};
    case Qt::DisplayRole:
        switch (col) {
        case ColText: {
            QString t = m_s->itemTexts[i].left(kTextPreview);
            t.replace(QLatin1Char('\n'), QLatin1Char(' '));
            return t;
        }
        case ColConfidence: {
            const double c = m_run ? m_run->confidence[i] : std::nan("");
            return std::isnan(c) ? QString() : QString::number(c, 'f', 3);
        }
        case ColEntropy:
            return std::isnan(m_entropy[i]) ? QString() : QString::number(m_entropy[i], 'f', 3);
        case ColDistinct: return int(m_distinct[i]);
        case ColStatus:
            return isQueued(i) ? tr("%1 (queued)").arg(statusName(m_s->status[i])) : statusName(m_s->status[i]);
        default: return sortKey(i, col);
        }
    default: return {};
    }
}

QVariant ItemTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || !m_s)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case ColConfidence: return tr("Posterior probability of the consensus label");
        case ColEntropy: return tr("Entropy of the consensus posterior (nats)");
        case ColDistinct: return tr("Number of distinct valid labels given to the item");
        case ColHuman: return tr("Label set by a human reviewer (override)");
        default: break;
        }
        if (section >= FixedColumnCount)
            return tr("Annotator %1 (%2)")
                .arg(m_s->annotators[section - FixedColumnCount],
                     kindName(m_s->annotatorKinds[section - FixedColumnCount]));
        return {};
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case ColId: return tr("Id");
    case ColText: return tr("Text");
    case ColConsensus: return tr("Consensus");
    case ColMethod: return tr("Method");
    case ColConfidence: return tr("Confidence");
    case ColEntropy: return tr("Entropy");
    case ColDistinct: return tr("Distinct");
    case ColHuman: return tr("Human");
    case ColStatus: return tr("Status");
    case ColGold: return tr("Gold");
    default: return section - FixedColumnCount < m_s->annotators.size()
            ? QVariant(m_s->annotators[section - FixedColumnCount])
            : QVariant();
    }
}

void ItemTableModel::sort(int column, Qt::SortOrder order)
{
    m_sortColumn = column;
    m_sortOrder = order;
    relayout();
}

void ItemTableModel::relayout()
{
    emit layoutAboutToBeChanged();
    const QModelIndexList before = persistentIndexList();
    std::vector<int32_t> items;
    for (const QModelIndex& i : before)
        items.push_back(i.isValid() ? m_rows[i.row()] : -1);
    applyFilterAndSort();
    QModelIndexList after;
    for (size_t k = 0; k < items.size(); ++k) {
        const int row = items[k] >= 0 ? rowOf(items[k]) : -1;
        after << (row >= 0 ? index(row, before[k].column()) : QModelIndex());
    }
    changePersistentIndexList(before, after);
    emit layoutChanged();
}

} // namespace chorus::model
