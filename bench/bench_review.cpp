// Review workbench at scale: a 100,000-item, 1,000,000-annotation project.
// Prints: time to open (snapshot + table model ready), every sort and filter, and the GUI
// thread's event-loop latency while a 1M-annotation aggregation runs on a worker thread,
// plus how long a cancel takes to be honoured, and the process's peak resident memory.
//   ./build/bench/bench_review [items=100000] [annotators=10] [--project FILE]
//       --project FILE: build the project in FILE and keep it; when FILE exists, reuse it
//       (skips the import, which is not what this benchmark is about).
//       --no-jobs: skip the aggregations on a worker thread (table figures only).
//   ./build/bench/bench_review --snapshot FILE [repeats=3]
//       times loadSnapshot() alone on an existing project, best of the repeats.

#include "importer.h"
#include "jobs.h"
#include "workbench.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QElapsedTimer>
#include <QFile>
#include <QFutureWatcher>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>
#include <random>

#include <sys/resource.h>
#include <time.h>

using namespace chorus;

namespace {

double ms(const QElapsedTimer& t)
{
    return t.nsecsElapsed() / 1e6;
}

// Event-loop latency: a 5 ms timer measures how late it fires while the job runs.
double maxLatencyWhile(QFutureWatcherBase& watcher)
{
    double worst = 0;
    QElapsedTimer clock;
    clock.start();
    qint64 last = clock.elapsed();
    QTimer tick;
    tick.setInterval(5);
    QObject::connect(&tick, &QTimer::timeout, [&] {
        const qint64 now = clock.elapsed();
        worst = std::max(worst, double(now - last - 5));
        last = now;
    });
    tick.start();
    QEventLoop loop;
    QObject::connect(&watcher, &QFutureWatcherBase::finished, &loop, &QEventLoop::quit);
    if (!watcher.isFinished())
        loop.exec();
    return worst;
}

double peakRssMb()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss / 1024.0;  // kilobytes on Linux
}

// CPU time of the calling thread: on a loaded machine it varies less than wall time.
double threadCpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int benchSnapshot(const QString& path, int repeats)
{
    double best = 1e300, bestCpu = 1e300;
    for (int k = 0; k < repeats; ++k) {
        model::ProjectStore store;
        store.open(path);
        QElapsedTimer t;
        t.start();
        const double cpu0 = threadCpuMs();
        const model::Snapshot s = model::loadSnapshot(store);
        const double elapsed = ms(t), cpu = threadCpuMs() - cpu0;
        best = std::min(best, elapsed);
        bestCpu = std::min(bestCpu, cpu);
        std::printf("loadSnapshot: %.0f ms (CPU %.0f ms; %d items, %lld annotations)\n", elapsed, cpu,
                    s.numItems(), static_cast<long long>(s.matrix.numAnnotations()));
    }
    std::printf("loadSnapshot best of %d: %.0f ms (CPU %.0f ms), peak RSS %.0f MB\n", repeats, best, bestCpu,
                peakRssMb());
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QStringList args = app.arguments().mid(1);
    if (args.size() >= 2 && args[0] == QLatin1String("--snapshot"))
        return benchSnapshot(args[1], args.size() > 2 ? args[2].toInt() : 3);
    QString keep;
    if (const qsizetype k = args.indexOf(QStringLiteral("--project")); k >= 0 && k + 1 < args.size()) {
        keep = args[k + 1];
        args.remove(k, 2);
    }
    const bool jobs = !args.removeAll(QStringLiteral("--no-jobs"));
    const int items = args.size() > 0 ? args[0].toInt() : 100000;
    const int anns = args.size() > 1 ? args[1].toInt() : 10;
    QTemporaryDir dir;
    const QString csv = dir.filePath(QStringLiteral("data.jsonl"));
    const QString path = keep.isEmpty() ? dir.filePath(QStringLiteral("bench.chorus")) : keep;
    if (!keep.isEmpty() && QFileInfo::exists(keep)) {
        std::printf("import: skipped, reusing %s\n", qPrintable(keep));
    } else {
        QFile f(csv);
        f.open(QIODevice::WriteOnly);
        std::mt19937_64 rng(7);
        const char* labels[] = {"alpha", "beta", "gamma", "delta", "epsilon"};
        QByteArray buf;
        for (int i = 0; i < items; ++i) {
            const int truth = static_cast<int>(rng() % 5);
            buf += "{\"id\":\"item" + QByteArray::number(i) + "\",\"text\":\"Synthetic item " + QByteArray::number(i)
                + " about " + labels[truth] + " and other things\",\"labels\":{";
            for (int a = 0; a < anns; ++a) {
                const bool right = (rng() % 100) < static_cast<unsigned>(50 + 4 * a);
                const int l = right ? truth : static_cast<int>(rng() % 5);
                buf += (a ? ",\"m" : "\"m") + QByteArray::number(a) + "\":\"" + labels[l] + "\"";
            }
            buf += "}}\n";
            if (buf.size() > (1 << 20)) {
                f.write(buf);
                buf.clear();
            }
        }
        f.write(buf);
        f.close();
        model::ProjectStore store;
        store.open(path, model::ProjectStore::Mode::CreateNew);
        QElapsedTimer t;
        t.start();
        const double cpu = threadCpuMs();
        const auto r = model::importFile(store, csv);
        std::printf("import: %lld annotations in %.0f ms (CPU %.0f ms), peak RSS so far %.0f MB\n",
                    static_cast<long long>(r.annotations), ms(t), threadCpuMs() - cpu, peakRssMb());
    }

    QElapsedTimer t;
    {
        // The part of open that is loadSnapshot (measured alone, then freed).
        model::ProjectStore store;
        store.open(path);
        t.start();
        const double cpu = threadCpuMs();
        const model::Snapshot s = model::loadSnapshot(store);
        std::printf("loadSnapshot alone: %.0f ms (CPU %.0f ms)\n", ms(t), threadCpuMs() - cpu);
    }
    model::Workbench wb;
    t.restart();
    const double cpu0 = threadCpuMs();
    wb.openProject(path);
    std::printf("open (snapshot, majority vote, table model): %.0f ms (GUI thread CPU %.0f ms), %d rows\n", ms(t),
                threadCpuMs() - cpu0, wb.tableModel()->rowCount());
    {
        // The table is usable when the first screenful answers data().
        t.restart();
        auto* tm = wb.tableModel();
        QVariant sink;
        for (int r = 0; r < std::min(50, tm->rowCount()); ++r)
            for (int c = 0; c < tm->columnCount(); ++c)
                sink = tm->data(tm->index(r, c));
        std::printf("first screen (50 rows x %d columns): %.1f ms\n", tm->columnCount(), ms(t));
    }

    auto* m = wb.tableModel();
    for (int col = 0; col < m->columnCount() && col < model::ItemTableModel::FixedColumnCount + 2; ++col) {
        t.restart();
        const double c0 = threadCpuMs();
        m->sort(col, Qt::DescendingOrder);
        std::printf("sort by %-12s %7.1f ms (CPU %.1f ms)\n", qPrintable(m->headerData(col, Qt::Horizontal).toString()),
                    ms(t), threadCpuMs() - c0);
    }
    auto filter = [&](const char* name, const model::ItemFilter& f) {
        t.restart();
        const double c0 = threadCpuMs();
        m->setFilter(f);
        std::printf("filter %-28s %7.1f ms (CPU %.1f ms), %d rows\n", name, ms(t), threadCpuMs() - c0, m->rowCount());
    };
    model::ItemFilter f;
    f.disagreementsOnly = true;
    filter("disagreements", f);
    f = {};
    f.minEntropy = 1.0;
    filter("entropy >= 1.0", f);
    f = {};
    f.annotator = 3;
    f.annotatorLabel = 1;
    filter("annotator m3 says beta", f);
    f = {};
    f.text = QStringLiteral("gamma and");
    filter("text search \"gamma and\"", f);
    f.text = QStringLiteral("item9999");
    filter("text search \"item9999\"", f);
    f = {};
    f.disagreementsOnly = true;
    f.unreviewedOnly = true;
    f.maxConfidence = 0.5;
    f.text = QStringLiteral("delta");
    filter("combined (4 conditions)", f);
    m->setFilter({});
    {
        // Search and sort before anything else built the table's folded copies of ids and texts.
        model::ItemTableModel fresh;
        fresh.setSource(&wb.snapshot(), &wb.consensus());
        model::ItemFilter g;
        g.text = QStringLiteral("gamma and");
        t.restart();
        fresh.setFilter(g);
        std::printf("first text search on a fresh table   %7.1f ms, %d rows\n", ms(t), fresh.rowCount());
        model::ItemTableModel fresh2;
        fresh2.setSource(&wb.snapshot(), &wb.consensus());
        t.restart();
        fresh2.sort(model::ItemTableModel::ColText, Qt::AscendingOrder);
        std::printf("first sort by Text on a fresh table  %7.1f ms\n", ms(t));
    }

    if (!jobs) {
        std::printf("peak RSS: %.0f MB\n", peakRssMb());
        return 0;
    }
    for (const char* method : {"ds", "mace"}) {
        model::AggregationRequest req;
        req.method = QString::fromLatin1(method);
        req.save = false;
        QFutureWatcher<model::JobResult<model::RunData>> w;
        t.restart();
        w.setFuture(model::aggregateAsync(wb.pool(), path, wb.snapshot(), req));
        const double latency = maxLatencyWhile(w);
        std::printf("%s on a worker: %.0f ms, worst event-loop delay on the GUI thread %.1f ms\n", method, ms(t),
                    latency);
    }
    {
        model::AggregationRequest req;
        req.method = QStringLiteral("mace");
        req.save = false;
        QFutureWatcher<model::JobResult<model::RunData>> w;
        w.setFuture(model::aggregateAsync(wb.pool(), path, wb.snapshot(), req));
        QTimer::singleShot(300, [&] {
            t.restart();
            w.cancel();
        });
        maxLatencyWhile(w);
        std::printf("cancel honoured after %.1f ms\n", ms(t));
    }
    std::printf("peak RSS: %.0f MB\n", peakRssMb());
    return 0;
}
