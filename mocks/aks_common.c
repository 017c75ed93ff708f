/*
 * aks_common.c - the small parts every step of a managed cluster's PUT and
 * operation is written with, so that each step reads as AKS's rule and not
 * as cJSON bookkeeping: a member read with ARM's deserialization error when
 * it has the wrong JSON type, AKS's 400 with the field it blames, defaults,
 * a plain tracked body for what AKS makes, an operation's planned failure.
 *
 * Depends on: util.c (mock_reply_error()).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arm_aks.h"

/* AKS's answer to a request it refuses: 400 with code, message and the field it blames. */
bool aks_refuse(struct mock_response *rs, const char *code, const char *target, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    mock_reply_error(rs, 400, code, "%s", msg);
    cJSON *err = cJSON_GetObjectItemCaseSensitive(rs->json, "error");
    if (err && target)
        cJSON_AddStringToObject(err, "target", target);
    return false;
}

/* The request held a member of the wrong JSON type: ARM's deserialization error. */
bool aks_bad_type(struct mock_response *rs, const char *path, const char *want)
{
    mock_reply_error(rs, 400, "InvalidRequestContent",
                     "The request content was invalid and could not be deserialized: '%s' must be %s.", path, want);
    return false;
}

/* ARM's deserializer reads an absent member and a JSON null alike: both mean the default. */
static const cJSON *given(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNull(v) ? NULL : v;
}

/* A string member: *out = dflt when absent or null; false after refusing another type. */
bool aks_get_str(const cJSON *o, const char *key, const char *path, const char *dflt, const char **out,
                 struct mock_response *rs)
{
    const cJSON *v = given(o, key);
    if (v && !cJSON_IsString(v))
        return aks_bad_type(rs, path, "a string");
    *out = v ? v->valuestring : dflt;
    return true;
}

/* An integer member, range-checked before any cast (UBSan watches float casts). */
bool aks_get_int(const cJSON *o, const char *key, const char *path, long dflt, long *out,
                 struct mock_response *rs)
{
    const cJSON *v = given(o, key);
    double d = !v ? 0 : cJSON_IsNumber(v) ? v->valuedouble : 0.5;
    if (v && (!(d >= -1e9 && d <= 1e9) || (double)(long)d != d))
        return aks_bad_type(rs, path, "an integer");
    *out = v ? (long)d : dflt;
    return true;
}

/* A boolean member: ARM refuses "true" as a string, so only JSON true and false pass. */
bool aks_get_bool(const cJSON *o, const char *key, const char *path, bool dflt, bool *out,
                  struct mock_response *rs)
{
    const cJSON *v = given(o, key);
    if (v && !cJSON_IsBool(v))
        return aks_bad_type(rs, path, "true or false");
    *out = v ? cJSON_IsTrue(v) : dflt;
    return true;
}

/* Every lookup below tolerates a missing properties member: cJSON answers NULL for a NULL object. */
cJSON *aks_props_of(const cJSON *o)
{
    return cJSON_GetObjectItemCaseSensitive(o, "properties");
}

/* Add key = value unless the object already has the key (a JSON null is replaced: it means the default). */
void aks_default_str(cJSON *o, const char *key, const char *value)
{
    if (!given(o, key))
        mock_json_set(o, key, cJSON_CreateString(value));
}

/* As aks_default_str, for the numbers AKS fills in (osDiskSizeGB). */
void aks_default_num(cJSON *o, const char *key, double value)
{
    if (!given(o, key))
        mock_json_set(o, key, cJSON_CreateNumber(value));
}

/*
 * A new eTag on the cluster and on each of its pools: AKS changes both on
 * every cluster-level write (https://learn.microsoft.com/azure/aks/use-etags;
 * examples/ManagedClustersGet.json 2024-09-01 shows both, which the
 * 2024-09-01 model does not declare).  A GUID, as the docs page shows one.
 */
void aks_new_etags(cJSON *cluster)
{
    char etag[37];
    mock_uuid(etag);
    mock_json_set_str(cluster, "eTag", etag);
    cJSON *pool;
    cJSON_ArrayForEach(pool, cJSON_GetObjectItemCaseSensitive(aks_props_of(cluster), "agentPoolProfiles")) {
        mock_uuid(etag);
        if (cJSON_IsObject(pool))
            mock_json_set_str(pool, "eTag", etag);
    }
}

/* snprintf that says whether everything fitted. */
bool aks_fmt_ok(char *out, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, len, fmt, ap);
    va_end(ap);
    return n >= 0 && (size_t)n < len;
}

/* A plain tracked body as the network and identity types keep them. */
cJSON *aks_tracked_body(const char *id, const char *name, const char *type, const char *location)
{
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "id", id);
    cJSON_AddStringToObject(b, "name", name);
    cJSON_AddStringToObject(b, "type", type);
    cJSON_AddStringToObject(b, "location", location);
    cJSON_AddObjectToObject(b, "tags");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(b, "properties"), "provisioningState", "Succeeded");
    return b;
}

/* A check at completion fails the operation, not the request: lro.c reports the planned error. */
void aks_fail_op(struct mock_op *op, const char *code, const char *message)
{
    free(op->fail_code);
    free(op->fail_message);
    op->fail_code = strdup(code);
    op->fail_message = strdup(message);
}
