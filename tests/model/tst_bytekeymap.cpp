// ByteKeyMap (model/io/bytekeymap.h), the import's table of ids, names and answers by their
// bytes: its hash and key compare read a key's bytes with fixed-size loads that overlap, so
// every key length from 0 to past 16 and a difference at every byte position is checked here
// against std::unordered_map<std::string>, the independent expected value.

#include "../../model/io/bytekeymap.h"

#include <QtTest>

#include <random>
#include <string>
#include <unordered_map>
#include <vector>

using chorus::model::ByteKeyMap;

class TestByteKeyMap : public QObject
{
    Q_OBJECT

private slots:
    void everyLengthAndByte();
    void manyKeysAsUnorderedMap();
};

void TestByteKeyMap::everyLengthAndByte()
{
    // For each length 0..40: a base key, and copies that differ from it in one byte (each
    // position, two values), and the base key one byte shorter and longer. All distinct.
    std::vector<std::string> keys;
    for (size_t len = 0; len <= 40; ++len) {
        std::string base;
        for (size_t i = 0; i < len; ++i)
            base += static_cast<char>('a' + i % 26);
        keys.push_back(base);
        for (size_t i = 0; i < len; ++i)
            for (const char c : {'#', '\xE9'}) {
                std::string k = base;
                k[i] = c;
                keys.push_back(k);
            }
        keys.push_back(base + std::string(1, '\0'));  // a trailing NUL byte is a byte too
    }
    std::unordered_map<std::string, int> expected;
    ByteKeyMap<int> map;
    for (const std::string& k : keys) {
        if (expected.count(k))
            continue;
        // Only half of them go in: the others must not be found.
        if (expected.size() % 2 == 0)
            map.insert(k, static_cast<int>(expected.size()));
        expected.emplace(k, static_cast<int>(expected.size()));
    }
    for (const auto& [k, v] : expected) {
        const int* found = map.find(k);
        if (v % 2 == 0) {
            QVERIFY2(found, qPrintable(QString::fromLatin1(k.data(), static_cast<qsizetype>(k.size()))));
            QCOMPARE(*found, v);
        } else {
            QVERIFY2(!found, qPrintable(QString::fromLatin1(k.data(), static_cast<qsizetype>(k.size()))));
        }
    }
    QCOMPARE(map.size(), (expected.size() + 1) / 2);
    // Views into a larger buffer (as the CSV reader passes them): the bytes around a key do
    // not count.
    const std::string line = "xxabcdefghijklmnopyy";
    ByteKeyMap<int> views;
    views.insert(std::string_view(line).substr(2, 5), 1);   // "abcde"
    views.insert(std::string_view(line).substr(2, 13), 2);  // "abcdefghijklm"
    QCOMPARE(*views.find("abcde"), 1);
    QCOMPARE(*views.find("abcdefghijklm"), 2);
    QVERIFY(!views.find("abcdef"));
    QVERIFY(!views.find("abcdefghijkl"));
    QVERIFY(!views.find(std::string_view(line).substr(1, 5)));
}

void TestByteKeyMap::manyKeysAsUnorderedMap()
{
    // 200,000 keys shaped like the issue #17 crowd (item_000123, worker_042, class_3) and
    // random bytes of random lengths, looked up as they come.
    std::mt19937_64 rng(5);
    std::unordered_map<std::string, int> expected;
    ByteKeyMap<int> map;
    for (int i = 0; i < 200000; ++i) {
        std::string k;
        switch (rng() % 4) {
        case 0: k = "item_" + std::to_string(rng() % 100000); break;
        case 1: k = "worker_" + std::to_string(rng() % 300); break;
        case 2: k = "class_" + std::to_string(rng() % 12); break;
        default:
            for (size_t n = rng() % 24; n > 0; --n)
                k += static_cast<char>(rng() % 4);  // few byte values: many near twins
        }
        const auto it = expected.find(k);
        int* found = map.find(k);
        if (it == expected.end()) {
            QVERIFY(!found);
            const int v = static_cast<int>(expected.size());
            expected.emplace(k, v);
            QCOMPARE(map.insert(k, v), v);
        } else {
            QVERIFY(found);
            QCOMPARE(*found, it->second);
        }
    }
    QCOMPARE(map.size(), expected.size());
}

QTEST_GUILESS_MAIN(TestByteKeyMap)
#include "tst_bytekeymap.moc"
