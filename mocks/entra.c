/*
 * entra.c - Microsoft Entra ID's endpoints as clients use them:
 *   POST /{tenant}/oauth2/v2.0/token, POST /{tenant}/oauth2/token (v1, and
 *        ADFS's /adfs/oauth2/token): client credentials with a client
 *        secret, a client assertion signed by a registered certificate, or a
 *        registered federated (workload identity) token;
 *   GET  /{tenant}[/v2.0]/.well-known/openid-configuration, the signing keys
 *        it names (jwks_uri), and MSAL's /common/discovery/instance;
 *   GET  /metadata/identity/oauth2/token (IMDS) and /msi/token (App Service):
 *        managed identity.
 *
 * Answers copy Entra ID's shapes, because clients parse them: OAuth errors
 * carry an AADSTS code in error_description and error_codes, v1 and IMDS
 * write their numbers as strings.  Nothing secret is ever quoted back
 * (secrets, assertions, tokens), and every answer holding a token asks the
 * journal to hide it.  Registered certificates are read from their files at
 * each use: they are small, and struct armmock has no place to cache them.
 *
 * Depends on: arm_identity.c (mock_type_identity), store.c
 * (mock_store_get()), token.c (mock_token_issue()), util.c, src/util (jwt).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "jwt.h"
#include "mock.h"

#define JWT_BEARER "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define CLOCK_SKEW 300.0          /* seconds of clock difference tolerated in assertions */
#define ASSERTION_MAX_LIFE 600.0  /* exp - nbf of a client assertion, at most */
#define CERT_FILE_MAX (1024 * 1024)
/* The client id a system-assigned managed identity's tokens carry. */
#define MI_SYSTEM_CLIENT "5a3b9d0e-0000-4000-8000-00000000a11d"
#define FIC_DOC "https://learn.microsoft.com/entra/workload-id/workload-identity-federation"

/* ---- answers ---------------------------------------------------------------- */

/* Entra ID's timestamp form, "2016-01-09 02:02:12Z". */
static void entra_time(double now, char out[32])
{
    time_t secs = (time_t)now;
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(out, 32, "%Y-%m-%d %H:%M:%SZ", &tm);
}

static void oauth_error(struct mock_response *rs, double now, int status, const char *error, int aadsts,
                        const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/*
 * Entra ID's error body: clients show error_description and branch on
 * error and error_codes, so all three are as Entra ID writes them.
 */
static void oauth_error(struct mock_response *rs, double now, int status, const char *error, int aadsts,
                        const char *fmt, ...)
{
    char text[768], desc[1024], trace[37], corr[37], ts[32], uri[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    mock_uuid(trace);
    mock_uuid(corr);
    entra_time(now, ts);
    snprintf(desc, sizeof(desc), "AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s", aadsts, text,
             trace, corr, ts);
    mock_utf8_scrub(desc); /* it may quote the request, or be cut inside a character */
    snprintf(uri, sizeof(uri), "https://login.microsoftonline.com/error?code=%d", aadsts);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "error", error);
    cJSON_AddStringToObject(body, "error_description", desc);
    cJSON_AddItemToObject(body, "error_codes", cJSON_CreateIntArray(&aadsts, 1));
    cJSON_AddStringToObject(body, "timestamp", ts);
    cJSON_AddStringToObject(body, "trace_id", trace);
    cJSON_AddStringToObject(body, "correlation_id", corr);
    cJSON_AddStringToObject(body, "error_uri", uri);
    mock_reply(rs, status, body);
}

/* The managed-identity endpoints' plainer error: {"error", "error_description"}. */
static void mi_error(struct mock_response *rs, int status, const char *error, const char *desc)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "error", error);
    cJSON_AddStringToObject(body, "error_description", desc);
    mock_reply(rs, status, body);
}

/* A number as the string v1 and IMDS answers write it. */
static void add_num_string(cJSON *obj, const char *key, long long value)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", value);
    cJSON_AddStringToObject(obj, key, buf);
}

/* Whole seconds an issued token lives. */
static long long lifetime(const struct armmock *m)
{
    return (long long)m->opt.token_lifetime;
}

/* ---- small checks --------------------------------------------------------------- */

/* Entra ID compares path words case-insensitively; out of range is simply no match. */
static bool seg_is(const struct mock_request *rq, size_t i, const char *word)
{
    return i < rq->nsegs && strcasecmp(rq->segs[i], word) == 0;
}

/* A tenant named by a GUID is taken as given; any other name must be a domain or alias Entra ID knows. */
static bool is_guid(const char *s)
{
    static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    if (strlen(s) != sizeof(shape) - 1)
        return false;
    for (size_t i = 0; shape[i]; i++) {
        bool hex = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F');
        if (shape[i] == '-' ? s[i] != '-' : !hex)
            return false;
    }
    return true;
}

/* "contoso.onmicrosoft.com": dot-separated labels of letters, digits and hyphens. */
static bool is_domain(const char *s)
{
    size_t n = strlen(s), label = 0;
    if (n < 3 || n > 253 || !strchr(s, '.'))
        return false;
    for (size_t i = 0; i <= n; i++) {
        char c = s[i];
        if (c == '.' || c == '\0') {
            if (label == 0 || s[i - 1] == '-')
                return false;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   (c == '-' && label > 0)) {
            label++;
        } else {
            return false;
        }
    }
    return true;
}

/* The tenant names Entra ID answers to without a directory of its own. */
static bool is_alias_tenant(const char *t)
{
    return strcasecmp(t, "common") == 0 || strcasecmp(t, "organizations") == 0 ||
           strcasecmp(t, "consumers") == 0;
}

/* ADFS takes no tenant in its token URL, so it is told apart by name. */
static bool is_adfs(const char *t)
{
    return strcasecmp(t, "adfs") == 0;
}

/* Entra ID says AADSTS90002 for a tenant that is neither an id nor a domain nor an alias. */
static bool tenant_known(const char *t)
{
    return is_guid(t) || is_domain(t) || is_alias_tenant(t) || is_adfs(t);
}

/* The tenant id tokens carry ("tid"): a GUID as given, the mock's own tenant otherwise. */
static void tenant_id(const char *t, char out[64])
{
    if (is_guid(t)) {
        for (size_t i = 0; i < 37; i++)
            out[i] = (char)(t[i] >= 'A' && t[i] <= 'F' ? t[i] - 'A' + 'a' : t[i]);
    } else {
        snprintf(out, 64, "%s", MOCK_DEFAULT_TENANT);
    }
}

/* Secrets are compared in constant time: a timing side channel costs nothing to avoid. */
static bool same_secret(const char *a, const char *b)
{
    size_t n = strlen(a);
    return n == strlen(b) && CRYPTO_memcmp(a, b, n) == 0;
}

/* Credentials are registered per client id; NULL means the client registered none of this kind. */
static const char *registered(const struct armmock_credential *list, size_t n, const char *client)
{
    for (size_t i = 0; client && i < n; i++)
        if (strcmp(list[i].client_id, client) == 0)
            return list[i].value;
    return NULL;
}

/* The client has some credential registered (so it is an application of the directory). */
static bool client_known(const struct armmock *m, const char *client)
{
    return registered(m->secrets, m->secret_count, client) ||
           registered(m->certificates, m->certificate_count, client) ||
           registered(m->federated, m->federated_count, client);
}

/* The value of key in an x-www-form-urlencoded body, decoded; NULL when absent.  Caller frees. */
static char *form_value(const char *body, const char *key)
{
    size_t klen = strlen(key);
    for (const char *p = body; p && *p;) {
        const char *amp = strchr(p, '&'), *end = amp ? amp : p + strlen(p);
        if ((size_t)(end - p) > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
            char *raw = strndup(p + klen + 1, (size_t)(end - p) - klen - 1);
            for (char *q = raw; q && *q; q++)
                if (*q == '+')
                    *q = ' ';
            int n = 0;
            char *dec = raw ? curl_easy_unescape(NULL, raw, 0, &n) : NULL;
            char *out = dec ? strndup(dec, (size_t)n) : NULL;
            if (dec)
                OPENSSL_cleanse(dec, (size_t)n);
            curl_free(dec);
            if (raw)
                OPENSSL_cleanse(raw, strlen(raw));
            free(raw);
            return out;
        }
        p = amp ? amp + 1 : NULL;
    }
    return NULL;
}

/* A secret read from a form is wiped before its memory goes back. */
static void free_secret(char *s)
{
    if (s)
        OPENSSL_cleanse(s, strlen(s));
    free(s);
}

/* ---- the token request ------------------------------------------------------------ */

struct token_req {
    struct armmock *m;
    const struct mock_request *rq;
    struct mock_response *rs;
    const char *tenant;          /* as the client addressed it */
    char tid[64];                /* the tenant id its token carries */
    bool v1;                     /* /oauth2/token rather than /oauth2/v2.0/token */
    char *grant, *client, *secret, *scope, *resource, *assertion_type, *assertion;
    char audience[512];          /* of the token asked for */
};

static void fail(struct token_req *q, int status, const char *error, int aadsts, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Every refusal of a token request goes out as Entra ID's OAuth error with its AADSTS code. */
static void fail(struct token_req *q, int status, const char *error, int aadsts, const char *fmt, ...)
{
    char text[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    oauth_error(q->rs, q->rq->now, status, error, aadsts, "%s", text);
}

/* A form value that may be echoed (in a token or an answer), kept UTF-8. */
static char *plain_value(const char *body, const char *key)
{
    char *v = form_value(body, key);
    if (v)
        mock_utf8_scrub(v);
    return v;
}

/* The form's fields; the secret ones are compared byte for byte, never echoed, so kept as sent. */
static void read_form(struct token_req *q)
{
    const char *b = q->rq->body;
    q->grant = plain_value(b, "grant_type");
    q->client = plain_value(b, "client_id");
    q->scope = plain_value(b, "scope");
    q->resource = plain_value(b, "resource");
    q->assertion_type = plain_value(b, "client_assertion_type");
    q->secret = form_value(b, "client_secret");
    q->assertion = form_value(b, "client_assertion");
}

/* The form's fields are owned copies; secrets among them are wiped. */
static void free_form(struct token_req *q)
{
    free(q->grant);
    free(q->client);
    free_secret(q->secret);
    free(q->scope);
    free(q->resource);
    free(q->assertion_type);
    free_secret(q->assertion);
}

/*
 * The audience of the token asked for: v2's scope "https://management.azure.com/.default"
 * (or "...//.default"; other scopes beside it are ignored) or v1's resource.
 * False when no scope names a resource with "/.default".
 */
static bool audience_from_scope(const char *scope, char out[512])
{
    const char *p = scope;
    while (p && *p) {
        size_t n = strcspn(p, " ");
        if (n > 9 && n < 512 && strncmp(p + n - 9, "/.default", 9) == 0) {
            size_t keep = n - 8; /* up to and with the '/' */
            while (keep > 1 && p[keep - 1] == '/' && p[keep - 2] == '/')
                keep--;
            snprintf(out, 512, "%.*s", (int)keep, p);
            return true;
        }
        p += n;
        p += strspn(p, " ");
    }
    return false;
}

/* The request's shape: grant type, client, and what the token is for. */
static bool check_request(struct token_req *q)
{
    if (!q->grant) {
        fail(q, 400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.");
    } else if (strcmp(q->grant, "client_credentials") != 0) {
        fail(q, 400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '%.64s'.",
             q->grant);
    } else if (!q->client || !*q->client) {
        fail(q, 400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.");
    } else if (q->v1 && q->resource && *q->resource) {
        snprintf(q->audience, sizeof(q->audience), "%s", q->resource);
        return true;
    } else if (!q->scope || !*q->scope) {
        fail(q, 400, "invalid_request", 900144, "The request body must contain the following parameter: '%s'.",
             q->v1 ? "resource" : "scope");
    } else if (!audience_from_scope(q->scope, q->audience)) {
        fail(q, 400, "invalid_scope", 1002012,
             "The provided value for scope %.200s is not valid. Client credential flows must have a scope value "
             "with /.default suffixed to the resource identifier (application ID URI).",
             q->scope);
    } else {
        return true;
    }
    return false;
}

/* Answer with a token for client, in v2's shape or v1's (numbers as strings). */
static void issue(struct token_req *q, const char *client)
{
    char *token = mock_token_issue(q->m, client, q->tid, q->audience, q->rq->now);
    if (!token) {
        fail(q, 500, "server_error", 50000, "There was an error issuing a token.");
        return;
    }
    long long life = lifetime(q->m), now = (long long)q->rq->now;
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "token_type", "Bearer");
    if (q->v1) {
        add_num_string(body, "expires_in", life);
        add_num_string(body, "ext_expires_in", life);
        add_num_string(body, "expires_on", now + life);
        add_num_string(body, "not_before", now);
        cJSON_AddStringToObject(body, "resource", q->audience);
    } else {
        cJSON_AddNumberToObject(body, "expires_in", (double)life);
        cJSON_AddNumberToObject(body, "ext_expires_in", (double)life);
    }
    cJSON_AddStringToObject(body, "access_token", token);
    free_secret(token);
    mock_reply(q->rs, 200, body);
}

/* ---- client secret ------------------------------------------------------------------ */

/* client_credentials with a client secret, refused as Entra ID refuses an unknown client or a wrong secret. */
static void by_secret(struct token_req *q)
{
    struct armmock *m = q->m;
    const char *want = registered(m->secrets, m->secret_count, q->client);
    if (!want && !client_known(m, q->client) && m->opt.accept_any_client)
        issue(q, q->client);
    else if (!want && !client_known(m, q->client))
        fail(q, 400, "unauthorized_client", 700016,
             "Application with identifier '%.64s' was not found in the directory '%.64s'. This can happen if the "
             "application has not been installed by the administrator of the tenant or consented to by any user "
             "in the tenant. You may have sent your authentication request to the wrong tenant.",
             q->client, q->tenant);
    else if (!want || !same_secret(want, q->secret))
        fail(q, 401, "invalid_client", 7000215,
             "Invalid client secret provided. Ensure the secret being sent in the request is the client secret "
             "value, not the client secret ID, for a secret added to app '%.64s'.",
             q->client);
    else
        issue(q, q->client);
}

/* ---- certificate assertion -------------------------------------------------------------- */

/* Every certificate in a PEM file (a registration may hold an old and a new one). */
static STACK_OF(X509) *load_certs(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(CERT_FILE_MAX);
    size_t n = buf ? fread(buf, 1, CERT_FILE_MAX, f) : 0;
    fclose(f);
    STACK_OF(X509) *certs = sk_X509_new_null();
    ERR_set_mark();
    BIO *bio = buf && n ? BIO_new_mem_buf(buf, (int)n) : NULL;
    X509 *x;
    while (bio && certs && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
        if (!sk_X509_push(certs, x))
            X509_free(x);
    ERR_pop_to_mark();
    BIO_free(bio);
    free(buf);
    if (certs && sk_X509_num(certs) == 0) {
        sk_X509_free(certs);
        certs = NULL;
    }
    return certs;
}

/* The certificate the assertion's header names by "x5t#S256" or "x5t", or NULL. */
static X509 *find_cert(STACK_OF(X509) *certs, const cJSON *header)
{
    const char *s256 = mock_json_str(header, "x5t#S256"), *sha1 = mock_json_str(header, "x5t");
    const char *want = s256 ? s256 : sha1;
    for (int i = 0; want && i < sk_X509_num(certs); i++) {
        X509 *c = sk_X509_value(certs, i);
        char *tp = NULL;
        struct aksnet_error e;
        bool match = aksnet__jwt_thumbprint(c, s256 != NULL, &tp, &e) == AKSNET_OK && strcmp(tp, want) == 0;
        free(tp);
        if (match)
            return c;
    }
    return NULL;
}

/* "https://host:port/path" -> the length of its origin (scheme://authority), 0 when not a URL. */
static size_t origin_len(const char *url)
{
    const char *sep = strstr(url, "://");
    if (!sep)
        return 0;
    const char *slash = strchr(sep + 3, '/');
    return slash ? (size_t)(slash - url) : strlen(url);
}

/* Origins a client may have named the token endpoint by. */
static bool origin_ok(const struct token_req *q, const char *origin, size_t n)
{
    static const char *const clouds[] = {"https://login.microsoftonline.com", "https://login.windows.net",
                                         "https://login.chinacloudapi.cn", "https://login.partner.microsoftonline.cn",
                                         "https://login.microsoftonline.us", NULL};
    char host[300];
    const char *h = mock_header(q->rq, "Host");
    snprintf(host, sizeof(host), "%s://%s", q->m->tls ? "https" : "http", h ? h : "");
    if ((strlen(q->m->url) == n && strncasecmp(origin, q->m->url, n) == 0) ||
        (h && strlen(host) == n && strncasecmp(origin, host, n) == 0))
        return true;
    for (size_t i = 0; clouds[i]; i++)
        if (strlen(clouds[i]) == n && strncasecmp(origin, clouds[i], n) == 0)
            return true;
    return false;
}

/*
 * aud must be the token endpoint the client called: this mock's (by its
 * URL or the Host it was reached by) or Entra ID's own, with this tenant's
 * v2.0 or v1 token path (a trailing '/' allowed, as ADFS writes it).
 */
static bool audience_ok(const struct token_req *q, const char *aud)
{
    size_t on = aud ? origin_len(aud) : 0;
    if (!on || !origin_ok(q, aud, on))
        return false;
    const char *path = aud + on;
    size_t pn = strlen(path);
    if (pn > 1 && path[pn - 1] == '/')
        pn--;
    char v2[300], v1[300];
    snprintf(v2, sizeof(v2), "/%s/oauth2/v2.0/token", q->tenant);
    snprintf(v1, sizeof(v1), "/%s/oauth2/token", q->tenant);
    return (strlen(v2) == pn && strncasecmp(path, v2, pn) == 0) ||
           (strlen(v1) == pn && strncasecmp(path, v1, pn) == 0);
}

/* Time claims must be numbers; a string exp would make an assertion valid forever. */
static bool claim_number(const cJSON *claims, const char *key, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(claims, key);
    if (cJSON_IsNumber(v))
        *out = v->valuedouble;
    return cJSON_IsNumber(v);
}

/* exp ahead, nbf and iat not ahead (with clock skew), and a life of at most ten minutes. */
static bool time_ok(const cJSON *claims, double now)
{
    double exp = 0, nbf = 0, iat = 0;
    bool has_exp = claim_number(claims, "exp", &exp);
    bool has_nbf = claim_number(claims, "nbf", &nbf), has_iat = claim_number(claims, "iat", &iat);
    double start = has_nbf ? nbf : (has_iat ? iat : now);
    return has_exp && exp + CLOCK_SKEW > now && (!has_nbf || nbf <= now + CLOCK_SKEW) &&
           (!has_iat || iat <= now + CLOCK_SKEW) && exp - start <= ASSERTION_MAX_LIFE;
}

/* The claims of a signature-checked assertion, in the order Entra ID reports them. */
static void check_claims(struct token_req *q, const cJSON *claims)
{
    const char *iss = mock_json_str(claims, "iss"), *sub = mock_json_str(claims, "sub");
    const char *aud = mock_json_str(claims, "aud"), *jti = mock_json_str(claims, "jti");
    char want[400];
    snprintf(want, sizeof(want), "%s/%s/oauth2/%stoken", q->m->url, q->tenant, q->v1 ? "" : "v2.0/");
    if (!iss || !sub || strcmp(iss, q->client) != 0 || strcmp(sub, q->client) != 0)
        fail(q, 401, "invalid_client", 700021,
             "Client assertion application identifier doesn't match 'client_id' parameter. The 'iss' and 'sub' "
             "claims must both be the client id.");
    else if (!audience_ok(q, aud))
        fail(q, 401, "invalid_client", 700027,
             "Client assertion contains an invalid audience claim: it must be the token endpoint, '%s'.", want);
    else if (!time_ok(claims, q->rq->now))
        fail(q, 401, "invalid_client", 700024,
             "Client assertion is not within its valid time range. Ensure that the 'exp' claim is in the future, "
             "'nbf' and 'iat' are not, and the assertion lives at most 10 minutes.");
    else if (!jti || !*jti)
        fail(q, 401, "invalid_client", 50027, "JWT token is invalid or malformed: the assertion has no 'jti' claim.");
    else
        issue(q, q->client);
}

/* The thumbprint an assertion names its certificate by ("" when none), for messages. */
static const char *header_thumbprint(const struct aksnet__jwt *jwt)
{
    const char *s256 = mock_json_str(aksnet__jwt_header(jwt), "x5t#S256");
    const char *sha1 = mock_json_str(aksnet__jwt_header(jwt), "x5t");
    return s256 ? s256 : sha1 ? sha1 : "";
}

/* A certificate assertion: the thumbprint names a registered certificate whose key signed it. */
static void by_certificate(struct token_req *q, const struct aksnet__jwt *jwt, const char *path)
{
    if (!jwt) {
        fail(q, 401, "invalid_client", 50027, "JWT token is invalid or malformed.");
        return;
    }
    STACK_OF(X509) *certs = load_certs(path);
    X509 *cert = certs ? find_cert(certs, aksnet__jwt_header(jwt)) : NULL;
    struct aksnet_error e;
    if (!certs)
        fail(q, 500, "server_error", 50000, "The certificate registered for the application cannot be read.");
    else if (!cert)
        fail(q, 401, "invalid_client", 700027,
             "The certificate with identifier used to sign the client assertion is not registered on application. "
             "[Reason - The key was not found., Thumbprint of key used by client: '%.64s']",
             header_thumbprint(jwt));
    else if (aksnet__jwt_verify(jwt, X509_get0_pubkey(cert), &e) != AKSNET_OK)
        fail(q, 401, "invalid_client", 700027,
             "Client assertion failed signature validation. [Reason - The signature does not verify with the "
             "registered certificate's key, or its algorithm is not RS256 or PS256.]");
    else
        check_claims(q, aksnet__jwt_claims(jwt));
    sk_X509_pop_free(certs, X509_free);
}

/* ---- federated token -------------------------------------------------------------------- */

/* The registered federated token itself: refused only once it has expired. */
static void federated_ok(struct token_req *q, const struct aksnet__jwt *jwt)
{
    double exp = 0;
    if (jwt && claim_number(aksnet__jwt_claims(jwt), "exp", &exp) && exp + CLOCK_SKEW <= q->rq->now)
        fail(q, 401, "invalid_client", 700024,
             "Client assertion is not within its valid time range. The federated token has expired.");
    else
        issue(q, q->client);
}

/* A string claim, or the first of an array ("aud"), for messages and comparison. */
static const char *claim_text(const cJSON *claims, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(claims, key);
    if (cJSON_IsArray(v))
        v = cJSON_GetArrayItem(v, 0);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/*
 * Another token than the registered one: when both are JWTs, say which of
 * issuer, subject, audience differs, as Entra ID does (AADSTS700211/3/2).
 */
static void federated_mismatch(struct token_req *q, const struct aksnet__jwt *jwt, const char *want_text)
{
    struct aksnet__jwt *want = NULL;
    struct aksnet_error e;
    const cJSON *got = jwt ? aksnet__jwt_claims(jwt) : NULL, *exp = NULL;
    if (got && aksnet__jwt_parse(want_text, &want, &e) == AKSNET_OK)
        exp = aksnet__jwt_claims(want);
    static const struct { const char *claim, *word; int code; } parts[] = {
        {"iss", "issuer", 700211}, {"sub", "subject", 700213}, {"aud", "audience", 700212}};
    size_t i = 0;
    while (exp && i < 3 && strcmp(claim_text(got, parts[i].claim), claim_text(exp, parts[i].claim)) == 0)
        i++;
    if (exp && i < 3)
        fail(q, 401, "invalid_client", parts[i].code,
             "No matching federated identity record found for presented assertion %s '%.200s'. Check your "
             "federated identity credential Subject, Audience and Issuer against the presented assertion. " FIC_DOC,
             parts[i].word, claim_text(got, parts[i].claim));
    else
        fail(q, 401, "invalid_client", 70021,
             "No matching federated identity record found for presented assertion. " FIC_DOC);
    aksnet__jwt_free(want);
}

/* ---- which credential ------------------------------------------------------------------- */

/* A client assertion says which certificate signed it through x5t or x5t#S256. */
static bool names_certificate(const struct aksnet__jwt *jwt)
{
    const cJSON *h = jwt ? aksnet__jwt_header(jwt) : NULL;
    return h && (mock_json_str(h, "x5t") || mock_json_str(h, "x5t#S256"));
}

/*
 * A client assertion is the registered federated token, or a JWT signed
 * for a registered certificate; which one is told by what is registered
 * and by the assertion's header.
 */
static void by_assertion(struct token_req *q)
{
    struct armmock *m = q->m;
    if (!q->assertion_type || strcmp(q->assertion_type, JWT_BEARER) != 0) {
        fail(q, 400, "invalid_request", 900144, "The request body must contain the following parameter: "
                                                "'client_assertion_type' with the value '" JWT_BEARER "'.");
        return;
    }
    if (!q->assertion || !*q->assertion) {
        fail(q, 400, "invalid_request", 900144, "The request body must contain the following parameter: "
                                                "'client_assertion'.");
        return;
    }
    const char *fed = registered(m->federated, m->federated_count, q->client);
    const char *cert = registered(m->certificates, m->certificate_count, q->client);
    struct aksnet__jwt *jwt = NULL;
    struct aksnet_error e;
    if (aksnet__jwt_parse(q->assertion, &jwt, &e) != AKSNET_OK)
        jwt = NULL;
    if (fed && same_secret(fed, q->assertion))
        federated_ok(q, jwt);
    else if (cert && (!fed || names_certificate(jwt)))
        by_certificate(q, jwt, cert);
    else if (fed)
        federated_mismatch(q, jwt, fed);
    else if (client_known(m, q->client))
        fail(q, 401, "invalid_client", 700027,
             "The certificate with identifier used to sign the client assertion is not registered on application. "
             "[Reason - The key was not found.]");
    else if (m->opt.accept_any_client)
        issue(q, q->client);
    else
        fail(q, 400, "unauthorized_client", 700016,
             "Application with identifier '%.64s' was not found in the directory '%.64s'.", q->client, q->tenant);
    aksnet__jwt_free(jwt);
}

/* POST /{tenant}/oauth2/v2.0/token and /{tenant}/oauth2/token. */
static void token_endpoint(struct armmock *m, const struct mock_request *rq, bool v1, struct mock_response *rs)
{
    struct token_req q = {.m = m, .rq = rq, .rs = rs, .tenant = rq->segs[0], .v1 = v1};
    tenant_id(q.tenant, q.tid);
    read_form(&q);
    if (!tenant_known(q.tenant))
        fail(&q, 400, "invalid_request", 90002,
             "Tenant '%.64s' not found. Check to make sure you have the correct tenant ID and are signing into the "
             "correct cloud. Check with your subscription administrator, this may happen if there are no active "
             "subscriptions for the tenant.",
             q.tenant);
    else if (!check_request(&q))
        ; /* answered */
    else if (q.assertion_type || q.assertion)
        by_assertion(&q);
    else if (q.secret)
        by_secret(&q);
    else
        fail(&q, 401, "invalid_client", 7000218,
             "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    free_form(&q);
}

/* ---- discovery ------------------------------------------------------------------------ */

/* Discovery documents list their supported values as arrays. */
static void add_strings(cJSON *obj, const char *key, const char *const *values)
{
    cJSON *a = cJSON_AddArrayToObject(obj, key);
    for (size_t i = 0; values[i]; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(values[i]));
}

/* Discovery documents name endpoints relative to the mock's own URL. */
static void add_url(cJSON *obj, const char *key, const char *base, const char *suffix)
{
    char url[400];
    snprintf(url, sizeof(url), "%s%s", base, suffix);
    cJSON_AddStringToObject(obj, key, url);
}

/* What every configuration document lists the same way. */
static void add_common_metadata(cJSON *doc)
{
    static const char *const auth_methods[] = {"client_secret_post", "private_key_jwt", "client_secret_basic",
                                               NULL};
    static const char *const response_types[] = {"code", "id_token", "code id_token", "id_token token", NULL};
    static const char *const modes[] = {"query", "fragment", "form_post", NULL};
    static const char *const scopes[] = {"openid", "profile", "email", "offline_access", NULL};
    static const char *const subjects[] = {"pairwise", NULL};
    static const char *const algs[] = {"RS256", NULL};
    add_strings(doc, "token_endpoint_auth_methods_supported", auth_methods);
    add_strings(doc, "response_types_supported", response_types);
    add_strings(doc, "response_modes_supported", modes);
    add_strings(doc, "scopes_supported", scopes);
    add_strings(doc, "subject_types_supported", subjects);
    add_strings(doc, "id_token_signing_alg_values_supported", algs);
    cJSON_AddFalseToObject(doc, "request_uri_parameter_supported");
    cJSON_AddTrueToObject(doc, "http_logout_supported");
    cJSON_AddTrueToObject(doc, "frontchannel_logout_supported");
    cJSON_AddStringToObject(doc, "tenant_region_scope", "NA");
    cJSON_AddStringToObject(doc, "cloud_instance_name", "microsoftonline.com");
    cJSON_AddStringToObject(doc, "cloud_graph_host_name", "graph.windows.net");
    cJSON_AddStringToObject(doc, "msgraph_host", "graph.microsoft.com");
    cJSON_AddStringToObject(doc, "rbac_url", "https://pas.windows.net");
}

/*
 * ADFS's document: MSAL reads it straight from {authority}/.well-known
 * (no instance discovery), and takes the tenant "adfs" from token_endpoint.
 */
static cJSON *adfs_config(const struct armmock *m)
{
    char base[128];
    snprintf(base, sizeof(base), "%s/adfs", m->url);
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "issuer", base);
    add_url(doc, "authorization_endpoint", base, "/oauth2/authorize/");
    add_url(doc, "token_endpoint", base, "/oauth2/token/");
    add_url(doc, "jwks_uri", base, "/discovery/keys");
    add_url(doc, "end_session_endpoint", base, "/oauth2/logout");
    add_url(doc, "device_authorization_endpoint", base, "/oauth2/devicecode");
    add_url(doc, "userinfo_endpoint", base, "/userinfo");
    add_url(doc, "access_token_issuer", base, "/services/trust");
    add_common_metadata(doc);
    return doc;
}

/*
 * Entra ID's document for a tenant, v2.0 or v1.  A domain resolves to its
 * tenant id; the aliases (common, organizations) keep their name in the
 * endpoints and write "{tenantid}" in the issuer, as Entra ID does.
 */
static cJSON *tenant_config(const struct armmock *m, const char *tenant, bool v2)
{
    char tid[64], base[256], issuer[256];
    tenant_id(tenant, tid);
    const char *name = is_alias_tenant(tenant) ? tenant : tid;
    snprintf(base, sizeof(base), "%s/%s", m->url, name);
    snprintf(issuer, sizeof(issuer), "%s/%s/%s", m->url, is_alias_tenant(tenant) ? "{tenantid}" : tid,
             v2 ? "v2.0" : "");
    const char *oauth = v2 ? "/oauth2/v2.0" : "/oauth2";
    char suffix[64];
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "issuer", issuer);
    snprintf(suffix, sizeof(suffix), "%s/authorize", oauth);
    add_url(doc, "authorization_endpoint", base, suffix);
    snprintf(suffix, sizeof(suffix), "%s/token", oauth);
    add_url(doc, "token_endpoint", base, suffix);
    add_url(doc, "jwks_uri", base, v2 ? "/discovery/v2.0/keys" : "/discovery/keys");
    snprintf(suffix, sizeof(suffix), "%s/logout", oauth);
    add_url(doc, "end_session_endpoint", base, suffix);
    snprintf(suffix, sizeof(suffix), "%s/devicecode", oauth);
    add_url(doc, "device_authorization_endpoint", base, suffix);
    add_url(doc, "kerberos_endpoint", base, "/kerberos");
    cJSON_AddStringToObject(doc, "userinfo_endpoint", "https://graph.microsoft.com/oidc/userinfo");
    add_common_metadata(doc);
    return doc;
}

/* GET /{tenant}[/v2.0]/.well-known/openid-configuration */
static void openid_config(struct armmock *m, const struct mock_request *rq, bool v2, struct mock_response *rs)
{
    const char *tenant = rq->segs[0];
    if (!tenant_known(tenant)) {
        oauth_error(rs, rq->now, 400, "invalid_tenant", 90002,
                    "Tenant '%.64s' not found. Check to make sure you have the correct tenant ID and are signing "
                    "into the correct cloud.",
                    tenant);
        return;
    }
    mock_reply(rs, 200, is_adfs(tenant) ? adfs_config(m) : tenant_config(m, tenant, v2));
}

/* An RSA parameter of a key in base64url, as a JWK writes it. */
static char *bn_param_b64(EVP_PKEY *key, const char *param)
{
    BIGNUM *bn = NULL;
    char *out = NULL;
    if (EVP_PKEY_get_bn_param(key, param, &bn) == 1) {
        int n = BN_num_bytes(bn);
        unsigned char *bytes = malloc((size_t)(n > 0 ? n : 1));
        if (bytes && BN_bn2bin(bn, bytes) == n)
            out = aksnet__base64url_encode(bytes, (size_t)n);
        free(bytes);
    }
    BN_free(bn);
    return out;
}

/* GET {jwks_uri}: the mock's signing key, so that a client can check its tokens. */
static void jwks(struct armmock *m, const struct mock_request *rq, struct mock_response *rs)
{
    char *n = bn_param_b64(m->signing_key, OSSL_PKEY_PARAM_RSA_N);
    char *e = bn_param_b64(m->signing_key, OSSL_PKEY_PARAM_RSA_E);
    if (!n || !e) {
        oauth_error(rs, rq->now, 500, "server_error", 50000, "The signing key cannot be exported.");
    } else {
        cJSON *body = cJSON_CreateObject(), *key = cJSON_CreateObject();
        cJSON_AddItemToArray(cJSON_AddArrayToObject(body, "keys"), key);
        cJSON_AddStringToObject(key, "kty", "RSA");
        cJSON_AddStringToObject(key, "use", "sig");
        cJSON_AddStringToObject(key, "kid", m->signing_kid);
        cJSON_AddStringToObject(key, "n", n);
        cJSON_AddStringToObject(key, "e", e);
        mock_reply(rs, 200, body);
    }
    free(n);
    free(e);
}

/*
 * GET /common/discovery/instance?authorization_endpoint=https://HOST/TENANT/oauth2/v2.0/authorize:
 * MSAL's instance discovery.  Whatever host was asked about, this mock is
 * the instance: its host is the preferred network, the other an alias.
 */
static void instance_discovery(struct armmock *m, const struct mock_request *rq, struct mock_response *rs)
{
    const char *ae = mock_arg(rq, "authorization_endpoint"), *ver = mock_arg(rq, "api-version");
    const char *sep = strstr(m->url, "://"), *self = sep ? sep + 3 : m->url;
    char host[256] = "", tenant[128] = "common", tde[512];
    size_t on = ae ? origin_len(ae) : 0;
    if (on) {
        const char *h = strstr(ae, "://") + 3;
        snprintf(host, sizeof(host), "%.*s", (int)(ae + on - h), h);
        mock_utf8_scrub(host);
        if (ae[on] == '/' && ae[on + 1])
            snprintf(tenant, sizeof(tenant), "%.*s", (int)strcspn(ae + on + 1, "/?"), ae + on + 1);
    }
    if ((ae && !on) || !tenant_known(tenant)) {
        oauth_error(rs, rq->now, 400, "invalid_instance", 50049, "Unknown or invalid instance.");
        return;
    }
    bool v2 = !ae || strstr(ae, "/v2.0/") != NULL;
    snprintf(tde, sizeof(tde), "%s/%s%s/.well-known/openid-configuration", m->url, tenant, v2 ? "/v2.0" : "");
    cJSON *body = cJSON_CreateObject(), *meta = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "tenant_discovery_endpoint", tde);
    cJSON_AddStringToObject(body, "api-version", ver && *ver ? ver : "1.1");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(body, "metadata"), meta);
    cJSON_AddStringToObject(meta, "preferred_network", self);
    cJSON_AddStringToObject(meta, "preferred_cache", self);
    cJSON *aliases = cJSON_AddArrayToObject(meta, "aliases");
    cJSON_AddItemToArray(aliases, cJSON_CreateString(self));
    if (*host && strcasecmp(host, self) != 0)
        cJSON_AddItemToArray(aliases, cJSON_CreateString(host));
    mock_reply(rs, 200, body);
}

/* ---- managed identity ------------------------------------------------------------------ */

/* A user-assigned identity in the store whose property key equals value, or NULL. */
static const struct mock_resource *identity_by(const struct armmock *m, const char *key, const char *value)
{
    for (size_t i = 0; value && i < m->store.count; i++) {
        const struct mock_resource *r = m->store.items[i];
        const char *v = r->type == &mock_type_identity
                            ? mock_json_str(cJSON_GetObjectItemCaseSensitive(r->body, "properties"), key)
                            : NULL;
        if (v && strcasecmp(v, value) == 0)
            return r;
    }
    return NULL;
}

/*
 * The identity a managed-identity request asks for: client_id, object_id
 * (principal_id) or msi_res_id (mi_res_id) name a user-assigned one; none
 * means the system-assigned one.  Identities the mock holds give their own
 * client and tenant ids; any other is accepted as it is named.
 */
static void pick_identity(const struct armmock *m, const struct mock_request *rq, char client[128], char tid[64])
{
    const char *cid = mock_arg(rq, "client_id");
    const char *oid = mock_arg(rq, "object_id") ? mock_arg(rq, "object_id") : mock_arg(rq, "principal_id");
    const char *rid = mock_arg(rq, "msi_res_id") ? mock_arg(rq, "msi_res_id") : mock_arg(rq, "mi_res_id");
    const struct mock_resource *r = rid ? mock_store_get(&m->store, rid) : NULL;
    if (r && r->type != &mock_type_identity)
        r = NULL;
    if (!r)
        r = cid ? identity_by(m, "clientId", cid) : identity_by(m, "principalId", oid);
    const cJSON *props = r ? cJSON_GetObjectItemCaseSensitive(r->body, "properties") : NULL;
    const char *found = mock_json_str(props, "clientId"), *ftid = mock_json_str(props, "tenantId");
    snprintf(client, 128, "%s", found ? found : cid ? cid : oid ? oid : MI_SYSTEM_CLIENT);
    snprintf(tid, 64, "%s", ftid ? ftid : MOCK_DEFAULT_TENANT);
    mock_utf8_scrub(client);
}

/* A managed identity's token, in IMDS's shape (numbers as strings) or App Service's. */
static void mi_token(struct armmock *m, const struct mock_request *rq, const char *asked, bool imds,
                     struct mock_response *rs)
{
    char client[128], tid[64], resource[512];
    pick_identity(m, rq, client, tid);
    snprintf(resource, sizeof(resource), "%s", asked);
    mock_utf8_scrub(resource);
    char *token = mock_token_issue(m, client, tid, resource, rq->now);
    if (!token) {
        mi_error(rs, 500, "server_error", "The token could not be signed.");
        return;
    }
    long long life = lifetime(m), now = (long long)rq->now;
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "access_token", token);
    cJSON_AddStringToObject(body, "client_id", client);
    if (imds) {
        add_num_string(body, "expires_in", life);
        add_num_string(body, "ext_expires_in", life);
        add_num_string(body, "not_before", now);
    }
    add_num_string(body, "expires_on", now + life);
    cJSON_AddStringToObject(body, "resource", resource);
    cJSON_AddStringToObject(body, "token_type", "Bearer");
    free_secret(token);
    mock_reply(rs, 200, body);
}

/* GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=... with Metadata: true. */
static void imds(struct armmock *m, const struct mock_request *rq, struct mock_response *rs)
{
    const char *md = mock_header(rq, "Metadata"), *ver = mock_arg(rq, "api-version");
    const char *resource = mock_arg(rq, "resource");
    if (!md || strcasecmp(md, "true") != 0)
        mi_error(rs, 400, "invalid_request", "Required metadata header not specified");
    else if (strcmp(rq->method, "GET") != 0)
        mi_error(rs, 405, "invalid_request", "The request method is not supported: use GET.");
    else if (!ver || !*ver)
        mi_error(rs, 400, "invalid_request", "Required query variable 'api-version' is missing");
    else if (!resource || !*resource)
        mi_error(rs, 400, "invalid_request", "Required audience parameter not specified");
    else
        mi_token(m, rq, resource, true, rs);
}

/* GET /msi/token?api-version=2019-08-01&resource=... with X-IDENTITY-HEADER (IDENTITY_ENDPOINT's form). */
static void app_service(struct armmock *m, const struct mock_request *rq, struct mock_response *rs)
{
    const char *secret = mock_header(rq, "X-IDENTITY-HEADER"), *ver = mock_arg(rq, "api-version");
    const char *resource = mock_arg(rq, "resource");
    if (!m->identity_header)
        mi_error(rs, 404, "not_found", "The App Service managed-identity endpoint is not enabled.");
    else if (!secret || !same_secret(secret, m->identity_header))
        mi_error(rs, 401, "unauthorized", "The X-IDENTITY-HEADER header is missing or wrong.");
    else if (strcmp(rq->method, "GET") != 0)
        mi_error(rs, 405, "invalid_request", "The request method is not supported: use GET.");
    else if (!ver || strcmp(ver, "2019-08-01") != 0)
        mi_error(rs, 400, "invalid_request", "The api-version must be 2019-08-01.");
    else if (!resource || !*resource)
        mi_error(rs, 400, "invalid_request", "Required audience parameter not specified");
    else
        mi_token(m, rq, resource, false, rs);
}

/* ---- routing ---------------------------------------------------------------------------- */

/* /{tenant}/oauth2/...: the token endpoints; other OAuth endpoints are not served. */
static void route_oauth2(struct armmock *m, const struct mock_request *rq, struct mock_response *rs)
{
    bool v2 = rq->nsegs == 4 && seg_is(rq, 2, "v2.0") && seg_is(rq, 3, "token");
    bool v1 = rq->nsegs == 3 && seg_is(rq, 2, "token");
    if (!v2 && !v1)
        oauth_error(rs, rq->now, 404, "invalid_request", 90100, "The endpoint '%.200s' is not served by aksnet-mock.",
                    rq->path);
    else if (strcmp(rq->method, "POST") != 0)
        oauth_error(rs, rq->now, 405, "invalid_request", 900561, "The endpoint only accepts POST requests.");
    else
        token_endpoint(m, rq, v1, rs);
}

/* The discovery documents; false when the path is not one. */
static bool route_discovery(struct armmock *m, const struct mock_request *rq, struct mock_response *rs)
{
    size_t n = rq->nsegs;
    bool v2conf = n == 4 && seg_is(rq, 1, "v2.0") && seg_is(rq, 2, ".well-known") &&
                  seg_is(rq, 3, "openid-configuration");
    bool v1conf = n == 3 && seg_is(rq, 1, ".well-known") && seg_is(rq, 2, "openid-configuration");
    bool keys = (n == 4 && seg_is(rq, 1, "discovery") && seg_is(rq, 2, "v2.0") && seg_is(rq, 3, "keys")) ||
                (n == 3 && seg_is(rq, 1, "discovery") && seg_is(rq, 2, "keys"));
    bool instance = n == 3 && seg_is(rq, 1, "discovery") && seg_is(rq, 2, "instance");
    if (!v2conf && !v1conf && !keys && !instance)
        return false;
    if (strcmp(rq->method, "GET") != 0)
        oauth_error(rs, rq->now, 405, "invalid_request", 900561, "The endpoint only accepts GET requests.");
    else if (v2conf || v1conf)
        openid_config(m, rq, v2conf, rs);
    else if (keys)
        jwks(m, rq, rs);
    else
        instance_discovery(m, rq, rs);
    return true;
}

/* Entra ID and managed identity need no bearer token, so dispatch asks here first. */
bool mock_entra_handle(struct armmock *m, const struct mock_request *rq, struct mock_response *rs)
{
    if (rq->nsegs == 4 && seg_is(rq, 0, "metadata") && seg_is(rq, 1, "identity") && seg_is(rq, 2, "oauth2") &&
        seg_is(rq, 3, "token")) {
        imds(m, rq, rs);
        return true;
    }
    if (rq->nsegs == 2 && seg_is(rq, 0, "msi") && seg_is(rq, 1, "token")) {
        app_service(m, rq, rs);
        return true;
    }
    if (rq->nsegs >= 2 && seg_is(rq, 1, "oauth2") && !seg_is(rq, 0, "subscriptions")) {
        route_oauth2(m, rq, rs);
        return true;
    }
    return rq->nsegs >= 3 && !seg_is(rq, 0, "subscriptions") && route_discovery(m, rq, rs);
}
