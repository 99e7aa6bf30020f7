// Blind review on the PostgreSQL test server (issue #20, docs/team.md): a reviewer's login
// cannot read other reviewers' decisions on an item before the item has its `overlap` reviews
// (blind "reviewers"), nor, with blind "all", any LLM label or saved consensus of an item it
// has not decided and that is not complete; by any query, since the rows are filtered by the
// server (row-level security). Adjudicators read everything. Expected row counts are worked out
// by hand from the data written in the test.

#include "projectdump.h"
#include "teamprojects.h"
#include "testprojects.h"

#include "importer.h"
#include "runstore.h"
#include "snapshot.h"
#include "adjudication.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace chorus::model;

namespace {

int count(ProjectStore& s, const QString& sql, const QVariantList& params = {})
{
    return s.scalar(sql, params).toInt();
}

void decide(ProjectStore& s, const QString& ext, const QString& label)
{
    Decision d;
    d.itemId = s.scalar(QStringLiteral("SELECT id FROM items WHERE ext_id = ?"), {ext}).toLongLong();
    d.action = QStringLiteral("label");
    d.labelId = s.scalar(QStringLiteral("SELECT id FROM labels WHERE name = ?"), {label}).toLongLong();
    d.status = ReviewStatus::Reviewed;
    decideItem(s, d);
}

// The project opened by each member as its own login: as.ana, as.bo (reviewers), as.dee
// (adjudicator).
struct Members
{
    explicit Members(const QString& uri)
    {
        ana.open(chorus::test::asLogin(uri, QStringLiteral("blind_ana")));
        bo.open(chorus::test::asLogin(uri, QStringLiteral("blind_bo")));
        dee.open(chorus::test::asLogin(uri, QStringLiteral("blind_dee")));
    }
    ProjectStore ana, bo, dee;
};

} // namespace

class TestBlindReview : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void blindToOtherReviewers();
    void blindToEverything();
    void displayNames();

private:
    void setBlind(TeamSettings::Blind b);
    QTemporaryDir m_dir;
    QString m_uri;
    // Item ids by external id, read as the admin.
    qint64 m_b1 = 0, m_b2 = 0, m_b3 = 0;
};

// Items b1-b3, each labelled by two LLMs (m1, m2); a saved run with a consensus for each item;
// overlap 2; reviewers blind_ana and blind_bo, adjudicator blind_dee.
void TestBlindReview::initTestCase()
{
    if (chorus::test::serverUri().isEmpty())
        QSKIP("no PostgreSQL test server (CHORUS_TEST_PG_STATE / CHORUS_TEST_PG_URI)");
    QVERIFY(m_dir.isValid());
    const QString file = m_dir.filePath(QStringLiteral("b.csv"));
    QVERIFY(chorus::test::writeFile(file, "item,annotator,label\nb1,m1,yes\nb1,m2,no\nb2,m1,yes\nb2,m2,yes\n"
                                          "b3,m1,no\nb3,m2,no\n"));
    m_uri = chorus::test::serverProjectLocation(m_dir, QStringLiteral("blind.chorus"));
    ProjectStore s;
    s.open(m_uri, ProjectStore::Mode::CreateNew);
    importFile(s, file);
    const Snapshot snap = loadSnapshot(s);
    chorus::agg::AggregationResult r;
    r.numLabels = snap.numLabels();
    for (int32_t i = 0; i < snap.numItems(); ++i) {
        r.labels.push_back(0);
        for (int32_t k = 0; k < r.numLabels; ++k)
            r.posterior.push_back(k == 0 ? 1.0 : 0.0);
    }
    r.competence.assign(snap.annotators.size(), 0.5);
    saveRun(s, snap, QStringLiteral("hand"), QStringLiteral("{}"), r, 0.0);
    TeamSettings st;
    st.overlap = 2;
    setTeamSettings(s, st);
    initTeam(s);
    chorus::test::addLogins(s, {{"blind_ana", TeamRole::Reviewer},
                                {"blind_bo", TeamRole::Reviewer},
                                {"blind_dee", TeamRole::Adjudicator}});
    m_b1 = s.scalar(QStringLiteral("SELECT id FROM items WHERE ext_id = 'b1'")).toLongLong();
    m_b2 = s.scalar(QStringLiteral("SELECT id FROM items WHERE ext_id = 'b2'")).toLongLong();
    m_b3 = s.scalar(QStringLiteral("SELECT id FROM items WHERE ext_id = 'b3'")).toLongLong();
}

void TestBlindReview::setBlind(TeamSettings::Blind b)
{
    ProjectStore s;
    s.open(m_uri);
    TeamSettings st = teamSettings(s);
    st.blind = b;
    setTeamSettings(s, st);
}

// Blind "reviewers". ana labels b1. bo sees none of it, however asked: all rows, by item, by
// author, through a join, as an aggregate, through the review state the GUI loads. ana sees
// her own, dee (adjudicator) sees it. LLM labels stay visible to both. When bo has labelled
// b1 too (b1 complete), bo sees both decisions.
void TestBlindReview::blindToOtherReviewers()
{
    setBlind(TeamSettings::Blind::Reviewers);
    Members as(m_uri);
    decide(as.ana, QStringLiteral("b1"), QStringLiteral("yes"));

    QCOMPARE(count(as.bo, QStringLiteral("SELECT COUNT(*) FROM decisions")), 0);
    QCOMPARE(count(as.bo, QStringLiteral("SELECT COUNT(*) FROM decisions WHERE item_id = ?"), {m_b1}), 0);
    QCOMPARE(count(as.bo, QStringLiteral("SELECT COUNT(*) FROM decisions WHERE author = 'blind_ana'")), 0);
    QCOMPARE(count(as.bo, QStringLiteral("SELECT COUNT(d.id) FROM items i JOIN decisions d ON d.item_id = i.id")), 0);
    QCOMPARE(count(as.bo, QStringLiteral("SELECT COUNT(*) FROM (SELECT MAX(label_id) m FROM decisions GROUP BY item_id) x")), 0);
    QVERIFY(reviewState(as.bo).reviews.empty());
    QCOMPARE(count(as.ana, QStringLiteral("SELECT COUNT(*) FROM decisions")), 1);
    QCOMPARE(count(as.dee, QStringLiteral("SELECT COUNT(*) FROM decisions")), 1);
    QCOMPARE(count(as.bo, QStringLiteral("SELECT COUNT(*) FROM annotations")), 6);
    QCOMPARE(count(as.bo, QStringLiteral("SELECT COUNT(*) FROM run_items")), 3);

    decide(as.bo, QStringLiteral("b1"), QStringLiteral("no"));
    QCOMPARE(count(as.bo, QStringLiteral("SELECT COUNT(*) FROM decisions WHERE item_id = ?"), {m_b1}), 2);
    QCOMPARE(count(as.ana, QStringLiteral("SELECT COUNT(*) FROM decisions WHERE item_id = ?"), {m_b1}), 2);
    const auto st = reviewState(as.bo);
    QCOMPARE(st.reviews.at(m_b1).size(), 2);
}

// Blind "all" (b1 is complete from the test before). ana sees the LLM labels and the saved
// consensus of b1 only (2 annotations, 1 run item); after labelling b3 also b3's (4, 2), while
// bo still sees b1's only. dee sees all 6 and 3 throughout. Back to "none", bo sees everything.
void TestBlindReview::blindToEverything()
{
    setBlind(TeamSettings::Blind::All);
    Members as(m_uri);
    QCOMPARE(count(as.ana, QStringLiteral("SELECT COUNT(*) FROM annotations")), 2);
    QCOMPARE(count(as.ana, QStringLiteral("SELECT COUNT(*) FROM annotations WHERE item_id = ?"), {m_b2}), 0);
    QCOMPARE(count(as.ana, QStringLiteral("SELECT COUNT(*) FROM run_items")), 1);
    decide(as.ana, QStringLiteral("b3"), QStringLiteral("no"));
    QCOMPARE(count(as.ana, QStringLiteral("SELECT COUNT(*) FROM annotations")), 4);
    QCOMPARE(count(as.ana, QStringLiteral("SELECT COUNT(*) FROM run_items")), 2);
    QCOMPARE(count(as.bo, QStringLiteral("SELECT COUNT(*) FROM annotations")), 2);
    QCOMPARE(count(as.bo, QStringLiteral("SELECT COUNT(*) FROM annotations WHERE item_id = ?"), {m_b3}), 0);
    QCOMPARE(count(as.bo, QStringLiteral("SELECT COUNT(*) FROM decisions WHERE item_id = ?"), {m_b3}), 0);
    QCOMPARE(count(as.dee, QStringLiteral("SELECT COUNT(*) FROM annotations")), 6);
    QCOMPARE(count(as.dee, QStringLiteral("SELECT COUNT(*) FROM run_items")), 3);
    // The snapshot a blind reviewer's GUI loads has b2's and b3's rows without their labels.
    const Snapshot snap = loadSnapshot(as.bo);
    QCOMPARE(snap.numItems(), 3);
    QCOMPARE(snap.matrix.numAnnotations(), int64_t(2));
    setBlind(TeamSettings::Blind::None);
    QCOMPARE(count(as.bo, QStringLiteral("SELECT COUNT(*) FROM annotations")), 6);
    QCOMPARE(count(as.bo, QStringLiteral("SELECT COUNT(*) FROM decisions")), 3);  // ana b1, bo b1, ana b3
}

// The manager names the reviewers; every member reads the names; a reviewer cannot rename
// anyone (meta is the manager's).
void TestBlindReview::displayNames()
{
    {
        ProjectStore admin;
        admin.open(m_uri);
        setDisplayName(admin, QStringLiteral("blind_ana"), QStringLiteral("Ana Lima"));
    }
    ProjectStore bo;
    bo.open(chorus::test::asLogin(m_uri, QStringLiteral("blind_bo")));
    QCOMPARE(displayName(bo, QStringLiteral("blind_ana")), QStringLiteral("Ana Lima"));
    QCOMPARE(displayName(bo, QStringLiteral("blind_bo")), QStringLiteral("blind_bo"));
    QCOMPARE(chorus::model::displayNames(bo).size(), 1);
    QVERIFY_THROWS_EXCEPTION(Error, setDisplayName(bo, QStringLiteral("blind_ana"), QStringLiteral("X")));
    QCOMPARE(displayName(bo, QStringLiteral("blind_ana")), QStringLiteral("Ana Lima"));
}

QTEST_GUILESS_MAIN(TestBlindReview)
#include "tst_blindreview.moc"
