/*
 * consumer.c - a program that uses libaksnet as a packager's user would:
 * compiled against the installed headers with `pkg-config --cflags --libs
 * libaksnet` and nothing else, it reads a plan, validates it, sizes its
 * subnet, and provisions it in a dry run against the installed aksnet-mock.
 *
 *   consumer PLAN.json AKSNET_MOCK_PATH
 *
 * Prints one line per fact and "consumer: ok"; exits non-zero on any
 * failure, saying where.
 */
#include <stdio.h>
#include <string.h>

#include <aksnet/aksnet.h>

static int fail(const char *what, const struct aksnet_error *err)
{
    fprintf(stderr, "consumer: %s: %s\n", what, err && err->message[0] ? err->message : "failed");
    return 1;
}

static void count_event(void *ctx, const struct aksnet_event *ev)
{
    if (ev->state == AKSNET_STATE_DONE)
        ++*(int *)ctx;
}

/* Plan -> validate -> capacity: the offline half of the public API. */
static int offline(const char *path, struct aksnet_plan **plan)
{
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    struct aksnet_error err;
    if (aksnet_plan_load_file(path, plan, &f) != AKSNET_OK ||
        aksnet_plan_apply_defaults(*plan, "00000000-0000-0000-0000-000000000000") != AKSNET_OK ||
        aksnet_validate_plan(*plan, &f) != AKSNET_OK || aksnet_findings_count(&f, AKSNET_SEVERITY_ERROR) != 0) {
        aksnet_findings_free(&f);
        return fail("the plan does not validate", NULL);
    }
    aksnet_findings_free(&f);
    struct aksnet_capacity_input in = {"192.168.1.0/24", AKSNET_PLUGIN_KUBENET, 110, 1};
    struct aksnet_capacity cap;
    if (aksnet_capacity_compute(&in, &cap, &err) != AKSNET_OK)
        return fail("capacity", &err);
    printf("capacity: %llu nodes\n", (unsigned long long)cap.max_nodes);
    return 0;
}

/* Client -> provision: the online half, in a dry run. */
static int dry_run(struct aksnet_plan *plan, const char *mock)
{
    struct aksnet_client_options co;
    aksnet_client_options_init(&co);
    co.dry_run = true;
    co.mock_program = mock;
    co.cloud = "AzureChinaCloud";
    struct aksnet_client *client = NULL;
    struct aksnet_error err;
    if (aksnet_client_new(&co, &client, &err) != AKSNET_OK)
        return fail("client", &err);
    int done = 0;
    struct aksnet_provision_options o;
    aksnet_provision_options_init(&o);
    o.plan = plan;
    o.mode = AKSNET_RUN_APPLY;
    o.client = client;
    o.events = (struct aksnet_event_sink){count_event, &done};
    struct aksnet_provision_result r;
    aksnet_code rc = aksnet_provision_run(&o, &r, &err);
    aksnet_client_free(client);
    if (rc != AKSNET_OK)
        return fail("provision", &err);
    printf("provision: %d steps done, %zu writes\n", done, r.writes);
    return done > 0 ? 0 : fail("provision did nothing", NULL);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: consumer PLAN.json AKSNET_MOCK\n");
        return 2;
    }
    struct aksnet_version_info v;
    aksnet_version_info(&v);
    printf("libaksnet %s (headers %s)\n", v.version, AKSNET_VERSION);
    struct aksnet_plan *plan = NULL;
    int rc = offline(argv[1], &plan);
    if (rc == 0)
        rc = dry_run(plan, argv[2]);
    aksnet_plan_free(plan);
    if (rc == 0)
        printf("consumer: ok\n");
    return rc;
}
