// agg::binomialDraw, agg::multinomialCounts and agg::logFactorial (aggregation/sampling.h)
// against values derived here: the binomial pmf written out as a product, the multinomial's
// moments (mean n p_c, variance n p_c (1 - p_c), covariance -n p_c p_d; Johnson, Kotz &
// Balakrishnan 1997, ch. 35) and its binomial marginals, and ln k! as a plain sum of logs.

#include "sampling.h"
#include "statistics.h"

#include <QtTest>

#include <cmath>
#include <numeric>

using namespace chorus::agg;

namespace {

// P(X = k) for X ~ Binomial(n, p), straight from the definition C(n, k) p^k q^(n-k), in long
// double with the binomial coefficient as a running product (no log-factorials).
std::vector<long double> binomialPmf(int64_t n, double p)
{
    std::vector<long double> pmf(static_cast<size_t>(n) + 1);
    const long double lp = std::log(static_cast<long double>(p)), lq = std::log1p(-static_cast<long double>(p));
    long double logC = 0;  // ln C(n, k)
    for (int64_t k = 0; k <= n; ++k) {
        if (k > 0)
            logC += std::log(static_cast<long double>(n - k + 1)) - std::log(static_cast<long double>(k));
        pmf[static_cast<size_t>(k)] = std::exp(logC + k * lp + (n - k) * lq);
    }
    return pmf;
}

// Wilson & Hilferty (1931): the q-quantile of chi-square(df) is about df (1 - 2/(9 df) +
// z sqrt(2/(9 df)))^3, z the normal quantile; z = 4.75 is the 1 - 1e-6 quantile, so a correct
// sampler fails a check with probability about 1e-6 (and the seeds are fixed).
double chiSquareCritical(int df)
{
    const double a = 2.0 / (9.0 * df);
    return df * std::pow(1 - a + 4.75 * std::sqrt(a), 3);
}

// Pearson's chi-square of observed counts of outcomes 0..n against N * pmf, the tails pooled
// so that each pooled bin expects at least 5. Returns {statistic, degrees of freedom}.
std::pair<double, int> chiSquare(const std::vector<int64_t>& observed, const std::vector<long double>& pmf, int64_t N)
{
    std::vector<std::pair<double, double>> bins;  // (observed, expected)
    double o = 0, e = 0;
    for (size_t k = 0; k < pmf.size(); ++k) {
        o += static_cast<double>(observed[k]);
        e += static_cast<double>(pmf[k] * N);
        if (e >= 5) {
            bins.emplace_back(o, e);
            o = e = 0;
        }
    }
    if (!bins.empty()) {  // the upper tail joins the last bin
        bins.back().first += o;
        bins.back().second += e;
    }
    double chi2 = 0;
    for (const auto& [ob, ex] : bins)
        chi2 += (ob - ex) * (ob - ex) / ex;
    return {chi2, static_cast<int>(bins.size()) - 1};
}

} // namespace

class TestSampling : public QObject
{
    Q_OBJECT

private slots:
    // The reference implementation's first outputs for seed 1234567 (Vigna's splitmix64.c; the
    // same five numbers appear in other libraries' test suites).
    void splitMix64KnownOutputs()
    {
        SplitMix64 g(1234567);
        QCOMPARE(g(), 6457827717110365317ULL);
        QCOMPARE(g(), 3203168211198807973ULL);
        QCOMPARE(g(), 9817491932198370423ULL);
        QCOMPARE(g(), 4593380528125082431ULL);
        QCOMPARE(g(), 16408922859458223821ULL);
    }

    void logFactorialIsSumOfLogs()
    {
        double sum = 0;
        for (int64_t k = 1; k <= 3000; ++k) {
            sum += std::log(static_cast<double>(k));
            QVERIFY2(std::abs(logFactorial(k) - sum) <= 1e-12 * sum, qPrintable(QString::number(k)));
        }
        QCOMPARE(logFactorial(0), 0.0);
        QCOMPARE(logFactorial(1), 0.0);
        // Far out, against lgamma(k + 1) (k! = Gamma(k + 1)).
        for (const int64_t k : {int64_t(100000), int64_t(12345678)})
            QVERIFY(std::abs(logFactorial(k) - std::lgamma(static_cast<double>(k) + 1)) <= 1e-13 * logFactorial(k));
    }

    // Each row exercises one branch: small mean (search from 0), a small mean reached through
    // p > 1/2 (n - Binomial(n, 1 - p)), and the search from the mode at several spreads.
    void binomialMatchesPmf_data()
    {
        QTest::addColumn<qint64>("n");
        QTest::addColumn<double>("p");
        QTest::newRow("smallMeanFromZero") << qint64(10) << 0.3;
        QTest::newRow("smallMeanFlipped") << qint64(40) << 0.7;
        QTest::newRow("tinyP") << qint64(5000) << 0.0004;
        QTest::newRow("fromModeHalf") << qint64(200) << 0.5;
        QTest::newRow("fromModeSkewed") << qint64(5000) << 0.13;
        QTest::newRow("fromModeFlipped") << qint64(3000) << 0.91;
        QTest::newRow("fromModeLarge") << qint64(100000) << 0.02;
        QTest::newRow("justAboveSmallMean") << qint64(33) << 0.5;
    }

    void binomialMatchesPmf()
    {
        QFETCH(qint64, n);
        QFETCH(double, p);
        const auto pmf = binomialPmf(n, p);
        std::vector<int64_t> observed(static_cast<size_t>(n) + 1, 0);
        SplitMix64 rng(static_cast<uint64_t>(n) * 31 + 7);  // the generator bootstrapScores uses
        const int64_t N = 200000;
        double sum = 0;
        for (int64_t k = 0; k < N; ++k) {
            const int64_t x = binomialDraw(rng, n, p);
            QVERIFY(x >= 0 && x <= n);
            ++observed[static_cast<size_t>(x)];
            sum += static_cast<double>(x);
        }
        const auto [chi2, df] = chiSquare(observed, pmf, N);
        QVERIFY(df >= 1);
        QVERIFY2(chi2 < chiSquareCritical(df),
                 qPrintable(QStringLiteral("chi2 %1 df %2 critical %3").arg(chi2).arg(df).arg(chiSquareCritical(df))));
        // Mean n p, standard error sqrt(n p q / N): within 5 of them.
        const double mean = sum / N, se = std::sqrt(n * p * (1 - p) / N);
        QVERIFY2(std::abs(mean - n * p) < 5 * se, qPrintable(QString::number(mean)));
    }

    void binomialEdges()
    {
        std::mt19937_64 rng(1);
        QCOMPARE(binomialDraw(rng, 0, 0.4), int64_t(0));
        QCOMPARE(binomialDraw(rng, 50, 0.0), int64_t(0));
        QCOMPARE(binomialDraw(rng, 50, 1.0), int64_t(50));
        QCOMPARE(binomialDraw(rng, 1, 1.0), int64_t(1));
        QCOMPARE(binomialDraw(rng, 7, -0.5), int64_t(0));
    }

    // The counts always add up to n, categories of weight 0 get nothing, one category gets all.
    void multinomialAddsUp()
    {
        std::mt19937_64 rng(5);
        std::vector<int64_t> counts;
        const std::vector<int64_t> w{0, 3, 0, 10, 1, 0};
        for (int r = 0; r < 1000; ++r) {
            const int64_t n = r % 37;
            multinomialCounts(rng, n, w, counts);
            QCOMPARE(counts.size(), w.size());
            QCOMPARE(std::accumulate(counts.begin(), counts.end(), int64_t(0)), n);
            QCOMPARE(counts[0] + counts[2] + counts[5], int64_t(0));
        }
        multinomialCounts(rng, 12, {0, 0, 4, 0}, counts);
        QCOMPARE(counts, (std::vector<int64_t>{0, 0, 12, 0}));
        multinomialCounts(rng, 0, {2, 2}, counts);
        QCOMPARE(counts, (std::vector<int64_t>{0, 0}));
    }

    // Moments of Multinomial(n; p) with p_c = w_c / W: E = n p_c, Var = n p_c (1 - p_c),
    // Cov(c, d) = -n p_c p_d; and each marginal is Binomial(n, p_c) (chi-square against the pmf).
    // A sampler that drew the categories in a wrong proportion, or dependently in a wrong way,
    // moves these.
    void multinomialMoments()
    {
        const std::vector<int64_t> w{500, 1, 120, 0, 40, 3000, 7};
        const int64_t W = std::accumulate(w.begin(), w.end(), int64_t(0));
        const int64_t n = 3668;  // the bootstrap case: as many draws as units
        const int64_t N = 40000;
        const size_t C = w.size();
        std::vector<double> mean(C, 0), m2(C * C, 0);
        std::vector<std::vector<int64_t>> marginal(C, std::vector<int64_t>(static_cast<size_t>(n) + 1, 0));
        std::vector<double> mu(C);  // the known means n p_c
        for (size_t c = 0; c < C; ++c)
            mu[c] = static_cast<double>(n) * static_cast<double>(w[c]) / static_cast<double>(W);
        std::mt19937_64 rng(11);
        std::vector<int64_t> counts;
        for (int64_t r = 0; r < N; ++r) {
            multinomialCounts(rng, n, w, counts);
            for (size_t c = 0; c < C; ++c) {
                mean[c] += static_cast<double>(counts[c]);
                ++marginal[c][static_cast<size_t>(counts[c])];
                for (size_t d = 0; d < C; ++d)
                    m2[c * C + d] += (static_cast<double>(counts[c]) - mu[c]) * (static_cast<double>(counts[d]) - mu[d]);
            }
        }
        for (size_t c = 0; c < C; ++c) {
            const double pc = static_cast<double>(w[c]) / W;
            mean[c] /= N;
            const double var = n * pc * (1 - pc);
            QVERIFY2(std::abs(mean[c] - n * pc) <= 5 * std::sqrt(var / N) + 1e-12, qPrintable(QString::number(c)));
            for (size_t d = 0; d < C; ++d) {
                const double pd = static_cast<double>(w[d]) / W;
                const double want = c == d ? var : -n * pc * pd;
                // Centred on the known means, the estimate is a mean of N products whose
                // standard deviation is at most about 2 sd_c sd_d (normal-like tallies:
                // Var((X-mu)(Y-nu)) = s_x^2 s_y^2 (1 + rho^2) <= 2 s_x^2 s_y^2, plus a little
                // excess kurtosis), so 5 standard errors are 10 sd_c sd_d / sqrt(N).
                const double got = m2[c * C + d] / N;
                const double tol = 10 * std::sqrt(n * pc * (1 - pc) * n * pd * (1 - pd) / N) + 1e-9;
                QVERIFY2(std::abs(got - want) <= tol,
                         qPrintable(QStringLiteral("cov(%1,%2) %3 want %4").arg(c).arg(d).arg(got).arg(want)));
            }
            if (w[c] == 0 || w[c] == W)
                continue;
            const auto [chi2, df] = chiSquare(marginal[c], binomialPmf(n, pc), N);
            if (df >= 1)
                QVERIFY2(chi2 < chiSquareCritical(df), qPrintable(QStringLiteral("marginal %1: %2").arg(c).arg(chi2)));
        }
    }

    // The same tallies as classic resampling: draw n units uniformly (IndexSampler) and count
    // per category. Two independent samples of 20,000 replicates of the tally of one category
    // must agree in distribution (two-sample chi-square over pooled bins, df = bins - 1).
    void multinomialEqualsUnitResampling()
    {
        const std::vector<int64_t> w{3, 9, 1, 12, 5};
        std::vector<int32_t> unitCategory;
        for (size_t c = 0; c < w.size(); ++c)
            unitCategory.insert(unitCategory.end(), static_cast<size_t>(w[c]), static_cast<int32_t>(c));
        const auto n = static_cast<int64_t>(unitCategory.size());
        const int N = 20000;
        std::vector<int64_t> a(static_cast<size_t>(n) + 1, 0), b(a);
        std::mt19937_64 r1(21), r2(22);
        std::vector<int64_t> counts;
        for (int k = 0; k < N; ++k) {
            multinomialCounts(r1, n, w, counts);
            ++a[static_cast<size_t>(counts[1])];
            IndexSampler draw(r2, static_cast<uint32_t>(n));
            int64_t tally = 0;
            for (int64_t j = 0; j < n; ++j)
                tally += unitCategory[draw()] == 1;
            ++b[static_cast<size_t>(tally)];
        }
        double chi2 = 0;
        int bins = 0;
        int64_t oa = 0, ob = 0;
        for (size_t k = 0; k < a.size(); ++k) {
            oa += a[k];
            ob += b[k];
            if (oa + ob >= 20 || k + 1 == a.size()) {
                if (oa + ob > 0) {
                    // Equal sample sizes: sum (a - b)^2 / (a + b) is chi-square(bins - 1).
                    chi2 += static_cast<double>((oa - ob) * (oa - ob)) / static_cast<double>(oa + ob);
                    ++bins;
                }
                oa = ob = 0;
            }
        }
        QVERIFY(bins > 5);
        QVERIFY2(chi2 < chiSquareCritical(bins - 1), qPrintable(QString::number(chi2)));
    }
};

QTEST_GUILESS_MAIN(TestSampling)
#include "tst_sampling.moc"
