"""The main menu: grouped by the work, short for every role, and every entry reachable."""

import lxml.html
import pytest
from flask import url_for

from app.core.nav import ENTRIES, GROUPS, menu
from app.core.permissions import can
from app.core.users import Role

ROLE_SETS = [[role] for role in Role] + [list(Role)]


def main_nav(client, path="/home"):
    page = lxml.html.fromstring(client.get(path).get_data(as_text=True))
    (nav,) = page.xpath('//nav[@class="main-nav"]')
    return nav


@pytest.mark.parametrize("roles", ROLE_SETS, ids=lambda roles: "+".join(roles))
def test_the_menu_is_short_and_reaches_every_page_of_the_role(app, client, auth, make_user, roles):
    user = auth.login(user=make_user(roles=roles))
    nav = main_nav(client)
    (top,) = nav.xpath('./ul[@id="main-menu"]')
    items = top.xpath("./li")
    assert 1 <= len(items) <= 6

    with app.test_request_context():
        allowed = {url_for(e.endpoint) for e in ENTRIES if can(user, e.permission)}
        refused = {url_for(e.endpoint) for e in ENTRIES} - allowed
        groups = menu(user)
    links = set(nav.xpath(".//a/@href"))
    assert links == allowed
    assert not links & refused
    # One top-level item per group; a group of one is a plain link, others a button and list.
    assert len(items) == len(groups)
    for item, group in zip(items, groups, strict=True):
        if len(group.entries) == 1:
            assert item.xpath("./a") and not item.xpath(".//button")
        else:
            (button,) = item.xpath("./button")
            assert button.get("aria-expanded") == "false"
            assert item.xpath(f'./ul[@id="{button.get("aria-controls")}"]')
            assert button.text_content().strip() == str(group.label)


def test_every_entry_belongs_to_one_group_and_every_endpoint_exists(app):
    endpoints = [entry.endpoint for group in GROUPS for entry in group.entries]
    assert len(endpoints) == len(set(endpoints))
    with app.test_request_context():
        for endpoint in endpoints:
            assert url_for(endpoint)


def test_the_current_page_is_marked_and_its_group_too(client, auth):
    auth.login(Role.COORDINATOR)
    nav = main_nav(client, "/participants")
    current = nav.xpath('.//a[@aria-current="page"]')
    assert [a.get("href") for a in current] == ["/participants"]
    group = current[0].xpath('ancestor::li[contains(@class, "menu-group")]')[0]
    assert "menu-here" in group.get("class")


def test_the_groups_are_translated(client, auth, make_user):
    auth.login(user=make_user(roles=[Role.COORDINATOR], language="sv"))
    nav = main_nav(client)
    buttons = [b.text_content().strip() for b in nav.xpath(".//button[@data-menu-button]")]
    assert buttons == ["Uppföljning", "Intervjuer", "Analys", "Återblick"]
