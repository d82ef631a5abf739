"""stitchd --check-config, --set, --print-default-config and --config start-up, run as a user
would: the real binary (path in $STITCHD) on files written to a temporary directory."""

import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import unittest

from stitchd import project_version

STITCHD = os.environ.get("STITCHD", "stitchd")
SOURCE_DIR = os.environ.get(
    "STITCH_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))

GOOD = """\
log:
  level: debug
  format: json
shutdown_timeout: ${STITCH_IT_TIMEOUT:-5s}
ingest:
  tcp: {listen: "127.0.0.1:0"}
  udp: {listen: "127.0.0.1:0"}
api:
  listen: "127.0.0.1:0"
"""

# Four problems: wrong type, unknown key (with a suggestion), unknown enum value, range.
BAD = """\
log:
  level: loud
  fromat: json
  warning_interval: ten
shutdown_timeout: 0s
"""


class CheckConfigTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="stitch-check-config-")
        self.addCleanup(self.dir.cleanup)

    def write(self, name, text):
        path = os.path.join(self.dir.name, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def run_stitchd(self, *args, env=None):
        full_env = dict(os.environ)
        full_env.update(env or {})
        return subprocess.run([STITCHD, *args], capture_output=True, text=True, timeout=30,
                              cwd=self.dir.name,
                              env=full_env, check=False)

    def test_version_prints_the_project_version_and_exits_0(self):
        result = self.run_stitchd("--version")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, f"stitchd {project_version()}\n")

    def test_a_valid_file_prints_ok_and_exits_0(self):
        path = self.write("good.yaml", GOOD)
        result = self.run_stitchd("--check-config", path)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, f"{path}: ok\n")
        self.assertEqual(result.stderr, "")

    def test_an_invalid_file_prints_every_problem_with_its_position_and_exits_1(self):
        path = self.write("bad.yaml", BAD)
        result = self.run_stitchd("--check-config", path)
        self.assertEqual(result.returncode, 1)
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 4, result.stderr)
        for line in lines:
            self.assertRegex(line, "^" + re.escape(path) + r":\d+:\d+: [a-z_.\[\]0-9]+: .+")
        self.assertEqual(lines, [
            f'{path}:2:10: log.level: unknown value "loud"; expected one of trace, debug, info, '
            'warn, error, critical, off',
            f'{path}:3:3: log.fromat: unknown key "fromat"; did you mean "format"?',
            f'{path}:4:21: log.warning_interval: expected a duration like 250ms, got "ten"',
            f'{path}:5:19: shutdown_timeout: must be at least 1ms, got 0s',
        ])
        self.assertEqual(result.stdout, "")

    def test_a_syntax_error_is_reported_at_its_position(self):
        path = self.write("syntax.yaml", "log:\n  level: info\n    format: json\n")
        result = self.run_stitchd("--check-config", path)
        self.assertEqual(result.returncode, 1)
        self.assertRegex(result.stderr, "^" + re.escape(path) + r":3:\d+: invalid YAML: ")

    def test_a_missing_file_is_a_clear_error(self):
        path = os.path.join(self.dir.name, "missing.yaml")
        result = self.run_stitchd("--check-config", path)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr, f"{path}: cannot read the file: No such file or directory\n")

    def test_environment_variables_are_substituted_and_an_unset_one_is_named(self):
        path = self.write("env.yaml", GOOD)
        result = self.run_stitchd("--check-config", path, env={"STITCH_IT_TIMEOUT": "zero"})
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr,
                         f'{path}:4:19: shutdown_timeout: expected a duration like 250ms, '
                         'got "zero"\n')
        path = self.write("unset.yaml", "shutdown_timeout: ${STITCH_IT_SURELY_UNSET}\n")
        result = self.run_stitchd("--check-config", path)
        self.assertEqual(result.returncode, 1)
        self.assertIn("environment variable STITCH_IT_SURELY_UNSET is not set", result.stderr)
        self.assertTrue(result.stderr.startswith(f"{path}:1:19: shutdown_timeout: "))

    def test_set_overrides_the_file_and_its_problems_say_set(self):
        path = self.write("good.yaml", GOOD)
        result = self.run_stitchd("--check-config", path, "--set", "log.level=loud",
                                  "--set", "log.format=text")
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr.splitlines(), [
            '<--set>: log.level: unknown value "loud"; expected one of trace, debug, info, warn, '
            'error, critical, off'])
        bad = self.write("bad.yaml", BAD)
        result = self.run_stitchd("--check-config", bad, "--set", "log.level=warn", "--set",
                                  "shutdown_timeout=1s", "--set", "log.warning_interval=1m",
                                  "--set", "log.fromat=")
        self.assertEqual(result.returncode, 1)
        self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)
        self.assertIn("log.fromat: unknown key", result.stderr)

    def test_the_printed_default_config_is_valid_and_matches_the_shipped_file(self):
        result = self.run_stitchd("--print-default-config")
        self.assertEqual(result.returncode, 0, result.stderr)
        path = self.write("default.yaml", result.stdout)
        self.assertEqual(self.run_stitchd("--check-config", path).returncode, 0)
        shipped = os.path.join(SOURCE_DIR, "config", "stitch.yaml")
        with open(shipped, encoding="utf-8") as f:
            shipped_text = f.read()
        generated = result.stdout.split("\n\n", 1)[1]
        self.assertTrue(shipped_text.endswith(generated))
        self.assertEqual(self.run_stitchd("--check-config", shipped).returncode, 0)

    def test_every_shipped_config_is_valid(self):
        # The demo's and the benchmarks' configs are run by hand or by `make bench*`, not by
        # the suite: a renamed or tightened key must fail here, not in the next race.
        shipped = [os.path.join(SOURCE_DIR, "deploy", "demo", "stitch.yaml"),
                   os.path.join(SOURCE_DIR, "tests", "bench", "e2e", "stitch.yaml")]
        bench = os.path.join(SOURCE_DIR, "tests", "bench")
        shipped += [os.path.join(bench, f) for f in sorted(os.listdir(bench))
                    if f.endswith(".yaml")]
        self.assertGreaterEqual(len(shipped), 4)
        env = {"PORT": "7410", "OUT": os.path.join(self.dir.name, "out.ndjson"),
               "STORE": os.path.join(self.dir.name, "traces.db"), "STITCH_DEMO_DATA": self.dir.name}
        for path in shipped:
            result = self.run_stitchd("--check-config", path, env=env)
            self.assertEqual(result.returncode, 0, path + ": " + result.stdout + result.stderr)

    def test_startup_with_an_invalid_file_prints_every_problem_and_exits_1(self):
        path = self.write("bad.yaml", BAD)
        result = self.run_stitchd("--config", path)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(len(result.stderr.splitlines()), 4, result.stderr)

    def test_startup_applies_the_json_log_format(self):
        path = self.write("good.yaml", GOOD)
        # stitchd logs to stderr: stdout is for records (an exporter of type stdout).
        # Run in the temporary directory: the default store and file exporter paths are relative.
        proc = subprocess.Popen([STITCHD, "--config", path], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, cwd=self.dir.name)
        # A stitchd that never says it started is killed, which ends its log: a failure, not a
        # hung test.
        watchdog = threading.Timer(15, proc.kill)
        watchdog.start()
        try:
            while True:
                line = proc.stderr.readline()
                self.assertTrue(line, "stitchd ended its log before saying it started")
                record = json.loads(line)
                self.assertRegex(record["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
                if record["msg"].startswith("stitchd started"):
                    break
            watchdog.cancel()
            self.assertIn("version ", record["msg"])
            self.assertEqual(record["level"], "info")
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=10), 0)
            rest = [json.loads(line) for line in proc.stderr.read().splitlines()]
            self.assertTrue(rest[0]["msg"].startswith("stitchd stopping on signal 15"), rest[0])
        finally:
            watchdog.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stderr.close()


if __name__ == "__main__":
    unittest.main()
