"""Issue 13, defect 4: signing up with an address that has an account costs the same as with a
new one, so response times do not reveal who is a member (even behind a hidden profile).

The cost that differed was the password hash (PBKDF2, about 0.7 s): only new accounts paid it.
Measured with the real hasher; the count of hashes is checked too, which cannot be flaky.
"""

import statistics
import time
from unittest import mock

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import override_settings
from django.urls import reverse

from members.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

REAL_HASHER = override_settings(
    PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
)


def sign_up(client, email: str):
    response = client.post(
        reverse("account_signup"),
        {"email": email, "name": "Inès Dubois", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    client.cookies.clear()  # the next sign-up starts from a fresh visitor
    return response


def test_both_paths_hash_a_password_exactly_once(client, member):
    with (
        REAL_HASHER,
        mock.patch.object(
            PBKDF2PasswordHasher, "encode", autospec=True, side_effect=PBKDF2PasswordHasher.encode
        ) as encode,
    ):
        sign_up(client, "new.person@example.test")
        new_path = encode.call_count
        sign_up(client, member.email)
        existing_path = encode.call_count - new_path
    assert new_path == 1
    assert existing_path == new_path
    assert User.objects.filter(email__iexact=member.email).count() == 1


def test_existing_and_new_addresses_take_the_same_time(client, member):
    timings: dict[str, list[float]] = {"new": [], "existing": []}
    with REAL_HASHER:
        for n in range(3):
            for path, email in (("new", f"new{n}@example.test"), ("existing", member.email)):
                started = time.perf_counter()
                sign_up(client, email)
                timings[path].append(time.perf_counter() - started)
    ratio = statistics.median(timings["existing"]) / statistics.median(timings["new"])
    assert 0.5 <= ratio <= 2, f"existing/new = {ratio:.2f} ({timings})"
