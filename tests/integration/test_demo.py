"""The demo, run as a user runs it: the real stitchd (ports 0) with deploy/demo/stitch.yaml and
the three Node.js services of deploy/demo logging to it over TCP and UDP. Checks the trees'
shapes, durations, error status and the sampling decisions through the API and `stitch
trace`, then runs deploy/demo/run.sh once as the README says. Skipped where node is missing."""

import json
import os
import shutil
import subprocess
import unittest

from stitchd import Stitchd

ROOT = os.environ.get("STITCH_SOURCE_DIR",
                      os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
DEMO = os.path.join(ROOT, "deploy", "demo")
STITCH = os.environ.get("STITCH", "stitch")
NODE = shutil.which("node")


def ensure_packages():
    if os.path.isdir(os.path.join(DEMO, "node_modules", "tctx")):
        return
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=DEMO,
                   check=True, timeout=300)


def walk(span, depth=0):
    yield span, depth
    for child in span["children"]:
        yield from walk(child, depth + 1)


@unittest.skipIf(NODE is None, "node is not installed: the demo's services are Node.js "
                               "(apt-get install nodejs npm)")
class DemoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ensure_packages()
        cls.d = Stitchd(env={"STITCH_DEMO_LISTEN": "127.0.0.1:0",
                             "STITCH_DEMO_API": "127.0.0.1:0"})
        cls.d.env["STITCH_DEMO_DATA"] = cls.d.dir
        with open(os.path.join(DEMO, "stitch.yaml")) as f:
            cls.d.write_config(raw=f.read())
        cls.d.output_path = os.path.join(cls.d.dir, "records.ndjson")
        cls.d.start()
        tcp = "%s:%d" % cls.d.tcp_address
        udp = "%s:%d" % cls.d.udp_address
        result = subprocess.run([NODE, os.path.join(DEMO, "demo.mjs"), "--tcp", tcp, "--udp", udp,
                                 "--requests", "3", "--json"],
                                capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            cls.d.stop()
            raise AssertionError("demo.mjs failed:\n" + result.stderr)
        cls.ids = json.loads(result.stdout)
        cls.traces = {}
        for name in ("fail", "slow"):
            cls.traces[name] = cls.kept(cls.ids[name])
        cls.traces["normal"] = cls.kept(cls.ids["normal"][0])

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        if code != 0:
            raise AssertionError("stitchd exited %d:\n%s" % (code, cls.d.log()))

    @classmethod
    def kept(cls, trace_id):
        def check():
            status, _, body = cls.d.request("GET", "/api/v1/traces/" + trace_id)
            trace = json.loads(body)
            return trace if status == 200 and trace["state"] == "kept" else None
        return cls.d.wait_for(check, 20, "trace %s kept" % trace_id)

    def shape(self, trace):
        [root] = trace["spans"]
        return [("  " * depth) + "%s %s" % (s["service"], s["operation"])
                for s, depth in walk(root)]

    def test_every_trace_has_the_guide_shape_across_five_services(self):
        expected = [
            "api-gateway GET /checkout",
            "  api-gateway POST /cart/checkout",
            "    cart checkout",
            "      database SELECT cart_items",
            "  api-gateway POST /payment/charge",
            "    payment charge",
            "      bank-api authorize",
        ]
        for name, trace in self.traces.items():
            self.assertEqual(self.shape(trace), expected, name)
            self.assertEqual(trace["warnings"], [], name)
            self.assertEqual(trace["summary"]["services"],
                             ["api-gateway", "bank-api", "cart", "database", "payment"])
            # Logged by three processes over TCP (gateway) and UDP (cart, payment).
            self.assertEqual(trace["summary"]["span_count"], 7)

    def test_the_declined_payment_is_an_error_kept_by_the_errors_policy(self):
        trace = self.traces["fail"]
        self.assertEqual(trace["decision"]["policy"], "errors")
        self.assertTrue(trace["summary"]["error"])
        spans = {s["service"] + " " + s["operation"]: s for s, _ in walk(trace["spans"][0])}
        for failed in ("bank-api authorize", "payment charge", "api-gateway POST /payment/charge",
                       "api-gateway GET /checkout"):
            self.assertTrue(spans[failed]["error"], failed)
        self.assertEqual(spans["bank-api authorize"]["status"], "error")
        self.assertIn("card declined", spans["bank-api authorize"]["error_message"])
        self.assertFalse(spans["cart checkout"]["error"])
        self.assertFalse(spans["database SELECT cart_items"]["error"])

    def test_the_slow_query_makes_a_slow_trace_kept_by_the_latency_policy(self):
        trace = self.traces["slow"]
        self.assertEqual(trace["decision"]["policy"], "slow")
        self.assertFalse(trace["summary"]["error"])
        spans = {s["service"]: s for s, _ in walk(trace["spans"][0])}
        self.assertGreaterEqual(spans["database"]["duration_ms"], 1500)
        self.assertGreaterEqual(trace["summary"]["duration_ms"], 1500)
        # The query is most of the cart's time, the cart most of the gateway's.
        self.assertGreater(spans["database"]["share_of_parent"], 0.9)

    def test_a_normal_checkout_is_fast_error_free_and_kept_by_adaptive_sampling(self):
        trace = self.traces["normal"]
        self.assertEqual(trace["decision"]["policy"], "adaptive")
        self.assertFalse(trace["summary"]["error"])
        self.assertLess(trace["summary"]["duration_ms"], 1000)
        spans = {s["service"]: s for s, _ in walk(trace["spans"][0])}
        self.assertGreaterEqual(spans["bank-api"]["duration_ms"], 70)  # the bank's 70 ms

    def test_stitch_trace_draws_the_failing_trace(self):
        server = "http://%s:%d" % self.d.api_address
        result = subprocess.run([STITCH, "trace", self.ids["fail"], "--server", server,
                                 "--no-color"], capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stdout.splitlines()
        self.assertTrue(lines[0].startswith("Trace %s (kept by errors, 7 spans," % self.ids["fail"]),
                        lines[0])
        bank = [l for l in lines if "bank-api (authorize)" in l]
        self.assertEqual(len(bank), 1, result.stdout)
        self.assertIn("✗ card declined", bank[0])


@unittest.skipIf(NODE is None, "node is not installed: the demo's services are Node.js")
class DemoScriptTest(unittest.TestCase):
    def test_run_sh_starts_everything_and_prints_the_failing_trace(self):
        ensure_packages()
        data = os.path.join(os.environ.get("TMPDIR", "/tmp"), "stitch-demo-test-%d" % os.getpid())
        env = dict(os.environ, STITCH_DEMO_LISTEN="127.0.0.1:0", STITCH_DEMO_API="127.0.0.1:0",
                   STITCH_DEMO_DATA=data, STITCHD=os.environ.get("STITCHD", "stitchd"),
                   STITCH=STITCH)
        try:
            result = subprocess.run([os.path.join(DEMO, "run.sh"), "2"], env=env,
                                    capture_output=True, text=True, timeout=180)
        finally:
            shutil.rmtree(data, ignore_errors=True)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertRegex(result.stdout, r"Trace [0-9a-f]{32} \(kept by errors, 7 spans")
        self.assertRegex(result.stdout, r"Trace [0-9a-f]{32} \(kept by slow, 7 spans")
        self.assertIn("bank-api (authorize)", result.stdout)


if __name__ == "__main__":
    unittest.main()
