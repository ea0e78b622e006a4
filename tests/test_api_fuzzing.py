"""The JSON API fuzzed against its own OpenAPI schema with schemathesis, through the real server
(`events-app serve`, on this run's database, SQLite or PostgreSQL): requests made from the schema,
valid and invalid, with an organiser's token, never get a 5xx, and every response fits the schema.

Bounded so that it stays a few minutes at most: FUZZ_EXAMPLES examples per operation, derandomized
(the same requests every run, so a failure can be reproduced), no deadline per example (a busy CI
machine is slow, not wrong).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from events_app.domain import api_tokens
from events_app.domain.audit import Actor

FUZZ_EXAMPLES = 60


@pytest.fixture
async def organiser_token(staff_accounts) -> str:
    return await api_tokens.create_token(staff_accounts["organiser"]["id"], "fuzzing", Actor.system("test"))


def test_the_api_answers_every_request_within_its_schema_and_never_fails(live_server, organiser_token):
    schema = schemathesis.openapi.from_url(f"{live_server}/api/v1/schema/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10  # the fuzzing reaches the whole API
    failures, sent = {}, []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
        def fuzz(case):
            sent.append(case.operation.label)
            case.call_and_validate(
                headers={"Authorization": f"Bearer {organiser_token}"},
                checks=[not_a_server_error, response_schema_conformance],
            )

        try:
            fuzz()
        except Exception as failure:
            failures[f"{operation.method.upper()} {operation.path}"] = failure
    print(f"{len(sent)} requests to {len(operations)} operations")
    assert len(sent) >= 5 * len(operations), f"only {len(sent)} requests were made"
    assert not failures, "\n\n".join(f"{label}:\n{failure}" for label, failure in failures.items())
