#pragma once

#include "crowdjobs.h"
#include "jobs.h"

#include "jobcontrols.h"

#include <QFutureWatcher>
#include <QHash>
#include <QWidget>

class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QTabWidget;

namespace chorus::model {
class Workbench;
}

namespace chorus::ui {

class HeatmapWidget;

/// The Insights "Crowd" tab (issue #21; docs/crowd.md): which annotators to keep and with which
/// method. Three charts of one model::CrowdReport computed on a worker (model::crowdReportAsync,
/// progress and Cancel): every candidate crowd by cost per item and holdout macro-F1 with the
/// cost-quality front drawn (clicking a crowd runs that method with only its annotators, saves
/// the run and shows it as the consensus), the annotators' redundancy as a heat map, and the
/// mean holdout macro-F1 of crowds of each size per method. Without gold every score is the
/// estimated accuracy, and the charts say it is an estimate.
class CrowdPage final : public QWidget
{
    Q_OBJECT

public:
    /// The charts, in the order of the inner tabs.
    enum Chart { ChartPareto, ChartRedundancy, ChartCurve };

    explicit CrowdPage(model::Workbench* workbench, QWidget* parent = nullptr);
    ~CrowdPage() override;

    /// Starts the design unless there is one for the current project or one is running.
    void ensureComputed();
    /// Forgets the design (cancelling a running one).
    void invalidate();
    /// Cancels the running job, if any (its result is never applied; the status says "Canceled").
    void cancel() { m_job.cancelJob(); }
    /// The search's options (methods, seed, select fraction, budget); costs are left to the job.
    /// Invalidates the design.
    void setOptions(const agg::CrowdOptions& options);
    agg::CrowdOptions options() const { return m_options; }

    bool hasReport() const { return m_job.hasReport(); }
    const model::CrowdReport& report() const { return m_job.report(); }
    QFuture<model::JobResult<model::CrowdReport>> job() const { return m_job.future(); }
    QString statusText() const;

    QTabWidget* charts() const { return m_charts; }
    QChart* paretoChart() const;
    QChart* curveChart() const;
    HeatmapWidget* redundancyMap() const { return m_redundancy; }
    /// The chart shown (what an export renders) and its numbers as CSV.
    QWidget* currentChart() const;
    QString csv() const;
    QString currentChartName() const;

    /// Runs candidate `index` of the design (its method with only its members) on a worker,
    /// saves it and makes it the consensus; crowdRunShown() follows.
    void runCandidate(int index);
    /// The candidate a scatter point stands for (-1 when none): what a click on it runs.
    int candidateAt(const QString& seriesName, int pointIndex) const;

signals:
    void ready();
    /// A crowd's run was saved and is the consensus now (`what` describes it).
    void crowdRunShown(const QString& what);

private:
    void finished();
    void runFinished();
    void build();
    void buildPareto();
    void buildRedundancy();
    void buildCurve();
    QString crowdText(const agg::CrowdCandidate& c) const;
    double yOf(const agg::CrowdCandidate& c) const;
    QString paretoCsv() const;
    QString redundancyCsv() const;
    QString curveCsv() const;

    model::Workbench* m_wb;
    agg::CrowdOptions m_options;
    QComboBox* m_methods;
    QComboBox* m_budget;
    QComboBox* m_redundancyMeasure;
    QLabel* m_caption;
    ReportJob<model::CrowdReport> m_job;
    QTabWidget* m_charts;
    QChartView* m_pareto;
    HeatmapWidget* m_redundancy;
    QChartView* m_curve;
    QStringList m_annotators;  ///< names at the time of the design
    /// Per scatter series (by name): the candidate of each point, in point order.
    QHash<QString, std::vector<int32_t>> m_pointCandidates;
    QFutureWatcher<model::JobResult<model::RunData>> m_runWatcher;
    QString m_runDescription;
};

} // namespace chorus::ui
