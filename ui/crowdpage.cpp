// The Insights Crowd tab: its controls, the design job (one at a time; a newer request cancels
// the running one, whose result is never applied) and running a chosen crowd. The charts are
// drawn in crowdpage_charts.cpp.

#include "crowdpage.h"

#include "flowlayout.h"
#include "heatmapwidget.h"
#include "pageparts.h"
#include "workbench.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTabWidget>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

namespace chorus::ui {

namespace {

const char* const kMethodPresets[] = {"mv,wawa,ds", "mv,wawa,ds,onecoin,mace", "mv,wawa"};

std::vector<std::string> methodList(const QString& csv)
{
    std::vector<std::string> out;
    for (const QString& m : csv.split(QLatin1Char(','), Qt::SkipEmptyParts))
        out.push_back(m.toStdString());
    return out;
}

} // namespace

CrowdPage::CrowdPage(model::Workbench* workbench, QWidget* parent) : QWidget(parent), m_wb(workbench)
{
    m_options.methods = methodList(QString::fromLatin1(kMethodPresets[0]));
    m_methods = new QComboBox(this);
    for (const char* preset : kMethodPresets)
        m_methods->addItem(QString::fromLatin1(preset).replace(QLatin1Char(','), QStringLiteral(", ")),
                           QString::fromLatin1(preset));
    m_methods->setToolTip(tr("Aggregation methods tried on every crowd (the EM methods search greedily and take "
                             "longer)"));
    m_budget = new QComboBox(this);
    m_budget->addItem(tr("no budget"), 0.0);
    m_budget->addItem(tr("half the full crowd's cost"), 0.5);
    m_budget->addItem(tr("a quarter of it"), 0.25);
    m_budget->setToolTip(tr("The recommended crowd costs at most this per item"));
    m_redundancyMeasure = new QComboBox(this);
    m_redundancyMeasure->addItem(tr("errors together: kappa"));
    m_redundancyMeasure->addItem(tr("errors together: joint / independent"));
    m_redundancyMeasure->addItem(tr("leaving the consensus together: kappa"));
    m_redundancyMeasure->setToolTip(tr("Redundancy of two annotators: how much more often they are wrong together "
                                       "(against gold, selection items) or leave the others' consensus together "
                                       "(no gold) than independent annotators would"));
    m_job.makeControls(this, tr("Stop the crowd search"));

    QWidget* bar = FlowLayout::bar(this, {new QLabel(tr("Methods:"), this), m_methods, new QLabel(tr("Budget:"), this),
                                          m_budget, m_job.progress, m_job.cancel});
    m_caption = plainTextLabel(this);
    m_caption->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);

    m_charts = new QTabWidget(this);
    m_charts->setDocumentMode(true);
    m_pareto = newChartView(this);
    m_charts->addTab(m_pareto, tr("Cost and quality"));
    auto* redundancyPage = new QWidget(this);
    m_redundancy = new HeatmapWidget(redundancyPage);
    auto* rl = new QVBoxLayout(redundancyPage);
    rl->setContentsMargins(0, 0, 0, 0);
    rl->addLayout(labelledRow(redundancyPage, {{tr("Measure:"), m_redundancyMeasure}}));
    rl->addWidget(m_redundancy, 1);
    m_charts->addTab(redundancyPage, tr("Redundancy"));
    m_curve = newChartView(this);
    m_charts->addTab(m_curve, tr("Crowd size"));

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(bar);
    layout->addWidget(m_job.status);
    layout->addWidget(m_caption);
    layout->addWidget(m_charts, 1);

    // Connect before setFuture() (house style).
    connect(&m_job.jobWatcher(), &QFutureWatcherBase::progressValueChanged, this, [this](int v) {
        m_job.status->setText(tr("Searching crowds… %1%").arg(v / 10));
    });
    connect(&m_job.jobWatcher(), &QFutureWatcherBase::finished, this, &CrowdPage::finished);
    connect(&m_runWatcher, &QFutureWatcherBase::finished, this, &CrowdPage::runFinished);
    connect(m_methods, &QComboBox::currentIndexChanged, this, [this] {
        agg::CrowdOptions o = m_options;
        o.methods = methodList(m_methods->currentData().toString());
        setOptions(o);
        if (isVisible())
            ensureComputed();
    });
    connect(m_budget, &QComboBox::currentIndexChanged, this, [this] {
        if (hasReport())
            build();  // the recommendation only: no new search
    });
    connect(m_redundancyMeasure, &QComboBox::currentIndexChanged, this, [this] {
        if (hasReport())
            buildRedundancy();
    });
    // Another project: a crowd still running for the old one is not applied to it.
    connect(m_wb, &model::Workbench::projectChanged, this, [this] {
        m_runWatcher.cancel();
        invalidate();
    });
}

CrowdPage::~CrowdPage()
{
    m_runWatcher.cancel();
    m_runWatcher.waitForFinished();
    // m_job waits for the design's job.
}

QString CrowdPage::statusText() const
{
    return m_job.status->text();
}

void CrowdPage::setOptions(const agg::CrowdOptions& options)
{
    m_options = options;
    m_options.costs.clear();  // the job works them out from the project
    invalidate();
}

void CrowdPage::invalidate()
{
    m_job.invalidate();
    m_pointCandidates.clear();
}

void CrowdPage::ensureComputed()
{
    if (!m_wb->hasProject() || !m_job.wanted())
        return;
    m_annotators = m_wb->snapshot().annotators;
    m_job.start(tr("Searching crowds…"),
                model::crowdReportAsync(m_wb->pool(), m_wb->projectPath(), m_wb->snapshot(), m_options));
}

void CrowdPage::finished()
{
    if (m_job.finish(tr("Failed: %1")) != ReportJob<model::CrowdReport>::Outcome::Done)
        return;
    int64_t crowds = 0;
    for (const agg::MethodSearchInfo& m : report().design.methods)
        crowds += m.evaluated;
    m_job.status->setText(tr("%L1 crowds evaluated. Click a crowd in the chart to run it and review its labels.")
                          .arg(crowds));
    build();
    emit ready();
}

QString CrowdPage::crowdText(const agg::CrowdCandidate& c) const
{
    QStringList names;
    for (int32_t a : c.members)
        names << m_annotators.value(a);
    const QString method = c.method >= 0 ? QString::fromStdString(report().options.methods[static_cast<size_t>(c.method)])
                                         : tr("own labels");
    return tr("%1 of %n annotator(s): %2", nullptr, int(c.members.size())).arg(method, names.join(QStringLiteral(", ")));
}

int CrowdPage::candidateAt(const QString& seriesName, int pointIndex) const
{
    const auto it = m_pointCandidates.constFind(seriesName);
    if (it == m_pointCandidates.constEnd() || pointIndex < 0 || pointIndex >= static_cast<int>(it->size()))
        return -1;
    return (*it)[static_cast<size_t>(pointIndex)];
}

void CrowdPage::runCandidate(int index)
{
    if (!hasReport() || index < 0 || index >= static_cast<int>(report().design.candidates.size()) || !m_wb->hasProject())
        return;
    const agg::CrowdCandidate& c = report().design.candidates[static_cast<size_t>(index)];
    if (c.method < 0)
        return;
    m_runWatcher.cancel();  // a newer click replaces the old one
    model::AggregationRequest req;
    req.method = QString::fromStdString(report().options.methods[static_cast<size_t>(c.method)]);
    req.seed = report().options.seed;
    req.params = report().options.params;
    req.annotators = c.members;
    nlohmann::json params = nlohmann::json::object();
    for (const auto& [k, v] : req.params)
        params[k] = v;
    params["seed"] = req.seed;
    nlohmann::json names = nlohmann::json::array();
    for (int32_t a : c.members)
        names.push_back(m_annotators.value(a).toStdString());
    params["annotators"] = names;
    params["chosen_in"] = "Insights: Crowd";
    req.paramsJson = QString::fromStdString(params.dump());
    m_runDescription = crowdText(c);
    m_job.status->setText(tr("Running %1…").arg(m_runDescription));
    m_runWatcher.setFuture(model::aggregateAsync(m_wb->pool(), m_wb->projectPath(), m_wb->snapshot(), std::move(req)));
}

void CrowdPage::runFinished()
{
    const auto future = m_runWatcher.future();
    if (future.isCanceled() || future.resultCount() == 0)
        return;
    auto r = m_runWatcher.result();
    if (!r.ok()) {
        // Only the status: the progress bar and Cancel belong to the search, which may be
        // running (the user changed the options while this run went on).
        m_job.status->setText(r.canceled ? tr("Canceled") : tr("Failed: %1").arg(r.error));
        return;
    }
    const qint64 id = r.value.summary.id;
    const QString what = id > 0 ? tr("Run #%1: %2").arg(id).arg(m_runDescription) : m_runDescription;
    m_wb->setConsensus(std::move(r.value));
    m_job.status->setText(tr("%1 is the consensus now.").arg(what));
    emit crowdRunShown(what);
}

QWidget* CrowdPage::currentChart() const
{
    switch (m_charts->currentIndex()) {
    case ChartRedundancy: return m_redundancy;
    case ChartCurve: return m_curve;
    default: return m_pareto;
    }
}

QChart* CrowdPage::paretoChart() const
{
    return m_pareto->chart();
}

QChart* CrowdPage::curveChart() const
{
    return m_curve->chart();
}

QString CrowdPage::currentChartName() const
{
    switch (m_charts->currentIndex()) {
    case ChartRedundancy: return QStringLiteral("crowd-redundancy");
    case ChartCurve: return QStringLiteral("crowd-size");
    default: return QStringLiteral("crowd-pareto");
    }
}

QString CrowdPage::csv() const
{
    switch (m_charts->currentIndex()) {
    case ChartRedundancy: return redundancyCsv();
    case ChartCurve: return curveCsv();
    default: return paretoCsv();
    }
}

} // namespace chorus::ui
