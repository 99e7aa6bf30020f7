// Import of malformed input: every case stops with "file:line: problem" and leaves the project
// exactly as it was (every table and the main file's bytes compared); cancel writes nothing.
// The expected messages and line numbers are derived by hand from the small files written in
// each case.

#include "importhelpers.h"

#include "importer.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace chorus::model;
using namespace chorus::test;

class TestImportErrors : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void malformed_data();
    void malformed();
    void cancelAtEnd();
    void cancelMidway();

private:
    QString path(const QString& name) const { return m_dir->filePath(name); }
    QString write(const QString& name, const QByteArray& content)
    {
        const QString p = path(name);
        if (!writeFile(p, content))
            qFatal("cannot write %s", qPrintable(p));
        return p;
    }
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestImportErrors::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

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
    QTest::newRow("nothingToImportJsonl") << QStringLiteral("jsonl") << QByteArray("{\"id\": \"n1\", \"text\": \"hi\"}\n") << none
                                          << none << open << data << 1
                                          << QStringLiteral("item \"n1\" has none of \"labels\", \"probs\", \"human_counts\"");
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

    // A project that already holds data, so that "unchanged" means something.
    const QString project = path(QStringLiteral("p.chorus"));
    {
        ProjectStore s;
        s.open(project, ProjectStore::Mode::CreateNew);
        importFile(s, write(QStringLiteral("base.csv"), "item,annotator,label\nbase1,m1,yes\nbase1,m2,no\nbase2,m1,yes\n"));
    }
    const QStringList rowsBefore = dumpProjectFile(project);
    const QByteArray bytesBefore = fileBytes(project);
    QVERIFY(rowsBefore.size() > 20);

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
    {
        ProjectStore s;
        s.open(project);
        try {
            importFile(s, file, o);
            QFAIL("the import must fail");
        } catch (const CanceledError&) {
            QFAIL("not a cancel");
        } catch (const Error& e) {
            QVERIFY2(e.message().startsWith(prefix), qPrintable(QStringLiteral("expected prefix \"%1\" in: %2").arg(prefix, e.message())));
            QVERIFY2(e.message().contains(problem), qPrintable(QStringLiteral("expected \"%1\" in: %2").arg(problem, e.message())));
        }
        // The same connection can go on working after the failed import.
        QCOMPARE(s.info().annotations, 3);
    }
    QCOMPARE(dumpProjectFile(project), rowsBefore);
    QCOMPARE(fileBytes(project), bytesBefore);
}

// ---------------------------------------------------------------------------------------------
// Cancel

void TestImportErrors::cancelAtEnd()
{
    // A small file is read before the first periodic poll; the final poll still cancels.
    const QString project = path(QStringLiteral("p.chorus"));
    {
        ProjectStore s;
        s.open(project, ProjectStore::Mode::CreateNew);
        importFile(s, testData(QStringLiteral("tiny.jsonl")));
    }
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
    {
        ProjectStore s;
        s.open(project, ProjectStore::Mode::CreateNew);
        importFile(s, testData(QStringLiteral("tiny_long.csv")));
    }
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

QTEST_GUILESS_MAIN(TestImportErrors)
#include "tst_importerrors.moc"
