// chorus-cli label as a separate process against the local chat-completions server: the
// report, --items, --dry-run, --budget, configuration errors, exit codes, and that the API key
// appears neither in its output nor in the project file.

#include "clitest.h"
#include "fakechatserver.h"
#include "llmfixture.h"

#include "importer.h"
#include "projectstore.h"
#include "snapshot.h"
#include "files.h"


#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace chorus::model;
using namespace chorus::test;

class TestLlmCli : public CliTestCase
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void labelsAllItemsWithoutLeakingTheKey();
    void itemsById();
    void itemsFromSelectExport();
    void dryRunSendsNothing();
    void budgetStopsEarly();
    void badConfigurationNamesFileAndKey();
    void authFailureExitsWithError();
    void summaryCountsRequestsSent();
    void importedAnnotatorNeedsAppendToExisting();
    void emptyConfigFileSaysSo();

private:
    struct Result
    {
        int code = -1;
        QString out, err;
    };
    // Runs chorus-cli without blocking the event loop (the server lives on this thread); its
    // output as text.
    Result cli(const QStringList& args, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment());
    QString writeConfig(const QJsonObject& extra = {});
    int storedCount();

    std::unique_ptr<FakeChatServer> m_server;
    QString m_project;
};

namespace {

const char* const kData =
    R"({"label_set": ["yes", "no"], "id": "a", "text": "is water wet", "labels": {"h": "yes"}}
{"id": "b", "text": "is fire cold", "labels": {"h": "no"}}
{"id": "c", "text": "is ice hot", "labels": {"h": "no"}}
{"id": "d", "text": "is sky blue", "labels": {"h": "yes"}}
)";

const QByteArray kSecret = "sk-cli-7d1e55aa90";

} // namespace

void TestLlmCli::initTestCase()
{
    setUpCli();
}

void TestLlmCli::init()
{
    newScratchDir();
    m_project = makeProject(*m_dir, kData);
    QVERIFY(!m_project.isEmpty());
    m_server = std::make_unique<FakeChatServer>();
    QVERIFY(m_server->listen());
    m_server->handler = [](const FakeRequest& r, int) {
        if (r.headers.value("authorization") != "Bearer " + kSecret)
            return FakeResponse::error(401, QStringLiteral("wrong key"));
        const bool yes = r.lastUser().contains(QLatin1String("wet")) || r.lastUser().contains(QLatin1String("blue"));
        return FakeResponse::completion(yes ? QStringLiteral("Yes") : QStringLiteral("No."), 50, 1);
    };
}

void TestLlmCli::cleanup()
{
    m_server.reset();
    m_dir.reset();
}

TestLlmCli::Result TestLlmCli::cli(const QStringList& args, const QProcessEnvironment& env)
{
    const Run r = runCliServing(m_cli, args, 120000, env);
    return {r.code, QString::fromUtf8(r.out), QString::fromUtf8(r.err)};
}

QString TestLlmCli::writeConfig(const QJsonObject& extra)
{
    QJsonObject o{{QStringLiteral("name"), QStringLiteral("judge-llm")},
                  {QStringLiteral("base_url"), m_server->baseUrl()},
                  {QStringLiteral("model"), QStringLiteral("tiny")},
                  {QStringLiteral("api_key_env"), QStringLiteral("CHORUS_CLI_TEST_KEY")},
                  {QStringLiteral("prompt"), QStringLiteral("Question: {text}\nAnswer {labels}.")},
                  {QStringLiteral("price_per_1m_input"), 2.0},
                  {QStringLiteral("retry_base_ms"), 10}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        o.insert(it.key(), it.value());
    const QString path = m_dir->filePath(QStringLiteral("judge.json"));
    QFile f(path);
    f.open(QIODevice::WriteOnly | QIODevice::Truncate);
    f.write(QJsonDocument(o).toJson());
    return path;
}

int TestLlmCli::storedCount()
{
    ProjectStore store;
    store.open(m_project);
    return store.scalar(QStringLiteral("SELECT COUNT(*) FROM annotations a JOIN annotators n ON n.id = a.annotator_id "
                                       "WHERE n.name = 'judge-llm'"))
        .toInt();
}

static QProcessEnvironment withKey()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("CHORUS_CLI_TEST_KEY"), QString::fromLatin1(kSecret));
    return env;
}

void TestLlmCli::labelsAllItemsWithoutLeakingTheKey()
{
    const Result r = cli({QStringLiteral("label"), QStringLiteral("--project"), m_project, QStringLiteral("--annotator"),
                          writeConfig(), QStringLiteral("--json")},
                         withKey());
    CLI_OK(r);
    const QJsonObject rep = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QCOMPARE(rep.value(QStringLiteral("answered")).toInt(), 4);
    QCOMPARE(rep.value(QStringLiteral("requests")).toInt(), 4);
    QCOMPARE(rep.value(QStringLiteral("to_ask")).toInt(), 4);
    QCOMPARE(rep.value(QStringLiteral("invalid")).toInt(), 0);
    QCOMPARE(rep.value(QStringLiteral("prompt_tokens")).toInt(), 200);
    // 200 prompt tokens at 2 per million.
    QVERIFY(std::abs(rep.value(QStringLiteral("cost")).toDouble() - 0.0004) < 1e-12);
    QCOMPARE(storedCount(), 4);
    QVERIFY(!r.out.contains(QString::fromLatin1(kSecret)));
    QVERIFY(!r.err.contains(QString::fromLatin1(kSecret)));
    for (const QString& suffix : {QString(), QStringLiteral("-wal")}) {
        QFile f(m_project + suffix);
        if (f.open(QIODevice::ReadOnly))
            QVERIFY2(!f.readAll().contains(kSecret), qPrintable(f.fileName()));
    }
    // Labels as the fake model gave them.
    ProjectStore store;
    store.open(m_project);
    QSqlQuery q = store.exec(QStringLiteral("SELECT i.ext_id, l.name FROM annotations a JOIN items i ON i.id = a.item_id "
                                            "JOIN annotators n ON n.id = a.annotator_id JOIN labels l ON l.id = a.label_id "
                                            "WHERE n.name = 'judge-llm' ORDER BY i.ext_id"));
    QStringList got;
    while (q.next())
        got << q.value(0).toString() + QLatin1Char('=') + q.value(1).toString();
    QCOMPARE(got, QStringList({QStringLiteral("a=yes"), QStringLiteral("b=no"), QStringLiteral("c=no"), QStringLiteral("d=yes")}));

    // `info --json` lists what the connector stored.
    const Result info = cli({QStringLiteral("info"), m_project, QStringLiteral("--json")});
    CLI_OK(info);
    const QJsonArray llm = QJsonDocument::fromJson(info.out.toUtf8()).object().value(QStringLiteral("llm_annotators")).toArray();
    QCOMPARE(llm.size(), 1);
    QCOMPARE(llm[0].toObject().value(QStringLiteral("name")).toString(), QStringLiteral("judge-llm"));
    QCOMPARE(llm[0].toObject().value(QStringLiteral("answers")).toInt(), 4);
    QCOMPARE(llm[0].toObject().value(QStringLiteral("prompt_tokens")).toInt(), 200);

    // A second run asks nothing.
    const Result again = cli({QStringLiteral("label"), QStringLiteral("--project"), m_project, QStringLiteral("--annotator"),
                              writeConfig()},
                             withKey());
    CLI_OK(again);
    QVERIFY2(again.out.contains(QStringLiteral("0 requests")), qPrintable(again.out));
    QVERIFY(again.out.contains(QStringLiteral("4 already answered")));
    QCOMPARE(m_server->requests.size(), 4);
}

void TestLlmCli::itemsById()
{
    const Result r = cli({QStringLiteral("label"), QStringLiteral("--project"), m_project, QStringLiteral("--annotator"),
                          writeConfig(), QStringLiteral("--items"), QStringLiteral("ids:b,d"), QStringLiteral("--quiet")},
                         withKey());
    CLI_OK(r);
    QCOMPARE(m_server->requests.size(), 2);
    QCOMPARE(storedCount(), 2);
    const Result bad = cli({QStringLiteral("label"), QStringLiteral("--project"), m_project, QStringLiteral("--annotator"),
                            writeConfig(), QStringLiteral("--items"), QStringLiteral("ids:zz")},
                           withKey());
    QCOMPARE(bad.code, 1);
    QVERIFY2(bad.err.contains(QStringLiteral("no item \"zz\"")), qPrintable(bad.err));
}

void TestLlmCli::itemsFromSelectExport()
{
    // The JSONL that `chorus-cli select --export` writes: one object with "id" per line.
    const QString file = m_dir->filePath(QStringLiteral("queue.jsonl"));
    QVERIFY(writeFile(file, "{\"id\": \"c\", \"text\": \"is ice hot\"}\n\n{\"id\": \"a\"}\n"));
    const Result r = cli({QStringLiteral("label"), QStringLiteral("--project"), m_project, QStringLiteral("--annotator"),
                          writeConfig(), QStringLiteral("--items"), QLatin1Char('@') + file, QStringLiteral("--quiet")},
                         withKey());
    CLI_OK(r);
    QCOMPARE(m_server->requests.size(), 2);
    QStringList asked;
    for (const FakeRequest& req : m_server->requests)
        asked << req.lastUser().section(QLatin1Char('\n'), 0, 0);
    asked.sort();
    QCOMPARE(asked, QStringList({QStringLiteral("Question: is ice hot"), QStringLiteral("Question: is water wet")}));
}

void TestLlmCli::dryRunSendsNothing()
{
    // Text without --json, like every other command.
    const Result text = cli({QStringLiteral("label"), QStringLiteral("--project"), m_project, QStringLiteral("--annotator"),
                             writeConfig({{QStringLiteral("system"), QStringLiteral("You label {id}.")}}),
                             QStringLiteral("--dry-run")},
                            withKey());
    CLI_OK(text);
    QVERIFY2(!text.out.trimmed().startsWith(QLatin1Char('{')), qPrintable(text.out));
    QVERIFY2(text.out.contains(QStringLiteral("judge-llm: 4 items to ask at %1/chat/completions (dry run: nothing sent)")
                                   .arg(m_server->baseUrl())),
             qPrintable(text.out));
    QVERIFY(text.out.contains(QStringLiteral("system message:\nYou label a.\n")));
    QVERIFY(text.out.contains(QStringLiteral("prompt:\nQuestion: is water wet\nAnswer yes, no.\n")));

    const Result r = cli({QStringLiteral("label"), QStringLiteral("--project"), m_project, QStringLiteral("--annotator"),
                          writeConfig(), QStringLiteral("--dry-run"), QStringLiteral("--json")},
                         withKey());
    CLI_OK(r);
    QJsonParseError pe;
    const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8(), &pe).object();
    QCOMPARE(pe.error, QJsonParseError::NoError);
    QCOMPARE(o.value(QStringLiteral("pending_items")).toInt(), 4);
    QCOMPARE(o.value(QStringLiteral("first_prompt")).toString(), QStringLiteral("Question: is water wet\nAnswer yes, no."));
    QCOMPARE(m_server->requests.size(), 0);
    QCOMPARE(storedCount(), 0);
}

void TestLlmCli::budgetStopsEarly()
{
    // 1 completion token at 100,000 per million = 0.1 per request at most (max_tokens 1) and
    // 50 prompt tokens at 2 per million; a budget of 0.25 allows two requests.
    const Result r = cli({QStringLiteral("label"), QStringLiteral("--project"), m_project, QStringLiteral("--annotator"),
                          writeConfig({{QStringLiteral("price_per_1m_output"), 100000.0},
                                       {QStringLiteral("max_tokens"), 1},
                                       {QStringLiteral("concurrency"), 1}}),
                          QStringLiteral("--budget"), QStringLiteral("0.25")},
                         withKey());
    // Items were left unasked: a distinct exit code (3), not success.
    QCOMPARE(r.code, 3);
    // One request at a time: nothing was in flight when the third was refused.
    QVERIFY2(r.out.contains(QStringLiteral("stopped at the budget of 0.25 for this run: spent 0.200200, up to 0.000000 "
                                           "was reserved for 0 request(s) in flight; 2 not asked")),
             qPrintable(r.out));
    QCOMPARE(m_server->requests.size(), 2);
    QCOMPARE(storedCount(), 2);
    // The budget is per run: the next run may spend 0.25 again and asks the last two.
    const Result again = cli({QStringLiteral("label"), QStringLiteral("--project"), m_project, QStringLiteral("--annotator"),
                              writeConfig({{QStringLiteral("price_per_1m_output"), 100000.0},
                                           {QStringLiteral("max_tokens"), 1},
                                           {QStringLiteral("concurrency"), 1}}),
                              QStringLiteral("--budget"), QStringLiteral("0.25"), QStringLiteral("--json")},
                             withKey());
    CLI_OK(again);  // stopped at nothing: every item answered
    const QJsonObject rep = QJsonDocument::fromJson(again.out.toUtf8()).object();
    QCOMPARE(rep.value(QStringLiteral("answered")).toInt(), 2);
    QCOMPARE(rep.value(QStringLiteral("not_asked")).toInt(), 0);
    QCOMPARE(storedCount(), 4);
}

void TestLlmCli::badConfigurationNamesFileAndKey()
{
    const QString path = writeConfig({{QStringLiteral("concurrency"), 0}});
    const Result r = cli({QStringLiteral("label"), QStringLiteral("--project"), m_project, QStringLiteral("--annotator"), path},
                         withKey());
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains(path + QStringLiteral(": \"concurrency\" must be in [1, 256]")), qPrintable(r.err));
    const Result usage = cli({QStringLiteral("label"), QStringLiteral("--project"), m_project});
    QCOMPARE(usage.code, 2);
    QVERIFY(usage.err.contains(QStringLiteral("--project and --annotator are required")));
}

void TestLlmCli::authFailureExitsWithError()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("CHORUS_CLI_TEST_KEY"), QStringLiteral("sk-wrong-key-0000"));
    const Result r = cli({QStringLiteral("label"), QStringLiteral("--project"), m_project, QStringLiteral("--annotator"),
                          writeConfig({{QStringLiteral("concurrency"), 1}})},
                         env);
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains(QStringLiteral("HTTP 401")), qPrintable(r.err));
    QVERIFY2(r.err.count(QStringLiteral("HTTP 401")) == 1, qPrintable(r.err));  // once, not logged and reported
    QVERIFY(r.err.contains(QStringLiteral("CHORUS_CLI_TEST_KEY")));
    QVERIFY(!r.err.contains(QStringLiteral("sk-wrong-key-0000")));
    QCOMPARE(storedCount(), 0);
    // No empty annotator is left for `evaluate` (which lists the snapshot's annotators) to
    // show with accuracy 0.
    ProjectStore store;
    store.open(m_project);
    QCOMPARE(store.scalar(QStringLiteral("SELECT COUNT(*) FROM annotators WHERE name = 'judge-llm'")).toInt(), 0);
    QVERIFY(!loadSnapshot(store).annotators.contains(QStringLiteral("judge-llm")));
}

void TestLlmCli::summaryCountsRequestsSent()
{
    // The first request gets a 500 and is retried: 5 requests sent for 4 answers.
    m_server->handler = [](const FakeRequest& r, int i) {
        if (i == 0)
            return FakeResponse::error(500, QStringLiteral("busy"));
        return FakeResponse::completion(r.lastUser().contains(QLatin1String("wet")) ? QStringLiteral("yes")
                                                                                    : QStringLiteral("no"));
    };
    const Result r = cli({QStringLiteral("label"), QStringLiteral("--project"), m_project, QStringLiteral("--annotator"),
                          writeConfig({{QStringLiteral("concurrency"), 1}}), QStringLiteral("--quiet")},
                         withKey());
    CLI_OK(r);
    QCOMPARE(m_server->requests.size(), 5);
    QVERIFY2(r.out.contains(QStringLiteral("judge-llm: 5 requests sent for 4 to ask, 4 answered (0 INVALID), 0 failed, "
                                           "1 retries, 0 already answered")),
             qPrintable(r.out));
}

void TestLlmCli::importedAnnotatorNeedsAppendToExisting()
{
    // "h" is the imported annotator of kData; c and d lose their answer so that appending asks them.
    {
        ProjectStore store;
        store.open(m_project);
        store.exec(QStringLiteral("DELETE FROM annotations WHERE annotator_id = (SELECT id FROM annotators WHERE name = 'h') "
                                  "AND item_id IN (SELECT id FROM items WHERE ext_id IN ('c', 'd'))"));
    }
    const QString cfg = writeConfig({{QStringLiteral("name"), QStringLiteral("h")}});
    const Result refused = cli({QStringLiteral("label"), QStringLiteral("--project"), m_project, QStringLiteral("--annotator"), cfg},
                               withKey());
    QCOMPARE(refused.code, 1);
    QVERIFY2(refused.err.contains(QStringLiteral("\"h\" is the name of an imported annotator (2 answers)")),
             qPrintable(refused.err));
    QVERIFY(refused.err.contains(QStringLiteral("--append-to-existing")));
    QCOMPARE(m_server->requests.size(), 0);

    const Result appended = cli({QStringLiteral("label"), QStringLiteral("--project"), m_project, QStringLiteral("--annotator"),
                                 cfg, QStringLiteral("--append-to-existing"), QStringLiteral("--json")},
                                withKey());
    CLI_OK(appended);
    const QJsonObject rep = QJsonDocument::fromJson(appended.out.toUtf8()).object();
    QCOMPARE(rep.value(QStringLiteral("skipped")).toInt(), 2);
    QCOMPARE(rep.value(QStringLiteral("answered")).toInt(), 2);
    QCOMPARE(m_server->requests.size(), 2);
}

void TestLlmCli::emptyConfigFileSaysSo()
{
    const QString path = m_dir->filePath(QStringLiteral("empty.json"));
    QVERIFY(writeFile(path, "\n"));
    const Result r = cli({QStringLiteral("label"), QStringLiteral("--project"), m_project, QStringLiteral("--annotator"), path});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains(path + QStringLiteral(": the file is empty; expected a JSON object")), qPrintable(r.err));
    QVERIFY(!r.err.contains(QStringLiteral("illegal value")));
}

QTEST_GUILESS_MAIN(TestLlmCli)
#include "tst_llmcli.moc"
