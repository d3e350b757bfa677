"""Fixtures of the API tests: the shared world and a client that posts events with the unit's token."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import make_world


@pytest.fixture
def world(build, clock):
    return make_world(build, clock)


@pytest.fixture
def post(client, world):
    """POST a JSON body to /api/v1/ticket-events with the unit's token (or ``token=...``)."""

    def send(body: Any, *, token: str | None = None, **kwargs: Any):
        headers = {"Authorization": f"Bearer {token or world.token}"}
        return client.post("/api/v1/ticket-events", json=body, headers=headers, **kwargs)

    return send
