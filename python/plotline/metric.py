"""Coflux's time-series names: `Metric`, `MetricGroup`, `MetricScale`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Optional, Union

from . import _rules
from ._context import get_current
from .execution import _as_float

if TYPE_CHECKING:
    from .execution import _Series

DEFAULT_THROTTLE = 10
_MAX_X = _rules.MAX_ABS_X


class MetricGroup:
    """One chart with a shared x-axis (Coflux ``MetricGroup``): ``units`` of x, optional ``lower``/``upper`` bounds.

    Raises TypeError/ValueError naming the field and the rule (name 1–200 characters, units ≤ 50, lower < upper).
    """

    def __init__(self, name: str, *, units: Optional[str] = None, lower: Optional[float] = None,
                 upper: Optional[float] = None) -> None:
        self.definition: Dict[str, Any] = _rules.group_definition(name, units, lower, upper)
        self.name = name

    def __repr__(self) -> str:
        return f"MetricGroup({self.definition!r})"


class MetricScale:
    """A y-axis (Coflux ``MetricScale``). Metrics of one group whose scales share a ``name`` share the axis;
    ``progress=True`` draws the metric as a progress bar between ``lower`` (default 0) and ``upper``."""

    def __init__(self, name: Optional[str] = None, *, units: Optional[str] = None, lower: Optional[float] = None,
                 upper: Optional[float] = None, progress: Optional[bool] = None) -> None:
        self.definition: Dict[str, Any] = _rules.scale_definition(name, units, lower, upper, progress)
        self.name = name

    def __repr__(self) -> str:
        return f"MetricScale({self.definition!r})"


class Metric:
    """A time series (Coflux ``Metric``). Create it anywhere (module level too); ``record()`` writes to the execution of
    the current context.

    ``group``: a MetricGroup or a group name. ``scale``: a MetricScale or a scale name. ``throttle``: values per second
    sent to the server (default 10; leading and trailing edge, the latest value in a window wins, the last one is always
    delivered); ``None`` sends every value.
    """

    __slots__ = ("key", "throttle", "definition", "signature", "_last")

    def __init__(self, key: str, *, group: Union[MetricGroup, str, None] = None,
                 scale: Union[MetricScale, str, None] = None, throttle: Optional[float] = DEFAULT_THROTTLE) -> None:
        problem = _rules.metric_key_problem(key)
        if problem:
            raise (TypeError if not isinstance(key, str) else ValueError)(f"Metric key {key!r}: {problem}")
        if throttle is not None and (isinstance(throttle, bool) or not _rules.is_number(throttle)
                                     or not 0 < float(throttle) < float("inf")):
            raise ValueError(f'Metric "{key}": throttle must be a positive number of values per second, '
                             f"or None for no throttling (got {throttle!r})")
        if isinstance(group, str):
            group = MetricGroup(group)
        elif group is not None and not isinstance(group, MetricGroup):
            raise TypeError(f'Metric "{key}": group must be a MetricGroup or a group name (got {type(group).__name__})')
        if isinstance(scale, str):
            scale = MetricScale(scale)
        elif scale is not None and not isinstance(scale, MetricScale):
            raise TypeError(f'Metric "{key}": scale must be a MetricScale or a scale name (got {type(scale).__name__})')
        self.key = key
        self.throttle: Optional[float] = None if throttle is None else float(throttle)
        self.definition: Dict[str, Any] = {"key": key}
        if group is not None:
            self.definition["group"] = group.definition
        if scale is not None:
            self.definition["scale"] = scale.definition
        self.signature = _rules.canonical_json(self.definition)
        #: The series this metric last recorded to (it knows its execution): saves a lookup per record.
        self._last: "Optional[_Series]" = None

    def record(self, value: float, *, at: Optional[float] = None) -> None:
        """Records ``value`` (int, float or a numpy scalar; NaN and ±inf are kept) at x = ``at``, or at the seconds since
        the execution started. Raises RuntimeError outside an execution, TypeError for a value that is not a
        number (bool included) and ValueError for an int beyond a double (±1.8e308); nothing is recorded then. An ``at`` that does not increase, is not finite or is beyond ±2**53 is refused with
        one warning per metric and cause, and counted (``end()`` reports it, ``ex.discarded()`` tells per metric).

        The common case (float/int value, increasing int/float ``at``, the series' execution current and running) is
        the first test: unthrottled, it appends straight to the series' columns; throttled, it goes to the throttle.
        Everything else goes through ``Execution._record``.
        """
        s = self._last
        if (s is not None and s.live is get_current()
                and (at.__class__ is int or at.__class__ is float) and s.last_x < at <= _MAX_X
                and (value.__class__ is float or value.__class__ is int)):
            o = s.outbox
            if s.window == 0.0:
                # x first, then y: the sender takes len(ys) points, so a batch cut between the two stays aligned.
                s.xs.append(at)
                try:
                    s.ys.append(value)
                except OverflowError:  # an int beyond a double: take its x back, then say so by name
                    s.xs.pop()
                    _as_float(self, value)
                s.last_x = at
                o.n += 1
                if o.n > o.trip:
                    o.tripped()
            else:
                y = value if value.__class__ is float else _as_float(self, value)
                s.last_x = at
                o.offer(s, at, y, True)
            return
        execution = get_current()
        if execution is None:
            raise RuntimeError(f'Metric "{self.key}".record() was called outside an execution: run it inside '
                               "`with client.execution(...)` or a function decorated with it")
        execution._record(self, value, at)

    def __repr__(self) -> str:
        return f"Metric({self.definition!r}, throttle={self.throttle!r})"
