// GLAD: the analytic gradient against finite differences, monotone EM, and crowd-kit 1.4.1's
// GLAD on the real datasets.

#include "glad.h"
#include "methods.h"
#include "synthetic.h"
#include "tst_common.h"

#include <QtTest>

#include <cmath>
#include <random>

using namespace chorus;

namespace {

struct Problem
{
    agg::LabelMatrix matrix;
    std::vector<double> posterior, alpha, b;
};

// A small random problem: 30 items, 8 annotators, 3 labels, random posterior rows and
// parameters spread over both signs of alpha.
Problem randomProblem(uint64_t seed)
{
    Problem p;
    p.matrix =
        agg::generateDawidSkene({.numItems = 30, .numAnnotators = 8, .numLabels = 3, .labelsPerItem = 4, .seed = seed})
            .matrix;
    std::mt19937_64 rng(seed);
    auto u = [&] { return static_cast<double>(rng() >> 11) / 9007199254740992.0; };
    p.posterior.resize(30 * 3);
    for (int i = 0; i < 30; ++i) {
        double sum = 0;
        for (int k = 0; k < 3; ++k)
            sum += p.posterior[i * 3 + k] = 0.05 + u();
        for (int k = 0; k < 3; ++k)
            p.posterior[i * 3 + k] /= sum;
    }
    for (int a = 0; a < 8; ++a)
        p.alpha.push_back(-1.0 + 3.0 * u());
    for (int i = 0; i < 30; ++i)
        p.b.push_back(-1.0 + 2.0 * u());
    return p;
}

} // namespace

class TestGlad : public QObject
{
    Q_OBJECT

private slots:
    void gradientMatchesFiniteDifferences_data()
    {
        QTest::addColumn<quint64>("seed");
        QTest::newRow("seed1") << quint64(1);
        QTest::newRow("seed2") << quint64(2);
        QTest::newRow("seed3") << quint64(3);
    }

    // Central differences of Q with h = 1e-5 against dQ/dalpha and dQ/db; and of dQ/dalpha
    // against curvAlpha, which is the exact second derivative in alpha.
    void gradientMatchesFiniteDifferences()
    {
        QFETCH(quint64, seed);
        Problem p = randomProblem(seed);
        const double muA = 1.0, muB = 0.5, h = 1e-5;
        const auto f = agg::gladObjective(p.matrix, p.posterior, p.alpha, p.b, muA, muB);
        auto value = [&](const std::vector<double>& alpha, const std::vector<double>& b) {
            return agg::gladObjective(p.matrix, p.posterior, alpha, b, muA, muB).value;
        };
        for (size_t a = 0; a < p.alpha.size(); ++a) {
            auto up = p.alpha, down = p.alpha;
            up[a] += h;
            down[a] -= h;
            const double fd = (value(up, p.b) - value(down, p.b)) / (2 * h);
            QVERIFY2(std::abs(fd - f.gradAlpha[a]) < 1e-6 * std::max(1.0, std::abs(fd)),
                     qPrintable(QString("alpha %1: fd %2 analytic %3").arg(a).arg(fd).arg(f.gradAlpha[a])));
            const double fdCurv =
                (agg::gladObjective(p.matrix, p.posterior, up, p.b, muA, muB).gradAlpha[a]
                 - agg::gladObjective(p.matrix, p.posterior, down, p.b, muA, muB).gradAlpha[a])
                / (2 * h);
            QVERIFY(std::abs(fdCurv - f.curvAlpha[a]) < 1e-5 * std::max(1.0, std::abs(fdCurv)));
        }
        for (size_t i = 0; i < p.b.size(); ++i) {
            auto up = p.b, down = p.b;
            up[i] += h;
            down[i] -= h;
            const double fd = (value(p.alpha, up) - value(p.alpha, down)) / (2 * h);
            QVERIFY2(std::abs(fd - f.gradB[i]) < 1e-6 * std::max(1.0, std::abs(fd)),
                     qPrintable(QString("b %1: fd %2 analytic %3").arg(i).arg(fd).arg(f.gradB[i])));
            QVERIFY(f.curvB[i] <= -1.0);
        }
        // Splitting the items over two threads gives the same objective.
        const auto f2 = agg::gladObjective(p.matrix, p.posterior, p.alpha, p.b, muA, muB, 2);
        QVERIFY(std::abs(f2.value - f.value) < 1e-9 * std::abs(f.value));
    }

    // Generalised EM: the MAP objective never decreases from one iteration to the next.
    void objectiveMonotone()
    {
        const auto w = agg::generateDawidSkene({.numItems = 2000, .numAnnotators = 30, .numLabels = 3, .seed = 11});
        const auto r = agg::glad(test::inputOn(w.matrix, {{"tol", 0.0}, {"max_iter", 30}}));
        QVERIFY(r.logLikelihood.size() >= 2);
        for (size_t t = 1; t < r.logLikelihood.size(); ++t)
            QVERIFY2(r.logLikelihood[t] >= r.logLikelihood[t - 1] - 1e-12,
                     qPrintable(QString("iteration %1").arg(t)));
    }

    void crowdKitReference_data() { test::addReferenceRows(true); }

    // crowd-kit GLAD(n_iter=100, tol=1e-5): accuracy within 1 point (or better). On the crowd
    // datasets our competence sigmoid(alpha) orders annotators like crowd-kit's alpha.
    void crowdKitReference()
    {
        const auto run = test::runReferenceRow("GLAD", "glad", "glad", agg::glad);
        if (!run)
            return;
        QVERIFY(run->r.converged);
        const auto& c = run->c;
        if (c.ref.contains("skills")) {
            std::vector<double> ours, theirs;
            for (const auto& [ann, alpha] : c.ref["skills"].items()) {
                ours.push_back(run->r.competence[c.data.annotatorIndex.at(ann)]);
                theirs.push_back(alpha.get<double>());
            }
            const double rho = test::spearman(ours, theirs);
            qInfo("  Spearman(sigmoid(alpha), crowd-kit alpha) = %.4f", rho);
            QVERIFY(rho > 0.95);
        }
    }
};

QTEST_GUILESS_MAIN(TestGlad)
#include "tst_glad.moc"
