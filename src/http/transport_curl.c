/*
 * transport_curl.c - the transport at the end of the pipeline: libcurl, one easy
 * handle per transport so its connection cache keeps a connection to each
 * host alive between requests.
 *
 * What must never change is set on every request: peer and host
 * verification on, only http and https, no redirects (a Location would take
 * the Authorization header along), the loopback rule of
 * aksnet__http_check_url, and a cap on what a response may make us hold.
 */
#include "buf.h"
#include "cancel.h"
#include "http.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#define DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define DEFAULT_TIMEOUT_MS 120000L
#define DEFAULT_MAX_RESPONSE ((size_t)16 << 20)

struct curl_transport {
    CURL *easy;
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
static bool set_options(struct curl_transport *c, const struct aksnet__http_request *rq, struct curl_slist *hdrs,
                        struct transfer *t, char *errbuf)
{
    CURL *e = c->easy;
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

/* One request on the shared handle; rs holds nothing unless a whole response arrived. */
static aksnet_code curl_send(void *ctx, const struct aksnet__http_request *rq, struct aksnet__http_response *rs,
                             struct aksnet_error *err)
{
    struct curl_transport *c = ctx;
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
    struct transfer t = {.rs = rs};
    aksnet__buf_init(&t.body, c->max_response_bytes, true);
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_reset(c->easy);
    CURLcode cc = CURLE_FAILED_INIT;
    if (set_options(c, rq, hdrs, &t, errbuf))
        cc = curl_easy_perform(c->easy);
    else
        rc = aksnet_error_set(err, AKSNET_EINVAL, "libcurl refused an option (is it older than 7.85?)");
    if (rc == AKSNET_OK && cc == CURLE_OK && !t.too_big && !t.oom)
        curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &rs->status);
    else if (rc == AKSNET_OK)
        rc = transfer_error(rq, cc, &t, errbuf, c->max_response_bytes, err);
    /* the handle keeps pointers to these until the next reset: drop them now */
    curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c->easy, CURLOPT_ERRORBUFFER, NULL);
    free_slist(hdrs);
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

/* curl_global_init is reference-counted by libcurl; the transport holds one reference. */
aksnet_code aksnet__curl_transport_new(const struct aksnet__curl_options *options, struct aksnet__http_transport *out,
                                       struct aksnet_error *err)
{
    memset(out, 0, sizeof(*out));
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return aksnet_error_set(err, AKSNET_ETRANSPORT, "libcurl could not be initialised");
    struct curl_transport *c = calloc(1, sizeof(*c));
    if (!c) {
        curl_global_cleanup();
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    }
    c->connect_timeout_ms = options && options->connect_timeout_ms > 0 ? options->connect_timeout_ms
                                                                       : DEFAULT_CONNECT_TIMEOUT_MS;
    c->timeout_ms = options && options->timeout_ms > 0 ? options->timeout_ms : DEFAULT_TIMEOUT_MS;
    c->max_response_bytes =
        options && options->max_response_bytes > 0 ? options->max_response_bytes : DEFAULT_MAX_RESPONSE;
    c->cancel = options ? options->cancel : NULL;
    c->easy = curl_easy_init();
    if (options && options->cacert)
        c->cacert = strdup(options->cacert);
    if (!c->easy || (options && options->cacert && !c->cacert)) {
        curl_easy_cleanup(c->easy);
        free(c->cacert);
        free(c);
        curl_global_cleanup();
        return aksnet_error_set(err, AKSNET_ENOMEM, "cannot create a libcurl handle");
    }
    out->send = curl_send;
    out->ctx = c;
    return AKSNET_OK;
}

void aksnet__curl_transport_free(struct aksnet__http_transport *transport)
{
    if (!transport || !transport->ctx)
        return;
    struct curl_transport *c = transport->ctx;
    curl_easy_cleanup(c->easy);
    free(c->cacert);
    free(c);
    curl_global_cleanup();
    memset(transport, 0, sizeof(*transport));
}
