#pragma once
// Reading pairwise judgments (CSV with a header, or JSONL with the same keys) into
// agg::PairwiseData. Format and conventions: docs/pairwise.md.

#include "pairwise.h"

#include <QString>

#include <array>

class QIODevice;

namespace chorus::model {

/// Maps a Likert score 1..8 to an outcome. Default: 1-3 = model_a better, 4-5 = tie,
/// 6-8 = model_b better.
struct LikertMapping
{
    /// outcome[s] for score s in 1..8 (index 0 unused); -1 = the score is not allowed.
    std::array<int8_t, 9> outcome{-1, 0, 0, 0, 2, 2, 1, 1, 1};

    /// Parses "1-3=a,4-5=tie,6-8=b" (ranges or single scores; a, b, tie or model_a, model_b).
    /// Scores not mentioned become invalid. Throws Error on a malformed spec.
    static LikertMapping parse(const QString& spec);
};

struct PairwiseImportOptions
{
    LikertMapping likert;
};

/// Reads a pairwise file. CSV needs a header naming at least model_a, model_b and winner;
/// judge, category, item, judge_kind (human|llm), first_shown (model_a|model_b|a|b or the model
/// name; empty = unknown), len_a and len_b (numbers; empty = unknown) are optional. A file whose
/// name ends in .jsonl/.ndjson/.json, or whose first non-blank byte is '{', is read as JSONL: one
/// object per line with the same keys (numbers or strings). winner is model_a|a, model_b|b,
/// tie (also LMSYS's "tie (bothbad)"), or a Likert score mapped by options.likert. Without
/// judge_kind a judge whose name contains "human" is a human, any other an LLM. Rows keep the
/// file's order. Throws Error "file:line: problem" on the first bad row.
agg::PairwiseData readPairwiseFile(const QString& path, const PairwiseImportOptions& options = {});

/// As readPairwiseFile on an open device; `name` is used in error messages.
agg::PairwiseData readPairwise(QIODevice* device, const QString& name, bool jsonl,
                               const PairwiseImportOptions& options = {});

} // namespace chorus::model
