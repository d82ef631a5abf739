#include "daemon/export/file_sink.h"

#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "tests/unit/daemon/export/temp_dir.h"

using namespace stitch;
using namespace stitch::daemon;
using namespace stitch::exporting;
using namespace stitch::testing;
using namespace std::chrono_literals;

namespace {

std::string lines(int count, int width, char fill = 'x') {
  std::string out;
  for (int i = 0; i < count; ++i) {
    out += std::string(static_cast<std::size_t>(width - 1), fill);
    out += '\n';
  }
  return out;
}

FileSink::Options options(const TempDir& dir) {
  FileSink::Options o;
  o.path = dir.file("out.ndjson");
  o.rotate.max_size = 0;
  o.fsync = FsyncPolicy::kNever;
  return o;
}

bool wholeLines(const std::string& text) {
  return text.empty() || text.back() == '\n';
}

}  // namespace

TEST_CASE("FileSink appends to an existing file", "[export]") {
  TempDir dir;
  ManualClock clock;
  {
    FileSink sink(options(dir), clock);
    std::size_t offset = 0;
    REQUIRE(sink.write("one\n", offset) == 0);
    CHECK(offset == 4);
  }
  FileSink sink(options(dir), clock);
  CHECK(sink.fileSize() == 4);
  std::size_t offset = 0;
  REQUIRE(sink.write("two\n", offset) == 0);
  sink.close();
  CHECK(readFile(dir.file("out.ndjson")) == "one\ntwo\n");
}

TEST_CASE("FileSink rotates by size at line boundaries and keeps max_files", "[export]") {
  TempDir dir;
  ManualClock clock;
  auto o = options(dir);
  o.rotate.max_size = 4096;
  o.rotate.max_files = 2;
  FileSink sink(o, clock);
  std::string all;
  for (int batch = 0; batch < 10; ++batch) {
    const std::string data = lines(30, 100, static_cast<char>('a' + batch));  // 3000 bytes
    all += data;
    std::size_t offset = 0;
    REQUIRE(sink.write(data, offset) == 0);
    CHECK(offset == data.size());
  }
  sink.close();
  const std::string current = readFile(o.path);
  const std::string one = readFile(o.path + ".1");
  const std::string two = readFile(o.path + ".2");
  CHECK_FALSE(std::filesystem::exists(o.path + ".3"));
  for (const std::string* f : {&current, &one, &two}) {
    CHECK(f->size() <= 4096);
    CHECK(wholeLines(*f));
  }
  CHECK(one.size() == 4000);  // 40 lines of 100 bytes fill a file as far as whole lines go
  // The newest data is in the current file, then .1, then .2: together, the tail of all.
  const std::string kept = two + one + current;
  CHECK(all.substr(all.size() - kept.size()) == kept);
  CHECK(sink.rotations() == 7);
}

TEST_CASE("FileSink gives a line longer than max_size a file of its own", "[export]") {
  TempDir dir;
  ManualClock clock;
  auto o = options(dir);
  o.rotate.max_size = 4096;
  o.rotate.max_files = 5;
  FileSink sink(o, clock);
  const std::string data = "short\n" + std::string(10000, 'L') + "\nafter\n";
  std::size_t offset = 0;
  REQUIRE(sink.write(data, offset) == 0);
  sink.close();
  CHECK(readFile(o.path + ".2") == "short\n");
  CHECK(readFile(o.path + ".1") == std::string(10000, 'L') + "\n");
  CHECK(readFile(o.path) == "after\n");
}

TEST_CASE("FileSink rotates a non-empty file once it is max_age old", "[export]") {
  TempDir dir;
  ManualClock clock;
  auto o = options(dir);
  o.rotate.max_age = 60s;
  o.rotate.max_files = 3;
  FileSink sink(o, clock);
  sink.onTick();
  CHECK(sink.rotations() == 0);
  std::size_t offset = 0;
  REQUIRE(sink.write("first\n", offset) == 0);
  clock.advance(59s);
  sink.onTick();
  CHECK(sink.rotations() == 0);
  clock.advance(1s);
  sink.onTick();  // aged out while idle: rotated without waiting for a write
  CHECK(sink.rotations() == 1);
  clock.advance(120s);
  sink.onTick();  // an empty file is not rotated, however old
  CHECK(sink.rotations() == 1);
  offset = 0;
  REQUIRE(sink.write("second\n", offset) == 0);
  clock.advance(61s);
  offset = 0;
  REQUIRE(sink.write("third\n", offset) == 0);  // the write finds the file too old first
  sink.close();
  CHECK(sink.rotations() == 2);
  CHECK(readFile(o.path + ".2") == "first\n");
  CHECK(readFile(o.path + ".1") == "second\n");
  CHECK(readFile(o.path) == "third\n");
}

TEST_CASE("FileSink fsync policies: never, every batch, at most every interval", "[export]") {
  TempDir dir;
  ManualClock clock;
  std::size_t offset = 0;

  auto o = options(dir);
  o.fsync = FsyncPolicy::kNever;
  {
    FileSink never(o, clock);
    offset = 0;
    never.write("a\n", offset);
    never.afterBatch();
    never.onTick();
    never.close();
    CHECK(never.fsyncs() == 0);
  }
  o.fsync = FsyncPolicy::kBatch;
  {
    FileSink batch(o, clock);
    for (int i = 0; i < 3; ++i) {
      offset = 0;
      batch.write("a\n", offset);
      REQUIRE(batch.afterBatch() == 0);
    }
    batch.afterBatch();  // nothing written since: nothing to sync
    CHECK(batch.fsyncs() == 3);
  }
  o.fsync = FsyncPolicy::kInterval;
  o.fsync_interval = 1000ms;
  {
    FileSink interval(o, clock);
    offset = 0;
    interval.write("a\n", offset);
    interval.afterBatch();
    CHECK(interval.fsyncs() == 0);
    clock.advance(999ms);
    interval.onTick();
    CHECK(interval.fsyncs() == 0);
    clock.advance(1ms);
    interval.onTick();
    CHECK(interval.fsyncs() == 1);
    clock.advance(5s);
    interval.onTick();  // clean: no sync
    CHECK(interval.fsyncs() == 1);
    offset = 0;
    interval.write("b\n", offset);
    interval.close();  // closing syncs what is dirty
    CHECK(interval.fsyncs() == 2);
  }
}

TEST_CASE("FileSink reopen follows an external rotation", "[export]") {
  TempDir dir;
  ManualClock clock;
  auto o = options(dir);
  FileSink sink(o, clock);
  std::size_t offset = 0;
  sink.write("before\n", offset);
  std::filesystem::rename(o.path, o.path + ".moved");  // logrotate's move
  REQUIRE(sink.reopen() == 0);
  offset = 0;
  sink.write("after\n", offset);
  sink.close();
  CHECK(readFile(o.path + ".moved") == "before\n");
  CHECK(readFile(o.path) == "after\n");
}

TEST_CASE("FileSink reports a full disk as an error and keeps its place", "[export]") {
  ManualClock clock;
  FileSink::Options o;
  o.path = "/dev/full";
  o.rotate.max_size = 0;
  FileSink sink(o, clock);
  std::size_t offset = 0;
  CHECK(sink.write("data\n", offset) == ENOSPC);
  CHECK(offset == 0);
}

TEST_CASE("FileSink creates a missing directory, as a first run needs", "[export]") {
  TempDir dir;
  ManualClock clock;
  FileSink::Options o;
  o.path = dir.file("missing/dir/out.ndjson");
  {
    FileSink sink(o, clock);
    std::size_t offset = 0;
    REQUIRE(sink.write("a\n", offset) == 0);
  }
  CHECK(readFile(o.path) == "a\n");
}

TEST_CASE("FileSink refuses a path it cannot open, at construction", "[export]") {
  TempDir dir;
  ManualClock clock;
  FileSink::Options o;
  o.path = dir.file("plain");
  { FileSink(o, clock); }  // a regular file where the directory should be
  o.path = dir.file("plain/out.ndjson");
  CHECK_THROWS_AS(FileSink(o, clock), std::system_error);
}
