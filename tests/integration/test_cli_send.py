"""stitch send, run as a user would: the real binary (path in $STITCH) shipping an NDJSON file
to TCP and UDP listeners on port 0 that stand in for stitchd's ingest port."""

import json
import os
import socket
import subprocess
import tempfile
import threading
import unittest

STITCH = os.environ.get("STITCH", "stitch")


def ndjson_lines(count):
    return [json.dumps({"timestamp": f"2024-05-01T12:00:{i % 60:02d}Z", "level": "info",
                        "service": "cart", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
                        "span_id": f"{i + 1:016x}", "message": f"line {i}"})
            for i in range(count)]


class TcpSink:
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.data = bytearray()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        conn, _ = self.sock.accept()
        with conn:
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                self.data += chunk

    def close(self):
        self.thread.join(timeout=10)
        self.sock.close()


class UdpSink:
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.datagrams = []
        self.stopping = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        # Datagrams already queued in the socket are read even after close() was asked for:
        # only a quiet period ends the loop once stopping.
        while True:
            try:
                self.datagrams.append(self.sock.recv(65536))
            except socket.timeout:
                if self.stopping:
                    break

    def close(self):
        self.stopping = True
        self.thread.join(timeout=10)
        self.sock.close()


class CliSendTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="stitch-send-")
        self.addCleanup(self.dir.cleanup)

    def write(self, text):
        path = os.path.join(self.dir.name, "logs.ndjson")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def stitch(self, *args, stdin=None):
        return subprocess.run([STITCH, *args], capture_output=True, text=True, timeout=60,
                              input=stdin, check=False)

    def test_tcp_delivers_every_line_and_reports_the_counts(self):
        lines = ndjson_lines(2000)
        # Blank lines are not records; a CRLF line ending is trimmed; the last line has no \n.
        path = self.write("\n".join(lines[:1000]) + "\n\n" + "\r\n".join(lines[1000:]))
        sink = TcpSink()
        result = self.stitch("send", path, "--server", f"127.0.0.1:{sink.port}", "--json")
        sink.close()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(sink.data.decode().splitlines(), lines)
        report = json.loads(result.stdout)
        self.assertEqual(report["records"], 2000)
        self.assertEqual(report["protocol"], "tcp")
        self.assertEqual(report["bytes"], len(sink.data))

    def test_udp_sends_one_line_per_datagram(self):
        lines = ndjson_lines(200)
        path = self.write("\n".join(lines) + "\n")
        sink = UdpSink()
        result = self.stitch("send", path, "--udp", "--server", f"127.0.0.1:{sink.port}",
                             "--rate", "4000", "--json")
        sink.close()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout)["records"], 200)
        self.assertEqual([d.decode() for d in sink.datagrams], lines)

    def test_udp_pack_fills_datagrams_up_to_the_limit(self):
        lines = ndjson_lines(100)
        path = self.write("\n".join(lines) + "\n")
        sink = UdpSink()
        result = self.stitch("send", path, "--udp", "--pack", "1400", "--server",
                             f"127.0.0.1:{sink.port}", "--rate", "2000")
        sink.close()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(all(len(d) <= 1400 for d in sink.datagrams))
        self.assertLess(len(sink.datagrams), 100)
        received = [line for d in sink.datagrams for line in d.decode().split("\n")]
        self.assertEqual(received, lines)
        self.assertIn("sent 100 records", result.stderr)

    def test_rate_limits_records_per_second(self):
        lines = ndjson_lines(300)
        path = self.write("\n".join(lines) + "\n")
        sink = TcpSink()
        result = self.stitch("send", path, "--server", f"127.0.0.1:{sink.port}", "--rate", "1000",
                             "--json")
        sink.close()
        self.assertEqual(result.returncode, 0, result.stderr)
        report = json.loads(result.stdout)
        self.assertGreaterEqual(report["seconds"], 0.25)  # 300 records at 1000/s
        self.assertLessEqual(report["records_per_second"], 1200)

    def test_stdin_is_read_with_a_dash(self):
        sink = TcpSink()
        result = self.stitch("send", "-", "--server", f"127.0.0.1:{sink.port}", "--json",
                             stdin="\n".join(ndjson_lines(10)) + "\n")
        sink.close()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(len(sink.data.decode().splitlines()), 10)

    def test_errors_exit_1_and_usage_errors_exit_2(self):
        path = self.write("\n".join(ndjson_lines(3)) + "\n")
        free = socket.socket()
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
        free.close()
        result = self.stitch("send", path, "--server", f"127.0.0.1:{port}")
        self.assertEqual(result.returncode, 1)
        self.assertIn("cannot connect", result.stderr)
        result = self.stitch("send", os.path.join(self.dir.name, "missing.ndjson"))
        self.assertEqual(result.returncode, 1)
        for args in (["--server", "nohostport"], ["--udp", "--tcp"], ["--rate", "-5"]):
            with self.subTest(args=args):
                self.assertEqual(self.stitch("send", path, *args).returncode, 2)


if __name__ == "__main__":
    unittest.main()
