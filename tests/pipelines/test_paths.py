import pytest

from pipelines.paths import include_dir


def test_repository_layout_finds_include_beside_dags(tmp_path):
    (tmp_path / "dags").mkdir()
    (tmp_path / "include").mkdir()
    assert include_dir(str(tmp_path / "dags" / "x.py")) == tmp_path / "include"


def test_mwaa_layout_finds_include_inside_dags(tmp_path):
    (tmp_path / "dags" / "include").mkdir(parents=True)
    assert include_dir(str(tmp_path / "dags" / "x.py")) == tmp_path / "dags" / "include"


def test_missing_include_is_a_clear_error(tmp_path):
    (tmp_path / "dags").mkdir()
    with pytest.raises(FileNotFoundError, match="no include/ folder"):
        include_dir(str(tmp_path / "dags" / "x.py"))
