/*
 * tiny_server.h - a loopback HTTP server whose every answer the test
 * computes from the request (libmicrohttpd, one thread): for servers that
 * answer as neither Azure nor aksnet-mock ever would, such as a token
 * endpoint that echoes the secret it was sent.
 */
#ifndef AKSNET_TEST_TINY_SERVER_H
#define AKSNET_TEST_TINY_SERVER_H

#include <stdbool.h>
#include <stddef.h>

struct MHD_Daemon;
struct MHD_Connection;

/* A request as the handler sees it: the whole body, NUL-terminated. */
struct mt_tiny_request {
    const char *method;
    const char *path;                 /* without the query */
    const char *body;                 /* "" when none */
    size_t body_len;
    struct MHD_Connection *conn;      /* for mt_tiny_header and mt_tiny_arg */
};

/* A request header's value (case-insensitive name), or NULL. */
const char *mt_tiny_header(const struct mt_tiny_request *rq, const char *name);

/* A query argument's value (decoded), or NULL. */
const char *mt_tiny_arg(const struct mt_tiny_request *rq, const char *name);

/*
 * A form field of the body (application/x-www-form-urlencoded), decoded,
 * as a malloc'd string the caller frees; NULL when absent.
 */
char *mt_tiny_form_field(const struct mt_tiny_request *rq, const char *name);

/* The answer: status, and a body (malloc'd: the server frees it; NULL for none) sent as JSON. */
struct mt_tiny_reply {
    int status;
    char *body;
};

/* Called for every request, one at a time, on the server's thread. */
typedef void (*mt_tiny_handler)(void *ctx, const struct mt_tiny_request *rq, struct mt_tiny_reply *out);

struct mt_tiny_server {
    struct MHD_Daemon *daemon;
    char url[64];                     /* "http://127.0.0.1:PORT" */
    mt_tiny_handler handler;
    void *ctx;
};

/* Listen on an ephemeral 127.0.0.1 port; false (after saying why) when it cannot. */
bool mt_tiny_start(struct mt_tiny_server *s, mt_tiny_handler handler, void *ctx);

/* Stop serving; the handler is not called any more once this returns. */
void mt_tiny_stop(struct mt_tiny_server *s);

#endif
