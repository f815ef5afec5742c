"""Account: changing the password, setting up the authenticator app, other sessions."""

from __future__ import annotations

import pyotp
from flask import Flask
from flask.testing import FlaskClient

from bot.console.passwords import password_problem, verify_password
from tests.console.conftest import (
    PASSWORD,
    add_staff,
    audit_actions,
    csrf,
    csrf_of,
    post_login,
    sign_in,
    staff_row,
)

NEW = "violet kettle marching north"


def _change(client: FlaskClient, current: str, new: str, again: str | None = None):
    return client.post(
        "/account/password",
        data={
            "current_password": current,
            "new_password": new,
            "new_password_again": new if again is None else again,
            "csrf_token": csrf(client),
        },
    )


def test_the_account_page(advisor: FlaskClient) -> None:
    page = advisor.get("/account").get_data(as_text=True)
    assert "Anna Meier" in page and "advisor@clinic.test" in page
    assert "Set up an authenticator app" in page
    assert "this browser" in page


def test_change_the_password(app: Flask, advisor: FlaskClient, database_url: str) -> None:
    # Another browser signed in as the same advisor is signed out by the change.
    elsewhere = app.test_client()
    sign_in(elsewhere, "advisor@clinic.test")
    response = _change(advisor, PASSWORD, NEW)
    assert response.status_code == 302
    assert "password is changed" in advisor.get("/account").get_data(as_text=True)
    assert advisor.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    assert verify_password(staff_row(database_url, "advisor@clinic.test").password_hash, NEW)
    assert "password.changed" in audit_actions(database_url)


def test_a_wrong_current_password_changes_nothing(advisor: FlaskClient, database_url: str) -> None:
    response = _change(advisor, "not my password", NEW)
    assert response.status_code == 400
    assert "current password was not right" in response.get_data(as_text=True)
    assert verify_password(staff_row(database_url, "advisor@clinic.test").password_hash, PASSWORD)
    # It counts as a failed login: the page is no free password oracle.
    assert "login.failed" in audit_actions(database_url)


def test_new_passwords_must_match_and_be_good(advisor: FlaskClient, database_url: str) -> None:
    assert "not the same" in _change(advisor, PASSWORD, NEW, NEW + "!").get_data(as_text=True)
    assert "at least 12" in _change(advisor, PASSWORD, "short").get_data(as_text=True)
    assert "differ" in _change(advisor, PASSWORD, PASSWORD).get_data(as_text=True)
    assert verify_password(staff_row(database_url, "advisor@clinic.test").password_hash, PASSWORD)


def test_password_rules() -> None:
    assert password_problem("eleven char") is not None
    assert password_problem("x" * 129) is not None
    assert password_problem("aaaaaaaaaaaaaaaa") is not None
    assert password_problem("anna.meier-2024!", email="anna.meier@clinic.test") is not None
    assert password_problem(NEW, email="anna@clinic.test") is None


def test_an_advisor_sets_up_the_authenticator_app(
    app: Flask, advisor: FlaskClient, database_url: str
) -> None:
    elsewhere = app.test_client()
    sign_in(elsewhere, "advisor@clinic.test")
    page = advisor.get("/account/totp").get_data(as_text=True)
    assert "<svg" in page and 'name="password"' in page
    secret = staff_row(database_url, "advisor@clinic.test").totp_secret
    code = pyotp.TOTP(secret).now()
    # The current password is needed too: a browser left open is not enough.
    refused = advisor.post(
        "/account/totp", data={"code": code, "password": "wrong", "csrf_token": csrf_of(page)}
    )
    assert refused.status_code == 400
    assert not staff_row(database_url, "advisor@clinic.test").totp_confirmed
    done = advisor.post(
        "/account/totp", data={"code": code, "password": PASSWORD, "csrf_token": csrf_of(page)}
    )
    assert done.status_code == 302 and done.headers["Location"] == "/account"
    assert staff_row(database_url, "advisor@clinic.test").totp_confirmed
    assert "totp.enrolled" in audit_actions(database_url)
    assert elsewhere.get("/").status_code == 302  # signed in without the code: gone
    # From now on the password alone is not enough.
    client = app.test_client()
    response = post_login(client, "advisor@clinic.test")
    assert response.headers["Location"].startswith("/login/code")
    assert client.get("/").status_code == 302


def test_an_admin_enrols_at_the_first_login(client: FlaskClient, database_url: str) -> None:
    add_staff(database_url, "boss@clinic.test", "admin")
    response = post_login(client, "boss@clinic.test")
    assert response.headers["Location"] == "/account/totp"
    assert client.get("/").status_code == 302  # no page before the second factor
    page = client.get("/account/totp").get_data(as_text=True)
    assert 'name="password"' not in page  # the password was typed a moment ago
    secret = staff_row(database_url, "boss@clinic.test").totp_secret
    done = client.post(
        "/account/totp", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_of(page)}
    )
    assert done.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_sign_out_everywhere_else(app: Flask, advisor: FlaskClient, database_url: str) -> None:
    elsewhere = app.test_client()
    sign_in(elsewhere, "advisor@clinic.test")
    page = advisor.get("/account").get_data(as_text=True)
    assert "Sign out everywhere else" in page
    response = advisor.post(
        "/account/sessions/end", data={"current_password": PASSWORD, "csrf_token": csrf(advisor)}
    )
    assert response.status_code == 302
    assert elsewhere.get("/").status_code == 302
    assert advisor.get("/").status_code == 200
    assert "sessions.ended" in audit_actions(database_url)
