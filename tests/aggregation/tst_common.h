#pragma once
// Helpers shared by the aggregation method tests: scoring labels against gold and against the
// reference outputs in ../shared/reference (crowd-kit 1.4.1, Hovy's MACE), and rank correlation.

#include "aggregation.h"
#include "datarows.h"
#include "datasets.h"
#include "methods.h"
#include "synthetic.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

namespace chorus::test {

/// Row name "rte" -> crowd dataset, "llm/emotion" -> LLM task, with the reference block of one
/// method: crowdMethod (crowd-kit's name) for crowd datasets, llmMethod (short name) for LLM
/// tasks.
inline ReferenceCase loadReferenceCase(const std::string& row, const std::string& crowdMethod,
                                       const std::string& llmMethod)
{
    ReferenceCase c = loadReferenceFile(row);
    c.ref = nlohmann::json(c.ref["methods"][row.rfind("llm/", 0) == 0 ? llmMethod : crowdMethod]);
    return c;
}

/// The current row of a data-driven reference test (column "dataset", as addReferenceRows
/// makes it) with one method's reference block; nothing, and the test is skipped, without
/// ../shared.
inline std::optional<ReferenceCase> fetchReferenceCase(const std::string& crowdMethod,
                                                       const std::string& llmMethod)
{
    if (skippedWithoutShared())
        return std::nullopt;
    QFETCH(QString, dataset);
    return loadReferenceCase(dataset.toStdString(), crowdMethod, llmMethod);
}

/// The small example worked by hand in several method tests: three annotators, three items,
/// labels {0, 1}:
///   item 0: a0=0, a1=0, a2=1
///   item 1: a0=1, a1=1, a2=1
///   item 2: a0=0, a1=1            (a2 did not label it)
inline agg::LabelMatrix threeItemExample()
{
    return agg::LabelMatrix::build(
        3, 3, 2, {{0, 0, 0}, {0, 1, 0}, {0, 2, 1}, {1, 0, 1}, {1, 1, 1}, {1, 2, 1}, {2, 0, 0}, {2, 1, 1}});
}

/// Accuracy against gold over items with gold; a missing label (-1) counts as wrong.
inline double goldAccuracy(const Dataset& d, const std::vector<int32_t>& labels,
                           const std::vector<char>* skip = nullptr)
{
    int64_t correct = 0, total = 0;
    for (size_t i = 0; i < d.gold.size(); ++i) {
        if (d.gold[i] < 0 || (skip && (*skip)[i]))
            continue;
        ++total;
        correct += labels[i] == d.gold[i];
    }
    return total > 0 ? static_cast<double>(correct) / static_cast<double>(total) : 0.0;
}

/// Fraction of the reference's items on which our label (as a string) equals the reference's.
inline double referenceAgreement(const Dataset& d, const std::vector<int32_t>& labels,
                                 const nlohmann::json& refLabels)
{
    int64_t same = 0, total = 0;
    for (const auto& [item, label] : refLabels.items()) {
        ++total;
        const int32_t ours = labels[d.itemIndex.at(item)];
        same += ours >= 0 && d.labels[ours] == label.get<std::string>();
    }
    return total > 0 ? static_cast<double>(same) / static_cast<double>(total) : 0.0;
}

/// Average ranks (ties share their mean rank).
inline std::vector<double> ranks(const std::vector<double>& x)
{
    std::vector<size_t> order(x.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
    std::vector<double> r(x.size());
    for (size_t i = 0; i < order.size();) {
        size_t j = i;
        while (j + 1 < order.size() && x[order[j + 1]] == x[order[i]])
            ++j;
        for (size_t k = i; k <= j; ++k)
            r[order[k]] = (static_cast<double>(i) + static_cast<double>(j)) / 2.0;
        i = j + 1;
    }
    return r;
}

/// Spearman's rank correlation (Pearson correlation of average ranks).
inline double spearman(const std::vector<double>& x, const std::vector<double>& y)
{
    const std::vector<double> rx = ranks(x), ry = ranks(y);
    const double n = static_cast<double>(x.size());
    const double mx = std::accumulate(rx.begin(), rx.end(), 0.0) / n;
    const double my = std::accumulate(ry.begin(), ry.end(), 0.0) / n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        sxy += (rx[i] - mx) * (ry[i] - my);
        sxx += (rx[i] - mx) * (rx[i] - mx);
        syy += (ry[i] - my) * (ry[i] - my);
    }
    return sxy / std::sqrt(sxx * syy);
}

/// Controls on every tenth item that has gold (items 0, 10, 20, ... in load order).
inline std::vector<int32_t> everyTenthGold(const Dataset& d, std::vector<char>& isControl)
{
    std::vector<int32_t> controls(d.gold.size(), -1);
    isControl.assign(d.gold.size(), 0);
    for (size_t i = 0; i < d.gold.size(); i += 10)
        if (d.gold[i] >= 0) {
            controls[i] = d.gold[i];
            isControl[i] = 1;
        }
    return controls;
}

/// An input on matrix `m` with `params` and `seed`, no controls and no weights.
inline agg::AggregationInput inputOn(const agg::LabelMatrix& m, std::map<std::string, double> params = {},
                                     uint64_t seed = 0)
{
    agg::AggregationInput in;
    in.matrix = &m;
    in.params = std::move(params);
    in.seed = seed;
    return in;
}

using MethodFn = std::function<agg::AggregationResult(const agg::AggregationInput&)>;
/// A method's entry point in methods.h (agg::dawidSkene, agg::wawa, ...).
using MethodEntry = agg::AggregationResult (*)(const agg::AggregationInput&, const agg::RunHooks&);

/// The entry point run without hooks, as a MethodFn.
inline MethodFn withoutHooks(MethodEntry method)
{
    return [method](const agg::AggregationInput& in) { return method(in, {}); };
}

/// One method's run on the current reference row, scored against gold and the reference.
struct ReferenceRun
{
    ReferenceCase c;
    agg::AggregationResult r;
    double accuracy = 0;     ///< against gold; a missing label counts as wrong
    double refAccuracy = 0;  ///< the reference's accuracy against gold
    double agreement = 0;    ///< share of the reference's labels we give too

    /// Largest |our competence - the reference's skill| over the reference's annotators.
    double largestSkillDifference() const
    {
        double worst = 0;
        for (const auto& [ann, skill] : c.ref["skills"].items())
            worst = std::max(worst, std::abs(r.competence[c.data.annotatorIndex.at(ann)] - skill.get<double>()));
        return worst;
    }
};

/// The check every method test makes on the reference rows: runs `run` (given the loaded case,
/// so that it can read the reference's parameters) on the current row, prints accuracy,
/// reference accuracy, label agreement and iterations, and requires the accuracy to be within
/// 1 point of the reference's or better and the share of the reference's labels we give too to
/// be at least minAgreement. Nothing when the row was skipped or a check failed.
inline std::optional<ReferenceRun> runReferenceRow(
    const std::string& crowdMethod, const std::string& llmMethod, const char* name,
    const std::function<agg::AggregationResult(const ReferenceCase&)>& run, double minAgreement = 0)
{
    auto c = fetchReferenceCase(crowdMethod, llmMethod);
    if (!c)
        return std::nullopt;
    ReferenceRun out{std::move(*c), {}};
    out.r = run(out.c);
    out.accuracy = goldAccuracy(out.c.data, out.r.labels);
    out.refAccuracy = out.c.ref["accuracy"].get<double>();
    out.agreement = referenceAgreement(out.c.data, out.r.labels, out.c.ref["labels"]);
    QFETCH(QString, dataset);
    qInfo("%s: %s accuracy %.4f (reference %.4f), label agreement %.4f, %d iterations", qPrintable(dataset), name,
          out.accuracy, out.refAccuracy, out.agreement, out.r.iterations);
    if (!(out.accuracy >= out.refAccuracy - 0.01)) {
        QTest::qFail("accuracy more than 1 point below the reference's", __FILE__, __LINE__);
        return std::nullopt;
    }
    if (!(out.agreement >= minAgreement)) {
        QTest::qFail(qPrintable(QStringLiteral("label agreement below %1").arg(minAgreement)), __FILE__, __LINE__);
        return std::nullopt;
    }
    return out;
}

/// runReferenceRow() of a method with its default parameters on the row's matrix.
inline std::optional<ReferenceRun> runReferenceRow(const std::string& crowdMethod, const std::string& llmMethod,
                                                   const char* name, MethodEntry method, double minAgreement = 0)
{
    return runReferenceRow(
        crowdMethod, llmMethod, name, [method](const ReferenceCase& c) { return method(inputOn(c.data.matrix), {}); },
        minAgreement);
}

/// Controls (issue: known truth clamped by EM methods) on one reference dataset row: every
/// tenth gold item clamped; the clamped items must keep their gold label, accuracy on the other
/// 90% is printed, and on implicit_hate (the largest headroom) it must rise.
inline void checkControlsOnDataset(const QString& dataset, const std::string& crowdMethod,
                                   const std::string& llmMethod, const MethodFn& run, const char* name)
{
    const auto c = loadReferenceCase(dataset.toStdString(), crowdMethod, llmMethod);
    std::vector<char> isControl;
    const std::vector<int32_t> controls = everyTenthGold(c.data, isControl);
    agg::AggregationInput in;
    in.matrix = &c.data.matrix;
    const double before = goldAccuracy(c.data, run(in).labels, &isControl);
    in.controls = controls;
    const auto r = run(in);
    const double after = goldAccuracy(c.data, r.labels, &isControl);
    qInfo("%s: %s accuracy on the 90%% without controls %.4f -> %.4f with 10%% controls", qPrintable(dataset), name,
          before, after);
    for (size_t i = 0; i < isControl.size(); ++i)
        if (isControl[i])
            QCOMPARE(r.labels[i], c.data.gold[i]);
    if (dataset == "llm/implicit_hate")
        QVERIFY(after > before);
}

/// checkControlsOnDataset() on the current row of a data-driven test (column "dataset", as
/// addReferenceRows makes it); skipped without ../shared.
inline void checkControlsOnCurrentRow(const std::string& crowdMethod, const std::string& llmMethod,
                                      MethodEntry method, const char* name)
{
    QFETCH(QString, dataset);
    if (skippedWithoutShared())
        return;
    checkControlsOnDataset(dataset, crowdMethod, llmMethod, withoutHooks(method), name);
}

/// Controls on average over the LLM tasks: mean accuracy on the 90% without controls must rise.
/// Skipped without ../shared.
inline void checkControlsOnAverage(const MethodFn& run, const char* name)
{
    if (skippedWithoutShared())
        return;
    double before = 0, after = 0;
    for (const auto& task : kLlmTasks) {
        const auto d = loadLlmTask(task);
        std::vector<char> isControl;
        agg::AggregationInput in;
        in.matrix = &d.matrix;
        in.controls = everyTenthGold(d, isControl);
        after += goldAccuracy(d, run(in).labels, &isControl);
        in.controls.clear();
        before += goldAccuracy(d, run(in).labels, &isControl);
    }
    const double n = static_cast<double>(kLlmTasks.size());
    qInfo("mean %s accuracy over %d LLM tasks (90%% without controls): %.4f -> %.4f", name, static_cast<int>(n),
          before / n, after / n);
    QVERIFY(after > before);
}

/// Accuracy of labels against a synthetic truth.
/// Two annotators who contradict each other on all 20 items (a0 says i % 2, a1 the opposite)
/// cannot be told apart from the labels alone. Controls on items 0-3 that agree with a0 must make
/// the method follow a0 on every item and keep the controls' labels with posterior 1; the same
/// controls flipped must make it follow a1 on items 4-19. Returns the first run (a0 trusted) for
/// the caller's checks of its competences.
inline agg::AggregationResult checkControlsTeachWhoToTrust(const std::string& method)
{
    std::vector<agg::Annotation> anns;
    for (int32_t i = 0; i < 20; ++i) {
        anns.push_back({i, 0, i % 2});
        anns.push_back({i, 1, 1 - i % 2});
    }
    const auto m = agg::LabelMatrix::build(20, 2, 2, anns);
    agg::AggregationInput in;
    in.matrix = &m;
    in.controls.assign(20, -1);
    for (int32_t i : {0, 1, 2, 3})
        in.controls[i] = i % 2;
    auto r = agg::aggregate(method, in);
    for (int32_t i = 0; i < 20; ++i)
        if (r.labels[i] != i % 2)
            QTest::qFail(qPrintable(QStringLiteral("%1: item %2 does not follow a0").arg(QString::fromStdString(method)).arg(i)),
                         __FILE__, __LINE__);
    for (int32_t i : {0, 1, 2, 3})
        if (r.posteriorAt(i, i % 2) != 1.0)
            QTest::qFail(qPrintable(QStringLiteral("%1: control %2 lost its label").arg(QString::fromStdString(method)).arg(i)),
                         __FILE__, __LINE__);
    for (int32_t i : {0, 1, 2, 3})
        in.controls[i] = 1 - i % 2;
    const auto flipped = agg::aggregate(method, in);
    for (int32_t i = 4; i < 20; ++i)
        if (flipped.labels[i] != 1 - i % 2)
            QTest::qFail(qPrintable(QStringLiteral("%1: with flipped controls item %2 does not follow a1")
                                        .arg(QString::fromStdString(method))
                                        .arg(i)),
                         __FILE__, __LINE__);
    return r;
}

inline double truthAccuracy(const std::vector<int32_t>& labels, const std::vector<int32_t>& truth)
{
    int64_t correct = 0;
    for (size_t i = 0; i < labels.size(); ++i)
        correct += labels[i] == truth[i];
    return static_cast<double>(correct) / static_cast<double>(labels.size());
}

/// A method's run on a synthetic world, scored against the world's truth.
struct WorldRun
{
    agg::AggregationResult r;
    double accuracy = 0;    ///< labels against the truth
    double accuracyMv = 0;  ///< majority vote's, for comparison
    double rho = 0;         ///< Spearman(competence, true annotator accuracy)
};

/// Runs `run` and majority vote on w and prints the scores.
inline WorldRun runOnWorld(const MethodFn& run, const agg::SyntheticWorld& w, const char* name)
{
    const agg::AggregationInput in = inputOn(w.matrix);
    WorldRun out{run(in)};
    out.accuracy = truthAccuracy(out.r.labels, w.truth);
    out.accuracyMv = truthAccuracy(agg::majorityVote(in).labels, w.truth);
    out.rho = spearman(out.r.competence, w.accuracy);
    qInfo("synthetic: %s accuracy %.4f, mv %.4f, Spearman(competence, true accuracy) %.4f, %d iterations", name,
          out.accuracy, out.accuracyMv, out.rho, out.r.iterations);
    return out;
}

/// The synthetic world of the recovery tests: 4,000 items, 40 annotators (good, mediocre and
/// spamming, accuracies drawn by generateDawidSkene), 4 labels, 5 labels per item, seed 7.
inline agg::SyntheticWorld recoveryWorld()
{
    return agg::generateDawidSkene(
        {.numItems = 4000, .numAnnotators = 40, .numLabels = 4, .labelsPerItem = 5, .seed = 7});
}

/// Recovery on a synthetic world whose truth is known: method beats majority vote, its
/// competences order the annotators like their true accuracies (Spearman above minRho), and it
/// converges.
inline void checkSyntheticRecovery(const std::string& method, const agg::SyntheticWorld& w, double minRho = 0.8)
{
    const auto run =
        runOnWorld([&](const agg::AggregationInput& in) { return agg::aggregate(method, in); }, w, method.c_str());
    QVERIFY(run.accuracy > run.accuracyMv);
    QVERIFY(run.rho > minRho);
    QVERIFY(run.r.converged);
}

/// A run of `method` on `in` canceled from the third poll on throws Canceled; a run with a
/// progress hook reports at least `minReports` times (or, with minReports 0, at least once per
/// iteration of the run), never backwards, ending at done == total. Returns the completed run.
inline agg::AggregationResult checkCancelAndProgress(const std::string& method, const agg::AggregationInput& in,
                                                     size_t minReports)
{
    int polls = 0;
    agg::RunHooks cancel;
    cancel.isCanceled = [&] { return ++polls >= 3; };
    bool threw = false;
    try {
        agg::aggregate(method, in, cancel);
    } catch (const agg::Canceled&) {
        threw = true;
    }
    if (!threw || polls < 3)
        qFatal("%s: a cancel did not stop the run (polls %d)", method.c_str(), polls);
    std::vector<std::pair<int, int>> reports;
    agg::RunHooks progress;
    progress.progress = [&](int done, int total) { reports.emplace_back(done, total); };
    agg::AggregationResult r = agg::aggregate(method, in, progress);
    if (minReports == 0)
        minReports = static_cast<size_t>(r.iterations);
    const bool ok = reports.size() >= minReports && !reports.empty() && reports.back().first == reports.back().second
                    && std::is_sorted(reports.begin(), reports.end(),
                                      [](const auto& a, const auto& b) { return a.first < b.first; });
    if (!ok)
        qFatal("%s: %zu progress reports, not monotone to done == total", method.c_str(), reports.size());
    return r;
}

/// On a seeded Dawid-Skene world (1,000 items, 30 annotators, 3 labels) the method's objective
/// trace (one value per iteration) never decreases by more than rounding.
inline void checkObjectiveNeverDecreases(const std::string& method, const std::map<std::string, double>& params)
{
    const auto w = agg::generateDawidSkene({.numItems = 1000, .numAnnotators = 30, .numLabels = 3, .seed = 11});
    const auto r = agg::aggregate(method, inputOn(w.matrix, params));
    QCOMPARE(r.logLikelihood.size(), size_t(r.iterations));
    for (size_t k = 1; k < r.logLikelihood.size(); ++k)
        QVERIFY2(r.logLikelihood[k] >= r.logLikelihood[k - 1] - 1e-12, QByteArray::number(int(k)));
}

/// `method` refuses parameter `key` = `value` (unknown, or out of its range) with invalid_argument.
inline void checkParameterRejected(const std::string& method, const std::string& key, double value)
{
    const auto m = agg::LabelMatrix::build(1, 1, 2, {{0, 0, 1}});
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, agg::aggregate(method, inputOn(m, {{key, value}})));
}

/// A parameter the method does not have is refused, not ignored.
inline void checkUnknownParameterRejected(const std::string& method) { checkParameterRejected(method, "tolerance", 1e-3); }

} // namespace chorus::test
