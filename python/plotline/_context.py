"""The execution of the current context: what `Metric.record()` and `record_metric()` write to.

A `contextvars.ContextVar`, so it follows asyncio tasks, `contextvars.copy_context().run` in threads and
`concurrent.futures` executors that copy the context, as Cog's scope does.
"""

from __future__ import annotations

import contextvars
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from .execution import Execution

current_execution_var: "contextvars.ContextVar[Optional[Execution]]" = contextvars.ContextVar(
    "plotline_execution", default=None)

#: Bound once: the per-record path calls it without an attribute lookup.
get_current = current_execution_var.get


def current_execution() -> "Optional[Execution]":
    """The execution of the current context, or None."""
    return current_execution_var.get()
