#pragma once
// The state behind the review window: the open project, its snapshot, the consensus shown,
// the table model and the undo stack of human decisions. Lives on the GUI thread.
//
// Every decision is written to the project (one committed transaction, fsync'd) before the
// snapshot and the table change, so whatever the UI shows as done is on disk.

#include "itemtablemodel.h"
#include "projectstore.h"
#include "runstore.h"
#include "snapshot.h"

#include <QObject>
#include <QThreadPool>
#include <QUndoStack>

#include <memory>

namespace chorus::model {

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
    bool hasProject() const { return m_store && m_store->isOpen(); }
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

    /// On-demand details of one item for the item panel (read on the GUI thread's connection).
    QString itemMeta(int32_t item);
    QList<Decision> itemHistory(int32_t item);
    QHash<QString, QVector<double>> itemProbabilities(int32_t item);

    QList<RunSummary> runs();
    /// Annotators that reported probabilities for at least one item.
    QStringList annotatorsWithProbabilities();
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

    /// Cancels outstanding jobs and waits for them (called on shutdown).
    void shutdown();

signals:
    void projectChanged();
    void decisionsChanged(const std::vector<int32_t>& items);
    void consensusChanged();
    void errorOccurred(const QString& message);
    /// An undo or redo changed these items (already on disk); description says what, e.g.
    /// "Undone: label i2 as b".
    void historyStepped(const std::vector<int32_t>& items, const QString& description);

private:
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
};

} // namespace chorus::model
