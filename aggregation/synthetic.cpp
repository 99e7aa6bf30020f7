#include "synthetic.h"

#include "emcommon.h"

#include <random>
#include <stdexcept>

namespace chorus::agg {

namespace {

/// Platform-independent draws on top of std::mt19937_64 (std:: distributions are
/// implementation-defined).
class Draw
{
public:
    explicit Draw(uint64_t seed) : m_rng(seed) {}

    double uniform() { return detail::unitFromBits(m_rng()); }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    int32_t index(int32_t n)
    {
        const auto k = static_cast<int32_t>(uniform() * n);
        return k < n ? k : n - 1;
    }
    int32_t categorical(const double* p, int32_t n)
    {
        double u = uniform();
        for (int32_t k = 0; k < n - 1; ++k) {
            if (u < p[k])
                return k;
            u -= p[k];
        }
        return n - 1;
    }

private:
    std::mt19937_64 m_rng;
};

void normalise(double* p, int32_t n)
{
    double s = 0;
    for (int32_t k = 0; k < n; ++k)
        s += p[k];
    for (int32_t k = 0; k < n; ++k)
        p[k] /= s;
}

} // namespace

SyntheticWorld generateDawidSkene(const SyntheticSpec& spec)
{
    const int32_t n = spec.numItems, A = spec.numAnnotators, K = spec.numLabels;
    if (n < 1 || A < 1 || K < 2 || spec.labelsPerItem < 1 || spec.labelsPerItem > A)
        throw std::invalid_argument("synthetic: need items, annotators >= 1, labels >= 2 and "
                                    "1 <= labelsPerItem <= annotators");
    if (spec.goodShare < 0 || spec.mediocreShare < 0 || spec.goodShare + spec.mediocreShare > 1)
        throw std::invalid_argument("synthetic: annotator shares must be in [0,1] and sum <= 1");

    Draw draw(spec.seed);
    SyntheticWorld w;
    w.priors.resize(K);
    for (double& p : w.priors)
        p = draw.uniform(0.5, 1.5);
    normalise(w.priors.data(), K);

    w.confusion.assign(static_cast<size_t>(A) * K * K, 0.0);
    w.accuracy.assign(A, 0.0);
    w.kind.resize(A);
    const double chance = 1.0 / K;
    for (int32_t a = 0; a < A; ++a) {
        const double u = draw.uniform();
        w.kind[a] = u < spec.goodShare ? SyntheticKind::Good
                    : u < spec.goodShare + spec.mediocreShare ? SyntheticKind::Mediocre
                                                              : SyntheticKind::Spammer;
        double* conf = w.confusion.data() + static_cast<size_t>(a) * K * K;
        if (w.kind[a] == SyntheticKind::Spammer) {
            std::vector<double> xi(K);
            for (double& x : xi)
                x = draw.uniform(0.2, 1.2);
            normalise(xi.data(), K);
            for (int32_t k = 0; k < K; ++k)
                for (int32_t l = 0; l < K; ++l)
                    conf[k * K + l] = xi[l];
        } else {
            // Accuracy on class k = chance + q (1 - chance), q = skill above chance.
            const bool good = w.kind[a] == SyntheticKind::Good;
            for (int32_t k = 0; k < K; ++k) {
                const double q = good ? draw.uniform(0.65, 0.95) : draw.uniform(0.2, 0.5);
                const double diag = chance + q * (1 - chance);
                double* row = conf + k * K;
                double off = 0;
                for (int32_t l = 0; l < K; ++l)
                    if (l != k)
                        off += row[l] = draw.uniform(0.2, 1.2);
                for (int32_t l = 0; l < K; ++l)
                    row[l] = l == k ? diag : row[l] / off * (1 - diag);
            }
        }
        for (int32_t k = 0; k < K; ++k)
            w.accuracy[a] += w.priors[k] * conf[k * K + k];
    }

    w.truth.resize(n);
    std::vector<Annotation> anns;
    anns.reserve(static_cast<size_t>(n) * spec.labelsPerItem);
    std::vector<int32_t> chosen;
    for (int32_t i = 0; i < n; ++i) {
        const int32_t t = draw.categorical(w.priors.data(), K);
        w.truth[i] = t;
        chosen.clear();
        while (static_cast<int32_t>(chosen.size()) < spec.labelsPerItem) {
            const int32_t a = draw.index(A);
            bool dup = false;
            for (int32_t c : chosen)
                dup = dup || c == a;
            if (dup)
                continue;
            chosen.push_back(a);
            const double* row = w.confusion.data() + (static_cast<size_t>(a) * K + t) * K;
            anns.push_back({i, a, draw.categorical(row, K)});
        }
    }
    w.matrix = LabelMatrix::build(n, A, K, std::move(anns));
    return w;
}

} // namespace chorus::agg
