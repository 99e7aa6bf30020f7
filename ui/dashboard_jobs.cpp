// The insight dashboard's jobs: which part each tab needs, computing the current tab's
// missing parts on a worker thread, one job at a time (a newer request cancels the running one,
// whose result is never applied), the named-stage progress, and applying a job's parts.

#include "dashboard.h"

#include "calibrationpage.h"
#include "crowdpage.h"
#include "divergencesourcebox.h"
#include "workbench.h"

#include <QComboBox>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTabWidget>
#include <QTimer>

namespace chorus::ui {

model::DashboardParts Dashboard::partsOf(int index)
{
    switch (index) {
    case TabAgreement: return model::DashboardPart::Agreement;
    case TabMethods: return model::DashboardPart::Methods;
    case TabDivergence: return model::DashboardPart::Divergence;
    case TabLlm: return model::DashboardPart::Llm;
    case TabCrowd:
    case TabCalibration: return {};
    case TabCompetence:
    case TabConfusion:
    case TabLabels:
    default: return model::DashboardPart::Overview;
    }
}

QString Dashboard::statusText() const
{
    return m_status->text();
}

void Dashboard::invalidate(model::DashboardParts parts)
{
    m_have &= ~parts;
    if (m_jobParts & parts)
        stopJob();  // stale: computed from data that changed; its result is never applied
    if (isVisible())
        m_debounce->start();
}

void Dashboard::refresh()
{
    m_crowdPage->invalidate();
    m_calibrationPage->invalidate();
    m_have = {};
    stopJob();
    ensureCurrentTab();
}

void Dashboard::cancel()
{
    m_debounce->stop();
    m_crowdPage->cancel();
    m_calibrationPage->cancel();
    if (!m_jobParts)
        return;
    stopJob();
    m_status->setText(tr("Canceled"));
}

void Dashboard::stopJob()
{
    m_watcher.cancel();  // its finished() is ignored: the future reports isCanceled()
    m_jobParts = {};
    m_progress->hide();
    m_cancel->hide();
}

void Dashboard::ensureCurrentTab()
{
    if (!m_wb->hasProject() || !isVisible())
        return;
    if (m_tabs->currentIndex() == TabCrowd)
        m_crowdPage->ensureComputed();
    if (m_tabs->currentIndex() == TabCalibration)
        m_calibrationPage->ensureComputed();
    const model::DashboardParts missing = partsOf(m_tabs->currentIndex()) & ~m_have;
    if (!missing || (m_jobParts & missing) == missing)
        return;
    start(missing);
}

void Dashboard::start(model::DashboardParts parts)
{
    m_debounce->stop();
    m_watcher.cancel();  // a newer request replaces the old one
    m_jobParts = parts;
    ++m_jobsStarted;
    m_progress->setValue(0);
    m_progress->show();
    m_cancel->show();
    m_status->setText(tr("Computing…"));
    model::DashboardRequest request;
    request.parts = parts;
    request.crowd = static_cast<model::DashboardCrowd>(m_crowd->currentData().toInt());
    request.adjudicatedTruth = m_truth->currentIndex() == 1;
    if (!m_divP->spec().isEmpty())
        request.divergenceP = m_divP->spec();
    if (!m_divQ->spec().isEmpty())
        request.divergenceQ = m_divQ->spec();
    m_watcher.setFuture(model::dashboardAsync(m_wb->pool(), m_wb->projectPath(), m_wb->snapshot(), m_wb->consensus(),
                                              std::move(request)));
}

void Dashboard::finished()
{
    const auto future = m_watcher.future();
    if (future.isCanceled() || future.resultCount() == 0)
        return;  // replaced or canceled: never applied
    m_jobParts = {};
    m_progress->hide();
    m_cancel->hide();
    auto r = m_watcher.result();
    if (!r.ok()) {
        m_status->setText(r.canceled ? tr("Canceled") : tr("Failed: %1").arg(r.error));
        return;
    }
    const model::DashboardParts parts = r.value.parts;
    model::mergeDashboardData(m_data, std::move(r.value));
    m_have |= parts;
    m_hasData = true;
    apply(parts);
    m_status->setText(m_data.hasGold ? tr("%L1 items with gold").arg(m_data.evaluation.goldItems)
                                     : tr("No gold labels: accuracy charts are empty"));
    emit ready();
    ensureCurrentTab();  // the user may have moved on to a tab this job did not compute
}

void Dashboard::apply(model::DashboardParts parts)
{
    using P = model::DashboardPart;
    if (parts & (P::Overview | P::Methods)) {
        fillMethodChoices();
        buildCompetence();
        buildConfusion();
        buildLabelUse();
    }
    if (parts & P::Agreement)
        buildAgreement();
    if (parts & P::Methods)
        buildMethods();
    if (parts & P::Divergence)
        buildDivergence();
    if (parts & P::Llm)
        buildLlm();
}

} // namespace chorus::ui
