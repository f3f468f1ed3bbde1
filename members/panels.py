"""Small registries that let higher apps add to pages `members` owns or shares.

`members` never imports `events` or `collaborations`. Instead each app registers, in its
AppConfig.ready(), the panels it contributes to the home page and to a profile page, and the
section it adds to a member's "my data" export.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    order: int
    template: str
    context: Callable  # (request, **kwargs) -> dict | None; None hides the panel


@dataclass(frozen=True)
class ExportSection:
    """A part of a member's "my data" export.

    `models` lists every model whose rows about the member `collect(user)` includes. A test
    compares them with all models that hold a ForeignKey, OneToOneField or ManyToManyField
    to the user model, so a new model that points at people fails the suite until its app
    exports it (or declares it here as covered by another section's data).
    """

    name: str
    collect: Callable  # (user) -> JSON-serialisable data
    models: tuple = ()


_home: list[Panel] = []
_profile: list[Panel] = []
_company: list[Panel] = []
_export: dict[str, ExportSection] = {}


def register_home_panel(*, order: int, template: str, context: Callable) -> None:
    _home.append(Panel(order, template, context))
    _home.sort(key=lambda p: p.order)


def register_profile_panel(*, order: int, template: str, context: Callable) -> None:
    _profile.append(Panel(order, template, context))
    _profile.sort(key=lambda p: p.order)


def register_company_panel(*, order: int, template: str, context: Callable) -> None:
    """A panel on a company page: `context(request, company=...)`."""
    _company.append(Panel(order, template, context))
    _company.sort(key=lambda p: p.order)


def register_export_section(*, name: str, collect: Callable, models=()) -> None:
    """`collect(user) -> JSON-serialisable data` for the member's data export.

    `models`: the model classes (or "app_label.Model" strings) whose rows about the member
    this section exports. Every model with a relation to the user model must be declared by
    some section: tests/members/test_export.py fails otherwise.
    """
    _export[name] = ExportSection(name=name, collect=collect, models=tuple(models))


_suggestion_exclusions: list[Callable] = []


def register_suggestion_exclusion(exclude: Callable) -> None:
    """`exclude(user) -> list of QuerySets of user ids` that "people you should meet" leaves
    out (e.g. the people `user` already met at a speed-networking evening). Keep them lazy:
    they become subqueries of the one scoring query, so the count of queries stays constant."""
    if exclude not in _suggestion_exclusions:
        _suggestion_exclusions.append(exclude)


def suggestion_exclusions(user) -> list:
    return [qs for exclude in _suggestion_exclusions for qs in exclude(user)]


_company_parties: list[Callable] = []


def register_company_party_source(rows: Callable) -> None:
    """`rows(user) -> QuerySet` with a `company_id`: the rows of another app that open a
    company's page to `user` (`members.selectors.companies_visible_to`) — a collaboration's
    party that is the company itself, or one naming a member `user` may see for it. Never a
    row naming a member hidden from `user`: the page would say they work there."""
    if rows not in _company_parties:
        _company_parties.append(rows)


def company_party_sources(user) -> list:
    return [rows(user) for rows in _company_parties]


def _render(panels: list[Panel], request, **kwargs) -> list[dict]:
    out = []
    for panel in panels:
        ctx = panel.context(request, **kwargs)
        if ctx is not None:
            out.append({"template": panel.template, "context": ctx})
    return out


def panels_render(panels: list[Panel], request, **kwargs) -> list[dict]:
    """Render a registry another app keeps (e.g. the event page's panels)."""
    return _render(panels, request, **kwargs)


def home_panels(request) -> list[dict]:
    return _render(_home, request)


def profile_panels(request, profile) -> list[dict]:
    return _render(_profile, request, profile=profile)


def company_panels(request, company) -> list[dict]:
    return _render(_company, request, company=company)


def export_sections() -> dict[str, Callable]:
    return {name: section.collect for name, section in _export.items()}


def export_section_list() -> list[ExportSection]:
    return list(_export.values())


def export_covered_models() -> set:
    """The model classes the registered sections declare they export."""
    from django.apps import apps

    covered = set()
    for section in _export.values():
        for model in section.models:
            covered.add(apps.get_model(model) if isinstance(model, str) else model)
    return covered


def export_collect(user) -> dict:
    """Every registered section's data about `user`, by section name."""
    return {name: section.collect(user) for name, section in sorted(_export.items())}
