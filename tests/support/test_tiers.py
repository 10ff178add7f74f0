"""The tier guard: which processes need which marker, and an unmarked start refused."""

from __future__ import annotations

import subprocess
import sys

import pytest

from local.aws.glue_jobs.runs import LAUNCHER
from tests.support.tiers import tier_of


@pytest.mark.parametrize(
    ("argv", "tier"),
    [
        ([sys.executable, str(LAUNCHER), "script.py", "--JOB_NAME", "j"], "spark"),
        (["/opt/spark/bin/spark-submit", "pyspark-shell"], "spark"),
        (["/usr/bin/javac", "-d", "out", "Fs.java"], "spark"),
        ([sys.executable, "-m", "airflow", "scheduler", "--skip-serve-logs"], "services"),
        ([sys.executable, "-m", "airflow", "api-server", "--port", "8080"], "services"),
        (["bash", "-c", "airflow db migrate && exec airflow triggerer"], "services"),
        ([sys.executable, "-m", "airflow", "dags", "test", "traffic_batch"], None),  # a CLI call
        ([sys.executable, "-m", "local.aws", "--port", "4566"], None),
    ],
)
def test_the_marker_a_process_needs(argv, tier):
    assert tier_of(argv) == tier


def test_an_unmarked_test_may_not_start_a_jvm():
    with pytest.raises(RuntimeError, match="mark it 'spark'"):
        subprocess.Popen(["/nonexistent/bin/java", "-version"])
