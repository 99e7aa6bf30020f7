// LLM engine, answers: a chat completion parsed into a label and stored with its provenance.

#include "llmengine.h"

namespace chorus::model::llm {

namespace {

// First-token log-probabilities and probabilities over the options (in `order`) from a
// choice's "logprobs", as {option: value} objects; empty when the server sent none.
void firstTokenProbabilities(const QJsonObject& choice, const QStringList& order, const LlmConfig& config,
                             QJsonObject& logprobsJson, QJsonObject& probsJson)
{
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
        const QVector<double> lp = optionLogprobs(toks, lps, order, config.parser);
        const QVector<double> p = optionProbabilities(lp, config);
        for (qsizetype k = 0; k < lp.size(); ++k) {
            if (!std::isnan(lp[k]))
                logprobsJson.insert(order[k], lp[k]);
            probsJson.insert(order[k], p[k]);
        }
    }
}

QVariant compactJsonOrNull(const QJsonObject& o)
{
    return o.isEmpty() ? QVariant(QMetaType(QMetaType::QString))
                       : QVariant(QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)));
}

} // namespace

// Parses a 200 response and stores the answer. False with *problem for a response that is
// not a chat completion (retried).
bool Engine::handleAnswer(const Task& t, const QByteArray& data, QString* problem)
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
    if (m_config.logprobs)
        firstTokenProbabilities(choice, order, m_config, logprobsJson, probsJson);

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
                annotatorId = m_store.insertReturningId(QStringLiteral("INSERT INTO annotators (name, kind) VALUES (?, 'llm')"),
                                                        {m_config.name});
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
            m_insAnswer.bindValue(5, compactJsonOrNull(logprobsJson));
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
                m_insAnnotation.bindValue(4, compactJsonOrNull(probsJson));
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

} // namespace chorus::model::llm
