"""Signing in with the second factor; sessions and CSRF."""

from __future__ import annotations

from tests.console.conftest import PASSWORD, add_staff, csrf, csrf_of, sign_in


def test_no_page_without_login(client) -> None:
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_admin_signs_in_with_password_and_code(client, database_url) -> None:
    secret = add_staff(database_url, "boss@clinic.test", "admin", totp=True)
    sign_in(client, "boss@clinic.test", secret)
    page = client.get("/")
    assert page.status_code == 200 and "Dashboard" in page.get_data(as_text=True)


def test_password_alone_is_not_enough_with_a_second_factor(client, database_url) -> None:
    add_staff(database_url, "boss@clinic.test", "admin", totp=True)
    page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"email": "boss@clinic.test", "password": PASSWORD, "csrf_token": csrf_of(page)},
    )
    assert client.get("/").status_code == 302


def test_a_post_without_the_csrf_token_fails(advisor) -> None:
    assert advisor.post("/logout").status_code == 400
    assert advisor.post("/logout", data={"csrf_token": "wrong"}).status_code == 400
    assert advisor.get("/").status_code == 200  # still signed in
    assert advisor.post("/logout", data={"csrf_token": csrf(advisor)}).status_code == 302
    assert advisor.get("/").status_code == 302


def test_security_headers(advisor) -> None:
    headers = advisor.get("/").headers
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store"
