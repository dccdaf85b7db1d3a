"""Drive a server with wrk and read its report: requests/s, p50, p99, status codes."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_LATENCY = re.compile(r"^\s*(50|75|90|99)%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.M)
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
_TOTAL = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h)", re.M)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_STATUS = re.compile(r"^STATUS (\d+) (\d+)$", re.M)

# Lua shared by the scripts: count status codes per thread and print them at the end.
STATUS_LUA = """
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
function init(args)
  statuses = {}
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do total[code] = (total[code] or 0) + n end
  end
  for code, n in pairs(total) do io.write(string.format("STATUS %d %d\\n", code, n)) end
end
"""


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    seconds: float
    non_2xx_3xx: int = 0
    socket_errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    command: str = ""
    # Share of the machine's CPU used during the run by processes other than the bench,
    # its servers and wrk (other people's work on a shared machine skews the figures).
    other_load: float | None = None

    def as_dict(self) -> dict:
        return {"rps": round(self.rps, 1), "p50_ms": round(self.p50_ms, 2),
                "p99_ms": round(self.p99_ms, 2), "requests": self.requests,
                "seconds": round(self.seconds, 2), "non_2xx_3xx": self.non_2xx_3xx,
                "socket_errors": self.socket_errors,
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
                "other_load": round(self.other_load, 3) if self.other_load is not None else None,
                "command": self.command}


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is not installed: `apt-get install wrk` (Debian/Ubuntu) "
                         "or build it from its source, then run make bench again.")
    return path


def lua_string(text: str) -> str:
    """Quote *text* as a Lua string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def write_script(path: Path, body: str, headers: dict[str, str] | None = None,
                 count_statuses: bool = True) -> Path:
    """Write a wrk Lua script: fixed *headers*, *body* (request() etc.), status counting."""
    lines = [f"wrk.headers[{lua_string(k)}] = {lua_string(v)}" for k, v in (headers or {}).items()]
    path.write_text("\n".join(lines) + "\n" + (STATUS_LUA if count_statuses else "") + body)
    return path


def run(url: str, *, duration: float, threads: int, connections: int,
        headers: dict[str, str] | None = None, script: Path | None = None,
        timeout_s: int = 10) -> WrkResult:
    seconds = max(1, round(duration))  # wrk takes whole seconds only
    cmd = [require_wrk(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s",
           f"--timeout={timeout_s}s", "--latency"]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    if script is not None:
        cmd += ["-s", str(script)]
    cmd.append(url)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr or proc.stdout}")
    return parse(proc.stdout, command=" ".join(_shown(cmd)))


def _shown(cmd: list[str]) -> list[str]:
    """The command as printed in results: no cookie values, paths relative to the project."""
    root = str(Path(__file__).resolve().parents[1]) + "/"
    return [re.sub(r"(Cookie: ).*", r"\1...", part).replace(root, "") for part in cmd]


def parse(text: str, command: str = "") -> WrkResult:
    latencies = {int(p): float(v) * _UNITS[u] for p, v, u in _LATENCY.findall(text)}
    rps = _RPS.search(text)
    total = _TOTAL.search(text)
    if rps is None or total is None or 50 not in latencies:
        raise RuntimeError(f"cannot read wrk's report:\n{text}")
    non = _NON_2XX.search(text)
    sock = _SOCKET.search(text)
    return WrkResult(
        rps=float(rps.group(1)), p50_ms=latencies[50], p99_ms=latencies.get(99, 0.0),
        requests=int(total.group(1)),
        seconds=float(total.group(2)) * _UNITS[total.group(3)] / 1000.0,
        non_2xx_3xx=int(non.group(1)) if non else 0,
        socket_errors=sum(int(x) for x in sock.groups()) if sock else 0,
        statuses={int(code): int(n) for code, n in _STATUS.findall(text)},
        command=command,
    )
