// Import of files written by spreadsheets and other tools: semicolons, tabs, byte order marks,
// CRLF, UTF-16, headers naming the columns in any order with extra columns, items files with
// texts and metadata (--items), and jsonl items with a text and no labels. Refusals with their
// exact messages are in tst_importerrors.cpp.
//
// Expected rows are written out by hand from the small files in each row; a separate
// connection reads them back (importhelpers.h).

#include "importhelpers.h"

#include "csvlayout.h"
#include "importer.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace chorus::model;
using namespace chorus::test;

namespace {

// s in UTF-16 with its byte order mark, code unit by code unit (the test's own encoder).
QByteArray utf16(const QString& s, bool littleEndian)
{
    QByteArray out = littleEndian ? QByteArray("\xFF\xFE") : QByteArray("\xFE\xFF");
    for (const QChar c : s) {
        const char lo = static_cast<char>(c.unicode() & 0xFF), hi = static_cast<char>(c.unicode() >> 8);
        out += littleEndian ? lo : hi;
        out += littleEndian ? hi : lo;
    }
    return out;
}

QJsonObject metaOf(const QString& project, const QString& item)
{
    const QStringList rows = queryRows(project, QStringLiteral("SELECT meta FROM items WHERE ext_id = '%1'").arg(item));
    return rows.size() == 1 ? QJsonDocument::fromJson(rows[0].toUtf8()).object() : QJsonObject();
}

} // namespace

class TestImportSpreadsheet : public ImportTestBase
{
    Q_OBJECT

private slots:
    void spreadsheetFiles_data();
    void spreadsheetFiles();
    void extraColumns();
    void itemsFile_data();
    void itemsFile();
    void itemsFileForWideCsv();
    void jsonlItemsWithTextOnly_data();
    void jsonlItemsWithTextOnly();

};

void TestImportSpreadsheet::spreadsheetFiles_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("delimiter");  // --delimiter; "" = detect
    QTest::addColumn<QString>("format");     // detected format
    QTest::addColumn<QString>("delimiterRead");
    QTest::addColumn<QString>("encoding");
    QTest::addColumn<QStringList>("rows");  // item|annotator|label|raw

    // Most rows hold the same three answers: q1 by m1 (yes) and m2 (no), q2 by m1 (yes).
    const QStringList three{QStringLiteral("q1|m1|yes|<null>"), QStringLiteral("q1|m2|no|<null>"),
                            QStringLiteral("q2|m1|yes|<null>")};
    const QString detect, utf8 = QStringLiteral("UTF-8"), long_ = QStringLiteral("long-csv");

    QTest::newRow("semicolonLong") << QStringLiteral("a.csv")
                                   << QByteArray("item;annotator;label\nq1;m1;yes\nq1;m2;no\nq2;m1;yes\n") << detect
                                   << long_ << QStringLiteral("semicolon") << utf8 << three;
    QTest::newRow("tabTsv") << QStringLiteral("a.tsv") << QByteArray("item\tannotator\tlabel\nq1\tm1\tyes\nq1\tm2\tno\nq2\tm1\tyes\n")
                            << detect << long_ << QStringLiteral("tab") << utf8 << three;
    // Excel's "CSV UTF-8" in a semicolon locale: BOM, semicolons, CRLF.
    QTest::newRow("excelBomSemicolonCrlf")
        << QStringLiteral("a.csv") << QByteArray("\xEF\xBB\xBFitem;annotator;label\r\nq1;m1;yes\r\nq1;m2;no\r\nq2;m1;yes\r\n")
        << detect << long_ << QStringLiteral("semicolon") << QStringLiteral("UTF-8 with BOM") << three;
    QTest::newRow("crlfComma") << QStringLiteral("a.csv") << QByteArray("item,annotator,label\r\nq1,m1,yes\r\nq1,m2,no\r\nq2,m1,yes\r\n")
                               << detect << long_ << QStringLiteral("comma") << utf8 << three;
    // A quoted field with the delimiter and a CRLF line end after it.
    QTest::newRow("crlfQuotedDelimiter")
        << QStringLiteral("a.csv") << QByteArray("item;annotator;label\r\n\"q;1\";m1;yes\r\n\"q;1\";m2;no\r\n") << detect
        << long_ << QStringLiteral("semicolon") << utf8
        << QStringList{QStringLiteral("q;1|m1|yes|<null>"), QStringLiteral("q;1|m2|no|<null>")};
    // Excel's "Unicode Text": UTF-16 LE with a BOM, tabs, CRLF. The é survives.
    QTest::newRow("excelUnicodeTextUtf16Le")
        << QStringLiteral("a.txt")
        << utf16(QStringLiteral("item\tannotator\tlabel\r\nq1\tm1\tyes\r\nq1\tm2\tno\r\nq2\tm1\tyes\r\nq3\tm\u00E9\tno\r\n"), true)
        << detect << long_ << QStringLiteral("tab") << QStringLiteral("UTF-16 LE")
        << (QStringList(three) << QStringLiteral("q3|m\u00E9|no|<null>"));
    QTest::newRow("utf16BeComma") << QStringLiteral("a.csv")
                                  << utf16(QStringLiteral("item,annotator,label\nq1,m1,yes\nq1,m2,no\nq2,m1,yes\n"), false)
                                  << detect << long_ << QStringLiteral("comma") << QStringLiteral("UTF-16 BE") << three;
    // Quoted commas in a semicolon file: read naively (every comma splits) the header and each
    // row would split in 2 at commas too, and the file would be ambiguous.
    const QStringList gptClaude{QStringLiteral("q1|claude|no|<null>"), QStringLiteral("q1|gpt-4o, t=0|yes, sure|<null>"),
                                QStringLiteral("q2|claude|yes|<null>"), QStringLiteral("q2|gpt-4o, t=0|no, never|<null>")};
    QTest::newRow("quotedCommasInSemicolonFile")
        << QStringLiteral("a.csv")
        << QByteArray("\"item\";\"gpt-4o, t=0\";\"claude\"\nq1;\"yes, sure\";no\nq2;\"no, never\";yes\n") << detect
        << QStringLiteral("wide-csv") << QStringLiteral("semicolon") << utf8 << gptClaude;
    QTest::newRow("anyColumnOrder") << QStringLiteral("a.csv") << QByteArray("label,worker,task\nyes,m1,q1\nno,m2,q1\nyes,m1,q2\n")
                                    << detect << long_ << QStringLiteral("comma") << utf8 << three;
    QTest::newRow("questionModelAnswer") << QStringLiteral("a.csv")
                                         << QByteArray("Question,Model,Answer\nq1,m1,yes\nq1,m2,no\nq2,m1,yes\n") << detect
                                         << long_ << QStringLiteral("comma") << utf8 << three;
    QTest::newRow("forcedPipe") << QStringLiteral("a.csv") << QByteArray("item|annotator|label\nq1|m1|yes\nq1|m2|no\nq2|m1|yes\n")
                                << QStringLiteral("|") << long_ << QStringLiteral("|") << utf8 << three;
    // Ambiguous when detected (both split every line in 2 or 3); named, it reads as semicolons.
    QTest::newRow("forcedSemicolonOnAmbiguousFile")
        << QStringLiteral("a.csv") << QByteArray("item;gpt-4o, t=0;claude\nq1;yes, sure;no\nq2;no, never;yes\n")
        << QStringLiteral("semicolon") << QStringLiteral("wide-csv") << QStringLiteral("semicolon") << utf8 << gptClaude;
    QTest::newRow("wideSemicolon") << QStringLiteral("a.csv") << QByteArray("item;m1;m2\nq1;yes;no\nq2;yes;\n") << detect
                                   << QStringLiteral("wide-csv") << QStringLiteral("semicolon") << utf8 << three;
    QTest::newRow("wideTabUtf16") << QStringLiteral("a.tsv") << utf16(QStringLiteral("item\tm1\tm2\r\nq1\tyes\tno\r\nq2\tyes\t\r\n"), true)
                                  << detect << QStringLiteral("wide-csv") << QStringLiteral("tab")
                                  << QStringLiteral("UTF-16 LE") << three;
}

void TestImportSpreadsheet::spreadsheetFiles()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, content);
    QFETCH(QString, delimiter);
    QFETCH(QString, format);
    QFETCH(QString, delimiterRead);
    QFETCH(QString, encoding);
    QFETCH(QStringList, rows);
    const QString file = write(name, content);
    const QString project = path(QStringLiteral("p.chorus"));
    ImportOptions o;
    if (!delimiter.isEmpty())
        o.delimiter = *delimiterFromName(delimiter);
    const ImportReport r = importNew(project, file, o);
    QCOMPARE(r.format, format);
    QCOMPARE(r.delimiter, delimiterRead);
    QCOMPARE(r.encoding, encoding);
    QCOMPARE(annotationRows(project), rows);
    QCOMPARE(r.annotations, qint64(rows.size()));
    QVERIFY(r.ignored.isEmpty());
}

void TestImportSpreadsheet::extraColumns()
{
    // task,worker,label plus three more columns, rows of an item not together:
    // - "extra" differs between q1's rows (line 2 "x1", line 4 "x3"): ignored, reported;
    // - "source" is one value per item: metadata (q3's is empty: no key, so no metadata);
    // - "text" is one value per item: the item's text.
    const QString file = write(QStringLiteral("answers.csv"), "task,worker,label,extra,source,text\r\n"
                                                              "q1,w1,a,x1,web,First text\r\n"
                                                              "q2,w1,a,x2,mail,Second\r\n"
                                                              "q1,w2,b,x3,web,First text\r\n"
                                                              "q2,w2,a,x4,mail,Second\r\n"
                                                              "q3,w1,b,x5,,\r\n");
    const QString project = path(QStringLiteral("p.chorus"));
    const ImportReport r = importNew(project, file);
    QCOMPARE(r.format, QStringLiteral("long-csv"));
    QCOMPARE(r.annotations, 5);
    QCOMPARE(r.metadataColumns, (QStringList{QStringLiteral("source"), QStringLiteral("text")}));
    QCOMPARE(r.ignored, QStringList{QStringLiteral("column \"extra\" of %1: differs between rows of item \"q1\" (line 4)").arg(file)});
    QCOMPARE(annotationRows(project),
             (QStringList{QStringLiteral("q1|w1|a|<null>"), QStringLiteral("q1|w2|b|<null>"), QStringLiteral("q2|w1|a|<null>"),
                          QStringLiteral("q2|w2|a|<null>"), QStringLiteral("q3|w1|b|<null>")}));
    QCOMPARE(queryRows(project, QStringLiteral("SELECT ext_id, text, meta IS NULL FROM items")),
             (QStringList{QStringLiteral("q1|First text|0"), QStringLiteral("q2|Second|0"), QStringLiteral("q3||1")}));
    QCOMPARE(metaOf(project, QStringLiteral("q1")), (QJsonObject{{QStringLiteral("source"), QStringLiteral("web")}}));
    QCOMPARE(metaOf(project, QStringLiteral("q2")), (QJsonObject{{QStringLiteral("source"), QStringLiteral("mail")}}));
}

void TestImportSpreadsheet::itemsFile_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("items");
    QTest::addColumn<QJsonObject>("meta1");
    QTest::addColumn<QJsonObject>("meta2");
    QTest::addColumn<qint64>("itemTexts");
    QTest::addColumn<QStringList>("ignored");  // %I = the items file

    const QJsonObject web{{QStringLiteral("source"), QStringLiteral("web")}};
    // The answers give "source" per item; the items file adds keys and overrides q2's source.
    // q3 has no line in the items file: no text, its source from the answers only.
    QTest::newRow("jsonl") << QStringLiteral("items.jsonl")
                           << QByteArray("{\"id\": \"q1\", \"text\": \"First\", \"split\": \"train\"}\n"
                                         "\n"
                                         "{\"id\": \"q2\", \"text\": \"Second\", \"meta\": {\"source\": \"override\", \"rank\": 2}, "
                                         "\"labels\": {\"m9\": \"x\"}, \"gold\": \"yes\"}\n")
                           << QJsonObject{{QStringLiteral("source"), QStringLiteral("web")}, {QStringLiteral("split"), QStringLiteral("train")}}
                           << QJsonObject{{QStringLiteral("source"), QStringLiteral("override")}, {QStringLiteral("rank"), 2}}
                           << qint64(2)
                           << QStringList{QStringLiteral("key \"gold\" of %I: an items file gives texts and metadata only "
                                                         "(import it as jsonl to read answers)"),
                                          QStringLiteral("key \"labels\" of %I: an items file gives texts and metadata only "
                                                         "(import it as jsonl to read answers)")};
    // Empty cells set nothing: q1 keeps its source, q2 gets no split.
    QTest::newRow("csv") << QStringLiteral("items.csv") << QByteArray("id,text,split,source\nq1,First,train,\nq2,Second,,override\n")
                         << QJsonObject{{QStringLiteral("source"), QStringLiteral("web")}, {QStringLiteral("split"), QStringLiteral("train")}}
                         << QJsonObject{{QStringLiteral("source"), QStringLiteral("override")}} << qint64(2) << QStringList();
    QTest::newRow("semicolonCsvBomCrlfAnyOrder")
        << QStringLiteral("items.csv") << QByteArray("\xEF\xBB\xBFsplit;Text;ID\r\ntrain;First;q1\r\n;Second;q2\r\n")
        << QJsonObject{{QStringLiteral("source"), QStringLiteral("web")}, {QStringLiteral("split"), QStringLiteral("train")}}
        << QJsonObject{{QStringLiteral("source"), QStringLiteral("mail")}} << qint64(2) << QStringList();
    QTest::newRow("utf16Tsv") << QStringLiteral("items.tsv") << utf16(QStringLiteral("id\ttext\r\nq1\tFirst\r\nq2\tSecond\r\n"), true)
                              << web << QJsonObject{{QStringLiteral("source"), QStringLiteral("mail")}} << qint64(2)
                              << QStringList();
}

void TestImportSpreadsheet::itemsFile()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, items);
    QFETCH(QJsonObject, meta1);
    QFETCH(QJsonObject, meta2);
    QFETCH(qint64, itemTexts);
    QFETCH(QStringList, ignored);
    const QString answers = write(QStringLiteral("answers.csv"), "item,annotator,label,source\n"
                                                                 "q1,m1,yes,web\nq1,m2,no,web\nq2,m1,no,mail\nq3,m1,yes,web\n");
    const QString project = path(QStringLiteral("p.chorus"));
    ImportOptions o;
    o.itemsFile = write(name, items);
    o.goldFile = write(QStringLiteral("gold.csv"), "item,label\nq1,yes\n");
    const ImportReport r = importNew(project, answers, o);
    QCOMPARE(r.annotations, 4);
    QCOMPARE(r.gold, 1);  // gold after the items file, in the same import
    QCOMPARE(r.itemTexts, itemTexts);
    QCOMPARE(r.metadataColumns, QStringList{QStringLiteral("source")});
    for (QString& i : ignored)
        i.replace(QLatin1String("%I"), o.itemsFile);
    QCOMPARE(r.ignored, ignored);
    QCOMPARE(queryRows(project, QStringLiteral("SELECT ext_id, text FROM items")),
             (QStringList{QStringLiteral("q1|First"), QStringLiteral("q2|Second"), QStringLiteral("q3|")}));
    QCOMPARE(metaOf(project, QStringLiteral("q1")), meta1);
    QCOMPARE(metaOf(project, QStringLiteral("q2")), meta2);
    QCOMPARE(metaOf(project, QStringLiteral("q3")), (QJsonObject{{QStringLiteral("source"), QStringLiteral("web")}}));
    // Nothing from the items file became an annotation, a label or an annotator.
    QCOMPARE(queryRows(project, QStringLiteral("SELECT name FROM annotators")),
             (QStringList{QStringLiteral("m1"), QStringLiteral("m2")}));
    // (in canonical order: sorted by name)
    QCOMPARE(labelsOf(project), (QStringList{QStringLiteral("no"), QStringLiteral("yes")}));
}

void TestImportSpreadsheet::itemsFileForWideCsv()
{
    // --items works for any format: here MACE-style wide rows with an id column.
    const QString answers = write(QStringLiteral("wide.csv"), "id;m1;m2\nq1;yes;no\nq2;;yes\n");
    const QString project = path(QStringLiteral("p.chorus"));
    ImportOptions o;
    o.itemsFile = write(QStringLiteral("items.csv"), "id,text\nq2,Second\n");
    const ImportReport r = importNew(project, answers, o);
    QCOMPARE(r.format, QStringLiteral("wide-csv"));
    QCOMPARE(r.itemTexts, 1);
    QCOMPARE(queryRows(project, QStringLiteral("SELECT ext_id, text FROM items")),
             (QStringList{QStringLiteral("q1|"), QStringLiteral("q2|Second")}));
}

void TestImportSpreadsheet::jsonlItemsWithTextOnly_data()
{
    QTest::addColumn<QByteArray>("jsonl");
    QTest::addColumn<qint64>("annotations");
    QTest::addColumn<QStringList>("items");            // ext_id|text
    QTest::addColumn<QStringList>("annotationRows");
    QTest::addColumn<QString>("metaItem");
    QTest::addColumn<QJsonObject>("meta");             // of metaItem; {} for none
    // A line with id and text and nothing else is an item without labels (to label later).
    QTest::newRow("mixed") << QByteArray("{\"id\": \"n1\", \"text\": \"hello\"}\n"
                                         "{\"id\": \"n2\", \"text\": \"hi\", \"labels\": {\"m1\": \"yes\"}}\n")
                           << qint64(1) << QStringList{QStringLiteral("n1|hello"), QStringLiteral("n2|hi")}
                           << QStringList{QStringLiteral("n2|m1|yes|<null>")} << QStringLiteral("n1") << QJsonObject();
    // Only texts: not "no annotations found", items to label.
    QTest::newRow("onlyTexts") << QByteArray("{\"id\": \"n1\", \"text\": \"hello\"}\n"
                                             "{\"id\": 2, \"text\": \"\", \"meta\": {\"split\": \"test\"}}\n")
                               << qint64(0) << QStringList{QStringLiteral("2|"), QStringLiteral("n1|hello")} << QStringList()
                               << QStringLiteral("2") << QJsonObject{{QStringLiteral("split"), QStringLiteral("test")}};
}

void TestImportSpreadsheet::jsonlItemsWithTextOnly()
{
    QFETCH(QByteArray, jsonl);
    QFETCH(qint64, annotations);
    QFETCH(QStringList, items);
    QFETCH(QStringList, annotationRows);
    QFETCH(QString, metaItem);
    QFETCH(QJsonObject, meta);
    const QString project = path(QStringLiteral("p.chorus"));
    const ImportReport r = importNew(project, write(QStringLiteral("items.jsonl"), jsonl));
    QCOMPARE(r.itemsAdded, 2);
    QCOMPARE(r.annotations, annotations);
    QCOMPARE(queryRows(project, QStringLiteral("SELECT ext_id, text FROM items")), items);
    QCOMPARE(chorus::test::annotationRows(project), annotationRows);
    QCOMPARE(metaOf(project, metaItem), meta);
}

QTEST_GUILESS_MAIN(TestImportSpreadsheet)
#include "tst_importspreadsheet.moc"
