/*
 * journal.c - one JSON line per request, written when its answer is sent:
 * ts (the answer's time), arrived (the request's), connection (its serial
 * number: which connection carried it), method, path, query, status,
 * requestHeaders, requestBody, responseBody, durationMs.  Scripts and tests read it, so nothing secret
 * goes in: Authorization is cut to its scheme, form secrets and issued
 * tokens become "***".
 *
 * Depends on: util.c (mock_header(), mock_utf8_scrub()).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mock.h"

/* A JSON string of text, its bytes that are not UTF-8 replaced: every line must stay JSON that parses. */
static cJSON *safe_string(const char *text)
{
    char *copy = strdup(text ? text : "");
    if (!copy)
        return cJSON_CreateString("");
    mock_utf8_scrub(copy);
    cJSON *s = cJSON_CreateString(copy);
    free(copy);
    return s;
}

/* Headers whose values are secrets. */
static bool secret_header(const char *name)
{
    return strcasecmp(name, "X-IDENTITY-HEADER") == 0 || strcasecmp(name, "Cookie") == 0 ||
           strcasecmp(name, "Proxy-Authorization") == 0;
}

/* Headers that carry "Scheme credentials": only the scheme is kept. */
static bool credential_header(const char *name)
{
    return strcasecmp(name, "Authorization") == 0 || strcasecmp(name, "x-ms-authorization-auxiliary") == 0;
}

/*
 * "Bearer eyJ..." -> "Bearer".  A value without a space is no scheme
 * followed by credentials but a bare credential: none of it is kept.
 */
static cJSON *scheme_only(const char *value)
{
    size_t n = strcspn(value, " ");
    if (value[n] != ' ' || n == 0 || n > 31)
        return cJSON_CreateString("***");
    char scheme[32];
    snprintf(scheme, sizeof(scheme), "%.*s", (int)n, value);
    return safe_string(scheme);
}

/* Headers go to the journal with credentials cut to their scheme and secrets masked. */
static cJSON *headers_json(const struct mock_request *rq)
{
    cJSON *h = cJSON_CreateObject();
    for (size_t i = 0; h && i < rq->header_count; i++) {
        const char *name = rq->headers[i].name, *value = rq->headers[i].value;
        char *key = strdup(name);
        if (!key)
            continue;
        mock_utf8_scrub(key);
        cJSON *v = credential_header(name) ? scheme_only(value)
                   : secret_header(name)   ? cJSON_CreateString("***")
                                           : safe_string(value);
        cJSON_AddItemToObject(h, key, v);
        free(key);
    }
    return h;
}

/* A form body (the token endpoint's) with the values of secret fields masked. */
static cJSON *redacted_form(const char *body)
{
    static const char *const secret_keys[] = {"client_secret", "client_assertion", "assertion",
                                              "refresh_token", "password", "code", NULL};
    size_t n = strlen(body);
    /* "***" can be longer than the value it hides: up to 3 bytes more per field, n + 1 fields at most. */
    char *out = malloc(n + 3 * (n + 1) + 1), *w = out;
    if (!out)
        return NULL;
    const char *p = body;
    while (*p) {
        const char *amp = strchr(p, '&'), *end = amp ? amp : p + strlen(p);
        const char *eq = memchr(p, '=', (size_t)(end - p));
        bool secret = false;
        for (size_t k = 0; eq && secret_keys[k]; k++)
            secret = secret || ((size_t)(eq - p) == strlen(secret_keys[k]) &&
                                strncmp(p, secret_keys[k], (size_t)(eq - p)) == 0);
        size_t keep = secret ? (size_t)(eq - p) + 1 : (size_t)(end - p);
        memcpy(w, p, keep);
        w += keep;
        if (secret) {
            memcpy(w, "***", 3);
            w += 3;
        }
        if (amp)
            *w++ = '&';
        p = amp ? amp + 1 : end;
    }
    *w = '\0';
    cJSON *s = safe_string(out);
    free(out);
    return s;
}

/* Replace the values of secret members anywhere in a JSON copy. */
static void redact_json(cJSON *v)
{
    static const char *const keys[] = {"access_token", "refresh_token", "id_token", "accessToken",
                                       "client_secret", "client_assertion", "password", "secret", NULL};
    for (cJSON *c = v ? v->child : NULL; c; c = c->next) {
        bool secret = false;
        for (size_t k = 0; c->string && keys[k]; k++)
            secret = secret || strcmp(c->string, keys[k]) == 0;
        if (secret && cJSON_IsString(c))
            cJSON_SetValuestring(c, "***");
        else
            redact_json(c);
    }
}

/*
 * The request body as the journal keeps it: parsed JSON, a form with its
 * secrets masked, the text itself, or a note when it is not text (or was
 * refused for its size and never kept).
 */
static cJSON *request_body_json(const struct mock_request *rq)
{
    if (rq->json) {
        cJSON *copy = cJSON_Duplicate(rq->json, 1);
        redact_json(copy);
        return copy;
    }
    if (rq->body_too_large)
        return cJSON_CreateString("(body not kept: too large)");
    if (rq->body_len == 0)
        return cJSON_CreateNull();
    if (rq->body_len != strlen(rq->body))
        return cJSON_CreateString("(body not kept)");
    const char *ct = mock_header(rq, "Content-Type");
    if ((ct && strstr(ct, "x-www-form-urlencoded")) || strstr(rq->body, "client_id=") ||
        strstr(rq->body, "client_secret="))
        return redacted_form(rq->body);
    return safe_string(rq->body);
}

/* Journal lines carry millisecond UTC times, which sort as text. */
static void timestamp(double t, char out[40])
{
    time_t secs = (time_t)t;
    struct tm tm;
    gmtime_r(&secs, &tm);
    int ms = (int)((t - (double)secs) * 1000.0);
    char date[24];
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 40, "%s.%03dZ", date, ms < 0 || ms > 999 ? 0 : ms);
}

/* One JSON line per request, written whole under its own lock so that lines never interleave. */
void mock_journal_write(struct armmock *m, const struct mock_request *rq, const struct mock_response *rs,
                        double started, double finished, uint64_t connection)
{
    cJSON *line = cJSON_CreateObject();
    char ts[40];
    timestamp(finished, ts);
    cJSON_AddStringToObject(line, "ts", ts);
    timestamp(started, ts);
    cJSON_AddStringToObject(line, "arrived", ts);
    cJSON_AddNumberToObject(line, "connection", (double)connection);
    cJSON_AddItemToObject(line, "method", safe_string(rq->method));
    cJSON_AddItemToObject(line, "path", safe_string(rq->path));
    cJSON_AddItemToObject(line, "query", safe_string(rq->query));
    if (rs->drop)
        cJSON_AddNullToObject(line, "status");
    else
        cJSON_AddNumberToObject(line, "status", rs->status);
    cJSON_AddItemToObject(line, "requestHeaders", headers_json(rq));
    cJSON_AddItemToObject(line, "requestBody", request_body_json(rq));
    cJSON *resp = rs->json ? cJSON_Duplicate(rs->json, 1)
                           : (rs->text ? cJSON_CreateString(rs->text) : cJSON_CreateNull());
    redact_json(resp);
    cJSON_AddItemToObject(line, "responseBody", resp);
    cJSON_AddNumberToObject(line, "durationMs", (double)(long)((finished - started) * 1e6) / 1000.0);
    char *text = cJSON_PrintUnformatted(line);
    cJSON_Delete(line);
    if (!text)
        return;
    pthread_mutex_lock(&m->journal_lock);
    fputs(text, m->journal);
    fputc('\n', m->journal);
    fflush(m->journal);
    pthread_mutex_unlock(&m->journal_lock);
    free(text);
}
