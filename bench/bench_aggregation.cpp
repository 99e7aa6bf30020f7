// Aggregation benchmark: draws a seeded synthetic Dawid-Skene world and times each method on it,
// printing seconds, iterations, accuracy against the drawn truth and the process's peak RSS.
//
//   bench_aggregation                         1,000,000 labels: 100,000 items x 10, 5 classes
//   bench_aggregation --items 1000000         10,000,000 labels
//   options: --items N --per-item K --labels L --annotators A --seed S --threads T
//            --methods mv,ds,glad,mace,...   (default: mv,wawa,ds,onecoin,glad,mace,crh,bwa,bcc,ebcc)
//            --repeat R   run each method R times and report the fastest run (the machine is
//                         shared; the minimum is the least disturbed figure)
//
// Peak RSS is the kernel's VmHWM. It is reset before each method (Linux clear_refs), so each
// method's figure is the process's peak while that method ran: the resident world (matrix and
// truth) plus the method's own memory. The generator's figure includes building the matrix.
// Uses only the aggregation library (no Qt).

#include "methods.h"
#include "synthetic.h"

#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace chorus::agg;

namespace {

/// Resets the kernel's peak-RSS counter (VmHWM) to the current RSS, so that the next reading is
/// the peak of the following step alone (Linux: writing 5 to /proc/self/clear_refs).
bool resetPeakRss()
{
    std::ofstream refs("/proc/self/clear_refs");
    refs << "5";
    refs.flush();
    return static_cast<bool>(refs);
}

double peakRssMb()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0)
            return std::strtod(line.c_str() + 6, nullptr) / 1024.0;  // kB -> MB
    return -1;
}

std::vector<std::string> split(const std::string& s)
{
    std::vector<std::string> out;
    std::stringstream in(s);
    std::string item;
    while (std::getline(in, item, ','))
        if (!item.empty())
            out.push_back(item);
    return out;
}

double seconds(std::chrono::steady_clock::time_point since)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

} // namespace

int main(int argc, char** argv)
{
    SyntheticSpec spec;
    spec.numItems = 100000;
    spec.labelsPerItem = 10;
    spec.numLabels = 5;
    spec.numAnnotators = 1000;
    spec.seed = 2024;
    int threads = 0;
    int repeat = 1;
    std::vector<std::string> methods{"mv",   "wawa", "ds",  "onecoin", "glad",
                                     "mace", "crh",  "bwa", "bcc",     "ebcc"};
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i];
        const char* value = argv[i + 1];
        if (key == "--items")
            spec.numItems = std::atoi(value);
        else if (key == "--per-item")
            spec.labelsPerItem = std::atoi(value);
        else if (key == "--labels")
            spec.numLabels = std::atoi(value);
        else if (key == "--annotators")
            spec.numAnnotators = std::atoi(value);
        else if (key == "--seed")
            spec.seed = std::strtoull(value, nullptr, 10);
        else if (key == "--repeat")
            repeat = std::max(1, std::atoi(value));
        else if (key == "--threads")
            threads = std::atoi(value);
        else if (key == "--methods")
            methods = split(value);
        else {
            std::fprintf(stderr, "unknown option %s\n", key.c_str());
            return 2;
        }
    }

    auto t0 = std::chrono::steady_clock::now();
    const SyntheticWorld world = generateDawidSkene(spec);
    std::printf("world: %d items x %d labels/item = %lld labels, %d annotators, %d classes, "
                "seed %llu\n",
                spec.numItems, spec.labelsPerItem,
                static_cast<long long>(world.matrix.numAnnotations()), spec.numAnnotators,
                spec.numLabels, static_cast<unsigned long long>(spec.seed));
    std::printf("generated in %.2f s, peak RSS %.0f MB, hardware threads %u\n", seconds(t0),
                peakRssMb(), std::thread::hardware_concurrency());
    std::printf("%-8s %9s %9s %6s %5s %9s %12s\n", "method", "seconds", "cpu_s", "iter", "conv",
                "accuracy", "peakRSS_MB");

    for (const std::string& method : methods) {
        AggregationInput in;
        in.matrix = &world.matrix;
        in.seed = 1;
        if (method == "ds" || method == "onecoin")
            in.params["tol"] = 1e-6;
        if (threads > 0 && method != "mv" && method != "wmv" && method != "wawa"
            && method != "zbs" && method != "kos" && method != "mmsr" && method != "crh"
            && method != "bwa")
            in.params["threads"] = threads;
        const bool reset = resetPeakRss();
        AggregationResult r;
        double s = 1e300, cpu = 0;
        for (int rep = 0; rep < repeat; ++rep) {
            t0 = std::chrono::steady_clock::now();
            const std::clock_t c0 = std::clock();
            r = aggregate(method, in);
            const double wall = seconds(t0);
            if (wall < s) {
                s = wall;
                cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
            }
        }
        int64_t correct = 0;
        for (size_t i = 0; i < r.labels.size(); ++i)
            correct += r.labels[i] == world.truth[i];
        std::printf("%-8s %9.3f %9.3f %6d %5s %9.4f %12.0f%s\n", method.c_str(), s, cpu,
                    r.iterations, r.converged ? "yes" : "no",
                    static_cast<double>(correct) / static_cast<double>(r.labels.size()),
                    peakRssMb(), reset ? "" : " (cumulative)");
        std::fflush(stdout);
    }
    return 0;
}
