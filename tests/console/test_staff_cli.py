"""``python -m bot.console.staff`` (``make staff-user``): answers typed at the prompts."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.console.passwords import verify_password
from bot.console.staff import main
from bot.store.db import session_scope
from bot.store.models import AuditEntry, StaffSession, StaffUser
from tests.console.conftest import add_staff, post_login, sign_in, staff_row

NEW_PASSWORD = "violet kettle marching north"


@pytest.fixture(autouse=True)
def _database(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    # The CLI reads DATABASE_URL like every process; the environment wins over .env.
    monkeypatch.setenv("DATABASE_URL", database_url)


def _typed(answers: list[str]) -> Callable[[str], str]:
    """A prompt that answers from ``answers`` in order (and records nothing else)."""
    remaining: Iterator[str] = iter(answers)

    def answer(_prompt: str = "") -> str:
        return next(remaining)

    return answer


def _prompts(monkeypatch: pytest.MonkeyPatch, lines: list[str], secrets: list[str]) -> None:
    monkeypatch.setattr("builtins.input", _typed(lines))
    monkeypatch.setattr(getpass, "getpass", _typed(secrets))


def _audit(database_url: str) -> list[tuple[str, str]]:
    with session_scope(database_url) as session:
        rows = session.execute(select(AuditEntry.staff_email, AuditEntry.action)).all()
        return [tuple(row) for row in rows]


def test_create_an_admin(monkeypatch: pytest.MonkeyPatch, database_url: str, capsys) -> None:
    _prompts(
        monkeypatch,
        ["Boss@Clinic.test", "Dr. Weber", "admin"],
        [NEW_PASSWORD, NEW_PASSWORD],
    )
    assert main(["create"]) == 0
    staff = staff_row(database_url, "boss@clinic.test")
    assert (staff.display_name, staff.role, staff.totp_confirmed) == ("Dr. Weber", "admin", False)
    # argon2id, and the password itself is nowhere in the row.
    assert staff.password_hash.startswith("$argon2id$")
    assert NEW_PASSWORD not in repr(vars(staff))
    assert verify_password(staff.password_hash, NEW_PASSWORD)
    assert ("cli", "staff.created") in _audit(database_url)
    assert "authenticator" in capsys.readouterr().out


def test_the_new_account_signs_in(
    monkeypatch: pytest.MonkeyPatch, database_url: str, client: FlaskClient
) -> None:
    _prompts(monkeypatch, ["anna@clinic.test", "Anna", "advisor"], [NEW_PASSWORD] * 2)
    assert main(["create"]) == 0
    assert post_login(client, "anna@clinic.test", NEW_PASSWORD).status_code == 302
    assert client.get("/").status_code == 200


def test_passwords_that_differ_are_refused(
    monkeypatch: pytest.MonkeyPatch, database_url: str, capsys
) -> None:
    # Three tries, each with a mismatch: nothing is created.
    _prompts(
        monkeypatch,
        ["anna@clinic.test", "Anna", "advisor"],
        [NEW_PASSWORD, NEW_PASSWORD + "x"] * 3,
    )
    assert main(["create"]) == 1
    assert "not the same" in capsys.readouterr().err
    with session_scope(database_url) as session:
        assert session.execute(select(StaffUser)).first() is None


def test_a_short_password_is_asked_again(
    monkeypatch: pytest.MonkeyPatch, database_url: str, capsys
) -> None:
    _prompts(
        monkeypatch,
        ["anna@clinic.test", "Anna", "advisor"],
        ["too short", NEW_PASSWORD, NEW_PASSWORD],
    )
    assert main(["create"]) == 0
    assert "at least 12 characters" in capsys.readouterr().err
    assert verify_password(staff_row(database_url, "anna@clinic.test").password_hash, NEW_PASSWORD)


def test_bad_answers_are_asked_again(
    monkeypatch: pytest.MonkeyPatch, database_url: str, capsys
) -> None:
    add_staff(database_url, "taken@clinic.test")
    _prompts(
        monkeypatch,
        ["not an email", "TAKEN@clinic.test", "new@clinic.test", "New", "owner", "Advisor"],
        [NEW_PASSWORD] * 2,
    )
    assert main(["create"]) == 0
    err = capsys.readouterr().err
    assert "does not look like an email" in err and "exists already" in err
    assert "role is one of" in err
    assert staff_row(database_url, "new@clinic.test").role == "advisor"


def test_the_password_is_never_an_argument() -> None:
    with pytest.raises(SystemExit):
        main(["create", "--password", NEW_PASSWORD])


def test_list(monkeypatch: pytest.MonkeyPatch, database_url: str, capsys) -> None:
    assert main(["list"]) == 0
    assert "make staff-user" in capsys.readouterr().out
    add_staff(database_url, "boss@clinic.test", "admin", totp=True, name="Dr. Weber")
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "boss@clinic.test" in out and "admin" in out and "Dr. Weber" in out


def _sessions(database_url: str) -> int:
    with session_scope(database_url) as session:
        return len(session.execute(select(StaffSession.id)).all())


def test_disable_ends_the_sessions_and_enable_undoes_it(
    database_url: str, advisor: FlaskClient
) -> None:
    assert _sessions(database_url) == 1
    assert main(["disable", "Advisor@clinic.test"]) == 0
    assert _sessions(database_url) == 0
    assert advisor.get("/").status_code == 302
    assert post_login(advisor, "advisor@clinic.test").status_code == 401
    assert main(["enable", "advisor@clinic.test"]) == 0
    assert post_login(advisor, "advisor@clinic.test").status_code == 302
    actions = [action for _who, action in _audit(database_url)]
    assert "staff.disabled" in actions and "staff.enabled" in actions


def test_reset_password(
    monkeypatch: pytest.MonkeyPatch, database_url: str, advisor: FlaskClient
) -> None:
    _prompts(monkeypatch, [], [NEW_PASSWORD, NEW_PASSWORD])
    assert main(["reset-password", "advisor@clinic.test"]) == 0
    assert advisor.get("/").status_code == 302  # signed out everywhere
    assert post_login(advisor, "advisor@clinic.test").status_code == 401  # the old one
    assert post_login(advisor, "advisor@clinic.test", NEW_PASSWORD).status_code == 302
    assert ("cli", "password.reset") in _audit(database_url)


def test_reset_totp(database_url: str, client: FlaskClient) -> None:
    secret = add_staff(database_url, "boss@clinic.test", "admin", totp=True)
    sign_in(client, "boss@clinic.test", secret)
    assert main(["reset-totp", "boss@clinic.test"]) == 0
    staff = staff_row(database_url, "boss@clinic.test")
    assert staff.totp_secret is None and not staff.totp_confirmed
    assert client.get("/").status_code == 302
    # An admin without an authenticator app sets one up at the next login.
    response = post_login(client, "boss@clinic.test")
    assert response.headers["Location"] == "/account/totp"


def test_an_unknown_email_is_refused(capsys) -> None:
    assert main(["disable", "nobody@clinic.test"]) == 1
    assert "no staff account" in capsys.readouterr().err
