"""Consent and transcripts over HTTP: the consent API a meeting's pages use, and the
transcript downloads for the meeting's caseworker (or a coordinator).

Consent (JSON, see docs/protocol.md):
- ``GET /api/meetings/{id}/consent``: who is speaking in the meeting and what they answered.
- ``POST /api/meetings/{id}/consent`` ``{"agreed": bool}``: the asker's own answer;
  with ``"participant"``, the host records the answer a speaker in the room gave out loud
  (who may answer for whom is ``interp.domain.consent``'s rule).
Guests send their call link token in the ``x-participant-token`` header; people with an
account use their session and the ``x-csrf-token`` header. Every change is published to
the room as ``meeting.consent``.

Downloads: ``GET /meetings/{id}/transcript.{vtt|srt|txt}[?language=xx]``.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from interp import i18n
from interp.captions.layout import Segment, layout
from interp.captions.writers import render as render_captions
from interp.domain.accounts import Account
from interp.domain.consent import Asker, ConsentView
from interp.domain.errors import DomainError, NotAllowed, NotFound
from interp.domain.meetings import MeetingInfo
from interp.domain.transcripts import KeptSegment
from interp.http.auth import current_account
from interp.http.guard import Refusal, requires
from interp.http.json_api import domain_error, error_response, json_body
from interp.http.pages import machine_translation_notice
from interp.http.security import CSRF_HEADER, csrf_ok
from interp.http.state import services
from interp.http.templating import environment, gettext_functions, render, request_locale
from interp.hub.channels import room_channel
from interp.i18n import N_
from interp.languages import LANGUAGES
from interp.services import Services
from interp.translation.translator import PIVOT, Translator

TOKEN_HEADER = "x-participant-token"
MEDIA_TYPES = {
    "vtt": "text/vtt; charset=utf-8",
    "srt": "application/x-subrip; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
}

NOTHING_KEPT = N_(
    "No transcript has been kept for this meeting. A transcript is kept only while everyone "
    "who speaks has agreed, and it is deleted when its time is up."
)
NOT_YOURS = N_("Only the caseworker who holds this meeting, or a coordinator, can download it.")
NO_MEETING = N_("There is no such meeting.")
NO_FORMAT = N_("Transcripts come as WebVTT (.vtt), SRT (.srt) or plain text (.txt).")
BAD_LANGUAGE = N_("Choose one of the meeting's languages.")


async def _asker(request: Request, meeting_id: str) -> Asker:
    token = request.headers.get(TOKEN_HEADER)
    if token:
        return await services(request).consent.asker(meeting_id, token=token)
    return await services(request).consent.asker(
        meeting_id, account=await current_account(request)
    )


async def _body(request: Request, view: ConsentView) -> dict[str, Any]:
    svc = services(request)
    asker = view.asker
    you = None
    if asker.participant_id is not None:
        you = {"id": asker.participant_id, "consent": view.your_answer}
    days = await svc.transcripts.retention_days()
    # The sentence too: its plural forms are the catalogue's, not the script's.
    sentence = environment.get_template("meetings/retention.html").render(
        days=days, **gettext_functions(i18n.translations(request_locale(request)))
    )
    body = {
        **view.state.as_dict(),
        "you": you,
        "host": asker.host,
        "retention": {"days": days, "text": sentence},
    }
    if asker.host:
        body["kept"] = await svc.transcripts.count(view.state.meeting_id)
    return body


async def consent_state(request: Request) -> JSONResponse:
    svc = services(request)
    try:
        asker = await _asker(request, request.path_params["meeting_id"])
        view = await svc.consent.view(asker)
    except DomainError as exc:
        return domain_error(exc)
    return JSONResponse(await _body(request, view), headers={"cache-control": "no-store"})


async def record_consent(request: Request) -> JSONResponse:
    svc = services(request)
    data = await json_body(request)
    agreed, target = data.get("agreed"), data.get("participant")
    unexpected = set(data) - {"agreed", "participant"}
    if unexpected or not isinstance(agreed, bool) or not isinstance(target, str | None):
        message = 'Send {"agreed": true or false}; a host may add "participant".'
        return error_response("invalid", message, 400)
    try:
        asker = await _asker(request, request.path_params["meeting_id"])
        # A session cookie comes unasked with a cross-site request; a call link does not.
        signed_in = not request.headers.get(TOKEN_HEADER)
        if signed_in and not csrf_ok(request, request.headers.get(CSRF_HEADER)):
            return error_response("csrf", "Missing or wrong CSRF token.", 403)
        view = await svc.consent.answer(asker, agreed, target)
    except DomainError as exc:
        return domain_error(exc)
    event = {"event": "meeting.consent", **view.state.as_dict()}
    await svc.hub.publish(room_channel(view.state.room_id), event)
    return JSONResponse(await _body(request, view))


def _missing_pairs(translator: Translator, sources: set[str], target: str) -> list[str]:
    """The models (as install commands) a translation into ``target`` still needs."""
    missing: list[tuple[str, str]] = []
    for source in sorted(sources - {target}):
        if translator.route(source, target) is not None:
            continue
        hops = [(source, PIVOT), (PIVOT, target)]
        missing += [
            hop for hop in hops
            if hop[0] != hop[1] and hop not in translator.pairs and hop not in missing
        ]
    return [f"interp models install translation {a} {b}" for a, b in missing]


def _translate_all(
    translator: Translator, kept: list[KeptSegment], target: str
) -> list[KeptSegment]:
    out = []
    for seg in kept:
        if seg.language == target:
            out.append(seg)
            continue
        result = translator.translate(seg.text, seg.language, target)
        if not result.translated:
            raise LookupError(f"no translation from {seg.language} to {target}")
        out.append(KeptSegment(seg.speaker_name, seg.speaker_role, seg.offset_s,
                               seg.duration_s, target, result.text))
    return out


def _filename(meeting: MeetingInfo, language: str, fmt: str) -> str:
    title = re.sub(r"[^a-z0-9]+", "-", meeting.title.lower()).strip("-")[:40] or "meeting"
    day = (meeting.started_at or meeting.created_at).date().isoformat()
    suffix = f"-{language}" if language else ""
    return f"transcript-{title}-{day}{suffix}.{fmt}"


async def _translated(
    svc: Services, kept: list[KeptSegment], language: str
) -> tuple[list[KeptSegment], list[str]]:
    """The transcript in ``language``, or the install commands of the models it still needs."""
    translator = svc.language_tools.translation.translator
    sources = {seg.language for seg in kept}
    if _missing_pairs(translator, sources, language):
        await asyncio.to_thread(translator.reload)  # models installed since start
    commands = _missing_pairs(translator, sources, language)
    try:
        if not commands:
            # A worker thread: a long transcript must not hold the event loop.
            kept = await asyncio.to_thread(_translate_all, translator, kept, language)
    except LookupError:  # a model removed meanwhile
        commands = _missing_pairs(translator, sources, language)
    return kept, commands


async def _owned_meeting(request: Request, account: Account) -> MeetingInfo:
    try:
        return await services(request).meetings.owned(request.path_params["meeting_id"], account)
    except NotAllowed as exc:
        raise Refusal(403, "forbidden", NOT_YOURS) from exc
    except NotFound as exc:
        raise Refusal(404, "not_found", NO_MEETING) from exc


@requires()
async def download(request: Request, account: Account) -> Response:
    svc = services(request)
    fmt = request.path_params["fmt"]
    if fmt not in MEDIA_TYPES:
        raise Refusal(404, "not_found", NO_FORMAT)
    meeting = await _owned_meeting(request, account)
    language = request.query_params.get("language", "")
    if language and (language not in LANGUAGES or LANGUAGES[language].signed):
        raise Refusal(400, "invalid", BAD_LANGUAGE)
    kept = await svc.transcripts.segments(meeting.id)
    if not kept:
        raise Refusal(404, "not_found", NOTHING_KEPT)
    translated = bool(language) and any(seg.language != language for seg in kept)
    if language:
        kept, commands = await _translated(svc, kept, language)
        if commands:
            context = {
                "commands": commands,
                "language": language,
                # The meeting's page, where the other downloads are.
                "next_url": f"/meetings/{meeting.id}",
            }
            return render(request, "meetings/transcript_unavailable.html", context, 409)
    segments = [
        Segment(seg.offset_s, seg.offset_s + seg.duration_s, seg.text, seg.language,
                seg.speaker_name or seg.speaker_role.capitalize())
        for seg in kept
    ]
    notice = machine_translation_notice(language) if translated else ""
    text = render_captions(fmt, segments, layout(segments), notice)
    name = _filename(meeting, language, fmt)
    headers = {"content-disposition": f'attachment; filename="{name}"', "cache-control": "no-store"}
    return Response(text, media_type=MEDIA_TYPES[fmt], headers=headers)


routes = [
    Route("/api/meetings/{meeting_id}/consent", consent_state, methods=["GET"]),
    Route("/api/meetings/{meeting_id}/consent", record_consent, methods=["POST"]),
    Route("/meetings/{meeting_id}/transcript.{fmt}", download, methods=["GET"]),
]
