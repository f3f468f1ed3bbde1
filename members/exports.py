"""This app's sections of a member's "my data" export (GDPR access request, self-service).

Other apps register their own sections in members.panels; the export view assembles them.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils.translation import gettext as _

from betacowork.messaging import kind_for
from betacowork.messaging.models import Outbox
from betacowork.submissions.models import Submission

from .models import Chapter, Membership, Profile, Term, User
from .panels import register_export_section


def _terms(qs) -> list[dict]:
    return [
        {"slug": t.slug, "en": t.name_en, "fr": t.name_fr, "nl": t.name_nl, "status": t.status}
        for t in qs
    ]


def _account(user: User) -> dict:
    return {
        "email": user.email,
        "name": user.name,
        "preferred_language": user.preferred_language,
        "email_opt_outs": user.email_opt_outs,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "is_staff": user.is_staff,
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "admin_actions": [
            {
                "time": e.action_time,
                "object": e.object_repr,
                "action": e.get_action_flag_display(),
                "change": e.get_change_message(),
            }
            for e in LogEntry.objects.filter(user=user).order_by("action_time")
        ],
    }


def _profile(user: User) -> dict | None:
    profile = (
        Profile.objects.filter(user=user)
        .select_related("company", "home_space")
        .prefetch_related("skills", "offers", "seeks")
        .first()
    )
    if profile is None:
        return None
    return {
        "url": profile.get_absolute_url(),
        "display_name": profile.display_name,
        "headline": profile.headline,
        "bio": profile.bio,
        # The picture itself, where the member can download it (the stored file's path
        # means nothing outside the server).
        "avatar": reverse("members:avatar", args=[profile.slug]) if profile.avatar else None,
        "company": profile.company.name if profile.company else None,
        "job_title": profile.job_title,
        "skills": _terms(profile.skills.all()),
        "offers": _terms(profile.offers.all()),
        "offers_text": profile.offers_text,
        "seeks": _terms(profile.seeks.all()),
        "seeks_text": profile.seeks_text,
        "languages": profile.languages,
        "home_space": profile.home_space.name if profile.home_space else None,
        "city": profile.city,
        "region": profile.region,
        "website": profile.website,
        "linkedin": profile.linkedin,
        "phone": profile.phone,
        "visibility": profile.visibility,
        "email_visibility": profile.email_visibility,
        "phone_visibility": profile.phone_visibility,
        "member_since": profile.member_since,
        "created_at": profile.created_at,
        "updated_at": profile.updated_at,
    }


def _memberships(user: User) -> list[dict]:
    return [
        {
            "space": m.space.name,
            "plan": m.plan,
            "status": m.status,
            "start": m.start,
            "end": m.end,
        }
        for m in Membership.objects.filter(user=user).select_related("space").order_by("start")
    ]


def _chapters(user: User) -> dict:
    return {
        "organiser_of": list(
            Chapter.objects.filter(organisers=user).order_by("name").values_list("name", flat=True)
        ),
        "following": list(
            Chapter.objects.filter(followers=user).order_by("name").values_list("name", flat=True)
        ),
    }


def _proposed_terms(user: User) -> list[dict]:
    return _terms(Term.objects.filter(proposed_by=user).order_by("name_en"))


def _message_body(message: Outbox) -> tuple[str | None, str | None]:
    """The body of `message` as the export shows it, and why it is left out when it is.

    A secret kind's body (a confirmation or reset link, a sign-in code) is meant for the
    mailbox it went to, which may not be the account holder's: an address being added is
    not theirs until they confirm it from there. So is an unknown kind's, to be safe.
    """
    kind = kind_for(message.kind)
    if kind is None or kind.secret:
        return None, _(
            "Not shown: this message holds a one-time link or code that only the mailbox "
            "it was sent to may see."
        )
    return message.body_text, None


def _messages(user: User) -> list[dict]:
    out = []
    for m in Outbox.objects.filter(recipient=user).order_by("created_at"):
        body, withheld = _message_body(m)
        row = {
            "kind": m.kind,
            "to": m.to_email,
            "subject": m.subject,
            "language": m.language,
            "status": m.status,
            "created_at": m.created_at,
            "sent_at": m.sent_at,
            "body": body,
        }
        if withheld:
            row["body_withheld"] = withheld
        out.append(row)
    return out


def _form_submissions(user: User) -> list[dict]:
    """The forms they sent that created something, as kept (a week) to act on each once."""
    return [
        {"purpose": s.purpose, "sent_at": s.created_at, "made_id": s.object_id}
        for s in Submission.objects.filter(user=user).order_by("created_at")
    ]


register_export_section(name="account", collect=_account, models=(User, EmailAddress, LogEntry))
register_export_section(name="profile", collect=_profile, models=(Profile,))
register_export_section(name="memberships", collect=_memberships, models=(Membership,))
register_export_section(name="chapters", collect=_chapters, models=(Chapter,))
register_export_section(name="proposed_terms", collect=_proposed_terms, models=(Term,))
register_export_section(name="messages", collect=_messages, models=(Outbox,))
register_export_section(name="form_submissions", collect=_form_submissions, models=(Submission,))
