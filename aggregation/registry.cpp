// The method registry: names, parameter tables and dispatch.

#include "emcommon.h"
#include "methods.h"

#include <algorithm>
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

namespace {

TiePolicy takeTiePolicy(std::map<std::string, double>& params, const std::string& method)
{
    const auto it = params.find("ties");
    if (it == params.end())
        return TiePolicy::First;
    const double v = it->second;
    params.erase(it);
    if (v == 0)
        return TiePolicy::First;
    if (v == 1)
        return TiePolicy::Random;
    if (v == 2)
        return TiePolicy::Unresolved;
    throw std::invalid_argument(method + ": parameter 'ties' must be 0 (first), 1 (random) or 2 (unresolved)");
}

// Indices sorted by (key, index).
template<typename KeyOf>
std::vector<int32_t> keyOrder(int32_t n, KeyOf key)
{
    std::vector<std::pair<uint64_t, int32_t>> k(static_cast<size_t>(n));
    for (int32_t i = 0; i < n; ++i)
        k[i] = {key(i), i};
    std::sort(k.begin(), k.end());
    std::vector<int32_t> order(static_cast<size_t>(n));
    for (int32_t i = 0; i < n; ++i)
        order[i] = k[i].second;
    return order;
}

// Runs m on the matrix permuted into key order (o) and maps the result back to in's indices.
AggregationResult runInKeyOrder(const Method& m, const AggregationInput& in, const KeyOrderedMatrix& o,
                                const RunHooks& hooks)
{
    const std::vector<int32_t>& items = o.items;
    const std::vector<int32_t>& anns = o.annotators;
    const LabelMatrix& pm = o.matrix;
    AggregationInput pin = in;
    pin.matrix = &pm;
    if (!in.controls.empty())
        for (size_t j = 0; j < items.size(); ++j)
            pin.controls[j] = in.controls[items[j]];
    if (!in.weights.empty()) {
        pin.weights.assign(anns.size(), 1.0);
        for (size_t b = 0; b < anns.size(); ++b)
            if (static_cast<size_t>(anns[b]) < in.weights.size())
                pin.weights[b] = in.weights[anns[b]];
    }
    AggregationResult pr = m.run(pin, hooks);
    AggregationResult r = pr;
    const int32_t L = pr.numLabels;
    if (pr.labels.size() == items.size())
        for (size_t j = 0; j < items.size(); ++j)
            r.labels[items[j]] = pr.labels[j];
    if (L > 0 && pr.posterior.size() == items.size() * static_cast<size_t>(L))
        for (size_t j = 0; j < items.size(); ++j)
            std::copy_n(pr.posterior.begin() + static_cast<std::ptrdiff_t>(j * L), L,
                        r.posterior.begin() + static_cast<std::ptrdiff_t>(items[j]) * L);
    if (pr.competence.size() == anns.size())
        for (size_t b = 0; b < anns.size(); ++b)
            r.competence[anns[b]] = pr.competence[b];
    return r;
}

} // namespace

int64_t applyTiePolicy(AggregationResult& r, const LabelMatrix& matrix, const std::vector<int32_t>& controls,
                       TiePolicy policy, uint64_t seed)
{
    const int32_t L = r.numLabels;
    const int32_t n = static_cast<int32_t>(r.labels.size());
    r.tiedItems = r.unresolvedItems = 0;
    if (L < 2 || r.posterior.size() != static_cast<size_t>(n) * L)
        return 0;
    std::vector<int32_t> tied;
    tied.reserve(static_cast<size_t>(L));
    for (int32_t i = 0; i < n; ++i) {
        const int32_t label = r.labels[i];
        if (label < 0 || label >= L || (!controls.empty() && controls[i] >= 0))
            continue;
        const double* post = r.posterior.data() + static_cast<size_t>(i) * L;
        const double top = *std::max_element(post, post + L);
        if (post[label] < top - 1e-9)
            continue;  // the method's label is not a posterior maximum (its own rule): leave it
        tied.clear();
        for (int32_t l = 0; l < L; ++l)
            if (post[l] >= top - 1e-9)
                tied.push_back(l);
        if (tied.size() < 2)
            continue;
        ++r.tiedItems;
        switch (policy) {
        case TiePolicy::First:
            r.labels[i] = tied.front();
            break;
        case TiePolicy::Random: {
            const uint64_t draw = detail::mixSeed(seed, matrix.itemKey(i));
            r.labels[i] = tied[static_cast<size_t>(draw % tied.size())];
            break;
        }
        case TiePolicy::Unresolved:
            r.labels[i] = -1;
            ++r.unresolvedItems;
            break;
        }
    }
    return r.tiedItems;
}

KeyOrderedMatrix KeyOrderedMatrix::of(const LabelMatrix& src)
{
    KeyOrderedMatrix o;
    o.source = &src;
    if (src.inKeyOrder())
        return o;
    o.items = keyOrder(src.numItems(), [&](int32_t i) { return src.itemKey(i); });
    o.annotators = keyOrder(src.numAnnotators(), [&](int32_t a) { return src.annotatorKey(a); });
    o.matrix = src.permuted(o.items, o.annotators);
    return o;
}

namespace {

AggregationResult aggregateWith(const std::string& method, const AggregationInput& in, const KeyOrderedMatrix* ordered,
                                const RunHooks& hooks)
{
    const Method& m = find(method);
    detail::checkInput(in, method);
    AggregationInput input = in;
    const TiePolicy ties = takeTiePolicy(input.params, method);
    // Methods with parameters validate them themselves; for mv/wmv/wawa any key is unknown.
    detail::Params(method, input.params);
    AggregationResult r;
    if (in.matrix->inKeyOrder())
        r = m.run(input, hooks);
    else if (ordered)
        r = runInKeyOrder(m, input, *ordered, hooks);
    else
        r = runInKeyOrder(m, input, KeyOrderedMatrix::of(*in.matrix), hooks);
    applyTiePolicy(r, *in.matrix, in.controls, ties, in.seed);
    return r;
}

} // namespace

AggregationResult aggregate(const std::string& method, const AggregationInput& in, const RunHooks& hooks)
{
    return aggregateWith(method, in, nullptr, hooks);
}

AggregationResult aggregate(const std::string& method, const AggregationInput& in, const KeyOrderedMatrix& ordered,
                            const RunHooks& hooks)
{
    if (ordered.source != in.matrix)
        throw std::invalid_argument(method + ": the key-ordered matrix was made from another matrix");
    return aggregateWith(method, in, &ordered, hooks);
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
    std::vector<MethodParam> p = find(method).params;
    p.push_back({"ties", 0, "tied top labels: 0 = first in the label order, 1 = random (seeded by the seed and "
                            "the item), 2 = unresolved (no label)"});
    return p;
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
