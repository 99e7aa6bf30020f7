#pragma once
// Names of enum values as they are stored (meta values, CSV/JSON fields, CLI options): one table
// per enum, read both ways, instead of a switch for the name and a chain of ifs for the value.

#include <QLatin1String>
#include <QString>

#include <cstddef>
#include <optional>

namespace chorus::model {

template <typename E>
struct EnumName
{
    E value;
    const char* name;
};

/// The name of value in table; empty when the table does not have it.
template <typename E, std::size_t N>
QString nameIn(const EnumName<E> (&table)[N], E value)
{
    for (const EnumName<E>& e : table)
        if (e.value == value)
            return QString::fromLatin1(e.name);
    return {};
}

/// The value named name in table (exact, case-sensitive); nullopt when none is.
template <typename E, std::size_t N>
std::optional<E> valueIn(const EnumName<E> (&table)[N], const QString& name)
{
    for (const EnumName<E>& e : table)
        if (name == QLatin1String(e.name))
            return e.value;
    return std::nullopt;
}

} // namespace chorus::model
