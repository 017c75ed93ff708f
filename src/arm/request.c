/*
 * request.c - the bottom of the ARM client: text cut to fit messages, JSON
 * read leniently, ARM's error envelope turned into struct aksnet_error, and
 * one request sent through the pipeline.  Nothing here retries or touches
 * a token: the pipeline does (retry and bearer policies).
 */
#include "arm_internal.h"
#include "resid.h"
#include "utf8.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- text ---------------------------------------------------------------------- */

/*
 * Text from the server into a fixed buffer: cut to fit (on a character
 * boundary), control characters as spaces so a message cannot drive a
 * terminal or split a log line, bytes that are not UTF-8 as '?'.
 */
void aksnet__arm_copy_text(char *dst, size_t size, const char *src)
{
    aksnet__utf8_sanitize(dst, size, src);
}

/* Formatted text into a fixed buffer, cut (on a character boundary) when it does not fit: by design. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 0)))
#endif
static void vformat(char *out, size_t size, const char *fmt, va_list ap)
{
    int n = vsnprintf(out, size, fmt, ap);
    if (n < 0)
        out[0] = '\0';
    else if ((size_t)n >= size)
        aksnet__utf8_trim_partial(out);
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void format_text(char *out, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vformat(out, size, fmt, ap);
    va_end(ap);
}

/* err->message by format, keeping the ARM fields already filled; control characters blanked. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void aksnet__arm_set_message(struct aksnet_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    char buf[AKSNET_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vformat(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    aksnet__arm_copy_text(err->message, sizeof(err->message), buf);
}

/* Does text hold needle, in any case?  (strcasestr is a GNU extension.) */
bool aksnet__arm_contains_ci(const char *text, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (strncasecmp(text + i, needle, n) == 0)
            return true;
    return false;
}

/* ---- JSON ---------------------------------------------------------------------- */

/* The body as JSON, or NULL when empty, not UTF-8 or not JSON. */
cJSON *aksnet__arm_parse_body(const struct aksnet__http_response *rs)
{
    if (!rs->body || rs->body_len == 0 || aksnet__utf8_invalid_offset(rs->body, rs->body_len) != rs->body_len)
        return NULL;
    return cJSON_ParseWithLength(rs->body, rs->body_len);
}

const char *aksnet__arm_provisioning_state(const cJSON *resource)
{
    return aksnet__json_str(cJSON_GetObjectItemCaseSensitive(resource, "properties"), "provisioningState");
}

/*
 * Succeeded, Failed and Canceled end an operation, in any case (ARM's async
 * contract: Azure/azure-resource-manager-rpc, v1.0/async-api-reference.md).
 */
bool aksnet__arm_terminal(const char *state)
{
    return state && (strcasecmp(state, "Succeeded") == 0 || strcasecmp(state, "Failed") == 0 ||
                     strcasecmp(state, "Canceled") == 0);
}

bool aksnet__arm_succeeded(const char *state)
{
    return state && strcasecmp(state, "Succeeded") == 0;
}

/*
 * The states aksnet expects to see while an operation runs.  ARM lets
 * every resource provider name its own ("Any state other than above three
 * terminal states is a non-terminal state (e.g. ... "Deleted", "Accepted"
 * etc.)": Azure/azure-resource-manager-rpc, v1.0/async-api-reference.md),
 * so any other is still running too, only worth saying so.  InProgress,
 * Running and NotStarted are the operation statuses azcore knows
 * (Azure/azure-sdk-for-go, sdk/azcore/internal/pollers/util.go);
 * Updating and Deleting the network provider's (network.json's
 * ProvisioningState); Creating, Upgrading, Scaling, Starting, Stopping and
 * Canceling the ones AKS shows while it works (Upgrading is the one
 * rancher/rancher#26907 mistook for a failure; Canceling:
 * learn.microsoft.com/azure/aks/manage-abort-operations); Provisioning an
 * older spelling of the same; Deleted is what lro.c itself reports when a
 * resource being deleted answers 404.
 */
bool aksnet__arm_known_state(const char *state)
{
    static const char *const known[] = {"Succeeded", "Failed",    "Canceled", "Accepted", "InProgress",
                                        "Running",   "NotStarted", "Creating", "Updating", "Deleting",
                                        "Provisioning", "Upgrading", "Scaling", "Starting", "Stopping",
                                        "Canceling", "Deleted", NULL};
    for (size_t i = 0; state && known[i]; i++)
        if (strcasecmp(state, known[i]) == 0)
            return true;
    return false;
}

/* ---- the error envelope -------------------------------------------------------------- */

/*
 * Top-level messages that say only "look at the details": then the first
 * detail is what a person needs to read.  "A retryable error occurred." is
 * the network provider's RetryableError, whose detail names the operation
 * that held the resource (kubernetes/kubernetes#88151).
 */
static bool generic_message(const char *msg)
{
    static const char *const generic[] = {"Cannot parse the request", "The request is invalid", "Bad Request",
                                          "An error has occurred", "One or more errors occurred",
                                          "The request content was invalid", "A retryable error occurred", NULL};
    size_t n = msg ? strlen(msg) : 0;
    if (n == 0 || aksnet__arm_contains_ci(msg, n, "details"))
        return true;
    while (n > 0 && (msg[n - 1] == '.' || msg[n - 1] == ' '))
        n--;
    for (size_t i = 0; generic[i]; i++)
        if (strlen(generic[i]) == n && strncasecmp(msg, generic[i], n) == 0)
            return true;
    return false;
}

/* {"error":{...}}, or the older envelope with code and message at the top. */
const cJSON *aksnet__arm_envelope(const cJSON *body)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(body, "error");
    if (cJSON_IsObject(e))
        return e;
    return aksnet__json_str(body, "code") ? body : NULL;
}

/* arm_code and arm_message from an error object, the first detail added to a generic message. */
void aksnet__arm_fill_arm_fields(struct aksnet_error *err, const cJSON *e)
{
    const char *code = aksnet__json_str(e, "code"), *msg = aksnet__json_str(e, "message");
    aksnet__arm_copy_text(err->arm_code, sizeof(err->arm_code), code);
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(e, "details"), 0);
    const char *dcode = aksnet__json_str(first, "code"), *dmsg = aksnet__json_str(first, "message");
    if ((dcode || dmsg) && generic_message(msg)) {
        char buf[AKSNET_ERROR_ARM_MESSAGE_MAX];
        format_text(buf, sizeof(buf), "%s%s(%s%s%s)", msg ? msg : "", msg && *msg ? " " : "", dcode ? dcode : "",
                 dcode && dmsg ? ": " : "", dmsg ? dmsg : "");
        aksnet__arm_copy_text(err->arm_message, sizeof(err->arm_message), buf);
    } else {
        aksnet__arm_copy_text(err->arm_message, sizeof(err->arm_message), msg);
    }
}

/*
 * The part of a message that says what ARM answered: "Code: message", or
 * for a body that is no envelope (a gateway's HTML page) the status and the
 * start of the body.
 */
static void describe(const struct aksnet_error *err, const struct aksnet__http_response *rs, char *out, size_t size)
{
    if (err->arm_code[0] || err->arm_message[0]) {
        format_text(out, size, "%s%s%s", err->arm_code[0] ? err->arm_code : "", err->arm_code[0] ? ": " : "",
                 err->arm_message[0] ? err->arm_message : "(no message)");
    } else if (rs->body && rs->body_len) {
        char excerpt[201];
        aksnet__arm_copy_text(excerpt, sizeof(excerpt), rs->body);
        format_text(out, size, "HTTP %ld: %s", rs->status, excerpt);
    } else {
        snprintf(out, size, "HTTP %ld with an empty body", rs->status);
    }
}

/*
 * ARM refuses a token with 401 (InvalidAuthenticationToken,
 * ExpiredAuthenticationToken, ...: learn.microsoft.com/azure/
 * azure-resource-manager/troubleshooting/common-deployment-errors); the
 * bearer policy has already fetched a fresh one once, so a 401 that comes
 * back is the credential's failure, not a refusal of what was asked.
 */
static aksnet_code refusal_code(long status)
{
    return status == 401 ? AKSNET_EAUTH : AKSNET_EARM;
}

/* Status, request id and ARM's fields; the message is the caller's. */
static void fill_from_response(const struct aksnet__http_response *rs, struct aksnet_error *err)
{
    aksnet_error_clear(err);
    err->code = refusal_code(rs->status);
    err->http_status = (int)rs->status;
    aksnet__arm_copy_text(err->request_id, sizeof(err->request_id),
                          aksnet__http_response_header(rs, "x-ms-request-id"));
    cJSON *body = aksnet__arm_parse_body(rs);
    const cJSON *e = aksnet__arm_envelope(body);
    if (e)
        aksnet__arm_fill_arm_fields(err, e);
    cJSON_Delete(body);
}

/* The envelope is parsed leniently: whatever is there is kept, nothing is required. */
aksnet_code aksnet__arm_error_from_response(const struct aksnet__http_response *rs, struct aksnet_error *err)
{
    if (!rs)
        return AKSNET_EARM;
    if (!err)
        return refusal_code(rs->status);
    fill_from_response(rs, err);
    char what[AKSNET_ERROR_MESSAGE_MAX];
    describe(err, rs, what, sizeof(what));
    aksnet__arm_set_message(err, "ARM refused the %srequest: %s", rs->status == 401 ? "token of the " : "", what);
    return err->code;
}

/* "ARM refused PUT <id>: <code>: <message>", the id shortened so ARM's words fit. */
aksnet_code aksnet__arm_refused(const char *method, const char *what, const struct aksnet__http_response *rs,
                                struct aksnet_error *err)
{
    if (!err)
        return refusal_code(rs->status);
    fill_from_response(rs, err);
    char text[AKSNET_ERROR_MESSAGE_MAX];
    describe(err, rs, text, sizeof(text));
    aksnet__arm_set_message(err, "ARM refused %s%s %.200s: %s", rs->status == 401 ? "the token for " : "", method,
                            what, text);
    return err->code;
}

/* A 2xx whose body should be a resource but is not JSON. */
aksnet_code aksnet__arm_not_json(const char *method, const char *what, const struct aksnet__http_response *rs,
                                 struct aksnet_error *err)
{
    if (!err)
        return AKSNET_EPROTO;
    fill_from_response(rs, err);
    err->code = AKSNET_EPROTO;
    aksnet__arm_set_message(err, "ARM answered %s %.200s with HTTP %ld and a body that is not JSON", method, what,
                            rs->status);
    return AKSNET_EPROTO;
}

/* What a JSON value is, for a message. */
static const char *json_kind(const cJSON *v)
{
    return cJSON_IsArray(v) ? "a JSON array" : cJSON_IsString(v) ? "a JSON string" : cJSON_IsNumber(v) ? "a number"
         : cJSON_IsBool(v) ? "a boolean" : cJSON_IsNull(v) ? "null" : "JSON that is not an object";
}

/*
 * The body of a 2xx that should be a resource (or an operation's status):
 * a JSON object.  An array, a string or a number is not read as one (its
 * members would be missing, not different): AKSNET_EPROTO.  *out is the
 * object (caller cJSON_Deletes) or NULL on an error.
 */
aksnet_code aksnet__arm_parse_resource(const char *method, const char *what, const struct aksnet__http_response *rs,
                                       cJSON **out, struct aksnet_error *err)
{
    *out = aksnet__arm_parse_body(rs);
    if (!*out)
        return aksnet__arm_not_json(method, what, rs, err);
    if (cJSON_IsObject(*out))
        return AKSNET_OK;
    char kind[64];
    snprintf(kind, sizeof(kind), "%s", json_kind(*out));
    cJSON_Delete(*out);
    *out = NULL;
    if (!err)
        return AKSNET_EPROTO;
    fill_from_response(rs, err);
    err->code = AKSNET_EPROTO;
    aksnet__arm_set_message(err, "ARM answered %s %.200s with something that is not a resource (HTTP %ld, %s)",
                            method, what, rs->status, kind);
    return AKSNET_EPROTO;
}

bool aksnet__arm_is_conflict(const struct aksnet__http_response *rs, char *code, size_t size)
{
    if (rs->status != 409)
        return false;
    cJSON *body = aksnet__arm_parse_body(rs);
    const cJSON *e = aksnet__arm_envelope(body);
    bool busy = aksnet__arm_busy_code(aksnet__json_str(e, "code"), aksnet__json_str(e, "message"));
    if (busy)
        aksnet__arm_copy_text(code, size, aksnet__json_str(e, "code"));
    cJSON_Delete(body);
    return busy;
}

/*
 * The codes with which ARM says "another operation holds this resource, try
 * again": the network provider's AnotherOperationInProgress (as a 409 and as
 * an operation that ends Failed: Azure/bicep#5132, microsoft/AzureTRE#2222)
 * and RetryableError (RetryableErrorDueToAnotherOperation on a route table:
 * kubernetes/kubernetes#88151), and AKS's 409 OperationNotAllowed "Another
 * operation (...) is in progress" (learn.microsoft.com/troubleshoot/azure/
 * azure-kubernetes/create-upgrade-delete/operationnotallowed), today worded
 * "Operation is not allowed because there's an in progress update managed
 * cluster operation (...)" (Azure/azure-cli-extensions#9855).  AKS uses
 * OperationNotAllowed for refusals that waiting does not cure too ("since
 * deletion was issued"), so that code counts only when its message says an
 * operation is in progress, as every variant seen does.
 */
bool aksnet__arm_busy_code(const char *code, const char *message)
{
    if (!code)
        return false;
    if (strcmp(code, "AnotherOperationInProgress") == 0 || strcmp(code, "RetryableError") == 0)
        return true;
    return strcmp(code, "OperationNotAllowed") == 0 && message &&
           aksnet__arm_contains_ci(message, strlen(message), "in progress");
}

/* ---- requests --------------------------------------------------------------------- */

/* Refused early, so a caller's mistake is not sent (and not blamed on ARM). */
aksnet_code aksnet__arm_check_client(const struct aksnet__arm_client *client, struct aksnet_error *err)
{
    if (!client || !client->endpoint || !*client->endpoint)
        return aksnet_error_set(err, AKSNET_EINVAL, "the ARM client has no endpoint");
    if (!client->pipeline || !client->pipeline->process)
        return aksnet_error_set(err, AKSNET_EINVAL, "the ARM client has no HTTP pipeline");
    return AKSNET_OK;
}

/* api-versions are dates with an optional "-preview": nothing that could change the query. */
static bool version_ok(const char *v)
{
    if (!v || !*v)
        return false;
    for (const char *p = v; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
            return false;
    return true;
}

/* Bytes a path may carry as they are; everything else is percent-encoded (RFC 3986 pchar and '/'). */
static bool path_char(unsigned char c)
{
    return isalnum(c) || (c && strchr("-._~!$&'()*+,;=:@/", c));
}

/*
 * endpoint + id + "?api-version=" + version.  An id is a path starting with
 * '/'; a name with spaces or non-ASCII letters (resource groups allow them)
 * is percent-encoded, and '?' or '#' in an id, or a dot segment, is refused
 * rather than changing what is asked.
 */
aksnet_code aksnet__arm_resource_url(const struct aksnet__arm_client *client, const char *id, const char *version,
                                     char **out, struct aksnet_error *err)
{
    *out = NULL;
    aksnet_code rc = aksnet__arm_check_client(client, err);
    if (rc != AKSNET_OK)
        return rc;
    char shown[201];
    if (!aksnet__resid_path_ok(id))
        return aksnet_error_set(err, AKSNET_EINVAL, "'%s' is not an ARM resource id (\"/subscriptions/...\")",
                                aksnet__utf8_sanitize(shown, sizeof(shown), id));
    if (!version_ok(version))
        return aksnet_error_set(err, AKSNET_EINVAL, "api-version '%.64s' is not valid", version ? version : "");
    size_t elen = strlen(client->endpoint);
    while (elen > 0 && client->endpoint[elen - 1] == '/')
        elen--;
    size_t size = elen + 3 * strlen(id) + sizeof("?api-version=") + strlen(version);
    char *url = malloc(size), *w = url;
    if (!url)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    memcpy(w, client->endpoint, elen);
    w += elen;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
        if (path_char(*p)) {
            *w++ = (char)*p;
        } else {
            snprintf(w, 4, "%%%02X", *p);
            w += 3;
        }
    }
    snprintf(w, size - (size_t)(w - url), "?api-version=%s", version);
    *out = url;
    return AKSNET_OK;
}

/* One request through the client's pipeline; rs is freed first so it can be reused. */
aksnet_code aksnet__arm_send_request(const struct aksnet__arm_client *client, const char *method, const char *url,
                                     const cJSON *body, struct aksnet__http_response *rs, struct aksnet_error *err)
{
    return aksnet__arm_send_request_if(client, method, url, body, NULL, rs, err);
}

/* With If-Match (an ETag as ARM gave it, weak form and quotes included) when if_match is not NULL. */
aksnet_code aksnet__arm_send_request_if(const struct aksnet__arm_client *client, const char *method, const char *url,
                                        const cJSON *body, const char *if_match, struct aksnet__http_response *rs,
                                        struct aksnet_error *err)
{
    return aksnet__arm_send_request_within(client, method, url, body, if_match, 0, rs, err);
}

/* The request carries the deadline, so that the retry policy never waits past it. */
aksnet_code aksnet__arm_send_request_within(const struct aksnet__arm_client *client, const char *method,
                                            const char *url, const cJSON *body, const char *if_match,
                                            double deadline, struct aksnet__http_response *rs,
                                            struct aksnet_error *err)
{
    aksnet__http_response_free(rs);
    aksnet_code rc = aksnet__arm_check_client(client, err);
    if (rc != AKSNET_OK)
        return rc;
    struct aksnet__http_request rq;
    rc = aksnet__http_request_init(&rq, method, url, err);
    if (rc != AKSNET_OK)
        return rc;
    rq.deadline = deadline;
    if (if_match && aksnet__http_request_set_header(&rq, "If-Match", if_match) != AKSNET_OK) {
        aksnet__http_request_free(&rq);
        return aksnet_error_set(err, AKSNET_EINVAL, "%s %.200s: the ETag is not a valid header value", method, url);
    }
    if (body) {
        char *text = cJSON_PrintUnformatted(body);
        rc = text ? aksnet__http_request_set_body(&rq, text, strlen(text), "application/json") : AKSNET_ENOMEM;
        free(text);
        if (rc != AKSNET_OK) {
            aksnet__http_request_free(&rq);
            return aksnet_error_set(err, rc, "cannot build the %s request: %s", method, aksnet_strerror(rc));
        }
    }
    rc = client->pipeline->process(client->pipeline, &rq, rs, err);
    aksnet__http_request_free(&rq);
    if (rc != AKSNET_OK)
        aksnet__http_response_free(rs);
    return rc;
}

bool aksnet__arm_ok_status(long status)
{
    return status >= 200 && status < 300;
}
