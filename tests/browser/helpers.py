"""Helpers for browser tests: axe-core checks and keyboard walking."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import axe_playwright_python
import pytest

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

# Rules switched off, each with the reason. Keep this empty unless a rule is wrong for us.
AXE_DISABLED_RULES: dict[str, str] = {}


@cache
def axe_source() -> str:
    """axe-core as bundled with axe-playwright-python (no download, no CDN)."""
    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page, context: str | None = None) -> list[dict]:
    """Run axe-core on the page (or the element matching the `context` selector) for WCAG 2.1
    A/AA and best practices; returns axe's violation objects."""
    # page.evaluate runs through the DevTools protocol, so our CSP (no inline scripts) does
    # not stop it, where an injected <script> element would be refused.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    options = {
        "runOnly": {"type": "tag", "values": AXE_TAGS},
        "rules": {rule: {"enabled": False} for rule in AXE_DISABLED_RULES},
        "resultTypes": ["violations"],
    }
    result = page.evaluate(
        "([context, options]) => axe.run(context ? document.querySelector(context) : document,"
        " options)",
        [context, options],
    )
    return result["violations"]


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary}")
    return "\n".join(lines)


def assert_no_axe_violations(page, context: str | None = None) -> None:
    """Fail with a readable list (rule, impact, help, selectors) when axe-core finds any WCAG
    2.1 AA or best-practice violation on the page as it is now."""
    violations = axe_violations(page, context)
    if violations:
        pytest.fail(
            f"axe-core found {len(violations)} violation(s) on {page.url}:\n"
            + format_violations(violations),
            pytrace=False,
        )


def focused(page) -> dict:
    """Describe the element that has the keyboard focus."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            return {
                tag: el.tagName.toLowerCase(),
                id: el.id,
                text: (el.innerText || el.value || '').trim(),
                href: el.getAttribute('href'),
                in_footer: !!el.closest('footer'),
                classes: el.className || '',
            };
        }"""
    )


def tab_through(page, limit: int = 200) -> list[dict]:
    """Press Tab until focus leaves the page or comes round again; the focused elements,
    in order."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = focused(page)
        if stop["tag"] == "body" or (stops and stop == stops[0]):
            break
        stops.append(stop)
    return stops
