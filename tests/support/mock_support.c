/*
 * mock_support.c - an in-process aksnet-mock and a libcurl client for tests.
 */
#include "mock_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

static double clock_read(void *ctx)
{
    return ((struct mt_mock *)ctx)->now;
}

void mt_advance(struct mt_mock *t, double seconds)
{
    t->now += seconds;
}

struct buf {
    char *data;
    size_t len;
};

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

const char *mt_error_code(const struct mt_response *r)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(r->json, "error");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
    return cJSON_IsString(code) ? code->valuestring : NULL;
}

void mt_response_free(struct mt_response *r)
{
    free(r->body);
    free(r->headers);
    cJSON_Delete(r->json);
    memset(r, 0, sizeof(*r));
}

char *mt_fetch_token(struct mt_mock *t, const char *tenant, const char *client, const char *secret)
{
    char path[256], form[1024];
    snprintf(path, sizeof(path), "/%s/oauth2/v2.0/token", tenant);
    snprintf(form, sizeof(form),
             "grant_type=client_credentials&client_id=%s&client_secret=%s&scope=https%%3A%%2F%%2Fmanagement.azure.com%%2F.default",
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

static X509 *make_cert(EVP_PKEY *key, EVP_PKEY *signer, X509 *issuer, const char *cn, bool ca)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), ca ? 1 : 2);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 30);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
    const char *exts[][2] = {
        {"basicConstraints", ca ? "critical,CA:TRUE" : "CA:FALSE"},
        {"keyUsage", ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyEncipherment"},
        {"subjectAltName", ca ? NULL : "IP:127.0.0.1,IP:::1,DNS:localhost"},
        {"extendedKeyUsage", ca ? NULL : "serverAuth"},
    };
    for (size_t i = 0; i < 4; i++) {
        if (!exts[i][1])
            continue;
        X509_EXTENSION *e = X509V3_EXT_conf(NULL, &v3, exts[i][0], exts[i][1]);
        if (e) {
            X509_add_ext(x, e, -1);
            X509_EXTENSION_free(e);
        }
    }
    X509_sign(x, signer, EVP_sha256());
    return x;
}

X509 *mt_self_signed_cert(EVP_PKEY *key, const char *cn)
{
    return make_cert(key, key, NULL, cn, false);
}

static bool write_pem(const char *path, X509 *cert, EVP_PKEY *key)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    bool ok = cert ? PEM_write_X509(f, cert) == 1 : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1;
    return fclose(f) == 0 && ok;
}

static bool make_tls(struct mt_mock *t, char *cert_path, char *key_path)
{
    EVP_PKEY *ca_key = EVP_RSA_gen(2048), *key = EVP_RSA_gen(2048);
    X509 *ca = ca_key ? make_cert(ca_key, ca_key, NULL, "aksnet test CA", true) : NULL;
    X509 *cert = ca && key ? make_cert(key, ca_key, ca, "127.0.0.1", false) : NULL;
    snprintf(t->cacert, sizeof(t->cacert), "%s/ca.pem", t->dir);
    snprintf(cert_path, 128, "%s/server.pem", t->dir);
    snprintf(key_path, 128, "%s/server.key", t->dir);
    bool ok = cert && write_pem(t->cacert, ca, NULL) && write_pem(cert_path, cert, NULL) &&
              write_pem(key_path, NULL, key);
    X509_free(ca);
    X509_free(cert);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(key);
    return ok;
}

bool mt_start(struct mt_mock *t, const struct armmock_options *opts, bool tls)
{
    memset(t, 0, sizeof(*t));
    t->now = 1800000000.0;
    snprintf(t->dir, sizeof(t->dir), "/tmp/aksnet-test-XXXXXX");
    if (!mkdtemp(t->dir)) {
        perror("mkdtemp");
        return false;
    }
    snprintf(t->journal, sizeof(t->journal), "%s/journal.jsonl", t->dir);
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
    char cert[128], key[128];
    if (tls) {
        if (!make_tls(t, cert, key)) {
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

/* Remove the temporary directory and the files in it. */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

void mt_stop(struct mt_mock *t)
{
    armmock_stop(t->mock);
    free(t->token);
    if (t->dir[0])
        remove_dir(t->dir);
    memset(t, 0, sizeof(*t));
}

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

void mt_attach(struct mt_mock *t, const char *url, const char *cacert)
{
    memset(t, 0, sizeof(*t));
    snprintf(t->url, sizeof(t->url), "%s", url);
    if (cacert)
        snprintf(t->cacert, sizeof(t->cacert), "%s", cacert);
}

double mt_real_clock(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
