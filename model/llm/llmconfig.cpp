// LLM annotator configuration: parsing and validating the JSON file, writing it back, and the
// endpoint. Prompt rendering and answer reading are in llmprompt.cpp.

#include "llmconfig.h"

#include "enumnames.h"
#include "errors.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

#include <cmath>
#include <limits>
#include <optional>
#include <utility>

namespace chorus::model {

namespace {

[[noreturn]] void bad(const QString& source, const QString& problem)
{
    throw Error(QStringLiteral("%1: %2").arg(source, problem));
}

// The value of `key` when it is present (not missing, not null); nullopt when absent. A value
// that isKind refuses is an error saying the key `must` be something else.
std::optional<QJsonValue> present(const QJsonObject& o, const char* key, const QString& source,
                                  bool (QJsonValue::*isKind)() const, const char* must)
{
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.isUndefined() || v.isNull())
        return std::nullopt;
    if (!(v.*isKind)())
        bad(source, QStringLiteral("\"%1\" must be %2").arg(QLatin1String(key), QLatin1String(must)));
    return v;
}

QString str(const QJsonObject& o, const char* key, const QString& source, const QString& fallback,
            bool required = false)
{
    const std::optional<QJsonValue> v = present(o, key, source, &QJsonValue::isString, "a string");
    if (!v && required)
        bad(source, QStringLiteral("\"%1\" is required").arg(QLatin1String(key)));
    return v ? v->toString() : fallback;
}

double num(const QJsonObject& o, const char* key, const QString& source, double fallback)
{
    const std::optional<QJsonValue> v = present(o, key, source, &QJsonValue::isDouble, "a number");
    return v ? v->toDouble() : fallback;
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
    const std::optional<QJsonValue> v = present(o, key, source, &QJsonValue::isBool, "true or false");
    return v ? v->toBool() : fallback;
}

// The names of the choices as the file writes them; the first is the default.
constexpr EnumName<LlmConfig::Parser> kParsers[] = {
    {LlmConfig::Parser::Label, "label"}, {LlmConfig::Parser::Letter, "letter"}, {LlmConfig::Parser::Json, "json"}};
constexpr EnumName<LlmConfig::ProbTransform> kProbTransforms[] = {{LlmConfig::ProbTransform::PNorm, "pnorm"},
                                                                    {LlmConfig::ProbTransform::Softmax, "softmax"}};

/// A string key that must name one of the table's values; the first is the default. An error
/// lists the names ("a, b or c").
template <typename E, std::size_t N>
E choice(const QJsonObject& o, const char* key, const QString& source, const EnumName<E> (&table)[N])
{
    const QString given = str(o, key, source, QLatin1String(table[0].name));
    if (const std::optional<E> value = valueIn(table, given))
        return *value;
    QStringList names;
    for (const EnumName<E>& e : table)
        names << QLatin1String(e.name);
    const QString last = names.takeLast();
    bad(source, QStringLiteral("\"%1\" must be %2 or %3 (got \"%4\")")
                    .arg(QLatin1String(key), names.join(QStringLiteral(", ")), last, given));
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

} // namespace

QString parserName(LlmConfig::Parser p)
{
    return nameIn(kParsers, p);
}

LlmConfig LlmConfig::fromJson(const QByteArray& json, const QString& source)
{
    if (json.trimmed().isEmpty())
        bad(source, QStringLiteral("the file is empty; expected a JSON object with at least \"name\", \"base_url\", "
                                   "\"model\" and \"prompt\" (see docs/llm.md)"));
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
    c.parser = choice(o, "parser", source, kParsers);
    c.jsonField = str(o, "json_field", source, c.jsonField);
    c.logprobs = flag(o, "logprobs", source, c.logprobs);
    c.topLogprobs = integer(o, "top_logprobs", source, c.topLogprobs);
    c.probabilities = choice(o, "probabilities", source, kProbTransforms);
    c.softmaxTemperature = num(o, "softmax_temperature", source, c.softmaxTemperature);
    c.orderCheck = flag(o, "order_check", source, c.orderCheck);
    c.concurrency = integer(o, "concurrency", source, c.concurrency);
    c.requestsPerMinute = num(o, "requests_per_minute", source, c.requestsPerMinute);
    c.maxRetries = integer(o, "max_retries", source, c.maxRetries);
    c.timeoutSeconds = num(o, "timeout_s", source, c.timeoutSeconds);
    c.retryBaseMs = integer(o, "retry_base_ms", source, c.retryBaseMs);
    c.retryMaxMs = integer(o, "retry_max_ms", source, c.retryMaxMs);
    if (const std::optional<QJsonValue> extra =
            present(o, "extra", source, &QJsonValue::isObject, "an object of request fields"))
        c.extra = extra->toObject();
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
    // Renders each template once so that a typo in a placeholder is reported now, not per
    // item, naming the field it is in.
    for (const auto& [key, tmpl] : {std::pair{"prompt", &prompt}, std::pair{"system", &system}}) {
        try {
            renderPrompt(*tmpl, {}, {QStringLiteral("x")}, parser);
        } catch (const Error& e) {
            bad(source, QStringLiteral("\"%1\": %2").arg(QLatin1String(key), e.message()));
        }
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
        o.insert(QStringLiteral("probabilities"), nameIn(kProbTransforms, probabilities));
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

} // namespace chorus::model
