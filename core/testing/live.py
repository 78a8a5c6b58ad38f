"""The test app served over real HTTP on a free local port, one thread per request."""
from __future__ import annotations

import threading
from contextlib import contextmanager

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
