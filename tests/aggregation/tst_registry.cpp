// The method registry and the contract every method shares: names, parameter checking,
// cancellation and progress through RunHooks (on the calling thread only), controls, INVALID
// labels and items/annotators without labels.

#include "stringrows.h"
#include "methods.h"
#include "synthetic.h"

#include <QtTest>

#include <chrono>
#include <cmath>
#include <thread>

using namespace chorus;

namespace {

const agg::SyntheticWorld& world(int labels)
{
    static const agg::SyntheticWorld binary =
        agg::generateDawidSkene({.numItems = 600, .numAnnotators = 20, .numLabels = 2, .seed = 3});
    static const agg::SyntheticWorld multi =
        agg::generateDawidSkene({.numItems = 600, .numAnnotators = 20, .numLabels = 4, .seed = 4});
    return labels == 2 ? binary : multi;
}

int labelsFor(const std::string& method)
{
    return method == "kos" ? 2 : 4;
}

} // namespace

class TestRegistry : public QObject
{
    Q_OBJECT

private slots:
    void names()
    {
        const std::vector<std::string> expected{"mv", "wmv", "wawa", "zbs", "ds", "onecoin",
                                                "zc", "glad", "mace", "kos", "mmsr", "crh", "bwa",
                                                "bcc", "ebcc"};
        QCOMPARE(agg::methodNames(), expected);
        for (const auto& m : expected)
            for (const auto& p : agg::methodParams(m))
                QVERIFY2(!p.description.empty(), (m + "." + p.name).c_str());
    }

    void unknownMethodNamed()
    {
        agg::AggregationInput in;
        in.matrix = &world(4).matrix;
        try {
            agg::aggregate("dawid", in);
            QFAIL("unknown method accepted");
        } catch (const std::invalid_argument& e) {
            QVERIFY2(QString(e.what()).contains("'dawid'"), e.what());
        }
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, agg::methodParams("dawid"));
    }

    void methods_data()
    {
        QTest::addColumn<QString>("method");
        for (const auto& m : agg::methodNames())
            QTest::newRow(m.c_str()) << QString::fromStdString(m);
    }

    void unknownParameterNamed_data() { methods_data(); }
    void unknownParameterNamed()
    {
        QFETCH(QString, method);
        agg::AggregationInput in;
        in.matrix = &world(labelsFor(method.toStdString())).matrix;
        in.params = {{"bogus_key", 1}};
        try {
            agg::aggregate(method.toStdString(), in);
            QFAIL("unknown parameter accepted");
        } catch (const std::invalid_argument& e) {
            QVERIFY2(QString(e.what()).contains("bogus_key"), e.what());
        }
    }

    // Every result is well formed: labels in range, posterior rows summing to 1, competence in
    // [0,1] or NaN, at least one iteration.
    void wellFormedResult_data() { methods_data(); }
    void wellFormedResult()
    {
        QFETCH(QString, method);
        const auto& w = world(labelsFor(method.toStdString()));
        agg::AggregationInput in;
        in.matrix = &w.matrix;
        const auto r = agg::aggregate(method.toStdString(), in);
        const int32_t K = w.matrix.numLabels();
        QCOMPARE(r.numLabels, K);
        QCOMPARE(r.labels.size(), size_t(w.matrix.numItems()));
        QCOMPARE(r.posterior.size(), size_t(w.matrix.numItems()) * K);
        QCOMPARE(r.competence.size(), size_t(w.matrix.numAnnotators()));
        QVERIFY(r.iterations >= 1);
        int correct = 0;
        for (int32_t i = 0; i < w.matrix.numItems(); ++i) {
            QVERIFY(r.labels[i] >= 0 && r.labels[i] < K);
            double sum = 0;
            for (int32_t k = 0; k < K; ++k) {
                QVERIFY(r.posteriorAt(i, k) >= 0);
                sum += r.posteriorAt(i, k);
            }
            QVERIFY(std::abs(sum - 1) < 1e-9);
            correct += r.labels[i] == w.truth[i];
        }
        for (double c : r.competence)
            QVERIFY(std::isnan(c) || (c >= 0 && c <= 1));
        // Better than chance on an easy synthetic world.
        QVERIFY(correct > 0.6 * w.matrix.numItems());
    }

    // An item with only INVALID labels gets label -1 and a uniform row; an annotator with only
    // INVALID labels gets NaN competence; INVALID labels do not change anything else.
    void invalidLabelsSkipped_data() { methods_data(); }
    void invalidLabelsSkipped()
    {
        QFETCH(QString, method);
        const auto& w = world(labelsFor(method.toStdString()));
        const int32_t n = w.matrix.numItems(), A = w.matrix.numAnnotators(), K = w.matrix.numLabels();
        std::vector<agg::Annotation> plain, withInvalid;
        for (int32_t i = 0; i < n; ++i)
            for (int64_t j = w.matrix.itemBegin(i); j < w.matrix.itemEnd(i); ++j) {
                plain.push_back({i, w.matrix.itemAnnotator(j), w.matrix.itemLabel(j)});
                withInvalid.push_back(plain.back());
            }
        // An extra item labelled INVALID by two annotators, an extra annotator whose only label
        // is INVALID, and a few INVALID labels on existing items.
        withInvalid.push_back({n, 0, agg::kInvalidLabel});
        withInvalid.push_back({n, 1, agg::kInvalidLabel});
        withInvalid.push_back({0, A, agg::kInvalidLabel});
        plain.push_back({n, A, 0});  // keeps the shapes equal; removed from the comparison below
        const auto mPlain = agg::LabelMatrix::build(n + 1, A + 1, K, plain);
        const auto mInvalid = agg::LabelMatrix::build(n + 1, A + 1, K, withInvalid);
        agg::AggregationInput in;
        in.matrix = &mInvalid;
        const auto r = agg::aggregate(method.toStdString(), in);
        QCOMPARE(r.labels[n], -1);
        for (int32_t k = 0; k < K; ++k)
            QCOMPARE(r.posteriorAt(n, k), 1.0 / K);
        QVERIFY(std::isnan(r.competence[A]));

        // Without the extra item/annotator the other labels are unchanged.
        std::vector<agg::Annotation> base(plain.begin(), plain.end() - 1);
        const auto mBase = agg::LabelMatrix::build(n, A, K, base);
        std::vector<agg::Annotation> baseInvalid(withInvalid.begin(), withInvalid.end() - 3);
        baseInvalid.push_back({1, A - 1, agg::kInvalidLabel});
        // (annotator A-1 may already have labelled item 1; then drop the extra label)
        if (mBase.labelOf(1, A - 1) != -2)
            baseInvalid.pop_back();
        const auto mBaseInvalid = agg::LabelMatrix::build(n, A, K, baseInvalid);
        in.matrix = &mBase;
        const auto a = agg::aggregate(method.toStdString(), in);
        in.matrix = &mBaseInvalid;
        const auto b = agg::aggregate(method.toStdString(), in);
        QCOMPARE(a.labels, b.labels);
    }

    // Controls pin the item's label and posterior in every method.
    void controlsClamped_data() { methods_data(); }
    void controlsClamped()
    {
        QFETCH(QString, method);
        const auto& w = world(labelsFor(method.toStdString()));
        agg::AggregationInput in;
        in.matrix = &w.matrix;
        in.controls.assign(w.matrix.numItems(), -1);
        for (int32_t i = 0; i < w.matrix.numItems(); i += 7)
            in.controls[i] = (w.truth[i] + 1) % w.matrix.numLabels();  // deliberately not the truth
        const auto r = agg::aggregate(method.toStdString(), in);
        for (int32_t i = 0; i < w.matrix.numItems(); i += 7) {
            QCOMPARE(r.labels[i], in.controls[i]);
            QCOMPARE(r.posteriorAt(i, in.controls[i]), 1.0);
        }
        in.controls.resize(3);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, agg::aggregate(method.toStdString(), in));
        in.controls.clear();
        in.weights.assign(3, 1.0);  // not one per annotator
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, agg::aggregate(method.toStdString(), in));
    }

    // isCanceled() returning true makes every method throw Canceled; the hooks are only called
    // on the calling thread; progress is reported and ends at done == total.
    void cancelAndProgress_data() { methods_data(); }
    void cancelAndProgress()
    {
        QFETCH(QString, method);
        const auto& w = world(labelsFor(method.toStdString()));
        const auto caller = std::this_thread::get_id();
        bool otherThread = false;
        agg::AggregationInput in;
        in.matrix = &w.matrix;
        agg::RunHooks hooks;
        hooks.isCanceled = [&] {
            otherThread = otherThread || std::this_thread::get_id() != caller;
            return true;
        };
        QVERIFY_THROWS_EXCEPTION(agg::Canceled, agg::aggregate(method.toStdString(), in, hooks));

        int last = -1, lastTotal = 0, reports = 0;
        bool monotone = true;
        hooks.isCanceled = [&] {
            otherThread = otherThread || std::this_thread::get_id() != caller;
            return false;
        };
        hooks.progress = [&](int done, int total) {
            otherThread = otherThread || std::this_thread::get_id() != caller;
            monotone = monotone && done >= last && done <= total;
            last = done;
            lastTotal = total;
            ++reports;
        };
        agg::aggregate(method.toStdString(), in, hooks);
        QVERIFY(!otherThread);
        QVERIFY(reports > 0);
        QVERIFY(monotone);
        QCOMPARE(last, lastTotal);
    }

    // On a 1,000,000-label world, a cancel requested while a method runs is honoured at the
    // next poll, and the method polls at least once per reported iteration. Both are counted in
    // work, not in milliseconds, so the outcome does not depend on how busy the machine is; the
    // latency is printed for information.
    void cancelPromptOnLargeWorld_data()
    {
        test::addNameRows("method", {"ds", "onecoin", "glad", "mace", "zbs", "bcc", "ebcc"});
    }
    void cancelPromptOnLargeWorld()
    {
        QFETCH(QString, method);
        static const agg::SyntheticWorld big = agg::generateDawidSkene(
            {.numItems = 100000, .numAnnotators = 1000, .numLabels = 5, .labelsPerItem = 10, .seed = 1});
        using Clock = std::chrono::steady_clock;
        Clock::time_point requested{};
        int reports = 0, reportsAfterCancel = 0, pollsSinceReport = 0;
        bool reportWithoutPoll = false, cancelRequested = false;
        agg::AggregationInput in;
        in.matrix = &big.matrix;
        agg::RunHooks hooks;
        hooks.progress = [&](int, int) {
            if (cancelRequested)
                ++reportsAfterCancel;
            // Every iteration after the first must have polled since the previous report.
            if (reports > 0 && pollsSinceReport == 0)
                reportWithoutPoll = true;
            pollsSinceReport = 0;
            ++reports;
        };
        hooks.isCanceled = [&] {
            ++pollsSinceReport;
            if (reports < 2)  // let the run get under way (two iterations reported)
                return false;
            if (!cancelRequested) {
                cancelRequested = true;
                requested = Clock::now();
            }
            return true;
        };
        QVERIFY_THROWS_EXCEPTION(agg::Canceled, agg::aggregate(method.toStdString(), in, hooks));
        const double latency = std::chrono::duration<double>(Clock::now() - requested).count();
        qInfo("%s: canceled after %d progress reports, %.1f ms after the request", qPrintable(method), reports,
              latency * 1e3);
        QVERIFY(cancelRequested);
        QCOMPARE(reportsAfterCancel, 0);
        QVERIFY2(!reportWithoutPoll, "an iteration ran without polling isCanceled()");
    }
};

QTEST_GUILESS_MAIN(TestRegistry)
#include "tst_registry.moc"
