/*
 * test_mock_refusals.c - aksnet-mock refuses what ARM refuses in any
 * request body: U+0000 in a string, a location no cloud has (while every
 * spelling of a real one is accepted), tags beyond ARM's limits; and the
 * providers describe their resource types as ARM does (regions and
 * api-versions).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json_support.h"
#include "mock_support.h"
#include "tmpfiles.h"

#define SUBP "/subscriptions/" MT_SUB
#define RG_API "?api-version=2021-04-01"
#define RG SUBP "/resourcegroups/rg1" RG_API
#define GROUP_ID SUBP "/resourceGroups/rg1"
#define VNET GROUP_ID "/providers/Microsoft.Network/virtualNetworks/vnet1?api-version=2024-05-01"
#define RT GROUP_ID "/providers/Microsoft.Network/routeTables/rt1?api-version=2024-05-01"
#define ID GROUP_ID "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1?api-version=2023-01-31"
#define CLUSTER_ID GROUP_ID "/providers/Microsoft.ContainerService/managedClusters/aks1"
#define CLUSTER CLUSTER_ID "?api-version=2024-09-01"
#define VNET_PROPS ",\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.0/16\"]}}"

/* A mock with rg1 in chinaeast2. */
static void start(struct mt_mock *t)
{
    assert_true(mt_start(t, NULL, false));
    assert_non_null(t->token);
    mt_check(t, "PUT", RG, "{\"location\":\"chinaeast2\"}", 201, NULL);
}

/* The error message of a request that must be refused with status and code contains part. */
static void expect_message(struct mt_mock *t, const char *method, const char *path, const char *body, long status,
                           const char *code, const char *part)
{
    struct mt_response r;
    mt_expect(t, method, path, body, status, code, &r);
    const char *msg = mt_error_message(&r);
    assert_non_null(msg);
    if (!strstr(msg, part))
        fail_msg("'%s' is not in the message '%s'", part, msg);
    mt_response_free(&r);
}

/* A body {"location": location, "tags": {name: value}} (name and value are JSON text, escapes allowed). */
static const char *tag_body(char *buf, size_t len, const char *location, const char *name, const char *value)
{
    int n = snprintf(buf, len, "{\"location\":\"%s\",\"tags\":{\"%s\":\"%s\"}}", location, name, value);
    assert_true(n > 0 && (size_t)n < len);
    return buf;
}

/* ---- U+0000 ---------------------------------------------------------------------------- */

/* "\u0000" anywhere in a string of the body (a location, a tag, a property, a key) is refused, nothing is made. */
static void test_nul_in_strings(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    static const char *const bodies[] = {
        "{\"location\":\"chinaeast2\\u0000x\"}",
        "{\"location\":\"chinaeast2\",\"tags\":{\"a\\u0000b\":\"v\"}}",
        "{\"location\":\"chinaeast2\",\"tags\":{\"k\":\"v\\u0000\"}}",
        "{\"location\":\"chinaeast2\",\"properties\":{\"note\":\"\\u0000\"}}",
        "{\"location\":\"chinaeast2\",\"x\\u0000\":1}",
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        mt_check(&t, "PUT", SUBP "/resourcegroups/rg2" RG_API, bodies[i], 400, "InvalidRequestContent");
        mt_check(&t, "PUT", ID, bodies[i], 400, "InvalidRequestContent");
    }
    mt_check(&t, "PUT", VNET, "{\"location\":\"chinaeast2\",\"properties\":{\"addressSpace\":{\"addressPrefixes\":"
             "[\"10.0.0.0/16\"]},\"subnets\":[{\"name\":\"s\\u0000\",\"properties\":{\"addressPrefix\":"
             "\"10.0.0.0/24\"}}]}}", 400, "InvalidRequestContent");
    mt_check(&t, "PUT", GROUP_ID "/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/s1"
             "?api-version=2024-05-01", "{\"properties\":{\"addressPrefix\":\"10.0.\\u00000.0/24\"}}", 400,
             "InvalidRequestContent");
    mt_check(&t, "GET", SUBP "/resourcegroups/rg2" RG_API, NULL, 404, "ResourceGroupNotFound");
    mt_check(&t, "GET", ID, NULL, 404, "ResourceNotFound");
    mt_check(&t, "GET", VNET, NULL, 404, "ResourceNotFound");
    mt_stop(&t);
}

/* An escaped backslash before "u0000" is text, not U+0000; an escaped quote does not hide a real one. */
static void test_escapes_that_are_not_nul(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    struct mt_response r;
    mt_expect(&t, "PUT", ID, "{\"location\":\"chinaeast2\",\"tags\":{\"k\":\"x\\\\u0000\",\"q\":\"\\\"\\u0000\\\"\"}}",
              400, "InvalidRequestContent", &r); /* the second tag holds a real U+0000 between quotes */
    mt_response_free(&r);
    mt_expect(&t, "PUT", ID, "{\"location\":\"chinaeast2\",\"tags\":{\"k\":\"x\\\\u0000\",\"q\":\"\\\"\\u00e9\"}}",
              201, NULL, &r);
    mt_assert_str(mt_json_str(r.json, "tags.k"), "x\\u0000");
    mt_assert_str(mt_json_str(r.json, "tags.q"), "\"\xc3\xa9");
    mt_response_free(&r);
    mt_stop(&t);
}

/* ---- locations --------------------------------------------------------------------------- */

/* A location no cloud has: each tracked type says so in ARM's words, and nothing is made. */
static void test_unknown_location(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    expect_message(&t, "PUT", SUBP "/resourcegroups/rg2" RG_API, "{\"location\":\"chinaeast9\"}", 400,
                   "LocationNotAvailableForResourceGroup",
                   "The provided location 'chinaeast9' is not available for resource group. List of available "
                   "regions is '");
    expect_message(&t, "PUT", SUBP "/resourcegroups/rg2" RG_API, "{\"location\":\"nowhere\"}", 400,
                   "LocationNotAvailableForResourceGroup", "chinaeast2");
    static const struct {
        const char *path, *body, *type;
    } cases[] = {
        {VNET, "{\"location\":\"nowhere\"" VNET_PROPS "}", "Microsoft.Network/virtualNetworks"},
        {RT, "{\"location\":\"nowhere\"}", "Microsoft.Network/routeTables"},
        {ID, "{\"location\":\"nowhere\"}", "Microsoft.ManagedIdentity/userAssignedIdentities"},
        {CLUSTER, "{\"location\":\"nowhere\",\"properties\":{}}", "Microsoft.ContainerService/managedClusters"},
        {ID, "{\"location\":\"china east 9\"}", "Microsoft.ManagedIdentity/userAssignedIdentities"},
        {ID, "{\"location\":\"china-east-2\"}", "Microsoft.ManagedIdentity/userAssignedIdentities"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char part[160];
        snprintf(part, sizeof(part), "is not available for resource type '%s'. List of available regions for the "
                 "resource type is '", cases[i].type);
        expect_message(&t, "PUT", cases[i].path, cases[i].body, 400, "LocationNotAvailableForResourceType", part);
        mt_check(&t, "GET", cases[i].path, NULL, 404, NULL);
    }
    mt_check(&t, "GET", SUBP "/resourcegroups/rg2" RG_API, NULL, 404, "ResourceGroupNotFound");
    mt_stop(&t);
}

/*
 * Every location the tests, examples and conformance scripts use, in every
 * spelling ARM takes (name, display name, any case); a later PUT may spell
 * the same location otherwise.
 */
static void test_known_locations(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    static const char *const used[] = {
        "chinaeast2", "chinanorth3", "eastus", "westus", "westeurope", "usgovvirginia", "China East 2",
        "ChinaEast2", "CHINANORTH3", "East US", "West US", "West Europe", "US Gov Virginia", "USGov Virginia",
        "chinaeast", "chinanorth", "chinanorth2", "chinaeast3", "usgovarizona", "usgovtexas", "usdodeast",
        "usdodcentral", "westus3", "swedencentral", "northeurope", "southeastasia",
    };
    char path[256], body[128];
    for (size_t i = 0; i < sizeof(used) / sizeof(used[0]); i++) {
        snprintf(path, sizeof(path), SUBP "/resourcegroups/g%zu" RG_API, i);
        snprintf(body, sizeof(body), "{\"location\":\"%s\"}", used[i]);
        mt_check(&t, "PUT", path, body, 201, NULL);
    }
    /* the same location in another spelling is the same location */
    mt_check(&t, "PUT", RG, "{\"location\":\"China East 2\"}", 200, NULL);
    mt_check(&t, "PUT", RG, "{\"location\":\"chinanorth3\"}", 409, "InvalidResourceGroupLocation");
    mt_check(&t, "PUT", ID, "{\"location\":\"chinaeast2\"}", 201, NULL);
    mt_check(&t, "PUT", ID, "{\"location\":\"China East 2\"}", 200, NULL);
    mt_check(&t, "PUT", ID, "{\"location\":\" china EAST 2 \"}", 200, NULL);
    mt_check(&t, "PUT", ID, "{\"location\":\"West Europe\"}", 400, "InvalidResourceLocation");
    mt_check(&t, "PUT", RT, "{\"location\":\"China East 2\"}", 201, NULL);
    mt_stop(&t);
}

/* ---- the providers ------------------------------------------------------------------------ */

/* The resourceTypes entry named name, or NULL. */
static const cJSON *resource_type(const cJSON *provider, const char *name)
{
    const cJSON *rt;
    cJSON_ArrayForEach(rt, cJSON_GetObjectItem(provider, "resourceTypes")) {
        const char *n = mt_json_str(rt, "resourceType");
        if (n && strcmp(n, name) == 0)
            return rt;
    }
    return NULL;
}

/* Whether a JSON array of strings holds s. */
static bool holds(const cJSON *array, const char *s)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, array)
        if (cJSON_IsString(v) && strcmp(v->valuestring, s) == 0)
            return true;
    return false;
}

/* GET /providers/{ns}: each type with its regions' display names and the api-versions the mock takes. */
static void test_provider_resource_types(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    struct mt_response r;
    mt_expect(&t, "GET", SUBP "/providers/Microsoft.Network" RG_API, NULL, 200, NULL, &r);
    mt_assert_str(mt_json_str(r.json, "registrationState"), "Registered");
    const cJSON *vnet = resource_type(r.json, "virtualNetworks");
    assert_non_null(vnet);
    const cJSON *locations = cJSON_GetObjectItem(vnet, "locations");
    assert_true(holds(locations, "China East 2"));
    assert_true(holds(locations, "China North 3"));
    assert_true(holds(locations, "East US"));
    assert_true(holds(locations, "West Europe"));
    assert_true(holds(locations, "US Gov Virginia"));
    assert_false(holds(locations, "chinaeast2")); /* display names, not names */
    const cJSON *versions = cJSON_GetObjectItem(vnet, "apiVersions");
    assert_true(holds(versions, "2024-05-01"));
    assert_true(cJSON_GetArraySize(versions) > 10);
    /* newest first, and every one listed is taken */
    const char *first = cJSON_GetArrayItem(versions, 0)->valuestring;
    const char *last = cJSON_GetArrayItem(versions, cJSON_GetArraySize(versions) - 1)->valuestring;
    assert_true(strcmp(first, last) > 0);
    const cJSON *v;
    cJSON_ArrayForEach(v, versions) {
        char path[256];
        snprintf(path, sizeof(path), GROUP_ID "/providers/Microsoft.Network/virtualNetworks?api-version=%s",
                 v->valuestring);
        mt_check(&t, "GET", path, NULL, 200, NULL);
    }
    assert_non_null(resource_type(r.json, "routeTables"));
    assert_non_null(resource_type(r.json, "virtualNetworks/subnets"));
    assert_non_null(resource_type(r.json, "routeTables/routes"));
    mt_assert_str(mt_json_str(resource_type(r.json, "routeTables/routes"), "capabilities"), "None");
    mt_response_free(&r);

    mt_expect(&t, "GET", SUBP "/providers/Microsoft.ContainerService" RG_API, NULL, 200, NULL, &r);
    const cJSON *mc = resource_type(r.json, "managedClusters");
    assert_non_null(mc);
    assert_true(holds(cJSON_GetObjectItem(mc, "locations"), "China East 2"));
    assert_true(holds(cJSON_GetObjectItem(mc, "apiVersions"), "2024-09-01"));
    mt_assert_str(mt_json_str(mc, "capabilities"), "CrossResourceGroupResourceMove, CrossSubscriptionResourceMove, "
                                                   "SupportsTags, SupportsLocation");
    assert_null(cJSON_GetObjectItem(mc, "locationMappings")); /* no edge zones */
    mt_response_free(&r);

    mt_expect(&t, "GET", SUBP "/providers/Microsoft.Authorization" RG_API, NULL, 200, NULL, &r);
    const cJSON *ra = resource_type(r.json, "roleAssignments");
    assert_non_null(ra);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(ra, "locations")), 0); /* not in a region */
    assert_true(holds(cJSON_GetObjectItem(ra, "apiVersions"), "2022-04-01"));
    mt_assert_str(mt_json_str(ra, "capabilities"), "SupportsExtension");
    mt_response_free(&r);

    mt_expect(&t, "GET", SUBP "/providers/Microsoft.Storage" RG_API, NULL, 200, NULL, &r);
    mt_assert_str(mt_json_str(r.json, "registrationState"), "Registered");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "resourceTypes")), 0);
    mt_response_free(&r);

    mt_expect(&t, "GET", SUBP "/providers" RG_API, NULL, 200, NULL, &r);
    const cJSON *p;
    bool found = false;
    cJSON_ArrayForEach(p, cJSON_GetObjectItem(r.json, "value")) {
        const char *ns = mt_json_str(p, "namespace");
        if (ns && strcmp(ns, "Microsoft.ManagedIdentity") == 0)
            found = resource_type(p, "userAssignedIdentities") != NULL;
    }
    assert_true(found);
    mt_response_free(&r);
    mt_stop(&t);
}

/* ---- tags ----------------------------------------------------------------------------------- */

/* < > % & \ ? / and control characters in a tag name are refused on every tracked type; in a value they are fine. */
static void test_tag_name_characters(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    static const char *const bad[] = {"a<b", "a>b", "100%", "a&b", "a\\\\b", "why?", "k8s.io/role", "tab\\tx",
                                      "bell\\u0007", "del\\u007f"};
    char body[256];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        expect_message(&t, "PUT", RG, tag_body(body, sizeof(body), "chinaeast2", bad[i], "v"), 400,
                       "InvalidTagNameCharacters", "have reserved characters '<,>,%,&,\\,?,/' or control characters");
        mt_check(&t, "PUT", ID, tag_body(body, sizeof(body), "chinaeast2", bad[i], "v"), 400,
                 "InvalidTagNameCharacters");
    }
    expect_message(&t, "PUT", RT, "{\"location\":\"chinaeast2\",\"tags\":{\"ok\":\"v\",\"a/b\":\"v\",\"c?\":\"v\"}}",
                   400, "InvalidTagNameCharacters", "The tag names 'a/b, c?' have reserved characters");
    expect_message(&t, "PUT", VNET, "{\"location\":\"chinaeast2\",\"tags\":{\"a<\":\"v\"}" VNET_PROPS "}", 400,
                   "InvalidTagNameCharacters", "'a<'");
    mt_check(&t, "PUT", CLUSTER, "{\"location\":\"chinaeast2\",\"tags\":{\"a&b\":\"v\"},\"properties\":{}}", 400,
             "InvalidTagNameCharacters");
    /* nothing changed, nothing made */
    struct mt_response r;
    mt_expect(&t, "GET", RG, NULL, 200, NULL, &r);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "tags")), 0);
    mt_response_free(&r);
    mt_check(&t, "GET", ID, NULL, 404, "ResourceNotFound");
    mt_check(&t, "GET", RT, NULL, 404, "ResourceNotFound");
    /* what ARM allows in names, and anything in values */
    mt_expect(&t, "PUT", ID, "{\"location\":\"chinaeast2\",\"tags\":{\"cost center\":\"a<b>%&\\\\?/\","
              "\"k8s.io:role=x+y@z\":\"v\",\"\xc3\xa9t\xc3\xa9\":\"\"}}", 201, NULL, &r);
    mt_assert_str(mt_json_str(r.json, "tags.cost center"), "a<b>%&\\?/");
    mt_response_free(&r);
    mt_stop(&t);
}

/* A name of 512 characters and a value of 256 pass, one more fails; characters, not bytes, are counted. */
static void test_tag_lengths(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    char name[1200], value[600], body[2048];
    memset(name, 'n', 512);
    name[512] = '\0';
    memset(value, 'v', 256);
    value[256] = '\0';
    mt_check(&t, "PUT", RG, tag_body(body, sizeof(body), "chinaeast2", name, value), 200, NULL);
    mt_check(&t, "PUT", ID, tag_body(body, sizeof(body), "chinaeast2", name, value), 201, NULL);
    name[512] = 'n';
    name[513] = '\0';
    expect_message(&t, "PUT", RG, tag_body(body, sizeof(body), "chinaeast2", name, "v"), 400, "InvalidTagName",
                   "Maximum allowed length for tag name - '512' characters.");
    mt_check(&t, "PUT", ID, tag_body(body, sizeof(body), "chinaeast2", name, "v"), 400, "InvalidTagName");
    value[256] = 'v';
    value[257] = '\0';
    expect_message(&t, "PUT", RG, tag_body(body, sizeof(body), "chinaeast2", "k", value), 400,
                   "InvalidTagValueLength", "Maximum allowed length for tag value - '256' characters.");
    snprintf(body, sizeof(body), "{\"location\":\"chinaeast2\",\"tags\":{\"k\":\"%s\"}" VNET_PROPS "}", value);
    mt_check(&t, "PUT", VNET, body, 400, "InvalidTagValueLength");
    mt_check(&t, "GET", VNET, NULL, 404, "ResourceNotFound");
    /* 256 two-byte characters (512 bytes) are 256 characters; 257 are too many */
    for (size_t i = 0; i < 256; i++)
        memcpy(value + 2 * i, "\xc3\xa9", 2);
    value[512] = '\0';
    mt_check(&t, "PUT", RT, tag_body(body, sizeof(body), "chinaeast2", "k", value), 201, NULL);
    memcpy(value + 512, "\xc3\xa9", 3);
    mt_check(&t, "PUT", RT, tag_body(body, sizeof(body), "chinaeast2", "k", value), 400, "InvalidTagValueLength");
    mt_stop(&t);
}

/* 50 tags pass, 51 do not; an empty or blank name does not either. */
static void test_tag_count_and_empty_names(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    char body[2048];
    int n = snprintf(body, sizeof(body), "{\"location\":\"chinaeast2\",\"tags\":{");
    for (int i = 0; i < 50; i++)
        n += snprintf(body + n, sizeof(body) - (size_t)n, "%s\"t%d\":\"v\"", i ? "," : "", i);
    snprintf(body + n, sizeof(body) - (size_t)n, "}}");
    mt_check(&t, "PUT", RG, body, 200, NULL);
    mt_check(&t, "PUT", ID, body, 201, NULL);
    snprintf(body + n, sizeof(body) - (size_t)n, ",\"t50\":\"v\"}}");
    expect_message(&t, "PUT", RG, body, 400, "InvalidTags",
                   "Requested tag count - '51'. Maximum number of tags allowed - '50'.");
    mt_check(&t, "PUT", ID, body, 400, "InvalidTags");
    mt_check(&t, "PUT", RG, "{\"location\":\"chinaeast2\",\"tags\":{\"\":\"v\"}}", 400, "InvalidTagName");
    mt_check(&t, "PUT", ID, "{\"location\":\"chinaeast2\",\"tags\":{\"  \":\"v\"}}", 400, "InvalidTagName");
    mt_stop(&t);
}

/* PATCH of a cluster's tags is held to the same limits before anything runs. */
static void test_cluster_patch_tags(void **state)
{
    (void)state;
    struct mt_tmpdir dir;
    char path[MT_PATH_MAX];
    assert_true(mt_tmpdir_make(&dir, "refusals"));
    assert_non_null(mt_tmpdir_file(&dir, "state.json", path, sizeof(path)));
    cJSON *st = mt_state_new(NULL);
    assert_non_null(st);
    assert_non_null(mt_state_add(st, "Microsoft.Resources", "resourceGroups",
                                 mt_json_parse("{\"id\":\"" GROUP_ID "\",\"name\":\"rg1\",\"type\":"
                                               "\"Microsoft.Resources/resourceGroups\",\"location\":\"chinaeast2\","
                                               "\"tags\":{},\"properties\":{\"provisioningState\":\"Succeeded\"}}"),
                                 1800000000.0));
    assert_non_null(mt_state_add(st, "Microsoft.ContainerService", "managedClusters",
                                 mt_json_parse("{\"id\":\"" CLUSTER_ID "\",\"name\":\"aks1\",\"type\":"
                                               "\"Microsoft.ContainerService/managedClusters\",\"location\":"
                                               "\"chinaeast2\",\"tags\":{\"env\":\"dev\"},\"properties\":"
                                               "{\"provisioningState\":\"Succeeded\"}}"),
                                 1800000000.0));
    assert_true(mt_state_write(st, path));
    struct armmock_options o = {.state_path = path};
    struct mt_mock t;
    assert_true(mt_start(&t, &o, false));
    mt_check(&t, "PATCH", CLUSTER, "{\"tags\":{\"a/b\":\"v\"}}", 400, "InvalidTagNameCharacters");
    mt_check(&t, "PATCH", CLUSTER, "{\"tags\":{\"k\":\"v\\u0000\"}}", 400, "InvalidRequestContent");
    char body[512], value[300];
    memset(value, 'v', 257);
    value[257] = '\0';
    snprintf(body, sizeof(body), "{\"tags\":{\"k\":\"%s\"}}", value);
    mt_check(&t, "PATCH", CLUSTER, body, 400, "InvalidTagValueLength");
    mt_check(&t, "PATCH", CLUSTER, "{\"tags\":{\"\":\"v\"}}", 400, "InvalidTagName");
    assert_int_equal(mt_journal_count(&t, "PATCH", "managedClusters", 0), 4);
    mt_stop(&t);
    mt_tmpdir_remove(&dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nul_in_strings),
        cmocka_unit_test(test_escapes_that_are_not_nul),
        cmocka_unit_test(test_unknown_location),
        cmocka_unit_test(test_known_locations),
        cmocka_unit_test(test_provider_resource_types),
        cmocka_unit_test(test_tag_name_characters),
        cmocka_unit_test(test_tag_lengths),
        cmocka_unit_test(test_tag_count_and_empty_names),
        cmocka_unit_test(test_cluster_patch_tags),
    };
    return cmocka_run_group_tests_name("aksnet-mock refusals", tests, NULL, NULL);
}
