#include "adjudicationpanel.h"

#include "pageparts.h"
#include "teamjobs.h"
#include "workbench.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QPushButton>
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>

namespace chorus::ui {

AdjudicationPanel::AdjudicationPanel(model::Workbench* workbench, QWidget* parent)
    : QWidget(parent), m_wb(workbench)
{
    m_showDone = new QCheckBox(tr("Show adjudicated"), this);
    m_showDone->setToolTip(tr("List the items already adjudicated too, with their final label"));
    auto* refreshButton = new QPushButton(tr("Refresh"), this);
    m_status = plainTextLabel(this);
    m_model = new QStandardItemModel(0, ColumnCount, this);
    m_model->setHorizontalHeaderLabels(
        {tr("Item"), tr("Reviewers"), tr("Consensus"), tr("Final"), tr("LLMs"), tr("Why")});
    m_table = new QTableView(this);
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->installEventFilter(this);
    auto* top = new QHBoxLayout;
    top->addWidget(m_showDone);
    top->addStretch(1);
    top->addWidget(refreshButton);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(top);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_status);

    m_debounce.setSingleShot(true);
    m_debounce.setInterval(500);
    connect(&m_debounce, &QTimer::timeout, this, &AdjudicationPanel::refresh);
    connect(refreshButton, &QPushButton::clicked, this, &AdjudicationPanel::refresh);
    connect(m_showDone, &QCheckBox::toggled, this, &AdjudicationPanel::refresh);
    // Connect before setFuture() (house style).
    connect(&m_watcher, &QFutureWatcherBase::finished, this, &AdjudicationPanel::readFinished);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& now) {
        if (!now.isValid() || now.row() >= m_cases.size())
            return;
        const int32_t item = m_wb->snapshot().itemIndexById.value(m_cases[now.row()].itemId, -1);
        if (item >= 0)
            emit showItem(item);
    });
    connect(m_wb, &model::Workbench::projectChanged, this, &AdjudicationPanel::scheduleRefresh);
    connect(m_wb, &model::Workbench::decisionsChanged, this, &AdjudicationPanel::scheduleRefresh);
    connect(m_wb, &model::Workbench::consensusChanged, this, &AdjudicationPanel::scheduleRefresh);
}

void AdjudicationPanel::scheduleRefresh()
{
    // A hidden queue is read when it is shown, not on every decision of the review table.
    if (!isVisible()) {
        m_stale = true;
        return;
    }
    m_debounce.start();
}

void AdjudicationPanel::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (m_stale) {
        m_stale = false;
        m_debounce.start();
    }
}

void AdjudicationPanel::refresh()
{
    m_debounce.stop();
    if (!m_wb->hasProject()) {
        m_cases.clear();
        showCases();
        m_status->setText(tr("No project"));
        return;
    }
    if (m_watcher.isRunning()) {
        m_again = true;
        return;
    }
    m_status->setText(tr("Reading the adjudication queue…"));
    m_watcher.setFuture(model::adjudicationQueueAsync(m_wb->pool(), m_wb->projectPath(), m_showDone->isChecked()));
}

void AdjudicationPanel::readFinished()
{
    const auto r = m_watcher.result();
    if (m_again) {
        m_again = false;
        refresh();
        return;
    }
    if (!r.ok()) {
        m_status->setText(r.error);
        emit refreshed(r.error);
        return;
    }
    m_cases = r.value;
    showCases();
    emit refreshed({});
}

void AdjudicationPanel::showCases()
{
    const qint64 keep = m_table->currentIndex().isValid() && m_table->currentIndex().row() < m_cases.size()
                            ? m_cases[m_table->currentIndex().row()].itemId
                            : 0;
    m_model->setRowCount(0);
    m_model->setRowCount(static_cast<int>(m_cases.size()));
    int open = 0, select = -1;
    for (int row = 0; row < m_cases.size(); ++row) {
        fillRow(row, m_cases[row]);
        open += m_cases[row].adjudicatedLabel.isEmpty();
        if (m_cases[row].itemId == keep)
            select = row;
    }
    m_table->resizeColumnsToContents();
    if (select >= 0)
        m_table->selectRow(select);
    QStringList keys;
    const QStringList& labels = m_wb->snapshot().labels;
    for (int k = 0; k < labels.size() && k < 9; ++k)
        keys << QStringLiteral("%1 %2").arg(k + 1).arg(labels[k]);
    m_status->setText(tr("%n item(s) to adjudicate", nullptr, open)
                      + (keys.isEmpty() ? QString() : tr(" · keys: %1").arg(keys.join(QStringLiteral("  ")))));
}

void AdjudicationPanel::fillRow(int row, const model::AdjudicationCase& c)
{
    QStringList reviews;
    for (const model::ReviewerLabel& r : c.reviews)
        reviews << QStringLiteral("%1: %2").arg(r.name.isEmpty() ? r.reviewer : r.name,
                                               r.status == model::ReviewStatus::Flagged ? tr("flagged")
                                               : r.label.isEmpty()                     ? QStringLiteral("-")
                                                                                       : r.label);
    QStringList llms;
    for (const auto& [annotator, label] : c.llmLabels)
        llms << QStringLiteral("%1: %2").arg(annotator, label);
    const QString consensus = c.consensus.isEmpty()
                                  ? QStringLiteral("-")
                                  : QStringLiteral("%1 (%2 %3)").arg(c.consensus, c.consensusMethod).arg(c.confidence, 0, 'f', 2);
    QString cells[ColumnCount];
    cells[ColItem] = c.extId;
    cells[ColReviews] = reviews.join(QStringLiteral(" · "));
    cells[ColConsensus] = consensus;
    cells[ColFinal] = c.adjudicatedLabel;
    cells[ColLlms] = llms.join(QStringLiteral(" · "));
    cells[ColReason] = c.reason;
    for (int col = 0; col < ColumnCount; ++col) {
        // QStandardItem shows its text as plain text; dataset text is untrusted.
        auto* cell = new QStandardItem(cells[col]);
        cell->setToolTip(col == ColItem ? c.text : cells[col]);
        m_model->setItem(row, col, cell);
    }
}

bool AdjudicationPanel::adjudicateSelected(int32_t label)
{
    const int row = m_table->currentIndex().row();
    if (row < 0 || row >= m_cases.size()) {
        m_status->setText(tr("Select an item of the queue first"));
        return false;
    }
    if (label < 0 || label >= m_wb->snapshot().numLabels())
        return false;
    const int32_t item = m_wb->snapshot().itemIndexById.value(m_cases[row].itemId, -1);
    if (item < 0 || !m_wb->adjudicate(item, label))
        return false;
    m_cases[row].adjudicatedLabel = m_wb->snapshot().labels[label];
    fillRow(row, m_cases[row]);
    if (row + 1 < m_cases.size())
        m_table->selectRow(row + 1);
    m_status->setText(tr("%1: final label %2 (saved)").arg(m_cases[row].extId, m_wb->snapshot().labels[label]));
    return true;
}

bool AdjudicationPanel::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_table && event->type() == QEvent::KeyPress) {
        const auto* key = static_cast<QKeyEvent*>(event);
        if (key->key() >= Qt::Key_1 && key->key() <= Qt::Key_9 && !(key->modifiers() & ~Qt::KeypadModifier)) {
            adjudicateSelected(key->key() - Qt::Key_1);
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace chorus::ui
