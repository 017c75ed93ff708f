/*
 * cmd_validate.c - `aksnet validate`: read the plan, apply every rule,
 * print all findings.  Offline: nothing here opens a socket.
 */
#include <stdlib.h>
#include <string.h>

#include "aksnet/validate.h"
#include "commands.h"
#include "output.h"

aksnet_code cli_read_plan(const struct cli_args *args, struct aksnet_plan **plan,
                          struct aksnet_findings *findings)
{
    aksnet_code rc;
    if (args->plan_file) {
        rc = aksnet_plan_load_file(args->plan_file, plan, findings);
        if (rc != AKSNET_OK)
            return rc == AKSNET_ENOMEM ? rc : AKSNET_OK;
    } else if (!(*plan = aksnet_plan_new("flags"))) {
        return AKSNET_ENOMEM;
    }
    return aksnet_plan_apply_overrides(*plan, &args->plan, findings);
}

aksnet_code cli_load_plan(const struct cli_args *args, struct aksnet_plan **plan,
                          struct aksnet_findings *findings)
{
    aksnet_code rc = cli_read_plan(args, plan, findings);
    if (rc == AKSNET_OK && *plan)
        rc = aksnet_plan_apply_defaults(*plan, getenv("AZURE_SUBSCRIPTION_ID"));
    return rc;
}

int cmd_validate(const struct cli_args *args, FILE *out, FILE *err)
{
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
