/*
 * lro.c - long-running operations followed as the Azure SDKs follow them:
 * Azure-AsyncOperation, else Location, else the resource's
 * provisioningState, waiting as Retry-After says, until a deadline whose
 * expiry reports the operation's URL so that a later run can resume.
 * Nothing here sleeps but through the client's clock, so tests follow an
 * operation of minutes in no wall time.  Calls request.c only.
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

/* ---- following an operation ---------------------------------------------------------- */

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
 * Whether url starts with the endpoint's scheme://host[:port] as written
 * (any case; an explicit default port allowed), then its path, query or
 * end.  Checked on the text as well as by libcurl's parser, so that a URL
 * that parsers read differently ("https:///host", which libcurl repairs)
 * is not followed on one parser's word.
 */
static bool starts_with_origin(const char *endpoint, const char *url)
{
    size_t n = strlen(endpoint);
    while (n > 0 && endpoint[n - 1] == '/')
        n--;
    if (strncasecmp(url, endpoint, n) != 0)
        return false;
    const char *rest = url + n;
    if (strncasecmp(endpoint, "https://", 8) == 0 && strncmp(rest, ":443", 4) == 0)
        rest += 4;
    else if (strncasecmp(endpoint, "http://", 7) == 0 && strncmp(rest, ":80", 3) == 0)
        rest += 3;
    return *rest == '\0' || strchr("/?#", *rest);
}

/*
 * An operation URL comes from a response header and will carry the bearer
 * token: it must be a URL aksnet may send tokens to AND on the ARM
 * endpoint's own origin, so that a forged header cannot send the token
 * elsewhere.
 */
aksnet_code aksnet__arm_check_operation_url(const struct aksnet__arm_client *client, const char *url,
                                            struct aksnet_error *err)
{
    /* A URL is printable ASCII (RFC 3986 section 2); the URL is printed whole for resuming, so nothing else. */
    for (const char *p = url; p && *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return aksnet_error_set(err, AKSNET_EPROTO, "ARM named an operation URL with a byte 0x%02x that no URL "
                                    "holds; not following it", (unsigned char)*p);
    struct aksnet_error why;
    aksnet_error_clear(&why);
    if (aksnet__http_check_url(url, &why) != AKSNET_OK)
        return aksnet_error_set(err, AKSNET_EPROTO, "ARM named a URL aksnet will not send its token to: %s",
                                why.message);
    char want[600] = "", have[600] = "";
    if (!origin_of(client->endpoint, want, sizeof(want)) || !origin_of(url, have, sizeof(have)) ||
        strcmp(want, have) != 0 || !starts_with_origin(client->endpoint, url))
        return aksnet_error_set(err, AKSNET_EPROTO,
                                "the operation URL is on another host (%.200s, not %s); not following it",
                                strcmp(want, have) == 0 ? url : have, want);
    return AKSNET_OK;
}


/* Zero fields take the defaults of arm.h; the clock starts now. */
void aksnet__arm_op_init(struct aksnet__arm_op *op, const struct aksnet__arm_client *client,
                         const struct aksnet__lro_options *lro, const char *method, const char *what)
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
    op->started = op->clock->now(op->clock->ctx);
    op->deadline = op->started + op->limit;
}

/*
 * The state seen, told to on_poll.  A state aksnet does not know is still
 * running (ARM lets providers name their own) but is told as such, so a
 * long wait on it is never silent.
 */
static void report(const struct aksnet__arm_op *op, const char *state, const char *url)
{
    if (!op->lro || !op->lro->on_poll)
        return;
    if (aksnet__arm_known_state(state)) {
        op->lro->on_poll(op->lro->ctx, state, url);
        return;
    }
    char shown[65], text[160];
    aksnet__arm_copy_text(shown, sizeof(shown), state);
    snprintf(text, sizeof(text), "%s (a state aksnet does not know: taken as still running)", shown);
    op->lro->on_poll(op->lro->ctx, text, url);
}

/* Where the operation is followed, before the wait for its next poll (an interrupted run names it). */
static void tell_operation(const struct aksnet__arm_op *op, const char *url)
{
    if (op->lro && op->lro->on_operation)
        op->lro->on_operation(op->lro->ctx, url);
}

/* The URL goes last and whole, so a later run can resume on it; the id gives way if both do not fit. */
static aksnet_code timed_out(const struct aksnet__arm_op *op, const char *url, struct aksnet_error *err)
{
    aksnet_code rc = aksnet_error_set(err, AKSNET_ETIMEOUT, "%s%s%.160s%s still running after %.0f s; resume "
                                                            "with the operation URL %s",
                                      op->method ? op->method : "", op->method ? " " : "", op->method ? op->what : "",
                                      op->method ? ":" : "operation", op->limit, url);
    if (err && strlen(err->message) + 1 >= sizeof(err->message))
        aksnet_error_set(err, AKSNET_ETIMEOUT, "still running; resume with %s", url);
    return rc;
}

/* What a pause came to. */
enum pause { WAITED, EXPIRED, TOO_LONG };

/*
 * How long to wait before the next poll.  ARM's Retry-After (seconds or a
 * date) when it gives one; "0" or none means "the client's default", as
 * azure-core (Python, the Azure CLI) and azcore (Go) read it, never "at
 * once" (azure-core's polling/base_polling.py and azcore's
 * runtime/poller.go both fall back to a 30 s default frequency).  Without
 * an interval the wait grows with the operation's age, a quarter of the
 * time it has run, from 1 s up to default_poll: quick operations are seen
 * soon, long ones are not hammered.
 */
static double poll_wait(const struct aksnet__arm_op *op, const struct aksnet__http_response *rs)
{
    double now = op->clock->now(op->clock->ctx), s = 0;
    if (rs && aksnet__http_parse_retry_after(aksnet__http_response_header(rs, "Retry-After"), now, &s) && s > 0)
        return s < op->min_poll ? op->min_poll : s;
    double guess = (now - op->started) / 4;
    if (guess < AKSNET_LRO_FIRST_POLL)
        guess = AKSNET_LRO_FIRST_POLL;
    return guess > op->default_poll ? op->default_poll : guess;
}

/*
 * Wait before the next poll.  TOO_LONG when ARM asks for a wait that
 * passes the deadline (better to stop now with a resume URL than to sleep
 * into certain failure), EXPIRED once the deadline has passed.  A wait
 * within the deadline but longer than AKSNET__MAX_WAIT is cut to it (a
 * poll that comes early only reads).  Waits of 2 s or more are told
 * (on_wait) before they start; a wait before a write refused as busy
 * (busy_code) goes again is always told, and why (on_busy).
 */
static enum pause pause_until_poll(const struct aksnet__arm_op *op, double seconds, const char *url,
                                   const char *busy_code)
{
    double left = op->deadline - op->clock->now(op->clock->ctx);
    if (left <= 0)
        return EXPIRED;
    if (seconds > left)
        return TOO_LONG;
    if (seconds > AKSNET__MAX_WAIT)
        seconds = AKSNET__MAX_WAIT;
    if (busy_code && op->lro && op->lro->on_busy)
        op->lro->on_busy(op->lro->ctx, busy_code, seconds, url);
    else if (seconds >= AKSNET_LRO_TELL_WAIT && op->lro && op->lro->on_wait)
        op->lro->on_wait(op->lro->ctx, seconds, url);
    if (seconds > 0)
        op->clock->sleep(op->clock->ctx, seconds);
    return WAITED;
}

/* The error for a pause that did not happen: the deadline passed, or ARM asked to wait past it. */
static aksnet_code not_waited(const struct aksnet__arm_op *op, enum pause p, double seconds, const char *url,
                              struct aksnet_error *err)
{
    if (p == EXPIRED)
        return timed_out(op, url, err);
    double left = op->deadline - op->clock->now(op->clock->ctx);
    aksnet_code rc = aksnet_error_set(err, AKSNET_ETIMEOUT,
                                      "ARM asks to wait %.0f s before the next check, more than the %.0f s left of "
                                      "the %.0f s deadline; not waiting: resume later with the operation URL %s",
                                      seconds, left, op->limit, url);
    return rc;
}

/* An operation that ended Failed or Canceled: ARM's error.code and message from its status. */
static aksnet_code op_failed(const struct aksnet__arm_op *op, const char *state, const cJSON *error_obj,
                             const struct aksnet__http_response *rs, struct aksnet_error *err)
{
    if (!err)
        return AKSNET_EARM;
    aksnet_error_clear(err);
    err->code = AKSNET_EARM;
    err->http_status = (int)rs->status;
    aksnet__arm_copy_text(err->request_id, sizeof(err->request_id),
                          aksnet__http_response_header(rs, "x-ms-request-id"));
    if (error_obj)
        aksnet__arm_fill_arm_fields(err, error_obj);
    aksnet__arm_set_message(err, "%s %.200s: the operation ended %s: %s%s%s", op->method ? op->method : "operation",
                            op->what, state, err->arm_code[0] ? err->arm_code : "no error code",
                            err->arm_message[0] ? ": " : "", err->arm_message);
    return AKSNET_EARM;
}

/* GET url; a non-2xx is refused, except a 404 when gone_ok (then *gone). */
static aksnet_code poll_once(const struct aksnet__arm_op *op, const char *url, bool gone_ok,
                             struct aksnet__http_response *rs, bool *gone, struct aksnet_error *err)
{
    *gone = false;
    aksnet_code rc = aksnet__arm_send_request_within(op->client, "GET", url, NULL, NULL, op->deadline, rs, err);
    if (rc != AKSNET_OK)
        return rc;
    if (gone_ok && rs->status == 404) {
        *gone = true;
        return AKSNET_OK;
    }
    return aksnet__arm_ok_status(rs->status) ? AKSNET_OK : aksnet__arm_refused("GET", url, rs, err);
}

/*
 * The Azure-AsyncOperation form: GET the status resource until its status
 * is terminal.  A URL whose body has no status but a provisioningState (a
 * resource URL given to aksnet__arm_wait) is followed by that state.
 */
aksnet_code aksnet__arm_poll_async(const struct aksnet__arm_op *op, const char *url, double wait,
                                   struct aksnet_error *err)
{
    aksnet_code rc = aksnet__arm_check_operation_url(op->client, url, err);
    if (rc != AKSNET_OK)
        return rc;
    tell_operation(op, url);
    for (;;) {
        enum pause p = pause_until_poll(op, wait, url, NULL);
        if (p != WAITED)
            return not_waited(op, p, wait, url, err);
        struct aksnet__http_response rs = {0};
        bool gone;
        rc = poll_once(op, url, false, &rs, &gone, err);
        if (rc != AKSNET_OK) {
            aksnet__http_response_free(&rs);
            return rc;
        }
        cJSON *body;
        rc = aksnet__arm_parse_resource("GET", url, &rs, &body, err);
        if (rc != AKSNET_OK) {
            aksnet__http_response_free(&rs);
            return rc;
        }
        const char *state = aksnet__json_str(body, "status");
        if (!state)
            state = aksnet__arm_provisioning_state(body);
        report(op, state ? state : "InProgress", url);
        if (aksnet__arm_terminal(state)) {
            rc = aksnet__arm_succeeded(state) ? AKSNET_OK : op_failed(op, state, aksnet__arm_envelope(body), &rs, err);
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
aksnet_code aksnet__arm_poll_location(const struct aksnet__arm_op *op, const char *first_url, double wait,
                                      struct aksnet_error *err)
{
    char *url = strdup(first_url);
    if (!url)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    aksnet_code rc;
    for (;;) {
        rc = aksnet__arm_check_operation_url(op->client, url, err);
        if (rc != AKSNET_OK)
            break;
        tell_operation(op, url);
        enum pause p = pause_until_poll(op, wait, url, NULL);
        if (p != WAITED) {
            rc = not_waited(op, p, wait, url, err);
            break;
        }
        struct aksnet__http_response rs = {0};
        rc = aksnet__arm_send_request_within(op->client, "GET", url, NULL, NULL, op->deadline, &rs, err);
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
            report(op, aksnet__arm_ok_status(rs.status) ? "Succeeded" : "Failed", url);
            if (!aksnet__arm_ok_status(rs.status)) {
                cJSON *body = aksnet__arm_parse_body(&rs);
                rc = op_failed(op, "Failed", aksnet__arm_envelope(body), &rs, err);
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
static bool settled(const struct aksnet__arm_op *op, enum settle until, const char *state, const cJSON *body,
                    const struct aksnet__http_response *rs, aksnet_code *rc, struct aksnet_error *err)
{
    *rc = AKSNET_OK;
    if (!aksnet__arm_terminal(state))
        return false;
    if (until == UNTIL_IDLE || aksnet__arm_succeeded(state))
        return until != UNTIL_GONE;
    const cJSON *e = aksnet__arm_envelope(body);
    if (!e)
        e = aksnet__arm_envelope(cJSON_GetObjectItemCaseSensitive(body, "properties"));
    *rc = op_failed(op, state, e, rs, err);
    return true;
}

/*
 * The provisioningState form: GET the resource until its state settles.
 * body is the resource as last seen (taken over; NULL = not seen yet:
 * GET first); a resource with no provisioningState has nothing to wait for.
 * With final, the resource as it ended is handed over.
 */
static aksnet_code poll_state(const struct aksnet__arm_op *op, const char *url, enum settle until, cJSON *body,
                              double wait, cJSON **final, struct aksnet_error *err)
{
    struct aksnet__http_response rs = {0};
    aksnet_code rc = AKSNET_OK;
    bool seen = body != NULL;
    for (;;) {
        if (seen) {
            const char *state = aksnet__arm_provisioning_state(body);
            if (settled(op, until, state ? state : "Succeeded", body, &rs, &rc, err))
                break;
            enum pause p = pause_until_poll(op, wait, url, NULL);
            if (p != WAITED) {
                rc = not_waited(op, p, wait, url, err);
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
        rc = aksnet__arm_parse_resource("GET", url, &rs, &body, err);
        if (rc != AKSNET_OK)
            break;
        const char *state = aksnet__arm_provisioning_state(body);
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
static aksnet_code fetch_final(const struct aksnet__arm_op *op, const char *url, cJSON **final,
                               struct aksnet_error *err)
{
    struct aksnet__http_response rs = {0};
    bool gone;
    aksnet_code rc = poll_once(op, url, false, &rs, &gone, err);
    cJSON *body = NULL;
    if (rc == AKSNET_OK)
        rc = aksnet__arm_parse_resource("GET", url, &rs, &body, err);
    if (rc == AKSNET_OK)
        rc = poll_state(op, url, UNTIL_SUCCEEDED, body, poll_wait(op, &rs), final, err);
    aksnet__http_response_free(&rs);
    return rc;
}

/* A PUT answered without an operation URL: the resource it answered with (must be one), else a GET, by its state. */
static aksnet_code follow_put_answer(const struct aksnet__arm_op *op, const char *url,
                                     const struct aksnet__http_response *rs, double wait, cJSON **final,
                                     struct aksnet_error *err)
{
    cJSON *body = NULL;
    aksnet_code rc = rs->body_len ? aksnet__arm_parse_resource("PUT", op->what, rs, &body, err) : AKSNET_OK;
    return rc == AKSNET_OK ? poll_state(op, url, UNTIL_SUCCEEDED, body, wait, final, err) : rc;
}

/*
 * After the first answer (2xx): Azure-AsyncOperation, else Location, else
 * the resource's provisioningState.  For a PUT *final receives the resource
 * as it ended: the last poll of its state, the answer itself when nothing
 * ran, or a GET once an operation succeeded.  With final NULL that GET is
 * not sent: the operation's Succeeded is the answer, and a read whose
 * answer nobody uses is a round trip on the critical path.
 */
aksnet_code aksnet__arm_follow(const struct aksnet__arm_op *op, const char *url, bool is_put,
                               const struct aksnet__http_response *rs, cJSON **final, struct aksnet_error *err)
{
    const char *async = aksnet__http_response_header(rs, "Azure-AsyncOperation");
    const char *location = aksnet__http_response_header(rs, "Location");
    double wait = poll_wait(op, rs);
    aksnet_code rc;
    if (async && *async)
        rc = aksnet__arm_poll_async(op, async, wait, err);
    else if (location && *location)
        rc = aksnet__arm_poll_location(op, location, wait, err);
    else if (!is_put)
        return rs->status == 202 ? poll_state(op, url, UNTIL_GONE, NULL, wait, NULL, err) : AKSNET_OK;
    else
        return follow_put_answer(op, url, rs, wait, final, err);
    if (rc != AKSNET_OK || !is_put || !final)
        return rc;
    return fetch_final(op, url, final, err);
}

/*
 * A write refused as busy whose next attempt would pass the deadline: ARM's
 * refusal (already in err) is what the user reads, and it fails at once as
 * a timeout, since waiting longer is what would cure it.  There is no
 * operation of aksnet's to resume.
 */
static aksnet_code busy_past_deadline(const struct aksnet__arm_op *op, double wait, struct aksnet_error *err)
{
    if (!err)
        return AKSNET_ETIMEOUT;
    err->code = AKSNET_ETIMEOUT;
    aksnet__arm_set_message(err,
                            "%s %.200s: another operation holds it (%s); not sent again: waiting %.0f s for it would "
                            "pass the %.0f s deadline: %s",
                            op->method ? op->method : "write", op->what, err->arm_code, wait, op->limit,
                            err->arm_message);
    return AKSNET_ETIMEOUT;
}

/*
 * An operation ended Failed only because another held the resource: wait
 * as for an unguided poll, within the deadline, then the write goes again.
 */
aksnet_code aksnet__arm_pause_before_retry(const struct aksnet__arm_op *op, const char *url, struct aksnet_error *err)
{
    char code[AKSNET_ERROR_ARM_CODE_MAX];
    snprintf(code, sizeof(code), "%s", err ? err->arm_code : "");
    double wait = poll_wait(op, NULL);
    if (pause_until_poll(op, wait, url, code) != WAITED)
        return busy_past_deadline(op, wait, err);
    aksnet_error_clear(err);
    return AKSNET_OK;
}

/*
 * Send a write; while ARM answers a busy 409 (aksnet__arm_busy_code), wait
 * for the resource to settle (409's Retry-After, else the poll interval,
 * first) and send it again, at most AKSNET_ARM_CONFLICT_RETRIES times.
 */
aksnet_code aksnet__arm_send_write(const struct aksnet__arm_op *op, const char *method, const char *url,
                                   const cJSON *body, struct aksnet__http_response *rs, struct aksnet_error *err)
{
    for (int attempt = 0;; attempt++) {
        char code[AKSNET_ERROR_ARM_CODE_MAX];
        aksnet_code rc =
            aksnet__arm_send_request_within(op->client, method, url, body, op->if_match, op->deadline, rs, err);
        if (rc != AKSNET_OK || !aksnet__arm_is_conflict(rs, code, sizeof(code)) ||
            attempt >= AKSNET_ARM_CONFLICT_RETRIES)
            return rc;
        double wait = poll_wait(op, rs);
        if (pause_until_poll(op, wait, url, code) != WAITED) {
            aksnet__arm_refused(method, op->what, rs, err);
            return busy_past_deadline(op, wait, err);
        }
        aksnet__http_response_free(rs);
        rc = poll_state(op, url, UNTIL_IDLE, NULL, 0, NULL, err);
        if (rc != AKSNET_OK)
            return rc;
    }
}
