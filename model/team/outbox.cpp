#include "outbox.h"

#include <QtConcurrent/QtConcurrentRun>

namespace chorus::model {

DecisionOutbox::DecisionOutbox(QThreadPool* pool, QObject* parent) : QObject(parent), m_pool(pool)
{
    m_retry.setSingleShot(true);
    m_retry.setInterval(5000);
    connect(&m_retry, &QTimer::timeout, this, &DecisionOutbox::retryNow);
    connect(&m_watcher, &QFutureWatcher<Attempt>::finished, this, &DecisionOutbox::workerDone);
}

DecisionOutbox::~DecisionOutbox()
{
    stop();
}

void DecisionOutbox::start(const QString& location, const QString& journalPath)
{
    stop();
    m_journal = std::make_unique<Journal>(journalPath);
    m_location = location;
    m_key = journalProjectKey(ProjectLocation::parse(location));
    reloadQueue();
    emit queueChanged();
    retryNow();  // what an earlier session (or the CLI) left queued
}

void DecisionOutbox::stop()
{
    m_retry.stop();
    if (m_watcher.isRunning())
        m_watcher.waitForFinished();
    const bool had = m_journal || !m_queued.isEmpty();
    m_journal.reset();
    m_queued.clear();
    m_offline = false;
    m_lastError.clear();
    if (had)
        emit queueChanged();
}

void DecisionOutbox::reloadQueue()
{
    try {
        m_queued = m_journal ? m_journal->pending(m_key) : QList<JournalEntry>();
    } catch (const Error& e) {
        m_lastError = e.message();
    }
}

FlushReport DecisionOutbox::submit(ProjectStore& store, const QList<JournalEntry>& entries)
{
    if (!m_journal)
        throw Error(tr("the decision journal is not open"));
    m_journal->enqueue(entries, true);  // on disk before anything is sent or shown
    QSet<QString> mine;
    for (const JournalEntry& e : entries)
        mine.insert(e.uuid);
    FlushReport all;
    if (!m_offline && !m_watcher.isRunning()) {
        try {
            all = flushJournal(store, *m_journal);
        } catch (const Error& e) {  // the journal itself failed part way: the rest stays queued
            all.connectionLost = true;
            m_lastError = e.message();
        }
    }
    FlushReport report;
    QList<FlushResult> othersSent, othersRefused;
    for (const FlushResult& r : std::as_const(all.results)) {
        if (!mine.contains(r.entry.uuid)) {  // queued earlier, sent along now
            if (r.result == FlushResult::Result::Sent)
                othersSent << r;
            else if (r.result == FlushResult::Result::Failed)
                othersRefused << r;
            continue;
        }
        if (r.result == FlushResult::Result::Failed)
            m_journal->discard(r.entry.uuid);  // the caller reports it now; it does not wait here
        mine.remove(r.entry.uuid);
        report.results << r;
        report.sent += r.result == FlushResult::Result::Sent;
        report.late += r.outcome.late;
        report.queued += r.result == FlushResult::Result::Queued;
        report.failed += r.result == FlushResult::Result::Failed;
    }
    if (all.connectionLost) {
        m_offline = true;
        for (const FlushResult& r : std::as_const(all.results))
            if (r.result == FlushResult::Result::Queued && !r.error.isEmpty())
                m_lastError = r.error;
    } else if (!all.results.isEmpty()) {
        m_lastError.clear();
    }
    for (const JournalEntry& e : entries) {  // not sent now (offline, or a worker is sending)
        if (!mine.contains(e.uuid))
            continue;
        FlushResult r;
        r.entry = e;
        r.error = m_lastError;
        report.results << r;
        ++report.queued;
    }
    report.connectionLost = m_offline;
    announce(othersSent, othersRefused);
    if (m_offline && !m_watcher.isRunning() && !m_retry.isActive())
        m_retry.start();
    return report;
}

void DecisionOutbox::announce(const QList<FlushResult>& sent, const QList<FlushResult>& refusedOnes)
{
    reloadQueue();
    emit queueChanged();
    if (!sent.isEmpty())
        emit delivered(sent);
    if (!refusedOnes.isEmpty())
        emit refused(refusedOnes);
}

void DecisionOutbox::retryNow()
{
    if (!m_journal || m_watcher.isRunning())
        return;
    reloadQueue();
    if (m_queued.isEmpty()) {
        if (m_offline) {
            m_offline = false;
            emit queueChanged();
        }
        return;
    }
    m_retry.stop();
    const QString location = m_location, path = m_journal->path();
    m_watcher.setFuture(QtConcurrent::run(m_pool, [location, path] {
        Attempt a;
        try {
            Journal journal(path);
            ProjectStore store;
            store.open(location);
            a.report = flushJournal(store, journal);
        } catch (const Error& e) {
            a.error = e.message();
        }
        return a;
    }));
}

void DecisionOutbox::workerDone()
{
    if (!m_journal)
        return;  // stopped meanwhile
    const Attempt a = m_watcher.result();
    QList<FlushResult> sent, failed;
    QSet<QString> tried;
    for (const FlushResult& r : a.report.results) {
        tried.insert(r.entry.uuid);
        if (r.result == FlushResult::Result::Sent)
            sent << r;
        else if (r.result == FlushResult::Result::Failed)
            failed << r;
    }
    m_offline = !a.error.isEmpty() || a.report.connectionLost;
    m_lastError = a.error;
    for (const FlushResult& r : a.report.results)
        if (r.result == FlushResult::Result::Queued && !r.error.isEmpty())
            m_lastError = r.error;
    announce(sent, failed);
    if (m_offline) {
        m_retry.start();
        return;
    }
    // Decisions journalled while the worker ran were not in its batch: they go now.
    for (const JournalEntry& e : std::as_const(m_queued))
        if (!tried.contains(e.uuid)) {
            retryNow();
            return;
        }
}

} // namespace chorus::model
