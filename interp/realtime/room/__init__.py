"""Rooms: the connections of the participants of a call or a meeting.

Each page of a participant holds one connection (``CallConnection``), made of parts
that each do one job and name the hub events and client messages they handle:

- ``signalling``: offers, answers, ICE candidates and mute state, and who else is there;
- ``captions``: the page's own speech captioned, and the captions it reads;
- ``meeting``: a meeting's waiting room and its host's powers, carrying out the rules
  of ``interp.domain.meeting_rules``;
- ``departures``: leaving, handing the request back, and the grace period after a drop.

A caseworker's meeting has a host (its caseworker, or a coordinator) and rules of its
own: a guest waits, unseen by the others, until the host lets them in; the host may
remove anyone and end the meeting for everyone; nobody else leaving ends it. In a
meeting held in a room, the host's device captions the whole room, and the host says
who is speaking.
"""

from interp.realtime.room.service import CallService

__all__ = ["CallService"]
