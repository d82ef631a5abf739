"""`stitch tracecontext`: the real CLI binary validates header values and prints JSON.

The CLI path comes from $STITCH (set by tests/integration/CMakeLists.txt).
"""

import json
import os
import subprocess
import unittest

from stitchd import project_version

STITCH = os.environ.get("STITCH", "")

VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def run(*args):
    """Runs `stitch tracecontext ARGS...`; returns (exit code, stdout, stderr)."""
    proc = subprocess.run(
        [STITCH, "tracecontext", *args],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr


def run_json(*args):
    """Runs the command and parses its output, which must be exactly one JSON line."""
    code, out, err = run(*args)
    lines = out.splitlines()
    if len(lines) != 1:
        raise AssertionError(f"expected one line of JSON, got {out!r} (stderr {err!r})")
    return code, json.loads(lines[0])


@unittest.skipUnless(STITCH, "STITCH is not set")
class ValidTraceparentTest(unittest.TestCase):
    def test_valid_value_exits_0_and_reports_every_field(self):
        code, doc = run_json("--traceparent", VALID)
        self.assertEqual(code, 0)
        self.assertIs(doc["valid"], True)
        self.assertNotIn("reason", doc)
        self.assertEqual(doc["input"], VALID)
        self.assertEqual(doc["version"], "00")
        self.assertEqual(doc["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736")
        self.assertEqual(doc["parent_id"], "00f067aa0ba902b7")
        self.assertEqual(doc["flags"], "01")
        self.assertIs(doc["sampled"], True)
        self.assertIs(doc["random"], False)
        self.assertEqual(doc["normalized"], VALID)

    def test_random_flag_is_bit_1(self):
        code, doc = run_json("--traceparent", VALID[:-2] + "02")
        self.assertEqual(code, 0)
        self.assertIs(doc["sampled"], False)
        self.assertIs(doc["random"], True)

    def test_spaces_and_tabs_around_the_value_are_ignored(self):
        code, doc = run_json("--traceparent", " \t" + VALID + "\t ")
        self.assertEqual(code, 0)
        self.assertEqual(doc["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736")
        self.assertEqual(doc["normalized"], VALID)

    def test_future_version_shows_flags_as_received_and_normalized_as_version_00(self):
        value = "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff-what-the-future-holds"
        code, doc = run_json("--traceparent", value)
        self.assertEqual(code, 0)
        self.assertEqual(doc["version"], "cc")
        self.assertEqual(doc["flags"], "ff")
        self.assertEqual(
            doc["normalized"], "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03"
        )


@unittest.skipUnless(STITCH, "STITCH is not set")
class InvalidTraceparentTest(unittest.TestCase):
    CASES = [
        ("00-00000000000000000000000000000000-00f067aa0ba902b7-01", "zero_trace_id"),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "zero_parent_id"),
        ("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "invalid_trace_id"),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01", "invalid_parent_id"),
        ("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "forbidden_version"),
        (VALID + "-extra", "invalid_length"),
        ("000-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "invalid_version"),
        ("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.x", "invalid_separator"),
        (VALID[:-2] + "0g", "invalid_flags"),
        ("", "empty"),
    ]

    def test_invalid_values_exit_1_with_their_reason_and_null_fields(self):
        for value, reason in self.CASES:
            with self.subTest(value=value):
                code, doc = run_json("--traceparent", value, "--tracestate", "rojo=1")
                self.assertEqual(code, 1)
                self.assertIs(doc["valid"], False)
                self.assertEqual(doc["reason"], reason)
                self.assertEqual(doc["input"], value)
                for key in ("version", "trace_id", "parent_id", "flags", "sampled", "random",
                            "normalized"):
                    self.assertIsNone(doc[key], key)
                # W3C: no tracestate parsing without a valid traceparent.
                self.assertIsNone(doc["tracestate"])


@unittest.skipUnless(STITCH, "STITCH is not set")
class TracestateTest(unittest.TestCase):
    def test_no_tracestate_is_an_empty_valid_list(self):
        code, doc = run_json("--traceparent", VALID)
        self.assertEqual(code, 0)
        self.assertEqual(doc["tracestate"], {"valid": True, "entries": [], "normalized": ""})

    def test_several_lines_are_combined_in_order(self):
        code, doc = run_json(
            "--traceparent", VALID,
            "--tracestate", "foo=1, bar=2",
            "--tracestate", "",
            "--tracestate", "rojo=00f067aa0ba902b7\t,congo=t61rcWkgMzE",
        )
        self.assertEqual(code, 0)
        ts = doc["tracestate"]
        self.assertIs(ts["valid"], True)
        self.assertEqual(
            ts["entries"],
            [["foo", "1"], ["bar", "2"], ["rojo", "00f067aa0ba902b7"], ["congo", "t61rcWkgMzE"]],
        )
        self.assertEqual(ts["normalized"], "foo=1,bar=2,rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")

    def test_invalid_tracestate_is_reported_but_does_not_fail_the_traceparent(self):
        for lines, reason in [
            (["foo=1", "foo=2"], "duplicate_key"),
            (["FOO=1"], "invalid_key"),
            (["foo=bar=baz"], "invalid_value"),
            ([",".join(f"k{i}=v" for i in range(33))], "too_many_members"),
            (["k" * 257 + "=1"], "key_too_long"),
        ]:
            with self.subTest(lines=lines):
                args = ["--traceparent", VALID]
                for line in lines:
                    args += ["--tracestate", line]
                code, doc = run_json(*args)
                self.assertEqual(code, 0)
                self.assertIs(doc["valid"], True)
                self.assertEqual(doc["tracestate"]["valid"], False)
                self.assertEqual(doc["tracestate"]["reason"], reason)
                self.assertEqual(doc["tracestate"]["entries"], [])

    def test_level2_key_grammar_is_the_default_and_accepts_at_signs_after_the_first_char(self):
        args = ("--traceparent", VALID, "--tracestate", "foo@bar@baz=1,1abc=2")
        _, relaxed = run_json(*args)
        self.assertIs(relaxed["tracestate"]["valid"], True)
        self.assertEqual(relaxed["tracestate"]["entries"], [["foo@bar@baz", "1"], ["1abc", "2"]])
        _, strict = run_json(*args, "--key-grammar", "multi-tenant")
        self.assertIs(strict["tracestate"]["valid"], False)


@unittest.skipUnless(STITCH, "STITCH is not set")
class UsageTest(unittest.TestCase):
    def test_missing_traceparent_exits_2(self):
        code, out, err = run()
        self.assertEqual(code, 2)
        self.assertEqual(out, "")
        self.assertIn("--traceparent", err)

    def test_unknown_option_exits_2(self):
        code, out, _ = run("--traceparent", VALID, "--bogus")
        self.assertEqual(code, 2)
        self.assertEqual(out, "")

    def test_unknown_key_grammar_exits_2(self):
        code, _, _ = run("--traceparent", VALID, "--key-grammar", "level3")
        self.assertEqual(code, 2)

    def test_version_exits_0_with_the_project_version(self):
        proc = subprocess.run([STITCH, "--version"], capture_output=True, text=True, timeout=10,
                              check=False)
        self.assertEqual((proc.returncode, proc.stdout), (0, f"stitch {project_version()}\n"))

    def test_help_exits_0_and_documents_the_output(self):
        code, out, _ = run("--help")
        self.assertEqual(code, 0)
        for word in ("normalized", "tracestate", "Exit status"):
            self.assertIn(word, out)


if __name__ == "__main__":
    unittest.main()
