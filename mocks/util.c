/*
 * util.c - small pieces every handler uses: building answers in ARM's
 * shapes, request lookups, JSON helpers, ids and times.
 *
 * Depends on: src/util (utf8, uuid).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "utf8.h"
#include "uuid.h"
#include "mock.h"

/* HTTP header names are case-insensitive. */
const char *mock_header(const struct mock_request *rq, const char *name)
{
    for (size_t i = 0; i < rq->header_count; i++)
        if (strcasecmp(rq->headers[i].name, name) == 0)
            return rq->headers[i].value;
    return NULL;
}

/* ARM reads query argument names case-insensitively (api-version, $filter). */
const char *mock_arg(const struct mock_request *rq, const char *name)
{
    for (size_t i = 0; i < rq->arg_count; i++)
        if (strcasecmp(rq->args[i].name, name) == 0)
            return rq->args[i].value;
    return NULL;
}

/* A handler may answer more than once (an error after a start); the last answer wins. */
void mock_reply(struct mock_response *rs, int status, cJSON *body)
{
    cJSON_Delete(rs->json);
    rs->status = status;
    rs->json = body;
}

/* Linear: each bad byte is replaced and the scan goes on after it. */
void mock_utf8_scrub(char *s)
{
    size_t len = strlen(s), at = 0;
    while ((at += aksnet__utf8_invalid_offset(s + at, len - at)) < len)
        s[at++] = '?';
}

/* Every error goes out in ARM's envelope, so that clients parse it as ARM's. */
void mock_reply_error(struct mock_response *rs, int status, const char *code, const char *fmt, ...)
{
    char msg[4096]; /* room for a list of regions or api-versions */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* A message may quote the request (a path, a name) or be cut inside a character: keep it UTF-8. */
    mock_utf8_scrub(msg);
    cJSON *root = cJSON_CreateObject();
    cJSON *err = cJSON_AddObjectToObject(root, "error");
    cJSON_AddStringToObject(err, "code", code);
    cJSON_AddStringToObject(err, "message", msg);
    cJSON_AddArrayToObject(err, "details");
    mock_reply(rs, status, root);
}

/* Headers past MOCK_MAX_HEADERS are dropped rather than overflow a fixed array. */
void mock_add_header(struct mock_response *rs, const char *name, const char *fmt, ...)
{
    if (rs->header_count == MOCK_MAX_HEADERS)
        return;
    char value[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof(value), fmt, ap);
    va_end(ap);
    struct mock_kv *kv = &rs->headers[rs->header_count];
    kv->name = strdup(name);
    kv->value = strdup(value);
    if (kv->name && kv->value) {
        rs->header_count++;
    } else {
        free(kv->name);
        free(kv->value);
    }
}

/* A response owns its body and header copies; the struct may live on the stack. */
void mock_response_free(struct mock_response *rs)
{
    cJSON_Delete(rs->json);
    free(rs->text);
    for (size_t i = 0; i < rs->header_count; i++) {
        free(rs->headers[i].name);
        free(rs->headers[i].value);
    }
    memset(rs, 0, sizeof(*rs));
}

/* The store's keys are lower-case ids; NULL when memory runs out. */
char *mock_lower(const char *s)
{
    char *out = strdup(s);
    for (char *p = out; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return out;
}

/* Names and principals are random GUIDs, as Azure makes them. */
void mock_uuid(char out[37])
{
    if (!aksnet__uuid4(out))
        snprintf(out, 37, "5a5a5a5a-5a5a-4a5a-9a5a-5a5a5a5a5a5a"); /* never reached with a working OpenSSL */
}

/*
 * The clock seam: tests set opt.clock to move time instead of sleeping.  Here
 * and not in server.c, so that handlers reading the time do not call up into the server.
 */
double mock_now(const struct armmock *m)
{
    if (m->opt.clock)
        return m->opt.clock(m->opt.clock_ctx);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ARM writes times with seven fraction digits; clients parse what ARM writes. */
void mock_time_string(double t, char out[40])
{
    time_t secs = (time_t)t;
    struct tm tm;
    gmtime_r(&secs, &tm);
    long frac = (long)((t - (double)secs) * 1e7);
    if (frac < 0 || frac > 9999999)
        frac = 0;
    char date[24];
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 40, "%s.%07ldZ", date, frac);
}

/* A member of another type reads as absent, never as a wrong pointer. */
const char *mock_json_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Handlers write into nested objects without checking each level first. */
cJSON *mock_json_obj(cJSON *obj, const char *key)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (cJSON_IsObject(v))
        return v;
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    return cJSON_AddObjectToObject(obj, key);
}

/* Replace or add, so that a member is never duplicated; takes value even on failure. */
void mock_json_set(cJSON *obj, const char *key, cJSON *value)
{
    if (!obj || !value) {
        cJSON_Delete(value);
        return;
    }
    if (cJSON_GetObjectItemCaseSensitive(obj, key))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, key, value);
    else
        cJSON_AddItemToObject(obj, key, value);
}

/* A NULL string is written as JSON null rather than crash or skip. */
void mock_json_set_str(cJSON *obj, const char *key, const char *value)
{
    mock_json_set(obj, key, value ? cJSON_CreateString(value) : cJSON_CreateNull());
}

/* ARM refuses a missing or unknown api-version and lists the ones it supports. */
bool mock_check_api_version(const struct mock_request *rq, const char *const *versions, const char *what,
                            struct mock_response *rs)
{
    const char *v = mock_arg(rq, "api-version");
    if (!v || !*v) {
        mock_reply_error(rs, 400, "MissingApiVersionParameter",
                         "The api-version query parameter (?api-version=) is required for all requests.");
        return false;
    }
    for (size_t i = 0; versions[i]; i++)
        if (strcasecmp(versions[i], v) == 0)
            return true;
    char list[2048] = "";
    size_t used = 0;
    for (size_t i = 0; versions[i] && used + 16 < sizeof(list); i++)
        used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", versions[i]);
    mock_reply_error(rs, 400, "InvalidApiVersionParameter",
                     "The api-version '%s' is invalid. The supported versions for %s are '%s'.", v, what, list);
    return false;
}
