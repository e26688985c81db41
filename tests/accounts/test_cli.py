"""`ideenwerkstatt users create` and `users set-role`."""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.security import check_password_hash

from ideenwerkstatt.accounts.models import User
from ideenwerkstatt.extensions import db
from ideenwerkstatt.permissions import Role
from tests.factories import make_user

PASSWORD = "Ein-sicheres-Passwort-2024"


def user_by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def test_create_with_the_password_on_stdin(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Mod@Example.org",
            "--role",
            "moderator",
            "--password-stdin",
            "--display-name",
            "Moderation Mitte",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    user = user_by_email("Mod@example.org")
    assert user.role is Role.MODERATOR and user.is_active
    assert user.display_name == "Moderation Mitte"
    assert check_password_hash(user.password_hash, PASSWORD)
    assert PASSWORD not in result.output


def test_create_prompts_twice_with_hidden_input(runner):
    result = runner.invoke(
        args=["users", "create", "admin@example.org", "--role", "admin"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("Password") == 1 and "Repeat for confirmation" in result.output
    assert PASSWORD not in result.output
    assert user_by_email("admin@example.org").role is Role.ADMIN


def test_the_role_defaults_to_citizen(runner):
    result = runner.invoke(
        args=["users", "create", "ina@example.org", "--password-stdin"], input=PASSWORD
    )
    assert result.exit_code == 0, result.output
    assert user_by_email("ina@example.org").role is Role.CITIZEN


def test_a_duplicate_is_refused_clearly(runner):
    make_user(email="ina@example.org")
    result = runner.invoke(
        args=["users", "create", "INA@example.org", "--password-stdin"], input=PASSWORD
    )
    assert result.exit_code == 1
    assert "gibt es schon ein Konto" in result.output


def test_a_weak_password_is_refused(runner):
    result = runner.invoke(
        args=["users", "create", "ina@example.org", "--password-stdin"], input="passwort123\n"
    )
    assert result.exit_code == 1
    assert "sehr verbreitet" in result.output
    assert user_by_email("ina@example.org") is None


def test_an_invalid_address_is_refused(runner):
    result = runner.invoke(args=["users", "create", "kaputt", "--password-stdin"], input=PASSWORD)
    assert result.exit_code == 1
    assert "gültige E-Mail-Adresse" in result.output


def test_an_unknown_role_is_a_usage_error(runner):
    result = runner.invoke(args=["users", "create", "ina@example.org", "--role", "king"])
    assert result.exit_code == 2


def test_set_role(runner):
    make_user(email="ina@example.org")
    result = runner.invoke(args=["users", "set-role", "ina@example.org", "organizer"])
    assert result.exit_code == 0, result.output
    assert user_by_email("ina@example.org").role is Role.ORGANIZER


def test_set_role_for_an_unknown_address(runner):
    result = runner.invoke(args=["users", "set-role", "wer@example.org", "admin"])
    assert result.exit_code == 1
    assert "kein Konto" in result.output
