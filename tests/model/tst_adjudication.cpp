// Adjudication (issue #20, model/team/adjudication.h): which items go to the adjudicator and
// why, what the adjudicator is shown, and what an adjudication changes (the final label, the
// export's source, the review counts, nothing of the overlap). The rules run on project files
// with reviewers taking turns ($USER is the reviewer of a file), against outcomes worked out
// by hand in each test. On the PostgreSQL test server: a reviewer's login cannot write an
// adjudication (row-level security), an adjudicator's can.

#include "projectdump.h"
#include "teamprojects.h"
#include "teamturns.h"
#include "testprojects.h"

#include "adjudication.h"
#include "dashboarddata.h"
#include "exporter.h"
#include "importer.h"
#include "runstore.h"
#include "snapshot.h"
#include "teamroles.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QtTest>

using namespace chorus::model;
using namespace chorus::test;

namespace {

TeamSettings withOverlap(int overlap)
{
    TeamSettings st;
    st.overlap = overlap;
    return st;
}

struct Review
{
    const char* who;
    const char* item;
    const char* label;
};

void reviewAll(ProjectStore& s, std::initializer_list<Review> reviews)
{
    for (const Review& r : reviews)
        review(s, QString::fromLatin1(r.who), QString::fromLatin1(r.item), QString::fromLatin1(r.label));
}

DecisionOutcome adjudicate(ProjectStore& s, const QString& who, const QString& ext, const QString& label,
                           const QString& uuid = {})
{
    qputenv("USER", who.toUtf8());
    return adjudicateItem(s, itemId(s, ext), labelId(s, label), QStringLiteral("final"), uuid);
}

QStringList ids(const QList<AdjudicationCase>& cases)
{
    QStringList out;
    for (const AdjudicationCase& c : cases)
        out << c.extId;
    return out;
}

} // namespace

class TestAdjudication : public TeamTurnsTest
{
    Q_OBJECT

private slots:
    void disagreementsGoToTheAdjudicator();
    void adjudicationIsTheFinalLabel();
    void adjudicationIsNotAReview();
    void consensusModeWithOverlapOne();
    void majorityWithoutSavedRun();
    void reviewerCannotAdjudicateOnServer();
    void insightsOfTheReviewers();

private:
    // Items q1..q5 with two LLM labels each (m1: yes on odd items, no on even; m2: yes), labels
    // yes/no, the given settings, and a saved run whose consensus is set by hand: yes on q1-q3,
    // no on q4-q5, confidence 0.6 everywhere.
    QString project(const TeamSettings& settings, bool withRun = true);
};

QString TestAdjudication::project(const TeamSettings& settings, bool withRun)
{
    const QString p = m_dir->filePath(QStringLiteral("adj%1.chorus").arg(m_projects++));
    QByteArray csv = "item,annotator,label\n";
    for (int i = 1; i <= 5; ++i)
        csv += "q" + QByteArray::number(i) + ",m1," + (i % 2 ? "yes" : "no") + "\nq" + QByteArray::number(i)
               + ",m2,yes\n";
    const QString file = m_dir->filePath(QStringLiteral("adj.csv"));
    if (!writeFile(file, csv))
        qFatal("cannot write");
    createTeamProject(p, file, settings);
    if (!withRun)
        return p;
    ProjectStore s;
    s.open(p);
    const Snapshot snap = loadSnapshot(s);
    chorus::agg::AggregationResult r;
    r.numLabels = snap.numLabels();
    const int32_t yes = static_cast<int32_t>(snap.labels.indexOf(QStringLiteral("yes")));
    const int32_t no = static_cast<int32_t>(snap.labels.indexOf(QStringLiteral("no")));
    for (int32_t i = 0; i < snap.numItems(); ++i) {
        const int32_t l = snap.itemExtIds[i].mid(1).toInt() <= 3 ? yes : no;
        r.labels.push_back(l);
        for (int32_t k = 0; k < r.numLabels; ++k)
            r.posterior.push_back(k == l ? 0.6 : 0.4);
    }
    r.competence.assign(snap.annotators.size(), 0.5);
    saveRun(s, snap, QStringLiteral("hand"), QStringLiteral("{}"), r, 0.0);
    return p;
}

// Overlap 2. q1: ana yes, bo yes (agree: not adjudicated). q2: ana yes, bo no (disagree).
// q3: ana yes only (incomplete). q4: ana yes, cy flag (a flag disagrees with a label).
// q5: nobody. Queue: q2, q4, in item order, each with both reviewers by name, both LLMs'
// labels and the hand-set consensus.
void TestAdjudication::disagreementsGoToTheAdjudicator()
{
    ProjectStore s;
    s.open(project(withOverlap(2)));
    reviewAll(s, {{"ana", "q1", "yes"}, {"bo", "q1", "yes"}, {"ana", "q2", "yes"}, {"bo", "q2", "no"},
                  {"ana", "q3", "yes"}, {"ana", "q4", "yes"}, {"cy", "q4", "flag"}});
    setDisplayName(s, QStringLiteral("ana"), QStringLiteral("Ana Lima"));
    const QList<AdjudicationCase> q = adjudicationQueue(s);
    QCOMPARE(ids(q), (QStringList{"q2", "q4"}));
    const AdjudicationCase& c = q[0];
    QCOMPARE(c.reason, QStringLiteral("reviewers disagree"));
    QCOMPARE(c.reviews.size(), 2);
    QCOMPARE(c.reviews[0].reviewer, QStringLiteral("ana"));
    QCOMPARE(c.reviews[0].name, QStringLiteral("Ana Lima"));
    QCOMPARE(c.reviews[1].name, QStringLiteral("bo"));  // no name set: the login
    QCOMPARE(c.reviews[0].label, QStringLiteral("yes"));
    QCOMPARE(c.reviews[1].reviewer, QStringLiteral("bo"));
    QCOMPARE(c.reviews[1].label, QStringLiteral("no"));
    QCOMPARE(c.llmLabels.size(), 2);
    QCOMPARE(c.llmLabels[0], (QPair<QString, QString>{"m1", "no"}));  // q2 is even
    QCOMPARE(c.llmLabels[1], (QPair<QString, QString>{"m2", "yes"}));
    QCOMPARE(c.consensus, QStringLiteral("yes"));
    QCOMPARE(c.consensusMethod, QStringLiteral("hand"));
    QCOMPARE(c.confidence, 0.6);
    QCOMPARE(q[1].reviews[1].reviewer, QStringLiteral("cy"));
    QCOMPARE(q[1].reviews[1].status, ReviewStatus::Flagged);
    const TeamProgress p = teamProgress(s);
    QCOMPARE(p.complete, 3);  // q1, q2, q4
    QCOMPARE(p.inAdjudication, 2);
    QCOMPARE(p.adjudicated, 0);
}

// dee adjudicates q2 as no. The queue keeps q4 only; with includeDone q2 is listed with its
// final label. The snapshot's current label of q2 is no even after a later (late) review of
// yes by eve, and the export says "adjudicated" for q2, "override" for q1 (agreed reviews).
// A resend of the adjudication with the same UUID is stored once.
void TestAdjudication::adjudicationIsTheFinalLabel()
{
    ProjectStore s;
    s.open(project(withOverlap(2)));
    reviewAll(s, {{"ana", "q1", "yes"}, {"bo", "q1", "yes"}, {"ana", "q2", "yes"}, {"bo", "q2", "no"},
                  {"ana", "q4", "yes"}, {"cy", "q4", "no"}});
    const DecisionOutcome first = adjudicate(s, "dee", "q2", "no", QStringLiteral("6b1f3c1e-0000-4000-8000-000000000001"));
    const DecisionOutcome again = adjudicate(s, "dee", "q2", "no", QStringLiteral("6b1f3c1e-0000-4000-8000-000000000001"));
    QVERIFY(!first.duplicate);
    QVERIFY(again.duplicate);
    QCOMPARE(again.id, first.id);
    QCOMPARE(s.scalar(QStringLiteral("SELECT COUNT(*) FROM decisions WHERE action = 'adjudicate'")).toInt(), 1);
    QCOMPARE(ids(adjudicationQueue(s)), QStringList{"q4"});
    const QList<AdjudicationCase> all = adjudicationQueue(s, true);
    QCOMPARE(ids(all), (QStringList{"q2", "q4"}));
    QCOMPARE(all[0].adjudicatedLabel, QStringLiteral("no"));
    QVERIFY(all[1].adjudicatedLabel.isEmpty());
    QVERIFY(review(s, "eve", "q2", "yes").late);

    const Snapshot snap = loadSnapshot(s);
    const int32_t q2 = snap.itemExtIds.indexOf(QStringLiteral("q2"));
    QCOMPARE(snap.labels[snap.humanLabel[q2]], QStringLiteral("no"));
    QCOMPARE(snap.adjudicated[q2], uint8_t(1));
    QCOMPARE(snap.status[q2], ReviewStatus::Reviewed);

    const QString out = m_dir->filePath(QStringLiteral("out.jsonl"));
    exportProject(s, out);
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QHash<QString, QPair<QString, QString>> rows;  // item -> (label, source)
    while (!f.atEnd()) {
        const QJsonObject o = QJsonDocument::fromJson(f.readLine()).object();
        rows.insert(o.value("id").toString(), {o.value("label").toString(), o.value("source").toString()});
    }
    QCOMPARE(rows.value("q2"), (QPair<QString, QString>{"no", "adjudicated"}));
    QCOMPARE(rows.value("q1"), (QPair<QString, QString>{"yes", "override"}));
    const TeamProgress p = teamProgress(s);
    QCOMPARE(p.adjudicated, 1);
    QCOMPARE(p.inAdjudication, 1);  // q4
}

// Overlap 2: an adjudication of q3 (reviewed by ana only) does not fill its second place:
// bo is still handed q3, and q3 counts as incomplete.
void TestAdjudication::adjudicationIsNotAReview()
{
    ProjectStore s;
    s.open(project(withOverlap(2)));
    review(s, "ana", "q3", "yes");
    adjudicate(s, "dee", "q3", "no");
    qputenv("USER", "bo");
    QStringList got;
    for (const Claim& c : claimItems(s, 5))
        got << c.extId;
    QVERIFY(got.contains(QStringLiteral("q3")));
    QCOMPARE(teamProgress(s).complete, 0);
    QVERIFY(!review(s, "bo", "q3", "yes").late);
}

// No saved run: the queue shows the LLMs' majority instead. q2 (m1 no, m2 yes) is a tie: no
// consensus; q3 (m1 yes, m2 yes): yes with 2 of 2 votes, confidence 1.
void TestAdjudication::majorityWithoutSavedRun()
{
    ProjectStore s;
    s.open(project(withOverlap(2), false));
    reviewAll(s, {{"ana", "q2", "yes"}, {"bo", "q2", "no"}, {"ana", "q3", "yes"}, {"bo", "q3", "no"}});
    const QList<AdjudicationCase> q = adjudicationQueue(s);
    QCOMPARE(ids(q), (QStringList{"q2", "q3"}));
    QCOMPARE(q[0].consensus, QString());
    QCOMPARE(q[0].confidence, -1.0);
    QCOMPARE(q[1].consensus, QStringLiteral("yes"));
    QCOMPARE(q[1].consensusMethod, QStringLiteral("mv (no saved run)"));
    QCOMPARE(q[1].confidence, 1.0);
    QCOMPARE(q[1].llmLabels.size(), 2);
}

// Overlap 1 with adjudicate-consensus on: q1 (consensus yes) reviewed yes: fine; q4 (consensus
// no) reviewed yes: adjudication, "reviewer differs from the consensus"; q5 (consensus no)
// flagged: adjudication. With the setting off, none of them.
void TestAdjudication::consensusModeWithOverlapOne()
{
    TeamSettings st = withOverlap(1);
    st.adjudicateConsensus = true;
    ProjectStore s;
    s.open(project(st));
    reviewAll(s, {{"ana", "q1", "yes"}, {"ana", "q4", "yes"}, {"bo", "q5", "flag"}});
    const QList<AdjudicationCase> q = adjudicationQueue(s);
    QCOMPARE(ids(q), (QStringList{"q4", "q5"}));
    QCOMPARE(q[0].reason, QStringLiteral("reviewer differs from the consensus"));
    QCOMPARE(teamProgress(s).inAdjudication, 2);
    st.adjudicateConsensus = false;
    setTeamSettings(s, st);
    QVERIFY(adjudicationQueue(s).isEmpty());
    QCOMPARE(teamProgress(s).inAdjudication, 0);
}

// On the server: a reviewer's insert of an adjudication is refused by row-level security
// (nothing stored), an ordinary decision of the same reviewer goes in, and an adjudicator's
// adjudication goes in under its login.
void TestAdjudication::reviewerCannotAdjudicateOnServer()
{
    if (serverUri().isEmpty())
        QSKIP("no PostgreSQL test server (CHORUS_TEST_PG_STATE / CHORUS_TEST_PG_URI)");
    const QString uri = serverProjectLocation(*m_dir, QStringLiteral("adjroles.chorus"));
    {
        QByteArray csv = "item,annotator,label\nr1,m1,yes\nr2,m1,no\n";
        const QString file = m_dir->filePath(QStringLiteral("r.csv"));
        QVERIFY(writeFile(file, csv));
        ProjectStore s;
        s.open(uri, ProjectStore::Mode::CreateNew);
        importFile(s, file);
        initTeam(s);
        addLogins(s, {{"adj_rev", TeamRole::Reviewer}, {"adj_judge", TeamRole::Adjudicator}});
    }
    auto as = [&](const QString& login) { return asLogin(uri, login); };
    {
        ProjectStore reviewer;
        reviewer.open(as(QStringLiteral("adj_rev")));
        bool refused = false;
        try {
            adjudicateItem(reviewer, itemId(reviewer, "r1"), labelId(reviewer, "no"));
        } catch (const Error& e) {
            refused = true;
            qInfo("refused as expected: %s", qPrintable(e.message()));
        }
        QVERIFY(refused);
        QCOMPARE(reviewer.scalar(QStringLiteral("SELECT COUNT(*) FROM decisions")).toInt(), 0);
        Decision d;
        d.itemId = itemId(reviewer, "r1");
        d.action = QStringLiteral("label");
        d.labelId = labelId(reviewer, "yes");
        d.status = ReviewStatus::Reviewed;
        QVERIFY(decideItem(reviewer, d).id > 0);
    }
    {
        ProjectStore judge;
        judge.open(as(QStringLiteral("adj_judge")));
        QVERIFY(adjudicateItem(judge, itemId(judge, "r1"), labelId(judge, "no")).id > 0);
        QCOMPARE(judge.scalar(QStringLiteral("SELECT author FROM decisions WHERE action = 'adjudicate'")).toString(),
                 QStringLiteral("adj_judge"));
    }
}

// The Insights job on the team's view. Reviews: q1 ana yes, bo yes; q2 ana yes, bo no; q4 ana
// yes, cy flag (INVALID, left out). Reviewers alone: annotators reviewer:ana, reviewer:bo,
// reviewer:cy; agreement over the items with two valid labels, q1 (agree) and q2 (disagree):
// percent agreement 1/2. Against the adjudicated labels (dee: q2 = no): ana 0 of 1, bo 1 of 1.
// With the annotators: m1, m2, then the three reviewers.
void TestAdjudication::insightsOfTheReviewers()
{
    const QString path = project(withOverlap(2));
    ProjectStore s;
    s.open(path);
    reviewAll(s, {{"ana", "q1", "yes"}, {"bo", "q1", "yes"}, {"ana", "q2", "yes"}, {"bo", "q2", "no"},
                  {"ana", "q4", "yes"}, {"cy", "q4", "flag"}});
    adjudicate(s, "dee", "q2", "no");
    const Snapshot snap = loadSnapshot(s);
    const RunData consensus = loadRun(s, snap);
    auto run = [&](DashboardCrowd crowd, DashboardParts parts) {
        DashboardRequest req;
        req.parts = parts;
        req.crowd = crowd;
        req.adjudicatedTruth = true;
        req.bootstrapReplicates = 0;
        req.scoreReplicates = 0;
        const JobResult<DashboardData> r = dashboardAsync(QThreadPool::globalInstance(), path, snap, consensus, req).result();
        if (!r.ok())
            qFatal("dashboard job: %s", qPrintable(r.error));
        return r.value;
    };
    const DashboardData reviewers = run(DashboardCrowd::Reviewers, DashboardPart::Agreement | DashboardPart::Overview);
    QCOMPARE(reviewers.annotators, (QStringList{"reviewer:ana", "reviewer:bo", "reviewer:cy"}));
    QCOMPARE(reviewers.agreement.agreement.itemsUsed, 2);
    QCOMPARE(reviewers.agreement.agreement.percentAgreement.value, 0.5);
    QCOMPARE(reviewers.evaluation.goldItems, int64_t(1));
    QCOMPARE(reviewers.evaluation.annotators[0].result.accuracy, 0.0);
    QCOMPARE(reviewers.evaluation.annotators[1].result.accuracy, 1.0);
    const DashboardData both = run(DashboardCrowd::Both, DashboardPart::Overview);
    QCOMPARE(both.annotators, (QStringList{"m1", "m2", "reviewer:ana", "reviewer:bo", "reviewer:cy"}));
}

QTEST_GUILESS_MAIN(TestAdjudication)
#include "tst_adjudication.moc"
