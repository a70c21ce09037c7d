"""Every hub channel's name, in one place: who publishes on each, and what.

- ``queue:<language>``: the open requests in a language changed (interp.realtime.dispatch).
- ``request:<id>``: one request changed: matched, released, cancelled, expired, ...
- ``room:<id>``: a room's signalling, presence, meeting and caption-state events.
- ``captions:<room>:<language>``: a room's captions in one language, or ``original``
  for each speaker's own words.
- ``viewers:<room>``: caption viewers say which languages they read (interp.live.viewers).
- ``account:<id>``: an account was deactivated or its languages changed; its open
  sockets check their rights again (interp.realtime.dispatch).
- ``bookings:<language>``: a booking in a language was made, claimed, released or
  cancelled (interp.realtime.bookings); volunteers' dashboards follow it.
- ``coordinators``: a new safeguarding report, or one marked as seen
  (interp.realtime.coordinator); every coordinator's open page hears it.
"""

from __future__ import annotations


def queue_channel(language: str) -> str:
    return f"queue:{language}"


def request_channel(request_id: str) -> str:
    return f"request:{request_id}"


def room_channel(room_id: str) -> str:
    return f"room:{room_id}"


def captions_channel(room_id: str, language: str) -> str:
    return f"captions:{room_id}:{language}"


def viewers_channel(room_id: str) -> str:
    return f"viewers:{room_id}"


def account_channel(account_id: str) -> str:
    return f"account:{account_id}"


def bookings_channel(language: str) -> str:
    return f"bookings:{language}"


COORDINATORS_CHANNEL = "coordinators"
