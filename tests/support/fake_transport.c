/*
 * fake_transport.c - a recording HTTP transport with canned answers (see
 * fake_transport.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_transport.h"

/* Zeroed, so that no request of an earlier use is taken for one of this use. */
void mt_fake_transport_init(struct mt_fake_transport *f, const struct mt_canned *replies, size_t n,
                            enum mt_fake_after after)
{
    memset(f, 0, sizeof(*f));
    f->replies = replies;
    f->nreplies = n;
    f->after = after;
    f->transport = (struct aksnet__http_transport){mt_fake_transport_send, f};
}

/* A header the request did not carry stays NULL, so that a test can check it is absent. */
static char *dup_or_null(const char *s)
{
    char *copy = s ? strdup(s) : NULL;
    if (s)
        assert_non_null(copy);
    return copy;
}

/* Copy what the tests look at: the request is gone once send returns. */
static void record(struct mt_fake_transport *f, const struct aksnet__http_request *rq)
{
    assert_true(f->nsent < MT_FAKE_SENT_MAX);
    struct mt_sent *s = &f->sent[f->nsent++];
    memset(s, 0, sizeof(*s));
    memcpy(s->method, rq->method, sizeof(s->method));
    s->url = dup_or_null(rq->url);
    if (rq->body) {
        s->body = malloc(rq->body_len + 1);  /* a body may hold a NUL; the request keeps one after it */
        assert_non_null(s->body);
        memcpy(s->body, rq->body, rq->body_len + 1);
    }
    s->body_len = rq->body_len;
    s->sensitive = rq->sensitive_body;
    s->auth = dup_or_null(aksnet__http_request_header(rq, "Authorization"));
    s->request_id = dup_or_null(aksnet__http_request_header(rq, "x-ms-client-request-id"));
    s->user_agent = dup_or_null(aksnet__http_request_header(rq, "User-Agent"));
    s->accept = dup_or_null(aksnet__http_request_header(rq, "Accept"));
    s->content_type = dup_or_null(aksnet__http_request_header(rq, "Content-Type"));
    s->metadata = dup_or_null(aksnet__http_request_header(rq, "Metadata"));
}

/* The answer to give now: the next canned one, or what the fake does once they are used up. */
static const struct mt_canned *next_answer(struct mt_fake_transport *f, const struct aksnet__http_request *rq)
{
    static const struct mt_canned ok = {AKSNET_OK, 200, "{}", {{NULL, NULL}}};
    if (f->next < f->nreplies)
        return &f->replies[f->next++];
    if (f->after == MT_FAKE_FAIL)
        fail_msg("unexpected request %zu: %s %s", f->nsent, rq->method, rq->url);
    if (f->after == MT_FAKE_REPEAT_LAST && f->nreplies > 0)
        return &f->replies[f->nreplies - 1];
    return &ok;
}

/*
 * Every try must start from a clean response (a retry that reused one
 * would leak the last answer's headers into the next); then record, take
 * the latency, answer.
 */
aksnet_code mt_fake_transport_send(void *ctx, const struct aksnet__http_request *rq, struct aksnet__http_response *rs,
                                   struct aksnet_error *err)
{
    struct mt_fake_transport *f = ctx;
    assert_int_equal(rs->status, 0);
    assert_null(rs->body);
    record(f, rq);
    if (f->clock)
        mt_fake_clock_advance(f->clock, f->latency);
    const struct mt_canned *c = next_answer(f, rq);
    if (c->error != AKSNET_OK)
        return aksnet_error_set(err, c->error, "fake transport: connection reset (try %zu)", f->nsent);
    rs->status = c->status;
    for (size_t i = 0; i < 4; i++)
        if (c->headers[i][0] && c->headers[i][1])
            assert_int_equal(aksnet__http_response_add_header(rs, c->headers[i][0], c->headers[i][1]), AKSNET_OK);
    if (c->body) {
        rs->body = strdup(c->body);
        assert_non_null(rs->body);
        rs->body_len = strlen(c->body);
    }
    return AKSNET_OK;
}

/* Credential tests look at the one request a token fetch made: the last. */
const struct mt_sent *mt_fake_transport_last(const struct mt_fake_transport *f)
{
    return f->nsent ? &f->sent[f->nsent - 1] : NULL;
}

/* Between the parts of a test, so that "nothing sent" can be checked again. */
void mt_fake_transport_free(struct mt_fake_transport *f)
{
    for (size_t i = 0; i < f->nsent; i++) {
        struct mt_sent *s = &f->sent[i];
        free(s->url);
        free(s->body);
        free(s->auth);
        free(s->request_id);
        free(s->user_agent);
        free(s->accept);
        free(s->content_type);
        free(s->metadata);
    }
    f->nsent = 0;
}
