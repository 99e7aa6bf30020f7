#pragma once
// Data-driven tests over one QString column: a list of names (methods, strategies, models),
// or named strings.

#include <QtTest>

#include <initializer_list>
#include <utility>

namespace chorus::test {

/// Adds a QString column `column` and one data row per name, named after its value.
inline void addNameRows(const char* column, std::initializer_list<const char*> names)
{
    QTest::addColumn<QString>(column);
    for (const char* name : names)
        QTest::newRow(name) << QString::fromLatin1(name);
}

/// Adds a QString column `column` and one data row per {row name, value}.
inline void addStringRows(const char* column, std::initializer_list<std::pair<const char*, const char*>> rows)
{
    QTest::addColumn<QString>(column);
    for (const auto& [name, value] : rows)
        QTest::newRow(name) << QString::fromUtf8(value);
}

} // namespace chorus::test
