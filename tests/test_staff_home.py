"""The back office's home and an event's overview as organisers and check-in staff read them: each
current event's numbers and what needs doing, the same numbers at the top of the event's page, and
one tab bar on every page of an event, its current tab marked (sub-pages mark the tab they belong to)."""

from __future__ import annotations

import re

import pytest

from tests.account_helpers import ntr, text_of, tr
from tests.conftest import sign_in
from tests.test_event_dashboard import busy_day


def figures(page: str) -> dict[str, str]:
    """Each figure on the page (the first event's, on the home): label -> value, as read."""
    return {
        dt.strip(): re.sub(r"\s+", " ", dd).strip()
        for dt, dd in re.findall(
            r"<dt>([^<]*)</dt>\s*<dd>([^<]*)</dd>", page.split('class="figures"', 1)[1].split("</dl>")[0]
        )
    }


def current_tab(page: str) -> list[str]:
    bar = re.search(r'<ul class="tabs">(.*?)</ul>', page, flags=re.DOTALL)
    assert bar, "no tab bar"
    return re.findall(r'<a href="([^"]+)" aria-current="page">', bar.group(1))


async def test_the_organisers_home_shows_each_events_numbers_and_what_to_do(client, staff_accounts):
    event = await busy_day()
    await sign_in(client, "organiser@test.se")
    page = text_of(await client.get("/staff"))

    assert f'href="/organiser/events/{event["slug"]}"' in page
    assert figures(page) == {
        tr("sv", "People registered"): tr("sv", "%(registered)s of %(capacity)s", registered=2, capacity=2),
        tr("sv", "Waiting list"): "1",
        tr("sv", "Invitations not answered"): "2",
        tr("sv", "Checked in today"): tr("sv", "%(checked_in)s of %(expected)s", checked_in=1, expected=2),
        tr("sv", "Mails not delivered"): "2",
    }
    for todo in (
        ntr(
            "sv",
            "%(num)s mail about the event could not be delivered.",
            "%(num)s mails about the event could not be delivered.",
            2,
        )
        % {"num": 2},
        ntr("sv", "Full, with %(num)s on the waiting list.", "Full, with %(num)s on the waiting list.", 1) % {"num": 1},
        ntr("sv", "Registration closes in %(num)s day.", "Registration closes in %(num)s days.", 1) % {"num": 1},
    ):
        assert todo in page
    assert f'href="/organiser/events/{event["slug"]}/registrations?status=waitlisted"' in page
    assert 'href="/admin/outbox?status=failed"' not in page  # the outbox is the admins'
    # The links the roles need are still there, below.
    assert 'href="/organiser/members"' in page and 'href="/checkin"' in page


async def test_an_admin_is_led_to_the_failed_mails(client, staff_accounts):
    await busy_day()
    await sign_in(client, "admin@test.se")
    assert 'href="/admin/outbox?status=failed"' in (await client.get("/staff")).text


async def test_check_in_staff_see_todays_door_figures_and_nothing_of_the_organisers(client, staff_accounts):
    event = await busy_day()
    await sign_in(client, "checkin@test.se")
    page = text_of(await client.get("/staff"))
    assert figures(page) == {
        tr("sv", "Checked in today"): tr("sv", "%(checked_in)s of %(expected)s", checked_in=1, expected=2)
    }
    assert f'href="/checkin/{event["slug"]}"' in page
    assert "/organiser/" not in page
    for hidden in ("Waiting list", "Invitations not answered", "Mails not delivered", "People registered"):
        assert tr("sv", hidden) not in page


async def test_the_event_overview_has_the_numbers_and_the_overview_tab_marked(organiser):
    event = await busy_day()
    page = text_of(await organiser.get(f"/organiser/events/{event['slug']}"))
    assert figures(page)[tr("sv", "Waiting list")] == "1"
    assert figures(page)[tr("sv", "Invitations not answered")] == "2"
    assert current_tab(page) == [f"/organiser/events/{event['slug']}"]
    assert (
        len(re.findall(r"<li><a ", page.split('<ul class="tabs">', 1)[1].split("</ul>")[0])) == 9
    )  # Overview .. Mailings, Evaluations, Report
    # One primary action; cancelling is a link to its own form, set apart.
    actions = page.split('class="event-actions"', 1)[1].split("</ul>")[0]
    assert len(re.findall(r'class="button"', actions)) == 1
    assert 'class="danger-link" href="#cancel-title"' in actions


@pytest.mark.parametrize(
    ("path", "tab"),
    [
        ("/registrations", "/registrations"),
        ("/registrations/summary", "/registrations"),
        ("/questions", "/registrations"),
        ("/registrations/new", "/registrations"),
        ("/invitations", "/invitations"),
        ("/checkin", "/checkin"),
        ("/certificates", "/certificates"),
        ("/material", "/material"),
        ("/mailings", "/mailings"),
        ("/mailings/new", "/mailings"),
        ("/report", "/report"),
        ("/records", "/report"),
    ],
)
async def test_every_page_of_an_event_marks_its_tab(organiser, path, tab):
    event = await busy_day()
    base = f"/organiser/events/{event['slug']}"
    response = await organiser.get(base + path)
    assert response.status_code == 200, path
    assert current_tab(response.text) == [base + tab]
