"""A throw-away PostgreSQL server for the tests: initdb into a temporary folder, listening only on
a unix socket in that folder, stopped and deleted at the end.

PostgreSQL refuses to run as root, so under root (CI) every server command runs as Debian's
`postgres` system user (`runuser -u postgres --`), and the folder is made theirs. Debian keeps
the binaries off PATH (`/usr/lib/postgresql/<major>/bin`); `binaries()` finds them either way.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

SUPERUSER = "mlint"  # the server's bootstrap role (initdb -U)


def binaries() -> Path | None:
    """The folder holding initdb/pg_ctl, or None when PostgreSQL is not installed."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(candidates[-1]).parent if candidates else None


def why_unavailable() -> str:
    """'' when a server can be started here, else the reason (for the skip)."""
    if binaries() is None:
        return "PostgreSQL is not installed (no initdb; `.ci/run` installs Debian's postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a `postgres` system user to run the server as"
    return ""


class Server:
    """One running server; `url(db)` is a SQLAlchemy URL for a database on it."""

    def __init__(self) -> None:
        bindir = binaries()
        assert bindir is not None, why_unavailable()
        self.bindir = bindir
        # Short: a unix socket path may not exceed ~107 bytes.
        self.folder = Path(tempfile.mkdtemp(prefix="mlint-pg-"))
        self.data = self.folder / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "-A", "trust", "--no-sync",
                  "-E", "UTF8", "--locale", "C")
        options = (f"-k {self.folder} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
                   "-c full_page_writes=off -c log_statement=all -c log_line_prefix='%a|'")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bindir / tool), *args], check=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=self.folder)

    def url(self, db: str, user: str = SUPERUSER, password: str = "", **query: str) -> str:
        secret = f":{password}" if password else ""
        extra = "".join(f"&{k}={v}" for k, v in query.items())
        return f"postgresql://{user}{secret}@/{db}?host={self.folder}{extra}"

    def connect(self, db: str = "postgres") -> Any:
        """A psycopg2 connection in autocommit (CREATE DATABASE, seeding defects)."""
        import psycopg2

        conn = psycopg2.connect(dbname=db, user=SUPERUSER, host=str(self.folder))
        conn.autocommit = True
        return conn

    def execute(self, db: str, *statements: str) -> None:
        conn = self.connect(db)
        try:
            with conn.cursor() as cur:
                for statement in statements:
                    cur.execute(statement)
        finally:
            conn.close()

    def query(self, db: str, sql: str) -> list[tuple[Any, ...]]:
        conn = self.connect(db)
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
                return list(cur.fetchall())
        finally:
            conn.close()

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
