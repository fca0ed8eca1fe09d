"""The example apps of examples/python boot and answer as their docstrings say (one smoke
request each through the framework's test client), so they stay true."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

from integrations import need

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "python"
PASSWORD = "violet kettle on the moon"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"rolecall_example_{name}", EXAMPLES / name / "app.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fastapi_example(tmp_path: Path) -> None:
    need("fastapi", "fastapi.testclient")
    from fastapi.testclient import TestClient

    app = load("fastapi_app").create_app(str(tmp_path / "d.db"), fast_hashing=True)
    with TestClient(app) as c:
        r = c.post("/login", json={"email": "sam@acme.test", "password": PASSWORD})
        auth = {"Authorization": f"Bearer {r.json()['token']}"}
        campaigns = c.get("/campaigns", headers=auth).json()
        assert c.post(f"/campaigns/{campaigns['Spring']}/start", headers=auth).status_code == 200
        assert c.post(f"/campaigns/{campaigns['Autumn']}/start", headers=auth).status_code == 403
        assert c.get("/users", headers=auth).status_code == 403
        assert c.get("/users").status_code == 401


def test_flask_example(tmp_path: Path) -> None:
    need("flask", "flask_login")
    app = load("flask_app").create_app(str(tmp_path / "d.db"), fast_hashing=True)
    with app.test_client() as c:
        assert c.get("/").status_code == 302  # to the login page
        r = c.post("/login", data={"email": "sam@acme.test", "password": PASSWORD})
        assert r.status_code == 302
        campaigns = c.get("/").json
        assert c.post(f"/campaigns/{campaigns['Spring']}/start").status_code == 200
        assert c.post(f"/campaigns/{campaigns['Autumn']}/start").status_code == 403


DJANGO_SMOKE = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("rolecall_example_django", sys.argv[1])
app = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = app
spec.loader.exec_module(app)
app.prepare(fast_hashing=True)
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
c = Client()
assert c.get("/").status_code == 302
r = c.post("/login/", {"username": "sam@acme.test", "password": sys.argv[2]})
assert r.status_code == 302, r.content
campaigns = c.get("/").json()
assert c.get(f"/campaigns/{campaigns['Spring']}/start/").status_code == 200
assert c.get(f"/campaigns/{campaigns['Autumn']}/start/").status_code == 403
print("ok")
"""


def test_django_example(tmp_path: Path) -> None:
    need("django")
    # Its own process: the example configures Django's settings, which happens once a process.
    env = {**os.environ, "ROLECALL_DIRECTORY": str(tmp_path / "d.db")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run(
        [
            sys.executable,
            "-W",
            "error",
            "-c",
            textwrap.dedent(DJANGO_SMOKE),
            str(EXAMPLES / "django_app" / "app.py"),
            PASSWORD,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr
