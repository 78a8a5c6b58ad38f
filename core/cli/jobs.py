"""``jiceng jobs``: scheduled jobs and event delivery (cron-friendly, idempotent)."""
from __future__ import annotations

import time

import click
from flask.cli import with_appcontext


@click.group("jobs")
def jobs_group():
    """Scheduled jobs and the event sweeper."""


@jobs_group.command("run")
@with_appcontext
def run():
    """Run due jobs once for every tenant, then deliver events left undelivered."""
    from ..events.dispatch import sweep
    from ..events.jobs import run_due
    for slug, job, status in run_due():
        click.echo(f"{slug}\t{job}\t{status}")
    click.echo(f"events swept: {sweep()}")


@jobs_group.command("worker")
@click.option("--interval", default=30, show_default=True, help="seconds between rounds")
@click.option("--metrics-port", envvar="JICENG_WORKER_METRICS_PORT", type=int, default=None,
              help="Serve this process's job metrics on 127.0.0.1:PORT/metrics (env JICENG_WORKER_METRICS_PORT).")
@with_appcontext
def worker(interval, metrics_port):
    """Run jobs and sweep events forever (systemd: jiceng-worker.service)."""
    from ..events.dispatch import sweep
    from ..events.jobs import run_due
    if metrics_port:
        from ..ops.metrics import serve_process_metrics
        serve_process_metrics(metrics_port)
        click.echo(f"job metrics at http://127.0.0.1:{metrics_port}/metrics")
    while True:
        run_due()
        sweep()
        time.sleep(interval)
