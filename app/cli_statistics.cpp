// chorus-cli agreement. The work is done by model/jobs/statsjobs.h (the same code the dashboard runs
// on a worker thread); this file parses options and prints JSON or a summary.

#include "cli_format.h"
#include "cli_options.h"

#include "statsjobs.h"

#include <algorithm>
#include <cmath>

namespace chorus::cli {

namespace {

agg::AlphaMetric metricOption(const QCommandLineParser& p)
{
    const QString m = p.value(QStringLiteral("metric"));
    for (auto metric : {agg::AlphaMetric::Nominal, agg::AlphaMetric::Ordinal, agg::AlphaMetric::Interval,
                        agg::AlphaMetric::Ratio})
        if (m == QLatin1String(agg::alphaMetricName(metric)))
            return metric;
    throw UsageError{QStringLiteral("--metric must be nominal, ordinal, interval or ratio")};
}

// Values of the labels on an ordered scale: --label-values, else the labels themselves when all
// are numbers, else empty (the label order is the scale).
std::vector<double> labelValues(const QCommandLineParser& p, const QStringList& labels)
{
    std::vector<double> values;
    const bool given = p.isSet(QStringLiteral("label-values"));
    const QStringList texts = given ? p.value(QStringLiteral("label-values")).split(QLatin1Char(',')) : labels;
    if (given && texts.size() != labels.size())
        throw UsageError{QStringLiteral("--label-values needs %1 numbers (labels: %2)")
                             .arg(labels.size())
                             .arg(labels.join(QStringLiteral(", ")))};
    for (const QString& t : texts) {
        bool ok = false;
        const double v = t.trimmed().toDouble(&ok);
        if (!ok) {
            if (given)
                throw UsageError{QStringLiteral("--label-values: \"%1\" is not a number").arg(t)};
            return {};
        }
        values.push_back(v);
    }
    return values;
}

// What cmdAgreement computed, for its two writers.
struct AgreementOutcome
{
    const model::Snapshot& s;
    const model::AgreementRequest& req;
    const model::AgreementReport& rep;
    bool ordered = false;
    const QStringList& categories;  ///< the labels, plus INVALID when it counts as a category
    const std::vector<const agg::CohenPair*>& pairs;  ///< the Cohen pairs listed (at least minShared items)
    int minShared = 1;
};

QList<QCommandLineOption> agreementOptions()
{
    return {
        {QStringLiteral("metric"),
         QStringLiteral("Krippendorff's alpha metric: nominal, ordinal, interval or ratio. The ordered metrics "
                        "also give linearly and quadratically weighted Cohen kappas."),
         QStringLiteral("M"), QStringLiteral("nominal")},
        {QStringLiteral("label-values"),
         QStringLiteral("Value of each label for the ordered metrics, comma-separated in project label order "
                        "(default: the labels when all are numbers, otherwise their order)."),
         QStringLiteral("LIST")},
        opt::bootstrap(
            QStringLiteral("Bootstrap replicates (items resampled) for the CIs of Fleiss' kappa and alpha; 0 skips.")),
        opt::level(QStringLiteral("Confidence level of the intervals.")),
        opt::seed(QStringLiteral("Bootstrap seed.")),
        opt::includeInvalid(
            QStringLiteral("Count INVALID as one more category instead of excluding it (nominal metric only).")),
        {QStringLiteral("min-shared"),
         QStringLiteral("List Cohen pairs with at least N shared items; 0 also lists pairs without shared items "
                        "(kappa null)."),
         QStringLiteral("N"), QStringLiteral("1")},
        opt::json(),
    };
}

void writeAgreementJson(const AgreementOutcome& e)
{
    const model::Snapshot& s = e.s;
    const model::AgreementReport& rep = e.rep;
    const agg::AgreementResult& a = rep.agreement;
    const model::AgreementRequest& req = e.req;
    const bool ordered = e.ordered;
    const QStringList& categories = e.categories;
    const std::vector<const agg::CohenPair*>& pairs = e.pairs;
    const int minShared = e.minShared;
    Json j;
    j["items"] = a.itemsUsed;
    j["items_total"] = a.itemsTotal;
    j["items_single_label"] = a.itemsSingleLabel;
    j["items_unlabelled"] = a.itemsUnlabelled;
    j["annotators"] = a.annotators;
    j["labels"] = a.labelsUsed;
    j["invalid_excluded"] = a.invalidExcluded;
    Json cats = Json::array();
    for (const QString& c : categories)
        cats.push_back(c.toStdString());
    j["categories"] = cats;
    j["percent_agreement"] = coef(a.percentAgreement);
    j["fleiss_kappa"] = coef(a.fleissKappa);
    j["krippendorff_alpha"] = coef(a.krippendorffAlpha);
    j["alpha_metric"] = agg::alphaMetricName(a.alphaMetric);
    if (ordered)
        j["label_values"] = req.options.labelValues;
    j["scott_pi"] = coef(a.scottPi);
    j["gwet_ac1"] = coef(a.gwetAc1);
    Json perLabel = Json::object();
    for (size_t l = 0; l < a.fleissPerLabel.size(); ++l)
        perLabel[categories[static_cast<qsizetype>(l)].toStdString()] = coef(a.fleissPerLabel[l]);
    j["fleiss_kappa_per_label"] = perLabel;
    Json cohen = Json::array();
    for (const agg::CohenPair* c : pairs) {
        Json e;
        e["a"] = s.annotators[c->a].toStdString();
        e["b"] = s.annotators[c->b].toStdString();
        e["n"] = c->n;
        e["kappa"] = coef(c->kappa);
        e["observed"] = coef(c->observed);
        if (ordered) {
            e["linear_kappa"] = coef(c->linearKappa);
            e["quadratic_kappa"] = coef(c->quadraticKappa);
        }
        if (!c->kappa.note.empty())
            e["note"] = c->kappa.note;
        cohen.push_back(e);
    }
    j["cohen_kappa"] = cohen;
    j["cohen_min_shared"] = minShared;
    if (rep.intervals.replicates > 0) {
        j["ci"] = {{"fleiss_kappa", intervalJson(rep.intervals.fleissKappa)},
                   {"krippendorff_alpha", intervalJson(rep.intervals.krippendorffAlpha)}};
        j["bootstrap"] = {{"replicates", rep.intervals.replicates},
                          {"level", rep.intervals.level},
                          {"seed", req.bootstrap.seed}};
    } else {
        j["ci"] = nullptr;
    }
    // Why a coefficient is null, or which convention gave it (e.g. one category only).
    Json notes = Json::object();
    const std::pair<const char*, const agg::Coefficient*> named[] = {
        {"percent_agreement", &a.percentAgreement}, {"fleiss_kappa", &a.fleissKappa},
        {"krippendorff_alpha", &a.krippendorffAlpha}, {"scott_pi", &a.scottPi}, {"gwet_ac1", &a.gwetAc1}};
    for (const auto& [name, c] : named)
        if (!c->note.empty())
            notes[name] = c->note;
    j["notes"] = notes;
    out(QByteArray::fromStdString(j.dump(2)) + '\n');
}

void writeAgreementText(const AgreementOutcome& e)
{
    const model::AgreementReport& rep = e.rep;
    const agg::AgreementResult& a = rep.agreement;
    const QStringList& categories = e.categories;
    const std::vector<const agg::CohenPair*>& pairs = e.pairs;
    const int minShared = e.minShared;

    QString t = QStringLiteral("%1 items used (of %2; %3 with one label, %4 unlabelled), %5 annotators, %6 labels")
                    .arg(a.itemsUsed)
                    .arg(a.itemsTotal)
                    .arg(a.itemsSingleLabel)
                    .arg(a.itemsUnlabelled)
                    .arg(a.annotators)
                    .arg(a.labelsUsed);
    if (a.invalidExcluded > 0)
        t += QStringLiteral(", %1 INVALID excluded").arg(a.invalidExcluded);
    const bool ci = rep.intervals.replicates > 0;
    auto ciText = [&](const agg::Interval& i) {
        return ci ? QStringLiteral("  %1% CI [%2, %3]").arg(rep.intervals.level * 100).arg(fixed(i.lo), fixed(i.hi))
                  : QString();
    };
    t += QStringLiteral("\npercent agreement     %1").arg(fixed(a.percentAgreement));
    t += QStringLiteral("\nFleiss' kappa         %1%2").arg(fixed(a.fleissKappa), ciText(rep.intervals.fleissKappa));
    t += QStringLiteral("\nKrippendorff's alpha  %1%2 (%3)")
             .arg(fixed(a.krippendorffAlpha), ciText(rep.intervals.krippendorffAlpha),
                  QLatin1String(agg::alphaMetricName(a.alphaMetric)));
    t += QStringLiteral("\nScott's pi            %1").arg(fixed(a.scottPi));
    t += QStringLiteral("\nGwet's AC1            %1").arg(fixed(a.gwetAc1));
    for (size_t l = 0; l < a.fleissPerLabel.size(); ++l)
        t += QStringLiteral("\n  kappa of %1: %2").arg(categories[static_cast<qsizetype>(l)], fixed(a.fleissPerLabel[l]));
    double sum = 0;
    int defined = 0;
    for (const agg::CohenPair* c : pairs)
        if (!c->kappa.isNull()) {
            sum += c->kappa.value;
            ++defined;
        }
    t += QStringLiteral("\nCohen's kappa: %1 pairs with >= %2 shared items, %3 defined, mean %4 (--json lists them)")
             .arg(pairs.size())
             .arg(minShared)
             .arg(defined)
             .arg(fixed(defined > 0 ? sum / defined : NAN));
    out(t.toUtf8() + '\n');
}

} // namespace

int cmdAgreement(const QStringList& args)
{
    QCommandLineParser p;
    parseSourceCommand(p, args, agreementOptions(), QStringLiteral("chorus-cli agreement (--project P | --input FILE) [options]"));
    model::AgreementRequest req;
    req.options.alphaMetric = metricOption(p);
    req.options.includeInvalid = p.isSet(QStringLiteral("include-invalid"));
    const bool ordered = req.options.alphaMetric != agg::AlphaMetric::Nominal;
    if (req.options.includeInvalid && ordered)
        throw UsageError{QStringLiteral("--include-invalid works only with --metric nominal (INVALID has no place "
                                        "on a scale)")};
    if (p.isSet(QStringLiteral("label-values")) && !ordered)
        throw UsageError{QStringLiteral("--label-values needs an ordered --metric")};
    const int minShared = intOption(p, QStringLiteral("min-shared"), 0);
    req.options.listDisjointPairs = minShared == 0;
    req.bootstrap.replicates = intOption(p, QStringLiteral("bootstrap"), 0);
    req.bootstrap.level = levelOption(p);
    req.bootstrap.seed = seedOption(p);

    Source source = openSource(p);
    const model::Snapshot& s = source.snapshot;
    if (ordered)
        req.options.labelValues = labelValues(p, s.labels);
    const model::AgreementReport rep = checked([&] { return model::agreementReport(s.matrix, req); });
    const agg::AgreementResult& a = rep.agreement;
    QStringList categories = s.labels;
    if (req.options.includeInvalid)
        categories << QStringLiteral("INVALID");
    std::vector<const agg::CohenPair*> pairs;
    for (const agg::CohenPair& c : a.cohenPairs)
        if (c.n >= minShared)
            pairs.push_back(&c);

    return printResult(p, AgreementOutcome{s, req, rep, ordered, categories, pairs, minShared}, writeAgreementJson,
                       writeAgreementText);
}

} // namespace chorus::cli
