//! Tenant settings: set by the superadministrator only, validated, changed atomically.

mod common;

use common::{refused, Env};
use rolecall::{Error, Preset, TenantSettings};

#[test]
fn only_the_superadministrator_changes_the_settings() {
    let env = Env::new(&[Preset::Managers]);
    assert_eq!(
        env.dir.tenant_settings(env.tenant).unwrap(),
        TenantSettings::default()
    );
    let admin = env.user("ann", &["Admin"]);
    let mut s = TenantSettings::default();
    s.strict_agreement_levels = true;
    let e = refused(&env.dir, |d| d.set_tenant_settings(admin, &s));
    assert!(matches!(e, Error::SuperadminOnly { .. }), "{e:?}");
    env.dir.set_tenant_settings(env.root, &s).unwrap();
    assert!(
        env.dir
            .tenant_settings(env.tenant)
            .unwrap()
            .strict_agreement_levels
    );
}

#[test]
fn a_malformed_phone_region_is_refused_and_changes_nothing() {
    let env = Env::new(&[]);
    // "AQ" and "ZZ" are well-formed, but libphonenumber has no numbering plan for them.
    for bad in ["", "usa", "us", "U1", "ÉÉ", "AQ", "ZZ"] {
        let mut s = TenantSettings::default();
        s.phone_region = Some(bad.into());
        let e = refused(&env.dir, |d| d.set_tenant_settings(env.root, &s));
        assert!(
            matches!(
                e,
                Error::InvalidArgument {
                    what: "phone_region",
                    ..
                }
            ),
            "{bad:?}: {e:?}"
        );
    }
}
