"""Fixtures: a real Plotline server (the built CLI, `node dist/src/cli/main.js serve --port 0`) per test session, and
helpers to read what it stored."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

REPO = Path(__file__).resolve().parents[2]
PYTHON_DIR = REPO / "python"
#: The built server (and Node SDK); PLOTLINE_NODE_DIST points at another build, e.g. of a branch being merged.
DIST = Path(os.environ.get("PLOTLINE_NODE_DIST", REPO / "dist"))
CLI = DIST / "src" / "cli" / "main.js"
VECTORS = REPO / "test" / "vectors" / "sdk-semantics.json"

sys.path.insert(0, str(PYTHON_DIR))


class Server:
    """A `plotline serve` child process; `url` once it printed it, `statsd_port` when it listens for DogStatsD."""

    def __init__(self, db: str = ":memory:", port: int = 0, extra: Optional[List[str]] = None) -> None:
        if not CLI.exists():
            pytest.fail(f"{CLI} is missing: run `npm run build:node` first")
        self.db = db
        args = ["node", str(CLI), "serve", "--port", str(port), "--db", db]
        if server_supports("--statsd-port"):
            args += ["--statsd-port", "0"]
        self.extra = extra
        self.proc = subprocess.Popen(args + (extra or []), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.output = ""
        self.url = ""
        self.statsd_port: Optional[int] = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()  # type: ignore[union-attr]
            if not line:
                break
            self.output += line
            m = re.search(r"Plotline studio: (http://\S+?)/?\s*$", line)
            if m:
                self.url = m.group(1)
            m = re.search(r"DogStatsD: udp://\S+:(\d+)", line)
            if m:
                self.statsd_port = int(m.group(1))
            if self.url and (self.statsd_port is not None or not server_supports("--statsd-port") or "Store:" in line):
                break
        if not self.url:
            self.proc.kill()
            raise RuntimeError(f"server did not start:\n{self.output}")
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.proc.stdout:  # type: ignore[union-attr]
            self.output += line

    @property
    def port(self) -> int:
        return int(urllib.parse.urlsplit(self.url).port or 0)

    def stop(self, kill: bool = False) -> None:
        if self.proc.poll() is None:
            (self.proc.kill if kill else self.proc.terminate)()
            self.proc.wait(10)

    def get(self, path: str) -> Any:
        # A server started with --token answers reads only with it.
        extra = self.extra or []
        token = extra[extra.index("--token") + 1] if "--token" in extra else None
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        with urllib.request.urlopen(urllib.request.Request(self.url + path, headers=headers), timeout=10) as res:
            return json.load(res)

    def execution(self, ex_id: str) -> Dict[str, Any]:
        return self.get(f"/api/executions/{ex_id}")

    def info(self, ex_id: str, key: str) -> Dict[str, Any]:
        """`{key, count, minX, maxX, lastY}` of one series (from the execution's detail), or {} when it has none."""
        return next((s for s in self.execution(ex_id)["series"] if s["key"] == key), {})

    def series(self, ex_id: str, *keys: str) -> Dict[str, Dict[str, Any]]:
        q = "&".join(f"key={urllib.parse.quote(k)}" for k in keys)
        # The server's largest budget per read (LIMITS.maxBudget): every series these tests write is smaller.
        return {s["key"]: s for s in self.get(f"/api/executions/{ex_id}/series?{q}&budget=50000")["series"]}


_help: Optional[str] = None


def server_supports(flag: str) -> bool:
    """Whether this build of `plotline serve` knows a flag (e.g. `--statsd-port`, which another branch adds)."""
    global _help
    if _help is None:
        try:
            _help = subprocess.run(["node", str(CLI), "serve", "--help"], capture_output=True, text=True, timeout=20).stdout
        except (OSError, subprocess.SubprocessError):
            _help = ""
    return flag in _help


@pytest.fixture(scope="session")
def server() -> Any:
    s = Server()
    yield s
    s.stop()


@pytest.fixture
def spool_dir() -> Any:
    d = tempfile.mkdtemp(prefix="plotline-pytest-spool-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def client(server: Server, spool_dir: str) -> Any:
    import plotline

    return plotline.connect(server.url, spool=spool_dir)


@pytest.fixture(scope="session")
def vectors() -> Dict[str, Any]:
    with open(VECTORS, encoding="utf-8") as f:
        return json.load(f)


def spool_waiting(base: str) -> int:
    """Unacknowledged bytes in the spool files under ``base`` (each file: size minus its `acked` offset)."""
    import struct

    total = 0
    for root, _, files in os.walk(base):
        for name in files:
            if name.endswith(".spool"):
                with open(os.path.join(root, name), "rb") as f:
                    header = f.read(16)
                    size = f.seek(0, 2)
                total += size - struct.unpack_from("<Q", header, 8)[0] if len(header) == 16 else size
    return total


def spool_files(base: str) -> List[str]:
    return [name for _, _, files in os.walk(base) for name in files if name.endswith(".spool")]


def eventually(read: Any, ok: Any, timeout: float = 10.0) -> Any:
    """Polls ``read()`` (HTTP errors count as not yet) until ``ok(value)`` or the timeout; returns the last value."""
    deadline = time.monotonic() + timeout
    value = None
    while True:
        try:
            value = read()
            if ok(value):
                return value
        except OSError:
            pass
        if time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def run_python(code: str, env: Optional[Dict[str, str]] = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """Runs a Python program with the SDK importable (PYTHONPATH=python), as a user's script would."""
    full_env = {**os.environ, "PYTHONPATH": str(PYTHON_DIR), **(env or {})}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full_env, timeout=timeout)
