"""The ``redthread`` command: the Flask CLI of the app plus Red Thread's own commands."""

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from app.config import ConfigError
from app.core import transaction
from app.core.users import Role


def _create_app():
    from app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app)
def cli():
    """Red Thread: follow-up interviews with former foster children."""


def main():
    try:
        cli.main(prog_name="redthread")
    except ConfigError as error:
        click.echo(f"redthread: configuration error: {error}", err=True)
        sys.exit(2)


@click.command("create-user")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Full name shown to other users.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Repeat for several roles.",
)
@click.option("--email", default=None)
@click.password_option(help="Prompted for when not given.")
@with_appcontext
def create_user_command(username, display_name, roles, email, password):
    """Create a user (the first administrator, for example)."""
    from app.admin.services import SelfGrantError, create_user
    from app.auth.services import PasswordRejected
    from app.core.users import User

    if User.by_username(username):
        raise click.ClickException(f"user {username!r} already exists")
    try:
        user = create_user(
            actor=None,
            username=username,
            display_name=display_name,
            password=password,
            roles=roles,
            email=email,
        )
    except PasswordRejected as rejected:
        raise click.ClickException(str(rejected)) from None
    except SelfGrantError:
        raise click.ClickException(
            "an administrator cannot be given a data role here; create the administrator, "
            "then let another administrator grant the data role on the web"
        ) from None
    transaction.commit()
    click.echo(f"created {user.username} ({', '.join(sorted(r.value for r in user.roles))})")


@click.command("reset-two-factor")
@click.argument("username")
@with_appcontext
def reset_two_factor_command(username):
    """Clear a user's two-factor login (a lost phone; the only administrator, for example)."""
    from app.admin.services import reset_two_factor
    from app.core.users import User

    user = User.by_username(username)
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    reset_two_factor(None, user)
    transaction.commit()
    click.echo(f"two-factor login of {user.username} reset; they set it up at their next login")


@click.group("audit")
def audit_group():
    """The audit log."""


@audit_group.command("verify")
@with_appcontext
def audit_verify_command():
    """Check the hash chain; report the first broken link."""
    from app.core.audit_chain import verify_chain

    report = verify_chain()
    if report.ok:
        # Keep this line somewhere outside the database (cron mail, syslog): a later run
        # with fewer entries or another last hash means the log was cut short.
        click.echo(f"audit log intact: {report.checked} entries, last hash {report.last_hash}")
        return
    click.echo(
        f"audit log BROKEN at entry {report.broken_at} ({report.reason}); "
        f"{report.checked} entries before it are intact",
        err=True,
    )
    sys.exit(1)


@click.command("demo")
@click.option("--force", is_flag=True, help="Load even if the database already has users.")
@with_appcontext
def demo_command(force):
    """Load the fictional demo data set into an empty database."""
    from app.demo import DemoNotEmpty, load_demo

    try:
        passwords = load_demo(force=force)
    except DemoNotEmpty:
        click.echo("the database already has users; demo data not loaded (use --force)")
        return
    transaction.commit()
    click.echo("Demo data loaded. Log in at http://127.0.0.1:5000 with:")
    for username, (roles, password) in passwords.items():
        click.echo(f"  {username:<12} {password:<28} {', '.join(roles)}")
    click.echo(
        "Interviewers, coordinators and administrators set up two-factor login (an "
        "authenticator app) at their first login; see docs/admin-guide.md."
    )


@click.command("bench-data")
@click.option("--interviews", default=10_000, show_default=True, type=click.IntRange(1))
@click.option("--years", default=20, show_default=True, type=click.IntRange(1, 100))
@click.option("--codings", default=100, show_default=True, type=click.IntRange(0),
              help="Codings per interview, on average.")  # fmt: skip
@click.option("--seed", default=1, show_default=True, help="The same seed, the same corpus.")
@click.option("--force", is_flag=True, help="Add to a database that already has participants.")
@with_appcontext
def bench_data_command(interviews, years, codings, seed, force):
    """Fill the database with a synthetic corpus for the scale benchmark (all invented)."""
    import secrets
    import time

    from app.benchdata import CorpusNotEmpty, CorpusSpec, build_corpus

    spec = CorpusSpec(interviews=interviews, years=years, codings=codings, seed=seed)
    password = "-".join(secrets.token_hex(3) for _ in range(4))
    began = time.monotonic()
    try:
        for step in build_corpus(spec, password, force=force):
            transaction.commit()
            click.echo(f"{step.interviews:>7}/{step.total} interviews, {step.codings:>9} codings, "
                       f"{time.monotonic() - began:6.1f} s")  # fmt: skip
    except CorpusNotEmpty:
        transaction.rollback()
        raise click.ClickException(
            "the database already has participants; no corpus added (use --force)"
        ) from None
    transaction.commit()
    click.echo(f"corpus ready in {time.monotonic() - began:.1f} s; the bench-* users' password "
               f"is {password}")  # fmt: skip


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
def worker_command(workers):
    """Run the background worker (huey consumer)."""
    from flask import current_app

    from app.consent.texts import seed_forms
    from app.core.job_queue import run_worker
    from app.guides.services import sync_guides

    app = current_app._get_current_object()
    if app.config["HUEY_IMMEDIATE"]:
        raise click.ClickException("this app runs jobs inline (HUEY_IMMEDIATE); no worker needed")
    with app.app_context():  # guides are synchronised at every start
        report = sync_guides()
        forms = seed_forms()
        transaction.commit()
        click.echo(f"guides: {len(report.added)} added, {report.unchanged} unchanged")
        if forms:
            click.echo(f"consent forms: {forms} added")
    run_worker(app, workers=workers)


@click.group("guides")
def guides_group():
    """Interview guides (the YAML files in interview_guides/) and the first consent forms."""


@guides_group.command("sync")
@click.option(
    "--folder", type=click.Path(exists=True, file_okay=False), help="Another guide folder."
)
@with_appcontext
def guides_sync_command(folder):
    """Store new guide versions; a bad file stops the sync with its line and reason.

    On a new installation this also stores version 1 of the consent form in each language.
    """
    from pathlib import Path

    from app.consent.texts import seed_forms
    from app.guides.files import GuideFileError
    from app.guides.services import FOLDER, sync_guides

    try:
        report = sync_guides(Path(folder) if folder else FOLDER)
    except GuideFileError as error:
        transaction.rollback()
        raise click.ClickException(f"guide not loaded: {error}") from None
    forms = seed_forms()
    transaction.commit()
    if forms:
        click.echo(f"consent forms: version 1 stored in {forms} languages")
    for version in report.added:
        click.echo(f"added {version.guide_key} ({version.language}) version {version.version}")
    click.echo(f"{len(report.added)} added, {report.unchanged} unchanged")


@click.group("keys")
def keys_group():
    """Data-encryption keys."""


@keys_group.command("generate")
def keys_generate_command():
    """Print a new data key to put first in REDTHREAD_DATA_KEYS or instance/data_keys."""
    from cryptography.fernet import Fernet

    click.echo(Fernet.generate_key().decode())


@keys_group.command("rotate")
@with_appcontext
def keys_rotate_command():
    """Re-encrypt every encrypted column and file under the first (newest) key."""
    from app.core.keys import rotate_everything

    columns, files = rotate_everything()
    transaction.commit()
    click.echo(f"re-encrypted {columns} values and {files} files under the newest key")


@click.command("transcribe")
@click.argument("audio_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--language", default="sv", show_default=True, type=click.Choice(["sv", "da", "en"]))
@click.option(
    "--model",
    "model",
    type=click.Path(exists=False),
    help="Local model folder (or .pt file); default: the configured one.",
)
@click.option("--engine", type=click.Choice(["faster-whisper", "openai-whisper"]),
              help="Default: REDTHREAD_WHISPER_ENGINE.")  # fmt: skip
@with_appcontext
def transcribe_command(audio_file, language, model, engine):
    """Transcribe an audio file and print its segments (to try a model, or for batch work).

    Nothing is stored: the file is read as it is, and the text goes to standard output.
    """
    import time

    from flask import current_app

    from app.transcripts import audio, engines, transcription

    config = current_app.config
    engine = engine or config["WHISPER_ENGINE"]
    model = model or transcription.model_path(language)
    if not model:
        raise click.ClickException(f"no model given and none configured for {language}")
    options = {"threads": config["WHISPER_THREADS"], "device": config["WHISPER_DEVICE"]}
    if engine == "faster-whisper":
        options |= {"batch_size": config["WHISPER_BATCH_SIZE"],
                    "beam_size": config["WHISPER_BEAM_SIZE"]}  # fmt: skip
    try:
        loaded = engines.load_engine(engine, model, **options)
        with open(audio_file, "rb") as src:
            audio.probe(src, max_seconds=24 * 3600)
            src.seek(0)
            samples = audio.decode(src)
    except (engines.EngineError, audio.AudioError) as error:
        raise click.ClickException(str(error)) from None
    seconds = len(samples) / engines.SAMPLE_RATE
    began = time.monotonic()
    with click.progressbar(length=1000, label="transcribing", file=sys.stderr) as bar:
        done = [0]

        def progress(share):
            step = int(share * 1000) - done[0]
            if step > 0:
                bar.update(step)
                done[0] += step

        segments = loaded.transcribe(samples, language, progress)
        progress(1.0)
    for segment in segments:
        click.echo(f"[{segment.start:8.2f} -> {segment.end:8.2f}] {segment.text}")
    spent = time.monotonic() - began
    click.echo(f"{seconds:.1f} s of audio in {spent:.1f} s (real-time factor "
               f"{spent / max(seconds, 0.001):.3f})", err=True)  # fmt: skip


@click.group("retention")
def retention_group():
    """Retention of audio recordings."""


@retention_group.command("run")
@with_appcontext
def retention_run_command():
    """Destroy the recordings whose time after verification is over (also run nightly)."""
    from app.transcripts.recordings import destroy_due_audio

    count = destroy_due_audio()
    transaction.commit()
    click.echo(f"{count} recordings destroyed")


@click.group("storage")
def storage_group():
    """The encrypted file store (MEDIA_ROOT)."""


@storage_group.command("sweep")
@with_appcontext
def storage_sweep_command():
    """Remove stray stored files older than a day (also run nightly by the worker)."""
    from app.core import storage

    removed = storage.sweep_strays()
    transaction.commit()
    for category, count in sorted(removed.items()):
        click.echo(f"{category}: {count} removed")
    click.echo(f"{sum(removed.values())} stray files removed")


def register_commands(app: Flask) -> None:
    from app.core.backup_commands import COMMANDS as backup_commands
    from app.transcripts.models_cli import models_group

    for command in backup_commands:
        app.cli.add_command(command)
    for command in (
        create_user_command,
        reset_two_factor_command,
        audit_group,
        demo_command,
        bench_data_command,
        worker_command,
        keys_group,
        guides_group,
        transcribe_command,
        models_group,
        retention_group,
        storage_group,
    ):
        app.cli.add_command(command)
