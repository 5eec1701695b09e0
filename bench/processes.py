"""Starting servers for benchmarks and fault tests, and reading their CPU and memory from /proc.

psutil is not installed, and not needed: ``/proc/<pid>/stat`` has the CPU
ticks (fields 14 and 15, utime and stime) and ``/proc/<pid>/status`` the
resident memory (``VmRSS``). Every server listens on 127.0.0.1 only.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15 of the line)


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def service_cpu(database: str | None = None) -> dict[str, float]:
    """CPU seconds so far of the PostgreSQL backends serving ``database`` and of redis-server.

    Backends are found by their process title (``postgres: user database ...``);
    the shared PostgreSQL processes (WAL writer, checkpointer) and other
    databases are not counted. Redis is one process shared by everything on the
    machine, so its figure includes whatever else used it meanwhile.
    """
    totals = {"postgresql": 0.0, "redis": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if database and cmdline.startswith("postgres: ") and f" {database} " in cmdline:
                totals["postgresql"] += cpu_seconds(int(entry.name))
            elif "redis-server" in cmdline.split(" ", 1)[0]:
                totals["redis"] += cpu_seconds(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
    return totals


class Server:
    """``python serve.py`` (Roundtable) or ``python bench/bare_room.py`` on a free loopback port."""

    def __init__(self, kind: str, env: dict[str, str], log_dir: Path, port: int | None = None):
        self.kind = kind
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        script = "serve.py" if kind == "roundtable" else "bench/bare_room.py"
        self.log_path = Path(log_dir) / f"{kind}-{self.port}.log"
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, script, "--port", str(self.port)],
            cwd=PROJECT, env={**os.environ, **env}, stdout=self._log, stderr=subprocess.STDOUT,
        )
        self.wait_listening()

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_listening(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} server exited: {self.log()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.kind} server did not listen within {timeout}s: {self.log()[-3000:]}")

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def rss(self) -> int:
        return rss_bytes(self.pid)

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """kill -9: no goodbye to the phones, no flush, as a crash would."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
