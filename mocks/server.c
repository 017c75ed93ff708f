/*
 * server.c - armmock on libmicrohttpd: start and stop, read a request
 * (headers, query, body up to MOCK_MAX_BODY), hand it to dispatch under
 * the lock, send the answer with ARM's bookkeeping headers, journal it.
 *
 * One thread per connection: a fault may delay an answer, and a delayed
 * connection must not hold up the others.  As many connections as the
 * descriptors allow (up to ARMMOCK_MAX_CONNECTIONS), each closed after
 * MOCK_IDLE_TIMEOUT silent seconds, so that hundreds of idle or slow
 * clients do not keep the next one out (docs/architecture.md, "The mock
 * under a flood of connections", has the measurements).
 *
 * Depends on: dispatch.c (mock_dispatch()), faults.c (mock_fault_parse(),
 * mock_faults_apply()), journal.c (mock_journal_write()), lro.c
 * (mock_ops_free()), ratelimit.c (mock_latency_ms(), mock_ratelimit_*()),
 * request.c, state.c (mock_state_load(),
 * mock_state_save()), store.c (mock_store_free()), util.c, src/util (jwt).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "jwt.h"
#include "mock.h"
#include "request.h"

#define MOCK_IDLE_TIMEOUT 10u /* seconds; an answer held back by a delay fault is not silence */

/* Per-connection state, from the raw URI to the end of the body. */
struct conn {
    char *uri;           /* raw request target, for the query string */
    char *body;
    size_t len;
    bool too_large;
    bool headers_seen;   /* the first call (headers only) is done */
    double started;
};

/* ---- connections ------------------------------------------------------------ */

/*
 * Each connection gets the next serial number as it opens, kept in its
 * socket context: the journal says which connection carried each request,
 * and armmock_connection_count how many were opened (over HTTPS each is one
 * full TLS handshake, libmicrohttpd keeping no session cache to resume).
 */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)c;
    struct armmock *m = cls;
    if (code != MHD_CONNECTION_NOTIFY_STARTED)
        return;
    pthread_mutex_lock(&m->lock);
    uint64_t serial = ++m->connections;
    pthread_mutex_unlock(&m->lock);
    *socket_context = (void *)(uintptr_t)serial;
}

/* The serial number on_connection gave c, 0 when unknown. */
static uint64_t connection_serial(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? (uint64_t)(uintptr_t)info->socket_context : 0;
}

/* ---- reading the request ---------------------------------------------------- */

/* libmicrohttpd calls this first: the raw URI (with its query) and the start time are kept for the journal. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)c;
    struct conn *cn = calloc(1, sizeof(*cn));
    if (cn) {
        cn->uri = strdup(uri ? uri : "");
        cn->started = mock_now(cls);
    }
    return cn;
}

/* A connection's per-request state goes when libmicrohttpd is done with the request. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct conn *cn = *con_cls;
    if (cn) {
        free(cn->uri);
        free(cn->body);
        free(cn);
    }
    *con_cls = NULL;
}

struct kv_list {
    struct mock_kv *items;
    size_t count, cap;
};

/* Headers and query arguments are copied out of libmicrohttpd, which owns its own. */
static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    struct kv_list *l = cls;
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct mock_kv *items = realloc(l->items, cap * sizeof(*items));
        if (!items)
            return MHD_NO;
        l->items = items;
        l->cap = cap;
    }
    l->items[l->count].name = strdup(key ? key : "");
    l->items[l->count].value = strdup(value ? value : "");
    l->count++;
    return MHD_YES;
}

/* A request in the mock's own terms, so that dispatch and the fuzzer need no connection. */
static bool build_request(struct MHD_Connection *c, const char *method, const char *url, struct conn *cn,
                          struct mock_request *rq)
{
    memset(rq, 0, sizeof(*rq));
    rq->method = method;
    const char *q = cn->uri ? strchr(cn->uri, '?') : NULL;
    rq->query = strdup(q ? q + 1 : "");
    rq->path = strdup(url);
    rq->seg_buf = strdup(url);
    struct kv_list args = {0}, headers = {0};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect, &args);
    MHD_get_connection_values(c, MHD_HEADER_KIND, collect, &headers);
    rq->args = args.items;
    rq->arg_count = args.count;
    rq->headers = headers.items;
    rq->header_count = headers.count;
    rq->body = cn->body ? cn->body : strdup("");
    rq->body_len = cn->len;
    rq->body_too_large = cn->too_large;
    cn->body = NULL;
    return rq->query && rq->path && rq->seg_buf && rq->body;
}

/* ---- answering --------------------------------------------------------------- */

/* ARM's bookkeeping headers on every answer under /subscriptions, /providers, /tenants. */
static void add_arm_headers(struct armmock *m, const struct mock_request *rq, struct mock_response *rs,
                            const char *path)
{
    if (strncasecmp(path, "/subscriptions", 14) != 0 && strncasecmp(path, "/providers", 10) != 0 &&
        strncasecmp(path, "/tenants", 8) != 0)
        return;
    mock_ratelimit_headers(m, rq, rs);
    char id[37];
    mock_uuid(id);
    mock_add_header(rs, "x-ms-request-id", "%s", id);
    const char *corr = mock_header(rq, "x-ms-correlation-request-id");
    mock_add_header(rs, "x-ms-correlation-request-id", "%s", corr ? corr : id);
    const char *client = mock_header(rq, "x-ms-client-request-id");
    if (client)
        mock_add_header(rs, "x-ms-client-request-id", "%s", client);
}

/* The answer with its headers; a body is handed to libmicrohttpd to free. */
static enum MHD_Result send_response(struct MHD_Connection *c, const struct mock_response *rs, char *body)
{
    size_t len = body ? strlen(body) : 0;
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body ? body : (void *)"",
                                                             body ? MHD_RESPMEM_MUST_FREE
                                                                  : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    if (body)
        MHD_add_response_header(r, "Content-Type",
                                rs->json ? "application/json; charset=utf-8"
                                         : (rs->content_type ? rs->content_type : "text/plain"));
    for (size_t i = 0; i < rs->header_count; i++)
        MHD_add_response_header(r, rs->headers[i].name, rs->headers[i].value);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)rs->status, r);
    MHD_destroy_response(r);
    return ret;
}

/*
 * Wait delay_ms (a delay fault, --latency) with the lock released, so that
 * other connections are served meanwhile; armmock_stop cuts the wait short.
 */
static void wait_delay(struct armmock *m, long delay_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += delay_ms / 1000;
    until.tv_nsec += (delay_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    while (!m->stopping && pthread_cond_timedwait(&m->stop_cond, &m->lock, &until) != ETIMEDOUT)
        ;
}

/* One request as one transition under the lock (faults, dispatch, state); the journal is written after. */
static enum MHD_Result handle(struct armmock *m, struct MHD_Connection *c, const char *url,
                              const char *method, struct conn *cn)
{
    struct mock_request rq;
    struct mock_response rs = {0};
    if (!build_request(c, method, url, cn, &rq)) {
        mock_request_free(&rq);
        return MHD_NO;
    }
    if (cn->too_large) {
        mock_reply_error(&rs, 413, "RequestEntityTooLarge", "The request body is larger than %u bytes.",
                         MOCK_MAX_BODY);
        pthread_mutex_lock(&m->lock);
        rq.now = mock_now(m);
        add_arm_headers(m, &rq, &rs, rq.path); /* a refusal is an ARM answer like any other */
        m->requests++;
        pthread_mutex_unlock(&m->lock);
    } else {
        mock_request_parse_body(&rq);
        mock_request_split_path(&rq);
        pthread_mutex_lock(&m->lock);
        long delay_ms = 0;
        bool answered = mock_faults_apply(m, &rq, &rs, &delay_ms);
        if (rs.busy)
            mock_reply_busy_injected(m, &rq, &rs);
        delay_ms += mock_latency_ms(m, &rq); /* one wait for both: the answer comes after it */
        if (delay_ms > 0)
            wait_delay(m, delay_ms);
        rq.now = mock_now(m);
        if (!answered)
            mock_dispatch(m, &rq, &rs);
        if (!rs.drop && rs.status < 100) /* a handler that forgot to answer: say so rather than hang up */
            mock_reply_error(&rs, 500, "InternalServerError", "The mock gave no answer to %s %s.", method, rq.path);
        if (!rs.drop)
            add_arm_headers(m, &rq, &rs, rq.path);
        if (rs.changed && m->state_path)
            mock_state_save(m);
        rs.drop = rs.drop || rs.lost; /* an apply-reset fault: applied, the answer never leaves */
        m->requests++;
        pthread_mutex_unlock(&m->lock);
    }
    enum MHD_Result ret = MHD_NO;
    if (!rs.drop) {
        char *body = rs.json ? cJSON_PrintUnformatted(rs.json) : (rs.text ? strdup(rs.text) : NULL);
        ret = send_response(c, &rs, body);
    }
    if (m->journal)
        mock_journal_write(m, &rq, &rs, cn->started, mock_now(m), connection_serial(c));
    mock_request_free(&rq);
    mock_response_free(&rs);
    return ret;
}

/*
 * GET /healthz: 200 as long as the server answers, whatever the fault
 * rules say.  Not an Azure endpoint (ARM and Entra ID have none for it to
 * copy), so it is neither journaled nor counted in the rate headers.
 */
static enum MHD_Result answer_health(struct MHD_Connection *c)
{
    struct mock_response rs = {.status = 200, .content_type = "application/json; charset=utf-8"};
    char *body = strdup("{\"status\":\"ok\"}");
    return body ? send_response(c, &rs, body) : MHD_NO;
}

/* libmicrohttpd calls this per chunk of body; the request is handled once the body is whole. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_size,
                                  void **con_cls)
{
    (void)version;
    struct armmock *m = cls;
    struct conn *cn = *con_cls;
    if (!cn)
        return MHD_NO;
    if (!cn->headers_seen) {
        /* First call: headers only.  Refuse a declared oversize body up front. */
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > MOCK_MAX_BODY)
            cn->too_large = true;
        cn->headers_seen = true;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!cn->too_large && cn->len + *upload_size <= MOCK_MAX_BODY) {
            char *b = realloc(cn->body, cn->len + *upload_size + 1);
            if (!b)
                return MHD_NO;
            memcpy(b + cn->len, upload_data, *upload_size);
            cn->body = b;
            cn->len += *upload_size;
            cn->body[cn->len] = '\0';
        } else {
            /* Too large: the rest is read and dropped, and nothing of it is kept. */
            cn->too_large = true;
            free(cn->body);
            cn->body = NULL;
            cn->len = 0;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(url, "/healthz") == 0 && (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0))
        return answer_health(c);
    return handle(m, c, url, method, cn);
}

/* ---- start and stop ------------------------------------------------------------ */

/* "127.0.0.1:0", "localhost:8080", "[::1]:0" -> a loopback socket address. */
static bool parse_listen(const char *spec, struct sockaddr_storage *ss, bool *v6, char *err, size_t errlen)
{
    char host[64];
    const char *colon = strrchr(spec, ':');
    if (!colon || (size_t)(colon - spec) >= sizeof(host)) {
        snprintf(err, errlen, "--listen '%s': expected HOST:PORT", spec);
        return false;
    }
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    char *end = NULL;
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (errno || !*(colon + 1) || *end || port > 65535) {
        snprintf(err, errlen, "--listen '%s': the port is not 0..65535", spec);
        return false;
    }
    memset(ss, 0, sizeof(*ss));
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof(host), "127.0.0.1");
    size_t hl = strlen(host);
    if (hl > 2 && host[0] == '[' && host[hl - 1] == ']') {
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = '\0';
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        if ((ntohl(a4->sin_addr.s_addr) >> 24) != 127) {
            snprintf(err, errlen, "--listen '%s': aksnet-mock listens on loopback only (127.0.0.0/8 or ::1)",
                     spec);
            return false;
        }
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *v6 = false;
        return true;
    }
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        if (!IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr)) {
            snprintf(err, errlen, "--listen '%s': aksnet-mock listens on loopback only (127.0.0.0/8 or ::1)",
                     spec);
            return false;
        }
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *v6 = true;
        return true;
    }
    snprintf(err, errlen, "--listen '%s': '%s' is not a loopback address", spec, host);
    return false;
}

/* Read a whole small file (certificates, keys) into a string. */
static char *read_small_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(1024 * 1024 + 1);
    size_t n = buf ? fread(buf, 1, 1024 * 1024, f) : 0;
    fclose(f);
    if (!buf)
        return NULL;
    buf[n] = '\0';
    return buf;
}

/* The options' credentials are copied so that the caller's may go after armmock_start. */
static bool copy_credentials(struct armmock_credential **dst, size_t *dst_n, const struct armmock_credential *src,
                             size_t n)
{
    *dst = calloc(n ? n : 1, sizeof(**dst));
    if (!*dst)
        return false;
    for (size_t i = 0; i < n; i++) {
        (*dst)[i].client_id = strdup(src[i].client_id ? src[i].client_id : "");
        (*dst)[i].value = strdup(src[i].value ? src[i].value : "");
        *dst_n = i + 1;
        if (!(*dst)[i].client_id || !(*dst)[i].value)
            return false;
    }
    return true;
}

/* Credential values are secrets: wiped before they are freed. */
static void free_credentials(struct armmock_credential *c, size_t n)
{
    for (size_t i = 0; c && i < n; i++) {
        free((char *)c[i].client_id);
        if (c[i].value)
            OPENSSL_cleanse((char *)c[i].value, strlen(c[i].value));
        free((char *)c[i].value);
    }
    free(c);
}

/* Copy options that are strings or lists, so the caller's may go away. */
static bool copy_options(struct armmock *m, const struct armmock_options *o, char *err, size_t errlen)
{
    m->opt = *o;
    m->opt.lro_seconds = o->lro_seconds > 0 ? o->lro_seconds : 0.05;
    m->opt.token_lifetime = o->token_lifetime > 0 ? o->token_lifetime : 3600;
    m->listen = strdup(o->listen ? o->listen : "127.0.0.1:0");
    m->opt.listen = m->opt.journal_path = m->opt.state_path = NULL; /* only the copies below are used */
    m->journal_path = o->journal_path ? strdup(o->journal_path) : NULL;
    m->state_path = o->state_path ? strdup(o->state_path) : NULL;
    m->identity_header = o->identity_header ? strdup(o->identity_header) : NULL;
    m->opt.identity_header = m->identity_header;
    if (!m->listen || !copy_credentials(&m->secrets, &m->secret_count, o->secrets, o->secret_count) ||
        !copy_credentials(&m->certificates, &m->certificate_count, o->certificates, o->certificate_count) ||
        !copy_credentials(&m->federated, &m->federated_count, o->federated, o->federated_count)) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    m->fault_count = 0;
    m->faults = calloc(o->fault_count ? o->fault_count : 1, sizeof(*m->faults));
    for (size_t i = 0; m->faults && i < o->fault_count; i++) {
        if (!mock_fault_parse(o->faults[i], &m->faults[i], err, errlen))
            return false;
        m->fault_count++;
    }
    static const char *const default_sub[] = {"00000000-0000-0000-0000-000000000000"};
    const char *const *subs = o->subscription_count ? o->subscriptions : default_sub;
    size_t nsubs = o->subscription_count ? o->subscription_count : 1;
    m->subscriptions = calloc(nsubs, sizeof(char *));
    for (size_t i = 0; m->subscriptions && i < nsubs; i++)
        if ((m->subscriptions[i] = strdup(subs[i])))
            m->subscription_count++;
    if (o->tls_cert_file || o->tls_key_file) {
        if (!o->tls_cert_file || !o->tls_key_file) {
            snprintf(err, errlen, "--tls-cert and --tls-key go together");
            return false;
        }
        if (!(m->tls_cert = read_small_file(o->tls_cert_file, err, errlen)) ||
            !(m->tls_key = read_small_file(o->tls_key_file, err, errlen)))
            return false;
        m->tls = true;
    }
    return m->faults && m->subscriptions;
}

/*
 * As many connections as the open-file limit leaves room for, up to
 * ARMMOCK_MAX_CONNECTIONS: a connection refused for want of a descriptor
 * is worse than one refused by the limit, which libmicrohttpd closes at once.
 */
static unsigned connection_limit(void)
{
    const rlim_t reserve = ARMMOCK_OPEN_FILES - ARMMOCK_MAX_CONNECTIONS;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= ARMMOCK_OPEN_FILES)
        return ARMMOCK_MAX_CONNECTIONS;
    return (unsigned)(rl.rlim_cur > 2 * reserve ? rl.rlim_cur - reserve : rl.rlim_cur / 2);
}

/* libmicrohttpd on the listen address, with TLS when certificate and key were given. */
static bool start_daemon(struct armmock *m, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    bool v6 = false;
    if (!parse_listen(m->listen, &ss, &v6, err, errlen))
        return false;
    /* poll(), not select(): a process with many descriptors open must still be served. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL |
                     (v6 ? MHD_USE_IPv6 : 0) | (m->tls ? MHD_USE_TLS : 0);
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_KEY, 0, m->tls_key},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, m->tls_cert},
        {MHD_OPTION_END, 0, NULL},
    };
    m->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, m,
                                 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                                 MHD_OPTION_URI_LOG_CALLBACK, on_uri, m,
                                 MHD_OPTION_NOTIFY_COMPLETED, on_completed, m,
                                 MHD_OPTION_NOTIFY_CONNECTION, on_connection, m,
                                 MHD_OPTION_CONNECTION_TIMEOUT, MOCK_IDLE_TIMEOUT,
                                 MHD_OPTION_CONNECTION_LIMIT, connection_limit(),
                                 MHD_OPTION_ARRAY, m->tls ? tls_opts : &tls_opts[2],
                                 MHD_OPTION_END);
    if (!m->daemon) {
        snprintf(err, errlen, "cannot listen on %s%s", m->listen,
                 m->tls ? " (or the TLS certificate/key is unusable)" : "");
        return false;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(m->daemon, MHD_DAEMON_INFO_BIND_PORT);
    m->port = info ? info->port : 0;
    /* The address listened on, which may be any of 127.0.0.0/8. */
    char host[INET6_ADDRSTRLEN] = "127.0.0.1";
    if (v6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
    else
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
    snprintf(m->url, sizeof(m->url), "%s://%s%s%s:%u", m->tls ? "https" : "http", v6 ? "[" : "", host,
             v6 ? "]" : "", (unsigned)m->port);
    return true;
}

/* Everything the server needs is set up before it accepts a connection, or nothing is left behind. */
struct armmock *armmock_start(const struct armmock_options *options, char *err, size_t errlen)
{
    struct armmock_options none = {0};
    struct armmock *m = calloc(1, sizeof(*m));
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&m->lock, NULL);
    pthread_mutex_init(&m->journal_lock, NULL);
    pthread_cond_init(&m->stop_cond, NULL);
    bool ok = copy_options(m, options ? options : &none, err, errlen);
    mock_ratelimit_init(m);
    if (ok && m->journal_path && !(m->journal = fopen(m->journal_path, "a"))) {
        snprintf(err, errlen, "--journal %s: %s", m->journal_path, strerror(errno));
        ok = false;
    }
    ok = ok && mock_state_load(m, err, errlen);
    if (ok && !m->signing_key) {
        struct aksnet_error e;
        if (aksnet__jwt_new_rsa_key(2048, &m->signing_key, &e) != AKSNET_OK) {
            snprintf(err, errlen, "cannot make a signing key: %s", e.message);
            ok = false;
        }
    }
    if (ok)
        snprintf(m->signing_kid, sizeof(m->signing_kid), "armmock");
    if (!ok || !start_daemon(m, err, errlen)) {
        /* Nothing was served: the state file (perhaps one it could not read) stays as it was. */
        free(m->state_path);
        m->state_path = NULL;
        armmock_stop(m);
        return NULL;
    }
    return m;
}

/* The checks armmock_start makes on what a user typed, without its side effects, for exit code 2. */
bool armmock_check_options(const struct armmock_options *o, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    bool v6 = false;
    if (!parse_listen(o->listen ? o->listen : "127.0.0.1:0", &ss, &v6, err, errlen))
        return false;
    for (size_t i = 0; i < o->fault_count; i++) {
        struct mock_fault f;
        bool ok = mock_fault_parse(o->faults[i], &f, err, errlen);
        free(f.glob);
        if (!ok)
            return false;
    }
    if (!o->tls_cert_file != !o->tls_key_file) {
        snprintf(err, errlen, "--tls-cert and --tls-key go together");
        return false;
    }
    return true;
}

/* The port actually bound, for a listen address with port 0. */
uint16_t armmock_port(const struct armmock *m)
{
    return m->port;
}

/* The base URL clients use, http or https. */
const char *armmock_url(const struct armmock *m)
{
    return m->url;
}

/* A counter the server's threads move as requests and connections come, read under the lock. */
static uint64_t read_counter(const struct armmock *m, const uint64_t *counter)
{
    pthread_mutex_t *lock = (pthread_mutex_t *)&m->lock;
    pthread_mutex_lock(lock);
    uint64_t n = *counter;
    pthread_mutex_unlock(lock);
    return n;
}

uint64_t armmock_request_count(const struct armmock *m)
{
    return read_counter(m, &m->requests);
}

uint64_t armmock_connection_count(const struct armmock *m)
{
    return read_counter(m, &m->connections);
}

/* Delayed answers are woken first, then the daemon stops and the state is saved. */
void armmock_stop(struct armmock *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    m->stopping = true; /* delayed answers stop waiting */
    pthread_cond_broadcast(&m->stop_cond);
    pthread_mutex_unlock(&m->lock);
    if (m->daemon)
        MHD_stop_daemon(m->daemon);
    if (m->state_path && m->signing_key)
        mock_state_save(m);
    if (m->journal)
        fclose(m->journal);
    mock_store_free(&m->store);
    mock_ops_free(&m->ops);
    mock_ratelimit_free(m);
    for (size_t i = 0; i < m->fault_count; i++)
        free(m->faults[i].glob);
    free(m->faults);
    free_credentials(m->secrets, m->secret_count);
    free_credentials(m->certificates, m->certificate_count);
    free_credentials(m->federated, m->federated_count);
    for (size_t i = 0; i < m->subscription_count; i++)
        free(m->subscriptions[i]);
    free(m->subscriptions);
    EVP_PKEY_free(m->signing_key);
    free(m->token_cache.token);
    if (m->tls_key)
        OPENSSL_cleanse(m->tls_key, strlen(m->tls_key));
    free(m->tls_key);
    free(m->tls_cert);
    free(m->listen);
    free(m->journal_path);
    free(m->state_path);
    if (m->identity_header)
        OPENSSL_cleanse(m->identity_header, strlen(m->identity_header));
    free(m->identity_header);
    pthread_cond_destroy(&m->stop_cond);
    pthread_mutex_destroy(&m->lock);
    pthread_mutex_destroy(&m->journal_lock);
    free(m);
}
