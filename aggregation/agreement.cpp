// Item-level agreement coefficients (Fleiss, alpha, Scott, Gwet) and their bootstrap.
//
// Every coefficient here depends on an item only through its label-count vector, so items are
// grouped into "types" (distinct count vectors) weighted by multiplicity. The point estimate
// uses the multiplicities; a bootstrap replicate only redraws them (one multinomial draw of the
// type tallies, sampling.h), which makes a replicate cost O(types) instead of O(labels).

#include "agreement.h"
#include "agreementdetail.h"
#include "sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace chorus::agg {

namespace {

using detail::categoryOf;

struct ItemTypes
{
    int32_t numLabels = 0;
    std::vector<int32_t> typeOfItem;    // one entry per used item
    std::vector<int64_t> multiplicity;  // used items per type
    std::vector<int64_t> offsets{0};    // type t's categories: [offsets[t], offsets[t + 1])
    std::vector<int32_t> cats;
    std::vector<int32_t> counts;
    std::vector<int32_t> size;          // n_i, labels of an item of this type
    std::vector<double> pairAgreement;  // P_i
    std::vector<int64_t> singleLabel;   // per category: items whose only label it is (Gwet)

    size_t numTypes() const { return size.size(); }
};

ItemTypes buildTypes(const LabelMatrix& m, const AgreementOptions& opt, AgreementResult* info,
                     const RunHooks& hooks)
{
    ItemTypes t;
    const int32_t baseLabels = m.numLabels();
    t.numLabels = baseLabels + (opt.includeInvalid ? 1 : 0);
    std::vector<int32_t> dense(static_cast<size_t>(t.numLabels), 0);
    t.singleLabel.assign(static_cast<size_t>(t.numLabels), 0);
    std::vector<int32_t> touched;
    std::vector<uint8_t> annotatorSeen(static_cast<size_t>(m.numAnnotators()), 0);
    std::unordered_map<std::string, int32_t> index;
    std::string key;
    t.typeOfItem.reserve(static_cast<size_t>(m.numItems()));

    for (int32_t i = 0; i < m.numItems(); ++i) {
        if ((i & 0xFFFF) == 0) {
            if (hooks.canceled())
                throw Canceled{};
            hooks.report(i, m.numItems());
        }
        int32_t n = 0;
        touched.clear();
        for (int64_t k = m.itemBegin(i); k < m.itemEnd(i); ++k) {
            const int32_t c = categoryOf(m.itemLabel(k), opt.includeInvalid, baseLabels);
            if (c < 0) {
                if (info)
                    ++info->invalidExcluded;
                continue;
            }
            if (dense[c]++ == 0)
                touched.push_back(c);
            ++n;
        }
        if (n < 2) {
            for (int32_t c : touched) {
                ++t.singleLabel[c];
                dense[c] = 0;
            }
            if (info)
                ++(n == 0 ? info->itemsUnlabelled : info->itemsSingleLabel);
            continue;
        }
        if (info) {
            ++info->itemsUsed;
            info->labelsUsed += n;
            for (int64_t k = m.itemBegin(i); k < m.itemEnd(i); ++k)
                if (categoryOf(m.itemLabel(k), opt.includeInvalid, baseLabels) >= 0)
                    annotatorSeen[m.itemAnnotator(k)] = 1;
        }
        std::sort(touched.begin(), touched.end());
        key.assign(touched.size() * 2 * sizeof(int32_t), '\0');
        for (size_t j = 0; j < touched.size(); ++j) {
            const int32_t pair[2] = {touched[j], dense[touched[j]]};
            std::copy_n(reinterpret_cast<const char*>(pair), sizeof pair,
                        key.begin() + static_cast<std::ptrdiff_t>(j * sizeof pair));
        }
        auto [it, isNew] = index.try_emplace(key, static_cast<int32_t>(t.numTypes()));
        if (isNew) {
            double agree = 0;
            for (int32_t c : touched) {
                t.cats.push_back(c);
                t.counts.push_back(dense[c]);
                agree += static_cast<double>(dense[c]) * (dense[c] - 1);
            }
            t.offsets.push_back(static_cast<int64_t>(t.cats.size()));
            t.size.push_back(n);
            t.pairAgreement.push_back(agree / (static_cast<double>(n) * (n - 1)));
            t.multiplicity.push_back(0);
        }
        ++t.multiplicity[it->second];
        t.typeOfItem.push_back(it->second);
        for (int32_t c : touched)
            dense[c] = 0;
    }
    if (info)
        info->annotators = static_cast<int32_t>(
            std::count(annotatorSeen.begin(), annotatorSeen.end(), uint8_t{1}));
    return t;
}

// Weighted sums over item types from which every coefficient follows.
struct Totals
{
    double items = 0;         // sum w
    double sumAgreement = 0;  // sum w P_i
    std::vector<double> n;    // per category: pairable values n_c (= Fleiss' column totals)
    std::vector<double> o;    // L x L coincidence matrix
    std::vector<double> proportion;  // sum w n_ic / n_i (Gwet)
    std::vector<double> labelDis;    // sum w n_ic (n_i - n_ic) / (n_i (n_i - 1)) (Fleiss per label)
};

template<typename Weight>
Totals accumulate(const ItemTypes& t, const std::vector<Weight>& weight, bool full)
{
    const size_t L = static_cast<size_t>(t.numLabels);
    Totals s;
    s.n.assign(L, 0.0);
    s.o.assign(L * L, 0.0);
    if (full) {
        s.proportion.assign(L, 0.0);
        s.labelDis.assign(L, 0.0);
    }
    for (size_t ty = 0; ty < t.numTypes(); ++ty) {
        const double w = static_cast<double>(weight[ty]);
        if (w == 0)
            continue;
        const double m = t.size[ty];
        s.items += w;
        s.sumAgreement += w * t.pairAgreement[ty];
        const int64_t b = t.offsets[ty], e = t.offsets[ty + 1];
        for (int64_t x = b; x < e; ++x) {
            const int32_t c = t.cats[x];
            const double nc = t.counts[x];
            s.n[c] += w * nc;
            for (int64_t y = b; y < e; ++y) {
                const double nk = x == y ? nc - 1 : t.counts[y];
                s.o[c * L + t.cats[y]] += w * nc * nk / (m - 1);
            }
            if (full) {
                s.proportion[c] += w * nc / m;
                s.labelDis[c] += w * nc * (m - nc) / (m * (m - 1));
            }
        }
    }
    return s;
}

double totalOf(const std::vector<double>& v)
{
    return std::accumulate(v.begin(), v.end(), 0.0);
}

const char* kNoItems = "no item has two or more labels";

Coefficient fleissFrom(const Totals& s)
{
    if (s.items == 0)
        return Coefficient::undefined(kNoItems);
    const double total = totalOf(s.n);
    double pe = 0;
    for (double nc : s.n)
        pe += (nc / total) * (nc / total);
    return chanceCorrected(1.0 - s.sumAgreement / s.items, 1.0 - pe);
}

// Squared difference function d_ck of alpha, L x L.
std::vector<double> alphaDelta(AlphaMetric metric, const std::vector<double>& values,
                               const std::vector<double>& n)
{
    const size_t L = values.size();
    std::vector<double> d(L * L, 0.0);
    if (metric == AlphaMetric::Ordinal) {
        std::vector<size_t> order(L);
        std::iota(order.begin(), order.end(), size_t{0});
        std::stable_sort(order.begin(), order.end(),
                         [&](size_t a, size_t b) { return values[a] < values[b]; });
        // cum[r] = sum of n over ranks < r.
        std::vector<double> cum(L + 1, 0.0);
        for (size_t r = 0; r < L; ++r)
            cum[r + 1] = cum[r] + n[order[r]];
        for (size_t r = 0; r < L; ++r) {
            for (size_t q = r + 1; q < L; ++q) {
                const size_t c = order[r], k = order[q];
                const double span = cum[q + 1] - cum[r] - (n[c] + n[k]) / 2;
                d[c * L + k] = d[k * L + c] = span * span;
            }
        }
        return d;
    }
    for (size_t c = 0; c < L; ++c) {
        for (size_t k = 0; k < L; ++k) {
            if (c == k)
                continue;
            const double vc = values[c], vk = values[k];
            switch (metric) {
            case AlphaMetric::Nominal: d[c * L + k] = 1; break;
            case AlphaMetric::Interval: d[c * L + k] = (vc - vk) * (vc - vk); break;
            case AlphaMetric::Ratio: {
                const double r = vc + vk == 0 ? 0.0 : (vc - vk) / (vc + vk);
                d[c * L + k] = r * r;
                break;
            }
            case AlphaMetric::Ordinal: break;
            }
        }
    }
    return d;
}

Coefficient alphaFrom(const Totals& s, AlphaMetric metric, const std::vector<double>& values)
{
    if (s.items == 0)
        return Coefficient::undefined(kNoItems);
    const size_t L = s.n.size();
    const std::vector<double> d = alphaDelta(metric, values, s.n);
    const double n = totalOf(s.n);
    double observed = 0, expected = 0;
    for (size_t c = 0; c < L; ++c) {
        for (size_t k = 0; k < L; ++k) {
            observed += s.o[c * L + k] * d[c * L + k];
            expected += s.n[c] * s.n[k] * d[c * L + k];
        }
    }
    return chanceCorrected(observed / n, expected / (n * (n - 1)));
}

Coefficient scottPiFrom(const Totals& s)
{
    if (s.items == 0)
        return Coefficient::undefined(kNoItems);
    const size_t L = s.n.size();
    const double n = totalOf(s.n);
    double disagree = 0, pe = 0;
    for (size_t c = 0; c < L; ++c) {
        pe += (s.n[c] / n) * (s.n[c] / n);
        for (size_t k = 0; k < L; ++k)
            if (k != c)
                disagree += s.o[c * L + k];
    }
    return chanceCorrected(disagree / n, 1.0 - pe);
}

// Gwet (2014) averages the classification probabilities pi_k over every rated item, including
// those with a single rating (as irrCAC's gwet.ac1.raw does); agreement P_a uses items with >= 2.
Coefficient gwetFrom(const Totals& s, const std::vector<int64_t>& singleLabel)
{
    if (s.items == 0)
        return Coefficient::undefined(kNoItems);
    const size_t q = s.n.size();
    double singles = 0;
    for (int64_t c : singleLabel)
        singles += static_cast<double>(c);
    double pe = 0;
    if (q > 1) {
        for (size_t k = 0; k < q; ++k) {
            const double share = s.proportion[k] + static_cast<double>(singleLabel[k]);
            const double pi = share / (s.items + singles);
            pe += pi * (1 - pi);
        }
        pe /= static_cast<double>(q - 1);
    }
    return chanceCorrected(1.0 - s.sumAgreement / s.items, 1.0 - pe);
}

std::vector<Coefficient> fleissPerLabelFrom(const Totals& s)
{
    std::vector<Coefficient> out;
    const double total = totalOf(s.n);
    for (size_t c = 0; c < s.n.size(); ++c) {
        if (s.items == 0)
            out.push_back(Coefficient::undefined(kNoItems));
        else if (s.n[c] == 0)
            out.push_back(
                Coefficient::undefined("category not used on any item with two or more labels"));
        else {
            const double p = s.n[c] / total;
            out.push_back(chanceCorrected(s.labelDis[c] / s.items, p * (1 - p)));
        }
    }
    return out;
}

void checkValues(const AgreementOptions& opt, const std::vector<double>& values)
{
    if (opt.alphaMetric == AlphaMetric::Ratio)
        for (double v : values)
            if (v < 0)
                throw std::invalid_argument(
                    "agreement: the ratio metric needs non-negative label values");
}

} // namespace

const char* alphaMetricName(AlphaMetric metric)
{
    switch (metric) {
    case AlphaMetric::Nominal: return "nominal";
    case AlphaMetric::Ordinal: return "ordinal";
    case AlphaMetric::Interval: return "interval";
    case AlphaMetric::Ratio: return "ratio";
    }
    return "nominal";
}

AgreementResult computeAgreement(const LabelMatrix& matrix, const AgreementOptions& options,
                                 const RunHooks& hooks)
{
    AgreementResult r;
    r.numLabels = matrix.numLabels() + (options.includeInvalid ? 1 : 0);
    r.itemsTotal = matrix.numItems();
    r.alphaMetric = options.alphaMetric;
    const std::vector<double> values =
        detail::categoryValues(options.labelValues, r.numLabels, options.includeInvalid);
    checkValues(options, values);

    // One progress scale for both phases: items, then annotators of the Cohen pass.
    const int total = matrix.numItems() + (options.cohenPairs ? matrix.numAnnotators() : 0);
    RunHooks itemHooks{hooks.isCanceled, {}};
    RunHooks pairHooks{hooks.isCanceled, {}};
    if (hooks.progress) {
        itemHooks.progress = [&](int done, int) { hooks.progress(done, total); };
        pairHooks.progress = [&](int done, int) {
            hooks.progress(matrix.numItems() + done, total);
        };
    }
    const ItemTypes types = buildTypes(matrix, options, &r, itemHooks);
    const Totals s = accumulate(types, types.multiplicity, true);
    r.percentAgreement = s.items == 0 ? Coefficient::undefined(kNoItems)
                                      : Coefficient::ok(s.sumAgreement / s.items);
    r.fleissKappa = fleissFrom(s);
    r.krippendorffAlpha = alphaFrom(s, options.alphaMetric, values);
    r.scottPi = scottPiFrom(s);
    r.gwetAc1 = gwetFrom(s, types.singleLabel);
    r.fleissPerLabel = fleissPerLabelFrom(s);
    if (options.cohenPairs)
        r.cohenPairs = cohenKappaPairs(matrix, options, pairHooks);
    hooks.report(total, total);
    return r;
}

AgreementIntervals bootstrapAgreement(const LabelMatrix& matrix, const AgreementOptions& options,
                                      const BootstrapOptions& boot, const RunHooks& hooks)
{
    const int32_t numLabels = matrix.numLabels() + (options.includeInvalid ? 1 : 0);
    const std::vector<double> values =
        detail::categoryValues(options.labelValues, numLabels, options.includeInvalid);
    checkValues(options, values);
    const ItemTypes types = buildTypes(matrix, options, nullptr, {hooks.isCanceled, {}});

    AgreementIntervals out;
    out.replicates = boot.replicates;
    out.level = boot.level;
    if (types.typeOfItem.empty() || boot.replicates < 1)
        return out;

    const int threads = bootstrapThreads(boot.threads, boot.replicates);
    std::vector<std::vector<int64_t>> scratch(static_cast<size_t>(threads),
                                              std::vector<int64_t>(types.numTypes()));
    std::vector<double> kappas(static_cast<size_t>(boot.replicates));
    std::vector<double> alphas(static_cast<size_t>(boot.replicates));
    runReplicates(boot.replicates, threads, boot.seed, hooks,
                  [&](int b, std::mt19937_64& rng, int worker) {
                      std::vector<int64_t>& w = scratch[static_cast<size_t>(worker)];
                      // The tallies per type of a resample of the items are multinomial: one
                      // binomial per type instead of one draw per item (issue #17).
                      multinomialCounts(rng, static_cast<int64_t>(types.typeOfItem.size()),
                                        types.multiplicity, w);
                      const Totals s = accumulate(types, w, false);
                      kappas[static_cast<size_t>(b)] = fleissFrom(s).value;
                      alphas[static_cast<size_t>(b)] =
                          alphaFrom(s, options.alphaMetric, values).value;
                  });
    out.fleissKappa = percentileInterval(kappas, boot.level);
    out.krippendorffAlpha = percentileInterval(alphas, boot.level);
    return out;
}

} // namespace chorus::agg
