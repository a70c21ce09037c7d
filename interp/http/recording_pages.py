"""Recordings: a caseworker uploads audio or video, follows its captioning, and downloads
the captions (WebVTT, SRT or text), as spoken or translated."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from babel.numbers import format_percent
from babel.units import format_unit
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from interp import i18n
from interp.captions import writers
from interp.captions.layout import LayoutOptions, layout
from interp.domain.accounts import STAFF_ROLES, Account
from interp.domain.caption_jobs import CaptionJobInfo
from interp.domain.errors import Conflict, DomainError, InvalidInput, NotAllowed, NotFound
from interp.domain.kinds import JobStatus
from interp.http.formatting import megabytes_text, minutes_text
from interp.http.guard import Refusal, requires
from interp.http.json_api import error_response
from interp.http.limits import too_many
from interp.http.pages import (
    FORM_EXPIRED,
    checked_form,
    machine_translation_notice,
    page,
    say,
    wants_json,
)
from interp.http.security import CSRF_FIELD, csrf_ok
from interp.http.state import services
from interp.http.templating import request_locale
from interp.http.uploads import ReceivedForm, UploadRefused, discard_body, receive_upload
from interp.i18n import N_
from interp.jobs.translation import MissingTranslation, translate_transcript
from interp.jobs.uploads import TOO_LONG, NotMedia, probe_media
from interp.jobs.worker import UNAVAILABLE
from interp.languages import get_language, sorted_languages
from interp.services import Services
from interp.translation.translator import PIVOT

UPLOAD_FIELD = "recording"
CONTENT_TYPES = {
    "vtt": "text/vtt; charset=utf-8",
    "srt": "application/x-subrip; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
}

TOO_LARGE = N_("The file is larger than %(size)s, the most this server accepts.")
BROKEN_UPLOAD = N_("The upload did not arrive whole. Please try again.")
NO_ROOM = N_("The server has no room to store this file now. Try again later.")
CHOOSE_FILE = N_("Choose a recording to upload.")
TOO_MANY = N_("You have too many recordings waiting: upload more when one has finished.")
CHOOSE_LANGUAGE = N_("Choose a language from the list.")
NOT_READY = N_("The captions of this recording are not ready yet.")
GONE = N_("This recording does not exist any more.")
NOT_YOURS = N_("This is another caseworker's recording.")
NO_TRANSLATION = N_(
    "No translation model from %(source)s to %(target)s is installed. "
    "The administrator can install it with: %(commands)s"
)
BACK = N_("Back to recordings")


def _language_name(request: Request, code: str | None) -> str:
    if not code:
        return ""
    language = get_language(code)
    fallback = language.native_name if language else code
    return i18n.language_name(code, request_locale(request)) or fallback


def _recognised_languages() -> set[str]:
    """Languages the Whisper models can be told to expect."""
    # The tokenizer's own list: WhisperModel.supported_languages needs a loaded model.
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return set(_LANGUAGE_CODES)


def _translation_targets(
    svc: Services, source: str | None = None, kept: tuple[str, ...] = ()
) -> list[str]:
    """Languages the installed models translate into (from ``source``, when given), and
    those a translation is ``kept`` in: from a kept English (the speech model's own, made
    with the captions), wherever the models translate English into."""
    translator = svc.language_tools.translation.translator
    targets = {target for _, target in translator.pairs}
    if source:
        sources = {source, PIVOT} if PIVOT in kept else {source}
        targets = {
            t for t in targets | {PIVOT}
            if any(s == t or translator.route(s, t) is not None for s in sources)
        }
        targets.update(kept)
        targets.discard(source)
    return sorted(targets)


def _upload_targets(svc: Services) -> list[str]:
    """What a recording can be translated into as it is captioned: what the installed
    models translate into, and English from the speech model itself."""
    targets = set(_translation_targets(svc))
    if svc.language_tools.english_from_speech:
        targets.add(PIVOT)
    return sorted(targets)


def _unavailable(svc: Services) -> str | None:
    why = svc.language_tools.unavailable()
    return None if why is None else UNAVAILABLE[why]


def _reason(request: Request, svc: Services, error: str) -> str:
    """Why a job failed, in the reader's language."""
    return _too_long(request, svc) if error == TOO_LONG else say(request, error)


def _too_long(request: Request, svc: Services) -> str:
    duration = minutes_text(svc.settings.upload_max_minutes, request_locale(request))
    return say(request, TOO_LONG, duration=duration)


def file_size(size_bytes: int, locale: str) -> str:
    """A file's size in kB below a megabyte, else in MB with one decimal, written as the
    reader's language writes units (CLDR, through Babel)."""
    if size_bytes < 1_000_000:
        return format_unit(max(1, round(size_bytes / 1000)), "digital-kilobyte", "short",
                           locale=locale)
    return format_unit(round(size_bytes / 1e6, 1), "digital-megabyte", "short", locale=locale)


def _job_view(request: Request, svc: Services, job: CaptionJobInfo) -> dict[str, Any]:
    """A job as the page and the status API show it, in the reader's language."""
    view = job.as_dict()
    locale = request_locale(request)
    view.update(
        error=_reason(request, svc, job.error) if job.error else None,
        language_name=_language_name(request, job.language),
        created_text=job.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        size_text=file_size(job.size_bytes, locale),
        percent_text=format_percent(job.progress, locale=locale),
        status_url=f"/api/recordings/{job.id}",
        downloads={},
        translations=[],
    )
    if job.status == JobStatus.DONE:
        view["downloads"] = {
            fmt: f"/recordings/{job.id}/captions.{fmt}" for fmt in CONTENT_TYPES
        }
        view["translations"] = [
            {"code": code, "name": _language_name(request, code)}
            for code in _translation_targets(svc, job.language, job.translated_into)
        ]
    return view


async def _list_page(
    request: Request, account: Account, status: int = 200, error: str | None = None
) -> Response:
    svc = services(request)
    jobs = await svc.caption_jobs.for_owner(account.id)
    recognised = _recognised_languages()
    locale = request_locale(request)
    return page(
        request,
        "recordings/list.html",
        {
            "account": account,
            "jobs": [_job_view(request, svc, job) for job in jobs],
            "error": error,
            "unavailable": _unavailable(svc),
            "max_size": megabytes_text(svc.settings.upload_max_mb, locale),
            "max_duration": minutes_text(svc.settings.upload_max_minutes, locale),
            "max_bytes": svc.settings.upload_max_mb * 1024 * 1024,
            "spoken": [
                lang for lang in sorted_languages()
                if not lang.signed and lang.code in recognised
            ],
            "targets": [
                {"code": code, "name": _language_name(request, code)}
                for code in _upload_targets(svc)
            ],
        },
        status,
    )


@requires(*STAFF_ROLES)
async def recordings_page(request: Request, account: Account) -> Response:
    return await _list_page(request, account)


class NotQueued(Exception):
    """An upload refused: its error code, the message in the reader's language, the status."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@requires(*STAFF_ROLES)
async def upload(request: Request, account: Account) -> Response:
    svc = services(request)
    refusal = too_many(request, await svc.limits.upload(account.id), "/recordings")
    if refusal is not None:
        await discard_body(request.stream())
        return refusal
    try:
        job = await _receive_job(request, svc, account)
    except NotQueued as refused:
        # JSON for the page's script, else the page with the message.
        if wants_json(request):
            return error_response(refused.code, refused.message, refused.status)
        return await _list_page(request, account, refused.status, refused.message)
    except ClientDisconnect:
        return Response(status_code=400)  # nobody is left to read an answer
    svc.caption_worker.wake()
    if wants_json(request):
        return JSONResponse({"job": _job_view(request, svc, job)}, status_code=201)
    return RedirectResponse("/recordings", status_code=303)


async def _receive_job(request: Request, svc: Services, account: Account) -> CaptionJobInfo:
    """The uploaded recording, queued as a job; ``NotQueued`` (with nothing kept) if not."""
    unavailable = _unavailable(svc)
    if unavailable or not await svc.caption_jobs.room_for(account.id):
        await discard_body(request.stream())
        if unavailable:
            raise NotQueued("unavailable", say(request, unavailable), 503)
        raise NotQueued("too_many", say(request, TOO_MANY), 409)
    limit_mb = svc.settings.upload_max_mb
    locale = request_locale(request)
    try:
        form = await receive_upload(
            request, UPLOAD_FIELD, svc.uploads.new_incoming, limit_mb * 1024 * 1024
        )
    except UploadRefused as exc:
        refusals = {
            "too_large": (say(request, TOO_LARGE, size=megabytes_text(limit_mb, locale)), 413),
            "bad_form": (say(request, BROKEN_UPLOAD), 400),
            "disk": (say(request, NO_ROOM), 507),
        }
        message, status = refusals[exc.code]
        raise NotQueued(exc.code, message, status) from exc
    try:
        return await _queued(request, svc, account, form)
    except BaseException:
        if form.file is not None:
            svc.uploads.discard(form.file.path)
        raise


async def _queued(
    request: Request, svc: Services, account: Account, form: ReceivedForm
) -> CaptionJobInfo:
    """A job for the received recording (its file kept for the job), if the form and the
    file are right."""
    received = form.file
    if not csrf_ok(request, form.fields.get(CSRF_FIELD)):
        raise NotQueued("csrf", say(request, FORM_EXPIRED), 403)
    if received is None or received.size == 0:
        raise NotQueued("no_file", say(request, CHOOSE_FILE), 400)
    try:
        declared_s = await asyncio.to_thread(probe_media, received.path)
    except NotMedia as exc:
        raise NotQueued("not_media", say(request, exc.message), 415) from exc
    # What the file claims; the worker also stops once the decoded sound passes the limit.
    max_minutes = svc.settings.upload_max_minutes
    if declared_s > max_minutes * 60:
        raise NotQueued("too_long", _too_long(request, svc), 413)
    try:
        job = await svc.caption_jobs.create(
            account, received.filename, received.size,
            form.fields.get("language") or None, form.fields.get("translate_to") or None,
        )
    except Conflict as exc:
        raise NotQueued("too_many", say(request, TOO_MANY), 409) from exc
    except InvalidInput as exc:
        raise NotQueued("invalid", say(request, CHOOSE_LANGUAGE), 400) from exc
    svc.uploads.keep(received.path, job.id)
    return job


def _job_refusal(exc: NotFound | NotAllowed) -> Refusal:
    if isinstance(exc, NotFound):
        return Refusal(404, "not_found", GONE, "/recordings", BACK)
    return Refusal(403, "forbidden", NOT_YOURS, "/recordings", BACK)


async def _owned_job(request: Request, account: Account) -> CaptionJobInfo:
    try:
        return await services(request).caption_jobs.owned(request.path_params["id"], account)
    except (NotFound, NotAllowed) as exc:
        raise _job_refusal(exc) from exc


@requires(*STAFF_ROLES)
async def job_status(request: Request, account: Account) -> Response:
    job = await _owned_job(request, account)
    response = JSONResponse({"job": _job_view(request, services(request), job)})
    response.headers["cache-control"] = "no-store"
    return response


def _attachment(filename: str) -> str:
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                       for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


@requires(*STAFF_ROLES)
async def download(request: Request, account: Account) -> Response:
    fmt = request.path_params["fmt"]
    if fmt not in CONTENT_TYPES:
        raise Refusal(404, "not_found", GONE, "/recordings", BACK)
    job = await _owned_job(request, account)
    svc = services(request)
    try:
        transcript = await svc.caption_jobs.transcript(job.id)
    except DomainError as exc:
        raise Refusal(409, "not_ready", NOT_READY, "/recordings", BACK) from exc
    language = request.query_params.get("language", "")
    known = get_language(language) if language else None
    if language and (known is None or known.signed):
        raise Refusal(400, "invalid", CHOOSE_LANGUAGE, "/recordings", BACK)
    segments = transcript.in_language(language)
    if segments is None:
        try:
            texts = await translate_transcript(svc.language_tools.translation, transcript, language)
        except MissingTranslation as exc:
            raise Refusal(
                404, "no_translation", NO_TRANSLATION, "/recordings", BACK,
                source=_language_name(request, exc.source),
                target=_language_name(request, exc.target), commands="; ".join(exc.commands),
            ) from exc
        await svc.caption_jobs.add_translation(job.id, language, texts)
        segments = transcript.with_translation(language, texts).in_language(language) or []
    translated = bool(language) and any(s.language != language for s in transcript.segments)
    notice = machine_translation_notice(language) if translated else ""
    body = writers.render(fmt, segments, layout(segments, LayoutOptions()), notice)
    stem = job.filename.rsplit(".", 1)[0] if "." in job.filename[1:] else job.filename
    tag = language or transcript.language
    filename = f"{stem}.{tag}.{fmt}" if tag else f"{stem}.{fmt}"
    return Response(
        body,
        media_type=CONTENT_TYPES[fmt],
        headers={"content-disposition": _attachment(filename), "cache-control": "no-store"},
    )


@requires(*STAFF_ROLES)
async def delete(request: Request, account: Account) -> Response:
    svc = services(request)
    if await checked_form(request) is None:
        return await _list_page(request, account, 403, say(request, FORM_EXPIRED))
    try:
        job = await svc.caption_jobs.delete(request.path_params["id"], account)
    except (NotFound, NotAllowed) as exc:
        raise _job_refusal(exc) from exc
    if not job.finished:
        svc.uploads.remove(job.id)
    return RedirectResponse("/recordings", status_code=303)


routes = [
    Route("/recordings", recordings_page, methods=["GET"]),
    Route("/recordings", upload, methods=["POST"]),
    Route("/recordings/{id}/captions.{fmt}", download, methods=["GET"]),
    Route("/recordings/{id}/delete", delete, methods=["POST"]),
    Route("/api/recordings/{id}", job_status, methods=["GET"]),
]
