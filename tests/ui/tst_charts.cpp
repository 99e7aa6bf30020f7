// Insights charts that read (issue #18): annotator names that share a prefix stay distinct on
// the axes, every bar and heat-map cell has a tooltip with the full name(s) and the value, and
// a 200-annotator sparse crowd shows the top and bottom N by the chart's measure.
//
// Fixture "flan": 12 annotators, 20 items, gold "pos" on even items and "neg" on odd ones.
// Annotator k (k = 0..11, in the order of kFlan) answers item i correctly when i < 8 + k and
// with the other label otherwise. By hand:
//   accuracy(k)         = (8 + k) / 20
//   "pos" answers of k  = 10 for even k, 11 for odd k (of 20): the correct part holds
//                         ceil((8+k)/2) even items, the wrong part the odd items >= 8+k.
//   Cohen's kappa(k, m) = (po - pe) / (1 - pe), po = 1 - |k - m| / 20 (they differ exactly on
//                         the items between 8+k and 8+m), pe = pk pm + (1-pk)(1-pm) with
//                         p = 0.5 (even) or 0.55 (odd); e.g. kappa(0, 2) = 0.8.
//   confusion of k = 0 against gold: (pos,pos) 4, (neg,neg) 4, (pos,neg) 6, (neg,pos) 6.
// Fixture "crowd": 200 annotators, 400 items, annotator k answers the 10 items 2k .. 2k+9
// (mod 400), "neg" on its first b_k of them and "pos" on the rest: b_k = 10 for k < 10 ("far"),
// 4 for 10 <= k < 20 ("typical"), 2 for 20 <= k < 110, 6 for k >= 110. Pooled "neg" share
// p = (100 + 40 + 180 + 540) / 2000 = 0.43, so the distance of the label mix from the crowd's
// (total variation, |b_k/10 - p| with two labels) is 0.57 for the far ten, 0.03 for the
// typical ten and 0.23 / 0.17 for the others: top 10 = annotators 0..9, bottom 10 = 10..19.

#include "annotatorchart.h"
#include "dashboard.h"
#include "dashboardwait.h"
#include "datasets.h"
#include "heatmapwidget.h"
#include "importer.h"
#include "mainwindow.h"
#include "mainwindowfixture.h"
#include "newproject.h"

#include <QAbstractBarSeries>
#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QHelpEvent>
#include <QLabel>
#include <QLegendMarker>
#include <QScrollArea>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QToolTip>
#include <QtTest>

#include <cmath>
#include <set>

using namespace chorus;

namespace {

const QStringList kFlan = {
    QStringLiteral("flan-t5-small"),
    QStringLiteral("flan-t5-base"),
    QStringLiteral("flan-t5-large"),
    QStringLiteral("flan-t5-xl"),
    QStringLiteral("flan-t5-xxl"),
    QStringLiteral("flan-t5-small-finetuned-sst2-run1"),
    QStringLiteral("flan-t5-small-finetuned-sst2-run2"),
    QStringLiteral("flan-t5-base-finetuned-sst2-run1"),
    QStringLiteral("flan-t5-base-finetuned-sst2-run2"),
    QStringLiteral("flan-t5-large-finetuned-sst2-run1"),
    QStringLiteral("flan-t5-large-finetuned-sst2-run2"),
    QStringLiteral("flan-t5-xl-finetuned-sst2-run1"),
};

QString gold(int i)
{
    return i % 2 == 0 ? QStringLiteral("pos") : QStringLiteral("neg");
}

QString other(const QString& l)
{
    return l == QLatin1String("pos") ? QStringLiteral("neg") : QStringLiteral("pos");
}

double flanKappa(int k, int m)
{
    const double po = 1.0 - std::abs(k - m) / 20.0;
    const double pk = k % 2 == 0 ? 0.5 : 0.55, pm = m % 2 == 0 ? 0.5 : 0.55;
    const double pe = pk * pm + (1 - pk) * (1 - pm);
    return (po - pe) / (1 - pe);
}

bool writeFile(const QString& path, const QStringList& lines)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write((lines.join(QLatin1Char('\n')) + QLatin1Char('\n')).toUtf8()) > 0;
}

QChart* chartOf(ui::Dashboard* d, int tab)
{
    auto* view = d->tabs()->widget(tab)->findChild<QChartView*>();
    return view ? view->chart() : nullptr;
}

// The line above a chart that says which annotators it shows.
QString captionOf(ui::Dashboard* d, int tab)
{
    auto* label = d->tabs()->widget(tab)->findChild<QLabel*>(QStringLiteral("chartCaption"));
    return label ? label->text() : QStringLiteral("(no caption)");
}

QStringList categoriesOf(QChart* chart)
{
    for (QAbstractAxis* axis : chart->axes())
        if (auto* cat = qobject_cast<QBarCategoryAxis*>(axis))
            return cat->categories();
    return {};
}

QList<QBarSet*> setsOf(QChart* chart)
{
    auto* series = qobject_cast<QAbstractBarSeries*>(chart->series().value(0));
    return series ? series->barSets() : QList<QBarSet*>{};
}

// The annotator a bar belongs to: the first line of its tooltip.
QString barName(QBarSet* set, int i)
{
    return ui::barToolTip(set, i).section(QLatin1Char('\n'), 0, 0);
}

// A category is its annotator's name, or that name cut in the middle ("flan-t5-s…sst2-run1").
bool shortFormOf(const QString& shown, const QString& full)
{
    if (shown == full)
        return true;
    const qsizetype cut = shown.indexOf(QChar(0x2026));
    return cut > 0 && full.startsWith(shown.left(cut)) && full.endsWith(shown.mid(cut + 1))
           && shown.size() < full.size();
}

// `shown` (display order, top first) holds the n highest and the n lowest of `measure`: every
// left-out annotator lies between the two groups (ties may go either way).
QString topBottomProblem(const std::vector<int>& shown, const std::vector<double>& measure, int n)
{
    if (static_cast<int>(shown.size()) != 2 * n)
        return QStringLiteral("%1 shown, want %2").arg(shown.size()).arg(2 * n);
    const std::set<int> in(shown.begin(), shown.end());
    if (static_cast<int>(in.size()) != 2 * n)
        return QStringLiteral("an annotator is shown twice");
    double lowestTop = INFINITY, highestBottom = -INFINITY;
    for (int k = 0; k < n; ++k) {
        lowestTop = std::min(lowestTop, measure[shown[k]]);
        highestBottom = std::max(highestBottom, measure[shown[n + k]]);
    }
    for (int a = 0; a < static_cast<int>(measure.size()); ++a)
        if (!in.count(a) && std::isfinite(measure[a]) && (measure[a] > lowestTop || measure[a] < highestBottom))
            return QStringLiteral("annotator %1 (%2) left out between %3 and %4")
                .arg(a)
                .arg(measure[a])
                .arg(highestBottom)
                .arg(lowestTop);
    return {};
}

// Annotator indices of a chart's bars, top first (horizontal bars list categories bottom-up).
std::vector<int> shownAnnotators(QChart* chart, const QStringList& annotators)
{
    std::vector<int> out;
    QBarSet* set = setsOf(chart).value(0);
    for (int i = set ? set->count() - 1 : -1; i >= 0; --i)
        out.push_back(static_cast<int>(annotators.indexOf(barName(set, i))));
    return out;
}

} // namespace

class TestCharts : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
        // flan
        QStringList answers{QStringLiteral("item,annotator,label")}, golds{QStringLiteral("item,label")};
        for (int i = 0; i < 20; ++i) {
            golds << QStringLiteral("t%1,%2").arg(i).arg(gold(i));
            for (int k = 0; k < kFlan.size(); ++k)
                answers << QStringLiteral("t%1,%2,%3").arg(i).arg(kFlan[k], i < 8 + k ? gold(i) : other(gold(i)));
        }
        m_flan = importProject(QStringLiteral("flan"), answers, golds);
        QVERIFY(!m_flan.isEmpty());
        // crowd
        answers = QStringList{QStringLiteral("item,annotator,label")};
        golds = QStringList{QStringLiteral("item,label")};
        for (int i = 0; i < 400; ++i)
            golds << QStringLiteral("c%1,%2").arg(i).arg(gold(i));
        for (int k = 0; k < 200; ++k) {
            const int b = k < 10 ? 10 : k < 20 ? 4 : k < 110 ? 2 : 6;
            for (int j = 0; j < 10; ++j)
                answers << QStringLiteral("c%1,worker-%2,%3")
                               .arg((2 * k + j) % 400)
                               .arg(k, 3, 10, QLatin1Char('0'))
                               .arg(j < b ? QStringLiteral("neg") : QStringLiteral("pos"));
        }
        m_crowd = importProject(QStringLiteral("crowd"), answers, golds);
        QVERIFY(!m_crowd.isEmpty());
    }

    // Pure helpers, against hand-worked cases.
    void selectTopBottomByHand()
    {
        // Sorted: 1 (0.9), 4 (0.7), 0 (0.5), 5 (0.3), 3 (0.1); 2 has no value.
        const std::vector<double> m{0.5, 0.9, std::nan(""), 0.1, 0.7, 0.3};
        const ui::AnnotatorSelection two = ui::selectTopBottom(m, 2);
        QCOMPARE(two.shown, (std::vector<int>{1, 4, 5, 3}));
        QVERIFY(two.cut);
        QCOMPARE(two.caption(QStringLiteral("x")), QStringLiteral("top 2 and bottom 2 of 6 by x (1 without a value not ranked)"));
        // 5 ranked <= 2 * 3: all, the one without a value last.
        const ui::AnnotatorSelection three = ui::selectTopBottom(m, 3);
        QCOMPARE(three.shown, (std::vector<int>{1, 4, 0, 5, 3, 2}));
        QVERIFY(!three.cut);
        QCOMPARE(ui::selectTopBottom(m, 0).shown, three.shown);
    }

    void distanceFromPooledMixByHand()
    {
        // Rows (3,1) and (1,3): pooled (0.5, 0.5), each row 0.5 * (0.25 + 0.25) = 0.25.
        const auto d = ui::distanceFromPooledMix({3, 1, 1, 3}, 2, 2);
        QCOMPARE(d[0], 0.25);
        QCOMPARE(d[1], 0.25);
        // Rows (4,0) and (0,0): pooled (1, 0); the first is 0, the empty one has no value.
        const auto e = ui::distanceFromPooledMix({4, 0, 0, 0}, 2, 2);
        QCOMPARE(e[0], 0.0);
        QVERIFY(std::isnan(e[1]));
    }

    void shortNamesStayDistinct()
    {
        // Cut to 10 characters with the "…": 9 kept, 9 * 2 / 5 = 3 from the start and 6 from
        // the end, so "flan-t5-small-lora-r16" and "...-r64" keep different ends; equal names get
        // a number.
        const QStringList s = ui::distinctShortNames({QStringLiteral("flan-t5-small-lora-r16"), QStringLiteral("flan-t5-small-lora-r64"),
                                                      QStringLiteral("xl"), QStringLiteral("xl")},
                                                     10);
        QCOMPARE(s, (QStringList{QStringLiteral("fla…ra-r16"), QStringLiteral("fla…ra-r64"), QStringLiteral("xl"),
                                 QStringLiteral("xl #2")}));
        // Two names whose cut forms collide ("ab…yz") are cut less until they differ.
        const QStringList t = ui::distinctShortNames({QStringLiteral("abXXXXyz"), QStringLiteral("abYYYYyz")}, 5);
        QCOMPARE(t.size(), 2);
        QVERIFY(t[0] != t[1]);
        QVERIFY(shortFormOf(t[0], QStringLiteral("abXXXXyz")) && shortFormOf(t[1], QStringLiteral("abYYYYyz")));
    }

    // 12 names sharing "flan-t5-": the axes show 12 distinct labels, each the name or the name
    // cut in the middle, and every bar's tooltip has the full name and the hand-derived value.
    void prefixNamesDistinctWithToolTips()
    {
        ui::MainWindow w;
        QVERIFY(test::showAtSize(w, {1366, 768}, m_flan));
        QVERIFY(test::insightsTabComputed(w, ui::Dashboard::TabCompetence));
        ui::Dashboard* d = w.dashboard();
        QCoreApplication::processEvents();

        // Competence: two bar sets (competence, accuracy), one category per annotator.
        QChart* comp = chartOf(d, ui::Dashboard::TabCompetence);
        QVERIFY(comp);
        QVERIFY2(captionOf(d, ui::Dashboard::TabCompetence).contains(QLatin1String("all 12 annotators, highest competence (")),
                 qPrintable(captionOf(d, ui::Dashboard::TabCompetence)));
        const QStringList cats = categoriesOf(comp);
        QCOMPARE(cats.size(), 12);
        QCOMPARE(QSet<QString>(cats.begin(), cats.end()).size(), 12);
        QStringList legend;
        for (QLegendMarker* m : comp->legend()->markers())
            legend << m->label();
        QCOMPARE(QSet<QString>(legend.begin(), legend.end()).size(), legend.size());
        const QList<QBarSet*> sets = setsOf(comp);
        QCOMPARE(sets.size(), 2);
        QBarSet* competence = sets[0];
        QBarSet* accuracy = sets[1];
        QSet<QString> named;
        for (int i = 0; i < 12; ++i) {
            const QString name = barName(accuracy, i);
            const int k = static_cast<int>(kFlan.indexOf(name));
            QVERIFY2(k >= 0, qPrintable(ui::barToolTip(accuracy, i)));
            named.insert(name);
            QVERIFY2(shortFormOf(cats[i], name), qPrintable(cats[i] + QStringLiteral(" for ") + name));
            QVERIFY(cats[i].size() <= 24);
            const double acc = (8 + k) / 20.0;
            QVERIFY(std::abs(accuracy->at(i) - acc) < 1e-12);
            QVERIFY2(ui::barToolTip(accuracy, i).contains(QStringLiteral("accuracy vs gold: %1 on 20 gold items").arg(acc, 0, 'f', 3)),
                     qPrintable(ui::barToolTip(accuracy, i)));
            // The competence bar of the same annotator: same tooltip, holding its own value.
            QCOMPARE(ui::barToolTip(competence, i), ui::barToolTip(accuracy, i));
            QVERIFY(ui::barToolTip(competence, i).contains(QString::number(competence->at(i), 'f', 3)));
        }
        QCOMPARE(named.size(), 12);
        // Hovering a bar shows the tooltip.
        emit accuracy->hovered(true, 0);
        QTRY_VERIFY(QToolTip::isVisible());
        QVERIFY(QToolTip::text().contains(barName(accuracy, 0)));
        emit accuracy->hovered(false, 0);

        // Label use: the same distinct names; "pos" share 10/20 (even k) or 11/20 (odd k).
        d->tabs()->setCurrentIndex(ui::Dashboard::TabLabels);
        QVERIFY(test::waitForParts(d, ui::Dashboard::partsOf(ui::Dashboard::TabLabels)));
        QChart* use = chartOf(d, ui::Dashboard::TabLabels);
        const QStringList useCats = categoriesOf(use);
        QCOMPARE(useCats.size(), 12);
        QCOMPARE(QSet<QString>(useCats.begin(), useCats.end()).size(), 12);
        QBarSet* pos = nullptr;
        for (QBarSet* s : setsOf(use))
            if (s->label() == QLatin1String("pos"))
                pos = s;
        QVERIFY(pos);
        for (int i = 0; i < 12; ++i) {
            const QString name = barName(pos, i);
            const int k = static_cast<int>(kFlan.indexOf(name));
            QVERIFY(k >= 0);
            QVERIFY(shortFormOf(useCats[i], name));
            const int count = k % 2 == 0 ? 10 : 11;
            QVERIFY(std::abs(pos->at(i) - count / 20.0) < 1e-12);
            QVERIFY2(ui::barToolTip(pos, i).contains(QStringLiteral("pos: %1 (%2 of 20 answers)").arg(count / 20.0, 0, 'f', 3).arg(count)),
                     qPrintable(ui::barToolTip(pos, i)));
        }

        // Agreement heat map: each cell's tooltip (by a tooltip event at its centre) names both
        // annotators and the hand-derived kappa; row labels as drawn are distinct.
        d->tabs()->setCurrentIndex(ui::Dashboard::TabAgreement);
        QVERIFY(test::waitForParts(d, ui::Dashboard::partsOf(ui::Dashboard::TabAgreement)));
        QCoreApplication::processEvents();
        auto* kappa = d->tabs()->widget(ui::Dashboard::TabAgreement)->findChild<ui::HeatmapWidget*>();
        QVERIFY(kappa && kappa->isVisible());
        const QStringList rowNames = kappa->shownRowNames(), colNames = kappa->shownColumnNames();
        QCOMPARE(rowNames.size(), 12);
        QCOMPARE(QSet<QString>(rowNames.begin(), rowNames.end()).size(), 12);
        QCOMPARE(QSet<QString>(colNames.begin(), colNames.end()).size(), 12);
        QSet<QString> rowsSeen;
        for (int r = 0; r < 12; ++r)
            for (int c = 0; c < 12; ++c) {
                const QPoint at = kappa->cellRect(r, c).center().toPoint();
                QHelpEvent help(QEvent::ToolTip, at, kappa->mapToGlobal(at));
                QApplication::sendEvent(kappa, &help);
                const QString tip = kappa->cellToolTip(r, c);
                QVERIFY(QToolTip::text().contains(tip.section(QLatin1Char('\n'), 0, 0)));
                const QStringList lines = tip.split(QLatin1Char('\n'));
                QCOMPARE(lines.size(), 3);
                const int k = static_cast<int>(kFlan.indexOf(lines[0].section(QStringLiteral(": "), 1)));
                const int m = static_cast<int>(kFlan.indexOf(lines[1].section(QStringLiteral(": "), 1)));
                QVERIFY2(k >= 0 && m >= 0, qPrintable(tip));
                QVERIFY(shortFormOf(rowNames[r], kFlan[k]) && shortFormOf(colNames[c], kFlan[m]));
                QCOMPARE(r == c, k == m);
                rowsSeen.insert(kFlan[k]);
                const double want = k == m ? 1.0 : flanKappa(k, m);
                QCOMPARE(lines[2], QStringLiteral("Cohen's kappa: %1").arg(want, 0, 'f', 3));
            }
        QCOMPARE(rowsSeen.size(), 12);

        // Confusion of flan-t5-small against gold: both label names and the hand count.
        d->tabs()->setCurrentIndex(ui::Dashboard::TabConfusion);
        QVERIFY(test::waitForParts(d, ui::Dashboard::partsOf(ui::Dashboard::TabConfusion)));
        QWidget* confPage = d->tabs()->widget(ui::Dashboard::TabConfusion);
        auto* subject = confPage->findChildren<QComboBox*>().value(0);
        QVERIFY(subject);
        subject->setCurrentIndex(subject->findText(kFlan[0]));
        auto* conf = confPage->findChild<ui::HeatmapWidget*>();
        QCoreApplication::processEvents();
        const QHash<QString, int> want{{QStringLiteral("pos/pos"), 4}, {QStringLiteral("neg/neg"), 4},
                                       {QStringLiteral("pos/neg"), 6}, {QStringLiteral("neg/pos"), 6},
                                       {QStringLiteral("pos/none"), 0}, {QStringLiteral("neg/none"), 0}};
        int checked = 0;
        for (int r = 0; r < 2; ++r)
            for (int c = 0; c < 3; ++c) {
                const QStringList lines = conf->cellToolTip(r, c).split(QLatin1Char('\n'));
                QCOMPARE(lines.size(), 3);
                QVERIFY2(lines[0].startsWith(QLatin1String("gold: ")), qPrintable(lines[0]));
                QVERIFY2(lines[1].startsWith(kFlan[0] + QStringLiteral(": ")), qPrintable(lines[1]));
                const QString key = lines[0].mid(6) + QLatin1Char('/') + lines[1].mid(kFlan[0].size() + 2);
                QVERIFY2(want.contains(key), qPrintable(key));
                QCOMPARE(lines[2], QStringLiteral("items: %1").arg(want[key]));
                ++checked;
            }
        QCOMPARE(checked, 6);
    }

    // 200 annotators: 2N bars, the N highest and N lowest by each chart's measure, named in the
    // title; the spin box changes N.
    // The Methods chart named its best-annotator bar "best: fl…": the axis now says "best
    // single" and "mean single", and their tooltips say who and how well. The flan fixture
    // gives annotator k accuracy (8 + k) / 20: the best is the last name (19/20 = 0.95), the
    // mean (8 + 5.5) / 20 = 0.675.
    void methodsChartNamesTheBestInItsTooltip()
    {
        ui::MainWindow w;
        QVERIFY(test::showAtSize(w, {1366, 768}, m_flan));
        QVERIFY(test::insightsTabComputed(w, ui::Dashboard::TabMethods));
        ui::Dashboard* d = w.dashboard();
        QChart* chart = chartOf(d, ui::Dashboard::TabMethods);
        QVERIFY(chart);
        const QStringList cats = categoriesOf(chart);
        QVERIFY(cats.size() >= 3);
        QCOMPARE(cats.mid(cats.size() - 2), (QStringList{QStringLiteral("best single"), QStringLiteral("mean single")}));
        for (const QString& c : cats)
            QVERIFY2(!c.contains(QChar(0x2026)), qPrintable(c));
        QBarSet* accuracy = setsOf(chart).value(0);
        QVERIFY(accuracy);
        const QString best = ui::barToolTip(accuracy, static_cast<int>(cats.size()) - 2);
        QVERIFY2(best.startsWith(QStringLiteral("best: ") + kFlan.last()), qPrintable(best));
        QVERIFY2(best.contains(QStringLiteral("accuracy 0.9500")), qPrintable(best));
        const QString mean = ui::barToolTip(accuracy, static_cast<int>(cats.size()) - 1);
        QVERIFY2(mean.contains(QStringLiteral("accuracy 0.6750")), qPrintable(mean));
    }

    void crowdShowsTopAndBottom()
    {
        ui::MainWindow w;
        QVERIFY(test::showAtSize(w, {1366, 768}, m_crowd));
        QVERIFY(test::insightsTabComputed(w, ui::Dashboard::TabCompetence));
        ui::Dashboard* d = w.dashboard();
        // One spin box per annotator chart page, kept equal.
        const QList<QSpinBox*> limits = d->findChildren<QSpinBox*>(QStringLiteral("annotatorLimit"));
        QCOMPARE(limits.size(), 3);
        QSpinBox* limit = limits[0];
        QCOMPARE(limit->value(), 10);
        const QStringList annotators = d->data().annotators;
        QCOMPARE(annotators.size(), 200);

        // Competence: the measure is the consensus competence, sorted here.
        std::vector<double> competence = d->data().consensusCompetence;
        competence.resize(200, std::nan(""));
        QChart* comp = chartOf(d, ui::Dashboard::TabCompetence);
        for (int n : {10, 3}) {
            limit->setValue(n);
            QCOMPARE(categoriesOf(comp).size(), 2 * n);
            for (QBarSet* s : setsOf(comp))
                QCOMPARE(s->count(), 2 * n);
            const QString problem = topBottomProblem(shownAnnotators(comp, annotators), competence, n);
            QVERIFY2(problem.isEmpty(), qPrintable(problem));
            QVERIFY2(captionOf(d, ui::Dashboard::TabCompetence).contains(QStringLiteral("top %1 and bottom %1 of 200 by competence").arg(n)),
                     qPrintable(captionOf(d, ui::Dashboard::TabCompetence)));
            QCOMPARE(limits[2]->value(), n);
        }
        limit->setValue(0);  // all
        QCOMPARE(categoriesOf(comp).size(), 200);
        QVERIFY(captionOf(d, ui::Dashboard::TabCompetence).contains(QLatin1String("all 200 annotators")));

        // Label use: by hand (header), the far ten on top and the typical ten at the bottom.
        limit->setValue(10);
        d->tabs()->setCurrentIndex(ui::Dashboard::TabLabels);
        QVERIFY(test::waitForParts(d, ui::Dashboard::partsOf(ui::Dashboard::TabLabels)));
        QChart* use = chartOf(d, ui::Dashboard::TabLabels);
        QCOMPARE(categoriesOf(use).size(), 20);
        const std::vector<int> shown = shownAnnotators(use, annotators);
        std::set<QString> top, bottom;
        for (int k = 0; k < 10; ++k) {
            top.insert(annotators.value(shown[k]));
            bottom.insert(annotators.value(shown[10 + k]));
        }
        std::set<QString> far, typical;
        for (int k = 0; k < 10; ++k) {
            far.insert(QStringLiteral("worker-%1").arg(k, 3, 10, QLatin1Char('0')));
            typical.insert(QStringLiteral("worker-%1").arg(10 + k, 3, 10, QLatin1Char('0')));
        }
        QVERIFY(top == far);
        QVERIFY(bottom == typical);
        QVERIFY2(captionOf(d, ui::Dashboard::TabLabels).contains(QLatin1String("top 10 and bottom 10 of 200 by distance")),
                 qPrintable(captionOf(d, ui::Dashboard::TabLabels)));
        limits[2]->setValue(25);  // the spin box on the Label use page
        QCOMPARE(categoriesOf(use).size(), 50);

        // Agreement: rows are the top and bottom N by mean kappa with the others (averaged here
        // from the computed pairs); each cell's tooltip names both and holds the pair's kappa.
        limit->setValue(10);
        d->tabs()->setCurrentIndex(ui::Dashboard::TabAgreement);
        QVERIFY(test::waitForParts(d, ui::Dashboard::partsOf(ui::Dashboard::TabAgreement)));
        QCoreApplication::processEvents();
        std::vector<double> sum(200, 0.0), count(200, 0.0);
        QHash<QString, double> pairKappa;
        for (const auto& p : d->data().agreement.agreement.cohenPairs)
            if (!p.kappa.isNull()) {
                sum[p.a] += p.kappa.value, sum[p.b] += p.kappa.value;
                ++count[p.a], ++count[p.b];
                pairKappa.insert(annotators[p.a] + QLatin1Char('|') + annotators[p.b], p.kappa.value);
                pairKappa.insert(annotators[p.b] + QLatin1Char('|') + annotators[p.a], p.kappa.value);
            }
        std::vector<double> meanKappa(200);
        for (int a = 0; a < 200; ++a)
            meanKappa[a] = count[a] > 0 ? sum[a] / count[a] : std::nan("");
        auto* kappa = d->tabs()->widget(ui::Dashboard::TabAgreement)->findChild<ui::HeatmapWidget*>();
        std::vector<int> rows;
        for (int r = 0; r < 20; ++r)
            rows.push_back(static_cast<int>(annotators.indexOf(kappa->cellToolTip(r, 0).section(QLatin1Char('\n'), 0, 0).mid(11))));
        QVERIFY(kappa->cellToolTip(20, 0).isEmpty());
        QVERIFY2(captionOf(d, ui::Dashboard::TabAgreement).contains(QLatin1String("top 10 and bottom 10 of 200 by mean Cohen's kappa")),
                 qPrintable(captionOf(d, ui::Dashboard::TabAgreement)));
        const QString problem = topBottomProblem(rows, meanKappa, 10);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        for (int r = 0; r < 20; ++r)
            for (int c = 0; c < 20; ++c) {
                const QStringList lines = kappa->cellToolTip(r, c).split(QLatin1Char('\n'));
                QCOMPARE(lines[0], QStringLiteral("annotator: ") + annotators[rows[r]]);
                QCOMPARE(lines[1], QStringLiteral("with: ") + annotators[rows[c]]);
                const QString key = annotators[rows[r]] + QLatin1Char('|') + annotators[rows[c]];
                const QString value = r == c ? QStringLiteral("1.000")
                                      : pairKappa.contains(key) ? QString::number(pairKappa[key], 'f', 3)
                                                                : QStringLiteral("not defined");
                QCOMPARE(lines[2], QStringLiteral("Cohen's kappa: ") + value);
            }
        // The CSV export keeps every annotator.
        QCOMPARE(d->csvOf(ui::Dashboard::TabAgreement).count(QLatin1Char('\n')), 201);
    }

private:
    // NAME.csv and NAME-gold.csv written from the rows, imported into NAME.chorus; empty when a
    // file could not be written.
    QString importProject(const QString& name, const QStringList& answers, const QStringList& golds)
    {
        const QString data = m_dir.filePath(name + QStringLiteral(".csv")), gold = m_dir.filePath(name + QStringLiteral("-gold.csv"));
        if (!writeFile(data, answers) || !writeFile(gold, golds))
            return {};
        const QString project = m_dir.filePath(name + QStringLiteral(".chorus"));
        model::ImportOptions o;
        o.goldFile = gold;
        test::importIntoNewProject(project, data, o);
        return project;
    }

    QTemporaryDir m_dir;
    QString m_flan, m_crowd;
};

QTEST_MAIN(TestCharts)
#include "tst_charts.moc"
