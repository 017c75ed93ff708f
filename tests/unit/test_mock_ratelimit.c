/*
 * test_mock_ratelimit.c - how fast and how often aksnet-mock answers:
 * ARM's token buckets (--throttle) emptied and refilled on the mock's
 * clock, what --latency counts as a read or a write, and which connection
 * carried each request (the journal's "connection", armmock_connection_count).
 * No test waits: the buckets run on the fake clock, and the latency's
 * waiting itself is seen end to end (tests/e2e/test_mock_program.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "json_support.h"
#include "mock.h"
#include "mock_support.h"
#include "request.h"

#define SUBP "/subscriptions/" MT_SUB
#define SUB2 "00000000-0000-0000-0000-0000000000b2"
#define RG SUBP "/resourcegroups/rg1?api-version=2021-04-01"
#define RG_BODY "{\"location\":\"chinaeast2\"}"
#define NO_RG SUBP "/resourcegroups/nope?api-version=2021-04-01"
#define CLIENT2 "33333333-3333-3333-3333-333333333333"
#define SECRET2 "second-secret-value"

static long header_long(const struct mt_response *r, const char *name)
{
    char buf[64];
    if (!mt_header(r, name, buf, sizeof(buf)))
        fail_msg("no %s header", name);
    return strtol(buf, NULL, 10);
}

/* One request with t's token; its status, and *r (when r is not NULL) for the caller to read and free. */
static long send_as(struct mt_mock *t, const char *method, const char *path, const char *body, struct mt_response *r)
{
    struct mt_response own = {0};
    struct mt_response *out = r ? r : &own;
    assert_true(mt_request(t, method, path, body, NULL, true, NULL, out));
    long status = out->status;
    if (!r)
        mt_response_free(&own);
    return status;
}

/* A throttling mock with two clients and two subscriptions. */
static void start_throttled(struct mt_mock *t)
{
    static const struct armmock_credential secrets[] = {{MT_CLIENT, MT_SECRET}, {CLIENT2, SECRET2}};
    static const char *const subs[] = {MT_SUB, SUB2};
    struct armmock_options o = {0};
    o.throttle = true;
    o.secrets = secrets;
    o.secret_count = 2;
    o.subscriptions = subs;
    o.subscription_count = 2;
    assert_true(mt_start(t, &o, false));
    assert_non_null(t->token);
}

/* The remaining-request headers of a subscription's answer. */
static void assert_left(const struct mt_response *r, long reads, long writes, long deletes)
{
    assert_int_equal(header_long(r, "x-ms-ratelimit-remaining-subscription-reads"), reads);
    assert_int_equal(header_long(r, "x-ms-ratelimit-remaining-subscription-writes"), writes);
    assert_int_equal(header_long(r, "x-ms-ratelimit-remaining-subscription-deletes"), deletes);
}

/* 429 SubscriptionRequestsThrottled with Retry-After in whole seconds. */
static void assert_throttled(const struct mt_response *r, long retry_after)
{
    assert_int_equal(r->status, 429);
    assert_string_equal(mt_error_code(r), "SubscriptionRequestsThrottled");
    assert_int_equal(header_long(r, "Retry-After"), retry_after);
}

/* Reads: 250 in a burst, then 429 until the clock refills the bucket at 25 a second. */
static void test_throttle_reads(void **state)
{
    (void)state;
    struct mt_mock t;
    start_throttled(&t);
    assert_int_equal(send_as(&t, "PUT", RG, RG_BODY, NULL), 201);
    struct mt_response r;
    for (int i = 1; i <= 250; i++) {
        assert_int_equal(send_as(&t, "GET", RG, NULL, &r), 200);
        if (i == 1)
            assert_left(&r, 249, 199, 200);
        if (i == 250)
            assert_left(&r, 0, 199, 200);
        mt_response_free(&r);
    }
    send_as(&t, "GET", RG, NULL, &r);
    assert_throttled(&r, 1);
    assert_left(&r, 0, 199, 200);
    assert_non_null(strstr(mt_error_message(&r), "read requests"));
    mt_response_free(&r);
    /* a write is counted apart: its bucket is not empty */
    assert_int_equal(send_as(&t, "PUT", RG, RG_BODY, &r), 200);
    assert_left(&r, 0, 198, 200);
    mt_response_free(&r);
    /* 0.1 s later: 2.5 tokens, two reads */
    mt_advance(&t, 0.1);
    assert_int_equal(send_as(&t, "GET", RG, NULL, NULL), 200);
    assert_int_equal(send_as(&t, "GET", RG, NULL, NULL), 200);
    send_as(&t, "GET", RG, NULL, &r);
    assert_throttled(&r, 1);
    mt_response_free(&r);
    /* 10 s later the bucket is full again, and never fuller */
    mt_advance(&t, 10);
    assert_int_equal(send_as(&t, "GET", RG, NULL, &r), 200);
    assert_left(&r, 249, 200, 200);
    mt_response_free(&r);
    mt_stop(&t);
}

/* Writes and deletes: 200 each, refilled at 10 a second; Retry-After is the wait for the next token. */
static void test_throttle_writes_and_deletes(void **state)
{
    (void)state;
    struct mt_mock t;
    start_throttled(&t);
    struct mt_response r;
    for (int i = 1; i <= 200; i++) {
        long s = send_as(&t, "PUT", RG, RG_BODY, NULL);
        assert_true(s == 200 || s == 201);
    }
    send_as(&t, "PUT", RG, RG_BODY, &r);
    assert_throttled(&r, 1);
    assert_left(&r, 250, 0, 200);
    mt_response_free(&r);
    for (int i = 1; i <= 200; i++)
        assert_int_equal(send_as(&t, "DELETE", NO_RG, NULL, NULL), 404); /* a refusal costs a token too */
    send_as(&t, "DELETE", NO_RG, NULL, &r);
    assert_throttled(&r, 1);
    assert_left(&r, 250, 0, 0);
    mt_response_free(&r);
    /* 0.05 s later half a write token has come back: the next is 0.05 s away, said as 1 s */
    mt_advance(&t, 0.05);
    send_as(&t, "PUT", RG, RG_BODY, &r);
    assert_throttled(&r, 1);
    mt_response_free(&r);
    mt_advance(&t, 0.06);
    assert_int_equal(send_as(&t, "PUT", RG, RG_BODY, NULL), 200);
    mt_stop(&t);
}

/* A bucket is per subscription and per principal: another client, or another subscription, has a full one. */
static void test_throttle_scopes(void **state)
{
    (void)state;
    struct mt_mock t;
    start_throttled(&t);
    for (int i = 0; i < 250; i++)
        assert_int_equal(send_as(&t, "GET", NO_RG, NULL, NULL), 404);
    struct mt_response r;
    send_as(&t, "GET", NO_RG, NULL, &r);
    assert_throttled(&r, 1);
    mt_response_free(&r);
    /* the same client, another subscription */
    assert_int_equal(send_as(&t, "GET", "/subscriptions/" SUB2 "/resourcegroups?api-version=2021-04-01", NULL, &r),
                     200);
    assert_left(&r, 249, 200, 200);
    mt_response_free(&r);
    /* another client, the same subscription: a token of its own, and a bucket of its own */
    char *mine = t.token;
    t.token = mt_fetch_token(&t, MT_TENANT, CLIENT2, SECRET2);
    assert_non_null(t.token);
    assert_int_equal(send_as(&t, "GET", NO_RG, NULL, &r), 404);
    assert_left(&r, 249, 200, 200);
    mt_response_free(&r);
    free(t.token);
    /*
     * A second later (25 tokens back) a new token of the first client is
     * still the first principal (a stable oid): its bucket holds 25, not 250.
     */
    mt_advance(&t, 1);
    t.token = mt_fetch_token(&t, MT_TENANT, MT_CLIENT, MT_SECRET);
    assert_non_null(t.token);
    assert_string_not_equal(t.token, mine);
    free(mine);
    for (int i = 0; i < 25; i++)
        assert_int_equal(send_as(&t, "GET", NO_RG, NULL, NULL), 404);
    send_as(&t, "GET", NO_RG, NULL, &r);
    assert_throttled(&r, 1);
    mt_response_free(&r);
    /* requests outside a subscription count in the tenant's bucket and say so */
    assert_int_equal(send_as(&t, "GET", "/tenants?api-version=2021-04-01", NULL, &r), 200);
    assert_int_equal(header_long(&r, "x-ms-ratelimit-remaining-tenant-reads"), 249);
    assert_int_equal(header_long(&r, "x-ms-ratelimit-remaining-tenant-writes"), 200);
    char buf[32];
    assert_null(mt_header(&r, "x-ms-ratelimit-remaining-subscription-reads", buf, sizeof(buf)));
    mt_response_free(&r);
    /* a caller without a token is refused before anything is counted */
    assert_true(mt_request(&t, "GET", RG, NULL, NULL, false, NULL, &r));
    assert_int_equal(r.status, 401);
    assert_null(mt_header(&r, "x-ms-ratelimit-remaining-subscription-reads", buf, sizeof(buf)));
    mt_response_free(&r);
    mt_stop(&t);
}

/* Without --throttle nothing is refused, and the headers count down the hourly model. */
static void test_no_throttle_by_default(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, false));
    struct mt_response r;
    for (int i = 0; i < 300; i++)
        assert_int_equal(send_as(&t, "GET", NO_RG, NULL, NULL), 404);
    assert_int_equal(send_as(&t, "GET", NO_RG, NULL, &r), 404);
    assert_int_equal(header_long(&r, "x-ms-ratelimit-remaining-subscription-reads"), 12000 - 301);
    char buf[32];
    assert_null(mt_header(&r, "x-ms-ratelimit-remaining-subscription-deletes", buf, sizeof(buf)));
    mt_response_free(&r);
    mt_stop(&t);
}

/* ---- --latency: which answers are reads --------------------------------------------------- */

/* The latency --latency 100,300 gives method on path. */
static long latency_of(const char *method, const char *path)
{
    struct armmock m;
    memset(&m, 0, sizeof(m));
    m.opt.latency_read_ms = 100;
    m.opt.latency_write_ms = 300;
    struct mock_request rq;
    memset(&rq, 0, sizeof(rq));
    rq.method = method;
    rq.path = strdup(path);
    rq.seg_buf = strdup(path);
    assert_non_null(rq.path);
    assert_non_null(rq.seg_buf);
    mock_request_split_path(&rq);
    long ms = mock_latency_ms(&m, &rq);
    free(rq.path);
    free(rq.seg_buf);
    return ms;
}

static void test_latency_kinds(void **state)
{
    (void)state;
    assert_int_equal(latency_of("GET", SUBP "/resourcegroups/rg1"), 100);
    assert_int_equal(latency_of("HEAD", SUBP "/resourcegroups/rg1"), 100);
    assert_int_equal(latency_of("GET", SUBP "/providers/Microsoft.Network/locations/eastus/operations/x"), 100);
    assert_int_equal(latency_of("GET", "/" MT_TENANT "/v2.0/.well-known/openid-configuration"), 100);
    assert_int_equal(latency_of("PUT", SUBP "/resourcegroups/rg1"), 300);
    assert_int_equal(latency_of("DELETE", SUBP "/resourcegroups/rg1"), 300);
    assert_int_equal(latency_of("POST", SUBP "/providers/Microsoft.Network/register"), 300);
    /* token requests are writes, whatever their method */
    assert_int_equal(latency_of("POST", "/" MT_TENANT "/oauth2/v2.0/token"), 300);
    assert_int_equal(latency_of("POST", "/" MT_TENANT "/oauth2/token"), 300);
    assert_int_equal(latency_of("GET", "/metadata/identity/oauth2/token"), 300);
    assert_int_equal(latency_of("GET", "/msi/token"), 300);
    assert_int_equal(latency_of("GET", SUBP "/resourcegroups/token"), 100); /* a group named "token" */
}

/* ---- connections ------------------------------------------------------------------------- */

static size_t discard(char *data, size_t size, size_t n, void *ctx)
{
    (void)data;
    (void)ctx;
    return size * n;
}

/* count GETs of path on one libcurl handle (one connection kept alive), with t's token. */
static void gets_on_one_handle(struct mt_mock *t, const char *path, int count)
{
    CURL *c = curl_easy_init();
    assert_non_null(c);
    char url[512], authz[8192];
    snprintf(url, sizeof(url), "%s%s", t->url, path);
    snprintf(authz, sizeof(authz), "Authorization: Bearer %s", t->token);
    struct curl_slist *h = curl_slist_append(NULL, authz);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    if (t->cacert[0])
        curl_easy_setopt(c, CURLOPT_CAINFO, t->cacert);
    for (int i = 0; i < count; i++) {
        assert_int_equal(curl_easy_perform(c), CURLE_OK);
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        assert_int_equal(status, 200);
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
}

/* The journal says which connection carried each request; over HTTPS a connection is one handshake. */
static void check_connections(bool tls)
{
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, tls));
    assert_non_null(t.token);
    assert_int_equal(armmock_connection_count(t.mock), 1); /* mt_start's token request */
    assert_int_equal(send_as(&t, "PUT", RG, RG_BODY, NULL), 201);
    assert_int_equal(armmock_connection_count(t.mock), 2);
    gets_on_one_handle(&t, "/subscriptions/" MT_SUB "/resourcegroups/rg1?api-version=2021-04-01", 3);
    assert_int_equal(armmock_connection_count(t.mock), 3);
    size_t n = 0;
    cJSON **lines = mt_journal(&t, &n);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++) {
        const cJSON *conn = cJSON_GetObjectItemCaseSensitive(lines[i], "connection");
        assert_true(cJSON_IsNumber(conn));
        assert_int_equal((long)conn->valuedouble, i < 2 ? (long)i + 1 : 3);
        const char *arrived = mt_json_str(lines[i], "arrived"), *ts = mt_json_str(lines[i], "ts");
        assert_non_null(arrived);
        assert_non_null(ts);
        assert_true(strcmp(arrived, ts) <= 0); /* same format: the text sorts as the time */
    }
    mt_journal_free(lines, n);
    mt_stop(&t);
}

static void test_connections_http(void **state)
{
    (void)state;
    check_connections(false);
}

static void test_connections_https(void **state)
{
    (void)state;
    check_connections(true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_throttle_reads),
        cmocka_unit_test(test_throttle_writes_and_deletes),
        cmocka_unit_test(test_throttle_scopes),
        cmocka_unit_test(test_no_throttle_by_default),
        cmocka_unit_test(test_latency_kinds),
        cmocka_unit_test(test_connections_http),
        cmocka_unit_test(test_connections_https),
    };
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = cmocka_run_group_tests_name("aksnet-mock latency, throttling, connections", tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
