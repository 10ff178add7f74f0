"""The downloader Lambda's deployment package, built from the single copy of its code.

The zip holds the handler folder (``include/lambdas/vehicle_api_downloader/``: the handler and
the API client) at its root, the ``pipelines.vehicle_api`` modules it shares with the DAGs
(under the same package path, so the imports work both in tests and on AWS), and ``requests`` with its pure-Python
dependencies copied from the installed distributions (AWS's Python runtimes ship boto3 but not
requests). Entries are sorted and time-stamped 1980-01-01, so the same sources give the same
bytes and the same CodeSha256.
"""

from __future__ import annotations

import importlib.util
import io
import zipfile
from pathlib import Path

HANDLER = "handler.handler"
REPO = Path(__file__).resolve().parents[1]
HANDLER_DIR = REPO / "include" / "lambdas" / "vehicle_api_downloader"
PACKAGE_DIR = REPO / "plugins" / "pipelines" / "vehicle_api"
# The modules of this package the handler imports; they must not import anything but these,
# the standard library and the vendored distributions.
PACKAGED_MODULES = ("contract.py", "layout.py")
VENDORED = ("requests", "urllib3", "idna", "certifi")
_INITS = {
    "pipelines/__init__.py": '"""Vehicle API client modules packaged for the downloader Lambda."""\n',
    "pipelines/vehicle_api/__init__.py": "",
}


def _tree(root: Path, arcroot: str) -> dict[str, bytes]:
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_dir() or "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        if path.suffix in (".so", ".pyd"):
            raise RuntimeError(f"{path} is compiled: only pure-Python dependencies can be vendored")
        found[f"{arcroot}/{path.relative_to(root).as_posix()}".lstrip("/")] = path.read_bytes()
    return found


def package_files(handler_dir: Path = HANDLER_DIR) -> dict[str, bytes]:
    """Archive name -> content of every file of the deployment package."""
    files = _tree(handler_dir, "")
    files.update({name: text.encode() for name, text in _INITS.items()})
    for module in PACKAGED_MODULES:
        files[f"pipelines/vehicle_api/{module}"] = (PACKAGE_DIR / module).read_bytes()
    for name in VENDORED:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(f"{name} is not installed as a package; it is needed in the Lambda package")
        files.update(_tree(Path(next(iter(spec.submodule_search_locations))), name))
    return files


def build_zip(handler_dir: Path = HANDLER_DIR) -> bytes:
    """The deployment package as zip bytes (deterministic)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(package_files(handler_dir).items()):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()
