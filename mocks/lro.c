/*
 * lro.c - ARM's long-running operations.  An operation is a row with a start
 * and an end time; nothing runs in the background.  At the start of every
 * request, operations whose end has passed are settled (their effects
 * applied), so the mock's state is a pure function of the requests and the
 * clock, and tests move time through the clock seam instead of sleeping.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mock.h"

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
    cJSON_Delete(op->error);
    free(op);
}

void mock_ops_free(struct mock_ops *ops)
{
    for (size_t i = 0; i < ops->count; i++)
        op_free(ops->items[i]);
    free(ops->items);
    memset(ops, 0, sizeof(*ops));
}

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

struct mock_op *mock_op_running(struct armmock *m, const char *resource_id)
{
    for (size_t i = 0; i < m->ops.count; i++) {
        struct mock_op *op = m->ops.items[i];
        if (strcmp(op->status, "InProgress") == 0 && related(op->resource_id, resource_id))
            return op;
    }
    return NULL;
}

/* Seconds a client should wait before polling, as ARM sends it (whole seconds). */
static int retry_after(const struct armmock *m, const struct mock_op *op, double now)
{
    if (m->opt.lro_seconds < 1.0)
        return 0;
    double left = op->end - now;
    return left <= 0 ? 0 : (int)ceil(left);
}

static void status_urls(const struct armmock *m, const struct mock_op *op, const char *sub,
                        const char *api_version, struct mock_response *rs, double now)
{
    mock_add_header(rs, "Azure-AsyncOperation",
                    "%s/subscriptions/%s/providers/%s/locations/%s/operations/%s?api-version=%s", m->url, sub,
                    op->provider, op->location, op->id, api_version);
    mock_add_header(rs, "Location", "%s/subscriptions/%s/providers/%s/locations/%s/operationResults/%s?api-version=%s",
                    m->url, sub, op->provider, op->location, op->id, api_version);
    mock_add_header(rs, "Retry-After", "%d", retry_after(m, op, now));
}

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
    if (mock_fault_take_fail(m, rq->method, rq->path)) {
        op->fail_code = strdup("InternalOperationError");
        op->fail_message = strdup("The operation failed (injected by aksnet-mock --fault ...:fail).");
    }
    struct mock_resource *r = mock_store_get(&m->store, resource_id);
    if (r) {
        free(r->op_id);
        r->op_id = strdup(op->id);
    }
    /* The subscription is the second segment of every resource id. */
    char sub[64] = "";
    const char *s = resource_id + strlen("/subscriptions/");
    snprintf(sub, sizeof(sub), "%.*s", (int)strcspn(s, "/"), s);
    const char *api = mock_arg(rq, "api-version");
    status_urls(m, op, sub, api ? api : "", rs, rq->now);
    rs->status = status;
    rs->changed = true;
    return op;
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
    } else {
        snprintf(op->status, sizeof(op->status), "Succeeded");
    }
    if (r) {
        free(r->op_id);
        r->op_id = NULL;
    }
    if (op->kind == MOCK_OP_DELETE && !op->fail_code) {
        if (r && r->type && r->type->on_delete_done)
            r->type->on_delete_done(m, r);
        mock_store_delete_tree(&m->store, op->resource_id);
        return;
    }
    cJSON *props = r ? mock_json_obj(r->body, "properties") : NULL;
    if (props)
        mock_json_set_str(props, "provisioningState", op->fail_code ? "Failed" : "Succeeded");
}

void mock_ops_settle(struct armmock *m, double now)
{
    for (size_t i = 0; i < m->ops.count; i++) {
        struct mock_op *op = m->ops.items[i];
        if (strcmp(op->status, "InProgress") == 0 && now >= op->end)
            finish(m, op);
    }
}

static struct mock_op *find_op(struct armmock *m, const char *id)
{
    for (size_t i = 0; i < m->ops.count; i++)
        if (strcasecmp(m->ops.items[i]->id, id) == 0)
            return m->ops.items[i];
    return NULL;
}

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
            const char *s = op->resource_id + strlen("/subscriptions/");
            char sub[64];
            snprintf(sub, sizeof(sub), "%.*s", (int)strcspn(s, "/"), s);
            const char *api = mock_arg(rq, "api-version");
            status_urls(m, op, sub, api ? api : "", rs, rq->now);
            rs->status = 202;
            return;
        }
        if (op->error) {
            mock_reply_error(rs, 400, mock_json_str(op->error, "code"), "%s", mock_json_str(op->error, "message"));
            return;
        }
        struct mock_resource *r = op->kind == MOCK_OP_PUT ? mock_store_get(&m->store, op->resource_id) : NULL;
        if (r)
            mock_reply(rs, 200, cJSON_Duplicate(r->body, 1));
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
