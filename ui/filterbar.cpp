#include "filterbar.h"

#include "flowlayout.h"
#include "pageparts.h"

#include "labelnormalizer.h"
#include "snapshot.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QTimer>
#include <QToolButton>

namespace chorus::ui {

FilterBar::FilterBar(QWidget* parent) : QWidget(parent)
{
    m_search = new QLineEdit(this);
    m_search->setPlaceholderText(tr("Search text or id (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    m_search->setMinimumWidth(200);
    m_disagree = new QCheckBox(tr("&Disagreements"), this);
    m_disagree->setToolTip(tr("Only items with more than one distinct label"));
    m_unreviewed = new QCheckBox(tr("&Unreviewed"), this);
    m_unreviewed->setObjectName(QStringLiteral("unreviewedFilter"));
    m_flagged = new QCheckBox(tr("Fla&gged"), this);
    m_goldDiffers = new QCheckBox(tr("≠ gold"), this);
    m_goldDiffers->setToolTip(tr("Only items whose consensus differs from the gold label"));
    m_tied = new QCheckBox(tr("Tied"), this);
    m_tied->setToolTip(tr("Only items whose consensus is tied between labels (the tie rule chose one)"));
    m_annotator = new QComboBox(this);
    m_annotator->setToolTip(tr("Only items where this annotator gives the chosen label"));
    m_annotatorLabel = new QComboBox(this);
    m_minEntropy = doubleSpin(0, 10, 2, 0.1, this);
    m_minEntropy->setPrefix(tr("entropy ≥ "));
    m_minEntropy->setToolTip(tr("Minimum entropy of the consensus posterior (nats)"));
    m_maxConfidence = doubleSpin(0, 1, 2, 0.05, this);
    m_maxConfidence->setPrefix(tr("confidence ≤ "));
    m_maxConfidence->setValue(1);
    m_only = new QLabel(this);
    m_only->setTextFormat(Qt::PlainText);
    m_only->hide();
    auto* clearOnly = new QToolButton(this);
    clearOnly->setText(tr("×"));
    clearOnly->setToolTip(tr("Show all items again"));
    clearOnly->hide();
    m_count = new QLabel(this);
    m_count->setObjectName(QStringLiteral("filterCount"));
    m_count->setTextFormat(Qt::PlainText);

    // Long annotator names and labels must not widen the bar (and with it the window).
    for (QComboBox* c : {m_annotator, m_annotatorLabel}) {
        c->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        c->setMinimumContentsLength(14);
    }
    // The filters wrap onto a second row on a narrow screen instead of overlapping (issue #18:
    // "Disagreemen" at 1680 px); the search box takes what is left of its row.
    auto* layout = new FlowLayout(this);
    layout->setContentsMargins(4, 2, 4, 2);
    layout->setStretchWidget(m_search);
    for (QWidget* w : std::initializer_list<QWidget*>{m_search, m_disagree, m_unreviewed, m_flagged, m_goldDiffers,
                                                     m_tied, m_annotator, m_annotatorLabel, m_minEntropy,
                                                     m_maxConfidence, m_only, clearOnly, m_count})
        layout->addWidget(w);

    m_debounce = new QTimer(this);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(150);
    connect(m_debounce, &QTimer::timeout, this, &FilterBar::filterChanged);
    connect(m_search, &QLineEdit::textChanged, m_debounce, qOverload<>(&QTimer::start));
    for (QCheckBox* c : {m_disagree, m_unreviewed, m_flagged, m_goldDiffers, m_tied})
        connect(c, &QCheckBox::toggled, this, &FilterBar::filterChanged);
    connect(m_annotator, &QComboBox::currentIndexChanged, this, [this] {
        updateAnnotatorLabels();
        emit filterChanged();
    });
    connect(m_annotatorLabel, &QComboBox::currentIndexChanged, this, &FilterBar::filterChanged);
    connect(m_minEntropy, &QDoubleSpinBox::valueChanged, m_debounce, qOverload<>(&QTimer::start));
    connect(m_maxConfidence, &QDoubleSpinBox::valueChanged, m_debounce, qOverload<>(&QTimer::start));
    connect(clearOnly, &QToolButton::clicked, this, [this, clearOnly] {
        m_onlyItems.clear();
        m_only->hide();
        clearOnly->hide();
        emit filterChanged();
    });
    connect(this, &FilterBar::filterChanged, this, [this, clearOnly] { clearOnly->setVisible(!m_onlyItems.empty()); });
}

void FilterBar::setProject(const model::Snapshot* snapshot)
{
    m_snapshot = snapshot;
    const QSignalBlocker b1(m_annotator);
    m_annotator->clear();
    m_annotator->addItem(tr("any annotator"), -1);
    if (snapshot)
        for (int a = 0; a < snapshot->annotators.size(); ++a)
            m_annotator->addItem(snapshot->annotators[a], a);
    updateAnnotatorLabels();
    m_onlyItems.clear();
    m_only->hide();
}

void FilterBar::updateAnnotatorLabels()
{
    const QSignalBlocker b(m_annotatorLabel);
    m_annotatorLabel->clear();
    const bool any = m_annotator->currentData().toInt() < 0;
    m_annotatorLabel->setEnabled(!any);
    m_annotatorLabel->addItem(tr("says …"), -1);
    if (!m_snapshot || any)
        return;
    for (int l = 0; l < m_snapshot->labels.size(); ++l)
        m_annotatorLabel->addItem(tr("says %1").arg(m_snapshot->labels[l]), l);
    m_annotatorLabel->addItem(tr("says %1").arg(model::kInvalidLabelName), -3);
}

model::ItemFilter FilterBar::filter() const
{
    model::ItemFilter f;
    f.text = m_search->text();
    f.disagreementsOnly = m_disagree->isChecked();
    f.unreviewedOnly = m_unreviewed->isChecked();
    f.flaggedOnly = m_flagged->isChecked();
    f.consensusDiffersFromGold = m_goldDiffers->isChecked();
    f.tiedOnly = m_tied->isChecked();
    f.annotator = m_annotator->currentData().toInt();
    f.annotatorLabel = m_annotatorLabel->currentData().isValid() ? m_annotatorLabel->currentData().toInt() : -1;
    if (m_minEntropy->value() > 0)
        f.minEntropy = m_minEntropy->value();
    if (m_maxConfidence->value() < 1)
        f.maxConfidence = m_maxConfidence->value();
    f.onlyItems = m_onlyItems;
    f.keepOrder = m_keepOrder;
    return f;
}

void FilterBar::focusSearch()
{
    m_search->setFocus();
    m_search->selectAll();
}

void FilterBar::clear()
{
    const QSignalBlocker b1(m_search), b2(m_disagree), b3(m_unreviewed), b4(m_flagged), b5(m_goldDiffers), b9(m_tied),
        b6(m_annotator), b7(m_minEntropy), b8(m_maxConfidence);
    m_search->clear();
    for (QCheckBox* c : {m_disagree, m_unreviewed, m_flagged, m_goldDiffers, m_tied})
        c->setChecked(false);
    m_annotator->setCurrentIndex(0);
    updateAnnotatorLabels();
    m_minEntropy->setValue(0);
    m_maxConfidence->setValue(1);
    m_onlyItems.clear();
    m_only->hide();
    emit filterChanged();
}

void FilterBar::setOnlyItems(std::vector<int32_t> items, const QString& description, bool keepOrder)
{
    m_onlyItems = std::move(items);
    m_keepOrder = keepOrder;
    // Descriptions come from data (a confusion cell names two labels): elided to a fixed width,
    // the whole text in the tooltip, so a long one cannot widen the window.
    m_only->setText(m_only->fontMetrics().elidedText(description, Qt::ElideMiddle, 360));
    m_only->setToolTip(description);
    m_only->setVisible(!m_onlyItems.empty());
    emit filterChanged();
}

void FilterBar::setCounts(int shown, int total)
{
    m_count->setText(tr("%L1 of %L2 items").arg(shown).arg(total));
}

} // namespace chorus::ui

namespace chorus::ui {

void FilterBar::setDisagreementsOnly(bool on)
{
    m_disagree->setChecked(on);
}

void FilterBar::setTiedOnly(bool on)
{
    m_tied->setChecked(on);
}

void FilterBar::setUnreviewedOnly(bool on)
{
    m_unreviewed->setChecked(on);
}

void FilterBar::setSearchText(const QString& text)
{
    m_search->setText(text);
    m_debounce->stop();
    emit filterChanged();
}

} // namespace chorus::ui
