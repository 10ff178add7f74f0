"""The local environment runs MWAA's package set: for every package the code MWAA runs imports
(dags/, plugins/), the version installed here is the one in the MWAA 3.3.1 image's bill of
materials (constraints/mwaa-3.3.1-image-packages.txt), and requirements.txt adds only what the
image lacks."""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import sys
from functools import cache
from pathlib import Path

from tests.support.package_set import CONSTRAINTS, MWAA_IMAGE, REPO, normalized, pins, requirements

IMAGE = pins(MWAA_IMAGE)
MWAA_CODE = (REPO / "dags", REPO / "plugins")
PROJECT_PACKAGES = {"pipelines"}


def installed() -> dict[str, str]:
    return {normalized(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()}


def imported_modules(folders: tuple[Path, ...]) -> set[str]:
    """Absolute imports of third-party modules in the folders' Python files (full dotted names)."""
    found = set()
    for folder in folders:
        for path in folder.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    found |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module)
    top = {name: name.split(".")[0] for name in found}
    return {
        n for n, t in top.items() if t not in sys.stdlib_module_names and t not in PROJECT_PACKAGES | {"__future__"}
    }


@cache
def owners() -> dict[Path, str]:
    """Every installed file -> the distribution that installed it."""
    result = {}
    for dist in importlib.metadata.distributions():
        for file in dist.files or []:
            result[Path(dist.locate_file(file)).resolve()] = normalized(dist.metadata["Name"])
    return result


def distribution_of(module: str) -> str:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin, f"{module} is imported by the DAGs but not installed"
    return owners()[Path(spec.origin).resolve()]


def test_every_package_the_mwaa_code_imports_is_in_the_image_at_the_installed_version():
    local = installed()
    used = {module: distribution_of(module) for module in imported_modules(MWAA_CODE)}
    added = set(requirements(REPO / "requirements.txt"))
    outside = {m: d for m, d in used.items() if d not in IMAGE and d not in added}
    assert outside == {}, "imported by the DAGs, in neither MWAA's image nor requirements.txt"
    differ = {d: (local[d], IMAGE[d]) for d in set(used.values()) if d in IMAGE and local[d] != IMAGE[d]}
    assert differ == {}, "installed here (left) at another version than in MWAA's image (right)"
    # The check saw the imports that matter: Airflow's SDK and core, the Amazon provider, botocore.
    assert {"apache-airflow-task-sdk", "apache-airflow-core", "apache-airflow-providers-amazon", "botocore"} <= set(
        used.values()
    )


def test_airflow_its_providers_and_the_async_aws_client_are_installed_as_in_the_image():
    local = installed()
    names = [n for n in IMAGE if n.startswith("apache-airflow")] + ["aiobotocore"]
    assert len(names) >= 13
    assert {n: (local.get(n), IMAGE[n]) for n in names if local.get(n) != IMAGE[n]} == {}


def test_the_local_install_lists_only_packages_of_the_image():
    listed = requirements(REPO / "requirements-mwaa-image.txt")
    assert "apache-airflow-providers-amazon" in listed
    assert [n for n in listed if n not in IMAGE] == []
    assert "apache-airflow==3.3.1" in (REPO / "requirements-mwaa-image.txt").read_text().splitlines()
    assert "apache-airflow-providers-amazon[aiobotocore]" in (REPO / "requirements-mwaa-image.txt").read_text()


def test_requirements_txt_adds_only_what_the_image_lacks_pinned_by_the_constraints():
    constraints = pins(CONSTRAINTS)
    added = requirements(REPO / "requirements.txt")
    assert [n for n in added if n in IMAGE or n not in constraints] == []


def test_vendored_constraints_agree_with_the_image():
    ours = pins(CONSTRAINTS)
    assert {n: (v, ours[n]) for n, v in IMAGE.items() if n in ours and ours[n] != v} == {}
    assert IMAGE["apache-airflow"] == "3.3.1"
