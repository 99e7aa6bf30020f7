#pragma once
// Case-folded copies of many strings in one buffer, so that the review table can sort and search
// a million item texts without a QString per comparison. The order and the matches are those of
// QString::compare(..., Qt::CaseInsensitive) and QString::contains(..., Qt::CaseInsensitive).

#include <QString>
#include <QStringView>

#include <cstdint>
#include <functional>
#include <vector>

namespace chorus::model {

/// Case-folded keys of strings 0..count-1. Each string is stored as the sequence of the values
/// QString's case-insensitive comparison compares, one per UTF-16 code unit (the simple case
/// folding of the unit, or of the code point for the low half of a surrogate pair), each written
/// as a UTF-8 style byte sequence: byte order then equals that comparison's order, and a byte
/// substring is a match of whole units.
class FoldedStrings
{
public:
    FoldedStrings() = default;
    /// text(i) gives string i. sortLimit: ranks() orders by the first sortLimit UTF-16 units
    /// only (QString::left(sortLimit)); contains() always sees the whole string.
    FoldedStrings(qsizetype count, const std::function<QStringView(qsizetype)>& text,
                  qsizetype sortLimit = -1);

    qsizetype size() const { return static_cast<qsizetype>(m_offsets.empty() ? 0 : m_offsets.size() - 1); }
    bool isEmpty() const { return m_offsets.empty(); }

    /// Dense ranks 0..numRanks-1 of every string (limited to sortLimit units) in
    /// QString::compare(a, b, Qt::CaseInsensitive) order; strings that compare equal share a rank.
    std::vector<uint32_t> ranks(uint32_t* numRanks) const;

    /// The needle as folded bytes, for contains(). Empty when the needle holds a surrogate (then
    /// callers use QString::contains).
    static QByteArray foldNeedle(QStringView needle, bool* exact);

    /// Whether string i contains the folded needle. Only valid when needsQString(i) is false.
    bool contains(qsizetype i, const QByteArray& foldedNeedle) const;
    /// String i holds a surrogate: substring search must use QString::contains on it.
    bool needsQString(qsizetype i) const { return m_surrogates[static_cast<size_t>(i)] != 0; }

private:
    static constexpr size_t kPadding = 8;

    std::vector<char> m_bytes;
    std::vector<uint64_t> m_offsets;   // string i is m_bytes[m_offsets[i], m_offsets[i+1])
    std::vector<uint32_t> m_sortBytes;  // bytes of string i that ranks() compares
    std::vector<uint8_t> m_surrogates;
};

} // namespace chorus::model
