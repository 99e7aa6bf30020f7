// LLM engine, network: the request queue, concurrency and budget, replies, retries with backoff,
// and the circuit breaker for an endpoint that is not there.

#include "llmengine.h"

namespace chorus::model::llm {

void Engine::log(const QString& line)
{
    if (m_options.log)
        m_options.log(redact(line));
}

void Engine::progress()
{
    if (m_options.progress)
        m_options.progress(m_report.totals);
}

void Engine::pump()
{
    if (m_finished)
        return;
    if (!m_canceled && m_options.isCanceled && m_options.isCanceled()) {
        m_canceled = true;
        m_report.canceled = true;
        abortAll();
    }
    const qint64 now = m_clock.elapsed();
    qint64 wakeAt = -1;
    // While the endpoint refuses connections, one request at a time probes it.
    const qsizetype maxInFlight = m_connectFailures > 0 ? 1 : static_cast<qsizetype>(m_config.concurrency);
    while (!stopping() && m_inFlight.size() < maxInFlight) {
        // Retries first (when due), then fresh work.
        auto due = std::min_element(m_retry.begin(), m_retry.end(),
                                    [](const Task& a, const Task& b) { return a.readyAt < b.readyAt; });
        const bool retryDue = due != m_retry.end() && due->readyAt <= now;
        if (!retryDue && m_queue.empty()) {
            if (due != m_retry.end())
                wakeAt = due->readyAt;
            break;
        }
        if (now < m_nextStartAt) {
            wakeAt = m_nextStartAt;
            break;
        }
        Task t;
        if (retryDue) {
            t = *due;
            m_retry.erase(due);
        } else {
            t = m_queue.front();
            m_queue.pop_front();
        }
        if (!start(t)) {
            m_queue.push_front(t);  // stopped by the budget: still to ask
            break;
        }
        if (m_config.requestsPerMinute > 0)
            m_nextStartAt = now + static_cast<qint64>(60000.0 / m_config.requestsPerMinute);
    }
    if (stopping()) {
        m_droppedRetries += static_cast<qint64>(m_retry.size());
        m_retry.clear();
    }
    if (m_inFlight.isEmpty() && (stopping() || (m_queue.empty() && m_retry.empty()))) {
        m_finished = true;
        m_loop.quit();
        return;
    }
    if (wakeAt >= 0) {
        const qint64 delay = std::max<qint64>(1, wakeAt - now);
        if (!m_pumpTimer.isActive() || m_pumpTimer.remainingTime() > delay)
            m_pumpTimer.start(static_cast<int>(std::min<qint64>(delay, 1 << 30)));
    }
}

// Launches a request; false when the budget stops it (pump() puts the task back).
bool Engine::start(Task t)
{
    qint64 promptChars = 0;
    QByteArray payload;
    try {
        payload = body(t, &promptChars);
    } catch (const Error& e) {
        giveUp(t, e.message(), false);
        return true;
    }
    // Worst case of this request: ~4 characters per prompt token and every completion
    // token used.
    t.estimate = costOf(m_config, (promptChars + 3) / 4, m_config.maxTokens);
    if (m_report.totals.cost + m_inFlightEstimate + t.estimate > m_options.budget) {
        m_budgetStop = true;
        m_report.budgetReached = true;
        m_report.budgetReserved = m_inFlightEstimate;
        m_report.budgetInFlight = m_inFlight.size();
        log(QStringLiteral("budget %1 reached: spent %2, up to %3 reserved for %4 request(s) in flight, the next "
                           "request could cost up to %5; no more requests are started")
                .arg(m_options.budget)
                .arg(m_report.totals.cost)
                .arg(m_inFlightEstimate)
                .arg(m_inFlight.size())
                .arg(t.estimate));
        return false;
    }
    QNetworkRequest req(m_url);
    req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    req.setRawHeader("Accept", "application/json");
    if (!m_apiKey.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + m_apiKey.toUtf8());
    req.setTransferTimeout(static_cast<int>(m_config.timeoutSeconds * 1000));
    QNetworkReply* reply = m_nam.post(req, payload);
    ++t.attempts;
    ++m_report.totals.sent;
    m_inFlight.insert(reply, t);
    m_inFlightEstimate += t.estimate;
    QObject::connect(reply, &QNetworkReply::finished, &m_loop, [this, reply] { finished(reply); });
    return true;
}

// Drops every request in flight: each reply leaves m_inFlight, is disconnected and is
// deleted, which drops its pending events and aborts its request in Qt's network thread.
// Not abort(): abort() reports OperationCanceledError at once, but the network thread may
// already have posted the reply's own error (connection refused, ...), which then arrives as
// a second error on the same reply ("QNetworkReplyImplPrivate::error: Internal problem,
// this method must only be called once"). Never called from a reply's own signal (finished()
// has taken that reply out of m_inFlight first), so deleting here is safe.
void Engine::abortAll()
{
    const QHash<QNetworkReply*, Task> replies = std::exchange(m_inFlight, {});
    m_inFlightEstimate = 0;
    for (auto it = replies.begin(); it != replies.end(); ++it) {
        QObject::disconnect(it.key(), nullptr, &m_loop, nullptr);
        delete it.key();
    }
}

void Engine::finished(QNetworkReply* reply)
{
    reply->deleteLater();
    const auto it = m_inFlight.find(reply);
    if (it == m_inFlight.end())
        return;
    Task t = it.value();
    m_inFlight.erase(it);
    m_inFlightEstimate = std::max(0.0, m_inFlightEstimate - t.estimate);
    if (m_canceled || !m_report.fatalError.isEmpty()) {
        pump();
        return;
    }
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray data = reply->isOpen() ? reply->readAll() : QByteArray();
    const auto netError = reply->error();
    if (status > 0)
        m_connectFailures = 0;  // the endpoint answered
    if (status == 0 && isConnectionFailure(netError)) {
        connectionFailed(t, reply->errorString());
    } else if (status == 200 && netError == QNetworkReply::NoError) {
        QString problem;
        if (handleAnswer(t, data, &problem)) {
            m_consecutiveGiveUps = 0;
        } else if (m_report.fatalError.isEmpty()) {
            retryOrGiveUp(t, problem, -1);
        }
    } else if (status == 401 || status == 403) {
        fatal(QStringLiteral("HTTP %1 from %2: %3. %4")
                  .arg(status)
                  .arg(m_url.toString(), serverMessage(data),
                       m_config.apiKeyEnv.isEmpty()
                           ? QStringLiteral("The endpoint wants an API key: name its environment variable in "
                                            "\"api_key_env\"")
                           : QStringLiteral("Check the API key in environment variable %1").arg(m_config.apiKeyEnv)));
    } else if (status == 404) {
        fatal(QStringLiteral("HTTP 404 from %1: %2. Check \"base_url\" and \"model\"")
                  .arg(m_url.toString(), serverMessage(data)));
    } else if (status == 408 || status == 409 || status == 429 || status >= 500) {
        retryOrGiveUp(t, QStringLiteral("HTTP %1: %2").arg(status).arg(serverMessage(data)), retryAfterMs(reply));
    } else if (status >= 400) {
        // The request itself is wrong for this item (e.g. too long for the context).
        giveUp(t, QStringLiteral("HTTP %1: %2").arg(status).arg(serverMessage(data)), true);
    } else {
        const QString what = netError == QNetworkReply::OperationCanceledError || netError == QNetworkReply::TimeoutError
                                 ? QStringLiteral("no answer within %1 s").arg(m_config.timeoutSeconds)
                                 : reply->errorString();
        retryOrGiveUp(t, what, -1);
    }
    progress();
    pump();
}

QString Engine::serverMessage(const QByteArray& data) const
{
    const QJsonDocument d = QJsonDocument::fromJson(data);
    QString msg;
    if (d.isObject()) {
        const QJsonValue e = d.object().value(QStringLiteral("error"));
        msg = e.isObject() ? e.toObject().value(QStringLiteral("message")).toString() : e.toString();
    }
    if (msg.isEmpty())
        msg = QString::fromUtf8(data.left(300)).simplified();
    if (msg.size() > 300)
        msg = msg.left(300) + QStringLiteral("...");
    return redact(msg.isEmpty() ? QStringLiteral("(empty body)") : msg);
}

// The report carries the message (the CLI prints it once at the end, the dialog shows it);
// it is not logged as well.
void Engine::fatal(const QString& message)
{
    if (m_report.fatalError.isEmpty())
        m_report.fatalError = redact(message);
    abortAll();
}

bool Engine::isConnectionFailure(QNetworkReply::NetworkError e)
{
    return e == QNetworkReply::ConnectionRefusedError || e == QNetworkReply::HostNotFoundError
           || e == QNetworkReply::ProxyConnectionRefusedError || e == QNetworkReply::ProxyNotFoundError;
}

// No connection to the endpoint. Each failure holds every request for the backoff and
// pump() lets one request at a time probe; after concurrency + 2 failures in a row (the
// requests that were in flight, then two probes) the run stops: the server is not there.
void Engine::connectionFailed(Task t, const QString& what)
{
    ++m_connectFailures;
    const int limit = m_config.concurrency + 2;
    if (m_connectFailures >= limit) {
        m_retry.push_back(t);  // not given up: a rerun asks it
        fatal(QStringLiteral("cannot connect to %1: %2 (%3 attempts in a row, none connected). Is the server "
                             "running, and are the host and port in \"base_url\" right? The answers stored so far "
                             "are kept; run again to continue.")
                  .arg(m_url.toString(), what)
                  .arg(m_connectFailures));
        return;
    }
    if (t.attempts > m_config.maxRetries) {
        giveUp(t, QStringLiteral("cannot connect: %1 (after %2 attempts)").arg(what).arg(t.attempts), false);
        return;
    }
    const qint64 delay = backoffMs(t.attempts);
    m_nextStartAt = std::max(m_nextStartAt, m_clock.elapsed() + delay);
    if (m_connectFailures == 1)
        log(QStringLiteral("cannot connect to %1: %2; holding requests for %3 s, then trying one at a time")
                .arg(m_url.toString(), what)
                .arg(delay / 1000.0));
    t.readyAt = m_clock.elapsed() + delay;
    ++m_report.totals.retries;
    m_retry.push_back(t);
}

qint64 Engine::backoffMs(int attempts) const
{
    const qint64 delay = static_cast<qint64>(m_config.retryBaseMs) << std::min(attempts - 1, 20);
    return std::min<qint64>(delay, m_config.retryMaxMs);
}

void Engine::retryOrGiveUp(Task t, const QString& problem, qint64 serverDelayMs)
{
    if (t.attempts > m_config.maxRetries) {
        giveUp(t, QStringLiteral("%1 (after %2 attempts)").arg(problem).arg(t.attempts), true);
        return;
    }
    qint64 delay = backoffMs(t.attempts);
    if (serverDelayMs >= 0) {
        // The server said when: wait that long (at most ten minutes), and hold every other
        // request too.
        delay = std::min<qint64>(std::max(delay, serverDelayMs), 600000);
        m_nextStartAt = std::max(m_nextStartAt, m_clock.elapsed() + delay);
    }
    t.readyAt = m_clock.elapsed() + delay;
    ++m_report.totals.retries;
    log(QStringLiteral("%1: %2; retry %3/%4 in %5 s")
            .arg(itemName(t), problem)
            .arg(t.attempts)
            .arg(m_config.maxRetries)
            .arg(delay / 1000.0));
    m_retry.push_back(t);
}

void Engine::giveUp(const Task& t, const QString& problem, bool countTowardsBreaker)
{
    ++m_report.totals.failed;
    const QString line = QStringLiteral("%1: %2").arg(itemName(t), redact(problem));
    if (m_report.failures.size() < 20)
        m_report.failures << line;
    log(line);
    if (countTowardsBreaker && ++m_consecutiveGiveUps >= std::max(3, m_config.concurrency) && m_answered == 0)
        fatal(QStringLiteral("stopping: %1 requests in a row failed and none succeeded; last: %2")
                  .arg(m_consecutiveGiveUps)
                  .arg(line));
}

} // namespace chorus::model::llm
