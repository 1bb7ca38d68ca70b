"""Counts made again in the background after a change, so that the first person to open the
themes page or a goal's page after it does not wait for a million codings to be counted."""

from huey import crontab

from app.core import job_queue, transaction
from app.themes import aggregates


@job_queue.huey.periodic_task(crontab(minute="*"))
@job_queue.one_worker("warm_theme_counts", seconds=50)
def warm_theme_counts() -> None:
    """Every minute: where the counts are kept in Redis, shared by the web processes, count
    what the themes and goal pages show in every year, if the change token has moved
    (what is kept already costs a lookup). Each process's own memory is no use to another,
    so without Redis this does nothing."""
    app = job_queue._worker_app
    if app is None or not app.config.get("REDIS_URL"):
        return
    with app.app_context():
        warm()


#: what other areas count from the themes' data, warmed with it (the goals area registers
#: its goal pages' counts at app creation): called with each count scope
WARMERS: list = []


def warm() -> None:
    """Count, and keep, the themes page's counts and what the areas registered in
    ``WARMERS`` (every goal page's) in every year, for the team and for research."""
    aggregates.stamp()
    transaction.commit()  # the stamps, if any: a transaction that wrote keeps no counts
    for path in aggregates.COUNT_PATHS:
        scope = aggregates.Scope(path=path)
        aggregates.warm(scope)
        for warmer in WARMERS:
            warmer(scope)
        transaction.rollback()  # nothing written: this ends the transaction
