#include "transferdialogs.h"

#include "pageparts.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>

namespace chorus::ui {

namespace {

// A line edit with a "…" button that opens a file dialog.
QWidget* fileRow(QLineEdit* edit, QWidget* parent, bool save, const QString& filter)
{
    auto* w = new QWidget(parent);
    auto* l = new QHBoxLayout(w);
    l->setContentsMargins(0, 0, 0, 0);
    auto* b = new QPushButton(QObject::tr("Browse…"), w);
    l->addWidget(edit, 1);
    l->addWidget(b);
    QObject::connect(b, &QPushButton::clicked, w, [edit, parent, save, filter] {
        const QString f = save ? QFileDialog::getSaveFileName(parent, QString(), edit->text(), filter)
                               : QFileDialog::getOpenFileName(parent, QString(), edit->text(), filter);
        if (!f.isEmpty())
            edit->setText(f);
    });
    return w;
}

// OK, named okText, and Cancel as the last row of `form`: they accept or reject `dialog`. OK
// is enabled only while `file` names a file.
void addButtons(QFormLayout* form, QDialog* dialog, const QString& okText, QLineEdit* file)
{
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, dialog);
    QPushButton* ok = buttons->button(QDialogButtonBox::Ok);
    ok->setText(okText);
    form->addRow(buttons);
    QObject::connect(buttons, &QDialogButtonBox::accepted, dialog, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    const auto named = [ok, file] { ok->setEnabled(!file->text().trimmed().isEmpty()); };
    QObject::connect(file, &QLineEdit::textChanged, ok, named);
    named();
}

const char* const kCsvFilter = "CSV (*.csv *.tsv *.txt);;All files (*)";

} // namespace

ImportDialog::ImportDialog(const QString& file, QWidget* parent) : QDialog(parent)
{
    setWindowTitle(tr("Import Data"));
    m_file = new QLineEdit(file, this);
    m_file->setObjectName(QStringLiteral("file"));
    m_format = new QComboBox(this);
    m_format->setObjectName(QStringLiteral("format"));
    m_format->addItem(tr("detect"), QString());
    for (const QString& f : model::importFormats())
        m_format->addItem(f, f);
    m_gold = new QLineEdit(this);
    m_gold->setPlaceholderText(tr("optional: item,label"));
    m_labelMap = new QLineEdit(this);
    m_labelMap->setPlaceholderText(tr("optional: raw,label"));
    m_labels = new QLineEdit(this);
    m_labels->setPlaceholderText(tr("optional: fix the label set, e.g. pos,neg,neu"));
    m_kind = new QComboBox(this);
    m_kind->addItem(tr("LLM"), int(model::AnnotatorKind::Llm));
    m_kind->addItem(tr("Human"), int(model::AnnotatorKind::Human));
    m_kind->addItem(tr("Reviewer (expensive relabeler)"), int(model::AnnotatorKind::Reviewer));
    // CSV files only; "detect" stops on a file that reads well with more than one.
    m_delimiter = new QComboBox(this);
    m_delimiter->addItem(tr("detect"), 0);
    m_delimiter->addItem(tr("comma"), int(','));
    m_delimiter->addItem(tr("semicolon"), int(';'));
    m_delimiter->addItem(tr("tab"), int('\t'));
    m_items = new QLineEdit(this);
    m_items->setPlaceholderText(tr("optional: id,text,... CSV or JSON lines with id, text"));

    auto* form = new QFormLayout(this);
    form->addRow(tr("&File"), fileRow(m_file, this, false, tr("Data files (*.jsonl *.json *.ndjson *.csv *.tsv *.txt);;All files (*)")));
    form->addRow(tr("F&ormat"), m_format);
    form->addRow(tr("&Gold labels"), fileRow(m_gold, this, false, tr(kCsvFilter)));
    form->addRow(tr("Label &map"), fileRow(m_labelMap, this, false, tr(kCsvFilter)));
    form->addRow(tr("&Labels"), m_labels);
    form->addRow(tr("New annotators are"), m_kind);
    form->addRow(tr("&Delimiter"), m_delimiter);
    form->addRow(tr("Item &texts"),
                 fileRow(m_items, this, false, tr("Items (*.csv *.tsv *.txt *.jsonl *.ndjson *.json);;All files (*)")));
    addButtons(form, this, tr("Import"), m_file);
    resize(560, sizeHint().height());
}

QString ImportDialog::file() const
{
    return m_file->text().trimmed();
}

model::ImportOptions ImportDialog::options() const
{
    model::ImportOptions o;
    o.format = m_format->currentData().toString();
    o.goldFile = m_gold->text();
    o.labelMapFile = m_labelMap->text();
    o.labels = m_labels->text().split(QLatin1Char(','), Qt::SkipEmptyParts);
    for (QString& l : o.labels)
        l = l.trimmed();
    o.kind = static_cast<model::AnnotatorKind>(m_kind->currentData().toInt());
    o.delimiter = static_cast<char>(m_delimiter->currentData().toInt());
    o.itemsFile = m_items->text();
    return o;
}

ExportDialog::ExportDialog(const QString& suggestedPath, const QList<QPair<qint64, QString>>& runs, QWidget* parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Export Curated Dataset"));
    m_file = new QLineEdit(suggestedPath, this);
    m_file->setObjectName(QStringLiteral("file"));
    m_format = new QComboBox(this);
    m_format->setObjectName(QStringLiteral("format"));
    m_format->addItem(tr("JSON Lines: labels, provenance, notes, soft labels, every annotator"), QStringLiteral("jsonl"));
    m_format->addItem(tr("CSV: one row per item, with notes"), QStringLiteral("csv"));
    m_format->addItem(tr("Long CSV (item,annotator,label) for crowd-kit"), QStringLiteral("long-csv"));
    m_format->addItem(tr("Wide CSV (one column per annotator) for MACE"), QStringLiteral("wide-csv"));
    m_run = new QComboBox(this);
    m_run->addItem(tr("latest saved run (majority vote if none)"), 0);
    for (const auto& [id, text] : runs)
        m_run->addItem(text, id);
    m_soft = new QComboBox(this);
    m_soft->addItem(tr("none"), QString());
    m_soft->addItem(tr("consensus posterior"), QStringLiteral("posterior"));
    m_soft->addItem(tr("calibrated posterior (temperature fitted on gold)"), QStringLiteral("calibrated"));
    m_soft->addItem(tr("human judgment distribution"), QStringLiteral("human"));
    m_soft->setCurrentIndex(1);
    m_reviewedOnly = new QCheckBox(tr("Only items with a decision (reviewed or flagged)"), this);
    m_excludeFlagged = new QCheckBox(tr("Leave out flagged items"), this);
    m_excludeFlagged->setChecked(true);
    m_excludeInvalid = new QCheckBox(tr("Leave out items without a valid label"), this);
    m_annotators = new QCheckBox(tr("Include every annotator's label"), this);
    m_annotators->setChecked(true);
    // Notes are always exported (jsonl, csv); the full history on request. The answer-only
    // formats carry neither.
    m_history = new QCheckBox(tr("Include each item's decision history (who, when, label, status, note)"), this);
    m_history->setObjectName(QStringLiteral("history"));
    m_minConfidence = doubleSpin(0, 1, 2, 0.05, this);
    m_minConfidence->setSpecialValueText(tr("any"));

    auto* form = new QFormLayout(this);
    form->addRow(tr("&File"), fileRow(m_file, this, true, tr("JSON Lines (*.jsonl);;CSV (*.csv)")));
    form->addRow(tr("F&ormat"), m_format);
    form->addRow(tr("&Consensus from"), m_run);
    form->addRow(tr("&Soft label"), m_soft);
    form->addRow(tr("Minimum confidence"), m_minConfidence);
    form->addRow(m_reviewedOnly);
    form->addRow(m_excludeFlagged);
    form->addRow(m_excludeInvalid);
    form->addRow(m_annotators);
    form->addRow(m_history);
    addButtons(form, this, tr("Export"), m_file);
    connect(m_format, &QComboBox::currentIndexChanged, this, [this] {
        const QString format = m_format->currentData().toString();
        m_history->setEnabled(format == QLatin1String("jsonl") || format == QLatin1String("csv"));
        QString f = file();
        if (f.isEmpty())
            return;  // no name yet to give the format's extension to
        const qsizetype dot = f.lastIndexOf(QLatin1Char('.'));
        if (dot > f.lastIndexOf(QLatin1Char('/')))
            f = f.left(dot);
        m_file->setText(f + (format == QLatin1String("jsonl") ? QStringLiteral(".jsonl") : QStringLiteral(".csv")));
    });
    resize(600, sizeHint().height());
}

QString ExportDialog::file() const
{
    return m_file->text().trimmed();
}

model::ExportOptions ExportDialog::options() const
{
    model::ExportOptions o;
    o.format = m_format->currentData().toString();
    o.runId = m_run->currentData().toLongLong();
    o.soft = m_soft->currentData().toString();
    o.reviewedOnly = m_reviewedOnly->isChecked();
    o.excludeFlagged = m_excludeFlagged->isChecked();
    o.excludeInvalid = m_excludeInvalid->isChecked();
    o.annotatorLabels = m_annotators->isChecked();
    o.history = m_history->isEnabled() && m_history->isChecked();
    o.minConfidence = m_minConfidence->value() > 0 ? m_minConfidence->value() : -1;
    return o;
}

} // namespace chorus::ui
