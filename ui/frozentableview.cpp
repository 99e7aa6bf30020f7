#include "frozentableview.h"

#include <QHeaderView>
#include <QScrollBar>
#include <QTimer>

namespace chorus::ui {

FrozenTableView::FrozenTableView(QWidget* parent) : QTableView(parent), m_frozen(new QTableView(this))
{
    // Per-pixel sideways scrolling: per-item scrolling would put the first scrolled column under
    // the overlay at every step.
    setHorizontalScrollMode(ScrollPerPixel);
    m_frozen->setObjectName(QStringLiteral("frozenColumns"));
    m_frozen->setFocusPolicy(Qt::NoFocus);  // keys go to the main view, where the shortcuts are
    m_frozen->setFrameShape(QFrame::NoFrame);
    m_frozen->verticalHeader()->hide();
    m_frozen->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_frozen->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_frozen->setEditTriggers(NoEditTriggers);
    m_frozen->setSelectionBehavior(SelectRows);  // also makes a header click select nothing
    m_frozen->setWordWrap(false);
    m_frozen->horizontalHeader()->setSectionsMovable(false);
    m_frozen->horizontalHeader()->setSortIndicatorShown(true);
    m_frozen->horizontalHeader()->setContextMenuPolicy(Qt::CustomContextMenu);
    m_frozen->hide();

    QScrollBar* mine = verticalScrollBar();
    QScrollBar* theirs = m_frozen->verticalScrollBar();
    connect(mine, &QScrollBar::valueChanged, theirs, &QScrollBar::setValue);
    connect(theirs, &QScrollBar::valueChanged, mine, &QScrollBar::setValue);

    QHeaderView* header = horizontalHeader();
    QHeaderView* overlayHeader = m_frozen->horizontalHeader();
    connect(header, &QHeaderView::sectionResized, this, [this](int logical, int, int size) {
        if (m_syncing || !m_candidates.contains(logical))
            return;
        if (size == 0 || !m_frozenColumns.contains(logical)) {
            updateFrozen();  // hidden or shown again
            return;
        }
        m_syncing = true;
        m_frozen->setColumnWidth(logical, size);
        m_syncing = false;
        placeOverlay();
    });
    connect(overlayHeader, &QHeaderView::sectionResized, this, [this](int logical, int, int size) {
        if (m_syncing || size == 0)
            return;
        m_syncing = true;
        setColumnWidth(logical, size);  // resizing a frozen column in the overlay resizes it here
        m_syncing = false;
        placeOverlay();
    });
    connect(header, &QHeaderView::sectionMoved, this, &FrozenTableView::updateFrozen);
    connect(header, &QHeaderView::sortIndicatorChanged, overlayHeader, [overlayHeader](int section, Qt::SortOrder order) {
        const QSignalBlocker block(overlayHeader);
        overlayHeader->setSortIndicator(section, order);
    });
    // A click on a frozen header sorts the table as a click on the main header would.
    connect(overlayHeader, &QHeaderView::sectionClicked, this, [this](int logical) {
        if (!isSortingEnabled())
            return;
        QHeaderView* h = horizontalHeader();
        const bool again = h->sortIndicatorSection() == logical && h->sortIndicatorOrder() == Qt::AscendingOrder;
        h->setSortIndicator(logical, again ? Qt::DescendingOrder : Qt::AscendingOrder);
    });
    // The overlay's header lies exactly over the main header's left part: same coordinates.
    connect(overlayHeader, &QHeaderView::customContextMenuRequested, header, &QHeaderView::customContextMenuRequested);
    connect(m_frozen, &QAbstractItemView::pressed, this, [this] { setFocus(Qt::MouseFocusReason); });
    connect(m_frozen, &QAbstractItemView::doubleClicked, this, &QAbstractItemView::doubleClicked);
    connect(m_frozen, &QAbstractItemView::activated, this, &QAbstractItemView::activated);
}

void FrozenTableView::setModel(QAbstractItemModel* model)
{
    if (QAbstractItemModel* old = this->model())
        disconnect(old, nullptr, this, nullptr);
    m_frozen->setModel(model);  // first: QTableView::setModel hands its selection model on
    QTableView::setModel(model);
    if (!model)
        return;
    // After the headers have taken in the change (both listen to the model).
    auto later = [this] { QTimer::singleShot(0, this, &FrozenTableView::updateFrozen); };
    connect(model, &QAbstractItemModel::modelReset, this, later);
    connect(model, &QAbstractItemModel::columnsInserted, this, later);
    connect(model, &QAbstractItemModel::columnsRemoved, this, later);
    updateFrozen();
}

void FrozenTableView::setSelectionModel(QItemSelectionModel* selectionModel)
{
    QTableView::setSelectionModel(selectionModel);
    if (selectionModel && m_frozen->model() == selectionModel->model())
        m_frozen->setSelectionModel(selectionModel);
}

void FrozenTableView::setFrozenCandidates(const QList<int>& logicalColumns, bool moveToFront)
{
    m_candidates = logicalColumns;
    if (moveToFront) {
        QHeaderView* h = horizontalHeader();
        for (int k = 0; k < logicalColumns.size(); ++k)
            if (logicalColumns[k] < h->count())
                h->moveSection(h->visualIndex(logicalColumns[k]), k);
    }
    updateFrozen();
}

void FrozenTableView::setFreezingEnabled(bool on)
{
    m_enabled = on;
    updateFrozen();
}

void FrozenTableView::updateFrozen()
{
    QList<int> frozen;
    QHeaderView* h = horizontalHeader();
    if (m_enabled && model()) {
        for (int v = 0; v < h->count(); ++v) {
            const int logical = h->logicalIndex(v);
            if (h->isSectionHidden(logical))
                continue;
            if (!m_candidates.contains(logical))
                break;
            frozen << logical;
        }
    }
    m_frozenColumns = frozen;
    if (frozen.isEmpty() || m_frozen->model() != model()) {
        m_frozen->hide();
        return;
    }
    m_syncing = true;
    QHeaderView* overlayHeader = m_frozen->horizontalHeader();
    m_frozen->setItemDelegate(itemDelegate());
    for (int c = 0; c < overlayHeader->count(); ++c) {
        const bool shown = frozen.contains(c);
        m_frozen->setColumnHidden(c, !shown);
        if (shown) {
            m_frozen->setColumnWidth(c, columnWidth(c));
            m_frozen->setItemDelegateForColumn(c, itemDelegateForColumn(c));
        }
    }
    for (int k = 0; k < frozen.size(); ++k)
        overlayHeader->moveSection(overlayHeader->visualIndex(frozen[k]), k);
    m_syncing = false;
    m_frozen->verticalHeader()->setDefaultSectionSize(verticalHeader()->defaultSectionSize());
    m_frozen->setTextElideMode(textElideMode());
    overlayHeader->setTextElideMode(h->textElideMode());
    overlayHeader->setSortIndicator(h->sortIndicatorSection(), h->sortIndicatorOrder());
    m_frozen->show();
    placeOverlay();
}

int FrozenTableView::frozenWidth() const
{
    int w = 0;
    for (int c : m_frozenColumns)
        w += columnWidth(c);
    return w;
}

void FrozenTableView::placeOverlay()
{
    if (m_frozen->isHidden())
        return;
    const bool headerShown = !horizontalHeader()->isHidden();
    m_frozen->horizontalHeader()->setVisible(headerShown);
    const int headerHeight = headerShown ? horizontalHeader()->height() : 0;
    m_frozen->horizontalHeader()->setFixedHeight(headerHeight);
    const int x = frameWidth() + (verticalHeader()->isHidden() ? 0 : verticalHeader()->width());
    m_frozen->setGeometry(x, frameWidth(), std::min(frozenWidth(), viewport()->width()),
                          viewport()->height() + headerHeight);
    m_frozen->verticalScrollBar()->setValue(verticalScrollBar()->value());
}

void FrozenTableView::scrollTo(const QModelIndex& index, ScrollHint hint)
{
    QScrollBar* bar = horizontalScrollBar();
    const int before = bar->value();
    QTableView::scrollTo(index, hint);
    if (!index.isValid() || m_frozenColumns.isEmpty())
        return;
    if (m_frozenColumns.contains(index.column())) {
        bar->setValue(before);  // a frozen cell is always in view: only scroll up or down
        return;
    }
    // A cell that would sit under the overlay is scrolled out from under it.
    const int left = visualRect(index).left();
    const int covered = frozenWidth();
    if (left < covered)
        bar->setValue(bar->value() - (covered - left));
}

void FrozenTableView::resizeEvent(QResizeEvent* event)
{
    QTableView::resizeEvent(event);
    placeOverlay();
}

void FrozenTableView::updateGeometries()
{
    QTableView::updateGeometries();
    placeOverlay();
}

} // namespace chorus::ui
