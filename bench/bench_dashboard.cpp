// The Insights dashboard at scale (issue #17): a project of ITEMS items, each labelled by 10 of
// ANNOTATORS annotators (5 labels, gold on every item, annotator accuracies 0.35-0.95, the shape
// of scripts/make_crowd_csv.py), imported from a CSV through the ordinary importer. Times the
// computation of every dashboard tab on the worker-side code (model/jobs/dashboarddata.h), the same
// way the GUI runs it, and `chorus-cli aggregate --project P --method ds` on the same project for
// the "no more than 5x aggregate ds" goal.
//   ./build/bench/bench_dashboard [items=100000] [annotators=200]
// The last line is `total_seconds X`: every tab, from a loaded snapshot and consensus.

#include "dashboarddata.h"
#include "importer.h"
#include "methods.h"
#include "snapshot.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <numeric>
#include <random>

using namespace chorus;

namespace {

constexpr int kPerItem = 10;
constexpr int kLabels = 5;

double seconds(const QElapsedTimer& t)
{
    return t.nsecsElapsed() / 1e9;
}

// CPU time of the whole process (every thread), in seconds: on a shared machine it moves much
// less with the load than wall time does.
double processCpuSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

void writeCsv(const QString& answers, const QString& gold, int items, int annotators)
{
    std::mt19937_64 rng(1);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::vector<double> acc(static_cast<size_t>(annotators));
    for (double& a : acc)
        a = 0.35 + 0.6 * unit(rng);
    QFile fa(answers), fg(gold);
    if (!fa.open(QIODevice::WriteOnly) || !fg.open(QIODevice::WriteOnly))
        qFatal("cannot write the CSV files");
    QByteArray a = "item,annotator,label\n", g = "item,label\n";
    std::vector<int> pool(static_cast<size_t>(annotators));
    std::iota(pool.begin(), pool.end(), 0);
    const int per = std::min(kPerItem, annotators);
    for (int i = 0; i < items; ++i) {
        const QByteArray item = "item_" + QByteArray::number(i).rightJustified(6, '0');
        const int truth = static_cast<int>(rng() % kLabels);
        g += item + ",class_" + QByteArray::number(truth) + '\n';
        for (int k = 0; k < per; ++k) {  // partial Fisher-Yates: `per` distinct annotators
            std::swap(pool[k], pool[k + static_cast<int>(rng() % (annotators - k))]);
            const int w = pool[k];
            int y = truth;
            if (unit(rng) >= acc[w]) {
                y = static_cast<int>(rng() % (kLabels - 1));
                y += y >= truth ? 1 : 0;
            }
            a += item + ",worker_" + QByteArray::number(w).rightJustified(3, '0') + ",class_" + QByteArray::number(y) + '\n';
        }
        if (a.size() > (1 << 22)) {
            fa.write(a);
            a.clear();
        }
    }
    fa.write(a);
    fg.write(g);
}

// Whole-process `chorus-cli aggregate --project P --method ds`, best of `runs`; -1 when the CLI
// is not next to the bench (build/app/chorus-cli).
double cliDsSeconds(const QString& project, int runs)
{
    const QString cli = QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("../app/chorus-cli"));
    if (!QFileInfo::exists(cli))
        return -1;
    double best = -1;
    for (int r = 0; r < runs; ++r) {
        QProcess p;
        p.setStandardOutputFile(QProcess::nullDevice());
        QElapsedTimer t;
        t.start();
        p.start(cli, {QStringLiteral("aggregate"), QStringLiteral("--project"), project, QStringLiteral("--method"),
                      QStringLiteral("ds")});
        if (!p.waitForFinished(600000) || p.exitCode() != 0)
            return -1;
        const double s = seconds(t);
        best = best < 0 ? s : std::min(best, s);
    }
    return best;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const int items = argc > 1 ? std::atoi(argv[1]) : 100000;
    const int annotators = argc > 2 ? std::atoi(argv[2]) : 200;
    if (items < 1 || annotators < 2) {
        std::fprintf(stderr, "usage: bench_dashboard [items >= 1] [annotators >= 2]\n");
        return 2;
    }
    QTemporaryDir dir;
    const QString answers = dir.filePath(QStringLiteral("answers.csv"));
    const QString gold = dir.filePath(QStringLiteral("gold.csv"));
    const QString project = dir.filePath(QStringLiteral("bench.chorus"));
    QElapsedTimer t;
    t.start();
    writeCsv(answers, gold, items, annotators);
    std::printf("project: %d items x %d of %d annotators, %d labels, gold on every item\n", items,
                std::min(kPerItem, annotators), annotators, kLabels);
    std::printf("write csv: %.2f s\n", seconds(t));
    model::Snapshot s;
    {
        model::ProjectStore store;
        store.open(project, model::ProjectStore::Mode::CreateNew);
        model::ImportOptions o;
        o.goldFile = gold;
        t.restart();
        const auto r = model::importFile(store, answers, o);
        std::printf("import: %lld labels in %.2f s\n", static_cast<long long>(r.annotations), seconds(t));
        t.restart();
        s = model::loadSnapshot(store);
        std::printf("load snapshot: %.2f s\n", seconds(t));
    }
    agg::AggregationInput in;
    in.matrix = &s.matrix;
    t.restart();
    const model::RunData consensus = model::runFromResult(s, QStringLiteral("ds"), agg::aggregate("ds", in));
    const double dsAlgo = seconds(t);
    std::printf("ds consensus (in process, the algorithm alone): %.2f s\n", dsAlgo);

    // Each part alone, as the tabs ask for them (Competence, Confusion and Label use share the
    // overview), then the LLM tab's read of the project; total = every tab.
    struct Part
    {
        const char* tabs;
        model::DashboardPart part;
    };
    const Part parts[] = {{"Competence + Confusion + Label use (overview)", model::DashboardPart::Overview},
                          {"Agreement", model::DashboardPart::Agreement},
                          {"Methods", model::DashboardPart::Methods},
                          {"Divergence", model::DashboardPart::Divergence}};
    double total = 0, totalCpu = 0;
    model::DashboardData all;
    for (const Part& p : parts) {
        model::DashboardRequest request;
        request.parts = p.part;
        // Time per named stage (what the progress bar shows).
        std::vector<std::pair<QString, double>> stages;
        QElapsedTimer stageClock;
        const double cpu0 = processCpuSeconds();
        t.restart();
        stageClock.start();
        auto d = model::computeDashboard(s, consensus, request, {}, {}, [&](const model::DashboardProgress& pr) {
            if (stages.empty() || stages.back().first != pr.stage) {
                if (!stages.empty())
                    stages.back().second = seconds(stageClock);
                stageClock.restart();
                stages.push_back({pr.stage, 0});
            }
        });
        const double sec = seconds(t);
        const double cpu = processCpuSeconds() - cpu0;
        if (!stages.empty())
            stages.back().second = seconds(stageClock);
        total += sec;
        totalCpu += cpu;
        std::printf("tab %-48s %6.2f s  (CPU %.2f s)\n", p.tabs, sec, cpu);
        for (const auto& [name, st] : stages)
            std::printf("      %-46s %6.2f s\n", qPrintable(name), st);
        model::mergeDashboardData(all, std::move(d));
    }
    {
        model::ProjectStore store;
        store.open(project);
        t.restart();
        all.llm = model::llmSummaries(store);
        const double sec = seconds(t);
        total += sec;
        std::printf("tab %-48s %6.2f s\n", "LLM runs", sec);
    }
    std::printf("every tab: %.2f s (CPU of all threads: %.2f s)\n", total, totalCpu);

    const double cli = cliDsSeconds(project, 3);
    if (cli > 0)
        std::printf("chorus-cli aggregate --project P --method ds (whole process, best of 3): %.2f s; dashboard / "
                    "that = %.2fx\n",
                    cli, total / cli);
    std::printf("total_seconds %.3f\n", total);
    return all.annotators.isEmpty() ? 1 : 0;
}
