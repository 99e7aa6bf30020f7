// The tie policy of agg::aggregate() (methods.h): which label a tied item gets, with hand-built
// matrices whose ties are written out below, and that a permuted matrix with identity keys
// gives the same labels item for item.

#include "stringrows.h"
#include "methods.h"

#include <QtTest>

#include <map>

using namespace chorus;

namespace {

// Items (label order a=0, b=1, c=2), annotators w0..w3:
//   i0: a b        -> tied a/b
//   i1: a a b      -> a
//   i2: b c c b    -> tied b/c
//   i3: c          -> c
//   i4: (none)     -> no label, not a tie
agg::LabelMatrix handMatrix()
{
    return agg::LabelMatrix::build(5, 4, 3,
                                   {{0, 0, 0}, {0, 1, 1}, {1, 0, 0}, {1, 1, 0}, {1, 2, 1}, {2, 0, 1}, {2, 1, 2},
                                    {2, 2, 2}, {2, 3, 1}, {3, 3, 2}});
}

agg::AggregationResult run(const std::string& method, const agg::LabelMatrix& m, int ties, uint64_t seed = 0)
{
    agg::AggregationInput in;
    in.matrix = &m;
    in.seed = seed;
    in.params["ties"] = ties;
    return agg::aggregate(method, in);
}

// n items each with one "a" and one "b" vote: all tied.
agg::LabelMatrix allTied(int32_t n)
{
    std::vector<agg::Annotation> anns;
    for (int32_t i = 0; i < n; ++i) {
        anns.push_back({i, 0, 0});
        anns.push_back({i, 1, 1});
    }
    return agg::LabelMatrix::build(n, 2, 2, anns);
}

} // namespace

class TestTies : public QObject
{
    Q_OBJECT

private slots:
    void majorityVotePolicies()
    {
        const agg::LabelMatrix m = handMatrix();
        const auto first = run("mv", m, 0);
        QCOMPARE(first.labels, (std::vector<int32_t>{0, 0, 1, 2, -1}));
        QCOMPARE(first.tiedItems, int64_t(2));
        QCOMPARE(first.unresolvedItems, int64_t(0));
        const auto unresolved = run("mv", m, 2);
        QCOMPARE(unresolved.labels, (std::vector<int32_t>{-1, 0, -1, 2, -1}));
        QCOMPARE(unresolved.tiedItems, int64_t(2));
        QCOMPARE(unresolved.unresolvedItems, int64_t(2));
        const auto random = run("mv", m, 1, 5);
        QVERIFY(random.labels[0] == 0 || random.labels[0] == 1);
        QVERIFY(random.labels[2] == 1 || random.labels[2] == 2);
        QCOMPARE(random.labels[1], 0);
        QCOMPARE(random.labels[3], 2);
        QCOMPARE(random.tiedItems, int64_t(2));
    }

    // Two annotators, labels a=0, b=1: i0 (a, b), i1 (b, a), i2 (a, a). Majority vote ties on
    // i0 and i1 (first: a) and each annotator agrees with it on 2 of 3 items, so the weighted
    // methods weigh them equally and tie on i0 and i1 too.
    void weightedVotePolicies_data()
    {
        test::addNameRows("method", {"mv", "wawa", "zbs"});
    }
    void weightedVotePolicies()
    {
        QFETCH(QString, method);
        const agg::LabelMatrix m = agg::LabelMatrix::build(3, 2, 2, {{0, 0, 0}, {0, 1, 1}, {1, 0, 1}, {1, 1, 0}, {2, 0, 0}, {2, 1, 0}});
        const auto first = run(method.toStdString(), m, 0);
        QCOMPARE(first.labels, (std::vector<int32_t>{0, 0, 0}));
        QCOMPARE(first.tiedItems, int64_t(2));
        const auto unresolved = run(method.toStdString(), m, 2);
        QCOMPARE(unresolved.labels, (std::vector<int32_t>{-1, -1, 0}));
        QCOMPARE(unresolved.unresolvedItems, int64_t(2));
    }

    void badPolicyIsAnError()
    {
        const agg::LabelMatrix m = handMatrix();
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, run("mv", m, 3));
    }

    // Random ties: uniform among the tied labels (2,000 tied items: each label 1,000 +- 4 sd,
    // sd = sqrt(2000 / 4) = 22.4), reproducible for a seed, different for another seed.
    void randomIsUniformAndSeeded()
    {
        const agg::LabelMatrix m = allTied(2000);
        const auto r1 = run("mv", m, 1, 11), r2 = run("mv", m, 1, 11), r3 = run("mv", m, 1, 12);
        QCOMPARE(r1.labels, r2.labels);
        QVERIFY(r1.labels != r3.labels);
        const auto as = std::count(r1.labels.begin(), r1.labels.end(), 0);
        QVERIFY2(std::abs(as - 1000) < 90, qPrintable(QString::number(as)));
        QCOMPARE(r1.tiedItems, int64_t(2000));
    }

    // The draw follows the item's key, not its index: reversing the items (keys moving with
    // them) reverses the labels.
    void randomFollowsTheItemKey()
    {
        const int32_t n = 200;
        agg::LabelMatrix m = allTied(n), rev = allTied(n);
        std::vector<uint64_t> keys(n), revKeys(n);
        for (int32_t i = 0; i < n; ++i) {
            keys[i] = 1000 + 7 * i;
            revKeys[n - 1 - i] = keys[i];
        }
        m.setKeys(keys, {1, 2});
        rev.setKeys(revKeys, {1, 2});
        const auto a = run("mv", m, 1, 3), b = run("mv", rev, 1, 3);
        for (int32_t i = 0; i < n; ++i)
            QCOMPARE(b.labels[n - 1 - i], a.labels[i]);
    }

    // Seeded methods on a permuted matrix with keys: identical labels item for item (mace's
    // random restarts run on the same, key-ordered matrix).
    void permutedMatrixSameResult_data()
    {
        QTest::addColumn<QString>("method");
        for (const std::string& m : agg::methodNames())
            if (m != "wmv" && m != "kos")
                QTest::newRow(m.c_str()) << QString::fromStdString(m);
    }
    void permutedMatrixSameResult()
    {
        QFETCH(QString, method);
        // 60 items x 6 annotators, 3 labels, a deterministic pattern with disagreements.
        const int32_t n = 60, A = 6;
        std::vector<agg::Annotation> anns;
        for (int32_t i = 0; i < n; ++i)
            for (int32_t a = 0; a < A; ++a)
                if ((i + a) % 3 != 0)
                    anns.push_back({i, a, static_cast<int32_t>((i * 7 + a * (a + 1) + (a == 2 ? i / 5 : 0)) % 3)});
        agg::LabelMatrix m = agg::LabelMatrix::build(n, A, 3, anns);
        std::vector<uint64_t> ik(n), ak(A);
        for (int32_t i = 0; i < n; ++i)
            ik[i] = agg::stableKey(reinterpret_cast<const char*>(&i), sizeof i);
        for (int32_t a = 0; a < A; ++a)
            ak[a] = 100 + a;
        m.setKeys(ik, ak);
        std::vector<int32_t> itemPerm(n), annPerm(A);
        for (int32_t j = 0; j < n; ++j)
            itemPerm[j] = (j * 37 + 11) % n;  // 37 is coprime with 60
        for (int32_t b = 0; b < A; ++b)
            annPerm[b] = A - 1 - b;
        const agg::LabelMatrix p = m.permuted(itemPerm, annPerm);
        const auto r = run(method.toStdString(), m, 1, 9), q = run(method.toStdString(), p, 1, 9);
        for (int32_t j = 0; j < n; ++j)
            QCOMPARE(q.labels[j], r.labels[itemPerm[j]]);
        for (int32_t b = 0; b < A; ++b)
            if (std::isfinite(r.competence[annPerm[b]]))
                QVERIFY(std::abs(q.competence[b] - r.competence[annPerm[b]]) < 1e-9);

        // The key-ordered copy prepared once (KeyOrderedMatrix, shared by the dashboard's
        // methods) runs the same computation as aggregate()'s own permutation: bit for bit.
        const agg::KeyOrderedMatrix ordered = agg::KeyOrderedMatrix::of(p);
        QVERIFY(!ordered.items.empty());
        agg::AggregationInput in;
        in.matrix = &p;
        in.seed = 9;
        in.params["ties"] = 1;
        const auto o = agg::aggregate(method.toStdString(), in, ordered);
        QCOMPARE(o.labels, q.labels);
        QCOMPARE(o.posterior, q.posterior);
        QCOMPARE(o.competence.size(), q.competence.size());
        for (size_t b = 0; b < q.competence.size(); ++b)
            QVERIFY(o.competence[b] == q.competence[b] || (std::isnan(o.competence[b]) && std::isnan(q.competence[b])));
        in.matrix = &m;  // prepared from another matrix
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, agg::aggregate(method.toStdString(), in, ordered));
    }
};

QTEST_GUILESS_MAIN(TestTies)
#include "tst_ties.moc"
