/*
 * test_mock_identity.c - aksnet-mock's user-assigned identities
 * (Microsoft.ManagedIdentity/userAssignedIdentities): created synchronously
 * with a principal, client and tenant id that updates keep; GET, list and
 * DELETE; the api-versions real clients send; ARM's refusals.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mock_support.h"

#define RG_PATH "/subscriptions/" MT_SUB "/resourcegroups/rg1?api-version=2021-04-01"
#define IDS "/subscriptions/" MT_SUB "/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities"
#define API "?api-version=2023-01-31"

static bool looks_like_guid(const char *s)
{
    if (!s || strlen(s) != 36)
        return false;
    for (size_t i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash != (s[i] == '-'))
            return false;
    }
    return true;
}

static void start(struct mt_mock *t)
{
    assert_true(mt_start(t, NULL, false));
    assert_non_null(t->token);
    mt_check(t, "PUT", RG_PATH, "{\"location\":\"chinaeast2\"}", 201, NULL);
}

static void test_create_then_update_keeps_ids(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    struct mt_response r;
    mt_expect(&t, "PUT", IDS "/id1" API, "{\"location\":\"chinaeast2\",\"tags\":{\"a\":\"b\"}}", 201, NULL, &r);
    assert_string_equal(cJSON_GetObjectItem(r.json, "id")->valuestring, IDS "/id1");
    assert_string_equal(cJSON_GetObjectItem(r.json, "name")->valuestring, "id1");
    assert_string_equal(cJSON_GetObjectItem(r.json, "type")->valuestring,
                        "Microsoft.ManagedIdentity/userAssignedIdentities");
    assert_string_equal(cJSON_GetObjectItem(r.json, "location")->valuestring, "chinaeast2");
    assert_true(looks_like_guid(mt_prop(&r, "principalId")));
    assert_true(looks_like_guid(mt_prop(&r, "clientId")));
    assert_string_equal(mt_prop(&r, "tenantId"), MT_TENANT);
    assert_string_not_equal(mt_prop(&r, "principalId"), mt_prop(&r, "clientId"));
    /* ARM's identity has no provisioningState */
    assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "properties"), "provisioningState"));
    char principal[64], client[64];
    snprintf(principal, sizeof(principal), "%s", mt_prop(&r, "principalId"));
    snprintf(client, sizeof(client), "%s", mt_prop(&r, "clientId"));
    mt_response_free(&r);

    mt_expect(&t, "PUT", IDS "/id1" API, "{\"location\":\"chinaeast2\",\"tags\":{\"c\":\"d\"}}", 200, NULL, &r);
    assert_string_equal(mt_prop(&r, "principalId"), principal);
    assert_string_equal(mt_prop(&r, "clientId"), client);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "tags"), "c")->valuestring, "d");
    assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "tags"), "a"));
    mt_response_free(&r);

    /* GET, in any case, returns the same ids */
    mt_expect(&t, "GET",
              "/subscriptions/" MT_SUB
              "/resourcegroups/RG1/providers/microsoft.managedidentity/USERASSIGNEDIDENTITIES/ID1" API,
              NULL, 200, NULL, &r);
    assert_string_equal(mt_prop(&r, "principalId"), principal);
    assert_string_equal(mt_prop(&r, "clientId"), client);
    assert_string_equal(cJSON_GetObjectItem(r.json, "name")->valuestring, "id1");
    assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "properties"), "provisioningState"));
    mt_response_free(&r);
    mt_stop(&t);
}

static void test_two_identities_have_distinct_principals(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    struct mt_response a, b;
    mt_expect(&t, "PUT", IDS "/one" API, "{\"location\":\"chinaeast2\"}", 201, NULL, &a);
    mt_expect(&t, "PUT", IDS "/two" API, "{\"location\":\"chinaeast2\"}", 201, NULL, &b);
    assert_string_not_equal(mt_prop(&a, "principalId"), mt_prop(&b, "principalId"));
    assert_string_not_equal(mt_prop(&a, "clientId"), mt_prop(&b, "clientId"));
    mt_response_free(&a);
    mt_response_free(&b);
    mt_stop(&t);
}

/* The names in a list answer's value, joined with ',' in order. */
static void list_names(const struct mt_response *r, char *out, size_t len)
{
    const cJSON *v = cJSON_GetObjectItem(r->json, "value"), *item;
    out[0] = '\0';
    size_t used = 0;
    assert_true(cJSON_IsArray(v));
    cJSON_ArrayForEach(item, v)
        used += (size_t)snprintf(out + used, len - used, "%s%s", used ? "," : "",
                                 cJSON_GetObjectItem(item, "name")->valuestring);
}

static void test_list_get_delete(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    mt_check(&t, "PUT", IDS "/b-id" API, "{\"location\":\"chinaeast2\"}", 201, NULL);
    mt_check(&t, "PUT", IDS "/a-id" API, "{\"location\":\"chinaeast2\"}", 201, NULL);
    struct mt_response r;
    char names[256];
    mt_expect(&t, "GET", IDS API, NULL, 200, NULL, &r);
    list_names(&r, names, sizeof(names));
    assert_string_equal(names, "a-id,b-id");
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "value"), 0);
    assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(first, "properties"), "provisioningState"));
    assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(first, "properties"), "principalId"));
    mt_response_free(&r);

    mt_check(&t, "DELETE", IDS "/a-id" API, NULL, 200, NULL);
    mt_check(&t, "GET", IDS "/a-id" API, NULL, 404, "ResourceNotFound");
    mt_check(&t, "DELETE", IDS "/a-id" API, NULL, 204, NULL);
    mt_expect(&t, "GET", IDS API, NULL, 200, NULL, &r);
    list_names(&r, names, sizeof(names));
    assert_string_equal(names, "b-id");
    mt_response_free(&r);
    /* a new identity under a deleted name is a new principal */
    mt_check(&t, "PUT", IDS "/a-id" API, "{\"location\":\"chinaeast2\"}", 201, NULL);
    mt_stop(&t);
}

static void test_api_versions(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    mt_check(&t, "PUT", IDS "/id1" API, "{\"location\":\"chinaeast2\"}", 201, NULL);
    static const char *const accepted[] = {"2018-11-30", "2022-01-31-preview", "2023-01-31", "2024-11-30"};
    char path[512];
    for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
        snprintf(path, sizeof(path), IDS "/id1?api-version=%s", accepted[i]);
        mt_check(&t, "GET", path, NULL, 200, NULL);
        snprintf(path, sizeof(path), IDS "/id-%zu?api-version=%s", i, accepted[i]);
        mt_check(&t, "PUT", path, "{\"location\":\"chinaeast2\"}", 201, NULL);
    }
    mt_check(&t, "GET", IDS "/id1?api-version=2099-01-01", NULL, 400, "InvalidApiVersionParameter");
    mt_check(&t, "PUT", IDS "/id9?api-version=2099-01-01", "{\"location\":\"chinaeast2\"}", 400,
             "InvalidApiVersionParameter");
    mt_check(&t, "GET", IDS "/id1", NULL, 400, "MissingApiVersionParameter");
    mt_check(&t, "GET", IDS "/id9" API, NULL, 404, "ResourceNotFound"); /* the refused PUT made nothing */
    mt_stop(&t);
}

static void test_refusals(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    mt_check(&t, "PUT", IDS "/id1" API, "{}", 400, "LocationRequired");
    mt_check(&t, "PUT", IDS "/id1" API, "{\"tags\":{}}", 400, "LocationRequired");
    mt_check(&t, "PUT", IDS "/id1" API, "{\"location\":\"\"}", 400, "LocationRequired");
    mt_check(&t, "PUT", IDS "/id1" API, "not json", 400, "InvalidRequestContent");
    mt_check(&t, "GET", IDS "/id1" API, NULL, 404, "ResourceNotFound");
    mt_check(&t, "PUT",
             "/subscriptions/" MT_SUB "/resourceGroups/nogroup/providers/Microsoft.ManagedIdentity/"
             "userAssignedIdentities/id1" API,
             "{\"location\":\"chinaeast2\"}", 404, "ResourceGroupNotFound");
    mt_check(&t, "PUT", IDS "/id1" API, "{\"location\":\"chinaeast2\"}", 201, NULL);
    mt_check(&t, "PUT", IDS "/id1" API, "{\"location\":\"westeurope\"}", 400, "InvalidResourceLocation");
    mt_check(&t, "PUT", IDS "/id1" API, "{\"location\":\"ChinaEast2\"}", 200, NULL);
    mt_stop(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_then_update_keeps_ids),
        cmocka_unit_test(test_two_identities_have_distinct_principals),
        cmocka_unit_test(test_list_get_delete),
        cmocka_unit_test(test_api_versions),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests_name("aksnet-mock identities", tests, NULL, NULL);
}
