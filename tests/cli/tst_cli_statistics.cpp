// chorus-cli agreement / evaluate / divergence run as a separate process ($CHORUS_BIN_DIR/chorus-cli)
// on the real data in ../shared/data. Every expected figure comes from ../shared/reference
// (statsmodels / nltk / scikit-learn / scipy), never from our own output.


#include <QDir>
#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include "datarows.h"
#include "stringrows.h"

#include <QtTest>

#include "clitest.h"
#include "files.h"

#include <cmath>

using namespace chorus::test;

namespace {

QJsonObject readJson(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

// The reference files round crowd figures to 6 decimals.
bool near6(double ours, double ref)
{
    return std::abs(ours - ref) <= 5e-7 + 1e-12;
}

bool near(double ours, double ref, double tol)
{
    return std::abs(ours - ref) <= tol;
}

QString pairKey(const QString& a, const QString& b)
{
    return a < b ? a + QLatin1Char('|') + b : b + QLatin1Char('|') + a;
}

} // namespace

class TestCliStatistics : public CliTestCase
{
    Q_OBJECT

private slots:
    void initTestCase();

    void agreementMatchesReference_data();
    void agreementMatchesReference();
    void agreementDisjointPairsAreNull();
    void agreementOrderedMetricGivesWeightedKappas();
    void agreementText();

    void divergenceMatchesScipy_data();
    void divergenceMatchesScipy();

    void evaluateMatchesLlmReference_data();
    void evaluateMatchesLlmReference();
    void evaluateCompareAnnotators();
    void evaluateTableForScripts();
    void evaluateAnnotatorsOnAnsweredItems_data();
    void evaluateAnnotatorsOnAnsweredItems();
    void evaluateSparseCrowdByHand();

    void errors_data();
    void errors();
};

void TestCliStatistics::initTestCase()
{
    setUpCli();
    m_runTimeoutMs = 300000;
    if (!QFileInfo::exists(shared(QStringLiteral("data"))))
        QSKIP("../shared/data is not available");
}

void TestCliStatistics::agreementMatchesReference_data()
{
    addStringRows("dataset", {
        {"rte", "rte"},
        {"temp (sklearn NaN pairs)", "temp"},
        {"bluebirds", "bluebirds"},
    });
}

// Fleiss' kappa (generalised; statsmodels on equal raters), nltk's alpha and every scikit-learn
// Cohen pair with >= 10 shared items, all rounded to 6 decimals in the reference.
void TestCliStatistics::agreementMatchesReference()
{
    QFETCH(QString, dataset);
    const Run r = run({QStringLiteral("agreement"), QStringLiteral("--input"),
                       shared(QStringLiteral("data/%1/answers.csv").arg(dataset)), QStringLiteral("--min-shared"),
                       QStringLiteral("10"), QStringLiteral("--bootstrap"), QStringLiteral("200"), QStringLiteral("--json")});
    CLI_OK(r);
    const QJsonObject j = r.json();
    const QJsonObject ref = readJson(shared(QStringLiteral("reference/%1.json").arg(dataset)));
    const QJsonObject stats = ref[QStringLiteral("stats")].toObject();
    const QJsonObject agreement = ref[QStringLiteral("agreement")].toObject();
    QCOMPARE(j[QStringLiteral("items")].toInt(), stats[QStringLiteral("items")].toInt());
    QCOMPARE(j[QStringLiteral("annotators")].toInt(), stats[QStringLiteral("annotators")].toInt());
    QCOMPARE(j[QStringLiteral("labels")].toInt(), stats[QStringLiteral("labels")].toInt());
    QCOMPARE(j[QStringLiteral("alpha_metric")].toString(), QStringLiteral("nominal"));

    const double fleiss = j[QStringLiteral("fleiss_kappa")].toDouble();
    const double alpha = j[QStringLiteral("krippendorff_alpha")].toDouble();
    const double refFleiss =
        agreement[QStringLiteral("fleiss_kappa_variable_raters")].toObject()[QStringLiteral("value")].toDouble();
    const double refAlpha =
        agreement[QStringLiteral("krippendorff_alpha_nominal_nltk")].toObject()[QStringLiteral("value")].toDouble();
    QVERIFY2(near6(fleiss, refFleiss), qPrintable(QStringLiteral("fleiss %1 vs %2").arg(fleiss, 0, 'g', 12).arg(refFleiss)));
    QVERIFY2(near6(alpha, refAlpha), qPrintable(QStringLiteral("alpha %1 vs %2").arg(alpha, 0, 'g', 12).arg(refAlpha)));
    for (const char* key : {"percent_agreement", "scott_pi", "gwet_ac1"})
        QVERIFY2(j[QLatin1String(key)].isDouble(), key);

    const QJsonObject ci = j[QStringLiteral("ci")].toObject();
    for (const auto& [key, point] : {std::pair{"fleiss_kappa", fleiss}, std::pair{"krippendorff_alpha", alpha}}) {
        const QJsonArray iv = ci[QLatin1String(key)].toArray();
        QCOMPARE(iv.size(), 2);
        QVERIFY2(iv[0].toDouble() < point && point < iv[1].toDouble(), key);
    }
    QCOMPARE(j[QStringLiteral("bootstrap")].toObject()[QStringLiteral("replicates")].toInt(), 200);

    QHash<QString, QJsonObject> ours;
    for (const QJsonValue& v : j[QStringLiteral("cohen_kappa")].toArray()) {
        const QJsonObject o = v.toObject();
        ours.insert(pairKey(o[QStringLiteral("a")].toString(), o[QStringLiteral("b")].toString()), o);
    }
    QFile csv(shared(QStringLiteral("reference/%1.cohen_pairs.csv").arg(dataset)));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    csv.readLine();  // annotator_a,annotator_b,overlap,cohen_kappa,raw_agreement
    int pairs = 0, nanPairs = 0;
    while (!csv.atEnd()) {
        const QStringList f = QString::fromUtf8(csv.readLine()).trimmed().split(QLatin1Char(','));
        if (f.size() != 5)
            continue;
        ++pairs;
        const QString key = pairKey(f[0], f[1]);
        QVERIFY2(ours.contains(key), qPrintable(key));
        const QJsonObject o = ours.value(key);
        QCOMPARE(o[QStringLiteral("n")].toInt(), f[2].toInt());
        QVERIFY2(near6(o[QStringLiteral("observed")].toDouble(), f[4].toDouble()), qPrintable(key));
        if (f[3].isEmpty()) {
            // scikit-learn gives NaN when both used one and the same category; we report 1 with
            // a note (docs/statistics.md, "One category used by everyone").
            ++nanPairs;
            QCOMPARE(o[QStringLiteral("kappa")].toDouble(), 1.0);
            QVERIFY(!o[QStringLiteral("note")].toString().isEmpty());
        } else {
            QVERIFY2(near6(o[QStringLiteral("kappa")].toDouble(), f[3].toDouble()),
                     qPrintable(QStringLiteral("%1: %2 vs %3").arg(key).arg(o[QStringLiteral("kappa")].toDouble()).arg(f[3])));
        }
    }
    QCOMPARE(pairs, agreement[QStringLiteral("cohen_kappa_pairs")].toObject()[QStringLiteral("pairs_evaluated")].toInt());
    QCOMPARE(ours.size(), pairs);  // --min-shared 10 lists exactly the reference's pairs
    if (dataset == QLatin1String("temp"))
        QCOMPARE(nanPairs, 6);
}

// rte: 164 annotators, 1254 pairs share items; the others are listed with --min-shared 0 as
// null kappas with a reason, never 0.
void TestCliStatistics::agreementDisjointPairsAreNull()
{
    const Run r = run({QStringLiteral("agreement"), QStringLiteral("--input"), shared(QStringLiteral("data/rte/answers.csv")),
                       QStringLiteral("--min-shared"), QStringLiteral("0"), QStringLiteral("--bootstrap"),
                       QStringLiteral("0"), QStringLiteral("--json")});
    CLI_OK(r);
    const QJsonObject j = r.json();
    QVERIFY(j[QStringLiteral("ci")].isNull());
    const QJsonArray pairs = j[QStringLiteral("cohen_kappa")].toArray();
    QCOMPARE(pairs.size(), 164 * 163 / 2);
    int disjoint = 0;
    for (const QJsonValue& v : pairs) {
        const QJsonObject o = v.toObject();
        if (o[QStringLiteral("n")].toInt() == 0) {
            ++disjoint;
            QVERIFY(o[QStringLiteral("kappa")].isNull());
            QCOMPARE(o[QStringLiteral("note")].toString(), QStringLiteral("no shared items"));
        }
    }
    QCOMPARE(disjoint, 164 * 163 / 2 - 1254);
}

// Hand-derived: two raters, labels 1..3 on a scale, four items: (1,1) (2,2) (3,1) (2,3).
// Table t (rows rater A) has t11=1, t22=1, t31=1, t23=1; margins r=(1,2,1), c=(2,1,1), N=4.
// Unweighted: p_o = 2/4, p_e = (1*2 + 2*1 + 1*1)/16 = 5/16, kappa = (8/16-5/16)/(11/16) = 3/11.
// Linear weights |i-j|: observed sum = 0+0+2+1 = 3 -> 3/4; expected sum_ij |i-j| r_i c_j / 16 =
// (r1: c2*1 + c3*2 = 3; r2: c1*1 + c3*1 = 3*2 = 6; r3: c1*2 + c2*1 = 5) / 16 = 14/16;
// kappa_w = 1 - (3/4)/(14/16) = 1 - 12/14 = 1/7. Quadratic weights (i-j)^2: observed 4+1 = 5 -> 5/4;
// expected (r1: 1 + 4 = 5; r2: 2*(1 + 1) = 6; r3: 2*4 + 1 = 9) / 16 = 20/16; kappa_q = 1 - 1 = 0.
void TestCliStatistics::agreementOrderedMetricGivesWeightedKappas()
{
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("scale.csv"));
    QVERIFY(writeFile(file, "item,annotator,label\n"
            "i1,A,1\ni1,B,1\ni2,A,2\ni2,B,2\ni3,A,3\ni3,B,1\ni4,A,2\ni4,B,3\n"));
    const Run r = run({QStringLiteral("agreement"), QStringLiteral("--input"), file, QStringLiteral("--metric"),
                       QStringLiteral("interval"), QStringLiteral("--bootstrap"), QStringLiteral("0"),
                       QStringLiteral("--json")});
    CLI_OK(r);
    const QJsonObject j = r.json();
    QCOMPARE(j[QStringLiteral("alpha_metric")].toString(), QStringLiteral("interval"));
    const QJsonArray pairs = j[QStringLiteral("cohen_kappa")].toArray();
    QCOMPARE(pairs.size(), 1);
    const QJsonObject o = pairs[0].toObject();
    QCOMPARE(o[QStringLiteral("n")].toInt(), 4);
    QVERIFY(near(o[QStringLiteral("kappa")].toDouble(), 3.0 / 11.0, 1e-12));
    QVERIFY(near(o[QStringLiteral("linear_kappa")].toDouble(), 1.0 / 7.0, 1e-12));
    QVERIFY(near(o[QStringLiteral("quadratic_kappa")].toDouble(), 0.0, 1e-12));
}

void TestCliStatistics::agreementText()
{
    const Run r = run({QStringLiteral("agreement"), QStringLiteral("--input"), shared(QStringLiteral("data/rte/answers.csv")),
                       QStringLiteral("--bootstrap"), QStringLiteral("50")});
    CLI_OK(r);
    QVERIFY2(r.out.contains("Fleiss' kappa         0.241384"), r.out.constData());
    QVERIFY(r.out.contains("95% CI ["));
}

void TestCliStatistics::divergenceMatchesScipy_data()
{
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("base");
    const QJsonObject ref = readJson(shared(QStringLiteral("reference/divergence-chaosnli_snli.json")));
    for (const QString& m : ref[QStringLiteral("models")].toObject().keys())
        QTest::newRow(qPrintable(m + QStringLiteral(" nats"))) << m << QStringLiteral("e");
    QTest::newRow("roberta-base_seed0 bits") << QStringLiteral("roberta-base_seed0") << QStringLiteral("2");
}

// Per item and mean KL(human || model), JS distance, TVD, cross-entropy, both entropies and the
// distance correlation, to 1e-9 (the reference has full precision).
void TestCliStatistics::divergenceMatchesScipy()
{
    QFETCH(QString, model);
    QFETCH(QString, base);
    const Run r = run({QStringLiteral("divergence"), QStringLiteral("--input"),
                       shared(QStringLiteral("data/distributions/chaosnli_snli.jsonl")), QStringLiteral("--p"),
                       QStringLiteral("human"), QStringLiteral("--q"), QStringLiteral("annotator:") + model,
                       QStringLiteral("--log"), base, QStringLiteral("--json")});
    CLI_OK(r);
    const QJsonObject j = r.json();
    const QJsonObject ref = readJson(shared(QStringLiteral("reference/divergence-chaosnli_snli.json")));
    const QJsonObject m = ref[QStringLiteral("models")].toObject()[model].toObject();
    const QJsonArray refItems = ref[QStringLiteral("items")].toArray();
    const QJsonArray humanEntropy = ref[QStringLiteral("human_entropy")].toArray();
    QCOMPARE(j[QStringLiteral("skipped")].toInt(), 0);
    const QJsonArray items = j[QStringLiteral("items")].toArray();
    QCOMPARE(items.size(), refItems.size());
    QHash<QString, QJsonObject> byId;
    for (const QJsonValue& v : items)
        byId.insert(v.toObject()[QStringLiteral("item")].toString(), v.toObject());
    const bool bits = base == QLatin1String("2");
    const double tol = 1e-9;
    for (qsizetype i = 0; i < refItems.size(); ++i) {
        const QString id = refItems[i].toString();
        QVERIFY2(byId.contains(id), qPrintable(id));
        const QJsonObject o = byId.value(id);
        auto check = [&](const char* ours, const QString& refKey, double scale) {
            const double want = m[refKey].toArray()[i].toDouble() * scale;
            QVERIFY2(near(o[QLatin1String(ours)].toDouble(), want, tol),
                     qPrintable(QStringLiteral("%1 %2: %3 vs %4").arg(id, QLatin1String(ours)).arg(o[QLatin1String(ours)].toDouble(), 0, 'g', 17).arg(want, 0, 'g', 17)));
        };
        const double perNat = bits ? 1.0 / std::log(2.0) : 1.0;  // nats -> bits for kl, ce, entropy
        check("jsd", bits ? QStringLiteral("jsd_base2") : QStringLiteral("jsd"), 1.0);
        check("tvd", QStringLiteral("tvd"), 1.0);
        check("kl", QStringLiteral("kl"), perNat);
        check("ce", QStringLiteral("ce"), perNat);
        check("entropy_q", QStringLiteral("model_entropy"), perNat);
        QVERIFY(near(o[QStringLiteral("entropy_p")].toDouble(), humanEntropy[i].toDouble() * perNat, tol));
    }
    const QJsonObject mean = j[QStringLiteral("mean")].toObject(), refMean = m[QStringLiteral("mean")].toObject();
    if (!bits) {
        for (const char* key : {"kl", "jsd", "tvd", "ce"})
            QVERIFY2(near(mean[QLatin1String(key)].toDouble(), refMean[QLatin1String(key)].toDouble(), tol), key);
    } else {
        QVERIFY(near(mean[QStringLiteral("jsd")].toDouble(), refMean[QStringLiteral("jsd_base2")].toDouble(), tol));
    }
    QVERIFY2(near(j[QStringLiteral("dcor")].toDouble(), m[QStringLiteral("dcor")].toDouble(), tol),
             qPrintable(QString::number(j[QStringLiteral("dcor")].toDouble(), 'g', 17)));
}

void TestCliStatistics::evaluateMatchesLlmReference_data()
{
    addStringRows("task", {
        {"conv_go_awry (one INVALID)", "conv_go_awry"},
        {"emotion (6 classes)", "emotion"},
        {"discourse (7 classes)", "discourse"},
    });
}

// scikit-learn accuracy and macro-F1 (labels = the task's classes, missing = wrong) per model,
// and the best / mean LLM macro-F1, to 1e-9.
void TestCliStatistics::evaluateMatchesLlmReference()
{
    QFETCH(QString, task);
    const Run r = run({QStringLiteral("evaluate"), QStringLiteral("--input"),
                       shared(QStringLiteral("data/llm/%1/items.jsonl").arg(task)), QStringLiteral("--methods"),
                       QStringLiteral("mv,ds"), QStringLiteral("--json")});
    CLI_OK(r);
    const QJsonObject j = r.json();
    const QJsonObject ref = readJson(shared(QStringLiteral("reference/llm/%1.json").arg(task)));
    QStringList ours, classes;
    for (const QJsonValue& v : j[QStringLiteral("labels")].toArray())
        ours << v.toString();
    for (const QJsonValue& v : ref[QStringLiteral("classes")].toArray())
        classes << v.toString();
    ours.sort();
    QCOMPARE(ours, classes);
    QCOMPARE(j[QStringLiteral("gold_items")].toInt(), ref[QStringLiteral("items")].toInt());

    const QJsonObject models = ref[QStringLiteral("models")].toObject();
    const QJsonArray anns = j[QStringLiteral("annotators")].toArray();
    QCOMPARE(anns.size(), models.size());
    for (const QJsonValue& v : anns) {
        const QJsonObject o = v.toObject();
        const QString name = o[QStringLiteral("annotator")].toString();
        QVERIFY2(models.contains(name), qPrintable(name));
        const QJsonObject want = models[name].toObject();
        for (const char* key : {"accuracy", "macro_f1", "coverage"})
            QVERIFY2(near(o[QLatin1String(key)].toDouble(), want[QLatin1String(key)].toDouble(), 1e-9),
                     qPrintable(QStringLiteral("%1 %2: %3 vs %4").arg(name, QLatin1String(key)).arg(o[QLatin1String(key)].toDouble(), 0, 'g', 17).arg(want[QLatin1String(key)].toDouble(), 0, 'g', 17)));
        QCOMPARE(o[QStringLiteral("per_class")].toObject().size(), classes.size());
        QCOMPARE(o[QStringLiteral("confusion")].toArray().size(), classes.size());
    }
    QVERIFY(near(j[QStringLiteral("best_annotator")].toObject()[QStringLiteral("macro_f1")].toDouble(),
                 ref[QStringLiteral("best_llm_macro_f1")].toDouble(), 1e-9));
    QVERIFY(near(j[QStringLiteral("mean_annotator")].toObject()[QStringLiteral("macro_f1")].toDouble(),
                 ref[QStringLiteral("mean_llm_macro_f1")].toDouble(), 1e-9));

    const QJsonArray methods = j[QStringLiteral("methods")].toArray();
    QCOMPARE(methods.size(), 2);
    for (const QJsonValue& v : methods) {
        const QJsonObject o = v.toObject();
        QVERIFY2(!o.contains(QStringLiteral("error")), qPrintable(o[QStringLiteral("error")].toString()));
        QVERIFY(o[QStringLiteral("macro_f1")].isDouble());
        QVERIFY(o[QStringLiteral("competence_vs_accuracy")].toObject().contains(QStringLiteral("spearman")));
    }
}

// The paired bootstrap's observed difference is the difference of the two reference macro-F1s.
void TestCliStatistics::evaluateCompareAnnotators()
{
    const Run r = run({QStringLiteral("evaluate"), QStringLiteral("--input"),
                       shared(QStringLiteral("data/llm/emotion/items.jsonl")), QStringLiteral("--methods"),
                       QStringLiteral("none"), QStringLiteral("--compare"), QStringLiteral("flan-ul2"),
                       QStringLiteral("annotator:chatgpt"), QStringLiteral("--bootstrap"), QStringLiteral("500"),
                       QStringLiteral("--json")});
    CLI_OK(r);
    const QJsonObject models = readJson(shared(QStringLiteral("reference/llm/emotion.json")))[QStringLiteral("models")].toObject();
    const double a = models[QStringLiteral("flan-ul2")].toObject()[QStringLiteral("macro_f1")].toDouble();
    const double b = models[QStringLiteral("chatgpt")].toObject()[QStringLiteral("macro_f1")].toDouble();
    const QJsonObject c = r.json()[QStringLiteral("compare")].toObject();
    QCOMPARE(c[QStringLiteral("a")].toString(), QStringLiteral("annotator:flan-ul2"));
    QCOMPARE(c[QStringLiteral("b")].toString(), QStringLiteral("annotator:chatgpt"));
    QVERIFY(near(c[QStringLiteral("difference")].toDouble(), a - b, 1e-9));
    const QJsonArray ci = c[QStringLiteral("ci")].toArray();
    QVERIFY(ci[0].toDouble() <= a - b && a - b <= ci[1].toDouble());
    const double pv = c[QStringLiteral("p_value")].toDouble();
    QVERIFY(pv > 0 && pv <= 1);
    QCOMPARE(c[QStringLiteral("replicates")].toInt(), 500);
    QCOMPARE(r.json()[QStringLiteral("methods")].toArray().size(), 0);
}

// Without --json: one tab-separated row per annotator and method plus best/mean rows, which
// scripts/results_llm_crowds.sh reads.
void TestCliStatistics::evaluateTableForScripts()
{
    const Run r = run({QStringLiteral("evaluate"), QStringLiteral("--input"),
                       shared(QStringLiteral("data/llm/emotion/items.jsonl")), QStringLiteral("--methods"),
                       QStringLiteral("mv")});
    CLI_OK(r);
    const QStringList lines = QString::fromUtf8(r.out).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.value(0),
             QStringLiteral("kind\tname\titems\taccuracy\tmacro_f1\tweighted_f1\tcoverage\tspearman\tpearson"));
    const QJsonObject ref = readJson(shared(QStringLiteral("reference/llm/emotion.json")));
    bool best = false, mean = false, mv = false;
    for (const QString& line : lines) {
        if (line.startsWith(QLatin1Char('#')))  // the closing note on how annotators are ranked
            continue;
        const QStringList f = line.split(QLatin1Char('\t'));
        QCOMPARE(f.size(), 9);
        if (f[0] == QLatin1String("best")) {
            best = true;
            QVERIFY(near(f[4].toDouble(), ref[QStringLiteral("best_llm_macro_f1")].toDouble(), 5e-7));
        } else if (f[0] == QLatin1String("mean")) {
            mean = true;
            QVERIFY(near(f[4].toDouble(), ref[QStringLiteral("mean_llm_macro_f1")].toDouble(), 5e-7));
        } else if (f[0] == QLatin1String("method")) {
            mv = f[1] == QLatin1String("mv");
        }
    }
    QVERIFY(best && mean && mv);
}

void TestCliStatistics::evaluateAnnotatorsOnAnsweredItems_data()
{
    addReferenceRows(false);  // the crowd datasets
}

// Sparse human crowds: each annotator's accuracy is over the gold items it answered, equal to
// pandas' per-annotator accuracy with its n (reference agreement.annotator_accuracy_vs_gold),
// for every annotator, to the reference's 6 decimals. Coverage is answered / gold items.
void TestCliStatistics::evaluateAnnotatorsOnAnsweredItems()
{
    QFETCH(QString, dataset);
    const Run r = run({QStringLiteral("evaluate"), QStringLiteral("--input"),
                       shared(QStringLiteral("data/%1/answers.csv").arg(dataset)), QStringLiteral("--gold"),
                       shared(QStringLiteral("data/%1/gold.csv").arg(dataset)), QStringLiteral("--methods"),
                       QStringLiteral("none"), QStringLiteral("--json")});
    CLI_OK(r);
    const QJsonObject j = r.json();
    const QJsonObject ref = readJson(shared(QStringLiteral("reference/%1.json").arg(dataset)))[QStringLiteral("agreement")]
                                .toObject()[QStringLiteral("annotator_accuracy_vs_gold")]
                                .toObject();
    QVERIFY(!ref.isEmpty());
    const double goldItems = j[QStringLiteral("gold_items")].toDouble();
    const QJsonArray anns = j[QStringLiteral("annotators")].toArray();
    int compared = 0;
    for (const QJsonValue& v : anns) {
        const QJsonObject o = v.toObject();
        const QString name = o[QStringLiteral("annotator")].toString();
        const QJsonObject want = ref[name].toObject();
        if (want.isEmpty()) {  // pandas lists only annotators with a gold item answered
            QCOMPARE(o[QStringLiteral("items")].toInt(), 0);
            QVERIFY(o[QStringLiteral("accuracy")].isNull());
            continue;
        }
        ++compared;
        QCOMPARE(o[QStringLiteral("items")].toInt(), want[QStringLiteral("n")].toInt());
        QVERIFY2(near6(o[QStringLiteral("accuracy")].toDouble(), want[QStringLiteral("acc")].toDouble()),
                 qPrintable(QStringLiteral("%1: %2 vs %3").arg(name).arg(o[QStringLiteral("accuracy")].toDouble(), 0, 'g', 17)
                                .arg(want[QStringLiteral("acc")].toDouble())));
        QVERIFY(near(o[QStringLiteral("coverage")].toDouble(), want[QStringLiteral("n")].toDouble() / goldItems, 1e-12));
    }
    QCOMPARE(compared, ref.size());
}

// Four gold items, three annotators (hand-computed):
//   item  gold  w1   w2       w3
//   i1    a     a    a        -
//   i2    b     b    INVALID  -
//   i3    a     b    -        a
//   i4    b     -    -        -
// w1 answered i1,i2,i3: 2 right of 3 -> accuracy 2/3, coverage 3/4. Class a: TP 1 (i1), predicted
// 1, support 2 (i1, i3) -> P 1, R 1/2, F1 2/3. Class b: TP 1 (i2), predicted 2 (i2, i3), support 1
// -> P 1/2, R 1, F1 2/3. Macro-F1 2/3.
// w2 answered i1,i2 (INVALID is an answer, and wrong): accuracy 1/2, coverage 2/4.
// w3 answered i3 only: accuracy 1, coverage 1/4.
// Over w2's answered items, class a: TP 1, predicted 1, support 1 -> F1 1; class b: support 1
// (i2), TP 0 -> F1 0; macro-F1 1/2.
// With --min-items 2, w3 (one lucky answer) is not ranked: best is w1 (macro-F1 2/3 > 1/2),
// mean accuracy (2/3 + 1/2) / 2 = 7/12.
void TestCliStatistics::evaluateSparseCrowdByHand()
{
    QTemporaryDir dir;
    const QString answers = dir.filePath(QStringLiteral("answers.csv"));
    const QString gold = dir.filePath(QStringLiteral("gold.csv"));
    auto write = [](const QString& path, const QByteArray& data) {
        QVERIFY(writeFile(path, data));
    };
    write(answers, "item,annotator,label\ni1,w1,a\ni2,w1,b\ni3,w1,b\ni1,w2,a\ni2,w2,INVALID\ni3,w3,a\ni4,w9,a\n");
    write(gold, "item,label\ni1,a\ni2,b\ni3,a\ni4,b\n");
    const Run r = run({QStringLiteral("evaluate"), QStringLiteral("--input"), answers, QStringLiteral("--gold"), gold,
                       QStringLiteral("--methods"), QStringLiteral("none"), QStringLiteral("--min-items"),
                       QStringLiteral("2"), QStringLiteral("--json")});
    CLI_OK(r);
    const QJsonObject j = r.json();
    QHash<QString, QJsonObject> by;
    for (const QJsonValue& v : j[QStringLiteral("annotators")].toArray())
        by.insert(v.toObject()[QStringLiteral("annotator")].toString(), v.toObject());
    const QJsonObject w1 = by.value(QStringLiteral("w1")), w2 = by.value(QStringLiteral("w2")),
                      w3 = by.value(QStringLiteral("w3"));
    QCOMPARE(w1[QStringLiteral("items")].toInt(), 3);
    QVERIFY(near(w1[QStringLiteral("accuracy")].toDouble(), 2.0 / 3, 1e-12));
    QVERIFY(near(w1[QStringLiteral("coverage")].toDouble(), 0.75, 1e-12));
    QVERIFY(near(w1[QStringLiteral("macro_f1")].toDouble(), 2.0 / 3, 1e-12));
    QCOMPARE(w2[QStringLiteral("items")].toInt(), 2);
    QVERIFY(near(w2[QStringLiteral("accuracy")].toDouble(), 0.5, 1e-12));
    QVERIFY(near(w2[QStringLiteral("coverage")].toDouble(), 0.5, 1e-12));
    QVERIFY(near(w2[QStringLiteral("macro_f1")].toDouble(), 0.5, 1e-12));
    QCOMPARE(w3[QStringLiteral("items")].toInt(), 1);
    QVERIFY(near(w3[QStringLiteral("accuracy")].toDouble(), 1.0, 1e-12));
    QVERIFY(near(w3[QStringLiteral("coverage")].toDouble(), 0.25, 1e-12));
    QCOMPARE(w3[QStringLiteral("ranked")].toBool(), false);
    QCOMPARE(j[QStringLiteral("min_items")].toInt(), 2);
    QCOMPARE(j[QStringLiteral("best_annotator")].toObject()[QStringLiteral("annotator")].toString(), QStringLiteral("w1"));
    const QJsonObject mean = j[QStringLiteral("mean_annotator")].toObject();
    QCOMPARE(mean[QStringLiteral("annotators")].toInt(), 2);
    QVERIFY(near(mean[QStringLiteral("accuracy")].toDouble(), 7.0 / 12, 1e-12));
}

void TestCliStatistics::errors_data()
{
    cliErrorColumns();
    const QString rte = shared(QStringLiteral("data/rte/answers.csv"));
    const QString chaos = shared(QStringLiteral("data/distributions/chaosnli_snli.jsonl"));
    QTest::newRow("agreementNoSource") << QStringList{QStringLiteral("agreement")} << 2
                                       << QStringLiteral("exactly one of --project");
    QTest::newRow("agreementBadMetric") << QStringList{QStringLiteral("agreement"), QStringLiteral("--input"), rte,
                                                       QStringLiteral("--metric"), QStringLiteral("cosine")}
                                        << 2 << QStringLiteral("--metric must be");
    QTest::newRow("agreementInvalidOnScale")
        << QStringList{QStringLiteral("agreement"), QStringLiteral("--input"), rte, QStringLiteral("--metric"),
                       QStringLiteral("ordinal"), QStringLiteral("--include-invalid")}
        << 2 << QStringLiteral("--include-invalid works only");
    QTest::newRow("evaluateUnknownMethod") << QStringList{QStringLiteral("evaluate"), QStringLiteral("--input"), rte,
                                                          QStringLiteral("--methods"), QStringLiteral("mv,oracle")}
                                           << 2 << QStringLiteral("unknown method \"oracle\"");
    QTest::newRow("evaluateNoGold") << QStringList{QStringLiteral("evaluate"), QStringLiteral("--input"), rte} << 1
                                    << QStringLiteral("no item has a gold label");
    QTest::newRow("evaluateCompareOneName")
        << QStringList{QStringLiteral("evaluate"), QStringLiteral("--input"), rte, QStringLiteral("--compare"),
                       QStringLiteral("mv")}
        << 2 << QStringLiteral("--compare takes two names");
    QTest::newRow("divergenceUnknownAnnotator")
        << QStringList{QStringLiteral("divergence"), QStringLiteral("--input"), chaos, QStringLiteral("--p"),
                       QStringLiteral("human"), QStringLiteral("--q"), QStringLiteral("annotator:gpt-9")}
        << 1 << QStringLiteral("no annotator \"gpt-9\"");
    QTest::newRow("divergenceNoHumanCounts")
        << QStringList{QStringLiteral("divergence"), QStringLiteral("--input"), rte, QStringLiteral("--p"),
                       QStringLiteral("human"), QStringLiteral("--q"), QStringLiteral("votes")}
        << 1 << QStringLiteral("no human judgment counts");
    QTest::newRow("divergenceBadSource")
        << QStringList{QStringLiteral("divergence"), QStringLiteral("--input"), rte, QStringLiteral("--p"),
                       QStringLiteral("votes"), QStringLiteral("--q"), QStringLiteral("oracle")}
        << 2 << QStringLiteral("unknown source \"oracle\"");
    QTest::newRow("divergenceBadLog") << QStringList{QStringLiteral("divergence"), QStringLiteral("--input"), chaos,
                                                     QStringLiteral("--p"), QStringLiteral("human"), QStringLiteral("--q"),
                                                     QStringLiteral("votes"), QStringLiteral("--log"), QStringLiteral("10")}
                                      << 2 << QStringLiteral("--log must be e or 2");
}

// Errors: the exit code, nothing on stdout, the message on stderr.
void TestCliStatistics::errors()
{
    expectCliErrorRow();
}

QTEST_GUILESS_MAIN(TestCliStatistics)
#include "tst_cli_statistics.moc"
