// The LLM annotator's pure parts: configuration parsing and its errors, prompt rendering,
// answer parsing, and first-token probabilities. Expected values are written out by hand.

#include "errors.h"
#include "expecterror.h"
#include "llmconfig.h"
#include "llmfixture.h"
#include "stringrows.h"

#include <QtTest>

#include <cmath>

using namespace chorus::model;

class TestLlmConfig : public QObject
{
    Q_OBJECT

private slots:
    void minimalConfigGetsDefaults();
    void configErrors_data();
    void configErrors();
    void roundTripThroughJson();
    void endpoint_data();
    void endpoint();
    void optionLetters();
    void renderPrompt();
    void renderPromptErrors_data();
    void renderPromptErrors();
    void parseAnswer_data();
    void parseAnswer();
    void probabilitiesFromLabelTokens();
    void probabilitiesFromLetters();
    void shippedExamplesLoad();
};

namespace {

const QByteArray kMinimal = R"({"name": "m1", "base_url": "http://127.0.0.1:1/v1", "model": "tiny", "prompt": "Say: {text}"})";

LlmConfig withParser(LlmConfig::Parser p)
{
    LlmConfig c;
    c.parser = p;
    return c;
}

} // namespace

void TestLlmConfig::minimalConfigGetsDefaults()
{
    const LlmConfig c = LlmConfig::fromJson(kMinimal, QStringLiteral("m1.json"));
    QCOMPARE(c.name, QStringLiteral("m1"));
    QCOMPARE(c.model, QStringLiteral("tiny"));
    QCOMPARE(c.parser, LlmConfig::Parser::Label);
    QCOMPARE(c.temperature, 0.0);
    QCOMPARE(c.maxTokens, 16);
    QCOMPARE(c.concurrency, 4);
    QCOMPARE(c.maxRetries, 5);
    QVERIFY(c.apiKeyEnv.isEmpty());
    QVERIFY(!c.logprobs);
    QVERIFY(!c.orderCheck);
}

void TestLlmConfig::configErrors_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("expected");  // a substring of the message

    QTest::newRow("notJson") << QByteArray("{\n\"name\": \"m1\",\n oops}") << QStringLiteral("cfg.json:3:");
    QTest::newRow("notAnObject") << QByteArray("[1, 2]") << QStringLiteral("must be a JSON object");
    QTest::newRow("unknownKey") << QByteArray(R"({"name": "m", "base_url": "http://x/v1", "model": "t", "prompt": "{text}", "temprature": 1})")
                                << QStringLiteral("unknown key \"temprature\"");
    QTest::newRow("missingPrompt") << QByteArray(R"({"name": "m", "base_url": "http://x/v1", "model": "t"})")
                                   << QStringLiteral("\"prompt\" is required");
    QTest::newRow("promptWithoutText") << QByteArray(R"({"name": "m", "base_url": "http://x/v1", "model": "t", "prompt": "Label it"})")
                                       << QStringLiteral("must contain {text}");
    QTest::newRow("unknownPlaceholder") << QByteArray(R"({"name": "m", "base_url": "http://x/v1", "model": "t", "prompt": "{text} {lables}"})")
                                        << QStringLiteral("cfg.json: \"prompt\": unknown placeholder {lables}");
    // A mistake in the system message names that field, not the prompt.
    QTest::newRow("unknownPlaceholderInSystem")
        << QByteArray(R"({"name": "m", "base_url": "http://x/v1", "model": "t", "prompt": "{text}", "system": "Labels: {lables}"})")
        << QStringLiteral("cfg.json: \"system\": unknown placeholder {lables}");
    QTest::newRow("unclosedBraceInSystem")
        << QByteArray(R"({"name": "m", "base_url": "http://x/v1", "model": "t", "prompt": "{text}", "system": "Be {brief"})")
        << QStringLiteral("cfg.json: \"system\": \"{\" at character 4 is never closed");
    // An empty file says so and what is expected (Qt's parser would say "illegal value").
    QTest::newRow("emptyFile") << QByteArray("") << QStringLiteral("cfg.json: the file is empty; expected a JSON object");
    QTest::newRow("blankFile") << QByteArray(" \r\n\t\n")
                               << QStringLiteral("cfg.json: the file is empty; expected a JSON object with at least "
                                                 "\"name\", \"base_url\", \"model\" and \"prompt\"");
    QTest::newRow("badParser") << QByteArray(R"({"name": "m", "base_url": "http://x/v1", "model": "t", "prompt": "{text}", "parser": "regex"})")
                               << QStringLiteral("\"parser\" must be label, letter or json");
    QTest::newRow("keyInsteadOfVariable")
        << QByteArray(R"({"name": "m", "base_url": "http://x/v1", "model": "t", "prompt": "{text}", "api_key_env": "sk-abc123"})")
        << QStringLiteral("must be the NAME of an environment variable");
    QTest::newRow("temperatureOutOfRange")
        << QByteArray(R"({"name": "m", "base_url": "http://x/v1", "model": "t", "prompt": "{text}", "temperature": 3})")
        << QStringLiteral("\"temperature\" must be in [0, 2]");
    QTest::newRow("wrongType") << QByteArray(R"({"name": "m", "base_url": "http://x/v1", "model": "t", "prompt": "{text}", "max_tokens": "5"})")
                               << QStringLiteral("\"max_tokens\" must be a number");
    QTest::newRow("logprobsWithJsonParser")
        << QByteArray(R"({"name": "m", "base_url": "http://x/v1", "model": "t", "prompt": "{text}", "parser": "json", "logprobs": true})")
        << QStringLiteral("\"logprobs\" needs parser label or letter");
    QTest::newRow("notHttp") << QByteArray(R"({"name": "m", "base_url": "ftp://x/v1", "model": "t", "prompt": "{text}"})")
                             << QStringLiteral("\"base_url\" must start with http://");
    QTest::newRow("extraOverridesMessages")
        << QByteArray(R"({"name": "m", "base_url": "http://x/v1", "model": "t", "prompt": "{text}", "extra": {"messages": []}})")
        << QStringLiteral("\"extra\" cannot set \"messages\"");
    QTest::newRow("badMaxTokensField")
        << QByteArray(R"({"name": "m", "base_url": "http://x/v1", "model": "t", "prompt": "{text}", "max_tokens_field": "limit"})")
        << QStringLiteral("\"max_tokens_field\" must be max_tokens or max_completion_tokens");
    QTest::newRow("extraSetsTheTokenLimit")
        << QByteArray(R"({"name": "m", "base_url": "http://x/v1", "model": "t", "prompt": "{text}", "extra": {"max_completion_tokens": 5}})")
        << QStringLiteral("\"extra\" cannot set \"max_completion_tokens\"");
    QTest::newRow("nameInvalid") << QByteArray(R"({"name": "INVALID", "base_url": "http://x/v1", "model": "t", "prompt": "{text}"})")
                                 << QStringLiteral("cannot be INVALID");
}

void TestLlmConfig::configErrors()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, expected);
    const auto e = chorus::test::errorOf([&] { LlmConfig::fromJson(json, QStringLiteral("cfg.json")); });
    QVERIFY2(e, "accepted a bad configuration");
    QVERIFY2(e->startsWith(QLatin1String("cfg.json")), qPrintable(*e));
    QVERIFY2(e->contains(expected), qPrintable(*e));
}

void TestLlmConfig::roundTripThroughJson()
{
    LlmConfig c = LlmConfig::fromJson(kMinimal, QStringLiteral("m1.json"));
    c.parser = LlmConfig::Parser::Letter;
    c.logprobs = true;
    c.probabilities = LlmConfig::ProbTransform::Softmax;
    c.softmaxTemperature = 2;
    c.orderCheck = true;
    c.pricePer1MInput = 0.15;
    c.apiKeyEnv = QStringLiteral("MY_KEY");
    c.extra.insert(QStringLiteral("seed"), 7);
    const LlmConfig back = LlmConfig::fromJson(QJsonDocument(c.toJson()).toJson(), QStringLiteral("back.json"));
    QCOMPARE(back.parser, LlmConfig::Parser::Letter);
    QVERIFY(back.logprobs);
    QCOMPARE(back.probabilities, LlmConfig::ProbTransform::Softmax);
    QCOMPARE(back.softmaxTemperature, 2.0);
    QVERIFY(back.orderCheck);
    QCOMPARE(back.pricePer1MInput, 0.15);
    QCOMPARE(back.apiKeyEnv, QStringLiteral("MY_KEY"));
    QCOMPARE(back.extra.value(QStringLiteral("seed")).toInt(), 7);
    QVERIFY(back.sendTemperature);
    QCOMPARE(back.maxTokensField, QStringLiteral("max_tokens"));

    // "temperature": null (not sent) and max_completion_tokens survive a round trip too.
    c.sendTemperature = false;
    c.maxTokensField = QStringLiteral("max_completion_tokens");
    const QJsonObject j = c.toJson();
    QVERIFY(j.value(QStringLiteral("temperature")).isNull());
    const LlmConfig back2 = LlmConfig::fromJson(QJsonDocument(j).toJson(), QStringLiteral("back2.json"));
    QVERIFY(!back2.sendTemperature);
    QCOMPARE(back2.maxTokensField, QStringLiteral("max_completion_tokens"));
}

void TestLlmConfig::endpoint_data()
{
    chorus::test::addStringTable({"base", "expected"}, {
        {"v1", "http://h:8080/v1", "http://h:8080/v1/chat/completions"},
        {"trailingSlash", "http://h/v1/", "http://h/v1/chat/completions"},
        {"alreadyFull", "https://api.x/v1/chat/completions", "https://api.x/v1/chat/completions"},
    });
}

void TestLlmConfig::endpoint()
{
    QFETCH(QString, base);
    QFETCH(QString, expected);
    LlmConfig c;
    c.baseUrl = base;
    QCOMPARE(c.endpoint(), expected);
}

void TestLlmConfig::optionLetters()
{
    QCOMPARE(optionLetter(0), QStringLiteral("A"));
    QCOMPARE(optionLetter(25), QStringLiteral("Z"));
    QCOMPARE(optionLetter(26), QStringLiteral("AA"));
    QCOMPARE(optionLetter(27), QStringLiteral("AB"));
}

void TestLlmConfig::renderPrompt()
{
    LlmItem item;
    item.id = QStringLiteral("q7");
    item.text = QStringLiteral("The <b>movie</b> was {great}");
    item.meta = QJsonObject{{QStringLiteral("source"), QStringLiteral("web")}, {QStringLiteral("stars"), 4}};
    const QStringList labels = {QStringLiteral("pos"), QStringLiteral("neg")};
    const QString tmpl = QStringLiteral("[{id}] {text}\nLabels: {labels}\n{options}\nFrom {meta.source}, "
                                        "{meta.stars} stars{meta.missing}. Answer {{one}}.");
    // Substitution is one pass: the braces inside the item text stay as they are.
    QCOMPARE(chorus::model::renderPrompt(tmpl, item, labels, LlmConfig::Parser::Letter),
             QStringLiteral("[q7] The <b>movie</b> was {great}\nLabels: pos, neg\nA. pos\nB. neg\n"
                            "From web, 4 stars. Answer {one}."));
    QCOMPARE(chorus::model::renderPrompt(QStringLiteral("{options}"), item, labels, LlmConfig::Parser::Label),
             QStringLiteral("- pos\n- neg"));
}

void TestLlmConfig::renderPromptErrors_data()
{
    chorus::test::addStringTable({"tmpl", "expected"}, {
        {"unknown", "{text} {label}", "unknown placeholder {label}"},
        {"unclosed", "{text} {labels", "never closed"},
        {"loneClose", "{text} }", "lone \"}\""},
    });
}

void TestLlmConfig::renderPromptErrors()
{
    QFETCH(QString, tmpl);
    QFETCH(QString, expected);
    EXPECT_ERROR(chorus::model::renderPrompt(tmpl, {}, {QStringLiteral("a")}, LlmConfig::Parser::Label), expected);
}

void TestLlmConfig::parseAnswer_data()
{
    QTest::addColumn<int>("parser");
    QTest::addColumn<QString>("output");
    QTest::addColumn<int>("expected");  // index into positive, negative, neutral; -1 = INVALID
    const int label = int(LlmConfig::Parser::Label), letter = int(LlmConfig::Parser::Letter),
              json = int(LlmConfig::Parser::Json);
    QTest::newRow("labelExact") << label << QStringLiteral("negative") << 1;
    QTest::newRow("labelCasePunctuation") << label << QStringLiteral("Positive.") << 0;
    QTest::newRow("labelMarkdown") << label << QStringLiteral("**neutral**") << 2;
    QTest::newRow("labelFirstLine") << label << QStringLiteral("negative\nBecause the user complains.") << 1;
    QTest::newRow("labelInSentence") << label << QStringLiteral("The sentiment is neutral, I think.") << 2;
    QTest::newRow("labelTwoNamed") << label << QStringLiteral("positive or negative") << -1;
    QTest::newRow("labelPartOfWord") << label << QStringLiteral("neutrality") << -1;
    QTest::newRow("labelNothing") << label << QStringLiteral("I cannot answer that.") << -1;
    QTest::newRow("labelEmpty") << label << QString() << -1;
    QTest::newRow("letterBare") << letter << QStringLiteral("B") << 1;
    QTest::newRow("letterBracketed") << letter << QStringLiteral("(C)") << 2;
    QTest::newRow("letterWithName") << letter << QStringLiteral("A. positive") << 0;
    QTest::newRow("letterLowercase") << letter << QStringLiteral("b") << 1;
    QTest::newRow("letterOutOfRange") << letter << QStringLiteral("D") << -1;
    QTest::newRow("letterWord") << letter << QStringLiteral("Because it is") << -1;
    QTest::newRow("jsonPlain") << json << QStringLiteral("{\"label\": \"negative\"}") << 1;
    QTest::newRow("jsonFenced") << json << QStringLiteral("```json\n{\"label\": \"Neutral\"}\n```") << 2;
    QTest::newRow("jsonWithProse") << json << QStringLiteral("Sure! {\"label\": \"positive\", \"why\": \"x\"}") << 0;
    QTest::newRow("jsonOtherField") << json << QStringLiteral("{\"answer\": \"positive\"}") << -1;
    QTest::newRow("jsonUnknownLabel") << json << QStringLiteral("{\"label\": \"mixed\"}") << -1;
    QTest::newRow("jsonBroken") << json << QStringLiteral("{\"label\": ") << -1;
    // Reasoning models: the thought is not the answer, even when it names other labels.
    QTest::newRow("thinkThenLabel")
        << label << QStringLiteral("<think>It could be positive, but the user complains.</think>\n\nnegative") << 1;
    QTest::newRow("thinkThenLetter") << letter << QStringLiteral("<think>A? No: C fits.</think>C") << 2;
    QTest::newRow("thinkingTagUppercase")
        << json << QStringLiteral("<THINKING>\n{\"label\": \"positive\"}?\n</THINKING>{\"label\": \"neutral\"}") << 2;
    QTest::newRow("thinkCutOff") << label << QStringLiteral("<think>The answer is probably positive because") << -1;
    QTest::newRow("loneClosingTag") << label << QStringLiteral("maybe positive...</think> negative") << 1;
}

void TestLlmConfig::parseAnswer()
{
    QFETCH(int, parser);
    QFETCH(QString, output);
    QFETCH(int, expected);
    const QStringList labels = {QStringLiteral("positive"), QStringLiteral("negative"), QStringLiteral("neutral")};
    QCOMPARE(chorus::model::parseAnswer(output, labels, withParser(LlmConfig::Parser(parser))), expected);
}

void TestLlmConfig::probabilitiesFromLabelTokens()
{
    // First-token alternatives: "pos" (0.5) and "Pos" (0.1) both start only "positive" -> 0.6;
    // " neg" (0.2) -> negative; "n" (0.05) starts both negative and neutral -> dropped; "xyz"
    // starts nothing. Neutral gets no token.
    const QStringList labels = {QStringLiteral("positive"), QStringLiteral("negative"), QStringLiteral("neutral")};
    const QStringList tokens = {QStringLiteral("pos"), QStringLiteral(" neg"), QStringLiteral("Pos"), QStringLiteral("n"),
                                QStringLiteral("xyz")};
    const QVector<double> lps = {std::log(0.5), std::log(0.2), std::log(0.1), std::log(0.05), std::log(0.1)};
    const QVector<double> lp = optionLogprobs(tokens, lps, labels, LlmConfig::Parser::Label);
    QCOMPARE(lp.size(), 3);
    QVERIFY(std::abs(lp[0] - std::log(0.6)) < 1e-12);
    QVERIFY(std::abs(lp[1] - std::log(0.2)) < 1e-12);
    QVERIFY(std::isnan(lp[2]));

    LlmConfig c;
    // p_norm: 0.6 / 0.8 = 0.75, 0.2 / 0.8 = 0.25, 0.
    QVector<double> p = optionProbabilities(lp, c);
    QVERIFY(std::abs(p[0] - 0.75) < 1e-12);
    QVERIFY(std::abs(p[1] - 0.25) < 1e-12);
    QCOMPARE(p[2], 0.0);
    // Softmax with T = 2: exp(ln 0.6 / 2) = sqrt(0.6) = 0.7745967, sqrt(0.2) = 0.4472136;
    // sum 1.2218103 -> 0.6339746, 0.3660254.
    c.probabilities = LlmConfig::ProbTransform::Softmax;
    c.softmaxTemperature = 2;
    p = optionProbabilities(lp, c);
    QVERIFY(std::abs(p[0] - 0.6339746) < 1e-6);
    QVERIFY(std::abs(p[1] - 0.3660254) < 1e-6);
    QCOMPARE(p[2], 0.0);

    QVERIFY(optionLogprobs({QStringLiteral("hello")}, {-0.1}, labels, LlmConfig::Parser::Label).isEmpty());
}

void TestLlmConfig::probabilitiesFromLetters()
{
    // "B" 0.7 and " b" 0.05 -> B = 0.75; "A" 0.2; "Because" is not a letter.
    const QStringList labels = {QStringLiteral("yes"), QStringLiteral("no")};
    const QVector<double> lp =
        optionLogprobs({QStringLiteral("B"), QStringLiteral("A"), QStringLiteral(" b"), QStringLiteral("Because")},
                       {std::log(0.7), std::log(0.2), std::log(0.05), std::log(0.05)}, labels, LlmConfig::Parser::Letter);
    const QVector<double> p = optionProbabilities(lp, LlmConfig{});
    // 0.2 / 0.95 = 0.2105263, 0.75 / 0.95 = 0.7894737.
    QVERIFY(std::abs(p[0] - 0.2105263) < 1e-6);
    QVERIFY(std::abs(p[1] - 0.7894737) < 1e-6);
}

void TestLlmConfig::shippedExamplesLoad()
{
    // The example configurations in resources/llm/ that docs/llm.md points to.
    const QString dir = QStringLiteral(CHORUS_TEST_DATA "/../../resources/llm/");
    const LlmConfig local = LlmConfig::fromFile(dir + QStringLiteral("llama-cpp-local.json"));
    QCOMPARE(local.parser, LlmConfig::Parser::Letter);
    QVERIFY(local.logprobs);
    QVERIFY(local.orderCheck);
    QVERIFY(local.apiKeyEnv.isEmpty());
    const LlmConfig hosted = LlmConfig::fromFile(dir + QStringLiteral("openai-hosted.json"));
    QCOMPARE(hosted.parser, LlmConfig::Parser::Json);
    QCOMPARE(hosted.apiKeyEnv, QStringLiteral("OPENAI_API_KEY"));
    QCOMPARE(hosted.extra.value(QStringLiteral("seed")).toInt(), 7);
    // Its template asks for {"label": "..."} with escaped braces.
    LlmItem item;
    item.text = QStringLiteral("t");
    QVERIFY(chorus::model::renderPrompt(hosted.prompt, item, {QStringLiteral("x")}, hosted.parser).endsWith(QStringLiteral("{\"label\": \"...\"}")));
}

QTEST_GUILESS_MAIN(TestLlmConfig)
#include "tst_llmconfig.moc"
