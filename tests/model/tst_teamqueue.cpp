// My queue and live updates, model side (issue #20, docs/team.md): TeamQueue claims a batch,
// refills when few claims are left, renews the lease (on demand and on its timer) and gives
// everything back when stopped; the Workbench writes team decisions through decideItem (one
// UUID each, undo appends a decision) and re-reads the items others decided; TeamLive hears a
// server project's notifications. Each row runs on a project file and on the PostgreSQL test
// server. What the queue holds is checked by counting rows of the claims table through a raw
// connection (tests/model/projectdump.h), not through the code under test; the expected
// claims are worked out by hand from the hand-out order (Order::Queue: import order).

#include "projectdump.h"
#include "teamprojects.h"
#include "testprojects.h"

#include "dialect.h"
#include "teamlive.h"
#include "teamqueue.h"
#include "workbench.h"

#include <QSignalSpy>
#include <QSqlError>
#include <QTemporaryDir>
#include <QtTest>

using namespace chorus;
using namespace chorus::model;
using namespace chorus::test;

namespace {

// A raw connection's answer to one query (first column of each row), as strings.
QStringList rawColumn(const QString& location, const QString& sql, const QVariantList& params = {})
{
    QStringList out;
    withRawConnection(location, [&](QSqlDatabase& db) {
        QSqlQuery q(db);
        q.prepare(sql);
        for (const QVariant& p : params)
            q.addBindValue(p);
        if (!q.exec())
            qWarning("%s: %s", qPrintable(sql), qPrintable(q.lastError().text()));
        while (q.next())
            out << q.value(0).toString();
    });
    return out;
}

int claimRows(const QString& location, const QString& reviewer)
{
    return rawColumn(location, QStringLiteral("SELECT COUNT(*) FROM claims WHERE reviewer = ?"), {reviewer}).value(0).toInt();
}

QStringList claimedIds(const QString& location, const QString& reviewer)
{
    QStringList ids = rawColumn(location, QStringLiteral("SELECT i.ext_id FROM claims c JOIN items i ON i.id = c.item_id "
                                                         "WHERE c.reviewer = ?"),
                                {reviewer});
    ids.sort();
    return ids;
}

QStringList ids(std::initializer_list<int> numbers)
{
    QStringList out;
    for (int n : numbers)
        out << QStringLiteral("r%1").arg(n);
    out.sort();
    return out;
}

void rawExec(const QString& location, const QString& sql, const QVariantList& params = {})
{
    bool ok = false;
    QString error;
    withRawConnection(
        location,
        [&](QSqlDatabase& db) {
            QSqlQuery q(db);
            if (params.isEmpty()) {
                ok = q.exec(sql);  // DDL cannot be a prepared statement on QPSQL
            } else {
                q.prepare(sql);
                for (const QVariant& p : params)
                    q.addBindValue(p);
                ok = q.exec();
            }
            error = q.lastError().text();
        },
        false);
    if (!ok)
        qFatal("%s: %s", qPrintable(sql), qPrintable(error));
}

// ana's queue of batchSize items on her own connection to a project; its errors are shown as
// warnings.
struct AnasQueue
{
    ProjectStore store;
    QThreadPool pool;
    TeamQueue q;

    AnasQueue(const QString& location, int batchSize)
    {
        store.open(location);
        q.setBatchSize(batchSize);
        QObject::connect(&q, &TeamQueue::errorOccurred, [](const QString& e) { qWarning("queue: %s", qPrintable(e)); });
    }
    void start() { q.start(&store, &pool); }
    // Starts the queue and waits (Qt Test's usual five seconds) for a full batch; the number of
    // claims it then holds.
    int startAndWait()
    {
        start();
        (void)QTest::qWaitFor([&] { return q.claims().size() == q.batchSize(); });  // the count says whether it came
        return int(q.claims().size());
    }
};

QDateTime parse(const QString& iso)
{
    return QDateTime::fromString(iso, Qt::ISODateWithMs);
}

} // namespace

class TestTeamQueue : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QByteArray m_user;
    int m_serial = 0;

    // A project of n items; me() and other() are the two reviewers' locations of it.
    struct Project
    {
        QString location;  ///< the file, or the server URI as the superuser
        QString meLocation, otherLocation;
    };
    // On a file or a server as the global data row says.
    Project project(int n, int overlap = 1, int leaseMinutes = 30)
    {
        Project p;
        const bool server = onServer();
        const QString name = QStringLiteral("q%1.chorus").arg(++m_serial);
        p.location = server ? test::serverProjectLocation(m_dir, name) : m_dir.filePath(name);
        // Items r1..rn: import order = hand-out order.
        const QString items = test::writeTeamItemsCsv(m_dir, QStringLiteral("items%1.csv").arg(n), n);
        test::makeTeamProject(p.location, items, overlap, leaseMinutes, {QStringLiteral("ana"), QStringLiteral("bo")});
        p.meLocation = server ? test::asLogin(p.location, QStringLiteral("ana")) : p.location;
        p.otherLocation = server ? test::asLogin(p.location, QStringLiteral("bo")) : p.location;
        return p;
    }
    // On a file the reviewer is $USER: the other reviewer's calls run with USER=bo.
    template <typename Fn>
    auto asOther(const Project& p, Fn fn)
    {
        qputenv("USER", "bo");
        struct Back
        {
            ~Back() { qputenv("USER", "ana"); }
        } back;
        ProjectStore s;
        s.open(p.otherLocation);
        return fn(s);
    }
    static Decision decisionOn(qint64 itemId)
    {
        Decision d;
        d.itemId = itemId;
        d.action = QStringLiteral("flag");
        d.status = ReviewStatus::Flagged;
        return d;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_user = qgetenv("USER");
    }
    // Every test runs on a project file and on a server project: the global data rows.
    void initTestCase_data()
    {
        QTest::addColumn<bool>("server");
        QTest::newRow("file") << false;
        QTest::newRow("server") << true;
    }
    void init()
    {
        if (onServer() && test::serverUri().isEmpty())
            QSKIP("no PostgreSQL test server (run through ctest: fixture pgserver)");
        qputenv("USER", "ana");
    }
    void cleanup() { qputenv("USER", m_user); }

    void refillsWhenLow();
    void renewExtendsTheLease();
    void renewDoesNotWaitForAClaimer();
    void stopReleases();
    void teamDecisionsAreTheReviewersAndUndoAppends();
    void othersDecisionsAreReRead();
    void liveNotifications();
    void oldProjectsGetNotificationsFromTheirManager();

private:
    static bool onServer()
    {
        QFETCH_GLOBAL(bool, server);
        return server;
    }
};

// Batch 8, so the queue refills at 8 / 4 = 2 items left. Deciding r1..r5 leaves r6..r8 (3):
// renewed, no refill. Deciding r6 leaves r7, r8 (2): a refill tops up to 8 with the next items
// in import order, r9..r14, none of which anyone decided or holds.
void TestTeamQueue::refillsWhenLow()
{
    const Project p = project(30);
    AnasQueue ana(p.meLocation, 8);
    ProjectStore& store = ana.store;
    TeamQueue& q = ana.q;
    QCOMPARE(q.lowWater(), 2);
    QCOMPARE(ana.startAndWait(), 8);
    QCOMPARE(claimedIds(p.location, QStringLiteral("ana")), ids({1, 2, 3, 4, 5, 6, 7, 8}));
    for (int k = 0; k < 5; ++k) {
        const qint64 item = q.claims().front().itemId;
        decideItem(store, decisionOn(item));
        q.decided({item});
        QVERIFY(!q.isRefilling());
    }
    QCOMPARE(claimedIds(p.location, QStringLiteral("ana")), ids({6, 7, 8}));
    QCOMPARE(int(q.claims().size()), 3);
    QCOMPARE(int(q.shownItems().size()), 8);  // the decided ones stay in view until the refill
    const qint64 sixth = q.claims().front().itemId;
    decideItem(store, decisionOn(sixth));
    q.decided({sixth});
    QVERIFY(q.isRefilling());
    QTRY_VERIFY(!q.isRefilling());
    QCOMPARE(int(q.claims().size()), 8);
    QCOMPARE(int(q.shownItems().size()), 8);
    QCOMPARE(claimedIds(p.location, QStringLiteral("ana")), ids({7, 8, 9, 10, 11, 12, 13, 14}));
    QCOMPARE(rawColumn(p.location, QStringLiteral("SELECT COUNT(*) FROM decisions")).value(0).toInt(), 6);
    q.stop();
}

// The leases are pushed back to end in a minute (as if 29 minutes had passed); a renewal at
// time T makes every claim end at T + 30 min (the project's lease), whether asked for or by
// the queue's timer.
void TestTeamQueue::renewExtendsTheLease()
{
    const Project p = project(12);
    AnasQueue ana(p.meLocation, 5);
    TeamQueue& q = ana.q;
    QCOMPARE(ana.startAndWait(), 5);
    QCOMPARE(q.renewInterval(), 10 * 60 * 1000);  // a third of 30 minutes

    const QString soon = QDateTime::currentDateTimeUtc().addSecs(60).toString(Qt::ISODateWithMs);
    const QString minSql = QStringLiteral("SELECT MIN(expires_at) FROM claims WHERE reviewer = 'ana'");
    const QString maxSql = QStringLiteral("SELECT MAX(expires_at) FROM claims WHERE reviewer = 'ana'");
    rawExec(p.location, QStringLiteral("UPDATE claims SET expires_at = ?"), {soon});
    QCOMPARE(rawColumn(p.location, maxSql).value(0), soon);
    const QDateTime before = QDateTime::currentDateTimeUtc();
    q.renew();
    const QDateTime after = QDateTime::currentDateTimeUtc();
    const QDateTime first = parse(rawColumn(p.location, minSql).value(0));
    const QDateTime last = parse(rawColumn(p.location, maxSql).value(0));
    QVERIFY2(first >= before.addSecs(30 * 60) && last <= after.addSecs(30 * 60),
             qPrintable(first.toString(Qt::ISODateWithMs) + QLatin1Char(' ') + last.toString(Qt::ISODateWithMs)));
    QCOMPARE(q.leaseUntil(), first);
    QCOMPARE(claimRows(p.location, QStringLiteral("ana")), 5);

    // The timer does the same while the reviewer works.
    rawExec(p.location, QStringLiteral("UPDATE claims SET expires_at = ?"), {soon});
    q.setRenewInterval(100);
    QTRY_VERIFY(parse(rawColumn(p.location, minSql).value(0)) >= before.addSecs(30 * 60));
    q.stop();
}

// Another reviewer's refill holds the claimers' lock while it reads every item (seconds on a
// large project); a renewal, made on the GUI thread, must not wait for it. The lock is held
// here by a raw connection's open transaction while the queue renews: the leases move to
// T + 30 min before that transaction ends (waiting would take the server's 30 s lock timeout
// and then fail).
void TestTeamQueue::renewDoesNotWaitForAClaimer()
{
    if (!onServer())
        QSKIP("server projects only");
    const Project p = project(12);
    AnasQueue ana(p.meLocation, 4);
    TeamQueue& q = ana.q;
    QCOMPARE(ana.startAndWait(), 4);
    rawExec(p.location, QStringLiteral("UPDATE claims SET expires_at = ?"),
            {QDateTime::currentDateTimeUtc().addSecs(60).toString(Qt::ISODateWithMs)});
    const QDateTime before = QDateTime::currentDateTimeUtc();
    QString first;
    withRawConnection(
        p.location,
        [&](QSqlDatabase& db) {
            QSqlQuery lock(db);
            QVERIFY(lock.exec(QStringLiteral("BEGIN")));
            for (const QString& sql : Dialect::postgres().serializeWriters())
                QVERIFY2(lock.exec(sql), qPrintable(lock.lastError().text()));
            q.renew();
            QSqlQuery read(db);
            QVERIFY(read.exec(QStringLiteral("SELECT MIN(expires_at) FROM claims WHERE reviewer = 'ana'")) && read.next());
            first = read.value(0).toString();
            lock.exec(QStringLiteral("ROLLBACK"));
        },
        false);
    QVERIFY2(parse(first) >= before.addSecs(30 * 60), qPrintable(first));
    q.stop();
}

// Stopping gives back exactly the reviewer's claims (bo's 3 stay), also when a refill is still
// running at the time.
void TestTeamQueue::stopReleases()
{
    const Project p = project(20);
    QCOMPARE(int(asOther(p, [](ProjectStore& s) { return claimItems(s, 3).size(); })), 3);
    AnasQueue ana(p.meLocation, 6);
    TeamQueue& q = ana.q;
    QCOMPARE(ana.startAndWait(), 6);
    QCOMPARE(claimRows(p.location, QStringLiteral("ana")), 6);
    QCOMPARE(claimedIds(p.location, QStringLiteral("ana")), ids({4, 5, 6, 7, 8, 9}));  // bo holds r1..r3
    QCOMPARE(q.stop(), 6);
    QVERIFY(!q.isActive());
    QVERIFY(q.claims().isEmpty());
    QCOMPARE(claimRows(p.location, QStringLiteral("ana")), 0);
    QCOMPARE(claimRows(p.location, QStringLiteral("bo")), 3);

    ana.start();
    QVERIFY(q.isRefilling());
    QCOMPARE(q.stop(), 6);  // waited for the refill, then gave its claims back
    QCOMPARE(claimRows(p.location, QStringLiteral("ana")), 0);
    QCOMPARE(claimRows(p.location, QStringLiteral("bo")), 3);
}

// With team decisions on, the table's keys write the reviewer's decision through decideItem:
// under the reviewer's name, with its own UUID, ending the reviewer's claim. Undo appends a
// decision (the state before), never deletes one. With overlap 1, labelling an item bo had
// already decided is kept and reported as late.
void TestTeamQueue::teamDecisionsAreTheReviewersAndUndoAppends()
{
    const Project p = project(6);
    Workbench wb;
    wb.openProject(p.meLocation);
    wb.setTeamDecisions(true);
    QCOMPARE(int(claimItems(wb.store(), 2).size()), 2);  // ana holds r1, r2
    const int32_t yes = static_cast<int32_t>(wb.snapshot().labels.indexOf(QStringLiteral("yes")));
    QVERIFY(yes >= 0);
    QSignalSpy decided(&wb, &Workbench::teamDecided);
    QSignalSpy late(&wb, &Workbench::lateDecisions);
    QVERIFY(wb.setHumanLabel({0}, yes));
    QCOMPARE(int(decided.size()), 1);
    QCOMPARE(decided[0][0].value<QList<qint64>>(), QList<qint64>{wb.snapshot().itemIds[0]});
    const QString rows = QStringLiteral("SELECT d.id || '|' || d.action || '|' || d.author || '|' || COALESCE(l.name, '-') || '|' "
                                        "|| d.status || '|' || LENGTH(d.uuid) FROM decisions d LEFT JOIN labels l ON "
                                        "l.id = d.label_id ORDER BY d.id");
    QStringList history = rawColumn(p.location, rows);
    QCOMPARE(int(history.size()), 1);
    QCOMPARE(history[0].section(QLatin1Char('|'), 1), QStringLiteral("label|ana|yes|reviewed|36"));
    QCOMPARE(claimedIds(p.location, QStringLiteral("ana")), ids({2}));  // the claim on r1 ended

    wb.undoStack()->undo();
    history = rawColumn(p.location, rows);
    QCOMPARE(int(history.size()), 2);
    QCOMPARE(history[0].section(QLatin1Char('|'), 1), QStringLiteral("label|ana|yes|reviewed|36"));  // still there
    QCOMPARE(history[1].section(QLatin1Char('|'), 1), QStringLiteral("undo|ana|-|unreviewed|36"));
    QCOMPARE(rawColumn(p.location, QStringLiteral("SELECT COUNT(DISTINCT uuid) FROM decisions")).value(0).toInt(), 2);
    QCOMPARE(int(late.size()), 0);

    // bo decides r3 first; ana's label on it is late (overlap 1), kept, reported.
    asOther(p, [&](ProjectStore& s) { return decideItem(s, decisionOn(wb.snapshot().itemIds[2])).late; });
    QVERIFY(wb.setHumanLabel({2}, yes));
    QCOMPARE(int(late.size()), 1);
    QCOMPARE(late[0][0].value<std::vector<int32_t>>(), std::vector<int32_t>{2});
    QCOMPARE(rawColumn(p.location, QStringLiteral("SELECT COUNT(*) FROM decisions WHERE item_id = ?"), {wb.snapshot().itemIds[2]})
                 .value(0)
                 .toInt(),
             2);
}

// Another reviewer's decision shows after refreshItems (told the item, as a notification
// does) or refreshNewDecisions (not told); an item whose latest decision is already shown is
// not reported again.
void TestTeamQueue::othersDecisionsAreReRead()
{
    const Project p = project(6);
    Workbench wb;
    wb.openProject(p.meLocation);
    const int32_t no = static_cast<int32_t>(wb.snapshot().labels.indexOf(QStringLiteral("no")));
    const qint64 noId = wb.snapshot().labelIds[no];
    QSignalSpy changed(&wb, &Workbench::decisionsChanged);
    asOther(p, [&](ProjectStore& s) {
        Decision d;
        d.itemId = wb.snapshot().itemIds[1];
        d.action = QStringLiteral("label");
        d.labelId = noId;
        d.status = ReviewStatus::Reviewed;
        d.note = QStringLiteral("bo's note");
        return decideItem(s, d).id;
    });
    QCOMPARE(wb.stateOf(1).status, ReviewStatus::Unreviewed);  // not yet re-read
    QCOMPARE(wb.refreshItems({wb.snapshot().itemIds[1]}), std::vector<int32_t>{1});
    QCOMPARE(wb.stateOf(1).label, no);
    QCOMPARE(wb.stateOf(1).status, ReviewStatus::Reviewed);
    QCOMPARE(wb.stateOf(1).note, QStringLiteral("bo's note"));
    QCOMPARE(int(changed.size()), 1);
    QVERIFY(wb.refreshItems({wb.snapshot().itemIds[1]}).empty());
    QCOMPARE(int(changed.size()), 1);

    asOther(p, [&](ProjectStore& s) { return decideItem(s, decisionOn(wb.snapshot().itemIds[4])).id; });
    // Both of bo's decisions are newer than the snapshot; only r5's changes what is shown.
    QCOMPARE(wb.refreshNewDecisions(), std::vector<int32_t>{4});
    QCOMPARE(wb.stateOf(4).status, ReviewStatus::Flagged);
    QVERIFY(wb.refreshNewDecisions().empty());
}

// TeamLive hears, on its own connection, a decision and a claim committed by another
// connection, with the decided item's database id.
void TestTeamQueue::liveNotifications()
{
    if (!onServer())
        QSKIP("server projects only");
    const Project p = project(6);
    TeamLive live;
    live.setDelay(50);
    QSignalSpy listening(&live, &TeamLive::listening);
    QSignalSpy decisions(&live, &TeamLive::decisionsArrived);
    QSignalSpy claims(&live, &TeamLive::claimsChanged);
    live.start(p.meLocation);
    QVERIFY(listening.wait(10000));
    QVERIFY2(listening[0][0].toBool(), qPrintable(listening[0][1].toString()));
    const qint64 item = asOther(p, [](ProjectStore& s) {
        const qint64 id = s.scalar(QStringLiteral("SELECT id FROM items WHERE ext_id = 'r4'")).toLongLong();
        decideItem(s, decisionOn(id));
        return id;
    });
    QTRY_COMPARE_WITH_TIMEOUT(int(decisions.size()), 1, 2000);
    QCOMPARE(decisions[0][0].value<QList<qint64>>(), QList<qint64>{item});
    const int claimsBefore = static_cast<int>(claims.size());  // decideItem ends a claim (none here)
    asOther(p, [](ProjectStore& s) { return claimItems(s, 2).size(); });
    QTRY_VERIFY_WITH_TIMEOUT(claims.size() > claimsBefore, 2000);
    live.stop();
    QVERIFY(!live.isRunning());
}

// A project made before live updates (the triggers taken away) gets them when its manager
// opens it or runs team init, not when a reviewer opens it; a reviewer can neither remove nor
// replace them.
void TestTeamQueue::oldProjectsGetNotificationsFromTheirManager()
{
    if (!onServer())
        QSKIP("server projects only");
    const Project p = project(3);
    const QString count = QStringLiteral("SELECT COUNT(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE "
                                         "c.relnamespace = current_schema()::regnamespace AND t.tgname IN "
                                         "('decisions_live', 'claims_live')");
    QCOMPARE(rawColumn(p.location, count).value(0).toInt(), 2);
    rawExec(p.location, QStringLiteral("DROP TRIGGER decisions_live ON decisions"));
    rawExec(p.location, QStringLiteral("DROP TRIGGER claims_live ON claims"));
    {
        ProjectStore reviewer;
        reviewer.open(p.meLocation);
        QCOMPARE(rawColumn(p.location, count).value(0).toInt(), 0);
    }
    {
        ProjectStore manager;
        manager.open(p.location);
        QCOMPARE(rawColumn(p.location, count).value(0).toInt(), 2);
    }
    {
        // team init adds them too (here on a connection opened before they were taken away).
        ProjectStore manager;
        manager.open(p.location);
        rawExec(p.location, QStringLiteral("DROP TRIGGER decisions_live ON decisions"));
        rawExec(p.location, QStringLiteral("DROP TRIGGER claims_live ON claims"));
        QCOMPARE(rawColumn(p.location, count).value(0).toInt(), 0);
        initTeam(manager);
        QCOMPARE(rawColumn(p.location, count).value(0).toInt(), 2);
    }
    ProjectStore reviewer;
    reviewer.open(p.meLocation);
    for (const QString& sql : {QStringLiteral("DROP TRIGGER claims_live ON claims"),
                               QStringLiteral("CREATE OR REPLACE FUNCTION chorus_live_notify() RETURNS trigger LANGUAGE "
                                              "plpgsql AS $$ BEGIN RETURN NULL; END $$")}) {
        bool refused = false;
        try {
            reviewer.exec(sql);
        } catch (const Error& e) {
            refused = true;
        }
        QVERIFY2(refused, qPrintable(sql));
    }
    QCOMPARE(rawColumn(p.location, count).value(0).toInt(), 2);
}

QTEST_GUILESS_MAIN(TestTeamQueue)
#include "tst_teamqueue.moc"
