#pragma once
// Data-driven tests over a list of names (methods, strategies, models): one QString column,
// one row per name.

#include <QtTest>

#include <initializer_list>

namespace chorus::test {

/// Adds a QString column `column` and one data row per name, named after its value.
inline void addNameRows(const char* column, std::initializer_list<const char*> names)
{
    QTest::addColumn<QString>(column);
    for (const char* name : names)
        QTest::newRow(name) << QString::fromLatin1(name);
}

} // namespace chorus::test
