"""Executions and the current context: connect(), with/decorator/start_execution, end statuses, flush, contextvars
across threads, asyncio tasks and executors, module-level metrics, Coflux names and progress()."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import logging
import math
import threading
import time
from typing import Any, List

import pytest

import plotline
from conftest import Server, eventually, run_python

# Module level, as Coflux's docs write them.
LOSS = plotline.Metric("loss", group=plotline.MetricGroup("training", units="epoch"), scale=plotline.MetricScale("loss"),
                       throttle=None)


def test_connect_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLOTLINE_URL", raising=False)
    assert plotline.connect(spool=False).url == "http://127.0.0.1:7777"
    monkeypatch.setenv("PLOTLINE_URL", "http://example.test:9/")
    assert plotline.connect(spool=False).url == "http://example.test:9"
    with pytest.raises(ValueError, match="absolute http"):
        plotline.connect("ftp://x", spool=False)


def test_with_block_ends_succeeded_and_records_module_level_metrics(client: plotline.Client, server: Server) -> None:
    with client.execution("train", labels={"model": "resnet"}) as ex:
        assert plotline.current_execution() is ex
        for epoch in range(1, 6):
            LOSS.record(1 / epoch, at=epoch)
    assert plotline.current_execution() is None
    d = server.execution(ex.id)
    assert d["execution"]["status"] == "succeeded"
    assert d["execution"]["labels"] == {"model": "resnet"}
    assert d["definitions"] == [{"key": "loss", "group": {"name": "training", "units": "epoch"}, "scale": {"name": "loss"}}]
    assert server.series(ex.id, "loss")["loss"]["x"] == [1, 2, 3, 4, 5]


def test_with_block_ends_failed_with_the_exception_text_which_propagates(client: plotline.Client, server: Server) -> None:
    with pytest.raises(ZeroDivisionError):
        with client.execution("crash") as ex:
            LOSS.record(1.0, at=1)
            1 / 0
    d = server.execution(ex.id)["execution"]
    assert d["status"] == "failed"
    assert d["error"] == "division by zero"


def test_exit_statuses_of_a_block(client: plotline.Client, server: Server) -> None:
    ids = {}
    for name, exc in (("exit0", SystemExit(0)), ("exit3", SystemExit(3)), ("interrupted", KeyboardInterrupt()),
                      ("cancelled-task", asyncio.CancelledError())):
        with pytest.raises(BaseException):
            with client.execution(name) as ex:
                ids[name] = ex.id
                raise exc
    status = {name: server.execution(i)["execution"]["status"] for name, i in ids.items()}
    assert status == {"exit0": "succeeded", "exit3": "failed", "interrupted": "cancelled", "cancelled-task": "cancelled"}


def test_decorator_form_sync_and_async(client: plotline.Client, server: Server) -> None:
    seen: List[Any] = []

    @client.execution("decorated")
    def train(n: int) -> int:
        seen.append(plotline.current_execution())
        LOSS.record(0.5, at=n)
        return n * 2

    @client.execution("decorated-async")
    async def train_async() -> str:
        seen.append(plotline.current_execution())
        await asyncio.sleep(0)
        LOSS.record(0.25, at=3)
        return "ok"

    assert train(7) == 14
    assert train(8) == 16
    assert asyncio.run(train_async()) == "ok"
    assert len({e.id for e in seen}) == 3, "a new execution per call"
    for ex in seen:
        assert server.execution(ex.id)["execution"]["status"] == "succeeded"
    assert server.series(seen[1].id, "loss")["loss"]["x"] == [8]


def test_start_execution_end_statuses_and_flush(client: plotline.Client, server: Server) -> None:
    ex = client.start_execution("manual")
    with pytest.raises(RuntimeError, match="outside an execution"):
        LOSS.record(1.0, at=1)
    ex.run(LOSS.record, 1.0, at=1)
    assert ex.flush() is True
    assert server.series(ex.id, "loss")["loss"]["x"] == [1]
    assert server.execution(ex.id)["execution"]["status"] == "running"
    ex.end("canceled")  # Cog's spelling
    execution = server.execution(ex.id)["execution"]
    assert execution["status"] == "cancelled"
    # Whole milliseconds since the epoch, as every other client sends them.
    assert isinstance(execution["startedAt"], int) and isinstance(execution["endedAt"], int)
    with pytest.raises(ValueError, match="succeeded, failed, cancelled"):
        ex.end("done")


def test_rewind_removes_points_from_x_on(client: plotline.Client, server: Server) -> None:
    if server_lacks_rewind(server):
        pytest.skip("this server does not accept {\"rewind\": …} yet (the developer sdk adds it, issue 11 item 3)")
    other = plotline.Metric("other", throttle=None)
    with client.execution("resumed") as ex:
        for s in range(1, 11):
            LOSS.record(s, at=s)
            other.record(-s, at=s)
        ex.rewind(7)
        for s in range(7, 16):
            LOSS.record(100 + s, at=s)
    stored = server.series(ex.id, "loss", "other")
    assert stored["loss"]["x"] == list(range(1, 16))
    assert stored["loss"]["y"][5:8] == [6, 107, 108]
    assert stored["other"]["x"] == list(range(1, 7))


def server_lacks_rewind(server: Server) -> bool:
    import json
    import urllib.error
    import urllib.request

    body = json.dumps({"executions": [{"id": "rewind-probe", "start": {"name": "probe"}, "rewind": {"x": 1}}]}).encode()
    req = urllib.request.Request(server.url + "/api/ingest", body, {"content-type": "application/json"})
    try:
        urllib.request.urlopen(req, timeout=10).read()
        return False
    except urllib.error.HTTPError as e:
        return e.code == 400


def test_context_follows_threads_tasks_and_executors(client: plotline.Client, server: Server) -> None:
    per_thread = plotline.Metric("thread", throttle=None)
    per_task = [plotline.Metric(f"task{i}", throttle=None) for i in range(3)]
    per_future = plotline.Metric("future", throttle=None)
    outside: List[Any] = []
    with client.execution("contexts") as ex:
        ctx = contextvars.copy_context()
        t = threading.Thread(target=ctx.run, args=(per_thread.record, 1.0), kwargs={"at": 1})
        t.start()
        t.join()
        # A plain thread does not inherit the context (as in Cog): it sees no execution.
        plain = threading.Thread(target=lambda: outside.append(plotline.current_execution()))
        plain.start()
        plain.join()

        async def main() -> None:
            async def work(i: int) -> None:
                await asyncio.sleep(0.001 * (3 - i))
                per_task[i].record(float(i), at=i)
            await asyncio.gather(*(asyncio.create_task(work(i)) for i in range(3)))
            await asyncio.to_thread(per_future.record, 5.0, at=5)
        asyncio.run(main())
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            pool.submit(contextvars.copy_context().run, per_future.record, 6.0, at=6).result()
    assert outside == [None]
    stored = server.series(ex.id, "thread", "task0", "task1", "task2", "future")
    assert stored["thread"]["x"] == [1]
    assert [stored[f"task{i}"]["x"] for i in range(3)] == [[0], [1], [2]]
    assert stored["future"]["x"] == [5, 6]


def test_two_executions_at_once_each_get_their_points(client: plotline.Client, server: Server) -> None:
    m = plotline.Metric("shared", throttle=None)
    a = client.start_execution("a")
    b = client.start_execution("b")
    for i in range(100):
        a.run(m.record, i, at=i)
        b.run(m.record, -i, at=i)
    a.end()
    b.end()
    assert server.series(a.id, "shared")["shared"]["y"] == list(range(100))
    assert server.series(b.id, "shared")["shared"]["y"] == [-i for i in range(100)]


def test_default_x_is_seconds_since_start(client: plotline.Client, server: Server) -> None:
    wall = plotline.Metric("wall", throttle=None)
    with client.execution("wall") as ex:
        wall.record(1)
        time.sleep(0.12)
        wall.record(2)
        wall.record(3)  # same clock reading or not: x still increases
    x = server.series(ex.id, "wall")["wall"]["x"]
    assert 0 <= x[0] < 1 and x[1] - x[0] >= 0.1 and x[2] > x[1]


def test_values_numpy_like_scalars_and_refusals(client: plotline.Client, server: Server) -> None:
    class Float32:  # what numpy.float32 looks like to the SDK: __float__, no len()
        def __init__(self, v: float) -> None:
            self.v = v

        def __float__(self) -> float:
            return self.v

    m = plotline.Metric("values", throttle=None)
    with client.execution("values") as ex:
        m.record(Float32(0.5), at=1)  # type: ignore[arg-type]
        m.record(2**60, at=2)
        with pytest.raises(TypeError, match="bool is not a number"):
            m.record(True, at=3)
        with pytest.raises(TypeError, match="must be a number"):
            m.record("1", at=3)  # type: ignore[arg-type]
        m.record(1, at=math.nan)  # refused and counted, never raised inside a training loop
        m.record(math.inf, at=3)
    assert ex.discarded() == {"values": {"xInvalid": 1}}
    y = server.series(ex.id, "values")["values"]["y"]
    assert [y[0], float(y[1]), y[2]] == [0.5, float(2**60), "Infinity"]


def test_an_int_beyond_a_double_is_refused_by_name_and_never_shifts_later_values(client: plotline.Client,
                                                                                  server: Server) -> None:
    # A caught OverflowError used to leave x appended without its y: every later value was stored one x early.
    fast = plotline.Metric("fast", throttle=None)
    slow = plotline.Metric("slow")  # throttled: the value waits as a trailing edge
    with client.execution("int beyond a double") as ex:
        for i in range(6):
            for m in (fast, slow):
                if i == 3:
                    with pytest.raises(ValueError, match=r'"(fast|slow)".*must fit a double'):
                        m.record(10**400, at=i)
                    with pytest.raises(ValueError, match="must fit a double"):
                        m.record(-(10**400), at=i)
                else:
                    m.record(i, at=i)
    got = server.series(ex.id, "fast")["fast"]
    assert got["x"] == [0, 1, 2, 4, 5] and got["y"] == [0, 1, 2, 4, 5]
    got = server.series(ex.id, "slow")["slow"]
    assert got["x"] == got["y"] and got["x"][-1] == 5


def test_an_x_beyond_2_53_refused_once_is_refused_again_not_sent(client: plotline.Client, server: Server) -> None:
    # The second far-negative x took the fast path (the series had no x yet) and went out: the server refused the
    # whole batch, so the run lost every metric and its start.
    neg = plotline.Metric("neg", throttle=None)
    ok = plotline.Metric("ok", throttle=None)
    with client.execution("x below -2**53 twice") as ex:
        neg.record(1, at=-2**60)
        neg.record(2, at=-2**60 + 2**10)
        for i in range(3):
            ok.record(i, at=i)
            neg.record(i, at=i)
    assert ex.discarded() == {"neg": {"xInvalid": 2}}
    assert client.dropped_by_cause["refused"] == 0
    assert server.series(ex.id, "ok")["ok"]["x"] == [0, 1, 2]
    assert server.series(ex.id, "neg")["neg"]["x"] == [0, 1, 2]


def test_numpy_scalars_when_numpy_is_installed(client: plotline.Client, server: Server) -> None:
    np = pytest.importorskip("numpy", reason="numpy is not installed (optional: the SDK never imports it)")
    m = plotline.Metric("np", throttle=None)
    with client.execution("numpy") as ex:
        m.record(np.float32(0.5), at=np.int64(1))
        m.record(np.float64("nan"), at=np.int32(2))
        plotline.record_metric("count", np.int64(3))
    assert server.series(ex.id, "np")["np"]["y"] == [0.5, "NaN"]
    assert server.execution(ex.id)["execution"]["summary"]["count"] == 3


def test_x_not_increasing_warns_once_and_end_reports(client: plotline.Client, server: Server,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    m = plotline.Metric("mono", throttle=None)
    with caplog.at_level(logging.WARNING, logger="plotline"):
        with client.execution("mono") as ex:
            for at in (1, 2, 2, 1, 3, 0):
                m.record(at, at=at)
    warnings = [r.getMessage() for r in caplog.records if "mono" in r.getMessage()]
    assert len([w for w in warnings if "so the value is refused" in w]) == 1
    assert any("rewind" in w for w in warnings), "the remedy for a resumed run is named"
    assert any("3 value(s)" in w and "refused" in w for w in warnings)
    assert ex.refused_points == 3 and ex.discarded() == {"mono": {"xNotIncreasing": 3}}
    stored = server.execution(ex.id)["execution"]
    assert stored.get("discarded") == {"mono": {"xNotIncreasing": 3}}, "sent with the end, for the execution page"
    assert server.series(ex.id, "mono")["mono"]["x"] == [1, 2, 3]


def test_throttle_notice_once_with_count_and_remedy(client: plotline.Client, server: Server,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    m = plotline.Metric("thr")
    with caplog.at_level(logging.INFO, logger="plotline"):
        with client.execution("throttle") as ex:
            for step in range(20_000):
                m.record(step, at=step)
    notices = [r.getMessage() for r in caplog.records if "throttle=None" in r.getMessage() and "thr" in r.getMessage()]
    assert len([n for n in notices if "so far" in n]) == 1
    assert ex.throttled_points > 0
    assert any(f"discarded {ex.throttled_points} value(s)" in n for n in notices)
    x = server.series(ex.id, "thr")["thr"]["x"]
    assert x[0] == 0 and x[-1] == 19_999, "leading and trailing edges are kept"


def test_throttle_trailing_value_arrives_without_flush(client: plotline.Client, server: Server) -> None:
    m = plotline.Metric("trail", throttle=5)
    with client.execution("trailing") as ex:
        m.record(1, at=1)
        m.record(2, at=2)
        m.record(3, at=3)  # replaces 2; sent when the 200 ms window closes
        stored = eventually(lambda: server.series(ex.id, "trail").get("trail", {}).get("x"), lambda x: x == [1, 3])
        assert stored == [1, 3]


def test_metric_options_are_checked() -> None:
    with pytest.raises(ValueError, match="throttle must be a positive number"):
        plotline.Metric("a", throttle=0)
    with pytest.raises(ValueError, match="reserved"):
        plotline.Metric("@a")
    with pytest.raises(ValueError, match="upper: must be greater than lower"):
        plotline.MetricScale(lower=1, upper=1)
    with pytest.raises(TypeError, match="group must be a MetricGroup"):
        plotline.Metric("a", group=3)  # type: ignore[arg-type]
    assert plotline.Metric("a", group="g", scale="s").definition == {"key": "a", "group": {"name": "g"}, "scale": {"name": "s"}}


def test_progress_over_iterables_with_break_and_async(client: plotline.Client, server: Server) -> None:
    with client.execution("progress") as ex:
        for _ in plotline.progress([1, 2, 3, 4, 5], key="items"):
            pass
        for i in plotline.progress(iter(range(100)), key="stream", group="processing"):
            if i == 41:
                break

        async def main() -> None:
            async def agen():  # type: ignore[no-untyped-def]
                for i in range(10):
                    yield i
            async for i in plotline.progress(agen(), key="async"):
                if i == 3:
                    break
        asyncio.run(main())
    d = server.execution(ex.id)
    defs = {x["key"]: x for x in d["definitions"]}
    assert defs["items"]["scale"] == {"progress": True, "upper": 5}
    assert defs["stream"] == {"key": "stream", "group": {"name": "processing"}, "scale": {"progress": True}}
    stored = server.series(ex.id, "items", "stream", "async")
    assert stored["items"]["y"][0] == 0 and stored["items"]["y"][-1] == 5
    assert stored["stream"]["y"][-1] == 42, "the item in hand at break counts"
    assert stored["async"]["y"][-1] == 4


def test_exit_without_end_delivers_what_is_buffered(server: Server, spool_dir: str) -> None:
    code = f"""
import plotline
c = plotline.connect({server.url!r}, spool={spool_dir!r})
m = plotline.Metric("loss", throttle=None)
ex = c.start_execution("exits")
for i in range(50_000):
    ex.run(m.record, i, at=i) if i == 0 else None
with ex:
    for i in range(1, 50_000):
        m.record(i, at=i)
    print(ex.id, flush=True)
    raise SystemExit(0)
"""
    out = run_python(code)
    assert out.returncode == 0, out.stderr
    ex_id = out.stdout.split()[0]
    assert server.series(ex_id, "loss")["loss"]["x"][-1] == 49_999


def test_many_threads_recording_one_new_metric_with_default_x(client: plotline.Client, server: Server) -> None:
    with client.execution("threads") as ex:
        def work(i: int) -> None:
            m = plotline.Metric("shared_default_x", throttle=None)  # one Metric object per thread, same definition
            for _ in range(2000):
                m.record(i)
        threads = [threading.Thread(target=contextvars.copy_context().run, args=(work, i)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    info = server.info(ex.id, "shared_default_x")
    assert info["count"] == 16_000, "one definition, x increasing across threads: nothing refused"
    assert client.refused_batches == 0
