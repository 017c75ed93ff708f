/*
 * commands.h - one function per aksnet command; each returns its exit code.
 */
#ifndef AKSNET_CLI_COMMANDS_H
#define AKSNET_CLI_COMMANDS_H

#include <stdbool.h>
#include <stdio.h>

#include "aksnet/finding.h"
#include "aksnet/plan.h"
#include "aksnet/provision.h"
#include "args.h"

int cmd_validate(const struct cli_args *args, FILE *out, FILE *err);
int cmd_capacity(const struct cli_args *args, FILE *out, FILE *err);
int cmd_plan(const struct cli_args *args, FILE *out, FILE *err);
int cmd_provision(const struct cli_args *args, FILE *out, FILE *err);
int cmd_destroy(const struct cli_args *args, FILE *out, FILE *err);
int cmd_whoami(const struct cli_args *args, FILE *out, FILE *err);
int cmd_suggest(const struct cli_args *args, FILE *out, FILE *err);

/*
 * Build the plan a command works on: the file (if any), then the flags, then
 * the defaults.  *plan is NULL only when the file could not be read; the
 * findings say why.  Returns AKSNET_ENOMEM or AKSNET_OK.
 */
aksnet_code cli_load_plan(const struct cli_args *args, struct aksnet_plan **plan,
                          struct aksnet_findings *findings);

/* cli_load_plan without the defaults: the plan as the file and the flags give it. */
aksnet_code cli_read_plan(const struct cli_args *args, struct aksnet_plan **plan,
                          struct aksnet_findings *findings);

/*
 * A fleet: several -f, or --plans DIR (cmd_fleet.c).  Every plan is checked
 * alone and against the others before anything is sent; the run goes through
 * one client (aksnet/fleet.h); the exit code is the largest of the plans'.
 */
int cmd_fleet_validate(const struct cli_args *args, FILE *out, FILE *err);
int cmd_fleet_run(const struct cli_args *args, aksnet_run_mode mode, const char *name, FILE *out, FILE *err);

#endif
