/*
 * transport_curl.c - the transport at the end of the pipeline: libcurl, with
 * one pool of easy handles for a whole run.  Every chain of every thread
 * sends through the client's pool: a request takes an idle handle (one that
 * last spoke to the same origin first, its connection still open), sends,
 * and gives it back, so a connection opened by one thread serves the next
 * request of any thread, and a run opens only as many connections as it has
 * requests in flight at once.  The handles share TLS sessions and the DNS
 * cache through a libcurl share object, so a connection opened later
 * resumes the TLS session of an earlier one where the server allows it.
 *
 * Connections themselves are not put in the share (CURL_LOCK_DATA_CONNECT):
 * libcurl does not support sharing them between threads that transfer at
 * the same time ("It is not supported to share connections between multiple
 * concurrent threads", CURLSHOPT_SHARE(3); the crashes of curl/curl#4544,
 * #13347 and #13840).  A handle, and so its connections, is used by one
 * thread at a time here instead.
 *
 * What must never change is set on every request: peer and host
 * verification on, only http and https, no redirects (a Location would take
 * the Authorization header along), the loopback rule of
 * aksnet__http_check_url, and a cap on what a response may make us hold.
 */
#include "buf.h"
#include "cancel.h"
#include "http.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#define DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define DEFAULT_TIMEOUT_MS 120000L
#define DEFAULT_MAX_RESPONSE ((size_t)16 << 20)

/* One easy handle; its connection cache keeps what it opened. */
struct handle {
    CURL *easy;
    char origin[256];            /* "scheme://host:port" of its last request: a connection there may be open */
    struct handle *next;         /* in the pool's idle list */
};

struct aksnet__curl_pool {
    pthread_mutex_t lock;        /* guards idle and handles */
    struct handle *idle;         /* handles no request is using, the latest given back first */
    size_t handles;              /* made so far: the most requests in flight at once */
    CURLSH *share;               /* TLS sessions and DNS, for every handle */
    pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
    char *cacert;
    long connect_timeout_ms;
    long timeout_ms;
    size_t max_response_bytes;
    const struct aksnet_cancel *cancel;
};

/* What the callbacks of one transfer fill. */
struct transfer {
    struct aksnet__http_response *rs;
    bool too_big;
    bool oom;
    struct aksnet__buf body;   /* a secret buffer: token answers come through here too */
};

/*
 * libcurl asks this often while data moves and about once a second while
 * none does (connecting, waiting for an answer): a non-zero answer aborts
 * the transfer with CURLE_ABORTED_BY_CALLBACK.
 */
static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return aksnet__cancel_requested(ctx) ? 1 : 0;
}

/* Grows the body, refusing (and so aborting the transfer) past the cap. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
    struct transfer *t = ctx;
    aksnet_code rc = aksnet__buf_add(&t->body, data, size * nmemb);
    t->too_big = rc == AKSNET_EINVAL;
    t->oom = rc == AKSNET_ENOMEM;
    return rc == AKSNET_OK ? size * nmemb : 0;
}

static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r' || (*s)[*n - 1] == '\n'))
        (*n)--;
}

/*
 * One header line at a time.  A status line starts a new response (a 100
 * Continue or 103 Early Hints precedes the real one), so headers collected
 * so far are dropped; a folded line continues the previous value.
 */
static size_t on_header(char *data, size_t size, size_t nmemb, void *ctx)
{
    struct transfer *t = ctx;
    size_t n = size * nmemb;
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        aksnet__http_response_free(t->rs);
        return n;
    }
    const char *line = data;
    size_t len = n;
    if (len && (line[0] == ' ' || line[0] == '\t') && t->rs->header_count) {
        trim(&line, &len);
        struct aksnet__http_header *h = &t->rs->headers[t->rs->header_count - 1];
        size_t old = strlen(h->value);
        char *v = realloc(h->value, old + len + 2);
        if (!v) {
            t->oom = true;
            return 0;
        }
        v[old] = ' ';
        memcpy(v + old + 1, line, len);
        v[old + 1 + len] = '\0';
        h->value = v;
        return n;
    }
    const char *colon = memchr(line, ':', len);
    if (!colon)
        return n; /* the blank line that ends the headers */
    const char *name = line, *value = colon + 1;
    size_t nlen = (size_t)(colon - line), vlen = len - nlen - 1;
    trim(&name, &nlen);
    trim(&value, &vlen);
    if (!nlen)
        return n;
    char *nm = strndup(name, nlen), *val = strndup(value, vlen);
    aksnet_code rc = nm && val ? aksnet__http_response_add_header(t->rs, nm, val) : AKSNET_ENOMEM;
    free(nm);
    if (val) {
        OPENSSL_cleanse(val, vlen);
        free(val);
    }
    if (rc != AKSNET_OK) {
        t->oom = true;
        return 0;
    }
    return n;
}

/* Wipe the list's strings (one holds the Authorization header) before freeing it. */
static void free_slist(struct curl_slist *l)
{
    for (struct curl_slist *p = l; p; p = p->next)
        OPENSSL_cleanse(p->data, strlen(p->data));
    curl_slist_free_all(l);
}

/* Request headers as libcurl takes them; "Name;" sends an empty value. */
static aksnet_code build_headers(const struct aksnet__http_request *rq, struct curl_slist **out,
                                 struct aksnet_error *err)
{
    struct curl_slist *l = NULL;
    bool has_type = false;
    for (size_t i = 0; i < rq->header_count; i++) {
        const struct aksnet__http_header *h = &rq->headers[i];
        if (!h->name || !*h->name || !h->value || strpbrk(h->name, "\r\n:") || strpbrk(h->value, "\r\n")) {
            free_slist(l);
            return aksnet_error_set(err, AKSNET_EINVAL, "request header '%s' is malformed",
                                    h->name ? h->name : "");
        }
        if (strcasecmp(h->name, "Content-Type") == 0)
            has_type = true;
        size_t n = strlen(h->name) + strlen(h->value) + 3;
        char *line = malloc(n);
        struct curl_slist *more = NULL;
        if (line) {
            if (*h->value)
                snprintf(line, n, "%s: %s", h->name, h->value);
            else
                snprintf(line, n, "%s;", h->name);
            more = curl_slist_append(l, line);
            OPENSSL_cleanse(line, strlen(line));
            free(line);
        }
        if (!more) {
            free_slist(l);
            return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
        }
        l = more;
    }
    /* No form Content-Type made up by libcurl, and no Expect: 100-continue round trip. */
    static const char *const removed[] = {"Content-Type:", "Expect:"};
    for (size_t i = has_type ? 1 : 0; i < 2; i++) {
        struct curl_slist *more = curl_slist_append(l, removed[i]);
        if (!more) {
            free_slist(l);
            return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
        }
        l = more;
    }
    *out = l;
    return AKSNET_OK;
}

/* Methods that go without a body unless the caller gave one. */
static bool bodyless(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 || strcmp(method, "DELETE") == 0 ||
           strcmp(method, "OPTIONS") == 0;
}

/* The handle's per-request options; connection cache, DNS cache and TLS sessions survive curl_easy_reset. */
static bool set_options(const struct aksnet__curl_pool *c, CURL *e, const struct aksnet__http_request *rq,
                        struct curl_slist *hdrs, struct transfer *t, char *errbuf)
{
    long connect_ms = rq->connect_timeout_ms > 0 ? rq->connect_timeout_ms : c->connect_timeout_ms;
    bool ok = curl_easy_setopt(e, CURLOPT_URL, rq->url) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https") == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->timeout_ms) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_response_bytes) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_WRITEDATA, t) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_HEADERDATA, t) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK;
    if (ok && c->cacert)
        ok = curl_easy_setopt(e, CURLOPT_CAINFO, c->cacert) == CURLE_OK;
    if (ok && c->cancel)
        ok = curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_XFERINFODATA, (void *)c->cancel) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L) == CURLE_OK;
    /* http:// is loopback or link-local (checked): never hand it, token and all, to a proxy. */
    if (ok && strncasecmp(rq->url, "https:", 6) != 0)
        ok = curl_easy_setopt(e, CURLOPT_PROXY, "") == CURLE_OK;
    if (!ok)
        return false;
    if (strcmp(rq->method, "HEAD") == 0)
        return curl_easy_setopt(e, CURLOPT_NOBODY, 1L) == CURLE_OK;
    if (strcmp(rq->method, "GET") == 0 && !rq->body)
        return curl_easy_setopt(e, CURLOPT_HTTPGET, 1L) == CURLE_OK;
    if (!rq->body && bodyless(rq->method))
        return curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, rq->method) == CURLE_OK;
    /* A body, or an empty one whose Content-Length: 0 ARM wants on POST and PUT. */
    return curl_easy_setopt(e, CURLOPT_POSTFIELDS, rq->body ? rq->body : "") == CURLE_OK &&
           curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(rq->body ? rq->body_len : 0)) ==
               CURLE_OK &&
           curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, rq->method) == CURLE_OK;
}

/* A failed transfer as a user can act on it; TLS verification failures say so plainly. */
static aksnet_code transfer_error(const struct aksnet__http_request *rq, CURLcode cc, const struct transfer *t,
                                  const char *errbuf, size_t max, struct aksnet_error *err)
{
    const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(cc);
    if (t->too_big || cc == CURLE_FILESIZE_EXCEEDED)
        return aksnet_error_set(err, AKSNET_EPROTO, "%s %.200s: the response is larger than %zu bytes; not read",
                                rq->method, rq->url, max);
    if (t->oom)
        return aksnet_error_set(err, AKSNET_ENOMEM, "%s %.200s: out of memory reading the response", rq->method,
                                rq->url);
    if (cc == CURLE_ABORTED_BY_CALLBACK)
        return aksnet_error_set(err, AKSNET_ECANCELED, "interrupted: %s %.200s cut short (it may have reached the "
                                                       "server)",
                                rq->method, rq->url);
    if (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE || cc == CURLE_SSL_CERTPROBLEM ||
        cc == CURLE_SSL_ISSUER_ERROR)
        return aksnet_error_set(err, AKSNET_ETRANSPORT,
                                "%s %.200s: TLS certificate verification failed: %s (a private CA needs --cacert)",
                                rq->method, rq->url, detail);
    if (cc == CURLE_SSL_CONNECT_ERROR)
        return aksnet_error_set(err, AKSNET_ETRANSPORT, "%s %.200s: TLS handshake failed: %s", rq->method, rq->url,
                                detail);
    if (cc == CURLE_OPERATION_TIMEDOUT)
        return aksnet_error_set(err, AKSNET_ETIMEOUT, "%s %.200s: no answer in time: %s", rq->method, rq->url,
                                detail);
    return aksnet_error_set(err, AKSNET_ETRANSPORT, "%s %.200s: %s", rq->method, rq->url, detail);
}

/* The "scheme://host:port" part of url (as written), where a handle's connection goes. */
static void origin_of(const char *url, char out[256])
{
    const char *p = strstr(url, "://");
    size_t n = p ? strcspn(p + 3, "/?#") + (size_t)(p + 3 - url) : strlen(url);
    snprintf(out, 256, "%.*s", (int)(n < 255 ? n : 255), url);
}

/* libcurl's share object locks each kind of data it shares with a mutex of its own. */
static void share_lock(CURL *easy, curl_lock_data data, curl_lock_access access, void *ctx)
{
    (void)easy;
    (void)access;
    struct aksnet__curl_pool *pool = ctx;
    pthread_mutex_lock(&pool->share_locks[data < CURL_LOCK_DATA_LAST ? data : 0]);
}

static void share_unlock(CURL *easy, curl_lock_data data, void *ctx)
{
    (void)easy;
    struct aksnet__curl_pool *pool = ctx;
    pthread_mutex_unlock(&pool->share_locks[data < CURL_LOCK_DATA_LAST ? data : 0]);
}

/*
 * An idle handle for a request to origin: one whose last request went
 * there (its connection may still be open), else the latest given back,
 * else a new one on the pool's share.  NULL when libcurl cannot make one.
 */
static struct handle *take_handle(struct aksnet__curl_pool *pool, const char *origin)
{
    pthread_mutex_lock(&pool->lock);
    struct handle **at = &pool->idle;
    while (*at && strcasecmp((*at)->origin, origin) != 0)
        at = &(*at)->next;
    if (!*at)
        at = &pool->idle;
    struct handle *h = *at;
    if (h)
        *at = h->next;
    pthread_mutex_unlock(&pool->lock);
    if (h)
        return h;
    h = calloc(1, sizeof(*h));
    if (h && !(h->easy = curl_easy_init())) {
        free(h);
        h = NULL;
    }
    /* the share is set once: curl_easy_reset keeps "the shares" (curl_easy_reset(3)) */
    if (h && curl_easy_setopt(h->easy, CURLOPT_SHARE, pool->share) != CURLE_OK) {
        curl_easy_cleanup(h->easy);
        free(h);
        h = NULL;
    }
    if (h) {
        pthread_mutex_lock(&pool->lock);
        pool->handles++;
        pthread_mutex_unlock(&pool->lock);
    }
    return h;
}

static void give_back(struct aksnet__curl_pool *pool, struct handle *h)
{
    pthread_mutex_lock(&pool->lock);
    h->next = pool->idle;
    pool->idle = h;
    pthread_mutex_unlock(&pool->lock);
}

/* One request on a handle of the pool's; rs holds nothing unless a whole response arrived. */
static aksnet_code pool_send(void *ctx, const struct aksnet__http_request *rq, struct aksnet__http_response *rs,
                             struct aksnet_error *err)
{
    struct aksnet__curl_pool *c = ctx;
    aksnet__http_response_free(rs);
    aksnet_code rc = aksnet__http_check_url_for(rq->url, rq->link_local_ok, err);
    if (rc != AKSNET_OK)
        return rc;
    if (aksnet__cancel_requested(c->cancel))
        return aksnet_error_set(err, AKSNET_ECANCELED, "interrupted: %s %.200s not sent", rq->method, rq->url);
    struct curl_slist *hdrs = NULL;
    rc = build_headers(rq, &hdrs, err);
    if (rc != AKSNET_OK)
        return rc;
    char origin[256];
    origin_of(rq->url, origin);
    struct handle *h = take_handle(c, origin);
    if (!h) {
        free_slist(hdrs);
        return aksnet_error_set(err, AKSNET_ENOMEM, "cannot create a libcurl handle");
    }
    struct transfer t = {.rs = rs};
    aksnet__buf_init(&t.body, c->max_response_bytes, true);
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_reset(h->easy);
    CURLcode cc = CURLE_FAILED_INIT;
    if (set_options(c, h->easy, rq, hdrs, &t, errbuf))
        cc = curl_easy_perform(h->easy);
    else
        rc = aksnet_error_set(err, AKSNET_EINVAL, "libcurl refused an option (is it older than 7.85?)");
    if (rc == AKSNET_OK && cc == CURLE_OK && !t.too_big && !t.oom)
        curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &rs->status);
    else if (rc == AKSNET_OK)
        rc = transfer_error(rq, cc, &t, errbuf, c->max_response_bytes, err);
    /* the handle keeps pointers to these until the next reset: drop them now */
    curl_easy_setopt(h->easy, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h->easy, CURLOPT_ERRORBUFFER, NULL);
    free_slist(hdrs);
    snprintf(h->origin, sizeof(h->origin), "%s", origin);
    give_back(c, h);
    if (rc != AKSNET_OK) {
        aksnet__buf_free(&t.body);
        aksnet__http_response_free(rs);
        return rc;
    }
    rs->body_len = t.body.len;
    rs->body = t.body.len ? aksnet__buf_take(&t.body) : NULL;
    aksnet__buf_free(&t.body);
    return AKSNET_OK;
}

/* A transport of its own (aksnet__curl_transport_new): the same, on a pool that goes with it. */
static aksnet_code own_send(void *ctx, const struct aksnet__http_request *rq, struct aksnet__http_response *rs,
                            struct aksnet_error *err)
{
    return pool_send(ctx, rq, rs, err);
}

/* curl_global_init is reference-counted by libcurl; a pool holds one reference. */
aksnet_code aksnet__curl_pool_new(const struct aksnet__curl_options *options, struct aksnet__curl_pool **out,
                                  struct aksnet_error *err)
{
    *out = NULL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return aksnet_error_set(err, AKSNET_ETRANSPORT, "libcurl could not be initialised");
    struct aksnet__curl_pool *c = calloc(1, sizeof(*c));
    if (!c) {
        curl_global_cleanup();
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&c->lock, NULL);
    for (size_t i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&c->share_locks[i], NULL);
    c->connect_timeout_ms = options && options->connect_timeout_ms > 0 ? options->connect_timeout_ms
                                                                       : DEFAULT_CONNECT_TIMEOUT_MS;
    c->timeout_ms = options && options->timeout_ms > 0 ? options->timeout_ms : DEFAULT_TIMEOUT_MS;
    c->max_response_bytes =
        options && options->max_response_bytes > 0 ? options->max_response_bytes : DEFAULT_MAX_RESPONSE;
    c->cancel = options ? options->cancel : NULL;
    if (options && options->cacert)
        c->cacert = strdup(options->cacert);
    c->share = curl_share_init();
    bool ok = c->share && (!options || !options->cacert || c->cacert) &&
              curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock) == CURLSHE_OK &&
              curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock) == CURLSHE_OK &&
              curl_share_setopt(c->share, CURLSHOPT_USERDATA, c) == CURLSHE_OK &&
              curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) == CURLSHE_OK &&
              curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) == CURLSHE_OK;
    if (!ok) {
        aksnet__curl_pool_free(c);
        return aksnet_error_set(err, AKSNET_ENOMEM, "cannot create a libcurl share object");
    }
    *out = c;
    return AKSNET_OK;
}

/* Handles and their connections go; what they put in the share stays. */
void aksnet__curl_pool_close_idle(struct aksnet__curl_pool *pool)
{
    pthread_mutex_lock(&pool->lock);
    struct handle *idle = pool->idle;
    pool->idle = NULL;
    pthread_mutex_unlock(&pool->lock);
    while (idle) {
        struct handle *h = idle;
        idle = h->next;
        curl_easy_cleanup(h->easy);
        free(h);
    }
}

/* Every transport on the pool is gone: no handle is in use. */
void aksnet__curl_pool_free(struct aksnet__curl_pool *c)
{
    if (!c)
        return;
    aksnet__curl_pool_close_idle(c);
    if (c->share)
        curl_share_cleanup(c->share);
    for (size_t i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&c->share_locks[i]);
    pthread_mutex_destroy(&c->lock);
    free(c->cacert);
    free(c);
    curl_global_cleanup();
}

void aksnet__curl_pool_transport(struct aksnet__curl_pool *pool, struct aksnet__http_transport *out)
{
    *out = (struct aksnet__http_transport){pool_send, pool};
}

size_t aksnet__curl_pool_handles(struct aksnet__curl_pool *pool)
{
    pthread_mutex_lock(&pool->lock);
    size_t n = pool->handles;
    pthread_mutex_unlock(&pool->lock);
    return n;
}

aksnet_code aksnet__curl_transport_new(const struct aksnet__curl_options *options, struct aksnet__http_transport *out,
                                       struct aksnet_error *err)
{
    memset(out, 0, sizeof(*out));
    struct aksnet__curl_pool *pool = NULL;
    aksnet_code rc = aksnet__curl_pool_new(options, &pool, err);
    if (rc == AKSNET_OK)
        *out = (struct aksnet__http_transport){own_send, pool};
    return rc;
}

/* A transport of its own takes its pool along; one on a shared pool leaves the pool to its owner. */
void aksnet__curl_transport_free(struct aksnet__http_transport *transport)
{
    if (!transport || !transport->ctx)
        return;
    if (transport->send == own_send)
        aksnet__curl_pool_free(transport->ctx);
    memset(transport, 0, sizeof(*transport));
}
