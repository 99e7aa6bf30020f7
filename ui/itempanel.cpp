#include "itempanel.h"

#include "labelnormalizer.h"
#include "pageparts.h"
#include "workbench.h"

#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

#include <cmath>

namespace chorus::ui {

namespace {

constexpr int kBarRole = Qt::UserRole + 10;

// Paints a horizontal bar of the value in kBarRole (0..1) behind the cell text.
class BarDelegate final : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* p, const QStyleOptionViewItem& option, const QModelIndex& index) const override
    {
        const QVariant v = index.data(kBarRole);
        if (v.isValid()) {
            const double x = std::clamp(v.toDouble(), 0.0, 1.0);
            QRect r = option.rect.adjusted(2, 3, -2, -3);
            r.setWidth(static_cast<int>(r.width() * x));
            p->fillRect(r, QColor(0x7a, 0xa7, 0xe0, 150));
        }
        QStyledItemDelegate::paint(p, option, index);
    }
};

QTreeWidget* makeTree(const QStringList& headers, QWidget* parent)
{
    auto* t = new QTreeWidget(parent);
    t->setHeaderLabels(headers);
    t->setRootIsDecorated(false);
    t->setUniformRowHeights(true);
    t->setSelectionMode(QAbstractItemView::NoSelection);
    t->setFocusPolicy(Qt::NoFocus);
    t->header()->setStretchLastSection(true);
    t->setItemDelegate(new BarDelegate(t));
    return t;
}

// Sizes every column but the last (which stretches) to its contents, so that names, times and
// labels show whole at 1366 px (the history's time was cut to "2026-12-07 2...").
void fitAllButLast(QTreeWidget* t)
{
    for (int c = 0; c + 1 < t->columnCount(); ++c)
        t->resizeColumnToContents(c);
}

QString fmt(double p)
{
    return std::isfinite(p) ? QString::number(p, 'f', 3) : QString();
}

// A consensus or decision label's name: -1 (none) is empty, another negative the INVALID name.
// (An annotation's -1 is agg::kInvalidLabel, INVALID: its caller says so.)
QString labelName(const model::Snapshot& s, int32_t l)
{
    return l >= 0 ? s.labels[l] : (l == -1 ? QString() : model::kInvalidLabelName);
}

} // namespace

ItemPanel::ItemPanel(model::Workbench* workbench, QWidget* parent) : QWidget(parent), m_wb(workbench)
{
    m_title = new QLabel(this);
    m_title->setTextFormat(Qt::PlainText);
    QFont f = m_title->font();
    f.setBold(true);
    f.setPointSizeF(f.pointSizeF() * 1.15);
    m_title->setFont(f);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_state = plainTextLabel(this);
    m_keys = plainTextLabel(this);
    m_keys->setStyleSheet(QStringLiteral("color: palette(placeholder-text)"));

    m_text = new QPlainTextEdit(this);
    m_text->setReadOnly(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_text->setFocusPolicy(Qt::ClickFocus);
    m_meta = new QPlainTextEdit(this);
    m_meta->setReadOnly(true);
    m_meta->setFocusPolicy(Qt::ClickFocus);
    m_meta->setMaximumHeight(80);
    m_meta->setPlaceholderText(tr("no metadata"));

    m_annotators = makeTree({tr("Annotator"), tr("Label"), tr("P(label)")}, this);
    m_posterior = makeTree({tr("Label"), tr("Consensus"), tr("Human votes")}, this);
    m_posterior->setObjectName(QStringLiteral("posterior"));
    m_history = makeTree({tr("Time (UTC)"), tr("Author"), tr("Action"), tr("Label"), tr("Status"), tr("Note")}, this);
    m_history->setObjectName(QStringLiteral("history"));

    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_text);
    split->addWidget(m_annotators);
    split->addWidget(m_posterior);
    split->addWidget(m_history);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 3);
    split->setStretchFactor(2, 2);
    split->setStretchFactor(3, 1);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(m_title);
    layout->addWidget(m_state);
    layout->addWidget(split, 1);
    layout->addWidget(m_meta);
    layout->addWidget(m_keys);
    showItem(-1);
}

void ItemPanel::setGoldVisible(bool visible)
{
    m_goldVisible = visible;
    refresh();
}

void ItemPanel::showItem(int32_t item)
{
    m_item = item;
    m_annotators->clear();
    m_posterior->clear();
    m_history->clear();
    if (item < 0 || !m_wb->hasProject() || item >= m_wb->snapshot().numItems()) {
        m_item = -1;
        m_title->setText(tr("No item selected"));
        m_state->clear();
        m_text->clear();
        m_meta->clear();
        m_keys->clear();
        return;
    }
    const model::Snapshot& s = m_wb->snapshot();
    const model::RunData& run = m_wb->consensus();
    const int32_t L = s.numLabels();
    m_title->setText(s.itemExtIds[item]);
    const model::ItemState st = m_wb->stateOf(item);
    QStringList parts;
    parts << tr("Status: %1").arg(model::statusName(st.status));
    parts << tr("Consensus (%1): %2").arg(run.summary.method, labelName(s, run.labels[item]).isEmpty() ? tr("none") : labelName(s, run.labels[item]));
    const std::vector<int32_t> tied = model::tiedTopLabels(s, run, item);
    if (!tied.empty()) {
        QStringList names;
        for (int32_t l : tied)
            names << s.labels[l];
        const QString last = names.takeLast();
        parts << tr("tie between %1 and %2").arg(names.join(QStringLiteral(", ")), last);
    }
    if (st.label >= 0)
        parts << tr("Human: %1").arg(s.labels[st.label]);
    if (m_goldVisible && s.gold[item] >= 0)
        parts << tr("Gold: %1").arg(s.labels[s.gold[item]]);
    if (!st.note.isEmpty())
        parts << tr("Note: %1").arg(st.note);
    m_state->setText(parts.join(QStringLiteral("   ·   ")));
    m_text->setPlainText(s.itemTexts[item]);

    const QString meta = m_wb->itemMeta(item);
    if (meta.isEmpty()) {
        m_meta->clear();
    } else {
        const auto j = nlohmann::json::parse(meta.toStdString(), nullptr, false);
        m_meta->setPlainText(j.is_discarded() ? meta : QString::fromStdString(j.dump(1)));
    }

    fillAnnotators(item, st.label >= 0 ? st.label : run.labels[item]);
    fillPosterior(item);

    const auto history = m_wb->itemHistory(item);
    for (const model::Decision& d : history) {
        const int32_t l = s.labelIndexById.value(d.labelId, -1);
        auto* row = new QTreeWidgetItem(m_history, {d.createdAt.left(19).replace(QLatin1Char('T'), QLatin1Char(' ')),
                                                    d.author, d.action, labelName(s, l), model::statusName(d.status),
                                                    d.note});
        row->setToolTip(5, d.note);
    }
    if (!history.isEmpty())
        fitAllButLast(m_history);  // the note takes the rest, and shows whole as a tooltip

    QStringList keys;
    for (int32_t l = 0; l < L && l < 9; ++l)
        keys << QStringLiteral("%1 %2").arg(l + 1).arg(s.labels[l]);
    m_keys->setText(tr("Keys: %1%2 · Enter accept consensus · F flag · N note · Backspace undo · J/K next/previous · "
                       "U next unreviewed")
                        .arg(keys.join(QStringLiteral("  ")), L > 9 ? tr("  0 pick…") : QString()));
}

QString ItemPanel::stateText() const
{
    return m_state->text();
}

// One row per label the annotators gave the item: green when it is `reference` (the human
// label, else the consensus), red otherwise, grey when invalid; with the probability the
// annotator reported for it (its whole distribution in the tooltip).
void ItemPanel::fillAnnotators(int32_t item, int32_t reference)
{
    const model::Snapshot& s = m_wb->snapshot();
    const int32_t L = s.numLabels();
    const auto probs = m_wb->itemProbabilities(item);
    for (int64_t k = s.matrix.itemBegin(item); k < s.matrix.itemEnd(item); ++k) {
        const int32_t a = s.matrix.itemAnnotator(k), l = s.matrix.itemLabel(k);
        auto* row = new QTreeWidgetItem(m_annotators, {s.annotators[a], l == agg::kInvalidLabel ? model::kInvalidLabelName : labelName(s, l)});
        if (l == agg::kInvalidLabel)
            row->setForeground(1, QColor(0x80, 0x80, 0x80));
        else if (reference >= 0)
            row->setForeground(1, l == reference ? QColor(0x2e, 0x7d, 0x32) : QColor(0xc6, 0x28, 0x28));
        const auto p = probs.constFind(s.annotators[a]);
        if (p != probs.constEnd() && l >= 0 && l < p->size()) {
            row->setText(2, fmt(p->at(l)));
            row->setData(2, kBarRole, p->at(l));
            QStringList dist;
            for (int32_t j = 0; j < L && j < p->size(); ++j)
                dist << QStringLiteral("%1 %2").arg(s.labels[j], fmt(p->at(j)));
            row->setToolTip(2, dist.join(QLatin1Char('\n')));
        }
    }
    fitAllButLast(m_annotators);
}

// One row per label: the consensus posterior and, when the item has human judgments, their
// counts and shares.
void ItemPanel::fillPosterior(int32_t item)
{
    const model::Snapshot& s = m_wb->snapshot();
    const model::RunData& run = m_wb->consensus();
    const int32_t L = s.numLabels();
    double humanTotal = 0;
    const bool hasHuman = !s.hasHumanCounts.empty() && s.hasHumanCounts[item];
    if (hasHuman)
        for (int32_t l = 0; l < L; ++l)
            humanTotal += s.humanCounts[static_cast<size_t>(item) * L + l];
    for (int32_t l = 0; l < L; ++l) {
        auto* row = new QTreeWidgetItem(m_posterior, {QStringLiteral("%1  %2").arg(l < 9 ? QString::number(l + 1) : QStringLiteral(" "), s.labels[l])});
        if (!run.posterior.empty()) {
            const double p = run.posterior[static_cast<size_t>(item) * L + l];
            row->setText(1, fmt(p));
            row->setData(1, kBarRole, p);
        }
        if (hasHuman && humanTotal > 0) {
            const double c = s.humanCounts[static_cast<size_t>(item) * L + l];
            row->setText(2, QStringLiteral("%1 (%2)").arg(c).arg(fmt(c / humanTotal)));
            row->setData(2, kBarRole, c / humanTotal);
        }
    }
    m_posterior->setColumnHidden(2, !hasHuman);
    m_posterior->resizeColumnToContents(0);  // the label; the consensus column keeps its room for bars
}

} // namespace chorus::ui
