"""Privacy: the consent ledger, my data (export), account deletion, retention, inventory."""

from .views import bp  # noqa: F401
