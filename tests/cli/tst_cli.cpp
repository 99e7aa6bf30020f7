// chorus-cli, run as a separate process ($CHORUS_BIN_DIR/chorus-cli, set by ctest): import,
// info --json, export, exit codes, and the rule that errors go to stderr while stdout carries
// only --json output.

#include "../model/importhelpers.h"
#include "../model/projectdump.h"
#include "testprojects.h"
#include "projectstore.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

#include "clitest.h"

using namespace chorus::test;

class TestCli : public CliTestCase
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();

    void helpExitsZero_data();
    void helpExitsZero();
    void noArgumentsIsUsageError();
    void unknownCommandExitsTwo();
    void badCommandLines_data();
    void badCommandLines();

    void importThenInfoJson();
    void importJsonReport();
    void importOptions();
    void importSpreadsheetFile();
    void inputWithDelimiter();
    void infoText();
    void exportFormats();
    void exportFilters();
    void infoCountsByStatus();
    void exportNotesAndHistory();

    void failedImportIntoNewProjectLeavesNothing_data();
    void failedImportIntoNewProjectLeavesNothing();
    void failedImportIntoExistingProjectKeepsIt();
    void refusedProjects_data();
    void refusedProjects();

private:
    // Six items r1..r6; decisions written with plain SQL (see the function for the states).
    QString reviewProject();
    // A name ending in ".chorus" is a project: a file, or in the _pg run a server project
    // (CliTestCase::path() for the other names).
    QString path(const QString& name) const { return pathOrProject(*m_dir, name); }
};

void TestCli::initTestCase()
{
    setUpCli();
}

void TestCli::init()
{
    newScratchDir();
}

// ---------------------------------------------------------------------------------------------
// Command line

void TestCli::helpExitsZero_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expected");
    const QStringList globalHelp{QStringLiteral("--help")};
    const QStringList importHelp{QStringLiteral("import"), QStringLiteral("--help")};
    const QStringList infoHelp{QStringLiteral("info"), QStringLiteral("--help")};
    const QStringList exportHelp{QStringLiteral("export"), QStringLiteral("--help")};
    QTest::newRow("globalHelp") << globalHelp << QStringLiteral("usage: chorus-cli <command>");
    QTest::newRow("globalShortHelp") << QStringList{QStringLiteral("-h")} << QStringLiteral("usage: chorus-cli <command>");
    QTest::newRow("importHelp") << importHelp << QStringLiteral("chorus-cli import PROJECT FILE");
    QTest::newRow("importHelpDelimiter") << importHelp << QStringLiteral("--delimiter <D>");
    QTest::newRow("importHelpItems") << importHelp << QStringLiteral("--items <FILE>");
    QTest::newRow("globalHelpImportOptions") << globalHelp
                                             << QStringLiteral("[--delimiter comma|semicolon|tab|C] [--items FILE]");
    QTest::newRow("infoHelp") << infoHelp << QStringLiteral("chorus-cli info PROJECT");
    QTest::newRow("exportHelp") << exportHelp << QStringLiteral("--min-confidence");
    QTest::newRow("exportHelpHistory") << exportHelp << QStringLiteral("--history");
    QTest::newRow("version") << QStringList{QStringLiteral("--version")} << QStringLiteral("chorus-cli ");
}

void TestCli::helpExitsZero()
{
    QFETCH(QStringList, args);
    QFETCH(QString, expected);
    const Run r = run(args);
    CLI_OK(r);
    QVERIFY2(QString::fromUtf8(r.out).contains(expected), r.out.constData());
    QCOMPARE(r.err, QByteArray());
}

void TestCli::noArgumentsIsUsageError()
{
    expectCliError(run({}), 2, QStringLiteral("usage: chorus-cli"));
}

void TestCli::unknownCommandExitsTwo()
{
    expectCliError(run({QStringLiteral("frobnicate")}), 2, QStringLiteral("unknown command \"frobnicate\""));
}

void TestCli::badCommandLines_data()
{
    cliErrorColumns();
    const QString p = QStringLiteral("p.chorus"), f = testData(QStringLiteral("tiny_long.csv"));
    QTest::newRow("unknownOption") << QStringList{QStringLiteral("import"), p, f, QStringLiteral("--bogus")}
                                   << 2 << QStringLiteral("bogus");
    QTest::newRow("importWithoutFile") << QStringList{QStringLiteral("import"), p} << 2 << QStringLiteral("expected PROJECT and FILE");
    QTest::newRow("unknownImportFormat") << QStringList{QStringLiteral("import"), p, f, QStringLiteral("--format"), QStringLiteral("xml")}
                                         << 2 << QStringLiteral("unknown format \"xml\"");
    QTest::newRow("unknownKind") << QStringList{QStringLiteral("import"), p, f, QStringLiteral("--kind"), QStringLiteral("robot")}
                                 << 2 << QStringLiteral("--kind must be llm, human or reviewer");
    QTest::newRow("badDelimiter") << QStringList{QStringLiteral("import"), p, f, QStringLiteral("--delimiter"), QStringLiteral("colon")}
                                  << 2 << QStringLiteral("--delimiter takes comma, semicolon, tab or one character (not a quote)");
    QTest::newRow("quoteDelimiter") << QStringList{QStringLiteral("import"), p, f, QStringLiteral("--delimiter"), QStringLiteral("\"")}
                                    << 2 << QStringLiteral("--delimiter takes comma, semicolon, tab or one character (not a quote)");
    QTest::newRow("infoWithoutProject") << QStringList{QStringLiteral("info")} << 2 << QStringLiteral("expected PROJECT");
    // Every number option is read one way: the refusal names the option, its range and the value.
    const struct
    {
        const char* name;
        QStringList args;
        const char* message;
    } numbers[] = {
        {"minConfidenceNotANumber", {"export", p, "out.csv", "--min-confidence", "high"}, "--min-confidence takes a number, got \"high\""},
        {"runNotAnId", {"export", p, "out.csv", "--run", "1.5"}, "--run takes a run id, got \"1.5\""},
        {"exportFractionZero", {"export", p, "out.csv", "--soft", "calibrated", "--select-fraction", "0"},
         "--select-fraction takes a number in (0, 1], got \"0\""},
        {"crowdFractionAboveOne", {"crowd", "--input", f, "--select-fraction", "1.5"}, "--select-fraction takes a number in (0, 1], got \"1.5\""},
        {"calibrationFractionOne", {"calibration", "--input", f, "--select-fraction", "1"}, "--select-fraction takes a number in (0, 1), got \"1\""},
        {"levelOne", {"agreement", "--input", f, "--level", "1"}, "--level takes a number in (0, 1), got \"1\""},
        {"maxCostNegative", {"crowd", "--input", f, "--max-cost", "-1"}, "--max-cost takes a number >= 0, got \"-1\""},
        {"maxCostShareZero", {"crowd", "--input", f, "--max-cost-share", "0"}, "--max-cost-share takes a number > 0, got \"0\""},
        {"epsilonNan", {"divergence", "--input", f, "--p", "votes", "--q", "votes", "--epsilon", "nan"}, "--epsilon takes a number >= 0, got \"nan\""},
        {"eloKNotANumber", {"rank", "--input", f, "--k", "abc"}, "--k takes a number > 0, got \"abc\""},
        {"initialOverflows", {"rank", "--input", f, "--initial", "1e999"}, "--initial takes a number, got \"1e999\""},
        {"budgetInfinite", {"select", "--input", f, "--method", "mv", "--cost", "1", "--budget", "inf", "--relabeler-accuracy", "0.9"},
         "--budget takes a number, got \"inf\""},
        {"maxExhaustiveAbove20", {"crowd", "--input", f, "--max-exhaustive", "21"}, "--max-exhaustive takes a whole number in [0, 20], got \"21\""},
        {"bootstrapZero", {"evaluate", "--input", f, "--bootstrap", "0"}, "--bootstrap takes a whole number >= 1, got \"0\""},
        {"claimNegative", {"claim", "--project", p, "--n", "-1"}, "--n takes a whole number >= 0, got \"-1\""},
        {"seedNegative", {"crowd", "--input", f, "--seed", "-1"}, "--seed takes a whole number >= 0, got \"-1\""},
    };
    for (const auto& n : numbers)
        QTest::newRow(n.name) << n.args << 2 << QString::fromUtf8(n.message);
}

void TestCli::badCommandLines()
{
    expectCliErrorRow();
    QVERIFY(!chorus::model::ProjectStore::projectExists(path(QStringLiteral("p.chorus"))));  // nothing was created
}

// ---------------------------------------------------------------------------------------------
// import / info / export

void TestCli::importThenInfoJson()
{
    const QString answers = shared(QStringLiteral("data/rte/answers.csv"));
    if (!QFileInfo::exists(answers))
        QSKIP("../shared/data is not available");
    // Annotator names, counted straight from the file.
    QSet<QString> annotators;
    const QList<QByteArray> lines = fileBytes(answers).trimmed().split('\n');
    for (qsizetype k = 1; k < lines.size(); ++k)
        annotators.insert(QString::fromUtf8(lines[k].split(',').value(1)).trimmed());

    const QString project = path(QStringLiteral("rte.chorus"));
    Run r = run({QStringLiteral("import"), project, answers, QStringLiteral("--gold"), shared(QStringLiteral("data/rte/gold.csv"))});
    CLI_OK(r);
    QCOMPARE(r.out, QByteArray());  // the human-readable report goes to stderr
    QVERIFY2(r.err.contains("800 new items, 8000 annotations, 800 gold labels"), r.err.constData());

    r = run({QStringLiteral("info"), project, QStringLiteral("--json")});
    CLI_OK(r);
    QCOMPARE(r.err, QByteArray());
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(r.out, &pe);
    QVERIFY2(pe.error == QJsonParseError::NoError, qPrintable(pe.errorString()));
    const QJsonObject j = doc.object();
    // README / reference/rte.json "stats": 800 items, 164 annotators, 8,000 labels, gold for all.
    QCOMPARE(j.value(QStringLiteral("schema_version")).toInt(), chorus::model::ProjectStore::kSchemaVersion);
    QCOMPARE(j.value(QStringLiteral("items")).toInt(), 800);
    QCOMPARE(j.value(QStringLiteral("annotators")).toInt(), 164);
    QCOMPARE(j.value(QStringLiteral("annotations")).toInt(), 8000);
    QCOMPARE(j.value(QStringLiteral("invalid_annotations")).toInt(), 0);
    QCOMPARE(j.value(QStringLiteral("gold")).toInt(), 800);
    QCOMPARE(j.value(QStringLiteral("labels")).toInt(), 2);
    QCOMPARE(j.value(QStringLiteral("items_with_human_counts")).toInt(), 0);
    QCOMPARE(j.value(QStringLiteral("decisions")).toInt(), 0);
    QCOMPARE(j.value(QStringLiteral("runs")).toInt(), 0);
    QSet<QString> labels, names;
    for (const QJsonValue& v : j.value(QStringLiteral("label_set")).toArray())
        labels.insert(v.toString());
    for (const QJsonValue& v : j.value(QStringLiteral("annotator_names")).toArray())
        names.insert(v.toString());
    QCOMPARE(labels, (QSet<QString>{QStringLiteral("0"), QStringLiteral("1")}));
    QCOMPARE(names, annotators);
}

void TestCli::importJsonReport()
{
    const QString project = path(QStringLiteral("p.chorus"));
    const Run r = run({QStringLiteral("import"), project, testData(QStringLiteral("tiny.jsonl")), QStringLiteral("--json")});
    CLI_OK(r);
    QCOMPARE(r.err, QByteArray());
    QJsonParseError pe;
    const QJsonObject j = QJsonDocument::fromJson(r.out, &pe).object();
    QVERIFY2(pe.error == QJsonParseError::NoError, qPrintable(pe.errorString() + QLatin1Char('\n') + QString::fromUtf8(r.out)));
    // tiny.jsonl: 4 items; 8 annotations, one unmappable ("I think it is negative" from
    // llama-3-8b); gold on q1 and q2; human counts on q1 and item 4.
    QCOMPARE(j.value(QStringLiteral("format")).toString(), QStringLiteral("jsonl"));
    QCOMPARE(j.value(QStringLiteral("items_added")).toInt(), 4);
    QCOMPARE(j.value(QStringLiteral("annotations")).toInt(), 8);
    QCOMPARE(j.value(QStringLiteral("invalid")).toInt(), 1);
    QCOMPARE(j.value(QStringLiteral("invalid_by_annotator")).toObject(), (QJsonObject{{QStringLiteral("llama-3-8b"), 1}}));
    QCOMPARE(j.value(QStringLiteral("gold")).toInt(), 2);
    QCOMPARE(j.value(QStringLiteral("human_counts")).toInt(), 2);
}

void TestCli::importOptions()
{
    // --labels closes and orders the set, --label-map maps letters, --kind sets the kind.
    const QString project = path(QStringLiteral("p.chorus"));
    const QString data = path(QStringLiteral("answers.csv"));
    QVERIFY(writeFile(data, "item,annotator,label\n1,m1,A\n1,m2,Joy.\n2,m1,B\n2,m2,no idea\n"));
    const QString map = path(QStringLiteral("map.csv"));
    QVERIFY(writeFile(map, "letter,label\nA,Fear\nB,Anger\nC,joy\n"));
    const Run r = run({QStringLiteral("import"), project, data, QStringLiteral("--labels"), QStringLiteral("Joy,Fear,Anger"),
                       QStringLiteral("--label-map"), map,
                       QStringLiteral("--kind"), QStringLiteral("human"), QStringLiteral("--json")});
    CLI_OK(r);
    const QJsonObject j = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(j.value(QStringLiteral("annotations")).toInt(), 4);
    QCOMPARE(j.value(QStringLiteral("invalid")).toInt(), 1);  // "no idea"
    const QStringList rows =
        queryRows(project, QStringLiteral("SELECT i.ext_id, a.name, a.kind, COALESCE(l.name, 'INVALID') FROM annotations n "
                                          "JOIN items i ON i.id = n.item_id JOIN annotators a ON a.id = n.annotator_id "
                                          "LEFT JOIN labels l ON l.id = n.label_id ORDER BY i.ext_id, a.name"));
    // The map: A -> Fear, B -> Anger.
    QCOMPARE(rows, (QStringList{QStringLiteral("1|m1|human|Fear"), QStringLiteral("1|m2|human|Joy"),
                                QStringLiteral("2|m1|human|Anger"), QStringLiteral("2|m2|human|INVALID")}));
    const Run info = run({QStringLiteral("info"), project, QStringLiteral("--json")});
    const QJsonArray labels = QJsonDocument::fromJson(info.out).object().value(QStringLiteral("label_set")).toArray();
    QCOMPARE(labels, (QJsonArray{QStringLiteral("Joy"), QStringLiteral("Fear"), QStringLiteral("Anger")}));
}

void TestCli::importSpreadsheetFile()
{
    // Excel's semicolon CSV (BOM, CRLF) with an extra column per row and one per item, and an
    // items file: the report says how the file was read and what was not stored.
    const QString project = path(QStringLiteral("p.chorus"));
    const QString data = path(QStringLiteral("answers.csv"));
    QVERIFY(writeFile(data, "\xEF\xBB\xBFtask;worker;label;extra;source\r\n"
                            "q1;w1;a;x1;web\r\nq1;w2;b;x2;web\r\nq2;w1;a;x3;mail\r\n"));
    const QString items = path(QStringLiteral("items.jsonl"));
    QVERIFY(writeFile(items, "{\"id\": \"q1\", \"text\": \"First\"}\n{\"id\": \"q2\", \"text\": \"Second\", \"gold\": \"a\"}\n"));
    Run r = run({QStringLiteral("import"), project, data, QStringLiteral("--items"), items});
    CLI_OK(r);
    QCOMPARE(r.out, QByteArray());
    const QString text = QString::fromUtf8(r.err);
    for (const QString& line :
         {QStringLiteral("format long-csv, semicolon-separated, UTF-8 with BOM: 2 new items, 3 annotations"),
          QStringLiteral("\nitem metadata from columns: source\n"),
          QStringLiteral("\ntexts and metadata from the items file: 2 items\n"),
          QStringLiteral("\nignored: column \"extra\" of %1: differs between rows of item \"q1\" (line 3)\n").arg(data),
          QStringLiteral("\nignored: key \"gold\" of %1: an items file gives texts and metadata only (import it as "
                         "jsonl to read answers)")
              .arg(items)})
        QVERIFY2(text.contains(line), qPrintable(QStringLiteral("expected \"%1\" in: %2").arg(line, text)));
    QStringList rows;
    withRawConnection(project, [&](QSqlDatabase& db) {
        QSqlQuery q(db);
        q.exec(QStringLiteral("SELECT ext_id, text, meta FROM items ORDER BY ext_id"));
        while (q.next())
            rows << QStringLiteral("%1|%2|%3").arg(q.value(0).toString(), q.value(1).toString(), q.value(2).toString());
    });
    QCOMPARE(rows, (QStringList{QStringLiteral("q1|First|{\"source\":\"web\"}"),
                                QStringLiteral("q2|Second|{\"source\":\"mail\"}")}));

    // The same with --json: the fields of the report.
    const QString again = path(QStringLiteral("q.chorus"));
    r = run({QStringLiteral("import"), again, data, QStringLiteral("--items"), items, QStringLiteral("--json")});
    CLI_OK(r);
    QCOMPARE(r.err, QByteArray());
    const QJsonObject j = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(j.value(QStringLiteral("delimiter")).toString(), QStringLiteral("semicolon"));
    QCOMPARE(j.value(QStringLiteral("encoding")).toString(), QStringLiteral("UTF-8 with BOM"));
    QCOMPARE(j.value(QStringLiteral("metadata_columns")).toArray(), QJsonArray{QStringLiteral("source")});
    QCOMPARE(j.value(QStringLiteral("item_texts")).toInt(), 2);
    QCOMPARE(j.value(QStringLiteral("ignored")).toArray().size(), 2);
}

void TestCli::inputWithDelimiter()
{
    // A file detection refuses (it reads in 2 columns at commas and 3 at semicolons) is read
    // with --delimiter, by import and by --input alike.
    const QString data = path(QStringLiteral("wide.csv"));
    QVERIFY(writeFile(data, "item;gpt-4o, t=0;claude\nq1;yes, sure;no\nq2;no, never;yes\n"));
    const QString project = path(QStringLiteral("p.chorus"));
    expectCliError(run({QStringLiteral("import"), project, data}), 1,
                data + QStringLiteral(": cannot tell the delimiter: the first 3 lines read as comma-separated (2 "
                                      "columns) or semicolon-separated (3 columns); pass --delimiter comma or "
                                      "--delimiter semicolon"));
    QVERIFY(!QFileInfo::exists(project));
    Run r = run({QStringLiteral("import"), project, data, QStringLiteral("--delimiter"), QStringLiteral("semicolon"),
                 QStringLiteral("--json")});
    CLI_OK(r);
    QCOMPARE(QJsonDocument::fromJson(r.out).object().value(QStringLiteral("annotations")).toInt(), 4);
    r = run({QStringLiteral("agreement"), QStringLiteral("--input"), data, QStringLiteral("--delimiter"),
             QStringLiteral(";"), QStringLiteral("--json")});
    CLI_OK(r);
    QVERIFY(QJsonDocument::fromJson(r.out).isObject());
}

void TestCli::infoText()
{
    const QString project = path(QStringLiteral("p.chorus"));
    CLI_OK(run({QStringLiteral("import"), project, testData(QStringLiteral("tiny_long.csv"))}));
    const Run r = run({QStringLiteral("info"), project});
    CLI_OK(r);
    QCOMPARE(r.err, QByteArray());
    QVERIFY2(r.out.contains("items: 4\n"), r.out.constData());
    QVERIFY2(r.out.contains("annotations: 7\n"), r.out.constData());
    QVERIFY2(r.out.contains("invalid_annotations: 2\n"), r.out.constData());
}

void TestCli::exportFormats()
{
    const QString project = path(QStringLiteral("p.chorus"));
    CLI_OK(run({QStringLiteral("import"), project, testData(QStringLiteral("tiny_long.csv")), QStringLiteral("--gold"),
                testData(QStringLiteral("tiny_long_gold.csv"))}));
    struct Case
    {
        const char* file;
        const char* format;
        int lines;  // tiny_long.csv: 4 items, 7 annotations
    };
    for (const Case& c : {Case{"out.jsonl", nullptr, 4}, Case{"out.csv", nullptr, 1 + 4},
                          Case{"out-long.csv", "long-csv", 1 + 7}, Case{"out-wide.csv", "wide-csv", 1 + 4}}) {
        QStringList args{QStringLiteral("export"), project, path(QString::fromLatin1(c.file))};
        if (c.format)
            args << QStringLiteral("--format") << QString::fromLatin1(c.format);
        const Run r = run(args);
        CLI_OK(r);
        QCOMPARE(r.out, QByteArray());
        QVERIFY2(r.err.contains("items written"), r.err.constData());
        QCOMPARE(fileBytes(path(QString::fromLatin1(c.file))).count('\n'), c.lines);
    }
    // The jsonl export imports again into an equal set of annotations.
    const QString again = path(QStringLiteral("again.chorus"));
    CLI_OK(run({QStringLiteral("import"), again, path(QStringLiteral("out.jsonl"))}));
    const QJsonObject a = QJsonDocument::fromJson(run({QStringLiteral("info"), project, QStringLiteral("--json")}).out).object();
    const QJsonObject b = QJsonDocument::fromJson(run({QStringLiteral("info"), again, QStringLiteral("--json")}).out).object();
    for (const char* k : {"items", "annotators", "labels", "annotations", "invalid_annotations", "gold"})
        QCOMPARE(b.value(QLatin1String(k)), a.value(QLatin1String(k)));
}

void TestCli::exportFilters()
{
    const QString answers = shared(QStringLiteral("data/rte/answers.csv"));
    if (!QFileInfo::exists(answers))
        QSKIP("../shared/data is not available");
    // With 10 votes per rte item, majority-vote confidence >= 0.95 means all 10 agree. Count
    // those items straight from the file.
    QHash<QString, QSet<QString>> votes;
    const QList<QByteArray> lines = fileBytes(answers).trimmed().split('\n');
    for (qsizetype k = 1; k < lines.size(); ++k) {
        const QList<QByteArray> c = lines[k].trimmed().split(',');
        votes[QString::fromUtf8(c[0])].insert(QString::fromUtf8(c[2]));
    }
    int unanimous = 0;
    for (const auto& v : votes)
        unanimous += v.size() == 1 ? 1 : 0;
    QVERIFY(unanimous > 0 && unanimous < 800);

    const QString project = path(QStringLiteral("rte.chorus"));
    CLI_OK(run({QStringLiteral("import"), project, answers}));
    const QString out = path(QStringLiteral("confident.csv"));
    const Run r = run({QStringLiteral("export"), project, out, QStringLiteral("--min-confidence"), QStringLiteral("0.95"),
                       QStringLiteral("--no-annotators")});
    CLI_OK(r);
    QCOMPARE(fileBytes(out).count('\n'), 1 + unanimous);
    QVERIFY2(r.err.contains(QStringLiteral("%1 items written (%2 filtered out)").arg(unanimous).arg(800 - unanimous).toUtf8()),
             r.err.constData());
    QCOMPARE(fileBytes(out).split('\n')[0], QByteArray("id,text,label,source,confidence,status,note"));
    // Nothing is reviewed yet: --reviewed-only writes just the header.
    const Run r2 = run({QStringLiteral("export"), project, out, QStringLiteral("--reviewed-only")});
    CLI_OK(r2);
    QCOMPARE(fileBytes(out).count('\n'), 1);
    // An unknown soft label is an error: exit 1, the previous file stays.
    const QByteArray before = fileBytes(out);
    expectCliError(run({QStringLiteral("export"), project, out, QStringLiteral("--soft"), QStringLiteral("majority")}), 1,
                QStringLiteral("unknown soft label"));
    QCOMPARE(fileBytes(out), before);
    // Calibrated soft labels fit a temperature on gold, which this project has none of.
    expectCliError(run({QStringLiteral("export"), project, out, QStringLiteral("--soft"), QStringLiteral("calibrated")}), 1,
                QStringLiteral("--soft calibrated fits a temperature on gold labels, and no item of this project has one"));
    QCOMPARE(fileBytes(out), before);
    // The split's options belong to --soft calibrated.
    QCOMPARE(run({QStringLiteral("export"), project, out, QStringLiteral("--select-fraction"), QStringLiteral("0.5")}).code, 2);
}

// The review states, counted by hand. Every decision row is the item's complete state; the
// current status is that of the latest row (highest id):
//   r1  label a (reviewed)                          -> reviewed
//   r2  flag, then label b (reviewed)               -> reviewed
//   r3  label a, then flag (label kept, note)       -> flagged
//   r4  label b, then clear (unreviewed)            -> unreviewed
//   r5, r6  no decision                             -> unreviewed
// items 6, decisions 7: reviewed 2, flagged 1, unreviewed 3.
QString TestCli::reviewProject()
{
    const QString project = path(QStringLiteral("review.chorus"));
    const QString data = path(QStringLiteral("review.jsonl"));
    QByteArray jsonl = "{\"label_set\":[\"a\",\"b\"],\"id\":\"r1\",\"labels\":{\"m1\":\"a\"}}\n";
    for (int k = 2; k <= 6; ++k)
        jsonl += "{\"id\":\"r" + QByteArray::number(k) + "\",\"labels\":{\"m1\":\"b\"}}\n";
    if (!writeFile(data, jsonl) || run({QStringLiteral("import"), project, data}).code != 0)
        return {};
    // (item, action, label, status, note, minute), in id order; items interleave.
    const char* const rows[][6] = {
        {"r1", "label", "a", "reviewed", "", "00"},   {"r2", "flag", nullptr, "flagged", "", "01"},
        {"r3", "label", "a", "reviewed", "", "02"},   {"r4", "label", "b", "reviewed", "", "03"},
        {"r3", "flag", "a", "flagged", "ask, \"ben\"", "04"}, {"r2", "label", "b", "reviewed", "", "05"},
        {"r4", "clear", nullptr, "unreviewed", "", "06"},
    };
    bool ok = true;
    withRawConnection(
        project,
        [&](QSqlDatabase& db) {
            for (const auto& r : rows) {
                QSqlQuery q(db);
                q.prepare(QStringLiteral("INSERT INTO decisions (item_id, action, label_id, status, note, author, "
                                         "created_at) VALUES ((SELECT id FROM items WHERE ext_id = ?), ?, "
                                         "(SELECT id FROM labels WHERE name = ?), ?, ?, 'ana', ?)"));
                q.addBindValue(QString::fromLatin1(r[0]));
                q.addBindValue(QString::fromLatin1(r[1]));
                q.addBindValue(r[2] ? QVariant(QString::fromLatin1(r[2])) : QVariant(QMetaType(QMetaType::QString)));
                q.addBindValue(QString::fromLatin1(r[3]));
                q.addBindValue(QString::fromLatin1(r[4]));
                q.addBindValue(QStringLiteral("2024-06-01T10:%1:00.000Z").arg(QString::fromLatin1(r[5])));
                ok = ok && q.exec();
            }
        },
        false);
    return ok ? project : QString();
}

void TestCli::infoCountsByStatus()
{
    const QString project = reviewProject();
    QVERIFY(!project.isEmpty());
    const Run r = run({QStringLiteral("info"), project, QStringLiteral("--json")});
    CLI_OK(r);
    const QJsonObject j = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(j.value(QStringLiteral("items")).toInt(), 6);
    QCOMPARE(j.value(QStringLiteral("decisions")).toInt(), 7);
    QCOMPARE(j.value(QStringLiteral("reviewed_items")).toInt(), 2);  // a flagged item is not reviewed
    QCOMPARE(j.value(QStringLiteral("flagged_items")).toInt(), 1);
    QCOMPARE(j.value(QStringLiteral("unreviewed_items")).toInt(), 3);
    const Run t = run({QStringLiteral("info"), project});
    CLI_OK(t);
    for (const char* line : {"reviewed_items: 2\n", "flagged_items: 1\n", "unreviewed_items: 3\n"})
        QVERIFY2(t.out.contains(line), t.out.constData());
}

void TestCli::exportNotesAndHistory()
{
    const QString project = reviewProject();
    QVERIFY(!project.isEmpty());
    const QString out = path(QStringLiteral("curated.jsonl"));
    const Run r = run({QStringLiteral("export"), project, out, QStringLiteral("--history"), QStringLiteral("--no-annotators")});
    CLI_OK(r);
    QList<QJsonObject> lines;
    for (const QByteArray& line : fileBytes(out).trimmed().split('\n'))
        lines << QJsonDocument::fromJson(line).object();
    QCOMPARE(lines.size(), 6);
    // r3: its note, and its two decisions oldest first.
    QCOMPARE(lines[2].value(QStringLiteral("note")).toString(), QStringLiteral("ask, \"ben\""));
    const QJsonArray h = lines[2].value(QStringLiteral("history")).toArray();
    QCOMPARE(h.size(), 2);
    QCOMPARE(h[0].toObject(), (QJsonObject{{QStringLiteral("created_at"), QStringLiteral("2024-06-01T10:02:00.000Z")},
                                           {QStringLiteral("author"), QStringLiteral("ana")},
                                           {QStringLiteral("action"), QStringLiteral("label")},
                                           {QStringLiteral("label"), QStringLiteral("a")},
                                           {QStringLiteral("status"), QStringLiteral("reviewed")},
                                           {QStringLiteral("note"), QStringLiteral("")}}));
    QCOMPARE(h[1].toObject().value(QStringLiteral("action")).toString(), QStringLiteral("flag"));
    QCOMPARE(lines[1].value(QStringLiteral("history")).toArray().size(), 2);
    QVERIFY(!lines[1].contains(QStringLiteral("note")));
    QCOMPARE(lines[4].value(QStringLiteral("history")).toArray(), QJsonArray());
    // The answer-only formats carry no history: refused with a pointer to jsonl and csv.
    const QString longOut = path(QStringLiteral("long.csv"));
    expectCliError(run({QStringLiteral("export"), project, longOut, QStringLiteral("--format"), QStringLiteral("long-csv"),
                     QStringLiteral("--history")}),
                1, QStringLiteral("the decision history is exported in jsonl and csv only"));
    QVERIFY(!QFileInfo::exists(longOut));
}

// ---------------------------------------------------------------------------------------------
// Failures

void TestCli::failedImportIntoNewProjectLeavesNothing_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("message");  // without the file name
    QTest::newRow("wrongColumnCount") << QStringLiteral("bad.csv") << QByteArray("item,annotator,label\na,m1,x\nb,m1\n")
                                      << QStringLiteral(":3: expected 3 columns");
    QTest::newRow("badJson") << QStringLiteral("bad.jsonl") << QByteArray("{\"id\": \"a\", \"labels\": {\"m\": \"x\"}}\n{oops\n")
                             << QStringLiteral(":2: invalid JSON");
    QTest::newRow("missingFile") << QStringLiteral("") << QByteArray() << QStringLiteral(": no such file");
    QTest::newRow("emptyFile") << QStringLiteral("empty.csv") << QByteArray() << QStringLiteral(": no annotations found");
    QTest::newRow("headerOnly") << QStringLiteral("header.csv") << QByteArray("\xEF\xBB\xBFitem;annotator;label\r\n")
                                << QStringLiteral(": no annotations found");
    QTest::newRow("ambiguousDelimiter")
        << QStringLiteral("amb.csv") << QByteArray("a;b,c\n")
        << QStringLiteral(": cannot tell the delimiter: the first line reads as comma-separated (2 columns) or "
                          "semicolon-separated (2 columns); pass --delimiter comma or --delimiter semicolon");
    // "item,annotator,label\n" is 21 bytes, "q1,m1,caf" 9 more: 0xE9 at 30.
    QTest::newRow("latin1") << QStringLiteral("latin1.csv") << QByteArray("item,annotator,label\nq1,m1,caf\xE9\n")
                            << QStringLiteral(":2: invalid UTF-8 at byte offset 30 (0xE9); save the file as UTF-8");
}

void TestCli::failedImportIntoNewProjectLeavesNothing()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, content);
    QFETCH(QString, message);
    const QString file = name.isEmpty() ? path(QStringLiteral("does-not-exist.csv")) : path(name);
    if (!name.isEmpty())
        QVERIFY(writeFile(file, content));
    const QString project = path(QStringLiteral("new.chorus"));
    expectCliError(run({QStringLiteral("import"), project, file}), 1, file + message);
    QVERIFY(!chorus::model::ProjectStore::projectExists(project));
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        QVERIFY2(!QFileInfo::exists(project + QLatin1String(suffix)), suffix);
}

void TestCli::failedImportIntoExistingProjectKeepsIt()
{
    const QString project = path(QStringLiteral("p.chorus"));
    CLI_OK(run({QStringLiteral("import"), project, testData(QStringLiteral("tiny_long.csv"))}));
    const QStringList before = dumpProjectFile(project);
    const QString bad = path(QStringLiteral("dup.csv"));
    QVERIFY(writeFile(bad, "item,annotator,label\nnew1,m9,cat\ni1,alice,dog\n"));
    expectCliError(run({QStringLiteral("import"), project, bad}), 1,
                bad + QStringLiteral(":3: item \"i1\" already has a label from annotator \"alice\""));
    QVERIFY(chorus::model::ProjectStore::projectExists(project));
    QCOMPARE(dumpProjectFile(project), before);
}

void TestCli::refusedProjects_data()
{
    QTest::addColumn<QByteArray>("content");  // empty: no file
    QTest::addColumn<QString>("message");
    QTest::newRow("missingProject") << QByteArray() << QStringLiteral("no such project");
    QTest::newRow("notAProject") << QByteArray("item,annotator,label\n") << QStringLiteral("not a Chorus project");
}

void TestCli::refusedProjects()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, message);
    const QString project = path(QStringLiteral("x.chorus"));
    if (!content.isEmpty() && onServer())
        QSKIP("about files");
    if (!content.isEmpty())
        QVERIFY(writeFile(project, content));
    expectCliError(run({QStringLiteral("info"), project, QStringLiteral("--json")}), 1, message);
    expectCliError(run({QStringLiteral("export"), project, path(QStringLiteral("o.csv"))}), 1, message);
    QVERIFY(!QFileInfo::exists(path(QStringLiteral("o.csv"))));
    QCOMPARE(fileBytes(project), content);  // neither created nor modified
    QVERIFY(content.isEmpty() == !chorus::model::ProjectStore::projectExists(project));
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
