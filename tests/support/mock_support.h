/*
 * mock_support.h - what the mock's tests share: an in-process aksnet-mock
 * on an ephemeral loopback port with a clock the test moves, a small
 * libcurl client with assertions on its answers, the mock's journal, its
 * state files, and a token source that hands out the mock's token.
 * Linked into every test program (Makefile: TEST_SUPPORT).
 */
#ifndef AKSNET_TEST_MOCK_SUPPORT_H
#define AKSNET_TEST_MOCK_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "aksnet/error.h"
#include "armmock.h"
#include "tmpfiles.h"

#define MT_SUB "00000000-0000-0000-0000-000000000000"
#define MT_TENANT "11111111-1111-1111-1111-111111111111"
#define MT_CLIENT "22222222-2222-2222-2222-222222222222"
#define MT_SECRET "test-secret-value"

struct mt_mock {
    struct armmock *mock;
    double now;                 /* the mock's clock: tests advance it */
    char url[64];
    struct mt_tmpdir dir;       /* a temporary directory for journal, state, certificates */
    char journal[MT_PATH_MAX];  /* dir/journal.jsonl */
    char cacert[MT_PATH_MAX];   /* CA bundle for HTTPS, "" for HTTP */
    char *token;                /* a bearer token from the client secret, fetched by mt_start */
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

/* The string properties.key of a response's body, or NULL. */
const char *mt_prop(const struct mt_response *r, const char *key);

/* ARM's error code of a response ("error.code"), or NULL. */
const char *mt_error_code(const struct mt_response *r);
const char *mt_error_message(const struct mt_response *r);

void mt_response_free(struct mt_response *r);

/* The journal's lines, parsed; *count receives how many.  Free with mt_journal_free. */
cJSON **mt_journal(struct mt_mock *t, size_t *count);
void mt_journal_free(cJSON **lines, size_t count);

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

/* ---- assertions on answers ------------------------------------------------------ */

/*
 * Send a request with t's token that must reach the mock; its status must
 * be status and, unless code is NULL, ARM's error code must be code.  The
 * response goes to *r; the caller frees it.
 */
void mt_expect(struct mt_mock *t, const char *method, const char *path, const char *body, long status,
               const char *code, struct mt_response *r);

/* The same, for a response nobody reads further. */
void mt_check(struct mt_mock *t, const char *method, const char *path, const char *body, long status,
              const char *code);

/* The same, with one more request header ("Name: value"). */
void mt_check_header(struct mt_mock *t, const char *method, const char *path, const char *body, const char *header,
                     long status, const char *code);

/* The path and query of an absolute URL the mock handed out, checked to point at the mock itself. */
const char *mt_local_path(const struct mt_mock *t, const char *url);

/* How many journal lines have method, a path containing part (NULL: any) and status (0: any). */
size_t mt_journal_count(struct mt_mock *t, const char *method, const char *part, long status);

/* The index of the first journal line with method and a path containing part; -1 when none. */
long mt_journal_find(struct mt_mock *t, const char *method, const char *part);

/* ---- state files (armmock_options.state_path) ------------------------------------- */

/* A state document: version 1, key_pem as the signing key (a new key when NULL), no resources, no operations. */
cJSON *mt_state_new(const char *key_pem);

/* Add body (taken) to state's resources, as the store keeps it: its id, provider, type, created. */
cJSON *mt_state_add(cJSON *state, const char *provider, const char *type, cJSON *body, double created);

/* Write state to path and free it; false on failure. */
bool mt_state_write(cJSON *state, const char *path);

/* ---- the pipeline's token ------------------------------------------------------- */

/* A token source for the bearer policy: a copy of ((struct mt_mock *)ctx)->token; AKSNET_EAUTH without one. */
aksnet_code mt_token(void *ctx, bool force_refresh, char **token, struct aksnet_error *err);

#endif
