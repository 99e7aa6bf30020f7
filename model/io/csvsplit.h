#pragma once
// Splitting one CSV line at its separators, eight bytes at a time (issue #17: the byte loop was
// most of CsvReader::nextBytes on the long CSV's million rows, reloading the line and the
// separator from memory for every byte). Shared by CsvReader and parseCsvChunk.

#include <QByteArrayView>

#include <bit>
#include <cstdint>
#include <cstring>
#include <vector>

namespace chorus::model::csvsplit {

static_assert(std::endian::native == std::endian::little, "the byte order of the word loads");

/// 0x80 in each byte of w that is zero, 0 elsewhere (exact: no false positives from borrows).
inline uint64_t zeroBytes(uint64_t w)
{
    constexpr uint64_t low7 = 0x7F7F7F7F7F7F7F7FULL;
    return ~(((w & low7) + low7) | w | low7);
}

/// Appends the fields of line [d, d+n) split at sep to fields (n+1 bytes scanned: a line of n
/// bytes without separator is one field). With stopAtQuote, returns false as soon as a quote
/// character is seen (fields then holds a part of the line: the caller clears it and parses
/// the line as quoted); otherwise always true.
template <bool stopAtQuote>
inline bool splitFields(const char* d, qsizetype n, char sep, std::vector<QByteArrayView>& fields)
{
    constexpr uint64_t ones = 0x0101010101010101ULL;
    const uint64_t sepWord = ones * static_cast<uint8_t>(sep);
    const uint64_t quoteWord = ones * static_cast<uint8_t>('"');
    qsizetype start = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        std::memcpy(&w, d + i, 8);
        if (stopAtQuote && zeroBytes(w ^ quoteWord))
            return false;
        for (uint64_t hits = zeroBytes(w ^ sepWord); hits != 0; hits &= hits - 1) {
            const qsizetype at = i + std::countr_zero(hits) / 8;
            fields.emplace_back(d + start, at - start);
            start = at + 1;
        }
    }
    for (; i < n; ++i) {
        const char c = d[i];
        if (stopAtQuote && c == '"')
            return false;
        if (c == sep) {
            fields.emplace_back(d + start, i - start);
            start = i + 1;
        }
    }
    fields.emplace_back(d + start, n - start);
    return true;
}

} // namespace chorus::model::csvsplit
