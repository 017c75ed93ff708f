/*
 * http.c - HTTP messages, the system clock, the URL rule for secrets, and
 * the pipeline's policies (request id, retry, bearer token, logging).
 *
 * Nothing here opens a socket: the transport at the end of a chain does
 * (http_curl.c, or a fake in tests).  URLs are parsed by libcurl's URL API
 * so that the host this file approves is the host libcurl connects to;
 * HTTP-dates by curl_getdate; JSON by cJSON; random bytes by OpenSSL.
 */
#include "uuid.h"
#include "http.h"
#include "aksnet/aksnet.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

/* ---- messages ------------------------------------------------------------ */

/* Copies that may have held a secret are wiped before they are freed. */
static void free_secret(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

/* CR or LF in a header would let a value smuggle in another header. */
static bool header_text_ok(const char *s)
{
    return s && !strpbrk(s, "\r\n");
}

static void free_headers(struct aksnet__http_header *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free_secret(h[i].name);
        free_secret(h[i].value);
    }
    free(h);
}

/* Append a copy of name/value to a header array (shared by requests and responses). */
static aksnet_code headers_append(struct aksnet__http_header **headers, size_t *count, const char *name,
                                  const char *value)
{
    struct aksnet__http_header *more = realloc(*headers, (*count + 1) * sizeof(**headers));
    if (!more)
        return AKSNET_ENOMEM;
    *headers = more;
    char *n = strdup(name), *v = strdup(value);
    if (!n || !v) {
        free(n);
        free(v);
        return AKSNET_ENOMEM;
    }
    more[*count].name = n;
    more[*count].value = v;
    (*count)++;
    return AKSNET_OK;
}

static const char *headers_find(const struct aksnet__http_header *h, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (strcasecmp(h[i].name, name) == 0)
            return h[i].value;
    return NULL;
}

/* The method is a short token; anything else is a caller's mistake, refused early. */
aksnet_code aksnet__http_request_init(struct aksnet__http_request *rq, const char *method, const char *url,
                                     struct aksnet_error *err)
{
    memset(rq, 0, sizeof(*rq));
    size_t n = method ? strlen(method) : 0;
    if (n == 0 || n >= sizeof(rq->method))
        return aksnet_error_set(err, AKSNET_EINVAL, "HTTP method '%s' is not valid", method ? method : "");
    for (size_t i = 0; i < n; i++)
        if (!isupper((unsigned char)method[i]))
            return aksnet_error_set(err, AKSNET_EINVAL, "HTTP method '%s' is not valid", method);
    if (!url || !*url)
        return aksnet_error_set(err, AKSNET_EINVAL, "a request needs a URL");
    memcpy(rq->method, method, n + 1);
    rq->url = strdup(url);
    if (!rq->url)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    return AKSNET_OK;
}

/* Replace in place, so a header keeps its position and appears once. */
aksnet_code aksnet__http_request_set_header(struct aksnet__http_request *rq, const char *name, const char *value)
{
    if (!name || !*name || !header_text_ok(name) || strchr(name, ':') || !header_text_ok(value))
        return AKSNET_EINVAL;
    for (size_t i = 0; i < rq->header_count; i++) {
        if (strcasecmp(rq->headers[i].name, name) == 0) {
            char *v = strdup(value);
            if (!v)
                return AKSNET_ENOMEM;
            free_secret(rq->headers[i].value);
            rq->headers[i].value = v;
            return AKSNET_OK;
        }
    }
    return headers_append(&rq->headers, &rq->header_count, name, value);
}

/* A NUL-terminated copy, so the body can be logged and parsed as a string. */
aksnet_code aksnet__http_request_set_body(struct aksnet__http_request *rq, const char *body, size_t len,
                                         const char *content_type)
{
    if (!body && len)
        return AKSNET_EINVAL;
    char *copy = malloc(len + 1);
    if (!copy)
        return AKSNET_ENOMEM;
    if (len)
        memcpy(copy, body, len);
    copy[len] = '\0';
    if (content_type) {
        aksnet_code rc = aksnet__http_request_set_header(rq, "Content-Type", content_type);
        if (rc != AKSNET_OK) {
            free(copy);
            return rc;
        }
    }
    if (rq->body) {
        OPENSSL_cleanse(rq->body, rq->body_len);
        free(rq->body);
    }
    rq->body = copy;
    rq->body_len = len;
    return AKSNET_OK;
}

const char *aksnet__http_request_header(const struct aksnet__http_request *rq, const char *name)
{
    return headers_find(rq->headers, rq->header_count, name);
}

/* Headers (Authorization) and bodies (client secrets) are wiped. */
void aksnet__http_request_free(struct aksnet__http_request *rq)
{
    if (!rq)
        return;
    free(rq->url);
    free_headers(rq->headers, rq->header_count);
    if (rq->body) {
        OPENSSL_cleanse(rq->body, rq->body_len);
        free(rq->body);
    }
    memset(rq, 0, sizeof(*rq));
}

const char *aksnet__http_response_header(const struct aksnet__http_response *rs, const char *name)
{
    return headers_find(rs->headers, rs->header_count, name);
}

/* Responses keep every header as it came, duplicates included. */
aksnet_code aksnet__http_response_add_header(struct aksnet__http_response *rs, const char *name, const char *value)
{
    if (!name || !value)
        return AKSNET_EINVAL;
    return headers_append(&rs->headers, &rs->header_count, name, value);
}

/* Token responses carry access tokens: wiped too.  Leaves rs zeroed for reuse. */
void aksnet__http_response_free(struct aksnet__http_response *rs)
{
    if (!rs)
        return;
    free_headers(rs->headers, rs->header_count);
    if (rs->body) {
        OPENSSL_cleanse(rs->body, rs->body_len);
        free(rs->body);
    }
    memset(rs, 0, sizeof(*rs));
}

/* ---- the system clock ------------------------------------------------------- */

static double system_now(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return (double)time(NULL);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* nanosleep is restarted with what is left when a signal interrupts it: never shorter. */
static void system_sleep(void *ctx, double seconds)
{
    (void)ctx;
    if (!(seconds > 0))
        return;
    if (seconds > 1e9)
        seconds = 1e9;
    struct timespec req, rem;
    req.tv_sec = (time_t)seconds;
    req.tv_nsec = (long)((seconds - (double)req.tv_sec) * 1e9);
    if (req.tv_nsec > 999999999L)
        req.tv_nsec = 999999999L;
    while (nanosleep(&req, &rem) != 0 && errno == EINTR)
        req = rem;
}

static const struct aksnet__clock system_clock = {system_now, system_sleep, NULL};

/* A constant table of two functions: nothing to initialise, nothing shared to change. */
const struct aksnet__clock *aksnet__clock_system(void)
{
    return &system_clock;
}

/* ---- the URL rule ------------------------------------------------------------ */

/* Loopback as libcurl will connect to it: 127.0.0.0/8, [::1] or the name localhost. */
static bool host_is_loopback(const char *host)
{
    struct in_addr a;
    if (strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0)
        return true;
    return inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

/*
 * libcurl's own parser decides, so "http://127.1", "http://0x7f000001" and
 * "http://[0:0::1]" are judged by the address libcurl would really use.
 */
aksnet_code aksnet__http_check_url(const char *url, struct aksnet_error *err)
{
    if (!url || !*url)
        return aksnet_error_set(err, AKSNET_EINVAL, "the URL is empty");
    CURLU *u = curl_url();
    if (!u)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    char *scheme = NULL, *host = NULL;
    aksnet_code rc = AKSNET_OK;
    CURLUcode uc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
    if (uc != CURLUE_OK) {
        rc = aksnet_error_set(err, AKSNET_EINVAL, "'%.200s' is not an absolute http(s) URL: %s", url,
                              curl_url_strerror(uc));
    } else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
               (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0)) {
        rc = aksnet_error_set(err, AKSNET_EINVAL,
                              "'%.200s': only https:// URLs (and http:// to loopback) are accepted, not scheme '%s'",
                              url, scheme ? scheme : "");
    } else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
        rc = aksnet_error_set(err, AKSNET_EINVAL, "'%.200s' names no host", url);
    } else if (strcmp(scheme, "http") == 0 && !host_is_loopback(host)) {
        rc = aksnet_error_set(err, AKSNET_EINVAL,
                              "plain http:// to host '%.200s' is refused: tokens and secrets would cross the "
                              "network unencrypted; use https:// (http:// is accepted only for 127.0.0.0/8, "
                              "[::1] and localhost)",
                              host);
    }
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return rc;
}

/* ---- the pipeline -------------------------------------------------------------- */

/* The end of a chain is its transport; a chain with neither is a programming error. */
aksnet_code aksnet__http_policy_next(const struct aksnet__http_policy *self, struct aksnet__http_request *rq,
                                    struct aksnet__http_response *rs, struct aksnet_error *err)
{
    if (self && self->next)
        return self->next->process(self->next, rq, rs, err);
    if (self && self->transport && self->transport->send)
        return self->transport->send(self->transport->ctx, rq, rs, err);
    return aksnet_error_set(err, AKSNET_EINVAL, "HTTP pipeline has no transport");
}

/*
 * The id is set only when absent: as in the Azure SDKs, every try of one
 * request carries the same x-ms-client-request-id, so ARM's logs tie them.
 */
aksnet_code aksnet__policy_request_id(const struct aksnet__http_policy *self, struct aksnet__http_request *rq,
                                     struct aksnet__http_response *rs, struct aksnet_error *err)
{
    const struct aksnet__request_id_options *o = self->ctx;
    const char *ua = o && o->user_agent ? o->user_agent : NULL;
    aksnet_code rc = AKSNET_OK;
    if (ua)
        rc = aksnet__http_request_set_header(rq, "User-Agent", ua);
    else if (!aksnet__http_request_header(rq, "User-Agent"))
        rc = aksnet__http_request_set_header(rq, "User-Agent", "aksnet/" AKSNET_VERSION);
    if (rc == AKSNET_OK && !aksnet__http_request_header(rq, "x-ms-client-request-id")) {
        char id[37];
        if (!aksnet__uuid4(id))
            return aksnet_error_set(err, AKSNET_EIO, "OpenSSL could not produce random bytes for a request id");
        rc = aksnet__http_request_set_header(rq, "x-ms-client-request-id", id);
    }
    if (rc == AKSNET_OK && !aksnet__http_request_header(rq, "Accept"))
        rc = aksnet__http_request_set_header(rq, "Accept", "application/json");
    if (rc != AKSNET_OK)
        return aksnet_error_set(err, rc, "cannot set request headers: %s", aksnet_strerror(rc));
    return aksnet__http_policy_next(self, rq, rs, err);
}

/* The Go and .NET SDKs' values (reference: "Errors, throttling, retries"). */
void aksnet__retry_defaults(struct aksnet__retry_options *options)
{
    memset(options, 0, sizeof(*options));
    options->max_retries = 3;
    options->base_delay = 0.8;
    options->max_delay = 60;
}

/* 53 random bits from OpenSSL as a double in [0,1). */
static double openssl_random(void)
{
    uint64_t v = 0;
    if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
        return 0.5; /* OpenSSL failed: wait half the backoff rather than none */
    return (double)(v >> 11) * 0x1.0p-53;
}

/* Plain digits (surrounding blanks allowed); false otherwise or when absurdly long. */
static bool parse_digits(const char *value, double *out)
{
    const char *p = value;
    while (*p == ' ' || *p == '\t')
        p++;
    double v = 0;
    size_t n = 0;
    for (; *p >= '0' && *p <= '9'; p++, n++)
        v = v * 10 + (*p - '0');
    while (*p == ' ' || *p == '\t')
        p++;
    if (n == 0 || n > 15 || *p)
        return false;
    *out = v;
    return true;
}

/* delta-seconds, else any HTTP-date form RFC 9110 makes recipients accept (curl_getdate parses them). */
bool aksnet__http_parse_retry_after(const char *value, double now, double *seconds)
{
    if (!value || !*value)
        return false;
    double v;
    if (parse_digits(value, &v)) {
        *seconds = v;
        return true;
    }
    time_t when = curl_getdate(value, NULL);
    if (when == (time_t)-1)
        return false;
    double d = (double)when - now;
    *seconds = d > 0 ? d : 0;
    return true;
}

/*
 * The server's word first, in the Azure SDKs' order (retry-after-ms,
 * x-ms-retry-after-ms, Retry-After) and not capped; otherwise capped
 * exponential backoff with full jitter.
 */
double aksnet__retry_delay(const struct aksnet__retry_options *options, int attempt,
                          const struct aksnet__http_response *rs, double now)
{
    struct aksnet__retry_options d;
    if (!options) {
        aksnet__retry_defaults(&d);
        options = &d;
    }
    if (rs) {
        static const char *const ms_headers[] = {"retry-after-ms", "x-ms-retry-after-ms"};
        for (size_t i = 0; i < sizeof(ms_headers) / sizeof(ms_headers[0]); i++) {
            const char *v = aksnet__http_response_header(rs, ms_headers[i]);
            double ms;
            if (v && parse_digits(v, &ms))
                return ms / 1000.0;
        }
        double s;
        if (aksnet__http_parse_retry_after(aksnet__http_response_header(rs, "Retry-After"), now, &s))
            return s;
    }
    if (attempt < 1)
        attempt = 1;
    double cap = options->max_delay > 0 ? options->max_delay : 0;
    double backoff = ldexp(options->base_delay > 0 ? options->base_delay : 0, attempt > 64 ? 63 : attempt - 1);
    if (backoff > cap)
        backoff = cap;
    double r = options->random ? options->random(options->random_ctx) : openssl_random();
    if (!(r >= 0))
        r = 0;
    if (r >= 1)
        r = nextafter(1.0, 0.0);
    return backoff * r;
}

static bool retryable_status(long status)
{
    return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

/*
 * Each try starts from a clean response and error; the request itself is
 * not touched here, so its body goes out intact every time.
 */
aksnet_code aksnet__policy_retry(const struct aksnet__http_policy *self, struct aksnet__http_request *rq,
                                struct aksnet__http_response *rs, struct aksnet_error *err)
{
    struct aksnet__retry_options d;
    const struct aksnet__retry_options *o = self->ctx;
    if (!o) {
        aksnet__retry_defaults(&d);
        o = &d;
    }
    const struct aksnet__clock *clock = o->clock ? o->clock : aksnet__clock_system();
    for (int attempt = 0;; attempt++) {
        aksnet__http_response_free(rs);
        aksnet_error_clear(err);
        aksnet_code rc = aksnet__http_policy_next(self, rq, rs, err);
        bool again = rc == AKSNET_ETRANSPORT || (rc == AKSNET_OK && retryable_status(rs->status));
        if (!again || attempt >= o->max_retries)
            return rc;
        double delay = aksnet__retry_delay(o, attempt + 1, rc == AKSNET_OK ? rs : NULL, clock->now(clock->ctx));
        if (o->on_retry) {
            char why[AKSNET_ERROR_MESSAGE_MAX + 16];
            if (rc == AKSNET_OK)
                snprintf(why, sizeof(why), "HTTP %ld", rs->status);
            else
                snprintf(why, sizeof(why), "%s", err && err->message[0] ? err->message : aksnet_strerror(rc));
            o->on_retry(o->on_retry_ctx, attempt + 1, delay, rc == AKSNET_OK ? rs->status : 0, why);
        }
        clock->sleep(clock->ctx, delay);
    }
}

/* `error="invalid_token"` as an auth-param of WWW-Authenticate (RFC 6750 section 3). */
static bool www_authenticate_invalid_token(const char *value)
{
    static const char needle[] = "error=\"invalid_token\"";
    size_t n = sizeof(needle) - 1;
    for (const char *p = value; p && *p; p++) {
        if (strncasecmp(p, needle, n) == 0 && (p == value || p[-1] == ' ' || p[-1] == ',' || p[-1] == '\t'))
            return true;
    }
    return false;
}

/* ARM's way of saying the token expired or is not (any more) acceptable. */
static bool token_refused(const struct aksnet__http_response *rs)
{
    if (rs->status != 401)
        return false;
    if (www_authenticate_invalid_token(aksnet__http_response_header(rs, "WWW-Authenticate")))
        return true;
    bool refused = false;
    cJSON *j = rs->body ? cJSON_ParseWithLength(rs->body, rs->body_len) : NULL;
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "error"), "code");
    if (cJSON_IsString(code))
        refused = strcmp(code->valuestring, "ExpiredAuthenticationToken") == 0 ||
                  strcmp(code->valuestring, "InvalidAuthenticationToken") == 0;
    cJSON_Delete(j);
    return refused;
}

/* Ask for a token and put it in Authorization, wiping every copy on the way. */
static aksnet_code attach_token(const struct aksnet__bearer_options *o, bool force, struct aksnet__http_request *rq,
                                struct aksnet_error *err)
{
    char *token = NULL;
    aksnet_code rc = o->get_token(o->ctx, force, &token, err);
    if (rc != AKSNET_OK) {
        free_secret(token);
        return rc;
    }
    if (!token || !*token || !header_text_ok(token)) {
        free_secret(token);
        return aksnet_error_set(err, AKSNET_EAUTH, "the credential gave an empty or malformed token");
    }
    size_t n = strlen(token) + sizeof("Bearer ");
    char *value = malloc(n);
    if (!value) {
        free_secret(token);
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    }
    snprintf(value, n, "Bearer %s", token);
    free_secret(token);
    rc = aksnet__http_request_set_header(rq, "Authorization", value);
    free_secret(value);
    if (rc != AKSNET_OK)
        return aksnet_error_set(err, rc, "cannot set the Authorization header: %s", aksnet_strerror(rc));
    return AKSNET_OK;
}

/*
 * The URL is checked before a token is even asked for.  One forced refresh
 * per call, so a token the server keeps refusing cannot loop.
 */
aksnet_code aksnet__policy_bearer(const struct aksnet__http_policy *self, struct aksnet__http_request *rq,
                                 struct aksnet__http_response *rs, struct aksnet_error *err)
{
    const struct aksnet__bearer_options *o = self->ctx;
    if (!o || !o->get_token)
        return aksnet_error_set(err, AKSNET_EINVAL, "the bearer-token policy has no credential");
    struct aksnet_error why;
    aksnet_error_clear(&why);
    if (aksnet__http_check_url(rq->url, &why) != AKSNET_OK)
        return aksnet_error_set(err, AKSNET_EINVAL, "not sending a bearer token: %s", why.message);
    aksnet_code rc = attach_token(o, false, rq, err);
    if (rc != AKSNET_OK)
        return rc;
    rc = aksnet__http_policy_next(self, rq, rs, err);
    if (rc != AKSNET_OK || !token_refused(rs))
        return rc;
    aksnet__http_response_free(rs);
    rc = attach_token(o, true, rq, err);
    if (rc != AKSNET_OK)
        return rc;
    return aksnet__http_policy_next(self, rq, rs, err);
}

/* ---- logging and redaction ----------------------------------------------------------- */

static bool ends_with_ci(const char *s, size_t n, const char *suffix)
{
    size_t m = strlen(suffix);
    return n >= m && strncasecmp(s + n - m, suffix, m) == 0;
}

static bool contains_ci(const char *s, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++)
        if (strncasecmp(s + i, needle, m) == 0)
            return true;
    return false;
}

/*
 * Member and field names whose values are secrets: the list of the design
 * (access_token, refresh_token, id_token, client_secret, client_assertion,
 * password, secret, key, token, accessToken) and their spelling variants:
 * any name ending in "token" or "assertion", or containing "secret" or
 * "password" (clientSecret, adminPassword, refreshToken...; not
 * client_assertion_type or token_type).
 */
static bool secret_name(const char *name, size_t n)
{
    return (n == 3 && strncasecmp(name, "key", 3) == 0) || ends_with_ci(name, n, "token") ||
           ends_with_ci(name, n, "assertion") || contains_ci(name, n, "secret") || contains_ci(name, n, "password");
}

/* Header names that carry credentials. */
static bool secret_header(const char *name)
{
    size_t n = strlen(name);
    return contains_ci(name, n, "authorization") || contains_ci(name, n, "secret") ||
           contains_ci(name, n, "token") || contains_ci(name, n, "cookie") ||
           strcasecmp(name, "x-identity-header") == 0 || contains_ci(name, n, "password") ||
           ends_with_ci(name, n, "key");
}

/* Wipe a node's strings (and its children's) before cJSON frees them: they held secrets. */
static void cleanse_node(cJSON *node)
{
    if (node->valuestring)
        OPENSSL_cleanse(node->valuestring, strlen(node->valuestring));
    for (cJSON *c = node->child; c; c = c->next)
        cleanse_node(c);
}

/* Replace the value of every secret member with "***"; false when out of memory. */
static bool redact_json(cJSON *node)
{
    cJSON *child = node->child;
    while (child) {
        cJSON *next = child->next;
        if (cJSON_IsObject(node) && child->string && secret_name(child->string, strlen(child->string))) {
            cleanse_node(child);
            if (cJSON_IsString(child)) {
                if (!cJSON_SetValuestring(child, "***"))
                    return false;
            } else {
                /* the masked value takes over the member's name, so duplicates are each masked in place */
                cJSON *masked = cJSON_CreateString("***");
                if (!masked)
                    return false;
                masked->string = child->string;
                masked->type |= child->type & cJSON_StringIsConst;
                child->string = NULL;
                cJSON_ReplaceItemViaPointer(node, child, masked);
            }
        } else if (!redact_json(child)) {
            return false;
        }
        child = next;
    }
    return true;
}

/* name=value&... with only the characters a urlencoded form uses. */
static bool looks_like_form(const char *body, size_t len)
{
    if (len == 0 || memchr(body, '=', len) == NULL)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)body[i];
        if (c == 0 || (!isalnum(c) && !strchr("-._~%+=&*!'(),;:/@?$", c)))
            return false;
    }
    const char *eq = memchr(body, '=', len), *amp = memchr(body, '&', len);
    return eq != body && (!amp || eq < amp);
}

/* Field names are compared decoded (client%5Fsecret is client_secret). */
static bool form_secret_name(const char *name, size_t n)
{
    if (!memchr(name, '%', n))
        return secret_name(name, n);
    int out = 0;
    char *dec = curl_easy_unescape(NULL, name, (int)n, &out);
    bool s = dec ? secret_name(dec, (size_t)out) : true; /* cannot tell: mask */
    curl_free(dec);
    return s;
}

static char *redact_form(const char *body, size_t len)
{
    char *out = malloc(len + 4 * (len / 2 + 1) + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i <= len;) {
        const char *f = body + i;
        const char *amp = memchr(f, '&', len - i);
        size_t flen = amp ? (size_t)(amp - f) : len - i;
        const char *eq = memchr(f, '=', flen);
        if (eq && form_secret_name(f, (size_t)(eq - f))) {
            size_t nlen = (size_t)(eq - f) + 1;
            memcpy(out + o, f, nlen);
            o += nlen;
            memcpy(out + o, "***", 3);
            o += 3;
        } else {
            memcpy(out + o, f, flen);
            o += flen;
        }
        i += flen + 1;
        if (amp)
            out[o++] = '&';
    }
    out[o] = '\0';
    return out;
}

/* Other text: kept, cut at 4 KiB, control characters shown as '.' so a body cannot drive a terminal. */
static char *redact_text(const char *body, size_t len)
{
    size_t keep = len > AKSNET_HTTP_LOG_TEXT_MAX ? AKSNET_HTTP_LOG_TEXT_MAX : len;
    char *out = malloc(keep + 48);
    if (!out)
        return NULL;
    for (size_t i = 0; i < keep; i++) {
        unsigned char c = (unsigned char)body[i];
        out[i] = (c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f ? '.' : (char)c;
    }
    if (keep < len)
        snprintf(out + keep, 48, "... (%zu more bytes)", len - keep);
    else
        out[keep] = '\0';
    return out;
}

/* JSON first (any depth), then a form, else plain text; always a fresh string for the log. */
char *aksnet__http_redact_body(const char *body, size_t len)
{
    if (!body || len == 0)
        return strdup("");
    cJSON *j = cJSON_ParseWithLength(body, len);
    if (j) {
        char *out = redact_json(j) ? cJSON_PrintUnformatted(j) : NULL;
        cleanse_node(j);
        cJSON_Delete(j);
        return out ? out : strdup("(body not shown: out of memory)");
    }
    if (looks_like_form(body, len))
        return redact_form(body, len);
    return redact_text(body, len);
}

static void log_headers(FILE *out, char dir, const struct aksnet__http_header *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(h[i].name, "Authorization") == 0 || strcasecmp(h[i].name, "Proxy-Authorization") == 0) {
            const char *sp = strchr(h[i].value, ' ');
            int scheme = sp ? (int)(sp - h[i].value) : 0;
            fprintf(out, "%c %s: %.*s%s***\n", dir, h[i].name, scheme > 32 ? 0 : scheme, h[i].value,
                    scheme > 0 && scheme <= 32 ? " " : "");
        } else if (secret_header(h[i].name)) {
            fprintf(out, "%c %s: ***\n", dir, h[i].name);
        } else {
            fprintf(out, "%c %s: %s\n", dir, h[i].name, h[i].value);
        }
    }
}

static void log_body(FILE *out, char dir, const char *body, size_t len)
{
    if (!body || len == 0)
        return;
    char *r = aksnet__http_redact_body(body, len);
    fprintf(out, "%c %s\n", dir, r ? r : "(body not shown: out of memory)");
    free(r);
}

/*
 * Logs after the bearer policy in a chain, so it shows what goes on the
 * wire, one try at a time, with every secret masked.
 */
aksnet_code aksnet__policy_log(const struct aksnet__http_policy *self, struct aksnet__http_request *rq,
                              struct aksnet__http_response *rs, struct aksnet_error *err)
{
    const struct aksnet__log_options *o = self->ctx;
    if (!o || !o->out)
        return aksnet__http_policy_next(self, rq, rs, err);
    const struct aksnet__clock *clock = o->clock ? o->clock : aksnet__clock_system();
    FILE *out = o->out;
    fprintf(out, "> %s %s\n", rq->method, rq->url);
    log_headers(out, '>', rq->headers, rq->header_count);
    if (rq->sensitive_body && rq->body_len)
        fprintf(out, "> (body not shown: it holds a secret)\n");
    else
        log_body(out, '>', rq->body, rq->body_len);
    double t0 = clock->now(clock->ctx);
    aksnet_code rc = aksnet__http_policy_next(self, rq, rs, err);
    double ms = (clock->now(clock->ctx) - t0) * 1000.0;
    long lms = ms > 0 ? lround(ms) : 0;
    if (rc == AKSNET_OK) {
        fprintf(out, "< %ld (%ld ms)\n", rs->status, lms);
        log_headers(out, '<', rs->headers, rs->header_count);
        log_body(out, '<', rs->body, rs->body_len);
    } else {
        fprintf(out, "< failed (%ld ms): %s\n", lms, err && err->message[0] ? err->message : aksnet_strerror(rc));
    }
    fflush(out);
    return rc;
}
