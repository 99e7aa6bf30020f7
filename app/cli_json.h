#pragma once
// Streamed --json output: one top-level object written member by member, and long arrays (one
// element per item) element by element, so that a result over a million items is never held as
// one JSON document in memory. The text is exactly what nlohmann's dump(2) prints for the whole
// document (two-space indent), but for numbers whose Grisu2 digits are not the shortest
// (writeJsonNumber()).

#include "cli_format.h"

#include <QStringView>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

namespace chorus::cli {

/// Writes a finite double at p (room: kJsonNumberRoom bytes) and returns the end
/// (appendJsonNumber() appends it to a string). The digits are the shortest that read back as
/// the same double, the closest to it when several are (std::to_chars, Ryu in libstdc++; 1.6x
/// as fast as nlohmann's Grisu2 on posteriors, issue #17), laid out by the rules of nlohmann's
/// dump() (format_buffer()): fixed notation for decimal exponents n in (-4, 15], an integral
/// value with ".0", else d.ddde+XX with at least two exponent digits; zero is "0.0" or "-0.0".
/// The text is dump()'s except where Grisu2's digits are not the shortest or not the closest
/// (about one double in two thousand): there it is shorter or closer, and
/// reads back as the same double.
inline char* writeJsonNumber(char* p, double v)
{
    if (std::signbit(v)) {
        *p++ = '-';
        v = -v;
    }
    if (v == 0) {
        std::memcpy(p, "0.0", 3);
        return p + 3;
    }
    char digits[32] = {};  // at most 17; the rest is read by the 16-byte copies
    int k = 0, exponent = 0;  // v = digits * 10^exponent
    {
        // "d[.ddd]e[+-]XX[X]": the digits copied past the point with one fixed-size copy (what
        // follows them is never counted), the exponent read from the end.
        char sci[40] = {};
        const auto size = static_cast<int>(
            std::to_chars(sci, sci + 32, v, std::chars_format::scientific).ptr - sci);
        const int e = sci[size - 4] == 'e' ? size - 4 : size - 5;  // 2 or 3 exponent digits
        int e10 = (sci[size - 2] - '0') * 10 + (sci[size - 1] - '0');
        if (e == size - 5)
            e10 += (sci[size - 3] - '0') * 100;
        if (sci[e + 1] == '-')
            e10 = -e10;
        digits[0] = sci[0];
        std::memcpy(digits + 1, sci + 2, 16);
        k = e == 1 ? 1 : e - 1;
        exponent = e10 - (k - 1);
    }
    const int n = k + exponent;                                   // v = 0.digits * 10^n
    // Copies of a fixed 16 bytes (inlined moves, no library call), the cursor advanced by what
    // counts: they write past the end, within the room this function asks for.
    if (k <= n && n <= 15) {  // digits[000].0
        std::memcpy(p, digits, 16);
        std::memcpy(p + k, "0000000000000000", 16);
        p += n;
        std::memcpy(p, ".0", 2);
        p += 2;
    } else if (0 < n && n <= 15) {  // dig.its
        std::memcpy(p, digits, 16);
        p += n;
        *p++ = '.';
        std::memcpy(p, digits + n, 16);
        p += k - n;
    } else if (-4 < n && n <= 0) {  // 0.[000]digits
        std::memcpy(p, "0.000", 5);
        p += 2 - n;
        std::memcpy(p, digits, 16);
        std::memcpy(p + 16, digits + 16, 2);
        p += k;
    } else {  // d[.igits]e+XX
        *p++ = digits[0];
        if (k > 1) {
            *p++ = '.';
            std::memcpy(p, digits + 1, 16);
            p += k - 1;
        }
        *p++ = 'e';
        int e = n - 1;
        *p++ = e < 0 ? '-' : '+';
        e = e < 0 ? -e : e;
        if (e >= 100)
            *p++ = static_cast<char>('0' + e / 100);
        *p++ = static_cast<char>('0' + e / 10 % 10);
        *p++ = static_cast<char>('0' + e % 10);
    }
    return p;
}

/// Room writeJsonNumber() needs: its text is at most 25 bytes ("-1.2345678901234567e-308"),
/// and its fixed-size copies reach at most 36 bytes past p.
inline constexpr size_t kJsonNumberRoom = 48;

inline void appendJsonNumber(std::string& out, double v)
{
    char buf[kJsonNumberRoom];
    out.append(buf, writeJsonNumber(buf, v));
}

/// A number as dump() prints Json(v): null when v is not finite.
inline char* writeJsonValue(char* p, double v)
{
    if (std::isfinite(v))
        return writeJsonNumber(p, v);
    std::memcpy(p, "null", 4);
    return p + 4;
}

inline void appendJsonValue(std::string& out, double v)
{
    char buf[kJsonNumberRoom];
    out.append(buf, writeJsonValue(buf, v));
}

/// Writes a string at p as dump() prints it and returns the end; room: jsonStringRoom(s).
/// Text that needs no escape (printable ASCII other than quote and backslash) is copied as it
/// is; anything else goes through nlohmann's dump().
inline char* writeJsonString(char* p, QStringView s)
{
    char* const start = p;
    *p++ = '"';
    for (const QChar ch : s) {
        const char16_t u = ch.unicode();
        if (u < 0x20 || u >= 0x7F || u == '"' || u == '\\') {
            const std::string dumped = Json(s.toString().toStdString()).dump();
            std::memcpy(start, dumped.data(), dumped.size());
            return start + dumped.size();
        }
        *p++ = static_cast<char>(u);
    }
    *p++ = '"';
    return p;
}

/// Bytes writeJsonString() may need: 6 per UTF-16 unit (\u00XX; UTF-8 takes at most 3) and
/// the quotes.
inline size_t jsonStringRoom(QStringView s)
{
    return 6 * static_cast<size_t>(s.size()) + 2;
}

/// Appends a string as dump() prints it (writeJsonString()).
inline void appendJsonString(std::string& out, QStringView s)
{
    const size_t at = out.size();
    out.resize(at + jsonStringRoom(s));
    out.resize(static_cast<size_t>(writeJsonString(out.data() + at, s) - out.data()));
}

class JsonStream
{
public:
    JsonStream()
        : m_serializer(nlohmann::detail::output_adapter<char, std::string>(m_buf), ' ',
                       nlohmann::detail::error_handler_t::strict)
    {
        write("{");
    }
    JsonStream(const JsonStream&) = delete;
    JsonStream& operator=(const JsonStream&) = delete;
    ~JsonStream() { flush(); }

    /// A member of the top-level object.
    void member(std::string_view key, const Json& value)
    {
        startMember(key);
        writeIndented(value.dump(2), 2);
    }
    /// A member whose value is an array written with element() until endArray().
    void beginArray(std::string_view key)
    {
        startMember(key);
        write("[");
        m_elements = 0;
    }
    void element(const Json& value)
    {
        write(m_elements++ == 0 ? "\n    " : ",\n    ");
        writeIndented(value.dump(2), 4);
    }
    void endArray() { write(m_elements == 0 ? "]" : "\n  ]"); }

    // The hot path of a long array: an element written piece by piece (raw() for the
    // punctuation and indentation of dump(2), value() for each scalar), without building a
    // JSON object per element.
    void beginElement()
    {
        write(m_elements++ == 0 ? "\n    " : ",\n    ");
    }
    void raw(std::string_view s) { write(s); }
    /// A scalar (or any value printed on one line), formatted as dump() prints it.
    void value(const Json& v)
    {
        m_serializer.dump(v, false, false, 0);
        if (m_buf.size() >= (1u << 20))
            flush();
    }
    /// Text holding `count` elements of the current array, each with the separator
    /// beginElement() would have written before it ("\n    " for the array's first element,
    /// ",\n    " for the others): elements formatted elsewhere (on another thread).
    void rawElements(std::string_view text, int count)
    {
        write(text);
        m_elements += count;
        if (m_buf.size() >= (1u << 20))
            flush();
    }

    /// Closes the top-level object and writes everything out.
    void finish()
    {
        write(m_members == 0 ? "}\n" : "\n}\n");
        flush();
    }

private:
    void startMember(std::string_view key)
    {
        write(m_members++ == 0 ? "\n  " : ",\n  ");
        write(Json(std::string(key)).dump());
        write(": ");
    }
    // A value dumped at column 0, placed at `indent`: strings in JSON text hold no raw line
    // breaks, so every line break of the dump starts a line to indent.
    void writeIndented(const std::string& dumped, int indent)
    {
        size_t from = 0;
        for (size_t nl = dumped.find('\n'); nl != std::string::npos; nl = dumped.find('\n', from)) {
            m_buf.append(dumped, from, nl + 1 - from);
            m_buf.append(static_cast<size_t>(indent), ' ');
            from = nl + 1;
        }
        m_buf.append(dumped, from, std::string::npos);
        if (m_buf.size() >= (1u << 20))
            flush();
    }
    void write(std::string_view s) { m_buf.append(s); }
    void flush()
    {
        if (m_buf.empty())
            return;
        std::fwrite(m_buf.data(), 1, m_buf.size(), stdout);
        std::fflush(stdout);
        m_buf.clear();
    }

    std::string m_buf;
    nlohmann::detail::serializer<Json> m_serializer;  // appends to m_buf
    int m_members = 0;
    int m_elements = 0;
};

} // namespace chorus::cli
