/* SCIM 2.0 provisioning through the C ABI: rolecall_scim_handle() answers a create (201 with
 * its Location), an Entra-style filter, a PATCH, and refusals as SCIM error bodies with their
 * HTTP status (the call itself succeeds); bad arguments are refused with a status.
 * Built with -std=c11 -Wall -Wextra -Werror, linked shared and static, run under valgrind. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static rolecall_directory *dir;
static rolecall_user_id root;

#define BASE "https://acme.test/scim/v2"

/* One request; returns the HTTP status and, when `body_out` is given, the body (else frees
 * it). */
static uint16_t scim(const char *method, const char *path, const char *body, char **body_out,
                     char **location) {
    uint16_t status = 0;
    char *out = NULL;
    OK(rolecall_scim_handle(dir, root, method, path, body, BASE, &status, &out, location));
    CHECK(out != NULL);
    if (body_out) {
        *body_out = out;
    } else {
        rolecall_string_free(out);
    }
    return status;
}

static int contains(const char *haystack, const char *needle) {
    return haystack && strstr(haystack, needle) != NULL;
}

static void scenario(void) {
    char *body = NULL;
    char *location = NULL;

    /* Create: 201, the Location header and the resource. */
    CHECK(scim("POST", "/Users",
               "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],"
               "\"userName\":\"bjensen@acme.test\","
               "\"name\":{\"givenName\":\"Barbara\",\"familyName\":\"Jensen\"}}",
               &body, &location) == 201);
    CHECK(contains(body, "\"userName\":\"bjensen@acme.test\""));
    rolecall_string_free(body);
    CHECK(contains(location, BASE "/Users/"));
    rolecall_user_id id = location ? strtoull(location + strlen(BASE "/Users/"), NULL, 10) : 0;
    rolecall_string_free(location);
    location = NULL;
    CHECK(id != 0 && id != root);

    /* Entra ID's lookup by userName (case-insensitive), percent-encoded. */
    CHECK(scim("GET", "/Users?filter=userName+eq+%22BJENSEN%40acme.test%22", NULL, &body,
               NULL) == 200);
    CHECK(contains(body, "\"totalResults\":1"));
    rolecall_string_free(body);

    /* PATCH with Entra's "Replace" and "False": the user is deactivated. */
    char path[64];
    snprintf(path, sizeof path, "/Users/%llu", (unsigned long long)id);
    CHECK(scim("PATCH", path,
               "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],"
               "\"Operations\":[{\"op\":\"Replace\",\"path\":\"active\",\"value\":\"False\"}]}",
               &body, &location) == 200);
    CHECK(contains(body, "\"active\":false"));
    CHECK(location != NULL);
    rolecall_string_free(body);
    rolecall_string_free(location);
    location = NULL;
    rolecall_user *u = NULL;
    OK(rolecall_user_get(dir, id, &u));
    CHECK(u && !u->active);
    rolecall_user_free(u);

    /* Refusals are SCIM error bodies; the call succeeds. */
    CHECK(scim("POST", "/Users", "{\"userName\":\"BJensen@acme.test\"}", &body, &location) == 409);
    CHECK(contains(body, "\"scimType\":\"uniqueness\""));
    CHECK(contains(body, "urn:ietf:params:scim:api:messages:2.0:Error"));
    CHECK(location == NULL);
    rolecall_string_free(body);
    CHECK(scim("POST", "/Users", "{not json", &body, NULL) == 400);
    CHECK(contains(body, "\"scimType\":\"invalidSyntax\""));
    rolecall_string_free(body);
    CHECK(scim("GET", "/Users/999999", NULL, NULL, NULL) == 404);
    /* DELETE: 204 with an empty body. */
    CHECK(scim("DELETE", path, NULL, &body, NULL) == 204);
    CHECK(body && body[0] == '\0');
    rolecall_string_free(body);

    /* Bad arguments: a status, nothing written. */
    uint16_t status = 0;
    char *out = NULL;
    CHECK_STATUS(rolecall_scim_handle(dir, root, NULL, "/Users", NULL, NULL, &status, &out, NULL),
                 ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_scim_handle(dir, root, "GET", "/Users", NULL, NULL, NULL, &out, NULL),
                 ROLECALL_STATUS_NULL_POINTER);
    CHECK_STATUS(rolecall_scim_handle(dir, root, "GET", "/Users\xff", NULL, NULL, &status, &out,
                                      NULL),
                 ROLECALL_STATUS_INVALID_UTF8);
    CHECK(out == NULL && status == 0);
}

int main(void) {
    OK(rolecall_directory_open_in_memory(&dir));
    rolecall_new_user sa = {0};
    sa.first_name = "Ada";
    sa.last_name = "Root";
    sa.email = "ada@acme.test";
    rolecall_preset preset = ROLECALL_PRESET_MANAGERS;
    rolecall_tenant_created *t = NULL;
    OK(rolecall_tenant_create(dir, "Acme", &sa, &preset, 1, &t));
    root = t ? t->superadmin : 0;
    rolecall_tenant_created_free(t);
    scenario();
    rolecall_directory_free(dir);
    return tu_report("scim");
}
