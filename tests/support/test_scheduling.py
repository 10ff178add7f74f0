"""`make test`'s two workers: every services test runs in the same one (one stack), whatever its
module; other modules are shared out. Run for real: pytest-xdist on probe modules."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PROBE = """
import os, pytest
{mark}
@pytest.mark.parametrize("n", range(3))
def test_probe(n):
    with open(os.environ["PROBE_LOG"], "a") as log:
        log.write(f"{{os.environ['PYTEST_XDIST_WORKER']}} {{__name__}}\\n")
"""


def test_the_services_tier_runs_in_one_worker_and_the_rest_is_shared():
    # Probe modules where the services tests live (tests/conftest.py is their conftest).
    probes = REPO / "tests" / "services" / f"_scheduling_probe_{uuid.uuid4().hex[:8]}"
    probes.mkdir()
    try:
        for name in ("svc_a", "svc_b"):
            (probes / f"test_{name}.py").write_text(PROBE.format(mark="pytestmark = pytest.mark.services"))
        plain = REPO / "tests" / "support" / probes.name
        plain.mkdir()
        for name in ("plain_a", "plain_b", "plain_c"):
            (plain / f"test_{name}.py").write_text(PROBE.format(mark=""))
        log = probes / "workers.log"
        subprocess.run(
            [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-q", "-p", "no:cacheprovider",
             str(probes.relative_to(REPO)), str(plain.relative_to(REPO))],
            cwd=REPO, env={**os.environ, "PROBE_LOG": str(log)}, check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        workers: dict[str, set[str]] = {}
        for line in log.read_text().splitlines():
            worker, module = line.split()
            workers.setdefault(module.rsplit(".", 1)[-1], set()).add(worker)
    finally:
        shutil.rmtree(probes)
        shutil.rmtree(REPO / "tests" / "support" / probes.name, ignore_errors=True)
    assert len(workers["test_svc_a"] | workers["test_svc_b"]) == 1  # one stack
    assert len(set().union(*workers.values())) == 2  # and both workers used
