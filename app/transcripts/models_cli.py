"""`redthread models`: the administrator installs speech models in one step.

The only place in Red Thread that downloads anything; the application reads what is
installed under instance/models (app/transcripts/installed_models.py).
"""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.transcripts import installed_models, installer, model_archive
from app.transcripts.installed_models import LANGUAGES, ModelError


def _root() -> Path:
    return installed_models.models_root(current_app.instance_path)


def _size(count: int) -> str:
    return f"{count / 1e9:.1f} GB" if count >= 1e9 else f"{count / 1e6:.0f} MB"


def _speed(manifest: dict) -> str:
    test = manifest.get("self_test") or {}
    if "real_time_factor" not in test:
        return "not measured"
    return f"real-time factor {test['real_time_factor']} on {test['measured_at'][:10]}"


@click.group("models", invoke_without_command=True)
@click.pass_context
def models_group(ctx):
    """Speech models: the recommended ones, and those installed in instance/models."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_command)


@models_group.command("list")
@with_appcontext
def list_command():
    """The catalogue, the installed models, and the model each language uses now."""
    from app.transcripts import transcription

    click.echo("Recommended models (redthread models install NAME):")
    for entry in installer.catalogue().values():
        how = "installs from the hub" if entry.get("files") else "no pinned checksums: --from"
        click.echo(f"  {entry['name']:<24} {','.join(entry['languages']):<4} "
                   f"{_size(entry['bytes']):>7}  {entry['speed']:<8} {how}")  # fmt: skip
        click.echo(f"  {'':<24} {entry['repo']}; licence: {entry['licence']}")
        click.echo(f"  {'':<24} {entry['note']}")
    models = installed_models.installed(_root())
    click.echo(f"Installed in {_root()}:" if models else "Installed: none")
    for model in models:
        languages = ",".join(model.get("languages", [])) or "-"
        click.echo(f"  {model['name']:<24} {languages:<8} {_speed(model)}")
    click.echo("Each interview language uses:")
    for language in LANGUAGES:
        click.echo(f"  {language}: {transcription.model_path(language) or 'no model'}")


def _languages(name: str | None, chosen: tuple[str, ...]) -> list[str] | None:
    if chosen:
        return list(chosen)
    entry = installer.catalogue().get(name or "")
    return list(entry["languages"]) if entry else None


@models_group.command("install")
@click.argument("name", required=False)
@click.option("--from", "source", type=click.Path(exists=True, path_type=Path),
              help="A model folder or a .zip/.tar.gz archive carried in (no network).")  # fmt: skip
@click.option("--name", "as_name", help="The installed model's name (with --from).")
@click.option("--language", "languages", multiple=True, type=click.Choice(LANGUAGES),
              help="Use it for this interview language (repeat for several).")  # fmt: skip
@click.option("--threads", default=0, show_default=True, help="CPU threads for the self-test.")
@with_appcontext
def install_command(name, source, as_name, languages, threads):
    """Install a model: NAME from the catalogue over HTTPS at its pinned revision, or a
    folder or archive with --from. Checksums are checked, then a short self-test runs."""
    root = _root()
    try:
        if source is not None:
            chosen = as_name or name
            manifest = model_archive.install_from_path(
                root, source, name=chosen, languages=_languages(chosen, languages) or [],
                threads=threads,
            )  # fmt: skip
        elif not name:
            raise click.UsageError("give a NAME from `redthread models`, or --from PATH")
        else:
            entry = installer.catalogue_entry(name)
            installer.require_pinned(entry)
            installer.check_new(root, name)
            hub = installer.hub_url()
            total = sum(size for _path, size, _digest in entry.get("files") or [])
            with click.progressbar(length=max(total, 1), label=f"downloading {name}",
                                   file=sys.stderr) as bar:  # fmt: skip
                shown = [0]

                def progress(done: int, _total: int) -> None:
                    bar.update(done - shown[0])
                    shown[0] = done

                manifest = installer.install_from_hub(
                    root, entry, hub, languages=_languages(name, languages), progress=progress,
                    threads=threads,
                )  # fmt: skip
    except ModelError as error:
        raise click.ClickException(str(error)) from None
    serves = ", ".join(manifest["languages"]) or (
        f"no language yet (set REDTHREAD_WHISPER_MODEL_SV={manifest['name']}, for example)"
    )
    test = manifest["self_test"]
    click.echo(f"installed {manifest['name']} in {manifest['path']}, for {serves}")
    click.echo(f"self-test: {test['audio_seconds']} s of silence in {test['seconds']} s "
               f"(real-time factor {test['real_time_factor']}; speech takes longer)")  # fmt: skip


@models_group.command("verify")
@click.argument("name", required=False)
@with_appcontext
def verify_command(name):
    """Check the SHA-256 of every file of one installed model (or of all of them)."""
    root = _root()
    names = [name] if name else [m["name"] for m in installed_models.installed(root)]
    failed = False
    try:
        for each in names:
            problems = installed_models.verify(root, each)
            failed = failed or bool(problems)
            click.echo(f"{each}: " + ("; ".join(problems) if problems else "intact"))
    except ModelError as error:
        raise click.ClickException(str(error)) from None
    if not names:
        click.echo("no models installed")
    if failed:
        sys.exit(1)


@models_group.command("remove")
@click.argument("name")
@click.option("--force", is_flag=True, help="remove it even while transcriptions wait for it")
@with_appcontext
def remove_command(name, force):
    """Remove an installed model. A transcription already running keeps the model it loaded
    and finishes; one still queued for it would fail, so it is refused without --force."""
    from app.transcripts import transcription

    waiting = transcription.jobs_using_model(_root() / name)
    if waiting and not force:
        raise click.ClickException(
            f"{waiting} transcription(s) are queued or running with {name}; wait until they "
            "end, or remove it with --force (a running one keeps its loaded model and "
            "finishes; a queued one then fails and can be started again)"
        )
    try:
        installed_models.remove(_root(), name)
    except ModelError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"removed {name}")


@models_group.command("hint", hidden=True)
@with_appcontext
def hint_command():
    """One line on how to get a model, when no language has one (for `make run`)."""
    from app.transcripts import transcription

    if not any(transcription.model_path(language) for language in LANGUAGES):
        click.echo("No speech model installed: `redthread models` lists the recommended ones; "
                   "`redthread models install whisper-base` installs one (see docs/admin-guide.md, "
                   '"Speech to text").')  # fmt: skip
