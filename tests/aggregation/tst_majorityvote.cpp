// Majority vote: hand-derived cases and crowd-kit 1.4.1's MajorityVote on the real datasets.

#include "aggregation.h"
#include "datarows.h"
#include "datasets.h"

#include <QtTest>

using namespace chorus;

class TestMajorityVote : public QObject
{
    Q_OBJECT

private slots:
    void handCases_data()
    {
        QTest::addColumn<QVector<int>>("labels");  // labels of one item, 3 classes
        QTest::addColumn<int>("expected");
        QTest::addColumn<int>("tied");
        QTest::newRow("clearWinner") << QVector<int>{2, 2, 1} << 2 << 0;
        QTest::newRow("tieSmallestIndexWins") << QVector<int>{2, 1} << 1 << 1;
        QTest::newRow("threeWayTie") << QVector<int>{2, 0, 1} << 0 << 1;
        QTest::newRow("invalidIgnored") << QVector<int>{-1, -1, 2} << 2 << 0;
        QTest::newRow("onlyInvalid") << QVector<int>{-1} << -1 << 0;
    }

    void handCases()
    {
        QFETCH(QVector<int>, labels);
        QFETCH(int, expected);
        QFETCH(int, tied);
        std::vector<agg::Annotation> anns;
        for (int a = 0; a < labels.size(); ++a)
            anns.push_back({0, a, labels[a]});
        const auto m = agg::LabelMatrix::build(1, static_cast<int32_t>(labels.size()), 3, anns);
        agg::AggregationInput in;
        in.matrix = &m;
        const auto r = agg::majorityVote(in);
        QCOMPARE(r.labels[0], expected);
        QCOMPARE(r.tiedItems, static_cast<int64_t>(tied));
        // Posterior = vote shares over valid labels (hand count), uniform with none.
        int valid = 0;
        for (int l : labels)
            valid += l >= 0;
        for (int l = 0; l < 3; ++l) {
            const double share = valid == 0 ? 1.0 / 3
                                            : double(std::count(labels.begin(), labels.end(), l)) / valid;
            QCOMPARE(r.posteriorAt(0, l), share);
        }
    }

    void controlsClampItem()
    {
        const auto m = agg::LabelMatrix::build(1, 2, 2, {{0, 0, 0}, {0, 1, 0}});
        agg::AggregationInput in;
        in.matrix = &m;
        in.controls = {1};
        const auto r = agg::majorityVote(in);
        QCOMPARE(r.labels[0], 1);
        QCOMPARE(r.posteriorAt(0, 1), 1.0);
        // Both annotators disagree with the clamped truth.
        QCOMPARE(r.competence[0], 0.0);
    }

    void duplicateAnnotationRejected()
    {
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 agg::LabelMatrix::build(1, 1, 2, {{0, 0, 0}, {0, 0, 1}}));
    }

    void crowdKitReference_data()
    {
        test::addReferenceRows(false);  // the crowd datasets
    }

    // Identical labels to crowd-kit except items whose top two vote shares tie (crowd-kit breaks
    // ties alphabetically; our loader orders labels alphabetically, so even those agree), and
    // skills equal crowd-kit's agreement-with-aggregate to the reference's 6 decimals.
    void crowdKitReference()
    {
        FETCH_REFERENCE(d, file);
        const auto& ref = file["methods"]["MajorityVote"];
        agg::AggregationInput in;
        in.matrix = &d.matrix;
        const auto r = agg::majorityVote(in);
        int differ = 0;
        for (const auto& [item, label] : ref["labels"].items()) {
            const int32_t idx = d.itemIndex.at(item);
            if (d.labels[r.labels[idx]] != label.get<std::string>())
                ++differ;
        }
        QCOMPARE(differ, 0);
        QCOMPARE(r.tiedItems, ref["ties_top2_within_1e-9"].get<int64_t>());
        for (const auto& [ann, skill] : ref["skills"].items())
            QVERIFY2(std::abs(r.competence[d.annotatorIndex.at(ann)] - skill.get<double>()) < 5e-7,
                     ann.c_str());
        int correct = 0, total = 0;
        for (size_t i = 0; i < d.gold.size(); ++i)
            if (d.gold[i] >= 0) {
                ++total;
                correct += r.labels[i] == d.gold[i];
            }
        QVERIFY(std::abs(double(correct) / total - ref["accuracy"].get<double>()) < 1e-6);
    }
};

QTEST_GUILESS_MAIN(TestMajorityVote)
#include "tst_majorityvote.moc"
