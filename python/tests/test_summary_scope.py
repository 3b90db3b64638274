"""Cog's names: record_metric and current_scope().metrics, inside and outside an execution."""

from __future__ import annotations

import json
import math
import urllib.request

import pytest

import plotline
from conftest import Server


def test_scope_metrics_mapping(client: plotline.Client, server: Server) -> None:
    with client.execution("scope") as ex:
        m = plotline.current_scope().metrics
        m["token_count"] = 42
        assert "token_count" in m and m["token_count"] == 42
        m.record("steps", "done", mode="append")
        m.record("timing.inference", 0.85)
        assert m.get("timing.inference") == 0.85 and m.get("missing", 7) == 7
        assert "timing.inference" in m and "timing.other" not in m
        steps = m["steps"]
        steps.append("edited")  # a copy: the summary does not change behind the server's back
        assert m["steps"] == ["done"]
        del m["token_count"]
        assert "token_count" not in m
        with pytest.raises(KeyError):
            del m["token_count"]
        with pytest.raises(KeyError):
            m["token_count"]
        m["token_count"] = "now a string"  # deleted, so the type may change
        plotline.current_scope().record_metric("helper_calls", 1, mode="incr")
        success = m.get("helper_calls", 0)
        plotline.record_metric("success_rate", success / 4)
    summary = server.execution(ex.id)["execution"]["summary"]
    assert summary["token_count"] == "now a string"
    assert summary["steps"] == ["done"]
    assert summary["timing"] == {"inference": 0.85}
    assert summary["success_rate"] == 0.25
    assert isinstance(summary["predict_time"], (int, float))


def test_noop_scope_outside_an_execution() -> None:
    assert plotline.current_execution() is None
    scope = plotline.current_scope()
    assert scope is not None
    m = scope.metrics
    m["a"] = 1
    m.record("a", 2, mode="incr")
    del m["a"]
    plotline.record_metric("b", 1)
    scope.record_metric("c", 1)
    assert "a" not in m and m.get("a", "d") == "d" and m["a"] is None and len(m) == 0


def test_errors_name_the_key_and_the_rule_and_nothing_is_sent(client: plotline.Client, server: Server) -> None:
    with client.execution("bad keys") as ex:
        plotline.record_metric("count", 1)
        with pytest.raises(ValueError, match=r"'val/AR@100'.*must start with a letter, contain only"):
            plotline.record_metric("val/AR@100", 1)
        with pytest.raises(TypeError, match=r"'count'.*number and cannot change to string"):
            plotline.record_metric("count", "x")
        with pytest.raises(TypeError, match=r"'obj'.*None inside"):
            plotline.record_metric("obj", {"a": None})
        with pytest.raises(ValueError, match=r"'x'.*finite"):
            plotline.record_metric("x", float("nan"))
        with pytest.raises(TypeError, match=r"'y'.*got set"):
            plotline.record_metric("y", {1, 2})
        with pytest.raises(TypeError, match="key must be a string"):
            plotline.record_metric(5, 1)  # type: ignore[arg-type]
    summary = server.execution(ex.id)["execution"]["summary"]
    summary.pop("predict_time")
    assert summary == {"count": 1}
    assert server.execution(ex.id)["execution"]["status"] == "succeeded"


def test_values_are_snapshots(client: plotline.Client, server: Server) -> None:
    config = {"temp": 0.7, "layers": [1, 2]}
    with client.execution("snapshot") as ex:
        plotline.record_metric("config", config)
        config["temp"] = 99  # edited after recording: not what was recorded
        plotline.record_metric("pair", (1, "a"))
    summary = server.execution(ex.id)["execution"]["summary"]
    assert summary["config"] == {"temp": 0.7, "layers": [1, 2]}
    assert summary["pair"] == [1, "a"]


def test_summary_negative_zero_arrives_as_negative_zero(client: plotline.Client, server: Server) -> None:
    """−0.0 is sent as -0.0 (json.dumps) and the server stores and answers it as -0, nested too."""
    with client.execution("negative zero") as ex:
        plotline.record_metric("neg", -0.0)
        plotline.record_metric("obj", {"a": -0.0, "b": [-0.0, 1]})
    with urllib.request.urlopen(f"{server.url}/api/executions/{ex.id}", timeout=10) as res:
        text = res.read().decode("utf-8")
    assert '"neg":-0' in text and '"obj":{"a":-0,"b":[-0,1]}' in text
    summary = json.loads(text, parse_int=float)["execution"]["summary"]
    assert math.copysign(1, summary["neg"]) == -1 and math.copysign(1, summary["obj"]["b"][0]) == -1
