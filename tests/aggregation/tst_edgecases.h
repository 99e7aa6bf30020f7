#pragma once
// Edge cases shared by the tests of the crh/bwa/bcc aggregators (issue 4): one annotator, an
// annotator who always gives one label, unanimous data, an annotator with a single answer.
// Each check runs the method through the registry and states what any sensible aggregator must
// do there; method-specific figures are checked in the method's own test.

#include "methods.h"
#include "tst_common.h"

#include <QtTest>

#include <cmath>
#include <string>
#include <vector>

namespace chorus::test {

/// Rows of the edge-case test, named after the case.
inline void addEdgeCaseRows()
{
    QTest::addColumn<QString>("edgeCase");
    for (const char* c : {"oneAnnotator", "constantAnnotator", "unanimous", "singleAnswer"})
        QTest::newRow(c) << QString::fromLatin1(c);
}

/// Runs the current row's edge case (column "edgeCase", addEdgeCaseRows) for `method`
/// (QVERIFY inside; call from the test slot).
inline void checkEdgeCase(const std::string& method)
{
    QFETCH(QString, edgeCase);
    agg::AggregationInput in;
    if (edgeCase == "oneAnnotator") {
        // A lone annotator: its labels are the only evidence, so they are the answer.
        const std::vector<int32_t> given{0, 1, 2, 2, 1, 0, 0};
        std::vector<agg::Annotation> anns;
        for (int32_t i = 0; i < 7; ++i)
            anns.push_back({i, 0, given[i]});
        const auto m = agg::LabelMatrix::build(7, 1, 3, anns);
        in.matrix = &m;
        const auto r = agg::aggregate(method, in);
        QCOMPARE(r.labels, given);
        QVERIFY(r.competence[0] >= 0 && r.competence[0] <= 1);
    } else if (edgeCase == "constantAnnotator") {
        // Three annotators who agree on the truth (alternating 0/1/2) and one who always
        // answers 0: labels follow the three, and the constant annotator ranks last.
        std::vector<agg::Annotation> anns;
        for (int32_t i = 0; i < 30; ++i) {
            for (int32_t a = 0; a < 3; ++a)
                anns.push_back({i, a, i % 3});
            anns.push_back({i, 3, 0});
        }
        const auto m = agg::LabelMatrix::build(30, 4, 3, anns);
        in.matrix = &m;
        const auto r = agg::aggregate(method, in);
        for (int32_t i = 0; i < 30; ++i)
            QCOMPARE(r.labels[i], i % 3);
        for (int32_t a = 0; a < 3; ++a)
            QVERIFY2(r.competence[3] < r.competence[a], method.c_str());
    } else if (edgeCase == "unanimous") {
        // Everybody agrees on every item: those labels, with the largest posterior, and every
        // annotator is equally competent.
        std::vector<agg::Annotation> anns;
        for (int32_t i = 0; i < 12; ++i)
            for (int32_t a = 0; a < 4; ++a)
                anns.push_back({i, a, (i * 7) % 3});
        const auto m = agg::LabelMatrix::build(12, 4, 3, anns);
        in.matrix = &m;
        const auto r = agg::aggregate(method, in);
        for (int32_t i = 0; i < 12; ++i) {
            QCOMPARE(r.labels[i], (i * 7) % 3);
            QVERIFY(r.posteriorAt(i, r.labels[i]) > 0.9);
        }
        for (int32_t a = 1; a < 4; ++a)
            QVERIFY(std::abs(r.competence[a] - r.competence[0]) < 1e-9);
        QCOMPARE(r.tiedItems, int64_t(0));
    } else if (edgeCase == "singleAnswer") {
        // Three reliable annotators plus one who answered once (against the others): finite
        // competence in [0,1], and that one answer does not overturn the item.
        std::vector<agg::Annotation> anns;
        for (int32_t i = 0; i < 20; ++i)
            for (int32_t a = 0; a < 3; ++a)
                anns.push_back({i, a, (i % 2 == 0 || a != 2) ? i % 2 : 1 - i % 2});
        anns.push_back({4, 3, 1});
        const auto m = agg::LabelMatrix::build(20, 4, 2, anns);
        in.matrix = &m;
        const auto r = agg::aggregate(method, in);
        for (int32_t i = 0; i < 20; ++i)
            QCOMPARE(r.labels[i], i % 2);
        QVERIFY(std::isfinite(r.competence[3]));
        QVERIFY(r.competence[3] >= 0 && r.competence[3] <= 1);
    } else {
        QFAIL("unknown edge case");
    }
}

} // namespace chorus::test
