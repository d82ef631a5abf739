"""The whole way through the real stitchd: records sent over TCP and HTTP are stitched into
trees, sampled by the configured policies, kept in the store and the exporters, and answered
by the query API, Jaeger's API and `stitch trace` (the real binaries, sockets on port 0)."""

import json
import os
import subprocess
import unittest

from stitchd import Stitchd, file_exporter

STITCH = os.environ.get("STITCH", "stitch")

CHECKOUT = "4bf92f3577b34da6a3ce929d0e0e4736"
FINE = "0af7651916cd43dd8448eb211c80319c"


def line(**fields):
    return json.dumps(fields, separators=(",", ":")).encode()


def checkout_trace(trace_id=CHECKOUT, error=True):
    """The founding guide's checkout: gateway -> cart -> database, gateway -> payment -> bank,
    with the bank's error log (canonical shape, children logged before their parents)."""
    t0 = "2024-05-01T12:00:00"
    spans = [
        ("d4e5f6a7b8c9d0e1", "c3d4e5f6a7b8c9d0", "bank-api", "authorize", ".105", 70),
        ("b2c3d4e5f6a7b8c9", "a1b2c3d4e5f6a7b8", "database", "query", ".015", 40),
        ("a1b2c3d4e5f6a7b8", "00f067aa0ba902b7", "cart", "get_cart", ".010", 60),
        ("c3d4e5f6a7b8c9d0", "00f067aa0ba902b7", "payment", "charge", ".100", 80),
        ("00f067aa0ba902b7", None, "api-gateway", "checkout", ".000", 200),
    ]
    out = []
    if error:
        out.append(line(timestamp=t0 + ".170Z", level="ERROR", service="bank-api",
                        trace_id=trace_id, span_id="d4e5f6a7b8c9d0e1",
                        message="issuer said no"))
    for span, parent, service, op, start, ms in spans:
        fields = {"start_time": t0 + start + "Z", "level": "INFO", "service": service,
                  "operation": op, "trace_id": trace_id, "span_id": span, "duration_ms": ms,
                  "status": "error" if error and service in ("payment", "bank-api") else "ok"}
        if parent:
            fields["parent_span_id"] = parent
        out.append(line(**fields))
    return b"".join(l + b"\n" for l in out)


ERRORS_ONLY = [{"name": "errors", "type": "status_code",
                "status_code": {"status_codes": ["ERROR"]}}]


class PipelineQueryTest(unittest.TestCase):
    def get_json(self, d, path):
        status, _, body = d.request("GET", path)
        return status, json.loads(body)

    def wait_state(self, d, trace_id, state):
        def check():
            status, body = self.get_json(d, "/api/v1/traces/" + trace_id)
            return body if status == 200 and body.get("state") == state else None
        return d.wait_for(check, 15, "trace %s %s" % (trace_id, state))

    def stitch(self, d, *args):
        server = "http://%s:%d" % d.api_address
        return subprocess.run([STITCH, *args, "--server", server, "--no-color"],
                              capture_output=True, text=True, timeout=30, check=False)

    def test_a_sent_trace_is_a_tree_for_the_api_jaeger_and_the_cli(self):
        with Stitchd({"sampling": {"tail": {"decision_wait": "300ms", "root_grace": "100ms",
                                            "policies": ERRORS_ONLY}}}) as d:
            d.send_tcp(checkout_trace())
            kept = self.wait_state(d, CHECKOUT, "kept")
            self.assertEqual(kept["decision"]["policy"], "errors")
            self.assertEqual(kept["summary"]["span_count"], 5)
            self.assertEqual(kept["summary"]["record_count"], 6)
            self.assertTrue(kept["summary"]["error"])
            self.assertEqual(kept["warnings"], [])
            [root] = kept["spans"]
            self.assertEqual((root["service"], root["operation"]), ("api-gateway", "checkout"))
            self.assertEqual(sorted(c["service"] for c in root["children"]),
                             ["cart", "payment"])

            status, jaeger = self.get_json(d, "/api/traces/" + CHECKOUT)
            self.assertEqual(status, 200)
            [trace] = jaeger["data"]
            self.assertEqual(trace["traceID"], CHECKOUT)
            self.assertEqual(len(trace["spans"]), 5)
            services = {p["serviceName"] for p in trace["processes"].values()}
            self.assertEqual(services, {"api-gateway", "cart", "database", "payment", "bank-api"})

            result = self.stitch(d, "trace", CHECKOUT)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn("Trace %s (kept by errors, 5 spans, 200ms)" % CHECKOUT, result.stdout)
            self.assertIn("bank-api (authorize) 70ms", result.stdout)
            self.assertIn("issuer said no", result.stdout)

            # The kept trace's records reached the file exporter too, as sent.
            lines = d.wait_output_lines(6)
            self.assertEqual(sorted(lines), sorted(checkout_trace().splitlines()))

            # Search finds it by service and error once the store has written it.
            d.wait_metric("stitch_store_traces_written_total", 1)
            status, found = self.get_json(d, "/api/v1/traces?service=bank-api&error=true")
            self.assertEqual(status, 200)
            self.assertEqual([t["trace_id"] for t in found["traces"]], [CHECKOUT])

    def test_a_trace_the_policies_drop_is_sampled_out_and_untraced_logs_pass(self):
        with Stitchd({"sampling": {"tail": {"decision_wait": "200ms", "root_grace": "100ms",
                                            "policies": ERRORS_ONLY}}}) as d:
            d.send_tcp(checkout_trace(FINE, error=False) + line(msg="no context") + b"\n")
            d.wait_metric("stitch_sampling_decisions_total", 1, decision="drop")

            def sampled_out():
                status, body = self.get_json(d, "/api/v1/traces/" + FINE)
                return body if status == 404 and body["reason"] == "sampled_out" else None
            body = d.wait_for(sampled_out, 10, "sampled_out")
            self.assertEqual(body["trace_id"], FINE)

            result = self.stitch(d, "trace", FINE)
            self.assertNotEqual(result.returncode, 0)
            self.assertIn("sampled", result.stderr + result.stdout)

            # The untraced log is still a log: exported; the dropped trace's records are not.
            self.assertEqual(d.wait_output_lines(1), [line(msg="no context")])

    def test_a_trace_is_pending_until_decided_and_the_store_keeps_it_across_restarts(self):
        config = {"sampling": {"tail": {"decision_wait": "1h", "root_grace": "1h"}}}
        d = Stitchd(config).start()
        try:
            status, ack = d.post_logs(checkout_trace())
            self.assertEqual((status, ack["accepted"]), (200, 6))
            pending = self.wait_state(d, CHECKOUT, "pending")
            self.assertIsNone(pending["decision"])
            self.assertEqual(pending["summary"]["record_count"], 6)
            # Nothing is decided yet: the exporter has nothing.
            self.assertEqual(d.output_lines(), [])
        finally:
            code = d.stop()
        # SIGTERM decides every pending trace; the keep-all policy keeps it, and it is written
        # before stitchd exits.
        self.assertEqual(code, 0, d.log())
        self.assertEqual(len(d.output_lines()), 6)

        d.start()
        try:
            kept = self.wait_state(d, CHECKOUT, "kept")
            self.assertEqual(kept["summary"]["span_count"], 5)
            self.assertEqual(d.metric("stitch_store_traces"), 1)
        finally:
            self.assertEqual(d.stop(), 0, d.log())

    def test_untraced_logs_pass_through_and_adaptive_state_is_visible(self):
        adaptive = [{"name": "adaptive", "type": "adaptive",
                     "adaptive": {"target_traces_per_second": 1000,
                                  "calculation_interval": "100ms"}}]
        with Stitchd({"sampling": {"tail": {"decision_wait": "100ms", "root_grace": "50ms",
                                            "policies": adaptive}}}) as d:
            d.send_tcp(b"".join(line(msg="plain %d" % i) + b"\n" for i in range(50)))
            self.assertEqual(len(d.wait_output_lines(50)), 50)
            trace_ids = ["%032x" % (0xabc0000 + i) for i in range(20)]
            d.send_tcp(b"".join(checkout_trace(t, error=False) for t in trace_ids))

            def key():
                status, body = self.get_json(d, "/api/v1/sampling")
                self.assertEqual(status, 200)
                keys = [k for k in body["keys"] if k["service"] == "api-gateway"]
                return keys[0] if keys and body["calculated_at_ns"] > 0 else None
            k = d.wait_for(key, 10, "an adaptive key for api-gateway")
            self.assertEqual((k["policy"], k["operation"]), ("adaptive", "checkout"))
            self.assertEqual(k["target_per_second"], 1000)
            self.assertEqual(k["probability"], 1)  # far below the target: keep everything
            for t in trace_ids:
                self.wait_state(d, t, "kept")

    def test_with_tail_sampling_off_records_stream_out_and_the_trace_is_still_answered(self):
        # decision_wait and root_grace of an hour: a record held for a tail decision would not
        # show within the test's timeouts.
        config = {"sampling": {"tail": {"enabled": False, "decision_wait": "1h",
                                        "root_grace": "1h"}}}
        with Stitchd(config) as d:
            lines = checkout_trace().splitlines(keepends=True)
            d.send_tcp(b"".join(lines[:3]))
            self.assertEqual(len(d.wait_output_lines(3)), 3)
            d.post_logs(b"".join(lines[3:]))
            out = d.wait_output_lines(6)
            self.assertEqual(sorted(out), sorted(l.rstrip(b"\n") for l in lines))
            # Head sampling still decides: a "not sampled" traceparent is dropped.
            d.send_tcp(line(msg="skip", traceparent="00-%s-00f067aa0ba902b7-00" % FINE) + b"\n")
            d.wait_metric("stitch_sampling_head_records_total", 1, result="dropped_sampled_flag")
            metrics = d.metrics()
            self.assertEqual(d.metric("stitch_assembly_records_total", metrics,
                                      result="streamed"), 6)
            self.assertEqual(d.metric("stitch_assembly_records_total", metrics,
                                      result="buffered"), 0)
            self.assertEqual(d.metric("stitch_assembly_traces_held", metrics), 0)
            self.assertEqual(d.metric("stitch_exporter_items_total", metrics, kind="trace"), 0)
            self.assertGreaterEqual(d.metric("stitch_exporter_items_total", metrics,
                                             kind="streamed"), 2)
            # The store got the trace in two parts and answers it whole.
            def whole():
                status, body = self.get_json(d, "/api/v1/traces/" + CHECKOUT)
                ok = status == 200 and body.get("summary", {}).get("record_count") == 6
                return body if ok else None
            kept = d.wait_for(whole, 15, "the stored trace with its 6 records")
            self.assertEqual(kept["state"], "kept")
            self.assertEqual(kept["summary"]["span_count"], 5)
            [root] = kept["spans"]
            self.assertEqual((root["service"], root["operation"]), ("api-gateway", "checkout"))
            self.assertEqual(len(self.get_json(d, "/api/v1/traces/" + FINE)[1].get("spans", [])), 0)

    def test_records_head_sampling_drops_leave_as_logs_with_dropped_trace_logs_pass_through(self):
        not_sampled = line(msg="upstream did not sample",
                           traceparent="00-%s-00f067aa0ba902b7-00" % FINE)
        for action, expected in (("drop", []), ("pass_through", [not_sampled])):
            config = {"sampling": {"dropped_trace_logs": action}}
            with Stitchd(config) as d:
                d.send_tcp(not_sampled + b"\n" + line(msg="plain") + b"\n")
                d.wait_metric("stitch_sampling_head_records_total", 1,
                              result="dropped_sampled_flag")
                out = d.wait_output_lines(len(expected) + 1)
                self.assertEqual(sorted(out), sorted(expected + [line(msg="plain")]), action)
                self.assertEqual(d.metric("stitch_sampling_dropped_trace_records_total",
                                          action="pass_through"), len(expected))
                # A dropped trace is not a kept one, whatever happens to its logs.
                status, _, _ = d.request("GET", "/api/v1/traces/" + FINE)
                self.assertNotEqual(status, 200)


if __name__ == "__main__":
    unittest.main()
