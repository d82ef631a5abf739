"""Start the real stitchd for an integration test and talk to it over real sockets.

    with Stitchd({"ingest": {"max_connections": 10}}) as d:
        d.send_tcp(b'{"msg":"hi"}\\n')
        d.wait_output_lines(1)
        assert d.metric("stitch_ingest_records_received_total", transport="tcp") == 1
    assert d.exit_code == 0

Every listener binds port 0 (or a socket file in the instance's temporary directory); stitchd
reports where they ended up in its --ready-file, which start() waits for. Every trace is kept
(one always_sample policy) and decided 200 ms after its last record, and every record goes to a
file exporter (one line per record) in the temporary directory, unless the config says
otherwise; the store lives in the temporary directory too. Stdlib only.
"""

import gzip
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time

STITCHD = os.environ.get("STITCHD", "stitchd")

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def project_version():
    """The version in the top CMakeLists.txt's project(), which --version must print."""
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    with open(os.path.join(root, "CMakeLists.txt"), encoding="utf-8") as f:
        return re.search(r"project\(stitch VERSION ([0-9.]+)", f.read()).group(1)


def record(i, **fields):
    """One JSON log line (bytes, no newline) carrying a valid traceparent."""
    body = {"ts": "2024-05-01T12:00:00Z", "level": "INFO", "service": "checkout",
            "msg": "record %d" % i, "traceparent": TRACEPARENT, "attrs": {"i": i}}
    body.update(fields)
    return json.dumps(body, separators=(",", ":")).encode()


def ndjson(count, start=0, **fields):
    return b"".join(record(i, **fields) + b"\n" for i in range(start, start + count))


def to_yaml(value, indent=0):
    """A small YAML writer for a test config: nested dicts, lists and scalars. Lists are
    written in JSON's flow style, which is YAML too."""
    pad = "  " * indent
    lines = []
    for key, item in value.items():
        if isinstance(item, dict):
            lines.append("%s%s:" % (pad, key))
            lines.append(to_yaml(item, indent + 1))
        else:
            if isinstance(item, bool):
                text = "true" if item else "false"
            elif isinstance(item, (int, float)):
                text = str(item)
            elif isinstance(item, list):
                text = json.dumps(item)
            else:
                text = json.dumps(str(item))
            lines.append("%s%s: %s" % (pad, key, text))
    return "\n".join(line for line in lines if line)


# Keep every trace, decide it soon after its last record: what the ingest tests count.
KEEP_ALL_POLICIES = [{"name": "all", "type": "always_sample"}]


def file_exporter(path, **settings):
    """The exporters list for one file exporter writing one line per record to `path`."""
    exporter = {"type": "file", "path": path, "mode": "per_record", "flush_interval": "10ms"}
    exporter.update(settings)
    return [exporter]


def slow_output_config(path, queue_records=1000):
    """Backpressure tests: a file exporter on `path` (a FIFO the test reads when it likes) with
    small queues everywhere, so that a blocked reader fills them within a few thousand records.
    The tests' records all carry one trace id: a 1 MiB per-trace cap decides that trace early,
    and its later records follow as late records, straight to the exporter."""
    return {"exporters": file_exporter(path, queue_size=4, batch_max_items=64),
            "pipeline": {"queue_records": queue_records},
            "assembly": {"max_bytes_per_trace": "1MiB"}}


def merge(base, extra):
    out = dict(base)
    for key, value in (extra or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def parse_metrics(text):
    """Prometheus text -> {(name, ((label, value), ...)): float}."""
    out = {}
    line_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
    label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = line_re.match(line)
        if not m:
            raise ValueError("bad metrics line: %r" % line)
        labels = tuple(sorted(label_re.findall(m.group(3) or "")))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


class Stitchd:
    def __init__(self, config=None, output=None, args=(), env=None):
        self.dir = tempfile.mkdtemp(prefix="stitchd-test-")
        self.output_path = output or os.path.join(self.dir, "out.ndjson")
        self.config_path = os.path.join(self.dir, "stitch.yaml")
        self.ready_path = os.path.join(self.dir, "ready.json")
        self.log_path = os.path.join(self.dir, "stitchd.log")
        self.args = list(args)
        self.env = env
        self.proc = None
        self.ready = None
        self.exit_code = None
        self.base_config = {
            "log": {"level": "info", "warning_interval": "100ms"},
            "shutdown_timeout": "10s",
            "ingest": {
                "workers": 2,
                "tcp": {"listen": "127.0.0.1:0"},
                "udp": {"listen": "127.0.0.1:0"},
                "unix_stream": {"path": os.path.join(self.dir, "stream.sock")},
                "unix_datagram": {"path": os.path.join(self.dir, "dgram.sock")},
            },
            "api": {"listen": "127.0.0.1:0"},
            "pipeline": {"shards": 2},
            "sampling": {"tail": {"decision_wait": "200ms", "root_grace": "100ms",
                                  "policies": KEEP_ALL_POLICIES}},
            "exporters": file_exporter(self.output_path),
            "store": {"path": os.path.join(self.dir, "traces.db")},
        }
        self.write_config(config)

    # ------------------------------------------------------------------ lifecycle
    def write_config(self, config=None, raw=None):
        """Writes the config file (the base config merged with `config`, or `raw` text)."""
        text = raw if raw is not None else to_yaml(merge(self.base_config, config)) + "\n"
        with open(self.config_path, "w") as f:
            f.write(text)

    def start(self, timeout=15):
        if os.path.exists(self.ready_path):
            os.unlink(self.ready_path)
        self.log_file = open(self.log_path, "ab")
        env = dict(os.environ)
        env.update(self.env or {})
        self.proc = subprocess.Popen(
            [STITCHD, "--config", self.config_path, "--ready-file", self.ready_path] + self.args,
            stdout=subprocess.DEVNULL,
            stderr=self.log_file, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if os.path.exists(self.ready_path):
                with open(self.ready_path) as f:
                    self.ready = json.load(f)
                return self
            if self.proc.poll() is not None:
                raise RuntimeError("stitchd exited with %d before it was ready:\n%s"
                                   % (self.proc.returncode, self.log()))
            time.sleep(0.02)
        self.proc.kill()
        raise RuntimeError("stitchd not ready within %ss:\n%s" % (timeout, self.log()))

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Sends `sig`, waits for the exit and returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.exit_code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("stitchd did not exit within %ss:\n%s" % (timeout, self.log()))
        self.log_file.close()
        return self.exit_code

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            self.stop()

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    # ------------------------------------------------------------------ endpoints
    @staticmethod
    def _hostport(text):
        host, port = text.rsplit(":", 1)
        return host.strip("[]"), int(port)

    @property
    def tcp_address(self):
        return self._hostport(self.ready["tcp"])

    @property
    def udp_address(self):
        return self._hostport(self.ready["udp"])

    @property
    def api_address(self):
        return self._hostport(self.ready["api"])

    # ------------------------------------------------------------------ sending
    def connect_tcp(self):
        return socket.create_connection(self.tcp_address, timeout=10)

    def send_tcp(self, data):
        with self.connect_tcp() as s:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            s.settimeout(10)
            s.recv(1)  # stitchd closes after the end of our stream

    def send_udp(self, datagrams):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for d in datagrams:
                s.sendto(d, self.udp_address)

    def send_unix_stream(self, data):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(10)
            s.connect(self.ready["unix_stream"])
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            s.recv(1)

    def send_unix_datagram(self, datagrams):
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.settimeout(10)
            for d in datagrams:
                s.sendto(d, self.ready["unix_datagram"])

    def request(self, method, path, body=None, headers=None, timeout=30):
        """Returns (status, headers dict, body bytes)."""
        conn = http.client.HTTPConnection(*self.api_address, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()

    def post_logs(self, body, headers=None, gzip_body=False):
        """POST /v1/logs; returns (status, parsed JSON body)."""
        headers = dict(headers or {})
        headers.setdefault("Content-Type", "application/x-ndjson")
        if gzip_body:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        status, _, data = self.request("POST", "/v1/logs", body, headers)
        return status, json.loads(data) if data else None

    # ------------------------------------------------------------------ observing
    def metrics(self):
        status, _, body = self.request("GET", "/metrics")
        assert status == 200, status
        return parse_metrics(body.decode())

    def metric(self, name, metrics=None, **labels):
        """One series' value; with labels omitted, the sum of the family's matching series."""
        metrics = metrics if metrics is not None else self.metrics()
        total = 0.0
        for (n, series_labels), value in metrics.items():
            if n != name:
                continue
            d = dict(series_labels)
            if all(d.get(k) == v for k, v in labels.items()):
                total += value
        return total

    def output_lines(self):
        try:
            with open(self.output_path, "rb") as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def wait_for(self, predicate, timeout=10, what="condition"):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = predicate()
            if last:
                return last
            time.sleep(0.02)
        raise AssertionError("timed out waiting for %s (last: %r)\n%s" % (what, last, self.log()))

    def wait_output_lines(self, count, timeout=10):
        def enough():
            n = len(self.output_lines())
            return n >= count and n
        self.wait_for(enough, timeout, "%d output lines" % count)
        return self.output_lines()

    def wait_metric(self, name, value, timeout=10, **labels):
        return self.wait_for(lambda: self.metric(name, **labels) == value, timeout,
                             "%s%r == %r" % (name, labels, value))
