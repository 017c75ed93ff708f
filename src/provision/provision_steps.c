/*
 * provision_steps.c - each step's read (GET, the body it would send, the
 * difference, the verdict) and write (PUT, following the operation).
 *
 * Bodies of resources that exist are built from what ARM holds (resources.c
 * keeps whatever aksnet does not own), so an equal resource compares equal
 * and a re-run sends no PUT.  The user's VNet is never written: only its
 * subnet, whole, through .../subnets/{name}.
 */
#include "provision_internal.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ROLE_RETRY_FIRST 5.0   /* seconds before the first retry of a refused write */
#define ROLE_RETRY_CAP 30.0    /* longest wait between two tries */

/* ---- deciding ------------------------------------------------------------------------- */

/* "path: have -> want; ..." for the differences that match want_immutable. */
static void describe(const struct aksnet__differences *d, bool want_immutable, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < d->count && used + 1 < size; i++) {
        const struct aksnet__difference *x = &d->items[i];
        if (x->immutable != want_immutable)
            continue;
        int n = snprintf(out + used, size - used, "%s%s: %s -> %s", used ? "; " : "", x->path, x->have, x->want);
        if (n < 0)
            break;
        used += (size_t)n < size - used ? (size_t)n : size - used - 1;
    }
}

/*
 * Compare the body aksnet would send with what ARM holds: absent -> CREATE,
 * equal -> NOOP, different -> UPDATE (the fields in st->fields), unless a
 * difference is one ARM cannot apply in place: AKSNET_EPLAN naming it.
 */
static aksnet_code decide(struct aksnet__provision_run *run, struct aksnet__provision_step *st, const char *arm_type,
                          struct aksnet_error *err)
{
    if (!st->body)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory building the %s body", aksnet_step_name(st->id));
    if (!st->existing) {
        st->decision = AKSNET_STATE_CREATE;
        aksnet__provision_emit(run, st->id, AKSNET_STATE_CREATE, "absent: will be created", NULL);
        return AKSNET_OK;
    }
    struct aksnet__differences d;
    aksnet_code rc = aksnet__resources_diff(st->body, st->existing, aksnet__resources_immutable_paths(arm_type), &d);
    if (rc != AKSNET_OK)
        return aksnet_error_set(err, rc, "cannot compare the %s: %s", aksnet_step_name(st->id), aksnet_strerror(rc));
    bool immutable = false;
    for (size_t i = 0; i < d.count; i++)
        immutable = immutable || d.items[i].immutable;
    if (immutable) {
        char fields[PV_STATUS_MAX];
        describe(&d, true, fields, sizeof(fields));
        aksnet__resources_differences_free(&d);
        return aksnet_error_set(err, AKSNET_EPLAN,
                                "%s %.160s differs in what ARM cannot change in place (a new resource would be "
                                "needed; change the plan back, or delete the resource first): %.260s",
                                aksnet_step_name(st->id), st->resource, fields);
    }
    /*
     * Equal, but not settled: an earlier run stopped (killed, timed out)
     * while ARM was still at it.  Still running: wait for it (no PUT).
     * Failed or Canceled: send it again.
     */
    const char *ps = aksnet__json_str(st->existing, "properties.provisioningState");
    bool failed = ps && (strcasecmp(ps, "Failed") == 0 || strcasecmp(ps, "Canceled") == 0);
    bool running = ps && !failed && strcasecmp(ps, "Succeeded") != 0;
    if (d.count == 0 && failed) {
        st->decision = AKSNET_STATE_UPDATE;
        aksnet__provision_format(st->fields, sizeof(st->fields),
                                 "properties.provisioningState: %s -> Succeeded (sent again)", ps);
        aksnet__provision_emit(run, st->id, AKSNET_STATE_UPDATE, st->fields, NULL);
    } else if (d.count == 0 && running) {
        st->decision = AKSNET_STATE_WAITING;
        aksnet__provision_format(st->fields, sizeof(st->fields), "present and equal, still %s: waiting for it", ps);
        aksnet__provision_emit(run, st->id, AKSNET_STATE_WAITING, st->fields, NULL);
    } else if (d.count == 0) {
        st->decision = AKSNET_STATE_NOOP;
        aksnet__provision_emit(run, st->id, AKSNET_STATE_NOOP, "present and equal", NULL);
    } else {
        st->decision = AKSNET_STATE_UPDATE;
        describe(&d, false, st->fields, sizeof(st->fields));
        aksnet__provision_emit(run, st->id, AKSNET_STATE_UPDATE, st->fields, NULL);
    }
    aksnet__resources_differences_free(&d);
    return AKSNET_OK;
}

static void skip(struct aksnet__provision_run *run, struct aksnet__provision_step *st, const char *why)
{
    st->decision = AKSNET_STATE_SKIPPED;
    aksnet__provision_emit(run, st->id, AKSNET_STATE_SKIPPED, why, NULL);
}

/*
 * GET into st->existing (NULL when absent), after a READING event.  Every
 * step reads at once, the group's read with the others: in a group that
 * does not exist ARM answers 404 ResourceGroupNotFound, which is absent too.
 */
static aksnet_code read_existing(struct aksnet__provision_run *run, const struct aksnet__arm_client *client,
                                 struct aksnet__provision_step *st, const char *id, const char *api,
                                 struct aksnet_error *err)
{
    cJSON_Delete(st->existing);
    st->existing = NULL;
    aksnet__provision_emit(run, st->id, AKSNET_STATE_READING, NULL, NULL);
    return aksnet__arm_get(client, id, api, &st->existing, err);
}

/* A copy of what ARM holds, for the preflight checks (NULL stays NULL). */
static cJSON *keep_copy(const cJSON *resource)
{
    return resource ? cJSON_Duplicate(resource, 1) : NULL;
}

/* How many times a write refused for a stale ETag (412) is read, merged and sent again. */
#define ETAG_RETRIES 3

/* ---- reads ------------------------------------------------------------------------------ */

static aksnet_code read_group(struct aksnet__provision_run *run, const struct aksnet__arm_client *client,
                              struct aksnet__provision_step *st, struct aksnet_error *err)
{
    aksnet_code rc = read_existing(run, client, st, run->ids.group, AKSNET_API_RESOURCES, err);
    if (rc != AKSNET_OK)
        return rc;
    st->body = aksnet__resources_group_body(run->plan);
    if (st->body && !aksnet__resources_keep_existing_tags(st->body, st->existing))
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    return decide(run, st, "Microsoft.Resources/resourceGroups", err);
}

static aksnet_code read_route_table(struct aksnet__provision_run *run, const struct aksnet__arm_client *client,
                                    struct aksnet__provision_step *st, struct aksnet_error *err)
{
    if (!run->ids.route_table[0]) {
        skip(run, st, run->plan->route_table.none
                          ? "no route table of aksnet's (routeTable: false): AKS makes and manages one"
                          : "no route table of aksnet's: AKS makes one for a system-assigned identity");
        return AKSNET_OK;
    }
    aksnet_code rc = read_existing(run, client, st, run->ids.route_table, AKSNET_API_NETWORK, err);
    if (rc != AKSNET_OK)
        return rc;
    run->route_table = keep_copy(st->existing);
    st->body = aksnet__resources_route_table_body(run->plan, st->existing);
    return decide(run, st, "Microsoft.Network/routeTables", err);
}

static aksnet_code read_identity(struct aksnet__provision_run *run, const struct aksnet__arm_client *client,
                                 struct aksnet__provision_step *st, struct aksnet_error *err)
{
    if (run->system_assigned) {
        skip(run, st, "system-assigned identity: AKS makes it with the cluster");
        return AKSNET_OK;
    }
    aksnet_code rc = read_existing(run, client, st, run->ids.identity, AKSNET_API_IDENTITY, err);
    if (rc != AKSNET_OK)
        return rc;
    const char *principal = aksnet__json_str(st->existing, "properties.principalId");
    if (run->user_identity) {
        if (!st->existing)
            return aksnet_error_set(err, AKSNET_EPLAN, "the identity %.300s (identity.id) was not found",
                                    run->ids.identity);
        if (!principal)
            return aksnet_error_set(err, AKSNET_EARM, "the identity %.300s has no principalId", run->ids.identity);
        aksnet__provision_set_principal(run, principal);
        st->decision = AKSNET_STATE_NOOP;
        aksnet__provision_emit(run, st->id, AKSNET_STATE_NOOP, "the user's identity: read, never written", NULL);
        return AKSNET_OK;
    }
    if (principal)
        aksnet__provision_set_principal(run, principal);
    st->body = aksnet__resources_identity_body(run->plan);
    if (st->body && !aksnet__resources_keep_existing_tags(st->body, st->existing))
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    return decide(run, st, "Microsoft.ManagedIdentity/userAssignedIdentities", err);
}

/* The plan's subnet inside a VNet body, or NULL. */
static const cJSON *subnet_in(const cJSON *vnet, const char *name)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, aksnet__json_at(vnet, "properties.subnets"))
    {
        const char *n = aksnet__json_str(s, "name");
        if (n && name && strcasecmp(n, name) == 0)
            return s;
    }
    return NULL;
}

/* The subnet's name: the plan's, or the last segment of its id. */
static const char *subnet_name(const struct aksnet__provision_run *run)
{
    if (run->plan->subnet.name)
        return run->plan->subnet.name;
    const char *slash = strrchr(run->ids.subnet, '/');
    return slash ? slash + 1 : run->ids.subnet;
}

/* A GET on a thread of its own, with an ARM client of its own, beside the task's own reads. */
struct side_get {
    struct aksnet__provision_run *run;
    const char *id;
    cJSON *out;
    aksnet_code rc;
    struct aksnet_error err;
};

static void *side_get(void *arg)
{
    struct side_get *g = arg;
    struct aksnet__arm_client *client = NULL;
    aksnet_error_clear(&g->err);
    g->rc = aksnet__provision_client(g->run, &client, &g->err);
    if (g->rc == AKSNET_OK)
        g->rc = aksnet__arm_get(client, g->id, AKSNET_API_NETWORK, &g->out, &g->err);
    aksnet__provision_release(g->run, client);
    return NULL;
}

/*
 * The user's VNet: read, never written.  Its subnet is read (at the same
 * time: neither read needs the other) and, if it differs (the route table
 * association), written back whole.
 */
static aksnet_code read_user_vnet(struct aksnet__provision_run *run, const struct aksnet__arm_client *client,
                                  struct aksnet__provision_step *st, struct aksnet_error *err)
{
    aksnet__provision_emit(run, st->id, AKSNET_STATE_READING, NULL, NULL);
    struct side_get subnet = {.run = run, .id = run->ids.subnet};
    pthread_t thread;
    bool beside = run->o->parallel && pthread_create(&thread, NULL, side_get, &subnet) == 0;
    aksnet_code rc = aksnet__arm_get(client, run->ids.vnet, AKSNET_API_NETWORK, &run->vnet, err);
    if (beside)
        pthread_join(thread, NULL);
    else if (rc == AKSNET_OK && run->vnet)
        side_get(&subnet);
    st->existing = subnet.out;
    if (rc != AKSNET_OK)
        return rc;
    if (!run->vnet)
        return aksnet_error_set(err, AKSNET_EPLAN,
                                "the VNet %.300s was not found; it is the user's (network.vnet.existing or "
                                "--vnet-subnet-id), so aksnet does not create it",
                                run->ids.vnet);
    if (subnet.rc != AKSNET_OK) {
        *err = subnet.err;
        return subnet.rc;
    }
    if (!st->existing)
        return aksnet_error_set(err, AKSNET_EPLAN,
                                "the subnet %.300s was not found in the user's VNet; aksnet does not create it",
                                run->ids.subnet);
    run->subnet = keep_copy(st->existing);
    st->body = aksnet__resources_subnet_body(run->plan, st->existing, run->ids.route_table);
    return decide(run, st, "Microsoft.Network/virtualNetworks/subnets", err);
}

static aksnet_code read_vnet(struct aksnet__provision_run *run, const struct aksnet__arm_client *client,
                             struct aksnet__provision_step *st, struct aksnet_error *err)
{
    if (run->vnet_existing)
        return read_user_vnet(run, client, st, err);
    aksnet_code rc = read_existing(run, client, st, run->ids.vnet, AKSNET_API_NETWORK, err);
    if (rc != AKSNET_OK)
        return rc;
    run->vnet = keep_copy(st->existing);
    run->subnet = keep_copy(subnet_in(st->existing, subnet_name(run)));
    st->body = aksnet__resources_vnet_body(run->plan, st->existing, run->ids.route_table);
    return decide(run, st, "Microsoft.Network/virtualNetworks", err);
}

static aksnet_code read_cluster(struct aksnet__provision_run *run, const struct aksnet__arm_client *client,
                                struct aksnet__provision_step *st, struct aksnet_error *err)
{
    aksnet_code rc = read_existing(run, client, st, run->ids.cluster, AKSNET_API_AKS, err);
    if (rc != AKSNET_OK)
        return rc;
    const char *principal = aksnet__json_str(st->existing, "identity.principalId");
    if (run->system_assigned && principal)
        aksnet__provision_set_principal(run, principal);
    st->body = aksnet__resources_cluster_merge(aksnet__resources_cluster_body(run->plan, &run->ids), st->existing);
    if (st->body && !aksnet__resources_keep_existing_tags(st->body, st->existing))
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    return decide(run, st, "Microsoft.ContainerService/managedClusters", err);
}

/* The scope of a role assignment step; "" when the plan has none. */
static const char *role_scope(const struct aksnet__provision_run *run, aksnet_step step)
{
    return step == AKSNET_STEP_ROLE_VNET ? run->role_scope : run->ids.route_table;
}

/* Does the scope exist (as read)?  A role assignment cannot be read under a scope that does not. */
static bool scope_exists(const struct aksnet__provision_run *run, aksnet_step step)
{
    if (step == AKSNET_STEP_ROLE_ROUTE_TABLE)
        return run->route_table != NULL;
    return aksnet__provision_same_id(run->role_scope, run->ids.subnet) ? run->subnet != NULL : run->vnet != NULL;
}

/* The id of the assignment of principal at the step's scope; false when it cannot be composed. */
static bool role_id(const struct aksnet__provision_run *run, aksnet_step step, const char *principal,
                    char out[AKSNET_ID_MAX])
{
    char name[37];
    aksnet__resources_role_assignment_name(role_scope(run, step), principal, run->ids.role_definition, name);
    return name[0] && aksnet__resources_role_assignment_id(role_scope(run, step), name, out, AKSNET_ID_MAX) ==
                          AKSNET_OK;
}

/* The last segment of an id ("/.../roleDefinitions/4d97..." -> "4d97..."). */
static const char *last_segment(const char *id)
{
    const char *slash = id ? strrchr(id, '/') : NULL;
    return slash ? slash + 1 : (id ? id : "");
}

/*
 * The same grant made by another client (the Azure CLI names assignments
 * with random GUIDs, aksnet with derived ones): ARM holds one assignment per
 * scope, principal and role, and would refuse ours with RoleAssignmentExists.
 * Found: adopt it, a no-op.  Inherited ones (granted on a parent scope) do
 * not count: the seed asks for the grant on this scope.
 */
static aksnet_code find_role_elsewhere(struct aksnet__provision_run *run, const struct aksnet__arm_client *client,
                                       struct aksnet__provision_step *st, const char *principal,
                                       struct aksnet_error *err)
{
    char path[AKSNET_ID_MAX + 64], filter[PV_PRINCIPAL_MAX + 32];
    const char *scope = role_scope(run, st->id);
    if ((size_t)snprintf(path, sizeof(path), "%s/providers/Microsoft.Authorization/roleAssignments", scope) >=
            sizeof(path) ||
        (size_t)snprintf(filter, sizeof(filter), "principalId eq '%s'", principal) >= sizeof(filter))
        return aksnet_error_set(err, AKSNET_EINVAL, "the scope %.300s is too long to list its role assignments",
                                scope);
    cJSON *list = NULL;
    aksnet_code rc = aksnet__arm_list(client, path, AKSNET_API_AUTHORIZATION, filter, &list, err);
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, list)
    {
        const char *id = aksnet__json_str(it, "id"), *at = aksnet__json_str(it, "properties.scope");
        const char *role = aksnet__json_str(it, "properties.roleDefinitionId");
        if (id && at && role && aksnet__provision_same_id(at, scope) &&
            strcasecmp(last_segment(role), last_segment(run->ids.role_definition)) == 0) {
            aksnet__provision_set_resource(run, st->id, id);
            st->decision = AKSNET_STATE_NOOP;
            aksnet__provision_emit(run, st->id, AKSNET_STATE_NOOP, "present, made by another client under its own name",
                                   NULL);
            break;
        }
    }
    cJSON_Delete(list);
    return rc;
}

static aksnet_code read_role(struct aksnet__provision_run *run, const struct aksnet__arm_client *client,
                             struct aksnet__provision_step *st, struct aksnet_error *err)
{
    if (!role_scope(run, st->id)[0]) {
        skip(run, st, "no route table of aksnet's");
        return AKSNET_OK;
    }
    char principal[PV_PRINCIPAL_MAX], id[AKSNET_ID_MAX];
    aksnet__provision_get_principal(run, principal);
    st->scope_absent = !scope_exists(run, st->id);
    if (!principal[0] || st->scope_absent) {
        st->decision = AKSNET_STATE_CREATE;
        aksnet__provision_emit(run, st->id, AKSNET_STATE_CREATE,
                               run->system_assigned
                                   ? "Network Contributor for the cluster's identity, once it exists"
                                   : "Network Contributor for the identity (principalType ServicePrincipal)",
                               NULL);
        return AKSNET_OK;
    }
    if (!role_id(run, st->id, principal, id))
        return aksnet_error_set(err, AKSNET_EINVAL, "cannot compose the role assignment id at %.300s",
                                role_scope(run, st->id));
    aksnet__provision_set_resource(run, st->id, id);
    aksnet_code rc = read_existing(run, client, st, id, AKSNET_API_AUTHORIZATION, err);
    if (rc == AKSNET_OK && !st->existing)
        rc = find_role_elsewhere(run, client, st, principal, err);
    if (rc != AKSNET_OK || st->decision == AKSNET_STATE_NOOP)
        return rc;
    st->body = aksnet__resources_role_assignment_body(run->ids.role_definition, principal);
    return decide(run, st, "Microsoft.Authorization/roleAssignments", err);
}

aksnet_code aksnet__provision_read_step(struct aksnet__provision_run *run, const struct aksnet__arm_client *client,
                                        aksnet_step step, struct aksnet_error *err)
{
    struct aksnet__provision_step *st = &run->steps[step];
    switch (step) {
    case AKSNET_STEP_GROUP:
        return read_group(run, client, st, err);
    case AKSNET_STEP_ROUTE_TABLE:
        return read_route_table(run, client, st, err);
    case AKSNET_STEP_IDENTITY:
        return read_identity(run, client, st, err);
    case AKSNET_STEP_VNET:
        return read_vnet(run, client, st, err);
    case AKSNET_STEP_CLUSTER:
        return read_cluster(run, client, st, err);
    case AKSNET_STEP_ROLE_VNET:
    case AKSNET_STEP_ROLE_ROUTE_TABLE:
        return read_role(run, client, st, err);
    default:
        return AKSNET_OK;
    }
}

/* ---- writes ------------------------------------------------------------------------------- */

/* Is this failure ARM's code, one of codes? */
static bool arm_code_in(aksnet_code rc, const struct aksnet_error *err, const char *const *codes)
{
    for (size_t i = 0; rc == AKSNET_EARM && err && codes[i]; i++)
        if (strcmp(err->arm_code, codes[i]) == 0)
            return true;
    return false;
}

/*
 * PUT, sending it again while ARM refuses it with one of retry_codes (a
 * principal or a permission that has not reached every region yet), within
 * options->principal_wait on the run's clock: each retry is a RETRYING event
 * with its attempt number, the code and the wait.  Running out of that wait
 * is a timeout (README's exit 5: try again later), ARM's code kept.
 */
static aksnet_code put_retrying(struct aksnet__provision_run *run, const struct aksnet__arm_client *client,
                                aksnet_step step, const char *id, const char *api, const cJSON *body,
                                const char *const *retry_codes, cJSON **out, struct aksnet_error *err)
{
    struct aksnet__provision_lro l;
    aksnet__provision_lro_init(&l, run, step);
    double budget = run->o->principal_wait >= 0 ? run->o->principal_wait : AKSNET_PLAN_ROLE_WAIT_DEFAULT;
    double start = aksnet__provision_now(run), delay = ROLE_RETRY_FIRST;
    for (int attempt = 1;; attempt++) {
        aksnet_code rc = aksnet__arm_put(client, id, api, body, &l.lro, out, err);
        aksnet__provision_count_write(run);
        if (rc == AKSNET_OK || !arm_code_in(rc, err, retry_codes))
            return rc;
        double left = budget - (aksnet__provision_now(run) - start);
        if (left <= 0) {
            char msg[AKSNET_ERROR_MESSAGE_MAX];
            /* what to do first: ARM's message may be long enough to push it out of the buffer */
            aksnet__provision_format(msg, sizeof(msg),
                                     "still refused after %d attempts over %.0f s (a new role assignment may take "
                                     "up to 60 minutes to take effect; run the same command again to resume, or wait "
                                     "longer with --role-wait or roleAssignment.waitSeconds): %s",
                                     attempt, budget, err->message);
            aksnet__provision_format(err->message, sizeof(err->message), "%s", msg);
            err->code = AKSNET_ETIMEOUT;
            return AKSNET_ETIMEOUT;
        }
        double wait = delay < left ? delay : left;
        char status[PV_STATUS_MAX];
        aksnet__provision_format(status, sizeof(status),
                                 "attempt %d refused with %s; attempt %d in %.0f s (%.0f s of %.0f s left)", attempt,
                                 err->arm_code, attempt + 1, wait, left, budget);
        aksnet__provision_emit(run, step, AKSNET_STATE_RETRYING, status, NULL);
        run->clock->sleep(run->clock->ctx, wait);
        delay = delay * 2 < ROLE_RETRY_CAP ? delay * 2 : ROLE_RETRY_CAP;
    }
}

aksnet_code aksnet__provision_put_role(struct aksnet__provision_run *run, const struct aksnet__arm_client *client,
                                       aksnet_step step, const char *id, const cJSON *body, bool *exists,
                                       struct aksnet_error *err)
{
    static const char *const retry[] = {"PrincipalNotFound", NULL};
    *exists = false;
    aksnet_code rc = put_retrying(run, client, step, id, AKSNET_API_AUTHORIZATION, body, retry, NULL, err);
    if (rc == AKSNET_EARM && err->http_status == 409 && strcmp(err->arm_code, "RoleAssignmentExists") == 0) {
        *exists = true;
        aksnet_error_clear(err);
        return AKSNET_OK;
    }
    return rc;
}

/* A plain PUT whose operation is followed; *out (may be NULL) receives the resource. */
static aksnet_code put(struct aksnet__provision_run *run, const struct aksnet__arm_client *client, aksnet_step step,
                       const char *id, const char *api, const cJSON *body, cJSON **out, struct aksnet_error *err)
{
    struct aksnet__provision_lro l;
    aksnet__provision_lro_init(&l, run, step);
    aksnet_code rc = aksnet__arm_put(client, id, api, body, &l.lro, out, err);
    aksnet__provision_count_write(run);
    return rc;
}

/*
 * The route table is shared with AKS's cloud provider, which writes a route
 * for every node into it.  The PUT carries If-Match with the ETag read, so
 * a route added between the read and the write is never dropped: ARM
 * answers 412 instead, and the table is read again, merged again (its
 * routes kept) and sent again.  The Kubernetes cloud provider for Azure
 * writes its routes the same way (kubernetes-sigs/cloud-provider-azure,
 * pkg/azureclients/routetableclient: If-Match with the ETag), and ARM
 * answers such a race with 412 PreconditionFailed /
 * PreconditionFailedEtagMismatch (kubernetes-sigs/cluster-api-provider-azure#682).
 */
static aksnet_code write_route_table(struct aksnet__provision_run *run, const struct aksnet__arm_client *client,
                                     struct aksnet__provision_step *st, struct aksnet_error *err)
{
    for (int attempt = 1;; attempt++) {
        struct aksnet__provision_lro l;
        aksnet__provision_lro_init(&l, run, st->id);
        const char *etag = aksnet__json_str(st->existing, "etag");
        aksnet_code rc = aksnet__arm_put_if_match(client, run->ids.route_table, AKSNET_API_NETWORK, st->body, etag,
                                                  &l.lro, NULL, err);
        aksnet__provision_count_write(run);
        if (rc != AKSNET_EARM || err->http_status != 412 || attempt > ETAG_RETRIES)
            return rc;
        aksnet__provision_emit(run, st->id, AKSNET_STATE_RETRYING,
                               "the route table changed since it was read (412): reading and merging it again", NULL);
        cJSON *now = NULL;
        rc = aksnet__arm_get(client, run->ids.route_table, AKSNET_API_NETWORK, &now, err);
        if (rc != AKSNET_OK)
            return rc;
        cJSON_Delete(st->existing);
        cJSON_Delete(st->body);
        st->existing = now;
        st->body = aksnet__resources_route_table_body(run->plan, st->existing);
        if (!st->body)
            return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    }
}

static aksnet_code write_identity(struct aksnet__provision_run *run, const struct aksnet__arm_client *client,
                                  struct aksnet__provision_step *st, struct aksnet_error *err)
{
    cJSON *out = NULL;
    aksnet_code rc = put(run, client, st->id, run->ids.identity, AKSNET_API_IDENTITY, st->body, &out, err);
    const char *principal = aksnet__json_str(out, "properties.principalId");
    if (rc == AKSNET_OK && !principal)
        rc = aksnet_error_set(err, AKSNET_EARM, "ARM answered the identity %.300s without a principalId",
                              run->ids.identity);
    if (rc == AKSNET_OK)
        aksnet__provision_set_principal(run, principal);
    cJSON_Delete(out);
    return rc;
}

static aksnet_code write_role(struct aksnet__provision_run *run, const struct aksnet__arm_client *client,
                              struct aksnet__provision_step *st, const char **status, struct aksnet_error *err)
{
    char principal[PV_PRINCIPAL_MAX], id[AKSNET_ID_MAX];
    aksnet__provision_get_principal(run, principal);
    if (!principal[0])
        return aksnet_error_set(err, AKSNET_EARM, "no principal to grant the role to: the %s has none",
                                run->system_assigned ? "cluster's identity" : "identity");
    if (!role_id(run, st->id, principal, id))
        return aksnet_error_set(err, AKSNET_EINVAL, "cannot compose the role assignment id at %.300s",
                                role_scope(run, st->id));
    aksnet__provision_set_resource(run, st->id, id);
    cJSON *body = aksnet__resources_role_assignment_body(run->ids.role_definition, principal);
    if (!body)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    bool exists = false;
    aksnet_code rc = aksnet__provision_put_role(run, client, st->id, id, body, &exists, err);
    cJSON_Delete(body);
    if (exists)
        *status = "the role assignment exists under another name: nothing to add";
    return rc;
}

static aksnet_code write_cluster(struct aksnet__provision_run *run, const struct aksnet__arm_client *client,
                                 struct aksnet__provision_step *st, struct aksnet_error *err)
{
    /* A right granted moments ago may not be effective yet (the seed: up to 60 minutes). */
    static const char *const retry[] = {"LinkedAuthorizationFailed", "CustomRouteTableMissingPermission", NULL};
    cJSON *out = NULL;
    /* the cluster as it ended only for its system-assigned principal: no GET after the operation otherwise */
    aksnet_code rc = put_retrying(run, client, st->id, run->ids.cluster, AKSNET_API_AKS, st->body, retry,
                                  run->system_assigned ? &out : NULL, err);
    const char *principal = aksnet__json_str(out, "identity.principalId");
    if (rc == AKSNET_OK && run->system_assigned) {
        if (!principal)
            rc = aksnet_error_set(err, AKSNET_EARM, "ARM answered the cluster %.300s without identity.principalId",
                                  run->ids.cluster);
        else
            aksnet__provision_set_principal(run, principal);
    }
    cJSON_Delete(out);
    return rc;
}

/* Where a step writes: its resource's id and api-version. */
static const char *step_target(const struct aksnet__provision_run *run, aksnet_step step, const char **api)
{
    switch (step) {
    case AKSNET_STEP_GROUP:
        *api = AKSNET_API_RESOURCES;
        return run->ids.group;
    case AKSNET_STEP_ROUTE_TABLE:
        *api = AKSNET_API_NETWORK;
        return run->ids.route_table;
    case AKSNET_STEP_IDENTITY:
        *api = AKSNET_API_IDENTITY;
        return run->ids.identity;
    case AKSNET_STEP_VNET:
        *api = AKSNET_API_NETWORK;
        return run->vnet_existing ? run->ids.subnet : run->ids.vnet;
    case AKSNET_STEP_CLUSTER:
        *api = AKSNET_API_AKS;
        return run->ids.cluster;
    default:
        *api = AKSNET_API_AUTHORIZATION;
        return run->steps[step].resource;
    }
}

/*
 * Wait for an operation an earlier run left running, by the resource's own
 * provisioningState (aksnet__arm_wait takes a resource URL too): no write.
 */
static aksnet_code wait_settled(struct aksnet__provision_run *run, const struct aksnet__arm_client *client,
                                aksnet_step step, struct aksnet_error *err)
{
    const char *api;
    const char *id = step_target(run, step, &api);
    size_t elen = strlen(client->endpoint);
    while (elen > 0 && client->endpoint[elen - 1] == '/')
        elen--;
    size_t size = elen + 3 * strlen(id) + sizeof("?api-version=") + strlen(api);
    char *url = malloc(size);
    if (!url)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    size_t w = 0;
    memcpy(url, client->endpoint, elen);
    w = elen;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
        if (isalnum(*p) || strchr("-._~/()", *p))
            url[w++] = (char)*p;
        else
            w += (size_t)snprintf(url + w, 4, "%%%02X", *p);
    }
    snprintf(url + w, size - w, "?api-version=%s", api);
    struct aksnet__provision_lro l;
    aksnet__provision_lro_init(&l, run, step);
    aksnet_code rc = aksnet__arm_wait(client, url, &l.lro, err);
    free(url);
    return rc;
}

aksnet_code aksnet__provision_write_step(struct aksnet__provision_run *run, const struct aksnet__arm_client *client,
                                         aksnet_step step, struct aksnet_error *err)
{
    struct aksnet__provision_step *st = &run->steps[step];
    aksnet__provision_emit(run, step, st->decision, st->decision != AKSNET_STATE_CREATE ? st->fields : NULL, NULL);
    const char *status = NULL;
    aksnet_code rc;
    if (st->decision == AKSNET_STATE_WAITING) {
        rc = wait_settled(run, client, step, err);
        if (rc == AKSNET_OK)
            aksnet__provision_emit(run, step, AKSNET_STATE_DONE, "settled", NULL);
        return rc;
    }
    switch (step) {
    case AKSNET_STEP_GROUP:
        rc = put(run, client, step, run->ids.group, AKSNET_API_RESOURCES, st->body, NULL, err);
        break;
    case AKSNET_STEP_ROUTE_TABLE:
        rc = write_route_table(run, client, st, err);
        break;
    case AKSNET_STEP_IDENTITY:
        rc = write_identity(run, client, st, err);
        break;
    case AKSNET_STEP_VNET:
        /* The user's VNet: only its subnet, written back whole. */
        rc = put(run, client, step, run->vnet_existing ? run->ids.subnet : run->ids.vnet, AKSNET_API_NETWORK,
                 st->body, NULL, err);
        break;
    case AKSNET_STEP_ROLE_VNET:
    case AKSNET_STEP_ROLE_ROUTE_TABLE:
        rc = write_role(run, client, st, &status, err);
        break;
    case AKSNET_STEP_CLUSTER:
        rc = write_cluster(run, client, st, err);
        break;
    default:
        rc = AKSNET_OK;
        break;
    }
    if (rc == AKSNET_OK)
        aksnet__provision_emit(run, step, AKSNET_STATE_DONE, status, NULL);
    return rc;
}
