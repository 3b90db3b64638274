#!/usr/bin/env python3
"""Benchmark of the Python SDK: ns per ``record()``, points/s end to end into a file DB, peak RSS; and the same workload
through TensorBoardX, MLflow and Aim where they are installed, as ratios to Plotline.

    npm run build:node && python3 bench/python_sdk.py [--steps 100000] [--metrics 10]
        [--peers-python /tmp/venv/bin/python]   # a Python with tensorboardX / mlflow / aim installed

Prints figures; asserts nothing (timing on a shared machine is for reading, not for failing a build).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from typing import Any, Dict, List, Optional

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "python"))

import plotline  # noqa: E402


def start_server(db: str) -> "tuple[subprocess.Popen, str]":
    cli = os.path.join(REPO, "dist", "src", "cli", "main.js")
    proc = subprocess.Popen(["node", cli, "serve", "--port", "0", "--db", db], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    while True:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        if not line:
            raise SystemExit("server did not start")
        m = re.search(r"Plotline studio: (http://\S+?)/?\s*$", line)
        if m:
            return proc, m.group(1)


def dir_bytes(path: str) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return total


def ns_per_record(client: plotline.Client, calls: int) -> Dict[str, Dict[str, float]]:
    """CPU time of the recording thread per call (what the training loop pays) and wall time per call (which also
    includes the sender thread's share of the GIL and the server on the same cores)."""
    out = {}
    variants = [
        ("unthrottled, at=step", None, True, calls),
        ("unthrottled, no at", None, False, calls // 4),
        ("throttled 10/s, at=step", 10, True, calls // 4),
        ("throttled 10/s, no at", 10, False, calls // 4),
    ]
    with client.execution("bench-record") as ex:
        for i, (name, throttle, with_at, n) in enumerate(variants):
            metric = plotline.Metric(f"m{i}", throttle=throttle)
            record = metric.record
            cpu, wall = time.thread_time(), time.perf_counter()
            if with_at:
                for step in range(n):
                    record(0.5, at=step)
            else:
                for _ in range(n):
                    record(0.5)
            out[name] = {"cpu_ns": (time.thread_time() - cpu) / n * 1e9, "wall_ns": (time.perf_counter() - wall) / n * 1e9}
        empty = time.thread_time()
        for _ in range(calls):
            pass
        loop_ns = (time.thread_time() - empty) / calls * 1e9
        ex.flush()
    out["(the bare for-loop, included above)"] = {"cpu_ns": loop_ns, "wall_ns": loop_ns}
    return out


def cpu_seconds(pid: int) -> float:
    """user + system CPU of a process so far (Linux /proc), or 0 where unreadable."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def end_to_end(url: str, db_dir: str, metrics: int, steps: int) -> Dict[str, Any]:
    client = plotline.connect(url, spool=False)
    ms = [plotline.Metric(f"metric{i}", group="bench", throttle=None) for i in range(metrics)]
    t0 = time.perf_counter()
    cpu0, thread0 = time.process_time(), time.thread_time()
    ex = client.start_execution("bench-e2e")
    with ex:
        for step in range(steps):
            v = 1.0 / (step + 1)
            for m in ms:
                m.record(v, at=step)
        recorded = time.perf_counter() - t0
        record_cpu = time.thread_time() - thread0
    readable = time.perf_counter() - t0
    client_cpu = time.process_time() - cpu0
    with urllib.request.urlopen(f"{url}/api/executions/{ex.id}") as res:
        detail = json.load(res)
    stored = sum(s["count"] for s in detail["series"] if not s["key"].startswith("@"))
    return {"points": metrics * steps, "stored": stored, "record_s": recorded, "readable_s": readable,
            "points_per_s": metrics * steps / readable, "dropped": client.dropped_points,
            "record_cpu_s": record_cpu, "client_cpu_s": client_cpu,
            "disk_bytes": dir_bytes(db_dir)}


MLFLOW_PRELUDE = """
        import time, os, sys, logging
        logging.disable(logging.WARNING)
        import mlflow
        from mlflow.entities import Metric
        d, M, N = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
        mlflow.set_tracking_uri(f"sqlite:///{d}/mlflow.db")  # MLflow's recommended local store (its file store is deprecated)
        client = mlflow.tracking.MlflowClient()
        t0 = time.perf_counter()
        run = client.create_run(client.create_experiment("bench"))
"""

PEERS = {
    "tensorboardX": """
        import time, os, sys
        from tensorboardX import SummaryWriter
        d, M, N = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
        t0 = time.perf_counter()
        w = SummaryWriter(d, flush_secs=3600, max_queue=10_000)
        for step in range(N):
            v = 1.0 / (step + 1)
            for i in range(M):
                w.add_scalar(f"metric{i}", v, step)
        rec = time.perf_counter() - t0
        w.close()
        print(rec, time.perf_counter() - t0)
    """,
    "MLflow log_batch": MLFLOW_PRELUDE + """
        batch, ts = [], int(time.time() * 1000)
        for step in range(N):
            v = 1.0 / (step + 1)
            for i in range(M):
                batch.append(Metric(f"metric{i}", v, ts, step))
            if len(batch) >= 1000:
                client.log_batch(run.info.run_id, metrics=batch)
                batch = []
        if batch:
            client.log_batch(run.info.run_id, metrics=batch)
        rec = time.perf_counter() - t0
        client.set_terminated(run.info.run_id)
        print(rec, time.perf_counter() - t0)
    """,
    "MLflow log_metric": MLFLOW_PRELUDE + """
        for step in range(N):
            v = 1.0 / (step + 1)
            for i in range(M):
                client.log_metric(run.info.run_id, f"metric{i}", v, step=step)
        rec = time.perf_counter() - t0
        client.set_terminated(run.info.run_id)
        print(rec, time.perf_counter() - t0)
    """,
    "Aim Run.track": """
        import time, os, sys
        from aim import Run
        d, M, N = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
        t0 = time.perf_counter()
        run = Run(repo=d)
        for step in range(N):
            v = 1.0 / (step + 1)
            for i in range(M):
                run.track(v, name=f"metric{i}", step=step)
        rec = time.perf_counter() - t0
        run.close()
        print(rec, time.perf_counter() - t0)
    """,
}


PEER_STEP_DIVISOR = {"MLflow log_batch": 10, "MLflow log_metric": 1000, "Aim Run.track": 10}


def plotline_run(metrics: int, steps: int) -> Dict[str, Any]:
    """The end-to-end workload against a fresh server with a file DB; its CPU and the DB's bytes on disk included."""
    db_dir = tempfile.mkdtemp(prefix="plotline-bench-py-")
    proc, url = start_server(os.path.join(db_dir, "bench.db"))
    try:
        server_cpu0 = cpu_seconds(proc.pid)
        e2e = end_to_end(url, db_dir, metrics, steps)
        e2e["server_cpu_s"] = cpu_seconds(proc.pid) - server_cpu0
    finally:
        proc.terminate()
        proc.wait()
    e2e["disk_bytes"] = dir_bytes(db_dir)
    shutil.rmtree(db_dir, ignore_errors=True)
    return e2e


def run_peer(python: str, name: str, metrics: int, steps: int, timeout: float) -> Dict[str, Any]:
    d = tempfile.mkdtemp(prefix="plotline-bench-peer-")
    try:
        if name.startswith("Aim"):
            subprocess.run([os.path.join(os.path.dirname(python), "aim"), "init", "--repo", d], capture_output=True,
                           timeout=120)
        res = subprocess.run([python, "-c", textwrap.dedent(PEERS[name]), d, str(metrics), str(steps)],
                             capture_output=True, text=True, timeout=timeout)
        if res.returncode != 0:
            last = (res.stderr.strip().splitlines() or ["?"])[-1]
            return {"skipped": f"failed: {last[:160]}"}
        rec, readable = (float(v) for v in res.stdout.split()[-2:])
        return {"record_s": rec, "readable_s": readable, "disk_bytes": dir_bytes(d)}
    except subprocess.TimeoutExpired:
        return {"skipped": f"did not finish within {timeout:.0f} s"}
    finally:
        shutil.rmtree(d, ignore_errors=True)


def peer_installed(python: Optional[str], module: str) -> bool:
    if python is None:
        return False
    return subprocess.run([python, "-c", f"import {module}"], capture_output=True).returncode == 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--metrics", type=int, default=10)
    ap.add_argument("--steps", type=int, default=100_000)
    ap.add_argument("--calls", type=int, default=1_000_000, help="record() calls for the ns/call figure")
    ap.add_argument("--peers-python", help="a Python with tensorboardX / mlflow / aim installed")
    ap.add_argument("--peer-timeout", type=float, default=600)
    args = ap.parse_args()

    db_dir = tempfile.mkdtemp(prefix="plotline-bench-py-")
    proc, url = start_server(os.path.join(db_dir, "bench.db"))
    try:
        print(f"Python {sys.version.split()[0]}, server {url}, file DB in {db_dir}\n")
        print("record() cost per call (recording thread CPU | wall, incl. the sender thread and the server):")
        for name, f in ns_per_record(plotline.connect(url, spool=False), args.calls).items():
            print(f"  {name:38s} {f['cpu_ns']:7.0f} ns | {f['wall_ns']:7.0f} ns")
        shutil.rmtree(db_dir, ignore_errors=True)
        os.makedirs(db_dir, exist_ok=True)
    finally:
        proc.terminate()
        proc.wait()
    e2e = plotline_run(args.metrics, args.steps)
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nEnd to end, {args.metrics} metrics × {args.steps:,} steps = {e2e['points']:,} points into a file DB:")
    print(f"  recorded in {e2e['record_s']:.2f} s, readable (end() returned) after {e2e['readable_s']:.2f} s "
          f"→ {e2e['points_per_s'] / 1e6:.2f} M points/s; stored {e2e['stored']:,}, dropped {e2e['dropped']}")
    n = e2e["points"]
    print(f"  CPU per point: recording thread {e2e['record_cpu_s'] / n * 1e9:.0f} ns, whole client process "
          f"{e2e['client_cpu_s'] / n * 1e9:.0f} ns (with the sender thread), server {e2e['server_cpu_s'] / n * 1e9:.0f} ns "
          f"→ {n / max(e2e['client_cpu_s'], e2e['server_cpu_s'], 1e-9) / 1e6:.1f} M points/s when each has a core of its own")
    print(f"  bytes on disk {e2e['disk_bytes']:,} ({e2e['disk_bytes'] / e2e['points']:.1f} B/point); "
          f"peak RSS of this process {rss_mib:.0f} MiB")

    print("\nPeers, same workload; each right after a Plotline run of the same number of steps, so both see the same load "
          "(ratios: peer ÷ Plotline, > 1 means Plotline is faster / smaller):")
    for name, module in (("tensorboardX", "tensorboardX"), ("MLflow log_batch", "mlflow"),
                         ("MLflow log_metric", "mlflow"), ("Aim Run.track", "aim")):
        if not peer_installed(args.peers_python, module):
            print(f"  {name:18s} skipped: {module} is not installed" + ("" if args.peers_python else " (pass --peers-python)"))
            continue
        # The slow ones run fewer steps (each call does the same work, so time per point carries over).
        steps = max(1, args.steps // PEER_STEP_DIVISOR.get(name, 1))
        ours = plotline_run(args.metrics, steps)
        r = run_peer(args.peers_python, name, args.metrics, steps, args.peer_timeout)  # type: ignore[arg-type]
        if "skipped" in r:
            print(f"  {name:18s} skipped: {r['skipped']}")
            continue
        n = args.metrics * steps
        print(f"  {name:18s} {n:>9,} points: record {r['record_s']:7.2f} s ({r['record_s'] / ours['record_s']:7.1f}×), "
              f"readable {r['readable_s']:7.2f} s ({r['readable_s'] / ours['readable_s']:7.1f}×), "
              f"disk {r['disk_bytes'] / n:6.1f} B/point ({r['disk_bytes'] / ours['disk_bytes']:5.1f}×); "
              f"Plotline {ours['readable_s']:.2f} s, {ours['disk_bytes'] / n:.1f} B/point")


if __name__ == "__main__":
    main()
