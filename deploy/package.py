"""Build the MWAA bundle: ``python -m deploy.package OUT`` (``make package`` -> dist/mwaa).

OUT/dags/           DAG files, .airflowignore, include/ (SQL, Glue scripts, Lambda code) and
                    constraints.txt, which requirements.txt names by its MWAA path
OUT/plugins.zip     the ``pipelines`` package at the zip's root, as MWAA expects
OUT/requirements.txt
OUT/startup.sh
Upload OUT's content to the environment's S3 bucket with the same names.
"""

from __future__ import annotations

import argparse
import shutil
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONSTRAINTS = REPO / "constraints" / "airflow-3.3.1-py3.12.txt"
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")


def build(out: Path) -> list[str]:
    """Write the bundle into ``out`` (replacing it); return its files relative to ``out``."""
    shutil.rmtree(out, ignore_errors=True)
    dags = out / "dags"
    shutil.copytree(REPO / "dags", dags, ignore=SKIP)
    shutil.copytree(REPO / "include", dags / "include", ignore=SKIP)
    shutil.copy(CONSTRAINTS, dags / "constraints.txt")
    shutil.copy(REPO / "requirements.txt", out / "requirements.txt")
    shutil.copy(REPO / "deploy" / "startup.sh", out / "startup.sh")
    with zipfile.ZipFile(out / "plugins.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        plugins = REPO / "plugins"
        for path in sorted(plugins.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                archive.write(path, path.relative_to(plugins).as_posix())
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.package", description=__doc__)
    parser.add_argument("out", type=Path, nargs="?", default=REPO / "dist" / "mwaa")
    args = parser.parse_args(argv)
    files = build(args.out)
    print(f"MWAA bundle in {args.out}: {len(files)} files")
    for name in ("requirements.txt", "startup.sh", "plugins.zip"):
        print(f"  {name}")
    print(f"  dags/ ({sum(f.startswith('dags/') for f in files)} files)")


if __name__ == "__main__":
    main()
