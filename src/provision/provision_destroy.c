/*
 * provision_destroy.c - remove what aksnet made, in the reverse order of
 * its making, and nothing else.
 *
 * What aksnet made is what carries its tag (createdBy: aksnet, set only
 * when aksnet creates a resource) and, for role assignments, which carry
 * no tags, the name aksnet derives from scope+principal+role.  So:
 *
 *   cluster            deleted if tagged
 *   role assignments   deleted by their derived names (the principal is read
 *                      first: the identity's, or a system-assigned cluster's)
 *   VNet               deleted if it is not the user's and tagged; otherwise
 *                      never touched, except that the plan's subnet loses
 *                      its association with the route table aksnet made (and
 *                      is about to delete), written back whole; every other
 *                      property of the subnet stays
 *   route table        deleted if tagged
 *   identity           deleted if tagged (never the user's identity.id)
 *   resource group     deleted if tagged and nothing is left in it: a group
 *                      aksnet made may since hold what someone else put there
 *
 * The first failure stops the run: what is left is what a later destroy
 * removes.
 */
#include "provision_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct aksnet__provision_destroy {
    struct aksnet__provision_run *run;
    const struct aksnet__arm_client *client;
    cJSON *cluster, *identity, *route_table, *vnet, *subnet, *group;
    char role_ids[AKSNET_STEP_COUNT][AKSNET_ID_MAX];
    cJSON *roles[AKSNET_STEP_COUNT];
};

/* Read one resource for destroy, with a READING event; NULL when absent. */
static aksnet_code look(struct aksnet__provision_destroy *d, aksnet_step step, const char *id, const char *api,
                        cJSON **out, struct aksnet_error *err)
{
    *out = NULL;
    if (!id[0])
        return AKSNET_OK;
    d->run->steps[step].started_at = aksnet__provision_now(d->run);
    aksnet__provision_emit(d->run, step, AKSNET_STATE_READING, NULL, NULL);
    return aksnet__arm_get(d->client, id, api, out, err);
}

static void skipped(struct aksnet__provision_run *run, aksnet_step step, const char *why)
{
    aksnet__provision_emit(run, step, AKSNET_STATE_SKIPPED, why, NULL);
}

/* DELETE and follow the operation; DELETED on success. */
static aksnet_code remove_one(struct aksnet__provision_destroy *d, aksnet_step step, const char *id, const char *api,
                              struct aksnet_error *err)
{
    struct aksnet__provision_run *run = d->run;
    run->steps[step].started_at = aksnet__provision_now(run);
    aksnet__provision_set_resource(run, step, id);
    aksnet__provision_emit(run, step, AKSNET_STATE_WAITING, "deleting", NULL);
    struct aksnet__provision_lro l;
    aksnet__provision_lro_init(&l, run, step);
    aksnet_code rc = aksnet__arm_delete(d->client, id, api, &l.lro, err);
    aksnet__provision_count_write(run);
    if (rc == AKSNET_OK)
        aksnet__provision_emit(run, step, AKSNET_STATE_DELETED, NULL, NULL);
    return rc;
}

/* A tagged resource is deleted; an absent one or one without the tag is left, saying why. */
static aksnet_code remove_tagged(struct aksnet__provision_destroy *d, aksnet_step step, const cJSON *resource,
                                 const char *id, const char *api, struct aksnet_error *err)
{
    if (!id[0]) {
        skipped(d->run, step, "not part of this plan");
        return AKSNET_OK;
    }
    if (!resource) {
        skipped(d->run, step, "absent");
        return AKSNET_OK;
    }
    if (!aksnet__provision_created_by_aksnet(resource)) {
        skipped(d->run, step, "not created by aksnet (no createdBy: aksnet tag): left alone");
        return AKSNET_OK;
    }
    return remove_one(d, step, id, api, err);
}

/* The reads: everything destroy needs, before anything goes (the principal goes with its identity). */
static aksnet_code read_all(struct aksnet__provision_destroy *d, struct aksnet_error *err)
{
    struct aksnet__provision_run *run = d->run;
    const struct aksnet_resource_ids *ids = &run->ids;
    aksnet_code rc = look(d, AKSNET_STEP_CLUSTER, ids->cluster, AKSNET_API_AKS, &d->cluster, err);
    if (rc == AKSNET_OK && !run->system_assigned)
        rc = look(d, AKSNET_STEP_IDENTITY, ids->identity, AKSNET_API_IDENTITY, &d->identity, err);
    if (rc == AKSNET_OK)
        rc = look(d, AKSNET_STEP_ROUTE_TABLE, ids->route_table, AKSNET_API_NETWORK, &d->route_table, err);
    if (rc == AKSNET_OK)
        rc = look(d, AKSNET_STEP_VNET, ids->vnet, AKSNET_API_NETWORK, &d->vnet, err);
    if (rc == AKSNET_OK && d->vnet)
        rc = aksnet__arm_get(d->client, ids->subnet, AKSNET_API_NETWORK, &d->subnet, err);
    if (rc == AKSNET_OK)
        rc = look(d, AKSNET_STEP_GROUP, ids->group, AKSNET_API_RESOURCES, &d->group, err);
    if (rc != AKSNET_OK)
        return rc;
    const char *principal = run->system_assigned ? aksnet__json_str(d->cluster, "identity.principalId")
                                                 : aksnet__json_str(d->identity, "properties.principalId");
    static const aksnet_step roles[] = {AKSNET_STEP_ROLE_VNET, AKSNET_STEP_ROLE_ROUTE_TABLE};
    for (size_t i = 0; i < 2 && principal; i++) {
        aksnet_step step = roles[i];
        const char *scope = step == AKSNET_STEP_ROLE_VNET ? run->role_scope : ids->route_table;
        bool scope_there = step == AKSNET_STEP_ROLE_ROUTE_TABLE            ? d->route_table != NULL
                           : aksnet__provision_same_id(scope, ids->subnet) ? d->subnet != NULL
                                                                           : d->vnet != NULL;
        if (!scope_there)
            continue; /* gone with its scope */
        char name[37];
        aksnet__resources_role_assignment_name(scope, principal, ids->role_definition, name);
        if (!scope[0] || !name[0] ||
            aksnet__resources_role_assignment_id(scope, name, d->role_ids[step], AKSNET_ID_MAX) != AKSNET_OK) {
            d->role_ids[step][0] = '\0';
            continue;
        }
        aksnet__provision_set_resource(run, step, d->role_ids[step]);
        rc = look(d, step, d->role_ids[step], AKSNET_API_AUTHORIZATION, &d->roles[step], err);
        if (rc != AKSNET_OK)
            return rc;
    }
    return AKSNET_OK;
}

static aksnet_code destroy_role(struct aksnet__provision_destroy *d, aksnet_step step, struct aksnet_error *err)
{
    if (!d->role_ids[step][0]) {
        skipped(d->run, step, "absent (no principal to find it by, or its scope is gone)");
        return AKSNET_OK;
    }
    if (!d->roles[step]) {
        skipped(d->run, step, "absent");
        return AKSNET_OK;
    }
    return remove_one(d, step, d->role_ids[step], AKSNET_API_AUTHORIZATION, err);
}

/*
 * The VNet: aksnet's (not the user's, tagged) is deleted.  Any other is
 * left, but its subnet lets go of the route table aksnet made, so that the
 * table can be deleted (ARM refuses InUseRouteTableCannotBeDeleted).
 */
static aksnet_code destroy_vnet(struct aksnet__provision_destroy *d, struct aksnet_error *err)
{
    struct aksnet__provision_run *run = d->run;
    if (d->vnet && !run->vnet_existing && aksnet__provision_created_by_aksnet(d->vnet))
        return remove_one(d, AKSNET_STEP_VNET, run->ids.vnet, AKSNET_API_NETWORK, err);
    const char *associated = aksnet__json_str(d->subnet, "properties.routeTable.id");
    bool ours = d->route_table && aksnet__provision_created_by_aksnet(d->route_table) &&
                aksnet__provision_same_id(associated, run->ids.route_table);
    if (!ours) {
        skipped(run, AKSNET_STEP_VNET,
                !d->vnet ? "absent"
                         : run->vnet_existing ? "the user's VNet: left alone"
                                              : "not created by aksnet (no createdBy: aksnet tag): left alone");
        return AKSNET_OK;
    }
    cJSON *body = aksnet__resources_subnet_body(run->plan, d->subnet, "");
    if (!body)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(body, "properties"), "routeTable");
    run->steps[AKSNET_STEP_VNET].started_at = aksnet__provision_now(run);
    aksnet__provision_set_resource(run, AKSNET_STEP_VNET, run->ids.subnet);
    aksnet__provision_emit(run, AKSNET_STEP_VNET, AKSNET_STATE_UPDATE,
                           "removing the association with aksnet's route table", NULL);
    struct aksnet__provision_lro l;
    aksnet__provision_lro_init(&l, run, AKSNET_STEP_VNET);
    aksnet_code rc = aksnet__arm_put(d->client, run->ids.subnet, AKSNET_API_NETWORK, body, &l.lro, NULL, err);
    aksnet__provision_count_write(run);
    cJSON_Delete(body);
    if (rc == AKSNET_OK)
        aksnet__provision_emit(run, AKSNET_STEP_VNET, AKSNET_STATE_DONE,
                               run->vnet_existing
                                   ? "the user's VNet is left; its subnet no longer uses aksnet's route table"
                                   : "the VNet is left; its subnet no longer uses aksnet's route table",
                               NULL);
    return rc;
}

/* The group goes only when aksnet made it and nothing is left in it. */
static aksnet_code destroy_group(struct aksnet__provision_destroy *d, struct aksnet_error *err)
{
    struct aksnet__provision_run *run = d->run;
    if (!d->group || !aksnet__provision_created_by_aksnet(d->group))
        return remove_tagged(d, AKSNET_STEP_GROUP, d->group, run->ids.group, AKSNET_API_RESOURCES, err);
    char id[AKSNET_ID_MAX];
    aksnet__provision_format(id, sizeof(id), "%s/resources", run->ids.group);
    cJSON *list = NULL;
    aksnet_code rc = aksnet__arm_get(d->client, id, AKSNET_API_RESOURCES, &list, err);
    int left = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(list, "value"));
    const char *first = aksnet__json_str(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(list, "value"), 0), "id");
    char status[PV_STATUS_MAX];
    aksnet__provision_format(status, sizeof(status),
                             "aksnet made it, but it still holds %d resource%s (%.300s%s): left alone", left,
                             left == 1 ? "" : "s", first ? first : "?", left > 1 ? ", ..." : "");
    cJSON_Delete(list);
    if (rc != AKSNET_OK)
        return rc;
    if (left > 0) {
        skipped(run, AKSNET_STEP_GROUP, status);
        return AKSNET_OK;
    }
    return remove_one(d, AKSNET_STEP_GROUP, run->ids.group, AKSNET_API_RESOURCES, err);
}

static aksnet_code destroy_step(struct aksnet__provision_destroy *d, aksnet_step step, struct aksnet_error *err)
{
    struct aksnet__provision_run *run = d->run;
    const struct aksnet_resource_ids *ids = &run->ids;
    switch (step) {
    case AKSNET_STEP_CLUSTER:
        return remove_tagged(d, step, d->cluster, ids->cluster, AKSNET_API_AKS, err);
    case AKSNET_STEP_ROLE_VNET:
    case AKSNET_STEP_ROLE_ROUTE_TABLE:
        return destroy_role(d, step, err);
    case AKSNET_STEP_VNET:
        return destroy_vnet(d, err);
    case AKSNET_STEP_ROUTE_TABLE:
        return remove_tagged(d, step, d->route_table, ids->route_table, AKSNET_API_NETWORK, err);
    case AKSNET_STEP_IDENTITY:
        if (run->system_assigned || run->user_identity) {
            skipped(run, step, run->user_identity ? "the user's identity: left alone" : "system-assigned: none");
            return AKSNET_OK;
        }
        return remove_tagged(d, step, d->identity, ids->identity, AKSNET_API_IDENTITY, err);
    case AKSNET_STEP_GROUP:
        return destroy_group(d, err);
    default:
        skipped(run, step, NULL);
        return AKSNET_OK;
    }
}

aksnet_code aksnet__provision_destroy(struct aksnet__provision_run *run, struct aksnet_error *err)
{
    /* The reverse of the making: a system-assigned cluster's role assignment was made after the cluster. */
    static const aksnet_step user_order[] = {AKSNET_STEP_CLUSTER, AKSNET_STEP_ROLE_ROUTE_TABLE, AKSNET_STEP_ROLE_VNET,
                                             AKSNET_STEP_VNET, AKSNET_STEP_ROUTE_TABLE, AKSNET_STEP_IDENTITY,
                                             AKSNET_STEP_GROUP};
    static const aksnet_step system_order[] = {AKSNET_STEP_ROLE_VNET, AKSNET_STEP_CLUSTER,
                                               AKSNET_STEP_ROLE_ROUTE_TABLE, AKSNET_STEP_VNET,
                                               AKSNET_STEP_ROUTE_TABLE, AKSNET_STEP_IDENTITY, AKSNET_STEP_GROUP};
    const aksnet_step *order = run->system_assigned ? system_order : user_order;
    struct aksnet__provision_destroy d;
    memset(&d, 0, sizeof(d));
    d.run = run;
    skipped(run, AKSNET_STEP_PREFLIGHT, "nothing to check before removing");
    struct aksnet__arm_client *client = NULL;
    aksnet_code rc = aksnet__provision_client(run, &client, err);
    d.client = client;
    aksnet_step at = AKSNET_STEP_CLUSTER;
    if (rc == AKSNET_OK)
        rc = read_all(&d, err);
    for (size_t i = 0; rc == AKSNET_OK && i < sizeof(user_order) / sizeof(user_order[0]); i++) {
        if (aksnet__provision_cancelled(run))
            break; /* what is left is left for a later destroy */
        at = order[i];
        rc = destroy_step(&d, at, err);
    }
    if (rc != AKSNET_OK)
        aksnet__provision_fail(run, at, rc, err);
    aksnet__provision_release(run, client);
    cJSON_Delete(d.cluster);
    cJSON_Delete(d.identity);
    cJSON_Delete(d.route_table);
    cJSON_Delete(d.vnet);
    cJSON_Delete(d.subnet);
    cJSON_Delete(d.group);
    for (size_t i = 0; i < AKSNET_STEP_COUNT; i++)
        cJSON_Delete(d.roles[i]);
    return rc;
}
