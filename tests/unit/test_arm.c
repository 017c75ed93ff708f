/*
 * test_arm.c - the ARM client: GET/PUT/DELETE/POST with api-version, the
 * error envelope, and long-running operations followed through
 * Azure-AsyncOperation, Location and provisioningState.
 *
 * Against the in-process aksnet-mock through the real pipeline (request id
 * -> retry -> bearer -> libcurl), with a fake clock whose sleep moves the
 * mock's clock, so operations of minutes finish in no wall time; and
 * against a fake transport for the flows the mock never produces
 * (Location only, provisioningState only, conflicts that do not end).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_clock.h"
#include "fake_transport.h"
#include "internal.h"
#include "json_support.h"
#include "mock_support.h"

#define RG_API "2021-04-01"
#define NET_API "2024-05-01"
#define GROUP_ID "/subscriptions/" MT_SUB "/resourceGroups/rg1"
#define VNET_ID GROUP_ID "/providers/Microsoft.Network/virtualNetworks/vnet1"
#define RT_ID GROUP_ID "/providers/Microsoft.Network/routeTables/rt1"
#define GROUP_BODY "{\"location\":\"chinaeast2\",\"tags\":{\"env\":\"dev\"}}"
#define VNET_BODY                                                                                             \
    "{\"location\":\"chinaeast2\",\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"192.168.0.0/16\"]}," \
    "\"subnets\":[{\"name\":\"nodes\",\"properties\":{\"addressPrefix\":\"192.168.1.0/24\"}}]}}"

#define MAX_POLLS 32

/* ---- what on_poll saw ------------------------------------------------------------------ */

struct seen {
    char *states[MAX_POLLS];
    char *urls[MAX_POLLS];
    size_t polls;
    char busy[MAX_POLLS][64];       /* on_busy: the codes told, and the waits */
    double busy_waits[MAX_POLLS];
    size_t busies;
};

static void on_poll(void *ctx, const char *state, const char *url)
{
    struct seen *s = ctx;
    assert_true(s->polls < MAX_POLLS);
    s->states[s->polls] = strdup(state);
    s->urls[s->polls] = strdup(url);
    s->polls++;
}

static void on_busy(void *ctx, const char *code, double seconds, const char *url)
{
    (void)url;
    struct seen *s = ctx;
    assert_true(s->busies < MAX_POLLS);
    snprintf(s->busy[s->busies], sizeof(s->busy[0]), "%s", code);
    s->busy_waits[s->busies++] = seconds;
}

static void seen_reset(struct seen *s)
{
    for (size_t i = 0; i < s->polls; i++) {
        free(s->states[i]);
        free(s->urls[i]);
    }
    memset(s, 0, sizeof(*s));
}

/* ---- the mock behind the real pipeline ----------------------------------------------- */

struct env {
    struct mt_mock t;
    struct seen seen;
    struct mt_fake_clock clock;     /* follows the mock's: sleeping ends operations, nothing waits */
    struct aksnet__http_transport transport;
    struct aksnet__retry_options retry;
    struct aksnet__bearer_options bearer;
    struct aksnet__http_policy p_id, p_retry, p_bearer;
    struct aksnet__arm_client client;
    struct aksnet__lro_options lro;
};

static struct env *env_start(const struct armmock_options *opts)
{
    struct env *e = calloc(1, sizeof(*e));
    assert_non_null(e);
    assert_true(mt_start(&e->t, opts, false));
    assert_non_null(e->t.token);
    mt_fake_clock_init(&e->clock, 0);
    mt_fake_clock_follow(&e->clock, &e->t.now);
    struct aksnet_error err;
    assert_int_equal(aksnet__curl_transport_new(NULL, &e->transport, &err), AKSNET_OK);
    aksnet__retry_defaults(&e->retry);
    e->retry.clock = &e->clock.clock;
    e->bearer = (struct aksnet__bearer_options){mt_token, &e->t};
    e->p_bearer = (struct aksnet__http_policy){aksnet__policy_bearer, &e->bearer, NULL, &e->transport};
    e->p_retry = (struct aksnet__http_policy){aksnet__policy_retry, &e->retry, &e->p_bearer, NULL};
    e->p_id = (struct aksnet__http_policy){aksnet__policy_request_id, NULL, &e->p_retry, NULL};
    e->client = (struct aksnet__arm_client){.endpoint = e->t.url, .pipeline = &e->p_id, .clock = &e->clock.clock};
    e->lro = (struct aksnet__lro_options){.on_poll = on_poll, .on_busy = on_busy, .ctx = &e->seen};
    return e;
}

/* Forget what the last step saw: its polls and its waits. */
static void env_reset(struct env *e)
{
    seen_reset(&e->seen);
    mt_fake_clock_forget(&e->clock);
}

static void env_stop(struct env *e)
{
    env_reset(e);
    aksnet__curl_transport_free(&e->transport);
    mt_stop(&e->t);
    mt_fake_clock_destroy(&e->clock);
    free(e);
}

static void put_ok(struct env *e, const char *id, const char *api, const char *body)
{
    cJSON *b = mt_json_parse(body);
    struct aksnet_error err;
    aksnet_code rc = aksnet__arm_put(&e->client, id, api, b, &e->lro, NULL, &err);
    if (rc != AKSNET_OK)
        fail_msg("PUT %s: %s", id, err.message);
    cJSON_Delete(b);
}

/* ---- against the mock ------------------------------------------------------------------------ */

/* A mock with one --fault rule (which must outlive it), and rg1 in it. */
static struct env *env_with_fault(const char **rule)
{
    struct armmock_options o = {.faults = rule, .fault_count = 1};
    struct env *e = env_start(&o);
    put_ok(e, GROUP_ID, RG_API, GROUP_BODY);
    return e;
}

/* A resource group is written synchronously (201), read back, and a missing one is NULL, not an error. */
static void test_group_put_get_missing(void **state)
{
    (void)state;
    struct env *e = env_start(NULL);
    struct aksnet_error err;
    cJSON *body = mt_json_parse(GROUP_BODY), *out = NULL;
    assert_int_equal(aksnet__arm_put(&e->client, GROUP_ID, RG_API, body, &e->lro, &out, &err), AKSNET_OK);
    cJSON_Delete(body);
    mt_assert_str(mt_json_str(out, "properties.provisioningState"), "Succeeded");
    mt_assert_str(mt_json_str(out, "tags.env"), "dev");
    cJSON_Delete(out);
    assert_int_equal(e->seen.polls, 0);
    assert_int_equal(e->clock.nwaits, 0);
    assert_int_equal(mt_journal_count(&e->t, "PUT", "/resourceGroups/rg1", 201), 1);
    assert_int_equal(mt_journal_count(&e->t, "GET", "/resourceGroups/rg1", 0), 0); /* the answer was final */

    assert_int_equal(aksnet__arm_get(&e->client, GROUP_ID, RG_API, &out, &err), AKSNET_OK);
    mt_assert_str(mt_json_str(out, "name"), "rg1");
    cJSON_Delete(out);

    out = (cJSON *)1;
    assert_int_equal(aksnet__arm_get(&e->client, "/subscriptions/" MT_SUB "/resourceGroups/nope", RG_API, &out, &err),
                     AKSNET_OK);
    assert_null(out);
    /* a VNet in a group that does not exist: 404 ResourceGroupNotFound is "absent" too */
    assert_int_equal(aksnet__arm_get(&e->client, "/subscriptions/" MT_SUB
                                                "/resourceGroups/nope/providers/Microsoft.Network/virtualNetworks/v",
                                    NET_API, &out, &err),
                     AKSNET_OK);
    assert_null(out);
    env_stop(e);
}

/* A VNet PUT is long-running: one poll of Azure-AsyncOperation after Retry-After (3 s), then the final GET. */
static void test_vnet_put_follows_async_operation(void **state)
{
    (void)state;
    struct armmock_options o = {.lro_seconds = 3};
    struct env *e = env_start(&o);
    put_ok(e, GROUP_ID, RG_API, GROUP_BODY);
    double t0 = e->t.now;
    struct aksnet_error err;
    cJSON *body = mt_json_parse(VNET_BODY), *out = NULL;
    assert_int_equal(aksnet__arm_put(&e->client, VNET_ID, NET_API, body, &e->lro, &out, &err), AKSNET_OK);
    cJSON_Delete(body);
    mt_assert_str(mt_json_str(out, "properties.provisioningState"), "Succeeded");
    mt_assert_str(mt_json_str(out, "name"), "vnet1");
    cJSON_Delete(out);
    assert_int_equal(e->seen.polls, 1);
    mt_assert_str(e->seen.states[0], "Succeeded");
    mt_assert_contains(e->seen.urls[0], "/providers/Microsoft.Network/locations/chinaeast2/operations/");
    assert_int_equal(e->clock.nwaits, 1);
    assert_true(e->clock.waits[0] == 3.0); /* Retry-After: 3, exactly */
    assert_true(e->t.now - t0 == 3.0);
    assert_int_equal(mt_journal_count(&e->t, "PUT", "/virtualNetworks/vnet1", 201), 1);
    assert_int_equal(mt_journal_count(&e->t, "GET", "/operations/", 200), 1);
    assert_int_equal(mt_journal_count(&e->t, "GET", "/virtualNetworks/vnet1", 200), 1);
    env_stop(e);
}

/* 503 twice on the status URL: the retry policy waits its Retry-After, the operation is still followed. */
static void test_poll_survives_throttling(void **state)
{
    (void)state;
    const char *faults[] = {"GET:*/operations/*:503:2"};
    struct armmock_options o = {.lro_seconds = 3, .faults = faults, .fault_count = 1};
    struct env *e = env_start(&o);
    put_ok(e, GROUP_ID, RG_API, GROUP_BODY);
    put_ok(e, VNET_ID, NET_API, VNET_BODY);
    assert_int_equal(e->seen.polls, 1);
    mt_assert_str(e->seen.states[0], "Succeeded");
    assert_int_equal(e->clock.nwaits, 3); /* 3 (operation), 1, 1 (the fault's Retry-After) */
    assert_true(e->clock.waits[0] == 3.0 && e->clock.waits[1] == 1.0 && e->clock.waits[2] == 1.0);
    assert_int_equal(mt_journal_count(&e->t, "GET", "/operations/", 503), 2);
    env_stop(e);
}

/* An operation that ends Failed is AKSNET_EARM with the operation's own code and message. */
static void test_operation_failed(void **state)
{
    (void)state;
    const char *faults[] = {"PUT:*/virtualNetworks/*:fail"};
    struct armmock_options o = {.lro_seconds = 2, .faults = faults, .fault_count = 1};
    struct env *e = env_start(&o);
    put_ok(e, GROUP_ID, RG_API, GROUP_BODY);
    struct aksnet_error err;
    cJSON *body = mt_json_parse(VNET_BODY), *out = (cJSON *)1;
    assert_int_equal(aksnet__arm_put(&e->client, VNET_ID, NET_API, body, &e->lro, &out, &err), AKSNET_EARM);
    cJSON_Delete(body);
    assert_null(out);
    assert_int_equal(err.code, AKSNET_EARM);
    mt_assert_str(err.arm_code, "InternalOperationError");
    mt_assert_contains(err.arm_message, "injected");
    mt_assert_contains(err.message, "PUT " VNET_ID);
    mt_assert_contains(err.message, "Failed: InternalOperationError: The operation failed");
    assert_true(err.request_id[0] != '\0');
    assert_int_equal(e->seen.polls, 1);
    mt_assert_str(e->seen.states[0], "Failed");
    assert_int_equal(mt_journal_count(&e->t, "GET", "/virtualNetworks/vnet1", 0), 0); /* no final GET after a failure */
    env_stop(e);
}

/*
 * The deadline passes: AKSNET_ETIMEOUT naming the operation URL, after
 * exactly the deadline on the clock.  aksnet__arm_wait resumes on that URL
 * (status form) and on its Location form.
 */
static void test_deadline_then_resume(void **state)
{
    (void)state;
    struct armmock_options o = {.lro_seconds = 100000, .token_lifetime = 1e6};
    struct env *e = env_start(&o);
    put_ok(e, GROUP_ID, RG_API, GROUP_BODY);
    e->lro.deadline = 30;
    double t0 = e->t.now;
    struct aksnet_error err;
    cJSON *body = mt_json_parse(VNET_BODY);
    assert_int_equal(aksnet__arm_put(&e->client, VNET_ID, NET_API, body, &e->lro, NULL, &err), AKSNET_ETIMEOUT);
    cJSON_Delete(body);
    /* Retry-After 100000 passes the 30 s deadline: no sleep into certain failure, the resume URL at once */
    assert_true(e->t.now - t0 == 0.0);
    assert_int_equal(e->clock.nwaits, 0);
    assert_int_equal(e->seen.polls, 0);
    mt_assert_contains(err.message, "ARM asks to wait 100000 s");
    mt_assert_contains(err.message, "30 s left");
    const char *at_url = strstr(err.message, "operation URL ");
    assert_non_null(at_url);
    char url[512];
    snprintf(url, sizeof(url), "%s", at_url + strlen("operation URL "));
    mt_assert_contains(url, "/operations/");

    /* the Location form of the same operation, still running: 202, and the deadline again */
    char loc[512];
    const char *at = strstr(url, "/operations/");
    snprintf(loc, sizeof(loc), "%.*s/operationResults/%s", (int)(at - url), url, at + strlen("/operations/"));
    env_reset(e);
    e->lro.deadline = 10;
    assert_int_equal(aksnet__arm_wait(&e->client, loc, &e->lro, &err), AKSNET_ETIMEOUT);
    mt_assert_contains(err.message, loc);
    assert_int_equal(e->seen.polls, 1); /* at once; then ARM's Retry-After would pass the deadline */
    mt_assert_str(e->seen.states[0], "InProgress");
    assert_true(mt_fake_clock_total(&e->clock) == 0.0);

    /* much later, a new run resumes on either URL */
    mt_advance(&e->t, 100000);
    env_reset(e);
    e->lro.deadline = 0;
    assert_int_equal(aksnet__arm_wait(&e->client, url, &e->lro, &err), AKSNET_OK);
    assert_int_equal(e->seen.polls, 1);
    mt_assert_str(e->seen.states[0], "Succeeded");
    assert_int_equal(e->clock.nwaits, 0);
    assert_int_equal(aksnet__arm_wait(&e->client, loc, &e->lro, &err), AKSNET_OK);
    assert_int_equal(e->seen.polls, 2);
    mt_assert_str(e->seen.states[1], "Succeeded");
    cJSON *out = NULL;
    assert_int_equal(aksnet__arm_get(&e->client, VNET_ID, NET_API, &out, &err), AKSNET_OK);
    mt_assert_str(mt_json_str(out, "properties.provisioningState"), "Succeeded");
    cJSON_Delete(out);
    env_stop(e);
}

/* A PUT while the VNet's own operation runs: 409 AnotherOperationInProgress, waited out, then sent again. */
static void test_conflict_waits_for_running_operation(void **state)
{
    (void)state;
    struct armmock_options o = {.lro_seconds = 3};
    struct env *e = env_start(&o);
    put_ok(e, GROUP_ID, RG_API, GROUP_BODY);
    struct mt_response r;
    assert_true(mt_request(&e->t, "PUT", VNET_ID "?api-version=" NET_API, VNET_BODY, NULL, true, NULL, &r));
    assert_int_equal(r.status, 201);
    mt_response_free(&r);
    e->lro.default_poll = 1;
    put_ok(e, VNET_ID, NET_API, VNET_BODY);
    assert_int_equal(mt_journal_count(&e->t, "PUT", "/virtualNetworks/vnet1", 409), 1);
    assert_int_equal(mt_journal_count(&e->t, "PUT", "/virtualNetworks/vnet1", 200), 1);
    /* 409 -> 1 s; GET Updating -> 1 s; GET Updating -> 1 s; GET Succeeded; PUT; 3 s; operation Succeeded
       (the Network RP says "Updating" while it creates) */
    assert_int_equal(e->seen.polls, 4);
    mt_assert_str(e->seen.states[0], "Updating");
    mt_assert_contains(e->seen.urls[0], "/virtualNetworks/vnet1?api-version=");
    mt_assert_str(e->seen.states[2], "Succeeded");
    mt_assert_contains(e->seen.urls[3], "/operations/");
    assert_true(mt_fake_clock_total(&e->clock) == 6.0);
    env_stop(e);
}

/*
 * The network provider's other busy answer: it accepts the write, and the
 * operation ends Failed with RetryableError (kubernetes/kubernetes#88151) or
 * AnotherOperationInProgress (Azure/bicep#5132).  The PUT and the DELETE
 * are each sent once more after the client's own interval (1 s), told to
 * on_busy, and end well; the busy 409 is told the same way.
 */
static void test_busy_operation_failure_resent(void **state)
{
    (void)state;
    const char *faults[] = {"PUT:*/routeTables/rt1:fail=RetryableError",
                            "DELETE:*/routeTables/rt1:fail=AnotherOperationInProgress"};
    struct armmock_options o = {.lro_seconds = 3, .faults = faults, .fault_count = 2};
    struct env *e = env_start(&o);
    put_ok(e, GROUP_ID, RG_API, GROUP_BODY);
    env_reset(e);
    put_ok(e, RT_ID, NET_API, "{\"location\":\"chinaeast2\"}");
    assert_int_equal(mt_journal_count(&e->t, "PUT", "/routeTables/rt1", 201), 1);
    assert_int_equal(mt_journal_count(&e->t, "PUT", "/routeTables/rt1", 200), 1);
    assert_int_equal(e->seen.busies, 1);
    mt_assert_str(e->seen.busy[0], "RetryableError");
    assert_true(e->seen.busy_waits[0] == AKSNET_LRO_FIRST_POLL);

    /* the DELETE: while the PUT's operation runs a busy 409 first, then a failed operation, then gone */
    env_reset(e);
    struct mt_response r;
    assert_true(mt_request(&e->t, "PUT", RT_ID "?api-version=" NET_API, "{\"location\":\"chinaeast2\"}", NULL, true,
                           NULL, &r));
    assert_int_equal(r.status, 200);
    mt_response_free(&r);
    struct aksnet_error err;
    assert_int_equal(aksnet__arm_delete(&e->client, RT_ID, NET_API, &e->lro, &err), AKSNET_OK);
    assert_int_equal(mt_journal_count(&e->t, "DELETE", "/routeTables/rt1", 409), 1);
    assert_int_equal(mt_journal_count(&e->t, "DELETE", "/routeTables/rt1", 202), 2);
    assert_int_equal(e->seen.busies, 2);
    mt_assert_str(e->seen.busy[0], "AnotherOperationInProgress"); /* the 409 */
    mt_assert_str(e->seen.busy[1], "AnotherOperationInProgress"); /* the operation's failure */
    cJSON *out = (cJSON *)1;
    assert_int_equal(aksnet__arm_get(&e->client, RT_ID, NET_API, &out, &err), AKSNET_OK);
    assert_null(out);
    env_stop(e);
}

/* A busy failure that does not end: the write goes 1 + AKSNET_ARM_CONFLICT_RETRIES times, then ARM's error. */
static void test_busy_operation_failure_gives_up(void **state)
{
    (void)state;
    static const char *faults[] = {"PUT:*/routeTables/rt1:fail=AnotherOperationInProgress:4"};
    struct env *e = env_with_fault(faults);
    cJSON *body = mt_json_parse("{\"location\":\"chinaeast2\"}");
    struct aksnet_error err;
    assert_int_equal(aksnet__arm_put(&e->client, RT_ID, NET_API, body, &e->lro, NULL, &err), AKSNET_EARM);
    assert_int_equal(mt_journal_count(&e->t, "PUT", "/routeTables/rt1", 0), 1 + AKSNET_ARM_CONFLICT_RETRIES);
    mt_assert_str(err.arm_code, "AnotherOperationInProgress");
    mt_assert_contains(err.message, "the operation ended Failed");
    assert_int_equal(e->seen.busies, AKSNET_ARM_CONFLICT_RETRIES);

    cJSON_Delete(body);
    env_stop(e);
}

/* A group DELETE is long-running; afterwards the group and what was in it are gone; again is a no-op. */
static void test_delete_group(void **state)
{
    (void)state;
    struct armmock_options o = {.lro_seconds = 3};
    struct env *e = env_start(&o);
    put_ok(e, GROUP_ID, RG_API, GROUP_BODY);
    put_ok(e, VNET_ID, NET_API, VNET_BODY);
    env_reset(e);
    struct aksnet_error err;
    assert_int_equal(aksnet__arm_delete(&e->client, GROUP_ID, RG_API, &e->lro, &err), AKSNET_OK);
    assert_int_equal(e->seen.polls, 1);
    mt_assert_str(e->seen.states[0], "Succeeded");
    assert_true(e->clock.nwaits == 1 && e->clock.waits[0] == 3.0);
    cJSON *out = (cJSON *)1;
    assert_int_equal(aksnet__arm_get(&e->client, GROUP_ID, RG_API, &out, &err), AKSNET_OK);
    assert_null(out);
    assert_int_equal(aksnet__arm_get(&e->client, VNET_ID, NET_API, &out, &err), AKSNET_OK);
    assert_null(out);
    env_reset(e);
    assert_int_equal(aksnet__arm_delete(&e->client, GROUP_ID, RG_API, &e->lro, &err), AKSNET_OK);
    assert_int_equal(e->seen.polls, 0);
    assert_int_equal(mt_journal_count(&e->t, "DELETE", "/resourceGroups/rg1", 202), 1);
    assert_int_equal(mt_journal_count(&e->t, "DELETE", "/resourceGroups/rg1", 404), 1);
    env_stop(e);
}

/* A VNet DELETE (long-running), then a second one answered 204. */
static void test_delete_vnet(void **state)
{
    (void)state;
    struct armmock_options o = {.lro_seconds = 2};
    struct env *e = env_start(&o);
    put_ok(e, GROUP_ID, RG_API, GROUP_BODY);
    put_ok(e, VNET_ID, NET_API, VNET_BODY);
    struct aksnet_error err;
    assert_int_equal(aksnet__arm_delete(&e->client, VNET_ID, NET_API, &e->lro, &err), AKSNET_OK);
    assert_int_equal(aksnet__arm_delete(&e->client, VNET_ID, NET_API, &e->lro, &err), AKSNET_OK);
    assert_int_equal(mt_journal_count(&e->t, "DELETE", "/virtualNetworks/vnet1", 202), 1);
    assert_int_equal(mt_journal_count(&e->t, "DELETE", "/virtualNetworks/vnet1", 204), 1);
    cJSON *out = (cJSON *)1;
    assert_int_equal(aksnet__arm_get(&e->client, VNET_ID, NET_API, &out, &err), AKSNET_OK);
    assert_null(out);
    env_stop(e);
}

/* ARM's 400 with a generic message: the first detail is what the user reads. */
static void test_refused_with_details(void **state)
{
    (void)state;
    struct env *e = env_start(NULL);
    put_ok(e, GROUP_ID, RG_API, GROUP_BODY);
    struct aksnet_error err;
    cJSON *body = mt_json_parse(
        "{\"location\":\"chinaeast2\",\"properties\":{\"addressSpace\":{\"addressPrefixes\":"
        "[\"192.168.0.0/16\"]},\"subnets\":[{\"name\":\"nodes\",\"properties\":{\"addressPrefix\":5}}]}}");
    assert_int_equal(aksnet__arm_put(&e->client, VNET_ID, NET_API, body, &e->lro, NULL, &err), AKSNET_EARM);
    cJSON_Delete(body);
    assert_int_equal(err.http_status, 400);
    mt_assert_str(err.arm_code, "InvalidRequestFormat");
    mt_assert_contains(err.arm_message, "Cannot parse the request. (InvalidJson: An address prefix");
    mt_assert_contains(err.message, "ARM refused PUT " VNET_ID ": InvalidRequestFormat: Cannot parse the request.");
    assert_true(strlen(err.request_id) > 0);
    assert_int_equal(e->seen.polls, 0);
    /* a wrong api-version: refused by ARM before the RP */
    cJSON *out = NULL;
    assert_int_equal(aksnet__arm_get(&e->client, VNET_ID, "1999-01-01", &out, &err), AKSNET_EARM);
    assert_null(out);
    mt_assert_str(err.arm_code, "InvalidApiVersionParameter");
    env_stop(e);
}

/* POST an action: provider registration answers at once. */
static void test_post_register(void **state)
{
    (void)state;
    struct env *e = env_start(NULL);
    struct aksnet_error err;
    cJSON *out = NULL;
    assert_int_equal(aksnet__arm_post(&e->client, "/subscriptions/" MT_SUB "/providers/Microsoft.Network/register",
                                     RG_API, NULL, &out, &err),
                     AKSNET_OK);
    mt_assert_str(mt_json_str(out, "registrationState"), "Registered");
    cJSON_Delete(out);
    env_stop(e);
}

/* A name with a space-free but non-ASCII spelling goes out percent-encoded and comes back as it was. */
static void test_unicode_group_name(void **state)
{
    (void)state;
    struct env *e = env_start(NULL);
    put_ok(e, "/subscriptions/" MT_SUB "/resourceGroups/rg-\xc3\xbc", RG_API, GROUP_BODY);
    struct aksnet_error err;
    cJSON *out = NULL;
    assert_int_equal(aksnet__arm_get(&e->client, "/subscriptions/" MT_SUB "/resourceGroups/rg-\xc3\xbc", RG_API, &out,
                                    &err),
                     AKSNET_OK);
    mt_assert_str(mt_json_str(out, "name"), "rg-\xc3\xbc");
    cJSON_Delete(out);
    env_stop(e);
}

/* ---- a fake transport, for the flows the mock never produces ------------------------------ */

#define FAKE_EP "https://management.example.test"
#define OP_RESULTS FAKE_EP "/subscriptions/s/providers/Microsoft.Network/locations/chinaeast2/operationResults/"
#define OP1 OP_RESULTS "op1?api-version=1"
#define OP2 OP_RESULTS "op2?api-version=1"

/* The fake transport behind the request-id policy, on a fake clock from 1000: every request must be expected. */
struct fake {
    struct mt_fake_transport tr;
    struct mt_fake_clock clock;
    struct seen seen;
    struct aksnet__http_policy policy;
    struct aksnet__arm_client client;
    struct aksnet__lro_options lro;
};

static struct fake *fake_new(const struct mt_canned *replies, size_t n)
{
    struct fake *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    mt_fake_transport_init(&f->tr, replies, n, MT_FAKE_FAIL);
    mt_fake_clock_init(&f->clock, 1000);
    f->policy = (struct aksnet__http_policy){aksnet__policy_request_id, NULL, NULL, &f->tr.transport};
    f->client = (struct aksnet__arm_client){.endpoint = FAKE_EP, .pipeline = &f->policy, .clock = &f->clock.clock};
    f->lro = (struct aksnet__lro_options){.default_poll = 4, .on_poll = on_poll, .ctx = &f->seen};
    return f;
}

static void fake_free(struct fake *f)
{
    assert_int_equal(f->tr.next, f->tr.nreplies); /* every canned answer was asked for */
    mt_fake_transport_free(&f->tr);
    seen_reset(&f->seen);
    mt_fake_clock_destroy(&f->clock);
    free(f);
}

#define FAKE(replies) fake_new(replies, MT_COUNT(replies))

/* Location only: 202 until done, a new Location replaces the old, Retry-After or default_poll between. */
static void test_location_only_flow(void **state)
{
    (void)state;
    static const struct mt_canned replies[] = {
        {AKSNET_OK, 201, "{\"properties\":{\"provisioningState\":\"Updating\"}}",
         {{"Location", OP1}, {"Retry-After", "2"}}},
        {AKSNET_OK, 202, NULL, {{"Location", OP2}, {"Retry-After", "1"}}},
        {AKSNET_OK, 202, NULL, {{NULL, NULL}}},
        {AKSNET_OK, 204, NULL, {{NULL, NULL}}},
        {AKSNET_OK, 200, "{\"name\":\"rt1\",\"properties\":{\"provisioningState\":\"Succeeded\",\"routes\":[]}}",
         {{NULL, NULL}}},
    };
    struct fake *f = FAKE(replies);
    struct aksnet_error err;
    cJSON *body = mt_json_parse("{\"location\":\"chinaeast2\",\"properties\":{\"routes\":[]}}"), *out = NULL;
    assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, &out, &err), AKSNET_OK);
    cJSON_Delete(body);
    mt_assert_str(mt_json_str(out, "properties.provisioningState"), "Succeeded");
    cJSON_Delete(out);
    assert_int_equal(f->tr.nsent, 5);
    mt_assert_str(f->tr.sent[0].method, "PUT");
    mt_assert_str(f->tr.sent[0].url, FAKE_EP RT_ID "?api-version=" NET_API);
    mt_assert_str(f->tr.sent[0].content_type, "application/json");
    mt_assert_str(f->tr.sent[0].body, "{\"location\":\"chinaeast2\",\"properties\":{\"routes\":[]}}");
    mt_assert_str(f->tr.sent[1].url, OP1);
    mt_assert_str(f->tr.sent[2].url, OP2);
    mt_assert_str(f->tr.sent[3].url, OP2);
    mt_assert_str(f->tr.sent[4].method, "GET");
    mt_assert_str(f->tr.sent[4].url, FAKE_EP RT_ID "?api-version=" NET_API);
    assert_null(f->tr.sent[4].body);
    assert_int_equal(f->seen.polls, 3);
    mt_assert_str(f->seen.states[0], "InProgress");
    mt_assert_str(f->seen.states[2], "Succeeded");
    assert_int_equal(f->clock.nwaits, 3);
    /* no Retry-After on the third: a quarter of the 3 s the operation has run, at least 1 s */
    assert_true(f->clock.waits[0] == 2 && f->clock.waits[1] == 1 && f->clock.waits[2] == 1);
    fake_free(f);
}

/* Retry-After: 0 (some services send it) is not "poll at once" but the client's own interval. */
static void test_retry_after_zero_is_default(void **state)
{
    (void)state;
    static const struct mt_canned replies[] = {
        {AKSNET_OK, 201, "{\"properties\":{\"provisioningState\":\"Updating\"}}",
         {{"Azure-AsyncOperation", OP1}, {"Retry-After", "0"}}},
        {AKSNET_OK, 200, "{\"status\":\"InProgress\"}", {{"Retry-After", "0"}}},
        {AKSNET_OK, 200, "{\"status\":\"Succeeded\"}", {{NULL, NULL}}},
        /* no GET of the resource after it: its answer is not asked for (out is NULL) */
    };
    struct fake *f = FAKE(replies);
    f->lro.min_poll = 0.25;
    f->lro.default_poll = 30;
    struct aksnet_error err;
    cJSON *body = mt_json_parse("{\"location\":\"chinaeast2\",\"properties\":{}}");
    assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, NULL, &err), AKSNET_OK);
    cJSON_Delete(body);
    assert_int_equal(f->seen.polls, 2);
    mt_assert_str(f->seen.states[0], "InProgress");
    mt_assert_str(f->seen.states[1], "Succeeded");
    assert_int_equal(f->clock.nwaits, 2);
    /* Retry-After: 0 is "the client's default" (azure-core, azcore), never "at once": 1 s, growing with age */
    assert_true(f->clock.waits[0] == 1 && f->clock.waits[1] == 1);
    fake_free(f);
}

static void count_wait(void *ctx, double seconds, const char *url)
{
    (void)url;
    assert_true(seconds >= AKSNET_LRO_TELL_WAIT);
    ++*(int *)((struct seen *)ctx + 1);
}

/*
 * ARM gives no interval at all: the waits grow with the operation's age up
 * to default_poll instead of hammering ARM, and every wait of 2 s or more
 * is told before it starts (the CLI shows "next check in N s").
 */
static void test_unguided_waits_grow_and_are_told(void **state)
{
    (void)state;
    struct mt_canned replies[15] = {
        {AKSNET_OK, 201, "{\"properties\":{\"provisioningState\":\"Updating\"}}", {{"Azure-AsyncOperation", OP1}}},
    };
    for (int i = 1; i < 14; i++)
        replies[i] = (struct mt_canned){AKSNET_OK, 200, "{\"status\":\"InProgress\"}", {{NULL, NULL}}};
    replies[14] = (struct mt_canned){AKSNET_OK, 200, "{\"status\":\"Succeeded\"}", {{NULL, NULL}}};
    struct fake *f = fake_new(replies, 15);
    struct {
        struct seen seen;
        int told;
    } ctx;
    memset(&ctx, 0, sizeof(ctx));
    f->lro.default_poll = 8;
    f->lro.ctx = &ctx;
    f->lro.on_wait = count_wait;
    struct aksnet_error err;
    cJSON *body = mt_json_parse("{\"location\":\"chinaeast2\"}");
    assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, NULL, &err), AKSNET_OK);
    cJSON_Delete(body);
    assert_int_equal(f->clock.nwaits, 14);
    int at_least_two = 0;
    for (size_t i = 0; i < f->clock.nwaits; i++) {
        assert_true(f->clock.waits[i] >= 1 && f->clock.waits[i] <= 8);
        assert_true(i == 0 || f->clock.waits[i] >= f->clock.waits[i - 1]);
        at_least_two += f->clock.waits[i] >= AKSNET_LRO_TELL_WAIT;
    }
    assert_true(f->clock.waits[0] == 1 && f->clock.waits[13] > 5); /* 1, 1, ... 1.25, 1.56 ... 7.45 */
    assert_int_equal(ctx.told, at_least_two);
    assert_true(ctx.told > 0);
    seen_reset(&ctx.seen);
    fake_free(f);
}

#define RA_PATH "/subscriptions/s/resourceGroups/g/providers/Microsoft.Authorization/roleAssignments"
#define PAGE2 FAKE_EP RA_PATH "?api-version=2022-04-01&$skiptoken=2"

/* A list follows nextLink to the end, gathers every page's items, and percent-encodes the filter. */
static void test_list_pages(void **state)
{
    (void)state;
    static const struct mt_canned replies[] = {
        {AKSNET_OK, 200, "{\"value\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"nextLink\":\"" PAGE2 "\"}", {{NULL, NULL}}},
        {AKSNET_OK, 200, "{\"value\":[{\"name\":\"c\"}]}", {{NULL, NULL}}},
    };
    struct fake *f = FAKE(replies);
    struct aksnet_error err;
    cJSON *out = NULL;
    assert_int_equal(aksnet__arm_list(&f->client, RA_PATH, "2022-04-01", "principalId eq 'p1'", &out, &err),
                     AKSNET_OK);
    assert_int_equal(cJSON_GetArraySize(out), 3);
    mt_assert_str(cJSON_GetObjectItem(cJSON_GetArrayItem(out, 2), "name")->valuestring, "c");
    cJSON_Delete(out);
    mt_assert_str(f->tr.sent[0].url, FAKE_EP RA_PATH "?api-version=2022-04-01&%24filter=principalId%20eq%20%27p1%27");
    mt_assert_str(f->tr.sent[1].url, PAGE2);
    fake_free(f);
}

/*
 * A nextLink on another host would receive the token; a 404 is an empty
 * list; a page without value is refused.  Both are the server's fault
 * (AKSNET_EPROTO, exit 4), not the user's.
 */
static void test_list_refusals(void **state)
{
    (void)state;
    static const struct mt_canned replies[] = {
        {AKSNET_OK, 200, "{\"value\":[],\"nextLink\":\"https://attacker.example/next\"}", {{NULL, NULL}}},
        {AKSNET_OK, 404, "{\"error\":{\"code\":\"NotFound\",\"message\":\"x\"}}", {{NULL, NULL}}},
        {AKSNET_OK, 200, "{\"items\":[]}", {{NULL, NULL}}},
    };
    struct fake *f = FAKE(replies);
    struct aksnet_error err;
    cJSON *out = NULL;
    assert_int_equal(aksnet__arm_list(&f->client, RA_PATH, "2022-04-01", NULL, &out, &err), AKSNET_EPROTO);
    assert_null(out);
    assert_non_null(strstr(err.message, "another host"));
    assert_int_equal(aksnet__arm_list(&f->client, RA_PATH, "2022-04-01", NULL, &out, &err), AKSNET_OK);
    assert_int_equal(cJSON_GetArraySize(out), 0);
    cJSON_Delete(out);
    assert_int_equal(aksnet__arm_list(&f->client, RA_PATH, "2022-04-01", NULL, &out, &err), AKSNET_EPROTO);
    assert_null(out);
    assert_int_equal(aksnet__arm_list(&f->client, "no-slash", "2022-04-01", NULL, &out, &err), AKSNET_EINVAL);
    fake_free(f);
}

#define PAGE1 FAKE_EP RA_PATH "?api-version=2022-04-01"
#define PAGE3 FAKE_EP RA_PATH "?api-version=2022-04-01&$skiptoken=3"
#define LINKS_TO(url) "{\"value\":[{\"name\":\"x\"}],\"nextLink\":\"" url "\"}"

/*
 * aksnet__arm_list over canned pages: refused with code (AKSNET_EARM for a
 * loop or too many pages, AKSNET_EPROTO for a nextLink not to follow), the
 * message holding what; n requests sent.
 */
static void list_refused(const struct mt_canned *replies, size_t n, int list_pages, aksnet_code code, const char *what)
{
    struct fake *f = fake_new(replies, n);
    f->client.list_pages = list_pages;
    struct aksnet_error err;
    cJSON *out = NULL;
    assert_int_equal(aksnet__arm_list(&f->client, RA_PATH, "2022-04-01", NULL, &out, &err), code);
    assert_null(out); /* never a part of the list as if it were all */
    if (!strstr(err.message, what))
        fail_msg("'%s' not in: %s", what, err.message);
    assert_int_equal(f->tr.nsent, n);
    fake_free(f); /* every canned page was read, and no other request sent */
}

/*
 * A nextLink that names a page already read ends the list at once, however
 * spelled (case of the host, the default port, hex digits of escapes):
 * a page pointing to itself, to the first page, A -> B -> A.
 */
static void test_list_loops(void **state)
{
    (void)state;
    static const struct mt_canned first_to_itself[] = {
        {AKSNET_OK, 200, LINKS_TO(PAGE1), {{NULL, NULL}}},
    };
    list_refused(first_to_itself, MT_COUNT(first_to_itself), 0, AKSNET_EARM, "loops: after 1 pages");
    static const struct mt_canned second_to_itself[] = {
        {AKSNET_OK, 200, LINKS_TO(PAGE2), {{NULL, NULL}}},
        {AKSNET_OK, 200, LINKS_TO("HTTPS://Management.Example.TEST:443" RA_PATH "?api-version=2022-04-01&$skiptoken=2"),
         {{NULL, NULL}}},
    };
    list_refused(second_to_itself, MT_COUNT(second_to_itself), 0, AKSNET_EARM, "names a page already read");
    static const struct mt_canned a_b_a[] = {
        {AKSNET_OK, 200, LINKS_TO(PAGE2), {{NULL, NULL}}},
        {AKSNET_OK, 200, LINKS_TO(FAKE_EP "/subscriptions/s/resourceGroups/g/providers/Microsoft.Authorization/./"
                                          "roleAssignments?api-version=2022-04-01"),
         {{NULL, NULL}}},
    };
    list_refused(a_b_a, MT_COUNT(a_b_a), 0, AKSNET_EARM, "the list is incomplete");
    static const struct mt_canned b_c_b[] = {
        {AKSNET_OK, 200, LINKS_TO(PAGE1 "&$skiptoken=a%2fb"), {{NULL, NULL}}},
        {AKSNET_OK, 200, LINKS_TO(PAGE2), {{NULL, NULL}}},
        {AKSNET_OK, 200, LINKS_TO(PAGE1 "&$skiptoken=a%2Fb"), {{NULL, NULL}}},
    };
    list_refused(b_c_b, MT_COUNT(b_c_b), 0, AKSNET_EARM, "after 3 pages");
    /* Links that differ are followed, and an empty or null nextLink ends the list. */
    static const struct mt_canned distinct[] = {
        {AKSNET_OK, 200, LINKS_TO(PAGE2), {{NULL, NULL}}},
        {AKSNET_OK, 200, LINKS_TO(PAGE3), {{NULL, NULL}}},
        {AKSNET_OK, 200, "{\"value\":[{\"name\":\"y\"}],\"nextLink\":\"\"}", {{NULL, NULL}}},
    };
    struct fake *f = FAKE(distinct);
    struct aksnet_error err;
    cJSON *out = NULL;
    assert_int_equal(aksnet__arm_list(&f->client, RA_PATH, "2022-04-01", NULL, &out, &err), AKSNET_OK);
    assert_int_equal(cJSON_GetArraySize(out), 3);
    cJSON_Delete(out);
    fake_free(f);
}

/* A list that goes on with new links past the client's page limit ends there, an error. */
static void test_list_page_limit(void **state)
{
    (void)state;
    static const struct mt_canned replies[] = {
        {AKSNET_OK, 200, LINKS_TO(PAGE2), {{NULL, NULL}}},
        {AKSNET_OK, 200, LINKS_TO(PAGE3), {{NULL, NULL}}},
    };
    list_refused(replies, MT_COUNT(replies), 2, AKSNET_EARM, "goes on past 2 pages");
}

/* A nextLink to another origin (host, port or scheme) would receive the token: not followed. */
static void test_list_foreign_origin(void **state)
{
    (void)state;
    static const struct mt_canned other_port[] = {
        {AKSNET_OK, 200, LINKS_TO("https://management.example.test:8443" RA_PATH "?api-version=2022-04-01"),
         {{NULL, NULL}}},
    };
    list_refused(other_port, MT_COUNT(other_port), 0, AKSNET_EPROTO, "another host");
    static const struct mt_canned other_host[] = {
        {AKSNET_OK, 200, LINKS_TO("https://management.example.test.attacker.example" RA_PATH), {{NULL, NULL}}},
    };
    list_refused(other_host, MT_COUNT(other_host), 0, AKSNET_EPROTO, "another host");
    static const struct mt_canned plain_http[] = {
        {AKSNET_OK, 200, LINKS_TO("http://management.example.test" RA_PATH), {{NULL, NULL}}},
    };
    struct fake *f = FAKE(plain_http);
    struct aksnet_error err;
    cJSON *out = NULL;
    assert_int_not_equal(aksnet__arm_list(&f->client, RA_PATH, "2022-04-01", NULL, &out, &err), AKSNET_OK);
    assert_null(out);
    assert_int_equal(f->tr.nsent, 1);
    fake_free(f);
}

/* An operation URL on another host would receive the bearer token: it is not followed. */
static void test_foreign_operation_url(void **state)
{
    (void)state;
    static const struct mt_canned replies[] = {
        {AKSNET_OK, 201, "{\"properties\":{\"provisioningState\":\"Updating\"}}",
         {{"Azure-AsyncOperation", "https://attacker.example/op/1"}, {"Retry-After", "0"}}},
    };
    struct fake *f = FAKE(replies);
    struct aksnet_error err;
    cJSON *body = mt_json_parse("{\"location\":\"chinaeast2\"}"), *out = NULL;
    assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, &out, &err), AKSNET_EPROTO);
    cJSON_Delete(body);
    assert_null(out);
    assert_non_null(strstr(err.message, "another host"));
    assert_int_equal(f->tr.nsent, 1); /* nothing sent to attacker.example */
    fake_free(f);
}

/*
 * Found by tests/fuzz/fuzz_arm.c: an operation URL with bytes no URL holds
 * (a control character, or raw non-ASCII, which libcurl takes) was followed
 * and printed whole in the resume message; one that libcurl repairs
 * ("https:///host") was followed on libcurl's word; and a status such as
 * "\u001b[2J..." went to on_poll (the progress lines) as it came.
 */
static void test_operation_text_from_arm(void **state)
{
    (void)state;
    static const struct mt_canned replies[] = {
        {AKSNET_OK, 201, "{}", {{"Azure-AsyncOperation", FAKE_EP "/op/1\x13"}}},
        {AKSNET_OK, 201, "{}", {{"Azure-AsyncOperation", FAKE_EP "/op/\xc3\xa9"}}},
        {AKSNET_OK, 201, "{}", {{"Azure-AsyncOperation", "https:///management.example.test/op/3"}}},
        {AKSNET_OK, 201, "{}", {{"Azure-AsyncOperation", FAKE_EP "/op/2"}}},
        {AKSNET_OK, 200, "{\"status\":\"\\u001b[2JInProgress\\u0007\"}", {{"Retry-After", "1"}}},
        {AKSNET_OK, 200, "{\"status\":\"Succeeded\"}", {{NULL, NULL}}},
        {AKSNET_OK, 200, "{}", {{NULL, NULL}}},
    };
    struct fake *f = FAKE(replies);
    struct aksnet_error err;
    cJSON *body = mt_json_parse("{\"location\":\"chinaeast2\"}"), *out = NULL;
    assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, &out, &err), AKSNET_EPROTO);
    mt_assert_contains(err.message, "byte 0x13 that no URL holds");
    assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, &out, &err), AKSNET_EPROTO);
    mt_assert_contains(err.message, "byte 0xc3 that no URL holds");
    /* libcurl reads "https:///host/..." as https://host/...; followed only on the text's word as well */
    assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, &out, &err), AKSNET_EPROTO);
    mt_assert_contains(err.message, "another host (https:///management.example.test/op/3, not");
    assert_int_equal(f->tr.nsent, 3); /* none was polled */
    assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, &out, &err), AKSNET_OK);
    cJSON_Delete(out);
    cJSON_Delete(body);
    assert_int_equal(f->seen.polls, 2);
    mt_assert_str(f->seen.states[0], " [2JInProgress  (a state aksnet does not know: taken as still running)");
    mt_assert_str(f->seen.states[1], "Succeeded");
    fake_free(f);
}

/* Location polling that ends in an error status: the operation failed with that envelope. */
static void test_location_failure(void **state)
{
    (void)state;
    static const struct mt_canned replies[] = {
        {AKSNET_OK, 202, NULL, {{"Location", OP1}, {"Retry-After", "1"}}},
        {AKSNET_OK, 400,
         "{\"error\":{\"code\":\"InUseRouteTableCannotBeDeleted\",\"message\":\"in use by subnet s\"}}",
         {{"x-ms-request-id", "req-42"}}},
    };
    struct fake *f = FAKE(replies);
    struct aksnet_error err;
    assert_int_equal(aksnet__arm_delete(&f->client, RT_ID, NET_API, &f->lro, &err), AKSNET_EARM);
    assert_int_equal(err.http_status, 400);
    mt_assert_str(err.arm_code, "InUseRouteTableCannotBeDeleted");
    mt_assert_str(err.arm_message, "in use by subnet s");
    mt_assert_str(err.request_id, "req-42");
    mt_assert_contains(err.message, "DELETE " RT_ID);
    assert_int_equal(f->seen.polls, 1);
    mt_assert_str(f->seen.states[0], "Failed");
    fake_free(f);
}

/* No operation header: the resource is read until its provisioningState is terminal (any case). */
static void test_provisioning_state_flow(void **state)
{
    (void)state;
    static const struct mt_canned replies[] = {
        {AKSNET_OK, 201, "{\"properties\":{\"provisioningState\":\"Creating\"}}", {{"Retry-After", "1"}}},
        {AKSNET_OK, 200, "{\"properties\":{\"provisioningState\":\"Updating\"}}", {{NULL, NULL}}},
        {AKSNET_OK, 200, "{\"name\":\"rt1\",\"properties\":{\"provisioningState\":\"succeeded\"}}", {{NULL, NULL}}},
        /* the second PUT: a state that fails */
        {AKSNET_OK, 200, "{\"properties\":{\"provisioningState\":\"Updating\"}}", {{NULL, NULL}}},
        {AKSNET_OK, 200, "{\"properties\":{\"provisioningState\":\"Canceled\"}}", {{"x-ms-request-id", "r2"}}},
    };
    struct fake *f = FAKE(replies);
    struct aksnet_error err;
    cJSON *body = mt_json_parse("{\"location\":\"chinaeast2\"}"), *out = NULL;
    assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, &out, &err), AKSNET_OK);
    mt_assert_str(mt_json_str(out, "name"), "rt1");
    cJSON_Delete(out);
    assert_int_equal(f->tr.nsent, 3); /* the last poll is the final body: no extra GET */
    mt_assert_str(f->tr.sent[1].method, "GET");
    assert_int_equal(f->seen.polls, 2);
    mt_assert_str(f->seen.states[0], "Updating");
    mt_assert_str(f->seen.states[1], "succeeded");
    assert_true(f->clock.nwaits == 2 && f->clock.waits[0] == 1 && f->clock.waits[1] == 1);
    assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, &out, &err), AKSNET_EARM);
    assert_null(out);
    mt_assert_contains(err.message, "ended Canceled");
    mt_assert_str(err.request_id, "r2");
    cJSON_Delete(body);
    fake_free(f);
}

/* A conflict that never ends: sent 1 + AKSNET_ARM_CONFLICT_RETRIES times, then ARM's 409 is the error. */
static void test_conflict_gives_up(void **state)
{
    (void)state;
#define BUSY                                                                                                  \
    {AKSNET_OK, 409, "{\"error\":{\"code\":\"AnotherOperationInProgress\",\"message\":\"busy\"}}",                \
     {{"Retry-After", "7"}}}
#define IDLE {AKSNET_OK, 200, "{\"properties\":{\"provisioningState\":\"Succeeded\"}}", {{NULL, NULL}}}
    static const struct mt_canned replies[] = {BUSY, IDLE, BUSY, IDLE, BUSY, IDLE, BUSY};
#undef BUSY
#undef IDLE
    assert_int_equal(AKSNET_ARM_CONFLICT_RETRIES, 3);
    struct fake *f = FAKE(replies);
    struct aksnet_error err;
    cJSON *body = mt_json_parse("{\"location\":\"chinaeast2\"}");
    assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, NULL, &err), AKSNET_EARM);
    cJSON_Delete(body);
    assert_int_equal(err.http_status, 409);
    mt_assert_str(err.arm_code, "AnotherOperationInProgress");
    assert_int_equal(f->clock.nwaits, 3);
    assert_true(f->clock.waits[0] == 7 && f->clock.waits[2] == 7);
    fake_free(f);
}

/*
 * A busy write whose next attempt would pass the deadline fails at once as
 * a timeout (exit 5), with ARM's refusal and why it was not sent again:
 * after a failed operation, and after a 409 whose Retry-After is too long.
 */
static void test_busy_past_deadline(void **state)
{
    (void)state;
    static const char *faults[] = {"PUT:*/routeTables/rt1:fail=AnotherOperationInProgress"};
    struct env *e = env_with_fault(faults);
    cJSON *body = mt_json_parse("{\"location\":\"chinaeast2\"}");
    struct aksnet_error err;
    e->lro.deadline = 1.5; /* the operation fails after the mock's Retry-After (1 s); 1 s more would pass it */
    assert_int_equal(aksnet__arm_put(&e->client, RT_ID, NET_API, body, &e->lro, NULL, &err), AKSNET_ETIMEOUT);
    assert_int_equal(err.code, AKSNET_ETIMEOUT);
    mt_assert_str(err.arm_code, "AnotherOperationInProgress");
    mt_assert_contains(err.message, "another operation holds it (AnotherOperationInProgress); not sent again: "
                                    "waiting 1 s for it would pass the 2 s deadline: Another operation on this");
    assert_int_equal(mt_journal_count(&e->t, "PUT", "/routeTables/rt1", 0), 1);
    cJSON_Delete(body);
    env_stop(e);

    static const struct mt_canned replies[] = {
        {AKSNET_OK, 409, "{\"error\":{\"code\":\"AnotherOperationInProgress\",\"message\":\"busy\"}}",
         {{"Retry-After", "100"}}},
    };
    struct fake *f = FAKE(replies);
    f->lro.deadline = 30;
    body = mt_json_parse("{\"location\":\"chinaeast2\"}");
    assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, NULL, &err), AKSNET_ETIMEOUT);
    assert_int_equal(err.http_status, 409);
    mt_assert_str(err.arm_code, "AnotherOperationInProgress");
    mt_assert_str(err.message, "PUT " RT_ID ": another operation holds it (AnotherOperationInProgress); not sent "
                               "again: waiting 100 s for it would pass the 30 s deadline: busy");
    assert_int_equal(f->clock.nwaits, 0);
    cJSON_Delete(body);
    fake_free(f);
}

/* DELETE: 204 and 404 are "gone"; 200 without headers is done; 202 without headers waits for the 404. */
static void test_delete_variants(void **state)
{
    (void)state;
    static const struct mt_canned replies[] = {
        {AKSNET_OK, 204, NULL, {{NULL, NULL}}},
        {AKSNET_OK, 404, "{\"error\":{\"code\":\"ResourceNotFound\",\"message\":\"no\"}}", {{NULL, NULL}}},
        {AKSNET_OK, 200, NULL, {{NULL, NULL}}},
        {AKSNET_OK, 202, NULL, {{NULL, NULL}}},
        {AKSNET_OK, 200, "{\"properties\":{\"provisioningState\":\"Deleting\"}}", {{NULL, NULL}}},
        {AKSNET_OK, 404, NULL, {{NULL, NULL}}},
        {AKSNET_OK, 403, "{\"error\":{\"code\":\"AuthorizationFailed\",\"message\":\"no access\"}}", {{NULL, NULL}}},
    };
    struct fake *f = FAKE(replies);
    struct aksnet_error err;
    for (int i = 0; i < 4; i++)
        assert_int_equal(aksnet__arm_delete(&f->client, RT_ID, NET_API, &f->lro, &err), AKSNET_OK);
    assert_int_equal(f->seen.polls, 2);
    mt_assert_str(f->seen.states[0], "Deleting");
    mt_assert_str(f->seen.states[1], "Deleted");
    assert_int_equal(aksnet__arm_delete(&f->client, RT_ID, NET_API, &f->lro, &err), AKSNET_EARM);
    mt_assert_str(err.arm_code, "AuthorizationFailed");
    mt_assert_str(err.message, "ARM refused DELETE " RT_ID ": AuthorizationFailed: no access");
    fake_free(f);
}

/*
 * Busy, the ways ARM says it: AKS's 409 OperationNotAllowed "... is in
 * progress" is waited out and sent again like AnotherOperationInProgress
 * (but not an OperationNotAllowed that waiting does not cure), and an
 * operation that ends Failed with AnotherOperationInProgress or
 * RetryableError sends the write again.
 */
static void test_busy_codes(void **state)
{
    (void)state;
    static const struct mt_canned replies[] = {
        /* 1: AKS busy, then idle, then the PUT goes through */
        {AKSNET_OK, 409,
         "{\"error\":{\"code\":\"OperationNotAllowed\",\"message\":\"Operation is not allowed: Another "
         "operation (Updating) is in progress, please wait for it to finish before starting a new operation.\"}}",
         {{"Retry-After", "3"}}},
        {AKSNET_OK, 200, "{\"properties\":{\"provisioningState\":\"Succeeded\"}}", {{NULL, NULL}}},
        {AKSNET_OK, 200, "{\"name\":\"c\",\"properties\":{\"provisioningState\":\"Succeeded\"}}", {{NULL, NULL}}},
        /* 1b: AKS's current wording (Azure/azure-cli-extensions#9855), as aksnet-mock answers it; Retry-After: 0 */
        {AKSNET_OK, 409,
         "{\"error\":{\"code\":\"OperationNotAllowed\",\"message\":\"Operation is not allowed because there's "
         "an in progress update managed cluster operation (operation ID: e375d315-218c-4dff-b806-7ab63b0bb63a) on "
         "the managed cluster started on UTC 2026-05-22T07:19:23Z. Please wait for it to finish before starting a "
         "new operation.\"}}",
         {{"Retry-After", "0"}}},
        {AKSNET_OK, 200, "{\"properties\":{\"provisioningState\":\"Succeeded\"}}", {{NULL, NULL}}},
        {AKSNET_OK, 200, "{\"name\":\"c\",\"properties\":{\"provisioningState\":\"Succeeded\"}}", {{NULL, NULL}}},
        /* 2: an OperationNotAllowed that is not about a running operation: refused at once */
        {AKSNET_OK, 409,
         "{\"error\":{\"code\":\"OperationNotAllowed\",\"message\":\"Unable to perform 'Scaling' operation "
         "since deletion was issued.\"}}",
         {{NULL, NULL}}},
        /* 3: the network provider's operation fails because another ran; the PUT is sent again */
        {AKSNET_OK, 201, "{}", {{"Azure-AsyncOperation", OP1}, {"Retry-After", "1"}}},
        {AKSNET_OK, 200,
         "{\"status\":\"Failed\",\"error\":{\"code\":\"RetryableError\",\"message\":\"A retryable error "
         "occurred.\"}}",
         {{NULL, NULL}}},
        {AKSNET_OK, 200, "{\"name\":\"rt1\",\"properties\":{\"provisioningState\":\"Succeeded\"}}",
         {{NULL, NULL}}},
    };
    struct fake *f = FAKE(replies);
    struct aksnet_error err;
    cJSON *body = mt_json_parse("{\"location\":\"chinaeast2\"}");
    assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, NULL, &err), AKSNET_OK);
    assert_int_equal(f->tr.nsent, 3);
    mt_assert_str(f->tr.sent[2].method, "PUT");
    assert_true(f->clock.waits[0] == 3);
    /* Retry-After: 0 on the 409 (like none: test_conflict_waits_for_running_operation) is the client's own
       first interval (1 s), not "at once" */
    assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, NULL, &err), AKSNET_OK);
    assert_int_equal(f->tr.nsent, 6);
    mt_assert_str(f->tr.sent[5].method, "PUT");
    assert_true(f->clock.nwaits == 2 && f->clock.waits[1] == AKSNET_LRO_FIRST_POLL);
    assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, NULL, &err), AKSNET_EARM);
    mt_assert_str(err.arm_code, "OperationNotAllowed");
    assert_int_equal(f->tr.nsent, 7);
    assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, NULL, &err), AKSNET_OK);
    assert_int_equal(f->tr.nsent, 10);
    mt_assert_str(f->tr.sent[9].method, "PUT");
    cJSON_Delete(body);
    fake_free(f);
}

/* Requests are checked before they are sent; odd answers are errors, not crashes. */
static void test_requests_and_odd_answers(void **state)
{
    (void)state;
    static const struct mt_canned replies[] = {
        {AKSNET_OK, 200, "<html>not json</html>", {{NULL, NULL}}},
        {AKSNET_OK, 200, "{}", {{NULL, NULL}}},
        {AKSNET_ETRANSPORT, 0, NULL, {{NULL, NULL}}},
        {AKSNET_OK, 201, "{}", {{"Azure-AsyncOperation", "http://evil.example/operations/1"}}},
        {AKSNET_OK, 200, NULL, {{NULL, NULL}}},
    };
    struct fake *f = FAKE(replies);
    struct aksnet_error err;
    cJSON *out = NULL;
    assert_int_equal(aksnet__arm_get(&f->client, "subscriptions/x", NET_API, &out, &err), AKSNET_EINVAL);
    assert_int_equal(aksnet__arm_get(&f->client, RT_ID "?x=1", NET_API, &out, &err), AKSNET_EINVAL);
    assert_int_equal(aksnet__arm_get(&f->client, RT_ID, "2024-05-01&x=1", &out, &err), AKSNET_EINVAL);
    assert_int_equal(aksnet__arm_get(&f->client, RT_ID, NULL, &out, &err), AKSNET_EINVAL);
    assert_int_equal(aksnet__arm_wait(&f->client, "http://example.com/operations/1", &f->lro, &err), AKSNET_EINVAL);
    /* found by fuzz_resid: libcurl would send ".../virtualNetworks/../x" as ".../Microsoft.Network/x" */
    assert_int_equal(aksnet__arm_get(&f->client, GROUP_ID "/providers/Microsoft.Network/virtualNetworks/../x", NET_API,
                                     &out, &err), AKSNET_EINVAL);
    assert_int_equal(aksnet__arm_get(&f->client, GROUP_ID "/./x", NET_API, &out, &err), AKSNET_EINVAL);
    /* and an id that is not UTF-8 is quoted as UTF-8, without control characters */
    assert_int_equal(aksnet__arm_get(&f->client, "x\xff\x1b[2J", NET_API, &out, &err), AKSNET_EINVAL);
    mt_assert_contains(err.message, "'x? [2J' is not an ARM resource id");
    assert_int_equal(f->tr.nsent, 0);

    assert_int_equal(aksnet__arm_get(&f->client, RT_ID, NET_API, &out, &err), AKSNET_EPROTO);
    assert_null(out);
    mt_assert_contains(err.message, "not JSON");
    /* a trailing slash on the endpoint and a name needing percent-encoding */
    f->client.endpoint = FAKE_EP "/";
    assert_int_equal(aksnet__arm_get(&f->client, "/subscriptions/s/resourceGroups/my rg\xc3\xbc", RG_API, &out, &err),
                     AKSNET_OK);
    cJSON_Delete(out);
    mt_assert_str(f->tr.sent[1].url, FAKE_EP "/subscriptions/s/resourceGroups/my%20rg%C3%BC?api-version=" RG_API);
    assert_int_equal(aksnet__arm_get(&f->client, RT_ID, NET_API, &out, &err), AKSNET_ETRANSPORT);
    /* an operation URL that would carry the token in clear text is not polled: ARM's fault, not the caller's */
    cJSON *body = mt_json_parse("{}");
    assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, NULL, &err), AKSNET_EPROTO);
    mt_assert_contains(err.message, "evil.example");
    assert_int_equal(f->tr.nsent, 4);
    /* an action with no body answered */
    assert_int_equal(aksnet__arm_post(&f->client, RT_ID, NET_API, body, &out, &err), AKSNET_OK);
    assert_null(out);
    cJSON_Delete(body);
    fake_free(f);
}

/* ---- the envelope alone ------------------------------------------------------------------ */

static void response(struct aksnet__http_response *rs, long status, const char *body)
{
    memset(rs, 0, sizeof(*rs));
    rs->status = status;
    if (body) {
        rs->body = strdup(body);
        rs->body_len = strlen(body);
    }
}

static void test_error_envelopes(void **state)
{
    (void)state;
    struct aksnet__http_response rs;
    struct aksnet_error err;

    /* a specific message keeps its details to itself */
    response(&rs, 400, "{\"error\":{\"code\":\"InvalidParameter\",\"message\":\"podCidr overlaps\",\"target\":\"x\","
                       "\"details\":[{\"code\":\"D\",\"message\":\"d\"}]}}");
    aksnet__http_response_add_header(&rs, "x-ms-request-id", "abc-123");
    assert_int_equal(aksnet__arm_error_from_response(&rs, &err), AKSNET_EARM);
    assert_int_equal(err.code, AKSNET_EARM);
    assert_int_equal(err.http_status, 400);
    mt_assert_str(err.arm_code, "InvalidParameter");
    mt_assert_str(err.arm_message, "podCidr overlaps");
    mt_assert_str(err.request_id, "abc-123");
    mt_assert_str(err.message, "ARM refused the request: InvalidParameter: podCidr overlaps");
    aksnet__http_response_free(&rs);

    /* a message that points at the details, and one that is empty */
    response(&rs, 400, "{\"error\":{\"code\":\"DeploymentFailed\",\"message\":\"See details.\",\"details\":"
                       "[{\"code\":\"LinkedAuthorizationFailed\",\"message\":\"no join\"}]}}");
    aksnet__arm_error_from_response(&rs, &err);
    mt_assert_str(err.arm_message, "See details. (LinkedAuthorizationFailed: no join)");
    aksnet__http_response_free(&rs);
    /* the network provider's RetryableError says who held the resource only in its detail (kubernetes#88151) */
    response(&rs, 200, "{\"status\":\"Failed\",\"error\":{\"code\":\"RetryableError\",\"message\":\"A "
                       "retryable error occurred.\",\"details\":[{\"code\":\"RetryableErrorDueToAnotherOperation\","
                       "\"message\":\"Operation DeleteRouteOperation is updating resource rt1.\"}]}}");
    aksnet__arm_error_from_response(&rs, &err);
    mt_assert_str(err.arm_message, "A retryable error occurred. (RetryableErrorDueToAnotherOperation: Operation "
                                   "DeleteRouteOperation is updating resource rt1.)");
    aksnet__http_response_free(&rs);
    response(&rs, 400, "{\"error\":{\"code\":\"BadRequest\",\"details\":[{\"code\":\"SubnetIsFull\"}]}}");
    aksnet__arm_error_from_response(&rs, &err);
    mt_assert_str(err.arm_message, "(SubnetIsFull)");
    aksnet__http_response_free(&rs);

    /* the older envelope: code and message at the top */
    response(&rs, 404, "{\"code\":\"ResourceNotFound\",\"message\":\"gone\"}");
    aksnet__arm_error_from_response(&rs, &err);
    mt_assert_str(err.arm_code, "ResourceNotFound");
    mt_assert_str(err.arm_message, "gone");
    aksnet__http_response_free(&rs);

    /* a gateway's page: no ARM fields, the status and the start of the body */
    response(&rs, 502, "<html><body>502 Bad Gateway\r\n</body></html>");
    aksnet__arm_error_from_response(&rs, &err);
    assert_int_equal(err.http_status, 502);
    mt_assert_str(err.arm_code, "");
    mt_assert_str(err.arm_message, "");
    mt_assert_str(err.message, "ARM refused the request: HTTP 502: <html><body>502 Bad Gateway  </body></html>");
    aksnet__http_response_free(&rs);

    /* nothing at all */
    response(&rs, 404, NULL);
    aksnet__arm_error_from_response(&rs, &err);
    assert_int_equal(err.http_status, 404);
    mt_assert_str(err.arm_code, "");
    mt_assert_str(err.message, "ARM refused the request: HTTP 404 with an empty body");
    aksnet__http_response_free(&rs);

    /* too long for the buffers: cut on a character boundary, request id too */
    size_t n = 3000;
    char *big = malloc(2 * n + 200), *w = big;
    w += snprintf(w, 200, "{\"error\":{\"code\":\"C\",\"message\":\"");
    for (size_t i = 0; i < n; i++, w += 2)
        memcpy(w, "\xc3\xa9", 2);
    snprintf(w, 200, "\\n\"}}");
    response(&rs, 400, big);
    free(big);
    char rid[200];
    memset(rid, 'r', sizeof(rid) - 1);
    rid[sizeof(rid) - 1] = '\0';
    aksnet__http_response_add_header(&rs, "x-ms-request-id", rid);
    aksnet__arm_error_from_response(&rs, &err);
    size_t len = strlen(err.arm_message);
    assert_true(len > 1000 && len < AKSNET_ERROR_ARM_MESSAGE_MAX);
    assert_int_equal(aksnet__utf8_invalid_offset(err.arm_message, len), len);
    len = strlen(err.message);
    assert_true(len > 400 && len < AKSNET_ERROR_MESSAGE_MAX);
    assert_int_equal(aksnet__utf8_invalid_offset(err.message, len), len);
    assert_int_equal(strlen(err.request_id), AKSNET_ERROR_REQUEST_ID_MAX - 1);
    aksnet__http_response_free(&rs);

    /* control characters never reach a terminal */
    response(&rs, 400, "{\"error\":{\"code\":\"X\\u001b[31m\",\"message\":\"a\\nb\"}}");
    aksnet__arm_error_from_response(&rs, &err);
    mt_assert_str(err.arm_code, "X [31m");
    mt_assert_str(err.arm_message, "a b");
    aksnet__http_response_free(&rs);

    /* NULL err is allowed */
    response(&rs, 500, NULL);
    assert_int_equal(aksnet__arm_error_from_response(&rs, NULL), AKSNET_EARM);
    aksnet__http_response_free(&rs);
}

/* ---- faults, each with a clear outcome (issue #12) -------------------------------------------------- */

#define ASYNC_OP FAKE_EP "/subscriptions/s/providers/Microsoft.Network/locations/westus/operations/op1?api-version=1"
#define UPDATING "{\"properties\":{\"provisioningState\":\"Updating\"}}"
#define SUCCEEDED "{\"properties\":{\"provisioningState\":\"Succeeded\"}}"

/* What on_wait was told: each wait of 2 s or more, before it starts. */
struct waits_told {
    size_t count;
    double seconds[MAX_POLLS];
};

static void on_wait(void *ctx, double seconds, const char *url)
{
    (void)url;
    struct waits_told *w = ctx;
    if (w->count < MAX_POLLS)
        w->seconds[w->count] = seconds;
    w->count++;
}

/*
 * A 2xx whose body is JSON but no object (an array, a string, a number) is
 * not a resource that differs: AKSNET_EPROTO (exit 4) saying so, whether it
 * answers a GET, a PUT, an operation's status or a resource being followed.
 */
static void test_not_a_resource(void **state)
{
    (void)state;
    static const struct mt_canned replies[] = {
        {AKSNET_OK, 200, "[{\"id\":\"x\"}]", {{NULL, NULL}}},
        {AKSNET_OK, 200, "\"a string\"", {{NULL, NULL}}},
        {AKSNET_OK, 200, "42", {{NULL, NULL}}},
        {AKSNET_OK, 200, "[]", {{NULL, NULL}}},
        {AKSNET_OK, 201, UPDATING, {{"Azure-AsyncOperation", ASYNC_OP}, {"Retry-After", "1"}}},
        {AKSNET_OK, 200, "[\"InProgress\"]", {{NULL, NULL}}},
        {AKSNET_OK, 201, UPDATING, {{"Retry-After", "1"}, {NULL, NULL}}},
        {AKSNET_OK, 200, "[]", {{NULL, NULL}}},
    };
    static const char *const kinds[] = {"a JSON array", "a JSON string", "a number"};
    struct fake *f = FAKE(replies);
    struct aksnet_error err;
    cJSON *out = NULL;
    for (size_t i = 0; i < MT_COUNT(kinds); i++) {
        assert_int_equal(aksnet__arm_get(&f->client, RT_ID, NET_API, &out, &err), AKSNET_EPROTO);
        assert_null(out);
        assert_int_equal(err.code, AKSNET_EPROTO);
        mt_assert_contains(err.message, "ARM answered GET " RT_ID " with something that is not a resource");
        mt_assert_contains(err.message, kinds[i]);
    }
    cJSON *body = mt_json_parse("{\"location\":\"chinaeast2\"}");
    for (int i = 0; i < 3; i++) { /* the PUT's answer, the operation's status, the resource followed */
        assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, &out, &err), AKSNET_EPROTO);
        assert_null(out);
        mt_assert_contains(err.message, "something that is not a resource (HTTP 200, a JSON array)");
    }
    cJSON_Delete(body);
    assert_int_equal(f->tr.nsent, MT_COUNT(replies));
    fake_free(f);
}

/*
 * ARM lets a provider name its own running states: one aksnet does not
 * know is followed as running, but every poll says so with its name; the
 * ones it knows are told as they are.
 */
static void test_unknown_state_told(void **state)
{
    (void)state;
    static const struct mt_canned replies[] = {
        {AKSNET_OK, 201, UPDATING, {{"Azure-AsyncOperation", ASYNC_OP}, {"Retry-After", "5"}}},
        {AKSNET_OK, 200, "{\"status\":\"Frobnicating\"}", {{"Retry-After", "5"}, {NULL, NULL}}},
        {AKSNET_OK, 200, "{\"status\":\"Accepted\"}", {{"Retry-After", "5"}, {NULL, NULL}}},
        {AKSNET_OK, 200, "{\"status\":\"Frob\\u001b[2Jnicating\"}", {{"Retry-After", "5"}, {NULL, NULL}}},
        {AKSNET_OK, 200, "{\"status\":\"Succeeded\"}", {{NULL, NULL}}}, /* out is NULL: no GET after it */
    };
    struct fake *f = FAKE(replies);
    struct aksnet_error err;
    cJSON *body = mt_json_parse("{\"location\":\"chinaeast2\"}");
    assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, NULL, &err), AKSNET_OK);
    cJSON_Delete(body);
    assert_int_equal(f->seen.polls, 4);
    mt_assert_str(f->seen.states[0], "Frobnicating (a state aksnet does not know: taken as still running)");
    mt_assert_str(f->seen.states[1], "Accepted");
    mt_assert_str(f->seen.states[2], "Frob [2Jnicating (a state aksnet does not know: taken as still running)");
    mt_assert_str(f->seen.states[3], "Succeeded");
    assert_int_equal(f->clock.nwaits, 4);
    fake_free(f);
}

/* The lro options of a fake whose waits are told to told (on_wait and on_poll share one ctx: both go there). */
static void told_only(struct fake *f, struct waits_told *told)
{
    f->lro.on_poll = NULL;
    f->lro.on_wait = on_wait;
    f->lro.ctx = told;
}

/*
 * Absurd waits on an operation (issue #12): a Retry-After of an hour, of
 * eleven days or a date far ahead, past what is left of the deadline, fails
 * at once with AKSNET_ETIMEOUT and the URL to resume from, sleeping
 * nothing; one within the deadline but beyond AKSNET__MAX_WAIT is cut to
 * it and told; nonsense (-1, "soon") is the client's own interval.
 */
static void test_lro_absurd_waits(void **state)
{
    (void)state;
    static const char *const absurd[] = {"3600", "950400", "Fri, 31 Dec 2100 23:59:59 GMT"};
    for (size_t i = 0; i < MT_COUNT(absurd); i++) {
        const struct mt_canned replies[] = {
            {AKSNET_OK, 201, UPDATING, {{"Azure-AsyncOperation", ASYNC_OP}, {"Retry-After", absurd[i]}}},
        };
        struct fake *f = FAKE(replies);
        struct waits_told told = {0};
        told_only(f, &told);
        f->lro.deadline = 1800;
        struct aksnet_error err;
        cJSON *body = mt_json_parse("{\"location\":\"chinaeast2\"}");
        assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, NULL, &err), AKSNET_ETIMEOUT);
        cJSON_Delete(body);
        mt_assert_contains(err.message, "ARM asks to wait");
        mt_assert_contains(err.message, "1800 s left of the 1800 s deadline");
        mt_assert_contains(err.message, "resume later with the operation URL " ASYNC_OP);
        assert_int_equal(f->clock.nwaits, 0);
        assert_int_equal(told.count, 0);
        fake_free(f);
    }
    /* within the 3600 s deadline, but longer than aksnet waits at once: 300 s, told, then the poll */
    static const struct mt_canned long_wait[] = {
        {AKSNET_OK, 201, UPDATING, {{"Azure-AsyncOperation", ASYNC_OP}, {"Retry-After", "1000"}}},
        {AKSNET_OK, 200, "{\"status\":\"Succeeded\"}", {{NULL, NULL}}}, /* out is NULL: no GET after it */
    };
    struct fake *f = FAKE(long_wait);
    struct waits_told told = {0};
    told_only(f, &told);
    f->lro.deadline = 3600;
    struct aksnet_error err;
    cJSON *body = mt_json_parse("{\"location\":\"chinaeast2\"}");
    assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, NULL, &err), AKSNET_OK);
    assert_int_equal(f->clock.nwaits, 1);
    assert_true(f->clock.waits[0] == AKSNET__MAX_WAIT);
    assert_int_equal(told.count, 1);
    assert_true(told.seconds[0] == AKSNET__MAX_WAIT);
    fake_free(f);
    /* nonsense: the first poll after the client's own first interval (1 s) */
    static const char *const nonsense[] = {"-1", "soon"};
    for (size_t i = 0; i < MT_COUNT(nonsense); i++) {
        const struct mt_canned replies[] = {
            {AKSNET_OK, 201, UPDATING, {{"Azure-AsyncOperation", ASYNC_OP}, {"Retry-After", nonsense[i]}}},
            {AKSNET_OK, 200, "{\"status\":\"Succeeded\"}", {{NULL, NULL}}},
        };
        f = FAKE(replies);
        assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, NULL, &err), AKSNET_OK);
        assert_int_equal(f->clock.nwaits, 1);
        assert_true(f->clock.waits[0] == AKSNET_LRO_FIRST_POLL);
        fake_free(f);
    }
    cJSON_Delete(body);
}

/*
 * A throttled write whose Retry-After passes the operation's deadline is
 * not sent again after the deadline: the retry policy sees the deadline the
 * operation carries on each request, and gives up at once (exit 5).
 */
static void test_retry_within_deadline(void **state)
{
    (void)state;
    static const struct mt_canned replies[] = {
        {AKSNET_OK, 429, "{\"error\":{\"code\":\"TooManyRequests\"}}", {{"Retry-After", "120"}, {NULL, NULL}}},
        {AKSNET_OK, 429, "{\"error\":{\"code\":\"TooManyRequests\"}}", {{"Retry-After", "120"}, {NULL, NULL}}},
        {AKSNET_OK, 200, SUCCEEDED, {{NULL, NULL}}},
    };
    struct fake *f = FAKE(replies);
    struct aksnet__retry_options ro;
    aksnet__retry_defaults(&ro);
    ro.clock = &f->clock.clock;
    struct aksnet__http_policy retry = {aksnet__policy_retry, &ro, NULL, &f->tr.transport};
    f->policy.next = &retry;
    f->lro.deadline = 100;
    struct aksnet_error err;
    cJSON *body = mt_json_parse("{\"location\":\"chinaeast2\"}");
    assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, NULL, &err), AKSNET_ETIMEOUT);
    mt_assert_contains(err.message, "HTTP 429; the next try would be 120 s from now, past the 100 s left");
    assert_int_equal(f->tr.nsent, 1);
    assert_int_equal(f->clock.nwaits, 0);
    f->lro.deadline = 0; /* the default hour: waited */
    assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, NULL, &err), AKSNET_OK);
    assert_int_equal(f->tr.nsent, 3);
    assert_int_equal(f->clock.nwaits, 1);
    assert_true(f->clock.waits[0] == 120);
    cJSON_Delete(body);
    fake_free(f);
}

/*
 * Operation URLs aksnet will not send its token to, whoever named them
 * (a relative "//host" reference, plain http to IMDS's address): ARM's
 * fault, AKSNET_EPROTO (exit 4), never the user's (2); nothing is sent.
 */
static void test_operation_url_not_followed(void **state)
{
    (void)state;
    static const struct mt_canned replies[] = {
        {AKSNET_OK, 201, UPDATING, {{"Azure-AsyncOperation", "//127.0.0.2:1/op"}, {NULL, NULL}}},
        {AKSNET_OK, 201, UPDATING,
         {{"Azure-AsyncOperation", "http://169.254.169.254/metadata/identity/oauth2/token"}, {NULL, NULL}}},
        {AKSNET_OK, 202, NULL, {{"Location", "http://127.0.0.2:1/operationResults/1"}, {NULL, NULL}}},
    };
    struct fake *f = FAKE(replies);
    struct aksnet_error err;
    cJSON *body = mt_json_parse("{\"location\":\"chinaeast2\"}");
    assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, NULL, &err), AKSNET_EPROTO);
    mt_assert_contains(err.message, "ARM named a URL aksnet will not send its token to");
    mt_assert_contains(err.message, "//127.0.0.2:1/op");
    assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, NULL, &err), AKSNET_EPROTO);
    mt_assert_contains(err.message, "169.254.169.254");
    assert_int_equal(aksnet__arm_delete(&f->client, RT_ID, NET_API, &f->lro, &err), AKSNET_EPROTO);
    mt_assert_contains(err.message, "another host");
    cJSON_Delete(body);
    assert_int_equal(f->tr.nsent, 3); /* the three writes; nothing followed */
    fake_free(f);
}

/*
 * A 401 that comes back (the bearer policy has already refreshed once) is
 * the credential's failure: AKSNET_EAUTH (exit 3), not ARM refusing what
 * was asked; a 403 is ARM refusing (exit 4).
 */
static void test_token_refused(void **state)
{
    (void)state;
    static const struct mt_canned replies[] = {
        {AKSNET_OK, 401, "{\"error\":{\"code\":\"InvalidAuthenticationToken\",\"message\":\"The access token is "
                         "invalid.\"}}", {{NULL, NULL}}},
        {AKSNET_OK, 401, "{\"error\":{\"code\":\"InvalidAuthenticationToken\",\"message\":\"no\"}}", {{NULL, NULL}}},
        {AKSNET_OK, 403, "{\"error\":{\"code\":\"AuthorizationFailed\",\"message\":\"no access\"}}", {{NULL, NULL}}},
    };
    struct fake *f = FAKE(replies);
    struct aksnet_error err;
    cJSON *out = NULL;
    assert_int_equal(aksnet__arm_get(&f->client, RT_ID, NET_API, &out, &err), AKSNET_EAUTH);
    assert_int_equal(err.code, AKSNET_EAUTH);
    assert_int_equal(err.http_status, 401);
    mt_assert_str(err.arm_code, "InvalidAuthenticationToken");
    mt_assert_contains(err.message, "ARM refused the token for GET " RT_ID);
    cJSON *body = mt_json_parse("{\"location\":\"chinaeast2\"}");
    assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, NULL, &err), AKSNET_EAUTH);
    assert_int_equal(aksnet__arm_put(&f->client, RT_ID, NET_API, body, &f->lro, NULL, &err), AKSNET_EARM);
    cJSON_Delete(body);
    fake_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_put_get_missing),
        cmocka_unit_test(test_vnet_put_follows_async_operation),
        cmocka_unit_test(test_retry_after_zero_is_default),
        cmocka_unit_test(test_busy_operation_failure_resent),
        cmocka_unit_test(test_busy_operation_failure_gives_up),
        cmocka_unit_test(test_busy_past_deadline),
        cmocka_unit_test(test_busy_codes),
        cmocka_unit_test(test_unguided_waits_grow_and_are_told),
        cmocka_unit_test(test_list_pages),
        cmocka_unit_test(test_list_refusals),
        cmocka_unit_test(test_list_loops),
        cmocka_unit_test(test_list_page_limit),
        cmocka_unit_test(test_list_foreign_origin),
        cmocka_unit_test(test_poll_survives_throttling),
        cmocka_unit_test(test_operation_failed),
        cmocka_unit_test(test_deadline_then_resume),
        cmocka_unit_test(test_conflict_waits_for_running_operation),
        cmocka_unit_test(test_delete_group),
        cmocka_unit_test(test_delete_vnet),
        cmocka_unit_test(test_refused_with_details),
        cmocka_unit_test(test_post_register),
        cmocka_unit_test(test_unicode_group_name),
        cmocka_unit_test(test_location_only_flow),
        cmocka_unit_test(test_location_failure),
        cmocka_unit_test(test_foreign_operation_url),
        cmocka_unit_test(test_operation_text_from_arm),
        cmocka_unit_test(test_provisioning_state_flow),
        cmocka_unit_test(test_conflict_gives_up),
        cmocka_unit_test(test_delete_variants),
        cmocka_unit_test(test_requests_and_odd_answers),
        cmocka_unit_test(test_error_envelopes),
        cmocka_unit_test(test_not_a_resource),
        cmocka_unit_test(test_unknown_state_told),
        cmocka_unit_test(test_lro_absurd_waits),
        cmocka_unit_test(test_retry_within_deadline),
        cmocka_unit_test(test_operation_url_not_followed),
        cmocka_unit_test(test_token_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
