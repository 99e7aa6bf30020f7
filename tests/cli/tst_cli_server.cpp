// chorus-cli push / pull / projects against the test server (issue #19). The expected value is
// always the original project file: after a push its server copy, and after a pull the file
// made from that, must give the same `info --json` and the same exports in every format with
// the decision history, byte for byte. Refusals must leave the server and files as they were.

#include "../model/projectdump.h"
#include "stringrows.h"
#include "testprojects.h"

#include "clitest.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

using namespace chorus::test;

class TestCliServer : public CliTestCase
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void pushThenPullGivesTheSameProject_data();
    void pushThenPullGivesTheSameProject();
    void pushRefusesExistingUnlessReplace();
    void failedPushLeavesNothing();
    void pullRefusesExistingFile();
    void projectsListsOnlyChorusProjects();
    void badArguments_data();
    void badArguments();

private:
    QString server(const QString& name) const { return serverProjectLocation(*m_dir, name); }
    QStringList serverProjects();
    // Every output a user can get from a project: info and all export formats with history.
    QHash<QString, QByteArray> outputs(const QString& project);
    // The sample data set plus review decisions (notes with quotes and newlines) and saved runs.
    QString richProject(const QString& name);
};

void TestCliServer::initTestCase()
{
    setUpCli();
    m_runTimeoutMs = 300000;
    QVERIFY(!serverUri().isEmpty());
}

void TestCliServer::init()
{
    newScratchDir();
}

QStringList TestCliServer::serverProjects()
{
    const Run r = run({QStringLiteral("projects"), serverUri(), QStringLiteral("--json")});
    QStringList out;
    for (const QJsonValue& v : QJsonDocument::fromJson(r.out).array())
        out << v.toString();
    return out;
}

QHash<QString, QByteArray> TestCliServer::outputs(const QString& project)
{
    QHash<QString, QByteArray> out;
    const Run info = run({QStringLiteral("info"), project, QStringLiteral("--json")});
    out.insert(QStringLiteral("info"), info.code == 0 ? info.out : "failed: " + info.err);
    int k = 0;
    for (const QString& format : {QStringLiteral("jsonl"), QStringLiteral("csv")}) {
        for (const QStringList& extra :
             {QStringList{QStringLiteral("--history")}, QStringList{QStringLiteral("--soft"), QStringLiteral("posterior")},
              QStringList{QStringLiteral("--reviewed-only")}}) {
            const QString target = path(QStringLiteral("out%1.%2").arg(k++).arg(format));
            QFile::remove(target);
            const Run r = run(QStringList{QStringLiteral("export"), project, target, QStringLiteral("--format"), format} + extra);
            QFile f(target);
            const QString key = format + QLatin1Char(' ') + extra.join(QLatin1Char(' '));
            out.insert(key, r.code == 0 && f.open(QIODevice::ReadOnly) ? f.readAll() : "failed: " + r.err);
        }
    }
    for (const QString& format : {QStringLiteral("long-csv"), QStringLiteral("wide-csv")}) {
        const QString target = path(QStringLiteral("out%1.csv").arg(k++));
        const Run r = run({QStringLiteral("export"), project, target, QStringLiteral("--format"), format});
        QFile f(target);
        out.insert(format, r.code == 0 && f.open(QIODevice::ReadOnly) ? f.readAll() : "failed: " + r.err);
    }
    return out;
}

QString TestCliServer::richProject(const QString& name)
{
    const QString p = path(name + QStringLiteral(".chorus"));
    if (run({QStringLiteral("import"), p, QStringLiteral(CHORUS_SOURCE_DIR "/resources/sample/sample.jsonl")}).code != 0)
        return {};
    for (const char* method : {"ds", "mace"})
        if (run({QStringLiteral("aggregate"), QStringLiteral("--project"), p, QStringLiteral("--method"),
                 QString::fromLatin1(method), QStringLiteral("--save")})
                .code
            != 0)
            return {};
    bool ok = true;
    withRawConnection(
        p,
        [&](QSqlDatabase& db) {
            QSqlQuery q(db);
            // Decisions written straight into the file: item, action, label, status, note, author.
            ok = q.exec(QStringLiteral(
                "INSERT INTO decisions (item_id, action, label_id, status, note, author, created_at) VALUES "
                "(1, 'label', 2, 'reviewed', 'checked \"twice\"\nwith a newline', 'ana', '2024-05-01T09:00:00.000Z'), "
                "(2, 'flag', NULL, 'flagged', 'tab\there', 'ben', '2024-05-01T09:01:00.000Z'), "
                "(1, 'note', 2, 'reviewed', 'back\\slash', 'ana', '2024-05-01T09:02:00.000Z')"));
        },
        false);
    return ok ? p : QString();
}

void TestCliServer::pushThenPullGivesTheSameProject_data()
{
    addStringRows("kind", {
        {"sampleWithDecisionsAndRuns", "rich"},
        {"sparseCrowd", "sparse"},
    });
}

void TestCliServer::pushThenPullGivesTheSameProject()
{
    QFETCH(QString, kind);
    QString original;
    if (kind == QLatin1String("rich")) {
        original = richProject(QStringLiteral("orig"));
    } else {
        // 300 items, 200 annotators, each item labelled by 3 of them (a sparse human crowd),
        // rows in a scrambled order, one INVALID answer.
        QByteArray csv = "item,annotator,label\n";
        for (int i = 0; i < 300; ++i)
            for (int k = 0; k < 3; ++k) {
                const int a = (i * 7 + k * 61) % 200;
                const char* label = (i + a) % 4 == 0 ? "neg" : ((i + a) % 4 == 1 ? "neu" : "pos");
                csv += "x" + QByteArray::number((i * 37) % 300) + ",w" + QByteArray::number(a) + "," + label + "\n";
            }
        csv += "x5,w199,???\n";
        QVERIFY(writeFile(path(QStringLiteral("sparse.csv")), csv));
        original = path(QStringLiteral("sparse.chorus"));
        const Run r = run({QStringLiteral("import"), original, path(QStringLiteral("sparse.csv")), QStringLiteral("--labels"),
                           QStringLiteral("neg,neu,pos")});
        CLI_OK(r);
    }
    QVERIFY(!original.isEmpty());
    const QString uri = server(kind);
    const Run push = run({QStringLiteral("push"), original, uri});
    CLI_OK(push);
    const QString pulled = path(kind + QStringLiteral("-back.chorus"));
    const Run pull = run({QStringLiteral("pull"), uri, pulled});
    CLI_OK(pull);

    const auto expected = outputs(original);
    const auto onServer = outputs(uri);
    const auto back = outputs(pulled);
    QVERIFY(expected.value(QStringLiteral("info")).contains("\"items\""));
    for (auto it = expected.begin(); it != expected.end(); ++it) {
        QVERIFY2(!it.value().startsWith("failed"), qPrintable(it.key() + QStringLiteral(": ") + QString::fromUtf8(it.value())));
        QVERIFY2(onServer.value(it.key()) == it.value(), qPrintable(QStringLiteral("server differs: ") + it.key()));
        QVERIFY2(back.value(it.key()) == it.value(), qPrintable(QStringLiteral("pulled file differs: ") + it.key()));
    }
    // The tables themselves, row for row (ids included).
    QCOMPARE(dumpProjectFile(pulled).filter(QRegularExpression(QStringLiteral("^(?!schema)"))),
             dumpProjectFile(original).filter(QRegularExpression(QStringLiteral("^(?!schema)"))));
    // Ids continue after the copy: a new decision on the server gets the next id.
    withRawConnection(
        uri,
        [&](QSqlDatabase& db) {
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("INSERT INTO decisions (item_id, action, status, note, author, created_at) "
                                          "VALUES (1, 'flag', 'flagged', '', 'chorus_admin', 'x') RETURNING id")));
            QVERIFY(q.next());
            QSqlQuery m(db);
            QVERIFY(m.exec(QStringLiteral("SELECT MAX(id) FROM decisions WHERE action <> 'flag' OR item_id <> 1")));
            QVERIFY(m.next());
            QVERIFY(q.value(0).toLongLong() > m.value(0).toLongLong());
        },
        false);
}

void TestCliServer::pushRefusesExistingUnlessReplace()
{
    const QString a = richProject(QStringLiteral("a"));
    QVERIFY(!a.isEmpty());
    const QString uri = server(QStringLiteral("taken"));
    CLI_OK(run({QStringLiteral("push"), a, uri}));
    const QStringList before = dumpProjectFile(uri);
    // Another project under the same name.
    const QString b = path(QStringLiteral("b.chorus"));
    QVERIFY(QFile::copy(QStringLiteral(CHORUS_TEST_DATA "/import/tiny_long.csv"), path(QStringLiteral("tiny.csv"))));
    CLI_OK(run({QStringLiteral("import"), b, path(QStringLiteral("tiny.csv"))}));
    const Run refused = run({QStringLiteral("push"), b, uri});
    QCOMPARE(refused.code, 1);
    QVERIFY2(refused.err.contains("already exists; --replace replaces it"), refused.err.constData());
    QCOMPARE(dumpProjectFile(uri), before);
    const Run replaced = run({QStringLiteral("push"), b, uri, QStringLiteral("--replace")});
    CLI_OK(replaced);
    QCOMPARE(outputs(uri), outputs(b));
    // No scratch project is left behind.
    for (const QString& name : serverProjects())
        QVERIFY2(!name.startsWith(QLatin1String("chorus_push_")), qPrintable(name));
}

void TestCliServer::failedPushLeavesNothing()
{
    const QStringList before = serverProjects();
    const QString notAProject = path(QStringLiteral("notes.chorus"));
    QVERIFY(writeFile(notAProject, "item,annotator,label\n"));
    const QString uri = server(QStringLiteral("never"));
    const Run r = run({QStringLiteral("push"), notAProject, uri});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("not a Chorus project"), r.err.constData());
    // Other tests make projects on the same server meanwhile: what must not be there is the
    // target or a scratch copy.
    const QStringList after = serverProjects();
    QVERIFY(!after.contains(QUrlQuery(QUrl(uri)).queryItemValue(QStringLiteral("project"))));
    for (const QString& name : after)
        QVERIFY2(before.contains(name) || !name.startsWith(QLatin1String("chorus_push_")), qPrintable(name));
}

void TestCliServer::pullRefusesExistingFile()
{
    const QString a = richProject(QStringLiteral("pullme"));
    const QString uri = server(QStringLiteral("pullme"));
    CLI_OK(run({QStringLiteral("push"), a, uri}));
    const QString target = path(QStringLiteral("exists.chorus"));
    QVERIFY(writeFile(target, "keep me"));
    const Run r = run({QStringLiteral("pull"), uri, target});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("file already exists"), r.err.constData());
    QFile g(target);
    QVERIFY(g.open(QIODevice::ReadOnly));
    QCOMPARE(g.readAll(), QByteArray("keep me"));
    CLI_OK(run({QStringLiteral("pull"), uri, target, QStringLiteral("--replace")}));
    QCOMPARE(outputs(target), outputs(a));
    // Nothing half-written is left next to it.
    QCOMPARE(QDir(m_dir->path()).entryList({QStringLiteral("*.pulling-*")}), QStringList());
}

void TestCliServer::projectsListsOnlyChorusProjects()
{
    const QString a = richProject(QStringLiteral("listed"));
    const QString uri = server(QStringLiteral("listed"));
    CLI_OK(run({QStringLiteral("push"), a, uri}));
    withRawConnection(
        withProject(serverUri(), QStringLiteral("public")),
        [&](QSqlDatabase& db) {
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("CREATE SCHEMA IF NOT EXISTS not_ours")));
            QVERIFY(q.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS not_ours.meta (key TEXT, value TEXT)")));
        },
        false);
    const QStringList names = serverProjects();
    QVERIFY(names.contains(QUrlQuery(QUrl(uri)).queryItemValue(QStringLiteral("project"))));
    QVERIFY(!names.contains(QStringLiteral("not_ours")));
    QVERIFY(!names.contains(QStringLiteral("public")));
    QStringList sorted = names;
    sorted.sort();
    QCOMPARE(names, sorted);
}

void TestCliServer::badArguments_data()
{
    cliErrorColumns();
    QTest::newRow("pushToAFile") << QStringList{QStringLiteral("push"), QStringLiteral("a.chorus"), QStringLiteral("b.chorus")} << 2
                                 << QStringLiteral("is not a server URI");
    QTest::newRow("pushWithoutProject") << QStringList{QStringLiteral("push"), QStringLiteral("a.chorus"),
                                                       QStringLiteral("postgresql://db/labels")}
                                        << 2 << QStringLiteral("the URI names no project");
    QTest::newRow("pullFromAFile") << QStringList{QStringLiteral("pull"), QStringLiteral("a.chorus"), QStringLiteral("b.chorus")} << 2
                                   << QStringLiteral("is not a server URI");
    QTest::newRow("teamUnknownAction") << QStringList{QStringLiteral("team"), QStringLiteral("fire"),
                                                      QStringLiteral("postgresql://db/labels?project=p")}
                                       << 2 << QStringLiteral("unknown team action \"fire\"");
    QTest::newRow("teamBadRole") << QStringList{QStringLiteral("team"), QStringLiteral("add"),
                                                QStringLiteral("postgresql://db/labels?project=p"), QStringLiteral("bo"),
                                                QStringLiteral("--role"), QStringLiteral("boss")}
                                 << 2 << QStringLiteral("--role must be manager, adjudicator or reviewer");
}

void TestCliServer::badArguments()
{
    expectCliErrorRow();
}

QTEST_GUILESS_MAIN(TestCliServer)
#include "tst_cli_server.moc"
