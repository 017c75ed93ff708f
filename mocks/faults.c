/*
 * faults.c - --fault METHOD:PATH-GLOB:ACTION[:COUNT]: make the mock answer
 * as a struggling ARM does, a counted number of times, so that retry paths
 * are tested against the wire and not only against a seam.  The fail
 * actions (fail, fail=CODE) do not answer the request: lro.c makes the
 * operation it starts end Failed.
 *
 * Depends on: token.c (mock_reply_expired()), util.c (mock_add_header(),
 * mock_reply_error()).
 */
#define _GNU_SOURCE /* FNM_CASEFOLD: ARM paths match without case */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mock.h"

/* A whole number in [lo, hi], plainly written. */
static bool parse_num(const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    if (!*s || *s == '+' || *s == '-')
        return false;
    long v = strtol(s, &end, 10);
    if (*end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* The action part of a rule; a status fault says 1 s Retry-After unless it names another. */
static bool parse_action(const char *a, struct mock_fault *f)
{
    long v;
    f->retry_after = 1;
    static const struct {
        const char *name;
        enum mock_fault_action action;
    } named[] = {{"reset", FAULT_RESET}, {"apply-reset", FAULT_LOST}, {"401", FAULT_EXPIRED},
                 {"409", FAULT_BUSY},    {"fail", FAULT_FAIL}};
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
        if (strcmp(a, named[i].name) == 0) {
            f->action = named[i].action;
            return true;
        }
    /* fail=CODE: the operation ends Failed with that ARM error code (a word of letters and digits). */
    if (strncmp(a, "fail=", 5) == 0) {
        size_t n = strlen(a + 5);
        if (n == 0 || n >= sizeof(f->fail_code) || strspn(a + 5, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                                  "0123456789") != n)
            return false;
        f->action = FAULT_FAIL;
        memcpy(f->fail_code, a + 5, n + 1);
        return true;
    }
    if (strncmp(a, "delay=", 6) == 0 && parse_num(a + 6, 0, 600000, &v)) {
        f->action = FAULT_DELAY;
        f->delay_ms = v;
        return true;
    }
    /*
     * 404, 410, 429, 500, 502, 503, 504, optionally "=SECONDS" for
     * Retry-After.  404 and 410 are what IMDS answers while it updates or
     * starts (learn.microsoft.com/entra/identity/managed-identities-azure-
     * resources/how-to-use-vm-token, "Error handling"): --fault
     * 'GET:/metadata/identity/oauth2/token:410:3' fails IMDS three times.
     */
    char code[4] = {0};
    if (strlen(a) < 3)
        return false;
    memcpy(code, a, 3);
    static const char *const codes[] = {"404", "410", "429", "500", "502", "503", "504", NULL};
    size_t k = 0;
    while (codes[k] && strcmp(code, codes[k]) != 0)
        k++;
    if (!codes[k])
        return false;
    f->action = FAULT_STATUS;
    f->status = (int)strtol(code, NULL, 10);
    if (a[3] == '\0')
        return true;
    if (a[3] == '=' && parse_num(a + 4, 0, 3600, &v)) {
        f->retry_after = (int)v;
        return true;
    }
    return false;
}

/* Rules come from the command line: a bad one is refused with a message, never half taken. */
bool mock_fault_parse(const char *rule, struct mock_fault *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    char *copy = strdup(rule ? rule : "");
    char *parts[5] = {0};
    size_t n = 0;
    char *save = NULL;
    for (char *p = copy ? strtok_r(copy, ":", &save) : NULL; p && n < 5; p = strtok_r(NULL, ":", &save))
        parts[n++] = p;
    bool ok = (n == 3 || n == 4) && strlen(parts[0]) < sizeof(out->method) && parse_action(parts[2], out);
    long count = 1;
    if (ok && n == 4)
        ok = parse_num(parts[3], 1, 1000000, &count);
    if (ok) {
        snprintf(out->method, sizeof(out->method), "%s", parts[0]);
        out->glob = strdup(parts[1]);
        out->remaining = count;
        ok = out->glob != NULL;
    }
    free(copy);
    if (!ok)
        snprintf(err, errlen,
                 "--fault '%s': expected METHOD:PATH-GLOB:ACTION[:COUNT] with ACTION 404, 410, 429, 500, 502, 503, 504 "
                 "(optionally =RETRY-AFTER-SECONDS), 401, 409, reset, apply-reset, delay=MS, fail or fail=CODE",
                 rule ? rule : "");
    return ok;
}

/* The error code of an injected status, as ARM's envelope names them. */
static const char *fault_code(int status)
{
    switch (status) {
    case 404: return "NotFound";
    case 410: return "Gone";
    case 429: return "TooManyRequests";
    case 502: return "BadGateway";
    case 503: return "ServiceUnavailable";
    case 504: return "GatewayTimeout";
    default: return "InternalServerError";
    }
}

/* A rule matches while hits remain, by method (or *) and a case-insensitive glob on the path. */
static bool matches(const struct mock_fault *f, const char *method, const char *path)
{
    return f->remaining > 0 && (strcmp(f->method, "*") == 0 || strcasecmp(f->method, method) == 0) &&
           fnmatch(f->glob, path, FNM_CASEFOLD) == 0;
}

/* A request-level fault is used up when it hits; fail faults wait for an operation to start. */
struct mock_fault *mock_fault_match(struct armmock *m, const char *method, const char *path)
{
    for (size_t i = 0; i < m->fault_count; i++) {
        struct mock_fault *f = &m->faults[i];
        if (f->action != FAULT_FAIL && matches(f, method, path)) {
            f->remaining--;
            return f;
        }
    }
    return NULL;
}

/* A fail fault makes the next operation on a matching path fail instead of the request. */
const struct mock_fault *mock_fault_take_fail(struct armmock *m, const char *method, const char *path)
{
    for (size_t i = 0; i < m->fault_count; i++) {
        struct mock_fault *f = &m->faults[i];
        if (f->action == FAULT_FAIL && matches(f, method, path)) {
            f->remaining--;
            return f;
        }
    }
    return NULL;
}

/*
 * Faults come before anything else, so that a client's retry logic sees
 * them as ARM's own.  401 is ARM's answer to an expired token (as if the
 * token had expired a second ago), 409 the resource's provider's answer
 * when another operation holds it; apply-reset lets the request take
 * effect and then drops the connection, as when an answer is lost on the
 * way back (the client cannot tell whether its write was applied).
 */
bool mock_faults_apply(struct armmock *m, const struct mock_request *rq, struct mock_response *rs,
                       long *delay_ms)
{
    *delay_ms = 0;
    struct mock_fault *f = mock_fault_match(m, rq->method, rq->path);
    if (!f)
        return false;
    switch (f->action) {
    case FAULT_RESET:
        rs->drop = true;
        return true;
    case FAULT_LOST:
        rs->lost = true;
        return false;
    case FAULT_EXPIRED: {
        double now = mock_now(m);
        mock_reply_expired(rs, now - 1, now);
        return true;
    }
    case FAULT_BUSY:
        /* the provider's words need lro.c, which calls this file: server.c has them put in */
        mock_reply_error(rs, 409, "AnotherOperationInProgress", "Another operation is in progress.");
        rs->busy = true;
        return true;
    case FAULT_DELAY:
        *delay_ms = f->delay_ms;
        return false;
    case FAULT_STATUS:
        mock_reply_error(rs, f->status, fault_code(f->status),
                         f->status == 429 ? "The request is being throttled (injected by aksnet-mock)."
                                          : "The server had an error (injected by aksnet-mock).");
        mock_add_header(rs, "Retry-After", "%d", f->retry_after);
        return true;
    case FAULT_FAIL:
        break;
    }
    return false;
}
