#include "importtarget.h"

#include "dialect.h"
#include "labelorder.h"

#include <QSqlError>

#include <sqlite3.h>

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <tuple>

namespace chorus::model {

namespace {

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

// Binds integers to the parameters from 1 on, steps the INSERT and resets it; throws Error with
// SQLite's message when it fails.
void insertOrThrow(sqlite3_stmt* st, std::initializer_list<qint64> values)
{
    int i = 0;
    for (const qint64 v : values)
        sqlite3_bind_int64(st, ++i, v);
    QString error;
    if (stepInsert(st, &error) != SQLITE_DONE)
        throw Error(error);
}

} // namespace

SqliteImportTarget::SqliteImportTarget(ProjectStore& store) : ProjectImportTarget(store) {}

SqliteImportTarget::~SqliteImportTarget()
{
    finalizeStatements();
}

qint64 SqliteImportTarget::maxBuffered() const
{
    return kSortedRows;
}

void SqliteImportTarget::finalizeStatements()
{
    for (sqlite3_stmt* st : {m_rawItem, m_rawAnn, m_rawBatch, m_rawExists, m_rawLastRow, m_rawGold, m_rawCount})
        sqlite3_finalize(st);
    m_rawItem = m_rawAnn = m_rawBatch = m_rawExists = m_rawLastRow = m_rawGold = m_rawCount = nullptr;
    m_pending = {};
    m_texts = {};
    releaseStatements();
    m_prepared = false;
}

void SqliteImportTarget::prepare()
{
    if (m_prepared)
        return;
    sqlite3* db = m_store.sqliteHandle();
    if (!db)
        throw Error(QStringLiteral("%1: not a SQLite project").arg(m_store.path()));
    {
        m_rawItem = rawPrepared(db, "INSERT INTO items (ext_id, text, meta) VALUES (?1, ?2, ?3)");
        // OR FAIL: a statement that fails keeps the rows it wrote before (the import fails and
        // rolls back as a whole anyway), so SQLite keeps no statement journal to undo it. With
        // the default ABORT, every 128-row INSERT copied each page it touched into a temporary
        // file first: 2 million writes for a shuffled 1M-row CSV, whose rows touch 128 pages.
        m_rawAnn = rawPrepared(db, "INSERT OR FAIL INTO annotations (item_id, annotator_id, label_id, raw, probs, "
                                   "score) VALUES (?, ?, ?, ?, ?, ?)");
        QByteArray batch = "INSERT OR FAIL INTO annotations (item_id, annotator_id, label_id, raw, probs, score) "
                           "VALUES ";
        for (int r = 0; r < kMaxBuffered; ++r)
            batch += r == 0 ? "(?, ?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?, ?)";
        m_rawBatch = rawPrepared(db, batch.constData());
        m_rawExists = rawPrepared(db, "SELECT 1 FROM annotations WHERE item_id = ?1 AND annotator_id = ?2 "
                                      "AND rowid <= ?3");
        m_rawLastRow = rawPrepared(db, "SELECT COALESCE(MAX(rowid), 0) FROM annotations");
    }
    const Dialect& d = m_store.dialect();
    const QString upGold = d.upsert(QStringLiteral("gold"), {QStringLiteral("item_id")}, {QStringLiteral("label_id")});
    const QString upCount = d.upsert(QStringLiteral("human_counts"), {QStringLiteral("item_id"), QStringLiteral("label_id")},
                                     {QStringLiteral("count")});
    m_rawGold = rawPrepared(db, upGold.toUtf8().constData());
    m_rawCount = rawPrepared(db, upCount.toUtf8().constData());
    m_prepared = true;
}

void SqliteImportTarget::transaction(const std::function<void()>& fn)
{
    for (const QString& s : m_store.dialect().bulkBegin(Dialect::importTables()))
        m_store.exec(s);
    // Every id the writer hands over is one it read from this project or got back from an
    // insert of this transaction, so the per-row foreign-key checks (three parent lookups,
    // each opening a cursor: most of SQLite's work per annotation) can prove nothing. SQLite
    // only lets this change outside a transaction; it is back on before this returns.
    m_store.exec(QStringLiteral("PRAGMA foreign_keys=OFF"));
    // Undo the bulk-load settings however the import ends (success, error or cancel).
    struct BulkEnd
    {
        ProjectStore& store;
        ~BulkEnd()
        {
            try {
                store.exec(QStringLiteral("PRAGMA foreign_keys=ON"));
                for (const QString& s : store.dialect().bulkEnd(Dialect::importTables()))
                    store.exec(s);
            } catch (const Error&) {
                // Only connection tuning; the import's own outcome is what the caller needs.
            }
        }
    } bulkEnd{m_store};
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

qint64 SqliteImportTarget::addItem(const QString& extId, const QString& text, const QString& metaJson)
{
    prepare();
    const QString storedText = text.isNull() ? QStringLiteral("") : text;
    const QString meta = metaJson.isEmpty() ? QString() : metaJson;
    bindText(m_rawItem, 1, extId);
    bindText(m_rawItem, 2, storedText);
    bindText(m_rawItem, 3, meta);
    insertOrThrow(m_rawItem, {});
    return sqlite3_last_insert_rowid(sqlite3_db_handle(m_rawItem));
}

void SqliteImportTarget::updateItem(qint64 item, const QString& text, const QString& metaJson)
{
    updateStoredItem(item, text, metaJson);
}

void SqliteImportTarget::bindAnnotation(sqlite3_stmt* st, int first, const Pending& p, const std::vector<QString>& texts)
{
    sqlite3_bind_int64(st, first, p.item);
    sqlite3_bind_int64(st, first + 1, p.annotator);
    if (p.label >= 0)
        sqlite3_bind_int64(st, first + 2, p.label);
    else
        sqlite3_bind_null(st, first + 2);
    for (const auto& [column, text] : {std::pair{first + 3, p.raw}, std::pair{first + 4, p.probs}}) {
        if (text < 0)
            sqlite3_bind_null(st, column);
        else
            bindText(st, column, texts[static_cast<size_t>(text)]);
    }
    if (p.hasScore)
        sqlite3_bind_double(st, first + 5, p.score);
    else
        sqlite3_bind_null(st, first + 5);
}

qint32 SqliteImportTarget::keepText(const QString& s)
{
    if (s.isNull())
        return -1;
    m_texts.push_back(s);
    return static_cast<qint32>(m_texts.size() - 1);
}

ImportTarget::Added SqliteImportTarget::addAnnotation(qint64 item, qint64 annotator, qint64 label, const QString& raw,
                                                   const QString& probs, std::optional<double> score)
{
    prepare();
    const qint64 sequence = m_sequence++;
    m_pending.push_back({item, annotator, label, sequence, score.value_or(0.0), keepText(raw), keepText(probs),
                         score.has_value()});
    if (static_cast<qint64>(m_pending.size()) == kSortedRows)
        flush();
    return Added::Ok;
}

void SqliteImportTarget::flush()
{
    if (m_pending.empty())
        return;
    std::vector<Pending> rows;
    std::vector<QString> texts;
    rows.swap(m_pending);
    texts.swap(m_texts);
    writeSorted(rows, texts);
}

void SqliteImportTarget::writeSorted(std::vector<Pending>& rows, const std::vector<QString>& texts)
{
    // In (item, annotator) order, the primary key's order: each insert goes next to the last
    // one. Rows of one key stay in the order they came (sequence), so that a duplicate is found
    // as the later of the two rows.
    auto byKey = [](const Pending& a, const Pending& b) {
        return std::tie(a.item, a.annotator, a.sequence) < std::tie(b.item, b.annotator, b.sequence);
    };
    if (!std::is_sorted(rows.begin(), rows.end(), byKey))
        std::sort(rows.begin(), rows.end(), byKey);
    qint64 twin = -1;  // the first row (by sequence) whose key an earlier buffered row has
    for (size_t r = 1; r < rows.size(); ++r)
        if (rows[r].item == rows[r - 1].item && rows[r].annotator == rows[r - 1].annotator
            && (twin < 0 || rows[r].sequence < twin))
            twin = rows[r].sequence;
    // Rows stored before this flush have a rowid up to lastRow; the ones it writes, above.
    QString error;
    qint64 lastRow = 0;
    if (sqlite3_step(m_rawLastRow) == SQLITE_ROW)
        lastRow = sqlite3_column_int64(m_rawLastRow, 0);
    if (stepInsert(m_rawLastRow, &error) != SQLITE_DONE)  // steps to the end and resets
        throw Error(error);
    if (twin >= 0)
        throw DuplicateAnnotation{earliestConflict(rows, lastRow, twin)};

    const size_t batch = kMaxBuffered;
    size_t done = 0;
    for (; done + batch <= rows.size(); done += batch) {
        for (size_t r = 0; r < batch; ++r)
            bindAnnotation(m_rawBatch, 6 * static_cast<int>(r) + 1, rows[done + r], texts);
        const int rc = stepInsert(m_rawBatch, &error);
        if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
            throw DuplicateAnnotation{earliestConflict(rows, lastRow, -1)};
        if (rc != SQLITE_DONE)
            throw Error(error);
    }
    for (; done < rows.size(); ++done) {
        bindAnnotation(m_rawAnn, 1, rows[done], texts);
        const int rc = stepInsert(m_rawAnn, &error);
        if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
            throw DuplicateAnnotation{earliestConflict(rows, lastRow, -1)};
        if (rc != SQLITE_DONE)
            throw Error(error);
    }
}

// The smallest sequence among limit (-1: none) and the rows whose key was stored before this
// flush (rowid up to lastRow). Only after a duplicate was found, so the time does not matter.
qint64 SqliteImportTarget::earliestConflict(const std::vector<Pending>& rows, qint64 lastRow, qint64 limit)
{
    qint64 best = limit >= 0 ? limit : std::numeric_limits<qint64>::max();
    for (const Pending& p : rows) {
        if (p.sequence >= best)
            continue;
        sqlite3_bind_int64(m_rawExists, 1, p.item);
        sqlite3_bind_int64(m_rawExists, 2, p.annotator);
        sqlite3_bind_int64(m_rawExists, 3, lastRow);
        const int rc = sqlite3_step(m_rawExists);
        sqlite3_reset(m_rawExists);
        if (rc == SQLITE_ROW)
            best = p.sequence;
        else if (rc != SQLITE_DONE)
            throw Error(QString::fromUtf8(sqlite3_errmsg(sqlite3_db_handle(m_rawExists))));
    }
    if (best == std::numeric_limits<qint64>::max())
        throw Error(QStringLiteral("an item has two labels from one annotator"));  // SQLite said so; cannot be
    return best;
}

void SqliteImportTarget::setGold(qint64 item, qint64 label)
{
    prepare();
    insertOrThrow(m_rawGold, {item, label});
}

void SqliteImportTarget::setHumanCount(qint64 item, qint64 label, qint64 count)
{
    prepare();
    insertOrThrow(m_rawCount, {item, label, count});
}

} // namespace chorus::model
