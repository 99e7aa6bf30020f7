#pragma once
// Hash map from byte strings to values, for the import's caches of the ids, names and answers
// it has seen (issue #17: a million CSV rows, two or three look-ups each). Open addressing with
// linear probing over a flat array of (hash, entry) slots, keys copied into one arena: no heap
// node per key and no string compare unless the 64-bit hashes match. Keys are only added,
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
        for (size_t i = h & m_mask;; i = (i + 1) & m_mask) {
            const Slot& s = m_slots[i];
            if (s.entry == 0)
                return nullptr;
            if (s.hash == h) {
                Entry& e = m_entries[s.entry - 1];
                if (std::string_view(m_arena.data() + e.offset, e.size) == key)
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
    /// only makes its own import slower.
    static uint64_t hash(std::string_view key)
    {
        const char* p = key.data();
        size_t n = key.size();
        uint64_t h = 0x9E3779B97F4A7C15ULL ^ n;
        while (n >= 8) {
            uint64_t w;
            std::memcpy(&w, p, 8);
            h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
            h ^= h >> 31;
            p += 8;
            n -= 8;
        }
        if (n > 0) {
            uint64_t w = 0;
            std::memcpy(&w, p, n);
            h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
            h ^= h >> 31;
        }
        h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
        return h ^ (h >> 31);
    }

private:
    struct Slot
    {
        uint64_t hash = 0;
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
        m_slots[i] = {h, entry};
    }

    void grow()
    {
        const size_t capacity = m_slots.empty() ? 64 : m_slots.size() * 2;
        std::vector<Slot> old(capacity);
        old.swap(m_slots);
        m_mask = capacity - 1;
        for (const Slot& s : old)
            if (s.entry != 0)
                place(s.hash, s.entry);
    }

    std::vector<Slot> m_slots;
    std::vector<Entry> m_entries;
    std::string m_arena;
    size_t m_mask = 0;
};

} // namespace chorus::model
