// MainWindow's actions, menus and their dialogs (shortcuts, preferences, columns).

#include "mainwindow.h"

#include "aggregationpanel.h"
#include "dashboard.h"
#include "filterbar.h"
#include "itempanel.h"
#include "adjudicationpanel.h"
#include "llmdialog.h"
#include "pairwisepage.h"
#include "relabelpanel.h"
#include "teammode.h"
#include "transferdialogs.h"
#include "workbench.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QFileDialog>
#include <QHeaderView>
#include <QInputDialog>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>

namespace chorus::ui {

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
    file->addAction(tr("Open &Server Project…"), QKeySequence(tr("Ctrl+Shift+O")), this, &MainWindow::openServerDialog)
        ->setObjectName(QStringLiteral("openServerProject"));
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
    reviewMenu->addSeparator();
    reviewMenu->addAction(m_team->myQueueAction());
    reviewMenu->addAction(m_team->batchSizeAction());
    m_projectActions << reviewMenu->addAction(tr("Ad&judication Queue"), QKeySequence(tr("Ctrl+Shift+J")), this,
                                              &MainWindow::showAdjudication);

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
    view->addAction(m_team->dock()->toggleViewAction());
    view->addAction(m_adjudicationDock->toggleViewAction());

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

void MainWindow::showShortcuts()
{
    QStringList lines;
    for (QAction* a : m_table->actions())
        lines << QStringLiteral("%1\t%2").arg(a->shortcut().toString(QKeySequence::NativeText), a->text());
    QMessageBox box(QMessageBox::Information, tr("Keyboard Shortcuts"), lines.join(QLatin1Char('\n')), QMessageBox::Ok, this);
    box.setTextFormat(Qt::PlainText);
    box.exec();
}

void MainWindow::columnsMenu(const QPoint& pos)
{
    m_columnsMenu->popup(m_table->horizontalHeader()->mapToGlobal(pos));
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

} // namespace chorus::ui

namespace chorus::ui {

void MainWindow::showAdjudication()
{
    m_adjudicationDock->show();
    m_adjudicationDock->raise();
    m_adjudication->refresh();
    m_adjudication->table()->setFocus();
}

} // namespace chorus::ui
