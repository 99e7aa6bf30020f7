// The method registry: names, parameter tables and dispatch.

#include "emcommon.h"
#include "methods.h"

#include <stdexcept>

namespace chorus::agg {

namespace {

using Fn = AggregationResult (*)(const AggregationInput&, const RunHooks&);

struct Method
{
    const char* name;
    Fn run;
    std::vector<MethodParam> params;
};

const MethodParam kThreads{"threads", 0, "worker threads, 0 = min(2, hardware threads)"};
const MethodParam kTol{"tol", 1e-5, "stop when the log-likelihood gain per label is below this"};
const MethodParam kMaxIter{"max_iter", 100, "maximum number of EM iterations"};
const MethodParam kObjective{"objective", 0,
                             "stopping objective: 0 = crowd-kit's ELBO, 1 = marginal log-likelihood"};

const std::vector<Method>& methods()
{
    static const std::vector<Method> table{
        {"mv", &majorityVote, {}},
        {"wmv", &weightedMajorityVote, {}},
        {"wawa", &wawa, {}},
        {"zbs",
         &zeroBasedSkill,
         {{"n_iter", 100, "rounds of weighted vote + skill update"},
          {"lr_init", 1.0, "initial learning rate"},
          {"lr_steps_to_reduce", 20, "apply lr_reduce_factor every this many rounds"},
          {"lr_reduce_factor", 0.5, "factor applied to the learning rate"},
          {"eps", 1e-5, "added to the initial skill 1/|labels|"}}},
        {"ds", &dawidSkene, {kTol, kMaxIter, kObjective, kThreads}},
        {"onecoin", &oneCoinDawidSkene, {kTol, kMaxIter, kObjective, kThreads}},
        {"zc",
         &zenCrowd,
         {kTol,
          kMaxIter,
          {"init", 0.8, "initial reliability of every annotator"},
          {"objective", 1, "stopping objective: 0 = crowd-kit's ELBO, 1 = marginal log-likelihood"},
          kThreads}},
        {"glad",
         &glad,
         {kTol,
          kMaxIter,
          {"alpha_prior_mean", 1.0, "mean of the N(mean,1) prior on abilities alpha"},
          {"beta_prior_mean", 1.0, "mean of the N(mean,1) prior on b = log(beta)"},
          {"m_step_iter", 5, "Newton steps per M-step"},
          kThreads}},
        {"mace",
         &mace,
         {{"restarts", 10, "random restarts; the best log-likelihood wins"},
          {"iterations", 50, "EM/VB iterations per restart"},
          {"em", 0, "1 = plain EM with smoothing, 0 = variational Bayes"},
          {"alpha", 0.5, "Beta prior pseudo-count of spamming (VB)"},
          {"beta", 0.5, "Beta prior pseudo-count of knowing (VB)"},
          {"strategy_prior", 10.0, "symmetric Dirichlet prior on spamming strategies (VB)"},
          {"smoothing", -1, "added to fractional counts in EM; -1 = 0.01/numLabels"},
          {"noise", 0.5, "random initialisation noise"},
          {"threshold", 1.0, "fraction of items (most certain first) that keep a label"},
          kThreads}},
        {"kos", &kos, {{"n_iter", 100, "message-passing iterations"}}},
        {"mmsr",
         &mmsr,
         {{"n_iter", 10000, "maximum M-MSR iterations"},
          {"tol", 1e-10, "stop when the rank-one estimate moves less than this (Frobenius)"}}},
        {"crh",
         &crh,
         {{"max_iter", 100, "maximum number of weight/truth rounds (stops early when no label changes)"},
          {"smoothing", 1.0, "pseudo-answers at chance-level loss added to every annotator's loss"}}},
        {"bwa",
         &bwa,
         {{"a_v", 15, "shape of the Gamma prior on annotator precisions"},
          {"lambda", 1, "prior strength of the class proportions on each item's truth"},
          {"tol", 1e-6, "stop when no posterior entry moves more than this"},
          {"max_iter", 500, "maximum number of update rounds"}}},
        {"bcc",
         &bcc,
         {{"alpha", 1, "symmetric Dirichlet prior on the class proportions"},
          {"empirical_prior", 0, "1 = class-proportion prior from the MV vote shares (at least alpha)"},
          {"a_v", 4, "Dirichlet prior on each confusion row: diagonal (correct label)"},
          {"b_v", 1, "Dirichlet prior on each confusion row: off the diagonal"},
          {"tol", 1e-3, "stop when no item's class posterior moves more than this"},
          {"max_iter", 500, "maximum number of VB iterations"},
          kThreads}},
        {"ebcc",
         &ebcc,
         {{"subtypes", 10, "latent subtypes M per class"},
          {"a_pi", 0.1, "total Dirichlet prior mass on a class's subtype proportions"},
          {"alpha", 1, "symmetric Dirichlet prior on the class proportions"},
          {"empirical_prior", 1, "1 = class-proportion prior from the MV vote shares (at least alpha)"},
          {"a_v", 4, "Dirichlet prior on each confusion row: diagonal (correct label)"},
          {"b_v", 1, "Dirichlet prior on each confusion row: off the diagonal"},
          {"tol", 1e-3, "stop when no item's class posterior moves more than this"},
          {"max_iter", 500, "maximum number of VB iterations per start"},
          {"restarts", 1, "random starts from in.seed; the highest ELBO wins"},
          kThreads}},
    };
    return table;
}

const Method& find(const std::string& name)
{
    for (const Method& m : methods())
        if (name == m.name)
            return m;
    std::string known;
    for (const Method& m : methods())
        known += (known.empty() ? "" : ", ") + std::string(m.name);
    throw std::invalid_argument("unknown aggregation method '" + name + "' (known: " + known + ")");
}

} // namespace

AggregationResult aggregate(const std::string& method, const AggregationInput& in,
                            const RunHooks& hooks)
{
    const Method& m = find(method);
    detail::checkInput(in, method);
    // Methods with parameters validate them themselves; for mv/wmv/wawa any key is unknown.
    detail::Params(method, in.params);
    return m.run(in, hooks);
}

std::vector<std::string> methodNames()
{
    std::vector<std::string> names;
    for (const Method& m : methods())
        names.emplace_back(m.name);
    return names;
}

std::vector<MethodParam> methodParams(const std::string& method)
{
    return find(method).params;
}

std::vector<double> itemEntropies(const AggregationResult& r)
{
    const size_t n = r.numLabels > 0 ? r.posterior.size() / r.numLabels : 0;
    std::vector<double> h(n);
    for (size_t i = 0; i < n; ++i)
        h[i] = entropy(r.posterior.data() + i * r.numLabels, r.numLabels);
    return h;
}

} // namespace chorus::agg
