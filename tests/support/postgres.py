"""A throwaway PostgreSQL cluster on 127.0.0.1, started with initdb and pg_ctl.

As root, the server binaries refuse to run, so every command runs as the `postgres`
user through `runuser` in a directory that user owns.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.services import free_port, tail, wait_until

START_TIMEOUT = 60.0
SERVER_USER = "postgres"
INITDB_OPTIONS = ("--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync")
# A throwaway cluster needs no durability, and skipping it speeds up every commit.
SPEED_OPTIONS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


class PostgresUnavailableError(RuntimeError):
    """The PostgreSQL binaries are missing or the server failed to start."""


def find_bin_dir() -> Path:
    """Return the newest /usr/lib/postgresql/*/bin that holds a `postgres` binary."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/postgres"),
        key=lambda path: int(Path(path).parent.parent.name),
    )
    if not candidates:
        raise PostgresUnavailableError(
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; "
            "install them with `apt-get install postgresql` (scripts/test does this) "
            "or set PANOPLY_TEST_POSTGRES_DSN to a server you run"
        )
    return Path(candidates[-1]).parent


class PostgresServer:
    """One cluster in a temporary directory, serving TCP on 127.0.0.1 only."""

    def __init__(self) -> None:
        self.bin_dir = find_bin_dir()
        self.port = free_port()
        self.base_dir = Path(tempfile.mkdtemp(prefix="panoply-pg-"))
        self.data_dir = self.base_dir / "data"
        self.log_path = self.base_dir / "server.log"
        self.as_root = os.geteuid() == 0

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """Create the cluster, start the server and wait until it accepts connections."""
        if self.as_root:
            self._hand_over_base_dir()

        data_dir = str(self.data_dir)
        self._run("initdb", "-D", data_dir, "-U", "postgres", *INITDB_OPTIONS)
        server_options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.base_dir} {SPEED_OPTIONS}"
        )
        self._run("pg_ctl", "-D", data_dir, "-l", str(self.log_path), "-o", server_options, "start")

        wait_until(
            self._accepts_connections,
            timeout=START_TIMEOUT,
            what=f"PostgreSQL on 127.0.0.1:{self.port}",
        )

    def stop(self) -> None:
        """Stop the server at once and delete the cluster."""
        if self.data_dir.exists():
            self._run(
                "pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop", check=False
            )
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def _accepts_connections(self) -> bool:
        result = self._run(
            "pg_isready", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", check=False
        )
        return result.returncode == 0

    def _hand_over_base_dir(self) -> None:
        user = pwd.getpwnam(SERVER_USER)
        os.chown(self.base_dir, user.pw_uid, user.pw_gid)

    def _run(
        self, program: str, *args: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / program), *args]
        if self.as_root:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        result = subprocess.run(
            command, cwd=self.base_dir, capture_output=True, text=True, check=False
        )
        if check and result.returncode != 0:
            raise PostgresUnavailableError(
                f"{program} failed with exit code {result.returncode}: "
                f"{result.stderr.strip() or result.stdout.strip()}\n{tail(str(self.log_path))}"
            )
        return result
