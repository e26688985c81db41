"""Outbox delivery (skeleton; the mail slice fills this in)."""


def dispatch_after_commit(ids):
    return None
