#include "projectstore.h"

#include "dialect.h"
#include "labelorder.h"
#include "schema.h"

#include <sqlite3.h>

#include <QAtomicInt>
#include <QDateTime>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlDriver>
#include <QSqlQuery>

namespace chorus::model {

namespace {
QAtomicInt g_connectionCounter;
const char* const kAppTag = "chorus";

// SQLITE_BUSY / SQLITE_LOCKED: another connection holds the write lock past the busy timeout.
bool isBusy(const QString& sqlError)
{
    return sqlError.contains(QLatin1String("locked")) || sqlError.contains(QLatin1String("busy"));
}

Error busyError(const QString& path)
{
    return Error(QStringLiteral("%1: project is busy (another process is writing it); try again").arg(path));
}
} // namespace

QString nowIso()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

QString kindName(AnnotatorKind kind)
{
    switch (kind) {
    case AnnotatorKind::Llm: return QStringLiteral("llm");
    case AnnotatorKind::Human: return QStringLiteral("human");
    case AnnotatorKind::Reviewer: return QStringLiteral("reviewer");
    }
    return {};
}

AnnotatorKind kindFromName(const QString& name, bool* ok)
{
    if (ok)
        *ok = true;
    if (name == QLatin1String("human"))
        return AnnotatorKind::Human;
    if (name == QLatin1String("reviewer"))
        return AnnotatorKind::Reviewer;
    if (ok && name != QLatin1String("llm"))
        *ok = false;
    return AnnotatorKind::Llm;
}

QString statusName(ReviewStatus s)
{
    switch (s) {
    case ReviewStatus::Unreviewed: return QStringLiteral("unreviewed");
    case ReviewStatus::Reviewed: return QStringLiteral("reviewed");
    case ReviewStatus::Flagged: return QStringLiteral("flagged");
    }
    return {};
}

ReviewStatus statusFromName(const QString& name)
{
    if (name == QLatin1String("reviewed"))
        return ReviewStatus::Reviewed;
    if (name == QLatin1String("flagged"))
        return ReviewStatus::Flagged;
    return ReviewStatus::Unreviewed;
}

ProjectStore::ProjectStore() : m_dialect(&Dialect::sqlite())
{
    m_connectionName = QStringLiteral("chorus-%1").arg(g_connectionCounter.fetchAndAddRelaxed(1));
}

ProjectStore::~ProjectStore()
{
    close();
}

void ProjectStore::open(const QString& path, Mode mode)
{
    close();
    const QFileInfo fi(path);
    if (mode == Mode::OpenExisting && !fi.exists())
        throw Error(QStringLiteral("%1: no such project file").arg(path));
    if (mode == Mode::CreateNew && fi.exists())
        throw Error(QStringLiteral("%1: file already exists").arg(path));
    if (fi.exists() && fi.isDir())
        throw Error(QStringLiteral("%1: is a directory").arg(path));
    const bool isNew = !fi.exists() || fi.size() == 0;

    m_db = QSqlDatabase::addDatabase(m_dialect->driverName(), m_connectionName);
    m_db.setDatabaseName(path);
    if (!m_db.open()) {
        const QString why = m_db.lastError().text();
        close();
        throw Error(QStringLiteral("%1: cannot open: %2").arg(path, why));
    }
    m_path = path;
    try {
        if (!isNew) {
            // Any query fails here when the file is not an SQLite database at all.
            QSqlQuery probe(m_db);
            if (!probe.exec(QStringLiteral("SELECT value FROM meta WHERE key = 'application'"))
                || !probe.next() || probe.value(0).toString() != QLatin1String(kAppTag))
                throw Error(QStringLiteral("%1: not a Chorus project").arg(path));
        }
        setupConnection();
        migrate();
    } catch (...) {
        close();
        throw;
    }
}

sqlite3* ProjectStore::sqliteHandle()
{
    if (!m_db.isOpen() || !m_db.driver())
        return nullptr;
    // QSQLITE hands its connection out as a QVariant holding a sqlite3*.
    const QVariant h = m_db.driver()->handle();
    if (!h.isValid() || qstrcmp(h.typeName(), "sqlite3*") != 0)
        return nullptr;
    return *static_cast<sqlite3* const*>(h.constData());
}

void ProjectStore::openInMemory()
{
    close();
    m_db = QSqlDatabase::addDatabase(m_dialect->driverName(), m_connectionName);
    m_db.setDatabaseName(QStringLiteral(":memory:"));
    if (!m_db.open())
        throw Error(QStringLiteral("cannot open an in-memory project: %1").arg(m_db.lastError().text()));
    m_path = QStringLiteral(":memory:");
    exec(QStringLiteral("PRAGMA foreign_keys=ON"));
    migrate();
}

void ProjectStore::close()
{
    if (m_db.isValid()) {
        if (m_db.isOpen())
            m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
    m_path.clear();
}

bool ProjectStore::isOpen() const
{
    return m_db.isValid() && m_db.isOpen();
}

void ProjectStore::setupConnection()
{
    for (const QString& s : m_dialect->connectionSetup())
        exec(s);
}

void ProjectStore::migrate()
{
    QSqlQuery q(m_db);
    int version = 0;
    if (q.exec(QStringLiteral("SELECT value FROM meta WHERE key = 'schema_version'")) && q.next())
        version = q.value(0).toInt();
    q.finish();
    if (version > kSchemaVersion)
        throw Error(QStringLiteral("%1 was written by a newer version of Chorus (project schema %2; "
                                   "this version reads up to %3). Update Chorus to open it.")
                        .arg(m_path)
                        .arg(version)
                        .arg(kSchemaVersion));
    if (version == kSchemaVersion)
        return;
    const auto& steps = migrationSteps();
    transaction([&] {
        for (int v = version; v < kSchemaVersion; ++v) {
            for (const QString& sql : steps[v])
                exec(sql);
            for (const QString& sql : m_dialect->schemaExtras(v + 1))
                exec(sql);
        }
        if (version > 0 && version < 4)
            canonicalizeLabelOrder(*this);
        const QString up = m_dialect->upsert(QStringLiteral("meta"), {QStringLiteral("key")},
                                             {QStringLiteral("value")});
        exec(up, {QStringLiteral("application"), QString::fromLatin1(kAppTag)});
        exec(up, {QStringLiteral("schema_version"), QString::number(kSchemaVersion)});
        if (version == 0)
            exec(up, {QStringLiteral("created_at"), nowIso()});
    });
}

void ProjectStore::begin()
{
    QSqlQuery q(m_db);
    if (!q.exec(m_dialect->beginTransaction())) {
        const QString text = q.lastError().text();
        if (isBusy(text))
            throw busyError(m_path);
        throw Error(QStringLiteral("%1: cannot start a transaction: %2").arg(m_path, text));
    }
}

void ProjectStore::commit()
{
    if (!m_db.commit()) {
        const QString text = m_db.lastError().text();
        if (isBusy(text))
            throw busyError(m_path);
        throw Error(QStringLiteral("%1: cannot commit: %2").arg(m_path, text));
    }
}

void ProjectStore::rollback() noexcept
{
    m_db.rollback();
}

void ProjectStore::transaction(const std::function<void()>& fn)
{
    begin();
    try {
        fn();
        commit();
    } catch (...) {
        rollback();
        throw;
    }
}

QSqlQuery ProjectStore::exec(const QString& sql, const QVariantList& params)
{
    QSqlQuery q(m_db);
    if (!q.prepare(sql))
        throw Error(QStringLiteral("%1: SQL error: %2 [%3]").arg(m_path, q.lastError().text(), sql));
    for (const QVariant& p : params)
        q.addBindValue(p);
    if (!q.exec()) {
        const QString text = q.lastError().text();
        if (isBusy(text))
            throw busyError(m_path);
        throw Error(QStringLiteral("%1: SQL error: %2").arg(m_path, text));
    }
    return q;
}

QVariant ProjectStore::scalar(const QString& sql, const QVariantList& params)
{
    QSqlQuery q = exec(sql, params);
    return q.next() ? q.value(0) : QVariant();
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
    QSqlQuery q = exec(QStringLiteral("INSERT INTO labels (name, position) VALUES (?, ?)"), {name, pos});
    return q.lastInsertId().toLongLong();
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
    if (!q.exec())
        throw Error(QStringLiteral("%1: cannot save the decision: %2").arg(store.path(), q.lastError().text()));
    return q.lastInsertId().toLongLong();
}

const char* const kInsertDecision = "INSERT INTO decisions (item_id, action, label_id, status, note, author, "
                                    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)";

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
