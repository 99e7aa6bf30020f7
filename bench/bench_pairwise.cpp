// Times ranking 100,000 pairwise judgments with 1000 bootstrap rounds (Elo and Bradley-Terry),
// and the judge-quality analysis. Target: under 10 s each (issue 10).
//   ./build/bench/bench_pairwise [judgments] [models] [rounds] [repeat]

#include "pairwise.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

using namespace chorus;

namespace {

/// Seeded synthetic tournament: strengths exp(N(0,1)), random pairs, outcome by Bradley-Terry
/// with 10% ties; 3 human judges and 2 LLM judges per item.
agg::PairwiseData synthetic(int n, int models)
{
    std::mt19937_64 rng(12345);
    std::normal_distribution<double> normal;
    std::uniform_real_distribution<double> unif;
    agg::PairwiseData d;
    std::vector<double> s(models);
    for (int m = 0; m < models; ++m) {
        d.models.push_back("model-" + std::to_string(m));
        s[m] = std::exp(normal(rng));
    }
    for (const char* j : {"human1", "human2", "human3", "llm1", "llm2"}) {
        d.judges.emplace_back(j);
        d.judgeKinds.push_back(j[0] == 'h' ? agg::JudgeKind::Human : agg::JudgeKind::Llm);
    }
    d.categories = {"c0", "c1", "c2", "c3"};
    for (int i = 0; i < n; ++i) {
        agg::Judgment j;
        const int item = i / 5;
        std::mt19937_64 pairRng(static_cast<uint64_t>(item) * 7919);
        j.modelA = static_cast<int32_t>(pairRng() % models);
        j.modelB = static_cast<int32_t>((j.modelA + 1 + pairRng() % (models - 1)) % models);
        const double u = unif(rng);
        j.outcome = u < 0.1 ? agg::Outcome::Tie
                            : (unif(rng) < s[j.modelA] / (s[j.modelA] + s[j.modelB]) ? agg::Outcome::A : agg::Outcome::B);
        j.judge = i % 5;
        j.item = item;
        j.category = item % 4;
        d.judgments.push_back(j);
    }
    return d;
}

template <class F>
double best(int repeat, F f)
{
    double t = 1e300;
    for (int r = 0; r < repeat; ++r) {
        const auto a = std::chrono::steady_clock::now();
        f();
        t = std::min(t, std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
    }
    return t;
}

} // namespace

int main(int argc, char** argv)
{
    const int n = argc > 1 ? std::atoi(argv[1]) : 100000;
    const int models = argc > 2 ? std::atoi(argv[2]) : 20;
    const int rounds = argc > 3 ? std::atoi(argv[3]) : 1000;
    const int repeat = argc > 4 ? std::atoi(argv[4]) : 3;
    const agg::PairwiseData d = synthetic(n, models);
    agg::BootstrapOptions boot;
    boot.replicates = rounds;
    boot.seed = 42;
    std::printf("%d judgments, %d models, %d bootstrap rounds, %d threads, best of %d\n", n, models, rounds,
                agg::bootstrapThreads(0, rounds), repeat);
    agg::RankingResult r;
    double t = best(repeat, [&] { r = agg::rankElo(d, {}, boot); });
    std::printf("elo, resample   %8.3f s  top %s %.1f [%.1f, %.1f]\n", t, d.models[0].c_str(), r.models[0].rating,
                r.models[0].lo, r.models[0].hi);
    t = best(repeat, [&] { r = agg::rankElo(d, {}, boot, agg::Resampling::Shuffle); });
    std::printf("elo, shuffle    %8.3f s\n", t);
    t = best(repeat, [&] { r = agg::rankBradleyTerry(d, {}, boot); });
    std::printf("bt, ties half   %8.3f s  (point fit %d MM iterations)\n", t, r.iterations);
    std::vector<agg::JudgeQuality> q;
    t = best(repeat, [&] { q = agg::judgeQuality(d); });
    std::printf("judge quality   %8.3f s  (llm1 agreement %.3f)\n", t, q[3].accuracy);
    return 0;
}
