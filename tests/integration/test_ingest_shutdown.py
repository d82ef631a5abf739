"""SIGTERM/SIGINT drain everything received before exiting 0; the documented exit codes."""

import os
import select
import signal
import socket
import subprocess
import threading
import unittest

from stitchd import STITCHD, Stitchd, ndjson, record, slow_output_config


def read_fifo_to_end(fd, timeout=30):
    """Reads a FIFO until every writer closed it (stitchd exited)."""
    data = bytearray()
    while True:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            raise AssertionError("the FIFO stayed open and silent for %ss" % timeout)
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return bytes(data)
        data += chunk


class IngestShutdownTest(unittest.TestCase):
    def test_sigterm_right_after_sending_writes_every_record_and_exits_0(self):
        d = Stitchd().start()
        tcp = ndjson(20000)
        with d.connect_tcp() as s:
            s.sendall(tcp)
            unix = ndjson(3000, start=20000)
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as u:
                u.connect(d.ready["unix_stream"])
                u.sendall(unix)
                d.send_udp([record(i) + b"\n" for i in range(23000, 24000)])
                d.send_unix_datagram([record(i) + b"\n" for i in range(24000, 24500)])
                d.send_signal(signal.SIGTERM)  # connections still open
                code = d.stop()
        self.assertEqual(code, 0, d.log())
        lines = d.output_lines()
        self.assertEqual(len(lines), 24500)
        self.assertEqual(len(set(lines)), 24500)
        self.assertIn("nothing lost", d.log())
        self.assertFalse(os.path.exists(d.ready_path))
        self.assertFalse(os.path.exists(d.ready["unix_stream"]))

    def test_sigterm_while_the_output_is_blocked_still_drains_what_senders_sent(self):
        # The output (a FIFO) takes nothing until SIGTERM has been sent, so at SIGTERM most of
        # the records are still in kernel buffers: stitchd must read them during the stop.
        d = Stitchd()
        fifo = os.path.join(d.dir, "out.fifo")
        os.mkfifo(fifo)
        reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        try:
            d.write_config(slow_output_config(fifo))
            d.output_path = None
            d.start()
            tcp = ndjson(30000)
            udp = [record(i) + b"\n" for i in range(30000, 31000)]

            def send():
                with d.connect_tcp() as s:
                    s.settimeout(30)
                    s.sendall(tcp)

            sender = threading.Thread(target=send)
            sender.start()
            d.send_udp(udp)
            d.wait_for(lambda: d.metric("stitch_ingest_backpressure_pauses_total") >= 1,
                       what="stitchd held back by the output")
            d.send_signal(signal.SIGTERM)
            os.set_blocking(reader, True)
            lines = read_fifo_to_end(reader).splitlines()
            sender.join(30)
            self.assertEqual(d.stop(), 0, d.log())
            self.assertEqual(sorted(lines), sorted(tcp.splitlines() + [u.strip() for u in udp]))
        finally:
            os.close(reader)

    def test_sigint_stops_like_sigterm(self):
        d = Stitchd().start()
        d.send_tcp(ndjson(100))
        self.assertEqual(d.stop(signal.SIGINT), 0)
        self.assertEqual(len(d.output_lines()), 100)

    def test_an_output_that_never_drains_exits_4_and_says_how_many_were_lost(self):
        d = Stitchd()
        fifo = os.path.join(d.dir, "out.fifo")
        os.mkfifo(fifo)
        reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # opened, never read
        try:
            config = slow_output_config(fifo)
            config["shutdown_timeout"] = "1s"
            d.write_config(config)
            d.output_path = None
            d.start()
            d.send_udp([ndjson(10, start=i * 10) for i in range(300)])
            d.wait_metric("stitch_ingest_records_received_total", 3000, transport="udp")
            self.assertGreater(d.metric("stitch_bytes_held"), 0)
            self.assertLess(d.metric("stitch_exporter_sent_records_total"), 3000)
            code = d.stop(timeout=20)
            self.assertEqual(code, 4, d.log())
            self.assertIn("record(s) lost", d.log())
        finally:
            os.close(reader)

    def test_a_port_in_use_exits_3(self):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            d = Stitchd({"ingest": {"tcp": {"listen": "127.0.0.1:%d" % port}}})
            with self.assertRaises(RuntimeError) as caught:
                d.start()
            self.assertEqual(d.proc.returncode, 3)
            self.assertIn("Address already in use", str(caught.exception))

    def test_an_invalid_config_exits_1_and_a_bad_command_line_exits_2(self):
        d = Stitchd({"ingest": {"max_connections": 0}})
        result = subprocess.run([STITCHD, "--config", d.config_path], capture_output=True,
                                timeout=10)
        self.assertEqual(result.returncode, 1)
        self.assertIn(b"max_connections", result.stderr)
        result = subprocess.run([STITCHD, "--no-such-flag"], capture_output=True, timeout=10)
        self.assertEqual(result.returncode, 2)

    def test_help_documents_the_exit_codes(self):
        result = subprocess.run([STITCHD, "--help"], capture_output=True, timeout=10)
        self.assertEqual(result.returncode, 0)
        for code in (b"0 ", b"1 ", b"2 ", b"3 ", b"4 "):
            self.assertIn(b"  " + code, result.stdout)


if __name__ == "__main__":
    unittest.main()
