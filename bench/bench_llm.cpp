// LLM connector overhead: label N items against a chat-completions server on 127.0.0.1 that
// answers at once (tests/llm/fakechatserver.h, in this process), so the figure is what Chorus
// itself costs per answer: building the request, HTTP, parsing, and one committed (fsync'd)
// transaction per answer. A real model is far slower; this says how much the connector adds.
//
//   bench_llm [items] [concurrency...]        default 2000 1 4 8
//
// Prints wall time, answers per second and peak RSS (VmHWM) per concurrency.

#include "../tests/llm/fakechatserver.h"

#include "importer.h"
#include "llmrunner.h"
#include "projectstore.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>

#include <cstdio>

using namespace chorus;

namespace {

double peakRssMb()
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').value(0).toDouble() / 1024.0;
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const int n = argc > 1 ? std::atoi(argv[1]) : 2000;
    std::vector<int> levels;
    for (int i = 2; i < argc; ++i)
        levels.push_back(std::atoi(argv[i]));
    if (levels.empty())
        levels = {1, 4, 8};

    QTemporaryDir dir;
    const QString data = dir.filePath(QStringLiteral("items.jsonl"));
    {
        QFile f(data);
        f.open(QIODevice::WriteOnly);
        for (int i = 0; i < n; ++i) {
            QByteArray line = "{\"id\": \"i" + QByteArray::number(i) + "\", \"text\": \"item number " + QByteArray::number(i)
                              + " with a sentence of ordinary length to classify\", \"labels\": {\"h\": \"pos\"}";
            if (i == 0)
                line = "{\"label_set\": [\"pos\", \"neg\", \"neu\"], " + line.mid(1);
            f.write(line + "}\n");
        }
    }
    test::FakeChatServer server;
    server.listen();
    server.handler = [](const test::FakeRequest&, int i) {
        return test::FakeResponse::completion(i % 3 == 0 ? QStringLiteral("neg") : QStringLiteral("pos"), 40, 1);
    };
    std::printf("LLM connector: %d items, instant local server, one fsync'd transaction per answer\n", n);
    for (int c : levels) {
        const QString project = dir.filePath(QStringLiteral("p%1.chorus").arg(c));
        {
            model::ProjectStore store;
            store.open(project, model::ProjectStore::Mode::CreateNew);
            model::importFile(store, data);
        }
        model::LlmConfig cfg;
        cfg.name = QStringLiteral("bench");
        cfg.baseUrl = server.baseUrl();
        cfg.model = QStringLiteral("bench");
        cfg.prompt = QStringLiteral("Label: {text}\nOptions: {labels}");
        cfg.concurrency = c;
        QElapsedTimer t;
        t.start();
        const model::LlmRunReport r = model::runLlmLabeling(project, cfg, {});
        const double s = t.elapsed() / 1000.0;
        std::printf("concurrency %3d: %6lld answers in %7.2f s = %7.1f answers/s (%.2f ms each), peak RSS %.0f MB\n", c,
                    static_cast<long long>(r.totals.done), s, r.totals.done / s, 1000.0 * s / std::max<qint64>(1, r.totals.done),
                    peakRssMb());
    }
    return 0;
}
