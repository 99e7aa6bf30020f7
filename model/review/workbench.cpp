#include "workbench.h"

#include "adjudication.h"
#include "outbox.h"
#include "teamreview.h"

#include <QUuid>

#include <QSqlQuery>
#include <QUndoCommand>

#include <numeric>

namespace chorus::model {

namespace {

// One undoable change of the human state of some items. redo()/undo() write to the project
// first; if the write fails the command is marked obsolete (QUndoStack drops it) and the
// error is reported, so the stack never claims a change that is not on disk.
class DecisionCommand final : public QUndoCommand
{
public:
    DecisionCommand(Workbench* wb, std::vector<int32_t> items, std::vector<ItemState> before,
                    std::vector<ItemState> after, QString action, const QString& text)
        : QUndoCommand(text), m_wb(wb), m_items(std::move(items)), m_before(std::move(before)),
          m_after(std::move(after)), m_action(std::move(action))
    {
    }

    void redo() override
    {
        apply(m_after, m_action);
        if (m_pushed)  // the first redo() is the push itself, not a step through the history
            emit m_wb->historyStepped(m_items, Workbench::tr("Redone: %1").arg(text()));
        m_pushed = true;
    }
    void undo() override
    {
        apply(m_before, QStringLiteral("undo"));
        emit m_wb->historyStepped(m_items, Workbench::tr("Undone: %1").arg(text()));
    }

private:
    void apply(const std::vector<ItemState>& states, const QString& action)
    {
        try {
            m_wb->applyStates(m_items, states, action);
        } catch (const Error& e) {
            setObsolete(true);
            m_wb->reportError(e.message());
        }
    }

    Workbench* m_wb;
    std::vector<int32_t> m_items;
    std::vector<ItemState> m_before, m_after;
    QString m_action;
    bool m_pushed = false;
};

} // namespace

Workbench::Workbench(QObject* parent) : QObject(parent)
{
    m_pool.setMaxThreadCount(2);
    m_author = qEnvironmentVariable("USER", QStringLiteral("reviewer"));
    m_outbox = std::make_unique<DecisionOutbox>(&m_pool);
    connect(m_outbox.get(), &DecisionOutbox::queueChanged, this, &Workbench::updateQueuedMarks);
    connect(m_outbox.get(), &DecisionOutbox::delivered, this, &Workbench::outboxDelivered);
    connect(m_outbox.get(), &DecisionOutbox::refused, this, [this](const QList<FlushResult>& results) {
        emit errorOccurred(tr("The server refused %n queued decision(s): %1. They stay in %2 and are tried again with "
                              "your next decision (or chorus-cli sync).",
                              nullptr, static_cast<int>(results.size()))
                               .arg(results.value(0).error, m_outbox->journalPath()));
    });
}

Workbench::~Workbench()
{
    // The outbox's last signals must not reach a Workbench whose members are going away.
    disconnect(m_outbox.get(), nullptr, this, nullptr);
    m_outbox->stop();
    shutdown();
}

void Workbench::shutdown()
{
    m_pool.clear();
    m_pool.waitForDone();
}

void Workbench::openProject(const QString& path)
{
    auto store = std::make_unique<ProjectStore>();
    store->open(path);
    // Read before the snapshot: a decision committed in between is read again later, harmlessly.
    const qint64 seen = store->scalar(QStringLiteral("SELECT MAX(id) FROM decisions")).toLongLong();
    Snapshot s = loadSnapshot(*store);
    if (hasProject())
        emit aboutToCloseProject();
    m_outbox->stop();  // the outbox belongs to the project being replaced
    m_store = std::move(store);
    m_seenDecision = seen;
    m_undo.clear();
    setSnapshot(std::move(s));
}

void Workbench::setSnapshot(Snapshot snapshot)
{
    m_snapshot = std::move(snapshot);
    m_consensus = openingConsensus(m_store.get(), m_snapshot);
    m_model.setSource(&m_snapshot, &m_consensus);
    m_queued.assign(static_cast<size_t>(m_snapshot.numItems()), 0);
    m_model.setQueued(&m_queued);
    updateQueuedMarks();
    emit projectChanged();
}

void Workbench::closeProject()
{
    if (hasProject())
        emit aboutToCloseProject();
    m_outbox->stop();  // what is still queued stays in the journal for the next session
    m_undo.clear();
    m_model.setSource(nullptr, nullptr);
    m_queued.clear();
    m_snapshot = Snapshot();
    m_consensus = RunData();
    m_store.reset();
    emit projectChanged();
}

void Workbench::setConsensus(RunData run)
{
    m_consensus = std::move(run);
    m_model.consensusChanged();
    emit consensusChanged();
}

ItemState Workbench::stateOf(int32_t item) const
{
    return {m_snapshot.humanLabel[item], m_snapshot.status[item], m_snapshot.notes.value(item)};
}

int32_t Workbench::consensusOf(int32_t item) const
{
    return item >= 0 && item < static_cast<int32_t>(m_consensus.labels.size()) ? m_consensus.labels[item] : -1;
}

QString Workbench::itemMeta(int32_t item)
{
    return m_store->scalar(QStringLiteral("SELECT meta FROM items WHERE id = ?"), {m_snapshot.itemIds[item]}).toString();
}

QList<Decision> Workbench::itemHistory(int32_t item)
{
    return m_store->decisionHistory(m_snapshot.itemIds[item]);
}

QHash<QString, QVector<double>> Workbench::itemProbabilities(int32_t item)
{
    return loadItemProbabilities(*m_store, m_snapshot, m_snapshot.itemIds[item]);
}

QList<RunSummary> Workbench::runs()
{
    return hasProject() ? listRuns(*m_store) : QList<RunSummary>();
}

QStringList Workbench::annotatorsWithProbabilities() const
{
    QStringList out;
    for (size_t a = 0; a < m_snapshot.annotatorHasProbabilities.size(); ++a)
        if (m_snapshot.annotatorHasProbabilities[a])
            out << m_snapshot.annotators[static_cast<qsizetype>(a)];
    return out;
}

void Workbench::useRun(qint64 runId)
{
    setConsensus(loadRun(*m_store, m_snapshot, runId));
}

std::vector<int32_t> Workbench::controls(bool gold, bool overrides) const
{
    std::vector<int32_t> c(m_snapshot.numItems(), -1);
    for (int32_t i = 0; i < m_snapshot.numItems(); ++i) {
        if (overrides && m_snapshot.humanLabel[i] >= 0)
            c[i] = m_snapshot.humanLabel[i];
        else if (gold && m_snapshot.gold[i] >= 0)
            c[i] = m_snapshot.gold[i];
    }
    return c;
}

QList<Decision> Workbench::decisionRows(const std::vector<int32_t>& items, const std::vector<ItemState>& states,
                                       const QString& action) const
{
    QList<Decision> rows;
    const QString now = nowIso();
    for (size_t k = 0; k < items.size(); ++k) {
        Decision d;
        d.itemId = m_snapshot.itemIds[items[k]];
        d.action = action;
        d.labelId = states[k].label >= 0 ? m_snapshot.labelIds[states[k].label] : 0;
        d.status = states[k].status;
        d.note = states[k].note;
        // On a server the decision is the connection's role's (row-level security accepts no
        // other author from reviewers).
        d.author = m_store->isServer() ? m_store->sessionUser() : m_author;
        // Every decision the table writes carries a UUID, as the CLI's and the team review's do.
        d.uuid = QUuid::createUuid().toString(QUuid::WithoutBraces);
        d.createdAt = now;
        rows << d;
    }
    return rows;
}

void Workbench::showStates(const std::vector<int32_t>& items, const std::vector<ItemState>& states,
                           const std::vector<size_t>& which)
{
    if (which.empty())
        return;
    std::vector<int32_t> shown;
    for (size_t k : which) {
        setState(items[k], states[k]);
        shown.push_back(items[k]);
    }
    m_model.itemsChanged(shown);
    emit decisionsChanged(shown);
}

void Workbench::applyStates(const std::vector<int32_t>& items, const std::vector<ItemState>& states,
                            const QString& action)
{
    if (!hasProject())
        throw Error(tr("no project is open"));
    const QList<Decision> rows = decisionRows(items, states, action);
    std::vector<size_t> all(items.size());
    std::iota(all.begin(), all.end(), size_t(0));
    if (!m_teamDecisions) {
        m_store->appendDecisions(rows);  // on disk before anything below shows it
        showStates(items, states, all);
        return;
    }
    if (m_store->isServer() && m_outbox->isActive()) {
        sendThroughOutbox(items, states, rows);
        return;
    }
    // Team review on a file: each decision on its own, as the reviewer's, once per UUID. A
    // failure part way leaves the earlier ones written and shown (each is a decision of its own).
    std::vector<int32_t> late;
    QList<qint64> written;
    try {
        for (const Decision& d : std::as_const(rows)) {
            if (decideItem(*m_store, d, d.uuid).late)
                late.push_back(items[written.size()]);
            written << d.itemId;
        }
    } catch (const Error&) {
        showStates(items, states, std::vector<size_t>(all.begin(), all.begin() + written.size()));
        if (!written.isEmpty())
            emit teamDecided(written);
        throw;
    }
    showStates(items, states, all);
    emit teamDecided(written);
    if (!late.empty())
        emit lateDecisions(late);
}

bool Workbench::push(const std::vector<int32_t>& items, std::vector<ItemState> after, const QString& action,
                     const QString& text)
{
    std::vector<int32_t> changed;
    std::vector<ItemState> before, target;
    for (size_t k = 0; k < items.size(); ++k) {
        const ItemState b = stateOf(items[k]);
        if (b == after[k])
            continue;
        changed.push_back(items[k]);
        before.push_back(b);
        target.push_back(after[k]);
    }
    if (changed.empty())
        return true;
    auto* cmd = new DecisionCommand(this, std::move(changed), std::move(before), std::move(target), action, text);
    m_writeFailed = false;
    m_undo.push(cmd);  // runs redo(); a failed write makes the command obsolete and it is deleted
    return !m_writeFailed;
}

bool Workbench::setHumanLabel(const std::vector<int32_t>& items, int32_t label)
{
    if (items.empty() || label < 0 || label >= m_snapshot.numLabels())
        return false;
    std::vector<ItemState> after;
    for (int32_t i : items) {
        ItemState s = stateOf(i);
        s.label = label;
        s.status = ReviewStatus::Reviewed;
        after.push_back(s);
    }
    const QString text = items.size() == 1
        ? tr("Label %1 as %2").arg(m_snapshot.itemExtIds[items[0]], m_snapshot.labels[label])
        : tr("Label %n items as %1", nullptr, static_cast<int>(items.size())).arg(m_snapshot.labels[label]);
    return push(items, std::move(after), QStringLiteral("label"), text);
}

bool Workbench::adjudicate(int32_t item, int32_t label)
{
    if (!hasProject() || item < 0 || item >= m_snapshot.numItems() || label < 0 || label >= m_snapshot.numLabels())
        return false;
    try {
        adjudicateItem(*m_store, m_snapshot.itemIds[item], m_snapshot.labelIds[label]);
    } catch (const Error& e) {
        emit errorOccurred(e.message());
        return false;
    }
    ItemState s = stateOf(item);
    s.label = label;
    s.status = ReviewStatus::Reviewed;
    setState(item, s);
    if (static_cast<size_t>(item) < m_snapshot.adjudicated.size())
        m_snapshot.adjudicated[static_cast<size_t>(item)] = 1;
    m_model.itemsChanged({item});
    emit decisionsChanged({item});
    return true;
}

bool Workbench::acceptConsensus(const std::vector<int32_t>& items)
{
    std::vector<int32_t> withConsensus;
    std::vector<ItemState> after;
    for (int32_t i : items) {
        const int32_t c = consensusOf(i);
        if (c < 0)
            continue;
        ItemState s = stateOf(i);
        s.label = c;
        s.status = ReviewStatus::Reviewed;
        withConsensus.push_back(i);
        after.push_back(s);
    }
    if (withConsensus.empty())
        return false;
    const QString text = withConsensus.size() == 1
        ? tr("Accept consensus for %1").arg(m_snapshot.itemExtIds[withConsensus[0]])
        : tr("Accept consensus for %n items", nullptr, static_cast<int>(withConsensus.size()));
    return push(withConsensus, std::move(after), QStringLiteral("accept"), text);
}

bool Workbench::setFlagged(const std::vector<int32_t>& items, bool flagged)
{
    if (items.empty())
        return false;
    std::vector<ItemState> after;
    for (int32_t i : items) {
        ItemState s = stateOf(i);
        s.status = flagged ? ReviewStatus::Flagged
                           : (s.label >= 0 ? ReviewStatus::Reviewed : ReviewStatus::Unreviewed);
        after.push_back(s);
    }
    const QString text = flagged ? tr("Flag %n item(s)", nullptr, static_cast<int>(items.size()))
                                 : tr("Unflag %n item(s)", nullptr, static_cast<int>(items.size()));
    return push(items, std::move(after), flagged ? QStringLiteral("flag") : QStringLiteral("unflag"), text);
}

bool Workbench::setNote(int32_t item, const QString& note)
{
    ItemState s = stateOf(item);
    s.note = note;
    return push({item}, {s}, QStringLiteral("note"), tr("Note on %1").arg(m_snapshot.itemExtIds[item]));
}

bool Workbench::clearDecision(const std::vector<int32_t>& items)
{
    if (items.empty())
        return false;
    std::vector<ItemState> after(items.size());
    return push(items, std::move(after), QStringLiteral("clear"),
                tr("Clear decision on %n item(s)", nullptr, static_cast<int>(items.size())));
}

} // namespace chorus::model
