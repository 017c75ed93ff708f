/*
 * cmd_provision.c - `aksnet plan`, `aksnet provision [--dry-run]` and
 * `aksnet destroy [--yes]`: validate offline, open a session, run the
 * engine, render its events, map the outcome to README's exit codes.
 * Ctrl-C or SIGTERM stops the run: what may still be running on ARM is
 * reported, and the exit code is 128 + the signal.
 */
#include <stdlib.h>
#include <string.h>

#include "aksnet/provision.h"
#include "aksnet/validate.h"
#include "commands.h"
#include "interrupt.h"
#include "output.h"
#include "plan_files.h"
#include "progress.h"
#include "session.h"

/* The plan must be clean before anything is sent; findings are printed as `validate` prints them. */
static int load_valid_plan(const struct cli_args *args, struct aksnet_plan **plan, FILE *out, FILE *err)
{
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    aksnet_code rc = cli_load_plan(args, plan, &f);
    if (rc == AKSNET_OK && *plan)
        rc = aksnet_validate_plan(*plan, &f);
    int code = EXIT_DONE;
    if (rc != AKSNET_OK || f.out_of_memory) {
        fprintf(err, "aksnet: %s\n", aksnet_strerror(AKSNET_ENOMEM));
        code = EXIT_PLAN;
    } else if (!*plan || aksnet_findings_count(&f, AKSNET_SEVERITY_ERROR) > 0) {
        output_findings(&f, args->plan_file ? args->plan_file : "flags", args->output, out, err);
        code = EXIT_PLAN;
    } else {
        for (size_t i = 0; i < f.count; i++)
            fprintf(err, "warning %s %s: %s\n", f.items[i].code, f.items[i].field, f.items[i].message);
        fprintf(err, "notice: %s\n", KUBENET_RETIREMENT_NOTICE);
    }
    aksnet_findings_free(&f);
    return code;
}

/* destroy asks first (cli_confirmed): this question. */
static void question(const void *ctx, FILE *err)
{
    const struct aksnet_plan *plan = ctx;
    fprintf(err, "Remove what aksnet created for cluster '%s' in resource group '%s'? Type yes: ", plan->cluster.name,
            plan->resource_group);
}

static int run(const struct cli_args *args, aksnet_run_mode mode, const char *name, FILE *out, FILE *err)
{
    if (cli_fleet_wanted(args))
        return cmd_fleet_run(args, mode, name, out, err);
    struct aksnet_plan *plan = NULL;
    int code = load_valid_plan(args, &plan, out, err);
    if (code != EXIT_DONE) {
        aksnet_plan_free(plan);
        return code;
    }
    if (mode == AKSNET_RUN_DESTROY && !cli_confirmed(args, err, question, plan)) {
        aksnet_plan_free(plan);
        return EXIT_USAGE;
    }
    struct progress p;
    progress_init(&p, args->output == OUTPUT_JSON ? out : err, args->output);
    struct aksnet_client *client = NULL;
    struct aksnet_error e;
    aksnet_error_clear(&e);
    cli_interrupt_install(); /* without a cancel, Ctrl-C keeps its default action */
    aksnet_code rc = cli_client_open(args, plan->cloud, progress_retry, &p, &client, &e);
    if (rc != AKSNET_OK) {
        fprintf(err, "aksnet %s: %s\n", name, e.message);
        cli_interrupt_remove();
        progress_free(&p);
        aksnet_plan_free(plan);
        return cli_exit_code(rc);
    }
    struct aksnet_provision_options o;
    aksnet_provision_options_init(&o);
    o.plan = plan;
    o.mode = mode;
    o.client = client;
    o.principal_wait = (double)plan->role_assignment.wait_seconds;
    o.step_deadline = args->operation_timeout > 0 ? (double)args->operation_timeout : o.step_deadline;
    o.cluster_deadline = args->cluster_timeout > 0 ? (double)args->cluster_timeout : o.cluster_deadline;
    o.events = progress_sink(&p);
    struct aksnet_provision_result result;
    memset(&result, 0, sizeof(result));
    rc = aksnet_provision_run(&o, &result, &e);
    if (rc == AKSNET_ECANCELED)
        progress_interrupted(&p, &result, cli_interrupt_name(), name, err);
    progress_summary(&p, &result, rc, &e, name);
    progress_free(&p);
    aksnet_client_free(client);
    code = rc == AKSNET_ECANCELED ? cli_interrupt_exit_code() : cli_exit_code(rc);
    cli_interrupt_remove();
    aksnet_plan_free(plan);
    return code;
}

int cmd_plan(const struct cli_args *args, FILE *out, FILE *err)
{
    return run(args, AKSNET_RUN_PLAN, "plan", out, err);
}

int cmd_provision(const struct cli_args *args, FILE *out, FILE *err)
{
    return run(args, AKSNET_RUN_APPLY, args->dry_run ? "provision --dry-run" : "provision", out, err);
}

int cmd_destroy(const struct cli_args *args, FILE *out, FILE *err)
{
    return run(args, AKSNET_RUN_DESTROY, "destroy", out, err);
}
