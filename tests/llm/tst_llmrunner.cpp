// The LLM connector against a chat-completions server on 127.0.0.1 (fakechatserver.h): the
// prompts it sends, the labels and probabilities it stores, retries (429 with Retry-After, 5xx,
// timeouts, malformed JSON), cost accounting, the budget cap, cancel and resume without
// duplicate requests, the order-bias check, few-shot examples, concurrency and rate limits,
// fatal errors, and that the API key never reaches the project file or the log.

#include "fakechatserver.h"
#include "llmfixture.h"

#include "errors.h"
#include "importer.h"
#include "llmrunner.h"
#include "projectstore.h"
#include "snapshot.h"

#include <QFile>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <memory>

using namespace chorus::model;
using chorus::test::FakeChatServer;
using chorus::test::FakeRequest;
using chorus::test::FakeResponse;

class TestLlmRunner : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void promptsSentAndLabelsStored();
    void tokenLimitFieldAndServerTemperature();
    void costAccounting();
    void usageEstimatedWhenMissing();
    void retriesHonourRetryAfter();
    void malformedJsonIsRetriedThenGivenUp();
    void slowResponseTimesOutAndIsRetried();
    void logprobsBecomeProbabilities();
    void cancelStopsAndKeepsAnswers();
    void resumeSkipsAnsweredItems();
    void budgetCapStopsTheRun();
    void orderCheckAsksTwiceWithReversedOptions();
    void fewShotExamplesFromReviewedItems();
    void concurrencyIsBounded();
    void rateLimitSpacesRequests();
    void authenticationFailureStopsTheRun();
    void unreachableEndpointStops_data();
    void unreachableEndpointStops();
    void cancelWithFailedRequestsInFlightWarnsNothing();
    void runThatStoresNothingLeavesNoAnnotator();
    void importedAnnotatorNameIsRefused();
    void missingKeyVariableIsAnError();
    void apiKeyNeverStoredOrLogged();
    void itemSubset();
    void droppedConnectionIsRetried();
    void notFoundIsFatal();
    void retryAfterAsHttpDate();

private:
    LlmConfig config() const;
    LlmRunReport run(const LlmConfig& c, LlmRunOptions o = {});
    QList<QPair<QString, QVariant>> stored(const QString& annotator);  // (item, label or NULL)
    int annotatorRows(const QString& name);  // rows in annotators + llm_annotators

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FakeChatServer> m_server;
    QString m_project;
    QStringList m_log;
};

namespace {

// Six items: "good ..." should be positive, "bad ..." negative, the rest the model cannot say.
const char* const kData =
    R"({"label_set": ["positive", "negative", "neutral"], "id": "g1", "text": "good film", "labels": {"h": "positive"}, "meta": {"source": "web"}}
{"id": "b1", "text": "bad film", "labels": {"h": "negative"}, "meta": {"source": "shop"}}
{"id": "g2", "text": "good food", "labels": {"h": "positive"}, "meta": {"source": "web"}}
{"id": "b2", "text": "bad food", "labels": {"h": "neutral"}, "meta": {"source": "web"}}
{"id": "x1", "text": "a chair", "labels": {"h": "neutral"}, "meta": {"source": "web"}}
{"id": "x2", "text": "a table", "labels": {"h": "neutral"}}
)";

FakeResponse byText(const FakeRequest& r, int)
{
    const QString q = r.lastUser();
    if (q.contains(QLatin1String("good")))
        return FakeResponse::completion(QStringLiteral("Positive."));
    if (q.contains(QLatin1String("bad")))
        return FakeResponse::completion(QStringLiteral("negative"));
    return FakeResponse::completion(QStringLiteral("I cannot tell."));
}

} // namespace

void TestLlmRunner::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_project = chorus::test::makeProject(*m_dir, kData);
    QVERIFY(!m_project.isEmpty());
    m_server = std::make_unique<FakeChatServer>();
    QVERIFY(m_server->listen());
    m_server->handler = byText;
    m_log.clear();
}

void TestLlmRunner::cleanup()
{
    m_server.reset();
    m_dir.reset();
}

LlmConfig TestLlmRunner::config() const
{
    LlmConfig c;
    c.name = QStringLiteral("tiny-llm");
    c.baseUrl = m_server->baseUrl();
    c.model = QStringLiteral("tiny");
    c.prompt = QStringLiteral("Classify: {text}\nOptions: {labels}\nSource: {meta.source}");
    c.retryBaseMs = 10;
    c.retryMaxMs = 50;
    return c;
}

LlmRunReport TestLlmRunner::run(const LlmConfig& c, LlmRunOptions o)
{
    if (!o.log)
        o.log = [this](const QString& line) { m_log << line; };
    return runLlmLabeling(m_project, c, o);
}

int TestLlmRunner::annotatorRows(const QString& name)
{
    ProjectStore store;
    store.open(m_project);
    return store.scalar(QStringLiteral("SELECT (SELECT COUNT(*) FROM annotators WHERE name = ?) + "
                                       "(SELECT COUNT(*) FROM llm_annotators l JOIN annotators a ON a.id = l.annotator_id "
                                       "WHERE a.name = ?)"),
                        {name, name})
        .toInt();
}

// Counts Qt's warnings that a reply's error was reported twice, while it is installed.
class DoubleErrorWarnings
{
public:
    DoubleErrorWarnings()
    {
        s_count = 0;
        m_previous = qInstallMessageHandler(&DoubleErrorWarnings::handle);
        s_previous = m_previous;
    }
    ~DoubleErrorWarnings() { qInstallMessageHandler(m_previous); }
    int count() const { return s_count; }

private:
    static void handle(QtMsgType type, const QMessageLogContext& ctx, const QString& msg)
    {
        if (msg.contains(QLatin1String("must only be called once")))
            ++s_count;
        if (s_previous)
            s_previous(type, ctx, msg);
    }
    static inline int s_count = 0;
    static inline QtMessageHandler s_previous = nullptr;
    QtMessageHandler m_previous = nullptr;
};

QList<QPair<QString, QVariant>> TestLlmRunner::stored(const QString& annotator)
{
    ProjectStore store;
    store.open(m_project);
    QSqlQuery q = store.exec(QStringLiteral("SELECT i.ext_id, l.name FROM annotations a JOIN items i ON i.id = a.item_id "
                                            "JOIN annotators n ON n.id = a.annotator_id LEFT JOIN labels l ON l.id = a.label_id "
                                            "WHERE n.name = ? ORDER BY i.id"),
                             {annotator});
    QList<QPair<QString, QVariant>> out;
    while (q.next())
        out.append({q.value(0).toString(), q.value(1)});
    return out;
}

void TestLlmRunner::tokenLimitFieldAndServerTemperature()
{
    // OpenAI's newer (reasoning) models refuse "max_tokens" and any temperature but their own:
    // the config can name max_completion_tokens and leave the temperature out.
    LlmConfig c = LlmConfig::fromJson(R"({"name": "tiny-llm", "base_url": "http://127.0.0.1:1/v1", "model": "tiny",
        "prompt": "Classify: {text}", "temperature": null, "max_tokens": 7,
        "max_tokens_field": "max_completion_tokens", "retry_base_ms": 1})", QStringLiteral("cfg.json"));
    c.baseUrl = config().baseUrl;
    const LlmRunReport r = run(c);
    QVERIFY2(r.fatalError.isEmpty(), qPrintable(r.fatalError));
    QCOMPARE(m_server->requests.size(), 6);
    for (const FakeRequest& req : m_server->requests) {
        QVERIFY(!req.json.contains(QStringLiteral("temperature")));
        QVERIFY(!req.json.contains(QStringLiteral("max_tokens")));
        QCOMPARE(req.json.value(QStringLiteral("max_completion_tokens")).toInt(), 7);
    }
}

void TestLlmRunner::promptsSentAndLabelsStored()
{
    LlmConfig c = config();
    c.system = QStringLiteral("Answer with one label.");
    c.temperature = 0.5;
    c.maxTokens = 3;
    const LlmRunReport r = run(c);
    QVERIFY2(r.fatalError.isEmpty(), qPrintable(r.fatalError));
    QCOMPARE(r.totals.total, qint64(6));
    QCOMPARE(r.totals.done, qint64(6));
    QCOMPARE(r.totals.invalid, qint64(2));
    QCOMPARE(r.totals.failed, qint64(0));
    QCOMPARE(r.totals.sent, qint64(6));
    QCOMPARE(m_server->requests.size(), 6);

    QStringList questions;
    for (const FakeRequest& req : m_server->requests) {
        QCOMPARE(req.method, QByteArray("POST"));
        QCOMPARE(req.path, QByteArray("/v1/chat/completions"));
        QCOMPARE(req.headers.value("content-type"), QByteArray("application/json"));
        QVERIFY(!req.headers.contains("authorization"));  // no api_key_env: no header
        QCOMPARE(req.json.value(QStringLiteral("model")).toString(), QStringLiteral("tiny"));
        QCOMPARE(req.json.value(QStringLiteral("temperature")).toDouble(), 0.5);
        QCOMPARE(req.json.value(QStringLiteral("max_tokens")).toInt(), 3);
        const QJsonArray m = req.messages();
        QCOMPARE(m.size(), 2);
        QCOMPARE(m[0].toObject().value(QStringLiteral("role")).toString(), QStringLiteral("system"));
        QCOMPARE(m[0].toObject().value(QStringLiteral("content")).toString(), QStringLiteral("Answer with one label."));
        QCOMPARE(m[1].toObject().value(QStringLiteral("role")).toString(), QStringLiteral("user"));
        questions << req.lastUser();
    }
    questions.sort();
    // The template filled in by hand for each item (x2 has no metadata: empty source).
    QStringList expected = {
        QStringLiteral("Classify: good film\nOptions: positive, negative, neutral\nSource: web"),
        QStringLiteral("Classify: bad film\nOptions: positive, negative, neutral\nSource: shop"),
        QStringLiteral("Classify: good food\nOptions: positive, negative, neutral\nSource: web"),
        QStringLiteral("Classify: bad food\nOptions: positive, negative, neutral\nSource: web"),
        QStringLiteral("Classify: a chair\nOptions: positive, negative, neutral\nSource: web"),
        QStringLiteral("Classify: a table\nOptions: positive, negative, neutral\nSource: "),
    };
    expected.sort();
    QCOMPARE(questions, expected);

    const auto rows = stored(QStringLiteral("tiny-llm"));
    QCOMPARE(rows.size(), 6);
    const QHash<QString, QString> want = {{QStringLiteral("g1"), QStringLiteral("positive")},
                                          {QStringLiteral("b1"), QStringLiteral("negative")},
                                          {QStringLiteral("g2"), QStringLiteral("positive")},
                                          {QStringLiteral("b2"), QStringLiteral("negative")},
                                          {QStringLiteral("x1"), QString()},
                                          {QStringLiteral("x2"), QString()}};
    for (const auto& [item, label] : rows)
        QCOMPARE(label.isNull() ? QString() : label.toString(), want.value(item));

    // INVALID answers keep the raw output; the annotator is an LLM; the config is stored.
    ProjectStore store;
    store.open(m_project);
    QCOMPARE(store.scalar(QStringLiteral("SELECT raw FROM annotations a JOIN items i ON i.id = a.item_id WHERE "
                                         "i.ext_id = 'x1' AND a.label_id IS NULL"))
                 .toString(),
             QStringLiteral("I cannot tell."));
    // raw is NULL when the answer is exactly the label ("negative" for b1), as in imports, and
    // kept when it differs ("Positive." for g1); llm_answers keeps every answer as sent.
    auto annotationRaw = [&](const char* item) {
        return store.scalar(QStringLiteral("SELECT raw FROM annotations a JOIN items i ON i.id = a.item_id JOIN annotators n "
                                           "ON n.id = a.annotator_id WHERE n.name = 'tiny-llm' AND i.ext_id = ?"),
                            {QLatin1String(item)});
    };
    QVERIFY(annotationRaw("b1").isNull());
    QCOMPARE(annotationRaw("g1").toString(), QStringLiteral("Positive."));
    QCOMPARE(store.scalar(QStringLiteral("SELECT raw FROM llm_answers a JOIN items i ON i.id = a.item_id WHERE i.ext_id = 'b1'"))
                 .toString(),
             QStringLiteral("negative"));
    QCOMPARE(store.scalar(QStringLiteral("SELECT kind FROM annotators WHERE name = 'tiny-llm'")).toString(),
             QStringLiteral("llm"));
    const QJsonObject cfg =
        QJsonDocument::fromJson(store.scalar(QStringLiteral("SELECT config FROM llm_annotators")).toString().toUtf8()).object();
    QCOMPARE(cfg.value(QStringLiteral("model")).toString(), QStringLiteral("tiny"));
    // The new annotator is part of the snapshot the review table and aggregation use.
    const Snapshot s = loadSnapshot(store);
    QVERIFY(s.annotators.contains(QStringLiteral("tiny-llm")));
}

void TestLlmRunner::costAccounting()
{
    // 1,000 prompt tokens at 1.5 per million and 3 completion tokens at 4 per million:
    // 0.0015 + 0.000012 = 0.001512 per request, 0.009072 for six.
    m_server->handler = [](const FakeRequest&, int) { return FakeResponse::completion(QStringLiteral("neutral"), 1000, 3); };
    LlmConfig c = config();
    c.pricePer1MInput = 1.5;
    c.pricePer1MOutput = 4;
    const LlmRunReport r = run(c);
    QCOMPARE(r.totals.promptTokens, qint64(6000));
    QCOMPARE(r.totals.completionTokens, qint64(18));
    QVERIFY(std::abs(r.totals.cost - 0.009072) < 1e-12);
    ProjectStore store;
    store.open(m_project);
    const QList<LlmAnnotatorSummary> sums = llmSummaries(store);
    QCOMPARE(sums.size(), 1);
    QCOMPARE(sums[0].name, QStringLiteral("tiny-llm"));
    QCOMPARE(sums[0].answers, qint64(6));
    QCOMPARE(sums[0].promptTokens, qint64(6000));
    QVERIFY(std::abs(sums[0].cost - 0.009072) < 1e-12);
    QVERIFY(std::abs(store.scalar(QStringLiteral("SELECT cost FROM llm_answers LIMIT 1")).toDouble() - 0.001512) < 1e-15);
    QVERIFY(llmProgressText(r.totals).contains(QStringLiteral("6 of 6 answered")));
}

void TestLlmRunner::usageEstimatedWhenMissing()
{
    // No "usage" in the response: tokens are estimated as ceil(characters / 4).
    m_server->handler = [](const FakeRequest&, int) { return FakeResponse::completion(QStringLiteral("neutral"), -1); };
    LlmConfig c = config();
    c.pricePer1MInput = 1e6;  // one unit per token, so cost = tokens
    LlmRunOptions o;
    o.itemIds = chorus::test::itemIds(m_project, {QStringLiteral("x2")});
    const LlmRunReport r = run(c, o);
    QCOMPARE(r.totals.done, qint64(1));
    // "Classify: a table\nOptions: positive, negative, neutral\nSource: " is 63 characters ->
    // 16 tokens; "neutral" is 7 characters -> 2 tokens.
    QCOMPARE(m_server->requests[0].lastUser().size(), 63);
    QCOMPARE(r.totals.promptTokens, qint64(16));
    QCOMPARE(r.totals.completionTokens, qint64(2));
    QCOMPARE(r.totals.cost, 16.0);
    ProjectStore store;
    store.open(m_project);
    QCOMPARE(store.scalar(QStringLiteral("SELECT usage_estimated FROM llm_answers")).toInt(), 1);
}

void TestLlmRunner::retriesHonourRetryAfter()
{
    // Request 0: 429 "wait 1 s"; request 1: 503; then answers.
    m_server->handler = [](const FakeRequest& r, int i) {
        if (i == 0)
            return FakeResponse::error(429, QStringLiteral("slow down"), "1");
        if (i == 1)
            return FakeResponse::error(503, QStringLiteral("overloaded"));
        return byText(r, i);
    };
    LlmConfig c = config();
    c.concurrency = 1;
    LlmRunOptions o;
    o.itemIds = chorus::test::itemIds(m_project, {QStringLiteral("g1"), QStringLiteral("b1")});
    const LlmRunReport r = run(c, o);
    QCOMPARE(r.totals.done, qint64(2));
    QCOMPARE(r.totals.retries, qint64(2));
    QCOMPARE(r.totals.failed, qint64(0));
    QCOMPARE(m_server->requests.size(), 4);
    // Nothing was sent during the second the server asked for.
    QVERIFY2(m_server->requests[1].arrivedMs - m_server->requests[0].arrivedMs >= 950,
             qPrintable(QString::number(m_server->requests[1].arrivedMs - m_server->requests[0].arrivedMs)));
    QVERIFY(m_log.join(QLatin1Char('\n')).contains(QStringLiteral("HTTP 429: slow down; retry 1/5")));
    QVERIFY(m_log.join(QLatin1Char('\n')).contains(QStringLiteral("HTTP 503: overloaded")));
    const auto rows = stored(QStringLiteral("tiny-llm"));
    QCOMPARE(rows.size(), 2);
}

void TestLlmRunner::malformedJsonIsRetriedThenGivenUp()
{
    // g1 gets a broken body once, then an answer; b1 only ever gets broken bodies.
    auto seenPtr = std::make_shared<QSet<QString>>();
    m_server->handler = [seenPtr](const FakeRequest& r, int) {
        QSet<QString>& seen = *seenPtr;
        FakeResponse broken;
        broken.body = "{\"choices\": [";
        if (r.lastUser().contains(QLatin1String("bad")))
            return broken;
        if (!seen.contains(r.lastUser())) {
            seen.insert(r.lastUser());
            return broken;
        }
        return byText(r, 0);
    };
    LlmConfig c = config();
    c.maxRetries = 2;
    LlmRunOptions o;
    o.itemIds = chorus::test::itemIds(m_project, {QStringLiteral("g1"), QStringLiteral("b1")});
    const LlmRunReport r = run(c, o);
    QCOMPARE(r.totals.done, qint64(1));
    QCOMPARE(r.totals.failed, qint64(1));
    QCOMPARE(r.totals.retries, qint64(1 + 2));  // g1 once, b1 twice
    QCOMPARE(m_server->requests.size(), 2 + 3);
    QCOMPARE(r.failures.size(), 1);
    QVERIFY2(r.failures[0].contains(QStringLiteral("item \"b1\": malformed JSON response")), qPrintable(r.failures[0]));
    QVERIFY(r.failures[0].contains(QStringLiteral("after 3 attempts")));
    const auto rows = stored(QStringLiteral("tiny-llm"));
    QCOMPARE(rows.size(), 1);  // a failed item is not stored: a rerun asks again
    QCOMPARE(rows[0].first, QStringLiteral("g1"));
}

void TestLlmRunner::slowResponseTimesOutAndIsRetried()
{
    m_server->handler = [](const FakeRequest& r, int i) {
        FakeResponse a = byText(r, i);
        if (i == 0)
            a.delayMs = 30000;  // far beyond the timeout, so a run that waited is unmistakable
        return a;
    };
    LlmConfig c = config();
    c.timeoutSeconds = 0.3;
    LlmRunOptions o;
    o.itemIds = chorus::test::itemIds(m_project, {QStringLiteral("g1")});
    QElapsedTimer t;
    t.start();
    const LlmRunReport r = run(c, o);
    QCOMPARE(r.totals.done, qint64(1));
    QCOMPARE(r.totals.retries, qint64(1));
    QVERIFY2(t.elapsed() < 15000, "the run waited for the slow answer instead of timing out");
    QVERIFY(m_log.join(QLatin1Char('\n')).contains(QStringLiteral("no answer within 0.3 s")));
}

void TestLlmRunner::logprobsBecomeProbabilities()
{
    // Letter options A = positive, B = negative, C = neutral. First token "B" 0.6, "A" 0.3,
    // "C" 0.05, "x" 0.05 -> p_norm over the options: 0.3/0.95, 0.6/0.95, 0.05/0.95.
    m_server->handler = [](const FakeRequest&, int) {
        return FakeResponse::completion(QStringLiteral("B"), 10, 1,
                                        {{QStringLiteral("B"), std::log(0.6)},
                                         {QStringLiteral("A"), std::log(0.3)},
                                         {QStringLiteral("C"), std::log(0.05)},
                                         {QStringLiteral("x"), std::log(0.05)}});
    };
    LlmConfig c = config();
    c.parser = LlmConfig::Parser::Letter;
    c.prompt = QStringLiteral("{text}\n{options}");
    c.logprobs = true;
    c.topLogprobs = 5;
    const LlmRunReport r = run(c);
    QCOMPARE(r.totals.done, qint64(6));
    QCOMPARE(m_server->requests[0].json.value(QStringLiteral("logprobs")).toBool(), true);
    QCOMPARE(m_server->requests[0].json.value(QStringLiteral("top_logprobs")).toInt(), 5);
    QCOMPARE(m_server->requests[0].lastUser(), QStringLiteral("good film\nA. positive\nB. negative\nC. neutral"));

    ProjectStore store;
    store.open(m_project);
    const Snapshot s = loadSnapshot(store);
    const QHash<QString, QVector<double>> probs = loadItemProbabilities(store, s, s.itemIds[0]);
    QVERIFY(probs.contains(QStringLiteral("tiny-llm")));
    const QVector<double> p = probs.value(QStringLiteral("tiny-llm"));
    QCOMPARE(p.size(), 3);
    QVERIFY(std::abs(p[0] - 0.3 / 0.95) < 1e-9);
    QVERIFY(std::abs(p[1] - 0.6 / 0.95) < 1e-9);
    QVERIFY(std::abs(p[2] - 0.05 / 0.95) < 1e-9);
    // The label itself comes from the text ("B" = negative), the raw logprobs are kept.
    QCOMPARE(stored(QStringLiteral("tiny-llm"))[0].second.toString(), QStringLiteral("negative"));
    const QJsonObject lp = QJsonDocument::fromJson(store.scalar(QStringLiteral("SELECT logprobs FROM llm_answers LIMIT 1"))
                                                       .toString()
                                                       .toUtf8())
                               .object();
    QVERIFY(std::abs(lp.value(QStringLiteral("negative")).toDouble() - std::log(0.6)) < 1e-9);
}

void TestLlmRunner::cancelStopsAndKeepsAnswers()
{
    m_server->handler = [](const FakeRequest& r, int i) {
        FakeResponse a = byText(r, i);
        a.delayMs = 50;
        return a;
    };
    LlmConfig c = config();
    c.concurrency = 1;
    LlmRunOptions o;
    bool cancel = false;
    o.isCanceled = [&cancel] { return cancel; };
    o.progress = [&cancel](const LlmProgress& p) { cancel = p.done >= 2; };
    const LlmRunReport r = run(c, o);
    QVERIFY(r.canceled);
    QCOMPARE(r.totals.done, qint64(2));
    QCOMPARE(m_server->requests.size(), 2);
    QCOMPARE(stored(QStringLiteral("tiny-llm")).size(), 2);
}

void TestLlmRunner::resumeSkipsAnsweredItems()
{
    // Each run tags its requests (extra "seed" = run number): a request the first run aborted at
    // cancel may reach the server only while a later run's event loop runs, and must not be
    // counted as that run's.
    auto requestsOfRun = [this](int runNo) {
        QList<FakeRequest> out;
        for (const FakeRequest& r : m_server->requests)
            if (r.json.value(QStringLiteral("seed")).toInt() == runNo)
                out << r;
        return out;
    };
    LlmConfig c = config();
    c.concurrency = 2;
    c.extra.insert(QStringLiteral("seed"), 1);
    LlmRunOptions o;
    bool cancel = false;
    o.isCanceled = [&cancel] { return cancel; };
    o.progress = [&cancel](const LlmProgress& p) { cancel = p.done >= 3; };
    const LlmRunReport first = run(c, o);
    QVERIFY(first.canceled);
    QSet<QString> firstItems;
    for (const auto& [item, label] : stored(QStringLiteral("tiny-llm")))
        firstItems.insert(item);
    QVERIFY(firstItems.size() >= 3 && firstItems.size() < 6);

    c.extra.insert(QStringLiteral("seed"), 2);
    const LlmRunReport second = run(c);
    QCOMPARE(second.skipped, qint64(firstItems.size()));
    QCOMPARE(second.totals.total, qint64(6 - firstItems.size()));
    QCOMPARE(second.totals.done, qint64(6 - firstItems.size()));
    QCOMPARE(stored(QStringLiteral("tiny-llm")).size(), 6);
    // The second run asked exactly the items the first did not store, once each.
    const QList<FakeRequest> asked = requestsOfRun(2);
    QSet<QString> secondAsked;
    for (const FakeRequest& r : asked)
        secondAsked.insert(r.lastUser().section(QLatin1Char('\n'), 0, 0));
    QCOMPARE(asked.size(), 6 - firstItems.size());
    QCOMPARE(secondAsked.size(), 6 - firstItems.size());
    static const QHash<QString, QString> textOf = {
        {QStringLiteral("g1"), QStringLiteral("Classify: good film")}, {QStringLiteral("b1"), QStringLiteral("Classify: bad film")},
        {QStringLiteral("g2"), QStringLiteral("Classify: good food")}, {QStringLiteral("b2"), QStringLiteral("Classify: bad food")},
        {QStringLiteral("x1"), QStringLiteral("Classify: a chair")},   {QStringLiteral("x2"), QStringLiteral("Classify: a table")}};
    for (const QString& item : firstItems)
        QVERIFY2(!secondAsked.contains(textOf.value(item)), qPrintable(item));

    // A third run has nothing left to do and sends nothing.
    c.extra.insert(QStringLiteral("seed"), 3);
    const LlmRunReport third = run(c);
    QCOMPARE(third.totals.total, qint64(0));
    QCOMPARE(third.skipped, qint64(6));
    QCOMPARE(requestsOfRun(3).size(), 0);
}

void TestLlmRunner::budgetCapStopsTheRun()
{
    // 100 completion tokens at 1,000 per million = 0.1 per request (input free). With max_tokens
    // 100 the worst case of a request is also 0.1: a budget of 0.35 allows three requests
    // (0.3); the fourth could reach 0.4.
    m_server->handler = [](const FakeRequest&, int) { return FakeResponse::completion(QStringLiteral("neutral"), 20, 100); };
    LlmConfig c = config();
    c.pricePer1MOutput = 1000;
    c.maxTokens = 100;
    c.concurrency = 4;
    LlmRunOptions o;
    o.budget = 0.35;
    const LlmRunReport r = run(c, o);
    QVERIFY(r.budgetReached);
    QCOMPARE(r.totals.done, qint64(3));
    QVERIFY(std::abs(r.totals.cost - 0.3) < 1e-12);
    QCOMPARE(m_server->requests.size(), 3);
    QVERIFY(m_log.join(QLatin1Char('\n')).contains(QStringLiteral("budget 0.35 reached")));
    // All three were started before the fourth was refused (one pump fills the free slots), so
    // at the stop 3 x 0.1 was reserved for requests in flight; three items were not asked.
    QCOMPARE(r.budgetInFlight, qint64(3));
    QVERIFY2(std::abs(r.budgetReserved - 0.3) < 1e-9, qPrintable(QString::number(r.budgetReserved)));
    QCOMPARE(r.notAsked, qint64(3));
    QVERIFY(m_log.join(QLatin1Char('\n')).contains(QStringLiteral("reserved for 3 request(s) in flight")));
}

void TestLlmRunner::orderCheckAsksTwiceWithReversedOptions()
{
    // A model with a pure position bias: always the first option.
    m_server->handler = [](const FakeRequest&, int) { return FakeResponse::completion(QStringLiteral("A")); };
    LlmConfig c = config();
    c.parser = LlmConfig::Parser::Letter;
    c.prompt = QStringLiteral("{text}\n{options}");
    c.orderCheck = true;
    const LlmRunReport r = run(c);
    QCOMPARE(r.totals.total, qint64(12));
    QCOMPARE(r.totals.done, qint64(12));
    int reversed = 0;
    for (const FakeRequest& req : m_server->requests)
        if (req.lastUser().endsWith(QLatin1String("A. neutral\nB. negative\nC. positive")))
            ++reversed;
    QCOMPARE(reversed, 6);
    ProjectStore store;
    store.open(m_project);
    const QList<LlmAnnotatorSummary> sums = llmSummaries(store);
    QCOMPARE(sums[0].orderPairs, qint64(6));
    QCOMPARE(sums[0].orderDependent, qint64(6));
    // The annotation is the answer with the options in project order ("A" = positive).
    for (const auto& [item, label] : stored(QStringLiteral("tiny-llm")))
        QCOMPARE(label.toString(), QStringLiteral("positive"));
    QCOMPARE(store.scalar(QStringLiteral("SELECT COUNT(*) FROM llm_answers a JOIN labels l ON l.id = a.label_id "
                                         "WHERE a.variant = 'reversed' AND l.name = 'neutral'"))
                 .toInt(),
             6);
}

void TestLlmRunner::fewShotExamplesFromReviewedItems()
{
    {
        ProjectStore store;
        store.open(m_project);
        auto decide = [&](const char* item, const char* label) {
            Decision d;
            d.itemId = store.scalar(QStringLiteral("SELECT id FROM items WHERE ext_id = ?"), {QLatin1String(item)}).toLongLong();
            d.action = QStringLiteral("label");
            d.labelId = store.scalar(QStringLiteral("SELECT id FROM labels WHERE name = ?"), {QLatin1String(label)}).toLongLong();
            d.status = ReviewStatus::Reviewed;
            d.author = QStringLiteral("ana");
            store.appendDecision(d);
        };
        decide("b2", "neutral");    // the human overrides b2
        decide("g1", "positive");
    }
    LlmConfig c = config();
    c.prompt = QStringLiteral("Text: {text}");
    c.fewShot = 1;
    c.concurrency = 1;
    run(c);
    // Examples are taken in label order: positive (g1) first, then neutral (b2). g1 is never
    // its own example; it gets b2 instead.
    for (const FakeRequest& req : m_server->requests) {
        const QJsonArray m = req.messages();
        QCOMPARE(m.size(), 3);
        const QString question = req.lastUser();
        const bool isG1 = question == QLatin1String("Text: good film");
        QCOMPARE(m[0].toObject().value(QStringLiteral("role")).toString(), QStringLiteral("user"));
        QCOMPARE(m[0].toObject().value(QStringLiteral("content")).toString(),
                 isG1 ? QStringLiteral("Text: bad food") : QStringLiteral("Text: good film"));
        QCOMPARE(m[1].toObject().value(QStringLiteral("role")).toString(), QStringLiteral("assistant"));
        QCOMPARE(m[1].toObject().value(QStringLiteral("content")).toString(),
                 isG1 ? QStringLiteral("neutral") : QStringLiteral("positive"));
    }
}

void TestLlmRunner::concurrencyIsBounded()
{
    m_server->handler = [](const FakeRequest& r, int i) {
        FakeResponse a = byText(r, i);
        a.holdUntilOpen = 2;  // answered only once two are in flight: the bound must be reached
        return a;
    };
    LlmConfig c = config();
    c.concurrency = 2;
    const LlmRunReport r = run(c);
    QCOMPARE(r.totals.done, qint64(6));
    QCOMPARE(m_server->maxOpen, 2);
}

void TestLlmRunner::rateLimitSpacesRequests()
{
    LlmConfig c = config();
    c.requestsPerMinute = 600;  // one request per 100 ms
    // Request i cannot be sent before 100 i ms after the run started, so it cannot arrive
    // before then either, however late the network delivers the earlier ones. (Gaps between
    // arrivals are not a bound: a delayed delivery of request i-1 shortens the next gap.)
    const qint64 started = m_server->nowMs();
    const LlmRunReport r = run(c);
    QCOMPARE(r.totals.done, qint64(6));
    QCOMPARE(m_server->requests.size(), 6);
    for (int i = 1; i < m_server->requests.size(); ++i)
        QVERIFY2(m_server->requests[i].arrivedMs - started >= 100 * i,
                 qPrintable(QStringLiteral("request %1 arrived %2 ms after the start")
                                .arg(i)
                                .arg(m_server->requests[i].arrivedMs - started)));
}

void TestLlmRunner::authenticationFailureStopsTheRun()
{
    qputenv("CHORUS_TEST_KEY", "sk-wrong");
    m_server->handler = [](const FakeRequest&, int) { return FakeResponse::error(401, QStringLiteral("Incorrect API key")); };
    LlmConfig c = config();
    c.apiKeyEnv = QStringLiteral("CHORUS_TEST_KEY");
    c.concurrency = 1;
    const LlmRunReport r = run(c);
    QVERIFY(r.fatalError.contains(QStringLiteral("HTTP 401")));
    QVERIFY(r.fatalError.contains(QStringLiteral("Incorrect API key")));
    QVERIFY(r.fatalError.contains(QStringLiteral("CHORUS_TEST_KEY")));
    QCOMPARE(m_server->requests.size(), 1);
    QCOMPARE(stored(QStringLiteral("tiny-llm")).size(), 0);
    // The report carries the error; it is not logged as well (the CLI would print it twice).
    QVERIFY2(!m_log.join(QLatin1Char('\n')).contains(QStringLiteral("HTTP 401")), qPrintable(m_log.join(QLatin1Char('\n'))));
    // Nothing was stored: no empty annotator for `evaluate` to list.
    QCOMPARE(annotatorRows(QStringLiteral("tiny-llm")), 0);
    qunsetenv("CHORUS_TEST_KEY");
}

void TestLlmRunner::unreachableEndpointStops_data()
{
    QTest::addColumn<int>("concurrency");
    QTest::newRow("oneAtATime") << 1;
    QTest::newRow("fourInFlight") << 4;
}

void TestLlmRunner::unreachableEndpointStops()
{
    // Connection refused. The requests in flight fail, then every request is held and one
    // probe at a time is sent; after concurrency + 2 failures in a row the run stops. The
    // count is decided by the runner's own bookkeeping (the first pump fills every slot before
    // any failure can arrive), not by timing.
    QFETCH(int, concurrency);
    LlmConfig c = config();
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
    c.baseUrl = QStringLiteral("http://127.0.0.1:%1/v1").arg(closed.serverPort());
    closed.close();  // nothing listens there any more
    c.concurrency = concurrency;  // default max_retries (5): the stop does not wait for them
    DoubleErrorWarnings warnings;
    const LlmRunReport r = run(c);
    QVERIFY2(r.fatalError.contains(QStringLiteral("cannot connect to")), qPrintable(r.fatalError));
    QVERIFY2(r.fatalError.contains(QStringLiteral("%1 attempts in a row").arg(concurrency + 2)), qPrintable(r.fatalError));
    QCOMPARE(r.totals.sent, qint64(concurrency + 2));
    QCOMPARE(r.totals.done, qint64(0));
    QCOMPARE(r.totals.failed, qint64(0));  // not given up: a rerun asks them all
    QCOMPARE(r.notAsked, qint64(6));
    // One line about the connection in the log (the first failure), not one per attempt; the
    // fatal error itself is in the report only.
    QCOMPARE(m_log.filter(QStringLiteral("cannot connect")).size(), 1);
    // No reply had its error reported twice (abort() of a reply that had already failed).
    QCOMPARE(warnings.count(), 0);
    QCOMPARE(annotatorRows(QStringLiteral("tiny-llm")), 0);
}

void TestLlmRunner::cancelWithFailedRequestsInFlightWarnsNothing()
{
    // Four requests to a closed port fail at about the same moment; the run is canceled when
    // the first failure is reported, so the other three are dropped while Qt's network thread
    // has (very likely) already posted their "connection refused". Aborting them with abort()
    // made Qt report a second error on a reply ("... must only be called once"). Passing does
    // not depend on timing; a regression shows in most of the ten runs.
    LlmConfig c = config();
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
    c.baseUrl = QStringLiteral("http://127.0.0.1:%1/v1").arg(closed.serverPort());
    closed.close();
    c.concurrency = 4;
    DoubleErrorWarnings warnings;
    for (int run = 0; run < 10; ++run) {
        int reports = 0;
        LlmRunOptions o;
        o.progress = [&reports](const LlmProgress&) { ++reports; };
        o.isCanceled = [&reports] { return reports > 0; };
        const LlmRunReport r = this->run(c, o);
        QVERIFY(r.canceled);
        QCOMPARE(r.totals.sent, qint64(4));
        QCOMPARE(r.totals.done, qint64(0));
    }
    QCOMPARE(warnings.count(), 0);
    QCOMPARE(annotatorRows(QStringLiteral("tiny-llm")), 0);
}

void TestLlmRunner::runThatStoresNothingLeavesNoAnnotator()
{
    // An empty LLM annotator left by an earlier version's failed run (annotator and stored
    // configuration, no answers) is dropped by the next run; a run that then stores nothing
    // creates none; the first stored answer creates it with its configuration.
    {
        ProjectStore store;
        store.open(m_project);
        store.transaction([&] {
            const qint64 id = store.exec(QStringLiteral("INSERT INTO annotators (name, kind) VALUES ('tiny-llm', 'llm')"))
                                  .lastInsertId()
                                  .toLongLong();
            store.exec(QStringLiteral("INSERT INTO llm_annotators (annotator_id, config, updated_at) VALUES (?, '{}', ?)"),
                       {id, nowIso()});
        });
    }
    QCOMPARE(annotatorRows(QStringLiteral("tiny-llm")), 2);
    m_server->handler = [](const FakeRequest&, int) { return FakeResponse::error(404, QStringLiteral("no such model")); };
    LlmConfig c = config();
    c.concurrency = 1;
    LlmRunReport r = run(c);
    QVERIFY(r.fatalError.contains(QStringLiteral("HTTP 404")));
    QCOMPARE(annotatorRows(QStringLiteral("tiny-llm")), 0);

    m_server->handler = byText;
    r = run(c);
    QCOMPARE(r.totals.done, qint64(6));
    QCOMPARE(annotatorRows(QStringLiteral("tiny-llm")), 2);
    QCOMPARE(stored(QStringLiteral("tiny-llm")).size(), 6);
}

void TestLlmRunner::importedAnnotatorNameIsRefused()
{
    // "h" is the imported annotator of kData. Its answers must not silently become the LLM's.
    LlmConfig c = config();
    c.name = QStringLiteral("h");
    try {
        run(c);
        QFAIL("ran under an imported annotator's name");
    } catch (const Error& e) {
        QVERIFY2(e.message().contains(QStringLiteral("imported annotator (6 answers)")), qPrintable(e.message()));
        QVERIFY(e.message().contains(QStringLiteral("--append-to-existing")));
    }
    QCOMPARE(m_server->requests.size(), 0);
    {
        ProjectStore store;
        store.open(m_project);
        QCOMPARE(llmNameUse(store, QStringLiteral("h")), LlmNameUse::Imported);
        QCOMPARE(llmNameUse(store, QStringLiteral("tiny-llm")), LlmNameUse::Free);
        QCOMPARE(store.scalar(QStringLiteral("SELECT COUNT(*) FROM llm_annotators")).toInt(), 0);
        // Two items without an answer of h, for the append below to ask.
        store.exec(QStringLiteral("DELETE FROM annotations WHERE annotator_id = (SELECT id FROM annotators WHERE name = 'h') "
                                  "AND item_id IN (SELECT id FROM items WHERE ext_id IN ('x1', 'x2'))"));
    }
    // On purpose: the answers are added to h, its imported answers count as answered.
    LlmRunOptions o;
    o.appendToExisting = true;
    const LlmRunReport r = run(c, o);
    QVERIFY2(r.fatalError.isEmpty(), qPrintable(r.fatalError));
    QCOMPARE(r.skipped, qint64(4));
    QCOMPARE(r.totals.done, qint64(2));
    QCOMPARE(m_server->requests.size(), 2);
    QCOMPARE(stored(QStringLiteral("h")).size(), 6);
    ProjectStore store;
    store.open(m_project);
    QCOMPARE(llmNameUse(store, QStringLiteral("h")), LlmNameUse::Connector);
}

void TestLlmRunner::missingKeyVariableIsAnError()
{
    qunsetenv("CHORUS_UNSET_KEY");
    LlmConfig c = config();
    c.apiKeyEnv = QStringLiteral("CHORUS_UNSET_KEY");
    try {
        run(c);
        QFAIL("ran without its API key");
    } catch (const Error& e) {
        QVERIFY(e.message().contains(QStringLiteral("environment variable CHORUS_UNSET_KEY")));
    }
    QCOMPARE(m_server->requests.size(), 0);
}

void TestLlmRunner::apiKeyNeverStoredOrLogged()
{
    const QByteArray secret = "sk-test-4f9a1c77e2d0b3";
    qputenv("CHORUS_TEST_KEY", secret);
    // The server checks the key, and its error messages echo it back (some servers do).
    m_server->handler = [secret](const FakeRequest& r, int i) {
        if (r.headers.value("authorization") != "Bearer " + secret)
            return FakeResponse::error(401, QStringLiteral("no key"));
        if (i % 2 == 0)
            return FakeResponse::error(500, QStringLiteral("internal error for key %1").arg(QString::fromLatin1(secret)));
        if (i == 5)
            return FakeResponse::error(400, QStringLiteral("bad request with key %1").arg(QString::fromLatin1(secret)));
        return byText(r, i);
    };
    LlmConfig c = config();
    c.apiKeyEnv = QStringLiteral("CHORUS_TEST_KEY");
    c.concurrency = 1;
    const LlmRunReport r = run(c);
    QVERIFY2(r.fatalError.isEmpty(), qPrintable(r.fatalError));
    QVERIFY(r.totals.done >= 4);
    QVERIFY(!m_log.isEmpty());
    for (const QString& line : m_log)
        QVERIFY2(!line.contains(QString::fromLatin1(secret)), qPrintable(line));
    for (const QString& line : r.failures)
        QVERIFY2(!line.contains(QString::fromLatin1(secret)), qPrintable(line));
    QVERIFY(m_log.join(QLatin1Char('\n')).contains(QStringLiteral("internal error for key [API key]")));
    // Not in the project file nor its WAL.
    for (const QString& suffix : {QString(), QStringLiteral("-wal")}) {
        QFile f(m_project + suffix);
        if (!f.exists())
            continue;
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY2(!f.readAll().contains(secret), qPrintable(f.fileName()));
    }
    ProjectStore store;
    store.open(m_project);
    QVERIFY(store.scalar(QStringLiteral("SELECT config FROM llm_annotators")).toString().contains(QStringLiteral("CHORUS_TEST_KEY")));
    qunsetenv("CHORUS_TEST_KEY");
}

void TestLlmRunner::itemSubset()
{
    LlmRunOptions o;
    o.itemIds = chorus::test::itemIds(m_project, {QStringLiteral("x1"), QStringLiteral("b1")});
    const LlmRunReport r = run(config(), o);
    QCOMPARE(r.totals.done, qint64(2));
    const auto rows = stored(QStringLiteral("tiny-llm"));
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows[0].first, QStringLiteral("b1"));
    QCOMPARE(rows[1].first, QStringLiteral("x1"));
}

void TestLlmRunner::droppedConnectionIsRetried()
{
    // The first three requests lose their connection without an answer. Qt resends a request
    // once by itself when the connection closes before any reply; the connector retries the
    // rest. Either way every item is answered and every dropped request was sent again.
    m_server->handler = [](const FakeRequest& r, int i) {
        if (i < 3) {
            FakeResponse drop;
            drop.drop = true;
            return drop;
        }
        return byText(r, i);
    };
    LlmConfig c = config();
    c.concurrency = 1;
    const LlmRunReport r = run(c);
    QCOMPARE(r.totals.done, qint64(6));
    QCOMPARE(r.totals.failed, qint64(0));
    QCOMPARE(m_server->requests.size(), 6 + 3);
    QVERIFY(r.totals.retries >= 1);
}

void TestLlmRunner::notFoundIsFatal()
{
    m_server->handler = [](const FakeRequest&, int) {
        return FakeResponse::error(404, QStringLiteral("The model `tiny` does not exist"));
    };
    LlmConfig c = config();
    c.concurrency = 1;
    const LlmRunReport r = run(c);
    QVERIFY2(r.fatalError.contains(QStringLiteral("HTTP 404")), qPrintable(r.fatalError));
    QVERIFY(r.fatalError.contains(QStringLiteral("does not exist")));
    QVERIFY(r.fatalError.contains(QStringLiteral("base_url")));
    QCOMPARE(m_server->requests.size(), 1);
}

void TestLlmRunner::retryAfterAsHttpDate()
{
    // Retry-After as an HTTP date two seconds ahead (RFC 9110 allows both forms). Dates have
    // whole seconds, so the wait is between one and two seconds.
    m_server->handler = [](const FakeRequest& r, int i) {
        if (i == 0)
            return FakeResponse::error(
                503, QStringLiteral("maintenance"),
                QDateTime::currentDateTimeUtc().addSecs(2).toString(Qt::RFC2822Date).toLatin1());
        return byText(r, i);
    };
    LlmConfig c = config();
    c.concurrency = 1;
    LlmRunOptions o;
    o.itemIds = chorus::test::itemIds(m_project, {QStringLiteral("g1")});
    const LlmRunReport r = run(c, o);
    QCOMPARE(r.totals.done, qint64(1));
    QCOMPARE(m_server->requests.size(), 2);
    // The date is at least a second after the first request arrived, and nothing may be sent
    // before it: a sound lower bound. The upper bound only catches a misread date (minutes or
    // hours), so it leaves a loaded machine plenty of room.
    const qint64 waited = m_server->requests[1].arrivedMs - m_server->requests[0].arrivedMs;
    QVERIFY2(waited >= 900 && waited < 20000, qPrintable(QString::number(waited)));
}

QTEST_GUILESS_MAIN(TestLlmRunner)
#include "tst_llmrunner.moc"
