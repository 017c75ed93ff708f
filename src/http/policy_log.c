/*
 * policy_log.c - each request and response on the verbose log: method,
 * URL, status, duration, headers with secrets as "***", redacted bodies,
 * and every secret value the client knows masked wherever it appears.
 */
#include "http.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A copy of s with every known secret masked, for one line of the log; NULL when out of memory. */
static char *masked(struct aksnet__redact_set *known, const char *s)
{
    char *copy = strdup(s ? s : "");
    aksnet__redact_text(known, copy);
    return copy;
}

static void log_headers(FILE *out, char dir, const struct aksnet__http_header *h, size_t n,
                        struct aksnet__redact_set *known)
{
    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(h[i].name, "Authorization") == 0 || strcasecmp(h[i].name, "Proxy-Authorization") == 0) {
            const char *sp = strchr(h[i].value, ' ');
            int scheme = sp ? (int)(sp - h[i].value) : 0;
            fprintf(out, "%c %s: %.*s%s***\n", dir, h[i].name, scheme > 32 ? 0 : scheme, h[i].value,
                    scheme > 0 && scheme <= 32 ? " " : "");
        } else if (aksnet__http_secret_header(h[i].name)) {
            fprintf(out, "%c %s: ***\n", dir, h[i].name);
        } else {
            char *v = masked(known, h[i].value);
            fprintf(out, "%c %s: %s\n", dir, h[i].name, v ? v : "(not shown: out of memory)");
            free(v);
        }
    }
}

static void log_body(FILE *out, char dir, const char *body, size_t len, struct aksnet__redact_set *known)
{
    if (!body || len == 0)
        return;
    char *r = aksnet__http_redact_body_known(body, len, known);
    fprintf(out, "%c %s\n", dir, r ? r : "(body not shown: out of memory)");
    free(r);
}

/*
 * Logs after the bearer policy in a chain, so it shows what goes on the
 * wire, one try at a time, with every secret masked.
 */
aksnet_code aksnet__policy_log(const struct aksnet__http_policy *self, struct aksnet__http_request *rq,
                               struct aksnet__http_response *rs, struct aksnet_error *err)
{
    const struct aksnet__log_options *o = self->ctx;
    if (!o || !o->out)
        return aksnet__http_policy_next(self, rq, rs, err);
    const struct aksnet__clock *clock = o->clock ? o->clock : aksnet__clock_system();
    FILE *out = o->out;
    char *url = masked(o->secrets, rq->url);
    fprintf(out, "> %s %s\n", rq->method, url ? url : "(not shown: out of memory)");
    free(url);
    log_headers(out, '>', rq->headers, rq->header_count, o->secrets);
    if (rq->sensitive_body && rq->body_len)
        fprintf(out, "> (body not shown: it holds a secret)\n");
    else
        log_body(out, '>', rq->body, rq->body_len, o->secrets);
    double t0 = clock->now(clock->ctx);
    aksnet_code rc = aksnet__http_policy_next(self, rq, rs, err);
    double ms = (clock->now(clock->ctx) - t0) * 1000.0;
    long lms = ms > 0 ? lround(ms) : 0;
    if (rc == AKSNET_OK) {
        fprintf(out, "< %ld (%ld ms)\n", rs->status, lms);
        log_headers(out, '<', rs->headers, rs->header_count, o->secrets);
        log_body(out, '<', rs->body, rs->body_len, o->secrets);
    } else {
        char *why = masked(o->secrets, err && err->message[0] ? err->message : aksnet_strerror(rc));
        fprintf(out, "< failed (%ld ms): %s\n", lms, why ? why : aksnet_strerror(rc));
        free(why);
    }
    fflush(out);
    return rc;
}
