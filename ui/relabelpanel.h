#pragma once

#include "jobs.h"
#include "relabel.h"

#include <QFutureWatcher>
#include <QWidget>

class QChartView;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace chorus::model {
class Workbench;
}

namespace chorus::ui {

/// Budgeted relabeling with a human as the expensive labeler: chooses the items whose review
/// reduces uncertainty most (greedy answer-set entropy, uncertainty, random or exact), lists
/// them in order, tracks the budget as the reviewer works through them with the normal keys,
/// and plots simulated accuracy-vs-budget curves (gold as the relabeler) per strategy.
class RelabelPanel final : public QWidget
{
    Q_OBJECT

public:
    explicit RelabelPanel(model::Workbench* workbench, QWidget* parent = nullptr);
    ~RelabelPanel() override;

    /// Builds the queue from the current consensus posterior. Returns false with a message on
    /// bad settings.
    bool buildQueue();
    const std::vector<int32_t>& queue() const { return m_queue; }
    double spent() const;
    void simulate();

signals:
    /// Show these items, in this order, in the review table.
    void reviewQueue(const std::vector<int32_t>& items);
    void itemActivated(int32_t item);
    void status(const QString& message);
    void simulationFinished(bool ok);
    /// "Ask an LLM…": relabel the queue with the LLM connector.
    void labelQueueWithLlm();

private:
    void updateBudget();
    void simulationDone();

    model::Workbench* m_wb;
    QComboBox* m_strategy;
    QSpinBox* m_k;
    QDoubleSpinBox* m_budget;
    QDoubleSpinBox* m_cost;
    QDoubleSpinBox* m_accuracy;
    QListWidget* m_list;
    QProgressBar* m_budgetBar;
    QLabel* m_summary;
    QPushButton* m_simulate;
    QChartView* m_chart;
    std::vector<int32_t> m_queue;
    double m_queueCost = 1;
    QFutureWatcher<model::JobResult<agg::SimulationResult>> m_watcher;
};

} // namespace chorus::ui
