#include "divergencesourcebox.h"

#include "divergencesource.h"
#include "workbench.h"

#include "methods.h"

#include <QAbstractItemView>
#include <QDialog>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QVBoxLayout>

namespace chorus::ui {

namespace {

const QString kChooseVotes = QStringLiteral("?votes");  // the entry that asks for annotators

QString namesText(const QStringList& names)
{
    constexpr int kShown = 3;
    if (names.size() <= kShown)
        return names.join(QStringLiteral(", "));
    return DivergenceSourceBox::tr("%1 and %n more", nullptr, static_cast<int>(names.size() - kShown))
        .arg(names.mid(0, kShown).join(QStringLiteral(", ")));
}

} // namespace

DivergenceSourceBox::DivergenceSourceBox(model::Workbench* wb, QWidget* parent)
    : QComboBox(parent), m_wb(wb)
{
    // Long names (a run's date, many annotators) must not widen the window: the box keeps a
    // modest width and its popup shows whole entries.
    setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    setMinimumContentsLength(18);
    view()->setTextElideMode(Qt::ElideMiddle);
    connect(this, &QComboBox::activated, this, &DivergenceSourceBox::onActivated);
    // The box may cut a long entry: its tooltip has the whole of the chosen one.
    connect(this, &QComboBox::currentIndexChanged, this, [this](int i) {
        setToolTip(i >= 0 ? itemText(i) + QLatin1Char('\n') + itemData(i, Qt::ToolTipRole).toString() : QString());
    });
}

QString DivergenceSourceBox::describe(const QString& spec) const
{
    if (spec == QLatin1String("human"))
        return tr("human judgments");
    if (spec == QLatin1String("consensus")) {
        const model::RunSummary& run = m_wb->consensus().summary;
        return run.id > 0 ? tr("consensus shown (%1, run #%2)").arg(run.method).arg(run.id)
                          : tr("consensus shown (%1)").arg(run.method);
    }
    if (spec == QLatin1String("votes"))
        return tr("votes of all annotators");
    if (spec.startsWith(QLatin1String("votes:")))
        return tr("votes of %1").arg(namesText(model::votesAnnotators(spec)));
    if (spec.startsWith(QLatin1String("annotator:")))
        return tr("%1 (probabilities)").arg(spec.mid(10));
    if (spec.startsWith(QLatin1String("method:")))
        return tr("%1, computed now").arg(spec.mid(7));
    if (spec.startsWith(QLatin1String("run:")))
        return tr("run #%1").arg(spec.mid(4));
    return spec;
}

void DivergenceSourceBox::fill(const QStringList& fallback)
{
    const QString keep = spec();
    const QSignalBlocker block(this);
    clear();
    m_previous = -1;
    if (!m_wb->hasProject())
        return;
    auto add = [this](const QString& text, const QString& spec, const QString& tip = {}) {
        addItem(text, spec);
        setItemData(count() - 1, tip.isEmpty() ? text : tip, Qt::ToolTipRole);
    };
    if (!m_wb->snapshot().humanCounts.empty())
        add(describe(QStringLiteral("human")), QStringLiteral("human"),
            tr("Each item's human judgment counts, normalised (source \"human\")"));
    add(describe(QStringLiteral("consensus")), QStringLiteral("consensus"),
        tr("The posterior of the consensus shown in the review table (source \"consensus\")"));
    add(describe(QStringLiteral("votes")), QStringLiteral("votes"),
        tr("Each label's share of the item's votes (source \"votes\")"));
    add(tr("votes of chosen annotators…"), kChooseVotes,
        tr("Each label's share among the votes of annotators you choose (source \"votes:A,B\")"));
    const QStringList withProbabilities = m_wb->annotatorsWithProbabilities();
    if (!withProbabilities.isEmpty())
        insertSeparator(count());
    for (const QString& a : withProbabilities)
        add(describe(QStringLiteral("annotator:") + a), QStringLiteral("annotator:") + a,
            tr("The probabilities %1 reported (source \"annotator:%1\")").arg(a));
    const QList<model::RunSummary> runs = m_wb->runs();
    if (!runs.isEmpty())
        insertSeparator(count());
    for (const model::RunSummary& r : runs)
        add(tr("run #%1 · %2 · %3").arg(r.id).arg(r.method, r.createdAt), QStringLiteral("run:%1").arg(r.id),
            tr("The posterior of saved run #%1 (%2, %3; source \"run:%1\")").arg(r.id).arg(r.method, r.createdAt));
    insertSeparator(count());
    for (const std::string& m : agg::methodNames()) {
        const QString name = QString::fromStdString(m);
        add(describe(QStringLiteral("method:") + name), QStringLiteral("method:") + name,
            tr("%1's posterior, computed on the project now (source \"method:%1\")").arg(name));
    }
    view()->setMinimumWidth(view()->sizeHintForColumn(0) + 24);
    QStringList wanted{keep};
    wanted += fallback;
    for (const QString& s : wanted)
        if (!s.isEmpty() && setSpec(s))
            return;
    setCurrentIndex(0);
    m_previous = 0;
}

QString DivergenceSourceBox::spec() const
{
    return currentIndex() >= 0 ? currentData().toString() : QString();
}

int DivergenceSourceBox::customVotesIndex() const
{
    for (int i = 0; i < count(); ++i)
        if (itemData(i).toString().startsWith(QLatin1String("votes:")))
            return i;
    return -1;
}

bool DivergenceSourceBox::setSpec(const QString& spec)
{
    const QSignalBlocker block(this);
    if (spec.startsWith(QLatin1String("votes:"))) {
        const QStringList names = model::votesAnnotators(spec);
        for (const QString& n : names)
            if (!m_wb->snapshot().annotators.contains(n))
                return false;
        int i = customVotesIndex();
        if (i < 0) {
            i = findData(kChooseVotes);
            insertItem(i, QString(), spec);
        }
        setItemText(i, describe(spec));
        setItemData(i, spec, Qt::UserRole);
        setItemData(i, tr("Each label's share among the votes of %1 (source \"%2\")").arg(names.join(QStringLiteral(", ")), spec),
                    Qt::ToolTipRole);
        setCurrentIndex(i);
        m_previous = i;
        return true;
    }
    const int i = spec == kChooseVotes ? -1 : findData(spec);
    if (i < 0)
        return false;
    setCurrentIndex(i);
    m_previous = i;
    return true;
}

void DivergenceSourceBox::onActivated(int index)
{
    if (itemData(index).toString() != kChooseVotes) {
        if (index != m_previous) {
            m_previous = index;
            emit specChanged();
        }
        return;
    }
    const QStringList current = model::votesAnnotators(m_previous >= 0 ? itemData(m_previous).toString() : QString());
    const QStringList names = chooseAnnotators ? chooseAnnotators(current) : askAnnotators(current);
    if (names.isEmpty() || !setSpec(model::votesSpec(names))) {
        const QSignalBlocker block(this);
        setCurrentIndex(m_previous);  // canceled: back to what was chosen before
        return;
    }
    emit specChanged();
}

QStringList DivergenceSourceBox::askAnnotators(const QStringList& current)
{
    QDialog d(this);
    d.setWindowTitle(tr("Votes of chosen annotators"));
    auto* filter = new QLineEdit(&d);
    filter->setPlaceholderText(tr("Filter annotators"));
    filter->setClearButtonEnabled(true);
    auto* list = new QListWidget(&d);
    for (const QString& a : m_wb->snapshot().annotators) {
        auto* item = new QListWidgetItem(a, list);
        // votes:A,B separates names by commas: a name holding one cannot be chosen.
        const bool usable = !a.contains(QLatin1Char(','));
        item->setFlags(usable ? Qt::ItemIsEnabled | Qt::ItemIsUserCheckable : Qt::NoItemFlags);
        item->setCheckState(current.contains(a) ? Qt::Checked : Qt::Unchecked);
        item->setToolTip(usable ? a : tr("%1: a name with a comma cannot be part of votes:A,B").arg(a));
    }
    connect(filter, &QLineEdit::textChanged, list, [list](const QString& text) {
        for (int i = 0; i < list->count(); ++i)
            list->item(i)->setHidden(!list->item(i)->text().contains(text, Qt::CaseInsensitive));
    });
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &d);
    connect(buttons, &QDialogButtonBox::accepted, &d, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &d, &QDialog::reject);
    auto* layout = new QVBoxLayout(&d);
    layout->addWidget(new QLabel(tr("Compare the share of each label among the votes of:"), &d));
    layout->addWidget(filter);
    layout->addWidget(list, 1);
    layout->addWidget(buttons);
    if (d.exec() != QDialog::Accepted)
        return {};
    QStringList out;
    for (int i = 0; i < list->count(); ++i)
        if (list->item(i)->checkState() == Qt::Checked)
            out << list->item(i)->text();
    return out;
}

} // namespace chorus::ui
