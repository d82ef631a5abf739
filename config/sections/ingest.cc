// `ingest:`: the listeners and limits of stitchd's ingest workers.
#include <chrono>

#include "config/sections/sections.h"
#include "core/ingest/ingest_config.h"

namespace stitch::config {

using ingest::Framing;
using ingest::IngestConfig;
using ingest::TcpConfig;
using ingest::UdpConfig;
using ingest::UnixDatagramConfig;
using ingest::UnixStreamConfig;
using namespace std::chrono_literals;

void describe(EnumSchema<Framing>& e) {
  e.value("auto", Framing::kAuto)
      .value("newline", Framing::kNewline)
      .value("octet_counted", Framing::kOctetCounted);
}

void describe(Schema<TcpConfig>& s) {
  s.field("enabled", &TcpConfig::enabled, "Whether stitchd listens for TCP connections.");
  s.field("listen", &TcpConfig::listen,
          "IP:PORT to listen on, e.g. 127.0.0.1:7410, 0.0.0.0:7410 (every interface, e.g. in a "
          "container) or [::1]:7410; port 0 picks a free port (see --ready-file).")
      .nonEmpty();
}

void describe(Schema<UdpConfig>& s) {
  s.field("enabled", &UdpConfig::enabled, "Whether stitchd listens for UDP datagrams.");
  s.field("listen", &UdpConfig::listen,
          "IP:PORT to listen on; a datagram holds one or more newline-delimited records.")
      .nonEmpty();
  s.size("receive_buffer", &UdpConfig::receive_buffer,
         "Kernel receive buffer of each UDP socket: what absorbs a burst while stitchd is busy. "
         "net.core.rmem_max caps it unless stitchd may use SO_RCVBUFFORCE (root or "
         "CAP_NET_ADMIN); the size granted is logged at start. Datagrams beyond it are dropped "
         "by the kernel and counted in stitch_udp_kernel_drops_total.")
      .min(4096)
      .max(std::uint64_t{1} << 30);
  s.size("max_datagram", &UdpConfig::max_datagram,
         "Longest datagram read whole; a longer one is cut by the kernel, dropped and counted "
         "as too_large.")
      .min(512)
      .max(65535);
}

void describe(Schema<UnixStreamConfig>& s) {
  s.field("path", &UnixStreamConfig::path,
          "Socket file for stream connections (framed like TCP); empty: no Unix stream socket. "
          "A stale socket file left by a stopped stitchd is replaced.");
  s.field("mode", &UnixStreamConfig::mode,
          "Permission bits of the socket file, in octal. The default lets any local user write, "
          "like a loopback port; \"0660\" limits writers to the file's group.");
}

void describe(Schema<UnixDatagramConfig>& s) {
  s.field("path", &UnixDatagramConfig::path,
          "Socket file for datagrams (one or more newline-delimited records each); empty: no "
          "Unix datagram socket. A full socket makes senders wait: the kernel never drops.");
  s.field("mode", &UnixDatagramConfig::mode, "Permission bits of the socket file, in octal.");
  s.size("receive_buffer", &UnixDatagramConfig::receive_buffer,
         "Kernel receive buffer of the socket.")
      .min(4096)
      .max(std::uint64_t{1} << 30);
  s.size("max_datagram", &UnixDatagramConfig::max_datagram,
         "Longest datagram read whole; a longer one is dropped and counted as too_large.")
      .min(512)
      .max(65535);
}

void describe(Schema<IngestConfig>& s) {
  s.field("workers", &IngestConfig::workers,
          "Ingest threads, each with its own event loop; a connection stays on the thread that "
          "accepted it. 0: one per CPU core.")
      .max(256);
  s.field("max_connections", &IngestConfig::max_connections,
          "Open stream connections (TCP and Unix stream together) at most; more are closed at "
          "once and counted in stitch_ingest_connections_rejected_total.")
      .min(1);
  s.field("idle_timeout", &IngestConfig::idle_timeout,
          "A stream connection that sends nothing for this long is closed.")
      .min(1ms);
  s.field("framing", &IngestConfig::framing,
          "How records are delimited on stream connections: `newline` (NDJSON), "
          "`octet_counted` (RFC 6587: \"LEN SP RECORD\"), or `auto`: decided per connection by "
          "its first byte (a digit means octet-counted).");
  s.size("read_buffer", &IngestConfig::read_buffer,
         "Bytes read from a stream connection at a time; the buffer grows for a longer record.")
      .min(4096)
      .max(64 * ingest::kMiB);
  s.field("batch_records", &IngestConfig::batch_records,
          "Most records handed on in one batch from a datagram socket (a stream connection "
          "hands on every read at once).")
      .min(1)
      .max(1000000);
  s.field("tcp", &IngestConfig::tcp, "The TCP listener.");
  s.field("udp", &IngestConfig::udp, "The UDP listener.");
  s.field("unix_stream", &IngestConfig::unix_stream, "The Unix stream socket.");
  s.field("unix_datagram", &IngestConfig::unix_datagram, "The Unix datagram socket.");
}

void describeIngestSection(Schema<StitchConfig>& s) {
  s.field("ingest", &StitchConfig::ingest,
          "Where and how stitchd receives records: TCP, UDP and Unix sockets (HTTP is under "
          "`api:`). Listener changes take effect after a restart; the rest on SIGHUP.");
}

}  // namespace stitch::config
