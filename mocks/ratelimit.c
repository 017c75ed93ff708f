/*
 * ratelimit.c - how fast and how often ARM answers: the latency of each
 * answer (--latency READ_MS,WRITE_MS), the remaining-request headers, and
 * with --throttle ARM's token buckets, which answer 429 when one is empty.
 *
 * The buckets are those of "Regional throttling and token bucket
 * algorithm" in
 * https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling
 * (ARM's model since 2024): per subscription, per security principal and
 * per kind of operation, reads 250 tokens refilled 25 a second, writes and
 * deletes 200 refilled 10 a second; the same again per tenant for requests
 * that name no subscription.  The page's 15-fold global limit across
 * principals is not modelled.  Time is the mock's clock (mock_now), so a
 * test empties and refills a bucket without waiting.
 *
 * Depends on: token.c (mock_caller_claim()), util.c (mock_add_header(),
 * mock_reply_error(), mock_lower()).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mock.h"

/* Without --throttle: the page's older hourly model, counted down and never enforced. */
#define HOURLY_READS 12000L
#define HOURLY_WRITES 1200L

enum kind { KIND_READ, KIND_WRITE, KIND_DELETE };

static const char *const KIND_NAMES[MOCK_BUCKET_KINDS] = {"reads", "writes", "deletes"};
static const double CAPACITY[MOCK_BUCKET_KINDS] = {250, 200, 200};
static const double REFILL[MOCK_BUCKET_KINDS] = {25, 10, 10}; /* tokens a second */

static bool is_read_method(const char *method)
{
    return strcasecmp(method, "GET") == 0 || strcasecmp(method, "HEAD") == 0;
}

/*
 * Entra ID's and managed identity's token endpoints: /{tenant}/oauth2[/v2.0]/token,
 * /metadata/identity/oauth2/token (IMDS, a GET) and /msi/token (App Service).
 */
static bool is_token_request(const struct mock_request *rq)
{
    if (rq->nsegs < 2 || strcasecmp(rq->segs[rq->nsegs - 1], "token") != 0)
        return false;
    for (size_t i = 0; i + 1 < rq->nsegs; i++)
        if (strcasecmp(rq->segs[i], "oauth2") == 0 || strcasecmp(rq->segs[i], "msi") == 0)
            return true;
    return false;
}

long mock_latency_ms(const struct armmock *m, const struct mock_request *rq)
{
    bool read = is_read_method(rq->method) && !is_token_request(rq);
    return read ? m->opt.latency_read_ms : m->opt.latency_write_ms;
}

/* A read, a delete or any other write, as ARM counts them. */
static enum kind kind_of(const char *method)
{
    if (is_read_method(method))
        return KIND_READ;
    return strcasecmp(method, "DELETE") == 0 ? KIND_DELETE : KIND_WRITE;
}

/* ARM's answers: everything under /subscriptions, /providers and /tenants. */
static bool is_arm_path(const char *path)
{
    return strncasecmp(path, "/subscriptions", 14) == 0 || strncasecmp(path, "/providers", 10) == 0 ||
           strncasecmp(path, "/tenants", 8) == 0;
}

/*
 * The bucket set of the request's scope (its subscription, or the caller's
 * tenant) and principal (the token's oid, else its appid), made full on
 * first use; NULL without a caller (no token) or memory.
 */
static struct mock_bucket *buckets_of(struct armmock *m, const struct mock_request *rq, bool *tenant)
{
    char principal[64], scope[160];
    mock_caller_claim(rq, "oid", principal);
    if (!principal[0])
        mock_caller_claim(rq, "appid", principal);
    if (!principal[0])
        return NULL;
    *tenant = !(rq->nsegs >= 2 && strcasecmp(rq->segs[0], "subscriptions") == 0);
    if (*tenant) {
        char tid[64];
        mock_caller_tenant(rq, tid);
        snprintf(scope, sizeof(scope), "tenant/%s|%s", tid, principal);
    } else {
        snprintf(scope, sizeof(scope), "subscription/%.64s|%s", rq->segs[1], principal);
    }
    char *key = mock_lower(scope);
    if (!key)
        return NULL;
    for (size_t i = 0; i < m->bucket_count; i++) {
        if (strcmp(m->buckets[i].key, key) == 0) {
            free(key);
            return &m->buckets[i];
        }
    }
    struct mock_bucket *more = realloc(m->buckets, (m->bucket_count + 1) * sizeof(*more));
    if (!more) {
        free(key);
        return NULL;
    }
    m->buckets = more;
    struct mock_bucket *b = &m->buckets[m->bucket_count++];
    b->key = key;
    b->last = rq->now;
    for (size_t k = 0; k < MOCK_BUCKET_KINDS; k++)
        b->tokens[k] = CAPACITY[k];
    return b;
}

/* Tokens come back at the refill rate up to the bucket's size, by the mock's clock. */
static void refill(struct mock_bucket *b, double now)
{
    double elapsed = now > b->last ? now - b->last : 0;
    for (size_t k = 0; k < MOCK_BUCKET_KINDS; k++) {
        b->tokens[k] += elapsed * REFILL[k];
        if (b->tokens[k] > CAPACITY[k])
            b->tokens[k] = CAPACITY[k];
    }
    b->last = now > b->last ? now : b->last;
}

/*
 * Take a token for rq from its bucket.  None left: ARM's 429 with
 * Retry-After, the whole seconds until the bucket holds a token again
 * (the page: "The HTTP response includes a Retry-After value"), and the
 * code and words of ARM's subscription throttling as quoted in
 * https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/error-codes/toomanyrequestsreceived-error
 * ("Number of read requests for subscription '...' exceeded the limit of
 * '...' for time interval '...'. Please try again after '...' seconds.");
 * the code SubscriptionRequestsThrottled is from the same page, its use
 * for every kind of request is a guess.
 */
bool mock_throttle_admit(struct armmock *m, const struct mock_request *rq, struct mock_response *rs)
{
    if (!m->opt.throttle)
        return true;
    bool tenant = false;
    struct mock_bucket *b = buckets_of(m, rq, &tenant);
    if (!b)
        return true;
    refill(b, rq->now);
    enum kind k = kind_of(rq->method);
    if (b->tokens[k] >= 1) {
        b->tokens[k] -= 1;
        return true;
    }
    long wait = (long)ceil((1 - b->tokens[k]) / REFILL[k]);
    if (wait < 1)
        wait = 1;
    const char *what = k == KIND_READ ? "read" : k == KIND_WRITE ? "write" : "delete";
    mock_reply_error(rs, 429, tenant ? "TenantRequestsThrottled" : "SubscriptionRequestsThrottled",
                     "Number of %s requests for %s '%s' exceeded the limit of '%.0f' for time interval "
                     "'00:00:01'. Please try again after '%ld' seconds.",
                     what, tenant ? "tenant" : "subscription", tenant ? "(caller's)" : rq->segs[1], REFILL[k],
                     wait);
    mock_add_header(rs, "Retry-After", "%ld", wait);
    return false;
}

/* The hourly counters (no --throttle): both on every ARM answer, counted down to 0 and never enforced. */
static void hourly_headers(struct armmock *m, const struct mock_request *rq, struct mock_response *rs)
{
    double now = mock_now(m);
    if (now - m->window_start >= 3600.0) {
        m->window_start = now;
        m->reads_left = HOURLY_READS;
        m->writes_left = HOURLY_WRITES;
    }
    long *left = is_read_method(rq->method) ? &m->reads_left : &m->writes_left;
    if (*left > 0)
        (*left)--;
    mock_add_header(rs, "x-ms-ratelimit-remaining-subscription-reads", "%ld", m->reads_left);
    mock_add_header(rs, "x-ms-ratelimit-remaining-subscription-writes", "%ld", m->writes_left);
}

void mock_ratelimit_init(struct armmock *m)
{
    m->reads_left = HOURLY_READS;
    m->writes_left = HOURLY_WRITES;
    m->window_start = mock_now(m);
}

/*
 * Every ARM answer says what is left.  With --throttle, of the caller's
 * buckets (whole tokens, after this request): subscription-{reads,writes,
 * deletes} on a subscription's answers, tenant-{reads,writes} on others
 * (the page lists no tenant-deletes header); none on a 401 (ARM refuses a
 * caller without a valid token before it counts).
 */
void mock_ratelimit_headers(struct armmock *m, const struct mock_request *rq, struct mock_response *rs)
{
    if (!is_arm_path(rq->path))
        return;
    if (!m->opt.throttle) {
        hourly_headers(m, rq, rs);
        return;
    }
    bool tenant = false;
    struct mock_bucket *b = rs->status == 401 ? NULL : buckets_of(m, rq, &tenant);
    if (!b)
        return;
    refill(b, rq->now);
    for (size_t k = 0; k < (tenant ? 2u : (size_t)MOCK_BUCKET_KINDS); k++) {
        char name[64];
        snprintf(name, sizeof(name), "x-ms-ratelimit-remaining-%s-%s", tenant ? "tenant" : "subscription",
                 KIND_NAMES[k]);
        mock_add_header(rs, name, "%ld", (long)floor(b->tokens[k]));
    }
}

void mock_ratelimit_free(struct armmock *m)
{
    for (size_t i = 0; i < m->bucket_count; i++)
        free(m->buckets[i].key);
    free(m->buckets);
    m->buckets = NULL;
    m->bucket_count = 0;
}
