#include "core/store/record_codec.h"

#include <zstd.h>

namespace stitch::store {

std::string_view codecErrorName(CodecError error) noexcept {
  switch (error) {
    case CodecError::kUnknownFormat:
      return "unknown_format";
    case CodecError::kCorrupt:
      return "corrupt";
    case CodecError::kTooLarge:
      return "too_large";
  }
  return "corrupt";
}

RecordCodec::RecordCodec(int compression_level)
    : level_(compression_level), cctx_(ZSTD_createCCtx()), dctx_(ZSTD_createDCtx()) {}

RecordCodec::~RecordCodec() {
  ZSTD_freeCCtx(cctx_);
  ZSTD_freeDCtx(dctx_);
}

bool RecordCodec::encode(const record::RecordBatch& records, std::string& blob) {
  serialized_.clear();
  for (const auto& r : records) {
    r->serialize(serialized_);
  }
  return encodeSerialized(serialized_, blob);
}

bool RecordCodec::encodeSerialized(std::string_view serialized, std::string& blob) {
  const std::size_t bound = ZSTD_compressBound(serialized.size());
  blob.resize(1 + bound);
  blob[0] = static_cast<char>(kBlobZstd);
  // With ZSTD_compressBound() bytes of room, only an allocation failure inside zstd can fail.
  const std::size_t n = ZSTD_compressCCtx(cctx_, blob.data() + 1, bound, serialized.data(),
                                          serialized.size(), level_);
  if (ZSTD_isError(n) != 0U) {
    blob.clear();
    return false;
  }
  blob.resize(1 + n);
  return true;
}

bool RecordCodec::decompress(std::string_view blob, std::string& serialized, CodecError& error) {
  if (blob.empty() || static_cast<std::uint8_t>(blob[0]) != kBlobZstd) {
    error = CodecError::kUnknownFormat;
    return false;
  }
  const std::string_view frame = blob.substr(1);
  const unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
    error = CodecError::kCorrupt;
    return false;
  }
  if (size > kMaxDecodedBytes) {
    error = CodecError::kTooLarge;
    return false;
  }
  serialized.resize(static_cast<std::size_t>(size));
  const std::size_t n =
      ZSTD_decompressDCtx(dctx_, serialized.data(), serialized.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) != 0U || n != size) {
    error = CodecError::kCorrupt;
    return false;
  }
  return true;
}

bool RecordCodec::decode(std::string_view blob, record::RecordBatch& out, CodecError& error) {
  if (!decompress(blob, serialized_, error)) {
    return false;
  }
  if (!deserializeRecords(serialized_, out)) {
    error = CodecError::kCorrupt;
    return false;
  }
  return true;
}

bool deserializeRecords(std::string_view serialized, record::RecordBatch& out) {
  while (!serialized.empty()) {
    record::RecordPtr r = record::Record::deserialize(serialized);
    if (!r) {
      return false;
    }
    out.push_back(std::move(r));
  }
  return true;
}

}  // namespace stitch::store
