// export --soft calibrated (issue #21): the consensus posterior after temperature scaling,
// softmax(ln p / T) with T fitted on the selection gold, checked against values worked out by
// hand (a binary case with a closed-form T) and against a 1-D minimisation written here (a
// ternary search on T itself, not the golden-section search on ln T the library uses); the
// provenance on the first jsonl record; no gold is an error that names the problem.
//
// The projects have no saved run, so the consensus is majority vote computed on the fly, whose
// posterior is the vote share of each label (majorityvote.cpp; docs/methods.md).

#include "expecterror.h"
#include "importhelpers.h"

#include "exporter.h"
#include "importer.h"

#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <functional>

using namespace chorus::model;
using namespace chorus::test;

class TestExportCalibrated : public ImportTestBase
{
    Q_OBJECT

private slots:

    void binaryClosedForm();
    void threeLabelsAgainstTernarySearch();
    void csvColumnsCalibrated();
    void noGoldIsAnError();

private:
    QString project(const QString& name, const QByteArray& jsonl)
    {
        const QString p = path(name + QStringLiteral(".chorus"));
        importNew(p, write(name + QStringLiteral(".jsonl"), jsonl));
        return p;
    }
};

namespace {

// Binary labels a, b; three annotators. g1..g4 have gold and votes 2 a : 1 b (vote share
// (2/3, 1/3)); three of them have gold a, one gold b. n5 votes 1 a : 2 b, n6 is unanimous a.
const QByteArray kBinary = "{\"label_set\":[\"a\",\"b\"],\"id\":\"g1\",\"labels\":{\"m1\":\"a\",\"m2\":\"a\",\"m3\":\"b\"},\"gold\":\"a\"}\n"
                           "{\"id\":\"g2\",\"labels\":{\"m1\":\"a\",\"m2\":\"b\",\"m3\":\"a\"},\"gold\":\"a\"}\n"
                           "{\"id\":\"g3\",\"labels\":{\"m1\":\"b\",\"m2\":\"a\",\"m3\":\"a\"},\"gold\":\"a\"}\n"
                           "{\"id\":\"g4\",\"labels\":{\"m1\":\"a\",\"m2\":\"a\",\"m3\":\"b\"},\"gold\":\"b\"}\n"
                           "{\"id\":\"n5\",\"labels\":{\"m1\":\"a\",\"m2\":\"b\",\"m3\":\"b\"}}\n"
                           "{\"id\":\"n6\",\"labels\":{\"m1\":\"a\",\"m2\":\"a\",\"m3\":\"a\"}}\n";

// Hand derivation. Every gold item has the row (2/3, 1/3); after scaling, the majority label gets
// q(T) = 2^(1/T) / (2^(1/T) + 1). The mean NLL on the four gold items is
// -(3/4) ln q - (1/4) ln(1 - q), the Bernoulli log-likelihood, minimised at q = 3/4: 2^(1/T) = 3,
// T = ln 2 / ln 3 = 0.63093. Then n5's row (1/3, 2/3) becomes (1/4, 3/4), g1..g4's (3/4, 1/4), and
// n6's (1, 1e-15 clipped) keeps b at 1e-15^(ln 3 / ln 2) ~ 1.6e-24.
const double kBinaryT = std::log(2.0) / std::log(3.0);

double softOf(const QJsonObject& line, const char* label)
{
    return line.value(QStringLiteral("soft_label")).toObject().value(QLatin1String(label)).toDouble(std::nan(""));
}

} // namespace

void TestExportCalibrated::binaryClosedForm()
{
    ProjectStore s;
    s.open(project(QStringLiteral("binary"), kBinary));
    ExportOptions o;
    o.soft = QStringLiteral("calibrated");
    o.calibrationFraction = 1;  // fit on every gold item
    const QString out = path(QStringLiteral("out.jsonl"));
    const ExportReport r = exportProject(s, out, o);
    QVERIFY2(std::abs(r.temperature - kBinaryT) < 1e-5, qPrintable(QString::number(r.temperature, 'g', 10)));
    QCOMPARE(r.calibrationItems, 4);

    const QList<QJsonObject> lines = jsonLines(out);
    QCOMPARE(lines.size(), 6);
    for (int k = 0; k < 4; ++k) {
        QVERIFY(std::abs(softOf(lines[k], "a") - 0.75) < 1e-6);
        QVERIFY(std::abs(softOf(lines[k], "b") - 0.25) < 1e-6);
    }
    QVERIFY(std::abs(softOf(lines[4], "a") - 0.25) < 1e-6);
    QVERIFY(std::abs(softOf(lines[4], "b") - 0.75) < 1e-6);
    QVERIFY(std::abs(softOf(lines[5], "a") - 1.0) < 1e-12);
    QVERIFY(softOf(lines[5], "b") < 1e-20);

    // Provenance: the first record says the soft labels are calibrated, with T and its fit.
    const QJsonObject c = lines[0].value(QStringLiteral("soft_label_calibration")).toObject();
    QVERIFY(!c.isEmpty());
    QVERIFY(std::abs(c.value(QStringLiteral("temperature")).toDouble() - kBinaryT) < 1e-5);
    QCOMPARE(c.value(QStringLiteral("fitted_on_gold_items")).toInt(), 4);
    QCOMPARE(c.value(QStringLiteral("consensus")).toString(), QStringLiteral("mv (computed)"));
    QVERIFY(c.value(QStringLiteral("method")).toString().contains(QStringLiteral("temperature scaling")));
    QVERIFY(!lines[1].contains(QStringLiteral("soft_label_calibration")));

    // --soft posterior writes the raw vote shares and no calibration record.
    o.soft = QStringLiteral("posterior");
    exportProject(s, out, o);
    const QList<QJsonObject> raw = jsonLines(out);
    QVERIFY(std::abs(softOf(raw[0], "a") - 2.0 / 3.0) < 1e-12);
    QVERIFY(!raw[0].contains(QStringLiteral("soft_label_calibration")));
}

void TestExportCalibrated::threeLabelsAgainstTernarySearch()
{
    // Labels x, y, z; four annotators, so the vote shares are quarters. Every gold label got at
    // least one vote (no row puts 1e-15 on its gold).
    const QByteArray data = "{\"label_set\":[\"x\",\"y\",\"z\"],\"id\":\"i1\",\"labels\":{\"m1\":\"x\",\"m2\":\"x\",\"m3\":\"x\",\"m4\":\"y\"},\"gold\":\"y\"}\n"
                            "{\"id\":\"i2\",\"labels\":{\"m1\":\"x\",\"m2\":\"x\",\"m3\":\"y\",\"m4\":\"z\"},\"gold\":\"x\"}\n"
                            "{\"id\":\"i3\",\"labels\":{\"m1\":\"z\",\"m2\":\"z\",\"m3\":\"z\",\"m4\":\"x\"},\"gold\":\"z\"}\n"
                            "{\"id\":\"i4\",\"labels\":{\"m1\":\"y\",\"m2\":\"y\",\"m3\":\"x\",\"m4\":\"x\"},\"gold\":\"x\"}\n"
                            "{\"id\":\"i5\",\"labels\":{\"m1\":\"y\",\"m2\":\"z\",\"m3\":\"y\",\"m4\":\"y\"},\"gold\":\"z\"}\n"
                            "{\"id\":\"i6\",\"labels\":{\"m1\":\"x\",\"m2\":\"y\",\"m3\":\"z\",\"m4\":\"z\"}}\n";
    // The vote shares (x, y, z) and gold, written out by hand from the lines above.
    const double rows[6][3] = {{0.75, 0.25, 0}, {0.5, 0.25, 0.25}, {0.25, 0, 0.75},
                               {0.5, 0.5, 0},   {0, 0.75, 0.25},   {0.25, 0.25, 0.5}};
    const int gold[5] = {1, 0, 2, 0, 2};
    auto scaled = [&](int i, double t) {
        std::vector<double> p(3);
        double z = 0;
        for (int k = 0; k < 3; ++k)
            z += p[k] = std::pow(std::max(rows[i][k], 1e-15), 1 / t);
        for (double& v : p)
            v /= z;
        return p;
    };
    auto nll = [&](double t) {
        double sum = 0;
        for (int i = 0; i < 5; ++i)
            sum -= std::log(scaled(i, t)[gold[i]]);
        return sum / 5;
    };
    // Ternary search on T in [0.05, 20] (the NLL is unimodal in T here: convex in 1/T).
    double lo = 0.05, hi = 20;
    for (int it = 0; it < 300; ++it) {
        const double m1 = lo + (hi - lo) / 3, m2 = hi - (hi - lo) / 3;
        if (nll(m1) < nll(m2))
            hi = m2;
        else
            lo = m1;
    }
    const double expectedT = (lo + hi) / 2;
    QVERIFY2(expectedT > 1.05 && expectedT < 19, "the case should soften (overconfident votes), inside the range");

    ProjectStore s;
    s.open(project(QStringLiteral("three"), data));
    ExportOptions o;
    o.soft = QStringLiteral("calibrated");
    o.calibrationFraction = 1;
    const QString out = path(QStringLiteral("three.jsonl"));
    const ExportReport r = exportProject(s, out, o);
    QVERIFY2(std::abs(r.temperature - expectedT) < 1e-4 * expectedT,
             qPrintable(QStringLiteral("%1 vs %2").arg(r.temperature, 0, 'g', 10).arg(expectedT, 0, 'g', 10)));
    const QList<QJsonObject> lines = jsonLines(out);
    QCOMPARE(lines.size(), 6);
    for (int i = 0; i < 6; ++i) {
        const std::vector<double> p = scaled(i, expectedT);
        QVERIFY2(std::abs(softOf(lines[i], "x") - p[0]) < 1e-5, qPrintable(QString::number(i)));
        QVERIFY2(std::abs(softOf(lines[i], "y") - p[1]) < 1e-5, qPrintable(QString::number(i)));
        QVERIFY2(std::abs(softOf(lines[i], "z") - p[2]) < 1e-5, qPrintable(QString::number(i)));
    }
}

void TestExportCalibrated::csvColumnsCalibrated()
{
    ProjectStore s;
    s.open(project(QStringLiteral("binary"), kBinary));
    ExportOptions o;
    o.soft = QStringLiteral("calibrated");
    o.calibrationFraction = 1;
    o.annotatorLabels = false;
    const QString out = path(QStringLiteral("out.csv"));
    exportProject(s, out, o);
    const QList<QStringList> rows = parseCsv(fileBytes(out));
    QCOMPARE(rows.value(0), (QStringList{QStringLiteral("id"), QStringLiteral("text"), QStringLiteral("label"),
                                         QStringLiteral("source"), QStringLiteral("confidence"), QStringLiteral("status"),
                                         QStringLiteral("note"), QStringLiteral("p_a"), QStringLiteral("p_b")}));
    QCOMPARE(rows.value(5).value(0), QStringLiteral("n5"));
    QVERIFY(std::abs(rows[5][7].toDouble() - 0.25) < 1e-6);
    QVERIFY(std::abs(rows[5][8].toDouble() - 0.75) < 1e-6);
}

void TestExportCalibrated::noGoldIsAnError()
{
    ProjectStore s;
    s.open(project(QStringLiteral("nogold"), "{\"label_set\":[\"a\",\"b\"],\"id\":\"n1\",\"labels\":{\"m1\":\"a\",\"m2\":\"b\"}}\n"
                                             "{\"id\":\"n2\",\"labels\":{\"m1\":\"a\",\"m2\":\"a\"}}\n"));
    ExportOptions o;
    o.soft = QStringLiteral("calibrated");
    const QString out = path(QStringLiteral("nogold-out.jsonl"));
    EXPECT_ERROR(exportProject(s, out, o), QStringLiteral("gold"));
    QVERIFY(!QFile::exists(out));
}

QTEST_GUILESS_MAIN(TestExportCalibrated)
#include "tst_exportcalibrated.moc"
