#pragma once
// The sources of label distributions that divergence compares, read the same way by
// `chorus-cli divergence --p/--q` and by the Insights dashboard's Divergence tab (issue #18:
// the same sources, the same numbers).
//
// A source is named by a spec:
//   human          the items' human judgment counts, normalised (c_j / sum c)
//   consensus      the consensus shown in the review window (the latest saved run, or majority
//                  vote when the project has none)
//   annotator:NAME an annotator's reported probabilities (or scores, with ScoreReading)
//   votes          the share of each label among all annotators' votes on the item
//   votes:A,B      the same among the named annotators only
//   run:ID         saved run ID's posterior; run:latest the newest run
//   method:M       method M's posterior, computed now on the snapshot (with the context's seed)

#include "errors.h"
#include "runstore.h"
#include "snapshot.h"

#include "divergence.h"

#include <functional>

namespace chorus::model {

/// A malformed spec (unknown kind, run:ID without a number): the caller's mistake, as opposed
/// to a well-formed source the data cannot provide (plain Error).
class SourceSpecError : public Error
{
public:
    using Error::Error;
};

/// How annotator rows are read: as probabilities (default), or as raw scores turned into
/// distributions (chorus-cli divergence --softmax TAU / --pnorm).
struct ScoreReading
{
    bool transform = false;
    agg::ScoreTransform kind = agg::ScoreTransform::Normalize;
    double temperature = 1;
};

/// What a source may need beyond the snapshot. Each loader is called only by the specs that need
/// it; a missing loader makes those specs throw Error.
struct DivergenceSourceContext
{
    std::function<ProbabilityTable(int32_t annotator)> probabilities;  ///< annotator:NAME
    std::function<RunData(qint64 runId)> run;                           ///< run:ID, 0 = latest
    std::function<RunData()> consensus;                                 ///< consensus
    ScoreReading scores;
    uint64_t seed = 0;     ///< method:M
    agg::RunHooks hooks;   ///< method:M (cancel, progress)
};

/// The distributions of spec over s's items and labels; items the source has nothing for are
/// absent. Throws SourceSpecError for a malformed spec, Error when the data lacks the source
/// (no human counts, unknown annotator, an annotator without probabilities, no such run).
agg::Distributions divergenceSource(const QString& spec, const Snapshot& s, const DivergenceSourceContext& ctx);

/// The annotator names of a votes:A,B spec (empty for plain "votes" or another kind).
QStringList votesAnnotators(const QString& spec);

/// The votes:A,B spec of these annotators (names may hold any character but a comma).
QString votesSpec(const QStringList& annotators);

} // namespace chorus::model
