// Import of malformed input: every case stops with "file:line: problem" and leaves the project
// exactly as it was (every table and the main file's bytes compared); cancel writes nothing.
// The expected messages and line numbers are derived by hand from the small files written in
// each case.

#include "importhelpers.h"

#include "csvlayout.h"
#include "importer.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace chorus::model;
using namespace chorus::test;

class TestImportErrors : public ImportTestBase
{
    Q_OBJECT

private slots:
    void malformed_data();
    void malformed();
    void refused_data();
    void refused();
    void cancelAtEnd();
    void cancelMidway();
    void duplicateFoundInAFullBatch_data();
    void duplicateFoundInAFullBatch();

private:
    // A project (p.chorus) that already holds data, three annotations, so that "unchanged"
    // means something.
    QString projectWithData()
    {
        const QString project = path(QStringLiteral("p.chorus"));
        importNew(project, write(QStringLiteral("base.csv"), "item,annotator,label\nbase1,m1,yes\nbase1,m2,no\nbase2,m1,yes\n"));
        return project;
    }

    // projectWithData() and every row and byte of it before an import that must change nothing.
    struct ProjectBefore
    {
        QString project;
        QStringList rows;
        QByteArray bytes;
    };
    ProjectBefore projectWithDataBefore()
    {
        ProjectBefore b;
        b.project = projectWithData();
        b.rows = dumpProjectFile(b.project);
        b.bytes = fileBytes(b.project);
        return b;
    }

    // Imports `file` into `project`, which must fail with an Error (not a cancel): its message,
    // or an empty string (and a failed check). The connection goes on working afterwards, with
    // the three annotations of projectWithData.
    QString failedImport(const QString& project, const QString& file, const ImportOptions& o)
    {
        ProjectStore s;
        s.open(project);
        QString message;
        try {
            importFile(s, file, o);
            QTest::qFail("the import must fail", __FILE__, __LINE__);
        } catch (const CanceledError&) {
            QTest::qFail("not a cancel", __FILE__, __LINE__);
        } catch (const Error& e) {
            message = e.message();
        }
        if (s.info().annotations != 3)
            QTest::qFail("the failed import changed the project's annotations", __FILE__, __LINE__);
        return message;
    }

    // The --input path (the file read straight into memory), whole and with a long CSV read in
    // two parts at once (forced on these small files): the message of each read, which must fail.
    QStringList failedReads(const QString& file, ImportOptions o)
    {
        QStringList messages;
        for (const qint64 splitFrom : {qint64(-1), qint64(0)}) {
            o.splitLongCsvFrom = splitFrom;
            try {
                readFileData(file, o);
                QTest::qFail("reading the file into memory must fail too", __FILE__, __LINE__);
            } catch (const Error& e) {
                messages << e.message();
            }
        }
        return messages;
    }
};

// ---------------------------------------------------------------------------------------------
// Malformed input: "file:line: problem", nothing written

void TestImportErrors::malformed_data()
{
    QTest::addColumn<QString>("format");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QByteArray>("gold");      // gold file content ("" = none)
    QTest::addColumn<QByteArray>("labelMap");  // label map content ("" = none)
    QTest::addColumn<QStringList>("labels");   // --labels
    QTest::addColumn<QString>("where");        // "data", "gold", "map": the file named in the message
    QTest::addColumn<int>("line");             // 0: the message names no line
    QTest::addColumn<QString>("problem");

    const QByteArray none;
    const QStringList open;
    const QStringList yesNo{QStringLiteral("yes"), QStringLiteral("no")};
    const QString data = QStringLiteral("data");

    QTest::newRow("badJson") << QStringLiteral("jsonl")
                             << QByteArray("{\"id\": \"n1\", \"labels\": {\"m1\": \"yes\"}}\n"
                                           "{\"id\": \"n2\", \"labels\": {\"m1\": \"yes\"}\n")
                             << none << none << open << data << 2 << QStringLiteral("invalid JSON");
    QTest::newRow("badJsonAfterBlankLine") << QStringLiteral("jsonl")
                                           << QByteArray("{\"id\": \"n1\", \"labels\": {\"m1\": \"yes\"}}\n\n"
                                                         "{\"id\": \"n3\" \"labels\": {}}\n")
                                           << none << none << open << data << 3 << QStringLiteral("invalid JSON");
    QTest::newRow("jsonLineNotAnObject") << QStringLiteral("jsonl") << QByteArray("[\"n1\", \"yes\"]\n") << none << none << open << data
                                         << 1 << QStringLiteral("expected a JSON object");
    QTest::newRow("wrongColumnCountLongCsv") << QStringLiteral("long-csv") << QByteArray("item,annotator,label\nn1,m1,yes\nn2,m1\n")
                                             << none << none << open << data << 3 << QStringLiteral("expected 3 columns");
    QTest::newRow("wrongColumnCountAfterQuotedNewline")
        << QStringLiteral("long-csv") << QByteArray("item,annotator,label\nn1,m1,\"multi\nline\"\nn2,m1,yes,extra\n") << none << none
        << open << data << 4 << QStringLiteral("expected 3 columns (item,annotator,label), found 4");
    QTest::newRow("wrongColumnCountWideCsv") << QStringLiteral("wide-csv") << QByteArray("item,m1,m2\nn1,yes,no\nn2,yes\n") << none
                                             << none << open << data << 3 << QStringLiteral("expected 3 columns, found 2");
    QTest::newRow("twoLabelsSameAnnotatorLongCsv")
        << QStringLiteral("long-csv") << QByteArray("item,annotator,label\nn1,m1,yes\nn1,m2,no\nn1,m1,no\n") << none << none << open
        << data << 4 << QStringLiteral("item \"n1\" already has a label from annotator \"m1\"");
    QTest::newRow("twoLabelsSameAnnotatorAsInProject")
        << QStringLiteral("long-csv") << QByteArray("item,annotator,label\nn1,m1,yes\nbase1,m1,no\n") << none << none << open << data
        << 3 << QStringLiteral("item \"base1\" already has a label from annotator \"m1\"");
    QTest::newRow("twoLabelsSameAnnotatorWideCsv") << QStringLiteral("wide-csv") << QByteArray("item,m1,m1\nn1,yes,no\n") << none
                                                   << none << open << data << 2 << QStringLiteral("already has a label from annotator \"m1\"");
    QTest::newRow("twoLabelsSameAnnotatorJsonl")
        << QStringLiteral("jsonl") << QByteArray("{\"id\": \"n1\", \"labels\": {\"m1\": \"yes\"}}\n"
                                 "{\"id\": \"n2\", \"labels\": {\"m1\": \"yes\", \"m2\": \"no\", \"m1\": \"no\"}}\n")
        << none << none << open << data << 2 << QStringLiteral("two labels for one item and annotator \"m1\"");
    QTest::newRow("sameItemTwiceJsonl") << QStringLiteral("jsonl")
                                        << QByteArray("{\"id\": \"n1\", \"labels\": {\"m1\": \"yes\"}}\n"
                                                      "{\"id\": \"n1\", \"labels\": {\"m1\": \"no\"}}\n")
                                        << none << none << open << data << 2 << QStringLiteral("item \"n1\" appears twice");
    QTest::newRow("probabilitiesNotSummingToOne")
        << QStringLiteral("jsonl") << QByteArray("{\"id\": \"n1\", \"probs\": {\"m1\": {\"yes\": 0.5, \"no\": 0.4}}}\n") << none << none
        << open << data << 1 << QStringLiteral("probabilities of \"m1\" sum to 0.9, not 1");
    QTest::newRow("probabilitiesJustOutsideTolerance")
        << QStringLiteral("jsonl")
        << QByteArray("{\"id\": \"n1\", \"labels\": {\"m1\": \"yes\"}}\n"
                      "{\"id\": \"n2\", \"probs\": {\"m1\": {\"yes\": 0.5, \"no\": 0.500002}}}\n")
        << none << none << open << data << 2 << QStringLiteral("not 1 (tolerance 1e-6)");
    QTest::newRow("probabilityOutOfRange") << QStringLiteral("jsonl")
                                           << QByteArray("{\"id\": \"n1\", \"probs\": {\"m1\": {\"yes\": 1.2, \"no\": -0.2}}}\n")
                                           << none << none << open << data << 1 << QStringLiteral("outside [0, 1]");
    QTest::newRow("unknownGoldLabelClosedSet")
        << QStringLiteral("long-csv") << QByteArray("item,annotator,label\nn1,m1,yes\nn2,m1,no\n")
        << QByteArray("item,label\nn1,yes\nn2,maybe\n") << none << yesNo << QStringLiteral("gold") << 3
        << QStringLiteral("unknown gold label \"maybe\" (the label set is closed: yes, no)");
    QTest::newRow("unknownGoldLabelClosedSetJsonl")
        << QStringLiteral("jsonl") << QByteArray("{\"label_set\": [\"yes\", \"no\"], \"id\": \"n1\", \"labels\": {\"m1\": \"yes\"}, \"gold\": \"maybe\"}\n")
        << none << none << open << data << 1 << QStringLiteral("unknown gold label \"maybe\"");
    QTest::newRow("unknownCountLabelClosedSet")
        << QStringLiteral("jsonl") << QByteArray("{\"id\": \"n1\", \"human_counts\": {\"yes\": 3, \"perhaps\": 1}}\n") << none << none
        << yesNo << data << 1 << QStringLiteral("unknown human count label \"perhaps\"");
    QTest::newRow("unknownProbabilityLabelClosedSet")
        << QStringLiteral("jsonl") << QByteArray("{\"id\": \"n1\", \"probs\": {\"m1\": {\"yes\": 0.5, \"perhaps\": 0.5}}}\n") << none
        << none << yesNo << data << 1 << QStringLiteral("unknown probability label \"perhaps\"");
    QTest::newRow("missingIdJsonl") << QStringLiteral("jsonl")
                                    << QByteArray("{\"id\": \"n1\", \"labels\": {\"m1\": \"yes\"}}\n"
                                                  "{\"labels\": {\"m1\": \"no\"}}\n")
                                    << none << none << open << data << 2 << QStringLiteral("missing \"id\"");
    QTest::newRow("missingIdLongCsv") << QStringLiteral("long-csv") << QByteArray("item,annotator,label\nn1,m1,yes\n,m1,no\n") << none
                                      << none << open << data << 3 << QStringLiteral("empty item id");
    QTest::newRow("missingUidChaosNli") << QStringLiteral("chaosnli") << QByteArray("{\"label_counter\": {\"e\": 3}}\n") << none << none
                                        << open << data << 1 << QStringLiteral("missing \"uid\"");
    QTest::newRow("nothingToImportJsonl") << QStringLiteral("jsonl") << QByteArray("{\"id\": \"n1\", \"meta\": {\"a\": 1}}\n") << none
                                          << none << open << data << 1
                                          << QStringLiteral("item \"n1\" has none of \"labels\", \"probs\", \"human_counts\", \"text\"");
    QTest::newRow("negativeCount") << QStringLiteral("jsonl") << QByteArray("{\"id\": \"n1\", \"human_counts\": {\"yes\": -1}}\n")
                                   << none << none << open << data << 1 << QStringLiteral("negative count -1");
    QTest::newRow("unterminatedQuote") << QStringLiteral("long-csv")
                                       << QByteArray("item,annotator,label\nn1,m1,yes\nn2,m1,\"yes\nn3,m1,no\n") << none
                                       << none << open << data << 3 << QStringLiteral("unterminated quoted field");
    QTest::newRow("labelMapWrongColumns")
        << QStringLiteral("long-csv") << QByteArray("item,annotator,label\nn1,m1,A\n") << none
        << QByteArray("raw,label\nA,yes\nB,no,extra\n") << open << QStringLiteral("map") << 3 << QStringLiteral("expected 2 columns (raw,label), found 3");
    QTest::newRow("labelMapTargetOutsideClosedSet")
        << QStringLiteral("long-csv") << QByteArray("item,annotator,label\nn1,m1,A\n") << none << QByteArray("A,yes\nB,perhaps\n")
        << yesNo << QStringLiteral("map") << 2 << QStringLiteral("unknown target label \"perhaps\"");
    QTest::newRow("goldForUnknownItem") << QStringLiteral("long-csv") << QByteArray("item,annotator,label\nn1,m1,yes\n")
                                        << QByteArray("item,label\nn1,yes\nzzz,no\n") << none << open << QStringLiteral("gold") << 3
                                        << QStringLiteral("gold for unknown item \"zzz\"");
    QTest::newRow("goldWrongColumns") << QStringLiteral("long-csv") << QByteArray("item,annotator,label\nn1,m1,yes\n")
                                      << QByteArray("n1,yes,extra\n") << none << open << QStringLiteral("gold") << 1
                                      << QStringLiteral("expected 2 columns (item,label), found 3");
    QTest::newRow("labelStudioBadJson")
        << QStringLiteral("labelstudio") << QByteArray("[\n  {\"id\": 1, \"data\": {\"text\": \"a\"}},\n  {\"id\": 2, \"data\": {\"text\": \"b\"},\n]\n")
        << none << none << open << data << 4 << QStringLiteral("invalid JSON");
    QTest::newRow("labelStudioTaskWithoutData") << QStringLiteral("labelstudio")
                                                << QByteArray("[{\"id\": 1, \"data\": {\"text\": \"a\"}}, {\"id\": 2}]")
                                                << none << none << open << data << 0 << QStringLiteral("task 2: task without a \"data\" object");
    QTest::newRow("wrongValueTypeLabelStudio")
        << QStringLiteral("labelstudio")
        << QByteArray("[{\"id\": 1, \"data\": {\"text\": \"a\"}, \"annotations\": [{\"was_cancelled\": \"no\", "
                      "\"result\": [{\"value\": {\"choices\": [\"yes\"]}}]}]}]")
        << none << none << open << data << 0 << QStringLiteral("type must be boolean");
}

void TestImportErrors::malformed()
{
    QFETCH(QString, format);
    QFETCH(QByteArray, content);
    QFETCH(QByteArray, gold);
    QFETCH(QByteArray, labelMap);
    QFETCH(QStringList, labels);
    QFETCH(QString, where);
    QFETCH(int, line);
    QFETCH(QString, problem);

    const ProjectBefore before = projectWithDataBefore();
    QVERIFY(before.rows.size() > 20);

    const QString ext = format == QLatin1String("labelstudio") ? QStringLiteral("json")
                        : format.endsWith(QLatin1String("csv")) ? QStringLiteral("csv")
                                                                 : QStringLiteral("jsonl");
    const QString file = write(QStringLiteral("input.") + ext, content);
    ImportOptions o;
    o.format = format;
    o.labels = labels;
    if (!gold.isEmpty())
        o.goldFile = write(QStringLiteral("gold.csv"), gold);
    if (!labelMap.isEmpty())
        o.labelMapFile = write(QStringLiteral("map.csv"), labelMap);
    const QString named = where == QLatin1String("gold") ? o.goldFile : where == QLatin1String("map") ? o.labelMapFile : file;
    const QString prefix = line > 0 ? QStringLiteral("%1:%2: ").arg(named).arg(line) : named + QStringLiteral(": ");
    const QString failed = failedImport(before.project, file, o);
    QVERIFY2(failed.startsWith(prefix), qPrintable(QStringLiteral("expected prefix \"%1\" in: %2").arg(prefix, failed)));
    QVERIFY2(failed.contains(problem), qPrintable(QStringLiteral("expected \"%1\" in: %2").arg(problem, failed)));
    QCOMPARE(dumpProjectFile(before.project), before.rows);
    QCOMPARE(fileBytes(before.project), before.bytes);

    // The analysis commands' --input path (no database) runs the same parsers into memory and
    // must refuse the file with the same message. A clash with rows already in the project
    // cannot happen there.
    if (QString::fromLatin1(QTest::currentDataTag()).endsWith(QLatin1String("InProject")))
        return;
    // And again with a long CSV read in two parts at once (forced on these small files).
    for (const QString& m : failedReads(file, o)) {
        QVERIFY2(m.startsWith(prefix), qPrintable(QStringLiteral("--input path: expected prefix \"%1\" in: %2").arg(prefix, m)));
        QVERIFY2(m.contains(problem), qPrintable(QStringLiteral("--input path: expected \"%1\" in: %2").arg(problem, m)));
    }
}

// ---------------------------------------------------------------------------------------------
// Files from spreadsheets and other tools: encodings, delimiters, empty files, items files. The
// whole message is compared: %F, %I, %G and %M stand for the paths of the data, items, gold and
// label-map files.

void TestImportErrors::refused_data()
{
    QTest::addColumn<QString>("name");       // data file name (its extension drives detection)
    QTest::addColumn<QString>("format");     // "" = detect
    QTest::addColumn<QString>("delimiter");  // --delimiter, "" = detect
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("itemsName");  // "" = no items file; "missing.csv" is not written
    QTest::addColumn<QByteArray>("items");
    QTest::addColumn<QByteArray>("gold");      // written when not null
    QTest::addColumn<QByteArray>("labelMap");  // written when not null
    QTest::addColumn<QString>("message");

    const QString csv = QStringLiteral("in.csv"), jsonl = QStringLiteral("in.jsonl"), detect;
    const QByteArray none;
    const QByteArray answers("item,annotator,label\nn1,m1,yes\nn2,m1,no\n");
    const QString noAnnotations = QStringLiteral("%F: no annotations found");
    auto row = [&](const char* tag, const QString& name, const QString& format, const QByteArray& content,
                   const QString& message) {
        QTest::newRow(tag) << name << format << detect << content << QString() << none << none << none << message;
    };
    auto itemsRow = [&](const char* tag, const QString& itemsName, const QByteArray& items, const QString& message) {
        QTest::newRow(tag) << csv << detect << detect << answers << itemsName << items << none << none << message;
    };

    // Nothing to import: every format.
    row("emptyCsv", csv, detect, QByteArray(""), noAnnotations);
    row("blankLinesCsv", csv, detect, QByteArray("\n\r\n\n"), noAnnotations);
    row("byteOrderMarkOnlyCsv", csv, detect, QByteArray("\xEF\xBB\xBF"), noAnnotations);
    row("headerOnlyLongCsv", csv, detect, QByteArray("item,annotator,label\n"), noAnnotations);
    row("headerOnlyExcelSemicolon", csv, detect, QByteArray("\xEF\xBB\xBFitem;annotator;label\r\n"), noAnnotations);
    row("headerOnlyTsv", QStringLiteral("in.tsv"), detect, QByteArray("task\tworker\tlabel\n"), noAnnotations);
    row("headerOnlyWideCsv", csv, detect, QByteArray("item,m1,m2\n"), noAnnotations);
    row("wideCsvWithoutAnswers", csv, QStringLiteral("wide-csv"), QByteArray("item,m1,m2\na,,\nb,,\n"), noAnnotations);
    row("emptyNamedLongCsv", csv, QStringLiteral("long-csv"), QByteArray(""), noAnnotations);
    row("emptyJsonl", jsonl, detect, QByteArray(""), noAnnotations);
    row("blankLinesJsonl", jsonl, detect, QByteArray("\n  \n"), noAnnotations);
    row("emptyChaosNli", jsonl, QStringLiteral("chaosnli"), QByteArray(""), noAnnotations);
    row("emptyLabelStudio", QStringLiteral("in.json"), detect, QByteArray("[]\n"), noAnnotations);
    QTest::newRow("emptyGold") << csv << detect << detect << answers << QString() << none << QByteArray("") << none
                               << QStringLiteral("%G: no gold labels found");
    QTest::newRow("headerOnlyGold") << csv << detect << detect << answers << QString() << none
                                    << QByteArray("item,label\n") << none << QStringLiteral("%G: no gold labels found");
    QTest::newRow("headerOnlyLabelMap") << csv << detect << detect << answers << QString() << none << none
                                        << QByteArray("raw,label\n") << QStringLiteral("%M: no mappings found");
    row("idOnlyJsonl", jsonl, detect, QByteArray("{\"id\": \"n1\"}\n"),
        QStringLiteral("%F:1: item \"n1\" has none of \"labels\", \"probs\", \"human_counts\", \"text\""));

    // Encodings. Offsets count bytes from the start of the file (a BOM included), from 0.
    row("utf32LeCsv", csv, detect, QByteArray("\xFF\xFE\0\0i\0\0\0", 8),
        QStringLiteral("%F: the file is UTF-32 LE (byte order mark); save it as UTF-8"));
    row("utf32BeJsonl", jsonl, detect, QByteArray("\0\0\xFE\xFF\0\0\0{", 8),
        QStringLiteral("%F: the file is UTF-32 BE (byte order mark); save it as UTF-8"));
    row("utf16WithoutByteOrderMark", csv, detect, QByteArray("i\0t\0e\0m\0", 8),
        QStringLiteral("%F:1: NUL byte at byte offset 1: not UTF-8 text (UTF-16 or UTF-32 without a byte order "
                       "mark?); save it as UTF-8"));
    row("utf16OddLength", csv, detect, QByteArray("\xFF\xFEi\0t", 5),
        QStringLiteral("%F: invalid UTF-16 LE text (an unpaired surrogate or an odd number of bytes)"));
    // Line 1 is 21 bytes (0-20), line 2 10 (21-30); line 3 "q2,m1,caf" is 9 more: 0xE9 at 40.
    row("latin1LongCsv", csv, detect, QByteArray("item,annotator,label\nq1,m1,yes\nq2,m1,caf\xE9\n"),
        QStringLiteral("%F:3: invalid UTF-8 at byte offset 40 (0xE9); save the file as UTF-8"));
    // BOM 3 bytes, "item;annotator;label\r\n" 22: line 2 starts at 25; "q1;m1;" is 6: 0x93 at 31.
    row("windows1252ExcelSemicolon", csv, detect,
        QByteArray("\xEF\xBB\xBFitem;annotator;label\r\nq1;m1;\x93yes\x94\r\n"),
        QStringLiteral("%F:2: invalid UTF-8 at byte offset 31 (0x93); save the file as UTF-8"));
    // Line 2 `q1,m1,"first\n` is 13 bytes (21-33); line 3 "second " 7 more: 0xFF at 41, on line 3
    // (the physical line, inside the record that starts on line 2).
    row("invalidInQuotedContinuation", csv, detect, QByteArray("item,annotator,label\nq1,m1,\"first\nsecond \xFF\"\n"),
        QStringLiteral("%F:3: invalid UTF-8 at byte offset 41 (0xFF); save the file as UTF-8"));
    // Line 1 "item;m1;m2\n" is 11 bytes; "a;pos;n" 7 more: 0xE9 at 18.
    row("latin1WideCsv", csv, detect, QByteArray("item;m1;m2\na;pos;n\xE9g\n"),
        QStringLiteral("%F:2: invalid UTF-8 at byte offset 18 (0xE9); save the file as UTF-8"));
    // Line 1 is 38 bytes with its newline; line 2 `{"id": "q2", "labels": {"m1": "caf` is 34.
    row("latin1Jsonl", jsonl, detect,
        QByteArray("{\"id\": \"q1\", \"labels\": {\"m1\": \"yes\"}}\n{\"id\": \"q2\", \"labels\": {\"m1\": \"caf\xE9\"}}\n"),
        QStringLiteral("%F:2: invalid UTF-8 at byte offset 72 (0xE9); save the file as UTF-8"));
    // "[\n" is 2 bytes; `{"id": 1, "data": {"text": "caf` 31 more: 0xE9 at 33.
    row("latin1LabelStudio", QStringLiteral("in.json"), detect,
        QByteArray("[\n{\"id\": 1, \"data\": {\"text\": \"caf\xE9\"}}]\n"),
        QStringLiteral("%F:2: invalid UTF-8 at byte offset 33 (0xE9); save the file as UTF-8"));
    // Gold line 1 "item,label\n" is 11 bytes; "n1,n" 4 more: 0xF6 at 15.
    QTest::newRow("latin1Gold") << csv << detect << detect << answers << QString() << none
                                << QByteArray("item,label\nn1,n\xF6\n") << none
                                << QStringLiteral("%G:2: invalid UTF-8 at byte offset 15 (0xF6); save the file as UTF-8");

    // Delimiters.
    const QString ambiguous = QStringLiteral("%F: cannot tell the delimiter: the first 2 lines read as comma-separated "
                                             "(2 columns) or semicolon-separated (2 columns); pass --delimiter comma or "
                                             "--delimiter semicolon");
    row("ambiguousDelimiterDetected", csv, detect, QByteArray("x;y,z\n1;2,3\n"), ambiguous);
    row("ambiguousDelimiterLongCsv", csv, QStringLiteral("long-csv"), QByteArray("x;y,z\n1;2,3\n"), ambiguous);
    row("ambiguousDelimiterWideCsv", csv, QStringLiteral("wide-csv"), QByteArray("x;y,z\n1;2,3\n"), ambiguous);
    QTest::newRow("forcedCommaOnSemicolonFile")
        << csv << QStringLiteral("long-csv") << QStringLiteral("comma") << QByteArray("item;annotator;label\nq1;m1;yes\n")
        << QString() << none << none << none
        << QStringLiteral("%F:1: expected 3 columns (item,annotator,label), found 1 (comma-separated); pass "
                          "--delimiter if the file uses another delimiter");
    // A delimiter detection does not consider: one column, refused instead of one annotator.
    row("pipeFileDetected", csv, detect, QByteArray("item|annotator|label\nq1|m1|yes\n"),
        QStringLiteral("%F:1: a wide CSV needs two or more columns, found 1 (comma-separated); pass --delimiter if the "
                       "file uses another delimiter"));
    row("extraColumnShortRow", csv, detect, QByteArray("task,worker,label,extra\nq1,w1,a,x\nq1,w2,b\n"),
        QStringLiteral("%F:3: expected 4 columns (task,worker,label,extra), found 3"));
    row("moreColumnsWithoutHeader", csv, QStringLiteral("long-csv"), QByteArray("q1,m1,yes,x\n"),
        QStringLiteral("%F:1: expected 3 columns (item,annotator,label), found 4; other columns need a header naming "
                       "the item, annotator and label columns"));

    // Items files (the answers name n1 and n2; the project also holds base1 and base2).
    const QString notInAnswers = QStringLiteral(
        " has no annotations in %F (an items file gives texts to the items of the data file; import items without "
        "labels on their own, as jsonl lines with \"id\" and \"text\")");
    itemsRow("itemNotInAnswersJsonl", QStringLiteral("items.jsonl"),
             QByteArray("{\"id\": \"n1\", \"text\": \"a\"}\n{\"id\": \"n9\", \"text\": \"b\"}\n"),
             QStringLiteral("%I:2: item \"n9\"") + notInAnswers);
    itemsRow("itemOnlyInProjectCsv", QStringLiteral("items.csv"), QByteArray("id,text\nbase1,hello\n"),
             QStringLiteral("%I:2: item \"base1\"") + notInAnswers);
    itemsRow("itemTwice", QStringLiteral("items.csv"), QByteArray("id,text\nn1,a\nn1,b\n"),
             QStringLiteral("%I:3: item \"n1\" appears twice"));
    itemsRow("itemWithoutId", QStringLiteral("items.jsonl"), QByteArray("{\"text\": \"a\"}\n"),
             QStringLiteral("%I:1: missing \"id\""));
    itemsRow("itemTextNotAString", QStringLiteral("items.jsonl"), QByteArray("{\"id\": \"n1\", \"text\": 5}\n"),
             QStringLiteral("%I:1: \"text\" must be a string"));
    itemsRow("itemMetaNotAnObject", QStringLiteral("items.jsonl"), QByteArray("{\"id\": \"n1\", \"meta\": [1]}\n"),
             QStringLiteral("%I:1: \"meta\" must be an object"));
    itemsRow("itemsCsvWithoutHeader", QStringLiteral("items.csv"), QByteArray("n1,hello\n"),
             QStringLiteral("%I:1: expected a header naming the id column (id, item, item_id, task or task_id) and, "
                            "optionally, a \"text\" column"));
    itemsRow("itemsCsvShortRow", QStringLiteral("items.csv"), QByteArray("id,text,source\nn1,a\n"),
             QStringLiteral("%I:2: expected 3 columns (id,text,source), found 2"));
    itemsRow("itemsEmpty", QStringLiteral("items.jsonl"), QByteArray(""), QStringLiteral("%I: no items found"));
    itemsRow("itemsHeaderOnly", QStringLiteral("items.csv"), QByteArray("id,text\n"), QStringLiteral("%I: no items found"));
    itemsRow("itemsUnknownExtension", QStringLiteral("items.xml"), QByteArray("<items/>\n"),
             QStringLiteral("%I: an items file is CSV (.csv, .tsv, .txt) or JSON lines (.jsonl, .ndjson, .json), not "
                            "\"xml\""));
    itemsRow("itemsMissing", QStringLiteral("missing.csv"), none, QStringLiteral("%I: no such file"));
    // `{"id": "n1", "text": "caf` is 25 bytes: 0xE9 at 25.
    itemsRow("itemsLatin1", QStringLiteral("items.jsonl"), QByteArray("{\"id\": \"n1\", \"text\": \"caf\xE9\"}\n"),
             QStringLiteral("%I:1: invalid UTF-8 at byte offset 25 (0xE9); save the file as UTF-8"));
    itemsRow("itemsAmbiguousDelimiter", QStringLiteral("items.csv"), QByteArray("id;text,x\nn1;a,b\n"),
             QStringLiteral("%I: cannot tell the delimiter: the first 2 lines read as comma-separated (2 columns) or "
                            "semicolon-separated (2 columns); pass --delimiter comma or --delimiter semicolon"));
}

void TestImportErrors::refused()
{
    QFETCH(QString, name);
    QFETCH(QString, format);
    QFETCH(QString, delimiter);
    QFETCH(QByteArray, content);
    QFETCH(QString, itemsName);
    QFETCH(QByteArray, items);
    QFETCH(QByteArray, gold);
    QFETCH(QByteArray, labelMap);
    QFETCH(QString, message);

    const ProjectBefore before = projectWithDataBefore();

    ImportOptions o;
    o.format = format;
    if (!delimiter.isEmpty())
        o.delimiter = *delimiterFromName(delimiter);
    const QString file = write(name, content);
    if (!itemsName.isEmpty())
        o.itemsFile = itemsName.startsWith(QLatin1String("missing")) ? path(itemsName) : write(itemsName, items);
    if (!gold.isNull())
        o.goldFile = write(QStringLiteral("gold.csv"), gold);
    if (!labelMap.isNull())
        o.labelMapFile = write(QStringLiteral("map.csv"), labelMap);
    message.replace(QLatin1String("%F"), file)
        .replace(QLatin1String("%I"), o.itemsFile)
        .replace(QLatin1String("%G"), o.goldFile)
        .replace(QLatin1String("%M"), o.labelMapFile);
    QCOMPARE(failedImport(before.project, file, o), message);
    QCOMPARE(dumpProjectFile(before.project), before.rows);
    QCOMPARE(fileBytes(before.project), before.bytes);

    // The same message on the --input path (the file read straight into memory), also with a
    // long CSV read in two parts at once (forced on these small files).
    QCOMPARE(failedReads(file, o), QStringList({message, message}));
}

// ---------------------------------------------------------------------------------------------
// Cancel

void TestImportErrors::cancelAtEnd()
{
    // A small file is read before the first periodic poll; the final poll still cancels.
    const QString project = path(QStringLiteral("p.chorus"));
    importNew(project, testData(QStringLiteral("tiny.jsonl")));
    const QStringList before = dumpProjectFile(project);
    ProjectStore s;
    s.open(project);
    ImportOptions o;
    o.isCanceled = [] { return true; };
    QVERIFY_THROWS_EXCEPTION(CanceledError, importFile(s, testData(QStringLiteral("tiny_long.csv")), o));
    s.close();
    QCOMPARE(dumpProjectFile(project), before);
}

void TestImportErrors::cancelMidway()
{
    // 20,000 rows: isCanceled is polled every few thousand records; answer true on the second
    // poll, after several thousand rows went into the open transaction.
    QByteArray csv = "item,annotator,label\n";
    for (int i = 0; i < 10000; ++i)
        csv += QStringLiteral("it%1,m1,yes\nit%1,m2,no\n").arg(i).toUtf8();
    const QString file = write(QStringLiteral("big.csv"), csv);
    const QString project = path(QStringLiteral("p.chorus"));
    importNew(project, testData(QStringLiteral("tiny_long.csv")));
    const QStringList before = dumpProjectFile(project);
    ProjectStore s;
    s.open(project);
    int polls = 0;
    qint64 lastDone = -1, lastTotal = -1;
    ImportOptions o;
    o.isCanceled = [&] { return ++polls >= 2; };
    o.progress = [&](qint64 done, qint64 total) {
        lastDone = done;
        lastTotal = total;
    };
    QVERIFY_THROWS_EXCEPTION(CanceledError, importFile(s, file, o));
    QCOMPARE(polls, 2);
    // Progress came in bytes of the input, before the cancel.
    QCOMPARE(lastTotal, qint64(csv.size()));
    QVERIFY(lastDone > 0 && lastDone < lastTotal);
    QCOMPARE(s.info().items, 4);  // the store is usable and unchanged
    s.close();
    QCOMPARE(dumpProjectFile(project), before);
}

// A project import writes annotations ImportTarget::kMaxBuffered rows per INSERT; a duplicate
// found when such a batch is written must still be reported with the line that added it, also
// when its twin is hundreds of lines earlier or already in the project. Lines are counted by
// hand: line 1 is the header, row r (from 0) is on line r + 2.
void TestImportErrors::duplicateFoundInAFullBatch_data()
{
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("duplicateOf");  // row repeated at the end; -1: a row of the project
    QTest::newRow("twinInAnEarlierBatch") << 300 << 5;
    QTest::newRow("twinInTheSameBatch") << 140 << 130;
    QTest::newRow("twinInTheProject") << 300 << -1;
    QTest::newRow("exactlyOneBatch") << 127 << 0;
}

void TestImportErrors::duplicateFoundInAFullBatch()
{
    QFETCH(int, rows);
    QFETCH(int, duplicateOf);
    QByteArray csv = "item,annotator,label\n";
    for (int r = 0; r < rows; ++r)
        csv += "q" + QByteArray::number(r) + ",m1,yes\n";
    // The duplicate is the last row, on line rows + 2; a few more rows follow so that it is not
    // simply the last thing written.
    const QByteArray twin = duplicateOf >= 0 ? "q" + QByteArray::number(duplicateOf) : QByteArray("base1");
    csv += twin + ",m1,no\n";
    for (int r = 0; r < 200; ++r)
        csv += "z" + QByteArray::number(r) + ",m1,yes\n";
    const QString file = write(QStringLiteral("dup.csv"), csv);
    const QString expected = QStringLiteral("%1:%2: item \"%3\" already has a label from annotator \"m1\"")
                                 .arg(file)
                                 .arg(rows + 2)
                                 .arg(QString::fromLatin1(twin));

    QCOMPARE(failedImport(projectWithData(), file, {}), expected);
    if (duplicateOf >= 0) {
        try {
            readFileData(file);
            QFAIL("reading the file into memory must fail too");
        } catch (const Error& e) {
            QCOMPARE(e.message(), expected);
        }
    }
}

QTEST_GUILESS_MAIN(TestImportErrors)
#include "tst_importerrors.moc"
