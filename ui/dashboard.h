#pragma once

#include "dashboarddata.h"

#include <QFutureWatcher>
#include <QWidget>

class QChartView;
class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QTableWidget;
class QTimer;

namespace chorus::model {
class Workbench;
}

namespace chorus::ui {

class AnnotatorLimit;
class CalibrationPage;
class CrowdPage;
class DivergenceSourceBox;
class HeatmapWidget;

/// Insight dashboard: competence, pairwise agreement, method comparison, human-vs-consensus
/// divergence, confusion and label use. Each tab needs one part of model::DashboardData
/// (partsOf()); a part is computed on a worker thread when a tab that needs it is shown, and
/// kept until the project or the consensus changes (the consensus only invalidates the parts
/// that use it). One job runs at a time: a newer request (another tab, Recompute, a data
/// change) cancels the running one, whose result is never applied. The progress bar and the
/// status line show the job's named stage ("Agreement: bootstrap 120/500").
class Dashboard final : public QWidget
{
    Q_OBJECT

public:
    /// Tabs, in order.
    enum Tab { TabCompetence, TabAgreement, TabMethods, TabDivergence, TabConfusion, TabLabels, TabLlm, TabCrowd,
               TabCalibration };

    explicit Dashboard(model::Workbench* workbench, QWidget* parent = nullptr);
    ~Dashboard() override;

    /// Forgets every computed part and recomputes the current tab's now (cancels a running
    /// computation).
    void refresh();
    /// Cancels the running computation, if any (its result is dropped).
    void cancel();
    /// The numbers the charts show; the parts in computedParts() are valid (after ready()).
    const model::DashboardData& data() const { return m_data; }
    bool hasData() const { return m_hasData; }
    /// The parts tab `index` shows (none for Crowd and Calibration, which run their own jobs:
    /// CrowdPage, CalibrationPage).
    static model::DashboardParts partsOf(int index);
    CrowdPage* crowdPage() const { return m_crowdPage; }
    CalibrationPage* calibrationPage() const { return m_calibrationPage; }
    /// Parts computed for the current project and consensus.
    model::DashboardParts computedParts() const { return m_have; }
    /// Parts the running job computes (none when idle).
    model::DashboardParts computingParts() const { return m_jobParts; }
    /// The latest job (for tests: a replaced job's future reports isCanceled()).
    QFuture<model::JobResult<model::DashboardData>> job() const { return m_watcher.future(); }
    /// Jobs started so far.
    int jobsStarted() const { return m_jobsStarted; }
    /// The status line (stage while computing, a summary afterwards).
    QString statusText() const;
    QTabWidget* tabs() const { return m_tabs; }
    /// Writes the current tab's chart as PNG or SVG (by extension) and its numbers as CSV.
    bool exportCurrent(const QString& imagePath, const QString& csvPath);
    /// CSV of the numbers behind tab `index`.
    QString csvOf(int index) const;
    /// Chooses what the divergence tab compares (specs of model::divergenceSource: human,
    /// consensus, votes, votes:A,B, annotator:NAME, run:ID, method:M) and recomputes.
    void setDivergenceSources(const QString& p, const QString& q);

signals:
    /// A job's parts were applied (computedParts() grew).
    void ready();
    /// The user clicked a histogram bar: show these items in the review table.
    void filterItems(const std::vector<int32_t>& items, const QString& description);
    /// A crowd chosen in the Crowd tab was run and is the consensus: show the review table.
    void crowdRunShown(const QString& description);

protected:
    void showEvent(QShowEvent* event) override;

private:
    /// Forgets `parts` (cancelling a job that computes any of them) and, when visible, computes
    /// the current tab's missing parts after a short delay.
    void invalidate(model::DashboardParts parts);
    /// Starts a job for the current tab's missing parts unless one already computes them.
    void ensureCurrentTab();
    void start(model::DashboardParts parts);
    void stopJob();
    QWidget* createAgreementPage();
    QWidget* createMethodsPage();
    QWidget* createDivergencePage();
    QWidget* createConfusionPage();
    void connectControls();
    void fillDivergenceSources();
    void finished();
    void apply(model::DashboardParts parts);
    void fillMethodChoices();
    void buildAgreement();
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
    QComboBox* m_crowd;  ///< annotators, reviewers, both (model::DashboardCrowd)
    QComboBox* m_truth;  ///< gold or the adjudicated labels
    AnnotatorLimit* m_limit;  // top and bottom N annotators in the annotator charts, 0 for all
    QLabel* m_competenceCaption;  // what the chart shows: correlation, which annotators
    QLabel* m_agreementCaption;
    QLabel* m_labelUseCaption;
    QLabel* m_divCaption;  // what the divergence chart compares, and the means
    QComboBox* m_divMetric;
    DivergenceSourceBox* m_divP;
    DivergenceSourceBox* m_divQ;
    QComboBox* m_confSubject;
    QComboBox* m_confReference;
    QLabel* m_status;
    QProgressBar* m_progress;
    QPushButton* m_cancel;
    QChartView* m_competence;
    HeatmapWidget* m_kappa;
    QLabel* m_agreementSummary;
    QChartView* m_methods;
    QTableWidget* m_methodTable;
    QChartView* m_divergence;
    HeatmapWidget* m_confusion;
    QChartView* m_labelUse;
    CrowdPage* m_crowdPage = nullptr;
    CalibrationPage* m_calibrationPage = nullptr;
    QTableWidget* m_llmTable = nullptr;
    QLabel* m_llmSummary = nullptr;
    QTimer* m_debounce;
    bool m_hasData = false;
    model::DashboardParts m_have;      // computed, valid
    model::DashboardParts m_jobParts;  // being computed by m_watcher's job
    int m_jobsStarted = 0;
    model::DashboardData m_data;
    std::vector<std::vector<int32_t>> m_binItems;  // divergence histogram: items per bar
    QFutureWatcher<model::JobResult<model::DashboardData>> m_watcher;
};

} // namespace chorus::ui
