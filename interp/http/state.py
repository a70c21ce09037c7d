"""Reaching the running services from a request or WebSocket."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from interp.services import Services


def services(conn: HTTPConnection) -> Services:
    found: Services = conn.app.state.services
    return found
