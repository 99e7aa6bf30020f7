// A long CSV read in two parts at once (ImportOptions::splitLongCsvFrom, model/io/csvchunk.h):
// - errors in the second part, or in both, are reported at the first bad line in file order,
//   with messages and byte offsets derived by hand from the files written here;
// - a file that reads without error gives the same project (every table compared) and the same
//   in-memory data (snapshot and report) as the one-pass read, on shapes that reach every branch
//   of the split read: items spanning the split, CRLF and blank lines, a BOM, a reordered
//   header, answers that normalise or are INVALID, and files that must not be split (quotes,
//   extra columns).

#include "importhelpers.h"

#include "importer.h"

#include <QRegularExpression>
#include <QtTest>

using namespace chorus::model;
using namespace chorus::test;

namespace {

constexpr int kRows = 300;

// Line k (1-based; line 1 is the header) of the standard file: "item_NNN,wMM,ANSWER\n" with
// item = (k - 2) / 3 and annotator (k - 2) % 3, so each item has three rows from w00, w01, w02.
// Every data line is 20 bytes long: "item_" 5 + 3 digits + "," + "wMM" 3 + "," + answer + "\n"
// with answers of 6 bytes ("yes---", "no----").
QByteArray dataLine(int k)
{
    const int r = k - 2;
    const QByteArray item = "item_" + QByteArray::number(r / 3).rightJustified(3, '0');
    const QByteArray ann = "w" + QByteArray::number(r % 3).rightJustified(2, '0');
    return item + ',' + ann + ',' + ((r * 7) % 5 < 3 ? "yes---" : "no----") + '\n';
}

QByteArray standardFile(const QMap<int, QByteArray>& replaced = {})
{
    QByteArray f = "item,annotator,label\n";  // 21 bytes
    for (int k = 2; k <= kRows + 1; ++k)
        f += replaced.contains(k) ? replaced.value(k) : dataLine(k);
    return f;
}

// Byte offset at which line k starts in the standard file (lines before it unchanged).
qint64 lineStart(int k)
{
    return 21 + 20 * static_cast<qint64>(k - 2);
}

struct Read
{
    QString error;
    FileData data;
};

Read readMemory(const QString& file, qint64 splitFrom)
{
    ImportOptions o;
    o.splitLongCsvFrom = splitFrom;
    Read r;
    try {
        r.data = readFileData(file, o);
    } catch (const Error& e) {
        r.error = e.message();
    }
    return r;
}

// What an analysis reads from the snapshot, as text: ids, names, labels, each item's
// (annotator, label) pairs, gold; and the report's counts.
QStringList describe(const FileData& d)
{
    const Snapshot& s = d.snapshot;
    QStringList out;
    out << QStringLiteral("items %1").arg(s.itemExtIds.join(QLatin1Char(' ')));
    out << QStringLiteral("annotators %1").arg(s.annotators.join(QLatin1Char(' ')));
    out << QStringLiteral("labels %1").arg(s.labels.join(QLatin1Char(' ')));
    for (int32_t i = 0; i < s.numItems(); ++i) {
        QString row = s.itemExtIds[i] + QLatin1Char(':');
        for (int64_t k = s.matrix.itemBegin(i); k < s.matrix.itemEnd(i); ++k)
            row += QStringLiteral(" %1=%2").arg(s.matrix.itemAnnotator(k)).arg(s.matrix.itemLabel(k));
        out << row;
    }
    const ImportReport& r = d.report;
    out << QStringLiteral("report %1 %2 %3 %4 | %5 | %6").arg(r.itemsAdded).arg(r.annotations).arg(r.invalid)
               .arg(r.gold)
               .arg(r.newLabels.join(QLatin1Char(' ')), r.newAnnotators.join(QLatin1Char(' ')));
    for (auto it = r.invalidByAnnotator.cbegin(); it != r.invalidByAnnotator.cend(); ++it)
        out << QStringLiteral("invalid %1 %2").arg(it.key()).arg(it.value());
    return out;
}

} // namespace

class TestImportSplit : public ImportTestBase
{
    Q_OBJECT

private slots:

    void standardFileLayout()
    {
        // The hand derivations below rest on these.
        const QByteArray f = standardFile();
        QCOMPARE(dataLine(2).size(), 20);
        QCOMPARE(f.size(), 21 + 20 * kRows);
        QCOMPARE(f.indexOf(dataLine(150)), lineStart(150));
        // The split point: the first line start after 40% of 6021 bytes = 2408; line k starts
        // at 21 + 20 (k - 2), so line 122 (2421) opens part two and lines 122..301 are in it.
        QVERIFY(lineStart(121) < f.size() * 40 / 100 && f.size() * 40 / 100 < lineStart(122));
    }

    void errorsInTheSecondPart_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("message");        // %F: the file
        QTest::addColumn<QString>("importMessage");  // the import's, when it differs
        using Map = QMap<int, QByteArray>;
        QTest::newRow("columnCountAt200")
            << standardFile(Map{{200, "item_066,w00,yes,x\n"}})
            << QStringLiteral("%F:200: expected 3 columns (item,annotator,label), found 4") << QString();
        // Line 170 starts at 21 + 20 * 168 = 3381; the bad byte is its 6th (offset 5): 3386.
        QTest::newRow("invalidUtf8At170")
            << standardFile(Map{{170, "item_\xff" "56,w00,yes---\n"}})
            << QStringLiteral("%F:170: invalid UTF-8 at byte offset 3386 (0xFF); save the file as UTF-8") << QString();
        QTest::newRow("emptyItemAt160") << standardFile(Map{{160, ",w00,yes---\n"}})
                                        << QStringLiteral("%F:160: empty item id") << QString();
        QTest::newRow("emptyAnnotatorAt160") << standardFile(Map{{160, "item_999,,yes---\n"}})
                                             << QStringLiteral("%F:160: empty annotator name") << QString();
        // Line 180 is item (180 - 2) / 3 = 59, annotator 178 % 3 = 1; making it w00 repeats
        // line 179's pair (item_059, w00).
        QTest::newRow("duplicateInsidePartTwo")
            << standardFile(Map{{180, "item_059,w00,no----\n"}})
            << QStringLiteral("%F:180: item \"item_059\" already has a label from annotator \"w00\"") << QString();
        // Line 250 repeats line 2's pair (item_000, w00), which part one stored.
        QTest::newRow("duplicateAcrossParts")
            << standardFile(Map{{250, "item_000,w00,no----\n"}})
            << QStringLiteral("%F:250: item \"item_000\" already has a label from annotator \"w00\"") << QString();
        // Two problems: the one on the earlier line is reported, whatever its kind or part.
        // (The import into a project finds duplicates when it writes its sorted buffer, after
        // the whole file is read, so there the malformed line 200 stops it first: the import's
        // own rule, the same with and without the split.)
        QTest::newRow("duplicateBeforeColumnCount")
            << standardFile(Map{{180, "item_059,w00,no----\n"}, {200, "a,b\n"}})
            << QStringLiteral("%F:180: item \"item_059\" already has a label from annotator \"w00\"")
            << QStringLiteral("%F:200: expected 3 columns (item,annotator,label), found 2");
        QTest::newRow("columnCountBeforeDuplicate")
            << standardFile(Map{{175, "a,b\n"}, {180, "item_059,w00,no----\n"}})
            << QStringLiteral("%F:175: expected 3 columns (item,annotator,label), found 2") << QString();
        QTest::newRow("partOneWinsOverPartTwo")
            << standardFile(Map{{40, "a,b,c,d\n"}, {200, "\xff\n"}})
            << QStringLiteral("%F:40: expected 3 columns (item,annotator,label), found 4") << QString();
        QTest::newRow("utf8BeforeEmptyAnnotator")
            << standardFile(Map{{150, "\xc3(\n"}, {160, "item_999,,yes---\n"}})
            << QStringLiteral("%F:150: invalid UTF-8 at byte offset %1 (0xC3); save the file as UTF-8").arg(lineStart(150))
            << QString();
        // Blank lines count: two extra line breaks after line 100 push line 200 to 202.
        QTest::newRow("blankLinesCounted")
            << standardFile(Map{{100, dataLine(100) + "\n\r\n"}, {200, "x\n"}})
            << QStringLiteral("%F:202: expected 3 columns (item,annotator,label), found 1") << QString();
    }

    void errorsInTheSecondPart()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, message);
        QFETCH(QString, importMessage);
        const QString file = write(QStringLiteral("answers.csv"), content);
        message.replace(QLatin1String("%F"), file);
        importMessage = importMessage.isEmpty() ? message : importMessage.replace(QLatin1String("%F"), file);
        for (const qint64 from : {qint64(-1), qint64(0)}) {
            QCOMPARE(readMemory(file, from).error, message);
            ImportOptions o;
            o.splitLongCsvFrom = from;
            const QString project = path(QStringLiteral("p%1.chorus").arg(from + 1));
            try {
                importNew(project, file, o);
                QFAIL("the import must fail");
            } catch (const Error& e) {
                QCOMPARE(e.message(), importMessage);
            }
        }
    }

    void sameAsOnePass_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QByteArray>("gold");
        QTest::addColumn<QString>("delimiter");  // "" = detect
        QByteArray gold = "item,label\n";
        for (int i = 0; i < kRows / 3; ++i)
            gold += "item_" + QByteArray::number(i).rightJustified(3, '0') + (i % 4 ? ",yes---\n" : ",no----\n");
        QTest::newRow("sortedWithGold") << standardFile() << gold << QString();
        QByteArray shuffled = "item,annotator,label\n";
        for (int k = 0; k < kRows; ++k)
            shuffled += dataLine(2 + (k * 97) % kRows);  // 97 is coprime with 300
        QTest::newRow("shuffled") << shuffled << QByteArray() << QString();
        QByteArray crlf = standardFile();
        crlf.replace("\n", "\r\n");
        crlf.insert(crlf.indexOf("\r\n", crlf.size() / 2) + 2, "\r\n\r\n");  // blank lines mid-file
        QTest::newRow("crlfAndBlankLines") << crlf << QByteArray() << QString();
        QTest::newRow("bom") << "\xEF\xBB\xBF" + standardFile() << QByteArray() << QString();
        QByteArray reordered = "label,annotator,item\n";
        for (int k = 2; k <= kRows + 1; ++k) {
            const QList<QByteArray> f = dataLine(k).trimmed().split(',');
            reordered += f[2] + ',' + f[1] + ',' + f[0] + '\n';
        }
        QTest::newRow("reorderedHeader") << reordered << QByteArray() << QString();
        QByteArray noHeader = standardFile().mid(21);
        noHeader.chop(1);  // no line break at the end either
        QTest::newRow("noHeaderNoFinalNewline") << noHeader << QByteArray() << QString();
        // Answers that normalise ("Yes", " yes."), INVALID ones (empty, a sentence), new answers
        // first seen in part two, an annotator only in part two.
        QMap<int, QByteArray> mixed{{3, "item_000,w01,Yes\n"},          {150, "item_049,w01,\n"},
                                    {151, "item_049,w02, yes.\n"},      {200, "item_066,w00,maybe\n"},
                                    {210, "item_069,w01,I cannot tell\n"}, {260, "item_086,w99,no----\n"},
                                    {290, "item_096,w00,\n"}};
        QTest::newRow("normalisedAndInvalid") << standardFile(mixed) << QByteArray() << QString();
        QByteArray semicolon = standardFile();
        semicolon.replace(',', ';');
        QTest::newRow("semicolons") << semicolon << QByteArray() << QStringLiteral(";");
        // Not split (a quote; an extra column): still the same rows.
        QTest::newRow("quoteSomewhere") << standardFile(QMap<int, QByteArray>{{250, "item_082,w02,\"yes---\"\n"}})
                                        << QByteArray() << QString();
        QByteArray extra = "item,annotator,label,text\n";
        for (int k = 2; k <= kRows + 1; ++k)
            extra += dataLine(k).trimmed() + ",text " + QByteArray::number((k - 2) / 3) + '\n';
        QTest::newRow("extraColumn") << extra << QByteArray() << QString();
    }

    void sameAsOnePass()
    {
        QFETCH(QByteArray, content);
        QFETCH(QByteArray, gold);
        QFETCH(QString, delimiter);
        const QString file = write(QStringLiteral("answers.csv"), content);
        ImportOptions o;
        o.format = QStringLiteral("long-csv");  // a file without a header would be detected as wide
        if (!gold.isEmpty())
            o.goldFile = write(QStringLiteral("gold.csv"), gold);
        if (!delimiter.isEmpty())
            o.delimiter = delimiter.at(0).toLatin1();
        QStringList memory[2], project[2];
        for (int split = 0; split < 2; ++split) {
            o.splitLongCsvFrom = split ? 0 : -1;
            const FileData d = readFileData(file, o);
            QCOMPARE(d.report.annotations, qint64(kRows));
            memory[split] = describe(d);
            const QString p = path(QStringLiteral("p%1.chorus").arg(split));
            importNew(p, file, o);
            project[split] = dumpProjectFile(p).filter(QRegularExpression(QStringLiteral("^(?!meta\\|key='created_at')")));
        }
        QCOMPARE(memory[1], memory[0]);
        QCOMPARE(project[1], project[0]);
    }
};

QTEST_GUILESS_MAIN(TestImportSplit)
#include "tst_importsplit.moc"
