/*
 * test_mock_authz.c - aksnet-mock's Microsoft.Authorization: role
 * assignments at every kind of scope (with the principal replication
 * delay, RoleAssignmentExists, the update rules, list filters, removal with
 * their resource group) and role definitions (built-in by id and by name,
 * custom), and mock_authz_has_role, which the cluster checks use.
 *
 * The mock is started with a 30 s principal delay.  Virtual networks are
 * put into the store directly (under the mock's lock), so that these tests
 * do not depend on the network handlers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arm_authz.h"
#include "mock.h"
#include "json_support.h"
#include "mock_support.h"

#define API "?api-version=2022-04-01"
#define SUB "/subscriptions/" MT_SUB
#define RG SUB "/resourceGroups/rg1"
#define VNET RG "/providers/Microsoft.Network/virtualNetworks/vnet1"
#define SUBNET VNET "/subnets/snet1"
#define RA "/providers/Microsoft.Authorization/roleAssignments"
#define RD "/providers/Microsoft.Authorization/roleDefinitions"

#define NETWORK_CONTRIBUTOR "4d97b98b-1d4f-4787-a291-c67834d212e7"
#define CONTRIBUTOR "b24988ac-6180-42a0-ab88-20f7382dd24c"
#define OWNER "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
#define READER "acdd72a7-3385-48ef-bd42-f606fba81ae7"
#define IDENTITY_OPERATOR "f1a07417-d97a-45cb-824c-7a7467783830"

#define NAME1 "0f1e2d3c-0000-4000-8000-000000000001"
#define NAME2 "0f1e2d3c-0000-4000-8000-000000000002"
#define NAME3 "0f1e2d3c-0000-4000-8000-000000000003"
#define NAME4 "0f1e2d3c-0000-4000-8000-000000000004"
#define OTHER_PRINCIPAL "9a8b7c6d-1111-4222-8333-444455556666"
#define THIRD_PRINCIPAL "9a8b7c6d-1111-4222-8333-777788889999"

/* ---- helpers ------------------------------------------------------------------- */

static const char *error_message(const struct mt_response *r)
{
    return mt_json_str(r->json, "error.message");
}

/* "{scope}/providers/Microsoft.Authorization/roleAssignments/{name}?api-version=..." */
static const char *ra_path(char *buf, size_t len, const char *scope, const char *name)
{
    snprintf(buf, len, "%s" RA "/%s" API, scope, name);
    return buf;
}

/* A PUT body: role by GUID (under the subscription), principal, and principalType when not NULL. */
static const char *ra_json(char *buf, size_t len, const char *role, const char *principal, const char *type)
{
    char type_member[64] = "";
    if (type)
        snprintf(type_member, sizeof(type_member), ",\"principalType\":\"%s\"", type);
    snprintf(buf, len,
             "{\"properties\":{\"roleDefinitionId\":\"" SUB RD "/%s\",\"principalId\":\"%s\"%s}}", role, principal,
             type_member);
    return buf;
}

/* PUT an assignment and check the status (and error code). */
static void assign(struct mt_mock *t, const char *scope, const char *name, const char *role, const char *principal,
                   const char *type, long status, const char *code)
{
    char path[1024], body[512];
    mt_check(t, "PUT", ra_path(path, sizeof(path), scope, name), ra_json(body, sizeof(body), role, principal, type),
             status, code);
}

/* Put a VNet with subnets into the store, as arm_network.c would keep it. */
static void seed_vnet(struct mt_mock *t, const char *id, const char *name, const char *subnets_json)
{
    char text[1024];
    snprintf(text, sizeof(text),
             "{\"id\":\"%s\",\"name\":\"%s\",\"type\":\"Microsoft.Network/virtualNetworks\",\"location\":"
             "\"chinaeast2\",\"tags\":{},\"properties\":{\"provisioningState\":\"Succeeded\",\"addressSpace\":"
             "{\"addressPrefixes\":[\"192.168.0.0/16\"]},\"subnets\":%s}}",
             id, name, subnets_json);
    cJSON *body = cJSON_Parse(text);
    assert_non_null(body);
    pthread_mutex_lock(&t->mock->lock);
    struct mock_resource *r = mock_store_put(&t->mock->store, id, &mock_type_vnet, body, t->now);
    pthread_mutex_unlock(&t->mock->lock);
    assert_non_null(r);
}

static bool has_role(struct mt_mock *t, const char *principal, const char *scope, const char *role)
{
    pthread_mutex_lock(&t->mock->lock);
    bool yes = mock_authz_has_role(t->mock, principal, scope, role);
    pthread_mutex_unlock(&t->mock->lock);
    return yes;
}

/* A new user-assigned identity in rg1; its principalId into out. */
static void make_identity(struct mt_mock *t, const char *name, char out[64])
{
    char path[512];
    struct mt_response r;
    snprintf(path, sizeof(path), RG "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/%s"
             "?api-version=2023-01-31", name);
    mt_expect(t, "PUT", path, "{\"location\":\"chinaeast2\"}", 201, NULL, &r);
    assert_non_null(mt_prop(&r, "principalId"));
    snprintf(out, 64, "%s", mt_prop(&r, "principalId"));
    mt_response_free(&r);
}

/* A mock with a 30 s principal delay, rg1, and vnet1 with snet1 in it. */
static void start(struct mt_mock *t)
{
    struct armmock_options o = {.principal_delay = 30};
    assert_true(mt_start(t, &o, false));
    assert_non_null(t->token);
    mt_check(t, "PUT", SUB "/resourcegroups/rg1?api-version=2021-04-01", "{\"location\":\"chinaeast2\"}", 201, NULL);
    seed_vnet(t, VNET, "vnet1",
              "[{\"name\":\"snet1\",\"properties\":{\"addressPrefix\":\"192.168.1.0/24\"}},"
              "{\"name\":\"snet2\",\"properties\":{\"addressPrefix\":\"192.168.2.0/24\"}}]");
}

/* A GUID written as authorization's messages write it (no dashes, lower case). */
static void compact(const char *guid, char out[33])
{
    size_t w = 0;
    for (const char *p = guid; *p && w < 32; p++)
        if (*p != '-')
            out[w++] = *p >= 'A' && *p <= 'F' ? (char)(*p - 'A' + 'a') : *p;
    out[w] = '\0';
}

/* ---- the principal's replication delay --------------------------------------------- */

static void test_principal_not_found_until_replicated(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    char principal[64], path[1024], body[512], hex[33];
    make_identity(&t, "aks-identity", principal);
    compact(principal, hex);
    struct mt_response r;

    /* without principalType the directory is asked, and the principal is not there yet */
    mt_expect(&t, "PUT", ra_path(path, sizeof(path), VNET, NAME1),
              ra_json(body, sizeof(body), NETWORK_CONTRIBUTOR, principal, NULL), 400, "PrincipalNotFound", &r);
    assert_non_null(strstr(error_message(&r), hex));
    assert_non_null(strstr(error_message(&r), "does not exist in the directory " MT_TENANT));
    assert_non_null(strstr(error_message(&r), "replication delay"));
    assert_non_null(strstr(error_message(&r), "https://aka.ms/docs-principaltype"));
    mt_response_free(&r);
    /* another principalType than ServicePrincipal does not spare the lookup */
    assign(&t, VNET, NAME1, NETWORK_CONTRIBUTOR, principal, "User", 400, "PrincipalNotFound");
    mt_check(&t, "GET", ra_path(path, sizeof(path), VNET, NAME1), NULL, 404, "RoleAssignmentNotFound");

    /* principalType ServicePrincipal skips the lookup */
    mt_expect(&t, "PUT", ra_path(path, sizeof(path), VNET, NAME1),
              ra_json(body, sizeof(body), NETWORK_CONTRIBUTOR, principal, "ServicePrincipal"), 201, NULL, &r);
    assert_string_equal(mt_json_str(r.json, "id"), VNET RA "/" NAME1);
    assert_string_equal(mt_json_str(r.json, "name"), NAME1);
    assert_string_equal(mt_json_str(r.json, "type"), "Microsoft.Authorization/roleAssignments");
    assert_string_equal(mt_prop(&r, "roleDefinitionId"), SUB RD "/" NETWORK_CONTRIBUTOR);
    assert_string_equal(mt_prop(&r, "principalId"), principal);
    assert_string_equal(mt_prop(&r, "principalType"), "ServicePrincipal");
    assert_string_equal(mt_prop(&r, "scope"), VNET);
    assert_non_null(mt_prop(&r, "createdOn"));
    assert_non_null(mt_prop(&r, "updatedOn"));
    const cJSON *props = cJSON_GetObjectItem(r.json, "properties");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(props, "condition")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(props, "conditionVersion")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(props, "description")));
    assert_non_null(cJSON_GetObjectItem(props, "createdBy"));
    assert_non_null(cJSON_GetObjectItem(props, "updatedBy"));
    mt_response_free(&r);

    /* still inside the delay: a second assignment without principalType fails */
    mt_advance(&t, 29);
    assign(&t, RG, NAME2, READER, principal, NULL, 400, "PrincipalNotFound");
    /* once replicated it succeeds, and ARM fills in the principal's type */
    mt_advance(&t, 2);
    mt_expect(&t, "PUT", ra_path(path, sizeof(path), RG, NAME2), ra_json(body, sizeof(body), READER, principal, NULL),
              201, NULL, &r);
    assert_string_equal(mt_prop(&r, "principalType"), "ServicePrincipal");
    mt_response_free(&r);
    /* a replicated service principal is not a User */
    assign(&t, RG, NAME3, CONTRIBUTOR, principal, "User", 400, "UnmatchedPrincipalType");
    /* principals the mock did not create are taken as existing */
    mt_expect(&t, "PUT", ra_path(path, sizeof(path), RG, NAME4),
              ra_json(body, sizeof(body), READER, OTHER_PRINCIPAL, NULL), 201, NULL, &r);
    assert_string_equal(mt_prop(&r, "principalType"), "User");
    mt_response_free(&r);
    mt_stop(&t);
}

static void test_zero_delay_needs_no_principal_type(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    mt_check(&t, "PUT", SUB "/resourcegroups/rg1?api-version=2021-04-01", "{\"location\":\"chinaeast2\"}", 201, NULL);
    char principal[64];
    make_identity(&t, "id0", principal);
    assign(&t, RG, NAME1, NETWORK_CONTRIBUTOR, principal, NULL, 201, NULL);
    mt_stop(&t);
}

/* ---- uniqueness and updates ---------------------------------------------------------- */

static void test_assignment_exists_and_updates(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    char path[1024], body[512], hex[33];
    struct mt_response r;
    assign(&t, VNET, NAME1, NETWORK_CONTRIBUTOR, OTHER_PRINCIPAL, "ServicePrincipal", 201, NULL);
    mt_expect(&t, "GET", ra_path(path, sizeof(path), VNET, NAME1), NULL, 200, NULL, &r);
    char created[64];
    snprintf(created, sizeof(created), "%s", mt_prop(&r, "createdOn"));
    mt_response_free(&r);

    /* the same assignment again under its name: 201 again, creation time kept */
    mt_advance(&t, 5);
    mt_expect(&t, "PUT", ra_path(path, sizeof(path), VNET, NAME1),
              ra_json(body, sizeof(body), NETWORK_CONTRIBUTOR, OTHER_PRINCIPAL, "ServicePrincipal"), 201, NULL, &r);
    assert_string_equal(mt_prop(&r, "createdOn"), created);
    assert_string_not_equal(mt_prop(&r, "updatedOn"), created);
    mt_response_free(&r);
    /* its description may change */
    mt_expect(&t, "PUT", ra_path(path, sizeof(path), VNET, NAME1),
              "{\"properties\":{\"roleDefinitionId\":\"" SUB RD "/" NETWORK_CONTRIBUTOR
              "\",\"principalId\":\"" OTHER_PRINCIPAL
              "\",\"principalType\":\"ServicePrincipal\",\"description\":\"for AKS\"}}",
              201, NULL, &r);
    assert_string_equal(mt_prop(&r, "description"), "for AKS");
    mt_response_free(&r);

    /* the same scope+principal+role under another name */
    mt_expect(&t, "PUT", ra_path(path, sizeof(path), VNET, NAME2),
              ra_json(body, sizeof(body), NETWORK_CONTRIBUTOR, OTHER_PRINCIPAL, "ServicePrincipal"), 409,
              "RoleAssignmentExists", &r);
    compact(NAME1, hex);
    assert_non_null(strstr(error_message(&r), "The role assignment already exists."));
    assert_non_null(strstr(error_message(&r), hex));
    mt_response_free(&r);
    /* the role definition spelled in the tenant's form is the same role */
    mt_check(&t, "PUT", ra_path(path, sizeof(path), VNET, NAME2),
             "{\"properties\":{\"roleDefinitionId\":\"" RD "/" NETWORK_CONTRIBUTOR
             "\",\"principalId\":\"" OTHER_PRINCIPAL "\"}}",
             409, "RoleAssignmentExists");

    /* a name keeps its principal and its role */
    assign(&t, VNET, NAME1, NETWORK_CONTRIBUTOR, THIRD_PRINCIPAL, "ServicePrincipal", 409,
           "RoleAssignmentUpdateNotPermitted");
    assign(&t, VNET, NAME1, READER, OTHER_PRINCIPAL, "ServicePrincipal", 409, "RoleAssignmentUpdateNotPermitted");

    /* other roles, principals and scopes are other assignments */
    assign(&t, VNET, NAME2, READER, OTHER_PRINCIPAL, "ServicePrincipal", 201, NULL);
    assign(&t, VNET, NAME3, NETWORK_CONTRIBUTOR, THIRD_PRINCIPAL, "ServicePrincipal", 201, NULL);
    assign(&t, SUBNET, NAME4, NETWORK_CONTRIBUTOR, OTHER_PRINCIPAL, "ServicePrincipal", 201, NULL);
    mt_stop(&t);
}

/* ---- what a PUT must carry ------------------------------------------------------------- */

static void test_put_validation(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    char path[1024];
    struct mt_response r;
    const char *p = OTHER_PRINCIPAL;
    assign(&t, VNET, "not-a-guid", NETWORK_CONTRIBUTOR, p, "ServicePrincipal", 400, "InvalidRoleAssignmentId");
    assign(&t, VNET, NAME1, "00000000-1111-2222-3333-444444444444", p, "ServicePrincipal", 400,
           "RoleDefinitionDoesNotExist");
    ra_path(path, sizeof(path), VNET, NAME1);
    mt_check(&t, "PUT", path,
             "{\"properties\":{\"roleDefinitionId\":\"Network Contributor\",\"principalId\":\"" OTHER_PRINCIPAL "\"}}",
             400, "InvalidRoleDefinitionId");
    mt_check(&t, "PUT", path, "{\"properties\":{\"principalId\":\"" OTHER_PRINCIPAL "\"}}", 400,
             "InvalidRoleDefinitionId");
    assign(&t, VNET, NAME1, NETWORK_CONTRIBUTOR, "someone", "ServicePrincipal", 400, "InvalidPrincipalId");
    mt_check(&t, "PUT", path, "{\"properties\":{\"roleDefinitionId\":\"" SUB RD "/" NETWORK_CONTRIBUTOR "\"}}", 400,
             "InvalidPrincipalId");
    mt_check(&t, "PUT", path, "{}", 400, "InvalidRequestContent");
    mt_check(&t, "PUT", path, "{\"properties\":[]}", 400, "InvalidRequestContent");
    mt_check(&t, "PUT", path, "{\"properties\":{\"roleDefinitionId\":7,\"principalId\":\"" OTHER_PRINCIPAL "\"}}", 400,
             "InvalidRequestContent");
    mt_check(&t, "PUT", path, "no json", 400, "InvalidRequestContent");
    mt_check(&t, "PUT", path,
             "{\"properties\":{\"roleDefinitionId\":\"" SUB RD "/" NETWORK_CONTRIBUTOR
             "\",\"principalId\":\"" OTHER_PRINCIPAL "\",\"scope\":\"" RG "\"}}",
             400, "InvalidCreateRoleAssignmentRequest");
    mt_check(&t, "GET", path, NULL, 404, "RoleAssignmentNotFound"); /* nothing refused was stored */

    /* the role definition id in the tenant's form, or under another subscription, names the same role */
    mt_expect(&t, "PUT", path,
              "{\"properties\":{\"roleDefinitionId\":\"" RD "/" NETWORK_CONTRIBUTOR
              "\",\"principalId\":\"" OTHER_PRINCIPAL "\",\"scope\":\"" VNET "\"}}",
              201, NULL, &r);
    assert_string_equal(mt_prop(&r, "roleDefinitionId"), SUB RD "/" NETWORK_CONTRIBUTOR);
    mt_response_free(&r);
    mt_check(&t, "PUT", ra_path(path, sizeof(path), RG, NAME2),
             "{\"properties\":{\"roleDefinitionId\":\"/subscriptions/11111111-2222-3333-4444-555555555555" RD "/" READER
             "\",\"principalId\":\"" OTHER_PRINCIPAL "\"}}",
             201, NULL);
    mt_stop(&t);
}

static void test_api_versions_and_methods(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    static const char *const versions[] = {
        "2015-07-01",         "2018-01-01-preview", "2018-09-01-preview", "2020-03-01-preview",
        "2020-04-01-preview", "2020-08-01-preview", "2020-10-01-preview", "2021-04-01-preview",
        "2022-01-01-preview", "2022-04-01"};
    char path[1024];
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        snprintf(path, sizeof(path), RG RA "?api-version=%s", versions[i]);
        mt_check(&t, "GET", path, NULL, 200, NULL);
        snprintf(path, sizeof(path), SUB RD "/" READER "?api-version=%s", versions[i]);
        mt_check(&t, "GET", path, NULL, 200, NULL);
    }
    mt_check(&t, "GET", RG RA "?api-version=2099-01-01", NULL, 400, "InvalidApiVersionParameter");
    mt_check(&t, "GET", SUB RD "/" READER "?api-version=2099-01-01", NULL, 400, "InvalidApiVersionParameter");
    mt_check(&t, "GET", RG RA, NULL, 400, "MissingApiVersionParameter");
    mt_check(&t, "POST", RG RA API, "{}", 405, "MethodNotAllowed");
    mt_check(&t, "PATCH", ra_path(path, sizeof(path), RG, NAME1), "{}", 405, "MethodNotAllowed");
    mt_check(&t, "GET", RG RA "/" NAME1 "/extra" API, NULL, 404, "NotFound");
    mt_stop(&t);
}

/* ---- scopes ------------------------------------------------------------------------------ */

static void test_scope_must_exist(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    char path[1024], body[512];
    struct mt_response r;
    const char *p = OTHER_PRINCIPAL, *sp = "ServicePrincipal";
    assign(&t, SUB "/resourceGroups/nogroup", NAME1, READER, p, sp, 404, "ResourceGroupNotFound");
    assign(&t, SUB "/resourceGroups/nogroup/providers/Microsoft.Network/virtualNetworks/vnet1", NAME1, READER, p, sp,
           404, "ResourceGroupNotFound");
    mt_expect(&t, "PUT", ra_path(path, sizeof(path), RG "/providers/Microsoft.Network/virtualNetworks/novnet", NAME1),
              ra_json(body, sizeof(body), READER, p, sp), 404, "ResourceNotFound", &r);
    assert_non_null(strstr(error_message(&r), "Microsoft.Network/virtualNetworks/novnet"));
    assert_non_null(strstr(error_message(&r), "'rg1'"));
    mt_response_free(&r);
    assign(&t, VNET "/subnets/nosubnet", NAME1, READER, p, sp, 404, "ResourceNotFound");
    assign(&t, RG "/providers/Microsoft.Network/routeTables/nort", NAME1, READER, p, sp, 404, "ResourceNotFound");
    mt_check(&t, "GET", SUB "/resourceGroups/nogroup" RA API, NULL, 404, "ResourceGroupNotFound");
    mt_check(&t, "GET", RG "/providers/Microsoft.Network/virtualNetworks/novnet" RA API, NULL, 404, "ResourceNotFound");

    /* any subscription; the group, the VNet and a subnet of its body exist */
    assign(&t, "/subscriptions/12345678-1234-4234-8234-123456789012", NAME1, READER, p, sp, 201, NULL);
    assign(&t, SUB, NAME1, READER, p, sp, 201, NULL);
    assign(&t, RG, NAME2, READER, p, sp, 201, NULL);
    assign(&t, VNET, NAME3, READER, p, sp, 201, NULL);
    /* a scope in another case is stored as its resource is spelled */
    mt_expect(&t, "PUT",
              ra_path(path, sizeof(path),
                      SUB "/resourcegroups/RG1/providers/microsoft.network/VIRTUALNETWORKS/VNET1/SUBNETS/SNET1", NAME4),
              ra_json(body, sizeof(body), READER, p, sp), 201, NULL, &r);
    assert_string_equal(mt_prop(&r, "scope"), SUBNET);
    assert_string_equal(mt_json_str(r.json, "id"), SUBNET RA "/" NAME4);
    mt_response_free(&r);
    mt_check(&t, "GET", ra_path(path, sizeof(path), SUBNET, NAME4), NULL, 200, NULL);
    mt_stop(&t);
}

/* ---- GET and DELETE ----------------------------------------------------------------------- */

static void test_get_and_delete(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    char path[1024];
    struct mt_response r;
    assign(&t, SUBNET, NAME1, NETWORK_CONTRIBUTOR, OTHER_PRINCIPAL, "ServicePrincipal", 201, NULL);
    ra_path(path, sizeof(path), SUBNET, NAME1);
    mt_expect(&t, "GET", path, NULL, 200, NULL, &r);
    assert_string_equal(mt_json_str(r.json, "name"), NAME1);
    assert_string_equal(mt_prop(&r, "scope"), SUBNET);
    mt_response_free(&r);
    mt_check(&t, "GET", ra_path(path, sizeof(path), SUBNET, NAME2), NULL, 404, "RoleAssignmentNotFound");
    mt_check(&t, "GET", ra_path(path, sizeof(path), VNET, NAME1), NULL, 404, "RoleAssignmentNotFound");
    mt_expect(&t, "DELETE", ra_path(path, sizeof(path), SUBNET, NAME1), NULL, 200, NULL, &r);
    assert_string_equal(mt_json_str(r.json, "name"), NAME1);
    assert_string_equal(mt_prop(&r, "principalId"), OTHER_PRINCIPAL);
    mt_response_free(&r);
    mt_check(&t, "DELETE", path, NULL, 204, NULL);
    mt_check(&t, "GET", path, NULL, 404, "RoleAssignmentNotFound");
    assert_false(has_role(&t, OTHER_PRINCIPAL, SUBNET, NULL));
    /* deleted, the same grant may be made under another name */
    assign(&t, SUBNET, NAME2, NETWORK_CONTRIBUTOR, OTHER_PRINCIPAL, "ServicePrincipal", 201, NULL);
    mt_stop(&t);
}

/* ---- lists and their filters ---------------------------------------------------------------- */

/* The names in a list, sorted and joined with ','. */
static void names_of(const struct mt_response *r, char *out, size_t len)
{
    const cJSON *value = cJSON_GetObjectItem(r->json, "value"), *item;
    const char *names[16];
    size_t n = 0;
    assert_true(cJSON_IsArray(value));
    cJSON_ArrayForEach(item, value) {
        assert_true(n < 16);
        names[n++] = mt_json_str(item, "name");
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            const char *tmp = names[j];
            names[j] = names[j - 1];
            names[j - 1] = tmp;
        }
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(out + used, len - used, "%s%s", i ? "," : "", names[i]);
}

/* The sorted last digits of the names a list at scope with filter (may be NULL) returns: "1,2,4". */
static void listed(struct mt_mock *t, const char *scope, const char *filter, const char *want)
{
    char path[1024], names[512], digits[64];
    snprintf(path, sizeof(path), "%s" RA API "%s%s", scope, filter ? "&$filter=" : "", filter ? filter : "");
    struct mt_response r;
    mt_expect(t, "GET", path, NULL, 200, NULL, &r);
    names_of(&r, names, sizeof(names));
    mt_response_free(&r);
    size_t w = 0;
    for (const char *p = names; *p; p++) {
        if (*p == ',' || p[1] == '\0') {
            const char *digit = *p == ',' ? p - 1 : p;
            w += (size_t)snprintf(digits + w, sizeof(digits) - w, "%s%c", w ? "," : "", *digit);
        }
    }
    digits[w] = '\0';
    if (strcmp(digits, want) != 0)
        fprintf(stderr, "GET %s listed %s, wanted %s\n", path, digits, want);
    assert_string_equal(digits, want);
}

static void test_list_filters(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    const char *sp = "ServicePrincipal";
    seed_vnet(&t, RG "/providers/Microsoft.Network/virtualNetworks/vnet2", "vnet2", "[]");
    assign(&t, SUB, NAME1, READER, THIRD_PRINCIPAL, sp, 201, NULL);
    assign(&t, RG, NAME2, READER, OTHER_PRINCIPAL, sp, 201, NULL);
    assign(&t, VNET, NAME3, NETWORK_CONTRIBUTOR, OTHER_PRINCIPAL, sp, 201, NULL);
    assign(&t, SUBNET, NAME4, NETWORK_CONTRIBUTOR, THIRD_PRINCIPAL, sp, 201, NULL);
    assign(&t, RG "/providers/Microsoft.Network/virtualNetworks/vnet2", "0f1e2d3c-0000-4000-8000-000000000005",
           OWNER, OTHER_PRINCIPAL, sp, 201, NULL);

    /* without a filter: at, above and below the scope; never a sibling */
    listed(&t, VNET, NULL, "1,2,3,4");
    listed(&t, SUB, NULL, "1,2,3,4,5");
    listed(&t, RG, NULL, "1,2,3,4,5");
    listed(&t, SUBNET, NULL, "1,2,3,4");
    /* atScope(): at and above (what applies there) */
    listed(&t, VNET, "atScope()", "1,2,3");
    listed(&t, SUBNET, "atScope()", "1,2,3,4");
    listed(&t, SUB, "atScope()", "1");
    listed(&t, RG "/providers/Microsoft.Network/virtualNetworks/vnet2", "atScope()", "1,2,5");
    /* one principal: at, above or below */
    listed(&t, RG, "principalId%20eq%20'" OTHER_PRINCIPAL "'", "2,3,5");
    listed(&t, VNET, "principalId%20eq%20'" THIRD_PRINCIPAL "'", "1,4");
    listed(&t, VNET, "assignedTo('" OTHER_PRINCIPAL "')", "2,3");
    listed(&t, SUBNET, "atScope()%20and%20assignedTo('" OTHER_PRINCIPAL "')", "2,3");
    listed(&t, SUB, "principalId%20eq%20'00000000-0000-4000-8000-000000000000'", "");
    /* filters ARM does not know are refused */
    mt_check(&t, "GET", VNET RA API "&$filter=roleName%20eq%20'Reader'", NULL, 400, "InvalidFilter");
    mt_stop(&t);
}

static void test_group_delete_removes_assignments(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    char principal[64], path[1024];
    make_identity(&t, "id1", principal);
    assign(&t, SUB, NAME1, READER, OTHER_PRINCIPAL, "ServicePrincipal", 201, NULL);
    assign(&t, RG, NAME2, READER, principal, "ServicePrincipal", 201, NULL);
    assign(&t, VNET, NAME3, NETWORK_CONTRIBUTOR, principal, "ServicePrincipal", 201, NULL);
    assign(&t, SUBNET, NAME4, NETWORK_CONTRIBUTOR, principal, "ServicePrincipal", 201, NULL);
    listed(&t, SUB, NULL, "1,2,3,4");
    assert_true(has_role(&t, principal, SUBNET, NETWORK_CONTRIBUTOR));

    mt_check(&t, "DELETE", SUB "/resourcegroups/rg1?api-version=2021-04-01", NULL, 202, NULL);
    listed(&t, SUB, NULL, "1,2,3,4"); /* the operation is still running */
    mt_advance(&t, 5);
    listed(&t, SUB, NULL, "1");
    assert_false(has_role(&t, principal, SUBNET, NULL));
    assert_true(has_role(&t, OTHER_PRINCIPAL, SUBNET, READER)); /* inherited from the subscription */
    mt_check(&t, "GET", ra_path(path, sizeof(path), RG, NAME2), NULL, 404, "ResourceGroupNotFound");
    /* a group of the same name starts empty */
    mt_check(&t, "PUT", SUB "/resourcegroups/rg1?api-version=2021-04-01", "{\"location\":\"chinaeast2\"}", 201, NULL);
    mt_check(&t, "GET", ra_path(path, sizeof(path), RG, NAME2), NULL, 404, "RoleAssignmentNotFound");
    listed(&t, RG, NULL, "1");
    mt_stop(&t);
}

/* ---- role definitions --------------------------------------------------------------------------- */

static void test_builtin_role_definitions(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    struct mt_response r;
    mt_expect(&t, "GET", SUB RD "/" NETWORK_CONTRIBUTOR API, NULL, 200, NULL, &r);
    assert_string_equal(mt_json_str(r.json, "id"), SUB RD "/" NETWORK_CONTRIBUTOR);
    assert_string_equal(mt_json_str(r.json, "name"), NETWORK_CONTRIBUTOR);
    assert_string_equal(mt_json_str(r.json, "type"), "Microsoft.Authorization/roleDefinitions");
    assert_string_equal(mt_prop(&r, "roleName"), "Network Contributor");
    assert_string_equal(mt_prop(&r, "type"), "BuiltInRole");
    assert_non_null(mt_prop(&r, "description"));
    const cJSON *props = cJSON_GetObjectItem(r.json, "properties");
    const cJSON *scopes = cJSON_GetObjectItem(props, "assignableScopes");
    assert_int_equal(cJSON_GetArraySize(scopes), 1);
    assert_string_equal(cJSON_GetArrayItem(scopes, 0)->valuestring, "/");
    const cJSON *perm = cJSON_GetArrayItem(cJSON_GetObjectItem(props, "permissions"), 0);
    const cJSON *action;
    bool network = false, authz_read = false, groups_read = false;
    cJSON_ArrayForEach(action, cJSON_GetObjectItem(perm, "actions")) {
        network |= strcmp(action->valuestring, "Microsoft.Network/*") == 0;
        authz_read |= strcmp(action->valuestring, "Microsoft.Authorization/*/read") == 0;
        groups_read |= strcmp(action->valuestring, "Microsoft.Resources/subscriptions/resourceGroups/read") == 0;
    }
    assert_true(network && authz_read && groups_read);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(perm, "notActions")), 0);
    assert_true(cJSON_IsArray(cJSON_GetObjectItem(perm, "dataActions")));
    assert_true(cJSON_IsArray(cJSON_GetObjectItem(perm, "notDataActions")));
    mt_response_free(&r);

    /* at the tenant root the id is the tenant's; under a group, the subscription's */
    mt_expect(&t, "GET", RD "/" OWNER API, NULL, 200, NULL, &r);
    assert_string_equal(mt_json_str(r.json, "id"), RD "/" OWNER);
    assert_string_equal(mt_prop(&r, "roleName"), "Owner");
    mt_response_free(&r);
    mt_expect(&t, "GET", RG RD "/" CONTRIBUTOR API, NULL, 200, NULL, &r);
    assert_string_equal(mt_json_str(r.json, "id"), SUB RD "/" CONTRIBUTOR);
    assert_string_equal(mt_prop(&r, "roleName"), "Contributor");
    mt_response_free(&r);
    mt_expect(&t, "GET", VNET RD "/" READER API, NULL, 200, NULL, &r);
    assert_string_equal(mt_prop(&r, "roleName"), "Reader");
    mt_response_free(&r);
    mt_expect(&t, "GET", SUB RD "/" IDENTITY_OPERATOR API, NULL, 200, NULL, &r);
    assert_string_equal(mt_prop(&r, "roleName"), "Managed Identity Operator");
    mt_response_free(&r);
    mt_check(&t, "GET", SUB RD "/00000000-1111-2222-3333-444444444444" API, NULL, 404, "RoleDefinitionDoesNotExist");
    mt_check(&t, "GET", SUB "/resourceGroups/nogroup" RD "/" READER API, NULL, 404, "ResourceGroupNotFound");
    mt_stop(&t);
}

static void test_role_definitions_by_name(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    struct mt_response r;
    /* what the Azure CLI sends to resolve --role "Network Contributor" */
    mt_expect(&t, "GET", SUB RD "?$filter=roleName%20eq%20'Network%20Contributor'&api-version=2022-04-01", NULL, 200,
              NULL, &r);
    const cJSON *value = cJSON_GetObjectItem(r.json, "value");
    assert_int_equal(cJSON_GetArraySize(value), 1);
    assert_string_equal(mt_json_str(cJSON_GetArrayItem(value, 0), "name"), NETWORK_CONTRIBUTOR);
    assert_string_equal(mt_json_str(cJSON_GetArrayItem(value, 0), "id"), SUB RD "/" NETWORK_CONTRIBUTOR);
    mt_response_free(&r);

    mt_expect(&t, "GET", RG RD "?$filter=roleName%20eq%20'Reader'&api-version=2018-01-01-preview", NULL, 200, NULL, &r);
    value = cJSON_GetObjectItem(r.json, "value");
    assert_int_equal(cJSON_GetArraySize(value), 1);
    assert_string_equal(mt_json_str(cJSON_GetArrayItem(value, 0), "name"), READER);
    mt_response_free(&r);

    mt_expect(&t, "GET",
              SUB RD "?$filter=roleName%20eq%20'No%20Such%20Role'"
                     "&api-version=2022-04-01",
              NULL, 200, NULL, &r);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "value")), 0);
    mt_response_free(&r);

    /* no filter: every built-in role */
    char names[1024];
    mt_expect(&t, "GET", SUB RD API, NULL, 200, NULL, &r);
    names_of(&r, names, sizeof(names));
    mt_response_free(&r);
    static const char *const all[] = {NETWORK_CONTRIBUTOR, CONTRIBUTOR, OWNER, READER, IDENTITY_OPERATOR};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        assert_non_null(strstr(names, all[i]));
    mt_expect(&t, "GET", SUB RD "?$filter=type%20eq%20'BuiltInRole'&api-version=2022-04-01", NULL, 200, NULL, &r);
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "value")) >= 5);
    mt_response_free(&r);
    mt_check(&t, "GET", SUB RD "?$filter=atScopeAndBelow()%20or%20x&api-version=2022-04-01", NULL, 400,
             "InvalidFilter");
    mt_stop(&t);
}

#define CUSTOM "5c2e1f0a-7777-4888-8999-aaaabbbbcccc"
#define CUSTOM_BODY(name)                                                                                        \
    "{\"properties\":{\"roleName\":\"" name "\",\"description\":\"join subnets\",\"assignableScopes\":[\"" SUB \
    "\"],\"permissions\":[{\"actions\":[\"Microsoft.Network/virtualNetworks/subnets/join/action\","             \
    "\"Microsoft.Network/virtualNetworks/subnets/read\"],\"notActions\":[]}]}}"

static void test_custom_role_definition(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    struct mt_response r;
    mt_expect(&t, "PUT", SUB RD "/" CUSTOM API, CUSTOM_BODY("AKS subnet joiner"), 201, NULL, &r);
    assert_string_equal(mt_json_str(r.json, "id"), SUB RD "/" CUSTOM);
    assert_string_equal(mt_prop(&r, "type"), "CustomRole");
    assert_string_equal(mt_prop(&r, "roleName"), "AKS subnet joiner");
    mt_response_free(&r);
    mt_check(&t, "GET", SUB RD "/" CUSTOM API, NULL, 200, NULL);
    mt_expect(&t, "GET", SUB RD "?$filter=roleName%20eq%20'AKS%20subnet%20joiner'&api-version=2022-04-01", NULL, 200,
              NULL, &r);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "value")), 1);
    mt_response_free(&r);

    mt_check(&t, "PUT", SUB RD "/" NAME1 API, CUSTOM_BODY("AKS subnet joiner"), 409,
             "RoleDefinitionWithSameNameExists");
    mt_check(&t, "PUT", SUB RD "/" NAME1 API, CUSTOM_BODY("Reader"), 409, "RoleDefinitionWithSameNameExists");
    mt_check(&t, "PUT", SUB RD "/" NAME1 API, "{\"properties\":{\"roleName\":\"x\"}}", 400, "InvalidRequestContent");
    mt_check(&t, "PUT", SUB RD "/" READER API, CUSTOM_BODY("Mine"), 403, "AuthorizationFailed");
    mt_check(&t, "DELETE", SUB RD "/" READER API, NULL, 403, "AuthorizationFailed");

    /* assignable, and then it cannot be deleted */
    assign(&t, SUBNET, NAME1, CUSTOM, OTHER_PRINCIPAL, "ServicePrincipal", 201, NULL);
    assert_true(has_role(&t, OTHER_PRINCIPAL, SUBNET, CUSTOM));
    mt_check(&t, "DELETE", SUB RD "/" CUSTOM API, NULL, 409, "RoleDefinitionHasAssignments");
    char path[1024];
    mt_check(&t, "DELETE", ra_path(path, sizeof(path), SUBNET, NAME1), NULL, 200, NULL);
    mt_check(&t, "DELETE", SUB RD "/" CUSTOM API, NULL, 200, NULL);
    mt_check(&t, "DELETE", SUB RD "/" CUSTOM API, NULL, 204, NULL);
    mt_check(&t, "GET", SUB RD "/" CUSTOM API, NULL, 404, "RoleDefinitionDoesNotExist");
    assign(&t, SUBNET, NAME1, CUSTOM, OTHER_PRINCIPAL, "ServicePrincipal", 400, "RoleDefinitionDoesNotExist");
    mt_stop(&t);
}

/* ---- mock_authz_has_role --------------------------------------------------------------------------- */

static void test_has_role(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    seed_vnet(&t, RG "/providers/Microsoft.Network/virtualNetworks/vnet2", "vnet2", "[]");
    assign(&t, VNET, NAME1, NETWORK_CONTRIBUTOR, OTHER_PRINCIPAL, "ServicePrincipal", 201, NULL);
    assign(&t, SUBNET, NAME2, READER, THIRD_PRINCIPAL, "ServicePrincipal", 201, NULL);

    assert_true(has_role(&t, OTHER_PRINCIPAL, VNET, NETWORK_CONTRIBUTOR));
    assert_true(has_role(&t, OTHER_PRINCIPAL, SUBNET, NETWORK_CONTRIBUTOR)); /* inherited from the VNet */
    assert_true(has_role(&t, OTHER_PRINCIPAL, VNET "/subnets/snet2", NULL));
    assert_true(has_role(&t, "9A8B7C6D-1111-4222-8333-444455556666",
                         SUB "/resourcegroups/RG1/providers/microsoft.network/virtualnetworks/VNET1/subnets/snet1",
                         "4D97B98B-1D4F-4787-A291-C67834D212E7"));
    assert_true(has_role(&t, OTHER_PRINCIPAL, SUBNET, SUB RD "/" NETWORK_CONTRIBUTOR)); /* a full id works too */
    assert_false(has_role(&t, OTHER_PRINCIPAL, RG, NETWORK_CONTRIBUTOR));   /* not above its scope */
    assert_false(has_role(&t, OTHER_PRINCIPAL, SUB, NULL));
    assert_false(has_role(&t, OTHER_PRINCIPAL, RG "/providers/Microsoft.Network/virtualNetworks/vnet2", NULL));
    assert_false(has_role(&t, OTHER_PRINCIPAL, VNET "1", NULL)); /* a name that only starts alike */
    assert_false(has_role(&t, OTHER_PRINCIPAL, SUBNET, READER));
    assert_true(has_role(&t, THIRD_PRINCIPAL, SUBNET, READER));
    assert_false(has_role(&t, THIRD_PRINCIPAL, VNET, NULL));
    assert_false(has_role(&t, "00000000-0000-4000-8000-000000000000", SUBNET, NULL));

    /* a tenant-root assignment covers everything */
    assign(&t, "", NAME3, OWNER, "00000000-0000-4000-8000-000000000000", "ServicePrincipal", 201, NULL);
    assert_true(has_role(&t, "00000000-0000-4000-8000-000000000000", SUBNET, OWNER));
    mt_stop(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_principal_not_found_until_replicated),
        cmocka_unit_test(test_zero_delay_needs_no_principal_type),
        cmocka_unit_test(test_assignment_exists_and_updates),
        cmocka_unit_test(test_put_validation),
        cmocka_unit_test(test_api_versions_and_methods),
        cmocka_unit_test(test_scope_must_exist),
        cmocka_unit_test(test_get_and_delete),
        cmocka_unit_test(test_list_filters),
        cmocka_unit_test(test_group_delete_removes_assignments),
        cmocka_unit_test(test_builtin_role_definitions),
        cmocka_unit_test(test_role_definitions_by_name),
        cmocka_unit_test(test_custom_role_definition),
        cmocka_unit_test(test_has_role),
    };
    return cmocka_run_group_tests_name("aksnet-mock authorization", tests, NULL, NULL);
}
