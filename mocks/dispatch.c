/*
 * dispatch.c - from a path to a handler, as ARM routes it.
 *
 * Entra ID's endpoints come first (they need no bearer token).  Everything
 * else is ARM: the token is checked, the caller's token bucket counts the
 * request (--throttle), due operations are settled, and the path is
 * matched case-insensitively with repeated slashes already folded:
 *   /subscriptions, /tenants
 *   /subscriptions/{s}[/providers[/{ns}[/register]]]
 *   /subscriptions/{s}/providers/{ns}/{type}            (a type's list across the subscription)
 *   /subscriptions/{s}/providers/{ns}/locations/{l}/operations|operationResults/{id}
 *   /subscriptions/{s}/resourcegroups[/{rg}[/resources]]
 *   /subscriptions/{s}/resourcegroups/{rg}/providers/{ns}/{type}[/{name}[/{child}[/{name}]]]
 *   {any scope}/providers/Microsoft.Authorization/{roleAssignments|roleDefinitions}[/{name}]
 *
 * Depends on: arm_authz.c (mock_arm_authz()), arm_resources.c, entra.c
 * (mock_entra_handle()), lro.c, ratelimit.c (mock_throttle_admit()),
 * store.c (mock_store_get()), token.c (mock_token_check()), types.c
 * (mock_find_type()), util.c
 * (mock_check_api_version(), mock_reply_error()), src/util (utf8).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "utf8.h"
#include "mock.h"

/* ARM compares path words case-insensitively; out of range is simply no match. */
static bool seg_is(const struct mock_request *rq, size_t i, const char *word)
{
    return i < rq->nsegs && strcasecmp(rq->segs[i], word) == 0;
}

/* "/" + segs[from..to) joined. */
static char *join(const struct mock_request *rq, size_t from, size_t to)
{
    size_t len = 1;
    for (size_t i = from; i < to; i++)
        len += strlen(rq->segs[i]) + 1;
    char *s = malloc(len + 1), *w = s;
    if (!s)
        return NULL;
    *w = '\0';
    for (size_t i = from; i < to; i++) {
        size_t n = strlen(rq->segs[i]);
        *w++ = '/';
        memcpy(w, rq->segs[i], n);
        w += n;
    }
    *w = '\0';
    if (w == s) {
        s[0] = '/';
        s[1] = '\0';
    }
    return s;
}

/* Index of the last "providers/Microsoft.Authorization" pair, or 0 when none. */
static size_t authz_index(const struct mock_request *rq)
{
    for (size_t i = rq->nsegs; i-- > 1;)
        if (seg_is(rq, i - 1, "providers") && seg_is(rq, i, "Microsoft.Authorization") && i + 1 < rq->nsegs &&
            (seg_is(rq, i + 1, "roleAssignments") || seg_is(rq, i + 1, "roleDefinitions")))
            return i - 1;
    return 0;
}

/* Build the canonical id of a resource path: fixed words spelled as ARM spells them. */
static char *canonical_id(const struct mock_request *rq, const struct mock_type *type, size_t nsegs)
{
    char buf[2048];
    int n = snprintf(buf, sizeof(buf), "/subscriptions/%s/resourceGroups/%s/providers/%s/%s/%s", rq->segs[1],
                     rq->segs[3], type->provider, type->type, rq->segs[7]);
    if (nsegs >= 10 && n > 0 && (size_t)n < sizeof(buf))
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "/%s/%s", type->child_type, rq->segs[9]);
    else if (nsegs == 9 && n > 0 && (size_t)n < sizeof(buf))
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "/%s", type->child_type);
    return n > 0 && (size_t)n < sizeof(buf) ? strdup(buf) : NULL;
}

/* /subscriptions/{s}/resourcegroups/{rg}/providers/{ns}/{type}[/{name}[/{child}[/{cname}]]] */
static void route_resource(struct armmock *m, const struct mock_request *rq, struct mock_response *rs)
{
    size_t n = rq->nsegs;
    const char *child = n >= 9 ? rq->segs[8] : NULL;
    const struct mock_type *type = mock_find_type(rq->segs[5], rq->segs[6], child);
    if (!type && child)
        type = mock_find_type(rq->segs[5], rq->segs[6], NULL); /* an action on the parent */
    if (!type || !type->handle || n > 10) { /* no handle: not addressable here (resource groups) */
        mock_reply_error(rs, 400, "InvalidResourceType",
                         "The resource type '%s' could not be found in the namespace '%s'.", rq->segs[6],
                         rq->segs[5]);
        return;
    }
    if (!mock_check_api_version(rq, type->api_versions, type->arm_type, rs))
        return;
    struct mock_target t = {
        .subscription = rq->segs[1], .resource_group = rq->segs[3], .provider = type->provider,
        .type = type->type, .name = n >= 8 ? rq->segs[7] : NULL,
        .child_type = type->child_type ? child : (n >= 9 ? rq->segs[8] : NULL),
        .child_name = n >= 10 ? rq->segs[9] : NULL,
    };
    if (t.name) {
        t.id = canonical_id(rq, type, type->child_type ? n : 8);
        char parent[2048];
        snprintf(parent, sizeof(parent), "/subscriptions/%s/resourceGroups/%s/providers/%s/%s/%s", t.subscription,
                 t.resource_group, type->provider, type->type, t.name);
        t.parent_id = strdup(parent);
    }
    if (mock_require_group(m, &t, rs))
        type->handle(m, rq, &t, rs);
    free(t.id);
    free(t.parent_id);
}

/* GET /subscriptions/{s}/providers/{ns}/{type}: the type's handler, with no group, lists across the subscription. */
static void route_subscription_list(struct armmock *m, const struct mock_request *rq, struct mock_response *rs)
{
    const struct mock_type *type = mock_find_type(rq->segs[3], rq->segs[4], NULL);
    if (!type || !type->handle) {
        mock_reply_error(rs, 404, "NotFound", "No HTTP resource was found that matches the request URI '%s'.",
                         rq->path);
        return;
    }
    if (!mock_check_api_version(rq, type->api_versions, type->arm_type, rs))
        return;
    struct mock_target t = {.subscription = rq->segs[1], .provider = type->provider, .type = type->type};
    type->handle(m, rq, &t, rs);
}

/* Everything under /subscriptions/{s} that is not a typed resource: operations, providers, groups. */
static void route_subscription(struct armmock *m, const struct mock_request *rq, struct mock_response *rs)
{
    size_t n = rq->nsegs;
    const char *sub = rq->segs[1];
    if (n == 2) {
        mock_arm_subscriptions(m, rq, rs);
    } else if (seg_is(rq, 2, "providers") && n >= 8 && seg_is(rq, 4, "locations") &&
               (seg_is(rq, 6, "operations") || seg_is(rq, 6, "operationResults") ||
                seg_is(rq, 6, "azureAsyncOperations"))) {
        mock_op_status(m, rq, rq->segs[7], seg_is(rq, 6, "operationResults"), rs);
    } else if (seg_is(rq, 2, "providers") && n == 5 && !seg_is(rq, 4, "register")) {
        route_subscription_list(m, rq, rs);
    } else if (seg_is(rq, 2, "providers") && n <= 5) {
        mock_arm_providers(m, rq, sub, n >= 4 ? rq->segs[3] : NULL, n == 5, rs);
    } else if (seg_is(rq, 2, "operationresults") && n == 4) {
        mock_op_status(m, rq, rq->segs[3], true, rs);
    } else if (seg_is(rq, 2, "resourcegroups") && n <= 5) {
        if (n == 5 && !seg_is(rq, 4, "resources")) {
            mock_reply_error(rs, 404, "NotFound", "No route for '%s'.", rq->path);
            return;
        }
        mock_arm_group(m, rq, sub, n >= 4 ? rq->segs[3] : NULL, n == 5, rs);
    } else if (seg_is(rq, 2, "resourcegroups") && seg_is(rq, 4, "providers") && n >= 7) {
        route_resource(m, rq, rs);
    } else {
        mock_reply_error(rs, 404, "NotFound", "No HTTP resource was found that matches the request URI '%s'.",
                         rq->path);
    }
}

/* The methods that carry a body and change state: only they are refused for a body that is not JSON. */
static bool is_write(const char *method)
{
    return strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0 || strcmp(method, "POST") == 0;
}

/*
 * A group being deleted takes nothing new: ARM answers 409 to a write on
 * anything under it (the group's own PUT says the same in arm_resources.c).
 */
static bool group_writable(struct armmock *m, const struct mock_request *rq, struct mock_response *rs)
{
    if (rq->nsegs < 5 || !seg_is(rq, 0, "subscriptions") || !seg_is(rq, 2, "resourcegroups") || !is_write(rq->method))
        return true;
    char id[1024];
    snprintf(id, sizeof(id), "/subscriptions/%s/resourceGroups/%s", rq->segs[1], rq->segs[3]);
    if (!mock_op_find_running(m, id, MOCK_OP_DELETE))
        return true;
    mock_reply_error(rs, 409, "ResourceGroupBeingDeleted",
                     "The resource group '%s' is in deprovisioning state and cannot perform this operation.",
                     rq->segs[3]);
    return false;
}

/* A group being deleted takes no writes; then authorization (under any scope), tenants, subscriptions. */
static void route_arm(struct armmock *m, const struct mock_request *rq, struct mock_response *rs)
{
    if (!group_writable(m, rq, rs))
        return;
    size_t az = authz_index(rq);
    if (az > 0 || (az == 0 && seg_is(rq, 0, "providers") && seg_is(rq, 1, "Microsoft.Authorization") &&
                   rq->nsegs > 2)) {
        char *scope = join(rq, 0, az);
        if (scope)
            mock_arm_authz(m, rq, scope, rq->segs[az + 2], az + 3 < rq->nsegs ? rq->segs[az + 3] : NULL, rs);
        free(scope);
        return;
    }
    if (seg_is(rq, 0, "tenants") && rq->nsegs == 1) {
        mock_arm_tenants(m, rq, rs);
    } else if (seg_is(rq, 0, "subscriptions") && rq->nsegs == 1) {
        mock_arm_subscriptions(m, rq, rs);
    } else if (seg_is(rq, 0, "subscriptions")) {
        route_subscription(m, rq, rs);
    } else {
        mock_reply_error(rs, 404, "NotFound", "No HTTP resource was found that matches the request URI '%s'.",
                         rq->path);
    }
}

/* One place decides the order (Entra ID before tokens, settling before routing) for every request. */
void mock_dispatch(struct armmock *m, struct mock_request *rq, struct mock_response *rs)
{
    size_t plen = strlen(rq->path);
    if (aksnet__utf8_invalid_offset(rq->path, plen) < plen) {
        /* Names are UTF-8: nothing stored (and later listed) may hold other bytes. */
        mock_reply_error(rs, 400, "InvalidRequestUri", "The request URI '%s' is not valid UTF-8.", rq->path);
        return;
    }
    if (mock_entra_handle(m, rq, rs))
        return;
    if (!mock_token_check(m, rq, rs))
        return;
    if (!mock_throttle_admit(m, rq, rs)) /* --throttle: ARM counts a request before it routes it */
        return;
    if (mock_ops_settle(m, rq->now))
        rs->changed = true; /* operations ended: the state file must say so */
    if (rq->body_not_json && is_write(rq->method)) {
        mock_reply_error(rs, 400, "InvalidRequestContent",
                         "The request content was invalid and could not be deserialized: not UTF-8 JSON.");
        return;
    }
    /*
     * U+0000 in a string (a name, a location, a tag): refused with the code
     * and words of a body ARM cannot read (its InvalidRequestContent "The
     * request content was invalid and could not be deserialized: ...", as
     * quoted in Azure-Samples/azure-samples-net-management#69).  That ARM
     * refuses it at this stage, with this code, is a guess; either way no
     * name or value with a NUL is stored, where C would cut it short.
     */
    if (rq->body_nul && is_write(rq->method)) {
        mock_reply_error(rs, 400, "InvalidRequestContent",
                         "The request content was invalid and could not be deserialized: a string holds the "
                         "character U+0000.");
        return;
    }
    route_arm(m, rq, rs);
}

/* ARM answers ResourceGroupNotFound before anything about the resource itself. */
bool mock_require_group(struct armmock *m, const struct mock_target *t, struct mock_response *rs)
{
    if (!t->resource_group)
        return true; /* a list across the subscription */
    char id[1024];
    snprintf(id, sizeof(id), "/subscriptions/%s/resourceGroups/%s", t->subscription, t->resource_group);
    struct mock_resource *g = mock_store_get(&m->store, id);
    if (g)
        return true;
    mock_reply_error(rs, 404, "ResourceGroupNotFound", "Resource group '%s' could not be found.", t->resource_group);
    return false;
}
