"""Coflux's ``progress()``: a progress bar of how many items a loop consumed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, AsyncIterable, AsyncIterator, Generic, Iterable, Iterator, Optional, TypeVar, Union, overload

from ._context import get_current
from .metric import Metric, MetricGroup, MetricScale

if TYPE_CHECKING:
    from .execution import Execution

T = TypeVar("T")


def known_length(items: object) -> Optional[int]:
    """``len(items)`` when the input has one (lists, ranges, dicts, sets, strings, numpy arrays…), else None."""
    try:
        n = len(items)  # type: ignore[arg-type]
    except TypeError:
        return None
    return n if isinstance(n, int) else None


class _Progress(Generic[T]):
    """Iterates ``items`` (sync or async) and records 0 before the first item, the count after each finished item and,
    once, the final count when the loop ends, breaks or raises (on ``break`` the iterator is released at once in
    CPython, and ``__del__`` records it)."""

    def __init__(self, items: Any, metric: Metric, is_async: bool) -> None:
        self._items = items
        self._metric = metric
        self._is_async = is_async
        self._it: Any = None
        self._handed_out = 0
        self._recorded = -1
        self._execution: "Optional[Execution]" = None
        self._finished = False

    def _record(self, n: int) -> None:
        ex = self._execution
        if ex is None:
            ex = self._execution = get_current()
            if ex is None:
                self._metric.record(n)  # raises the usual "outside an execution" error
        ex._record(self._metric, n, None)  # type: ignore[union-attr]
        self._recorded = n

    def _begin(self) -> None:
        self._record(0)

    def _finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        if self._handed_out > self._recorded and self._execution is not None:
            self._execution._record(self._metric, self._handed_out, None)
            self._recorded = self._handed_out

    def __iter__(self) -> Iterator[T]:
        if self._is_async:
            raise TypeError("progress(items): items is an async iterable; use `async for`")
        self._it = iter(self._items)
        self._begin()
        return self

    def __next__(self) -> T:
        if self._handed_out > self._recorded:
            self._record(self._handed_out)
        try:
            item = next(self._it)
        except BaseException:
            self._finish()
            raise
        self._handed_out += 1
        return item  # type: ignore[no-any-return]

    def __aiter__(self) -> AsyncIterator[T]:
        self._it = self._items.__aiter__() if self._is_async else _to_async(self._items)
        self._begin()
        return self

    async def __anext__(self) -> T:
        if self._handed_out > self._recorded:
            self._record(self._handed_out)
        try:
            item = await self._it.__anext__()
        except BaseException:
            self._finish()
            raise
        self._handed_out += 1
        return item  # type: ignore[no-any-return]

    def __del__(self) -> None:
        try:
            self._finish()
        except Exception:
            pass


async def _to_async(items: Iterable[T]) -> AsyncIterator[T]:
    for item in items:
        yield item


@overload
def progress(items: AsyncIterable[T], key: str = ..., *, group: Union[MetricGroup, str, None] = ...) -> AsyncIterable[T]: ...
@overload
def progress(items: Iterable[T], key: str = ..., *, group: Union[MetricGroup, str, None] = ...) -> Iterable[T]: ...
def progress(items: Any, key: str = "progress", *, group: Union[MetricGroup, str, None] = None) -> Any:
    """Wraps an iterable (``for``) or async iterable (``async for``) and records how many items were consumed as a
    progress bar (scale ``MetricScale(progress=True, upper=len(items))`` when the length is known): 0 before the first
    item, the count after each, and the final count when the loop ends, breaks or raises."""
    is_async = hasattr(items, "__aiter__")
    if not is_async and not hasattr(items, "__iter__"):
        raise TypeError(f"progress(items): items must be an iterable or an async iterable (got {type(items).__name__})")
    n = known_length(items)
    scale = MetricScale(progress=True, upper=n if n else None)
    return _Progress(items, Metric(key, group=group, scale=scale), is_async)
