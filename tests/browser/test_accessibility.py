"""axe-core in Chromium on every page of every role, in Swedish, Danish and English.

The pages come from the URL map: every GET route a role may reach (by the permission
vocabulary) is opened with realistic data (the fictional demo set, its other interviews
released and coded so that the theme charts are drawn, a built review pack, a coding round, a
recording and an export). A route whose parameters cannot be filled is named in UNFILLED with
the reason. Some states that only appear after an action are opened too: forms submitted
empty, the coding workspace with a passage selected. Every page × role × language is loaded
and fingerprinted; axe runs once per distinct fingerprint (the DOM's shape, with text reduced
to "some text" and repeated sibling rows collapsed), so the same template in three languages
is checked once unless a translation changes its structure. Beside axe: a field's border
contrast (WCAG 1.4.11, which axe does not check) and the console's errors. Target: no
WCAG 2.1 A/AA violation."""

import hashlib
import io
import time
import wave

import pytest
from flask import url_for

from app.core.permissions import PUBLIC, can, required_permission
from app.core.users import Role
from tests.conftest import PASSWORD

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
LANGUAGES = ("sv", "da", "en")

#: endpoint -> why no page of it is opened here
UNFILLED = {
    "consent.scan": "a file download, and the demo's consents are verbal, without a scan",
    "themes.chart": "an SVG image, not a page, drawn only where no count is hidden; the "
    "pages that show it are checked, and tests/test_charts.py checks the SVG's title and desc",
    "reviews.pack_chart": "an SVG image, not a page; as themes.chart",
    "workspace.together_chart": "an SVG image, not a page; as themes.chart (the page that "
    "shows it is checked in tests/browser/test_codes_together.py)",
    "transcripts.job_status": "needs a transcription job, which needs an installed speech "
    "model; its HTML answer is a redirect to the interview page, checked on its own",
    "casereview.feed_ics": "an iCalendar file for calendar apps, not a page; "
    "tests/casereview parses it with icalendar",
}

#: (role, endpoint): forms submitted empty, to check the page with its validation errors
EMPTY_SUBMITS = {
    (None, "auth.login"),
    (Role.COORDINATOR, "participants.create"),
    (Role.ADMIN, "admin.user_create"),
    (Role.COORDINATOR, "reviews.new"),
    (Role.RESEARCHER, "themes.new"),
}

#: endpoint -> (what, script): a state that only appears after the user acts, checked too
ACTIONS = {
    "workspace.release": (
        "a coded passage clicked and a passage selected",
        """async () => {
          const pause = (ms) => new Promise((done) => setTimeout(done, ms));
          const box = document.querySelector('[data-text]');
          const select = (node, start, end) => {
            const range = document.createRange();
            range.setStart(node, start);
            range.setEnd(node, end);
            document.getSelection().removeAllRanges();
            document.getSelection().addRange(range);
          };
          const coded = box.querySelector('.coded');
          if (coded) { select(coded.firstChild, 1, 1); await pause(100); }
          const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
          let node = walker.nextNode();
          while (node && node.length < 10) node = walker.nextNode();
          select(node, 0, Math.min(node.length, 60));
          await pause(900);  // the suggestions are asked for 350 ms after the selection
          return document.querySelectorAll('[data-here] li, .suggestions li').length;
        }""",
    ),
}

#: The DOM's shape: tags, attribute names and the values that change how it reads, whether
#: each text is empty, consecutive identical siblings collapsed to one.
FINGERPRINT_JS = """() => {
  const KEEP = new Set(['class', 'role', 'type', 'style', 'scope', 'headers', 'colspan',
    'rowspan', 'tabindex', 'hidden', 'disabled', 'required', 'multiple', 'method', 'rel',
    'viewBox', 'fill', 'stroke', 'focusable', 'aria-hidden', 'aria-live', 'aria-current',
    'aria-expanded', 'aria-pressed', 'aria-checked', 'aria-selected', 'aria-invalid',
    'aria-required', 'aria-level', 'aria-modal', 'aria-atomic', 'open', 'checked']);
  // which option is chosen (the language menu's own language, say) changes nothing axe checks
  const SKIP = new Set(['selected']);
  // closed details hide their content from axe
  for (const details of document.querySelectorAll('details')) details.open = true;
  const ids = new Map();
  for (const el of document.querySelectorAll('[id]')) ids.set(el.id, (ids.get(el.id) || 0) + 1);
  const resolves = (value) => value.split(/\\s+/).filter(Boolean).every((id) => ids.has(id));
  const shape = (node) => {
    if (node.nodeType === Node.TEXT_NODE) return node.textContent.trim() ? 'T' : '';
    if (node.nodeType !== Node.ELEMENT_NODE) return '';
    const attrs = [];
    for (const a of node.attributes) {
      if (SKIP.has(a.name)) continue;
      let v;
      if (KEEP.has(a.name)) v = a.value;
      else if (a.name === 'id') {
        v = a.value.replace(/[0-9]+/g, '0') + (ids.get(a.value) > 1 ? '!' : '');
      }
      else if (['for', 'aria-labelledby', 'aria-describedby', 'aria-controls', 'list',
                'form'].includes(a.name)) v = resolves(a.value) ? 'ok' : 'dangling';
      else v = a.value.trim() ? '+' : '-';
      attrs.push(a.name + '=' + v);
    }
    attrs.sort();
    const kids = [];
    for (const child of node.childNodes) {
      const s = shape(child);
      if (s && s !== kids[kids.length - 1]) kids.push(s);
    }
    return '<' + node.tagName + ' ' + attrs.join(' ') + '>' + kids.join('');
  };
  return shape(document.documentElement);
}"""


def _wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\x00\x00" * 16000)
    return buffer.getvalue()


def _release_the_rest(kept, interviewer):
    """Verify every conducted interview but ``kept`` (the editor's) and release all of them
    but one of ``interviewer``'s (for the release review page), each coded, so that the
    theme charts have counts large enough to be drawn: the demo releases only a quarter."""
    import random

    from sqlalchemy import select

    from app.codebook.models import Code
    from app.core.db import db
    from app.interviews import services as interviews
    from app.interviews.models import Interview, Status
    from app.releases import services as releases
    from app.transcripts import editing, versions
    from app.workspace.models import Coding

    rng = random.Random(20)  # test data, not secrets
    codes = db.session.scalars(select(Code).where(Code.codable).order_by(Code.id)).all()
    coder = db.session.scalars(select(Coding.coder_id)).first()
    held = (Status.DOCUMENTED.value, Status.TRANSCRIBED.value)
    pending = None
    waiting = [
        i
        for i in db.session.scalars(
            select(Interview).where(Interview.status.in_(held)).order_by(Interview.id)
        )
        if i.id != kept.id
    ]
    if waiting and not any(i.interviewer_id == interviewer.id for i in waiting):
        # the release review page is the interviewer's own: hand them one waiting interview
        waiting[0].interviewer_id = waiting[0].offer.interviewer_id = interviewer.id
    for interview in waiting:
        actor = interview.interviewer
        transcript = versions.current(interview)
        if transcript is not None:
            editing.verify(actor, transcript)
        else:
            interviews.advance(actor, interview, Status.VERIFIED)
        if pending is None and interview.interviewer_id == interviewer.id:
            pending = interview
            continue
        _, found = releases.propose(actor, interview)
        accepted = [(p.start, p.end, p.label, p.text) for p in found]
        made = releases.release(actor, interview, additions=[], renames={}, accepted=accepted)
        start = 0
        for segment in made.segments:
            end = start + len(segment["text"])
            for code in rng.sample(codes, k=2) if end > start else ():
                db.session.add(Coding(release_id=made.id, code_id=code.id, coder_id=coder,
                                      start_offset=start, end_offset=end))  # fmt: skip
            start = end + 1
    assert pending is not None, "no verified interview left for the release review page"
    db.session.flush()
    return pending


def _world(app) -> dict:
    """The demo data set and what it lacks; per role a user and the URL values it can open."""
    from sqlalchemy import select

    from app.casereview.models import CaseNote, CaseReview, ReviewRound
    from app.codebook.queries import codebook
    from app.consent import gate
    from app.consent.models import ConsentForm, ConsentRecord
    from app.core import passwords
    from app.core.db import db
    from app.core.jobs import Job
    from app.core.users import User
    from app.demo import load_demo
    from app.exchange import pending as project_imports
    from app.exchange.export import export_project
    from app.goals import report as leadership_report
    from app.goals.models import Goal, GoalLink, Guideline
    from app.guides.models import GuideVersion
    from app.interviews.models import Interview
    from app.letters import merged as merged_letters
    from app.letters.models import LetterDraft
    from app.offers.models import Offer
    from app.participants import imports
    from app.privacy import access
    from app.releases.models import Release
    from app.reviews import packs
    from app.reviews.models import ReviewSession
    from app.rounds.services import create_round
    from app.themes.models import Theme
    from app.transcripts import recordings, refusals, versions
    from app.transcripts.models import Transcript
    from app.workspace.queries import codable_releases

    load_demo()
    hashed = passwords.hash_password(PASSWORD)
    for user in db.session.scalars(select(User)):
        user.password_hash = hashed
        user.must_change_password = False
    by_name = User.by_username
    coordinator, researcher, admin = by_name("kerstin"), by_name("lena"), by_name("admin")
    member = by_name("per")
    leader = by_name("birgitta")

    # The interviewer whose interviews have an imported transcript: the editor, with audio.
    transcript = db.session.scalars(select(Transcript).order_by(Transcript.id)).first()
    interview = transcript.interview
    interviewer = interview.interviewer
    recording = None
    for candidate in db.session.scalars(
        select(Interview).where(Interview.interviewer_id == interviewer.id)
    ):
        if (
            candidate.status in refusals.WORKING  # not yet verified: audio may be added
            and versions.current(candidate) is not None
            and gate.allows(candidate, "audio.upload")
        ):
            recording = recordings.upload_recording(
                interviewer, candidate, io.BytesIO(_wav()), "samtal.wav"
            )
            interview = candidate
            break
    assert recording is not None, "no demo interview took a recording"
    transcript = versions.current(interview)
    pending = _release_the_rest(interview, interviewer)
    own_release = db.session.scalars(
        select(Release).join(Interview).where(Interview.interviewer_id == interviewer.id)
    ).first()
    release = db.session.scalars(select(Release).order_by(Release.id)).first()
    offer = db.session.scalars(
        select(Offer).where(Offer.interviewer_id == interviewer.id).order_by(Offer.id.desc())
    ).first()
    record = db.session.scalars(
        select(ConsentRecord).where(ConsentRecord.interview_id == interview.id)
    ).first()
    participant = interview.participant

    session = db.session.scalars(select(ReviewSession).order_by(ReviewSession.year.desc())).first()
    pack = packs.start_pack(coordinator, session)  # built at once: tasks run immediately
    pack_job = db.session.scalars(
        select(Job).where(Job.kind == packs.PACK).order_by(Job.id.desc())
    ).first()
    codable = [c for c in codebook() if c.codable]
    coding_round = create_round(
        researcher, name="Agreement 2026", unit="segment", coders=[researcher, coordinator],
        releases=codable_releases(researcher)[:2],
    )  # fmt: skip
    export = access.start_export(coordinator, participant)
    # the committee's report and the merged letters, made in the background: their pages
    report_job = leadership_report.start_report(leader)
    letters_session = db.session.get(ReviewSession, db.session.scalars(
        select(LetterDraft.session_id)).first())  # fmt: skip
    merged_job = merged_letters.start_merged(coordinator, letters_session)
    upload = imports.start(
        coordinator, "register.csv", io.BytesIO("Namn;Födelsedatum\nA B;2001-01-01\n".encode())
    )
    db.session.commit()
    # a project waiting for its import (the researcher's) and one imported (the coordinator's)
    project, _ = export_project(researcher)
    waiting = project_imports.start(researcher, "projekt.qdpx", project)
    imported = project_imports.start(coordinator, "projekt.qdpx", project)
    plan = project_imports.preview(coordinator, imported)
    project_imports.apply(coordinator, imported, plan.digest, {})
    db.session.commit()

    def first(model):
        return db.session.scalars(select(model).order_by(model.id)).first()

    # an interviewer opens only their own case review
    own_case = db.session.scalars(
        select(CaseReview).where(CaseReview.interviewer_id == interviewer.id)
    ).first()
    common = {
        "participant_id": participant.id,
        "placement_id": interview.offer.placement_id,
        "offer_id": offer.id,
        "interview_id": interview.id,
        "transcript_id": transcript.id,
        "position": 0,
        "recording_id": recording.id,
        "file_type": "txt",
        "record_id": record.id,
        "release_id": release.id,
        "form_id": db.session.scalars(select(ConsentForm)).first().id,
        "language": "da",
        "version_id": db.session.scalars(select(GuideVersion)).first().id,
        "code_id": codable[0].id,
        "round_id": coding_round.id,
        "theme_id": db.session.scalars(select(Theme)).first().id,
        "session_id": session.id,
        "pack_id": pack.id,
        "name": "years",
        "user_id": interviewer.id,
        "job_id": pack_job.id,
        "import_id": upload.id,
        "goal_id": first(Goal).id,
        "guideline_id": first(Guideline).id,
        "link_id": first(GoalLink).id,
        "draft_id": first(LetterDraft).id,
        "case_round_id": first(ReviewRound).id,
        "case_review_id": first(CaseReview).id,
        "case_note_id": first(CaseNote).id,
    }
    per_endpoint = {
        "privacy.export_status": {"job_id": export.id},
        "privacy.export_download": {"job_id": export.id},
        "admin.job": {"job_id": export.id},
        "goals.report_status": {"job_id": report_job.id},
        "goals.report_download": {"job_id": report_job.id},
        "letters.merged_status": {"job_id": merged_job.id},
        "letters.merged_download": {"job_id": merged_job.id},
        "releases.review": {"interview_id": pending.id},
    }
    users = {
        Role.INTERVIEWER: (
            interviewer,
            {
                "release_id": (own_release or release).id,
                **({"case_review_id": own_case.id} if own_case else {}),
            },
        ),
        Role.COORDINATOR: (coordinator, {"project_import_id": imported.id}),
        Role.RESEARCHER: (researcher, {"project_import_id": waiting.id}),
        Role.REVIEW_MEMBER: (member, {}),
        Role.ADMIN: (admin, {}),
        Role.LEADER: (leader, {}),
    }
    return {
        "users": {role: (u.username, u, extra) for role, (u, extra) in users.items()},
        "common": common,
        "per_endpoint": per_endpoint,
    }


def _pages(app, role, user, values, per_endpoint) -> list[tuple[str, str]]:
    """(endpoint, URL) of every GET page this role may open, from the URL map."""
    pages = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint.endswith("static"):
            continue
        if rule.endpoint in UNFILLED:
            continue
        action = required_permission(rule.endpoint)
        if role is None:
            if action != PUBLIC:
                continue
        elif action == PUBLIC or not can(user, action):
            continue
        filled = {**values, **per_endpoint.get(rule.endpoint, {})}
        missing = set(rule.arguments) - set(filled)
        assert not missing, f"fill {missing} for {rule.rule}, or name it in UNFILLED"
        with app.test_request_context():
            url = url_for(rule.endpoint, **{k: filled[k] for k in rule.arguments})
        pages.append((rule.endpoint, url))
    return pages


def _login(page, server, username):
    page.goto(f"{server}/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{server}/home")


def _submit_empty(page):
    """Submit the page's main form with its fields cleared, past the browser's own checks."""
    with page.expect_navigation():
        page.evaluate(
            """() => {
              const form = document.querySelector('main form[method=post]');
              form.noValidate = true;
              const fields = 'input[type=text], input[type=password], input:not([type]), textarea';
              for (const el of form.querySelectorAll(fields)) el.value = '';
              form.requestSubmit();
            }"""
        )


#: WCAG 1.4.11 for form controls, which axe does not check: a visible field's boundary (its
#: border, or failing that its own background) has 3:1 against what surrounds it.
CONTROL_CONTRAST_JS = """() => {
  const rgb = (text) => (text.match(/[0-9.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((c) => c / 255)
    .map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
    .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  const ratio = (a, b) => {
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const behind = (el) => {
    for (let node = el.parentElement; node; node = node.parentElement) {
      const colour = rgb(getComputedStyle(node).backgroundColor);
      if (colour.length === 3 || colour[3] > 0) return colour;
    }
    return [255, 255, 255];
  };
  const found = [];
  const fields = 'input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, ' +
    'textarea';
  for (const el of document.querySelectorAll(fields)) {
    if (!el.getClientRects().length) continue;
    // a file field shows itself as its button
    const style = getComputedStyle(el, el.type === 'file' ? '::file-selector-button' : null);
    const around = behind(el);
    const border = parseFloat(style.borderTopWidth) > 0 && style.borderTopStyle !== 'none'
      ? ratio(rgb(style.borderTopColor), around) : 1;
    const fill = rgb(style.backgroundColor);
    const own = fill.length === 3 || fill[3] > 0 ? ratio(fill, around) : 1;
    if (Math.max(border, own) < 3) {
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        [...el.classList].map((c) => '.' + c).join('');
      const where = el.closest('[class]') ? '.' + el.closest('[class]').classList[0] + ' ' : '';
      found.push(where + name + ' (' + Math.max(border, own).toFixed(2) + ':1)');
    }
  }
  return found;
}"""


class Checker:
    """Fingerprints every page state it is shown and runs axe on each new shape."""

    def __init__(self):
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.seen: dict[str, str] = {}
        self.loaded = self.checked = self.charts = 0
        self.violations: list[str] = []

    def check(self, page, where: str) -> None:
        self.loaded += 1
        shape = page.evaluate(FINGERPRINT_JS)
        key = hashlib.sha256(shape.encode()).hexdigest()
        if key in self.seen:
            return
        self.seen[key] = where
        self.checked += 1
        self.charts += page.locator('figure img[src*="/charts/"]').count()
        weak = page.evaluate(CONTROL_CONTRAST_JS)
        if weak:
            self.violations.append(
                f"{where}: control-contrast (WCAG 1.4.11: a field's boundary needs 3:1) at "
                + ", ".join(weak[:5])
            )
        for violation in self.axe.run(page, options=AXE_OPTIONS).response["violations"]:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
            more = f" and {len(targets) - 5} more" if len(targets) > 5 else ""
            self.violations.append(
                f"{where}: {violation['id']} ({violation['impact']}: {violation['help']}) "
                f"at {', '.join(targets[:5])}{more}"
            )


def _visit(page, server, endpoint, url, who, checker, problems) -> bool:
    """Open one page and check it; False for a download (not a page)."""
    try:
        response = page.goto(f"{server}{url}")
    except Exception as error:
        if "Download is starting" in str(error):
            return False
        raise
    if response is None or response.status >= 400:
        problems.append(f"{url} ({endpoint}) as {who}: HTTP {response and response.status}")
        return True
    if "text/html" not in (response.headers.get("content-type") or ""):
        return False
    where = f"{page.url.removeprefix(server)} ({endpoint}) as {who}"
    checker.check(page, where)
    if endpoint in ACTIONS:
        what, script = ACTIONS[endpoint]
        assert page.evaluate(script), f"{where}: nothing appeared after {what}"
        checker.check(page, f"{where}, {what}")
    return True


def test_every_page_passes_axe(live_app, live_server, browser):
    from app.core.db import db
    from app.core.users import User

    started = time.monotonic()
    with live_app.app_context():
        world = _world(live_app)
        plans = []
        for role in [None, *Role]:
            username, user, extra = world["users"][role] if role else (None, None, {})
            values = {**world["common"], **extra}
            pages = _pages(live_app, role, user, values, world["per_endpoint"])
            plans.append((role, username, user.id if user else None, pages))
    set_up = time.monotonic() - started

    checker, problems, downloads = Checker(), [], 0
    for role, username, user_id, pages in plans:
        files: set[str] = set()
        for language in LANGUAGES:
            if user_id is not None:  # a signed-in user's own language wins (app.core.i18n)
                with live_app.app_context():
                    db.session.get(User, user_id).language = language
                    db.session.commit()
            context = browser.new_context(locale=f"{language}-{language.upper()}")
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m, errors=errors: errors.append(m.text[:200])
                    if m.type == "error" else None)  # fmt: skip
            if username:
                _login(page, live_server, username)
            who = f"{role.value if role else 'anonymous'}, {language}"
            for endpoint, url in pages:
                if url in files:  # a download in one language is one in every language
                    continue
                errors.clear()
                if not _visit(page, live_server, endpoint, url, who, checker, problems):
                    # not a page (an SVG opened on its own cannot apply its styles under
                    # the site's CSP; the pages show it as an <img>, where it can)
                    files.add(url)
                    page.goto("about:blank")  # and its own requests (a favicon) end here
                    errors.clear()
                problems.extend(f"{url} as {who}: console: {e}" for e in errors)
                if (role, endpoint) in EMPTY_SUBMITS:
                    page.goto(f"{live_server}{url}")
                    _submit_empty(page)
                    where = f"{page.url.removeprefix(live_server)} ({endpoint}) as {who}"
                    checker.check(page, f"{where}, submitted empty")
            context.close()
        downloads += len(files)
    print(
        f"\naxe: {checker.loaded} page states loaded (pages and states × roles × languages), "
        f"{checker.checked} checked with axe, {checker.loaded - checker.checked} deduplicated "
        f"by their shape, {checker.charts} charts on them, {downloads} downloads; "
        f"set-up {set_up:.0f} s, all {time.monotonic() - started:.0f} s; not opened (see "
        f"UNFILLED): {', '.join(sorted(UNFILLED))}"
    )
    assert not problems, "pages that did not open, or errors:\n" + "\n".join(problems)
    assert not checker.violations, (
        f"{len(checker.violations)} WCAG 2.1 A/AA violations:\n" + "\n".join(checker.violations)
    )
    assert checker.checked >= 50
    assert checker.charts >= 2, "no page showed a drawn chart: the data set is too thin"


def test_a_violation_names_the_page_the_rule_and_the_element(page):
    page.set_content(
        '<html lang="en"><head><title>T</title></head><body><main><h1>T</h1>'
        '<input id="nameless" type="text"><p style="color:#aaa">faint</p>'
        '<label>Pale <textarea id="pale" style="border:1px solid #ccc"></textarea></label>'
        "</main></body></html>"
    )
    checker = Checker()
    checker.check(page, "/somewhere as nobody, en")
    found = "\n".join(checker.violations)
    assert "/somewhere as nobody, en: label" in found and "#nameless" in found
    assert "color-contrast" in found
    (weak,) = [v for v in checker.violations if "control-contrast" in v]
    assert "textarea#pale (1.61:1)" in weak and "nameless" not in weak  # Chromium's own border
    checker.check(page, "the same page again")  # the same shape: loaded, not checked again
    assert (checker.loaded, checker.checked) == (2, 1)


@pytest.mark.parametrize("endpoint", sorted(UNFILLED))
def test_unfilled_pages_still_exist(app, endpoint):
    # A stale entry would hide nothing, but should not linger either.
    assert endpoint in app.view_functions
