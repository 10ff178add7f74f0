"""The local stack's PostgreSQL: the metadata database engine MWAA runs Airflow on, a server of
the stack's own.

The server is Debian's ``postgresql`` package (15 on bookworm; Airflow 3.3.1 supports 13 and
later), which ``make postgres`` installs as ``make test`` installs Chromium and a JDK; on macOS,
Homebrew's ``postgresql@15`` puts the same programs on the PATH. Its data lives under the stack's
home (``<home>/postgres/data``), so ``make run`` stopped and started again finds every run,
connection and pool; it listens on 127.0.0.1 only, on the stack's port, and trusts the local
``airflow`` role (loopback only, a development database). PostgreSQL refuses to run as root: as
root (CI, a container) the server runs as the ``postgres`` system user the package creates, and
its files are in that user's home (``/var/lib/postgresql/pipelines-<hash of the stack's home>``),
because it may not enter root's home, where the repository usually is.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

USER = DATABASE = "airflow"
DEBIAN_BIN = Path("/usr/lib/postgresql")
POSTGRES_HOME = Path("/var/lib/postgresql")  # the postgres system user's (Debian's package)


def bin_dir() -> Path:
    """Where ``initdb`` and ``pg_ctl`` are: on the PATH, else Debian's newest version's folder."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent  # a link on the PATH: the folder of the version it is
    versions = sorted(DEBIAN_BIN.glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    if not versions:
        raise FileNotFoundError("PostgreSQL's pg_ctl is not installed: run `make postgres` (Debian's postgresql)")
    return versions[-1].parent


class LocalPostgres:
    """One server for the stack whose home is ``root``'s parent: data in ``root/data`` (as root:
    see the module), listening on 127.0.0.1:``port``."""

    def __init__(self, root: Path, port: int) -> None:
        self.port = port
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            root = POSTGRES_HOME / f"pipelines-{hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:12]}"
        self.root = root.resolve()
        self.data = self.root / "data"
        self.socket_dir = self.root / "socket"
        self.log = self.root / "server.log"

    @property
    def url(self) -> str:
        """Airflow's ``sql_alchemy_conn`` for this server's database."""
        return f"postgresql+psycopg2://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        argv = [str(bin_dir() / program), *args]
        if self._as_postgres:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{program} {' '.join(args)} exited {done.returncode}: {done.stderr.strip()}\n{log}")
        return done

    def _prepare(self) -> None:
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if self._as_postgres:
            for folder in (self.root, self.socket_dir):
                shutil.chown(folder, "postgres", "postgres")
        if not (self.data / "PG_VERSION").exists():
            self._run(
                "initdb", "-D", str(self.data), "-U", USER, "--auth=trust", "--encoding=UTF8", "--no-instructions"
            )

    def running(self) -> bool:
        """Whether the server is up (``pg_ctl status``; a stale pid file left by a crash is not)."""
        if not (self.data / "PG_VERSION").exists():
            return False
        argv = [str(bin_dir() / "pg_ctl"), "-D", str(self.data), "status"]
        if self._as_postgres:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        return subprocess.run(argv, capture_output=True).returncode == 0

    def start(self) -> str:
        """Start the server (created at the first start; a running one is left as it is) and its
        database; returns ``url``."""
        if self.running():
            return self.url
        self._prepare()
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        listed = self._run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-d", "postgres",
                           "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'")  # fmt: skip
        if not listed.stdout.strip():
            self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, DATABASE)
        return self.url

    def remove(self) -> None:
        """Stop the server and delete its files (``make clean``)."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def stop(self) -> None:
        """Stop the server (fast: open sessions are ended, committed work kept)."""
        if self.running():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


def main(argv: list[str] | None = None) -> None:
    """``python -m local.postgres --remove HOME``: stop the server of the stack in ``HOME`` and
    delete its files (``make clean``; as root they are outside ``HOME``)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m local.postgres", description=main.__doc__)
    parser.add_argument("--remove", type=Path, required=True, metavar="HOME")
    args = parser.parse_args(argv)
    LocalPostgres(args.remove / "postgres", port=0).remove()


if __name__ == "__main__":
    main()
