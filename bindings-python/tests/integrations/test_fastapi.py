"""rolecall.fastapi in a real FastAPI app, through FastAPI's TestClient."""

# No `from __future__ import annotations`: FastAPI reads the route signatures of the app the
# factory below builds, whose names are local.

from typing import Annotated, Any, Dict, Iterator, List

import pytest

from integrations import need

need("fastapi", "fastapi.testclient")

from fastapi import Depends, FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from pydantic import BaseModel  # noqa: E402

import rolecall  # noqa: E402
from integrations.demo import PASSWORD, Demo, seed  # noqa: E402
from rolecall import Directory  # noqa: E402
from rolecall.fastapi import Principal, Rolecall, require, require_scoped  # noqa: E402

SECRET = "a test key of at least sixteen bytes"


class Login(BaseModel):
    email: str
    password: str


def make_app(d: Directory, tenant: int) -> FastAPI:
    app = FastAPI()
    rc = Rolecall(d, secret_key=SECRET)
    rc.init_app(app)

    @app.post("/login")
    def login(body: Login) -> Dict[str, Any]:
        r = rc.login(tenant, body.email, body.password)
        return {"token": r.token, "user": r.user}

    @app.get("/campaigns")
    def campaigns(who: Annotated[Principal, Depends(require("campaigns.view"))]) -> List[int]:
        return [who.user]

    @app.post("/campaigns/start")
    def start_all(who: Annotated[Principal, Depends(require("campaigns.control"))]) -> str:
        return "started"

    @app.post("/campaigns/{scope_id}/start")
    def start(
        scope_id: int, who: Annotated[Principal, Depends(require_scoped("campaigns.control"))]
    ) -> int:
        return scope_id

    @app.get("/public")
    def public() -> str:
        return "hello"

    return app


@pytest.fixture
def demo(d: Directory) -> Demo:
    return seed(d)


@pytest.fixture
def client(d: Directory, demo: Demo) -> Iterator[TestClient]:
    with TestClient(make_app(d, demo.tenant)) as c:
        yield c


def login(client: TestClient, first: str) -> Dict[str, str]:
    r = client.post("/login", json={"email": f"{first}@acme.test", "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_login_through_the_core(client: TestClient, demo: Demo) -> None:
    r = client.post("/login", json={"email": "olga@acme.test", "password": PASSWORD})
    assert r.status_code == 200 and r.json()["user"] == demo.operator
    bad = client.post("/login", json={"email": "olga@acme.test", "password": "not the password"})
    assert bad.status_code == 401
    assert bad.json() == {"detail": "authentication_failed"}
    assert bad.headers["www-authenticate"] == "Bearer"


def test_no_token_or_a_bad_one_is_401(client: TestClient) -> None:
    assert client.get("/public").status_code == 200
    r = client.get("/campaigns")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    for token in ["", "garbage", "rc1.1.2.3.sig"]:
        r = client.get("/campaigns", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, token


def test_a_forged_token_is_401(client: TestClient, demo: Demo) -> None:
    token = login(client, "vera")["Authorization"].removeprefix("Bearer ")
    parts = token.split(".")
    parts[1] = str(demo.operator)  # vera pretends to be olga, keeping her signature
    r = client.post("/campaigns/start", headers={"Authorization": "Bearer " + ".".join(parts)})
    assert r.status_code == 401


def test_allowed_and_forbidden(client: TestClient, demo: Demo) -> None:
    olga, vera = login(client, "olga"), login(client, "vera")
    assert client.get("/campaigns", headers=olga).json() == [demo.operator]
    assert client.get("/campaigns", headers=vera).status_code == 200
    assert client.post("/campaigns/start", headers=olga).status_code == 200
    r = client.post("/campaigns/start", headers=vera)
    assert r.status_code == 403 and r.json() == {"detail": "permission denied: campaigns.control"}


def test_scoped_route_takes_the_scope_from_the_path(
    client: TestClient, d: Directory, demo: Demo
) -> None:
    sam, olga, vera = login(client, "sam"), login(client, "olga"), login(client, "vera")
    assert client.post(f"/campaigns/{demo.spring}/start", headers=sam).json() == demo.spring
    assert client.post(f"/campaigns/{demo.autumn}/start", headers=sam).status_code == 403
    # The unscoped route asks Directory.check, whatever it answers for a scoped holder.
    expected = 200 if d.check(demo.lead, "campaigns.control") else 403
    assert client.post("/campaigns/start", headers=sam).status_code == expected
    # An unscoped right covers every scope; a viewer has none.
    assert client.post(f"/campaigns/{demo.autumn}/start", headers=olga).status_code == 200
    assert client.post(f"/campaigns/{demo.spring}/start", headers=vera).status_code == 403
    assert client.post("/campaigns/999999/start", headers=sam).status_code == 403
    assert client.post("/campaigns/x1/start", headers=sam).status_code == 404
    # Without a session the scope is never looked at.
    assert client.post(f"/campaigns/{demo.spring}/start").status_code == 401


def test_revoked_session_is_401_at_once(client: TestClient, d: Directory, demo: Demo) -> None:
    olga = login(client, "olga")
    assert client.get("/campaigns", headers=olga).status_code == 200
    # Her access shrinks: the core renews her security stamp, ending every session.
    d.revoke_role(demo.root, demo.operator, demo.operator_role)
    assert client.get("/campaigns", headers=olga).status_code == 401
    # A new login gets a session again (and the core's current answer: no role, 403).
    again = login(client, "olga")
    assert client.get("/campaigns", headers=again).status_code == 403


def test_password_change_ends_sessions(client: TestClient, d: Directory, demo: Demo) -> None:
    vera = login(client, "vera")
    d.change_password(demo.viewer, PASSWORD, "a brand new passphrase")
    assert client.get("/campaigns", headers=vera).status_code == 401


def test_openapi_shows_the_bearer_scheme(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    scheme = doc["components"]["securitySchemes"]["rolecall"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert scheme["bearerFormat"] == "rolecall session token"
    assert doc["paths"]["/campaigns"]["get"]["security"] == [{"rolecall": []}]
    assert doc["paths"]["/campaigns/{scope_id}/start"]["post"]["security"] == [{"rolecall": []}]
    assert "security" not in doc["paths"]["/public"]["get"]


def test_names_are_checked_when_declared() -> None:
    with pytest.raises(rolecall.UnknownPermissionError):
        require("campaigns.fly")
    with pytest.raises(rolecall.UnknownPermissionError):
        require_scoped("nope")
    with pytest.raises(ValueError):
        require()


def test_rolecall_needs_a_real_key(d: Directory) -> None:
    with pytest.raises(ValueError):
        Rolecall(d, secret_key="short")


def test_a_locked_account_is_401_with_its_end(client: TestClient) -> None:
    for _ in range(5):
        r = client.post("/login", json={"email": "vera@acme.test", "password": "wrong password"})
        assert r.status_code == 401
    r = client.post("/login", json={"email": "vera@acme.test", "password": PASSWORD})
    assert r.status_code == 401 and r.json()["detail"] == "account_locked"
    assert isinstance(r.json()["until"], int)
