/*
 * test_fleet.c - many plans in one run (aksnet_fleet_run) against the
 * in-process aksnet-mock, through one client whose pipeline, the mock and
 * the run share one fake clock: operations and polls take no wall time.
 * What was sent is read back from the mock's journal.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aksnet/cancel.h"
#include "aksnet/fleet.h"
#include "aksnet/validate.h"
#include "fake_clock.h"
#include "internal.h"
#include "json_support.h"
#include "mock_support.h"
#include "plans.h"

#define MAX_PLANS 48
#define GROUP(n) "/subscriptions/" MT_SUB "/resourceGroups/" n
#define API_NET "?api-version=2024-05-01"

struct env {
    struct mt_mock t;
    struct mt_fake_clock clock;
    struct aksnet_client *client;
    struct aksnet_plan *plans[MAX_PLANS];
    size_t count;
    struct aksnet_fleet_options o;
    struct aksnet_fleet_result results[MAX_PLANS];
    struct aksnet_findings findings;
    struct aksnet_error err;
    /* what the sink saw (serialised by the fleet: no lock of ours) */
    size_t events[MAX_PLANS];
    size_t started[MAX_PLANS], finished[MAX_PLANS];
    size_t running, most_running;
    long first_event_at[MAX_PLANS];  /* the sink's call count at a plan's first event */
    long finished_at[MAX_PLANS];
    long calls;
};

static void on_event(void *ctx, size_t plan, const struct aksnet_event *event)
{
    (void)event;
    struct env *e = ctx;
    assert_true(plan < e->count);
    if (e->events[plan]++ == 0)
        e->first_event_at[plan] = e->calls;
    e->calls++;
}

static void on_plan(void *ctx, size_t plan, const struct aksnet_fleet_result *r)
{
    struct env *e = ctx;
    assert_true(plan < e->count);
    if (r->finished) {
        e->finished[plan]++;
        e->finished_at[plan] = e->calls;
        e->running--;
    } else {
        assert_true(r->started);
        e->started[plan]++;
        if (++e->running > e->most_running)
            e->most_running = e->running;
    }
    e->calls++;
}

static struct env *env_start_with(const char *const *faults, size_t nfaults, bool throttle)
{
    struct env *e = calloc(1, sizeof(*e));
    assert_non_null(e);
    mt_fake_clock_init(&e->clock, 1800000000.0);
    struct armmock_options mo = {0};
    mo.clock = mt_fake_clock_now;
    mo.clock_ctx = &e->clock;
    mo.faults = faults;
    mo.fault_count = nfaults;
    mo.throttle = throttle;
    /* throttled: no operation to wait for, so that the shared clock moves only when the pacer holds a request */
    mo.instant_operations = throttle;
    assert_true(mt_start(&e->t, &mo, false));
    struct aksnet_client_options co;
    aksnet_client_options_init(&co);
    co.arm_endpoint = e->t.url;
    co.authority_host = e->t.url;
    struct aksnet__client_seams seams = {.clock = &e->clock.clock, .get_token = mt_token, .token_ctx = &e->t};
    assert_int_equal(aksnet__client_new_with(&co, &seams, &e->client, &e->err), AKSNET_OK);
    aksnet_fleet_options_init(&e->o);
    e->o.run.client = e->client;
    e->o.run.mode = AKSNET_RUN_APPLY;
    e->o.events = (struct aksnet_fleet_sink){on_event, on_plan, e};
    aksnet_findings_init(&e->findings);
    return e;
}

static struct env *env_start(const char *const *faults, size_t nfaults)
{
    return env_start_with(faults, nfaults, false);
}

static void env_stop(struct env *e)
{
    aksnet_client_free(e->client);
    for (size_t i = 0; i < e->count; i++)
        aksnet_plan_free(e->plans[i]);
    aksnet_findings_free(&e->findings);
    mt_stop(&e->t);
    mt_fake_clock_destroy(&e->clock);
    free(e);
}

/* A plan named NAME.json: cluster NAME in group rg-NAME, its VNet VNET (in that group) with subnet SUBNET. */
static void add_plan(struct env *e, const char *name, const char *group, const char *vnet, const char *vnet_prefix,
                     const char *subnet, const char *subnet_prefix, const char *pod)
{
    char text[2048];
    snprintf(text, sizeof(text),
             "{\"subscriptionId\": \"%s\", \"location\": \"chinaeast2\", \"resourceGroup\": \"%s\","
             " \"network\": {\"vnet\": {\"name\": \"%s\", \"addressPrefixes\": [\"%s\"]},"
             " \"subnet\": {\"name\": \"%s\", \"addressPrefix\": \"%s\"}},"
             " \"identity\": {\"type\": \"UserAssigned\", \"name\": \"%s-id\"},"
             " \"cluster\": {\"name\": \"%s\", \"podCidr\": \"%s\","
             " \"nodePools\": [{\"name\": \"nodepool1\", \"count\": 3, \"mode\": \"System\"}]}}",
             MT_SUB, group, vnet, vnet_prefix, subnet, subnet_prefix, name, name, pod);
    assert_true(e->count < MAX_PLANS);
    struct aksnet_plan *p = mt_plan_from_text(text);
    free(p->source);
    char source[64];
    snprintf(source, sizeof(source), "%s.json", name);
    p->source = strdup(source);
    e->plans[e->count++] = p;
}

/* Five plans, each in its own group and VNet, all with the default pod range (VNets not peered: allowed). */
static void add_five(struct env *e)
{
    const char *names[] = {"aks1", "aks2", "aks3", "aks4", "aks5"};
    for (size_t i = 0; i < 5; i++) {
        char group[16], vnet[32];
        snprintf(group, sizeof(group), "rg-%s", names[i]);
        snprintf(vnet, sizeof(vnet), "%s-vnet", names[i]);
        add_plan(e, names[i], group, vnet, "10.1.0.0/16", "nodes", "10.1.0.0/24", "10.244.0.0/16");
    }
}

static aksnet_code run(struct env *e)
{
    struct aksnet_findings alone;
    aksnet_findings_init(&alone);
    for (size_t i = 0; i < e->count; i++)
        assert_int_equal(aksnet_validate_plan(e->plans[i], &alone), AKSNET_OK);
    assert_int_equal(aksnet_findings_count(&alone, AKSNET_SEVERITY_ERROR), 0);
    aksnet_findings_free(&alone);
    e->o.plans = (const struct aksnet_plan *const *)e->plans;
    e->o.count = e->count;
    aksnet_code rc = aksnet_fleet_run(&e->o, e->results, &e->findings, &e->err);
    if (rc != AKSNET_OK)
        print_message("fleet: %s: %s\n", aksnet_strerror(rc), e->err.message);
    return rc;
}

static bool cluster_exists(struct env *e, const char *group, const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/providers/Microsoft.ContainerService/managedClusters/%s?api-version=2024-09-01",
             group, name);
    struct mt_response r;
    assert_true(mt_request(&e->t, "GET", path, NULL, NULL, true, NULL, &r));
    bool ok = r.status == 200;
    mt_response_free(&r);
    return ok;
}

/* Does add_five's plan n (1..5) have its cluster? */
static bool cluster_n_exists(struct env *e, size_t n)
{
    char group[128], name[16];
    snprintf(group, sizeof(group), GROUP("rg-aks%zu"), n);
    snprintf(name, sizeof(name), "aks%zu", n);
    return cluster_exists(e, group, name);
}

/* ---- tests ----------------------------------------------------------------------------------------- */

/* Five plans provision through one client, at most `parallel` at once; a re-run writes nothing. */
static void test_five_plans(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, 0);
    add_five(e);
    e->o.parallel = 2;
    assert_int_equal(run(e), AKSNET_OK);
    for (size_t i = 0; i < 5; i++) {
        assert_true(e->results[i].started && e->results[i].finished);
        assert_int_equal(e->results[i].rc, AKSNET_OK);
        assert_int_equal(e->results[i].run.states[AKSNET_STEP_CLUSTER], AKSNET_STATE_DONE);
        assert_true(e->results[i].run.writes >= 7);
        assert_true(e->events[i] > 0);
        assert_int_equal(e->started[i], 1);
        assert_int_equal(e->finished[i], 1);
        assert_true(cluster_n_exists(e, i + 1));
    }
    assert_int_equal(e->most_running, 2);
    assert_int_equal(e->findings.count, 0);
    /* the pod ranges overlap in five VNets: each VNet was read, for its peerings, before any write */
    long first_put = mt_journal_find(&e->t, "PUT", "/subscriptions/");
    for (int i = 1; i <= 5; i++) {
        char vnet[64];
        snprintf(vnet, sizeof(vnet), "/virtualNetworks/aks%d-vnet", i);
        long read = mt_journal_find(&e->t, "GET", vnet);
        assert_true(read >= 0 && read < first_put);
    }
    /* again: every plan is a no-op */
    size_t puts = mt_journal_count(&e->t, "PUT", "/subscriptions/", 0);
    memset(e->results, 0, sizeof(e->results));
    assert_int_equal(run(e), AKSNET_OK);
    assert_int_equal(mt_journal_count(&e->t, "PUT", "/subscriptions/", 0), puts);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(e->results[i].run.writes, 0);
    env_stop(e);
}

/* A plan whose cluster fails does not stop the others; the fleet reports it, the first failure and the count. */
static void test_failed_plan_does_not_stop_the_others(void **state)
{
    (void)state;
    const char *faults[] = {"PUT:*/managedClusters/aks3:fail=QuotaExceeded:1000"};
    struct env *e = env_start(faults, 1);
    add_five(e);
    e->o.parallel = 5;
    assert_int_equal(run(e), AKSNET_EARM);
    assert_non_null(strstr(e->err.message, "1 of 5 plans failed"));
    assert_non_null(strstr(e->err.message, "aks3.json"));
    assert_string_equal(e->err.arm_code, "QuotaExceeded");
    for (size_t i = 0; i < 5; i++) {
        assert_true(e->results[i].finished);
        if (i == 2) {
            assert_int_equal(e->results[i].rc, AKSNET_EARM);
            assert_int_equal(e->results[i].run.states[AKSNET_STEP_CLUSTER], AKSNET_STATE_FAILED);
            continue;
        }
        assert_int_equal(e->results[i].rc, AKSNET_OK);
        assert_true(cluster_n_exists(e, i + 1));
    }
    env_stop(e);
}

/* Plans sharing a VNet run one after another, so that each VNet PUT keeps the other's subnet. */
static void test_shared_vnet_runs_one_after_another(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, 0);
    add_plan(e, "aks1", "rg", "shared", "10.1.0.0/16", "nodes1", "10.1.1.0/24", "10.244.0.0/16");
    add_plan(e, "aks2", "rg", "shared", "10.1.0.0/16", "nodes2", "10.1.2.0/24", "10.245.0.0/16");
    add_plan(e, "aks3", "rg3", "other", "10.2.0.0/16", "nodes", "10.2.1.0/24", "10.246.0.0/16");
    e->o.parallel = 3;
    assert_int_equal(run(e), AKSNET_OK);
    assert_true(e->first_event_at[1] > e->finished_at[0]);
    assert_int_equal(e->most_running, 2);
    struct mt_response r;
    assert_true(mt_request(&e->t, "GET", GROUP("rg") "/providers/Microsoft.Network/virtualNetworks/shared" API_NET,
                           NULL, NULL, true, NULL, &r));
    assert_int_equal(r.status, 200);
    assert_int_equal(cJSON_GetArraySize(mt_json_at(r.json, "properties.subnets")), 2);
    mt_response_free(&r);
    env_stop(e);
}

/* Put a group and a VNet straight into the mock, peered with another VNet when peer_id is not NULL. */
static void put_vnet(struct env *e, const char *group, const char *name, const char *prefix, const char *peer_id)
{
    char path[512], body[1024], peering[512] = "";
    snprintf(path, sizeof(path), GROUP("%s") "?api-version=2021-04-01", group);
    struct mt_response r;
    assert_true(mt_request(&e->t, "PUT", path, "{\"location\": \"chinaeast2\"}", NULL, true, NULL, &r));
    assert_true(r.status == 200 || r.status == 201);
    mt_response_free(&r);
    snprintf(path, sizeof(path), GROUP("%s") "/providers/Microsoft.Network/virtualNetworks/%s" API_NET, group, name);
    if (peer_id)
        snprintf(peering, sizeof(peering),
                 ", \"virtualNetworkPeerings\": [{\"name\": \"peer\", \"properties\": {\"remoteVirtualNetwork\":"
                 " {\"id\": \"%s\"}}}]",
                 peer_id);
    snprintf(body, sizeof(body),
             "{\"location\": \"chinaeast2\", \"properties\": {\"addressSpace\": {\"addressPrefixes\": [\"%s\"]}%s}}",
             prefix, peering);
    assert_true(mt_request(&e->t, "PUT", path, body, NULL, true, NULL, &r));
    if (r.status != 200 && r.status != 201)
        fail_msg("PUT %s: %ld %s", path, r.status, r.body ? r.body : "");
    mt_response_free(&r);
    mt_advance(&e->t, 60);
}

/*
 * Plans in peered VNets with overlapping pod ranges are stopped before any
 * write, with a finding that names both plans; not peered, they run.
 */
static void test_peered_vnets_with_overlapping_pod_ranges(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, 0);
    put_vnet(e, "rg-b", "vnet-b", "10.2.0.0/16", NULL);
    put_vnet(e, "rg-a", "vnet-a", "10.1.0.0/16",
             "/subscriptions/" MT_SUB "/resourceGroups/rg-b/providers/Microsoft.Network/virtualNetworks/vnet-b");
    add_plan(e, "a", "rg-a", "vnet-a", "10.1.0.0/16", "nodes", "10.1.1.0/24", "10.244.0.0/16");
    add_plan(e, "b", "rg-b", "vnet-b", "10.2.0.0/16", "nodes", "10.2.1.0/24", "10.244.128.0/17");
    add_plan(e, "c", "rg-c", "vnet-c", "10.3.0.0/16", "nodes", "10.3.1.0/24", "10.244.0.0/16");
    size_t puts = mt_journal_count(&e->t, "PUT", "/subscriptions/", 0);
    assert_int_equal(run(e), AKSNET_EPLAN);
    assert_int_equal(mt_journal_count(&e->t, "PUT", "/subscriptions/", 0), puts);
    assert_int_equal(e->findings.count, 1);
    const struct aksnet_finding *f = &e->findings.items[0];
    assert_string_equal(f->code, "fleet-pod-overlap");
    assert_string_equal(f->field, "cluster.podCidr");
    assert_non_null(strstr(f->message, "a.json"));
    assert_non_null(strstr(f->message, "b.json"));
    assert_null(strstr(f->message, "c.json"));
    for (size_t i = 0; i < 3; i++)
        assert_false(e->results[i].started);
    /* each VNet read once */
    assert_int_equal(mt_journal_count(&e->t, "GET", "/virtualNetworks/vnet-a", 0), 1);
    assert_int_equal(mt_journal_count(&e->t, "GET", "/virtualNetworks/vnet-c", 0), 1);
    /* the same fleet without b: a's peering names no plan's VNet, so it runs */
    aksnet_plan_free(e->plans[1]);
    e->plans[1] = e->plans[2];
    e->count = 2;
    aksnet_findings_free(&e->findings);
    assert_int_equal(run(e), AKSNET_OK);
    assert_int_equal(e->findings.count, 0);
    env_stop(e);
}

/* The fleet destroys what it made, every plan. */
static void test_destroy(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, 0);
    add_five(e);
    assert_int_equal(run(e), AKSNET_OK);
    e->o.run.mode = AKSNET_RUN_DESTROY;
    memset(e->results, 0, sizeof(e->results));
    assert_int_equal(run(e), AKSNET_OK);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(e->results[i].run.states[AKSNET_STEP_CLUSTER], AKSNET_STATE_DELETED);
        assert_false(cluster_n_exists(e, i + 1));
    }
    env_stop(e);
}

static aksnet_code no_token(void *ctx, bool force_refresh, char **token, struct aksnet_error *err)
{
    (void)force_refresh, (void)token;
    ++*(int *)ctx;
    return aksnet_error_set(err, AKSNET_EAUTH, "client secret: Entra ID refused the token request");
}

/* A credential that fails fails every plan alike: after the first, no plan starts; all end AKSNET_EAUTH. */
static void test_failed_credential_stops_the_fleet(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, 0);
    add_five(e);
    aksnet_client_free(e->client);
    int asked = 0;
    struct aksnet_client_options co;
    aksnet_client_options_init(&co);
    co.arm_endpoint = e->t.url;
    co.authority_host = e->t.url;
    struct aksnet__client_seams seams = {.clock = &e->clock.clock, .get_token = no_token, .token_ctx = &asked};
    assert_int_equal(aksnet__client_new_with(&co, &seams, &e->client, &e->err), AKSNET_OK);
    e->o.run.client = e->client;
    e->o.parallel = 1;
    assert_int_equal(run(e), AKSNET_EAUTH);
    assert_non_null(strstr(e->err.message, "5 of 5 plans failed"));
    /* the VNets were to be read first (the pod ranges overlap): the first read's refusal stops the fleet */
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(e->results[i].rc, AKSNET_EAUTH);
        assert_false(e->results[i].started);
        assert_non_null(strstr(e->results[i].error.message, "not started: the credential failed (aks"));
        assert_non_null(strstr(e->results[i].error.message, "Entra ID refused"));
    }
    assert_true(asked >= 1 && asked <= 2); /* the first read stops the reading too */
    /* with ranges apart, nothing is read first: the first plan fails, no other starts */
    asked = 0;
    for (size_t i = 0; i < 5; i++) {
        free(e->plans[i]->cluster.pod_cidr);
        char pod[32];
        snprintf(pod, sizeof(pod), "10.%zu.0.0/16", 240 + i);
        e->plans[i]->cluster.pod_cidr = strdup(pod);
    }
    memset(e->results, 0, sizeof(e->results));
    assert_int_equal(run(e), AKSNET_EAUTH);
    assert_true(e->results[0].started);
    for (size_t i = 1; i < 5; i++) {
        assert_false(e->results[i].started);
        assert_non_null(strstr(e->results[i].error.message, "not started: the credential failed (aks1.json)"));
    }
    assert_true(asked >= 1 && asked <= 2);
    env_stop(e);
}

/* A cancel (Ctrl-C) once the second plan starts: it stops with what it sent in flight, no later plan starts. */
struct cancel_at_start {
    struct env *e;
    struct aksnet_cancel *cancel;
};

static void cancel_on_second(void *ctx, size_t plan, const struct aksnet_fleet_result *r)
{
    struct cancel_at_start *c = ctx;
    on_plan(c->e, plan, r);
    if (plan == 1 && !r->finished)
        aksnet_cancel_request(c->cancel, 2);
}

static void on_event_of(void *ctx, size_t plan, const struct aksnet_event *event)
{
    struct cancel_at_start *c = ctx;
    on_event(c->e, plan, event);
}

static void test_cancel_stops_the_fleet(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, 0);
    add_five(e);
    aksnet_client_free(e->client);
    struct cancel_at_start c = {.e = e};
    assert_int_equal(aksnet_cancel_new(&c.cancel, NULL), AKSNET_OK);
    struct aksnet_client_options co;
    aksnet_client_options_init(&co);
    co.arm_endpoint = e->t.url;
    co.authority_host = e->t.url;
    co.cancel = c.cancel;
    struct aksnet__client_seams seams = {.clock = &e->clock.clock, .get_token = mt_token, .token_ctx = &e->t};
    assert_int_equal(aksnet__client_new_with(&co, &seams, &e->client, &e->err), AKSNET_OK);
    e->o.run.client = e->client;
    e->o.parallel = 1;
    e->o.events = (struct aksnet_fleet_sink){on_event_of, cancel_on_second, &c};
    assert_int_equal(run(e), AKSNET_ECANCELED);
    assert_int_equal(e->results[0].rc, AKSNET_OK);
    assert_true(e->results[1].started);
    assert_int_equal(e->results[1].rc, AKSNET_ECANCELED);
    for (size_t i = 2; i < 5; i++) {
        assert_false(e->results[i].started);
        assert_int_equal(e->results[i].rc, AKSNET_ECANCELED);
        assert_string_equal(e->results[i].error.message, "not started: interrupted");
    }
    assert_false(cluster_n_exists(e, 2));
    aksnet_client_free(e->client);
    e->client = NULL;
    aksnet_cancel_free(c.cancel);
    env_stop(e);
}

/*
 * Against ARM's throttle (the mock's --throttle: writes 200, refilled 10 a
 * second, on the shared fake clock; operations answered at once), 40 plans
 * need 280 writes: the pacer holds the fleet to the refill, so the mock
 * answers fewer than 1% of the requests 429, every plan succeeds, and the
 * fleet takes at least the 8 s the bucket imposes.
 */
static void test_throttled_mock_sees_no_429_storm(void **state)
{
    (void)state;
    struct env *e = env_start_with(NULL, 0, true);
    for (int i = 0; i < 40; i++) {
        char name[16], group[16], pod[32];
        snprintf(name, sizeof(name), "aks%02d", i);
        snprintf(group, sizeof(group), "rg-%02d", i);
        snprintf(pod, sizeof(pod), "10.%d.0.0/16", 100 + i);
        add_plan(e, name, group, "vnet", "10.1.0.0/16", "nodes", "10.1.0.0/24", pod);
    }
    e->o.parallel = 10;
    double start = mt_fake_clock_now(&e->clock);
    assert_int_equal(run(e), AKSNET_OK);
    double took = mt_fake_clock_now(&e->clock) - start;
    const char *methods[] = {"GET", "PUT", "POST", "DELETE"};
    size_t requests = 0, throttled = 0, writes = 0;
    for (size_t i = 0; i < 4; i++) {
        size_t n = mt_journal_count(&e->t, methods[i], "/subscriptions/", 0);
        requests += n;
        writes += i ? n : 0;
        throttled += mt_journal_count(&e->t, methods[i], "/subscriptions/", 429);
    }
    print_message("throttled mock: %zu requests, %zu writes, %zu answered 429, %.1f s on the fake clock\n", requests,
                  writes, throttled, took);
    assert_int_equal(writes - throttled, 280);
    assert_true(throttled * 100 < requests);
    assert_true(took >= (280 - 200) / 10.0);
    struct aksnet_client_stats stats;
    aksnet_client_stats(e->client, &stats);
    assert_true(stats.paced > 0);
    assert_int_equal(stats.throttled, throttled);
    env_stop(e);
}

/* Options that cannot run are refused at the door. */
static void test_bad_options(void **state)
{
    (void)state;
    struct aksnet_fleet_options o;
    aksnet_fleet_options_init(&o);
    assert_int_equal(o.parallel, AKSNET_FLEET_PARALLEL_DEFAULT);
    struct aksnet_fleet_result r[1];
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    struct aksnet_error err;
    assert_int_equal(aksnet_fleet_run(&o, r, &f, &err), AKSNET_EINVAL);
    assert_int_equal(aksnet_fleet_run(NULL, r, &f, &err), AKSNET_EINVAL);
    struct env *e = env_start(NULL, 0);
    add_five(e);
    e->o.parallel = AKSNET_FLEET_PARALLEL_MAX + 1;
    e->o.plans = (const struct aksnet_plan *const *)e->plans;
    e->o.count = e->count;
    assert_int_equal(aksnet_fleet_run(&e->o, e->results, &e->findings, &err), AKSNET_EINVAL);
    assert_non_null(strstr(err.message, "at most"));
    env_stop(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_five_plans),
        cmocka_unit_test(test_failed_plan_does_not_stop_the_others),
        cmocka_unit_test(test_shared_vnet_runs_one_after_another),
        cmocka_unit_test(test_peered_vnets_with_overlapping_pod_ranges),
        cmocka_unit_test(test_destroy),
        cmocka_unit_test(test_failed_credential_stops_the_fleet),
        cmocka_unit_test(test_cancel_stops_the_fleet),
        cmocka_unit_test(test_throttled_mock_sees_no_429_storm),
        cmocka_unit_test(test_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
