#pragma once
// Where an import's rows go. ImportWriter resolves names to ids, normalises labels, validates
// and reports errors with their file and line; an ImportTarget only stores what it is given:
// - SqlImportTarget: a project's tables, inside one transaction (importFile);
// - MemoryImportTarget: columnar memory, turned into the Snapshot a project holding the same
//   rows would load (readFileSnapshot, the analysis commands' --input). One parser, two sinks.

#include "projectstore.h"
#include "snapshot.h"

#include <QHash>
#include <QList>
#include <QPair>
#include <QSqlQuery>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

struct sqlite3_stmt;

namespace chorus::model {

/// Thrown by ImportTarget::addAnnotation() or flush() when a row it had buffered duplicates an
/// annotation already stored or buffered before it. sequence counts addAnnotation() calls from
/// 0, so the caller can tell which of its recent rows it was (at most maxBuffered() calls back);
/// of several duplicates it is the first in the order of the calls.
struct DuplicateAnnotation
{
    qint64 sequence;
};

class ImportTarget
{
public:
    /// Rows per multi-row INSERT of SqlImportTarget.
    static constexpr int kMaxBuffered = 128;

    virtual ~ImportTarget() = default;

    /// addAnnotation() may buffer up to this many rows before they reach storage.
    virtual qint64 maxBuffered() const { return kMaxBuffered; }

    /// Runs fn as one all-or-nothing unit: a transaction for a project; memory is simply
    /// discarded by its owner when fn throws.
    virtual void transaction(const std::function<void()>& fn) = 0;

    /// What the target already holds (a project being added to): ext id -> item id, annotator
    /// name -> id, and the labels in position order.
    virtual QHash<QString, qint64> existingItems() = 0;
    virtual QHash<QString, qint64> existingAnnotators() = 0;
    virtual QList<QPair<QString, qint64>> existingLabels() = 0;

    virtual bool labelSetClosed() = 0;
    virtual void setLabelSetClosed(bool closed) = 0;
    /// Appends a label (last position) and returns its id.
    virtual qint64 addLabel(const QString& name) = 0;
    /// The label order rules of model/store/labelorder.h.
    virtual void declareLabelOrder(const QStringList& declared) = 0;
    virtual void canonicalizeLabelOrder() = 0;

    /// Adds an item; metaJson empty = no metadata. Returns its id.
    virtual qint64 addItem(const QString& extId, const QString& text, const QString& metaJson) = 0;
    /// Replaces the text when text is non-empty and the metadata when metaJson is non-empty.
    virtual void updateItem(qint64 item, const QString& text, const QString& metaJson) = 0;
    virtual qint64 addAnnotator(const QString& name, AnnotatorKind kind, std::optional<double> costPerItem) = 0;

    enum class Added { Ok, Duplicate };
    /// Adds an annotation; label -1 is INVALID; a null raw or probs is stored as NULL. Returns
    /// Duplicate (and stores nothing) when the item already has one from that annotator.
    virtual Added addAnnotation(qint64 item, qint64 annotator, qint64 label, const QString& raw,
                                const QString& probs, std::optional<double> score) = 0;
    /// Writes buffered annotations out (may throw DuplicateAnnotation).
    virtual void flush() {}
    /// Sets (or replaces) the gold label of an item / the human count of (item, label).
    virtual void setGold(qint64 item, qint64 label) = 0;
    virtual void setHumanCount(qint64 item, qint64 label, qint64 count) = 0;
};

/// What both engines' targets share: names and ids read back, labels, annotators and item
/// updates through ordinary statements. Throws Error with the engine's message on a failure.
class ProjectImportTarget : public ImportTarget
{
public:
    explicit ProjectImportTarget(ProjectStore& store) : m_store(store) {}

    QHash<QString, qint64> existingItems() override;
    QHash<QString, qint64> existingAnnotators() override;
    QList<QPair<QString, qint64>> existingLabels() override;
    bool labelSetClosed() override { return m_store.labelSetClosed(); }
    void setLabelSetClosed(bool closed) override { m_store.setLabelSetClosed(closed); }
    qint64 addLabel(const QString& name) override { return m_store.ensureLabel(name); }
    void declareLabelOrder(const QStringList& declared) override;
    void canonicalizeLabelOrder() override;
    qint64 addAnnotator(const QString& name, AnnotatorKind kind, std::optional<double> costPerItem) override;

protected:
    /// UPDATE of a stored item's text (when non-empty) and metadata (when non-empty).
    void updateStoredItem(qint64 item, const QString& text, const QString& metaJson);
    /// Lets go of the prepared UPDATE (before the transaction ends).
    void releaseStatements();

    ProjectStore& m_store;

private:
    QSqlQuery m_updItem;
    bool m_updPrepared = false;
};

/// The right target for a project: SqliteImportTarget for a file, PgImportTarget on a server.
std::unique_ptr<ImportTarget> makeProjectImportTarget(ProjectStore& store);

/// A SQLite project's tables, written through SQLite's C API (ProjectStore::sqliteHandle()).
class SqliteImportTarget final : public ProjectImportTarget
{
public:
    explicit SqliteImportTarget(ProjectStore& store);
    ~SqliteImportTarget() override;

    /// Annotations buffered (with SQLite's C API) before they are sorted and written.
    static constexpr qint64 kSortedRows = qint64(1) << 20;
    qint64 maxBuffered() const override;

    void transaction(const std::function<void()>& fn) override;
    qint64 addItem(const QString& extId, const QString& text, const QString& metaJson) override;
    void updateItem(qint64 item, const QString& text, const QString& metaJson) override;
    Added addAnnotation(qint64 item, qint64 annotator, qint64 label, const QString& raw, const QString& probs,
                        std::optional<double> score) override;
    void flush() override;
    void setGold(qint64 item, qint64 label) override;
    void setHumanCount(qint64 item, qint64 label, qint64 count) override;

private:
    void prepare();
    void finalizeStatements();
    // Annotations go to SQLite kMaxBuffered rows per INSERT: one statement per row spent most
    // of its work starting and ending the statement (cursors opened and closed per row). They
    // wait in memory, up to kSortedRows of them, and are written in (item, annotator) order:
    // rows in random item order (a shuffled CSV) otherwise insert into the primary-key index
    // at random places, which cost more than reading the file. Each row is 56 bytes; its raw
    // and probs texts, rarely present, sit in m_texts.
    struct Pending
    {
        qint64 item, annotator, label, sequence;
        double score;
        qint32 raw, probs;  // index into m_texts, -1: NULL
        bool hasScore;
    };
    void bindAnnotation(sqlite3_stmt* st, int first, const Pending& p, const std::vector<QString>& texts);
    qint32 keepText(const QString& s);
    void writeSorted(std::vector<Pending>& rows, const std::vector<QString>& texts);
    qint64 earliestConflict(const std::vector<Pending>& rows, qint64 lastRow, qint64 limit);
    std::vector<Pending> m_pending;
    std::vector<QString> m_texts;
    qint64 m_sequence = 0;

    bool m_prepared = false;
    sqlite3_stmt* m_rawItem = nullptr;
    sqlite3_stmt* m_rawAnn = nullptr;
    sqlite3_stmt* m_rawBatch = nullptr;  // kMaxBuffered rows
    sqlite3_stmt* m_rawExists = nullptr;   // is (item, annotator) stored, up to a rowid?
    sqlite3_stmt* m_rawLastRow = nullptr;  // the largest rowid of annotations
    sqlite3_stmt* m_rawGold = nullptr;
    sqlite3_stmt* m_rawCount = nullptr;
};

/// A server project's tables, written with COPY (model/store/pgcopy.h). The import holds an
/// exclusive lock on the items table (readers go on; a second import waits) and numbers new
/// items itself; rows wait in memory and go out in one COPY per table and flush. Annotations
/// of a project that already had some pass through a temporary table first, so that a
/// duplicate is found (and reported with its line) before anything is inserted.
class PgImportTarget final : public ProjectImportTarget
{
public:
    explicit PgImportTarget(ProjectStore& store);
    ~PgImportTarget() override;

    static constexpr qint64 kBufferedRows = qint64(1) << 20;
    qint64 maxBuffered() const override { return kBufferedRows; }

    void transaction(const std::function<void()>& fn) override;
    qint64 addItem(const QString& extId, const QString& text, const QString& metaJson) override;
    void updateItem(qint64 item, const QString& text, const QString& metaJson) override;
    Added addAnnotation(qint64 item, qint64 annotator, qint64 label, const QString& raw, const QString& probs,
                        std::optional<double> score) override;
    void flush() override;
    void setGold(qint64 item, qint64 label) override;
    void setHumanCount(qint64 item, qint64 label, qint64 count) override;

private:
    void flushItems();
    void flushAnnotations();
    struct Data;
    std::unique_ptr<Data> d;
};

/// Memory: rows kept in columns, ids numbered from 1 in the order they were added, as a new
/// project file would number them.
class MemoryImportTarget final : public ImportTarget
{
public:
    MemoryImportTarget();
    ~MemoryImportTarget() override;

    void transaction(const std::function<void()>& fn) override { fn(); }
    QHash<QString, qint64> existingItems() override { return {}; }
    QHash<QString, qint64> existingAnnotators() override { return {}; }
    QList<QPair<QString, qint64>> existingLabels() override;
    bool labelSetClosed() override { return m_closed; }
    void setLabelSetClosed(bool closed) override { m_closed = closed; }
    qint64 addLabel(const QString& name) override;
    void declareLabelOrder(const QStringList& declared) override;
    void canonicalizeLabelOrder() override;
    qint64 addItem(const QString& extId, const QString& text, const QString& metaJson) override;
    void updateItem(qint64 item, const QString& text, const QString& metaJson) override;
    qint64 addAnnotator(const QString& name, AnnotatorKind kind, std::optional<double> costPerItem) override;
    Added addAnnotation(qint64 item, qint64 annotator, qint64 label, const QString& raw, const QString& probs,
                        std::optional<double> score) override;
    void setGold(qint64 item, qint64 label) override;
    void setHumanCount(qint64 item, qint64 label, qint64 count) override;

    /// The Snapshot that loadSnapshot() would read from a project holding these rows (no
    /// decisions: every item unreviewed). Moves the rows out: call once.
    Snapshot takeSnapshot();
    /// What loadAnnotatorProbabilities() would read for annotator index a of that snapshot.
    ProbabilityTable probabilities(const Snapshot& s, int32_t annotator) const;
    /// Item metadata (a JSON object as text, or empty) by item index.
    QString itemMeta(int32_t item) const;

private:
    struct Data;
    std::unique_ptr<Data> d;
    bool m_closed = false;
};

} // namespace chorus::model
