/*
 * subprocess.c - run a program without a shell, collect what it prints, and
 * kill it when it overstays.
 *
 * The program is started with posix_spawnp, never through a shell, with
 * standard input from /dev/null, its output read through pipes under a
 * deadline kept with poll(), and killed when the deadline passes.  Its
 * standard output may hold a token (the Azure CLI's): it is wiped when
 * freed (aksnet__secret_free).
 */
#include "subprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "secret.h"

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

/* What the child writes, as it arrives: standard output whole (it may hold a token), the start of stderr. */
struct capture {
    struct aksnet__buf out;
    char errtext[STDERR_KEEP + 1];
    size_t errlen;
};

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
    aksnet_code grown;
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
            } else if (i == 0 && (grown = aksnet__buf_add(&c->out, buf, (size_t)n)) != AKSNET_OK) {
                OPENSSL_cleanse(buf, sizeof(buf));
                kill_and_reap(pid);
                return aksnet_error_set(err, grown == AKSNET_EINVAL ? AKSNET_EIO : AKSNET_ENOMEM,
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
aksnet_code aksnet__subprocess_run(void *ctx, char *const argv[], double timeout, char **out, int *status,
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
    aksnet__buf_init(&c.out, OUTPUT_MAX, true);
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
        aksnet__buf_free(&c.out);
        return rc;
    }
    *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : -1;
    if (*status != 0 && err) {
        char line[STDERR_KEEP + 1];
        first_line(&c, line, sizeof(line));
        aksnet_error_set(err, AKSNET_OK, "%s", line);
    }
    if (!(*out = aksnet__buf_take(&c.out)))
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    return AKSNET_OK;
}

