/*
 * provision.c - the engine's run: the graph of docs/architecture.md,
 * a read phase that decides every step before anything is written, and a
 * write phase that runs the steps in dependency order, at the same time
 * where the graph allows (one thread and one ARM client per step).
 *
 *   read:  preflight (providers) -> GET + diff of every resource -> preflight
 *          (other clusters, service range, NSG) -> stop here in PLAN mode, or
 *          when anything cannot be applied in place (AKSNET_EPLAN: no write)
 *   write: group -> {route table, identity} -> VNet/subnet -> role assignments
 *          -> cluster (SystemAssigned without a route table: group -> VNet ->
 *          cluster -> role assignment on the VNet, the seed's first variant)
 *
 * The files below this one: provision_steps.c (each step's read and
 * write), provision_preflight.c, provision_destroy.c, and under all of them
 * provision_events.c (the run's shared state: events, clients, helpers).
 *
 * A step starts when every step it needs ended DONE, NOOP or SKIPPED.  Once
 * one fails, nothing not yet started starts; running ones finish; the run
 * reports the first failure.  Once the client's cancel is requested,
 * nothing starts either, and running steps end at once (their requests and
 * waits are cut short): the run reports what may still be running on ARM.
 */
#include "cancel.h"
#include "provision_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the graph --------------------------------------------------------------------------- */

static bool ended_well(aksnet_step_state s)
{
    return s == AKSNET_STATE_DONE || s == AKSNET_STATE_NOOP || s == AKSNET_STATE_SKIPPED;
}

/*
 * What each step needs first.  Both role assignments follow the identity and
 * the VNet (aksnet/provision.h: "after 3, 4"); the cluster follows everything it
 * references.  SystemAssigned: the VNet's role assignment follows the cluster,
 * whose identity does not exist before it.
 */
static void set_deps(struct aksnet__provision_run *run)
{
    struct aksnet__provision_step *s = run->steps;
    unsigned pre = PV_BIT(AKSNET_STEP_PREFLIGHT), group = PV_BIT(AKSNET_STEP_GROUP);
    s[AKSNET_STEP_GROUP].deps = pre;
    s[AKSNET_STEP_ROUTE_TABLE].deps = pre | group;
    s[AKSNET_STEP_IDENTITY].deps = pre | group;
    s[AKSNET_STEP_VNET].deps = pre | group | PV_BIT(AKSNET_STEP_ROUTE_TABLE);
    unsigned roles_need = PV_BIT(AKSNET_STEP_IDENTITY) | PV_BIT(AKSNET_STEP_VNET) | PV_BIT(AKSNET_STEP_ROUTE_TABLE);
    s[AKSNET_STEP_ROLE_ROUTE_TABLE].deps = pre | group | roles_need;
    if (run->system_assigned) {
        s[AKSNET_STEP_CLUSTER].deps = pre | group | PV_BIT(AKSNET_STEP_VNET) | PV_BIT(AKSNET_STEP_ROUTE_TABLE) |
                                      PV_BIT(AKSNET_STEP_ROLE_ROUTE_TABLE);
        s[AKSNET_STEP_ROLE_VNET].deps = pre | group | roles_need | PV_BIT(AKSNET_STEP_CLUSTER);
    } else {
        s[AKSNET_STEP_ROLE_VNET].deps = pre | group | roles_need;
        s[AKSNET_STEP_CLUSTER].deps = pre | group | roles_need | PV_BIT(AKSNET_STEP_ROLE_VNET) |
                                      PV_BIT(AKSNET_STEP_ROLE_ROUTE_TABLE);
    }
}

/* Startable: not started, needed, every dependency ended well, nothing failed, not cancelled.  Lock held. */
static bool startable(const struct aksnet__provision_run *run, const struct aksnet__provision_step *st)
{
    if (run->failed || run->interrupted || st->started || st->finished)
        return false;
    for (unsigned d = 0; d < AKSNET_STEP_COUNT; d++)
        if ((st->deps & PV_BIT(d)) && (!run->steps[d].finished || !ended_well(run->steps[d].state)))
            return false;
    return true;
}

/* One step of the write phase, on whatever thread; ends by marking it finished. */
static void run_write(struct aksnet__provision_step *st)
{
    struct aksnet__provision_run *run = st->run;
    struct aksnet_error err;
    aksnet_error_clear(&err);
    struct aksnet__arm_client *client = NULL;
    aksnet_code rc = aksnet__provision_client(run, &client, &err);
    if (rc == AKSNET_OK)
        rc = aksnet__provision_write_step(run, client, st->id, &err);
    aksnet__provision_release(run, client);
    if (rc != AKSNET_OK)
        aksnet__provision_fail(run, st->id, rc, &err);
    pthread_mutex_lock(&run->lock);
    st->finished = true;
    run->running--;
    pthread_cond_broadcast(&run->cond);
    pthread_mutex_unlock(&run->lock);
}

static void *worker(void *arg)
{
    run_write(arg);
    return NULL;
}

/* Start what can start, wait for something to end, until nothing runs and nothing can start. */
static void write_phase(struct aksnet__provision_run *run)
{
    pthread_t threads[AKSNET_STEP_COUNT];
    bool joinable[AKSNET_STEP_COUNT] = {false};
    const struct aksnet_cancel *cancel = aksnet__client_cancel(run->o->client);
    pthread_mutex_lock(&run->lock);
    for (;;) {
        bool launched = false;
        /* cancelled with steps still to start: they stay PENDING, the run ends interrupted */
        for (unsigned i = 0; i < AKSNET_STEP_COUNT && aksnet__cancel_requested(cancel); i++)
            run->interrupted = run->interrupted || !run->steps[i].finished;
        for (unsigned i = 0; i < AKSNET_STEP_COUNT; i++) {
            struct aksnet__provision_step *st = &run->steps[i];
            if (!startable(run, st))
                continue;
            st->started = true;
            st->started_at = aksnet__provision_now(run);
            run->running++;
            launched = true;
            if (run->o->parallel && pthread_create(&threads[i], NULL, worker, st) == 0) {
                joinable[i] = true;
                continue;
            }
            pthread_mutex_unlock(&run->lock); /* serial (or no thread to be had): here */
            run_write(st);
            pthread_mutex_lock(&run->lock);
        }
        if (launched)
            continue; /* what was started (or run here) may have made more startable */
        if (run->running == 0)
            break;
        pthread_cond_wait(&run->cond, &run->lock);
    }
    pthread_mutex_unlock(&run->lock);
    for (unsigned i = 0; i < AKSNET_STEP_COUNT; i++)
        if (joinable[i])
            pthread_join(threads[i], NULL);
}

/* ---- the read phase ---------------------------------------------------------------------- */

/*
 * Everything is read and decided before the first write.  A difference ARM
 * cannot apply (AKSNET_EPLAN) does not stop the reading, so that every such
 * difference is reported at once; any other failure does.
 */
static void read_phase(struct aksnet__provision_run *run)
{
    static const aksnet_step order[] = {AKSNET_STEP_GROUP, AKSNET_STEP_ROUTE_TABLE, AKSNET_STEP_IDENTITY,
                                        AKSNET_STEP_VNET, AKSNET_STEP_CLUSTER, AKSNET_STEP_ROLE_VNET,
                                        AKSNET_STEP_ROLE_ROUTE_TABLE};
    struct aksnet_error err;
    aksnet_error_clear(&err);
    struct aksnet__arm_client *client = NULL;
    run->steps[AKSNET_STEP_PREFLIGHT].started_at = aksnet__provision_now(run);
    aksnet__provision_emit(run, AKSNET_STEP_PREFLIGHT, AKSNET_STATE_READING, "resource providers", NULL);
    aksnet_code rc = aksnet__provision_client(run, &client, &err);
    if (rc == AKSNET_OK)
        rc = aksnet__provision_preflight_providers(run, client, &err);
    if (rc != AKSNET_OK) {
        aksnet__provision_fail(run, AKSNET_STEP_PREFLIGHT, rc, &err);
        aksnet__provision_release(run, client);
        return;
    }
    bool stop = false;
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]) && !stop; i++) {
        if (aksnet__provision_cancelled(run))
            break;
        aksnet_error_clear(&err);
        run->steps[order[i]].started_at = aksnet__provision_now(run);
        rc = aksnet__provision_read_step(run, client, order[i], &err);
        if (rc != AKSNET_OK) {
            aksnet__provision_fail(run, order[i], rc, &err);
            stop = rc != AKSNET_EPLAN;
        }
    }
    if (!run->failed && !aksnet__provision_cancelled(run)) {
        aksnet_error_clear(&err);
        rc = aksnet__provision_preflight_network(run, client, &err);
        if (rc != AKSNET_OK)
            aksnet__provision_fail(run, AKSNET_STEP_PREFLIGHT, rc, &err);
        else
            aksnet__provision_emit(run, AKSNET_STEP_PREFLIGHT, AKSNET_STATE_DONE, "checks passed", NULL);
    }
    aksnet__provision_release(run, client);
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
    set_deps(run);
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
    pthread_cond_destroy(&run->cond);
    pthread_mutex_destroy(&run->lock);
    free(run);
}

/* Before the write phase: steps with something to write wait; the others have ended. */
static void arm_write_phase(struct aksnet__provision_run *run)
{
    for (unsigned i = 0; i < AKSNET_STEP_COUNT; i++) {
        struct aksnet__provision_step *st = &run->steps[i];
        bool write = i != AKSNET_STEP_PREFLIGHT &&
                     (st->decision == AKSNET_STATE_CREATE || st->decision == AKSNET_STATE_UPDATE ||
                      st->decision == AKSNET_STATE_WAITING);
        st->finished = !write;
        if (write)
            st->state = AKSNET_STATE_PENDING;
    }
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
        if (!run->failed && !run->interrupted && options->mode == AKSNET_RUN_APPLY) {
            arm_write_phase(run);
            write_phase(run);
        }
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
