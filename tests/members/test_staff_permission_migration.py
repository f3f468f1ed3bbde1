"""members 0020: every account with the staff box before it is given `members.act_as_staff`,
so a deployment keeps its staff as they were on the site (`members.rules.is_staff` now asks
the permission besides the box); members get nothing.

Runs the real migrations on the test database (a transactional test), then migrates forward
again so the tests after it find the current schema.
"""

from __future__ import annotations

BEFORE = ("members", "0019_search_name_spellings")
AFTER = ("members", "0020_staff_permission")


def test_existing_staff_keep_their_staff_powers_on_the_site(migrator):
    from members.models import User as CurrentUser
    from members.rules import is_staff

    old = migrator(BEFORE)
    User = old.get_model("members", "User")
    # Flushed by an earlier transactional test, or left by one: as a deployment would have it.
    old.get_model("auth", "Permission").objects.filter(codename="act_as_staff").delete()
    staff = User.objects.create(email="sofie@example.test", name="Sofie", is_staff=True)
    member = User.objects.create(email="katia@example.test", name="Katia")
    gone = User.objects.create(email="gone@example.test", name="Gone", is_staff=True)
    User.objects.filter(pk=gone.pk).update(is_active=False)

    migrator(AFTER)
    staff, member, gone = (CurrentUser.objects.get(pk=u.pk) for u in (staff, member, gone))
    assert staff.has_perm("members.act_as_staff")
    assert is_staff(staff)
    assert not member.user_permissions.exists()
    assert not is_staff(member)
    # Granted with the box (reactivated, they are staff as before), never staff while inactive.
    assert gone.user_permissions.filter(codename="act_as_staff").exists()
    assert not is_staff(gone)


def test_a_database_without_staff_is_left_as_it_is(migrator):
    old = migrator(BEFORE)
    old.get_model("members", "User").objects.create(email="katia@example.test", name="Katia")
    migrator(AFTER)
    from django.contrib.auth.models import Permission

    assert not Permission.objects.filter(codename="act_as_staff", user__isnull=False).exists()
