"""How many gunicorn workers for this machine: serve one signed-in demo page with 1, 2 and 4 sync
workers and measure each with wrk (the numbers in deploy/README.md come from here).

    JICENG_DATABASE_URL=sqlite:////tmp/demo.db jiceng db upgrade && jiceng demo load   # once
    JICENG_DATABASE_URL=sqlite:////tmp/demo.db python deploy/measure_workers.py [--workers 1 2 4]

Prints one line per worker count: requests/s, p50 and p99 in ms, non-2xx answers.
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _cookie(headers) -> str:
    return "; ".join(c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or [])


def sign_in(base: str, username: str, password: str) -> str:
    opener = urllib.request.build_opener(_NoRedirect)
    resp = opener.open(f"{base}/login")
    cookie = _cookie(resp.headers)
    token = re.search(r'name="csrf_token" value="([^"]+)"', resp.read().decode()).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token}).encode()
    try:
        opener.open(urllib.request.Request(f"{base}/login", data=data, headers={"Cookie": cookie}))
    except urllib.error.HTTPError as err:
        if err.code == 303:
            return _cookie(err.headers)
        raise
    raise RuntimeError("sign-in failed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(workers: int, page: str, connections: int, seconds: int, username: str, password: str) -> dict:
    port = free_port()
    env = {**os.environ, "JICENG_WORKERS": str(workers), "JICENG_SCHEDULER_SECONDS": "0",
           "JICENG_LOGIN_MAX_FAILURES_ADDRESS": "100000"}
    proc = subprocess.Popen([GUNICORN, "-c", str(ROOT / "deploy/gunicorn.conf.py"), "-b", f"127.0.0.1:{port}",
                             "--access-logfile", "/dev/null", "core:create_app()"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        cookie = sign_in(base, username, password)
        url = base + page
        args = ["wrk", "-t1", f"-c{connections}", "--latency", "-H", f"Cookie: {cookie}"]
        subprocess.run([*args, "-d3s", url], capture_output=True, check=True)  # warm every worker
        out = subprocess.run([*args, f"-d{seconds}s", url], capture_output=True, text=True, check=True).stdout
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {p: _ms(re.search(rf"\s{p}%\s+([\d.]+\w+)", out).group(1)) for p in ("50", "99")}
    bad = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    return {"workers": workers, "rps": rps, "p50_ms": lat["50"], "p99_ms": lat["99"], "non2xx": bad}


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--page", default="/t/xjj-xiejiaji/grid/", help="a signed-in demo page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--user", default="street-admin")
    parser.add_argument("--password", default="jiceng-demo-2026")
    args = parser.parse_args()
    print(f"cores={os.cpu_count()} load={os.getloadavg()[0]:.2f} page={args.page} wrk -t1 -c{args.connections} "
          f"-d{args.seconds}s", flush=True)
    for n in args.workers:
        r = measure(n, args.page, args.connections, args.seconds, args.user, args.password)
        print(f"workers={r['workers']} rps={r['rps']:.1f} p50_ms={r['p50_ms']:.1f} p99_ms={r['p99_ms']:.1f} "
              f"non2xx={r['non2xx']} load={os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
