#pragma once
// The shared datasets as Qt Test data rows (../shared/data; loaded by datasets.h), and the
// current row's dataset with its reference outputs (../shared/reference).

#include "datasets.h"

#include <QtTest>

#include <source_location>
#include <string>
#include <vector>

namespace chorus::test {

inline const std::vector<std::string> kCrowdDatasets{"rte", "temp", "bluebirds", "dog", "weather"};
inline const std::vector<std::string> kLlmTasks{
    "conv_go_awry", "discourse",      "emotion",    "flute",          "ibc",
    "implicit_hate", "media_ideology", "persuasion", "semeval_stance", "wiki_politeness"};

/// Adds a QString column "dataset" and one data row per crowd dataset and, when withLlm, per
/// LLM task ("llm/<task>").
inline void addReferenceRows(bool withLlm)
{
    QTest::addColumn<QString>("dataset");
    for (const auto& d : kCrowdDatasets)
        QTest::newRow(d.c_str()) << QString::fromStdString(d);
    if (withLlm)
        for (const auto& t : kLlmTasks)
            QTest::newRow(("llm/" + t).c_str()) << QString::fromStdString("llm/" + t);
}

/// Adds a QString column "dataset" and one data row per LLM task, named after the task, with
/// the value "llm/<task>".
inline void addLlmTaskRows()
{
    QTest::addColumn<QString>("dataset");
    for (const auto& t : kLlmTasks)
        QTest::newRow(t.c_str()) << QString::fromStdString("llm/" + t);
}

/// One dataset with reference outputs for it.
struct ReferenceCase
{
    Dataset data;
    nlohmann::json ref;  ///< the reference file, or (loadReferenceCase) one method's block of it
};

/// A dataset by row value ("rte": crowd dataset, "llm/emotion": LLM task) with its whole
/// reference file.
inline ReferenceCase loadReferenceFile(const std::string& row)
{
    ReferenceCase c;
    const bool llm = row.rfind("llm/", 0) == 0;
    c.data = llm ? loadLlmTask(row.substr(4)) : loadCrowd(row);
    c.ref = loadJson(sharedDir() + "/reference/" + row + ".json");
    return c;
}

/// Without ../shared/data: marks the running test skipped (at the caller's line) and returns
/// true, and the caller returns. In a test function, SKIP_WITHOUT_SHARED() does both.
inline bool skippedWithoutShared(std::source_location at = std::source_location::current())
{
    if (sharedAvailable())
        return false;
    QTest::qSkip("../shared/data not present", at.file_name(), static_cast<int>(at.line()));
    return true;
}

} // namespace chorus::test

/// In a test function: skips it unless ../shared/data is beside the checkout.
#define SKIP_WITHOUT_SHARED()                           \
    do {                                                \
        if (chorus::test::skippedWithoutShared())       \
            return;                                     \
    } while (false)

/// In a test function on column "dataset" (addReferenceRows, addLlmTaskRows): declares d, the
/// row's dataset, and ref, its whole reference file (and dataset, the row's name, as QFETCH
/// does); skips the test without ../shared.
#define FETCH_REFERENCE(d, ref)                                                                          \
    SKIP_WITHOUT_SHARED();                                                                               \
    QFETCH(QString, dataset);                                                                            \
    const chorus::test::ReferenceCase d##_case = chorus::test::loadReferenceFile(dataset.toStdString()); \
    const auto& [d, ref] = d##_case
