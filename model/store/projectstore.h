#pragma once
// A Chorus project: one SQLite file (.chorus), or one schema of a PostgreSQL database, holding
// items, labels, annotators, annotations, gold, human judgment counts, the append-only history
// of human decisions and saved aggregation runs. See docs/project-format.md for the schema and
// docs/server-projects.md for projects on a server.

#include "errors.h"
#include "location.h"

#include <QHash>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>
#include <QVariant>

#include <functional>

struct sqlite3;

namespace chorus::model {

class Dialect;

/// Kind of an annotator. "reviewer" is an expensive labeler whose answers come back from a
/// relabel queue.
enum class AnnotatorKind { Llm, Human, Reviewer };
QString kindName(AnnotatorKind kind);
AnnotatorKind kindFromName(const QString& name, bool* ok = nullptr);

/// Review status of an item, derived from its latest decision.
enum class ReviewStatus { Unreviewed, Reviewed, Flagged };
QString statusName(ReviewStatus s);
ReviewStatus statusFromName(const QString& name);

/// One row of the append-only decision history. labelId 0 means "no human label".
struct Decision
{
    qint64 id = 0;
    qint64 itemId = 0;
    QString action;  ///< "label", "accept", "flag", "unflag", "note", "clear", "undo", ...
    qint64 labelId = 0;
    ReviewStatus status = ReviewStatus::Unreviewed;
    QString note;
    QString author;
    QString createdAt;  ///< ISO 8601 UTC with milliseconds
    /// The writer's UUID for this decision (schema 5); stored at most once per project, so a
    /// resend is refused instead of doubled. Empty: none (NULL).
    QString uuid;
};

/// Counts shown by `chorus-cli info`.
struct ProjectInfo
{
    int schemaVersion = 0;
    qint64 items = 0, annotators = 0, labels = 0, annotations = 0, invalidAnnotations = 0,
           gold = 0, itemsWithHumanCounts = 0, decisions = 0, runs = 0;
    /// Items by current review status (that of the item's latest decision; no decision is
    /// unreviewed). The three add up to items. reviewedItems counts `reviewed` only; earlier
    /// versions also counted flagged items in it.
    qint64 reviewedItems = 0, flaggedItems = 0, unreviewedItems = 0;
    QStringList labelNames;
    QStringList annotatorNames;
};

/// Owns one connection to a project. A connection belongs to the thread that opened it: worker
/// threads open their own ProjectStore on the same location (a file: WAL lets readers and one
/// writer work at once; a server: one more session).
class ProjectStore
{
public:
    static constexpr int kSchemaVersion = 5;

    ProjectStore();
    ~ProjectStore();
    ProjectStore(const ProjectStore&) = delete;
    ProjectStore& operator=(const ProjectStore&) = delete;

    enum class Mode { OpenExisting, CreateOrOpen, CreateNew };
    /// Opens the project at a file path or a server URI (ProjectLocation); creates/migrates the
    /// schema as needed. Throws Error with a clear message (missing file or project, not a
    /// Chorus project, written by a newer version, locked, server unreachable, ...), and
    /// PasswordNeededError when the server wants a password it was not given.
    void open(const QString& location, Mode mode = Mode::OpenExisting);
    /// An in-memory project (for `--input FILE` analysis commands and tests).
    void openInMemory();
    void close();
    bool isOpen() const;
    /// The file path, or the server URI (never holding a password), as errors name it.
    QString path() const { return m_path; }
    const ProjectLocation& location() const { return m_location; }
    bool isServer() const { return m_location.isServer(); }
    /// The server role this connection acts as (empty for a file). Reviewers and adjudicators
    /// of a server project may write decisions under this author only (row-level security).
    QString sessionUser() const { return m_sessionUser; }
    QSqlDatabase& db() { return m_db; }
    /// The SQLite connection under db() for the bulk paths that use SQLite's C API (import,
    /// snapshot loading), or nullptr when the project is not a SQLite file (PostgreSQL).
    sqlite3* sqliteHandle();
    const Dialect& dialect() const { return *m_dialect; }

    /// Called (on this store's thread) after the connection to a server was lost and made again
    /// (the server restarted, the network came back), with a sentence saying so. The statement
    /// that found the connection gone is retried once when it was not inside a transaction (a
    /// read, or the start of a transaction); a transaction that lost its connection fails with
    /// an Error saying its change may not have been saved, and nothing claims it was.
    std::function<void(const QString&)> onReconnected;
    /// How many times this store reconnected.
    int reconnects() const { return m_reconnects; }

    // Transactions: throw Error on failure. Nested calls are not supported.
    void begin();
    void commit();
    void rollback() noexcept;

    /// Runs fn inside a transaction: commits on return, rolls back and rethrows on exception.
    void transaction(const std::function<void()>& fn);

    /// Executes a statement with positional parameters, throws Error naming the SQL problem.
    QSqlQuery exec(const QString& sql, const QVariantList& params = {});
    /// First column of the first row, or an invalid QVariant when there is no row.
    QVariant scalar(const QString& sql, const QVariantList& params = {});
    /// Runs sql, whose one "%1" stands for a list of ids (`... WHERE id IN (%1)`), for ids 500
    /// at a time (every id a bound parameter after `leading`), and calls row for each result
    /// row. One statement per chunk instead of one per id.
    void forEachInChunks(const QString& sql, const QVariantList& leading, const QList<qint64>& ids,
                         const std::function<void(QSqlQuery&)>& row);
    /// Runs an INSERT into a table with an `id` key numbered by the database and returns the id
    /// (INSERT ... RETURNING id, which both engines understand).
    qint64 insertReturningId(const QString& insertSql, const QVariantList& params = {});

    /// The Chorus projects of the server database a URI names (its project part is ignored),
    /// sorted by name. Throws Error when the server cannot be reached.
    static QStringList serverProjects(const QString& uri);
    /// Deletes a server project and everything in it. Throws Error when it does not exist.
    static void dropServerProject(const QString& uri);
    /// Whether a project file exists / a server database holds the project (false when the
    /// server cannot be reached).
    static bool projectExists(const QString& location);
    /// Removes a project (a file with its -wal/-shm/-journal companions, or a server schema),
    /// e.g. one that a failed import had just created. Best effort: never throws.
    static void removeProject(const QString& location) noexcept;

    QString metaValue(const QString& key, const QString& fallback = {});
    void setMetaValue(const QString& key, const QString& value);

    ProjectInfo info();

    // Labels (ordered by position). ensureLabel appends a label if it is new.
    QStringList labelNames();
    qint64 ensureLabel(const QString& name);
    bool labelSetClosed();
    void setLabelSetClosed(bool closed);

    /// Appends a decision in its own committed transaction and returns its id. When this
    /// returns, the decision is on disk.
    qint64 appendDecision(const Decision& d);
    /// Appends several decisions in one committed transaction (batch actions).
    void appendDecisions(const QList<Decision>& decisions);
    /// Full history of one item, oldest first.
    QList<Decision> decisionHistory(qint64 itemId);
    /// Full history of every item that has decisions, by item id, each oldest first.
    QHash<qint64, QList<Decision>> decisionHistories();

    /// PRAGMA integrity_check (or the dialect's equivalent): empty when sound.
    QString integrityCheck();

private:
    void openFile(const QString& path, Mode mode);
    void openServer(const ProjectLocation& loc, Mode mode);
    void openServerOnce(const ProjectLocation& loc, Mode mode, bool& connected);
    void setupConnection();
    void migrate(const QString& createSchema = {});
    /// Adds the dialect's live-update notifications when the project lacks them and this
    /// connection owns it (Dialect::liveNotificationsMissing).
    void addLiveNotifications();
    /// True when the statement that failed with errorText should be retried on a new
    /// connection (a server store outside a transaction whose connection is gone); reconnects.
    bool reconnectAfter(const QString& errorText);
    [[noreturn]] void throwLostInTransaction(const QString& errorText);

    QSqlDatabase m_db;
    QString m_connectionName;
    QString m_path;
    ProjectLocation m_location;
    const Dialect* m_dialect = nullptr;
    QString m_sessionUser;
    bool m_inTransaction = false;
    int m_reconnects = 0;
};

/// Current UTC time as ISO 8601 with milliseconds.
QString nowIso();

/// Runs sql on q: as it is without parameters (PostgreSQL cannot prepare SET, LOCK or DDL
/// statements), else prepared with params bound in order. False on any error (q.lastError()).
bool execBound(QSqlQuery& q, const QString& sql, const QVariantList& params);

} // namespace chorus::model
