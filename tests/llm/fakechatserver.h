#pragma once
// A chat-completions endpoint on 127.0.0.1 for the LLM connector tests. HTTP/1.1, one request
// per connection ("Connection: close"). Each request goes to a handler that scripts the answer:
// status, headers, body, a delay (slow responses) or a dropped connection. Every request is
// recorded with its headers and JSON body, and the largest number of requests open at once is
// kept (the connector's concurrency bound).

#include <QElapsedTimer>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <functional>
#include <memory>
#include <utility>

namespace chorus::test {

struct FakeRequest
{
    QByteArray method, path;
    QHash<QByteArray, QByteArray> headers;  ///< lower-case names
    QByteArray body;
    QJsonObject json;
    qint64 arrivedMs = 0;  ///< since the server started

    /// The content of the last message (the question).
    QString lastUser() const
    {
        const QJsonArray m = json.value(QStringLiteral("messages")).toArray();
        return m.isEmpty() ? QString() : m.last().toObject().value(QStringLiteral("content")).toString();
    }
    QJsonArray messages() const { return json.value(QStringLiteral("messages")).toArray(); }
};

struct FakeResponse
{
    int status = 200;
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;
    int delayMs = 0;
    bool drop = false;  ///< close the connection without answering
    /// Hold the answer until this many requests are open at the same time (then every held
    /// answer goes out), so a test of concurrency does not depend on timing. A held answer is
    /// sent after 10 s anyway, so a runner that never opens that many cannot hang the test.
    int holdUntilOpen = 0;

    /// A chat completion whose message content is `content`, with usage (omitted when
    /// promptTokens < 0) and, when given, first-token logprobs [{token, logprob}, ...].
    static FakeResponse completion(const QString& content, int promptTokens = 10, int completionTokens = 2,
                                   const QList<QPair<QString, double>>& topLogprobs = {})
    {
        QJsonObject msg{{QStringLiteral("role"), QStringLiteral("assistant")}, {QStringLiteral("content"), content}};
        QJsonObject choice{{QStringLiteral("index"), 0}, {QStringLiteral("message"), msg},
                           {QStringLiteral("finish_reason"), QStringLiteral("stop")}};
        if (!topLogprobs.isEmpty()) {
            QJsonArray top;
            for (const auto& [tok, lp] : topLogprobs)
                top.append(QJsonObject{{QStringLiteral("token"), tok}, {QStringLiteral("logprob"), lp}});
            QJsonObject first{{QStringLiteral("token"), topLogprobs.first().first},
                              {QStringLiteral("logprob"), topLogprobs.first().second},
                              {QStringLiteral("top_logprobs"), top}};
            choice.insert(QStringLiteral("logprobs"), QJsonObject{{QStringLiteral("content"), QJsonArray{first}}});
        }
        QJsonObject root{{QStringLiteral("id"), QStringLiteral("chatcmpl-test")},
                         {QStringLiteral("object"), QStringLiteral("chat.completion")},
                         {QStringLiteral("choices"), QJsonArray{choice}}};
        if (promptTokens >= 0)
            root.insert(QStringLiteral("usage"), QJsonObject{{QStringLiteral("prompt_tokens"), promptTokens},
                                                             {QStringLiteral("completion_tokens"), completionTokens},
                                                             {QStringLiteral("total_tokens"), promptTokens + completionTokens}});
        FakeResponse r;
        r.body = QJsonDocument(root).toJson(QJsonDocument::Compact);
        return r;
    }

    static FakeResponse error(int status, const QString& message, const QByteArray& retryAfter = {})
    {
        FakeResponse r;
        r.status = status;
        r.body = QJsonDocument(QJsonObject{{QStringLiteral("error"), QJsonObject{{QStringLiteral("message"), message}}}})
                     .toJson(QJsonDocument::Compact);
        if (!retryAfter.isEmpty())
            r.headers.append({QByteArray("Retry-After"), retryAfter});
        return r;
    }
};

class FakeChatServer
{
public:
    /// handler(request, index): index counts requests from 0 in arrival order.
    std::function<FakeResponse(const FakeRequest&, int)> handler;
    QList<FakeRequest> requests;
    int open = 0, maxOpen = 0;

    FakeChatServer()
    {
        m_clock.start();
        QObject::connect(&m_server, &QTcpServer::newConnection, &m_server, [this] {
            while (QTcpSocket* s = m_server.nextPendingConnection())
                accept(s);
        });
    }

    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    QString baseUrl() const { return QStringLiteral("http://127.0.0.1:%1/v1").arg(m_server.serverPort()); }
    /// The clock FakeRequest::arrivedMs is read from.
    qint64 nowMs() const { return m_clock.elapsed(); }

private:
    struct Conn
    {
        QByteArray buffer;
        bool answered = false;
    };

    void accept(QTcpSocket* s)
    {
        auto conn = std::make_shared<Conn>();
        QObject::connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
        QObject::connect(s, &QTcpSocket::readyRead, s, [this, s, conn] {
            conn->buffer += s->readAll();
            if (conn->answered)
                return;
            const qsizetype headerEnd = conn->buffer.indexOf("\r\n\r\n");
            if (headerEnd < 0)
                return;
            FakeRequest req;
            const QList<QByteArray> lines = conn->buffer.left(headerEnd).split('\n');
            const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
            req.method = first.value(0);
            req.path = first.value(1);
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const qsizetype colon = lines[i].indexOf(':');
                if (colon > 0)
                    req.headers.insert(lines[i].left(colon).trimmed().toLower(), lines[i].mid(colon + 1).trimmed());
            }
            const qsizetype length = req.headers.value("content-length", "0").toLongLong();
            if (conn->buffer.size() < headerEnd + 4 + length)
                return;
            conn->answered = true;
            req.body = conn->buffer.mid(headerEnd + 4, length);
            req.json = QJsonDocument::fromJson(req.body).object();
            req.arrivedMs = m_clock.elapsed();
            const int index = static_cast<int>(requests.size());
            requests.append(req);
            maxOpen = std::max(maxOpen, ++open);
            const FakeResponse r = handler ? handler(req, index) : FakeResponse::completion(QStringLiteral("?"));
            QPointer<QTcpSocket> guard(s);
            auto reply = [this, guard, r] {
                --open;
                if (!guard)
                    return;
                if (r.drop) {
                    guard->abort();
                    return;
                }
                QByteArray out = "HTTP/1.1 " + QByteArray::number(r.status) + " " + reason(r.status) + "\r\n";
                out += "Content-Type: application/json\r\nConnection: close\r\n";
                out += "Content-Length: " + QByteArray::number(r.body.size()) + "\r\n";
                for (const auto& [k, v] : r.headers)
                    out += k + ": " + v + "\r\n";
                out += "\r\n" + r.body;
                guard->write(out);
                guard->disconnectFromHost();
            };
            if (r.holdUntilOpen > 0 && open < r.holdUntilOpen) {
                const int id = ++m_heldSerial;
                m_held.insert(id, reply);
                QTimer::singleShot(10000, &m_server, [this, id] {
                    if (auto f = m_held.take(id))
                        f();
                });
                return;
            }
            const auto held = std::exchange(m_held, {});
            for (const auto& f : held)
                f();
            if (r.delayMs > 0)
                QTimer::singleShot(r.delayMs, &m_server, reply);
            else
                reply();
        });
    }

    static QByteArray reason(int status)
    {
        switch (status) {
        case 200:
            return "OK";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 404:
            return "Not Found";
        case 429:
            return "Too Many Requests";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
        default:
            return "Status";
        }
    }

    QTcpServer m_server;
    QElapsedTimer m_clock;
    QMap<int, std::function<void()>> m_held;  ///< answers waiting for holdUntilOpen
    int m_heldSerial = 0;
};

} // namespace chorus::test
