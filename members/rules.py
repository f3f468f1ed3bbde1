"""Who may do what with people, spaces and chapters: the rules, each written once.

Every "may this person do this?" in the project is a permission asked the same way:

    user.has_perm("members.view_profile", profile)          # views, services
    {% has_perm "members.organise_chapter" user chapter as can_organise %}   # templates
    Profile.objects.visible_to(user)                        # lists (the same rule as SQL)

The permissions are `rules` predicates (django-rules, autodiscovered from each app's
`rules.py`), answered by `rules.permissions.ObjectPermissionBackend`. A rule that also
filters lists keeps its `Q` form in this module, beside its predicate, so the two cannot
drift apart: `profile_visibility_q()` is what `ProfileQuerySet.visible_to()` filters with,
and `profile_visible` is the same rule for one object.

The higher apps build on these predicates (`events/rules.py`, `collaborations/rules.py`).
Superusers pass every permission (Django's own rule). "Staff" is one predicate, `is_staff`:
an active account with the staff box and the permission `members.act_as_staff` ("Can act as
staff on the site"), or an active superuser, box or not — `has_perm` lets them do everything,
so every list and object rule here and in the higher apps answers for them as for staff (and
their lists are cached as staff's: `viewer_class()`). A deactivated account is never staff.
The staff box alone only lets someone into Django's admin site (the one place that asks it),
where their admin permissions decide: a volunteer who reads the delivery log there is a
member on the site.
"""

from __future__ import annotations

import rules
from django.db.models import Q

from .models import Visibility

# The model permission (members.User's Meta) that makes a staff-box account staff on the site.
STAFF_PERMISSION = "members.act_as_staff"


@rules.predicate
def is_staff(user) -> bool:
    """Staff: an active account with the staff box ticked and `STAFF_PERMISSION` (its own or
    a group's), or an active superuser (whom Django's `has_perm` grants every permission,
    staff box or not). The one definition: every rule, list and cache class asks this, never
    `user.is_staff`. A deactivated account is never staff, whatever its boxes say: it cannot
    log in, but a user object read before it was closed, a management command or a service
    given it as `actor` still asks the rules.

    The box is asked first, so a member costs no query; a staff-box account's permissions are
    read by Django's model backend once per user object (its `_perm_cache`, which the admin's
    own checks on that request share)."""
    if user is None or not user.is_authenticated or not getattr(user, "is_active", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    return bool(getattr(user, "is_staff", False)) and user.has_perm(STAFF_PERMISSION)


is_member = rules.is_authenticated


def profile_visibility_q(user, *, prefix: str = "") -> Q | None:
    """The profiles `user` may see, as a filter on rows with `visibility` and `user_id`
    columns (a profile, or a directory search row); None means "everything" (staff).

    A deactivated account's profile is HIDDEN while it is (`members.services.
    profile_follow_account`): the rule, in each of its forms, needs no join to accounts."""
    if user is None or not user.is_authenticated:
        return Q(**{f"{prefix}visibility": Visibility.PUBLIC})
    if is_staff(user):
        return None
    return Q(**{f"{prefix}visibility__in": [Visibility.PUBLIC, Visibility.MEMBERS]}) | Q(
        **{f"{prefix}user_id": user.pk}
    )


def profile_visible_to(profile, user) -> bool:
    """`profile_visibility_q()` for one profile, in Python (no query)."""
    if user is None or not user.is_authenticated:
        return profile.visibility == Visibility.PUBLIC
    if is_staff(user):
        return True
    return profile.visibility != Visibility.HIDDEN or profile.user_id == user.pk


def profile_visibility_sql(user, params: dict) -> str:
    """The same rule as raw SQL for the directory's hand-written statements, with `{t}` for
    the table's alias ("" when none); "" means no condition (staff)."""
    if user is None or not user.is_authenticated:
        params["public"] = Visibility.PUBLIC
        return "{t}visibility = %(public)s"
    if is_staff(user):
        return ""
    params.update(public=Visibility.PUBLIC, members=Visibility.MEMBERS, viewer=user.pk)
    return "({t}visibility IN (%(public)s, %(members)s) OR {t}user_id = %(viewer)s)"


def viewer_class(user) -> str | None:
    """What the visibility rule depends on for `user`: the same lists are shown to everyone
    of a class ("anonymous", "member", "staff"), so they may be cached per class. None when
    the lists are personal: a member whose own profile is hidden also sees that profile.
    "staff" is `is_staff()`: an active superuser shares staff's lists, an inactive one not."""
    if user is None or not user.is_authenticated:
        return "anonymous"
    if is_staff(user):
        return "staff"
    profile = getattr(user, "profile", None)
    if profile is not None and profile.visibility == Visibility.HIDDEN:
        return None
    return "member"


@rules.predicate
def profile_visible(user, profile) -> bool:
    return profile is not None and profile_visible_to(profile, user)


@rules.predicate
def is_profile_owner(user, profile) -> bool:
    return bool(profile is not None and user.is_authenticated and profile.user_id == user.pk)


@rules.predicate
def sees_all_contact_details(user, profile) -> bool:
    """The owner and staff see every contact detail; others what the owner shared."""
    return bool(is_staff(user) or is_profile_owner(user, profile))


# Chapters ----------------------------------------------------------------------------------


def organised_chapter_ids(user) -> frozenset[int]:
    """The chapters `user` organises, read once per request (cached on the user object).
    A deactivated account organises none (as it is never staff: `is_staff`)."""
    if user is None or not user.is_authenticated or not getattr(user, "is_active", False):
        return frozenset()
    cached = getattr(user, "_organised_chapter_ids", None)
    if cached is None:
        cached = frozenset(user.organised_chapters.values_list("pk", flat=True))
        user._organised_chapter_ids = cached
    return cached


def chapter_organiser_q(user, *, field: str = "pk") -> Q:
    """Rows whose `field` names a chapter `user` organises (`field="chapter_id"` for events):
    the list form of `is_chapter_organiser`. A subquery, not a list read first: a page that
    only lists events costs no extra query for it."""
    from .models import Chapter

    if user is None or not user.is_authenticated or not getattr(user, "is_active", False):
        return Q(pk__in=[])
    organised = Chapter.organisers.through.objects.filter(user_id=user.pk)
    return Q(**{f"{field}__in": organised.values("chapter_id")})


@rules.predicate
def is_chapter_organiser(user, chapter) -> bool:
    return chapter is not None and chapter.pk in organised_chapter_ids(user)


@rules.predicate
def organises_a_chapter(user) -> bool:
    return bool(organised_chapter_ids(user))


may_organise_chapter = is_staff | is_chapter_organiser


@rules.predicate
def about_an_object(user, obj) -> bool:
    """A rule named like one of Django's model permissions (`change_profile`) answers only
    about an object: asked without one — as the admin asks — it says no, and Django's own
    permissions decide (staff do not gain admin rights from the rules)."""
    return obj is not None


# Profiles: visibility, and what only their owner (or staff) may change.
rules.add_perm("members.view_profile", profile_visible)
rules.add_perm("members.change_profile", about_an_object & (is_profile_owner | is_staff))
rules.add_perm("members.view_contact_details", sees_all_contact_details)
# Staff-only tools on the site: imports, emails at the door, the budget overview.
rules.add_perm("members.staff_tools", is_staff)
# Chapters: anyone reads them; members follow them; organisers and staff run them.
rules.add_perm("members.follow_chapter", is_member)
rules.add_perm("members.organise_chapter", may_organise_chapter)
rules.add_perm("members.view_chapter_report", may_organise_chapter)
rules.add_perm("members.use_organiser_console", is_staff | organises_a_chapter)
rules.add_perm("members.view_budget_overview", is_staff)


def has_staff_tools(user) -> bool:
    """`user.has_perm("members.staff_tools")` without its two queries, for pages that show
    a staff link beside what everyone sees: the permission is a rule, which Django's model
    backend never grants (no such model permission exists); `is_staff` answers for active
    superusers as `has_perm` does, and reads permissions only for a staff-box account."""
    return rules.has_perm("members.staff_tools", user)
