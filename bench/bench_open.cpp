// Opening a project as the GUI does (issue #19: a server project within 2x the file's time):
// ProjectStore::open + loadSnapshot + opening consensus + table model (model::Workbench),
// best of RUNS, for a file path or a postgresql:// URI. Prints `open_seconds X` last.
//   ./build/bench/bench_open PROJECT [RUNS=3]

#include "workbench.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <cstdio>

using namespace chorus;

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_open PROJECT [RUNS]\n");
        return 2;
    }
    const QString project = QString::fromLocal8Bit(argv[1]);
    const int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
    double best = 1e300;
    int rows = 0;
    try {
        for (int r = 0; r < runs; ++r) {
            model::Workbench wb;
            QElapsedTimer t;
            t.start();
            wb.openProject(project);
            rows = wb.tableModel()->rowCount();
            best = std::min(best, t.elapsed() / 1000.0);
        }
    } catch (const model::Error& e) {
        std::fprintf(stderr, "bench_open: %s\n", e.what());
        return 1;
    }
    std::printf("rows %d\nopen_seconds %.3f\n", rows, best);
    return 0;
}
