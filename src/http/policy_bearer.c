/*
 * policy_bearer.c - the access token on every ARM request, and one fresh
 * token when ARM says the one sent has expired (401 with
 * error="invalid_token"), never more.
 */
#include "http.h"
#include "json.h"
#include "secret.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

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
    const cJSON *code = aksnet__json_at(j, "error.code");
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
        aksnet__secret_free(token);
        return rc;
    }
    if (!token || !*token || !aksnet__http_header_text_ok(token)) {
        aksnet__secret_free(token);
        return aksnet_error_set(err, AKSNET_EAUTH, "the credential gave an empty or malformed token");
    }
    size_t n = strlen(token) + sizeof("Bearer ");
    char *value = malloc(n);
    if (!value) {
        aksnet__secret_free(token);
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    }
    snprintf(value, n, "Bearer %s", token);
    aksnet__secret_free(token);
    rc = aksnet__http_request_set_header(rq, "Authorization", value);
    aksnet__secret_free(value);
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
