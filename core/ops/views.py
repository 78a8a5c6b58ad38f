"""``/healthz``, ``/readyz`` and ``/metrics``: for load balancers and monitoring, outside any tenant."""
from __future__ import annotations

from http import HTTPStatus

from flask import Blueprint, Response, abort, jsonify

from ..auth.permissions import audience

ops = Blueprint("ops", __name__)


@ops.get("/healthz")
@audience("public")
def healthz():
    """Liveness: the process answers (it does not touch the database, so a database outage does not
    get every worker restarted)."""
    return jsonify(status="ok")


@ops.get("/readyz")
@audience("public")
def readyz():
    from .ready import report
    body, ready = report()
    resp = jsonify(body)
    resp.status_code = HTTPStatus.OK if ready else HTTPStatus.SERVICE_UNAVAILABLE
    resp.headers["Cache-Control"] = "no-store"
    return resp


@ops.get("/metrics")
@audience("public")
def metrics():
    from .metrics import allowed, exposition
    if not allowed():
        abort(404)  # not advertised to the world
    payload, content_type = exposition()
    return Response(payload, content_type=content_type, headers={"Cache-Control": "no-store"})
