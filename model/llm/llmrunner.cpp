#include "llmrunner.h"

#include "llmengine.h"

namespace chorus::model {

namespace llm {

const QString kPrimary = QStringLiteral("primary"), kReversed = QStringLiteral("reversed");

double costOf(const LlmConfig& c, qint64 promptTokens, qint64 completionTokens)
{
    return (static_cast<double>(promptTokens) * c.pricePer1MInput
            + static_cast<double>(completionTokens) * c.pricePer1MOutput) / 1e6;
}

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

Engine::Engine(ProjectStore& store, const LlmConfig& config, const LlmRunOptions& options, LlmRunReport& report)
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

void Engine::run()
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

} // namespace llm

LlmRunReport runLlmLabeling(const QString& projectPath, const LlmConfig& config, const LlmRunOptions& options)
{
    config.validate(QStringLiteral("LLM annotator \"%1\"").arg(config.name));
    ProjectStore store;
    store.open(projectPath);
    LlmRunReport report;
    llm::Engine engine(store, config, options, report);
    engine.run();
    return report;
}

} // namespace chorus::model
