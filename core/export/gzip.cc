#include "core/export/gzip.h"

#include <algorithm>

#include <climits>
#include <zlib.h>

namespace stitch::exporting {
namespace {

constexpr int kGzipWindowBits = 15 + 16;        // 32 KiB window, gzip header and trailer
constexpr int kAutoDetectWindowBits = 15 + 32;  // inflate: gzip or zlib header

// zlib counts in uInt; feed it at most this much at a time.
constexpr std::size_t kChunk = std::size_t{1} << 30;

}  // namespace

bool gzipCompress(std::string_view in, std::string& out, int level) {
  z_stream stream{};
  if (deflateInit2(&stream, level, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return false;
  }
  out.resize(deflateBound(&stream, static_cast<uLong>(std::min(in.size(), kChunk))) + 64);
  std::size_t in_pos = 0;
  std::size_t out_pos = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (out.size() - out_pos < 64 * 1024) {
      out.resize(out.size() * 2 + 64 * 1024);
    }
    const std::size_t in_step = std::min(in.size() - in_pos, kChunk);
    const std::size_t out_step = std::min(out.size() - out_pos, kChunk);
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + in_pos));
    stream.avail_in = static_cast<uInt>(in_step);
    stream.next_out = reinterpret_cast<Bytef*>(out.data() + out_pos);
    stream.avail_out = static_cast<uInt>(out_step);
    const bool last = in_pos + in_step == in.size();
    rc = deflate(&stream, last ? Z_FINISH : Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      deflateEnd(&stream);
      return false;
    }
    in_pos += in_step - stream.avail_in;
    out_pos += out_step - stream.avail_out;
  }
  deflateEnd(&stream);
  out.resize(out_pos);
  return true;
}

bool gzipDecompress(std::string_view in, std::string& out, std::size_t max_size) {
  out.clear();
  std::size_t in_pos = 0;
  while (in_pos < in.size()) {  // one iteration per gzip member
    z_stream stream{};
    if (inflateInit2(&stream, kAutoDetectWindowBits) != Z_OK) {
      return false;
    }
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
      if (out.size() >= max_size) {
        inflateEnd(&stream);
        return false;
      }
      const std::size_t old_size = out.size();
      const std::size_t grow =
          std::min<std::size_t>(std::max<std::size_t>(old_size, 64 * 1024), max_size - old_size);
      out.resize(old_size + grow);
      const std::size_t in_step = std::min(in.size() - in_pos, kChunk);
      const std::size_t out_step = std::min(grow, kChunk);
      stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + in_pos));
      stream.avail_in = static_cast<uInt>(in_step);
      stream.next_out = reinterpret_cast<Bytef*>(out.data() + old_size);
      stream.avail_out = static_cast<uInt>(out_step);
      rc = inflate(&stream, Z_NO_FLUSH);
      in_pos += in_step - stream.avail_in;
      out.resize(old_size + (out_step - stream.avail_out));
      if (rc == Z_STREAM_END) {
        break;
      }
      if (rc != Z_OK && !(rc == Z_BUF_ERROR && stream.avail_out == 0)) {
        inflateEnd(&stream);  // corrupt data, or input ended inside the stream
        return false;
      }
    }
    inflateEnd(&stream);
  }
  return !in.empty();
}

}  // namespace stitch::exporting
