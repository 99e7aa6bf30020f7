#pragma once

#include "crowdjobs.h"

#include "jobcontrols.h"

#include <QWidget>

class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QTableWidget;

namespace chorus::model {
class Workbench;
}

namespace chorus::ui {

/// The Insights "Calibration" tab (issue #21; docs/crowd.md): how far to believe each method's
/// posterior and each annotator's reported probabilities (LLM logprobs). A reliability diagram
/// (accuracy against mean confidence per bin, the diagonal being perfect calibration) of the
/// sources ticked in the table below it, which gives each source's ECE, Brier score, NLL and
/// fitted temperature. Computed on a worker (model::calibrationAsync, progress and Cancel).
class CalibrationPage final : public QWidget
{
    Q_OBJECT

public:
    /// Table columns.
    enum Column { ColSource, ColKind, ColItems, ColAccuracy, ColConfidence, ColEce, ColEceMass, ColBrier, ColNll,
                  ColTemperature, ColEceAfter, ColumnCount };

    explicit CalibrationPage(model::Workbench* workbench, QWidget* parent = nullptr);
    ~CalibrationPage() override;

    /// Starts the scoring unless there is a report for the current project or one is running.
    void ensureComputed();
    /// Forgets the report (cancelling a running job).
    void invalidate();
    /// Cancels the running job, if any (its result is never applied; the status says "Canceled").
    void cancel() { m_job.cancelJob(); }
    void setRequest(const model::CalibrationRequest& request);

    bool hasReport() const { return m_job.hasReport(); }
    const model::CalibrationReport& report() const { return m_job.report(); }
    QFuture<model::JobResult<model::CalibrationReport>> job() const { return m_job.future(); }
    QString statusText() const;
    QChart* diagram() const;
    QTableWidget* table() const { return m_table; }
    /// Equal-mass bins instead of equal-width ones.
    void setEqualMass(bool on);
    /// Ticks the sources of these table rows (and no others) and draws them in the diagram.
    void showSources(const QList<int>& rows);
    QWidget* currentChart() const;
    /// Every source's bins and scores.
    QString csv() const;

signals:
    void ready();

private:
    void finished();
    void fillTable();
    void buildDiagram();

    model::Workbench* m_wb;
    model::CalibrationRequest m_request;
    QComboBox* m_binning;
    ReportJob<model::CalibrationReport> m_job;
    QLabel* m_caption;
    QChartView* m_diagram;
    QTableWidget* m_table;
};

} // namespace chorus::ui
