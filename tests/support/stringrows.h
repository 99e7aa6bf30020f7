#pragma once
// Data-driven tests whose columns are all strings: a list of names (methods, strategies,
// models), named strings, or a table of them.

#include <QtTest>

#include <array>
#include <cstddef>
#include <initializer_list>
#include <utility>

namespace chorus::test {

/// Adds a QString column `column` and one data row per name, named after its value.
inline void addNameRows(const char* column, std::initializer_list<const char*> names)
{
    QTest::addColumn<QString>(column);
    for (const char* name : names)
        QTest::newRow(name) << QString::fromUtf8(name);
}

/// Adds a QString column `column` and one data row per {row name, value}.
inline void addStringRows(const char* column, std::initializer_list<std::pair<const char*, const char*>> rows)
{
    QTest::addColumn<QString>(column);
    for (const auto& [name, value] : rows)
        QTest::newRow(name) << QString::fromUtf8(value);
}

/// Adds one QString column per name in `columns` and one data row per {row name, value per
/// column}: addStringTable({"uri", "message"}, {{"badPort", "postgresql://...", "not a port"}}).
template <std::size_t N>
void addStringTable(const char* const (&columns)[N], std::initializer_list<std::array<const char*, N + 1>> rows)
{
    for (const char* column : columns)
        QTest::addColumn<QString>(column);
    for (const auto& row : rows) {
        QTestData& data = QTest::newRow(row[0]);
        for (std::size_t k = 1; k <= N; ++k) {
            if (!row[k])  // a short row: its missing values would read as "", which contains() accepts
                qFatal("data row %s: %zu values, expected %zu", row[0], k - 1, N);
            data << QString::fromUtf8(row[k]);
        }
    }
}

} // namespace chorus::test
