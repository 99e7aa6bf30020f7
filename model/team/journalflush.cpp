// Sending the journal's queued decisions to the server (journal.h): resolving what was queued
// by name, decideItem by UUID, and reading back whether a resent duplicate was late.

#include "journal.h"

#include "runstore.h"
#include "snapshot.h"

#include <QSqlQuery>

namespace chorus::model {

namespace {

// Whether the stored decision `id` was late when it was written: the same rule as decideItem
// (no earlier decision of its author on the item, and `overlap` other authors before it),
// evaluated on the decisions with smaller ids. Used for a resend that found its UUID stored,
// so that a late decision is reported even when its first send's answer was lost.
bool storedLate(ProjectStore& store, qint64 id, int overlap)
{
    QSqlQuery q = store.exec(QStringLiteral("SELECT item_id, author FROM decisions WHERE id = ?"), {id});
    if (!q.next())
        return false;
    const qint64 item = q.value(0).toLongLong();
    const QString author = q.value(1).toString();
    if (store.scalar(QStringLiteral("SELECT 1 FROM decisions WHERE item_id = ? AND author = ? AND id < ?"), {item, author, id})
            .isValid())
        return false;
    return store.scalar(QStringLiteral("SELECT COUNT(DISTINCT author) FROM decisions WHERE item_id = ? AND author <> ? AND id < ?"),
                        {item, author, id})
               .toInt()
           >= overlap;
}

} // namespace

void resolveJournalEntry(ProjectStore& store, JournalEntry& e)
{
    Decision& d = e.decision;
    qint64 item = d.itemId;
    if (item <= 0) {
        const QVariant id = store.scalar(QStringLiteral("SELECT id FROM items WHERE ext_id = ?"), {e.itemExtId});
        if (!id.isValid())
            throw Error(QStringLiteral("%1: no item \"%2\"").arg(store.path(), e.itemExtId));
        item = id.toLongLong();
    }
    qint64 label = d.labelId;
    if (label <= 0 && !e.labelName.isEmpty()) {
        const QVariant id = store.scalar(QStringLiteral("SELECT id FROM labels WHERE name = ?"), {e.labelName});
        if (!id.isValid())
            throw Error(QStringLiteral("%1: no label \"%2\" (labels: %3)")
                            .arg(store.path(), e.labelName, store.labelNames().join(QStringLiteral(", "))));
        label = id.toLongLong();
    } else if (label <= 0 && d.action == QLatin1String("accept")) {
        const Snapshot s = loadSnapshot(store);
        const RunData consensus = openingConsensus(&store, s);
        const int32_t i = s.itemIndexById.value(item, -1);
        const int32_t l = i >= 0 ? consensus.labels[static_cast<size_t>(i)] : -1;
        if (l < 0)
            throw Error(QStringLiteral("%1: item \"%2\" has no consensus label to accept").arg(store.path(), e.itemExtId));
        label = s.labelIds[l];
    }
    d.itemId = item;
    d.labelId = label;
}

FlushReport flushJournal(ProjectStore& store, Journal& journal)
{
    FlushReport report;
    const QList<JournalEntry> work = journal.take(journalProjectKey(store.location()));
    int overlap = 0;
    for (const JournalEntry& taken : work) {
        FlushResult r;
        r.entry = taken;
        if (report.connectionLost) {
            // The server is gone: the rest wait for the next flush, untried.
            journal.release(taken.uuid, taken.lastError);
            r.result = FlushResult::Result::Queued;
            r.error = taken.lastError;
            ++report.queued;
            report.results.append(r);
            continue;
        }
        try {
            resolveJournalEntry(store, r.entry);
            r.outcome = decideItem(store, r.entry.decision, r.entry.uuid);
            if (r.outcome.duplicate) {
                if (overlap == 0)
                    overlap = teamSettings(store).overlap;
                r.outcome.late = storedLate(store, r.outcome.id, overlap);
            }
            journal.markSent(r.entry.uuid, r.outcome);
            r.result = FlushResult::Result::Sent;
            ++report.sent;
            report.duplicate += r.outcome.duplicate;
            report.late += r.outcome.late;
        } catch (const ConnectionLostError& e) {
            journal.release(r.entry.uuid, e.message());
            report.connectionLost = true;
            r.result = FlushResult::Result::Queued;
            r.error = e.message();
            ++report.queued;
        } catch (const Error& e) {
            // Refused for another reason (no such item, permission): kept and reported, never
            // dropped; the next flush tries again.
            journal.release(r.entry.uuid, e.message());
            r.result = FlushResult::Result::Failed;
            r.error = e.message();
            ++report.failed;
        }
        report.results.append(r);
    }
    return report;
}

} // namespace chorus::model
