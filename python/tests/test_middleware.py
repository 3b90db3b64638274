"""Request metrics through the middleware, with real HTTP requests: a plain WSGI app (wsgiref), a Flask app (werkzeug's
server), a FastAPI app (uvicorn); the lines land on a real UDP socket, and in the server when it listens."""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, List, Tuple
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

import plotline
from conftest import Server
from test_statsd import UdpSink, needs_statsd, service


def parse(line: str) -> Tuple[str, float, str, Dict[str, str]]:
    head, _, tags = line.partition("|#")
    name_value, kind = head.split("|")[:2]
    name, value = name_value.rsplit(":", 1)
    return name, float(value), kind, dict(t.split(":", 1) for t in tags.split(",") if t)


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as res:
            res.read()
            return res.status
    except urllib.error.HTTPError as e:
        return e.code


class Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def serve_wsgi(app: Callable[..., Any]) -> Tuple[str, Callable[[], None]]:
    httpd = make_server("127.0.0.1", 0, app, handler_class=Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_port}", httpd.shutdown


def requests_seen(lines: List[str]) -> List[Tuple[str, float, str, Dict[str, str]]]:
    return [parse(line) for line in lines if line.startswith("http.server.request.duration:")]


@pytest.fixture
def sink() -> UdpSink:
    s = UdpSink()
    yield s
    s.sock.close()


def test_plain_wsgi_app(sink: UdpSink) -> None:
    def app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> List[bytes]:
        if environ["PATH_INFO"] == "/boom":
            raise RuntimeError("boom")
        time.sleep(0.02)
        start_response("404 Not Found" if environ["PATH_INFO"] == "/missing" else "200 OK", [("content-type", "text/plain")])
        return [b"ok"]

    wrapped = plotline.WSGIMiddleware(app, service="wsgi-api", metrics=plotline.MetricsClient(service="wsgi-api", statsd_port=sink.port))
    url, stop = serve_wsgi(wrapped)
    try:
        assert get(url + "/") == 200
        assert get(url + "/missing") == 404
        assert get(url + "/boom") == 500
    finally:
        stop()
    wrapped.metrics.flush()
    lines = sink.lines(9)
    seen = requests_seen(lines)
    assert [(t["http.request.method"], t["http.response.status_code"]) for _, _, _, t in seen] == [
        ("GET", "200"), ("GET", "404"), ("GET", "500")]
    assert all(kind == "d" and t["service"] == "wsgi-api" for _, _, kind, t in seen)
    assert seen[0][1] >= 0.02, "seconds, covering the app's work"
    active = [parse(line)[1] for line in lines if line.startswith("http.server.active_requests:")]
    assert active == [1, 0, 1, 0, 1, 0]


def test_flask_app_with_its_route(sink: UdpSink) -> None:
    flask = pytest.importorskip("flask", reason="Flask is not installed (.ci/python.sh installs it)")
    app = flask.Flask("plotline-test")

    @app.get("/items/<int:item_id>")
    def item(item_id: int) -> Any:
        return {"id": item_id}

    app.wsgi_app = plotline.WSGIMiddleware(app.wsgi_app, metrics=plotline.MetricsClient(service="flask-api", statsd_port=sink.port))  # type: ignore[method-assign]
    from werkzeug.serving import make_server as werkzeug_server

    httpd = werkzeug_server("127.0.0.1", 0, app)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        assert get(f"http://127.0.0.1:{httpd.server_port}/items/7") == 200
        assert get(f"http://127.0.0.1:{httpd.server_port}/nowhere") == 404
    finally:
        httpd.shutdown()
    app.wsgi_app.metrics.flush()  # type: ignore[attr-defined]
    seen = requests_seen(sink.lines(6))
    assert seen[0][3]["http.route"] == "/items/<int:item_id>"
    assert seen[0][3]["http.response.status_code"] == "200"
    assert seen[1][3]["http.response.status_code"] == "404" and "http.route" not in seen[1][3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_asgi(app: Any) -> Tuple[str, Callable[[], None]]:
    uvicorn = pytest.importorskip("uvicorn", reason="uvicorn is not installed (.ci/python.sh installs it)")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)

    def stop() -> None:
        server.should_exit = True
        thread.join(10)
    return f"http://127.0.0.1:{port}", stop


def test_fastapi_app_with_its_route(sink: UdpSink) -> None:
    fastapi = pytest.importorskip("fastapi", reason="FastAPI is not installed (.ci/python.sh installs it)")
    app = fastapi.FastAPI()

    @app.get("/predict/{model}")
    async def predict(model: str) -> Dict[str, str]:
        if model == "broken":
            raise fastapi.HTTPException(503, "down")
        return {"model": model}

    app.add_middleware(plotline.ASGIMiddleware, metrics=plotline.MetricsClient(service="fastapi-api", statsd_port=sink.port))
    url, stop = serve_asgi(app)
    try:
        assert get(url + "/predict/iris") == 200
        assert get(url + "/predict/broken") == 503
        assert get(url + "/nowhere") == 404
    finally:
        stop()
    time.sleep(0.3)  # the background flush (every 0.1 s) sends what the middleware recorded
    seen = requests_seen(sink.lines(9))
    assert [t["http.response.status_code"] for _, _, _, t in seen] == ["200", "503", "404"]
    assert seen[0][3]["http.route"] == "/predict/{model}" and seen[1][3]["http.route"] == "/predict/{model}"
    assert all(t["service"] == "fastapi-api" and t["http.request.method"] == "GET" for _, _, _, t in seen)


def test_plain_asgi_app_raising_counts_as_500(sink: UdpSink) -> None:
    async def app(scope: Dict[str, Any], receive: Any, send: Any) -> None:
        if scope["path"] == "/boom":
            raise RuntimeError("boom")
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"made"})

    url, stop = serve_asgi(plotline.ASGIMiddleware(app, metrics=plotline.MetricsClient(service="asgi", statsd_port=sink.port)))
    try:
        assert get(url + "/") == 201
        assert get(url + "/boom") == 500
    finally:
        stop()
    time.sleep(0.3)
    seen = requests_seen(sink.lines(6))
    assert [t["http.response.status_code"] for _, _, _, t in seen] == ["201", "500"]


def test_middleware_into_the_server(server: Server) -> None:
    port = needs_statsd(server)

    def app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> List[bytes]:
        start_response("200 OK", [])
        return [b"ok"]

    wrapped = plotline.WSGIMiddleware(app, metrics=plotline.MetricsClient(service="py-mw", statsd_port=port))
    url, stop = serve_wsgi(wrapped)
    try:
        for _ in range(20):
            assert get(url) == 200
    finally:
        stop()
    wrapped.metrics.flush()
    summary = service(server, "py-mw", 20)["service"]["summary"]
    assert (summary["requests"], summary["2XX"], summary["4XX"], summary["5XX"]) == (20, 20, 0, 0)


def test_fastapi_middleware_into_the_server(server: Server) -> None:
    port = needs_statsd(server)
    fastapi = pytest.importorskip("fastapi", reason="FastAPI is not installed (.ci/python.sh installs it)")
    app = fastapi.FastAPI()

    @app.get("/predict/{model}")
    async def predict(model: str) -> Dict[str, str]:
        if model == "missing":
            raise fastapi.HTTPException(404, "no such model")
        return {"model": model}

    app.add_middleware(plotline.ASGIMiddleware, service="py-fastapi", metrics=plotline.MetricsClient(service="py-fastapi", statsd_port=port))
    url, stop = serve_asgi(app)
    try:
        for i in range(12):
            assert get(f"{url}/predict/{'missing' if i % 4 == 0 else 'iris'}") in (200, 404)
    finally:
        stop()
    time.sleep(0.3)
    detail = service(server, "py-fastapi", 12)
    summary = detail["service"]["summary"]
    assert (summary["requests"], summary["2XX"], summary["4XX"]) == (12, 9, 3)
    duration = next(m for m in detail["metrics"] if m["name"] == "http.server.request.duration")
    assert duration["tags"]["http.route"] == ["/predict/{model}"]
