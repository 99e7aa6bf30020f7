#include "csvreader.h"
#include "importformats.h"

#include <QFile>
#include <QSet>

namespace chorus::model::formats {

namespace {

void openOrFail(QFile& f, const QString& file)
{
    if (!f.open(QIODevice::ReadOnly))
        throw Error(QStringLiteral("%1: cannot open: %2").arg(file, f.errorString()));
}

// CsvReader reports "line N: problem"; give it the file name.
template <typename Fn>
void withCsvErrors(const QString& file, Fn&& fn)
{
    try {
        fn();
    } catch (const CanceledError&) {
        throw;
    } catch (const Error& e) {
        if (e.message().startsWith(QLatin1String("line ")))
            throw Error(file + QLatin1Char(':') + e.message().mid(5));
        throw;
    }
}

bool isItemHeader(const QString& s)
{
    return s == QLatin1String("item") || s == QLatin1String("task") || s == QLatin1String("id");
}

} // namespace

void importLongCsv(ImportWriter& w, const QString& file)
{
    QFile f(file);
    openOrFail(f, file);
    const qint64 total = f.size();
    CsvReader csv(&f);
    withCsvErrors(file, [&] {
        QStringList row;
        while (csv.next(row)) {
            w.setLocation(file, csv.line());
            if (csv.line() == 1 && row.size() == 3 && isItemHeader(row[0])
                && (row[1] == QLatin1String("annotator") || row[1] == QLatin1String("worker")
                    || row[1] == QLatin1String("performer")))
                continue;
            if (row.size() != 3)
                w.fail(QStringLiteral("expected 3 columns (item,annotator,label), found %1").arg(row.size()));
            const qint64 item = w.item(row[0]);
            // An empty label is an answer that maps to nothing: INVALID, raw "" kept.
            w.annotation(item, row[1], w.defaultKind(), row[2]);
            w.checkCanceled(csv.bytesRead(), total);
        }
    });
}

void importWideCsv(ImportWriter& w, const QString& file)
{
    // MACE's format: one row per item, one column per annotator, empty cell = missing. An
    // optional header names the annotators; a first header cell "item"/"id" makes the first
    // column the item id. Without a header, items are numbered from 0 by row and annotators
    // are named a1..aN by column.
    QFile f(file);
    openOrFail(f, file);
    const qint64 total = f.size();
    QStringList header;
    {
        // Header detection: the first row is a header if it has no empty cell and none of its
        // cells occurs as a value in the next 1000 rows.
        CsvReader peek(&f);
        QStringList first, row;
        withCsvErrors(file, [&] {
            if (peek.next(first)) {
                QSet<QString> values;
                for (int n = 0; n < 1000 && peek.next(row); ++n)
                    for (const QString& c : row)
                        values.insert(c);
                bool isHeader = !first.isEmpty();
                for (const QString& c : first)
                    if (c.isEmpty() || (values.contains(c) && !isItemHeader(c)))
                        isHeader = false;
                if (!first.isEmpty() && isItemHeader(first[0]))
                    isHeader = true;
                if (isHeader)
                    header = first;
            }
        });
        f.seek(0);
    }
    const bool idColumn = !header.isEmpty() && isItemHeader(header[0]);
    CsvReader csv(&f);
    withCsvErrors(file, [&] {
        QStringList row;
        qint64 index = 0;
        int width = -1;
        bool skippedHeader = header.isEmpty();
        while (csv.next(row)) {
            w.setLocation(file, csv.line());
            if (!skippedHeader) {
                skippedHeader = true;
                width = static_cast<int>(header.size());
                continue;
            }
            if (width < 0)
                width = static_cast<int>(row.size());
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
