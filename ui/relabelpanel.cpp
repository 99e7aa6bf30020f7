#include "relabelpanel.h"

#include "jobsupport.h"
#include "pageparts.h"
#include "workbench.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>
#include <QValueAxis>
#include <QtConcurrent>

#include <cmath>

namespace chorus::ui {

RelabelPanel::RelabelPanel(model::Workbench* workbench, QWidget* parent) : QWidget(parent), m_wb(workbench)
{
    m_strategy = new QComboBox(this);
    m_strategy->addItem(tr("greedy (answer-set entropy)"), QStringLiteral("greedy"));
    m_strategy->addItem(tr("uncertainty (posterior entropy)"), QStringLiteral("uncertainty"));
    m_strategy->addItem(tr("random"), QStringLiteral("random"));
    m_strategy->addItem(tr("exact (small queues only)"), QStringLiteral("exact"));
    m_k = intSpin(1, 100000, this);
    m_k->setValue(25);
    m_k->setToolTip(tr("Items per round"));
    m_budget = doubleSpin(0, 1e9, 2, 1, this);
    m_budget->setValue(25);
    m_cost = doubleSpin(0.0001, 1e6, 4, 1, this);
    m_cost->setValue(1);
    m_accuracy = doubleSpin(0, 1, 2, 0.01, this);
    m_accuracy->setValue(0.95);
    m_accuracy->setToolTip(tr("How often the reviewer is right (used to weigh what a review is worth)"));
    auto* build = new QPushButton(tr("&Build queue"), this);
    auto* review = new QPushButton(tr("Review queue"), this);
    review->setToolTip(tr("Show the queue, in order, in the review table"));
    auto* askLlm = new QPushButton(tr("Ask an LLM…"), this);
    askLlm->setToolTip(tr("Relabel the queue with an LLM (opens Label with an LLM with the queue chosen)"));
    m_list = new QListWidget(this);
    m_budgetBar = new QProgressBar(this);
    m_budgetBar->setFormat(tr("spent %v of %m"));
    m_budgetBar->setRange(0, 1);
    m_summary = plainTextLabel(this);
    m_simulate = new QPushButton(tr("Simulate with gold…"), this);
    m_simulate->setToolTip(tr("Replay relabeling with gold as the expensive labeler and plot accuracy against money spent"));
    m_chart = newChartView(this);
    m_chart->setMinimumHeight(220);
    m_chart->chart()->setTitle(tr("Simulated accuracy vs budget"));

    auto* form = new QFormLayout;
    form->addRow(tr("Strategy"), m_strategy);
    form->addRow(tr("Items per round"), m_k);
    form->addRow(tr("Budget"), m_budget);
    form->addRow(tr("Cost per item"), m_cost);
    form->addRow(tr("Reviewer accuracy"), m_accuracy);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(build);
    buttons->addWidget(review);
    buttons->addWidget(askLlm);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(buttons);
    layout->addWidget(m_budgetBar);
    layout->addWidget(m_list, 1);
    layout->addWidget(m_summary);
    layout->addWidget(m_simulate);
    layout->addWidget(m_chart, 1);

    connect(&m_watcher, &QFutureWatcherBase::finished, this, &RelabelPanel::simulationDone);
    connect(build, &QPushButton::clicked, this, &RelabelPanel::buildQueue);
    connect(review, &QPushButton::clicked, this, [this] {
        if (!m_queue.empty())
            emit reviewQueue(m_queue);
    });
    connect(askLlm, &QPushButton::clicked, this, [this] {
        if (m_queue.empty())
            emit status(tr("Build the queue first."));
        else
            emit labelQueueWithLlm();
    });
    connect(m_list, &QListWidget::itemActivated, this,
            [this](QListWidgetItem* it) { emit itemActivated(it->data(Qt::UserRole).toInt()); });
    connect(m_simulate, &QPushButton::clicked, this, &RelabelPanel::simulate);
    connect(m_wb, &model::Workbench::decisionsChanged, this, &RelabelPanel::updateBudget);
    connect(m_wb, &model::Workbench::projectChanged, this, [this] {
        m_queue.clear();
        m_list->clear();
        updateBudget();
    });
}

RelabelPanel::~RelabelPanel()
{
    m_watcher.cancel();
    m_watcher.waitForFinished();
}

bool RelabelPanel::buildQueue()
{
    if (!m_wb->hasProject())
        return false;
    const model::Snapshot& s = m_wb->snapshot();
    const model::RunData& run = m_wb->consensus();
    agg::SelectionInput in;
    in.posterior = &run.posterior;
    in.numItems = s.numItems();
    in.numLabels = s.numLabels();
    in.relabelers = {agg::Relabeler{"human reviewer", m_accuracy->value(), m_cost->value()}};
    // Items a human already decided are not candidates again.
    in.asked.assign(s.numItems(), 0);
    for (int32_t i = 0; i < s.numItems(); ++i)
        in.asked[i] = s.status[i] != model::ReviewStatus::Unreviewed;
    in.k = m_k->value();
    in.budget = m_budget->value();
    in.strategy = agg::parseRelabelStrategy(m_strategy->currentData().toString().toStdString());
    agg::Selection sel;
    try {
        // Fast enough for the GUI thread: 1,000 of 100,000 items in ~20 ms (docs/benchmarks.md).
        sel = agg::selectForRelabel(in);
    } catch (const std::invalid_argument& e) {
        m_wb->reportError(QString::fromUtf8(e.what()));
        return false;
    }
    m_queue.clear();
    m_list->clear();
    for (const auto& p : sel.picks) {
        m_queue.push_back(p.item);
        auto* it = new QListWidgetItem(tr("%1 · gain %2 · cumulative cost %3")
                                           .arg(s.itemExtIds[p.item])
                                           .arg(p.gain, 0, 'f', 3)
                                           .arg(p.cumulativeCost, 0, 'g', 6),
                                       m_list);
        it->setData(Qt::UserRole, p.item);
    }
    m_queueCost = m_cost->value();
    updateBudget();
    emit status(tr("Relabel queue: %n item(s), expected information gain %1 nats, cost %2", nullptr,
                   static_cast<int>(m_queue.size()))
                    .arg(sel.objective, 0, 'f', 3)
                    .arg(sel.cost, 0, 'g', 6));
    return true;
}

double RelabelPanel::spent() const
{
    if (!m_wb->hasProject())
        return 0;
    int done = 0;
    for (int32_t i : m_queue)
        done += m_wb->snapshot().status[i] != model::ReviewStatus::Unreviewed;
    return done * m_queueCost;
}

void RelabelPanel::updateBudget()
{
    const double budget = std::max(m_budget->value(), 1e-9);
    // QProgressBar is integral: show hundredths of the budget unit.
    m_budgetBar->setRange(0, static_cast<int>(std::lround(budget * 100)));
    m_budgetBar->setValue(static_cast<int>(std::lround(std::min(spent(), budget) * 100)));
    m_budgetBar->setFormat(tr("spent %1 of %2 (remaining %3)")
                               .arg(spent(), 0, 'g', 6)
                               .arg(m_budget->value(), 0, 'g', 6)
                               .arg(std::max(0.0, m_budget->value() - spent()), 0, 'g', 6));
    for (int r = 0; r < m_list->count(); ++r) {
        QListWidgetItem* it = m_list->item(r);
        QFont f = it->font();
        f.setStrikeOut(m_wb->hasProject()
                       && m_wb->snapshot().status[it->data(Qt::UserRole).toInt()] != model::ReviewStatus::Unreviewed);
        it->setFont(f);
    }
}

void RelabelPanel::simulate()
{
    if (!m_wb->hasProject() || m_watcher.isRunning())
        return;
    const model::Snapshot& s = m_wb->snapshot();
    if (s.goldCount == 0) {
        m_wb->reportError(tr("Simulation needs gold labels: gold plays the expensive labeler."));
        return;
    }
    agg::SimulationInput in;
    in.posterior = m_wb->consensus().posterior;
    in.numItems = s.numItems();
    in.numLabels = s.numLabels();
    in.hasEvidence.assign(s.numItems(), 0);
    for (int32_t i = 0; i < s.numItems(); ++i)
        in.hasEvidence[i] = m_wb->consensus().labels[i] >= 0;
    in.answers = s.gold;
    in.gold = s.gold;
    in.relabeler = agg::Relabeler{"gold", m_accuracy->value(), m_cost->value()};
    in.k = m_k->value();
    int64_t withGold = 0;
    for (int32_t g : s.gold)
        withGold += g >= 0;
    in.budget = static_cast<double>(withGold) * m_cost->value();
    in.strategies = {agg::RelabelStrategy::Greedy, agg::RelabelStrategy::Uncertainty, agg::RelabelStrategy::Random};
    m_simulate->setEnabled(false);
    m_summary->setText(tr("Simulating…"));
    m_watcher.setFuture(QtConcurrent::run(m_wb->pool(), [in](QPromise<model::JobResult<agg::SimulationResult>>& promise) {
        model::detail::guarded(promise, [&] { return agg::simulateRelabeling(in, model::detail::hooksOf(promise)); });
    }));
}

void RelabelPanel::simulationDone()
{
    m_simulate->setEnabled(true);
    if (m_watcher.future().resultCount() == 0 || !m_watcher.result().ok()) {
        const QString why = m_watcher.future().resultCount() ? m_watcher.result().error : tr("canceled");
        m_summary->setText(tr("Simulation failed: %1").arg(why));
        emit simulationFinished(false);
        return;
    }
    const agg::SimulationResult r = m_watcher.result().value;
    QChart* chart = m_chart->chart();
    resetChart(chart, tr("Simulated accuracy vs budget"));
    auto* x = new QValueAxis;
    x->setTitleText(tr("share of the full-relabel cost"));
    x->setRange(0, 1);
    auto* y = new QValueAxis;
    y->setTitleText(tr("accuracy"));
    double lo = 1, hi = 0;
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    for (const auto& c : r.curves) {
        auto* series = new QLineSeries;
        series->setName(QString::fromStdString(agg::relabelStrategyName(c.strategy)));
        QList<QPointF> points;
        for (const auto& p : c.curve) {
            points << QPointF(p.fraction, p.accuracy);
            lo = std::min(lo, p.accuracy);
            hi = std::max(hi, p.accuracy);
        }
        series->replace(points);
        chart->addSeries(series);
        series->attachAxis(x);
        series->attachAxis(y);
    }
    y->setRange(std::max(0.0, lo - 0.02), std::min(1.0, hi + 0.02));
    m_summary->setText(tr("Crowd alone: %1 accuracy. Relabeling everything costs %2 and reaches %3.")
                           .arg(r.startAccuracy, 0, 'f', 3)
                           .arg(r.fullCost, 0, 'g', 6)
                           .arg(r.fullAccuracy, 0, 'f', 3));
    emit simulationFinished(true);
}

} // namespace chorus::ui
