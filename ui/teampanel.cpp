#include "teampanel.h"

#include "pageparts.h"
#include "teamjobs.h"
#include "workbench.h"

#include <QAction>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace chorus::ui {

namespace {

QTableWidgetItem* cell(const QString& text, bool number)
{
    QTableWidgetItem* it = tableCell(text, number);
    it->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    return it;
}

} // namespace

TeamPanel::TeamPanel(model::Workbench* workbench, QWidget* parent) : QWidget(parent), m_wb(workbench)
{
    m_summary = plainTextLabel(this);
    m_summary->setObjectName(QStringLiteral("teamSummary"));
    m_bar = new QProgressBar(this);
    m_bar->setObjectName(QStringLiteral("teamComplete"));
    m_bar->setFormat(tr("%p% complete"));
    m_queueButton = new QToolButton(this);
    m_queueButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_queueButton->hide();
    m_queueText = plainTextLabel(this);
    m_queueText->setObjectName(QStringLiteral("teamQueueText"));
    m_table = readOnlyTable(this);
    m_table->setColumnCount(ColumnCount);
    m_table->setObjectName(QStringLiteral("teamTable"));
    m_table->setHorizontalHeaderLabels({tr("Reviewer"), tr("Today"), tr("Decided"), tr("In queue")});
    m_table->horizontalHeaderItem(ColToday)->setToolTip(tr("Items first decided today (UTC)"));
    m_table->horizontalHeaderItem(ColQueue)->setToolTip(tr("Live claims: items the reviewer holds now"));
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    m_table->setFocusPolicy(Qt::NoFocus);  // the review keys stay with the review table
    m_table->horizontalHeader()->setSectionResizeMode(ColReviewer, QHeaderView::Stretch);
    for (int c = ColToday; c < ColumnCount; ++c)
        m_table->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_bar);
    layout->addWidget(m_queueButton);
    layout->addWidget(m_queueText);
    layout->addWidget(m_table, 1);

    m_debounce.setSingleShot(true);
    m_debounce.setInterval(250);
    connect(&m_debounce, &QTimer::timeout, this, &TeamPanel::refresh);
    connect(&m_watcher, &QFutureWatcherBase::finished, this, &TeamPanel::countFinished);
    setActive(false);
}

void TeamPanel::setQueueAction(QAction* action)
{
    m_queueButton->setDefaultAction(action);
    m_queueButton->show();
}

void TeamPanel::setQueueText(const QString& text)
{
    m_queueText->setText(text);
    m_queueText->setVisible(!text.isEmpty());
}

void TeamPanel::setActive(bool active)
{
    m_active = active;
    m_debounce.stop();
    m_bar->setVisible(active);
    m_table->setVisible(active);
    if (!active) {
        m_progress = {};
        m_table->setRowCount(0);
        m_summary->setText(tr("Team review needs a server project, or a project file with team settings "
                              "(chorus-cli team settings; docs/team.md)."));
        setQueueText({});
        return;
    }
    m_me = model::reviewerName(m_wb->store());
    m_summary->setText(tr("Counting…"));
    refresh();
}

void TeamPanel::scheduleRefresh()
{
    if (!m_active || m_debounce.isActive())
        return;
    // A burst is counted once, 0.25 s after it began, and counts start at most once a second:
    // while a team works, every decision and renewal notifies every window.
    const qint64 sinceLast = m_lastCount.isValid() ? m_lastCount.elapsed() : 1000;
    m_debounce.start(static_cast<int>(std::max<qint64>(250, 1000 - sinceLast)));
}

void TeamPanel::refresh()
{
    if (!m_active || !m_wb->hasProject())
        return;
    if (m_watcher.isRunning()) {
        m_again = true;
        return;
    }
    m_again = false;
    m_lastCount.start();
    m_watcher.setFuture(model::teamProgressAsync(m_wb->pool(), m_wb->projectPath()));
}

void TeamPanel::countFinished()
{
    if (m_watcher.future().resultCount() == 0)
        return;
    const auto r = m_watcher.result();
    if (m_again) {
        refresh();  // this count may predate the change that asked for another
        return;
    }
    if (!m_active)
        return;
    if (!r.ok()) {
        m_summary->setText(tr("The team's progress could not be read: %1").arg(r.error));
        emit refreshed(r.error.isEmpty() ? tr("canceled") : r.error);
        return;
    }
    showProgress(r.value);
    emit refreshed({});
}

void TeamPanel::showProgress(const model::TeamProgress& p)
{
    m_progress = p;
    m_summary->setText(tr("%L1 of %L2 items complete · %L3 in adjudication · %L4 remaining")
                           .arg(p.complete)
                           .arg(p.items)
                           .arg(p.inAdjudication)
                           .arg(p.remaining));
    m_bar->setRange(0, static_cast<int>(std::max<qint64>(1, p.items)));
    m_bar->setValue(static_cast<int>(p.complete));
    m_table->setRowCount(static_cast<int>(p.reviewers.size()));
    for (int r = 0; r < p.reviewers.size(); ++r) {
        const model::ReviewerProgress& rp = p.reviewers[r];
        // Logins are the server's names, shown as plain text.
        QTableWidgetItem* name = cell(rp.reviewer == m_me ? tr("%1 (you)").arg(rp.reviewer) : rp.reviewer, false);
        QFont f = name->font();
        f.setBold(rp.reviewer == m_me);
        name->setFont(f);
        name->setData(Qt::UserRole, rp.reviewer);
        m_table->setItem(r, ColReviewer, name);
        m_table->setItem(r, ColToday, cell(QLocale().toString(rp.decidedToday), true));
        m_table->setItem(r, ColDecided, cell(QLocale().toString(rp.decided), true));
        m_table->setItem(r, ColQueue, cell(QLocale().toString(rp.claimed), true));
    }
}

} // namespace chorus::ui
