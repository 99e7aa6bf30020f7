#include "dialect.h"

#include <QSqlQuery>
#include <QVariant>

namespace chorus::model {

namespace {

class SqliteDialect final : public Dialect
{
public:
    QString driverName() const override { return QStringLiteral("QSQLITE"); }

    QStringList connectionSetup() const override
    {
        return {
            QStringLiteral("PRAGMA journal_mode=WAL"),
            // FULL: a committed transaction (e.g. one human decision) survives power loss,
            // not only a crash of the application. Imports are one transaction, so the cost is
            // one fsync per import.
            QStringLiteral("PRAGMA synchronous=FULL"),
            QStringLiteral("PRAGMA foreign_keys=ON"),
            QStringLiteral("PRAGMA busy_timeout=5000"),
        };
    }

    QString beginTransaction() const override { return QStringLiteral("BEGIN IMMEDIATE"); }

    QStringList schemaExtras(int version) const override
    {
        if (version == 1)
            return {QStringLiteral("CREATE TRIGGER IF NOT EXISTS decisions_append_only_u BEFORE UPDATE ON "
                                   "decisions BEGIN SELECT RAISE(ABORT, 'decision history is append-only'); END")};
        if (version == 2)
            return {QStringLiteral("CREATE TRIGGER IF NOT EXISTS decisions_append_only_d BEFORE DELETE ON decisions "
                                   "WHEN (SELECT COUNT(*) FROM items WHERE id = old.item_id) > 0 "
                                   "BEGIN SELECT RAISE(ABORT, 'decision history is append-only'); END")};
        return {};
    }

    QString upsert(const QString& table, const QStringList& keyColumns,
                   const QStringList& valueColumns) const override
    {
        QStringList all = keyColumns + valueColumns;
        QStringList marks;
        for (int i = 0; i < all.size(); ++i)
            marks << QStringLiteral("?");
        QStringList sets;
        for (const QString& c : valueColumns)
            sets << c + QStringLiteral(" = excluded.") + c;
        QString sql = QStringLiteral("INSERT INTO %1 (%2) VALUES (%3) ON CONFLICT (%4) ")
                          .arg(table, all.join(QLatin1Char(',')), marks.join(QLatin1Char(',')),
                               keyColumns.join(QLatin1Char(',')));
        sql += sets.isEmpty() ? QStringLiteral("DO NOTHING")
                              : QStringLiteral("DO UPDATE SET ") + sets.join(QLatin1Char(','));
        return sql;
    }

    QStringList bulkBegin() const override
    {
        return {QStringLiteral("PRAGMA cache_size=-200000")};
    }
    QStringList bulkEnd() const override { return {QStringLiteral("PRAGMA cache_size=-2000")}; }

    QString integrityCheck(QSqlDatabase& db) const override
    {
        QSqlQuery q(db);
        if (!q.exec(QStringLiteral("PRAGMA integrity_check")))
            return QStringLiteral("integrity check failed to run");
        QStringList problems;
        while (q.next()) {
            const QString row = q.value(0).toString();
            if (row != QLatin1String("ok"))
                problems << row;
        }
        return problems.join(QLatin1Char('\n'));
    }
};

} // namespace

const Dialect& Dialect::sqlite()
{
    static const SqliteDialect d;
    return d;
}

} // namespace chorus::model
