#include "csvchunk.h"
#include "csvlayout.h"
#include "csvreader.h"
#include "importformats.h"
#include "textfile.h"

#include <QBuffer>
#include <QFile>
#include <QSet>

#include <cstring>
#include <exception>
#include <optional>
#include <thread>
#include <vector>

namespace chorus::model::formats {

namespace {

// A long-csv column beyond item, annotator and label. It becomes item metadata (the column
// "text": the item's text) while every row of an item has the same value in it.
struct ExtraColumn
{
    int column;
    QString name;
    QHash<qint64, QString> values;  // item -> its value; emptied once the column varies
    QString ignoredBecause;         // set when the column cannot be stored
};

// The delimiter of an answers file (--delimiter, else detected); it and the file's encoding
// go into the import report.
char reportedDelimiter(ImportWriter& w, TextFile& text, const QString& file)
{
    const char delimiter = delimiterOf(w, text.device(), file);
    w.report().delimiter = delimiterName(delimiter);
    w.report().encoding = text.encoding();
    return delimiter;
}

// A long CSV read in two parts at once (issue #17): the file is mapped, the first part is read
// by CsvReader on the calling thread through the writer as always, the second part is parsed on
// a helper thread (parseCsvChunk) and then replayed.
struct SplitRead
{
    const char* data = nullptr;  // the mapped file
    qsizetype size = 0;
    qsizetype split = 0;  // the second part starts here, at the start of a line; 0: no split
    QBuffer firstPart;
    std::optional<CsvChunk> second;
    std::exception_ptr error;  // from the helper
    std::jthread helper;  // declared last: joined (stop requested) before the rest goes
};

// Maps the file and picks the split point: the start of the first line after 40% of the
// file (the calling thread has more work per row than the helper, and replays the second
// part). No split for converted (UTF-16) text, a file under ImportOptions::splitLongCsvFrom,
// or a file with a quote character anywhere (a quoted field may hold a line break).
bool planSplit(SplitRead& r, TextFile& text, const ImportOptions& options, char delimiter)
{
    auto* f = qobject_cast<QFile*>(text.device());
    if (options.splitLongCsvFrom < 0 || text.converted() || !f || f->size() < options.splitLongCsvFrom
        || f->size() < 16 || f->size() >= (qint64(1) << 31))
        return false;
    const uchar* map = f->map(0, f->size());
    if (!map)
        return false;
    r.data = reinterpret_cast<const char*>(map);
    r.size = static_cast<qsizetype>(f->size());
    if (std::memchr(r.data, '"', static_cast<size_t>(r.size)))
        return false;
    const qsizetype from = std::max<qsizetype>(text.start(), r.size * 40 / 100);
    const void* nl = std::memchr(r.data + from, '\n', static_cast<size_t>(r.size - from));
    if (!nl)
        return false;
    // The first line (the header, or the first row deciding the layout) must be in part one.
    const void* firstNl = std::memchr(r.data, '\n', static_cast<size_t>(r.size));
    r.split = static_cast<const char*>(nl) - r.data + 1;
    if (r.split >= r.size || static_cast<const char*>(firstNl) - r.data + 1 >= r.split) {
        r.split = 0;
        return false;
    }
    r.firstPart.setData(QByteArray::fromRawData(r.data, r.split));
    r.firstPart.open(QIODevice::ReadOnly);
    r.firstPart.seek(text.start());
    // Columns beyond item, annotator and label (item metadata) are read in one pass.
    try {
        CsvReader peek(&r.firstPart, delimiter);
        peek.setCheckUtf8(true);
        std::vector<QByteArrayView> first;
        if (!peek.nextBytes(first))
            return false;  // part one holds blank lines only
        QStringList header;
        for (const QByteArrayView f : first)
            header << QString::fromUtf8(f);
        const auto l = longCsvLayout(header);
        if (l && !l->others.isEmpty())
            return false;
    } catch (const Error&) {
        // The read proper reports it.
    }
    r.firstPart.seek(text.start());
    return true;
}

// Starts parsing the second part on the helper thread, with the layout the first record set.
void startSecondPart(SplitRead& split, const LongCsvLayout& layout, const QString& expected, char delimiter)
{
    CsvChunkLayout l;
    l.separator = delimiter;
    l.columns = layout.columns;
    l.item = layout.item;
    l.annotator = layout.annotator;
    l.label = layout.label;
    l.expected = expected;
    l.checkUtf8 = true;
    split.helper = std::jthread([&split, l](std::stop_token stop) {
        try {
            split.second = parseCsvChunk(split.data, split.split, split.size, 0, l, stop);
        } catch (...) {
            split.error = std::current_exception();
        }
    });
}

// Replays the second part's rows in file order: each distinct item, annotator and answer of the
// part goes through the writer once (in the order a serial read meets them), every row through
// the writer's row path, and the part's first problem is reported at its line, after every row
// before it. lineBase: physical lines of part one.
void replay(ImportWriter& w, const QString& file, const CsvChunk& c, qint64 lineBase, qint64 bytesFrom,
            qint64 bytesTo)
{
    std::vector<qint64> items(c.items.size(), -1), annotators(c.annotators.size(), -1);
    enum : char { Unseen, Known, Invalid };
    std::vector<char> state(c.answers.size(), Unseen);
    std::vector<ImportWriter::CachedAnswer> known(c.answers.size());
    const auto rows = static_cast<qint64>(c.rows.size());
    const qint64 bytesPerRow = (bytesTo - bytesFrom) / std::max<qint64>(rows, 1);  // for progress
    for (qint64 r = 0; r < rows; ++r) {
        const CsvChunk::Row& row = c.rows[static_cast<size_t>(r)];
        w.setLocation(file, lineBase + c.lines[static_cast<size_t>(r)]);
        qint64& item = items[static_cast<size_t>(row.item)];
        if (item < 0)
            item = w.itemUtf8(c.items[static_cast<size_t>(row.item)]);
        qint64& annotator = annotators[static_cast<size_t>(row.annotator)];
        if (annotator < 0)
            annotator = w.annotatorUtf8(c.annotators[static_cast<size_t>(row.annotator)]);
        const auto a = static_cast<size_t>(row.answer);
        if (state[a] == Known) {
            w.annotationKnown(item, annotator, known[a]);
        } else {
            w.annotationUtf8(item, c.annotators[static_cast<size_t>(row.annotator)], c.answers[a]);
            if (state[a] == Unseen) {
                const ImportWriter::CachedAnswer* k = w.knownAnswerUtf8(c.answers[a]);
                state[a] = k ? Known : Invalid;
                if (k)
                    known[a] = *k;
            }
        }
        w.checkCanceled(bytesFrom + bytesPerRow * r, bytesTo);
    }
    if (c.failLine > 0) {
        w.setLocation(file, lineBase + c.failLine);
        w.fail(c.failProblem);
    }
}

} // namespace

void importLongCsv(ImportWriter& w, const QString& file, ItemExtras& extras)
{
    TextFile text(file);
    const char delimiter = reportedDelimiter(w, text, file);
    const qint64 total = text.size();
    SplitRead split;
    const bool splitting = planSplit(split, text, w.options(), delimiter);
    CsvReader csv(splitting ? static_cast<QIODevice*>(&split.firstPart) : text.device(), delimiter);
    csv.setCheckUtf8(!text.converted());
    LongCsvLayout layout;  // positional item,annotator,label until a header says otherwise
    QString expected = QStringLiteral("item,annotator,label");
    std::vector<ExtraColumn> extra;
    withCsvErrors(file, [&] {
        // Fields as UTF-8 bytes: the writer's byte caches turn the ids, names and answers it
        // has seen into ids without building a QString per field (issue #17).
        std::vector<QByteArrayView> row;
        bool first = true;
        // Once the first record settled the layout: the second part starts on the helper.
        const auto startHelper = [&] {
            if (splitting && !split.helper.joinable())
                startSecondPart(split, layout, expected, delimiter);
        };
        while (csv.nextBytes(row)) {
            w.setLocation(file, csv.line());
            const auto columns = static_cast<qsizetype>(row.size());
            if (first) {
                first = false;
                QStringList header;
                for (const QByteArrayView f : row)
                    header << QString::fromUtf8(f);
                if (const auto l = longCsvLayout(header)) {
                    layout = *l;
                    expected = layout.header.join(QLatin1Char(','));
                    for (const int c : layout.others) {
                        ExtraColumn e{c, layout.header[c], {}, {}};
                        if (e.name.isEmpty())
                            e.ignoredBecause = QStringLiteral("column %1 of %2: no name in the header").arg(c + 1).arg(file);
                        extra.push_back(std::move(e));
                    }
                    startHelper();
                    continue;
                }
                if (columns == 1)
                    w.fail(QStringLiteral("expected 3 columns (item,annotator,label), found 1 (%1-separated); "
                                          "pass --delimiter if the file uses another delimiter")
                               .arg(delimiterName(delimiter)));
                if (columns > 3)
                    w.fail(QStringLiteral("expected 3 columns (item,annotator,label), found %1; other columns need a "
                                          "header naming the item, annotator and label columns")
                               .arg(columns));
            }
            if (columns != layout.columns)
                w.fail(QStringLiteral("expected %1 columns (%2), found %3").arg(layout.columns).arg(expected).arg(columns));
            startHelper();
            const qint64 item = w.itemUtf8(row[layout.item]);
            // An empty label is an answer that maps to nothing: INVALID, raw "" kept.
            w.annotationUtf8(item, row[layout.annotator], row[layout.label]);
            for (ExtraColumn& e : extra) {
                if (!e.ignoredBecause.isEmpty())
                    continue;
                const QString value = QString::fromUtf8(row[e.column]);
                const auto it = e.values.constFind(item);
                if (it == e.values.constEnd()) {
                    e.values.insert(item, value);
                } else if (*it != value) {
                    e.ignoredBecause = QStringLiteral("column \"%1\" of %2: differs between rows of item \"%3\" (line %4)")
                                           .arg(e.name, file, QString::fromUtf8(row[layout.item]))
                                           .arg(csv.line());
                    e.values = {};
                }
            }
            w.checkCanceled(csv.bytesRead(), total);
        }
        if (split.helper.joinable()) {
            split.helper.join();
            if (split.error)
                std::rethrow_exception(split.error);
            replay(w, file, *split.second, csv.linesRead(), split.split, total);
        } else if (splitting) {
            // Cannot happen: the first record, which starts the helper, is in part one.
            throw Error(QStringLiteral("%1: internal error: the second part of the file was not read").arg(file));
        }
    });
    for (const ExtraColumn& e : extra) {
        if (!e.ignoredBecause.isEmpty()) {
            w.report().ignored << e.ignoredBecause;
            continue;
        }
        w.report().metadataColumns << e.name;
        const bool isText = e.name.compare(QLatin1String("text"), Qt::CaseInsensitive) == 0;
        const std::string key = e.name.toStdString();
        for (auto it = e.values.cbegin(); it != e.values.cend(); ++it) {
            if (it.value().isEmpty())
                continue;
            if (isText)
                extras.setText(it.key(), it.value());
            else
                extras.setMeta(it.key(), key, it.value().toStdString());
        }
    }
}

void importWideCsv(ImportWriter& w, const QString& file)
{
    // MACE's format: one row per item, one column per annotator, empty cell = missing. An
    // optional header names the annotators; a first header cell naming the item column ("item",
    // "id", ...) makes the first column the item id. Without a header, items are numbered from 0
    // by row and annotators are named a1..aN by column.
    TextFile text(file);
    const char delimiter = reportedDelimiter(w, text, file);
    const qint64 total = text.size();
    QStringList header;
    {
        // Header detection: the first row is a header if it has no empty cell and none of its
        // cells occurs as a value in the next 1000 rows.
        CsvReader peek(text.device(), delimiter);
        peek.setCheckUtf8(!text.converted());
        QStringList first, row;
        withCsvErrors(file, [&] {
            if (peek.next(first)) {
                QSet<QString> values;
                for (int n = 0; n < 1000 && peek.next(row); ++n)
                    for (const QString& c : row)
                        values.insert(c);
                bool isHeader = !first.isEmpty();
                for (const QString& c : first)
                    if (c.isEmpty() || (values.contains(c) && !isItemColumnName(c)))
                        isHeader = false;
                if (!first.isEmpty() && isItemColumnName(first[0]))
                    isHeader = true;
                if (isHeader)
                    header = first;
            }
        });
        text.rewind();
    }
    const bool idColumn = !header.isEmpty() && isItemColumnName(header[0]);
    CsvReader csv(text.device(), delimiter);
    csv.setCheckUtf8(!text.converted());
    withCsvErrors(file, [&] {
        QStringList row;
        qint64 index = 0;
        int width = -1;
        bool skippedHeader = header.isEmpty();
        while (csv.next(row)) {
            w.setLocation(file, csv.line());
            if (width < 0) {
                width = static_cast<int>(header.isEmpty() ? row.size() : header.size());
                // One column is one annotator and no item ids: far more likely a file whose
                // delimiter is not the one read (item|annotator|label read at commas).
                if (width == 1)
                    w.fail(QStringLiteral("a wide CSV needs two or more columns, found 1 (%1-separated); pass "
                                          "--delimiter if the file uses another delimiter")
                               .arg(delimiterName(delimiter)));
            }
            if (!skippedHeader) {
                skippedHeader = true;
                continue;
            }
            if (row.size() != width)
                w.fail(QStringLiteral("expected %1 columns, found %2").arg(width).arg(row.size()));
            const QString extId = idColumn ? row[0] : QString::number(index);
            ++index;
            const qint64 item = w.item(extId, {}, {}, true);
            for (int c = idColumn ? 1 : 0; c < row.size(); ++c) {
                if (row[c].isEmpty())
                    continue;
                const QString name = header.isEmpty() ? QStringLiteral("a%1").arg(c + 1) : header[c];
                w.annotation(item, name, w.defaultKind(), row[c]);
            }
            w.checkCanceled(csv.bytesRead(), total);
        }
    });
}

} // namespace chorus::model::formats
