"""Many connections at once: up to max_connections are served, the rest rejected and counted."""

import socket
import time
import unittest

from stitchd import Stitchd, ndjson

MAX = 20


class IngestConnectionsTest(unittest.TestCase):
    def test_connections_beyond_max_connections_are_rejected_and_counted(self):
        with Stitchd({"ingest": {"max_connections": MAX}}) as d:
            held = [d.connect_tcp() for _ in range(MAX)]
            d.wait_metric("stitch_ingest_connections_active", MAX, transport="tcp")
            extra = []
            for _ in range(10):
                s = d.connect_tcp()
                extra.append(s)
            d.wait_metric("stitch_ingest_connections_rejected_total", 10, transport="tcp",
                          reason="max_connections")
            for s in extra:  # stitchd closed them: reading sees the end
                s.settimeout(5)
                try:
                    self.assertEqual(s.recv(1), b"")
                except ConnectionResetError:
                    pass
                s.close()
            # The held connections still work, each one.
            for i, s in enumerate(held):
                s.sendall(ndjson(10, start=i * 10))
            d.wait_metric("stitch_exporter_sent_records_total", MAX * 10)
            for s in held:
                s.close()
            d.wait_metric("stitch_ingest_connections_active", 0, transport="tcp")
            # A slot freed is a slot served again.
            d.send_tcp(ndjson(5))
            d.wait_metric("stitch_exporter_sent_records_total", MAX * 10 + 5)
            self.assertEqual(d.metric("stitch_ingest_connections_rejected_total"), 10)
        self.assertEqual(d.exit_code, 0)

    def test_many_concurrent_senders_lose_nothing(self):
        with Stitchd({"ingest": {"max_connections": 200}}) as d:
            socks = [d.connect_tcp() for _ in range(150)]
            for i, s in enumerate(socks):
                s.sendall(ndjson(100, start=i * 100))
            for s in socks:
                s.close()
            d.wait_metric("stitch_exporter_sent_records_total", 15000, timeout=20)
            self.assertEqual(len(d.output_lines()), 15000)
        self.assertEqual(d.exit_code, 0)

    def test_an_idle_connection_is_closed_after_idle_timeout(self):
        with Stitchd({"ingest": {"idle_timeout": "300ms"}}) as d:
            s = d.connect_tcp()
            s.sendall(ndjson(1) + b'{"last line without newline":1}')
            s.settimeout(5)
            start = time.monotonic()
            try:
                self.assertEqual(s.recv(1), b"")
            except ConnectionResetError:
                pass
            self.assertLess(time.monotonic() - start, 3)
            d.wait_metric("stitch_ingest_connections_idle_closed_total", 1)
            # The unterminated last line counts as a record when the connection ends.
            d.wait_metric("stitch_exporter_sent_records_total", 2)


if __name__ == "__main__":
    unittest.main()
