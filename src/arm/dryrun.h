/*
 * dryrun.h - `--dry-run`: aksnet-mock started as a child process on an
 * ephemeral loopback port, reached through its public interface (its
 * command line and HTTP), never linked into the library.
 */
#ifndef AKSNET__DRYRUN_H
#define AKSNET__DRYRUN_H

#include "aksnet/error.h"

struct aksnet__dryrun;

/**
 * Start program (NULL: $AKSNET_MOCK, else the aksnet-mock beside the
 * running program, else the one on PATH) with operations that complete at
 * once and any client accepted, and wait (at most 10 s) for it to say where
 * it listens.  The mock ends when its standard input closes, so it cannot
 * outlive this process, even one killed with SIGKILL.  AKSNET_EIO, saying
 * how to fix it, when it cannot be started.
 */
aksnet_code aksnet__dryrun_start(const char *program, struct aksnet__dryrun **out, struct aksnet_error *err);

/** Its base URL, "http://127.0.0.1:PORT". */
const char *aksnet__dryrun_url(const struct aksnet__dryrun *mock);

/** Close its standard input and wait for it to end (SIGKILL after 5 s).  NULL is allowed. */
void aksnet__dryrun_stop(struct aksnet__dryrun *mock);

#endif
