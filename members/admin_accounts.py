"""The admin's doors to an account's rights besides the account itself: groups (Django's) and
addresses (allauth's), registered again under the accounts' rule (`UserAdmin` in
admin_directory.py): only a superuser hands out rights or touches an account that holds some.

Left as their libraries register them, a staff account that may edit groups could give its own
group any permission, and one that may edit addresses could add a verified address of its own
to a superuser's account and reset that account's password from it.
"""

from __future__ import annotations

from allauth.account.admin import EmailAddressAdmin as AllauthEmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.account.signals import email_added
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def holds_rights(account) -> bool:
    """Superuser, staff, or any group or permission: what taking the account over would give."""
    return bool(
        account.is_superuser
        or account.is_staff
        or account.groups.exists()
        or account.user_permissions.exists()
    )


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

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

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
        if not change or "email" in form.changed_data:
            # As when they add one themselves (members.signals.email_added_notify): the owner
            # is told at their account's address.
            email_added.send(sender=EmailAddress, request=request, user=obj.user, email_address=obj)
