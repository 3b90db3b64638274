"""Cortex's service-metric names over DogStatsD: ``MetricsClient`` with ``increment``/``gauge``/``histogram``.

Lines are DogStatsD's, ``name:value|type|@rate|#k:v,k2:v2`` (DESIGN.md "Service metrics"), written as the Node SDK's
``MetricsClient`` writes them: sent over UDP to the server's DogStatsD port (fire and forget, several lines per datagram
of at most 1,432 bytes, every 0.1 s), or with ``transport="http"`` through ``POST /api/ingest/statsd?batch=<id>``
(batched each second or past 1 MiB, acknowledged, retried with backoff under the same batch id, which the server
applies once). Tags: the client's, ``host:<hostname>:<pid>`` (a replica) unless given, the call's (replacing a client
tag of the same key), then ``service:<service>`` unless the line names a ``service`` or ``api_name``. Never raises:
a bad name or value, or a failed send, is counted (``errors``) and logged once per kind.
"""

from __future__ import annotations

import atexit
import collections
import logging
import math
import os
import random
import re
import socket
import threading
import time
import urllib.parse
import uuid
import weakref
from typing import Any, Deque, List, Mapping, Optional, Sequence, Union

from ._http import Poster, backoff_s, error_message
from ._rules import is_number

log = logging.getLogger("plotline")

DEFAULT_STATSD_PORT = 8125
MAX_DATAGRAM_BYTES = 1432
FLUSH_EVERY_S = 0.1
MAX_BUFFERED_LINES = 100_000

Tags = Union[Mapping[str, Any], Sequence[str], None]

_NAME_BAD = re.compile(r"[\s|:#,@]")
#: ',' and '|' separate tags and fields; control characters cannot travel. They become '_' (as in the Node SDK).
_TAG_BAD = re.compile(r"[,|\x00-\x1f\x7f]")
MAX_NAME_LENGTH = 200
#: Lines of one HTTP request at most this large; lines waiting are sent every second, or at once past it.
MAX_HTTP_BATCH_BYTES = 1024 * 1024
HTTP_BATCH_EVERY_S = 1.0

_clients: "weakref.WeakSet[MetricsClient]" = weakref.WeakSet()


def _tag_list(tags: Tags) -> List[str]:
    if not tags:
        return []
    if isinstance(tags, Mapping):
        return [_TAG_BAD.sub("_", f"{k}:{v}" if v is not None else str(k)) for k, v in tags.items()]
    return [_TAG_BAD.sub("_", str(t)) for t in tags]


def _key(tag: str) -> str:
    return tag.split(":", 1)[0]


def with_call_tags(base: List[str], call: List[str]) -> List[str]:
    """A call's tags after the client's, a call's tag replacing a client tag of the same key (``host``, ``service``…)."""
    keys = {_key(t) for t in call}
    return [t for t in base if _key(t) not in keys] + call


def _number(v: object) -> str:
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    f = float(v)  # type: ignore[arg-type]
    if not math.isfinite(f):
        raise ValueError(f"value must be finite (got {f})")
    return repr(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)


class MetricsClient:
    """Service metrics (Cortex's ``metrics_client``, Datadog's DogStatsD): ``increment``, ``decrement``, ``gauge``,
    ``histogram``, ``distribution``, ``timing`` (milliseconds) and ``set``, each ``(metric, value, tags=None,
    sample_rate=1)`` with ``tags`` a dict (or DogStatsD ``"k:v"`` strings).

    ``service``: the service these metrics belong to (the ``service`` tag). ``tags``: added to every line.
    ``transport``: ``"udp"`` (default; to ``statsd_host``:``statsd_port``, by default the host of ``url`` /
    ``PLOTLINE_URL`` and ``PLOTLINE_STATSD_PORT`` or 8125) or ``"http"`` (``url``'s ``/api/ingest/statsd``).
    """

    def __init__(self, service: Optional[str] = None, tags: Tags = None, transport: str = "udp", *,
                 url: Optional[str] = None, token: Optional[str] = None, statsd_host: Optional[str] = None,
                 statsd_port: Optional[int] = None) -> None:
        if transport not in ("udp", "http"):
            raise ValueError(f'MetricsClient(transport): must be "udp" or "http" (got {transport!r})')
        from .client import resolve_url

        self.url = resolve_url(url)
        self.transport = transport
        self.service = service
        self._user_tags = _tag_list(tags)
        self._host_given = any(_key(t) == "host" for t in self._user_tags)
        self.statsd_host = statsd_host or urllib.parse.urlsplit(self.url).hostname or "127.0.0.1"
        self.statsd_port = int(statsd_port or os.environ.get("PLOTLINE_STATSD_PORT") or DEFAULT_STATSD_PORT)
        self._token = token if token is not None else os.environ.get("PLOTLINE_TOKEN") or None
        #: Lines that could not be sent or built (bad value, socket error, refused by the server).
        self.errors = 0
        self.dropped_lines = 0
        self._warned: "set[str]" = set()
        self._init_runtime()
        _clients.add(self)
        _register_exit()

    def _init_runtime(self) -> None:
        self._lock = threading.Lock()
        self._lines: Deque[str] = collections.deque()
        self._bytes = 0
        self._pid = os.getpid()
        self._thread: Optional[threading.Thread] = None
        self._wake = threading.Event()
        self._sock: Optional[socket.socket] = None
        self._poster: Optional[Poster] = None
        self._sent_gen = 0
        self._flush_gen = 0
        self._cond = threading.Condition(self._lock)
        # The replica: hostname and pid, so a forked worker is a replica of its own.
        self._base_tags = self._user_tags + ([] if self._host_given else [f"host:{socket.gethostname()}:{os.getpid()}"])
        self._next_http_at = 0.0

    # ---- the Cortex / DogStatsD names ------------------------------------------------------------------------------

    def increment(self, metric: str, value: float = 1, tags: Tags = None, sample_rate: float = 1) -> None:
        """Adds ``value`` to a counter."""
        self._emit(metric, value, "c", tags, sample_rate)

    def decrement(self, metric: str, value: float = 1, tags: Tags = None, sample_rate: float = 1) -> None:
        """Subtracts ``value`` from a counter."""
        self._emit(metric, -value, "c", tags, sample_rate)

    def gauge(self, metric: str, value: float, tags: Tags = None, sample_rate: float = 1) -> None:
        """Sets a gauge (the last value wins)."""
        self._emit(metric, value, "g", tags, sample_rate)

    def histogram(self, metric: str, value: float, tags: Tags = None, sample_rate: float = 1) -> None:
        """Adds a sample to a distribution (percentiles exact to 1 % on the server)."""
        self._emit(metric, value, "h", tags, sample_rate)

    def distribution(self, metric: str, value: float, tags: Tags = None, sample_rate: float = 1) -> None:
        """Same as ``histogram`` (DogStatsD ``d``)."""
        self._emit(metric, value, "d", tags, sample_rate)

    def timing(self, metric: str, value: float, tags: Tags = None, sample_rate: float = 1) -> None:
        """A duration in milliseconds (DogStatsD ``ms``)."""
        self._emit(metric, value, "ms", tags, sample_rate)

    timer = timing

    def set(self, metric: str, value: Union[str, float], tags: Tags = None, sample_rate: float = 1) -> None:
        """Counts distinct values."""
        self._emit(metric, value, "s", tags, sample_rate)

    # ---- lines -------------------------------------------------------------------------------------------------

    def _emit(self, metric: str, value: Any, kind: str, tags: Tags, sample_rate: float) -> None:
        try:
            if not isinstance(metric, str) or not metric:
                raise ValueError(f"the name must be a non-empty string (got {metric!r})")
            if len(metric) > MAX_NAME_LENGTH:
                raise ValueError(f"the name must be at most {MAX_NAME_LENGTH} characters")
            if _NAME_BAD.search(metric):
                raise ValueError("the name must not contain whitespace or | : # , @")
            if kind == "s":
                if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                    raise TypeError(f"a member must be a string or a number (got {type(value).__name__})")
                text = str(value)
                if "|" in text or "\n" in text:
                    raise ValueError("a member must not contain | or a newline")
            else:
                if isinstance(value, bool) or not is_number(value):
                    raise TypeError(f"value must be a number (got {type(value).__name__})")
                text = _number(value)
            rate = float(sample_rate)
            if not 0 < rate <= 1:
                raise ValueError(f"sample_rate must be in (0, 1] (got {sample_rate!r})")
            if rate < 1 and random.random() >= rate:
                return
            line = f"{metric}:{text}|{kind}"
            if rate < 1:
                line += f"|@{rate:g}"
            all_tags = with_call_tags(self._base_tags, _tag_list(tags)) if tags else self._base_tags
            if self.service is not None and not any(_key(t) in ("service", "api_name") for t in all_tags):
                all_tags = all_tags + [f"service:{_TAG_BAD.sub('_', self.service)}"]
            if all_tags:
                line += "|#" + ",".join(all_tags)
            self._enqueue(line)
        except Exception as e:  # never raises into user code
            self._error(f"{metric!r}: {e}")

    def _error(self, what: str) -> None:
        self.errors += 1
        kind = what.split(":", 1)[-1].strip()[:60]
        if kind not in self._warned and len(self._warned) < 20:
            self._warned.add(kind)
            log.warning("plotline MetricsClient: %s (not sent; counted in client.errors, reported once per kind)", what)

    def _enqueue(self, line: str) -> None:
        with self._lock:
            if len(self._lines) >= MAX_BUFFERED_LINES:
                self._bytes -= len(self._lines.popleft()) + 1
                self.dropped_lines += 1
            self._lines.append(line)
            self._bytes += len(line) + 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="plotline-statsd", daemon=True)
                self._thread.start()
            if self.transport == "udp" and self._bytes >= MAX_DATAGRAM_BYTES:
                self._send_udp_locked()
            elif self.transport == "http" and self._bytes >= MAX_HTTP_BATCH_BYTES:
                self._wake.set()

    # ---- sending -----------------------------------------------------------------------------------------------

    def _send_udp_locked(self) -> None:
        """Packs waiting lines into datagrams of at most 1,432 bytes (a longer line goes alone) and sends them."""
        if self._sock is None:
            try:
                family = socket.AF_INET6 if ":" in self.statsd_host else socket.AF_INET
                self._sock = socket.socket(family, socket.SOCK_DGRAM)
                self._sock.setblocking(False)
            except OSError as e:
                self._error(f"cannot open a UDP socket: {e}")
                return
        packet: List[str] = []
        size = 0
        while self._lines:
            line = self._lines[0]
            if packet and size + len(line) + 1 > MAX_DATAGRAM_BYTES:
                self._sendto(packet)
                packet, size = [], 0
            packet.append(self._lines.popleft())
            size += len(line) + 1
        if packet:
            self._sendto(packet)
        self._bytes = 0

    def _sendto(self, lines: List[str]) -> None:
        try:
            self._sock.sendto("\n".join(lines).encode("utf-8"), (self.statsd_host, self.statsd_port))  # type: ignore[union-attr]
        except OSError as e:
            self.errors += len(lines) - 1
            self._error(f"cannot send to udp {self.statsd_host}:{self.statsd_port}: {e}")

    def _send_http(self) -> None:
        """Posts what waits, whole; retried with backoff on network errors and 5xx; a 4xx refusal is counted."""
        with self._lock:
            lines: List[str] = []
            size = 0
            while self._lines and (not lines or size + len(self._lines[0]) + 1 <= MAX_HTTP_BATCH_BYTES):
                line = self._lines.popleft()
                lines.append(line)
                size += len(line) + 1
            self._bytes = max(0, self._bytes - size)
        if not lines:
            return
        if self._poster is None:
            self._poster = Poster(self.url, self._token)
        body = ("\n".join(lines) + "\n").encode("utf-8")
        path = f"/api/ingest/statsd?batch={uuid.uuid4()}"  # a retry carries the same id: the server applies it once
        attempt = 0
        while True:
            try:
                status, text = self._poster.post(path, body, "text/plain; charset=utf-8")
            except Exception as e:
                status, text = 0, f"{type(e).__name__}: {e}"
            if 200 <= status < 300:
                return
            if 400 <= status < 500 and status != 429:
                self.errors += len(lines) - 1
                self._error(f"the server refused {len(lines)} line(s): HTTP {status}: {error_message(text)}")
                return
            if attempt == 0:
                self._error(f"cannot reach {self.url} ({text or status}); retrying")
            time.sleep(backoff_s(attempt))
            attempt += 1

    def _run(self) -> None:
        while True:
            self._wake.wait(FLUSH_EVERY_S)
            self._wake.clear()
            if self._pid != os.getpid():
                return
            try:
                if self.transport == "udp":
                    with self._lock:
                        self._send_udp_locked()
                        gen = self._flush_gen
                else:
                    with self._lock:
                        gen = self._flush_gen
                        due = (gen > self._sent_gen or self._bytes >= MAX_HTTP_BATCH_BYTES
                               or time.monotonic() >= self._next_http_at)
                    if not due:
                        continue
                    while True:  # batched each second; at once past 1 MiB or when flushed
                        self._send_http()
                        with self._lock:
                            if not self._lines or not (gen > self._sent_gen or self._bytes >= MAX_HTTP_BATCH_BYTES):
                                break
                    self._next_http_at = time.monotonic() + HTTP_BATCH_EVERY_S
                with self._lock:
                    self._sent_gen = max(self._sent_gen, gen)
                    self._cond.notify_all()
            except Exception as e:
                self._error(f"sending failed: {e}")

    def flush(self, timeout: Optional[float] = 5.0) -> bool:
        """Sends what waits now; blocks until it left (UDP) or was acknowledged (HTTP), at most ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            if self._pid != os.getpid() or (not self._lines and self._thread is None):
                return True
            self._flush_gen += 1
            target = self._flush_gen
            self._wake.set()
            while self._sent_gen < target:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self) -> None:
        self.flush()


_exit_registered = False


def _register_exit() -> None:
    global _exit_registered
    if not _exit_registered:
        _exit_registered = True
        atexit.register(_flush_all)


def _after_fork_in_child() -> None:
    """A forked child gets fresh locks (one may have been held at the fork), its own thread, and its own ``host`` tag
    (a replica); lines its parent had buffered are the parent's to send."""
    for c in list(_clients):
        c._init_runtime()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _flush_all() -> None:
    for c in list(_clients):
        try:
            c.flush(2.0)
        except Exception:
            pass

