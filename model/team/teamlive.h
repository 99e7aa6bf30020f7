#pragma once
// Live updates of a server project (team review, docs/team.md): every committed decision and
// change of claims sends a notification on the project's channel (Dialect::liveNotifications,
// PostgreSQL LISTEN/NOTIFY). TeamLive listens on a connection and a thread of its own (house
// style: a connection belongs to the thread that opened it; the listener's event loop is not
// the GUI's), collects a burst for a short delay and tells the GUI thread which items got
// decisions and whether claims changed. Nothing of this runs for a project file.

#include <QList>
#include <QObject>
#include <QThread>

namespace chorus::model {

namespace detail {
class LiveListener;
}

class TeamLive final : public QObject
{
    Q_OBJECT

public:
    explicit TeamLive(QObject* parent = nullptr);
    ~TeamLive() override;

    /// Starts listening to the server project at location (a URI, its password remembered in
    /// this process or libpq's). Returns at once: the connection is made on the listener's
    /// thread and listening() says how that went. A second start() restarts.
    void start(const QString& location);
    /// Stops listening and closes the connection (waits for the listener's thread).
    void stop();
    bool isRunning() const { return m_listener != nullptr; }

    /// How long a burst of notifications is collected before it is reported (default 100 ms).
    void setDelay(int ms) { m_delay = ms; }

signals:
    /// The listener subscribed (ok) or could not (error says why; it tries again every few
    /// seconds, as after a lost connection).
    void listening(bool ok, const QString& error);
    /// Decisions on these items (database ids) were committed, by anyone (this window too).
    void decisionsArrived(const QList<qint64>& itemIds);
    /// Claims were taken, renewed or released.
    void claimsChanged();
    /// The listener's connection was made again after it had been lost: notifications may
    /// have been missed, so whoever shows live data should re-read it.
    void resynced();

private:
    QThread m_thread;
    detail::LiveListener* m_listener = nullptr;
    int m_delay = 100;
};

} // namespace chorus::model
