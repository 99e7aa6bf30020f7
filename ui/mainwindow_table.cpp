// MainWindow's review table: its columns, their remembered layout, and the frozen Id and
// Consensus columns.

#include "mainwindow.h"

#include "labeldelegate.h"
#include "serverprojects.h"
#include "workbench.h"

#include <QAction>
#include <QFileInfo>
#include <QHeaderView>
#include <QSettings>
#include <QStyledItemDelegate>

#include <algorithm>

namespace chorus::ui {

void MainWindow::createTable()
{
    m_table = new FrozenTableView(this);
    m_table->setModel(m_wb->tableModel());
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(-1, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideRight);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 10);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionsMovable(true);
    m_table->horizontalHeader()->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->horizontalHeader()->setDefaultSectionSize(110);
    // Model names are longer than a label column: elide them in the middle so that both the
    // family and the size/version stay readable ("claude…sonnet", "llama…70b"); the header's
    // tooltip has the whole name.
    m_table->horizontalHeader()->setTextElideMode(Qt::ElideMiddle);
    m_table->setItemDelegate(new LabelDelegate(m_table));
    m_table->setItemDelegateForColumn(model::ItemTableModel::ColStatus, new StatusDelegate(m_table));
    for (int c = 0; c < model::ItemTableModel::FixedColumnCount; ++c)
        if (c != model::ItemTableModel::ColConsensus && c != model::ItemTableModel::ColHuman
            && c != model::ItemTableModel::ColStatus)
            m_table->setItemDelegateForColumn(c, new QStyledItemDelegate(m_table));
}

void MainWindow::saveHeaderState()
{
    if (m_wb->hasProject())
        QSettings().setValue(QStringLiteral("columns/") + projectSettingsKey(m_wb->projectPath()),
                             m_table->horizontalHeader()->saveState());
}

void MainWindow::restoreHeaderState()
{
    const QByteArray state = m_wb->hasProject()
        ? QSettings().value(QStringLiteral("columns/") + projectSettingsKey(m_wb->projectPath())).toByteArray()
        : QByteArray();
    if (state.isEmpty() || !m_table->horizontalHeader()->restoreState(state)) {
        using M = model::ItemTableModel;
        m_table->setColumnWidth(M::ColId, idColumnWidth());
        m_table->setColumnWidth(M::ColText, 320);
        for (int c : {M::ColConfidence, M::ColEntropy, M::ColDistinct})
            m_table->setColumnWidth(c, 72);
        m_table->setColumnWidth(M::ColStatus, 90);
        m_table->setColumnHidden(M::ColMethod, true);
        // Annotator labels right after the text: they are what a reviewer reads first.
        QHeaderView* h = m_table->horizontalHeader();
        for (int c = M::FixedColumnCount; c < m_wb->tableModel()->columnCount(); ++c) {
            h->moveSection(h->visualIndex(c), M::ColText + 1 + (c - M::FixedColumnCount));
            // Wide enough for the model's name (with the header's margins), within limits.
            const QString name = m_wb->tableModel()->headerData(c, Qt::Horizontal).toString();
            m_table->setColumnWidth(c, std::clamp(h->fontMetrics().horizontalAdvance(name) + 32, 110, 180));
        }
    }
    if (m_freezeColumns->isChecked())
        freezeIdAndConsensus();
}

int MainWindow::idColumnWidth() const
{
    // Wide enough for the ids of the first rows (ids of one dataset share a shape), within
    // limits: the Id column stays frozen on screen, so it must not take half of it.
    const auto& ids = m_wb->snapshot().itemExtIds;
    const QFontMetrics fm = m_table->fontMetrics();
    int widest = 0;
    for (qsizetype i = 0; i < std::min<qsizetype>(ids.size(), 2000); ++i)
        widest = std::max(widest, fm.horizontalAdvance(ids[i]));
    return std::clamp(widest + 16, 60, 200);
}

void MainWindow::freezeIdAndConsensus()
{
    // Id, then the consensus, lead the table and stay in place while the annotators' columns
    // scroll sideways (issue #18).
    using M = model::ItemTableModel;
    m_table->setFrozenCandidates({M::ColId, M::ColConsensus}, true);
}

} // namespace chorus::ui
