// Insights ▸ Crowd and Insights ▸ Calibration (issue #21) on a small project written out by
// hand: three annotators with costs 4, 2 and 1 per item, ten gold items. The charts' numbers
// are checked against an independent derivation in this file (its own majority vote with the
// documented tie rule, its own macro-F1, Cohen's kappa, Brier, ECE and NLL), not against the
// code under test; clicking a crowd runs majority vote with only its annotators and makes it the
// consensus; both tabs export PNG, SVG and CSV.

#include "calibrationpage.h"
#include "crowdpage.h"
#include "dashboard.h"
#include "files.h"
#include "datarows.h"
#include "heatmapwidget.h"
#include "gui_projecttest.h"
#include "guiprojects.h"
#include "importer.h"
#include "mainwindow.h"
#include "mainwindowfixture.h"
#include "workbench.h"

#include <QAbstractSeries>
#include <QChart>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QXYSeries>
#include <QtTest>

#include <algorithm>
#include <cmath>

using namespace chorus;

namespace {

// Labels x = 0, y = 1 (declared in that order, so a tied vote goes to x: TiePolicy::First).
// Annotators A (4 per item), B (2), C (1; no answer on i10). C reports 0.8 for its answer.
//          gold  A  B  C
const int kGold[10] = {0, 1, 0, 1, 0, 1, 0, 1, 0, 1};
const int kLabels[3][10] = {
    {0, 1, 0, 0, 0, 1, 1, 1, 0, 1},   // A: wrong on i4, i7
    {0, 1, 1, 1, 0, 0, 0, 1, 1, 0},   // B: wrong on i3, i6, i9, i10
    {0, 0, 1, 1, 1, 1, 0, 1, 0, -1},  // C: wrong on i2, i3, i5; no answer on i10
};
const double kCost[3] = {4, 2, 1};
const char* const kNames[3] = {"A", "B", "C"};

QByteArray projectJsonl(bool withGold = true)
{
    QByteArray out;
    for (int i = 0; i < 10; ++i) {
        QByteArray line = "{";
        if (i == 0)
            line += "\"label_set\":[\"x\",\"y\"],\"annotators\":{\"A\":{\"kind\":\"llm\",\"cost_per_item\":4},"
                    "\"B\":{\"kind\":\"llm\",\"cost_per_item\":2},\"C\":{\"kind\":\"llm\",\"cost_per_item\":1}},";
        line += "\"id\":\"i" + QByteArray::number(i + 1) + "\",\"labels\":{";
        QByteArrayList labels;
        for (int a = 0; a < 3; ++a)
            if (kLabels[a][i] >= 0)
                labels << "\"" + QByteArray(kNames[a]) + "\":\"" + (kLabels[a][i] == 0 ? "x" : "y") + "\"";
        line += labels.join(',') + "}";
        if (kLabels[2][i] >= 0)
            line += kLabels[2][i] == 0 ? ",\"probs\":{\"C\":{\"x\":0.8,\"y\":0.2}}" : ",\"probs\":{\"C\":{\"x\":0.2,\"y\":0.8}}";
        if (withGold)
            line += ",\"gold\":\"" + QByteArray(kGold[i] == 0 ? "x" : "y") + "\"";
        line += "}\n";
        out += line;
    }
    return out;
}

// Majority vote of `members` on item i: -1 without a vote, a tie goes to x.
int vote(const std::vector<int>& members, int i)
{
    int x = 0, y = 0;
    for (int a : members) {
        x += kLabels[a][i] == 0;
        y += kLabels[a][i] == 1;
    }
    if (x + y == 0)
        return -1;
    return y > x ? 1 : 0;
}

// Macro-F1 over both labels (F1 = 2tp / (2tp + fp + fn), 0 when that is 0/0), no label = wrong.
double macroF1(const std::vector<int>& members, const std::vector<int32_t>& items)
{
    double sum = 0;
    for (int l = 0; l < 2; ++l) {
        double tp = 0, fp = 0, fn = 0;
        for (int32_t i : items) {
            const int p = vote(members, i);
            tp += p == l && kGold[i] == l;
            fp += p == l && kGold[i] != l;
            fn += p != l && kGold[i] == l;
        }
        sum += 2 * tp + fp + fn > 0 ? 2 * tp / (2 * tp + fp + fn) : 0;
    }
    return sum / 2;
}

double costOf(const std::vector<int>& members)
{
    double c = 0;
    for (int a : members)
        c += kCost[a];
    return c;
}

const std::vector<std::vector<int>> kSubsets{{0}, {1}, {2}, {0, 1}, {0, 2}, {1, 2}, {0, 1, 2}};

QXYSeries* seriesNamed(QChart* chart, const QString& name)
{
    for (QAbstractSeries* s : chart->series())
        if (s->name() == name)
            return qobject_cast<QXYSeries*>(s);
    return nullptr;
}

QList<QPointF> sorted(QList<QPointF> points)
{
    std::sort(points.begin(), points.end(), [](QPointF a, QPointF b) { return a.x() < b.x() || (a.x() == b.x() && a.y() < b.y()); });
    return points;
}

bool samePoints(const QList<QPointF>& got, const QList<QPointF>& want)
{
    if (got.size() != want.size())
        return false;
    for (qsizetype k = 0; k < got.size(); ++k)
        if (std::abs(got[k].x() - want[k].x()) > 1e-12 || std::abs(got[k].y() - want[k].y()) > 1e-12)
            return false;
    return true;
}

QString pointsText(const QList<QPointF>& points)
{
    QStringList out;
    for (QPointF p : points)
        out << QStringLiteral("(%1, %2)").arg(p.x()).arg(p.y(), 0, 'g', 6);
    return out.join(QLatin1Char(' '));
}

// Cohen's kappa of two 0/1 vectors.
double kappa(const std::vector<int>& u, const std::vector<int>& v)
{
    const double n = double(u.size());
    double agree = 0, u1 = 0, v1 = 0;
    for (size_t k = 0; k < u.size(); ++k) {
        agree += u[k] == v[k];
        u1 += u[k];
        v1 += v[k];
    }
    const double po = agree / n, pe = (u1 / n) * (v1 / n) + (1 - u1 / n) * (1 - v1 / n);
    return (po - pe) / (1 - pe);
}

// Shows Insights tab `tab` of `w` and waits until `page` (the tab's CrowdPage or
// CalibrationPage) has computed its report; false after 60 s.
template <typename Page>
bool shownAndReady(ui::MainWindow& w, Page* page, int tab)
{
    QSignalSpy ready(page, &Page::ready);
    test::showInsightsTab(w, tab);
    return ready.wait(60000);
}

} // namespace

class TestCrowdTabs : public test::GuiProjectTest
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        makeProjectFromData(QStringLiteral("crowd.jsonl"), projectJsonl(), QStringLiteral("crowd.chorus"));
    }

    void crowdTabCharts();
    void calibrationTab();
    void cancelStopsTheSearch();
    void withoutGoldAnEstimate();
};

void TestCrowdTabs::crowdTabCharts()
{
    ui::MainWindow w;
    QVERIFY(test::showAtSize(w, QSize(1366, 768), m_project));
    ui::CrowdPage* page = w.dashboard()->crowdPage();
    agg::CrowdOptions o;
    o.methods = {"mv"};
    o.selectFraction = 0.5;
    page->setOptions(o);
    QVERIFY(shownAndReady(w, page, ui::Dashboard::TabCrowd));
    QCoreApplication::processEvents();
    QCOMPARE(w.width(), 1366);  // the tab fits a 1366-px screen with the charts drawn
    const agg::CrowdDesign& d = page->report().design;
    QVERIFY(d.withGold);
    // The split is the input of the scores: a partition of the ten gold items, five and five.
    QCOMPARE(d.split.selection.size(), size_t(5));
    QCOMPARE(d.split.holdout.size(), size_t(5));
    std::vector<int32_t> all = d.split.selection;
    all.insert(all.end(), d.split.holdout.begin(), d.split.holdout.end());
    std::sort(all.begin(), all.end());
    QCOMPARE(all, (std::vector<int32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    // Costs come from the project.
    QCOMPARE(page->report().options.costs, (std::vector<double>{4, 2, 1}));

    // The scatter: every one of the seven crowds at (its cost, its holdout macro-F1).
    QList<QPointF> want;
    for (const auto& s : kSubsets)
        want << QPointF(costOf(s), macroF1(s, d.split.holdout));
    QXYSeries* mv = seriesNamed(page->paretoChart(), QStringLiteral("mv"));
    QVERIFY(mv);
    QVERIFY2(samePoints(sorted(mv->points()), sorted(want)),
             qPrintable(pointsText(sorted(mv->points())) + QStringLiteral(" vs ") + pointsText(sorted(want))));

    // The front: the costs are all different (1..7), so a crowd is on it when its selection
    // macro-F1 is above that of every cheaper crowd; drawn at its holdout score, by cost.
    std::vector<std::vector<int>> byCost = kSubsets;
    std::sort(byCost.begin(), byCost.end(), [](const auto& a, const auto& b) { return costOf(a) < costOf(b); });
    QList<QPointF> front;
    double best = -1;
    for (const auto& s : byCost)
        if (macroF1(s, d.split.selection) > best) {
            best = macroF1(s, d.split.selection);
            front << QPointF(costOf(s), macroF1(s, d.split.holdout));
        }
    QXYSeries* line = seriesNamed(page->paretoChart(), QStringLiteral("front"));
    QVERIFY(line);
    QVERIFY2(samePoints(line->points(), front), qPrintable(pointsText(line->points()) + QStringLiteral(" vs ") + pointsText(front)));

    // The redundancy map: Cohen's kappa of the two annotators' error indicators on the
    // selection items both answered.
    const QStringList grid = page->redundancyMap()->toCsv().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    int pairsChecked = 0;
    for (int a = 0; a < 3; ++a)
        for (int b = a + 1; b < 3; ++b) {
            std::vector<int> ea, eb;
            for (int32_t i : d.split.selection)
                if (kLabels[a][i] >= 0 && kLabels[b][i] >= 0) {
                    ea.push_back(kLabels[a][i] != kGold[i]);
                    eb.push_back(kLabels[b][i] != kGold[i]);
                }
            const double k = kappa(ea, eb);
            const double shown = grid.value(a + 1).split(QLatin1Char(',')).value(b + 1).toDouble();
            if (std::isfinite(k) && ++pairsChecked)
                QVERIFY2(std::abs(shown - k) < 1e-9, qPrintable(QStringLiteral("%1-%2: %3 vs %4").arg(a).arg(b).arg(shown).arg(k)));
        }

    QVERIFY(pairsChecked >= 1);

    // The crowd-size curve: the mean holdout macro-F1 of the crowds of each size.
    QList<QPointF> curve;
    for (int n = 1; n <= 3; ++n) {
        double sum = 0;
        int count = 0;
        for (const auto& s : kSubsets)
            if (static_cast<int>(s.size()) == n)
                sum += macroF1(s, d.split.holdout), ++count;
        curve << QPointF(n, sum / count);
    }
    QXYSeries* mean = seriesNamed(page->curveChart(), QStringLiteral("mv"));
    QVERIFY(mean);
    QVERIFY2(samePoints(mean->points(), curve), qPrintable(pointsText(mean->points()) + QStringLiteral(" vs ") + pointsText(curve)));

    // Every chart exports PNG, SVG and CSV.
    for (int chart = ui::CrowdPage::ChartPareto; chart <= ui::CrowdPage::ChartCurve; ++chart) {
        page->charts()->setCurrentIndex(chart);
        const QString base = m_dir.filePath(QStringLiteral("crowd%1").arg(chart));
        QVERIFY(w.dashboard()->exportCurrent(base + QStringLiteral(".png"), base + QStringLiteral(".csv")));
        QVERIFY(w.dashboard()->exportCurrent(base + QStringLiteral(".svg"), QString()));
        QVERIFY(QImage(base + QStringLiteral(".png")).width() > 100);
        QFile csv(base + QStringLiteral(".csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const qsizetype rows = csv.readAll().trimmed().split('\n').size();
        QCOMPARE(rows, chart == ui::CrowdPage::ChartPareto ? 8 : chart == ui::CrowdPage::ChartRedundancy ? 4 : 4);
    }
    page->charts()->setCurrentIndex(ui::CrowdPage::ChartPareto);

    // Clicking the crowd {B, C} (cost 3) runs majority vote with only B and C: on i2 B and C
    // tie (y, x) and the run says x where the whole crowd says y; A gets no competence.
    const QList<QPointF> points = mv->points();
    const auto at = std::find_if(points.begin(), points.end(), [](QPointF p) { return p.x() == 3; });
    QVERIFY(at != points.end());
    QSignalSpy shown(w.dashboard(), &ui::Dashboard::crowdRunShown);
    emit mv->clicked(*at);
    QVERIFY(shown.wait(30000));
    const model::RunData& run = w.workbench()->consensus();
    QCOMPARE(run.summary.method, QStringLiteral("mv"));
    QVERIFY(run.summary.id > 0);
    QVERIFY2(run.summary.params.contains(QStringLiteral("\"annotators\":[\"B\",\"C\"]")), qPrintable(run.summary.params));
    const auto& s = w.workbench()->snapshot();
    for (int i = 0; i < 10; ++i) {
        const int item = static_cast<int>(s.itemExtIds.indexOf(QStringLiteral("i%1").arg(i + 1)));
        QCOMPARE(run.labels[static_cast<size_t>(item)], vote({1, 2}, i));
    }
    QCOMPARE(vote({1, 2}, 1), 0);
    QCOMPARE(vote({0, 1, 2}, 1), 1);
    QVERIFY(std::isnan(run.competence[static_cast<size_t>(s.annotators.indexOf(QStringLiteral("A")))]));
    QVERIFY(w.table()->isVisible());  // the review table shows it
    QVERIFY(!w.dashboard()->isVisible());
}

void TestCrowdTabs::calibrationTab()
{
    ui::MainWindow w;
    QVERIFY(test::showAtSize(w, QSize(1366, 768), m_project));
    ui::CalibrationPage* page = w.dashboard()->calibrationPage();
    model::CalibrationRequest r;
    r.methods = {"mv"};
    page->setRequest(r);
    QVERIFY(shownAndReady(w, page, ui::Dashboard::TabCalibration));
    QCoreApplication::processEvents();
    QCOMPARE(w.width(), 1366);
    const auto& sources = page->report().sources;
    QCOMPARE(sources.size(), size_t(2));
    QCOMPARE(sources[0].name, QStringLiteral("mv"));
    QCOMPARE(sources[1].name, QStringLiteral("C"));

    // mv's posterior is the vote share. By hand, per item (share of x, gold, the first maximum):
    //   i1 3/3 x ok   i2 1/3 y ok   i3 1/3 x wrong  i4 1/3 y ok    i5 2/3 x ok
    //   i6 1/3 y ok   i7 2/3 x ok   i8 0/3 y ok     i9 2/3 x ok    i10 1/2 (tie -> x) y wrong
    // Confidences: 1 (i1, i8), 2/3 (i2-i7, i9), 1/2 (i10). Equal-width bins (0.9,1]: 2 items,
    // accuracy 1; (0.6,0.7]: 7 items, 6 right; (0.4,0.5]: 1 item, wrong.
    // ECE = 2/10 * 0 + 7/10 * |6/7 - 2/3| + 1/10 * |0 - 1/2| = 0.7 * 4/21 + 0.05 = 2/15 + 0.05.
    const double ece = 0.7 * (6.0 / 7 - 2.0 / 3) + 0.05;
    // Brier (sum over both labels): 0 for i1, i8; (1/3)^2 * 2 = 2/9 for the six right 2/3 items;
    // (2/3)^2 * 2 = 8/9 for i3; (1/2)^2 * 2 = 1/2 for i10.
    const double brier = (6 * 2.0 / 9 + 8.0 / 9 + 0.5) / 10;
    // NLL: -ln(2/3) for the six right 2/3 items, -ln(1/3) for i3, -ln(1/2) for i10.
    const double nll = (-6 * std::log(2.0 / 3) - std::log(1.0 / 3) - std::log(0.5)) / 10;
    QVERIFY2(std::abs(sources[0].all.eceEqualWidth - ece) < 1e-12, qPrintable(QString::number(sources[0].all.eceEqualWidth)));
    QVERIFY(std::abs(sources[0].all.brier - brier) < 1e-12);
    QVERIFY(std::abs(sources[0].all.nll - nll) < 1e-12);
    QCOMPARE(sources[0].all.items, 10);

    // C: 0.8 on its answer on the nine items it answered, six of them right.
    // ECE = |6/9 - 0.8|; Brier = (6 * 0.08 + 3 * 1.28) / 9; NLL = (-6 ln 0.8 - 3 ln 0.2) / 9.
    QCOMPARE(sources[1].all.items, 9);
    QVERIFY(std::abs(sources[1].all.eceEqualWidth - std::abs(6.0 / 9 - 0.8)) < 1e-12);
    QVERIFY(std::abs(sources[1].all.brier - (6 * 0.08 + 3 * 1.28) / 9) < 1e-12);
    QVERIFY(std::abs(sources[1].all.nll - (-6 * std::log(0.8) - 3 * std::log(0.2)) / 9) < 1e-12);

    // The table shows them, and the diagram has mv's three points (mean confidence, accuracy).
    QCOMPARE(page->table()->rowCount(), 2);
    QCOMPARE(page->table()->item(0, ui::CalibrationPage::ColEce)->data(Qt::UserRole).toDouble(), sources[0].all.eceEqualWidth);
    QXYSeries* mvLine = seriesNamed(page->diagram(), QStringLiteral("mv"));
    QVERIFY(mvLine);
    QVERIFY(samePoints(sorted(mvLine->points()), (QList<QPointF>{{0.5, 0}, {2.0 / 3, 6.0 / 7}, {1, 1}})));
    QXYSeries* cLine = seriesNamed(page->diagram(), QStringLiteral("C"));
    QVERIFY(cLine);
    QVERIFY(samePoints(cLine->points(), (QList<QPointF>{{0.8, 6.0 / 9}})));

    // Export: the diagram as PNG and SVG, every source's bins as CSV (2 sources x 2 binnings x 10
    // bins, plus the header).
    const QString base = m_dir.filePath(QStringLiteral("calibration"));
    QVERIFY(w.dashboard()->exportCurrent(base + QStringLiteral(".png"), base + QStringLiteral(".csv")));
    QVERIFY(w.dashboard()->exportCurrent(base + QStringLiteral(".svg"), QString()));
    QVERIFY(QImage(base + QStringLiteral(".png")).width() > 100);
    QFile csv(base + QStringLiteral(".csv"));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    QCOMPARE(csv.readAll().trimmed().split('\n').size(), 41);
}

// A long search (the emotion LLM task, five methods and the curve: tens of seconds) is stopped by
// the dashboard's Cancel: the future is canceled, nothing is applied, the tab says so.
void TestCrowdTabs::cancelStopsTheSearch()
{
    SKIP_WITHOUT_SHARED();
    const QString project = m_dir.filePath(QStringLiteral("emotion.chorus"));
    test::importIntoNewProject(project, test::shared(QStringLiteral("data/llm/emotion/items.jsonl")));
    ui::MainWindow w;
    QVERIFY(test::showAtSize(w, QSize(1366, 768), project));
    ui::CrowdPage* page = w.dashboard()->crowdPage();
    page->setOptions(agg::CrowdOptions{});  // mv, wawa, ds, onecoin, mace
    test::showInsightsTab(w, ui::Dashboard::TabCrowd);
    QTRY_VERIFY_WITH_TIMEOUT(page->job().isRunning(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(page->job().progressValue() > 0, 60000);  // under way, with progress
    const auto job = page->job();
    w.dashboard()->cancel();
    QVERIFY(job.isCanceled());
    QTRY_VERIFY_WITH_TIMEOUT(job.isFinished(), 60000);
    QCoreApplication::processEvents();
    QVERIFY(!page->hasReport());
    QCOMPARE(page->statusText(), QStringLiteral("Canceled"));
}

// Without gold the tab plots each crowd's estimated accuracy, mean over the items of the full
// crowd's majority-vote share of the crowd's label (0 where the crowd has none), and says it is
// an estimate; the Calibration tab says there is nothing to calibrate.
void TestCrowdTabs::withoutGoldAnEstimate()
{
    const QString project =
        test::projectFromData(m_dir, QStringLiteral("nogold.jsonl"), projectJsonl(false), QStringLiteral("nogold.chorus"));
    QVERIFY(!project.isEmpty());
    ui::MainWindow w;
    QVERIFY(test::showAtSize(w, QSize(1366, 768), project));
    ui::CrowdPage* page = w.dashboard()->crowdPage();
    agg::CrowdOptions o;
    o.methods = {"mv"};
    page->setOptions(o);
    QVERIFY(shownAndReady(w, page, ui::Dashboard::TabCrowd));
    QVERIFY(!page->report().design.withGold);
    QVERIFY(page->paretoChart()->title().contains(QStringLiteral("ESTIMATED")));
    QVERIFY(page->curveChart()->title().contains(QStringLiteral("ESTIMATED")));
    QList<QPointF> want;
    for (const auto& crowd : kSubsets) {
        double sum = 0;
        for (int i = 0; i < 10; ++i) {
            const int l = vote(crowd, i);
            int votes = 0, same = 0;
            for (int a = 0; a < 3; ++a) {
                votes += kLabels[a][i] >= 0;
                same += kLabels[a][i] >= 0 && kLabels[a][i] == l;
            }
            sum += l >= 0 ? double(same) / votes : 0.0;
        }
        want << QPointF(costOf(crowd), sum / 10);
    }
    QXYSeries* mv = seriesNamed(page->paretoChart(), QStringLiteral("mv"));
    QVERIFY(mv);
    QVERIFY2(samePoints(sorted(mv->points()), sorted(want)),
             qPrintable(pointsText(sorted(mv->points())) + QStringLiteral(" vs ") + pointsText(sorted(want))));

    ui::CalibrationPage* calibration = w.dashboard()->calibrationPage();
    w.dashboard()->tabs()->setCurrentIndex(ui::Dashboard::TabCalibration);
    QTRY_VERIFY_WITH_TIMEOUT(calibration->statusText().startsWith(QStringLiteral("Nothing to calibrate")), 30000);
    QVERIFY(calibration->statusText().contains(QStringLiteral("gold")));
    QVERIFY(!calibration->hasReport());
}

QTEST_MAIN(TestCrowdTabs)
#include "tst_crowdtabs.moc"
