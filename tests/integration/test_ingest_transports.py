"""Records sent over every transport reach the output, and /metrics counts them exactly."""

import json
import unittest

from stitchd import Stitchd, ndjson, record


class IngestTransportsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Stitchd().start()

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        if code != 0:
            raise AssertionError("stitchd exited %d:\n%s" % (code, cls.d.log()))

    def received(self, transport):
        return self.d.metric("stitch_ingest_records_received_total", transport=transport)

    def written(self):
        return self.d.metric("stitch_exporter_sent_records_total")

    def check_delta(self, transport, send, count):
        before_in = self.received(transport)
        before_out = self.written()
        before_lines = len(self.d.output_lines())
        send()
        self.d.wait_metric("stitch_ingest_records_received_total", before_in + count,
                           transport=transport)
        self.d.wait_metric("stitch_exporter_sent_records_total", before_out + count)
        lines = self.d.wait_output_lines(before_lines + count)
        self.assertEqual(len(lines), before_lines + count)
        return lines[before_lines:]

    def test_newline_delimited_tcp_records_are_all_written_and_counted(self):
        data = ndjson(5000)
        out = self.check_delta("tcp", lambda: self.d.send_tcp(data), 5000)
        self.assertEqual(sorted(out), sorted(data.splitlines()))

    def test_octet_counted_tcp_frames_are_detected_and_counted(self):
        records = [record(i, framing="octet") for i in range(300)]
        data = b"".join(b"%d %s" % (len(r), r) for r in records)
        out = self.check_delta("tcp", lambda: self.d.send_tcp(data), 300)
        self.assertEqual(sorted(out), sorted(records))

    def test_crlf_line_endings_and_a_final_line_without_newline_are_records(self):
        data = b"\r\n".join(record(i, crlf=True) for i in range(10))  # no final newline
        out = self.check_delta("tcp", lambda: self.d.send_tcp(data), 10)
        self.assertTrue(all(not line.endswith(b"\r") for line in out))

    def test_udp_datagrams_with_several_records_each_are_all_counted(self):
        datagrams = [ndjson(4, start=i * 4, transport="udp") for i in range(50)]
        self.check_delta("udp", lambda: self.d.send_udp(datagrams), 200)

    def test_unix_stream_records_are_counted(self):
        data = ndjson(1000, transport="unix_stream")
        self.check_delta("unix_stream", lambda: self.d.send_unix_stream(data), 1000)

    def test_unix_datagram_records_are_counted(self):
        datagrams = [ndjson(2, start=i * 2, transport="unix_datagram") for i in range(100)]
        self.check_delta("unix_datagram", lambda: self.d.send_unix_datagram(datagrams), 200)

    def test_http_post_records_are_counted_and_acknowledged(self):
        result = {}

        def send():
            result["status"], result["body"] = self.d.post_logs(ndjson(250, transport="http"))

        self.check_delta("http", send, 250)
        self.assertEqual(result["status"], 200)
        self.assertEqual(result["body"]["accepted"], 250)
        self.assertEqual(result["body"]["rejected"], 0)

    def test_received_equals_decoded_plus_errors_for_every_transport(self):
        written = self.written()
        self.d.send_tcp(ndjson(20) + b"not json\n[1,2]\n")
        self.d.send_udp([b'{"a":1}\n{broken\n'])
        self.d.wait_for(lambda: self.d.metric("stitch_decode_errors_total") >= 3, what="errors")
        # The 21 good records still reach the output, so later tests start from a settled count.
        self.d.wait_metric("stitch_exporter_sent_records_total", written + 21)
        m = self.d.metrics()
        received = self.d.metric("stitch_ingest_records_received_total", m)
        decoded = self.d.metric("stitch_decode_records_total", m)
        errors = self.d.metric("stitch_decode_errors_total", m)
        self.assertEqual(received, decoded + errors)

    def test_ready_file_names_every_listener_and_the_pid(self):
        ready = self.d.ready
        self.assertEqual(ready["pid"], self.d.proc.pid)
        for key in ("tcp", "udp", "api", "unix_stream", "unix_datagram"):
            self.assertIn(key, ready)
        self.assertTrue(ready["tcp"].startswith("127.0.0.1:"))
        self.assertNotEqual(ready["tcp"], "127.0.0.1:0")
        self.assertIn("listening tcp %s" % ready["tcp"], self.d.log())


if __name__ == "__main__":
    unittest.main()
