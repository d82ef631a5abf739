"""Malformed and oversize input is counted by reason, and the connection survives it."""

import socket
import unittest

from stitchd import Stitchd, ndjson, record

MAX_RECORD = 4096


class IngestMalformedTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Stitchd({"decode": {"max_record_bytes": MAX_RECORD},
                         "ingest": {"read_buffer": 8192}}).start()

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        if code != 0:
            raise AssertionError("stitchd exited %d:\n%s" % (code, cls.d.log()))

    def errors(self, reason):
        return self.d.metric("stitch_decode_errors_total", reason=reason)

    def test_an_oversize_line_is_dropped_and_counted_and_the_connection_keeps_working(self):
        before = self.errors("too_large")
        written = self.d.metric("stitch_exporter_sent_records_total")
        with self.d.connect_tcp() as s:
            s.sendall(ndjson(3))
            # Longer than the limit and than the read buffer: dropped while it streams in.
            s.sendall(b'{"big":"' + b"x" * (MAX_RECORD * 10) + b'"}\n')
            # Longer than the limit but inside one read: dropped by the decoder's limit.
            s.sendall(b'{"big":"' + b"y" * (MAX_RECORD + 10) + b'"}\n')
            s.sendall(ndjson(4, start=3))
            self.d.wait_metric("stitch_exporter_sent_records_total", written + 7)
            s.sendall(ndjson(1, start=7))  # the same connection still works
            self.d.wait_metric("stitch_exporter_sent_records_total", written + 8)
        self.assertEqual(self.errors("too_large"), before + 2)

    def test_malformed_json_is_counted_and_the_records_around_it_survive(self):
        before = self.d.metric("stitch_decode_errors_total")
        written = self.d.metric("stitch_exporter_sent_records_total")
        self.d.send_tcp(ndjson(2) + b'{"unterminated": \n' + b'"a string"\n' + b'\xff\xfe\n' +
                        ndjson(2, start=2))
        self.d.wait_metric("stitch_exporter_sent_records_total", written + 4)
        self.d.wait_metric("stitch_decode_errors_total", before + 3)

    def test_a_malformed_octet_count_resynchronises_at_the_next_newline(self):
        before = self.errors("invalid_frame")
        written = self.d.metric("stitch_exporter_sent_records_total")
        frames = [record(i) for i in range(3)]
        data = (b"%d %s" % (len(frames[0]), frames[0]) + b"12x34 garbage\n" +
                b"%d %s" % (len(frames[1]), frames[1]) + b"%d %s" % (len(frames[2]), frames[2]))
        self.d.send_tcp(data)
        self.d.wait_metric("stitch_exporter_sent_records_total", written + 3)
        self.assertEqual(self.errors("invalid_frame"), before + 1)

    def test_an_oversize_octet_frame_is_skipped_by_its_count(self):
        before = self.errors("too_large")
        written = self.d.metric("stitch_exporter_sent_records_total")
        big = b'{"big":"' + b"z" * (MAX_RECORD * 3) + b'"}'
        small = record(1)
        self.d.send_tcp(b"%d %s" % (len(small), small) + b"%d %s" % (len(big), big) +
                        b"%d %s" % (len(small), small))
        self.d.wait_metric("stitch_exporter_sent_records_total", written + 2)
        self.assertEqual(self.errors("too_large"), before + 1)

    def test_a_truncated_udp_datagram_is_counted_as_too_large(self):
        d2 = Stitchd({"ingest": {"udp": {"max_datagram": 1024}}}).start()
        try:
            d2.send_udp([b'{"x":"' + b"q" * 2000 + b'"}\n', record(1) + b"\n"])
            d2.wait_metric("stitch_exporter_sent_records_total", 1)
            d2.wait_metric("stitch_decode_errors_total", 1, reason="too_large")
            self.assertEqual(
                d2.metric("stitch_ingest_records_received_total", transport="udp"), 2)
        finally:
            self.assertEqual(d2.stop(), 0)

    def test_binary_garbage_on_a_connection_is_counted_not_fatal(self):
        written = self.d.metric("stitch_exporter_sent_records_total")
        self.d.send_tcp(bytes(range(256)) * 4 + b"\n" + ndjson(1))
        self.d.wait_metric("stitch_exporter_sent_records_total", written + 1)
        self.assertEqual(self.d.proc.poll(), None)

    def test_a_reset_connection_does_not_disturb_the_others(self):
        s = self.d.connect_tcp()
        s.sendall(b'{"partial": ')
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()  # RST
        written = self.d.metric("stitch_exporter_sent_records_total")
        self.d.send_tcp(ndjson(3))
        self.d.wait_metric("stitch_exporter_sent_records_total", written + 3)


if __name__ == "__main__":
    unittest.main()
