/*
 * aks_actions.c - what a client asks of a managed cluster besides PUT, GET
 * and DELETE: PATCH of its tags (a long-running update), the
 * listCluster*Credential actions with a kubeconfig for its FQDN, and its
 * agent pools as child resources (read-only).
 *
 * Depends on: aks_common.c (aks_props_of()), lro.c (mock_op_running(),
 * mock_op_start(), mock_reply_busy()), store.c (mock_present(), mock_store_get()), tags.c
 * (mock_check_tags()), tracked.c (mock_reply_not_found()), util.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "arm_aks.h"

/* PATCH updates tags only, as a long-running operation (ManagedClusters_UpdateTags). */
void aks_patch_tags(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                    struct mock_response *rs)
{
    struct mock_resource *r = mock_store_get(&m->store, t->id);
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(rq->json, "tags");
    if (!r) {
        mock_reply_not_found(rs, t);
        return;
    }
    if (!cJSON_IsObject(rq->json) || (tags && !cJSON_IsObject(tags))) {
        mock_reply_error(rs, 400, "InvalidRequestContent", "The request content was invalid: expected {\"tags\":{}}.");
        return;
    }
    if (!mock_check_tags(tags, rs))
        return;
    const struct mock_op *busy = mock_op_running(m, r->id);
    if (busy) {
        mock_reply_busy(m, rq, AKS_PROVIDER, busy, rs); /* AKS's OperationNotAllowed, as for PUT and DELETE */
        return;
    }
    if (tags)
        mock_json_set(r->body, "tags", cJSON_Duplicate(tags, 1));
    aks_new_etags(r->body);
    mock_json_set_str(mock_json_obj(r->body, "properties"), "provisioningState", "Updating");
    rs->changed = true;
    if (mock_op_start(m, rq, r->id, MOCK_OP_PUT, AKS_PROVIDER, mock_json_str(r->body, "location"), 200, rs))
        mock_reply(rs, 200, mock_present(m, r, mock_arg(rq, "api-version")));
}

/* A kubeconfig for the cluster's FQDN, base64 as listCluster*Credential returns it. */
static cJSON *kubeconfig(const struct mock_resource *r, const struct mock_target *t, const char *user)
{
    const char *fqdn = mock_json_str(aks_props_of(r->body), "fqdn");
    char token[37], yaml[2048];
    mock_uuid(token);
    snprintf(yaml, sizeof(yaml),
             "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: YWtzbmV0LW1vY2s=\n"
             "    server: https://%s:443\n  name: %s\ncontexts:\n- context:\n    cluster: %s\n"
             "    user: %s_%s_%s\n  name: %s\ncurrent-context: %s\nkind: Config\npreferences: {}\nusers:\n"
             "- name: %s_%s_%s\n  user:\n    token: %s\n",
             fqdn ? fqdn : "", t->name, t->name, user, t->resource_group, t->name, t->name, t->name, user,
             t->resource_group, t->name, token);
    size_t len = strlen(yaml);
    unsigned char *b64 = malloc(4 * ((len + 2) / 3) + 1);
    cJSON *k = cJSON_CreateObject();
    if (b64) {
        EVP_EncodeBlock(b64, (const unsigned char *)yaml, (int)len);
        cJSON_AddStringToObject(k, "name", user);
        cJSON_AddStringToObject(k, "value", (const char *)b64);
    }
    free(b64);
    return k;
}

/* An agent pool as the agentPools child resource shows it. */
static cJSON *agent_pool_json(const struct mock_resource *r, const cJSON *pool, const char *state)
{
    char id[ID_LEN];
    const char *name = mock_json_str(pool, "name");
    snprintf(id, sizeof(id), "%s/agentPools/%s", r->id, name ? name : "");
    cJSON *o = cJSON_CreateObject(), *p = cJSON_Duplicate(pool, 1);
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "name", name ? name : "");
    cJSON_AddStringToObject(o, "type", "Microsoft.ContainerService/managedClusters/agentPools");
    cJSON_DeleteItemFromObjectCaseSensitive(p, "name");
    if (state && strcmp(state, "Succeeded") != 0)
        mock_json_set_str(p, "provisioningState", state);
    cJSON_AddItemToObject(o, "properties", p);
    return o;
}

/* GET .../agentPools[/{name}]: the cluster's pools, read-only here. */
static void agent_pools(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                        const struct mock_resource *r, struct mock_response *rs)
{
    (void)m;
    const cJSON *pools = cJSON_GetObjectItemCaseSensitive(aks_props_of(r->body), "agentPoolProfiles"), *pool;
    const char *state = mock_json_str(aks_props_of(r->body), "provisioningState");
    if (strcmp(rq->method, "GET") != 0) {
        mock_reply_error(rs, 405, "MethodNotAllowed", "aksnet-mock serves agent pools read-only.");
        return;
    }
    cJSON *list = t->child_name ? NULL : cJSON_CreateObject();
    cJSON *value = list ? cJSON_AddArrayToObject(list, "value") : NULL;
    cJSON_ArrayForEach(pool, pools) {
        const char *name = mock_json_str(pool, "name");
        if (value) {
            cJSON_AddItemToArray(value, agent_pool_json(r, pool, state));
        } else if (name && strcmp(name, t->child_name) == 0) {
            mock_reply(rs, 200, agent_pool_json(r, pool, state));
            return;
        }
    }
    if (list)
        mock_reply(rs, 200, list);
    else
        mock_reply_error(rs, 404, "NotFound", "Agent pool '%s' of managed cluster '%s' was not found.",
                         t->child_name, t->name);
}

/* .../managedClusters/{name}/{child}: agent pools and the credential actions. */
void aks_child(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
               struct mock_response *rs)
{
    const struct mock_resource *r = mock_store_get(&m->store, t->id);
    static const char *const users[][2] = {{"listClusterUserCredential", "clusterUser"},
                                           {"listClusterAdminCredential", "clusterAdmin"},
                                           {"listClusterMonitoringUserCredential", "clusterMonitoringUser"}};
    if (!r) {
        mock_reply_not_found(rs, t);
        return;
    }
    if (strcasecmp(t->child_type, "agentPools") == 0) {
        agent_pools(m, rq, t, r, rs);
        return;
    }
    for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
        if (strcasecmp(t->child_type, users[i][0]) != 0 || t->child_name)
            continue;
        if (strcmp(rq->method, "POST") != 0) {
            mock_reply_error(rs, 405, "MethodNotAllowed", "Use POST for %s.", users[i][0]);
            return;
        }
        cJSON *body = cJSON_CreateObject();
        cJSON_AddItemToArray(cJSON_AddArrayToObject(body, "kubeconfigs"), kubeconfig(r, t, users[i][1]));
        mock_reply(rs, 200, body);
        return;
    }
    mock_reply_error(rs, 404, "NotFound", "No route for '%s'.", rq->path);
}
