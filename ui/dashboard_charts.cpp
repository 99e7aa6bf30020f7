// The insight dashboard's Methods, Divergence and Confusion tabs: the methods and annotators
// against gold, the per-item divergence of two label distributions as a histogram whose bars
// filter the review table, and the confusion matrix of a method or annotator.

#include "dashboard.h"

#include "annotatorchart.h"
#include "divergencesourcebox.h"
#include "heatmapwidget.h"
#include "pageparts.h"
#include "workbench.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QCursor>
#include <QLabel>
#include <QTableWidget>
#include <QToolTip>
#include <QValueAxis>

#include <cmath>

namespace chorus::ui {

namespace {

constexpr int kBins = 20;

void attachAxes(QChart* chart, QAbstractSeries* series, const QStringList& categories, double maxY, const QString& yTitle)
{
    auto* x = new QBarCategoryAxis;
    x->append(categories);
    x->setLabelsAngle(categories.size() > 6 ? -45 : 0);
    auto* y = new QValueAxis;
    y->setRange(0, maxY);
    y->setTitleText(yTitle);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    series->attachAxis(x);
    series->attachAxis(y);
}

} // namespace

void Dashboard::buildMethods()
{
    QChart* chart = m_methods->chart();
    resetChart(chart, tr("Accuracy and macro-F1 against gold: aggregation methods and single annotators"));
    m_methodTable->clear();
    if (!m_data.hasGold)
        return;
    struct Row
    {
        QString name;
        double accuracy, macroF1, weightedF1, coverage;
        agg::Interval accCi, f1Ci;
    };
    const size_t M = m_data.evaluation.methods.size();
    auto ci = [this](const std::vector<agg::Interval>& v, size_t k) { return k < v.size() ? v[k] : agg::Interval{}; };
    std::vector<Row> rows;
    const auto& ev = m_data.evaluation;
    for (size_t k = 0; k < M; ++k) {
        const auto& m = ev.methods[k];
        if (m.error.empty())
            rows.push_back({QString::fromStdString(m.name), m.result.accuracy, m.result.macroF1, m.result.weightedF1,
                            m.result.coverage, ci(m_data.accuracyCi, k), ci(m_data.macroF1Ci, k)});
    }
    const size_t methodRows = rows.size();
    if (ev.bestAnnotator >= 0) {
        const auto& b = ev.annotators[ev.bestAnnotator];
        rows.push_back({tr("best: %1 (≥%2 gold items)").arg(m_data.annotators.value(ev.bestAnnotator)).arg(ev.minItems), b.result.accuracy, b.result.macroF1,
                        b.result.weightedF1, b.result.coverage, ci(m_data.accuracyCi, M + ev.bestAnnotator),
                        ci(m_data.macroF1Ci, M + ev.bestAnnotator)});
    }
    rows.push_back({tr("mean of %n annotator(s) (≥%1 gold items)", nullptr, ev.annotatorsRanked).arg(ev.minItems), ev.meanAnnotatorAccuracy, ev.meanAnnotatorMacroF1, std::nan(""), std::nan(""), {}, {}});
    const size_t charted = rows.size();  // the chart compares methods with the best and mean annotator
    for (size_t a = 0; a < ev.annotators.size(); ++a)
        rows.push_back({m_data.annotators.value(static_cast<int>(a)), ev.annotators[a].result.accuracy,
                        ev.annotators[a].result.macroF1, ev.annotators[a].result.weightedF1,
                        ev.annotators[a].result.coverage, ci(m_data.accuracyCi, M + a), ci(m_data.macroF1Ci, M + a)});
    auto* series = new QBarSeries;
    auto* acc = new QBarSet(tr("accuracy"));
    auto* f1 = new QBarSet(tr("macro-F1"));
    QStringList names, accTips, f1Tips;
    for (size_t k = 0; k < charted; ++k) {
        const Row& r = rows[k];
        // The best annotator's name is data and long: the axis says "best single" (it did show
        // "best: fl…"), the tooltip and the table below say who.
        names << (k < methodRows ? r.name.toHtmlEscaped() : k + 1 < charted ? tr("best single") : tr("mean single"));
        *acc << (std::isfinite(r.accuracy) ? r.accuracy : 0.0);
        *f1 << (std::isfinite(r.macroF1) ? r.macroF1 : 0.0);
        accTips << tr("%1\naccuracy %2 %3").arg(r.name, chartNumber(r.accuracy, 4), intervalText(r.accCi).trimmed());
        f1Tips << tr("%1\nmacro-F1 %2 %3").arg(r.name, chartNumber(r.macroF1, 4), intervalText(r.f1Ci).trimmed());
    }
    series->append(acc);
    series->append(f1);
    setBarToolTips(acc, accTips);
    setBarToolTips(f1, f1Tips);
    chart->addSeries(series);
    attachAxes(chart, series, names, 1.0, QString());

    m_methodTable->setColumnCount(7);
    m_methodTable->setHorizontalHeaderLabels({tr("Method / annotator"), tr("Accuracy"), tr("Macro-F1"), tr("Weighted F1"),
                                              tr("Coverage"), tr("Accuracy 95% CI"), tr("Macro-F1 95% CI")});
    m_methodTable->setRowCount(static_cast<int>(rows.size()));
    for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
        const double v[] = {rows[r].accuracy, rows[r].macroF1, rows[r].weightedF1, rows[r].coverage};
        m_methodTable->setItem(r, 0, new QTableWidgetItem(rows[r].name));
        for (int c = 0; c < 4; ++c) {
            m_methodTable->setItem(r, c + 1, numberCell(v[c], 4));
        }
        m_methodTable->setItem(r, 5, new QTableWidgetItem(intervalText(rows[r].accCi).trimmed()));
        m_methodTable->setItem(r, 6, new QTableWidgetItem(intervalText(rows[r].f1Ci).trimmed()));
    }
    m_methodTable->resizeColumnsToContents();
}

void Dashboard::buildDivergence()
{
    QChart* chart = m_divergence->chart();
    m_binItems.assign(kBins, {});
    m_divCaption->clear();
    if (!m_data.divergenceError.isEmpty()) {
        resetChart(chart, tr("Divergence"));
        m_divCaption->setText(tr("Nothing to compare: %1").arg(m_data.divergenceError));
        return;
    }
    const QString p = m_divP->describe(m_data.divergenceP), q = m_divQ->describe(m_data.divergenceQ);
    if (m_data.divergenceItems.empty()) {
        resetChart(chart, tr("Divergence"));
        m_divCaption->setText(tr("No item has both distributions (%1 and %2).").arg(p, q));
        return;
    }
    const int metric = m_divMetric->currentIndex();
    const std::vector<double>& values = metric == 1 ? m_data.divergenceKl : metric == 2 ? m_data.divergenceTvd
                                                                                       : m_data.divergenceJsd;
    // JSD (base 2) and TVD lie in [0, 1]; KL is unbounded: bins span [0, largest finite value]
    // and an infinite KL (q gives 0 to a label p has) goes to the last bin.
    double top = 1.0;
    if (metric == 1) {
        top = 0;
        for (double v : values)
            if (std::isfinite(v))
                top = std::max(top, v);
        top = top > 0 ? top : 1.0;
    }
    resetChart(chart, tr("%1 per item (base 2)").arg(m_divMetric->currentText()));
    m_divCaption->setText(tr("%1 vs %2: %L3 items compared. Mean JSD %4 · KL %5 · TVD %6 · distance correlation %7. "
                             "Click a bar to review its items.")
                              .arg(p, q)
                              .arg(m_data.divergenceItems.size())
                              .arg(chartNumber(m_data.meanJsd), chartNumber(m_data.meanKl), chartNumber(m_data.meanTvd), coefText(m_data.dcor)));
    for (size_t k = 0; k < m_data.divergenceItems.size(); ++k) {
        const double v = values[k];
        const int bin = std::isfinite(v) ? std::clamp(static_cast<int>(v / top * kBins), 0, kBins - 1) : kBins - 1;
        m_binItems[bin].push_back(m_data.divergenceItems[k]);
    }
    auto* set = new QBarSet(tr("items"));
    QStringList cats;
    double maxCount = 1;
    for (int b = 0; b < kBins; ++b) {
        *set << double(m_binItems[b].size());
        maxCount = std::max(maxCount, double(m_binItems[b].size()));
        cats << QString::number(top * b / kBins, 'g', 2);
    }
    auto* series = new QBarSeries;
    series->setBarWidth(0.95);
    series->append(set);
    chart->addSeries(series);
    attachAxes(chart, series, cats, maxCount, tr("items"));
    for (QAbstractAxis* axis : chart->axes(Qt::Vertical))
        static_cast<QValueAxis*>(axis)->applyNiceNumbers();
    // Twenty bin labels do not fit a narrow chart (they were all "…" at 1366): the bins' own
    // axis is hidden and a value axis over the same width reads the scale.
    for (QAbstractAxis* axis : chart->axes(Qt::Horizontal))
        axis->setVisible(false);
    auto* scale = new QValueAxis;
    scale->setRange(0, top);
    scale->setTickCount(6);
    scale->setLabelFormat(QStringLiteral("%.3g"));
    scale->setTitleText(m_divMetric->currentText());
    chart->addAxis(scale, Qt::AlignBottom);
    chart->legend()->hide();
    connect(set, &QBarSet::hovered, this, [this, top](bool on, int bin) {
        if (!on)
            return;
        const QString range = bin + 1 < kBins ? tr("[%1, %2)") : tr("[%1, %2] and infinite");
        QToolTip::showText(QCursor::pos(), tr("%1 in %2: %L3 items")
                                               .arg(m_divMetric->currentText(),
                                                    range.arg(top * bin / kBins, 0, 'g', 3)
                                                        .arg(top * (bin + 1) / kBins, 0, 'g', 3))
                                               .arg(m_binItems[bin].size()));
    });
    connect(set, &QBarSet::clicked, this, [this](int bin) {
        emit filterItems(m_binItems[bin], tr("%1 bin %2 of %3").arg(m_divMetric->currentText()).arg(bin + 1).arg(kBins));
    });
}

void Dashboard::buildConfusion()
{
    if (!(m_have & (model::DashboardPart::Overview | model::DashboardPart::Methods)))
        return;
    const auto& s = m_wb->snapshot();
    const int L = s.numLabels();
    const bool gold = m_confReference->currentIndex() == 0;
    const std::vector<int32_t>& truth = gold ? s.gold : s.humanLabel;
    const bool any = std::any_of(truth.begin(), truth.end(), [](int32_t t) { return t >= 0; });
    m_confusion->setAxisTitles(m_confReference->currentText(), m_confSubject->currentText());
    m_confusion->setToolTipLabels(m_confReference->currentText(), m_confSubject->currentText(), tr("items"));
    if (!any || L == 0) {
        m_confusion->setData({}, {}, {}, 0, 1, 0);
        return;
    }
    std::vector<int32_t> pred = confusionSubject();
    for (auto& p : pred)
        if (p >= L)
            p = -1;
    const auto ev = agg::evaluate(pred, truth, L);
    std::vector<double> conf;
    double maxConf = 1;
    for (int64_t c : ev.confusion) {
        conf.push_back(double(c));
        maxConf = std::max(maxConf, double(c));
    }
    QStringList cols = m_data.labels;
    cols << tr("none");
    m_confusion->setData(m_data.labels, cols, std::move(conf), 0, maxConf, 0);
}

} // namespace chorus::ui
