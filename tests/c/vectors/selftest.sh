#!/usr/bin/env bash
# The C conformance runner must itself catch wrong answers, wrong error kinds, unexpected
# successes and malformed steps, naming file, step and op (the same cases as the Rust runner's
# `runner_reports_mismatches`). Usage: selftest.sh RUNNER [WRAPPER...]
# Also checks the uniffi runner (bindings-ffi/tests/uniffi_vectors.py): a name holding U+0000
# cannot cross the C ABI (the C runner reports it), but reaches the core through uniffi, which
# refuses it; SELFTEST_NUL_WANT names that failure.
set -euo pipefail
runner=("$@")
nul_want=${SELFTEST_NUL_WANT:-holds U+0000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix='{"op": "create_tenant", "name": "T", "presets": ["managers"], "superadmin": {"first_name": "Ro", "last_name": "Ot", "email": "root@t.test"}, "bind": "t", "bind_superadmin": "root"}'
cases=(
  '{"op": "check", "user": "root", "permission": "users.manage", "expect": false}|expected false, got true'
  '{"op": "delete_user", "as": "root", "user": "root", "expect": {"error": "escalation"}}|expected error escalation, got error superadmin_protected'
  '{"op": "create_scope", "as": "root", "kind": "ivr", "name": "Main", "expect": {"error": "duplicate_name"}}|expected error duplicate_name, got success'
  '{"op": "create_user", "as": "root", "first_name": "A", "last_name": "B", "email": "bad"}|expected success, got error invalid_email'
  '{"op": "check", "user": "nobody", "permission": "users.manage", "expect": false}|malformed step: unbound User handle'
  '{"op": "check", "user": "root", "permision": "users.manage", "expect": true}|unknown field "permision"'
  '{"op": "fly", "as": "root"}|unknown op "fly"'
  '{"op": "get_role", "role": "Operator", "tenant": "t", "expect": {"name": "Operator", "scoped": true}}|expected {"name":"Operator","scoped":true}, got'
  '{"op": "create_user", "as": "root", "first_name": "A\u0000", "last_name": "B", "email": "a@t.test"}|'"$nul_want"
  '{"op": "login", "tenant": "t", "email": "root@t.test", "password": "no password is set", "expect": {"user": "root", "must_change_password": false}}|expected success, got error authentication_failed'
  '{"op": "create_users", "as": "root", "users": [{"first_name": "A", "last_name": "B", "email": "a@t.test", "pasword": "x"}]}|in a user of create_users'
  '{"op": "reset_password_with_token", "tenant": "t", "token": "nope", "password": "a fine new password"}|malformed step: unbound Token handle'
)
n=0
for c in "${cases[@]}"; do
  step=${c%%|*}
  want=${c#*|}
  printf '{"title": "x", "source": "x", "steps": [%s, %s]}\n' "$prefix" "$step" > "$tmp/self-test.json"
  if out=$("${runner[@]}" "$tmp/self-test.json" 2>&1); then
    echo "runner self-test: no failure reported for $step"; exit 1
  fi
  if ! grep -qF "self-test.json step 1 (" <<<"$out" || ! grep -qF -- "$want" <<<"$out"; then
    echo "runner self-test: for $step expected a failure with \"$want\", got:"; echo "$out"; exit 1
  fi
  n=$((n + 1))
done
echo "${SELFTEST_NAME:-c-vectors} runner self-test: $n passed, 0 failed"
