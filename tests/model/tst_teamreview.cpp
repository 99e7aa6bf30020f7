// Team review (issue #20): how items are handed out, decided once per UUID, and counted.
// The rules are checked on a project file with several reviewers in turn (the reviewer of a
// file is $USER), against outcomes worked out by hand in each test. The race runs on the
// PostgreSQL test server: 8 reviewer processes (this executable started again with
// "child-race") claim and decide 2,000 items with overlap 2 until nothing is left; every item
// must end with exactly 2 decisions by 2 different reviewers.

#include "childmodes.h"
#include "projectdump.h"
#include "teamprojects.h"
#include "teamturns.h"
#include "testprojects.h"

#include "importer.h"
#include "teamreview.h"
#include "teamroles.h"

#include <QCoreApplication>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

using namespace chorus::model;

namespace {

QDateTime t0()
{
    return QDateTime(QDate(2026, 12, 7), QTime(9, 0), Qt::UTC);
}

QStringList claimed(ProjectStore& s, const QString& who, int n, const QDateTime& now)
{
    qputenv("USER", who.toUtf8());
    QStringList out;
    for (const Claim& c : claimItems(s, n, now))
        out << c.extId;
    return out;
}

// `who` labels `ext` yes.
DecisionOutcome decide(ProjectStore& s, const QString& who, const QString& ext, const QString& uuid = {})
{
    return chorus::test::review(s, who, ext, QStringLiteral("yes"), uuid);
}

// Child mode: one reviewer of the race, connected as its own login.
int raceChild(const QString& uri)
{
    ProjectStore s;
    s.open(uri);
    const qint64 yes = s.scalar(QStringLiteral("SELECT id FROM labels WHERE name = 'yes'")).toLongLong();
    const qint64 no = s.scalar(QStringLiteral("SELECT id FROM labels WHERE name = 'no'")).toLongLong();
    QRandomGenerator rng(quint32(qHash(s.sessionUser())));
    int decided = 0;
    for (;;) {
        const QList<Claim> claims = claimItems(s, 25);
        if (claims.isEmpty())
            break;
        for (const Claim& c : claims) {
            Decision d;
            d.itemId = c.itemId;
            d.action = QStringLiteral("label");
            d.labelId = rng.bounded(2) ? yes : no;
            d.status = ReviewStatus::Reviewed;
            decideItem(s, d);
            ++decided;
        }
    }
    std::printf("decided %d\n", decided);
    return 0;
}

// Child mode: claims n items as its login, says so, then waits to be killed.
int holdChild(const QString& uri, int n)
{
    ProjectStore s;
    s.open(uri);
    std::printf("held %lld\n", static_cast<long long>(claimItems(s, n).size()));
    std::fflush(stdout);
    QThread::sleep(600);
    return 0;
}


} // namespace

class TestTeamReview : public chorus::test::TeamTurnsTest
{
    Q_OBJECT

private slots:
    void handOutRespectsOverlapAndLeases();
    void neverToWhoDecidedOrHolds();
    void orders_data();
    void orders();
    void uuidStoredOnce();
    void lateDecisionKeptAndReported();
    void progressCounts();
    void releaseGivesBack();
    void raceOnServer();
    void killedReviewersItemsReturnAfterTheLease();

private:
    // Items q1..q<n> (one LLM label each), labels yes/no; settings as given.
    QString project(int n, int overlap, TeamSettings::Order order = TeamSettings::Order::Queue);
};

QString TestTeamReview::project(int n, int overlap, TeamSettings::Order order)
{
    const QString p = m_dir->filePath(QStringLiteral("team%1.chorus").arg(m_projects++));
    QByteArray csv = "item,annotator,label\n";
    for (int i = 1; i <= n; ++i)
        csv += "q" + QByteArray::number(i) + ",m1," + (i % 2 ? "yes" : "no") + "\n";
    const QString file = m_dir->filePath(QStringLiteral("team.csv"));
    if (!chorus::test::writeFile(file, csv))
        qFatal("cannot write");
    TeamSettings st;
    st.overlap = overlap;
    st.order = order;
    chorus::test::createTeamProject(p, file, st);
    return p;
}

// Overlap 2, three items, queue order, 30-minute leases. ana takes q1, q2; bo takes all three
// (each has one live claim); cy finds only q3 (q1 and q2 have two live claims). When ana's lease
// has run out (31 minutes later), cy gets q1 and q2 too.
void TestTeamReview::handOutRespectsOverlapAndLeases()
{
    ProjectStore s;
    s.open(project(3, 2));
    QCOMPARE(claimed(s, QStringLiteral("ana"), 2, t0()), (QStringList{"q1", "q2"}));
    QCOMPARE(claimed(s, QStringLiteral("bo"), 3, t0()), (QStringList{"q1", "q2", "q3"}));
    QCOMPARE(claimed(s, QStringLiteral("cy"), 3, t0().addSecs(60)), (QStringList{"q3"}));
    // 31 minutes on: ana's leases (from t0) are gone; bo's were renewed at t0 only, gone too;
    // cy's from t0+1 min likewise. Everything is free again for dee, up to overlap 2.
    QCOMPARE(claimed(s, QStringLiteral("dee"), 3, t0().addSecs(31 * 60)), (QStringList{"q1", "q2", "q3"}));
    // A new claim renews what the reviewer holds: cy asks again at t0+20 min, before expiry.
    QCOMPARE(claimed(s, QStringLiteral("cy"), 1, t0().addSecs(20 * 60)), (QStringList{"q3"}));
}

// A reviewer never gets an item it decided, nor one it already holds (a claim is per reviewer).
void TestTeamReview::neverToWhoDecidedOrHolds()
{
    ProjectStore s;
    s.open(project(3, 2));
    QVERIFY(!decide(s, QStringLiteral("ana"), QStringLiteral("q1")).duplicate);
    QCOMPARE(claimed(s, QStringLiteral("ana"), 5, QDateTime::currentDateTimeUtc()), (QStringList{"q2", "q3"}));
    // Asking again gives the same two (held, renewed), not duplicates.
    QCOMPARE(claimed(s, QStringLiteral("ana"), 5, QDateTime::currentDateTimeUtc()), (QStringList{"q2", "q3"}));
    // Deciding q2 ends that claim.
    decide(s, QStringLiteral("ana"), QStringLiteral("q2"));
    QCOMPARE(s.scalar(QStringLiteral("SELECT COUNT(*) FROM claims WHERE reviewer = 'ana'")).toInt(), 1);
}

void TestTeamReview::orders_data()
{
    QTest::addColumn<int>("order");
    QTest::addColumn<QStringList>("expected");
    // With the saved run of the test: import order, or the least confident consensus first.
    QTest::newRow("queue") << int(TeamSettings::Order::Queue) << QStringList{"q1", "q2", "q3", "q4"};
    QTest::newRow("uncertainty") << int(TeamSettings::Order::Uncertainty) << QStringList{"q4", "q2", "q3", "q1"};
}

void TestTeamReview::orders()
{
    QFETCH(int, order);
    QFETCH(QStringList, expected);
    ProjectStore s;
    s.open(project(4, 1, TeamSettings::Order(order)));
    // A saved run whose confidences are, by item: q1 0.9, q2 0.6, q3 0.7, q4 0.55.
    s.exec(QStringLiteral("INSERT INTO runs (method, params, created_at, labels) VALUES ('mv', '{}', 'x', '[]')"));
    const qint64 run = s.scalar(QStringLiteral("SELECT MAX(id) FROM runs")).toLongLong();
    const QList<QPair<QString, double>> conf{{"q1", 0.9}, {"q2", 0.6}, {"q3", 0.7}, {"q4", 0.55}};
    for (const auto& [ext, c] : conf)
        s.exec(QStringLiteral("INSERT INTO run_items (run_id, item_id, label_id, confidence) SELECT ?, id, NULL, ? FROM items "
                              "WHERE ext_id = ?"),
               {run, c, ext});
    QCOMPARE(claimed(s, QStringLiteral("ana"), 4, QDateTime::currentDateTimeUtc()), expected);
    releaseClaims(s);  // ana's (overlap 1: bo would find nothing)
    // Random with a seed: a permutation of all four, the same for the same seed.
    TeamSettings st = teamSettings(s);
    st.order = TeamSettings::Order::Random;
    st.seed = 7;
    setTeamSettings(s, st);
    const QStringList r1 = claimed(s, QStringLiteral("bo"), 4, QDateTime::currentDateTimeUtc());
    releaseClaims(s);
    const QStringList r2 = claimed(s, QStringLiteral("bo"), 4, QDateTime::currentDateTimeUtc());
    QCOMPARE(r1, r2);
    QStringList sorted = r1;
    sorted.sort();
    QCOMPARE(sorted, (QStringList{"q1", "q2", "q3", "q4"}));
}

void TestTeamReview::uuidStoredOnce()
{
    ProjectStore s;
    s.open(project(2, 1));
    const QString uuid = QStringLiteral("6f1c2a4e-0000-4000-8000-000000000001");
    const DecisionOutcome first = decide(s, QStringLiteral("ana"), QStringLiteral("q1"), uuid);
    const DecisionOutcome again = decide(s, QStringLiteral("ana"), QStringLiteral("q1"), uuid);
    QVERIFY(!first.duplicate);
    QVERIFY(again.duplicate);
    QCOMPARE(again.id, first.id);
    QCOMPARE(s.scalar(QStringLiteral("SELECT COUNT(*) FROM decisions")).toInt(), 1);
    // Without a UUID every call is a new decision with a new UUID.
    decide(s, QStringLiteral("ana"), QStringLiteral("q2"));
    decide(s, QStringLiteral("ana"), QStringLiteral("q2"));
    QCOMPARE(s.scalar(QStringLiteral("SELECT COUNT(DISTINCT uuid) FROM decisions")).toInt(), 3);
}

// Overlap 1: bo decides q1 after ana did; kept in the history and reported as late. ana
// changing her own label is not late.
void TestTeamReview::lateDecisionKeptAndReported()
{
    ProjectStore s;
    s.open(project(1, 1));
    QVERIFY(!decide(s, QStringLiteral("ana"), QStringLiteral("q1")).late);
    QVERIFY(decide(s, QStringLiteral("bo"), QStringLiteral("q1")).late);
    QVERIFY(!decide(s, QStringLiteral("ana"), QStringLiteral("q1")).late);
    QCOMPARE(s.scalar(QStringLiteral("SELECT COUNT(*) FROM decisions")).toInt(), 3);
}

// Overlap 2, four items. q1: ana yes, bo yes (complete, agree). q2: ana yes, bo no then bo yes
// (complete; latest labels agree). q3: ana yes, cy flag (complete; yes vs no label: in
// adjudication). q4: none. cy holds a live claim on q4.
void TestTeamReview::progressCounts()
{
    ProjectStore s;
    s.open(project(4, 2));
    decide(s, QStringLiteral("ana"), QStringLiteral("q1"));
    decide(s, QStringLiteral("bo"), QStringLiteral("q1"));
    decide(s, QStringLiteral("ana"), QStringLiteral("q2"));
    chorus::test::review(s, QStringLiteral("bo"), QStringLiteral("q2"), QStringLiteral("no"));
    decide(s, QStringLiteral("bo"), QStringLiteral("q2"));
    decide(s, QStringLiteral("ana"), QStringLiteral("q3"));
    chorus::test::review(s, QStringLiteral("cy"), QStringLiteral("q3"), QStringLiteral("flag"));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QCOMPARE(claimed(s, QStringLiteral("cy"), 1, now), QStringList{"q4"});
    const TeamProgress p = teamProgress(s, now);
    QCOMPARE(p.items, 4);
    QCOMPARE(p.complete, 3);
    QCOMPARE(p.inAdjudication, 1);
    QCOMPARE(p.remaining, 1);
    QCOMPARE(p.reviewers.size(), 3);
    QCOMPARE(p.reviewers[0].reviewer, QStringLiteral("ana"));
    QCOMPARE(p.reviewers[0].decided, 3);
    QCOMPARE(p.reviewers[0].decidedToday, 3);
    QCOMPARE(p.reviewers[1].reviewer, QStringLiteral("bo"));
    QCOMPARE(p.reviewers[1].decided, 2);
    QCOMPARE(p.reviewers[2].reviewer, QStringLiteral("cy"));
    QCOMPARE(p.reviewers[2].decided, 1);
    QCOMPARE(p.reviewers[2].claimed, 1);
}

void TestTeamReview::releaseGivesBack()
{
    ProjectStore s;
    s.open(project(3, 1));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QCOMPARE(claimed(s, QStringLiteral("ana"), 3, now).size(), 3);
    QCOMPARE(claimed(s, QStringLiteral("bo"), 3, now), QStringList());  // overlap 1: all held
    qputenv("USER", "ana");
    const qint64 q2 = s.scalar(QStringLiteral("SELECT id FROM items WHERE ext_id = 'q2'")).toLongLong();
    QCOMPARE(releaseClaims(s, q2), 1);
    QCOMPARE(claimed(s, QStringLiteral("bo"), 3, now), QStringList{"q2"});
    qputenv("USER", "ana");
    QCOMPARE(releaseClaims(s), 2);
    QCOMPARE(claimed(s, QStringLiteral("bo"), 3, now), (QStringList{"q2", "q1", "q3"}));
}

void TestTeamReview::raceOnServer()
{
    if (chorus::test::serverUri().isEmpty())
        QSKIP("no PostgreSQL test server (run through ctest: fixture pgserver)");
    constexpr int kItems = 2000, kReviewers = 8;
    QStringList logins;
    for (int r = 0; r < kReviewers; ++r)
        logins << QStringLiteral("racer%1").arg(r);
    const QString uri = chorus::test::serverTeamProject(*m_dir, QStringLiteral("race"), kItems, 2, 30, logins);
    std::vector<std::unique_ptr<QProcess>> children;
    for (int r = 0; r < kReviewers; ++r) {
        auto p = std::make_unique<QProcess>();
        p->start(QCoreApplication::applicationFilePath(), {QStringLiteral("child-race"), chorus::test::asLogin(uri, logins[r])});
        children.push_back(std::move(p));
    }
    int total = 0;
    for (auto& p : children) {
        QVERIFY(p->waitForFinished(600000));
        const QByteArray out = p->readAllStandardOutput();
        QVERIFY2(p->exitCode() == 0, out.constData());
        total += out.trimmed().split(' ').value(1).toInt();
    }
    QCOMPARE(total, kItems * 2);
    ProjectStore s;
    s.open(uri);
    // Every item: exactly two decisions, by two different reviewers; nothing doubled or lost.
    QSqlQuery q = s.exec(QStringLiteral("SELECT n, a, COUNT(*) FROM (SELECT item_id, COUNT(*) AS n, COUNT(DISTINCT author) AS a "
                                        "FROM decisions GROUP BY item_id) x GROUP BY n, a"));
    QStringList shape;
    while (q.next())
        shape << QStringLiteral("%1 decisions by %2 reviewers: %3 items")
                     .arg(q.value(0).toString(), q.value(1).toString(), q.value(2).toString());
    QCOMPARE(shape, QStringList{QStringLiteral("2 decisions by 2 reviewers: %1 items").arg(kItems)});
    QCOMPARE(s.scalar(QStringLiteral("SELECT COUNT(DISTINCT uuid) FROM decisions")).toInt(), kItems * 2);
    QCOMPARE(s.scalar(QStringLiteral("SELECT COUNT(*) FROM claims")).toInt(), 0);
    const TeamProgress p = teamProgress(s);
    QCOMPARE(p.complete, kItems);
    QCOMPARE(p.remaining, 0);
    QCOMPARE(p.reviewers.size(), kReviewers);
}

// A reviewer process killed (SIGKILL) while it holds claims: nothing it held is decided, its
// items are held until the lease runs out (another reviewer cannot take them, overlap 1), and
// then another reviewer gets them and finishes the project.
void TestTeamReview::killedReviewersItemsReturnAfterTheLease()
{
    if (chorus::test::serverUri().isEmpty())
        QSKIP("no PostgreSQL test server (run through ctest: fixture pgserver)");
    const QString uri = chorus::test::serverTeamProject(*m_dir, QStringLiteral("killed"), 30, 1, 5,
                                          {QStringLiteral("holder"), QStringLiteral("finisher")});
    QProcess holder;
    holder.start(QCoreApplication::applicationFilePath(), {QStringLiteral("child-hold"), chorus::test::asLogin(uri, QStringLiteral("holder")),
                                                          QStringLiteral("20")});
    QByteArray out;
    for (int k = 0; k < 600 && !out.contains('\n'); ++k) {
        holder.waitForReadyRead(100);
        out += holder.readAllStandardOutput();
    }
    QCOMPARE(out.trimmed(), QByteArray("held 20"));
    holder.kill();  // SIGKILL
    QVERIFY(holder.waitForFinished(10000));

    ProjectStore finisher;
    finisher.open(chorus::test::asLogin(uri, QStringLiteral("finisher")));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    // Within the lease: only the 10 items the holder did not take.
    const QList<Claim> early = claimItems(finisher, 30, now);
    QCOMPARE(early.size(), 10);
    releaseClaims(finisher);
    // Six minutes on (lease 5): everything, and the finisher decides it all.
    const QList<Claim> late = claimItems(finisher, 30, now.addSecs(6 * 60));
    QCOMPARE(late.size(), 30);
    for (const Claim& c : late) {
        Decision d;
        d.itemId = c.itemId;
        d.action = QStringLiteral("flag");
        d.status = ReviewStatus::Flagged;
        decideItem(finisher, d);
    }
    QCOMPARE(finisher.scalar(QStringLiteral("SELECT COUNT(*) FROM decisions WHERE author = 'holder'")).toInt(), 0);
    QCOMPARE(finisher.scalar(QStringLiteral("SELECT COUNT(DISTINCT item_id) FROM decisions WHERE author = 'finisher'")).toInt(),
             30);
    QCOMPARE(teamProgress(finisher).remaining, 0);
}

int main(int argc, char** argv)
{
    return chorus::test::runTestsOrChildMode<TestTeamReview>(
        argc, argv,
        {{"child-hold", 2, [](const QStringList& a) { return holdChild(a[0], a[1].toInt()); }},
         {"child-race", 1, [](const QStringList& a) { return raceChild(a[0]); }}});
}

#include "tst_teamreview.moc"
