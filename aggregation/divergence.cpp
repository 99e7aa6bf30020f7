// Divergences between per-item distributions and Szekely's distance correlation.
// The terms are written as scipy writes them (p * log(p / q)) so results agree to rounding.

#include "divergence.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace chorus::agg {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double logScale(LogBase base)
{
    return base == LogBase::Two ? 1.0 / std::log(2.0) : 1.0;
}

double smoothed(double q, int32_t n, double epsilon)
{
    return epsilon > 0 ? (q + epsilon) / (1 + n * epsilon) : q;
}

// p * ln(p / q) with scipy.special.rel_entr's conventions.
double relEntr(double p, double q)
{
    if (p == 0)
        return 0;
    if (q == 0)
        return kInf;
    return p * std::log(p / q);
}

} // namespace

double klDivergence(const double* p, const double* q, int32_t n, LogBase base, double epsilon)
{
    double sum = 0;
    for (int32_t j = 0; j < n; ++j)
        sum += relEntr(p[j], smoothed(q[j], n, epsilon));
    return sum * logScale(base);
}

double crossEntropy(const double* p, const double* q, int32_t n, LogBase base, double epsilon)
{
    double sum = 0;
    for (int32_t j = 0; j < n; ++j) {
        if (p[j] == 0)
            continue;
        const double qs = smoothed(q[j], n, epsilon);
        if (qs == 0)
            return kInf;
        sum -= p[j] * std::log(qs);
    }
    return sum * logScale(base);
}

double shannonEntropy(const double* p, int32_t n, LogBase base)
{
    return entropy(p, n) * logScale(base);  // aggregation.h's entropy is in nats
}

double jensenShannonDistance(const double* p, const double* q, int32_t n, LogBase base)
{
    double js = 0;
    for (int32_t j = 0; j < n; ++j) {
        const double m = (p[j] + q[j]) / 2;
        js += relEntr(p[j], m) + relEntr(q[j], m);
    }
    js *= logScale(base);
    // Rounding can leave a tiny negative sum for identical rows.
    return std::sqrt(std::max(0.0, js / 2));
}

double totalVariation(const double* p, const double* q, int32_t n)
{
    double sum = 0;
    for (int32_t j = 0; j < n; ++j)
        sum += std::abs(p[j] - q[j]);
    return sum / 2;
}

namespace {

double rowDistance(const double* a, const double* b, int32_t cols)
{
    double s = 0;
    for (int32_t c = 0; c < cols; ++c)
        s += (a[c] - b[c]) * (a[c] - b[c]);
    return std::sqrt(s);
}

// Row means of the pairwise distance matrix and its grand mean, without storing the matrix.
void distanceMeans(const std::vector<double>& x, int32_t cols, int64_t rows,
                   std::vector<double>& rowMean, double& grandMean)
{
    rowMean.assign(static_cast<size_t>(rows), 0.0);
    for (int64_t k = 0; k < rows; ++k) {
        const double* xk = x.data() + k * cols;
        for (int64_t l = k + 1; l < rows; ++l) {
            const double d = rowDistance(xk, x.data() + l * cols, cols);
            rowMean[k] += d;
            rowMean[l] += d;
        }
    }
    grandMean = 0;
    for (double& r : rowMean) {
        r /= static_cast<double>(rows);
        grandMean += r;
    }
    grandMean /= static_cast<double>(rows);
}

} // namespace

Coefficient distanceCorrelation(const std::vector<double>& x, int32_t xCols,
                                const std::vector<double>& y, int32_t yCols, const RunHooks& hooks)
{
    if (xCols < 1 || yCols < 1 || x.size() % xCols != 0 || y.size() % yCols != 0
        || x.size() / xCols != y.size() / yCols)
        throw std::invalid_argument(
            "distanceCorrelation: x and y must have the same number of rows");
    const int64_t n = static_cast<int64_t>(x.size() / xCols);
    if (n < 2)
        return Coefficient::undefined("fewer than 2 items");
    std::vector<double> ra, rb;
    double ga = 0, gb = 0;
    distanceMeans(x, xCols, n, ra, ga);
    distanceMeans(y, yCols, n, rb, gb);
    if (hooks.canceled())
        throw Canceled{};

    // Double-centred A_kl = a_kl - ra_k - ra_l + ga (same for B); sum over all k, l of A B, A^2
    // and B^2. The matrices are symmetric: off-diagonal pairs count twice, a_kk = 0.
    double ab = 0, aa = 0, bb = 0;
    for (int64_t k = 0; k < n; ++k) {
        if ((k & 0xFF) == 0 && hooks.canceled())
            throw Canceled{};
        const double* xk = x.data() + k * xCols;
        const double* yk = y.data() + k * yCols;
        const double akk = ga - 2 * ra[k], bkk = gb - 2 * rb[k];
        double rowAb = akk * bkk / 2, rowAa = akk * akk / 2, rowBb = bkk * bkk / 2;
        for (int64_t l = k + 1; l < n; ++l) {
            const double A = rowDistance(xk, x.data() + l * xCols, xCols) - ra[k] - ra[l] + ga;
            const double B = rowDistance(yk, y.data() + l * yCols, yCols) - rb[k] - rb[l] + gb;
            rowAb += A * B;
            rowAa += A * A;
            rowBb += B * B;
        }
        ab += 2 * rowAb;
        aa += 2 * rowAa;
        bb += 2 * rowBb;
    }
    if (aa <= 0 || bb <= 0)
        return Coefficient::undefined("all rows of one source are equal (distance variance 0)");
    const double dcor2 = ab / std::sqrt(aa * bb);
    return Coefficient::ok(std::sqrt(std::max(0.0, dcor2)));
}

DivergenceResult compareDistributions(const Distributions& p, const Distributions& q,
                                      const DivergenceOptions& options, const RunHooks& hooks)
{
    if (p.numItems != q.numItems || p.numLabels != q.numLabels)
        throw std::invalid_argument("compareDistributions: p and q differ in items or labels");
    const int32_t L = p.numLabels;
    DivergenceResult r;
    std::vector<double> px, qx;
    for (int32_t i = 0; i < p.numItems; ++i) {
        if ((i & 0xFFFF) == 0 && hooks.canceled())
            throw Canceled{};
        if (!p.has(i) || !q.has(i)) {
            ++r.skipped;
            continue;
        }
        const double* a = p.row(i);
        const double* b = q.row(i);
        ItemDivergence d;
        d.item = i;
        d.kl = klDivergence(a, b, L, options.base, options.epsilon);
        d.jsd = jensenShannonDistance(a, b, L, options.base);
        d.tvd = totalVariation(a, b, L);
        d.ce = crossEntropy(a, b, L, options.base, options.epsilon);
        d.entropyP = shannonEntropy(a, L, options.base);
        d.entropyQ = shannonEntropy(b, L, options.base);
        r.infiniteKl += std::isinf(d.kl) ? 1 : 0;
        r.items.push_back(d);
        if (options.distanceCorrelation) {
            px.insert(px.end(), a, a + L);
            qx.insert(qx.end(), b, b + L);
        }
    }
    DivergenceMeans& m = r.mean;
    for (const ItemDivergence& d : r.items) {
        m.kl += d.kl;
        m.jsd += d.jsd;
        m.tvd += d.tvd;
        m.ce += d.ce;
        m.entropyP += d.entropyP;
        m.entropyQ += d.entropyQ;
    }
    const double n = static_cast<double>(r.items.size());
    for (double* v : {&m.kl, &m.jsd, &m.tvd, &m.ce, &m.entropyP, &m.entropyQ})
        *v = r.items.empty() ? kNaN : *v / n;
    if (options.distanceCorrelation)
        r.dcor = distanceCorrelation(px, L, qx, L, hooks);
    else
        r.dcor = Coefficient::undefined("not computed");
    hooks.report(p.numItems, p.numItems);
    return r;
}

} // namespace chorus::agg
