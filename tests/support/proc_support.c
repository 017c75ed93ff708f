/*
 * proc_support.c - running programs from tests (see proc_support.h).
 */
#define _GNU_SOURCE /* pipe2 */
#include "proc_support.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct buf {
    char *data;
    size_t len, cap;
};

/*
 * Both ends of a pipe, close-on-exec from the start (pipe2), so that no
 * other child inherits them, even one a test's other thread spawns at the
 * same moment: a write end held by a stranger would keep a reader waiting
 * for an end of file that never comes.
 */
static bool cloexec_pipe(int fds[2])
{
    return pipe2(fds, O_CLOEXEC) == 0;
}

/* Room for more bytes and a NUL, doubling; refused past MT_PROC_OUTPUT_CAP so that a runaway child fails the test. */
static bool buf_reserve(struct buf *b, size_t more)
{
    if (b->len + more + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more + 1)
        cap *= 2;
    if (cap > MT_PROC_OUTPUT_CAP)
        return false;
    char *p = realloc(b->data, cap);
    if (!p)
        return false;
    b->data = p;
    b->cap = cap;
    return true;
}

/* The buffers are the caller's until it is done looking at them. */
void mt_proc_result_free(struct mt_proc_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

/* Close once: -1 marks a descriptor the loops below no longer watch. */
static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Deadlines are measured on the monotonic clock: a change of the wall clock cannot end a wait early. */
long long mt_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read what is there on *fd into b; closes *fd at end of file. False on a hard error. */
static bool drain(int *fd, struct buf *b)
{
    for (;;) {
        if (!buf_reserve(b, 65536))
            return false;
        ssize_t n = read(*fd, b->data + b->len, 65536);
        if (n > 0) {
            b->len += (size_t)n;
            b->data[b->len] = '\0';
            continue;
        }
        if (n == 0) {
            close_fd(fd);
            return true;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return true;
        close_fd(fd);
        return false;
    }
}

/*
 * Run bin with args (NULL-terminated, without argv[0]), feeding in[0..in_len)
 * on stdin (stdin is at end of file at once when in is NULL), in envp (the
 * test environment when NULL).  Fills *r; returns false only when the child
 * could not be started or served.
 */
bool mt_proc_run(struct mt_proc_result *r, const char *bin, const char *const *args, const void *in, size_t in_len,
                 char *const *envp, long timeout_ms)
{
    memset(r, 0, sizeof(*r));
    r->status = -1;
    size_t nargs = 0;
    while (args[nargs])
        nargs++;
    char **argv = calloc(nargs + 2, sizeof(*argv));
    if (!argv)
        return false;
    argv[0] = (char *)bin;
    size_t w = (size_t)snprintf(r->cmd, sizeof(r->cmd), "%s", bin);
    for (size_t i = 0; i < nargs; i++) {
        argv[i + 1] = (char *)args[i];
        if (w < sizeof(r->cmd))
            w += (size_t)snprintf(r->cmd + w, sizeof(r->cmd) - w, " '%s'", args[i]);
    }

    int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1};
    bool ok = cloexec_pipe(pin) && cloexec_pipe(pout) && cloexec_pipe(perr);
    ok = ok && fcntl(pin[1], F_SETFL, O_NONBLOCK) == 0 && fcntl(pout[0], F_SETFL, O_NONBLOCK) == 0 &&
         fcntl(perr[0], F_SETFL, O_NONBLOCK) == 0;

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t dflt;
    pid_t pid = -1;
    if (ok) {
        posix_spawn_file_actions_init(&fa);
        posix_spawnattr_init(&attr);
        sigemptyset(&dflt);
        sigaddset(&dflt, SIGPIPE);
        posix_spawnattr_setsigdefault(&attr, &dflt);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
        posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
        posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
        posix_spawn_file_actions_adddup2(&fa, perr[1], 2);
        int e = posix_spawn(&pid, bin, &fa, &attr, argv, envp ? envp : environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        if (e != 0) {
            fprintf(stderr, "posix_spawn %s: %s\n", bin, strerror(e));
            ok = false;
        }
    }
    free(argv);
    close_fd(&pin[0]);
    close_fd(&pout[1]);
    close_fd(&perr[1]);
    if (!ok) {
        close_fd(&pin[1]);
        close_fd(&pout[0]);
        close_fd(&perr[0]);
        return false;
    }

    struct buf out = {0}, err = {0};
    ok = buf_reserve(&out, 0) && buf_reserve(&err, 0);
    if (ok)
        out.data[0] = err.data[0] = '\0';
    size_t in_off = 0;
    if (!in || in_len == 0)
        close_fd(&pin[1]);
    long long deadline = mt_now_ms() + timeout_ms;
    while (ok && (pin[1] >= 0 || pout[0] >= 0 || perr[0] >= 0)) {
        struct pollfd fds[3];
        int *which[3];
        nfds_t n = 0;
        if (pin[1] >= 0) {
            fds[n] = (struct pollfd){.fd = pin[1], .events = POLLOUT};
            which[n++] = &pin[1];
        }
        if (pout[0] >= 0) {
            fds[n] = (struct pollfd){.fd = pout[0], .events = POLLIN};
            which[n++] = &pout[0];
        }
        if (perr[0] >= 0) {
            fds[n] = (struct pollfd){.fd = perr[0], .events = POLLIN};
            which[n++] = &perr[0];
        }
        long long left = deadline - mt_now_ms();
        if (left <= 0) {
            r->timed_out = true;
            kill(pid, SIGKILL);
            break;
        }
        int k = poll(fds, n, (int)left);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            ok = false;
            break;
        }
        for (nfds_t i = 0; i < n; i++) {
            if (!fds[i].revents)
                continue;
            if (which[i] == &pin[1]) {
                size_t chunk = in_len - in_off > 65536 ? 65536 : in_len - in_off;
                ssize_t wr = write(pin[1], (const char *)in + in_off, chunk);
                if (wr > 0) {
                    in_off += (size_t)wr;
                    if (in_off == in_len)
                        close_fd(&pin[1]);
                } else if (wr < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                    close_fd(&pin[1]); /* EPIPE: the child stopped reading; that is its right */
                }
            } else {
                ok = drain(which[i], which[i] == &pout[0] ? &out : &err);
            }
        }
    }
    close_fd(&pin[1]);
    close_fd(&pout[0]);
    close_fd(&perr[0]);
    if (!ok)
        kill(pid, SIGKILL);
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) {
            ok = false;
            st = 0;
            break;
        }
    }
    if (WIFEXITED(st))
        r->status = WEXITSTATUS(st);
    else if (WIFSIGNALED(st))
        r->status = 128 + WTERMSIG(st);
    r->out = out.data;
    r->out_len = out.len;
    r->err = err.data;
    r->err_len = err.len;
    if (!r->out || !r->err) {
        mt_proc_result_free(r);
        return false;
    }
    return ok;
}

/* make runs the tests on the sanitizer builds; a developer may point them at any build. */
const char *mt_bin(const char *var, const char *fallback)
{
    const char *b = getenv(var);
    return b && *b ? b : fallback;
}

/* ---- a program the test talks to ------------------------------------------------ */


/* stdin at end of file: a program that reads it must not take the test's terminal. */
bool mt_proc_start(struct mt_proc *p, const char *bin, const char *const *args, char *const *envp)
{
    memset(p, 0, sizeof(*p));
    p->pid = -1;
    p->out = p->err = -1;
    p->status = -1;
    size_t n = 0;
    while (args[n])
        n++;
    char **argv = calloc(n + 2, sizeof(*argv));
    int out[2] = {-1, -1}, err[2] = {-1, -1};
    if (!argv || !cloexec_pipe(out) || !cloexec_pipe(err)) {
        free(argv);
        close_fd(&out[0]);
        close_fd(&out[1]);
        return false;
    }
    argv[0] = (char *)bin;
    for (size_t i = 0; i < n; i++)
        argv[i + 1] = (char *)args[i];
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    int e = posix_spawn(&p->pid, bin, &fa, NULL, argv, envp ? envp : environ);
    posix_spawn_file_actions_destroy(&fa);
    free(argv);
    close_fd(&out[1]);
    close_fd(&err[1]);
    if (e != 0) {
        fprintf(stderr, "posix_spawn %s: %s\n", bin, strerror(e));
        close_fd(&out[0]);
        close_fd(&err[0]);
        p->pid = -1;
        return false;
    }
    p->out = out[0];
    p->err = err[0];
    return true;
}

/* Append what one read gives to buf (what does not fit is dropped); closes *fd at end of file. */
static void take(int *fd, char *buf, size_t cap, size_t *len)
{
    char tmp[4096];
    ssize_t n = read(*fd, tmp, sizeof(tmp));
    if (n < 0 && errno == EINTR)
        return;
    if (n <= 0) {
        close_fd(fd);
        return;
    }
    size_t keep = (size_t)n < cap - 1 - *len ? (size_t)n : cap - 1 - *len;
    memcpy(buf + *len, tmp, keep);
    *len += keep;
    buf[*len] = '\0';
}

/* Wait (up to deadline) for output on either pipe and take it; false when the deadline passed or both closed. */
static bool pump(struct mt_proc *p, long long deadline)
{
    struct pollfd fds[2] = {{p->out, POLLIN, 0}, {p->err, POLLIN, 0}};
    long long left = deadline - mt_now_ms();
    if (left <= 0 || (p->out < 0 && p->err < 0))
        return false;
    int rc = poll(fds, 2, (int)left);
    if (rc < 0 && errno == EINTR)
        return true;
    if (rc <= 0)
        return false;
    if (p->out >= 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
        take(&p->out, p->outbuf, sizeof(p->outbuf), &p->outlen);
    if (p->err >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
        take(&p->err, p->errbuf, sizeof(p->errbuf), &p->errlen);
    return true;
}

/* A program that reports as it goes (a URL it listens on, a step it starts) is followed line by line. */
bool mt_proc_line(struct mt_proc *p, char *line, size_t size, long timeout_ms)
{
    long long deadline = mt_now_ms() + timeout_ms;
    for (;;) {
        char *nl = memchr(p->outbuf, '\n', p->outlen);
        if (nl) {
            size_t n = (size_t)(nl - p->outbuf);
            snprintf(line, size, "%.*s", (int)(n < size ? n : size - 1), p->outbuf);
            memmove(p->outbuf, nl + 1, p->outlen - n); /* with the NUL */
            p->outlen -= n + 1;
            return true;
        }
        if (p->out < 0 || p->outlen == sizeof(p->outbuf) - 1 || !pump(p, deadline))
            return false;
    }
}

/* The wait status as a shell gives it. */
static int exit_code(int st)
{
    return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
}

/* Reap once; the status stays in p. */
static void reap(struct mt_proc *p)
{
    int st = 0;
    if (p->reaped || p->pid <= 0)
        return;
    while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
        ;
    p->status = exit_code(st);
    p->reaped = true;
}

/* A program's end is when its output ends: then reaping does not block. */
bool mt_proc_wait(struct mt_proc *p, long timeout_ms)
{
    long long deadline = mt_now_ms() + timeout_ms;
    while ((p->out >= 0 || p->err >= 0) && pump(p, deadline))
        ;
    if (p->out >= 0 || p->err >= 0) {
        if (p->pid > 0 && !p->reaped)
            kill(p->pid, SIGKILL);
        reap(p);
        fprintf(stderr, "the child did not exit in time; stderr: %s\n", p->errbuf);
        return false;
    }
    reap(p);
    return true;
}

/* Every test ends its children, whatever happened before. */
int mt_proc_kill(struct mt_proc *p)
{
    if (p->pid > 0 && !p->reaped)
        kill(p->pid, SIGKILL);
    reap(p);
    close_fd(&p->out);
    close_fd(&p->err);
    return p->status;
}

/* Every run of aksnet against a test's server talks to it for ARM and Entra ID alike. */
const char **mt_aksnet_argv(const char *url, const char *const *args, const char **argv)
{
    size_t n = 0;
    while (n < MT_AKSNET_ARGS - 5 && args[n]) {
        argv[n] = args[n];
        n++;
    }
    argv[n++] = "--arm-endpoint";
    argv[n++] = url;
    argv[n++] = "--authority-host";
    argv[n++] = url;
    argv[n] = NULL;
    return argv;
}
