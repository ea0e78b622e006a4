"""Seed and demo data, loaded idempotently (running it again changes nothing).

The seed (the county's organisations and the council's themes) comes from events_app/data/, copied
from the council's shared data; the demo adds staff accounts and the council's sixteen members so
that a new user opens a living site.
"""

from __future__ import annotations

import csv
from pathlib import Path

from events_app.domain import staff
from events_app.domain.audit import Actor
from events_app.domain.people import MemberInput, create_member
from events_app.domain.tables import Organisation, Person, StaffAccount, Theme
from events_app.domain.transactions import atomic

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEMO_PASSWORD = "Klimatdag-i-Sundsvall-27"
DEMO_STAFF = [
    ("admin@exempel.se", "Maria Berglund", "admin"),
    ("organisator@exempel.se", "Elin Sjöberg", "organiser"),
    ("incheckning@exempel.se", "Johan Nyström", "checkin"),
]
# Two members (majority and opposition) from each municipality and from the region, with invented names.
DEMO_MEMBERS = [
    ("harnosand", "Anna Lindqvist", "Per Holm"),
    ("kramfors", "Karin Ödman", "Erik Sandberg"),
    ("solleftea", "Máret Čuđetsá", "Lars Eriksson"),
    ("sundsvall", "Sofia Åkesson", "Łukasz Żółw"),
    ("timra", "Helena Norberg", "Mikael Strand"),
    ("ange", "Ingrid Vikström", "Jonas Björk"),
    ("ornskoldsvik", "Eva Nordin", "Anders Forsberg"),
    ("region", "Lena Westin", "Olof Hägglund"),
]


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


async def load_seed() -> dict[str, int]:
    """Organisations and themes; returns how many of each were added."""
    known = {row["code"] for row in await Organisation.select(Organisation.code)}
    organisations = [
        Organisation(code=row["code"], name_sv=row["name_sv"], name_en=row["name_en"], kind=row["kind"])
        for row in _rows("organisations.csv") if row["code"] not in known
    ]
    known = {row["slug"] for row in await Theme.select(Theme.slug)}
    themes = [
        Theme(slug=row["slug"], name_sv=row["name_sv"], name_en=row["name_en"], source=row["source"])
        for row in _rows("themes.csv") if row["slug"] not in known
    ]
    async with atomic():
        if organisations:
            await Organisation.insert(*organisations)
        if themes:
            await Theme.insert(*themes)
    added = {"organisations": len(organisations), "themes": len(themes)}
    return added


async def load_demo() -> dict[str, int]:
    """The seed plus demo staff accounts and council members."""
    added = await load_seed()
    actor = Actor.system("demo data")
    added["staff"] = 0
    for email, name, role in DEMO_STAFF:
        if not await StaffAccount.exists().where(StaffAccount.email == email):
            await staff.create_staff(email=email, name=name, role=role, password=DEMO_PASSWORD, actor=actor)
            added["staff"] += 1
    added["members"] = 0
    for code, majority, opposition in DEMO_MEMBERS:
        for name, side in ((majority, "majority"), (opposition, "opposition")):
            email = _demo_email(name)
            if not await Person.exists().where(Person.email == email):
                await create_member(MemberInput(name=name, email=email, organisation=code, side=side,
                                                title="Ledamot", term_start="2027-01-01", term_end="2030-12-31"), actor)
                added["members"] += 1
    return added


def _demo_email(name: str) -> str:
    ascii_name = name.lower().translate(str.maketrans("åäöéáčđżół ", "aaoeacdzol.")).replace(" ", ".")
    return f"{ascii_name}@exempel.se"
