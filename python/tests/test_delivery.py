"""Delivery: the memory bound and the spool, a killed and restarted server, exit with the server down (the next process
sends the spool), SIGKILL of the recording process, fork, refused batches. Real server processes throughout."""

from __future__ import annotations

import logging
import os
import signal
import socket
import tempfile
import time
from typing import Dict, Optional

import pytest

import plotline
from conftest import Server, eventually, run_python, spool_files, spool_waiting


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_memory_bound_spills_to_the_spool_and_loses_nothing_while_the_server_answers(
        server: Server, spool_dir: str, caplog: pytest.LogCaptureFixture) -> None:
    client = plotline.connect(server.url, spool=spool_dir, max_buffered_points=10_000)
    m = plotline.Metric("fast", throttle=None)
    n = 300_000
    with caplog.at_level(logging.WARNING, logger="plotline"):
        with client.execution("spill") as ex:
            for i in range(n):
                m.record(i * 0.5, at=i)
    assert client.dropped_points == 0
    # x must increase on the server, so n integers from 0 to n - 1 are each point exactly once, in order.
    assert server.info(ex.id, "fast") == {"key": "fast", "count": n, "minX": 0, "maxX": n - 1, "lastY": (n - 1) * 0.5}
    assert spool_files(spool_dir), "the bound was passed: batches went through the spool"
    assert spool_waiting(spool_dir) == 0, "everything in it is acknowledged"
    assert client.close(10)
    assert spool_files(spool_dir) == [], "closing a client with nothing waiting deletes its spool file"
    drops = [r.getMessage() for r in caplog.records if "dropping" in r.getMessage()]
    assert drops == []


def test_killed_and_restarted_server(spool_dir: str, caplog: pytest.LogCaptureFixture) -> None:
    db = os.path.join(tempfile.mkdtemp(prefix="plotline-pytest-db-"), "p.db")
    first = Server(db=db)
    port = first.port
    client = plotline.connect(first.url, spool=spool_dir, max_buffered_points=20_000)
    m = plotline.Metric("loss", throttle=None)
    ex = client.start_execution("outage")
    try:
        for i in range(1000):
            ex.run(m.record, i, at=i)
        assert ex.flush(10)
        first.stop(kill=True)
        with caplog.at_level(logging.WARNING, logger="plotline"):
            for i in range(1000, 100_000):  # memory holds 20,000, the spool the rest
                ex.run(m.record, i, at=i)
            assert not ex.flush(timeout=0.5), "nothing can be acknowledged while the server is down"
        assert client.dropped_points == 0
        assert any("cannot reach" in r.getMessage() for r in caplog.records)
        assert any("spool" in r.getMessage() and "unreachable" in r.getMessage() for r in caplog.records)
        second = Server(db=db, port=port)
        try:
            assert ex.end(timeout=60)
            info = second.info(ex.id, "loss")
            assert (info["count"], info["minX"], info["maxX"]) == (100_000, 0, 99_999), "each point once, in order"
            assert second.execution(ex.id)["execution"]["status"] == "succeeded"
        finally:
            second.stop()
    finally:
        first.stop()


def test_exit_with_the_server_down_leaves_a_spool_the_next_process_sends(spool_dir: str) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code = f"""
import plotline
c = plotline.connect({url!r}, spool={spool_dir!r}, exit_timeout=1)
m = plotline.Metric("loss", throttle=None)
ex = c.start_execution("offline").__enter__()  # the program exits inside the block: never ended
for i in range(5000):
    m.record(i, at=i)
print(ex.id, flush=True)
"""
    started = time.monotonic()
    out = run_python(code)
    assert out.returncode == 0, out.stderr
    assert time.monotonic() - started < 20, "the exit waits at most exit_timeout for an unreachable server"
    assert "kept in the spool" in out.stderr
    assert spool_waiting(spool_dir) > 0
    ex_id = out.stdout.split()[0]
    server = Server(port=int(url.rsplit(":", 1)[1]))
    try:
        later = run_python(f"import plotline\nc = plotline.connect({url!r}, spool={spool_dir!r})\nassert c.flush(30)\n")
        assert later.returncode == 0, later.stderr
        stored = eventually(lambda: server.series(ex_id, "loss").get("loss"), lambda s: s and s["total"] == 5000)
        assert stored["total"] == 5000
        assert server.execution(ex_id)["execution"]["status"] == "running", "never ended: the process exited in the block"
        assert spool_files(spool_dir) == [], "a delivered orphan is deleted, and so is an exiting client's empty file"
    finally:
        server.stop()


def killed_while_recording(url: str, points: int, env: Optional[Dict[str, str]] = None, spool: Optional[str] = None) -> str:
    """Runs a Python program that records ``points`` (memory bound 10,000) to an unreachable ``url`` and SIGKILLs itself
    inside the execution; returns the execution's id."""
    out = run_python(f"""
import os, signal, plotline
c = plotline.connect({url!r}, max_buffered_points=10_000{'' if spool is None else f', spool={spool!r}'})
m = plotline.Metric("loss", throttle=None)
ex = c.start_execution("killed")
print(ex.id, flush=True)
with ex:
    for i in range({points}):
        m.record(i, at=i)
    os.kill(os.getpid(), signal.SIGKILL)
""", env=env)
    assert out.returncode == -signal.SIGKILL, out.stderr
    return out.stdout.split()[0]


def test_spool_survives_sigkill_of_the_recording_process(spool_dir: str) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    ex_id = killed_while_recording(url, 100_000, spool=spool_dir)
    assert spool_waiting(spool_dir) > 0, "what passed the memory bound was on disk before the kill"
    server = Server(port=int(url.rsplit(":", 1)[1]))
    try:
        client = plotline.connect(url, spool=spool_dir)
        assert client.flush(30)
        info = server.info(ex_id, "loss")
        # Everything that reached the spool arrives, in order, from the start; what was still in memory is lost.
        assert info["count"] >= 100_000 - 20_000 and info["minX"] == 0 and info["maxX"] == info["count"] - 1
    finally:
        server.stop()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")
def test_fork_child_starts_its_own_sender(client: plotline.Client, server: Server) -> None:
    m = plotline.Metric("loss", throttle=None)
    parent = client.start_execution("parent")
    for i in range(1000):
        parent.run(m.record, i, at=i)  # buffered, maybe unsent, at fork time
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its own execution, its own thread; never the parent's buffer
        try:
            os.close(r)
            with client.execution("child") as child:
                for i in range(500):
                    m.record(-i, at=i)
                parent.run(m.record, 1, at=10**6)  # the parent's execution: dropped in the child, with a warning
            os.write(w, child.id.encode())
        finally:
            os._exit(0)
    os.close(w)
    child_id = os.read(r, 100).decode()
    os.waitpid(pid, 0)
    for i in range(1000, 2000):
        parent.run(m.record, i, at=i)
    parent.end()
    assert server.series(parent.id, "loss")["loss"]["x"] == list(range(2000))
    assert server.series(child_id, "loss")["loss"]["y"] == [-i for i in range(500)]
    assert server.execution(child_id)["execution"]["status"] == "succeeded"
    assert server.execution(parent.id)["execution"]["status"] == "succeeded"


def test_refused_batch_is_counted_and_reported_once(server: Server, spool_dir: str,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    token_server = Server(extra=["--token", "secret"])
    try:
        client = plotline.connect(token_server.url, token="wrong", spool=spool_dir)
        with caplog.at_level(logging.WARNING, logger="plotline"):
            for _ in range(3):
                with client.execution("refused"):
                    pass
        assert client.refused_batches >= 3
        assert client.dropped_by_cause["refused"] == 0, "those batches held no points"
        assert len([r for r in caplog.records if "refused a batch" in r.getMessage()]) == 1
        ok = plotline.connect(token_server.url, token="secret", spool=spool_dir)
        with ok.execution("accepted") as ex:
            pass
        assert token_server.execution(ex.id)["execution"]["status"] == "succeeded"
    finally:
        token_server.stop()


def test_binary_encoding_round_trips() -> None:
    from array import array

    from plotline._binary import decode_batch, encode_batch

    body = encode_batch("b1", [{"id": "e", "points": [("a", array("d", [1, 2, 3]), array("d", [0.5, float("nan"), 2])),
                                                      ("b", array("d", [0.25, 7]), array("d", [1, 2]))]}])
    header_length = int.from_bytes(body[4:8], "little")
    assert body[:4] == b"PLB1" and len(body) == (8 + header_length + 7) // 8 * 8 + 16 * 5
    decoded = decode_batch(body)
    a, b = decoded["executions"][0]["points"]
    assert a["x"] == [1, 2, 3] and a["y"][0] == 0.5 and a["y"][1] != a["y"][1]
    assert b == {"key": "b", "x": [0.25, 7], "y": [1, 2]}


def test_outage_without_a_spool_keeps_memory_bounded_and_counts_drops_by_cause(caplog: pytest.LogCaptureFixture) -> None:
    client = plotline.connect(f"http://127.0.0.1:{free_port()}", spool=False, max_buffered_points=1000, exit_timeout=0)
    m = plotline.Metric("loss", throttle=None)
    with caplog.at_level(logging.WARNING, logger="plotline"):
        ex = client.start_execution("outage-no-spool")
        assert not ex.flush(timeout=1), "the server is down"
        for i in range(20_000):
            ex.run(m.record, i, at=i)
    assert client.buffered_points <= 1250, "the bound, looked at every bound/4 records"
    assert client.dropped_by_cause["unreachable"] + client.buffered_points == 20_000, "each point waits or is counted"
    assert client.dropped_points == client.dropped_by_cause["unreachable"]
    drops = [r.getMessage() for r in caplog.records if "dropping the oldest" in r.getMessage()]
    assert len(drops) == 1 and "unreachable" in drops[0] and "the spool is off" in drops[0]
