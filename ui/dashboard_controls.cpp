// The insight dashboard's choices: what each control recomputes or redraws, and the choices the
// method, confusion and divergence boxes list.

#include "dashboard.h"

#include "annotatorchart.h"
#include "divergencesourcebox.h"
#include "heatmapwidget.h"
#include "workbench.h"

#include <QComboBox>
#include <QTabWidget>

namespace chorus::ui {

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
    // A run saved or chosen changes the list (runs) and the consensus entry's text.
    for (auto changed : {&model::Workbench::projectChanged, &model::Workbench::consensusChanged})
        connect(m_wb, changed, this, &Dashboard::fillDivergenceSources);
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

void Dashboard::fillDivergenceSources()
{
    // Human judgments against the consensus when the project has them; otherwise the votes.
    m_divP->fill({QStringLiteral("human"), QStringLiteral("votes")});
    m_divQ->fill({QStringLiteral("consensus")});
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

} // namespace chorus::ui
