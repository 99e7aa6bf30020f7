#pragma once
// The status line, progress bar (per mille) and Cancel button of an Insights page that runs one
// job at a time on a worker (the Crowd and Calibration tabs): made once, shown while the job
// runs, hidden when it ends.

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
    /// Cancels a running job and says "Canceled"; nothing when none runs.
    void cancelJob() const;
    /// Cancels the job without a word (its result would be stale) and hides the controls.
    void reset() const;

    QLabel* status = nullptr;
    QProgressBar* progress = nullptr;
    QPushButton* cancel = nullptr;
    QFutureWatcherBase* watcher = nullptr;
};

} // namespace chorus::ui
