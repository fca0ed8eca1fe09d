"""SCIM 2.0 provisioning through `Directory.scim`: the core's mapper, one request at a time."""

from __future__ import annotations

import json
from urllib.parse import quote

from conftest import Acme

BASE = "https://acme.test/scim/v2"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def test_create_filter_patch(acme: Acme) -> None:
    d = acme.d
    status, body, location = d.scim(
        acme.root,
        "POST",
        "/Users",
        json.dumps(
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "bjensen@acme.test",
                "name": {"givenName": "Barbara", "familyName": "Jensen"},
            }
        ),
        base_url=BASE,
    )
    assert status == 201, body
    user = json.loads(body)
    uid = user["id"]
    assert location == f"{BASE}/Users/{uid}"
    assert d.user(int(uid)).email == "bjensen@acme.test"

    # Entra ID's lookup, case-insensitive on the login.
    status, body, _ = d.scim(
        acme.root, "GET", "/Users?filter=" + quote('userName eq "BJensen@acme.test"')
    )
    listed = json.loads(body)
    assert status == 200
    assert listed["totalResults"] == 1
    assert listed["Resources"][0]["id"] == uid

    # Entra ID's PATCH: "Replace" and the string "False", one commit.
    revision = d.revision
    ops = {
        "schemas": [PATCH],
        "Operations": [
            {"op": "Replace", "path": "name.givenName", "value": "Babs"},
            {"op": "Replace", "path": "active", "value": "False"},
        ],
    }
    status, body, _ = d.scim(acme.root, "PATCH", f"/Users/{uid}", json.dumps(ops))
    assert status == 200, body
    assert d.revision == revision + 1
    u = d.user(int(uid))
    assert (u.first_name, u.active) == ("Babs", False)
    assert json.loads(body)["active"] is False


def test_errors_are_scim_bodies(acme: Acme) -> None:
    d = acme.d
    acme.user("Olga")
    status, body, location = d.scim(
        acme.root, "POST", "/Users", json.dumps({"userName": "OLGA@acme.test"})
    )
    assert (status, location) == (409, None)
    error = json.loads(body)
    assert error["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert (error["status"], error["scimType"]) == ("409", "uniqueness")

    status, body, _ = d.scim(acme.root, "POST", "/Users", "{not json")
    assert (status, json.loads(body)["scimType"]) == (400, "invalidSyntax")
    status, body, _ = d.scim(acme.root, "GET", "/Users?filter=" + quote('title co "x"'))
    assert (status, json.loads(body)["scimType"]) == (400, "invalidFilter")
    status, body, _ = d.scim(acme.root, "GET", "/Users/999999")
    assert status == 404
    # A user without users.manage: refused by the rules, 403.
    viewer = acme.user("Vic", "Viewer")
    status, body, _ = d.scim(viewer, "POST", "/Users", json.dumps({"userName": "eve@acme.test"}))
    assert status == 403, body
    assert "users.manage" in json.loads(body)["detail"]


def test_groups_without_members(acme: Acme) -> None:
    d = acme.d
    olga = acme.user("Olga")
    status, body, _ = d.scim(
        acme.root,
        "POST",
        "/Groups",
        json.dumps({"displayName": "Floor", "members": [{"value": str(olga)}]}),
    )
    assert status == 201, body
    gid = json.loads(body)["id"]
    assert d.group_members(int(gid)) == [olga]
    status, body, _ = d.scim(acme.root, "GET", "/Groups?excludedAttributes=members")
    groups = json.loads(body)["Resources"]
    assert [g["displayName"] for g in groups] == ["Floor"]
    assert "members" not in groups[0]


def test_readme_scim_python_block_runs() -> None:
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    start = text.index("<!-- scim: Python -->")
    section = text[start : text.index("<!-- end scim: Python -->", start)]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "no python block in the README's SCIM part"
    exec(compile(blocks[0], "README.md", "exec"), {})  # noqa: S102 - our own documentation
