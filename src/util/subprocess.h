/*
 * subprocess.h - run a program without a shell, with a timeout (internal).
 */
#ifndef AKSNET__SUBPROCESS_H
#define AKSNET__SUBPROCESS_H

#include "aksnet/error.h"

/**
 * Run argv (argv[0] searched in PATH) with posix_spawnp (no shell),
 * standard input from /dev/null, standard output collected (at most 1 MiB,
 * else killed and AKSNET_EIO), standard error kept for the message, killed
 * (SIGKILL) when timeout seconds pass (AKSNET_ETIMEOUT).  A program that
 * cannot be started is AKSNET_EIO ("... was not found on PATH" for ENOENT).
 * When it exits non-zero, err->message holds the first line of its standard
 * error (code AKSNET_OK).  ctx is unused (the signature is the credential's
 * seam).  *out is freed with aksnet__secret_free (it may hold a token).
 */
aksnet_code aksnet__subprocess_run(void *ctx, char *const argv[], double timeout, char **out, int *status,
                                   struct aksnet_error *err);

#endif
