/*
 * plan_files.h - reading the plans a command is given (plan_files.c).
 */
#ifndef AKSNET_CLI_PLAN_FILES_H
#define AKSNET_CLI_PLAN_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "aksnet/finding.h"
#include "aksnet/plan.h"
#include "args.h"

/*
 * The plan in path (NULL: the flags alone), then the flags over it.  *plan
 * is NULL only when the file could not be read; the findings say why.
 * Returns AKSNET_ENOMEM or AKSNET_OK.
 */
aksnet_code cli_read_plan_from(const struct cli_args *args, const char *path, struct aksnet_plan **plan,
                               struct aksnet_findings *findings);

/* The same, then the defaults. */
aksnet_code cli_load_plan_from(const struct cli_args *args, const char *path, struct aksnet_plan **plan,
                               struct aksnet_findings *findings);

/* Several -f, or --plans DIR: the command runs a fleet. */
bool cli_fleet_wanted(const struct cli_args *args);

/* A fleet's plan files, in order: every -f as given, then DIR's *.json sorted by name. */
struct cli_plan_paths {
    char **v;
    size_t count, cap;
};

/* Fill out; EXIT_DONE, or the exit code after a line on err (an unreadable or empty DIR, -f -). */
int cli_plan_paths(const struct cli_args *args, struct cli_plan_paths *out, FILE *err);
void cli_plan_paths_free(struct cli_plan_paths *paths);

#endif
