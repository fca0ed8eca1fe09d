//! The C ABI (`rolecall-ffi`, called from Rust through its raw-pointer entry points) with
//! fuzzed strings, buffers and lengths, under AddressSanitizer (cargo-fuzz's default): every
//! entry point taking text (names, emails, phones, passwords, tokens, permission and enum
//! names, SCIM requests, import documents and CSV), NULL where a string may be NULL, and
//! buffers whose declared lengths disagree with each other or are too small. Every call
//! returns a status (never a crash, a read or write out of bounds, or a panic: libFuzzer's
//! panic hook aborts even on the panics the ABI contains), and the thread's last error is
//! always readable.
#![no_main]

use std::ffi::{c_char, CStr, CString};
use std::ptr::{null, null_mut};

use libfuzzer_sys::fuzz_target;
use rolecall_ffi::*;
use rolecall_fuzz::Bytes;

// Entry points of modules the crate does not re-export (their symbols are in its rlib). The
// handle is opaque: only its address crosses.
#[allow(improper_ctypes)]
extern "C" {
    fn rolecall_import_tenant(
        dir: *const rolecall_directory,
        actor: rolecall_user_id,
        json: *const c_char,
        out_report_json: *mut *mut c_char,
    ) -> rolecall_status;
    fn rolecall_import_users_csv(
        dir: *const rolecall_directory,
        actor: rolecall_user_id,
        csv: *const c_char,
        out_report_json: *mut *mut c_char,
    ) -> rolecall_status;
    fn rolecall_plan_import(
        dir: *const rolecall_directory,
        actor: rolecall_user_id,
        json: *const c_char,
        out_json: *mut *mut c_char,
    ) -> rolecall_status;
    fn rolecall_sod_rule_remove(
        dir: *const rolecall_directory,
        actor: rolecall_user_id,
        name: *const c_char,
    ) -> rolecall_status;
}

/// A C string from fuzzed bytes (cut at the first NUL), or NULL now and then.
struct Text(Option<CString>);

impl Text {
    fn read(b: &mut Bytes<'_>, max: usize) -> Text {
        if b.u8() % 16 == 0 {
            return Text(None);
        }
        let raw = b.bytes(max);
        let cut = raw.iter().position(|&c| c == 0).unwrap_or(raw.len());
        Text(Some(CString::new(&raw[..cut]).expect("no NUL")))
    }

    fn rest(b: &mut Bytes<'_>) -> Text {
        let raw = b.rest();
        let cut = raw.iter().position(|&c| c == 0).unwrap_or(raw.len());
        Text(Some(CString::new(&raw[..cut]).expect("no NUL")))
    }

    fn ptr(&self) -> *const c_char {
        self.0.as_ref().map_or(null(), |c| c.as_ptr())
    }
}

/// After a failed call the thread's error is readable, whole and copied into any buffer.
fn last_error(b: &mut Bytes<'_>, status: rolecall_status) {
    if status == 0 {
        return;
    }
    unsafe {
        let msg = rolecall_last_error_message();
        assert!(!msg.is_null());
        let len = CStr::from_ptr(msg).to_bytes().len();
        let kind = rolecall_last_error_kind();
        assert!(!kind.is_null());
        let _ = CStr::from_ptr(rolecall_status_kind(status));
        let mut buf = vec![0 as c_char; b.u8() as usize % (len + 2)];
        let mut needed = 0usize;
        let st = rolecall_last_error_message_copy(
            if buf.is_empty() {
                null_mut()
            } else {
                buf.as_mut_ptr()
            },
            buf.len(),
            &mut needed,
        );
        assert_eq!(needed, len + 1, "needed counts the NUL");
        if buf.len() >= needed {
            assert_eq!(st, 0);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes::new(data);
    unsafe {
        let mut dir = null_mut();
        assert_eq!(rolecall_directory_open_in_memory(&mut dir), 0);
        rolecall_directory_set_hash_params(dir, 64, 1, 1);
        let mut root: rolecall_new_user = std::mem::zeroed();
        root.first_name = c"Ada".as_ptr();
        root.last_name = c"Root".as_ptr();
        root.email = c"root@acme.test".as_ptr();
        let preset = ROLECALL_PRESET_MANAGERS;
        let mut created = null_mut();
        assert_eq!(
            rolecall_tenant_create(dir, c"Acme".as_ptr(), &root, &preset, 1, &mut created),
            0
        );
        let (tenant, sa) = ((*created).tenant, (*created).superadmin);
        rolecall_tenant_created_free(created);

        let mut steps = 0;
        while !b.is_empty() && steps < 16 {
            steps += 1;
            let st = match b.u8() % 14 {
                0 => {
                    let (first, last, email, phone, pw) = (
                        Text::read(&mut b, 120),
                        Text::read(&mut b, 120),
                        Text::read(&mut b, 300),
                        Text::read(&mut b, 80),
                        Text::read(&mut b, 64),
                    );
                    let mut u: rolecall_new_user = std::mem::zeroed();
                    u.first_name = first.ptr();
                    u.last_name = last.ptr();
                    u.email = email.ptr();
                    u.phone = phone.ptr();
                    u.password = if b.u8() % 4 == 0 { pw.ptr() } else { null() };
                    let roles = [b.int() as u64, 1, 2];
                    let n = b.u8() as usize % 4;
                    u.roles = if n == 0 { null() } else { roles.as_ptr() };
                    u.roles_len = n;
                    let mut out = 0;
                    rolecall_user_create(dir, sa, &u, &mut out)
                }
                1 => {
                    let email = Text::read(&mut b, 300);
                    let mut out = null_mut();
                    let st = rolecall_user_by_email(dir, tenant, email.ptr(), &mut out);
                    rolecall_user_free(out);
                    st
                }
                2 => {
                    let name = Text::read(&mut b, 200);
                    let mut p = std::mem::zeroed();
                    let st = rolecall_permission_parse(name.ptr(), &mut p);
                    let _ = rolecall_permission_from_name(name.ptr(), &mut p);
                    // Printed into a buffer of any size: `needed` says how much it takes.
                    let mut buf = vec![0 as c_char; b.u8() as usize];
                    let mut needed = 0;
                    let _ = rolecall_permission_to_string(
                        p,
                        if buf.is_empty() {
                            null_mut()
                        } else {
                            buf.as_mut_ptr()
                        },
                        buf.len(),
                        &mut needed,
                    );
                    if needed <= buf.len() && needed > 0 {
                        assert_eq!(CStr::from_ptr(buf.as_ptr()).to_bytes().len() + 1, needed);
                    }
                    st
                }
                3 => {
                    let name = Text::read(&mut b, 60);
                    let (mut x, mut y, mut z, mut w) = (0, 0, 0, 0);
                    rolecall_product_from_name(name.ptr(), &mut x);
                    rolecall_access_level_from_name(name.ptr(), &mut y);
                    rolecall_preset_from_name(name.ptr(), &mut z);
                    rolecall_scope_kind_from_name(name.ptr(), &mut w)
                }
                4 => {
                    // check_many with lengths that may disagree (the buffers are as long as
                    // the largest length, so a disagreement is the library's to refuse).
                    let n = b.u8() as usize % 8;
                    let users: Vec<u64> = (0..8).map(|_| b.int() as u64).collect();
                    let perm: rolecall_permission = rolecall::Permission::USERS_MANAGE.into();
                    let perms = [perm; 8];
                    let mut results = [false; 8];
                    let (ul, pl, rl) = (n, b.u8() as usize % (n + 2), b.u8() as usize % (n + 2));
                    let ul = ul.min(8);
                    let (pl, rl) = (pl.min(8), rl.min(8));
                    let st = rolecall_check_many(
                        dir,
                        if ul == 0 { null() } else { users.as_ptr() },
                        ul,
                        if pl == 0 { null() } else { perms.as_ptr() },
                        pl,
                        if rl == 0 {
                            null_mut()
                        } else {
                            results.as_mut_ptr()
                        },
                        rl,
                    );
                    if ul != pl || rl != ul {
                        assert_ne!(st, 0, "lengths {ul}/{pl}/{rl} accepted");
                    }
                    st
                }
                5 => {
                    let name = Text::read(&mut b, 120);
                    let roles = [b.int() as u64];
                    let mut out = 0;
                    rolecall_group_create(
                        dir,
                        sa,
                        name.ptr(),
                        roles.as_ptr(),
                        b.u8() as usize % 2,
                        &mut out,
                    )
                }
                6 => {
                    let (kind, name) = (Text::read(&mut b, 40), Text::read(&mut b, 120));
                    let mut out = 0;
                    rolecall_scope_create_of_kind(dir, sa, 0, kind.ptr(), name.ptr(), &mut out)
                }
                7 => {
                    let (email, pw) = (Text::read(&mut b, 300), Text::read(&mut b, 100));
                    let mut s = std::mem::zeroed();
                    rolecall_login(dir, tenant, email.ptr(), pw.ptr(), &mut s)
                }
                8 => {
                    let (token, pw) = (Text::read(&mut b, 100), Text::read(&mut b, 100));
                    let mut out = 0;
                    rolecall_password_reset_with_token(dir, tenant, token.ptr(), pw.ptr(), &mut out)
                }
                9 => {
                    let (method, path, body) = (
                        Text::read(&mut b, 8),
                        Text::read(&mut b, 200),
                        Text::read(&mut b, 255),
                    );
                    let (mut status, mut out_body, mut loc) = (0u16, null_mut(), null_mut());
                    let st = rolecall_scim_handle(
                        dir,
                        sa,
                        method.ptr(),
                        path.ptr(),
                        body.ptr(),
                        null(),
                        &mut status,
                        &mut out_body,
                        &mut loc,
                    );
                    rolecall_string_free(out_body);
                    rolecall_string_free(loc);
                    st
                }
                10 => {
                    let json = Text::rest(&mut b);
                    let mut out = null_mut();
                    let st = if json
                        .0
                        .as_ref()
                        .is_some_and(|c| c.as_bytes().len().is_multiple_of(2))
                    {
                        rolecall_plan_import(dir, sa, json.ptr(), &mut out)
                    } else {
                        rolecall_import_tenant(dir, sa, json.ptr(), &mut out)
                    };
                    rolecall_string_free(out);
                    st
                }
                11 => {
                    let csv = Text::rest(&mut b);
                    let mut out = null_mut();
                    let st = rolecall_import_users_csv(dir, sa, csv.ptr(), &mut out);
                    rolecall_string_free(out);
                    st
                }
                12 => {
                    let name = Text::read(&mut b, 100);
                    rolecall_sod_rule_remove(dir, sa, name.ptr())
                }
                _ => {
                    let name = Text::read(&mut b, 120);
                    let mut out = null_mut();
                    let st = rolecall_role_by_name(dir, tenant, name.ptr(), &mut out);
                    rolecall_role_free(out);
                    let mut g = null_mut();
                    let _ = rolecall_group_by_name(dir, tenant, name.ptr(), &mut g);
                    rolecall_group_free(g);
                    let subscriber = Text::read(&mut b, 40);
                    let _ = rolecall_agreement_link_pbx_subscriber(dir, sa, 1, 2, subscriber.ptr());
                    st
                }
            };
            last_error(&mut b, st);
        }
        rolecall_directory_free(dir);
    }
});
