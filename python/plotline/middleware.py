"""Request metrics for ASGI (Starlette, FastAPI) and WSGI (Flask, Django) apps, under OpenTelemetry's HTTP names.

Per request: ``http.server.request.duration`` (a distribution, in seconds; tags ``http.request.method``,
``http.response.status_code`` and, when the framework matched a route, ``http.route``) and the gauge
``http.server.active_requests`` (requests in progress in this process) — what the services dashboard draws
(DESIGN.md "Service metrics").
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Dict, Iterable, Optional

from .statsd import MetricsClient, Tags

DURATION = "http.server.request.duration"
ACTIVE = "http.server.active_requests"


class _RequestMetrics:
    def __init__(self, service: Optional[str], metrics: Optional[MetricsClient], tags: Tags) -> None:
        self.metrics = metrics if metrics is not None else MetricsClient(service=service, tags=tags)
        self._active = 0
        self._lock = threading.Lock()

    def started(self) -> float:
        with self._lock:
            self._active += 1
            active = self._active
        self.metrics.gauge(ACTIVE, active)
        return time.perf_counter()

    def finished(self, start: float, method: str, status: int, route: Optional[str]) -> None:
        duration = time.perf_counter() - start
        with self._lock:
            self._active -= 1
            active = self._active
        tags: Dict[str, Any] = {"http.request.method": method, "http.response.status_code": status}
        if route:
            tags["http.route"] = route
        self.metrics.distribution(DURATION, duration, tags)
        self.metrics.gauge(ACTIVE, active)


def _asgi_route(scope: Dict[str, Any]) -> Optional[str]:
    route = scope.get("route")  # set by Starlette's and FastAPI's routers on the scope they share with us
    for attr in ("path_format", "path"):
        value = getattr(route, attr, None)
        if isinstance(value, str):
            return value
    return None


class ASGIMiddleware:
    """``app = plotline.ASGIMiddleware(app, service="my-api")`` (or ``app.add_middleware(plotline.ASGIMiddleware,
    service="my-api")`` in Starlette/FastAPI). Never changes a response; a raised exception counts as a 500."""

    def __init__(self, app: Callable[..., Any], service: Optional[str] = None, *, metrics: Optional[MetricsClient] = None,
                 tags: Tags = None) -> None:
        self.app = app
        self._metrics = _RequestMetrics(service, metrics, tags)

    @property
    def metrics(self) -> MetricsClient:
        return self._metrics.metrics

    async def __call__(self, scope: Dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        status = [500]

        async def send_and_note(message: Dict[str, Any]) -> None:
            if message.get("type") == "http.response.start":
                status[0] = int(message.get("status", 500))
            await send(message)

        start = self._metrics.started()
        try:
            await self.app(scope, receive, send_and_note)
        finally:
            self._metrics.finished(start, str(scope.get("method", "GET")), status[0], _asgi_route(scope))


ROUTE_KEY = "plotline.route"


def _wsgi_route(environ: Dict[str, Any]) -> Optional[str]:
    route = environ.get(ROUTE_KEY)  # set by the Flask hook below; any framework may set it
    return route if isinstance(route, str) else None


def _note_flask_routes(app: Any) -> None:
    """For a Flask app (or its ``wsgi_app``), a ``before_request`` hook writes the matched rule
    (``/items/<int:item_id>``) into the WSGI environ, where the middleware reads it after the response."""
    flask_app = getattr(app, "__self__", app)
    if not (hasattr(flask_app, "before_request") and hasattr(flask_app, "url_map")):
        return

    def note_route() -> None:
        from flask import request  # only reached inside a Flask app

        if request.url_rule is not None:
            request.environ[ROUTE_KEY] = request.url_rule.rule

    flask_app.before_request(note_route)


class _ClosingBody:
    """The response body, passed through; the request is finished when the server closes it (body sent)."""

    def __init__(self, body: Iterable[bytes], done: Callable[[], None]) -> None:
        self._body = body
        self._done = done

    def __iter__(self) -> Any:
        return iter(self._body)

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._done()


class WSGIMiddleware:
    """``app.wsgi_app = plotline.WSGIMiddleware(app.wsgi_app, service="my-api")`` (Flask), or wrap any WSGI callable.
    The duration runs until the body is sent; a raised exception counts as a 500."""

    def __init__(self, app: Callable[..., Any], service: Optional[str] = None, *, metrics: Optional[MetricsClient] = None,
                 tags: Tags = None) -> None:
        self.app = app
        self._metrics = _RequestMetrics(service, metrics, tags)
        _note_flask_routes(app)

    @property
    def metrics(self) -> MetricsClient:
        return self._metrics.metrics

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Any:
        status = [500]
        method = str(environ.get("REQUEST_METHOD", "GET"))

        def note_status(status_line: str, headers: Any, exc_info: Any = None) -> Any:
            try:
                status[0] = int(status_line.split(" ", 1)[0])
            except ValueError:
                pass
            return start_response(status_line, headers) if exc_info is None else start_response(status_line, headers, exc_info)

        start = self._metrics.started()
        finished = [False]

        def done() -> None:
            if not finished[0]:
                finished[0] = True
                self._metrics.finished(start, method, status[0], _wsgi_route(environ))

        try:
            body = self.app(environ, note_status)
        except BaseException:
            done()
            raise
        return _ClosingBody(body, done)
