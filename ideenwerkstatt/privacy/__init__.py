"""Privacy: the consent ledger, my data (export), account deletion, retention, inventory."""
