"""The shared semantic cases of test/vectors/sdk-semantics.json (the Node SDK's test/sdk-vectors.test.ts reads the same
file), recorded through the Python SDK into the real server and read back."""

from __future__ import annotations

import math
from typing import Any, Dict, List

import pytest

import plotline
from conftest import VECTORS, Server

import json

with open(VECTORS, encoding="utf-8") as _f:
    _V = json.load(_f)


def number(v: Any) -> Any:
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}.get(v, v) if isinstance(v, str) else v


def same(stored: List[Any], expected: List[Any]) -> bool:
    return len(stored) == len(expected) and all(
        (isinstance(a, str) and a == b) or (not isinstance(a, str) and not isinstance(b, str) and a == b)
        for a, b in zip(stored, expected))


def group_of(d: Dict[str, Any]) -> Any:
    g = d.get("group")
    return None if g is None else plotline.MetricGroup(g["name"], **{k: v for k, v in g.items() if k != "name"})


def scale_of(d: Dict[str, Any]) -> Any:
    s = d.get("scale")
    return None if s is None else plotline.MetricScale(s.get("name"), **{k: v for k, v in s.items() if k != "name"})


def skip_if_pending(case: Dict[str, Any]) -> None:
    for who in ("python", "server"):
        if who in case.get("pending", {}):
            pytest.skip(case["pending"][who])


@pytest.mark.parametrize("case", _V["series"], ids=[c["name"] for c in _V["series"]])
def test_series(case: Dict[str, Any], client: plotline.Client, server: Server) -> None:
    skip_if_pending(case)
    m = case["metric"]
    metric = plotline.Metric(m["key"], throttle=m.get("throttle", 10))
    with client.execution(case["name"]) as ex:
        for value, at in case["record"]:
            metric.record(number(value), at=number(at))
    stored = server.series(ex.id, m["key"])[m["key"]]
    assert stored["x"] == case["expect"]["x"]
    assert same(stored["y"], case["expect"]["y"]), stored["y"]
    assert ex.refused_points == case["expect"]["refused"]
    if "throttled" in case["expect"]:
        assert ex.throttled_points == case["expect"]["throttled"]


@pytest.mark.parametrize("case", _V["definitions"], ids=[c["name"] for c in _V["definitions"]])
def test_definitions(case: Dict[str, Any], client: plotline.Client, server: Server) -> None:
    skip_if_pending(case)
    first = plotline.Metric(case["first"]["key"], group=group_of(case["first"]), scale=scale_of(case["first"]))
    second = plotline.Metric(case["second"]["key"], group=group_of(case["second"]), scale=scale_of(case["second"]))
    with client.execution(case["name"]) as ex:
        first.record(1, at=1)
        if case["error"] is None:
            second.record(2, at=2)
        else:
            with pytest.raises(ValueError) as err:
                second.record(2, at=2)
            for part in case["error"]:
                assert part in str(err.value)
    stored = server.execution(ex.id)
    assert [d for d in stored["definitions"] if d["key"] == case["first"]["key"]] == [case["first"]]
    assert stored["execution"]["status"] == "succeeded"


@pytest.mark.parametrize("case", _V["summary"], ids=[c["name"] for c in _V["summary"]])
def test_summary(case: Dict[str, Any], client: plotline.Client, server: Server) -> None:
    skip_if_pending(case)
    error = case.get("error")
    with client.execution(case["name"]) as ex:
        for i, (key, value, mode) in enumerate(case["ops"]):
            if error and error["at"] == i:
                with pytest.raises((ValueError, TypeError)) as err:
                    plotline.record_metric(key, value, mode)
                assert isinstance(err.value, {"TypeError": TypeError, "ValueError": ValueError}[error["python"]])
                for part in error["contains"]:
                    assert part in str(err.value)
                break
            plotline.record_metric(key, value, mode)
    summary = server.execution(ex.id)["execution"]["summary"]
    summary.pop("predict_time", None)
    assert summary == case["expect"]
    assert ex.summary == case["expect"]


@pytest.mark.parametrize("case", _V["end_status"], ids=[c["given"] for c in _V["end_status"]])
def test_end_status(case: Dict[str, Any], client: plotline.Client, server: Server) -> None:
    skip_if_pending(case)
    ex = client.start_execution(f"end {case['given']}")
    ex.end(case["given"])
    assert server.execution(ex.id)["execution"]["status"] == case["stored"]


@pytest.mark.parametrize("case", _V["at_type"], ids=[c["name"] for c in _V["at_type"]])
def test_at_type(case: Dict[str, Any], client: plotline.Client, server: Server) -> None:
    """A non-number ``at`` (bool included: an int subclass in Python, no number here, as in the TS SDK) raises TypeError
    and records nothing; a bad x *value* (NaN, decreasing) is counted instead (see the series vectors)."""
    skip_if_pending(case)
    metric = plotline.Metric("loss", throttle=None)
    with client.execution(case["name"]) as ex:
        with pytest.raises(TypeError) as err:
            metric.record(0.5, at=case["at"])
        for part in case["error"]:
            assert part in str(err.value)
        metric.record(0.25, at=1)
    assert server.series(ex.id, "loss")["loss"]["x"] == case["then"]["x"]
    assert ex.refused_points == case["then"]["refused"]
