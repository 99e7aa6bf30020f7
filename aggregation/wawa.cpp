// Weighted-vote methods built on majority vote: Wawa and Zero-Based Skill (crowd-kit
// semantics; see docs/methods.md).

#include "agreementrates.h"
#include "emcommon.h"
#include "methods.h"

#include <cmath>
#include <limits>

namespace chorus::agg {

namespace {

using detail::agreementRates;

/// Weights for weightedMajorityVote: NaN (no valid labels) counts 0, it never matters.
std::vector<double> asWeights(const std::vector<double>& skills)
{
    std::vector<double> w(skills);
    for (double& x : w)
        if (std::isnan(x))
            x = 0;
    return w;
}

RunHooks cancelOnly(const RunHooks& hooks)
{
    return RunHooks{hooks.isCanceled, {}};
}

} // namespace

AggregationResult wawa(const AggregationInput& in, const RunHooks& hooks)
{
    detail::checkInput(in, "wawa");
    detail::Params("wawa", in.params);
    AggregationInput step = in;
    step.weights.clear();
    step.params.clear();
    const AggregationResult mv = majorityVote(step, cancelOnly(hooks));
    hooks.report(1, 2);
    const std::vector<double> skills = agreementRates(*in.matrix, mv.labels);
    step.weights = asWeights(skills);
    AggregationResult r = weightedMajorityVote(step, cancelOnly(hooks));
    r.competence = skills;
    r.iterations = 2;
    hooks.report(2, 2);
    return r;
}

AggregationResult zeroBasedSkill(const AggregationInput& in, const RunHooks& hooks)
{
    detail::checkInput(in, "zbs");
    const detail::Params p("zbs", in.params);
    const int nIter = p.getInt("n_iter", 0, 1000000);
    double lr = p.get("lr_init", 0, 1e6);
    const int stepsToReduce = p.getInt("lr_steps_to_reduce", 1, 1000000);
    const double reduce = p.get("lr_reduce_factor", 0, 1e6);
    const double eps = p.get("eps", 0, 1);
    const LabelMatrix& m = *in.matrix;

    // Initial skill 1/|distinct labels used| + eps, as crowd-kit.
    std::vector<char> used(m.numLabels(), 0);
    for (int32_t l : m.itemLabels())
        if (l >= 0)
            used[l] = 1;
    int32_t distinct = 0;
    for (char u : used)
        distinct += u;
    std::vector<double> skills(m.numAnnotators(), distinct > 0 ? 1.0 / distinct + eps : eps);

    AggregationInput step = in;
    step.params.clear();
    const RunHooks inner = cancelOnly(hooks);
    for (int it = 1; it <= nIter; ++it) {
        if (hooks.canceled())
            throw Canceled{};
        if (it % stepsToReduce == 0)
            lr *= reduce;
        step.weights = skills;
        const AggregationResult vote = weightedMajorityVote(step, inner);
        const std::vector<double> acc = agreementRates(m, vote.labels);
        for (int32_t a = 0; a < m.numAnnotators(); ++a)
            if (!std::isnan(acc[a]))
                skills[a] += lr * (acc[a] - skills[a]);
        hooks.report(it, nIter);
    }
    // Annotators without a valid label never get a skill.
    const std::vector<double> anyLabel = agreementRates(m, std::vector<int32_t>(m.numItems(), 0));
    for (int32_t a = 0; a < m.numAnnotators(); ++a)
        if (std::isnan(anyLabel[a]))
            skills[a] = std::numeric_limits<double>::quiet_NaN();
    step.weights = asWeights(skills);
    AggregationResult r = weightedMajorityVote(step, inner);
    r.competence = skills;
    r.iterations = nIter;
    return r;
}

} // namespace chorus::agg
