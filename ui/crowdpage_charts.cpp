// The Crowd tab's charts and their CSV: the candidate crowds by cost and quality with the
// front, the redundancy heat map, the crowd-size curves.

#include "crowdpage.h"

#include "annotatorchart.h"
#include "csvreader.h"
#include "heatmapwidget.h"
#include "pageparts.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QCursor>
#include <QLabel>
#include <QLineSeries>
#include <QScatterSeries>
#include <QToolTip>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <limits>

namespace chorus::ui {

namespace {

// The point of `series` nearest to p, distances scaled by the axes' spans; -1 when empty.
int nearestPoint(const QXYSeries* series, QPointF p, double xSpan, double ySpan)
{
    const QList<QPointF> points = series->points();
    int best = -1;
    double bestD = std::numeric_limits<double>::infinity();
    for (int k = 0; k < points.size(); ++k) {
        const double dx = (points[k].x() - p.x()) / std::max(xSpan, 1e-12);
        const double dy = (points[k].y() - p.y()) / std::max(ySpan, 1e-12);
        if (dx * dx + dy * dy < bestD)
            bestD = dx * dx + dy * dy, best = k;
    }
    return best;
}

QValueAxis* valueAxis(QChart* chart, Qt::Alignment where, double lo, double hi, const QString& title)
{
    auto* a = new QValueAxis;
    a->setRange(lo, hi);
    a->setTitleText(title);
    chart->addAxis(a, where);
    return a;
}

} // namespace

double CrowdPage::yOf(const agg::CrowdCandidate& c) const
{
    return report().design.withGold ? c.holdout.macroF1 : c.estimatedAccuracy;
}

void CrowdPage::build()
{
    const agg::CrowdDesign& d = report().design;
    double total = 0;
    for (double c : report().options.costs)
        total += c;
    const double share = m_budget->currentData().toDouble();
    const double maxCost = share > 0 ? share * total : std::numeric_limits<double>::infinity();
    const int32_t rec = agg::recommendCrowd(d, maxCost);
    QString text = d.withGold
        ? tr("Crowds are chosen by macro-F1 on %L1 selection gold items; the chart shows macro-F1 on the other %L2 "
             "(the holdout, never used for choosing).")
              .arg(d.split.selection.size())
              .arg(d.split.holdout.size())
        : tr("No gold labels: every score here is an ESTIMATE, the expected accuracy of a crowd's labels under the "
             "full crowd's %1 posterior (it inherits that posterior's overconfidence).")
              .arg(QString::fromStdString(d.reference));
    if (rec >= 0) {
        const agg::CrowdCandidate& c = d.candidates[static_cast<size_t>(rec)];
        text += QLatin1Char(' ')
            + tr("Recommended%1: %2, cost %3 per item, %4 %5.")
                  .arg(share > 0 ? tr(" (at most %1 per item)").arg(chartNumber(maxCost, 4)) : QString(), crowdText(c),
                       chartNumber(c.cost, 4), d.withGold ? tr("holdout macro-F1") : tr("estimated accuracy"), chartNumber(yOf(c)));
    }
    if (report().costs.anyUnknown())
        text += QLatin1Char(' ') + tr("Some annotators have no known cost; they count 1 per item.");
    m_caption->setText(text);
    buildPareto();
    buildRedundancy();
    buildCurve();
}

void CrowdPage::buildPareto()
{
    QChart* chart = m_pareto->chart();
    const agg::CrowdDesign& d = report().design;
    resetChart(chart, d.withGold ? tr("Cost and holdout macro-F1 of every crowd tried")
                                 : tr("Cost and ESTIMATED accuracy of every crowd tried (no gold)"));
    m_pointCandidates.clear();
    double maxX = 0, minY = 1, maxY = 0;
    auto extend = [&](const agg::CrowdCandidate& c) {
        maxX = std::max(maxX, c.cost);
        minY = std::min(minY, yOf(c));
        maxY = std::max(maxY, yOf(c));
    };
    std::vector<QXYSeries*> series;
    for (size_t m = 0; m < report().options.methods.size(); ++m) {
        auto* s = new QScatterSeries;
        s->setName(QString::fromStdString(report().options.methods[m]));
        s->setMarkerSize(7);
        s->setColor(seriesColor(static_cast<int>(m)));
        s->setBorderColor(Qt::transparent);
        std::vector<int32_t>& ids = m_pointCandidates[s->name()];
        QList<QPointF> points;
        for (size_t k = 0; k < d.candidates.size(); ++k) {
            const agg::CrowdCandidate& c = d.candidates[k];
            if (c.method != static_cast<int32_t>(m) || !std::isfinite(yOf(c)))
                continue;
            points << QPointF(c.cost, yOf(c));
            ids.push_back(static_cast<int32_t>(k));
            extend(c);
        }
        s->replace(points);
        series.push_back(s);
    }
    auto* front = new QLineSeries;
    front->setName(tr("front"));
    front->setPointsVisible(true);
    QPen pen(Qt::black);
    pen.setWidthF(1.5);
    front->setPen(pen);
    QList<QPointF> frontPoints;
    std::vector<int32_t>& frontIds = m_pointCandidates[front->name()];
    for (int32_t k : d.pareto)
        if (std::isfinite(yOf(d.candidates[static_cast<size_t>(k)]))) {
            frontPoints << QPointF(d.candidates[static_cast<size_t>(k)].cost, yOf(d.candidates[static_cast<size_t>(k)]));
            frontIds.push_back(k);
        }
    front->replace(frontPoints);
    series.push_back(front);
    for (QXYSeries* s : series)
        chart->addSeries(s);
    if (maxY < minY)
        minY = 0, maxY = 1;
    const double pad = std::max(0.02, (maxY - minY) * 0.05);
    QValueAxis* x = valueAxis(chart, Qt::AlignBottom, 0, maxX > 0 ? maxX * 1.05 : 1, tr("cost per item"));
    x->applyNiceNumbers();
    QValueAxis* y = valueAxis(chart, Qt::AlignLeft, std::max(0.0, minY - pad), std::min(1.0, maxY + pad),
                              d.withGold ? tr("holdout macro-F1") : tr("estimated accuracy"));
    for (QXYSeries* s : series) {
        s->attachAxis(x);
        s->attachAxis(y);
        const QString name = s->name();
        connect(s, &QXYSeries::hovered, this, [this, s, name, x, y](const QPointF& p, bool on) {
            const int k = on ? candidateAt(name, nearestPoint(s, p, x->max() - x->min(), y->max() - y->min())) : -1;
            if (k < 0) {
                QToolTip::hideText();
                return;
            }
            const agg::CrowdCandidate& c = report().design.candidates[static_cast<size_t>(k)];
            QToolTip::showText(QCursor::pos(),
                               plainToolTip(tr("%1\ncost %2 per item\nselection macro-F1 %3, holdout macro-F1 %4, "
                                               "holdout accuracy %5\nestimated accuracy %6\nClick to run this crowd.")
                                                .arg(crowdText(c), chartNumber(c.cost, 4), chartNumber(c.selection.macroF1),
                                                     chartNumber(c.holdout.macroF1), chartNumber(c.holdout.accuracy),
                                                     chartNumber(c.estimatedAccuracy))));
        });
        connect(s, &QXYSeries::clicked, this, [this, s, name, x, y](const QPointF& p) {
            runCandidate(candidateAt(name, nearestPoint(s, p, x->max() - x->min(), y->max() - y->min())));
        });
    }
    chart->legend()->setAlignment(Qt::AlignBottom);
}

void CrowdPage::buildRedundancy()
{
    const agg::CrowdDesign& d = report().design;
    const int M = static_cast<int>(m_annotators.size());
    const int measure = m_redundancyMeasure->currentIndex();
    std::vector<double> values(static_cast<size_t>(M) * M, std::nan(""));
    double hi = 1;
    for (const agg::PairRedundancy& r : d.pairs) {
        const agg::CoOccurrence& co = measure == 2 ? r.consensus : r.gold;
        const double v = measure == 1 ? co.ratio : co.kappa;
        if (r.a >= M || r.b >= M)
            continue;
        values[static_cast<size_t>(r.a) * M + r.b] = values[static_cast<size_t>(r.b) * M + r.a] = v;
        if (std::isfinite(v))
            hi = std::max(hi, v);
    }
    m_redundancy->setAxisTitles(tr("annotator"), tr("annotator"));
    m_redundancy->setToolTipLabels(tr("annotator"), tr("annotator"), m_redundancyMeasure->currentText());
    if (measure == 1)
        m_redundancy->setData(m_annotators, m_annotators, std::move(values), 0, std::max(2.0, hi), 2);
    else
        m_redundancy->setData(m_annotators, m_annotators, std::move(values), -1, 1, 2);
}

void CrowdPage::buildCurve()
{
    QChart* chart = m_curve->chart();
    const agg::CrowdDesign& d = report().design;
    const bool gold = d.withGold;
    resetChart(chart, gold ? tr("Holdout macro-F1 by crowd size (solid: mean, dashed: best)")
                           : tr("ESTIMATED accuracy by crowd size, mean (no gold)"));
    std::vector<QLineSeries*> series;
    int maxSize = 1;
    for (const agg::MethodSearchInfo& m : d.methods) {
        if (m.curve.empty())
            continue;
        auto* mean = new QLineSeries;
        mean->setName(QString::fromStdString(m.method));
        mean->setPointsVisible(true);
        mean->setColor(seriesColor(static_cast<int>(&m - d.methods.data())));
        QList<QPointF> meanPoints, bestPoints;
        for (const agg::CrowdCurvePoint& p : m.curve) {
            maxSize = std::max(maxSize, p.size);
            meanPoints << QPointF(p.size, gold ? p.meanMacroF1 : p.meanEstimate);
            bestPoints << QPointF(p.size, p.bestMacroF1);
        }
        mean->replace(meanPoints);
        series.push_back(mean);
        if (gold) {
            auto* best = new QLineSeries;
            best->setName(QString::fromStdString(m.method) + tr(" best"));
            best->replace(bestPoints);
            series.push_back(best);
        }
        const std::vector<agg::CrowdCurvePoint> curve = m.curve;
        const QString method = QString::fromStdString(m.method);
        connect(mean, &QXYSeries::hovered, this, [curve, method, gold](const QPointF& p, bool on) {
            const int size = static_cast<int>(std::lround(p.x()));
            const auto it = std::find_if(curve.begin(), curve.end(), [size](const auto& c) { return c.size == size; });
            if (!on || it == curve.end()) {
                QToolTip::hideText();
                return;
            }
            QToolTip::showText(QCursor::pos(),
                               plainToolTip(gold ? tr("%1, crowds of %2 (%L3 %4)\nholdout macro-F1: mean %5, best %6")
                                                       .arg(method)
                                                       .arg(size)
                                                       .arg(it->crowds)
                                                       .arg(it->exhaustive ? tr("all") : tr("random"))
                                                       .arg(chartNumber(it->meanMacroF1), chartNumber(it->bestMacroF1))
                                                 : tr("%1, crowds of %2 (%L3)\nestimated accuracy: mean %4")
                                                       .arg(method)
                                                       .arg(size)
                                                       .arg(it->crowds)
                                                       .arg(chartNumber(it->meanEstimate))));
        });
    }
    for (QLineSeries* s : series)
        chart->addSeries(s);
    // Each method's "best" line: dashed, in its mean line's colour (known once added).
    for (size_t k = 0; k + 1 < series.size(); ++k)
        if (gold && series[k + 1]->name().endsWith(tr(" best"))) {
            QPen pen = series[k + 1]->pen();
            pen.setColor(series[k]->color());
            pen.setStyle(Qt::DashLine);
            series[k + 1]->setPen(pen);
        }
    QValueAxis* x = valueAxis(chart, Qt::AlignBottom, 1, std::max(2, maxSize), tr("annotators in the crowd"));
    x->setTickCount(std::min(std::max(2, maxSize), 14));
    x->setLabelFormat(QStringLiteral("%d"));
    QValueAxis* y = valueAxis(chart, Qt::AlignLeft, 0, 1, gold ? tr("holdout macro-F1") : tr("estimated accuracy"));
    for (QLineSeries* s : series) {
        s->attachAxis(x);
        s->attachAxis(y);
    }
    chart->legend()->setAlignment(Qt::AlignBottom);
}

QString CrowdPage::paretoCsv() const
{
    const agg::CrowdDesign& d = report().design;
    QStringList lines{model::csvRow({QStringLiteral("method"), QStringLiteral("annotators"), QStringLiteral("cost_per_item"),
                              QStringLiteral("selection_macro_f1"), QStringLiteral("holdout_macro_f1"),
                              QStringLiteral("holdout_accuracy"), QStringLiteral("estimated_accuracy"),
                              QStringLiteral("on_front")})};
    std::vector<uint8_t> onFront(d.candidates.size(), 0);
    for (int32_t k : d.pareto)
        onFront[static_cast<size_t>(k)] = 1;
    for (size_t k = 0; k < d.candidates.size(); ++k) {
        const agg::CrowdCandidate& c = d.candidates[k];
        QStringList names;
        for (int32_t a : c.members)
            names << m_annotators.value(a);
        lines << model::csvRow({QString::fromStdString(report().options.methods[static_cast<size_t>(c.method)]),
                         names.join(QLatin1Char(';')), fullNumber(c.cost), fullNumber(c.selection.macroF1), fullNumber(c.holdout.macroF1),
                         fullNumber(c.holdout.accuracy), fullNumber(c.estimatedAccuracy), QString::number(onFront[k])});
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

QString CrowdPage::redundancyCsv() const
{
    QStringList lines{model::csvRow({QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("gold_items"),
                              QStringLiteral("gold_rate_a"), QStringLiteral("gold_rate_b"), QStringLiteral("gold_joint"),
                              QStringLiteral("gold_ratio"), QStringLiteral("gold_kappa"), QStringLiteral("consensus_items"),
                              QStringLiteral("consensus_joint"), QStringLiteral("consensus_ratio"),
                              QStringLiteral("consensus_kappa")})};
    for (const agg::PairRedundancy& r : report().design.pairs)
        lines << model::csvRow({m_annotators.value(r.a), m_annotators.value(r.b), QString::number(r.gold.items), fullNumber(r.gold.rateA),
                         fullNumber(r.gold.rateB), fullNumber(r.gold.joint), fullNumber(r.gold.ratio), fullNumber(r.gold.kappa),
                         QString::number(r.consensus.items), fullNumber(r.consensus.joint), fullNumber(r.consensus.ratio),
                         fullNumber(r.consensus.kappa)});
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

QString CrowdPage::curveCsv() const
{
    QStringList lines{model::csvRow({QStringLiteral("method"), QStringLiteral("size"), QStringLiteral("crowds"),
                              QStringLiteral("subsets"), QStringLiteral("mean_macro_f1"), QStringLiteral("best_macro_f1"),
                              QStringLiteral("mean_accuracy"), QStringLiteral("best_accuracy"),
                              QStringLiteral("mean_estimated_accuracy")})};
    for (const agg::MethodSearchInfo& m : report().design.methods)
        for (const agg::CrowdCurvePoint& p : m.curve)
            lines << model::csvRow({QString::fromStdString(m.method), QString::number(p.size), QString::number(p.crowds),
                             p.exhaustive ? QStringLiteral("all") : QStringLiteral("random"), fullNumber(p.meanMacroF1),
                             fullNumber(p.bestMacroF1), fullNumber(p.meanAccuracy), fullNumber(p.bestAccuracy), fullNumber(p.meanEstimate)});
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

} // namespace chorus::ui
