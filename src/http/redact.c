/*
 * redact.c - bodies made fit for a log: JSON members and form fields whose
 * names say secret (token, password, assertion, ...) become "***".
 */
#include "http.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/crypto.h>

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
bool aksnet__http_secret_header(const char *name)
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
