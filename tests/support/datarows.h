#pragma once
// The shared datasets as Qt Test data rows (../shared/data; loaded by datasets.h).

#include <QtTest>

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

} // namespace chorus::test
