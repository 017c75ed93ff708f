/*
 * test_cancel.c - stopping early (aksnet/cancel.h): the cancel itself, its
 * wait on the real clock cut short by another thread, the cancellable
 * clock over a fake one, the cancel policy and the retry policy's wait, and
 * a libcurl transfer aborted while the server holds its answer.  Nothing
 * sleeps to let time pass: every wait here ends because of the cancel.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cancel.h"
#include "fake_clock.h"
#include "fake_transport.h"
#include "internal.h"
#include "proc_support.h"
#include "tiny_server.h"

static struct aksnet_cancel *new_cancel(void)
{
    struct aksnet_cancel *c = NULL;
    struct aksnet_error err;
    assert_int_equal(aksnet_cancel_new(&c, &err), AKSNET_OK);
    assert_non_null(c);
    return c;
}

static void test_cancel_reason(void **state)
{
    (void)state;
    struct aksnet_cancel *c = new_cancel();
    assert_int_equal(aksnet_cancel_reason(c), 0);
    assert_false(aksnet__cancel_requested(c));
    aksnet_cancel_request(c, SIGTERM);
    aksnet_cancel_request(c, SIGINT); /* the first reason stays */
    assert_int_equal(aksnet_cancel_reason(c), SIGTERM);
    assert_true(aksnet__cancel_requested(c));
    /* once requested, a wait ends before it starts, however long */
    assert_true(aksnet__cancel_sleep(c, 3600));
    aksnet_cancel_free(c);
    c = new_cancel();
    aksnet_cancel_request(c, 0);
    assert_int_equal(aksnet_cancel_reason(c), -1);
    aksnet_cancel_free(c);
    /* NULL: never requested, nothing to free, a wait of nothing */
    assert_int_equal(aksnet_cancel_reason(NULL), 0);
    aksnet_cancel_request(NULL, SIGINT);
    aksnet_cancel_free(NULL);
    assert_false(aksnet__cancel_sleep(NULL, 0));
}

static void *request_it(void *arg)
{
    aksnet_cancel_request(arg, SIGINT);
    return NULL;
}

/* A wait of an hour on the real clock ends as soon as another thread requests the cancel. */
static void test_cancel_wakes_a_real_wait(void **state)
{
    (void)state;
    struct aksnet_cancel *c = new_cancel();
    long long t0 = mt_now_ms();
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, request_it, c), 0);
    assert_true(aksnet__cancel_sleep(c, 3600));
    assert_true(mt_now_ms() - t0 < 30000);
    pthread_join(th, NULL);
    /* the system clock behind a cancellable one: the same */
    struct aksnet__cancel_clock cc;
    aksnet__clock_cancellable(&cc, NULL, c);
    t0 = mt_now_ms();
    cc.clock.sleep(cc.clock.ctx, 3600);
    assert_true(mt_now_ms() - t0 < 30000);
    assert_true(cc.clock.now(cc.clock.ctx) > 1.6e9);
    aksnet_cancel_free(c);
}

/* Over a fake clock: time is the fake's; waits go to it until the cancel, none after. */
static void test_cancellable_fake_clock(void **state)
{
    (void)state;
    struct aksnet_cancel *c = new_cancel();
    struct mt_fake_clock fake;
    mt_fake_clock_init(&fake, 1000);
    struct aksnet__cancel_clock cc;
    aksnet__clock_cancellable(&cc, &fake.clock, c);
    cc.clock.sleep(cc.clock.ctx, 5);
    assert_true(cc.clock.now(cc.clock.ctx) == 1005);
    aksnet_cancel_request(c, SIGINT);
    cc.clock.sleep(cc.clock.ctx, 30);
    assert_int_equal(fake.nwaits, 1);
    assert_true(cc.clock.now(cc.clock.ctx) == 1005);
    mt_fake_clock_destroy(&fake);
    aksnet_cancel_free(c);
}

/* A clock whose first wait requests the cancel: a Ctrl-C during a retry's wait. */
struct cancelling_clock {
    struct mt_fake_clock fake;
    struct aksnet_cancel *cancel;
    struct aksnet__clock clock;
};

static double cancelling_now(void *ctx)
{
    return mt_fake_clock_now(&((struct cancelling_clock *)ctx)->fake);
}

static void cancelling_sleep(void *ctx, double seconds)
{
    struct cancelling_clock *c = ctx;
    mt_fake_clock_sleep(&c->fake, seconds);
    aksnet_cancel_request(c->cancel, SIGINT);
}

/*
 * request id -> retry -> cancel -> transport: a 503 with Retry-After, the
 * wait interrupted, and the retry refused without reaching the transport.
 */
static void test_retry_wait_cut_short(void **state)
{
    (void)state;
    struct cancelling_clock cl;
    mt_fake_clock_init(&cl.fake, 1000);
    cl.cancel = new_cancel();
    cl.clock = (struct aksnet__clock){cancelling_now, cancelling_sleep, &cl};
    struct aksnet__cancel_clock cc;
    aksnet__clock_cancellable(&cc, &cl.clock, cl.cancel);
    const struct mt_canned busy = {AKSNET_OK, 503, "{}", {{"Retry-After", "30"}, {NULL, NULL}}};
    struct mt_fake_transport f;
    mt_fake_transport_init(&f, &busy, 1, MT_FAKE_OK);
    struct aksnet__retry_options ro;
    aksnet__retry_defaults(&ro);
    ro.clock = &cc.clock;
    struct aksnet__http_policy cancel = {aksnet__policy_cancel, cl.cancel, NULL, &f.transport};
    struct aksnet__http_policy retry = {aksnet__policy_retry, &ro, &cancel, NULL};
    struct aksnet__http_request rq;
    assert_int_equal(aksnet__http_request_init(&rq, "PUT", "https://management.example/x", NULL), AKSNET_OK);
    struct aksnet__http_response rs = {0};
    struct aksnet_error err;
    assert_int_equal(retry.process(&retry, &rq, &rs, &err), AKSNET_ECANCELED);
    assert_int_equal(f.nsent, 1);
    assert_int_equal(cl.fake.nwaits, 1);
    assert_non_null(strstr(err.message, "interrupted: PUT https://management.example/x not sent"));
    /* without a cancel requested (or without one at all) the policy passes the request on */
    struct aksnet__http_policy none = {aksnet__policy_cancel, NULL, NULL, &f.transport};
    assert_int_equal(none.process(&none, &rq, &rs, &err), AKSNET_OK);
    assert_int_equal(f.nsent, 2);
    aksnet__http_response_free(&rs);
    aksnet__http_request_free(&rq);
    mt_fake_transport_free(&f);
    mt_fake_clock_destroy(&cl.fake);
    aksnet_cancel_free(cl.cancel);
}

/* ---- a libcurl transfer aborted while the server holds the answer ---------------------------- */

struct held {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool arrived, released;
};

/* Say the request arrived, then hold the answer until the test lets it go. */
static void hold(void *ctx, const struct mt_tiny_request *rq, struct mt_tiny_reply *out)
{
    (void)rq;
    struct held *h = ctx;
    pthread_mutex_lock(&h->lock);
    h->arrived = true;
    pthread_cond_broadcast(&h->cond);
    while (!h->released)
        pthread_cond_wait(&h->cond, &h->lock);
    pthread_mutex_unlock(&h->lock);
    out->status = 200;
    out->body = strdup("{}");
}

struct transfer {
    struct aksnet__http_transport tr;
    const char *url;
    aksnet_code rc;
    struct aksnet_error err;
};

static void *send_one(void *arg)
{
    struct transfer *t = arg;
    struct aksnet__http_request rq;
    assert_int_equal(aksnet__http_request_init(&rq, "GET", t->url, NULL), AKSNET_OK);
    struct aksnet__http_response rs = {0};
    t->rc = t->tr.send(t->tr.ctx, &rq, &rs, &t->err);
    aksnet__http_response_free(&rs);
    aksnet__http_request_free(&rq);
    return NULL;
}

static void test_curl_transfer_aborted(void **state)
{
    (void)state;
    struct held h = {.arrived = false, .released = false};
    pthread_mutex_init(&h.lock, NULL);
    pthread_cond_init(&h.cond, NULL);
    struct mt_tiny_server server;
    assert_true(mt_tiny_start(&server, hold, &h));
    struct aksnet_cancel *c = new_cancel();
    struct aksnet__curl_options co = {.cancel = c};
    struct transfer t = {.url = server.url};
    assert_int_equal(aksnet__curl_transport_new(&co, &t.tr, &t.err), AKSNET_OK);
    pthread_t th;
    long long t0 = mt_now_ms();
    assert_int_equal(pthread_create(&th, NULL, send_one, &t), 0);
    pthread_mutex_lock(&h.lock);
    while (!h.arrived)
        pthread_cond_wait(&h.cond, &h.lock);
    pthread_mutex_unlock(&h.lock);
    aksnet_cancel_request(c, SIGINT); /* the request is at the server, its answer held */
    pthread_join(th, NULL);
    assert_true(mt_now_ms() - t0 < 30000);
    assert_int_equal(t.rc, AKSNET_ECANCELED);
    assert_non_null(strstr(t.err.message, "interrupted: GET"));
    assert_non_null(strstr(t.err.message, "may have reached the server"));
    /* and the next request is not even sent */
    send_one(&t);
    assert_int_equal(t.rc, AKSNET_ECANCELED);
    assert_non_null(strstr(t.err.message, "not sent"));
    pthread_mutex_lock(&h.lock);
    h.released = true;
    pthread_cond_broadcast(&h.cond);
    pthread_mutex_unlock(&h.lock);
    aksnet__curl_transport_free(&t.tr);
    mt_tiny_stop(&server);
    aksnet_cancel_free(c);
    pthread_cond_destroy(&h.cond);
    pthread_mutex_destroy(&h.lock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cancel_reason),
        cmocka_unit_test(test_cancel_wakes_a_real_wait),
        cmocka_unit_test(test_cancellable_fake_clock),
        cmocka_unit_test(test_retry_wait_cut_short),
        cmocka_unit_test(test_curl_transfer_aborted),
    };
    return cmocka_run_group_tests_name("cancelling", tests, NULL, NULL);
}
