"""The main menu in a browser test: a link inside a closed group is reached through the
group's disclosure button, as a person would."""


def follow(nav, name):
    """Open the group that holds the link called ``name`` (when it is closed) and follow it."""
    link = reveal(nav, name)
    link.click()


def reveal(nav, name):
    """Open the group that holds the link called ``name`` when it is closed; return the link."""
    # Until menu.js has run, every group is an open list; after, they are closed buttons.
    # Wait for it, or a link seen before the script ran is hidden by the time it is clicked.
    nav.page.wait_for_selector("nav[data-menu][data-enhanced]", state="attached")
    link = nav.get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        # relative to the group, and found while the group is closed
        inner = nav.page.get_by_role("link", name=name, exact=True, include_hidden=True)
        group = nav.locator("li.menu-group").filter(has=inner)
        group.locator("[data-menu-button]").click()
    return link
