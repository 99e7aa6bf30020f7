#pragma once
// Test-only loaders for the real datasets in ../shared/data and the reference outputs in
// ../shared/reference. Plain C++ so aggregation tests do not depend on model/; header-only like
// the rest of tests/support.

#include "labelmatrix.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
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

/// Absolute path of ../shared.
inline std::string sharedDir()
{
    return CHORUS_SHARED_DIR;
}

/// Whether ../shared/data exists.
inline bool sharedAvailable()
{
    return std::filesystem::exists(sharedDir() + "/data");
}

/// The JSON file at path; throws std::runtime_error naming path.
inline nlohmann::json loadJson(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error("cannot open " + path);
    return nlohmann::json::parse(in);
}

namespace detail {

inline std::vector<std::string> splitCsv(const std::string& line)
{
    std::vector<std::string> out;
    std::string cur;
    for (char c : line) {
        if (c == ',') {
            out.push_back(cur);
            cur.clear();
        } else if (c != '\r') {
            cur += c;
        }
    }
    out.push_back(cur);
    return out;
}

struct Triple
{
    std::string item, annotator, label;
};

inline Dataset assemble(const std::vector<Triple>& triples, const std::map<std::string, std::string>& gold)
{
    Dataset d;
    std::set<std::string> labelSet;
    for (const auto& t : triples)
        if (t.label != "INVALID")
            labelSet.insert(t.label);
    for (const auto& [item, label] : gold)
        labelSet.insert(label);
    d.labels.assign(labelSet.begin(), labelSet.end());
    for (size_t i = 0; i < d.labels.size(); ++i)
        d.labelIndex[d.labels[i]] = static_cast<int32_t>(i);
    std::vector<agg::Annotation> anns;
    anns.reserve(triples.size());
    for (const auto& t : triples) {
        auto [it, newItem] = d.itemIndex.try_emplace(t.item, static_cast<int32_t>(d.items.size()));
        if (newItem)
            d.items.push_back(t.item);
        auto [at, newAnn] = d.annotatorIndex.try_emplace(t.annotator,
                                                         static_cast<int32_t>(d.annotators.size()));
        if (newAnn)
            d.annotators.push_back(t.annotator);
        const int32_t label = t.label == "INVALID" ? agg::kInvalidLabel : d.labelIndex.at(t.label);
        anns.push_back({it->second, at->second, label});
    }
    d.gold.assign(d.items.size(), -1);
    for (const auto& [item, label] : gold) {
        auto it = d.itemIndex.find(item);
        if (it != d.itemIndex.end())
            d.gold[it->second] = d.labelIndex.at(label);
    }
    d.matrix = agg::LabelMatrix::build(static_cast<int32_t>(d.items.size()),
                                       static_cast<int32_t>(d.annotators.size()),
                                       static_cast<int32_t>(d.labels.size()), std::move(anns));
    return d;
}

} // namespace detail

/// A crowd dataset: "rte" -> shared/data/rte.
inline Dataset loadCrowd(const std::string& name)
{
    const std::string dir = sharedDir() + "/data/" + name;
    std::ifstream in(dir + "/answers.csv");
    if (!in)
        throw std::runtime_error("cannot open " + dir + "/answers.csv");
    std::string line;
    std::getline(in, line);  // header
    std::vector<detail::Triple> triples;
    while (std::getline(in, line)) {
        if (line.empty())
            continue;
        auto f = detail::splitCsv(line);
        if (f.size() != 3)
            throw std::runtime_error("bad line in answers.csv: " + line);
        triples.push_back({f[0], f[1], f[2]});
    }
    std::map<std::string, std::string> gold;
    std::ifstream g(dir + "/gold.csv");
    if (g) {
        std::getline(g, line);
        while (std::getline(g, line)) {
            if (line.empty())
                continue;
            auto f = detail::splitCsv(line);
            if (f.size() == 2)
                gold[f[0]] = f[1];
        }
    }
    return detail::assemble(triples, gold);
}

/// LLM task from shared/data/llm/<task>/items.jsonl; INVALID -> kInvalidLabel. Labels are the
/// sorted set of gold and valid model labels.
inline Dataset loadLlmTask(const std::string& task)
{
    const std::string path = sharedDir() + "/data/llm/" + task + "/items.jsonl";
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error("cannot open " + path);
    std::string line;
    std::vector<detail::Triple> triples;
    std::map<std::string, std::string> gold;
    while (std::getline(in, line)) {
        if (line.empty())
            continue;
        const auto j = nlohmann::json::parse(line);
        const std::string id = j.at("id").get<std::string>();
        for (const auto& [model, label] : j.at("labels").items())
            if (label.is_string())
                triples.push_back({id, model, label.get<std::string>()});
        if (j.contains("gold") && j["gold"].is_string())
            gold[id] = j["gold"].get<std::string>();
    }
    return detail::assemble(triples, gold);
}

} // namespace chorus::test
