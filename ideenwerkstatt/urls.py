"""Safe redirect targets: only paths on this site, whatever encoding tricks are tried."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import redirect, request, url_for


def is_safe_next(target: str | None) -> bool:
    """True for a local path such as `/ideas?page=2`; False for `//evil`, `/\\evil`,
    `javascript:`, absolute URLs, and any of these percent-encoded (once or more)."""
    if not target or len(target) > 2000:
        return False
    decoded = target
    for _ in range(4):  # undo nested percent-encoding: %252F%252F → %2F%2F → //
        once = unquote(decoded)
        if once == decoded:
            break
        decoded = once
    for candidate in (target, decoded):
        if not candidate.startswith("/") or candidate.startswith("//"):
            return False
        if "\\" in candidate or any(ord(ch) < 32 or ord(ch) == 127 for ch in candidate):
            return False
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return False
    return True


def redirect_next(default_endpoint: str = "pages.index", **values):
    """Redirect to ?next= (or the form's `next`) when it is safe, else to the default."""
    target = request.values.get("next")
    if is_safe_next(target):
        return redirect(target)
    return redirect(url_for(default_endpoint, **values))
