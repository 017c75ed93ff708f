/*
 * proc_support.h - run a program as a test would from a shell, without
 * one: posix_spawn, stdin fed, stdout and stderr collected through poll so
 * neither pipe can fill, a deadline that kills the child.
 */
#ifndef AKSNET_TEST_PROC_SUPPORT_H
#define AKSNET_TEST_PROC_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>

#define PROC_OUTPUT_CAP (256u * 1024u * 1024u)

struct proc_result {
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
bool proc_run(struct proc_result *r, const char *bin, const char *const *args, const void *in, size_t in_len,
              char *const *envp, long timeout_ms);
void proc_result_free(struct proc_result *r);

#endif

#ifndef AKSNET_TEST_PROC_STREAM
#define AKSNET_TEST_PROC_STREAM
#include <sys/types.h>

/* A child whose standard output is read line by line while it runs. */
struct proc_stream {
    pid_t pid;
    int out;            /* read end of the child's stdout */
    char buf[65536];
    size_t len;
};

/* Start bin with args in envp, stdout piped, stdin and stderr to /dev/null. */
bool proc_stream_start(struct proc_stream *p, const char *bin, const char *const *args, char *const *envp);

/*
 * The next line of the child's stdout (without the newline) into line;
 * false at end of output or when timeout_ms passes first.
 */
bool proc_stream_line(struct proc_stream *p, char *line, size_t size, long timeout_ms);

/* SIGKILL the child and reap it; returns its wait status. */
int proc_stream_kill(struct proc_stream *p);

/* Wait for the child to end on its own; returns its exit code (128+signal if killed). */
int proc_stream_wait(struct proc_stream *p);
#endif
