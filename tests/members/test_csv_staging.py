"""The CSV import's stage and commit services: only the uploader confirms, once, in time."""

import pytest
from django.core.files.storage import default_storage

from members.csv_staging import members_import_commit, members_import_stage
from members.models import User
from tests.factories import UserFactory

from .test_csv import GOOD, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_pair():
    return UserFactory(is_staff=True), UserFactory(is_staff=True)


def _staged_names():
    try:
        return set(default_storage.listdir("imports")[1])
    except FileNotFoundError:
        return set()


def test_staging_writes_nothing_and_only_the_uploader_commits(world, staff_pair):  # noqa: F811
    uploader, other = staff_pair
    report, token = members_import_stage(raw=GOOD.encode(), user=uploader)
    assert report.ok
    assert token
    assert not User.objects.filter(email="new.person@example.test").exists()
    assert members_import_commit(token=token, user=other) is None
    assert not User.objects.filter(email="new.person@example.test").exists()
    done = members_import_commit(token=token, user=uploader)
    assert done.written
    assert (done.creates, done.updates) == (1, 1)
    assert User.objects.filter(email="new.person@example.test").exists()
    # The file is gone: the same token cannot import twice.
    assert members_import_commit(token=token, user=uploader) is None


def test_an_invalid_file_is_not_kept_and_a_forged_token_is_refused(world, staff_pair):  # noqa: F811
    uploader, _ = staff_pair
    before = _staged_names()
    report, token = members_import_stage(raw=b"email,name\nnot-an-email,X\n", user=uploader)
    assert not report.ok
    assert token is None
    assert _staged_names() == before
    assert members_import_commit(token="garbage", user=uploader) is None
