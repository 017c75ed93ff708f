/*
 * entra.c - Microsoft Entra ID's endpoints as clients use them: the v2.0
 * token endpoint (client secret; certificate assertion and federated token
 * are being written), OpenID discovery, and the managed-identity endpoints.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "mock.h"

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
            curl_free(dec);
            free(raw);
            return out;
        }
        p = amp ? amp + 1 : NULL;
    }
    return NULL;
}

static void oauth_error(struct mock_response *rs, int status, const char *error, int aadsts, const char *text)
{
    char trace[37], corr[37], desc[512];
    mock_uuid(trace);
    mock_uuid(corr);
    snprintf(desc, sizeof(desc), "AADSTS%d: %s Trace ID: %s Correlation ID: %s", aadsts, text, trace, corr);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "error", error);
    cJSON_AddStringToObject(body, "error_description", desc);
    cJSON_AddItemToObject(body, "error_codes", cJSON_CreateIntArray(&aadsts, 1));
    cJSON_AddStringToObject(body, "trace_id", trace);
    cJSON_AddStringToObject(body, "correlation_id", corr);
    mock_reply(rs, status, body);
}

static const char *registered(const struct armmock_credential *list, size_t n, const char *client)
{
    for (size_t i = 0; client && i < n; i++)
        if (strcmp(list[i].client_id, client) == 0)
            return list[i].value;
    return NULL;
}

/* "https://management.azure.com/.default" -> "https://management.azure.com/" */
static void audience_of(const char *scope, char out[256])
{
    snprintf(out, 256, "%s", scope ? scope : "https://management.azure.com/");
    char *d = strstr(out, ".default");
    if (d)
        *d = '\0';
}

static void issue(struct armmock *m, const struct mock_request *rq, const char *client, const char *tenant,
                  const char *scope, struct mock_response *rs)
{
    char aud[256];
    audience_of(scope, aud);
    char *token = mock_token_issue(m, client, tenant, aud, rq->now);
    if (!token) {
        oauth_error(rs, 500, "server_error", 50000, "The mock could not sign a token.");
        return;
    }
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "token_type", "Bearer");
    cJSON_AddNumberToObject(body, "expires_in", (double)(long)m->opt.token_lifetime);
    cJSON_AddNumberToObject(body, "ext_expires_in", (double)(long)m->opt.token_lifetime);
    cJSON_AddStringToObject(body, "access_token", token);
    free(token);
    mock_reply(rs, 200, body);
    rs->redact_tokens = true;
}

static void token_endpoint(struct armmock *m, const struct mock_request *rq, const char *tenant,
                           struct mock_response *rs)
{
    char *grant = form_value(rq->body, "grant_type");
    char *client = form_value(rq->body, "client_id");
    char *secret = form_value(rq->body, "client_secret");
    char *scope = form_value(rq->body, "scope");
    const char *known = registered(m->secrets, m->secret_count, client);
    if (!grant || strcmp(grant, "client_credentials") != 0)
        oauth_error(rs, 400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.");
    else if (!client)
        oauth_error(rs, 400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.");
    else if (!scope)
        oauth_error(rs, 400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.");
    else if (!secret)
        oauth_error(rs, 401, "invalid_client", 7000218,
                    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    else if (!known && !m->opt.accept_any_client)
        oauth_error(rs, 400, "unauthorized_client", 700016, "Application was not found in the directory.");
    else if (known && strcmp(known, secret) != 0)
        oauth_error(rs, 401, "invalid_client", 7000215, "Invalid client secret provided.");
    else
        issue(m, rq, client, tenant, scope, rs);
    free(grant);
    free(client);
    if (secret) {
        OPENSSL_cleanse(secret, strlen(secret));
        free(secret);
    }
    free(scope);
}

bool mock_entra_handle(struct armmock *m, const struct mock_request *rq, struct mock_response *rs)
{
    /* POST /{tenant}/oauth2/v2.0/token */
    if (rq->nsegs == 4 && strcasecmp(rq->segs[1], "oauth2") == 0 && strcasecmp(rq->segs[2], "v2.0") == 0 &&
        strcasecmp(rq->segs[3], "token") == 0) {
        if (strcmp(rq->method, "POST") != 0)
            oauth_error(rs, 405, "invalid_request", 900561, "The endpoint only accepts POST requests.");
        else
            token_endpoint(m, rq, rq->segs[0], rs);
        return true;
    }
    return false;
}
