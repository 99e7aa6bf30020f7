#pragma once
// The LLM labeling engine behind runLlmLabeling() (model/llm/llmrunner.h): one run of one LLM
// annotator over a project. Internal to chorus_model; split by concern over llmrunner.cpp (the
// run), llmengine_setup.cpp, llmengine_requests.cpp, llmengine_network.cpp and
// llmengine_answers.cpp.

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

namespace chorus::model::llm {

extern const QString kPrimary, kReversed;  // the two prompt orders of the order-bias check

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

/// What one answer costs: tokens times the per-million prices.
double costOf(const LlmConfig& c, qint64 promptTokens, qint64 completionTokens);
/// Retry-After: delta-seconds or an HTTP date (RFC 9110 section 10.2.3). -1 when absent or
/// unreadable.
qint64 retryAfterMs(const QNetworkReply* reply);

class Engine
{
public:
    Engine(ProjectStore& store, const LlmConfig& config, const LlmRunOptions& options, LlmRunReport& report);
    void run();

private:
    // ---- setup: the project's labels, items and examples (llmengine_setup.cpp)
    void load();
    void loadExamples();

    // ---- requests: the messages sent (llmengine_requests.cpp)
    QStringList orderFor(bool reversed) const;
    QJsonArray messages(const Task& t) const;
    QByteArray body(const Task& t, qint64* promptChars) const;
    QString redact(QString s) const;
    QString itemName(const Task& t) const;

    // ---- network: the request queue, replies, retries, the circuit breaker (llmengine_network.cpp)
    void log(const QString& line);
    void progress();
    bool stopping() const { return m_canceled || !m_report.fatalError.isEmpty() || m_budgetStop; }
    void pump();
    bool start(Task t);
    void abortAll();
    void finished(QNetworkReply* reply);
    QString serverMessage(const QByteArray& data) const;
    void fatal(const QString& message);
    static bool isConnectionFailure(QNetworkReply::NetworkError e);
    void connectionFailed(Task t, const QString& what);
    qint64 backoffMs(int attempts) const;
    void retryOrGiveUp(Task t, const QString& problem, qint64 serverDelayMs);
    void giveUp(const Task& t, const QString& problem, bool countTowardsBreaker);

    // ---- answers: parsing and storing them (llmengine_answers.cpp)
    bool handleAnswer(const Task& t, const QByteArray& data, QString* problem);

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

} // namespace chorus::model::llm
