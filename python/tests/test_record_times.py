"""Record times of points recorded with ``at`` (issue #17): the Python SDK sends ``t`` per item, the server keeps them as
time marks, so wall time stays available for step-indexed series; series recorded without ``at`` carry none."""

from __future__ import annotations

import time

import plotline
from conftest import Server
from plotline import _binary


def test_points_recorded_with_at_keep_their_record_times(server: Server, client: plotline.Client) -> None:
    loss = plotline.Metric("loss", group=plotline.MetricGroup("train", units="step"), throttle=None)
    plain = plotline.Metric("plain", throttle=None)
    before = time.time() * 1000
    stamps = []
    with client.execution("py-timed") as ex:
        for step in range(1, 4):
            stamps.append(time.time() * 1000)
            loss.record(1 / step, at=step)
            plain.record(step)
            assert ex.flush(10)
            time.sleep(0.15)
    after = time.time() * 1000
    stored = server.series(ex.id, "loss", "plain")
    marks = stored["loss"]["times"]
    assert stored["loss"]["x"] == [1, 2, 3]
    # Each step was flushed on its own: its last mark lies between its record() and its flush.
    assert marks["x"][-1] == 3
    assert before <= marks["t"][0] <= marks["t"][-1] <= after
    assert marks["t"][-1] >= stamps[2]
    assert marks["t"][-1] - marks["t"][0] >= 300
    assert all(a <= b for a, b in zip(marks["t"], marks["t"][1:]))
    assert "times" not in stored["plain"]


def test_binary_encoding_carries_t_in_the_header() -> None:
    from array import array

    body = _binary.encode_batch("b", [{"id": "e", "points": [("k", array("d", [1, 2]), array("d", [3, 4]), [1.7e12, 1.7e12 + 5]),
                                                            ("u", array("d", [1]), array("d", [2]))]}])
    decoded = _binary.decode_batch(body)
    points = decoded["executions"][0]["points"]
    assert points[0] == {"key": "k", "t": [1.7e12, 1.7e12 + 5], "x": [1.0, 2.0], "y": [3.0, 4.0]}
    assert "t" not in points[1]
