#pragma once
// Formatting shared by the analysis commands (agreement, evaluate, divergence, crowd, ...):
// JSON numbers with null for NaN/infinity, fixed-point text. Their options: cli_options.h.

#include "statistics.h"

#include <QString>

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

inline Json intervalJson(const agg::Interval& i)
{
    return Json::array({num(i.lo), num(i.hi)});
}

} // namespace chorus::cli
