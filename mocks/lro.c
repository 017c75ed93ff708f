/*
 * lro.c - ARM's long-running operations.  An operation is a row with a start
 * and an end time; nothing runs in the background.  At the start of every
 * request, operations whose end has passed are settled (their effects
 * applied), so the mock's state is a pure function of the requests and the
 * clock, and tests move time through the clock seam instead of sleeping.
 *
 * Depends on: faults.c (mock_fault_take_fail()), store.c, util.c.
 */
#define _GNU_SOURCE /* strcasestr */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mock.h"

/* An operation owns its strings and its error; NULL is fine, so that a half-made one can go. */
static void op_free(struct mock_op *op)
{
    if (!op)
        return;
    free(op->id);
    free(op->resource_id);
    free(op->provider);
    free(op->location);
    free(op->fail_code);
    free(op->fail_message);
    cJSON_Delete(op->fail_details);
    cJSON_Delete(op->error);
    free(op);
}

/* The server's list of operations goes with the server. */
void mock_ops_free(struct mock_ops *ops)
{
    for (size_t i = 0; i < ops->count; i++)
        op_free(ops->items[i]);
    free(ops->items);
    memset(ops, 0, sizeof(*ops));
}

/* Operations are kept after they end, so that clients can still poll them. */
static bool ops_append(struct mock_ops *ops, struct mock_op *op)
{
    if (ops->count == ops->capacity) {
        size_t cap = ops->capacity ? ops->capacity * 2 : 32;
        struct mock_op **items = realloc(ops->items, cap * sizeof(*items));
        if (!items)
            return false;
        ops->items = items;
        ops->capacity = cap;
    }
    ops->items[ops->count++] = op;
    return true;
}

/* True if a is b or one of them lies under the other ("/vnet" and "/vnet/subnets/s"). */
static bool related(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b), n = na < nb ? na : nb;
    if (strncasecmp(a, b, n) != 0)
        return false;
    return na == nb || (na > nb ? a[nb] == '/' : b[na] == '/');
}

/* A write on a resource, its parent or its child is refused while any of them runs, as in ARM. */
struct mock_op *mock_op_running(struct armmock *m, const char *resource_id)
{
    for (size_t i = 0; i < m->ops.count; i++) {
        struct mock_op *op = m->ops.items[i];
        if (strcmp(op->status, "InProgress") == 0 && related(op->resource_id, resource_id))
            return op;
    }
    return NULL;
}

/* Exactly this resource and kind: a group's own deletion, not some operation on what is inside it. */
struct mock_op *mock_op_find_running(struct armmock *m, const char *resource_id, enum mock_op_kind kind)
{
    for (size_t i = 0; i < m->ops.count; i++) {
        struct mock_op *op = m->ops.items[i];
        if (op->kind == kind && strcmp(op->status, "InProgress") == 0 && strcasecmp(op->resource_id, resource_id) == 0)
            return op;
    }
    return NULL;
}

/* The subscription of a resource id ("/subscriptions/{s}/..."); "" when the id has none (a corrupt state). */
static void subscription_of(const char *id, char out[64])
{
    static const char prefix[] = "/subscriptions/";
    out[0] = '\0';
    if (strncasecmp(id, prefix, sizeof(prefix) - 1) != 0)
        return;
    const char *s = id + sizeof(prefix) - 1;
    snprintf(out, 64, "%.*s", (int)strcspn(s, "/"), s);
}

/* A location as ARM writes it in URLs: lower case, without spaces ("China East 2" -> "chinaeast2"). */
static void url_location(const char *location, char out[64])
{
    size_t w = 0;
    for (const char *p = location; *p && w < 63; p++)
        if (isalnum((unsigned char)*p))
            out[w++] = (char)tolower((unsigned char)*p);
    out[w] = '\0';
    if (w == 0)
        snprintf(out, 64, "global");
}

/*
 * Seconds a client should wait before polling, as ARM sends it: whole
 * seconds, never 0 while the operation runs.  Clients read 0 as "no advice"
 * and fall back to their own interval (the Azure CLI waits 30 s, the JS SDK
 * 2 s), so a 0 would make a 50 ms operation the slowest of all.
 */
static int retry_after(const struct armmock *m, const struct mock_op *op, double now)
{
    (void)m;
    double left = op->end - now;
    return left <= 1 ? 1 : (int)ceil(left);
}

/*
 * Where to poll an operation: its status resource (form "operations", the
 * Azure-AsyncOperation header) or the Location form ("operationResults").
 * The api-version is the request's, which its handler has already checked.
 */
static void op_url(const struct armmock *m, const struct mock_op *op, const struct mock_request *rq, const char *form,
                   char *out, size_t size)
{
    char sub[64], loc[64];
    subscription_of(op->resource_id, sub);
    url_location(op->location, loc);
    const char *api = mock_arg(rq, "api-version");
    snprintf(out, size, "%s/subscriptions/%s/providers/%s/locations/%s/%s/%s?api-version=%s", m->url, sub,
             op->provider, loc, form, op->id, api ? api : "");
}

/* The headers of a running operation: where to poll it (both forms) and when. */
static void status_urls(const struct armmock *m, const struct mock_op *op, const struct mock_request *rq,
                        struct mock_response *rs)
{
    char url[1024];
    op_url(m, op, rq, "operations", url, sizeof(url));
    mock_add_header(rs, "Azure-AsyncOperation", "%s", url);
    op_url(m, op, rq, "operationResults", url, sizeof(url));
    mock_add_header(rs, "Location", "%s", url);
    mock_add_header(rs, "Retry-After", "%d", retry_after(m, op, rq->now));
}

/*
 * A write refused because op holds the resource, its parent or its child,
 * in the words of the provider that serves the resource written.  No
 * Retry-After: none of the quoted answers shows one (guess), so clients
 * wait their own interval.
 *
 * AKS: 409 OperationNotAllowed.  Its current wording, "Operation is not
 * allowed because there's an in progress update managed cluster operation
 * (operation ID: ...) on the managed cluster started on UTC ...", is quoted
 * in Azure/azure-cli-extensions#9855 (2026); the older one, still on
 * learn.microsoft.com/troubleshoot/azure/azure-kubernetes/
 * create-upgrade-delete/operationnotallowed and quoted in
 * Azure/azure-workload-identity#417, was "Operation is not allowed: Another
 * operation (Updating) is in progress, please wait for it to finish before
 * starting a new operation. See https://aka.ms/aks-pending-operation for
 * more details".  "create" and "delete" for the other kinds of operation
 * are a guess.
 *
 * The network provider and the others: 409 AnotherOperationInProgress
 * "Another operation on this or dependent resource is in progress. To
 * retrieve status of the operation use uri: <the running operation's
 * status URL>." (as a 409 in Azure/sap-automation#1052; the same code and
 * message as an operation's failure in Azure/bicep#5132 and
 * microsoft/AzureTRE#2222, which --fault ...:fail=AnotherOperationInProgress
 * reproduces).
 */
void mock_reply_busy(struct armmock *m, const struct mock_request *rq, const char *provider,
                     const struct mock_op *op, struct mock_response *rs)
{
    if (strcasecmp(provider, "Microsoft.ContainerService") == 0) {
        const struct mock_resource *r = mock_store_get(&m->store, op->resource_id);
        const char *state = r ? mock_json_str(mock_json_obj(r->body, "properties"), "provisioningState") : NULL;
        const char *verb = op->kind == MOCK_OP_DELETE                       ? "delete"
                           : state && strcmp(state, "Creating") == 0 ? "create"
                                                                     : "update";
        char started[32];
        time_t secs = (time_t)op->start;
        struct tm tm;
        gmtime_r(&secs, &tm);
        strftime(started, sizeof(started), "%Y-%m-%dT%H:%M:%SZ", &tm);
        mock_reply_error(rs, 409, "OperationNotAllowed",
                         "Operation is not allowed because there's an in progress %s managed cluster operation "
                         "(operation ID: %s) on the managed cluster started on UTC %s. Please wait for it to finish "
                         "before starting a new operation. You can also use 'az aks operation-abort ...' to abort "
                         "the ongoing operation.",
                         verb, op->id, started);
        return;
    }
    char url[1024];
    op_url(m, op, rq, "operations", url, sizeof(url));
    mock_reply_error(rs, 409, "AnotherOperationInProgress",
                     "Another operation on this or dependent resource is in progress. To retrieve status of the "
                     "operation use uri: %s.",
                     url);
}

/* The operation is made up for the answer: it never runs and nobody can poll it. */
void mock_reply_busy_injected(struct armmock *m, const struct mock_request *rq, struct mock_response *rs)
{
    char provider[128] = "Microsoft.Resources", id[37];
    const char *p = rq->path, *last = NULL;
    while ((p = strcasestr(p, "/providers/")) != NULL) {
        last = p + strlen("/providers/");
        p = last;
    }
    if (last)
        snprintf(provider, sizeof(provider), "%.*s", (int)strcspn(last, "/"), last);
    mock_uuid(id);
    const struct mock_resource *r = mock_store_get(&m->store, rq->path);
    const char *location = r ? mock_json_str(r->body, "location") : NULL;
    struct mock_op op = {.id = id, .resource_id = (char *)rq->path, .provider = provider,
                         .location = (char *)(location ? location : "global"), .start = mock_now(m),
                         .kind = strcmp(rq->method, "DELETE") == 0 ? MOCK_OP_DELETE : MOCK_OP_PUT};
    mock_response_free(rs);
    mock_reply_busy(m, rq, provider, &op, rs);
}

static void finish(struct armmock *m, struct mock_op *op);

/* "routeTables" of ".../routeTables/rt1" as the Network RP names its operations: "RouteTable". */
static void type_word(const char *resource_id, char *out, size_t size)
{
    const char *name = strrchr(resource_id, '/');
    const char *type = name;
    while (type && type > resource_id && type[-1] != '/')
        type--;
    size_t n = type && name > type ? (size_t)(name - type) : 0;
    if (n > 1 && type[n - 1] == 's')
        n--;
    snprintf(out, size, "%.*s", (int)n, type ? type : "");
    out[0] = (char)toupper((unsigned char)out[0]);
}

/*
 * The failure a --fault ...:fail[=CODE] rule plans for op.  Without a code:
 * InternalOperationError (the mock's own).  With one, the operation ends
 * Failed with it, and the network provider's two ways of saying "another
 * operation held the resource" read as Azure wrote them:
 * AnotherOperationInProgress with the message quoted in Azure/bicep#5132
 * and microsoft/AzureTRE#2222 (the URI there names the operation that held
 * the resource; the mock, which has none, names the failed one: guess), and
 * RetryableError "A retryable error occurred." with the detail
 * RetryableErrorDueToAnotherOperation "Operation DeleteRouteOperation is
 * updating resource <id>. The call can be retried in 11 seconds."
 * (kubernetes/kubernetes#88151; the operation's name and the seconds here:
 * guess).  Any other code gets a plain message.
 */
static bool plan_failure(const struct armmock *m, const struct mock_request *rq, struct mock_op *op,
                         const struct mock_fault *f)
{
    char msg[1400];
    const char *code = f->fail_code[0] ? f->fail_code : "InternalOperationError";
    if (strcmp(code, "AnotherOperationInProgress") == 0) {
        char url[1024];
        op_url(m, op, rq, "operations", url, sizeof(url));
        snprintf(msg, sizeof(msg),
                 "Another operation on this or dependent resource is in progress. To retrieve status of the "
                 "operation use uri: %s.",
                 url);
    } else if (strcmp(code, "RetryableError") == 0) {
        char type[64], detail[1200];
        type_word(op->resource_id, type, sizeof(type));
        snprintf(detail, sizeof(detail),
                 "Operation %s%sOperation is updating resource %s. The call can be retried in %d seconds.",
                 op->kind == MOCK_OP_DELETE ? "Delete" : "Put", type, op->resource_id, retry_after(m, op, rq->now));
        snprintf(msg, sizeof(msg), "A retryable error occurred.");
        cJSON *d = cJSON_CreateObject();
        op->fail_details = cJSON_CreateArray();
        cJSON_AddItemToArray(op->fail_details, d);
        cJSON_AddStringToObject(d, "code", "RetryableErrorDueToAnotherOperation");
        cJSON_AddStringToObject(d, "message", detail);
    } else {
        snprintf(msg, sizeof(msg), "The operation failed (injected by aksnet-mock --fault ...:fail%s%s).",
                 f->fail_code[0] ? "=" : "", f->fail_code);
    }
    op->fail_code = strdup(code);
    op->fail_message = strdup(msg);
    return op->fail_code && op->fail_message;
}

/* The answer that starts an operation, also given again to a client that repeats the request. */
void mock_op_answer(struct armmock *m, const struct mock_request *rq, const struct mock_op *op, int status,
                    struct mock_response *rs)
{
    status_urls(m, op, rq, rs);
    rs->status = status;
}

/* Every long-running write goes through here, so that each answers with the same headers and timing. */
struct mock_op *mock_op_start(struct armmock *m, const struct mock_request *rq, const char *resource_id,
                              enum mock_op_kind kind, const char *provider, const char *location, int status,
                              struct mock_response *rs)
{
    struct mock_op *op = calloc(1, sizeof(*op));
    char id[37];
    mock_uuid(id);
    if (!op || !(op->id = strdup(id)) || !(op->resource_id = strdup(resource_id)) ||
        !(op->provider = strdup(provider)) || !(op->location = strdup(location ? location : "global")) ||
        !ops_append(&m->ops, op)) {
        op_free(op);
        mock_reply_error(rs, 500, "InternalServerError", "The mock ran out of memory.");
        return NULL;
    }
    op->kind = kind;
    op->start = rq->now;
    op->end = rq->now + m->opt.lro_seconds;
    snprintf(op->status, sizeof(op->status), "InProgress");
    const struct mock_fault *f = mock_fault_take_fail(m, rq->method, rq->path);
    if (f && !plan_failure(m, rq, op, f)) {
        mock_reply_error(rs, 500, "InternalServerError", "The mock ran out of memory.");
        return NULL;
    }
    struct mock_resource *r = mock_store_get(&m->store, resource_id);
    if (r) {
        free(r->op_id);
        r->op_id = strdup(op->id);
    }
    rs->changed = true;
    if (m->opt.instant_operations && !op->fail_code) {
        /* ARM's synchronous answer: done before the response leaves, nothing to poll. */
        finish(m, op);
        rs->status = status == 202 ? 200 : status;
        return op;
    }
    mock_op_answer(m, rq, op, status, rs);
    return op;
}

/* End op without its effects: what it worked on went away with `why` (a group deleted around it). */
static void cancel(struct mock_op *op, const char *why, double when)
{
    snprintf(op->status, sizeof(op->status), "Canceled");
    op->end = when;
    cJSON_Delete(op->error);
    op->error = cJSON_CreateObject();
    cJSON_AddStringToObject(op->error, "code", "OperationCanceled");
    char msg[600];
    snprintf(msg, sizeof(msg), "The operation was canceled: '%s' was deleted.", why);
    cJSON_AddStringToObject(op->error, "message", msg);
}

/* True if id lies strictly under root ("/rg" and "/rg/providers/..."). */
static bool under(const char *id, const char *root)
{
    size_t n = strlen(root);
    return strncasecmp(id, root, n) == 0 && id[n] == '/';
}

/*
 * A finished DELETE: each top-level resource inside gets its delete hook
 * (a group's cluster, say, takes its node resource group along), running
 * operations inside are canceled, then the whole subtree goes.  Ids are
 * copied first because a hook may change the store.
 */
static void delete_subtree(struct armmock *m, struct mock_op *op)
{
    size_t n = 0;
    char **ids = calloc(m->store.count + 1, sizeof(char *));
    for (size_t i = 0; ids && i < m->store.count; i++) {
        const struct mock_resource *c = m->store.items[i];
        if (c->type && !c->type->child_type && c->type->on_delete_done && under(c->id, op->resource_id) &&
            (ids[n] = strdup(c->id)))
            n++;
    }
    for (size_t i = 0; i < n; i++) {
        struct mock_resource *c = mock_store_get(&m->store, ids[i]);
        if (c && c->type && c->type->on_delete_done)
            c->type->on_delete_done(m, c);
        free(ids[i]);
    }
    free(ids);
    struct mock_resource *r = mock_store_get(&m->store, op->resource_id);
    if (r && r->type && r->type->on_delete_done)
        r->type->on_delete_done(m, r);
    for (size_t i = 0; i < m->ops.count; i++) {
        struct mock_op *o = m->ops.items[i];
        if (o != op && strcmp(o->status, "InProgress") == 0 && under(o->resource_id, op->resource_id))
            cancel(o, op->resource_id, op->end);
    }
    mock_store_delete_tree(&m->store, op->resource_id);
}

/* Make op end as it should: failed (with its planned error) or succeeded. */
static void finish(struct armmock *m, struct mock_op *op)
{
    struct mock_resource *r = mock_store_get(&m->store, op->resource_id);
    if (r && op->kind == MOCK_OP_PUT && r->type && r->type->on_put_done && !op->fail_code)
        r->type->on_put_done(m, r, op);
    if (op->fail_code) {
        snprintf(op->status, sizeof(op->status), "Failed");
        op->error = cJSON_CreateObject();
        cJSON_AddStringToObject(op->error, "code", op->fail_code);
        cJSON_AddStringToObject(op->error, "message", op->fail_message ? op->fail_message : op->fail_code);
        cJSON_AddItemToObject(op->error, "details",
                              op->fail_details ? cJSON_Duplicate(op->fail_details, 1) : cJSON_CreateArray());
    } else {
        snprintf(op->status, sizeof(op->status), "Succeeded");
    }
    if (r) {
        free(r->op_id);
        r->op_id = NULL;
    }
    if (op->kind == MOCK_OP_DELETE && !op->fail_code) {
        delete_subtree(m, op);
        return;
    }
    cJSON *props = r ? mock_json_obj(r->body, "properties") : NULL;
    if (props)
        mock_json_set_str(props, "provisioningState", op->fail_code ? "Failed" : "Succeeded");
}

/* Called at the start of each request: due operations end in the order their clocks say. */
bool mock_ops_settle(struct armmock *m, double now)
{
    bool any = false;
    for (;;) {
        /* The earliest due first: a group deleted before a PUT inside it would have ended cancels that PUT. */
        struct mock_op *next = NULL;
        for (size_t i = 0; i < m->ops.count; i++) {
            struct mock_op *op = m->ops.items[i];
            if (strcmp(op->status, "InProgress") == 0 && now >= op->end && (!next || op->end < next->end))
                next = op;
        }
        if (!next)
            return any;
        finish(m, next);
        any = true;
    }
}

/* Status URLs name an operation by its id, which clients may re-case. */
static struct mock_op *find_op(struct armmock *m, const char *id)
{
    for (size_t i = 0; i < m->ops.count; i++)
        if (strcasecmp(m->ops.items[i]->id, id) == 0)
            return m->ops.items[i];
    return NULL;
}

/* The two polling forms ARM offers: the operation's status, or the Location form's result. */
void mock_op_status(struct armmock *m, const struct mock_request *rq, const char *op_id, bool location_form,
                    struct mock_response *rs)
{
    struct mock_op *op = find_op(m, op_id);
    if (!op) {
        mock_reply_error(rs, 404, "NotFound", "The operation '%s' was not found.", op_id);
        return;
    }
    bool running = strcmp(op->status, "InProgress") == 0;
    if (location_form) {
        if (running) {
            mock_op_answer(m, rq, op, 202, rs);
            return;
        }
        if (op->error) {
            const char *code = mock_json_str(op->error, "code"), *msg = mock_json_str(op->error, "message");
            mock_reply_error(rs, strcmp(op->status, "Canceled") == 0 ? 409 : 400, code ? code : "OperationFailed",
                             "%s", msg ? msg : "The operation failed.");
            const cJSON *details = cJSON_GetObjectItemCaseSensitive(op->error, "details");
            if (cJSON_GetArraySize(details) > 0)
                mock_json_set(mock_json_obj(rs->json, "error"), "details", cJSON_Duplicate(details, 1));
            return;
        }
        struct mock_resource *r = op->kind == MOCK_OP_PUT ? mock_store_get(&m->store, op->resource_id) : NULL;
        if (r)
            mock_reply(rs, 200, mock_present(m, r, mock_arg(rq, "api-version")));
        else
            rs->status = 204;
        return;
    }
    cJSON *body = cJSON_CreateObject();
    char t[40];
    cJSON_AddStringToObject(body, "id", rq->path);
    cJSON_AddStringToObject(body, "name", op->id);
    cJSON_AddStringToObject(body, "status", op->status);
    mock_time_string(op->start, t);
    cJSON_AddStringToObject(body, "startTime", t);
    if (!running) {
        mock_time_string(op->end, t);
        cJSON_AddStringToObject(body, "endTime", t);
    }
    if (op->error)
        cJSON_AddItemToObject(body, "error", cJSON_Duplicate(op->error, 1));
    if (running)
        mock_add_header(rs, "Retry-After", "%d", retry_after(m, op, rq->now));
    mock_reply(rs, 200, body);
}
