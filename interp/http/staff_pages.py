"""The pages of each kind of account: the volunteer's dashboard and calls, the
coordinator's people, languages and settings, the caseworker's resident links."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from interp.coverage import Gap, argos_index, coverage_table
from interp.domain.accounts import ROLES, STAFF_ROLES, Account
from interp.domain.errors import DomainError, InvalidInput
from interp.domain.kinds import AccountRole, ParticipantRole, RoomKind
from interp.http.call_page import call_page
from interp.http.guard import Refusal, requires
from interp.http.pages import CALL_ENDED, FORM_EXPIRED, checked_form, home_url, page
from interp.http.state import services
from interp.i18n import N_
from interp.languages import LANGUAGES, is_signed, sorted_languages

RETENTION_RANGE = N_("Choose a number of days from 0 to 365.")
OWN_ACCOUNT = N_("You cannot deactivate your own account.")
UNKNOWN_ACTION = N_("Unknown action.")


@requires(AccountRole.VOLUNTEER)
async def volunteer_dashboard(request: Request, account: Account) -> Response:
    svc = services(request)
    return page(
        request,
        "volunteer.html",
        {
            "account": account,
            "current_room": await svc.rooms.open_room_for_user(account.id),
            "requests": await svc.queue.open_for(account.languages) if account.available else [],
        },
    )


@requires()
async def staff_call(request: Request, account: Account) -> Response:
    svc = services(request)
    room_id = request.path_params["room_id"]
    try:
        participant = await svc.rooms.participant_for_user(room_id, account.id)
    except DomainError as exc:
        raise Refusal(404, "not_found", CALL_ENDED) from exc
    room = await svc.rooms.get(room_id)
    meeting = await svc.meetings.for_room(room_id) if room.kind == RoomKind.MEETING else None
    if meeting is not None:  # an interpreter asked into a meeting: its own call page
        return RedirectResponse(f"/meetings/{meeting.id}/call", status_code=303)
    request_note = ""
    if room.request_id:
        request_note = (await svc.queue.get(room.request_id)).note
    return await call_page(
        request,
        room,
        participant,
        {"room": room_id},
        home_url(account),
        is_interpreter=participant.role == ParticipantRole.INTERPRETER,
        request_note=request_note,
        sign_language=is_signed(participant.language_code),
    )


async def _coordinator_view(
    request: Request, account: Account, status: int = 200, **extra: Any
) -> Response:
    svc = services(request)
    offered = [lang.code for lang in await svc.organisation.offered_languages()]
    settings = svc.settings
    # Read from the models folder and static lists on each visit: cheap, and never the
    # network, so a package installed from the shell shows at once.
    coverage = coverage_table(offered, settings.local_language, settings.models_dir)
    # Languages just added on this page, to say at once what they lack.
    added = set(request.query_params.get("added", "").split(","))
    return page(
        request,
        "coordinator.html",
        {
            "account": account,
            "people": await svc.accounts.all(),
            "roles": ROLES,
            "languages": sorted_languages(),
            "offered": set(offered),
            "coverage": coverage,
            "added_gaps": [row for row in coverage if row.code in added and row.gap != Gap.NONE],
            "local_language": settings.local_language,
            "index_date": argos_index.AS_OF,
            "public_url": svc.settings.effective_public_url,
            "transcript_retention_days": await svc.transcripts.retention_days(),
            **await _glossary_context(request, offered),
            **extra,
        },
        status,
    )


coordinator_page = requires(AccountRole.COORDINATOR)(_coordinator_view)


@requires(AccountRole.COORDINATOR)
async def coordinator_action(request: Request, account: Account) -> Response:
    form = await checked_form(request)
    if form is None:
        return await _coordinator_view(request, account, 403, error=FORM_EXPIRED)
    try:
        return await _coordinator_change(request, account, form)
    except DomainError as exc:
        return await _coordinator_view(request, account, 400, error=exc.message)


async def _coordinator_change(request: Request, account: Account, form: FormData) -> Response:
    """Carry out the coordinator's form: the page again (with an invite link or an error),
    or a redirect to it once done."""
    svc = services(request)
    action = form.get("action")
    if action == "invite":
        invite = await svc.accounts.invite(
            str(form.get("role", "")), account.id, str(form.get("email", "")) or None
        )
        link = f"{svc.settings.effective_public_url}/invite/{invite.token}"
        return await _coordinator_view(request, account, invite_link=link, invite_role=invite.role)
    if action in ("deactivate", "activate"):
        user_id = str(form.get("user", ""))
        if user_id == account.id:
            return await _coordinator_view(request, account, 400, error=OWN_ACCOUNT)
        changed = await svc.accounts.set_active(user_id, action == "activate")
        await svc.dispatcher.account_changed(changed)
    elif action == "languages":
        before = {lang.code for lang in await svc.organisation.offered_languages()}
        chosen = await svc.organisation.set_offered_languages(
            [str(c) for c in form.getlist("languages")]
        )
        added = ",".join(lang.code for lang in chosen if lang.code not in before)
        target = f"/coordinator?added={added}#coverage-heading" if added else "/coordinator"
        return RedirectResponse(target, status_code=303)
    elif action in GLOSSARY_ACTIONS:
        await _glossary_change(request, action, form)
        return RedirectResponse("/coordinator#glossary-heading", status_code=303)
    elif action == "retention":
        try:
            await svc.transcripts.set_retention_days(int(str(form.get("days", "")).strip()))
        except (ValueError, InvalidInput):
            return await _coordinator_view(request, account, 400, error=RETENTION_RANGE)
    else:
        return await _coordinator_view(request, account, 400, error=UNKNOWN_ACTION)
    return RedirectResponse("/coordinator", status_code=303)


GLOSSARY_ACTIONS = ("glossary_add", "glossary_update", "glossary_remove")


async def _glossary_context(request: Request, offered: list[str]) -> dict[str, Any]:
    """The glossary card: the terms, and the languages a term may be written in for readers
    (those offered besides the local one, and any a term already has a rendering in)."""
    svc = services(request)
    terms = await svc.glossary.terms()
    local = svc.settings.local_language
    codes = [c for c in offered if c != local and not is_signed(c)]
    codes += sorted({c for t in terms for c in t.renderings} - set(codes))
    return {"glossary": terms, "rendering_languages": [LANGUAGES[c] for c in codes]}


async def _glossary_change(request: Request, action: str, form: FormData) -> None:
    """Add, change or remove a glossary term, then recognise and translate with the new list
    at once on this node (other nodes read it again within ``GLOSSARY_TTL_S``)."""
    svc = services(request)
    if action == "glossary_remove":
        await svc.glossary.remove(str(form.get("term_id", "")))
    else:
        renderings = {
            key.removeprefix("rendering_"): str(value)
            for key, value in form.multi_items()
            if key.startswith("rendering_")
        }
        term = str(form.get("term", ""))
        if action == "glossary_add":
            await svc.glossary.add(term, renderings)
        else:
            await svc.glossary.update(str(form.get("term_id", "")), term, renderings)
    await svc.language_tools.refresh_glossary(force=True)


@requires(*STAFF_ROLES)
async def caseworker_page(request: Request, account: Account) -> Response:
    current_room = await services(request).rooms.open_room_for_user(account.id)
    return page(request, "caseworker.html", {"account": account, "current_room": current_room})


@requires(*STAFF_ROLES)
async def caseworker_link(request: Request, account: Account) -> Response:
    svc = services(request)
    form = await checked_form(request)
    if form is None:
        return page(request, "caseworker.html", {"account": account, "error": FORM_EXPIRED}, 403)
    token = await svc.links.create(account, str(form.get("label", "")))
    link = f"{svc.settings.effective_public_url}/r/{token}"
    return page(request, "caseworker.html", {"account": account, "link": link})


routes = [
    Route("/volunteer", volunteer_dashboard, methods=["GET"]),
    Route("/rooms/{room_id}", staff_call, methods=["GET"]),
    Route("/coordinator", coordinator_page, methods=["GET"]),
    Route("/coordinator", coordinator_action, methods=["POST"]),
    Route("/caseworker", caseworker_page, methods=["GET"]),
    Route("/caseworker", caseworker_link, methods=["POST"]),
]
