"""S3 objects as local files, for engines that read and write with file-based tools.

DuckDB (no httpfs offline) and local Spark cannot speak to the endpoint's S3, so engines see
S3 through a mirror folder: ``<root>/<bucket>/<key>``. Objects are copied into it on demand
and kept while their ETag is unchanged, so repeated reads of the same data cost nothing.
Engines write results into a scratch folder and ``put_tree`` them back into S3, where the
API (and so every other client) sees them.

Calls go to moto's S3 backend in this process: no HTTP round trip per object.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from moto.s3.models import FakeKey, S3Backend, s3_backends

CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class S3Object:
    bucket: str
    key: str
    size: int
    etag: str

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def split_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/some/key`` -> ``("bucket", "some/key")`` (``s3a://`` and ``s3n://`` too)."""
    scheme, sep, rest = uri.partition("://")
    if not sep or scheme not in ("s3", "s3a", "s3n"):
        raise ValueError(f"not an S3 URI: {uri!r}")
    bucket, _, key = rest.partition("/")
    return bucket, key


class S3Files:
    def __init__(self, root: Path, account_id: str) -> None:
        self.root = root
        self.account_id = account_id
        self._etags: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    @property
    def backend(self) -> S3Backend:
        return s3_backends[self.account_id]["aws"]

    def local_path(self, bucket: str, key: str) -> Path:
        return self.root / bucket / key

    def list(self, bucket: str, prefix: str = "") -> list[S3Object]:
        """Current objects under ``prefix``, skipping folder markers (keys ending in ``/``)."""
        found = []
        for key in self._keys(bucket):
            if key.name.startswith(prefix) and not key.name.endswith("/"):
                found.append(S3Object(bucket, key.name, key.size, key.etag))
        return sorted(found, key=lambda o: o.key)

    def _keys(self, bucket: str) -> Iterator[FakeKey]:
        store = self.backend.get_bucket(bucket).keys
        for name in list(store.keys()):
            key = store.get(name)
            if isinstance(key, FakeKey):
                yield key

    def materialize(self, objects: list[S3Object]) -> list[Path]:
        """Make sure each object has an up-to-date local copy; return their paths in order."""
        return [self._materialize_one(o) for o in objects]

    def _materialize_one(self, obj: S3Object) -> Path:
        path = self.local_path(obj.bucket, obj.key)
        ident = (obj.bucket, obj.key)
        with self._lock:
            if self._etags.get(ident) == obj.etag and path.exists():
                return path
        key = self.backend.get_object(obj.bucket, obj.key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{threading.get_ident()}.part")
        with key.lock, open(tmp, "wb") as out:
            key._value_buffer.seek(0)
            while block := key._value_buffer.read(CHUNK):
                out.write(block)
        os.replace(tmp, path)
        with self._lock:
            self._etags[ident] = key.etag
        return path

    def sync_bucket(self, bucket: str) -> None:
        """Make ``<root>/<bucket>`` equal the bucket: fresh copies in, deleted objects out."""
        objects = self.list(bucket)
        self.materialize(objects)
        wanted = {self.local_path(bucket, o.key) for o in objects}
        base = self.root / bucket
        for path in list(base.rglob("*")) if base.exists() else []:
            if path.is_file() and path not in wanted:
                path.unlink()
                self._etags.pop((bucket, str(path.relative_to(base))), None)

    def put_bytes(self, bucket: str, key: str, data: bytes) -> None:
        self.backend.put_object(bucket, key, data)

    def put_file(self, bucket: str, key: str, path: Path) -> None:
        self.put_bytes(bucket, key, path.read_bytes())

    def put_tree(self, folder: Path, bucket: str, prefix: str) -> list[str]:
        """Upload every file below ``folder`` to ``prefix`` (keeping relative paths); return the keys."""
        keys = []
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            rel = path.relative_to(folder).as_posix()
            if rel.split("/")[-1].startswith((".", "_")):  # Spark/Hadoop markers and checksums
                continue
            key = f"{prefix.rstrip('/')}/{rel}" if prefix.strip("/") else rel
            self.put_file(bucket, key, path)
            keys.append(key)
        return keys

    def delete_prefix(self, bucket: str, prefix: str) -> int:
        """Delete every object under ``prefix``; return how many were deleted."""
        objects = self.list(bucket, prefix)
        for obj in objects:
            self.backend.delete_object(bucket, obj.key)
            local = self.local_path(bucket, obj.key)
            local.unlink(missing_ok=True)
            self._etags.pop((bucket, obj.key), None)
        return len(objects)


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
