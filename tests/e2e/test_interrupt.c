/*
 * test_interrupt.c - Ctrl-C and SIGTERM while the cluster's PUT is in
 * flight: the aksnet binary (AKSNET_BIN) against an in-process aksnet-mock
 * whose operations run 30 s.  aksnet must stop at once (not after its 30 s
 * wait), say it was interrupted, name the cluster and its operation URL as
 * possibly still running, say that a re-run resumes, and exit 130 (SIGINT)
 * or 143 (SIGTERM); the re-run converges without a second PUT (the mock's
 * journal says).  A second signal quits at once.
 *
 * Nothing sleeps: the test waits for aksnet's JSON events on its stdout,
 * and lets the mock's operation end by moving the mock's clock.  To reach
 * the cluster's PUT without waiting for the others, a first mock with short
 * operations (and the cluster's PUT refused) makes everything else and
 * leaves its state file to the second, slow one.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
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

#define CANARY "canary-Interrupt-secret-7Hq"
#define TIMEOUT_MS 120000L
#define CLUSTER_PUT "/managedClusters/myAKSCluster"
#define LRO_SECONDS 30.0

/* The slow mock's clock: the real one plus what the test added (milliseconds), read by the mock's threads. */
static atomic_llong shift_ms;

static double shifted_clock(void *ctx)
{
    (void)ctx;
    return mt_real_clock(NULL) + (double)atomic_load(&shift_ms) / 1000.0;
}

struct fx {
    struct mt_tmpdir dir;
    char state[MT_PATH_MAX];
    char plan[MT_PATH_MAX];
    struct mt_mock slow;            /* operations of LRO_SECONDS, the state the fast one left */
};

static char *const *make_env(struct mt_env *env)
{
    *env = (struct mt_env){0};
    mt_env_set(env, "AZURE_TENANT_ID", MT_TENANT);
    mt_env_set(env, "AZURE_CLIENT_ID", MT_CLIENT);
    mt_env_set(env, "AZURE_CLIENT_SECRET", CANARY);
    mt_env_set(env, "PATH", "/usr/bin:/bin");
    mt_env_set(env, "ASAN_OPTIONS", "detect_leaks=1");
    return mt_env_envp(env);
}

static int run_to_end(struct mt_mock *t, const char *const *args, struct mt_proc_result *r)
{
    struct mt_env env;
    char *const *envp = make_env(&env);
    const char *argv[MT_AKSNET_ARGS];
    assert_true(mt_proc_run(r, mt_bin("AKSNET_BIN", "build/san/aksnet"), mt_aksnet_argv(t->url, args, argv), NULL, 0,
                            envp, TIMEOUT_MS));
    mt_env_free(&env);
    return r->status;
}

/*
 * Everything of the seed but the cluster, made against a fast mock whose
 * cluster PUT fails (500, no retry wait), saved to f->state; then the slow
 * mock starts from that state.
 */
static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    assert_true(mt_tmpdir_make(&f->dir, "interrupt"));
    assert_non_null(mt_tmpdir_file(&f->dir, "state.json", f->state, sizeof(f->state)));
    assert_non_null(mt_source_path("examples/kubenet.json", f->plan, sizeof(f->plan)));
    static const struct armmock_credential secret = {MT_CLIENT, CANARY};
    static const char *const refuse_cluster[] = {"PUT:*" CLUSTER_PUT ":500=0:1000"};
    struct armmock_options fast = {.secrets = &secret, .secret_count = 1, .lro_seconds = 0.05,
                                   .clock = mt_real_clock, .state_path = f->state, .faults = refuse_cluster,
                                   .fault_count = 1};
    struct mt_mock t;
    assert_true(mt_start(&t, &fast, false));
    const char *args[] = {"provision", "-f", f->plan, NULL};
    struct mt_proc_result r;
    assert_int_equal(run_to_end(&t, args, &r), 4); /* ARM refused the cluster */
    mt_proc_result_free(&r);
    assert_int_equal(mt_journal_count(&t, "PUT", "/roleAssignments/", 201), 2);
    mt_stop(&t);

    atomic_store(&shift_ms, 0);
    struct armmock_options slow = {.secrets = &secret, .secret_count = 1, .lro_seconds = LRO_SECONDS,
                                   .clock = shifted_clock, .state_path = f->state};
    assert_true(mt_start(&f->slow, &slow, false));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    mt_stop(&f->slow);
    mt_tmpdir_remove(&f->dir);
    free(f);
    return 0;
}

/*
 * Start `aksnet provision -o json` and read its events until the cluster's
 * PUT was answered and aksnet waits for the operation (the "next check in
 * 30 s" event).  p is running when this returns.
 */
static void start_until_cluster_waits(struct fx *f, struct mt_proc *p)
{
    struct mt_env env;
    char *const *envp = make_env(&env);
    const char *args[] = {"provision", "-f", f->plan, "-o", "json", NULL};
    const char *argv[MT_AKSNET_ARGS];
    assert_true(
        mt_proc_start(p, mt_bin("AKSNET_BIN", "build/san/aksnet"), mt_aksnet_argv(f->slow.url, args, argv), envp));
    mt_env_free(&env);
    char line[8192];
    bool waiting = false;
    while (!waiting && mt_proc_line(p, line, sizeof(line), TIMEOUT_MS))
        waiting = strstr(line, "\"step\":\"cluster\"") && strstr(line, "\"state\":\"waiting\"") &&
                  strstr(line, "next check in");
    if (!waiting)
        fprintf(stderr, "no wait for the cluster seen; stderr:\n%s\n", p->errbuf);
    assert_true(waiting);
    assert_int_equal(mt_journal_count(&f->slow, "PUT", CLUSTER_PUT, 201), 1);
}

/* The interrupted run said what it must, on stderr and in its JSON. */
static void assert_interrupted_report(const struct mt_proc *p, const char *signame)
{
    char want[64];
    snprintf(want, sizeof(want), "aksnet provision: interrupted by %s", signame);
    assert_non_null(strstr(p->errbuf, want));
    assert_non_null(strstr(p->errbuf, "may still be running on ARM"));
    assert_non_null(strstr(p->errbuf, "/providers/Microsoft.ContainerService" CLUSTER_PUT));
    assert_non_null(strstr(p->errbuf, "operation http://127.0.0.1:"));
    assert_non_null(strstr(p->errbuf, "\nnext: run the same command again: it resumes"));
    assert_null(strstr(p->errbuf, CANARY));
    /* JSON: the step's INTERRUPTED event and the run's "interrupted" event list the cluster with its URL */
    const char *ev = strstr(p->outbuf, "\"event\":\"interrupted\"");
    assert_non_null(ev);
    assert_non_null(strstr(ev, "\"step\":\"cluster\""));
    assert_non_null(strstr(ev, "/operations/"));
    assert_non_null(strstr(p->outbuf, "\"state\":\"interrupted\""));
    assert_null(strstr(p->outbuf, CANARY));
}

/* After the operation ended on ARM: the re-run converges and sends no PUT at all. */
static void assert_rerun_converges(struct fx *f)
{
    atomic_fetch_add(&shift_ms, (long long)((LRO_SECONDS + 30) * 1000));
    size_t puts = mt_journal_count(&f->slow, "PUT", NULL, 0);
    const char *again[] = {"provision", "-f", f->plan, NULL};
    struct mt_proc_result r;
    assert_int_equal(run_to_end(&f->slow, again, &r), 0);
    mt_proc_result_free(&r);
    assert_int_equal(mt_journal_count(&f->slow, "PUT", NULL, 0), puts);
    assert_int_equal(mt_journal_count(&f->slow, "PUT", CLUSTER_PUT, 0), 1);
}

static void interrupt_with(void **state, int sig, const char *signame)
{
    struct fx *f = *state;
    struct mt_proc p;
    start_until_cluster_waits(f, &p);
    long long sent = mt_now_ms();
    assert_int_equal(kill(p.pid, sig), 0);
    /* the 30 s wait is cut short: well within it, the run has ended */
    bool ended = mt_proc_wait(&p, (long)(LRO_SECONDS * 1000) / 2);
    long long took = mt_now_ms() - sent;
    if (!ended || p.status != 128 + sig)
        fprintf(stderr, "status %d after %lld ms\nstdout:\n%s\nstderr:\n%s\n", p.status, took, p.outbuf, p.errbuf);
    assert_true(ended);
    assert_int_equal(p.status, 128 + sig);
    assert_interrupted_report(&p, signame);
    mt_proc_kill(&p);
    assert_rerun_converges(f);
}

static void test_sigint_cluster_in_flight(void **state)
{
    interrupt_with(state, SIGINT, "SIGINT");
}

static void test_sigterm_cluster_in_flight(void **state)
{
    interrupt_with(state, SIGTERM, "SIGTERM");
}

/*
 * A second signal quits at once.  Two SIGINTs sent one after the other may
 * arrive as one (a signal pending twice is delivered once), so the process
 * is stopped, given SIGINT and SIGTERM (two different signals stay two),
 * and continued: one handler runs first and asks to stop, the other finds
 * the run stopping already and quits, before the orderly report.
 */
static void test_second_signal_quits_at_once(void **state)
{
    struct fx *f = *state;
    struct mt_proc p;
    start_until_cluster_waits(f, &p);
    assert_int_equal(kill(p.pid, SIGSTOP), 0);
    assert_int_equal(kill(p.pid, SIGINT), 0);
    assert_int_equal(kill(p.pid, SIGTERM), 0);
    assert_int_equal(kill(p.pid, SIGCONT), 0);
    assert_true(mt_proc_wait(&p, (long)(LRO_SECONDS * 1000) / 2));
    if (p.status != 128 + SIGINT && p.status != 128 + SIGTERM)
        fprintf(stderr, "status %d\nstderr:\n%s\n", p.status, p.errbuf);
    assert_true(p.status == 128 + SIGINT || p.status == 128 + SIGTERM);
    assert_non_null(strstr(p.errbuf, "interrupted again: quitting at once"));
    assert_non_null(strstr(p.errbuf, "run the same command again to resume"));
    assert_null(strstr(p.errbuf, "aksnet provision: interrupted by")); /* no orderly report: it did not wait */
    mt_proc_kill(&p);
    assert_rerun_converges(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sigint_cluster_in_flight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sigterm_cluster_in_flight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_signal_quits_at_once, setup, teardown),
    };
    return cmocka_run_group_tests_name("interrupting aksnet", tests, NULL, NULL);
}
