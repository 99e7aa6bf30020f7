// Import: every format, label normalisation and the real datasets in ../shared/data. Malformed
// input and cancel are in tst_importerrors.cpp.
//
// Expected values are written out by hand for the small files in tests/data/import (the
// derivation is next to each expectation), and for the real files they come from a separate
// simple parse of the same file in this test (QJsonDocument / split(',')) and from the
// published counts in ../shared/README.md and ../shared/reference.

#include "expecterror.h"
#include "importhelpers.h"

#include "importer.h"
#include "snapshot.h"

#include <QDir>
#include <QSqlError>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

using namespace chorus::model;
using namespace chorus::test;


class TestImport : public ImportTestBase
{
    Q_OBJECT

private slots:

    void formats_data();
    void formats();
    void jsonlContent();
    void longCsvContent();
    void wideCsvContent();
    void chaosNliContent();
    void labelStudioContent();
    void longCsvHeaders_data();
    void longCsvHeaders();
    void detectFormat_data();
    void detectFormat();

    void normalisation_data();
    void normalisation();
    void labelMapTargetMatchesExistingLabel();
    void closedLabelSetKeepsLabels();
    void reservedLabelRefused();
    void probabilitiesWithinTolerance();
    void annotatorKind();
    void secondImportAddsToProject();
    void foreignKeysBackOnAfterImport();



};

// ---------------------------------------------------------------------------------------------
// Every format

void TestImport::formats_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("format");  // "" = detect
    QTest::addColumn<QString>("gold");
    QTest::addColumn<QStringList>("labels");  // --labels
    QTest::addColumn<qint64>("items");
    QTest::addColumn<qint64>("annotations");
    QTest::addColumn<qint64>("invalid");
    QTest::addColumn<qint64>("goldCount");
    QTest::addColumn<qint64>("humanCounts");
    QTest::addColumn<int>("annotators");
    QTest::addColumn<QStringList>("labelSet");  // in project order

    // q1 (3 labels), q2 (3, one INVALID: "I think it is negative" is not in the closed set),
    // q3 (1 label + 1 probs-only), item 4 (counts only).
    QTest::newRow("jsonl") << testData(QStringLiteral("tiny.jsonl")) << QString() << QString() << QStringList()
                           << qint64(4) << qint64(8) << qint64(1) << qint64(2) << qint64(2) << 3
                           << QStringList{QStringLiteral("pos"), QStringLiteral("neg"), QStringLiteral("neu")};
    // 7 data rows over 4 items; two empty labels are INVALID; gold for i1 and "i,3". Labels in
    // canonical order, sorted by name (first seen as cat, dog, bird, fish; "Cat." folds onto "cat").
    QTest::newRow("longCsv") << testData(QStringLiteral("tiny_long.csv")) << QString()
                             << testData(QStringLiteral("tiny_long_gold.csv")) << QStringList() << qint64(4)
                             << qint64(7) << qint64(2) << qint64(2) << qint64(0) << 3
                             << QStringList{QStringLiteral("bird"), QStringLiteral("cat"), QStringLiteral("dog"),
                                            QStringLiteral("fish")};
    // 3 items x 3 annotators with 3 empty cells = 6 annotations; "maybe" is outside --labels.
    QTest::newRow("wideCsvWithHeader")
        << testData(QStringLiteral("tiny_wide.csv")) << QString() << QString()
        << QStringList{QStringLiteral("pos"), QStringLiteral("neg"), QStringLiteral("neu")} << qint64(3) << qint64(6)
        << qint64(1) << qint64(0) << qint64(0) << 3
        << QStringList{QStringLiteral("pos"), QStringLiteral("neg"), QStringLiteral("neu")};
    // MACE: no header, 3 rows x 4 columns with 3 empty cells = 9 annotations. "1" comes first in
    // the file; the canonical order sorts.
    QTest::newRow("wideCsvMace") << testData(QStringLiteral("tiny_wide_mace.csv")) << QStringLiteral("wide-csv")
                                 << QString() << QStringList() << qint64(3) << qint64(9) << qint64(0) << qint64(0)
                                 << qint64(0) << 4 << QStringList{QStringLiteral("0"), QStringLiteral("1")};
    // Two items with human counts only; the counters list e, n, then c; stored sorted.
    QTest::newRow("chaosnli") << testData(QStringLiteral("tiny_chaosnli.jsonl")) << QString() << QString()
                              << QStringList() << qint64(2) << qint64(0) << qint64(0) << qint64(0) << qint64(2) << 0
                              << QStringList{QStringLiteral("c"), QStringLiteral("e"), QStringLiteral("n")};
    // Task 101: 2 predictions + 2 annotations; task 102: 2 predictions (one without a choice:
    // INVALID), one cancelled and one empty annotation (both skipped).
    QTest::newRow("labelstudio") << testData(QStringLiteral("tiny_labelstudio.json")) << QString() << QString()
                                 << QStringList() << qint64(2) << qint64(6) << qint64(1) << qint64(0) << qint64(0) << 4
                                 << QStringList{QStringLiteral("Negative"), QStringLiteral("Neutral"),
                                                QStringLiteral("Positive")};
}

void TestImport::formats()
{
    QFETCH(QString, file);
    QFETCH(QString, format);
    QFETCH(QString, gold);
    QFETCH(QStringList, labels);
    QFETCH(qint64, items);
    QFETCH(qint64, annotations);
    QFETCH(qint64, invalid);
    QFETCH(qint64, goldCount);
    QFETCH(qint64, humanCounts);
    QFETCH(int, annotators);
    QFETCH(QStringList, labelSet);

    const QString project = path(QStringLiteral("p.chorus"));
    ImportOptions o;
    o.format = format;
    o.goldFile = gold;
    o.labels = labels;
    const ImportReport r = importNew(project, file, o);
    QCOMPARE(r.itemsAdded, items);
    QCOMPARE(r.annotations, annotations);
    QCOMPARE(r.invalid, invalid);
    QCOMPARE(r.gold, goldCount);
    QCOMPARE(r.humanCounts, humanCounts);
    QCOMPARE(r.newAnnotators.size(), annotators);

    // The same numbers in the file, counted by SQL through a separate connection.
    const QStringList counts = queryRows(
        project, QStringLiteral("SELECT (SELECT COUNT(*) FROM items), (SELECT COUNT(*) FROM annotations), "
                                "(SELECT COUNT(*) FROM annotations WHERE label_id IS NULL), (SELECT COUNT(*) FROM gold), "
                                "(SELECT COUNT(DISTINCT item_id) FROM human_counts), (SELECT COUNT(*) FROM annotators)"));
    QCOMPARE(counts, QStringList{QStringLiteral("%1|%2|%3|%4|%5|%6")
                                     .arg(items)
                                     .arg(annotations)
                                     .arg(invalid)
                                     .arg(goldCount)
                                     .arg(humanCounts)
                                     .arg(annotators)});
    QCOMPARE(labelsOf(project), labelSet);
}

void TestImport::jsonlContent()
{
    const QString project = path(QStringLiteral("p.chorus"));
    const ImportReport r = importNew(project, testData(QStringLiteral("tiny.jsonl")));
    QCOMPARE(r.format, QStringLiteral("jsonl"));
    QCOMPARE(r.invalidByAnnotator, (QMap<QString, qint64>{{QStringLiteral("llama-3-8b"), 1}}));
    // Labels are normalised ("Neg." -> neg, " pos\n" -> pos, "**NEG**" -> neg) with the raw
    // output kept where it differs; the unmappable sentence is INVALID with its raw kept; the
    // probs-only annotator of q3 gets the most probable label (neu, 0.7).
    QCOMPARE(annotationRows(project),
             (QStringList{
                 QStringLiteral("q1|gpt-4o|pos|<null>"),
                 QStringLiteral("q1|llama-3-8b|neg|Neg."),
                 QStringLiteral("q1|mistral-7b|pos| pos\\n"),
                 QStringLiteral("q2|gpt-4o|neg|<null>"),
                 QStringLiteral("q2|llama-3-8b|INVALID|I think it is negative"),
                 QStringLiteral("q2|mistral-7b|neg|**NEG**"),
                 QStringLiteral("q3|gpt-4o|neu|<null>"),
                 QStringLiteral("q3|llama-3-8b|neu|<null>"),
             }));
    // Items: numeric id 4 becomes "4"; text with an escaped quote; meta as JSON.
    QCOMPARE(queryRows(project, QStringLiteral("SELECT ext_id, text FROM items")),
             (QStringList{QStringLiteral("4|"), QStringLiteral("q1|Great product, works as advertised."),
                          QStringLiteral("q2|Broke after two days, \"refund\" please."),
                          QStringLiteral("q3|It is a phone.")}));
    const QStringList meta = queryRows(project, QStringLiteral("SELECT meta FROM items WHERE ext_id = 'q1'"));
    QCOMPARE(meta.size(), 1);
    QCOMPARE(QJsonDocument::fromJson(meta[0].toUtf8()).object(),
             (QJsonObject{{QStringLiteral("source"), QStringLiteral("web")}, {QStringLiteral("rank"), 3}}));
    QCOMPARE(queryRows(project, QStringLiteral("SELECT COUNT(*) FROM items WHERE meta IS NULL")), QStringList{QStringLiteral("3")});
    // Probabilities and scores.
    const QStringList probs = queryRows(
        project, QStringLiteral("SELECT i.ext_id, a.name, n.probs FROM annotations n JOIN items i ON i.id = n.item_id "
                                "JOIN annotators a ON a.id = n.annotator_id WHERE n.probs IS NOT NULL"));
    QCOMPARE(probs.size(), 2);
    auto probsOf = [&](const QString& prefix) {
        for (const QString& p : probs)
            if (p.startsWith(prefix))
                return QJsonDocument::fromJson(p.mid(prefix.size()).toUtf8()).object();
        return QJsonObject();
    };
    QCOMPARE(probsOf(QStringLiteral("q1|gpt-4o|")),
             (QJsonObject{{QStringLiteral("pos"), 0.8}, {QStringLiteral("neg"), 0.15}, {QStringLiteral("neu"), 0.05}}));
    QCOMPARE(probsOf(QStringLiteral("q3|llama-3-8b|")),
             (QJsonObject{{QStringLiteral("pos"), 0.2}, {QStringLiteral("neg"), 0.1}, {QStringLiteral("neu"), 0.7}}));
    {
        // The snapshot marks the annotators with probabilities (on this engine's load path):
        // gpt-4o (q1) and llama-3-8b (q3, where it gave no label), not mistral-7b.
        ProjectStore store;
        store.open(project);
        const Snapshot snap = loadSnapshot(store);
        QStringList with;
        for (qsizetype a = 0; a < snap.annotators.size(); ++a)
            if (snap.annotatorHasProbabilities.at(static_cast<size_t>(a)))
                with << snap.annotators[a];
        with.sort();
        QCOMPARE(with, (QStringList{QStringLiteral("gpt-4o"), QStringLiteral("llama-3-8b")}));
    }
    QCOMPARE(queryRows(project, QStringLiteral("SELECT i.ext_id, n.score FROM annotations n JOIN items i ON "
                                               "i.id = n.item_id WHERE n.score IS NOT NULL")),
             QStringList{QStringLiteral("q1|0.42")});
    QCOMPARE(queryRows(project, QStringLiteral("SELECT i.ext_id, l.name FROM gold g JOIN items i ON i.id = g.item_id "
                                               "JOIN labels l ON l.id = g.label_id")),
             (QStringList{QStringLiteral("q1|pos"), QStringLiteral("q2|neg")}));
    QCOMPARE(queryRows(project, QStringLiteral("SELECT i.ext_id, l.name, h.count FROM human_counts h JOIN items i "
                                               "ON i.id = h.item_id JOIN labels l ON l.id = h.label_id")),
             (QStringList{QStringLiteral("4|neu|3"), QStringLiteral("4|pos|1"), QStringLiteral("q1|neg|39"),
                          QStringLiteral("q1|pos|61")}));
    // label_set closed the set.
    QCOMPARE(queryRows(project, QStringLiteral("SELECT value FROM meta WHERE key = 'label_set_closed'")),
             QStringList{QStringLiteral("1")});
    QCOMPARE(queryRows(project, QStringLiteral("SELECT DISTINCT kind FROM annotators")), QStringList{QStringLiteral("llm")});
}

void TestImport::longCsvContent()
{
    const QString project = path(QStringLiteral("p.chorus"));
    ImportOptions o;
    o.goldFile = testData(QStringLiteral("tiny_long_gold.csv"));
    const ImportReport r = importNew(project, testData(QStringLiteral("tiny_long.csv")), o);
    QCOMPARE(r.format, QStringLiteral("long-csv"));
    QCOMPARE(r.invalidByAnnotator,
             (QMap<QString, qint64>{{QStringLiteral("alice"), 1}, {QStringLiteral("carol"), 1}}));
    // The quoted item id holds a comma; the quoted label a newline (folded, raw kept). Empty
    // labels are INVALID with raw "".
    QCOMPARE(annotationRows(project), (QStringList{
                                          QStringLiteral("i,3|bob|bird|bird\\n"),
                                          QStringLiteral("i1|alice|cat|<null>"),
                                          QStringLiteral("i1|bob|cat|Cat."),
                                          QStringLiteral("i2|alice|dog|<null>"),
                                          QStringLiteral("i2|carol|INVALID|"),
                                          QStringLiteral("i4|alice|INVALID|"),
                                          QStringLiteral("i4|carol|fish|<null>"),
                                      }));
    QCOMPARE(queryRows(project, QStringLiteral("SELECT i.ext_id, l.name FROM gold g JOIN items i ON i.id = g.item_id "
                                               "JOIN labels l ON l.id = g.label_id")),
             (QStringList{QStringLiteral("i,3|bird"), QStringLiteral("i1|cat")}));
    QCOMPARE(queryRows(project, QStringLiteral("SELECT ext_id, text FROM items")),
             (QStringList{QStringLiteral("i,3|"), QStringLiteral("i1|"), QStringLiteral("i2|"), QStringLiteral("i4|")}));
}

void TestImport::wideCsvContent()
{
    {
        const QString project = path(QStringLiteral("header.chorus"));
        ImportOptions o;
        o.labels = QStringList{QStringLiteral("pos"), QStringLiteral("neg"), QStringLiteral("neu")};
        importNew(project, testData(QStringLiteral("tiny_wide.csv")), o);
        // Header "item,m1,m2,m3": the first column is the id, the others name annotators.
        QCOMPARE(annotationRows(project), (QStringList{
                                              QStringLiteral("a|m1|pos|<null>"),
                                              QStringLiteral("a|m2|neg|<null>"),
                                              QStringLiteral("b|m2|pos|<null>"),
                                              QStringLiteral("b|m3|pos|<null>"),
                                              QStringLiteral("c|m1|neu|<null>"),
                                              QStringLiteral("c|m3|INVALID|maybe"),
                                          }));
    }
    {
        const QString project = path(QStringLiteral("mace.chorus"));
        importNew(project, testData(QStringLiteral("tiny_wide_mace.csv")));
        // No header: items are numbered from 0 by row, annotators a1..a4 by column.
        QCOMPARE(annotationRows(project), (QStringList{
                                              QStringLiteral("0|a1|1|<null>"),
                                              QStringLiteral("0|a2|0|<null>"),
                                              QStringLiteral("0|a4|1|<null>"),
                                              QStringLiteral("1|a1|0|<null>"),
                                              QStringLiteral("1|a2|0|<null>"),
                                              QStringLiteral("1|a3|1|<null>"),
                                              QStringLiteral("2|a2|1|<null>"),
                                              QStringLiteral("2|a3|1|<null>"),
                                              QStringLiteral("2|a4|1|<null>"),
                                          }));
    }
}

void TestImport::chaosNliContent()
{
    const QString project = path(QStringLiteral("p.chorus"));
    importNew(project, testData(QStringLiteral("tiny_chaosnli.jsonl")));
    QCOMPARE(queryRows(project, QStringLiteral("SELECT i.ext_id, l.name, h.count FROM human_counts h JOIN items i "
                                               "ON i.id = h.item_id JOIN labels l ON l.id = h.label_id")),
             (QStringList{QStringLiteral("u1|e|30"), QStringLiteral("u1|n|70"), QStringLiteral("u2|c|55"),
                          QStringLiteral("u2|e|1"), QStringLiteral("u2|n|44")}));
    QCOMPARE(queryRows(project, QStringLiteral("SELECT ext_id, text FROM items")),
             (QStringList{QStringLiteral("u1|Premise: A man plays a guitar on stage.\\nHypothesis: A person makes music."),
                          QStringLiteral("u2|Only a context here.")}));
    const QStringList meta = queryRows(project, QStringLiteral("SELECT meta FROM items WHERE ext_id = 'u1'"));
    QCOMPARE(QJsonDocument::fromJson(meta.value(0).toUtf8()).object(),
             (QJsonObject{{QStringLiteral("majority_label"), QStringLiteral("n")},
                          {QStringLiteral("old_label"), QStringLiteral("e")},
                          {QStringLiteral("source"), QStringLiteral("snli_agree_3")}}));
}

void TestImport::labelStudioContent()
{
    const QString project = path(QStringLiteral("p.chorus"));
    importNew(project, testData(QStringLiteral("tiny_labelstudio.json")));
    QCOMPARE(annotationRows(project), (QStringList{
                                          QStringLiteral("101|ana@example.org|Positive|<null>"),
                                          QStringLiteral("101|gpt-4o|Positive|<null>"),
                                          QStringLiteral("101|llama-3-8b|Neutral|<null>"),
                                          QStringLiteral("101|user-9|Positive|<null>"),
                                          QStringLiteral("ext-102|gpt-4o|Negative|<null>"),
                                          QStringLiteral("ext-102|llama-3-8b|INVALID|INVALID"),
                                      }));
    // Predictions are LLM annotators, completed annotations human ones.
    QCOMPARE(queryRows(project, QStringLiteral("SELECT name, kind FROM annotators")),
             (QStringList{QStringLiteral("ana@example.org|human"), QStringLiteral("gpt-4o|llm"),
                          QStringLiteral("llama-3-8b|llm"), QStringLiteral("user-9|human")}));
    QCOMPARE(queryRows(project, QStringLiteral("SELECT i.ext_id, n.score FROM annotations n JOIN items i ON "
                                               "i.id = n.item_id WHERE n.score IS NOT NULL")),
             (QStringList{QStringLiteral("101|0.93"), QStringLiteral("ext-102|0.88")}));
    // data.text, else the first string field of data.
    QCOMPARE(queryRows(project, QStringLiteral("SELECT ext_id, text FROM items")),
             (QStringList{QStringLiteral("101|The update fixed my issue."), QStringLiteral("ext-102|Still crashes on start.")}));
}

void TestImport::longCsvHeaders_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("format");
    QTest::newRow("itemAnnotatorLabel") << QByteArray("item,annotator,label\nt1,w1,0\nt1,w2,1\nt2,w1,1\n") << QString();
    QTest::newRow("crowdKitTaskWorker") << QByteArray("task,worker,label\nt1,w1,0\nt1,w2,1\nt2,w1,1\n") << QString();
    QTest::newRow("crowdKitTaskPerformer") << QByteArray("task,performer,label\nt1,w1,0\nt1,w2,1\nt2,w1,1\n") << QString();
    QTest::newRow("crlfAndByteOrderMark")
        << QByteArray("\xEF\xBB\xBFitem,annotator,label\r\nt1,w1,0\r\nt1,w2,1\r\nt2,w1,1\r\n") << QString();
    QTest::newRow("noHeaderNamedFormat") << QByteArray("t1,w1,0\nt1,w2,1\nt2,w1,1\n") << QStringLiteral("long-csv");
}

void TestImport::longCsvHeaders()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, format);
    const QString file = write(QStringLiteral("answers.csv"), content);
    const QString project = path(QStringLiteral("p.chorus"));
    ImportOptions o;
    o.format = format;
    const ImportReport r = importNew(project, file, o);
    QCOMPARE(r.format, QStringLiteral("long-csv"));
    QCOMPARE(annotationRows(project), (QStringList{QStringLiteral("t1|w1|0|<null>"), QStringLiteral("t1|w2|1|<null>"),
                                                   QStringLiteral("t2|w1|1|<null>")}));
}

void TestImport::detectFormat_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("expected");  // the format, or what the refusal must say
    QTest::newRow("jsonlByExtension") << QStringLiteral("a.jsonl") << QByteArray("{\"id\":\"1\",\"labels\":{}}\n")
                                      << QStringLiteral("jsonl");
    QTest::newRow("ndjsonByExtension") << QStringLiteral("a.ndjson") << QByteArray("{\"id\":\"1\"}\n") << QStringLiteral("jsonl");
    QTest::newRow("chaosNliByLabelCounter")
        << QStringLiteral("a.jsonl") << QByteArray("{\"uid\":\"u\",\"label_counter\":{\"e\":1}}\n") << QStringLiteral("chaosnli");
    QTest::newRow("labelStudioArray") << QStringLiteral("export.json") << QByteArray("\n  [ {\"id\": 1} ]")
                                      << QStringLiteral("labelstudio");
    QTest::newRow("jsonObjectPerLine") << QStringLiteral("a.json") << QByteArray("{\"id\":\"1\"}\n") << QStringLiteral("jsonl");
    QTest::newRow("jsonlWithByteOrderMark") << QStringLiteral("a.json") << QByteArray("\xEF\xBB\xBF[{\"id\": 1}]")
                                            << QStringLiteral("labelstudio");
    QTest::newRow("longCsvByHeader") << QStringLiteral("a.csv") << QByteArray("item,annotator,label\n1,a,x\n")
                                     << QStringLiteral("long-csv");
    QTest::newRow("crowdKitHeader") << QStringLiteral("a.csv") << QByteArray("task,worker,label\n1,a,x\n")
                                    << QStringLiteral("long-csv");
    QTest::newRow("semicolonLongCsv") << QStringLiteral("a.csv") << QByteArray("item;annotator;label\n1;a;x\n")
                                      << QStringLiteral("long-csv");
    QTest::newRow("tsvLongCsv") << QStringLiteral("a.tsv") << QByteArray("item\tannotator\tlabel\n1\ta\tx\n")
                                << QStringLiteral("long-csv");
    // An extra column used to make this a wide CSV ("item q1 appears twice").
    QTest::newRow("extraColumnLongCsv") << QStringLiteral("a.csv") << QByteArray("task,worker,label,extra\nq1,w1,a,x\nq1,w2,b,y\n")
                                        << QStringLiteral("long-csv");
    QTest::newRow("anyOrderLongCsv") << QStringLiteral("a.csv") << QByteArray("label,rater,question\nx,a,1\n")
                                     << QStringLiteral("long-csv");
    QTest::newRow("utf16LongCsv") << QStringLiteral("a.txt") << QByteArray("\xFF\xFEi\0d\0,\0j\0u\0d\0g\0e\0,\0c\0l\0a\0s\0s\0\n\0", 32)
                                  << QStringLiteral("long-csv");
    QTest::newRow("otherCsvIsWide") << QStringLiteral("a.csv") << QByteArray("1,0,,1\n") << QStringLiteral("wide-csv");
    QTest::newRow("semicolonWide") << QStringLiteral("a.csv") << QByteArray("item;m1;m2\na;x;y\n") << QStringLiteral("wide-csv");
    QTest::newRow("unknownExtensionRefused") << QStringLiteral("a.xlsx") << QByteArray("PK") << QStringLiteral("--format");
    QTest::newRow("ambiguousDelimiterRefused") << QStringLiteral("a.csv") << QByteArray("a;b,c\n") << QStringLiteral("--delimiter");
    QTest::newRow("utf32Refused") << QStringLiteral("a.jsonl") << QByteArray("\xFF\xFE\0\0{\0\0\0", 8) << QStringLiteral("UTF-32 LE");
}

void TestImport::detectFormat()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, content);
    QFETCH(QString, expected);
    const QString file = write(name, content);
    if (!importFormats().contains(expected)) {
        try {
            chorus::model::detectFormat(file);
            QFAIL("expected a refusal");
        } catch (const Error& e) {
            QVERIFY2(e.message().startsWith(file) && e.message().contains(expected), qPrintable(e.message()));
        }
    } else {
        QCOMPARE(chorus::model::detectFormat(file), expected);
    }
}

// ---------------------------------------------------------------------------------------------
// Label normalisation

void TestImport::normalisation_data()
{
    // The label set is closed to the six emotions (as the prompt's options) and the label map
    // is the dataset's own label_options.csv (A -> Fear, B -> Anger, ...).
    QTest::addColumn<QString>("raw");
    QTest::addColumn<QString>("label");  // "INVALID" for none
    QTest::newRow("letterViaLabelMap") << QStringLiteral("A") << QStringLiteral("Fear");
    QTest::newRow("lowercaseLetterViaLabelMap") << QStringLiteral("b") << QStringLiteral("Anger");
    QTest::newRow("letterWithPeriodViaLabelMap") << QStringLiteral("C.") << QStringLiteral("Joy");
    QTest::newRow("trailingPeriod") << QStringLiteral("Fear.") << QStringLiteral("Fear");
    QTest::newRow("surroundingWhitespaceAndNewline") << QStringLiteral(" fear\n") << QStringLiteral("Fear");
    QTest::newRow("markdownBold") << QStringLiteral("**Joy**") << QStringLiteral("Joy");
    QTest::newRow("quotedAndExclaimed") << QStringLiteral("\"SADNESS!\"") << QStringLiteral("Sadness");
    QTest::newRow("bracketed") << QStringLiteral("[Love]") << QStringLiteral("Love");
    QTest::newRow("exactLabel") << QStringLiteral("Surprise") << QStringLiteral("Surprise");
    QTest::newRow("sentenceIsInvalid") << QStringLiteral("The emotion is fear") << QStringLiteral("INVALID");
    QTest::newRow("otherWordIsInvalid") << QStringLiteral("Disgust") << QStringLiteral("INVALID");
    QTest::newRow("unmappedLetterIsInvalid") << QStringLiteral("G") << QStringLiteral("INVALID");
    QTest::newRow("emptyIsInvalid") << QString(QLatin1String("")) << QStringLiteral("INVALID");
    QTest::newRow("literalInvalid") << QStringLiteral("INVALID") << QStringLiteral("INVALID");
}

void TestImport::normalisation()
{
    QFETCH(QString, raw);
    QFETCH(QString, label);
    QJsonObject line{{QStringLiteral("id"), QStringLiteral("x")},
                     {QStringLiteral("labels"), QJsonObject{{QStringLiteral("m"), raw}}}};
    const QString file = write(QStringLiteral("one.jsonl"), QJsonDocument(line).toJson(QJsonDocument::Compact) + '\n');
    const QString project = path(QStringLiteral("p.chorus"));
    ImportOptions o;
    o.labels = QStringList{QStringLiteral("Anger"), QStringLiteral("Fear"), QStringLiteral("Joy"),
                           QStringLiteral("Love"), QStringLiteral("Sadness"), QStringLiteral("Surprise")};
    o.labelMapFile = shared(QStringLiteral("data/llm/emotion/label_options.csv"));
    const ImportReport r = importNew(project, file, o);
    QCOMPARE(r.annotations, 1);
    const bool invalid = label == QLatin1String("INVALID");
    QCOMPARE(r.invalid, invalid ? 1 : 0);
    QCOMPARE(r.invalidByAnnotator.value(QStringLiteral("m")), invalid ? 1 : 0);
    // Raw is kept whenever it differs from the label (always for INVALID, "" included).
    const QString expectedRaw = (!invalid && raw == label) ? QStringLiteral("<null>") : shown(raw);
    QCOMPARE(annotationRows(project), QStringList{QStringLiteral("x|m|%1|%2").arg(label, expectedRaw)});
    // The label set did not grow.
    QCOMPARE(labelsOf(project), o.labels);
}

void TestImport::labelMapTargetMatchesExistingLabel()
{
    // A label map whose targets differ in case/punctuation from the labels already in the
    // project maps onto those labels; it does not add "fear" next to "Fear".
    const QString project = path(QStringLiteral("p.chorus"));
    {
        ProjectStore s;
        s.open(project, ProjectStore::Mode::CreateNew);
        importFile(s, write(QStringLiteral("first.csv"), "item,annotator,label\n1,m1,Fear\n2,m1,Joy\n"));
        ImportOptions o;
        o.labelMapFile = write(QStringLiteral("map.csv"), "raw,label\nA,fear\nB,joy.\nN/A,INVALID\n");
        const ImportReport r =
            importFile(s, write(QStringLiteral("second.csv"), "item,annotator,label\n1,m2,A\n2,m2,B\n3,m2,n/a\n"), o);
        QCOMPARE(r.newLabels, QStringList());
        QCOMPARE(r.invalid, 1);  // "n/a" maps to INVALID explicitly
    }
    QCOMPARE(labelsOf(project), (QStringList{QStringLiteral("Fear"), QStringLiteral("Joy")}));
    QCOMPARE(annotationRows(project), (QStringList{
                                          QStringLiteral("1|m1|Fear|<null>"),
                                          QStringLiteral("1|m2|Fear|A"),
                                          QStringLiteral("2|m1|Joy|<null>"),
                                          QStringLiteral("2|m2|Joy|B"),
                                          QStringLiteral("3|m2|INVALID|n/a"),
                                      }));
}

void TestImport::closedLabelSetKeepsLabels()
{
    // Once closed (here by --labels on the first import), later imports map unknown outputs to
    // INVALID instead of adding labels.
    const QString project = path(QStringLiteral("p.chorus"));
    ProjectStore s;
    s.open(project, ProjectStore::Mode::CreateNew);
    ImportOptions o;
    o.labels = QStringList{QStringLiteral("yes"), QStringLiteral("no")};
    importFile(s, write(QStringLiteral("a.csv"), "item,annotator,label\n1,m1,yes\n"), o);
    const ImportReport r = importFile(s, write(QStringLiteral("b.csv"), "item,annotator,label\n1,m2,maybe\n2,m2,No\n"));
    QCOMPARE(r.invalid, 1);
    QCOMPARE(r.newLabels, QStringList());
    QCOMPARE(s.labelNames(), o.labels);
}

void TestImport::reservedLabelRefused()
{
    const QString project = path(QStringLiteral("p.chorus"));
    ProjectStore s;
    s.open(project, ProjectStore::Mode::CreateNew);
    const QStringList before = dumpProjectFile(project);
    ImportOptions o;
    o.labels = QStringList{QStringLiteral("yes"), QStringLiteral("INVALID")};
    EXPECT_ERROR(importFile(s, write(QStringLiteral("a.csv"), "item,annotator,label\n1,m1,yes\n"), o), QLatin1String("reserved"));
    QCOMPARE(dumpProjectFile(project), before);
}

void TestImport::probabilitiesWithinTolerance()
{
    // 0.5 + 0.5000005 = 1 + 5e-7: inside the 1e-6 tolerance (the malformed test has 2e-6).
    const QString project = path(QStringLiteral("p.chorus"));
    const ImportReport r = importNew(
        project, write(QStringLiteral("p.jsonl"), "{\"id\":\"a\",\"probs\":{\"m\":{\"yes\":0.5,\"no\":0.5000005}}}\n"));
    QCOMPARE(r.annotations, 1);
    // Argmax: no (0.5000005 > 0.5).
    QCOMPARE(annotationRows(project), QStringList{QStringLiteral("a|m|no|<null>")});
}

void TestImport::annotatorKind()
{
    const QString project = path(QStringLiteral("p.chorus"));
    ImportOptions o;
    o.kind = AnnotatorKind::Human;
    importNew(project, testData(QStringLiteral("tiny_long.csv")), o);
    QCOMPARE(queryRows(project, QStringLiteral("SELECT DISTINCT kind FROM annotators")), QStringList{QStringLiteral("human")});
}

void TestImport::secondImportAddsToProject()
{
    // Gold for the rte items comes in a second file; annotations of a new annotator on existing
    // items join them; known items are not duplicated.
    const QString project = path(QStringLiteral("p.chorus"));
    ProjectStore s;
    s.open(project, ProjectStore::Mode::CreateNew);
    importFile(s, testData(QStringLiteral("tiny_long.csv")));
    const ImportReport r = importFile(s, write(QStringLiteral("more.csv"), "item,annotator,label\ni1,dave,dog\ni9,dave,cat\n"));
    QCOMPARE(r.itemsAdded, 1);
    QCOMPARE(r.annotations, 2);
    QCOMPARE(r.newAnnotators, QStringList{QStringLiteral("dave")});
    QCOMPARE(s.info().items, 5);
    QCOMPARE(s.info().annotations, 9);
}

// The bulk insert turns SQLite's per-row foreign-key checks off for its transaction (every id
// it writes is one it read or inserted itself); they must be on again afterwards, whether the
// import succeeded or failed, so that every later write is checked.
// On a server the import drops the bulk tables' foreign keys and adds them back in its
// transaction: afterwards the keys must be exactly those of a project that never saw an import.
void TestImport::foreignKeysBackOnAfterImport()
{
    ProjectStore store;
    store.open(path(QStringLiteral("fk.chorus")), ProjectStore::Mode::CreateNew);
    auto keysAreOn = [&](ProjectStore& s) {
        if (!s.isServer())
            return s.scalar(QStringLiteral("PRAGMA foreign_keys")).toInt() == 1;
        auto keys = [](ProjectStore& p) {
            QStringList out;
            QSqlQuery q = p.exec(QStringLiteral("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                                                "FROM pg_constraint WHERE contype = 'f' AND connamespace = "
                                                "current_schema()::regnamespace ORDER BY 1, 2"));
            while (q.next())
                out << q.value(0).toString() + QLatin1Char('|') + q.value(1).toString() + QLatin1Char('|')
                        + q.value(2).toString();
            return out;
        };
        ProjectStore fresh;
        fresh.open(path(QStringLiteral("fresh.chorus")), ProjectStore::Mode::CreateOrOpen);
        const QStringList expected = keys(fresh), actual = keys(s);
        if (actual != expected || expected.size() < 7)
            qWarning() << "keys after import" << actual << "of a new project" << expected;
        return actual == expected && expected.size() >= 7;
    };
    importFile(store, write(QStringLiteral("a.csv"), "item,annotator,label\nq1,m1,yes\nq1,m2,no\n"));
    QVERIFY(keysAreOn(store));
    QVERIFY_THROWS_EXCEPTION(Error, importFile(store, write(QStringLiteral("b.csv"), "item,annotator,label\nq2,m1,yes\nq2,m1,no\n")));
    QVERIFY(keysAreOn(store));
    // And they act: an annotation of an item that does not exist is refused.
    QVERIFY_THROWS_EXCEPTION(Error, store.exec(QStringLiteral("INSERT INTO annotations (item_id, annotator_id, label_id) "
                                                              "VALUES (999, 1, 1)")));
    QCOMPARE(store.info().annotations, 2);
}

QTEST_GUILESS_MAIN(TestImport)
#include "tst_import.moc"
