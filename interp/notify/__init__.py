"""Reaching volunteers whose dashboard is closed: Web Push and email, within their hours.

- ``schedule``: the weekly hours a volunteer keeps, and whether a moment falls in them.
- ``preferences``: each volunteer's email opt-in, language and hours; the coordinator's
  switch for Web Push.
- ``subscriptions``: the browsers volunteers subscribed, and checking what a browser sends.
- ``vapid``: the server's VAPID key pair (RFC 8292), made once and kept in the data dir.
- ``push``: sending one encrypted message (RFC 8291) to one subscription (RFC 8030).
- ``email``: sending one plain-text email through the organisation's SMTP server.
- ``messages``: what is sent: the push payload and the email, with no names or notes.
- ``notifier``: who is told of what, sent in the background so nothing waits for it.
"""

from interp.notify.notifier import Notifier

__all__ = ["Notifier"]
