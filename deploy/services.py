"""Local stand-ins for the services a production deployment uses, for `.ci/prod`, the tests and
the benchmarks: a PostgreSQL server (the real one, from the machine's `initdb`/`pg_ctl`) and an
S3 API (moto's server), each on a loopback port, each started and stopped by its owner.

PostgreSQL refuses to run as root, and CI runs as root: the server then runs as an unprivileged
user (``APPOPS_PG_OS_USER``, else ``postgres`` when it exists, else ``appops-pg``, created
once), through ``runuser``. Authentication is ``trust`` on 127.0.0.1: a throwaway server,
never a production one.

    python -m deploy.services prepare                 # find the binaries, create the user
    python -m deploy.services postgres-start DIR PORT # initdb DIR if empty, start, create the db
    python -m deploy.services postgres-stop DIR
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

PG_SUPERUSER = "appops"
PG_DB = "dagster"
PG_PASSWORD = "appops"  # ignored under trust authentication, set because Dagster reads it
CHECKOUT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_bin() -> Path:
    """The folder holding initdb and pg_ctl: ``PG_BIN``, PATH, then the Debian layout."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = shutil.which("initdb")
    if found and (Path(found).resolve().parent / "createdb").exists():
        return Path(found).resolve().parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if not candidates:
        raise FileNotFoundError(
            "no PostgreSQL server binaries (initdb, pg_ctl): install "
            "postgresql (15 or newer) or set PG_BIN to their folder"
        )
    return Path(candidates[-1]).parent


def os_user() -> str | None:
    """The unprivileged user the server runs as when we are root (None: run as ourselves)."""
    if os.geteuid() != 0:
        return None
    wanted = os.environ.get("APPOPS_PG_OS_USER")
    for name in [wanted] if wanted else ["postgres", "appops-pg"]:
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    name = wanted or "appops-pg"
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True
    )
    return name


def _as_user(user: str | None, args: list[str]) -> list[str]:
    return args if user is None else ["runuser", "-u", user, "--", *args]


def prepare() -> tuple[Path, str | None]:
    """Check the binaries and that the unprivileged user exists (idempotent)."""
    return pg_bin(), os_user()


class Postgres:
    """One PostgreSQL server in ``data_dir`` on 127.0.0.1:``port``, database ``dagster``."""

    def __init__(self, data_dir: Path | None = None, port: int | None = None):
        self.bin, self.user = prepare()
        self.owns_dir = data_dir is None
        self.data_dir = Path(data_dir or tempfile.mkdtemp(prefix="appops-pg-"))
        self.port = port or free_port()

    @property
    def env(self) -> dict[str, str]:
        """The variables deploy/dagster.yaml reads."""
        return {
            "DAGSTER_PG_HOST": "127.0.0.1",
            "DAGSTER_PG_PORT": str(self.port),
            "DAGSTER_PG_USER": PG_SUPERUSER,
            "DAGSTER_PG_PASSWORD": PG_PASSWORD,
            "DAGSTER_PG_DB": PG_DB,
        }

    def _run(self, *args: str) -> None:
        done = subprocess.run(_as_user(self.user, list(args)), capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(
                f"{' '.join(args)} failed ({done.returncode}): {done.stdout[-2000:]}{done.stderr[-2000:]}"
            )

    def start(self) -> Postgres:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.user:
            shutil.chown(self.data_dir, self.user, self.user)
        os.chmod(self.data_dir, 0o700)
        fresh = not (self.data_dir / "PG_VERSION").exists()
        if fresh:
            self._run(
                str(self.bin / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                PG_SUPERUSER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            )
        options = f"-p {self.port} -k {self.data_dir} -h 127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data_dir),
            "-o",
            options,
            "-l",
            str(self.data_dir / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        try:
            if fresh:
                self._run(
                    str(self.bin / "createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-U",
                    PG_SUPERUSER,
                    PG_DB,
                )
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
        if self.owns_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> Postgres:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class MotoS3:
    """moto's S3 API server (a separate process) on 127.0.0.1, with one bucket."""

    def __init__(self, bucket: str = "appops", port: int | None = None):
        self.bucket = bucket
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """What s3fs/boto3 need to reach it (AWS_ENDPOINT_URL works for any S3-compatible API)."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }

    def start(self) -> MotoS3:
        server = Path(sys.executable).with_name("moto_server")
        self.process = subprocess.Popen(
            [str(server), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not start on port {self.port}") from None
                time.sleep(0.2)
        import boto3

        boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        ).create_bucket(Bucket=self.bucket)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> MotoS3:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def start_prod(
    log: IO,
    *,
    home: str,
    port: int,
    pg_port: int,
    pg_dir: Path,
    dagster_home: Path,
    workdir: Path,
    env: dict[str, str] | None = None,
) -> subprocess.Popen:
    """``.ci/prod`` (webserver on ``port``, code server, daemon) in a session of its own, on the
    storage root ``home``, against a local PostgreSQL in ``pg_dir`` on ``pg_port`` (never one
    that DAGSTER_PG_* in the environment names), output to ``log``; ``env``: more variables.
    SIGTERM to its process group stops it, its servers and PostgreSQL."""
    env = {
        **os.environ,
        **(env or {}),
        "APPOPS_HOME": home,
        "APPOPS_SETUP": "0",
        "PORT": str(port),
        "APPOPS_CODE_PORT": str(free_port()),
        "APPOPS_PG_PORT": str(pg_port),
        "APPOPS_PG_DIR": str(pg_dir),
        "DAGSTER_HOME": str(dagster_home),
        "APPOPS_WORKDIR": str(workdir),
    }
    for key in ("DAGSTER_PG_HOST", "DAGSTER_PG_PORT"):
        env.pop(key, None)
    return subprocess.Popen(
        ["bash", str(CHECKOUT / ".ci" / "prod")],
        cwd=CHECKOUT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def main(argv: list[str]) -> None:
    if argv[:1] == ["prepare"]:
        binaries, user = prepare()
        print(f"PostgreSQL binaries: {binaries}; server user: {user or 'current user'}")
    elif argv[:1] == ["postgres-start"] and len(argv) == 3:
        server = Postgres(Path(argv[1]), int(argv[2]))
        server.owns_dir = False
        server.start()
        print(f"PostgreSQL on 127.0.0.1:{server.port}, data in {server.data_dir}")
    elif argv[:1] == ["postgres-stop"] and len(argv) == 2:
        server = Postgres(Path(argv[1]), 1)
        server.owns_dir = False
        server.stop()
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
