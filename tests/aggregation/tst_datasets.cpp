// The test-support loaders (tests/support/datasets.cpp) that every real-data test builds on,
// checked against the datasets' published sizes and facts read off the files by hand.

#include "datarows.h"

#include <QtTest>

#include <algorithm>
#include <stdexcept>

using namespace chorus;

class TestDatasets : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        SKIP_WITHOUT_SHARED();
    }

    void crowdSizes_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("items");
        QTest::addColumn<int>("workers");
        QTest::addColumn<qint64>("answers");
        // Snow et al. (EMNLP 2008), RTE: 800 items, 164 workers, 8,000 labels.
        QTest::newRow("rte") << QStringLiteral("rte") << 800 << 164 << qint64(8000);
        // Welinder et al. (NIPS 2010), bluebirds: 108 images, 39 workers, 4,212 labels.
        QTest::newRow("bluebirds") << QStringLiteral("bluebirds") << 108 << 39 << qint64(4212);
    }

    void crowdSizes()
    {
        QFETCH(QString, name);
        QFETCH(int, items);
        QFETCH(int, workers);
        QFETCH(qint64, answers);
        const test::Dataset d = test::loadCrowd(name.toStdString());
        QCOMPARE(d.matrix.numItems(), items);
        QCOMPARE(d.matrix.numAnnotators(), workers);
        QCOMPARE(static_cast<qint64>(d.matrix.numAnnotations()), answers);
        // Both are binary tasks with labels "0" and "1", indexed in string order.
        QCOMPARE(d.labels, (std::vector<std::string>{"0", "1"}));
        // Every item has gold in these two datasets.
        QCOMPARE(std::count(d.gold.begin(), d.gold.end(), -1), 0L);
    }

    void crowdOrderAndGold()
    {
        // rte/answers.csv begins "0,7,1" and gold.csv "0,1" then "1,0": item "0" comes first,
        // annotator "7" first, the first answer is label "1", and gold of items "0"/"1" is 1/0.
        const test::Dataset d = test::loadCrowd("rte");
        QCOMPARE(d.items.front(), std::string("0"));
        QCOMPARE(d.annotators.front(), std::string("7"));
        QCOMPARE(d.matrix.labelOf(0, 0), 1);
        QCOMPARE(d.gold[d.itemIndex.at("0")], 1);
        QCOMPARE(d.gold[d.itemIndex.at("1")], 0);
    }

    void llmTask()
    {
        // flute/items.jsonl: 500 lines, 13 models per line (chatgpt, flan-t5-*, text-*), and the
        // four FLUTE classes of label_options.csv; conv_go_awry has one INVALID answer (item
        // 2764, text-ada-001), which must be the invalid code, not a label.
        const test::Dataset f = test::loadLlmTask("flute");
        QCOMPARE(f.matrix.numItems(), 500);
        QCOMPARE(f.matrix.numAnnotators(), 13);
        QCOMPARE(f.labels, (std::vector<std::string>{"Idiom", "Metaphor", "Sarcasm", "Simile"}));
        const test::Dataset c = test::loadLlmTask("conv_go_awry");
        QVERIFY(std::find(c.labels.begin(), c.labels.end(), "INVALID") == c.labels.end());
        QCOMPARE(c.matrix.labelOf(c.itemIndex.at("2764"), c.annotatorIndex.at("text-ada-001")), agg::kInvalidLabel);
    }

    void missingDatasetNamesThePath()
    {
        try {
            test::loadCrowd("no-such-dataset");
            QFAIL("loaded a dataset that does not exist");
        } catch (const std::runtime_error& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QLatin1String("no-such-dataset/answers.csv")), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestDatasets)
#include "tst_datasets.moc"
