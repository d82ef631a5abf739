// Fuzzes the store's reading of a stored record blob (what a corrupt or hostile file holds).
// Properties:
// - decoding arbitrary bytes never crashes and never allocates beyond its limit;
// - a blob that decodes, encoded again, decodes to the same records.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/store/record_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stitch;
  static store::RecordCodec codec(1);
  const std::string_view blob(reinterpret_cast<const char*>(data), size);
  record::RecordBatch first;
  store::CodecError error{};
  // Raw serialized records too, as a chunk's slice holds them.
  record::RecordBatch raw;
  (void)store::deserializeRecords(blob, raw);
  if (!codec.decode(blob, first, error)) {
    return 0;
  }
  std::string again;
  record::RecordBatch second;
  if (!codec.encode(first, again) || !codec.decode(again, second, error) ||
      second.size() != first.size()) {
    std::abort();
  }
  for (std::size_t i = 0; i < first.size(); ++i) {
    if (first[i]->raw() != second[i]->raw() || first[i]->span_id != second[i]->span_id) {
      std::abort();
    }
  }
  return 0;
}
