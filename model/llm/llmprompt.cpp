// Prompt rendering and answer reading for LLM annotators (declared in llmconfig.h): option
// letters, the prompt template, worked-example answers, the label/letter/json parsers with
// reasoning blocks stripped, and first-token option probabilities.

#include "llmconfig.h"

#include "errors.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

#include <cmath>
#include <limits>

namespace chorus::model {

namespace {

// The comparison key of the import's normaliser, so "Positive." and "**positive**" match.
QString normKey(const QString& s)
{
    return LabelNormalizer::key(s);
}

} // namespace

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
            throw Error(QStringLiteral("a lone \"}\" at character %1 (write }} for a brace)").arg(i + 1));
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
            throw Error(QStringLiteral("\"{\" at character %1 is never closed (write {{ for a brace)")
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
            throw Error(QStringLiteral("unknown placeholder {%1} (known: {text}, {labels}, "
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
