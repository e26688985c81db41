"""What every paginated list shares: the number of pages and the neighbours of a page."""

from __future__ import annotations

import math


def page_count(count: int, per_page: int) -> int:
    """Pages needed for `count` entries; at least 1, so an empty list has one (empty) page."""
    return max(1, math.ceil(count / per_page))


class PageLinks:
    """Mixin for a page object with `page` and `pages`: whether to link back and forth."""

    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages
