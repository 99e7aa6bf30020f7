// csvsplit::splitFields (model/io/csvsplit.h) finds separators eight bytes at a time; the
// expected value is a plain byte-by-byte split written here, on lines of every length up to 40
// with separators, quotes and bytes that differ from them by one bit (0xAC is ',' with the high
// bit set, '-' and '.' are its neighbours) at every position.

#include "../../model/io/csvsplit.h"

#include <QtTest>

#include <random>
#include <string>
#include <vector>

namespace csvsplit = chorus::model::csvsplit;

class TestCsvSplit : public QObject
{
    Q_OBJECT

private slots:
    void asByteLoop();
};

static std::vector<std::string> naiveSplit(const std::string& line, char sep)
{
    std::vector<std::string> out(1);
    for (const char c : line) {
        if (c == sep)
            out.emplace_back();
        else
            out.back() += c;
    }
    return out;
}

void TestCsvSplit::asByteLoop()
{
    std::mt19937_64 rng(3);
    const std::string alphabet = std::string("ab,;\t\"-.+") + '\xAC' + '\xBB' + '\xA2' + '\0';
    int lines = 0, quoted = 0;
    for (int round = 0; round < 20000; ++round) {
        const size_t len = rng() % 41;
        std::string line;
        for (size_t i = 0; i < len; ++i)
            line += alphabet[rng() % (round % 3 == 0 ? alphabet.size() : 4)];  // often no quote
        for (const char sep : {',', ';', '\t'}) {
            // In a larger buffer: the bytes after the line must not count.
            const std::string buffer = line + std::string(1, sep) + "\"zz,";
            std::vector<QByteArrayView> fields;
            const bool plain = csvsplit::splitFields<true>(buffer.data(), static_cast<qsizetype>(line.size()), sep, fields);
            const bool hasQuote = line.find('"') != std::string::npos;
            QCOMPARE(plain, !hasQuote);
            quoted += hasQuote;
            std::vector<QByteArrayView> all;
            QVERIFY(csvsplit::splitFields<false>(buffer.data(), static_cast<qsizetype>(line.size()), sep, all));
            const std::vector<std::string> expected = naiveSplit(line, sep);
            QCOMPARE(all.size(), expected.size());
            for (size_t f = 0; f < expected.size(); ++f)
                QCOMPARE(std::string(all[f].data(), static_cast<size_t>(all[f].size())), expected[f]);
            if (plain) {
                QCOMPARE(fields.size(), all.size());
                for (size_t f = 0; f < all.size(); ++f)
                    QVERIFY(fields[f].data() == all[f].data() && fields[f].size() == all[f].size());
            }
            ++lines;
        }
    }
    QVERIFY(quoted > 1000 && quoted < lines - 1000);  // both paths taken often
}

QTEST_GUILESS_MAIN(TestCsvSplit)
#include "tst_csvsplit.moc"
