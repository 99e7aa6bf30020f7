// ProjectStore: the project's meta values, labels and decision log, and the names stored enum
// values have.

#include "projectstore.h"

#include "dialect.h"
#include "enumnames.h"

#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>

namespace chorus::model {

QString nowIso()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

namespace {
constexpr EnumName<AnnotatorKind> kKinds[] = {
    {AnnotatorKind::Llm, "llm"}, {AnnotatorKind::Human, "human"}, {AnnotatorKind::Reviewer, "reviewer"}};
constexpr EnumName<ReviewStatus> kStatuses[] = {
    {ReviewStatus::Unreviewed, "unreviewed"}, {ReviewStatus::Reviewed, "reviewed"}, {ReviewStatus::Flagged, "flagged"}};
} // namespace

QString kindName(AnnotatorKind kind)
{
    return nameIn(kKinds, kind);
}

AnnotatorKind kindFromName(const QString& name, bool* ok)
{
    const std::optional<AnnotatorKind> kind = valueIn(kKinds, name);
    if (ok)
        *ok = kind.has_value();
    return kind.value_or(AnnotatorKind::Llm);
}

QString statusName(ReviewStatus s)
{
    return nameIn(kStatuses, s);
}

ReviewStatus statusFromName(const QString& name)
{
    return valueIn(kStatuses, name).value_or(ReviewStatus::Unreviewed);
}

QString ProjectStore::metaValue(const QString& key, const QString& fallback)
{
    const QVariant v = scalar(QStringLiteral("SELECT value FROM meta WHERE key = ?"), {key});
    return v.isValid() ? v.toString() : fallback;
}

void ProjectStore::setMetaValue(const QString& key, const QString& value)
{
    exec(m_dialect->upsert(QStringLiteral("meta"), {QStringLiteral("key")}, {QStringLiteral("value")}),
         {key, value});
}

ProjectInfo ProjectStore::info()
{
    ProjectInfo i;
    i.schemaVersion = metaValue(QStringLiteral("schema_version")).toInt();
    auto count = [&](const char* sql) { return scalar(QString::fromLatin1(sql)).toLongLong(); };
    i.items = count("SELECT COUNT(*) FROM items");
    i.annotators = count("SELECT COUNT(*) FROM annotators");
    i.labels = count("SELECT COUNT(*) FROM labels");
    i.annotations = count("SELECT COUNT(*) FROM annotations");
    i.invalidAnnotations = count("SELECT COUNT(*) FROM annotations WHERE label_id IS NULL");
    i.gold = count("SELECT COUNT(*) FROM gold");
    i.itemsWithHumanCounts = count("SELECT COUNT(DISTINCT item_id) FROM human_counts");
    i.decisions = count("SELECT COUNT(*) FROM decisions");
    // Current status = status of the latest decision; items without one are unreviewed.
    QSqlQuery byStatus = exec(QStringLiteral(
        "SELECT d.status, COUNT(*) FROM decisions d "
        "JOIN (SELECT item_id, MAX(id) AS last FROM decisions GROUP BY item_id) x ON d.id = x.last "
        "GROUP BY d.status"));
    while (byStatus.next()) {
        const ReviewStatus st = statusFromName(byStatus.value(0).toString());
        if (st == ReviewStatus::Reviewed)
            i.reviewedItems = byStatus.value(1).toLongLong();
        else if (st == ReviewStatus::Flagged)
            i.flaggedItems = byStatus.value(1).toLongLong();
    }
    i.unreviewedItems = i.items - i.reviewedItems - i.flaggedItems;
    i.runs = count("SELECT COUNT(*) FROM runs");
    i.labelNames = labelNames();
    QSqlQuery q = exec(QStringLiteral("SELECT name FROM annotators ORDER BY id"));
    while (q.next())
        i.annotatorNames << q.value(0).toString();
    return i;
}

QStringList ProjectStore::labelNames()
{
    QStringList out;
    QSqlQuery q = exec(QStringLiteral("SELECT name FROM labels ORDER BY position, id"));
    while (q.next())
        out << q.value(0).toString();
    return out;
}

qint64 ProjectStore::ensureLabel(const QString& name)
{
    const QVariant id = scalar(QStringLiteral("SELECT id FROM labels WHERE name = ?"), {name});
    if (id.isValid())
        return id.toLongLong();
    const qint64 pos = scalar(QStringLiteral("SELECT COALESCE(MAX(position), -1) + 1 FROM labels")).toLongLong();
    return insertReturningId(QStringLiteral("INSERT INTO labels (name, position) VALUES (?, ?)"), {name, pos});
}

bool ProjectStore::labelSetClosed()
{
    return metaValue(QStringLiteral("label_set_closed")) == QLatin1String("1");
}

void ProjectStore::setLabelSetClosed(bool closed)
{
    setMetaValue(QStringLiteral("label_set_closed"), closed ? QStringLiteral("1") : QStringLiteral("0"));
}

namespace {

qint64 insertDecision(ProjectStore& store, QSqlQuery& q, const Decision& d)
{
    q.bindValue(0, d.itemId);
    q.bindValue(1, d.action);
    q.bindValue(2, d.labelId > 0 ? QVariant(d.labelId) : QVariant(QMetaType(QMetaType::LongLong)));
    q.bindValue(3, statusName(d.status));
    q.bindValue(4, d.note.isNull() ? QStringLiteral("") : d.note);
    q.bindValue(5, d.author);
    q.bindValue(6, d.createdAt.isEmpty() ? nowIso() : d.createdAt);
    q.bindValue(7, d.uuid.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(d.uuid));
    if (!q.exec() || !q.next()) {
        const QString text = q.lastError().text();
        if (store.isServer() && (text.contains(QLatin1String("permission denied")) || text.contains(QLatin1String("row-level security"))))
            throw PermissionDeniedError(QStringLiteral("%1: the server refused the decision (your role in this project may "
                                                       "not write it): %2")
                                            .arg(store.path(), text.section(QLatin1Char('\n'), 0, 0).trimmed()));
        throw Error(QStringLiteral("%1: cannot save the decision: %2").arg(store.path(), text));
    }
    return q.value(0).toLongLong();
}

const char* const kInsertDecision = "INSERT INTO decisions (item_id, action, label_id, status, note, author, "
                                    "created_at, uuid) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";

} // namespace

qint64 ProjectStore::appendDecision(const Decision& d)
{
    qint64 id = 0;
    transaction([&] {
        QSqlQuery q(m_db);
        q.prepare(QString::fromLatin1(kInsertDecision));
        id = insertDecision(*this, q, d);
    });
    return id;
}

void ProjectStore::appendDecisions(const QList<Decision>& decisions)
{
    transaction([&] {
        QSqlQuery q(m_db);
        q.prepare(QString::fromLatin1(kInsertDecision));
        for (const Decision& d : decisions)
            insertDecision(*this, q, d);
    });
}

namespace {

// A row of "SELECT id, item_id, action, label_id, status, note, author, created_at FROM decisions".
Decision decisionFromRow(const QSqlQuery& q)
{
    Decision d;
    d.id = q.value(0).toLongLong();
    d.itemId = q.value(1).toLongLong();
    d.action = q.value(2).toString();
    d.labelId = q.value(3).isNull() ? 0 : q.value(3).toLongLong();
    d.status = statusFromName(q.value(4).toString());
    d.note = q.value(5).toString();
    d.author = q.value(6).toString();
    d.createdAt = q.value(7).toString();
    return d;
}

} // namespace

QList<Decision> ProjectStore::decisionHistory(qint64 itemId)
{
    QList<Decision> out;
    QSqlQuery q = exec(QStringLiteral("SELECT id, item_id, action, label_id, status, note, author, created_at "
                                      "FROM decisions WHERE item_id = ? ORDER BY id"),
                       {itemId});
    while (q.next())
        out << decisionFromRow(q);
    return out;
}

QHash<qint64, QList<Decision>> ProjectStore::decisionHistories()
{
    QHash<qint64, QList<Decision>> out;
    QSqlQuery q = exec(QStringLiteral("SELECT id, item_id, action, label_id, status, note, author, created_at "
                                      "FROM decisions ORDER BY item_id, id"));
    while (q.next()) {
        Decision d = decisionFromRow(q);
        out[d.itemId].append(std::move(d));
    }
    return out;
}

QString ProjectStore::integrityCheck()
{
    return m_dialect->integrityCheck(m_db);
}

} // namespace chorus::model
