#include "importtarget.h"

#include "dialect.h"
#include "pgcopy.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <tuple>

namespace chorus::model {

struct PgImportTarget::Data
{
    struct Item
    {
        qint64 id;
        QString extId, text, meta;
    };
    struct Annotation
    {
        qint64 item, annotator, label, sequence;
        double score;
        qint32 raw, probs;  // index into texts, -1: NULL
        bool hasScore;
    };
    std::vector<Item> items;  // added by this import, not written yet
    QHash<qint64, size_t> itemPos;
    std::vector<Annotation> annotations;
    std::vector<QString> texts;
    std::map<qint64, qint64> gold;  // item -> label; the last one given wins, as an upsert would
    std::map<std::pair<qint64, qint64>, qint64> counts;
    qint64 nextItemId = 1;
    qint64 sequence = 0;
    bool itemsAdded = false;
    bool annotationsStored = false;  // may the table hold rows that new ones duplicate?

    qint32 keepText(const QString& s)
    {
        if (s.isNull())
            return -1;
        texts.push_back(s);
        return static_cast<qint32>(texts.size() - 1);
    }
    void clear()
    {
        items = {};
        itemPos = {};
        annotations = {};
        texts = {};
        gold = {};
        counts = {};
    }
};

PgImportTarget::PgImportTarget(ProjectStore& store) : ProjectImportTarget(store), d(std::make_unique<Data>()) {}

PgImportTarget::~PgImportTarget() = default;

void PgImportTarget::transaction(const std::function<void()>& fn)
{
    m_store.transaction([&] {
        try {
            // New items are numbered here, so no other session may add items meanwhile (an
            // import elsewhere waits; readers and reviewers' decisions go on).
            // SHARE ROW EXCLUSIVE: other imports wait; reading and the foreign-key checks of
            // reviewers' decisions do not.
            m_store.exec(QStringLiteral("LOCK TABLE items IN SHARE ROW EXCLUSIVE MODE"));
            for (const QString& s : m_store.dialect().bulkBegin(Dialect::importTables()))
                m_store.exec(s);
            d->nextItemId = m_store.scalar(QStringLiteral("SELECT COALESCE(MAX(id), 0) + 1 FROM items")).toLongLong();
            d->annotationsStored = m_store.scalar(QStringLiteral("SELECT EXISTS (SELECT 1 FROM annotations)")).toBool();
            d->itemsAdded = false;
            fn();
            try {
                flush();  // ImportWriter flushes first; this only guards against a forgotten flush
            } catch (const DuplicateAnnotation&) {
                throw Error(QStringLiteral("an item has two labels from one annotator"));
            }
            if (d->itemsAdded)
                for (const QString& s : m_store.dialect().afterExplicitIds(QStringLiteral("items")))
                    m_store.exec(s);
            // Checks every row once; a row pointing nowhere fails the import here.
            for (const QString& s : m_store.dialect().bulkEnd(Dialect::importTables()))
                m_store.exec(s);
        } catch (...) {
            d->clear();
            releaseStatements();
            throw;
        }
        d->clear();
        releaseStatements();
    });
}

qint64 PgImportTarget::addItem(const QString& extId, const QString& text, const QString& metaJson)
{
    const qint64 id = d->nextItemId++;
    d->itemPos.insert(id, d->items.size());
    d->items.push_back({id, extId, text.isNull() ? QStringLiteral("") : text,
                        metaJson.isEmpty() ? QString() : metaJson});
    d->itemsAdded = true;
    return id;
}

void PgImportTarget::updateItem(qint64 item, const QString& text, const QString& metaJson)
{
    const auto it = d->itemPos.constFind(item);
    if (it == d->itemPos.constEnd()) {
        updateStoredItem(item, text, metaJson);
        return;
    }
    Data::Item& row = d->items[it.value()];
    if (!text.isEmpty())
        row.text = text;
    if (!metaJson.isEmpty())
        row.meta = metaJson;
}

ImportTarget::Added PgImportTarget::addAnnotation(qint64 item, qint64 annotator, qint64 label, const QString& raw,
                                                  const QString& probs, std::optional<double> score)
{
    d->annotations.push_back({item, annotator, label, d->sequence++, score.value_or(0.0), d->keepText(raw),
                              d->keepText(probs), score.has_value()});
    if (static_cast<qint64>(d->annotations.size()) == kBufferedRows)
        flush();
    return Added::Ok;
}

void PgImportTarget::setGold(qint64 item, qint64 label)
{
    d->gold[item] = label;
}

void PgImportTarget::setHumanCount(qint64 item, qint64 label, qint64 count)
{
    d->counts[{item, label}] = count;
}

namespace {

const char* const kAnnotationColumns = "item_id, annotator_id, label_id, raw, probs, score";

// An empty temporary table for this transaction's rows (dropped at commit).
void createStaging(ProjectStore& store, const char* table, const char* columns)
{
    store.exec(QStringLiteral("CREATE TEMPORARY TABLE IF NOT EXISTS %1 (%2) ON COMMIT DROP")
                   .arg(QLatin1String(table), QLatin1String(columns)));
    store.exec(QStringLiteral("TRUNCATE %1").arg(QLatin1String(table)));
}

// Rows that replace stored ones (gold labels, human counts): COPY into a staging table, then one
// INSERT ... SELECT ... ON CONFLICT that moves them over. addRows adds every row to the copy.
void copyAndUpsert(ProjectStore& store, const char* staging, const char* columns, const char* typedColumns,
                   const std::function<void(PgCopyIn&)>& addRows, const QString& upsert)
{
    createStaging(store, staging, typedColumns);
    PgCopyIn copy(store.db(), QStringLiteral("COPY %1 (%2) FROM STDIN").arg(QLatin1String(staging), QLatin1String(columns)).toLatin1(),
                  store.path());
    addRows(copy);
    copy.finish();
    store.exec(upsert);
}

} // namespace

void PgImportTarget::flush()
{
    flushItems();
    flushAnnotations();
    if (!d->gold.empty()) {
        copyAndUpsert(m_store, "chorus_import_gold", "item_id, label_id", "item_id BIGINT, label_id BIGINT",
                      [&](PgCopyIn& copy) {
                          for (const auto& [item, label] : d->gold) {
                              copy.add(item);
                              copy.add(label);
                              copy.endRow();
                          }
                      },
                      QStringLiteral("INSERT INTO gold (item_id, label_id) SELECT item_id, label_id FROM chorus_import_gold "
                                     "ON CONFLICT (item_id) DO UPDATE SET label_id = excluded.label_id"));
        d->gold = {};
    }
    if (!d->counts.empty()) {
        copyAndUpsert(m_store, "chorus_import_counts", "item_id, label_id, count",
                      "item_id BIGINT, label_id BIGINT, count BIGINT",
                      [&](PgCopyIn& copy) {
                          for (const auto& [key, count] : d->counts) {
                              copy.add(key.first);
                              copy.add(key.second);
                              copy.add(count);
                              copy.endRow();
                          }
                      },
                      QStringLiteral("INSERT INTO human_counts (item_id, label_id, count) SELECT item_id, label_id, count "
                                     "FROM chorus_import_counts ON CONFLICT (item_id, label_id) DO UPDATE SET count = "
                                     "excluded.count"));
        d->counts = {};
    }
}

void PgImportTarget::flushItems()
{
    if (d->items.empty())
        return;
    PgCopyIn copy(m_store.db(), "COPY items (id, ext_id, text, meta) FROM STDIN", m_store.path());
    for (const Data::Item& it : d->items) {
        copy.add(it.id);
        copy.add(it.extId);
        copy.add(it.text);
        copy.add(it.meta);
        copy.endRow();
    }
    copy.finish();
    d->items = {};
    d->itemPos = {};
}

void PgImportTarget::flushAnnotations()
{
    if (d->annotations.empty())
        return;
    auto& rows = d->annotations;
    // In key order, rows of one key in the order they came, as the SQLite target does: the
    // index is filled in order and a duplicate is the later of the two rows.
    auto byKey = [](const Data::Annotation& a, const Data::Annotation& b) {
        return std::tie(a.item, a.annotator, a.sequence) < std::tie(b.item, b.annotator, b.sequence);
    };
    if (!std::is_sorted(rows.begin(), rows.end(), byKey))
        std::sort(rows.begin(), rows.end(), byKey);
    qint64 twin = -1;
    for (size_t r = 1; r < rows.size(); ++r)
        if (rows[r].item == rows[r - 1].item && rows[r].annotator == rows[r - 1].annotator
            && (twin < 0 || rows[r].sequence < twin))
            twin = rows[r].sequence;
    if (twin >= 0 && !d->annotationsStored)
        throw DuplicateAnnotation{twin};

    const bool staged = d->annotationsStored;
    if (staged)
        createStaging(m_store, "chorus_import_annotations",
                      "item_id BIGINT, annotator_id BIGINT, label_id BIGINT, raw TEXT, probs TEXT, score DOUBLE PRECISION, "
                      "seq BIGINT");
    {
        const QByteArray sql = staged ? QByteArray("COPY chorus_import_annotations (") + kAnnotationColumns + ", seq) FROM STDIN"
                                      : QByteArray("COPY annotations (") + kAnnotationColumns + ") FROM STDIN";
        PgCopyIn copy(m_store.db(), sql, m_store.path());
        for (const Data::Annotation& a : rows) {
            copy.add(a.item);
            copy.add(a.annotator);
            if (a.label >= 0)
                copy.add(a.label);
            else
                copy.addNull();
            for (qint32 t : {a.raw, a.probs}) {
                if (t < 0)
                    copy.addNull();
                else
                    copy.add(d->texts[static_cast<size_t>(t)]);
            }
            if (a.hasScore)
                copy.add(a.score);
            else
                copy.addNull();
            if (staged)
                copy.add(a.sequence);
            copy.endRow();
        }
        copy.finish();
    }
    if (staged) {
        const QVariant stored = m_store.scalar(QStringLiteral(
            "SELECT MIN(t.seq) FROM chorus_import_annotations t JOIN annotations a "
            "ON a.item_id = t.item_id AND a.annotator_id = t.annotator_id"));
        qint64 first = stored.isNull() ? -1 : stored.toLongLong();
        if (twin >= 0 && (first < 0 || twin < first))
            first = twin;
        if (first >= 0)
            throw DuplicateAnnotation{first};
        m_store.exec(QStringLiteral("INSERT INTO annotations (%1) SELECT %1 FROM chorus_import_annotations ORDER BY "
                                    "item_id, annotator_id")
                         .arg(QLatin1String(kAnnotationColumns)));
    }
    d->annotations = {};
    d->texts = {};
    d->annotationsStored = true;
}

} // namespace chorus::model
