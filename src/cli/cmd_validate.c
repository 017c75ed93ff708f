/*
 * cmd_validate.c - `aksnet validate`: read the plan, apply every rule,
 * print all findings.  Offline: nothing here opens a socket.
 */
#include <stdlib.h>
#include <string.h>

#include "aksnet/validate.h"
#include "commands.h"
#include "output.h"
#include "plan_files.h"

aksnet_code cli_read_plan(const struct cli_args *args, struct aksnet_plan **plan,
                          struct aksnet_findings *findings)
{
    return cli_read_plan_from(args, args->plan_file, plan, findings);
}

aksnet_code cli_load_plan(const struct cli_args *args, struct aksnet_plan **plan,
                          struct aksnet_findings *findings)
{
    return cli_load_plan_from(args, args->plan_file, plan, findings);
}

int cmd_validate(const struct cli_args *args, FILE *out, FILE *err)
{
    if (cli_fleet_wanted(args))
        return cmd_fleet_validate(args, out, err);
    struct aksnet_findings findings;
    struct aksnet_plan *plan = NULL;
    aksnet_findings_init(&findings);
    aksnet_code rc = cli_load_plan(args, &plan, &findings);
    if (rc == AKSNET_OK && plan)
        rc = aksnet_validate_plan(plan, &findings);
    int exit_code;
    if (rc != AKSNET_OK || findings.out_of_memory) {
        fprintf(err, "aksnet: %s\n", aksnet_strerror(AKSNET_ENOMEM));
        exit_code = EXIT_PLAN;
    } else {
        const char *source = !args->plan_file                    ? "flags"
                             : strcmp(args->plan_file, "-") == 0 ? "<stdin>"
                                                                 : args->plan_file;
        exit_code = output_findings(&findings, source, args->output, out, err);
    }
    aksnet_plan_free(plan);
    aksnet_findings_free(&findings);
    return exit_code;
}
