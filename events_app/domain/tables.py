"""The database tables. Migrations in piccolo_migrations/ are the only way these change.

Times are stored as UTC (`Timestamptz`) and shown in Europe/Stockholm. Rows that appear in URLs get
a random `uid`, so that no page leaks sequential ids.
"""

from __future__ import annotations

import uuid
from enum import Enum

from piccolo.columns import (
    JSON,
    UUID,
    Boolean,
    Bytea,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class OrganisationKind(str, Enum):
    municipality = "municipality"
    region = "region"
    county_board = "county_board"
    federation = "federation"
    other = "other"


class Side(str, Enum):
    """A council member's political side in their municipality or the region."""

    majority = "majority"
    opposition = "opposition"


class Role(str, Enum):
    """Staff roles, each including the ones below it: admin > organiser > checkin."""

    admin = "admin"
    organiser = "organiser"
    checkin = "checkin"


class Organisation(Table):
    code = Varchar(length=50, unique=True)
    name_sv = Varchar(length=200)
    name_en = Varchar(length=200)
    kind = Varchar(length=20, choices=OrganisationKind, default=OrganisationKind.other)


class Theme(Table):
    slug = Varchar(length=80, unique=True)
    name_sv = Varchar(length=200)
    name_en = Varchar(length=200)
    source = Varchar(length=300, default="")
    # What the theme covers, for its public page (localized_texts.py picks the reader's language).
    description_sv = Text(default="")
    description_en = Text(default="")


class Person(Table):
    """Anyone who takes part: council members, invited actors and the public.

    Members have `is_member` set, an organisation and a side. People sign in with an emailed link.
    """

    uid = UUID(default=uuid.uuid4, unique=True)
    name = Varchar(length=200)
    email = Varchar(length=254, unique=True)
    organisation = ForeignKey(references=Organisation, null=True, on_delete=OnDelete.set_null)
    title = Varchar(length=200, default="")
    is_member = Boolean(default=False)
    side = Varchar(length=20, default="")  # a Side value, or "" for non-members
    term_start = Date(null=True, default=None)
    term_end = Date(null=True, default=None)
    active = Boolean(default=True)
    language = Varchar(length=5, default="sv")
    # Raised to invalidate every signed-in cookie of this person at once.
    session_epoch = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    # Set when the person was erased (erasure.py): the row stays, emptied, so counts still add up.
    erased_at = Timestamptz(null=True, default=None)


class StaffAccount(Table):
    uid = UUID(default=uuid.uuid4, unique=True)
    email = Varchar(length=254, unique=True)
    name = Varchar(length=200)
    role = Varchar(length=20, choices=Role, default=Role.organiser)
    password_hash = Varchar(length=255)
    active = Boolean(default=True)
    language = Varchar(length=5, default="sv")
    # Raised on a password change or deactivation: every existing cookie stops working.
    session_epoch = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)


class EmailToken(Table):
    """A single-use secret sent by mail: a member's sign-in link or a staff password reset.

    Only a hash of the secret is stored, so a copy of the database holds no working links.
    """

    token_hash = Varchar(length=64, unique=True)
    purpose = Varchar(length=30)
    person = ForeignKey(references=Person, null=True, on_delete=OnDelete.cascade)
    staff = ForeignKey(references=StaffAccount, null=True, on_delete=OnDelete.cascade)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    # Where a sign-in link leads once used: the page the person was on when asked to sign in.
    next_path = Varchar(length=300, default="")


class RateLimitCounter(Table):
    """The attempts counted in one bucket during one fixed window; in the database so every worker
    counts the same attempts. `key` is the bucket and the window: "<bucket>@<seconds>:<number>"."""

    key = Varchar(length=340, unique=True)
    hits = Integer(default=0)
    window_start = Timestamptz(default=TimestamptzNow(), index=True)


class AuditEntry(Table):
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    actor = Varchar(length=300, default="")
    actor_staff = ForeignKey(references=StaffAccount, null=True, on_delete=OnDelete.set_null)
    actor_person = ForeignKey(references=Person, null=True, on_delete=OnDelete.set_null)
    action = Varchar(length=80, index=True)
    object_type = Varchar(length=80, default="")
    object_id = Varchar(length=80, default="")
    summary = Text(default="")
    details = JSON(default={})
    ip = Varchar(length=64, default="")


class OutboxStatus(str, Enum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"


class OutboxMessage(Table):
    """A mail waiting to be sent, written in the same transaction as the change that causes it."""

    uid = UUID(default=uuid.uuid4, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    kind = Varchar(length=60, default="")
    to_address = Varchar(length=254)
    to_name = Varchar(length=200, default="")
    language = Varchar(length=5, default="sv")
    subject = Varchar(length=300)
    text_body = Text()
    html_body = Text(default="")
    status = Varchar(length=10, choices=OutboxStatus, default=OutboxStatus.pending, index=True)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow(), index=True)
    claimed_by = Varchar(length=100, default="")
    claimed_at = Timestamptz(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    message_id = Varchar(length=300, default="")
    # A message queued by `outbox.enqueue_later` names its builder here and is rendered when sent,
    # from the builder's arguments in `build_args`, so a busy request only writes one small row.
    builder = Varchar(length=60, default="")
    build_args = JSON(default={})


class OutboxAttachment(Table):
    message = ForeignKey(references=OutboxMessage, on_delete=OnDelete.cascade)
    filename = Varchar(length=200)
    content_type = Varchar(length=100)
    content = Bytea()
    # Set for an inline image referred to from the HTML part as cid:<content_id>.
    content_id = Varchar(length=100, default="")


class EventKind(str, Enum):
    sustainability_day = "sustainability_day"
    training_module = "training_module"
    council_meeting = "council_meeting"
    other = "other"


class Audience(str, Enum):
    public = "public"
    members = "members"
    invitation = "invitation"


class EventStatus(str, Enum):
    draft = "draft"
    published = "published"
    cancelled = "cancelled"
    archived = "archived"


class CompletionRule(str, Enum):
    """Which attendance completes an event and earns its certificate: for a training module, its
    completion; for other events, a certificate of attendance."""

    none = "none"  # the event gives no certificates
    any_day = "any"  # checked in on at least one day
    all_occasions = "all"  # checked in on every day (every occasion of a module)
    at_least = "at_least"  # checked in on at least `completion_min` of the days or occasions


class HoursCredit(str, Enum):
    """How a certificate counts hours."""

    none = ""
    per_day = "day"  # `minutes_per_day` for each day attended
    per_session = "session"  # each session checked in at its door, for its scheduled length


class Event(Table):
    """A sustainability day (usually two days), a training module, a council meeting or other."""

    uid = UUID(default=uuid.uuid4, unique=True)
    slug = Varchar(length=120, unique=True)
    title = Varchar(length=200)
    kind = Varchar(length=30, choices=EventKind, default=EventKind.other)
    description = Text(default="")  # Markdown without raw HTML; rendered safely
    # Optional English texts beside the Swedish ones; empty: English readers see the Swedish
    # (localized_texts.py). The same goes for every `*_en` column below.
    title_en = Varchar(length=200, default="")
    description_en = Text(default="")
    audience = Varchar(length=20, choices=Audience, default=Audience.public)
    capacity = Integer(null=True, default=None)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    registration_opens_at = Timestamptz(null=True, default=None)
    registration_closes_at = Timestamptz(null=True, default=None)
    venue_name = Varchar(length=200, default="")
    venue_address = Varchar(length=300, default="")
    venue_map_url = Varchar(length=500, default="")
    status = Varchar(length=20, choices=EventStatus, default=EventStatus.draft, index=True)
    cancel_message = Text(default="")
    completion_rule = Varchar(length=20, choices=CompletionRule, default=CompletionRule.all_occasions)
    completion_min = Integer(null=True, default=None)  # N in "at least N of M occasions"
    hours_credit = Varchar(length=10, choices=HoursCredit, default=HoursCredit.none)
    minutes_per_day = Integer(null=True, default=None)
    # Who signs the event's certificates, as printed on them.
    signatory_name = Varchar(length=200, default="")
    signatory_title = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    published_at = Timestamptz(null=True, default=None)
    # Invitations can be answered until then; None: until registration closes.
    invitation_deadline = Timestamptz(null=True, default=None)
    # "Bevaras": the records plan keeps its attendance as an official record (a council meeting's
    # list, say), so nothing of it is deleted, anonymised or erased.
    preserve = Boolean(default=False)
    # The retention rules (retention.py): when the dietary and accessibility needs and sensitive
    # answers were deleted, and the counts kept of them ({"dietary": {code: n}, ...}, see
    # sensitive_answers.py); when an organiser anonymised the event by hand (records_plan.py).
    sensitive_purged_at = Timestamptz(null=True, default=None)
    needs_counts = JSON(default={})
    anonymised_at = Timestamptz(null=True, default=None)
    # The event this one was copied from when an organiser planned a new council year (council_year.py).
    copied_from = ForeignKey(references="self", null=True, on_delete=OnDelete.set_null)


class EventDay(Table):
    """One day of an event; for a training module, one occasion."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    day = Date()
    starts_at = Timestamptz()
    ends_at = Timestamptz()


class EventTheme(Table):
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    theme = ForeignKey(references=Theme, on_delete=OnDelete.cascade, index=True)


class SessionKind(str, Enum):
    plenary = "plenary"
    workshop = "workshop"
    break_ = "break"
    meal = "meal"
    excursion = "excursion"
    online = "online"


class SessionStatus(str, Enum):
    scheduled = "scheduled"
    cancelled = "cancelled"


class ProgrammeSession(Table):
    """One item of an event's programme. Its `uid` is the session id shown in URLs and the API."""

    uid = UUID(default=uuid.uuid4, unique=True)
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    title = Varchar(length=200)
    description = Text(default="")
    title_en = Varchar(length=200, default="")
    description_en = Text(default="")
    kind = Varchar(length=20, choices=SessionKind, default=SessionKind.plenary)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    room = Varchar(length=100, default="")
    capacity = Integer(null=True, default=None)
    requires_signup = Boolean(default=False)
    position = Integer(default=0)  # order among sessions that start at the same time
    status = Varchar(length=20, choices=SessionStatus, default=SessionStatus.scheduled)
    # What changed after the event was published, shown on the public page: {"fields": [...], "before": {...}}
    change = JSON(default={})
    changed_at = Timestamptz(null=True, default=None)


class SessionTheme(Table):
    session = ForeignKey(references=ProgrammeSession, on_delete=OnDelete.cascade, index=True)
    theme = ForeignKey(references=Theme, on_delete=OnDelete.cascade, index=True)


class Speaker(Table):
    session = ForeignKey(references=ProgrammeSession, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=200)
    title = Varchar(length=200, default="")
    organisation = Varchar(length=200, default="")
    position = Integer(default=0)


class ApiToken(Table):
    """A bearer token for the JSON API, belonging to a staff account. Only its hash is stored."""

    uid = UUID(default=uuid.uuid4, unique=True)
    staff = ForeignKey(references=StaffAccount, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=100)
    token_hash = Varchar(length=64, unique=True)
    prefix = Varchar(length=12)  # the first characters, so the owner can tell tokens apart
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    # A scanner's token ("checkin") may only check in, and lasts a day; "" is the role's full API.
    scope = Varchar(length=20, default="")
    expires_at = Timestamptz(null=True, default=None)


class CalendarFeed(Table):
    """A person's calendar subscription: the secret in its URL. A new token replaces a leaked one."""

    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, unique=True)
    token = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())


class QuestionKind(str, Enum):
    text = "text"
    single = "single"
    multiple = "multiple"
    yes_no = "yes_no"


class Question(Table):
    """An organiser's own question on an event's registration form."""

    uid = UUID(default=uuid.uuid4, unique=True)
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    key = Varchar(length=50)  # the answer's name in the API and exports, unique within the event
    label = Varchar(length=300)
    help_text = Varchar(length=500, default="")
    kind = Varchar(length=20, choices=QuestionKind, default=QuestionKind.text)
    options = JSON(default=[])  # the choices of a single or multiple choice question
    label_en = Varchar(length=300, default="")
    help_text_en = Varchar(length=500, default="")
    # The options' English names, in the same order as `options` (or empty). Answers are stored as
    # the Swedish option, so exports and counts do not depend on the language someone registered in.
    options_en = JSON(default=[])
    required = Boolean(default=False)
    position = Integer(default=0)
    # The answers may be health data or the like: kept from check-in staff, marked in exports and
    # deleted with the dietary and accessibility needs after the event (sensitive_answers.py).
    sensitive = Boolean(default=False)


class InvitationStatus(str, Enum):
    pending = "pending"  # not answered (yet)
    accepted = "accepted"
    declined = "declined"
    revoked = "revoked"


class Invitation(Table):
    """A personal invitation to one event, for an external guest or a council member.

    Its links are random secrets of which only SHA-256 hashes are kept (`InvitationLink`), so a
    copy of the database opens nothing. `reserved_place` seats the invitee on top of the public
    capacity. `last_message` is the latest invitation or reminder mail, for the sending state.
    """

    uid = UUID(default=uuid.uuid4, unique=True)
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    person = ForeignKey(references=Person, null=True, on_delete=OnDelete.set_null)
    email = Varchar(length=254)
    name = Varchar(length=200, default="")
    organisation = ForeignKey(references=Organisation, null=True, on_delete=OnDelete.set_null)
    organisation_text = Varchar(length=200, default="")
    note = Text(default="")  # the organiser's personal note to this invitee
    language = Varchar(length=5, default="sv")
    reserved_place = Boolean(default=False)
    status = Varchar(length=20, choices=InvitationStatus, default=InvitationStatus.pending, index=True)
    decline_reason = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    mailed_at = Timestamptz(null=True, default=None)  # when the last invitation or reminder was queued
    reminders_sent = Integer(default=0)
    last_message = ForeignKey(references=OutboxMessage, null=True, on_delete=OnDelete.set_null)
    opened_at = Timestamptz(null=True, default=None)
    answered_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    # When the invitee asked for no more follow-up mailings about this event (the mail's link).
    mailings_declined_at = Timestamptz(null=True, default=None)
    # At a council meeting: why this person is invited (CouncilRole), frozen when invited, for the
    # attendance register; "" for an invited guest and at other events.
    council_role = Varchar(length=20, default="")
    # A substitute's invitation: the member's invitation whose place they take (the member sent
    # apologies and passed it on). The register shows "ersättare för <member>".
    substitute_for = ForeignKey(references="self", null=True, on_delete=OnDelete.set_null)


class InvitationLink(Table):
    """One mailed link to an invitation: the SHA-256 of its secret. Every mail (the invitation, each
    reminder) has its own, and all of them work until the invitation expires or is revoked."""

    invitation = ForeignKey(references=Invitation, on_delete=OnDelete.cascade, index=True)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())


class RegistrationStatus(str, Enum):
    confirmed = "confirmed"
    waitlisted = "waitlisted"
    cancelled = "cancelled"


class Registration(Table):
    """One person's place (or place in the queue) at one event, with their ticket.

    Name, email and organisation are copied from the form, as the person gave them for this event.
    The ticket's `ticket_id` is random (128 bits) and its signed code is computed from it
    (`tickets.py`); `manage_token` is the secret of the person's "my registration" link.
    """

    uid = UUID(default=uuid.uuid4, unique=True)
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, index=True)
    status = Varchar(length=20, choices=RegistrationStatus, default=RegistrationStatus.confirmed, index=True)
    name = Varchar(length=200)
    email = Varchar(length=254, index=True)
    organisation = ForeignKey(references=Organisation, null=True, on_delete=OnDelete.set_null)
    organisation_text = Varchar(length=200, default="")  # typed by an external participant
    title = Varchar(length=200, default="")
    dietary = JSON(default=[])  # codes from registrations.DIETARY_NEEDS
    dietary_other = Varchar(length=300, default="")
    accessibility = Varchar(length=1000, default="")
    answers = JSON(default={})  # by question key
    days = JSON(default=[])  # ISO dates of the event days the person attends
    language = Varchar(length=5, default="sv")
    ticket_id = Varchar(length=32, unique=True)
    short_code = Varchar(length=12, unique=True)
    manage_token = Varchar(length=64, unique=True)
    invitation = ForeignKey(references=Invitation, null=True, on_delete=OnDelete.set_null)
    # Given by an invitation holding a reserved place: seated on top of the event's (public) capacity.
    reserved_place = Boolean(default=False)
    source = Varchar(length=20, default="form")  # form, api, organiser
    consent_at = Timestamptz(null=True, default=None)
    # The version of the privacy notice the person agreed to at `consent_at` (privacy_notice.py).
    consent_version = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    confirmed_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
    reminder_queued_at = Timestamptz(null=True, default=None)
    # When the registrant asked for no more follow-up mailings about this event (the mail's link).
    mailings_declined_at = Timestamptz(null=True, default=None)
    # A registration from a burst (many anonymous ones from one address): its place is held until the
    # person confirms by the mailed link, and released at `held_until`. `burst` groups a burst's
    # registrations (a keyed hash of the event and the IP address; the address itself is not kept).
    held_until = Timestamptz(null=True, default=None, index=True)
    burst = Varchar(length=32, default="")
    # The name and the organisation as typed, folded for the door's search (text_folding.search_text):
    # written with them, emptied with them. Indexed by raw SQL in its migration (a prefix-ordered
    # index per event; pg_trgm's trigrams on PostgreSQL), which Piccolo's columns cannot declare.
    search_text = Text(default="")


class SessionChoice(Table):
    """A registration's choice of a session that needs sign-up: a place, or a place in its queue.

    The queue order is the row's id: a choice made earlier is promoted first.
    """

    registration = ForeignKey(references=Registration, on_delete=OnDelete.cascade, index=True)
    session = ForeignKey(references=ProgrammeSession, on_delete=OnDelete.cascade, index=True)
    status = Varchar(length=20, choices=RegistrationStatus, default=RegistrationStatus.confirmed, index=True)
    created_at = Timestamptz(default=TimestamptzNow())


class CheckInMethod(str, Enum):
    camera = "camera"  # the scanner page's camera
    scanner = "scanner"  # a handheld scanner, or the code typed, into the scanner page's field
    search = "search"  # found by name or organisation and checked in by hand
    walk_in = "walk_in"  # registered at the door
    api = "api"  # another device through the JSON API


class Attendance(Table):
    """One check-in: a registration at one day of its event, or at one session's door.

    `scope` ("<registration id>/<YYYY-MM-DD>" or "<registration id>/s<session id>") is unique, so a
    ticket is checked in once per day or session however many devices scan it at the same moment.
    These rows are what certificates and attendance reports are built on.
    """

    uid = UUID(default=uuid.uuid4, unique=True)
    scope = Varchar(length=80, unique=True)
    registration = ForeignKey(references=Registration, on_delete=OnDelete.cascade, index=True)
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    day = Date()
    session = ForeignKey(references=ProgrammeSession, null=True, on_delete=OnDelete.cascade, index=True)
    checked_in_at = Timestamptz(default=TimestamptzNow())
    staff = ForeignKey(references=StaffAccount, null=True, on_delete=OnDelete.set_null)
    staff_name = Varchar(length=200, default="")  # kept as it was, for "already checked in by …"
    device = Varchar(length=100, default="")
    method = Varchar(length=20, choices=CheckInMethod, default=CheckInMethod.scanner)
    # A scan made offline carries the device's own id for it, so a batch sent twice checks no one in
    # twice; None for a scan made online. Unique by the index `attendance_client_id` (SQLite cannot add
    # a UNIQUE column to a table there is: the migration makes the index).
    client_id = Varchar(length=40, null=True, default=None)
    # When the server wrote (or last rewrote) the row: what a device's door list syncs from (door_sync).
    # `checked_in_at` is when the ticket was scanned, which for an offline scan is earlier.
    recorded_at = Timestamptz(null=True, default=None, index=True)


class CheckInConflict(Table):
    """A ticket admitted at the door while the device was offline that the server could not record as
    the check-in: admitted on two devices ("twice": the earliest scan is the check-in, this is the
    other), or refused by the time the scans were synced (`kind` is then the refusal, a
    checkins.RESULTS key such as "cancelled"). The organisers' live view lists them."""

    uid = UUID(default=uuid.uuid4, unique=True)
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    registration = ForeignKey(references=Registration, null=True, on_delete=OnDelete.cascade, index=True)
    day = Date()
    session = ForeignKey(references=ProgrammeSession, null=True, on_delete=OnDelete.cascade)
    kind = Varchar(length=20)
    admitted_at = Timestamptz()  # when the device admitted the ticket
    staff = ForeignKey(references=StaffAccount, null=True, on_delete=OnDelete.set_null)
    staff_name = Varchar(length=200, default="")
    device = Varchar(length=100, default="")
    client_id = Varchar(length=40, unique=True)  # the scan's id on its device: recorded once however often sent
    # The check-in that stands, for "twice".
    first_at = Timestamptz(null=True, default=None)
    first_staff_name = Varchar(length=200, default="")
    first_device = Varchar(length=100, default="")
    recorded_at = Timestamptz(default=TimestamptzNow())


class CertificateKind(str, Enum):
    attendance = "attendance"  # a certificate of attendance (sustainability days, meetings, other)
    completion = "completion"  # a training module completed


class CertificateStatus(str, Enum):
    valid = "valid"
    superseded = "superseded"  # replaced by a corrected certificate with a new number
    revoked = "revoked"


class Certificate(Table):
    """A certificate issued to one registration, frozen as issued: `content` holds everything printed
    (name, event, days, sessions, hours, signatory), so the PDF can be drawn again identically.

    `number` (HR-2027-0042) is sequential per year and printed for people to quote; the random
    `verification_code` is what the public verification page looks up, so numbers cannot be
    enumerated there. `current_key` is the registration's id on its latest certificate (valid or
    revoked) and NULL once superseded: unique, so one registration never holds two at once.
    """

    uid = UUID(default=uuid.uuid4, unique=True)
    number = Varchar(length=20, unique=True)
    verification_code = Varchar(length=20, unique=True)
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    registration = ForeignKey(references=Registration, on_delete=OnDelete.cascade, index=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=20, choices=CertificateKind, default=CertificateKind.attendance)
    status = Varchar(length=20, choices=CertificateStatus, default=CertificateStatus.valid, index=True)
    current_key = Varchar(length=40, null=True, default=None, unique=True)
    name = Varchar(length=200)
    language = Varchar(length=5, default="sv")
    content = JSON(default={})
    fingerprint = Varchar(length=64, default="")  # SHA-256 of `content`: a changed one means a new certificate
    minutes = Integer(default=0)
    issued_at = Timestamptz(default=TimestamptzNow())
    issued_by = ForeignKey(references=StaffAccount, null=True, on_delete=OnDelete.set_null)
    superseded_at = Timestamptz(null=True, default=None)
    replaced_by = Varchar(length=20, default="")  # the number of the certificate that superseded it
    revoked_at = Timestamptz(null=True, default=None)
    revoked_reason = Text(default="")
    revoked_by = ForeignKey(references=StaffAccount, null=True, on_delete=OnDelete.set_null)
    message = ForeignKey(references=OutboxMessage, null=True, on_delete=OnDelete.set_null)  # the mail it went out in


class CertificateCounter(Table):
    """The last certificate number given out in a year: numbers are taken in blocks by one atomic upsert."""

    year = Integer(unique=True)
    last_number = Integer(default=0)


class AgendaItem(Table):
    """A numbered item (ärende) on a council meeting's agenda, optionally tied to one of the council's
    themes (the regional development strategy's action plans) and to a project. Its papers are
    Material rows pointing at it."""

    uid = UUID(default=uuid.uuid4, unique=True)
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    number = Integer()
    title = Varchar(length=300)
    title_en = Varchar(length=300, default="")
    description = Text(default="")
    theme = ForeignKey(references=Theme, null=True, on_delete=OnDelete.set_null)
    project = Varchar(length=200, default="")


class MaterialVisibility(str, Enum):
    public = "public"  # anyone
    registered = "registered"  # anyone with a place at the event (and organisers)
    attended = "attended"  # those checked in at the event (and organisers)
    # A council meeting's papers: the members in office on the meeting's date, their substitutes
    # invited in their place, the preparatory group (and organisers); not the invited guests.
    council = "council"


class MaterialPurpose(str, Enum):
    """What a council meeting's document is; "" for follow-up material of any event."""

    none = ""
    paper = "paper"  # a handling (handling) for an agenda item, read before the meeting
    minutes = "minutes"  # the meeting's minutes (protokoll), attached afterwards


class MaterialKind(str, Enum):
    file = "file"
    link = "link"


class Material(Table):
    """Follow-up material of an event or one of its sessions: an uploaded file or a link.

    A file is stored under MEDIA_DIR by a random `storage_key`, never by the uploaded name, and is
    served through the app with its visibility enforced and `filename` as a safe download name.
    """

    uid = UUID(default=uuid.uuid4, unique=True)
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    session = ForeignKey(references=ProgrammeSession, null=True, on_delete=OnDelete.set_null, index=True)
    title = Varchar(length=200)
    title_en = Varchar(length=200, default="")
    kind = Varchar(length=10, choices=MaterialKind, default=MaterialKind.file)
    url = Varchar(length=500, default="")  # a link's address
    filename = Varchar(length=200, default="")  # the download name
    content_type = Varchar(length=100, default="")
    size = Integer(default=0)
    storage_key = Varchar(length=100, default="")
    sha256 = Varchar(length=64, default="")
    visibility = Varchar(length=20, choices=MaterialVisibility, default=MaterialVisibility.public)
    position = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    created_by = ForeignKey(references=StaffAccount, null=True, on_delete=OnDelete.set_null)
    # A council meeting's paper for one agenda item, or its minutes (MaterialPurpose).
    purpose = Varchar(length=20, default="")
    agenda_item = ForeignKey(references=AgendaItem, null=True, on_delete=OnDelete.set_null, index=True)


class MailingAudience(str, Enum):
    registered = "registered"  # everyone with a place
    attended = "attended"  # checked in on any day or at any session
    not_attended = "not_attended"  # had a place, never checked in
    session = "session"  # those with a place in one session (`Mailing.session`)
    declined = "declined"  # invitees who declined


class MailingStatus(str, Enum):
    draft = "draft"
    sending = "sending"  # recipients chosen and mails queued; the outbox is delivering them
    sent = "sent"


class Mailing(Table):
    """A follow-up mailing of an event, written by an organiser. It is sent once: the draft turns into
    `sending` with one conditional UPDATE, in the transaction that queues every recipient's mail."""

    uid = UUID(default=uuid.uuid4, unique=True)
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    audience = Varchar(length=20, choices=MailingAudience, default=MailingAudience.attended)
    session = ForeignKey(references=ProgrammeSession, null=True, on_delete=OnDelete.set_null)
    subject_sv = Varchar(length=300)
    body_sv = Text()
    subject_en = Varchar(length=300, default="")
    body_en = Text(default="")
    survey_url = Varchar(length=500, default="")
    status = Varchar(length=20, choices=MailingStatus, default=MailingStatus.draft, index=True)
    recipients_count = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    created_by = ForeignKey(references=StaffAccount, null=True, on_delete=OnDelete.set_null)
    sent_at = Timestamptz(null=True, default=None)
    sent_by = ForeignKey(references=StaffAccount, null=True, on_delete=OnDelete.set_null)


class MailingRecipient(Table):
    """One recipient of a mailing and the mail queued for them. `scope` ("<mailing id>/<address>") is
    unique: nobody gets a mailing twice, whatever happens."""

    mailing = ForeignKey(references=Mailing, on_delete=OnDelete.cascade, index=True)
    scope = Varchar(length=300, unique=True)
    registration = ForeignKey(references=Registration, null=True, on_delete=OnDelete.set_null)
    invitation = ForeignKey(references=Invitation, null=True, on_delete=OnDelete.set_null)
    email = Varchar(length=254)
    name = Varchar(length=200, default="")
    language = Varchar(length=5, default="sv")
    message = ForeignKey(references=OutboxMessage, null=True, on_delete=OnDelete.set_null)


class SiteSetting(Table):
    """A value an admin sets in the back office (retention periods, the privacy notice, the
    accessibility statement). Only keys declared in `site_settings.py` are stored; an absent key
    means the declared default."""

    key = Varchar(length=100, unique=True)
    value = Text(default="")
    updated_at = Timestamptz(default=TimestamptzNow())


class ErasureRequest(Table):
    """A person's request to be erased (GDPR Art. 17), until an admin has carried it out."""

    uid = UUID(default=uuid.uuid4, unique=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, index=True)
    requested_at = Timestamptz(default=TimestamptzNow())
    done_at = Timestamptz(null=True, default=None)
    done_by = ForeignKey(references=StaffAccount, null=True, on_delete=OnDelete.set_null)


class AccessibilityFeedback(Table):
    """A message sent with the form on the accessibility statement: a shortcoming reported, or a request
    for content in an accessible form. Name and email are optional (personal data, kept only so the
    admins can answer); the whole row is deleted after the period in the accessibility settings."""

    uid = UUID(default=uuid.uuid4, unique=True)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    name = Varchar(length=200, default="")
    email = Varchar(length=254, default="")
    message = Text()
    language = Varchar(length=5, default="sv")  # the page's language: the one to answer in


class CouncilRole(str, Enum):
    """Why someone is invited to a council meeting (Invitation.council_role)."""

    member = "member"  # a member in office on the meeting's date
    substitute = "substitute"  # a member's personal substitute, invited in the member's place
    preparatory = "preparatory"  # an official of the preparatory group (beredningsgrupp)
    guest = ""  # another invited actor


class MemberTerm(Table):
    """One council member's term of office: for an organisation and a side, from `starts_on` to
    `ends_on` (inclusive; open-ended when NULL). A person re-appointed gets a new row, so the council's
    history stays. `substitute` is the member's named personal substitute (ersättare), a person of the
    same organisation. The person's own organisation, side and term columns mirror their latest term
    (council_members.py keeps them so, for the pages that only ask "is this a member")."""

    uid = UUID(default=uuid.uuid4, unique=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, index=True)
    organisation = ForeignKey(references=Organisation, null=True, on_delete=OnDelete.set_null, index=True)
    side = Varchar(length=20)  # a Side value
    starts_on = Date()
    ends_on = Date(null=True, default=None)
    substitute = ForeignKey(references=Person, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())


class CouncilPosition(str, Enum):
    """A role a member holds for a period of its own (MemberRole)."""

    chair = "chair"  # ordförande, chosen by the members for one year at a time
    vice_chair = "vice_chair"  # vice ordförande, likewise
    sekom_contact = "sekom_contact"  # the organisation's contact politician in Sekom


class MemberRole(Table):
    """A role held by a member from `starts_on` to `ends_on` (inclusive; open-ended when NULL)."""

    uid = UUID(default=uuid.uuid4, unique=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, index=True)
    position = Varchar(length=20, choices=CouncilPosition)
    starts_on = Date()
    ends_on = Date(null=True, default=None)


class PreparatoryOfficial(Table):
    """An official of the preparatory group (beredningsgrupp: Länsstyrelsen, the region,
    Kommunförbundet) from `starts_on` to `ends_on`: not a member, but invited to every council meeting
    and given its papers. Their organisation is the person's."""

    uid = UUID(default=uuid.uuid4, unique=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, index=True)
    starts_on = Date()
    ends_on = Date(null=True, default=None)


class EvaluationStatus(str, Enum):
    draft = "draft"  # being written; nobody is asked yet
    open = "open"  # asked (or to be asked automatically); answers taken until `closes_at`
    closed = "closed"  # closed by hand; the results stay


class EvaluationAudience(str, Enum):
    attended = "attended"  # those checked in (at the event, the occasion or the session)
    no_show = "no_show"  # those who had a place and never came ("Vad hindrade dig?")


class EvaluationQuestionKind(str, Enum):
    rating = "rating"  # 1-5, with words for the two ends
    single = "single"
    multiple = "multiple"
    text = "text"
    themes = "themes"  # which of the council's themes the next sustainability day should take up


class Evaluation(Table):
    """An evaluation form of an event, of one occasion of a training module (`event_day`) or of one
    programme session; or, with `event` NULL, a template to copy (the council's standard form).

    Who is asked is kept in EvaluationRequest and what they answered in EvaluationResponse, with no
    column joining the two unless the form is `named` (evaluations.py says how anonymity holds).
    """

    uid = UUID(default=uuid.uuid4, unique=True)
    event = ForeignKey(references=Event, null=True, on_delete=OnDelete.cascade, index=True)
    event_day = ForeignKey(references=EventDay, null=True, on_delete=OnDelete.cascade)
    session = ForeignKey(references=ProgrammeSession, null=True, on_delete=OnDelete.cascade)
    template_key = Varchar(length=40, default="")  # a template's name ("standard"); "" for a form in use
    title = Varchar(length=200)
    title_en = Varchar(length=200, default="")
    intro = Text(default="")
    intro_en = Text(default="")
    audience = Varchar(length=20, choices=EvaluationAudience, default=EvaluationAudience.attended)
    named = Boolean(default=False)  # answers carry the person: for internal workshops, said on the form
    status = Varchar(length=20, choices=EvaluationStatus, default=EvaluationStatus.draft, index=True)
    closes_at = Timestamptz(null=True, default=None)
    # Ask automatically this many hours after the event (occasion, session) ends; None: by hand.
    send_after_hours = Integer(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)  # when those asked were first mailed
    reminded_at = Timestamptz(null=True, default=None)
    reminders = Integer(default=0)
    texts_purged_at = Timestamptz(null=True, default=None)  # free text deleted by the retention rule
    copied_from = ForeignKey(references="self", null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())


class EvaluationQuestion(Table):
    """One question of an evaluation form. `standard_key` marks the standard form's questions, so the
    same question can be compared across occasions and years."""

    uid = UUID(default=uuid.uuid4, unique=True)
    evaluation = ForeignKey(references=Evaluation, on_delete=OnDelete.cascade, index=True)
    position = Integer(default=0)
    kind = Varchar(length=20, choices=EvaluationQuestionKind, default=EvaluationQuestionKind.rating)
    text = Varchar(length=500)
    text_en = Varchar(length=500, default="")
    options = JSON(default=[])  # a choice question's options (Swedish; answers are stored as these)
    options_en = JSON(default=[])
    low_label = Varchar(length=100, default="")  # a rating's words for 1 and 5
    low_label_en = Varchar(length=100, default="")
    high_label = Varchar(length=100, default="")
    high_label_en = Varchar(length=100, default="")
    required = Boolean(default=False)
    standard_key = Varchar(length=40, default="")


class EvaluationRequest(Table):
    """One registration asked to answer an evaluation, by its personal link. Nothing here says whether
    it has answered, nor whether it was reminded: the server tells by computing the request's locator
    and finding an answer under it (evaluation_links.py), which the database alone cannot do. `scope`
    ("<evaluation id>/<registration id>") is unique: nobody is asked twice."""

    uid = UUID(default=uuid.uuid4, unique=True)
    evaluation = ForeignKey(references=Evaluation, on_delete=OnDelete.cascade, index=True)
    registration = ForeignKey(references=Registration, on_delete=OnDelete.cascade, index=True)
    scope = Varchar(length=40, unique=True)


class EvaluationResponse(Table):
    """One answer to an evaluation. No column names the person or the registration (a test holds the
    columns to this list): `locator` is a keyed hash of the request that only the request's own link
    can reproduce, to let its holder change the answer; `organisation` and `side` are the groups the
    results break down by, shown only for groups large enough (evaluation_results.py). `person` is set
    only on a named form. No time is kept: it could be matched against the check-ins."""

    evaluation = ForeignKey(references=Evaluation, on_delete=OnDelete.cascade, index=True)
    locator = Varchar(length=64, unique=True)
    organisation = ForeignKey(references=Organisation, null=True, on_delete=OnDelete.set_null)
    side = Varchar(length=20, default="")
    person = ForeignKey(references=Person, null=True, on_delete=OnDelete.set_null)
    answers = JSON(default={})  # question uid -> 1-5, an option, a list of options, text
    hidden = JSON(default=[])  # question uids whose free text an organiser hid from the shared report
