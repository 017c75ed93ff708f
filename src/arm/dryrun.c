/*
 * dryrun.c - aksnet-mock as a child process for `--dry-run`.
 *
 * The library never links the mock: it starts the aksnet-mock program,
 * reads the one line in which it says where it listens, and talks HTTP to
 * it on loopback like to any ARM.  The child's standard input is a pipe
 * whose write end only this process holds; the mock stops when it reads
 * end-of-file there (--until-stdin-closes), which happens when we stop it
 * and also when we die, however we die.
 */
#include "dryrun.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define START_TIMEOUT_MS 10000
#define STOP_TIMEOUT_MS 5000
#define ANNOUNCE "aksnet-mock listening on "

struct aksnet__dryrun {
    pid_t pid;
    int stdin_fd;                /* our end of its standard input */
    char url[128];
};

/* $AKSNET_MOCK, else aksnet-mock beside /proc/self/exe when it is there, else the name for PATH. */
static void find_program(const char *program, char *out, size_t len)
{
    const char *env = getenv("AKSNET_MOCK");
    if (program && *program) {
        snprintf(out, len, "%s", program);
        return;
    }
    if (env && *env) {
        snprintf(out, len, "%s", env);
        return;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    self[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(self, '/');
    size_t dir_len = slash ? (size_t)(slash - self) + 1 : 0;
    if (dir_len && dir_len + sizeof("aksnet-mock") <= len) {
        memcpy(out, self, dir_len);
        memcpy(out + dir_len, "aksnet-mock", sizeof("aksnet-mock"));
        if (access(out, X_OK) == 0)
            return;
    }
    snprintf(out, len, "aksnet-mock");
}

static aksnet_code spawn(struct aksnet__dryrun *m, const char *path, int in[2], int out[2], struct aksnet_error *err)
{
    char *argv[] = {(char *)path, "--listen", "127.0.0.1:0", "--lro-seconds", "0", "--accept-any-client",
                    "--until-stdin-closes", NULL};
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    int rc = strchr(path, '/') ? posix_spawn(&m->pid, path, &fa, NULL, argv, environ)
                               : posix_spawnp(&m->pid, path, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return aksnet_error_set(err, AKSNET_EIO,
                                "--dry-run needs the aksnet-mock program: cannot start '%.200s': %s; install it "
                                "beside aksnet (make install does) or name it in AKSNET_MOCK",
                                path, strerror(rc));
    return AKSNET_OK;
}

/* A pipe whose ends no other child inherits (the dup2 in the child clears the flag on 0 and 1). */
static bool cloexec_pipe(int fds[2])
{
    if (pipe(fds) != 0)
        return false;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return true;
}

/* Read the announcement line, "aksnet-mock listening on URL", within the start timeout. */
static aksnet_code read_url(struct aksnet__dryrun *m, int fd, const char *path, struct aksnet_error *err)
{
    char line[256] = "";
    size_t n = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (n < sizeof(line) - 1 && !memchr(line, '\n', n)) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        long spent = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
        struct pollfd p = {fd, POLLIN, 0};
        int ready = spent < START_TIMEOUT_MS ? poll(&p, 1, (int)(START_TIMEOUT_MS - spent)) : 0;
        if (ready < 0 && errno == EINTR)
            continue;
        ssize_t got = ready > 0 ? read(fd, line + n, sizeof(line) - 1 - n) : -1;
        if (got <= 0)
            return aksnet_error_set(err, AKSNET_EIO, "--dry-run: '%.200s' did not say where it listens (%s)", path,
                                    ready == 0 ? "timed out" : "it ended; see its message above");
        n += (size_t)got;
    }
    line[n] = '\0';
    char *start = strstr(line, ANNOUNCE);
    char *end = start ? strchr(start, '\n') : NULL;
    if (!end || (size_t)(end - start) - strlen(ANNOUNCE) >= sizeof(m->url))
        return aksnet_error_set(err, AKSNET_EIO, "--dry-run: '%.200s' is not aksnet-mock (unexpected output)", path);
    *end = '\0';
    snprintf(m->url, sizeof(m->url), "%s", start + strlen(ANNOUNCE));
    return AKSNET_OK;
}

aksnet_code aksnet__dryrun_start(const char *program, struct aksnet__dryrun **out, struct aksnet_error *err)
{
    *out = NULL;
    struct aksnet__dryrun *m = calloc(1, sizeof(*m));
    if (!m)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    m->pid = -1;
    m->stdin_fd = -1;
    char path[PATH_MAX];
    find_program(program, path, sizeof(path));
    int in[2], outp[2];
    if (!cloexec_pipe(in)) {
        free(m);
        return aksnet_error_set(err, AKSNET_EIO, "--dry-run: pipe: %s", strerror(errno));
    }
    if (!cloexec_pipe(outp)) {
        close(in[0]);
        close(in[1]);
        free(m);
        return aksnet_error_set(err, AKSNET_EIO, "--dry-run: pipe: %s", strerror(errno));
    }
    aksnet_code rc = spawn(m, path, in, outp, err);
    close(in[0]);
    close(outp[1]);
    m->stdin_fd = in[1];
    if (rc == AKSNET_OK)
        rc = read_url(m, outp[0], path, err);
    close(outp[0]);
    if (rc != AKSNET_OK) {
        aksnet__dryrun_stop(m);
        return rc;
    }
    *out = m;
    return AKSNET_OK;
}

const char *aksnet__dryrun_url(const struct aksnet__dryrun *m)
{
    return m->url;
}

/* Wait for the child at most ms milliseconds; true once it is reaped. */
static bool reap_within(pid_t pid, int ms)
{
    for (int waited = 0;; waited += 10) {
        pid_t r = waitpid(pid, NULL, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR))
            return true;
        if (waited >= ms)
            return false;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

void aksnet__dryrun_stop(struct aksnet__dryrun *m)
{
    if (!m)
        return;
    if (m->stdin_fd >= 0)
        close(m->stdin_fd);
    if (m->pid > 0 && !reap_within(m->pid, STOP_TIMEOUT_MS)) {
        kill(m->pid, SIGKILL);
        waitpid(m->pid, NULL, 0);
    }
    free(m);
}
