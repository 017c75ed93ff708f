/*
 * mock_support.h - what the mock's tests share: an in-process aksnet-mock
 * on an ephemeral loopback port with a clock the test moves, and a small
 * libcurl client.  Linked into every test program (Makefile: TEST_SUPPORT).
 */
#ifndef AKSNET_TEST_MOCK_SUPPORT_H
#define AKSNET_TEST_MOCK_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <openssl/types.h>

#include "armmock.h"

#define MT_SUB "00000000-0000-0000-0000-000000000000"
#define MT_TENANT "11111111-1111-1111-1111-111111111111"
#define MT_CLIENT "22222222-2222-2222-2222-222222222222"
#define MT_SECRET "test-secret-value"

struct mt_mock {
    struct armmock *mock;
    double now;              /* the mock's clock: tests advance it */
    char url[64];
    char dir[64];            /* a temporary directory for journal, state, certificates */
    char journal[128];       /* dir/journal.jsonl */
    char cacert[128];        /* CA bundle for HTTPS, "" for HTTP */
    char *token;             /* a bearer token from the client secret, fetched by mt_start */
};

struct mt_response {
    long status;             /* 0 when the connection failed or was dropped */
    char *body;
    cJSON *json;             /* body parsed, or NULL */
    char *headers;           /* raw response headers */
    int curl_code;           /* libcurl's result (CURLE_OK, CURLE_GOT_NOTHING, ...) */
};

/*
 * Start a mock.  opts may be NULL; the support adds the client secret
 * MT_CLIENT=MT_SECRET, the journal in dir, and its clock.  With tls, a
 * throwaway CA and server certificate are made (OpenSSL) and HTTPS served.
 * Returns false (after printing why) on failure.
 */
bool mt_start(struct mt_mock *t, const struct armmock_options *opts, bool tls);
void mt_stop(struct mt_mock *t);

/*
 * The real clock, for opts.clock when the aksnet binary runs against the
 * mock (it waits in real time; keep opts.lro_seconds small).  With it,
 * mt_advance has no effect.
 */
double mt_real_clock(void *ctx);

/* Move the mock's clock forward. */
void mt_advance(struct mt_mock *t, double seconds);

/*
 * One request.  path includes the query ("/subscriptions/...?api-version=...").
 * body may be NULL; content_type NULL means application/json.  With auth,
 * "Authorization: Bearer <t->token>" is sent; extra_header ("Name: value") may be NULL.
 */
bool mt_request(struct mt_mock *t, const char *method, const char *path, const char *body,
                const char *content_type, bool auth, const char *extra_header, struct mt_response *out);

/* A response header's value (case-insensitive name), copied into buf; NULL when absent. */
const char *mt_header(const struct mt_response *r, const char *name, char *buf, size_t len);

/* ARM's error code of a response ("error.code"), or NULL. */
const char *mt_error_code(const struct mt_response *r);

void mt_response_free(struct mt_response *r);

/* The journal's lines, parsed; *count receives how many.  Free with mt_journal_free. */
cJSON **mt_journal(struct mt_mock *t, size_t *count);
void mt_journal_free(cJSON **lines, size_t count);

/* A self-signed certificate for key (CN cn), as a client certificate of the tests; NULL on failure. */
X509 *mt_self_signed_cert(EVP_PKEY *key, const char *cn);

/* Get a token for client/secret at tenant; NULL on failure.  Caller frees. */
char *mt_fetch_token(struct mt_mock *t, const char *tenant, const char *client, const char *secret);

/*
 * Send size bytes of body ('x' repeated) with PUT to path: with a
 * Content-Length, or chunked (no length, read through a callback) when
 * chunked is set.  Authenticated with t->token.
 */
bool mt_request_upload(struct mt_mock *t, const char *path, size_t size, bool chunked, struct mt_response *out);

/* A plain TCP connection to the mock (IPv4 or IPv6, from t->url), or -1. */
int mt_raw_connect(const struct mt_mock *t);

/* Write all of text to fd; false on error. */
bool mt_raw_send(int fd, const char *text);

/*
 * Point t at a mock that runs elsewhere (another process): url, and the CA
 * bundle for HTTPS or NULL.  No token is fetched; mt_stop must not be used.
 */
void mt_attach(struct mt_mock *t, const char *url, const char *cacert);

#endif
