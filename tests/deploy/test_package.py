"""The MWAA bundle loads as MWAA loads it: dags folder + plugins folder unpacked from plugins.zip."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from deploy.package import build

REPO = Path(__file__).resolve().parents[2]

LOAD_DAGS = """
import json, os
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
print(json.dumps({"dags": sorted(bag.dag_ids), "errors": {k: v[-300:] for k, v in bag.import_errors.items()}}))
"""


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "mwaa"
    build(out)
    return out


def test_bundle_has_the_four_mwaa_artifacts(bundle):
    assert (bundle / "requirements.txt").read_text() == (REPO / "requirements.txt").read_text()
    assert os.access(bundle / "startup.sh", os.X_OK)
    assert (bundle / "dags" / "healthcheck.py").exists()
    assert (bundle / "dags" / ".airflowignore").read_text().split() == ["include/"]
    assert (bundle / "dags" / "include" / "README.md").exists()
    names = zipfile.ZipFile(bundle / "plugins.zip").namelist()
    assert "pipelines/settings.py" in names and "pipelines/__init__.py" in names
    assert not [n for n in names if "__pycache__" in n]


def test_requirements_constraint_line_points_into_the_bundled_dags_folder(bundle):
    first = (bundle / "requirements.txt").read_text().splitlines()
    constraint = next(line for line in first if line.startswith("--constraint"))
    path = re.search(r'"(.+)"', constraint).group(1)
    assert path == "/usr/local/airflow/dags/constraints.txt"
    assert (bundle / "dags" / "constraints.txt").read_text() == (
        REPO / "constraints/airflow-3.3.1-py3.12.txt"
    ).read_text()


def test_startup_script_exports_the_settings(bundle):
    out = subprocess.run(
        ["sh", "-c", f". {bundle / 'startup.sh'} && env"],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "PIPELINES_ENV": "staging"},
    ).stdout
    assert "PIPELINES_ENV=staging" in out.splitlines()


def test_every_dag_loads_from_the_mwaa_layout_with_zero_import_errors(bundle, tmp_path):
    plugins = tmp_path / "plugins"
    zipfile.ZipFile(bundle / "plugins.zip").extractall(plugins)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(bundle / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(plugins),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path}/airflow.db",
    }
    # No PYTHONPATH and a foreign working directory: only the bundle can provide `pipelines`.
    result = subprocess.run(
        [sys.executable, "-c", LOAD_DAGS], env=env, cwd=tmp_path, capture_output=True, text=True, check=True
    )
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["errors"] == {}
    repo_dags = {p.stem for p in (REPO / "dags").glob("*.py")}
    assert len(loaded["dags"]) >= len(repo_dags) and "healthcheck" in loaded["dags"]
