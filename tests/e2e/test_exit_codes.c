/*
 * test_exit_codes.c - README's exit-code table, walked row by row with the
 * real aksnet binary (AKSNET_BIN): for each code, runs that must end with
 * it, and the line that says what to do next.  Azure is an in-process
 * aksnet-mock on loopback (real clock, short operations), with an
 * adversary in front of it (tests/support/adversary.c) that spoils the
 * answers a row needs: a JSON array for a resource, a body over the size
 * cap, operation URLs aksnet must not follow, a 401 that never ends, waits
 * of an hour or eleven days.  Nothing here sleeps: a wait aksnet would
 * refuse to take is refused at once, and the test checks that it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adversary.h"
#include "fake_env.h"
#include "mock_support.h"
#include "proc_support.h"
#include "tmpfiles.h"

#define SECRET "exit-codes-secret-Qw7"
#define TIMEOUT_MS 120000
#define MAX_ARGS 24
#define GROUP_PATH "/resourcegroups/myresourcegroup?"  /* the resource group itself, not what is in it */
#define TOKEN_REFUSED                                                                                       \
    "{\"error\":{\"code\":\"InvalidAuthenticationToken\",\"message\":\"The access token is invalid.\"}}"

/* README's table: each code and the words its "next:" line starts with. */
#define NEXT_PLAN "next: fix what the findings name in the plan"
#define NEXT_USAGE "next: correct the command line"
#define NEXT_AUTH "next: check the credential ('aksnet whoami'"
#define NEXT_ARM "next: read ARM's code and message above"
#define NEXT_TIMEOUT "next: what was started may still be running in Azure: run the same command again later"

static const char *bin(void)
{
    return mt_bin("AKSNET_BIN", "build/san/aksnet");
}

/* A mock on the real clock that knows SECRET as MT_CLIENT's. */
static void start_mock(struct mt_mock *t)
{
    static const struct armmock_credential secret = {MT_CLIENT, SECRET};
    struct armmock_options o = {.secrets = &secret, .secret_count = 1, .lro_seconds = 0.05,
                                .clock = mt_real_clock};
    assert_true(mt_start(t, &o, false));
}

/*
 * Run aksnet with args, Entra ID at the mock and ARM at arm (the adversary
 * or the mock), signed in with secret.  The run must end by itself.
 */
static void run(const char *arm, const char *authority, const char *secret, const char *const *args,
                struct mt_proc_result *r)
{
    struct mt_env env = {0};
    mt_env_set(&env, "AZURE_TENANT_ID", MT_TENANT);
    mt_env_set(&env, "AZURE_CLIENT_ID", MT_CLIENT);
    mt_env_set(&env, "AZURE_CLIENT_SECRET", secret);
    mt_env_set(&env, "PATH", "/usr/bin:/bin");
    mt_env_set(&env, "ASAN_OPTIONS", "detect_leaks=1");
    const char *argv[MAX_ARGS];
    size_t n = 0;
    while (n < MAX_ARGS - 5 && args[n]) {
        argv[n] = args[n];
        n++;
    }
    if (arm) {
        argv[n++] = "--arm-endpoint";
        argv[n++] = arm;
        argv[n++] = "--authority-host";
        argv[n++] = authority;
    }
    argv[n] = NULL;
    assert_true(mt_proc_run(r, bin(), argv, NULL, 0, mt_env_envp(&env), TIMEOUT_MS));
    mt_env_free(&env);
    assert_false(r->timed_out);
}

/* The run ended with code, said all of needles (on stderr, or stdout for findings), and nothing else went wrong. */
static void expect(const struct mt_proc_result *r, int code, const char *const *needles)
{
    bool ok = r->status == code && !strstr(r->err, "AddressSanitizer") && !strstr(r->err, "runtime error:") &&
              !strstr(r->err, SECRET) && !strstr(r->out, SECRET);
    for (size_t i = 0; ok && needles[i]; i++)
        ok = strstr(r->err, needles[i]) || strstr(r->out, needles[i]);
    if (!ok)
        fail_msg("%s\nexit %d (want %d)\n--- stdout\n%.3000s\n--- stderr\n%.3000s", r->cmd, r->status, code, r->out,
                 r->err);
}

static const char *plan_path(char path[MT_PATH_MAX])
{
    return mt_source_path("examples/kubenet.json", path, MT_PATH_MAX);
}

/*
 * `aksnet provision` of the seed's plan with ARM behind an adversary that
 * answers with rules; ends as code with needles on stderr.  Returns how
 * many requests the rules spoiled (each scenario must reach its own).
 */
static size_t provision_against(struct mt_adv_rule *rules, size_t n, int code, const char *const *needles)
{
    struct mt_mock t;
    start_mock(&t);
    struct mt_adv a;
    assert_true(mt_adv_start(&a, &t, rules, n));
    char plan[MT_PATH_MAX];
    const char *args[] = {"provision", "-f", plan_path(plan), NULL};
    struct mt_proc_result r;
    long long t0 = mt_now_ms();
    run(a.url, t.url, SECRET, args, &r);
    long long took = mt_now_ms() - t0;
    mt_adv_stop(&a);
    expect(&r, code, needles);
    /* whatever was refused was refused at once: no wait of minutes was slept */
    if (took > 60000)
        fail_msg("%s took %lld ms", r.cmd, took);
    mt_proc_result_free(&r);
    mt_stop(&t);
    return a.spoiled;
}

/* 0: done.  Through the adversary with no rule, so that the rows below differ from a good run only in theirs. */
static void test_exit_0_done(void **state)
{
    (void)state;
    struct mt_mock t;
    start_mock(&t);
    struct mt_adv a;
    assert_true(mt_adv_start(&a, &t, NULL, 0));
    char plan[MT_PATH_MAX];
    const char *args[] = {"provision", "-f", plan_path(plan), NULL};
    struct mt_proc_result r;
    run(a.url, t.url, SECRET, args, &r);
    mt_adv_stop(&a);
    expect(&r, 0, (const char *const[]){"provision: done", NULL});
    assert_null(strstr(r.err, "next:"));
    mt_proc_result_free(&r);
    assert_true(mt_journal_count(&t, "PUT", "/managedClusters/", 0) == 1);
    mt_stop(&t);
}

/* 1: the plan has errors; the finding shows the value given (999999, not a clamped one). */
static void test_exit_1_plan(void **state)
{
    (void)state;
    char plan[MT_PATH_MAX];
    const char *args[] = {"validate", "-f", plan_path(plan), "--max-pods", "999999", NULL};
    struct mt_proc_result r;
    run(NULL, NULL, SECRET, args, &r);
    expect(&r, 1, (const char *const[]){"999999", "outside", NEXT_PLAN, NULL});
    mt_proc_result_free(&r);
    /* provision refuses the same plan before anything is sent */
    const char *prov[] = {"provision", "-f", plan, "--max-pods", "999999", NULL};
    run(NULL, NULL, SECRET, prov, &r);
    expect(&r, 1, (const char *const[]){"999999", NEXT_PLAN, NULL});
    mt_proc_result_free(&r);
}

/* 2: the command line is wrong; the message names the flag and its value. */
static void test_exit_2_usage(void **state)
{
    (void)state;
    static const char *const bad[][6] = {
        {"provision", "--frobnicate", NULL},
        {"capacity", "--subnet-prefix", "10.0.0.0/24", "--max-pods", "99999999999", NULL},
        {"capacity", "--subnet-prefix", "10.0.0.0/24", "--max-pods", "999999", NULL},
        {"frobnicate", NULL},
    };
    static const char *const said[] = {"--frobnicate", "'99999999999' is too large", "--max-pods 999999",
                                       "frobnicate"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct mt_proc_result r;
        run(NULL, NULL, SECRET, bad[i], &r);
        expect(&r, 2, (const char *const[]){said[i], NEXT_USAGE, NULL});
        mt_proc_result_free(&r);
    }
}

/* 3: no token, or ARM refuses every token it is given (after the one refresh the bearer policy makes). */
static void test_exit_3_auth(void **state)
{
    (void)state;
    struct mt_mock t;
    start_mock(&t);
    char plan[MT_PATH_MAX];
    const char *args[] = {"provision", "-f", plan_path(plan), NULL};
    struct mt_proc_result r;
    run(t.url, t.url, SECRET "-wrong", args, &r);
    expect(&r, 3, (const char *const[]){"AADSTS7000215", NEXT_AUTH, NULL});
    mt_proc_result_free(&r);
    assert_true(mt_journal_count(&t, "PUT", NULL, 0) == 0);
    mt_stop(&t);

    struct mt_adv_rule refused[] = {{NULL, "/subscriptions/", 0, 401, NULL, TOKEN_REFUSED, 0, MT_ADV_SPOIL}};
    assert_true(provision_against(refused, 1, 3,
                                  (const char *const[]){"ARM refused the token for GET", "InvalidAuthenticationToken",
                                                        NEXT_AUTH, NULL}) >= 2);
}

/* 4: ARM answered, and its answer is not one aksnet can use: never the user's fault (2), always 4. */
static void test_exit_4_server(void **state)
{
    (void)state;
    struct mt_adv_rule array[] = {{"GET", GROUP_PATH, 0, 200, NULL, "[{\"id\":\"x\"}]", 0, MT_ADV_SPOIL}};
    assert_true(provision_against(array, 1, 4,
                                  (const char *const[]){"something that is not a resource (HTTP 200, a JSON array)",
                                                        NEXT_ARM, NULL}) >= 1);
    struct mt_adv_rule huge[] = {{"GET", GROUP_PATH, 0, 200, NULL, NULL, (size_t)17 << 20, MT_ADV_SPOIL}};
    assert_true(provision_against(huge, 1, 4, (const char *const[]){"the response is larger than", NEXT_ARM, NULL}) >=
                1);
    static const char *const operation_urls[][2] = {
        {"Azure-AsyncOperation: //127.0.0.2:1/op\r\n", "//127.0.0.2:1/op"},
        {"Azure-AsyncOperation: http://169.254.169.254/metadata/identity/oauth2/token\r\n", "169.254.169.254"},
    };
    for (size_t i = 0; i < sizeof(operation_urls) / sizeof(operation_urls[0]); i++) {
        struct mt_adv_rule foreign[] = {
            {"PUT", GROUP_PATH, 0, 201, operation_urls[i][0],
             "{\"location\":\"chinaeast2\",\"properties\":{\"provisioningState\":\"Accepted\"}}", 0,
             MT_ADV_SPOIL}};
        assert_true(provision_against(foreign, 1, 4,
                                      (const char *const[]){"will not send its token to", operation_urls[i][1],
                                                            NEXT_ARM, NULL}) >= 1);
    }
}

/*
 * 5: a wait aksnet will not take, refused at once (the run above checks it
 * took under a minute): throttled for an hour, for eleven days, until a
 * date in 2100, and an operation whose next check ARM puts an hour away,
 * past the step's 30-minute deadline.
 */
static void test_exit_5_timeout(void **state)
{
    (void)state;
    static const char *const waits[][2] = {
        {"Retry-After: 3600\r\n", "asks to wait 3600 s"},
        {"Retry-After: 950400\r\n", "asks to wait 950400 s"},
        {"Retry-After: Fri, 31 Dec 2100 23:59:59 GMT\r\n", "longer than aksnet waits at once (300 s)"},
    };
    for (size_t i = 0; i < sizeof(waits) / sizeof(waits[0]); i++) {
        struct mt_adv_rule throttled[] = {{"PUT", GROUP_PATH, 0, 429, waits[i][0],
                                           "{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"throttled\"}}", 0,
                                           MT_ADV_SPOIL}};
        assert_true(provision_against(throttled, 1, 5,
                                      (const char *const[]){"HTTP 429", waits[i][1], NEXT_TIMEOUT, NULL}) == 1);
    }
    struct mt_adv_rule slow_operation[] = {
        {"PUT", GROUP_PATH, 0, 201,
         "Azure-AsyncOperation: {self}/subscriptions/" MT_SUB "/providers/Microsoft.Resources/operations/op1\r\n"
         "Retry-After: 3600\r\n",
         "{\"location\":\"chinaeast2\",\"properties\":{\"provisioningState\":\"Accepted\"}}", 0,
             MT_ADV_SPOIL}};
    assert_true(provision_against(slow_operation, 1, 5,
                                  (const char *const[]){"ARM asks to wait 3600 s before the next check",
                                                        "/operations/op1", NEXT_TIMEOUT, NULL}) == 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_0_done),
        cmocka_unit_test(test_exit_1_plan),
        cmocka_unit_test(test_exit_2_usage),
        cmocka_unit_test(test_exit_3_auth),
        cmocka_unit_test(test_exit_4_server),
        cmocka_unit_test(test_exit_5_timeout),
    };
    return cmocka_run_group_tests_name("README's exit codes", tests, NULL, NULL);
}
