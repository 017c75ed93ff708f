/*
 * tiny_server.c - a loopback server answering as the test says
 * (tiny_server.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <curl/curl.h>
#include <microhttpd.h>

#include "tiny_server.h"

/* Bodies the tests send are small: a token request, a PUT of a resource. */
#define BODY_MAX (1024 * 1024)

struct conn {
    char *body;
    size_t len;
    bool too_large;
};

const char *mt_tiny_header(const struct mt_tiny_request *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

const char *mt_tiny_arg(const struct mt_tiny_request *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* name=value&...: the first field called name, percent- and plus-decoded. */
char *mt_tiny_form_field(const struct mt_tiny_request *rq, const char *name)
{
    size_t n = strlen(name);
    for (const char *f = rq->body; f && *f;) {
        const char *amp = strchr(f, '&');
        size_t flen = amp ? (size_t)(amp - f) : strlen(f);
        if (flen > n && strncmp(f, name, n) == 0 && f[n] == '=') {
            char *raw = strndup(f + n + 1, flen - n - 1);
            for (char *p = raw; p && *p; p++)
                if (*p == '+')
                    *p = ' ';
            int out = 0;
            char *dec = raw ? curl_easy_unescape(NULL, raw, 0, &out) : NULL;
            char *copy = dec ? strndup(dec, (size_t)out) : NULL;
            curl_free(dec);
            free(raw);
            return copy;
        }
        f = amp ? amp + 1 : NULL;
    }
    return NULL;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)c;
    (void)why;
    struct conn *cn = *con_cls;
    if (cn) {
        free(cn->body);
        free(cn);
    }
    *con_cls = NULL;
}

/* First call: headers; then the body in pieces; then the answer. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)version;
    struct mt_tiny_server *s = cls;
    struct conn *cn = *con_cls;
    if (!cn) {
        cn = calloc(1, sizeof(*cn));
        *con_cls = cn;
        return cn ? MHD_YES : MHD_NO;
    }
    if (*upload_size) {
        char *b = cn->too_large || cn->len + *upload_size > BODY_MAX ? NULL
                                                                      : realloc(cn->body, cn->len + *upload_size + 1);
        if (b) {
            memcpy(b + cn->len, upload_data, *upload_size);
            cn->body = b;
            cn->len += *upload_size;
            cn->body[cn->len] = '\0';
        } else {
            cn->too_large = true;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    struct mt_tiny_request rq = {method, url, cn->body ? cn->body : "", cn->len, c};
    struct mt_tiny_reply reply = {500, NULL};
    if (cn->too_large)
        reply.status = 413;
    else
        s->handler(s->ctx, &rq, &reply);
    size_t len = reply.body ? strlen(reply.body) : 0;
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, reply.body ? reply.body : (void *)"", reply.body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(reply.body);
        return MHD_NO;
    }
    if (reply.body)
        MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)reply.status, r);
    MHD_destroy_response(r);
    return ret;
}

bool mt_tiny_start(struct mt_tiny_server *s, mt_tiny_handler handler, void *ctx)
{
    memset(s, 0, sizeof(*s));
    s->handler = handler;
    s->ctx = ctx;
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL, on_request, s,
                                 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED,
                                 on_completed, s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
    if (!s->daemon) {
        fprintf(stderr, "mt_tiny_start: cannot listen on 127.0.0.1\n");
        return false;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%u", info ? (unsigned)info->port : 0u);
    return true;
}

void mt_tiny_stop(struct mt_tiny_server *s)
{
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
}
