"""A running execution: where the metrics of its context go."""

from __future__ import annotations

import contextvars
import functools
import json
import logging
import math
import os
import time
import uuid
from array import array
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Tuple, TypeVar

from . import _rules
from ._context import current_execution_var

if TYPE_CHECKING:
    from ._sender import Sender
    from .metric import Metric

log = logging.getLogger("plotline")

_MAX_X = _rules.MAX_ABS_X
_BELOW_EVERY_X = math.nextafter(-_MAX_X, -math.inf)
#: A summary value larger than this (as JSON) could not travel in one batch (a quarter of the server's 32 MiB).
MAX_SUMMARY_VALUE_BYTES = 8 * 1024 * 1024

F = TypeVar("F", bound=Callable[..., Any])

#: What `_Series.live` holds once its execution ended (or belongs to the parent of a forked process): never current.
ENDED = object()


class _Series:
    """One metric's series in one execution: its x sequencing, throttle state and the columns of points waiting to be
    sent (`xs`, `ys`; the sender takes from their front, the recorder appends at their end — each a single C call
    under the GIL, so neither needs a lock)."""

    __slots__ = ("execution", "live", "metric", "key", "outbox", "window", "last_sent", "trail", "last_x",
                 "xs", "ys", "x_not_increasing", "x_invalid", "discarded", "warned", "warned_throttle", "scheduled",
                 "timed", "taken_at")

    def __init__(self, execution: "Execution", metric: "Metric") -> None:
        self.execution = execution
        self.metric = metric
        self.key = metric.key
        self.outbox = execution._sender
        self.window = 0.0 if metric.throttle is None else 1.0 / metric.throttle
        #: The execution while it runs, ENDED after: ``Metric.record()``'s common case compares it with the current one.
        self.live: object = execution
        self.last_sent = -math.inf
        self.trail: Optional[Tuple[float, float, bool]] = None
        # Below every valid x (|x| ≤ 2**53), not -inf: Metric.record's fast path checks only the upper bound, so a
        # series that has refused its first x must still refuse a second x below -2**53.
        self.last_x: float = _BELOW_EVERY_X
        self.xs = array("d")
        self.ys = array("d")
        #: Values refused for their x: not greater than the previous x; not finite or beyond ±2**53.
        self.x_not_increasing = 0
        self.x_invalid = 0
        #: Values the throttle replaced by a later one in the same window.
        self.discarded = 0
        #: Refusal causes already warned about.
        self.warned: "set[str]" = set()
        self.warned_throttle = False
        #: Waiting in the sender's trailing set.
        self.scheduled = False
        #: Recorded with an explicit ``at`` (x is not a time): its batches carry record times ``t`` = [first, last] in ms,
        #: the first being when the previous batch took its points (or the first record), the last when this one does —
        #: no clock read per point (the sender takes what waits at once while idle, so the bound stays tight).
        self.timed = False
        self.taken_at = 0.0

    def due(self) -> float:
        return self.last_sent + self.window

    def take_trail(self, now: float) -> None:
        """Delivers the waiting trailing value (window end, flush or end). Called under the sender's lock."""
        t = self.trail
        if t is not None:
            self.trail = None
            self.last_sent = now
            self.xs.append(t[0])
            self.ys.append(t[1])


def _as_float(metric: "Metric", value: object) -> float:
    """``value`` as a float; TypeError for what is not a number, ValueError for an int beyond a double (±1.8e308)."""
    if value.__class__ is float:
        return value  # type: ignore[return-value]
    if value.__class__ is int or _rules.is_number(value):
        try:
            return float(value)  # type: ignore[arg-type]
        except OverflowError:
            size = f"an int of {value.bit_length()} bits" if isinstance(value, int) else type(value).__name__
            raise ValueError(f'Metric "{metric.key}".record(value): value must fit a double (|value| ≤ 1.8e308; NaN '
                             f"and ±inf are kept), got {size}") from None
    raise TypeError(f'Metric "{metric.key}".record(value): value must be a number (int, float or a numpy scalar; '
                    f"bool is not a number), got {type(value).__name__}")


class Execution:
    """A run of your code whose metrics Plotline charts. Get one from ``client.start_execution()`` or
    ``with client.execution(...) as ex``. Attributes: ``id`` (chosen here, a UUID), ``name``, ``labels``."""

    def __init__(self, sender: "Sender", name: str, labels: Optional[Mapping[str, str]] = None) -> None:
        name, clean = _rules.validate_start(name, labels)
        self.id = str(uuid.uuid4())
        self.name = name
        self.labels = clean
        self._sender = sender
        self._t0 = time.perf_counter()
        self._pid = os.getpid()
        self._series: Dict[str, _Series] = {}
        #: Local mirror of the summary, so a Cog rule violation raises here, at the call, as in Cog.
        self.summary: Dict[str, Any] = {}
        self._ended = False
        self._warned_after_end = False
        self._tokens: "List[contextvars.Token[Optional[Execution]]]" = []
        # Waiting to be sent (guarded by the sender's lock).
        self._p_start: Optional[Dict[str, Any]] = {"name": name, "labels": clean, "startedAt": int(time.time() * 1000)}
        self._p_rewind: Optional[float] = None
        self._p_defs: List[Dict[str, Any]] = []
        self._p_summary: List[Tuple[Dict[str, Any], int]] = []
        self._p_end: Optional[Dict[str, Any]] = None
        sender.add_execution(self)

    def __repr__(self) -> str:
        return f"Execution(id={self.id!r}, name={self.name!r}, ended={self._ended})"

    # ---- context -----------------------------------------------------------------------------------------------

    def elapsed(self) -> float:
        """Seconds since the execution started."""
        return time.perf_counter() - self._t0

    def __enter__(self) -> "Execution":
        self._tokens.append(current_execution_var.set(self))
        return self

    def __exit__(self, exc_type: Any, exc: Optional[BaseException], tb: Any) -> None:
        try:
            if exc is None or (isinstance(exc, SystemExit) and exc.code in (0, None)):
                self.end("succeeded")
            else:
                text = str(exc) or exc.__class__.__name__
                cancelled = isinstance(exc, KeyboardInterrupt) or type(exc).__name__ == "CancelledError"  # asyncio's, any loop's
                self.end("cancelled" if cancelled else "failed", error=text)
        finally:
            if self._tokens:
                current_execution_var.reset(self._tokens.pop())

    def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Calls ``fn(*args, **kwargs)`` with this execution as the current one (in a copy of the current context)."""
        ctx = contextvars.copy_context()
        ctx.run(current_execution_var.set, self)
        return ctx.run(fn, *args, **kwargs)

    # ---- time series ---------------------------------------------------------------------------------------------

    def _record(self, metric: "Metric", value: object, at: object) -> None:
        """Every case of ``Metric.record()`` but the common one."""
        y = _as_float(metric, value)
        if at is not None and at.__class__ is not int and at.__class__ is not float:
            if isinstance(at, bool) or not _rules.is_number(at):
                raise TypeError(f'Metric "{metric.key}".record(value, at=…): at must be a number (got {type(at).__name__})')
            at = int(at) if hasattr(at, "__index__") else float(at)  # type: ignore[arg-type]
        if self._ended:
            return self._dropped_after_end(metric)
        s = self._series.get(metric.key)
        if s is None or s.metric is not metric:
            s = self._series_of(metric)
        metric._last = s
        sender = self._sender
        if at is not None:
            x = at
            if not s.timed:
                s.timed = True
                s.taken_at = time.time() * 1000
            if not -_MAX_X <= x <= _MAX_X:
                return self._refuse(s, "xInvalid", f"at={x} is not a finite number with |x| ≤ 2**53 (beyond it a double "
                                                   "cannot hold every integer)")
            if not x > s.last_x:
                return self._refuse(s, "xNotIncreasing", f"at={x} is not greater than the previous x ({s.last_x}); x must "
                                                         "increase within a series")
        else:
            # Default x may come from several threads at once: read the clock and append under the lock, so x stays
            # increasing in the series' columns.
            with sender.lock:
                x = self.elapsed()
                if not x > s.last_x:
                    x = math.nextafter(s.last_x, math.inf)
                s.last_x = x
                if s.window == 0.0:
                    s.xs.append(x)
                    s.ys.append(y)
            if s.window == 0.0:
                sender.n += 1
                if sender.n > sender.trip:
                    sender.tripped()
            else:
                sender.offer(s, x, y, False)
            return
        s.last_x = x
        if s.window == 0.0:
            s.xs.append(x)
            s.ys.append(y)
            sender.n += 1
            if sender.n > sender.trip:
                sender.tripped()
            return
        sender.offer(s, x, y, at is not None)

    def _refuse(self, s: _Series, cause: str, rule: str) -> None:
        """A value refused for its x: counted per cause (``end()`` reports it), warned once per cause and metric."""
        if cause == "xInvalid":
            s.x_invalid += 1
        else:
            s.x_not_increasing += 1
        if cause not in s.warned:
            s.warned.add(cause)
            remedy = " To record a resumed run again from a step, call execution.rewind(step) first." if cause == "xNotIncreasing" else ""
            log.warning('Metric "%s": %s, so the value is refused and counted (end() reports how many; warned once per '
                        "metric and execution).%s", s.key, rule, remedy)

    def _dropped_after_end(self, metric: "Metric") -> None:
        if self._warned_after_end:
            return
        self._warned_after_end = True
        if self._pid != os.getpid():
            log.warning('Metric "%s" recorded in a forked child into execution "%s" of the parent process; it is dropped. '
                        "Start an execution in the child.", metric.key, self.name)
        else:
            log.warning('Metric "%s" recorded after execution "%s" ended; values recorded after end() are dropped.',
                        metric.key, self.name)

    def _series_of(self, metric: "Metric") -> _Series:
        s = self._series.get(metric.key)
        if s is not None:
            if s.metric is not metric and s.metric.signature != metric.signature:
                diff = _rules.definition_difference(s.metric.definition, metric.definition)
                raise ValueError(f'Metric "{metric.key}" is already defined differently in execution "{self.name}" '
                                 f"({diff}); a key keeps one group and scale within an execution")
            if s.metric is not metric and s.metric.throttle != metric.throttle:
                s.metric = metric  # the newest Metric object's throttle applies from now on
                s.window = 0.0 if metric.throttle is None else 1.0 / metric.throttle
            return s
        return self._sender.define(self, metric)

    # ---- summary (Cog) ---------------------------------------------------------------------------------------------

    def record_summary(self, key: str, value: object, mode: str = "replace") -> None:
        """Called by ``record_metric()``: applies the op to the local summary (raising ValueError/TypeError naming the key
        and the rule, as Cog does), then sends it."""
        if self._ended:
            return
        problem = _rules.summary_key_problem(key)
        if problem:
            raise (_rules.SummaryTypeError if not isinstance(key, str) else _rules.SummaryError)(key, problem)
        size = 0 if value is None else len(json.dumps(_rules.to_summary_value(key, value), separators=(",", ":")))
        if size > MAX_SUMMARY_VALUE_BYTES:
            raise _rules.SummaryError(key, f"value is too large ({size} characters as JSON; at most {MAX_SUMMARY_VALUE_BYTES})")
        with self._sender.lock:
            sent = _rules.apply_summary_op(self.summary, key, value, mode)
            op = {"key": key, "value": sent, "mode": mode, "x": self.elapsed()}
            self._p_summary.append((op, size + len(key) + 40))
            self._sender.changed()

    # ---- lifecycle ---------------------------------------------------------------------------------------------------

    def rewind(self, x: float) -> None:
        """Restarts the run from x (W&B's resume, TensorBoard's purge): the server removes every point with x ≥ ``x``
        from all series of this execution, and recording continues from ``x``. Points recorded before the call are sent
        before the rewind."""
        if isinstance(x, bool) or not _rules.is_number(x) or not math.isfinite(float(x)) or abs(float(x)) > _MAX_X:
            raise ValueError(f"rewind(x): x must be a finite number with |x| ≤ 2**53 (got {x!r})")
        self._sender.rewind(self, float(x))

    def flush(self, timeout: Optional[float] = None) -> bool:
        """Blocks until everything recorded so far (throttled values included) is acknowledged by the server. With a
        ``timeout`` (seconds), returns False when it ran out first."""
        return self._sender.flush(timeout, release=True)

    def end(self, status: str = "succeeded", error: Optional[str] = None, timeout: Optional[float] = None) -> bool:
        """Ends the execution (``succeeded``, ``failed``, ``cancelled``; Cog's ``canceled`` is accepted) and blocks until
        the server has everything (or ``timeout`` seconds passed: then returns False and delivery goes on in the
        background). Logs how many values were refused (x did not increase) or discarded by the throttle. Ending twice
        only flushes."""
        status = _rules.end_status(status)
        if error is not None and not isinstance(error, str):
            raise TypeError("end(status, error): error must be a string")
        if self._pid != os.getpid():
            return True  # the parent's execution: the parent ends it
        if not self._ended:
            self._sender.end(self, status, error)
            self._report()
        return self._sender.flush(timeout)

    def discarded(self) -> Dict[str, Dict[str, int]]:
        """Per metric key, what was not sent, as the Node SDK reports it: ``throttled`` (replaced by a later value of the
        same throttle window), ``xNotIncreasing``, ``xInvalid`` (not finite, or beyond ±2**53); only keys with a count."""
        out: Dict[str, Dict[str, int]] = {}
        for key, s in self._series.items():
            counts = {name: n for name, n in (("throttled", s.discarded), ("xNotIncreasing", s.x_not_increasing),
                                              ("xInvalid", s.x_invalid)) if n}
            if counts:
                out[key] = counts
        return out

    def _report(self) -> None:
        for s in self._series.values():
            if s.x_not_increasing or s.x_invalid:
                log.warning('Execution "%s": %d value(s) of metric "%s" were refused (%d: x did not increase; %d: x not '
                            "finite or beyond ±2**53).", self.name, s.x_not_increasing + s.x_invalid, s.key,
                            s.x_not_increasing, s.x_invalid)
            if s.discarded:
                log.info('Execution "%s": the throttle of metric "%s" (%g values/s) discarded %d value(s); '
                         "pass throttle=None to keep every value.", self.name, s.key, s.metric.throttle or 0, s.discarded)

    @property
    def ended(self) -> bool:
        return self._ended

    @property
    def refused_points(self) -> int:
        """Values refused so far for their x (not increasing, not finite, or beyond ±2**53)."""
        return sum(s.x_not_increasing + s.x_invalid for s in self._series.values())

    @property
    def throttled_points(self) -> int:
        """Values the throttle discarded so far (a later value of the same window replaced them)."""
        return sum(s.discarded for s in self._series.values())


def wrap_in_execution(start: Callable[[], Execution], fn: F) -> F:
    """``fn`` run inside a new execution per call (sync or async), ended succeeded or failed."""
    import inspect

    if inspect.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            with start():
                return await fn(*args, **kwargs)
        return run_async  # type: ignore[return-value]

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        with start():
            return fn(*args, **kwargs)
    return run  # type: ignore[return-value]

