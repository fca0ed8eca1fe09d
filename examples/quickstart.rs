//! Quickstart: one call-center tenant driven through the rules of the five source pages.
//!
//! Run with `cargo run -p rolecall-examples --example quickstart`.

use rolecall::{
    AccessLevel, Directory, NewRole, NewUser, Permission, Preset, Product, ScopeAccess, ScopeGrant,
    ScopeKind, TimedGrant, UserPatch, UserQuery, Window,
};

fn main() -> Result<(), rolecall::Error> {
    // The embedded default: one SQLite file holds the whole directory.
    let path = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::env::temp_dir().join(format!("rolecall-quickstart-{}.db", std::process::id()))
        });
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    println!("directory file: {}", path.display());
    let dir = Directory::open_sqlite(&path)?;

    // Each tenant takes the preset of its product family. Role names are unique per namespace
    // (the preset, or "custom"): one tenant could hold 000's "Operator" and 001's "OPERATOR",
    // named "managers/Operator" and "role_model/OPERATOR".
    let acme = dir.create_tenant(
        "Acme Calls",
        &NewUser::new("Ada", "Root", "ada@acme.test"),
        &[Preset::Managers],
    )?;
    let root = acme.superadmin;
    let role = |name: &str| dir.role_by_name(acme.tenant, name).map(|r| r.id);

    // 000: users with roles; the Operator may start campaigns but not manage users.
    let olga = dir.create_user(
        root,
        &NewUser::new("Olga", "Petrova", "olga@acme.test")
            .phone("+1 (212) 555-0199")
            .roles([role("Operator")?]),
    )?;
    let max = dir.create_user(
        root,
        &NewUser::new("Max", "Miller", "max@acme.test").roles([role("Manager")?]),
    )?;
    println!(
        "000 Operator may start/stop campaigns: {}",
        dir.check(olga, Permission::CAMPAIGNS_CONTROL)
    );
    println!(
        "000 Operator may manage users:        {}",
        dir.check(olga, Permission::USERS_MANAGE)
    );
    match dir.create_user(olga, &NewUser::new("Eve", "Doe", "eve@acme.test")) {
        Err(e) => println!(
            "000 Operator creating a user is refused: [{}] {e}",
            e.code()
        ),
        Ok(_) => println!("unexpected: an operator created a user"),
    }
    let hits = dir.search_users(acme.tenant, &UserQuery::text("(212) 555-0199"))?;
    println!(
        "000 search by phone '(212) 555-0199': {} match ({})",
        hits.total, hits.items[0].email
    );

    // 000: changing the email; login then uses the new one.
    dir.update_user(
        root,
        max,
        &UserPatch {
            email: Some("MAX.M@acme.test".into()),
            ..UserPatch::default()
        },
    )?;
    println!(
        "000 user found by new email (any case): {}",
        dir.user_by_email(acme.tenant, "max.m@ACME.test")?
            .full_name()
    );

    // 001: several roles per user; inactive users hold nothing even with the right roles.
    let bots = dir.create_tenant(
        "Bots Inc",
        &NewUser::new("Bo", "Root", "bo@bots.test"),
        &[Preset::RoleModel],
    )?;
    let broot = bots.superadmin;
    let brole = |name: &str| dir.role_by_name(bots.tenant, name).map(|r| r.id);
    let dina = dir.create_user(
        broot,
        &NewUser::new("Dina", "Kay", "dina@bots.test")
            .roles([brole("DIALER_USER")?, brole("DIALER_VERIFIED")?]),
    )?;
    println!(
        "001 DIALER_VERIFIED may control broadcasts: {}",
        dir.check(dina, Permission::BROADCASTS_CONTROL)
    );
    dir.set_active(broot, dina, false)?;
    println!(
        "001 inactive user may view numbers:        {}",
        dir.check(dina, Permission::NUMBERS_VIEW)
    );
    dir.set_active(broot, dina, true)?;

    // 004: groups carry roles; a group that is a member's only group cannot be deleted.
    let analysts = dir.create_group(broot, "Analysts", &[brole("ANALYST")?])?;
    dir.add_member(broot, analysts, dina)?;
    println!(
        "004 group member inherits logs.view:       {}",
        dir.check(dina, Permission::LOGS_VIEW)
    );
    println!(
        "004 group permissions: {}",
        dir.group_permissions(analysts)?
    );
    match dir.delete_group(broot, analysts) {
        Err(e) => println!("004 deleting Dina's only group is refused: {e}"),
        Ok(()) => println!("unexpected: group deleted"),
    }

    // 002: agreement access levels per product.
    let contract = dir.create_agreement(root, "Agreement No. 1", root)?;
    dir.set_access_level(
        root,
        contract,
        max,
        Product::Core,
        AccessLevel::Administrator,
    )?;
    dir.set_access_level(root, contract, max, Product::VirtualPbx, AccessLevel::User)?;
    dir.set_access_level(max, contract, olga, Product::VirtualPbx, AccessLevel::User)?;
    dir.link_pbx_subscriber(max, contract, olga, Some("sub-101"))?;
    println!(
        "002 Olga may listen to sub-101 recordings: {}",
        dir.may_listen_recordings(contract, olga, "sub-101")
    );
    match dir.set_access_level(
        max,
        contract,
        olga,
        Product::Telephony,
        AccessLevel::NoAccess,
    ) {
        Err(e) => println!("002 an Administrator setting No access is refused: {e}"),
        Ok(()) => println!("unexpected: administrator set no access"),
    }

    // 003: a dashboard tenant; supervisors see only their call groups.
    let dash = dir.create_tenant(
        "Dash Co",
        &NewUser::new("Sue", "Root", "sue@dash.test"),
        &[Preset::Dashboard],
    )?;
    let sroot = dash.superadmin;
    let supervisor = dir.role_by_name(dash.tenant, "Supervisor")?.id;
    let sales = dir.create_scope(sroot, ScopeKind::CallGroup, "Sales")?;
    let support = dir.create_scope(sroot, ScopeKind::CallGroup, "Support")?;
    let sam = dir.create_user(
        sroot,
        &NewUser::new("Sam", "Hill", "sam@dash.test").roles([supervisor]),
    )?;
    dir.assign_scope(sroot, sam, sales)?;
    println!(
        "003 Supervisor analytics on Sales / Support: {} / {}",
        dir.check_scoped(sam, Permission::DASHBOARD_ANALYTICS, sales),
        dir.check_scoped(sam, Permission::DASHBOARD_ANALYTICS, support)
    );
    // A person reads names: turn ids into them for display (programs keep the ids).
    let visible = match dir.allowed_scopes(sam, Permission::DASHBOARD_ANALYTICS)? {
        ScopeAccess::All => "all".to_owned(),
        ScopeAccess::Only(ids) => {
            let names: Result<Vec<String>, _> =
                ids.iter().map(|s| dir.scope(*s).map(|s| s.name)).collect();
            names?.join(", ")
        }
    };
    println!("003 Supervisor visible call groups: {visible}");
    let why: Vec<String> = dir
        .explain(sam, Permission::DASHBOARD_ANALYTICS)?
        .grants
        .iter()
        .map(|g| format!("role {:?}", g.role_name))
        .collect();
    println!("003 why may Sam see analytics: {}", why.join(", "));

    // Contact-center scopes: a site above its teams, a queue below a team; a team lead holds
    // its role for its team only, and administers only the users of that team.
    let lyon = dir.create_scope(sroot, ScopeKind::Team, "Lyon")?;
    let inbound = dir.create_scope_under(sroot, lyon, ScopeKind::Team, "Inbound")?;
    let outbound = dir.create_scope_under(sroot, lyon, ScopeKind::Team, "Outbound")?;
    let queue = dir.create_scope_under(sroot, inbound, ScopeKind::Queue, "Inbound EN")?;
    let lead_role = dir.create_role(
        sroot,
        &NewRole::new(
            "Team lead",
            Permission::USERS_VIEW | Permission::USERS_MANAGE | Permission::DASHBOARD_ANALYTICS,
        ),
    )?;
    let tina = dir.create_user(
        sroot,
        &NewUser::new("Tina", "Lead", "tina@dash.test")
            .teams([inbound])
            .grant(lead_role, inbound),
    )?;
    let ivan = dir.create_user(
        sroot,
        &NewUser::new("Ivan", "Agent", "ivan@dash.test").teams([inbound]),
    )?;
    let omar = dir.create_user(
        sroot,
        &NewUser::new("Omar", "Agent", "omar@dash.test").teams([outbound]),
    )?;
    println!(
        "team lead: analytics on the Inbound EN queue {}, may manage Ivan {} / Omar {}",
        dir.check_scoped(tina, Permission::DASHBOARD_ANALYTICS, queue),
        dir.check_user(tina, Permission::USERS_MANAGE, ivan),
        dir.check_user(tina, Permission::USERS_MANAGE, omar)
    );
    match dir.set_active(tina, omar, false) {
        Err(e) => println!("team lead deactivating Omar is refused: {e}"),
        Ok(()) => println!("unexpected: Omar deactivated by another team's lead"),
    }
    let seen = dir.search_users_as(tina, &UserQuery::default())?;
    let names: Vec<String> = seen.items.iter().map(|u| u.full_name()).collect();
    println!("team lead sees: {}", names.join(", "));

    // Issue 16: Omar covers the Outbound lead for an eight-hour shift (it ends by itself, on
    // every instance); Ivan may take the Inbound lead role for up to two hours, with a reason.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let shift = Window::until(now + 8 * 3_600_000);
    let cover = TimedGrant::ScopeRole(ScopeGrant {
        role: lead_role,
        scope: outbound,
    });
    dir.grant_for(sroot, omar, &cover, shift)?;
    dir.make_eligible(sroot, ivan, lead_role, Some(inbound), 2 * 3_600_000)?;
    let active = dir.activate(
        ivan,
        lead_role,
        Some(inbound),
        3_600_000,
        "covering Tina's break",
    )?;
    println!(
        "shift cover: Omar manages Outbound users {} until {:?}; Ivan activated the lead role until {:?}; next change at {:?}",
        dir.check_scoped(omar, Permission::USERS_MANAGE, outbound),
        shift.until,
        active.until,
        dir.snapshot().valid_until()
    );

    println!("directory revision: {}", dir.revision());

    // Reopen the file: every answer comes back from disk.
    drop(dir);
    let dir = Directory::open_sqlite(&path)?;
    println!(
        "reopened at revision {}: Olga may start campaigns {}, Sam sees Support {}",
        dir.revision(),
        dir.check(olga, Permission::CAMPAIGNS_CONTROL),
        dir.check_scoped(sam, Permission::DASHBOARD_ANALYTICS, support)
    );
    Ok(())
}
