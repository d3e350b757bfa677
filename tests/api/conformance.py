"""The API against its own OpenAPI document with schemathesis (issue 9.9): every check, positive and negative data.

One module for both runs: in-process over WSGI (``tests/api/test_conformance.py``) and against a served app
(``make proof``: ``schema_from_url`` then ``conformance_failures``). The only setting that departs from
schemathesis' defaults: a schema-valid event may still name a counter, service type or NIP the unit does not
have, which the document answers with 422 (README, "Results"), so 422 counts as accepting positive data.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode

OPENAPI_PATH = "/api/v1/openapi.json"
CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "422"]
"""


def _config() -> SchemathesisConfig:
    return SchemathesisConfig.from_str(CONFIG)


def schema_from_app(app: Any) -> Any:
    """The document as the Flask app serves it, requests sent in-process (WSGI)."""
    return schemathesis.openapi.from_wsgi(OPENAPI_PATH, app, config=_config())


def schema_from_url(base_url: str) -> Any:
    """The document of a running server (gunicorn), requests sent over HTTP."""
    return schemathesis.openapi.from_url(base_url.rstrip("/") + OPENAPI_PATH, config=_config())


def all_checks() -> list[Any]:
    """Every built-in check (the CLI's ``--checks all``)."""
    load_all_checks()
    return CHECKS.get_all()


def conformance_failures(schema: Any, token: str, *, max_examples: int = 30) -> list[str]:
    """What schemathesis finds wrong, per operation and generation mode: an empty list means conformant."""
    failures: list[str] = []
    headers = {"Authorization": f"Bearer {token}"}
    checks = all_checks()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=max_examples,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case: Any) -> None:
                case.call_and_validate(headers=headers, checks=checks)

            try:
                run()
            except Exception as error:
                failures.append(f"{operation.label} ({mode.value}): {error}")
    return failures
