#!/usr/bin/env python3
"""Writes the generated seeds of fuzz/corpus/ (small, deterministic): inputs laid out as each
target reads its bytes (fuzz/src/lib.rs `Bytes`: a length byte before each text). The SQLite
seed (a valid directory file) comes from the Rust template: scripts/fuzz.sh seeds.
Regression inputs found by runs are committed beside these, named `regression-*`."""

import os
import random

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def text(s):
    b = s.encode() if isinstance(s, str) else s
    assert len(b) < 256
    return bytes([len(b)]) + b


def write(target, name, data):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


rng = random.Random(19)

# parsers: the first byte picks the surface (mod 8).
write("parsers", "user", bytes([0]) + text("Ann") + text("Lee") + text("ann@acme.test")
      + b"\x00" + text("+1 212 555 0199") + b"\x00" + text("E-42"))
write("parsers", "user-unicode", bytes([0]) + text("José") + text("Ünal") + text("иван@пример.рф")
      + b"\x01" + b"\x00" + text("x"))
write("parsers", "user-fullwidth", bytes([0]) + text("A") + text("B") + text("ａｎｎ＠acme.test") + b"\x01\x01")
write("parsers", "phone-region", bytes([1]) + text("GB") + text("020 7946 0958") + text("7946"))
write("parsers", "phone-region-us", bytes([1]) + text("US") + text("(212) 555-0199") + text("212"))
write("parsers", "names", bytes([2]) + text("Night shift") + text("Handles the night queue")
      + text("Floor A") + text("brand") + text("Acme Blue") + text("pay/approve"))
write("parsers", "names-bidi", bytes([2]) + text("a\u202eb") + text("line\nbreak") + text("  ") + text("Brand")
      + text("x" * 101) + text(""))
write("parsers", "tokens", bytes([3]) + text("r12.abc") + text("rst_abcdef0123456789") + text("new password 123")
      + text("root@acme.test") + text("secret") + text("a much longer passphrase") + text("root@acme.test"))
write("parsers", "permissions", b"\x08users.manage|campaigns.view,reports.view")
write("parsers", "doc-empty", bytes([4]) + b'{"format":"rolecall-tenant","version":1}')
write("parsers", "doc-users", bytes([4]) + b'{"format":"rolecall-tenant","version":1,"users":[{"email":"ann@acme.test",'
      b'"first_name":"Ann","last_name":"Lee","roles":["Operator"]}],"scopes":[{"kind":"call_group","name":"Sales"}]}')
write("parsers", "doc-deep", bytes([5]) + b"[" * 200)
write("parsers", "csv", bytes([6]) + b"first_name,last_name,email,phone,roles,scopes\n"
      b"Ann,Lee,ann@acme.test,+12125550199,Operator;Viewer,call_group/Sales\nBo,Li,bo@acme.test,,,\n")
write("parsers", "csv-bad", bytes([6]) + b"first_name,email,unknown\n\"unterminated,x\n")
write("parsers", "scim-post", bytes([7, 1]) + text("/Users") + b'{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],'
      b'"userName":"zed@acme.test","name":{"givenName":"Zed","familyName":"Z"},"active":true}')
write("parsers", "scim-filter", bytes([7, 0]) + text('/Users?filter=userName%20eq%20%22root@acme.test%22&count=5'))
write("parsers", "scim-patch", bytes([7, 3]) + text("/Users/1") + b'{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],'
      b'"Operations":[{"op":"replace","path":"name.givenName","value":"Q"}]}')
write("parsers", "scim-groups", bytes([7, 0]) + text("/Groups?excludedAttributes=members&startIndex=2"))

# c_abi: a sequence of calls, the first byte of each picks the entry point (mod 14).
for op in range(14):
    body = bytes([op]) + b"\x05" + text("ann@acme.test") + b"\x07" + text("Ann") + b"\x03" + text("users.manage")
    write("c_abi", f"call-{op:02}", body + bytes([op]) + bytes(rng.randrange(256) for _ in range(24)))
write("c_abi", "import", bytes([10]) + b'{"format":"rolecall-tenant","version":1,"roles":[{"name":"R","permissions":["users.view"]}]}')
write("c_abi", "csv", bytes([11]) + b"first_name,last_name,email\nAnn,Lee,ann@acme.test\n")
write("c_abi", "check-many", bytes([4, 3, 3, 3]) + bytes(8 * 8))

# ops: byte 0 picks random actors (even) or delegates (odd), 32 bytes key the universe, then
# 8 bytes per step (core/tests/properties.rs, run_from_bytes); a few sequence lengths.
for steps in (0, 4, 16, 64):
    for name, first in (("random", 0), ("delegates", 1)):
        body = bytes(rng.randrange(256) for _ in range(32 + 8 * steps))
        write("ops", f"{name}-{steps}-steps", bytes([first]) + body)
# sqlite_rows, python_conv: the bytes are randomness; a few lengths.
for n in (8, 32, 96):
    for k in range(3):
        write("sqlite_rows", f"random-{n}-{k}", bytes(rng.randrange(256) for _ in range(n)))
for n in (16, 64, 256):
    for k in range(3):
        write("python_conv", f"random-{n}-{k}", bytes(rng.randrange(256) for _ in range(n)))
