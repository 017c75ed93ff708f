/*
 * proc_support.h - programs run as a test would from a shell, without
 * one (posix_spawn): to the end, with stdin fed and stdout and stderr
 * collected through poll so that no pipe can fill, under a deadline that
 * kills the child; or while the test talks to it, reading its stdout line
 * by line, signalling it and waiting for its end.
 */
#ifndef AKSNET_TEST_PROC_SUPPORT_H
#define AKSNET_TEST_PROC_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define MT_PROC_OUTPUT_CAP (256u * 1024u * 1024u)

/* ---- a program run to its end ---------------------------------------------------- */

struct mt_proc_result {
    int status;        /* exit code; 128 + signal when killed; -1 when not run */
    bool timed_out;
    char *out;         /* stdout, NUL-terminated */
    size_t out_len;
    char *err;         /* stderr, NUL-terminated */
    size_t err_len;
    char cmd[1024];    /* the command, for messages */
};

/*
 * Run bin with args (NULL-terminated, without argv[0]), feeding in[0..in_len)
 * on stdin (at end of file at once when in is NULL), in envp (environ when
 * NULL), killing it after timeout_ms.  False only when the child could not
 * be started or served.
 */
bool mt_proc_run(struct mt_proc_result *r, const char *bin, const char *const *args, const void *in, size_t in_len,
                 char *const *envp, long timeout_ms);
void mt_proc_result_free(struct mt_proc_result *r);

/* ---- a program the test talks to while it runs ----------------------------------- */

#define MT_PROC_BUF 65536

struct mt_proc {
    pid_t pid;
    int out, err;                 /* read ends of its stdout and stderr; -1 at end of file */
    char outbuf[MT_PROC_BUF];     /* stdout not yet taken by mt_proc_line, NUL-terminated */
    size_t outlen;
    char errbuf[MT_PROC_BUF];     /* stderr so far, NUL-terminated (what does not fit is dropped) */
    size_t errlen;
    int status;                   /* exit code once reaped (128 + signal when killed), else -1 */
    bool reaped;
};

/* Start bin with args (without argv[0]) in envp (environ when NULL), stdin /dev/null; false when it cannot. */
bool mt_proc_start(struct mt_proc *p, const char *bin, const char *const *args, char *const *envp);

/*
 * The next line of the child's stdout (without the newline) into line;
 * false at end of output, when the buffer is full without a line, or when
 * timeout_ms passes first.  Its stderr is collected meanwhile.
 */
bool mt_proc_line(struct mt_proc *p, char *line, size_t size, long timeout_ms);

/*
 * Wait until the child has closed its output (it ended) and reap it; when
 * timeout_ms passes first, kill it, say so on stderr and return false.
 */
bool mt_proc_wait(struct mt_proc *p, long timeout_ms);

/* SIGKILL the child unless it was reaped, reap it, close the pipes; returns p->status. */
int mt_proc_kill(struct mt_proc *p);

/* A program under test: the environment variable var (AKSNET_BIN, AKSNET_MOCK_BIN), or fallback when unset or empty. */
const char *mt_bin(const char *var, const char *fallback);

/* CLOCK_MONOTONIC in milliseconds: deadlines of the waits above, and of tests that poll. */
long long mt_now_ms(void);

/* Room mt_aksnet_argv needs: up to MT_AKSNET_ARGS - 5 of the caller's args fit. */
#define MT_AKSNET_ARGS 24

/*
 * aksnet's args (NULL-terminated) followed by "--arm-endpoint URL
 * --authority-host URL" for a server at url, into argv[MT_AKSNET_ARGS]
 * (NULL-terminated); returns argv.
 */
const char **mt_aksnet_argv(const char *url, const char *const *args, const char **argv);

#endif
