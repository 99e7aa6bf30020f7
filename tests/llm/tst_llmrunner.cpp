// The LLM connector against a chat-completions server on 127.0.0.1 (fakechatserver.h): the
// prompts it sends, the labels and probabilities it stores, cost accounting, the order-bias
// check, few-shot examples, item subsets, and that the API key never reaches the project file
// or the log. What happens when things go wrong is in tst_llmfailures.cpp (same fixture).

#include "llmrunnerfixture.h"

#include "errors.h"
#include "expecterror.h"
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
using namespace chorus::test;

class TestLlmRunner : public LlmRunnerFixture
{
    Q_OBJECT

private slots:
    void promptsSentAndLabelsStored();
    void tokenLimitFieldAndServerTemperature();
    void costAccounting();
    void usageEstimatedWhenMissing();
    void logprobsBecomeProbabilities();
    void orderCheckAsksTwiceWithReversedOptions();
    void fewShotExamplesFromReviewedItems();
    void runThatStoresNothingLeavesNoAnnotator();
    void importedAnnotatorNameIsRefused();
    void missingKeyVariableIsAnError();
    void apiKeyNeverStoredOrLogged();
    void itemSubset();

};


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
    const LlmRunReport r = runOn(c, {QStringLiteral("x2")});
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

void TestLlmRunner::runThatStoresNothingLeavesNoAnnotator()
{
    // An empty LLM annotator left by an earlier version's failed run (annotator and stored
    // configuration, no answers) is dropped by the next run; a run that then stores nothing
    // creates none; the first stored answer creates it with its configuration.
    {
        ProjectStore store;
        store.open(m_project);
        store.transaction([&] {
            const qint64 id = store.insertReturningId(QStringLiteral("INSERT INTO annotators (name, kind) VALUES ('tiny-llm', 'llm')"));
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
    const auto e = errorOf([&] { run(c); });
    QVERIFY2(e, "ran under an imported annotator's name");
    QVERIFY2(e->contains(QStringLiteral("imported annotator (6 answers)")), qPrintable(*e));
    QVERIFY(e->contains(QStringLiteral("--append-to-existing")));
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
    EXPECT_ERROR(run(c), QStringLiteral("environment variable CHORUS_UNSET_KEY"));
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
    const LlmRunReport r = runOn(config(), {QStringLiteral("x1"), QStringLiteral("b1")});
    QCOMPARE(r.totals.done, qint64(2));
    const auto rows = stored(QStringLiteral("tiny-llm"));
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows[0].first, QStringLiteral("b1"));
    QCOMPARE(rows[1].first, QStringLiteral("x1"));
}

QTEST_GUILESS_MAIN(TestLlmRunner)
#include "tst_llmrunner.moc"
