// agg::expNonPositive, agg::log1pUnit and agg::sigmoidParts (aggregation/sigmoidparts.h), GLAD's
// vectorised logistic terms, against the C library's long-double expl/log1pl (an independent
// implementation, 64-bit mantissa) rounded to double: errors counted in units in the last place
// of the double result.

#include "sigmoidparts.h"

#include <QtTest>

#include <cmath>
#include <random>
#include <vector>

using namespace chorus::agg;

namespace {

/// |got - want| in ulps of want (the spacing of doubles at |want|).
double ulpError(double got, long double want)
{
    const double w = static_cast<double>(want);
    const double spacing = std::nextafter(std::fabs(w), INFINITY) - std::fabs(w);
    return static_cast<double>(std::fabs(static_cast<long double>(got) - want) / spacing);
}

} // namespace

class TestSigmoidParts : public QObject
{
    Q_OBJECT

private slots:
    // exp over [-708, 0]: a dense sweep of magnitudes from 1e-12 to 708 and uniform draws.
    void expWithinOneAndAHalfUlps()
    {
        std::mt19937_64 rng(7);
        std::uniform_real_distribution<double> unit(0, 1);
        double worst = 0;
        for (int k = 0; k < 400000; ++k) {
            const double x = k % 2 ? -unit(rng) * 708 : -std::exp(unit(rng) * 34 - 27.6);  // 1e-12 .. 708
            worst = std::max(worst, ulpError(expNonPositive(x), std::exp(static_cast<long double>(x))));
        }
        qInfo("expNonPositive: worst error %.3f ulp", worst);
        QVERIFY(worst <= 1.5);
        QCOMPARE(expNonPositive(0.0), 1.0);
        QCOMPARE(expNonPositive(-0.0), 1.0);
        // ln 2 and its multiples: 2^-k up to the rounding of k ln 2 itself.
        QVERIFY(ulpError(expNonPositive(-std::log(2.0)), std::exp(-std::log(2.0L))) <= 1.0);
        // Below -708: 0 (the true value is under the smallest normal double, 2.2e-308).
        QCOMPARE(expNonPositive(-708.5), 0.0);
        QCOMPARE(expNonPositive(-1e6), 0.0);
        QVERIFY(expNonPositive(-707.9) > 2.2e-308);
    }

    // log1p over [0, 1], both sides of the branch point sqrt(2) - 1.
    void log1pWithinTwoUlps()
    {
        std::mt19937_64 rng(11);
        std::uniform_real_distribution<double> unit(0, 1);
        double worst = 0;
        for (int k = 0; k < 400000; ++k) {
            const double e = k % 2 ? unit(rng) : std::exp(-unit(rng) * 700);
            worst = std::max(worst, ulpError(log1pUnit(e), std::log1p(static_cast<long double>(e))));
        }
        const double edge = std::sqrt(2.0) - 1;
        for (double e : {std::nextafter(edge, 0.0), edge, std::nextafter(edge, 1.0), 1.0, 0.5, 1e-300})
            worst = std::max(worst, ulpError(log1pUnit(e), std::log1p(static_cast<long double>(e))));
        qInfo("log1pUnit: worst error %.3f ulp", worst);
        QVERIFY(worst <= 2.0);
        QCOMPARE(log1pUnit(0.0), 0.0);
    }

    // The vector loop: sigmoid(z) = 1 / (1 + exp(-z)) and log1p(exp(-|z|)) within a few ulps
    // of the long-double values, and exactly what the one-value functions give (GLAD keeps the
    // parts from one evaluation and must get the same from another).
    void vectorLoopMatchesDefinitions()
    {
        std::mt19937_64 rng(3);
        std::uniform_real_distribution<double> unit(-1, 1);
        std::vector<double> z(10007);  // not a multiple of any vector width: the tail runs too
        for (size_t i = 0; i < z.size(); ++i)
            z[i] = i % 3 == 0 ? unit(rng) * 40 : unit(rng) * 3;
        z[0] = 0;
        z[1] = 800;
        z[2] = -800;
        std::vector<double> s(z.size()), l(z.size());
        sigmoidParts(z.data(), s.data(), l.data(), z.size());
        double worstS = 0, worstL = 0;
        for (size_t i = 0; i < z.size(); ++i) {
            const long double zl = z[i];
            const long double sigmoid = 1 / (1 + std::exp(-zl));
            const long double wantL = std::log1p(std::exp(-std::fabs(zl)));
            if (std::fabs(z[i]) < 700) {
                worstS = std::max(worstS, ulpError(s[i], sigmoid));
                worstL = std::max(worstL, ulpError(l[i], wantL));
            }
            const double e = expNonPositive(-std::fabs(z[i]));
            QCOMPARE(l[i], log1pUnit(e));
            QCOMPARE(s[i], (z[i] >= 0 ? 1.0 : e) / (1 + e));
        }
        qInfo("sigmoidParts: worst sigmoid error %.3f ulp, log1p part %.3f ulp", worstS, worstL);
        QVERIFY(worstS <= 3.0);
        QVERIFY(worstL <= 3.0);
        QCOMPARE(s[0], 0.5);
        QCOMPARE(l[0], std::log(2.0));
        QCOMPARE(s[1], 1.0);
        QCOMPARE(s[2], 0.0);
        QCOMPARE(l[1], 0.0);
    }
};

QTEST_APPLESS_MAIN(TestSigmoidParts)
#include "tst_sigmoidparts.moc"
