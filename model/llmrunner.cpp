#include "llmrunner.h"

#include "errors.h"
#include "projectstore.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QTimer>
#include <QUrl>


#include <algorithm>
#include <cmath>
#include <deque>
#include <utility>

namespace chorus::model {

namespace {

const QString kPrimary = QStringLiteral("primary"), kReversed = QStringLiteral("reversed");

struct Example
{
    LlmItem item;
    qint64 itemId = 0;
    int label = -1;  // index into the project's labels
};

struct Task
{
    int item = 0;  // index into Engine::m_items
    bool reversed = false;
    int attempts = 0;
    qint64 readyAt = 0;  // ms on the engine's clock
    double estimate = 0;
};

// What one answer costs: tokens times the per-million prices.
double costOf(const LlmConfig& c, qint64 promptTokens, qint64 completionTokens)
{
    return (static_cast<double>(promptTokens) * c.pricePer1MInput
            + static_cast<double>(completionTokens) * c.pricePer1MOutput) / 1e6;
}

// Retry-After: delta-seconds or an HTTP date (RFC 9110 section 10.2.3). -1 when absent or
// unreadable.
qint64 retryAfterMs(const QNetworkReply* reply)
{
    const QByteArray v = reply->rawHeader("Retry-After").trimmed();
    if (v.isEmpty())
        return -1;
    bool ok = false;
    const double s = v.toDouble(&ok);
    if (ok && s >= 0)
        return static_cast<qint64>(s * 1000);
    const QDateTime when = QDateTime::fromString(QString::fromLatin1(v), Qt::RFC2822Date);
    if (when.isValid())
        return std::max<qint64>(0, QDateTime::currentDateTimeUtc().msecsTo(when));
    return -1;
}

class Engine
{
public:
    Engine(ProjectStore& store, const LlmConfig& config, const LlmRunOptions& options, LlmRunReport& report)
        : m_store(store), m_config(config), m_options(options), m_report(report)
    {
        if (!config.apiKeyEnv.isEmpty()) {
            m_apiKey = qEnvironmentVariable(config.apiKeyEnv.toLocal8Bit().constData());
            if (m_apiKey.isEmpty())
                throw Error(QStringLiteral("environment variable %1 (the API key of \"%2\") is not set")
                                .arg(config.apiKeyEnv, config.name));
        }
        const QUrl url(config.endpoint());
        if (!url.isValid() || url.host().isEmpty())
            throw Error(QStringLiteral("\"%1\" is not a valid endpoint URL").arg(config.endpoint()));
        m_url = url;
        load();
    }

    void run()
    {
        m_report.totals.total = static_cast<qint64>(m_queue.size());
        if (m_queue.empty())
            return;
        m_clock.start();
        QTimer poll;
        poll.setInterval(50);
        QObject::connect(&poll, &QTimer::timeout, &m_loop, [this] { pump(); });
        poll.start();
        m_pumpTimer.setSingleShot(true);
        QObject::connect(&m_pumpTimer, &QTimer::timeout, &m_loop, [this] { pump(); });
        QTimer::singleShot(0, &m_loop, [this] { pump(); });
        m_loop.exec();
        m_report.notAsked = static_cast<qint64>(m_queue.size() + m_retry.size()) + m_droppedRetries;
    }

private:
    // ---- setup -------------------------------------------------------------------------
    void load()
    {
        QSqlQuery q = m_store.exec(QStringLiteral("SELECT id, name FROM labels ORDER BY position, id"));
        while (q.next()) {
            m_labelIds << q.value(0).toLongLong();
            m_labels << q.value(1).toString();
        }
        if (m_labels.isEmpty())
            throw Error(QStringLiteral("%1: the project has no labels yet; import data (or a label set) first")
                            .arg(m_store.path()));

        // The annotator and its configuration are written with the first stored answer
        // (handleAnswer), so that a run which stores nothing leaves no empty annotator behind.
        qint64 importedAnswers = 0;
        switch (llmNameUse(m_store, m_config.name, &importedAnswers)) {
        case LlmNameUse::Free:
            break;
        case LlmNameUse::Imported:
            if (!m_options.appendToExisting)
                throw Error(QStringLiteral("\"%1\" is the name of an imported annotator (%2 answers), not of one this "
                                           "connector created: the LLM's answers would be mixed with its answers and "
                                           "its answers would get this configuration as provenance. Choose another "
                                           "\"name\", or add to that annotator on purpose (chorus-cli label "
                                           "--append-to-existing; the dialog asks)")
                                .arg(m_config.name)
                                .arg(importedAnswers));
            m_annotatorId = m_store.scalar(QStringLiteral("SELECT id FROM annotators WHERE name = ?"), {m_config.name})
                                .toLongLong();
            break;
        case LlmNameUse::Connector:
            m_annotatorId = m_store.scalar(QStringLiteral("SELECT id FROM annotators WHERE name = ?"), {m_config.name})
                                .toLongLong();
            if (m_store.scalar(QStringLiteral("SELECT (SELECT COUNT(*) FROM annotations WHERE annotator_id = ?) + "
                                              "(SELECT COUNT(*) FROM llm_answers WHERE annotator_id = ?)"),
                               {m_annotatorId, m_annotatorId})
                    .toLongLong()
                == 0) {
                // An empty LLM annotator left by a failed run of an earlier version: drop it
                // (its configuration goes with it) and create it again with the first answer.
                m_store.transaction([&] {
                    m_store.exec(QStringLiteral("DELETE FROM annotators WHERE id = ?"), {m_annotatorId});
                });
                m_annotatorId = 0;
            }
            break;
        }

        // Items, in id order.
        auto readItem = [this](QSqlQuery& r) {
            LlmItem it;
            it.id = r.value(1).toString();
            it.text = r.value(2).toString();
            const QJsonDocument meta = QJsonDocument::fromJson(r.value(3).toString().toUtf8());
            if (meta.isObject())
                it.meta = meta.object();
            m_itemIds.push_back(r.value(0).toLongLong());
            m_items.push_back(std::move(it));
        };
        if (m_options.itemIds.empty()) {
            QSqlQuery r = m_store.exec(QStringLiteral("SELECT id, ext_id, text, meta FROM items ORDER BY id"));
            while (r.next())
                readItem(r);
        } else {
            QSqlQuery r(m_store.db());
            r.prepare(QStringLiteral("SELECT id, ext_id, text, meta FROM items WHERE id = ?"));
            QSet<qint64> seen;
            for (qint64 id : m_options.itemIds) {
                if (seen.contains(id))
                    continue;
                seen.insert(id);
                r.bindValue(0, id);
                if (r.exec() && r.next())
                    readItem(r);
            }
        }

        QSet<qint64> primaryDone, reversedDone;
        q = m_store.exec(QStringLiteral("SELECT item_id FROM annotations WHERE annotator_id = ?"), {m_annotatorId});
        while (q.next())
            primaryDone.insert(q.value(0).toLongLong());
        q = m_store.exec(QStringLiteral("SELECT item_id FROM llm_answers WHERE annotator_id = ? AND variant = ?"),
                         {m_annotatorId, kReversed});
        while (q.next())
            reversedDone.insert(q.value(0).toLongLong());
        for (int i = 0; i < static_cast<int>(m_items.size()); ++i) {
            const qint64 id = m_itemIds[static_cast<size_t>(i)];
            if (primaryDone.contains(id))
                ++m_report.skipped;
            else
                m_queue.push_back(Task{i, false});
            if (m_config.orderCheck) {
                if (reversedDone.contains(id))
                    ++m_report.skipped;
                else
                    m_queue.push_back(Task{i, true});
            }
        }
        loadExamples();

        m_insAnswer = QSqlQuery(m_store.db());
        m_insAnswer.prepare(QStringLiteral(
            "INSERT INTO llm_answers (annotator_id, item_id, variant, label_id, raw, logprobs, prompt_tokens, "
            "completion_tokens, usage_estimated, cost, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT (annotator_id, item_id, variant) DO NOTHING"));
        m_insAnnotation = QSqlQuery(m_store.db());
        m_insAnnotation.prepare(QStringLiteral(
            "INSERT INTO annotations (item_id, annotator_id, label_id, raw, probs) VALUES (?,?,?,?,?) "
            "ON CONFLICT (item_id, annotator_id) DO NOTHING"));
    }

    // Worked examples: reviewed items with a human label, taken in turn from each label (in
    // label order, oldest item first) so that the examples cover the label set.
    void loadExamples()
    {
        if (m_config.fewShot <= 0)
            return;
        QSqlQuery q = m_store.exec(QStringLiteral(
            "SELECT d.item_id, d.label_id, i.ext_id, i.text, i.meta FROM decisions d "
            "JOIN (SELECT item_id, MAX(id) AS last FROM decisions GROUP BY item_id) x ON d.id = x.last "
            "JOIN items i ON i.id = d.item_id WHERE d.label_id IS NOT NULL ORDER BY d.item_id"));
        QVector<QVector<Example>> byLabel(m_labels.size());
        while (q.next()) {
            const int li = static_cast<int>(m_labelIds.indexOf(q.value(1).toLongLong()));
            if (li < 0)
                continue;
            Example e;
            e.itemId = q.value(0).toLongLong();
            e.label = li;
            e.item.id = q.value(2).toString();
            e.item.text = q.value(3).toString();
            const QJsonDocument meta = QJsonDocument::fromJson(q.value(4).toString().toUtf8());
            if (meta.isObject())
                e.item.meta = meta.object();
            byLabel[li].push_back(std::move(e));
        }
        // One spare, so that an item is never its own example.
        const int want = m_config.fewShot + 1;
        for (int round = 0; static_cast<int>(m_examples.size()) < want; ++round) {
            bool any = false;
            for (auto& list : byLabel) {
                if (round < list.size() && static_cast<int>(m_examples.size()) < want) {
                    m_examples.push_back(list[round]);
                    any = true;
                }
            }
            if (!any)
                break;
        }
    }

    // ---- requests ----------------------------------------------------------------------
    QStringList orderFor(bool reversed) const
    {
        QStringList order = m_labels;
        if (reversed)
            std::reverse(order.begin(), order.end());
        return order;
    }

    QJsonArray messages(const Task& t) const
    {
        const QStringList order = orderFor(t.reversed);
        const LlmItem& item = m_items[static_cast<size_t>(t.item)];
        QJsonArray msgs;
        auto add = [&msgs](const char* role, const QString& content) {
            QJsonObject m;
            m.insert(QStringLiteral("role"), QLatin1String(role));
            m.insert(QStringLiteral("content"), content);
            msgs.append(m);
        };
        if (!m_config.system.isEmpty())
            add("system", renderPrompt(m_config.system, item, order, m_config.parser));
        int used = 0;
        for (const Example& e : m_examples) {
            if (used >= m_config.fewShot)
                break;
            if (e.itemId == m_itemIds[static_cast<size_t>(t.item)])
                continue;
            const QString name = m_labels[e.label];
            add("user", renderPrompt(m_config.prompt, e.item, order, m_config.parser));
            add("assistant", exampleAnswer(name, static_cast<int>(order.indexOf(name)), m_config));
            ++used;
        }
        add("user", renderPrompt(m_config.prompt, item, order, m_config.parser));
        return msgs;
    }

    QByteArray body(const Task& t, qint64* promptChars) const
    {
        QJsonObject o = m_config.extra;
        o.insert(QStringLiteral("model"), m_config.model);
        const QJsonArray msgs = messages(t);
        qint64 chars = 0;
        for (const QJsonValue& m : msgs)
            chars += m.toObject().value(QStringLiteral("content")).toString().size();
        *promptChars = chars;
        o.insert(QStringLiteral("messages"), msgs);
        if (m_config.sendTemperature)
            o.insert(QStringLiteral("temperature"), m_config.temperature);
        o.insert(m_config.maxTokensField, m_config.maxTokens);
        if (m_config.logprobs) {
            o.insert(QStringLiteral("logprobs"), true);
            o.insert(QStringLiteral("top_logprobs"), m_config.topLogprobs);
        }
        return QJsonDocument(o).toJson(QJsonDocument::Compact);
    }

    QString redact(QString s) const
    {
        if (!m_apiKey.isEmpty())
            s.replace(m_apiKey, QStringLiteral("[API key]"));
        return s;
    }

    QString itemName(const Task& t) const
    {
        return QStringLiteral("item \"%1\"%2").arg(m_items[static_cast<size_t>(t.item)].id,
                                                     t.reversed ? QStringLiteral(" (reversed options)") : QString());
    }

    void log(const QString& line)
    {
        if (m_options.log)
            m_options.log(redact(line));
    }

    void progress()
    {
        if (m_options.progress)
            m_options.progress(m_report.totals);
    }

    bool stopping() const { return m_canceled || !m_report.fatalError.isEmpty() || m_budgetStop; }

    void pump()
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
    bool start(Task t)
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
    void abortAll()
    {
        const QHash<QNetworkReply*, Task> replies = std::exchange(m_inFlight, {});
        m_inFlightEstimate = 0;
        for (auto it = replies.begin(); it != replies.end(); ++it) {
            QObject::disconnect(it.key(), nullptr, &m_loop, nullptr);
            delete it.key();
        }
    }

    void finished(QNetworkReply* reply)
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

    QString serverMessage(const QByteArray& data) const
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
    void fatal(const QString& message)
    {
        if (m_report.fatalError.isEmpty())
            m_report.fatalError = redact(message);
        abortAll();
    }

    static bool isConnectionFailure(QNetworkReply::NetworkError e)
    {
        return e == QNetworkReply::ConnectionRefusedError || e == QNetworkReply::HostNotFoundError
               || e == QNetworkReply::ProxyConnectionRefusedError || e == QNetworkReply::ProxyNotFoundError;
    }

    // No connection to the endpoint. Each failure holds every request for the backoff and
    // pump() lets one request at a time probe; after concurrency + 2 failures in a row (the
    // requests that were in flight, then two probes) the run stops: the server is not there.
    void connectionFailed(Task t, const QString& what)
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

    qint64 backoffMs(int attempts) const
    {
        const qint64 delay = static_cast<qint64>(m_config.retryBaseMs) << std::min(attempts - 1, 20);
        return std::min<qint64>(delay, m_config.retryMaxMs);
    }

    void retryOrGiveUp(Task t, const QString& problem, qint64 serverDelayMs)
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

    void giveUp(const Task& t, const QString& problem, bool countTowardsBreaker)
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

    // Parses a 200 response and stores the answer. False with *problem for a response that is
    // not a chat completion (retried).
    bool handleAnswer(const Task& t, const QByteArray& data, QString* problem)
    {
        QJsonParseError pe;
        const QJsonDocument d = QJsonDocument::fromJson(data, &pe);
        if (pe.error != QJsonParseError::NoError || !d.isObject()) {
            *problem = QStringLiteral("malformed JSON response (%1)").arg(pe.errorString());
            return false;
        }
        const QJsonObject root = d.object();
        const QJsonArray choices = root.value(QStringLiteral("choices")).toArray();
        if (choices.isEmpty() || !choices[0].isObject()) {
            *problem = QStringLiteral("response has no \"choices\"");
            return false;
        }
        const QJsonObject choice = choices[0].toObject();
        const QJsonValue content = choice.value(QStringLiteral("message")).toObject().value(QStringLiteral("content"));
        if (!content.isString()) {
            *problem = QStringLiteral("response has no choices[0].message.content string");
            return false;
        }
        const QString output = content.toString();
        const QStringList order = orderFor(t.reversed);
        const int inOrder = parseAnswer(output, order, m_config);
        const int label = inOrder < 0 ? -1 : static_cast<int>(m_labels.indexOf(order[inOrder]));

        // First-token probabilities over the options.
        QJsonObject logprobsJson, probsJson;
        if (m_config.logprobs) {
            const QJsonArray tokens =
                choice.value(QStringLiteral("logprobs")).toObject().value(QStringLiteral("content")).toArray();
            if (!tokens.isEmpty()) {
                const QJsonObject first = tokens[0].toObject();
                QStringList toks;
                QVector<double> lps;
                QSet<QString> seen;
                auto addTok = [&](const QJsonObject& o) {
                    const QJsonValue tok = o.value(QStringLiteral("token")), lp = o.value(QStringLiteral("logprob"));
                    if (!tok.isString() || !lp.isDouble() || seen.contains(tok.toString()))
                        return;
                    seen.insert(tok.toString());
                    toks << tok.toString();
                    lps << lp.toDouble();
                };
                addTok(first);
                for (const QJsonValue& v : first.value(QStringLiteral("top_logprobs")).toArray())
                    addTok(v.toObject());
                const QVector<double> lp = optionLogprobs(toks, lps, order, m_config.parser);
                const QVector<double> p = optionProbabilities(lp, m_config);
                for (qsizetype k = 0; k < lp.size(); ++k) {
                    if (!std::isnan(lp[k]))
                        logprobsJson.insert(order[k], lp[k]);
                    probsJson.insert(order[k], p[k]);
                }
            }
        }

        // Usage; estimated from characters when the server does not report it.
        const QJsonObject usage = root.value(QStringLiteral("usage")).toObject();
        qint64 promptTokens = usage.value(QStringLiteral("prompt_tokens")).toInteger(-1);
        qint64 completionTokens = usage.value(QStringLiteral("completion_tokens")).toInteger(-1);
        bool estimated = false;
        if (promptTokens < 0 || completionTokens < 0) {
            qint64 chars = 0;
            for (const QJsonValue& m : messages(t))
                chars += m.toObject().value(QStringLiteral("content")).toString().size();
            promptTokens = (chars + 3) / 4;
            completionTokens = (output.size() + 3) / 4;
            estimated = true;
        }
        const double cost = costOf(m_config, promptTokens, completionTokens);

        const qint64 itemId = m_itemIds[static_cast<size_t>(t.item)];
        const QVariant labelId = label < 0 ? QVariant(QMetaType(QMetaType::LongLong)) : QVariant(m_labelIds[label]);
        const QVariant nullText{QMetaType(QMetaType::QString)};
        // raw keeps what the model said when it differs from the label's name (as imports do);
        // llm_answers.raw always keeps the answer as sent.
        const QVariant annotationRaw = label >= 0 && output == m_labels[label] ? nullText : QVariant(output);
        qint64 annotatorId = m_annotatorId;
        try {
            m_store.transaction([&] {
                if (annotatorId == 0)
                    annotatorId = m_store.exec(QStringLiteral("INSERT INTO annotators (name, kind) VALUES (?, 'llm')"),
                                               {m_config.name})
                                      .lastInsertId()
                                      .toLongLong();
                if (!m_configStored) {
                    const QByteArray cfg = QJsonDocument(m_config.toJson()).toJson(QJsonDocument::Compact);
                    m_store.exec(QStringLiteral("INSERT INTO llm_annotators (annotator_id, config, updated_at) VALUES "
                                                "(?, ?, ?) ON CONFLICT (annotator_id) DO UPDATE SET config = "
                                                "excluded.config, updated_at = excluded.updated_at"),
                                 {annotatorId, QString::fromUtf8(cfg), nowIso()});
                }
                m_insAnswer.bindValue(0, annotatorId);
                m_insAnswer.bindValue(1, itemId);
                m_insAnswer.bindValue(2, t.reversed ? kReversed : kPrimary);
                m_insAnswer.bindValue(3, labelId);
                m_insAnswer.bindValue(4, output);
                m_insAnswer.bindValue(5, logprobsJson.isEmpty() ? nullText
                                                               : QVariant(QString::fromUtf8(QJsonDocument(logprobsJson).toJson(QJsonDocument::Compact))));
                m_insAnswer.bindValue(6, promptTokens);
                m_insAnswer.bindValue(7, completionTokens);
                m_insAnswer.bindValue(8, estimated ? 1 : 0);
                m_insAnswer.bindValue(9, cost);
                m_insAnswer.bindValue(10, nowIso());
                if (!m_insAnswer.exec())
                    throw Error(m_insAnswer.lastError().text());
                if (!t.reversed) {
                    m_insAnnotation.bindValue(0, itemId);
                    m_insAnnotation.bindValue(1, annotatorId);
                    m_insAnnotation.bindValue(2, labelId);
                    m_insAnnotation.bindValue(3, annotationRaw);
                    m_insAnnotation.bindValue(4, probsJson.isEmpty() ? nullText
                                                                    : QVariant(QString::fromUtf8(QJsonDocument(probsJson).toJson(QJsonDocument::Compact))));
                    if (!m_insAnnotation.exec())
                        throw Error(m_insAnnotation.lastError().text());
                }
            });
        } catch (const Error& e) {
            fatal(QStringLiteral("%1: cannot store the answer for %2: %3").arg(m_store.path(), itemName(t), e.message()));
            return false;
        }
        m_annotatorId = annotatorId;
        m_configStored = true;
        ++m_answered;
        LlmProgress& p = m_report.totals;
        ++p.done;
        if (label < 0)
            ++p.invalid;
        p.promptTokens += promptTokens;
        p.completionTokens += completionTokens;
        p.cost += cost;
        return true;
    }

    ProjectStore& m_store;
    const LlmConfig& m_config;
    const LlmRunOptions& m_options;
    LlmRunReport& m_report;
    QString m_apiKey;
    QUrl m_url;

    QStringList m_labels;
    QVector<qint64> m_labelIds;
    qint64 m_annotatorId = 0;  ///< 0 until the first answer creates the annotator
    bool m_configStored = false;
    std::vector<qint64> m_itemIds;
    std::vector<LlmItem> m_items;
    std::vector<Example> m_examples;
    QSqlQuery m_insAnswer, m_insAnnotation;

    std::deque<Task> m_queue;
    std::vector<Task> m_retry;
    QHash<QNetworkReply*, Task> m_inFlight;
    double m_inFlightEstimate = 0;
    qint64 m_nextStartAt = 0;
    qint64 m_answered = 0;
    int m_consecutiveGiveUps = 0;
    int m_connectFailures = 0;    ///< connection failures since the endpoint last answered
    qint64 m_droppedRetries = 0;  ///< retries dropped when the run stopped
    bool m_canceled = false, m_budgetStop = false, m_finished = false;

    QEventLoop m_loop;
    QTimer m_pumpTimer;
    QElapsedTimer m_clock;
    QNetworkAccessManager m_nam;
};

} // namespace

LlmRunReport runLlmLabeling(const QString& projectPath, const LlmConfig& config, const LlmRunOptions& options)
{
    config.validate(QStringLiteral("LLM annotator \"%1\"").arg(config.name));
    ProjectStore store;
    store.open(projectPath);
    LlmRunReport report;
    Engine engine(store, config, options, report);
    engine.run();
    return report;
}

} // namespace chorus::model
