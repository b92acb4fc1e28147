"""Several hosts on one machine: a PostgreSQL of its own, PgBouncer, application hosts, nginx.

Everything listens on the loopback interface and lives in one scratch folder. PostgreSQL,
PgBouncer and nginx run as the ``postgres`` user when the tests run as root (PostgreSQL and
PgBouncer refuse root); each application host is a separate `consult serve` process with its own
empty instance folder, so nothing one host writes on its disk can help another.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from email import policy
from email.parser import BytesParser
from pathlib import Path

from tests.reliability.harness import Server, free_port, is_healthy

PG_BIN = Path("/usr/lib/postgresql")
#: The secret every host shares (sessions and CSRF tokens signed on one host verify on another).
SHARED_SECRET = "multi-host-test-secret-not-for-production"


def pg_bin(name: str) -> str:
    """Return the path of a PostgreSQL server program of the newest installed version."""
    versions = sorted(PG_BIN.iterdir(), key=lambda p: int(p.name)) if PG_BIN.is_dir() else []
    for version in reversed(versions):
        if (version / "bin" / name).exists():
            return str(version / "bin" / name)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found (install Debian's postgresql)")
    return found


def missing_programs() -> list[str]:
    """Return the programs the cluster needs that this machine lacks."""
    missing = [name for name in ("nginx", "pgbouncer") if shutil.which(name) is None]
    for name in ("initdb", "pg_ctl"):
        try:
            pg_bin(name)
        except FileNotFoundError:
            missing.append(name)
    return missing


def _as_service_user(argv: list[str]) -> list[str]:
    """Run as ``postgres`` when we are root (PostgreSQL and PgBouncer refuse root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


def _give_to_service_user(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


def _wait_port(port: int, timeout_s: float = 30) -> None:
    import socket

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout_s}s")


def _stop_group(process: subprocess.Popen | None, first: signal.Signals) -> None:
    """Stop a service started in its own process group: ``first``, then SIGKILL after 10 s."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, first)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


class Postgres:
    """A PostgreSQL cluster of the test's own, which it may stop and restart at will."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()

    @property
    def url(self) -> str:
        """The URL of the consult database, straight to PostgreSQL."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/consult"

    def create(self) -> Postgres:
        """initdb, start, and create the consult database."""
        self.folder.mkdir(parents=True)
        _give_to_service_user(self.folder)
        subprocess.run(
            _as_service_user(
                [
                    pg_bin("initdb"),
                    "-D",
                    str(self.data),
                    "--auth=trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ]
            ),
            check=True,
            capture_output=True,
        )
        self.start()
        subprocess.run(
            _as_service_user(
                [
                    pg_bin("psql"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-U",
                    "postgres",
                    "-qc",
                    "CREATE DATABASE consult",
                ]
            ),
            check=True,
            capture_output=True,
        )
        return self

    def _ctl(self, *arguments: str) -> None:
        subprocess.run(
            _as_service_user([pg_bin("pg_ctl"), "-D", str(self.data), *arguments]),
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._ctl("-l", str(self.folder / "postgres.log"), "-o", options, "-w", "start")

    def stop(self) -> None:
        """Stop the server at once (fast: open transactions are rolled back)."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl("-m", "fast", "-w", "stop")


class PgBouncer:
    """PgBouncer in transaction mode in front of the test's PostgreSQL."""

    def __init__(self, folder: Path, postgres: Postgres) -> None:
        self.folder = folder
        self.postgres = postgres
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The URL of the consult database through PgBouncer."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/consult"

    def start(self) -> PgBouncer:
        """Write the configuration and start PgBouncer."""
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "userlist.txt").write_text('"postgres" ""\n')
        (self.folder / "pgbouncer.ini").write_text(
            "\n".join(
                [
                    "[databases]",
                    f"consult = host=127.0.0.1 port={self.postgres.port} dbname=consult",
                    "[pgbouncer]",
                    "listen_addr = 127.0.0.1",
                    f"listen_port = {self.port}",
                    "unix_socket_dir =",
                    "auth_type = trust",
                    f"auth_file = {self.folder / 'userlist.txt'}",
                    "pool_mode = transaction",
                    "max_client_conn = 1000",
                    "default_pool_size = 40",
                    # Try the server again a second after it refused (15 s by default), so
                    # that the platform is back as soon as PostgreSQL is.
                    "server_login_retry = 1",
                    # A request waiting for a server that is down gets an error after 5 s (the
                    # app answers 503 with the input kept), not after the default 120 s.
                    "query_wait_timeout = 5",
                    "ignore_startup_parameters = extra_float_digits,options",
                    f"logfile = {self.folder / 'pgbouncer.log'}",
                    "",
                ]
            )
        )
        for path in (self.folder, *self.folder.iterdir()):
            _give_to_service_user(path)
        self.process = subprocess.Popen(
            _as_service_user(["pgbouncer", str(self.folder / "pgbouncer.ini")]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        _wait_port(self.port)
        return self

    def stop(self) -> None:
        """Stop PgBouncer."""
        _stop_group(self.process, signal.SIGTERM)


class Nginx:
    """nginx balancing the application hosts, retrying a request no host has seen yet.

    Its proxy settings are the README's ("Deploying on several hosts"), less TLS."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def address(self) -> tuple[str, int]:
        """Where clients connect."""
        return ("127.0.0.1", self.port)

    def write_config(self, host_ports: list[int]) -> None:
        """Write the configuration with one upstream entry per host."""
        servers = "\n".join(
            f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;" for port in host_ports
        )
        temp = {
            name: self.folder / name
            for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        }
        for path in temp.values():
            path.mkdir(parents=True, exist_ok=True)
            _give_to_service_user(path)
        (self.folder / "nginx.conf").write_text(
            f"""
worker_processes 1;
pid {self.folder / "nginx.pid"};
error_log {self.folder / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {temp["client_body"]};
  proxy_temp_path {temp["proxy"]};
  fastcgi_temp_path {temp["fastcgi"]};
  uwsgi_temp_path {temp["uwsgi"]};
  scgi_temp_path {temp["scgi"]};
  upstream consult {{
{servers}
    keepalive 16;
  }}
  server {{
    listen 127.0.0.1:{self.port};
    client_max_body_size 16m;
    location / {{
      proxy_pass http://consult;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
      proxy_set_header X-Request-ID $request_id;
      proxy_connect_timeout 2s;
      proxy_read_timeout 130s;
      proxy_next_upstream error timeout;
    }}
  }}
}}
"""
        )

    def start(self, host_ports: list[int]) -> Nginx:
        """Start nginx in the foreground of its own process group."""
        self.folder.mkdir(parents=True, exist_ok=True)
        _give_to_service_user(self.folder)
        self.write_config(host_ports)
        self.process = subprocess.Popen(
            _as_service_user(
                [
                    "nginx",
                    "-p",
                    str(self.folder),
                    "-c",
                    str(self.folder / "nginx.conf"),
                    "-e",
                    str(self.folder / "error.log"),
                    "-g",
                    "daemon off;",
                ]
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        _wait_port(self.port)
        return self

    def route_to(self, host_ports: list[int]) -> None:
        """Send new requests to these hosts only; requests in flight finish where they are."""
        self.write_config(host_ports)
        old_workers = set(self._workers())
        subprocess.run(
            _as_service_user(
                [
                    "nginx",
                    "-p",
                    str(self.folder),
                    "-c",
                    str(self.folder / "nginx.conf"),
                    "-e",
                    str(self.folder / "error.log"),
                    "-s",
                    "reload",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=30,
        )
        self._wait_for_old_workers(old_workers)

    def _workers(self) -> list[int]:
        """Return the pids of the master's worker processes."""
        master = (self.folder / "nginx.pid").read_text().strip()
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if fields[1] == master:
                    children.append(int(stat.parent.name))
        return children

    def _wait_for_old_workers(self, old_workers: set[int], timeout_s: float = 60) -> None:
        """Wait until a worker of the new configuration runs and every worker of the old one has
        finished its requests and closed its connections to the hosts."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            workers = set(self._workers())
            if workers - old_workers and not workers & old_workers:
                return
            time.sleep(0.05)
        raise RuntimeError("nginx did not finish reloading its configuration")

    def log_mark(self) -> int:
        """Return where nginx's error log ends now (to look only at what comes after)."""
        path = self.folder / "error.log"
        return len(path.read_text(errors="replace")) if path.exists() else 0

    def upstream_errors(self, since: int = 0) -> dict[str, int]:
        """Count what nginx logged about the hosts, by kind (e.g. "connect() failed"), after
        ``since`` characters of its error log."""
        counts: dict[str, int] = {}
        path = self.folder / "error.log"
        text = path.read_text(errors="replace")[since:] if path.exists() else ""
        for line in text.splitlines():
            if "upstream" not in line:
                continue
            kind = line.split("] ", 1)[-1].split(" while ", 1)[0]
            # "1234#1234: *89 recv() failed (104: ...)": without the process and connection.
            kind = re.sub(r"^\d+#\d+: (\*\d+ )?", "", kind)[:80]
            counts[kind] = counts.get(kind, 0) + 1
        return counts

    def stop(self) -> None:
        """Stop nginx (SIGQUIT: requests in flight finish)."""
        _stop_group(self.process, signal.SIGQUIT)


class Host(Server):
    """One application host: `consult serve` with its own empty instance folder and port."""

    def __init__(
        self, folder: Path, database_url: str, workers: int = 2, **environment: str
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        super().__init__(
            folder,
            database_url,
            workers=workers,
            port=free_port(),
            CONSULT_SECRET_KEY=SHARED_SECRET,
            CONSULT_DATABASE_TRANSACTION_POOLING="true",
            CONSULT_PROXY_FIX_HOPS="1",
            CONSULT_FILE_STORAGE="database",
            **environment,
        )

    def use_release(self, release: Path) -> None:
        """Run another copy of the code from the next start on (a rolling upgrade)."""
        self.environment["PYTHONPATH"] = str(release)
        self.cwd = release  # `python -c` looks in its working folder first

    def tracebacks(self, since: int = 0) -> list[str]:
        """Return the tracebacks this host logged (each one whole), after ``since`` characters
        of its log."""
        found = []
        for line in self.log()[since:].splitlines():
            if "Traceback" in line:
                found.append(line[-4000:])
        return found


class MailServer:
    """An SMTP server on loopback (aiosmtpd) counting each Message-ID it accepts."""

    def __init__(self) -> None:
        self.port = free_port()
        self.deliveries: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.controller = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        with self.lock:
            self.deliveries[str(message["Message-ID"]).strip()] += 1
        return "250 Message accepted for delivery"

    def start(self) -> MailServer:
        """Start listening."""
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self.controller is not None:
            self.controller.stop()

    def host_settings(self) -> dict[str, str]:
        """What makes every host's mail sender (spawned by `consult serve`) send here."""
        return {
            "CONSULT_MAIL_HOST": "127.0.0.1",
            "CONSULT_MAIL_PORT": str(self.port),
            "CONSULT_MAIL_SECURITY": "none",
            "CONSULT_MAIL_TIMEOUT": "2",
            # Short enough for the claims of a killed host's sender to lapse during the test.
            "CONSULT_MAIL_LEASE": "30",
            "CONSULT_MAIL_POLL_INTERVAL": "1",
            "CONSULT_MAIL_BATCH_SIZE": "5",
            "CONSULT_MAIL_RETRY_BASE": "2",
        }


class Cluster:
    """PostgreSQL, PgBouncer, ``hosts`` application hosts and nginx in front of them."""

    def __init__(
        self, folder: Path, hosts: int = 3, workers_per_host: int = 2, **host_env: str
    ) -> None:
        self.folder = folder
        self.postgres = Postgres(folder / "postgres")
        self.pgbouncer = PgBouncer(folder / "pgbouncer", self.postgres)
        self.hosts = [
            Host(folder / f"host{n}", self.pgbouncer.url, workers_per_host, **host_env)
            for n in range(1, hosts + 1)
        ]
        self.nginx = Nginx(folder / "nginx")
        #: The SMTP server the hosts' mail senders deliver to, when the test started one.
        self.mail: MailServer | None = None

    @property
    def address(self) -> tuple[str, int]:
        """Where clients connect (nginx)."""
        return self.nginx.address

    def start(self) -> Cluster:
        """Start everything, the hosts one after the other (the first initialises the schema)."""
        self.postgres.create()
        self.pgbouncer.start()
        for host in self.hosts:
            host.start()
        self.nginx.start([host.fixed_port for host in self.hosts])
        return self

    def stop(self) -> None:
        """Stop everything (bounded)."""
        self.nginx.stop()
        for host in self.hosts:
            host.stop()
        self.pgbouncer.stop()
        self.postgres.stop()

    def replace_host(self, host: Host, release: Path) -> float:
        """Take a host out of rotation, restart it on ``release``, put it back; return seconds."""
        began = time.monotonic()
        others = [h.fixed_port for h in self.hosts if h is not host]
        self.nginx.route_to(others)
        host.stop()
        host.use_release(release)
        host.start()
        self.nginx.route_to([h.fixed_port for h in self.hosts])
        return time.monotonic() - began

    def log_marks(self) -> list[int]:
        """Return where each host's log ends now (to look only at what comes after)."""
        return [len(host.log()) for host in self.hosts]

    def tracebacks(self, since: list[int] | None = None) -> list[str]:
        """Return every traceback any host logged (after ``since``, from log_marks())."""
        marks = since or [0] * len(self.hosts)
        return [
            line
            for host, mark in zip(self.hosts, marks, strict=True)
            for line in host.tracebacks(mark)
        ]

    def wait_healthy(self, timeout_s: float = 60) -> float:
        """Wait until /healthz through nginx answers 200; return the seconds it took."""
        began = time.monotonic()
        while time.monotonic() - began < timeout_s:
            if is_healthy(self.address):
                return time.monotonic() - began
            time.sleep(0.1)
        raise RuntimeError(f"the cluster is not healthy after {timeout_s}s")


@contextlib.contextmanager
def running_cluster(
    folder: Path, hosts: int = 3, workers_per_host: int = 2, **host_env: str
) -> Iterator[Cluster]:
    """Start a cluster and stop it whatever happens."""
    cluster = Cluster(folder, hosts, workers_per_host, **host_env)
    try:
        yield cluster.start()
    finally:
        cluster.stop()


def new_release(folder: Path, source: Path, name: str, body: str) -> Path:
    """Copy the release at ``source`` to ``folder`` and add one migration: a new release."""
    for part in ("consult", "migrations", "templates", "static", "questionnaires"):
        shutil.copytree(
            source / part, folder / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(source / "migrations")).get_current_head()
    revision = name.split("_", 1)[0]
    (folder / "migrations" / "versions" / f"{name}.py").write_text(
        f'''"""{name}: a release made by the rolling-upgrade test"""

import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = "{head}"
branch_labels = None
depends_on = None

{body}
'''
    )
    return folder


#: The code this test suite runs: the release every cluster starts from.
THIS_RELEASE = Path(__file__).resolve().parents[2]
