/*
 * test_pace.c - the pacer (src/http/policy_pace.c) alone, on a fake clock:
 * no test sleeps.  Its requests reach a model of ARM's throttle (a token
 * bucket per subscription and kind, answering 429 with Retry-After when
 * empty and the remaining count on every answer, as
 * learn.microsoft.com/azure/azure-resource-manager/management/
 * request-limits-and-throttling describes), or canned answers where a test
 * needs an exact header.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_clock.h"
#include "fake_transport.h"
#include "http.h"

#define SUB_A "https://management.azure.com/subscriptions/AAAAAAAA-0000-0000-0000-000000000000/resourceGroups/g"
#define SUB_B "https://management.azure.com/subscriptions/bbbbbbbb-0000-0000-0000-000000000000/resourceGroups/g"

/* ---- a model of ARM's throttle ------------------------------------------------------------ */

struct arm_bucket {
    char sub[160];
    int kind;                     /* 0 reads, 1 writes */
    double tokens, at;
};

struct arm_model {
    pthread_mutex_t lock;
    struct mt_fake_clock *clock;
    double latency;               /* seconds each request takes (the clock moves) */
    double size[2], rate[2];
    struct arm_bucket buckets[8];
    size_t nbuckets;
    size_t requests, throttled;
    bool global_header;           /* also send a global count (15 times the bucket) */
    struct aksnet__http_transport transport;
};

static struct arm_bucket *model_bucket(struct arm_model *m, const char *url, int kind)
{
    char sub[160];
    const char *s = strstr(url, "/subscriptions/");
    snprintf(sub, sizeof(sub), "%.*s", s ? (int)strcspn(s + 15, "/") : 0, s ? s + 15 : "");
    for (size_t i = 0; i < m->nbuckets; i++)
        if (m->buckets[i].kind == kind && strcmp(m->buckets[i].sub, sub) == 0)
            return &m->buckets[i];
    assert_true(m->nbuckets < 8);
    struct arm_bucket *b = &m->buckets[m->nbuckets++];
    snprintf(b->sub, sizeof(b->sub), "%s", sub);
    b->kind = kind;
    b->tokens = m->size[kind];
    b->at = mt_fake_clock_now(m->clock);
    return b;
}

static aksnet_code model_send(void *ctx, const struct aksnet__http_request *rq, struct aksnet__http_response *rs,
                              struct aksnet_error *err)
{
    (void)err;
    struct arm_model *m = ctx;
    mt_fake_clock_advance(m->clock, m->latency / 2);
    pthread_mutex_lock(&m->lock);
    int kind = strcmp(rq->method, "GET") == 0 ? 0 : 1;
    struct arm_bucket *b = model_bucket(m, rq->url, kind);
    double now = mt_fake_clock_now(m->clock);
    b->tokens += (now - b->at) * m->rate[kind];
    if (b->tokens > m->size[kind])
        b->tokens = m->size[kind];
    b->at = now;
    m->requests++;
    char left[32], header[64];
    snprintf(header, sizeof(header), "x-ms-ratelimit-remaining-subscription-%s", kind ? "writes" : "reads");
    if (b->tokens < 1) {
        m->throttled++;
        rs->status = 429;
        char wait[16];
        snprintf(wait, sizeof(wait), "%.0f", (1 - b->tokens) / m->rate[kind] + 0.999);
        aksnet__http_response_add_header(rs, "Retry-After", wait);
        snprintf(left, sizeof(left), "0");
    } else {
        b->tokens -= 1;
        rs->status = 200;
        snprintf(left, sizeof(left), "%.0f", b->tokens - 0.4999);
    }
    aksnet__http_response_add_header(rs, header, left);
    if (m->global_header) {
        snprintf(header, sizeof(header), "x-ms-ratelimit-remaining-subscription-global-%s", kind ? "writes" : "reads");
        aksnet__http_response_add_header(rs, header, "2999");
    }
    pthread_mutex_unlock(&m->lock);
    mt_fake_clock_advance(m->clock, m->latency / 2);
    return AKSNET_OK;
}

static void model_init(struct arm_model *m, struct mt_fake_clock *clock, double latency)
{
    memset(m, 0, sizeof(*m));
    pthread_mutex_init(&m->lock, NULL);
    m->clock = clock;
    m->latency = latency;
    m->size[0] = 250, m->rate[0] = 25;
    m->size[1] = 200, m->rate[1] = 10;
    m->transport = (struct aksnet__http_transport){model_send, m};
}

static void model_free(struct arm_model *m)
{
    pthread_mutex_destroy(&m->lock);
}

/* A transport that answers 200 to any number of requests, with a count of writes left in the first answer. */
struct plain {
    const char *first_left;       /* NULL: never a count */
    size_t sent;
    struct aksnet__http_transport transport;
};

static aksnet_code plain_send(void *ctx, const struct aksnet__http_request *rq, struct aksnet__http_response *rs,
                              struct aksnet_error *err)
{
    (void)rq, (void)err;
    struct plain *p = ctx;
    rs->status = 200;
    if (p->sent++ == 0 && p->first_left)
        return aksnet__http_response_add_header(rs, "x-ms-ratelimit-remaining-subscription-writes", p->first_left);
    return AKSNET_OK;
}

static void plain_init(struct plain *p, const char *first_left)
{
    *p = (struct plain){.first_left = first_left};
    p->transport = (struct aksnet__http_transport){plain_send, p};
}

/* ---- a pacer (or none) in front of a transport --------------------------------------------- */

struct rig {
    struct mt_fake_clock clock;
    struct aksnet__pacer *pacer;
    struct aksnet__http_policy pace;
    size_t told;                  /* on_wait calls */
    double told_delay;
    char told_why[128];
};

static void on_wait(void *ctx, const struct aksnet__http_request *rq, int attempt, double delay, long status,
                    const char *why)
{
    (void)rq, (void)attempt, (void)status;
    struct rig *r = ctx;
    r->told++;
    r->told_delay = delay;
    snprintf(r->told_why, sizeof(r->told_why), "%s", why);
}

static void rig_init(struct rig *r, const struct aksnet__http_transport *transport, bool paced)
{
    memset(r, 0, sizeof(*r));
    mt_fake_clock_init(&r->clock, 1000);
    if (paced) {
        struct aksnet__pace_options o = {.clock = &r->clock.clock, .on_wait = on_wait, .on_wait_ctx = r};
        assert_int_equal(aksnet__pacer_new(&o, &r->pacer, NULL), AKSNET_OK);
    }
    r->pace = (struct aksnet__http_policy){aksnet__policy_pace, r->pacer, NULL, transport};
}

static void rig_free(struct rig *r)
{
    aksnet__pacer_free(r->pacer);
    mt_fake_clock_destroy(&r->clock);
}

static long send(struct rig *r, const char *method, const char *url)
{
    struct aksnet__http_request rq;
    struct aksnet__http_response rs = {0};
    struct aksnet_error err;
    assert_int_equal(aksnet__http_request_init(&rq, method, url, &err), AKSNET_OK);
    assert_int_equal(aksnet__policy_pace(&r->pace, &rq, &rs, &err), AKSNET_OK);
    long status = rs.status;
    aksnet__http_request_free(&rq);
    aksnet__http_response_free(&rs);
    return status;
}

static struct aksnet__pace_stats stats(struct rig *r)
{
    struct aksnet__pace_stats s;
    aksnet__pacer_stats(r->pacer, &s);
    return s;
}

/* ---- tests --------------------------------------------------------------------------------- */

/* The model itself: 300 writes in a row empty the bucket of 200 and are answered 429 a hundred times or so. */
static void test_unpaced_writes_are_throttled(void **state)
{
    (void)state;
    struct rig r;
    struct arm_model m;
    rig_init(&r, NULL, false);
    model_init(&m, &r.clock, 0.01);
    r.pace.transport = &m.transport;
    size_t throttled = 0;
    for (int i = 0; i < 300; i++)
        throttled += send(&r, "PUT", SUB_A) == 429;
    assert_true(throttled > 50);
    assert_int_equal(throttled, m.throttled);
    model_free(&m);
    rig_free(&r);
}

/*
 * Paced, the same 300 writes get no 429: the first 200 go at once (less the
 * margin), the rest at the refill rate, so the time is close to the bound
 * the bucket sets, (300 - 200) / 10 s.
 */
static void test_paced_writes_keep_within_the_bucket(void **state)
{
    (void)state;
    struct rig r;
    struct arm_model m;
    rig_init(&r, NULL, true);
    model_init(&m, &r.clock, 0.01);
    r.pace.transport = &m.transport;
    double start = mt_fake_clock_now(&r.clock);
    for (int i = 0; i < 300; i++)
        assert_int_equal(send(&r, "PUT", SUB_A), 200);
    double took = mt_fake_clock_now(&r.clock) - start;
    assert_int_equal(m.throttled, 0);
    assert_true(took >= 9.0 && took <= 11.0);
    struct aksnet__pace_stats s = stats(&r);
    assert_int_equal(s.requests, 300);
    assert_int_equal(s.throttled, 0);
    assert_true(s.paced > 50 && s.paced < 150);
    assert_int_equal(r.told, s.paced); /* told of every wait; the tool shows those of 2 s or more */
    model_free(&m);
    rig_free(&r);
}

/* Until ARM has said something of a budget, nothing is held back; a budget ARM never mentions is never paced. */
static void test_no_header_no_pacing(void **state)
{
    (void)state;
    struct rig r;
    struct plain f;
    plain_init(&f, NULL);
    rig_init(&r, &f.transport, true);
    double start = mt_fake_clock_now(&r.clock);
    for (int i = 0; i < 500; i++)
        assert_int_equal(send(&r, "PUT", SUB_A), 200);
    assert_true(mt_fake_clock_now(&r.clock) == start);
    assert_int_equal(stats(&r).paced, 0);
    assert_int_equal(f.sent, 500);
    rig_free(&r);
}

/*
 * The estimate follows ARM's count: told 5 writes are left, the pacer lets
 * 3 more go at once (keeping the margin of 2) and holds the next one back
 * until a token has come back, a tenth of a second at 10 a second.
 */
static void test_count_from_the_header(void **state)
{
    (void)state;
    const struct mt_canned replies[] = {
        {.status = 200, .headers = {{"x-ms-ratelimit-remaining-subscription-writes", "5"}}},
    };
    struct rig r;
    struct mt_fake_transport f;
    mt_fake_transport_init(&f, replies, MT_COUNT(replies), MT_FAKE_OK);
    rig_init(&r, &f.transport, true);
    double start = mt_fake_clock_now(&r.clock);
    send(&r, "PUT", SUB_A); /* left: 5 */
    for (int i = 0; i < 3; i++)
        send(&r, "PUT", SUB_A);
    assert_true(mt_fake_clock_now(&r.clock) == start);
    send(&r, "PUT", SUB_A);
    assert_true(mt_fake_clock_waited(&r.clock, 0.1) || mt_fake_clock_total(&r.clock) > 0.09);
    assert_true(mt_fake_clock_total(&r.clock) < 0.11);
    assert_int_equal(stats(&r).paced, 1);
    mt_fake_transport_free(&f);
    rig_free(&r);
}

/*
 * A 429 slows everyone: after one write is answered 429 with Retry-After:
 * 7, the next write (another request, not a retry of that one) is held for
 * the 7 s too, and it is told as a wait worth a line of progress.
 */
static void test_429_slows_every_request_of_its_kind(void **state)
{
    (void)state;
    const struct mt_canned replies[] = {
        {.status = 429, .headers = {{"Retry-After", "7"}, {"x-ms-ratelimit-remaining-subscription-writes", "0"}}},
    };
    struct rig r;
    struct mt_fake_transport f;
    mt_fake_transport_init(&f, replies, MT_COUNT(replies), MT_FAKE_OK);
    rig_init(&r, &f.transport, true);
    assert_int_equal(send(&r, "PUT", SUB_A), 429);
    assert_true(mt_fake_clock_total(&r.clock) == 0);
    assert_int_equal(send(&r, "PUT", SUB_A "/other"), 200);
    assert_true(mt_fake_clock_total(&r.clock) >= 7.0);
    assert_int_equal(r.told, 1);
    assert_true(r.told_delay >= 7.0);
    assert_non_null(strstr(r.told_why, "writes"));
    /* reads have a budget of their own, and so has another subscription */
    mt_fake_clock_forget(&r.clock);
    assert_int_equal(send(&r, "GET", SUB_A), 200);
    assert_int_equal(send(&r, "PUT", SUB_B), 200);
    assert_true(mt_fake_clock_total(&r.clock) == 0);
    struct aksnet__pace_stats s = stats(&r);
    assert_int_equal(s.throttled, 1);
    assert_int_equal(s.paced, 1);
    mt_fake_transport_free(&f);
    rig_free(&r);
}

/* A clock whose waits end at once, as a cancelled client's do (its time does not move). */
static void cut_short(void *ctx, double seconds)
{
    ++*(int *)ctx;
    (void)seconds;
}

static double frozen_now(void *ctx)
{
    (void)ctx;
    return 5000;
}

/* A wait cut short (a cancel) ends the pacing: the request goes on to the policies that refuse it, no spin. */
static void test_cut_short_wait_ends_pacing(void **state)
{
    (void)state;
    const struct mt_canned replies[] = {
        {.status = 429, .headers = {{"Retry-After", "7"}, {"x-ms-ratelimit-remaining-subscription-writes", "0"}}},
    };
    struct mt_fake_transport f;
    mt_fake_transport_init(&f, replies, MT_COUNT(replies), MT_FAKE_OK);
    int sleeps = 0;
    struct aksnet__clock clock = {frozen_now, cut_short, &sleeps};
    struct aksnet__pacer *pacer = NULL;
    struct aksnet__pace_options o = {.clock = &clock};
    assert_int_equal(aksnet__pacer_new(&o, &pacer, NULL), AKSNET_OK);
    struct rig r = {.pacer = pacer};
    r.pace = (struct aksnet__http_policy){aksnet__policy_pace, pacer, NULL, &f.transport};
    assert_int_equal(send(&r, "PUT", SUB_A), 429);
    assert_int_equal(send(&r, "PUT", SUB_A), 200); /* held for the Retry-After, but the wait ended at once */
    assert_int_equal(sleeps, 1);
    aksnet__pacer_free(pacer);
    mt_fake_transport_free(&f);
}

/* The subscription is found in any case; a URL without one has a budget of its own. */
static void test_budgets_by_subscription(void **state)
{
    (void)state;
    const struct mt_canned replies[] = {
        {.status = 200, .headers = {{"x-ms-ratelimit-remaining-subscription-writes", "2"}}},
    };
    struct rig r;
    struct mt_fake_transport f;
    mt_fake_transport_init(&f, replies, MT_COUNT(replies), MT_FAKE_OK);
    rig_init(&r, &f.transport, true);
    send(&r, "PUT", SUB_A);
    mt_fake_clock_forget(&r.clock);
    send(&r, "PUT", "https://management.azure.com/SUBSCRIPTIONS/aaaaaaaa-0000-0000-0000-000000000000/x");
    assert_true(mt_fake_clock_total(&r.clock) > 0); /* the same budget, written in capitals */
    mt_fake_clock_forget(&r.clock);
    send(&r, "POST", "https://management.azure.com/providers/Microsoft.Network/register");
    send(&r, "DELETE", SUB_A);
    assert_true(mt_fake_clock_total(&r.clock) == 0); /* no subscription; deletes are a kind of their own */
    mt_fake_transport_free(&f);
    rig_free(&r);
}

/* The global bucket paces too when its count is the lower: 15 times larger, refilled 15 times faster. */
static void test_global_bucket(void **state)
{
    (void)state;
    const struct mt_canned replies[] = {
        {.status = 200,
         .headers = {{"x-ms-ratelimit-remaining-subscription-writes", "150"},
                     {"x-ms-ratelimit-remaining-subscription-global-writes", "3"}}},
    };
    struct rig r;
    struct mt_fake_transport f;
    mt_fake_transport_init(&f, replies, MT_COUNT(replies), MT_FAKE_OK);
    rig_init(&r, &f.transport, true);
    send(&r, "PUT", SUB_A);
    send(&r, "PUT", SUB_A); /* global: 3 - 1 = 2 left, the margin */
    assert_true(mt_fake_clock_total(&r.clock) == 0);
    send(&r, "PUT", SUB_A); /* one token at 150 a second */
    double t = mt_fake_clock_total(&r.clock);
    assert_true(t > 0.006 && t < 0.007);
    mt_fake_transport_free(&f);
    rig_free(&r);
}

/*
 * A count above the documented bucket (1199 writes: the older hourly model,
 * which the mock sends without --throttle) is another model, whose refill
 * aksnet cannot know: it is never paced by its counts, even once they run low.
 */
static void test_other_model_not_paced(void **state)
{
    (void)state;
    struct rig r;
    struct plain f;
    plain_init(&f, "1199");
    rig_init(&r, &f.transport, true);
    for (int i = 0; i < 1000; i++)
        send(&r, "PUT", SUB_A);
    struct plain low;
    plain_init(&low, "3");
    r.pace.transport = &low.transport;
    for (int i = 0; i < 10; i++)
        send(&r, "PUT", SUB_A);
    assert_true(mt_fake_clock_total(&r.clock) == 0);
    assert_int_equal(stats(&r).paced, 0);
    rig_free(&r);
}

/* A full bucket's count is its whole size (a read's answer before any write: 200 writes left): still paced. */
static void test_full_bucket_is_the_documented_model(void **state)
{
    (void)state;
    const struct mt_canned replies[] = {
        {.status = 200, .headers = {{"x-ms-ratelimit-remaining-subscription-writes", "200"}}},
    };
    struct rig r;
    struct mt_fake_transport f;
    mt_fake_transport_init(&f, replies, MT_COUNT(replies), MT_FAKE_OK);
    rig_init(&r, &f.transport, true);
    send(&r, "GET", SUB_A);
    struct plain none;
    plain_init(&none, NULL);
    r.pace.transport = &none.transport;
    for (int i = 0; i < 198; i++)
        send(&r, "PUT", SUB_A);
    assert_true(mt_fake_clock_total(&r.clock) == 0);
    send(&r, "PUT", SUB_A);
    assert_true(mt_fake_clock_total(&r.clock) > 0.099 && mt_fake_clock_total(&r.clock) < 0.101);
    mt_fake_transport_free(&f);
    rig_free(&r);
}

/* An answer gives the counts of every kind: a read's answer saying 3 writes are left paces the next writes. */
static void test_counts_of_every_kind(void **state)
{
    (void)state;
    const struct mt_canned replies[] = {
        {.status = 200,
         .headers = {{"x-ms-ratelimit-remaining-subscription-reads", "240"},
                     {"x-ms-ratelimit-remaining-subscription-writes", "3"}}},
    };
    struct rig r;
    struct mt_fake_transport f;
    mt_fake_transport_init(&f, replies, MT_COUNT(replies), MT_FAKE_OK);
    rig_init(&r, &f.transport, true);
    send(&r, "GET", SUB_A);
    send(&r, "PUT", SUB_A); /* 3 - 1 = 2: the margin */
    assert_true(mt_fake_clock_total(&r.clock) == 0);
    send(&r, "PUT", SUB_A);
    assert_true(mt_fake_clock_total(&r.clock) > 0.099 && mt_fake_clock_total(&r.clock) < 0.101);
    mt_fake_transport_free(&f);
    rig_free(&r);
}

/*
 * Answers that arrive out of order agree: the answer "10 left" to a request
 * that 4 others followed before it came back means 10 - 4 are left.
 */
struct nested {
    struct rig *r;
    struct mt_fake_transport inner;   /* the 4 others: no count in their answers */
};

static aksnet_code nested_send(void *ctx, const struct aksnet__http_request *rq, struct aksnet__http_response *rs,
                               struct aksnet_error *err)
{
    (void)rq, (void)err;
    struct nested *n = ctx;
    const struct aksnet__http_transport *outer = n->r->pace.transport;
    n->r->pace.transport = &n->inner.transport;
    for (int i = 0; i < 4; i++)
        send(n->r, "PUT", SUB_A);
    n->r->pace.transport = outer;
    rs->status = 200;
    return aksnet__http_response_add_header(rs, "x-ms-ratelimit-remaining-subscription-writes", "10");
}

static void test_late_answer(void **state)
{
    (void)state;
    struct rig r;
    struct nested n = {.r = &r};
    mt_fake_transport_init(&n.inner, NULL, 0, MT_FAKE_OK);
    const struct aksnet__http_transport late = {nested_send, &n};
    rig_init(&r, &late, true);
    send(&r, "PUT", SUB_A);
    r.pace.transport = &n.inner.transport;
    for (int i = 0; i < 4; i++)
        send(&r, "PUT", SUB_A); /* 6 -> 2, the margin */
    assert_true(mt_fake_clock_total(&r.clock) == 0);
    send(&r, "PUT", SUB_A);
    assert_true(mt_fake_clock_total(&r.clock) > 0.099 && mt_fake_clock_total(&r.clock) < 0.101);
    mt_fake_transport_free(&n.inner);
    rig_free(&r);
}

/*
 * A request still without its answer counts against the estimate whatever
 * answer comes first: while a write is on its way, a read's answer saying 5
 * writes are left means 4, since ARM may not have counted that write yet.
 */
struct inner_read {
    struct rig *r;
    struct mt_fake_transport reads;   /* the read's answer: 5 writes left */
};

static aksnet_code write_then_read(void *ctx, const struct aksnet__http_request *rq, struct aksnet__http_response *rs,
                                   struct aksnet_error *err)
{
    (void)rq, (void)err;
    struct inner_read *n = ctx;
    const struct aksnet__http_transport *outer = n->r->pace.transport;
    n->r->pace.transport = &n->reads.transport;
    send(n->r, "GET", SUB_A);
    n->r->pace.transport = outer;
    rs->status = 200; /* the write's own answer carries no count */
    return AKSNET_OK;
}

static void test_pending_request_counted(void **state)
{
    (void)state;
    const struct mt_canned five = {.status = 200, .headers = {{"x-ms-ratelimit-remaining-subscription-writes", "5"}}};
    struct rig r;
    struct inner_read n = {.r = &r};
    mt_fake_transport_init(&n.reads, &five, 1, MT_FAKE_OK);
    const struct aksnet__http_transport w = {write_then_read, &n};
    rig_init(&r, &w, true);
    send(&r, "PUT", SUB_A); /* its read: 5 left, less this write = 4 */
    struct plain none;
    plain_init(&none, NULL);
    r.pace.transport = &none.transport;
    send(&r, "PUT", SUB_A);
    send(&r, "PUT", SUB_A); /* 4 -> 2: the margin */
    assert_true(mt_fake_clock_total(&r.clock) == 0);
    send(&r, "PUT", SUB_A);
    assert_true(mt_fake_clock_total(&r.clock) > 0.099 && mt_fake_clock_total(&r.clock) < 0.101);
    mt_fake_transport_free(&n.reads);
    rig_free(&r);
}

/* Threads sharing one pacer (what a fleet does): no data race (make tsan), no 429 storm. */
struct worker {
    struct rig *r;
    int n;
};

static void *worker(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < w->n; i++)
        send(w->r, "PUT", SUB_A);
    return NULL;
}

static void test_threads_share_one_pacer(void **state)
{
    (void)state;
    struct rig r;
    struct arm_model m;
    rig_init(&r, NULL, true);
    model_init(&m, &r.clock, 0.3);
    m.global_header = true;
    r.pace.transport = &m.transport;
    pthread_t t[4];
    struct worker w = {&r, 100};
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker, &w), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(m.requests, 400);
    assert_true(m.throttled * 100 < m.requests); /* under 1% */
    assert_int_equal(stats(&r).requests, 400);
    model_free(&m);
    rig_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unpaced_writes_are_throttled),
        cmocka_unit_test(test_paced_writes_keep_within_the_bucket),
        cmocka_unit_test(test_no_header_no_pacing),
        cmocka_unit_test(test_count_from_the_header),
        cmocka_unit_test(test_429_slows_every_request_of_its_kind),
        cmocka_unit_test(test_cut_short_wait_ends_pacing),
        cmocka_unit_test(test_budgets_by_subscription),
        cmocka_unit_test(test_global_bucket),
        cmocka_unit_test(test_other_model_not_paced),
        cmocka_unit_test(test_full_bucket_is_the_documented_model),
        cmocka_unit_test(test_counts_of_every_kind),
        cmocka_unit_test(test_late_answer),
        cmocka_unit_test(test_pending_request_counted),
        cmocka_unit_test(test_threads_share_one_pacer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
