/*
 * arm.c - Azure Resource Manager over the HTTP pipeline: GET, list (with
 * nextLink), PUT, DELETE, POST with an api-version, and waiting for an
 * operation a previous run left behind.  Writes are followed to the end by
 * lro.c; requests and ARM's error envelope are request.c's.
 */
#include "arm_internal.h"
#include "utf8.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the API ------------------------------------------------------------------------- */

/*
 * A 404 is an answer here ("not there"), not a failure: GET before PUT
 * depends on it.  A 2xx must carry a resource: a JSON object.
 */
aksnet_code aksnet__arm_get(const struct aksnet__arm_client *client, const char *id, const char *api_version,
                            cJSON **out, struct aksnet_error *err)
{
    if (out)
        *out = NULL;
    char *url;
    aksnet_code rc = aksnet__arm_resource_url(client, id, api_version, &url, err);
    if (rc != AKSNET_OK)
        return rc;
    struct aksnet__http_response rs = {0};
    rc = aksnet__arm_send_request(client, "GET", url, NULL, &rs, err);
    if (rc == AKSNET_OK && rs.status != 404) {
        cJSON *body = NULL;
        if (!aksnet__arm_ok_status(rs.status))
            rc = aksnet__arm_refused("GET", id, &rs, err);
        else
            rc = aksnet__arm_parse_resource("GET", id, &rs, &body, err);
        if (out && rc == AKSNET_OK)
            *out = body;
        else
            cJSON_Delete(body);
    }
    aksnet__http_response_free(&rs);
    free(url);
    return rc;
}

/* url + "&$filter=" + filter, every byte but RFC 3986's unreserved ones percent-encoded. */
static char *with_filter(char *url, const char *filter)
{
    size_t n = strlen(url), size = n + sizeof("&%24filter=") + 3 * strlen(filter);
    char *out = realloc(url, size);
    if (!out) {
        free(url);
        return NULL;
    }
    char *w = out + n;
    w += snprintf(w, size - n, "&%%24filter=");
    for (const unsigned char *p = (const unsigned char *)filter; *p; p++) {
        if (isalnum(*p) || strchr("-._~", *p))
            *w++ = (char)*p;
        else
            w += snprintf(w, 4, "%%%02X", *p);
    }
    *w = '\0';
    return out;
}

/* One page: its items appended to all, *next the nextLink (NULL at the end). */
static aksnet_code list_page(const struct aksnet__arm_client *client, const char *url, const char *path, cJSON *all,
                             char **next, struct aksnet_error *err)
{
    *next = NULL;
    struct aksnet__http_response rs = {0};
    aksnet_code rc = aksnet__arm_send_request(client, "GET", url, NULL, &rs, err);
    cJSON *body = rc == AKSNET_OK && aksnet__arm_ok_status(rs.status) ? aksnet__arm_parse_body(&rs) : NULL;
    if (rc == AKSNET_OK && rs.status != 404) {
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(body, "value");
        const cJSON *link = cJSON_GetObjectItemCaseSensitive(body, "nextLink");
        if (!aksnet__arm_ok_status(rs.status))
            rc = aksnet__arm_refused("GET", path, &rs, err);
        else if (!cJSON_IsArray(value))
            rc = aksnet__arm_not_json("GET", path, &rs, err);
        for (const cJSON *it = rc == AKSNET_OK ? value->child : NULL; it; it = it->next)
            cJSON_AddItemToArray(all, cJSON_Duplicate(it, 1));
        if (rc == AKSNET_OK && cJSON_IsString(link) && link->valuestring[0] &&
            (rc = aksnet__arm_check_operation_url(client, link->valuestring, err)) == AKSNET_OK &&
            !(*next = strdup(link->valuestring)))
            rc = aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    }
    cJSON_Delete(body);
    aksnet__http_response_free(&rs);
    return rc;
}

/*
 * Is url a page this list has read already?  If not, it joins seen.  A
 * server that names a page again loops: the Azure SDKs followed such
 * links for ever (Azure/azure-cli#8597, Azure/msrest-for-python#147,
 * Azure/azure-libraries-for-net#996), so a repeat ends the list here.
 */
static aksnet_code next_page_allowed(const char *url, const char *path, char **seen, int *nseen, int limit,
                                     struct aksnet_error *err)
{
    char *key = aksnet__http_url_normalize(url);
    if (!key)
        return aksnet_error_set(err, AKSNET_EARM, "ARM's list of %.300s named a next page that is not a URL", path);
    for (int i = 0; i < *nseen; i++)
        if (strcmp(seen[i], key) == 0) {
            free(key);
            return aksnet_error_set(err, AKSNET_EARM,
                                    "ARM's list of %.300s loops: after %d pages its nextLink names a page already "
                                    "read (%.300s); the list is incomplete",
                                    path, *nseen, url);
        }
    if (*nseen == limit) {
        free(key);
        return aksnet_error_set(err, AKSNET_EARM, "ARM's list of %.300s goes on past %d pages; the list is incomplete",
                                path, limit);
    }
    seen[(*nseen)++] = key;
    return AKSNET_OK;
}

/* Role assignments at a scope, say: small collections, but ARM pages them all the same. */
aksnet_code aksnet__arm_list(const struct aksnet__arm_client *client, const char *path, const char *api_version,
                             const char *filter, cJSON **out, struct aksnet_error *err)
{
    *out = NULL;
    char *url;
    aksnet_code rc = aksnet__arm_resource_url(client, path, api_version, &url, err);
    if (rc != AKSNET_OK)
        return rc;
    if (filter && !(url = with_filter(url, filter)))
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    int limit = client->list_pages > 0 ? client->list_pages : AKSNET_ARM_LIST_PAGES, nseen = 0;
    char **seen = calloc((size_t)limit, sizeof(*seen));
    cJSON *all = cJSON_CreateArray();
    if (!all || !seen)
        rc = aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    while (rc == AKSNET_OK && url) {
        char *next = NULL;
        rc = next_page_allowed(url, path, seen, &nseen, limit, err);
        if (rc == AKSNET_OK)
            rc = list_page(client, url, path, all, &next, err);
        free(url);
        url = next;
    }
    free(url);
    for (int i = 0; i < nseen; i++)
        free(seen[i]);
    free(seen);
    if (rc == AKSNET_OK)
        *out = all;
    else
        cJSON_Delete(all);
    return rc;
}

/*
 * Is this failure an operation's (it ran: followed) that ended Failed only
 * because another operation held the resource (Azure/bicep#5132,
 * kubernetes/kubernetes#88151), with a retry left?  Then the write goes
 * again after aksnet__arm_pause_before_retry.  A refused request is not:
 * send_write has already waited out busy 409s.
 */
static bool failed_busy(aksnet_code rc, bool followed, const struct aksnet_error *err, int attempt)
{
    return rc == AKSNET_EARM && followed && err && aksnet__arm_busy_code(err->arm_code, err->arm_message) &&
           attempt < AKSNET_ARM_CONFLICT_RETRIES;
}

/*
 * One PUT followed to its end; *final receives the resource as it ended.
 * *followed says whether a failure is the operation's (it ran and ended
 * Failed) rather than the request's (send_write already waited out 409s).
 */
static aksnet_code put_once(const struct aksnet__arm_op *op, const char *url, const char *id, const cJSON *body,
                            cJSON **final, bool *followed, struct aksnet_error *err)
{
    struct aksnet__http_response rs = {0};
    aksnet_code rc = aksnet__arm_send_write(op, "PUT", url, body, &rs, err);
    if (rc == AKSNET_OK && !aksnet__arm_ok_status(rs.status))
        rc = aksnet__arm_refused("PUT", id, &rs, err);
    *followed = rc == AKSNET_OK;
    if (rc == AKSNET_OK)
        rc = aksnet__arm_follow(op, url, true, &rs, final, err);
    aksnet__http_response_free(&rs);
    return rc;
}

aksnet_code aksnet__arm_put(const struct aksnet__arm_client *client, const char *id, const char *api_version,
                            const cJSON *body, const struct aksnet__lro_options *lro, cJSON **out,
                            struct aksnet_error *err)
{
    return aksnet__arm_put_if_match(client, id, api_version, body, NULL, lro, out, err);
}

aksnet_code aksnet__arm_put_if_match(const struct aksnet__arm_client *client, const char *id, const char *api_version,
                                     const cJSON *body, const char *etag, const struct aksnet__lro_options *lro,
                                     cJSON **out, struct aksnet_error *err)
{
    if (out)
        *out = NULL;
    if (!body)
        return aksnet_error_set(err, AKSNET_EINVAL, "PUT %.200s: no body", id ? id : "");
    char *url;
    aksnet_code rc = aksnet__arm_resource_url(client, id, api_version, &url, err);
    if (rc != AKSNET_OK)
        return rc;
    struct aksnet__arm_op op; /* one deadline for every attempt: waiting out another operation uses it up too */
    aksnet__arm_op_init(&op, client, lro, "PUT", id);
    op.if_match = etag;
    cJSON *final = NULL;
    for (int attempt = 0;; attempt++) {
        bool followed = false;
        rc = put_once(&op, url, id, body, out ? &final : NULL, &followed, err);
        if (!failed_busy(rc, followed, err, attempt))
            break;
        rc = aksnet__arm_pause_before_retry(&op, url, err);
        if (rc != AKSNET_OK)
            break;
    }
    if (rc == AKSNET_OK && out)
        *out = final;
    else
        cJSON_Delete(final);
    free(url);
    return rc;
}

/* One DELETE followed to its end; *followed as for put_once. */
static aksnet_code delete_once(const struct aksnet__arm_op *op, const char *url, const char *id, bool *followed,
                               struct aksnet_error *err)
{
    struct aksnet__http_response rs = {0};
    aksnet_code rc = aksnet__arm_send_write(op, "DELETE", url, NULL, &rs, err);
    *followed = false;
    if (rc == AKSNET_OK && rs.status != 204 && rs.status != 404) {
        *followed = aksnet__arm_ok_status(rs.status);
        rc = *followed ? aksnet__arm_follow(op, url, false, &rs, NULL, err)
                       : aksnet__arm_refused("DELETE", id, &rs, err);
    }
    aksnet__http_response_free(&rs);
    return rc;
}

/* 204 and 404 both mean there is nothing (left) to delete. */
aksnet_code aksnet__arm_delete(const struct aksnet__arm_client *client, const char *id, const char *api_version,
                               const struct aksnet__lro_options *lro, struct aksnet_error *err)
{
    char *url;
    aksnet_code rc = aksnet__arm_resource_url(client, id, api_version, &url, err);
    if (rc != AKSNET_OK)
        return rc;
    struct aksnet__arm_op op;
    aksnet__arm_op_init(&op, client, lro, "DELETE", id);
    for (int attempt = 0;; attempt++) {
        bool followed = false;
        rc = delete_once(&op, url, id, &followed, err);
        if (!failed_busy(rc, followed, err, attempt))
            break;
        rc = aksnet__arm_pause_before_retry(&op, url, err);
        if (rc != AKSNET_OK)
            break;
    }
    free(url);
    return rc;
}

/* Actions (provider registration) answer at once: no operation is followed. */
aksnet_code aksnet__arm_post(const struct aksnet__arm_client *client, const char *id, const char *api_version,
                             const cJSON *body, cJSON **out, struct aksnet_error *err)
{
    if (out)
        *out = NULL;
    char *url;
    aksnet_code rc = aksnet__arm_resource_url(client, id, api_version, &url, err);
    if (rc != AKSNET_OK)
        return rc;
    struct aksnet__http_response rs = {0};
    rc = aksnet__arm_send_request(client, "POST", url, body, &rs, err);
    if (rc == AKSNET_OK && !aksnet__arm_ok_status(rs.status))
        rc = aksnet__arm_refused("POST", id, &rs, err);
    if (rc == AKSNET_OK && rs.body_len) {
        cJSON *parsed = aksnet__arm_parse_body(&rs);
        if (!parsed)
            rc = aksnet__arm_not_json("POST", id, &rs, err);
        if (out && rc == AKSNET_OK)
            *out = parsed;
        else
            cJSON_Delete(parsed);
    }
    aksnet__http_response_free(&rs);
    free(url);
    return rc;
}

/*
 * ARM's Location URLs name ".../operationResults/..." (and some RPs mark
 * them "monitor=true"); status URLs name ".../operations/...".
 */
static bool location_form(const char *url)
{
    const char *query = strchr(url, '?');
    size_t path_len = query ? (size_t)(query - url) : strlen(url);
    return aksnet__arm_contains_ci(url, path_len, "/operationresults/") ||
           (query && aksnet__arm_contains_ci(query, strlen(query), "monitor=true"));
}

/* The first poll goes out at once: the earlier run has already waited. */
aksnet_code aksnet__arm_wait(const struct aksnet__arm_client *client, const char *operation_url,
                             const struct aksnet__lro_options *lro, struct aksnet_error *err)
{
    aksnet_code rc = aksnet__arm_check_client(client, err);
    if (rc == AKSNET_OK)
        rc = aksnet__http_check_url(operation_url, err);
    if (rc == AKSNET_OK && aksnet__arm_check_operation_url(client, operation_url, err) != AKSNET_OK)
        rc = err ? (err->code = AKSNET_EINVAL) : AKSNET_EINVAL; /* the caller's URL, not ARM's answer */
    if (rc != AKSNET_OK)
        return rc;
    struct aksnet__arm_op op;
    aksnet__arm_op_init(&op, client, lro, NULL, operation_url);
    return location_form(operation_url) ? aksnet__arm_poll_location(&op, operation_url, 0, err)
                                        : aksnet__arm_poll_async(&op, operation_url, 0, err);
}
