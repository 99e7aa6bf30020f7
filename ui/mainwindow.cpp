#include "mainwindow.h"

#include "aggregationpanel.h"
#include "dashboard.h"
#include "filterbar.h"
#include "frozentableview.h"
#include "itempanel.h"
#include "labeldelegate.h"
#include "llmdialog.h"
#include "pairwisepage.h"
#include "relabelpanel.h"

#include <QGuiApplication>
#include <QScreen>
#include "transferdialogs.h"
#include "workbench.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QDir>
#include <QFileInfo>
#include <QHeaderView>
#include <QInputDialog>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
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

namespace {
constexpr int kMaxRecent = 8;
const char* const kProjectFilter = QT_TRANSLATE_NOOP("MainWindow", "Chorus projects (*.chorus)");
const char* const kDataFilter = QT_TRANSLATE_NOOP(
    "MainWindow", "Data files (*.jsonl *.json *.ndjson *.csv *.tsv *.txt);;All files (*)");
} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), m_wb(new model::Workbench(this))
{
    setWindowIcon(applicationIcon());
    setAcceptDrops(true);
    m_filter = new FilterBar(this);
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

    m_panel = new ItemPanel(m_wb, this);
    m_panelDock = new QDockWidget(tr("Item"), this);
    m_panelDock->setObjectName(QStringLiteral("itemDock"));
    m_panelDock->setWidget(m_panel);
    m_panel->setMinimumWidth(380);
    addDockWidget(Qt::RightDockWidgetArea, m_panelDock);
    m_aggPanel = new AggregationPanel(m_wb, this);
    m_aggDock = new QDockWidget(tr("Aggregation"), this);
    m_aggDock->setObjectName(QStringLiteral("aggregationDock"));
    m_aggDock->setWidget(m_aggPanel);
    m_aggPanel->setMaximumWidth(300);
    addDockWidget(Qt::LeftDockWidgetArea, m_aggDock);
    m_relabel = new RelabelPanel(m_wb, this);
    m_relabel->setMaximumWidth(340);
    m_relabelDock = new QDockWidget(tr("Relabel queue"), this);
    m_relabelDock->setObjectName(QStringLiteral("relabelDock"));
    m_relabelDock->setWidget(m_relabel);
    addDockWidget(Qt::LeftDockWidgetArea, m_relabelDock);
    tabifyDockWidget(m_aggDock, m_relabelDock);
    m_aggDock->raise();
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

    m_jobProgress = new QProgressBar(this);
    m_jobProgress->setRange(0, 1000);
    m_jobProgress->setMaximumWidth(220);
    m_jobProgress->hide();
    m_jobCancel = new QPushButton(tr("Cancel"), this);
    m_jobCancel->hide();
    statusBar()->addPermanentWidget(m_jobProgress);
    statusBar()->addPermanentWidget(m_jobCancel);

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

    // Connect before setFuture() (house style).
    for (auto* w : {static_cast<QFutureWatcherBase*>(&m_importWatcher), static_cast<QFutureWatcherBase*>(&m_exportWatcher)})
        connect(w, &QFutureWatcherBase::progressValueChanged, m_jobProgress, &QProgressBar::setValue);
    connect(m_jobCancel, &QPushButton::clicked, this, [this] {
        m_importWatcher.cancel();
        m_exportWatcher.cancel();
    });
    connect(&m_importWatcher, &QFutureWatcherBase::finished, this, [this] {
        endJob();
        if (m_importWatcher.future().resultCount() == 0) {
            emit importFinished(false);
            return;
        }
        const auto r = m_importWatcher.result();
        if (r.canceled) {
            statusBar()->showMessage(tr("Import canceled; the project is unchanged."), 8000);
            emit importFinished(false);
            return;
        }
        if (!r.error.isEmpty()) {
            showError(tr("Import failed; the project is unchanged.\n\n%1").arg(r.error));
            emit importFinished(false);
            return;
        }
        QString msg = tr("Imported %L1 annotations (%L2 new items, %L3 gold) in %4 s.")
                          .arg(r.value.annotations)
                          .arg(r.value.itemsAdded)
                          .arg(r.value.gold)
                          .arg(r.value.seconds, 0, 'f', 2);
        if (r.value.invalid > 0)
            msg += tr(" %L1 labels could not be mapped and are stored as INVALID.").arg(r.value.invalid);
        for (const QString& ignored : r.value.ignored)
            msg += tr(" Ignored: %1.").arg(ignored);
        const QString path = m_wb->projectPath();
        openProject(path);
        statusBar()->showMessage(msg, 15000);
        emit importFinished(true);
    });
    connect(&m_exportWatcher, &QFutureWatcherBase::finished, this, [this] {
        endJob();
        if (m_exportWatcher.future().resultCount() == 0)
            return;
        const auto r = m_exportWatcher.result();
        if (r.canceled)
            statusBar()->showMessage(tr("Export canceled; no file was written."), 8000);
        else if (!r.error.isEmpty())
            showError(tr("Export failed; no file was written.\n\n%1").arg(r.error));
        else
            statusBar()->showMessage(tr("Exported %L1 items (%L2 filtered out); consensus from %3.")
                                         .arg(r.value.items)
                                         .arg(r.value.skipped)
                                         .arg(r.value.consensus),
                                     10000);
    });

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
    projectChanged();
}

MainWindow::~MainWindow()
{
    m_importWatcher.cancel();
    m_exportWatcher.cancel();
    m_importWatcher.waitForFinished();
    m_exportWatcher.waitForFinished();
    m_wb->shutdown();
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (m_importWatcher.isRunning()
        && QMessageBox::question(this, tr("Import running"), tr("An import is running. Cancel it and quit?"))
            != QMessageBox::Yes) {
        event->ignore();
        return;
    }
    if (m_llmDialog && m_llmDialog->isRunning()) {
        if (!m_quietErrors
            && QMessageBox::question(this, tr("LLM labeling running"),
                                     tr("An LLM is labeling items. Stop it and quit? The answers so far are kept."))
                   != QMessageBox::Yes) {
            event->ignore();
            return;
        }
        m_llmDialog->cancel();
    }
    saveHeaderState();
    stashDocksFor(0);  // the docks the user had, not the Pairwise page's
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("project/last"), m_wb->projectPath());
    m_aggPanel->cancel();
    event->accept();
}

QList<QKeySequence> mergedShortcuts(QList<QKeySequence> platform, const QList<QKeySequence>& extra)
{
    QList<QKeySequence> out;
    for (const QKeySequence& k : platform + extra)
        if (!k.isEmpty() && !out.contains(k))
            out << k;
    return out;
}

void MainWindow::createActions()
{
    // Review actions only fire while the table (or the window's children) has focus, so typing
    // in the search box never sets a label.
    auto review = [this](const QString& text, const QList<QKeySequence>& keys, auto slot) {
        auto* a = new QAction(text, this);
        a->setShortcuts(keys);
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        connect(a, &QAction::triggered, this, slot);
        m_table->addAction(a);
        m_projectActions << a;
        return a;
    };
    for (int l = 0; l < 9; ++l) {
        auto* a = review(tr("Label %1").arg(l + 1), {QKeySequence(Qt::Key_1 + l)}, [this, l] { labelKey(l); });
        a->setObjectName(QStringLiteral("label%1").arg(l + 1));
    }
    review(tr("Pick label…"), {QKeySequence(Qt::Key_0), QKeySequence(Qt::Key_L)}, &MainWindow::pickLabel)
        ->setObjectName(QStringLiteral("pickLabel"));
    review(tr("Accept consensus"), {QKeySequence(Qt::Key_Return), QKeySequence(Qt::Key_Enter)}, &MainWindow::acceptConsensus)
        ->setObjectName(QStringLiteral("accept"));
    review(tr("Flag / unflag"), {QKeySequence(Qt::Key_F)}, &MainWindow::toggleFlag)->setObjectName(QStringLiteral("flag"));
    review(tr("Note…"), {QKeySequence(Qt::Key_N)}, &MainWindow::editNote)->setObjectName(QStringLiteral("note"));
    review(tr("Clear decision"), {QKeySequence(Qt::Key_Delete)}, &MainWindow::clearDecision)
        ->setObjectName(QStringLiteral("clear"));
    review(tr("Undo last decision"), {QKeySequence(Qt::Key_Backspace)}, [this] { m_wb->undoStack()->undo(); })
        ->setObjectName(QStringLiteral("undoKey"));
    review(tr("Next item"), {QKeySequence(Qt::Key_J)}, [this] { move(1); })->setObjectName(QStringLiteral("next"));
    review(tr("Previous item"), {QKeySequence(Qt::Key_K)}, [this] { move(-1); })->setObjectName(QStringLiteral("previous"));
    review(tr("Next unreviewed item"), {QKeySequence(Qt::Key_U)}, &MainWindow::nextUnreviewed)
        ->setObjectName(QStringLiteral("nextUnreviewed"));
    review(tr("Accept consensus for unanimous items in selection"), {QKeySequence(tr("Ctrl+Shift+A"))},
           &MainWindow::acceptUnanimousInSelection)
        ->setObjectName(QStringLiteral("acceptUnanimous"));

    m_showGold = new QAction(tr("Show &gold labels"), this);
    m_showGold->setCheckable(true);
    m_showGold->setShortcut(QKeySequence(tr("Ctrl+G")));
    connect(m_showGold, &QAction::toggled, this, [this](bool on) {
        m_table->setColumnHidden(model::ItemTableModel::ColGold, !on);
        m_panel->setGoldVisible(on);
        QSettings().setValue(QStringLiteral("review/showGold"), on);
    });
    m_freezeColumns = new QAction(tr("&Freeze Id and Consensus Columns"), this);
    m_freezeColumns->setCheckable(true);
    m_freezeColumns->setObjectName(QStringLiteral("freezeColumns"));
    m_freezeColumns->setToolTip(tr("Keep the Id and Consensus columns in place while the annotators scroll sideways"));
    connect(m_freezeColumns, &QAction::toggled, this, [this](bool on) {
        m_table->setFreezingEnabled(on);
        if (on)
            freezeIdAndConsensus();
        QSettings().setValue(QStringLiteral("review/freezeColumns"), on);
    });
    m_autoAdvance = new QAction(tr("&Advance after a decision"), this);
    m_autoAdvance->setCheckable(true);
    connect(m_autoAdvance, &QAction::toggled, this,
            [](bool on) { QSettings().setValue(QStringLiteral("review/autoAdvance"), on); });
}

void MainWindow::createMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&New Project…"), QKeySequence::New, this, &MainWindow::newProject);
    file->addAction(tr("&Open Project…"), QKeySequence::Open, this, &MainWindow::openDialog);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    rebuildRecentMenu();
    file->addAction(tr("Open &Pairwise Judgments…"), this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Open pairwise judgments"), QString(),
                                                       tr("Judgments (*.csv *.jsonl *.json);;All files (*)"));
        if (!f.isEmpty()) {
            showPage(2);
            m_pairwise->openFile(f);
        }
    });
    file->addSeparator();
    m_projectActions << file->addAction(tr("&Import Data…"), QKeySequence(tr("Ctrl+I")), this, &MainWindow::importDialog);
    m_projectActions << file->addAction(tr("&Export…"), QKeySequence(tr("Ctrl+E")), this, &MainWindow::exportDialog);
    file->addSeparator();
    m_projectActions << file->addAction(tr("&Close Project"), QKeySequence::Close, this, [this] {
        saveHeaderState();
        m_wb->closeProject();
    });
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* undo = m_wb->undoStack()->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction* redo = m_wb->undoStack()->createRedoAction(this, tr("&Redo"));
    // The platform's Redo keys plus both common spellings, each once: a key listed twice is an
    // "ambiguous shortcut" and then does nothing.
    redo->setShortcuts(mergedShortcuts(QKeySequence::keyBindings(QKeySequence::Redo),
                                       {QKeySequence(tr("Ctrl+Shift+Z")), QKeySequence(tr("Ctrl+Y"))}));
    edit->addAction(undo);
    edit->addAction(redo);
    edit->addSeparator();
    edit->addAction(tr("&Find…"), QKeySequence::Find, m_filter, &FilterBar::focusSearch);
    edit->addAction(tr("Clear &Filters"), QKeySequence(tr("Ctrl+Shift+F")), m_filter, &FilterBar::clear);
    edit->addSeparator();
    edit->addAction(tr("&Preferences…"), QKeySequence::Preferences, this, &MainWindow::preferences);

    QMenu* reviewMenu = menuBar()->addMenu(tr("&Review"));
    for (QAction* a : m_table->actions())
        reviewMenu->addAction(a);
    reviewMenu->addSeparator();
    reviewMenu->addAction(m_autoAdvance);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(tr("&Review"), QKeySequence(tr("Ctrl+1")), this, [this] { showPage(0); });
    view->addAction(tr("&Insights"), QKeySequence(tr("Ctrl+2")), this, [this] { showPage(1); });
    view->addAction(tr("&Pairwise"), QKeySequence(tr("Ctrl+3")), this, [this] { showPage(2); });
    view->addSeparator();
    view->addAction(m_showGold);
    view->addAction(m_freezeColumns);
    m_columnsMenu = view->addMenu(tr("&Columns"));
    connect(m_columnsMenu, &QMenu::aboutToShow, this, [this] {
        m_columnsMenu->clear();
        auto* model = m_wb->tableModel();
        for (int c = 0; c < model->columnCount(); ++c) {
            QAction* a = m_columnsMenu->addAction(model->headerData(c, Qt::Horizontal).toString());
            a->setCheckable(true);
            a->setChecked(!m_table->isColumnHidden(c));
            connect(a, &QAction::toggled, this, [this, c](bool on) {
                m_table->setColumnHidden(c, !on);
                m_table->updateFrozen();
            });
        }
    });
    view->addSeparator();
    view->addAction(m_panelDock->toggleViewAction());
    view->addAction(m_aggDock->toggleViewAction());
    view->addAction(m_relabelDock->toggleViewAction());

    QMenu* aggMenu = menuBar()->addMenu(tr("&Aggregation"));
    m_projectActions << aggMenu->addAction(tr("&Run"), QKeySequence(tr("Ctrl+R")), m_aggPanel, &AggregationPanel::run);
    aggMenu->addAction(tr("&Cancel Run"), QKeySequence(tr("Ctrl+.")), m_aggPanel, &AggregationPanel::cancel);

    QMenu* llmMenu = menuBar()->addMenu(tr("&LLM"));
    m_projectActions << llmMenu->addAction(tr("&Label with an LLM…"), QKeySequence(tr("Ctrl+L")), this,
                                           &MainWindow::showLlmDialog);
    llmMenu->addAction(tr("LLM &Runs and Order Bias"), this, [this] {
        showPage(1);
        m_dashboard->tabs()->setCurrentIndex(Dashboard::TabLlm);
    });

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Keyboard Shortcuts"), QKeySequence::HelpContents, this, &MainWindow::showShortcuts);
    help->addAction(tr("&About Chorus"), this, [this] {
        QMessageBox::about(this, tr("About Chorus"),
                           tr("Chorus %1\nReview, aggregate and curate labels from a crowd of LLMs and humans.")
                               .arg(QApplication::applicationVersion()));
    });
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
    setWindowTitle(m_wb->hasProject() ? tr("%1 — Chorus").arg(QFileInfo(m_wb->projectPath()).fileName())
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

bool MainWindow::openProject(const QString& path)
{
    saveHeaderState();
    try {
        QApplication::setOverrideCursor(Qt::WaitCursor);
        m_wb->openProject(path);
        QApplication::restoreOverrideCursor();
    } catch (const model::Error& e) {
        QApplication::restoreOverrideCursor();
        showError(e.message());
        return false;
    }
    addRecent(path);
    QSettings().setValue(QStringLiteral("project/last"), path);
    statusBar()->showMessage(tr("Opened %1: %L2 items, %L3 annotators, %L4 annotations; consensus: %5")
                                 .arg(QFileInfo(path).fileName())
                                 .arg(m_wb->snapshot().numItems())
                                 .arg(m_wb->snapshot().annotators.size())
                                 .arg(m_wb->snapshot().matrix.numAnnotations())
                                 .arg(m_wb->consensus().summary.id > 0
                                          ? tr("run #%1 (%2)").arg(m_wb->consensus().summary.id).arg(m_wb->consensus().summary.method)
                                          : tr("majority vote")),
                             10000);
    return true;
}

void MainWindow::newProject()
{
    QString path = QFileDialog::getSaveFileName(this, tr("New Project"), QString(), tr(kProjectFilter));
    if (path.isEmpty())
        return;
    if (!path.endsWith(QLatin1String(".chorus")))
        path += QLatin1String(".chorus");
    try {
        QFile::remove(path);  // the dialog confirmed overwriting
        model::ProjectStore store;
        store.open(path, model::ProjectStore::Mode::CreateNew);
    } catch (const model::Error& e) {
        showError(e.message());
        return;
    }
    openProject(path);
}

void MainWindow::openDialog()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Project"), QString(), tr(kProjectFilter));
    if (!path.isEmpty())
        openProject(path);
}

void MainWindow::importDialog()
{
    const QString file = QFileDialog::getOpenFileName(this, tr("Import Data"), QString(), tr(kDataFilter));
    if (!file.isEmpty())
        importFile(file);
}

void MainWindow::importFile(const QString& file)
{
    if (m_importWatcher.isRunning()) {
        showError(tr("An import is already running."));
        return;
    }
    if (!m_wb->hasProject()) {
        QString path = QFileDialog::getSaveFileName(this, tr("Create a project for %1").arg(QFileInfo(file).fileName()),
                                                    QFileInfo(file).completeBaseName() + QStringLiteral(".chorus"),
                                                    tr(kProjectFilter));
        if (path.isEmpty())
            return;
        try {
            QFile::remove(path);
            model::ProjectStore store;
            store.open(path, model::ProjectStore::Mode::CreateNew);
        } catch (const model::Error& e) {
            showError(e.message());
            return;
        }
        if (!openProject(path))
            return;
    }
    ImportDialog dialog(file, this);
    if (dialog.exec() == QDialog::Accepted)
        startImport(dialog.file(), dialog.options());
}

void MainWindow::startImport(const QString& file, const model::ImportOptions& options)
{
    if (m_importWatcher.isRunning() || !m_wb->hasProject())
        return;
    startJob(tr("Importing %1…").arg(QFileInfo(file).fileName()));
    m_importWatcher.setFuture(model::importAsync(m_wb->pool(), m_wb->projectPath(), file, options));
}

void MainWindow::exportDialog()
{
    QList<QPair<qint64, QString>> runs;
    const auto saved = m_wb->runs();
    for (auto it = saved.crbegin(); it != saved.crend(); ++it)
        runs.append({it->id, tr("run #%1 (%2, %3)").arg(it->id).arg(it->method, it->createdAt.left(16))});
    const QFileInfo project(m_wb->projectPath());
    ExportDialog dialog(project.dir().filePath(project.completeBaseName() + QStringLiteral("-curated.jsonl")), runs, this);
    if (dialog.exec() != QDialog::Accepted || dialog.file().isEmpty())
        return;
    startJob(tr("Exporting %1…").arg(QFileInfo(dialog.file()).fileName()));
    m_exportWatcher.setFuture(model::exportAsync(m_wb->pool(), m_wb->projectPath(), dialog.file(), dialog.options()));
}

void MainWindow::startJob(const QString& what)
{
    statusBar()->showMessage(what);
    m_jobProgress->setValue(0);
    m_jobProgress->show();
    m_jobCancel->show();
}

void MainWindow::endJob()
{
    m_jobProgress->hide();
    m_jobCancel->hide();
    statusBar()->clearMessage();
}

void MainWindow::preferences()
{
    bool ok = false;
    const QString author = QInputDialog::getText(this, tr("Preferences"),
                                                 tr("Reviewer name recorded with every decision:"), QLineEdit::Normal,
                                                 m_wb->author(), &ok);
    if (ok && !author.trimmed().isEmpty()) {
        m_wb->setAuthor(author.trimmed());
        QSettings().setValue(QStringLiteral("review/author"), author.trimmed());
    }
}

void MainWindow::showShortcuts()
{
    QStringList lines;
    for (QAction* a : m_table->actions())
        lines << QStringLiteral("%1\t%2").arg(a->shortcut().toString(QKeySequence::NativeText), a->text());
    QMessageBox box(QMessageBox::Information, tr("Keyboard Shortcuts"), lines.join(QLatin1Char('\n')), QMessageBox::Ok, this);
    box.setTextFormat(Qt::PlainText);
    box.exec();
}

void MainWindow::addRecent(const QString& path)
{
    QSettings settings;
    QStringList recent = settings.value(QStringLiteral("project/recent")).toStringList();
    const QString abs = QFileInfo(path).absoluteFilePath();
    recent.removeAll(abs);
    recent.prepend(abs);
    while (recent.size() > kMaxRecent)
        recent.removeLast();
    settings.setValue(QStringLiteral("project/recent"), recent);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = QSettings().value(QStringLiteral("project/recent")).toStringList();
    for (const QString& path : recent)
        m_recentMenu->addAction(QFileInfo(path).fileName(), this, [this, path] { openProject(path); })->setToolTip(path);
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::saveHeaderState()
{
    if (m_wb->hasProject())
        QSettings().setValue(QStringLiteral("columns/") + QFileInfo(m_wb->projectPath()).absoluteFilePath(),
                             m_table->horizontalHeader()->saveState());
}

void MainWindow::restoreHeaderState()
{
    const QByteArray state = m_wb->hasProject()
        ? QSettings().value(QStringLiteral("columns/") + QFileInfo(m_wb->projectPath()).absoluteFilePath()).toByteArray()
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

void MainWindow::stashDocksFor(int page)
{
    constexpr int kPairwisePage = 2;
    if (page == kPairwisePage && m_stashedDocks.isEmpty()) {
        for (QDockWidget* d : {m_panelDock, m_aggDock, m_relabelDock})
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

void MainWindow::columnsMenu(const QPoint& pos)
{
    m_columnsMenu->popup(m_table->horizontalHeader()->mapToGlobal(pos));
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const auto urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.first().isLocalFile())
        return;
    const QString file = urls.first().toLocalFile();
    if (file.endsWith(QLatin1String(".chorus")))
        openProject(file);
    else
        importFile(file);
    event->acceptProposedAction();
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
