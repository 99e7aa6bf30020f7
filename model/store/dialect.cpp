#include "dialect.h"

#include <QSqlQuery>
#include <QVariant>

#include <vector>

namespace chorus::model {

QString quotedIdentifier(const QString& name)
{
    QString q = name;
    q.replace(QLatin1Char('"'), QLatin1String("\"\""));
    return QLatin1Char('"') + q + QLatin1Char('"');
}

QString Dialect::upsert(const QString& table, const QStringList& keyColumns, const QStringList& valueColumns) const
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
    sql += sets.isEmpty() ? QStringLiteral("DO NOTHING") : QStringLiteral("DO UPDATE SET ") + sets.join(QLatin1Char(','));
    return sql;
}

namespace {

QString replaceTokens(QString sql, const char* autoId, const char* real, const char* blob)
{
    sql.replace(QLatin1String("{autoid}"), QLatin1String(autoId));
    sql.replace(QLatin1String("{real}"), QLatin1String(real));
    sql.replace(QLatin1String("{blob}"), QLatin1String(blob));
    return sql;
}

class SqliteDialect final : public Dialect
{
public:
    QString driverName() const override { return QStringLiteral("QSQLITE"); }

    QStringList connectionSetup(const QString&) const override
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

    QString ddl(const QString& portable) const override
    {
        return replaceTokens(portable, "INTEGER PRIMARY KEY", "REAL", "BLOB");
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

    QStringList bulkBegin(const QStringList&) const override { return {QStringLiteral("PRAGMA cache_size=-200000")}; }
    QStringList bulkEnd(const QStringList&) const override { return {QStringLiteral("PRAGMA cache_size=-2000")}; }
    QStringList afterExplicitIds(const QString&) const override { return {}; }  // rowids continue by themselves
    QStringList serializeWriters() const override { return {}; }  // BEGIN IMMEDIATE took the write lock
    QStringList liveNotifications() const override { return {}; }
    QString liveNotificationsMissing() const override { return {}; }

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

    bool isBusyError(const QString& text) const override
    {
        return text.contains(QLatin1String("locked")) || text.contains(QLatin1String("busy"));
    }
};

class PostgresDialect final : public Dialect
{
    struct ForeignKey
    {
        const char* table;
        const char* column;
        const char* references;
    };
    static const std::vector<ForeignKey>& foreignKeys()
    {
        static const std::vector<ForeignKey> keys = {
            {"annotations", "item_id", "REFERENCES items(id) ON DELETE CASCADE"},
            {"annotations", "annotator_id", "REFERENCES annotators(id) ON DELETE CASCADE"},
            {"annotations", "label_id", "REFERENCES labels(id)"},
            {"gold", "item_id", "REFERENCES items(id) ON DELETE CASCADE"},
            {"gold", "label_id", "REFERENCES labels(id)"},
            {"human_counts", "item_id", "REFERENCES items(id) ON DELETE CASCADE"},
            {"human_counts", "label_id", "REFERENCES labels(id)"},
            {"run_items", "run_id", "REFERENCES runs(id) ON DELETE CASCADE"},
            {"run_items", "item_id", "REFERENCES items(id) ON DELETE CASCADE"},
            {"run_items", "label_id", "REFERENCES labels(id)"},
        };
        return keys;
    }

public:
    QString driverName() const override { return QStringLiteral("QPSQL"); }

    QStringList connectionSetup(const QString& schema) const override
    {
        return {
            QStringLiteral("SET search_path TO %1").arg(quotedIdentifier(schema)),
            // Notices (e.g. "relation already exists, skipping") are not errors.
            QStringLiteral("SET client_min_messages TO warning"),
            // A lock another session holds (an import, a migration) is waited for, not forever.
            QStringLiteral("SET lock_timeout TO '30s'"),
        };
    }

    QString ddl(const QString& portable) const override
    {
        // REAL is a 4-byte float on PostgreSQL; the project's numbers are doubles.
        return replaceTokens(portable, "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "DOUBLE PRECISION",
                             "BYTEA");
    }

    QString beginTransaction() const override { return QStringLiteral("BEGIN"); }

    QStringList schemaExtras(int version) const override
    {
        if (version == 1)
            return {
                // Rows of a deleted item go with it (the foreign key's cascade); nothing else may
                // change or remove a decision. pg_trigger_depth() > 1: fired by a cascade.
                QStringLiteral("CREATE OR REPLACE FUNCTION decisions_append_only() RETURNS trigger "
                               "LANGUAGE plpgsql AS $$ BEGIN "
                               "IF TG_OP = 'DELETE' AND pg_trigger_depth() > 1 THEN RETURN OLD; END IF; "
                               "RAISE EXCEPTION 'decision history is append-only'; END $$"),
                QStringLiteral("CREATE TRIGGER decisions_append_only BEFORE UPDATE OR DELETE ON decisions "
                               "FOR EACH ROW EXECUTE FUNCTION decisions_append_only()"),
            };
        return {};
    }

    // A foreign key check costs a few microseconds per row (13 of the 15 s a 1M-label COPY
    // took); checking the whole table once when the key is added back costs 0.1 s per key. The
    // keys are those of model/store/schema.cpp with PostgreSQL's default names (tst_pgstore
    // checks that an import leaves the same definitions as a new project has). Dropping and
    // adding takes an exclusive lock on the three tables until the import commits.
    QStringList bulkBegin(const QStringList& tables) const override
    {
        QStringList out;
        for (const ForeignKey& k : foreignKeys())
            if (tables.contains(QLatin1String(k.table)))
                out << QStringLiteral("ALTER TABLE %1 DROP CONSTRAINT %1_%2_fkey").arg(QLatin1String(k.table), QLatin1String(k.column));
        return out;
    }
    QStringList bulkEnd(const QStringList& tables) const override
    {
        QStringList out;
        for (const ForeignKey& k : foreignKeys())
            if (tables.contains(QLatin1String(k.table)))
                out << QStringLiteral("ALTER TABLE %1 ADD CONSTRAINT %1_%2_fkey FOREIGN KEY (%2) %3")
                       .arg(QLatin1String(k.table), QLatin1String(k.column), QLatin1String(k.references));
        return out;
    }

    QStringList afterExplicitIds(const QString& table) const override
    {
        // table is one of the schema's own names, never user text.
        return {QStringLiteral("SELECT setval(pg_get_serial_sequence('%1', 'id'), "
                               "COALESCE((SELECT MAX(id) FROM %1), 0) + 1, false)")
                    .arg(table)};
    }

    QStringList serializeWriters() const override
    {
        // Row locks (FOR UPDATE SKIP LOCKED) alone would let two claimers both take an item's
        // last slot: each counts the others' claims in a snapshot taken before the other
        // committed. One claimer at a time per project makes the count exact; a claim takes a
        // few milliseconds.
        return {QStringLiteral("SELECT pg_advisory_xact_lock(hashtext(current_schema()))")};
    }

    QStringList liveNotifications() const override
    {
        // One notification per decision, naming its item (PostgreSQL delivers them at commit,
        // once per distinct payload and transaction), so a window re-reads just those items;
        // one per statement on claims, whose readers (the Team panel) recount anyway. The
        // function runs with the writer's rights: pg_notify needs none.
        return {
            QStringLiteral("CREATE OR REPLACE FUNCTION chorus_live_notify() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                           "IF TG_TABLE_NAME = 'decisions' THEN "
                           "PERFORM pg_notify('chorus_live_' || TG_TABLE_SCHEMA, 'd ' || NEW.item_id); "
                           "ELSE PERFORM pg_notify('chorus_live_' || TG_TABLE_SCHEMA, 'c'); END IF; "
                           "RETURN NULL; END $$"),
            QStringLiteral("CREATE OR REPLACE TRIGGER decisions_live AFTER INSERT ON decisions "
                           "FOR EACH ROW EXECUTE FUNCTION chorus_live_notify()"),
            QStringLiteral("CREATE OR REPLACE TRIGGER claims_live AFTER INSERT OR UPDATE OR DELETE ON claims "
                           "FOR EACH STATEMENT EXECUTE FUNCTION chorus_live_notify()"),
        };
    }

    QString liveNotificationsMissing() const override
    {
        return QStringLiteral("SELECT 1 FROM pg_namespace n WHERE n.nspname = ? "
                              "AND pg_has_role(current_user, n.nspowner, 'USAGE') "
                              "AND EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid AND c.relname = 'claims') "
                              "AND NOT EXISTS (SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                              "WHERE c.relnamespace = n.oid AND t.tgname = 'claims_live')");
    }

    QString integrityCheck(QSqlDatabase& db) const override
    {
        // The server keeps its own storage sound; what can be wrong is the project's tables.
        QSqlQuery q(db);
        if (!q.exec(QStringLiteral("SELECT COUNT(*) FROM items")) || !q.next())
            return QStringLiteral("the project's tables cannot be read");
        return {};
    }

    bool isBusyError(const QString& text) const override
    {
        return text.contains(QLatin1String("lock timeout")) || text.contains(QLatin1String("deadlock"));
    }
};

} // namespace

const Dialect& Dialect::sqlite()
{
    static const SqliteDialect d;
    return d;
}

const Dialect& Dialect::postgres()
{
    static const PostgresDialect d;
    return d;
}

} // namespace chorus::model
