#include "core/record/record.h"

#include <cstring>
#include <new>
#include <utility>

namespace stitch::record {
namespace {

constexpr std::uint8_t kSerialVersion = 1;

void putU64(std::string& out, std::uint64_t v) {
  char bytes[8];
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<char>(v >> (8 * i));
  }
  out.append(bytes, 8);
}

void putU32(std::string& out, std::uint32_t v) {
  char bytes[4];
  for (int i = 0; i < 4; ++i) {
    bytes[i] = static_cast<char>(v >> (8 * i));
  }
  out.append(bytes, 4);
}

void putRef(std::string& out, StringRef ref) {
  putU32(out, ref.offset);
  putU32(out, ref.size);
}

// Reads little-endian fields from a byte range; any read past the end sets `ok` to false.
class Reader {
public:
  explicit Reader(std::string_view in) noexcept : in_(in) {}
  std::uint64_t u64() noexcept { return take(8); }
  std::uint32_t u32() noexcept { return static_cast<std::uint32_t>(take(4)); }
  std::uint8_t u8() noexcept { return static_cast<std::uint8_t>(take(1)); }
  StringRef ref() noexcept {
    StringRef r;
    r.offset = u32();
    r.size = u32();
    return r;
  }
  std::string_view bytes(std::size_t n) noexcept {
    if (!ok || in_.size() - pos_ < n) {
      ok = false;
      return {};
    }
    std::string_view v = in_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  std::size_t position() const noexcept { return pos_; }
  bool ok = true;

private:
  std::uint64_t take(std::size_t n) noexcept {
    if (!ok || in_.size() - pos_ < n) {
      ok = false;
      return 0;
    }
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in_[pos_ + i])) << (8 * i);
    }
    pos_ += n;
    return v;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
};

bool refInside(StringRef ref, std::uint32_t data_size) noexcept {
  return ref.offset <= data_size && ref.size <= data_size - ref.offset;
}

}  // namespace

std::string_view formatName(Format format) noexcept {
  switch (format) {
    case Format::kUnknown:
      return "unknown";
    case Format::kCanonical:
      return "canonical";
    case Format::kOtel:
      return "otel";
    case Format::kEcs:
      return "ecs";
    case Format::kDatadog:
      return "datadog";
    case Format::kCustom:
      return "custom";
  }
  return "unknown";
}

std::string_view problemName(ContextProblem problem) noexcept {
  switch (problem) {
    case ContextProblem::kNone:
      return "none";
    case ContextProblem::kMissing:
      return "missing";
    case ContextProblem::kInvalidTraceparent:
      return "invalid_traceparent";
    case ContextProblem::kInvalidTraceId:
      return "invalid_trace_id";
    case ContextProblem::kZeroTraceId:
      return "zero_trace_id";
    case ContextProblem::kInvalidSpanId:
      return "invalid_span_id";
    case ContextProblem::kZeroSpanId:
      return "zero_span_id";
    case ContextProblem::kInvalidParentSpanId:
      return "invalid_parent_span_id";
    case ContextProblem::kInvalidTracestate:
      return "invalid_tracestate";
  }
  return "unknown";
}

void RecordDeleter::operator()(Record* record) const noexcept {
  if (record != nullptr) {
    record->~Record();
    ::operator delete(static_cast<void*>(record));
  }
}

namespace {}  // namespace

RecordPtr Record::allocate(const RecordFields& fields,
                           std::string_view raw,
                           std::string_view extra) {
  return construct(::operator new(sizeof(Record) + raw.size() + extra.size()), fields, raw, extra);
}

RecordPtr Record::construct(void* memory,
                            const RecordFields& fields,
                            std::string_view raw,
                            std::string_view extra) noexcept {
  const std::size_t data_size = raw.size() + extra.size();
  auto* record = new (memory)
      Record(fields, static_cast<std::uint32_t>(raw.size()), static_cast<std::uint32_t>(data_size));
  if (!raw.empty()) {
    std::memcpy(record->data(), raw.data(), raw.size());
  }
  if (!extra.empty()) {
    std::memcpy(record->data() + raw.size(), extra.data(), extra.size());
  }
  return RecordPtr(record);
}

RecordPtr Record::clone() const {
  return allocate(*this, {data(), data_size_}, {});
}

void Record::serialize(std::string& out) const {
  out.push_back(static_cast<char>(kSerialVersion));
  putU64(out, static_cast<std::uint64_t>(timestamp_ns));
  putU64(out, static_cast<std::uint64_t>(start_ns));
  putU64(out, static_cast<std::uint64_t>(duration_ns));
  putU64(out, trace_id.hi);
  putU64(out, trace_id.lo);
  putU64(out, span_id.value);
  putU64(out, parent_span_id.value);
  out.push_back(static_cast<char>(trace_flags));
  out.push_back(static_cast<char>(status));
  out.push_back(static_cast<char>(severity_number));
  out.push_back(static_cast<char>(format));
  out.push_back(static_cast<char>(context));
  out.push_back(static_cast<char>(traceparent_error));
  out.push_back(static_cast<char>(flags));
  for (StringRef ref :
       {service, operation, message, error, severity_text, tracestate, attributes, resource}) {
    putRef(out, ref);
  }
  putU32(out, raw_size_);
  putU32(out, data_size_);
  out.append(data(), data_size_);
}

RecordPtr Record::deserialize(std::string_view& in) {
  Reader r(in);
  if (r.u8() != kSerialVersion) {
    return nullptr;
  }
  RecordFields f;
  f.timestamp_ns = static_cast<TimestampNs>(r.u64());
  f.start_ns = static_cast<TimestampNs>(r.u64());
  f.duration_ns = static_cast<std::int64_t>(r.u64());
  f.trace_id.hi = r.u64();
  f.trace_id.lo = r.u64();
  f.span_id.value = r.u64();
  f.parent_span_id.value = r.u64();
  f.trace_flags = r.u8();
  const std::uint8_t status = r.u8();
  f.severity_number = r.u8();
  const std::uint8_t format = r.u8();
  const std::uint8_t context = r.u8();
  f.traceparent_error = r.u8();
  f.flags = r.u8();
  if (status > static_cast<std::uint8_t>(Status::kError) || format >= kFormatCount ||
      context >= kContextProblemCount) {
    return nullptr;
  }
  f.status = static_cast<Status>(status);
  f.format = static_cast<Format>(format);
  f.context = static_cast<ContextProblem>(context);
  for (StringRef* ref : {&f.service, &f.operation, &f.message, &f.error, &f.severity_text,
                         &f.tracestate, &f.attributes, &f.resource}) {
    *ref = r.ref();
  }
  const std::uint32_t raw_size = r.u32();
  const std::uint32_t data_size = r.u32();
  const std::string_view bytes = r.bytes(data_size);
  if (!r.ok || raw_size > data_size) {
    return nullptr;
  }
  for (StringRef ref : {f.service, f.operation, f.message, f.error, f.severity_text, f.tracestate,
                        f.attributes, f.resource}) {
    if (!refInside(ref, data_size)) {
      return nullptr;
    }
  }
  in.remove_prefix(r.position());
  return allocate(f, bytes.substr(0, raw_size), bytes.substr(raw_size));
}

void RecordBuilder::reset(std::string_view raw) {
  fields_ = RecordFields{};
  raw_ = raw;
  extra_.clear();
  const std::size_t size = sizeof(Record) + raw.size();
  // Rounded up to a cache line: room for a short scratch area (unescaped strings), and the
  // same size class for jemalloc, whose classes above 256 bytes are multiples of 64.
  const std::size_t wanted = (size + 63) & ~std::size_t{63};
  // Too small, or far too big for this line (one long line must not make every later record
  // occupy its size).
  if (next_ != nullptr && (next_capacity_ < size || next_capacity_ > 2 * wanted + 256)) {
    ::operator delete(std::exchange(next_, nullptr));
    next_capacity_ = 0;
  }
  if (next_ == nullptr) {
    next_ = ::operator new(wanted);
    next_capacity_ = wanted;
  }
  const char* bytes = static_cast<const char*>(next_);
  for (std::size_t offset = 0; offset < size; offset += 64) {
    __builtin_prefetch(bytes + offset, 1, 3);
  }
}

StringRef RecordBuilder::ref(std::string_view text) {
  const char* begin = raw_.data();
  if (!text.empty() && text.data() >= begin && text.data() + text.size() <= begin + raw_.size()) {
    return StringRef{static_cast<std::uint32_t>(text.data() - begin),
                     static_cast<std::uint32_t>(text.size())};
  }
  return copy(text);
}

StringRef RecordBuilder::copy(std::string_view text) {
  if (text.empty()) {
    return {};
  }
  const auto offset = static_cast<std::uint32_t>(raw_.size() + extra_.size());
  extra_.append(text);
  return StringRef{offset, static_cast<std::uint32_t>(text.size())};
}

std::string_view RecordBuilder::view(StringRef ref) const noexcept {
  if (ref.offset < raw_.size()) {
    return raw_.substr(ref.offset, ref.size);
  }
  return std::string_view(extra_).substr(ref.offset - raw_.size(), ref.size);
}

RecordBuilder::~RecordBuilder() {
  ::operator delete(next_);
}

RecordPtr RecordBuilder::build() {
  const std::size_t size = sizeof(Record) + raw_.size() + extra_.size();
  if (next_ == nullptr || size > next_capacity_) {
    return Record::allocate(fields_, raw_, extra_);
  }
  void* memory = std::exchange(next_, nullptr);
  next_capacity_ = 0;
  return Record::construct(memory, fields_, raw_, extra_);
}

}  // namespace stitch::record
