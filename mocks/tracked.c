/*
 * tracked.c - what every tracked ARM resource does alike: PUT (create or
 * update, synchronous or long-running), GET, DELETE, list.  A type adds
 * its checks and computed members through hooks, so its file holds only
 * what is particular to it.
 *
 * Depends on: lro.c (mock_op_running(), mock_op_start(), mock_reply_busy()), regions.c
 * (mock_check_location()), store.c, tags.c (mock_check_tags()), types.c
 * (mock_find_type()), util.c.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mock.h"

/* ARM words a missing child differently from a missing top-level resource. */
void mock_reply_not_found(struct mock_response *rs, const struct mock_target *t)
{
    const char *name = t->child_name ? t->child_name : t->name;
    if (t->child_type)
        mock_reply_error(rs, 404, "NotFound", "Resource '%s' of type '%s/%s/%s' under '%s' was not found.", name,
                         t->provider, t->type, t->child_type, t->parent_id ? t->parent_id : "");
    else
        mock_reply_error(rs, 404, "ResourceNotFound",
                         "The Resource '%s/%s/%s' under resource group '%s' was not found. For more details "
                         "please go to https://aka.ms/ARMResourceNotFoundFix",
                         t->provider, t->type, name, t->resource_group);
}

/*
 * GET on a collection: the type's resources in t's group, or in the whole
 * subscription when t has no group (GET /subscriptions/{s}/providers/{ns}/{type}).
 */
static void list(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                 const struct mock_type *type, struct mock_response *rs)
{
    char prefix[1024];
    if (t->resource_group)
        snprintf(prefix, sizeof(prefix), "/subscriptions/%s/resourceGroups/%s/providers/%s/%s/", t->subscription,
                 t->resource_group, type->provider, type->type);
    else
        snprintf(prefix, sizeof(prefix), "/subscriptions/%s/resourceGroups/", t->subscription);
    size_t n = strlen(prefix);
    cJSON *body = cJSON_CreateObject();
    cJSON *value = cJSON_AddArrayToObject(body, "value");
    for (size_t i = 0; i < m->store.count; i++) {
        const struct mock_resource *r = m->store.items[i];
        if (r->type == type && strncasecmp(r->id, prefix, n) == 0)
            cJSON_AddItemToArray(value, mock_present(m, r, mock_arg(rq, "api-version")));
    }
    mock_reply(rs, 200, body);
}

/* The body to store: identity members, location, tags, and the request's properties. */
static cJSON *new_body(const struct mock_request *rq, const struct mock_target *t, const struct mock_type *type,
                       const struct mock_resource *old)
{
    cJSON *body = cJSON_CreateObject();
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(rq->json, "tags");
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(rq->json, "properties");
    cJSON_AddStringToObject(body, "id", old ? old->id : t->id);
    cJSON_AddStringToObject(body, "name", old ? mock_json_str(old->body, "name") : t->name);
    cJSON_AddStringToObject(body, "type", type->arm_type);
    cJSON_AddStringToObject(body, "location", mock_json_str(rq->json, "location"));
    cJSON_AddItemToObject(body, "tags", cJSON_IsObject(tags) ? cJSON_Duplicate(tags, 1) : cJSON_CreateObject());
    cJSON_AddItemToObject(body, "properties", cJSON_IsObject(props) ? cJSON_Duplicate(props, 1)
                                                                    : cJSON_CreateObject());
    return body;
}

/* ARM's checks common to every type come first, then the type's own, then the store and the operation. */
/*
 * If-Match: the write must find the resource as its writer read it.  The
 * network provider honours it on route tables and answers a stale ETag with
 * 412 PreconditionFailed, detail PreconditionFailedEtagMismatch
 * (kubernetes-sigs/cluster-api-provider-azure#682; the Kubernetes cloud
 * provider sends If-Match on its route-table PUTs).  "*" matches any
 * existing resource.  AKS honours it against a cluster's eTag
 * (https://learn.microsoft.com/azure/aks/use-etags); whether every other
 * tracked type honours it is a guess.
 */
static bool if_match_holds(const struct mock_request *rq, const struct mock_resource *old, struct mock_response *rs)
{
    const char *want = mock_header(rq, "If-Match");
    if (!want)
        return true;
    const char *etag = old ? mock_json_str(old->body, "etag") : NULL;
    if (old && !etag)
        etag = mock_json_str(old->body, "eTag"); /* AKS spells it so (aks_new_etags()) */
    if (old && (strcmp(want, "*") == 0 || (etag && strcmp(etag, want) == 0)))
        return true;
    mock_reply_error(rs, 412, "PreconditionFailed",
                     "Precondition failed. Etag provided in if-match header %.100s does not match etag %.100s of "
                     "resource %.300s.",
                     want, etag ? etag : "(none)", old ? old->id : "(absent)");
    return false;
}

static void put(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                const struct mock_type *type, struct mock_resource *old, struct mock_response *rs,
                const struct mock_tracked_ops *ops)
{
    if (!if_match_holds(rq, old, rs))
        return;
    const char *location = mock_json_str(rq->json, "location");
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(rq->json, "properties");
    if (!cJSON_IsObject(rq->json)) {
        mock_reply_error(rs, 400, "InvalidRequestContent", "The request content was invalid: expected a JSON object.");
        return;
    }
    if (!location || !*location) {
        mock_reply_error(rs, 400, "LocationRequired", "The location property is required for this definition.");
        return;
    }
    if (props && !cJSON_IsObject(props) && !cJSON_IsNull(props)) {
        mock_reply_error(rs, 400, "InvalidRequestContent", "The property 'properties' must be an object.");
        return;
    }
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(rq->json, "tags");
    if (tags && !cJSON_IsObject(tags) && !cJSON_IsNull(tags)) {
        mock_reply_error(rs, 400, "InvalidRequestContent", "The property 'tags' must be an object.");
        return;
    }
    if (!mock_check_location(location, type->arm_type, rs) || !mock_check_tags(tags, rs))
        return;
    const char *old_location = old ? mock_json_str(old->body, "location") : NULL;
    if (old_location && !mock_location_same(old_location, location)) {
        mock_reply_error(rs, 400, "InvalidResourceLocation",
                         "The resource '%s' already exists in location '%s'. A resource with the same name cannot "
                         "be created in location '%s'.", t->name, old_location, location);
        return;
    }
    const struct mock_op *busy = old ? mock_op_running(m, old->id) : NULL;
    if (busy) {
        mock_reply_busy(m, rq, type->provider, busy, rs);
        return;
    }
    cJSON *body = new_body(rq, t, type, old);
    if (ops->prepare && !ops->prepare(m, rq, t, old, body, rs)) {
        cJSON_Delete(body);
        return;
    }
    int status = old ? 200 : 201;
    mock_json_set_str(mock_json_obj(body, "properties"), "provisioningState",
                      ops->lro ? (old ? "Updating" : "Creating") : "Succeeded");
    struct mock_resource *r = mock_store_put(&m->store, old ? old->id : t->id, type, body, rq->now);
    if (!r) {
        mock_reply_error(rs, 500, "InternalServerError", "The mock ran out of memory.");
        return;
    }
    rs->changed = true;
    if (ops->lro && !mock_op_start(m, rq, r->id, MOCK_OP_PUT, type->provider, location, status, rs))
        return;
    mock_reply(rs, status, mock_present(m, r, mock_arg(rq, "api-version")));
}

/* A missing resource deletes fine (204), a busy one does not; the type may refuse. */
static void del(struct armmock *m, const struct mock_request *rq, const struct mock_type *type,
                struct mock_resource *r, struct mock_response *rs, const struct mock_tracked_ops *ops)
{
    if (!r) {
        rs->status = 204;
        return;
    }
    const struct mock_op *busy = mock_op_running(m, r->id);
    if (busy) {
        mock_reply_busy(m, rq, type->provider, busy, rs);
        return;
    }
    if (ops->can_delete && !ops->can_delete(m, r, rs))
        return;
    rs->changed = true;
    if (ops->lro) {
        mock_json_set_str(mock_json_obj(r->body, "properties"), "provisioningState", "Deleting");
        mock_op_start(m, rq, r->id, MOCK_OP_DELETE, type->provider, mock_json_str(r->body, "location"), 202, rs);
        return;
    }
    if (type->on_delete_done)
        type->on_delete_done(m, r);
    mock_store_delete_tree(&m->store, r->id);
    rs->status = 200;
}

/* The common life of a tracked resource by method; hooks add what a type needs. */
void mock_tracked_handle(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                         struct mock_response *rs, const struct mock_tracked_ops *ops)
{
    const struct mock_type *type = mock_find_type(t->provider, t->type, NULL);
    if (!t->name) {
        if (strcmp(rq->method, "GET") == 0)
            list(m, rq, t, type, rs);
        else
            mock_reply_error(rs, 405, "MethodNotAllowed", "Use GET on a collection.");
        return;
    }
    if (t->child_type) {
        mock_reply_error(rs, 404, "NotFound", "No route for '%s'.", rq->path);
        return;
    }
    struct mock_resource *r = mock_store_get(&m->store, t->id);
    if (strcmp(rq->method, "PUT") == 0)
        put(m, rq, t, type, r, rs, ops);
    else if (strcmp(rq->method, "DELETE") == 0)
        del(m, rq, type, r, rs, ops);
    else if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0)
        mock_reply_error(rs, 405, "MethodNotAllowed", "The resource does not support http method '%s'.", rq->method);
    else if (!r)
        mock_reply_not_found(rs, t);
    else
        mock_reply(rs, 200, mock_present(m, r, mock_arg(rq, "api-version")));
}
