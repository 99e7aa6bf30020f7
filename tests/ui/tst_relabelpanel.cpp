// The relabel queue with a human reviewer: the queue follows posterior uncertainty (derived
// by hand below), the review table shows it in order, reviewing spends the budget, and the
// gold simulation plots one curve per strategy.

#include "filterbar.h"
#include "gui_projecttest.h"
#include "importer.h"
#include "mainwindow.h"
#include "mainwindowfixture.h"
#include "relabelpanel.h"
#include "workbench.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QSpinBox>
#include <QProgressBar>
#include <QSignalSpy>
#include <QTableView>
#include <QtTest>

using namespace chorus;

namespace {

// Majority-vote posteriors (vote shares) and their entropies, by hand:
//   i1 a,a,a    -> (1, 0, 0)        H = 0
//   i2 a,a,b    -> (2/3, 1/3, 0)    H = ln 3 - (2/3) ln 2 = 0.6365
//   i3 a,b,c    -> (1/3, 1/3, 1/3)  H = ln 3            = 1.0986
//   i4 b,b,b    -> (0, 1, 0)        H = 0
//   i5 a,a,a,b  -> (3/4, 1/4, 0)    H = 2 ln 2 - (3/4) ln 3 = 0.5623
//   i6 c,c      -> (0, 0, 1)        H = 0
// so the two most uncertain items are i3 then i2.
const char* const kData =
    "{\"label_set\":[\"a\",\"b\",\"c\"],\"id\":\"i1\",\"labels\":{\"m1\":\"a\",\"m2\":\"a\",\"m3\":\"a\"},\"gold\":\"a\"}\n"
    "{\"id\":\"i2\",\"labels\":{\"m1\":\"a\",\"m2\":\"a\",\"m3\":\"b\"},\"gold\":\"b\"}\n"
    "{\"id\":\"i3\",\"labels\":{\"m1\":\"a\",\"m2\":\"b\",\"m3\":\"c\"},\"gold\":\"c\"}\n"
    "{\"id\":\"i4\",\"labels\":{\"m1\":\"b\",\"m2\":\"b\",\"m3\":\"b\"},\"gold\":\"b\"}\n"
    "{\"id\":\"i5\",\"labels\":{\"m1\":\"a\",\"m2\":\"a\",\"m3\":\"a\",\"m4\":\"b\"},\"gold\":\"a\"}\n"
    "{\"id\":\"i6\",\"labels\":{\"m1\":\"c\",\"m2\":\"c\"},\"gold\":\"c\"}\n";

template <typename T>
T* child(QWidget* w, int index = 0)
{
    const auto all = w->findChildren<T*>();
    return index < all.size() ? all[index] : nullptr;
}

} // namespace

class TestRelabelPanel : public test::GuiProjectTest
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        makeProjectFromData(QStringLiteral("d.jsonl"), kData, QStringLiteral("p.chorus"));
    }

    void queueReviewAndBudget()
    {
        ui::MainWindow w;
        SHOW_PROJECT(w, m_project);
        ui::RelabelPanel* panel = w.relabelPanel();
        // Strategy "uncertainty", 2 items per round, budget 2, cost 1.
        auto* strategy = child<QComboBox>(panel, 0);
        strategy->setCurrentIndex(strategy->findData(QStringLiteral("uncertainty")));
        child<QSpinBox>(panel, 0)->setValue(2);
        child<QDoubleSpinBox>(panel, 0)->setValue(2);  // budget
        child<QDoubleSpinBox>(panel, 1)->setValue(1);  // cost per item
        QVERIFY(panel->buildQueue());
        const auto& s = w.workbench()->snapshot();
        QCOMPARE(panel->queue().size(), size_t(2));
        QCOMPARE(s.itemExtIds[panel->queue()[0]], QStringLiteral("i3"));
        QCOMPARE(s.itemExtIds[panel->queue()[1]], QStringLiteral("i2"));

        emit panel->reviewQueue(panel->queue());
        QCOMPARE(w.table()->model()->rowCount(), 2);
        QCOMPARE(w.currentItem(), panel->queue()[0]);  // queue order, not id order
        QCOMPARE(panel->spent(), 0.0);
        QVERIFY(QTest::qWaitForWindowActive(&w));
        w.table()->setFocus();
        QCOMPARE(QApplication::focusWidget(), static_cast<QWidget*>(w.table()));
        QTest::keyClick(w.table(), Qt::Key_3);  // the reviewer labels i3 as c
        QCOMPARE(panel->spent(), 1.0);
        QCOMPARE(child<QProgressBar>(panel)->value(), 100);  // hundredths of the budget unit
        QTest::keyClick(w.table(), Qt::Key_Backspace);  // undo: nothing spent
        QCOMPARE(panel->spent(), 0.0);

        // Items a human already decided are not offered again.
        QVERIFY(w.workbench()->setHumanLabel({panel->queue()[0]}, 2));
        QVERIFY(panel->buildQueue());
        QCOMPARE(s.itemExtIds[panel->queue()[0]], QStringLiteral("i2"));
        QCOMPARE(s.itemExtIds[panel->queue()[1]], QStringLiteral("i5"));
    }

    void simulationPlotsEveryStrategy()
    {
        ui::MainWindow w;
        w.setQuietErrors(true);
        QVERIFY(w.openProject(m_project));
        ui::RelabelPanel* panel = w.relabelPanel();
        QSignalSpy done(panel, &ui::RelabelPanel::simulationFinished);
        panel->simulate();
        QVERIFY(done.wait(20000));
        QCOMPARE(done.takeFirst().at(0).toBool(), true);
        QCOMPARE(child<QChartView>(panel)->chart()->series().size(), 3);  // greedy, uncertainty, random
    }
};

QTEST_MAIN(TestRelabelPanel)
#include "tst_relabelpanel.moc"
