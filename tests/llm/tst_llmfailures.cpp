// The LLM runner when things go wrong: retries (Retry-After, malformed answers, timeouts, dropped
// connections), fatal errors, unreachable endpoints, cancel and resume, the budget, concurrency
// and rate limits. Split from tst_llmrunner.cpp; both share llmrunnerfixture.h.

#include "llmrunnerfixture.h"

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
using namespace chorus::test;

class TestLlmFailures : public LlmRunnerFixture
{
    Q_OBJECT

private slots:
    void retriesHonourRetryAfter();
    void malformedJsonIsRetriedThenGivenUp();
    void slowResponseTimesOutAndIsRetried();
    void cancelStopsAndKeepsAnswers();
    void authenticationFailureStopsTheRun();
    void unreachableEndpointStops_data();
    void unreachableEndpointStops();
    void cancelWithFailedRequestsInFlightWarnsNothing();
    void droppedConnectionIsRetried();
    void notFoundIsFatal();
    void retryAfterAsHttpDate();
    void budgetCapStopsTheRun();
    void concurrencyIsBounded();
    void rateLimitSpacesRequests();
    void resumeSkipsAnsweredItems();
};

void TestLlmFailures::retriesHonourRetryAfter()
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
    const LlmRunReport r = runOn(c, {QStringLiteral("g1"), QStringLiteral("b1")});
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

void TestLlmFailures::malformedJsonIsRetriedThenGivenUp()
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
    const LlmRunReport r = runOn(c, {QStringLiteral("g1"), QStringLiteral("b1")});
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

void TestLlmFailures::slowResponseTimesOutAndIsRetried()
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
    o.itemIds = itemIds(m_project, {QStringLiteral("g1")});
    QElapsedTimer t;
    t.start();
    const LlmRunReport r = run(c, o);
    QCOMPARE(r.totals.done, qint64(1));
    QCOMPARE(r.totals.retries, qint64(1));
    QVERIFY2(t.elapsed() < 15000, "the run waited for the slow answer instead of timing out");
    QVERIFY(m_log.join(QLatin1Char('\n')).contains(QStringLiteral("no answer within 0.3 s")));
}

void TestLlmFailures::cancelStopsAndKeepsAnswers()
{
    m_server->handler = [](const FakeRequest& r, int i) {
        FakeResponse a = byText(r, i);
        a.delayMs = 50;
        return a;
    };
    LlmConfig c = config();
    c.concurrency = 1;
    const LlmRunReport r = runCanceledAfter(c, 2);
    QVERIFY(r.canceled);
    QCOMPARE(r.totals.done, qint64(2));
    QCOMPARE(m_server->requests.size(), 2);
    QCOMPARE(stored(QStringLiteral("tiny-llm")).size(), 2);
}

void TestLlmFailures::resumeSkipsAnsweredItems()
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
    const LlmRunReport first = runCanceledAfter(c, 3);
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

void TestLlmFailures::budgetCapStopsTheRun()
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

void TestLlmFailures::concurrencyIsBounded()
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

void TestLlmFailures::rateLimitSpacesRequests()
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

void TestLlmFailures::authenticationFailureStopsTheRun()
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

void TestLlmFailures::unreachableEndpointStops_data()
{
    QTest::addColumn<int>("concurrency");
    QTest::newRow("oneAtATime") << 1;
    QTest::newRow("fourInFlight") << 4;
}

void TestLlmFailures::unreachableEndpointStops()
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

void TestLlmFailures::cancelWithFailedRequestsInFlightWarnsNothing()
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

void TestLlmFailures::droppedConnectionIsRetried()
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

void TestLlmFailures::notFoundIsFatal()
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

void TestLlmFailures::retryAfterAsHttpDate()
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
    const LlmRunReport r = runOn(c, {QStringLiteral("g1")});
    QCOMPARE(r.totals.done, qint64(1));
    QCOMPARE(m_server->requests.size(), 2);
    // The date is at least a second after the first request arrived, and nothing may be sent
    // before it: a sound lower bound. The upper bound only catches a misread date (minutes or
    // hours), so it leaves a loaded machine plenty of room.
    const qint64 waited = m_server->requests[1].arrivedMs - m_server->requests[0].arrivedMs;
    QVERIFY2(waited >= 900 && waited < 20000, qPrintable(QString::number(waited)));
}

QTEST_GUILESS_MAIN(TestLlmFailures)
#include "tst_llmfailures.moc"
