"""The rules of the service: accounts, invites, the request queue, matching and rooms.

Nothing here knows about HTTP, WebSockets or WebRTC; transports call these
services and turn their results and errors into messages.
"""
