"""Accounts: people log in by email, in their language."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")
    DUTCH = "nl", _("Dutch")


# Languages a member may say they speak (the interface itself is en/fr/nl only).
SPOKEN_LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("nl", _("Dutch")),
    ("de", _("German")),
    ("es", _("Spanish")),
    ("it", _("Italian")),
    ("pt", _("Portuguese")),
    ("el", _("Greek")),
    ("pl", _("Polish")),
    ("ro", _("Romanian")),
    ("ar", _("Arabic")),
    ("tr", _("Turkish")),
    ("ru", _("Russian")),
    ("zh", _("Chinese")),
]


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """An account. People log in by email; there are no usernames."""

    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("full name"), max_length=150)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=Language.choices,
        default=Language.ENGLISH,
        help_text=_("Emails and the site are shown in this language."),
    )
    email_opt_outs = models.JSONField(
        _("email opt-outs"),
        default=list,
        blank=True,
        help_text=_("Kinds of non-essential messages this person chose not to receive."),
    )
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_(
            "Lets this person sign in to the admin, where they see and change only what their "
            "groups and permissions allow. Staff powers on the site (every event in the "
            "organiser console and its registrants' addresses, the budget overview, hidden "
            "profiles, the staff tools) also need the permission “Can act as staff on "
            "the site”, or superuser status."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        # Site staff (`members.rules.is_staff`): the staff box opens the admin, per admin
        # permissions; this permission, with the box, gives the staff powers on the site.
        # Stored in the database as Django's own permission names are (not translated).
        permissions = [("act_as_staff", "Can act as staff on the site")]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="members_user_email_ci_unique",
                violation_error_message=_("A user with this email address already exists."),
            )
        ]

    def __str__(self) -> str:
        return self.name or self.email

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        # What `members.signals` compares with once the account is saved: deactivating or
        # reactivating it hides or shows its profile, and nothing else costs a query.
        user._is_active_saved = user.__dict__.get("is_active")
        return user

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        if fields is None or "is_active" in fields:
            self._is_active_saved = self.__dict__.get("is_active")  # as read now

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return (self.name or self.email).split(" ")[0]
