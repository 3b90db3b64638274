"""Cortex's names over DogStatsD: the lines MetricsClient writes (read off a real UDP socket), packing, never raising,
and the server's DogStatsD ingest (UDP and HTTP) with Plotline's client and datadog's DogStatsd as peers."""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import List, Set

import pytest

import plotline
from conftest import Server, eventually


class UdpSink:
    """A real UDP socket on loopback collecting datagrams."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]

    def datagrams(self, expect_lines: int, timeout: float = 5.0) -> List[bytes]:
        out: List[bytes] = []
        deadline = time.monotonic() + timeout
        while sum(len(d.split(b"\n")) for d in out) < expect_lines and time.monotonic() < deadline:
            try:
                out.append(self.sock.recv(65536))
            except socket.timeout:
                pass
        return out

    def lines(self, expect: int) -> List[str]:
        return [line for d in self.datagrams(expect) for line in d.decode().split("\n") if line]


@pytest.fixture
def sink() -> UdpSink:
    s = UdpSink()
    yield s
    s.sock.close()


HOST = f"host:{socket.gethostname()}:{os.getpid()}"


def test_lines_are_dogstatsd(sink: UdpSink) -> None:
    m = plotline.MetricsClient(service="iris", tags={"env": "prod"}, statsd_port=sink.port)
    m.increment("my_counter", 1, tags={"model": "v1"})
    m.gauge("my_gauge", 42, tags={"model": "v1"})
    m.histogram("my_histogram", 100.5)
    m.distribution("latency", 0.25)
    m.timing("render", 12)
    m.set("users", "alice")
    m.decrement("queue", 2)
    m.increment("sampled", sample_rate=1.0)
    assert m.flush()
    lines = sink.lines(8)
    base = f"env:prod,service:iris,{HOST}"
    assert lines == [
        f"my_counter:1|c|#{base},model:v1",
        f"my_gauge:42|g|#{base},model:v1",
        f"my_histogram:100.5|h|#{base}",
        f"latency:0.25|d|#{base}",
        f"render:12|ms|#{base}",
        f"users:alice|s|#{base}",
        f"queue:-2|c|#{base}",
        f"sampled:1|c|#{base}",
    ]
    assert m.errors == 0


def test_cortex_keyword_call_and_sample_rate(sink: UdpSink) -> None:
    m = plotline.MetricsClient(statsd_port=sink.port, tags={"host": "replica-1"})
    m.increment(metric="my_counter", value=1, tags={"model": "v1"})  # Cortex's docs call it so
    for _ in range(400):
        m.histogram("h", 1, sample_rate=0.5)
    m.flush()
    lines = sink.lines(150)
    assert lines[0] == "my_counter:1|c|#host:replica-1,model:v1"
    sampled = [line for line in lines if line.startswith("h:")]
    assert all(line == "h:1|h|@0.5|#host:replica-1" for line in sampled)
    assert 120 < len(sampled) < 280, "about half are sent, each weighted 1/rate by the server"


def test_many_lines_are_packed_into_datagrams_of_at_most_1432_bytes(sink: UdpSink) -> None:
    m = plotline.MetricsClient(service="pack", statsd_port=sink.port)
    for i in range(500):
        m.increment(f"metric.{i}", i)
    m.flush()
    datagrams = sink.datagrams(500)
    lines = [line for d in datagrams for line in d.decode().split("\n")]
    assert len(lines) == 500 and lines[499].startswith("metric.499:499|c")
    assert all(len(d) <= 1432 for d in datagrams)
    assert len(datagrams) < 100, "several lines per datagram"


def test_never_raises_counts_and_warns_once_per_kind(sink: UdpSink, caplog: pytest.LogCaptureFixture) -> None:
    m = plotline.MetricsClient(statsd_port=sink.port)
    with caplog.at_level(logging.WARNING, logger="plotline"):
        m.gauge("g", "high")  # type: ignore[arg-type]
        m.gauge("g", "low")  # type: ignore[arg-type]
        m.gauge("g", float("nan"))
        m.increment(None)  # type: ignore[arg-type]
        m.histogram("h", 1, sample_rate=5)
        m.increment("bad name|with:chars", tags={"a,b": "c|d"})
    m.flush()
    assert m.errors == 5
    assert len([r for r in caplog.records if "must be a number" in r.getMessage()]) == 1
    assert sink.lines(1) == [f"bad_name_with_chars:1|c|#{HOST},a_b:c_d"]
    unreachable = plotline.MetricsClient(statsd_host="256.0.0.1", statsd_port=9)
    unreachable.increment("x")  # an address that cannot be sent to: counted, never raised
    unreachable.flush()


def test_client_metrics_shares_the_servers_host(server: Server) -> None:
    client = plotline.connect(server.url, spool=False)
    assert client.metrics is client.metrics
    assert client.metrics.statsd_host == "127.0.0.1"


def needs_statsd(server: Server) -> int:
    if server.statsd_port is None:
        pytest.skip("this server has no DogStatsD listener yet (`--statsd-port`, the developer services' branch)")
    return server.statsd_port


def services(server: Server) -> Set[str]:
    return {s.get("name") or s.get("service") for s in server.get("/api/services").get("services", [])}


def test_udp_end_to_end_into_the_server(server: Server) -> None:
    port = needs_statsd(server)
    m = plotline.MetricsClient(service="py-udp", statsd_port=port)
    for i in range(100):
        m.histogram("http.server.request.duration", 0.01 * (i + 1), tags={"http.response.status_code": 200})
    m.increment("my_counter", 3, tags={"model": "v1"})
    m.flush()
    assert "py-udp" in eventually(lambda: services(server), lambda s: "py-udp" in s)


def test_http_transport_end_to_end(server: Server) -> None:
    needs_statsd(server)
    m = plotline.MetricsClient(service="py-http", transport="http", url=server.url)
    m.increment("my_counter", 1, tags={"model": "v1"})
    m.gauge("my_gauge", 42)
    assert m.flush(10)
    assert m.errors == 0
    assert "py-http" in eventually(lambda: services(server), lambda s: "py-http" in s)


def test_datadog_dogstatsd_peer_into_the_server(server: Server) -> None:
    port = needs_statsd(server)
    datadog = pytest.importorskip("datadog", reason="datadog is not installed (.ci/python.sh installs it)")
    statsd = datadog.dogstatsd.base.DogStatsd(host="127.0.0.1", port=port, constant_tags=["service:dd-peer"])
    statsd.increment("requests", tags=["http.response.status_code:200"])
    statsd.histogram("http.server.request.duration", 0.2)
    statsd.gauge("http.server.active_requests", 2)
    statsd.flush()
    assert "dd-peer" in eventually(lambda: services(server), lambda s: "dd-peer" in s)
