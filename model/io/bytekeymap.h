#pragma once
// Hash map from byte strings to values, for the import's caches of the ids, names and answers
// it has seen (issue #17: a million CSV rows, two or three look-ups each). Open addressing with
// linear probing over a flat array of (hash tag, entry) slots, keys copied into one arena: no heap
// node per key and no string compare unless 32 bits of the hashes match. Keys are only added,
// never removed.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace chorus::model {

template <typename V>
class ByteKeyMap
{
public:
    /// The value stored for key, or nullptr. Valid until the next insert().
    V* find(std::string_view key)
    {
        if (m_entries.empty())
            return nullptr;
        const uint64_t h = hash(key);
        const auto tag = static_cast<uint32_t>(h);
        for (size_t i = h & m_mask;; i = (i + 1) & m_mask) {
            const Slot& s = m_slots[i];
            if (s.entry == 0)
                return nullptr;
            if (s.tag == tag) {
                Entry& e = m_entries[s.entry - 1];
                if (e.size == key.size() && sameBytes(m_arena.data() + e.offset, key.data(), key.size()))
                    return &e.value;
            }
        }
    }

    /// Adds key (which must not be present yet) with value; returns the stored value, valid
    /// until the next insert().
    V& insert(std::string_view key, V value)
    {
        if ((m_entries.size() + 1) * 2 > m_slots.size())
            grow();
        m_entries.push_back({m_arena.size(), key.size(), std::move(value)});
        m_arena.append(key);
        place(hash(key), static_cast<uint32_t>(m_entries.size()));
        return m_entries.back().value;
    }

    size_t size() const { return m_entries.size(); }

    /// 64-bit hash of a byte string: 8 bytes at a time, multiply-xorshift mixing (the
    /// finaliser of splitmix64, Steele, Lea & Flood 2014). Not keyed: a file crafted to collide
    /// only makes its own import slower. The last 1-7 bytes are read with fixed-size loads that
    /// overlap bytes already read (the last 8 bytes of the key, or two 4-byte or three 1-byte
    /// loads for a key under 8 bytes; with the length mixed in, every byte still counts): a
    /// copy of a variable length into a word went through memory and stalled the load after it
    /// (store forwarding), which was most of the hash's time on short ids (issue #17).
    static uint64_t hash(std::string_view key)
    {
        const char* p = key.data();
        const size_t size = key.size();
        size_t n = size;
        uint64_t h = 0x9E3779B97F4A7C15ULL ^ n;
        while (n >= 8) {
            h = (h ^ load<uint64_t>(p)) * 0xBF58476D1CE4E5B9ULL;
            h ^= h >> 31;
            p += 8;
            n -= 8;
        }
        if (n > 0) {
            uint64_t w;
            if (size >= 8)
                w = load<uint64_t>(p + n - 8);
            else if (n >= 4)
                w = load<uint32_t>(p) | uint64_t(load<uint32_t>(p + n - 4)) << 32;
            else
                w = uint64_t(uint8_t(p[0])) | uint64_t(uint8_t(p[n / 2])) << 8 | uint64_t(uint8_t(p[n - 1])) << 16;
            h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
            h ^= h >> 31;
        }
        h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
        return h ^ (h >> 31);
    }

private:
    template <typename T>
    static T load(const char* p)
    {
        T w;
        std::memcpy(&w, p, sizeof w);
        return w;
    }

    /// a[0, n) == b[0, n): keys up to 16 bytes (ids, names and answers mostly are) compared
    /// with two overlapping fixed-size loads each instead of a call to memcmp.
    static bool sameBytes(const char* a, const char* b, size_t n)
    {
        if (n >= 8 && n <= 16)
            return load<uint64_t>(a) == load<uint64_t>(b) && load<uint64_t>(a + n - 8) == load<uint64_t>(b + n - 8);
        if (n >= 4 && n < 8)
            return load<uint32_t>(a) == load<uint32_t>(b) && load<uint32_t>(a + n - 4) == load<uint32_t>(b + n - 4);
        return std::memcmp(a, b, n) == 0;
    }

    // 8 bytes: a million-row import looks its items up at random in a table of a few hundred
    // thousand slots, and most of that time was waiting for the slot to come from memory.
    // The tag is the hash's low 32 bits, which hold every bit a slot position takes (the
    // table never reaches 2^32 slots: entries are numbered in 32 bits).
    struct Slot
    {
        uint32_t tag = 0;
        uint32_t entry = 0;  // index into m_entries + 1; 0 = empty
    };
    struct Entry
    {
        size_t offset, size;  // the key in m_arena
        V value;
    };

    void place(uint64_t h, uint32_t entry)
    {
        size_t i = h & m_mask;
        while (m_slots[i].entry != 0)
            i = (i + 1) & m_mask;
        m_slots[i] = {static_cast<uint32_t>(h), entry};
    }

    void grow()
    {
        const size_t capacity = m_slots.empty() ? 64 : m_slots.size() * 2;
        std::vector<Slot> old(capacity);
        old.swap(m_slots);
        m_mask = capacity - 1;
        for (const Slot& s : old)
            if (s.entry != 0)
                place(s.tag, s.entry);
    }

    std::vector<Slot> m_slots;
    std::vector<Entry> m_entries;
    std::string m_arena;
    size_t m_mask = 0;
};

} // namespace chorus::model
