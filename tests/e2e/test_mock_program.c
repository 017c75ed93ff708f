/*
 * test_mock_program.c - the aksnet-mock program as scripts run it: the
 * first line it prints, --port-file, SIGTERM and SIGINT (state saved,
 * journal flushed, exit 0), usage errors (exit 2, naming the flag), HTTPS
 * with scripts/mock-ca.sh's certificate, fractional --lro-seconds.
 *
 * AKSNET_MOCK_BIN names the program (default build/san/aksnet-mock),
 * AKSNET_SRCDIR the source tree (default "."). Nothing here sleeps: every
 * wait is poll() on a pipe or an inotify descriptor, bounded by a deadline.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <curl/curl.h>

#include "mock_support.h"
#include "proc_support.h"
#include "tmpfiles.h"

#define RG "/subscriptions/" MT_SUB "/resourcegroups/rg1?api-version=2021-04-01"
#define RG_BODY "{\"location\":\"chinaeast2\"}"
#define DEADLINE_MS 20000

/* ---- the program as a child ---------------------------------------------------------------- */

static const char *mock_bin(void)
{
    return mt_bin("AKSNET_MOCK_BIN", "build/san/aksnet-mock");
}

/* Start argv[0] with argv; its stdout and stderr come back through pipes. */
static void spawn(struct mt_proc *p, const char *const *argv)
{
    assert_true(mt_proc_start(p, argv[0], argv + 1, NULL));
}

/* The first line of stdout, without its newline; NULL when none came in time. */
static const char *first_line(struct mt_proc *p, char *line, size_t len)
{
    if (mt_proc_line(p, line, len, DEADLINE_MS))
        return line;
    fprintf(stderr, "no first line; stderr: %s\n", p->errbuf);
    return NULL;
}

/* Wait (inotify, bounded) until path exists in directory dir. */
static bool wait_for_file(const char *dir, const char *path, int ms)
{
    int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    assert_true(in >= 0);
    assert_true(inotify_add_watch(in, dir, IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE) >= 0);
    long long deadline = mt_now_ms() + ms;
    bool there = access(path, F_OK) == 0;
    while (!there && mt_now_ms() < deadline) {
        struct pollfd p = {in, POLLIN, 0};
        if (poll(&p, 1, (int)(deadline - mt_now_ms())) > 0) {
            char events[4096];
            while (read(in, events, sizeof(events)) > 0)
                ;
        }
        there = access(path, F_OK) == 0;
    }
    close(in);
    return there;
}

/* ---- the mock as a program ---------------------------------------------------------------- */

/* The URL from "aksnet-mock listening on URL", checked against the expected scheme and host. */
static void url_of(const char *line, const char *prefix, char *url, size_t len)
{
    static const char lead[] = "aksnet-mock listening on ";
    assert_int_equal(strncmp(line, lead, sizeof(lead) - 1), 0);
    const char *u = line + sizeof(lead) - 1;
    assert_int_equal(strncmp(u, prefix, strlen(prefix)), 0);
    const char *port = u + strlen(prefix);
    assert_true(*port >= '1' && *port <= '9');
    for (const char *c = port; *c; c++)
        assert_true(*c >= '0' && *c <= '9');
    snprintf(url, len, "%s", u);
}

/* Start the program over plain HTTP and attach t to the URL it prints. */
static void spawn_attached(struct mt_proc *p, const char *const *argv, struct mt_mock *t)
{
    char line[256], url[128];
    spawn(p, argv);
    assert_non_null(first_line(p, line, sizeof(line)));
    url_of(line, "http://127.0.0.1:", url, sizeof(url));
    mt_attach(t, url, NULL);
}

/* SIGTERM: the program stops with 0. */
static void stop_cleanly(struct mt_proc *p)
{
    assert_int_equal(kill(p->pid, SIGTERM), 0);
    assert_true(mt_proc_wait(p, DEADLINE_MS));
    assert_int_equal(p->status, 0);
    mt_proc_kill(p);
}

/* Get a token and create rg1 through a running program. */
static void use_it(struct mt_mock *t)
{
    t->token = mt_fetch_token(t, MT_TENANT, MT_CLIENT, MT_SECRET);
    assert_non_null(t->token);
    struct mt_response r;
    assert_true(mt_request(t, "PUT", RG, RG_BODY, NULL, true, NULL, &r));
    assert_int_equal(r.status, 201);
    mt_response_free(&r);
    assert_true(mt_request(t, "GET", RG, NULL, NULL, true, NULL, &r));
    assert_int_equal(r.status, 200);
    mt_response_free(&r);
}

/* Run the program to the end with signal sig, and check what it left. */
static void run_and_stop(int sig)
{
    struct mt_tmpdir d;
    assert_true(mt_tmpdir_make(&d, "prog"));
    char port_file[MT_PATH_MAX], state[MT_PATH_MAX], journal[MT_PATH_MAX];
    assert_non_null(mt_tmpdir_file(&d, "port", port_file, sizeof(port_file)));
    assert_non_null(mt_tmpdir_file(&d, "state.json", state, sizeof(state)));
    assert_non_null(mt_tmpdir_file(&d, "journal.jsonl", journal, sizeof(journal)));
    const char *argv[] = {mock_bin(), "--port-file", port_file, "--state", state, "--journal", journal,
                          "--client-secret", MT_CLIENT "=" MT_SECRET, NULL};
    struct mt_proc p;
    spawn(&p, argv);
    char line[256], url[128];
    assert_non_null(first_line(&p, line, sizeof(line)));
    url_of(line, "http://127.0.0.1:", url, sizeof(url));
    assert_true(wait_for_file(d.path, port_file, DEADLINE_MS));
    char *port = mt_read_file(port_file, NULL);
    assert_non_null(port);
    char expect[16];
    snprintf(expect, sizeof(expect), "%s\n", strrchr(url, ':') + 1);
    assert_string_equal(port, expect);
    free(port);
    struct mt_mock t;
    mt_attach(&t, url, NULL);
    use_it(&t);
    free(t.token);
    assert_int_equal(kill(p.pid, sig), 0);
    assert_true(mt_proc_wait(&p, DEADLINE_MS));
    if (p.status != 0)
        fprintf(stderr, "stderr: %s\n", p.errbuf);
    assert_int_equal(p.status, 0);
    /* the state has the group, the journal every request */
    char *text = mt_read_file(state, NULL);
    assert_non_null(text);
    cJSON *root = cJSON_Parse(text);
    free(text);
    assert_non_null(root);
    const cJSON *res = cJSON_GetObjectItem(root, "resources");
    assert_int_equal(cJSON_GetArraySize(res), 1);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(res, 0), "id")->valuestring,
                        "/subscriptions/" MT_SUB "/resourceGroups/rg1");
    cJSON_Delete(root);
    struct stat st;
    assert_int_equal(stat(state, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    text = mt_read_file(journal, NULL);
    assert_non_null(text);
    size_t lines = 0;
    for (char *s = text, *nl; (nl = strchr(s, '\n')); s = nl + 1, lines++) {
        *nl = '\0';
        cJSON *j = cJSON_Parse(s);
        assert_non_null(j);
        cJSON_Delete(j);
    }
    assert_int_equal(lines, 3); /* token, PUT, GET */
    free(text);
    mt_proc_kill(&p);
    mt_tmpdir_remove(&d);
}

static void test_sigterm(void **state)
{
    (void)state;
    run_and_stop(SIGTERM);
}

static void test_sigint(void **state)
{
    (void)state;
    run_and_stop(SIGINT);
}

/* A stop is prompt even with a connection half sent and an answer held back by a long delay fault. */
static void test_stop_with_busy_connections(void **state)
{
    (void)state;
    const char *argv[] = {mock_bin(), "--fault", "GET:*/slow:delay=600000", "--client-secret",
                          MT_CLIENT "=" MT_SECRET, NULL};
    struct mt_proc p;
    struct mt_mock t;
    spawn_attached(&p, argv, &t);
    int half = mt_raw_connect(&t);
    assert_true(half >= 0);
    assert_true(mt_raw_send(half, "PUT " RG " HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{\"lo"));
    int slow = mt_raw_connect(&t);
    assert_true(slow >= 0);
    assert_true(mt_raw_send(slow, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
    /* once this answers, the server has taken the slow request too (or will take it during the stop) */
    t.token = mt_fetch_token(&t, MT_TENANT, MT_CLIENT, MT_SECRET);
    assert_non_null(t.token);
    free(t.token);
    assert_int_equal(kill(p.pid, SIGTERM), 0);
    assert_true(mt_proc_wait(&p, DEADLINE_MS));
    assert_int_equal(p.status, 0);
    close(half);
    close(slow);
    mt_proc_kill(&p);
}

/* Run argv to its end; its exit code, with stderr kept in p. */
static int run(struct mt_proc *p, const char *const *argv)
{
    spawn(p, argv);
    assert_true(mt_proc_wait(p, DEADLINE_MS));
    return p->status;
}

static void test_bad_flags(void **state)
{
    (void)state;
    struct {
        const char *args[4];
        const char *says;
    } cases[] = {
        {{"--lro-seconds", "abc"}, "--lro-seconds"},
        {{"--lro-seconds", "-1"}, "--lro-seconds"},
        {{"--principal-delay", "1e9"}, "--principal-delay"},
        {{"--fault", "x"}, "--fault"},
        {{"--fault", "GET:*:418"}, "--fault"},
        {{"--client-secret", "novalue"}, "--client-secret"},
        {{"--bogus"}, "--bogus"},
        {{"--listen"}, "--listen"},
        {{"--tls-cert", "/nonexistent/cert.pem"}, "--tls-"},
        {{"--listen", "0.0.0.0:0"}, "loopback"},
        {{"--listen", "10.1.2.3:0"}, "loopback"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *argv[6] = {mock_bin()};
        for (size_t k = 0; k < 4 && cases[i].args[k]; k++)
            argv[k + 1] = cases[i].args[k];
        struct mt_proc p;
        int code = run(&p, argv);
        if (code != 2 || !strstr(p.errbuf, cases[i].says))
            fprintf(stderr, "case %zu (%s): exit %d, stderr: %s\n", i, cases[i].args[0], code, p.errbuf);
        assert_int_equal(code, 2);
        assert_non_null(strstr(p.errbuf, cases[i].says));
        assert_int_equal(p.outlen, 0); /* never claimed to listen */
        mt_proc_kill(&p);
    }
    const char *help[] = {mock_bin(), "--help", NULL};
    struct mt_proc p;
    assert_int_equal(run(&p, help), 0);
    assert_non_null(strstr(p.outbuf, "usage: aksnet-mock"));
    mt_proc_kill(&p);
}

/*
 * --client-secret ID=@FILE: the secret from a file only its owner may read
 * (its trailing newline dropped), so that scripts keep it out of argv; a
 * file others may read is refused, naming the file and never its content.
 */
static void test_secret_from_file(void **state)
{
    (void)state;
    struct mt_tmpdir d;
    assert_true(mt_tmpdir_make(&d, "prog"));
    char file[MT_PATH_MAX], arg[MT_PATH_MAX + 64];
    assert_non_null(mt_tmpdir_file(&d, "secret", file, sizeof(file)));
    snprintf(arg, sizeof(arg), "%s=@%s", MT_CLIENT, file);
    assert_true(mt_write_text(file, MT_SECRET "\n", 0644));
    const char *argv[] = {mock_bin(), "--client-secret", arg, NULL};
    struct mt_proc p;
    assert_int_equal(run(&p, argv), 2);
    assert_non_null(strstr(p.errbuf, file));
    assert_null(strstr(p.errbuf, MT_SECRET));
    mt_proc_kill(&p);

    assert_true(mt_write_text(file, MT_SECRET "\n", 0600));
    struct mt_mock t;
    spawn_attached(&p, argv, &t);
    use_it(&t); /* a token for MT_CLIENT with MT_SECRET, then a PUT and a GET */
    free(t.token);
    stop_cleanly(&p);
    mt_tmpdir_remove(&d);
}

/* What cannot start (a state file it did not write, a port taken) exits 1 and says why. */
static void test_cannot_start(void **state)
{
    (void)state;
    struct mt_tmpdir d;
    assert_true(mt_tmpdir_make(&d, "prog"));
    char st[MT_PATH_MAX];
    assert_non_null(mt_tmpdir_file(&d, "state.json", st, sizeof(st)));
    assert_true(mt_write_text(st, "{corrupt", 0));
    const char *argv[] = {mock_bin(), "--state", st, NULL};
    struct mt_proc p;
    assert_int_equal(run(&p, argv), 1);
    assert_non_null(strstr(p.errbuf, "--state"));
    char *after = mt_read_file(st, NULL);
    assert_string_equal(after, "{corrupt");
    free(after);
    mt_proc_kill(&p);
    mt_tmpdir_remove(&d);
}

/* --tls-cert/--tls-key with scripts/mock-ca.sh's material: HTTPS that verifies against its CA. */
static void test_tls(void **state)
{
    (void)state;
    struct mt_tmpdir d;
    assert_true(mt_tmpdir_make(&d, "prog"));
    char script[MT_PATH_MAX];
    assert_non_null(mt_source_path("scripts/mock-ca.sh", script, sizeof(script)));
    const char *mkca[] = {"/bin/sh", script, d.path, NULL};
    struct mt_proc ca;
    int code = run(&ca, mkca);
    if (code != 0)
        fprintf(stderr, "mock-ca.sh: %s\n", ca.errbuf);
    assert_int_equal(code, 0);
    assert_non_null(strstr(ca.outbuf, "server.pem"));
    mt_proc_kill(&ca);
    char cert[MT_PATH_MAX], key[MT_PATH_MAX], cacert[MT_PATH_MAX], cakey[MT_PATH_MAX];
    assert_non_null(mt_tmpdir_file(&d, "server.pem", cert, sizeof(cert)));
    assert_non_null(mt_tmpdir_file(&d, "server.key", key, sizeof(key)));
    assert_non_null(mt_tmpdir_file(&d, "ca.pem", cacert, sizeof(cacert)));
    assert_non_null(mt_tmpdir_file(&d, "ca.key", cakey, sizeof(cakey)));
    struct stat st;
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(cakey, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* a second run keeps what is there */
    char *before = mt_read_file(cert, NULL);
    assert_int_equal(run(&ca, mkca), 0);
    mt_proc_kill(&ca);
    char *again = mt_read_file(cert, NULL);
    assert_string_equal(before, again);
    free(before);
    free(again);

    const char *argv[] = {mock_bin(), "--tls-cert", cert, "--tls-key", key, "--client-secret",
                          MT_CLIENT "=" MT_SECRET, NULL};
    struct mt_proc p;
    spawn(&p, argv);
    char line[256], url[128];
    assert_non_null(first_line(&p, line, sizeof(line)));
    url_of(line, "https://127.0.0.1:", url, sizeof(url));
    struct mt_mock t;
    mt_attach(&t, url, cacert);
    use_it(&t);
    free(t.token);
    /* plain HTTP to the HTTPS port gets no answer */
    char http[MT_PATH_MAX];
    snprintf(http, sizeof(http), "http://%s", url + strlen("https://"));
    mt_attach(&t, http, NULL);
    struct mt_response r;
    mt_request(&t, "GET", "/subscriptions?api-version=2022-12-01", NULL, NULL, false, NULL, &r);
    assert_true(r.status == 0 || r.status >= 400);
    mt_response_free(&r);
    stop_cleanly(&p);
    mt_tmpdir_remove(&d);
}

/* --lro-seconds 0.2: accepted, and an operation ends after that long in real time. */
static void test_lro_seconds_fraction(void **state)
{
    (void)state;
    const char *argv[] = {mock_bin(), "--lro-seconds", "0.2", "--client-secret", MT_CLIENT "=" MT_SECRET, NULL};
    struct mt_proc p;
    struct mt_mock t;
    spawn_attached(&p, argv, &t);
    use_it(&t);
    struct mt_response r;
    assert_true(mt_request(&t, "DELETE", RG, NULL, NULL, true, NULL, &r));
    assert_int_equal(r.status, 202);
    char loc[1024], ra[16];
    assert_non_null(mt_header(&r, "Retry-After", ra, sizeof(ra)));
    assert_non_null(mt_header(&r, "Location", loc, sizeof(loc)));
    mt_response_free(&r);
    assert_int_equal(strncmp(loc, t.url, strlen(t.url)), 0);
    const char *path = loc + strlen(t.url);
    long long started = mt_now_ms(), done_after = -1;
    while (done_after < 0 && mt_now_ms() - started < DEADLINE_MS) {
        assert_true(mt_request(&t, "GET", path, NULL, NULL, true, NULL, &r));
        assert_true(r.status == 202 || r.status == 204);
        if (r.status == 204)
            done_after = mt_now_ms() - started;
        mt_response_free(&r);
    }
    assert_true(done_after >= 0);
    assert_true(mt_request(&t, "GET", RG, NULL, NULL, true, NULL, &r));
    assert_int_equal(r.status, 404);
    mt_response_free(&r);
    free(t.token);
    stop_cleanly(&p);
}

/* ---- a flood of connections ---------------------------------------------------------------- */

#define FLOOD_IDLE 400
#define FLOOD_SLOW 300

/* Let this process (and the mock it starts) hold want descriptors; false when the hard limit is lower. */
static bool descriptors_for(rlim_t want)
{
    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
        return true;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
        return false;
    rl.rlim_cur = want;
    return setrlimit(RLIMIT_NOFILE, &rl) == 0;
}

/* request on a new connection: the status of the answer, 0 when none came within DEADLINE_MS. */
static int status_of(const struct mt_mock *t, const char *request)
{
    int fd = mt_raw_connect(t), status = 0;
    if (fd < 0)
        return 0;
    char buf[64] = "";
    size_t got = 0;
    long long deadline = mt_now_ms() + DEADLINE_MS;
    bool sent = mt_raw_send(fd, request);
    while (sent && got < sizeof(buf) - 1 && !memchr(buf, '\n', got)) {
        struct pollfd p = {fd, POLLIN, 0};
        long long left = deadline - mt_now_ms();
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            break;
        ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
        status = 0;
    close(fd);
    return status;
}

/* The flooded mock and the flood, for the teardown to end whatever a failed assertion left. */
struct flood {
    struct mt_proc p;
    bool started;
    struct mt_mock t;
    int fds[FLOOD_IDLE + FLOOD_SLOW];
    int nfds;
};

static int flood_setup(void **state)
{
    struct flood *f = calloc(1, sizeof(*f));
    *state = f;
    return f ? 0 : -1;
}

static int flood_teardown(void **state)
{
    struct flood *f = *state;
    for (int i = 0; i < f->nfds; i++)
        close(f->fds[i]);
    if (f->started)
        mt_proc_kill(&f->p);
    free(f->t.token);
    free(f);
    return 0;
}

/*
 * 400 connections that send nothing and 300 that send a request line and
 * half their headers (a slow-loris client), all held open: the health
 * check and a resource GET on new connections are still answered.  (With
 * libmicrohttpd's limit of 256 connections, the mock shut every new one.)
 */
static void test_flood_of_idle_and_slow_connections(void **state)
{
    struct flood *f = *state;
    if (!descriptors_for(FLOOD_IDLE + FLOOD_SLOW + 64)) {
        print_message("the hard limit on open files is below %d: not run\n", FLOOD_IDLE + FLOOD_SLOW + 64);
        skip();
    }
    const char *argv[] = {mock_bin(), "--client-secret", MT_CLIENT "=" MT_SECRET, NULL};
    spawn_attached(&f->p, argv, &f->t);
    f->started = true;
    use_it(&f->t);
    for (; f->nfds < FLOOD_IDLE + FLOOD_SLOW; f->nfds++) {
        int fd = mt_raw_connect(&f->t);
        assert_true(fd >= 0);
        f->fds[f->nfds] = fd;
        if (f->nfds >= FLOOD_IDLE)
            assert_true(mt_raw_send(fd, "GET " RG " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
    }
    assert_int_equal(status_of(&f->t, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"), 200);
    char get[4096];
    snprintf(get, sizeof(get), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
             "Connection: close\r\n\r\n", RG, f->t.token);
    assert_int_equal(status_of(&f->t, get), 200);
    assert_int_equal(kill(f->p.pid, SIGTERM), 0); /* and it still stops at once, the flood open */
    assert_true(mt_proc_wait(&f->p, DEADLINE_MS));
    assert_int_equal(f->p.status, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigterm),
        cmocka_unit_test(test_sigint),
        cmocka_unit_test(test_stop_with_busy_connections),
        cmocka_unit_test(test_bad_flags),
        cmocka_unit_test(test_cannot_start),
        cmocka_unit_test(test_tls),
        cmocka_unit_test(test_lro_seconds_fraction),
        cmocka_unit_test(test_secret_from_file),
        cmocka_unit_test_setup_teardown(test_flood_of_idle_and_slow_connections, flood_setup, flood_teardown),
    };
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = cmocka_run_group_tests_name("aksnet-mock program", tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
