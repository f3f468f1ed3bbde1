"""Writing a checked import file: every row in one transaction, or nothing."""

from __future__ import annotations

from datetime import date

from allauth.account.models import EmailAddress
from django.db import transaction

from ..models import Membership, User, Visibility
from ..search import search_refresh_batch
from ..services import company_forget_if_unused, company_resolve, profile_slug_follow_name
from .check import ImportReport, RowResult, members_import_check


def members_import_apply(raw: bytes) -> ImportReport:
    """Check the file again, then write every row in one transaction, or nothing."""
    report = members_import_check(raw)
    if not report.ok:
        return report
    with transaction.atomic(), search_refresh_batch():
        left = {_row_apply(row) for row in report.rows}
        # A company someone left is forgotten if nobody uses it any more, as the profile form
        # does — once every row is written: a later row may name it.
        for company_id in sorted(left - {None}):
            company_forget_if_unused(company_id=company_id)
    report.written = True
    return report


def _row_apply(row: RowResult) -> int | None:
    """Write one row; the id of the company the person left, if they changed company."""
    data = row.data
    email = data["email"].lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None, name=data["name"])
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        profile = user.profile
        profile.visibility = Visibility.HIDDEN
        profile.hidden_until_login = True
    else:
        if data["name"] and user.name != data["name"]:
            user.name = data["name"]
            user.save(update_fields=["name"])
        profile = user.profile
    renamed = bool(profile.pk and data["name"] and data["name"] != profile.display_name)
    profile.display_name = data["name"] or profile.display_name
    if renamed:
        profile_slug_follow_name(profile)  # its new address, the old one redirecting to it
    for name in ("headline", "job_title", "city", "region", "phone", "website", "linkedin"):
        if data.get(name):
            setattr(profile, name, data[name])
    left_company_id = profile.company_id
    if data.get("company"):
        profile.company = company_resolve(name=data["company"])
    if data.get("languages") is not None:
        profile.languages = data["languages"]
    if data.get("home_space") is not None:
        profile.home_space = data["home_space"]
    if data.get("member_since"):
        profile.member_since = data["member_since"]
    profile.save()
    for column in ("skills", "offers", "seeks"):
        if data.get(column) is not None:
            getattr(profile, column).set(data[column])
    if data.get("plan"):
        start = data.get("member_since") or date.today()
        membership = (
            Membership.objects.filter(
                user=user, space=data["home_space"], status=Membership.Status.ACTIVE
            )
            .order_by("-start")
            .first()
        )
        if membership is None:
            Membership.objects.create(
                user=user, space=data["home_space"], plan=data["plan"], start=start
            )
        elif membership.plan != data["plan"]:
            membership.plan = data["plan"]
            membership.save(update_fields=["plan"])
    return left_company_id if left_company_id != profile.company_id else None
