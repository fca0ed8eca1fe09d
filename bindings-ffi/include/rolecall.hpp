// rolecall.hpp: a small C++17 RAII layer over the C ABI of rolecall (rolecall.h).
//
// - rolecall::Directory owns a directory handle (move-only) and frees it; it is thread-safe
//   like the handle (share it by reference between threads).
// - Records come back as rolecall::Owned<T>: a std::unique_ptr that calls the matching
//   rolecall_*_free.
// - A failed call throws rolecall::Error (code, kind, message); checks never throw.
// - Everything not wrapped here is one call away: Directory::raw() gives the C handle.
//
// Header-only; link with librolecall as for C. Nothing here holds a rule: it calls the C API.
#ifndef ROLECALL_HPP
#define ROLECALL_HPP

#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "rolecall.h"

/// The union of two permission sets (global, next to the C type, so that it is always found).
inline rolecall_permission operator|(rolecall_permission a, rolecall_permission b) noexcept {
    return rolecall_permission_union(a, b);
}

namespace rolecall {

/// A refused or failed call: the status code, its stable kind and the library's message.
class Error : public std::runtime_error {
public:
    Error(rolecall_status code, std::string kind, const std::string &message)
        : std::runtime_error(message), code_(code), kind_(std::move(kind)) {}
    rolecall_status code() const noexcept { return code_; }
    const std::string &kind() const noexcept { return kind_; }

private:
    rolecall_status code_;
    std::string kind_;
};

/// Throws rolecall::Error unless `status` is ROLECALL_STATUS_OK.
inline void check_status(rolecall_status status) {
    if (status != ROLECALL_STATUS_OK)
        throw Error(status, rolecall_status_kind(status), rolecall_last_error_message());
}

namespace detail {
template <class T> struct Free;
#define ROLECALL_HPP_FREE(T, F)                                                                    \
    template <> struct Free<T> {                                                                   \
        void operator()(T *p) const noexcept { F(p); }                                             \
    };
ROLECALL_HPP_FREE(rolecall_tenant_created, rolecall_tenant_created_free)
ROLECALL_HPP_FREE(rolecall_tenant, rolecall_tenant_free)
ROLECALL_HPP_FREE(rolecall_user, rolecall_user_free)
ROLECALL_HPP_FREE(rolecall_user_list, rolecall_user_list_free)
ROLECALL_HPP_FREE(rolecall_role, rolecall_role_free)
ROLECALL_HPP_FREE(rolecall_group, rolecall_group_free)
ROLECALL_HPP_FREE(rolecall_scope, rolecall_scope_free)
ROLECALL_HPP_FREE(rolecall_agreement, rolecall_agreement_free)
ROLECALL_HPP_FREE(rolecall_explanation, rolecall_explanation_free)
ROLECALL_HPP_FREE(rolecall_scope_access, rolecall_scope_access_free)
ROLECALL_HPP_FREE(rolecall_id_list, rolecall_id_list_free)
ROLECALL_HPP_FREE(rolecall_notification_list, rolecall_notification_list_free)
ROLECALL_HPP_FREE(rolecall_audit_event_list, rolecall_audit_event_list_free)
ROLECALL_HPP_FREE(rolecall_reset_issued, rolecall_reset_issued_free)
ROLECALL_HPP_FREE(rolecall_snapshot, rolecall_snapshot_free)
ROLECALL_HPP_FREE(rolecall_directory, rolecall_directory_free)
ROLECALL_HPP_FREE(rolecall_manual_clock, rolecall_manual_clock_free)
#undef ROLECALL_HPP_FREE
}  // namespace detail

/// A record or list returned by the library, freed with its rolecall_*_free.
template <class T> using Owned = std::unique_ptr<T, detail::Free<T>>;

/// A permission by its dotted name ("campaigns.view"); throws for an unknown name.
inline rolecall_permission permission(const std::string &name) {
    rolecall_permission p;
    check_status(rolecall_permission_from_name(name.c_str(), &p));
    return p;
}

/// The dotted names of a set joined by '|'.
inline std::string to_string(rolecall_permission p) {
    size_t needed = 0;
    rolecall_permission_to_string(p, nullptr, 0, &needed);
    std::string s(needed, '\0');
    check_status(rolecall_permission_to_string(p, &s[0], s.size(), nullptr));
    s.resize(needed - 1);
    return s;
}

/// An audit event as one line: ROLECALL_AUDIT_FORMAT_JSONL (schema rolecall.audit/1) or
/// ROLECALL_AUDIT_FORMAT_CEF.
inline std::string format(const rolecall_audit_event &event, rolecall_audit_format format) {
    char *line = nullptr;
    check_status(rolecall_audit_event_format(&event, format, &line));
    std::string s(line);
    rolecall_string_free(line);
    return s;
}

/// A user to create; strings are copied into the object.
struct NewUser {
    std::string first_name, last_name, email, phone, password;
    /// The user's id in the system it is provisioned from (empty: none).
    std::string external_id;
    std::vector<rolecall_role_id> roles;
    /// Teams the user is a member of (scopes of kind ROLECALL_SCOPE_KIND_TEAM).
    std::vector<rolecall_scope_id> teams;
    /// Roles granted for a scope and everything below it.
    std::vector<rolecall_scope_grant> grants;
    bool inactive = false;
    /// The initial password is temporary (to be changed at first login): the default, as
    /// for every password set by someone else.
    bool temporary = true;

    rolecall_new_user c() const noexcept {
        rolecall_new_user u{};
        u.first_name = first_name.c_str();
        u.last_name = last_name.c_str();
        u.email = email.c_str();
        u.phone = phone.empty() ? nullptr : phone.c_str();
        u.roles = roles.data();
        u.roles_len = roles.size();
        u.inactive = inactive;
        u.password = password.empty() ? nullptr : password.c_str();
        u.permanent_password = !temporary;
        u.teams = teams.data();
        u.teams_len = teams.size();
        u.grants = grants.data();
        u.grants_len = grants.size();
        u.external_id = external_id.empty() ? nullptr : external_id.c_str();
        return u;
    }
};

/// An immutable view at one revision (thread-safe, outlives the directory).
class Snapshot {
public:
    explicit Snapshot(rolecall_snapshot *s) noexcept : s_(s) {}
    bool check(rolecall_user_id user, rolecall_permission p) const noexcept {
        return rolecall_snapshot_check(s_.get(), user, p);
    }
    bool check_scoped(rolecall_user_id user, rolecall_permission p, rolecall_scope_id scope) const noexcept {
        return rolecall_snapshot_check_scoped(s_.get(), user, p, scope);
    }
    /// May `actor` do `p` on user `target` (unscoped, or for a team the target is in)?
    bool check_user(rolecall_user_id actor, rolecall_permission p, rolecall_user_id target) const noexcept {
        return rolecall_snapshot_check_user(s_.get(), actor, p, target);
    }
    uint64_t revision() const {
        uint64_t r = 0;
        check_status(rolecall_snapshot_revision(s_.get(), &r));
        return r;
    }
    /// Heap bytes the snapshot holds.
    uint64_t memory_bytes() const {
        uint64_t r = 0;
        check_status(rolecall_snapshot_memory_bytes(s_.get(), &r));
        return r;
    }
    /// The next instant a time-bound grant starts or ends (std::nullopt: never).
    std::optional<int64_t> valid_until() const {
        bool has = false;
        int64_t t = 0;
        check_status(rolecall_snapshot_valid_until(s_.get(), &has, &t));
        return has ? std::optional<int64_t>(t) : std::nullopt;
    }
    /// The instant the snapshot answers for.
    int64_t computed_at() const {
        int64_t t = 0;
        check_status(rolecall_snapshot_computed_at(s_.get(), &t));
        return t;
    }

private:
    Owned<rolecall_snapshot> s_;
};

/// The authorization directory. Move-only; frees its handle.
/// A clock that moves only when told to (tests, simulations); directories opened on it follow
/// it at once. Move-only; may be destroyed before the directories opened on it.
class ManualClock {
public:
    explicit ManualClock(int64_t now_ms) {
        rolecall_manual_clock *c = nullptr;
        check_status(rolecall_manual_clock_new(now_ms, &c));
        c_.reset(c);
    }
    rolecall_manual_clock *raw() const noexcept { return c_.get(); }
    int64_t now() const {
        int64_t t = 0;
        check_status(rolecall_manual_clock_now(raw(), &t));
        return t;
    }
    void set(int64_t now_ms) { check_status(rolecall_manual_clock_set(raw(), now_ms)); }
    void advance(int64_t ms) { check_status(rolecall_manual_clock_advance(raw(), ms)); }

private:
    Owned<rolecall_manual_clock> c_;
};

/// A window from `from` until `until` (ms since the Unix epoch; std::nullopt: open).
inline rolecall_window window(std::optional<int64_t> from, std::optional<int64_t> until) noexcept {
    rolecall_window w{};
    w.has_from = from.has_value();
    w.from_ms = from.value_or(0);
    w.has_until = until.has_value();
    w.until_ms = until.value_or(0);
    return w;
}

class Directory {
public:
    /// An empty directory in memory, on a manual clock.
    static Directory in_memory(const ManualClock &clock) {
        rolecall_directory *d = nullptr;
        check_status(rolecall_directory_open_in_memory_with_clock(clock.raw(), &d));
        return Directory(d);
    }
    /// The SQLite directory at `path`, on a manual clock.
    static Directory open_sqlite(const std::string &path, const ManualClock &clock) {
        rolecall_directory *d = nullptr;
        check_status(rolecall_directory_open_sqlite_with_clock(path.c_str(), clock.raw(), &d));
        return Directory(d);
    }
    /// An empty directory in memory.
    static Directory in_memory() {
        rolecall_directory *d = nullptr;
        check_status(rolecall_directory_open_in_memory(&d));
        return Directory(d);
    }
    /// The directory stored in a SQLite file (created if needed).
    static Directory open_sqlite(const std::string &path) {
        rolecall_directory *d = nullptr;
        check_status(rolecall_directory_open_sqlite(path.c_str(), &d));
        return Directory(d);
    }

    /// The C handle, for every function not wrapped here.
    rolecall_directory *raw() const noexcept { return d_.get(); }

    uint64_t revision() const {
        uint64_t r = 0;
        check_status(rolecall_directory_revision(raw(), &r));
        return r;
    }
    void set_hash_params(uint32_t m_kib, uint32_t t, uint32_t p) {
        check_status(rolecall_directory_set_hash_params(raw(), m_kib, t, p));
    }
    Snapshot snapshot() const {
        rolecall_snapshot *s = nullptr;
        check_status(rolecall_directory_snapshot(raw(), &s));
        return Snapshot(s);
    }

    Owned<rolecall_tenant_created> create_tenant(const std::string &name, const NewUser &superadmin,
                                                 const std::vector<rolecall_preset> &presets) {
        rolecall_tenant_created *t = nullptr;
        rolecall_new_user u = superadmin.c();
        check_status(rolecall_tenant_create(raw(), name.c_str(), &u, presets.data(), presets.size(), &t));
        return Owned<rolecall_tenant_created>(t);
    }
    rolecall_user_id create_user(rolecall_user_id actor, const NewUser &user) {
        rolecall_user_id id = 0;
        rolecall_new_user u = user.c();
        check_status(rolecall_user_create(raw(), actor, &u, &id));
        return id;
    }
    Owned<rolecall_user> user(rolecall_user_id id) const {
        rolecall_user *u = nullptr;
        check_status(rolecall_user_get(raw(), id, &u));
        return Owned<rolecall_user>(u);
    }
    /// The user of `tenant` with this external id (compared exactly).
    Owned<rolecall_user> user_by_external_id(rolecall_tenant_id tenant, const std::string &external_id) const {
        rolecall_user *u = nullptr;
        check_status(rolecall_user_by_external_id(raw(), tenant, external_id.c_str(), &u));
        return Owned<rolecall_user>(u);
    }
    void set_active(rolecall_user_id actor, rolecall_user_id user, bool active) {
        check_status(rolecall_user_set_active(raw(), actor, user, active));
    }
    void assign_role(rolecall_user_id actor, rolecall_user_id user, rolecall_role_id role) {
        check_status(rolecall_user_assign_role(raw(), actor, user, role));
    }
    void revoke_role(rolecall_user_id actor, rolecall_user_id user, rolecall_role_id role) {
        check_status(rolecall_user_revoke_role(raw(), actor, user, role));
    }
    Owned<rolecall_role> role_by_name(rolecall_tenant_id tenant, const std::string &name) const {
        rolecall_role *r = nullptr;
        check_status(rolecall_role_by_name(raw(), tenant, name.c_str(), &r));
        return Owned<rolecall_role>(r);
    }
    rolecall_group_id create_group(rolecall_user_id actor, const std::string &name,
                                   const std::vector<rolecall_role_id> &roles) {
        rolecall_group_id id = 0;
        check_status(rolecall_group_create(raw(), actor, name.c_str(), roles.data(), roles.size(), &id));
        return id;
    }
    void add_member(rolecall_user_id actor, rolecall_group_id group, rolecall_user_id user) {
        check_status(rolecall_group_add_member(raw(), actor, group, user));
    }
    rolecall_scope_id create_scope(rolecall_user_id actor, rolecall_scope_kind kind, const std::string &name) {
        rolecall_scope_id id = 0;
        check_status(rolecall_scope_create(raw(), actor, kind, name.c_str(), &id));
        return id;
    }
    void assign_scope(rolecall_user_id actor, rolecall_user_id user, rolecall_scope_id scope) {
        check_status(rolecall_scope_assign(raw(), actor, user, scope));
    }
    /// A scope of kind `kind` (a built-in kind's name or a custom one's) below `parent`, or a
    /// root when `parent` is 0.
    rolecall_scope_id create_scope_under(rolecall_user_id actor, rolecall_scope_id parent,
                                         const std::string &kind, const std::string &name) {
        rolecall_scope_id id = 0;
        check_status(rolecall_scope_create_of_kind(raw(), actor, parent, kind.c_str(), name.c_str(), &id));
        return id;
    }
    /// Moves `scope` under `parent` (0: makes it a root).
    void move_scope(rolecall_user_id actor, rolecall_scope_id scope, rolecall_scope_id parent) {
        check_status(rolecall_scope_move(raw(), actor, scope, parent));
    }
    void grant_role_in_scope(rolecall_user_id actor, rolecall_user_id user, rolecall_role_id role,
                             rolecall_scope_id scope) {
        check_status(rolecall_user_grant_role_in_scope(raw(), actor, user, role, scope));
    }
    void set_user_teams(rolecall_user_id actor, rolecall_user_id user,
                        const std::vector<rolecall_scope_id> &teams) {
        check_status(rolecall_user_set_teams(raw(), actor, user, teams.data(), teams.size()));
    }

    /// May `user` do `p`? Lock-free, allocation-free, never throws.
    bool check(rolecall_user_id user, rolecall_permission p) const noexcept {
        return rolecall_check(raw(), user, p);
    }
    bool check_scoped(rolecall_user_id user, rolecall_permission p, rolecall_scope_id scope) const noexcept {
        return rolecall_check_scoped(raw(), user, p, scope);
    }
    /// May `actor` do `p` on user `target` ("my team only")? Lock-free, never throws.
    bool check_user(rolecall_user_id actor, rolecall_permission p, rolecall_user_id target) const noexcept {
        return rolecall_check_user(raw(), actor, p, target);
    }
    /// One answer per (users[i], perms[i]); the vectors must have the same length.
    std::vector<bool> check_many(const std::vector<rolecall_user_id> &users,
                                 const std::vector<rolecall_permission> &perms) const {
        std::unique_ptr<bool[]> out(new bool[users.size() ? users.size() : 1]);
        check_status(rolecall_check_many(raw(), users.data(), users.size(), perms.data(), perms.size(),
                                         out.get(), users.size()));
        return std::vector<bool>(out.get(), out.get() + users.size());
    }
    Owned<rolecall_explanation> explain(rolecall_user_id user, rolecall_permission p) const {
        rolecall_explanation *e = nullptr;
        check_status(rolecall_explain(raw(), user, p, &e));
        return Owned<rolecall_explanation>(e);
    }
    Owned<rolecall_scope_access> allowed_scopes(rolecall_user_id user, rolecall_permission p) const {
        rolecall_scope_access *a = nullptr;
        check_status(rolecall_allowed_scopes(raw(), user, p, &a));
        return Owned<rolecall_scope_access>(a);
    }
    rolecall_permission effective_permissions(rolecall_user_id user) const {
        rolecall_permission p;
        check_status(rolecall_effective_permissions(raw(), user, &p));
        return p;
    }
    rolecall_session login(rolecall_tenant_id tenant, const std::string &email, const std::string &password) {
        rolecall_session s;
        check_status(rolecall_login(raw(), tenant, email.c_str(), password.c_str(), &s));
        return s;
    }
    void set_password(rolecall_user_id actor, rolecall_user_id user, const std::string &password,
                      bool temporary) {
        check_status(rolecall_password_set(raw(), actor, user, password.c_str(), temporary));
    }
    bool session_valid(rolecall_user_id user, uint64_t stamp) const noexcept {
        return rolecall_session_valid(raw(), user, stamp);
    }

    // Time-bound grants, eligibility and activation, break-glass (scope 0: none).
    void grant_for(rolecall_user_id actor, rolecall_user_id user, const rolecall_timed_grant &grant,
                   rolecall_window w) {
        check_status(rolecall_grant_for(raw(), actor, user, &grant, w));
    }
    void tick() { check_status(rolecall_tick(raw())); }
    void make_eligible(rolecall_user_id actor, rolecall_user_id user, rolecall_role_id role,
                       rolecall_scope_id scope, int64_t max_ms) {
        check_status(rolecall_make_eligible(raw(), actor, user, role, scope, max_ms));
    }
    void revoke_eligibility(rolecall_user_id actor, rolecall_user_id user, rolecall_role_id role,
                            rolecall_scope_id scope) {
        check_status(rolecall_revoke_eligibility(raw(), actor, user, role, scope));
    }
    rolecall_window activate(rolecall_user_id user, rolecall_role_id role, rolecall_scope_id scope,
                             int64_t duration_ms, const std::string &justification) {
        rolecall_window w{};
        check_status(rolecall_activate(raw(), user, role, scope, duration_ms, justification.c_str(), &w));
        return w;
    }
    void end_activation(rolecall_user_id actor, rolecall_user_id user, rolecall_role_id role,
                        rolecall_scope_id scope) {
        check_status(rolecall_end_activation(raw(), actor, user, role, scope));
    }
    void set_break_glass(rolecall_user_id actor, rolecall_user_id user, bool on) {
        check_status(rolecall_set_break_glass(raw(), actor, user, on));
    }
    /// One page of the audit log from a cursor: up to `limit` events with a seq above
    /// `after_seq`, oldest first (empty: caught up).
    Owned<rolecall_audit_event_list> audit_after(uint64_t after_seq, size_t limit) const {
        rolecall_audit_event_list *l = nullptr;
        check_status(rolecall_audit_after(raw(), after_seq, limit, &l));
        return Owned<rolecall_audit_event_list>(l);
    }

    /// Plans changes without committing them (rolecall_simulate): calls `f(fork)` with a
    /// `Directory&` on a throwaway fork, valid during the call only, and returns the impact of
    /// what `f` did there as JSON (the shape rolecall_simulate documents). Nothing reaches this
    /// directory. An exception `f` throws (a refused change's rolecall::Error) is rethrown.
    template <class F> std::string simulate(F &&f) const {
        struct Ctx {
            F *f;
            std::exception_ptr error;
        } ctx{&f, nullptr};
        char *json = nullptr;
        rolecall_status st = rolecall_simulate(
            raw(),
            [](rolecall_directory *fork, void *p) -> rolecall_status {
                auto *c = static_cast<Ctx *>(p);
                // A view of the fork that does not free it: the library owns it.
                Directory view(fork);
                rolecall_status code = ROLECALL_STATUS_OK;
                try {
                    (*c->f)(view);
                } catch (const Error &e) {
                    c->error = std::current_exception();
                    code = e.code();
                } catch (...) {
                    c->error = std::current_exception();
                    code = ROLECALL_STATUS_PANIC;
                }
                (void)view.d_.release();
                return code;
            },
            &ctx, &json);
        if (ctx.error) std::rethrow_exception(ctx.error);
        check_status(st);
        std::string out(json ? json : "");
        rolecall_string_free(json);
        return out;
    }

private:
    explicit Directory(rolecall_directory *d) noexcept : d_(d) {}
    Owned<rolecall_directory> d_;
};

}  // namespace rolecall

#endif  // ROLECALL_HPP
