// Timing of the agreement, evaluation and divergence statistics on seeded synthetic crowds from
// aggregation/synthetic.h: 100,000 items x 10 annotators who all label every item (1,000,000
// labels, 45 Cohen pairs), 5 classes; and bench_aggregation's world (1,000 annotators, 10 per
// item).
//
//   ./build/bench/bench_statistics [items] [replicates]
//
// Figures go to docs/benchmarks.md ("Statistics").

#include "agreement.h"
#include "divergence.h"
#include "evaluation.h"
#include "synthetic.h"

#include <chrono>
#include <ctime>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

using namespace chorus::agg;

namespace {

// The synthetic Dawid-Skene world of bench_aggregation (aggregation/synthetic.h), with
// `annotators` annotators of whom `perItem` label each item.
SyntheticWorld makeCrowd(int32_t items, int32_t annotators, int32_t perItem, int32_t labels)
{
    SyntheticSpec spec;
    spec.numItems = items;
    spec.numAnnotators = annotators;
    spec.labelsPerItem = perItem;
    spec.numLabels = labels;
    spec.seed = 2024;
    return generateDawidSkene(spec);
}

double seconds(const std::function<void()>& fn, int repeats = 3)
{
    double best = 1e300;
    for (int r = 0; r < repeats; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        fn();
        const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
        best = std::min(best, dt.count());
    }
    return best;
}

void row(const char* what, double s, const std::string& extra = {})
{
    std::printf("| %-58s | %9.3f s | %s\n", what, s, extra.c_str());
}

} // namespace

int main(int argc, char** argv)
{
    const int32_t items = argc > 1 ? std::atoi(argv[1]) : 100000;
    const int replicates = argc > 2 ? std::atoi(argv[2]) : 1000;
    const int32_t L = 5;
    std::printf("bench_statistics: %d items x 10 annotators, %d classes, B = %d, %u hardware threads\n",
                items, L, replicates, std::thread::hardware_concurrency());

    SyntheticWorld crowd;
    row("generateDawidSkene (1 run)", seconds([&] { crowd = makeCrowd(items, 10, 10, L); }, 1));
    const LabelMatrix& m = crowd.matrix;

    // Each timing is taken before its row is printed: the figures in the last column need the
    // result, and function arguments are evaluated in no particular order.
    AgreementResult r;
    double s = seconds([&] { r = computeAgreement(m); });
    row("computeAgreement, nominal, all statistics + 45 Cohen pairs", s,
        "fleiss " + std::to_string(r.fleissKappa.value) + ", alpha " + std::to_string(r.krippendorffAlpha.value)
            + ", ac1 " + std::to_string(r.gwetAc1.value));
    double allMetrics = 0;
    for (AlphaMetric metric : {AlphaMetric::Nominal, AlphaMetric::Ordinal, AlphaMetric::Interval,
                               AlphaMetric::Ratio}) {
        AgreementOptions o;
        o.alphaMetric = metric;
        o.labelValues = {1, 2, 3, 4, 5};
        allMetrics += seconds([&] { r = computeAgreement(m, o); });
    }
    row("computeAgreement x 4 alpha metrics (sum)", allMetrics);
    AgreementOptions noPairs;
    noPairs.cohenPairs = false;
    row("computeAgreement without Cohen pairs", seconds([&] { r = computeAgreement(m, noPairs); }));

    // Wall time is the best of 3 runs; CPU time (all threads, mean of the 3) next to it shows whether both cores were used even when
    // other processes compete for them.
    for (int threads : {1, 2}) {
        BootstrapOptions b;
        b.replicates = replicates;
        b.threads = threads;
        AgreementIntervals ci;
        const std::clock_t c0 = std::clock();
        s = seconds([&] { ci = bootstrapAgreement(m, noPairs, b); }, 3);
        const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC / 3;
        const std::string label = "bootstrap Fleiss + alpha nominal, B=" + std::to_string(replicates)
                                  + ", " + std::to_string(threads) + " thread(s)";
        row(label.c_str(), s,
            "cpu " + std::to_string(cpu) + " s; alpha CI [" + std::to_string(ci.krippendorffAlpha.lo)
                + ", " + std::to_string(ci.krippendorffAlpha.hi) + "]");
    }
    {
        AgreementOptions o = noPairs;
        o.alphaMetric = AlphaMetric::Ordinal;
        BootstrapOptions b;
        b.replicates = replicates;
        b.threads = 2;
        row("bootstrap Fleiss + alpha ordinal, 2 threads",
            seconds([&] { bootstrapAgreement(m, o, b); }, 3));
    }

    // Sparse crowd: 1,000 annotators, 10 per item -> ~45,000 overlapping pairs.
    const SyntheticWorld sparse = makeCrowd(items, 1000, 10, L);
    AgreementOptions overlapOnly;
    overlapOnly.listDisjointPairs = false;
    s = seconds([&] { r = computeAgreement(sparse.matrix, overlapOnly); });
    row("sparse crowd (1,000 annotators): computeAgreement", s,
        std::to_string(r.cohenPairs.size()) + " overlapping pairs");
    s = seconds([&] { r = computeAgreement(sparse.matrix, noPairs); });
    row("sparse crowd (1,000 annotators): without Cohen pairs", s);

    // Evaluation: annotator 0 vs truth, and annotator 0 vs annotator 1 paired bootstrap.
    std::vector<int32_t> a0(static_cast<size_t>(items)), a1(static_cast<size_t>(items));
    for (int32_t i = 0; i < items; ++i) {
        a0[i] = m.labelOf(i, 0);
        a1[i] = m.labelOf(i, 1);
    }
    EvaluationResult ev;
    s = seconds([&] { ev = evaluate(a0, crowd.truth, L); });
    row("evaluate (accuracy, F1s, confusion)", s, "macro-F1 " + std::to_string(ev.macroF1));
    BootstrapOptions pb;
    pb.replicates = replicates;
    pb.threads = 2;
    PairedBootstrapResult pr;
    s = seconds([&] { pr = pairedBootstrapMacroF1(a0, a1, crowd.truth, L, pb); }, 3);
    row("paired bootstrap macro-F1, 2 threads", s,
        "diff " + std::to_string(pr.difference) + ", p " + std::to_string(pr.pValue));

    // Divergence: vote shares of annotators 0-4 vs 5-9.
    const Distributions p = distributionsFromVotes(m, {0, 1, 2, 3, 4});
    const Distributions q = distributionsFromVotes(m, {5, 6, 7, 8, 9});
    DivergenceOptions noDcor;
    noDcor.distanceCorrelation = false;
    noDcor.epsilon = 1e-6;
    row("compareDistributions without dcor", seconds([&] { compareDistributions(p, q, noDcor); }));
    for (int32_t n : {1514, 10000}) {
        std::vector<double> x(p.values.begin(), p.values.begin() + static_cast<std::ptrdiff_t>(n) * L);
        std::vector<double> y(q.values.begin(), q.values.begin() + static_cast<std::ptrdiff_t>(n) * L);
        Coefficient dc;
        const std::string label = "distance correlation, " + std::to_string(n) + " items";
        s = seconds([&] { dc = distanceCorrelation(x, L, y, L); });
        row(label.c_str(), s, "dcor " + std::to_string(dc.value));
    }
    return 0;
}
