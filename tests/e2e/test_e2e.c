/*
 * test_e2e.c - the aksnet binary (AKSNET_BIN) against an aksnet-mock on
 * loopback, as a user runs it: credentials from the environment, endpoints
 * from flags.  The mock runs in this process on the real clock with short
 * operations, so nothing here sleeps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aksnet/provision.h"
#include "fake_env.h"
#include "mock_support.h"
#include "proc_support.h"
#include "tmpfiles.h"

#define CANARY "canary-Zq8vX2-secret-must-not-appear"
#define TIMEOUT_MS 120000

static const char *bin(void)
{
    return mt_bin("AKSNET_BIN", "build/san/aksnet");
}

/* A mock on the real clock that knows the canary as MT_CLIENT's secret. */
static void start(struct mt_mock *t)
{
    static const struct armmock_credential secret = {MT_CLIENT, CANARY};
    struct armmock_options o = {.secrets = &secret, .secret_count = 1, .lro_seconds = 0.05,
                                .clock = mt_real_clock};
    assert_true(mt_start(t, &o, false));
    free(t->token); /* the support fetched with its own secret; this mock knows the canary */
    t->token = mt_fetch_token(t, MT_TENANT, MT_CLIENT, CANARY);
    assert_non_null(t->token);
}

/* The environment of a user signed in with a client secret (and nothing else of ours); mt_env_free it. */
static char *const *make_env(struct mt_env *env, const char *secret)
{
    *env = (struct mt_env){0};
    mt_env_set(env, "AZURE_TENANT_ID", MT_TENANT);
    mt_env_set(env, "AZURE_CLIENT_ID", MT_CLIENT);
    mt_env_set(env, "AZURE_CLIENT_SECRET", secret);
    mt_env_set(env, "PATH", "/usr/bin:/bin");
    mt_env_set(env, "ASAN_OPTIONS", "detect_leaks=1");
    return mt_env_envp(env);
}

/* Nothing of the canary anywhere: stdout, stderr, the mock's journal. */
static void assert_no_canary(struct mt_mock *t, const struct mt_proc_result *r)
{
    assert_null(strstr(r->out, CANARY));
    assert_null(strstr(r->err, CANARY));
    size_t n = 0;
    cJSON **lines = mt_journal(t, &n);
    for (size_t i = 0; i < n; i++) {
        char *text = cJSON_PrintUnformatted(lines[i]);
        assert_non_null(text);
        assert_null(strstr(text, CANARY));
        cJSON_free(text);
    }
    mt_journal_free(lines, n);
}

static void test_whoami_secret(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    struct mt_env env;
    char *const *envp = make_env(&env, CANARY);
    const char *args[] = {"whoami", "--arm-endpoint", t.url, "--authority-host", t.url, "--verbose", NULL};
    struct mt_proc_result r;
    assert_true(mt_proc_run(&r, bin(), args, NULL, 0, envp, TIMEOUT_MS));
    if (r.status != 0)
        fprintf(stderr, "%s\n%s\n", r.out, r.err);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "client secret"));
    assert_non_null(strstr(r.out, MT_CLIENT));
    assert_no_canary(&t, &r);
    mt_proc_result_free(&r);

    const char *json_args[] = {"whoami", "--arm-endpoint", t.url, "--authority-host", t.url, "-o", "json", NULL};
    assert_true(mt_proc_run(&r, bin(), json_args, NULL, 0, envp, TIMEOUT_MS));
    assert_int_equal(r.status, 0);
    cJSON *doc = cJSON_Parse(r.out);
    assert_non_null(doc);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(doc, "token")));
    assert_string_equal(cJSON_GetObjectItem(doc, "credential")->valuestring, "client secret");
    assert_null(cJSON_GetObjectItem(doc, "access_token"));
    cJSON_Delete(doc);
    mt_proc_result_free(&r);
    mt_env_free(&env);
    mt_stop(&t);
}

/* A wrong secret: exit 3, one clear line naming the credential and Entra ID's code, no secret. */
static void test_whoami_wrong_secret(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    struct mt_env env;
    char *const *envp = make_env(&env, CANARY "-wrong");
    const char *args[] = {"whoami", "--arm-endpoint", t.url, "--authority-host", t.url, "--verbose", NULL};
    struct mt_proc_result r;
    assert_true(mt_proc_run(&r, bin(), args, NULL, 0, envp, TIMEOUT_MS));
    mt_env_free(&env);
    assert_int_equal(r.status, 3);
    assert_non_null(strstr(r.err, "AADSTS7000215"));
    assert_non_null(strstr(r.err, "client secret"));
    assert_no_canary(&t, &r);
    mt_proc_result_free(&r);
    mt_stop(&t);
}

/* Plain http is for loopback only: an ARM endpoint elsewhere is refused before anything is sent. */
static void test_plain_http_refused(void **state)
{
    (void)state;
    struct mt_env env;
    char *const *envp = make_env(&env, CANARY);
    const char *args[] = {"whoami", "--arm-endpoint", "http://10.1.2.3", "--authority-host", "http://10.1.2.3", NULL};
    struct mt_proc_result r;
    assert_true(mt_proc_run(&r, bin(), args, NULL, 0, envp, TIMEOUT_MS));
    mt_env_free(&env);
    assert_int_not_equal(r.status, 0);
    assert_non_null(strstr(r.err, "--authority-host"));
    assert_null(strstr(r.err, CANARY));
    mt_proc_result_free(&r);
}

/* The dry run needs no credential of the user's and never uses one. */
static void test_whoami_dry_run(void **state)
{
    (void)state;
    struct mt_env env;
    char *const *envp = make_env(&env, CANARY);
    const char *args[] = {"whoami", "--dry-run", "--verbose", NULL};
    struct mt_proc_result r;
    assert_true(mt_proc_run(&r, bin(), args, NULL, 0, envp, TIMEOUT_MS));
    mt_env_free(&env);
    assert_int_equal(r.status, 0);
    assert_null(strstr(r.out, MT_CLIENT));
    assert_null(strstr(r.err, CANARY));
    mt_proc_result_free(&r);
}


/* ---- provisioning -------------------------------------------------------------- */

#define MAX_ARGS MT_AKSNET_ARGS

/* args + the connection flags of t, NULL-terminated, into out. */
static void with_endpoints(const struct mt_mock *t, const char *const *args, const char **out)
{
    mt_aksnet_argv(t->url, args, out);
}

static int run_aksnet(struct mt_mock *t, const char *const *args, struct mt_proc_result *r)
{
    struct mt_env env;
    char *const *envp = make_env(&env, CANARY);
    const char *argv[MAX_ARGS];
    with_endpoints(t, args, argv);
    assert_true(mt_proc_run(r, bin(), argv, NULL, 0, envp, TIMEOUT_MS));
    mt_env_free(&env);
    if (r->status != 0)
        fprintf(stderr, "%s\nstdout:\n%s\nstderr:\n%s\n", r->cmd, r->out, r->err);
    return r->status;
}

static const char *seed_plan(char path[MT_PATH_MAX])
{
    return mt_source_path("examples/kubenet.json", path, MT_PATH_MAX);
}

/* The seed's plan provisions, in an order the graph allows, and a second run writes nothing. */
static void test_provision_seed(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    char plan[MT_PATH_MAX];
    const char *args[] = {"provision", "-f", seed_plan(plan), "--verbose", NULL};
    struct mt_proc_result r;
    assert_int_equal(run_aksnet(&t, args, &r), 0);
    assert_null(strstr(r.out, CANARY));
    assert_null(strstr(r.err, CANARY));
    mt_proc_result_free(&r);
    long group = mt_journal_find(&t, "PUT", "/resourceGroups/myResourceGroup");
    long rt = mt_journal_find(&t, "PUT", "/routeTables/");
    long id = mt_journal_find(&t, "PUT", "/userAssignedIdentities/");
    long vnet = mt_journal_find(&t, "PUT", "/virtualNetworks/");
    long role_vnet =
        mt_journal_find(&t, "PUT", "/virtualNetworks/myAKSVnet/providers/Microsoft.Authorization/roleAssignments/");
    long role_rt = mt_journal_find(&t, "PUT", "/providers/Microsoft.Authorization/roleAssignments/");
    long cluster = mt_journal_find(&t, "PUT", "/managedClusters/");
    assert_true(group >= 0 && rt > group && id > group && vnet > rt && role_vnet > vnet && role_vnet > id);
    assert_true(role_rt > rt && cluster > role_vnet && cluster > role_rt);
    assert_int_equal(mt_journal_count(&t, "PUT", "/roleAssignments/", 0), 2);
    size_t puts = mt_journal_count(&t, "PUT", NULL, 0);

    const char *again[] = {"provision", "-f", plan, NULL};
    assert_int_equal(run_aksnet(&t, again, &r), 0);
    mt_proc_result_free(&r);
    assert_int_equal(mt_journal_count(&t, "PUT", NULL, 0), puts); /* nothing written the second time */

    const char *plan_args[] = {"plan", "-f", plan, "-o", "json", NULL};
    assert_int_equal(run_aksnet(&t, plan_args, &r), 0);
    assert_null(strstr(r.out, "\"state\":\"create\""));
    mt_proc_result_free(&r);
    mt_stop(&t);
}

/* The canary secret reaches no output and no journal line, whatever the command. */
static void test_canary_every_command(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    char plan[MT_PATH_MAX];
    seed_plan(plan);
    const char *cmds[][8] = {
        {"plan", "-f", plan, "--verbose", NULL},
        {"provision", "-f", plan, "--verbose", NULL},
        {"plan", "-f", plan, "--verbose", "-o", "json", NULL},
        {"destroy", "-f", plan, "--yes", "--verbose", NULL},
        {"whoami", "--verbose", NULL},
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        struct mt_proc_result r;
        assert_int_equal(run_aksnet(&t, cmds[i], &r), 0);
        assert_no_canary(&t, &r);
        mt_proc_result_free(&r);
    }
    /* the offline commands have no endpoint flags */
    struct mt_env env;
    char *const *envp = make_env(&env, CANARY);
    const char *offline[][8] = {{"validate", "-f", plan, NULL},
                                {"capacity", "--subnet-prefix", "192.168.1.0/24", NULL}};
    for (size_t i = 0; i < 2; i++) {
        struct mt_proc_result r;
        assert_true(mt_proc_run(&r, bin(), offline[i], NULL, 0, envp, TIMEOUT_MS));
        assert_int_equal(r.status, 0);
        assert_null(strstr(r.out, CANARY));
        assert_null(strstr(r.err, CANARY));
        mt_proc_result_free(&r);
    }
    mt_env_free(&env);
    mt_stop(&t);
}

/*
 * SIGKILL the run as each step starts creating, then run again: it
 * converges to the same resources, none duplicated.
 */
static void test_kill_after_each_step(void **state)
{
    (void)state;
    char plan[MT_PATH_MAX];
    seed_plan(plan);
    for (int step = AKSNET_STEP_GROUP; step <= AKSNET_STEP_CLUSTER; step++) {
        struct mt_mock t;
        start(&t);
        struct mt_env env;
        char *const *envp = make_env(&env, CANARY);
        const char *args[] = {"provision", "-f", plan, "-o", "json", NULL};
        const char *argv[MAX_ARGS];
        with_endpoints(&t, args, argv);
        struct mt_proc p;
        assert_true(mt_proc_start(&p, bin(), argv, envp));
        mt_env_free(&env);
        char want[96], line[8192];
        snprintf(want, sizeof(want), "\"step\":\"%s\"", aksnet_step_name((aksnet_step)step));
        bool seen = false;
        while (!seen && mt_proc_line(&p, line, sizeof(line), TIMEOUT_MS))
            seen = strstr(line, want) && (strstr(line, "\"state\":\"create\"") || strstr(line, "\"state\":\"done\""));
        mt_proc_kill(&p);
        assert_true(seen);
        struct mt_proc_result r;
        const char *again[] = {"provision", "-f", plan, NULL};
        assert_int_equal(run_aksnet(&t, again, &r), 0);
        mt_proc_result_free(&r);
        /* converged: a third run writes nothing; one assignment per scope */
        size_t puts = mt_journal_count(&t, "PUT", NULL, 0);
        assert_int_equal(run_aksnet(&t, again, &r), 0);
        mt_proc_result_free(&r);
        assert_int_equal(mt_journal_count(&t, "PUT", NULL, 0), puts);
        struct mt_response rs;
        char path[512];
        snprintf(path, sizeof(path), "/subscriptions/%s/resourceGroups/myResourceGroup/providers/"
                 "Microsoft.Authorization/roleAssignments?api-version=2022-04-01", MT_SUB);
        assert_true(mt_request(&t, "GET", path, NULL, NULL, true, NULL, &rs));
        assert_int_equal(rs.status, 200);
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(rs.json, "value")), 2);
        mt_response_free(&rs);
        mt_stop(&t);
    }
}

/* destroy removes what provision made and nothing else. */
static void test_destroy(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    struct mt_response rs;
    char keep[256];
    snprintf(keep, sizeof(keep), "/subscriptions/%s/resourcegroups/keep?api-version=2021-04-01", MT_SUB);
    assert_true(mt_request(&t, "PUT", keep, "{\"location\":\"chinaeast2\"}", NULL, true, NULL, &rs));
    assert_int_equal(rs.status, 201);
    mt_response_free(&rs);
    char plan[MT_PATH_MAX];
    const char *prov[] = {"provision", "-f", seed_plan(plan), NULL};
    struct mt_proc_result r;
    assert_int_equal(run_aksnet(&t, prov, &r), 0);
    mt_proc_result_free(&r);
    const char *destroy[] = {"destroy", "-f", plan, "--yes", NULL};
    assert_int_equal(run_aksnet(&t, destroy, &r), 0);
    mt_proc_result_free(&r);
    char group[256];
    snprintf(group, sizeof(group), "/subscriptions/%s/resourcegroups/myResourceGroup?api-version=2021-04-01", MT_SUB);
    assert_true(mt_request(&t, "GET", group, NULL, NULL, true, NULL, &rs));
    assert_int_equal(rs.status, 404);
    mt_response_free(&rs);
    assert_true(mt_request(&t, "GET", keep, NULL, NULL, true, NULL, &rs));
    assert_int_equal(rs.status, 200);
    mt_response_free(&rs);
    mt_stop(&t);
}

/* The dry run: the whole plan against the built-in mock, each request printed. */
static void test_provision_dry_run(void **state)
{
    (void)state;
    struct mt_env env;
    char *const *envp = make_env(&env, CANARY);
    char plan[MT_PATH_MAX];
    const char *args[] = {"provision", "--dry-run", "-f", seed_plan(plan), NULL};
    struct mt_proc_result r;
    assert_true(mt_proc_run(&r, bin(), args, NULL, 0, envp, TIMEOUT_MS));
    mt_env_free(&env);
    if (r.status != 0)
        fprintf(stderr, "%s\n%s\n", r.out, r.err);
    assert_int_equal(r.status, 0);
    assert_non_null(
        strstr(r.out, "PUT /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myResourceGroup"));
    assert_non_null(strstr(r.out, "/providers/Microsoft.ContainerService/managedClusters/myAKSCluster"));
    assert_non_null(strstr(r.out, "\"networkPlugin\":\"kubenet\""));
    assert_null(strstr(r.out, CANARY));
    assert_null(strstr(r.err, CANARY));
    mt_proc_result_free(&r);
}

/* suggest --from-arm: a second cluster in the seed's VNet, around what ARM holds (the first cluster's ranges). */
static void test_suggest_from_arm(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    char plan[MT_PATH_MAX];
    const char *args[] = {"provision", "-f", seed_plan(plan), NULL};
    struct mt_proc_result r;
    assert_int_equal(run_aksnet(&t, args, &r), 0);
    mt_proc_result_free(&r);

    struct mt_tmpdir dir;
    char second[MT_PATH_MAX];
    assert_true(mt_tmpdir_make(&dir, "e2e-suggest"));
    assert_non_null(mt_tmpdir_file(&dir, "second.json", second, sizeof(second)));
    assert_true(mt_write_text(second,
                              "{\"subscriptionId\": \"" MT_SUB "\", \"location\": \"chinaeast2\", "
                              "\"resourceGroup\": \"myResourceGroup\", \"network\": {\"vnet\": {\"name\": "
                              "\"myAKSVnet\", \"addressPrefixes\": [\"192.168.0.0/16\"]}, \"subnet\": {\"name\": "
                              "\"second\"}}, \"cluster\": {\"name\": \"second\", \"nodePools\": [{\"name\": "
                              "\"nodepool1\", \"count\": 3}]}}",
                              0600));
    const char *suggest[] = {"suggest", "-f", second, "--from-arm", "-o", "json", NULL};
    assert_int_equal(run_aksnet(&t, suggest, &r), 0);
    cJSON *doc = cJSON_Parse(r.out);
    assert_non_null(doc);
    /* The seed's subnet 192.168.1.0/24 is taken; its cluster's pods (10.244.0.0/16) and services (10.0.0.0/16)
     * are kept clear of by the new subnet and pods; the new cluster may repeat the service range. */
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(doc, "subnetPrefix")->valuestring, "192.168.0.0/28");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(doc, "podCidr")->valuestring, "10.1.0.0/22");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(doc, "serviceCidr")->valuestring, "10.0.0.0/16");
    const cJSON *why = cJSON_GetObjectItemCaseSensitive(doc, "explanation");
    assert_non_null(strstr(cJSON_GetObjectItemCaseSensitive(why, "podCidr")->valuestring,
                           "managed cluster myAKSCluster"));
    assert_non_null(strstr(r.err, "read from ARM"));
    assert_null(strstr(r.out, CANARY));
    assert_null(strstr(r.err, CANARY));
    cJSON_Delete(doc);
    mt_proc_result_free(&r);

    /* What it read, it read: nothing was written. */
    size_t puts = mt_journal_count(&t, "PUT", NULL, 0);
    assert_int_equal(run_aksnet(&t, suggest, &r), 0);
    mt_proc_result_free(&r);
    assert_int_equal(mt_journal_count(&t, "PUT", NULL, 0), puts);
    assert_true(mt_tmpdir_remove(&dir));
    mt_stop(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whoami_secret),
        cmocka_unit_test(test_whoami_wrong_secret),
        cmocka_unit_test(test_plain_http_refused),
        cmocka_unit_test(test_whoami_dry_run),
        cmocka_unit_test(test_provision_seed),
        cmocka_unit_test(test_canary_every_command),
        cmocka_unit_test(test_kill_after_each_step),
        cmocka_unit_test(test_destroy),
        cmocka_unit_test(test_provision_dry_run),
        cmocka_unit_test(test_suggest_from_arm),
    };
    return cmocka_run_group_tests_name("aksnet end to end", tests, NULL, NULL);
}
