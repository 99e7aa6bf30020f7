#pragma once
// The review table: one row per item (after filter and sort), fixed columns followed by one
// column per annotator. Answers data() from the Snapshot's columnar storage; sorting and
// filtering permute an index vector. Colours and chips are drawn by ui/ delegates from the
// roles below.
//
// Sorting is by integer keys: text columns compare as QString::compare(..., Qt::CaseInsensitive)
// through ranks computed once per source (FoldedStrings), label columns through the rank of each
// label's name, so a sort is a counting sort of the rows (stable: ties keep item order). The
// text filter searches case-folded copies of the texts and ids, built on first use.

#include "foldedstrings.h"
#include "itemfilter.h"
#include "runstore.h"
#include "snapshot.h"

#include <QAbstractTableModel>

namespace chorus::model {

class ItemTableModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        ColId,
        ColText,
        ColConsensus,
        ColMethod,
        ColConfidence,
        ColEntropy,
        ColDistinct,
        ColHuman,
        ColStatus,
        ColGold,
        FixedColumnCount
    };

    /// Agreement of an annotator's label with the consensus (ChipRole).
    enum Chip { ChipNone = 0, ChipAgrees = 1, ChipDisagrees = 2, ChipInvalid = 3 };

    enum Role {
        ChipRole = Qt::UserRole + 1,  ///< Chip, annotator columns
        ItemIndexRole,                ///< snapshot item index of the row
        SortKeyRole,                  ///< the value used by sort()
        StatusRole,                   ///< ReviewStatus as int (ColStatus)
    };

    explicit ItemTableModel(QObject* parent = nullptr);

    /// Points the model at new data (bulk reset). The objects must outlive the model or the
    /// next setSource() call.
    void setSource(const Snapshot* snapshot, const RunData* consensus);
    /// The consensus run changed (same snapshot): recomputes derived columns, one dataChanged.
    void consensusChanged();
    /// Per item, whether its decision waits in the decision journal (team review offline): the
    /// Status column says "(queued)". The vector is the caller's (the Workbench's); null: none.
    void setQueued(const std::vector<uint8_t>* queued) { m_queued = queued; }
    /// Human decisions on these items changed: one dataChanged per contiguous row range.
    void itemsChanged(const std::vector<int32_t>& items);

    void setFilter(const ItemFilter& filter);
    const ItemFilter& filter() const { return m_filter; }
    /// Re-applies the filter (e.g. "unreviewed only" after a decision) keeping the sort.
    void refilter();
    /// Items that pass the filter now (rows still shown for an item that no longer passes,
    /// until the next refilter(), are not counted). O(items).
    int matchingCount() const;

    int32_t itemAt(int row) const { return m_rows[row]; }
    int rowOf(int32_t item) const;  ///< -1 when filtered out
    int32_t annotatorOfColumn(int column) const
    {
        return column >= FixedColumnCount ? column - FixedColumnCount : -1;
    }
    double entropyOf(int32_t item) const { return m_entropy[item]; }
    int distinctOf(int32_t item) const { return m_distinct[item]; }
    bool isTied(int32_t item) const { return m_tied[item] != 0; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

private:
    static constexpr int kTextPreview = 300;  // UTF-16 units of the text shown and sorted

    void computeDerived();
    void applyFilterAndSort();
    void updateTextMatch();
    void sortRows();
    const FoldedStrings& foldedIds();
    const FoldedStrings& foldedTexts();
    std::vector<uint32_t> labelColumnKeys(int column, uint32_t* numKeys);
    void relayout();  // re-filter/sort keeping persistent indexes on their items
    bool accepts(int32_t item) const;
    QVariant sortKey(int32_t item, int column) const;
    QString labelName(int32_t label) const;

    bool isQueued(int32_t item) const
    {
        return m_queued && static_cast<size_t>(item) < m_queued->size() && (*m_queued)[static_cast<size_t>(item)];
    }

    const Snapshot* m_s = nullptr;
    const RunData* m_run = nullptr;
    const std::vector<uint8_t>* m_queued = nullptr;
    ItemFilter m_filter;
    std::vector<int32_t> m_rows;         // visible item indices in display order
    std::vector<int32_t> m_rowOfItem;    // item -> row or -1
    std::vector<double> m_entropy;       // consensus posterior entropy (nats), NaN = none
    std::vector<uint8_t> m_distinct;     // distinct valid labels (saturates at 255)
    std::vector<uint8_t> m_tied;         // consensus posterior tied at the top (tiedTopLabels)
    QString m_textLower;                 // cached lower-case filter text
    std::vector<uint8_t> m_textMatch;    // per item, for the current m_textLower
    // Built on first use for the current source (the snapshot's ids and texts do not change).
    FoldedStrings m_foldedIds, m_foldedTexts;
    std::vector<uint32_t> m_idRank, m_textRank;  // per item, QString::compare order
    uint32_t m_idRankCount = 0, m_textRankCount = 0;
    std::vector<uint32_t> m_labelNameRank;       // label index, then INVALID, then "" -> rank
    int m_sortColumn = -1;
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;
};

} // namespace chorus::model
