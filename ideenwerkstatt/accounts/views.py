"""Account views (skeleton; the accounts slice fills these in)."""

from flask import Blueprint, render_template

bp = Blueprint("accounts", __name__, url_prefix="/account")


@bp.route("/register", methods=["GET", "POST"])
def register():
    return render_template("pages/index.html")


@bp.route("/login", methods=["GET", "POST"])
def login():
    return render_template("pages/index.html")


@bp.post("/logout")
def logout():
    return render_template("pages/index.html")


@bp.get("")
def account():
    return render_template("pages/index.html")
