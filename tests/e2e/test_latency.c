/*
 * test_latency.c - the aksnet binary (AKSNET_BIN) against an aksnet-mock
 * over HTTPS that answers every read 200 ms and every write 100 ms late
 * (--latency; reads longer than ARM's 100 ms so that a thread started late
 * on a loaded machine still finds the others in flight), as ARM takes its
 * time: what a run sends together, and over which connections.
 * Nothing here measures how long anything took: the journal says when each
 * request arrived and was answered and which connection carried it, and the
 * assertions are about their order (which were in flight together, how
 * many came one after another) and their connections, not their speed.
 * Last, the connection pool's TLS sessions against a server that resumes
 * them (openssl s_server).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake_env.h"
#include "http.h"
#include "json_support.h"
#include "mock_support.h"
#include "proc_support.h"
#include "tmpfiles.h"

#define TIMEOUT_MS 120000
#define MAX_LINES 256

/* One journal line's request: when it came and went (seconds), its connection, what it was. */
struct req {
    double arrived, answered;
    long connection;
    char method[8];
    char path[512];
    long status;
};

/* "2026-12-05T06:55:56.202Z" in seconds since the epoch. */
static double journal_time(const char *text)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    int ms = 0;
    assert_non_null(text);
    assert_int_equal(sscanf(text, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                            &tm.tm_min, &tm.tm_sec, &ms),
                     7);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (double)timegm(&tm) + ms / 1000.0;
}

/* The journal's requests from line from on; how many into *n. */
static struct req *requests_from(struct mt_mock *t, size_t from, size_t *n)
{
    size_t count = 0;
    cJSON **lines = mt_journal(t, &count);
    struct req *out = calloc(MAX_LINES, sizeof(*out));
    assert_non_null(out);
    *n = 0;
    for (size_t i = from; i < count && *n < MAX_LINES; i++) {
        struct req *r = &out[(*n)++];
        r->arrived = journal_time(mt_json_str(lines[i], "arrived"));
        r->answered = journal_time(mt_json_str(lines[i], "ts"));
        r->connection = (long)cJSON_GetObjectItem(lines[i], "connection")->valuedouble;
        const cJSON *status = cJSON_GetObjectItem(lines[i], "status");
        r->status = cJSON_IsNumber(status) ? (long)status->valuedouble : 0;
        snprintf(r->method, sizeof(r->method), "%s", mt_json_str(lines[i], "method"));
        snprintf(r->path, sizeof(r->path), "%s", mt_json_str(lines[i], "path"));
    }
    mt_journal_free(lines, count);
    return out;
}

static size_t journal_length(struct mt_mock *t)
{
    size_t n = 0;
    cJSON **lines = mt_journal(t, &n);
    mt_journal_free(lines, n);
    return n;
}

/* Were a and b in flight together? */
static bool overlap(const struct req *a, const struct req *b)
{
    return a->arrived < b->answered && b->arrived < a->answered;
}

/* Round trips in a row: the longest chain of requests each sent after the one before was answered. */
static int depth(const struct req *r, size_t n)
{
    int best = 0, d[MAX_LINES];
    for (size_t i = 0; i < n; i++) {
        d[i] = 1;
        for (size_t j = 0; j < n; j++)
            if (j != i && r[j].answered <= r[i].arrived && r[j].arrived < r[i].arrived && d[j] + 1 > d[i])
                d[i] = d[j] + 1;
        best = d[i] > best ? d[i] : best;
    }
    return best;
}

/* The requests' chains are computed in arrival order: sort them so. */
static int by_arrival(const void *a, const void *b)
{
    const struct req *x = a, *y = b;
    return x->arrived < y->arrived ? -1 : x->arrived > y->arrived;
}

/* The most requests in flight at one moment. */
static size_t most_in_flight(const struct req *r, size_t n)
{
    size_t best = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        for (size_t j = 0; j < n; j++)
            k += r[j].arrived <= r[i].arrived && r[i].arrived < r[j].answered;
        best = k > best ? k : best;
    }
    return best;
}

static size_t distinct_connections(const struct req *r, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i; j++)
            seen = seen || r[j].connection == r[i].connection;
        k += !seen;
    }
    return k;
}

/* A read that needs no other read's answer first: a provider, or a resource of the plan (not a role assignment). */
static bool first_level_read(const struct req *r)
{
    return strcmp(r->method, "GET") == 0 && strncmp(r->path, "/subscriptions/", 15) == 0 &&
           !strstr(r->path, "/roleAssignments") && !strstr(r->path, "/roleassignments") &&
           strcmp(strrchr(r->path, '/'), "/managedClusters") != 0;
}

/* aksnet (with a client secret from the environment) against the mock over HTTPS; exit 0. */
static void run_aksnet(struct mt_mock *t, const char *command)
{
    char plan[MT_PATH_MAX];
    assert_non_null(mt_source_path("examples/kubenet.json", plan, sizeof(plan)));
    struct mt_env env = {0};
    mt_env_set(&env, "AZURE_TENANT_ID", MT_TENANT);
    mt_env_set(&env, "AZURE_CLIENT_ID", MT_CLIENT);
    mt_env_set(&env, "AZURE_CLIENT_SECRET", MT_SECRET);
    mt_env_set(&env, "PATH", "/usr/bin:/bin");
    mt_env_set(&env, "ASAN_OPTIONS", "detect_leaks=1");
    const char *args[] = {command, "-f", plan, "--arm-endpoint", t->url, "--authority-host", t->url,
                          "--cacert", t->cacert, "--output", "json", NULL};
    struct mt_proc_result r;
    assert_true(mt_proc_run(&r, mt_bin("AKSNET_BIN", "build/san/aksnet"), args, NULL, 0, mt_env_envp(&env),
                            TIMEOUT_MS));
    if (r.status != 0)
        fprintf(stderr, "%s\n%s\n", r.out, r.err);
    assert_int_equal(r.status, 0);
    mt_proc_result_free(&r);
    mt_env_free(&env);
}

/*
 * A mock over HTTPS answering reads 200 ms late and writes 100 ms, the
 * seed provisioned on it, then command run again: the requests of that
 * second run, in arrival order (*n of them, free them), and the
 * connections the mock had before it.
 */
static struct req *second_run(struct mt_mock *t, const char *command, size_t *n, uint64_t *connections_before)
{
    struct armmock_options o = {.clock = mt_real_clock, .instant_operations = true, .latency_read_ms = 200,
                                .latency_write_ms = 100};
    assert_true(mt_start(t, &o, true));
    run_aksnet(t, "provision");
    size_t mark = journal_length(t);
    *connections_before = armmock_connection_count(t->mock);
    run_aksnet(t, command);
    struct req *r = requests_from(t, mark, n);
    qsort(r, *n, sizeof(*r), by_arrival);
    return r;
}

/*
 * A no-op re-run: the token, then every read that needs nothing else in
 * flight together, then the reads that need their answers (the role
 * assignments, the cluster list): three round trips in a row, no write.
 * Its connections: one per request in flight at the busiest moment, the
 * token's among them, each serving several requests.
 */
static void test_noop_rerun_reads_together(void **state)
{
    (void)state;
    struct mt_mock t;
    size_t n = 0;
    uint64_t connections_before = 0;
    struct req *r = second_run(&t, "provision", &n, &connections_before);
    assert_true(n >= 10);
    /* the token first, alone */
    assert_string_equal(r[0].method, "POST");
    assert_non_null(strstr(r[0].path, "/oauth2/"));
    /* nothing written, and every first-level read in flight with every other */
    size_t first = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(strcmp(r[i].method, "GET") == 0 || i == 0);
        if (!first_level_read(&r[i]))
            continue;
        first++;
        assert_true(r[i].arrived >= r[0].answered);
        for (size_t j = 0; j < n; j++)
            if (j != i && first_level_read(&r[j]) && !overlap(&r[i], &r[j]))
                fail_msg("GET %s and GET %s were not in flight together", r[i].path, r[j].path);
    }
    assert_true(first >= 8); /* four providers, the group, route table, identity, VNet, cluster */
    assert_int_equal(depth(r, n), 3);
    /* connections: as many as requests in flight at once, opened during this run or kept from the last */
    size_t conns = distinct_connections(r, n);
    assert_true(conns <= most_in_flight(r, n));
    assert_true(conns < n);
    assert_true(armmock_connection_count(t.mock) - connections_before <= conns);
    bool token_connection_reused = false;
    for (size_t i = 1; i < n; i++)
        token_connection_reused = token_connection_reused || r[i].connection == r[0].connection;
    assert_true(token_connection_reused); /* the token request's connection serves ARM too: one pool */
    free(r);
    mt_stop(&t);
}

/* aksnet plan on what exists: the same three round trips. */
static void test_plan_three_round_trips(void **state)
{
    (void)state;
    struct mt_mock t;
    size_t n = 0;
    uint64_t connections_before = 0;
    struct req *r = second_run(&t, "plan", &n, &connections_before);
    assert_int_equal(depth(r, n), 3);
    free(r);
    mt_stop(&t);
}

/* ---- TLS sessions across the pool's connections ------------------------------------------- */

#define TOGETHER 4 /* requests sent at once */

struct fetch {
    struct aksnet__curl_pool *pool;
    const char *url;
    bool resumed;       /* the server said its session was "Reused" */
    long status;
};

/* GET url through the pool; `openssl s_server -www` writes "Reused," or "New," for the session it served. */
static void *fetch(void *arg)
{
    struct fetch *f = arg;
    struct aksnet__http_transport tr;
    aksnet__curl_pool_transport(f->pool, &tr);
    struct aksnet__http_request rq;
    memset(&rq, 0, sizeof(rq));
    snprintf(rq.method, sizeof(rq.method), "GET");
    rq.url = (char *)f->url;
    struct aksnet__http_response rs = {0};
    struct aksnet_error err;
    if (tr.send(tr.ctx, &rq, &rs, &err) == AKSNET_OK) {
        f->status = rs.status;
        f->resumed = rs.body && strstr(rs.body, "Reused,");
    }
    aksnet__http_response_free(&rs);
    return NULL;
}

/*
 * The pool's handles share TLS sessions: after one full handshake, a new
 * handle's connection resumes that session.  The mock resumes none, so the
 * server here is `openssl s_server -www` (with its session cache), on the
 * mock's throwaway certificate.  Then requests sent together, each on a
 * connection of its own, are all answered.
 */
static void test_new_connections_resume_tls(void **state)
{
    (void)state;
    struct mt_mock t;
    assert_true(mt_start(&t, NULL, true)); /* for its CA and server certificate */
    char cert[MT_PATH_MAX], key[MT_PATH_MAX];
    mt_tmpdir_file(&t.dir, "server.pem", cert, sizeof(cert));
    mt_tmpdir_file(&t.dir, "server.key", key, sizeof(key));
    const char *args[] = {"s_server", "-accept", "127.0.0.1:0", "-cert", cert, "-key", key, "-www", NULL};
    struct mt_proc server;
    assert_true(mt_proc_start(&server, "/usr/bin/openssl", args, NULL));
    char line[256], url[128] = "";
    while (!url[0] && mt_proc_line(&server, line, sizeof(line), 10000)) {
        unsigned port = 0;
        if (sscanf(line, "ACCEPT 127.0.0.1:%u", &port) == 1)
            snprintf(url, sizeof(url), "https://127.0.0.1:%u/", port);
    }
    struct aksnet__curl_options co = {.cacert = t.cacert};
    struct aksnet_error err;
    struct aksnet__curl_pool *pool = NULL;
    struct fetch first = {NULL, url, false, 0}, second = {NULL, url, false, 0}, together[TOGETHER];
    pthread_t threads[TOGETHER];
    bool started[TOGETHER] = {false};
    bool pooled = url[0] && aksnet__curl_pool_new(&co, &pool, &err) == AKSNET_OK;
    if (pooled) {
        first.pool = second.pool = pool;
        fetch(&first);
        /* the handle goes, and its own session cache with it: only the share can offer the session now */
        aksnet__curl_pool_close_idle(pool);
        fetch(&second);
        for (int i = 0; i < TOGETHER; i++) {
            together[i] = (struct fetch){pool, url, false, 0};
            started[i] = pthread_create(&threads[i], NULL, fetch, &together[i]) == 0;
        }
    }
    int answered = 0;
    for (int i = 0; i < TOGETHER; i++) {
        if (started[i])
            pthread_join(threads[i], NULL);
        answered += started[i] && together[i].status == 200;
    }
    size_t handles = pooled ? aksnet__curl_pool_handles(pool) : 0;
    aksnet__curl_pool_free(pool);
    mt_proc_kill(&server); /* before any assertion, so that a failing one leaves no server behind */
    mt_stop(&t);
    assert_true(url[0]);
    assert_true(pooled);
    assert_int_equal(first.status, 200);
    assert_false(first.resumed); /* the first connection: a full handshake */
    assert_int_equal(second.status, 200);
    assert_true(second.resumed); /* a new handle: resumed from the share */
    assert_int_equal(answered, TOGETHER);
    assert_true(handles >= 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_noop_rerun_reads_together),
        cmocka_unit_test(test_plan_three_round_trips),
        cmocka_unit_test(test_new_connections_resume_tls),
    };
    return cmocka_run_group_tests_name("aksnet against ARM's latency", tests, NULL, NULL);
}
