// cli::JsonStream (app/cli_json.h) writes --json output member by member and item by item; its
// text must be byte for byte what nlohmann's dump(2) prints for the whole document, which is
// the independent expected value here (scripts compare outputs across versions).

#include "../../app/cli_json.h"

#include <QtTest>

#include <cstdio>
#include <unistd.h>

using chorus::cli::Json;
using chorus::cli::JsonStream;

class TestJsonStream : public QObject
{
    Q_OBJECT

private slots:
    void sameTextAsDump();

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

QTEST_GUILESS_MAIN(TestJsonStream)
#include "tst_jsonstream.moc"
