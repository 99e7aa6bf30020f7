// The CSV exports: the curated dataset as a table (csv, with the reviewer's note and, on
// request, the decision history as a JSON cell), and the answers only for crowd-kit (long-csv)
// and MACE (wide-csv). Fields are quoted by RFC 4180 rules (csvField): notes are free text.

#include "exportformats.h"

#include "csvreader.h"

namespace chorus::model::formats {

namespace {

QByteArray csvLine(const QStringList& fields)
{
    return fields.join(QLatin1Char(',')).toUtf8() + '\n';
}

// One cell per annotator: its label, INVALID, or empty when it did not answer.
void appendAnnotatorCells(const Snapshot& s, int32_t i, QStringList& row)
{
    for (int32_t a = 0; a < s.annotators.size(); ++a) {
        const int32_t l = s.matrix.labelOf(i, a);
        row << (l == -2 ? QString() : csvField(labelText(s, l)));
    }
}

class CsvWriter final : public ExportWriter
{
public:
    using ExportWriter::ExportWriter;

    void header(QByteArray& out) override
    {
        const Snapshot& s = m_ctx.snapshot;
        QStringList h{QStringLiteral("id"), QStringLiteral("text"), QStringLiteral("label"),
                      QStringLiteral("source"), QStringLiteral("confidence"), QStringLiteral("status"),
                      QStringLiteral("note")};
        if (m_ctx.options.history)
            h << QStringLiteral("history");
        if (!m_ctx.options.soft.isEmpty())
            for (const QString& l : s.labels)
                h << QStringLiteral("p_") + l;
        if (m_ctx.options.annotatorLabels)
            h << s.annotators;
        for (QString& c : h)
            c = csvField(c);
        out += csvLine(h);
    }

    void item(const ExportItem& item, QByteArray& out) override
    {
        const Snapshot& s = m_ctx.snapshot;
        const int32_t i = item.index;
        const FinalLabel& f = item.final;
        QStringList row{csvField(s.itemExtIds[i]), csvField(s.itemTexts[i]),
                        f.label >= 0 ? csvField(s.labels[f.label]) : QString(),
                        f.label >= 0 ? csvField(f.source) : QStringLiteral("none"),
                        std::isfinite(f.confidence) ? QString::number(f.confidence, 'g', 10) : QString(),
                        statusName(s.status[i]), csvField(currentNote(s, i))};
        if (m_ctx.options.history)
            row << csvField(QString::fromStdString(historyJson(m_ctx, i).dump()));
        if (!m_ctx.options.soft.isEmpty())
            for (int32_t l = 0; l < s.numLabels(); ++l)
                row << (item.soft.empty() ? QString() : QString::number(item.soft[l], 'g', 10));
        if (m_ctx.options.annotatorLabels)
            appendAnnotatorCells(s, i, row);
        out += csvLine(row);
    }
};

class LongCsvWriter final : public ExportWriter
{
public:
    using ExportWriter::ExportWriter;

    void header(QByteArray& out) override { out += "item,annotator,label\n"; }

    void item(const ExportItem& item, QByteArray& out) override
    {
        const Snapshot& s = m_ctx.snapshot;
        const int32_t i = item.index;
        for (int64_t k = s.matrix.itemBegin(i); k < s.matrix.itemEnd(i); ++k)
            out += csvLine({csvField(s.itemExtIds[i]), csvField(s.annotators[s.matrix.itemAnnotator(k)]),
                            csvField(labelText(s, s.matrix.itemLabel(k)))});
    }
};

class WideCsvWriter final : public ExportWriter
{
public:
    using ExportWriter::ExportWriter;

    void header(QByteArray& out) override
    {
        QStringList h{QStringLiteral("item")};
        for (const QString& a : m_ctx.snapshot.annotators)
            h << csvField(a);
        out += csvLine(h);
    }

    void item(const ExportItem& item, QByteArray& out) override
    {
        QStringList row{csvField(m_ctx.snapshot.itemExtIds[item.index])};
        appendAnnotatorCells(m_ctx.snapshot, item.index, row);
        out += csvLine(row);
    }
};

} // namespace

std::unique_ptr<ExportWriter> csvWriter(const ExportContext& context)
{
    return std::make_unique<CsvWriter>(context);
}

std::unique_ptr<ExportWriter> longCsvWriter(const ExportContext& context)
{
    return std::make_unique<LongCsvWriter>(context);
}

std::unique_ptr<ExportWriter> wideCsvWriter(const ExportContext& context)
{
    return std::make_unique<WideCsvWriter>(context);
}

} // namespace chorus::model::formats
