#pragma once
// The status line, progress bar (per mille) and Cancel button of an Insights page that runs one
// job at a time on a worker (the Crowd and Calibration tabs): made once, shown while the job
// runs, hidden when it ends.

#include "jobresult.h"

#include <QFutureWatcher>
#include <QString>

#include <optional>

class QLabel;
class QProgressBar;
class QPushButton;
class QWidget;

namespace chorus::ui {

struct JobControls
{
    /// Creates the three widgets as children of parent (not laid out: the page places them) for
    /// the page's job watcher: its progress moves the bar, Cancel cancels it (cancelJob).
    static JobControls make(QWidget* parent, const QString& cancelToolTip, QFutureWatcherBase* watcher);
    /// A job started: the bar at 0 and shown, Cancel shown, the status says text.
    void running(const QString& text) const;
    /// Cancels the running job, if any (its result is never applied), for a new one: running(text).
    void restart(const QString& text) const;
    /// The result of the job `finished` watched, the controls idle; nothing when that job was
    /// replaced or canceled (its result is never applied).
    template <typename T>
    std::optional<T> takeResult(const QFutureWatcher<T>& finished) const
    {
        const QFuture<T> future = finished.future();
        if (future.isCanceled() || future.resultCount() == 0)
            return std::nullopt;
        idle();
        return finished.result();
    }
    /// No job runs: bar and Cancel hidden; the status says text unless it is empty.
    void idle(const QString& text = {}) const;
    /// A job ended without a result: the controls idle, the status says "Canceled" or text.
    void failed(bool canceled, const QString& text) const;
    /// Cancels a running job and says "Canceled"; nothing when none runs.
    void cancelJob() const;
    /// Cancels the job without a word (its result would be stale) and hides the controls.
    void reset() const;

    QLabel* status = nullptr;
    QProgressBar* progress = nullptr;
    QPushButton* cancel = nullptr;
    QFutureWatcherBase* watcher = nullptr;
};

/// The one report an Insights page computes on a worker (the Crowd and Calibration tabs): the
/// job's watcher, its controls, and the last report, kept until invalidate(). A page makes the
/// controls once (makeControls), starts a job when it wants a report (wanted(), start()) and
/// applies the outcome in its watcher's finished slot (finish()).
template <typename Report>
class ReportJob : public JobControls
{
public:
    using Result = model::JobResult<Report>;
    enum class Outcome { Replaced, Failed, Done };

    ReportJob() = default;
    ReportJob(const ReportJob&) = delete;
    ReportJob& operator=(const ReportJob&) = delete;
    /// A job still running is canceled and waited for: it never outlives the page.
    ~ReportJob()
    {
        m_watcher.cancel();
        m_watcher.waitForFinished();
    }

    void makeControls(QWidget* parent, const QString& cancelToolTip)
    {
        static_cast<JobControls&>(*this) = JobControls::make(parent, cancelToolTip, &m_watcher);
    }
    /// Connect to its signals before the first start() (house style).
    QFutureWatcher<Result>& jobWatcher() { return m_watcher; }
    QFuture<Result> future() const { return m_watcher.future(); }

    bool hasReport() const { return m_report.has_value(); }
    /// The last report; an empty one when there is none.
    const Report& report() const { return m_report ? *m_report : m_none; }
    /// No report and no job running: a job should start.
    bool wanted() const { return !m_report && !m_watcher.isRunning(); }
    /// Cancels a running job (its result is never applied) and watches `job` instead.
    void start(const QString& text, QFuture<Result> job)
    {
        restart(text);
        m_watcher.setFuture(std::move(job));
    }
    /// Forgets the report and cancels a running job without a word.
    void invalidate()
    {
        reset();
        m_report.reset();
    }
    /// The finished job's outcome: Done keeps its report; Failed says in the status line
    /// "Canceled" or failedText with the error as %1; Replaced (a canceled or replaced job's
    /// result) changes nothing.
    Outcome finish(const QString& failedText)
    {
        std::optional<Result> r = takeResult(m_watcher);
        if (!r)
            return Outcome::Replaced;
        if (!r->ok()) {
            failed(r->canceled, failedText.arg(r->error));
            return Outcome::Failed;
        }
        m_report = std::move(r->value);
        return Outcome::Done;
    }

private:
    QFutureWatcher<Result> m_watcher;
    std::optional<Report> m_report;
    Report m_none;
};

} // namespace chorus::ui
