"""The local stack's PostgreSQL: created at its first start, on loopback only, and what it held
is there after a stop and a start."""

from __future__ import annotations

import socket

import psutil
import psycopg2
import pytest

from local.postgres import LocalPostgres
from local.stack import free_port


@pytest.fixture
def server(tmp_path):
    running = LocalPostgres(tmp_path / "postgres", free_port())
    yield running
    running.remove()


def query(server: LocalPostgres, sql: str) -> list[tuple]:
    with psycopg2.connect(host="127.0.0.1", port=server.port, user="airflow", dbname="airflow") as connection:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall() if cursor.description else []


def test_a_server_keeps_its_database_across_a_stop_and_a_start(server):
    assert server.start() == f"postgresql+psycopg2://airflow@127.0.0.1:{server.port}/airflow"
    query(server, "CREATE TABLE kept (n int)")
    query(server, "INSERT INTO kept VALUES (7)")
    server.stop()
    server.start()
    assert query(server, "SELECT n FROM kept") == [(7,)]
    assert query(server, "SHOW listen_addresses") == [("127.0.0.1",)]


def test_it_listens_on_loopback_only(server):
    server.start()
    outside = [a.address for addrs in psutil.net_if_addrs().values() for a in addrs
               if a.family == socket.AF_INET and not a.address.startswith("127.")]  # fmt: skip
    if not outside:
        pytest.skip("this machine has no address but loopback")
    with pytest.raises(OSError):
        socket.create_connection((outside[0], server.port), timeout=2)
