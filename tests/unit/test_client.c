/*
 * test_client.c - the library's client: the one pipeline built by
 * aksnet_client_new, seen through its seams (a fake transport and clock):
 * every wait of the retry policy reaches the caller's on_retry with the
 * request and the wait, so the tool can say "throttled by ARM, retrying in
 * 40 s" instead of going quiet.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_clock.h"
#include "fake_transport.h"
#include "internal.h"

#define EP "https://management.chinacloudapi.cn"
#define RG "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg"

struct told {
    int calls;
    char method[8];
    char url[256];
    double seconds;
    char why[64];
};

static void on_retry(void *ctx, const char *method, const char *url, double seconds, const char *why)
{
    struct told *t = ctx;
    t->calls++;
    snprintf(t->method, sizeof(t->method), "%s", method);
    snprintf(t->url, sizeof(t->url), "%s", url);
    t->seconds = seconds;
    snprintf(t->why, sizeof(t->why), "%s", why);
}

static aksnet_code fake_new(void *ctx, const char *cacert, struct aksnet__http_transport *out, struct aksnet_error *err)
{
    (void)cacert;
    (void)err;
    *out = ((struct mt_fake_transport *)ctx)->transport;
    return AKSNET_OK;
}

static void fake_free(void *ctx, struct aksnet__http_transport *t)
{
    (void)ctx;
    (void)t;
}

static aksnet_code token(void *ctx, bool force, char **out, struct aksnet_error *err)
{
    (void)ctx;
    (void)force;
    (void)err;
    *out = strdup("t");
    return AKSNET_OK;
}

/* A 429 with Retry-After: 40, then 200: the GET succeeds and on_retry was told 40 s, the method and URL. */
static void test_retry_is_told(void **state)
{
    (void)state;
    static const struct mt_canned replies[] = {
        {AKSNET_OK, 429, "{\"error\":{\"code\":\"TooManyRequests\"}}", {{"Retry-After", "40"}}},
        {AKSNET_OK, 200, "{\"name\":\"rg\"}", {{NULL, NULL}}},
    };
    struct mt_fake_transport f;
    mt_fake_transport_init(&f, replies, 2, MT_FAKE_FAIL);
    struct mt_fake_clock clock;
    mt_fake_clock_init(&clock, 1800000000.0);
    struct told told = {0};
    struct aksnet_client_options o;
    aksnet_client_options_init(&o);
    o.arm_endpoint = EP;
    o.authority_host = "https://login.chinacloudapi.cn";
    o.cloud = "AzureChinaCloud";
    o.on_retry = on_retry;
    o.on_retry_ctx = &told;
    struct aksnet__client_seams seams = {.transport_new = fake_new, .transport_free = fake_free, .transport_ctx = &f,
                                         .clock = &clock.clock, .get_token = token};
    struct aksnet_client *client = NULL;
    struct aksnet_error err;
    assert_int_equal(aksnet__client_new_with(&o, &seams, &client, &err), AKSNET_OK);
    struct aksnet__arm_client *arm = NULL;
    assert_int_equal(aksnet__client_acquire(client, &arm, &err), AKSNET_OK);
    cJSON *out = NULL;
    assert_int_equal(aksnet__arm_get(arm, RG, "2021-04-01", &out, &err), AKSNET_OK);
    assert_non_null(out);
    cJSON_Delete(out);
    assert_int_equal(told.calls, 1);
    assert_string_equal(told.method, "GET");
    assert_non_null(strstr(told.url, EP RG "?api-version=2021-04-01"));
    assert_true(told.seconds == 40);
    assert_string_equal(told.why, "HTTP 429");
    assert_true(clock.nwaits == 1 && clock.waits[0] == 40);
    aksnet__client_release(client, arm);
    aksnet_client_free(client);
    mt_fake_transport_free(&f);
    mt_fake_clock_destroy(&clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry_is_told),
    };
    return cmocka_run_group_tests_name("client", tests, NULL, NULL);
}
