// chorus-cli team settings / claim / decide / release / progress as processes (issue #20), on
// a project file or, in the _pg run, a server project (the reviewer is then the server login).
// Expected values are worked out by hand from the data written in the test.

#include "../model/projectdump.h"
#include "clitest.h"
#include "testprojects.h"

#include <QTemporaryDir>
#include <QtTest>

class TestCliTeam : public chorus::test::CliTestCase
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        setUpCli();
        // Four items, labels yes/no; an LLM label on each.
        write(QStringLiteral("four.csv"), "item,annotator,label\nq1,m1,yes\nq2,m1,no\nq3,m1,yes\nq4,m1,no\n");
        m_project = chorus::test::projectLocation(*m_dir, QStringLiteral("team.chorus"));
        CLI_OK(run({QStringLiteral("import"), m_project, path(QStringLiteral("four.csv"))}));
    }

    void settingsRoundTrip()
    {
        const auto j = chorus::test::cliJson({QStringLiteral("team"), QStringLiteral("settings"), QStringLiteral("--project"),
                                              m_project, QStringLiteral("--overlap"), QStringLiteral("2"),
                                              QStringLiteral("--order"), QStringLiteral("queue"), QStringLiteral("--json")});
        QCOMPARE(j.value("overlap", 0), 2);
        QCOMPARE(j.value("order", std::string()), std::string("queue"));
        QCOMPARE(j.value("lease_minutes", 0), 30);  // the default
        const auto again = chorus::test::cliJson({QStringLiteral("team"), QStringLiteral("settings"),
                                                  QStringLiteral("--project"), m_project, QStringLiteral("--json")});
        QCOMPARE(again.value("overlap", 0), 2);
        const Run bad = run({QStringLiteral("team"), QStringLiteral("settings"), QStringLiteral("--project"), m_project,
                             QStringLiteral("--order"), QStringLiteral("alphabetical")});
        QCOMPARE(bad.code, 2);
        QVERIFY(bad.err.contains("unknown order \"alphabetical\""));
    }

    // Queue order: the first claim holds q1, q2; deciding q1 twice with one UUID stores it once
    // and ends that claim; progress counts one decided item and one live claim.
    void claimDecideProgress()
    {
        const auto c = chorus::test::cliJson({QStringLiteral("claim"), QStringLiteral("--project"), m_project,
                                              QStringLiteral("--n"), QStringLiteral("2"), QStringLiteral("--json")});
        QCOMPARE(c["claims"].size(), size_t(2));
        QCOMPARE(c["claims"][0]["item"].get<std::string>(), std::string("q1"));
        QCOMPARE(c["claims"][1]["item"].get<std::string>(), std::string("q2"));
        const QStringList decide{QStringLiteral("decide"), QStringLiteral("--project"), m_project, QStringLiteral("--item"),
                                 QStringLiteral("q1"),     QStringLiteral("--label"),   QStringLiteral("no"),
                                 QStringLiteral("--uuid"), QStringLiteral("0b6f0c1e-7d0a-4f5e-9a57-3a1f2b3c4d5e"),
                                 QStringLiteral("--json")};
        const auto first = chorus::test::cliJson(decide);
        const auto second = chorus::test::cliJson(decide);
        QCOMPARE(first.value("duplicate", true), false);
        QCOMPARE(second.value("duplicate", false), true);
        QCOMPARE(second.value("id", 0), first.value("id", -1));
        const auto p = chorus::test::cliJson({QStringLiteral("progress"), QStringLiteral("--project"), m_project,
                                              QStringLiteral("--json")});
        QCOMPARE(p.value("items", 0), 4);
        QCOMPARE(p.value("complete", -1), 0);  // overlap 2: one reviewer is not enough
        QCOMPARE(p.value("remaining", 0), 4);
        QCOMPARE(p["reviewers"].size(), size_t(1));
        QCOMPARE(p["reviewers"][0].value("decided", 0), 1);
        QCOMPARE(p["reviewers"][0].value("claimed", 0), 1);  // q2 still held
        const auto r = chorus::test::cliJson({QStringLiteral("release"), QStringLiteral("--project"), m_project,
                                              QStringLiteral("--json")});
        QCOMPARE(r.value("released", 0), 1);
    }

    void badDecisions_data()
    {
        QTest::addColumn<QStringList>("extra");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("message");
        QTest::newRow("noKind") << QStringList{QStringLiteral("--item"), QStringLiteral("q1")} << 2
                                << QStringLiteral("give one of --label L, --accept or --flag");
        QTest::newRow("twoKinds") << QStringList{QStringLiteral("--item"), QStringLiteral("q1"), QStringLiteral("--flag"),
                                                 QStringLiteral("--accept")}
                                  << 2 << QStringLiteral("give one of");
        QTest::newRow("unknownItem") << QStringList{QStringLiteral("--item"), QStringLiteral("q9"), QStringLiteral("--flag")}
                                     << 1 << QStringLiteral("no item \"q9\"");
        QTest::newRow("unknownLabel") << QStringList{QStringLiteral("--item"), QStringLiteral("q1"), QStringLiteral("--label"),
                                                     QStringLiteral("maybe")}
                                      << 1 << QStringLiteral("no label \"maybe\"");
    }

    void badDecisions()
    {
        QFETCH(QStringList, extra);
        QFETCH(int, code);
        QFETCH(QString, message);
        const Run r = run(QStringList{QStringLiteral("decide"), QStringLiteral("--project"), m_project} + extra);
        QCOMPARE(r.code, code);
        QVERIFY2(QString::fromUtf8(r.err).contains(message), r.err.constData());
    }

private:
    QString m_project;
};

QTEST_GUILESS_MAIN(TestCliTeam)
#include "tst_cli_team.moc"
