#include "teammode.h"

#include "filterbar.h"
#include "mainwindow.h"
#include "outbox.h"
#include "teampanel.h"
#include "teamroles.h"
#include "workbench.h"

#include <QAction>
#include <QDockWidget>
#include <QInputDialog>
#include <QLabel>
#include <QSettings>
#include <QStatusBar>

namespace chorus::ui {

TeamMode::TeamMode(MainWindow* window) : QObject(window), m_w(window)
{
    model::Workbench* wb = window->workbench();
    m_panel = new TeamPanel(wb, window);
    m_dock = new QDockWidget(tr("Team"), window);
    m_dock->setObjectName(QStringLiteral("teamDock"));
    m_dock->setWidget(m_panel);
    m_panel->setMaximumWidth(340);
    window->addDockWidget(Qt::LeftDockWidgetArea, m_dock);
    if (auto* agg = window->findChild<QDockWidget*>(QStringLiteral("aggregationDock")))
        window->tabifyDockWidget(agg, m_dock);

    m_myQueue = new QAction(tr("My &Queue"), window);
    m_myQueue->setObjectName(QStringLiteral("myQueue"));
    m_myQueue->setCheckable(true);
    m_myQueue->setShortcut(QKeySequence(tr("Ctrl+Shift+Q")));
    m_myQueue->setToolTip(tr("Show only the items you hold claims on, claim more as you go, and give them back "
                             "when you leave (team review)"));
    window->addAction(m_myQueue);
    connect(m_myQueue, &QAction::toggled, this, &TeamMode::setQueueMode);
    m_panel->setQueueAction(m_myQueue);
    m_batch = new QAction(tr("Queue &Batch Size…"), window);
    m_batch->setObjectName(QStringLiteral("queueBatchSize"));
    connect(m_batch, &QAction::triggered, this, &TeamMode::askBatchSize);
    m_queue.setBatchSize(QSettings().value(QStringLiteral("team/batchSize"), 20).toInt());

    m_status = new QLabel(window);
    m_status->setObjectName(QStringLiteral("queueStatus"));
    m_status->setTextFormat(Qt::PlainText);
    m_status->hide();
    window->statusBar()->addPermanentWidget(m_status);

    connect(wb, &model::Workbench::projectChanged, this, &TeamMode::projectChanged);
    connect(wb, &model::Workbench::aboutToCloseProject, this, &TeamMode::projectClosing);
    connect(wb, &model::Workbench::teamDecided, this, [this](const QList<qint64>& ids) {
        m_queue.decided(ids);
        m_panel->scheduleRefresh();
    });
    connect(wb, &model::Workbench::lateDecisions, this, [this](const std::vector<int32_t>& items) {
        const auto& s = m_w->workbench()->snapshot();
        m_w->statusBar()->showMessage(
            tr("%1 already had its reviews: your decision is kept in its history and counted as late.")
                .arg(items.size() == 1 ? s.itemExtIds[items[0]] : tr("%n items", nullptr, static_cast<int>(items.size()))),
            10000);
    });
    connect(&m_queue, &model::TeamQueue::changed, this, &TeamMode::queueChanged);
    connect(&m_queue, &model::TeamQueue::errorOccurred, this,
            [this](const QString& e) { m_w->statusBar()->showMessage(tr("My queue: %1").arg(e), 10000); });
    connect(m_w->filterBar(), &FilterBar::filterChanged, this, &TeamMode::filterChanged);

    // Live updates: others' decisions re-read item by item; counts recounted on a worker.
    connect(&m_live, &model::TeamLive::decisionsArrived, this, [this](const QList<qint64>& ids) {
        m_w->workbench()->refreshItems(ids);
        m_panel->scheduleRefresh();
    });
    connect(&m_live, &model::TeamLive::claimsChanged, m_panel, &TeamPanel::scheduleRefresh);
    connect(&m_live, &model::TeamLive::resynced, this, &TeamMode::fallbackRefresh);
    connect(&m_live, &model::TeamLive::listening, this, [this](bool ok, const QString& error) {
        if (!ok)
            m_w->statusBar()->showMessage(tr("Live updates are not available (%1); the Team panel refreshes every "
                                             "%2 s.")
                                              .arg(error)
                                              .arg(m_fallback.interval() / 1000),
                                          15000);
    });
    m_fallback.setInterval(30000);
    connect(&m_fallback, &QTimer::timeout, this, &TeamMode::fallbackRefresh);

    // Decisions waiting in the journal (the server away): said in the status bar until sent.
    m_outboxStatus = new QLabel(window);
    m_outboxStatus->setObjectName(QStringLiteral("outboxStatus"));
    m_outboxStatus->setTextFormat(Qt::PlainText);
    m_outboxStatus->hide();
    window->statusBar()->addPermanentWidget(m_outboxStatus);
    connect(wb->outbox(), &model::DecisionOutbox::queueChanged, this, &TeamMode::outboxChanged);
    connect(wb->outbox(), &model::DecisionOutbox::delivered, this, [this](const QList<model::FlushResult>& sent) {
        m_w->statusBar()->showMessage(tr("The server is back: %n queued decision(s) sent.", nullptr, static_cast<int>(sent.size())),
                                      8000);
    });
}

void TeamMode::outboxChanged()
{
    const model::DecisionOutbox* o = m_w->workbench()->outbox();
    const auto n = static_cast<int>(o->queued().size());
    if (n == 0) {
        m_outboxStatus->hide();
        return;
    }
    m_outboxStatus->setText(o->isOffline() ? tr("%n decision(s) queued · server unreachable, retrying", nullptr, n)
                                           : tr("%n decision(s) queued", nullptr, n));
    m_outboxStatus->setToolTip(tr("Saved on this computer in %1 and sent when the server answers; nothing is lost if "
                                  "you quit (the next open of this project, or chorus-cli sync, sends them).%2")
                                   .arg(o->journalPath(),
                                        o->lastError().isEmpty() ? QString() : tr("\nLast error: %1").arg(o->lastError())));
    m_outboxStatus->show();
}

TeamMode::~TeamMode()
{
    shutdown();
}

void TeamMode::shutdown()
{
    m_fallback.stop();
    m_live.stop();
    m_queue.stop();
}

void TeamMode::projectChanged()
{
    model::Workbench* wb = m_w->workbench();
    if (wb->hasProject() && &wb->store() == m_openStore) {
        // The same project with a new snapshot (an import, LLM answers): the mode stays; the
        // filter bar forgot the queue's items, which are put back.
        m_shown.clear();
        queueChanged();
        return;
    }
    m_openStore = wb->hasProject() ? &wb->store() : nullptr;
    m_team = wb->hasProject() && model::TeamQueue::teamSettingsInForce(wb->store());
    m_myQueue->setEnabled(m_team);
    m_batch->setEnabled(m_team);
    m_panel->setActive(m_team);
    if (!m_team) {
        const QSignalBlocker block(m_myQueue);
        m_myQueue->setChecked(false);
        wb->setTeamDecisions(false);
        queueChanged();
        return;
    }
    m_fallback.start();
    if (wb->store().isServer()) {
        m_live.start(wb->projectPath());
        try {
            wb->outbox()->start(wb->projectPath());
        } catch (const model::Error& e) {
            // Decisions then go straight to the server, as without a journal.
            m_w->statusBar()->showMessage(tr("No decision journal (%1): decisions are sent directly and fail while "
                                             "the server is away.")
                                              .arg(e.message()),
                                          15000);
        }
    }
    // A reviewer starts in their queue; a manager or adjudicator sees the whole project.
    bool reviewer = false;
    if (wb->store().isServer()) {
        try {
            const auto role = model::currentTeamRole(wb->store());
            reviewer = role && *role == model::TeamRole::Reviewer;
        } catch (const model::Error&) {
        }
    }
    // A blind reviewer is told why columns stay empty: the server hides what the mode hides.
    m_blind = model::TeamSettings::Blind::None;
    if (reviewer) {
        try {
            m_blind = model::teamSettings(wb->store()).blind;
        } catch (const model::Error&) {
        }
    }
    {
        const QSignalBlocker block(m_myQueue);
        m_myQueue->setChecked(reviewer);
    }
    setQueueMode(reviewer);
}

void TeamMode::projectClosing()
{
    // The store is still open: the claims go back on it.
    m_openStore = nullptr;
    m_fallback.stop();
    m_live.stop();
    m_queue.stop();
    m_w->workbench()->outbox()->stop();  // what is queued stays in the journal
    m_w->workbench()->setTeamDecisions(false);
    m_shown.clear();
}

void TeamMode::setQueueMode(bool on)
{
    model::Workbench* wb = m_w->workbench();
    if (on && m_team && wb->hasProject()) {
        if (m_queue.isActive())
            return;
        wb->setTeamDecisions(true);
        m_shown = {-1};  // nothing yet (an empty list would mean every item)
        m_w->filterBar()->setOnlyItems(m_shown, tr("my queue (claiming…)"), true);
        m_queue.start(&wb->store(), wb->pool());
        m_dock->show();
        m_dock->raise();
        return;
    }
    wb->setTeamDecisions(false);
    const int released = m_queue.stop();
    if (!m_shown.empty() && m_w->filterBar()->filter().onlyItems == m_shown) {
        m_shown.clear();
        m_w->filterBar()->setOnlyItems({}, QString());
    }
    m_shown.clear();
    if (released > 0)
        m_w->statusBar()->showMessage(tr("Gave back %n claimed item(s).", nullptr, released), 8000);
}

QString TeamMode::queueText() const
{
    const QDateTime until = m_queue.leaseUntil();
    const QString blind = m_blind == model::TeamSettings::Blind::None ? QString() : tr(" · blind review");
    if (m_queue.claims().isEmpty())
        return (m_queue.isRefilling() ? tr("My queue: claiming…") : tr("My queue: nothing left for you to review")) + blind;
    return tr("My queue: %L1 to do · lease until %2")
               .arg(m_queue.claims().size())
               .arg(QLocale().toString(until.toLocalTime().time(), QStringLiteral("HH:mm")))
        + blind;
}

QString TeamMode::blindText() const
{
    switch (m_blind) {
    case model::TeamSettings::Blind::Reviewers:
        return tr("Blind review: other reviewers' decisions stay hidden until an item has all its reviews (the server "
                  "enforces it).");
    case model::TeamSettings::Blind::All:
        return tr("Blind review: the LLMs' labels, the consensus and other reviewers' decisions stay hidden until an "
                  "item has all its reviews or you have decided it, so those columns are empty (the server enforces "
                  "it).");
    case model::TeamSettings::Blind::None: break;
    }
    return {};
}

void TeamMode::queueChanged()
{
    m_panel->scheduleRefresh();
    if (!m_queue.isActive()) {
        m_status->hide();
        m_panel->setQueueText({});
        return;
    }
    const QString text = queueText();
    m_status->setText(text);
    m_status->setToolTip(blindText());
    m_status->show();
    m_panel->setQueueText(text);
    const model::Snapshot& s = m_w->workbench()->snapshot();
    std::vector<int32_t> shown;
    for (qint64 id : m_queue.shownItems()) {
        const int32_t item = s.itemIndexById.value(id, -1);
        if (item >= 0)
            shown.push_back(item);
    }
    if (shown.empty())
        shown.push_back(-1);
    if (shown == m_shown)
        return;
    m_shown = shown;
    m_w->filterBar()->setOnlyItems(m_shown, tr("my queue (%n item(s))", nullptr, static_cast<int>(m_queue.shownItems().size())),
                                   true);
}

void TeamMode::filterChanged()
{
    // The queue's chip was removed (or replaced by another list): the reviewer left the queue.
    if (m_queue.isActive() && !m_shown.empty() && m_w->filterBar()->filter().onlyItems != m_shown) {
        m_shown.clear();
        m_myQueue->setChecked(false);
    }
}

void TeamMode::askBatchSize()
{
    bool ok = false;
    const int n = QInputDialog::getInt(m_w, tr("My Queue"), tr("Items to hold at a time:"), m_queue.batchSize(), 1, 500, 1, &ok);
    if (!ok)
        return;
    m_queue.setBatchSize(n);
    QSettings().setValue(QStringLiteral("team/batchSize"), n);
    if (m_queue.isActive())
        m_queue.refill();
}

void TeamMode::fallbackRefresh()
{
    model::Workbench* wb = m_w->workbench();
    if (!m_team || !wb->hasProject())
        return;
    if (wb->store().isServer()) {
        try {
            wb->refreshNewDecisions();
        } catch (const model::Error& e) {
            m_w->statusBar()->showMessage(e.message(), 10000);
        }
    }
    m_panel->refresh();
}

} // namespace chorus::ui
