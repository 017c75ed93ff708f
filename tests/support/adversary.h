/*
 * adversary.h - a small HTTP/1.1 server on loopback that stands in front
 * of an in-process aksnet-mock and answers some requests as no sane ARM
 * would: a JSON array for a resource, a body over aksnet's size cap, an
 * operation URL aksnet must not follow, a 401 that never ends, a wait of an
 * hour.  Every other request is passed on to the mock and its answer
 * relayed, with the mock's URLs in Location and Azure-AsyncOperation
 * rewritten to the adversary's own, so that a whole run of the aksnet
 * binary reaches the request a test wants to spoil.  A thread per
 * connection (aksnet's steps keep theirs open), no TLS.
 */
#ifndef AKSNET_TEST_ADVERSARY_H
#define AKSNET_TEST_ADVERSARY_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "mock_support.h"

/* How a rule answers. */
enum mt_adv_how {
    MT_ADV_SPOIL = 0,         /* status, headers and body instead of the mock's answer */
    MT_ADV_RELAY,             /* the mock's answer, with the rule's headers put in place of its own of those names */
    MT_ADV_CUT,               /* status and headers, a Content-Length of body_size, 16 bytes of it, then hang up */
    MT_ADV_HANG               /* read the request and never answer (until the client or mt_adv_stop hangs up) */
};

/* One spoiled answer: to the requests that match, instead of the mock's. */
struct mt_adv_rule {
    const char *method;       /* "GET", "PUT", ...; NULL: any */
    const char *path;         /* a part of the path and query (any case); NULL: any */
    int times;                /* how many requests it answers; 0: every one */
    long status;
    const char *headers;      /* more header lines ("Name: value\r\n" each); "{self}" becomes the adversary's URL */
    const char *body;         /* NULL: none */
    size_t body_size;         /* > 0: a body of that many spaces instead (sent until the client hangs up) */
    enum mt_adv_how how;      /* MT_ADV_SPOIL unless said */
};

#define MT_ADV_CONNECTIONS 64

struct mt_adv {
    int listen_fd;
    char url[64];                          /* http://127.0.0.1:PORT */
    struct mt_mock *upstream;              /* where every other request goes */
    struct mt_adv_rule *rules;
    size_t rule_count;
    int used[16];                          /* how many times each rule answered */
    size_t spoiled;                        /* requests answered by a rule */
    pthread_mutex_t lock;
    pthread_t acceptor;
    pthread_t workers[MT_ADV_CONNECTIONS];
    int fds[MT_ADV_CONNECTIONS];
    size_t nworkers;
    bool stopping;
};

/* Listen on 127.0.0.1:0 in front of upstream with rules (at most 16, kept by pointer); false on failure. */
bool mt_adv_start(struct mt_adv *a, struct mt_mock *upstream, struct mt_adv_rule *rules, size_t rule_count);

/* Close every connection, join every thread, stop listening. */
void mt_adv_stop(struct mt_adv *a);

#endif
