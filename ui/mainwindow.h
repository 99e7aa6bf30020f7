#pragma once

#include "frozentableview.h"
#include "jobs.h"
#include "serverprojectdialog.h"

#include <QFutureWatcher>
#include <QIcon>
#include <QMainWindow>
#include <QPointer>

class QAction;
class QDockWidget;
class QMenu;
class QMessageBox;
class QProgressBar;
class QLabel;
class QPushButton;
class QTableView;
class QTabWidget;

namespace chorus::model {
class Workbench;
}

namespace chorus::ui {

class AggregationPanel;
class Dashboard;
class RelabelPanel;
class PairwisePage;
class FilterBar;

class ItemPanel;
class LlmDialog;
class TeamMode;
class AdjudicationPanel;

/// The application icon (the SVG of packaging/, compiled into the resources).
QIcon applicationIcon();

/// The review workbench: item table, filters, item panel, aggregation panel. Keyboard first:
/// 1-9 set the human label and advance, Enter accepts the consensus, F flags, N adds a note,
/// Backspace undoes, J/K move, U jumps to the next unreviewed item.
/// The platform's key bindings followed by extra keys, each key once (a key listed twice on
/// one action is an ambiguous shortcut, and Qt then runs nothing).
QList<QKeySequence> mergedShortcuts(QList<QKeySequence> platform, const QList<QKeySequence>& extra);

class MainWindow final : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Opens a project (a .chorus file or a server URI, see docs/server-projects.md); shows an
    /// error dialog and returns false on failure. A server that wants a password gets it asked
    /// for (kept in memory only); cancelling the prompt leaves the open project as it was.
    bool openProject(const QString& path);
    /// Opens a project without blocking the window while a server is reached: the connection
    /// is tried on a worker thread first (at start, the last project's server may be gone), then
    /// the project opens, or an error says why it could not. A file opens at once.
    void openProjectInBackground(const QString& location);
    /// File → Open Server Project… (a modal dialog).
    void openServerDialog();
    /// The non-modal notice shown after the connection to the server was lost and made again
    /// (nullptr before the first reconnection or once closed).
    QMessageBox* reconnectNotice() const;
    /// Imports a data file into the open project (or asks for a new project) on a worker thread.
    void importFile(const QString& file);
    /// Starts an import with the given options, without asking (the project must be open).
    void startImport(const QString& file, const model::ImportOptions& options);

    model::Workbench* workbench() { return m_wb; }
    QTableView* table() { return m_table; }
    FilterBar* filterBar() { return m_filter; }
    ItemPanel* itemPanel() { return m_panel; }
    AggregationPanel* aggregationPanel() { return m_aggPanel; }
    Dashboard* dashboard() { return m_dashboard; }
    RelabelPanel* relabelPanel() { return m_relabel; }
    PairwisePage* pairwisePage() { return m_pairwise; }
    /// Team review: My queue, the Team panel, live updates (docs/team.md).
    TeamMode* teamMode() { return m_team; }
    /// Team review's adjudication queue (docs/team.md).
    AdjudicationPanel* adjudicationPanel() { return m_adjudication; }
    /// Shows the adjudication queue's dock and reads the queue.
    void showAdjudication();
    /// Shows the review table (0), the insight dashboard (1) or pairwise preferences (2).
    void showPage(int page);
    /// The item of the current row, or -1.
    int32_t currentItem() const;
    /// Tests and scripts: report errors through lastError() instead of a modal dialog.
    void setQuietErrors(bool quiet) { m_quietErrors = quiet; }
    QString lastError() const { return m_lastError; }
    /// Selects the row of an item (when visible) and makes it current.
    void selectItem(int32_t item);
    /// The "Label with an LLM" dialog (created on first use).
    LlmDialog* llmDialog();
    void showLlmDialog();

signals:
    /// An import finished; ok is false when it failed or was canceled (project unchanged).
    void importFinished(bool ok);
    /// openProjectInBackground() is done; ok is false when no project was opened.
    void backgroundOpenFinished(bool ok);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createActions();
    void createMenus();
    void projectChanged();
    void applyFilter();
    bool statusFiltered() const;  ///< the filter depends on the review status (Unreviewed, Flagged)
    void updateCounts();
    void updateActions();
    void updateTitle();
    void showError(const QString& message);

    void newProject();
    void openDialog();
    void importDialog();
    void exportDialog();
    void preferences();
    void showShortcuts();
    void addRecent(const QString& path);
    void watchServerConnection();
    void serverReconnected(const QString& message);
    void backgroundProbeFinished();
    void rebuildRecentMenu();
    void saveHeaderState();
    void restoreHeaderState();
    void createTable();
    void createPages();
    void createStatusBar();
    void restoreSettings();
    void createDocks();
    /// A dock `objectName` holding `panel`, added at `area`.
    QDockWidget* addDock(QWidget* panel, const QString& title, const QString& objectName, Qt::DockWidgetArea area);
    void connectJobs();
    void freezeIdAndConsensus();
    int idColumnWidth() const;
    void stashDocksFor(int page);
    void columnsMenu(const QPoint& pos);
    void startJob(const QString& what);
    void endJob();

    // Review actions.
    std::vector<int32_t> selectedItems() const;
    void labelKey(int32_t label);
    void pickLabel();
    void acceptConsensus();
    void toggleFlag();
    void editNote();
    void clearDecision();
    void move(int delta);
    void nextUnreviewed();
    void acceptUnanimousInSelection();
    void advance();

    model::Workbench* m_wb;
    FrozenTableView* m_table;
    FilterBar* m_filter;
    ItemPanel* m_panel;
    AggregationPanel* m_aggPanel;
    Dashboard* m_dashboard;
    RelabelPanel* m_relabel;
    PairwisePage* m_pairwise;
    QDockWidget* m_relabelDock;
    QTabWidget* m_pages;
    QDockWidget* m_panelDock;
    QDockWidget* m_aggDock;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_columnsMenu = nullptr;
    QAction* m_showGold = nullptr;
    QAction* m_freezeColumns = nullptr;
    QList<QDockWidget*> m_stashedDocks;  // hidden while the Pairwise page is shown
    QAction* m_autoAdvance = nullptr;
    QList<QAction*> m_projectActions;
    QProgressBar* m_jobProgress;
    QPushButton* m_jobCancel;
    QLabel* m_serverRole = nullptr;  ///< "server: NAME as LOGIN (reviewer)" for a server project
    QFutureWatcher<model::JobResult<model::ImportReport>> m_importWatcher;
    QString m_lastError;
    bool m_quietErrors = false;
    bool m_refilterOnMove = false;  ///< a decision left a row the status filter now excludes
    QFutureWatcher<model::JobResult<model::ExportReport>> m_exportWatcher;
    QFutureWatcher<model::JobResult<model::Snapshot>> m_reloadWatcher;
    LlmDialog* m_llmDialog = nullptr;
    QFutureWatcher<ServerListing> m_probeWatcher;  ///< openProjectInBackground's connection test
    QString m_pendingOpen;  ///< the location openProjectInBackground will open, if nothing else was
    QPointer<QMessageBox> m_reconnectNotice;
    TeamMode* m_team = nullptr;
    AdjudicationPanel* m_adjudication = nullptr;
    QDockWidget* m_adjudicationDock = nullptr;
};

} // namespace chorus::ui
