// Team review in the GUI (issue #20, docs/team.md), against the throwaway PostgreSQL server of
// the ctest fixture `pgserver`: two Chorus main windows on one server project, the project's
// manager (the test server's superuser, who created it) and a reviewer login. The reviewer's
// window opens in My queue (its role is reviewer) holding every item; a decision made with the
// review keys in one window appears in the other's review table within 2 s, without a reload
// (LISTEN/NOTIFY on each window's own connection); another connection's claims show in the
// Team panel; closing the reviewer's window gives its claims back. Expected values: the
// labels the keys stand for (a/b/c, keys 1/2/3) and the claim rows counted through a raw
// connection (tests/model/projectdump.h).

#include "../model/projectdump.h"
#include "teamprojects.h"
#include "testprojects.h"

#include "itemtablemodel.h"
#include "mainwindow.h"
#include "mainwindowfixture.h"
#include "serverguitest.h"
#include "teammode.h"
#include "teampanel.h"
#include "teamreview.h"
#include "workbench.h"

#include <QAction>
#include <QApplication>
#include <QLabel>
#include <QTableView>
#include <QTableWidget>
#include <QtTest>

using namespace chorus;

namespace {

const char* const kData = test::kFourItemsJsonl;  // i1..i4, labels a/b/c (keys 1/2/3)

// The review table's Human cell of an item ("" when the item is not on show).
QString humanCell(ui::MainWindow& w, const QString& extId)
{
    auto* model = w.workbench()->tableModel();
    const int row = model->rowOf(w.workbench()->snapshot().itemIndex(extId));
    return row < 0 ? QString() : model->index(row, model::ItemTableModel::ColHuman).data().toString();
}

// A Team panel's cell of a reviewer ("" when the reviewer has no row).
QString teamCell(ui::MainWindow& w, const QString& reviewer, int column)
{
    const QTableWidget* t = w.teamMode()->panel()->table();
    for (int r = 0; r < t->rowCount(); ++r)
        if (t->item(r, ui::TeamPanel::ColReviewer)->data(Qt::UserRole).toString() == reviewer)
            return t->item(r, column)->text();
    return {};
}

QStringList tableIds(QTableView* table)
{
    QStringList ids;
    for (int r = 0; r < table->model()->rowCount(); ++r)
        ids << table->model()->index(r, model::ItemTableModel::ColId).data().toString();
    return ids;
}

int claimRows(const QString& location, const QString& reviewer)
{
    int n = -1;
    test::withRawConnection(location, [&](QSqlDatabase& db) {
        QSqlQuery q(db);
        q.prepare(QStringLiteral("SELECT COUNT(*) FROM claims WHERE reviewer = ?"));
        q.addBindValue(reviewer);
        if (q.exec() && q.next())
            n = q.value(0).toInt();
    });
    return n;
}

void activate(ui::MainWindow& w)
{
    QApplication::setActiveWindow(&w);
    QVERIFY(QTest::qWaitForWindowActive(&w));
}

} // namespace

class TestTeamLive : public test::ServerGuiTest
{
    Q_OBJECT

    // A team project NAME.chorus on the test server holding kData (written to NAME.jsonl), with
    // `overlap` reviewers per item, 30-minute leases and the logins `reviewers`; empty when the
    // data could not be written. Removed at the end of the test case, passed or not.
    QString teamProject(const QString& name, int overlap, const QStringList& reviewers)
    {
        const QString location = test::serverProjectLocation(m_dir, name + QStringLiteral(".chorus"));
        const QString data = m_dir.filePath(name + QStringLiteral(".jsonl"));
        if (!test::writeFile(data, kData))
            return {};
        test::makeTeamProject(location, data, overlap, 30, reviewers);
        return removedAtEnd(location);
    }

private slots:

    void twoWindowsSeeEachOther()
    {
        // Overlap 2: the reviewer and one more may each hold every item.
        const QString location = teamProject(QStringLiteral("live"), 2, {QStringLiteral("rev1"), QStringLiteral("rev2")});
        QVERIFY(!location.isEmpty());
        const QString asRev1 = test::asLogin(location, QStringLiteral("rev1"));

        ui::MainWindow manager;
        SHOW_PROJECT(manager, location);
        QVERIFY(manager.teamMode()->isTeamProject());
        QVERIFY(!manager.teamMode()->myQueueAction()->isChecked());  // a manager sees the whole project
        QCOMPARE(manager.table()->model()->rowCount(), 4);

        auto reviewer = std::make_unique<ui::MainWindow>();
        SHOW_PROJECT(*reviewer, asRev1);
        // A reviewer starts in My queue, holding the 4 items (batch 20), in import order.
        QVERIFY(reviewer->teamMode()->myQueueAction()->isChecked());
        QTRY_COMPARE(int(reviewer->teamMode()->queue()->claims().size()), 4);
        QTRY_COMPARE(tableIds(reviewer->table()), (QStringList{"i1", "i2", "i3", "i4"}));
        QCOMPARE(claimRows(location, QStringLiteral("rev1")), 4);
        const auto* lease = reviewer->findChild<QLabel*>(QStringLiteral("queueStatus"));
        QVERIFY(lease && lease->isVisibleTo(reviewer.get()));
        QVERIFY2(lease->text().contains(QStringLiteral("4 to do · lease until ")), qPrintable(lease->text()));

        // The reviewer's claims show in the manager's Team panel.
        QTRY_COMPARE_WITH_TIMEOUT(teamCell(manager, QStringLiteral("rev1"), ui::TeamPanel::ColQueue), QStringLiteral("4"), 2000);

        // Key 2 on i2 in the reviewer's window: label b, within 2 s in the manager's table.
        activate(*reviewer);
        reviewer->selectItem(reviewer->workbench()->snapshot().itemIndex(QStringLiteral("i2")));
        QTest::keyClick(reviewer->table(), Qt::Key_2);
        QVERIFY2(reviewer->lastError().isEmpty(), qPrintable(reviewer->lastError()));
        QCOMPARE(humanCell(*reviewer, QStringLiteral("i2")), QStringLiteral("b"));
        QTRY_COMPARE_WITH_TIMEOUT(humanCell(manager, QStringLiteral("i2")), QStringLiteral("b"), 2000);
        QCOMPARE(claimRows(location, QStringLiteral("rev1")), 3);  // decided: the claim ended
        QTRY_COMPARE_WITH_TIMEOUT(teamCell(manager, QStringLiteral("rev1"), ui::TeamPanel::ColDecided), QStringLiteral("1"), 2000);
        QTRY_COMPARE_WITH_TIMEOUT(teamCell(manager, QStringLiteral("rev1"), ui::TeamPanel::ColQueue), QStringLiteral("3"), 2000);

        // Key 3 on i4 in the manager's window: label c, within 2 s in the reviewer's queue.
        activate(manager);
        manager.selectItem(manager.workbench()->snapshot().itemIndex(QStringLiteral("i4")));
        QTest::keyClick(manager.table(), Qt::Key_3);
        QVERIFY2(manager.lastError().isEmpty(), qPrintable(manager.lastError()));
        QTRY_COMPARE_WITH_TIMEOUT(humanCell(*reviewer, QStringLiteral("i4")), QStringLiteral("c"), 2000);

        // Another connection (rev2, no window) claims 2 items: the manager's panel shows it.
        {
            model::ProjectStore rev2;
            rev2.open(test::asLogin(location, QStringLiteral("rev2")));
            QCOMPARE(int(model::claimItems(rev2, 2).size()), 2);
        }
        QTRY_COMPARE_WITH_TIMEOUT(teamCell(manager, QStringLiteral("rev2"), ui::TeamPanel::ColQueue), QStringLiteral("2"), 2000);

        // Closing the reviewer's window gives its claims back; the manager's panel follows.
        reviewer->close();
        reviewer.reset();
        QCOMPARE(claimRows(location, QStringLiteral("rev1")), 0);
        QCOMPARE(claimRows(location, QStringLiteral("rev2")), 2);
        QTRY_COMPARE_WITH_TIMEOUT(teamCell(manager, QStringLiteral("rev1"), ui::TeamPanel::ColQueue), QStringLiteral("0"), 2000);
        QCOMPARE(teamCell(manager, QStringLiteral("rev1"), ui::TeamPanel::ColDecided), QStringLiteral("1"));
        manager.close();
    }

    // Blind "all": the reviewer's queue says "blind review", its tooltip says what is hidden,
    // and the LLM columns and consensus of an item the reviewer has not decided are empty
    // (the server returns no row; the data have three LLM labels per item). A manager's window
    // says nothing of it.
    void blindReviewerIsTold()
    {
        const QString location = teamProject(QStringLiteral("blind"), 2, {QStringLiteral("rev1")});
        QVERIFY(!location.isEmpty());
        {
            model::ProjectStore s;
            s.open(location);
            model::TeamSettings st = model::teamSettings(s);
            st.blind = model::TeamSettings::Blind::All;
            model::setTeamSettings(s, st);
        }
        ui::MainWindow w;
        SHOW_PROJECT(w, test::asLogin(location, QStringLiteral("rev1")));
        QTRY_COMPARE(int(w.teamMode()->queue()->claims().size()), 4);
        const auto* status = w.findChild<QLabel*>(QStringLiteral("queueStatus"));
        QVERIFY(status);
        QTRY_VERIFY2(status->text().endsWith(QStringLiteral(" · blind review")), qPrintable(status->text()));
        QVERIFY2(status->toolTip().contains(QStringLiteral("LLMs' labels")), qPrintable(status->toolTip()));
        auto* model = w.workbench()->tableModel();
        const int row = model->rowOf(w.workbench()->snapshot().itemIndex(QStringLiteral("i1")));
        QVERIFY(row >= 0);
        for (int c = model::ItemTableModel::FixedColumnCount; c < model->columnCount(); ++c)
            QCOMPARE(model->index(row, c).data().toString(), QString());
        QCOMPARE(model->index(row, model::ItemTableModel::ColConsensus).data().toString(), QString());
        w.close();

        ui::MainWindow manager;
        SHOW_PROJECT(manager, location);
        const auto* managerStatus = manager.findChild<QLabel*>(QStringLiteral("queueStatus"));
        QVERIFY(!managerStatus->isVisibleTo(&manager) || !managerStatus->text().contains(QStringLiteral("blind")));
        manager.close();
    }

    // Leaving My queue (the shortcut) gives the claims back and shows every item; entering it
    // again claims afresh. Closing the project gives them back too.
    void queueToggleAndClose()
    {
        const QString location = teamProject(QStringLiteral("toggle"), 1, {QStringLiteral("rev1")});
        QVERIFY(!location.isEmpty());
        ui::MainWindow w;
        SHOW_PROJECT(w, test::asLogin(location, QStringLiteral("rev1")));
        w.teamMode()->queue()->setBatchSize(2);
        activate(w);
        QTest::keyClick(&w, Qt::Key_Q, Qt::ControlModifier | Qt::ShiftModifier);  // leave
        QVERIFY(!w.teamMode()->myQueueAction()->isChecked());
        QCOMPARE(claimRows(location, QStringLiteral("rev1")), 0);
        QCOMPARE(w.table()->model()->rowCount(), 4);
        QTest::keyClick(&w, Qt::Key_Q, Qt::ControlModifier | Qt::ShiftModifier);  // enter, batch 2
        QVERIFY(w.teamMode()->myQueueAction()->isChecked());
        QTRY_COMPARE(tableIds(w.table()), (QStringList{"i1", "i2"}));
        QCOMPARE(claimRows(location, QStringLiteral("rev1")), 2);
        // A batch of 2 refills at 2 / 4 = 0 items left: after i1 only i2 is held (renewed), and
        // i1 stays in view, decided, until the refill.
        activate(w);
        w.selectItem(w.workbench()->snapshot().itemIndex(QStringLiteral("i1")));
        QTest::keyClick(w.table(), Qt::Key_1);
        QCOMPARE(claimRows(location, QStringLiteral("rev1")), 1);
        QCOMPARE(tableIds(w.table()), (QStringList{"i1", "i2"}));
        // Deciding i2 leaves none: refilled with i3, i4.
        w.selectItem(w.workbench()->snapshot().itemIndex(QStringLiteral("i2")));
        QTest::keyClick(w.table(), Qt::Key_2);
        QTRY_COMPARE(tableIds(w.table()), (QStringList{"i3", "i4"}));
        QCOMPARE(claimRows(location, QStringLiteral("rev1")), 2);
        // File → Close Project gives them back.
        w.workbench()->closeProject();
        QCOMPARE(claimRows(location, QStringLiteral("rev1")), 0);
        QVERIFY(!w.teamMode()->isTeamProject());
    }
};

QTEST_MAIN(TestTeamLive)
#include "tst_teamlive.moc"
