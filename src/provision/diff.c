/*
 * diff.c - what differs between the body aksnet would send and the resource
 * ARM holds, and which of those differences ARM cannot apply in place.
 *
 * The walk follows the desired body only: a member that only ARM's copy has
 * (read-only state, defaults ARM filled in, what another tool set) is no
 * difference.  Values are compared as ARM treats them: ids, enums and
 * locations case-insensitively (ARM returns "linux" for "Linux" and ids in
 * whatever case they were written), tag values and names exactly, numbers
 * by value, arrays of named objects element by element by name, other
 * arrays as sets.
 */
#include "resources.h"
#include "utf8.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PATH_MAX_LEN 256

/* The walk's state; out NULL means "count only" (used to compare array elements). */
struct walk {
    const char *const *immutable;
    struct aksnet__differences *out;
    size_t cap;
    size_t found;
    bool oom;
};

static void compare(struct walk *w, const cJSON *want, const cJSON *have, const char *path, bool exact);

/* ---- immutable paths -------------------------------------------------------- */

/*
 * What ARM refuses to change in place, per type (api-versions of
 * resources.h).  Location everywhere.  AKS: the network profile's plugin,
 * ranges and outbound type (the 2024-09-01 spec: outboundType "can only be
 * set at cluster creation time"; newer AKS migrates some outbound types, but
 * aksnet stops rather than try), the DNS prefix, and per pool the subnet,
 * pods per node, OS, VM size and pool type.  The identity type is absent:
 * AKS moves a cluster from system- to user-assigned in place.  A subnet's
 * range is treated as fixed (ARM refuses it while anything uses the
 * subnet, which for aksnet's subnet is always).  Role assignments are
 * immutable as a whole: a different one is a delete and a create.
 */
static const char *const AKS_IMMUTABLE[] = {
    "location",
    "properties.dnsPrefix",
    "properties.networkProfile.networkPlugin",
    "properties.networkProfile.podCidr",
    "properties.networkProfile.serviceCidr",
    "properties.networkProfile.dnsServiceIP",
    "properties.networkProfile.outboundType",
    "properties.agentPoolProfiles[*].vnetSubnetID",
    "properties.agentPoolProfiles[*].maxPods",
    "properties.agentPoolProfiles[*].osType",
    "properties.agentPoolProfiles[*].vmSize",
    "properties.agentPoolProfiles[*].type",
    NULL};
static const char *const VNET_IMMUTABLE[] = {"location", "properties.subnets[*].properties.addressPrefix", NULL};
static const char *const SUBNET_IMMUTABLE[] = {"properties.addressPrefix", NULL};
static const char *const ROLE_IMMUTABLE[] = {"*", NULL};
static const char *const LOCATION_IMMUTABLE[] = {"location", NULL};

const char *const *aksnet__resources_immutable_paths(const char *arm_type)
{
    static const struct {
        const char *type;
        const char *const *paths;
    } table[] = {
        {"Microsoft.ContainerService/managedClusters", AKS_IMMUTABLE},
        {"Microsoft.Network/virtualNetworks", VNET_IMMUTABLE},
        {"Microsoft.Network/virtualNetworks/subnets", SUBNET_IMMUTABLE},
        {"Microsoft.Authorization/roleAssignments", ROLE_IMMUTABLE},
    };
    for (size_t i = 0; arm_type && i < sizeof(table) / sizeof(table[0]); i++)
        if (strcasecmp(arm_type, table[i].type) == 0)
            return table[i].paths;
    return LOCATION_IMMUTABLE; /* resource groups, route tables, identities, anything else */
}

/*
 * Match path against the start of pattern ("[*]" in pattern matches any one
 * "[name]" in path, "*" alone every path).  Returns what of pattern is left
 * once path is used up ("" for a full match), or NULL if they part.
 */
static const char *match_start(const char *pattern, const char *path)
{
    if (strcmp(pattern, "*") == 0)
        return "";
    while (*path) {
        if (strncmp(pattern, "[*]", 3) == 0) {
            const char *close = *path == '[' ? strchr(path, ']') : NULL;
            if (!close)
                return NULL;
            pattern += 3;
            path = close + 1;
        } else if (*pattern && tolower((unsigned char)*pattern) == tolower((unsigned char)*path)) {
            pattern++;
            path++;
        } else {
            return NULL;
        }
    }
    return pattern;
}

/*
 * Whether a difference at path touches an immutable field: the path is one,
 * or (for a member missing as a whole) holds one below it.
 */
static bool is_immutable(const char *const *patterns, const char *path, bool whole_member)
{
    for (size_t i = 0; patterns && patterns[i]; i++) {
        const char *rest = match_start(patterns[i], path);
        if (rest && (rest[0] == '\0' || (whole_member && (rest[0] == '.' || rest[0] == '['))))
            return true;
    }
    return false;
}

/* ---- recording --------------------------------------------------------------- */

/*
 * A value as a person reads it: strings bare, the rest as compact JSON;
 * "(absent)" for none.  ARM's values are shown as progress lines and
 * events: fit to show (aksnet__utf8_sanitize), cut on a character boundary.
 */
static void describe(struct walk *w, const cJSON *v, char out[256])
{
    if (!v) {
        snprintf(out, 256, "(absent)");
        return;
    }
    if (cJSON_IsString(v)) {
        aksnet__utf8_sanitize(out, 256, v->valuestring);
        return;
    }
    char *text = cJSON_PrintUnformatted(v);
    if (!text)
        w->oom = true;
    aksnet__utf8_sanitize(out, 256, text);
    free(text);
}

/* Note one difference (or only count it, when the walk keeps none). */
static void record(struct walk *w, const char *path, const cJSON *want, const cJSON *have, bool whole_member)
{
    w->found++;
    if (!w->out || w->oom)
        return;
    if (w->out->count == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 8;
        struct aksnet__difference *items = realloc(w->out->items, cap * sizeof(*items));
        if (!items) {
            w->oom = true;
            return;
        }
        w->out->items = items;
        w->cap = cap;
    }
    struct aksnet__difference *d = &w->out->items[w->out->count++];
    aksnet__utf8_sanitize(d->path, sizeof(d->path), path);
    describe(w, want, d->want);
    describe(w, have, d->have);
    d->immutable = is_immutable(w->immutable, path, whole_member);
}

/* ---- comparing ----------------------------------------------------------------- */

/* Whether want is matched by have, without recording anything. */
static bool covered(const struct walk *w, const cJSON *want, const cJSON *have, bool exact)
{
    struct walk probe = {.immutable = w->immutable, .out = NULL, .cap = 0, .found = 0, .oom = false};
    compare(&probe, want, have, "", exact);
    return probe.found == 0;
}

/* Scalars: strings by text (exactly or ignoring case), numbers by value, booleans and null by kind. */
static bool scalar_equal(const cJSON *want, const cJSON *have, bool exact)
{
    if (cJSON_IsString(want))
        return cJSON_IsString(have) && (exact ? strcmp(want->valuestring, have->valuestring) == 0
                                              : strcasecmp(want->valuestring, have->valuestring) == 0);
    if (cJSON_IsNumber(want))
        return cJSON_IsNumber(have) && want->valuedouble == have->valuedouble;
    if (cJSON_IsBool(want))
        return cJSON_IsBool(have) && cJSON_IsTrue(want) == cJSON_IsTrue(have);
    return cJSON_IsNull(want) && cJSON_IsNull(have);
}

/* True if array is not empty and every element is an object with a string "name". */
static bool all_named(const cJSON *array)
{
    const cJSON *e;
    if (cJSON_GetArraySize(array) == 0)
        return false;
    cJSON_ArrayForEach(e, array)
    {
        if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "name")))
            return false;
    }
    return true;
}

/* The element of have named name, ignoring case. */
static const cJSON *find_named(const cJSON *have, const char *name)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, have)
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(e, "name");
        if (cJSON_IsString(n) && strcasecmp(n->valuestring, name) == 0)
            return e;
    }
    return NULL;
}

/* Whether some element of set covers x (x_is_want) or is covered by x. */
static bool in_set(const struct walk *w, const cJSON *x, const cJSON *set, bool x_is_want, bool exact)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, set)
    {
        if (x_is_want ? covered(w, x, e, exact) : covered(w, e, x, exact))
            return true;
    }
    return false;
}

/* Arrays of named objects: each wanted element against the one of its name; others as sets. */
static void compare_array(struct walk *w, const cJSON *want, const cJSON *have, const char *path, bool exact)
{
    if (!cJSON_IsArray(have)) {
        record(w, path, want, have, false);
        return;
    }
    const cJSON *e;
    if (all_named(want)) {
        cJSON_ArrayForEach(e, want)
        {
            const char *name = cJSON_GetObjectItemCaseSensitive(e, "name")->valuestring;
            char sub[PATH_MAX_LEN];
            snprintf(sub, sizeof(sub), "%s[%s]", path, name);
            const cJSON *match = find_named(have, name);
            if (match)
                compare(w, e, match, sub, exact);
            else
                record(w, sub, e, NULL, false);
        }
        return;
    }
    bool same = true;
    cJSON_ArrayForEach(e, want)
    {
        same = same && in_set(w, e, have, true, exact);
    }
    cJSON_ArrayForEach(e, have)
    {
        same = same && in_set(w, e, want, false, exact);
    }
    if (!same)
        record(w, path, want, have, false);
}

/* Objects: each wanted member against have's member of that name (the names of tags ignore case). */
static void compare_object(struct walk *w, const cJSON *want, const cJSON *have, const char *path, bool exact)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, want)
    {
        char sub[PATH_MAX_LEN];
        snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "", m->string);
        const cJSON *h = cJSON_GetObjectItem(have, m->string);
        bool child_exact = exact || strcmp(sub, "tags") == 0; /* ARM names ignore case; tag values do not */
        if (!h)
            record(w, sub, m, NULL, true);
        else
            compare(w, m, h, sub, child_exact);
    }
}

/* Compare want with have at path; exact: strings must match in case too. */
static void compare(struct walk *w, const cJSON *want, const cJSON *have, const char *path, bool exact)
{
    if (cJSON_IsObject(want)) {
        if (cJSON_IsObject(have))
            compare_object(w, want, have, path, exact);
        else
            record(w, path, want, have, false);
    } else if (cJSON_IsArray(want)) {
        compare_array(w, want, have, path, exact);
    } else if (!scalar_equal(want, have, exact)) {
        record(w, path, want, have, false);
    }
}

aksnet_code aksnet__resources_diff(const cJSON *desired, const cJSON *existing, const char *const *immutable_paths,
                                   struct aksnet__differences *out)
{
    if (!out)
        return AKSNET_EINVAL;
    out->items = NULL;
    out->count = 0;
    if (!cJSON_IsObject(desired))
        return AKSNET_EINVAL;
    struct walk w = {.immutable = immutable_paths, .out = out, .cap = 0, .found = 0, .oom = false};
    compare_object(&w, desired, cJSON_IsObject(existing) ? existing : NULL, "", false);
    if (w.oom) {
        aksnet__resources_differences_free(out);
        return AKSNET_ENOMEM;
    }
    return AKSNET_OK;
}

void aksnet__resources_differences_free(struct aksnet__differences *d)
{
    if (!d)
        return;
    free(d->items);
    d->items = NULL;
    d->count = 0;
}
