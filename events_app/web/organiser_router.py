"""The back office under /organiser: one router, guarded once for organisers (and admins), holding every
organiser controller; their paths are relative to /organiser."""

from __future__ import annotations

from litestar import Router

from events_app.domain.tables import Role
from events_app.web.auth import requires_role
from events_app.web.organiser_api_tokens import ApiTokensController
from events_app.web.organiser_badges import OrganiserBadgesController
from events_app.web.organiser_certificates import OrganiserCertificatesController
from events_app.web.organiser_checkin import OrganiserCheckinController
from events_app.web.organiser_competence import CompetenceController
from events_app.web.organiser_council import OrganiserCouncilController
from events_app.web.organiser_council_records import CouncilStatementsController, OrganiserCouncilRecordsController
from events_app.web.organiser_council_year import CouncilYearController
from events_app.web.organiser_door_list import OrganiserDoorListController
from events_app.web.organiser_evaluation_results import OrganiserEvaluationResultsController
from events_app.web.organiser_evaluations import OrganiserEvaluationQuestionsController, OrganiserEvaluationsController
from events_app.web.organiser_events import OrganiserEventsController
from events_app.web.organiser_invitations import OrganiserInvitationsController
from events_app.web.organiser_mailings import OrganiserMailingsController
from events_app.web.organiser_materials import OrganiserMaterialsController
from events_app.web.organiser_members import (
    MemberImportController,
    MembersController,
    MemberTermsController,
    PreparatoryGroupController,
)
from events_app.web.organiser_records import OrganiserRecordsController
from events_app.web.organiser_registration_organisation import OrganiserRegistrationOrganisationController
from events_app.web.organiser_registrations import (
    OrganiserQuestionsController,
    OrganiserRegistrationActionsController,
    OrganiserRegistrationsController,
)
from events_app.web.organiser_reports import OrganiserReportsController
from events_app.web.organiser_sessions import OrganiserSessionsController


def organiser_router() -> Router:
    """A fresh router per app (a router belongs to the app it is registered with)."""
    return Router(
        path="/organiser",
        guards=[requires_role(Role.organiser)],
        route_handlers=[
            MembersController,
            MemberTermsController,
            PreparatoryGroupController,
            MemberImportController,
            CompetenceController,
            OrganiserEventsController,
            CouncilYearController,
            OrganiserSessionsController,
            ApiTokensController,
            OrganiserRegistrationsController,
            OrganiserRegistrationActionsController,
            OrganiserRegistrationOrganisationController,
            OrganiserQuestionsController,
            OrganiserInvitationsController,
            OrganiserCheckinController,
            OrganiserDoorListController,
            OrganiserBadgesController,
            OrganiserCertificatesController,
            OrganiserMailingsController,
            OrganiserEvaluationsController,
            OrganiserEvaluationQuestionsController,
            OrganiserMaterialsController,
            OrganiserReportsController,
            OrganiserEvaluationResultsController,
            OrganiserRecordsController,
            OrganiserCouncilController,
            OrganiserCouncilRecordsController,
            CouncilStatementsController,
        ],
    )
