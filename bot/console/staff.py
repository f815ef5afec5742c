"""``python -m bot.console.staff`` (``make staff-user``): staff accounts from the terminal.

    create                  asks email, display name, role, password twice
    list                    every account, with its role, second factor and state
    disable <email>         the account can no longer sign in; its sessions end now
    enable <email>          undoes disable (and an active lockout)
    reset-password <email>  asks a new password twice; the account's sessions end
    reset-totp <email>      removes the authenticator app (a lost phone): an admin sets
                            it up again at the next login, an advisor may

Passwords are read with getpass, never from the command line or the environment (a
command line is visible in ``ps`` and kept in shell history). Every change is in the
audit log as done by "cli": whoever has this shell has the database anyway.
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.console.audit import record
from bot.console.passwords import hash_password, password_problem
from bot.console.security import ADMIN, ROLES, end_sessions_of
from bot.settings import load_settings
from bot.store.db import session_scope
from bot.store.models import StaffUser

ACTOR = "cli"
# Good enough to catch typos; the address is not used to send mail.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_TRIES = 3


class CliError(Exception):
    """A message for the operator; exit code 1."""


Ask = Callable[[str], str]


def _ask_until(ask: Ask, prompt: str, check: Callable[[str], str | None]) -> str:
    """Ask until ``check`` finds nothing wrong (at most MAX_TRIES times)."""
    for _ in range(MAX_TRIES):
        answer = ask(prompt).strip()
        problem = check(answer)
        if problem is None:
            return answer
        print(problem, file=sys.stderr)
    raise CliError("too many invalid answers; nothing was changed")


def ask_password(email: str, secret: Ask | None = None) -> str:
    """A new password, typed twice and checked (length, not the email)."""
    secret = secret or getpass.getpass
    for _ in range(MAX_TRIES):
        first = secret("Password (at least 12 characters): ")
        problem = password_problem(first, email=email)
        if problem is not None:
            print(problem, file=sys.stderr)
            continue
        if secret("Password again: ") != first:
            print("The two passwords were not the same.", file=sys.stderr)
            continue
        return first
    raise CliError("no password set; nothing was changed")


def _find(session: Session, email: str) -> StaffUser:
    staff = session.execute(
        select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower())
    ).scalar_one_or_none()
    if staff is None:
        raise CliError(f"no staff account {email.strip()!r}")
    return staff


def create(url: str, ask: Ask | None = None, secret: Ask | None = None) -> None:
    """Create an account from the operator's answers (``input`` and ``getpass``)."""
    ask = ask or input
    with session_scope(url) as session:
        taken = {e.lower() for e in session.execute(select(StaffUser.email)).scalars()}

    def email_problem(answer: str) -> str | None:
        if not EMAIL.match(answer) or len(answer) > 254:
            return "That does not look like an email address."
        if answer.lower() in taken:
            return "An account with that email exists already."
        return None

    email = _ask_until(ask, "Email: ", email_problem).lower()
    name = _ask_until(
        ask,
        "Display name (patients see it on replies): ",
        lambda a: None if 0 < len(a) <= 100 else "Give a name of 1 to 100 characters.",
    )
    role = _ask_until(
        ask,
        f"Role ({' or '.join(ROLES)}): ",
        lambda a: None if a.lower() in ROLES else f"The role is one of: {', '.join(ROLES)}.",
    ).lower()
    password = ask_password(email, secret)
    with session_scope(url) as session:
        staff = StaffUser(
            email=email, display_name=name, role=role, password_hash=hash_password(password)
        )
        session.add(staff)
        session.flush()
        record(session, ACTOR, "staff.created", "staff", str(staff.id), email=email, role=role)
    print(f"Created {role} {email}.")
    if role == ADMIN:
        print("At the first login the console asks to set up an authenticator app (required).")


def list_staff(url: str) -> None:
    """Print every account."""
    with session_scope(url) as session:
        accounts = session.execute(select(StaffUser).order_by(StaffUser.email)).scalars().all()
        if not accounts:
            print("No staff accounts yet: make staff-user")
            return
        print(f"{'email':<40} {'role':<8} {'2FA':<4} {'state':<9} {'last login':<16} name")
        for staff in accounts:
            state = "disabled" if staff.disabled else "active"
            last = (
                staff.last_login_at.strftime("%Y-%m-%d %H:%M") if staff.last_login_at else "never"
            )
            totp = "yes" if staff.totp_confirmed else "no"
            print(
                f"{staff.email:<40} {staff.role:<8} {totp:<4} {state:<9} {last:<16} "
                f"{staff.display_name}"
            )


def disable(url: str, email: str) -> None:
    """The account can no longer sign in; its open sessions end at once."""
    with session_scope(url) as session:
        staff = _find(session, email)
        staff.disabled = True
        ended = end_sessions_of(session, staff.id)
        record(
            session,
            ACTOR,
            "staff.disabled",
            "staff",
            str(staff.id),
            email=staff.email,
            sessions_ended=ended,
        )
        print(f"Disabled {staff.email}; {ended} session(s) ended.")


def enable(url: str, email: str) -> None:
    """Undo ``disable`` (and lift an active lockout)."""
    with session_scope(url) as session:
        staff = _find(session, email)
        staff.disabled = False
        staff.locked_until = None
        staff.failed_logins = 0
        record(session, ACTOR, "staff.enabled", "staff", str(staff.id), email=staff.email)
        print(f"Enabled {staff.email}.")


def reset_password(url: str, email: str, secret: Ask | None = None) -> None:
    """A new password (asked twice); the account's sessions end, a lockout is lifted."""
    with session_scope(url) as session:
        account = _find(session, email).email
    password = ask_password(account, secret)
    with session_scope(url) as session:
        staff = _find(session, account)
        staff.password_hash = hash_password(password)
        staff.locked_until = None
        staff.failed_logins = 0
        ended = end_sessions_of(session, staff.id)
        record(
            session,
            ACTOR,
            "password.reset",
            "staff",
            str(staff.id),
            email=staff.email,
            sessions_ended=ended,
        )
        print(f"New password set for {staff.email}; {ended} session(s) ended.")


def reset_totp(url: str, email: str) -> None:
    """Remove the authenticator app (a lost phone); the account's sessions end."""
    with session_scope(url) as session:
        staff = _find(session, email)
        staff.totp_secret = None
        staff.totp_confirmed = False
        staff.totp_last_step = None
        ended = end_sessions_of(session, staff.id)
        record(
            session,
            ACTOR,
            "totp.reset",
            "staff",
            str(staff.id),
            email=staff.email,
            sessions_ended=ended,
        )
        then = "must set up" if staff.role == ADMIN else "may set up"
        print(
            f"Authenticator app removed for {staff.email}; they {then} a new one at the next login."
        )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.console.staff", description="Staff accounts of the console."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("create", help="create an account (asks everything, the password twice)")
    commands.add_parser("list", help="list the accounts")
    for name, text in (
        ("disable", "stop an account signing in; end its sessions"),
        ("enable", "let a disabled account sign in again"),
        ("reset-password", "set a new password (asked twice); end its sessions"),
        ("reset-totp", "remove the authenticator app (a lost phone); end its sessions"),
    ):
        commands.add_parser(name, help=text).add_argument("email")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; exit code 0, 1 (refused) or 2 (usage or configuration)."""
    args = _parser().parse_args(argv)
    try:
        url = load_settings().database_url
    except ValueError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    if url.startswith("sqlite:///"):
        # The embedded default lives under var/, which a fresh clone does not have yet.
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        if args.command == "create":
            create(url)
        elif args.command == "list":
            list_staff(url)
        elif args.command == "disable":
            disable(url, args.email)
        elif args.command == "enable":
            enable(url, args.email)
        elif args.command == "reset-password":
            reset_password(url, args.email)
        elif args.command == "reset-totp":
            reset_totp(url, args.email)
    except CliError as exc:
        print(f"Refused: {exc}", file=sys.stderr)
        return 1
    except (EOFError, KeyboardInterrupt):
        print("\nCancelled; nothing was changed.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
