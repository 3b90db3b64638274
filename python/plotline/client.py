"""`plotline.connect()`: a connection to a Plotline server and the executions recorded through it."""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import urllib.parse
from typing import TYPE_CHECKING, Any, Callable, Dict, Mapping, Optional, TypeVar, Union

from . import _sender
from ._spool import spool_directory
from .execution import Execution, wrap_in_execution

if TYPE_CHECKING:
    from .statsd import MetricsClient

DEFAULT_URL = "http://127.0.0.1:7777"
DEFAULT_MAX_BUFFERED_POINTS = 1_000_000
DEFAULT_SPOOL_MAX_BYTES = 1024 * 1024 * 1024
#: How long an exiting process waits for an unreachable server before it leaves what is left in the spool.
DEFAULT_EXIT_TIMEOUT = 5.0

F = TypeVar("F", bound=Callable[..., Any])


def resolve_url(url: Optional[str]) -> str:
    """``url``, else ``PLOTLINE_URL``, else http://127.0.0.1:7777, without a trailing slash. Raises ValueError for
    anything but an absolute http(s) URL."""
    raw = url if url is not None else os.environ.get("PLOTLINE_URL") or DEFAULT_URL
    parts = urllib.parse.urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"connect(url): url must be an absolute http(s) URL (got {raw!r})")
    return raw.rstrip("/")


class _ExecutionScope(contextlib.ContextDecorator):
    """What ``client.execution(name)`` returns: a context manager (``with … as ex``) and a decorator (a new execution
    per call, sync or async)."""

    def __init__(self, client: "Client", name: str, labels: Optional[Mapping[str, str]]) -> None:
        self._client = client
        self._name = name
        self._labels = labels
        self._stack: "list[Execution]" = []

    def __enter__(self) -> Execution:
        ex = self._client.start_execution(self._name, labels=self._labels)
        self._stack.append(ex)
        return ex.__enter__()

    def __exit__(self, *exc: Any) -> None:
        self._stack.pop().__exit__(*exc)

    def __call__(self, fn: F) -> F:
        return wrap_in_execution(lambda: self._client.start_execution(self._name, labels=self._labels), fn)


class Client:
    """A connection to a Plotline server (see ``connect``).

    Delivery: everything recorded is sent by one background daemon thread; ``ex.end()``, ``ex.flush()`` and
    ``client.flush()`` block until the server has it. When the program exits, what is still buffered is sent, waiting
    at most ``exit_timeout`` seconds for an unreachable server; what is left then stays in the spool directory and the
    next client of the same URL sends it.
    """

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, *,
                 max_buffered_points: int = DEFAULT_MAX_BUFFERED_POINTS, spool: Union[bool, str] = True,
                 spool_max_bytes: int = DEFAULT_SPOOL_MAX_BYTES, exit_timeout: float = DEFAULT_EXIT_TIMEOUT,
                 batch_points: int = _sender.BATCH_POINTS) -> None:
        self.url = resolve_url(url)
        if isinstance(max_buffered_points, bool) or not isinstance(max_buffered_points, int) or max_buffered_points < 1:
            raise ValueError(f"connect(max_buffered_points): must be a positive int (got {max_buffered_points!r})")
        if not isinstance(exit_timeout, (int, float)) or exit_timeout < 0:
            raise ValueError(f"connect(exit_timeout): must be a number of seconds ≥ 0 (got {exit_timeout!r})")
        token = token if token is not None else os.environ.get("PLOTLINE_TOKEN") or None
        if not isinstance(spool, (bool, str)):
            raise TypeError(f"connect(spool): True, False or a directory (got {type(spool).__name__})")
        spool_dir = None if spool is False else spool_directory(None if spool is True else spool, self.url, token)
        self.exit_timeout = float(exit_timeout)
        self._sender = _sender.Sender(self.url, token, max_buffered_points, spool_dir, spool_max_bytes, batch_points)
        self._sender.exit_timeout = self.exit_timeout
        self._metrics: "Optional[MetricsClient]" = None
        _register_exit(self)
        if spool_dir is not None and os.path.isdir(spool_dir) and any(n.endswith(".spool") for n in os.listdir(spool_dir)):
            # An earlier process left batches: send them now, not only once this one records something.
            with self._sender.lock:
                self._sender.changed()

    def __repr__(self) -> str:
        return f"Client(url={self.url!r})"

    def start_execution(self, name: str, labels: Optional[Mapping[str, str]] = None) -> Execution:
        """Starts an execution (its start travels with the first batch). Use it as ``with ex:`` or call ``ex.end()``."""
        return Execution(self._sender, name, labels)

    def execution(self, name: str, labels: Optional[Mapping[str, str]] = None) -> _ExecutionScope:
        """``with client.execution(name) as ex:`` — the execution is current inside the block and ends ``succeeded``,
        or ``failed`` with the exception's text (which propagates). Also a decorator: ``@client.execution("train")``."""
        return _ExecutionScope(self, name, labels)

    def flush(self, timeout: Optional[float] = None) -> bool:
        """Blocks until everything recorded so far (throttled values included) is acknowledged; with ``timeout``
        (seconds), returns False when it ran out first."""
        return self._sender.flush(timeout)

    @property
    def buffered_points(self) -> int:
        """Points recorded and not yet acknowledged by the server."""
        return self._sender.buffered_points

    @property
    def dropped_points(self) -> int:
        """Points dropped because memory and the spool were full (the warning says why)."""
        return self._sender.dropped_points

    @property
    def dropped_by_cause(self) -> Dict[str, int]:
        """Dropped points by cause: ``unreachable`` (memory and spool full during an outage), ``spool_full`` (the
        same while the server answers slower than the recording), ``refused`` (in batches the server refused, 4xx),
        ``spool_damaged`` (a torn spool record left by a killed process)."""
        return dict(self._sender.dropped_by_cause)

    @property
    def refused_batches(self) -> int:
        """Batches the server refused (4xx: bad input, wrong token) and that were dropped, not retried."""
        return self._sender.refused_batches

    @property
    def spool_dir(self) -> Optional[str]:
        """This client's spool directory (``<base>/<key of url and token>``), or None without a spool."""
        return self._sender.spool_dir

    @property
    def metrics(self) -> "MetricsClient":
        """Cortex-style service metrics (``increment``/``gauge``/``histogram``) to this client's server over DogStatsD."""
        if self._metrics is None:
            from .statsd import MetricsClient

            self._metrics = MetricsClient(url=self.url)
        return self._metrics

    def close(self, timeout: Optional[float] = None) -> bool:
        """Flushes (at most ``timeout`` seconds); once everything is delivered, deletes this client's empty spool file."""
        done = self.flush(timeout)
        if done:
            self._sender.close_spool()
        return done


def connect(url: Optional[str] = None, token: Optional[str] = None, **options: Any) -> Client:
    """A client of the Plotline server at ``url`` (default ``PLOTLINE_URL``, else http://127.0.0.1:7777), with bearer
    ``token`` (default ``PLOTLINE_TOKEN``). Options: ``max_buffered_points`` (1,000,000 in memory, then the spool),
    ``spool`` (True: a directory under the OS temp dir; a path; or False), ``spool_max_bytes`` (1 GiB),
    ``exit_timeout`` (5 s)."""
    return Client(url, token, **options)


_exit_lock = threading.Lock()
_exit_registered = False


def _register_exit(client: Client) -> None:
    global _exit_registered
    with _exit_lock:
        if not _exit_registered:
            _exit_registered = True
            atexit.register(_sender.deliver_all_at_exit)
