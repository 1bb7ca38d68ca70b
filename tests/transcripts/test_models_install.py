"""`redthread models`: installs from a hub served on 127.0.0.1 (resolve/{revision}/{file},
with Range) and from carried-in folders and archives, with the real tiny.en model files.
"""

import errno
import hashlib
import io
import re
import shutil
import tarfile
import threading
import urllib.parse
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from flask import current_app

from app.core.users import Role
from app.transcripts import installed_models, installer, model_archive, transcription

REVISION = "0123456789abcdef0123456789abcdef01234567"
REPO = "test-org/tiny-test"


class Hub:
    """What the test hub serves and what it was asked."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.requests: list[tuple[str, str | None]] = []
        self.cut_once: dict[str, int] = {}  # path -> bytes sent before the line drops
        self.ignore_range = False


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        hub = self.server.hub
        path = urllib.parse.unquote(self.path)
        asked = self.headers.get("Range")
        hub.requests.append((path, asked))
        data = hub.files.get(path)
        if data is None:
            self.send_error(404)
            return
        start = 0
        if asked and not hub.ignore_range:
            start = int(re.match(r"bytes=(\d+)-", asked).group(1))
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        cut = hub.cut_once.pop(path, None)
        self.wfile.write(body if cut is None else body[:cut])

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def model_files(model_dir) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(model_dir.iterdir()) if p.is_file()}


def entry_for(name: str, content: dict[str, bytes], **changes) -> dict:
    return {
        "name": name, "repo": REPO, "revision": REVISION, "languages": ["en"],
        "bytes": sum(map(len, content.values())), "speed": "fastest", "licence": "MIT",
        "note": "test",
        "files": [(n, len(d), hashlib.sha256(d).hexdigest()) for n, d in content.items()],
    } | changes  # fmt: skip


@pytest.fixture
def hub(model_files, monkeypatch):
    served = Hub({f"/{REPO}/resolve/{REVISION}/{n}": d for n, d in model_files.items()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.hub = served
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("REDTHREAD_MODEL_HUB_URL", f"http://127.0.0.1:{server.server_port}")
    entries = {
        "tiny-test": entry_for("tiny-test", model_files),
        "unpinned": entry_for("unpinned", model_files, revision=None, files=None),
    }
    monkeypatch.setattr(installer, "catalogue", lambda: entries)
    served.entries = entries
    yield served
    server.shutdown()
    server.server_close()


@pytest.fixture
def root(app) -> Path:
    return installed_models.models_root(app.instance_path)


@pytest.fixture
def models(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["models", *args])


def test_install_from_the_hub_checks_every_file_and_records_it(hub, models, root, model_files):
    result = models("install", "tiny-test")
    assert result.exit_code == 0, result.output
    folder = root / "tiny-test"
    for name, data in model_files.items():
        assert (folder / name).read_bytes() == data
    manifest = installed_models.read_manifest(folder)
    assert manifest["revision"] == REVISION
    assert manifest["languages"] == ["en"]  # the catalogue's language, as none was given
    assert manifest["source"]["repo"] == REPO
    assert manifest["files"]["model.bin"]["sha256"] == hashlib.sha256(
        model_files["model.bin"]).hexdigest()  # fmt: skip
    assert manifest["self_test"]["real_time_factor"] > 0
    assert manifest["multilingual"] is False
    assert not list(root.glob(".partial-*"))
    assert all(r[1] is None for r in hub.requests)  # nothing to resume
    assert {p for p, _ in hub.requests} == {f"/{REPO}/resolve/{REVISION}/{n}" for n in model_files}
    # The language without a setting of its own uses it, at once (no restart).
    current_app.config["WHISPER_MODELS"] = {}
    assert transcription.model_path("en") == str(folder)
    assert transcription.model_path("sv") is None
    assert models("verify", "tiny-test").output.strip() == "tiny-test: intact"
    again = models("install", "tiny-test")
    assert again.exit_code == 1
    assert "tiny-test is already installed" in again.output
    assert "tiny-test" in models().output


def test_a_cut_off_download_is_never_used_and_resumes_with_range(hub, models, root, app):
    path = f"/{REPO}/resolve/{REVISION}/model.bin"
    hub.cut_once[path] = 1_000_000
    result = models("install", "tiny-test")
    assert result.exit_code == 1
    assert "cut off at 1000000 of" in result.output
    assert not (root / "tiny-test").exists()
    current_app.config["WHISPER_MODELS"] = {}
    assert transcription.model_path("en") is None  # the half model is nowhere the app looks
    assert (root / ".partial-tiny-test" / "model.bin").stat().st_size == 1_000_000

    result = models("install", "tiny-test")
    assert result.exit_code == 0, result.output
    assert (path, "bytes=1000000-") in hub.requests
    assert installed_models.verify(root, "tiny-test") == []


def test_a_server_without_range_restarts_the_file(hub, models, root):
    path = f"/{REPO}/resolve/{REVISION}/model.bin"
    hub.cut_once[path] = 500_000
    hub.ignore_range = True
    assert models("install", "tiny-test").exit_code == 1
    result = models("install", "tiny-test")
    assert result.exit_code == 0, result.output
    assert (path, "bytes=500000-") in hub.requests  # asked, answered with the whole file
    assert installed_models.verify(root, "tiny-test") == []


def test_a_checksum_mismatch_installs_nothing(hub, models, root, model_files):
    files = dict(model_files, **{"config.json": model_files["config.json"] + b" "})
    wrong = entry_for("tiny-test", files)  # the hub still serves the real config.json
    wrong["files"] = [(n, len(model_files[n]), d) for n, _size, d in wrong["files"]]
    hub.entries["tiny-test"] = wrong
    result = models("install", "tiny-test")
    assert result.exit_code == 1
    assert "config.json of tiny-test does not match its pinned SHA-256" in result.output
    assert not (root / "tiny-test").exists()
    assert not (root / ".partial-tiny-test" / "config.json").exists()


def test_unknown_and_unpinned_names_are_refused(hub, models):
    result = models("install", "kb-whisper-huge")
    assert result.exit_code == 1
    assert (
        "unknown model 'kb-whisper-huge'; the catalogue has: tiny-test, unpinned" in result.output
    )
    result = models("install", "unpinned")
    assert result.exit_code == 1
    assert "this catalogue entry has no pinned checksums; install it with --from" in result.output
    assert hub.requests == []


def test_a_second_installation_of_the_same_model_is_refused(hub, models, root):
    with installed_models.install_lock(root, "tiny-test"):
        result = models("install", "tiny-test")
    assert result.exit_code == 1
    assert "another installation of tiny-test is running" in result.output
    assert hub.requests == []


def test_a_full_disk_says_so_and_leaves_installed_models_alone(hub, models, root, monkeypatch):
    assert models("install", "tiny-test", "--language", "en").exit_code == 0
    hub.entries["tiny-two"] = entry_for("tiny-two", {})
    hub.entries["tiny-two"]["files"] = hub.entries["tiny-test"]["files"]

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(installer, "_download", full)
    result = models("install", "tiny-two")
    assert result.exit_code == 1
    assert "is full; the installed models are unchanged" in result.output
    assert not (root / "tiny-two").exists()
    assert installed_models.verify(root, "tiny-test") == []


def test_too_little_space_is_said_before_the_download(hub, models, root, monkeypatch):
    usage = shutil.disk_usage(root.parent)
    monkeypatch.setattr(installer.shutil, "disk_usage", lambda _path: usage._replace(free=1000))
    result = models("install", "tiny-test")
    assert result.exit_code == 1
    assert "MB more, and the disk under" in result.output
    assert hub.requests == []
    assert not (root / "tiny-test").exists()


def test_the_official_catalogue_pins_or_refuses_every_entry():
    for entry in installer.catalogue().values():
        assert installed_models.NAME.match(entry["name"])
        assert entry["licence"] and entry["languages"] and entry["speed"]
        if entry["files"] is not None:
            assert re.fullmatch(r"[0-9a-f]{40}", entry["revision"])
            names = {path for path, _size, _digest in entry["files"]}
            installer.check_model_files(names)
            for _path, size, digest in entry["files"]:
                assert size > 0 and re.fullmatch(r"[0-9a-f]{64}", digest)
    languages = {lang for e in installer.catalogue().values() for lang in e["languages"]}
    assert languages == {"sv", "da", "en"}


# --- carried in -------------------------------------------------------------------------------


def tar_with(path: Path, members: list[tarfile.TarInfo], data: bytes = b"x") -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for info in members:
            archive.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return path


def file_info(name: str, size: int = 1) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    return info


@pytest.mark.parametrize(
    ("member", "reason"),
    [("../model.bin", "unsafe path"), ("/var/model.bin", "unsafe path"),
     ("model/../../model.bin", "unsafe path"), ("link", "a link")],
)  # fmt: skip
def test_an_unsafe_archive_is_refused_before_anything_is_written(models, root, tmp_path, member,
                                                                 reason):  # fmt: skip
    if member == "link":
        bad = tarfile.TarInfo("model/config.json")
        bad.type, bad.linkname = tarfile.SYMTYPE, "/etc/passwd"
    else:
        bad = file_info(member)
    archive = tar_with(tmp_path / "usb.tar.gz", [file_info("model/model.bin"), bad])
    result = models("install", "--from", str(archive), "--name", "usb")
    assert result.exit_code == 1
    assert reason in result.output
    assert not root.exists() or not any(root.iterdir())
    assert not (tmp_path.parent / "model.bin").exists()


def test_a_zip_with_a_link_or_a_climbing_path_is_refused(models, root, tmp_path):
    climbing = tmp_path / "climb.zip"
    with zipfile.ZipFile(climbing, "w") as archive:
        archive.writestr("model.bin", b"x")
        archive.writestr("../../evil.txt", b"x")
    linked = tmp_path / "link.zip"
    with zipfile.ZipFile(linked, "w") as archive:
        archive.writestr("model.bin", b"x")
        link = zipfile.ZipInfo("config.json")
        link.external_attr = 0o120777 << 16  # a symbolic link, as zip stores one
        archive.writestr(link, "/etc/passwd")
    assert "unsafe path" in models("install", "--from", str(climbing)).output
    assert "a link" in models("install", "--from", str(linked)).output
    assert not root.exists() or not any(root.iterdir())


def test_an_archive_that_unpacks_too_large_is_refused(models, root, tmp_path, monkeypatch):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in ("model.bin", "config.json", "tokenizer.json"):
            archive.writestr(name, b"\0" * 100_000)
    monkeypatch.setattr(model_archive, "MAX_ARCHIVE_BYTES", 250_000)
    result = models("install", "--from", str(bomb))
    assert result.exit_code == 1
    assert "unpacks to more than" in result.output
    assert not root.exists() or not any(root.iterdir())


@pytest.mark.parametrize(
    ("left_out", "missing"),
    [("model.bin", "model.bin"), ("tokenizer.json vocabulary.txt", "tokenizer.json or")],
)
def test_a_folder_without_model_or_tokenizer_is_refused(models, root, model_dir, tmp_path,
                                                         left_out, missing):  # fmt: skip
    folder = tmp_path / "incomplete"
    folder.mkdir()
    for path in model_dir.iterdir():
        if path.name not in left_out.split():
            (folder / path.name).symlink_to(path)
    result = models("install", "--from", str(folder))
    assert result.exit_code == 1
    assert f"not a faster-whisper (CTranslate2) model: {missing}" in result.output
    assert not (root / "incomplete").exists()


def test_an_archive_installs_with_checksums_and_serves_its_language(
    models, root, model_dir, tmp_path, model_files
):
    archive = tmp_path / "tiny.en.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=1) as out:
        out.add(model_dir, arcname="tiny.en")
    result = models("install", "--from", str(archive), "--name", "usb-tiny", "--language", "en")
    assert result.exit_code == 0, result.output
    manifest = installed_models.read_manifest(root / "usb-tiny")
    assert manifest["source"] == {"kind": "archive", "from": "tiny.en.tar.gz"}
    assert manifest["files"]["tokenizer.json"]["sha256"] == hashlib.sha256(
        model_files["tokenizer.json"]).hexdigest()  # fmt: skip
    current_app.config["WHISPER_MODELS"] = {"sv": "usb-tiny"}  # a name, as in the setting
    assert transcription.model_path("sv") == str(root / "usb-tiny")
    assert transcription.speech_model("sv").refusal  # still English-only: the lead's check holds
    assert transcription.model_path("en") == str(root / "usb-tiny")  # installed for en


def test_an_english_only_model_is_not_installed_for_swedish(models, root, model_dir):
    result = models("install", "--from", str(model_dir), "--name", "tiny", "--language", "sv")
    assert result.exit_code == 1
    assert "understands English only" in result.output
    assert not (root / "tiny").exists()
    assert not list(root.glob(".partial-*"))


def test_verify_finds_a_changed_file_and_remove_removes(models, root, model_dir):
    assert models("install", "--from", str(model_dir), "--name", "tiny").exit_code == 0
    with open(root / "tiny" / "config.json", "a") as config:
        config.write(" ")
    result = models("verify")
    assert result.exit_code == 1
    assert "tiny: config.json has changed" in result.output
    (root / "tiny" / "vocabulary.txt").unlink()
    assert "vocabulary.txt is missing" in models("verify", "tiny").output

    assert models("remove", "tiny").exit_code == 0
    assert not (root / "tiny").exists()
    result = models("remove", "tiny")
    assert result.exit_code == 1
    assert "no installed model 'tiny'; installed: none" in result.output


def test_make_run_hint_only_without_any_model(app, models, model_dir):
    current_app.config["WHISPER_MODELS"] = {}
    assert "redthread models install" in models("hint").output
    current_app.config["WHISPER_MODEL_FALLBACK"] = str(model_dir)
    assert models("hint").output == ""


def test_the_admin_page_shows_models_languages_and_speed(app, client, auth, models, model_dir):
    assert models("install", "--from", str(model_dir), "--name", "tiny", "--language",
                  "en").exit_code == 0  # fmt: skip
    current_app.config["WHISPER_MODELS"] = {}
    auth.login(Role.ADMIN)
    page = client.get("/transcripts/admin/speech-models").get_data(as_text=True)
    languages, installed = page.split("Installed models", 1)
    assert "<td>English</td>\n    <td>tiny</td>" in languages
    row = installed.split("<td>tiny</td>", 1)[1].split("</tr>", 1)[0]
    assert "English" in row and "real-time factor" in row and "Carried in: model" in row
    assert "Speech models" in page.split('<nav class="main-nav"', 1)[1].split("</nav>", 1)[0]
    shutil.rmtree(installed_models.models_root(app.instance_path) / "tiny")
    page = client.get("/transcripts/admin/speech-models").get_data(as_text=True)
    assert "No models are installed" in page


def test_a_model_waited_for_is_not_removed_and_a_running_job_keeps_its_model(
    app, models, root, model_dir, conducted, speech
):
    from app.core import jobs
    from app.core.db import db
    from app.transcripts import audio, engines
    from tests.transcripts.test_audio import upload

    assert models("install", "--from", str(model_dir), "--name", "tiny", "--language", "en")
    interviewer, interview = conducted
    app.config["WHISPER_MODELS"] = {}
    recording = upload(interviewer, interview, speech)
    job = jobs.Job(kind=transcription.TRANSCRIBE, subject=transcription.subject(recording),
                   params=f'{{"recording_id": {recording.id}}}', state="running")  # fmt: skip
    db.session.add(job)
    db.session.commit()
    engine = engines.load_engine("faster-whisper", root / "tiny", threads=1)  # the worker's
    result = models("remove", "tiny")
    assert result.exit_code == 1 and "1 transcription(s) are queued or running" in result.output
    assert (root / "tiny").is_dir()
    assert models("remove", "tiny", "--force").exit_code == 0
    assert not (root / "tiny").exists()
    with open(speech, "rb") as src:  # the running job's loaded model still transcribes
        assert engine.transcribe(audio.decode(src), "en", lambda share: None)
