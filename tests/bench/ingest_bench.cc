// What stitchd's ingest adds per record around the decoder: framing a stream (newline: one
// memrchr per read; octet-counted: a header per record) and handing batches through the bounded
// queue to another thread. Both must stay far below the decoder's ~0.6 us per record for the
// 1.5M records/s race. Input: STITCH_BENCH_LOGS (gen_logs.py output), else generated lines.
// Figures go to docs/performance.md, "Ingest".
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "core/ingest/framer.h"
#include "core/ingest/record_queue.h"
#include "core/record/record.h"

namespace {

using namespace stitch;

// About 8 MiB of NDJSON: the file named by STITCH_BENCH_LOGS, or lines shaped like it.
const std::string& input() {
  static const std::string data = [] {
    std::string text;
    if (const char* path = std::getenv("STITCH_BENCH_LOGS")) {
      std::ifstream in(path, std::ios::binary);
      text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    if (text.empty()) {
      for (int i = 0; text.size() < (8u << 20); ++i) {
        text += R"({"ts":"2024-05-01T12:00:00.000103099Z","level":"INFO","service":"inventory",)"
                R"("msg":"request )" +
                std::to_string(i) +
                R"( done","traceparent":"00-4dcabfb7001a9a8bd56f03508c459ce2-c51155ffe7a37e81-01",)"
                R"("span_id":"c51155ffe7a37e81","duration_ms":116.797,"status":200,)"
                R"("attrs":{"http.route":"/api/v1/payments/{id}/capture","http.method":"PUT"}})"
                "\n";
      }
    }
    if (text.size() > (8u << 20)) {
      text.resize(text.rfind('\n', 8u << 20) + 1);
    }
    return text;
  }();
  return data;
}

std::vector<std::string_view> lines() {
  std::vector<std::string_view> out;
  std::string_view rest = input();
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    out.push_back(rest.substr(0, nl));
    rest.remove_prefix(nl + 1);
  }
  return out;
}

struct CountingSink {
  std::size_t runs = 0;
  std::size_t bytes = 0;
  std::size_t frames = 0;
  void onLines(std::string_view run) {
    ++runs;
    bytes += run.size();
  }
  void onFrame(std::string_view frame) {
    ++frames;
    bytes += frame.size();
  }
  void onOversize() {}
  void onInvalidFrame() {}
};

// Frames the input the way a connection does: 256 KiB reads, the unconsumed tail carried over.
void frameInReads(const std::string& data, ingest::Framing framing, CountingSink& sink) {
  constexpr std::size_t kRead = 256 * 1024;
  ingest::StreamFramer framer(framing, 1 << 20);
  std::string buffer;
  buffer.reserve(2 * kRead);
  for (std::size_t pos = 0; pos < data.size(); pos += kRead) {
    buffer.append(data, pos, kRead);
    buffer.erase(0, framer.frame(buffer, sink));
  }
  framer.finish(buffer, sink);
}

void BM_FrameNewline(benchmark::State& state) {
  const std::string& data = input();
  const auto records = static_cast<std::int64_t>(lines().size());
  for (auto _ : state) {
    CountingSink sink;
    frameInReads(data, ingest::Framing::kNewline, sink);
    benchmark::DoNotOptimize(sink.bytes);
  }
  state.SetItemsProcessed(state.iterations() * records);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(data.size()));
}
BENCHMARK(BM_FrameNewline);

void BM_FrameOctetCounted(benchmark::State& state) {
  std::string data;
  const auto all = lines();
  for (std::string_view line : all) {
    data += std::to_string(line.size());
    data += ' ';
    data += line;
  }
  for (auto _ : state) {
    CountingSink sink;
    frameInReads(data, ingest::Framing::kOctetCounted, sink);
    benchmark::DoNotOptimize(sink.frames);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(all.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(data.size()));
}
BENCHMARK(BM_FrameOctetCounted);

// Batches of `batch` records pushed by this thread and popped (and freed) by a consumer
// thread, as between an ingest worker and the output writer. Building the records is outside
// the timing: only the hand-off (and the consumer's frees) is measured.
void BM_RecordQueueHandOff(benchmark::State& state) {
  const auto batch_size = static_cast<std::size_t>(state.range(0));
  const auto all = lines();
  ingest::RecordQueue queue(65536, 256u << 20);
  std::thread consumer([&] {
    record::RecordBatch out;
    while (queue.pop(out, std::chrono::milliseconds(2), ingest::RecordQueue::Wake::kOnThreshold) ||
           !queue.closed()) {
      out.clear();
    }
  });
  record::RecordBuilder builder;
  std::size_t next = 0;
  std::int64_t records = 0;
  for (auto _ : state) {
    state.PauseTiming();
    record::RecordBatch batch;
    batch.reserve(batch_size);
    for (std::size_t i = 0; i < batch_size; ++i) {
      builder.reset(all[next++ % all.size()]);
      batch.push_back(builder.build());
    }
    state.ResumeTiming();
    while (queue.tryPush(batch) != ingest::PushResult::kAccepted) {
      std::this_thread::yield();
    }
    records += static_cast<std::int64_t>(batch_size);
  }
  queue.close();
  consumer.join();
  state.SetItemsProcessed(records);
}
BENCHMARK(BM_RecordQueueHandOff)->Arg(64)->Arg(700)->Arg(4096)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
