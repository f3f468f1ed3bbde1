from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import User


@receiver(post_save, sender=User)
def user_profile_ensure(sender, instance: User, created: bool, raw: bool = False, **kwargs):
    """Every account has a profile from its first save."""
    if created and not raw:
        from .services import profile_create_for_user

        profile_create_for_user(user=instance)
