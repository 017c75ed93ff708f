/*
 * policy_pace.c - requests paced to ARM's throttle, so that many plans in
 * one process slow down before ARM answers 429, and a 429 slows every
 * request of its kind, not just the one that got it.
 *
 * ARM throttles each subscription (per principal, per region) with token
 * buckets: reads 250 refilled at 25 a second, writes and deletes 200 at 10
 * a second, and a global bucket per subscription 15 times those
 * (learn.microsoft.com/azure/azure-resource-manager/management/
 * request-limits-and-throttling, "Regional throttling and token bucket
 * algorithm").  Every answer says what is left:
 * x-ms-ratelimit-remaining-subscription-{reads,writes,deletes} and
 * x-ms-ratelimit-remaining-subscription-global-{reads,writes,deletes} (the
 * same page, "Remaining requests"; both write headers seen together on one
 * answer, 199 and 2999, in public logs of `az ... --debug`).
 *
 * The pacer keeps one estimate per subscription, kind and bucket, shared by
 * every chain of a client:
 *
 *   - Before a request, it takes a token (the estimate may go below zero: a
 *     queue); when fewer than `margin` would be left it waits, the time the
 *     refill needs, before sending.  A bucket ARM has said nothing about yet
 *     does not pace.
 *   - Each answer resets the estimate to what ARM says is left, less every
 *     request of that kind ARM may not have counted yet: those taken after
 *     the answered one, and those taken before it that have no answer yet
 *     (queued, or on their way).  So answers that arrive out of order agree,
 *     the estimate is never above ARM's count (but for ARM's refill while an
 *     answer travels), and another client spending the same budget is seen
 *     at the next answer.
 *   - A 429 counts as nothing left, and no request of that kind is sent
 *     before its Retry-After has passed; requests already waiting look
 *     again when they wake.
 *   - A wait cut short (the client's cancel ends every wait of its clock)
 *     ends the pacing of that request: the cancel policy after this one
 *     refuses to send it.
 *
 * Every answer's counts are read, whatever kind of request it answers (ARM
 * sends the counts of every kind), each less the requests of its own kind
 * ARM may not have counted, as above.
 *
 * The refill rate cannot be read from the headers: the documented ones are
 * assumed.  A count above the documented bucket's size means another model
 * (the older hourly limits count down from 12,000 reads and 1,200 writes
 * and refill once an hour, the same page): such a bucket is never paced by
 * its counts, only by 429s.
 */
#include "http.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { KIND_READS, KIND_WRITES, KIND_DELETES, KIND_COUNT };
enum { SCOPE_PRINCIPAL, SCOPE_GLOBAL, SCOPE_COUNT };

static const char *const kind_names[KIND_COUNT] = {"reads", "writes", "deletes"};

/* The documented buckets (the page above): size and refill per second; the global one is 15 times these. */
static const double bucket_size[KIND_COUNT] = {250, 200, 200};
static const double bucket_rate[KIND_COUNT] = {25, 10, 10};
#define GLOBAL_FACTOR 15.0

#define SUBSCRIPTION_MAX 64

struct bucket {
    bool known;                  /* ARM has told its count */
    bool other_model;            /* a count above the documented size: not paced by counts */
    double tokens;               /* the estimate at `at`; below 0: requests queued */
    double at;
    double size, rate;
    double not_before;           /* after a 429: nothing of this kind goes before */
};

/* The tickets of requests taken and not answered yet. */
struct pending {
    unsigned long long *v;
    size_t n, cap;
};

struct budget {
    char subscription[SUBSCRIPTION_MAX];   /* lower case; "" for tenant-level requests */
    struct bucket b[KIND_COUNT][SCOPE_COUNT];
    unsigned long long sent[KIND_COUNT];   /* tickets handed out */
    struct pending pending[KIND_COUNT];
};

struct aksnet__pacer {
    pthread_mutex_t lock;
    struct aksnet__pace_options o;
    struct budget *budgets;
    size_t count, cap;
    struct aksnet__pace_stats stats;
};

aksnet_code aksnet__pacer_new(const struct aksnet__pace_options *options, struct aksnet__pacer **out,
                              struct aksnet_error *err)
{
    struct aksnet__pacer *p = calloc(1, sizeof(*p));
    if (!p)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    if (options)
        p->o = *options;
    if (!p->o.clock)
        p->o.clock = aksnet__clock_system();
    if (!(p->o.margin > 0))
        p->o.margin = AKSNET__PACE_MARGIN;
    pthread_mutex_init(&p->lock, NULL);
    *out = p;
    return AKSNET_OK;
}

void aksnet__pacer_free(struct aksnet__pacer *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->count; i++)
        for (int k = 0; k < KIND_COUNT; k++)
            free(p->budgets[i].pending[k].v);
    pthread_mutex_destroy(&p->lock);
    free(p->budgets);
    free(p);
}

void aksnet__pacer_stats(struct aksnet__pacer *p, struct aksnet__pace_stats *out)
{
    pthread_mutex_lock(&p->lock);
    *out = p->stats;
    pthread_mutex_unlock(&p->lock);
}

/* The subscription a URL is about, lower case ("" when none or too long to be one). */
static void subscription_of(const char *url, char out[SUBSCRIPTION_MAX])
{
    static const char marker[] = "/subscriptions/";
    out[0] = '\0';
    const char *s = url;
    while (s && *s && strncasecmp(s, marker, sizeof(marker) - 1) != 0)
        s++;
    if (!s || !*s)
        return;
    s += sizeof(marker) - 1;
    size_t n = strcspn(s, "/?#");
    if (n == 0 || n >= SUBSCRIPTION_MAX)
        return;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
    out[n] = '\0';
}

static int kind_of(const char *method)
{
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
        return KIND_READS;
    return strcmp(method, "DELETE") == 0 ? KIND_DELETES : KIND_WRITES;
}

/* The subscription's budget, made on first use; NULL when out of memory (that request is not paced).  Locked. */
static struct budget *budget_for(struct aksnet__pacer *p, const char *subscription)
{
    for (size_t i = 0; i < p->count; i++)
        if (strcmp(p->budgets[i].subscription, subscription) == 0)
            return &p->budgets[i];
    if (p->count == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 4;
        struct budget *b = realloc(p->budgets, cap * sizeof(*b));
        if (!b)
            return NULL;
        p->budgets = b;
        p->cap = cap;
    }
    struct budget *b = &p->budgets[p->count++];
    memset(b, 0, sizeof(*b));
    memcpy(b->subscription, subscription, strlen(subscription) + 1);
    for (int k = 0; k < KIND_COUNT; k++)
        for (int s = 0; s < SCOPE_COUNT; s++) {
            double f = s == SCOPE_GLOBAL ? GLOBAL_FACTOR : 1;
            b->b[k][s].size = bucket_size[k] * f;
            b->b[k][s].rate = bucket_rate[k] * f;
        }
    return b;
}

/* Tokens come back at the bucket's rate up to its size. */
static void refill(struct bucket *k, double now)
{
    if (now > k->at) {
        k->tokens += (now - k->at) * k->rate;
        if (k->tokens > k->size)
            k->tokens = k->size;
    }
    k->at = now;
}

/* A request's place: which budget, kind and ticket, and when it may go. */
struct ticket {
    char subscription[SUBSCRIPTION_MAX];
    int kind;
    unsigned long long number[KIND_COUNT]; /* requests of each kind sent before it (its own kind: with it) */
    double ready;
    bool paced;                  /* a budget was found: the answer is read */
};

/* Take a token from each bucket of the request's kind; the time it may go.  Locked. */
static void take(struct aksnet__pacer *p, const struct aksnet__http_request *rq, struct ticket *t, double now)
{
    subscription_of(rq->url, t->subscription);
    t->kind = kind_of(rq->method);
    t->ready = now;
    struct budget *b = budget_for(p, t->subscription);
    if (!(t->paced = b != NULL))
        return;
    ++b->sent[t->kind];
    memcpy(t->number, b->sent, sizeof(t->number));
    struct pending *q = &b->pending[t->kind];
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 16;
        unsigned long long *v = realloc(q->v, cap * sizeof(*v));
        if (v) {
            q->v = v;
            q->cap = cap;
        }
    }
    if (q->n < q->cap) /* else (no memory) the estimate misses one request: a 429 may tell */
        q->v[q->n++] = t->number[t->kind];
    for (int s = 0; s < SCOPE_COUNT; s++) {
        struct bucket *k = &b->b[t->kind][s];
        if (!k->known || k->other_model)
            continue;
        refill(k, now);
        k->tokens -= 1;
        if (k->tokens < p->o.margin) {
            double at = now + (p->o.margin - k->tokens) / k->rate;
            if (at > t->ready)
                t->ready = at;
        }
    }
}

/* The latest time a request of the ticket's kind may go: its own, or a 429's since.  Locked. */
static double go_time(struct aksnet__pacer *p, const struct ticket *t)
{
    double at = t->ready;
    struct budget *b = budget_for(p, t->subscription);
    for (int s = 0; b && s < SCOPE_COUNT; s++)
        if (b->b[t->kind][s].not_before > at)
            at = b->b[t->kind][s].not_before;
    return at;
}

/* Wait until the request may go, looking again after each sleep (a 429 meanwhile moves the time). */
static void wait_turn(struct aksnet__pacer *p, const struct aksnet__http_request *rq, struct ticket *t)
{
    const struct aksnet__clock *clock = p->o.clock;
    double waited = 0;
    bool told = false;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        double now = clock->now(clock->ctx), delay = go_time(p, t) - now;
        pthread_mutex_unlock(&p->lock);
        if (!(delay > 0))
            break;
        if (!told && p->o.on_wait) {
            char why[96];
            snprintf(why, sizeof(why), "paced: ARM's %s budget for the subscription", kind_names[t->kind]);
            p->o.on_wait(p->o.on_wait_ctx, rq, 0, delay, 0, why);
            told = true;
        }
        clock->sleep(clock->ctx, delay);
        double slept = clock->now(clock->ctx) - now;
        waited += slept > 0 ? slept : 0;
        if (slept < delay - 0.001)
            break; /* the wait was cut short (a cancel ends every wait): the policies after this one say why */
    }
    pthread_mutex_lock(&p->lock);
    if (waited > 0) {
        p->stats.paced++;
        p->stats.waited += waited;
    }
    pthread_mutex_unlock(&p->lock);
}

/* A header's count: digits only; false when absent or anything else. */
static bool count_of(const struct aksnet__http_response *rs, const char *name, double *out)
{
    const char *v = aksnet__http_response_header(rs, name);
    if (!v || !*v || strlen(v) > 12 || strspn(v, "0123456789") != strlen(v))
        return false;
    *out = strtod(v, NULL);
    return true;
}

/* The request has its answer (or none will come): no longer pending.  Locked. */
static void settle(struct aksnet__pacer *p, const struct ticket *t)
{
    struct budget *b = budget_for(p, t->subscription);
    struct pending *q = b ? &b->pending[t->kind] : NULL;
    for (size_t i = 0; q && i < q->n; i++)
        if (q->v[i] == t->number[t->kind]) {
            q->v[i] = q->v[--q->n];
            return;
        }
}

/*
 * One count ARM gave for kind and scope, as it stands now: less the requests
 * of that kind taken after the answered one, and those taken before it still
 * pending.  Locked.
 */
static void count(struct budget *b, const struct ticket *t, int kind, int scope, double left, double now)
{
    struct bucket *k = &b->b[kind][scope];
    double documented = bucket_size[kind] * (scope == SCOPE_GLOBAL ? GLOBAL_FACTOR : 1);
    if (left > documented) /* a full bucket says its whole size: that is still the documented model */
        k->other_model = true;
    k->known = true;
    if (left > k->size)
        k->size = left;
    double uncounted = (double)(b->sent[kind] - t->number[kind]);
    const struct pending *q = &b->pending[kind];
    for (size_t i = 0; i < q->n; i++)
        uncounted += q->v[i] <= t->number[kind];
    k->tokens = left - uncounted;
    k->at = now;
}

/* Read what ARM says is left, of every kind, and a 429.  Locked. */
static void observe(struct aksnet__pacer *p, const struct ticket *t, const struct aksnet__http_response *rs,
                    double now)
{
    struct budget *b = budget_for(p, t->subscription);
    if (!b)
        return;
    for (int kind = 0; kind < KIND_COUNT; kind++)
        for (int s = 0; s < SCOPE_COUNT; s++) {
            char name[64];
            snprintf(name, sizeof(name), "x-ms-ratelimit-remaining-subscription-%s%s",
                     s == SCOPE_GLOBAL ? "global-" : "", kind_names[kind]);
            double left;
            if (count_of(rs, name, &left))
                count(b, t, kind, s, left, now);
        }
    if (rs->status != 429)
        return;
    /* throttled: nothing left of the request's kind, whatever the counts say, and nothing goes before Retry-After */
    p->stats.throttled++;
    count(b, t, t->kind, SCOPE_PRINCIPAL, 0, now);
    double delay = aksnet__retry_delay(NULL, 1, rs, now);
    struct bucket *k = &b->b[t->kind][SCOPE_PRINCIPAL];
    if (now + delay > k->not_before)
        k->not_before = now + delay;
}

aksnet_code aksnet__policy_pace(const struct aksnet__http_policy *self, struct aksnet__http_request *rq,
                                struct aksnet__http_response *rs, struct aksnet_error *err)
{
    struct aksnet__pacer *p = self->ctx;
    if (!p)
        return aksnet__http_policy_next(self, rq, rs, err);
    const struct aksnet__clock *clock = p->o.clock;
    struct ticket t;
    pthread_mutex_lock(&p->lock);
    take(p, rq, &t, clock->now(clock->ctx));
    pthread_mutex_unlock(&p->lock);
    wait_turn(p, rq, &t);
    aksnet_code rc = aksnet__http_policy_next(self, rq, rs, err);
    pthread_mutex_lock(&p->lock);
    if (t.paced)
        settle(p, &t);
    if (rc == AKSNET_OK) {
        p->stats.requests++;
        if (t.paced)
            observe(p, &t, rs, clock->now(clock->ctx));
    }
    pthread_mutex_unlock(&p->lock);
    return rc;
}
