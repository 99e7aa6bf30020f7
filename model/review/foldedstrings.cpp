#include "foldedstrings.h"

#include <QChar>
#include <QtEndian>

#include <algorithm>
#include <cstring>
#include <string_view>

namespace chorus::model {

namespace {

// The value QString's case-insensitive comparison gives unit k of s: the simple case folding of
// the unit, except that the low half of a surrogate pair stands for its whole code point.
inline char32_t foldedUnit(QStringView s, qsizetype k)
{
    const char16_t u = s[k].unicode();
    if (u < 0x80)
        return u >= 'A' && u <= 'Z' ? char32_t(u + 32) : char32_t(u);
    if (QChar::isLowSurrogate(u) && k > 0 && QChar::isHighSurrogate(s[k - 1].unicode()))
        return QChar::toCaseFolded(QChar::surrogateToUcs4(s[k - 1].unicode(), u));
    return QChar::toCaseFolded(char32_t(u));
}

// UTF-8's layout for any value up to 0x10FFFF (surrogate values included): a prefix code whose
// byte order is the order of the values.
inline void appendValue(std::vector<char>& out, char32_t v)
{
    if (v < 0x80) {
        out.push_back(static_cast<char>(v));
    } else if (v < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (v >> 6)));
        out.push_back(static_cast<char>(0x80 | (v & 0x3F)));
    } else if (v < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (v >> 12)));
        out.push_back(static_cast<char>(0x80 | ((v >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (v & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (v >> 18)));
        out.push_back(static_cast<char>(0x80 | ((v >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((v >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (v & 0x3F)));
    }
}

// Bytes [depth, depth + 8) of a key as a big-endian number (zero-padded), and how many of
// those 8 bytes exist: comparing (digit, len) pairs compares that slice of the keys.
struct Entry
{
    uint64_t digit;
    uint32_t item;
    uint32_t len;
};

inline bool lessEntry(const Entry& a, const Entry& b)
{
    return a.digit != b.digit ? a.digit < b.digit : a.len < b.len;
}

inline bool sameSlice(const Entry& a, const Entry& b)
{
    return a.digit == b.digit && a.len == b.len;
}

} // namespace

FoldedStrings::FoldedStrings(qsizetype count, const std::function<QStringView(qsizetype)>& text,
                             qsizetype sortLimit)
{
    m_offsets.reserve(static_cast<size_t>(count) + 1);
    m_sortBytes.reserve(static_cast<size_t>(count));
    size_t units = 0;
    for (qsizetype i = 0; i < count; ++i)
        units += static_cast<size_t>(text(i).size());
    m_bytes.reserve(units + units / 8 + kPadding);  // mostly one byte per unit
    m_surrogates.assign(static_cast<size_t>(count), 0);
    m_offsets.push_back(0);
    for (qsizetype i = 0; i < count; ++i) {
        const QStringView s = text(i);
        const size_t start = m_bytes.size();
        size_t sortEnd = 0;
        bool surrogate = false;
        const char16_t* u = s.utf16();
        char16_t any = 0;
        for (qsizetype k = 0; k < s.size(); ++k)
            any |= u[k];
        if (any < 0x80) {  // ASCII, the common case: one byte per unit, A-Z folded to a-z
            m_bytes.resize(start + static_cast<size_t>(s.size()));
            char* out = m_bytes.data() + start;
            for (qsizetype k = 0; k < s.size(); ++k)
                out[k] = static_cast<char>(u[k] + (static_cast<char16_t>(u[k] - u'A') < 26 ? 32 : 0));
            const size_t kept = sortLimit < 0 ? s.size() : std::min<qsizetype>(s.size(), sortLimit);
            m_sortBytes.push_back(static_cast<uint32_t>(kept));
            m_offsets.push_back(m_bytes.size());
            continue;
        }
        for (qsizetype k = 0; k < s.size(); ++k) {
            if (k == sortLimit)
                sortEnd = m_bytes.size();
            const char16_t u = s[k].unicode();
            surrogate |= QChar::isSurrogate(u);
            appendValue(m_bytes, foldedUnit(s, k));
        }
        if (sortLimit < 0 || s.size() <= sortLimit)
            sortEnd = m_bytes.size();
        m_sortBytes.push_back(static_cast<uint32_t>(sortEnd - start));
        m_surrogates[static_cast<size_t>(i)] = surrogate;
        m_offsets.push_back(m_bytes.size());
    }
    m_bytes.insert(m_bytes.end(), kPadding, '\0');  // ranks() reads 8 bytes at a time
}

std::vector<uint32_t> FoldedStrings::ranks(uint32_t* numRanks) const
{
    const size_t n = static_cast<size_t>(size());
    const auto load = [&](Entry& e, size_t depth) {
        const size_t len = m_sortBytes[e.item];
        const size_t avail = len > depth ? std::min<size_t>(len - depth, 8) : 0;
        uint64_t d = 0;
        if (avail > 0) {
            // The buffer's padding makes the 8-byte read safe; bytes past the key are masked.
            std::memcpy(&d, m_bytes.data() + m_offsets[e.item] + depth, 8);
            d = qFromBigEndian(d);
            if (avail < 8)
                d &= ~uint64_t(0) << (8 * (8 - avail));
        }
        e.digit = d;
        e.len = static_cast<uint32_t>(avail);
    };
    std::vector<Entry> entries(n);
    for (size_t i = 0; i < n; ++i) {
        entries[i].item = static_cast<uint32_t>(i);
        load(entries[i], 0);
    }
    // Most-significant-digit first, 8 bytes at a time: sort a range by its current slice, then
    // go one slice deeper into each run of entries that are still equal and not yet ended.
    std::vector<uint8_t> sameAsPrevious(n, 0);
    struct Range
    {
        size_t begin, end, depth;
    };
    std::vector<Range> todo;
    if (n > 1)
        todo.push_back({0, n, 0});
    while (!todo.empty()) {
        const Range r = todo.back();
        todo.pop_back();
        const auto first = entries.begin() + static_cast<std::ptrdiff_t>(r.begin);
        const auto last = entries.begin() + static_cast<std::ptrdiff_t>(r.end);
        if (!std::all_of(first + 1, last, [&](const Entry& e) { return sameSlice(e, *first); }))
            std::sort(first, last, lessEntry);
        for (size_t b = r.begin; b < r.end;) {
            size_t e = b + 1;
            while (e < r.end && sameSlice(entries[e], entries[b]))
                ++e;
            if (e - b > 1) {
                if (entries[b].len == 8) {  // equal so far, not ended: compare the next slice
                    for (size_t k = b; k < e; ++k)
                        load(entries[k], r.depth + 8);
                    todo.push_back({b, e, r.depth + 8});
                } else {  // equal keys
                    std::fill(sameAsPrevious.begin() + static_cast<std::ptrdiff_t>(b + 1),
                              sameAsPrevious.begin() + static_cast<std::ptrdiff_t>(e), 1);
                }
            }
            b = e;
        }
    }
    std::vector<uint32_t> rank(n);
    uint32_t next = 0;
    for (size_t k = 0; k < n; ++k) {
        if (k > 0 && !sameAsPrevious[k])
            ++next;
        rank[entries[k].item] = next;
    }
    if (numRanks)
        *numRanks = n ? next + 1 : 0;
    return rank;
}

QByteArray FoldedStrings::foldNeedle(QStringView needle, bool* exact)
{
    std::vector<char> out;
    bool surrogate = false;
    for (qsizetype k = 0; k < needle.size(); ++k) {
        surrogate |= QChar::isSurrogate(needle[k].unicode());
        appendValue(out, foldedUnit(needle, k));
    }
    if (exact)
        *exact = !surrogate;
    return surrogate ? QByteArray() : QByteArray(out.data(), static_cast<qsizetype>(out.size()));
}

bool FoldedStrings::contains(qsizetype i, const QByteArray& foldedNeedle) const
{
    const size_t begin = m_offsets[static_cast<size_t>(i)], end = m_offsets[static_cast<size_t>(i) + 1];
    const std::string_view hay(m_bytes.data() + begin, end - begin);
    return hay.find(std::string_view(foldedNeedle.constData(), static_cast<size_t>(foldedNeedle.size())))
        != std::string_view::npos;
}

} // namespace chorus::model
