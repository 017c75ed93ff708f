/*
 * arm.c - Azure Resource Manager over the HTTP pipeline: requests with an
 * api-version, ARM's error envelope, and long-running operations followed
 * as the Azure SDKs follow them (Azure-AsyncOperation, else Location, else
 * the resource's provisioningState), waiting as Retry-After says.
 *
 * Nothing here retries a failed request or touches a token: the pipeline
 * does (retry and bearer policies).  Nothing here sleeps but through the
 * client's clock, so tests follow an operation of minutes in no wall time.
 */
#include "arm.h"
#include "utf8.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- text ---------------------------------------------------------------------- */

/* A cut at the end of a buffer must not leave half a UTF-8 sequence behind. */
static void trim_partial_utf8(char *s)
{
    size_t n = strlen(s), i = n, cont = 0;
    while (i > 0 && cont < 3 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) {
        i--;
        cont++;
    }
    if (i == 0)
        return;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (lead >= 0xC0 && need > cont + 1)
        s[i - 1] = '\0';
}

/*
 * Text from the server into a fixed buffer: cut to fit (on a character
 * boundary), control characters as spaces so a message cannot drive a
 * terminal or split a log line.
 */
static void copy_text(char *dst, size_t size, const char *src)
{
    size_t w = 0;
    for (; src && src[w] && w + 1 < size; w++) {
        unsigned char c = (unsigned char)src[w];
        dst[w] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
    }
    dst[w] = '\0';
    if (src && src[w])
        trim_partial_utf8(dst);
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
        trim_partial_utf8(out);
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
static void set_message(struct aksnet_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    char buf[AKSNET_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vformat(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    copy_text(err->message, sizeof(err->message), buf);
}

/* Does text hold needle, in any case?  (strcasestr is a GNU extension.) */
static bool contains_ci(const char *text, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (strncasecmp(text + i, needle, n) == 0)
            return true;
    return false;
}

/* ---- JSON ---------------------------------------------------------------------- */

/* The body as JSON, or NULL when empty, not UTF-8 or not JSON. */
static cJSON *parse_body(const struct aksnet__http_response *rs)
{
    if (!rs->body || rs->body_len == 0 || aksnet__utf8_invalid_offset(rs->body, rs->body_len) != rs->body_len)
        return NULL;
    return cJSON_ParseWithLength(rs->body, rs->body_len);
}

static const char *json_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *provisioning_state(const cJSON *resource)
{
    return json_str(cJSON_GetObjectItemCaseSensitive(resource, "properties"), "provisioningState");
}

/* Succeeded, Failed and Canceled end an operation, in any case (reference: "Long-running operations"). */
static bool terminal(const char *state)
{
    return state && (strcasecmp(state, "Succeeded") == 0 || strcasecmp(state, "Failed") == 0 ||
                     strcasecmp(state, "Canceled") == 0);
}

static bool succeeded(const char *state)
{
    return state && strcasecmp(state, "Succeeded") == 0;
}

/* ---- the error envelope -------------------------------------------------------------- */

/*
 * Top-level messages that say only "look at the details": then the first
 * detail is what a person needs to read.
 */
static bool generic_message(const char *msg)
{
    static const char *const generic[] = {"Cannot parse the request", "The request is invalid", "Bad Request",
                                          "An error has occurred", "One or more errors occurred",
                                          "The request content was invalid", NULL};
    size_t n = msg ? strlen(msg) : 0;
    if (n == 0 || contains_ci(msg, n, "details"))
        return true;
    while (n > 0 && (msg[n - 1] == '.' || msg[n - 1] == ' '))
        n--;
    for (size_t i = 0; generic[i]; i++)
        if (strlen(generic[i]) == n && strncasecmp(msg, generic[i], n) == 0)
            return true;
    return false;
}

/* {"error":{...}}, or the older envelope with code and message at the top. */
static const cJSON *envelope(const cJSON *body)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(body, "error");
    if (cJSON_IsObject(e))
        return e;
    return json_str(body, "code") ? body : NULL;
}

/* arm_code and arm_message from an error object, the first detail added to a generic message. */
static void fill_arm_fields(struct aksnet_error *err, const cJSON *e)
{
    const char *code = json_str(e, "code"), *msg = json_str(e, "message");
    copy_text(err->arm_code, sizeof(err->arm_code), code);
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(e, "details"), 0);
    const char *dcode = json_str(first, "code"), *dmsg = json_str(first, "message");
    if ((dcode || dmsg) && generic_message(msg)) {
        char buf[AKSNET_ERROR_ARM_MESSAGE_MAX];
        format_text(buf, sizeof(buf), "%s%s(%s%s%s)", msg ? msg : "", msg && *msg ? " " : "", dcode ? dcode : "",
                 dcode && dmsg ? ": " : "", dmsg ? dmsg : "");
        copy_text(err->arm_message, sizeof(err->arm_message), buf);
    } else {
        copy_text(err->arm_message, sizeof(err->arm_message), msg);
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
        copy_text(excerpt, sizeof(excerpt), rs->body);
        format_text(out, size, "HTTP %ld: %s", rs->status, excerpt);
    } else {
        snprintf(out, size, "HTTP %ld with an empty body", rs->status);
    }
}

/* Status, request id and ARM's fields; the message is the caller's. */
static void fill_from_response(const struct aksnet__http_response *rs, struct aksnet_error *err)
{
    aksnet_error_clear(err);
    err->code = AKSNET_EARM;
    err->http_status = (int)rs->status;
    copy_text(err->request_id, sizeof(err->request_id), aksnet__http_response_header(rs, "x-ms-request-id"));
    cJSON *body = parse_body(rs);
    const cJSON *e = envelope(body);
    if (e)
        fill_arm_fields(err, e);
    cJSON_Delete(body);
}

/* The envelope is parsed leniently: whatever is there is kept, nothing is required. */
aksnet_code aksnet__arm_error_from_response(const struct aksnet__http_response *rs, struct aksnet_error *err)
{
    if (!err || !rs)
        return AKSNET_EARM;
    fill_from_response(rs, err);
    char what[AKSNET_ERROR_MESSAGE_MAX];
    describe(err, rs, what, sizeof(what));
    set_message(err, "ARM refused the request: %s", what);
    return AKSNET_EARM;
}

/* "ARM refused PUT <id>: <code>: <message>", the id shortened so ARM's words fit. */
static aksnet_code refused(const char *method, const char *what, const struct aksnet__http_response *rs,
                           struct aksnet_error *err)
{
    if (!err)
        return AKSNET_EARM;
    fill_from_response(rs, err);
    char text[AKSNET_ERROR_MESSAGE_MAX];
    describe(err, rs, text, sizeof(text));
    set_message(err, "ARM refused %s %.200s: %s", method, what, text);
    return AKSNET_EARM;
}

/* A 2xx whose body should be a resource but is not JSON. */
static aksnet_code not_json(const char *method, const char *what, const struct aksnet__http_response *rs,
                            struct aksnet_error *err)
{
    if (!err)
        return AKSNET_EARM;
    fill_from_response(rs, err);
    set_message(err, "ARM answered %s %.200s with HTTP %ld and a body that is not JSON", method, what, rs->status);
    return AKSNET_EARM;
}

static bool is_conflict(const struct aksnet__http_response *rs)
{
    if (rs->status != 409)
        return false;
    cJSON *body = parse_body(rs);
    const char *code = json_str(envelope(body), "code");
    bool busy = code && strcmp(code, "AnotherOperationInProgress") == 0;
    cJSON_Delete(body);
    return busy;
}

/* ---- requests --------------------------------------------------------------------- */

/* Refused early, so a caller's mistake is not sent (and not blamed on ARM). */
static aksnet_code check_client(const struct aksnet__arm_client *client, struct aksnet_error *err)
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
 * is percent-encoded, and '?' or '#' in an id is refused rather than
 * changing what is asked.
 */
static aksnet_code resource_url(const struct aksnet__arm_client *client, const char *id, const char *version,
                                char **out, struct aksnet_error *err)
{
    *out = NULL;
    aksnet_code rc = check_client(client, err);
    if (rc != AKSNET_OK)
        return rc;
    if (!id || id[0] != '/' || strpbrk(id, "?#"))
        return aksnet_error_set(err, AKSNET_EINVAL, "'%.200s' is not an ARM resource id (\"/subscriptions/...\")",
                                id ? id : "");
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
static aksnet_code send_request(const struct aksnet__arm_client *client, const char *method, const char *url,
                                const cJSON *body, struct aksnet__http_response *rs, struct aksnet_error *err)
{
    aksnet__http_response_free(rs);
    aksnet_code rc = check_client(client, err);
    if (rc != AKSNET_OK)
        return rc;
    struct aksnet__http_request rq;
    rc = aksnet__http_request_init(&rq, method, url, err);
    if (rc != AKSNET_OK)
        return rc;
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

static bool ok_status(long status)
{
    return status >= 200 && status < 300;
}

/* ---- following an operation ---------------------------------------------------------- */

/* One operation being followed: its options resolved, its deadline fixed at the first request. */
/* scheme://host:port of url, lower-cased, into out; false when it does not parse. */
static bool origin_of(const char *url, char *out, size_t size)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK;
    if (ok)
        snprintf(out, size, "%s://%s:%s", scheme, host, port);
    for (char *p = out; ok && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return ok;
}

/*
 * An operation URL comes from a response header and will carry the bearer
 * token: it must be a URL aksnet may send tokens to AND on the ARM
 * endpoint's own origin, so that a forged header cannot send the token
 * elsewhere.
 */
static aksnet_code check_operation_url(const struct aksnet__arm_client *client, const char *url,
                                       struct aksnet_error *err)
{
    aksnet_code rc = aksnet__http_check_url(url, err);
    if (rc != AKSNET_OK)
        return rc;
    char want[600], have[600];
    if (!origin_of(client->endpoint, want, sizeof(want)) || !origin_of(url, have, sizeof(have)) ||
        strcmp(want, have) != 0)
        return aksnet_error_set(err, AKSNET_EARM,
                                "ARM named an operation URL on another host (%s, not %s); not following it",
                                have, want);
    return AKSNET_OK;
}

struct op {
    const struct aksnet__arm_client *client;
    const struct aksnet__clock *clock;
    double limit;        /* seconds allowed */
    double deadline;     /* on clock */
    double default_poll;
    double min_poll;
    const struct aksnet__lro_options *lro;
    const char *method;  /* what was asked, for messages: "PUT", "DELETE", or NULL when resuming */
    const char *what;    /* the resource id or operation URL, for messages */
};

/* Zero fields take the defaults of arm.h; the clock starts now. */
static void op_init(struct op *op, const struct aksnet__arm_client *client, const struct aksnet__lro_options *lro,
                    const char *method, const char *what)
{
    memset(op, 0, sizeof(*op));
    op->client = client;
    op->clock = client && client->clock ? client->clock : aksnet__clock_system();
    op->limit = lro && lro->deadline > 0 ? lro->deadline : AKSNET_LRO_DEFAULT_DEADLINE;
    op->default_poll = lro && lro->default_poll > 0 ? lro->default_poll : AKSNET_LRO_DEFAULT_POLL;
    op->min_poll = lro && lro->min_poll > 0 ? lro->min_poll : AKSNET_LRO_DEFAULT_MIN_POLL;
    op->lro = lro;
    op->method = method;
    op->what = what;
    op->deadline = op->clock->now(op->clock->ctx) + op->limit;
}

static void report(const struct op *op, const char *state, const char *url)
{
    if (op->lro && op->lro->on_poll)
        op->lro->on_poll(op->lro->ctx, state, url);
}

/* Retry-After of a response (seconds or a date), else the default; never under min_poll. */
static double poll_wait(const struct op *op, const struct aksnet__http_response *rs)
{
    double s;
    if (!rs || !aksnet__http_parse_retry_after(aksnet__http_response_header(rs, "Retry-After"),
                                              op->clock->now(op->clock->ctx), &s))
        s = op->default_poll;
    return s < op->min_poll ? op->min_poll : s;
}

/* Wait before the next poll, never past the deadline; false once it has passed. */
static bool pause_until_poll(const struct op *op, double seconds)
{
    double left = op->deadline - op->clock->now(op->clock->ctx);
    if (left <= 0)
        return false;
    if (seconds > 0)
        op->clock->sleep(op->clock->ctx, seconds < left ? seconds : left);
    return true;
}

/* The URL goes last and whole, so a later run can resume on it; the id gives way if both do not fit. */
static aksnet_code timed_out(const struct op *op, const char *url, struct aksnet_error *err)
{
    aksnet_code rc = aksnet_error_set(err, AKSNET_ETIMEOUT, "%s%s%.160s%s still running after %.0f s; resume "
                                                            "with the operation URL %s",
                                      op->method ? op->method : "", op->method ? " " : "", op->method ? op->what : "",
                                      op->method ? ":" : "operation", op->limit, url);
    if (err && strlen(err->message) + 1 >= sizeof(err->message))
        aksnet_error_set(err, AKSNET_ETIMEOUT, "still running; resume with %s", url);
    if (err)
        trim_partial_utf8(err->message);
    return rc;
}

/* An operation that ended Failed or Canceled: ARM's error.code and message from its status. */
static aksnet_code op_failed(const struct op *op, const char *state, const cJSON *error_obj,
                             const struct aksnet__http_response *rs, struct aksnet_error *err)
{
    if (!err)
        return AKSNET_EARM;
    aksnet_error_clear(err);
    err->code = AKSNET_EARM;
    err->http_status = (int)rs->status;
    copy_text(err->request_id, sizeof(err->request_id), aksnet__http_response_header(rs, "x-ms-request-id"));
    if (error_obj)
        fill_arm_fields(err, error_obj);
    set_message(err, "%s %.200s: the operation ended %s: %s%s%s", op->method ? op->method : "operation",
                op->what, state, err->arm_code[0] ? err->arm_code : "no error code",
                err->arm_message[0] ? ": " : "", err->arm_message);
    return AKSNET_EARM;
}

/* GET url; a non-2xx is refused, except a 404 when gone_ok (then *gone). */
static aksnet_code poll_once(const struct op *op, const char *url, bool gone_ok, struct aksnet__http_response *rs,
                             bool *gone, struct aksnet_error *err)
{
    *gone = false;
    aksnet_code rc = send_request(op->client, "GET", url, NULL, rs, err);
    if (rc != AKSNET_OK)
        return rc;
    if (gone_ok && rs->status == 404) {
        *gone = true;
        return AKSNET_OK;
    }
    return ok_status(rs->status) ? AKSNET_OK : refused("GET", url, rs, err);
}

/*
 * The Azure-AsyncOperation form: GET the status resource until its status
 * is terminal.  A URL whose body has no status but a provisioningState (a
 * resource URL given to aksnet__arm_wait) is followed by that state.
 */
static aksnet_code poll_async(const struct op *op, const char *url, double wait, struct aksnet_error *err)
{
    aksnet_code rc = check_operation_url(op->client, url, err);
    if (rc != AKSNET_OK)
        return rc;
    for (;;) {
        if (!pause_until_poll(op, wait))
            return timed_out(op, url, err);
        struct aksnet__http_response rs = {0};
        bool gone;
        rc = poll_once(op, url, false, &rs, &gone, err);
        if (rc != AKSNET_OK) {
            aksnet__http_response_free(&rs);
            return rc;
        }
        cJSON *body = parse_body(&rs);
        if (!body) {
            rc = not_json("GET", url, &rs, err);
            aksnet__http_response_free(&rs);
            return rc;
        }
        const char *state = json_str(body, "status");
        if (!state)
            state = provisioning_state(body);
        report(op, state ? state : "InProgress", url);
        if (terminal(state)) {
            rc = succeeded(state) ? AKSNET_OK : op_failed(op, state, envelope(body), &rs, err);
            cJSON_Delete(body);
            aksnet__http_response_free(&rs);
            return rc;
        }
        wait = poll_wait(op, &rs);
        cJSON_Delete(body);
        aksnet__http_response_free(&rs);
    }
}

/* The operation's next Location (202 may move it); false when out of memory. */
static bool take_location(const struct aksnet__http_response *rs, char **url)
{
    const char *next = aksnet__http_response_header(rs, "Location");
    if (!next || !*next || strcmp(next, *url) == 0)
        return true;
    char *copy = strdup(next);
    if (!copy)
        return false;
    free(*url);
    *url = copy;
    return true;
}

/*
 * The Location form: 202 while running, 200/201/204 (any 2xx) when done,
 * an error status when the operation failed (with ARM's envelope).
 */
static aksnet_code poll_location(const struct op *op, const char *first_url, double wait, struct aksnet_error *err)
{
    char *url = strdup(first_url);
    if (!url)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    aksnet_code rc;
    for (;;) {
        rc = check_operation_url(op->client, url, err);
        if (rc != AKSNET_OK)
            break;
        if (!pause_until_poll(op, wait)) {
            rc = timed_out(op, url, err);
            break;
        }
        struct aksnet__http_response rs = {0};
        rc = send_request(op->client, "GET", url, NULL, &rs, err);
        if (rc == AKSNET_OK && rs.status == 202) {
            report(op, "InProgress", url);
            wait = poll_wait(op, &rs);
            if (!take_location(&rs, &url))
                rc = aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
            aksnet__http_response_free(&rs);
            if (rc != AKSNET_OK)
                break;
            continue;
        }
        if (rc == AKSNET_OK) {
            report(op, ok_status(rs.status) ? "Succeeded" : "Failed", url);
            if (!ok_status(rs.status)) {
                cJSON *body = parse_body(&rs);
                rc = op_failed(op, "Failed", envelope(body), &rs, err);
                cJSON_Delete(body);
            }
        }
        aksnet__http_response_free(&rs);
        break;
    }
    free(url);
    return rc;
}

/* What following a resource's own state waits for. */
enum settle {
    UNTIL_SUCCEEDED, /* a PUT: Succeeded ends it, Failed/Canceled fail it, 404 is an error */
    UNTIL_GONE,      /* a DELETE: 404 ends it, Failed/Canceled fail it */
    UNTIL_IDLE       /* before a retried write: any terminal state or 404 ends it */
};

/* Has a resource poll ended the wait?  *rc is then what to return. */
static bool settled(const struct op *op, enum settle until, const char *state, const cJSON *body,
                    const struct aksnet__http_response *rs, aksnet_code *rc, struct aksnet_error *err)
{
    *rc = AKSNET_OK;
    if (!terminal(state))
        return false;
    if (until == UNTIL_IDLE || succeeded(state))
        return until != UNTIL_GONE;
    const cJSON *e = envelope(body);
    if (!e)
        e = envelope(cJSON_GetObjectItemCaseSensitive(body, "properties"));
    *rc = op_failed(op, state, e, rs, err);
    return true;
}

/*
 * The provisioningState form: GET the resource until its state settles.
 * body is the resource as last seen (taken over; NULL = not seen yet:
 * GET first); a resource with no provisioningState has nothing to wait for.
 * With final, the resource as it ended is handed over.
 */
static aksnet_code poll_state(const struct op *op, const char *url, enum settle until, cJSON *body, double wait,
                              cJSON **final, struct aksnet_error *err)
{
    struct aksnet__http_response rs = {0};
    aksnet_code rc = AKSNET_OK;
    bool seen = body != NULL;
    for (;;) {
        if (seen) {
            const char *state = provisioning_state(body);
            if (settled(op, until, state ? state : "Succeeded", body, &rs, &rc, err))
                break;
            if (!pause_until_poll(op, wait)) {
                rc = timed_out(op, url, err);
                break;
            }
        }
        cJSON_Delete(body);
        body = NULL;
        bool gone;
        rc = poll_once(op, url, until != UNTIL_SUCCEEDED, &rs, &gone, err);
        if (rc != AKSNET_OK)
            break;
        if (gone) {
            report(op, "Deleted", url);
            break;
        }
        body = parse_body(&rs);
        if (!body) {
            rc = not_json("GET", url, &rs, err);
            break;
        }
        const char *state = provisioning_state(body);
        report(op, state ? state : "Succeeded", url);
        wait = poll_wait(op, &rs);
        seen = true;
    }
    aksnet__http_response_free(&rs);
    if (rc == AKSNET_OK && final) {
        *final = body;
        body = NULL;
    }
    cJSON_Delete(body);
    return rc;
}

/*
 * After an operation succeeded, a PUT's resource as it is now: not a poll,
 * so not reported, unless it still shows itself settling (then it is
 * followed by its state).
 */
static aksnet_code fetch_final(const struct op *op, const char *url, cJSON **final, struct aksnet_error *err)
{
    struct aksnet__http_response rs = {0};
    bool gone;
    aksnet_code rc = poll_once(op, url, false, &rs, &gone, err);
    if (rc == AKSNET_OK) {
        cJSON *body = parse_body(&rs);
        rc = body ? poll_state(op, url, UNTIL_SUCCEEDED, body, poll_wait(op, &rs), final, err)
                  : not_json("GET", url, &rs, err);
    }
    aksnet__http_response_free(&rs);
    return rc;
}

/*
 * After the first answer (2xx): Azure-AsyncOperation, else Location, else
 * the resource's provisioningState.  For a PUT *final receives the resource
 * as it ended: the last poll of its state, the answer itself when nothing
 * ran, or a GET once an operation succeeded.
 */
static aksnet_code follow(const struct op *op, const char *url, bool is_put, const struct aksnet__http_response *rs,
                          cJSON **final, struct aksnet_error *err)
{
    const char *async = aksnet__http_response_header(rs, "Azure-AsyncOperation");
    const char *location = aksnet__http_response_header(rs, "Location");
    double wait = poll_wait(op, rs);
    aksnet_code rc;
    if (async && *async)
        rc = poll_async(op, async, wait, err);
    else if (location && *location)
        rc = poll_location(op, location, wait, err);
    else if (!is_put)
        return rs->status == 202 ? poll_state(op, url, UNTIL_GONE, NULL, wait, NULL, err) : AKSNET_OK;
    else
        return poll_state(op, url, UNTIL_SUCCEEDED, parse_body(rs), wait, final, err);
    if (rc != AKSNET_OK || !is_put)
        return rc;
    return fetch_final(op, url, final, err);
}

/*
 * Send a write; while ARM answers 409 AnotherOperationInProgress, wait for
 * the resource to settle (409's Retry-After, else the poll interval, first)
 * and send it again, at most AKSNET_ARM_CONFLICT_RETRIES times.
 */
static aksnet_code send_write(const struct op *op, const char *method, const char *url, const cJSON *body,
                              struct aksnet__http_response *rs, struct aksnet_error *err)
{
    for (int attempt = 0;; attempt++) {
        aksnet_code rc = send_request(op->client, method, url, body, rs, err);
        if (rc != AKSNET_OK || !is_conflict(rs) || attempt >= AKSNET_ARM_CONFLICT_RETRIES)
            return rc;
        double wait = poll_wait(op, rs);
        aksnet__http_response_free(rs);
        if (!pause_until_poll(op, wait))
            return timed_out(op, url, err);
        rc = poll_state(op, url, UNTIL_IDLE, NULL, 0, NULL, err);
        if (rc != AKSNET_OK)
            return rc;
    }
}

/* ---- the API ------------------------------------------------------------------------- */

/* A 404 is an answer here ("not there"), not a failure: GET before PUT depends on it. */
aksnet_code aksnet__arm_get(const struct aksnet__arm_client *client, const char *id, const char *api_version,
                           cJSON **out, struct aksnet_error *err)
{
    if (out)
        *out = NULL;
    char *url;
    aksnet_code rc = resource_url(client, id, api_version, &url, err);
    if (rc != AKSNET_OK)
        return rc;
    struct aksnet__http_response rs = {0};
    rc = send_request(client, "GET", url, NULL, &rs, err);
    if (rc == AKSNET_OK && rs.status != 404) {
        cJSON *body = ok_status(rs.status) ? parse_body(&rs) : NULL;
        if (!ok_status(rs.status))
            rc = refused("GET", id, &rs, err);
        else if (!body)
            rc = not_json("GET", id, &rs, err);
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
    aksnet_code rc = send_request(client, "GET", url, NULL, &rs, err);
    cJSON *body = rc == AKSNET_OK && ok_status(rs.status) ? parse_body(&rs) : NULL;
    if (rc == AKSNET_OK && rs.status != 404) {
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(body, "value");
        const cJSON *link = cJSON_GetObjectItemCaseSensitive(body, "nextLink");
        if (!ok_status(rs.status))
            rc = refused("GET", path, &rs, err);
        else if (!cJSON_IsArray(value))
            rc = not_json("GET", path, &rs, err);
        for (const cJSON *it = rc == AKSNET_OK ? value->child : NULL; it; it = it->next)
            cJSON_AddItemToArray(all, cJSON_Duplicate(it, 1));
        if (rc == AKSNET_OK && cJSON_IsString(link) && link->valuestring[0] &&
            (rc = check_operation_url(client, link->valuestring, err)) == AKSNET_OK &&
            !(*next = strdup(link->valuestring)))
            rc = aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    }
    cJSON_Delete(body);
    aksnet__http_response_free(&rs);
    return rc;
}

/* Role assignments at a scope, say: small collections, but ARM pages them all the same. */
aksnet_code aksnet__arm_list(const struct aksnet__arm_client *client, const char *path, const char *api_version,
                            const char *filter, cJSON **out, struct aksnet_error *err)
{
    *out = NULL;
    char *url;
    aksnet_code rc = resource_url(client, path, api_version, &url, err);
    if (rc != AKSNET_OK)
        return rc;
    if (filter && !(url = with_filter(url, filter)))
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    cJSON *all = cJSON_CreateArray();
    if (!all)
        rc = aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    for (int page = 0; rc == AKSNET_OK && url; page++) {
        char *next = NULL;
        if (page == AKSNET_ARM_LIST_PAGES)
            rc = aksnet_error_set(err, AKSNET_EARM, "ARM's list of %.300s ran past %d pages", path,
                                  AKSNET_ARM_LIST_PAGES);
        else
            rc = list_page(client, url, path, all, &next, err);
        free(url);
        url = next;
    }
    free(url);
    if (rc == AKSNET_OK)
        *out = all;
    else
        cJSON_Delete(all);
    return rc;
}

/* The deadline counts from here, so waiting out another operation's 409 uses it up too. */
aksnet_code aksnet__arm_put(const struct aksnet__arm_client *client, const char *id, const char *api_version,
                           const cJSON *body, const struct aksnet__lro_options *lro, cJSON **out,
                           struct aksnet_error *err)
{
    if (out)
        *out = NULL;
    if (!body)
        return aksnet_error_set(err, AKSNET_EINVAL, "PUT %.200s: no body", id ? id : "");
    char *url;
    aksnet_code rc = resource_url(client, id, api_version, &url, err);
    if (rc != AKSNET_OK)
        return rc;
    struct op op;
    op_init(&op, client, lro, "PUT", id);
    struct aksnet__http_response rs = {0};
    rc = send_write(&op, "PUT", url, body, &rs, err);
    if (rc == AKSNET_OK && !ok_status(rs.status))
        rc = refused("PUT", id, &rs, err);
    cJSON *final = NULL;
    if (rc == AKSNET_OK)
        rc = follow(&op, url, true, &rs, &final, err);
    if (rc == AKSNET_OK && out)
        *out = final;
    else
        cJSON_Delete(final);
    aksnet__http_response_free(&rs);
    free(url);
    return rc;
}

/* 204 and 404 both mean there is nothing (left) to delete. */
aksnet_code aksnet__arm_delete(const struct aksnet__arm_client *client, const char *id, const char *api_version,
                              const struct aksnet__lro_options *lro, struct aksnet_error *err)
{
    char *url;
    aksnet_code rc = resource_url(client, id, api_version, &url, err);
    if (rc != AKSNET_OK)
        return rc;
    struct op op;
    op_init(&op, client, lro, "DELETE", id);
    struct aksnet__http_response rs = {0};
    rc = send_write(&op, "DELETE", url, NULL, &rs, err);
    if (rc == AKSNET_OK && rs.status != 204 && rs.status != 404)
        rc = ok_status(rs.status) ? follow(&op, url, false, &rs, NULL, err) : refused("DELETE", id, &rs, err);
    aksnet__http_response_free(&rs);
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
    aksnet_code rc = resource_url(client, id, api_version, &url, err);
    if (rc != AKSNET_OK)
        return rc;
    struct aksnet__http_response rs = {0};
    rc = send_request(client, "POST", url, body, &rs, err);
    if (rc == AKSNET_OK && !ok_status(rs.status))
        rc = refused("POST", id, &rs, err);
    if (rc == AKSNET_OK && rs.body_len) {
        cJSON *parsed = parse_body(&rs);
        if (!parsed)
            rc = not_json("POST", id, &rs, err);
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
    return contains_ci(url, path_len, "/operationresults/") ||
           (query && contains_ci(query, strlen(query), "monitor=true"));
}

/* The first poll goes out at once: the earlier run has already waited. */
aksnet_code aksnet__arm_wait(const struct aksnet__arm_client *client, const char *operation_url,
                            const struct aksnet__lro_options *lro, struct aksnet_error *err)
{
    aksnet_code rc = check_client(client, err);
    if (rc != AKSNET_OK)
        return rc;
    rc = check_operation_url(client, operation_url, err);
    if (rc != AKSNET_OK)
        return rc;
    struct op op;
    op_init(&op, client, lro, NULL, operation_url);
    return location_form(operation_url) ? poll_location(&op, operation_url, 0, err)
                                        : poll_async(&op, operation_url, 0, err);
}
