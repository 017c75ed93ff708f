/*
 * session.h - what a command that talks to Azure sets up once: a client
 * (endpoints, credential, the library's pipeline) from the command's flags,
 * and the exit code of a library result.
 */
#ifndef AKSNET_CLI_SESSION_H
#define AKSNET_CLI_SESSION_H

#include <stdbool.h>
#include <stdio.h>

#include "aksnet/client.h"
#include "aksnet/error.h"
#include "args.h"

/*
 * A client for the flags in args and the plan's cloud (plan_cloud, may be
 * NULL); for --dry-run, against aksnet-mock with a throwaway credential and
 * every ARM request printed on stdout.
 */
aksnet_code cli_client_open(const struct cli_args *args, const char *plan_cloud,
                            void (*on_retry)(void *, const char *, const char *, double, const char *), void *ctx,
                            struct aksnet_client **out, struct aksnet_error *err);

/*
 * destroy's confirmation: true with --yes or --dry-run; refused (a line on
 * err) when stdin is not a terminal; else question(ctx, err) is asked and
 * the answer must be "yes".
 */
bool cli_confirmed(const struct cli_args *args, FILE *err, void (*question)(const void *ctx, FILE *err),
                   const void *ctx);

/* The exit code of a library result (README's table). */
int cli_exit_code(aksnet_code code);

/* What to do after a run that ended with exit_code (README's table, its last column); NULL for 0. */
const char *cli_next_step(int exit_code);

#endif
