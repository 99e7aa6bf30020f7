#include "importtarget.h"

#include "dialect.h"
#include "labelorder.h"

#include <QSqlError>

#include <sqlite3.h>

namespace chorus::model {

namespace {

QSqlQuery prepared(ProjectStore& store, const QString& sql)
{
    QSqlQuery q(store.db());
    if (!q.prepare(sql))
        throw Error(QStringLiteral("%1: SQL error: %2").arg(store.path(), q.lastError().text()));
    return q;
}

sqlite3_stmt* rawPrepared(sqlite3* db, const char* sql)
{
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK)
        throw Error(QStringLiteral("SQL error: %1").arg(QString::fromUtf8(sqlite3_errmsg(db))));
    return st;
}

// A null QString is NULL, anything else (the empty string included) is text.
void bindText(sqlite3_stmt* st, int i, const QString& s)
{
    if (s.isNull())
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_text16(st, i, s.utf16(), static_cast<int>(s.size() * 2), SQLITE_TRANSIENT);
}

// Steps an INSERT and resets it. Returns SQLITE_DONE or the extended error code.
int stepInsert(sqlite3_stmt* st, QString* error)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        sqlite3* db = sqlite3_db_handle(st);
        rc = sqlite3_extended_errcode(db);
        *error = QString::fromUtf8(sqlite3_errmsg(db));
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

// Typed NULLs for the Qt path.
QVariant nullOf(QMetaType::Type t)
{
    return QVariant(QMetaType(t));
}

} // namespace

SqlImportTarget::SqlImportTarget(ProjectStore& store) : m_store(store) {}

SqlImportTarget::~SqlImportTarget()
{
    finalizeStatements();
}

void SqlImportTarget::finalizeStatements()
{
    for (sqlite3_stmt* st : {m_rawItem, m_rawAnn, m_rawBatch, m_rawGold, m_rawCount})
        sqlite3_finalize(st);
    m_rawItem = m_rawAnn = m_rawBatch = m_rawGold = m_rawCount = nullptr;
    m_pending.clear();
    for (QSqlQuery* q : {&m_insItem, &m_insAnn, &m_updItem, &m_upGold, &m_upCount})
        *q = QSqlQuery(m_store.db());
    m_prepared = false;
}

void SqlImportTarget::prepare()
{
    if (m_prepared)
        return;
    if (sqlite3* db = m_store.sqliteHandle()) {
        m_rawItem = rawPrepared(db, "INSERT INTO items (ext_id, text, meta) VALUES (?1, ?2, ?3)");
        m_rawAnn = rawPrepared(db, "INSERT INTO annotations (item_id, annotator_id, label_id, raw, probs, score) "
                                   "VALUES (?, ?, ?, ?, ?, ?)");
        QByteArray batch = "INSERT INTO annotations (item_id, annotator_id, label_id, raw, probs, score) VALUES ";
        for (int r = 0; r < kMaxBuffered; ++r)
            batch += r == 0 ? "(?, ?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?, ?)";
        m_rawBatch = rawPrepared(db, batch.constData());
        m_pending.reserve(kMaxBuffered);
    } else {
        m_insItem = prepared(m_store, QStringLiteral("INSERT INTO items (ext_id, text, meta) VALUES (?, ?, ?)"));
        m_insAnn = prepared(m_store, QStringLiteral("INSERT INTO annotations (item_id, annotator_id, label_id, "
                                                    "raw, probs, score) VALUES (?, ?, ?, ?, ?, ?)"));
    }
    const Dialect& d = m_store.dialect();
    m_updItem = prepared(m_store, QStringLiteral("UPDATE items SET text = CASE WHEN ? = '' THEN text ELSE ? END, "
                                                 "meta = COALESCE(?, meta) WHERE id = ?"));
    const QString upGold = d.upsert(QStringLiteral("gold"), {QStringLiteral("item_id")}, {QStringLiteral("label_id")});
    const QString upCount = d.upsert(QStringLiteral("human_counts"), {QStringLiteral("item_id"), QStringLiteral("label_id")},
                                     {QStringLiteral("count")});
    if (sqlite3* db = m_store.sqliteHandle()) {
        m_rawGold = rawPrepared(db, upGold.toUtf8().constData());
        m_rawCount = rawPrepared(db, upCount.toUtf8().constData());
    } else {
        m_upGold = prepared(m_store, upGold);
        m_upCount = prepared(m_store, upCount);
    }
    m_prepared = true;
}

void SqlImportTarget::transaction(const std::function<void()>& fn)
{
    for (const QString& s : m_store.dialect().bulkBegin())
        m_store.exec(s);
    // Every id the writer hands over is one it read from this project or got back from an
    // insert of this transaction, so the per-row foreign-key checks (three parent lookups,
    // each opening a cursor: most of SQLite's work per annotation) can prove nothing. SQLite
    // only lets this change outside a transaction; it is back on before this returns.
    const bool sqlite = m_store.sqliteHandle() != nullptr;
    if (sqlite)
        m_store.exec(QStringLiteral("PRAGMA foreign_keys=OFF"));
    // Undo the bulk-load settings however the import ends (success, error or cancel).
    struct BulkEnd
    {
        ProjectStore& store;
        bool sqlite;
        ~BulkEnd()
        {
            try {
                if (sqlite)
                    store.exec(QStringLiteral("PRAGMA foreign_keys=ON"));
                for (const QString& s : store.dialect().bulkEnd())
                    store.exec(s);
            } catch (const Error&) {
                // Only connection tuning; the import's own outcome is what the caller needs.
            }
        }
    } bulkEnd{m_store, sqlite};
    m_store.transaction([&] {
        try {
            fn();
            try {
                flush();  // ImportWriter flushes first; this only guards against a forgotten flush
            } catch (const DuplicateAnnotation&) {
                throw Error(QStringLiteral("an item has two labels from one annotator"));
            }
        } catch (...) {
            finalizeStatements();
            throw;
        }
        // No statement of ours may be pending when the transaction commits.
        finalizeStatements();
    });
}

QHash<QString, qint64> SqlImportTarget::existingItems()
{
    QHash<QString, qint64> out;
    QSqlQuery q = m_store.exec(QStringLiteral("SELECT id, ext_id FROM items"));
    while (q.next())
        out.insert(q.value(1).toString(), q.value(0).toLongLong());
    return out;
}

QHash<QString, qint64> SqlImportTarget::existingAnnotators()
{
    QHash<QString, qint64> out;
    QSqlQuery q = m_store.exec(QStringLiteral("SELECT id, name FROM annotators"));
    while (q.next())
        out.insert(q.value(1).toString(), q.value(0).toLongLong());
    return out;
}

QList<QPair<QString, qint64>> SqlImportTarget::existingLabels()
{
    QList<QPair<QString, qint64>> out;
    QSqlQuery q = m_store.exec(QStringLiteral("SELECT id, name FROM labels ORDER BY position, id"));
    while (q.next())
        out.append({q.value(1).toString(), q.value(0).toLongLong()});
    return out;
}

void SqlImportTarget::declareLabelOrder(const QStringList& declared)
{
    model::declareLabelOrder(m_store, declared);
}

void SqlImportTarget::canonicalizeLabelOrder()
{
    model::canonicalizeLabelOrder(m_store);
}

qint64 SqlImportTarget::addItem(const QString& extId, const QString& text, const QString& metaJson)
{
    prepare();
    const QString storedText = text.isNull() ? QStringLiteral("") : text;
    const QString meta = metaJson.isEmpty() ? QString() : metaJson;
    if (m_rawItem) {
        bindText(m_rawItem, 1, extId);
        bindText(m_rawItem, 2, storedText);
        bindText(m_rawItem, 3, meta);
        QString error;
        if (stepInsert(m_rawItem, &error) != SQLITE_DONE)
            throw Error(error);
        return sqlite3_last_insert_rowid(sqlite3_db_handle(m_rawItem));
    }
    m_insItem.bindValue(0, extId);
    m_insItem.bindValue(1, storedText);
    m_insItem.bindValue(2, meta.isNull() ? nullOf(QMetaType::QString) : QVariant(meta));
    if (!m_insItem.exec())
        throw Error(m_insItem.lastError().text());
    return m_insItem.lastInsertId().toLongLong();
}

void SqlImportTarget::updateItem(qint64 item, const QString& text, const QString& metaJson)
{
    if (text.isEmpty() && metaJson.isEmpty())
        return;
    prepare();
    const QString t = text.isNull() ? QStringLiteral("") : text;
    m_updItem.bindValue(0, t);
    m_updItem.bindValue(1, t);
    m_updItem.bindValue(2, metaJson.isEmpty() ? nullOf(QMetaType::QString) : QVariant(metaJson));
    m_updItem.bindValue(3, item);
    if (!m_updItem.exec())
        throw Error(m_updItem.lastError().text());
}

qint64 SqlImportTarget::addAnnotator(const QString& name, AnnotatorKind kind, std::optional<double> costPerItem)
{
    QSqlQuery q = m_store.exec(QStringLiteral("INSERT INTO annotators (name, kind, cost_per_item) VALUES (?, ?, ?)"),
                               {name, kindName(kind), costPerItem ? QVariant(*costPerItem) : nullOf(QMetaType::Double)});
    return q.lastInsertId().toLongLong();
}

void SqlImportTarget::bindAnnotation(sqlite3_stmt* st, int first, qint64 item, qint64 annotator, qint64 label,
                                     const QString& raw, const QString& probs, std::optional<double> score)
{
    sqlite3_bind_int64(st, first, item);
    sqlite3_bind_int64(st, first + 1, annotator);
    if (label >= 0)
        sqlite3_bind_int64(st, first + 2, label);
    else
        sqlite3_bind_null(st, first + 2);
    bindText(st, first + 3, raw);
    bindText(st, first + 4, probs);
    if (score)
        sqlite3_bind_double(st, first + 5, *score);
    else
        sqlite3_bind_null(st, first + 5);
}

ImportTarget::Added SqlImportTarget::addAnnotation(qint64 item, qint64 annotator, qint64 label, const QString& raw,
                                                   const QString& probs, std::optional<double> score)
{
    prepare();
    const qint64 sequence = m_sequence++;
    if (m_rawBatch) {
        m_pending.push_back({item, annotator, label, raw, probs, score, sequence});
        if (static_cast<int>(m_pending.size()) == kMaxBuffered)
            flush();
        return Added::Ok;
    }
    m_insAnn.bindValue(0, item);
    m_insAnn.bindValue(1, annotator);
    m_insAnn.bindValue(2, label >= 0 ? QVariant(label) : nullOf(QMetaType::LongLong));
    m_insAnn.bindValue(3, raw.isNull() ? nullOf(QMetaType::QString) : QVariant(raw));
    m_insAnn.bindValue(4, probs.isNull() ? nullOf(QMetaType::QString) : QVariant(probs));
    m_insAnn.bindValue(5, score ? QVariant(*score) : nullOf(QMetaType::Double));
    if (m_insAnn.exec())
        return Added::Ok;
    const QString err = m_insAnn.lastError().text();
    if (err.contains(QLatin1String("UNIQUE")) || err.contains(QLatin1String("PRIMARY"))
        || err.contains(QLatin1String("duplicate key")))
        return Added::Duplicate;
    throw Error(err);
}

void SqlImportTarget::flush()
{
    if (m_pending.empty())
        return;
    std::vector<Pending> rows;
    rows.swap(m_pending);
    m_pending.reserve(kMaxBuffered);
    QString error;
    if (static_cast<int>(rows.size()) == kMaxBuffered) {
        for (int r = 0; r < kMaxBuffered; ++r) {
            const Pending& p = rows[static_cast<size_t>(r)];
            bindAnnotation(m_rawBatch, 6 * r + 1, p.item, p.annotator, p.label, p.raw, p.probs, p.score);
        }
        const int rc = stepInsert(m_rawBatch, &error);
        if (rc == SQLITE_DONE)
            return;
        if (rc != SQLITE_CONSTRAINT_PRIMARYKEY && rc != SQLITE_CONSTRAINT_UNIQUE)
            throw Error(error);
        // The statement was undone as a whole: find the duplicate row by row.
    }
    for (const Pending& p : rows) {
        bindAnnotation(m_rawAnn, 1, p.item, p.annotator, p.label, p.raw, p.probs, p.score);
        const int rc = stepInsert(m_rawAnn, &error);
        if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
            throw DuplicateAnnotation{p.sequence};
        if (rc != SQLITE_DONE)
            throw Error(error);
    }
}

void SqlImportTarget::setGold(qint64 item, qint64 label)
{
    prepare();
    if (m_rawGold) {
        sqlite3_bind_int64(m_rawGold, 1, item);
        sqlite3_bind_int64(m_rawGold, 2, label);
        QString error;
        if (stepInsert(m_rawGold, &error) != SQLITE_DONE)
            throw Error(error);
        return;
    }
    m_upGold.bindValue(0, item);
    m_upGold.bindValue(1, label);
    if (!m_upGold.exec())
        throw Error(m_upGold.lastError().text());
}

void SqlImportTarget::setHumanCount(qint64 item, qint64 label, qint64 count)
{
    prepare();
    if (m_rawCount) {
        sqlite3_bind_int64(m_rawCount, 1, item);
        sqlite3_bind_int64(m_rawCount, 2, label);
        sqlite3_bind_int64(m_rawCount, 3, count);
        QString error;
        if (stepInsert(m_rawCount, &error) != SQLITE_DONE)
            throw Error(error);
        return;
    }
    m_upCount.bindValue(0, item);
    m_upCount.bindValue(1, label);
    m_upCount.bindValue(2, count);
    if (!m_upCount.exec())
        throw Error(m_upCount.lastError().text());
}

} // namespace chorus::model
