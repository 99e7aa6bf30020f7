#include "aggregationpanel.h"

#include "methods.h"
#include "pageparts.h"
#include "workbench.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

namespace chorus::ui {

AggregationPanel::AggregationPanel(model::Workbench* workbench, QWidget* parent) : QWidget(parent), m_wb(workbench)
{
    m_method = new QComboBox(this);
    for (const std::string& m : agg::methodNames())
        m_method->addItem(QString::fromStdString(m));
    m_method->setCurrentText(QStringLiteral("ds"));
    m_seed = intSpin(0, 1'000'000, this);
    m_ties = new QComboBox(this);
    m_ties->addItem(tr("first in label order"), 0);
    m_ties->addItem(tr("random (seeded, per item)"), 1);
    m_ties->addItem(tr("leave unresolved"), 2);
    m_ties->setToolTip(tr("How an item whose consensus is tied between labels gets its label: the first tied "
                          "label in the label order (as crowd-kit), one drawn from the seed and the item's id, or "
                          "none (the item is counted and filterable as tied)"));
    m_params = new QLineEdit(this);
    m_params->setPlaceholderText(tr("e.g. max_iter=100, tol=1e-6"));
    m_params->setToolTip(tr("Method parameters as key=value pairs, separated by commas (see docs/methods.md)"));
    m_goldControls = new QCheckBox(tr("Use gold as known truth"), this);
    m_overrideControls = new QCheckBox(tr("Use human labels as known truth"), this);
    m_overrideControls->setChecked(true);
    m_run = new QPushButton(tr("&Run"), this);
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setEnabled(false);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setTextVisible(false);
    m_result = plainTextLabel(this);
    m_runs = new QListWidget(this);
    m_runs->setToolTip(tr("Saved runs; double-click one to show it as the consensus"));

    auto* form = new QFormLayout;
    form->addRow(tr("Method"), m_method);
    form->addRow(tr("Seed"), m_seed);
    form->addRow(tr("Ties"), m_ties);
    form->addRow(tr("Parameters"), m_params);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_run);
    buttons->addWidget(m_cancel);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_goldControls);
    layout->addWidget(m_overrideControls);
    layout->addLayout(buttons);
    layout->addWidget(m_progress);
    layout->addWidget(m_result);
    layout->addWidget(new QLabel(tr("Saved runs"), this));
    layout->addWidget(m_runs, 1);

    // Connect before any setFuture() (house style: avoids missing a fast finish).
    connect(&m_watcher, &QFutureWatcherBase::progressValueChanged, m_progress, &QProgressBar::setValue);
    connect(&m_watcher, &QFutureWatcherBase::finished, this, &AggregationPanel::finished);
    connect(m_run, &QPushButton::clicked, this, &AggregationPanel::run);
    connect(m_cancel, &QPushButton::clicked, this, &AggregationPanel::cancel);
    connect(m_runs, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        try {
            m_wb->useRun(item->data(Qt::UserRole).toLongLong());
            emit status(tr("Showing %1").arg(item->text()));
        } catch (const model::Error& e) {
            m_wb->reportError(e.message());
        }
    });
    connect(m_wb, &model::Workbench::projectChanged, this, &AggregationPanel::refreshRuns);
}

AggregationPanel::~AggregationPanel()
{
    m_watcher.cancel();
    m_watcher.waitForFinished();
}

void AggregationPanel::refreshRuns()
{
    m_runs->clear();
    const auto runs = m_wb->runs();
    for (auto it = runs.crbegin(); it != runs.crend(); ++it) {
        auto* item = new QListWidgetItem(tr("#%1 %2 · %3 · %4 it%5 · %6 s")
                                             .arg(it->id)
                                             .arg(it->method, it->createdAt.left(16).replace(QLatin1Char('T'), QLatin1Char(' ')))
                                             .arg(it->iterations)
                                             .arg(it->converged ? QString() : tr(" (not converged)"))
                                             .arg(it->seconds, 0, 'f', 2),
                                         m_runs);
        item->setData(Qt::UserRole, it->id);
        if (it->params != QLatin1String("{}"))
            item->setToolTip(it->params);
    }
}

void AggregationPanel::run()
{
    if (!m_wb->hasProject())
        return;
    if (m_watcher.isRunning())
        cancel();  // a new request cancels the old one
    model::AggregationRequest req;
    req.method = m_method->currentText();
    req.seed = static_cast<uint64_t>(m_seed->value());
    nlohmann::json params = nlohmann::json::object();
    for (const QString& kv : m_params->text().split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const qsizetype eq = kv.indexOf(QLatin1Char('='));
        bool ok = false;
        const double v = eq > 0 ? kv.mid(eq + 1).trimmed().toDouble(&ok) : 0;
        if (!ok) {
            m_wb->reportError(tr("Parameter \"%1\" is not key=number").arg(kv.trimmed()));
            return;
        }
        req.params[kv.left(eq).trimmed().toStdString()] = v;
        params[kv.left(eq).trimmed().toStdString()] = v;
    }
    if (m_ties->currentIndex() > 0) {
        req.params["ties"] = m_ties->currentData().toInt();
        params["ties"] = model::tiePolicyNames().value(m_ties->currentIndex()).toStdString();
    }
    params["seed"] = req.seed;
    params["controls_gold"] = m_goldControls->isChecked();
    params["controls_overrides"] = m_overrideControls->isChecked();
    req.paramsJson = QString::fromStdString(params.dump());
    if (m_goldControls->isChecked() || m_overrideControls->isChecked())
        req.controls = m_wb->controls(m_goldControls->isChecked(), m_overrideControls->isChecked());
    m_progress->setValue(0);
    m_result->setText(tr("Running %1…").arg(req.method));
    m_run->setEnabled(false);
    m_cancel->setEnabled(true);
    m_watcher.setFuture(model::aggregateAsync(m_wb->pool(), m_wb->projectPath(), m_wb->snapshot(), std::move(req)));
}

void AggregationPanel::cancel()
{
    m_watcher.cancel();
}

void AggregationPanel::finished()
{
    m_run->setEnabled(true);
    m_cancel->setEnabled(false);
    if (m_watcher.future().resultCount() == 0) {
        m_result->setText(tr("Canceled; nothing was saved."));
        m_progress->setValue(0);
        return;
    }
    model::JobResult<model::RunData> r = m_watcher.result();
    if (r.canceled) {
        m_result->setText(tr("Canceled; nothing was saved."));
        return;
    }
    if (!r.error.isEmpty()) {
        m_result->setText(tr("Failed: %1").arg(r.error));
        m_wb->reportError(r.error);
        return;
    }
    m_progress->setValue(1000);
    const auto& sum = r.value.summary;
    m_result->setText(tr("%1: %2 iterations%3, %4 s. Saved as run #%5.")
                          .arg(sum.method)
                          .arg(sum.iterations)
                          .arg(sum.converged ? QString() : tr(" (did not converge)"))
                          .arg(sum.seconds, 0, 'f', 2)
                          .arg(sum.id)
                      + (sum.tiedItems > 0 ? tr(" %n tied item(s) (filter: Tied).", nullptr, int(sum.tiedItems))
                                           : QString()));
    m_wb->setConsensus(std::move(r.value));
    refreshRuns();
    emit status(m_result->text());
}

} // namespace chorus::ui
