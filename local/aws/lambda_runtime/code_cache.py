"""Deployment packages unpacked once per content hash, like the code root AWS mounts at /var/task."""

from __future__ import annotations

import io
import os
import shutil
import threading
import zipfile
from pathlib import Path


class CodeCache:
    """Unzips packages into ``<root>/<sha256 hex>/``; the same bytes are unpacked only once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()

    def unpack(self, sha256_hex: str, zip_bytes: bytes) -> Path:
        target = self.root / sha256_hex
        with self._lock:
            if target.is_dir():
                return target
            self.root.mkdir(parents=True, exist_ok=True)
            staging = self.root / f".{sha256_hex}.unpacking"
            shutil.rmtree(staging, ignore_errors=True)
            with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
                archive.extractall(staging)
            # Rename last so a half-unpacked folder is never mistaken for a complete one.
            os.replace(staging, target)
            return target
