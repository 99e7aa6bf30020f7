// ProjectStore: opening a project (file, server, memory), migrating its schema and closing it.
// Statements and transactions are in projectstore_sql.cpp; meta, labels, decisions and the
// names of stored enum values in projectstore_records.cpp.

#include "projectstore.h"

#include "dialect.h"
#include "labelorder.h"
#include "schema.h"
#include "serverconnection.h"

#include <sqlite3.h>

#include <QAtomicInt>
#include <QFile>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlDriver>
#include <QSqlQuery>

namespace chorus::model {

namespace {
QAtomicInt g_connectionCounter;
const char* const kAppTag = "chorus";
} // namespace

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

} // namespace chorus::model
