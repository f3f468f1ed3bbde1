"""Issue 13, defects 1 and 5: behind the reverse proxy, one client cannot block another's
login, and wrong passwords from a stranger cannot lock a member out of their account.

The requests come the way the production proxy sends them: REMOTE_ADDR is the proxy, the
visitor's address is the last entry of X-Forwarded-For. Rate limits are the production ones
(tests/settings.py turns them off for every other test) and the trusted proxy count is the one
docker-compose.yml deploys.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

import betacowork.settings as production
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
PROXY = "10.0.0.2"
ATTACKER, MEMBER_HOME, ELSEWHERE = "203.0.113.7", "198.51.100.20", "192.0.2.44"
LOCKED = "Too many failed login attempts"


def _compose_default(variable: str) -> str | None:
    """The value docker-compose.yml gives `variable` in the app environment (its default)."""
    text = (BASE_DIR / "docker-compose.yml").read_text()
    match = re.search(rf"^\s+{variable}:\s*\"?(?:\$\{{\w+:-)?([^}}\"\n]*)", text, re.MULTILINE)
    return match[1] if match else None


@pytest.fixture
def production_limits():
    proxies = int(_compose_default("ALLAUTH_TRUSTED_PROXY_COUNT") or 0)
    with override_settings(
        ACCOUNT_RATE_LIMITS=getattr(production, "ACCOUNT_RATE_LIMITS", {}),
        ALLAUTH_TRUSTED_PROXY_COUNT=proxies,
    ):
        yield


def login(client, address: str, email: str, password: str, *, forwarded: str = ""):
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=f"{forwarded}, {address}" if forwarded else address,
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- defect 1: the proxy's address is not everyone's address ------------------------------


def test_the_deployed_proxy_is_trusted_for_one_hop():
    assert _compose_default("ALLAUTH_TRUSTED_PROXY_COUNT") == "1"


@pytest.mark.parametrize(("value", "expected"), [(None, "0 None"), ("1", "1 None")])
def test_the_trusted_proxy_comes_from_the_environment(value, expected):
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env.update(ENV_FILE="", DJANGO_SETTINGS_MODULE="betacowork.settings")
    if value is not None:
        env["ALLAUTH_TRUSTED_PROXY_COUNT"] = value
    code = (
        "from django.conf import settings as s; "
        "print(s.ALLAUTH_TRUSTED_PROXY_COUNT, s.ALLAUTH_TRUSTED_CLIENT_IP_HEADER)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.strip() == expected


def test_a_flood_of_failed_logins_from_one_address_does_not_block_another(
    client, member, production_limits
):
    for n in range(31):  # past both the 10/min failed and the 30/min login limits per address
        login(client, ATTACKER, f"nobody{n}@example.test", "wrong-password")
    assert login(client, ATTACKER, "nobody@example.test", "wrong").status_code in (200, 429)
    response = login(client, MEMBER_HOME, member.email, PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)


def test_the_attacker_is_still_limited_when_it_forges_forwarded_addresses(
    client, member, production_limits
):
    # The proxy appends the address it saw; whatever the client wrote before it is ignored.
    for n in range(10):
        login(client, ATTACKER, f"nobody{n}@example.test", "wrong", forwarded=f"10.9.9.{n}")
    response = login(client, ATTACKER, member.email, PASSWORD, forwarded="10.9.9.99")
    assert LOCKED in response.content.decode()
    assert not logged_in(client)


# --- defect 5: a stranger cannot lock a member out ----------------------------------------


def test_wrong_passwords_from_a_stranger_do_not_lock_the_member_out(
    client, member, production_limits
):
    for _ in range(6):
        response = login(client, ATTACKER, member.email, "wrong-password")
    assert LOCKED in response.content.decode()
    # The stranger's address stays locked for this account, even with the right password...
    assert LOCKED in login(client, ATTACKER, member.email, PASSWORD).content.decode()
    assert not logged_in(client)
    # ...while the member, from their own address, logs in.
    response = login(client, MEMBER_HOME, member.email, PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)


def _account_wide_amount() -> int:
    rate = production.ACCOUNT_RATE_LIMITS["login_failed_account"]
    return int(rate.split("/")[0])


def test_a_softer_account_wide_limit_stops_a_distributed_guesser(client, member, production_limits):
    amount = _account_wide_amount()
    assert amount > 5  # softer than the per-address limit
    for n in range(amount):
        login(client, f"198.18.{n // 250}.{n % 250 + 1}", member.email, "wrong-password")
    response = login(client, ELSEWHERE, member.email, PASSWORD)
    assert LOCKED in response.content.decode()
    assert not logged_in(client)


def test_successful_logins_do_not_count_against_the_account(client, member, production_limits):
    for n in range(_account_wide_amount() + 2):
        assert login(client, f"198.18.1.{n + 1}", member.email, PASSWORD).status_code == 302
        client.logout()
    assert login(client, ELSEWHERE, member.email, PASSWORD).status_code == 302


# --- the admin's login is the site's (QA, 2026-12-07) ---------------------------------------


def test_wrong_passwords_cannot_be_tried_on_the_admins_own_login_form(
    client, staff, production_limits
):
    """/admin/login/ authenticated on its own, past allauth's limits: 55 wrong passwords in a
    row, then the right one let anyone in. It now sends everyone to the site's login page,
    whose limits hold (the 6th wrong password locks the account for that address)."""
    admin_login = reverse("admin:login")
    for _ in range(20):
        response = client.post(
            admin_login, {"username": staff.email, "password": "wrong"}, REMOTE_ADDR=ATTACKER
        )
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert not logged_in(client)
    for _ in range(6):
        login(client, ATTACKER, staff.email, "wrong")
    response = login(client, ATTACKER, staff.email, PASSWORD)
    assert LOCKED in response.content.decode()
    assert not logged_in(client)


def test_staff_sign_in_on_the_sites_page_and_land_in_the_admin(client, staff):
    response = client.get(reverse("admin:index"), follow=True)
    login_url, _status = response.redirect_chain[-1]
    assert login_url.startswith(reverse("account_login"))
    assert "next=%2Fadmin%2F" in login_url
    response = client.post(
        reverse("account_login") + "?next=/admin/",
        {"login": staff.email, "password": PASSWORD},
    )
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert client.get("/admin/").status_code == 200


def test_a_member_who_is_not_staff_is_refused_the_admin_login(client, member):
    client.force_login(member)
    assert client.get(reverse("admin:login")).status_code == 403
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("admin:login"))


def test_too_many_attempts_is_the_sites_page_in_the_visitors_language(client, member):
    """allauth's own 429 was a bare English page without the site around it."""
    client.cookies["betacowork_language"] = "fr"
    url = reverse("account_reset_password")
    with override_settings(ACCOUNT_RATE_LIMITS={"reset_password": "1/m/key"}):
        assert client.post(url, {"email": member.email}).status_code == 302
        response = client.post(url, {"email": member.email})
    assert response.status_code == 429
    page = response.content.decode()
    assert '<html lang="fr"' in page
    assert "Trop de tentatives" in page
    assert 'href="/"' in page  # the site's layout, a way back


def test_a_signed_in_session_cannot_try_passwords_on_the_admins_login_form(client, staff):
    """Signed in as staff, a POST to /admin/login/ with another account's credentials used to
    check them without limit (and switch the session on the right one)."""
    other = UserFactory(email="other-admin@example.test", is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.post(reverse("admin:login"), {"username": other.email, "password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, reverse("admin:index"))
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_the_admins_password_change_is_the_sites(client, staff):
    """The admin's own form checked the old password without limit, asked for no
    reauthentication and sent no "password changed" email."""
    client.force_login(staff)
    response = client.post(
        reverse("admin:password_change"),
        {"old_password": "wrong", "new_password1": "x" * 20, "new_password2": "x" * 20},
    )
    assert (response.status_code, response["Location"]) == (
        302,
        reverse("account_change_password"),
    )
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)
