#pragma once
// The shared datasets as Qt Test data rows (../shared/data; loaded by datasets.h), and the
// current row's dataset with its reference outputs (../shared/reference).

#include "datasets.h"

#include <QtTest>

#include <optional>
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

/// The current row of a data-driven test on column "dataset" (addReferenceRows,
/// addLlmTaskRows) with its whole reference file; nothing, and the test is skipped, without
/// ../shared.
inline std::optional<ReferenceCase> fetchReferenceFile()
{
    if (!sharedAvailable()) {
        QTest::qSkip("../shared not available", __FILE__, __LINE__);
        return std::nullopt;
    }
    QFETCH(QString, dataset);
    return loadReferenceFile(dataset.toStdString());
}

} // namespace chorus::test
