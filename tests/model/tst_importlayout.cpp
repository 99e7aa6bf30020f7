// The pieces of CSV import that do not touch a project (model/io/csvlayout.h, model/io/textfile.h):
// delimiter detection, header-to-column mapping, byte order marks and the UTF-8 check. Every
// expected value is derived by hand from the bytes written in the row (the derivation is in the
// row's comment where it is not obvious).

#include "csvlayout.h"
#include "errors.h"
#include "files.h"
#include "scratchdir.h"
#include "textfile.h"

#include <QBuffer>
#include <QTemporaryDir>
#include <QtTest>

using namespace chorus::model;

class TestImportLayout : public chorus::test::ScratchDirTest
{
    Q_OBJECT

private slots:

    void sampleFieldCounts_data();
    void sampleFieldCounts();
    void detectDelimiter_data();
    void detectDelimiter();
    void detectDelimiterReadsOnlyTheStart();
    void delimiterFromName_data();
    void delimiterFromName();

    void longCsvLayout_data();
    void longCsvLayout();
    void itemsCsvLayout_data();
    void itemsCsvLayout();

    void firstInvalidUtf8_data();
    void firstInvalidUtf8();
    void textFile_data();
    void textFile();
    void textFileRefused_data();
    void textFileRefused();
};

// ---------------------------------------------------------------------------------------------
// Delimiters

void TestImportLayout::sampleFieldCounts_data()
{
    QTest::addColumn<QByteArray>("sample");
    QTest::addColumn<bool>("atEnd");
    QTest::addColumn<int>("maxRecords");
    QTest::addColumn<QList<int>>("counts");
    QTest::newRow("crlf") << QByteArray("a,b\r\nc,d\r\n") << true << 100 << QList<int>{2, 2};
    QTest::newRow("blankLinesSkipped") << QByteArray("a,b\n\n\r\nc,d\n") << true << 100 << QList<int>{2, 2};
    QTest::newRow("quotedDelimiter") << QByteArray("\"a,b\",c\n") << true << 100 << QList<int>{2};
    QTest::newRow("doubledQuoteInsideQuotes") << QByteArray("\"say \"\"hi, you\"\"\",c\n") << true << 100 << QList<int>{2};
    QTest::newRow("quotedNewlineIsOneRecord") << QByteArray("\"a\nb,x\",c\nd,e\n") << true << 100 << QList<int>{2, 2};
    QTest::newRow("cutRecordLeftOut") << QByteArray("a,b\nc") << false << 100 << QList<int>{2};
    QTest::newRow("lastRecordWithoutNewline") << QByteArray("a,b\nc") << true << 100 << QList<int>{2, 1};
    QTest::newRow("unclosedQuoteAtEndLeftOut") << QByteArray("a,b\n\"c,d") << true << 100 << QList<int>{2};
    QTest::newRow("maxRecords") << QByteArray("a\nb\nc\n") << true << 2 << QList<int>{1, 1};
    QTest::newRow("empty") << QByteArray() << true << 100 << QList<int>{};
}

void TestImportLayout::sampleFieldCounts()
{
    QFETCH(QByteArray, sample);
    QFETCH(bool, atEnd);
    QFETCH(int, maxRecords);
    QFETCH(QList<int>, counts);
    QCOMPARE(chorus::model::sampleFieldCounts(sample, ',', atEnd, maxRecords), counts);
}

void TestImportLayout::detectDelimiter_data()
{
    QTest::addColumn<QByteArray>("sample");
    QTest::addColumn<bool>("atEnd");
    QTest::addColumn<QString>("expected");  // the delimiter, or the error message after "F: "

    QTest::newRow("commaLong") << QByteArray("item,annotator,label\nq1,m1,yes\n") << true << QStringLiteral(",");
    // The comma only occurs inside a label: the header does not split at commas.
    QTest::newRow("semicolonLong") << QByteArray("item;annotator;label\nq1;m1;yes, sure\nq2;m1;no\n") << true
                                   << QStringLiteral(";");
    QTest::newRow("tabWithCrlf") << QByteArray("item\tannotator\tlabel\r\nq1\tm1\tyes\r\n") << true << QStringLiteral("\t");
    QTest::newRow("excelSemicolonCrlf") << QByteArray("item;annotator;label\r\nq1;m1;Yes\r\nq2;m1;No\r\n") << true
                                        << QStringLiteral(";");
    // Read naively (split at every comma), each line has 2 fields at commas too ("item";
    // "annotator | version";"label"), which would make the file ambiguous; quoted, the commas
    // are inside fields and only the semicolons split.
    QTest::newRow("quotedCommasInSemicolonFile")
        << QByteArray("\"item\";\"annotator, version\";\"label\"\nq1;\"m1, v1\";yes\nq2;\"m1, v1\";no\n") << true
        << QStringLiteral(";");
    // Likewise a quoted semicolon in a comma file.
    QTest::newRow("quotedSemicolonsInCommaFile")
        << QByteArray("item,\"annotator;version\",label\nq1,\"m1;v1\",yes\n") << true << QStringLiteral(",");
    // Comma: 3, 3, 2 fields; 1 of the 2 rows after the header matches (half): still comma, and
    // the importer reports line 3's column count.
    QTest::newRow("oneMalformedRowStaysComma") << QByteArray("item,annotator,label\nn1,m1,yes\nn2,m1\n") << true
                                               << QStringLiteral(",");
    QTest::newRow("singleColumnIsComma") << QByteArray("label\nyes\nno\n") << true << QStringLiteral(",");
    QTest::newRow("emptyIsComma") << QByteArray() << true << QStringLiteral(",");
    QTest::newRow("headerOnlySemicolon") << QByteArray("item;annotator;label\n") << true << QStringLiteral(";");
    QTest::newRow("noTrailingNewline") << QByteArray("a;b\nc;d") << true << QStringLiteral(";");
    // Semicolon is the only delimiter that splits the header; its rows do not match (1 field).
    QTest::newRow("onlyCandidateInconsistent") << QByteArray("a;b\n1\n2\n3\n") << true << QStringLiteral(";");
    // Both split the header in 2; only the semicolon splits the rows in 2 too.
    QTest::newRow("consistentBeatsInconsistent") << QByteArray("a,b;c\n1;2\n3;4\n") << true << QStringLiteral(";");
    QTest::newRow("ambiguousTwo") << QByteArray("a;b,c\nd;e,f\n") << true
                                  << QStringLiteral("cannot tell the delimiter: the first 2 lines read as comma-separated "
                                                    "(2 columns) or semicolon-separated (2 columns); pass --delimiter "
                                                    "comma or --delimiter semicolon");
    QTest::newRow("ambiguousHeaderOnlyThree")
        << QByteArray("a,b;c\td\n") << true
        << QStringLiteral("cannot tell the delimiter: the first line reads as comma-separated (2 columns), "
                          "semicolon-separated (2 columns) or tab-separated (2 columns); pass --delimiter comma, "
                          "--delimiter semicolon or --delimiter tab");
    // Comma: header 3 fields, rows 3, 3; semicolon: header 2, rows 2, 2: both consistent.
    QTest::newRow("ambiguousDifferentWidths")
        << QByteArray("x,y,z;w\n1,2,3;4\n5,6,7;8\n") << true
        << QStringLiteral("cannot tell the delimiter: the first 3 lines read as comma-separated (3 columns) or "
                          "semicolon-separated (2 columns); pass --delimiter comma or --delimiter semicolon");
    // Both split the header in 2, neither splits the rows evenly (comma: 3, 1, 1; semicolon:
    // 1, 3, 1): both are named.
    QTest::newRow("ambiguousNeitherConsistent")
        << QByteArray("a,b;c\n1,2,3\n4;5;6\n7\n") << true
        << QStringLiteral("cannot tell the delimiter: the first 4 lines read as comma-separated (2 columns) or "
                          "semicolon-separated (2 columns); pass --delimiter comma or --delimiter semicolon");
}

void TestImportLayout::detectDelimiter()
{
    QFETCH(QByteArray, sample);
    QFETCH(bool, atEnd);
    QFETCH(QString, expected);
    const QString file = QStringLiteral("F");
    if (expected.size() == 1) {
        QCOMPARE(QString(QLatin1Char(chorus::model::detectDelimiter(sample, atEnd, file))), expected);
        return;
    }
    try {
        chorus::model::detectDelimiter(sample, atEnd, file);
        QFAIL("expected a refusal");
    } catch (const Error& e) {
        QCOMPARE(e.message(), QStringLiteral("F: ") + expected);
    }
}

void TestImportLayout::detectDelimiterReadsOnlyTheStart()
{
    // 64 KB of semicolon lines ("a;b\n", 4 bytes each, 16,384 lines), then comma lines that would
    // make the file ambiguous if they were read. The device is left where it was.
    QByteArray data;
    data.reserve(70000);
    for (int i = 0; i < 16384; ++i)
        data += "a;b\n";
    for (int i = 0; i < 1000; ++i)
        data += "c,d\n";
    QBuffer b(&data);
    QVERIFY(b.open(QIODevice::ReadOnly));
    QCOMPARE(chorus::model::detectDelimiter(&b, QStringLiteral("F")), ';');
    QCOMPARE(b.pos(), qint64(0));
    // From another position: the sample starts there.
    QVERIFY(b.seek(data.size() - 8));
    QCOMPARE(chorus::model::detectDelimiter(&b, QStringLiteral("F")), ',');
    QCOMPARE(b.pos(), qint64(data.size() - 8));
}

void TestImportLayout::delimiterFromName_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("expected");  // "" = refused
    QTest::newRow("comma") << QStringLiteral("comma") << QStringLiteral(",");
    QTest::newRow("semicolonAnyCase") << QStringLiteral("Semicolon") << QStringLiteral(";");
    QTest::newRow("tabName") << QStringLiteral("TAB") << QStringLiteral("\t");
    QTest::newRow("tabCharacter") << QStringLiteral("\t") << QStringLiteral("\t");
    QTest::newRow("backslashT") << QStringLiteral("\\t") << QStringLiteral("\t");
    QTest::newRow("pipe") << QStringLiteral("|") << QStringLiteral("|");
    QTest::newRow("semicolonCharacter") << QStringLiteral(";") << QStringLiteral(";");
    QTest::newRow("quoteRefused") << QStringLiteral("\"") << QString();
    QTest::newRow("spaceRefused") << QStringLiteral(" ") << QString();
    QTest::newRow("twoCharactersRefused") << QStringLiteral("ab") << QString();
    QTest::newRow("emptyRefused") << QString() << QString();
    QTest::newRow("nonAsciiRefused") << QStringLiteral("\u00A6") << QString();
}

void TestImportLayout::delimiterFromName()
{
    QFETCH(QString, name);
    QFETCH(QString, expected);
    const auto d = chorus::model::delimiterFromName(name);
    if (expected.isEmpty()) {
        QVERIFY(!d);
    } else {
        QVERIFY(d);
        QCOMPARE(QString(QLatin1Char(*d)), expected);
        // The name written back reads the same.
        QCOMPARE(chorus::model::delimiterFromName(delimiterName(*d)), d);
    }
}

// ---------------------------------------------------------------------------------------------
// Header mapping

void TestImportLayout::longCsvLayout_data()
{
    QTest::addColumn<QStringList>("header");
    QTest::addColumn<QList<int>>("roles");   // item, annotator, label; empty = not a long CSV
    QTest::addColumn<QList<int>>("others");
    auto h = [](const char* s) { return QString::fromLatin1(s).split(QLatin1Char(',')); };
    QTest::newRow("itemAnnotatorLabel") << h("item,annotator,label") << QList<int>{0, 1, 2} << QList<int>{};
    QTest::newRow("crowdKitTaskWorker") << h("task,worker,label") << QList<int>{0, 1, 2} << QList<int>{};
    QTest::newRow("crowdKitPerformer") << h("task,performer,label") << QList<int>{0, 1, 2} << QList<int>{};
    QTest::newRow("anyOrder") << h("label,worker,task") << QList<int>{2, 1, 0} << QList<int>{};
    QTest::newRow("extraColumn") << h("task,worker,label,extra") << QList<int>{0, 1, 2} << QList<int>{3};
    QTest::newRow("extraColumnsAround") << h("row,question,notes,rater,class,time") << QList<int>{1, 3, 4}
                                        << QList<int>{0, 2, 5};
    QTest::newRow("caseSpacesHyphens") << QStringList{QStringLiteral(" Item ID "), QStringLiteral("Worker-ID"),
                                                      QStringLiteral("LABEL")}
                                       << QList<int>{0, 1, 2} << QList<int>{};
    QTest::newRow("modelAnswer") << h("question,model,answer") << QList<int>{0, 1, 2} << QList<int>{};
    QTest::newRow("idBeatsQuestion") << h("id,question,model,answer") << QList<int>{0, 2, 3} << QList<int>{1};
    QTest::newRow("itemBeatsRowId") << h("id,item,annotator,label") << QList<int>{1, 2, 3} << QList<int>{0};
    QTest::newRow("questionIdBeatsId") << h("id,question_id,worker_id,response") << QList<int>{1, 2, 3}
                                       << QList<int>{0};
    QTest::newRow("judgeBeatsModel") << h("item,model,judge,label") << QList<int>{0, 2, 3} << QList<int>{1};
    QTest::newRow("labelBeatsResponse") << h("item,model,response,label") << QList<int>{0, 1, 3} << QList<int>{2};
    QTest::newRow("firstOfEqualNames") << h("item,annotator,label,label") << QList<int>{0, 1, 2} << QList<int>{3};
    QTest::newRow("wideHeaderIsNot") << h("item,m1,m2") << QList<int>{} << QList<int>{};
    QTest::newRow("noLabelColumnIsNot") << h("item,annotator,score") << QList<int>{} << QList<int>{};
    QTest::newRow("dataRowIsNot") << h("q1,m1,yes") << QList<int>{} << QList<int>{};
}

void TestImportLayout::longCsvLayout()
{
    QFETCH(QStringList, header);
    QFETCH(QList<int>, roles);
    QFETCH(QList<int>, others);
    const auto l = chorus::model::longCsvLayout(header);
    if (roles.isEmpty()) {
        QVERIFY(!l);
        return;
    }
    QVERIFY(l);
    QCOMPARE((QList<int>{l->item, l->annotator, l->label}), roles);
    QCOMPARE(l->others, others);
    QCOMPARE(l->columns, int(header.size()));
    QVERIFY(l->hasHeader);
    QCOMPARE(l->header.size(), header.size());
    QCOMPARE(l->header.first(), header.first().trimmed());
}

void TestImportLayout::itemsCsvLayout_data()
{
    QTest::addColumn<QStringList>("header");
    QTest::addColumn<int>("id");  // -1: not an items header
    QTest::addColumn<int>("text");
    QTest::addColumn<QList<int>>("others");
    auto h = [](const char* s) { return QString::fromLatin1(s).split(QLatin1Char(',')); };
    QTest::newRow("idText") << h("id,text") << 0 << 1 << QList<int>{};
    QTest::newRow("textFirst") << h("text,id") << 1 << 0 << QList<int>{};
    QTest::newRow("itemWithMetadata") << h("item,text,source,split") << 0 << 1 << QList<int>{2, 3};
    QTest::newRow("anyCase") << h("ID,Text") << 0 << 1 << QList<int>{};
    QTest::newRow("metadataOnly") << h("task_id,source") << 0 << -1 << QList<int>{1};
    QTest::newRow("itemBeatsId") << h("id,item,text") << 1 << 2 << QList<int>{0};
    QTest::newRow("noIdColumn") << h("text,source") << -1 << -1 << QList<int>{};
    QTest::newRow("questionIsNotAnId") << h("question,text") << -1 << -1 << QList<int>{};
}

void TestImportLayout::itemsCsvLayout()
{
    QFETCH(QStringList, header);
    QFETCH(int, id);
    QFETCH(int, text);
    QFETCH(QList<int>, others);
    const auto l = chorus::model::itemsCsvLayout(header);
    if (id < 0) {
        QVERIFY(!l);
        return;
    }
    QVERIFY(l);
    QCOMPARE(l->id, id);
    QCOMPARE(l->text, text);
    QCOMPARE(l->others, others);
}

// ---------------------------------------------------------------------------------------------
// Encodings

void TestImportLayout::firstInvalidUtf8_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("offset");  // -1 = valid
    QTest::newRow("ascii") << QByteArray("item,annotator,label") << -1;
    QTest::newRow("empty") << QByteArray() << -1;
    // é (C3 A9), € (E2 82 AC), U+1F600 (F0 9F 98 80), U+10FFFF (F4 8F BF BF).
    QTest::newRow("validTwoThreeFourBytes") << QByteArray("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF") << -1;
    QTest::newRow("validAfterEightByteBlocks") << QByteArray("0123456789abcdefg\xC3\xA9") << -1;
    // Latin-1 é: E9 would lead a 3-byte sequence, but ',' is no continuation byte.
    QTest::newRow("latin1") << QByteArray("caf\xE9,x") << 3;
    QTest::newRow("latin1AtEnd") << QByteArray("caf\xE9") << 3;
    QTest::newRow("loneContinuation") << QByteArray("ab\x80") << 2;
    QTest::newRow("overlongC0") << QByteArray("\xC0\xAF") << 0;
    QTest::newRow("overlongE0") << QByteArray("x\xE0\x80\xAF") << 1;
    QTest::newRow("overlongF0") << QByteArray("\xF0\x80\x80\xAF") << 0;
    QTest::newRow("surrogate") << QByteArray("ok\xED\xA0\x80") << 2;
    QTest::newRow("aboveU10FFFF") << QByteArray("\xF4\x90\x80\x80") << 0;
    QTest::newRow("leadF5") << QByteArray("\xF5\x80\x80\x80") << 0;
    QTest::newRow("truncatedAtEnd") << QByteArray("abc\xE2\x82") << 3;
    QTest::newRow("badThirdByte") << QByteArray("\xE2\x82" "a") << 0;
    // The eight-byte ASCII step stops at the block holding the bad byte (offset 10).
    QTest::newRow("afterEightByteBlock") << QByteArray("abcdefghij\xFF") << 10;
    QTest::newRow("windows1252Quote") << QByteArray("0123456789012345\x93quoted\x94") << 16;
}

void TestImportLayout::firstInvalidUtf8()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, offset);
    QCOMPARE(chorus::model::firstInvalidUtf8(bytes.constData(), bytes.size()), qsizetype(offset));
}

void TestImportLayout::textFile_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("encoding");
    QTest::addColumn<qint64>("start");
    QTest::addColumn<QByteArray>("utf8");  // what device() reads from start()
    QTest::newRow("utf8") << QByteArray("a,b\n") << QStringLiteral("UTF-8") << qint64(0) << QByteArray("a,b\n");
    QTest::newRow("utf8Bom") << QByteArray("\xEF\xBB\xBF" "a;b\r\n") << QStringLiteral("UTF-8 with BOM") << qint64(3)
                             << QByteArray("a;b\r\n");
    // UTF-16 LE: each code unit low byte first; é is U+00E9; U+1F600 is the pair D83D DE00.
    QTest::newRow("utf16le") << QByteArray("\xFF\xFE" "a\0\t\0\xE9\0\r\0\n\0\x3D\xD8\x00\xDE", 16)
                             << QStringLiteral("UTF-16 LE") << qint64(0)
                             << QByteArray("a\t\xC3\xA9\r\n\xF0\x9F\x98\x80");
    QTest::newRow("utf16be") << QByteArray("\xFE\xFF\0a\0;\0\xE9\0\n", 10) << QStringLiteral("UTF-16 BE") << qint64(0)
                             << QByteArray("a;\xC3\xA9\n");
    QTest::newRow("empty") << QByteArray() << QStringLiteral("UTF-8") << qint64(0) << QByteArray();
}

void TestImportLayout::textFile()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, encoding);
    QFETCH(qint64, start);
    QFETCH(QByteArray, utf8);
    const QString path = m_dir->filePath(QStringLiteral("t.csv"));
    QVERIFY(chorus::test::writeFile(path, bytes));
    TextFile t(path);
    QCOMPARE(t.encoding(), encoding);
    QCOMPARE(t.start(), start);
    QCOMPARE(t.device()->pos(), start);
    QCOMPARE(t.device()->readAll(), utf8);
    t.rewind();
    QCOMPARE(t.device()->readAll(), utf8);
}

void TestImportLayout::textFileRefused_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("message");  // after "FILE"
    QTest::newRow("utf32le") << QByteArray("\xFF\xFE\0\0a\0\0\0", 8)
                             << QStringLiteral(": the file is UTF-32 LE (byte order mark); save it as UTF-8");
    QTest::newRow("utf32be") << QByteArray("\0\0\xFE\xFF\0\0\0a", 8)
                             << QStringLiteral(": the file is UTF-32 BE (byte order mark); save it as UTF-8");
    QTest::newRow("utf16OddByteCount") << QByteArray("\xFF\xFE" "a\0b", 5)
                                       << QStringLiteral(": invalid UTF-16 LE text (an unpaired surrogate or an odd "
                                                         "number of bytes)");
    // D800 followed by 'a': a high surrogate without its low half.
    QTest::newRow("utf16LoneSurrogate") << QByteArray("\xFF\xFE\x00\xD8" "a\0", 6)
                                        << QStringLiteral(": invalid UTF-16 LE text (an unpaired surrogate or an odd "
                                                          "number of bytes)");
    // UTF-16 LE without a BOM: "it" is 69 00 74 00; the first NUL is byte 1.
    QTest::newRow("utf16WithoutBom") << QByteArray("i\0t\0", 4)
                                     << QStringLiteral(":1: NUL byte at byte offset 1: not UTF-8 text (UTF-16 or UTF-32 "
                                                       "without a byte order mark?); save it as UTF-8");
    QTest::newRow("nulOnLineTwo") << QByteArray("ab\nc\0", 5)
                                  << QStringLiteral(":2: NUL byte at byte offset 4: not UTF-8 text (UTF-16 or UTF-32 "
                                                    "without a byte order mark?); save it as UTF-8");
}

void TestImportLayout::textFileRefused()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, message);
    const QString path = m_dir->filePath(QStringLiteral("t.csv"));
    QVERIFY(chorus::test::writeFile(path, bytes));
    try {
        TextFile t(path);
        QFAIL("expected a refusal");
    } catch (const Error& e) {
        QCOMPARE(e.message(), path + message);
    }
    try {
        TextFile t(m_dir->filePath(QStringLiteral("missing.csv")));
        QFAIL("expected a refusal");
    } catch (const Error& e) {
        QVERIFY2(e.message().startsWith(m_dir->filePath(QStringLiteral("missing.csv: cannot open: "))),
                 qPrintable(e.message()));
    }
}

QTEST_GUILESS_MAIN(TestImportLayout)
#include "tst_importlayout.moc"
