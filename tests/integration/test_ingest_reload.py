"""SIGHUP reloads the config without losing anything: good changes apply at once, a bad config
is reported problem by problem and the running one kept, the output file is reopened."""

import os
import signal
import threading
import time
import unittest

from stitchd import Stitchd, ndjson


def wait_log(d, text, count=1, timeout=10):
    d.wait_for(lambda: d.log().count(text) >= count, timeout, "%r in the log" % text)


class IngestReloadTest(unittest.TestCase):
    def test_a_good_config_applies_new_limits_at_once(self):
        with Stitchd({"decode": {"max_record_bytes": 100000}}) as d:
            big = b'{"big":"' + b"x" * 5000 + b'"}\n'
            d.send_tcp(big)
            d.wait_metric("stitch_exporter_sent_records_total", 1)
            d.write_config({"decode": {"max_record_bytes": 1000}})
            d.send_signal(signal.SIGHUP)
            wait_log(d, "reload: done")
            d.send_tcp(big + ndjson(1))
            d.wait_metric("stitch_exporter_sent_records_total", 2)
            d.wait_metric("stitch_decode_errors_total", 1, reason="too_large")
        self.assertEqual(d.exit_code, 0)

    def test_a_bad_config_is_reported_and_the_running_one_kept(self):
        with Stitchd() as d:
            d.write_config(raw="ingest:\n  tcp: [unclosed\n")
            d.send_signal(signal.SIGHUP)
            wait_log(d, "keeping the running config")
            d.write_config({"ingest": {"max_connections": 0, "framing": "sideways"}})
            d.send_signal(signal.SIGHUP)
            wait_log(d, "keeping the running config", count=2)
            log = d.log()
            self.assertIn("max_connections", log)  # every problem is logged, not only the first
            self.assertIn("framing", log)
            d.send_tcp(ndjson(10))
            d.wait_metric("stitch_exporter_sent_records_total", 10)
            self.assertEqual(d.metric("stitch_ready"), 1)
        self.assertEqual(d.exit_code, 0)

    def test_a_listener_change_is_logged_as_needing_a_restart(self):
        with Stitchd() as d:
            d.write_config({"ingest": {"tcp": {"listen": "127.0.0.1:1"}}})
            d.send_signal(signal.SIGHUP)
            wait_log(d, "reload: done")
            self.assertIn("ingest.tcp.listen changed; it takes effect after a restart", d.log())
            d.send_tcp(ndjson(3))  # still on the old port
            d.wait_metric("stitch_exporter_sent_records_total", 3)
        self.assertEqual(d.exit_code, 0)

    def test_the_output_file_is_reopened_so_logrotate_can_move_it(self):
        with Stitchd() as d:
            d.send_tcp(ndjson(5))
            d.wait_metric("stitch_exporter_sent_records_total", 5)
            rotated = d.output_path + ".1"
            os.rename(d.output_path, rotated)
            d.send_signal(signal.SIGHUP)
            wait_log(d, "reload: done")
            d.wait_metric("stitch_exporter_reopens_total", 1)
            d.send_tcp(ndjson(7, start=5))
            d.wait_output_lines(7)
            with open(rotated, "rb") as f:
                self.assertEqual(len(f.read().splitlines()), 5)
        self.assertEqual(d.exit_code, 0)

    def test_reloads_under_load_lose_nothing(self):
        with Stitchd() as d:
            total = 40000
            data = ndjson(total)
            done = threading.Event()

            def send():
                with d.connect_tcp() as s:
                    for i in range(0, len(data), 65536):
                        s.sendall(data[i:i + 65536])
                        time.sleep(0.001)
                done.set()

            sender = threading.Thread(target=send)
            sender.start()
            reloads = 0
            while not done.is_set() and reloads < 20:
                d.write_config({"log": {"level": "info" if reloads % 2 else "warn"},
                                "ingest": {"idle_timeout": "%ds" % (60 + reloads)}})
                d.send_signal(signal.SIGHUP)
                reloads += 1
                time.sleep(0.02)
            sender.join(30)
            lines = d.wait_output_lines(total, timeout=20)
            self.assertEqual(lines, data.splitlines())
            self.assertGreater(reloads, 1)
        self.assertEqual(d.exit_code, 0)


if __name__ == "__main__":
    unittest.main()
