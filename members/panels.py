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


_home: list[Panel] = []
_profile: list[Panel] = []
_export: dict[str, Callable] = {}


def register_home_panel(*, order: int, template: str, context: Callable) -> None:
    _home.append(Panel(order, template, context))
    _home.sort(key=lambda p: p.order)


def register_profile_panel(*, order: int, template: str, context: Callable) -> None:
    _profile.append(Panel(order, template, context))
    _profile.sort(key=lambda p: p.order)


def register_export_section(*, name: str, collect: Callable) -> None:
    """`collect(user) -> JSON-serialisable data` for the member's data export."""
    _export[name] = collect


def _render(panels: list[Panel], request, **kwargs) -> list[dict]:
    out = []
    for panel in panels:
        ctx = panel.context(request, **kwargs)
        if ctx is not None:
            out.append({"template": panel.template, "context": ctx})
    return out


def home_panels(request) -> list[dict]:
    return _render(_home, request)


def profile_panels(request, profile) -> list[dict]:
    return _render(_profile, request, profile=profile)


def export_sections() -> dict[str, Callable]:
    return dict(_export)
