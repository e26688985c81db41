"""Privacy views (skeleton; the privacy slice fills these in)."""

from flask import Blueprint

bp = Blueprint("privacy", __name__, url_prefix="/account")
