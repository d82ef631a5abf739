// Fuzzes the export encoders with arbitrary record content: the input is used as a record's
// original line, its attributes JSON and its resource JSON, in span records and log events.
// Properties: every OTLP request body and every NDJSON line is valid JSON; encoding the same
// items twice gives the same bytes; the attribute converter either rejects its input leaving
// the output untouched or writes exactly the KeyValues it reports.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "core/export/export_item.h"
#include "core/export/ndjson_encoder.h"
#include "core/export/otlp_json.h"

namespace {

using namespace stitch;
using namespace stitch::exporting;

void require(bool condition) {
  if (!condition) {
    std::abort();
  }
}

bool isJson(simdjson::dom::parser& parser, std::string_view text) {
  simdjson::padded_string padded(text);
  simdjson::dom::element root;
  return parser.parse(padded).get(root) == simdjson::SUCCESS;
}

record::RecordPtr makeRecord(std::string_view text,
                             std::uint64_t span,
                             bool is_span,
                             std::uint8_t selector) {
  record::RecordBuilder builder;
  builder.reset(text);
  auto& f = builder.fields();
  f.context =
      (selector & 1) != 0 ? record::ContextProblem::kNone : record::ContextProblem::kMissing;
  f.trace_id = {0x4bf92f3577b34da6, 0xa3ce929d0e0e4736};
  f.span_id = {span};
  f.timestamp_ns = (selector & 2) != 0 ? -5 : 1'714'564'800'000'000'000;
  f.start_ns = f.timestamp_ns;
  f.duration_ns = is_span ? 1000 : -1;
  f.status = static_cast<record::Status>(selector % 3);
  f.severity_number = static_cast<std::uint8_t>(selector % 30);
  f.trace_flags = selector;
  f.flags = selector;
  f.attributes = builder.ref(text);
  f.resource = builder.ref((selector & 4) != 0 ? text : std::string_view());
  f.service = builder.ref(text.substr(0, text.size() / 3));
  f.message = builder.ref(text.substr(text.size() / 3));
  f.operation = builder.ref(text.substr(0, text.size() / 2));
  f.tracestate = builder.ref(text.substr(0, 8));
  return builder.build();
}

std::vector<ExportItem> items(std::string_view text, std::uint8_t selector) {
  record::RecordBatch records;
  records.push_back(makeRecord(text, 1, true, selector | 1));
  records.push_back(makeRecord(text, 1, false, selector | 1));
  records.push_back(makeRecord(text, 2, false, selector | 1));
  auto trace = std::make_shared<trace::DecidedTrace>();
  trace->trace_id = {0x4bf92f3577b34da6, 0xa3ce929d0e0e4736};
  trace->records = std::move(records);
  trace->tree.spans.resize(2);
  trace->tree.spans[0].span_id = {1};
  trace->tree.spans[0].record = 0;
  trace->tree.spans[0].events = {1, 7, -3};  // out-of-range indexes must be ignored
  trace->tree.spans[1].span_id = {2};
  trace->tree.spans[1].record = -1;
  trace->tree.spans[1].events = {2};
  trace->tree.warnings.emplace_back(text);
  trace->summary.root_service = std::string(text);
  record::RecordBatch loose;
  loose.push_back(makeRecord(text, 3, (selector & 8) != 0, selector));
  std::vector<ExportItem> out;
  out.push_back(ExportItem::trace(std::move(trace)));
  out.push_back(ExportItem::untracedLogs(std::move(loose)));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::uint8_t selector = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  simdjson::dom::parser parser;

  OtlpAttributeConverter converter;
  std::string out("prefix", 6);
  const int written = converter.appendKeyValues(text, out, true);
  if (written < 0) {
    require(out == "prefix");
  } else if (written > 0) {
    // "prefix," + KeyValues: as a JSON array they must parse, one element per KeyValue.
    std::string array(1, '[');
    array.append(out, 7, std::string::npos).push_back(']');
    simdjson::padded_string padded(array);
    simdjson::dom::array elements;
    require(parser.parse(padded).get(elements) == simdjson::SUCCESS);
    require(elements.size() == static_cast<std::size_t>(written));
  }

  const auto batch = items(text, selector);
  for (auto mode : {LogEventMode::kLogRecords, LogEventMode::kSpanEvents, LogEventMode::kBoth}) {
    OtlpEncoderOptions options;
    options.log_events = mode;
    options.max_request_bytes = 1024 + selector * 16;
    OtlpEncoder encoder(options);
    std::vector<OtlpRequest> first;
    std::vector<OtlpRequest> second;
    encoder.encode(batch, first);
    encoder.encode(batch, second);
    require(first.size() == second.size());
    std::uint32_t records = 0;
    for (std::size_t i = 0; i < first.size(); ++i) {
      require(first[i].body == second[i].body);
      require(isJson(parser, first[i].body));
      records += first[i].records;
    }
    require(records == 4);  // every record exactly once
  }

  for (auto mode : {NdjsonMode::kPerRecord, NdjsonMode::kPerTrace}) {
    NdjsonEncoder encoder(mode);
    std::string lines;
    for (const auto& item : batch) {
      encoder.encode(item, lines);
    }
    if (mode == NdjsonMode::kPerTrace) {
      const std::size_t end = lines.find('\n');
      require(end != std::string::npos);
      require(isJson(parser, std::string_view(lines).substr(0, end)));
    }
    require(!lines.empty() && lines.back() == '\n');
  }
  return 0;
}
