#include "daemon/cli/send_command.h"

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>

#include "core/common/json_writer.h"
#include "daemon/asio.h"
#include "daemon/cli/cli_output.h"
#include "daemon/cli/command.h"

namespace stitch::daemon {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kReadBytes = 1 << 20;
constexpr std::size_t kTcpWriteBytes = 256 * 1024;
constexpr std::size_t kMaxDatagram = 65507;  // IPv4 UDP payload limit
constexpr auto kProgressEvery = std::chrono::milliseconds(100);

struct SendOptions {
  std::string file;
  std::string server{cli::kDefaultIngestServer};
  bool udp = false;
  bool tcp = false;
  double rate = 0;
  std::size_t pack = 0;
  bool json = false;
};

struct Totals {
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
  std::uint64_t skipped_too_long = 0;
  std::uint64_t send_errors = 0;
  std::uint64_t file_bytes_read = 0;
};

// host:port or [v6]:port.
bool parseHostPort(std::string_view text, std::string& host, std::uint16_t& port) {
  std::string_view port_text;
  if (text.starts_with("[")) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return false;
    }
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return false;
    }
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
  if (host.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      value == 0 || value > 65535) {
    return false;
  }
  port = static_cast<std::uint16_t>(value);
  return true;
}

std::string humanBytes(std::uint64_t bytes) {
  if (bytes < 10 * 1024) {
    return fmt::format("{} B", bytes);
  }
  if (bytes < 10 * 1024 * 1024) {
    return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024);
  }
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024 * 1024));
}

// A one-line progress bar on stderr, redrawn at most every kProgressEvery.
class Progress {
public:
  Progress(bool enabled, std::uint64_t total_bytes)
      : enabled_(enabled), total_(total_bytes), start_(Clock::now()), last_(start_) {}
  void update(const Totals& t, bool final = false) {
    if (!enabled_) {
      return;
    }
    const auto now = Clock::now();
    if (!final && now - last_ < kProgressEvery) {
      return;
    }
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const double rate = seconds > 0 ? static_cast<double>(t.records) / seconds : 0;
    std::string line = "\r";
    if (total_ > 0) {
      const double share =
          std::min(1.0, static_cast<double>(t.file_bytes_read) / static_cast<double>(total_));
      const int filled = static_cast<int>(share * 30);
      line += "[" + std::string(filled, '#') + std::string(30 - filled, ' ') + "] ";
      line += fmt::format("{:3.0f}% ", share * 100);
    }
    line += fmt::format("{} records, {}, {:.0f} records/s", t.records, humanBytes(t.bytes), rate);
    line += "\x1b[K";  // clear the rest of the line
    if (final) {
      line += "\n";
    }
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
  }

private:
  bool enabled_;
  std::uint64_t total_;
  Clock::time_point start_;
  Clock::time_point last_;
};

// Holds the sender back to `rate` records per second (0: no limit).
class Pacer {
public:
  explicit Pacer(double rate) : rate_(rate), start_(Clock::now()) {}
  void wait(std::uint64_t records_sent) const {
    if (rate_ <= 0) {
      return;
    }
    const auto due = start_ + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(records_sent / rate_));
    std::this_thread::sleep_until(due);
  }
  // How many more records may go in one burst (a twentieth of a second's worth).
  std::uint64_t burst() const {
    return rate_ <= 0 ? ~std::uint64_t{0}
                      : std::max<std::uint64_t>(1, static_cast<std::uint64_t>(rate_ / 20));
  }

private:
  double rate_;
  Clock::time_point start_;
};

class Sender {
public:
  virtual ~Sender() = default;
  // Sends whole lines (each ends with '\n'); false on a fatal error (message in `error`).
  virtual bool send(std::string_view lines, std::uint64_t records, Totals& totals) = 0;
  virtual bool finish(Totals& totals) = 0;
  std::string error;
};

class TcpSender : public Sender {
public:
  TcpSender(asio::io_context& io,
            const asio::ip::tcp::resolver::results_type& endpoints,
            std::string& failure)
      : socket_(io) {
    beast::error_code ec;
    asio::connect(socket_, endpoints, ec);
    if (ec) {
      failure = ec.message();
    }
  }
  bool send(std::string_view lines, std::uint64_t records, Totals& totals) override {
    beast::error_code ec;
    asio::write(socket_, asio::buffer(lines.data(), lines.size()), ec);
    if (ec) {
      error = ec.message();
      return false;
    }
    totals.bytes += lines.size();
    totals.records += records;
    return true;
  }
  bool finish(Totals&) override {
    beast::error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    // Wait for the daemon to close its side, so that everything sent was read.
    char scratch[256];
    while (!ec) {
      socket_.read_some(asio::buffer(scratch), ec);
    }
    return true;
  }

private:
  asio::ip::tcp::socket socket_;
};

class UdpSender : public Sender {
public:
  UdpSender(asio::io_context& io,
            const asio::ip::udp::endpoint& endpoint,
            std::size_t pack,
            std::string& failure)
      : socket_(io), pack_(std::min(pack, kMaxDatagram)) {
    beast::error_code ec;
    socket_.open(endpoint.protocol(), ec);
    if (!ec) {
      socket_.connect(endpoint, ec);  // ICMP "port unreachable" shows as a send error
    }
    if (ec) {
      failure = ec.message();
    }
  }
  bool send(std::string_view lines, std::uint64_t, Totals& totals) override {
    while (!lines.empty()) {
      const std::size_t end = lines.find('\n');
      std::string_view line = lines.substr(0, end);
      lines.remove_prefix(end + 1);
      if (line.size() > kMaxDatagram) {
        ++totals.skipped_too_long;
        continue;
      }
      if (pack_ == 0) {
        datagram(line, 1, totals);
        continue;
      }
      if (!packed_.empty() && packed_.size() + 1 + line.size() > pack_) {
        datagram(packed_, packed_records_, totals);
        packed_.clear();
        packed_records_ = 0;
      }
      if (!packed_.empty()) {
        packed_ += '\n';
      }
      packed_ += line;
      ++packed_records_;
    }
    return true;
  }
  bool finish(Totals& totals) override {
    if (!packed_.empty()) {
      datagram(packed_, packed_records_, totals);
      packed_.clear();
    }
    return true;
  }

private:
  void datagram(std::string_view payload, std::uint64_t records, Totals& totals) {
    beast::error_code ec;
    socket_.send(asio::buffer(payload.data(), payload.size()), 0, ec);
    if (ec) {
      ++totals.send_errors;
      error = ec.message();
      return;
    }
    totals.bytes += payload.size();
    totals.records += records;
  }

  asio::ip::udp::socket socket_;
  std::size_t pack_;
  std::string packed_;
  std::uint64_t packed_records_ = 0;
};

int runSend(const SendOptions& options) {
  if (options.udp && options.tcp) {
    std::fprintf(stderr, "stitch send: give --udp or --tcp, not both\n");
    return kExitUsage;
  }
  std::string host;
  std::uint16_t port = 0;
  if (!parseHostPort(options.server, host, port)) {
    std::fprintf(stderr, "stitch send: --server: expected HOST:PORT, got '%s'\n",
                 options.server.c_str());
    return kExitUsage;
  }
  if (options.rate < 0) {
    std::fprintf(stderr, "stitch send: --rate must not be negative\n");
    return kExitUsage;
  }
  std::FILE* file = options.file == "-" ? stdin : std::fopen(options.file.c_str(), "rb");
  if (file == nullptr) {
    std::fprintf(stderr, "stitch send: cannot open %s: %s\n", options.file.c_str(),
                 std::strerror(errno));
    return kExitFailure;
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(
      file == stdin ? nullptr : file,
      [](std::FILE* f) { return f != nullptr ? std::fclose(f) : 0; });
  std::uint64_t file_size = 0;
  struct stat info {};
  if (::fstat(::fileno(file), &info) == 0 && S_ISREG(info.st_mode)) {
    file_size = static_cast<std::uint64_t>(info.st_size);
  }

  asio::io_context io;
  std::unique_ptr<Sender> sender;
  std::string failure;
  const char* protocol = options.udp ? "udp" : "tcp";
  beast::error_code ec;
  if (options.udp) {
    asio::ip::udp::resolver resolver(io);
    const auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (!ec) {
      sender = std::make_unique<UdpSender>(io, *endpoints.begin(), options.pack, failure);
    }
  } else {
    asio::ip::tcp::resolver resolver(io);
    const auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (!ec) {
      sender = std::make_unique<TcpSender>(io, endpoints, failure);
    }
  }
  if (ec || !failure.empty()) {
    std::fprintf(stderr, "stitch send: cannot connect to %s over %s: %s\n", options.server.c_str(),
                 protocol, ec ? ec.message().c_str() : failure.c_str());
    return kExitFailure;
  }

  Totals totals;
  Progress progress(::isatty(STDERR_FILENO) != 0, file_size);
  const Pacer pacer(options.rate);
  const auto start = Clock::now();
  std::string buffer;
  std::string out;  // whole lines to send, each ending in '\n'
  std::vector<char> chunk(kReadBytes);
  bool eof = false;
  std::uint64_t pending_records = 0;
  auto flushOut = [&]() -> bool {
    if (out.empty()) {
      return true;
    }
    pacer.wait(totals.records + pending_records);
    const bool ok = sender->send(out, pending_records, totals);
    out.clear();
    pending_records = 0;
    progress.update(totals);
    return ok;
  };
  while (!eof) {
    const std::size_t n = std::fread(chunk.data(), 1, chunk.size(), file);
    if (n < chunk.size()) {
      if (std::ferror(file) != 0) {
        std::fprintf(stderr, "stitch send: reading %s: %s\n", options.file.c_str(),
                     std::strerror(errno));
        return kExitFailure;
      }
      eof = true;
    }
    totals.file_bytes_read += n;
    buffer.append(chunk.data(), n);
    if (eof && !buffer.empty() && buffer.back() != '\n') {
      buffer += '\n';  // the last line needs no newline in the file
    }
    std::size_t begin = 0;
    while (true) {
      const std::size_t newline = buffer.find('\n', begin);
      if (newline == std::string::npos) {
        break;
      }
      std::string_view line(buffer.data() + begin, newline - begin);
      begin = newline + 1;
      if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
      }
      if (line.find_first_not_of(" \t") == std::string_view::npos) {
        continue;  // blank lines are no records
      }
      out.append(line);
      out += '\n';
      ++pending_records;
      if (out.size() >= kTcpWriteBytes || pending_records >= pacer.burst()) {
        if (!flushOut()) {
          std::fprintf(stderr, "\nstitch send: sending to %s over %s failed: %s\n",
                       options.server.c_str(), protocol, sender->error.c_str());
          return kExitFailure;
        }
      }
    }
    buffer.erase(0, begin);
  }
  if (!flushOut() || !sender->finish(totals)) {
    std::fprintf(stderr, "\nstitch send: sending to %s over %s failed: %s\n",
                 options.server.c_str(), protocol, sender->error.c_str());
    return kExitFailure;
  }
  progress.update(totals, true);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double rate = seconds > 0 ? static_cast<double>(totals.records) / seconds : 0;
  if (options.json) {
    std::string json;
    json::Writer w(json);
    w.beginObject()
        .field("records", totals.records)
        .field("bytes", totals.bytes)
        .field("seconds", seconds)
        .field("records_per_second", rate)
        .field("protocol", protocol)
        .field("server", options.server)
        .field("skipped_too_long", totals.skipped_too_long)
        .field("send_errors", totals.send_errors)
        .endObject();
    std::printf("%s\n", json.c_str());
  } else {
    std::fprintf(stderr, "sent %llu record%s (%s) over %s to %s in %.2f s: %.0f records/s\n",
                 static_cast<unsigned long long>(totals.records), totals.records == 1 ? "" : "s",
                 humanBytes(totals.bytes).c_str(), protocol, options.server.c_str(), seconds, rate);
    if (totals.skipped_too_long > 0) {
      std::fprintf(stderr, "skipped %llu lines longer than a UDP datagram (%zu bytes)\n",
                   static_cast<unsigned long long>(totals.skipped_too_long), kMaxDatagram);
    }
    if (totals.send_errors > 0) {
      std::fprintf(stderr, "%llu datagrams failed to send (last error: %s)\n",
                   static_cast<unsigned long long>(totals.send_errors), sender->error.c_str());
    }
  }
  return totals.send_errors > 0 && totals.records == 0 ? kExitFailure : kExitOk;
}

}  // namespace

void registerSendCommand(CLI::App& app) {
  auto options = std::make_shared<SendOptions>();
  CLI::App* command =
      app.add_subcommand("send", "Ship an NDJSON file of log lines to stitchd's ingest port");
  command->add_option("file", options->file, "The NDJSON file; - for stdin")->required();
  command->add_option("--server", options->server, "stitchd's ingest address HOST:PORT")
      ->capture_default_str();
  command->add_flag("--udp", options->udp, "Send over UDP, one line per datagram");
  command->add_flag("--tcp", options->tcp, "Send over TCP (the default)");
  command->add_option("--rate", options->rate, "Records per second (default: as fast as possible)");
  command->add_option("--pack", options->pack,
                      "UDP: pack lines into datagrams of up to this many bytes (max 65507)");
  command->add_flag("--json", options->json, "Print the final counts as JSON on stdout");
  command->callback([options] {
    const int code = runSend(*options);
    if (code != kExitOk) {
      throw CLI::RuntimeError(code);
    }
  });
}

}  // namespace stitch::daemon
