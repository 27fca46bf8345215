"""A throwaway PostgreSQL server for the tests: its own data folder, a unix socket, no TCP.

Debian's packages (``postgresql-15``) put the programs in /usr/lib/postgresql/<n>/bin, not on
PATH; ``make test`` installs them when they are missing. initdb and postgres refuse to run as
root, and CI runs as root: then the server runs as the ``postgres`` system user the package
creates (or AIDBRIDGE_PG_USER), its folder handed to that user. Durability is switched off
(fsync, synchronous_commit): a test server is thrown away, and the tests measure no disk.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "aidbridge"


class PostgresUnavailable(RuntimeError):
    pass


def find_bin() -> Path:
    """The folder holding initdb: AIDBRIDGE_PG_BIN, PATH, or Debian's newest version."""
    configured = os.environ.get("AIDBRIDGE_PG_BIN")
    if configured:
        return Path(configured)
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if not found:
        raise PostgresUnavailable(
            "PostgreSQL's initdb was not found: `make test` installs Debian's postgresql "
            "package, or set AIDBRIDGE_PG_BIN to the folder holding initdb"
        )
    return Path(found[-1]).parent


def _major(initdb: str) -> int:
    version = Path(initdb).parent.parent.name
    return int(version) if version.isdigit() else 0


@dataclass
class PostgresServer:
    root: Path
    socket_dir: Path
    process: subprocess.Popen[bytes]
    bin: Path
    run_as: str | None

    def url(self, database: str) -> str:
        # asyncpg reads a socket folder from the host query parameter.
        return f"postgresql://{SUPERUSER}@/{database}?host={self.socket_dir}"

    def sql(self, statement: str) -> None:
        """One statement as the superuser, through psql (no event loop needed)."""
        subprocess.run(
            [
                str(self.bin / "psql"),
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                str(self.socket_dir),
                "-U",
                SUPERUSER,
                "-d",
                "postgres",
                "-c",
                statement,
            ],
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            # SIGINT is PostgreSQL's "fast" shutdown: sessions ended, no waiting on clients.
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def _user_kwargs(run_as: str | None) -> dict[str, object]:
    return {} if run_as is None else {"user": run_as, "group": pwd.getpwnam(run_as).pw_gid}


def start(*, durable: bool = False) -> PostgresServer:
    """``durable``: PostgreSQL's defaults for fsync and commits (a bench measuring commits as
    a deployment pays them); off for tests."""
    bin_dir = find_bin()
    run_as: str | None = None
    if os.geteuid() == 0:
        run_as = os.environ.get("AIDBRIDGE_PG_USER", "postgres")
        try:
            pwd.getpwnam(run_as)
        except KeyError as exc:
            raise PostgresUnavailable(
                f"running as root, PostgreSQL needs an ordinary user to run as; {run_as!r} "
                "does not exist (set AIDBRIDGE_PG_USER)"
            ) from exc
    root = Path(tempfile.mkdtemp(prefix="aidbridge-pg-"))
    data = root / "data"
    sockets = root / "run"
    sockets.mkdir()
    if run_as is not None:
        entry = pwd.getpwnam(run_as)
        for path in (root, sockets):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    kwargs = _user_kwargs(run_as)
    init = subprocess.run(  # checked below, with its output
        [
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            # C.UTF-8: byte order for text (as SQLite's BINARY), and lower()/upper() know
            # Cyrillic letters.
            "--locale=C.UTF-8",
            "--no-sync",
        ],
        capture_output=True,
        cwd=root,
        **kwargs,  # type: ignore[call-overload]
    )
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise PostgresUnavailable(f"initdb failed: {init.stderr.decode(errors='replace')}")
    log = open(root / "postgres.log", "wb")  # noqa: SIM115 - the server's whole life
    process = subprocess.Popen(
        [
            str(bin_dir / "postgres"),
            "-D",
            str(data),
            "-k",
            str(sockets),
            "-c",
            "listen_addresses=",
            *(
                []
                if durable
                else [
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                ]
            ),
            "-c",
            "max_connections=200",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=root,
        **kwargs,  # type: ignore[call-overload]
    )
    log.close()
    server = PostgresServer(root, sockets, process, bin_dir, run_as)
    try:
        _wait_ready(server)
    except BaseException:
        server.stop()  # never leave a server behind a failed start
        raise
    return server


def _wait_ready(server: PostgresServer) -> None:
    """Until the server accepts connections (pg_isready), or it exited."""
    deadline = time.monotonic() + 60
    while True:
        if server.process.poll() is not None:
            text = (server.root / "postgres.log").read_text(errors="replace")
            server.stop()
            raise PostgresUnavailable(f"postgres exited at start:\n{text}")
        ready = subprocess.run(
            [str(server.bin / "pg_isready"), "-q", "-h", str(server.socket_dir), "-U", SUPERUSER],
            check=False,
        )
        if ready.returncode == 0:
            return
        if time.monotonic() > deadline:
            server.stop()
            raise PostgresUnavailable("postgres did not become ready within 60 s")
        time.sleep(0.05)


@contextlib.contextmanager
def running(*, durable: bool = False) -> Iterator[PostgresServer]:
    server = start(durable=durable)
    try:
        yield server
    finally:
        server.stop()
