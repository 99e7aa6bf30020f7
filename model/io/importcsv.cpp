#include "csvlayout.h"
#include "csvreader.h"
#include "importformats.h"
#include "textfile.h"

#include <QSet>

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

} // namespace

void importLongCsv(ImportWriter& w, const QString& file, ItemExtras& extras)
{
    TextFile text(file);
    const char delimiter = delimiterOf(w, text.device(), file);
    w.report().delimiter = delimiterName(delimiter);
    w.report().encoding = text.encoding();
    const qint64 total = text.size();
    CsvReader csv(text.device(), delimiter);
    csv.setCheckUtf8(!text.converted());
    LongCsvLayout layout;  // positional item,annotator,label until a header says otherwise
    QString expected = QStringLiteral("item,annotator,label");
    std::vector<ExtraColumn> extra;
    withCsvErrors(file, [&] {
        // Fields as UTF-8 bytes: the writer's byte caches turn the ids, names and answers it
        // has seen into ids without building a QString per field (issue #17).
        std::vector<QByteArrayView> row;
        bool first = true;
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
    const char delimiter = delimiterOf(w, text.device(), file);
    w.report().delimiter = delimiterName(delimiter);
    w.report().encoding = text.encoding();
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
