#pragma once
// The only place that knows which SQL engine a project lives in. Everything SQLite-specific
// (pragmas, triggers, upserts, bulk-load tuning) is here so that a PostgreSQL backend only has
// to add a second implementation.

#include <QSqlDatabase>
#include <QString>
#include <QStringList>

namespace chorus::model {

class Dialect
{
public:
    virtual ~Dialect() = default;

    /// Name of the Qt SQL driver ("QSQLITE").
    virtual QString driverName() const = 0;
    /// Statements run on every new connection (journal mode, foreign keys, timeouts).
    virtual QStringList connectionSetup() const = 0;
    /// Extra statements of migration step `version` (1-based, run after that step's portable
    /// statements) that have no portable spelling, e.g. triggers enforcing append-only history.
    virtual QStringList schemaExtras(int version) const = 0;
    /// "INSERT ... ON CONFLICT (keyColumns) DO UPDATE SET valueColumns = excluded.valueColumns"
    /// with positional placeholders, for the given table.
    virtual QString upsert(const QString& table, const QStringList& keyColumns,
                           const QStringList& valueColumns) const = 0;
    /// Starts a write transaction. SQLite: "BEGIN IMMEDIATE", which takes the write lock at once
    /// (waiting up to the busy timeout) so that a transaction that reads before it writes cannot
    /// fail half-way because another process wrote in between.
    virtual QString beginTransaction() const = 0;
    /// Statements to speed up a bulk import inside one transaction, and to undo them after.
    virtual QStringList bulkBegin() const = 0;
    virtual QStringList bulkEnd() const = 0;
    /// Integrity check; returns an empty string when the database is sound, else the problem.
    virtual QString integrityCheck(QSqlDatabase& db) const = 0;

    static const Dialect& sqlite();
};

} // namespace chorus::model
