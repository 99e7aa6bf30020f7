// The Insights dashboard computes per tab, on demand: a hidden tab is not computed, a computed
// tab is cached until the data it uses changes, a newer request cancels the running job and
// only the newest result is applied, Cancel stops the job, and the status line names the
// running stage. On a synthetic crowd imported like a user's CSV (20,000 items x 10 of 40
// annotators, gold on every item).

#include "dashboard.h"
#include "dashboardwait.h"
#include "gui_projecttest.h"
#include "importer.h"
#include "mainwindow.h"
#include "mainwindowfixture.h"
#include "methods.h"
#include "workbench.h"

#include <QFile>
#include <QSignalSpy>
#include <QTabWidget>
#include <QtTest>

#include <random>

using namespace chorus;
using model::DashboardPart;

using test::waitForParts;

class TestDashboardLazy : public test::GuiProjectTest
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const QString answers = m_dir.filePath(QStringLiteral("answers.csv"));
        const QString gold = m_dir.filePath(QStringLiteral("gold.csv"));
        {
            QFile a(answers), g(gold);
            QVERIFY(a.open(QIODevice::WriteOnly) && g.open(QIODevice::WriteOnly));
            std::mt19937_64 rng(3);
            QByteArray ab = "item,annotator,label\n", gb = "item,label\n";
            std::vector<int> pool(40);
            std::iota(pool.begin(), pool.end(), 0);
            for (int i = 0; i < 20000; ++i) {
                const int truth = static_cast<int>(rng() % 4);
                gb += "i" + QByteArray::number(i) + ",c" + QByteArray::number(truth) + '\n';
                for (int k = 0; k < 10; ++k) {
                    std::swap(pool[k], pool[k + static_cast<int>(rng() % (40 - k))]);
                    const int l = rng() % 100 < static_cast<unsigned>(40 + pool[k]) ? truth : static_cast<int>(rng() % 4);
                    ab += "i" + QByteArray::number(i) + ",w" + QByteArray::number(pool[k]) + ",c" + QByteArray::number(l) + '\n';
                }
            }
            a.write(ab);
            g.write(gb);
        }
        model::ImportOptions o;
        o.goldFile = gold;
        makeProjectFromFile(QStringLiteral("crowd.chorus"), answers, o);
    }

    // Only the shown tab's part is computed; a computed part is reused; the consensus changes
    // only the parts that use it.
    void hiddenTabsAreNotComputed()
    {
        ui::MainWindow w;
        QVERIFY(test::showAtSize(w, {1200, 800}, m_project));
        ui::Dashboard* d = w.dashboard();
        QCOMPARE(d->jobsStarted(), 0);  // not shown yet: nothing computed
        w.showPage(1);
        QVERIFY(waitForParts(d, DashboardPart::Overview));
        QTest::qWait(600);  // past the refresh delay: nothing else starts
        QCOMPARE(int(d->computedParts()), int(DashboardPart::Overview));
        QCOMPARE(int(d->computingParts()), 0);
        QCOMPARE(d->jobsStarted(), 1);
        QVERIFY(d->data().evaluation.methods.empty());
        QVERIFY(d->data().agreement.agreement.cohenPairs.empty());

        d->tabs()->setCurrentIndex(ui::Dashboard::TabAgreement);
        QVERIFY(waitForParts(d, DashboardPart::Agreement));
        QCOMPARE(int(d->computedParts()), int(DashboardPart::Overview | DashboardPart::Agreement));
        QCOMPARE(d->jobsStarted(), 2);
        QVERIFY(!d->data().agreement.agreement.cohenPairs.empty());

        // Cached: the other overview tabs and a return to Agreement start nothing.
        for (int tab : {int(ui::Dashboard::TabConfusion), int(ui::Dashboard::TabLabels), int(ui::Dashboard::TabCompetence),
                        int(ui::Dashboard::TabAgreement)})
            d->tabs()->setCurrentIndex(tab);
        QTest::qWait(600);
        QCOMPARE(d->jobsStarted(), 2);

        // A new consensus invalidates the overview (consensus confusion and competence) but
        // not agreement; the shown tab (Agreement) needs nothing, so nothing runs until the
        // overview is shown again.
        agg::AggregationInput in;
        const auto& s = w.workbench()->snapshot();
        in.matrix = &s.matrix;
        w.workbench()->setConsensus(model::runFromResult(s, QStringLiteral("ds"), agg::aggregate("ds", in)));
        QCOMPARE(int(d->computedParts()), int(DashboardPart::Agreement));
        QTest::qWait(600);
        QCOMPARE(d->jobsStarted(), 2);
        d->tabs()->setCurrentIndex(ui::Dashboard::TabCompetence);
        QVERIFY(waitForParts(d, DashboardPart::Overview));
        QCOMPARE(d->jobsStarted(), 3);
        QCOMPARE(d->data().consensusMethod, QStringLiteral("ds"));
    }

    // A newer request cancels the running job; the stale job's result is never applied, only
    // the newest. Cancel stops a job without a result.
    void newerRequestCancelsStaleJob()
    {
        ui::MainWindow w;
        QVERIFY(test::showAtSize(w, {1200, 800}, m_project));
        ui::Dashboard* d = w.dashboard();
        w.showPage(1);
        d->tabs()->setCurrentIndex(ui::Dashboard::TabMethods);  // the longest job: five methods
        QVERIFY(d->computingParts() & DashboardPart::Methods);
        auto stale = d->job();
        QSignalSpy ready(d, &ui::Dashboard::ready);
        d->refresh();  // newer request
        auto newest = d->job();
        QVERIFY(stale.isCanceled());
        QVERIFY(!newest.isCanceled());
        QVERIFY(waitForParts(d, DashboardPart::Methods));
        stale.waitForFinished();
        QTest::qWait(300);  // any late signal of the stale job would have arrived by now
        QCOMPARE(ready.count(), 1);
        QCOMPARE(stale.resultCount(), 0);
        QCOMPARE(newest.resultCount(), 1);
        QCOMPARE(d->data().evaluation.methods.size(), size_t(5));

        // Cancel: the job stops and adds nothing.
        d->refresh();
        auto canceled = d->job();
        d->cancel();
        QVERIFY(canceled.isCanceled());
        QCOMPARE(int(d->computingParts()), 0);
        QCOMPARE(d->statusText(), QStringLiteral("Canceled"));
        canceled.waitForFinished();
        QTest::qWait(300);
        QCOMPARE(ready.count(), 1);
        QCOMPARE(canceled.resultCount(), 0);
    }

    // While a job runs, the status line names its stage (the progress text of the worker).
    void statusNamesTheRunningStage()
    {
        ui::MainWindow w;
        QVERIFY(test::showAtSize(w, {1200, 800}, m_project));
        ui::Dashboard* d = w.dashboard();
        w.showPage(1);
        d->tabs()->setCurrentIndex(ui::Dashboard::TabMethods);
        QStringList seen;
        QTimer poll;
        connect(&poll, &QTimer::timeout, this, [&] {
            if (seen.isEmpty() || seen.last() != d->statusText())
                seen << d->statusText();
        });
        poll.start(5);
        QVERIFY(waitForParts(d, DashboardPart::Methods));
        poll.stop();
        const bool named = std::any_of(seen.begin(), seen.end(), [](const QString& t) {
            return t.startsWith(QLatin1String("Methods: ")) && t.contains(QLatin1String(" of 5)"));
        });
        QVERIFY2(named, qPrintable(seen.join(QLatin1String(" | "))));
        QVERIFY(d->statusText().contains(QLatin1String("items with gold")));
    }
};

QTEST_MAIN(TestDashboardLazy)
#include "tst_dashboardlazy.moc"
