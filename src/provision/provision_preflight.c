/*
 * provision_preflight.c - what would otherwise fail late, checked before
 * the first write (docs/architecture.md, "The engine"):
 *
 *   - the resource providers are registered (in APPLY mode registered if
 *     not, as the Azure SDKs do on MissingSubscriptionRegistration: POST
 *     .../register, then GET every 10 s until Registered);
 *   - the subnet hosts no other cluster and the route table serves no other
 *     cluster (from the subscription's list of managed clusters);
 *   - the user's subnet is not associated with a route table other than the
 *     plan's (aksnet would replace that association, and the user's routes
 *     with it);
 *   - the plan's ranges against those in use around its VNet, as ARM holds
 *     them (provision_taken.c: the VNet's other subnets, its peerings'
 *     remote address spaces, other clusters' pod and service ranges in it or
 *     a peered VNet), by aksnet_suggest_check's rules and stable codes
 *     (peering-overlap, cluster-pod-overlap, service-cidr-reachable, ...);
 *   - a warning for an NSG on the subnet: AKS never edits a user's NSG.
 *
 * A check aksnet is not allowed to make (403 on a subscription-wide read,
 * for a user whose rights end at a resource group) becomes a warning, not
 * a failure: the step it guards still fails, later, with ARM's own words.
 *
 * The reads (each provider, the cluster list) are tasks of the read phase's
 * graph (provision.c), each on a thread of its own beside the steps' reads;
 * the checks that need every read run after them.
 */
#include "provision_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


#define REGISTER_POLL 10.0   /* seconds between two reads of a provider being registered */

/* ---- providers -------------------------------------------------------------------------- */

static const char *registration_state(const cJSON *provider)
{
    const char *s = aksnet__json_str(provider, "registrationState");
    return s ? s : "unknown";
}

static bool registered(const cJSON *provider)
{
    return strcasecmp(registration_state(provider), "Registered") == 0;
}

/* A subscription-wide read refused for lack of rights: a skipped check, not a failure. */
static bool forbidden(aksnet_code rc, const struct aksnet_error *err)
{
    return rc == AKSNET_EARM && err->http_status == 403;
}

/* POST .../register and read the provider every REGISTER_POLL seconds until it is Registered. */
static aksnet_code register_provider(struct aksnet__provision_run *run, const struct aksnet__arm_client *client,
                                     const char *id, const char *ns, struct aksnet_error *err)
{
    char action[AKSNET_ID_MAX], status[PV_STATUS_MAX];
    aksnet__provision_format(action, sizeof(action), "%s/register", id);
    aksnet__provision_format(status, sizeof(status), "registering resource provider %s", ns);
    aksnet__provision_emit(run, AKSNET_STEP_PREFLIGHT, AKSNET_STATE_WAITING, status, NULL);
    aksnet_code rc = aksnet__arm_post(client, action, AKSNET_API_RESOURCES, NULL, NULL, err);
    aksnet__provision_count_write(run);
    if (rc != AKSNET_OK)
        return rc;
    double limit = run->o->step_deadline > 0 ? run->o->step_deadline : 1800.0;
    double start = aksnet__provision_now(run);
    for (;;) {
        cJSON *provider = NULL;
        rc = aksnet__arm_get(client, id, AKSNET_API_RESOURCES, &provider, err);
        bool done = rc == AKSNET_OK && registered(provider);
        aksnet__provision_format(status, sizeof(status), "%s: %s", ns, registration_state(provider));
        cJSON_Delete(provider);
        if (rc != AKSNET_OK || done)
            return rc;
        aksnet__provision_emit(run, AKSNET_STEP_PREFLIGHT, AKSNET_STATE_WAITING, status, NULL);
        if (aksnet__provision_now(run) - start + REGISTER_POLL > limit)
            return aksnet_error_set(err, AKSNET_ETIMEOUT,
                                    "resource provider %s still not registered after %.0f s; resume with the "
                                    "operation URL %s/%s?api-version=%s",
                                    ns, limit, client->endpoint, id + 1, AKSNET_API_RESOURCES);
        run->clock->sleep(run->clock->ctx, REGISTER_POLL);
    }
}

/* What aksnet writes of each provider: the resource type and the api-version it sends. */
static const struct offered_type {
    const char *ns, *type, *api;
    bool located;             /* has a location (role assignments do not) */
} WRITES[] = {
    {"Microsoft.Network", "virtualNetworks", AKSNET_API_NETWORK, true},
    {"Microsoft.Network", "routeTables", AKSNET_API_NETWORK, true},
    {"Microsoft.ContainerService", "managedClusters", AKSNET_API_AKS, true},
    {"Microsoft.ManagedIdentity", "userAssignedIdentities", AKSNET_API_IDENTITY, true},
    {"Microsoft.Authorization", "roleAssignments", AKSNET_API_AUTHORIZATION, false},
};

/* "China East 2" (how providers list locations) and "chinaeast2" name one region. */
static bool same_location(const char *a, const char *b)
{
    while (*a || *b) {
        if (*a == ' ') {
            a++;
        } else if (*b == ' ') {
            b++;
        } else if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) {
            return false;
        } else {
            a++;
            b++;
        }
    }
    return true;
}

/* Whether a JSON array of strings holds want (as a location, or a plain value); its first values go to seen. */
static bool listed(const cJSON *array, const char *want, bool by_location, char *seen, size_t len)
{
    const cJSON *v;
    size_t w = 0;
    seen[0] = '\0';
    cJSON_ArrayForEach(v, array)
    {
        if (!cJSON_IsString(v))
            continue;
        if (by_location ? same_location(v->valuestring, want) : strcasecmp(v->valuestring, want) == 0)
            return true;
        if (w + strlen(v->valuestring) + 3 < len)
            w += (size_t)snprintf(seen + w, len - w, "%s%s", w ? ", " : "", v->valuestring);
    }
    return !cJSON_IsArray(array) || cJSON_GetArraySize(array) == 0; /* nothing listed: nothing to judge */
}

/*
 * Whether the cloud offers what aksnet will send: the provider's
 * resourceTypes[] (ProviderResourceType in specification/resources/
 * resource-manager/Microsoft.Resources/stable/2021-04-01/resources.json:
 * resourceType, locations as display names, apiVersions) must list
 * aksnet's api-version and the plan's location for each type it writes.
 * Sovereign clouds lag behind the public one: better to stop here than at
 * the PUT of a half-built deployment.  A type not listed is left to ARM.
 */
static aksnet_code check_offered(struct aksnet__provision_run *run, const char *ns, const cJSON *provider,
                                 struct aksnet_error *err)
{
    char seen[256];
    for (size_t i = 0; i < sizeof(WRITES) / sizeof(WRITES[0]); i++) {
        const struct offered_type *t = &WRITES[i];
        if (strcmp(t->ns, ns) != 0)
            continue;
        const cJSON *rt = NULL, *e;
        cJSON_ArrayForEach(e, aksnet__json_at(provider, "resourceTypes"))
        {
            const char *name = aksnet__json_str(e, "resourceType");
            if (name && strcasecmp(name, t->type) == 0)
                rt = e;
        }
        if (!rt)
            continue;
        if (!listed(aksnet__json_at(rt, "apiVersions"), t->api, false, seen, sizeof(seen)))
            return aksnet_error_set(err, AKSNET_EPLAN,
                                    "this cloud's %s/%s does not offer api-version %s, which aksnet sends (it "
                                    "offers %.120s); no resource was written",
                                    ns, t->type, t->api, seen);
        if (t->located && !listed(aksnet__json_at(rt, "locations"), run->plan->location, true, seen, sizeof(seen)))
            return aksnet_error_set(err, AKSNET_EPLAN,
                                    "%s/%s is not offered in location '%s' (offered: %.150s); choose one of those "
                                    "locations; no resource was written",
                                    ns, t->type, run->plan->location, seen);
    }
    return AKSNET_OK;
}

/* The providers a run needs, in the order they are checked; NULL where this run needs none. */
static const char *provider_namespace(const struct aksnet__provision_run *run, size_t i)
{
    const char *namespaces[AKSNET__PROVISION_PROVIDERS] = {
        "Microsoft.Network", "Microsoft.ContainerService", "Microsoft.Authorization",
        run->system_assigned || run->user_identity ? NULL : "Microsoft.ManagedIdentity"};
    return i < AKSNET__PROVISION_PROVIDERS ? namespaces[i] : NULL;
}

aksnet_code aksnet__provision_preflight_provider(struct aksnet__provision_run *run,
                                                 const struct aksnet__arm_client *client, size_t i,
                                                 struct aksnet_error *err)
{
    const char *ns = provider_namespace(run, i);
    if (!ns)
        return AKSNET_OK;
    char id[AKSNET_ID_MAX], status[PV_STATUS_MAX];
    aksnet__provision_format(id, sizeof(id), "/subscriptions/%s/providers/%s", run->plan->subscription_id, ns);
    cJSON *provider = NULL;
    aksnet_code rc = aksnet__arm_get(client, id, AKSNET_API_RESOURCES, &provider, err);
    if (forbidden(rc, err)) {
        aksnet__provision_format(status, sizeof(status), "cannot read the registration of %s (%s): not checked", ns,
                                 err->arm_code);
        aksnet__provision_warn(run, AKSNET_STEP_PREFLIGHT, status);
        aksnet_error_clear(err);
        return AKSNET_OK;
    }
    if (rc == AKSNET_OK)
        rc = check_offered(run, ns, provider, err);
    if (rc != AKSNET_OK) {
        cJSON_Delete(provider);
        return rc;
    }
    bool ok = !provider || registered(provider); /* 404: an RP ARM does not know here; AKS will say */
    aksnet__provision_format(status, sizeof(status), "resource provider %s is %s%s", ns, registration_state(provider),
                             run->o->mode == AKSNET_RUN_PLAN ? ": provision registers it" : "");
    cJSON_Delete(provider);
    if (ok)
        return AKSNET_OK;
    if (run->o->mode == AKSNET_RUN_PLAN) {
        aksnet__provision_warn(run, AKSNET_STEP_PREFLIGHT, status);
        return AKSNET_OK;
    }
    return register_provider(run, client, id, ns, err);
}

/* ---- other clusters ----------------------------------------------------------------------- */

/* The subnets (other than ours) the route table is associated with, as read; NULL when none. */
static const cJSON *route_table_subnets(const struct aksnet__provision_run *run)
{
    return aksnet__json_at(run->route_table, "properties.subnets");
}

/* Is sid one of the subnets (other than ours) the route table serves? */
static bool served_by_route_table(const struct aksnet__provision_run *run, const char *sid)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, route_table_subnets(run))
    {
        const char *id = aksnet__json_str(s, "id");
        if (aksnet__provision_same_id(id, sid) && !aksnet__provision_same_id(id, run->ids.subnet))
            return true;
    }
    return false;
}

/*
 * Another cluster (not the plan's) with a pool on our subnet, or on a
 * subnet our route table serves: its id, with the subnet in which.
 */
static const char *conflict_of(const struct aksnet__provision_run *run, const cJSON *cluster, bool *route_table,
                               char *which, size_t which_size)
{
    const char *other = aksnet__json_str(cluster, "id");
    if (!other || aksnet__provision_same_id(other, run->ids.cluster))
        return NULL;
    const cJSON *pool;
    cJSON_ArrayForEach(pool, aksnet__json_at(cluster, "properties.agentPoolProfiles"))
    {
        const char *sid = aksnet__json_str(pool, "vnetSubnetID");
        bool on_subnet = run->subnet && aksnet__provision_same_id(sid, run->ids.subnet);
        if (sid && (on_subnet || served_by_route_table(run, sid))) {
            *route_table = !on_subnet;
            aksnet__provision_format(which, which_size, "%s", sid);
            return other;
        }
    }
    return NULL;
}

/* The cluster list against our subnet and route table; the ranges of those nearby go to t. */
static aksnet_code check_clusters(const struct aksnet__provision_run *run, const cJSON *clusters,
                                  struct aksnet__taken *t, struct aksnet_error *err)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, clusters)
    {
        if (aksnet__taken_cluster(t, c) != AKSNET_OK)
            return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
        bool by_route_table = false;
        char which[AKSNET_ID_MAX];
        const char *other = conflict_of(run, c, &by_route_table, which, sizeof(which));
        if (!other)
            continue;
        if (by_route_table)
            return aksnet_error_set(err, AKSNET_EPLAN,
                                    "the route table %.200s already serves managed cluster %.200s (through subnet "
                                    "%.200s); a route table serves one cluster",
                                    run->ids.route_table, other, which);
        return aksnet_error_set(err, AKSNET_EPLAN,
                                "the subnet %.250s already hosts managed cluster %.200s; a kubenet cluster needs a "
                                "subnet of its own",
                                which, other);
    }
    return AKSNET_OK;
}

/*
 * The subscription's managed clusters, every page, into run->clusters for
 * the checks against our subnet, route table and ranges.  A list that does
 * not end (a nextLink loop, too many pages) fails the preflight: the check
 * could not be made, and passing it unmade would let two clusters share a
 * subnet.
 */
aksnet_code aksnet__provision_read_clusters(struct aksnet__provision_run *run, const struct aksnet__arm_client *client,
                                            struct aksnet_error *err)
{
    if (!run->subnet && !run->route_table && !run->vnet)
        return AKSNET_OK; /* none exists yet: nothing else can be using them, nor sit beside them */
    char id[AKSNET_ID_MAX];
    aksnet__provision_format(id, sizeof(id), "/subscriptions/%s/providers/Microsoft.ContainerService/managedClusters",
                             run->plan->subscription_id);
    cJSON *clusters = NULL;
    aksnet_code rc = aksnet__arm_list(client, id, AKSNET_API_AKS, NULL, &clusters, err);
    if (forbidden(rc, err)) {
        char status[PV_STATUS_MAX];
        aksnet__provision_format(
            status, sizeof(status),
            "cannot list the subscription's managed clusters (%s): whether another cluster uses the subnet "
            "or the route table, or the pod range of one nearby, is not checked",
            err->arm_code);
        aksnet__provision_warn(run, AKSNET_STEP_PREFLIGHT, status);
        aksnet_error_clear(err);
        return AKSNET_OK;
    }
    if (rc == AKSNET_OK)
        run->clusters = clusters;
    else
        cJSON_Delete(clusters);
    return rc;
}

/* ---- the network ---------------------------------------------------------------------------- */

/*
 * The plan's ranges against those in use around its VNet: each warning is
 * told, the first error stops the run before any write, with its code.
 */
static aksnet_code check_ranges(struct aksnet__provision_run *run, const struct aksnet_taken_list *taken,
                                struct aksnet_error *err)
{
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    aksnet_code rc = aksnet_suggest_check(run->plan, taken->items, taken->count, &f);
    const struct aksnet_finding *first = NULL;
    size_t errors = 0;
    char status[PV_STATUS_MAX];
    for (size_t i = 0; rc == AKSNET_OK && i < f.count; i++) {
        const struct aksnet_finding *x = &f.items[i];
        if (x->severity == AKSNET_SEVERITY_ERROR) {
            first = first ? first : x;
            errors++;
            continue;
        }
        aksnet__provision_format(status, sizeof(status), "%s %s: %s", x->code, x->field, x->message);
        aksnet__provision_warn(run, AKSNET_STEP_PREFLIGHT, status);
    }
    if (rc != AKSNET_OK)
        rc = aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    else if (first)
        rc = aksnet_error_set(err, AKSNET_EPLAN, "%s %s: %s%s", first->code, first->field, first->message,
                              errors > 1 ? " (and more range conflicts: aksnet suggest --from-arm chooses around "
                                           "them)" : "");
    aksnet_findings_free(&f);
    return rc;
}

/* The user's subnet associated with another route table: aksnet would replace that association. */
static aksnet_code check_subnet_route_table(const struct aksnet__provision_run *run, struct aksnet_error *err)
{
    const char *have = aksnet__json_str(run->subnet, "properties.routeTable.id");
    if (!run->vnet_existing || !have || !run->ids.route_table[0] ||
        aksnet__provision_same_id(have, run->ids.route_table))
        return AKSNET_OK;
    const char *have_name = strrchr(have, '/'), *want_name = strrchr(run->ids.route_table, '/');
    return aksnet_error_set(err, AKSNET_EPLAN,
                            "the user's subnet %.200s is associated with route table '%.80s'; aksnet would replace "
                            "that association with its '%.80s', and the subnet's routes with it: remove the "
                            "association first, or use that route table (network.routeTable, in the plan's group)",
                            run->ids.subnet, have_name ? have_name + 1 : have,
                            want_name ? want_name + 1 : run->ids.route_table);
}

/* An NSG on the subnet: AKS never edits it, so it must let nodes and pods talk. */
static void warn_nsg(struct aksnet__provision_run *run)
{
    const char *nsg = aksnet__json_str(run->subnet, "properties.networkSecurityGroup.id");
    if (!nsg)
        return;
    const char *range = aksnet__json_str(run->subnet, "properties.addressPrefix");
    char status[PV_STATUS_MAX];
    aksnet__provision_format(
        status, sizeof(status),
        "the subnet has network security group %.300s; AKS never edits a user's NSG: it must allow traffic "
        "between the node subnet (%s) and the pod range (%s) both ways",
        nsg,
        range                              ? range
        : run->plan->subnet.address_prefix ? run->plan->subnet.address_prefix
                                           : "?",
        run->plan->cluster.pod_cidr ? run->plan->cluster.pod_cidr : "?");
    aksnet__provision_warn(run, AKSNET_STEP_PREFLIGHT, status);
}

aksnet_code aksnet__provision_preflight_network(struct aksnet__provision_run *run, struct aksnet_error *err)
{
    aksnet__provision_emit(run, AKSNET_STEP_PREFLIGHT, AKSNET_STATE_READING,
                           "subnet, route table, and the ranges around the VNet", NULL);
    struct aksnet__taken t;
    aksnet_code rc = aksnet__taken_init(&t, run->ids.vnet, run->ids.subnet, run->ids.cluster);
    if (rc == AKSNET_OK)
        rc = check_subnet_route_table(run, err);
    else
        aksnet_error_set(err, rc, "out of memory");
    if (rc == AKSNET_OK && run->vnet && aksnet__taken_vnet(&t, run->vnet) != AKSNET_OK)
        rc = aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    if (rc == AKSNET_OK)
        rc = check_clusters(run, run->clusters, &t, err);
    if (rc == AKSNET_OK)
        rc = check_ranges(run, t.list, err);
    if (rc == AKSNET_OK)
        warn_nsg(run);
    aksnet__taken_done(&t);
    return rc;
}
