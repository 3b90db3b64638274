"""One spool format for both SDKs: a spool left by a killed Python process is delivered by the Node SDK, and one left by
a killed Node process by the Python SDK (format and rules: src/sdk/spool.ts and plotline/_spool.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile

import pytest

import plotline
from conftest import DIST, Server, spool_waiting
from test_delivery import free_port, killed_while_recording

NODE_SDK = DIST / "src" / "sdk" / "index.js"

needs_node_spool = pytest.mark.skipif(
    not (DIST / "src" / "sdk" / "spool.js").exists(),
    reason="the Node SDK in dist/ has no spool yet (the developer sdk's branch, issue 11); build it to run these")


def run_node(code: str, env_spool: str) -> subprocess.CompletedProcess:
    script = f"import {{ connect, Metric }} from {str(NODE_SDK)!r};\n{code}\n"
    return subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PLOTLINE_SPOOL_DIR": env_spool})


@needs_node_spool
def test_node_delivers_a_spool_left_by_a_killed_python_process() -> None:
    base = tempfile.mkdtemp(prefix="plotline-interop-")
    url = f"http://127.0.0.1:{free_port()}"
    ex_id = killed_while_recording(url, 60_000, env={"PLOTLINE_SPOOL_DIR": base})
    assert spool_waiting(base) > 0
    server = Server(port=int(url.rsplit(":", 1)[1]))
    try:
        done = run_node(f"const c = connect({{ url: {url!r}, warn: () => {{}} }});\nawait c.flush();\nawait c.close();", base)
        assert done.returncode == 0, done.stderr
        info = server.info(ex_id, "loss")
        assert info["count"] >= 60_000 - 20_000 and info["minX"] == 0 and info["maxX"] == info["count"] - 1
        assert spool_waiting(base) == 0
    finally:
        server.stop()


@needs_node_spool
def test_python_delivers_a_spool_left_by_a_killed_node_process() -> None:
    base = tempfile.mkdtemp(prefix="plotline-interop-")
    url = f"http://127.0.0.1:{free_port()}"
    out = run_node(f"""
const c = connect({{ url: {url!r}, maxBufferedPoints: 10000, warn: () => {{}} }});
const m = new Metric('loss', {{ throttle: null }});
const ex = c.startExecution('node-wrote');
console.log(ex.id);
ex.run(() => {{ for (let i = 0; i < 60000; i++) m.record(i, {{ at: i }}); }});
process.kill(process.pid, 'SIGKILL');
""", base)
    assert out.returncode in (-signal.SIGKILL, 128 + signal.SIGKILL), out.stderr
    ex_id = out.stdout.split()[0]
    assert spool_waiting(base) > 0
    server = Server(port=int(url.rsplit(":", 1)[1]))
    try:
        os.environ["PLOTLINE_SPOOL_DIR"] = base
        try:
            client = plotline.connect(url)
        finally:
            del os.environ["PLOTLINE_SPOOL_DIR"]
        assert client.flush(30)
        info = server.info(ex_id, "loss")
        assert info["count"] >= 60_000 - 20_000 and info["minX"] == 0 and info["maxX"] == info["count"] - 1
        assert spool_waiting(base) == 0
    finally:
        server.stop()
