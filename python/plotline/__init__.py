"""Plotline's Python SDK: record live metric charts from Python, standard library only.

- Executions: ``client = plotline.connect()``; ``with client.execution("train") as ex:`` (or ``@client.execution``,
  or ``client.start_execution(...)`` and ``ex.end()``).
- Coflux names: ``Metric``, ``MetricGroup``, ``MetricScale``, ``progress``.
- Cog names: ``record_metric``, ``current_scope``.
- Cortex names: ``MetricsClient`` (``increment``/``gauge``/``histogram`` over DogStatsD), ``ASGIMiddleware``,
  ``WSGIMiddleware``.

Delivery: ``record()`` never blocks on the network; one background thread per client sends binary batches, retried with
the same batch id; ``end()``/``flush()`` block until the server has everything. Logging goes to
``logging.getLogger("plotline")``.
"""

from ._context import current_execution
from ._rules import SummaryError
from .client import Client, connect
from .execution import Execution
from .metric import Metric, MetricGroup, MetricScale
from .middleware import ASGIMiddleware, WSGIMiddleware
from .progress import progress
from .statsd import MetricsClient
from .summary import Scope, ScopeMetrics, current_scope, record_metric

__version__ = "0.1.0"

__all__ = [
    "ASGIMiddleware", "Client", "Execution", "Metric", "MetricGroup", "MetricScale", "MetricsClient", "Scope",
    "ScopeMetrics", "SummaryError", "WSGIMiddleware", "connect", "current_execution", "current_scope", "progress",
    "record_metric",
]
