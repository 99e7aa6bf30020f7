#include "mainwindow.h"

#include "outbox.h"

#include "adjudicationpanel.h"
#include "aggregationpanel.h"
#include "dashboard.h"
#include "filterbar.h"
#include "frozentableview.h"
#include "itempanel.h"
#include "labeldelegate.h"
#include "llmdialog.h"
#include "outbox.h"
#include "pageparts.h"
#include "pairwisepage.h"
#include "relabelpanel.h"
#include "serverprojects.h"
#include "teammode.h"
#include "transferdialogs.h"
#include "workbench.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>
#include <QHeaderView>
#include <QInputDialog>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QStatusBar>
#include <QTimer>
#include <QTabWidget>
#include <QToolBar>
#include <QVBoxLayout>

#include <algorithm>

// Resources compiled into the static chorus_ui library are registered only when referenced.
static void initChorusResources()
{
    Q_INIT_RESOURCE(chorus);
}

namespace chorus::ui {

QIcon applicationIcon()
{
    static const bool registered = (initChorusResources(), true);
    Q_UNUSED(registered);
    return QIcon(QStringLiteral(":/icons/chorus.svg"));
}

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), m_wb(new model::Workbench(this))
{
    setWindowIcon(applicationIcon());
    setAcceptDrops(true);
    createPages();
    createDocks();
    m_team = new TeamMode(this);
    m_aggDock->raise();  // the Team dock, tabbed in last, would otherwise be the tab on top
    createStatusBar();
    createActions();
    createMenus();

    connect(m_filter, &FilterBar::filterChanged, this, &MainWindow::applyFilter);
    connect(m_wb, &model::Workbench::projectChanged, this, &MainWindow::projectChanged);
    connect(m_wb, &model::Workbench::errorOccurred, this, &MainWindow::showError);
    // With a filter on the review status (Unreviewed, Flagged), a decided row stays where it is
    // until the reviewer moves to another row, so the next key does not land on a row that
    // jumped; then it goes. The count is always the number of items that match now.
    connect(m_wb, &model::Workbench::decisionsChanged, this, [this] {
        m_panel->refresh();
        if (statusFiltered()) {
            m_refilterOnMove = true;
            updateCounts();
        }
    });
    connect(m_wb, &model::Workbench::consensusChanged, this, [this] { m_panel->refresh(); });
    // Undo/redo show what they changed: the item is selected and the status bar says what.
    connect(m_wb, &model::Workbench::historyStepped, this,
            [this](const std::vector<int32_t>& items, const QString& description) {
                if (statusFiltered())
                    applyFilter();  // an undone item may match the filter again
                if (!items.empty())
                    selectItem(items.front());
                statusBar()->showMessage(description, 8000);
            });
    connect(m_aggPanel, &AggregationPanel::status, this, [this](const QString& s) { statusBar()->showMessage(s, 8000); });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
        m_panel->showItem(currentItem());
        if (m_refilterOnMove) {
            m_refilterOnMove = false;
            // Not inside the selection model's signal: the refilter resets rows.
            QTimer::singleShot(0, this, &MainWindow::applyFilter);
        }
    });
    connect(m_table->horizontalHeader(), &QHeaderView::customContextMenuRequested, this, &MainWindow::columnsMenu);

    connectJobs();
    connect(&m_probeWatcher, &QFutureWatcherBase::finished, this, &MainWindow::backgroundProbeFinished);

    restoreSettings();
    projectChanged();
}

// The three pages: Review (the filter bar over the table), Insights and Pairwise.
void MainWindow::createPages()
{
    m_filter = new FilterBar(this);
    createTable();
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_filter);
    layout->addWidget(m_table, 1);
    m_dashboard = new Dashboard(m_wb, this);
    m_pages = new QTabWidget(this);
    m_pages->setDocumentMode(true);
    m_pages->addTab(central, tr("Review"));
    m_pages->addTab(m_dashboard, tr("Insights"));
    m_pairwise = new PairwisePage(m_wb->pool(), this);
    m_pages->addTab(m_pairwise, tr("Pairwise"));
    setCentralWidget(m_pages);
    connect(m_dashboard, &Dashboard::filterItems, this, [this](const std::vector<int32_t>& items, const QString& what) {
        if (items.empty()) {
            statusBar()->showMessage(tr("No items in %1.").arg(what), 5000);
            return;
        }
        showPage(0);
        m_filter->setOnlyItems(items, tr("%1 (%L2 items)").arg(what).arg(items.size()));
    });
    // A crowd clicked in Insights ▸ Crowd was run and saved: its labels in the review table.
    connect(m_dashboard, &Dashboard::crowdRunShown, this, [this](const QString& what) {
        m_aggPanel->refreshRuns();
        showPage(0);
        statusBar()->showMessage(tr("%1 is the consensus now.").arg(what), 8000);
    });
}

// The job progress, its Cancel and the server role, at the status bar's right.
void MainWindow::createStatusBar()
{
    m_jobProgress = new QProgressBar(this);
    m_jobProgress->setRange(0, 1000);
    m_jobProgress->setMaximumWidth(220);
    m_jobProgress->hide();
    m_jobCancel = new QPushButton(tr("Cancel"), this);
    m_jobCancel->hide();
    m_serverRole = new QLabel(this);
    m_serverRole->setObjectName(QStringLiteral("serverRole"));
    m_serverRole->setTextFormat(Qt::PlainText);
    m_serverRole->hide();
    statusBar()->addPermanentWidget(m_serverRole);
    statusBar()->addPermanentWidget(m_jobProgress);
    statusBar()->addPermanentWidget(m_jobCancel);
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    // A first start fits the screen it opens on (a 1366x768 laptop included); later starts
    // restore where the user left the window.
    QSize size(1400, 850);
    if (const QScreen* screen = QGuiApplication::primaryScreen())
        size = size.boundedTo(screen->availableGeometry().size());
    resize(size);
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    m_showGold->setChecked(settings.value(QStringLiteral("review/showGold"), true).toBool());
    m_freezeColumns->setChecked(settings.value(QStringLiteral("review/freezeColumns"), true).toBool());
    m_autoAdvance->setChecked(settings.value(QStringLiteral("review/autoAdvance"), true).toBool());
    m_wb->setAuthor(settings.value(QStringLiteral("review/author"), m_wb->author()).toString());
}

MainWindow::~MainWindow()
{
    m_team->shutdown();  // claims go back while the project is still open
    m_importWatcher.cancel();
    m_exportWatcher.cancel();
    m_importWatcher.waitForFinished();
    m_exportWatcher.waitForFinished();
    m_wb->shutdown();
}

QDockWidget* MainWindow::addDock(QWidget* panel, const QString& title, const QString& objectName,
                                 Qt::DockWidgetArea area)
{
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(objectName);  // the key of its place in the saved window state
    dock->setWidget(panel);
    addDockWidget(area, dock);
    return dock;
}

void MainWindow::createDocks()
{
    m_panel = new ItemPanel(m_wb, this);
    m_panel->setMinimumWidth(380);
    m_panelDock = addDock(m_panel, tr("Item"), QStringLiteral("itemDock"), Qt::RightDockWidgetArea);
    m_aggPanel = new AggregationPanel(m_wb, this);
    m_aggPanel->setMaximumWidth(300);
    m_aggDock = addDock(m_aggPanel, tr("Aggregation"), QStringLiteral("aggregationDock"), Qt::LeftDockWidgetArea);
    m_relabel = new RelabelPanel(m_wb, this);
    m_relabel->setMaximumWidth(340);
    m_relabelDock = addDock(m_relabel, tr("Relabel queue"), QStringLiteral("relabelDock"), Qt::LeftDockWidgetArea);
    tabifyDockWidget(m_aggDock, m_relabelDock);
    // Team review's adjudication queue: a third tab of the left dock area, hidden until asked
    // for (Review > Adjudication Queue).
    m_adjudication = new AdjudicationPanel(m_wb, this);
    m_adjudicationDock =
        addDock(m_adjudication, tr("Adjudication"), QStringLiteral("adjudicationDock"), Qt::LeftDockWidgetArea);
    tabifyDockWidget(m_relabelDock, m_adjudicationDock);
    m_adjudicationDock->hide();
    connect(m_adjudication, &AdjudicationPanel::showItem, this, [this](int32_t item) {
        showPage(0);
        selectItem(item);
    });
    // The docks are about the review's items: on the Pairwise page they only take its room (at
    // 1366 px its table needed sideways scrolling), so they step aside there and come back.
    connect(m_pages, &QTabWidget::currentChanged, this, &MainWindow::stashDocksFor);
    connect(m_relabel, &RelabelPanel::reviewQueue, this, [this](const std::vector<int32_t>& items) {
        showPage(0);
        m_table->sortByColumn(-1, Qt::AscendingOrder);  // the queue's own order
        m_filter->setOnlyItems(items, tr("relabel queue (%L1 items)").arg(items.size()), true);
    });
    connect(m_relabel, &RelabelPanel::itemActivated, this, [this](int32_t item) {
        showPage(0);
        selectItem(item);
    });
    connect(m_relabel, &RelabelPanel::status, this, [this](const QString& s) { statusBar()->showMessage(s, 10000); });
    connect(m_relabel, &RelabelPanel::labelQueueWithLlm, this, [this] {
        if (!m_wb->hasProject())
            return;
        llmDialog()->setItemSource(2);
        showLlmDialog();
    });
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    // An import is asked about even with quiet errors.
    if (m_importWatcher.isRunning()
        && !stopConfirmed(this, false, tr("Import running"), tr("An import is running. Cancel it and quit?"))) {
        event->ignore();
        return;
    }
    if (m_llmDialog && m_llmDialog->isRunning()) {
        if (!stopConfirmed(this, m_quietErrors, tr("LLM labeling running"),
                           tr("An LLM is labeling items. Stop it and quit? The answers so far are kept."))) {
            event->ignore();
            return;
        }
        m_llmDialog->cancel();
    }
    if (const auto queued = m_wb->outbox()->queued().size(); queued > 0
        && !stopConfirmed(this, m_quietErrors, tr("Decisions not sent yet"),
                          tr("%n decision(s) are not on the server yet (it cannot be reached). They are kept in %1 "
                             "and sent the next time you open this project (or with chorus-cli sync). Quit now?",
                             nullptr, static_cast<int>(queued))
                              .arg(m_wb->outbox()->journalPath()))) {
        event->ignore();
        return;
    }
    saveHeaderState();
    stashDocksFor(0);  // the docks the user had, not the Pairwise page's
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("project/last"),
                      m_wb->hasProject() ? projectSettingsKey(m_wb->projectPath()) : QString());
    m_aggPanel->cancel();
    m_team->shutdown();
    event->accept();
}

void MainWindow::showPage(int page)
{
    m_pages->setCurrentIndex(page);
    if (page == 0)
        m_table->setFocus();
}

void MainWindow::projectChanged()
{
    const bool has = m_wb->hasProject();
    m_filter->setProject(has ? &m_wb->snapshot() : nullptr);
    m_filter->setEnabled(has);
    restoreHeaderState();
    m_table->setColumnHidden(model::ItemTableModel::ColGold, !m_showGold->isChecked());
    applyFilter();
    updateActions();
    updateTitle();
    if (has && m_table->model()->rowCount() > 0) {
        m_table->setCurrentIndex(m_table->model()->index(0, 0));
        m_table->setFocus();
    } else {
        m_panel->showItem(-1);
    }
}

bool MainWindow::statusFiltered() const
{
    const model::ItemFilter& f = m_wb->tableModel()->filter();
    return f.unreviewedOnly || f.flaggedOnly;
}

void MainWindow::updateCounts()
{
    const int total = m_wb->hasProject() ? m_wb->snapshot().numItems() : 0;
    m_filter->setCounts(m_wb->tableModel()->matchingCount(), total);
}

void MainWindow::applyFilter()
{
    m_refilterOnMove = false;
    const int32_t current = currentItem();
    m_wb->tableModel()->setFilter(m_filter->filter());
    updateCounts();
    if (current >= 0 && m_wb->tableModel()->rowOf(current) >= 0)
        selectItem(current);
    else if (m_wb->tableModel()->rowCount() > 0)
        m_table->setCurrentIndex(m_table->model()->index(0, 0));
    else
        m_panel->showItem(-1);
}

void MainWindow::updateActions()
{
    for (QAction* a : m_projectActions)
        a->setEnabled(m_wb->hasProject());
}

void MainWindow::updateTitle()
{
    setWindowTitle(m_wb->hasProject() ? tr("%1 — Chorus").arg(projectTitle(m_wb->projectPath()))
                                      : tr("Chorus"));
}

void MainWindow::showError(const QString& message)
{
    m_lastError = message;
    if (m_quietErrors)
        return;
    QMessageBox box(QMessageBox::Warning, tr("Chorus"), message, QMessageBox::Ok, this);
    box.setTextFormat(Qt::PlainText);  // messages can quote file contents
    box.exec();
}

void MainWindow::stashDocksFor(int page)
{
    constexpr int kPairwisePage = 2;
    if (page == kPairwisePage && m_stashedDocks.isEmpty()) {
        for (QDockWidget* d : {m_panelDock, m_aggDock, m_relabelDock, m_adjudicationDock, m_team->dock()})
            if (d->isVisible() && !d->isFloating()) {
                m_stashedDocks << d;
                d->hide();
            }
    } else if (page != kPairwisePage) {
        for (QDockWidget* d : std::as_const(m_stashedDocks))
            d->show();
        m_stashedDocks.clear();
    }
}

LlmDialog* MainWindow::llmDialog()
{
    if (!m_llmDialog) {
        auto shown = [this] {
            std::vector<int32_t> items;
            const auto* m = m_wb->tableModel();
            for (int r = 0; r < m->rowCount(); ++r)
                items.push_back(m->itemAt(r));
            return items;
        };
        auto queue = [this] { return m_relabel->queue(); };
        m_llmDialog = new LlmDialog(m_wb, shown, queue, this);
        m_llmDialog->setQuiet(m_quietErrors);
        connect(m_llmDialog, &LlmDialog::runFinished, this, [this](qint64 stored) {
            if (stored <= 0 || !m_wb->hasProject())
                return;
            // New annotations: reload the snapshot on a worker; decisions and undo stay.
            connect(&m_reloadWatcher, &QFutureWatcherBase::finished, this, [this] {
                disconnect(&m_reloadWatcher, &QFutureWatcherBase::finished, this, nullptr);
                if (m_reloadWatcher.future().resultCount() == 0)
                    return;
                auto r = m_reloadWatcher.result();
                if (!r.ok()) {
                    showError(r.error);
                    return;
                }
                m_wb->setSnapshot(std::move(r.value));
                statusBar()->showMessage(tr("LLM answers added to the review table."), 8000);
            });
            m_reloadWatcher.setFuture(model::loadSnapshotAsync(m_wb->pool(), m_wb->projectPath()));
        });
    }
    return m_llmDialog;
}

void MainWindow::showLlmDialog()
{
    if (!m_wb->hasProject())
        return;
    LlmDialog* d = llmDialog();
    d->show();
    d->raise();
    d->activateWindow();
}

} // namespace chorus::ui
