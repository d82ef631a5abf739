#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace stitch::exporting {

// gzip (RFC 1952) with zlib, for HTTP Content-Encoding. Level 1 is the default: OTLP JSON
// compresses about tenfold even at the fastest level, and exporters should not cost a core.
inline constexpr int kDefaultGzipLevel = 1;

// Replaces `out` with the gzip stream of `in`. False only if zlib fails (out of memory).
bool gzipCompress(std::string_view in, std::string& out, int level = kDefaultGzipLevel);

// Replaces `out` with the decompressed bytes of a gzip stream (several members allowed). False
// on a corrupt or truncated stream, or when the result would exceed `max_size`.
bool gzipDecompress(std::string_view in, std::string& out, std::size_t max_size);

}  // namespace stitch::exporting
