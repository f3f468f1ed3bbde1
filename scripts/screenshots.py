"""Screenshots of the user-interface points of issue 16, for a before/after comparison.

    python scripts/screenshots.py --base-url http://127.0.0.1:8001 --out DIR [--label before]

Drives headless Chromium (Debian's, at /usr/bin/chromium: `playwright install` is not needed)
against a running site seeded with `manage.py seed_demo` (demo password betacowork-demo) and
writes one PNG per point, `<nn>-<point>.png`, 1280x800 viewport shots unless said otherwise.
A page that does not exist in a version is still shot: what the visitor gets is the point.

Data it expects besides the demo world (the caller makes it the same in both versions):
* a draft event in the current month, for 08 (e.g. a copy of a demo event with status draft);
* upcoming "Betacooks" events next month, for 06, which CANCELS two of them: run it against a
  throwaway database. 06 runs last so that the other shots never show those cancellations.

Headless Chromium does not paint a <datalist>'s native popup into screenshots: for
02-people-autocomplete the script draws the options the page put in the datalist in a box
under the field, marked as drawn by this script.
"""

from __future__ import annotations

import argparse
import datetime
import re
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.chromium import CHROMIUM_ARGS, CHROMIUM_PATH

PASSWORD = "betacowork-demo"  # noqa: S105 (the demo world's published password)
MEMBER = "katia@betacowork.test"
STAFF = "staff@betacowork.test"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
MAX_BYTES = 250_000


class Shooter:
    def __init__(self, browser, base_url: str, out: Path, label: str):
        self.browser = browser
        self.base_url = base_url.rstrip("/")
        self.out = out
        self.label = label
        self.contexts = []

    def page(self, user: str | None = None, viewport=DESKTOP, phone: bool = False) -> Page:
        context = self.browser.new_context(
            base_url=self.base_url,
            locale="en-GB",
            timezone_id="Europe/Brussels",
            viewport=viewport,
            is_mobile=phone,
            has_touch=phone,
            device_scale_factor=1,
        )
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        page = context.new_page()
        if user:
            self.login(page, user)
        return page

    def login(self, page: Page, email: str) -> None:
        page.goto("/accounts/login/")
        form = page.locator("main form").filter(has=page.locator('input[name="login"]'))
        form.locator('input[name="login"]').fill(email)
        form.locator('input[name="password"]').fill(PASSWORD)
        with page.expect_navigation():
            form.locator('input[name="password"]').press("Enter")
        if re.search(r"/accounts/(login|confirm-email)/", page.url):
            sys.exit(f"[{self.label}] login as {email} failed at {page.url}")
        if page.locator("html").get_attribute("lang") != "en":
            # The demo accounts speak French or Dutch: switch to English (this stores the
            # choice on the account, as the language menu does) so both versions read alike.
            with page.expect_navigation():
                page.locator("#language-select").select_option("en")

    def shot(self, page: Page, name: str, locator=None) -> None:
        path = self.out / f"{name}.png"
        page.wait_for_timeout(300)  # let transitions and late layout settle
        if locator is not None:
            locator.screenshot(path=path)
        else:
            page.screenshot(path=path)
        size = shrink(path)
        print(f"[{self.label}] {path} ({size // 1024} KB) — {page.url}")

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def shrink(path: Path) -> int:
    """Re-save the PNG optimised; reduce it to a 256-colour palette if still too big."""
    from PIL import Image

    with Image.open(path) as image:
        image.load()
    image.save(path, optimize=True)
    if path.stat().st_size > MAX_BYTES:
        image.convert("RGB").quantize(colors=256, dither=Image.Dither.NONE).save(
            path, optimize=True
        )
    return path.stat().st_size


def center(locator) -> None:
    locator.evaluate("el => el.scrollIntoView({block: 'center'})")


def top(locator, margin: int = 16) -> None:
    locator.evaluate(
        f"el => {{ el.scrollIntoView({{block: 'start'}}); window.scrollBy(0, -{margin}); }}"
    )


# The points ---------------------------------------------------------------------------------


def name_search(s: Shooter, member: Page) -> None:
    member.goto("/directory/?q=zoe")
    s.shot(member, "01-name-search")


def type_in(page: Page, field, text: str) -> list[dict]:
    """Type `text` key by key; return the datalist options once the suggestions came back."""
    field.click()
    with page.expect_response(lambda r: "members.json" in r.url and "q=" in r.url):
        field.press_sequentially(text, delay=80)
    page.wait_for_timeout(500)  # the reply is put in the datalist, and a later one may follow
    return page.locator(f"#{field.get_attribute('list')} option").evaluate_all(
        "os => os.map(o => ({value: o.value, label: o.label}))"
    )


def people_autocomplete(s: Shooter, member: Page) -> None:
    member.goto("/collaborations/new/")
    field = member.locator("input[data-member-autocomplete]").first
    offered = type_in(member, field, "lea")
    print(f"[{s.label}] datalist options for 'lea': {offered}")
    # The native popup is not painted in headless screenshots: draw the options under the field.
    member.evaluate(
        """([field, label]) => {
          const input = document.querySelector(field);
          const list = document.getElementById(input.getAttribute('list'));
          const box = document.createElement('div');
          box.id = 'screenshot-datalist';
          const r = input.getBoundingClientRect();
          Object.assign(box.style, {position: 'absolute', left: (r.left + scrollX) + 'px',
            top: (r.bottom + scrollY + 2) + 'px', minWidth: r.width + 'px', background: '#fff',
            border: '1px solid #888', boxShadow: '0 4px 12px rgba(0,0,0,.25)', zIndex: 9999,
            font: '14px system-ui, sans-serif', color: '#111'});
          const note = document.createElement('div');
          note.textContent = 'datalist options (drawn by scripts/screenshots.py, ' + label
            + '): value — label';
          Object.assign(note.style, {font: '11px monospace', color: '#555',
            background: '#f3f3f3', padding: '3px 8px', borderBottom: '1px solid #ccc'});
          box.appendChild(note);
          if (!list.options.length) {
            const row = document.createElement('div');
            row.textContent = '(no option: the list is empty)';
            Object.assign(row.style, {padding: '5px 8px', fontStyle: 'italic'});
            box.appendChild(row);
          }
          for (const o of list.options) {
            const row = document.createElement('div');
            row.textContent = o.value + (o.label && o.label !== o.value ? '  —  ' + o.label : '');
            Object.assign(row.style, {padding: '5px 8px', whiteSpace: 'nowrap'});
            box.appendChild(row);
          }
          document.body.appendChild(box);
        }""",
        ["input[data-member-autocomplete]", s.label],
    )
    center(field)
    s.shot(member, "02-people-autocomplete")
    member.evaluate("document.getElementById('screenshot-datalist').remove()")
    if not offered:
        # Nothing to pick for "lea": type the accented name instead, to show what picking does.
        field.fill("")
        offered = type_in(member, field, "Léa")
        print(f"[{s.label}] nothing offered for 'lea'; options for 'Léa': {offered}")
        if not offered:
            s.shot(member, "02b-people-picked")
            return
    # Pick the first suggestion as the browser does: the option's value replaces the text
    # (an `input` event), then the field is left (a `change` event).
    field.evaluate(
        """(input) => {
          const first = document.getElementById(input.getAttribute('list')).options[0];
          input.value = first.value;
          input.dispatchEvent(new InputEvent('input', {bubbles: true,
            inputType: 'insertReplacementText'}));
          input.dispatchEvent(new Event('change', {bubbles: true}));
        }"""
    )
    slug = member.locator("input[data-member-slug]").first
    hidden = slug.input_value() if slug.count() else "(no hidden slug input)"
    print(f"[{s.label}] picked: field={field.input_value()!r} hidden slug={hidden!r}")
    row = member.locator("[data-formset-row]").first
    center(row)
    s.shot(member, "02b-people-picked")


def members_only_profile(s: Shooter, slug: str) -> None:
    anonymous = s.page()
    response = anonymous.goto(f"/members/{slug}/")
    print(f"[{s.label}] anonymous /members/{slug}/ -> HTTP {response.status if response else '?'}")
    s.shot(anonymous, "03-members-only-profile-anonymous")


def navigation(s: Shooter, member: Page) -> None:
    member.goto("/")
    s.shot(member, "04-navigation")
    phone = s.page(MEMBER, viewport=PHONE, phone=True)
    phone.goto("/")
    toggle = phone.locator("[data-nav-toggle]")
    if toggle.count() and toggle.is_visible():
        toggle.click()
        phone.wait_for_timeout(300)
    s.shot(phone, "04b-navigation-phone")


def dashboard_graph(s: Shooter, member: Page) -> None:
    member.goto("/collaborations/dashboard/")
    card = member.locator(".collab-graph-card")
    top(card)
    s.shot(member, "05-dashboard-graph")
    table = member.locator("details.graph-table")
    if table.count():
        table.locator("summary").click()
        top(table)
    else:
        # No equivalent table: the shot shows what follows the graph (nothing of the kind).
        card.evaluate("el => el.scrollIntoView({block: 'end'})")
    s.shot(member, "05b-dashboard-graph-list")


def series_recurrence(s: Shooter, staff: Page) -> None:
    staff.goto("/admin/events/eventseries/add/")
    field = staff.locator(".field-rrule, .form-row.field-rrule").first
    top(field, margin=120)
    s.shot(staff, "07-series-recurrence")


def series_occurrence(s: Shooter, member: Page, slug: str | None) -> None:
    if not slug:
        member.goto("/events/")
        link = member.locator("main a[href^='/events/switch-it-day-']").first
        slug = link.get_attribute("href").strip("/").split("/")[-1]
    member.goto(f"/events/{slug}/")
    s.shot(member, "07b-series-occurrence-page")


def staff_month_grid(s: Shooter, staff: Page) -> None:
    staff.goto("/events/month/")
    draft = staff.locator("td a.month-event", has_text=re.compile("draft|apéro", re.I))
    if not draft.count():
        print(f"[{s.label}] no draft found on the month grid")
    top(staff.locator("main h1").first, margin=8)
    s.shot(staff, "08-staff-month-grid-draft")


def cancel_selected_events(s: Shooter, staff: Page) -> None:
    today = datetime.date.today()
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    staff.goto(f"/admin/events/event/?start__year={year}&start__month={month}&q=Betacooks")
    boxes = staff.locator("#result_list input.action-select")
    if boxes.count() < 2:
        sys.exit(f"[{s.label}] fewer than two Betacooks events in {year}-{month:02d}")
    boxes.nth(0).check()
    boxes.nth(1).check()
    action = staff.locator("select[name=action]")
    value = action.locator("option", has_text="Cancel the selected events").get_attribute("value")
    action.select_option(value)
    with staff.expect_navigation():
        staff.locator("button[name=index], input[name=index]").first.click()
    s.shot(staff, "06-cancel-selected-events")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--label", default="shots", help="before|after, for the log lines")
    parser.add_argument(
        "--members-only-slug", default="adrien-ramy", help="a profile with visibility members"
    )
    parser.add_argument(
        "--series-event", default=None, help="slug of an event of a series (default: found)"
    )
    parser.add_argument(
        "--only", default="", help="comma-separated point numbers to shoot (default: all)"
    )
    args = parser.parse_args()
    only = {n.strip().zfill(2) for n in args.only.split(",") if n.strip()}

    def wanted(number: str) -> bool:
        return not only or number in only

    args.out.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
        )
        s = Shooter(browser, args.base_url, args.out, args.label)
        try:
            member = s.page(MEMBER)
            staff = s.page(STAFF)
            if wanted("01"):
                name_search(s, member)
            if wanted("02"):
                people_autocomplete(s, member)
            if wanted("03"):
                members_only_profile(s, args.members_only_slug)
            if wanted("04"):
                navigation(s, member)
            if wanted("05"):
                dashboard_graph(s, member)
            if wanted("07"):
                series_recurrence(s, staff)
                series_occurrence(s, member, args.series_event)
            if wanted("08"):
                staff_month_grid(s, staff)
            if wanted("06"):
                cancel_selected_events(s, staff)  # last: it cancels two events
        finally:
            s.close()
            browser.close()


if __name__ == "__main__":
    main()
