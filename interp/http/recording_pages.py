"""Recordings: a caseworker uploads audio or video, follows its captioning, and downloads
the captions (WebVTT, SRT or text), as spoken or translated."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from babel.numbers import format_decimal, format_percent
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from interp import i18n
from interp.captions import writers
from interp.captions.layout import LayoutOptions, layout
from interp.domain.accounts import Account
from interp.domain.caption_jobs import CaptionJobInfo
from interp.domain.errors import Conflict, DomainError, InvalidInput, NotAllowed, NotFound
from interp.http.api import error_response
from interp.http.auth import current_account
from interp.http.resident_pages import FORM_EXPIRED, message_page
from interp.http.security import CSRF_FIELD, csrf_ok
from interp.http.staff_pages import _form, _page, _signed_in
from interp.http.state import services
from interp.http.templating import request_locale
from interp.http.uploads import UploadRefused, discard_body, receive_upload
from interp.i18n import N_
from interp.jobs.translation import MissingTranslation, translate_transcript
from interp.jobs.uploads import NotMedia, probe_media
from interp.jobs.worker import UNAVAILABLE
from interp.languages import get_language, sorted_languages
from interp.services import Services
from interp.translation.translator import PIVOT

STAFF = ("caseworker", "coordinator")
UPLOAD_FIELD = "recording"
CONTENT_TYPES = {
    "vtt": "text/vtt; charset=utf-8",
    "srt": "application/x-subrip; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
}

TOO_LARGE = N_("The file is larger than %(limit)s MB, the most this server accepts.")
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
SIGN_IN = N_("Sign in first.")
BACK = N_("Back to recordings")


def say(request: Request, message: str, **values: Any) -> str:
    """``message`` in the page's language, with ``values`` filled in."""
    text = i18n.translations(request_locale(request)).gettext(message)
    return text % values if values else text


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


def _translation_targets(svc: Services, source: str | None = None) -> list[str]:
    """Languages the installed models translate into (from ``source``, when given)."""
    translator = svc.live.translation.translator
    targets = {target for _, target in translator.pairs}
    if source:
        targets = {t for t in targets | {PIVOT} if translator.route(source, t) is not None}
        targets.discard(source)
    return sorted(targets)


def _unavailable(svc: Services) -> str | None:
    why = svc.live.unavailable()
    return None if why is None else UNAVAILABLE.get(why[0], UNAVAILABLE["no_model"])


def _job_view(request: Request, svc: Services, job: CaptionJobInfo) -> dict[str, Any]:
    """A job as the page and the status API show it, in the reader's language."""
    view = job.as_dict()
    locale = request_locale(request)
    view.update(
        error=say(request, job.error) if job.error else None,
        language_name=_language_name(request, job.language),
        created_text=job.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        size_mb=format_decimal(job.size_bytes / 1e6, "#,##0.0", locale=locale),
        percent_text=format_percent(job.progress, locale=locale),
        status_url=f"/api/recordings/{job.id}",
        downloads={},
        translations=[],
    )
    if job.status == "done":
        view["downloads"] = {
            fmt: f"/recordings/{job.id}/captions.{fmt}" for fmt in CONTENT_TYPES
        }
        view["translations"] = [
            {"code": code, "name": _language_name(request, code)}
            for code in _translation_targets(svc, job.language)
        ]
    return view


async def _list_page(
    request: Request, account: Account, status: int = 200, error: str | None = None
) -> Response:
    svc = services(request)
    jobs = await svc.caption_jobs.for_owner(account.id)
    recognised = _recognised_languages()
    return _page(
        request,
        "recordings/list.html",
        {
            "account": account,
            "jobs": [_job_view(request, svc, job) for job in jobs],
            "error": error,
            "unavailable": _unavailable(svc),
            "max_mb": svc.settings.upload_max_mb,
            "max_bytes": svc.settings.upload_max_mb * 1024 * 1024,
            "spoken": [
                lang for lang in sorted_languages()
                if not lang.signed and lang.code in recognised
            ],
            "targets": [
                {"code": code, "name": _language_name(request, code)}
                for code in _translation_targets(svc)
            ],
        },
        status,
    )


async def recordings_page(request: Request) -> Response:
    account = await _signed_in(request, *STAFF)
    if isinstance(account, Response):
        return account
    return await _list_page(request, account)


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


async def _refuse(
    request: Request, account: Account, code: str, message: str, status: int
) -> Response:
    """An upload refused: JSON for the page's script, else the page with the message."""
    if _wants_json(request):
        return error_response(code, message, status)
    return await _list_page(request, account, status, message)


async def upload(request: Request) -> Response:
    account = await current_account(request)
    if account is None or account.role not in STAFF:
        if _wants_json(request):
            return error_response("sign_in", say(request, SIGN_IN), 401 if account is None else 403)
        signed = await _signed_in(request, *STAFF)
        assert isinstance(signed, Response)
        return signed
    svc = services(request)
    unavailable = _unavailable(svc)
    too_many = not await svc.caption_jobs.room_for(account.id)
    if unavailable or too_many:
        await discard_body(request.stream())
        if unavailable:
            return await _refuse(request, account, "unavailable", say(request, unavailable), 503)
        return await _refuse(request, account, "too_many", say(request, TOO_MANY), 409)
    limit_mb = svc.settings.upload_max_mb
    try:
        form = await receive_upload(
            request, UPLOAD_FIELD, svc.uploads.new_incoming, limit_mb * 1024 * 1024
        )
    except UploadRefused as exc:
        refusals = {
            "too_large": (say(request, TOO_LARGE, limit=limit_mb), 413),
            "bad_form": (say(request, BROKEN_UPLOAD), 400),
            "disk": (say(request, NO_ROOM), 507),
        }
        message, status = refusals[exc.code]
        return await _refuse(request, account, exc.code, message, status)
    except ClientDisconnect:
        return Response(status_code=400)  # nobody is left to read an answer
    received = form.file
    try:
        if not csrf_ok(request, form.fields.get(CSRF_FIELD)):
            return await _refuse(request, account, "csrf", say(request, FORM_EXPIRED), 403)
        if received is None or received.size == 0:
            return await _refuse(request, account, "no_file", say(request, CHOOSE_FILE), 400)
        try:
            await asyncio.to_thread(probe_media, received.path)
        except NotMedia as exc:
            return await _refuse(request, account, "not_media", say(request, exc.message), 415)
        try:
            job = await svc.caption_jobs.create(
                account, received.filename, received.size,
                form.fields.get("language") or None, form.fields.get("translate_to") or None,
            )
        except Conflict:
            return await _refuse(request, account, "too_many", say(request, TOO_MANY), 409)
        except InvalidInput:
            return await _refuse(request, account, "invalid", say(request, CHOOSE_LANGUAGE), 400)
        svc.uploads.keep(received.path, job.id)
        received = None
    finally:
        if received is not None:
            svc.uploads.discard(received.path)
    svc.caption_worker.wake()
    if _wants_json(request):
        return JSONResponse({"job": _job_view(request, svc, job)}, status_code=201)
    return RedirectResponse("/recordings", status_code=303)


async def job_status(request: Request) -> Response:
    account = await current_account(request)
    if account is None or account.role not in STAFF:
        status = 401 if account is None else 403
        return error_response("sign_in", say(request, SIGN_IN), status)
    svc = services(request)
    try:
        job = await svc.caption_jobs.owned(request.path_params["id"], account)
    except NotFound:
        return error_response("not_found", say(request, GONE), 404)
    except NotAllowed:
        return error_response("forbidden", say(request, NOT_YOURS), 403)
    response = JSONResponse({"job": _job_view(request, svc, job)})
    response.headers["cache-control"] = "no-store"
    return response


def _message(request: Request, text: str, status: int) -> Response:
    # The text is already in the reader's language; "%%" survives the page's own gettext.
    return message_page(request, text.replace("%", "%%"), status, "/recordings", BACK)


async def _owned_job(request: Request, account: Account) -> CaptionJobInfo | Response:
    try:
        return await services(request).caption_jobs.owned(request.path_params["id"], account)
    except NotFound:
        return _message(request, say(request, GONE), 404)
    except NotAllowed:
        return _message(request, say(request, NOT_YOURS), 403)


def _attachment(filename: str) -> str:
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                       for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


async def download(request: Request) -> Response:
    account = await _signed_in(request, *STAFF)
    if isinstance(account, Response):
        return account
    fmt = request.path_params["fmt"]
    if fmt not in CONTENT_TYPES:
        return _message(request, say(request, GONE), 404)
    job = await _owned_job(request, account)
    if isinstance(job, Response):
        return job
    svc = services(request)
    try:
        transcript = await svc.caption_jobs.transcript(job.id)
    except DomainError:
        return _message(request, say(request, NOT_READY), 409)
    language = request.query_params.get("language", "")
    known = get_language(language) if language else None
    if language and (known is None or known.signed):
        return _message(request, say(request, CHOOSE_LANGUAGE), 400)
    segments = transcript.in_language(language)
    if segments is None:
        try:
            texts = await translate_transcript(svc.live.translation, transcript, language)
        except MissingTranslation as exc:
            message = say(
                request, NO_TRANSLATION, source=_language_name(request, exc.source),
                target=_language_name(request, exc.target), commands="; ".join(exc.commands),
            )
            return _message(request, message, 404)
        await svc.caption_jobs.add_translation(job.id, language, texts)
        segments = transcript.with_translation(language, texts).in_language(language) or []
    body = writers.render(fmt, segments, layout(segments, LayoutOptions()))
    stem = job.filename.rsplit(".", 1)[0] if "." in job.filename[1:] else job.filename
    tag = language or transcript.language
    filename = f"{stem}.{tag}.{fmt}" if tag else f"{stem}.{fmt}"
    return Response(
        body,
        media_type=CONTENT_TYPES[fmt],
        headers={"content-disposition": _attachment(filename), "cache-control": "no-store"},
    )


async def delete(request: Request) -> Response:
    account = await _signed_in(request, *STAFF)
    if isinstance(account, Response):
        return account
    svc = services(request)
    if await _form(request) is None:
        return await _list_page(request, account, 403, say(request, FORM_EXPIRED))
    try:
        job = await svc.caption_jobs.delete(request.path_params["id"], account)
    except NotFound:
        return _message(request, say(request, GONE), 404)
    except NotAllowed:
        return _message(request, say(request, NOT_YOURS), 403)
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
