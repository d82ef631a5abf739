"""stitch trace and stitch search, run as a user would: the real binary (path in $STITCH)
against a small HTTP server on port 0 that answers like stitchd's query API (docs/api.md)."""

import http.server
import json
import os
import subprocess
import threading
import unittest
import urllib.parse

STITCH = os.environ.get("STITCH", "stitch")
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"

# The API's answer for the guide's checkout trace (GET /api/v1/traces/{id}), as rendered by
# query::renderTraceJson for tests/fixtures' checkout trace.
CHECKOUT = json.loads(r'''
{"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","state":"kept","decision":{"decision":"keep","policy":"errors","decided_at":"2023-11-14T22:13:20.3Z","decided_at_ns":1700000000300000000,"early":false},"summary":{"start":"2023-11-14T22:13:20Z","start_ns":1700000000000000000,"duration_ms":200,"duration_ns":200000000,"root_service":"api-gateway","root_operation":"checkout","services":["api-gateway","bank-api","cart","database","payment"],"error":true,"span_count":5,"record_count":6,"bytes":1597},"warnings":[],"spans":[{"span_id":"00f067aa0ba902b7","parent_span_id":null,"service":"api-gateway","operation":"checkout","start":"2023-11-14T22:13:20Z","start_ns":1700000000000000000,"duration_ms":200,"duration_ns":200000000,"self_ms":60,"share_of_parent":null,"depth":0,"status":"unset","error":false,"flags":[],"duplicates":0,"attributes":{"http.method":"POST","http.status_code":502,"span.kind":"server","retry":false,"ratio":0.5},"logs":[],"children":[{"span_id":"a1b2c3d4e5f6a7b8","parent_span_id":"00f067aa0ba902b7","service":"cart","operation":"get_cart","start":"2023-11-14T22:13:20.01Z","start_ns":1700000000010000000,"duration_ms":60,"duration_ns":60000000,"self_ms":20,"share_of_parent":0.3,"depth":1,"status":"unset","error":false,"flags":[],"duplicates":0,"attributes":null,"logs":[],"children":[{"span_id":"b2c3d4e5f6a7b8c9","parent_span_id":"a1b2c3d4e5f6a7b8","service":"database","operation":"query","start":"2023-11-14T22:13:20.015Z","start_ns":1700000000015000000,"duration_ms":40,"duration_ns":40000000,"self_ms":40,"share_of_parent":0.6666666666666666,"depth":2,"status":"unset","error":false,"flags":[],"duplicates":0,"attributes":null,"logs":[],"children":[]}]},{"span_id":"c3d4e5f6a7b8c9d0","parent_span_id":"00f067aa0ba902b7","service":"payment","operation":"charge","start":"2023-11-14T22:13:20.1Z","start_ns":1700000000100000000,"duration_ms":80,"duration_ns":80000000,"self_ms":10,"share_of_parent":0.4,"depth":1,"status":"error","error":true,"error_message":"card declined","flags":[],"duplicates":0,"attributes":null,"logs":[],"children":[{"span_id":"d4e5f6a7b8c9d0e1","parent_span_id":"c3d4e5f6a7b8c9d0","service":"bank-api","operation":"authorize","start":"2023-11-14T22:13:20.105Z","start_ns":1700000000105000000,"duration_ms":70,"duration_ns":70000000,"self_ms":70,"share_of_parent":0.875,"depth":2,"status":"unset","error":true,"error_message":"issuer said no","flags":[],"duplicates":0,"attributes":null,"logs":[{"time":"2023-11-14T22:13:20.17Z","time_ns":1700000000170000000,"severity":"ERROR","message":"issuer said no","error":true,"record":{"timestamp_ns":1700000000170000000,"level":"ERROR","service":"bank-api","operation":"authorize","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"d4e5f6a7b8c9d0e1","parent_span_id":"c3d4e5f6a7b8c9d0","message":"issuer said no","attributes":{"issuer":"acme","code":51}}}],"children":[]}]}]}],"logs":[]}
''')

CHECKOUT_TREE = (
    "Trace 4bf92f3577b34da6a3ce929d0e0e4736 (kept by errors, 5 spans, 200ms):\n"
    "└─ api-gateway (checkout) 200ms total\n"
    "  ├─ cart (get_cart) 60ms\n"
    "  │ └─ database (query) 40ms ← 66% of cart time\n"
    "  └─ payment (charge) 80ms ✗ card declined\n"
    "    └─ bank-api (authorize) 70ms ← 87% of payment time! ✗ issuer said no\n")

SEARCH = {
    "traces": [{
        "trace_id": TRACE_ID, "state": "kept", "start": "2023-11-14T22:13:20Z",
        "start_ns": 1700000000000000000, "duration_ms": 200, "duration_ns": 200000000,
        "root_service": "api-gateway", "root_operation": "checkout",
        "services": ["api-gateway", "cart"], "error": True, "span_count": 5, "record_count": 6,
        "bytes": 1597, "policy": "errors", "decided_at": "2023-11-14T22:13:20.3Z",
        "kept_at": "2023-11-14T22:13:21Z"}],
    "count": 1, "limit": 20}


class FakeApi(http.server.BaseHTTPRequestHandler):
    requests = []

    def do_GET(self):  # noqa: N802 (http.server's naming)
        FakeApi.requests.append(self.path)
        url = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qs(url.query)
        if url.path == f"/api/v1/traces/{TRACE_ID}":
            self.answer(200, CHECKOUT)
        elif url.path.startswith("/api/v1/traces/"):
            self.answer(404, {"error": "trace not found", "reason": "sampled_out",
                              "message": "the trace was decided and not kept"})
        elif url.path == "/api/v1/traces" and "min_duration" in params and \
                params["min_duration"] == ["fast"]:
            self.answer(400, {"error": "min_duration: not a duration (e.g. 250ms, 1.5s, 2m)",
                              "reason": "bad_parameter", "parameter": "min_duration"})
        elif url.path == "/api/v1/traces" and params.get("service") == ["nobody"]:
            self.answer(200, {"traces": [], "count": 0, "limit": 20})
        elif url.path == "/api/v1/traces":
            self.answer(200, SEARCH)
        else:
            self.answer(404, {"error": "no such endpoint", "reason": "unknown_endpoint"})

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class CliQueryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeApi)
        cls.url = f"http://127.0.0.1:{cls.server.server_address[1]}"
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def setUp(self):
        FakeApi.requests.clear()

    def stitch(self, *args, env=None):
        full_env = dict(os.environ)
        full_env.pop("STITCH_SERVER", None)
        full_env.update(env or {})
        return subprocess.run([STITCH, *args], capture_output=True, text=True, timeout=30,
                              env=full_env, check=False)

    def test_trace_draws_the_tree_and_exits_0(self):
        result = self.stitch("trace", TRACE_ID, "--server", self.url)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, CHECKOUT_TREE)
        self.assertNotIn("\x1b[", result.stdout)  # not a terminal: no colour
        self.assertEqual(FakeApi.requests, [f"/api/v1/traces/{TRACE_ID}"])

    def test_trace_accepts_uppercase_ids_and_the_server_from_the_environment(self):
        result = self.stitch("trace", TRACE_ID.upper(), env={"STITCH_SERVER": self.url})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(FakeApi.requests, [f"/api/v1/traces/{TRACE_ID}"])

    def test_trace_logs_shows_the_log_events(self):
        result = self.stitch("trace", TRACE_ID, "--server", self.url, "--logs")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("· +170ms ERROR issuer said no\n", result.stdout)

    def test_trace_json_prints_the_api_answer(self):
        result = self.stitch("trace", TRACE_ID, "--server", self.url, "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout), CHECKOUT)

    def test_a_missing_trace_exits_1_with_the_reason(self):
        missing = "0af7651916cd43dd8448eb211c80319c"
        result = self.stitch("trace", missing, "--server", self.url)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout, "")
        self.assertIn("sampled_out", result.stderr)
        self.assertIn(missing, result.stderr)

    def test_a_bad_id_is_a_usage_error_and_asks_nothing(self):
        for bad in ["abc", "4bf92f3577b34da6a3ce929d0e0e473z", "0" * 32]:
            with self.subTest(bad=bad):
                result = self.stitch("trace", bad, "--server", self.url)
                self.assertEqual(result.returncode, 2)
                self.assertTrue(result.stderr)
        self.assertEqual(FakeApi.requests, [])

    def test_an_unreachable_server_exits_1(self):
        result = self.stitch("trace", TRACE_ID, "--server", "http://127.0.0.1:1")
        self.assertEqual(result.returncode, 1)
        self.assertIn("cannot connect", result.stderr)

    def test_search_prints_a_table_and_sends_every_filter(self):
        result = self.stitch("search", "--service", "api gateway", "--operation", "GET /",
                             "--min-duration", "250ms", "--max-duration", "2s", "--error",
                             "--limit", "5", "--policy", "errors", "--server", self.url)
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stdout.splitlines()
        self.assertTrue(lines[0].startswith("TRACE ID"))
        self.assertIn(TRACE_ID, lines[1])
        self.assertIn("2023-11-14T22:13:20Z", lines[1])
        self.assertIn("200ms", lines[1])
        self.assertIn("✗", lines[1])
        self.assertIn("api-gateway (checkout)", lines[1])
        url = urllib.parse.urlsplit(FakeApi.requests[0])
        self.assertEqual(url.path, "/api/v1/traces")
        self.assertEqual(urllib.parse.parse_qs(url.query), {
            "service": ["api gateway"], "operation": ["GET /"], "min_duration": ["250ms"],
            "max_duration": ["2s"], "error": ["true"], "limit": ["5"], "policy": ["errors"]})

    def test_search_since_becomes_a_start_time(self):
        result = self.stitch("search", "--since", "1h", "--server", self.url)
        self.assertEqual(result.returncode, 0, result.stderr)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(FakeApi.requests[0]).query)
        self.assertRegex(query["start"][0], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")

    def test_search_json_and_empty_results(self):
        result = self.stitch("search", "--server", self.url, "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout), SEARCH)
        result = self.stitch("search", "--service", "nobody", "--server", self.url)
        self.assertEqual(result.returncode, 0)
        self.assertEqual(result.stdout, "")
        self.assertIn("no stored trace matches", result.stderr)

    def test_search_usage_errors_exit_2(self):
        result = self.stitch("search", "--min-duration", "fast", "--server", self.url)
        self.assertEqual(result.returncode, 2)
        self.assertIn("min_duration", result.stderr)
        result = self.stitch("search", "--since", "1h", "--start", "1700000000",
                             "--server", self.url)
        self.assertEqual(result.returncode, 2)
        result = self.stitch("search", "--since", "soon", "--server", self.url)
        self.assertEqual(result.returncode, 2)


if __name__ == "__main__":
    unittest.main()
