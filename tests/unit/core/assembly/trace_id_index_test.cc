#include "core/assembly/trace_id_index.h"

#include <random>
#include <unordered_map>

#include <catch2/catch.hpp>

using stitch::assembly::TraceIdIndex;
using stitch::tracecontext::TraceId;
using stitch::tracecontext::TraceIdHash;

TEST_CASE("TraceIdIndex agrees with a reference map under random churn", "[assembly][index]") {
  std::mt19937_64 rng(11);
  TraceIdIndex<std::uint32_t> index;
  std::unordered_map<TraceId, std::uint32_t, TraceIdHash> reference;
  std::vector<TraceId> keys;
  for (int i = 0; i < 3000; ++i) {
    // Few distinct high halves and sequential low halves: ids from poor generators.
    keys.push_back(TraceId{rng() % 4 + 1, static_cast<std::uint64_t>(i)});
  }
  for (int step = 0; step < 200000; ++step) {
    const TraceId& key = keys[rng() % keys.size()];
    const bool present = reference.count(key) != 0;
    if (rng() % 3 == 0 && present) {
      CHECK(index.erase(key));
      reference.erase(key);
    } else if (!present) {
      const auto value = static_cast<std::uint32_t>(step);
      index.insert(key, value);
      reference.emplace(key, value);
    }
    if (step % 1000 == 0) {
      index.shrinkIfSparse();
    }
  }
  REQUIRE(index.size() == reference.size());
  for (const TraceId& key : keys) {
    const std::uint32_t* found = index.find(key);
    const auto expected = reference.find(key);
    if (expected == reference.end()) {
      CHECK(found == nullptr);
    } else {
      REQUIRE(found != nullptr);
      CHECK(*found == expected->second);
    }
  }
  std::size_t visited = 0;
  index.forEach([&](const TraceId&, std::uint32_t) { ++visited; });
  CHECK(visited == reference.size());
}

TEST_CASE("TraceIdIndex grows under load and gives its memory back when emptied",
          "[assembly][index]") {
  TraceIdIndex<int> index(16);
  const std::size_t initial = index.memoryBytes();
  for (std::uint64_t i = 1; i <= 10000; ++i) {
    index.insert(TraceId{0, i}, 1);
  }
  CHECK(index.capacity() * 7 >= index.size() * 10);
  CHECK(index.memoryBytes() > initial);
  for (std::uint64_t i = 1; i <= 10000; ++i) {
    REQUIRE(index.erase(TraceId{0, i}));
  }
  CHECK_FALSE(index.erase(TraceId{0, 1}));
  index.shrinkIfSparse();
  CHECK(index.memoryBytes() == initial);
  CHECK(index.empty());
}

namespace {
struct Entry {
  TraceId id;
  int payload = 0;
};
struct EntryKey {
  const TraceId& operator()(const Entry* entry) const noexcept { return entry->id; }
};
}  // namespace

TEST_CASE("TraceIdIndex without inline keys reads keys through its values", "[assembly][index]") {
  std::mt19937_64 rng(12);
  std::vector<Entry> entries(2000);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    entries[i].id = TraceId{1, i + 1};  // sequential ids collide in low bits a lot
    entries[i].payload = static_cast<int>(i);
  }
  TraceIdIndex<Entry*, EntryKey> index;
  std::vector<bool> present(entries.size(), false);
  for (int step = 0; step < 100000; ++step) {
    const std::size_t i = rng() % entries.size();
    if (present[i]) {
      REQUIRE(index.erase(entries[i].id));
    } else {
      index.insert(entries[i].id, &entries[i]);
    }
    present[i] = !present[i];
  }
  std::size_t count = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    Entry* const* found = index.find(entries[i].id);
    if (present[i]) {
      REQUIRE(found != nullptr);
      CHECK((*found)->payload == static_cast<int>(i));
      ++count;
    } else {
      CHECK(found == nullptr);
    }
  }
  CHECK(index.size() == count);
  CHECK(sizeof(TraceIdIndex<Entry*, EntryKey>::Slot) == sizeof(Entry*));
}
