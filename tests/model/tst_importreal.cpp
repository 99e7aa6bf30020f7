// Import of the real datasets in ../shared/data: counts and contents against a separate simple
// parse of the same files (QJsonDocument / split(',')) and the published counts in
// ../shared/README.md and ../shared/reference.

#include "importhelpers.h"

#include "csvlayout.h"
#include "importer.h"

#include <QJsonArray>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

using namespace chorus::model;
using namespace chorus::test;

class TestImportReal : public ImportTestBase
{
    Q_OBJECT

private slots:
    void initTestCase();
    void realRteLongCsv();
    void realLlmJsonl_data();
    void realLlmJsonl();
    void realLlmLongCsvMatchesJsonl();
    void realLlmLongCsvWithItemsFileMatchesJsonl();
    void realRteSpreadsheetVariants_data();
    void realRteSpreadsheetVariants();
    void realChaosNli();
    void realChaosNliNativeJsonl();

private:
    // The emotion task imported both ways into the two projects whose canonical contents the
    // tests compare: items.jsonl into a.chorus; answers.csv with gold.csv (and `o`) into
    // b.chorus. Returns the second import's report.
    ImportReport importEmotionBothWays(ImportOptions o);
    static QString emotionFile(const QString& name) { return shared(QStringLiteral("data/llm/emotion/") + name); }
};

// Every test here reads ../shared/data.
void TestImportReal::initTestCase()
{
    if (!QFileInfo::exists(shared(QStringLiteral("data"))))
        QSKIP("../shared/data is not available");
}

// ---------------------------------------------------------------------------------------------
// Real data

void TestImportReal::realRteLongCsv()
{
    const QString answers = shared(QStringLiteral("data/rte/answers.csv"));
    const QString gold = shared(QStringLiteral("data/rte/gold.csv"));
    // Independent parse.
    QSet<QString> expected, items, annotators;
    for (const QStringList& row : simpleCsv(answers, true)) {
        expected.insert(QStringLiteral("%1|%2|%3|<null>").arg(row[0], row[1], row[2]));
        items.insert(row[0]);
        annotators.insert(row[1]);
    }
    QSet<QString> expectedGold;
    for (const QStringList& row : simpleCsv(gold, true))
        expectedGold.insert(row[0] + QLatin1Char('|') + row[1]);
    // Published counts (README table and reference/rte.json "stats").
    QCOMPARE(expected.size(), 8000);
    QCOMPARE(items.size(), 800);
    QCOMPARE(annotators.size(), 164);
    QCOMPARE(expectedGold.size(), 800);

    const QString project = path(QStringLiteral("rte.chorus"));
    ImportOptions o;
    o.goldFile = gold;
    const ImportReport r = importNew(project, answers, o);  // format detected from the header
    QCOMPARE(r.format, QStringLiteral("long-csv"));
    QCOMPARE(r.itemsAdded, 800);
    QCOMPARE(r.annotations, 8000);
    QCOMPARE(r.invalid, 0);
    QCOMPARE(r.gold, 800);
    QCOMPARE(r.newAnnotators.size(), 164);
    const QStringList rows = annotationRows(project);
    QCOMPARE(QSet<QString>(rows.begin(), rows.end()), expected);
    const QStringList g = queryRows(project, QStringLiteral("SELECT i.ext_id, l.name FROM gold g JOIN items i ON "
                                                            "i.id = g.item_id JOIN labels l ON l.id = g.label_id"));
    QCOMPARE(QSet<QString>(g.begin(), g.end()), expectedGold);
    const QStringList labels = labelsOf(project);
    QCOMPARE(QSet<QString>(labels.begin(), labels.end()), (QSet<QString>{QStringLiteral("0"), QStringLiteral("1")}));
}

void TestImportReal::realLlmJsonl_data()
{
    QTest::addColumn<QString>("task");
    QTest::addColumn<int>("publishedInvalid");  // reference/llm/<task>.json "invalid"
    QTest::newRow("emotionNoInvalid") << QStringLiteral("emotion") << 0;
    QTest::newRow("convGoAwryOneInvalid") << QStringLiteral("conv_go_awry") << 1;
}

void TestImportReal::realLlmJsonl()
{
    QFETCH(QString, task);
    QFETCH(int, publishedInvalid);
    const QString file = shared(QStringLiteral("data/llm/%1/items.jsonl").arg(task));
    // Independent parse with QJsonDocument.
    QSet<QString> expected, texts, golds, annotators;
    QMap<QString, qint64> invalidBy;
    const QList<QJsonObject> lines = jsonLines(file);
    for (const QJsonObject& o : lines) {
        const QString id = jsonId(o.value(QStringLiteral("id")));
        const QJsonObject labels = o.value(QStringLiteral("labels")).toObject();
        for (auto it = labels.begin(); it != labels.end(); ++it) {
            const QString l = it.value().toString();
            // INVALID in the file is stored as INVALID; its raw is the literal "INVALID".
            expected.insert(QStringLiteral("%1|%2|%3|%4").arg(id, it.key(), l,
                                                              l == QLatin1String("INVALID") ? l : QStringLiteral("<null>")));
            annotators.insert(it.key());
            if (l == QLatin1String("INVALID"))
                ++invalidBy[it.key()];
        }
        texts.insert(id + QLatin1Char('|') + shown(o.value(QStringLiteral("text")).toString()));
        if (o.contains(QStringLiteral("gold")))
            golds.insert(id + QLatin1Char('|') + o.value(QStringLiteral("gold")).toString());
    }
    const QJsonObject ref = [&] {
        QFile f(shared(QStringLiteral("reference/llm/%1.json").arg(task)));
        return f.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(f.readAll()).object() : QJsonObject();
    }();
    QCOMPARE(lines.size(), ref.value(QStringLiteral("items")).toInt());
    QCOMPARE(expected.size(), ref.value(QStringLiteral("labels_total")).toInt());
    QCOMPARE(annotators.size(), ref.value(QStringLiteral("annotators")).toInt());
    QCOMPARE(ref.value(QStringLiteral("invalid")).toInt(), publishedInvalid);

    const QString project = path(QStringLiteral("llm.chorus"));
    const ImportReport r = importNew(project, file);
    QCOMPARE(r.itemsAdded, qint64(lines.size()));
    QCOMPARE(r.annotations, qint64(expected.size()));
    QCOMPARE(r.invalid, qint64(publishedInvalid));
    QCOMPARE(r.invalidByAnnotator, invalidBy);
    QCOMPARE(r.gold, qint64(golds.size()));
    const QStringList rows = annotationRows(project);
    QCOMPARE(QSet<QString>(rows.begin(), rows.end()), expected);
    const QStringList t = queryRows(project, QStringLiteral("SELECT ext_id, text FROM items"));
    QCOMPARE(QSet<QString>(t.begin(), t.end()), texts);
    const QStringList g = queryRows(project, QStringLiteral("SELECT i.ext_id, l.name FROM gold g JOIN items i ON "
                                                            "i.id = g.item_id JOIN labels l ON l.id = g.label_id"));
    QCOMPARE(QSet<QString>(g.begin(), g.end()), golds);
    // The valid labels are exactly the published classes (INVALID is no label).
    QStringList classes;
    for (const QJsonValue& c : ref.value(QStringLiteral("classes")).toArray())
        classes << c.toString();
    QStringList labels = labelsOf(project);
    labels.sort();
    classes.sort();
    QCOMPARE(labels, classes);
}

ImportReport TestImportReal::importEmotionBothWays(ImportOptions o)
{
    importNew(path(QStringLiteral("a.chorus")), emotionFile(QStringLiteral("items.jsonl")));
    o.goldFile = emotionFile(QStringLiteral("gold.csv"));
    return importNew(path(QStringLiteral("b.chorus")), emotionFile(QStringLiteral("answers.csv")), o);
}

void TestImportReal::realLlmLongCsvMatchesJsonl()
{
    // The dataset ships the same emotion labels twice: items.jsonl and answers.csv + gold.csv.
    // Both routes must give the same annotations and gold.
    importEmotionBothWays({});
    const auto ca = canonicalFile(path(QStringLiteral("a.chorus"))), cb = canonicalFile(path(QStringLiteral("b.chorus")));
    QCOMPARE(cb.annotations.size(), 5976);  // reference/llm/emotion.json labels_total
    QCOMPARE(cb.annotations, ca.annotations);
    QCOMPARE(cb.gold, ca.gold);
}

void TestImportReal::realLlmLongCsvWithItemsFileMatchesJsonl()
{
    // answers.csv + gold.csv + the texts of items.jsonl (--items) in one import: the same items
    // (ids, texts, no metadata), annotations and gold as importing items.jsonl itself. The
    // items file's "labels" and "gold" keys are reported as ignored, not stored as metadata.
    ImportOptions o;
    o.itemsFile = emotionFile(QStringLiteral("items.jsonl"));
    const ImportReport r = importEmotionBothWays(o);
    QCOMPARE(r.itemTexts, qint64(jsonLines(o.itemsFile).size()));
    QCOMPARE(r.ignored, (QStringList{QStringLiteral("key \"gold\" of %1: an items file gives texts and metadata only "
                                                    "(import it as jsonl to read answers)")
                                         .arg(o.itemsFile),
                                     QStringLiteral("key \"labels\" of %1: an items file gives texts and metadata only "
                                                    "(import it as jsonl to read answers)")
                                         .arg(o.itemsFile)}));
    const auto ca = canonicalFile(path(QStringLiteral("a.chorus"))), cb = canonicalFile(path(QStringLiteral("b.chorus")));
    QCOMPARE(cb.items.size(), 498);  // reference/llm/emotion.json items
    QCOMPARE(cb.items, ca.items);
    QCOMPARE(cb.annotations, ca.annotations);
    QCOMPARE(cb.gold, ca.gold);
}

void TestImportReal::realRteSpreadsheetVariants_data()
{
    QTest::addColumn<QString>("extension");
    QTest::addColumn<QString>("delimiter");  // replaces the commas (the files have no quotes)
    QTest::addColumn<bool>("crlf");
    QTest::addColumn<QString>("encoding");  // "UTF-8 with BOM" or "UTF-16 LE"
    QTest::newRow("excelSemicolonBomCrlf") << QStringLiteral("csv") << QStringLiteral(";") << true
                                           << QStringLiteral("UTF-8 with BOM");
    QTest::newRow("tsv") << QStringLiteral("tsv") << QStringLiteral("\t") << false << QStringLiteral("UTF-8");
    QTest::newRow("excelUnicodeTextUtf16Tab") << QStringLiteral("txt") << QStringLiteral("\t") << true
                                              << QStringLiteral("UTF-16 LE");
}

void TestImportReal::realRteSpreadsheetVariants()
{
    // RTE's answers and gold rewritten the way spreadsheets save them import into exactly the
    // project the comma-separated originals give.
    QFETCH(QString, extension);
    QFETCH(QString, delimiter);
    QFETCH(bool, crlf);
    QFETCH(QString, encoding);
    const QString answers = shared(QStringLiteral("data/rte/answers.csv"));
    const QString gold = shared(QStringLiteral("data/rte/gold.csv"));
    auto convert = [&](const QString& from, const QString& to) {
        QString text = QString::fromUtf8(fileBytes(from));
        if (text.contains(QLatin1Char('"')))
            qFatal("%s has quotes; replacing the commas would not be enough", qPrintable(from));
        text.replace(QLatin1Char(','), delimiter);
        if (crlf)
            text.replace(QLatin1Char('\n'), QStringLiteral("\r\n"));
        QByteArray bytes;
        if (encoding == QLatin1String("UTF-16 LE")) {
            bytes = "\xFF\xFE";
            for (const QChar c : text) {
                bytes += static_cast<char>(c.unicode() & 0xFF);
                bytes += static_cast<char>(c.unicode() >> 8);
            }
        } else {
            bytes = (encoding == QLatin1String("UTF-8 with BOM") ? QByteArray("\xEF\xBB\xBF") : QByteArray()) + text.toUtf8();
        }
        const QString p = path(to);
        if (!writeFile(p, bytes))
            qFatal("cannot write %s", qPrintable(p));
        return p;
    };
    const QString a = path(QStringLiteral("a.chorus")), b = path(QStringLiteral("b.chorus"));
    ImportOptions o;
    o.goldFile = gold;
    importNew(a, answers, o);
    o.goldFile = convert(gold, QStringLiteral("gold.") + extension);
    const ImportReport r = importNew(b, convert(answers, QStringLiteral("answers.") + extension), o);
    QCOMPARE(r.format, QStringLiteral("long-csv"));
    QCOMPARE(r.delimiter, delimiterName(delimiter.at(0).toLatin1()));
    QCOMPARE(r.encoding, encoding);
    QCOMPARE(r.annotations, 8000);
    QCOMPARE(r.gold, 800);
    const auto ca = canonicalFile(a), cb = canonicalFile(b);
    QCOMPARE(cb.items, ca.items);
    QCOMPARE(cb.annotations, ca.annotations);
    QCOMPARE(cb.gold, ca.gold);
    QCOMPARE(cb.labels, ca.labels);
}

void TestImportReal::realChaosNli()
{
    const QString file = shared(QStringLiteral("data/distributions/chaosNLI_snli.jsonl"));
    QSet<QString> expected;
    qint64 votes = 0;
    const QList<QJsonObject> lines = jsonLines(file);
    for (const QJsonObject& o : lines) {
        const QJsonObject c = o.value(QStringLiteral("label_counter")).toObject();
        for (auto it = c.begin(); it != c.end(); ++it) {
            expected.insert(QStringLiteral("%1|%2|%3").arg(o.value(QStringLiteral("uid")).toString(), it.key())
                                .arg(it.value().toInt()));
            votes += it.value().toInt();
        }
    }
    QCOMPARE(lines.size(), 1514);    // README
    QCOMPARE(votes, 1514 * 100);     // 100 human votes per item (README)
    const QString project = path(QStringLiteral("c.chorus"));
    const ImportReport r = importNew(project, file);
    QCOMPARE(r.format, QStringLiteral("chaosnli"));
    QCOMPARE(r.itemsAdded, 1514);
    QCOMPARE(r.humanCounts, 1514);
    QCOMPARE(r.annotations, 0);
    const QStringList rows = queryRows(project, QStringLiteral("SELECT i.ext_id, l.name, h.count FROM human_counts h "
                                                               "JOIN items i ON i.id = h.item_id JOIN labels l ON l.id = h.label_id"));
    QCOMPARE(QSet<QString>(rows.begin(), rows.end()), expected);
    // Text is "Premise: ...\nHypothesis: ..." from the example; check the first item.
    const QJsonObject ex = lines[0].value(QStringLiteral("example")).toObject();
    QCOMPARE(queryRows(project, QStringLiteral("SELECT text FROM items WHERE ext_id = '%1'")
                                    .arg(lines[0].value(QStringLiteral("uid")).toString())),
             QStringList{shown(QStringLiteral("Premise: %1\nHypothesis: %2")
                                   .arg(ex.value(QStringLiteral("premise")).toString(),
                                        ex.value(QStringLiteral("hypothesis")).toString()))});
}

void TestImportReal::realChaosNliNativeJsonl()
{
    const QString file = shared(QStringLiteral("data/distributions/chaosnli_snli.jsonl"));
    // Independent parse: probs per model, argmax label, counts, gold.
    QHash<QString, QJsonObject> probsOf;  // "item|model" -> distribution
    QSet<QString> labelsExpected, countsExpected, goldExpected;
    const QList<QJsonObject> lines = jsonLines(file);
    for (const QJsonObject& o : lines) {
        const QString id = o.value(QStringLiteral("id")).toString();
        const QJsonObject probs = o.value(QStringLiteral("probs")).toObject();
        for (auto it = probs.begin(); it != probs.end(); ++it) {
            const QJsonObject p = it.value().toObject();
            QString best;
            double bestP = -1;
            for (auto l = p.begin(); l != p.end(); ++l)
                if (l.value().toDouble() > bestP) {
                    bestP = l.value().toDouble();
                    best = l.key();
                }
            labelsExpected.insert(QStringLiteral("%1|%2|%3|<null>").arg(id, it.key(), best));
            probsOf.insert(id + QLatin1Char('|') + it.key(), p);
        }
        const QJsonObject c = o.value(QStringLiteral("human_counts")).toObject();
        for (auto it = c.begin(); it != c.end(); ++it)
            countsExpected.insert(QStringLiteral("%1|%2|%3").arg(id, it.key()).arg(it.value().toInt()));
        goldExpected.insert(id + QLatin1Char('|') + o.value(QStringLiteral("gold")).toString());
    }
    QCOMPARE(lines.size(), 1514);
    QCOMPARE(labelsExpected.size(), 1514 * 5);  // 5 fine-tuned models per item (README)

    const QString project = path(QStringLiteral("c.chorus"));
    const ImportReport r = importNew(project, file);
    QCOMPARE(r.format, QStringLiteral("jsonl"));
    QCOMPARE(r.annotations, 1514 * 5);
    QCOMPARE(r.humanCounts, 1514);
    QCOMPARE(r.gold, 1514);
    const QStringList rows = annotationRows(project);
    QCOMPARE(QSet<QString>(rows.begin(), rows.end()), labelsExpected);
    const QStringList counts = queryRows(project, QStringLiteral("SELECT i.ext_id, l.name, h.count FROM human_counts h "
                                                                 "JOIN items i ON i.id = h.item_id JOIN labels l ON l.id = h.label_id"));
    QCOMPARE(QSet<QString>(counts.begin(), counts.end()), countsExpected);
    const QStringList g = queryRows(project, QStringLiteral("SELECT i.ext_id, l.name FROM gold g JOIN items i ON "
                                                            "i.id = g.item_id JOIN labels l ON l.id = g.label_id"));
    QCOMPARE(QSet<QString>(g.begin(), g.end()), goldExpected);
    // Every stored distribution equals the file's, value for value (doubles survive exactly).
    const QStringList stored = queryRows(project, QStringLiteral("SELECT i.ext_id || '|' || a.name, n.probs FROM annotations n "
                                                                 "JOIN items i ON i.id = n.item_id JOIN annotators a "
                                                                 "ON a.id = n.annotator_id"));
    QCOMPARE(stored.size(), probsOf.size());
    int checked = 0;
    for (const QString& row : stored) {
        const qsizetype cut = row.lastIndexOf(QLatin1Char('|'), row.indexOf(QLatin1Char('{')));
        const QString key = row.left(cut);
        const QJsonObject p = QJsonDocument::fromJson(row.mid(cut + 1).toUtf8()).object();
        QVERIFY2(probsOf.contains(key), qPrintable(key));
        QCOMPARE(p, probsOf.value(key));
        ++checked;
    }
    QCOMPARE(checked, 1514 * 5);
}

QTEST_GUILESS_MAIN(TestImportReal)
#include "tst_importreal.moc"
