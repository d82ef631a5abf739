"""The HTTP API: POST /v1/logs answers, limits and encodings; health, readiness and metrics."""

import http.client
import json
import os
import socket
import time
import unittest
import zlib

from stitchd import Stitchd, ndjson, parse_metrics


class IngestHttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Stitchd({"api": {"max_body": 65536}}).start()

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        if code != 0:
            raise AssertionError("stitchd exited %d:\n%s" % (code, cls.d.log()))

    def test_post_returns_accepted_and_rejected_counts_by_reason(self):
        body = ndjson(3) + b"{not json}\n[1]\n\n" + ndjson(2, start=3)
        status, answer = self.d.post_logs(body)
        self.assertEqual(status, 200)
        self.assertEqual(answer["accepted"], 5)
        self.assertEqual(answer["rejected"], 2)
        self.assertEqual(sum(answer["errors"].values()), 2)

    def test_a_body_without_any_valid_record_is_400_with_the_reason(self):
        status, answer = self.d.post_logs(b"this is not json\n")
        self.assertEqual(status, 400)
        self.assertIn("error", answer)
        self.assertEqual(answer["accepted"], 0)
        self.assertEqual(answer["rejected"], 1)
        self.assertTrue(answer["errors"])

    def test_an_empty_body_is_400(self):
        status, answer = self.d.post_logs(b"\n\n")
        self.assertEqual(status, 400)
        self.assertIn("empty", answer["error"])

    def test_a_body_over_max_body_is_413_and_nothing_is_counted(self):
        before = self.d.metric("stitch_ingest_records_received_total", transport="http")
        body = ndjson(1000)
        self.assertGreater(len(body), 65536)
        status, answer = self.d.post_logs(body)
        self.assertEqual(status, 413)
        self.assertIn("max_body", answer["error"])
        self.assertEqual(
            self.d.metric("stitch_ingest_records_received_total", transport="http"), before)

    def test_a_chunked_body_over_max_body_is_413(self):
        conn = http.client.HTTPConnection(*self.d.api_address, timeout=10)
        chunks = (ndjson(100) for _ in range(10))
        conn.request("POST", "/v1/logs", body=chunks, encode_chunked=True,
                     headers={"Content-Type": "application/x-ndjson"})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 413)
        conn.close()

    def test_expect_100_continue_is_answered_before_the_body(self):
        with socket.create_connection(self.d.api_address, timeout=10) as s:
            body = ndjson(5)
            s.sendall(b"POST /v1/logs HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(body))
            interim = s.recv(1024)
            self.assertTrue(interim.startswith(b"HTTP/1.1 100"), interim)
            s.sendall(body)
            final = b""
            while b"\r\n\r\n" not in final or not final.rstrip().endswith(b"}"):
                chunk = s.recv(4096)
                if not chunk:
                    break
                final += chunk
            self.assertTrue(final.startswith(b"HTTP/1.1 200"), final)

    def test_gzip_and_deflate_bodies_are_decompressed(self):
        status, answer = self.d.post_logs(ndjson(40), gzip_body=True)
        self.assertEqual((status, answer["accepted"]), (200, 40))
        status, _, data = self.d.request("POST", "/v1/logs", zlib.compress(ndjson(7)),
                                         {"Content-Encoding": "deflate"})
        self.assertEqual((status, json.loads(data)["accepted"]), (200, 7))

    def test_a_decompressed_body_over_max_body_is_413(self):
        status, _ = self.d.post_logs(b"\n" * 200000 + ndjson(1), gzip_body=True)
        self.assertEqual(status, 413)

    def test_unknown_encodings_and_corrupt_gzip_are_refused(self):
        status, _, _ = self.d.request("POST", "/v1/logs", b"x", {"Content-Encoding": "br"})
        self.assertEqual(status, 415)
        status, _, _ = self.d.request("POST", "/v1/logs", b"not gzip",
                                      {"Content-Encoding": "gzip"})
        self.assertEqual(status, 400)

    def test_keep_alive_serves_several_requests_on_one_connection(self):
        conn = http.client.HTTPConnection(*self.d.api_address, timeout=10)
        for i in range(5):
            conn.request("POST", "/v1/logs", body=ndjson(2, start=i * 2))
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            resp.read()
        conn.close()

    def test_health_and_readiness(self):
        status, _, body = self.d.request("GET", "/healthz")
        self.assertEqual((status, json.loads(body)["status"]), (200, "ok"))
        status, _, body = self.d.request("GET", "/readyz")
        self.assertEqual((status, json.loads(body)["status"]), (200, "ready"))

    def test_metrics_are_prometheus_text(self):
        status, headers, body = self.d.request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        metrics = parse_metrics(body.decode())
        names = {name for name, _ in metrics}
        for name in ("stitch_ingest_records_received_total", "stitch_decode_records_total",
                     "stitch_decode_errors_total", "stitch_records_dropped_total",
                     "stitch_queue_depth", "stitch_queue_capacity", "stitch_bytes_held",
                     "stitch_udp_kernel_drops_total", "stitch_exporter_sent_records_total"):
            self.assertIn(name, names)

    def test_process_and_build_metrics_describe_the_running_stitchd(self):
        pid = self.d.proc.pid
        metrics = self.d.metrics()
        with open("/proc/%d/status" % pid) as f:
            status = dict(line.split(":", 1) for line in f if ":" in line)
        rss = int(status["VmRSS"].split()[0]) * 1024
        # Read a moment apart: the same order of magnitude, not the same byte.
        self.assertLess(abs(self.d.metric("process_resident_memory_bytes", metrics) - rss),
                        rss / 2)
        self.assertGreaterEqual(self.d.metric("process_virtual_memory_bytes", metrics), rss)
        fds = len(os.listdir("/proc/%d/fd" % pid))
        self.assertLessEqual(abs(self.d.metric("process_open_fds", metrics) - fds), 3)
        self.assertGreaterEqual(self.d.metric("process_max_fds", metrics), fds)
        started = self.d.metric("process_start_time_seconds", metrics)
        self.assertLessEqual(started, time.time())
        self.assertGreater(started, time.time() - 300)
        info = [labels for (name, labels) in metrics if name == "stitch_build_info"]
        self.assertEqual(len(info), 1)
        self.assertRegex(dict(info[0])["version"], r"^[0-9]+\.[0-9]+\.[0-9]+$")
        cpu = self.d.metric("process_cpu_seconds_total", metrics)
        self.assertGreater(cpu, 0)
        self.assertGreaterEqual(self.d.metric("process_cpu_seconds_total"), cpu)

    def test_wrong_method_is_405_and_unknown_path_is_404(self):
        status, headers, _ = self.d.request("GET", "/v1/logs")
        self.assertEqual(status, 405)
        self.assertIn("POST", headers["Allow"])
        status, _, _ = self.d.request("GET", "/nope")
        self.assertEqual(status, 404)

    def test_requests_are_counted_by_route_and_code(self):
        self.d.request("GET", "/nope")
        self.assertGreaterEqual(
            self.d.metric("stitch_http_requests_total", route="other", code="404"), 1)


if __name__ == "__main__":
    unittest.main()
