/*
 * auth_mi.c - managed identity: the App Service form (IDENTITY_ENDPOINT
 * with the IDENTITY_HEADER secret) and IMDS, the Instance Metadata Service
 * every Azure VM, scale set and AKS node answers on.
 *
 * THE ONE EXCEPTION TO THE LOOPBACK RULE.  aksnet sends secrets and tokens
 * over plain http:// only to loopback (aksnet__http_check_url), and the
 * libcurl transport at the end of the pipeline enforces that.  IMDS,
 * however, is http://169.254.169.254 by design: a link-local address the
 * hypervisor answers on the host itself, never routed, the address every
 * Azure SDK uses.  So exactly that URL, and only for the IMDS token GET
 * (which carries no secret: "Metadata: true" and the resource), is sent by
 * imds_link_local_get below with libcurl directly, under the same rules as
 * the transport otherwise: no proxy, no redirect, http only, bounded
 * answer.  Every other managed-identity URL, including an IMDS moved with
 * AZURE_POD_IDENTITY_AUTHORITY_HOST (tests point it at the mock), goes
 * through the pipeline and its URL rule like any other request.
 */
#include "auth_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#define IMDS_LINK_LOCAL "http://169.254.169.254"
#define IMDS_PATH "/metadata/identity/oauth2/token"
#define IMDS_API "2018-02-01"
#define APP_SERVICE_API "2019-08-01"
/* Connect timeout of IMDS requests once IMDS has answered, and the whole-request cap. */
#define IMDS_CONNECT_TIMEOUT 10.0
#define IMDS_TIMEOUT 30.0
#define IMDS_ANSWER_MAX (1024 * 1024)

/*
 * "host[:port]" as the SDKs' documentation shows the variable, or a URL
 * ("http://host:port") as their code reads it: both are taken.  Anything
 * but the well-known address must pass the pipeline's URL rule.
 */
aksnet_code aksnet__auth_mi_set_imds(struct aksnet__auth *a, const char *authority, const char *what,
                                     struct aksnet_error *err)
{
    if (!authority)
        authority = IMDS_LINK_LOCAL;
    int n = snprintf(a->imds, sizeof(a->imds), "%s%s", strstr(authority, "://") ? "" : "http://", authority);
    if (n < 0 || (size_t)n >= sizeof(a->imds))
        return aksnet_error_set(err, AKSNET_EAUTH, "managed identity: %s is too long", what);
    size_t len = (size_t)n;
    while (len > 0 && a->imds[len - 1] == '/')
        a->imds[--len] = '\0';
    a->imds_link_local = strcmp(a->imds, IMDS_LINK_LOCAL) == 0;
    struct aksnet_error why;
    if (!a->imds_link_local && aksnet__http_check_url(a->imds, &why) != AKSNET_OK)
        return aksnet_error_set(err, AKSNET_EAUTH, "managed identity: %s: %s", what, why.message);
    return AKSNET_OK;
}

/* ---- the link-local exception ---------------------------------------------------- */

struct answer {
    struct aksnet__buf buf;
    bool too_big;
};

/* The answer holds a token: a secret buffer, capped so a rogue host cannot exhaust memory. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
    struct answer *b = ctx;
    aksnet_code rc = aksnet__buf_add(&b->buf, data, size * nmemb);
    b->too_big = rc == AKSNET_EINVAL;
    return rc == AKSNET_OK ? size * nmemb : 0;
}

/* Is url exactly http://169.254.169.254/...: no other host, port, user or scheme? */
static bool is_link_local_imds(const char *url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL;
    bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && strcmp(scheme, "http") == 0 &&
              strcmp(host, "169.254.169.254") == 0 && curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK &&
              curl_url_get(u, CURLUPART_USER, &user, 0) != CURLUE_OK;
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(user);
    curl_url_cleanup(u);
    return ok;
}

/* The documented exception (see the top of this file): one GET to the link-local IMDS. */
static aksnet_code imds_link_local_get(const char *url, double connect_timeout, struct aksnet__http_response *rs,
                                       struct aksnet_error *err)
{
    if (!is_link_local_imds(url))
        return aksnet_error_set(err, AKSNET_EINVAL, "'%.200s' is not the link-local IMDS address", url);
    CURL *e = curl_easy_init();
    struct curl_slist *hdrs = curl_slist_append(NULL, "Metadata: true");
    if (!e || !hdrs) {
        curl_easy_cleanup(e);
        curl_slist_free_all(hdrs);
        return aksnet_error_set(err, AKSNET_ENOMEM, "cannot create a libcurl handle");
    }
    struct answer b = {0};
    aksnet__buf_init(&b.buf, IMDS_ANSWER_MAX, true);
    char errbuf[CURL_ERROR_SIZE] = "";
    CURLcode cc = CURLE_FAILED_INIT;
    if (curl_easy_setopt(e, CURLOPT_URL, url) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http") == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_PROXY, "") == CURLE_OK && curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(connect_timeout * 1000)) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(IMDS_TIMEOUT * 1000)) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &b) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK)
        cc = curl_easy_perform(e);
    aksnet_code rc = AKSNET_OK;
    if (cc == CURLE_OK)
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &rs->status);
    else if (b.too_big)
        rc = aksnet_error_set(err, AKSNET_EINVAL, "GET %.200s: the answer is larger than %d bytes", url,
                              IMDS_ANSWER_MAX);
    else
        rc = aksnet_error_set(err, AKSNET_ETRANSPORT, "GET %.200s: %s", url,
                              errbuf[0] ? errbuf : curl_easy_strerror(cc));
    curl_easy_cleanup(e);
    curl_slist_free_all(hdrs);
    if (rc != AKSNET_OK) {
        aksnet__buf_free(&b.buf);
        return rc;
    }
    rs->body_len = b.buf.len;
    rs->body = aksnet__buf_take(&b.buf);
    return rs->body ? AKSNET_OK : aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
}

/* ---- fetching ---------------------------------------------------------------------- */

/* "...?api-version=V&resource=R[&client_id=C]" on base, which may already have a query. */
static aksnet_code build_url(const struct aksnet__auth *a, const char *base, const char *api, char **out,
                             struct aksnet_error *err)
{
    char resource[AKSNET_URL_MAX + 2];
    snprintf(resource, sizeof(resource), "%s/", a->endpoints.arm_endpoint);
    char *res = aksnet__auth_escape(resource), *cid = a->client[0] ? aksnet__auth_escape(a->client) : NULL;
    size_t n = strlen(base) + (res ? strlen(res) : 0) + (cid ? strlen(cid) : 0) + 64;
    char *url = res && (cid || !a->client[0]) ? malloc(n) : NULL;
    if (url)
        snprintf(url, n, "%s%capi-version=%s&resource=%s%s%s", base, strchr(base, '?') ? '&' : '?', api, res,
                 cid ? "&client_id=" : "", cid ? cid : "");
    free(res);
    free(cid);
    *out = url;
    return url ? AKSNET_OK : aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
}

/*
 * Until IMDS has answered once, its connect timeout is the short probe's:
 * off Azure, 169.254.169.254 does not answer and the chain moves on fast.
 */
aksnet_code aksnet__auth_mi_fetch(struct aksnet__auth *a, struct auth_token *tok, struct aksnet_error *err)
{
    static const char cred[] = "managed identity";
    bool app_service = a->identity_endpoint != NULL;
    char base[AKSNET_URL_MAX + sizeof(IMDS_PATH)];
    snprintf(base, sizeof(base), "%s%s", a->imds, IMDS_PATH);
    char *url = NULL;
    aksnet_code rc = build_url(a, app_service ? a->identity_endpoint : base,
                               app_service ? APP_SERVICE_API : IMDS_API, &url, err);
    if (rc != AKSNET_OK)
        return rc;
    const char *source = app_service ? "the IDENTITY_ENDPOINT endpoint" : "IMDS";
    struct aksnet__http_response rs = {0};
    if (!app_service && a->imds_link_local) {
        struct aksnet_error why;
        aksnet_error_clear(&why);
        double timeout = a->imds_answered ? IMDS_CONNECT_TIMEOUT : a->imds_probe_timeout;
        rc = imds_link_local_get(url, timeout, &rs, &why);
        if (rc == AKSNET_ENOMEM)
            rc = aksnet_error_set(err, rc, "%s: out of memory", cred);
        else if (rc != AKSNET_OK)
            rc = aksnet_error_set(err, AKSNET_EAUTH, "%s: cannot reach IMDS%s: %s", cred,
                                  a->imds_answered ? "" : " (is this an Azure VM or pod?)", why.message);
    } else {
        struct aksnet__http_request rq = {0};
        rc = aksnet__http_request_init(&rq, "GET", url, err);
        if (rc == AKSNET_OK) {
            rc = app_service ? aksnet__http_request_set_header(&rq, "X-IDENTITY-HEADER", a->identity_header)
                             : aksnet__http_request_set_header(&rq, "Metadata", "true");
            if (rc != AKSNET_OK)
                rc = aksnet_error_set(err, rc, "%s: IDENTITY_HEADER is not a valid header value", cred);
        }
        if (rc == AKSNET_OK)
            rc = aksnet__auth_send(a, cred, source, &rq, &rs, err);
        aksnet__http_request_free(&rq);
    }
    free(url);
    if (rc == AKSNET_OK && !app_service)
        a->imds_answered = true;
    if (rc == AKSNET_OK && rs.status == 200)
        rc = aksnet__auth_parse_token(cred, source, &rs, aksnet__auth_now(a), tok, err);
    else if (rc == AKSNET_OK)
        rc = aksnet__auth_refused(cred, source, &rs, err);
    aksnet__http_response_free(&rs);
    return rc;
}
