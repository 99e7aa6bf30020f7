#pragma once
// The Team panel (team review, docs/team.md): per reviewer, the items decided today and in
// total and the live claims (their queue); for the project, the items complete, in
// adjudication and remaining (model::teamProgress). Counting reads every decision, so it runs
// on a worker; refreshes are debounced (live updates come in bursts).

#include "jobresult.h"
#include "teamreview.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QTimer>
#include <QWidget>

class QLabel;
class QProgressBar;
class QTableWidget;
class QToolButton;
class QAction;

namespace chorus::model {
class Workbench;
}

namespace chorus::ui {

class TeamPanel final : public QWidget
{
    Q_OBJECT

public:
    enum Column { ColReviewer, ColToday, ColDecided, ColQueue, ColumnCount };

    explicit TeamPanel(model::Workbench* workbench, QWidget* parent = nullptr);

    /// A project with team settings is open (active) or not (the panel says so and stays empty).
    void setActive(bool active);
    bool isActive() const { return m_active; }
    /// Counts again now, on a worker (a request while one runs is done after it).
    void refresh();
    /// Counts again after a short delay, once for a burst of requests.
    void scheduleRefresh();
    /// The toggle of "My queue", shown as a button on the panel.
    void setQueueAction(QAction* action);
    /// "My queue: 17 to do · lease until 11:42" (empty hides it).
    void setQueueText(const QString& text);

    QTableWidget* table() const { return m_table; }
    QLabel* summary() const { return m_summary; }
    const model::TeamProgress& progress() const { return m_progress; }

signals:
    /// The counts on show were replaced (or the count failed: error is not empty).
    void refreshed(const QString& error);

private:
    void countFinished();
    void showProgress(const model::TeamProgress& p);

    model::Workbench* m_wb;
    bool m_active = false;
    bool m_again = false;
    QString m_me;
    model::TeamProgress m_progress;
    QLabel* m_summary;
    QProgressBar* m_bar;
    QLabel* m_queueText;
    QToolButton* m_queueButton;
    QTableWidget* m_table;
    QTimer m_debounce;
    QElapsedTimer m_lastCount;  ///< since the last count started
    QFutureWatcher<model::JobResult<model::TeamProgress>> m_watcher;
};

} // namespace chorus::ui
