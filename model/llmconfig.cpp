#include "llmconfig.h"

#include "errors.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

#include <cmath>
#include <limits>

namespace chorus::model {

namespace {

[[noreturn]] void bad(const QString& source, const QString& problem)
{
    throw Error(QStringLiteral("%1: %2").arg(source, problem));
}

QString str(const QJsonObject& o, const char* key, const QString& source, const QString& fallback,
            bool required = false)
{
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.isUndefined() || v.isNull()) {
        if (required)
            bad(source, QStringLiteral("\"%1\" is required").arg(QLatin1String(key)));
        return fallback;
    }
    if (!v.isString())
        bad(source, QStringLiteral("\"%1\" must be a string").arg(QLatin1String(key)));
    return v.toString();
}

double num(const QJsonObject& o, const char* key, const QString& source, double fallback)
{
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.isUndefined() || v.isNull())
        return fallback;
    if (!v.isDouble())
        bad(source, QStringLiteral("\"%1\" must be a number").arg(QLatin1String(key)));
    return v.toDouble();
}

int integer(const QJsonObject& o, const char* key, const QString& source, int fallback)
{
    const double d = num(o, key, source, fallback);
    if (d != std::floor(d) || std::abs(d) > 1e9)
        bad(source, QStringLiteral("\"%1\" must be an integer").arg(QLatin1String(key)));
    return static_cast<int>(d);
}

bool flag(const QJsonObject& o, const char* key, const QString& source, bool fallback)
{
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.isUndefined() || v.isNull())
        return fallback;
    if (!v.isBool())
        bad(source, QStringLiteral("\"%1\" must be true or false").arg(QLatin1String(key)));
    return v.toBool();
}

const QStringList& knownKeys()
{
    static const QStringList keys = {
        QStringLiteral("name"), QStringLiteral("base_url"), QStringLiteral("model"), QStringLiteral("api_key_env"),
        QStringLiteral("system"), QStringLiteral("prompt"), QStringLiteral("few_shot"),
        QStringLiteral("temperature"), QStringLiteral("max_tokens"), QStringLiteral("max_tokens_field"),
        QStringLiteral("price_per_1m_input"),
        QStringLiteral("price_per_1m_output"), QStringLiteral("parser"), QStringLiteral("json_field"),
        QStringLiteral("logprobs"), QStringLiteral("top_logprobs"), QStringLiteral("probabilities"),
        QStringLiteral("softmax_temperature"), QStringLiteral("order_check"), QStringLiteral("concurrency"),
        QStringLiteral("requests_per_minute"), QStringLiteral("max_retries"), QStringLiteral("timeout_s"),
        QStringLiteral("retry_base_ms"), QStringLiteral("retry_max_ms"), QStringLiteral("extra"),
        QStringLiteral("comment")};
    return keys;
}

// The comparison key of the import's normaliser, so "Positive." and "**positive**" match.
QString normKey(const QString& s)
{
    return LabelNormalizer::key(s);
}

} // namespace

QString parserName(LlmConfig::Parser p)
{
    switch (p) {
    case LlmConfig::Parser::Label:
        return QStringLiteral("label");
    case LlmConfig::Parser::Letter:
        return QStringLiteral("letter");
    case LlmConfig::Parser::Json:
        return QStringLiteral("json");
    }
    return {};
}

LlmConfig LlmConfig::fromJson(const QByteArray& json, const QString& source)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError) {
        // Report a line, as the importers do.
        const int line = static_cast<int>(json.left(pe.offset).count('\n')) + 1;
        bad(QStringLiteral("%1:%2").arg(source).arg(line), pe.errorString());
    }
    if (!doc.isObject())
        bad(source, QStringLiteral("the configuration must be a JSON object"));
    const QJsonObject o = doc.object();
    for (auto it = o.begin(); it != o.end(); ++it)
        if (!knownKeys().contains(it.key()))
            bad(source, QStringLiteral("unknown key \"%1\" (known: %2)")
                            .arg(it.key(), knownKeys().join(QStringLiteral(", "))));

    LlmConfig c;
    c.name = str(o, "name", source, {}, true).trimmed();
    c.baseUrl = str(o, "base_url", source, {}, true).trimmed();
    c.model = str(o, "model", source, {}, true);
    c.apiKeyEnv = str(o, "api_key_env", source, {});
    c.system = str(o, "system", source, {});
    c.prompt = str(o, "prompt", source, {}, true);
    c.fewShot = integer(o, "few_shot", source, c.fewShot);
    if (o.contains(QStringLiteral("temperature")) && o.value(QStringLiteral("temperature")).isNull())
        c.sendTemperature = false;  // null: the request carries no temperature
    else
        c.temperature = num(o, "temperature", source, c.temperature);
    c.maxTokens = integer(o, "max_tokens", source, c.maxTokens);
    c.maxTokensField = str(o, "max_tokens_field", source, c.maxTokensField);
    c.pricePer1MInput = num(o, "price_per_1m_input", source, c.pricePer1MInput);
    c.pricePer1MOutput = num(o, "price_per_1m_output", source, c.pricePer1MOutput);
    const QString parser = str(o, "parser", source, QStringLiteral("label"));
    if (parser == QLatin1String("label"))
        c.parser = Parser::Label;
    else if (parser == QLatin1String("letter"))
        c.parser = Parser::Letter;
    else if (parser == QLatin1String("json"))
        c.parser = Parser::Json;
    else
        bad(source, QStringLiteral("\"parser\" must be label, letter or json (got \"%1\")").arg(parser));
    c.jsonField = str(o, "json_field", source, c.jsonField);
    c.logprobs = flag(o, "logprobs", source, c.logprobs);
    c.topLogprobs = integer(o, "top_logprobs", source, c.topLogprobs);
    const QString probs = str(o, "probabilities", source, QStringLiteral("pnorm"));
    if (probs == QLatin1String("pnorm"))
        c.probabilities = ProbTransform::PNorm;
    else if (probs == QLatin1String("softmax"))
        c.probabilities = ProbTransform::Softmax;
    else
        bad(source, QStringLiteral("\"probabilities\" must be pnorm or softmax (got \"%1\")").arg(probs));
    c.softmaxTemperature = num(o, "softmax_temperature", source, c.softmaxTemperature);
    c.orderCheck = flag(o, "order_check", source, c.orderCheck);
    c.concurrency = integer(o, "concurrency", source, c.concurrency);
    c.requestsPerMinute = num(o, "requests_per_minute", source, c.requestsPerMinute);
    c.maxRetries = integer(o, "max_retries", source, c.maxRetries);
    c.timeoutSeconds = num(o, "timeout_s", source, c.timeoutSeconds);
    c.retryBaseMs = integer(o, "retry_base_ms", source, c.retryBaseMs);
    c.retryMaxMs = integer(o, "retry_max_ms", source, c.retryMaxMs);
    const QJsonValue extra = o.value(QLatin1String("extra"));
    if (!extra.isUndefined() && !extra.isNull()) {
        if (!extra.isObject())
            bad(source, QStringLiteral("\"extra\" must be an object of request fields"));
        c.extra = extra.toObject();
    }
    c.validate(source);
    return c;
}

LlmConfig LlmConfig::fromFile(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        throw Error(QStringLiteral("%1: cannot read: %2").arg(path, f.errorString()));
    return fromJson(f.readAll(), path);
}

void LlmConfig::validate(const QString& source) const
{
    auto range = [&](const char* key, double v, double lo, double hi) {
        if (!(v >= lo && v <= hi))
            bad(source, QStringLiteral("\"%1\" must be in [%2, %3] (got %4)")
                            .arg(QLatin1String(key)).arg(lo).arg(hi).arg(v));
    };
    if (name.isEmpty())
        bad(source, QStringLiteral("\"name\" (the annotator's name) must not be empty"));
    if (name == kInvalidLabelName)
        bad(source, QStringLiteral("\"name\" cannot be %1").arg(kInvalidLabelName));
    if (!baseUrl.startsWith(QLatin1String("http://")) && !baseUrl.startsWith(QLatin1String("https://")))
        bad(source, QStringLiteral("\"base_url\" must start with http:// or https:// (got \"%1\")").arg(baseUrl));
    if (model.isEmpty())
        bad(source, QStringLiteral("\"model\" must not be empty"));
    if (!apiKeyEnv.isEmpty() && !QRegularExpression(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$")).match(apiKeyEnv).hasMatch())
        bad(source, QStringLiteral("\"api_key_env\" must be the NAME of an environment variable (letters, digits, "
                                   "_), not the key itself"));
    if (prompt.trimmed().isEmpty())
        bad(source, QStringLiteral("\"prompt\" must not be empty"));
    // Renders the template once so that a typo in a placeholder is reported now, not per item.
    try {
        renderPrompt(prompt, {}, {QStringLiteral("x")}, parser);
        if (!system.isEmpty())
            renderPrompt(system, {}, {QStringLiteral("x")}, parser);
    } catch (const Error& e) {
        bad(source, e.message());
    }
    if (!prompt.contains(QLatin1String("{text}")))
        bad(source, QStringLiteral("\"prompt\" must contain {text}"));
    range("few_shot", fewShot, 0, 100);
    range("temperature", temperature, 0, 2);
    range("max_tokens", maxTokens, 1, 1000000);
    if (maxTokensField != QLatin1String("max_tokens") && maxTokensField != QLatin1String("max_completion_tokens"))
        bad(source, QStringLiteral("\"max_tokens_field\" must be max_tokens or max_completion_tokens (got \"%1\")")
                        .arg(maxTokensField));
    range("price_per_1m_input", pricePer1MInput, 0, 1e6);
    range("price_per_1m_output", pricePer1MOutput, 0, 1e6);
    range("top_logprobs", topLogprobs, 1, 20);
    range("softmax_temperature", softmaxTemperature, 1e-6, 1e6);
    range("concurrency", concurrency, 1, 256);
    range("requests_per_minute", requestsPerMinute, 0, 1e6);
    range("max_retries", maxRetries, 0, 100);
    range("timeout_s", timeoutSeconds, 0.01, 86400);
    range("retry_base_ms", retryBaseMs, 0, 3600000);
    range("retry_max_ms", retryMaxMs, 0, 3600000);
    if (parser == Parser::Json && jsonField.isEmpty())
        bad(source, QStringLiteral("\"json_field\" must not be empty"));
    if (logprobs && parser == Parser::Json)
        bad(source, QStringLiteral("\"logprobs\" needs parser label or letter: the first token of a JSON "
                                   "answer is \"{\", not the label"));
    for (const char* reserved : {"model", "messages", "logprobs", "top_logprobs", "temperature", "max_tokens",
                                 "max_completion_tokens"})
        if (extra.contains(QLatin1String(reserved)))
            bad(source, QStringLiteral("\"extra\" cannot set \"%1\"").arg(QLatin1String(reserved)));
}

QJsonObject LlmConfig::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("name"), name);
    o.insert(QStringLiteral("base_url"), baseUrl);
    o.insert(QStringLiteral("model"), model);
    if (!apiKeyEnv.isEmpty())
        o.insert(QStringLiteral("api_key_env"), apiKeyEnv);
    if (!system.isEmpty())
        o.insert(QStringLiteral("system"), system);
    o.insert(QStringLiteral("prompt"), prompt);
    o.insert(QStringLiteral("few_shot"), fewShot);
    o.insert(QStringLiteral("temperature"), sendTemperature ? QJsonValue(temperature) : QJsonValue(QJsonValue::Null));
    o.insert(QStringLiteral("max_tokens"), maxTokens);
    if (maxTokensField != QLatin1String("max_tokens"))
        o.insert(QStringLiteral("max_tokens_field"), maxTokensField);
    o.insert(QStringLiteral("price_per_1m_input"), pricePer1MInput);
    o.insert(QStringLiteral("price_per_1m_output"), pricePer1MOutput);
    o.insert(QStringLiteral("parser"), parserName(parser));
    if (parser == Parser::Json)
        o.insert(QStringLiteral("json_field"), jsonField);
    o.insert(QStringLiteral("logprobs"), logprobs);
    if (logprobs) {
        o.insert(QStringLiteral("top_logprobs"), topLogprobs);
        o.insert(QStringLiteral("probabilities"),
                 probabilities == ProbTransform::PNorm ? QStringLiteral("pnorm") : QStringLiteral("softmax"));
        if (probabilities == ProbTransform::Softmax)
            o.insert(QStringLiteral("softmax_temperature"), softmaxTemperature);
    }
    o.insert(QStringLiteral("order_check"), orderCheck);
    o.insert(QStringLiteral("concurrency"), concurrency);
    o.insert(QStringLiteral("requests_per_minute"), requestsPerMinute);
    o.insert(QStringLiteral("max_retries"), maxRetries);
    o.insert(QStringLiteral("timeout_s"), timeoutSeconds);
    o.insert(QStringLiteral("retry_base_ms"), retryBaseMs);
    o.insert(QStringLiteral("retry_max_ms"), retryMaxMs);
    if (!extra.isEmpty())
        o.insert(QStringLiteral("extra"), extra);
    return o;
}

QString LlmConfig::endpoint() const
{
    QString base = baseUrl;
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    if (base.endsWith(QLatin1String("/chat/completions")))
        return base;
    return base + QStringLiteral("/chat/completions");
}

QString optionLetter(int i)
{
    QString s;
    ++i;
    while (i > 0) {
        const int r = (i - 1) % 26;
        s.prepend(QChar(u'A' + r));
        i = (i - 1) / 26;
    }
    return s;
}

QString renderPrompt(const QString& tmpl, const LlmItem& item, const QStringList& labels,
                     LlmConfig::Parser parser)
{
    QString out;
    out.reserve(tmpl.size() + item.text.size() + 64);
    for (qsizetype i = 0; i < tmpl.size(); ++i) {
        const QChar c = tmpl[i];
        if (c == u'}') {
            if (i + 1 < tmpl.size() && tmpl[i + 1] == u'}') {
                out += u'}';
                ++i;
                continue;
            }
            throw Error(QStringLiteral("prompt template: a lone \"}\" at character %1 (write }} for a brace)").arg(i + 1));
        }
        if (c != u'{') {
            out += c;
            continue;
        }
        if (i + 1 < tmpl.size() && tmpl[i + 1] == u'{') {
            out += u'{';
            ++i;
            continue;
        }
        const qsizetype end = tmpl.indexOf(u'}', i + 1);
        if (end < 0)
            throw Error(QStringLiteral("prompt template: \"{\" at character %1 is never closed (write {{ for a brace)")
                            .arg(i + 1));
        const QString name = tmpl.mid(i + 1, end - i - 1).trimmed();
        if (name == QLatin1String("text")) {
            out += item.text;
        } else if (name == QLatin1String("id")) {
            out += item.id;
        } else if (name == QLatin1String("labels")) {
            out += labels.join(QStringLiteral(", "));
        } else if (name == QLatin1String("options")) {
            QStringList lines;
            for (int k = 0; k < labels.size(); ++k)
                lines << (parser == LlmConfig::Parser::Letter ? optionLetter(k) + QStringLiteral(". ") + labels[k]
                                                              : QStringLiteral("- ") + labels[k]);
            out += lines.join(QLatin1Char('\n'));
        } else if (name.startsWith(QLatin1String("meta.")) && name.size() > 5) {
            const QJsonValue v = item.meta.value(name.mid(5));
            if (v.isString())
                out += v.toString();
            else if (v.isDouble())
                out += QString::number(v.toDouble(), 'g', 15);
            else if (v.isBool())
                out += v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
            else if (v.isArray() || v.isObject())
                out += QString::fromUtf8(v.isArray() ? QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact)
                                                     : QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
        } else {
            throw Error(QStringLiteral("prompt template: unknown placeholder {%1} (known: {text}, {labels}, "
                                       "{options}, {id}, {meta.FIELD}; write {{ for a brace)")
                            .arg(name));
        }
        i = end;
    }
    return out;
}

QString exampleAnswer(const QString& label, int optionIndex, const LlmConfig& config)
{
    switch (config.parser) {
    case LlmConfig::Parser::Label:
        return label;
    case LlmConfig::Parser::Letter:
        return optionLetter(optionIndex);
    case LlmConfig::Parser::Json: {
        QJsonObject o;
        o.insert(config.jsonField, label);
        return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
    }
    }
    return label;
}

namespace {

int matchWholeLabel(const QString& s, const QStringList& labels)
{
    const QString k = normKey(s);
    if (k.isEmpty())
        return -1;
    for (int i = 0; i < labels.size(); ++i)
        if (normKey(labels[i]) == k)
            return i;
    return -1;
}

int parseLabel(const QString& output, const QStringList& labels)
{
    int i = matchWholeLabel(output, labels);
    if (i >= 0)
        return i;
    const QString first = output.trimmed().section(QLatin1Char('\n'), 0, 0);
    i = matchWholeLabel(first, labels);
    if (i >= 0)
        return i;
    // "The answer is: positive." -> the one label named as a whole word.
    const QString hay = output.toCaseFolded();
    int found = -1;
    for (int k = 0; k < labels.size(); ++k) {
        const QString needle = labels[k].trimmed().toCaseFolded();
        if (needle.isEmpty())
            continue;
        const QRegularExpression re(QStringLiteral("(^|[^\\w])%1($|[^\\w])").arg(QRegularExpression::escape(needle)),
                                    QRegularExpression::UseUnicodePropertiesOption);
        if (re.match(hay).hasMatch()) {
            if (found >= 0)
                return -1;  // two labels named: ambiguous
            found = k;
        }
    }
    return found;
}

int parseLetter(const QString& output, const QStringList& labels)
{
    static const QRegularExpression re(QStringLiteral("^\\s*[\\(\\[\\*\"']*\\s*([A-Za-z]{1,2})\\s*(?:[\\)\\]\\.:,\\*\"']|\\s|$)"));
    const auto m = re.match(output);
    if (!m.hasMatch())
        return -1;
    const QString letters = m.captured(1).toUpper();
    for (int k = 0; k < labels.size(); ++k)
        if (optionLetter(k) == letters)
            return k;
    return -1;
}

int parseJson(const QString& output, const QStringList& labels, const QString& field)
{
    QString s = output.trimmed();
    if (s.startsWith(QLatin1String("```"))) {
        const qsizetype nl = s.indexOf(u'\n');
        s = nl < 0 ? QString() : s.mid(nl + 1);
        if (s.endsWith(QLatin1String("```")))
            s.chop(3);
    }
    const qsizetype open = s.indexOf(u'{'), close = s.lastIndexOf(u'}');
    if (open < 0 || close < open)
        return -1;
    const QJsonDocument d = QJsonDocument::fromJson(s.mid(open, close - open + 1).toUtf8());
    if (!d.isObject())
        return -1;
    const QJsonValue v = d.object().value(field);
    if (!v.isString())
        return -1;
    return matchWholeLabel(v.toString(), labels);
}

} // namespace

QString stripReasoning(const QString& output)
{
    // Reasoning models served by llama.cpp, vLLM or Ollama (DeepSeek-R1, Qwen3, ...) put their
    // chain of thought in the content as <think>...</think> (some use <thinking>) before the
    // answer. The answer is what follows; a block still open means the output was cut off
    // (max_tokens) before any answer.
    static const QRegularExpression block(QStringLiteral("<(think|thinking|reasoning)>.*?</\\1>"),
                                          QRegularExpression::CaseInsensitiveOption
                                              | QRegularExpression::DotMatchesEverythingOption);
    static const QRegularExpression open(QStringLiteral("<(think|thinking|reasoning)>"),
                                         QRegularExpression::CaseInsensitiveOption);
    QString s = output;
    s.remove(block);
    const qsizetype cut = s.indexOf(open);
    if (cut >= 0)
        s.truncate(cut);
    // A leading lone "</think>" (the opening tag was part of the prompt template).
    static const QRegularExpression close(QStringLiteral("^.*?</(think|thinking|reasoning)>"),
                                          QRegularExpression::CaseInsensitiveOption
                                              | QRegularExpression::DotMatchesEverythingOption);
    s.remove(close);
    return s.trimmed();
}

int parseAnswer(const QString& output, const QStringList& labels, const LlmConfig& config)
{
    const QString answer = stripReasoning(output);
    switch (config.parser) {
    case LlmConfig::Parser::Label:
        return parseLabel(answer, labels);
    case LlmConfig::Parser::Letter:
        return parseLetter(answer, labels);
    case LlmConfig::Parser::Json:
        return parseJson(answer, labels, config.jsonField);
    }
    return -1;
}

QVector<double> optionLogprobs(const QStringList& tokens, const QVector<double>& logprobs,
                               const QStringList& labels, LlmConfig::Parser parser)
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    QVector<double> mass(labels.size(), 0.0);
    QStringList keys;
    for (const QString& l : labels)
        keys << normKey(l);
    bool any = false;
    for (qsizetype t = 0; t < tokens.size() && t < logprobs.size(); ++t) {
        if (!std::isfinite(logprobs[t]))
            continue;
        const QString tk = normKey(tokens[t]);
        if (tk.isEmpty())
            continue;
        int match = -1;
        for (int k = 0; k < labels.size(); ++k) {
            const bool hit = parser == LlmConfig::Parser::Letter ? tk == optionLetter(k).toCaseFolded()
                                                                 : keys[k].startsWith(tk);
            if (hit) {
                if (match >= 0) {
                    match = -2;  // the token starts two labels: it says nothing about which
                    break;
                }
                match = k;
            }
        }
        if (match >= 0) {
            mass[match] += std::exp(logprobs[t]);
            any = true;
        }
    }
    if (!any)
        return {};
    QVector<double> out(labels.size(), nan);
    for (int k = 0; k < labels.size(); ++k)
        if (mass[k] > 0)
            out[k] = std::log(mass[k]);
    return out;
}

QVector<double> optionProbabilities(const QVector<double>& lp, const LlmConfig& config)
{
    if (lp.isEmpty())
        return {};
    const double invT = config.probabilities == LlmConfig::ProbTransform::Softmax ? 1.0 / config.softmaxTemperature : 1.0;
    double top = -std::numeric_limits<double>::infinity();
    for (double v : lp)
        if (!std::isnan(v))
            top = std::max(top, v * invT);
    QVector<double> p(lp.size(), 0.0);
    double sum = 0;
    for (qsizetype k = 0; k < lp.size(); ++k)
        if (!std::isnan(lp[k]))
            sum += p[k] = std::exp(lp[k] * invT - top);
    for (double& v : p)
        v /= sum;
    return p;
}

} // namespace chorus::model
