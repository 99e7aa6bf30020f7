#pragma once
// The only place that knows which SQL engine a project lives in: SQLite (a .chorus file) or
// PostgreSQL (a schema on a server). Everything engine-specific (connection set-up, DDL types,
// triggers, transactions, bulk-load tuning, integrity checks) is here; the store and everything
// above it speak the portable SQL both engines accept and never ask which engine it is.

#include <QSqlDatabase>
#include <QString>
#include <QStringList>

namespace chorus::model {

class Dialect
{
public:
    virtual ~Dialect() = default;

    /// Name of the Qt SQL driver ("QSQLITE", "QPSQL").
    virtual QString driverName() const = 0;
    /// Statements run on every new connection (journal mode, foreign keys, timeouts; on a
    /// server, the project's schema as the search path). schema is empty for a file.
    virtual QStringList connectionSetup(const QString& schema) const = 0;
    /// A portable CREATE statement of model/store/schema.cpp with its type tokens spelled for
    /// this engine: {autoid} an integer key numbered by the database, {real} a double, {blob}
    /// bytes. SQLite gets exactly the text earlier versions wrote.
    virtual QString ddl(const QString& portable) const = 0;
    /// Extra statements of migration step `version` (1-based, run after that step's portable
    /// statements) that have no portable spelling, e.g. triggers enforcing append-only history.
    virtual QStringList schemaExtras(int version) const = 0;
    /// "INSERT ... ON CONFLICT (keyColumns) DO UPDATE SET valueColumns = excluded.valueColumns"
    /// with positional placeholders, for the given table (both engines spell it alike).
    QString upsert(const QString& table, const QStringList& keyColumns, const QStringList& valueColumns) const;
    /// Starts a write transaction. SQLite: "BEGIN IMMEDIATE", which takes the write lock at once
    /// (waiting up to the busy timeout) so that a transaction that reads before it writes cannot
    /// fail half-way because another process wrote in between. PostgreSQL: "BEGIN".
    virtual QString beginTransaction() const = 0;
    /// Statements to speed up writing many rows into `tables`, and to undo them after.
    /// SQLite: connection tuning (the tables do not matter), run around the import's transaction
    /// or inside a transaction. PostgreSQL: the foreign keys of those tables dropped and added
    /// back (checked once for the whole table, not per row), run inside the transaction; this
    /// locks the tables until it commits.
    virtual QStringList bulkBegin(const QStringList& tables) const = 0;
    virtual QStringList bulkEnd(const QStringList& tables) const = 0;
    /// The tables an import fills.
    static QStringList importTables() { return {QStringLiteral("annotations"), QStringLiteral("gold"), QStringLiteral("human_counts")}; }
    /// After rows were inserted with explicit ids (a push, a server import): statements that
    /// make the database's own numbering continue above the largest id of `table`.
    virtual QStringList afterExplicitIds(const QString& table) const = 0;
    /// Statements, inside a write transaction, that make it the only one of its kind in the
    /// project until it ends (team claims). SQLite: none, its write lock already does.
    /// PostgreSQL: a transaction-scoped advisory lock on the project's schema.
    virtual QStringList serializeWriters() const = 0;
    /// Live updates (team review, docs/team.md): statements that make every committed change of
    /// decisions and claims send a notification on the project's channel (liveChannel()), so
    /// that open windows refresh without reloading. Idempotent. SQLite: none (a file has no
    /// notifications; windows on a file refresh on their own timer).
    virtual QStringList liveNotifications() const = 0;
    /// A query for the project whose name is its one parameter, returning a row when the
    /// project lacks liveNotifications() and this connection may add them (it owns the
    /// project's schema): run by ProjectStore::open so that projects made before live updates
    /// get them when their manager opens them. Empty for SQLite.
    virtual QString liveNotificationsMissing() const = 0;
    /// The notification channel of a server project: "chorus_live_<project>". Payloads: "d ID"
    /// (a decision on the item with database id ID was committed) and "c" (claims changed).
    static QString liveChannel(const QString& project) { return QStringLiteral("chorus_live_") + project; }
    /// Integrity check; returns an empty string when the database is sound, else the problem.
    virtual QString integrityCheck(QSqlDatabase& db) const = 0;
    /// True when an error text says another writer holds a lock (SQLite's busy/locked).
    virtual bool isBusyError(const QString& errorText) const = 0;

    static const Dialect& sqlite();
    static const Dialect& postgres();
};

/// A PostgreSQL identifier in double quotes (embedded quotes doubled).
QString quotedIdentifier(const QString& name);

} // namespace chorus::model
