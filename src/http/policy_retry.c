/*
 * policy_retry.c - retries as the Azure SDKs make them: exponential
 * backoff with full jitter on 408, 429, 5xx and transport failures,
 * honouring Retry-After (seconds or an HTTP-date, read by date.c).
 */
#include "http.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

/*
 * The Azure SDKs' defaults: 3 retries, 0.8 s base delay, 60 s cap (azcore's
 * policy.RetryOptions in Azure/azure-sdk-for-go, Azure.Core's RetryOptions
 * in Azure/azure-sdk-for-net).
 */
void aksnet__retry_defaults(struct aksnet__retry_options *options)
{
    memset(options, 0, sizeof(*options));
    options->max_retries = 3;
    options->base_delay = 0.8;
    options->max_delay = 60;
    options->max_server_delay = AKSNET__MAX_WAIT;
}

/* 53 random bits from OpenSSL as a double in [0,1). */
static double openssl_random(void)
{
    uint64_t v = 0;
    if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
        return 0.5; /* OpenSSL failed: wait half the backoff rather than none */
    return (double)(v >> 11) * 0x1.0p-53;
}

/* Plain digits (surrounding blanks allowed); false otherwise or when absurdly long. */
static bool parse_digits(const char *value, double *out)
{
    const char *p = value;
    while (*p == ' ' || *p == '\t')
        p++;
    double v = 0;
    size_t n = 0;
    for (; *p >= '0' && *p <= '9'; p++, n++)
        v = v * 10 + (*p - '0');
    while (*p == ' ' || *p == '\t')
        p++;
    if (n == 0 || n > 15 || *p)
        return false;
    *out = v;
    return true;
}

/*
 * delta-seconds, else an HTTP-date of one of the three forms RFC 9110 makes
 * recipients accept (date.c; no free-form date, which could name any year).
 */
bool aksnet__http_parse_retry_after(const char *value, double now, double *seconds)
{
    if (!value || !*value)
        return false;
    double v;
    if (parse_digits(value, &v)) {
        *seconds = v;
        return true;
    }
    double when;
    if (!aksnet__http_parse_date(value, now, &when))
        return false;
    double d = when - now;
    *seconds = d > 0 ? d : 0;
    return true;
}

/* Capped exponential backoff with full jitter for the attempt-th retry. */
static double backoff_delay(const struct aksnet__retry_options *options, int attempt)
{
    if (attempt < 1)
        attempt = 1;
    double cap = options->max_delay > 0 ? options->max_delay : 0;
    double backoff = ldexp(options->base_delay > 0 ? options->base_delay : 0, attempt > 64 ? 63 : attempt - 1);
    if (backoff > cap)
        backoff = cap;
    double r = options->random ? options->random(options->random_ctx) : openssl_random();
    if (!(r >= 0))
        r = 0;
    if (r >= 1)
        r = nextafter(1.0, 0.0);
    return backoff * r;
}

/*
 * The server's word, in the Azure SDKs' order (retry-after-ms,
 * x-ms-retry-after-ms, Retry-After); false when it gives none.  A wait of 0
 * (or a date already past) is no advice, not "at once": azcore takes the
 * backoff then too (Azure/azure-sdk-for-go sdk/azcore/runtime/
 * policy_retry.go, "if delay <= 0 { delay = calcDelay(options, try) }"),
 * so a throttled client does not hammer ARM.
 */
static bool server_delay(const struct aksnet__http_response *rs, double now, double *seconds)
{
    if (!rs)
        return false;
    static const char *const ms_headers[] = {"retry-after-ms", "x-ms-retry-after-ms"};
    for (size_t i = 0; i < sizeof(ms_headers) / sizeof(ms_headers[0]); i++) {
        const char *v = aksnet__http_response_header(rs, ms_headers[i]);
        double ms;
        if (v && parse_digits(v, &ms)) {
            *seconds = ms / 1000.0;
            return ms > 0;
        }
    }
    return aksnet__http_parse_retry_after(aksnet__http_response_header(rs, "Retry-After"), now, seconds) &&
           *seconds > 0;
}

/*
 * The server's word first, not capped here (the policy refuses what is too
 * long); otherwise capped exponential backoff with full jitter.
 */
double aksnet__retry_delay(const struct aksnet__retry_options *options, int attempt,
                           const struct aksnet__http_response *rs, double now)
{
    struct aksnet__retry_options d;
    if (!options) {
        aksnet__retry_defaults(&d);
        options = &d;
    }
    double s;
    if (server_delay(rs, now, &s))
        return s;
    return backoff_delay(options, attempt);
}

/* IMDS may answer 410 while it starts, "available in a maximum of 70 seconds" (how-to-use-vm-token). */
#define IMDS_GONE_SECONDS 70.0
#define IMDS_MAX_RETRIES 5

/* Whether a try's outcome is worth another, by the request's retry profile (http.h says which). */
static bool retryable(const struct aksnet__http_request *rq, aksnet_code rc, long status)
{
    if (rq->retry_profile == AKSNET__RETRY_IMDS_PROBE)
        return false;
    if (rc == AKSNET_ETRANSPORT || rc == AKSNET_ETIMEOUT) /* below this policy, only the transport times out */
        return true;
    if (rc != AKSNET_OK)
        return false;
    if (rq->retry_profile == AKSNET__RETRY_DEFAULT)
        return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
    return status == 404 || status == 410 || status == 429 || (status >= 500 && status <= 599);
}

/* Retries left after attempt tries: the options' count, IMDS's own, and a 410 until 70 s have passed. */
static bool tries_left(const struct aksnet__retry_options *o, const struct aksnet__http_request *rq, int attempt,
                       long status, double elapsed)
{
    if (rq->retry_profile == AKSNET__RETRY_DEFAULT)
        return attempt < o->max_retries;
    if (status == 410 && elapsed < IMDS_GONE_SECONDS)
        return true;
    return attempt < (o->max_retries > IMDS_MAX_RETRIES ? o->max_retries : IMDS_MAX_RETRIES);
}

/*
 * A wait not to be slept: longer than any single wait of aksnet, or past
 * the request's deadline.  Fills err (AKSNET_ETIMEOUT) and returns true.
 */
static bool wait_refused(const struct aksnet__retry_options *o, const struct aksnet__http_request *rq, long status,
                         const char *why, double delay, double now, struct aksnet_error *err)
{
    double cap = o->max_server_delay > 0 ? o->max_server_delay : AKSNET__MAX_WAIT;
    double left = rq->deadline > 0 ? rq->deadline - now : 0;
    if (delay > cap)
        aksnet_error_set(err, AKSNET_ETIMEOUT,
                         "%s %.200s: %s, and the server asks to wait %.0f s before the next try, longer than aksnet "
                         "waits at once (%.0f s); not waiting",
                         rq->method, rq->url, why, delay, cap);
    else if (rq->deadline > 0 && delay > left)
        aksnet_error_set(err, AKSNET_ETIMEOUT,
                         "%s %.200s: %s; the next try would be %.0f s from now, past the %.0f s left before the "
                         "operation's deadline; not waiting",
                         rq->method, rq->url, why, delay, left > 0 ? left : 0);
    else
        return false;
    if (err)
        err->http_status = (int)status;
    return true;
}

/*
 * Each try starts from a clean response and error; the request itself is
 * not touched here, so its body goes out intact every time.
 */
aksnet_code aksnet__policy_retry(const struct aksnet__http_policy *self, struct aksnet__http_request *rq,
                                 struct aksnet__http_response *rs, struct aksnet_error *err)
{
    struct aksnet__retry_options d;
    const struct aksnet__retry_options *o = self->ctx;
    if (!o) {
        aksnet__retry_defaults(&d);
        o = &d;
    }
    const struct aksnet__clock *clock = o->clock ? o->clock : aksnet__clock_system();
    double started = clock->now(clock->ctx);
    for (int attempt = 0;; attempt++) {
        aksnet__http_response_free(rs);
        aksnet_error_clear(err);
        aksnet_code rc = aksnet__http_policy_next(self, rq, rs, err);
        long status = rc == AKSNET_OK ? rs->status : 0;
        double now = clock->now(clock->ctx);
        if (!retryable(rq, rc, status) || !tries_left(o, rq, attempt, status, now - started))
            return rc;
        double delay = aksnet__retry_delay(o, attempt + 1, rc == AKSNET_OK ? rs : NULL, now);
        char why[AKSNET_ERROR_MESSAGE_MAX + 16];
        if (rc == AKSNET_OK)
            snprintf(why, sizeof(why), "HTTP %ld", rs->status);
        else
            snprintf(why, sizeof(why), "%s", err && err->message[0] ? err->message : aksnet_strerror(rc));
        if (wait_refused(o, rq, status, why, delay, now, err)) {
            aksnet__http_response_free(rs);
            return AKSNET_ETIMEOUT;
        }
        if (o->on_retry)
            o->on_retry(o->on_retry_ctx, rq, attempt + 1, delay, status, why);
        clock->sleep(clock->ctx, delay);
    }
}
