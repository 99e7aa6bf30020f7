#pragma once
// Test-only loaders for the real datasets in ../shared/data and the reference outputs in
// ../shared/reference. Plain C++ so aggregation tests do not depend on model/.

#include "labelmatrix.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace chorus::test {

/// A crowd dataset loaded from <dir>/answers.csv (item,annotator,label) and gold.csv.
/// Labels are indexed in lexicographic order of their strings (crowd-kit's tie order).
/// Items are indexed in order of first appearance in answers.csv.
struct Dataset
{
    agg::LabelMatrix matrix;
    std::vector<std::string> items;
    std::vector<std::string> annotators;
    std::vector<std::string> labels;
    std::vector<int32_t> gold;  ///< per item, -1 when unknown
    std::map<std::string, int32_t> itemIndex, annotatorIndex, labelIndex;
};

std::string sharedDir();                     ///< absolute path of ../shared
bool sharedAvailable();                      ///< ../shared/data exists
Dataset loadCrowd(const std::string& name);  ///< e.g. "rte" -> shared/data/rte
/// LLM task from shared/data/llm/<task>/items.jsonl; INVALID -> kInvalidLabel. Labels are the
/// sorted set of gold and valid model labels.
Dataset loadLlmTask(const std::string& task);
nlohmann::json loadJson(const std::string& path);  ///< throws std::runtime_error naming path

} // namespace chorus::test
