/*
 * auth_cli.c - the Azure CLI as a credential: `az account get-access-token`
 * gives the token of whoever ran `az login`, which is how a developer's
 * shell is usually signed in.
 *
 * The program is started with posix_spawnp, never through a shell, with
 * standard input from /dev/null, its output read through pipes under a
 * deadline kept with poll(), and killed when the deadline passes.  Its
 * standard output holds a token: it is wiped once parsed.
 */
#include "auth_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

extern char **environ;

#define OUTPUT_MAX (1024 * 1024)
#define STDERR_KEEP 512

/* ---- running a program ------------------------------------------------------------ */

static double monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What the child writes, as it arrives. */
struct capture {
    char *out;
    size_t len, cap;
    char errtext[STDERR_KEEP + 1];
    size_t errlen;
};

/* Grow without realloc (the output holds a token: the old block is wiped). */
static bool out_append(struct capture *c, const char *data, size_t n)
{
    if (c->len + n + 1 > c->cap) {
        size_t cap = (c->len + n + 1) * 2;
        char *b = malloc(cap);
        if (!b)
            return false;
        if (c->out) {
            memcpy(b, c->out, c->len);
            OPENSSL_cleanse(c->out, c->cap);
            free(c->out);
        }
        c->out = b;
        c->cap = cap;
    }
    memcpy(c->out + c->len, data, n);
    c->len += n;
    c->out[c->len] = '\0';
    return true;
}

/* The output held a token: wiped whole (capacity, not length). */
static void capture_free(struct capture *c)
{
    if (c->out) {
        OPENSSL_cleanse(c->out, c->cap);
        free(c->out);
    }
    c->out = NULL;
}

/* The first non-empty line the program wrote to standard error, cleaned for a message. */
static void first_line(const struct capture *c, char *out, size_t len)
{
    const char *p = c->errtext;
    while (*p == '\n' || *p == '\r' || *p == ' ')
        p++;
    size_t n = 0;
    for (; p[n] && p[n] != '\n' && p[n] != '\r' && n + 1 < len; n++)
        out[n] = (unsigned char)p[n] < 0x20 || p[n] == 0x7f ? '?' : p[n];
    out[n] = '\0';
}

/* Reap the child, waiting at most until deadline; false when it is still running. */
static bool reap(pid_t pid, double deadline, int *wstatus)
{
    for (;;) {
        pid_t r = waitpid(pid, wstatus, WNOHANG);
        if (r == pid)
            return true;
        if (r < 0 && errno != EINTR)
            return true; /* already reaped or not ours: nothing to wait for */
        if (monotonic() >= deadline)
            return false;
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* A program past its deadline is killed outright and reaped, so no zombie is left. */
static void kill_and_reap(pid_t pid)
{
    int ws;
    kill(pid, SIGKILL);
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
        ;
}

/* Read both pipes until they close or the deadline passes. */
static aksnet_code pump(pid_t pid, int outfd, int errfd, double deadline, const char *name, double timeout,
                        struct capture *c, struct aksnet_error *err)
{
    struct pollfd fds[2] = {{outfd, POLLIN, 0}, {errfd, POLLIN, 0}};
    char buf[4096];
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
        double left = deadline - monotonic();
        if (left <= 0) {
            kill_and_reap(pid);
            return aksnet_error_set(err, AKSNET_ETIMEOUT, "`%s` did not finish within %.0f s and was killed", name,
                                    timeout);
        }
        int r = poll(fds, 2, (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            kill_and_reap(pid);
            return aksnet_error_set(err, AKSNET_EIO, "poll: %s", strerror(errno));
        }
        for (size_t i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(fds[i].fd, buf, sizeof(buf));
            if (n < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (n <= 0) {
                fds[i].fd = -1;
            } else if (i == 0 && (c->len + (size_t)n > OUTPUT_MAX || !out_append(c, buf, (size_t)n))) {
                OPENSSL_cleanse(buf, sizeof(buf));
                kill_and_reap(pid);
                return aksnet_error_set(err, c->len + (size_t)n > OUTPUT_MAX ? AKSNET_EIO : AKSNET_ENOMEM,
                                        "`%s` wrote more than %d bytes, or memory ran out", name, OUTPUT_MAX);
            } else if (i == 1 && c->errlen < STDERR_KEEP) {
                size_t keep = (size_t)n < STDERR_KEEP - c->errlen ? (size_t)n : STDERR_KEEP - c->errlen;
                memcpy(c->errtext + c->errlen, buf, keep);
                c->errlen += keep;
                c->errtext[c->errlen] = '\0';
            }
        }
    }
    OPENSSL_cleanse(buf, sizeof(buf));
    return AKSNET_OK;
}

/* A pipe whose ends no other program inherits (pipe2 is not POSIX). */
static bool cloexec_pipe(int p[2])
{
    if (pipe(p) != 0)
        return false;
    if (fcntl(p[0], F_SETFD, FD_CLOEXEC) != 0 || fcntl(p[1], F_SETFD, FD_CLOEXEC) != 0) {
        int saved = errno;
        close(p[0]);
        close(p[1]);
        p[0] = p[1] = -1;
        errno = saved;
        return false;
    }
    return true;
}

/* Start argv[0] from PATH with stdin from /dev/null, stdout and stderr into the pipes, default signals. */
static int spawn(pid_t *pid, char *const argv[], const int out[2], const int errp[2])
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, dflt;
    sigemptyset(&none);
    sigemptyset(&dflt);
    sigaddset(&dflt, SIGPIPE);
    int rc = posix_spawn_file_actions_init(&fa);
    if (rc)
        return rc;
    rc = posix_spawnattr_init(&attr);
    if (rc) {
        posix_spawn_file_actions_destroy(&fa);
        return rc;
    }
    if (!(rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) &&
        !(rc = posix_spawn_file_actions_adddup2(&fa, out[1], 1)) &&
        !(rc = posix_spawn_file_actions_adddup2(&fa, errp[1], 2)) &&
        !(rc = posix_spawnattr_setsigmask(&attr, &none)) && !(rc = posix_spawnattr_setsigdefault(&attr, &dflt)) &&
        !(rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)))
        rc = posix_spawnp(pid, argv[0], &fa, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    return rc;
}

/*
 * No shell ever: argv goes to the program as it is.  The deadline is a
 * monotonic one (the chain's clock may be a test's fake).  Standard error
 * is kept for the message only when the program fails.
 */
aksnet_code aksnet_auth_run_program(void *ctx, char *const argv[], double timeout, char **out, int *status,
                                    struct aksnet_error *err)
{
    (void)ctx;
    *out = NULL;
    *status = -1;
    if (!argv || !argv[0] || !argv[0][0])
        return aksnet_error_set(err, AKSNET_EINVAL, "no program to run");
    int o[2] = {-1, -1}, e[2] = {-1, -1};
    if (!cloexec_pipe(o) || !cloexec_pipe(e)) {
        int saved = errno;
        for (int i = 0; i < 2; i++) {
            if (o[i] >= 0)
                close(o[i]);
            if (e[i] >= 0)
                close(e[i]);
        }
        return aksnet_error_set(err, AKSNET_EIO, "cannot make a pipe: %s", strerror(saved));
    }
    pid_t pid = -1;
    double deadline = monotonic() + (timeout > 0 ? timeout : 30);
    int src = spawn(&pid, argv, o, e);
    close(o[1]);
    close(e[1]);
    if (src != 0) {
        close(o[0]);
        close(e[0]);
        if (src == ENOENT)
            return aksnet_error_set(err, AKSNET_EIO, "`%.64s` was not found on PATH", argv[0]);
        return aksnet_error_set(err, AKSNET_EIO, "cannot run `%.64s`: %s", argv[0], strerror(src));
    }
    fcntl(o[0], F_SETFL, O_NONBLOCK);
    fcntl(e[0], F_SETFL, O_NONBLOCK);
    struct capture c = {0};
    aksnet_code rc = pump(pid, o[0], e[0], deadline, argv[0], timeout, &c, err);
    close(o[0]);
    close(e[0]);
    int ws = 0;
    if (rc == AKSNET_OK && !reap(pid, deadline, &ws)) {
        kill_and_reap(pid);
        rc = aksnet_error_set(err, AKSNET_ETIMEOUT, "`%.64s` did not finish within %.0f s and was killed", argv[0],
                              timeout);
    }
    if (rc != AKSNET_OK) {
        capture_free(&c);
        return rc;
    }
    *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : -1;
    if (*status != 0 && err) {
        char line[STDERR_KEEP + 1];
        first_line(&c, line, sizeof(line));
        aksnet_error_set(err, AKSNET_OK, "%s", line);
    }
    if (!c.out && !out_append(&c, "", 0)) {
        capture_free(&c);
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    }
    *out = c.out;
    return AKSNET_OK;
}

/* ---- the Azure CLI's answer -------------------------------------------------------------- */

/*
 * Older CLIs give only "expiresOn": local time, "2024-05-01 13:45:10.123456".
 * mktime with tm_isdst = -1 reads it as the CLI wrote it.
 */
static bool parse_local_time(const char *s, double *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    char tail = '\0';
    int n = sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                   &tm.tm_sec, &tail);
    if (n < 6 || (n == 7 && tail != '.') || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
        tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (t == (time_t)-1)
        return false;
    *out = (double)t;
    return true;
}

/* expires_on (newer CLIs: seconds since the epoch, a number), else expiresOn. */
static bool cli_expiry(const cJSON *json, double *out)
{
    const cJSON *on = cJSON_GetObjectItemCaseSensitive(json, "expires_on");
    if (cJSON_IsNumber(on)) {
        *out = on->valuedouble;
        return *out > 0;
    }
    if (cJSON_IsString(on) && on->valuestring[0]) {
        char *end = NULL;
        double d = strtod(on->valuestring, &end);
        if (end && !*end && d > 0) {
            *out = d;
            return true;
        }
    }
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(json, "expiresOn");
    return cJSON_IsString(old) && parse_local_time(old->valuestring, out);
}

/* The CLI's shape (camelCase, its own expiry fields) differs from the token endpoint's: read here. */
static aksnet_code parse_cli(struct aksnet_auth *a, const char *text, double now, struct auth_token *tok,
                             struct aksnet_error *err)
{
    static const char cred[] = "Azure CLI";
    cJSON *json = cJSON_Parse(text);
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(json, "accessToken");
    const cJSON *tenant = cJSON_GetObjectItemCaseSensitive(json, "tenant");
    double expires = 0;
    aksnet_code rc = AKSNET_OK;
    if (!cJSON_IsObject(json))
        rc = aksnet_error_set(err, AKSNET_EAUTH, "%s: `az account get-access-token` did not print a JSON object", cred);
    else if (!cJSON_IsString(at) || !aksnet_auth_token_ok(at->valuestring))
        rc = aksnet_error_set(err, AKSNET_EAUTH, "%s: `az account get-access-token` printed no usable accessToken",
                              cred);
    else if (!cli_expiry(json, &expires))
        rc = aksnet_error_set(err, AKSNET_EAUTH,
                              "%s: `az account get-access-token` printed neither expires_on nor a readable expiresOn",
                              cred);
    else
        rc = aksnet_auth_check_expiry(cred, "`az account get-access-token`", expires, now, err);
    if (rc == AKSNET_OK && !(tok->value = strdup(at->valuestring)))
        rc = aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    if (rc == AKSNET_OK) {
        tok->expires_on = expires;
        const char *t = cJSON_IsString(tenant) ? tenant->valuestring : "";
        snprintf(a->cli_tenant, sizeof(a->cli_tenant), "%s", strlen(t) < sizeof(a->cli_tenant) ? t : "");
    }
    aksnet_auth_json_free(json);
    return rc;
}

/*
 * argv only, no shell, so nothing in the endpoint or the tenant can become
 * a command; both were checked when the chain was made anyway.
 */
aksnet_code aksnet_auth_cli_fetch(struct aksnet_auth *a, struct auth_token *tok, struct aksnet_error *err)
{
    static const char cred[] = "Azure CLI";
    memset(tok, 0, sizeof(*tok));
    char resource[AKSNET_URL_MAX + 2], tenant[AUTH_ID_MAX];
    snprintf(resource, sizeof(resource), "%s/", a->endpoints.arm_endpoint);
    snprintf(tenant, sizeof(tenant), "%s", a->tenant);
    char az[] = "az", account[] = "account", get[] = "get-access-token", res_flag[] = "--resource";
    char output[] = "--output", json[] = "json", tenant_flag[] = "--tenant";
    char *argv[] = {az, account, get, res_flag, resource, output, json, tenant[0] ? tenant_flag : NULL, tenant, NULL};
    char *out = NULL;
    int status = -1;
    struct aksnet_error why;
    aksnet_error_clear(&why);
    aksnet_code rc = a->run(a->run_ctx, argv, a->cli_timeout, &out, &status, &why);
    if (rc == AKSNET_ENOMEM)
        rc = aksnet_error_set(err, rc, "%s: out of memory", cred);
    else if (rc == AKSNET_ETIMEOUT)
        rc = aksnet_error_set(err, AKSNET_EAUTH, "%s: `az account get-access-token` did not answer within %.0f s",
                              cred, a->cli_timeout);
    else if (rc != AKSNET_OK)
        rc = aksnet_error_set(err, AKSNET_EAUTH, "%s: %s", cred, why.message[0] ? why.message : aksnet_strerror(rc));
    else if (status != 0)
        rc = aksnet_error_set(err, AKSNET_EAUTH, "%s: `az account get-access-token` failed (exit status %d)%s%.300s",
                              cred, status, why.message[0] ? ": " : "; has `az login` been run?", why.message);
    else
        rc = parse_cli(a, out ? out : "", aksnet_auth_now(a), tok, err);
    aksnet_auth_token_free(out);
    return rc;
}
