"""Accounts in the admin, and the other doors to an account's rights: groups (Django's) and
addresses (allauth's), registered again under the accounts' rule: only a superuser hands out
rights or touches an account that holds some (`above`).

Left as their libraries register them, a staff account that may edit groups could give its own
group any permission, and one that may edit addresses could add a verified address of its own
to a superuser's account and reset that account's password from it.
"""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.account.admin import EmailAddressAdmin as AllauthEmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.account.signals import email_added, email_confirmed
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from betacowork.messaging.kinds import optional_preferences

from .forms import PersonNameField, json_list_checked
from .models import Membership, User
from .services import account_delete


def holds_rights(account) -> bool:
    """Superuser, staff, or any group or permission: what taking the account over would give."""
    return bool(
        account.is_superuser
        or account.is_staff
        or account.groups.exists()
        or account.user_permissions.exists()
    )


def address_taken(email: str, *, account) -> bool:
    """Whether `email` is another account's: its account address, or a confirmed one."""
    others_users = User.objects.filter(email__iexact=email)
    others_addresses = EmailAddress.objects.filter(email__iexact=email, verified=True)
    if account is not None and account.pk is not None:
        others_users = others_users.exclude(pk=account.pk)
        others_addresses = others_addresses.exclude(user_id=account.pk)
    return others_users.exists() or others_addresses.exists()


def address_vouched(request, *, user: User, old_email: str) -> None:
    """Staff changed `user`'s address to `user.email`: it becomes the account's confirmed
    primary address (staff vouch for it), and the rows of `old_email` go.

    Left as they were (QA), the old address stayed confirmed and primary: it still signed in
    and received a working reset link (whoever holds that mailbox took the account over),
    the new one was asked for a confirmation at login, and announcements and reminders,
    which go to confirmed addresses only, stopped. Confirmed here, the address runs the
    `email_confirmed` steps as a confirmation by link does (members.hooks).
    """
    email = user.email
    rows = EmailAddress.objects.filter(user=user)
    rows.filter(email__iexact=old_email).exclude(email__iexact=email).delete()
    rows.filter(primary=True).exclude(email__iexact=email).update(primary=False)
    address = rows.filter(email__iexact=email).first() or EmailAddress(user=user)
    confirmed = address.verified
    address.email, address.verified, address.primary = email, True, True
    address.save()
    if not confirmed:
        email_confirmed.send(sender=EmailAddress, request=request, email_address=address)


def _account_email_clean(form) -> str:
    """The user admin's address: refused when another account holds it (as its account
    address, or a confirmed one); lower-cased when changed, kept as it is when not."""
    email = form.cleaned_data.get("email") or ""
    current = form.instance.email if form.instance.pk else ""
    if email.lower() == (current or "").lower():
        return current or email
    email = email.lower()
    if email and address_taken(email, account=form.instance):
        # The words of the account's own constraint (User.Meta), which sees only account
        # addresses, not the confirmed ones of allauth.
        raise ValidationError(
            _("A user with this email address already exists."), code="email_taken"
        )
    return email


def above(request, account) -> bool:
    """An account holding rights that the admin's user may not touch (its password, its
    addresses, its deletion): anyone but a superuser, their own account excepted."""
    if account is None or request.user.is_superuser or account.pk == request.user.pk:
        return False
    return holds_rights(account)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    """A group is a bundle of rights: changing it changes what its members may do."""

    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


admin.site.unregister(EmailAddress)


@admin.register(EmailAddress)
class EmailAddressAdmin(AllauthEmailAddressAdmin):
    """Addresses, for staff who help members with theirs. A confirmed address is a way into
    its account (password reset): those of an account holding rights are a superuser's to
    change, and the owner hears of an address added or changed here as when they add one."""

    def has_change_permission(self, request, obj=None):
        return not above(request, obj and obj.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not above(request, obj and obj.user) and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # An address does not move to another account (review: staff moved their own
        # confirmed address to a member's account, unsaid, then reset its password): a new
        # one is added, and its owner told. Nor is it rewritten, nor made the account's
        # address, here (QA: an edited address stayed confirmed without any confirmation, and
        # the account's address, User.email, kept the old one): the account's page changes
        # the account's address and its rows together (UserAdmin.save_model).
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is None:
            return readonly
        return [*readonly, *(name for name in ("user", "email", "primary") if name not in readonly)]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        [(name, options), *rest] = fieldsets
        description = _(
            "An address is not edited here. To give the account another address, change it "
            "on the account's page: it becomes the account's confirmed primary address. To "
            "remove a wrong address, delete it."
        )
        return [(name, {**options, "description": description}), *rest]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "user" not in form.base_fields:
            return form

        class AddressForm(form):
            def clean_user(self):
                account = self.cleaned_data.get("user")
                if above(request, account):
                    raise ValidationError(
                        _(
                            "Only a superuser may change the addresses of an account that "
                            "holds rights (staff, groups or permissions)."
                        ),
                        code="account_holds_rights",
                    )
                return account

        return AddressForm

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.has_change_permission(request):
            actions.pop("make_verified", None)
        return actions

    def make_verified(self, request, queryset):
        allowed = [a.pk for a in queryset.select_related("user") if not above(request, a.user)]
        super().make_verified(request, queryset.filter(pk__in=allowed))

    make_verified.short_description = AllauthEmailAddressAdmin.make_verified.short_description

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            # As when they add one themselves (members.signals.email_added_notify): the owner
            # is told at their account's address.
            email_added.send(sender=EmailAddress, request=request, user=obj.user, email_address=obj)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["space"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "preferred_language", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active", "preferred_language"]
    search_fields = ["email", "name"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("name", "preferred_language", "email_opt_outs")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),
    )
    # The rights an account holds: `is_staff` lets into the admin and, with the permission
    # `members.act_as_staff`, makes the account staff on the site (members/rules.py
    # `is_staff`: hidden profiles, every registrant's address…); the others are Django's.
    RIGHTS = ("is_staff", "is_superuser", "groups", "user_permissions")

    # Only a superuser hands out rights or touches an account that holds some (its password,
    # its address, its deletion): "may edit accounts" is no way to gain rights, or to take
    # over an account that has them (`above`, as for groups and addresses above).
    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += [name for name in self.RIGHTS if name not in readonly]
        return readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "name" in form.base_fields:  # cleaned as the sign-up and account forms clean it
            form.base_fields["name"] = PersonNameField.like(form.base_fields["name"])
        names = optional_preferences()
        json_list_checked(
            form.base_fields,
            "email_opt_outs",
            item_ok=lambda name: name in names,
            message=_("Give a list of email preferences among: %(names)s.")
            % {"names": ", ".join(f'"{n}"' for n in sorted(names))},
            when_empty=[],
        )
        if "email" in form.base_fields:
            # Set on the class modelform_factory made for this request, not a subclass: a
            # subclass would build its fields again from the declared ones, losing the
            # checked fields above.
            form.clean_email = _account_email_clean
        return form

    def has_change_permission(self, request, obj=None):
        return not above(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not above(request, obj) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "email" in form.changed_data and form.initial.get("email"):
            # The owner hears of it at the address they had, as allauth tells them of a new
            # primary address (review: changed here, unsaid, it could receive a reset link);
            # greeted by name, while that address is still the account's confirmed one.
            get_adapter(request).send_notification_mail(
                "account/email/email_changed",
                obj,
                {"from_email": form.initial["email"], "to_email": obj.email},
                email=form.initial["email"],
            )
            address_vouched(request, user=obj, old_email=form.initial["email"])

    def user_change_password(self, request, id, form_url=""):
        """Django's password page for an account; the member hears of a password staff set
        or changed there as of one they change themselves (QA: they were never told), at
        their address and in their language (the adapter's account emails)."""
        before = self.get_object(request, unquote(id)) if request.method == "POST" else None
        response = super().user_change_password(request, id, form_url)
        if before is not None:
            after = User.objects.filter(pk=before.pk).first()
            if after is not None and after.password != before.password:
                # allauth's own choice (flows.password_change): "set" when there was none.
                kind = "password_changed" if before.has_usable_password() else "password_set"
                get_adapter(request).send_notification_mail(f"account/email/{kind}", after)
        return response

    # Deleting here is deleting the account: the one service, with every app's steps.
    def delete_model(self, request, obj):
        account_delete(user=obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            account_delete(user=user)
