// agg::LabelMatrix::build() and permuted() (issue #17 rewrote both to make fewer passes): the
// CSR arrays of a small matrix written out by hand, and of random matrices against a naive
// construction (a std::map from (item, annotator) to label, read out in order).

#include "labelmatrix.h"

#include <QtTest>

#include <algorithm>
#include <functional>
#include <map>
#include <numeric>
#include <random>

using namespace chorus;

namespace {

// The matrix as (item, annotator) -> label, from both views; fails if the views disagree or
// either is out of order.
std::map<std::pair<int32_t, int32_t>, int32_t> cells(const agg::LabelMatrix& m)
{
    std::map<std::pair<int32_t, int32_t>, int32_t> byItem, byAnn;
    for (int32_t i = 0; i < m.numItems(); ++i)
        for (int64_t k = m.itemBegin(i); k < m.itemEnd(i); ++k) {
            if (k > m.itemBegin(i) && m.itemAnnotator(k - 1) >= m.itemAnnotator(k))
                throw std::logic_error("item-major view not sorted by annotator");
            byItem[{i, m.itemAnnotator(k)}] = m.itemLabel(k);
        }
    for (int32_t a = 0; a < m.numAnnotators(); ++a)
        for (int64_t k = m.annotatorBegin(a); k < m.annotatorEnd(a); ++k) {
            if (k > m.annotatorBegin(a) && m.annotatorItem(k - 1) >= m.annotatorItem(k))
                throw std::logic_error("annotator-major view not sorted by item");
            byAnn[{m.annotatorItem(k), a}] = m.annotatorLabel(k);
        }
    if (byItem != byAnn)
        throw std::logic_error("the two views differ");
    return byItem;
}

// Permutes m's items and annotators at random and checks that every cell moved where the
// permutation says (expected renumbered by hand from the permutation). Returns the permuted
// matrix.
agg::LabelMatrix checkRandomPermutation(const agg::LabelMatrix& m,
                                        const std::map<std::pair<int32_t, int32_t>, int32_t>& expected,
                                        std::mt19937_64& rng)
{
    const int32_t n = m.numItems(), A = m.numAnnotators();
    std::vector<int32_t> items(n), annOrder(A);
    std::iota(items.begin(), items.end(), 0);
    std::iota(annOrder.begin(), annOrder.end(), 0);
    std::shuffle(items.begin(), items.end(), rng);
    std::shuffle(annOrder.begin(), annOrder.end(), rng);
    std::vector<int32_t> itemTo(n), annTo(A);
    for (int32_t j = 0; j < n; ++j)
        itemTo[items[j]] = j;
    for (int32_t b = 0; b < A; ++b)
        annTo[annOrder[b]] = b;
    std::map<std::pair<int32_t, int32_t>, int32_t> renumbered;
    for (const auto& [key, label] : expected)
        renumbered[{itemTo[key.first], annTo[key.second]}] = label;
    agg::LabelMatrix p = m.permuted(items, annOrder);
    if (p.numItems() != n || p.numAnnotators() != A || !(cells(p) == renumbered))
        QTest::qFail("the permuted matrix does not hold the renumbered cells", __FILE__, __LINE__);
    return p;
}

using Cells = std::map<std::pair<int32_t, int32_t>, int32_t>;

// Random rows: for each of n items, count(i) distinct annotators of A (a new shuffle for each
// item), each with a label drawn from [-1, L); every cell is also recorded in `expected`.
std::vector<agg::Annotation> randomRows(int32_t n, int32_t A, int32_t L, std::mt19937_64& rng,
                                        const std::function<int32_t(int32_t)>& count, Cells& expected)
{
    std::vector<agg::Annotation> rows;
    std::vector<int32_t> anns(A);
    std::iota(anns.begin(), anns.end(), 0);
    for (int32_t i = 0; i < n; ++i) {
        std::shuffle(anns.begin(), anns.end(), rng);
        const int32_t k = count(i);
        for (int32_t c = 0; c < k; ++c) {
            const int32_t label = static_cast<int32_t>(rng() % (L + 1)) - 1;
            rows.push_back({i, anns[c], label});
            expected[{i, anns[c]}] = label;
        }
    }
    return rows;
}

} // namespace

class TestLabelMatrix : public QObject
{
    Q_OBJECT

private slots:
    void handBuilt()
    {
        // Rows out of order; item 1 has no labels; INVALID (-1) kept.
        const agg::LabelMatrix m =
            agg::LabelMatrix::build(3, 3, 2, {{2, 1, 0}, {0, 2, 1}, {2, 0, -1}, {0, 0, 0}, {0, 1, 1}});
        QCOMPARE(m.itemOffsets(), (std::vector<int64_t>{0, 3, 3, 5}));
        QCOMPARE(m.itemAnnotators(), (std::vector<int32_t>{0, 1, 2, 0, 1}));
        QCOMPARE(m.itemLabels(), (std::vector<int32_t>{0, 1, 1, -1, 0}));
        QCOMPARE(m.annotatorOffsets(), (std::vector<int64_t>{0, 2, 4, 5}));
        QCOMPARE(m.annotatorItems(), (std::vector<int32_t>{0, 2, 0, 2, 0}));
        QCOMPARE(m.annotatorLabels(), (std::vector<int32_t>{0, -1, 1, 0, 1}));
        QCOMPARE(m.labelOf(2, 0), -1);
        QCOMPARE(m.labelOf(1, 0), -2);
    }

    void duplicatesAndRangesRefused()
    {
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, agg::LabelMatrix::build(2, 2, 2, {{1, 0, 0}, {1, 0, 1}}));
        // A duplicate inside an item long enough to take the sorting path (> 32 annotations).
        std::vector<agg::Annotation> many;
        for (int32_t a = 0; a < 40; ++a)
            many.push_back({0, 39 - a, 0});
        many.push_back({0, 7, 1});
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, agg::LabelMatrix::build(1, 40, 2, many));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, agg::LabelMatrix::build(1, 1, 2, {{0, 1, 0}}));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, agg::LabelMatrix::build(1, 1, 2, {{0, 0, 2}}));
    }

    // Random matrices, short items (insertion sort) and long ones (over 32 annotations), rows
    // shuffled: build() holds exactly the cells given, and permuted() the cells renumbered.
    void randomAgainstNaive()
    {
        std::mt19937_64 rng(5);
        for (const int32_t perItem : {3, 10, 60}) {
            const int32_t n = 300, A = 80, L = 4;
            Cells expected;
            std::vector<agg::Annotation> rows = randomRows(
                n, A, L, rng, [&](int32_t) { return static_cast<int32_t>(rng() % (perItem + 1)); }, expected);
            std::shuffle(rows.begin(), rows.end(), rng);
            const agg::LabelMatrix m = agg::LabelMatrix::build(n, A, L, rows);
            QCOMPARE(m.numAnnotations(), static_cast<int64_t>(expected.size()));
            QVERIFY(cells(m) == expected);

            const agg::LabelMatrix p = checkRandomPermutation(m, expected, rng);
            QCOMPARE(p.numLabels(), L);
        }
    }

    // Past 2^18 annotations the items are sorted and indexed in two halves at once (the second
    // half fills each annotator's slots from the end): the same cells as the naive map, both
    // views in order, and a duplicate reported for the first item in order that has one.
    void largeMatrixInTwoHalves()
    {
        std::mt19937_64 rng(8);
        const int32_t n = 40000, A = 200, L = 5;
        Cells expected;
        std::vector<agg::Annotation> rows = randomRows(
            n, A, L, rng,
            [&](int32_t i) { return 7 + static_cast<int32_t>(rng() % 6) + (i % 1000 == 0 ? 40 : 0); },  // some long items
            expected);
        QVERIFY(rows.size() >= (size_t(1) << 18));
        std::shuffle(rows.begin(), rows.end(), rng);
        const agg::LabelMatrix m = agg::LabelMatrix::build(n, A, L, rows);
        QVERIFY(cells(m) == expected);
        checkRandomPermutation(m, expected, rng);

        // Duplicates: in item 30000 (second half) and item 12345 (first half): 12345 is named;
        // with only the second-half one, 30000.
        auto withDuplicate = [&](std::initializer_list<int32_t> at) {
            std::vector<agg::Annotation> r = rows;
            for (const int32_t i : at) {
                const auto it = std::find_if(r.begin(), r.end(), [i](const agg::Annotation& a) { return a.item == i; });
                r.push_back({i, it->annotator, 0});
            }
            try {
                agg::LabelMatrix::build(n, A, L, std::move(r));
            } catch (const std::invalid_argument& e) {
                return QString::fromLatin1(e.what());
            }
            return QString();
        };
        QVERIFY2(withDuplicate({30000, 12345}).endsWith(QLatin1String("labels item 12345 twice")),
                 qPrintable(withDuplicate({30000, 12345})));
        QVERIFY2(withDuplicate({30000}).endsWith(QLatin1String("labels item 30000 twice")),
                 qPrintable(withDuplicate({30000})));
    }
};

QTEST_GUILESS_MAIN(TestLabelMatrix)
#include "tst_labelmatrix.moc"
