"""The console on a fresh database, a Flask test client, and signed-in staff."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from bot.console.app import create_app
from bot.console.passwords import hash_password
from bot.console.totp import new_secret
from bot.settings import load_settings
from bot.store.db import session_scope
from bot.store.models import AuditEntry, StaffUser

PASSWORD = "correct horse battery staple"


@pytest.fixture
def database_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'console.db'}"


@pytest.fixture
def app(database_url: str) -> Flask:
    settings = replace(load_settings({}, read_dotenv=False), database_url=database_url)
    return create_app(settings)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def add_staff(
    database_url: str, email: str, role: str = "advisor", *, totp: bool = False, name: str = ""
) -> str | None:
    """A staff account; its TOTP secret when ``totp``."""
    secret = new_secret() if totp else None
    with session_scope(database_url) as session:
        session.add(
            StaffUser(
                email=email,
                display_name=name or email.split("@")[0].title(),
                role=role,
                password_hash=hash_password(PASSWORD),
                totp_secret=secret,
                totp_confirmed=totp,
            )
        )
    return secret


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client: FlaskClient, email: str, secret: str | None = None) -> None:
    """Through the login form (and the code page when ``secret``)."""
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_of(page)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    if secret:
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        response = client.post(
            "/login/code", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_of(page)}
        )
        assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def advisor(client: FlaskClient, database_url: str) -> Iterator[FlaskClient]:
    """A client signed in as an advisor (no second factor)."""
    add_staff(database_url, "advisor@clinic.test", "advisor", name="Anna Meier")
    sign_in(client, "advisor@clinic.test")
    yield client


@pytest.fixture
def admin(client: FlaskClient, database_url: str) -> Iterator[FlaskClient]:
    """A client signed in as an admin (with the second factor)."""
    secret = add_staff(database_url, "admin@clinic.test", "admin", totp=True, name="Dr. Weber")
    sign_in(client, "admin@clinic.test", secret)
    yield client


def csrf(client: FlaskClient) -> str:
    """The signed-in client's CSRF token, read from a page."""
    return csrf_of(client.get("/").get_data(as_text=True))


def login_page_token(client: FlaskClient) -> str:
    """The pre-login CSRF token (the login form's)."""
    return csrf_of(client.get("/login").get_data(as_text=True))


def post_login(
    client: FlaskClient, email: str, password: str = PASSWORD, **form: str
) -> TestResponse:
    """One POST of the login form (no redirect followed)."""
    data = {"email": email, "password": password, "csrf_token": login_page_token(client), **form}
    return client.post("/login", data=data)


def staff_row(database_url: str, email: str) -> StaffUser:
    """The account as stored now (detached)."""
    with session_scope(database_url) as session:
        return session.execute(select(StaffUser).where(StaffUser.email == email)).scalar_one()


def audit_actions(database_url: str) -> list[str]:
    """The audit log's actions, oldest first."""
    with session_scope(database_url) as session:
        return list(session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars())


def cookie(client: FlaskClient, name: str) -> str | None:
    """The value of a cookie the client holds, or None."""
    found = client.get_cookie(name)
    return found.value if found is not None else None
