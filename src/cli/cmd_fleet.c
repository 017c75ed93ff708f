/*
 * cmd_fleet.c - a command given several plans (-f a.json -f b.json ...,
 * --plans DIR): `aksnet validate`, `plan`, `provision` and `destroy` of a
 * fleet.  Every plan is read and validated alone, then the plans against
 * each other (aksnet_validate_fleet), before anything is sent; then one
 * client runs them all (aksnet_fleet_run): one credential, one connection
 * pool, one pacer for ARM's throttle.  The flags apply to every plan.  The
 * exit code is the largest of the plans' (README's table), so 0 only when
 * every plan succeeded.  Ctrl-C or SIGTERM stops every plan: what may
 * still run on ARM is listed per plan, and the exit code is 128 + the
 * signal.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aksnet/fleet.h"
#include "aksnet/validate.h"
#include "commands.h"
#include "fleet_progress.h"
#include "interrupt.h"
#include "output.h"
#include "plan_files.h"
#include "session.h"

/* The plans of a fleet: their files and what was read from them (a NULL plan: its file could not be read). */
struct fleet_input {
    struct cli_plan_paths paths;
    struct aksnet_plan **plans;
};

static void input_free(struct fleet_input *in)
{
    for (size_t i = 0; in->plans && i < in->paths.count; i++)
        aksnet_plan_free(in->plans[i]);
    free(in->plans);
    cli_plan_paths_free(&in->paths);
}

/*
 * One plan read and validated alone; its findings printed (all of them for
 * `validate`, else only when there are errors: warnings then go to err as
 * one plan's run prints them).  True when it has errors.
 */
static bool check_one(const struct cli_args *args, const char *path, struct aksnet_plan **plan, bool all,
                      bool *oom, FILE *out, FILE *err)
{
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    aksnet_code rc = cli_load_plan_from(args, path, plan, &f);
    if (rc == AKSNET_OK && *plan)
        rc = aksnet_validate_plan(*plan, &f);
    if (rc != AKSNET_OK || f.out_of_memory)
        *oom = true;
    bool bad = !*plan || aksnet_findings_count(&f, AKSNET_SEVERITY_ERROR) > 0;
    if (all || bad)
        output_findings_of(&f, path, args->output, false, out, err);
    else
        for (size_t i = 0; i < f.count; i++)
            fprintf(err, "%s: warning %s %s: %s\n", path, f.items[i].code, f.items[i].field, f.items[i].message);
    aksnet_findings_free(&f);
    return bad;
}

/* The plans against each other (when every one could be read); true when they conflict. */
static bool check_together(const struct cli_args *args, struct fleet_input *in, bool all, bool *oom, FILE *out,
                           FILE *err)
{
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    if (aksnet_validate_fleet((const struct aksnet_plan *const *)in->plans, in->paths.count, &f) != AKSNET_OK)
        *oom = true;
    bool bad = aksnet_findings_count(&f, AKSNET_SEVERITY_ERROR) > 0;
    if (all || bad) {
        char source[64];
        snprintf(source, sizeof(source), "fleet of %zu plans", in->paths.count);
        output_findings_of(&f, source, args->output, false, out, err);
    }
    aksnet_findings_free(&f);
    return bad;
}

/* Read and check every plan, alone and together; EXIT_DONE when nothing stands in the way. */
static int load_fleet(const struct cli_args *args, struct fleet_input *in, bool all, FILE *out, FILE *err)
{
    memset(in, 0, sizeof(*in));
    int code = cli_plan_paths(args, &in->paths, err);
    if (code != EXIT_DONE)
        return code;
    if (!(in->plans = calloc(in->paths.count, sizeof(*in->plans)))) {
        fprintf(err, "aksnet: %s\n", aksnet_strerror(AKSNET_ENOMEM));
        return EXIT_PLAN;
    }
    bool bad = false, oom = false, unread = false;
    for (size_t i = 0; i < in->paths.count; i++) {
        bad |= check_one(args, in->paths.v[i], &in->plans[i], all, &oom, out, err);
        unread |= !in->plans[i];
    }
    if (!unread && !oom)
        bad |= check_together(args, in, all, &oom, out, err);
    if (args->output == OUTPUT_TEXT)
        fprintf(err, "notice: %s\n", KUBENET_RETIREMENT_NOTICE);
    if (oom)
        fprintf(err, "aksnet: %s\n", aksnet_strerror(AKSNET_ENOMEM));
    return bad || oom ? EXIT_PLAN : EXIT_DONE;
}

int cmd_fleet_validate(const struct cli_args *args, FILE *out, FILE *err)
{
    struct fleet_input in;
    int code = load_fleet(args, &in, true, out, err);
    input_free(&in);
    return code;
}

/* One client serves one cloud: every plan must be in it. */
static bool one_cloud(const struct fleet_input *in, FILE *err)
{
    const struct aksnet_plan *first = in->plans[0];
    for (size_t i = 1; i < in->paths.count; i++) {
        const struct aksnet_plan *p = in->plans[i];
        if (first->cloud && p->cloud && strcasecmp(first->cloud, p->cloud) != 0) {
            fprintf(err, "aksnet: %s is in %s and %s in %s: one run serves one cloud; run each cloud's plans "
                         "apart\n", in->paths.v[0], first->cloud, in->paths.v[i], p->cloud);
            return false;
        }
    }
    return true;
}

/* destroy asks first (cli_confirmed): this question, naming every cluster. */
static void question(const void *ctx, FILE *err)
{
    const struct fleet_input *in = ctx;
    fprintf(err, "Remove what aksnet created for these %zu clusters?\n", in->paths.count);
    for (size_t i = 0; i < in->paths.count; i++)
        fprintf(err, "  %s: cluster '%s' in resource group '%s'\n", in->paths.v[i], in->plans[i]->cluster.name,
                in->plans[i]->resource_group);
    fprintf(err, "Type yes: ");
}

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* A plan's exit code: README's table, 128 + the signal for one interrupted. */
static int plan_exit_code(aksnet_code rc)
{
    return rc == AKSNET_ECANCELED ? cli_interrupt_exit_code() : cli_exit_code(rc);
}

/* The fleet's exit code: the largest of its plans' (0 only when every plan succeeded; 130/143 when interrupted). */
static int worst(const struct aksnet_fleet_result *results, size_t count)
{
    int code = EXIT_DONE;
    for (size_t i = 0; i < count; i++) {
        int c = plan_exit_code(results[i].rc);
        if (c > code)
            code = c;
    }
    return code;
}

/* The client open, the fleet run and its report. */
static int run_fleet(const struct cli_args *args, const struct fleet_input *in, aksnet_run_mode mode,
                     const char *name, FILE *out, FILE *err)
{
    size_t count = in->paths.count;
    struct fleet_progress fp;
    struct aksnet_fleet_result *results = calloc(count, sizeof(*results));
    if (!results || !fleet_progress_init(&fp, args->output == OUTPUT_JSON ? out : err, args->output,
                                         (const char *const *)in->paths.v, count)) {
        free(results);
        fprintf(err, "aksnet: %s\n", aksnet_strerror(AKSNET_ENOMEM));
        return EXIT_PLAN;
    }
    struct aksnet_client *client = NULL;
    struct aksnet_error e;
    aksnet_error_clear(&e);
    cli_interrupt_install(); /* Ctrl-C: the client's cancel stops every plan; without one, the default action */
    aksnet_code rc = cli_client_open(args, in->plans[0]->cloud, fleet_progress_retry, &fp, &client, &e);
    int code;
    if (rc != AKSNET_OK) {
        fprintf(err, "aksnet %s: %s\n", name, e.message);
        code = cli_exit_code(rc);
    } else {
        struct aksnet_fleet_options o;
        aksnet_fleet_options_init(&o);
        o.plans = (const struct aksnet_plan *const *)in->plans;
        o.count = count;
        o.run.mode = mode;
        o.run.client = client;
        if (args->operation_timeout > 0)
            o.run.step_deadline = (double)args->operation_timeout;
        if (args->cluster_timeout > 0)
            o.run.cluster_deadline = (double)args->cluster_timeout;
        if (args->parallel > 0)
            o.parallel = (size_t)args->parallel;
        o.events = fleet_progress_sink(&fp);
        struct aksnet_findings found;
        aksnet_findings_init(&found);
        double start = seconds_now();
        rc = aksnet_fleet_run(&o, results, &found, &e);
        if (found.count) {
            output_findings_of(&found, "fleet (peered VNets, read from ARM)", args->output, false, out, err);
            code = EXIT_PLAN;
        } else if (rc != AKSNET_OK && !results[0].started) {
            fprintf(err, "aksnet %s: %s\n", name, e.message);
            code = cli_exit_code(rc);
        } else {
            struct aksnet_client_stats stats;
            aksnet_client_stats(client, &stats);
            bool interrupted = false;
            for (size_t i = 0; i < count; i++)
                interrupted |= results[i].rc == AKSNET_ECANCELED;
            if (interrupted)
                fleet_progress_interrupted(&fp, results, cli_interrupt_name(), name, err);
            fleet_progress_summary(&fp, name, results, &stats, seconds_now() - start, plan_exit_code);
            code = worst(results, count);
        }
        aksnet_findings_free(&found);
    }
    aksnet_client_free(client);
    cli_interrupt_remove();
    fleet_progress_free(&fp);
    free(results);
    return code;
}

int cmd_fleet_run(const struct cli_args *args, aksnet_run_mode mode, const char *name, FILE *out, FILE *err)
{
    if (args->parallel == 0 || args->parallel > AKSNET_FLEET_PARALLEL_MAX) {
        fprintf(err, "aksnet: --parallel: '%ld' is outside 1..%d\n", args->parallel, AKSNET_FLEET_PARALLEL_MAX);
        return EXIT_USAGE;
    }
    struct fleet_input in;
    int code = load_fleet(args, &in, false, out, err);
    if (code == EXIT_DONE && !one_cloud(&in, err))
        code = EXIT_USAGE;
    if (code == EXIT_DONE && mode == AKSNET_RUN_DESTROY && !cli_confirmed(args, err, question, &in))
        code = EXIT_USAGE;
    if (code == EXIT_DONE)
        code = run_fleet(args, &in, mode, name, out, err);
    input_free(&in);
    return code;
}
