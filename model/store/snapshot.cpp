#include "snapshot.h"

#include "pgcopy.h"

#include <QSqlError>
#include <QSqlQuery>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <string>
#include <thread>

namespace chorus::model {

int32_t Snapshot::itemIndex(const QString& extId) const
{
    return static_cast<int32_t>(itemExtIds.indexOf(extId));
}

uint64_t identityKey(const QString& id)
{
    const QByteArray utf8 = id.toUtf8();
    return agg::stableKey(utf8.constData(), static_cast<size_t>(utf8.size()));
}

void setIdentityKeys(Snapshot& s)
{
    std::vector<uint64_t> items(static_cast<size_t>(s.itemExtIds.size())), anns(static_cast<size_t>(s.annotators.size()));
    for (qsizetype i = 0; i < s.itemExtIds.size(); ++i)
        items[static_cast<size_t>(i)] = identityKey(s.itemExtIds[i]);
    for (qsizetype a = 0; a < s.annotators.size(); ++a)
        anns[static_cast<size_t>(a)] = identityKey(s.annotators[a]);
    s.matrix.setKeys(std::move(items), std::move(anns));
}

namespace {

// Two ways of reading rows with one interface, so that loadSnapshot's logic exists once.
// SqliteRows goes through SQLite's C API: no QVariant, no per-row cache, no virtual call per
// value; that layer was about a third of the load time at 1M annotations (issue #17).
// QtRows goes through QSqlQuery for connections without a sqlite3 handle (PostgreSQL).
// Both give the values Qt's QSQLITE driver gives (text as SQLite converts it to UTF-16, NULL as
// a null value), so the two paths give the same Snapshot (tests/model/tst_snapshotload.cpp).

bool isAscii(const char* p, int n)
{
    unsigned char any = 0;
    for (int k = 0; k < n; ++k)
        any |= static_cast<unsigned char>(p[k]);
    return any < 0x80;
}

class SqliteRows
{
public:
    SqliteRows(sqlite3* db, const QString& path, const char* sql) : m_db(db), m_path(path)
    {
        if (sqlite3_prepare_v2(db, sql, -1, &m_stmt, nullptr) != SQLITE_OK) {
            const QString message = error();
            sqlite3_finalize(m_stmt);
            throw Error(QStringLiteral("%1: SQL error: %2 [%3]").arg(m_path, message, QLatin1String(sql)));
        }
    }
    ~SqliteRows() { sqlite3_finalize(m_stmt); }
    SqliteRows(const SqliteRows&) = delete;
    SqliteRows& operator=(const SqliteRows&) = delete;

    bool next()
    {
        const int rc = sqlite3_step(m_stmt);
        if (rc == SQLITE_ROW)
            return true;
        if (rc == SQLITE_DONE)
            return false;
        if ((rc & 0xFF) == SQLITE_BUSY || (rc & 0xFF) == SQLITE_LOCKED)
            throw Error(QStringLiteral("%1: project is busy (another process is writing it); try again").arg(m_path));
        throw Error(QStringLiteral("%1: SQL error: %2").arg(m_path, error()));
    }
    bool isNull(int c) const { return sqlite3_column_type(m_stmt, c) == SQLITE_NULL; }
    qint64 integer(int c) const { return sqlite3_column_int64(m_stmt, c); }
    double real(int c) const { return sqlite3_column_double(m_stmt, c); }
    QString text(int c) const
    {
        // ASCII (most ids and many texts) is copied as is; anything else goes through
        // SQLite's own UTF-16 conversion, as the QSQLITE driver does (same result for invalid
        // UTF-8, which Qt's decoder would replace differently).
        if (sqlite3_column_type(m_stmt, c) == SQLITE_TEXT) {
            const auto* u = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, c));
            const int n = sqlite3_column_bytes(m_stmt, c);
            if (u && isAscii(u, n))
                return QString::fromLatin1(u, n);
        }
        const auto* p = static_cast<const QChar*>(sqlite3_column_text16(m_stmt, c));
        return QString(p, sqlite3_column_bytes16(m_stmt, c) / qsizetype(sizeof(QChar)));
    }

private:
    QString error() const { return QString::fromUtf8(sqlite3_errmsg(m_db)); }

    sqlite3* m_db;
    QString m_path;
    sqlite3_stmt* m_stmt = nullptr;
};

class QtRows
{
public:
    QtRows(ProjectStore& store, const char* sql) : m_q(store.db())
    {
        m_q.setForwardOnly(true);
        const QString text = QString::fromLatin1(sql);
        if (!m_q.prepare(text) || !m_q.exec())
            throw Error(QStringLiteral("%1: SQL error: %2 [%3]").arg(store.path(), m_q.lastError().text(), text));
    }
    bool next() { return m_q.next(); }
    bool isNull(int c) const { return m_q.value(c).isNull(); }
    qint64 integer(int c) const { return m_q.value(c).toLongLong(); }
    double real(int c) const { return m_q.value(c).toDouble(); }
    QString text(int c) const { return m_q.value(c).toString(); }

private:
    QSqlQuery m_q;
};

struct SqliteSource
{
    sqlite3* db;
    QString path;
    SqliteRows rows(const char* sql) const { return SqliteRows(db, path, sql); }
    // A reservation size for a table's rows: its largest rowid, which needs one B-tree descent
    // where COUNT(*) reads every page (append-only tables have no gaps; clamped so that a
    // sparse rowid cannot reserve absurd amounts).
    qint64 sizeHint(const char* table) const
    {
        SqliteRows r(db, path, (std::string("SELECT MAX(rowid) FROM ") + table).c_str());
        return r.next() ? std::clamp<qint64>(r.integer(0), 0, qint64(1) << 26) : 0;
    }
};

// A server project: every table read with one COPY (model/store/pgcopy.h), whose text rows
// parse far faster than QPSQL's one result per row.
struct PgSource
{
    ProjectStore* store;
    PgCopyOut rows(const char* sql) const { return PgCopyOut(store->db(), QByteArray(sql), store->path()); }
    // The planner's row estimate (COUNT(*) reads the whole table: 60 ms of a 1M-label open);
    // -1 before the table was first analysed, when the vectors simply grow.
    qint64 sizeHint(const char* table) const
    {
        const QVariant n = store->scalar(QStringLiteral("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(?)"),
                                         {QLatin1String(table)});
        return std::clamp<qint64>(n.toLongLong(), 0, qint64(1) << 26);
    }
};

struct QtSource
{
    ProjectStore* store;
    QtRows rows(const char* sql) const { return QtRows(*store, sql); }
    qint64 sizeHint(const char* table) const
    {
        return store->scalar(QStringLiteral("SELECT COUNT(*) FROM %1").arg(QLatin1String(table))).toLongLong();
    }
};

// Database id -> snapshot index. A flat array when the ids are dense (the usual case: integer
// primary keys handed out in order), the snapshot's hash otherwise. An unknown id gives 0, as
// QHash::value() does (the foreign keys make unknown ids impossible in a sound project).
class IdIndex
{
public:
    IdIndex(const QVector<qint64>& ids, const QHash<qint64, int32_t>& hash) : m_hash(&hash)
    {
        m_empty = ids.isEmpty();
        if (m_empty)
            return;
        const auto [lo, hi] = std::minmax_element(ids.begin(), ids.end());
        const quint64 span = quint64(*hi) - quint64(*lo) + 1;
        if (span > quint64(ids.size()) * 4 + 1024)
            return;
        m_min = *lo;
        m_flat.assign(span, -1);
        for (qsizetype k = 0; k < ids.size(); ++k)
            m_flat[quint64(ids[k]) - quint64(m_min)] = static_cast<int32_t>(k);
    }
    /// Answers without the hash (which may then be built later).
    bool isDense() const { return !m_flat.empty() || m_empty; }
    int32_t operator()(qint64 id) const
    {
        if (m_flat.empty())
            return m_hash->value(id);
        const quint64 u = quint64(id) - quint64(m_min);
        return u < m_flat.size() && m_flat[u] >= 0 ? m_flat[u] : 0;
    }

private:
    const QHash<qint64, int32_t>* m_hash;
    qint64 m_min = 0;
    bool m_empty = false;
    std::vector<int32_t> m_flat;  // -1: no such id
};

// loadRows' parts, in the order it reads them.
template <class Source>
void readLabelsAndAnnotators(const Source& src, Snapshot& s, QHash<qint64, int32_t>& annHash)
{
    {
        auto q = src.rows("SELECT id, name FROM labels ORDER BY position, id");
        while (q.next()) {
            const qint64 id = q.integer(0);
            s.labelIndexById.insert(id, static_cast<int32_t>(s.labels.size()));
            s.labelIds << id;
            s.labels << q.text(1);
        }
    }
    {
        auto q = src.rows("SELECT id, name, kind, cost_per_item FROM annotators ORDER BY id");
        while (q.next()) {
            const qint64 id = q.integer(0);
            annHash.insert(id, static_cast<int32_t>(s.annotators.size()));
            s.annotatorIds << id;
            s.annotators << q.text(1);
            s.annotatorKinds << kindFromName(q.text(2));
            s.annotatorCosts << (q.isNull(3) ? std::numeric_limits<double>::quiet_NaN() : q.real(3));
        }
    }
}

/// Gold labels and human judgment counts.
template <class Source>
void readTruth(const Source& src, Snapshot& s, const IdIndex& itemIndex, const IdIndex& labelIndex)
{
    const int32_t n = s.numItems(), L = s.numLabels();
    s.gold.assign(n, -1);
    {
        auto q = src.rows("SELECT item_id, label_id FROM gold");
        while (q.next()) {
            s.gold[itemIndex(q.integer(0))] = labelIndex(q.integer(1));
            ++s.goldCount;
        }
    }
    {
        auto q = src.rows("SELECT item_id, label_id, count FROM human_counts");
        while (q.next()) {
            if (s.humanCounts.empty()) {
                s.humanCounts.assign(static_cast<size_t>(n) * L, 0.0);
                s.hasHumanCounts.assign(n, 0);
            }
            const int32_t i = itemIndex(q.integer(0));
            s.humanCounts[static_cast<size_t>(i) * L + labelIndex(q.integer(1))] = q.real(2);
            s.hasHumanCounts[i] = 1;
        }
    }
}

/// Each item's current decision (its latest row; an adjudication wins over later rows).
template <class Source>
void readDecisions(const Source& src, Snapshot& s, const IdIndex& itemIndex, const IdIndex& labelIndex)
{
    const int32_t n = s.numItems();
    s.humanLabel.assign(n, -1);
    s.status.assign(n, ReviewStatus::Unreviewed);
    {
        auto q = src.rows("SELECT d.item_id, d.label_id, d.status, d.note FROM decisions d "
                          "JOIN (SELECT item_id, MAX(id) AS last FROM decisions GROUP BY item_id) x "
                          "ON d.id = x.last");
        while (q.next()) {
            const int32_t i = itemIndex(q.integer(0));
            s.humanLabel[i] = q.isNull(1) ? -1 : labelIndex(q.integer(1));
            s.status[i] = statusFromName(q.text(2));
            QString note = q.text(3);
            if (!note.isEmpty())
                s.notes.insert(i, std::move(note));
        }
    }
    s.adjudicated.assign(n, 0);
    {
        auto q = src.rows("SELECT d.item_id, d.label_id FROM decisions d "
                          "JOIN (SELECT item_id, MAX(id) AS last FROM decisions WHERE action = 'adjudicate' "
                          "GROUP BY item_id) x ON d.id = x.last");
        while (q.next()) {
            const int32_t i = itemIndex(q.integer(0));
            if (q.isNull(1))
                continue;
            s.humanLabel[i] = labelIndex(q.integer(1));
            s.status[i] = ReviewStatus::Reviewed;
            s.adjudicated[i] = 1;
        }
    }
}

template <class Source>
Snapshot loadRows(const Source& src, const std::function<bool()>& isCanceled)
{
    auto check = [&] {
        if (isCanceled && isCanceled())
            throw CanceledError();
    };
    Snapshot s;
    QHash<qint64, int32_t> annHash;
    readLabelsAndAnnotators(src, s, annHash);
    check();
    {
        const qint64 nItems = src.sizeHint("items");
        s.itemIds.reserve(nItems);
        s.itemExtIds.reserve(nItems);
        s.itemTexts.reserve(nItems);
        s.itemIndexById.reserve(nItems);
        auto q = src.rows("SELECT id, ext_id, text FROM items ORDER BY id");
        while (q.next()) {
            s.itemIds << q.integer(0);
            s.itemExtIds << q.text(1);
            s.itemTexts << q.text(2);
        }
    }
    check();
    const int32_t n = s.numItems();
    const int32_t L = s.numLabels();
    const IdIndex itemIndex(s.itemIds, s.itemIndexById);
    const IdIndex labelIndex(s.labelIds, s.labelIndexById);
    const IdIndex annIndex(s.annotatorIds, annHash);

    // The item hash and identity keys are not needed to read the annotations when the ids are
    // dense: a helper thread builds them meanwhile (a quarter of the time at 1M items). It
    // touches nothing else; the guard joins it on every exit path, exceptions included.
    std::vector<uint64_t> itemKeys(static_cast<size_t>(n));
    auto indexItems = [&s, &itemKeys, n] {
        for (int32_t i = 0; i < n; ++i) {
            s.itemIndexById.insert(s.itemIds[i], i);
            itemKeys[static_cast<size_t>(i)] = identityKey(s.itemExtIds[i]);
        }
    };
    std::thread helper;
    struct Join
    {
        std::thread& t;
        ~Join()
        {
            if (t.joinable())
                t.join();
        }
    } join{helper};
    std::exception_ptr helperError;  // e.g. bad_alloc, rethrown here after the join
    if (itemIndex.isDense() && n >= 50000 && std::thread::hardware_concurrency() > 1)
        helper = std::thread([&] {
            try {
                indexItems();
            } catch (...) {
                helperError = std::current_exception();
            }
        });
    else
        indexItems();

    std::vector<agg::Annotation> anns;
    anns.reserve(static_cast<size_t>(src.sizeHint("annotations")));
    s.annotatorHasProbabilities.assign(static_cast<size_t>(s.annotators.size()), 0);
    {
        // The fourth column marks the annotators that reported probabilities (an integer on
        // every engine, so the divergence sources need no scan of their own).
        auto q = src.rows("SELECT item_id, annotator_id, label_id, CASE WHEN probs IS NULL THEN 0 ELSE 1 END "
                          "FROM annotations");
        int64_t rows = 0;
        while (q.next()) {
            const int32_t label = q.isNull(2) ? agg::kInvalidLabel : labelIndex(q.integer(2));
            const int32_t annotator = annIndex(q.integer(1));
            anns.push_back({itemIndex(q.integer(0)), annotator, label});
            if (q.integer(3) != 0)
                s.annotatorHasProbabilities[static_cast<size_t>(annotator)] = 1;
            if ((++rows & 0xFFFF) == 0)
                check();
        }
    }
    s.matrix = agg::LabelMatrix::build(n, static_cast<int32_t>(s.annotators.size()), L, std::move(anns));
    if (helper.joinable())
        helper.join();
    if (helperError)
        std::rethrow_exception(helperError);
    // As setIdentityKeys(s) does.
    std::vector<uint64_t> annKeys(static_cast<size_t>(s.annotators.size()));
    for (qsizetype a = 0; a < s.annotators.size(); ++a)
        annKeys[static_cast<size_t>(a)] = identityKey(s.annotators[a]);
    s.matrix.setKeys(std::move(itemKeys), std::move(annKeys));

    readTruth(src, s, itemIndex, labelIndex);
    readDecisions(src, s, itemIndex, labelIndex);
    check();
    return s;
}

} // namespace

Snapshot loadSnapshot(ProjectStore& store, const std::function<bool()>& isCanceled)
{
    if (sqlite3* db = store.sqliteHandle())
        return loadRows(SqliteSource{db, store.path()}, isCanceled);
    if (postgresHandle(store.db()))
        return loadRows(PgSource{&store}, isCanceled);
    return loadSnapshotPortable(store, isCanceled);
}

Snapshot loadSnapshotPortable(ProjectStore& store, const std::function<bool()>& isCanceled)
{
    return loadRows(QtSource{&store}, isCanceled);
}

QVector<double> probabilityRow(const Snapshot& s, const QString& json)
{
    QVector<double> row(s.numLabels(), 0.0);
    const auto j = nlohmann::json::parse(json.toStdString(), nullptr, false);
    if (!j.is_object())
        return {};
    for (const auto& [k, v] : j.items()) {
        const qsizetype l = s.labels.indexOf(QString::fromStdString(k));
        if (l >= 0 && v.is_number())
            row[l] = v.get<double>();
    }
    return row;
}

QHash<QString, QVector<double>> loadItemProbabilities(ProjectStore& store, const Snapshot& s, qint64 itemId)
{
    QHash<QString, QVector<double>> out;
    QSqlQuery q = store.exec(QStringLiteral("SELECT a.name, n.probs FROM annotations n JOIN annotators a "
                                            "ON a.id = n.annotator_id WHERE n.item_id = ? AND n.probs IS NOT NULL"),
                             {itemId});
    while (q.next()) {
        const QVector<double> row = probabilityRow(s, q.value(1).toString());
        if (!row.isEmpty())
            out.insert(q.value(0).toString(), row);
    }
    return out;
}

ProbabilityTable loadAnnotatorProbabilities(ProjectStore& store, const Snapshot& s, int32_t annotator)
{
    ProbabilityTable t;
    const int32_t L = s.numLabels();
    t.rows.assign(static_cast<size_t>(s.numItems()) * L, 0.0);
    t.present.assign(s.numItems(), 0);
    QSqlQuery q = store.exec(QStringLiteral("SELECT item_id, probs FROM annotations WHERE annotator_id = ? "
                                            "AND probs IS NOT NULL"),
                             {s.annotatorIds[annotator]});
    while (q.next()) {
        const int32_t i = s.itemIndexById.value(q.value(0).toLongLong(), -1);
        const QVector<double> row = probabilityRow(s, q.value(1).toString());
        if (i < 0 || row.isEmpty())
            continue;
        std::copy(row.begin(), row.end(), t.rows.begin() + static_cast<size_t>(i) * L);
        t.present[i] = 1;
    }
    return t;
}

} // namespace chorus::model
