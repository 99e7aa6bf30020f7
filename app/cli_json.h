#pragma once
// Streamed --json output: one top-level object written member by member, and long arrays (one
// element per item) element by element, so that a result over a million items is never held as
// one JSON document in memory. The text is exactly what nlohmann's dump(2) prints for the whole
// document (two-space indent), so scripts see no difference.

#include "cli_format.h"

#include <cstdio>
#include <string>
#include <string_view>

namespace chorus::cli {

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
