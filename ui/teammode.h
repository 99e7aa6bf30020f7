#pragma once
// MainWindow's team review (docs/team.md): the "My queue" mode of the review table, the Team
// panel, and live updates from other reviewers on a server project. Kept out of MainWindow's
// files: it owns the queue (model::TeamQueue), the listener (model::TeamLive) and the panel's
// dock, and works through MainWindow's public face (workbench, filter bar, status bar).

#include "teamlive.h"
#include "teamqueue.h"
#include "teamreview.h"

#include <QObject>
#include <QTimer>

#include <vector>

class QAction;
class QDockWidget;
class QLabel;

namespace chorus::ui {

class MainWindow;
class TeamPanel;

class TeamMode final : public QObject
{
    Q_OBJECT

public:
    explicit TeamMode(MainWindow* window);
    ~TeamMode() override;

    /// Review → My Queue (Ctrl+Shift+Q): checkable, enabled while team settings are in force.
    QAction* myQueueAction() const { return m_myQueue; }
    /// Review → Queue Batch Size…
    QAction* batchSizeAction() const { return m_batch; }
    QDockWidget* dock() const { return m_dock; }
    TeamPanel* panel() const { return m_panel; }
    model::TeamQueue* queue() { return &m_queue; }
    model::TeamLive* live() { return &m_live; }
    /// The open project has team settings in force.
    bool isTeamProject() const { return m_team; }
    /// How often the panel and (on a server) the decisions are re-read without a notification.
    void setFallbackInterval(int ms) { m_fallback.setInterval(ms); }

    /// Gives the claims back and stops listening (the window closes).
    void shutdown();

private:
    void projectChanged();
    void projectClosing();
    void setQueueMode(bool on);
    void queueChanged();
    void filterChanged();
    void askBatchSize();
    void fallbackRefresh();
    void outboxChanged();
    QString queueText() const;
    QString blindText() const;

    MainWindow* m_w;
    TeamPanel* m_panel;
    QDockWidget* m_dock;
    QAction* m_myQueue;
    QAction* m_batch;
    QLabel* m_status;
    QLabel* m_outboxStatus;
    model::TeamQueue m_queue;
    model::TeamLive m_live;
    QTimer m_fallback;
    bool m_team = false;
    model::TeamSettings::Blind m_blind = model::TeamSettings::Blind::None;  ///< for a reviewer
    const void* m_openStore = nullptr;  ///< the project the mode was set up for (a reload keeps it)
    std::vector<int32_t> m_shown;  ///< what the queue put in the filter bar
};

} // namespace chorus::ui
