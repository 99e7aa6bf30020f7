// chorus-cli aggregate as a process: hand-derived weighted/unweighted votes, controls, --save,
// and Dawid-Skene on RTE against crowd-kit's reference accuracy.

#include "../model/projectdump.h"
#include "clitest.h"
#include "datarows.h"
#include "files.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

class TestCliAggregate : public chorus::test::CliTestCase
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        setUpCli();
        // One item; x and y say a, z says b. Gold: b.
        write(QStringLiteral("votes.csv"), "item,annotator,label\nq1,x,a\nq1,y,a\nq1,z,b\n");
        write(QStringLiteral("gold.csv"), "item,label\nq1,b\n");
    }

    void weightedVoteByHand_data()
    {
        QTest::addColumn<QByteArray>("weights");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<double>("confidence");
        // a gets w_x + w_y, b gets w_z; confidence = winner's share of the total weight.
        QTest::newRow("zOutweighsTwo") << QByteArray("annotator,weight\nx,1\ny,1\nz,5\n") << "b" << 5.0 / 7.0;
        QTest::newRow("equalWeightsIsMajority") << QByteArray("x,1\ny,1\nz,1\n") << "a" << 2.0 / 3.0;
        QTest::newRow("unlistedAnnotatorsWeighZero") << QByteArray("z,0.5\n") << "b" << 1.0;
    }

    void weightedVoteByHand()
    {
        QFETCH(QByteArray, weights);
        QFETCH(QString, expected);
        QFETCH(double, confidence);
        write(QStringLiteral("w.csv"), weights);
        const auto j = json({QStringLiteral("aggregate"), QStringLiteral("--input"), path(QStringLiteral("votes.csv")),
                             QStringLiteral("--method"), QStringLiteral("wmv"), QStringLiteral("--weights"),
                             path(QStringLiteral("w.csv")), QStringLiteral("--json")});
        QCOMPARE(QString::fromStdString(j["items"][0]["label"].get<std::string>()), expected);
        QVERIFY(std::abs(j["items"][0]["confidence"].get<double>() - confidence) < 1e-12);
    }

    void controlsAndGold()
    {
        // Majority says a; the control clamps q1 to b, so accuracy against gold b is 1.
        write(QStringLiteral("controls.csv"), "q1,b\n");
        const auto j = json({QStringLiteral("aggregate"), QStringLiteral("--input"), path(QStringLiteral("votes.csv")),
                             QStringLiteral("--gold"), path(QStringLiteral("gold.csv")), QStringLiteral("--method"),
                             QStringLiteral("mv"), QStringLiteral("--controls"), path(QStringLiteral("controls.csv")),
                             QStringLiteral("--json")});
        QCOMPARE(j["items"][0]["label"].get<std::string>(), std::string("b"));
        QCOMPARE(j["accuracy"].get<double>(), 1.0);
        const auto plain = json({QStringLiteral("aggregate"), QStringLiteral("--input"), path(QStringLiteral("votes.csv")),
                                 QStringLiteral("--gold"), path(QStringLiteral("gold.csv")), QStringLiteral("--method"),
                                 QStringLiteral("mv"), QStringLiteral("--json")});
        QCOMPARE(plain["accuracy"].get<double>(), 0.0);
    }

    void saveNeedsProjectAndStoresRun()
    {
        QCOMPARE(run({QStringLiteral("aggregate"), QStringLiteral("--input"), path(QStringLiteral("votes.csv")),
                      QStringLiteral("--method"), QStringLiteral("mv"), QStringLiteral("--save")})
                     .code,
                 2);
        const QString project = path(QStringLiteral("p.chorus"));
        CLI_OK(run({QStringLiteral("import"), project, path(QStringLiteral("votes.csv"))}));
        const auto j = json({QStringLiteral("aggregate"), QStringLiteral("--project"), project, QStringLiteral("--method"),
                             QStringLiteral("ds"), QStringLiteral("--save"), QStringLiteral("--json")});
        QCOMPARE(j["run"].get<int>(), 1);
        const auto info = json({QStringLiteral("info"), project, QStringLiteral("--json")});
        QCOMPARE(info["runs"].get<int>(), 1);
        // A run id that is not a number is refused (it once read as 0, "the latest run").
        expectCliError(run({QStringLiteral("aggregate"), QStringLiteral("--project"), project, QStringLiteral("--method"),
                            QStringLiteral("wmv"), QStringLiteral("--weights-run"), QStringLiteral("abc")}),
                       2, QStringLiteral("--weights-run takes a run id, got \"abc\""));
    }

    // crowd-kit 1.4.1 DawidSkene on RTE: accuracy in ../shared/reference/rte.json.
    void dawidSkeneOnRteMatchesCrowdKit()
    {
        SKIP_WITHOUT_SHARED();
        const auto ref = chorus::test::loadJson(chorus::test::sharedDir() + "/reference/rte.json");
        const QString data = chorus::test::shared(QStringLiteral("data/rte/"));
        const auto j = json({QStringLiteral("aggregate"), QStringLiteral("--input"), data + QStringLiteral("answers.csv"),
                             QStringLiteral("--gold"), data + QStringLiteral("gold.csv"), QStringLiteral("--method"),
                             QStringLiteral("ds"), QStringLiteral("--json")});
        QVERIFY(std::abs(j["accuracy"].get<double>() - ref["methods"]["DawidSkene"]["accuracy"].get<double>()) < 1e-9);
        QCOMPARE(j["items"].size(), size_t(800));
        QCOMPARE(j["annotators"].size(), size_t(164));
    }

    // Majority vote of a file as it comes (rows in the file's order, labels first mentioned
    // as they happen to be) equals crowd-kit's MajorityVote label for label, crowd-kit breaking
    // ties toward the alphabetically first label: the canonical label order and the default
    // tie rule. The tied count is the reference's ties_top2_within_1e-9. With ties=unresolved
    // exactly those items have no label.
    void majorityVoteMatchesCrowdKitOnEveryDataset_data()
    {
        chorus::test::addReferenceRows(false);  // the crowd datasets
    }
    void majorityVoteMatchesCrowdKitOnEveryDataset()
    {
        QFETCH(QString, dataset);
        SKIP_WITHOUT_SHARED();
        const auto ref = chorus::test::loadJson(chorus::test::sharedDir() + "/reference/" + dataset.toStdString() + ".json");
        const auto& mv = ref["methods"]["MajorityVote"];
        const QString answers = chorus::test::shared(QStringLiteral("data/%1/answers.csv").arg(dataset));
        const auto j = json({QStringLiteral("aggregate"), QStringLiteral("--input"), answers, QStringLiteral("--method"),
                             QStringLiteral("mv"), QStringLiteral("--json")});
        int differ = 0;
        for (const auto& it : j["items"])
            if (it["label"] != mv["labels"][it["item"].get<std::string>()])
                ++differ;
        QCOMPARE(differ, 0);
        QCOMPARE(j["tied_items"].get<int64_t>(), mv["ties_top2_within_1e-9"].get<int64_t>());
        const auto u = json({QStringLiteral("aggregate"), QStringLiteral("--input"), answers, QStringLiteral("--method"),
                             QStringLiteral("mv"), QStringLiteral("--param"), QStringLiteral("ties=unresolved"),
                             QStringLiteral("--json")});
        int64_t unlabelled = 0;
        for (const auto& it : u["items"])
            unlabelled += it["label"].is_null();
        QCOMPARE(unlabelled, mv["ties_top2_within_1e-9"].get<int64_t>());
        QCOMPARE(u["unresolved_items"].get<int64_t>(), unlabelled);
    }

    void methodHelpListsEveryMethod()
    {
        // The fifteen methods of docs/methods.md, in its order; `--method help` needs no project.
        const std::vector<std::string> expected{"mv",  "wmv", "wawa", "zbs", "ds",  "onecoin", "zc", "glad",
                                                "mace", "kos", "mmsr", "crh", "bwa", "bcc",     "ebcc"};
        const Run r = run({QStringLiteral("aggregate"), QStringLiteral("--method"), QStringLiteral("help")});
        CLI_OK(r);
        const QString text = QString::fromUtf8(r.out);
        for (const auto& m : expected)
            QVERIFY2(text.contains(QStringLiteral("\n%1\n").arg(QString::fromStdString(m))), m.c_str());
        const auto j = json({QStringLiteral("aggregate"), QStringLiteral("--method"), QStringLiteral("list"),
                             QStringLiteral("--json")});
        QVERIFY(j.is_array());
        std::vector<std::string> names;
        for (const auto& m : j)
            names.push_back(m["method"].get<std::string>());
        QCOMPARE(names, expected);
        // Defaults from docs/methods.md: ebcc has M = 10 subtypes, ds at most 100 EM iterations.
        auto param = [&](const std::string& method, const std::string& name) {
            for (const auto& m : j)
                if (m["method"] == method)
                    for (const auto& prm : m["params"])
                        if (prm["name"] == name)
                            return prm["default"].get<double>();
            return -1.0;
        };
        QCOMPARE(param("ebcc", "subtypes"), 10.0);
        QCOMPARE(param("ds", "max_iter"), 100.0);
    }
};

QTEST_GUILESS_MAIN(TestCliAggregate)
#include "tst_cli_aggregate.moc"
