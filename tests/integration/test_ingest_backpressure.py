"""A slow output slows the senders down (TCP stops being read, HTTP answers 503) but loses
nothing; UDP, which cannot be slowed down, counts what the kernel dropped."""

import errno
import os
import select
import threading
import time
import unittest

from stitchd import Stitchd, ndjson, record, slow_output_config


class FifoReader:
    """Reads the output FIFO on demand, keeping every line."""

    def __init__(self, path):
        os.mkfifo(path)
        # Open the read end first (non-blocking), so stitchd's open for writing succeeds.
        self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        self.data = bytearray()

    def read_for(self, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            select.select([self.fd], [], [], 0.05)
            try:
                chunk = os.read(self.fd, 1 << 20)
            except OSError as e:
                if e.errno == errno.EAGAIN:
                    continue
                raise
            if chunk:
                self.data += chunk

    def read_until_lines(self, count, timeout=30):
        deadline = time.monotonic() + timeout
        while self.data.count(b"\n") < count and time.monotonic() < deadline:
            self.read_for(0.05)
        return bytes(self.data).splitlines()

    def close(self):
        os.close(self.fd)


class IngestBackpressureTest(unittest.TestCase):
    def start(self, extra=None):
        d = Stitchd()
        fifo = FifoReader(os.path.join(d.dir, "out.fifo"))
        config = slow_output_config(os.path.join(d.dir, "out.fifo"))
        config["api"] = {"push_timeout": "300ms"}
        if extra:
            config.update(extra)
        d.write_config(config)
        d.output_path = None
        d.start()
        return d, fifo

    def test_a_blocked_output_stops_tcp_senders_and_loses_nothing(self):
        d, fifo = self.start()
        total = 100000
        data = ndjson(total)
        sent = threading.Event()

        def send():
            with d.connect_tcp() as s:
                s.settimeout(60)
                s.sendall(data)
            sent.set()

        sender = threading.Thread(target=send)
        sender.start()
        try:
            # The output takes nothing: the queue fills, stitchd stops reading, TCP pushes back.
            d.wait_for(lambda: d.metric("stitch_ingest_backpressure_pauses_total",
                                        transport="tcp") >= 1, what="a backpressure pause")
            time.sleep(0.5)
            self.assertFalse(sent.is_set(), "the sender was never held back")
            m = d.metrics()
            self.assertLess(d.metric("stitch_ingest_records_received_total", m, transport="tcp"),
                            total)
            # Two shards of 1000 records, each overshooting by at most one batch per worker.
            self.assertLessEqual(d.metric("stitch_queue_depth", m, queue="shards"),
                                 2 * 1000 + 2 * 4096)
            self.assertEqual(d.metric("stitch_records_dropped_total", m), 0)

            # HTTP cannot wait forever: after push_timeout it is told to come back later.
            status, answer = d.post_logs(ndjson(5, start=total))
            self.assertEqual(status, 503)
            self.assertEqual(d.metric("stitch_records_dropped_total", reason="backpressure"), 5)
            status, headers, _ = d.request("POST", "/v1/logs", ndjson(1))
            self.assertEqual((status, headers.get("Retry-After")), (503, "1"))

            # Now read slowly: everything arrives, exactly once, in order.
            lines = fifo.read_until_lines(total)
            sender.join(30)
            self.assertTrue(sent.is_set())
            self.assertEqual(len(lines), total)
            self.assertEqual(lines, data.splitlines())
        finally:
            sender.join(30)
            fifo.read_for(0.1)
            self.assertEqual(d.stop(), 0)
            fifo.close()

    def test_udp_while_the_output_is_blocked_counts_kernel_drops_exactly(self):
        d, fifo = self.start({"ingest": {"udp": {"receive_buffer": 65536}}})
        try:
            sent = 3000
            d.send_udp([record(i) + b"\n" for i in range(sent)])
            fifo.read_until_lines(1, timeout=1)

            def settled():
                fifo.read_for(0.05)
                m = d.metrics()
                received = d.metric("stitch_ingest_records_received_total", m, transport="udp")
                drops = d.metric("stitch_udp_kernel_drops_total", m)
                return received + drops == sent and (received, drops)

            received, drops = d.wait_for(settled, timeout=15, what="received + drops == sent")
            self.assertGreater(drops, 0, "a 64 KiB buffer should overflow with 3000 datagrams")
            lines = fifo.read_until_lines(int(received))
            self.assertEqual(len(lines), received)
        finally:
            fifo.read_for(0.1)
            self.assertEqual(d.stop(), 0)
            fifo.close()


if __name__ == "__main__":
    unittest.main()
