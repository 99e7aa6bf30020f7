// cli::JsonStream (app/cli_json.h) writes --json output member by member and item by item; its
// text must be byte for byte what nlohmann's dump(2) prints for the whole document, which is
// the independent expected value here (scripts compare outputs across versions).

#include "../../app/cli_json.h"

#include <QtTest>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <unistd.h>

using chorus::cli::Json;
using chorus::cli::JsonStream;

class TestJsonStream : public QObject
{
    Q_OBJECT

private slots:
    void sameTextAsDump();
    void numbersAsDumpPrintsThem();
    void stringsAsDumpPrintsThem();
    void blocksOfElements();

private:
    // Runs fn with stdout sent to a temporary file and returns what it wrote.
    template <typename F>
    std::string captured(F&& fn)
    {
        std::fflush(stdout);
        FILE* tmp = std::tmpfile();
        const int saved = dup(fileno(stdout));
        dup2(fileno(tmp), fileno(stdout));
        fn();
        std::fflush(stdout);
        dup2(saved, fileno(stdout));
        close(saved);
        std::string text;
        std::rewind(tmp);
        char buf[4096];
        for (size_t n; (n = std::fread(buf, 1, sizeof buf, tmp)) > 0;)
            text.append(buf, n);
        std::fclose(tmp);
        return text;
    }
};

void TestJsonStream::sameTextAsDump()
{
    // Items with nested objects, nulls, an empty object and array, escapes and non-ASCII text,
    // integral and tiny doubles (dump prints 1.0 and 5e-08).
    Json items = Json::array();
    for (int i = 0; i < 3; ++i) {
        Json it;
        it["item"] = std::string(i == 1 ? "q\"2\"\n\xC3\xA9" : i == 0 ? "q0" : "q2");
        it["label"] = i == 2 ? Json() : Json("yes");
        it["confidence"] = i == 2 ? Json() : Json(i == 0 ? 1.0 : 5e-08);
        Json post = Json::object();
        if (i != 2) {
            post["no"] = 0.25;
            post["yes"] = 0.75;
        }
        it["posterior"] = post;
        items.push_back(it);
    }
    Json doc;
    doc["method"] = "ds";
    doc["params"] = Json{{"seed", 0}, {"tol", 1e-5}};
    doc["items"] = items;
    doc["empty"] = Json::array();
    doc["annotators"] = Json::array({Json{{"annotator", "m1"}, {"competence", 0.9}}});
    doc["converged"] = true;
    const std::string expected = doc.dump(2) + "\n";

    const std::string streamed = captured([&] {
        JsonStream j;
        j.member("method", doc["method"]);
        j.member("params", doc["params"]);
        j.beginArray("items");
        j.element(items[0]);  // the generic path
        for (size_t e = 1; e < items.size(); ++e) {  // the piecewise path aggregate uses
            const Json& it = items[e];
            j.beginElement();
            j.raw("{\n      \"item\": ");
            j.value(it["item"]);
            j.raw(",\n      \"label\": ");
            j.value(it["label"]);
            j.raw(",\n      \"confidence\": ");
            j.value(it["confidence"]);
            j.raw(",\n      \"posterior\": ");
            if (it["posterior"].empty())
                j.raw("{}");
            bool first = true;
            for (const auto& [k, v] : it["posterior"].items()) {
                j.raw(first ? "{\n        " : ",\n        ");
                j.value(Json(k));
                j.raw(": ");
                j.value(v);
                first = false;
            }
            j.raw(it["posterior"].empty() ? "\n    }" : "\n      }\n    }");
        }
        j.endArray();
        j.beginArray("empty");
        j.endArray();
        j.member("annotators", doc["annotators"]);
        j.member("converged", true);
        j.finish();
    });
    QCOMPARE(QString::fromStdString(streamed), QString::fromStdString(expected));
}

// appendJsonNumber() lays out Grisu2's digits itself: its text must be what dump() prints for
// the same double (the independent value), in every branch of the layout, and read back as the
// same double (strtod).
void TestJsonStream::numbersAsDumpPrintsThem()
{
    std::vector<double> values = {0.0, -0.0, 1.0, -1.0, 0.5, 1.5, 100.0, 1e15, 123456789012345.0,
                                  1e16, 1.2345678901234567e16, 1e-4, 1.5e-4, 1e-5, 0.001, 5e-08,
                                  1e21, 1e100, 1e-100, 1.7976931348623157e308, 4.9e-324,
                                  2.2250738585072014e-308, 0.1, 0.2, 0.30000000000000004, 1.0 / 3};
    // Hand-written expectations for the layout's branches (dump() prints the same).
    const std::vector<std::pair<double, std::string>> written = {
        {0.0, "0.0"},        {-0.0, "-0.0"},      {1.0, "1.0"},        {100.0, "100.0"},
        {1e15, "1e+15"}, {123456789012345.0, "123456789012345.0"}, {1e16, "1e+16"}, {1.5, "1.5"},   {0.001, "0.001"},
        {1e-4, "0.0001"},    {1e-5, "1e-05"},     {5e-08, "5e-08"},    {1e100, "1e+100"},
        {-2.5e-300, "-2.5e-300"}, {0.30000000000000004, "0.30000000000000004"}};
    for (const auto& [v, text] : written) {
        std::string out;
        chorus::cli::appendJsonNumber(out, v);
        QCOMPARE(QString::fromStdString(out), QString::fromStdString(text));
    }
    std::mt19937_64 rng(17);
    std::uniform_real_distribution<double> unit(0, 1);
    for (int i = 0; i < 100000; ++i) {
        values.push_back(unit(rng));
        values.push_back(std::exp(-60 * unit(rng)));  // posteriors of a confident crowd
        const uint64_t bits = rng();
        double any;
        std::memcpy(&any, &bits, sizeof any);
        if (std::isfinite(any))
            values.push_back(any);
    }
    for (const double v : values) {
        std::string out;
        chorus::cli::appendJsonNumber(out, v);
        const std::string expected = Json(v).dump();
        if (out != expected)
            QFAIL(qPrintable(QStringLiteral("%1 printed as %2, dump() prints %3")
                                 .arg(v, 0, 'g', 17)
                                 .arg(QString::fromStdString(out), QString::fromStdString(expected))));
        QCOMPARE(std::strtod(out.c_str(), nullptr), v);
    }
    std::string out;
    chorus::cli::appendJsonValue(out, std::numeric_limits<double>::quiet_NaN());
    chorus::cli::appendJsonValue(out, std::numeric_limits<double>::infinity());
    QCOMPARE(QString::fromStdString(out), QStringLiteral("nullnull"));
}

void TestJsonStream::stringsAsDumpPrintsThem()
{
    for (const QString& s : {QStringLiteral("item_000001"), QString(), QStringLiteral("a\"b"), QStringLiteral("back\\slash"),
                             QStringLiteral("tab\there"), QStringLiteral("new\nline"), QString::fromUtf8("caf\xC3\xA9"),
                             QString(QChar(0x01)), QString(QChar(0x7F)), QString::fromUtf8("\xF0\x9F\x98\x80")}) {
        std::string out;
        chorus::cli::appendJsonString(out, s);
        QCOMPARE(QString::fromStdString(out), QString::fromStdString(Json(s.toStdString()).dump()));
    }
}

// Elements formatted into separate buffers and handed over with rawElements() give the text of
// dump(2), with the separators of the elements that follow.
void TestJsonStream::blocksOfElements()
{
    Json doc;
    doc["items"] = Json::array({1.5, 2, "x"});
    doc["n"] = 3;
    const std::string expected = doc.dump(2) + "\n";
    const std::string streamed = captured([&] {
        JsonStream j;
        j.beginArray("items");
        j.rawElements("\n    1.5,\n    2", 2);
        j.rawElements("", 0);
        j.rawElements(",\n    \"x\"", 1);
        j.endArray();
        j.member("n", 3);
        j.finish();
    });
    QCOMPARE(QString::fromStdString(streamed), QString::fromStdString(expected));
}

QTEST_GUILESS_MAIN(TestJsonStream)
#include "tst_jsonstream.moc"
