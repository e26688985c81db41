"""Personal-data inventory (skeleton; the privacy slice fills this in)."""


def inventory_rows():
    return []
