"""The pages of each kind of account: the volunteer's dashboard and calls, the
coordinator's people, languages and settings, the caseworker's resident links."""

from __future__ import annotations

from typing import Any

from babel.dates import format_date
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from interp.coverage import Gap, argos_index, coverage_table
from interp.domain.accounts import ROLES, STAFF_ROLES, Account
from interp.domain.errors import DomainError, InvalidInput
from interp.domain.kinds import AccountRole, ParticipantRole, RoomKind
from interp.http.booking_pages import volunteer_context as booking_context
from interp.http.call_page import call_page
from interp.http.formatting import formatting
from interp.http.guard import Refusal, requires
from interp.http.notification_pages import push_switch_context
from interp.http.pages import CALL_ENDED, FORM_EXPIRED, checked_form, home_url, page
from interp.http.state import services
from interp.http.templating import request_locale
from interp.http.volunteer_records_pages import hours_context
from interp.i18n import N_
from interp.languages import LANGUAGES, is_signed, sorted_languages

RETENTION_RANGE = N_("Choose a number of days from 0 to 365.")
OWN_ACCOUNT = N_("You cannot deactivate your own account.")
UNKNOWN_ACTION = N_("Unknown action.")
INVITE_REVOKED = N_("The invitation was revoked: its link no longer works.")
ROLE_NAMES = {
    AccountRole.VOLUNTEER: N_("Volunteer interpreter"),
    AccountRole.CASEWORKER: N_("Caseworker"),
    AccountRole.COORDINATOR: N_("Coordinator"),
}
# Said above a new link, so whoever sends it knows whom it makes.
INVITE_LINK_FOR = {
    AccountRole.VOLUNTEER: N_(
        "Invite link for a volunteer interpreter (shown only now, single use):"
    ),
    AccountRole.CASEWORKER: N_("Invite link for a caseworker (shown only now, single use):"),
    AccountRole.COORDINATOR: N_("Invite link for a coordinator (shown only now, single use):"),
}


@requires(AccountRole.VOLUNTEER)
async def volunteer_dashboard(request: Request, account: Account) -> Response:
    svc = services(request)
    return page(
        request,
        "volunteer.html",
        {
            "account": account,
            "current_room": await svc.rooms.open_room_for_user(account.id),
            "requests": (
                await svc.queue.open_for(account.languages, account.id)
                if account.available
                else []
            ),
            # Their calls of the last days: feedback, or a safeguarding report, on each.
            "recent_calls": await svc.feedback.recent_calls(account.id),
            **await booking_context(request, account),
            **formatting(request),
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
    locale = request_locale(request)
    invites = [
        {
            "id": invite.id,
            "role": invite.role,
            "email": invite.email,
            "created": format_date(invite.created_at, "medium", locale=locale),
            "expires": format_date(invite.expires_at, "medium", locale=locale),
        }
        for invite in await svc.accounts.pending_invites()
    ]
    return page(
        request,
        "coordinator.html",
        {
            "account": account,
            "people": await svc.accounts.all(),
            "roles": ROLES,
            "role_names": ROLE_NAMES,
            "invite_link_for": INVITE_LINK_FOR,
            "invites": invites,
            **await hours_context(request),
            "languages": sorted_languages(),
            "offered": set(offered),
            "coverage": coverage,
            "added_gaps": [row for row in coverage if row.code in added and row.gap != Gap.NONE],
            "local_language": settings.local_language,
            "index_date": argos_index.AS_OF,
            "public_url": svc.settings.effective_public_url,
            "transcript_retention_days": await svc.transcripts.retention_days(),
            **await _glossary_context(request, offered),
            **await push_switch_context(request),
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
    if action == "revoke_invite":
        await svc.accounts.revoke_invite(str(form.get("invite", "")), account.id)
        return RedirectResponse("/coordinator?revoked=1#invites-heading", status_code=303)
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
            await svc.transcripts.set_retention_days(
                int(str(form.get("days", "")).strip()), account.id
            )
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


async def _caseworker_view(
    request: Request, account: Account, status: int = 200, **extra: Any
) -> Response:
    """The caseworker's page: a new link, and every link they sent with where its resident
    has got to, and a Join button where they have a seat in the resident's room."""
    svc = services(request)
    locale = request_locale(request)
    sent = [
        {
            "label": link.label,
            "created": format_date(link.created_at, "medium", locale=locale),
            "state": link.state,
            "join_room": link.join_room,
        }
        for link in await svc.links.sent_by(account.id)
    ]
    context = {
        "account": account,
        "current_room": await svc.rooms.open_room_for_user(account.id),
        "sent_links": sent,
        **extra,
    }
    return page(request, "caseworker.html", context, status)


caseworker_page = requires(*STAFF_ROLES)(_caseworker_view)


@requires(*STAFF_ROLES)
async def caseworker_link(request: Request, account: Account) -> Response:
    svc = services(request)
    form = await checked_form(request)
    if form is None:
        return await _caseworker_view(request, account, 403, error=FORM_EXPIRED)
    token = await svc.links.create(account, str(form.get("label", "")))
    link = f"{svc.settings.effective_public_url}/r/{token}"
    return await _caseworker_view(request, account, link=link)


routes = [
    Route("/volunteer", volunteer_dashboard, methods=["GET"]),
    Route("/rooms/{room_id}", staff_call, methods=["GET"]),
    Route("/coordinator", coordinator_page, methods=["GET"]),
    Route("/coordinator", coordinator_action, methods=["POST"]),
    Route("/caseworker", caseworker_page, methods=["GET"]),
    Route("/caseworker", caseworker_link, methods=["POST"]),
]
