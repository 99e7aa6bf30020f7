// Workbench: team review on a server. Decisions go through the journal and outbox (queued while
// the server is away, marked in the table), and other reviewers' decisions are read back in.

#include "workbench.h"

#include "outbox.h"
#include "teamreview.h"

#include <QSet>
#include <QSqlQuery>

#include <algorithm>

namespace chorus::model {

void Workbench::sendThroughOutbox(const std::vector<int32_t>& items, const std::vector<ItemState>& states,
                                  const QList<Decision>& rows)
{
    // Team review on a server: journalled first (submit throws when the journal cannot be
    // written: nothing shown), then sent; what the server cannot take now is shown as queued.
    QList<JournalEntry> entries;
    const QString key = journalProjectKey(m_store->location());
    for (size_t k = 0; k < items.size(); ++k) {
        JournalEntry e;
        e.uuid = rows[k].uuid;
        e.projectKey = key;
        e.decision = rows[k];
        e.itemExtId = m_snapshot.itemExtIds[items[k]];
        e.labelName = states[k].label >= 0 ? m_snapshot.labels[states[k].label] : QString();
        entries << e;
    }
    const FlushReport report = m_outbox->submit(*m_store, entries);
    std::vector<size_t> kept;
    std::vector<int32_t> late;
    QList<qint64> sent;
    QString refusal;
    for (size_t k = 0; k < items.size(); ++k) {
        const auto it = std::find_if(report.results.cbegin(), report.results.cend(),
                                     [&](const FlushResult& r) { return r.entry.uuid == rows[k].uuid; });
        if (it != report.results.cend() && it->result == FlushResult::Result::Failed) {
            if (refusal.isEmpty())
                refusal = it->error;
            continue;
        }
        kept.push_back(k);
        if (it != report.results.cend() && it->result == FlushResult::Result::Sent) {
            sent << rows[k].itemId;
            if (it->outcome.late)
                late.push_back(items[k]);
        }
    }
    showStates(items, states, kept);
    if (!sent.isEmpty())
        emit teamDecided(sent);
    if (!late.empty())
        emit lateDecisions(late);
    if (!refusal.isEmpty())
        throw Error(refusal);
}

int32_t Workbench::itemOfEntry(const JournalEntry& e) const
{
    if (e.decision.itemId > 0)
        return m_snapshot.itemIndexById.value(e.decision.itemId, -1);
    // Queued by chorus-cli while the server was away: known by its external id only.
    return static_cast<int32_t>(m_snapshot.itemExtIds.indexOf(e.itemExtId));
}

void Workbench::updateQueuedMarks()
{
    if (m_queued.size() != static_cast<size_t>(m_snapshot.numItems()))
        return;
    std::vector<uint8_t> now(m_queued.size(), 0);
    for (const JournalEntry& e : m_outbox->queued()) {
        const int32_t i = itemOfEntry(e);
        if (i >= 0)
            now[static_cast<size_t>(i)] = 1;
    }
    std::vector<int32_t> changed;
    for (size_t i = 0; i < now.size(); ++i)
        if (now[i] != m_queued[i])
            changed.push_back(static_cast<int32_t>(i));
    m_queued = std::move(now);
    if (!changed.empty())
        m_model.itemsChanged(changed);
}

void Workbench::outboxDelivered(const QList<FlushResult>& results)
{
    QList<qint64> ids;
    std::vector<int32_t> late;
    for (const FlushResult& r : results) {
        ids << r.entry.decision.itemId;
        if (r.outcome.late) {
            const int32_t i = itemOfEntry(r.entry);
            if (i >= 0)
                late.push_back(i);
        }
    }
    emit teamDecided(ids);
    if (!late.empty())
        emit lateDecisions(late);
}

void Workbench::setState(int32_t item, const ItemState& state)
{
    m_snapshot.humanLabel[item] = state.label;
    m_snapshot.status[item] = state.status;
    if (state.note.isEmpty())
        m_snapshot.notes.remove(item);
    else
        m_snapshot.notes.insert(item, state.note);
}

std::vector<int32_t> Workbench::refreshItems(const QList<qint64>& itemIds)
{
    std::vector<int32_t> changed;
    if (!hasProject())
        return changed;
    // The current decision of each item, through the (item_id, id) index: its latest
    // adjudication if it has one (an adjudication wins over later reviews, as in loadSnapshot),
    // else its latest decision.
    m_store->forEachInChunks(QStringLiteral("SELECT d.item_id, d.label_id, d.status, d.note FROM decisions d "
                                            "WHERE d.item_id IN (%1) AND d.id = COALESCE((SELECT MAX(e.id) FROM "
                                            "decisions e WHERE e.item_id = d.item_id AND e.action = 'adjudicate'), "
                                            "(SELECT MAX(e.id) FROM decisions e WHERE e.item_id = d.item_id))"),
                             {}, itemIds, [&](QSqlQuery& q) {
                                 const int32_t item = m_snapshot.itemIndexById.value(q.value(0).toLongLong(), -1);
                                 if (item < 0)
                                     return;  // imported after this window's snapshot
                                 ItemState state;
                                 state.label = q.value(1).isNull()
                                     ? -1
                                     : m_snapshot.labelIndexById.value(q.value(1).toLongLong(), -1);
                                 state.status = statusFromName(q.value(2).toString());
                                 state.note = q.value(3).toString();
                                 if (state == stateOf(item))
                                     return;
                                 setState(item, state);
                                 changed.push_back(item);
                             });
    if (changed.empty())
        return changed;
    std::sort(changed.begin(), changed.end());
    m_model.itemsChanged(changed);
    emit decisionsChanged(changed);
    return changed;
}

std::vector<int32_t> Workbench::refreshNewDecisions()
{
    if (!hasProject())
        return {};
    QList<qint64> items;
    qint64 last = m_seenDecision;
    QSqlQuery q = m_store->exec(QStringLiteral("SELECT item_id, id FROM decisions WHERE id > ? ORDER BY id"), {m_seenDecision});
    QSet<qint64> seen;
    while (q.next()) {
        const qint64 item = q.value(0).toLongLong();
        if (!seen.contains(item)) {
            seen.insert(item);
            items << item;
        }
        last = std::max(last, q.value(1).toLongLong());
    }
    m_seenDecision = last;
    return refreshItems(items);
}

} // namespace chorus::model
