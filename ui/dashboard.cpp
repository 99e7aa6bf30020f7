// The insight dashboard's widgets: the top bar (method, Recompute, Export, progress, crowd and
// truth), the tabs and the controls on each tab's page. What the controls do is in
// dashboard_controls.cpp, the charts in dashboard_annotators.cpp and dashboard_charts.cpp, the
// jobs in dashboard_jobs.cpp, the LLM table in dashboard_llm.cpp and each tab's CSV in
// dashboard_export.cpp.

#include "dashboard.h"

#include "annotatorchart.h"
#include "calibrationpage.h"
#include "crowdpage.h"
#include "divergencesourcebox.h"
#include "flowlayout.h"
#include "heatmapwidget.h"
#include "pageparts.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace chorus::ui {

namespace {

QChartView* makeView(QWidget* parent)
{
    QChartView* v = newChartView(parent);
    v->chart()->legend()->setAlignment(Qt::AlignBottom);
    return v;
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
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    // Whose labels and which truth (team projects): a row of their own, so that the top bar
    // still fits a 1366-px window beside the docks.
    layout->addLayout(labelledRow(this, {{tr("Crowd:"), m_crowd}, {tr("Truth:"), m_truth}}));
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
    m_agreementSummary = plainTextLabel(agreement);
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
    m_methodTable = readOnlyTable(methods);
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
    dl->addWidget(FlowLayout::bar(divPage, {new QLabel(tr("Compare"), divPage), m_divP, new QLabel(tr("with"), divPage),
                                            m_divQ, new QLabel(tr("Measure:"), divPage), m_divMetric}));
    // What is compared and the means, as plain text that wraps (a chart title is cut at 1366).
    m_divCaption = plainTextLabel(divPage);
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
    cl->addLayout(labelledRow(confPage, {{tr("Labels of"), m_confSubject}, {tr("against"), m_confReference}}));
    cl->addWidget(m_confusion, 1);
    return confPage;
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

} // namespace chorus::ui
