"""The rules both SDKs enforce before anything is sent (the server checks them again).

Mirrors `src/protocol/validate.ts` (metric keys, groups, scales, starts), `src/protocol/summary-keys.ts` and
`src/protocol/summary.ts` (Cog summary metrics) with the semantics of DESIGN.md: numbers are one summary type
(JSON cannot tell 1 from 1.0) and `bool` is not a number.
"""

from __future__ import annotations

import copy
import json
import math
import re
from typing import Any, Dict, List, Mapping, Optional, Tuple

MAX_KEY_LENGTH = 200
MAX_NAME_LENGTH = 200
MAX_UNITS_LENGTH = 50
MAX_LABELS = 50
MAX_LABEL_LENGTH = 200
MAX_ERROR_LENGTH = 10_000
#: x beyond this loses integer precision as a double, so it is refused by name (DESIGN.md).
MAX_ABS_X = 2 ** 53

SUMMARY_KEY_MAX_LENGTH = 128
SUMMARY_KEY_MAX_SEGMENTS = 4
SUMMARY_MODES = ("replace", "incr", "append")
END_STATUSES = ("succeeded", "failed", "cancelled")
#: Cog's spelling, accepted and sent as `cancelled`.
END_STATUS_ALIASES = {"canceled": "cancelled"}

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SEGMENT = re.compile(r"^[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?$")


def metric_key_problem(key: object) -> Optional[str]:
    """The rule a metric key breaks, or None."""
    if not isinstance(key, str):
        return f"must be a string (got {type(key).__name__})"
    if len(key) == 0:
        return "must not be empty"
    if len(key) > MAX_KEY_LENGTH:
        return f"must be at most {MAX_KEY_LENGTH} characters (got {len(key)})"
    if _CONTROL.search(key):
        return "must not contain control characters"
    if key.strip() != key:
        return "must not start or end with whitespace"
    if key.startswith("@"):
        return 'must not start with "@" (reserved)'
    return None


def is_number(v: object) -> bool:
    """int, float, or a numeric scalar of another library (numpy's float32, int64…) — never bool, str or bytes."""
    if isinstance(v, bool) or isinstance(v, (str, bytes, bytearray)):
        return False
    if isinstance(v, (int, float)):
        return True
    # numpy scalars without importing numpy: numpy.bool_ has __float__ but is no number here.
    if type(v).__name__ in ("bool_", "bool"):
        return False
    return hasattr(v, "__float__") and not hasattr(v, "__len__")


def _text(v: object, where: str, max_length: int, empty: bool = False) -> str:
    if not isinstance(v, str):
        raise TypeError(f"{where}: must be a string (got {type(v).__name__})")
    if not empty and len(v) == 0:
        raise ValueError(f"{where}: must not be empty")
    if len(v) > max_length:
        raise ValueError(f"{where}: must be at most {max_length} characters (got {len(v)})")
    return v


def _finite(v: object, where: str) -> float:
    if not is_number(v):
        raise TypeError(f"{where}: must be a number (got {type(v).__name__})")
    f = float(v)  # type: ignore[arg-type]
    if not math.isfinite(f):
        raise ValueError(f"{where}: must be a finite number (got {f})")
    return int(v) if isinstance(v, int) else f


def _bounds(where: str, lower: object, upper: object) -> Dict[str, float]:
    out: Dict[str, float] = {}
    if lower is not None:
        out["lower"] = _finite(lower, f"{where}.lower")
    if upper is not None:
        out["upper"] = _finite(upper, f"{where}.upper")
    if "lower" in out and "upper" in out and not out["lower"] < out["upper"]:
        raise ValueError(f"{where}.upper: must be greater than lower ({out['lower']})")
    return out


def group_definition(name: object, units: object, lower: object, upper: object) -> Dict[str, Any]:
    """A validated group definition (`{name, units?, lower?, upper?}`); errors name the field and the rule."""
    d: Dict[str, Any] = {"name": _text(name, "MetricGroup.name", MAX_NAME_LENGTH)}
    if units is not None:
        d["units"] = _text(units, "MetricGroup.units", MAX_UNITS_LENGTH, empty=True)
    d.update(_bounds("MetricGroup", lower, upper))
    return d


def scale_definition(name: object, units: object, lower: object, upper: object, progress: object) -> Dict[str, Any]:
    """A validated scale definition (`{name?, units?, lower?, upper?, progress?}`)."""
    d: Dict[str, Any] = {}
    if name is not None:
        d["name"] = _text(name, "MetricScale.name", MAX_NAME_LENGTH)
    if units is not None:
        d["units"] = _text(units, "MetricScale.units", MAX_UNITS_LENGTH, empty=True)
    d.update(_bounds("MetricScale", lower, upper))
    if progress is not None:
        if not isinstance(progress, bool):
            raise TypeError(f"MetricScale.progress: must be a bool (got {type(progress).__name__})")
        d["progress"] = progress
    return d


def validate_start(name: object, labels: Optional[Mapping[str, str]]) -> Tuple[str, Dict[str, str]]:
    """An execution's name and labels, checked as the server will."""
    _text(name, "start_execution(name)", MAX_NAME_LENGTH)
    out: Dict[str, str] = {}
    if labels is not None:
        if not isinstance(labels, Mapping):
            raise TypeError("start_execution(labels): must be a dict of strings")
        if len(labels) > MAX_LABELS:
            raise ValueError(f"start_execution(labels): must have at most {MAX_LABELS} labels")
        for k, v in labels.items():
            _text(k, f"start_execution(labels) key {k!r}", MAX_LABEL_LENGTH)
            out[k] = _text(v, f"start_execution(labels)[{k!r}]", MAX_LABEL_LENGTH, empty=True)
    return name, out  # type: ignore[return-value]


def end_status(status: object) -> str:
    """The wire status for `end(status)`: one of END_STATUSES, with Cog's `canceled` accepted."""
    if isinstance(status, str):
        status = END_STATUS_ALIASES.get(status, status)
    if status not in END_STATUSES:
        raise ValueError(f"end(status): status must be one of {', '.join(END_STATUSES)} (or Cog's canceled); got {status!r}")
    return status


def canonical_json(v: object) -> str:
    """JSON with sorted keys and no spaces: equal definitions give equal text."""
    return json.dumps(v, sort_keys=True, separators=(",", ":"))


def _show(v: object) -> str:
    return "none" if v is None else canonical_json(v)


def definition_difference(before: Mapping[str, Any], after: Mapping[str, Any]) -> Optional[str]:
    """How two definitions of one key differ, field by field (`group.name: "a" → "b"`), or None when they are equal."""
    diffs: List[str] = []
    for part in ("group", "scale"):
        a, b = before.get(part), after.get(part)
        if (a is None) != (b is None):
            diffs.append(f"{part}: {_show(a)} → {_show(b)}")
            continue
        a, b = a or {}, b or {}
        for field in sorted(set(a) | set(b)):
            if canonical_json(a.get(field)) != canonical_json(b.get(field)):
                diffs.append(f"{part}.{field}: {_show(a.get(field))} → {_show(b.get(field))}")
    return ", ".join(diffs) if diffs else None


# ---- Summary metrics (Cog) ------------------------------------------------------------------------------------------


def summary_key_problem(key: object) -> Optional[str]:
    """The rule a summary key breaks, or None (≤128 chars, ≤4 dot-separated segments `[A-Za-z][A-Za-z0-9_]*` ending
    in a letter or digit)."""
    if not isinstance(key, str):
        return f"key must be a string (got {type(key).__name__})"
    if len(key) == 0:
        return "key must not be empty"
    if len(key) > SUMMARY_KEY_MAX_LENGTH:
        return f"key must be at most {SUMMARY_KEY_MAX_LENGTH} characters (got {len(key)})"
    segments = key.split(".")
    if len(segments) > SUMMARY_KEY_MAX_SEGMENTS:
        return f"key must have at most {SUMMARY_KEY_MAX_SEGMENTS} dot-separated segments (got {len(segments)})"
    for s in segments:
        if s == "":
            return "key must not have an empty segment (check for leading, trailing or double dots)"
        if not _SEGMENT.match(s):
            return (f'key segment "{s}" must start with a letter, contain only letters, digits and "_", '
                    "and end with a letter or digit")
    return None


def summary_type(v: object) -> str:
    """Cog's type of a summary value; int and float are one type, `number`."""
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, str):
        return "string"
    if isinstance(v, (list, tuple)):
        return "array"
    if isinstance(v, dict):
        return "object"
    return "number"


class SummaryError(ValueError):
    """A summary operation that breaks a Cog rule; the message names the key and the rule."""

    def __init__(self, key: object, rule: str) -> None:
        super().__init__(f"summary key {key!r}: {rule}")
        self.key = key
        self.rule = rule


class SummaryTypeError(SummaryError, TypeError):
    """A value of the wrong type (a TypeError as well as a SummaryError)."""


def to_summary_value(key: str, v: object, depth: int = 0) -> Any:
    """A JSON-ready copy of a summary value (numpy scalars become floats/ints, tuples lists); raises naming the rule."""
    if depth > 32:
        raise SummaryError(key, "value must not nest deeper than 32 levels")
    if isinstance(v, (bool, str)):
        return v
    if isinstance(v, (list, tuple)):
        return [_item(key, x, depth) for x in v]
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if not isinstance(k, str):
                raise SummaryTypeError(key, f"object keys must be strings (got {type(k).__name__})")
            out[k] = _item(key, x, depth)
        return out
    if is_number(v):
        # numpy integers have __index__ and stay whole; other scalars become floats.
        n = v if isinstance(v, int) else int(v) if hasattr(v, "__index__") else float(v)  # type: ignore[arg-type]
        if isinstance(n, float) and not math.isfinite(n):
            raise SummaryError(key, f"value numbers must be finite (got {n})")
        return n
    raise SummaryTypeError(key, f"value must be a bool, number, string, list or dict (got {type(v).__name__})")


def _item(key: str, v: object, depth: int) -> Any:
    if v is None:
        raise SummaryTypeError(key, "value must not contain None inside lists or dicts")
    return to_summary_value(key, v, depth + 1)


def _lookup(summary: Dict[str, Any], key: str) -> Any:
    node: Any = summary
    for s in key.split("."):
        if not isinstance(node, dict) or s not in node:
            return None
        node = node[s]
    return node


def get_summary_value(summary: Dict[str, Any], key: str) -> Any:
    """The value at a dotted key, or None."""
    return _lookup(summary, key)


def apply_summary_op(summary: Dict[str, Any], key: object, value: object, mode: object) -> Any:
    """Applies one `record_metric(key, value, mode)` to `summary` in place with Cog's rules, returning the JSON-ready
    value to send. Atomic: raises (ValueError/TypeError naming the key and rule) before changing anything.

    Dotted keys nest; None deletes; a key's type cannot change until deleted (int and float are one type, bool is not a
    number); `incr` starts a missing key from 0 and refuses non-numbers; `append` creates a list or wraps a non-list.
    """
    problem = summary_key_problem(key)
    if problem:
        raise (SummaryTypeError if not isinstance(key, str) else SummaryError)(key, problem)
    assert isinstance(key, str)
    if mode not in SUMMARY_MODES:
        raise SummaryError(key, f"mode must be one of {', '.join(SUMMARY_MODES)} (got {mode!r})")
    sent = None if value is None else to_summary_value(key, value)
    *parents, leaf = key.split(".")
    node: Dict[str, Any] = summary
    missing: List[str] = []
    for i, s in enumerate(parents):
        nxt = node.get(s)
        if nxt is None:
            missing = parents[i:]
            break
        if not isinstance(nxt, dict):
            if sent is None:
                return None  # nothing to delete behind a non-object
            path = ".".join(parents[: i + 1])
            raise SummaryError(key, f'"{path}" is a {summary_type(nxt)}, not an object, so it cannot hold nested keys (delete it first)')
        node = nxt
    if sent is None:
        if not missing:
            node.pop(leaf, None)
        return None
    old = None if missing else node.get(leaf)
    if mode == "replace":
        if old is not None and summary_type(old) != summary_type(sent):
            raise SummaryTypeError(key, f"type is {summary_type(old)} and cannot change to {summary_type(sent)} until the key is deleted")
        new: Any = copy.deepcopy(sent)
    elif mode == "incr":
        if summary_type(sent) != "number":
            raise SummaryTypeError(key, f"incr needs a number (got {summary_type(sent)})")
        if old is None:
            new = sent
        elif summary_type(old) != "number":
            raise SummaryTypeError(key, f"incr needs a numeric value, but the key holds a {summary_type(old)}")
        else:
            new = old + sent
            if isinstance(new, float) and not math.isfinite(new):
                raise SummaryError(key, f"incr would overflow to {new}; values must stay finite")
    else:  # append
        if old is None:
            new = [copy.deepcopy(sent)]
        elif not isinstance(old, list):
            new = [old, copy.deepcopy(sent)]
        else:
            old.append(copy.deepcopy(sent))
            new = old
    for s in missing:
        node[s] = {}
        node = node[s]
    node[leaf] = new
    return sent
