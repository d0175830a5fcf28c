"""Helpers the benchmark scripts share: PostgreSQL housekeeping, `booking serve` on a free port,
py-spy, CPU time, percentiles and the machine's description. `skeleton.py` puts them together
into the run every script shares. Imported by the scripts beside it (a script's own directory is
on sys.path), not part of the service.
"""

from __future__ import annotations

import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
# Any 32+ characters do; the in-process phases use the same key as the server.
SECRET_KEY = "bench-" + "k" * 40


def sqlite_url(workdir: Path) -> str:
    return f"sqlite+aiosqlite:///{workdir / 'bench.db'}"


def database_name(url: str) -> str:
    """The kind of database (sqlite, postgresql), for result names and summary lines."""
    return url.split(":", 1)[0].split("+", 1)[0]


def pg_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def recreate_postgres(url: str) -> None:
    """Drop and recreate the database the URL names (through the `postgres` database)."""
    name = make_url(url).database
    if not name or not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing to recreate database {name!r}")
    conn = await asyncpg.connect(pg_dsn(url, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def postgres_version(url: str) -> str | None:
    if not url.startswith("postgresql"):
        return None
    conn = await asyncpg.connect(pg_dsn(url))
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def service_environ(url: str, workdir: Path) -> dict[str, str]:
    """The BOOKING_* settings of every benchmark's service, served or in-process."""
    return {
        "BOOKING_DATABASE_URL": url,
        "BOOKING_MAIL_DIR": str(workdir / "mail"),
        "BOOKING_SECRET_KEY": SECRET_KEY,
    }


def start_server(
    url: str, workdir: Path, workers: int = 1, env: Mapping[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """`booking serve` with the production settings, its log in workdir/serve.log; `env` adds
    BOOKING_* variables (SMTP, say) to the ones every benchmark sets. The base URL is the
    server's own, so the links it hands out (feed URLs, say) point back at it."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BOOKING_")} | {
        **service_environ(url, workdir),
        "BOOKING_BASE_URL": base,
        **(env or {}),
    }
    command = [sys.executable, "-m", "booking.cli", "serve", "--port", str(port)]
    with (workdir / "serve.log").open("wb") as log:
        server = subprocess.Popen(
            [*command, "--workers", str(workers)],
            env=environ,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"booking serve exited:\n{(workdir / 'serve.log').read_text()}")
        try:
            if httpx.get(f"{base}/ready", timeout=5).status_code == 200:
                return server, base
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise SystemExit("booking serve did not become ready in 60 s")


def start_worker(
    url: str, workdir: Path, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`booking worker` (the outbox, mail and timers without HTTP) beside a server started with
    BOOKING_RUN_WORKER=false: the production layout. Its log is workdir/worker.log."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BOOKING_")} | {
        **service_environ(url, workdir),
        **(env or {}),
    }
    with (workdir / "worker.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "booking.cli", "worker"],
            env=environ,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
        )


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@contextmanager
def py_spy(pid: int, output: Path | None) -> Iterator[None]:
    """Sample `pid` (and its children) with py-spy while the block runs; a speedscope file.

    py-spy attaches from outside (ptrace), so the server runs exactly as in production.
    """
    if output is None:
        yield
        return
    exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    command = [exe, "record", "--pid", str(pid), "--subprocesses", "--rate", "200"]
    recorder = subprocess.Popen(
        [*command, "--format", "speedscope", "--output", str(output), "--nonblocking"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(1.0)  # py-spy needs a moment to attach
    try:
        yield
    finally:
        recorder.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        _, errors = recorder.communicate(timeout=60)
        if recorder.returncode not in {0, -signal.SIGINT}:
            print(f"py-spy failed: {errors.decode(errors='replace')[-500:]}", file=sys.stderr)


def _parse_stat(text: str) -> tuple[int, str, float]:
    """(parent pid, command name, user + system CPU seconds) from a /proc/<pid>/stat line; the
    name sits in parentheses and may hold spaces or parentheses itself."""
    fields = text.rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return int(fields[1]), text[text.index("(") + 1 : text.rindex(")")], cpu


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    return _parse_stat(Path(f"/proc/{pid}/stat").read_text())[2]


def _stats() -> list[tuple[int, int, str, float]]:
    """(pid, parent pid, command name, CPU seconds) of every process now running."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # it ended meanwhile
        found.append((int(stat.parent.name), *_parse_stat(text)))
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU time so far of `pid` and every process under it (uvicorn's workers)."""
    stats = _stats()
    children: dict[int, list[int]] = {}
    for child, parent, _, _ in stats:
        children.setdefault(parent, []).append(child)
    tree, todo = set(), [pid]
    while todo:
        current = todo.pop()
        tree.add(current)
        todo.extend(children.get(current, []))
    return sum(cpu for p, _, _, cpu in stats if p in tree)


def postgres_cpu_seconds() -> float:
    """CPU time so far of the PostgreSQL processes running now (a backend that ended since
    the last reading is missed: read it around work done on long-lived connections)."""
    return sum(cpu for _, _, name, cpu in _stats() if name.startswith("postgres"))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def machine() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{platform.machine()}, {os.cpu_count()} cores ({model}), "
        f"Python {platform.python_version()}"
    )
