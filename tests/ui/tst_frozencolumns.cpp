// The review table keeps the Id and Consensus columns in place while a reviewer scrolls through
// many annotators (issue #18), at 1366x768: what lies at the left edge after scrolling right is
// the overlay's Id and consensus of the same row, keys that move between rows do not scroll back
// to the left, a scrolled-to cell is never hidden under the overlay, its header sorts, and the
// View menu turns it off.

#include "frozentableview.h"
#include "gui_projecttest.h"
#include "importer.h"
#include "itemtablemodel.h"
#include "mainwindow.h"
#include "workbench.h"

#include <QAction>
#include <QHeaderView>
#include <QScrollBar>
#include <QtTest>

using namespace chorus;
using M = model::ItemTableModel;

class TestFrozenColumns : public test::GuiProjectTest
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QSettings().clear();  // the test settings: GuiProjectTest turned on QStandardPaths' test mode
        // 60 items x 40 annotators: far wider than a 1366 px screen. Ids are numbered in reverse
        // file order so that sorting by Id visibly reorders the rows.
        QByteArray csv = "item,annotator,label\n";
        for (int i = 0; i < 60; ++i)
            for (int a = 0; a < 40; ++a)
                csv += QStringLiteral("item-%1,llm-%2,%3\n")
                           .arg(99 - i, 2, 10, QLatin1Char('0'))
                           .arg(a, 2, 10, QLatin1Char('0'))
                           .arg((i + a) % 3 == 0 ? QStringLiteral("yes") : QStringLiteral("no"))
                           .toUtf8();
        makeProjectFromData(QStringLiteral("wide.csv"), csv, QStringLiteral("wide.chorus"));
    }

    void idAndConsensusStayWhileScrollingRight()
    {
        ui::MainWindow w;
        QVERIFY(openAt1366(w));
        auto* table = qobject_cast<ui::FrozenTableView*>(w.table());
        QVERIFY(table);
        QCOMPARE(table->frozenColumns(), (QList<int>{M::ColId, M::ColConsensus}));
        QTableView* overlay = table->frozenView();
        QVERIFY(overlay->isVisible());
        QCOMPARE(overlay->selectionModel(), table->selectionModel());
        const int covered = table->columnWidth(M::ColId) + table->columnWidth(M::ColConsensus);
        QCOMPARE(overlay->width(), covered);

        QScrollBar* bar = table->horizontalScrollBar();
        QVERIFY(bar->maximum() > covered);  // the table is wider than the screen
        bar->setValue(bar->maximum());
        QApplication::processEvents();
        // At the left edge, row 3: the main view shows some annotator far to the right, and on
        // top of it the overlay shows row 3's Id, then its consensus.
        const int y = table->rowViewportPosition(3) + table->rowHeight(3) / 2;
        const QPoint idPoint(table->columnWidth(M::ColId) / 2, y);
        const QPoint consensusPoint(table->columnWidth(M::ColId) + table->columnWidth(M::ColConsensus) / 2, y);
        QVERIFY(table->indexAt(idPoint).column() >= M::FixedColumnCount);
        QCOMPARE(table->viewport()->childAt(idPoint), nullptr);
        const QPoint inTable = table->viewport()->mapTo(table, idPoint);
        QCOMPARE(table->childAt(inTable), overlay->viewport());
        const QPoint inOverlay = overlay->viewport()->mapFrom(table, inTable);
        QCOMPARE(overlay->indexAt(inOverlay), table->model()->index(3, M::ColId));
        QCOMPARE(overlay->indexAt(overlay->viewport()->mapFrom(table, table->viewport()->mapTo(table, consensusPoint))),
                 table->model()->index(3, M::ColConsensus));

        // J and K move between rows without scrolling back to the left.
        table->setFocus();
        table->setCurrentIndex(table->model()->index(0, M::ColId));
        bar->setValue(bar->maximum());
        for (int k = 0; k < 5; ++k)
            QTest::keyClick(table, Qt::Key_J);
        QCOMPARE(table->currentIndex().row(), 5);
        QCOMPARE(bar->value(), bar->maximum());
        QCOMPARE(overlay->selectionModel()->currentIndex().row(), 5);

        // A cell scrolled to is shown right of the overlay, not under it.
        const QModelIndex first = table->model()->index(5, M::FixedColumnCount);
        table->scrollTo(first);
        QVERIFY(table->visualRect(first).left() >= covered);
        QVERIFY(bar->value() > 0);
    }

    void overlayHeaderSortsAndMenuTurnsItOff()
    {
        ui::MainWindow w;
        QVERIFY(openAt1366(w));
        auto* table = qobject_cast<ui::FrozenTableView*>(w.table());
        QHeaderView* overlayHeader = table->frozenView()->horizontalHeader();
        const int x = overlayHeader->sectionViewportPosition(M::ColId) + overlayHeader->sectionSize(M::ColId) / 2;
        QTest::mouseClick(overlayHeader->viewport(), Qt::LeftButton, {}, QPoint(x, overlayHeader->height() / 2));
        QCOMPARE(table->horizontalHeader()->sortIndicatorSection(), int(M::ColId));
        // Ascending by Id: item-40 (the last file row) first, item-99 last.
        QCOMPARE(table->model()->index(0, M::ColId).data().toString(), QStringLiteral("item-40"));
        QTest::mouseClick(overlayHeader->viewport(), Qt::LeftButton, {}, QPoint(x, overlayHeader->height() / 2));
        QCOMPARE(table->model()->index(0, M::ColId).data().toString(), QStringLiteral("item-99"));

        // Hiding the consensus column leaves Id frozen alone.
        table->setColumnHidden(M::ColConsensus, true);
        table->updateFrozen();
        QCOMPARE(table->frozenColumns(), QList<int>{M::ColId});
        table->setColumnHidden(M::ColConsensus, false);
        table->updateFrozen();

        QAction* freeze = w.findChild<QAction*>(QStringLiteral("freezeColumns"));
        QVERIFY(freeze);
        QVERIFY(freeze->isChecked());
        freeze->trigger();
        QVERIFY(!table->frozenView()->isVisible());
        QVERIFY(table->frozenColumns().isEmpty());
        freeze->trigger();
        QVERIFY(table->frozenView()->isVisible());
        QCOMPARE(table->frozenColumns(), (QList<int>{M::ColId, M::ColConsensus}));
    }

private:
    bool openAt1366(ui::MainWindow& w)
    {
        w.resize(1366, 768);
        w.show();
        return QTest::qWaitForWindowExposed(&w) && w.openProject(m_project);
    }
};

QTEST_MAIN(TestFrozenColumns)
#include "tst_frozencolumns.moc"
