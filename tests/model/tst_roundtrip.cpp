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
using chorus::test::Canonical;
using chorus::test::canonicalFile;
using chorus::test::fileBytes;
using chorus::test::withRawConnection;
using chorus::test::writeFile;

namespace {

QString testData(const QString& name)
{
    return QStringLiteral(CHORUS_TEST_DATA "/import/") + name;
}

QString shared(const QString& rel)
{
    return QStringLiteral(CHORUS_SHARED_DIR "/") + rel;
}

// (item, annotator, label-or-INVALID) of each annotation: what the CSV formats carry.
QStringList labelTriples(const Canonical& c)
{
    QStringList out;
    for (const QString& row : c.annotations)
        out << row.section(QLatin1Char('|'), 0, 2);
    out.sort();
    return out;
}

QList<QJsonObject> jsonLines(const QString& path)
{
    QList<QJsonObject> out;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return out;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (!line.trimmed().isEmpty())
            out << QJsonDocument::fromJson(line).object();
    return out;
}

// A minimal RFC 4180 reader written for the tests (not the project's CsvReader): fields
// separated by commas, records by LF; a quoted field may hold commas, CR, LF and "" for ".
QList<QStringList> parseCsv(const QByteArray& bytes)
{
    const QString text = QString::fromUtf8(bytes);
    QList<QStringList> rows;
    QStringList row;
    QString field;
    bool quoted = false;
    for (qsizetype k = 0; k < text.size(); ++k) {
        const QChar c = text[k];
        if (quoted) {
            if (c == QLatin1Char('"') && k + 1 < text.size() && text[k + 1] == QLatin1Char('"')) {
                field += c;
                ++k;
            } else if (c == QLatin1Char('"')) {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == QLatin1Char('"')) {
            quoted = true;
        } else if (c == QLatin1Char(',')) {
            row << field;
            field.clear();
        } else if (c == QLatin1Char('\n')) {
            row << field;
            rows << row;
            row.clear();
            field.clear();
        } else {
            field += c;
        }
    }
    return rows;
}

QStringList idsOf(const QList<QJsonObject>& lines)
{
    QStringList out;
    for (const QJsonObject& o : lines)
        out << o.value(QStringLiteral("id")).toString();
    return out;
}

} // namespace

class TestRoundTrip : public chorus::test::ImportTestBase
{
    Q_OBJECT

private slots:
    void init();

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

    void notesAndHistoryJsonl();
    void notesCsvExactBytes();
    void historyCsvColumn();
    void historyRefusedForAnswerFormats();

    void cancelLeavesNoFile();
    void cancelKeepsExistingFile();
    void unwritableTarget();

private:
    // The tiny project of the filter tests; see filters_data() for what each item is.
    QString filterProject();
    // The project of the note tests; see notesProject() for its decisions.
    QString notesProject();
};

void TestRoundTrip::init()
{
    newScratchDir();
}

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
    const QString p = path(QStringLiteral("filters.chorus"));
    if (QFileInfo::exists(p))
        return p;
    ProjectStore s;
    s.open(p, ProjectStore::Mode::CreateNew);
    importFile(s, write(QStringLiteral("filters.jsonl"),
                        "{\"label_set\":[\"a\",\"b\"],\"id\":\"i1\",\"labels\":{\"m1\":\"a\",\"m2\":\"a\",\"m3\":\"a\"}}\n"
                        "{\"id\":\"i2\",\"text\":\"two, \\\"quoted\\\"\",\"labels\":{\"m1\":\"a\",\"m2\":\"a\",\"m3\":\"b\"}}\n"
                        "{\"id\":\"i3\",\"labels\":{\"m1\":\"a\",\"m2\":\"b\"}}\n"
                        "{\"id\":\"i4\",\"labels\":{\"m1\":\"??\",\"m2\":\"nope\"}}\n"
                        "{\"id\":\"i5\",\"labels\":{\"m1\":\"b\",\"m2\":\"a\",\"m3\":\"b\"}}\n"
                        "{\"id\":\"i6\",\"labels\":{\"m1\":\"b\",\"m2\":\"b\"}}\n"
                        "{\"id\":\"i7\",\"labels\":{\"m1\":\"b\"},\"human_counts\":{\"a\":3,\"b\":1}}\n"));
    auto itemId = [&](const char* ext) {
        return s.scalar(QStringLiteral("SELECT id FROM items WHERE ext_id = ?"), {QString::fromLatin1(ext)}).toLongLong();
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
    return p;
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
    ProjectStore s;
    s.open(filterProject());
    const QString out = path(QStringLiteral("curated.csv"));
    ExportOptions o;
    o.soft = QStringLiteral("posterior");
    const ExportReport r = exportProject(s, out, o);  // format from the extension
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
    ProjectStore s;
    s.open(filterProject());
    const QString out = path(QStringLiteral("x.out"));
    ExportOptions o;
    o.format = QStringLiteral("xlsx");
    QVERIFY_THROWS_EXCEPTION(Error, exportProject(s, out, o));
    o.format.clear();
    o.soft = QStringLiteral("majority");
    QVERIFY_THROWS_EXCEPTION(Error, exportProject(s, out, o));
    QVERIFY(!QFileInfo::exists(out));
}

// ---------------------------------------------------------------------------------------------
// Reviewer notes and the decision history. The project (labels a, b; one annotator m1) and its
// decisions, written down by hand; every decision row is the item's complete state:
//   n1 (text "t1", m1 a)  d1 ana label a, reviewed, note kTricky
//                         d2 ben flag (label a kept), flagged, note kTricky
//   n2 (m1 b)             d3 ana note, unreviewed, "first"
//                         d4 ana label b, reviewed, note kChanged (the note was changed)
//   n3 (m1 a)             d5 ben note, unreviewed, "temporary"
//                         d6 ben note, unreviewed, "" (the note was removed)
//   n4 (m1 b)             no decision
// appended in the order d1 d3 d2 d5 d4 d6, so per-item histories interleave in the table.
// Final labels: n1 override a (1, flagged), n2 override b (1, reviewed), n3 mv a and n4 mv b
// (a single vote: confidence 1, unreviewed).

namespace {

const QString kTricky = QStringLiteral("Looks fine, but \"sarcastic\"?\r\nCheck, again\nlater");
const QString kChanged = QStringLiteral("second: changed my mind (na\u00efve reading)");

struct HandDecision
{
    const char* item;
    const char* createdAt;
    const char* author;
    const char* action;
    const char* label;  // nullptr = none
    const char* status;
    QString note;
};

const HandDecision& decision(int n)  // d1..d6
{
    static const HandDecision d[] = {
        {"n1", "2024-05-01T09:00:00.000Z", "ana", "label", "a", "reviewed", kTricky},
        {"n1", "2024-05-01T09:05:00.000Z", "ben", "flag", "a", "flagged", kTricky},
        {"n2", "2024-05-01T10:00:00.000Z", "ana", "note", nullptr, "unreviewed", QStringLiteral("first")},
        {"n2", "2024-05-02T08:30:00.000Z", "ana", "label", "b", "reviewed", kChanged},
        {"n3", "2024-05-03T12:00:00.000Z", "ben", "note", nullptr, "unreviewed", QStringLiteral("temporary")},
        {"n3", "2024-05-03T12:01:00.000Z", "ben", "note", nullptr, "unreviewed", QStringLiteral("")},
    };
    return d[n - 1];
}

QJsonObject historyEntry(int n)
{
    const HandDecision& d = decision(n);
    return QJsonObject{{QStringLiteral("created_at"), QString::fromLatin1(d.createdAt)},
                       {QStringLiteral("author"), QString::fromLatin1(d.author)},
                       {QStringLiteral("action"), QString::fromLatin1(d.action)},
                       {QStringLiteral("label"), d.label ? QJsonValue(QString::fromLatin1(d.label)) : QJsonValue()},
                       {QStringLiteral("status"), QString::fromLatin1(d.status)},
                       {QStringLiteral("note"), d.note}};
}

// Expected "history" of n1..n4.
QJsonArray expectedHistory(int item)
{
    switch (item) {
    case 1: return {historyEntry(1), historyEntry(2)};
    case 2: return {historyEntry(3), historyEntry(4)};
    case 3: return {historyEntry(5), historyEntry(6)};
    default: return {};
    }
}

// Expected current note of n1..n4 (empty = none).
QString expectedNote(int item)
{
    return item == 1 ? kTricky : item == 2 ? kChanged : QString();
}

} // namespace

QString TestRoundTrip::notesProject()
{
    const QString p = path(QStringLiteral("notes.chorus"));
    if (QFileInfo::exists(p))
        return p;
    ProjectStore s;
    s.open(p, ProjectStore::Mode::CreateNew);
    importFile(s, write(QStringLiteral("notes.jsonl"), "{\"label_set\":[\"a\",\"b\"],\"id\":\"n1\",\"text\":\"t1\",\"labels\":{\"m1\":\"a\"}}\n"
                                                       "{\"id\":\"n2\",\"labels\":{\"m1\":\"b\"}}\n"
                                                       "{\"id\":\"n3\",\"labels\":{\"m1\":\"a\"}}\n"
                                                       "{\"id\":\"n4\",\"labels\":{\"m1\":\"b\"}}\n"));
    for (int n : {1, 3, 2, 5, 4, 6}) {
        const HandDecision& h = decision(n);
        Decision d;
        d.itemId = s.scalar(QStringLiteral("SELECT id FROM items WHERE ext_id = ?"), {QString::fromLatin1(h.item)})
                       .toLongLong();
        d.action = QString::fromLatin1(h.action);
        if (h.label)
            d.labelId = s.scalar(QStringLiteral("SELECT id FROM labels WHERE name = ?"), {QString::fromLatin1(h.label)})
                            .toLongLong();
        d.status = statusFromName(QString::fromLatin1(h.status));
        d.note = h.note;
        d.author = QString::fromLatin1(h.author);
        d.createdAt = QString::fromLatin1(h.createdAt);
        s.appendDecision(d);
    }
    return p;
}

void TestRoundTrip::notesAndHistoryJsonl()
{
    ProjectStore s;
    s.open(notesProject());
    const QString out = path(QStringLiteral("notes.jsonl"));
    ExportOptions o;
    for (const bool history : {false, true}) {
        o.history = history;
        exportProject(s, out, o);
        const QList<QJsonObject> lines = jsonLines(out);
        QCOMPARE(idsOf(lines), (QStringList{QStringLiteral("n1"), QStringLiteral("n2"), QStringLiteral("n3"),
                                            QStringLiteral("n4")}));
        for (int k = 1; k <= 4; ++k) {
            const QJsonObject& j = lines[k - 1];
            const QByteArray tag = "n" + QByteArray::number(k) + (history ? " with history" : "");
            if (expectedNote(k).isEmpty())
                QVERIFY2(!j.contains(QStringLiteral("note")), tag);  // no note, or one that was removed
            else
                QCOMPARE(j.value(QStringLiteral("note")).toString(), expectedNote(k));
            if (history)
                QCOMPARE(j.value(QStringLiteral("history")).toArray(), expectedHistory(k));
            else
                QVERIFY2(!j.contains(QStringLiteral("history")), tag);
        }
        QCOMPARE(lines[0].value(QStringLiteral("status")).toString(), QStringLiteral("flagged"));
        QCOMPARE(lines[1].value(QStringLiteral("label")).toString(), QStringLiteral("b"));
    }
    // The curated file still imports as a project (notes and history are not imported).
    ProjectStore again;
    again.open(path(QStringLiteral("again.chorus")), ProjectStore::Mode::CreateNew);
    QCOMPARE(importFile(again, out).itemsAdded, 4);
    QCOMPARE(again.info().decisions, 0);
}

void TestRoundTrip::notesCsvExactBytes()
{
    ProjectStore s;
    s.open(notesProject());
    const QString out = path(QStringLiteral("notes.csv"));
    ExportOptions o;
    o.annotatorLabels = false;
    exportProject(s, out, o);
    // RFC 4180: the note with a comma, quotes, CR LF and LF is quoted with doubled quotes and
    // its line breaks kept; the others need no quotes; no note is an empty cell.
    QCOMPARE(fileBytes(out), QByteArray("id,text,label,source,confidence,status,note\n"
                                        "n1,t1,a,override,1,flagged,\"Looks fine, but \"\"sarcastic\"\"?\r\nCheck, again\nlater\"\n"
                                        "n2,,b,override,1,reviewed,second: changed my mind (na\xc3\xafve reading)\n"
                                        "n3,,a,aggregate:mv,1,unreviewed,\n"
                                        "n4,,b,aggregate:mv,1,unreviewed,\n"));
}

void TestRoundTrip::historyCsvColumn()
{
    ProjectStore s;
    s.open(notesProject());
    const QString out = path(QStringLiteral("history.csv"));
    ExportOptions o;
    o.history = true;
    o.soft = QStringLiteral("posterior");
    exportProject(s, out, o);
    const QList<QStringList> rows = parseCsv(fileBytes(out));
    QCOMPARE(rows.size(), 1 + 4);
    QCOMPARE(rows[0], (QStringList{QStringLiteral("id"), QStringLiteral("text"), QStringLiteral("label"),
                                   QStringLiteral("source"), QStringLiteral("confidence"), QStringLiteral("status"),
                                   QStringLiteral("note"), QStringLiteral("history"), QStringLiteral("p_a"),
                                   QStringLiteral("p_b"), QStringLiteral("m1")}));
    for (int k = 1; k <= 4; ++k) {
        const QStringList& row = rows[k];
        QCOMPARE(row.size(), 11);
        QCOMPARE(row[0], QStringLiteral("n%1").arg(k));
        QCOMPARE(row[6], expectedNote(k));
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(row[7].toUtf8(), &pe);
        QVERIFY2(pe.error == QJsonParseError::NoError && doc.isArray(), qPrintable(row[7]));
        QCOMPARE(doc.array(), expectedHistory(k));
    }
    QCOMPARE(rows[4][7], QStringLiteral("[]"));
    QCOMPARE(rows[2][10], QStringLiteral("b"));  // the columns after the history are in place
}

void TestRoundTrip::historyRefusedForAnswerFormats()
{
    ProjectStore s;
    s.open(notesProject());
    ExportOptions o;
    o.history = true;
    for (const QString& format : {QStringLiteral("long-csv"), QStringLiteral("wide-csv")}) {
        o.format = format;
        const QString out = path(format + QStringLiteral(".csv"));
        try {
            exportProject(s, out, o);
            QFAIL("the export must be refused");
        } catch (const Error& e) {
            QVERIFY2(e.message().contains(QStringLiteral("jsonl and csv only")), qPrintable(e.message()));
        }
        QVERIFY(!QFileInfo::exists(out));
        o.history = false;  // without the history these formats work as before
        exportProject(s, out, o);
        QVERIFY(!fileBytes(out).contains("Looks fine"));
        o.history = true;
    }
}

// ---------------------------------------------------------------------------------------------
// Atomic writes

namespace {

// A project big enough that the export flushes several MB to its temporary file before the
// cancel arrives (4,000 items with 1 kB texts; the exporter polls every 1,024 items).
QString bigProject(const QString& dir)
{
    const QString p = dir + QStringLiteral("/big.chorus");
    QByteArray jsonl;
    const QByteArray text(1000, 'x');
    for (int i = 0; i < 4000; ++i)
        jsonl += "{\"id\":\"b" + QByteArray::number(i) + "\",\"text\":\"" + text + "\",\"labels\":{\"m1\":\"yes\"}}\n";
    writeFile(dir + QStringLiteral("/big.jsonl"), jsonl);
    ProjectStore s;
    s.open(p, ProjectStore::Mode::CreateNew);
    importFile(s, dir + QStringLiteral("/big.jsonl"));
    return p;
}

QStringList listing(const QString& dir)
{
    return QDir(dir).entryList(QDir::Files | QDir::NoDotAndDotDot, QDir::Name);
}

} // namespace

void TestRoundTrip::cancelLeavesNoFile()
{
    QTemporaryDir outDir;
    ProjectStore s;
    s.open(bigProject(m_dir->path()));
    const QString out = outDir.filePath(QStringLiteral("dataset.jsonl"));
    qint64 reached = 0;
    ExportOptions o;
    o.progress = [&](qint64 done, qint64) { reached = done; };
    o.isCanceled = [&] { return reached >= 2048; };  // about 2 MB written by then
    QVERIFY_THROWS_EXCEPTION(CanceledError, exportProject(s, out, o));
    QCOMPARE(reached, 2048);
    QCOMPARE(listing(outDir.path()), QStringList());  // no target, no temporary file left behind
}

void TestRoundTrip::cancelKeepsExistingFile()
{
    QTemporaryDir outDir;
    ProjectStore s;
    s.open(bigProject(m_dir->path()));
    const QString out = outDir.filePath(QStringLiteral("dataset.csv"));
    QVERIFY(writeFile(out, "the previous export\n"));
    qint64 reached = 0;
    ExportOptions o;
    o.progress = [&](qint64 done, qint64) { reached = done; };
    o.isCanceled = [&] { return reached >= 2048; };
    QVERIFY_THROWS_EXCEPTION(CanceledError, exportProject(s, out, o));
    QCOMPARE(fileBytes(out), QByteArray("the previous export\n"));
    QCOMPARE(listing(outDir.path()), QStringList{QStringLiteral("dataset.csv")});
    // Without the cancel the same export replaces the file completely.
    o.isCanceled = {};
    const ExportReport r = exportProject(s, out, o);
    QCOMPARE(r.items, 4000);
    QCOMPARE(fileBytes(out).count('\n'), 4001);
    QCOMPARE(listing(outDir.path()), QStringList{QStringLiteral("dataset.csv")});
}

void TestRoundTrip::unwritableTarget()
{
    ProjectStore s;
    s.open(filterProject());
    // A directory in place of the file, and a missing parent directory.
    QVERIFY(QDir(m_dir->path()).mkdir(QStringLiteral("adir")));
    for (const QString& out : {path(QStringLiteral("adir")), path(QStringLiteral("missing/dir/out.jsonl"))}) {
        try {
            exportProject(s, out);
            QFAIL("the export must fail");
        } catch (const Error& e) {
            QVERIFY2(e.message().startsWith(out), qPrintable(e.message()));
        }
    }
    QVERIFY(QFileInfo(path(QStringLiteral("adir"))).isDir());
    QVERIFY(!QFileInfo::exists(path(QStringLiteral("missing"))));
}

QTEST_GUILESS_MAIN(TestRoundTrip)
#include "tst_roundtrip.moc"
