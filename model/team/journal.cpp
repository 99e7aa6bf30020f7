#include "journal.h"

#include <QAtomicInt>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>

#include <cerrno>

#ifdef Q_OS_UNIX
#include <signal.h>
#endif

namespace chorus::model {

namespace {

QAtomicInt g_journalCounter;

constexpr int kJournalVersion = 1;

const char* const kSchema[] = {
    "CREATE TABLE IF NOT EXISTS queued ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " uuid TEXT NOT NULL UNIQUE,"
    " project_key TEXT NOT NULL,"
    " item_id INTEGER NOT NULL DEFAULT 0,"
    " item_ext TEXT NOT NULL DEFAULT '',"
    " action TEXT NOT NULL,"
    " label_id INTEGER NOT NULL DEFAULT 0,"
    " label_name TEXT NOT NULL DEFAULT '',"
    " status TEXT NOT NULL,"
    " note TEXT NOT NULL DEFAULT '',"
    " created_at TEXT NOT NULL,"
    " queued_at TEXT NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT NOT NULL DEFAULT '',"
    " held_by INTEGER NOT NULL DEFAULT 0,"
    " held_at TEXT NOT NULL DEFAULT '')",
    "CREATE INDEX IF NOT EXISTS queued_project ON queued (project_key, seq)",
    "CREATE TABLE IF NOT EXISTS sent ("
    " uuid TEXT PRIMARY KEY,"
    " project_key TEXT NOT NULL,"
    " decision_id INTEGER NOT NULL,"
    " duplicate INTEGER NOT NULL,"
    " late INTEGER NOT NULL,"
    " sent_at TEXT NOT NULL)",
};

const char* const kColumns = "uuid, project_key, item_id, item_ext, action, label_id, label_name, status, note, "
                             "created_at, queued_at, attempts, last_error, held_by";

JournalEntry entryFrom(const QSqlQuery& q)
{
    JournalEntry e;
    e.uuid = q.value(0).toString();
    e.projectKey = q.value(1).toString();
    e.decision.itemId = q.value(2).toLongLong();
    e.itemExtId = q.value(3).toString();
    e.decision.action = q.value(4).toString();
    e.decision.labelId = q.value(5).toLongLong();
    e.labelName = q.value(6).toString();
    e.decision.status = statusFromName(q.value(7).toString());
    e.decision.note = q.value(8).toString();
    e.decision.createdAt = q.value(9).toString();
    e.decision.uuid = e.uuid;
    e.queuedAt = q.value(10).toString();
    e.attempts = q.value(11).toInt();
    e.lastError = q.value(12).toString();
    e.heldBy = q.value(13).toLongLong();
    return e;
}

// A null QString binds as SQL NULL: the journal's text columns want '' instead.
QString text(const QString& s)
{
    return s.isNull() ? QStringLiteral("") : s;
}

qint64 myPid()
{
    return QCoreApplication::applicationPid();
}

bool processAlive(qint64 pid)
{
#ifdef Q_OS_UNIX
    return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
#else
    Q_UNUSED(pid);
    return true;  // the hold's age decides
#endif
}

} // namespace

QString journalProjectKey(const ProjectLocation& loc)
{
    return loc.display();
}

QString Journal::defaultPath()
{
    const QString env = qEnvironmentVariable("CHORUS_JOURNAL");
    if (!env.isEmpty())
        return env;
    // Next to the GUI's settings (~/.config/Chorus/Chorus.conf on Linux), and the same file for
    // chorus-cli, whose own AppConfigLocation would differ: what one queued, the other sends.
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) + QStringLiteral("/Chorus/journal.sqlite");
}

Journal::Journal(const QString& path) : m_path(path)
{
    m_connectionName = QStringLiteral("chorus-journal-%1").arg(g_journalCounter.fetchAndAddRelaxed(1));
    const QFileInfo fi(path);
    if (fi.isDir())
        fail(QStringLiteral("cannot open the decision journal"), QStringLiteral("it is a folder"));
    if (!QDir().mkpath(fi.absolutePath()))
        fail(QStringLiteral("cannot create the decision journal"),
             QStringLiteral("cannot make the folder %1").arg(fi.absolutePath()));
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    m_db.setDatabaseName(path);
    // Another process taking work holds the write lock for milliseconds: wait, do not fail.
    m_db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=30000"));
    if (!m_db.open())
        fail(QStringLiteral("cannot open the decision journal"), m_db.lastError().text());
    try {
        // SQLite's rollback journal, not WAL: in WAL mode a process opening the file while the
        // last other one closes it (and removes the WAL) gets "database is locked" without the
        // busy handler being asked (sqlite.org/wal.html, "Sometimes queries return SQLITE_BUSY"),
        // which the fault test met with 4 reviewer processes on one journal. In rollback mode
        // every lock waits on the busy timeout, and the journal's transactions are tiny.
        // FULL: a commit is on disk when it returns (what enqueue promises), across a power cut.
        run(QStringLiteral("PRAGMA journal_mode=DELETE"));
        run(QStringLiteral("PRAGMA synchronous=FULL"));
        const int version = run(QStringLiteral("PRAGMA user_version")).value(0).toInt();
        if (version > kJournalVersion)
            fail(QStringLiteral("cannot use the decision journal"),
                 QStringLiteral("it was written by a newer version of Chorus (journal version %1)").arg(version));
        if (version == 0) {
            const bool other = run(QStringLiteral("SELECT 1 FROM sqlite_master WHERE name NOT IN ('queued', 'sent', "
                                                  "'queued_project', 'sqlite_sequence') LIMIT 1"))
                                   .isValid();
            if (other)
                fail(QStringLiteral("cannot use the decision journal"),
                     QStringLiteral("the file is another SQLite database, not a Chorus journal"));
            write([&] {
                for (const char* sql : kSchema)
                    run(QLatin1String(sql));
                run(QStringLiteral("PRAGMA user_version = %1").arg(kJournalVersion));
            });
        }
        const QString cutoff = QDateTime::currentDateTimeUtc().addDays(-kKeepSentDays).toString(Qt::ISODateWithMs);
        write([&] { run(QStringLiteral("DELETE FROM sent WHERE sent_at < ?"), {cutoff}); });
    } catch (...) {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_connectionName);
        throw;
    }
}

Journal::~Journal()
{
    m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connectionName);
}

void Journal::fail(const QString& what, const QString& why) const
{
    throw Error(QStringLiteral("%1: %2: %3 (queued decisions, if any, are in this file; set CHORUS_JOURNAL to use "
                               "another one)")
                    .arg(m_path, what, why.trimmed()));
}

QSqlQuery Journal::run(const QString& sql, const QVariantList& params)
{
    QSqlQuery q(m_db);
    if (!execBound(q, sql, params))
        fail(QStringLiteral("cannot use the decision journal"),
             QStringLiteral("%1 (%2)").arg(q.lastError().text(), sql.section(QLatin1Char(' '), 0, 1)));
    q.next();  // positioned on the first row (if any) for the callers that read one value
    return q;
}

void Journal::write(const std::function<void()>& fn)
{
    // Always IMMEDIATE: the write lock is taken (waiting on the busy timeout) before anything is
    // read, so a transaction never has to upgrade a read snapshot that another process's commit
    // made stale (SQLITE_BUSY_SNAPSHOT, which the busy handler does not retry).
    run(QStringLiteral("BEGIN IMMEDIATE"));
    try {
        fn();
        run(QStringLiteral("COMMIT"));
    } catch (...) {
        QSqlQuery(m_db).exec(QStringLiteral("ROLLBACK"));
        throw;
    }
}

void Journal::enqueue(const JournalEntry& e, bool hold)
{
    enqueue(QList<JournalEntry>{e}, hold);
}

void Journal::enqueue(const QList<JournalEntry>& entries, bool hold)
{
    for (const JournalEntry& e : entries)
        if (e.uuid.isEmpty())
            throw Error(QStringLiteral("%1: a queued decision needs a UUID").arg(m_path));
    const QString now = nowIso();
    write([&] {
        for (const JournalEntry& e : entries) {
            run(QStringLiteral("INSERT INTO queued (uuid, project_key, item_id, item_ext, action, label_id, label_name, status, "
                               "note, created_at, queued_at, held_by, held_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                               "ON CONFLICT (uuid) DO NOTHING"),
                {e.uuid, text(e.projectKey), e.decision.itemId, text(e.itemExtId), text(e.decision.action), e.decision.labelId,
                 text(e.labelName), statusName(e.decision.status), text(e.decision.note),
                 e.decision.createdAt.isEmpty() ? now : e.decision.createdAt, now, hold ? myPid() : 0,
                 hold ? now : QStringLiteral("")});
        }
    });
}

QList<JournalEntry> Journal::pending(const QString& projectKey)
{
    QList<JournalEntry> out;
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT %1 FROM queued WHERE project_key = ? ORDER BY seq").arg(QLatin1String(kColumns)));
    q.addBindValue(projectKey);
    if (!q.exec())
        fail(QStringLiteral("cannot read the decision journal"), q.lastError().text());
    while (q.next())
        out.append(entryFrom(q));
    return out;
}

qint64 Journal::pendingCount(const QString& projectKey)
{
    return projectKey.isEmpty() ? run(QStringLiteral("SELECT COUNT(*) FROM queued")).value(0).toLongLong()
                                : run(QStringLiteral("SELECT COUNT(*) FROM queued WHERE project_key = ?"), {projectKey})
                                      .value(0)
                                      .toLongLong();
}

JournalStatus Journal::status(const QString& uuid)
{
    JournalStatus s;
    QSqlQuery q = run(QStringLiteral("SELECT attempts, last_error FROM queued WHERE uuid = ?"), {uuid});
    if (q.isValid()) {
        s.state = JournalStatus::State::Queued;
        s.attempts = q.value(0).toInt();
        s.lastError = q.value(1).toString();
        return s;
    }
    QSqlQuery r = run(QStringLiteral("SELECT decision_id, duplicate, late FROM sent WHERE uuid = ?"), {uuid});
    if (r.isValid()) {
        s.state = JournalStatus::State::Sent;
        s.outcome.id = r.value(0).toLongLong();
        s.outcome.duplicate = r.value(1).toBool();
        s.outcome.late = r.value(2).toBool();
    }
    return s;
}

QList<JournalEntry> Journal::take(const QString& projectKey)
{
    QList<JournalEntry> out;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QString staleBefore = now.addSecs(-kHoldSeconds).toString(Qt::ISODateWithMs);
    const QString nowText = now.toString(Qt::ISODateWithMs);
    write([&] {
            QSqlQuery q(m_db);
            q.prepare(QStringLiteral("SELECT %1, held_at FROM queued WHERE project_key = ? ORDER BY seq")
                          .arg(QLatin1String(kColumns)));
            q.addBindValue(projectKey);
            if (!q.exec())
                fail(QStringLiteral("cannot read the decision journal"), q.lastError().text());
            while (q.next()) {
                JournalEntry e = entryFrom(q);
                const QString heldAt = q.value(14).toString();
                if (e.heldBy == 0 || e.heldBy == myPid() || heldAt < staleBefore || !processAlive(e.heldBy))
                    out.append(e);
            }
            q.finish();
            for (JournalEntry& e : out) {
                run(QStringLiteral("UPDATE queued SET held_by = ?, held_at = ? WHERE uuid = ?"), {myPid(), nowText, e.uuid});
                e.heldBy = myPid();
            }
        });
    return out;
}

void Journal::markSent(const QString& uuid, const DecisionOutcome& outcome)
{
    write([&] {
        const QString key = run(QStringLiteral("SELECT project_key FROM queued WHERE uuid = ?"), {uuid}).value(0).toString();
        run(QStringLiteral("DELETE FROM queued WHERE uuid = ?"), {uuid});
        run(QStringLiteral("INSERT OR REPLACE INTO sent (uuid, project_key, decision_id, duplicate, late, sent_at) "
                           "VALUES (?, ?, ?, ?, ?, ?)"),
            {uuid, key, outcome.id, int(outcome.duplicate), int(outcome.late), nowIso()});
    });
}

void Journal::release(const QString& uuid, const QString& error)
{
    write([&] {
        run(QStringLiteral("UPDATE queued SET held_by = 0, held_at = '', attempts = attempts + 1, last_error = ? "
                           "WHERE uuid = ?"),
            {text(error), uuid});
    });
}

void Journal::discard(const QString& uuid)
{
    write([&] { run(QStringLiteral("DELETE FROM queued WHERE uuid = ?"), {uuid}); });
}

} // namespace chorus::model
