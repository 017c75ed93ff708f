/*
 * test_fleet_cli.c - `aksnet validate|plan|provision|destroy` given several
 * plans (-f ... -f ..., --plans DIR), the real binary (AKSNET_BIN) against
 * an aksnet-mock on loopback (in this process, on the real clock with short
 * operations): nothing is sent before every plan is checked alone and
 * against the others; five plans provision through one client; a plan that
 * fails does not stop the others; the exit code is the worst plan's; JSON
 * events carry the plan's file; Ctrl-C stops every plan and says what may
 * still run.  What was sent is read from the journal.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_env.h"
#include "mock_support.h"
#include "proc_support.h"
#include "tmpfiles.h"

#define TIMEOUT_MS 120000

static const char *bin(void)
{
    return mt_bin("AKSNET_BIN", "build/san/aksnet");
}

struct rig {
    struct mt_mock t;
    struct mt_tmpdir plans;
    struct mt_env env;
    char *const *envp;
    struct mt_proc_result r;
};

static void rig_start_with(struct rig *g, const char *const *faults, size_t nfaults, bool throttle)
{
    memset(g, 0, sizeof(*g));
    struct armmock_options o = {.lro_seconds = 0.05, .clock = mt_real_clock, .faults = faults,
                                .fault_count = nfaults, .throttle = throttle};
    assert_true(mt_start(&g->t, &o, false));
    assert_true(mt_tmpdir_make(&g->plans, "fleet"));
    mt_env_set(&g->env, "AZURE_TENANT_ID", MT_TENANT);
    mt_env_set(&g->env, "AZURE_CLIENT_ID", MT_CLIENT);
    mt_env_set(&g->env, "AZURE_CLIENT_SECRET", MT_SECRET);
    mt_env_set(&g->env, "PATH", "/usr/bin:/bin");
    mt_env_set(&g->env, "ASAN_OPTIONS", "detect_leaks=1");
    g->envp = mt_env_envp(&g->env);
}

static void rig_start(struct rig *g, const char *const *faults, size_t nfaults)
{
    rig_start_with(g, faults, nfaults, false);
}

static void rig_stop(struct rig *g)
{
    mt_proc_result_free(&g->r);
    mt_env_free(&g->env);
    mt_tmpdir_remove(&g->plans);
    mt_stop(&g->t);
}

/* plans/NAME.json: cluster NAME in group rg-NAME, its own VNet 10.N.0.0/16 (N given), pod range POD. */
static void write_plan(struct rig *g, const char *name, int n, const char *pod, const char *cloud_location)
{
    char path[MT_PATH_MAX], file[64], text[1024];
    snprintf(file, sizeof(file), "%s.json", name);
    mt_tmpdir_file(&g->plans, file, path, sizeof(path));
    snprintf(text, sizeof(text),
             "{\"subscriptionId\": \"%s\", \"location\": \"%s\", \"resourceGroup\": \"rg-%s\",\n"
             " \"network\": {\"vnet\": {\"name\": \"vnet\", \"addressPrefixes\": [\"10.%d.0.0/16\"]},\n"
             "             \"subnet\": {\"name\": \"nodes\", \"addressPrefix\": \"10.%d.0.0/24\"}},\n"
             " \"identity\": {\"type\": \"UserAssigned\", \"name\": \"%s-id\"},\n"
             " \"cluster\": {\"name\": \"%s\", \"podCidr\": \"%s\",\n"
             "             \"nodePools\": [{\"name\": \"nodepool1\", \"count\": 3, \"mode\": \"System\"}]}}\n",
             MT_SUB, cloud_location, name, n, n, name, name, pod);
    assert_true(mt_write_text(path, text, 0600));
}

static void write_five(struct rig *g)
{
    const char *pods[] = {"10.241.0.0/16", "10.242.0.0/16", "10.243.0.0/16", "10.244.0.0/16", "10.245.0.0/16"};
    for (int i = 0; i < 5; i++) {
        char name[8];
        snprintf(name, sizeof(name), "aks%d", i + 1);
        write_plan(g, name, i + 1, pods[i], "chinaeast2");
    }
}

/* Run aksnet with args (NULL-terminated) then the endpoints; the result in g->r. */
static int run(struct rig *g, const char *const *args)
{
    const char *all[32];
    size_t n = 0;
    for (; args[n]; n++)
        all[n] = args[n];
    all[n++] = "--arm-endpoint";
    all[n++] = g->t.url;
    all[n++] = "--authority-host";
    all[n++] = g->t.url;
    all[n] = NULL;
    mt_proc_result_free(&g->r);
    assert_true(mt_proc_run(&g->r, bin(), all, NULL, 0, g->envp, TIMEOUT_MS));
    return g->r.status;
}

static size_t arm_requests(struct rig *g)
{
    const char *methods[] = {"GET", "PUT", "POST", "DELETE", "PATCH"};
    size_t n = 0;
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
        n += mt_journal_count(&g->t, methods[i], "/subscriptions/", 0);
    return n;
}

/* ---- tests ------------------------------------------------------------------------------------------ */

/* Five plans from a folder: one line per event with the plan's file, a summary table, exit 0; again: no write. */
static void test_provision_five(void **state)
{
    (void)state;
    struct rig g;
    rig_start(&g, NULL, 0);
    write_five(&g);
    size_t tokens = mt_journal_count(&g.t, "POST", "/oauth2/v2.0/token", 0);
    const char *args[] = {"provision", "--plans", g.plans.path, "--parallel", "3", NULL};
    if (run(&g, args) != 0)
        fprintf(stderr, "%s\n%s\n", g.r.out, g.r.err);
    assert_int_equal(g.r.status, 0);
    assert_non_null(strstr(g.r.err, "provision: 5 of 5 plans done, 0 failed (35 writes"));
    assert_non_null(strstr(g.r.err, "0 answered 429"));
    assert_non_null(strstr(g.r.err, "aks3.json cluster"));
    assert_non_null(strstr(g.r.err, "aks5.json done: 7 writes"));
    for (int i = 1; i <= 5; i++) {
        char part[128];
        snprintf(part, sizeof(part), "/rg-aks%d/providers/Microsoft.ContainerService/managedClusters/aks%d", i, i);
        assert_int_equal(mt_journal_count(&g.t, "PUT", part, 0), 1);
    }
    /* one credential: one token for the whole fleet */
    assert_int_equal(mt_journal_count(&g.t, "POST", "/oauth2/v2.0/token", 0), tokens + 1);
    size_t puts = mt_journal_count(&g.t, "PUT", "/subscriptions/", 0);
    const char *again[] = {"provision", "--plans", g.plans.path, NULL};
    assert_int_equal(run(&g, again), 0);
    assert_non_null(strstr(g.r.err, "5 of 5 plans done, 0 failed (0 writes"));
    assert_int_equal(mt_journal_count(&g.t, "PUT", "/subscriptions/", 0), puts);
    rig_stop(&g);
}

/* A fault on one plan's cluster: the other four provision, the table says which failed, the exit code is 4. */
static void test_failed_plan_does_not_stop_the_others(void **state)
{
    (void)state;
    const char *faults[] = {"PUT:*/managedClusters/aks2:fail=QuotaExceeded:1000"};
    struct rig g;
    rig_start(&g, faults, 1);
    write_five(&g);
    char a[MT_PATH_MAX], b[MT_PATH_MAX];
    mt_tmpdir_file(&g.plans, "aks1.json", a, sizeof(a));
    mt_tmpdir_file(&g.plans, "aks2.json", b, sizeof(b));
    const char *args[] = {"provision", "--plans", g.plans.path, NULL};
    assert_int_equal(run(&g, args), 4);
    assert_non_null(strstr(g.r.err, "4 of 5 plans done, 1 failed"));
    assert_non_null(strstr(g.r.err, "QuotaExceeded"));
    assert_non_null(strstr(g.r.err, "next: "));
    for (int i = 1; i <= 5; i++) {
        char part[128];
        snprintf(part, sizeof(part), "/rg-aks%d/providers/Microsoft.ContainerService/managedClusters/aks%d", i, i);
        assert_true(mt_journal_count(&g.t, "PUT", part, 0) >= 1);
    }
    /* the same as JSON: every event names its plan, the summary every plan's exit code */
    const char *json[] = {"provision", "-f", a, "-f", b, "-o", "json", NULL};
    assert_int_equal(run(&g, json), 4);
    size_t events = 0;
    bool summary = false;
    for (char *line = strtok(g.r.out, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *o = cJSON_Parse(line);
        assert_non_null(o);
        const cJSON *s = cJSON_GetObjectItem(o, "summary");
        if (s) {
            summary = true;
            assert_int_equal(cJSON_GetObjectItem(s, "plans")->valueint, 2);
            assert_int_equal(cJSON_GetObjectItem(s, "failed")->valueint, 1);
            const cJSON *results = cJSON_GetObjectItem(s, "results");
            assert_int_equal(cJSON_GetArraySize(results), 2);
            assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(results, 0), "exit")->valueint, 0);
            assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(results, 1), "exit")->valueint, 4);
            assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(results, 1), "plan")->valuestring, b);
        } else if (!cJSON_GetObjectItem(o, "event")) {
            const char *plan = cJSON_GetObjectItem(o, "plan")->valuestring;
            assert_true(strcmp(plan, a) == 0 || strcmp(plan, b) == 0);
            events++;
        }
        cJSON_Delete(o);
    }
    assert_true(summary);
    assert_true(events > 10);
    rig_stop(&g);
}

/* Plans that conflict are stopped before a single request: the finding names both files; exit 1. */
static void test_conflicting_plans_send_nothing(void **state)
{
    (void)state;
    struct rig g;
    rig_start(&g, NULL, 0);
    char a[MT_PATH_MAX], b[MT_PATH_MAX];
    mt_source_path("tests/data/fleets/route-table-shared/a.json", a, sizeof(a));
    mt_source_path("tests/data/fleets/route-table-shared/b.json", b, sizeof(b));
    const char *args[] = {"provision", "-f", a, "-f", b, "--subscription", MT_SUB, NULL};
    assert_int_equal(run(&g, args), 1);
    assert_non_null(strstr(g.r.out, "fleet-route-table-shared"));
    assert_non_null(strstr(g.r.out, a));
    assert_non_null(strstr(g.r.out, b));
    assert_int_equal(arm_requests(&g), 0);
    /* validate says the same offline */
    char dir[MT_PATH_MAX];
    mt_source_path("tests/data/fleets/cluster-name", dir, sizeof(dir));
    const char *validate[] = {"validate", "--plans", dir, NULL};
    mt_proc_result_free(&g.r);
    assert_true(mt_proc_run(&g.r, bin(), validate, NULL, 0, g.envp, TIMEOUT_MS));
    assert_int_equal(g.r.status, 1);
    assert_non_null(strstr(g.r.out, "fleet-cluster-name"));
    assert_non_null(strstr(g.r.out, "fleet of 2 plans: 1 error"));
    rig_stop(&g);
}

/* What the command line gets wrong is exit 2, before anything is sent. */
static void test_usage(void **state)
{
    (void)state;
    struct rig g;
    rig_start(&g, NULL, 0);
    write_five(&g);
    char a[MT_PATH_MAX], other[MT_PATH_MAX];
    mt_tmpdir_file(&g.plans, "aks1.json", a, sizeof(a));
    const char *zero[] = {"provision", "--plans", g.plans.path, "--parallel", "0", NULL};
    assert_int_equal(run(&g, zero), 2);
    assert_non_null(strstr(g.r.err, "--parallel: '0' is outside 1..256"));
    const char *dash[] = {"plan", "-f", a, "-f", "-", NULL};
    assert_int_equal(run(&g, dash), 2);
    const char *empty[] = {"plan", "--plans", "/nonexistent-aksnet-dir", NULL};
    assert_int_equal(run(&g, empty), 2);
    const char *suggest[] = {"suggest", "-f", a, "-f", a, NULL};
    assert_int_equal(run(&g, suggest), 2);
    assert_non_null(strstr(g.r.err, "one plan only"));
    write_plan(&g, "east", 9, "10.249.0.0/16", "eastus");
    mt_tmpdir_file(&g.plans, "east.json", other, sizeof(other));
    const char *clouds[] = {"plan", "-f", a, "-f", other, NULL};
    assert_int_equal(run(&g, clouds), 2);
    assert_non_null(strstr(g.r.err, "one run serves one cloud"));
    const char *destroy[] = {"destroy", "-f", a, "-f", other, "--cloud", "AzureChinaCloud", NULL};
    assert_int_equal(run(&g, destroy), 1); /* eastus is not in AzureChinaCloud: location-cloud */
    assert_int_equal(arm_requests(&g), 0);
    rig_stop(&g);
}

/* plan and destroy of a fleet: plan writes nothing; destroy removes every cluster it made. */
static void test_plan_and_destroy(void **state)
{
    (void)state;
    struct rig g;
    rig_start(&g, NULL, 0);
    write_five(&g);
    const char *plan[] = {"plan", "--plans", g.plans.path, NULL};
    assert_int_equal(run(&g, plan), 0);
    assert_int_equal(mt_journal_count(&g.t, "PUT", "/subscriptions/", 0), 0);
    const char *provision[] = {"provision", "--plans", g.plans.path, NULL};
    assert_int_equal(run(&g, provision), 0);
    const char *destroy[] = {"destroy", "--plans", g.plans.path, "--yes", NULL};
    if (run(&g, destroy) != 0)
        fprintf(stderr, "%s\n", g.r.err);
    assert_int_equal(g.r.status, 0);
    assert_int_equal(mt_journal_count(&g.t, "DELETE", "/managedClusters/", 0), 5);
    rig_stop(&g);
}

/*
 * 35 plans against ARM's throttle (the mock's --throttle): 245 writes, 45
 * more than the write bucket holds.  The mock's journal shows no 429 storm
 * (fewer than 1% of the requests answered 429), every plan succeeds, and
 * the fleet took at least the 4.5 s the bucket's refill imposes.
 */
static void test_throttled_mock_sees_no_429_storm(void **state)
{
    (void)state;
    struct rig g;
    rig_start_with(&g, NULL, 0, true);
    for (int i = 0; i < 35; i++) {
        char name[16], pod[32];
        snprintf(name, sizeof(name), "aks%02d", i);
        snprintf(pod, sizeof(pod), "10.%d.0.0/16", 200 + i);
        write_plan(&g, name, 1, pod, "chinaeast2");
    }
    long long start = mt_now_ms();
    const char *args[] = {"provision", "--plans", g.plans.path, "--parallel", "20", NULL};
    if (run(&g, args) != 0)
        fprintf(stderr, "%s\n", g.r.err);
    assert_int_equal(g.r.status, 0);
    long long took = mt_now_ms() - start;
    size_t requests = arm_requests(&g), throttled = 0;
    const char *methods[] = {"GET", "PUT", "POST", "DELETE", "PATCH"};
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
        throttled += mt_journal_count(&g.t, methods[i], "/subscriptions/", 429);
    fprintf(stderr, "throttled mock: %zu requests, %zu answered 429, %lld ms\n", requests, throttled, took);
    assert_true(throttled * 100 < requests);
    assert_int_equal(mt_journal_count(&g.t, "PUT", "/managedClusters/", 0) -
                         mt_journal_count(&g.t, "PUT", "/managedClusters/", 429), 35);
    assert_true(took >= 4500);
    assert_non_null(strstr(g.r.err, "35 of 35 plans done"));
    rig_stop(&g);
}

/*
 * Ctrl-C while the first of three plans waits for a 30 s operation: the
 * fleet stops at once, lists what may still run on ARM with the plan's file,
 * the plans not started say so, and the exit code is 130.
 */
static void test_interrupted_fleet(void **state)
{
    (void)state;
    struct rig g;
    memset(&g, 0, sizeof(g));
    struct armmock_options o = {.lro_seconds = 30, .clock = mt_real_clock};
    assert_true(mt_start(&g.t, &o, false));
    assert_true(mt_tmpdir_make(&g.plans, "fleet"));
    mt_env_set(&g.env, "AZURE_TENANT_ID", MT_TENANT);
    mt_env_set(&g.env, "AZURE_CLIENT_ID", MT_CLIENT);
    mt_env_set(&g.env, "AZURE_CLIENT_SECRET", MT_SECRET);
    mt_env_set(&g.env, "PATH", "/usr/bin:/bin");
    mt_env_set(&g.env, "ASAN_OPTIONS", "detect_leaks=1");
    g.envp = mt_env_envp(&g.env);
    write_plan(&g, "aks1", 1, "10.241.0.0/16", "chinaeast2");
    write_plan(&g, "aks2", 2, "10.242.0.0/16", "chinaeast2");
    write_plan(&g, "aks3", 3, "10.243.0.0/16", "chinaeast2");
    const char *args[] = {"provision", "--plans", g.plans.path, "--parallel", "1", "-o", "json", NULL};
    const char *argv[MT_AKSNET_ARGS];
    struct mt_proc p;
    assert_true(mt_proc_start(&p, bin(), mt_aksnet_argv(g.t.url, args, argv), g.envp));
    char line[8192];
    bool waiting = false;
    while (!waiting && mt_proc_line(&p, line, sizeof(line), TIMEOUT_MS))
        waiting = strstr(line, "\"state\":\"waiting\"") && strstr(line, "aks1.json");
    assert_true(waiting);
    assert_int_equal(kill(p.pid, SIGINT), 0);
    bool ended = mt_proc_wait(&p, 15000);
    if (!ended || p.status != 130)
        fprintf(stderr, "status %d\nstdout:\n%s\nstderr:\n%s\n", p.status, p.outbuf, p.errbuf);
    assert_true(ended);
    assert_int_equal(p.status, 130);
    assert_non_null(strstr(p.errbuf, "aksnet provision: interrupted by SIGINT"));
    assert_non_null(strstr(p.errbuf, "may still be running on ARM"));
    const char *ev = strstr(p.outbuf, "\"event\":\"interrupted\"");
    assert_non_null(ev);
    assert_non_null(strstr(ev, "aks1.json"));
    assert_non_null(strstr(p.outbuf, "not started: interrupted"));
    mt_proc_kill(&p);
    rig_stop(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_provision_five),
        cmocka_unit_test(test_failed_plan_does_not_stop_the_others),
        cmocka_unit_test(test_conflicting_plans_send_nothing),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_plan_and_destroy),
        cmocka_unit_test(test_interrupted_fleet),
        cmocka_unit_test(test_throttled_mock_sees_no_429_storm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
