"""The test app served over real HTTP on a free local port: in this process, one thread per request
(``serve``), or under gunicorn as deployed (``gunicorn``); ``Browser`` is a person using it over HTTP."""
from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server


@contextmanager
def serve(app):
    """Yield the base URL (``http://127.0.0.1:<port>``) while the app is served; for browsers and for
    parallel clients that must go through sockets, as real ones do."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


class Gunicorn:
    """The app as deployed: ``gunicorn -c deploy/gunicorn.conf.py`` (two workers by default) serving
    ``database`` on a free local port, in a process group of its own; ``workers()`` are the pids of its
    live workers, ``log()`` what it wrote to stderr."""

    def __init__(self, database: dict, folder, workers: int = 2, **env):
        root = Path(__file__).resolve().parents[2]
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        Path(folder).mkdir(parents=True, exist_ok=True)
        self.errors = Path(folder) / "gunicorn-error.log"
        environment = {**os.environ, "JICENG_DATABASE_URL": database["SQLALCHEMY_DATABASE_URI"],
                       "JICENG_MIGRATE_DATABASE_URL": database["MIGRATE_DATABASE_URL"], "JICENG_WORKERS": str(workers),
                       "JICENG_SCHEDULER_SECONDS": "0", "JICENG_INSTANCE": str(folder), "JICENG_ARGON2_CHEAP": "1",
                       "PYTHONPATH": str(root), **env}
        gunicorn = Path(sys.executable).with_name("gunicorn")
        with self.errors.open("wb") as errors:  # the server keeps its own copy of the file
            self.proc = subprocess.Popen([str(gunicorn), "-c", "deploy/gunicorn.conf.py", "-b",
                                          f"127.0.0.1:{self.port}", "--access-logfile", "/dev/null", "core:create_app()"],
                                         cwd=root, env=environment, stdout=subprocess.DEVNULL, stderr=errors,
                                         start_new_session=True)
        self.count = workers

    def wait_ready(self, seconds: float = 180) -> None:
        """Until every worker is up and /healthz answers (a wait, not a speed limit: a busy machine boots slowly)."""
        deadline = time.monotonic() + seconds
        while True:
            assert self.proc.poll() is None, self.log()[-3000:]
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=5):
                    if len(self.workers()) == self.count:
                        return
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not start:\n" + self.log()[-3000:]
            time.sleep(0.2)

    def workers(self) -> list[int]:
        """Pids of the master's live children (its workers), read from /proc."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid and fields[0] not in ("Z", "X"):
                pids.append(int(stat.parent.name))
        return sorted(pids)

    def log(self) -> str:
        return self.errors.read_text(errors="replace")

    def stop(self) -> None:
        """End the master and its workers at once (SIGKILL to the group this server leads): the load has
        stopped, and a graceful exit spends seconds of CPU tearing the app down in every worker."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(15)


@contextmanager
def gunicorn(database: dict, folder, workers: int = 2, **env):
    """Serve ``database`` under gunicorn as deployed while the block runs; yields the :class:`Gunicorn`."""
    server = Gunicorn(database, folder, workers, **env)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


class Browser:
    """A person's browser over real HTTP: keeps its cookies, sends the page's CSRF token with each form,
    follows no redirect (a 303 is an answer to check). Answers are ``(status, headers, body)``; a
    connection the server dropped raises ``OSError``."""

    def __init__(self, base: str, timeout: float = 30):

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None
        self.base, self.timeout, self.csrf = base, timeout, ""
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  NoRedirect())

    def request(self, method: str, path: str, data: dict | None = None, **headers):
        body = None
        if data is not None:
            body = urllib.parse.urlencode({**data, "csrf_token": self.csrf}).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        try:
            resp = self.opener.open(req, timeout=self.timeout)
        except urllib.error.HTTPError as err:  # 3xx (not followed), 4xx, 5xx: an answer all the same
            resp = err
        with resp:
            status, answer_headers, text = resp.status, dict(resp.headers), resp.read().decode(errors="replace")
        token = re.search(r'name="csrf_token" value="([^"]+)"', text)
        if token:
            self.csrf = token.group(1)
        return status, answer_headers, text

    def get(self, path: str, **headers):
        return self.request("GET", path, **headers)

    def post(self, path: str, data: dict, **headers):
        return self.request("POST", path, data, **headers)

    def login(self, account, page: str) -> None:
        """Sign in, then open ``page`` (signing in gives the session a new CSRF token, read from there)."""
        self.get("/login")
        status, _, text = self.post("/login", {"username": account.username, "password": account.password})
        assert status == 303, text[:500]
        before = self.csrf
        status, _, text = self.get(page)
        assert status == 200 and self.csrf != before, text[:500]
