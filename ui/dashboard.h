#pragma once

#include "dashboarddata.h"

#include <QFutureWatcher>
#include <QWidget>

class QChartView;
class QComboBox;
class QLabel;
class QProgressBar;
class QTabWidget;
class QTableWidget;
class QTimer;

namespace chorus::model {
class Workbench;
}

namespace chorus::ui {

class HeatmapWidget;

/// Insight dashboard: competence, pairwise agreement, method comparison, human-vs-consensus
/// divergence, confusion and label use. Numbers are computed on a worker thread whenever the
/// project, the consensus or the decisions change (debounced), and only while visible.
class Dashboard final : public QWidget
{
    Q_OBJECT

public:
    /// Tabs, in order.
    enum Tab { TabCompetence, TabAgreement, TabMethods, TabDivergence, TabConfusion, TabLabels, TabLlm };

    explicit Dashboard(model::Workbench* workbench, QWidget* parent = nullptr);
    ~Dashboard() override;

    /// Recomputes now (cancels a running computation).
    void refresh();
    /// The numbers the charts show; valid after ready().
    const model::DashboardData& data() const { return m_data; }
    bool hasData() const { return m_hasData; }
    QTabWidget* tabs() const { return m_tabs; }
    /// Writes the current tab's chart as PNG or SVG (by extension) and its numbers as CSV.
    bool exportCurrent(const QString& imagePath, const QString& csvPath);
    /// CSV of the numbers behind tab `index`.
    QString csvOf(int index) const;
    /// Chooses what the divergence tab compares ("human" / "annotator:NAME" against
    /// "consensus" / "annotator:NAME") and recomputes.
    void setDivergenceSources(const QString& p, const QString& q);

signals:
    void ready();
    /// The user clicked a histogram bar: show these items in the review table.
    void filterItems(const std::vector<int32_t>& items, const QString& description);

protected:
    void showEvent(QShowEvent* event) override;

private:
    void scheduleRefresh();
    void fillDivergenceSources();
    void finished();
    void rebuild();
    void buildCompetence();
    void buildMethods();
    void buildDivergence();
    void buildLabelUse();
    void buildConfusion();
    QWidget* createLlmTab();
    void buildLlm();
    std::vector<int32_t> confusionSubject() const;
    void exportDialog();

    model::Workbench* m_wb;
    QTabWidget* m_tabs;
    QComboBox* m_method;
    QComboBox* m_divMetric;
    QComboBox* m_divP;
    QComboBox* m_divQ;
    QComboBox* m_confSubject;
    QComboBox* m_confReference;
    QLabel* m_status;
    QProgressBar* m_progress;
    QChartView* m_competence;
    HeatmapWidget* m_kappa;
    QLabel* m_agreementSummary;
    QChartView* m_methods;
    QTableWidget* m_methodTable;
    QChartView* m_divergence;
    HeatmapWidget* m_confusion;
    QChartView* m_labelUse;
    QTableWidget* m_llmTable = nullptr;
    QLabel* m_llmSummary = nullptr;
    QTimer* m_debounce;
    bool m_dirty = true;
    bool m_hasData = false;
    model::DashboardData m_data;
    std::vector<std::vector<int32_t>> m_binItems;  // divergence histogram: items per bar
    QFutureWatcher<model::JobResult<model::DashboardData>> m_watcher;
};

} // namespace chorus::ui
