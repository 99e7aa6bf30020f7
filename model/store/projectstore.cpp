#include "projectstore.h"

#include "enumnames.h"

#include "dialect.h"
#include "labelorder.h"
#include "schema.h"
#include "serverconnection.h"

#include <sqlite3.h>

#include <QAtomicInt>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlDriver>
#include <QSqlQuery>

namespace chorus::model {

namespace {
QAtomicInt g_connectionCounter;
const char* const kAppTag = "chorus";

Error busyError(const QString& path)
{
    return Error(QStringLiteral("%1: project is busy (another process is writing it); try again").arg(path));
}
} // namespace

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

ProjectStore::ProjectStore() : m_dialect(&Dialect::sqlite())
{
    m_connectionName = QStringLiteral("chorus-%1").arg(g_connectionCounter.fetchAndAddRelaxed(1));
}

ProjectStore::~ProjectStore()
{
    close();
}

void ProjectStore::open(const QString& location, Mode mode)
{
    close();
    const ProjectLocation loc = ProjectLocation::parse(location);
    if (loc.isServer())
        openServer(loc, mode);
    else
        openFile(loc.path, mode);
}

void ProjectStore::openFile(const QString& path, Mode mode)
{
    const QFileInfo fi(path);
    if (mode == Mode::OpenExisting && !fi.exists())
        throw Error(QStringLiteral("%1: no such project file").arg(path));
    if (mode == Mode::CreateNew && fi.exists())
        throw Error(QStringLiteral("%1: file already exists").arg(path));
    if (fi.exists() && fi.isDir())
        throw Error(QStringLiteral("%1: is a directory").arg(path));
    const bool isNew = !fi.exists() || fi.size() == 0;

    m_dialect = &Dialect::sqlite();
    m_location = ProjectLocation::parse(path);
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

namespace {

// A failed statement on `db` whose connection is gone: the caller is told so (ConnectionLostError),
// not that the project is missing or not a Chorus project.
void throwIfConnectionLost(QSqlDatabase& db, const QString& where, const QString& text)
{
    if (isConnectionLost(text) || isConnectionBroken(db))
        throw ConnectionLostError(QStringLiteral("%1: the connection to the server was lost: %2")
                                      .arg(where, text.trimmed().isEmpty() ? QStringLiteral("connection closed")
                                                                    : text.section(QLatin1Char('\n'), 0, 0).trimmed()));
}

QStringList projectsOn(QSqlDatabase& db, const QString& where)
{
    // A Chorus project is a schema holding a meta table that says so.
    QSqlQuery q(db);
    QStringList out;
    if (!q.exec(QStringLiteral("SELECT n.nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid "
                               "WHERE c.relname = 'meta' AND c.relkind = 'r' ORDER BY n.nspname"))) {
        throwIfConnectionLost(db, where, q.lastError().text());
        throw Error(QStringLiteral("%1: cannot list the projects: %2").arg(where, q.lastError().text()));
    }
    QStringList candidates;
    while (q.next())
        candidates << q.value(0).toString();
    for (const QString& schema : candidates) {
        QSqlQuery probe(db);
        if (!probe.exec(QStringLiteral("SELECT value FROM %1.meta WHERE key = 'application'").arg(quotedIdentifier(schema)))) {
            // Another project this login may not read is skipped; a lost connection is not.
            throwIfConnectionLost(db, where, probe.lastError().text());
            continue;
        }
        if (probe.next() && probe.value(0).toString() == QLatin1String(kAppTag))
            out << schema;
    }
    return out;
}

QString projectList(const QStringList& names)
{
    if (names.isEmpty())
        return QStringLiteral("there are none yet");
    const qsizetype shown = std::min<qsizetype>(names.size(), 10);
    QString list = names.mid(0, shown).join(QStringLiteral(", "));
    if (names.size() > shown)
        list += QStringLiteral(" and %1 more (chorus-cli projects URI lists them all)").arg(names.size() - shown);
    return QStringLiteral("projects there: ") + list;
}

} // namespace

void ProjectStore::openServer(const ProjectLocation& loc, Mode mode)
{
    bool connected = false;
    try {
        openServerOnce(loc, mode, connected);
    } catch (const ConnectionLostError&) {
        // The server answered and then the connection dropped half-way through opening (the
        // server restarting, a terminated session): one more try. An unreachable server or a
        // create (which may have happened) is not tried again.
        if (!connected || mode != Mode::OpenExisting)
            throw;
        openServerOnce(loc, mode, connected);
    }
}

void ProjectStore::openServerOnce(const ProjectLocation& loc, Mode mode, bool& connected)
{
    m_dialect = &Dialect::postgres();
    m_location = loc;
    m_path = loc.display();
    m_db = openServerConnection(loc, m_connectionName);
    connected = true;
    try {
        if (loc.project.isEmpty())
            throw Error(QStringLiteral("%1: the URI names no project (add ?project=NAME); in database \"%2\" %3")
                            .arg(m_path, loc.database, projectList(projectsOn(m_db, m_path))));
        const bool exists = scalar(QStringLiteral("SELECT 1 FROM pg_namespace WHERE nspname = ?"), {loc.project}).isValid();
        if (mode == Mode::OpenExisting && !exists)
            throw Error(QStringLiteral("%1: no such project \"%2\" in database \"%3\"; %4")
                            .arg(m_path, loc.project, loc.database, projectList(projectsOn(m_db, m_path))));
        if (mode == Mode::CreateNew && exists)
            throw Error(QStringLiteral("%1: project \"%2\" already exists").arg(m_path, loc.project));
        if (exists && !projectsOn(m_db, m_path).contains(loc.project))
            throw Error(QStringLiteral("%1: schema \"%2\" exists but is not a Chorus project").arg(m_path, loc.project));
        setupConnection();
        m_sessionUser = scalar(QStringLiteral("SELECT current_user")).toString();
        migrate(exists ? QString() : QStringLiteral("CREATE SCHEMA %1").arg(quotedIdentifier(loc.project)));
        addLiveNotifications();
    } catch (...) {
        close();
        throw;
    }
}

QStringList ProjectStore::serverProjects(const QString& uri)
{
    const ProjectLocation loc = ProjectLocation::parse(uri);
    if (!loc.isServer())
        throw Error(QStringLiteral("%1: not a server URI").arg(uri));
    const QString name = QStringLiteral("chorus-list-%1").arg(g_connectionCounter.fetchAndAddRelaxed(1));
    QStringList out;
    {
        QSqlDatabase db = openServerConnection(loc, name);
        try {
            out = projectsOn(db, loc.display());
        } catch (const Error&) {
            db.close();
            db = QSqlDatabase();
            QSqlDatabase::removeDatabase(name);
            throw;
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return out;
}

void ProjectStore::dropServerProject(const QString& uri)
{
    ProjectStore store;
    store.open(uri);  // throws when there is no such project
    const QString schema = store.location().project;
    store.exec(QStringLiteral("DROP SCHEMA %1 CASCADE").arg(quotedIdentifier(schema)));
}

bool ProjectStore::projectExists(const QString& location)
{
    const ProjectLocation loc = ProjectLocation::parse(location);
    if (!loc.isServer())
        return QFileInfo::exists(loc.path);
    try {
        return serverProjects(location).contains(loc.project);
    } catch (const Error&) {
        return false;
    }
}

void ProjectStore::removeProject(const QString& location) noexcept
{
    try {
        const ProjectLocation loc = ProjectLocation::parse(location);
        if (loc.isServer()) {
            dropServerProject(location);
            return;
        }
        for (const char* suffix : {"", "-wal", "-shm", "-journal"})
            QFile::remove(loc.path + QLatin1String(suffix));
    } catch (...) {
    }
}

sqlite3* ProjectStore::sqliteHandle()
{
    if (!m_db.isOpen() || !m_db.driver())
        return nullptr;
    // QSQLITE hands its connection out as a QVariant holding a sqlite3*.
    const QVariant h = m_db.driver()->handle();
    if (isServer() || !h.isValid() || qstrcmp(h.typeName(), "sqlite3*") != 0)
        return nullptr;
    return *static_cast<sqlite3* const*>(h.constData());
}

void ProjectStore::openInMemory()
{
    close();
    m_dialect = &Dialect::sqlite();
    m_location = ProjectLocation();
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
    m_location = ProjectLocation();
    m_sessionUser.clear();
    m_inTransaction = false;
}

bool ProjectStore::isOpen() const
{
    return m_db.isValid() && m_db.isOpen();
}

void ProjectStore::addLiveNotifications()
{
    // A project made before live updates gets them from its manager's (or creator's) first
    // open; other connections may not add triggers and leave it as it is.
    const QString missing = m_dialect->liveNotificationsMissing();
    if (missing.isEmpty() || !scalar(missing, {m_location.project}).isValid())
        return;
    transaction([&] {
        for (const QString& sql : m_dialect->liveNotifications())
            exec(sql);
    });
}

void ProjectStore::setupConnection()
{
    for (const QString& s : m_dialect->connectionSetup(m_location.project))
        exec(s);
}

void ProjectStore::migrate(const QString& createSchema)
{
    const QString versionQuery = QStringLiteral("SELECT value FROM meta WHERE key = 'schema_version'");
    int version = 0;
    if (createSchema.isEmpty() && isServer()) {
        // The project exists (its meta table was read): a failure here is an error (a lost
        // connection above all), never a reason to build the schema again.
        version = scalar(versionQuery).toInt();
    } else if (createSchema.isEmpty()) {
        QSqlQuery q(m_db);
        if (q.exec(versionQuery) && q.next())  // a new file has no meta table yet
            version = q.value(0).toInt();
    }
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
        if (!createSchema.isEmpty())
            exec(createSchema);  // in the same transaction: a failed creation leaves nothing
        for (int v = version; v < kSchemaVersion; ++v) {
            for (const QString& sql : steps[v])
                exec(m_dialect->ddl(sql));
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
    for (int attempt = 0;; ++attempt) {
        QSqlQuery q(m_db);
        if (q.exec(m_dialect->beginTransaction()))
            break;
        const QString text = q.lastError().text();
        if (attempt == 0 && reconnectAfter(text))
            continue;
        if (isServer() && (isConnectionLost(text) || isConnectionBroken(m_db)))
            throw ConnectionLostError(QStringLiteral("%1: the connection to the server was lost: %2")
                                          .arg(m_path, text.section(QLatin1Char('\n'), 0, 0).trimmed()));
        if (m_dialect->isBusyError(text))
            throw busyError(m_path);
        throw Error(QStringLiteral("%1: cannot start a transaction: %2").arg(m_path, text));
    }
    m_inTransaction = true;
}

void ProjectStore::commit()
{
    m_inTransaction = false;
    if (!m_db.commit()) {
        const QString text = m_db.lastError().text();
        if (isServer() && (isConnectionLost(text) || isConnectionBroken(m_db)))
            throwLostInTransaction(text.isEmpty() ? QStringLiteral("connection closed") : text);
        if (m_dialect->isBusyError(text))
            throw busyError(m_path);
        throw Error(QStringLiteral("%1: cannot commit: %2").arg(m_path, text));
    }
}

void ProjectStore::rollback() noexcept
{
    m_inTransaction = false;
    m_db.rollback();
}

bool ProjectStore::reconnectAfter(const QString& errorText)
{
    if (!isServer() || m_inTransaction || !(isConnectionLost(errorText) || isConnectionBroken(m_db)))
        return false;
    const ProjectLocation loc = m_location;
    // Reopen the same connection name: every QSqlQuery made later uses the new session.
    m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connectionName);
    try {
        m_db = openServerConnection(loc, m_connectionName);
        setupConnection();
    } catch (const Error& e) {
        throw ConnectionLostError(QStringLiteral("%1: the connection to the server was lost and cannot be made again: %2")
                        .arg(m_path, e.message()));
    }
    ++m_reconnects;
    if (onReconnected)
        onReconnected(QStringLiteral("The connection to the server was lost (%1) and has been made again.")
                          .arg(errorText.trimmed().isEmpty() ? QStringLiteral("connection closed")
                                                             : errorText.section(QLatin1Char('\n'), 0, 0).trimmed()));
    return true;
}

void ProjectStore::throwLostInTransaction(const QString& errorText)
{
    m_inTransaction = false;
    // The next statement reconnects; this change is reported as not known to be saved.
    throw ConnectionLostError(QStringLiteral("%1: the connection to the server was lost (%2); the last change may not have "
                               "been saved; check it and try again")
                    .arg(m_path, errorText.section(QLatin1Char('\n'), 0, 0).trimmed()));
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

void ProjectStore::forEachInChunks(const QString& sql, const QVariantList& leading, const QList<qint64>& ids,
                                   const std::function<void(QSqlQuery&)>& row)
{
    constexpr qsizetype kChunk = 500;
    for (qsizetype from = 0; from < ids.size(); from += kChunk) {
        QVariantList params = leading;
        QStringList marks;
        for (qint64 id : ids.mid(from, kChunk)) {
            params << id;
            marks << QStringLiteral("?");
        }
        QSqlQuery q = exec(sql.arg(marks.join(QLatin1Char(','))), params);
        while (q.next())
            row(q);
    }
}

bool execBound(QSqlQuery& q, const QString& sql, const QVariantList& params)
{
    if (params.isEmpty())
        return q.exec(sql);
    if (!q.prepare(sql))
        return false;
    for (const QVariant& p : params)
        q.addBindValue(p);
    return q.exec();
}

QSqlQuery ProjectStore::exec(const QString& sql, const QVariantList& params)
{
    for (int attempt = 0;; ++attempt) {
        QSqlQuery q(m_db);
        if (execBound(q, sql, params))
            return q;
        const QString text = q.lastError().text();
        if (attempt == 0 && reconnectAfter(text))
            continue;
        if (isServer() && m_inTransaction && (isConnectionLost(text) || isConnectionBroken(m_db)))
            throwLostInTransaction(text.isEmpty() ? QStringLiteral("connection closed") : text);
        if (isServer() && (isConnectionLost(text) || isConnectionBroken(m_db)))
            throw ConnectionLostError(QStringLiteral("%1: the connection to the server was lost: %2")
                                          .arg(m_path, text.section(QLatin1Char('\n'), 0, 0).trimmed()));
        if (isServer() && (text.contains(QLatin1String("permission denied")) || text.contains(QLatin1String("row-level security"))
                           || text.contains(QLatin1String("must be owner"))))
            throw PermissionDeniedError(QStringLiteral("%1: the server refused (your role in this project may not do "
                                                       "this): %2")
                                            .arg(m_path, text.section(QLatin1Char('\n'), 0, 0).trimmed()));
        if (m_dialect->isBusyError(text))
            throw busyError(m_path);
        throw Error(QStringLiteral("%1: SQL error: %2").arg(m_path, text));
    }
}

QVariant ProjectStore::scalar(const QString& sql, const QVariantList& params)
{
    QSqlQuery q = exec(sql, params);
    return q.next() ? q.value(0) : QVariant();
}

qint64 ProjectStore::insertReturningId(const QString& insertSql, const QVariantList& params)
{
    QSqlQuery q = exec(insertSql + QStringLiteral(" RETURNING id"), params);
    if (!q.next())
        throw Error(QStringLiteral("%1: SQL error: the insert returned no id").arg(m_path));
    return q.value(0).toLongLong();
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
