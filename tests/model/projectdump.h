#pragma once
// Test helpers shared by the model and CLI tests: dumps of a project file that do not go
// through ProjectStore, so that "unchanged" and "the same project" are checked independently
// of the code under test.

#include "files.h"

#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QStringList>
#include <QUrl>
#include <QUrlQuery>
#include <QUuid>
#include <QVariant>

#include <functional>

namespace chorus::test {

/// Runs fn with a private connection to a project that is not ProjectStore's: QSQLITE on a
/// file, or QPSQL on a server project (postgresql://...?project=NAME) with the project's schema
/// as the search path. The URI is read here with QUrl, not with the code under test.
inline void withRawConnection(const QString& location, const std::function<void(QSqlDatabase&)>& fn,
                              bool readOnly = true)
{
    const QString name = QStringLiteral("raw-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    {
        const bool server = location.startsWith(QLatin1String("postgresql://"));
        QSqlDatabase db = QSqlDatabase::addDatabase(server ? QStringLiteral("QPSQL") : QStringLiteral("QSQLITE"), name);
        QString schema;
        if (server) {
            const QUrl url(location);
            const QUrlQuery query(url);
            db.setDatabaseName(url.path().mid(1));
            db.setUserName(url.userName());
            db.setHostName(query.queryItemValue(QStringLiteral("host")));
            db.setPort(query.queryItemValue(QStringLiteral("port")).toInt());
            schema = query.queryItemValue(QStringLiteral("project"));
        } else {
            db.setDatabaseName(location);
            if (readOnly)
                db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        }
        if (db.open()) {
            if (server) {
                QSqlQuery q(db);
                q.exec(QStringLiteral("SET search_path TO \"%1\"").arg(schema));
                if (readOnly)
                    q.exec(QStringLiteral("SET default_transaction_read_only = on"));
            }
            fn(db);
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
}

/// SQL that takes a new SQLite project back to before schema version 5 (team review), for the
/// tests that fake an older project: what version 5 added, removed in reverse order.
inline QStringList undoVersion5()
{
    return {QStringLiteral("DROP TABLE claims"), QStringLiteral("DROP INDEX decisions_by_author"),
            QStringLiteral("DROP INDEX decisions_by_uuid"), QStringLiteral("ALTER TABLE decisions DROP COLUMN uuid")};
}

inline QString cellText(const QVariant& v)
{
    if (v.isNull())
        return QStringLiteral("NULL");
    if (v.metaType().id() == QMetaType::QByteArray)
        return QStringLiteral("x'") + QString::fromLatin1(v.toByteArray().toHex()) + QLatin1Char('\'');
    return QLatin1Char('\'') + v.toString() + QLatin1Char('\'');
}

/// Every row of every table (and the schema itself) of db, one line per row, in a stable order.
inline QStringList dumpDatabase(QSqlDatabase& db)
{
    QStringList out;
    QStringList tables;
    QSqlQuery q(db);
    if (db.driverName() == QLatin1String("QPSQL")) {
        // The schema as the catalog describes it: tables, columns and their types, triggers.
        q.exec(QStringLiteral("SELECT table_name, column_name, data_type, is_nullable, column_default "
                              "FROM information_schema.columns WHERE table_schema = current_schema() "
                              "ORDER BY table_name, ordinal_position"));
        while (q.next()) {
            QStringList cells;
            for (int c = 0; c < 5; ++c)
                cells << q.value(c).toString();
            out << QStringLiteral("schema|column|") + cells.join(QLatin1Char('|'));
            if (!tables.contains(q.value(0).toString()))
                tables << q.value(0).toString();
        }
        q.exec(QStringLiteral("SELECT tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON "
                              "c.oid = t.tgrelid WHERE c.relnamespace = current_schema()::regnamespace AND "
                              "NOT t.tgisinternal ORDER BY tgname"));
        while (q.next())
            out << QStringLiteral("schema|trigger|%1|%2").arg(q.value(0).toString(), q.value(1).toString());
    } else {
        q.exec(QStringLiteral("SELECT type, name, sql FROM sqlite_master ORDER BY type, name"));
    }
    while (q.next()) {
        out << QStringLiteral("schema|%1|%2|%3").arg(q.value(0).toString(), q.value(1).toString(),
                                                    q.value(2).toString());
        if (q.value(0).toString() == QLatin1String("table") && !q.value(1).toString().startsWith(QLatin1String("sqlite_")))
            tables << q.value(1).toString();
    }
    for (const QString& t : tables) {
        QSqlQuery r(db);
        r.exec(QStringLiteral("SELECT * FROM %1").arg(t));
        QStringList rows;
        while (r.next()) {
            QStringList cells;
            for (int c = 0; c < r.record().count(); ++c)
                cells << r.record().fieldName(c) + QLatin1Char('=') + cellText(r.value(c));
            rows << t + QLatin1Char('|') + cells.join(QLatin1Char('|'));
        }
        rows.sort();
        out << rows;
    }
    return out;
}

/// dumpDatabase() of the project file at path, through a separate read-only connection.
inline QStringList dumpProjectFile(const QString& path)
{
    QStringList out;
    withRawConnection(path, [&](QSqlDatabase& db) { out = dumpDatabase(db); });
    return out;
}

/// A project's content in terms of external ids and names (database ids left out), so that two
/// projects built by different routes can be compared. Sections can be chosen.
struct Canonical
{
    QStringList labels;       ///< in project order
    QStringList items;        ///< "ext_id|text|meta", sorted
    QStringList annotators;   ///< "name|kind|cost", sorted
    QStringList annotations;  ///< "item|annotator|label-or-INVALID|raw|probs|score", sorted
    QStringList gold;         ///< "item|label", sorted
    QStringList humanCounts;  ///< "item|label|count" for count > 0, sorted
    QString labelSetClosed;
};

inline Canonical canonical(QSqlDatabase& db)
{
    Canonical c;
    QSqlQuery q(db);
    auto rows = [&](const QString& sql) {
        QStringList out;
        q.exec(sql);
        while (q.next()) {
            QStringList cells;
            for (int i = 0; i < q.record().count(); ++i)
                cells << cellText(q.value(i));
            out << cells.join(QLatin1Char('|'));
        }
        return out;
    };
    q.exec(QStringLiteral("SELECT name FROM labels ORDER BY position, id"));
    while (q.next())
        c.labels << q.value(0).toString();
    c.items = rows(QStringLiteral("SELECT ext_id, text, meta FROM items"));
    c.annotators = rows(QStringLiteral("SELECT name, kind, cost_per_item FROM annotators"));
    c.annotations = rows(QStringLiteral(
        "SELECT i.ext_id, a.name, COALESCE(l.name, 'INVALID'), n.raw, n.probs, n.score FROM annotations n "
        "JOIN items i ON i.id = n.item_id JOIN annotators a ON a.id = n.annotator_id "
        "LEFT JOIN labels l ON l.id = n.label_id"));
    c.gold = rows(QStringLiteral("SELECT i.ext_id, l.name FROM gold g JOIN items i ON i.id = g.item_id "
                                 "JOIN labels l ON l.id = g.label_id"));
    c.humanCounts = rows(QStringLiteral("SELECT i.ext_id, l.name, h.count FROM human_counts h "
                                        "JOIN items i ON i.id = h.item_id JOIN labels l ON l.id = h.label_id "
                                        "WHERE h.count > 0"));
    q.exec(QStringLiteral("SELECT value FROM meta WHERE key = 'label_set_closed'"));
    c.labelSetClosed = q.next() ? q.value(0).toString() : QStringLiteral("0");
    for (QStringList* l : {&c.items, &c.annotators, &c.annotations, &c.gold, &c.humanCounts})
        l->sort();
    return c;
}

inline Canonical canonicalFile(const QString& path)
{
    Canonical c;
    withRawConnection(path, [&](QSqlDatabase& db) { c = canonical(db); });
    return c;
}

} // namespace chorus::test
