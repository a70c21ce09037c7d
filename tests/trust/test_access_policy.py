"""Every door of the running server tried by every role, against one policy table
(tests/trust/access_policy.py), generated from the app's route table and the protocol's
message types: a route or message added without a row fails here."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute

from interp.app import create_app
from interp.config import load_settings
from interp.realtime import protocol
from tests.live_server import LiveServer, open_limits, run_sync, start_live_server
from tests.trust.access_policy import (
    HTTP_POLICY,
    SOCKET_POLICY,
    SPENDING_MESSAGES,
    SPENDING_ROUTES,
)
from tests.trust.probes import try_message, try_route
from tests.trust.world import (
    ROLES,
    WORLD_SETTINGS,
    World,
    build_world,
    fresh_world,
)

# The client's message types on each socket endpoint.
SOCKET_SCHEMAS = {
    "/ws/volunteer": protocol.VOLUNTEER_MESSAGES,
    "/ws/coordinator": protocol.COORDINATOR_MESSAGES,
    "/ws/resident": protocol.RESIDENT_MESSAGES,
    "/ws/room": protocol.ROOM_MESSAGES,
    "/ws/captions": protocol.VIEWER_MESSAGES,
}


def app_routes() -> list[BaseRoute]:
    # The app factory writes its secret key into the data directory.
    with tempfile.TemporaryDirectory() as data:
        return list(create_app(load_settings(None, data_dir=Path(data))).routes)


def http_doors() -> list[str]:
    """Every route and method of the app ("GET /path"), HEAD going with GET."""
    doors = []
    for route in app_routes():
        if isinstance(route, Route):
            doors += [f"{m} {route.path}" for m in sorted((route.methods or set()) - {"HEAD"})]
    return doors


def socket_doors() -> list[str]:
    """Every message type of every socket endpoint ("/ws/room offer")."""
    endpoints = [r.path for r in app_routes() if isinstance(r, WebSocketRoute)]
    doors = []
    for endpoint in endpoints:
        assert endpoint in SOCKET_SCHEMAS, f"socket {endpoint} has no message schema here"
        doors += [f"{endpoint} {kind}" for kind in SOCKET_SCHEMAS[endpoint]]
    return doors


def cases(policy: dict[str, dict[str, str | int]]) -> Iterator[object]:
    for door, outcomes in policy.items():
        for role in ROLES:
            yield pytest.param(door, role, outcomes[role], id=f"{door}|{role}")


def test_every_route_has_a_policy_row() -> None:
    doors = http_doors()
    assert sorted(set(doors) - set(HTTP_POLICY)) == [], "routes without a policy row"
    assert sorted(set(HTTP_POLICY) - set(doors)) == [], "policy rows of routes that are gone"
    mounts = [r.path for r in app_routes() if isinstance(r, Mount)]
    assert mounts == ["/static"], "a mount other than the static files needs a policy"


def test_every_message_type_has_a_policy_row() -> None:
    doors = socket_doors()
    assert sorted(set(doors) - set(SOCKET_POLICY)) == [], "messages without a policy row"
    assert sorted(set(SOCKET_POLICY) - set(doors)) == [], "policy rows of messages that are gone"


def test_every_row_names_every_role() -> None:
    for door, outcomes in {**HTTP_POLICY, **SOCKET_POLICY}.items():
        assert set(outcomes) == set(ROLES), door


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    server: LiveServer = start_live_server(
        tmp_path_factory.mktemp("access") / "data", **WORLD_SETTINGS, **open_limits()
    )
    try:
        yield run_sync(build_world(server))
    finally:
        server.stop()


@pytest.mark.parametrize(("door", "role", "expected"), list(cases(HTTP_POLICY)))
async def test_route(world: World, door: str, role: str, expected: str | int) -> None:
    method, path = door.split(" ", 1)
    if door in SPENDING_ROUTES and expected == "ok":
        world = await fresh_world(world, role, recording=path.startswith("/recordings/"))
    assert await try_route(world, method, path, role) == expected


@pytest.mark.parametrize(("door", "role", "expected"), list(cases(SOCKET_POLICY)))
async def test_message(world: World, door: str, role: str, expected: str) -> None:
    endpoint, kind = door.split(" ", 1)
    if kind in SPENDING_MESSAGES and expected == "ok":
        world = await fresh_world(world, role)
    assert await try_message(world, endpoint, kind, role) == expected
