"""DAG parse time: each file alone, then the whole DagBag (goals: < 1 s per file, < 3 s in all).

Each measurement runs in a fresh process after Airflow itself is imported and warm, so it
counts what the DAG file costs the dag-processor: its own imports and top-level code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DAGS = REPO / "dags"
ROUNDS = 3

PROBE = """
import json, sys, time
from airflow.dag_processing.dagbag import DagBag
DagBag("{empty}")  # warm Airflow's own imports
start = time.perf_counter()
bag = DagBag(sys.argv[1])
print(json.dumps({{"seconds": time.perf_counter() - start, "dags": len(bag.dag_ids), "errors": len(bag.import_errors)}}))
"""


def measure(target: Path, env: dict[str, str], empty: str) -> dict:
    runs = []
    for _ in range(ROUNDS):
        out = subprocess.run(
            [sys.executable, "-c", PROBE.format(empty=empty), str(target)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    best = min(runs, key=lambda r: r["seconds"])
    return {**best, "median": sorted(r["seconds"] for r in runs)[ROUNDS // 2]}


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "AIRFLOW_HOME": home,
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
            "PYTHONPATH": f"{REPO}:{REPO / 'plugins'}",
        }
        empty = os.path.join(home, "empty")
        os.mkdir(empty)
        print("| DAG file | parse time (median of 3) | goal |")
        print("|---|---|---|")
        worst = 0.0
        for path in sorted(DAGS.glob("*.py")):
            result = measure(path, env, empty)
            worst = max(worst, result["median"])
            print(f"| {path.name} | {result['median'] * 1000:.0f} ms | < 1000 ms |")
        whole = measure(DAGS, env, empty)
        print(f"| whole DagBag ({whole['dags']} DAGs) | {whole['median'] * 1000:.0f} ms | < 3000 ms |")
        if whole["errors"]:
            sys.exit(f"{whole['errors']} import errors")
        if worst >= 1.0 or whole["median"] >= 3.0:
            sys.exit("parse-time goal missed")


if __name__ == "__main__":
    main()
