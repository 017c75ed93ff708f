/*
 * provision.c - the engine's run: the graph of docs/architecture.md,
 * a read phase that decides every step before anything is written, and a
 * write phase that runs the steps in dependency order.  Both phases are
 * graphs of tasks run at the same time where their edges allow (one thread
 * and one ARM client per task), so a run waits only for what the graph
 * itself orders:
 *
 *   read:  every resource provider, and every step's GET + diff, at once;
 *          then what needs another read's answer: each role assignment once
 *          the principal (the identity's, or a system-assigned cluster's)
 *          and its scope are read, the subscription's cluster list once the
 *          subnet and route table are; then the offline checks (service
 *          range, NSG) -> stop here in PLAN mode, or when anything cannot be
 *          applied in place (AKSNET_EPLAN: no write)
 *   write: group -> {route table, identity} -> VNet/subnet -> role assignments
 *          -> cluster (SystemAssigned without a route table: group -> VNet ->
 *          cluster -> role assignment on the VNet, the seed's first variant)
 *
 * The files below this one: provision_steps.c (each step's read and
 * write), provision_preflight.c, provision_destroy.c, and under all of them
 * provision_events.c (the run's shared state: events, clients, helpers).
 *
 * A write starts when every step it needs ended DONE, NOOP or SKIPPED;
 * once one fails, nothing not yet started starts.  A read starts when the
 * reads it needs have ended, well or not; one that fails with a difference
 * ARM cannot apply (AKSNET_EPLAN) lets the others go on, so that every such
 * difference is reported at once; any other failure starts nothing more.
 * Running tasks finish; the run reports the first failure.  Once the
 * client's cancel is requested, nothing starts either, and running tasks
 * end at once (their requests and waits are cut short): the run reports
 * what may still be running on ARM.
 */
#include "cancel.h"
#include "provision_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the graphs -------------------------------------------------------------------------- */

/* The read phase's tasks after the steps' own reads: each resource provider, the cluster list. */
enum {
    TASK_PROVIDER = AKSNET_STEP_COUNT,
    TASK_CLUSTERS = TASK_PROVIDER + AKSNET__PROVISION_PROVIDERS,
    TASK_COUNT
};

#define TASK_BIT(t) (1u << (unsigned)(t))

/* A graph of tasks and how far each has come; every member but the constants is guarded by run->lock. */
struct graph {
    struct aksnet__provision_run *run;
    bool reading;                   /* the read phase (else the write phase) */
    const unsigned *order;          /* every task, in the order tried (and run, one by one, when not parallel) */
    unsigned deps[TASK_COUNT];      /* TASK_BIT()s of the tasks that must end first */
    bool needed[TASK_COUNT];        /* a task not needed counts as ended from the start */
    bool started[TASK_COUNT], finished[TASK_COUNT];
    bool halt;                      /* a failure that stops what has not started */
    size_t running;
};

/* One task on its thread. */
struct task {
    struct graph *g;
    unsigned id;
};

static bool ended_well(aksnet_step_state s)
{
    return s == AKSNET_STATE_DONE || s == AKSNET_STATE_NOOP || s == AKSNET_STATE_SKIPPED;
}

/*
 * What each write needs first.  Both role assignments follow the identity
 * and the VNet (aksnet/provision.h: "after 3, 4"); the cluster follows
 * everything it references.  SystemAssigned: the VNet's role assignment
 * follows the cluster, whose identity does not exist before it.
 */
static void write_deps(const struct aksnet__provision_run *run, unsigned deps[TASK_COUNT])
{
    unsigned group = TASK_BIT(AKSNET_STEP_GROUP);
    deps[AKSNET_STEP_ROUTE_TABLE] = group;
    deps[AKSNET_STEP_IDENTITY] = group;
    deps[AKSNET_STEP_VNET] = group | TASK_BIT(AKSNET_STEP_ROUTE_TABLE);
    unsigned roles_need =
        group | TASK_BIT(AKSNET_STEP_IDENTITY) | TASK_BIT(AKSNET_STEP_VNET) | TASK_BIT(AKSNET_STEP_ROUTE_TABLE);
    deps[AKSNET_STEP_ROLE_ROUTE_TABLE] = roles_need;
    if (run->system_assigned) {
        deps[AKSNET_STEP_CLUSTER] = group | TASK_BIT(AKSNET_STEP_VNET) | TASK_BIT(AKSNET_STEP_ROUTE_TABLE) |
                                    TASK_BIT(AKSNET_STEP_ROLE_ROUTE_TABLE);
        deps[AKSNET_STEP_ROLE_VNET] = roles_need | TASK_BIT(AKSNET_STEP_CLUSTER);
    } else {
        deps[AKSNET_STEP_ROLE_VNET] = roles_need;
        deps[AKSNET_STEP_CLUSTER] =
            roles_need | TASK_BIT(AKSNET_STEP_ROLE_VNET) | TASK_BIT(AKSNET_STEP_ROLE_ROUTE_TABLE);
    }
}

/*
 * What each read needs first: a role assignment's name derives from the
 * principal (the identity's read, or a system-assigned cluster's) and it
 * can be read only under a scope that exists (the VNet's or subnet's read,
 * the route table's); the cluster list is checked against the subnet and
 * the route table as read.  Everything else needs nothing.
 */
static void read_deps(const struct aksnet__provision_run *run, unsigned deps[TASK_COUNT])
{
    unsigned principal = TASK_BIT(run->system_assigned ? AKSNET_STEP_CLUSTER : AKSNET_STEP_IDENTITY);
    deps[AKSNET_STEP_ROLE_VNET] = principal | TASK_BIT(AKSNET_STEP_VNET);
    deps[AKSNET_STEP_ROLE_ROUTE_TABLE] = principal | TASK_BIT(AKSNET_STEP_ROUTE_TABLE);
    deps[TASK_CLUSTERS] = TASK_BIT(AKSNET_STEP_VNET) | TASK_BIT(AKSNET_STEP_ROUTE_TABLE);
}

/* Has dependency d ended as this phase requires?  Lock held. */
static bool dep_ended(const struct graph *g, unsigned d)
{
    if (!g->needed[d])
        return true;
    if (!g->finished[d])
        return false;
    return g->reading || ended_well(g->run->steps[d].state);
}

/* Startable: needed, not started, every dependency ended, nothing halted the graph or cancelled.  Lock held. */
static bool startable(const struct graph *g, unsigned t)
{
    if (g->halt || g->run->interrupted || !g->needed[t] || g->started[t])
        return false;
    for (unsigned d = 0; d < TASK_COUNT; d++)
        if ((g->deps[t] & TASK_BIT(d)) && !dep_ended(g, d))
            return false;
    return true;
}

/* A task's work with its own ARM client; the step a failure is told on, in *step. */
static aksnet_code work(struct graph *g, const struct aksnet__arm_client *client, unsigned t, aksnet_step *step,
                        struct aksnet_error *err)
{
    struct aksnet__provision_run *run = g->run;
    *step = t < AKSNET_STEP_COUNT ? (aksnet_step)t : AKSNET_STEP_PREFLIGHT;
    if (!g->reading)
        return aksnet__provision_write_step(run, client, *step, err);
    if (t == TASK_CLUSTERS)
        return aksnet__provision_read_clusters(run, client, err);
    if (t >= TASK_PROVIDER)
        return aksnet__provision_preflight_provider(run, client, t - TASK_PROVIDER, err);
    return aksnet__provision_read_step(run, client, *step, err);
}

/* One task, on whatever thread; ends by marking it finished. */
static void run_task(struct graph *g, unsigned t)
{
    struct aksnet__provision_run *run = g->run;
    struct aksnet_error err;
    aksnet_error_clear(&err);
    struct aksnet__arm_client *client = NULL;
    aksnet_step step = t < AKSNET_STEP_COUNT ? (aksnet_step)t : AKSNET_STEP_PREFLIGHT;
    aksnet_code rc = aksnet__provision_client(run, &client, &err);
    if (rc == AKSNET_OK)
        rc = work(g, client, t, &step, &err);
    aksnet__provision_release(run, client);
    if (rc != AKSNET_OK)
        aksnet__provision_fail(run, step, rc, &err);
    pthread_mutex_lock(&run->lock);
    g->finished[t] = true;
    if (rc != AKSNET_OK && (!g->reading || rc != AKSNET_EPLAN))
        g->halt = true;
    g->running--;
    pthread_cond_broadcast(&run->cond);
    pthread_mutex_unlock(&run->lock);
}

static void *worker(void *arg)
{
    struct task *task = arg;
    run_task(task->g, task->id);
    return NULL;
}

/*
 * Start what can start (in task order), wait for something to end, until
 * nothing runs and nothing can start.  Without run->o->parallel (or when
 * no thread is to be had) a task runs here, one after the other.
 */
static void run_graph(struct graph *g)
{
    struct aksnet__provision_run *run = g->run;
    pthread_t threads[TASK_COUNT];
    struct task tasks[TASK_COUNT];
    bool joinable[TASK_COUNT] = {false};
    const struct aksnet_cancel *cancel = aksnet__client_cancel(run->o->client);
    pthread_mutex_lock(&run->lock);
    for (;;) {
        bool launched = false;
        /* cancelled with tasks still to start: they stay PENDING, the run ends interrupted */
        for (unsigned t = 0; t < TASK_COUNT && aksnet__cancel_requested(cancel); t++)
            run->interrupted = run->interrupted || (g->needed[t] && !g->finished[t]);
        for (unsigned i = 0; i < TASK_COUNT; i++) {
            unsigned t = g->order[i];
            if (!startable(g, t))
                continue;
            g->started[t] = true;
            if (t < AKSNET_STEP_COUNT)
                run->steps[t].started_at = aksnet__provision_now(run);
            g->running++;
            launched = true;
            tasks[t] = (struct task){g, t};
            if (run->o->parallel && pthread_create(&threads[t], NULL, worker, &tasks[t]) == 0) {
                joinable[t] = true;
                continue;
            }
            pthread_mutex_unlock(&run->lock);
            run_task(g, t);
            pthread_mutex_lock(&run->lock);
        }
        if (launched)
            continue; /* what was started (or run here) may have made more startable */
        if (g->running == 0)
            break;
        pthread_cond_wait(&run->cond, &run->lock);
    }
    pthread_mutex_unlock(&run->lock);
    for (unsigned t = 0; t < TASK_COUNT; t++)
        if (joinable[t])
            pthread_join(threads[t], NULL);
}

/* ---- the phases -------------------------------------------------------------------------- */

/* Every read at once, as their edges allow, then the checks that need them all. */
static void read_phase(struct aksnet__provision_run *run)
{
    static const unsigned order[TASK_COUNT] = {
        TASK_PROVIDER, TASK_PROVIDER + 1, TASK_PROVIDER + 2, TASK_PROVIDER + 3, AKSNET_STEP_GROUP,
        AKSNET_STEP_ROUTE_TABLE, AKSNET_STEP_IDENTITY, AKSNET_STEP_VNET, AKSNET_STEP_CLUSTER, AKSNET_STEP_ROLE_VNET,
        AKSNET_STEP_ROLE_ROUTE_TABLE, TASK_CLUSTERS, AKSNET_STEP_PREFLIGHT,
    };
    _Static_assert(AKSNET__PROVISION_PROVIDERS == 4 && TASK_COUNT == 13, "the read order names every task");
    struct graph g = {.run = run, .reading = true, .order = order};
    read_deps(run, g.deps);
    for (unsigned t = 0; t < TASK_COUNT; t++)
        g.needed[t] = t != AKSNET_STEP_PREFLIGHT;
    run->steps[AKSNET_STEP_PREFLIGHT].started_at = aksnet__provision_now(run);
    aksnet__provision_emit(run, AKSNET_STEP_PREFLIGHT, AKSNET_STATE_READING, "resource providers", NULL);
    struct aksnet_error err;
    aksnet_error_clear(&err);
    aksnet_code rc = AKSNET_ECANCELED;
    if (aksnet__provision_cancelled(run)) /* before anything: the preflight is what it stops */
        aksnet_error_set(&err, rc, "interrupted before anything was read");
    else
        rc = aksnet__client_token(run->o->client, &err); /* the first round trip, before the threads */
    if (rc != AKSNET_OK) {
        aksnet__provision_fail(run, AKSNET_STEP_PREFLIGHT, rc, &err);
        return;
    }
    run_graph(&g);
    if (run->failed || aksnet__provision_cancelled(run))
        return;
    rc = aksnet__provision_preflight_network(run, &err);
    if (rc != AKSNET_OK)
        aksnet__provision_fail(run, AKSNET_STEP_PREFLIGHT, rc, &err);
    else
        aksnet__provision_emit(run, AKSNET_STEP_PREFLIGHT, AKSNET_STATE_DONE, "checks passed", NULL);
}

/* The steps with something to write, in dependency order; the others have ended. */
static void write_phase(struct aksnet__provision_run *run)
{
    static const unsigned order[TASK_COUNT] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    struct graph g = {.run = run, .reading = false, .order = order};
    write_deps(run, g.deps);
    for (unsigned t = 0; t < AKSNET_STEP_COUNT; t++) {
        struct aksnet__provision_step *st = &run->steps[t];
        g.needed[t] = t != AKSNET_STEP_PREFLIGHT &&
                      (st->decision == AKSNET_STATE_CREATE || st->decision == AKSNET_STATE_UPDATE ||
                       st->decision == AKSNET_STATE_WAITING);
        if (g.needed[t])
            st->state = AKSNET_STATE_PENDING;
    }
    run_graph(&g);
}

/* ---- the run ------------------------------------------------------------------------------ */

static void init_steps(struct aksnet__provision_run *run)
{
    for (unsigned i = 0; i < AKSNET_STEP_COUNT; i++) {
        run->steps[i].id = (aksnet_step)i;
        run->steps[i].run = run;
        run->steps[i].state = AKSNET_STATE_PENDING;
    }
    const struct aksnet_resource_ids *ids = &run->ids;
    char sub[AKSNET_ID_MAX];
    aksnet__provision_format(sub, sizeof(sub), "/subscriptions/%s",
                             run->plan->subscription_id ? run->plan->subscription_id : "");
    const char *resources[AKSNET_STEP_COUNT] = {
        sub, ids->group, ids->route_table, ids->identity, run->vnet_existing ? ids->subnet : ids->vnet,
        run->role_scope, ids->route_table, ids->cluster,
    };
    for (unsigned i = 0; i < AKSNET_STEP_COUNT; i++)
        aksnet__provision_format(run->steps[i].resource, sizeof(run->steps[i].resource), "%s", resources[i]);
}

/* The run's facts from the plan; AKSNET_EPLAN when its ids cannot be composed. */
static aksnet_code setup(struct aksnet__provision_run *run, const struct aksnet_provision_options *options,
                         struct aksnet_error *err)
{
    run->o = options;
    run->plan = options->plan;
    run->clock = aksnet__client_clock(options->client);
    struct aksnet_error why;
    aksnet_error_clear(&why);
    aksnet_code rc = aksnet__resources_ids(run->plan, &run->ids, &why);
    if (rc == AKSNET_EINVAL)
        return aksnet_error_set(err, AKSNET_EPLAN, "the plan does not name every resource: %s", why.message);
    if (rc != AKSNET_OK) {
        if (err)
            *err = why;
        return rc;
    }
    const struct aksnet_plan *p = run->plan;
    run->system_assigned = p->identity.type && strcasecmp(p->identity.type, "SystemAssigned") == 0 && !p->identity.id;
    run->user_identity = p->identity.id != NULL;
    run->vnet_existing = aksnet_plan_vnet_is_existing(p);
    if (run->system_assigned && run->ids.route_table[0])
        return aksnet_error_set(err, AKSNET_EPLAN,
                                "an own route table needs a user-assigned identity: a system-assigned one cannot be "
                                "granted rights on it before the cluster exists (identity-byo-route-table)");
    bool subnet_scope = p->role_assignment.scope && strcasecmp(p->role_assignment.scope, "subnet") == 0;
    aksnet__provision_format(run->role_scope, sizeof(run->role_scope), "%s",
                             subnet_scope ? run->ids.subnet : run->ids.vnet);
    init_steps(run);
    return AKSNET_OK;
}

static void teardown(struct aksnet__provision_run *run)
{
    for (unsigned i = 0; i < AKSNET_STEP_COUNT; i++) {
        cJSON_Delete(run->steps[i].existing);
        cJSON_Delete(run->steps[i].body);
    }
    cJSON_Delete(run->vnet);
    cJSON_Delete(run->subnet);
    cJSON_Delete(run->route_table);
    cJSON_Delete(run->clusters);
    pthread_cond_destroy(&run->cond);
    pthread_mutex_destroy(&run->lock);
    free(run);
}

aksnet_code aksnet_provision_run(const struct aksnet_provision_options *options,
                                 struct aksnet_provision_result *result, struct aksnet_error *err)
{
    aksnet_error_clear(err);
    if (result)
        memset(result, 0, sizeof(*result));
    if (!options || !options->plan || !options->client)
        return aksnet_error_set(err, AKSNET_EINVAL, "provision: a plan and a client are needed");
    if (options->mode != AKSNET_RUN_PLAN && options->mode != AKSNET_RUN_APPLY && options->mode != AKSNET_RUN_DESTROY)
        return aksnet_error_set(err, AKSNET_EINVAL, "provision: unknown run mode %d", (int)options->mode);
    struct aksnet__provision_run *run = calloc(1, sizeof(*run));
    if (!run)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    pthread_mutex_init(&run->lock, NULL);
    pthread_cond_init(&run->cond, NULL);
    aksnet_code rc = setup(run, options, err);
    if (rc != AKSNET_OK) {
        teardown(run);
        return rc;
    }
    if (options->mode == AKSNET_RUN_DESTROY) {
        struct aksnet_error derr;
        aksnet_error_clear(&derr);
        aksnet__provision_destroy(run, &derr);
    } else {
        read_phase(run);
        if (!run->failed && !run->interrupted && options->mode == AKSNET_RUN_APPLY)
            write_phase(run);
    }
    if (run->interrupted) {
        rc = AKSNET_ECANCELED;
        aksnet__provision_report_interrupted(run, result, err);
    } else {
        rc = run->failed ? run->first_rc : AKSNET_OK;
        if (run->failed && err)
            *err = run->first_err;
    }
    if (result) {
        for (unsigned i = 0; i < AKSNET_STEP_COUNT; i++)
            result->states[i] = run->steps[i].state;
        result->ids = run->ids;
        result->writes = run->writes;
    }
    teardown(run);
    return rc;
}
