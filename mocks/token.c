/*
 * token.c - the access tokens the mock issues and ARM's check of them.
 *
 * Tokens are real JWTs (RS256, signed with the mock's own key) so that a
 * client which inspects its token (expiry, tenant) sees what Entra ID gives.
 * ARM's answers for a missing, foreign or expired token are reproduced with
 * their codes.  The last token that verified is cached: every request of a
 * run carries the same token, and an RSA verification per GET would cost
 * more than the rest of the request.
 *
 * Depends on: util.c, src/util (jwt).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "jwt.h"
#include "mock.h"

/*
 * A principal's object id: the same for every token of one client in one
 * tenant, as a service principal's is in Entra ID, so that what ARM keys by
 * principal (throttling, createdBy) stays put across tokens.  A GUID made
 * of the SHA-256 of tenant and client (with the version-4 bits, as Azure's
 * look); Entra ID's own ids are random and not derived from anything.
 */
static void object_id(const char *tenant, const char *subject, char out[37])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
              EVP_DigestUpdate(ctx, tenant, strlen(tenant)) == 1 && EVP_DigestUpdate(ctx, "/", 1) == 1 &&
              EVP_DigestUpdate(ctx, subject, strlen(subject)) == 1 && EVP_DigestFinal_ex(ctx, d, &n) == 1 && n >= 16;
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        mock_uuid(out);
        return;
    }
    d[6] = (unsigned char)((d[6] & 0x0f) | 0x40);
    d[8] = (unsigned char)((d[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", d[0], d[1], d[2], d[3],
             d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15]);
}

/* Tokens are real JWTs signed by the mock's key, so that clients can decode them as they would Entra's. */
char *mock_token_issue(struct armmock *m, const char *subject, const char *tenant, const char *audience,
                       double now)
{
    char iss[160], oid[37];
    snprintf(iss, sizeof(iss), "https://sts.windows.net/%s/", tenant);
    object_id(tenant, subject, oid);
    cJSON *claims = cJSON_CreateObject();
    cJSON *header = cJSON_CreateObject();
    cJSON_AddStringToObject(header, "kid", m->signing_kid);
    cJSON_AddStringToObject(claims, "aud", audience);
    cJSON_AddStringToObject(claims, "iss", iss);
    cJSON_AddNumberToObject(claims, "iat", (double)(long long)now);
    cJSON_AddNumberToObject(claims, "nbf", (double)(long long)now);
    cJSON_AddNumberToObject(claims, "exp", (double)(long long)(now + m->opt.token_lifetime));
    cJSON_AddStringToObject(claims, "appid", subject);
    cJSON_AddStringToObject(claims, "sub", subject);
    cJSON_AddStringToObject(claims, "oid", oid);
    cJSON_AddStringToObject(claims, "tid", tenant);
    cJSON_AddStringToObject(claims, "ver", "1.0");
    char *token = NULL;
    struct aksnet_error err;
    if (aksnet__jwt_sign(m->signing_key, AKSNET_JWT_RS256, header, claims, &token, &err) != AKSNET_OK)
        token = NULL;
    cJSON_Delete(claims);
    cJSON_Delete(header);
    return token;
}

/* ARM's 401 names the reason twice: in the body and in WWW-Authenticate, which clients read. */
static bool unauthorized(struct mock_response *rs, const char *code, const char *message, const char *why)
{
    mock_reply_error(rs, 401, code, "%s", message);
    mock_add_header(rs, "WWW-Authenticate",
                    "Bearer authorization_uri=\"https://login.microsoftonline.com/common\", error=\"invalid_token\", "
                    "error_description=\"%s\"", why);
    return false;
}

/* ARM's answer to a token past its expiry (exp), at now. */
void mock_reply_expired(struct mock_response *rs, double exp, double now)
{
    char when[40], at[40];
    mock_time_string(exp, when);
    mock_time_string(now, at);
    mock_reply_error(rs, 401, "ExpiredAuthenticationToken",
                     "The access token expiry UTC time '%s' is earlier than current UTC time '%s'.", when, at);
    mock_add_header(rs, "WWW-Authenticate",
                    "Bearer authorization_uri=\"https://login.microsoftonline.com/common\", "
                    "error=\"invalid_token\", error_description=\"The access token is expired.\"");
}

/* Verify signature and read exp; false when the token is not one of ours. */
static bool verify(struct armmock *m, const char *token, double *exp)
{
    struct aksnet__jwt *jwt = NULL;
    struct aksnet_error err;
    bool ok = aksnet__jwt_parse(token, &jwt, &err) == AKSNET_OK &&
              aksnet__jwt_verify(jwt, m->signing_key, &err) == AKSNET_OK;
    const cJSON *e = ok ? cJSON_GetObjectItemCaseSensitive(aksnet__jwt_claims(jwt), "exp") : NULL;
    ok = ok && cJSON_IsNumber(e);
    if (ok)
        *exp = e->valuedouble;
    aksnet__jwt_free(jwt);
    return ok;
}

/*
 * Every ARM request needs a bearer token the mock signed and not yet expired; the last good one is
 * cached, so that a client's burst of requests is verified once.
 */
bool mock_token_check(struct armmock *m, const struct mock_request *rq, struct mock_response *rs)
{
    const char *auth = mock_header(rq, "Authorization");
    if (!auth || !*auth)
        return unauthorized(rs, "AuthenticationFailed",
                            "Authentication failed. The 'Authorization' header is missing.",
                            "The Authorization header is missing.");
    if (strncasecmp(auth, "Bearer ", 7) != 0 || !auth[7])
        return unauthorized(rs, "AuthenticationFailed",
                            "Authentication failed. The 'Authorization' header is provided in an invalid format.",
                            "The Authorization header is not a bearer token.");
    const char *token = auth + 7;
    double exp = 0;
    struct mock_token_cache *c = &m->token_cache;
    if (c->token && strcmp(c->token, token) == 0) {
        exp = c->exp;
    } else if (verify(m, token, &exp)) {
        free(c->token);
        c->token = strdup(token);
        c->exp = exp;
    } else {
        return unauthorized(rs, "InvalidAuthenticationToken",
                            "The access token is invalid: it was not issued by this authority.",
                            "The access token is invalid.");
    }
    if (rq->now >= exp) {
        mock_reply_expired(rs, exp, rq->now);
        return false;
    }
    return true;
}

/* A claim of the caller's bearer token, read without checking it again. */
void mock_caller_claim(const struct mock_request *rq, const char *claim, char out[64])
{
    out[0] = '\0';
    const char *auth = mock_header(rq, "Authorization");
    struct aksnet__jwt *jwt = NULL;
    struct aksnet_error e;
    if (auth && strlen(auth) > 7 && aksnet__jwt_parse(auth + 7, &jwt, &e) == AKSNET_OK) {
        const char *v = mock_json_str(aksnet__jwt_claims(jwt), claim);
        if (v)
            snprintf(out, 64, "%s", v);
    }
    aksnet__jwt_free(jwt);
}

/* The tenant of the caller's token (its "tid"), so listings match the login. */
void mock_caller_tenant(const struct mock_request *rq, char out[64])
{
    mock_caller_claim(rq, "tid", out);
    if (!out[0])
        snprintf(out, 64, "%s", MOCK_DEFAULT_TENANT);
}

