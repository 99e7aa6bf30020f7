// chorus-cli adjudicate as a process (issue #20) on a project file whose reviewers take turns
// ($USER is a file's reviewer): the queue lists the item whose two reviews disagree, with both
// reviewers, the LLM's label and its majority as the consensus (no saved run); the adjudication is stored once
// per UUID; the export gives the adjudicated label with source "adjudicated"; progress counts
// it. Expected values are worked out by hand from the data written in the test. The server's
// refusal of a reviewer's adjudication is in tests/model/tst_adjudication.cpp.

#include "../model/projectdump.h"
#include "clitest.h"

#include <QTemporaryDir>
#include <QtTest>

class TestCliAdjudicate : public chorus::test::CliTestCase
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        setUpCli();
        write(QStringLiteral("three.csv"), "item,annotator,label\nq1,m1,yes\nq2,m1,no\nq3,m1,yes\n");
        m_project = path(QStringLiteral("adj.chorus"));
        CLI_OK(run({QStringLiteral("import"), m_project, path(QStringLiteral("three.csv"))}));
        CLI_OK(run({QStringLiteral("team"), QStringLiteral("settings"), QStringLiteral("--project"), m_project,
                    QStringLiteral("--overlap"), QStringLiteral("2")}));
    }

    void cleanupTestCase() { qputenv("USER", m_user); }

    // q1: ana yes, bo no (disagree). q2: ana no, bo no (agree). Then dee adjudicates q1 as yes.
    void queueAdjudicateExport()
    {
        decide("ana", "q1", "yes");
        decide("bo", "q1", "no");
        decide("ana", "q2", "no");
        decide("bo", "q2", "no");
        const auto q = chorus::test::cliJson({QStringLiteral("adjudicate"), QStringLiteral("--project"), m_project,
                                              QStringLiteral("--json")});
        QCOMPARE(q["items"].size(), size_t(1));
        const auto& c = q["items"][0];
        QCOMPARE(c["item"].get<std::string>(), std::string("q1"));
        QCOMPARE(c["reason"].get<std::string>(), std::string("reviewers disagree"));
        QCOMPARE(c["reviews"].size(), size_t(2));
        QCOMPARE(c["reviews"][0]["reviewer"].get<std::string>(), std::string("ana"));
        QCOMPARE(c["reviews"][0]["label"].get<std::string>(), std::string("yes"));
        QCOMPARE(c["reviews"][1]["reviewer"].get<std::string>(), std::string("bo"));
        QCOMPARE(c["reviews"][1]["label"].get<std::string>(), std::string("no"));
        QCOMPARE(c["annotators"]["m1"].get<std::string>(), std::string("yes"));
        // No saved run: the consensus shown is the LLMs' majority, m1's yes alone (1 of 1 vote).
        QCOMPARE(c["consensus"].get<std::string>(), std::string("yes"));
        QCOMPARE(c["consensus_method"].get<std::string>(), std::string("mv (no saved run)"));
        QCOMPARE(c.value("confidence", -1.0), 1.0);

        qputenv("USER", "dee");
        const QStringList adjudicate{QStringLiteral("adjudicate"), QStringLiteral("--project"), m_project,
                                     QStringLiteral("--item"),     QStringLiteral("q1"),        QStringLiteral("--label"),
                                     QStringLiteral("yes"),        QStringLiteral("--uuid"),
                                     QStringLiteral("5e0c1f7a-2b4d-4c6e-8f10-000000000042"), QStringLiteral("--json")};
        QCOMPARE(chorus::test::cliJson(adjudicate).value("duplicate", true), false);
        QCOMPARE(chorus::test::cliJson(adjudicate).value("duplicate", false), true);
        const auto after = chorus::test::cliJson({QStringLiteral("adjudicate"), QStringLiteral("--project"), m_project,
                                                  QStringLiteral("--json")});
        QCOMPARE(after["items"].size(), size_t(0));
        const auto all = chorus::test::cliJson({QStringLiteral("adjudicate"), QStringLiteral("--project"), m_project,
                                                QStringLiteral("--all"), QStringLiteral("--json")});
        QCOMPARE(all["items"].size(), size_t(1));
        QCOMPARE(all["items"][0]["adjudicated"].get<std::string>(), std::string("yes"));

        const QString out = path(QStringLiteral("out.csv"));
        CLI_OK(run({QStringLiteral("export"), m_project, out}));
        QFile f(out);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QList<QByteArray> header = f.readLine().trimmed().split(',');
        const qsizetype idCol = header.indexOf("id"), labelCol = header.indexOf("label"), sourceCol = header.indexOf("source");
        QVERIFY(idCol >= 0 && labelCol >= 0 && sourceCol >= 0);
        QHash<QByteArray, QPair<QByteArray, QByteArray>> rows;
        while (!f.atEnd()) {
            const QList<QByteArray> cells = f.readLine().trimmed().split(',');
            rows.insert(cells[idCol], {cells[labelCol], cells[sourceCol]});
        }
        QCOMPARE(rows.value("q1"), (QPair<QByteArray, QByteArray>{"yes", "adjudicated"}));
        QCOMPARE(rows.value("q2"), (QPair<QByteArray, QByteArray>{"no", "override"}));

        const auto p = chorus::test::cliJson({QStringLiteral("progress"), QStringLiteral("--project"), m_project,
                                              QStringLiteral("--json")});
        QCOMPARE(p.value("complete", -1), 2);
        QCOMPARE(p.value("in_adjudication", -1), 0);
        QCOMPARE(p.value("adjudicated", -1), 1);
    }

    // The reviewers as annotators, on the state left by queueAdjudicateExport (q1: ana yes,
    // bo no, adjudicated yes; q2: ana no, bo no; q3: no review). Agreement of the reviewers:
    // 2 items with two labels, agreeing on one: percent agreement 1/2. Scored against the
    // adjudicated labels (q1 = yes only): ana 1 of 1, bo 0 of 1. With the LLM: annotators m1,
    // reviewer:ana, reviewer:bo, in that order.
    void reviewersAsAnnotators()
    {
        const auto a = chorus::test::cliJson({QStringLiteral("agreement"), QStringLiteral("--project"), m_project,
                                              QStringLiteral("--reviewers"), QStringLiteral("--json")});
        QCOMPARE(a.value("items", 0), 2);
        QCOMPARE(a.value("annotators", 0), 2);
        QCOMPARE(a.value("percent_agreement", 0.0), 0.5);
        const auto e = chorus::test::cliJson({QStringLiteral("evaluate"), QStringLiteral("--project"), m_project,
                                              QStringLiteral("--reviewers"), QStringLiteral("--truth"),
                                              QStringLiteral("adjudicated"), QStringLiteral("--json")});
        QCOMPARE(e.value("gold_items", 0), 1);
        QCOMPARE(e["annotators"].size(), size_t(2));
        QCOMPARE(e["annotators"][0]["annotator"].get<std::string>(), std::string("reviewer:ana"));
        QCOMPARE(e["annotators"][0].value("accuracy", -1.0), 1.0);
        QCOMPARE(e["annotators"][1]["annotator"].get<std::string>(), std::string("reviewer:bo"));
        QCOMPARE(e["annotators"][1].value("accuracy", -1.0), 0.0);
        const auto g = chorus::test::cliJson({QStringLiteral("aggregate"), QStringLiteral("--project"), m_project,
                                              QStringLiteral("--with-reviewers"), QStringLiteral("--method"),
                                              QStringLiteral("mv"), QStringLiteral("--json")});
        QCOMPARE(g["annotators"].size(), size_t(3));
        QCOMPARE(g["annotators"][0]["annotator"].get<std::string>(), std::string("m1"));
        QCOMPARE(g["annotators"][2]["annotator"].get<std::string>(), std::string("reviewer:bo"));
        const Run save = run({QStringLiteral("aggregate"), QStringLiteral("--project"), m_project,
                              QStringLiteral("--with-reviewers"), QStringLiteral("--method"), QStringLiteral("mv"),
                              QStringLiteral("--save")});
        QCOMPARE(save.code, 2);
        QVERIFY(save.err.contains("do not go with --reviewers"));
    }

    void badAdjudications()
    {
        const Run noLabel = run({QStringLiteral("adjudicate"), QStringLiteral("--project"), m_project,
                                 QStringLiteral("--item"), QStringLiteral("q2")});
        QCOMPARE(noLabel.code, 2);
        QVERIFY(noLabel.err.contains("--item needs --label"));
        const Run unknown = run({QStringLiteral("adjudicate"), QStringLiteral("--project"), m_project,
                                 QStringLiteral("--item"), QStringLiteral("q2"), QStringLiteral("--label"),
                                 QStringLiteral("maybe")});
        QCOMPARE(unknown.code, 1);
        QVERIFY(unknown.err.contains("no label \"maybe\""));
    }

private:
    void decide(const char* who, const char* item, const char* label)
    {
        qputenv("USER", who);
        const Run r = run({QStringLiteral("decide"), QStringLiteral("--project"), m_project, QStringLiteral("--item"),
                           QString::fromLatin1(item), QStringLiteral("--label"), QString::fromLatin1(label)});
        CLI_OK(r);
    }
    QString m_project;
    QByteArray m_user = qgetenv("USER");
};

QTEST_GUILESS_MAIN(TestCliAdjudicate)
#include "tst_cli_adjudicate.moc"
