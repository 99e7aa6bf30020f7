#pragma once
// An "LLM annotator": how to ask an OpenAI-compatible chat-completions endpoint for a label and
// how to read its answer. Pure data and pure functions (no network): prompt rendering, answer
// parsing and first-token probabilities. The runner is in llmrunner.h; the JSON format is in
// docs/llm.md.

#include "labelnormalizer.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QVector>

#include <optional>

namespace chorus::model {

struct LlmConfig
{
    enum class Parser { Label, Letter, Json };
    enum class ProbTransform { PNorm, Softmax };

    QString name;        ///< annotator name in the project
    QString baseUrl;     ///< e.g. http://127.0.0.1:8080/v1 ("/chat/completions" is appended)
    QString model;       ///< the request's "model"
    QString apiKeyEnv;   ///< environment variable holding the API key; empty = no key
    QString system;      ///< optional system message
    QString prompt;      ///< user message template: {text} {labels} {options} {id} {meta.KEY}
    int fewShot = 0;     ///< reviewed items given as worked examples before the question
    double temperature = 0;
    bool sendTemperature = true;  ///< false ("temperature": null): leave it to the server (reasoning models refuse it)
    int maxTokens = 16;
    /// Request field of the token limit: "max_tokens", or "max_completion_tokens" (OpenAI's
    /// newer models refuse max_tokens).
    QString maxTokensField = QStringLiteral("max_tokens");
    double pricePer1MInput = 0;   ///< currency per million prompt tokens
    double pricePer1MOutput = 0;  ///< currency per million completion tokens
    Parser parser = Parser::Label;
    QString jsonField = QStringLiteral("label");
    bool logprobs = false;  ///< ask for first-token log-probabilities
    int topLogprobs = 10;
    ProbTransform probabilities = ProbTransform::PNorm;
    double softmaxTemperature = 1;
    bool orderCheck = false;  ///< ask a second time with the options in reverse order
    int concurrency = 4;
    double requestsPerMinute = 0;  ///< 0 = no limit
    int maxRetries = 5;
    double timeoutSeconds = 60;
    int retryBaseMs = 1000;   ///< first backoff; doubles per retry
    int retryMaxMs = 60000;
    QJsonObject extra;        ///< merged into every request body (seed, top_p, ...)

    /// Parses and validates a configuration. Throws Error naming `source` and the key.
    static LlmConfig fromJson(const QByteArray& json, const QString& source);
    static LlmConfig fromFile(const QString& path);
    QJsonObject toJson() const;
    /// Checks ranges and the template; throws Error naming `source`.
    void validate(const QString& source) const;
    /// The endpoint: baseUrl + "/chat/completions" (unless baseUrl already ends with it).
    QString endpoint() const;
};

QString parserName(LlmConfig::Parser p);

/// One item as the prompt sees it.
struct LlmItem
{
    QString id;    ///< external id
    QString text;
    QJsonObject meta;
};

/// Renders a template. {text}, {id}, {labels} ("a, b, c" in `labels` order), {options} (one
/// per line: "A. a" for the letter parser, "- a" otherwise), {meta.KEY} (a metadata field,
/// empty when the item has none); "{{" and "}}" are literal braces. Throws Error for an unknown
/// placeholder or an unclosed brace.
QString renderPrompt(const QString& tmpl, const LlmItem& item, const QStringList& labels,
                     LlmConfig::Parser parser);

/// The assistant answer of a worked example in the parser's format.
QString exampleAnswer(const QString& label, int optionIndex, const LlmConfig& config);

/// Option letter of index i: A..Z, then AA, AB, ...
QString optionLetter(int i);

/// The output without reasoning: <think>...</think> blocks (also <thinking>, <reasoning>; any
/// case) are removed, an unterminated block and everything after it is dropped, and text up to
/// a leading lone closing tag is dropped. Trimmed.
QString stripReasoning(const QString& output);

/// Reads a label out of the model's output (after stripReasoning). `labels` is the option order the prompt showed.
/// Returns the label's index in `labels`, or -1 (INVALID: the raw output is kept).
///  - Label: the whole output through the import's normalisation; failing that its first line;
///    failing that the one label whose name occurs as a whole word (none or several: -1).
///  - Letter: a lone letter, optionally bracketed or followed by . ) : or white space, at the
///    start of the output ("B", "(B)", "B. neutral").
///  - Json: the output (``` fences allowed) is an object whose jsonField is a label name.
int parseAnswer(const QString& output, const QStringList& labels, const LlmConfig& config);

/// First-token distribution over the options from the response's top log-probabilities.
/// tokens/logprobs: the first generated token's alternatives. Tokens are matched to options
/// after normalisation (letters for the letter parser; a prefix of exactly one label's name
/// otherwise; ambiguous tokens are dropped). Per option, log of the summed probability; NaN
/// entries are options no token matched. Empty when nothing matched.
QVector<double> optionLogprobs(const QStringList& tokens, const QVector<double>& logprobs,
                               const QStringList& labels, LlmConfig::Parser parser);

/// Probabilities from option log-probabilities: p_norm (exp(l_k) / sum_j exp(l_j)) or softmax
/// with temperature T (exp(l_k / T) / sum_j exp(l_j / T)); options without a token get 0.
/// Both are compared in "Seeing the Big through the Small: Can LLMs Approximate Human
/// Judgment Distributions on NLI from a Few Explanations?" (Chen et al., Findings of EMNLP 2024).
QVector<double> optionProbabilities(const QVector<double>& optionLogprobs, const LlmConfig& config);

} // namespace chorus::model
