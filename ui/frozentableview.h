#pragma once
// A table view whose leading columns stay in place while the rest scroll sideways (issue #18:
// the item's Id and the consensus stay visible while a reviewer scrolls through 200 annotators).
//
// A second view, sharing the model and the selection model, lies over the left edge of the
// viewport and shows only the frozen columns; vertical scrolling is mirrored. The frozen columns
// are the leading visible columns (in visual order) that belong to the candidate set, so a user
// who drags a candidate elsewhere or hides it simply unfreezes it.

#include <QTableView>

namespace chorus::ui {

class FrozenTableView final : public QTableView
{
    Q_OBJECT

public:
    explicit FrozenTableView(QWidget* parent = nullptr);

    void setModel(QAbstractItemModel* model) override;
    void setSelectionModel(QItemSelectionModel* selectionModel) override;
    void scrollTo(const QModelIndex& index, ScrollHint hint = EnsureVisible) override;

    /// Logical columns that may be frozen. When `moveToFront`, they are moved to the first visual
    /// positions in the given order so that they all freeze.
    void setFrozenCandidates(const QList<int>& logicalColumns, bool moveToFront);
    /// Freezing on or off (on by default).
    void setFreezingEnabled(bool on);
    bool freezingEnabled() const { return m_enabled; }
    /// The logical columns frozen now, in visual order.
    QList<int> frozenColumns() const { return m_frozenColumns; }
    /// The overlay (for tests and screenshots); hidden when nothing is frozen.
    QTableView* frozenView() const { return m_frozen; }
    /// Recomputes the frozen columns and the overlay (after columns were hidden or shown, or the
    /// header state was restored).
    void updateFrozen();

protected:
    void resizeEvent(QResizeEvent* event) override;
    void updateGeometries() override;

private:
    void placeOverlay();
    int frozenWidth() const;

    QTableView* m_frozen;
    QList<int> m_candidates;
    QList<int> m_frozenColumns;
    bool m_enabled = true;
    bool m_syncing = false;
};

} // namespace chorus::ui
