from cryptography.fernet import Fernet

from app.core.db import db
from app.core.users import Role, User
from app.demo import DEMO_USERS


def test_create_user(runner):
    result = runner.invoke(
        args=[
            "create-user",
            "Eva",
            "--name",
            "Eva Ström",
            "--role",
            "admin",
            "--password",
            "tidal-quartz-hammock-12",
        ]
    )
    assert result.exit_code == 0, result.output
    user = User.by_username("eva")
    assert user.roles == {Role.ADMIN}
    again = runner.invoke(
        args=["create-user", "eva", "--name", "E", "--role", "admin", "--password", "x"]
    )
    assert again.exit_code != 0
    assert "already exists" in again.output


def test_create_user_gives_no_administrator_a_data_role(runner):
    """Nobody else looks on at the command line: an administrator with a data role needs a
    second administrator on the web."""
    for data_role in ("coordinator", "interviewer", "researcher", "review_member"):
        result = runner.invoke(
            args=["create-user", f"boss-{data_role}", "--name", "Boss", "--role", "admin",
                  "--role", data_role, "--password", "tidal-quartz-hammock-12"]
        )  # fmt: skip
        assert result.exit_code != 0, data_role
        assert "another administrator" in result.output
        assert User.by_username(f"boss-{data_role}") is None
    coordinator = runner.invoke(
        args=["create-user", "cora", "--name", "Cora", "--role", "coordinator",
              "--password", "tidal-quartz-hammock-12"]
    )  # fmt: skip
    assert coordinator.exit_code == 0, coordinator.output


def test_create_user_refuses_a_weak_password(runner):
    result = runner.invoke(
        args=["create-user", "weak", "--name", "W", "--role", "admin", "--password", "password"]
    )
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output
    assert User.by_username("weak") is None


def test_demo_loads_every_role_once(runner, client):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    users = db.session.scalars(db.select(User)).all()
    assert {u.username for u in users} == set(DEMO_USERS)
    assert set().union(*(u.roles for u in users)) == set(Role)
    for username, (_name, _roles, _lang, password) in DEMO_USERS.items():
        assert password in result.output
        login = client.post("/login", data={"username": username, "password": password})
        assert login.status_code == 302, username
        client.post("/logout")
    second = runner.invoke(args=["demo"])
    assert "already has users" in second.output


def test_keys_generate_prints_a_fernet_key(runner):
    result = runner.invoke(args=["keys", "generate"])
    Fernet(result.output.strip())


def test_keys_rotate(runner):
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0
    assert "under the newest key" in result.output
