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

#include "mock_support.h"
#include "proc_support.h"

#define CANARY "canary-Zq8vX2-secret-must-not-appear"
#define TIMEOUT_MS 120000

static const char *bin(void)
{
    const char *b = getenv("AKSNET_BIN");
    return b ? b : "build/san/aksnet";
}

static const char *srcdir(void)
{
    const char *d = getenv("AKSNET_SRCDIR");
    return d ? d : ".";
}

/* A mock on the real clock that knows the canary as MT_CLIENT's secret. */
static void start(struct mt_mock *t)
{
    static const struct armmock_credential secret = {MT_CLIENT, CANARY};
    struct armmock_options o = {.secrets = &secret, .secret_count = 1, .lro_seconds = 0.05,
                                .clock = mt_real_clock};
    assert_true(mt_start(t, &o, false));
}

/* The environment of a user signed in with a client secret (and nothing else of ours). */
static void make_env(char env[][256], char *envp[], const char *secret)
{
    snprintf(env[0], 256, "AZURE_TENANT_ID=%s", MT_TENANT);
    snprintf(env[1], 256, "AZURE_CLIENT_ID=%s", MT_CLIENT);
    snprintf(env[2], 256, "AZURE_CLIENT_SECRET=%s", secret);
    snprintf(env[3], 256, "PATH=/usr/bin:/bin");
    snprintf(env[4], 256, "ASAN_OPTIONS=detect_leaks=1");
    for (int i = 0; i < 5; i++)
        envp[i] = env[i];
    envp[5] = NULL;
}

/* Nothing of the canary anywhere: stdout, stderr, the mock's journal. */
static void assert_no_canary(struct mt_mock *t, const struct proc_result *r)
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
    char env[6][256], *envp[6];
    make_env(env, envp, CANARY);
    const char *args[] = {"whoami", "--arm-endpoint", t.url, "--authority-host", t.url, "--verbose", NULL};
    struct proc_result r;
    assert_true(proc_run(&r, bin(), args, NULL, 0, envp, TIMEOUT_MS));
    if (r.status != 0)
        fprintf(stderr, "%s\n%s\n", r.out, r.err);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "client secret"));
    assert_non_null(strstr(r.out, MT_CLIENT));
    assert_no_canary(&t, &r);
    proc_result_free(&r);

    const char *json_args[] = {"whoami", "--arm-endpoint", t.url, "--authority-host", t.url, "-o", "json", NULL};
    assert_true(proc_run(&r, bin(), json_args, NULL, 0, envp, TIMEOUT_MS));
    assert_int_equal(r.status, 0);
    cJSON *doc = cJSON_Parse(r.out);
    assert_non_null(doc);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(doc, "token")));
    assert_string_equal(cJSON_GetObjectItem(doc, "credential")->valuestring, "client secret");
    assert_null(cJSON_GetObjectItem(doc, "access_token"));
    cJSON_Delete(doc);
    proc_result_free(&r);
    mt_stop(&t);
}

/* A wrong secret: exit 3, one clear line naming the credential and Entra ID's code, no secret. */
static void test_whoami_wrong_secret(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    char env[6][256], *envp[6];
    make_env(env, envp, CANARY "-wrong");
    const char *args[] = {"whoami", "--arm-endpoint", t.url, "--authority-host", t.url, "--verbose", NULL};
    struct proc_result r;
    assert_true(proc_run(&r, bin(), args, NULL, 0, envp, TIMEOUT_MS));
    assert_int_equal(r.status, 3);
    assert_non_null(strstr(r.err, "AADSTS7000215"));
    assert_non_null(strstr(r.err, "client secret"));
    assert_no_canary(&t, &r);
    proc_result_free(&r);
    mt_stop(&t);
}

/* Plain http is for loopback only: an ARM endpoint elsewhere is refused before anything is sent. */
static void test_plain_http_refused(void **state)
{
    (void)state;
    char env[6][256], *envp[6];
    make_env(env, envp, CANARY);
    const char *args[] = {"whoami", "--arm-endpoint", "http://10.1.2.3", "--authority-host", "http://10.1.2.3", NULL};
    struct proc_result r;
    assert_true(proc_run(&r, bin(), args, NULL, 0, envp, TIMEOUT_MS));
    assert_int_not_equal(r.status, 0);
    assert_non_null(strstr(r.err, "--authority-host"));
    assert_null(strstr(r.err, CANARY));
    proc_result_free(&r);
}

/* The dry run needs no credential of the user's and never uses one. */
static void test_whoami_dry_run(void **state)
{
    (void)state;
    char env[6][256], *envp[6];
    make_env(env, envp, CANARY);
    const char *args[] = {"whoami", "--dry-run", "--verbose", NULL};
    struct proc_result r;
    assert_true(proc_run(&r, bin(), args, NULL, 0, envp, TIMEOUT_MS));
    assert_int_equal(r.status, 0);
    assert_null(strstr(r.out, MT_CLIENT));
    assert_null(strstr(r.err, CANARY));
    proc_result_free(&r);
    (void)srcdir;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whoami_secret),
        cmocka_unit_test(test_whoami_wrong_secret),
        cmocka_unit_test(test_plain_http_refused),
        cmocka_unit_test(test_whoami_dry_run),
    };
    return cmocka_run_group_tests_name("aksnet end to end", tests, NULL, NULL);
}
