/*
 * auth_answer.c - what the credentials share about talking to a token
 * service: sending through the pipeline, reading a token answer (numbers
 * as JSON numbers or strings, as v2, v1 and IMDS write them), and turning
 * a refusal into a message that quotes Entra ID's error and AADSTS code,
 * first line only, and never anything the request carried.
 */
#include "auth_internal.h"
#include "utf8.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

/* The names messages and `aksnet whoami` use, as the Azure SDKs' documentation calls them. */
const char *aksnet_credential_name(aksnet_credential_kind kind)
{
    switch (kind) {
    case AKSNET_CREDENTIAL_CLIENT_SECRET:
        return "client secret";
    case AKSNET_CREDENTIAL_CLIENT_CERTIFICATE:
        return "client certificate";
    case AKSNET_CREDENTIAL_WORKLOAD_IDENTITY:
        return "workload identity";
    case AKSNET_CREDENTIAL_MANAGED_IDENTITY:
        return "managed identity";
    case AKSNET_CREDENTIAL_AZURE_CLI:
        return "Azure CLI";
    case AKSNET_CREDENTIAL_NONE:
    default:
        return "none";
    }
}

/* Every credential reads time through the chain's clock, so that tests can move it. */
double aksnet__auth_now(const struct aksnet__auth *a)
{
    return a->clock->now(a->clock->ctx);
}

/* Longest piece of a server's answer quoted in a message. */
#define QUOTE_MAX 300

/* The escaped copy is moved to our own allocation so that it can be wiped and freed like the rest. */
char *aksnet__auth_escape(const char *s)
{
    char *e = curl_easy_escape(NULL, s, (int)strlen(s));
    if (!e)
        return NULL;
    char *copy = strdup(e);
    OPENSSL_cleanse(e, strlen(e));
    curl_free(e);
    return copy;
}

/* cJSON frees without wiping: clear every string first (an answer holds a token). */
static void cleanse_json(cJSON *node)
{
    for (; node; node = node->next) {
        if (node->valuestring)
            OPENSSL_cleanse(node->valuestring, strlen(node->valuestring));
        cleanse_json(node->child);
    }
}

/* The whole tree is wiped, the root included, before cJSON frees it. */
void aksnet__auth_json_free(cJSON *json)
{
    if (!json)
        return;
    cleanse_json(json->child);
    if (json->valuestring)
        OPENSSL_cleanse(json->valuestring, strlen(json->valuestring));
    cJSON_Delete(json);
}

/*
 * A server's text for a message: its first line only (Entra ID appends
 * trace and correlation ids on the next ones), cut at QUOTE_MAX bytes on a
 * character boundary, control characters as ' ' and bytes that are not
 * UTF-8 as '?' (aksnet__utf8_sanitize copies byte for byte otherwise).
 */
static void quote_line(char *out, size_t len, const char *text)
{
    size_t n = text ? strcspn(text, "\r\n") : 0;
    if (n > QUOTE_MAX)
        n = QUOTE_MAX;
    aksnet__utf8_sanitize(out, n + 1 < len ? n + 1 : len, text);
    n = strlen(out);
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

/*
 * Whatever kept the answer from arriving (refused, reset, TLS, URL rule)
 * is an authentication failure for the user: exit code 3, with the reason;
 * but a run that was cancelled (Ctrl-C) stays cancelled.
 */
aksnet_code aksnet__auth_send(const struct aksnet__auth *a, const char *cred, const char *what,
                              struct aksnet__http_request *rq, struct aksnet__http_response *rs,
                              struct aksnet_error *err)
{
    struct aksnet_error why;
    aksnet_error_clear(&why);
    aksnet_code rc = a->pipeline->process(a->pipeline, rq, rs, &why);
    if (rc == AKSNET_OK)
        return AKSNET_OK;
    aksnet__http_response_free(rs);
    if (rc == AKSNET_ENOMEM)
        return aksnet_error_set(err, rc, "%s: out of memory", cred);
    if (rc == AKSNET_ECANCELED)
        return aksnet_error_set(err, rc, "%s: %s", cred, why.message[0] ? why.message : aksnet_strerror(rc));
    return aksnet_error_set(err, AKSNET_EAUTH, "%s: cannot reach %s: %s", cred, what,
                            why.message[0] ? why.message : aksnet_strerror(rc));
}

/* A number given as a JSON number or as a decimal string (v1 and IMDS write strings). */
static bool json_number(const cJSON *v, double *out)
{
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
        return isfinite(*out);
    }
    if (!cJSON_IsString(v) || !v->valuestring[0])
        return false;
    char *end = NULL;
    errno = 0;
    double d = strtod(v->valuestring, &end);
    if (errno || !end || *end || !isfinite(d) || v->valuestring[0] == ' ')
        return false;
    *out = d;
    return true;
}

/* A token goes into an HTTP header: nothing that could break the header or the log line. */
bool aksnet__auth_token_ok(const char *token)
{
    size_t n = 0;
    for (; token && token[n]; n++)
        if ((unsigned char)token[n] <= 0x20 || (unsigned char)token[n] >= 0x7f)
            return false;
    return n > 0 && n <= AUTH_TOKEN_MAX;
}

/* A tenant goes into the token URL's path: a GUID or a domain name, nothing that could change the path. */
bool aksnet__auth_tenant_ok(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n >= AUTH_ID_MAX || t[0] == '.' || t[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
              c == '_'))
            return false;
    }
    return strstr(t, "..") == NULL;
}

/* A token already expired, or said to live for weeks, means a confused server or clock: say so now. */
aksnet_code aksnet__auth_check_expiry(const char *cred, const char *source, double expires_on, double now,
                                      struct aksnet_error *err)
{
    if (expires_on <= now)
        return aksnet_error_set(err, AKSNET_EAUTH, "%s: %s gave a token that has already expired", cred, source);
    if (expires_on - now > AUTH_MAX_LIFETIME)
        return aksnet_error_set(err, AKSNET_EAUTH,
                                "%s: %s gave a token said to live %.0f s, more than 7 days: not believed", cred,
                                source, expires_on - now);
    return AKSNET_OK;
}

/*
 * expires_in is preferred to expires_on when both are there (IMDS): it is
 * relative, so a skewed clock on either side does not matter.
 */
aksnet_code aksnet__auth_parse_token(const char *cred, const char *source, const struct aksnet__http_response *rs,
                                     double now, struct auth_token *tok, struct aksnet_error *err)
{
    memset(tok, 0, sizeof(*tok));
    cJSON *json = rs->body ? cJSON_ParseWithLength(rs->body, rs->body_len) : NULL;
    aksnet_code rc = AKSNET_OK;
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(json, "access_token");
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(json, "expires_in");
    const cJSON *on = cJSON_GetObjectItemCaseSensitive(json, "expires_on");
    double value = 0;
    if (!cJSON_IsObject(json)) {
        rc = aksnet_error_set(err, AKSNET_EAUTH, "%s: %s answered HTTP %ld with something that is not a JSON object",
                              cred, source, rs->status);
    } else if (!cJSON_IsString(at) || !at->valuestring[0]) {
        rc = aksnet_error_set(err, AKSNET_EAUTH, "%s: %s's answer has no access_token", cred, source);
    } else if (!aksnet__auth_token_ok(at->valuestring)) {
        rc = aksnet_error_set(err, AKSNET_EAUTH, "%s: %s's access_token is malformed (not printable, or too long)",
                              cred, source);
    } else if (in && !json_number(in, &value)) {
        rc = aksnet_error_set(err, AKSNET_EAUTH, "%s: %s's expires_in is not a number", cred, source);
    } else if (in && value <= 0) {
        rc = aksnet_error_set(err, AKSNET_EAUTH, "%s: %s's expires_in is %.0f: not a positive number of seconds",
                              cred, source, value);
    } else if (in) {
        tok->expires_on = now + value;
    } else if (!on) {
        rc = aksnet_error_set(err, AKSNET_EAUTH, "%s: %s's answer has neither expires_in nor expires_on", cred,
                              source);
    } else if (!json_number(on, &value)) {
        rc = aksnet_error_set(err, AKSNET_EAUTH, "%s: %s's expires_on is not a number of seconds", cred, source);
    } else {
        tok->expires_on = value;
    }
    if (rc == AKSNET_OK)
        rc = aksnet__auth_check_expiry(cred, source, tok->expires_on, now, err);
    if (rc == AKSNET_OK && !(tok->value = strdup(at->valuestring)))
        rc = aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    aksnet__auth_json_free(json);
    return rc;
}

/*
 * Entra ID's description starts with the AADSTS code; when it does not,
 * error_codes supplies it, so the user can always look the code up.
 */
aksnet_code aksnet__auth_refused(const char *cred, const char *source, const struct aksnet__http_response *rs,
                                 struct aksnet_error *err)
{
    cJSON *json = rs->body ? cJSON_ParseWithLength(rs->body, rs->body_len) : NULL;
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(json, "error");
    const cJSON *desc = cJSON_GetObjectItemCaseSensitive(json, "error_description");
    /* ARM's envelope, {"error": {"code", "message"}}, from some managed-identity endpoints */
    if (cJSON_IsObject(error)) {
        desc = cJSON_GetObjectItemCaseSensitive(error, "message");
        error = cJSON_GetObjectItemCaseSensitive(error, "code");
    }
    const cJSON *codes = cJSON_GetObjectItemCaseSensitive(json, "error_codes");
    const cJSON *code = cJSON_IsArray(codes) ? cJSON_GetArrayItem(codes, 0) : NULL;
    char what[QUOTE_MAX + 1] = "", line[QUOTE_MAX + 1] = "", aadsts[32] = "";
    quote_line(what, sizeof(what), cJSON_IsString(error) ? error->valuestring : NULL);
    quote_line(line, sizeof(line), cJSON_IsString(desc) ? desc->valuestring : NULL);
    if (cJSON_IsNumber(code) && strncmp(line, "AADSTS", 6) != 0)
        snprintf(aadsts, sizeof(aadsts), "AADSTS%.0f: ", code->valuedouble);
    aksnet_code rc;
    if (what[0] || line[0])
        rc = aksnet_error_set(err, AKSNET_EAUTH, "%s: %s refused the token request (HTTP %ld): %s%s%s%s", cred,
                              source, rs->status, what[0] ? what : "error", line[0] || aadsts[0] ? ": " : "",
                              aadsts, line);
    else
        rc = aksnet_error_set(err, AKSNET_EAUTH, "%s: %s answered HTTP %ld without an OAuth error", cred, source,
                              rs->status);
    if (err) {
        err->http_status = (int)rs->status;
        aksnet__utf8_sanitize(err->arm_code, sizeof(err->arm_code), what); /* cut on a character boundary */
        snprintf(err->arm_message, sizeof(err->arm_message), "%s%s", aadsts, line);
    }
    aksnet__auth_json_free(json);
    return rc;
}
