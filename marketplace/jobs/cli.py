"""``flask jobs``: the RQ worker, the scheduler's one command, and the jobs' own periodic task."""

import json
import logging
import os
import socket
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from marketplace.jobs import queue, scheduler
from marketplace.jobs import services as jobs

jobs_cli = AppGroup("jobs", help="Background jobs: the worker and the periodic tasks.")


@scheduler.periodic("jobs.recover", timedelta(minutes=1))
def recover_task(now) -> dict:
    """Requeue jobs whose process died, and queued jobs no runner took."""
    return jobs.recover(now)


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
@click.option("--simple", is_flag=True, help="Run jobs in this process (no work horse fork).")
@click.option("--name", default=None, help="The worker's name (default: host and process id).")
def worker_command(burst: bool, simple: bool, name: str | None) -> None:
    """Run queued jobs from Redis (REDIS_URL) until stopped."""
    if not queue.enabled():
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run in the web "
                                   "process and no worker is needed.")
    logging.basicConfig(level=current_app.config.get("LOG_LEVEL", "INFO"))
    queue.work(current_app._get_current_object(), burst=burst, simple=simple,
               name=name or f"{socket.gethostname()}.{os.getpid()}")


@jobs_cli.command("run-due")
@click.option("--only", multiple=True, help="Run only this task (repeatable).")
@click.option("--list", "show", is_flag=True, help="List the periodic tasks and stop.")
def run_due_command(only: tuple[str, ...], show: bool) -> None:
    """Run every periodic task that is due (call it every minute; safe to run twice at once)."""
    if show:
        for task in sorted(scheduler.TASKS.values(), key=lambda task: task.name):
            click.echo(f"{task.name}\tevery {task.period}\t{task.what}")
        return
    unknown = [name for name in only if name not in scheduler.TASKS]
    if unknown:
        raise click.ClickException(f"unknown task(s): {', '.join(unknown)}")
    outcome = scheduler.run_due(only=list(only) or None)
    for name, result in outcome.items():
        click.echo(f"{name}: {result if isinstance(result, str) else json.dumps(result)}")
    if any(isinstance(result, dict) and result.get("error") for result in outcome.values()):
        raise SystemExit(1)
