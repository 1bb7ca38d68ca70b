"""Translation catalogs compiled at start-up when the installation left them out or behind."""

import os
import shutil
from pathlib import Path

from babel.messages.mofile import read_mo

import app as package
from app.core import catalogs, i18n

TRANSLATIONS = Path(package.__file__).parent / "translations"


def po_only(folder: Path) -> Path:
    """A copy of the code's catalogs as git holds them: .po files, no .mo."""
    for po in catalogs.sources(TRANSLATIONS):
        target = folder / po.relative_to(TRANSLATIONS)
        target.parent.mkdir(parents=True)
        shutil.copyfile(po, target)
    return folder


def translated(mo: Path, text: str) -> str:
    with open(mo, "rb") as src:
        return read_mo(src).get(text).string


def test_start_up_compiles_missing_catalogs(tmp_path):
    translations = po_only(tmp_path / "translations")
    assert catalogs.stale(translations) == catalogs.sources(translations)
    assert i18n.prepare_catalogs(translations, tmp_path / "instance") is None
    assert translated(translations / "sv/LC_MESSAGES/messages.mo", "Log in") == "Logga in"
    assert translated(translations / "da/LC_MESSAGES/messages.mo", "Log in") == "Log ind"
    assert (translations / "en/LC_MESSAGES/messages.mo").is_file()
    assert catalogs.stale(translations) == []
    assert not (tmp_path / "instance").exists()


def test_a_catalog_older_than_its_po_is_compiled_again(tmp_path):
    translations = po_only(tmp_path / "translations")
    catalogs.compile_catalogs(translations)
    po = translations / "sv/LC_MESSAGES/messages.po"
    po.write_text(po.read_text().replace('msgstr "Logga in"', 'msgstr "Logga in nu"', 1))
    later = po.stat().st_mtime + 60
    os.utime(po, (later, later))
    assert catalogs.stale(translations) == [po]
    i18n.prepare_catalogs(translations, tmp_path / "instance")
    assert translated(translations / "sv/LC_MESSAGES/messages.mo", "Log in") == "Logga in nu"


def test_a_catalog_unpacked_just_before_its_po_counts_as_compiled(tmp_path):
    # pip unpacks a wheel in name order: messages.mo a moment before messages.po.
    translations = po_only(tmp_path / "translations")
    catalogs.compile_catalogs(translations)
    for mo in translations.glob("*/LC_MESSAGES/messages.mo"):
        stamp = mo.with_suffix(".po").stat().st_mtime - 1
        os.utime(mo, (stamp, stamp))
    assert catalogs.stale(translations) == []


def refuse_the_code_folder(monkeypatch):
    """Make the code's folder read-only for compiling (the tests run as root, whom a mode
    bit does not stop)."""
    compile_catalogs = catalogs.compile_catalogs

    def compile_elsewhere_only(translations, target=None):
        if target is None or Path(target) == Path(translations):
            raise PermissionError(13, "Permission denied", str(translations))
        return compile_catalogs(translations, target)

    monkeypatch.setattr(catalogs, "compile_catalogs", compile_elsewhere_only)


def test_a_read_only_code_folder_compiles_into_the_instance_folder(tmp_path, monkeypatch):
    translations = po_only(tmp_path / "translations")
    refuse_the_code_folder(monkeypatch)
    instance = tmp_path / "instance"
    assert i18n.prepare_catalogs(translations, instance) == instance / "translations"
    assert translated(instance / "translations/sv/LC_MESSAGES/messages.mo", "Log in") == "Logga in"
    assert not (translations / "sv/LC_MESSAGES/messages.mo").exists()
    # The next start uses them as they are.
    before = (instance / "translations/sv/LC_MESSAGES/messages.mo").stat().st_mtime_ns
    assert i18n.prepare_catalogs(translations, instance) == instance / "translations"
    assert (instance / "translations/sv/LC_MESSAGES/messages.mo").stat().st_mtime_ns == before


def test_the_application_reads_catalogs_compiled_into_its_instance_folder(
    app_factory, tmp_path, monkeypatch
):
    # The code's own catalogs are out of date and cannot be written: the pages are still in
    # the browser's language, from the catalogs compiled into the instance folder.
    stale = catalogs.stale
    monkeypatch.setattr(
        catalogs,
        "stale",
        lambda translations, target=None: (
            catalogs.sources(translations) if target is None else stale(translations, target)
        ),
    )
    refuse_the_code_folder(monkeypatch)
    application = app_factory()
    compiled = tmp_path / "instance" / "translations"
    assert application.config["BABEL_TRANSLATION_DIRECTORIES"] == str(compiled)
    assert (compiled / "da/LC_MESSAGES/messages.mo").is_file()
    client = application.test_client()
    page = client.get("/login", headers={"Accept-Language": "da"}).get_data(as_text=True)
    assert "Log ind" in page
