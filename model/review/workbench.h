#pragma once
// The state behind the review window: the open project, its snapshot, the consensus shown,
// the table model and the undo stack of human decisions. Lives on the GUI thread.
//
// Every decision is written to the project (one committed transaction, fsync'd) before the
// snapshot and the table change, so whatever the UI shows as done is on disk.

#include "itemtablemodel.h"
#include "journal.h"
#include "projectstore.h"
#include "runstore.h"
#include "snapshot.h"

#include <QObject>
#include <QThreadPool>
#include <QUndoStack>

#include <memory>

namespace chorus::model {

class DecisionOutbox;

/// The human state of one item.
struct ItemState
{
    int32_t label = -1;
    ReviewStatus status = ReviewStatus::Unreviewed;
    QString note;
    bool operator==(const ItemState&) const = default;
};

class Workbench final : public QObject
{
    Q_OBJECT

public:
    explicit Workbench(QObject* parent = nullptr);
    ~Workbench() override;

    /// Opens a project synchronously (throws Error). Loads the latest saved run as the
    /// consensus, or computes majority vote when there is none.
    void openProject(const QString& path);
    /// Replaces the snapshot (after an import/reload done on a worker thread).
    void setSnapshot(Snapshot snapshot);
    void closeProject();
    /// A project is open (on a server, also while its connection is down: the store reconnects
    /// on its next statement, and team decisions queue meanwhile).
    bool hasProject() const { return m_store != nullptr; }
    QString projectPath() const { return m_store ? m_store->path() : QString(); }

    const Snapshot& snapshot() const { return m_snapshot; }
    const RunData& consensus() const { return m_consensus; }
    void setConsensus(RunData run);
    ItemTableModel* tableModel() { return &m_model; }
    QUndoStack* undoStack() { return &m_undo; }
    ProjectStore& store() { return *m_store; }
    QThreadPool* pool() { return &m_pool; }

    QString author() const { return m_author; }
    void setAuthor(const QString& author) { m_author = author; }

    ItemState stateOf(int32_t item) const;
    /// The consensus label of an item (-1 none).
    int32_t consensusOf(int32_t item) const;

    // Decisions. Each pushes one undoable command; returns false (and emits errorOccurred)
    // when the project could not be written, in which case nothing changed.
    bool setHumanLabel(const std::vector<int32_t>& items, int32_t label);
    bool acceptConsensus(const std::vector<int32_t>& items);
    bool setFlagged(const std::vector<int32_t>& items, bool flagged);
    bool setNote(int32_t item, const QString& note);
    bool clearDecision(const std::vector<int32_t>& items);
    /// An adjudicator's final label for an item (team review, adjudication.h): written at once
    /// (append-only, not on the undo stack), then shown. False, with errorOccurred(), when the
    /// store refuses it (e.g. a reviewer's login on a server).
    bool adjudicate(int32_t item, int32_t label);

    /// On-demand details of one item for the item panel (read on the GUI thread's connection).
    QString itemMeta(int32_t item);
    QList<Decision> itemHistory(int32_t item);
    QHash<QString, QVector<double>> itemProbabilities(int32_t item);

    QList<RunSummary> runs();
    /// Annotators that reported probabilities for at least one item, in annotator order (read
    /// with the snapshot).
    QStringList annotatorsWithProbabilities() const;
    /// Shows saved run runId as the consensus. Throws Error.
    void useRun(qint64 runId);
    /// Known truth per item for EM methods: gold and/or the human labels (overrides win).
    std::vector<int32_t> controls(bool gold, bool overrides) const;

    /// Writes the given states (one transaction) then updates snapshot and table. Throws Error.
    void applyStates(const std::vector<int32_t>& items, const std::vector<ItemState>& states,
                     const QString& action);
    void reportError(const QString& message)
    {
        m_writeFailed = true;
        emit errorOccurred(message);
    }

    /// Team review (docs/team.md): while on, every decision the table writes is the reviewer's
    /// own through decideItem (stored once per UUID, ends the reviewer's claim, reported when
    /// late), one item at a time; off, decisions go in as one batch. Undo appends a decision
    /// either way, never deletes one.
    void setTeamDecisions(bool on) { m_teamDecisions = on; }
    bool teamDecisions() const { return m_teamDecisions; }
    /// Team decisions on a server project go through this outbox once it is started (TeamMode
    /// starts it for a team project): journalled first, shown as queued while the server is
    /// away, sent when it is back (docs/team.md "When the connection drops").
    DecisionOutbox* outbox() { return m_outbox.get(); }
    /// The item has a decision of this reviewer waiting in the journal (not on the server yet).
    bool isQueued(int32_t item) const
    {
        return item >= 0 && static_cast<size_t>(item) < m_queued.size() && m_queued[static_cast<size_t>(item)];
    }
    /// Re-reads the latest decision of these items (database ids) from the project and shows
    /// it (others' decisions, live updates); emits decisionsChanged for those that changed.
    /// Returns them. An index lookup per item: no scan of the project.
    std::vector<int32_t> refreshItems(const QList<qint64>& itemIds);
    /// Re-reads the items with decisions newer than any seen so far (the fallback of live
    /// updates, after a lost notification connection). Returns the changed items.
    std::vector<int32_t> refreshNewDecisions();

    /// Cancels outstanding jobs and waits for them (called on shutdown).
    void shutdown();

signals:
    void projectChanged();
    /// The open project is about to be closed (or replaced): its store is still open.
    void aboutToCloseProject();
    void decisionsChanged(const std::vector<int32_t>& items);
    void consensusChanged();
    void errorOccurred(const QString& message);
    /// An undo or redo changed these items (already on disk); description says what, e.g.
    /// "Undone: label i2 as b".
    void historyStepped(const std::vector<int32_t>& items, const QString& description);
    /// Team decisions on these items were kept but came late: the items already had `overlap`
    /// other reviewers (decideItem's DecisionOutcome::late).
    void lateDecisions(const std::vector<int32_t>& items);
    /// Team decisions were written for these items (database ids): their claims ended.
    void teamDecided(const QList<qint64>& itemIds);

private:
    void setState(int32_t item, const ItemState& state);
    void showStates(const std::vector<int32_t>& items, const std::vector<ItemState>& states, const std::vector<size_t>& which);
    QList<Decision> decisionRows(const std::vector<int32_t>& items, const std::vector<ItemState>& states,
                                 const QString& action) const;
    void sendThroughOutbox(const std::vector<int32_t>& items, const std::vector<ItemState>& states, const QList<Decision>& rows);
    void updateQueuedMarks();
    void outboxDelivered(const QList<FlushResult>& results);
    int32_t itemOfEntry(const JournalEntry& e) const;
    bool push(const std::vector<int32_t>& items, std::vector<ItemState> after, const QString& action,
              const QString& text);

    std::unique_ptr<ProjectStore> m_store;
    Snapshot m_snapshot;
    RunData m_consensus;
    ItemTableModel m_model;
    QUndoStack m_undo;
    QThreadPool m_pool;
    QString m_author;
    bool m_writeFailed = false;
    bool m_teamDecisions = false;
    qint64 m_seenDecision = 0;  ///< decisions up to this id are in the snapshot
    std::unique_ptr<DecisionOutbox> m_outbox;
    std::vector<uint8_t> m_queued;  ///< per item: a decision waits in the outbox's journal
};

} // namespace chorus::model
