// The adjudication queue in the GUI (issue #20): on a project file where two reviewers (taking
// turns as $USER) disagree on q1 and agree on q2, Review > Adjudication Queue lists q1 only, with
// both reviewers' labels by name and the LLM's label; selecting the row shows q1 in the review
// table; the number key of "no" stores an adjudication with that label before the row
// says so, the item's current label becomes "no", and after the queue is read again q1 has left
// it; a later review by a third reviewer does not replace the final label when the window reads
// the item again. Expected values are worked out by hand from the data written in the test.

#include "adjudication.h"
#include "adjudicationpanel.h"
#include "importer.h"
#include "mainwindow.h"
#include "mainwindowfixture.h"
#include "teamreview.h"
#include "files.h"
#include "workbench.h"

#include <QStandardItemModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

using namespace chorus;

class TestAdjudicationPanel : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const QString csv = m_dir.filePath(QStringLiteral("a.csv"));
        QVERIFY(chorus::test::writeFile(csv, "item,annotator,label\nq1,m1,yes\nq2,m1,no\nq3,m1,yes\n"));
        m_project = m_dir.filePath(QStringLiteral("p.chorus"));
        model::ProjectStore s;
        s.open(m_project, model::ProjectStore::Mode::CreateNew);
        model::importFile(s, csv);
        model::TeamSettings st;
        st.overlap = 2;
        model::setTeamSettings(s, st);
        const qint64 yes = s.scalar(QStringLiteral("SELECT id FROM labels WHERE name = 'yes'")).toLongLong();
        const qint64 no = s.scalar(QStringLiteral("SELECT id FROM labels WHERE name = 'no'")).toLongLong();
        auto review = [&](const char* who, const char* item, qint64 label) {
            qputenv("USER", who);
            model::Decision d;
            d.itemId = s.scalar(QStringLiteral("SELECT id FROM items WHERE ext_id = ?"), {QString::fromLatin1(item)}).toLongLong();
            d.action = QStringLiteral("label");
            d.labelId = label;
            d.status = model::ReviewStatus::Reviewed;
            model::decideItem(s, d);
        };
        review("ana", "q1", yes);
        review("bo", "q1", no);
        review("ana", "q2", no);
        review("bo", "q2", no);
        qputenv("USER", m_user);
    }

    void adjudicateWithANumberKey()
    {
        ui::MainWindow w;
        SHOW_PROJECT(w, m_project);
        w.showAdjudication();
        ui::AdjudicationPanel* panel = w.adjudicationPanel();
        QTRY_COMPARE_WITH_TIMEOUT(panel->cases().size(), 1, 10000);
        QCOMPARE(panel->cases()[0].extId, QStringLiteral("q1"));
        const QAbstractItemModel* m = panel->table()->model();
        QCOMPARE(m->data(m->index(0, ui::AdjudicationPanel::ColReviews)).toString(), QStringLiteral("ana: yes · bo: no"));
        QCOMPARE(m->data(m->index(0, ui::AdjudicationPanel::ColLlms)).toString(), QStringLiteral("m1: yes"));
        panel->table()->selectRow(0);
        const model::Snapshot& s = w.workbench()->snapshot();
        const int32_t q1 = static_cast<int32_t>(s.itemExtIds.indexOf(QStringLiteral("q1")));
        QCOMPARE(w.currentItem(), q1);
        // The number key of "no" is its place in the project's label order, plus one.
        const int no = static_cast<int>(s.labels.indexOf(QStringLiteral("no")));
        QVERIFY(no >= 0);

        panel->table()->setFocus();
        QTest::keyClick(panel->table(), static_cast<Qt::Key>(Qt::Key_1 + no));
        QCOMPARE(m->data(m->index(0, ui::AdjudicationPanel::ColFinal)).toString(), QStringLiteral("no"));
        {
            model::ProjectStore check;
            check.open(m_project);
            QCOMPARE(check.scalar(QStringLiteral("SELECT l.name FROM decisions d JOIN labels l ON l.id = d.label_id "
                                                 "WHERE d.action = 'adjudicate'"))
                         .toString(),
                     QStringLiteral("no"));
        }
        QCOMPARE(s.humanLabel[q1], no);
        QCOMPARE(s.adjudicated[q1], uint8_t(1));
        // Read again: nothing left to adjudicate.
        panel->refresh();
        QTRY_COMPARE_WITH_TIMEOUT(panel->cases().size(), 0, 10000);
        // A late review of yes by eve (another writer) does not replace the adjudicated label
        // when the window reads the item again (as live updates do).
        {
            model::ProjectStore other;
            other.open(m_project);
            qputenv("USER", "eve");
            model::Decision d;
            d.itemId = s.itemIds[q1];
            d.action = QStringLiteral("label");
            d.labelId = s.labelIds[s.labels.indexOf(QStringLiteral("yes"))];
            d.status = model::ReviewStatus::Reviewed;
            QVERIFY(model::decideItem(other, d).late);
            qputenv("USER", m_user);
        }
        w.workbench()->refreshItems({s.itemIds[q1]});
        QCOMPARE(s.humanLabel[q1], no);
    }

private:
    QTemporaryDir m_dir;
    QString m_project;
    QByteArray m_user = qgetenv("USER");
};

QTEST_MAIN(TestAdjudicationPanel)
#include "tst_adjudicationpanel.moc"
