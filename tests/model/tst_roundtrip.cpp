// Round trips (import -> export -> import gives the same project) and the export filters,
// soft labels and atomic writes. Projects are compared through a raw SQLite connection by
// external ids and names (projectdump.h), not through the code under test.

#include "importhelpers.h"
#include "projectdump.h"

#include "exporter.h"
#include "importer.h"
#include "runstore.h"
#include "snapshot.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace chorus::model;
using namespace chorus::test;

namespace {

// (item, annotator, label-or-INVALID) of each annotation: what the CSV formats carry.
QStringList labelTriples(const Canonical& c)
{
    QStringList out;
    for (const QString& row : c.annotations)
        out << row.section(QLatin1Char('|'), 0, 2);
    out.sort();
    return out;
}

} // namespace

class TestRoundTrip : public ImportTestBase
{
    Q_OBJECT

private slots:

    void jsonl_data();
    void jsonl();
    void csvFormats_data();
    void csvFormats();

    void filters_data();
    void filters();
    void finalLabels();
    void softLabels();
    void curatedCsv();
    void savedRunGivesConsensus();
    void badOptionsRefused();



private:
    // The tiny project of the filter tests; see filters_data() for what each item is.
    QString filterProject();
    // Exports the filter project to `out` with `o`.
    ExportReport exportFilterProject(const QString& out, const ExportOptions& o);
};

// ---------------------------------------------------------------------------------------------
// import -> export -> import

void TestRoundTrip::jsonl_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("format");
    QTest::addColumn<QString>("gold");
    QTest::addColumn<bool>("setCosts");  // give two annotators a cost per item before exporting

    QTest::newRow("nativeJsonlEverything") << testData(QStringLiteral("tiny.jsonl")) << QString() << QString() << true;
    QTest::newRow("longCsvWithGold") << testData(QStringLiteral("tiny_long.csv")) << QString()
                                     << testData(QStringLiteral("tiny_long_gold.csv")) << false;
    QTest::newRow("wideCsvMace") << testData(QStringLiteral("tiny_wide_mace.csv")) << QStringLiteral("wide-csv")
                                 << QString() << false;
    QTest::newRow("chaosNli") << testData(QStringLiteral("tiny_chaosnli.jsonl")) << QString() << QString() << false;
    QTest::newRow("labelStudioHumansAndModels") << testData(QStringLiteral("tiny_labelstudio.json")) << QString()
                                                << QString() << true;
    QTest::newRow("zeroHumanCounts") << QStringLiteral("inline:zero") << QString() << QString() << false;
    QTest::newRow("realRteLongCsv") << shared(QStringLiteral("data/rte/answers.csv")) << QString()
                                    << shared(QStringLiteral("data/rte/gold.csv")) << false;
    QTest::newRow("realLlmWithInvalid") << shared(QStringLiteral("data/llm/conv_go_awry/items.jsonl")) << QString()
                                        << QString() << false;
    QTest::newRow("realChaosNliOriginal") << shared(QStringLiteral("data/distributions/chaosNLI_snli.jsonl"))
                                          << QString() << QString() << false;
    QTest::newRow("realChaosNliNativeWithProbs") << shared(QStringLiteral("data/distributions/chaosnli_snli.jsonl"))
                                                 << QString() << QString() << false;
}

void TestRoundTrip::jsonl()
{
    QFETCH(QString, file);
    QFETCH(QString, format);
    QFETCH(QString, gold);
    QFETCH(bool, setCosts);
    if (file == QLatin1String("inline:zero")) {
        // An item whose only human counts are zero, and one with a zero next to a vote.
        file = write(QStringLiteral("zero.jsonl"), "{\"id\":\"z1\",\"labels\":{\"m\":\"a\"},\"human_counts\":{\"a\":0}}\n"
                                                   "{\"id\":\"z2\",\"human_counts\":{\"a\":2,\"b\":0}}\n");
    }
    if (!QFileInfo::exists(file))
        QSKIP("input not available");

    const QString a = path(QStringLiteral("a.chorus")), b = path(QStringLiteral("b.chorus"));
    const QString out = path(QStringLiteral("export.jsonl"));
    {
        ProjectStore s;
        s.open(a, ProjectStore::Mode::CreateNew);
        ImportOptions o;
        o.format = format;
        o.goldFile = gold;
        importFile(s, file, o);
        if (setCosts)
            s.exec(QStringLiteral("UPDATE annotators SET cost_per_item = 0.0025 WHERE name IN ('gpt-4o', 'user-9', 'mistral-7b')"));
        const ExportReport r = exportProject(s, out);
        QCOMPARE(r.format, QStringLiteral("jsonl"));
        QCOMPARE(r.items, s.info().items);
    }
    {
        ProjectStore s;
        s.open(b, ProjectStore::Mode::CreateNew);
        const ImportReport r = importFile(s, out);
        QCOMPARE(r.format, QStringLiteral("jsonl"));
    }
    const Canonical ca = canonicalFile(a), cb = canonicalFile(b);
    QVERIFY(!ca.items.isEmpty());
    QCOMPARE(cb.labels, ca.labels);  // same labels in the same order
    QCOMPARE(cb.items, ca.items);    // ids, texts, metadata
    QCOMPARE(cb.annotators, ca.annotators);  // names, kinds, costs
    QCOMPARE(cb.annotations, ca.annotations);  // labels, INVALID with raw, raw, probs, scores
    QCOMPARE(cb.gold, ca.gold);
    QCOMPARE(cb.humanCounts, ca.humanCounts);
    QCOMPARE(cb.labelSetClosed, QStringLiteral("1"));  // the export's label_set closes the set
}

void TestRoundTrip::csvFormats_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("format");
    QTest::newRow("longCsvTiny") << testData(QStringLiteral("tiny_long.csv")) << QStringLiteral("long-csv");
    QTest::newRow("wideCsvTiny") << testData(QStringLiteral("tiny_long.csv")) << QStringLiteral("wide-csv");
    QTest::newRow("longCsvFromJsonlWithInvalid") << testData(QStringLiteral("tiny.jsonl")) << QStringLiteral("long-csv");
    QTest::newRow("wideCsvFromJsonlWithInvalid") << testData(QStringLiteral("tiny.jsonl")) << QStringLiteral("wide-csv");
    QTest::newRow("wideCsvFromLabelStudio") << testData(QStringLiteral("tiny_labelstudio.json")) << QStringLiteral("wide-csv");
    QTest::newRow("longCsvRealRte") << shared(QStringLiteral("data/rte/answers.csv")) << QStringLiteral("long-csv");
    QTest::newRow("wideCsvRealRte") << shared(QStringLiteral("data/rte/answers.csv")) << QStringLiteral("wide-csv");
}

void TestRoundTrip::csvFormats()
{
    QFETCH(QString, file);
    QFETCH(QString, format);
    if (!QFileInfo::exists(file))
        QSKIP("input not available");
    const QString a = path(QStringLiteral("a.chorus")), b = path(QStringLiteral("b.chorus"));
    const QString out = path(QStringLiteral("export.csv"));
    qint64 items = 0, annotations = 0;
    {
        ProjectStore s;
        s.open(a, ProjectStore::Mode::CreateNew);
        importFile(s, file);
        ExportOptions o;
        o.format = format;
        exportProject(s, out, o);
        items = s.info().items;
        annotations = s.info().annotations;
    }
    // A header, then one row per annotation (long) or per item (wide; "item" + annotators).
    const QList<QByteArray> lines = fileBytes(out).split('\n');
    if (format == QLatin1String("long-csv")) {
        QCOMPARE(lines[0], QByteArray("item,annotator,label"));
        QCOMPARE(lines.size(), 1 + annotations + 1);
    } else {
        QVERIFY(lines[0].startsWith("item,"));
        QCOMPARE(lines.size(), 1 + items + 1);
    }
    {
        ProjectStore s;
        s.open(b, ProjectStore::Mode::CreateNew);
        ImportOptions o;
        o.format = format;  // detection would guess the same; named to test this format only
        importFile(s, out, o);
        if (format == QLatin1String("wide-csv"))
            QCOMPARE(s.info().items, items);
    }
    const Canonical ca = canonicalFile(a), cb = canonicalFile(b);
    QVERIFY(!ca.annotations.isEmpty());
    // The CSV formats carry (item, annotator, label); INVALID stays INVALID.
    QCOMPARE(labelTriples(cb), labelTriples(ca));
    QStringList la = ca.labels, lb = cb.labels;
    la.sort();
    lb.sort();
    // Labels that only occur in gold/probs/counts do not travel in these formats.
    QSet<QString> used;
    for (const QString& t : labelTriples(ca))
        used.insert(t.section(QLatin1Char('|'), 2, 2).remove(QLatin1Char('\'')));
    used.remove(QStringLiteral("INVALID"));
    QCOMPARE(QSet<QString>(lb.begin(), lb.end()), used);
}

// ---------------------------------------------------------------------------------------------
// Export filters. The tiny project (labels a, b in this order; annotators m1..m3; no saved run
// so the consensus is majority vote, ties to the first label):
//   i1  a a a            unanimous a, confidence 3/3
//   i2  a a b            mv a, confidence 2/3
//   i3  a b              mv tie -> a, confidence 1/2
//   i4  ?? nope          both INVALID: no final label, no confidence
//   i5  b a b  + human label a, reviewed: override a, confidence 1
//   i6  b b    + flagged (no label):   unanimous b, confidence 1, status flagged
//   i7  b      + human counts a:3 b:1: mv b (one vote), confidence 1

QString TestRoundTrip::filterProject()
{
    return fixtureProject(
        QStringLiteral("filters.chorus"),
        "{\"label_set\":[\"a\",\"b\"],\"id\":\"i1\",\"labels\":{\"m1\":\"a\",\"m2\":\"a\",\"m3\":\"a\"}}\n"
        "{\"id\":\"i2\",\"text\":\"two, \\\"quoted\\\"\",\"labels\":{\"m1\":\"a\",\"m2\":\"a\",\"m3\":\"b\"}}\n"
        "{\"id\":\"i3\",\"labels\":{\"m1\":\"a\",\"m2\":\"b\"}}\n"
        "{\"id\":\"i4\",\"labels\":{\"m1\":\"??\",\"m2\":\"nope\"}}\n"
        "{\"id\":\"i5\",\"labels\":{\"m1\":\"b\",\"m2\":\"a\",\"m3\":\"b\"}}\n"
        "{\"id\":\"i6\",\"labels\":{\"m1\":\"b\",\"m2\":\"b\"}}\n"
        "{\"id\":\"i7\",\"labels\":{\"m1\":\"b\"},\"human_counts\":{\"a\":3,\"b\":1}}\n",
        [](ProjectStore& s) {
            auto itemId = [&](const char* ext) {
                return s.scalar(QStringLiteral("SELECT id FROM items WHERE ext_id = ?"), {QString::fromLatin1(ext)})
                    .toLongLong();
            };
            Decision d;
            d.author = QStringLiteral("ana");
            d.itemId = itemId("i5");
            d.action = QStringLiteral("label");
            d.labelId = s.scalar(QStringLiteral("SELECT id FROM labels WHERE name = 'a'")).toLongLong();
            d.status = ReviewStatus::Reviewed;
            s.appendDecision(d);
            d.itemId = itemId("i6");
            d.action = QStringLiteral("flag");
            d.labelId = 0;
            d.status = ReviewStatus::Flagged;
            s.appendDecision(d);
        });
}

ExportReport TestRoundTrip::exportFilterProject(const QString& out, const ExportOptions& o)
{
    ProjectStore s;
    s.open(filterProject());
    return exportProject(s, out, o);
}

void TestRoundTrip::filters_data()
{
    QTest::addColumn<bool>("reviewedOnly");
    QTest::addColumn<double>("minConfidence");
    QTest::addColumn<bool>("excludeFlagged");
    QTest::addColumn<bool>("excludeInvalid");
    QTest::addColumn<QStringList>("expected");
    const QStringList all{QStringLiteral("i1"), QStringLiteral("i2"), QStringLiteral("i3"), QStringLiteral("i4"),
                          QStringLiteral("i5"), QStringLiteral("i6"), QStringLiteral("i7")};
    auto without = [&](std::initializer_list<const char*> drop) {
        QStringList l = all;
        for (const char* d : drop)
            l.removeAll(QString::fromLatin1(d));
        return l;
    };
    QTest::newRow("noFilter") << false << -1.0 << false << false << all;
    // A human decision (reviewed or flagged) makes an item reviewed.
    QTest::newRow("reviewedOnly") << true << -1.0 << false << false << QStringList{QStringLiteral("i5"), QStringLiteral("i6")};
    QTest::newRow("minConfidence060") << false << 0.6 << false << false << without({"i3", "i4"});
    QTest::newRow("minConfidenceExactlyHalfKept") << false << 0.5 << false << false << without({"i4"});
    QTest::newRow("minConfidenceAboveTwoThirds") << false << 0.7 << false << false << without({"i2", "i3", "i4"});
    QTest::newRow("excludeFlagged") << false << -1.0 << true << false << without({"i6"});
    QTest::newRow("excludeInvalid") << false << -1.0 << false << true << without({"i4"});
    QTest::newRow("allCombined") << false << 0.6 << true << true << without({"i3", "i4", "i6"});
    QTest::newRow("reviewedAndNotFlagged") << true << -1.0 << true << false << QStringList{QStringLiteral("i5")};
}

void TestRoundTrip::filters()
{
    QFETCH(bool, reviewedOnly);
    QFETCH(double, minConfidence);
    QFETCH(bool, excludeFlagged);
    QFETCH(bool, excludeInvalid);
    QFETCH(QStringList, expected);
    ProjectStore s;
    s.open(filterProject());
    ExportOptions o;
    o.reviewedOnly = reviewedOnly;
    o.minConfidence = minConfidence;
    o.excludeFlagged = excludeFlagged;
    o.excludeInvalid = excludeInvalid;
    for (const QString& format : {QStringLiteral("jsonl"), QStringLiteral("csv")}) {
        const QString out = path(QStringLiteral("out.") + format);
        o.format = format;
        const ExportReport r = exportProject(s, out, o);
        QCOMPARE(r.items, qint64(expected.size()));
        QCOMPARE(r.skipped, qint64(7 - expected.size()));
        QStringList ids;
        if (format == QLatin1String("jsonl")) {
            ids = idsOf(jsonLines(out));
        } else {
            const QList<QByteArray> lines = fileBytes(out).trimmed().split('\n');
            for (qsizetype k = 1; k < lines.size(); ++k)
                ids << QString::fromUtf8(lines[k].left(lines[k].indexOf(',')));
        }
        QCOMPARE(ids, expected);
    }
}

void TestRoundTrip::finalLabels()
{
    ProjectStore s;
    s.open(filterProject());
    const QString out = path(QStringLiteral("out.jsonl"));
    const ExportReport r = exportProject(s, out);
    QCOMPARE(r.consensus, QStringLiteral("mv (computed)"));
    const QList<QJsonObject> lines = jsonLines(out);
    QCOMPARE(lines.size(), 7);
    struct Want
    {
        const char* label;  // nullptr = null
        const char* source;
        double confidence;  // NaN = null
        const char* status;
    };
    const double nan = std::nan("");
    const Want want[7] = {
        {"a", "unanimous", 1.0, "unreviewed"},       {"a", "aggregate:mv", 2.0 / 3, "unreviewed"},
        {"a", "aggregate:mv", 0.5, "unreviewed"},    {nullptr, "none", nan, "unreviewed"},
        {"a", "override", 1.0, "reviewed"},          {"b", "unanimous", 1.0, "flagged"},
        {"b", "aggregate:mv", 1.0, "unreviewed"},
    };
    for (int k = 0; k < 7; ++k) {
        const QJsonObject& o = lines[k];
        const QByteArray tag = "item i" + QByteArray::number(k + 1);
        QCOMPARE(o.value(QStringLiteral("id")).toString(), QStringLiteral("i%1").arg(k + 1));
        if (want[k].label)
            QCOMPARE(o.value(QStringLiteral("label")).toString(), QString::fromLatin1(want[k].label));
        else
            QVERIFY2(o.value(QStringLiteral("label")).isNull(), tag);
        QCOMPARE(o.value(QStringLiteral("source")).toString(), QString::fromLatin1(want[k].source));
        if (std::isnan(want[k].confidence))
            QVERIFY2(o.value(QStringLiteral("confidence")).isNull(), tag);
        else
            QVERIFY2(std::abs(o.value(QStringLiteral("confidence")).toDouble() - want[k].confidence) < 1e-12, tag);
        QCOMPARE(o.value(QStringLiteral("status")).toString(), QString::fromLatin1(want[k].status));
    }
    // Every annotator's label, INVALID included; the label set rides on the first record only.
    QCOMPARE(lines[3].value(QStringLiteral("labels")).toObject(),
             (QJsonObject{{QStringLiteral("m1"), QStringLiteral("INVALID")}, {QStringLiteral("m2"), QStringLiteral("INVALID")}}));
    QCOMPARE(lines[0].value(QStringLiteral("label_set")).toArray(), (QJsonArray{QStringLiteral("a"), QStringLiteral("b")}));
    QVERIFY(!lines[1].contains(QStringLiteral("label_set")));
    // --no-annotators leaves the labels out.
    ExportOptions o;
    o.annotatorLabels = false;
    exportProject(s, out, o);
    QVERIFY(!jsonLines(out)[0].contains(QStringLiteral("labels")));
}

void TestRoundTrip::softLabels()
{
    ProjectStore s;
    s.open(filterProject());
    const QString out = path(QStringLiteral("soft.jsonl"));
    auto softOf = [&](const QList<QJsonObject>& lines, int k) {
        return lines[k].value(QStringLiteral("soft_label")).toObject();
    };
    auto near = [](const QJsonObject& o, double a, double b) {
        return o.size() == 2 && std::abs(o.value(QStringLiteral("a")).toDouble() - a) < 1e-12
            && std::abs(o.value(QStringLiteral("b")).toDouble() - b) < 1e-12;
    };
    ExportOptions o;
    o.soft = QStringLiteral("posterior");
    exportProject(s, out, o);
    QList<QJsonObject> lines = jsonLines(out);
    // Majority-vote posterior = share of valid votes per label.
    QVERIFY(near(softOf(lines, 0), 1.0, 0.0));
    QVERIFY(near(softOf(lines, 1), 2.0 / 3, 1.0 / 3));
    QVERIFY(near(softOf(lines, 2), 0.5, 0.5));
    QVERIFY(!lines[3].contains(QStringLiteral("soft_label")));  // no final label
    QVERIFY(near(softOf(lines, 4), 1.0 / 3, 2.0 / 3));           // the run's, not the override
    QVERIFY(near(softOf(lines, 6), 0.0, 1.0));

    o.soft = QStringLiteral("human");
    exportProject(s, out, o);
    lines = jsonLines(out);
    // Only i7 has human counts: 3 and 1 votes.
    for (int k = 0; k < 6; ++k)
        QVERIFY2(!lines[k].contains(QStringLiteral("soft_label")), qPrintable(QString::number(k)));
    QVERIFY(near(softOf(lines, 6), 0.75, 0.25));
}

void TestRoundTrip::curatedCsv()
{
    const QString out = path(QStringLiteral("curated.csv"));
    ExportOptions o;
    o.soft = QStringLiteral("posterior");
    const ExportReport r = exportFilterProject(out, o);  // format from the extension
    QCOMPARE(r.format, QStringLiteral("csv"));
    const QList<QByteArray> lines = fileBytes(out).split('\n');
    QCOMPARE(lines[0], QByteArray("id,text,label,source,confidence,status,note,p_a,p_b,m1,m2,m3"));
    // Text with a comma and quotes is quoted; confidence with 10 significant digits; no notes
    // in this project, so the note cells are empty.
    QCOMPARE(lines[2], QByteArray("i2,\"two, \"\"quoted\"\"\",a,aggregate:mv,0.6666666667,unreviewed,,0.6666666667,"
                                  "0.3333333333,a,a,b"));
    // No final label: empty label and confidence, source none; INVALID annotators; m3 missing.
    QCOMPARE(lines[4], QByteArray("i4,,,none,,unreviewed,,,,INVALID,INVALID,"));
    QCOMPARE(lines[5], QByteArray("i5,,a,override,1,reviewed,,0.3333333333,0.6666666667,b,a,b"));
    QCOMPARE(lines.size(), 1 + 7 + 1);  // header, 7 rows, final newline
}

void TestRoundTrip::savedRunGivesConsensus()
{
    ProjectStore s;
    s.open(filterProject());
    // A hand-made run (say, Dawid-Skene) that disagrees with majority vote on i3.
    const Snapshot snap = loadSnapshot(s);
    chorus::agg::AggregationResult res;
    res.numLabels = 2;
    for (int i = 0; i < snap.numItems(); ++i) {
        const bool i3 = snap.itemExtIds[i] == QLatin1String("i3");
        res.labels.push_back(i3 ? 1 : 0);
        res.posterior.push_back(i3 ? 0.2 : 0.9);
        res.posterior.push_back(i3 ? 0.8 : 0.1);
    }
    res.competence.assign(snap.annotators.size(), 0.5);
    const qint64 run = saveRun(s, snap, QStringLiteral("ds"), {}, res, 0.1);
    const QString out = path(QStringLiteral("run.jsonl"));
    ExportOptions o;
    o.soft = QStringLiteral("posterior");
    const ExportReport r = exportProject(s, out, o);
    QCOMPARE(r.consensus, QStringLiteral("run %1 (ds)").arg(run));
    const QList<QJsonObject> lines = jsonLines(out);
    QCOMPARE(lines[2].value(QStringLiteral("label")).toString(), QStringLiteral("b"));
    QCOMPARE(lines[2].value(QStringLiteral("source")).toString(), QStringLiteral("aggregate:ds"));
    QCOMPARE(lines[2].value(QStringLiteral("confidence")).toDouble(), 0.8);
    QCOMPARE(lines[2].value(QStringLiteral("soft_label")).toObject(),
             (QJsonObject{{QStringLiteral("a"), 0.2}, {QStringLiteral("b"), 0.8}}));
    // Unanimous items take the run's posterior as confidence.
    QCOMPARE(lines[0].value(QStringLiteral("source")).toString(), QStringLiteral("unanimous"));
    QCOMPARE(lines[0].value(QStringLiteral("confidence")).toDouble(), 0.9);
    // An explicit run id that does not exist is an error, and nothing is written.
    o.runId = run + 5;
    QFile::remove(out);
    QVERIFY_THROWS_EXCEPTION(Error, exportProject(s, out, o));
    QVERIFY(!QFileInfo::exists(out));
}

void TestRoundTrip::badOptionsRefused()
{
    const QString out = path(QStringLiteral("x.out"));
    ExportOptions o;
    o.format = QStringLiteral("xlsx");
    QVERIFY_THROWS_EXCEPTION(Error, exportFilterProject(out, o));
    o.format.clear();
    o.soft = QStringLiteral("majority");
    QVERIFY_THROWS_EXCEPTION(Error, exportFilterProject(out, o));
    QVERIFY(!QFileInfo::exists(out));
}

QTEST_GUILESS_MAIN(TestRoundTrip)
#include "tst_roundtrip.moc"
