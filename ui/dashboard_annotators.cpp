// The insight dashboard's annotator tabs: estimated competence against accuracy, Cohen's kappa
// of every pair, and the labels each annotator gives; each shows the top and bottom N
// annotators by its measure (AnnotatorLimit).

#include "dashboard.h"

#include "annotatorchart.h"
#include "heatmapwidget.h"
#include "pageparts.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QHorizontalBarSeries>
#include <QHorizontalStackedBarSeries>
#include <QLabel>
#include <QValueAxis>

#include <cmath>

namespace chorus::ui {

namespace {

// Axes of a horizontal bar chart of annotators: names (distinct, cut in the middle past 24
// characters) on the left, `rows` listed bottom-up as horizontal bar series draw them.
void attachAnnotatorAxes(QChart* chart, QAbstractSeries* series, const QStringList& names, const std::vector<int>& rows,
                         double maxX, const QString& xTitle)
{
    const QStringList shortNames = distinctShortNames(names, 24);
    QStringList categories;
    // QtCharts draws axis labels as rich text; names are data.
    for (int a : rows)
        categories << shortNames.value(a).toHtmlEscaped();
    auto* y = new QBarCategoryAxis;
    y->append(categories);
    auto* x = new QValueAxis;
    x->setRange(0, maxX);
    x->setTitleText(xTitle);
    chart->addAxis(y, Qt::AlignLeft);
    chart->addAxis(x, Qt::AlignBottom);
    series->attachAxis(y);
    series->attachAxis(x);
}

} // namespace

void Dashboard::buildAgreement()
{
    // Agreement heat map: kappa of every pair (diagonal 1), for the annotators with the highest
    // and lowest mean kappa with the others when there are more than the limit.
    const int A = static_cast<int>(m_data.annotators.size());
    const std::vector<double> kappa = pairwiseKappa(m_data);
    const AnnotatorSelection sel = selectTopBottom(meanOffDiagonal(kappa, A), m_limit->value());
    QStringList names;
    for (int a : sel.shown)
        names << m_data.annotators.value(a);
    m_agreementCaption->setText(tr("Heat map: %1").arg(sel.caption(tr("mean Cohen's kappa with the others"))));
    m_kappa->setToolTipLabels(tr("annotator"), tr("with"), tr("Cohen's kappa"));
    m_kappa->setData(names, names, subMatrix(kappa, A, sel.shown), -1, 1, 2);
    const auto& ag = m_data.agreement;
    m_agreementSummary->setText(tr("Fleiss' kappa %1%2   ·   Krippendorff's alpha (nominal) %3%4   ·   "
                                   "percent agreement %5   ·   %6 items with 2+ labels (95% bootstrap intervals, "
                                   "%7 replicates)")
                                    .arg(coefText(ag.agreement.fleissKappa), intervalText(ag.intervals.fleissKappa),
                                         coefText(ag.agreement.krippendorffAlpha),
                                         intervalText(ag.intervals.krippendorffAlpha),
                                         coefText(ag.agreement.percentAgreement))
                                    .arg(ag.agreement.itemsUsed)
                                    .arg(ag.intervals.replicates));
}

void Dashboard::buildCompetence()
{
    if (!(m_have & (model::DashboardPart::Overview | model::DashboardPart::Methods)))
        return;
    QChart* chart = m_competence->chart();
    const int methodIndex = m_method->currentData().toInt();
    std::vector<double> competence = m_data.consensusCompetence;
    QString name = m_data.consensusMethod;
    QString corr;
    if (methodIndex >= 0 && methodIndex < static_cast<int>(m_data.evaluation.methods.size())) {
        const auto& m = m_data.evaluation.methods[methodIndex];
        competence = m.competence;
        name = QString::fromStdString(m.name);
        corr = tr("Spearman %1, Pearson %2 with accuracy (n = %3)")
                   .arg(coefText(m.spearman.r), coefText(m.pearson.r))
                   .arg(m.spearman.n);
    }
    if (corr.isEmpty() && m_data.hasGold) {
        std::vector<double> truth;
        for (const auto& a : m_data.evaluation.annotators)
            truth.push_back(a.result.answered > 0 ? a.result.accuracy : std::nan(""));
        if (truth.size() == competence.size()) {
            const auto sp = agg::spearman(competence, truth), pe = agg::pearson(competence, truth);
            corr = tr("Spearman %1, Pearson %2 with accuracy (n = %3)").arg(coefText(sp.r), coefText(pe.r)).arg(sp.n);
        }
    }
    competence.resize(m_data.annotators.size(), std::nan(""));
    const QString measure = tr("competence (%1)").arg(name);
    const AnnotatorSelection sel = selectTopBottom(competence, m_limit->value());
    const std::vector<int> rows(sel.shown.rbegin(), sel.shown.rend());  // bottom-up
    resetChart(chart, tr("Estimated competence (%1) and accuracy against gold").arg(name));
    m_competenceCaption->setText((corr.isEmpty() ? QString() : corr + QStringLiteral(" · ")) + sel.caption(measure));
    auto* series = new QHorizontalBarSeries;
    auto* est = new QBarSet(measure);
    // The gold bar set exists only with gold: a set never appended to the series has no owner and would leak.
    QBarSet* acc = m_data.hasGold ? new QBarSet(tr("accuracy vs gold")) : nullptr;
    QStringList tips;
    for (int a : rows) {
        const double c = competence[a];
        *est << (std::isfinite(c) ? c : 0.0);
        QString tip = QStringLiteral("%1\n%2: %3").arg(m_data.annotators.value(a), measure, chartNumber(c));
        if (acc) {
            const auto& r = m_data.evaluation.annotators[a].result;
            *acc << (std::isfinite(r.accuracy) ? r.accuracy : 0.0);
            tip += QLatin1Char('\n') + tr("accuracy vs gold: %1 on %2 gold items").arg(chartNumber(r.accuracy)).arg(r.answered);
        }
        tips << tip;
    }
    setBarToolTips(est, tips);
    series->append(est);
    if (acc) {
        setBarToolTips(acc, tips);
        series->append(acc);
    }
    chart->addSeries(series);
    attachAnnotatorAxes(chart, series, m_data.annotators, rows, 1.0, tr("probability"));
    chart->legend()->setAlignment(Qt::AlignTop);  // in sight when the bars scroll
    fitChartRows(m_competence, static_cast<int>(rows.size()), acc ? 2 : 1);
}

void Dashboard::buildLabelUse()
{
    if (!(m_have & model::DashboardPart::Overview))
        return;
    QChart* chart = m_labelUse->chart();
    const int L = static_cast<int>(m_data.labels.size());
    const int A = static_cast<int>(m_data.annotators.size());
    const AnnotatorSelection sel = selectTopBottom(distanceFromPooledMix(m_data.labelUse, A, L + 1), m_limit->value());
    const std::vector<int> rows(sel.shown.rbegin(), sel.shown.rend());  // bottom-up
    resetChart(chart, tr("Labels given by each annotator (share of its answers)"));
    m_labelUseCaption->setText(sel.caption(tr("distance of its label mix from the crowd's (total variation)")));
    auto use = [&](int a, int l) { return m_data.labelUse[static_cast<size_t>(a) * (L + 1) + l]; };
    auto* series = new QHorizontalStackedBarSeries;
    for (int l = 0; l <= L; ++l) {
        const QString label = l < L ? m_data.labels[l] : QStringLiteral("INVALID");
        auto* set = new QBarSet(label.toHtmlEscaped());  // legend labels are rich text too
        bool any = false;
        QStringList tips;
        for (int a : rows) {
            int64_t total = 0;
            for (int j = 0; j <= L; ++j)
                total += use(a, j);
            const int64_t c = use(a, l);
            any = any || c > 0;
            *set << (total > 0 ? double(c) / total : 0.0);
            tips << tr("%1\n%2: %3 (%4 of %5 answers)")
                        .arg(m_data.annotators.value(a), label, chartNumber(total > 0 ? double(c) / total : std::nan("")),
                             QString::number(c), QString::number(total));
        }
        if (l < L || any) {
            setBarToolTips(set, tips);
            series->append(set);
        } else {
            delete set;
        }
    }
    chart->addSeries(series);
    attachAnnotatorAxes(chart, series, m_data.annotators, rows, 1.0, tr("share"));
    chart->legend()->setAlignment(Qt::AlignTop);  // in sight when the bars scroll
    fitChartRows(m_labelUse, static_cast<int>(rows.size()), 1);
}

} // namespace chorus::ui
