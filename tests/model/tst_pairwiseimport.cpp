// Pairwise importer: CSV and JSONL fields, Likert mappings, judge kinds, first_shown and lengths,
// and "file:line: problem" errors. Expected values are read off the small files below.

#include "errors.h"
#include "files.h"
#include "pairwiseimport.h"

#include <QBuffer>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace chorus;

class TestPairwiseImport : public QObject
{
    Q_OBJECT

private slots:
    void csvAllColumns()
    {
        // BOM, quoted category with a comma, columns in any order, upper-case header.
        QByteArray csv = "\xEF\xBB\xBF" "judge,MODEL_A,model_b,winner,category,item,judge_kind,first_shown,len_a,len_b\n"
                         "ann,x,y,model_b,\"a, b\",q1,human,y,10,20\n"
                         "bot,y,x,tie,,q1,,model_a,,\n"
                         "human_2,x,y,a,c,q2,,,,\n";
        const agg::PairwiseData d = read(csv, false);
        QCOMPARE(d.judgments.size(), size_t(3));
        QCOMPARE(d.models, (std::vector<std::string>{"x", "y"}));
        QCOMPARE(d.categories, (std::vector<std::string>{"a, b", "c"}));
        const agg::Judgment& j0 = d.judgments[0];
        QCOMPARE(j0.outcome, agg::Outcome::B);
        QCOMPARE(j0.firstShown, int8_t(1));  // "y" is model_b
        QCOMPARE(j0.lengthA, 10.0);
        QCOMPARE(j0.lengthB, 20.0);
        QCOMPARE(d.judgeKinds[0], agg::JudgeKind::Human);     // given
        QCOMPARE(d.judgeKinds[1], agg::JudgeKind::Llm);       // "bot": no "human" in the name
        QCOMPARE(d.judgeKinds[2], agg::JudgeKind::Human);     // inferred from the name
        QCOMPARE(d.judgments[1].outcome, agg::Outcome::Tie);
        QCOMPARE(d.judgments[1].firstShown, int8_t(0));
        QCOMPARE(d.judgments[1].category, -1);
        QVERIFY(std::isnan(d.judgments[1].lengthA));
        QCOMPARE(d.judgments[1].item, d.judgments[0].item);
        QCOMPARE(d.judgments[2].firstShown, int8_t(-1));
    }

    void likert_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QList<int>>("expected");  // outcome per score 1..8, -1 = not allowed
        QTest::newRow("default") << QString() << QList<int>{0, 0, 0, 2, 2, 1, 1, 1};
        QTest::newRow("narrowTie") << QStringLiteral("1-4=a, 5=tie, 6-8=model_b") << QList<int>{0, 0, 0, 0, 2, 1, 1, 1};
        QTest::newRow("partial") << QStringLiteral("1=a,8=b") << QList<int>{0, -1, -1, -1, -1, -1, -1, 1};
    }

    void likert()
    {
        QFETCH(QString, spec);
        QFETCH(QList<int>, expected);
        model::PairwiseImportOptions o;
        if (!spec.isEmpty())
            o.likert = model::LikertMapping::parse(spec);
        for (int s = 1; s <= 8; ++s) {
            QByteArray line = "{\"model_a\":\"x\",\"model_b\":\"y\",\"winner\":" + QByteArray::number(s) + "}\n";
            if (expected[s - 1] < 0) {
                QVERIFY_THROWS_EXCEPTION(model::Error, read(line, true, o));
                continue;
            }
            const agg::PairwiseData d = read(line, true, o);
            QCOMPARE(static_cast<int>(d.judgments[0].outcome), expected[s - 1]);
            QCOMPARE(d.judgments[0].score, int8_t(s));
        }
    }

    void badLikertSpec()
    {
        QVERIFY_THROWS_EXCEPTION(model::Error, model::LikertMapping::parse(QStringLiteral("1-9=a")));
        QVERIFY_THROWS_EXCEPTION(model::Error, model::LikertMapping::parse(QStringLiteral("1-3=left")));
        QVERIFY_THROWS_EXCEPTION(model::Error, model::LikertMapping::parse(QStringLiteral("3")));
    }

    void errorsNameFileAndLine_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<bool>("jsonl");
        QTest::addColumn<QString>("message");
        QTest::newRow("jsonlNotObject") << QByteArray("{\"model_a\":\"x\",\"model_b\":\"y\",\"winner\":\"a\"}\n[1]\n") << true
                                        << QStringLiteral("in:2: not a JSON object");
        QTest::newRow("jsonlNoWinner") << QByteArray("{\"model_a\":\"x\",\"model_b\":\"y\"}\n") << true
                                       << QStringLiteral("in:1: no \"winner\"");
        QTest::newRow("jsonlBadType") << QByteArray("{\"model_a\":\"x\",\"model_b\":\"y\",\"winner\":[1]}\n") << true
                                      << QStringLiteral("in:1: winner must be");
        QTest::newRow("emptyModel") << QByteArray("model_a,model_b,winner\n,y,a\n") << false
                                    << QStringLiteral("in:2: model_a and model_b");
        QTest::newRow("badFirstShown") << QByteArray("model_a,model_b,winner,first_shown\nx,y,a,z\n") << false
                                       << QStringLiteral("in:2: first_shown");
        QTest::newRow("negativeLength") << QByteArray("model_a,model_b,winner,len_a\nx,y,a,-3\n") << false
                                        << QStringLiteral("in:2: len_a");
        QTest::newRow("kindChanges") << QByteArray("model_a,model_b,winner,judge,judge_kind\nx,y,a,j,human\nx,y,a,j,llm\n")
                                     << false << QStringLiteral("in:3: judge \"j\" changes");
    }

    void errorsNameFileAndLine()
    {
        QFETCH(QByteArray, content);
        QFETCH(bool, jsonl);
        QFETCH(QString, message);
        try {
            read(content, jsonl);
            QFAIL("no error");
        } catch (const model::Error& e) {
            QVERIFY2(e.message().startsWith(message), qPrintable(e.message()));
        }
    }

    void fileDetectsJsonl()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("j.txt"));
        QVERIFY(chorus::test::writeFile(path, "  {\"model_a\":\"x\",\"model_b\":\"y\",\"winner\":\"tie\",\"len_a\":5,\"len_b\":7.5}\n"));
        const agg::PairwiseData d = model::readPairwiseFile(path);
        QCOMPARE(d.judgments.size(), size_t(1));
        QCOMPARE(d.judgments[0].lengthB, 7.5);
        QVERIFY_THROWS_EXCEPTION(model::Error, model::readPairwiseFile(dir.filePath(QStringLiteral("missing.csv"))));
    }

private:
    static agg::PairwiseData read(const QByteArray& content, bool jsonl, const model::PairwiseImportOptions& o = {})
    {
        QBuffer b;
        b.setData(content);
        b.open(QIODevice::ReadOnly);
        return model::readPairwise(&b, QStringLiteral("in"), jsonl, o);
    }
};

QTEST_GUILESS_MAIN(TestPairwiseImport)
#include "tst_pairwiseimport.moc"
