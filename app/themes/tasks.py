"""Counts made again in the background after a change, so that the first person to open the
themes page or a goal's page after it does not wait for a million codings to be counted."""

from huey import crontab

from app.core import jobs


@jobs.huey.periodic_task(crontab(minute="*"))
@jobs.one_worker("warm_theme_counts", seconds=50)
def warm_theme_counts() -> None:
    """Every minute: where the counts are kept in Redis, shared by the web processes, count
    what the themes and goal pages show in every year, if the change token has moved
    (what is kept already costs a lookup). Each process's own memory is no use to another,
    so without Redis this does nothing."""
    app = jobs._worker_app
    if app is None or not app.config.get("REDIS_URL"):
        return
    with app.app_context():
        warm()


def warm() -> None:
    """Count, and keep, the themes page's and every goal page's counts in every year, for
    the team and for research."""
    from app.core import transaction
    from app.goals import queries as goals
    from app.themes import aggregates

    aggregates.stamp()
    transaction.commit()  # the stamps, if any: a transaction that wrote keeps no counts
    for path in aggregates.COUNT_PATHS:
        scope = aggregates.Scope(path=path)
        aggregates.warm(scope)
        for goal in goals.goals():
            codes = goals.direction_codes(goal)
            if codes:
                goals.direction_counts(scope, codes)
                for code_ids in codes.values():
                    goals.quote_candidates(scope, code_ids)
        transaction.rollback()  # nothing written: this ends the transaction
