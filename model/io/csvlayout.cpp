#include "csvlayout.h"

#include "errors.h"

namespace chorus::model {

namespace {

constexpr char kCandidates[] = {',', ';', '\t'};
constexpr qint64 kSampleBytes = 64 * 1024;

// Lists "a", "a or b", "a, b or c".
QString orList(const QStringList& parts)
{
    if (parts.size() <= 1)
        return parts.value(0);
    return QStringList(parts.mid(0, parts.size() - 1)).join(QStringLiteral(", ")) + QStringLiteral(" or ")
           + parts.last();
}

QString normalisedName(const QString& name)
{
    QString n = name.trimmed().toLower();
    n.replace(QLatin1Char(' '), QLatin1Char('_'));
    n.replace(QLatin1Char('-'), QLatin1Char('_'));
    return n;
}

// Each list in order of precedence, for headers that name a role twice: the specific names
// first, so that "id,question,..." takes "id" as the item (the question is likely its text) and
// "id,item,..." takes "item" (the id is likely the row's own).
const QStringList& itemNames()
{
    static const QStringList names{QStringLiteral("item"),        QStringLiteral("item_id"), QStringLiteral("task"),
                                   QStringLiteral("task_id"),     QStringLiteral("question_id"), QStringLiteral("id"),
                                   QStringLiteral("question")};
    return names;
}

// "judge" before "model": in LLM-as-judge data the judge labels and the model is what is judged.
const QStringList& annotatorNames()
{
    static const QStringList names{QStringLiteral("annotator"), QStringLiteral("annotator_id"), QStringLiteral("worker"),
                                   QStringLiteral("worker_id"), QStringLiteral("rater"),        QStringLiteral("rater_id"),
                                   QStringLiteral("performer"), QStringLiteral("judge"),        QStringLiteral("model")};
    return names;
}

// "label" before "answer"/"response": a response next to a label is the text that was judged.
const QStringList& labelNames()
{
    static const QStringList names{QStringLiteral("label"), QStringLiteral("answer"), QStringLiteral("response"),
                                   QStringLiteral("class")};
    return names;
}

// The column whose normalised name comes first in `names`, or -1.
int bestColumn(const QStringList& normalised, const QStringList& names)
{
    for (const QString& n : names) {
        const qsizetype c = normalised.indexOf(n);
        if (c >= 0)
            return static_cast<int>(c);
    }
    return -1;
}

} // namespace

QString delimiterName(char delimiter)
{
    switch (delimiter) {
    case ',':
        return QStringLiteral("comma");
    case ';':
        return QStringLiteral("semicolon");
    case '\t':
        return QStringLiteral("tab");
    default:
        return QString(QLatin1Char(delimiter));
    }
}

std::optional<char> delimiterFromName(const QString& name)
{
    const QString n = name.toLower();
    if (n == QLatin1String("comma"))
        return ',';
    if (n == QLatin1String("semicolon"))
        return ';';
    if (n == QLatin1String("tab") || n == QLatin1String("\\t"))  // "\t" as typed in a shell
        return '\t';
    if (name.size() == 1) {
        const char16_t c = name.at(0).unicode();
        if (c == u'\t')
            return '\t';
        if (c > 0x20 && c < 0x7F && c != u'"')
            return static_cast<char>(c);
    }
    return std::nullopt;
}

QList<int> sampleFieldCounts(const QByteArray& sample, char delimiter, bool atEnd, int maxRecords)
{
    QList<int> counts;
    bool inQuotes = false;
    int fields = 1;
    bool blank = true;  // nothing but CR on this record so far
    for (qsizetype i = 0; i < sample.size() && counts.size() < maxRecords; ++i) {
        const char c = sample.at(i);
        if (c == '"') {
            inQuotes = !inQuotes;
            blank = false;
        } else if (c == '\n' && !inQuotes) {
            if (!blank)
                counts << fields;
            fields = 1;
            blank = true;
        } else if (c == delimiter && !inQuotes) {
            ++fields;
            blank = false;
        } else if (c != '\r') {
            blank = false;
        }
    }
    // The last record counts only when the sample holds the whole file and the quoting closed.
    if (atEnd && !blank && !inQuotes && counts.size() < maxRecords)
        counts << fields;
    return counts;
}

char detectDelimiter(const QByteArray& sample, bool atEnd, const QString& file)
{
    struct Candidate
    {
        char delimiter;
        int columns;
        bool consistent;
    };
    QList<Candidate> candidates;
    int records = 0;
    for (const char d : kCandidates) {
        const QList<int> counts = sampleFieldCounts(sample, d, atEnd);
        records = std::max(records, static_cast<int>(counts.size()));
        if (counts.isEmpty() || counts.first() < 2)
            continue;
        qsizetype same = 0;
        for (qsizetype k = 1; k < counts.size(); ++k)
            same += counts[k] == counts.first();
        candidates.push_back({d, counts.first(), 2 * same >= counts.size() - 1});
    }
    if (candidates.isEmpty())
        return ',';
    QList<Candidate> consistent;
    for (const Candidate& c : candidates)
        if (c.consistent)
            consistent << c;
    if (consistent.size() == 1)
        return consistent.first().delimiter;
    if (consistent.isEmpty() && candidates.size() == 1)
        return candidates.first().delimiter;
    const QList<Candidate>& named = consistent.isEmpty() ? candidates : consistent;
    QStringList reads, options;
    for (const Candidate& c : named) {
        reads << QStringLiteral("%1-separated (%2 columns)").arg(delimiterName(c.delimiter)).arg(c.columns);
        options << QStringLiteral("--delimiter ") + delimiterName(c.delimiter);
    }
    const QString lines = records <= 1 ? QStringLiteral("first line reads") : QStringLiteral("first %1 lines read").arg(records);
    throw Error(QStringLiteral("%1: cannot tell the delimiter: the %2 as %3; pass %4")
                    .arg(file, lines, orList(reads), orList(options)));
}

char detectDelimiter(QIODevice* device, const QString& file)
{
    const qint64 pos = device->pos();
    const QByteArray sample = device->read(kSampleBytes);
    const bool atEnd = device->atEnd();
    if (!device->seek(pos))
        throw Error(QStringLiteral("%1: cannot seek: %2").arg(file, device->errorString()));
    return detectDelimiter(sample, atEnd, file);
}

std::optional<LongCsvLayout> longCsvLayout(const QStringList& header)
{
    QStringList normalised;
    for (const QString& h : header)
        normalised << normalisedName(h);
    LongCsvLayout l;
    l.item = bestColumn(normalised, itemNames());
    l.annotator = bestColumn(normalised, annotatorNames());
    l.label = bestColumn(normalised, labelNames());
    if (l.item < 0 || l.annotator < 0 || l.label < 0)
        return std::nullopt;
    l.columns = static_cast<int>(header.size());
    l.hasHeader = true;
    for (int c = 0; c < header.size(); ++c) {
        l.header << header[c].trimmed();
        if (c != l.item && c != l.annotator && c != l.label)
            l.others << c;
    }
    return l;
}

bool isItemColumnName(const QString& name)
{
    return itemNames().contains(normalisedName(name));
}

std::optional<ItemsCsvLayout> itemsCsvLayout(const QStringList& header)
{
    QStringList normalised;
    for (const QString& h : header)
        normalised << normalisedName(h);
    ItemsCsvLayout l;
    l.id = bestColumn(normalised, {QStringLiteral("item"), QStringLiteral("item_id"), QStringLiteral("task"),
                                   QStringLiteral("task_id"), QStringLiteral("id")});
    if (l.id < 0)
        return std::nullopt;
    l.text = static_cast<int>(normalised.indexOf(QStringLiteral("text")));
    for (int c = 0; c < header.size(); ++c) {
        l.header << header[c].trimmed();
        if (c != l.id && c != l.text)
            l.others << c;
    }
    return l;
}

} // namespace chorus::model
