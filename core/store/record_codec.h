#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/record/record.h"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace stitch::store {

// The stored form of a trace's records: one format byte, then one zstd frame holding every
// record's Record::serialize() bytes back to back (arrival order). Appending late records
// re-compresses the whole frame; that is rare and keeps reads to one decompression.
inline constexpr std::uint8_t kBlobZstd = 1;

enum class CodecError : std::uint8_t {
  kUnknownFormat,  // first byte is not a format this build reads
  kCorrupt,        // zstd refused the frame, or a record inside is truncated
  kTooLarge,       // the frame claims more than kMaxDecodedBytes
};
std::string_view codecErrorName(CodecError error) noexcept;

// Compresses and decompresses record blobs, reusing its zstd contexts and scratch buffers.
// Threading: an instance belongs to one thread (the writer thread, or one reader connection).
class RecordCodec {
public:
  // Refuses to decode blobs that expand beyond this (a corrupt size field must not make us
  // allocate gigabytes).
  static constexpr std::size_t kMaxDecodedBytes = std::size_t{1} << 30;

  explicit RecordCodec(int compression_level = 1);
  ~RecordCodec();
  RecordCodec(const RecordCodec&) = delete;
  RecordCodec& operator=(const RecordCodec&) = delete;

  // Serializes `records` and writes the blob to `blob` (replacing its contents). False only when
  // zstd fails to allocate its working memory.
  bool encode(const record::RecordBatch& records, std::string& blob);
  // Writes the blob for already serialized records (e.g. old and late records concatenated).
  bool encodeSerialized(std::string_view serialized, std::string& blob);

  // Decompresses a blob into serialized records (replacing `serialized`). No record is built.
  bool decompress(std::string_view blob, std::string& serialized, CodecError& error);
  // Decompresses and deserializes a blob, appending the records to `out`.
  bool decode(std::string_view blob, record::RecordBatch& out, CodecError& error);

  int compressionLevel() const noexcept { return level_; }

private:
  int level_;
  ZSTD_CCtx_s* cctx_;
  ZSTD_DCtx_s* dctx_;
  std::string serialized_;  // scratch
};

// Deserializes records written back to back; false when the bytes end inside a record.
bool deserializeRecords(std::string_view serialized, record::RecordBatch& out);

}  // namespace stitch::store
