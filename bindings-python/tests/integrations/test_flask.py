"""rolecall.flask in a real Flask app with Flask-Login, through Flask's test client."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from integrations import need

need("flask", "flask_login")

import flask_login  # noqa: E402
from flask import Flask, jsonify, request  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402

import rolecall  # noqa: E402
from integrations.demo import PASSWORD, Demo, seed  # noqa: E402
from rolecall import Directory  # noqa: E402
from rolecall.flask import (  # noqa: E402
    Rolecall,
    RolecallUser,
    permission_required,
    scoped_permission_required,
)


def make_app(d: Directory, tenant: int, login_view: str | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="flask test secret", TESTING=True, ROLECALL_DIRECTORY=d)
    if login_view:
        lm = flask_login.LoginManager(app)
        lm.login_view = login_view
    rc = Rolecall(app)

    @app.post("/login")
    def login() -> Any:
        try:
            session = rc.login(tenant, request.form["email"], request.form["password"])
        except rolecall.AuthenticationError as e:
            return jsonify(error=e.kind), 401
        return jsonify(user=session.user)

    @app.post("/logout")
    def logout() -> Any:
        flask_login.logout_user()
        return "bye"

    @app.get("/campaigns")
    @permission_required("campaigns.view")
    def campaigns() -> Any:
        user = flask_login.current_user
        assert isinstance(user, RolecallUser)
        return jsonify(user=user.rolecall_id, control=user.can("campaigns.control"))

    @app.post("/campaigns/start")
    @permission_required("campaigns.view", "campaigns.control")
    def start_all() -> Any:
        return "started"

    @app.post("/campaigns/<int:scope_id>/start")
    @scoped_permission_required("campaigns.control")
    def start(scope_id: int) -> Any:
        return jsonify(scope=scope_id)

    @app.post("/queues/<queue>/pause")
    @scoped_permission_required("campaigns.control", param="queue")
    async def pause(queue: str) -> Any:  # an async view, a string argument
        return jsonify(queue=queue)

    return app


@pytest.fixture
def demo(d: Directory) -> Demo:
    return seed(d)


@pytest.fixture
def client(d: Directory, demo: Demo) -> Iterator[FlaskClient]:
    with make_app(d, demo.tenant).test_client() as c:
        yield c


def login(client: FlaskClient, first: str) -> None:
    r = client.post("/login", data={"email": f"{first}@acme.test", "password": PASSWORD})
    assert r.status_code == 200, r.text


def test_login_through_the_core(client: FlaskClient, demo: Demo) -> None:
    bad = client.post("/login", data={"email": "olga@acme.test", "password": "wrong password"})
    assert bad.status_code == 401 and bad.json == {"error": "authentication_failed"}
    assert client.get("/campaigns").status_code == 401  # not logged in: Flask-Login's 401
    login(client, "olga")
    r = client.get("/campaigns")
    assert r.status_code == 200 and r.json == {"user": demo.operator, "control": True}
    client.post("/logout")
    assert client.get("/campaigns").status_code == 401


def test_allowed_and_forbidden(client: FlaskClient) -> None:
    login(client, "vera")
    assert client.get("/campaigns").json["control"] is False
    assert client.post("/campaigns/start").status_code == 403
    login(client, "olga")
    assert client.post("/campaigns/start").status_code == 200


def test_scoped_route_takes_the_scope_from_the_view_argument(
    client: FlaskClient, demo: Demo
) -> None:
    assert client.post(f"/campaigns/{demo.spring}/start").status_code == 401
    login(client, "sam")
    assert client.post(f"/campaigns/{demo.spring}/start").json == {"scope": demo.spring}
    assert client.post(f"/campaigns/{demo.autumn}/start").status_code == 403
    assert client.post(f"/queues/{demo.spring}/pause").json == {"queue": str(demo.spring)}
    assert client.post(f"/queues/{demo.autumn}/pause").status_code == 403
    assert client.post("/queues/spring/pause").status_code == 404
    login(client, "olga")  # unscoped: every scope
    assert client.post(f"/campaigns/{demo.autumn}/start").status_code == 200


def test_revoked_session_is_anonymous_at_once(
    client: FlaskClient, d: Directory, demo: Demo
) -> None:
    login(client, "olga")
    assert client.get("/campaigns").status_code == 200
    d.set_active(demo.root, demo.operator, False)  # the core renews her security stamp
    assert client.get("/campaigns").status_code == 401
    d.set_active(demo.root, demo.operator, True)  # the old session stays ended
    assert client.get("/campaigns").status_code == 401


def test_unauthorized_redirects_to_the_login_view(d: Directory, demo: Demo) -> None:
    with make_app(d, demo.tenant, login_view="login").test_client() as c:
        r = c.get("/campaigns")
        assert r.status_code == 302 and r.headers["Location"].startswith("/login?next=")
        login(c, "vera")
        d.revoke_role(demo.root, demo.viewer, d.role_by_name(demo.tenant, "Viewer"))
        assert c.get("/campaigns").status_code == 302


def test_a_tampered_session_id_is_anonymous(d: Directory, demo: Demo) -> None:
    rc = Rolecall(make_app(d, demo.tenant), directory=d)
    stamp = d.security_stamp(demo.operator)
    assert rc.load_user(f"{demo.operator}.{stamp}") == RolecallUser(d, demo.operator, stamp)
    for bad in [f"{demo.operator}.{stamp + 1}", f"{demo.operator}", "x.y", "", f"-1.{stamp}"]:
        assert rc.load_user(bad) is None, bad


def test_names_are_checked_when_declared() -> None:
    with pytest.raises(rolecall.UnknownPermissionError):
        permission_required("campaigns.fly")
    with pytest.raises(rolecall.UnknownPermissionError):
        scoped_permission_required("nope")


class LocalUser:
    """A user of the app's own, not linked to rolecall (no ``rolecall_id``)."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return "local"


def test_a_user_unknown_to_rolecall_is_forbidden(d: Directory, demo: Demo) -> None:
    app = make_app(d, demo.tenant)
    rc = app.extensions["rolecall"]
    rc.login_manager.user_loader(lambda user_id: LocalUser() if user_id == "local" else None)

    @app.post("/local-login")
    def local_login() -> Any:
        flask_login.login_user(LocalUser())
        return "ok"

    with app.test_client() as c:
        c.post("/local-login")
        assert c.get("/campaigns").status_code == 403
        assert c.post(f"/campaigns/{demo.spring}/start").status_code == 403
