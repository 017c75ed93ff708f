/*
 * auth_mi.c - managed identity: the App Service form (IDENTITY_ENDPOINT
 * with the IDENTITY_HEADER secret) and IMDS, the Instance Metadata Service
 * every Azure VM, scale set and AKS node answers on.
 *
 * THE ONE EXCEPTION TO THE LOOPBACK RULE.  aksnet sends secrets and tokens
 * over plain http:// only to loopback (aksnet__http_check_url), and the
 * libcurl transport at the end of the pipeline enforces that.  The
 * managed-identity endpoint, however, is plain http by design on a
 * link-local address the host itself answers, never routed: IMDS at
 * http://169.254.169.254, and App Service's or Container Apps'
 * IDENTITY_ENDPOINT (http://localhost:PORT or http://169.254.x.x:PORT,
 * learn.microsoft.com/azure/app-service/overview-managed-identity "REST
 * endpoint reference").  Those requests, and only those, carry
 * link_local_ok, which the transport's URL rule honours for 169.254.0.0/16;
 * they go through the same pipeline as every other request (request id,
 * retries as IMDS's guidance asks, log with redaction).
 */
#include "auth_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
    if (aksnet__http_check_url_for(a->imds, true, &why) != AKSNET_OK)
        return aksnet_error_set(err, AKSNET_EAUTH, "managed identity: %s: %s", what, why.message);
    return AKSNET_OK;
}

/* ---- the link-local exception ---------------------------------------------------- */

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
    const char *source = app_service        ? "the IDENTITY_ENDPOINT endpoint"
                         : a->imds_answered ? "IMDS"
                                            : "IMDS (is this an Azure VM or pod?)";
    struct aksnet__http_response rs = {0};
    struct aksnet__http_request rq = {0};
    rc = aksnet__http_request_init(&rq, "GET", url, err);
    if (rc == AKSNET_OK) {
        rq.link_local_ok = true;
        if (!app_service) {
            double connect = a->imds_answered ? IMDS_CONNECT_TIMEOUT : a->imds_probe_timeout;
            rq.connect_timeout_ms = (long)(connect * 1000);
            /* probed once, without retries, only when nothing chose managed identity (the SDKs' probe) */
            rq.retry_profile = a->fallback && !a->imds_answered ? AKSNET__RETRY_IMDS_PROBE : AKSNET__RETRY_IMDS;
        }
        rc = app_service ? aksnet__http_request_set_header(&rq, "X-IDENTITY-HEADER", a->identity_header)
                         : aksnet__http_request_set_header(&rq, "Metadata", "true");
        if (rc != AKSNET_OK)
            rc = aksnet_error_set(err, rc, "%s: IDENTITY_HEADER is not a valid header value", cred);
    }
    if (rc == AKSNET_OK)
        rc = aksnet__auth_send(a, cred, source, &rq, &rs, err);
    aksnet__http_request_free(&rq);
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
