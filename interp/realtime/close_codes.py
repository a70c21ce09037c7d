"""The close codes of every WebSocket endpoint, and what each tells the client.

docs/protocol.md lists them for client authors; the 44xx codes mirror the HTTP
statuses so a page can tell "sign in again" from "gone" without parsing a reason.
"""

from __future__ import annotations

from enum import IntEnum


class CloseCode(IntEnum):
    # Nothing more to come: the room closed, the meeting ended, or the client left.
    DONE = 1000
    # The client kept sending messages the protocol refuses.
    POLICY_VIOLATION = 1008
    # The server failed while handling the connection (it logged why): reconnect.
    INTERNAL_ERROR = 1011
    # Events may have been missed: reconnect and start afresh.
    RESYNCHRONISE = 1012
    # Sign in again (also sent when the account is deactivated while connected).
    UNAUTHORISED = 4401
    # Not allowed: a cross-site connection, or a request link that is not valid.
    FORBIDDEN = 4403
    # The token or room is not valid (wrong, expired, or its meeting is gone).
    NOT_FOUND = 4404
    # No ``hello`` in time.
    NO_HELLO = 4408
    # Too many connections open for this account or participant: close one first.
    TOO_MANY = 4429
