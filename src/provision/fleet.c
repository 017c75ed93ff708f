/*
 * fleet.c - many plans in one run (aksnet/fleet.h), above the engine: each
 * plan is one aksnet_provision_run, on one of `parallel` worker threads,
 * all through the caller's one client (one token, one connection pool, one
 * pacer for ARM's throttle).
 *
 *   check: the VNets of plans whose pod ranges overlap are read, once each,
 *          and any two of them that are peered stop the fleet before a
 *          write (fleet-pod-overlap, naming both plans)
 *   run:   workers take the plans in order; a plan whose VNet another
 *          running plan shares waits for it (a VNet PUT carries the whole
 *          list of subnets, so two at once would race: resources.c);
 *          a plan that fails does not stop the others, except when its
 *          credential failed (that fails every plan alike) or the client
 *          was cancelled: then none starts after it
 */
#include "aksnet/fleet.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cidr.h"
#include "provision_internal.h"

/*
 * VNets read at once for the peering check, whatever `parallel` says: the
 * reads are a fraction of ARM's read bucket (250), and no plan starts
 * before the last one is answered.
 */
#define READS_AT_ONCE 32

/* One plan of the fleet, as the fleet sees it. */
struct member {
    struct fleet *fleet;
    size_t index;
    char vnet[AKSNET_ID_MAX];   /* its VNet's id; "" when the plan's ids do not compose (its run says why) */
    struct aksnet__cidr pod;
    bool pod_ok;
    bool needed;                /* check: its VNet matters (its pod range overlaps one in another VNet) */
    bool read;                  /* check: it reads that VNet (the first member that needs it) */
    cJSON *vnet_body;           /* check: the VNet as read, NULL when absent or unreadable */
};

struct fleet {
    const struct aksnet_fleet_options *o;
    struct aksnet_fleet_result *results;
    struct member *members;
    const struct aksnet__clock *clock;
    pthread_mutex_t lock;       /* the work list below */
    pthread_cond_t cond;
    pthread_mutex_t sink;       /* the caller's sink: one call at a time */
    bool checking;              /* the phase: reading VNets, else running plans */
    size_t first;               /* no member before this one is left to take */
    bool *taken;
    size_t *running;            /* the members being worked on (at most `parallel`) */
    size_t nrunning;
    size_t stopped_by;          /* a plan whose credential failed, or that was cancelled: no plan starts after it
                                   (SIZE_MAX: none) */
    aksnet_code stop_rc;        /* AKSNET_EAUTH or AKSNET_ECANCELED */
    struct aksnet_error stop;   /* why (the credential's own words) */
};

void aksnet_fleet_options_init(struct aksnet_fleet_options *options)
{
    if (!options)
        return;
    memset(options, 0, sizeof(*options));
    aksnet_provision_options_init(&options->run);
    options->parallel = AKSNET_FLEET_PARALLEL_DEFAULT;
}

/* ---- events ------------------------------------------------------------------------------ */

static void member_emit(void *ctx, const struct aksnet_event *event)
{
    struct member *m = ctx;
    struct fleet *f = m->fleet;
    if (!f->o->events.emit)
        return;
    pthread_mutex_lock(&f->sink);
    f->o->events.emit(f->o->events.ctx, m->index, event);
    pthread_mutex_unlock(&f->sink);
}

static void tell_plan(struct fleet *f, size_t i)
{
    if (!f->o->events.plan)
        return;
    pthread_mutex_lock(&f->sink);
    f->o->events.plan(f->o->events.ctx, i, &f->results[i]);
    pthread_mutex_unlock(&f->sink);
}

/* A credential that failed fails every plan alike (one serves them all); a cancel stops the client for all. */
static bool stops_the_fleet(aksnet_code rc)
{
    return rc == AKSNET_EAUTH || rc == AKSNET_ECANCELED;
}

/* ---- the work: read one VNet, or run one plan --------------------------------------------------- */

static void read_vnet(struct fleet *f, struct member *m)
{
    struct aksnet__arm_client *client = NULL;
    struct aksnet_error err;
    aksnet_error_clear(&err);
    if (aksnet__client_acquire(f->o->run.client, &client, &err) != AKSNET_OK)
        return;
    aksnet_code rc = aksnet__arm_get(client, m->vnet, AKSNET_API_NETWORK, &m->vnet_body, &err);
    aksnet__client_release(f->o->run.client, client);
    if (rc == AKSNET_OK)
        return;
    m->vnet_body = NULL; /* not checked: the plan's own run meets the same refusal and reports it */
    pthread_mutex_lock(&f->lock);
    if (stops_the_fleet(rc) && f->stopped_by == SIZE_MAX) {
        f->stopped_by = m->index; /* but a credential that fails would fail every plan alike, and a cancel stop */
        f->stop_rc = rc;
        f->stop = err;
    }
    pthread_mutex_unlock(&f->lock);
}

static void run_plan(struct fleet *f, struct member *m)
{
    const struct aksnet_plan *plan = f->o->plans[m->index];
    struct aksnet_fleet_result *r = &f->results[m->index];
    struct aksnet_provision_options o = f->o->run;
    o.plan = plan;
    o.events = (struct aksnet_event_sink){member_emit, m};
    if (plan->role_assignment.wait_seconds >= 0)
        o.principal_wait = (double)plan->role_assignment.wait_seconds;
    double start = f->clock->now(f->clock->ctx);
    r->started = true;
    tell_plan(f, m->index);
    r->rc = aksnet_provision_run(&o, &r->run, &r->error);
    r->seconds = f->clock->now(f->clock->ctx) - start;
    r->finished = true;
    tell_plan(f, m->index);
}

/* ---- the workers --------------------------------------------------------------------------------- */

/* May member i be taken now?  Locked. */
static bool eligible(const struct fleet *f, size_t i)
{
    const struct member *m = &f->members[i];
    if (f->taken[i])
        return false;
    if (f->checking)
        return m->read;
    for (size_t k = 0; k < f->nrunning; k++)
        if (m->vnet[0] && aksnet__provision_same_id(f->members[f->running[k]].vnet, m->vnet))
            return false;
    return true;
}

/* The next member to work on, waiting while the rest wait for a shared VNet; SIZE_MAX when none is left.  Locked. */
static size_t take(struct fleet *f)
{
    if (f->stopped_by != SIZE_MAX)
        return SIZE_MAX;
    for (;;) {
        while (f->first < f->o->count && f->taken[f->first])
            f->first++;
        bool left = false;
        for (size_t i = f->first; i < f->o->count; i++) {
            if (f->taken[i] || (f->checking && !f->members[i].read))
                continue;
            left = true;
            if (eligible(f, i)) {
                f->taken[i] = true;
                f->running[f->nrunning++] = i;
                return i;
            }
        }
        if (!left)
            return SIZE_MAX;
        pthread_cond_wait(&f->cond, &f->lock);
        if (f->stopped_by != SIZE_MAX)
            return SIZE_MAX;
    }
}

/* A member is finished; when its end stops the fleet, no further plan starts.  Locked. */
static void done(struct fleet *f, size_t i)
{
    if (!f->checking && stops_the_fleet(f->results[i].rc) && f->stopped_by == SIZE_MAX) {
        f->stopped_by = i;
        f->stop_rc = f->results[i].rc;
        f->stop = f->results[i].error;
    }
    for (size_t k = 0; k < f->nrunning; k++)
        if (f->running[k] == i) {
            f->running[k] = f->running[--f->nrunning];
            break;
        }
    pthread_cond_broadcast(&f->cond);
}

static void *worker(void *arg)
{
    struct fleet *f = arg;
    pthread_mutex_lock(&f->lock);
    for (size_t i; (i = take(f)) != SIZE_MAX;) {
        pthread_mutex_unlock(&f->lock);
        if (f->checking)
            read_vnet(f, &f->members[i]);
        else
            run_plan(f, &f->members[i]);
        pthread_mutex_lock(&f->lock);
        done(f, i);
    }
    pthread_mutex_unlock(&f->lock);
    return NULL;
}

/* Work through the members of the phase with up to `parallel` threads (the caller's own when none can start). */
static void work(struct fleet *f, bool checking)
{
    f->checking = checking;
    f->first = 0;
    memset(f->taken, 0, f->o->count * sizeof(*f->taken));
    size_t n = f->o->parallel ? f->o->parallel : AKSNET_FLEET_PARALLEL_DEFAULT;
    if (checking && n < READS_AT_ONCE)
        n = READS_AT_ONCE; /* a read is cheap, and every plan waits for all of them */
    if (n > f->o->count)
        n = f->o->count;
    pthread_t threads[AKSNET_FLEET_PARALLEL_MAX];
    size_t started = 0;
    while (started < n && pthread_create(&threads[started], NULL, worker, f) == 0)
        started++;
    if (started == 0)
        worker(f);
    for (size_t i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
}

/* ---- the check: pod ranges of peered VNets -------------------------------------------------------- */

/* Does the VNet as read list a peering with the VNet `other`? */
static bool peers_with(const cJSON *vnet, const char *other)
{
    const cJSON *p;
    cJSON_ArrayForEach(p, aksnet__json_at(vnet, "properties.virtualNetworkPeerings"))
    {
        if (aksnet__provision_same_id(aksnet__json_str(aksnet__json_at(p, "properties.remoteVirtualNetwork"), "id"),
                                      other))
            return true;
    }
    return false;
}

/* Pairs in two VNets whose pod ranges overlap: the ones a peering would make a conflict. */
static bool candidates(const struct member *a, const struct member *b)
{
    return a->pod_ok && b->pod_ok && a->vnet[0] && b->vnet[0] && !aksnet__provision_same_id(a->vnet, b->vnet) &&
           aksnet__cidr_overlaps(&a->pod, &b->pod);
}

/* The member among the first `before` that reads m's VNet, or NULL. */
static const struct member *vnet_of(const struct fleet *f, const struct member *m, size_t before)
{
    for (size_t i = 0; i < before; i++)
        if (f->members[i].read && aksnet__provision_same_id(f->members[i].vnet, m->vnet))
            return &f->members[i];
    return NULL;
}

/* m's VNet as read. */
static const cJSON *vnet_body(const struct fleet *f, const struct member *m)
{
    const struct member *r = vnet_of(f, m, f->o->count);
    return r ? r->vnet_body : NULL;
}

/* Read the VNets that matter and report every pair of plans in peered VNets with overlapping pod ranges. */
static size_t check_peerings(struct fleet *f, struct aksnet_findings *findings)
{
    size_t count = f->o->count, reads = 0, found = 0;
    for (size_t i = 0; i < count; i++)
        for (size_t k = i + 1; k < count; k++)
            if (candidates(&f->members[i], &f->members[k]))
                f->members[i].needed = f->members[k].needed = true;
    for (size_t i = 0; i < count; i++) {
        struct member *m = &f->members[i];
        m->read = m->needed && !vnet_of(f, m, i);
        reads += m->read;
    }
    if (reads == 0)
        return 0;
    work(f, true);
    if (f->stopped_by != SIZE_MAX)
        return 0; /* the credential failed: nothing more can be known, nor done */
    for (size_t i = 0; i < count; i++)
        for (size_t k = i + 1; k < count; k++) {
            const struct member *a = &f->members[i], *b = &f->members[k];
            if (!candidates(a, b) || !(peers_with(vnet_body(f, a), b->vnet) || peers_with(vnet_body(f, b), a->vnet)))
                continue;
            char x[AKSNET_CIDR_STRLEN], y[AKSNET_CIDR_STRLEN];
            const struct aksnet_plan *pa = f->o->plans[i], *pb = f->o->plans[k];
            aksnet_findings_add(findings, "fleet-pod-overlap", AKSNET_SEVERITY_ERROR, "cluster.podCidr",
                                "%s's pod range %s overlaps %s's pod range %s, and their VNets %s and %s are peered; "
                                "pod ranges must not be in use elsewhere in the network "
                                "(learn.microsoft.com/azure/aks/configure-kubenet)",
                                pa->source, aksnet__cidr_format(&a->pod, x), pb->source,
                                aksnet__cidr_format(&b->pod, y), a->vnet, b->vnet);
            found++;
        }
    return found;
}

/* ---- the run ---------------------------------------------------------------------------------------- */

static aksnet_code setup(struct fleet *f, const struct aksnet_fleet_options *o, struct aksnet_fleet_result *results,
                         struct aksnet_error *err)
{
    f->o = o;
    f->results = results;
    f->stopped_by = SIZE_MAX;
    f->clock = aksnet__client_clock(o->run.client);
    f->members = calloc(o->count, sizeof(*f->members));
    f->taken = calloc(o->count, sizeof(*f->taken));
    f->running = calloc(o->count, sizeof(*f->running));
    if (!f->members || !f->taken || !f->running)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    for (size_t i = 0; i < o->count; i++) {
        struct member *m = &f->members[i];
        m->fleet = f;
        m->index = i;
        struct aksnet_resource_ids ids;
        if (aksnet__resources_ids(o->plans[i], &ids, NULL) == AKSNET_OK)
            memcpy(m->vnet, ids.vnet, sizeof(m->vnet));
        m->pod_ok = o->plans[i]->cluster.pod_cidr &&
                    aksnet__cidr_parse(o->plans[i]->cluster.pod_cidr, &m->pod) == AKSNET_CIDR_OK;
    }
    memset(results, 0, o->count * sizeof(*results));
    return AKSNET_OK;
}

static void teardown(struct fleet *f)
{
    for (size_t i = 0; f->members && i < f->o->count; i++)
        cJSON_Delete(f->members[i].vnet_body);
    free(f->members);
    free(f->taken);
    free(f->running);
}

/* AKSNET_OK, or the first failed plan's code, with how many failed (plans not started count too). */
static aksnet_code outcome(const struct fleet *f, struct aksnet_error *err)
{
    for (size_t i = 0; f->stopped_by != SIZE_MAX && i < f->o->count; i++) {
        if (f->results[i].started)
            continue;
        f->results[i].rc = f->stop_rc;
        if (f->stop_rc == AKSNET_ECANCELED)
            aksnet_error_set(&f->results[i].error, f->stop_rc, "not started: interrupted");
        else
            aksnet_error_set(&f->results[i].error, f->stop_rc, "not started: the credential failed (%s): %s",
                             f->o->plans[f->stopped_by]->source, f->stop.message);
    }
    size_t failed = 0, first = SIZE_MAX;
    for (size_t i = 0; i < f->o->count; i++)
        if (f->results[i].rc != AKSNET_OK && failed++ == 0)
            first = i;
    if (!failed)
        return AKSNET_OK;
    const struct aksnet_fleet_result *r = &f->results[first];
    aksnet_code rc = aksnet_error_set(err, r->rc, "%zu of %zu plans failed; the first, %s: %s", failed,
                                      f->o->count, f->o->plans[first]->source, r->error.message);
    if (err) {
        snprintf(err->arm_code, sizeof(err->arm_code), "%s", r->error.arm_code);
        snprintf(err->arm_message, sizeof(err->arm_message), "%s", r->error.arm_message);
        snprintf(err->request_id, sizeof(err->request_id), "%s", r->error.request_id);
        err->http_status = r->error.http_status;
    }
    return rc;
}

aksnet_code aksnet_fleet_run(const struct aksnet_fleet_options *o, struct aksnet_fleet_result *results,
                             struct aksnet_findings *findings, struct aksnet_error *err)
{
    aksnet_error_clear(err);
    if (!o || !o->plans || !o->count || !results || !o->run.client || !findings)
        return aksnet_error_set(err, AKSNET_EINVAL, "fleet: plans, results, findings and a client are needed");
    if (o->parallel > AKSNET_FLEET_PARALLEL_MAX)
        return aksnet_error_set(err, AKSNET_EINVAL, "fleet: at most %d plans at once, not %zu",
                                AKSNET_FLEET_PARALLEL_MAX, o->parallel);
    for (size_t i = 0; i < o->count; i++)
        if (!o->plans[i])
            return aksnet_error_set(err, AKSNET_EINVAL, "fleet: plan %zu is missing", i);
    struct fleet f;
    memset(&f, 0, sizeof(f));
    pthread_mutex_init(&f.lock, NULL);
    pthread_cond_init(&f.cond, NULL);
    pthread_mutex_init(&f.sink, NULL);
    aksnet_code rc = setup(&f, o, results, err);
    if (rc == AKSNET_OK && o->run.mode != AKSNET_RUN_DESTROY) {
        size_t found = check_peerings(&f, findings);
        if (found)
            rc = aksnet_error_set(err, AKSNET_EPLAN, "%zu pair%s of plans in peered VNets %s overlapping pod "
                                  "ranges; nothing was written", found, found == 1 ? "" : "s",
                                  found == 1 ? "has" : "have");
    }
    if (rc == AKSNET_OK) {
        work(&f, false);
        rc = outcome(&f, err);
    }
    teardown(&f);
    pthread_mutex_destroy(&f.sink);
    pthread_cond_destroy(&f.cond);
    pthread_mutex_destroy(&f.lock);
    return rc;
}
