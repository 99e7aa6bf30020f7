// FoldedStrings must order and search strings exactly as QString does with
// Qt::CaseInsensitive (the review table sorted and searched with those before issue #17). The
// expected values are QString::compare / QString::contains themselves (Qt is the reference),
// on hand-picked cases (case folding beyond ASCII, surrogate pairs, prefixes, NUL) and on
// seeded random strings drawn from an alphabet made of those troublemakers.

#include "foldedstrings.h"

#include <QRandomGenerator>
#include <QtTest>

using namespace chorus::model;

namespace {

int sign(int x)
{
    return (x > 0) - (x < 0);
}

// Characters whose case-insensitive behaviour is not plain ASCII: sharp s, dotted/dotless i,
// Kelvin sign, sigma forms, micro sign, long s, a Deseret letter and a mathematical letter
// (surrogate pairs, one with a case folding), lone surrogates, NUL and a high BMP character.
QString alphabet()
{
    QString a = QStringLiteral("aAbBzZ09 _-~");
    for (char16_t c : {u'\u00DF', u'\u1E9E', u'\u0130', u'\u0131', u'\u212A', u'\u03A3', u'\u03C3', u'\u03C2',
                       u'\u00B5', u'\u039C', u'\u017F', u'\u00E9', u'\u00C9', u'\uFFFD', u'\uFF21', u'\uFF41', u'\0'})
        a += QChar(c);
    return a;
}

QString randomString(QRandomGenerator& rng, int maxLen)
{
    static const QString alpha = alphabet();
    static const QString pairs[] = {QString::fromUcs4(U"\U00010400"), QString::fromUcs4(U"\U00010428"),
                                    QString::fromUcs4(U"\U0001D400"), QString::fromUcs4(U"\U0001F600")};
    QString s;
    const int len = static_cast<int>(rng.bounded(maxLen + 1));
    while (s.size() < len) {
        const quint32 pick = rng.bounded(100);
        if (pick < 6)
            s += pairs[rng.bounded(4)];
        else if (pick < 8)
            s += QChar(char16_t(rng.bounded(2) ? 0xD801 : 0xDC00));  // a lone half
        else
            s += alpha[rng.bounded(static_cast<quint32>(alpha.size()))];
    }
    return s;
}

// Checks ranks against QString::compare: ordering the strings by QString::compare, ranks must
// rise exactly where compare says "greater", plus random pairs compared directly.
void checkRanks(const QStringList& strings, qsizetype limit = -1)
{
    const FoldedStrings folded(strings.size(), [&](qsizetype i) { return QStringView(strings[i]); }, limit);
    uint32_t numRanks = 0;
    const std::vector<uint32_t> rank = folded.ranks(&numRanks);
    QCOMPARE(rank.size(), size_t(strings.size()));
    const auto key = [&](qsizetype i) { return limit < 0 ? strings[i] : strings[i].left(limit); };
    std::vector<qsizetype> order(static_cast<size_t>(strings.size()));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](qsizetype a, qsizetype b) { return key(a).compare(key(b), Qt::CaseInsensitive) < 0; });
    uint32_t distinct = order.empty() ? 0 : 1;
    for (size_t k = 1; k < order.size(); ++k) {
        const int c = sign(key(order[k - 1]).compare(key(order[k]), Qt::CaseInsensitive));
        const int r = sign(int(rank[size_t(order[k])]) - int(rank[size_t(order[k - 1])]));
        if (c != -r)
            QFAIL(qPrintable(QStringLiteral("compare(%1, %2) = %3 but ranks differ by %4")
                                 .arg(QString::fromLatin1(key(order[k - 1]).toUtf8().toHex()),
                                      QString::fromLatin1(key(order[k]).toUtf8().toHex()))
                                 .arg(c)
                                 .arg(r)));
        distinct += c != 0;
    }
    QCOMPARE(numRanks, distinct);
    QRandomGenerator rng(99);
    for (int t = 0; t < 20000 && strings.size() > 1; ++t) {
        const qsizetype a = rng.bounded(static_cast<quint32>(strings.size()));
        const qsizetype b = rng.bounded(static_cast<quint32>(strings.size()));
        QCOMPARE(sign(int(rank[size_t(a)]) - int(rank[size_t(b)])),
                 sign(key(a).compare(key(b), Qt::CaseInsensitive)));
    }
}

} // namespace

class TestFoldedStrings : public QObject
{
    Q_OBJECT

private slots:
    void ranksMatchCompare_data()
    {
        QTest::addColumn<QStringList>("strings");
        QTest::newRow("asciiCaseTies") << QStringList{"b", "A", "a", "B", "ab", "AB", "aB", ""};
        QTest::newRow("prefixShorterFirst") << QStringList{"item10", "item1", "item", "ITEM1", "item9", "item100"};
        QTest::newRow("longCommonPrefix")
            << QStringList{"Synthetic item 123 about alpha and other things", "synthetic ITEM 123 about alpha",
                           "Synthetic item 12 about alpha and other things!", "Synthetic item 123 about alpha and"};
        QTest::newRow("punctuationAroundLetters") << QStringList{"_a", "[a", "Za", "za", "`a", "^a", "~", "@"};
        QTest::newRow("beyondAscii") << QStringList{QString::fromUtf8("Stra\u00DFe"), QString::fromUtf8("STRASSE"),
                                                    QString::fromUtf8("\u212Aelvin"), QString::fromUtf8("kelvin"),
                                                    QString::fromUtf8("\u03A3\u03C3\u03C2"), QString::fromUtf8("\u00E9t\u00E9"),
                                                    QString::fromUtf8("\u00C9T\u00C9"), QString::fromUtf8("\u0130stanbul"),
                                                    QString::fromUtf8("istanbul"), QString::fromUtf8("\u0131stanbul")};
        QTest::newRow("surrogatePairs") << QStringList{QString::fromUcs4(U"\U00010400x"), QString::fromUcs4(U"\U00010428X"),
                                                       QString::fromUcs4(U"\U0001F600"), QString::fromUtf8("\uFFFD"),
                                                       QString::fromUcs4(U"a\U0001D400"), QStringLiteral("a")};
        QTest::newRow("embeddedNul") << QStringList{QString(QChar(0)), QString(), QStringLiteral("a"),
                                                    QStringLiteral("a") + QChar(0), QStringLiteral("a") + QChar(0) + "b"};
        QTest::newRow("empty") << QStringList{};
        QTest::newRow("single") << QStringList{QStringLiteral("x")};
    }

    void ranksMatchCompare()
    {
        QFETCH(QStringList, strings);
        checkRanks(strings);
    }

    void ranksMatchCompareOnRandomStrings()
    {
        QRandomGenerator rng(2024);
        QStringList strings;
        for (int i = 0; i < 4000; ++i)
            strings << randomString(rng, i % 3 == 0 ? 3 : 24);  // short ones collide often
        checkRanks(strings);
    }

    // The table sorts its Text column by QString::left(300): a limit may cut a surrogate pair.
    void ranksHonourTheLimit()
    {
        QRandomGenerator rng(7);
        QStringList strings;
        for (int i = 0; i < 3000; ++i)
            strings << randomString(rng, 14);
        checkRanks(strings, 9);
        checkRanks({QStringLiteral("abcdefghij1"), QStringLiteral("ABCDEFGHIJ2"), QStringLiteral("abcdefghi")}, 10);
    }

    void containsMatchesQString()
    {
        QRandomGenerator rng(11);
        QStringList hay;
        for (int i = 0; i < 1500; ++i)
            hay << randomString(rng, 30);
        const FoldedStrings folded(hay.size(), [&](qsizetype i) { return QStringView(hay[i]); });
        int exactNeedles = 0, matches = 0;
        for (int t = 0; t < 300; ++t) {
            // Needles: random, or cut out of a haystack with its case flipped.
            QString needle = randomString(rng, 3);
            if (t % 2) {
                const QString& h = hay[rng.bounded(static_cast<quint32>(hay.size()))];
                const qsizetype from = h.isEmpty() ? 0 : rng.bounded(static_cast<quint32>(h.size()));
                needle = h.mid(from, 1 + rng.bounded(4));
                needle = rng.bounded(2) ? needle.toUpper() : needle.toLower();
            }
            if (needle.isEmpty())
                continue;
            bool exact = false;
            const QByteArray key = FoldedStrings::foldNeedle(needle, &exact);
            if (!exact)
                continue;
            ++exactNeedles;
            for (qsizetype i = 0; i < hay.size(); ++i) {
                if (folded.needsQString(i))
                    continue;
                const bool expected = hay[i].contains(needle, Qt::CaseInsensitive);
                matches += expected;
                if (folded.contains(i, key) != expected)
                    QFAIL(qPrintable(QStringLiteral("%1 in %2: expected %3")
                                         .arg(QString::fromLatin1(needle.toUtf8().toHex()),
                                              QString::fromLatin1(hay[i].toUtf8().toHex()))
                                         .arg(expected)));
            }
        }
        QVERIFY(exactNeedles > 100);
        QVERIFY(matches > 1000);  // the test exercised matches, not only misses
    }

    void needleWithSurrogateIsNotFolded()
    {
        bool exact = true;
        QVERIFY(FoldedStrings::foldNeedle(QString::fromUcs4(U"\U0001F600"), &exact).isEmpty());
        QVERIFY(!exact);
    }
};

QTEST_GUILESS_MAIN(TestFoldedStrings)
#include "tst_foldedstrings.moc"
