"""Counts the organisers read agree with their number in Swedish (ngettext), where the sentence used to
have a fixed plural: the registrations' summary says "1 av 1 plats", not "1 av 1 platser". (The charts'
counts are in test_organiser_reports.py, the public places left in test_public_places.py.)"""

from __future__ import annotations

import re

from events_app.domain import registrations
from events_app.domain.registrations import Registrant
from tests.account_helpers import ntr, text_of
from tests.registration_helpers import form, published_event

CAPACITY = ("of %(num)s place", "of %(num)s places")


async def test_the_summary_writes_the_capacity_with_its_plural(organiser):
    one = await published_event(title="En plats", capacity=1)
    await registrations.register(one["slug"], form(), Registrant(ip="10.7.0.1"))
    many = await published_event(title="Tre platser", capacity=3)
    for slug, n in ((one["slug"], 1), (many["slug"], 3)):
        page = text_of(await organiser.get(f"/organiser/events/{slug}/registrations/summary"))
        confirmed = re.search(r"<dd>(\d+) ([^<]*)</dd>", page)
        assert confirmed and confirmed.group(2).strip() == ntr("sv", *CAPACITY, n)
    assert "1 platser" not in text_of(await organiser.get(f"/organiser/events/{one['slug']}/registrations/summary"))
