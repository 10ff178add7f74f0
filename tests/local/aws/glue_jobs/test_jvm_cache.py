"""The machine-wide start-up cache of local Glue jobs: where it is, and the class archive's life."""

from __future__ import annotations

import os

from local.aws.glue_jobs import jvm_cache
from local.aws.glue_jobs.jvm_cache import ClassArchive, cache_dir


def test_cache_dir_is_configured_else_xdg_else_the_fallback_when_unwritable(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCAL_AWS_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_dir(tmp_path / "fallback") == tmp_path / "mine"
    monkeypatch.delenv("LOCAL_AWS_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir(tmp_path / "fallback") == tmp_path / "xdg" / "local-aws"
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    assert cache_dir(tmp_path / "fallback") == tmp_path / "fallback"


def test_the_archive_is_named_by_jdk_and_class_path_and_written_once(tmp_path, monkeypatch):
    jars = tmp_path / "jars"
    jars.mkdir()
    (jars / "spark-core.jar").write_bytes(b"jar")
    fs_jar = tmp_path / "fs.jar"
    one = ClassArchive.for_class_path(tmp_path, [fs_jar, jars])
    assert one is not None and one == ClassArchive.for_class_path(tmp_path, [fs_jar, jars])
    (jars / "extra.jar").write_bytes(b"jar")
    assert ClassArchive.for_class_path(tmp_path, [fs_jar, jars]) != one  # another class path, another archive
    monkeypatch.setattr(jvm_cache, "java_binary", lambda: None)
    assert ClassArchive.for_class_path(tmp_path, [fs_jar, jars]) is None  # no JDK: no archive, no options

    part = tmp_path / "run" / "classes.jsa"
    assert one.java_options(part).startswith(f"-XX:ArchiveClassesAtExit={part} ")
    assert not one.keep(part)  # the run wrote none
    part.parent.mkdir()
    part.write_bytes(b"archive 1")
    assert one.keep(part) and one.path.read_bytes() == b"archive 1"
    assert one.java_options(part).startswith(f"-XX:SharedArchiveFile={one.path} ")
    part.write_bytes(b"archive 2")  # a concurrent first run finishing later
    assert not one.keep(part) and not part.exists() and one.path.read_bytes() == b"archive 1"
    assert os.access(one.path, os.R_OK)
