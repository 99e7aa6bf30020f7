// LLM engine, requests: the chat messages and request body sent for an item (both prompt orders).

#include "llmengine.h"

namespace chorus::model::llm {

QStringList Engine::orderFor(bool reversed) const
{
    QStringList order = m_labels;
    if (reversed)
        std::reverse(order.begin(), order.end());
    return order;
}

QJsonArray Engine::messages(const Task& t) const
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

QByteArray Engine::body(const Task& t, qint64* promptChars) const
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

QString Engine::redact(QString s) const
{
    if (!m_apiKey.isEmpty())
        s.replace(m_apiKey, QStringLiteral("[API key]"));
    return s;
}

QString Engine::itemName(const Task& t) const
{
    return QStringLiteral("item \"%1\"%2").arg(m_items[static_cast<size_t>(t.item)].id,
                                                 t.reversed ? QStringLiteral(" (reversed options)") : QString());
}

} // namespace chorus::model::llm
