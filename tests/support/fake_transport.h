/*
 * fake_transport.h - an HTTP transport for tests that sends nothing: it
 * records each request that reaches it (method, URL, body, the headers
 * the policies set) and answers from a list of canned responses, so that
 * a policy, the ARM client or a credential can be driven through answers
 * no real server gives on demand (resets, throttling, odd bodies).
 */
#ifndef AKSNET_TEST_FAKE_TRANSPORT_H
#define AKSNET_TEST_FAKE_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "fake_clock.h"
#include "http.h"

#define MT_FAKE_SENT_MAX 32
#define MT_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A canned answer: a status with headers ({NULL, NULL} ends them) and a body, or a transport error. */
struct mt_canned {
    aksnet_code error;          /* not AKSNET_OK: no response, this error ("connection reset") */
    long status;
    const char *body;           /* NULL: none */
    const char *headers[4][2];
};

/* What a request looked like when it reached the transport (strings NULL when absent). */
struct mt_sent {
    char method[8];
    char *url;
    char *body;
    size_t body_len;
    bool sensitive;             /* the request said its body holds a secret */
    char *auth;                 /* Authorization */
    char *request_id;           /* x-ms-client-request-id */
    char *user_agent;
    char *accept;
    char *content_type;
    char *metadata;             /* Metadata (IMDS) */
};

/* What the transport answers once the canned answers are used up. */
enum mt_fake_after {
    MT_FAKE_OK,                 /* 200 with "{}" */
    MT_FAKE_REPEAT_LAST,        /* the last canned answer again */
    MT_FAKE_FAIL,               /* fail the test: the request was not expected */
};

struct mt_fake_transport {
    const struct mt_canned *replies;
    size_t nreplies, next;      /* next: how many canned answers were given */
    enum mt_fake_after after;
    struct mt_sent sent[MT_FAKE_SENT_MAX];
    size_t nsent;
    struct mt_fake_clock *clock;    /* when set, each request takes latency seconds on it */
    double latency;
    struct aksnet__http_transport transport;    /* what the pipeline is given */
};

/* Answer with replies[0..n) in turn, then as after says; nothing recorded yet. */
void mt_fake_transport_init(struct mt_fake_transport *f, const struct mt_canned *replies, size_t n,
                            enum mt_fake_after after);

/* The transport's send: record rq, answer the next canned response into rs (ctx is the fake). */
aksnet_code mt_fake_transport_send(void *ctx, const struct aksnet__http_request *rq, struct aksnet__http_response *rs,
                                   struct aksnet_error *err);

/* The last request recorded (NULL before the first). */
const struct mt_sent *mt_fake_transport_last(const struct mt_fake_transport *f);

/* Forget the recorded requests (nsent back to 0); the canned answers go on where they were. */
void mt_fake_transport_free(struct mt_fake_transport *f);

#endif
