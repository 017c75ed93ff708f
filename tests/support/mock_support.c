/*
 * mock_support.c - an in-process aksnet-mock and a libcurl client for
 * tests (see mock_support.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <openssl/evp.h>

#include "json_support.h"
#include "keys.h"
#include "mock_support.h"

/* The mock reads the time the test sets, so that operations end when the test says. */
static double clock_read(void *ctx)
{
    return ((struct mt_mock *)ctx)->now;
}

/* Tests let time pass instead of waiting for it. */
void mt_advance(struct mt_mock *t, double seconds)
{
    t->now += seconds;
}

struct buf {
    char *data;
    size_t len;
};

/* libcurl's write callback: the body (or the headers) grows, NUL-terminated. */
static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
    struct buf *b = ctx;
    size_t add = size * n;
    char *d = realloc(b->data, b->len + add + 1);
    if (!d)
        return 0;
    memcpy(d + b->len, p, add);
    b->data = d;
    b->len += add;
    b->data[b->len] = '\0';
    return add;
}

/* Send a prepared handle: collect body and headers into out, free the handle and the header list. */
static bool perform(const struct mt_mock *t, CURL *c, struct curl_slist *hdrs, long timeout, struct mt_response *out)
{
    struct buf b = {0}, h = {0};
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (t->cacert[0])
        curl_easy_setopt(c, CURLOPT_CAINFO, t->cacert);
    CURLcode rc = curl_easy_perform(c);
    out->curl_code = (int)rc;
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    out->body = b.data ? b.data : strdup("");
    out->headers = h.data ? h.data : strdup("");
    out->json = out->body && *out->body ? cJSON_Parse(out->body) : NULL;
    return rc == CURLE_OK;
}

/* Requests are made the way clients make them (libcurl), not through the code under test. */
bool mt_request(struct mt_mock *t, const char *method, const char *path, const char *body,
                const char *content_type, bool auth, const char *extra_header, struct mt_response *out)
{
    memset(out, 0, sizeof(*out));
    CURL *c = curl_easy_init();
    if (!c)
        return false;
    char url[4096], ct[256], authz[8192];
    snprintf(url, sizeof(url), "%s%s", t->url, path);
    struct curl_slist *hdrs = NULL;
    snprintf(ct, sizeof(ct), "Content-Type: %s", content_type ? content_type : "application/json");
    hdrs = curl_slist_append(hdrs, ct);
    if (auth && t->token) {
        snprintf(authz, sizeof(authz), "Authorization: Bearer %s", t->token);
        hdrs = curl_slist_append(hdrs, authz);
    }
    if (extra_header)
        hdrs = curl_slist_append(hdrs, extra_header);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    return perform(t, c, hdrs, 30L, out);
}

/* Header names are case-insensitive; tests ask for them as the documentation writes them. */
const char *mt_header(const struct mt_response *r, const char *name, char *buf, size_t len)
{
    size_t n = strlen(name);
    for (const char *line = r->headers; line && *line;) {
        const char *end = strstr(line, "\r\n");
        size_t ll = end ? (size_t)(end - line) : strlen(line);
        if (ll > n && strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            snprintf(buf, len, "%.*s", (int)(ll - (size_t)(v - line)), v);
            return buf;
        }
        line = end ? end + 2 : NULL;
    }
    return NULL;
}

/* What a resource says about itself is under "properties": the tests look there most. */
const char *mt_prop(const struct mt_response *r, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r->json, "properties"), key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A refusal is identified by ARM's code, which is what clients act on. */
const char *mt_error_code(const struct mt_response *r)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(r->json, "error");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
    return cJSON_IsString(code) ? code->valuestring : NULL;
}

/* The refusal's message ("" when there is none), for the checks that depend on its wording. */
const char *mt_error_message(const struct mt_response *r)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(r->json, "error");
    const cJSON *message = cJSON_GetObjectItemCaseSensitive(e, "message");
    return cJSON_IsString(message) ? message->valuestring : "";
}

/* Zeroed afterwards, so that a response may be freed twice and reused. */
void mt_response_free(struct mt_response *r)
{
    free(r->body);
    free(r->headers);
    cJSON_Delete(r->json);
    memset(r, 0, sizeof(*r));
}

/* A token as any client gets one (client credentials), for the requests that need one. */
char *mt_fetch_token(struct mt_mock *t, const char *tenant, const char *client, const char *secret)
{
    char path[256], form[1024];
    snprintf(path, sizeof(path), "/%s/oauth2/v2.0/token", tenant);
    snprintf(form, sizeof(form),
             "grant_type=client_credentials&client_id=%s&client_secret=%s"
             "&scope=https%%3A%%2F%%2Fmanagement.azure.com%%2F.default",
             client, secret);
    struct mt_response r;
    char *token = NULL;
    if (mt_request(t, "POST", path, form, "application/x-www-form-urlencoded", false, NULL, &r) && r.status == 200) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(r.json, "access_token");
        if (cJSON_IsString(a))
            token = strdup(a->valuestring);
    }
    mt_response_free(&r);
    return token;
}

/* ---- TLS material: a throwaway CA and a server certificate for 127.0.0.1 ---- */

/* Every HTTPS mock gets a CA of its own, in its directory: nothing is trusted beyond one test. */
static bool make_tls(struct mt_mock *t, char *cert_path, char *key_path, size_t len)
{
    EVP_PKEY *ca_key = EVP_RSA_gen(2048), *key = EVP_RSA_gen(2048);
    X509 *ca = ca_key ? mt_cert(ca_key, ca_key, NULL, "aksnet test CA", true) : NULL;
    X509 *cert = ca && key ? mt_cert(key, ca_key, ca, "127.0.0.1", false) : NULL;
    bool ok = mt_tmpdir_file(&t->dir, "ca.pem", t->cacert, sizeof(t->cacert)) &&
              mt_tmpdir_file(&t->dir, "server.pem", cert_path, len) &&
              mt_tmpdir_file(&t->dir, "server.key", key_path, len);
    ok = ok && cert && mt_write_pem(t->cacert, NULL, NULL, ca, NULL, 0644) &&
         mt_write_pem(cert_path, NULL, NULL, cert, NULL, 0644) && mt_write_pem(key_path, key, NULL, NULL, NULL, 0600);
    X509_free(ca);
    X509_free(cert);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(key);
    return ok;
}

/* Every test has a mock of its own: nothing one test does is seen by another. */
bool mt_start(struct mt_mock *t, const struct armmock_options *opts, bool tls)
{
    memset(t, 0, sizeof(*t));
    t->now = 1800000000.0;
    if (!mt_tmpdir_make(&t->dir, "test")) {
        perror("mkdtemp");
        return false;
    }
    mt_tmpdir_file(&t->dir, "journal.jsonl", t->journal, sizeof(t->journal));
    struct armmock_options o = {0};
    if (opts)
        o = *opts;
    static const struct armmock_credential secret = {MT_CLIENT, MT_SECRET};
    if (!o.secret_count) {
        o.secrets = &secret;
        o.secret_count = 1;
    }
    if (!o.journal_path)
        o.journal_path = t->journal;
    if (!o.clock) { /* a caller's clock (the real one, for runs of the aksnet binary) wins */
        o.clock = clock_read;
        o.clock_ctx = t;
    }
    char cert[MT_PATH_MAX], key[MT_PATH_MAX];
    if (tls) {
        if (!make_tls(t, cert, key, sizeof(cert))) {
            fprintf(stderr, "mt_start: cannot make TLS material\n");
            return false;
        }
        o.tls_cert_file = cert;
        o.tls_key_file = key;
    }
    char err[512];
    t->mock = armmock_start(&o, err, sizeof(err));
    if (!t->mock) {
        fprintf(stderr, "mt_start: %s\n", err);
        return false;
    }
    snprintf(t->url, sizeof(t->url), "%s", armmock_url(t->mock));
    t->token = mt_fetch_token(t, MT_TENANT, MT_CLIENT, MT_SECRET);
    return true;
}

/* The mock's files go with it. */
void mt_stop(struct mt_mock *t)
{
    armmock_stop(t->mock);
    free(t->token);
    mt_tmpdir_remove(&t->dir);
    memset(t, 0, sizeof(*t));
}

/* What was sent is checked against the journal, the record a user of the mock reads too. */
cJSON **mt_journal(struct mt_mock *t, size_t *count)
{
    *count = 0;
    FILE *f = fopen(t->journal, "r");
    if (!f)
        return NULL;
    cJSON **lines = NULL;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        cJSON **more = realloc(lines, (*count + 1) * sizeof(*lines));
        if (!more)
            break;
        lines = more;
        lines[(*count)++] = cJSON_Parse(line);
    }
    free(line);
    fclose(f);
    return lines;
}

/* Pairs with mt_journal. */
void mt_journal_free(cJSON **lines, size_t count)
{
    for (size_t i = 0; i < count; i++)
        cJSON_Delete(lines[i]);
    free(lines);
}

/* ---- uploads and raw connections ------------------------------------------- */

struct upload {
    size_t left;
};

/* Feed 'x' bytes to libcurl until the planned size is sent. */
static size_t on_read(char *p, size_t size, size_t n, void *ctx)
{
    struct upload *u = ctx;
    size_t give = size * n < u->left ? size * n : u->left;
    memset(p, 'x', give);
    u->left -= give;
    return give;
}

/* Large and chunked bodies test the server's limits without holding them in memory. */
bool mt_request_upload(struct mt_mock *t, const char *path, size_t size, bool chunked, struct mt_response *out)
{
    memset(out, 0, sizeof(*out));
    CURL *c = curl_easy_init();
    if (!c)
        return false;
    char url[4096], authz[8192];
    snprintf(url, sizeof(url), "%s%s", t->url, path);
    struct upload u = {size};
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    if (t->token) {
        snprintf(authz, sizeof(authz), "Authorization: Bearer %s", t->token);
        hdrs = curl_slist_append(hdrs, authz);
    }
    if (chunked)
        hdrs = curl_slist_append(hdrs, "Transfer-Encoding: chunked");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &u);
    if (!chunked)
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)size);
    return perform(t, c, hdrs, 60L, out);
}

/* Half requests and idle connections are made by hand: no client library sends them. */
int mt_raw_connect(const struct mt_mock *t)
{
    const char *host = strstr(t->url, "://");
    if (!host)
        return -1;
    host += 3;
    bool v6 = *host == '[';
    const char *colon = strrchr(host, ':');
    if (!colon)
        return -1;
    long port = strtol(colon + 1, NULL, 10);
    char addr[64];
    snprintf(addr, sizeof(addr), "%.*s", (int)(colon - host) - (v6 ? 2 : 0), host + (v6 ? 1 : 0));
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    socklen_t len;
    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, addr, &a->sin6_addr) != 1)
            return -1;
        len = sizeof(*a);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, addr, &a->sin_addr) != 1)
            return -1;
        len = sizeof(*a);
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&ss, len) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* Partial writes and EINTR are retried; SIGPIPE is not raised. */
bool mt_raw_send(int fd, const char *text)
{
    size_t len = strlen(text), done = 0;
    while (done < len) {
        ssize_t w = send(fd, text + done, len - done, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        done += (size_t)w;
    }
    return true;
}

/* The program's tests use the same client on a mock in another process. */
void mt_attach(struct mt_mock *t, const char *url, const char *cacert)
{
    memset(t, 0, sizeof(*t));
    snprintf(t->url, sizeof(t->url), "%s", url);
    if (cacert)
        snprintf(t->cacert, sizeof(t->cacert), "%s", cacert);
}

/* A program run against the mock waits in real time: the mock must see the same time. */
double mt_real_clock(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- assertions on answers ------------------------------------------------------ */

/* The mock's tests are lists of requests and the answers ARM gives them: one line each. */
static void expect(struct mt_mock *t, const char *method, const char *path, const char *body, const char *header,
                   long status, const char *code, struct mt_response *r)
{
    assert_true(mt_request(t, method, path, body, NULL, true, header, r));
    const char *got = mt_error_code(r);
    if (r->status != status || (code && (!got || strcmp(got, code) != 0)))
        fprintf(stderr, "%s %s -> %ld %s\n", method, path, r->status, r->body ? r->body : "");
    assert_int_equal(r->status, status);
    if (code) {
        assert_non_null(got);
        assert_string_equal(got, code);
    }
}

/* A test that reads the answer further gets it. */
void mt_expect(struct mt_mock *t, const char *method, const char *path, const char *body, long status,
               const char *code, struct mt_response *r)
{
    expect(t, method, path, body, NULL, status, code, r);
}

/* Most requests of a test only need their status checked. */
void mt_check(struct mt_mock *t, const char *method, const char *path, const char *body, long status,
              const char *code)
{
    mt_check_header(t, method, path, body, NULL, status, code);
}

/* Conditional requests (If-Match, If-None-Match) are checked the same way. */
void mt_check_header(struct mt_mock *t, const char *method, const char *path, const char *body, const char *header,
                     long status, const char *code)
{
    struct mt_response r;
    expect(t, method, path, body, header, status, code, &r);
    mt_response_free(&r);
}

/* Operation URLs are absolute; requests to the mock take its path, and must not lead elsewhere. */
const char *mt_local_path(const struct mt_mock *t, const char *url)
{
    size_t n = strlen(t->url);
    assert_int_equal(strncmp(url, t->url, n), 0);
    assert_true(url[n] == '/');
    return url + n;
}

/* Whether a journal line has method, a path containing part (NULL: any) and status (0: any). */
static bool line_matches(const cJSON *line, const char *method, const char *part, long status)
{
    const char *m = mt_json_str(line, "method"), *p = mt_json_str(line, "path");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(line, "status");
    return m && p && strcmp(m, method) == 0 && (!part || strstr(p, part)) &&
           (!status || (cJSON_IsNumber(s) && (long)s->valuedouble == status));
}

/* What was sent is read back from the journal, as a user of the mock would. */
size_t mt_journal_count(struct mt_mock *t, const char *method, const char *part, long status)
{
    size_t n = 0, count = 0;
    cJSON **lines = mt_journal(t, &n);
    for (size_t i = 0; i < n; i++)
        if (line_matches(lines[i], method, part, status))
            count++;
    mt_journal_free(lines, n);
    return count;
}

/* The order of the requests is what a dependency graph promises. */
long mt_journal_find(struct mt_mock *t, const char *method, const char *part)
{
    size_t n = 0;
    long at = -1;
    cJSON **lines = mt_journal(t, &n);
    for (size_t i = 0; i < n && at < 0; i++)
        if (line_matches(lines[i], method, part, 0))
            at = (long)i;
    mt_journal_free(lines, n);
    return at;
}

/* ---- state files ------------------------------------------------------------------ */

/* What the mock cannot be given over HTTP (a cluster, an NSG, a signing key) is given in its state file. */
cJSON *mt_state_new(const char *key_pem)
{
    char *own = key_pem ? NULL : mt_key_pem();
    assert_true(key_pem || own);
    cJSON *root = cJSON_CreateObject();
    assert_non_null(root);
    cJSON_AddNumberToObject(root, "version", 1);
    cJSON_AddStringToObject(root, "signingKey", key_pem ? key_pem : own);
    cJSON_AddArrayToObject(root, "resources");
    cJSON_AddArrayToObject(root, "operations");
    free(own);
    return root;
}

/* The store's record of a resource, so that the mock loads it as one it made itself. */
cJSON *mt_state_add(cJSON *state, const char *provider, const char *type, cJSON *body, double created)
{
    const char *id = mt_json_str(body, "id");
    assert_non_null(id);
    cJSON *o = cJSON_CreateObject();
    assert_non_null(o);
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "provider", provider);
    cJSON_AddStringToObject(o, "type", type);
    cJSON_AddNumberToObject(o, "created", created);
    cJSON_AddItemToObject(o, "body", body);
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(state, "resources"), o);
    return body;
}

/* One write of the whole document, as the mock writes its own. */
bool mt_state_write(cJSON *state, const char *path)
{
    char *text = cJSON_PrintUnformatted(state);
    cJSON_Delete(state);
    bool ok = text && mt_write_text(path, text, 0);
    free(text);
    return ok;
}

/* ---- the pipeline's token ------------------------------------------------------- */

/* Tests of the pipeline and the engine need a token the mock accepts, not a credential. */
aksnet_code mt_token(void *ctx, bool force_refresh, char **token, struct aksnet_error *err)
{
    (void)force_refresh;
    const struct mt_mock *t = ctx;
    *token = t->token ? strdup(t->token) : NULL;
    return *token ? AKSNET_OK : aksnet_error_set(err, AKSNET_EAUTH, "no token");
}
