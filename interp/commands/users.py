"""``interp users``: create, list, deactivate and invite accounts from the command line."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from interp.config import Settings, load_settings
from interp.domain.accounts import ROLES, Accounts
from interp.domain.errors import DomainError
from interp.store.database import Database, SchemaOutOfDate

T = TypeVar("T")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("users", help="manage accounts")
    sub = parser.add_subparsers(dest="users_command", metavar="ACTION", required=True)

    create = sub.add_parser("create", help="create an account (asks for the password)")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True, help="display name")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument(
        "--languages", default="", help="comma-separated ISO 639 codes a volunteer interprets"
    )
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    create.set_defaults(handler=create_user)

    sub.add_parser("list", help="list accounts").set_defaults(handler=list_users)

    deactivate = sub.add_parser("deactivate", help="stop an account signing in")
    deactivate.add_argument("email")
    deactivate.set_defaults(handler=deactivate_user)

    invite = sub.add_parser("invite", help="print a single-use invitation link")
    invite.add_argument("role", choices=ROLES)
    invite.add_argument("--by", required=True, help="email of the coordinator inviting")
    invite.set_defaults(handler=invite_user)


def _run(settings: Settings, action: Callable[[Accounts], Awaitable[T]]) -> T:
    async def run() -> T:
        db = Database(settings.effective_database_url)
        try:
            await db.check_schema()
            return await action(Accounts(db, invite_ttl=timedelta(hours=settings.invite_ttl_h)))
        finally:
            await db.close()

    try:
        return asyncio.run(run())
    except SchemaOutOfDate as exc:
        raise SystemExit(_fail(str(exc))) from exc


def _fail(message: str) -> int:
    print(f"interp: {message}", file=sys.stderr)
    return 1


def create_user(args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            return _fail("the passwords differ")
    languages = [code.strip() for code in args.languages.split(",") if code.strip()]
    settings = load_settings(args.config)
    try:
        account = _run(
            settings,
            lambda accounts: accounts.create(args.email, args.name, args.role, password, languages),
        )
    except DomainError as exc:
        return _fail(exc.message)
    print(f"Created {account.role} {account.email}.")
    return 0


def list_users(args: argparse.Namespace) -> int:
    accounts = _run(load_settings(args.config), lambda a: a.all())
    for account in accounts:
        state = "active" if account.active else "deactivated"
        languages = ",".join(account.languages) or "-"
        print(f"{account.email}\t{account.role}\t{state}\t{languages}\t{account.display_name}")
    return 0


def deactivate_user(args: argparse.Namespace) -> int:
    async def deactivate(accounts: Accounts) -> bool:
        account = await accounts.by_email(args.email)
        if account is None:
            return False
        await accounts.set_active(account.id, False)
        return True

    if not _run(load_settings(args.config), deactivate):
        return _fail(f"no account with the email {args.email}")
    print(f"Deactivated {args.email}; their sessions have ended.")
    return 0


def invite_user(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)

    async def invite(accounts: Accounts) -> str | None:
        by = await accounts.by_email(args.by)
        if by is None or by.role != "coordinator" or not by.active:
            return None
        return (await accounts.invite(args.role, by.id)).token

    token = _run(settings, invite)
    if token is None:
        return _fail(f"{args.by} is not an active coordinator")
    print(f"{settings.effective_public_url}/invite/{token}")
    return 0
