"""rolecall.django in a real Django project (django_project: settings, URLs, views), through
Django's test Client and AsyncClient."""

from __future__ import annotations

import asyncio
import itertools
import os
from typing import Iterator

import pytest

from integrations import need

need("django")

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "integrations.django_project.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.exceptions import PermissionDenied  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import AsyncClient, Client  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402

import rolecall  # noqa: E402
from integrations.demo import PASSWORD, Demo, seed  # noqa: E402
from rolecall.django import RolecallScope, get_directory, rolecall_id  # noqa: E402
from rolecall.django.backends import RolecallBackend  # noqa: E402

_names = itertools.count()


@pytest.fixture(scope="module")
def demo() -> Iterator[Demo]:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    try:
        yield seed(get_directory())
    finally:
        teardown_test_environment()


def new_user(demo: Demo, *roles: int) -> str:
    """A user of its own for a test that changes it; returns its email."""
    email = f"user{next(_names)}@acme.test"
    get_directory().create_user(
        demo.root,
        first_name="Tess",
        last_name="Case",
        email=email,
        roles=list(roles),
        password=PASSWORD,
        temporary=False,
    )
    return email


def logged_in(email: str) -> Client:
    c = Client()
    r = c.post("/login/", {"username": email, "password": PASSWORD})
    assert r.status_code == 302 and r.headers["Location"] == "/campaigns/", r.content
    return c


def test_login_through_the_core_maps_a_django_user(demo: Demo) -> None:
    c = Client()
    r = c.post("/login/", {"username": "olga@acme.test", "password": "not her password"})
    assert r.status_code == 200  # the form again, with its error
    assert c.get("/me/").status_code == 302
    c = logged_in("OLGA@acme.test")  # the core compares emails by case folding
    me = c.get("/me/").json()
    assert me["username"] == f"rolecall.{demo.operator}" and me["email"] == "olga@acme.test"
    assert me["control_and_view"] is True
    assert me["permissions"] == sorted(
        str(p) for p in get_directory().effective_permissions(demo.operator)
    )
    user = get_user_model().objects.get(username=f"rolecall.{demo.operator}")
    assert rolecall_id(user) == demo.operator and not user.has_usable_password()
    assert (user.first_name, user.last_name) == ("Olga", "Test")


def test_allowed_and_forbidden(demo: Demo) -> None:
    vera, olga = logged_in("vera@acme.test"), logged_in("olga@acme.test")
    assert vera.get("/campaigns/").status_code == 200
    assert vera.get("/campaigns/start/").status_code == 403
    assert vera.get("/me/").json()["control_and_view"] is False
    assert olga.get("/campaigns/start/").status_code == 200
    anonymous = Client()
    assert anonymous.get("/campaigns/start/")["Location"] == "/login/?next=/campaigns/start/"


def test_scoped_views_take_the_scope_from_the_url(demo: Demo) -> None:
    sam = logged_in("sam@acme.test")
    assert sam.get(f"/campaigns/{demo.spring}/start/").json() == {"scope": demo.spring}
    assert sam.get(f"/campaigns/{demo.autumn}/start/").status_code == 403
    assert sam.get(f"/campaigns/{demo.spring}/report/").status_code == 403  # no reports.view
    olga = logged_in("olga@acme.test")  # unscoped rights cover every scope
    assert olga.get(f"/campaigns/{demo.autumn}/start/").status_code == 200
    assert olga.get(f"/campaigns/{demo.autumn}/report/").json() == {"report": demo.autumn}
    assert olga.get("/campaigns/autumn/pause/").status_code == 404
    anonymous = Client()
    r = anonymous.get(f"/campaigns/{demo.spring}/start/")
    assert r.status_code == 302 and r["Location"].startswith("/login/?next=")
    assert anonymous.get(f"/campaigns/{demo.spring}/report/").status_code == 302


def test_revoked_session_is_logged_out_at_once(demo: Demo) -> None:
    email = new_user(demo, demo.operator_role)
    c = logged_in(email)
    assert c.get("/campaigns/start/").status_code == 200
    d = get_directory()
    user = d.user_by_email(demo.tenant, email).id
    d.revoke_role(demo.root, user, demo.operator_role)  # access shrinks: a new security stamp
    r = c.get("/campaigns/")
    assert r.status_code == 302 and r["Location"] == "/login/?next=/campaigns/"
    d.assign_role(demo.root, user, demo.operator_role)  # the ended session stays ended
    assert c.get("/campaigns/").status_code == 302


def test_password_change_elsewhere_ends_the_session(demo: Demo) -> None:
    email = new_user(demo, demo.operator_role)
    c = logged_in(email)
    d = get_directory()
    d.change_password(d.user_by_email(demo.tenant, email), PASSWORD, "a brand new passphrase")
    assert c.get("/me/").status_code == 302


def test_force_login_without_a_rolecall_session_is_not_accepted(demo: Demo) -> None:
    user = get_user_model().objects.get_or_create(username=f"rolecall.{demo.operator}")[0]
    c = Client()
    c.force_login(user, backend="rolecall.django.backends.RolecallBackend")
    assert c.get("/me/").status_code == 302


def test_async_views_and_middleware(demo: Demo) -> None:
    email = new_user(demo, demo.operator_role)
    sync = logged_in(email)

    async def scenario() -> None:
        c = AsyncClient()
        c.cookies = sync.cookies
        r = await c.get(f"/campaigns/{demo.spring}/pause/")
        assert r.status_code == 200 and r.json() == {"paused": str(demo.spring)}
        assert (await c.get("/campaigns/x/pause/")).status_code == 404
        d = get_directory()
        d.set_active(demo.root, d.user_by_email(demo.tenant, email), False)
        r = await c.get(f"/campaigns/{demo.spring}/pause/")
        assert r.status_code == 302 and r["Location"].startswith("/login/")

    asyncio.run(scenario())


def test_backend_answers_are_the_cores(demo: Demo) -> None:
    b = RolecallBackend()
    user = get_user_model().objects.get_or_create(username=f"rolecall.{demo.lead}")[0]
    d = get_directory()
    for name in rolecall.permission_names():
        assert b.has_perm(user, name) == d.check(demo.lead, name), name
        for scope in (demo.spring, demo.autumn):
            assert b.has_perm(user, name, RolecallScope(scope)) == d.check_scoped(
                demo.lead, name, scope
            )
    assert b.has_perm(user, "auth.add_user") is False  # Django's own names: other backends'
    assert b.has_perm(user, "campaigns.control", object()) is False  # an object with no scope
    assert b.get_all_permissions(user, RolecallScope(demo.spring)) == {
        "campaigns.view",
        "campaigns.control",
    }
    assert b.get_all_permissions(user, RolecallScope(demo.autumn)) == set()
    assert asyncio.run(b.ahas_perm(user, "campaigns.control", RolecallScope(demo.spring)))
    assert (
        asyncio.run(b.ahas_perms(user, ["campaigns.control"], RolecallScope(demo.autumn))) is False
    )
    assert asyncio.run(b.aget_all_permissions(user)) == b.get_all_permissions(user)
    assert b.authenticate(None, username="sam@acme.test", password="wrong password!") is None
    auth = asyncio.run(b.aauthenticate(None, username="sam@acme.test", password=PASSWORD))
    assert auth is not None and rolecall_id(auth) == demo.lead


def test_a_django_user_of_its_own_is_left_to_django(demo: Demo) -> None:
    local = get_user_model().objects.get_or_create(username="local-admin")[0]
    assert rolecall_id(local) is None
    assert RolecallBackend().get_user(local.pk) is None  # not one of rolecall's
    c = Client()
    c.force_login(local, backend="django.contrib.auth.backends.ModelBackend")
    # The middleware keeps its session (nothing of rolecall's to check) ...
    assert c.get("/me/").json()["permissions"] == []
    # ... and the rolecall backend grants it nothing.
    assert c.get(f"/campaigns/{demo.spring}/start/").status_code == 403
    assert c.get("/campaigns/").status_code == 403


def test_a_locked_account_cannot_log_in(demo: Demo) -> None:
    email = new_user(demo, demo.operator_role)
    c = Client()
    for _ in range(5):
        assert (
            c.post("/login/", {"username": email, "password": "wrong password"}).status_code == 200
        )
    # The right password now: the core refuses (locked), and no other backend is asked.
    assert c.post("/login/", {"username": email, "password": PASSWORD}).status_code == 200
    assert c.get("/me/").status_code == 302
    with pytest.raises(PermissionDenied):
        RolecallBackend().authenticate(None, username=email, password=PASSWORD)


def test_a_user_model_with_a_rolecall_id_field_is_linked_by_it(
    demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
    from django.db import connection, models

    from rolecall.django import backends

    class Agent(AbstractBaseUser):
        username = models.CharField(max_length=150, unique=True)
        rolecall_id = models.BigIntegerField(unique=True, null=True)
        first_name = models.CharField(max_length=150, blank=True)
        email = models.EmailField(blank=True)
        is_active = models.BooleanField(default=True)
        objects = BaseUserManager()
        USERNAME_FIELD = "username"

        class Meta:
            app_label = "integrations_agents"

    with connection.schema_editor() as editor:
        editor.create_model(Agent)
    monkeypatch.setattr(backends, "get_user_model", lambda: Agent)
    d, b = get_directory(), RolecallBackend()
    agent = b.django_user(d.user(demo.viewer))
    assert isinstance(agent, Agent)
    assert (agent.rolecall_id, agent.username, agent.first_name) == (
        demo.viewer,
        f"rolecall.{demo.viewer}",
        "Vera",
    )
    assert not agent.has_usable_password()
    # Renamed on the Django side: still the same row, found by its rolecall_id; the names
    # follow rolecall at each login.
    Agent.objects.filter(pk=agent.pk).update(username="vera-at-desk-4")
    d.update_user(demo.root, demo.viewer, first_name="Veronica")
    again = b.django_user(d.user(demo.viewer))
    assert (again.pk, again.username, again.first_name) == (agent.pk, "vera-at-desk-4", "Veronica")
    assert rolecall_id(again) == demo.viewer and b.has_perm(again, "campaigns.view")
    d.update_user(demo.root, demo.viewer, first_name="Vera")
