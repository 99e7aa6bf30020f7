// The local decision journal (issue #20, docs/team.md "When the connection drops"). Unit level:
// a resend of a journalled decision is stored once, a late one is reported (also when only its
// resend is answered), a journal whose process was killed (SIGKILL) between enqueue and send is
// delivered once by `chorus-cli sync`, two syncs on one queue send each decision once, an
// unusable journal file is named in the error, and a decide against an unreachable server
// queues (exit 3). The fault test: 8 reviewer processes (this executable again with
// "child-reviewer", driving chorus-cli claim/decide) review 2,000 items with overlap 2 while the
// PostgreSQL test server is stopped with `pg_ctl stop -m immediate` and started again; every
// decision each process was told about must be on the server exactly once (counted by UUID),
// nothing lost, no item with more than 2 reviewers except decisions reported late. The server
// is stopped, so this test runs alone (RUN_SERIAL). Expected values are worked out by hand
// from the data each test writes.

#include "childmodes.h"
#include "clirun.h"
#include "pgserverscript.h"
#include "projectdump.h"
#include "scratchdir.h"
#include "stringrows.h"
#include "teamprojects.h"
#include "testprojects.h"

#include "dialect.h"
#include "importer.h"
#include "journal.h"
#include "outbox.h"
#include "teamreview.h"
#include "teamroles.h"
#include "workbench.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QRandomGenerator>
#include <QSet>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThread>
#include <QUuid>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>
#include <set>

using namespace chorus::model;
using nlohmann::json;

namespace {

QString cliPath()
{
    return qEnvironmentVariable("CHORUS_BIN_DIR") + QStringLiteral("/chorus-cli");
}


JournalEntry entry(const QString& uri, const QString& uuid, const QString& item, const QString& label)
{
    JournalEntry e;
    e.uuid = uuid;
    e.projectKey = journalProjectKey(ProjectLocation::parse(uri));
    e.itemExtId = item;
    e.labelName = label;
    e.decision.action = QStringLiteral("label");
    e.decision.status = ReviewStatus::Reviewed;
    return e;
}

// A reviewer's login on a server project: its own connection, and a journal of its own.
struct JournalledReviewer
{
    JournalledReviewer(const QString& admin, const QString& login, const QString& journalFile)
        : uri(chorus::test::asLogin(admin, login)), journal(journalFile)
    {
        store.open(uri);
    }
    // Queues decision `uuid` (`label` on `item`), as decide does before it sends.
    void enqueue(const QString& uuid, const QString& item, const QString& label)
    {
        journal.enqueue(entry(uri, uuid, item, label));
    }
    FlushReport flush() { return flushJournal(store, journal); }

    QString uri;
    Journal journal;
    ProjectStore store;
};

int rowsWithUuid(ProjectStore& s, const QString& uuid)
{
    return s.scalar(QStringLiteral("SELECT COUNT(*) FROM decisions WHERE uuid = ?"), {uuid}).toInt();
}

chorus::test::CliRun cli(const QStringList& args, const QString& journal)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("CHORUS_JOURNAL"), journal);
    p.setProcessEnvironment(env);
    p.start(cliPath(), args);
    chorus::test::CliRun r;
    if (!p.waitForFinished(120000) || p.exitStatus() != QProcess::NormalExit) {
        p.kill();
        p.waitForFinished();
        r.err = "chorus-cli did not finish normally";
        return r;
    }
    r.code = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

// A failed command's stderr for the report: each line once, so that a repeated warning does
// not push the error itself out of the test log.
std::string distinctLines(const QByteArray& err)
{
    QStringList kept;
    for (const QString& line : QString::fromUtf8(err).split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        if (!kept.contains(line))
            kept << line;
    return kept.join(QLatin1Char('\n')).toStdString();
}

// Child mode: enqueues one decision (held by this process, as decide does before it sends),
// says so, and waits to be killed.
int enqueueChild(const QString& journalPath, const QString& uri, const QString& uuid)
{
    Journal j(journalPath);
    j.enqueue(entry(uri, uuid, QStringLiteral("r2"), QStringLiteral("no")), true);
    std::printf("queued\n");
    std::fflush(stdout);
    QThread::sleep(600);
    return 0;
}

// Child mode: one reviewer of the fault test. Claims 5 at a time with chorus-cli and decides
// each item with its own new UUID until the project has nothing left for it, riding out the
// server's absence (a failed claim is tried again; a decide is queued), then syncs until the
// journal is empty. Prints one JSON line per decide (what it was told) and per resent decision
// reported by claim, decide or sync.
int reviewerChild(const QString& uri)
{
    QRandomGenerator rng(quint32(qHash(uri)));
    const QString journal = qEnvironmentVariable("CHORUS_JOURNAL");
    auto emitResent = [](const json& a) {
        if (!a.is_array())
            return;
        for (const json& r : a)
            std::printf("%s\n", json{{"kind", "resent"}, {"record", r}}.dump().c_str());
    };
    // Gives up only when nothing has moved for kStuckMs: the race itself may take many minutes
    // on a loaded machine (it failed under a load average of 20 when this was a 300 s budget for
    // the whole race), but the server is away for 3 s only.
    constexpr qint64 kStuckMs = 120000;
    QElapsedTimer stuck;
    stuck.start();
    for (;;) {
        if (stuck.elapsed() > kStuckMs) {
            std::printf("%s\n", json{{"kind", "gave-up"}, {"why", "no claim answered for 120 s"}}.dump().c_str());
            return 1;
        }
        const auto c = cli({QStringLiteral("claim"), QStringLiteral("--project"), uri, QStringLiteral("--n"),
                            QStringLiteral("5"), QStringLiteral("--json")},
                           journal);
        if (c.code != 0) {
            QThread::msleep(100);  // the server is away; a real client would wait too
            continue;
        }
        stuck.restart();
        const json cj = json::parse(c.out.toStdString(), nullptr, false);
        emitResent(cj.value("resent", json()));
        const json claims = cj.value("claims", json::array());
        if (claims.empty())
            break;
        for (const json& claim : claims) {
            const QString item = QString::fromStdString(claim.value("item", std::string()));
            const QString uuid = QUuid::createUuid().toString(QUuid::WithoutBraces);
            const auto d = cli({QStringLiteral("decide"), QStringLiteral("--project"), uri, QStringLiteral("--item"), item,
                                QStringLiteral("--label"), rng.bounded(2) ? QStringLiteral("yes") : QStringLiteral("no"),
                                QStringLiteral("--uuid"), uuid, QStringLiteral("--json")},
                               journal);
            const json dj = json::parse(d.out.toStdString(), nullptr, false);
            const char* told = d.code == 0 ? "ack" : d.code == 3 ? "queued" : "error";
            std::printf("%s\n", json{{"kind", "decide"},
                                     {"uuid", uuid.toStdString()},
                                     {"item", item.toStdString()},
                                     {"told", told},
                                     {"late", dj.is_object() && dj.value("late", false)},
                                     {"stderr", d.code == 0 || d.code == 3 ? std::string() : distinctLines(d.err)}}
                                    .dump()
                                    .c_str());
            if (dj.is_object())
                emitResent(dj.value("resent", json()));
        }
    }
    stuck.restart();
    for (;;) {
        const auto s = cli({QStringLiteral("sync"), QStringLiteral("--project"), uri, QStringLiteral("--json")}, journal);
        const json sj = json::parse(s.out.toStdString(), nullptr, false);
        if (sj.is_object())
            emitResent(sj.value("decisions", json()));
        if (s.code == 0)
            break;
        if (stuck.elapsed() > kStuckMs || s.code != 3) {
            std::printf("%s\n", json{{"kind", "sync-failed"}, {"stderr", s.err.toStdString()}}.dump().c_str());
            return 1;
        }
        QThread::msleep(200);
    }
    std::fflush(stdout);
    return 0;
}

} // namespace

class TestJournal : public chorus::test::ScratchDirTest
{
    Q_OBJECT

private slots:
    void resendIsStoredOnce();
    void lateDecisionReported();
    void killedBetweenEnqueueAndSend();
    void twoSyncsNeverSendOneDecisionTwice();
    void unusableJournalNamed_data();
    void unusableJournalNamed();
    void decideQueuesWhenServerUnreachable();
    void connectionDroppedWhileOpening();
    void guiDecisionsQueueWhileServerAway();
    void serverStoppedMidRace();
};

// One decision sent twice through the journal (its first answer "lost": the same UUID queued
// again) is one row on the server; the second send reports it as already there. Two decisions
// of one reviewer on one item are sent oldest first: the latest label is the later one.
void TestJournal::resendIsStoredOnce()
{
    if (chorus::test::serverUri().isEmpty())
        QSKIP("no PostgreSQL test server (run through ctest: fixture pgserver)");
    const QString admin = chorus::test::serverTeamProject(*m_dir, QStringLiteral("once"), 3, 1, 30, {QStringLiteral("jana")});
    JournalledReviewer jana(admin, QStringLiteral("jana"), m_dir->filePath(QStringLiteral("j.sqlite")));
    const QString u1 = QStringLiteral("1b0e5a52-0000-4000-8000-000000000001");
    jana.enqueue(u1, QStringLiteral("r1"), QStringLiteral("yes"));
    QCOMPARE(jana.journal.pendingCount(journalProjectKey(jana.store.location())), 1);
    QCOMPARE(int(jana.journal.status(u1).state), int(JournalStatus::State::Queued));
    const FlushReport first = jana.flush();
    QCOMPARE(first.sent, 1);
    QCOMPARE(first.duplicate, 0);
    QCOMPARE(jana.journal.pendingCount(), 0);
    jana.enqueue(u1, QStringLiteral("r1"), QStringLiteral("yes"));
    const FlushReport again = jana.flush();
    QCOMPARE(again.sent, 1);
    QCOMPARE(again.duplicate, 1);
    QCOMPARE(again.results.value(0).outcome.id, first.results.value(0).outcome.id);
    QCOMPARE(rowsWithUuid(jana.store, u1), 1);
    QCOMPARE(jana.store.scalar(QStringLiteral("SELECT COUNT(*) FROM decisions")).toInt(), 1);
    QCOMPARE(int(jana.journal.status(u1).state), int(JournalStatus::State::Sent));
    QVERIFY(jana.journal.status(u1).outcome.duplicate);

    // r2: "no" queued before "yes"; both stored, in that order.
    jana.enqueue(QStringLiteral("1b0e5a52-0000-4000-8000-000000000002"), QStringLiteral("r2"), QStringLiteral("no"));
    jana.enqueue(QStringLiteral("1b0e5a52-0000-4000-8000-000000000003"), QStringLiteral("r2"), QStringLiteral("yes"));
    QCOMPARE(jana.journal.pending(journalProjectKey(jana.store.location())).value(0).labelName, QStringLiteral("no"));
    QCOMPARE(jana.flush().sent, 2);
    QCOMPARE(jana.store.scalar(QStringLiteral("SELECT l.name FROM decisions d JOIN labels l ON l.id = d.label_id JOIN items i ON "
                                     "i.id = d.item_id WHERE i.ext_id = 'r2' ORDER BY d.id DESC LIMIT 1"))
                 .toString(),
             QStringLiteral("yes"));
    QCOMPARE(jana.journal.pendingCount(), 0);
}

// Overlap 1, items r1..r3 (labels yes and no): ana decides r1 directly; bo's journalled decision on r1 arrives after and is kept
// (two rows) and reported late. Its resend (answer lost) is a duplicate and still reported
// late: the rule is read back from the server (no earlier decision of bo on r1, one other
// reviewer before it, overlap 1).
void TestJournal::lateDecisionReported()
{
    if (chorus::test::serverUri().isEmpty())
        QSKIP("no PostgreSQL test server (run through ctest: fixture pgserver)");
    const QString admin = chorus::test::serverTeamProject(*m_dir, QStringLiteral("late"), 3, 1, 30, {QStringLiteral("ana"), QStringLiteral("bo")});
    {
        ProjectStore ana;
        ana.open(chorus::test::asLogin(admin, QStringLiteral("ana")));
        Decision d;
        d.itemId = ana.scalar(QStringLiteral("SELECT id FROM items WHERE ext_id = 'r1'")).toLongLong();
        d.action = QStringLiteral("flag");
        d.status = ReviewStatus::Flagged;
        QVERIFY(!decideItem(ana, d).late);
    }
    JournalledReviewer bo(admin, QStringLiteral("bo"), m_dir->filePath(QStringLiteral("j.sqlite")));
    const QString u = QStringLiteral("2c1f6b63-0000-4000-8000-000000000001");
    bo.enqueue(u, QStringLiteral("r1"), QStringLiteral("no"));
    const FlushReport r = bo.flush();
    QVERIFY2(r.failed == 0, qPrintable(r.results.value(0).error));
    QCOMPARE(r.sent, 1);
    QCOMPARE(r.late, 1);
    QVERIFY(r.results.value(0).outcome.late);
    QCOMPARE(bo.store.scalar(QStringLiteral("SELECT COUNT(*) FROM decisions")).toInt(), 2);
    bo.enqueue(u, QStringLiteral("r1"), QStringLiteral("no"));
    const FlushReport again = bo.flush();
    QCOMPARE(again.duplicate, 1);
    QCOMPARE(again.late, 1);
    QCOMPARE(rowsWithUuid(bo.store, u), 1);
    // bo's second decision on r1 is a change of mind, not late.
    bo.enqueue(QStringLiteral("2c1f6b63-0000-4000-8000-000000000002"), QStringLiteral("r1"), QStringLiteral("yes"));
    QCOMPARE(bo.flush().late, 0);
}

// A process holding a freshly enqueued decision is killed (SIGKILL) before it sends: the row
// stays in the journal, held by a dead pid; `chorus-cli sync` takes it over and delivers it;
// a second sync finds nothing. The server has it once.
void TestJournal::killedBetweenEnqueueAndSend()
{
    if (chorus::test::serverUri().isEmpty())
        QSKIP("no PostgreSQL test server (run through ctest: fixture pgserver)");
    const QString admin = chorus::test::serverTeamProject(*m_dir, QStringLiteral("killed"), 3, 1, 30, {QStringLiteral("kim")});
    const QString uri = chorus::test::asLogin(admin, QStringLiteral("kim"));
    const QString path = m_dir->filePath(QStringLiteral("j.sqlite"));
    const QString uuid = QStringLiteral("3d2a7c74-0000-4000-8000-000000000001");
    QProcess child;
    child.start(QCoreApplication::applicationFilePath(), {QStringLiteral("child-enqueue"), path, uri, uuid});
    QByteArray out;
    for (int k = 0; k < 600 && !out.contains('\n'); ++k) {
        child.waitForReadyRead(100);
        out += child.readAllStandardOutput();
    }
    QCOMPARE(out.trimmed(), QByteArray("queued"));
    const qint64 pid = child.processId();
    child.kill();
    QVERIFY(child.waitForFinished(10000));
    {
        Journal j(path);
        const QList<JournalEntry> left = j.pending(journalProjectKey(ProjectLocation::parse(uri)));
        QCOMPARE(left.size(), 1);
        QCOMPARE(left[0].uuid, uuid);
        QCOMPARE(left[0].heldBy, pid);
    }
    const auto first = cli({QStringLiteral("sync"), QStringLiteral("--project"), uri, QStringLiteral("--json")}, path);
    CLI_OK(first);
    const json fj = json::parse(first.out.toStdString());
    QCOMPARE(fj.value("sent", 0), 1);
    QCOMPARE(fj["decisions"][0].value("uuid", std::string()), uuid.toStdString());
    QCOMPARE(fj["decisions"][0].value("item", std::string()), std::string("r2"));
    const auto second = cli({QStringLiteral("sync"), QStringLiteral("--project"), uri, QStringLiteral("--json")}, path);
    CLI_OK(second);
    QCOMPARE(json::parse(second.out.toStdString()).value("sent", -1), 0);
    ProjectStore s;
    s.open(admin);
    QCOMPARE(rowsWithUuid(s, uuid), 1);
    QCOMPARE(s.scalar(QStringLiteral("SELECT COUNT(*) FROM decisions")).toInt(), 1);
}

// 40 decisions of one reviewer wait in one journal; two `chorus-cli sync` processes start
// together. Each decision is sent by exactly one of them: the two reports together name every
// UUID once, none as "duplicate" (a second send would find its UUID stored), and the server
// has 40 rows.
void TestJournal::twoSyncsNeverSendOneDecisionTwice()
{
    if (chorus::test::serverUri().isEmpty())
        QSKIP("no PostgreSQL test server (run through ctest: fixture pgserver)");
    constexpr int kQueued = 40;
    const QString admin = chorus::test::serverTeamProject(*m_dir, QStringLiteral("twosyncs"), kQueued, 1, 30, {QStringLiteral("tess")});
    const QString uri = chorus::test::asLogin(admin, QStringLiteral("tess"));
    const QString path = m_dir->filePath(QStringLiteral("j.sqlite"));
    {
        Journal j(path);
        for (int i = 1; i <= kQueued; ++i)
            j.enqueue(entry(uri, QStringLiteral("5f4c9e96-0000-4000-8000-%1").arg(i, 12, 10, QLatin1Char('0')),
                            QStringLiteral("r%1").arg(i), QStringLiteral("yes")));
    }
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("CHORUS_JOURNAL"), path);
    QProcess a, b;
    for (QProcess* p : {&a, &b}) {
        p->setProcessEnvironment(env);
        p->start(cliPath(), {QStringLiteral("sync"), QStringLiteral("--project"), uri, QStringLiteral("--json")});
    }
    std::map<std::string, int> sentBy;
    for (QProcess* p : {&a, &b}) {
        QVERIFY(p->waitForFinished(120000));
        QVERIFY2(p->exitCode() == 0, p->readAllStandardError().constData());
        const json j = json::parse(p->readAllStandardOutput().toStdString());
        for (const json& d : j["decisions"]) {
            QCOMPARE(d.value("result", std::string()), std::string("sent"));
            QCOMPARE(d.value("duplicate", true), false);
            ++sentBy[d.value("uuid", std::string())];
        }
    }
    QCOMPARE(int(sentBy.size()), kQueued);
    for (const auto& [uuid, n] : sentBy)
        QVERIFY2(n == 1, uuid.c_str());
    ProjectStore s;
    s.open(admin);
    QCOMPARE(s.scalar(QStringLiteral("SELECT COUNT(*) FROM decisions")).toInt(), kQueued);
    QCOMPARE(Journal(path).pendingCount(), 0);
}

void TestJournal::unusableJournalNamed_data()
{
    chorus::test::addStringTable({"kind", "problem"}, {
        {"folderIsAFile", "folder-is-file", "cannot make the folder"},
        {"garbage", "garbage", "not a database"},
        {"otherSqliteFile", "other-sqlite", "not a Chorus journal"},
        {"isAFolder", "folder", "it is a folder"},
    });
}

// Whatever is wrong with the journal's path, the error names the file and the problem, both
// from the library and from `chorus-cli decide` (exit 1, before any server is asked: the URI
// points at no server).
void TestJournal::unusableJournalNamed()
{
    QFETCH(QString, kind);
    QFETCH(QString, problem);
    QString path = m_dir->filePath(QStringLiteral("journal.sqlite"));
    if (kind == QLatin1String("folder-is-file")) {
        QVERIFY(chorus::test::writeFile(m_dir->filePath(QStringLiteral("plain")), "x"));
        path = m_dir->filePath(QStringLiteral("plain/journal.sqlite"));
    } else if (kind == QLatin1String("garbage")) {
        QVERIFY(chorus::test::writeFile(path, QByteArray(4096, 'z')));
    } else if (kind == QLatin1String("other-sqlite")) {
        ProjectStore p;
        p.open(path, ProjectStore::Mode::CreateNew);
    } else {
        QVERIFY(QDir().mkpath(path));
    }
    try {
        Journal j(path);
        QFAIL("the journal opened");
    } catch (const Error& e) {
        QVERIFY2(e.message().startsWith(path + QLatin1Char(':')), qPrintable(e.message()));
        QVERIFY2(e.message().contains(problem), qPrintable(e.message()));
    }
    const auto r = cli({QStringLiteral("decide"), QStringLiteral("--project"),
                        QStringLiteral("postgresql://nobody@/nodb?host=%1&project=p").arg(m_dir->filePath(QStringLiteral("nosocket"))),
                        QStringLiteral("--item"), QStringLiteral("r1"), QStringLiteral("--flag")},
                       path);
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains(path.toUtf8()), r.err.constData());
}

// No server listens on the URI's socket folder: decide says the decision is queued (exit 3,
// "queued": true), the journal holds it with its item and label by name, and sync keeps it
// (exit 3) with one failed attempt more.
void TestJournal::decideQueuesWhenServerUnreachable()
{
    const QString path = m_dir->filePath(QStringLiteral("j.sqlite"));
    const QString uri = QStringLiteral("postgresql://nobody@/nodb?host=%1&project=p").arg(m_dir->filePath(QStringLiteral("nosocket")));
    const QString uuid = QStringLiteral("4e3b8d85-0000-4000-8000-000000000001");
    const auto r = cli({QStringLiteral("decide"), QStringLiteral("--project"), uri, QStringLiteral("--item"), QStringLiteral("r7"),
                        QStringLiteral("--label"), QStringLiteral("yes"), QStringLiteral("--note"), QStringLiteral("n"),
                        QStringLiteral("--uuid"), uuid, QStringLiteral("--json")},
                       path);
    QCOMPARE(r.code, 3);
    const json j = json::parse(r.out.toStdString());
    QCOMPARE(j.value("queued", false), true);
    QCOMPARE(j.value("uuid", std::string()), uuid.toStdString());
    QCOMPARE(j.value("pending", 0), 1);
    QVERIFY2(r.err.contains("queued"), r.err.constData());
    {
        Journal journal(path);
        const QList<JournalEntry> q = journal.pending(journalProjectKey(ProjectLocation::parse(uri)));
        QCOMPARE(q.size(), 1);
        QCOMPARE(q[0].itemExtId, QStringLiteral("r7"));
        QCOMPARE(q[0].labelName, QStringLiteral("yes"));
        QCOMPARE(q[0].decision.note, QStringLiteral("n"));
        QCOMPARE(q[0].heldBy, 0);
        QCOMPARE(q[0].attempts, 1);
        QVERIFY(q[0].lastError.contains(QStringLiteral("cannot reach the server")));
    }
    const auto s = cli({QStringLiteral("sync"), QStringLiteral("--project"), uri, QStringLiteral("--json")}, path);
    QCOMPARE(s.code, 3);
    QCOMPARE(json::parse(s.out.toStdString()).value("queued", 0), 1);
    // --no-journal: the old behaviour, an error.
    const auto direct = cli({QStringLiteral("decide"), QStringLiteral("--project"), uri, QStringLiteral("--item"),
                             QStringLiteral("r7"), QStringLiteral("--flag"), QStringLiteral("--no-journal")},
                            path);
    QCOMPARE(direct.code, 1);
    Journal journal(path);
    QCOMPARE(journal.pendingCount(), 1);
}

// The connection of a `decide` is cut (pg_terminate_backend) while it is still opening the
// project: it is held on a lock of the project's meta table, which opening reads. The server
// is up, so opening is tried again and the decision is sent (exit 0), stored once. (Before,
// the half-read project list made it "not a Chorus project", exit 1: the fault test's flake.)
void TestJournal::connectionDroppedWhileOpening()
{
    if (chorus::test::serverUri().isEmpty())
        QSKIP("no PostgreSQL test server (run through ctest: fixture pgserver)");
    const QString admin = chorus::test::serverTeamProject(*m_dir, QStringLiteral("dropped"), 3, 1, 30, {QStringLiteral("lea")});
    const QString uri = chorus::test::asLogin(admin, QStringLiteral("lea"));
    const QString uuid = QStringLiteral("5f4c9e96-0000-4000-8000-000000000001");
    ProjectStore locker, watcher;  // both opened before the lock: opening reads meta
    locker.open(admin);
    watcher.open(admin);
    const QString meta = quotedIdentifier(locker.location().project) + QStringLiteral(".meta");
    QProcess child;
    int terminated = 0;
    locker.transaction([&] {
        locker.exec(QStringLiteral("LOCK TABLE %1 IN ACCESS EXCLUSIVE MODE").arg(meta));
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("CHORUS_JOURNAL"), m_dir->filePath(QStringLiteral("j.sqlite")));
        child.setProcessEnvironment(env);
        child.start(cliPath(), {QStringLiteral("decide"), QStringLiteral("--project"), uri, QStringLiteral("--item"),
                                QStringLiteral("r2"), QStringLiteral("--label"), QStringLiteral("yes"), QStringLiteral("--uuid"),
                                uuid, QStringLiteral("--json")});
        for (int k = 0; k < 300 && terminated == 0; ++k) {
            QTest::qWait(50);
            terminated = watcher
                             .scalar(QStringLiteral("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_locks WHERE NOT granted "
                                                    "AND relation = to_regclass(?)"),
                                     {meta})
                             .toInt();
        }
    });  // the lock goes with the commit
    QCOMPARE(terminated, 1);
    QVERIFY(child.waitForFinished(60000));
    const QByteArray err = child.readAllStandardError();
    QVERIFY2(child.exitCode() == 0, err.constData());
    const json j = json::parse(child.readAllStandardOutput().toStdString());
    QCOMPARE(j.value("queued", true), false);
    QCOMPARE(rowsWithUuid(watcher, uuid), 1);
    QVERIFY2(!err.contains("database not open"), err.constData());
}

// The GUI's path (Workbench in team mode, its DecisionOutbox): a decision made while the
// server answers is on the server at once; with the server stopped (pg_ctl stop -m immediate)
// the reviewer goes on deciding, each decision is kept in the journal and shown "(queued)", and
// when the server is back the outbox's worker sends them, each once. One left queued when the
// window closes is sent by the next session's open. Counts worked out from the steps below.
void TestJournal::guiDecisionsQueueWhileServerAway()
{
    if (chorus::test::serverUri().isEmpty() || qEnvironmentVariable("CHORUS_TEST_PG_STATE").isEmpty())
        QSKIP("needs the throwaway PostgreSQL test server (run through ctest: fixture pgserver)");
    const QString admin = chorus::test::serverTeamProject(*m_dir, QStringLiteral("outbox"), 6, 1, 30, {QStringLiteral("oli")});
    const QString uri = chorus::test::asLogin(admin, QStringLiteral("oli"));
    const QString journalPath = m_dir->filePath(QStringLiteral("gui-journal.sqlite"));
    const chorus::test::ServerRunningAgain runningAgain;
    auto onServer = [&](const QString& ext) {
        ProjectStore s;
        s.open(admin);
        return s.scalar(QStringLiteral("SELECT COUNT(*) FROM decisions d JOIN items i ON i.id = d.item_id WHERE i.ext_id = ? "
                                       "AND d.author = 'oli'"),
                        {ext})
            .toInt();
    };
    auto statusText = [](Workbench& wb, int32_t item) {
        ItemTableModel* m = wb.tableModel();
        return m->data(m->index(m->rowOf(item), ItemTableModel::ColStatus)).toString();
    };
    QStringList errors;
    {
        Workbench wb;
        QObject::connect(&wb, &Workbench::errorOccurred, [&](const QString& e) { errors << e; });
        wb.openProject(uri);
        wb.setTeamDecisions(true);
        wb.outbox()->start(uri, journalPath);
        wb.outbox()->setRetryInterval(200);
        const Snapshot& s = wb.snapshot();
        const int32_t yes = static_cast<int32_t>(s.labels.indexOf(QStringLiteral("yes")));
        auto item = [&](const char* ext) { return static_cast<int32_t>(s.itemExtIds.indexOf(QString::fromLatin1(ext))); };
        QSignalSpy delivered(wb.outbox(), &DecisionOutbox::delivered);

        QVERIFY(wb.setHumanLabel({item("r1")}, yes));
        QCOMPARE(onServer(QStringLiteral("r1")), 1);
        QVERIFY(!wb.isQueued(item("r1")));
        QVERIFY(wb.outbox()->queued().isEmpty());

        QVERIFY(chorus::test::pgServerScript(QStringLiteral("stop-immediate")));
        QVERIFY2(wb.setHumanLabel({item("r2")}, yes), qPrintable(errors.join(QLatin1Char('\n'))));  // kept, not refused
        QVERIFY2(wb.setFlagged({item("r3")}, true), qPrintable(errors.join(QLatin1Char('\n'))));
        QVERIFY(wb.outbox()->isOffline());
        QCOMPARE(wb.outbox()->queued().size(), 2);
        QVERIFY(wb.isQueued(item("r2")) && wb.isQueued(item("r3")) && !wb.isQueued(item("r1")));
        QCOMPARE(statusText(wb, item("r2")), QStringLiteral("reviewed (queued)"));
        QCOMPARE(statusText(wb, item("r1")), QStringLiteral("reviewed"));
        QCOMPARE(wb.stateOf(item("r2")).label, yes);
        QCOMPARE(Journal(journalPath).pendingCount(), 2);  // on disk, in another connection's view

        QVERIFY(chorus::test::pgServerScript(QStringLiteral("resume")));
        QTRY_VERIFY_WITH_TIMEOUT(wb.outbox()->queued().isEmpty(), 30000);
        QVERIFY(!wb.outbox()->isOffline());
        QCOMPARE(delivered.size(), 1);
        QCOMPARE(delivered[0][0].value<QList<FlushResult>>().size(), 2);
        QCOMPARE(onServer(QStringLiteral("r2")), 1);
        QCOMPARE(onServer(QStringLiteral("r3")), 1);
        QVERIFY(!wb.isQueued(item("r2")));
        QCOMPARE(statusText(wb, item("r3")), QStringLiteral("flagged"));

        // Left queued at the end of the session.
        QVERIFY(chorus::test::pgServerScript(QStringLiteral("stop-immediate")));
        QVERIFY(wb.setHumanLabel({item("r4")}, yes));
        QCOMPARE(wb.outbox()->queued().size(), 1);
        wb.closeProject();
        QCOMPARE(Journal(journalPath).pendingCount(), 1);
        QVERIFY(chorus::test::pgServerScript(QStringLiteral("resume")));
    }
    QCOMPARE(onServer(QStringLiteral("r4")), 0);
    Workbench next;
    next.openProject(uri);
    next.outbox()->start(uri, journalPath);  // sends what the last session left
    QTRY_VERIFY_WITH_TIMEOUT(next.outbox()->queued().isEmpty(), 30000);
    QCOMPARE(onServer(QStringLiteral("r4")), 1);
    QCOMPARE(Journal(journalPath).pendingCount(), 0);
}

void TestJournal::serverStoppedMidRace()
{
    if (chorus::test::serverUri().isEmpty() || qEnvironmentVariable("CHORUS_TEST_PG_STATE").isEmpty())
        QSKIP("needs the throwaway PostgreSQL test server (run through ctest: fixture pgserver)");
    constexpr int kItems = 2000, kReviewers = 8, kOverlap = 2;
    QStringList logins;
    for (int r = 0; r < kReviewers; ++r)
        logins << QStringLiteral("faulty%1").arg(r);
    const QString admin = chorus::test::serverTeamProject(*m_dir, QStringLiteral("fault"), kItems, kOverlap, 30, logins);
    {
        // Crash recovery replays the WAL written since the last checkpoint: after a whole test
        // run on this server that is a lot. A checkpoint now leaves only the race's.
        ProjectStore s;
        s.open(admin);
        s.exec(QStringLiteral("CHECKPOINT"));
    }
    const QString journal = m_dir->filePath(QStringLiteral("shared-journal.sqlite"));  // one file, 4 processes
    std::vector<std::unique_ptr<QProcess>> children;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("CHORUS_JOURNAL"), journal);
    for (int r = 0; r < kReviewers; ++r) {
        auto p = std::make_unique<QProcess>();
        p->setProcessEnvironment(env);
        p->start(QCoreApplication::applicationFilePath(), {QStringLiteral("child-reviewer"), chorus::test::asLogin(admin, logins[r])});
        children.push_back(std::move(p));
    }
    // A quarter of the way in, the server crashes (no checkpoint, sessions cut mid-statement)
    // and stays away for 3 s while the reviewers go on, then comes back.
    qint64 before = 0;
    {
        ProjectStore watch;
        watch.open(admin);
        for (int k = 0; k < 3000 && before < kItems * kOverlap / 4; ++k) {
            QTest::qWait(100);
            before = watch.scalar(QStringLiteral("SELECT COUNT(*) FROM decisions")).toLongLong();
        }
    }
    QVERIFY2(before < kItems * kOverlap, "the race ended before the server could be stopped");
    // Whatever fails below, the shared test server is running again for the tests after this.
    const chorus::test::ServerRunningAgain runningAgain;
    QVERIFY(chorus::test::pgServerScript(QStringLiteral("stop-immediate")));
    QTest::qWait(3000);
    QVERIFY(chorus::test::pgServerScript(QStringLiteral("resume")));

    // What each process was told, by UUID.
    std::map<std::string, std::string> told;  // uuid -> ack | queued
    std::set<std::string> reportedLate;
    QStringList errors;
    for (auto& p : children) {
        QVERIFY(p->waitForFinished(600000));
        const QByteArray out = p->readAllStandardOutput();
        // Short enough to be printed whole: why the child stopped is its last output line.
        QVERIFY2(p->exitCode() == 0, ("exit code " + QByteArray::number(p->exitCode()) + "; stderr: "
                                      + p->readAllStandardError().right(600) + "; last output: " + out.right(600))
                                         .constData());
        for (const QByteArray& line : out.split('\n')) {
            if (line.trimmed().isEmpty())
                continue;
            const json j = json::parse(line.toStdString(), nullptr, false);
            QVERIFY2(j.is_object(), line.constData());
            const std::string kind = j.value("kind", std::string());
            if (kind == "decide") {
                const std::string t = j.value("told", std::string());
                if (t == "error")
                    errors << QString::fromStdString(j.value("stderr", std::string()));
                QVERIFY(told.emplace(j.value("uuid", std::string()), t).second);
                if (j.value("late", false))
                    reportedLate.insert(j.value("uuid", std::string()));
            } else if (kind == "resent") {
                const json& r = j["record"];
                if (r.value("late", false))
                    reportedLate.insert(r.value("uuid", std::string()));
            }
        }
    }
    QVERIFY2(errors.isEmpty(), qPrintable(errors.join(QLatin1Char('\n'))));
    int acked = 0, queued = 0;
    for (const auto& [uuid, t] : told)
        (t == "ack" ? acked : queued) += 1;
    qInfo("%d decisions acknowledged at once, %d queued and resent, %d reported late", acked, queued,
          int(reportedLate.size()));
    QVERIFY2(queued > 0, "no decision was queued: the outage missed the reviewers");

    ProjectStore s;
    s.open(admin);
    // Every UUID a process generated is on the server exactly once, and nothing else is.
    std::map<std::string, int> rows;
    QSqlQuery q = s.exec(QStringLiteral("SELECT uuid, COUNT(*) FROM decisions GROUP BY uuid"));
    while (q.next())
        rows[q.value(0).toString().toStdString()] = q.value(1).toInt();
    QCOMPARE(rows.size(), told.size());
    for (const auto& [uuid, t] : told)
        QVERIFY2(rows.count(uuid) == 1 && rows[uuid] == 1, (uuid + " (" + t + ") is not on the server once").c_str());
    // Every item has its 2 reviewers; more only through decisions reported late.
    std::map<qint64, std::set<QString>> onTime, all;
    QSqlQuery d = s.exec(QStringLiteral("SELECT item_id, author, uuid FROM decisions"));
    while (d.next()) {
        all[d.value(0).toLongLong()].insert(d.value(1).toString());
        if (!reportedLate.count(d.value(2).toString().toStdString()))
            onTime[d.value(0).toLongLong()].insert(d.value(1).toString());
    }
    QCOMPARE(int(all.size()), kItems);
    for (const auto& [item, authors] : onTime)
        QVERIFY2(int(authors.size()) <= kOverlap, qPrintable(QStringLiteral("item %1 has %2 on-time reviewers").arg(item).arg(authors.size())));
    for (const auto& [item, authors] : all)
        QVERIFY(int(authors.size()) >= kOverlap);
    QCOMPARE(s.scalar(QStringLiteral("SELECT COUNT(*) FROM claims")).toInt(), 0);
    Journal j(journal);
    QCOMPARE(j.pendingCount(), 0);
}

int main(int argc, char** argv)
{
    return chorus::test::runTestsOrChildMode<TestJournal>(
        argc, argv,
        {{"child-enqueue", 3, [](const QStringList& a) { return enqueueChild(a[0], a[1], a[2]); }},
         {"child-reviewer", 1, [](const QStringList& a) { return reviewerChild(a[0]); }}});
}

#include "tst_journal.moc"
