#include "csvchunk.h"

#include "csvsplit.h"
#include "textfile.h"

#include <cstring>
#include <string_view>

namespace chorus::model {

namespace {

std::string_view viewOf(QByteArrayView b)
{
    return {b.data(), static_cast<size_t>(b.size())};
}

// Local id of key in map (added, with its view kept in keys, when new).
int32_t localId(ByteKeyMap<int32_t>& map, std::vector<QByteArrayView>& keys, QByteArrayView key)
{
    if (const int32_t* id = map.find(viewOf(key)))
        return *id;
    const auto id = static_cast<int32_t>(keys.size());
    keys.push_back(key);
    map.insert(viewOf(key), id);
    return id;
}

} // namespace

CsvChunk parseCsvChunk(const char* data, qsizetype begin, qsizetype end, qint64 fileOffset,
                       const CsvChunkLayout& layout, std::stop_token stop)
{
    CsvChunk c;
    const qsizetype guess = (end - begin) / 30 + 16;
    c.rows.reserve(static_cast<size_t>(guess));
    c.lines.reserve(static_cast<size_t>(guess));
    ByteKeyMap<int32_t> items, annotators, answers;
    QByteArrayView lastItem;
    int32_t lastItemId = -1;
    std::vector<QByteArrayView> fields;
    fields.reserve(static_cast<size_t>(layout.columns) + 1);
    int32_t line = 0;
    qsizetype pos = begin;
    while (pos < end) {
        if ((line & 0xffff) == 0 && stop.stop_requested())
            return c;
        const void* nl = std::memchr(data + pos, '\n', static_cast<size_t>(end - pos));
        const qsizetype lineEnd = nl ? static_cast<const char*>(nl) - data : end;
        const qsizetype next = nl ? lineEnd + 1 : end;
        ++line;
        qsizetype len = lineEnd - pos;
        const char* text = data + pos;
        const qsizetype start = pos;
        pos = next;
        while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
            --len;
        if (layout.checkUtf8) {
            const qsizetype bad = firstInvalidUtf8(text, len);
            if (bad >= 0) {
                c.failLine = line;
                c.failProblem = invalidUtf8Problem(fileOffset + start + bad, static_cast<unsigned char>(text[bad]));
                return c;
            }
        }
        if (len == 0)
            continue;
        fields.clear();
        csvsplit::splitFields<false>(text, len, layout.separator, fields);  // no quotes in the file
        if (static_cast<int>(fields.size()) != layout.columns) {
            c.failLine = line;
            c.failProblem = QStringLiteral("expected %1 columns (%2), found %3")
                                .arg(layout.columns)
                                .arg(layout.expected)
                                .arg(fields.size());
            return c;
        }
        const QByteArrayView item = fields[static_cast<size_t>(layout.item)];
        if (lastItemId < 0 || viewOf(item) != viewOf(lastItem)) {
            lastItemId = localId(items, c.items, item);
            lastItem = item;
        }
        c.rows.push_back({lastItemId, localId(annotators, c.annotators, fields[static_cast<size_t>(layout.annotator)]),
                          localId(answers, c.answers, fields[static_cast<size_t>(layout.label)])});
        c.lines.push_back(line);
    }
    return c;
}

} // namespace chorus::model
