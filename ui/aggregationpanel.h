#pragma once

#include "jobs.h"

#include <QFutureWatcher>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace chorus::model {
class Workbench;
}

namespace chorus::ui {

/// Chooses an aggregation method and its parameters, runs it on a worker thread with progress
/// and Cancel, saves the run and shows it as the consensus. Lists saved runs.
class AggregationPanel final : public QWidget
{
    Q_OBJECT

public:
    explicit AggregationPanel(model::Workbench* workbench, QWidget* parent = nullptr);
    ~AggregationPanel() override;

    void refreshRuns();
    void run();
    void cancel();
    bool isRunning() const { return m_watcher.isRunning(); }

signals:
    void status(const QString& message);

private:
    void finished();

    model::Workbench* m_wb;
    QComboBox* m_method;
    QSpinBox* m_seed;
    QComboBox* m_ties;
    QLineEdit* m_params;
    QCheckBox* m_goldControls;
    QCheckBox* m_overrideControls;
    QPushButton* m_run;
    QPushButton* m_cancel;
    QProgressBar* m_progress;
    QLabel* m_result;
    QListWidget* m_runs;
    QFutureWatcher<model::JobResult<model::RunData>> m_watcher;
};

} // namespace chorus::ui
