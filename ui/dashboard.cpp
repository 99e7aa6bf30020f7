#include "dashboard.h"

#include "annotatorchart.h"
#include "calibrationpage.h"
#include "crowdpage.h"
#include "csvreader.h"
#include "divergencesourcebox.h"
#include "flowlayout.h"
#include "heatmapwidget.h"
#include "workbench.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QCursor>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QHorizontalBarSeries>
#include <QHorizontalStackedBarSeries>
#include <QLabel>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollArea>
#include <QSpinBox>
#include <QStackedBarSeries>
#include <QSvgGenerator>
#include <QToolTip>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <QValueAxis>

#include <cmath>

namespace chorus::ui {

namespace {

constexpr int kBins = 20;

QChartView* makeView(QWidget* parent)
{
    auto* v = new QChartView(new QChart, parent);
    v->setRenderHint(QPainter::Antialiasing);
    v->chart()->setAnimationOptions(QChart::NoAnimation);
    v->chart()->legend()->setAlignment(Qt::AlignBottom);
    return v;
}

QString coefText(const agg::Coefficient& c)
{
    return c.isNull() ? QStringLiteral("n/a") : chartNumber(c.value);
}

QString intervalText(const agg::Interval& i)
{
    return i.defined() ? QStringLiteral(" [%1, %2]").arg(chartNumber(i.lo), chartNumber(i.hi)) : QString();
}

// Replaces a chart's series and axes.
void resetChart(QChart* chart, const QString& title)
{
    chart->removeAllSeries();
    for (QAbstractAxis* a : chart->axes())
        chart->removeAxis(a), delete a;
    chart->setTitle(title);
}

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

Dashboard::Dashboard(model::Workbench* workbench, QWidget* parent) : QWidget(parent), m_wb(workbench)
{
    m_method = new QComboBox(this);
    m_method->setToolTip(tr("Method whose estimated competences are charted"));
    m_method->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_crowd = new QComboBox(this);
    m_crowd->addItem(tr("Annotators"), int(model::DashboardCrowd::Annotators));
    m_crowd->addItem(tr("Reviewers"), int(model::DashboardCrowd::Reviewers));
    m_crowd->addItem(tr("Both"), int(model::DashboardCrowd::Both));
    m_crowd->setToolTip(tr("Whose labels every tab analyses: the project's annotators, the team's human reviewers "
                           "(each reviewer's latest label per item), or both"));
    m_truth = new QComboBox(this);
    m_truth->addItem(tr("gold"));
    m_truth->addItem(tr("adjudicated"));
    m_truth->setToolTip(tr("What accuracies are computed against: the project's gold labels or the adjudicators' "
                           "final labels"));
    // Narrow: the top bar must fit a 1366-px window beside the docks.
    for (QComboBox* c : {m_crowd, m_truth}) {
        c->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        c->setMinimumContentsLength(9);
    }
    m_limit = new AnnotatorLimit(this);
    m_status = new QLabel(this);
    m_status->setTextFormat(Qt::PlainText);
    // The stage text changes while a job runs ("Methods: glad (4 of 5) 3/100"); its width must
    // not become the window's minimum, or a 1366-px window grows to fit it and stays wider.
    m_status->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_status->setMinimumWidth(0);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(200);
    m_progress->hide();
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setToolTip(tr("Stop the running computation"));
    m_cancel->hide();
    auto* refresh = new QPushButton(tr("Recompute"), this);
    auto* exportButton = new QPushButton(tr("Export…"), this);
    exportButton->setToolTip(tr("Save the current chart as PNG or SVG and its numbers as CSV"));

    m_tabs = new QTabWidget(this);
    m_competence = makeView(this);
    m_tabs->addTab(m_limit->createPage(scrollableChart(m_competence, this), &m_competenceCaption, this), tr("Competence"));
    m_tabs->addTab(createAgreementPage(), tr("Agreement"));
    m_tabs->addTab(createMethodsPage(), tr("Methods"));
    m_tabs->addTab(createDivergencePage(), tr("Divergence"));
    m_tabs->addTab(createConfusionPage(), tr("Confusion"));
    m_labelUse = makeView(this);
    m_tabs->addTab(m_limit->createPage(scrollableChart(m_labelUse, this), &m_labelUseCaption, this), tr("Label use"));
    m_tabs->addTab(createLlmTab(), tr("LLM runs"));
    m_crowdPage = new CrowdPage(m_wb, this);
    m_tabs->addTab(m_crowdPage, tr("Crowd"));
    m_calibrationPage = new CalibrationPage(m_wb, this);
    m_tabs->addTab(m_calibrationPage, tr("Calibration"));
    connect(m_crowdPage, &CrowdPage::crowdRunShown, this, &Dashboard::crowdRunShown);

    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Method:"), this));
    top->addWidget(m_method);
    top->addWidget(refresh);
    top->addWidget(exportButton);
    top->addWidget(m_progress);
    top->addWidget(m_cancel);
    top->addWidget(m_status, 1);
    // Whose labels and which truth (team projects): a row of their own, so that the top bar
    // still fits a 1366-px window beside the docks.
    auto* team = new QHBoxLayout;
    team->addWidget(new QLabel(tr("Crowd:"), this));
    team->addWidget(m_crowd);
    team->addWidget(new QLabel(tr("Truth:"), this));
    team->addWidget(m_truth);
    team->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addLayout(team);
    layout->addWidget(m_tabs, 1);

    m_debounce = new QTimer(this);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(400);
    connect(m_debounce, &QTimer::timeout, this, &Dashboard::ensureCurrentTab);
    // Connect before setFuture() (house style). The stage text comes with the value.
    connect(&m_watcher, &QFutureWatcherBase::progressValueChanged, m_progress, &QProgressBar::setValue);
    connect(&m_watcher, &QFutureWatcherBase::progressTextChanged, m_status, [this](const QString& text) {
        m_status->setText(text);
        m_status->setToolTip(text);
    });
    connect(&m_watcher, &QFutureWatcherBase::finished, this, &Dashboard::finished);
    connect(refresh, &QPushButton::clicked, this, &Dashboard::refresh);
    connect(m_cancel, &QPushButton::clicked, this, &Dashboard::cancel);
    connect(exportButton, &QPushButton::clicked, this, &Dashboard::exportDialog);
    connectControls();
}

QWidget* Dashboard::createAgreementPage()
{
    auto* agreement = new QWidget(this);
    m_agreementSummary = new QLabel(agreement);
    m_agreementSummary->setTextFormat(Qt::PlainText);
    m_agreementSummary->setWordWrap(true);
    m_kappa = new HeatmapWidget(agreement);
    m_kappa->setAxisTitles(tr("annotator"), tr("Cohen's kappa"));
    auto* al = new QVBoxLayout(agreement);
    al->addWidget(m_agreementSummary);
    al->addWidget(m_kappa, 1);
    return m_limit->createPage(agreement, &m_agreementCaption, this);
}

QWidget* Dashboard::createMethodsPage()
{
    auto* methods = new QWidget(this);
    m_methods = makeView(methods);
    m_methodTable = new QTableWidget(methods);
    m_methodTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_methodTable->verticalHeader()->hide();
    auto* ml = new QVBoxLayout(methods);
    ml->addWidget(m_methods, 3);
    ml->addWidget(m_methodTable, 2);
    return methods;
}

QWidget* Dashboard::createDivergencePage()
{
    auto* divPage = new QWidget(this);
    m_divMetric = new QComboBox(divPage);
    m_divMetric->addItem(tr("Jensen-Shannon distance"));
    m_divMetric->addItem(tr("KL divergence (first ‖ second)"));
    m_divMetric->addItem(tr("Total variation distance"));
    m_divP = new DivergenceSourceBox(m_wb, divPage);
    m_divQ = new DivergenceSourceBox(m_wb, divPage);
    m_divergence = makeView(divPage);
    auto* dl = new QVBoxLayout(divPage);
    // The controls wrap on a narrow screen instead of setting the window's minimum width.
    auto* dtopBar = new QWidget(divPage);
    auto* dtop = new FlowLayout(dtopBar);
    dtop->setContentsMargins(0, 0, 0, 0);
    dtop->addWidget(new QLabel(tr("Compare"), dtopBar));
    dtop->addWidget(m_divP);
    dtop->addWidget(new QLabel(tr("with"), dtopBar));
    dtop->addWidget(m_divQ);
    dtop->addWidget(new QLabel(tr("Measure:"), dtopBar));
    dtop->addWidget(m_divMetric);
    dl->addWidget(dtopBar);
    // What is compared and the means, as plain text that wraps (a chart title is cut at 1366).
    m_divCaption = new QLabel(divPage);
    m_divCaption->setTextFormat(Qt::PlainText);
    m_divCaption->setWordWrap(true);
    dl->addWidget(m_divCaption);
    dl->addWidget(m_divergence, 1);
    return divPage;
}

QWidget* Dashboard::createConfusionPage()
{
    auto* confPage = new QWidget(this);
    m_confSubject = new QComboBox(confPage);
    m_confSubject->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_confReference = new QComboBox(confPage);
    m_confReference->addItem(tr("gold"));
    m_confReference->addItem(tr("human labels (overrides)"));
    m_confusion = new HeatmapWidget(confPage);
    auto* cl = new QVBoxLayout(confPage);
    auto* ctop = new QHBoxLayout;
    ctop->addWidget(new QLabel(tr("Labels of"), confPage));
    ctop->addWidget(m_confSubject);
    ctop->addWidget(new QLabel(tr("against"), confPage));
    ctop->addWidget(m_confReference);
    ctop->addStretch(1);
    cl->addLayout(ctop);
    cl->addWidget(m_confusion, 1);
    return confPage;
}

// The controls, the job watcher and the workbench: what recomputes or redraws which tab.
void Dashboard::connectControls()
{
    connect(m_tabs, &QTabWidget::currentChanged, this, &Dashboard::ensureCurrentTab);
    connect(m_method, &QComboBox::currentIndexChanged, this, &Dashboard::buildCompetence);
    // Another crowd or truth changes every tab's numbers.
    for (QComboBox* c : {m_crowd, m_truth})
        connect(c, &QComboBox::currentIndexChanged, this, [this] { invalidate(model::kAllDashboardParts); });
    connect(m_limit, &AnnotatorLimit::valueChanged, this, [this] {
        buildCompetence();
        buildLabelUse();
        if (m_have & model::DashboardPart::Agreement)
            buildAgreement();
    });
    connect(m_divMetric, &QComboBox::currentIndexChanged, this, [this] {
        if (m_have & model::DashboardPart::Divergence)
            buildDivergence();
    });
    for (QComboBox* c : {m_confSubject, m_confReference})
        connect(c, &QComboBox::currentIndexChanged, this, &Dashboard::buildConfusion);
    for (DivergenceSourceBox* c : {m_divP, m_divQ})
        connect(c, &DivergenceSourceBox::specChanged, this, [this] { invalidate(model::DashboardPart::Divergence); });
    connect(m_wb, &model::Workbench::projectChanged, this, [this] { fillDivergenceSources(true); });
    // A run saved or chosen changes the list (runs) and the consensus entry's text, not which
    // annotators reported probabilities (a scan of every annotation, kept off this path).
    connect(m_wb, &model::Workbench::consensusChanged, this, [this] { fillDivergenceSources(false); });
    connect(m_wb, &model::Workbench::projectChanged, this, [this] { invalidate(model::kAllDashboardParts); });
    // Agreement and the methods do not read the consensus; the overview (consensus confusion and
    // competence) and the divergence (the consensus posterior) do.
    connect(m_wb, &model::Workbench::consensusChanged, this,
            [this] { invalidate(model::DashboardPart::Overview | model::DashboardPart::Divergence); });
    // Review decisions change no computed statistic; only the confusion against human labels,
    // which is counted here from the snapshot.
    connect(m_wb, &model::Workbench::decisionsChanged, this, &Dashboard::buildConfusion);
    connect(m_confusion, &HeatmapWidget::cellClicked, this, [this](int r, int c) {
        const auto& s = m_wb->snapshot();
        const auto truth = m_confReference->currentIndex() == 0 ? s.gold : s.humanLabel;
        std::vector<int32_t> items;
        const std::vector<int32_t> pred = confusionSubject();
        for (int32_t i = 0; i < s.numItems() && i < static_cast<int32_t>(pred.size()); ++i)
            if (truth[i] == r && (c < s.numLabels() ? pred[i] == c : (pred[i] < 0 || pred[i] >= s.numLabels())))
                items.push_back(i);
        emit filterItems(items, tr("%1 %2, %3 %4")
                                    .arg(m_confReference->currentText(), m_data.labels.value(r),
                                         m_confSubject->currentText(), m_data.labels.value(c, tr("none"))));
    });
}

Dashboard::~Dashboard()
{
    m_watcher.cancel();
    m_watcher.waitForFinished();
}

void Dashboard::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    m_debounce->start();
}

void Dashboard::fillDivergenceSources(bool projectOpened)
{
    // Human judgments against the consensus when the project has them; otherwise the votes.
    m_divP->fill({QStringLiteral("human"), QStringLiteral("votes")}, projectOpened);
    m_divQ->fill({QStringLiteral("consensus")}, projectOpened);
}

void Dashboard::setDivergenceSources(const QString& p, const QString& q)
{
    m_divP->setSpec(p);
    m_divQ->setSpec(q);
    invalidate(model::DashboardPart::Divergence);
    ensureCurrentTab();
}

void Dashboard::fillMethodChoices()
{
    const QString previous = m_method->currentText();
    {
        const QSignalBlocker block(m_method);
        m_method->clear();
        m_method->addItem(tr("consensus (%1)").arg(m_data.consensusMethod), -1);
        for (size_t k = 0; k < m_data.evaluation.methods.size(); ++k)
            if (m_data.evaluation.methods[k].error.empty())
                m_method->addItem(QString::fromStdString(m_data.evaluation.methods[k].name), int(k));
        const int idx = m_method->findText(previous);
        m_method->setCurrentIndex(idx >= 0 ? idx : 0);
    }
    const QString previousSubject = m_confSubject->currentText();
    const QSignalBlocker block(m_confSubject);
    m_confSubject->clear();
    m_confSubject->addItem(tr("consensus (%1)").arg(m_data.consensusMethod), QStringLiteral("consensus"));
    for (const auto& m : m_data.evaluation.methods)
        if (m.error.empty())
            m_confSubject->addItem(QString::fromStdString(m.name), QStringLiteral("method:") + QString::fromStdString(m.name));
    for (const QString& a : m_data.annotators)
        m_confSubject->addItem(a, QStringLiteral("annotator:") + a);
    const int idx = m_confSubject->findText(previousSubject);
    m_confSubject->setCurrentIndex(idx >= 0 ? idx : 0);
}

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
            auto* it = new QTableWidgetItem(chartNumber(v[c], 4));
            it->setData(Qt::UserRole, v[c]);  // full precision for the CSV export
            it->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_methodTable->setItem(r, c + 1, it);
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

std::vector<int32_t> Dashboard::confusionSubject() const
{
    const auto& s = m_wb->snapshot();
    const QString key = m_confSubject->currentData().toString();
    if (key.startsWith(QLatin1String("method:"))) {
        for (const auto& m : m_data.evaluation.methods)
            if (QStringLiteral("method:") + QString::fromStdString(m.name) == key)
                return m.predictions;
    } else if (key.startsWith(QLatin1String("annotator:"))) {
        const qsizetype a = s.annotators.indexOf(key.mid(10));
        std::vector<int32_t> p(s.numItems(), -1);
        for (int32_t i = 0; a >= 0 && i < s.numItems(); ++i) {
            const int32_t l = s.matrix.labelOf(i, static_cast<int32_t>(a));
            p[i] = l >= 0 ? l : -1;
        }
        return p;
    }
    return m_wb->consensus().labels;
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
