// Relabel selection benchmark: choose k items from n for one relabeler with each strategy
// (aggregation/relabel.h). The posterior is a seeded Dirichlet(0.7) draw per item, which mixes
// sure and unsure items as an aggregated crowd does.
//
//   bench_relabel [items] [k] [labels] [repeat]     default 100000 1000 5 3
//
// Prints the best of `repeat` wall times per strategy (the machine is shared).

#include "relabel.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

using namespace chorus::agg;

int main(int argc, char** argv)
{
    const int32_t n = argc > 1 ? std::atoi(argv[1]) : 100000;
    const int32_t k = argc > 2 ? std::atoi(argv[2]) : 1000;
    const int32_t L = argc > 3 ? std::atoi(argv[3]) : 5;
    const int repeat = argc > 4 ? std::atoi(argv[4]) : 3;
    std::mt19937_64 rng(2024);
    std::gamma_distribution<double> g(0.7, 1.0);
    std::vector<double> post(static_cast<size_t>(n) * L);
    for (int32_t i = 0; i < n; ++i) {
        double z = 0;
        for (int32_t l = 0; l < L; ++l)
            z += post[static_cast<size_t>(i) * L + l] = g(rng) + 1e-12;
        for (int32_t l = 0; l < L; ++l)
            post[static_cast<size_t>(i) * L + l] /= z;
    }
    std::printf("select %d of %d items, %d labels, one relabeler (accuracy 0.9, cost 1, budget %d)\n", k, n, L, k);
    for (auto s : {RelabelStrategy::Greedy, RelabelStrategy::Uncertainty, RelabelStrategy::Random}) {
        SelectionInput in;
        in.posterior = &post;
        in.numItems = n;
        in.numLabels = L;
        in.relabelers = {{"expert", 0.9, 1.0}};
        in.k = k;
        in.budget = k;
        in.strategy = s;
        double best = 1e30, objective = 0;
        size_t picked = 0;
        for (int r = 0; r < repeat; ++r) {
            const auto t0 = std::chrono::steady_clock::now();
            const Selection sel = selectForRelabel(in);
            const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            best = std::min(best, t);
            objective = sel.objective;
            picked = sel.picks.size();
        }
        std::printf("%-12s %8.4f s  %zu picked, expected entropy gain %.3f nats\n", relabelStrategyName(s).c_str(), best,
                    picked, objective);
    }
    {
        // Two relabelers: the same item may be picked twice, so lazy greedy re-evaluates gains.
        SelectionInput in;
        in.posterior = &post;
        in.numItems = n;
        in.numLabels = L;
        in.relabelers = {{"expert", 0.9, 1.0}, {"llm", 0.75, 1.0}};
        in.k = k;
        in.budget = k;
        double best = 1e30;
        for (int r = 0; r < repeat; ++r) {
            const auto t0 = std::chrono::steady_clock::now();
            selectForRelabel(in);
            best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
        std::printf("%-12s %8.4f s  (two relabelers, %d candidate pairs)\n", "greedy x2", best, 2 * n);
    }
    return 0;
}
