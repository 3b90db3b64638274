"""Cog's summary-metric names: ``record_metric(key, value, mode)`` and ``current_scope().metrics``.

Rules (DESIGN.md "Summary metrics"): modes ``replace`` (default), ``incr``, ``append``; dotted keys nest
(``timing.inference``); ``None`` deletes; a key's type (bool, number, string, list, dict) cannot change until it is
deleted, int and float being one type (number) and bool not a number. A bad key or value raises ValueError/TypeError
naming the key and the rule, as Cog does. Outside an execution every operation is silently ignored.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, Iterator, Optional

from . import _rules
from ._context import get_current

if TYPE_CHECKING:
    from .execution import Execution

_MISSING = object()


class ScopeMetrics:
    """Dict-style access to the current execution's summary: ``m[key]``, ``m[key] = v``, ``del m[key]``, ``key in m``,
    ``m.get(key, default)``, ``m.record(key, value, mode)``. Values read are copies."""

    def __init__(self, execution: "Optional[Execution]") -> None:
        self._execution = execution

    def record(self, key: str, value: Any, mode: str = "replace") -> None:
        if self._execution is not None:
            self._execution.record_summary(key, value, mode)

    def get(self, key: str, default: Any = None) -> Any:
        if self._execution is None:
            return default
        v = _rules.get_summary_value(self._execution.summary, key)
        return default if v is None else copy.deepcopy(v)

    def __getitem__(self, key: str) -> Any:
        v = self.get(key, _MISSING)
        if v is _MISSING:
            if self._execution is None:
                return None
            raise KeyError(key)
        return v

    def __setitem__(self, key: str, value: Any) -> None:
        self.record(key, value, "replace")

    def __delitem__(self, key: str) -> None:
        if self._execution is not None and key not in self:
            raise KeyError(key)
        self.record(key, None, "replace")

    def __contains__(self, key: object) -> bool:
        return (self._execution is not None and isinstance(key, str)
                and _rules.get_summary_value(self._execution.summary, key) is not None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._execution.summary) if self._execution is not None else [])

    def __len__(self) -> int:
        return len(self._execution.summary) if self._execution is not None else 0

    def __repr__(self) -> str:
        return f"ScopeMetrics({self._execution.summary if self._execution is not None else {}!r})"


class Scope:
    """The scope of one execution (Cog's ``Scope``): ``metrics`` and ``record_metric``. Outside an execution, a no-op
    scope whose operations are silently ignored."""

    def __init__(self, execution: "Optional[Execution]") -> None:
        self.execution = execution
        self.metrics = ScopeMetrics(execution)

    def record_metric(self, key: str, value: Any, mode: str = "replace") -> None:
        self.metrics.record(key, value, mode)


_NOOP = Scope(None)


def current_scope() -> Scope:
    """The scope of the current execution, or a no-op scope outside one (never None)."""
    ex = get_current()
    return _NOOP if ex is None else Scope(ex)


def record_metric(key: str, value: Any, mode: str = "replace") -> None:
    """Cog's ``record_metric``: ``replace`` (default), ``incr`` or ``append``; dotted keys nest; ``None`` deletes.
    A no-op outside an execution. Raises ValueError/TypeError naming the key and the rule."""
    ex = get_current()
    if ex is not None:
        ex.record_summary(key, value, mode)
