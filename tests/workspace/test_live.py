"""Codings of others in an open workspace: the JSON endpoint the page asks every few seconds,
checked and audited as the page is, and blind inside an open round."""

import json
from datetime import date

from sqlalchemy import func, select

from app.consent import services as consent
from app.consent.scopes import Scope
from app.core.audit import AuditEntry
from app.core.db import db
from app.rounds import services as rounds
from app.workspace import services as workspace
from tests.codebook.sample import a_code


def _reads(release) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "release.read", AuditEntry.object_id == str(release.id)))  # fmt: skip


def _page_data(client, url) -> dict:
    html = client.get(url).get_data(as_text=True)
    found = html.split('<script type="application/json" id="coding-data">')[1]
    return json.loads(found.split("</script>")[0])


def test_a_coding_by_another_comes_to_an_open_workspace(coded, client, auth):
    anna, ben, release = coded["anna"], coded["ben"], coded["release"]
    auth.login(user=anna)
    data = _page_data(client, f"/coding/releases/{release.id}")
    url = data["urls"]["live"]
    assert url == f"/coding/releases/{release.id}/codings" and data["poll_seconds"] > 0
    quiet = client.get(url, query_string={"since": data["version"]}).get_json()
    assert quiet == {"version": data["version"], "changed": False}
    before = _reads(release)

    made = workspace.apply(ben, release, a_code().id, 3, 9, memo="Ben's note")
    db.session.commit()
    news = client.get(url, query_string={"since": data["version"]}).get_json()
    assert news["changed"] and news["version"] != data["version"]
    assert [(c["id"], c["coder"], c["start"], c["end"], c["memo"]) for c in news["codings"]] == [
        (made.id, ben.id, 3, 9, "Ben's note")
    ]
    assert news["coders"] == {str(ben.id): "Ben Forskare"}
    assert _reads(release) == before + 1  # sending codings is a read of the release
    again = client.get(url, query_string={"since": news["version"]}).get_json()
    assert again == {"version": news["version"], "changed": False}
    assert _reads(release) == before + 1  # nothing sent, nothing read

    workspace.set_memo(ben, made, "A changed note")  # a new memo is news too
    db.session.commit()
    memo = client.get(url, query_string={"since": news["version"]}).get_json()
    assert memo["changed"] and memo["codings"][0]["memo"] == "A changed note"
    workspace.remove(ben, made)
    db.session.commit()
    gone = client.get(url, query_string={"since": memo["version"]}).get_json()
    assert gone["changed"] and gone["codings"] == []


def test_in_a_blind_round_a_coder_never_gets_another_coders_codings(coded, client, auth):
    anna, ben, boss, release = coded["anna"], coded["ben"], coded["boss"], coded["release"]
    round_ = rounds.create_round(boss, name="Blind", unit="segment", coders=[anna, ben],
                                 releases=[release])  # fmt: skip
    own = workspace.apply(anna, release, a_code().id, 0, 4, coding_round=round_)
    bens = workspace.apply(ben, release, a_code().id, 0, 4, coding_round=round_)
    db.session.commit()
    auth.login(user=anna)
    data = _page_data(client, f"/coding/releases/{release.id}?round={round_.id}")
    assert data["urls"]["live"] is None  # the page does not ask in a round
    assert [c["id"] for c in data["codings"]] == [own.id]
    url = f"/coding/releases/{release.id}/codings"
    # asked anyway, in the round: only her own, however the fingerprint is sent
    for since in ("", "stale", data["version"]):
        answer = client.get(url, query_string={"round": round_.id, "since": since}).get_json()
        ids = {c["id"] for c in answer.get("codings", [])}
        assert bens.id not in ids and str(ben.id) not in answer.get("coders", {})
    later = workspace.apply(ben, release, a_code(1).id, 5, 9, coding_round=round_)
    db.session.commit()
    same = client.get(url, query_string={"round": round_.id, "since": data["version"]})
    assert same.get_json() == {"version": data["version"], "changed": False}  # no tell-tale
    # outside the round: the shared codings, none of the round's
    shared = client.get(url, query_string={"since": "x"}).get_json()
    assert shared["codings"] == [] and {bens.id, later.id}.isdisjoint(
        c["id"] for c in shared["codings"]
    )
    # someone outside the round is refused it while it is open
    auth.logout()
    auth.login(user=boss)
    assert client.get(url, query_string={"round": round_.id}).status_code == 403


def test_the_workspace_stops_getting_codings_when_consent_is_withdrawn(coded, client, auth):
    anna, release = coded["anna"], coded["release"]
    auth.login(user=anna)
    url = f"/coding/releases/{release.id}/codings"
    assert client.get(url).status_code == 200
    consent.withdraw(coded["interviewer"], release.interview, scopes=[Scope.RESEARCH_USE],
                     giver="young_person", withdrawn_on=date(2026, 11, 20),
                     channel="phone")  # fmt: skip
    db.session.commit()
    refused = client.get(url)
    assert refused.status_code == 403 and "codings" not in refused.get_json()
