// Crowd design benchmark (issue #21): the whole search of `chorus-cli crowd` (5 methods, every
// subset for mv and wawa, greedy for ds, onecoin and mace, the crowd-size curve with 200 crowds
// per size) on a real 13-LLM task. Target: under 30 s on the 2-core development machine.
//
//   bench_crowd [items.jsonl] [repeat] [threads]
//     default ../shared/data/llm/discourse/items.jsonl (497 items, 13 LLMs, 7 classes), 1, 0
//
// Prints the best of `repeat` wall times and the process CPU time (user + sys) per run: the
// machine is shared, so compare CPU time, and say the load.

#include "crowd.h"
#include "importer.h"

#include <QCoreApplication>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

using namespace chorus;

namespace {

double cpuSeconds()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const QString file = argc > 1 && argv[1][0] ? QString::fromLocal8Bit(argv[1])
                                  : QStringLiteral(CHORUS_SHARED_DIR "/data/llm/discourse/items.jsonl");
    const int repeat = argc > 2 ? std::max(1, std::atoi(argv[2])) : 1;
    const int threads = argc > 3 ? std::atoi(argv[3]) : 0;
    const model::FileData data = model::readFileData(file);
    const model::Snapshot& s = data.snapshot;
    agg::CrowdOptions o;  // mv, wawa, ds, onecoin, mace; curve 200; select 0.2
    o.threads = threads;
    std::printf("%s: %d items, %d annotators, %d labels; methods", qPrintable(file), s.numItems(),
                s.matrix.numAnnotators(), s.numLabels());
    for (const auto& m : o.methods)
        std::printf(" %s", m.c_str());
    std::printf(", curve %d per size, threads %d (0 = min(2, cores))\n", o.curveSamples, threads);
    double bestWall = 1e30, bestCpu = 1e30;
    agg::CrowdDesign d;
    for (int r = 0; r < repeat; ++r) {
        int reports = 0;
        agg::RunHooks hooks;
        hooks.progress = [&](int, int) { ++reports; };
        const double c0 = cpuSeconds();
        const auto t0 = std::chrono::steady_clock::now();
        d = agg::designCrowd(s.matrix, s.gold, o, hooks);
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double cpu = cpuSeconds() - c0;
        bestWall = std::min(bestWall, wall);
        bestCpu = std::min(bestCpu, cpu);
        std::printf("run %d: %.2f s wall, %.2f s CPU, %d progress reports\n", r + 1, wall, cpu, reports);
    }
    int64_t runs = 0;
    for (const auto& m : d.methods) {
        runs += m.evaluated;
        std::printf("  %-8s %-10s %6lld crowds run\n", m.method.c_str(), m.search.c_str(), static_cast<long long>(m.evaluated));
    }
    std::printf("best of %d: %.2f s wall, %.2f s CPU; %lld method runs, %zu distinct crowds\n", repeat, bestWall, bestCpu,
                static_cast<long long>(runs), d.candidates.size());
    return 0;
}
