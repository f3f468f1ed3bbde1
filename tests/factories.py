"""factory_boy factories for the members app (events/collaborations add theirs beside)."""

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Permission
from django.utils.text import slugify

from members.models import Chapter, Company, Membership, Space, Term, User

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)
    preferred_language = "en"

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """Accounts are verified unless `verified=False` is passed."""
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)

    @factory.post_generation
    def site_staff(obj, create, extracted, **kwargs):
        """A staff-box account acts as staff on the site (`members.act_as_staff`, which
        `members.rules.is_staff` asks) unless `site_staff=False` is passed: the box alone
        opens only the admin. Superusers need no permission."""
        if create and obj.is_staff and not obj.is_superuser and extracted is not False:
            obj.user_permissions.add(
                Permission.objects.get(content_type__app_label="members", codename="act_as_staff")
            )


class SpaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Space
        django_get_or_create = ("slug",)

    name = "Betacowork"
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    city = "Brussels"


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class TermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Term
        django_get_or_create = ("slug",)

    name_en = factory.Sequence(lambda n: f"skill {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name_en))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    space = factory.SubFactory(SpaceFactory)
    plan = Membership.Plan.FLEX
    start = factory.Faker("date_between", start_date="-3y", end_date="today")


class ChapterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Chapter

    name = factory.Sequence(lambda n: f"Chapter {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    space = factory.SubFactory(SpaceFactory, name="Switch Coworking", city="Charleroi")


def make_member(
    name: str,
    *,
    visibility: str = "members",
    skills=(),
    offers=(),
    seeks=(),
    company=None,
    user_kwargs: dict | None = None,
    **profile_fields,
):
    """A user and their profile as the directory shows them.

    `skills`/`offers`/`seeks` are Term objects or slugs (slugs become English terms);
    `company` is a Company or a name. Returns the Profile (its `.user` is the account).
    """
    from members.models import Company as CompanyModel

    user = UserFactory(name=name, **(user_kwargs or {}))
    profile = user.profile
    profile.display_name = name
    profile.visibility = visibility
    if isinstance(company, str):
        company = CompanyModel.objects.filter(name=company).first() or CompanyFactory(name=company)
    profile.company = company
    for key, value in profile_fields.items():
        setattr(profile, key, value)
    profile.save()

    def terms(items):
        return [
            t if isinstance(t, Term) else TermFactory(slug=t, name_en=t.replace("-", " "))
            for t in items
        ]

    profile.skills.set(terms(skills))
    profile.offers.set(terms(offers))
    profile.seeks.set(terms(seeks))
    profile.refresh_from_db()
    return profile


def spaces_of(profile) -> set[int]:
    """The spaces a profile belongs to, read plainly (home space and active memberships): an
    oracle for what the search rows' space lexemes must say."""
    spaces = set(
        Membership.objects.filter(
            user_id=profile.user_id, status=Membership.Status.ACTIVE
        ).values_list("space_id", flat=True)
    )
    if profile.home_space_id:
        spaces.add(profile.home_space_id)
    return spaces


def profile_form_data(profile, **fields) -> dict:
    """The profile form's fields as its owner sends them, with these changed."""
    return {
        "display_name": profile.display_name,
        "visibility": "members",
        "email_visibility": "hidden",
        "phone_visibility": "hidden",
        "skills_tags": "",
        "offers_tags": "",
        "seeks_tags": "",
        **fields,
    }
