#pragma once
// The GUI's way of sending team decisions (issue #20, docs/team.md "When the connection
// drops"). Every decision is written to the local journal first (durable when submit returns),
// then sent. While the server answers, submit() delivers at once on the caller's connection,
// as decideItem always did. When a send finds the server gone, the outbox goes offline: later
// decisions are only journalled and shown as queued, and a worker with a connection of its own
// tries the queue again every few seconds until it is empty, so the reviewer keeps working and
// the GUI never waits on an absent server. Decisions still queued when the window closes stay
// in the journal: the next open of the project (or `chorus-cli sync`) sends them.
//
// Only one sender runs at a time in the process: submit sends on the GUI thread only while no
// worker is running (otherwise it queues), so the same journal row is never sent twice at once.

#include "journal.h"

#include <QFutureWatcher>
#include <QObject>
#include <QSet>
#include <QThreadPool>
#include <QTimer>

#include <memory>

namespace chorus::model {

class DecisionOutbox final : public QObject
{
    Q_OBJECT

public:
    explicit DecisionOutbox(QThreadPool* pool, QObject* parent = nullptr);
    ~DecisionOutbox() override;

    /// Attaches to a server project (its URI, as ProjectStore::open takes it) with the journal
    /// at journalPath. Decisions left queued for it (an earlier session, the CLI) are shown as
    /// queued and sent by the worker at once. Throws Error naming the journal when it cannot be
    /// opened.
    void start(const QString& location, const QString& journalPath = Journal::defaultPath());
    /// Detaches, waiting for a running send; whatever is queued stays in the journal.
    void stop();
    bool isActive() const { return m_journal != nullptr; }

    /// Journals the entries (one durable transaction; throws Error naming the journal when it
    /// cannot be written: then nothing was kept) and, unless offline, sends the queue on store.
    /// The report holds one result per entry submitted (Sent, Queued or Failed); a Failed entry
    /// (refused by the server, e.g. no longer allowed) is dropped from the journal: the caller
    /// tells the reviewer, as for a direct write.
    FlushReport submit(ProjectStore& store, const QList<JournalEntry>& entries);

    /// The decisions waiting in the journal for this project, oldest first.
    const QList<JournalEntry>& queued() const { return m_queued; }
    /// The server could not be reached on the last send (the worker is retrying).
    bool isOffline() const { return m_offline; }
    /// Why the last send failed (empty when the last one succeeded).
    QString lastError() const { return m_lastError; }
    QString journalPath() const { return m_journal ? m_journal->path() : QString(); }

    /// How long the worker waits between tries while offline (default 5 s).
    void setRetryInterval(int ms) { m_retry.setInterval(ms); }
    /// Tries the queue now on the worker (nothing when a try is running or nothing is queued).
    void retryNow();

signals:
    /// queued(), isOffline() or lastError() changed.
    void queueChanged();
    /// The worker delivered queued decisions (late ones among them have outcome.late set).
    void delivered(const QList<FlushResult>& results);
    /// The server refused queued decisions for a reason other than the connection; they stay
    /// in the journal with their error.
    void refused(const QList<FlushResult>& results);

private:
    struct Attempt  ///< what the worker brings back
    {
        FlushReport report;
        QString error;  ///< the project or journal could not be opened
    };
    void reloadQueue();
    /// After a flush: reloads the queue, then tells of the change, what was sent and what the
    /// server refused (the signals only for non-empty lists).
    void announce(const QList<FlushResult>& sent, const QList<FlushResult>& refusedOnes);
    void workerDone();

    QThreadPool* m_pool;
    std::unique_ptr<Journal> m_journal;
    QString m_location;
    QString m_key;
    QList<JournalEntry> m_queued;
    bool m_offline = false;
    QString m_lastError;
    QTimer m_retry;
    QFutureWatcher<Attempt> m_watcher;
};

} // namespace chorus::model
