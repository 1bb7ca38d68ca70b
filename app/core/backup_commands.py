"""The ``redthread backup-key``, ``backup`` and ``restore`` commands (docs/admin-guide.md)."""

from datetime import UTC, datetime
from pathlib import Path

import click
from flask.cli import with_appcontext

from app.core import audit, transaction
from app.core.sealed_archive import ArchiveError, key_file_exposed, new_key_file, read_key_file

KEY_OPTION = click.option(
    "--key-file",
    envvar="REDTHREAD_BACKUP_KEY_FILE",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The backup key (made by `redthread backup-key`); or REDTHREAD_BACKUP_KEY_FILE.",
)


def _key(path: Path) -> bytes:
    try:
        key = read_key_file(path)
    except ArchiveError as error:
        raise click.ClickException(str(error)) from None
    if key_file_exposed(path):
        # Whoever reads it and an archive reads everything: warn, but do not stop a backup.
        click.echo(
            f"warning: the backup key file {path} can be read by others than its owner; "
            f"make it readable by the backup's user alone (chmod 600 {path})",
            err=True,
        )
    return key


@click.command("backup-key")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_key_command(path):
    """Make a new backup key file (mode 0600). Keep it offline, not beside the archives."""
    try:
        new_key_file(path)
    except (ArchiveError, OSError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backup key written to {path}")


@click.command("backup")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Archive to write; default: redthread-YYYYMMDD-HHMMSS.rtb in the current folder.",
)
@KEY_OPTION
@with_appcontext
def backup_command(output, key_file):
    """Write one encrypted archive: database snapshot, stored files, keys, manifest."""
    from app.core.backup import make_backup

    key = _key(key_file)
    if output is None:
        output = Path(f"redthread-{datetime.now(UTC):%Y%m%d-%H%M%S}.rtb")
    try:
        report = make_backup(output, key)
    except ArchiveError as error:
        raise click.ClickException(f"no backup written: {error}") from None
    rows = sum(report.snapshot.counts.values())
    # The archive holds everything, identity data included: making one is an export.
    audit.record(None, "backup.create", archive=report.path.name, size=report.size, rows=rows,
                 files=report.media_files, schema=report.snapshot.revision)  # fmt: skip
    transaction.commit()
    click.echo(
        f"backup written to {report.path} ({report.size} bytes): {rows} rows in "
        f"{len(report.snapshot.counts)} tables, {report.media_files} files, schema "
        f"{report.snapshot.revision}; erasure ledger: {report.ledger_entries} entries"
    )


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@KEY_OPTION
@click.option(
    "--erasures",
    "ledgers",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An erasure ledger (erasures.json) to replay; the one beside ARCHIVE is always read.",
)
@click.option(
    "--no-ledger",
    is_flag=True,
    help="Restore without any erasure ledger (there is none): people erased since the "
    "backup come back.",
)
@with_appcontext
def restore_command(archive, key_file, ledgers, no_ledger):
    """Restore ARCHIVE into this empty instance; stop the web app and worker first."""
    from app.core import audit
    from app.core.restore import restore_backup

    key = _key(key_file)
    try:
        report = restore_backup(archive, key, list(ledgers), no_ledger=no_ledger)
    except ArchiveError as error:
        raise click.ClickException(f"nothing restored: {error}") from None
    manifest = report.manifest
    audit.record(None, "backup.restore", created_at=manifest["created_at"],
                 media_files=report.media_files, erased_again=report.erased)  # fmt: skip
    transaction.commit()
    click.echo(
        f"restored the backup of {manifest['created_at']} (schema {manifest['schema_revision']}): "
        f"{sum(manifest['counts'].values())} rows, {report.media_files} files; "
        f"{report.erased} participants erased again from the erasure log"
    )
    newest = report.newest_erasure
    click.echo(
        f"erasure ledger: {len(report.ledger)} entries, the newest erasure {newest or 'none'}; "
        f"the archive was made {manifest['created_at']}. Erasures made after the ledger was "
        "last written (by a backup) are not known here: make them again."
    )
    click.echo("next: start the web app and the worker.")


COMMANDS = (backup_key_command, backup_command, restore_command)
