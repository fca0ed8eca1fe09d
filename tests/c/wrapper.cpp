// A C++17 program over the RAII wrapper (bindings-ffi/include/rolecall.hpp): owned records,
// exceptions for refusals, noexcept checks, snapshots, threads sharing one directory.
// Built with g++ -std=c++17 -Wall -Wextra -Werror, linked shared and static, run under valgrind.
#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "rolecall.hpp"

static int passed = 0, failed = 0;

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (cond) {                                                                            \
            passed++;                                                                          \
        } else {                                                                               \
            failed++;                                                                          \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);      \
        }                                                                                      \
    } while (0)

int main() {
    using rolecall::Directory;
    using rolecall::Error;
    using rolecall::NewUser;

    Directory dir = Directory::in_memory();
    dir.set_hash_params(8, 1, 1);
    NewUser root;
    root.first_name = "Ada";
    root.last_name = "Root";
    root.email = "ada@acme.test";
    root.password = "violet-harbour-41-lantern";
    auto acme = dir.create_tenant("Acme", root, {ROLECALL_PRESET_MANAGERS});
    const rolecall_user_id sa = acme->superadmin;

    auto operator_role = dir.role_by_name(acme->tenant, "Operator");
    NewUser olga;
    olga.first_name = "Olga";
    olga.last_name = "Petrova";
    olga.email = "olga@acme.test";
    olga.roles = {operator_role->id};
    olga.external_id = "HR-0042";
    const rolecall_user_id olga_id = dir.create_user(sa, olga);
    CHECK(dir.user_by_external_id(acme->tenant, "HR-0042")->id == olga_id);
    CHECK(std::string(dir.user(olga_id)->external_id) == "HR-0042");

    CHECK(dir.check(olga_id, ROLECALL_PERM_CAMPAIGNS_CONTROL));
    CHECK(!dir.check(olga_id, rolecall::permission("users.manage")));
    CHECK(rolecall::to_string(dir.effective_permissions(olga_id)) ==
          "campaigns.view|campaigns.control|scripts.view|numbers.view|reports.view");

    // A refusal is an exception with the core's code and kind; nothing changes.
    const uint64_t before = dir.revision();
    try {
        NewUser eve;
        eve.first_name = "Eve";
        eve.last_name = "Doe";
        eve.email = "eve@acme.test";
        dir.create_user(olga_id, eve);
        CHECK(false);
    } catch (const Error &e) {
        CHECK(e.code() == ROLECALL_STATUS_PERMISSION_DENIED);
        CHECK(e.kind() == "permission_denied");
        CHECK(std::string(e.what()).find("users.manage") != std::string::npos);
    }
    CHECK(dir.revision() == before);
    try {
        rolecall::permission("campaigns.fly");
        CHECK(false);
    } catch (const Error &e) {
        CHECK(e.kind() == "unknown_permission");
    }

    // Records are owned and freed automatically.
    {
        auto u = dir.user(olga_id);
        CHECK(std::strcmp(u->email, "olga@acme.test") == 0 && u->roles_len == 1);
        auto why = dir.explain(olga_id, ROLECALL_PERM_CAMPAIGNS_CONTROL);
        CHECK(why->allowed && why->grants_len == 1 &&
              std::strcmp(why->grants[0].role_name, "Operator") == 0);
    }

    // Batch checks and a snapshot frozen at one revision.
    auto answers = dir.check_many({olga_id, sa, 999}, {ROLECALL_PERM_CAMPAIGNS_VIEW,
                                                        ROLECALL_PERM_BILLING_MANAGE | ROLECALL_PERM_USERS_MANAGE,
                                                        ROLECALL_PERM_CAMPAIGNS_VIEW});
    CHECK(answers.size() == 3 && answers[0] && answers[1] && !answers[2]);
    try {
        dir.check_many({olga_id}, {});
        CHECK(false);
    } catch (const Error &e) {
        CHECK(e.code() == ROLECALL_STATUS_INVALID_LENGTH);
    }
    rolecall::Snapshot snap = dir.snapshot();
    dir.revoke_role(sa, olga_id, operator_role->id);
    CHECK(!dir.check(olga_id, ROLECALL_PERM_CAMPAIGNS_VIEW));
    CHECK(snap.check(olga_id, ROLECALL_PERM_CAMPAIGNS_VIEW));
    CHECK(snap.revision() < dir.revision());
    CHECK(snap.memory_bytes() >= 1024 * 12); // a chunk of 1,024 user slots of 12 bytes

    // Scopes (003 Supervisor needs the dashboard preset; a custom scoped role works the same).
    rolecall_new_role nr{};
    nr.name = "Queue watcher";
    nr.permissions = ROLECALL_PERM_DASHBOARD_LOGS;
    nr.scoped = true;
    rolecall_role_id watcher = 0;
    rolecall::check_status(rolecall_role_create(dir.raw(), sa, &nr, &watcher));
    const rolecall_scope_id north = dir.create_scope(sa, ROLECALL_SCOPE_KIND_CALL_GROUP, "North");
    const rolecall_scope_id south = dir.create_scope(sa, ROLECALL_SCOPE_KIND_CALL_GROUP, "South");
    dir.assign_role(sa, olga_id, watcher);
    dir.assign_scope(sa, olga_id, north);
    CHECK(dir.check_scoped(olga_id, ROLECALL_PERM_DASHBOARD_LOGS, north));
    CHECK(!dir.check_scoped(olga_id, ROLECALL_PERM_DASHBOARD_LOGS, south));
    {
        auto scopes = dir.allowed_scopes(olga_id, ROLECALL_PERM_DASHBOARD_LOGS);
        CHECK(!scopes->all && scopes->scopes_len == 1 && scopes->scopes[0] == north);
    }

    // Contact-center scopes: a hierarchy, a team, a role granted per scope, "my team only".
    const rolecall_scope_id site = dir.create_scope_under(sa, 0, "team", "Lyon");
    const rolecall_scope_id sales = dir.create_scope_under(sa, site, "team", "Sales");
    const rolecall_scope_id brand = dir.create_scope_under(sa, 0, "brand", "Acme Blue");
    rolecall_new_role lr{};
    lr.name = "Lead";
    lr.permissions = ROLECALL_PERM_USERS_VIEW;
    rolecall_role_id lead = 0;
    rolecall::check_status(rolecall_role_create(dir.raw(), sa, &lr, &lead));
    rolecall::NewUser ann;
    ann.first_name = "Ann";
    ann.last_name = "Agent";
    ann.email = "ann@acme.test";
    ann.teams = {sales};
    const rolecall_user_id ann_id = dir.create_user(sa, ann);
    rolecall::NewUser tom;
    tom.first_name = "Tom";
    tom.last_name = "Lead";
    tom.email = "tom@acme.test";
    tom.grants = {rolecall_scope_grant{lead, site}};
    const rolecall_user_id tom_id = dir.create_user(sa, tom);
    CHECK(dir.user(tom_id)->grants_len == 1 && dir.user(ann_id)->teams_len == 1);
    CHECK(dir.check_user(tom_id, ROLECALL_PERM_USERS_VIEW, ann_id));
    CHECK(!dir.check_user(tom_id, ROLECALL_PERM_USERS_VIEW, olga_id));
    CHECK(dir.snapshot().check_user(tom_id, ROLECALL_PERM_USERS_VIEW, ann_id));
    dir.move_scope(sa, sales, 0);
    CHECK(!dir.check_user(tom_id, ROLECALL_PERM_USERS_VIEW, ann_id));
    dir.grant_role_in_scope(sa, tom_id, lead, sales);
    dir.set_user_teams(sa, olga_id, {sales});
    CHECK(dir.check_user(tom_id, ROLECALL_PERM_USERS_VIEW, olga_id));
    try {
        dir.set_user_teams(sa, olga_id, {brand});
        CHECK(false);
    } catch (const rolecall::Error &e) {
        CHECK(e.code() == ROLECALL_STATUS_NOT_A_TEAM);
    }

    // Login and sessions.
    dir.set_password(sa, olga_id, "quiet-meadow-87-compass", false);
    rolecall_session s = dir.login(acme->tenant, "olga@acme.test", "quiet-meadow-87-compass");
    CHECK(s.user == olga_id && dir.session_valid(olga_id, s.stamp));
    dir.set_active(sa, olga_id, false);
    CHECK(!dir.session_valid(olga_id, s.stamp));
    dir.set_active(sa, olga_id, true);

    // One directory shared by threads: checks run while another thread changes roles.
    std::atomic<long> checks{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; t++) {
        threads.emplace_back([&] {
            for (int i = 0; i < 2000; i++) {
                dir.check(olga_id, ROLECALL_PERM_CAMPAIGNS_VIEW);
                checks++;
            }
        });
    }
    for (int i = 0; i < 10; i++) {
        dir.assign_role(sa, olga_id, operator_role->id);
        dir.revoke_role(sa, olga_id, operator_role->id);
    }
    for (auto &t : threads) t.join();
    CHECK(checks == 8000);

    // The audit log from a cursor, as JSON Lines and CEF.
    {
        uint64_t cursor = 0, seen = 0;
        for (;;) {
            auto page = dir.audit_after(cursor, 2);
            if (!page || page->len == 0) break;
            for (size_t i = 0; i < page->len; i++) {
                const rolecall_audit_event &e = page->items[i];
                CHECK(e.seq > cursor);
                cursor = e.seq;
                seen++;
                CHECK(rolecall::format(e, ROLECALL_AUDIT_FORMAT_JSONL).rfind("{\"schema\":\"rolecall.audit/1\"", 0) == 0);
                CHECK(rolecall::format(e, ROLECALL_AUDIT_FORMAT_CEF).rfind("CEF:0|rolecall|rolecall|", 0) == 0);
            }
        }
        CHECK(seen >= 3);
        bool refused = false;
        try {
            dir.audit_after(0, 0);
        } catch (const Error &e) {
            refused = e.code() == ROLECALL_STATUS_INVALID_ARGUMENT;
        }
        CHECK(refused);
    }

    // Moving a directory moves ownership; the moved-from object frees nothing.
    Directory other = std::move(dir);
    CHECK(other.check(sa, ROLECALL_PERM_SYSTEM_ADMIN));

    // Time-bound grants on a manual clock; activation; break-glass.
    {
        const int64_t t0 = 1800000000000, hour = 3600000;
        rolecall::ManualClock mclock(t0);
        Directory td = Directory::in_memory(mclock);
        NewUser ada;
        ada.first_name = "Ada";
        ada.last_name = "Root";
        ada.email = "root@acme.test";
        auto tt = td.create_tenant("Acme", ada, {ROLECALL_PRESET_MANAGERS});
        const rolecall_user_id troot = tt->superadmin;
        auto admin = td.role_by_name(tt->tenant, "Admin");
        auto manager = td.role_by_name(tt->tenant, "Manager");
        NewUser tom_u;
        tom_u.first_name = "Tom";
        tom_u.last_name = "Tech";
        tom_u.email = "tom@acme.test";
        const rolecall_user_id tom = td.create_user(troot, tom_u);
        rolecall_timed_grant g{};
        g.kind = ROLECALL_ASSIGNMENT_ROLE;
        g.role = admin->id;
        td.grant_for(troot, tom, g, rolecall::window(std::nullopt, t0 + hour));
        CHECK(td.check(tom, admin->permissions));
        CHECK(td.snapshot().valid_until() == std::optional<int64_t>(t0 + hour));
        CHECK(td.snapshot().computed_at() == t0);
        mclock.advance(hour);
        CHECK(mclock.now() == t0 + hour);
        CHECK(!td.check(tom, admin->permissions));
        CHECK(!td.snapshot().valid_until().has_value());
        td.make_eligible(troot, tom, manager->id, 0, 4 * hour);
        rolecall_window w = td.activate(tom, manager->id, 0, hour, "INC-4711: queue outage");
        CHECK(w.has_until && w.until_ms == t0 + 2 * hour);
        CHECK(td.check(tom, manager->permissions));
        td.end_activation(tom, tom, manager->id, 0);
        CHECK(!td.check(tom, manager->permissions));
        td.revoke_eligibility(troot, tom, manager->id, 0);
        bool refused = false;
        try {
            td.activate(tom, manager->id, 0, hour, "again");
        } catch (const Error &e) {
            refused = e.code() == ROLECALL_STATUS_NOT_ELIGIBLE;
        }
        CHECK(refused);
        td.set_break_glass(troot, tom, true);
        CHECK(td.user(tom)->break_glass);
        td.tick();
        mclock.set(t0 + 3 * hour);
    }

    // Dry runs: the lambda drives a fork; nothing reaches the directory; a refusal rethrows.
    {
        Directory sd = Directory::in_memory();
        auto person = [](const char *first, const char *email) {
            NewUser u;
            u.first_name = first;
            u.last_name = "Lee";
            u.email = email;
            return u;
        };
        auto sc = sd.create_tenant("Sim", person("Ada", "root@sim.test"), {ROLECALL_PRESET_MANAGERS});
        rolecall_user_id sroot = sc->superadmin;
        rolecall_user_id sam = sd.create_user(sroot, person("Sam", "sam@sim.test"));
        rolecall_role_id opid = sd.role_by_name(sc->tenant, "Operator")->id;
        const uint64_t before = sd.revision();
        std::string json = sd.simulate([&](Directory &fork) {
            fork.assign_role(sroot, sam, opid);
            CHECK(fork.check(sam, ROLECALL_PERM_CAMPAIGNS_CONTROL));
        });
        CHECK(json.find("\"email\":\"sam@sim.test\"") != std::string::npos);
        CHECK(json.find("\"permission\":\"campaigns.control\"") != std::string::npos);
        CHECK(sd.revision() == before);
        CHECK(!sd.check(sam, ROLECALL_PERM_CAMPAIGNS_CONTROL));
        bool rethrown = false;
        try {
            sd.simulate([&](Directory &fork) {
                fork.create_user(sam, person("Eve", "eve@sim.test"));
            });
        } catch (const Error &e) {
            rethrown = e.code() == ROLECALL_STATUS_PERMISSION_DENIED;
        }
        CHECK(rethrown);
        CHECK(sd.revision() == before);
    }

    std::printf("cpp-wrapper: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
