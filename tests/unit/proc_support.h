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
