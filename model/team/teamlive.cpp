#include "teamlive.h"

#include "dialect.h"
#include "errors.h"
#include "location.h"
#include "serverconnection.h"

#include <QAtomicInt>
#include <QSqlError>
#include <QVariant>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlDriver>
#include <QTimer>

#include <algorithm>

namespace chorus::model {

namespace detail {

// Lives on TeamLive's thread: owns the listening connection, batches notifications, and
// checks every few seconds that the connection is alive (making it again when it is not).
class LiveListener final : public QObject
{
    Q_OBJECT

public:
    LiveListener(QString location, int delay) : m_location(std::move(location))
    {
        static QAtomicInt counter;
        m_name = QStringLiteral("chorus-live-%1").arg(counter.fetchAndAddRelaxed(1));
        // Children, so that they move to the listener's thread with it.
        m_flush = new QTimer(this);
        m_flush->setSingleShot(true);
        m_flush->setInterval(delay);
        m_health = new QTimer(this);
        m_health->setInterval(5000);
        connect(m_flush, &QTimer::timeout, this, &LiveListener::flush);
        connect(m_health, &QTimer::timeout, this, &LiveListener::checkHealth);
    }

    void open()
    {
        m_health->start();
        connectAndListen(false);
    }

    void close()
    {
        m_health->stop();
        m_flush->stop();
        drop();
    }

signals:
    void listening(bool ok, const QString& error);
    void batch(const QList<qint64>& items, bool claims);
    void resynced();

private:
    void connectAndListen(bool again)
    {
        QString error;
        try {
            const ProjectLocation loc = ProjectLocation::parse(m_location);
            m_db = openServerConnection(loc, m_name);
            m_channel = Dialect::liveChannel(loc.project);
            if (!m_db.driver()->subscribeToNotification(m_channel))
                throw Error(QStringLiteral("%1: cannot listen for changes: %2").arg(loc.display(), m_db.driver()->lastError().text()));
            connect(m_db.driver(), &QSqlDriver::notification, this, &LiveListener::notified);
        } catch (const Error& e) {
            error = e.message();
            drop();
        }
        emit listening(error.isEmpty(), error);
        if (error.isEmpty() && again)
            emit resynced();
    }

    void drop()
    {
        if (m_db.isValid()) {
            if (m_db.isOpen()) {
                m_db.driver()->disconnect(this);
                m_db.close();
            }
            m_db = QSqlDatabase();
            QSqlDatabase::removeDatabase(m_name);
        }
    }

    void checkHealth()
    {
        if (m_db.isValid() && m_db.isOpen() && !isConnectionBroken(m_db))
            return;
        drop();
        connectAndListen(true);
    }

    void notified(const QString& name, QSqlDriver::NotificationSource, const QVariant& payload)
    {
        if (name != m_channel)
            return;
        const QString text = payload.toString();
        if (text.startsWith(QLatin1String("d "))) {
            bool ok = false;
            const qint64 id = QStringView(text).mid(2).toLongLong(&ok);
            if (ok)
                m_items.insert(id);
        } else {
            m_claims = true;
        }
        if (!m_flush->isActive())
            m_flush->start();  // the first of a burst: report it all once the delay is over
    }

    void flush()
    {
        QList<qint64> items(m_items.begin(), m_items.end());
        std::sort(items.begin(), items.end());
        const bool claims = m_claims;
        m_items.clear();
        m_claims = false;
        emit batch(items, claims);
    }

    QString m_location;
    QString m_name;
    QString m_channel;
    QSqlDatabase m_db;
    QTimer* m_flush;
    QTimer* m_health;
    QSet<qint64> m_items;
    bool m_claims = false;
};

} // namespace detail

TeamLive::TeamLive(QObject* parent) : QObject(parent)
{
    m_thread.setObjectName(QStringLiteral("chorus-live"));
}

TeamLive::~TeamLive()
{
    stop();
}

void TeamLive::start(const QString& location)
{
    stop();
    m_listener = new detail::LiveListener(location, m_delay);
    m_listener->moveToThread(&m_thread);
    connect(m_listener, &detail::LiveListener::listening, this, &TeamLive::listening);
    connect(m_listener, &detail::LiveListener::resynced, this, &TeamLive::resynced);
    connect(m_listener, &detail::LiveListener::batch, this, [this](const QList<qint64>& items, bool claims) {
        if (!items.isEmpty())
            emit decisionsArrived(items);
        if (claims)
            emit claimsChanged();
    });
    m_thread.start();
    QMetaObject::invokeMethod(m_listener, &detail::LiveListener::open, Qt::QueuedConnection);
}

void TeamLive::stop()
{
    if (!m_listener)
        return;
    QMetaObject::invokeMethod(m_listener, &detail::LiveListener::close, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    delete m_listener;  // its thread has finished: nothing runs in it any more
    m_listener = nullptr;
}

} // namespace chorus::model

#include "teamlive.moc"
