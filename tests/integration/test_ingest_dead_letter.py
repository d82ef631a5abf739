"""The decode policy for records without valid trace context: dead-letter file or counted drop."""

import json
import os
import unittest

from stitchd import Stitchd, ndjson


class IngestDeadLetterTest(unittest.TestCase):
    def test_dead_letters_go_to_their_file_as_json_with_the_reason(self):
        d = Stitchd()
        dead = os.path.join(d.dir, "dead.ndjson")
        d.write_config({"decode": {"invalid_context": "dead_letter", "dead_letter_path": dead}})
        with d:
            untraced = b'{"msg":"no trace context here"}'
            framed = b'{"msg":\n"a newline inside a counted frame"'  # malformed, holds a '\n'
            d.send_tcp(ndjson(3) + b"not json\n" + untraced + b"\n")
            d.send_tcp(b"%d %s" % (len(framed), framed))
            d.wait_metric("stitch_exporter_sent_records_total", 3)
            d.wait_metric("stitch_dead_letter_lines_total", 3)
            with open(dead, "rb") as f:
                letters = [json.loads(line) for line in f.read().splitlines()]
            self.assertEqual(len(letters), 3)
            by_line = {letter["line"].encode(): letter for letter in letters}
            self.assertEqual(by_line[b"not json"]["transport"], "tcp")
            self.assertIn(untraced, by_line)
            self.assertIn(framed, by_line)  # one JSON line, however many newlines it held
            self.assertTrue(all(letter["reason"] for letter in letters))
            self.assertEqual(d.metric("stitch_records_dead_lettered_total"), 3)
        self.assertEqual(d.exit_code, 0)

    def test_the_drop_policy_counts_untraced_records_as_dropped(self):
        with Stitchd({"decode": {"invalid_context": "drop"}}) as d:
            d.send_tcp(ndjson(2) + b'{"msg":"untraced"}\n{"msg":"untraced too"}\n')
            d.wait_metric("stitch_exporter_sent_records_total", 2)
            d.wait_metric("stitch_records_dropped_total", 2, reason="invalid_context")
            m = d.metrics()
            self.assertEqual(d.metric("stitch_decode_invalid_context_total", m, reason="missing"),
                             2)
        self.assertEqual(d.exit_code, 0)


if __name__ == "__main__":
    unittest.main()
