#pragma once
// Formatting and option helpers shared by the statistics commands (agreement, evaluate,
// divergence): JSON numbers with null for NaN/infinity, fixed-point text, numeric options.

#include "cli.h"

#include "statistics.h"

#include <QCommandLineParser>

#include <nlohmann/json.hpp>

#include <cmath>

namespace chorus::cli {

using Json = nlohmann::ordered_json;

inline Json num(double v)
{
    return std::isfinite(v) ? Json(v) : Json();
}

inline Json coef(const agg::Coefficient& c)
{
    return c.isNull() ? Json() : num(c.value);
}

inline QString fixed(double v, int decimals = 6)
{
    return std::isfinite(v) ? QString::number(v, 'f', decimals) : QStringLiteral("NA");
}

inline QString fixed(const agg::Coefficient& c)
{
    return c.isNull() ? QStringLiteral("NA") : fixed(c.value);
}

inline int intOption(const QCommandLineParser& p, const QString& name, int min)
{
    bool ok = false;
    const int v = p.value(name).toInt(&ok);
    if (!ok || v < min)
        throw UsageError{QStringLiteral("--%1 takes an integer >= %2").arg(name).arg(min)};
    return v;
}

inline uint64_t seedOption(const QCommandLineParser& p)
{
    bool ok = false;
    const uint64_t seed = p.value(QStringLiteral("seed")).toULongLong(&ok);
    if (!ok)
        throw UsageError{QStringLiteral("--seed takes a non-negative integer")};
    return seed;
}

inline double levelOption(const QCommandLineParser& p)
{
    bool ok = false;
    const double level = p.value(QStringLiteral("level")).toDouble(&ok);
    if (!ok || !(level > 0 && level < 1))
        throw UsageError{QStringLiteral("--level takes a number in (0, 1)")};
    return level;
}

inline Json intervalJson(const agg::Interval& i)
{
    return Json::array({num(i.lo), num(i.hi)});
}

} // namespace chorus::cli
