// KOS (Karger-Oh-Shah): binary-only error, a hand-checkable case, crowd-kit 1.4.1's KOS on the
// binary crowd datasets, and a synthetic binary world.

#include "methods.h"
#include "synthetic.h"
#include "tst_common.h"

#include <QtTest>

using namespace chorus;

class TestKos : public QObject
{
    Q_OBJECT

private slots:
    void nonBinaryRejected_data()
    {
        QTest::addColumn<int>("labels");
        QTest::newRow("threeLabels") << 3;
        QTest::newRow("oneLabel") << 1;
    }

    void nonBinaryRejected()
    {
        QFETCH(int, labels);
        const auto m = agg::LabelMatrix::build(1, 1, labels, {{0, 0, 0}});
        agg::AggregationInput in;
        in.matrix = &m;
        try {
            agg::kos(in);
            QFAIL("kos accepted a non-binary label set");
        } catch (const std::invalid_argument& e) {
            QVERIFY2(QString(e.what()).contains("binary"), e.what());
        }
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, agg::aggregate("kos", in));
    }

    // Four annotators on six items; a0..a2 always give the truth (items alternate 0/1) and a3
    // always the opposite. Every item message is then A_i . y with three agreeing annotators
    // against one, and the annotator messages make a3's weight negative: KOS recovers every
    // label, and a3 agrees with none of them.
    void contrarianGetsNegativeWeight()
    {
        std::vector<agg::Annotation> anns;
        for (int i = 0; i < 6; ++i) {
            for (int a = 0; a < 3; ++a)
                anns.push_back({i, a, i % 2});
            anns.push_back({i, 3, 1 - i % 2});
        }
        const auto m = agg::LabelMatrix::build(6, 4, 2, anns);
        const auto r = agg::kos(test::inputOn(m));
        for (int i = 0; i < 6; ++i)
            QCOMPARE(r.labels[i], i % 2);
        QCOMPARE(r.competence[3], 0.0);
        QCOMPARE(r.competence[0], 1.0);
    }

    void crowdKitReference_data()
    {
        QTest::addColumn<QString>("dataset");
        for (const char* d : {"rte", "temp", "bluebirds"})
            QTest::newRow(d) << QString::fromLatin1(d);
    }

    // crowd-kit KOS(n_iter=100): the same accuracy (within 1 point) and >= 98% identical labels.
    // (KOS is poor on rte and temp: on these sparse designs the messages collapse onto one class,
    // e.g. 680 of rte's 800 items get label 1; crowd-kit's KOS does exactly the same.)
    void crowdKitReference()
    {
        test::runReferenceRow("KOS", "", "kos", agg::kos, 0.98);
    }

    // On a dense random design (every annotator labels many items), KOS beats majority vote as
    // its analysis predicts.
    void syntheticBinary()
    {
        const auto w = agg::generateDawidSkene({.numItems = 3000, .numAnnotators = 30, .numLabels = 2,
                                                .labelsPerItem = 7, .goodShare = 0.3, .mediocreShare = 0.3,
                                                .seed = 5});
        const agg::AggregationInput in = test::inputOn(w.matrix);
        const double kos = test::truthAccuracy(agg::kos(in).labels, w.truth);
        const double mv = test::truthAccuracy(agg::majorityVote(in).labels, w.truth);
        qInfo("synthetic binary: kos %.4f, mv %.4f", kos, mv);
        QVERIFY(kos > mv);
    }
};

QTEST_GUILESS_MAIN(TestKos)
#include "tst_kos.moc"
