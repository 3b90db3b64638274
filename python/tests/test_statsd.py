"""Cortex's names over DogStatsD: the lines MetricsClient writes (read off a real UDP socket), packing, never raising,
and the server's DogStatsD ingest (UDP and HTTP) with Plotline's client and datadog's DogStatsd as peers."""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any, Dict, List, Set

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
    base = f"env:prod,{HOST}"
    assert lines == [  # the Node SDK's order: client tags, host, the call's tags, then the service
        f"my_counter:1|c|#{base},model:v1,service:iris",
        f"my_gauge:42|g|#{base},model:v1,service:iris",
        f"my_histogram:100.5|h|#{base},service:iris",
        f"latency:0.25|d|#{base},service:iris",
        f"render:12|ms|#{base},service:iris",
        f"users:alice|s|#{base},service:iris",
        f"queue:-2|c|#{base},service:iris",
        f"sampled:1|c|#{base},service:iris",
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
        m.increment("bad name|with:chars")
        m.set("users", "a|b")
        m.increment("ok", tags={"a,b": "c|d", "host": "given"})  # separators in tags become "_"; a call's host wins
    m.flush()
    assert m.errors == 7
    assert len([r for r in caplog.records if "must be a number" in r.getMessage()]) == 1
    assert sink.lines(1) == ["ok:1|c|#a_b:c_d,host:given"]
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
    return {s.get("name") for s in server.get("/api/services").get("services", [])}


def service(server: Server, name: str, requests: int = 0) -> Dict[str, Any]:
    """`GET /api/services/<name>` once the service is known (and has counted ``requests``)."""
    def read() -> Dict[str, Any]:
        return server.get(f"/api/services/{name}")
    return eventually(read, lambda d: d.get("service", {}).get("summary", {}).get("requests", 0) >= requests)


def metric_kinds(detail: Dict[str, Any]) -> Dict[str, str]:
    return {m["name"]: m["kind"] for m in detail["metrics"]}


def test_udp_end_to_end_into_the_server(server: Server) -> None:
    port = needs_statsd(server)
    m = plotline.MetricsClient(service="py-udp", statsd_port=port)
    for i in range(100):  # 10 ms … 1 s; 90 answered 200, 10 answered 500
        m.distribution("http.server.request.duration", 0.01 * (i + 1),
                       tags={"http.response.status_code": 200 if i < 90 else 500, "http.request.method": "GET"})
    m.increment("my_counter", 3, tags={"model": "v1"})
    m.gauge("my_gauge", 42)
    m.flush()
    d = service(server, "py-udp", 100)
    summary = d["service"]["summary"]
    assert (summary["requests"], summary["2XX"], summary["5XX"]) == (100, 90, 10)
    assert summary["p99Ms"] == pytest.approx(990, rel=0.01) and summary["avgRequestMs"] == pytest.approx(505, rel=0.001)
    assert metric_kinds(d) == {"http.server.request.duration": "distribution", "my_counter": "counter", "my_gauge": "gauge"}
    counter = next(x for x in d["metrics"] if x["name"] == "my_counter")
    assert counter["tags"]["model"] == ["v1"] and counter["tags"]["host"] == [f"{socket.gethostname()}:{os.getpid()}"]


def test_http_transport_end_to_end(server: Server) -> None:
    needs_statsd(server)
    m = plotline.MetricsClient(service="py-http", transport="http", url=server.url)
    m.increment("my_counter", 1, tags={"model": "v1"})
    m.gauge("my_gauge", 42)
    m.histogram("my_histogram", 100)
    assert m.flush(10)
    assert m.errors == 0
    d = service(server, "py-http")
    assert metric_kinds(d) == {"my_counter": "counter", "my_gauge": "gauge", "my_histogram": "distribution"}


def test_datadog_dogstatsd_peer_into_the_server(server: Server) -> None:
    port = needs_statsd(server)
    datadog = pytest.importorskip("datadog", reason="datadog is not installed (.ci/python.sh installs it)")
    statsd = datadog.dogstatsd.base.DogStatsd(host="127.0.0.1", port=port, constant_tags=["service:dd-peer"])
    for status in (200, 200, 404, 503):
        statsd.distribution("http.server.request.duration", 0.2, tags=[f"http.response.status_code:{status}"])
    statsd.increment("jobs", 2, tags=["queue:high"])
    statsd.gauge("http.server.active_requests", 2)
    statsd.flush()
    d = service(server, "dd-peer", 4)
    summary = d["service"]["summary"]
    assert (summary["requests"], summary["2XX"], summary["4XX"], summary["5XX"]) == (4, 2, 1, 1)
    assert metric_kinds(d)["jobs"] == "counter"


def test_plotline_client_is_read_exactly_like_datadogs(server: Server) -> None:
    port = needs_statsd(server)
    datadog = pytest.importorskip("datadog", reason="datadog is not installed (.ci/python.sh installs it)")
    dd = datadog.dogstatsd.base.DogStatsd(host="127.0.0.1", port=port, constant_tags=["service:same-dd", "host:r1"])
    ours = plotline.MetricsClient(service="same-py", tags={"host": "r1"}, statsd_port=port)
    for i in range(50):
        tags = {"http.response.status_code": 200 if i % 5 else 500, "http.route": "/p"}
        dd.distribution("http.server.request.duration", 0.001 * (i + 1), tags=[f"{k}:{v}" for k, v in tags.items()])
        ours.distribution("http.server.request.duration", 0.001 * (i + 1), tags=tags)
    for client in (dd, ours):
        client.increment("jobs", 2, tags=["queue:high"] if client is dd else {"queue": "high"})
        client.gauge("depth", 7)
        client.set("users", "alice")
    dd.flush()
    ours.flush()
    a, b = service(server, "same-dd", 50), service(server, "same-py", 50)
    # requests/s is over the part of the window each service has existed for, up to the moment of each read: the two
    # reads are a few milliseconds apart, so that one figure is compared to 1 %, everything else exactly.
    rate_a, rate_b = a["service"]["summary"].pop("requestsPerSecond"), b["service"]["summary"].pop("requestsPerSecond")
    assert rate_a == pytest.approx(rate_b, rel=0.01)
    assert a["service"]["summary"] == b["service"]["summary"]
    rates_a = [m["window"].pop("rate") for m in a["metrics"] if m["window"]]
    rates_b = [m["window"].pop("rate") for m in b["metrics"] if m["window"]]
    assert rates_a == pytest.approx(rates_b, rel=0.01)
    assert a["metrics"] == b["metrics"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")
def test_a_forked_worker_is_a_replica_of_its_own(sink: UdpSink) -> None:
    m = plotline.MetricsClient(service="forked", statsd_port=sink.port)
    m.increment("before_fork")  # buffered in the parent: sent by the parent only
    pid = os.fork()
    if pid == 0:
        try:
            m.increment("in_child")
            m.flush()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    m.flush()
    lines = sink.lines(2)
    assert sorted(lines) == sorted([f"before_fork:1|c|#{HOST},service:forked",
                                    f"in_child:1|c|#host:{socket.gethostname()}:{pid},service:forked"])


def test_http_transport_retries_until_the_server_is_back(server: Server) -> None:
    needs_statsd(server)
    from test_delivery import free_port

    port = free_port()
    m = plotline.MetricsClient(service="py-http-retry", transport="http", url=f"http://127.0.0.1:{port}")
    m.increment("requests_total", 4)
    assert m.flush(0.5) is False, "nothing can be acknowledged while the server is down"
    later = Server(port=port)
    try:
        assert m.flush(30)
        detail = service(later, "py-http-retry")
        assert metric_kinds(detail) == {"requests_total": "counter"}
    finally:
        later.stop()
