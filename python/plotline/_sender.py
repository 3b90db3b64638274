"""Background delivery of one client's executions: one daemon thread, binary batches, retries, a bounded memory and
a spool file.

Rules (the Node SDK's, `src/sdk/sender.ts` and `pending.ts`):

- Batches leave in order, one request at a time: per execution its start, rewind, definitions, points, summary
  operations and end. Idle → what is recorded leaves at once (live latency stays low); busy → what is recorded
  meanwhile goes in the next batch (up to 250,000 points).
- A failed request (network error, 5xx, 429) is retried with backoff and the *same bytes*, batch id included, which the
  server stores once. A refused one (other 4xx) is dropped, counted, and each distinct refusal is logged once.
- Nothing accepted is dropped while the server answers: when more than ``max_buffered_points`` wait in memory, the
  oldest are encoded into batches and appended to this client's spool file (format and rules: ``_spool.py``, shared
  with the Node SDK), from which they are sent in order. Beyond ``spool_max_bytes`` the oldest points in memory are
  dropped, counted (``dropped_points``), with one warning naming the cause (the server unreachable, or recording
  outpacing delivery).
- A process that exits (or is killed) before its batches were acknowledged leaves them in the spool; the next client of
  the same URL and token, in any process and either SDK, sends them (the batch ids make a double send harmless).
- ``flush()`` blocks until everything recorded before it is acknowledged; while the server stays unreachable it says
  every 30 s how many points still wait.
- Fork-safe: a forked child starts its own thread and does not resend what its parent had buffered.
"""

from __future__ import annotations

import collections
import logging
import math
import os
import threading
import time
import uuid
import weakref
from typing import TYPE_CHECKING, Any, Deque, Dict, List, Optional

from ._binary import CONTENT_TYPE, encode_batch
from ._http import Poster, backoff_s, error_message
from ._spool import Spool, own_files
from .execution import ENDED

if TYPE_CHECKING:
    from .execution import Execution, _Series
    from .metric import Metric

log = logging.getLogger("plotline")

BATCH_POINTS = 250_000
BATCH_SERIES = 2_000
BATCH_DEFINITIONS = 2_000
BATCH_SUMMARY_OPS = 10_000
BATCH_BYTES = 16 * 1024 * 1024
#: Records between two looks at the memory bound (the per-record path only counts).
CHECK_EVERY = 10_000
STILL_WAITING_EVERY_S = 30.0
IDLE_POLL_S = 0.1
MAX_DISTINCT_REFUSALS = 100


class _Outgoing:
    """An encoded batch on its way: from the memory queue, or the head record of a spool (``source``). A retry sends the
    same bytes. ``spooled``: a queued batch moved into the own spool while in flight (its record is the head)."""

    __slots__ = ("body", "points", "source", "spooled")

    def __init__(self, body: bytes, points: int, source: Optional[Spool] = None) -> None:
        self.body = body
        self.points = points
        self.source = source
        self.spooled = False


_senders: "weakref.WeakSet[Sender]" = weakref.WeakSet()


class Sender:
    """Sends what a client's executions record. The per-record path touches only ``n`` and ``trip``."""

    def __init__(self, url: str, token: Optional[str], max_buffered_points: int, spool_dir: Optional[str],
                 spool_max_bytes: int, batch_points: int = BATCH_POINTS) -> None:
        self.url = url
        self.token = token
        self.max_points = max_buffered_points
        self.spool_dir = spool_dir
        self.spool_max_bytes = spool_max_bytes
        self.batch_points = batch_points
        self.exit_timeout = 5.0
        #: Records between two looks at the memory bound: a small bound is looked at more often.
        self._check_every = max(1, min(CHECK_EVERY, max_buffered_points // 4))
        #: Records since the last look; ``tripped()`` runs when it passes ``trip`` (0 while the thread sleeps).
        self.n = 0
        self.trip = 0
        #: Points dropped, by cause: the server unreachable with memory and spool full; memory and spool full while the
        #: server answers but slower than the recording; batches the server refused (4xx); a damaged spool record.
        self.dropped_by_cause: Dict[str, int] = {"unreachable": 0, "spool_full": 0, "refused": 0, "spool_damaged": 0}
        self.refused_batches = 0
        self._init_runtime()
        _senders.add(self)

    def _init_runtime(self) -> None:
        self.lock = threading.Lock()
        self._cond = threading.Condition(self.lock)
        self._wake = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._sleeping = True
        self._stopped = False
        self._active: Dict[str, "Execution"] = {}
        self._trailing: "set[_Series]" = set()
        self._queue: Deque[_Outgoing] = collections.deque()
        self._flush_gen = 0
        self._done_gen = 0
        self._outage_since: Optional[float] = None
        self._outage_why = ""
        self._refusals: "set[str]" = set()
        self._warned_spool = False
        self._warned_drop = False
        self._own: Optional[Spool] = None
        self._orphans: List[Spool] = []
        self._attempt = 0
        self._since_check = 0
        self._pid = os.getpid()
        self._poster = Poster(self.url, self.token)

    # ---- called by executions (the lock is taken here unless said otherwise) -------------------------------------

    def add_execution(self, ex: "Execution") -> None:
        with self.lock:
            self._active[ex.id] = ex
            self.changed()

    def define(self, ex: "Execution", metric: "Metric") -> "_Series":
        from .execution import _Series

        with self.lock:
            existing = ex._series.get(metric.key)
            if existing is not None:  # another thread defined it first
                return ex._series_of(metric)
            s = _Series(ex, metric)
            ex._series[metric.key] = s
            ex._p_defs.append(metric.definition)
            self.changed()
            return s

    def changed(self) -> None:
        """Something besides points waits (lock held): make sure the thread runs and is awake."""
        if self._thread is None or self._pid != os.getpid():
            self._start()
        if self._sleeping:
            self._wake.set()

    def tripped(self) -> None:
        """The per-record counter passed its mark: wake the thread, and look at the memory bound."""
        with self.lock:
            self._since_check += self.n
            self.n = 0
            self.trip = self._check_every
            self.changed()
            if self._since_check < self._check_every:
                return  # a trickle waking the thread: counting every series' points each time would cost more
            self._since_check = 0
            waiting = self._memory_points()
            if waiting > self.max_points:
                self._overflow(waiting)

    def offer(self, s: "_Series", x: float, y: float, explicit_at: bool) -> None:
        """A value of a throttled series (Coflux semantics: leading and trailing edge, the latest in a window wins)."""
        now = time.monotonic()
        with self.lock:
            if now - s.last_sent >= s.window:
                if s.trail is not None:
                    s.take_trail(now)  # late timer: its x is smaller, so it goes first
                s.last_sent = now
                s.xs.append(x)
                s.ys.append(y)
                self.changed()
                return
            if s.trail is not None:
                s.discarded += 1
                if s.trail[2] and not s.warned_throttle:
                    self._warn_throttle(s)
            s.trail = (x, y, explicit_at)
            if not s.scheduled:
                s.scheduled = True
                self._trailing.add(s)
                self.changed()

    def _warn_throttle(self, s: "_Series") -> None:
        s.warned_throttle = True
        log.warning('Metric "%s" is recorded faster than its throttle (%g values/s): %d value(s) recorded with at= were '
                    "discarded so far (the latest value of each window is kept, and the last one is always delivered). "
                    'Pass throttle=None to Metric("%s", …) to keep every value; end() reports the total.',
                    s.key, s.metric.throttle or 0, s.discarded, s.key)

    def release_trailing(self, ex: "Optional[Execution]" = None) -> None:
        """Delivers waiting trailing values now (flush, end, exit). Lock held."""
        now = time.monotonic()
        for s in list(self._trailing):
            if ex is None or s.execution is ex:
                s.take_trail(now)
                s.scheduled = False
                self._trailing.discard(s)

    def rewind(self, ex: "Execution", x: float) -> None:
        with self.lock:
            if ex._ended:
                raise RuntimeError(f'rewind(): execution "{ex.name}" has ended')
            self.release_trailing(ex)
            # Points recorded before the rewind leave before it: cut them into batches now.
            while self._memory_points(ex) or ex._p_start or ex._p_defs:
                self._enqueue(self._encode(self._take(only=ex)))
            ex._p_rewind = x
            below = math.nextafter(x, -math.inf)
            for s in ex._series.values():
                if s.last_x >= x:
                    s.last_x = below
                if s.trail is not None and s.trail[0] >= x:
                    s.trail = None
            self.changed()

    def end(self, ex: "Execution", status: str, error: Optional[str]) -> None:
        with self.lock:
            if ex._ended:
                return
            self.release_trailing(ex)
            ex._ended = True
            for s in ex._series.values():
                s.live = ENDED
            end: Dict[str, Any] = {"status": status, "endedAt": int(time.time() * 1000)}
            if error is not None:
                end["error"] = error if len(error) <= 10_000 else error[:9_999] + "…"
            discarded = ex.discarded()
            if discarded:
                end["discarded"] = discarded  # what was not sent, per metric: shown on the execution page
            ex._p_end = end
            self.changed()

    def flush(self, timeout: Optional[float] = None, release: bool = True) -> bool:
        """Blocks until everything recorded before the call is acknowledged (or refused); False when ``timeout`` ran
        out first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.lock:
            if release:
                self.release_trailing()
            self._flush_gen += 1
            target = self._flush_gen
            self.changed()
            told = time.monotonic()
            while self._done_gen < target:
                now = time.monotonic()
                if deadline is not None and now >= deadline:
                    return False
                wait = STILL_WAITING_EVERY_S if deadline is None else min(STILL_WAITING_EVERY_S, deadline - now)
                self._cond.wait(wait)
                now = time.monotonic()
                if self._outage_since is not None and now - told >= STILL_WAITING_EVERY_S:
                    told = now
                    log.warning("still waiting for %s (%s, unreachable for %d s) to acknowledge %d points; retrying.",
                                self.url, self._outage_why, now - self._outage_since, self.buffered_points_locked())
        return True

    # ---- counts ------------------------------------------------------------------------------------------------

    def _memory_points(self, only: "Optional[Execution]" = None) -> int:
        total = 0
        for ex in ([only] if only is not None else self._active.values()):
            for s in ex._series.values():
                total += len(s.ys)
        return total

    def buffered_points_locked(self) -> int:
        spooled = sum(s.points for s in self._orphans) + (self._own.points if self._own is not None else 0)
        return self._memory_points() + sum(o.points for o in self._queue) + spooled

    @property
    def buffered_points(self) -> int:
        """Points recorded and not yet acknowledged (in memory, in the spool, or on their way)."""
        with self.lock:
            return self.buffered_points_locked()

    @property
    def idle(self) -> bool:
        with self.lock:
            return not self._queue and not self._trailing and not self._spooled() and self._nothing_pending()

    def _nothing_pending(self) -> bool:
        for ex in self._active.values():
            if ex._p_start or ex._p_defs or ex._p_summary or ex._p_end or ex._p_rewind is not None:
                return False
            for s in ex._series.values():
                if len(s.ys):
                    return False
        return True

    # ---- taking and encoding (lock held) -----------------------------------------------------------------------

    def _take(self, only: "Optional[Execution]" = None, max_points: Optional[int] = None) -> List[Dict[str, Any]]:
        """One batch's worth, in order. What does not fit stays for the next batch, and nothing that must follow it (the
        end after everything) goes before it. The first item always fits, so a batch always makes progress."""
        points_left = self.batch_points if max_points is None else max_points
        series_left, bytes_left = BATCH_SERIES, BATCH_BYTES
        out: List[Dict[str, Any]] = []
        for ex in ([only] if only is not None else list(self._active.values())):
            u: Dict[str, Any] = {"id": ex.id}
            if ex._p_start is not None:
                u["start"] = ex._p_start
                ex._p_start = None
            if ex._p_rewind is not None:
                u["rewind"] = {"x": ex._p_rewind}
                ex._p_rewind = None
            complete = True
            if ex._p_defs:
                u["definitions"] = ex._p_defs[:BATCH_DEFINITIONS]
                del ex._p_defs[:BATCH_DEFINITIONS]
                complete = not ex._p_defs
            points = []
            if complete:
                for s in ex._series.values():
                    n = len(s.ys)
                    if n == 0:
                        continue
                    k = min(n, points_left)
                    if k == 0 or series_left == 0:
                        complete = False
                        break
                    xs, ys = s.xs[:k], s.ys[:k]
                    del s.xs[:k]
                    del s.ys[:k]
                    t = None
                    if s.timed:
                        now = time.time() * 1000
                        t = [min(s.taken_at, now), now]
                        s.taken_at = now
                    points.append((s.key, xs, ys, t))
                    points_left -= k
                    series_left -= 1
                    bytes_left -= 16 * k + 40 + len(s.key)
                    if k < n:
                        complete = False
                        break
            if points:
                u["points"] = points
            if complete and ex._p_summary:
                ops: List[Dict[str, Any]] = []
                while ex._p_summary and len(ops) < BATCH_SUMMARY_OPS and (not ops or ex._p_summary[0][1] <= bytes_left):
                    op, size = ex._p_summary.pop(0)
                    ops.append(op)
                    bytes_left -= size
                u["summary"] = ops
                complete = not ex._p_summary
            if complete and ex._p_end is not None:
                u["end"] = ex._p_end
                ex._p_end = None
                self._active.pop(ex.id, None)
            if len(u) > 1:
                out.append(u)
            if not complete or points_left == 0 or bytes_left <= 0:
                break
        return out

    def _encode(self, updates: List[Dict[str, Any]]) -> _Outgoing:
        points = sum(len(p[2]) for u in updates for p in u.get("points", ()))
        return _Outgoing(encode_batch(str(uuid.uuid4()), updates), points)

    def _spooled(self) -> bool:
        return bool(self._orphans) or (self._own is not None and not self._own.empty)

    def _enqueue(self, item: _Outgoing) -> None:
        """A batch taken out of order of the normal flow (a rewind's cut, exit): behind whatever waits already. The
        memory queue only holds batches while the own spool is empty, so the order is queue, then spool."""
        if self._own is not None and not self._own.empty:
            self._own.append(item.body, item.points)
        else:
            self._queue.append(item)

    # ---- memory bound and spool (lock held) --------------------------------------------------------------------

    def _cause(self) -> str:
        if self._outage_since is not None:
            return f"the server at {self.url} is unreachable ({self._outage_why})"
        return f"recording outpaces delivery to {self.url}"

    def _own_spool(self) -> Optional[Spool]:
        if self._own is None and self.spool_dir is not None:
            try:
                self._own = Spool.create(self.spool_dir)
            except OSError as e:
                log.warning("cannot create a spool file in %s (%s); buffered points stay in memory only.", self.spool_dir, e)
                self.spool_dir = None
        return self._own

    def _move_queue_to_spool(self, own: Spool) -> None:
        """Batches already taken (the one in flight among them, with an execution's start) go first into the spool, so a
        killed process never leaves spooled batches that depend on one only it had."""
        if not own.empty:
            return
        while self._queue:
            item = self._queue.popleft()
            own.append(item.body, item.points)
            item.spooled = True

    def _overflow(self, waiting: int) -> None:
        """More than ``max_points`` wait in memory: move the oldest into the spool, or drop them when it is full."""
        target = self.max_points // 2
        own = self._own_spool()
        if own is not None:
            self._move_queue_to_spool(own)
            while waiting > target and own.unacked_bytes < self.spool_max_bytes:
                updates = self._take(max_points=waiting - target)
                if not updates:
                    break
                item = self._encode(updates)
                own.append(item.body, item.points)
                waiting -= item.points
                if not self._warned_spool:
                    self._warned_spool = True
                    log.warning("more than %d points wait in memory because %s; the oldest are written to the spool %s "
                                "and sent from there in order (nothing is dropped while the spool has room, "
                                "spool_max_bytes=%d).", self.max_points, self._cause(), own.path, self.spool_max_bytes)
        if waiting > target:
            self._drop_oldest(waiting)

    def _drop_oldest(self, waiting: int) -> None:
        """Drops the oldest points down to nine tenths of the bound, the same share of every series (one scan per many
        records)."""
        if waiting <= 0:
            return
        if not self._warned_drop:
            self._warned_drop = True
            why = "the spool is off" if self.spool_dir is None else f"the spool in {self.spool_dir} is full ({self.spool_max_bytes} bytes)"
            log.warning("%s and more than %d points wait in memory (%s); dropping the oldest buffered points. Later drops "
                        "are counted silently (client.dropped_points).", self._cause().capitalize(), self.max_points, why)
        # Back to nine tenths of the bound (the bound is looked at every few thousand records, not every record).
        share = min(1.0, (waiting - self.max_points + math.ceil(self.max_points / 10)) / waiting)
        cause = "unreachable" if self._outage_since is not None else "spool_full"
        for ex in self._active.values():
            for s in ex._series.values():
                n = min(len(s.ys), math.ceil(len(s.ys) * share))
                if n:
                    del s.xs[:n]
                    del s.ys[:n]
                    self.dropped_by_cause[cause] += n

    # ---- the thread ----------------------------------------------------------------------------------------------

    def _start(self) -> None:
        if self._pid != os.getpid():
            return  # a forked child reinitialises in after_fork_in_child first
        thread = threading.Thread(target=self._run, name=f"plotline-sender {self.url}", daemon=True)
        try:
            thread.start()
        except RuntimeError as e:  # e.g. "can't create new thread at interpreter shutdown" (Python ≥ 3.12)
            log.warning("cannot start the plotline sender thread (%s); buffered metrics go to the spool at exit.", e)
            return
        self._thread = thread

    def _run(self) -> None:
        try:
            if self.spool_dir is not None:
                orphans = Spool.claim_orphans(self.spool_dir)
                if orphans:
                    log.info("sending %d point(s) left in %d spool file(s) of %s by an earlier process.",
                             sum(o.points for o in orphans), len(orphans), self.spool_dir)
                with self.lock:
                    self._orphans.extend(orphans)
            self._loop()
        except Exception:  # never dies silently: a bug here must not look like a hung flush()
            log.exception("the plotline sender thread failed; metrics are no longer delivered")

    def _loop(self) -> None:
        while True:
            with self.lock:
                if self._stopped or self._pid != os.getpid():
                    return
                self._wake.clear()
                self._sleeping = False
                now = time.monotonic()
                for s in [s for s in self._trailing if s.due() <= now]:
                    s.take_trail(now)
                    s.scheduled = False
                    self._trailing.discard(s)
                item = self._next_item()
                if item is None:
                    self._done_gen = self._flush_gen
                    self._cond.notify_all()
                    self._sleeping = True
                    self.n = 0
                    self.trip = 0
                    timeout = IDLE_POLL_S
                    if self._trailing:
                        timeout = max(0.0, min(timeout, min(s.due() for s in self._trailing) - now))
            if item is None:
                self._wake.wait(timeout)
                continue
            outcome = self._post(item)
            with self.lock:
                if self._stopped:
                    return  # exiting: what is left went to the spool (a delivered batch is stored once if sent again)
                if outcome == "retry":
                    self._attempt += 1
                    delay = backoff_s(self._attempt - 1)
                else:
                    self._attempt = 0
                    self._delivered(item)
                    continue
            time.sleep(delay)

    def _next_item(self) -> Optional[_Outgoing]:
        """What to send next (lock held): orphaned spools, the memory queue, the own spool, then a new batch."""
        while self._orphans:
            orphan = self._orphans[0]
            head = self._read_head(orphan)
            if head is not None:
                return head
            orphan.close(remove=True)
            self._orphans.pop(0)
        if self._queue:
            return self._queue[0]
        if self._own is not None:
            head = self._read_head(self._own)
            if head is not None:
                return head
        updates = self._take()
        if not updates:
            return None
        item = self._encode(updates)
        self._queue.append(item)
        return item

    def _read_head(self, spool: Spool) -> Optional[_Outgoing]:
        try:
            head = spool.read_head()
        except OSError as e:
            head = spool.points
            log.warning("cannot read the spool file %s (%s).", spool.path, e)
        if isinstance(head, int):
            self.dropped_by_cause["spool_damaged"] += head
            log.warning("the spool file %s ends in a torn or damaged record (the process writing it was killed); "
                        "%d point(s) from there on are lost.", spool.path, head)
            return None
        if head is None:
            return None
        return _Outgoing(head[0], head[1], spool)

    def _delivered(self, item: _Outgoing) -> None:
        """Acknowledged or refused: never sent again (lock held)."""
        if item.source is not None:
            item.source.ack_head()
        elif item.spooled:
            self._own.ack_head()  # type: ignore[union-attr]
        elif self._queue and self._queue[0] is item:
            self._queue.popleft()

    @property
    def dropped_points(self) -> int:
        return sum(self.dropped_by_cause.values())

    def _post(self, item: _Outgoing) -> str:
        body = item.body
        try:
            status, text = self._poster.post("/api/ingest", body, CONTENT_TYPE)
        except Exception as e:  # network errors of every kind: retried
            return self._unreachable(f"{type(e).__name__}: {e}" if str(e) else type(e).__name__)
        if 200 <= status < 300:
            if self._outage_since is not None:
                log.warning("reconnected to %s", self.url)
            self._outage_since = None
            return "done"
        if status >= 500 or status == 429:
            return self._unreachable(f"HTTP {status}")
        self.refused_batches += 1
        self.dropped_by_cause["refused"] += item.points
        reason = f"HTTP {status}: {error_message(text)}"
        if reason not in self._refusals and len(self._refusals) < MAX_DISTINCT_REFUSALS:
            self._refusals.add(reason)
            log.warning("the server refused a batch (%s). That batch is dropped; the same refusal is not reported again.",
                        reason)
        return "refused"

    def _unreachable(self, why: str) -> str:
        if self._outage_since is None:
            self._outage_since = time.monotonic()
            log.warning("cannot reach %s (%s); retrying in the background, keeping up to %d points in memory, then in the "
                        "spool %s.", self.url, why, self.max_points, self.spool_dir)
        self._outage_why = why
        return "retry"

    # ---- exit and fork -------------------------------------------------------------------------------------------

    def deliver_at_exit(self, timeout: float) -> None:
        """Sends what is buffered, waiting at most ``timeout`` seconds; what is left then goes to the spool for the next
        client of this URL and token."""
        if self._pid != os.getpid():
            return
        with self.lock:
            self.release_trailing()
            idle = not self._queue and not self._spooled() and self._nothing_pending()
        if idle or (self._thread is not None and self.flush(timeout, release=False)):
            with self.lock:
                if self._own is not None:
                    self._own.close()
                    self._own = None
            return
        with self.lock:
            self._stopped = True
            left = self.buffered_points_locked()
            own = self._own_spool()
            if own is not None:
                self._move_queue_to_spool(own)
                while not self._nothing_pending():
                    item = self._encode(self._take())
                    own.append(item.body, item.points)
                own.close(remove=False)
        if own is not None:
            log.warning("exiting before %s acknowledged %d points (%s); they are kept in the spool %s and sent by the next "
                        "plotline client of this URL.", self.url, left, self._cause(), own.path)
        else:
            log.warning("exiting before %s acknowledged %d points (%s); they are lost (the spool is off or not writable).",
                        self.url, left, self._cause())

    def close_spool(self) -> None:
        """Closes (and, with nothing waiting in it, deletes) this client's spool file; a later spill makes a new one."""
        with self.lock:
            if self._own is not None and self._own.empty and not self._queue:
                self._own.close()
                self._own = None

    def after_fork_in_child(self) -> None:
        """The parent's thread does not exist here and its buffered data is the parent's to send."""
        executions = list(self._active.values())
        own_files.clear()
        self._init_runtime()
        self.n = 0
        self.trip = 0
        for ex in executions:
            ex._ended = True
            for s in ex._series.values():
                s.live = ENDED
                del s.xs[:]
                del s.ys[:]
                s.trail = None


def after_fork_in_child() -> None:
    for sender in list(_senders):
        sender.after_fork_in_child()


def deliver_all_at_exit() -> None:
    for sender in list(_senders):
        try:
            sender.deliver_at_exit(sender.exit_timeout)
        except Exception:
            log.exception("delivering metrics at exit failed")


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=after_fork_in_child)
