/*
 * redact.c - text made fit for a log or a message: JSON members and form
 * fields whose names say secret (token, password, assertion, ...) become
 * "***", and so does every value of a client's redaction set, wherever it
 * appears (a server may quote a secret back in any field).
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

/*
 * Replace the value of every secret member with "***", and every known
 * value in names and strings (masking only shortens: done in place);
 * false when out of memory.
 */
static bool redact_json(cJSON *node, struct aksnet__redact_set *known)
{
    cJSON *child = node->child;
    while (child) {
        cJSON *next = child->next;
        if (child->string && !(child->type & cJSON_StringIsConst))
            aksnet__redact_text(known, child->string);
        if (cJSON_IsString(child))
            aksnet__redact_text(known, child->valuestring);
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
        } else if (!redact_json(child, known)) {
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

/*
 * Other text: kept, cut at 4 KiB, control characters shown as '.' so a
 * body cannot drive a terminal.  Known values are masked in the whole text
 * before the cut, so that no part of one is shown.
 */
static char *redact_text(const char *body, size_t len, struct aksnet__redact_set *known)
{
    char *all = malloc(len + 1);
    if (!all)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)body[i];
        all[i] = (c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f ? '.' : (char)c;
    }
    all[len] = '\0';
    aksnet__redact_text(known, all);
    size_t n = strlen(all);
    if (n <= AKSNET_HTTP_LOG_TEXT_MAX)
        return all;
    char *out = malloc(AKSNET_HTTP_LOG_TEXT_MAX + 48);
    if (out) {
        memcpy(out, all, AKSNET_HTTP_LOG_TEXT_MAX);
        snprintf(out + AKSNET_HTTP_LOG_TEXT_MAX, 48, "... (%zu more bytes)", n - AKSNET_HTTP_LOG_TEXT_MAX);
    }
    free(all);
    return out;
}

/* JSON first (any depth), then a form, else plain text; always a fresh string for the log. */
char *aksnet__http_redact_body_known(const char *body, size_t len, struct aksnet__redact_set *known)
{
    if (!body || len == 0)
        return strdup("");
    cJSON *j = cJSON_ParseWithLength(body, len);
    if (j) {
        char *out = redact_json(j, known) ? cJSON_PrintUnformatted(j) : NULL;
        cleanse_node(j);
        cJSON_Delete(j);
        aksnet__redact_text(known, out);
        return out ? out : strdup("(body not shown: out of memory)");
    }
    char *out = looks_like_form(body, len) ? redact_form(body, len) : redact_text(body, len, known);
    aksnet__redact_text(known, out);
    return out;
}

char *aksnet__http_redact_body(const char *body, size_t len)
{
    return aksnet__http_redact_body_known(body, len, NULL);
}

/* ---- the redaction set ------------------------------------------------------------------ */

void aksnet__redact_init(struct aksnet__redact_set *set)
{
    memset(set, 0, sizeof(*set));
    pthread_mutex_init(&set->lock, NULL);
}

static void drop(struct aksnet__redact_entry *e)
{
    if (e->value) {
        OPENSSL_cleanse(e->value, e->len);
        free(e->value);
    }
    memset(e, 0, sizeof(*e));
}

void aksnet__redact_free(struct aksnet__redact_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->count; i++)
        drop(&set->entries[i]);
    set->count = 0;
    pthread_mutex_destroy(&set->lock);
}

/* The slot a new value takes: a free one, else the oldest value not pinned; AKSNET__REDACT_MAX when none. */
static size_t free_slot(const struct aksnet__redact_set *set)
{
    if (set->count < AKSNET__REDACT_MAX)
        return set->count;
    size_t oldest = AKSNET__REDACT_MAX;
    for (size_t i = 0; i < set->count; i++)
        if (!set->entries[i].pinned && (oldest == AKSNET__REDACT_MAX || set->entries[i].seq < set->entries[oldest].seq))
            oldest = i;
    return oldest;
}

aksnet_code aksnet__redact_add(struct aksnet__redact_set *set, const char *value, bool pinned)
{
    size_t n = value ? strlen(value) : 0;
    if (!set || n < AKSNET__REDACT_MIN)
        return AKSNET_OK;
    aksnet_code rc = AKSNET_OK;
    pthread_mutex_lock(&set->lock);
    bool known = false;
    for (size_t i = 0; i < set->count && !known; i++) {
        struct aksnet__redact_entry *e = &set->entries[i];
        known = e->len == n && memcmp(e->value, value, n) == 0;
        if (known)
            e->pinned = e->pinned || pinned;
    }
    size_t slot = known ? AKSNET__REDACT_MAX : free_slot(set);
    if (slot < AKSNET__REDACT_MAX) {
        char *copy = malloc(n + 1);
        if (!copy) {
            rc = AKSNET_ENOMEM;
        } else {
            memcpy(copy, value, n + 1);
            if (slot < set->count)
                drop(&set->entries[slot]);
            else
                set->count++;
            set->entries[slot] = (struct aksnet__redact_entry){copy, n, pinned, ++set->seq};
        }
    }
    pthread_mutex_unlock(&set->lock);
    return rc;
}

/* Every copy of v[0..n) in text becomes "***" (shorter than v: in place). */
static void mask_one(char *text, const char *v, size_t n)
{
    char *p = text;
    while ((p = strstr(p, v)) != NULL) {
        memmove(p + 3, p + n, strlen(p + n) + 1);
        memcpy(p, "***", 3);
        p += 3;
    }
}

/* Longest values first, so that a value holding another is masked whole. */
void aksnet__redact_text(struct aksnet__redact_set *set, char *text)
{
    if (!set || !text || !*text)
        return;
    pthread_mutex_lock(&set->lock);
    bool done[AKSNET__REDACT_MAX] = {false};
    for (size_t k = 0; k < set->count; k++) {
        size_t best = AKSNET__REDACT_MAX;
        for (size_t i = 0; i < set->count; i++)
            if (!done[i] && (best == AKSNET__REDACT_MAX || set->entries[i].len > set->entries[best].len))
                best = i;
        if (best == AKSNET__REDACT_MAX)
            break;
        done[best] = true;
        mask_one(text, set->entries[best].value, set->entries[best].len);
    }
    pthread_mutex_unlock(&set->lock);
}

void aksnet__redact_error(struct aksnet__redact_set *set, struct aksnet_error *err)
{
    if (!err)
        return;
    aksnet__redact_text(set, err->message);
    aksnet__redact_text(set, err->arm_code);
    aksnet__redact_text(set, err->arm_message);
    aksnet__redact_text(set, err->request_id);
}
