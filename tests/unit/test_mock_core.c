/*
 * test_mock_core.c - aksnet-mock's ARM behaviour that every resource type
 * shares: authentication, api-version, resource groups (and their
 * long-running delete), operations, faults, throttling headers, the
 * journal, bad requests, state, HTTPS, IPv6, listening, subscriptions.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <unistd.h>
#include <poll.h>
#include <cmocka.h>

#include <curl/curl.h>

#include "json_support.h"
#include "mock_support.h"
#include "tmpfiles.h"

#define SUBP "/subscriptions/" MT_SUB
#define RG SUBP "/resourcegroups/rg1?api-version=2021-04-01"
#define RG_BODY "{\"location\":\"chinaeast2\",\"tags\":{\"a\":\"b\"}}"
#define ID_PATH SUBP "/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1"
#define ID ID_PATH "?api-version=2023-01-31"
#define ID_LIST SUBP "/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities" \
    "?api-version=2023-01-31"

/* ---- helpers ------------------------------------------------------------------ */

/* One request that must reach the server and get an answer; returns the status. */
static long call(struct mt_mock *t, const char *method, const char *path, const char *body, struct mt_response *r)
{
    assert_true(mt_request(t, method, path, body, NULL, true, NULL, r));
    return r->status;
}

/* The same, for a request whose answer the test does not read further. */
static long call_status(struct mt_mock *t, const char *method, const char *path, const char *body)
{
    struct mt_response r;
    long status = call(t, method, path, body, &r);
    mt_response_free(&r);
    return status;
}

/* Start a mock with the given fault rules (and nothing else special). */
static void start_with_faults(struct mt_mock *t, const char *const *faults, size_t n)
{
    struct armmock_options o = {0};
    o.faults = faults;
    o.fault_count = n;
    assert_true(mt_start(t, &o, false));
    assert_non_null(t->token);
}

static void put_group(struct mt_mock *t)
{
    long s = call_status(t, "PUT", RG, RG_BODY);
    assert_true(s == 201 || s == 200);
}

/* rg1 is there with what RG_BODY gave it (a bad request before must not have changed it). */
static void assert_group_intact(struct mt_mock *t)
{
    struct mt_response r;
    assert_int_equal(call(t, "GET", RG, NULL, &r), 200);
    assert_string_equal(cJSON_GetObjectItem(r.json, "location")->valuestring, "chinaeast2");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "tags"), "a")->valuestring, "b");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "properties"), "provisioningState")->valuestring,
        "Succeeded");
    mt_response_free(&r);
    assert_true(call(t, "GET", SUBP "/resourcegroups?api-version=2021-04-01", NULL, &r) == 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "value")), 1);
    mt_response_free(&r);
}

/* The path of an absolute URL whatever its host (a mock that has restarted on another port). */
static const char *any_path(const char *url)
{
    const char *p = strstr(url, "://");
    assert_non_null(p);
    p = strchr(p + 3, '/');
    assert_non_null(p);
    return p;
}

static const char *prov_state(const cJSON *o)
{
    return mt_json_str(cJSON_GetObjectItemCaseSensitive(o, "properties"), "provisioningState");
}

/* Start a DELETE of rg1 and return its Azure-AsyncOperation and Location URLs. */
static void delete_group(struct mt_mock *t, char *aao, char *loc, size_t len)
{
    struct mt_response r;
    assert_int_equal(call(t, "DELETE", RG, NULL, &r), 202);
    assert_non_null(mt_header(&r, "Azure-AsyncOperation", aao, len));
    assert_non_null(mt_header(&r, "Location", loc, len));
    char ra[32];
    assert_non_null(mt_header(&r, "Retry-After", ra, sizeof(ra)));
    mt_response_free(&r);
}

static long header_long(const struct mt_response *r, const char *name)
{
    char buf[64];
    assert_non_null(mt_header(r, name, buf, sizeof(buf)));
    char *end = NULL;
    long v = strtol(buf, &end, 10);
    assert_true(end != buf && *end == '\0');
    return v;
}

/* ---- groups, authentication, api-version ------------------------------------------------ */

static void test_group_lifecycle(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    assert_non_null(t.token);
    struct mt_response r;
    assert_true(
        mt_request(&t, "PUT", RG, "{\"location\":\"chinaeast2\",\"tags\":{\"a\":\"b\"}}", NULL, true, NULL, &r));
    assert_int_equal(r.status, 201);
    assert_string_equal(cJSON_GetObjectItem(r.json, "name")->valuestring, "rg1");
    mt_response_free(&r);
    assert_true(mt_request(&t, "PUT", RG, "{\"location\":\"chinaeast2\"}", NULL, true, NULL, &r));
    assert_int_equal(r.status, 200);
    mt_response_free(&r);
    /* the id is case-insensitive */
    assert_true(mt_request(&t, "GET", "/subscriptions/" MT_SUB "/resourceGroups/RG1?api-version=2025-04-01", NULL, NULL,
                           true, NULL, &r));
    assert_int_equal(r.status, 200);
    mt_response_free(&r);
    /* delete is long-running: 202 + Location, gone once the operation has run */
    assert_true(mt_request(&t, "DELETE", RG, NULL, NULL, true, NULL, &r));
    assert_int_equal(r.status, 202);
    char loc[1024];
    assert_non_null(mt_header(&r, "Location", loc, sizeof(loc)));
    mt_response_free(&r);
    assert_true(mt_request(&t, "GET", RG, NULL, NULL, true, NULL, &r));
    assert_int_equal(r.status, 200);
    mt_response_free(&r);
    mt_advance(&t, 10);
    assert_true(mt_request(&t, "GET", RG, NULL, NULL, true, NULL, &r));
    assert_int_equal(r.status, 404);
    assert_string_equal(mt_error_code(&r), "ResourceGroupNotFound");
    mt_response_free(&r);
    mt_stop(&t);
}

static void test_auth_errors(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    struct mt_response r;
    assert_true(mt_request(&t, "GET", RG, NULL, NULL, false, NULL, &r));
    assert_int_equal(r.status, 401);
    assert_string_equal(mt_error_code(&r), "AuthenticationFailed");
    mt_response_free(&r);
    assert_true(mt_request(&t, "GET", RG, NULL, NULL, false, "Authorization: Bearer eyJhbGciOiJub25lIn0.e30.", &r));
    assert_int_equal(r.status, 401);
    assert_string_equal(mt_error_code(&r), "InvalidAuthenticationToken");
    mt_response_free(&r);
    mt_advance(&t, 7200); /* past the default token lifetime */
    assert_true(mt_request(&t, "GET", RG, NULL, NULL, true, NULL, &r));
    assert_int_equal(r.status, 401);
    assert_string_equal(mt_error_code(&r), "ExpiredAuthenticationToken");
    mt_response_free(&r);
    mt_stop(&t);
}

static void test_api_version(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    struct mt_response r;
    assert_true(mt_request(&t, "GET", "/subscriptions/" MT_SUB "/resourcegroups/rg1", NULL, NULL, true, NULL, &r));
    assert_int_equal(r.status, 400);
    assert_string_equal(mt_error_code(&r), "MissingApiVersionParameter");
    mt_response_free(&r);
    assert_true(mt_request(&t, "GET", "/subscriptions/" MT_SUB "/resourcegroups/rg1?api-version=2099-01-01", NULL, NULL,
                           true, NULL, &r));
    assert_int_equal(r.status, 400);
    assert_string_equal(mt_error_code(&r), "InvalidApiVersionParameter");
    mt_response_free(&r);
    mt_stop(&t);
}

/* ---- long-running operations -------------------------------------------------------------- */

/* The Azure-AsyncOperation status resource goes InProgress -> Succeeded; the group follows. */
static void test_lro_async_operation_status(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    put_group(&t);
    char aao[1024], loc[1024];
    delete_group(&t, aao, loc, sizeof(aao));
    const char *path = mt_local_path(&t, aao);
    struct mt_response r;
    assert_int_equal(call(&t, "GET", path, NULL, &r), 200);
    assert_string_equal(mt_json_str(r.json, "status"), "InProgress");
    assert_non_null(mt_json_str(r.json, "id"));
    assert_non_null(mt_json_str(r.json, "name"));
    assert_non_null(strstr(path, mt_json_str(r.json, "name")));
    assert_non_null(mt_json_str(r.json, "startTime"));
    assert_null(cJSON_GetObjectItem(r.json, "endTime"));
    assert_null(cJSON_GetObjectItem(r.json, "error"));
    char ra[32];
    assert_non_null(mt_header(&r, "Retry-After", ra, sizeof(ra)));
    char start[64];
    snprintf(start, sizeof(start), "%s", mt_json_str(r.json, "startTime"));
    mt_response_free(&r);
    /* while it runs, the group says so */
    assert_int_equal(call(&t, "GET", RG, NULL, &r), 200);
    assert_string_equal(prov_state(r.json), "Deleting");
    mt_response_free(&r);
    mt_advance(&t, 10);
    assert_int_equal(call(&t, "GET", path, NULL, &r), 200);
    assert_string_equal(mt_json_str(r.json, "status"), "Succeeded");
    assert_string_equal(mt_json_str(r.json, "startTime"), start);
    assert_non_null(mt_json_str(r.json, "endTime"));
    assert_true(strcmp(mt_json_str(r.json, "endTime"), start) > 0);
    assert_int_equal(strlen(mt_json_str(r.json, "endTime")), strlen("2027-01-15T08:00:00.0000000Z"));
    mt_response_free(&r);
    assert_int_equal(call_status(&t, "GET", RG, NULL), 404);
    mt_stop(&t);
}

/* The Location form: 202 (with Location and Retry-After) while running, 204 once a delete is done. */
static void test_lro_location_form(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    put_group(&t);
    char aao[1024], loc[1024], again[1024];
    delete_group(&t, aao, loc, sizeof(aao));
    assert_string_not_equal(aao, loc);
    struct mt_response r;
    assert_int_equal(call(&t, "GET", mt_local_path(&t, loc), NULL, &r), 202);
    assert_non_null(mt_header(&r, "Location", again, sizeof(again)));
    assert_true(header_long(&r, "Retry-After") >= 0);
    mt_response_free(&r);
    mt_advance(&t, 10);
    assert_int_equal(call(&t, "GET", mt_local_path(&t, again), NULL, &r), 204);
    assert_int_equal(strlen(r.body), 0);
    mt_response_free(&r);
    /* an operation that does not exist */
    assert_int_equal(call(&t, "GET", SUBP "/providers/Microsoft.Resources/locations/chinaeast2/operationResults/"
                                       "no-such-op?api-version=2021-04-01", NULL, &r), 404);
    assert_non_null(mt_error_code(&r));
    mt_response_free(&r);
    mt_stop(&t);
}

/* Retry-After counts the whole seconds left, as ARM sends it. */
static void test_lro_retry_after(void **state)
{
    (void)state;
    struct armmock_options o = {0};
    o.lro_seconds = 5;
    struct mt_mock t;
    assert_true(mt_start(&t, &o, false));
    put_group(&t);
    struct mt_response r;
    assert_int_equal(call(&t, "DELETE", RG, NULL, &r), 202);
    assert_int_equal(header_long(&r, "Retry-After"), 5);
    char aao[1024];
    assert_non_null(mt_header(&r, "Azure-AsyncOperation", aao, sizeof(aao)));
    mt_response_free(&r);
    mt_advance(&t, 2.5);
    assert_int_equal(call(&t, "GET", mt_local_path(&t, aao), NULL, &r), 200);
    assert_string_equal(mt_json_str(r.json, "status"), "InProgress");
    assert_int_equal(header_long(&r, "Retry-After"), 3);
    mt_response_free(&r);
    mt_advance(&t, 2.5);
    assert_int_equal(call(&t, "GET", mt_local_path(&t, aao), NULL, &r), 200);
    assert_string_equal(mt_json_str(r.json, "status"), "Succeeded");
    mt_response_free(&r);
    mt_stop(&t);
}

/*
 * Under a second left, Retry-After says 1, never 0: clients read 0 as "no
 * advice" and wait their own default (the Azure CLI 30 s, the JS SDK 2 s).
 */
static void test_lro_retry_after_never_zero(void **state)
{
    (void)state;
    struct armmock_options o = {.lro_seconds = 0.3};
    struct mt_mock t;
    assert_true(mt_start(&t, &o, false));
    put_group(&t);
    struct mt_response r;
    assert_int_equal(call(&t, "DELETE", RG, NULL, &r), 202);
    assert_int_equal(header_long(&r, "Retry-After"), 1);
    char aao[1024];
    assert_non_null(mt_header(&r, "Azure-AsyncOperation", aao, sizeof(aao)));
    mt_response_free(&r);
    mt_advance(&t, 0.2);
    assert_int_equal(call(&t, "GET", mt_local_path(&t, aao), NULL, &r), 200);
    assert_string_equal(mt_json_str(r.json, "status"), "InProgress");
    assert_int_equal(header_long(&r, "Retry-After"), 1);
    mt_response_free(&r);
    mt_stop(&t);
}

/*
 * instant_operations (aksnet-mock --lro-seconds 0): ARM's synchronous
 * answer.  A long-running PUT comes back 201 already Succeeded, with nothing
 * to poll; a DELETE is 200 and the resource is gone at once.
 */
static void test_instant_operations(void **state)
{
    (void)state;
    struct armmock_options o = {.instant_operations = true};
    struct mt_mock t;
    assert_true(mt_start(&t, &o, false));
    put_group(&t);
    static const char rt[] =
        SUBP "/resourceGroups/rg1/providers/Microsoft.Network/routeTables/rt1?api-version=2024-05-01";
    struct mt_response r;
    char h[1024];
    assert_int_equal(call(&t, "PUT", rt, "{\"location\":\"chinaeast2\",\"properties\":{}}", &r), 201);
    assert_null(mt_header(&r, "Azure-AsyncOperation", h, sizeof(h)));
    assert_null(mt_header(&r, "Retry-After", h, sizeof(h)));
    assert_string_equal(prov_state(r.json), "Succeeded");
    mt_response_free(&r);
    assert_int_equal(call(&t, "GET", rt, NULL, &r), 200);
    assert_string_equal(prov_state(r.json), "Succeeded");
    mt_response_free(&r);
    assert_int_equal(call(&t, "DELETE", RG, NULL, &r), 200);
    assert_null(mt_header(&r, "Location", h, sizeof(h)));
    mt_response_free(&r);
    assert_int_equal(call_status(&t, "GET", RG, NULL), 404);
    assert_int_equal(call_status(&t, "GET", rt, NULL), 404);
    mt_stop(&t);
}

/* Status URLs name the location as ARM writes it in URLs (no spaces, lower case), and they answer. */
static void test_lro_status_url_location(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    assert_int_equal(call_status(&t, "PUT", RG, "{\"location\":\"China East 2\"}"), 201);
    char aao[1024], loc[1024];
    delete_group(&t, aao, loc, sizeof(aao));
    assert_null(strchr(aao, ' '));
    assert_null(strchr(loc, ' '));
    assert_non_null(strstr(aao, "/locations/chinaeast2/"));
    assert_non_null(strstr(aao, "api-version=2021-04-01"));
    assert_int_equal(call_status(&t, "GET", mt_local_path(&t, aao), NULL), 200);
    assert_int_equal(call_status(&t, "GET", mt_local_path(&t, loc), NULL), 202);
    mt_stop(&t);
}

/* A group being deleted takes no writes: 409 for the group and for what would go in it. */
static void test_put_group_being_deleted(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    put_group(&t);
    char aao[1024], loc[1024];
    delete_group(&t, aao, loc, sizeof(aao));
    struct mt_response r;
    assert_int_equal(call(&t, "PUT", RG, RG_BODY, &r), 409);
    assert_string_equal(mt_error_code(&r), "ResourceGroupBeingDeleted");
    mt_response_free(&r);
    assert_int_equal(call(&t, "PUT", ID, "{\"location\":\"chinaeast2\"}", &r), 409);
    assert_string_equal(mt_error_code(&r), "ResourceGroupBeingDeleted");
    mt_response_free(&r);
    /* a second DELETE is accepted and points at the same operation */
    assert_int_equal(call(&t, "DELETE", RG, NULL, &r), 202);
    char loc2[1024];
    assert_non_null(mt_header(&r, "Location", loc2, sizeof(loc2)));
    assert_string_equal(loc, loc2);
    mt_response_free(&r);
    mt_advance(&t, 10);
    assert_int_equal(call_status(&t, "PUT", RG, RG_BODY), 201);
    mt_stop(&t);
}

/* Deleting a group deletes what is in it. */
static void test_group_delete_removes_contents(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    put_group(&t);
    struct mt_response r;
    assert_int_equal(call(&t, "PUT", ID, "{\"location\":\"chinaeast2\"}", &r), 201);
    assert_non_null(mt_json_str(cJSON_GetObjectItem(r.json, "properties"), "principalId"));
    mt_response_free(&r);
    assert_int_equal(call(&t, "GET", ID_LIST, NULL, &r), 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "value")), 1);
    mt_response_free(&r);
    assert_int_equal(call(&t, "GET", SUBP "/resourceGroups/rg1/resources?api-version=2021-04-01", NULL, &r), 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "value")), 1);
    mt_response_free(&r);
    char aao[1024], loc[1024];
    delete_group(&t, aao, loc, sizeof(aao));
    assert_int_equal(call_status(&t, "GET", ID, NULL), 200); /* not yet */
    mt_advance(&t, 10);
    assert_int_equal(call(&t, "GET", ID, NULL, &r), 404);
    assert_string_equal(mt_error_code(&r), "ResourceGroupNotFound");
    mt_response_free(&r);
    /* a new group of the same name starts empty */
    assert_int_equal(call_status(&t, "PUT", RG, RG_BODY), 201);
    assert_int_equal(call(&t, "GET", ID, NULL, &r), 404);
    assert_string_equal(mt_error_code(&r), "ResourceNotFound");
    mt_response_free(&r);
    assert_int_equal(call(&t, "GET", ID_LIST, NULL, &r), 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "value")), 0);
    mt_response_free(&r);
    mt_stop(&t);
}

/* ---- faults ------------------------------------------------------------------------------ */

/* GET /healthz answers 200 without a token, whatever the fault rules, and stays out of the journal. */
static void test_health_check(void **state)
{
    (void)state;
    static const char *const faults[] = {"GET:*:503:100", "HEAD:*:503:100"};
    struct mt_mock t;
    start_with_faults(&t, faults, 2);
    struct mt_response r;
    assert_true(mt_request(&t, "GET", "/healthz", NULL, NULL, false, NULL, &r));
    assert_int_equal(r.status, 200);
    assert_non_null(r.json);
    assert_string_equal(mt_json_str(r.json, "status"), "ok");
    mt_response_free(&r);
    assert_true(mt_request(&t, "HEAD", "/healthz", NULL, NULL, false, NULL, &r));
    assert_int_equal(r.status, 200);
    mt_response_free(&r);
    assert_int_equal(call_status(&t, "GET", RG, NULL), 503); /* the rule holds for everything else */
    size_t n = 0;
    cJSON **lines = mt_journal(&t, &n);
    for (size_t i = 0; i < n; i++)
        assert_null(strstr(mt_json_str(lines[i], "path"), "healthz"));
    mt_journal_free(lines, n);
    mt_stop(&t);
}

static void test_fault_429(void **state)
{
    (void)state;
    static const char *const faults[] = {"GET:*/resourcegroups/rg1:429"};
    struct mt_mock t;
    start_with_faults(&t, faults, 1);
    put_group(&t);
    struct mt_response r;
    assert_int_equal(call(&t, "GET", RG, NULL, &r), 429);
    assert_int_equal(header_long(&r, "Retry-After"), 1);
    assert_non_null(mt_error_code(&r));
    char buf[64];
    assert_non_null(mt_header(&r, "x-ms-ratelimit-remaining-subscription-reads", buf, sizeof(buf)));
    mt_response_free(&r);
    assert_int_equal(call_status(&t, "GET", RG, NULL), 200); /* COUNT defaults to 1 */
    mt_stop(&t);
}

static void test_fault_429_retry_after_seconds(void **state)
{
    (void)state;
    static const char *const faults[] = {"PUT:*/resourcegroups/rg1:429=7"};
    struct mt_mock t;
    start_with_faults(&t, faults, 1);
    struct mt_response r;
    assert_int_equal(call(&t, "PUT", RG, RG_BODY, &r), 429);
    assert_int_equal(header_long(&r, "Retry-After"), 7);
    mt_response_free(&r);
    assert_int_equal(call_status(&t, "PUT", RG, RG_BODY), 201);
    mt_stop(&t);
}

static void test_fault_500(void **state)
{
    (void)state;
    static const char *const faults[] = {"GET:*/resourcegroups/rg1:500"};
    struct mt_mock t;
    start_with_faults(&t, faults, 1);
    put_group(&t);
    struct mt_response r;
    assert_int_equal(call(&t, "GET", RG, NULL, &r), 500);
    assert_non_null(mt_error_code(&r));
    mt_response_free(&r);
    assert_int_equal(call_status(&t, "GET", RG, NULL), 200);
    mt_stop(&t);
}

/* COUNT: two 503 answers, then the real one. */
static void test_fault_503_count(void **state)
{
    (void)state;
    static const char *const faults[] = {"GET:*/resourcegroups/rg1:503:2"};
    struct mt_mock t;
    start_with_faults(&t, faults, 1);
    put_group(&t);
    struct mt_response r;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(call(&t, "GET", RG, NULL, &r), 503);
        assert_string_equal(mt_error_code(&r), "ServiceUnavailable");
        assert_true(header_long(&r, "Retry-After") >= 1);
        mt_response_free(&r);
    }
    assert_int_equal(call_status(&t, "GET", RG, NULL), 200);
    assert_int_equal(call_status(&t, "GET", RG, NULL), 200);
    mt_stop(&t);
}

/* reset: the connection closes with no answer at all. */
static void test_fault_reset(void **state)
{
    (void)state;
    static const char *const faults[] = {"GET:*/resourcegroups/rg1:reset"};
    struct mt_mock t;
    start_with_faults(&t, faults, 1);
    put_group(&t);
    struct mt_response r;
    assert_false(mt_request(&t, "GET", RG, NULL, NULL, true, NULL, &r));
    assert_int_equal(r.status, 0);
    assert_int_equal(r.curl_code, CURLE_GOT_NOTHING);
    mt_response_free(&r);
    assert_group_intact(&t);
    mt_stop(&t);
}

/* delay=MS: the answer comes (how late is not asserted). */
static void test_fault_delay(void **state)
{
    (void)state;
    static const char *const faults[] = {"GET:*/resourcegroups/rg1:delay=50"};
    struct mt_mock t;
    start_with_faults(&t, faults, 1);
    put_group(&t);
    struct mt_response r;
    assert_int_equal(call(&t, "GET", RG, NULL, &r), 200);
    assert_string_equal(mt_json_str(r.json, "name"), "rg1");
    mt_response_free(&r);
    mt_stop(&t);
}

/* fail: the next operation on the path ends Failed with an ARM error, everywhere it shows. */
static void test_fault_fail(void **state)
{
    (void)state;
    static const char *const faults[] = {"DELETE:*/resourceGroups/rg1:fail"};
    struct mt_mock t;
    start_with_faults(&t, faults, 1);
    put_group(&t);
    char aao[1024], loc[1024];
    delete_group(&t, aao, loc, sizeof(aao));
    struct mt_response r;
    assert_int_equal(call(&t, "GET", mt_local_path(&t, aao), NULL, &r), 200);
    assert_string_equal(mt_json_str(r.json, "status"), "InProgress");
    mt_response_free(&r);
    mt_advance(&t, 10);
    assert_int_equal(call(&t, "GET", mt_local_path(&t, aao), NULL, &r), 200);
    assert_string_equal(mt_json_str(r.json, "status"), "Failed");
    const cJSON *err = cJSON_GetObjectItem(r.json, "error");
    assert_non_null(mt_json_str(err, "code"));
    assert_non_null(mt_json_str(err, "message"));
    assert_non_null(mt_json_str(r.json, "endTime"));
    mt_response_free(&r);
    assert_int_equal(call(&t, "GET", mt_local_path(&t, loc), NULL, &r), 400);
    assert_non_null(mt_error_code(&r));
    mt_response_free(&r);
    assert_int_equal(call(&t, "GET", RG, NULL, &r), 200); /* still there */
    assert_string_equal(prov_state(r.json), "Failed");
    mt_response_free(&r);
    /* the fault is used up: the next delete succeeds */
    delete_group(&t, aao, loc, sizeof(aao));
    mt_advance(&t, 10);
    assert_int_equal(call(&t, "GET", mt_local_path(&t, aao), NULL, &r), 200);
    assert_string_equal(mt_json_str(r.json, "status"), "Succeeded");
    mt_response_free(&r);
    assert_int_equal(call_status(&t, "GET", RG, NULL), 404);
    mt_stop(&t);
}

/* apply-reset: the write takes effect, then the connection closes unanswered; the journal says so. */
static void test_fault_apply_reset(void **state)
{
    (void)state;
    static const char *const faults[] = {"PUT:*/resourcegroups/rg1:apply-reset"};
    struct mt_mock t;
    start_with_faults(&t, faults, 1);
    struct mt_response r;
    assert_false(mt_request(&t, "PUT", RG, RG_BODY, NULL, true, NULL, &r));
    assert_int_equal(r.status, 0);
    assert_int_equal(r.curl_code, CURLE_GOT_NOTHING);
    mt_response_free(&r);
    assert_group_intact(&t); /* applied although never answered */
    assert_int_equal(call_status(&t, "PUT", RG, RG_BODY), 200); /* the client's retry: already there */
    size_t n = 0;
    cJSON **lines = mt_journal(&t, &n);
    size_t dropped = 0;
    for (size_t i = 0; i < n; i++)
        dropped += cJSON_IsNull(cJSON_GetObjectItem(lines[i], "status"));
    mt_journal_free(lines, n);
    assert_int_equal(dropped, 1);
    mt_stop(&t);
}

/*
 * apply-reset on a DELETE: the delete happens though nobody hears of it.
 * Operations end at once here: moving the clock while the server thread of
 * a dropped request may still be journaling would race with it.
 */
static void test_fault_apply_reset_operation(void **state)
{
    (void)state;
    static const char *const faults[] = {"DELETE:*/resourcegroups/rg1:apply-reset"};
    struct armmock_options o = {.faults = faults, .fault_count = 1, .instant_operations = true};
    struct mt_mock t;
    assert_true(mt_start(&t, &o, false));
    put_group(&t);
    struct mt_response r;
    assert_false(mt_request(&t, "DELETE", RG, NULL, NULL, true, NULL, &r));
    mt_response_free(&r);
    assert_int_equal(call_status(&t, "GET", RG, NULL), 404); /* the lost DELETE did its work */
    mt_stop(&t);
}

/* 401: ARM's answer to an expired token, whatever the token; used up, the same token works again. */
static void test_fault_expired_token(void **state)
{
    (void)state;
    static const char *const faults[] = {"GET:*/resourcegroups/rg1:401"};
    struct mt_mock t;
    start_with_faults(&t, faults, 1);
    put_group(&t);
    struct mt_response r;
    assert_int_equal(call(&t, "GET", RG, NULL, &r), 401);
    assert_string_equal(mt_error_code(&r), "ExpiredAuthenticationToken");
    char www[512];
    assert_non_null(mt_header(&r, "WWW-Authenticate", www, sizeof(www)));
    assert_non_null(strstr(www, "error=\"invalid_token\""));
    mt_response_free(&r);
    assert_int_equal(call_status(&t, "GET", RG, NULL), 200);
    mt_stop(&t);
}

/* 409: the busy answer of the resource's provider: AKS's OperationNotAllowed, ARM's AnotherOperationInProgress. */
static void test_fault_busy(void **state)
{
    (void)state;
    static const char *const faults[] = {"PUT:*/managedClusters/*:409", "PUT:*/resourcegroups/rg1:409",
                                         "PUT:*/roleAssignments/*:409"};
    struct mt_mock t;
    start_with_faults(&t, faults, 3);
    struct mt_response r;
    assert_int_equal(call(&t, "PUT", RG, RG_BODY, &r), 409);
    assert_string_equal(mt_error_code(&r), "AnotherOperationInProgress");
    mt_response_free(&r);
    put_group(&t); /* used up */
    assert_int_equal(call(&t, "PUT", SUBP "/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/"
                                      "c1?api-version=2024-09-01", "{}", &r), 409);
    assert_string_equal(mt_error_code(&r), "OperationNotAllowed");
    assert_non_null(strstr(mt_error_message(&r), "in progress"));
    mt_response_free(&r);
    /* a role assignment on a cluster is Microsoft.Authorization's, not AKS's */
    assert_int_equal(call(&t, "PUT", SUBP "/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/"
                                      "c1/providers/Microsoft.Authorization/roleAssignments/x?api-version=2022-04-01",
                          "{}", &r), 409);
    assert_string_equal(mt_error_code(&r), "AnotherOperationInProgress");
    mt_response_free(&r);
    mt_stop(&t);
}

/* METHOD: a specific method hits only that method, '*' hits any. */
static void test_fault_method(void **state)
{
    (void)state;
    static const char *const faults[] = {"delete:*/resourcegroups/rg1:500", "*:*/resourcegroups/rg2*:503:3"};
    struct mt_mock t;
    start_with_faults(&t, faults, 2);
    put_group(&t);
    assert_int_equal(call_status(&t, "GET", RG, NULL), 200);
    assert_int_equal(call_status(&t, "PUT", RG, RG_BODY), 200);
    assert_int_equal(call_status(&t, "DELETE", RG, NULL), 500);
    const char *rg2 = SUBP "/resourcegroups/rg2?api-version=2021-04-01";
    assert_int_equal(call_status(&t, "PUT", rg2, RG_BODY), 503);
    assert_int_equal(call_status(&t, "GET", rg2, NULL), 503);
    assert_int_equal(call_status(&t, "DELETE", rg2, NULL), 503);
    assert_int_equal(call_status(&t, "PUT", rg2, RG_BODY), 201);
    mt_stop(&t);
}

/* The glob matches without regard to case, and only where it should. */
static void test_fault_glob_case(void **state)
{
    (void)state;
    static const char *const faults[] = {"GET:/SUBSCRIPTIONS/*/RESOURCEGROUPS/RG1:503"};
    struct mt_mock t;
    start_with_faults(&t, faults, 1);
    put_group(&t);
    assert_int_equal(call_status(&t, "PUT", SUBP "/resourceGroups/rg10?api-version=2021-04-01", RG_BODY), 201);
    assert_int_equal(call_status(&t, "GET", SUBP "/resourceGroups/rg10?api-version=2021-04-01", NULL), 200);
    assert_int_equal(call_status(&t, "GET", SUBP "/resourceGroups/Rg1?api-version=2021-04-01", NULL), 503);
    assert_int_equal(call_status(&t, "GET", RG, NULL), 200);
    mt_stop(&t);
}

/* A bad rule stops the mock from starting, with a message naming the rule. */
static void test_fault_bad_rules(void **state)
{
    (void)state;
    static const char *const bad[] = {"x", "GET:*:418", "GET:*:429=abc", "GET:*:delay=", "GET:*:503:0",
                                      "GET:*:503:-1", "GET:*:fail:two", "GET::500", "PUT:*:fail=",
                                      "PUT:*:fail=Bad-Code", "PUT:*:fail=Code With Spaces",
                                      "PUT:*:fail=A123456789012345678901234567890123456789012345678901234567890123",
                                      "GET:*:409=5", "GET:*:401x", "GET:*:apply"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct armmock_options o = {0};
        o.faults = &bad[i];
        o.fault_count = 1;
        char err[512] = "";
        struct armmock *m = armmock_start(&o, err, sizeof(err));
        if (m)
            fprintf(stderr, "accepted: %s\n", bad[i]);
        assert_null(m);
        assert_non_null(strstr(err, "--fault"));
        assert_non_null(strstr(err, bad[i]));
        char why[512];
        assert_true(armmock_check_options(&o, why, sizeof(why)) == false);
    }
}

/* ---- throttling headers ----------------------------------------------------------------- */

static void test_ratelimit_headers(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    struct mt_response r;
    assert_int_equal(call(&t, "PUT", RG, RG_BODY, &r), 201);
    long reads0 = header_long(&r, "x-ms-ratelimit-remaining-subscription-reads");
    long writes0 = header_long(&r, "x-ms-ratelimit-remaining-subscription-writes");
    char id1[64], id2[64];
    assert_non_null(mt_header(&r, "x-ms-request-id", id1, sizeof(id1)));
    mt_response_free(&r);
    assert_int_equal(call(&t, "GET", RG, NULL, &r), 200);
    long reads1 = header_long(&r, "x-ms-ratelimit-remaining-subscription-reads");
    assert_int_equal(reads1, reads0 - 1);
    assert_int_equal(header_long(&r, "x-ms-ratelimit-remaining-subscription-writes"), writes0);
    assert_non_null(mt_header(&r, "x-ms-request-id", id2, sizeof(id2)));
    assert_string_not_equal(id1, id2);
    mt_response_free(&r);
    assert_int_equal(call(&t, "GET", RG, NULL, &r), 200);
    assert_int_equal(header_long(&r, "x-ms-ratelimit-remaining-subscription-reads"), reads1 - 1);
    mt_response_free(&r);
    assert_int_equal(call(&t, "PUT", RG, RG_BODY, &r), 200);
    assert_int_equal(header_long(&r, "x-ms-ratelimit-remaining-subscription-writes"), writes0 - 1);
    assert_int_equal(header_long(&r, "x-ms-ratelimit-remaining-subscription-reads"), reads1 - 1);
    mt_response_free(&r);
    /* errors carry them too, and a client's correlation id comes back */
    assert_true(mt_request(&t, "GET", SUBP "/resourcegroups/nope?api-version=2021-04-01", NULL, NULL, true,
                           "x-ms-correlation-request-id: corr-1234", &r));
    assert_int_equal(r.status, 404);
    assert_non_null(mt_header(&r, "x-ms-request-id", id2, sizeof(id2)));
    assert_string_equal(mt_header(&r, "x-ms-correlation-request-id", id1, sizeof(id1)), "corr-1234");
    assert_true(header_long(&r, "x-ms-ratelimit-remaining-subscription-reads") < reads1);
    mt_response_free(&r);
    assert_true(mt_request(&t, "GET", RG, NULL, NULL, false, NULL, &r));
    assert_int_equal(r.status, 401);
    assert_non_null(mt_header(&r, "x-ms-request-id", id2, sizeof(id2)));
    mt_response_free(&r);
    mt_stop(&t);
}

/* ---- the journal --------------------------------------------------------------------------- */

static bool is_rfc3339_ms(const char *s)
{
    /* 2027-01-15T08:00:00.000Z */
    if (strlen(s) != 24)
        return false;
    for (size_t i = 0; i < 24; i++) {
        char c = s[i];
        bool ok = (i == 4 || i == 7) ? c == '-'
                  : i == 10          ? c == 'T'
                  : (i == 13 || i == 16) ? c == ':'
                  : i == 19              ? c == '.'
                  : i == 23              ? c == 'Z'
                                         : (c >= '0' && c <= '9');
        if (!ok)
            return false;
    }
    return true;
}

static void assert_journal_keys(const cJSON *line)
{
    static const char *const keys[] = {"ts", "arrived", "connection", "method", "path", "query", "status",
                                       "requestHeaders", "requestBody", "responseBody", "durationMs"};
    assert_non_null(line);
    assert_int_equal(cJSON_GetArraySize(line), 11);
    for (size_t k = 0; k < 11; k++)
        assert_non_null(cJSON_GetObjectItemCaseSensitive(line, keys[k]));
    assert_true(is_rfc3339_ms(mt_json_str(line, "ts")));
    assert_true(is_rfc3339_ms(mt_json_str(line, "arrived")));
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(line, "durationMs")));
    assert_true(cJSON_GetObjectItem(line, "durationMs")->valuedouble >= 0);
    assert_true(cJSON_IsObject(cJSON_GetObjectItem(line, "requestHeaders")));
    assert_non_null(mt_json_str(line, "method"));
    assert_non_null(mt_json_str(line, "path"));
    assert_non_null(mt_json_str(line, "query"));
}

static void test_journal(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    put_group(&t);
    assert_int_equal(call_status(&t, "GET", RG, NULL), 200);
    struct mt_response r;
    assert_true(mt_request(&t, "POST", "/" MT_TENANT "/oauth2/v2.0/token",
                           "grant_type=client_credentials&client_id=" MT_CLIENT "&client_secret=" MT_SECRET
                           "&scope=https%3A%2F%2Fmanagement.azure.com%2F.default",
                           "application/x-www-form-urlencoded", false, NULL, &r));
    assert_int_equal(r.status, 200);
    char *token2 = strdup(mt_json_str(r.json, "access_token"));
    mt_response_free(&r);
    /* a raw token without a scheme must not leak either */
    assert_true(mt_request(&t, "GET", RG, NULL, NULL, false, "Authorization: sometokenwithoutscheme0123456789", &r));
    assert_int_equal(r.status, 401);
    mt_response_free(&r);
    assert_true(mt_request(&t, "PUT", RG, "not json", NULL, true, NULL, &r));
    assert_int_equal(r.status, 400);
    mt_response_free(&r);
    size_t n = 0;
    cJSON **lines = mt_journal(&t, &n);
    assert_int_equal(n, 6); /* mt_start's token, PUT, GET, token, 401, 400 */
    for (size_t i = 0; i < n; i++)
        assert_journal_keys(lines[i]);
    /* the first token request: secret and token hidden */
    assert_string_equal(mt_json_str(lines[0], "method"), "POST");
    assert_int_equal(cJSON_GetObjectItem(lines[0], "status")->valueint, 200);
    const char *form = mt_json_str(lines[0], "requestBody");
    assert_non_null(form);
    assert_non_null(strstr(form, "client_secret=***"));
    assert_non_null(strstr(form, "client_id=" MT_CLIENT));
    assert_string_equal(mt_json_str(cJSON_GetObjectItem(lines[0], "responseBody"), "access_token"), "***");
    /* the PUT: body parsed, Authorization cut to its scheme, query kept */
    const cJSON *put = lines[1];
    assert_string_equal(mt_json_str(put, "method"), "PUT");
    assert_string_equal(mt_json_str(put, "path"), SUBP "/resourcegroups/rg1");
    assert_string_equal(mt_json_str(put, "query"), "api-version=2021-04-01");
    assert_int_equal(cJSON_GetObjectItem(put, "status")->valueint, 201);
    assert_string_equal(mt_json_str(cJSON_GetObjectItem(put, "requestBody"), "location"), "chinaeast2");
    assert_string_equal(mt_json_str(cJSON_GetObjectItem(put, "responseBody"), "name"), "rg1");
    const cJSON *hdrs = cJSON_GetObjectItem(put, "requestHeaders");
    const cJSON *auth = NULL;
    for (const cJSON *h = hdrs->child; h; h = h->next)
        if (strcasecmp(h->string, "Authorization") == 0)
            auth = h;
    assert_non_null(auth);
    assert_string_equal(auth->valuestring, "Bearer");
    /* the GET: no body */
    assert_string_equal(mt_json_str(lines[2], "method"), "GET");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(lines[2], "requestBody")));
    /* the bad body is kept as a string */
    assert_true(cJSON_IsString(cJSON_GetObjectItem(lines[5], "requestBody")));
    assert_string_equal(mt_json_str(lines[5], "requestBody"), "not json");
    mt_journal_free(lines, n);
    char *text = mt_slurp(t.journal, NULL);
    assert_null(strstr(text, MT_SECRET));
    assert_null(strstr(text, t.token));
    assert_null(strstr(text, token2));
    assert_null(strstr(text, "sometokenwithoutscheme"));
    free(text);
    free(token2);
    mt_stop(&t);
}

/* A dropped connection is journaled too, with no status. */
static void test_journal_reset(void **state)
{
    (void)state;
    static const char *const faults[] = {"GET:*:reset"};
    struct mt_mock t;
    start_with_faults(&t, faults, 1);
    struct mt_response r;
    assert_false(mt_request(&t, "GET", RG, NULL, NULL, true, NULL, &r));
    mt_response_free(&r);
    size_t n = 0;
    cJSON **lines = mt_journal(&t, &n);
    assert_int_equal(n, 2);
    assert_journal_keys(lines[1]);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(lines[1], "status")));
    mt_journal_free(lines, n);
    mt_stop(&t);
}

/* ---- bad requests ---------------------------------------------------------------------- */

static void test_bad_json(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    put_group(&t);
    static const char *const bodies[] = {"{\"location\":", "{\"location\":\"chinaeast2\",}", "nul", "{", "\"x"};
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        struct mt_response r;
        assert_int_equal(call(&t, "PUT", RG, bodies[i], &r), 400);
        assert_string_equal(mt_error_code(&r), "InvalidRequestContent");
        mt_response_free(&r);
        assert_int_equal(call(&t, "PUT", ID, bodies[i], &r), 400);
        assert_string_equal(mt_error_code(&r), "InvalidRequestContent");
        mt_response_free(&r);
    }
    assert_group_intact(&t);
    assert_int_equal(call_status(&t, "GET", ID, NULL), 404);
    mt_stop(&t);
}

static void test_wrong_json_type(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    put_group(&t);
    static const char *const bodies[] = {"[1,2]", "[]", "\"chinaeast2\"", "42", "null", "true",
                                         "{\"location\":\"chinaeast2\",\"tags\":[1]}",
                                         "{\"location\":[\"chinaeast2\"]}"};
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        struct mt_response r;
        assert_int_equal(call(&t, "PUT", RG, bodies[i], &r), 400);
        assert_non_null(mt_error_code(&r));
        mt_response_free(&r);
        assert_int_equal(call(&t, "PUT", ID, bodies[i], &r), 400);
        assert_non_null(mt_error_code(&r));
        mt_response_free(&r);
    }
    struct mt_response r;
    assert_int_equal(call(&t, "PUT", RG, "[1,2]", &r), 400);
    assert_string_equal(mt_error_code(&r), "InvalidRequestContent");
    mt_response_free(&r);
    assert_group_intact(&t);
    mt_stop(&t);
}

/* 10 MB: 413, announced with Content-Length or not, and nothing kept of it. */
static void test_body_too_large(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    put_group(&t);
    for (int chunked = 0; chunked < 2; chunked++) {
        struct mt_response r;
        assert_true(mt_request_upload(&t, RG, 10u << 20, chunked, &r));
        assert_int_equal(r.status, 413);
        assert_non_null(mt_error_code(&r));
        char id[64];
        assert_non_null(mt_header(&r, "x-ms-request-id", id, sizeof(id)));
        assert_true(header_long(&r, "x-ms-ratelimit-remaining-subscription-writes") > 0);
        mt_response_free(&r);
    }
    /* just under the limit is read (and refused for what it is, not for its size) */
    struct mt_response r;
    assert_true(mt_request_upload(&t, RG, 1u << 20, true, &r));
    assert_int_equal(r.status, 400);
    mt_response_free(&r);
    assert_group_intact(&t);
    size_t n = 0;
    cJSON **lines = mt_journal(&t, &n);
    size_t refused = 0;
    for (size_t i = 0; i < n; i++) {
        assert_journal_keys(lines[i]);
        const cJSON *b = cJSON_GetObjectItem(lines[i], "requestBody");
        if (cJSON_GetObjectItem(lines[i], "status")->valueint == 413) {
            refused++;
            assert_true(cJSON_IsString(b) && strlen(b->valuestring) < 100);
        }
    }
    assert_int_equal(refused, 2);
    mt_journal_free(lines, n);
    mt_stop(&t);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    put_group(&t);
    struct mt_response r;
    assert_int_equal(call(&t, "PUT", RG, "{\"location\":\"china\xff\xfe\"}", &r), 400);
    assert_string_equal(mt_error_code(&r), "InvalidRequestContent");
    mt_response_free(&r);
    assert_int_equal(call(&t, "PUT", RG, "{\"location\":\"chinaeast2\",\"tags\":{\"a\":\"\xc0\xaf\"}}", &r), 400);
    mt_response_free(&r);
    /* in the path: refused, and never echoed back as invalid UTF-8 */
    assert_int_equal(call(&t, "PUT", SUBP "/resourcegroups/bad%FF%FEname?api-version=2021-04-01", RG_BODY, &r), 400);
    assert_non_null(r.json);
    mt_response_free(&r);
    assert_int_equal(call(&t, "GET", SUBP "/resourcegroups/x%C3?api-version=2021-04-01", NULL, &r), 400);
    assert_non_null(r.json);
    mt_response_free(&r);
    assert_group_intact(&t);
    /* the journal stays valid JSON, line by line */
    size_t n = 0;
    cJSON **lines = mt_journal(&t, &n);
    assert_int_equal(n, 8); /* token, PUT, 2 bad bodies, 2 bad paths, the 2 GETs of assert_group_intact */
    for (size_t i = 0; i < n; i++)
        assert_journal_keys(lines[i]);
    assert_null(strchr(mt_json_str(lines[4], "path"), 0xff));
    assert_non_null(strstr(mt_json_str(lines[4], "path"), "bad"));
    mt_journal_free(lines, n);
    mt_stop(&t);
}

static void test_unknown_path(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    put_group(&t);
    static const char *const paths[] = {
        "/nothing/here", "/subscriptions/" MT_SUB "/whatever?api-version=2021-04-01",
        SUBP "/resourcegroups/rg1/what/ever/else?api-version=2021-04-01",
        SUBP "/providers/Microsoft.Network/locations?api-version=2021-04-01/x"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        struct mt_response r;
        assert_int_equal(call(&t, "GET", paths[i], NULL, &r), 404);
        const cJSON *err = cJSON_GetObjectItem(r.json, "error");
        assert_non_null(mt_json_str(err, "code"));
        assert_non_null(mt_json_str(err, "message"));
        assert_true(cJSON_IsArray(cJSON_GetObjectItem(err, "details")));
        mt_response_free(&r);
    }
    struct mt_response r;
    assert_int_equal(
        call(&t, "GET", SUBP "/resourceGroups/rg1/providers/Microsoft.Nope/things/x?api-version=2021-04-01", NULL, &r),
        400);
    assert_string_equal(mt_error_code(&r), "InvalidResourceType");
    mt_response_free(&r);
    assert_group_intact(&t);
    mt_stop(&t);
}

/* Read from fd until the peer closes it or the deadline passes; true when it closed. */
static bool closed_within(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    char buf[4096];
    for (;;) {
        int rc = poll(&p, 1, ms);
        if (rc <= 0)
            return false;
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0)
            return true;
    }
}

/* Half a request (headers cut, or body cut) neither blocks others nor leaves traces. */
static void test_half_request(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    put_group(&t);
    char req[1024];
    snprintf(req, sizeof(req),
             "PUT " SUBP "/resourcegroups/rg2?api-version=2021-04-01 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             "Authorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n"
             "{\"location\":\"chin",
             "x");
    int body_cut = mt_raw_connect(&t);
    assert_true(body_cut >= 0);
    assert_true(mt_raw_send(body_cut, req));
    int head_cut = mt_raw_connect(&t);
    assert_true(head_cut >= 0);
    assert_true(mt_raw_send(head_cut, "GET " SUBP "/resourcegroups/rg1?api-ver"));
    /* while both hang, others are served */
    assert_group_intact(&t);
    close(body_cut);
    close(head_cut);
    /* a connection that dies mid-body leaves nothing */
    int fd = mt_raw_connect(&t);
    assert_true(fd >= 0);
    assert_true(mt_raw_send(fd, req));
    shutdown(fd, SHUT_WR);
    assert_true(closed_within(fd, 10000));
    close(fd);
    assert_group_intact(&t);
    assert_int_equal(call_status(&t, "GET", SUBP "/resourcegroups/rg2?api-version=2021-04-01", NULL), 404);
    /* garbage instead of HTTP */
    fd = mt_raw_connect(&t);
    assert_true(fd >= 0);
    assert_true(mt_raw_send(fd, "\x01\x02\x03 not http at all\r\n\r\n"));
    assert_true(closed_within(fd, 10000));
    close(fd);
    assert_group_intact(&t);
    size_t n = 0;
    cJSON **lines = mt_journal(&t, &n);
    for (size_t i = 0; i < n; i++) {
        assert_journal_keys(lines[i]);
        assert_false(strcmp(mt_json_str(lines[i], "method"), "PUT") == 0 &&
                     strstr(mt_json_str(lines[i], "path"), "rg2"));
    }
    mt_journal_free(lines, n);
    mt_stop(&t);
}

/* HEAD answers without a body; a body on a GET is ignored. */
static void test_head_and_get_with_body(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    put_group(&t);
    struct mt_response r;
    assert_int_equal(call(&t, "HEAD", RG, NULL, &r), 204);
    assert_int_equal(strlen(r.body), 0);
    mt_response_free(&r);
    assert_int_equal(call_status(&t, "HEAD", SUBP "/resourcegroups/nope?api-version=2021-04-01", NULL), 404);
    assert_int_equal(call_status(&t, "PUT", ID, "{\"location\":\"chinaeast2\"}"), 201);
    assert_int_equal(call(&t, "HEAD", ID, NULL, &r), 200);
    assert_int_equal(strlen(r.body), 0);
    mt_response_free(&r);
    assert_int_equal(call(&t, "GET", RG, "{\"location\":\"elsewhere\"}", &r), 200);
    assert_string_equal(mt_json_str(r.json, "location"), "chinaeast2");
    mt_response_free(&r);
    assert_int_equal(call(&t, "GET", RG, "this is not json", &r), 200);
    mt_response_free(&r);
    assert_int_equal(call(&t, "DELETE", ID, "not json either", &r), 200);
    mt_response_free(&r);
    assert_group_intact(&t);
    mt_stop(&t);
}

/* ---- state ------------------------------------------------------------------------------ */

/* A directory for a state file, and the file's name in it. */
struct state_dir {
    struct mt_tmpdir dir;
    char file[MT_PATH_MAX];
};

static void state_dir_make(struct state_dir *s)
{
    assert_true(mt_tmpdir_make(&s->dir, "state"));
    assert_non_null(mt_tmpdir_file(&s->dir, "state.json", s->file, sizeof(s->file)));
}

/* Resources, operations and the signing key survive a restart; the file is private. */
static void test_state_round_trip(void **state)
{
    (void)state;
    struct state_dir s;
    state_dir_make(&s);
    struct armmock_options o = {0};
    o.state_path = s.file;
    struct mt_mock t;
    assert_true(mt_start(&t, &o, false));
    put_group(&t);
    struct mt_response r;
    assert_int_equal(call(&t, "PUT", ID, "{\"location\":\"chinaeast2\",\"tags\":{\"k\":\"v\"}}", &r), 201);
    char principal[64];
    snprintf(principal, sizeof(principal), "%s", mt_json_str(cJSON_GetObjectItem(r.json, "properties"), "principalId"));
    mt_response_free(&r);
    char *old_token = strdup(t.token);
    mt_stop(&t);
    struct stat st;
    assert_int_equal(stat(s.file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    assert_true(mt_start(&t, &o, false));
    assert_group_intact(&t);
    char authz[8192];
    snprintf(authz, sizeof(authz), "Authorization: Bearer %s", old_token);
    assert_true(mt_request(&t, "GET", ID, NULL, NULL, false, authz, &r));
    assert_int_equal(r.status, 200);
    assert_string_equal(mt_json_str(cJSON_GetObjectItem(r.json, "properties"), "principalId"), principal);
    assert_string_equal(mt_json_str(cJSON_GetObjectItem(r.json, "tags"), "k"), "v");
    mt_response_free(&r);
    mt_stop(&t);
    assert_int_equal(stat(s.file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    free(old_token);
    mt_tmpdir_remove(&s.dir);
}

/* An operation still running when the mock stops goes on running after it starts again. */
static void test_state_operation_in_progress(void **state)
{
    (void)state;
    struct state_dir s;
    state_dir_make(&s);
    struct armmock_options o = {0};
    o.state_path = s.file;
    struct mt_mock t;
    assert_true(mt_start(&t, &o, false));
    put_group(&t);
    assert_int_equal(call_status(&t, "PUT", ID, "{\"location\":\"chinaeast2\"}"), 201);
    char aao[1024], loc[1024];
    delete_group(&t, aao, loc, sizeof(aao));
    mt_stop(&t);

    assert_true(mt_start(&t, &o, false)); /* the same clock reading: still running */
    struct mt_response r;
    assert_int_equal(call(&t, "GET", any_path(aao), NULL, &r), 200);
    assert_string_equal(mt_json_str(r.json, "status"), "InProgress");
    mt_response_free(&r);
    assert_int_equal(call_status(&t, "GET", any_path(loc), NULL), 202);
    assert_int_equal(call(&t, "GET", RG, NULL, &r), 200);
    assert_string_equal(prov_state(r.json), "Deleting");
    mt_response_free(&r);
    assert_int_equal(call_status(&t, "PUT", RG, RG_BODY), 409);
    mt_advance(&t, 10);
    assert_int_equal(call(&t, "GET", any_path(aao), NULL, &r), 200);
    assert_string_equal(mt_json_str(r.json, "status"), "Succeeded");
    mt_response_free(&r);
    assert_int_equal(call_status(&t, "GET", RG, NULL), 404);
    mt_stop(&t);

    assert_true(mt_start(&t, &o, false)); /* and the deletion was saved */
    assert_int_equal(call_status(&t, "GET", RG, NULL), 404);
    assert_int_equal(call(&t, "GET", any_path(aao), NULL, &r), 200);
    assert_string_equal(mt_json_str(r.json, "status"), "Succeeded");
    mt_response_free(&r);
    mt_stop(&t);
    mt_tmpdir_remove(&s.dir);
}

/* Operations on what is inside a group neither block the group's update nor fake its deletion. */
static void test_group_ops_and_child_operations(void **state)
{
    (void)state;
    struct state_dir s;
    state_dir_make(&s);
    struct armmock_options o = {0};
    o.state_path = s.file;
    struct mt_mock t;
    assert_true(mt_start(&t, &o, false));
    put_group(&t);
    assert_int_equal(call_status(&t, "PUT", ID, "{\"location\":\"chinaeast2\"}"), 201);
    double now = t.now;
    mt_stop(&t);
    /* an operation running on the identity (as a long-running type would have), written in the state */
    char *text = mt_slurp(s.file, NULL);
    cJSON *root = cJSON_Parse(text);
    free(text);
    assert_non_null(root);
    cJSON *op = cJSON_CreateObject();
    cJSON_AddStringToObject(op, "id", "child-op-0001");
    cJSON_AddStringToObject(op, "resourceId", ID_PATH);
    cJSON_AddStringToObject(op, "kind", "put");
    cJSON_AddStringToObject(op, "provider", "Microsoft.ManagedIdentity");
    cJSON_AddStringToObject(op, "location", "chinaeast2");
    cJSON_AddNumberToObject(op, "start", now);
    cJSON_AddNumberToObject(op, "end", now + 100);
    cJSON_AddStringToObject(op, "status", "InProgress");
    cJSON_AddItemToArray(cJSON_GetObjectItem(root, "operations"), op);
    text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    assert_true(mt_write_text(s.file, text, 0));
    free(text);

    assert_true(mt_start(&t, &o, false));
    struct mt_response r;
    /* the identity is busy: another write on it is refused */
    assert_int_equal(call(&t, "PUT", ID, "{\"location\":\"chinaeast2\"}", &r), 409);
    assert_string_equal(mt_error_code(&r), "AnotherOperationInProgress");
    mt_response_free(&r);
    /* the group is not being deleted: it can be updated */
    assert_int_equal(call(&t, "PUT", RG, RG_BODY, &r), 200);
    mt_response_free(&r);
    /* and a DELETE really starts one */
    char aao[1024], loc[1024];
    delete_group(&t, aao, loc, sizeof(aao));
    mt_advance(&t, 1);
    assert_int_equal(call(&t, "GET", mt_local_path(&t, aao), NULL, &r), 200);
    assert_string_equal(mt_json_str(r.json, "status"), "Succeeded");
    mt_response_free(&r);
    assert_int_equal(call_status(&t, "GET", RG, NULL), 404);
    /* the identity's operation ended with its group */
    assert_int_equal(call(&t, "GET", SUBP "/providers/Microsoft.ManagedIdentity/locations/chinaeast2/operations/"
                                       "child-op-0001?api-version=2023-01-31", NULL, &r), 200);
    assert_string_equal(mt_json_str(r.json, "status"), "Canceled");
    mt_response_free(&r);
    mt_advance(&t, 200);
    assert_int_equal(call(&t, "GET", SUBP "/providers/Microsoft.ManagedIdentity/locations/chinaeast2/operations/"
                                       "child-op-0001?api-version=2023-01-31", NULL, &r), 200);
    assert_string_equal(mt_json_str(r.json, "status"), "Canceled");
    mt_response_free(&r);
    assert_int_equal(call_status(&t, "PUT", RG, RG_BODY), 201);
    assert_int_equal(call_status(&t, "GET", ID, NULL), 404);
    mt_stop(&t);
    mt_tmpdir_remove(&s.dir);
}

/* A state file the mock did not write stops it from starting, says why, and is left alone. */
static void test_state_corrupt(void **state)
{
    (void)state;
    struct state_dir s;
    state_dir_make(&s);
    struct armmock_options o = {0};
    o.state_path = s.file;
    static const char *const bad[] = {"{not json", "", "[]", "{\"version\":1,\"signingKey\":\"nope\"}",
                                      "{\"version\":1}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_true(mt_write_text(s.file, bad[i], 0));
        char err[512] = "";
        struct armmock *m = armmock_start(&o, err, sizeof(err));
        assert_null(m);
        assert_non_null(strstr(err, "--state"));
        assert_non_null(strstr(err, s.file));
        char *after = mt_slurp(s.file, NULL);
        assert_string_equal(after, bad[i]);
        free(after);
    }
    /* a good key but a broken resource list: refused, and the file is not overwritten */
    unlink(s.file);
    struct mt_mock t;
    assert_true(mt_start(&t, &o, false));
    put_group(&t);
    mt_stop(&t);
    char *text = mt_slurp(s.file, NULL);
    cJSON *root = cJSON_Parse(text);
    free(text);
    cJSON_ReplaceItemInObject(root, "resources", cJSON_Parse("[{\"id\":5}]"));
    text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    assert_true(mt_write_text(s.file, text, 0));
    char err[512] = "";
    assert_null(armmock_start(&o, err, sizeof(err)));
    assert_non_null(strstr(err, "--state"));
    char *after = mt_slurp(s.file, NULL);
    assert_string_equal(after, text);
    free(after);
    free(text);
    mt_tmpdir_remove(&s.dir);
}

/* ---- transports ----------------------------------------------------------------------------- */

static void test_https(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, true));
    assert_int_equal(strncmp(t.url, "https://127.0.0.1:", 18), 0);
    assert_non_null(t.token);
    put_group(&t);
    assert_group_intact(&t);
    char aao[1024], loc[1024];
    delete_group(&t, aao, loc, sizeof(aao));
    assert_int_equal(strncmp(aao, "https://", 8), 0);
    assert_int_equal(call_status(&t, "GET", mt_local_path(&t, aao), NULL), 200);
    /* without the CA the certificate is not trusted */
    char ca[sizeof(t.cacert)];
    snprintf(ca, sizeof(ca), "%s", t.cacert);
    t.cacert[0] = '\0';
    struct mt_response r;
    assert_false(mt_request(&t, "GET", RG, NULL, NULL, true, NULL, &r));
    assert_int_equal(r.status, 0);
    mt_response_free(&r);
    snprintf(t.cacert, sizeof(t.cacert), "%s", ca);
    mt_stop(&t);
}

/* Whether this machine has ::1 to listen on. */
static bool have_ipv6_loopback(void)
{
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    if (fd < 0)
        return false;
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof(a));
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    bool ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

static void test_ipv6(void **state)
{
    (void)state;
    if (!have_ipv6_loopback()) {
        skip();
        return;
    }
    struct armmock_options o = {0};
    o.listen = "[::1]:0";
    struct mt_mock t;
    assert_true(mt_start(&t, &o, false));
    assert_int_equal(strncmp(t.url, "http://[::1]:", 13), 0);
    assert_true(armmock_port(t.mock) > 0);
    assert_non_null(t.token);
    put_group(&t);
    assert_group_intact(&t);
    int fd = mt_raw_connect(&t);
    assert_true(fd >= 0);
    close(fd);
    mt_stop(&t);
}

static void test_listen_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {"0.0.0.0:0", "10.1.2.3:0", "[::]:0", "192.168.1.1:8080", "[2001:db8::1]:0"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct armmock_options o = {0};
        o.listen = bad[i];
        char err[512] = "";
        assert_null(armmock_start(&o, err, sizeof(err)));
        assert_non_null(strstr(err, "loopback"));
        assert_non_null(strstr(err, bad[i]));
        char why[512] = "";
        assert_false(armmock_check_options(&o, why, sizeof(why)));
        assert_non_null(strstr(why, "loopback"));
    }
    static const char *const malformed[] = {"127.0.0.1", "127.0.0.1:99999", "127.0.0.1:x", "example.com:80", ""};
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        struct armmock_options o = {0};
        o.listen = malformed[i];
        char err[512] = "";
        assert_null(armmock_start(&o, err, sizeof(err)));
        assert_non_null(strstr(err, "--listen"));
    }
}

/* Any 127/8 address and localhost are loopback; the URL names the address listened on. */
static void test_listen_other_loopback(void **state)
{
    (void)state;
    struct armmock_options o = {0};
    o.listen = "127.0.0.2:0";
    struct mt_mock t;
    assert_true(mt_start(&t, &o, false));
    assert_int_equal(strncmp(t.url, "http://127.0.0.2:", 17), 0);
    assert_non_null(t.token);
    put_group(&t);
    assert_group_intact(&t);
    mt_stop(&t);
    o.listen = "localhost:0";
    assert_true(mt_start(&t, &o, false));
    assert_int_equal(strncmp(t.url, "http://127.0.0.1:", 17), 0);
    assert_non_null(t.token);
    mt_stop(&t);
}

/* ---- subscriptions, tenants, providers ------------------------------------------------------- */

static void test_subscriptions_default(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    struct mt_response r;
    assert_int_equal(call(&t, "GET", "/subscriptions?api-version=2022-12-01", NULL, &r), 200);
    const cJSON *v = cJSON_GetObjectItem(r.json, "value");
    assert_int_equal(cJSON_GetArraySize(v), 1);
    assert_string_equal(mt_json_str(cJSON_GetArrayItem(v, 0), "subscriptionId"), MT_SUB);
    assert_string_equal(mt_json_str(cJSON_GetArrayItem(v, 0), "tenantId"), MT_TENANT);
    assert_string_equal(mt_json_str(cJSON_GetArrayItem(v, 0), "state"), "Enabled");
    mt_response_free(&r);
    assert_int_equal(call(&t, "GET", SUBP "?api-version=2019-11-01", NULL, &r), 200);
    assert_string_equal(mt_json_str(r.json, "subscriptionId"), MT_SUB);
    mt_response_free(&r);
    assert_int_equal(call(&t, "GET", "/tenants?api-version=2022-12-01", NULL, &r), 200);
    v = cJSON_GetObjectItem(r.json, "value");
    assert_int_equal(cJSON_GetArraySize(v), 1);
    assert_string_equal(mt_json_str(cJSON_GetArrayItem(v, 0), "tenantId"), MT_TENANT);
    mt_response_free(&r);
    assert_int_equal(call_status(&t, "GET", "/subscriptions", NULL), 400);
    mt_stop(&t);
}

static void test_subscriptions_given(void **state)
{
    (void)state;
    static const char *const subs[] = {"aaaaaaaa-0000-0000-0000-000000000001", "bbbbbbbb-0000-0000-0000-000000000002"};
    struct armmock_options o = {0};
    o.subscriptions = subs;
    o.subscription_count = 2;
    struct mt_mock t;
    assert_true(mt_start(&t, &o, false));
    struct mt_response r;
    assert_int_equal(call(&t, "GET", "/subscriptions?api-version=2021-01-01", NULL, &r), 200);
    const cJSON *v = cJSON_GetObjectItem(r.json, "value");
    assert_int_equal(cJSON_GetArraySize(v), 2);
    assert_string_equal(mt_json_str(cJSON_GetArrayItem(v, 0), "subscriptionId"), subs[0]);
    assert_string_equal(mt_json_str(cJSON_GetArrayItem(v, 1), "subscriptionId"), subs[1]);
    assert_string_equal(mt_json_str(cJSON_GetArrayItem(v, 1), "id"),
                        "/subscriptions/bbbbbbbb-0000-0000-0000-000000000002");
    mt_response_free(&r);
    mt_stop(&t);
}

static void test_providers(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    struct mt_response r;
    assert_int_equal(call(&t, "GET", SUBP "/providers?api-version=2021-04-01", NULL, &r), 200);
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "value")) >= 3);
    mt_response_free(&r);
    assert_int_equal(call(&t, "GET", SUBP "/providers/Microsoft.Network?api-version=2021-04-01", NULL, &r), 200);
    assert_string_equal(mt_json_str(r.json, "namespace"), "Microsoft.Network");
    assert_string_equal(mt_json_str(r.json, "registrationState"), "Registered");
    mt_response_free(&r);
    assert_int_equal(call(&t, "POST", SUBP "/providers/Microsoft.ContainerService/register?api-version=2021-04-01",
                          NULL, &r), 200);
    assert_string_equal(mt_json_str(r.json, "namespace"), "Microsoft.ContainerService");
    assert_non_null(mt_json_str(r.json, "registrationState"));
    mt_response_free(&r);
    assert_int_equal(call_status(&t, "GET", SUBP "/providers/Microsoft.Network/register?api-version=2021-04-01",
                                 NULL), 405);
    assert_int_equal(call_status(&t, "GET", SUBP "/providers/Microsoft.Network", NULL), 400);
    mt_stop(&t);
}

/* GET /subscriptions/{s}/providers/{ns}/{type}: the type's list across every group. */
static void test_subscription_wide_list(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    put_group(&t);
    assert_int_equal(call_status(&t, "PUT", SUBP "/resourcegroups/rg2?api-version=2021-04-01", RG_BODY), 201);
    assert_int_equal(call_status(&t, "PUT", ID, "{\"location\":\"chinaeast2\"}"), 201);
    assert_int_equal(call_status(&t, "PUT", SUBP "/resourceGroups/rg2/providers/Microsoft.ManagedIdentity/"
                                                "userAssignedIdentities/id2?api-version=2023-01-31",
                                 "{\"location\":\"chinaeast2\"}"), 201);
    struct mt_response r;
    assert_int_equal(call(&t, "GET", SUBP "/providers/Microsoft.ManagedIdentity/userAssignedIdentities?"
                                       "api-version=2023-01-31", NULL, &r), 200);
    const cJSON *v = cJSON_GetObjectItem(r.json, "value");
    assert_int_equal(cJSON_GetArraySize(v), 2);
    assert_string_equal(mt_json_str(cJSON_GetArrayItem(v, 0), "name"), "id1");
    assert_string_equal(mt_json_str(cJSON_GetArrayItem(v, 1), "name"), "id2");
    mt_response_free(&r);
    assert_int_equal(call_status(&t, "GET", SUBP "/providers/Microsoft.ManagedIdentity/userAssignedIdentities?"
                                             "api-version=2099-01-01", NULL), 400);
    assert_int_equal(call_status(&t, "PUT", SUBP "/providers/Microsoft.ManagedIdentity/userAssignedIdentities?"
                                             "api-version=2023-01-31", "{}"), 405);
    /* the cluster list reaches the cluster type (its file answers for itself), not a 404 from routing */
    call(&t, "GET", SUBP "/providers/Microsoft.ContainerService/managedClusters?api-version=2024-09-01", NULL, &r);
    assert_true(r.status == 200 || (r.status == 501 && strcmp(mt_error_code(&r), "NotImplemented") == 0));
    mt_response_free(&r);
    assert_int_equal(call_status(&t, "GET", SUBP "/providers/Microsoft.Nope/things?api-version=2021-04-01", NULL),
                     404);
    mt_stop(&t);
}

/* ---- long-running PUTs of the other types, and a group taking them along ------------------ */

#define RT_PATH SUBP "/resourceGroups/rg1/providers/Microsoft.Network/routeTables/rt1"
#define RT RT_PATH "?api-version=2024-05-01"
#define RT_BODY "{\"location\":\"chinaeast2\",\"properties\":{\"routes\":[]}}"

/* A long-running PUT: 201 with the operation's headers, Creating until it ends, 409 meanwhile. */
static void test_lro_put(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    put_group(&t);
    struct mt_response r;
    assert_int_equal(call(&t, "PUT", RT, RT_BODY, &r), 201);
    char aao[1024], loc[1024];
    assert_non_null(mt_header(&r, "Azure-AsyncOperation", aao, sizeof(aao)));
    assert_non_null(mt_header(&r, "Location", loc, sizeof(loc)));
    assert_true(header_long(&r, "Retry-After") >= 0);
    assert_string_not_equal(prov_state(r.json), "Succeeded");
    mt_response_free(&r);
    assert_int_equal(call(&t, "GET", mt_local_path(&t, aao), NULL, &r), 200);
    assert_string_equal(mt_json_str(r.json, "status"), "InProgress");
    mt_response_free(&r);
    assert_int_equal(call_status(&t, "GET", mt_local_path(&t, loc), NULL), 202);
    assert_int_equal(call(&t, "PUT", RT, RT_BODY, &r), 409);
    assert_string_equal(mt_error_code(&r), "AnotherOperationInProgress");
    mt_response_free(&r);
    /* what runs inside the group does not stop the group's own update */
    assert_int_equal(call_status(&t, "PUT", RG, RG_BODY), 200);
    mt_advance(&t, 10);
    assert_int_equal(call(&t, "GET", mt_local_path(&t, aao), NULL, &r), 200);
    assert_string_equal(mt_json_str(r.json, "status"), "Succeeded");
    assert_non_null(mt_json_str(r.json, "endTime"));
    mt_response_free(&r);
    assert_int_equal(call(&t, "GET", mt_local_path(&t, loc), NULL, &r), 200); /* the Location form gives the resource */
    assert_string_equal(mt_json_str(r.json, "name"), "rt1");
    assert_string_equal(prov_state(r.json), "Succeeded");
    mt_response_free(&r);
    assert_int_equal(call(&t, "GET", RT, NULL, &r), 200);
    assert_string_equal(prov_state(r.json), "Succeeded");
    mt_response_free(&r);
    /* a long-running DELETE of it: 202, then gone */
    assert_int_equal(call(&t, "DELETE", RT, NULL, &r), 202);
    assert_non_null(mt_header(&r, "Location", loc, sizeof(loc)));
    mt_response_free(&r);
    mt_advance(&t, 10);
    assert_int_equal(call_status(&t, "GET", mt_local_path(&t, loc), NULL), 204);
    assert_int_equal(call_status(&t, "GET", RT, NULL), 404);
    mt_stop(&t);
}

/*
 * fail=CODE: the write is accepted and its operation ends Failed with that
 * code, in both polling forms.  AnotherOperationInProgress and
 * RetryableError read as the network provider writes them when another
 * operation held the resource (Azure/bicep#5132, kubernetes/kubernetes#88151).
 */
static void expect_failed_with(struct mt_mock *t, const struct mt_response *started, const char *code,
                               const char *message_start, const char *detail_code)
{
    char aao[1024], loc[1024];
    assert_non_null(mt_header(started, "Azure-AsyncOperation", aao, sizeof(aao)));
    assert_non_null(mt_header(started, "Location", loc, sizeof(loc)));
    mt_advance(t, 10);
    struct mt_response r;
    assert_int_equal(call(t, "GET", mt_local_path(t, aao), NULL, &r), 200);
    assert_string_equal(mt_json_str(r.json, "status"), "Failed");
    assert_string_equal(mt_json_str(r.json, "error.code"), code);
    assert_int_equal(strncmp(mt_json_str(r.json, "error.message"), message_start, strlen(message_start)), 0);
    if (detail_code)
        assert_string_equal(mt_json_str(r.json, "error.details.0.code"), detail_code);
    else
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "error"), "details")), 0);
    mt_response_free(&r);
    assert_int_equal(call(t, "GET", mt_local_path(t, loc), NULL, &r), 400);
    assert_string_equal(mt_error_code(&r), code);
    if (detail_code)
        assert_string_equal(mt_json_str(r.json, "error.details.0.code"), detail_code);
    mt_response_free(&r);
}

static void test_fault_fail_code(void **state)
{
    (void)state;
    static const char *const faults[] = {"PUT:*/routeTables/rt1:fail=AnotherOperationInProgress",
                                         "PUT:*/routeTables/rt1:fail=RetryableError",
                                         "DELETE:*/routeTables/rt1:fail=Conflict2"};
    struct mt_mock t;
    start_with_faults(&t, faults, 3);
    put_group(&t);
    struct mt_response r;
    char want[1200], aao[1024];
    assert_int_equal(call(&t, "PUT", RT, RT_BODY, &r), 201);
    assert_non_null(mt_header(&r, "Azure-AsyncOperation", aao, sizeof(aao)));
    snprintf(want, sizeof(want),
             "Another operation on this or dependent resource is in progress. To retrieve status of the operation "
             "use uri: %s.",
             aao);
    expect_failed_with(&t, &r, "AnotherOperationInProgress", want, NULL);
    mt_response_free(&r);
    assert_int_equal(call(&t, "GET", RT, NULL, &r), 200);
    assert_string_equal(prov_state(r.json), "Failed");
    mt_response_free(&r);

    /* the rules are used up in order: the next PUT's operation fails retryably, the one after succeeds */
    assert_int_equal(call(&t, "PUT", RT, RT_BODY, &r), 200);
    expect_failed_with(&t, &r, "RetryableError", "A retryable error occurred.", "RetryableErrorDueToAnotherOperation");
    mt_response_free(&r);
    assert_int_equal(call(&t, "PUT", RT, RT_BODY, &r), 200);
    mt_response_free(&r);
    mt_advance(&t, 10);
    assert_int_equal(call(&t, "GET", RT, NULL, &r), 200);
    assert_string_equal(prov_state(r.json), "Succeeded");
    mt_response_free(&r);

    /* any other code: a plain message; a DELETE that failed leaves the resource */
    assert_int_equal(call(&t, "DELETE", RT, NULL, &r), 202);
    expect_failed_with(&t, &r, "Conflict2", "The operation failed (injected by aksnet-mock", NULL);
    mt_response_free(&r);
    assert_int_equal(call_status(&t, "GET", RT, NULL), 200);
    mt_stop(&t);
}

/* fail on a PUT: the status resource says Failed with ARM's error, the resource says Failed. */
static void test_fault_fail_put(void **state)
{
    (void)state;
    static const char *const faults[] = {"PUT:*/routeTables/RT1:fail"};
    struct mt_mock t;
    start_with_faults(&t, faults, 1);
    put_group(&t);
    struct mt_response r;
    assert_int_equal(call(&t, "PUT", RT, RT_BODY, &r), 201);
    char aao[1024], loc[1024];
    assert_non_null(mt_header(&r, "Azure-AsyncOperation", aao, sizeof(aao)));
    assert_non_null(mt_header(&r, "Location", loc, sizeof(loc)));
    mt_response_free(&r);
    mt_advance(&t, 10);
    assert_int_equal(call(&t, "GET", mt_local_path(&t, aao), NULL, &r), 200);
    assert_string_equal(mt_json_str(r.json, "status"), "Failed");
    assert_non_null(mt_json_str(cJSON_GetObjectItem(r.json, "error"), "code"));
    mt_response_free(&r);
    assert_int_equal(call(&t, "GET", mt_local_path(&t, loc), NULL, &r), 400);
    assert_non_null(mt_error_code(&r));
    mt_response_free(&r);
    assert_int_equal(call(&t, "GET", RT, NULL, &r), 200);
    assert_string_equal(prov_state(r.json), "Failed");
    mt_response_free(&r);
    /* used up: the next PUT succeeds */
    assert_int_equal(call(&t, "PUT", RT, RT_BODY, &r), 200);
    assert_non_null(mt_header(&r, "Azure-AsyncOperation", aao, sizeof(aao)));
    mt_response_free(&r);
    mt_advance(&t, 10);
    assert_int_equal(call(&t, "GET", mt_local_path(&t, aao), NULL, &r), 200);
    assert_string_equal(mt_json_str(r.json, "status"), "Succeeded");
    mt_response_free(&r);
    mt_stop(&t);
}

/* PUT path with body (a JSON text built with one %s for an id), expecting status. */
static void put_expect(struct mt_mock *t, const char *path, const char *body, long status)
{
    struct mt_response r;
    long got = call(t, "PUT", path, body, &r);
    if (got != status)
        fprintf(stderr, "PUT %s: %ld %s\n", path, got, r.body);
    assert_int_equal(got, status);
    mt_response_free(&r);
}

#define CL_RG SUBP "/resourceGroups/rg1"
#define CL_VNET CL_RG "/providers/Microsoft.Network/virtualNetworks/vnet1"
#define CL_SUBNET CL_VNET "/subnets/nodes"
#define CL_ID CL_RG "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1"
#define CL_ROLE "/providers/Microsoft.Authorization/roleAssignments/"
#define CL_NC                                                                                                 \
    "/subscriptions/" MT_SUB "/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7"
#define CL_NODE_RG SUBP "/resourcegroups/MC_rg1_aks1_chinaeast2?api-version=2021-04-01"

/* Deleting a group deletes a cluster in it the way AKS does: its node resource group goes too. */
static void test_group_delete_takes_cluster_node_group(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    put_group(&t);
    put_expect(&t, RT, RT_BODY, 201);
    put_expect(&t, CL_VNET "?api-version=2024-05-01",
               "{\"location\":\"chinaeast2\",\"properties\":{\"addressSpace\":"
               "{\"addressPrefixes\":[\"192.168.0.0/16\"]},"
               "\"subnets\":[{\"name\":\"nodes\",\"properties\":{\"addressPrefix\":\"192.168.1.0/24\","
               "\"routeTable\":{\"id\":\"" RT_PATH "\"}}}]}}",
               201);
    struct mt_response r;
    assert_int_equal(call(&t, "PUT", CL_ID "?api-version=2023-01-31", "{\"location\":\"chinaeast2\"}", &r), 201);
    char principal[64], body[1024], path[1024];
    snprintf(principal, sizeof(principal), "%s", mt_json_str(cJSON_GetObjectItem(r.json, "properties"), "principalId"));
    mt_response_free(&r);
    mt_advance(&t, 10);
    static const char *const scopes[] = {CL_VNET, RT_PATH};
    static const char *const names[] = {"0b4a9d2c-4c4f-4b8e-9a41-000000000001", "0b4a9d2c-4c4f-4b8e-9a41-000000000002"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s" CL_ROLE "%s?api-version=2022-04-01", scopes[i], names[i]);
        snprintf(body, sizeof(body),
                 "{\"properties\":{\"roleDefinitionId\":\"" CL_NC "\",\"principalId\":\"%s\","
                 "\"principalType\":\"ServicePrincipal\"}}", principal);
        put_expect(&t, path, body, 201);
    }
    put_expect(&t, CL_RG "/providers/Microsoft.ContainerService/managedClusters/aks1?api-version=2024-09-01",
               "{\"location\":\"chinaeast2\",\"identity\":{\"type\":\"UserAssigned\",\"userAssignedIdentities\":"
               "{\"" CL_ID "\":{}}},\"properties\":{\"dnsPrefix\":\"aks1\",\"kubernetesVersion\":\"1.30\","
               "\"agentPoolProfiles\":[{\"name\":\"nodepool1\",\"count\":2,\"vmSize\":\"Standard_DS2_v2\","
               "\"maxPods\":110,\"osType\":\"Linux\",\"mode\":\"System\",\"type\":\"VirtualMachineScaleSets\","
               "\"vnetSubnetID\":\"" CL_SUBNET "\"}],\"networkProfile\":{\"networkPlugin\":\"kubenet\","
               "\"podCidr\":\"10.244.0.0/16\",\"serviceCidr\":\"10.0.0.0/16\",\"dnsServiceIP\":\"10.0.0.10\"}}}",
               201);
    mt_advance(&t, 10);
    assert_int_equal(call(&t, "GET", CL_RG "/providers/Microsoft.ContainerService/managedClusters/aks1?"
                                       "api-version=2024-09-01", NULL, &r), 200);
    assert_string_equal(prov_state(r.json), "Succeeded");
    mt_response_free(&r);
    assert_int_equal(call_status(&t, "GET", CL_NODE_RG, NULL), 200);
    /* the subscription-wide cluster list finds it */
    assert_int_equal(call(&t, "GET", SUBP "/providers/Microsoft.ContainerService/managedClusters?"
                                       "api-version=2024-09-01", NULL, &r), 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "value")), 1);
    mt_response_free(&r);
    char aao[1024], loc[1024];
    delete_group(&t, aao, loc, sizeof(aao));
    mt_advance(&t, 10);
    assert_int_equal(call(&t, "GET", mt_local_path(&t, aao), NULL, &r), 200);
    assert_string_equal(mt_json_str(r.json, "status"), "Succeeded");
    mt_response_free(&r);
    assert_int_equal(call_status(&t, "GET", RG, NULL), 404);
    assert_int_equal(call_status(&t, "GET", CL_NODE_RG, NULL), 404);
    assert_int_equal(call(&t, "GET", SUBP "/resourcegroups?api-version=2021-04-01", NULL, &r), 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "value")), 0);
    mt_response_free(&r);
    assert_int_equal(call(&t, "GET", SUBP "/providers/Microsoft.ContainerService/managedClusters?"
                                       "api-version=2024-09-01", NULL, &r), 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "value")), 0);
    mt_response_free(&r);
    mt_stop(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_lifecycle),
        cmocka_unit_test(test_auth_errors),
        cmocka_unit_test(test_api_version),
        cmocka_unit_test(test_lro_async_operation_status),
        cmocka_unit_test(test_lro_location_form),
        cmocka_unit_test(test_lro_retry_after),
        cmocka_unit_test(test_lro_retry_after_never_zero),
        cmocka_unit_test(test_instant_operations),
        cmocka_unit_test(test_lro_status_url_location),
        cmocka_unit_test(test_put_group_being_deleted),
        cmocka_unit_test(test_group_delete_removes_contents),
        cmocka_unit_test(test_health_check),
        cmocka_unit_test(test_fault_429),
        cmocka_unit_test(test_fault_429_retry_after_seconds),
        cmocka_unit_test(test_fault_500),
        cmocka_unit_test(test_fault_503_count),
        cmocka_unit_test(test_fault_reset),
        cmocka_unit_test(test_fault_delay),
        cmocka_unit_test(test_fault_fail),
        cmocka_unit_test(test_fault_apply_reset),
        cmocka_unit_test(test_fault_apply_reset_operation),
        cmocka_unit_test(test_fault_expired_token),
        cmocka_unit_test(test_fault_busy),
        cmocka_unit_test(test_fault_method),
        cmocka_unit_test(test_fault_glob_case),
        cmocka_unit_test(test_fault_bad_rules),
        cmocka_unit_test(test_ratelimit_headers),
        cmocka_unit_test(test_journal),
        cmocka_unit_test(test_journal_reset),
        cmocka_unit_test(test_bad_json),
        cmocka_unit_test(test_wrong_json_type),
        cmocka_unit_test(test_body_too_large),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_unknown_path),
        cmocka_unit_test(test_half_request),
        cmocka_unit_test(test_head_and_get_with_body),
        cmocka_unit_test(test_state_round_trip),
        cmocka_unit_test(test_state_operation_in_progress),
        cmocka_unit_test(test_group_ops_and_child_operations),
        cmocka_unit_test(test_state_corrupt),
        cmocka_unit_test(test_https),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_listen_refused),
        cmocka_unit_test(test_listen_other_loopback),
        cmocka_unit_test(test_subscriptions_default),
        cmocka_unit_test(test_subscriptions_given),
        cmocka_unit_test(test_providers),
        cmocka_unit_test(test_subscription_wide_list),
        cmocka_unit_test(test_lro_put),
        cmocka_unit_test(test_fault_fail_code),
        cmocka_unit_test(test_fault_fail_put),
        cmocka_unit_test(test_group_delete_takes_cluster_node_group),
    };
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = cmocka_run_group_tests_name("aksnet-mock core", tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
