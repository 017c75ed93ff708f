/*
 * plan.c - read a plan from JSON and flags, then fill in the defaults.
 *
 * The reader is a walk over a fixed schema: every object lists the keys it
 * knows, anything else is an unknown key reported with its full path, and
 * every value is type-checked where it is read.  Problems become findings
 * and reading goes on, so one run reports them all.  Semantic rules (is this
 * CIDR inside that one?) are not here; they belong to validate.c.
 */
#include "aksnet/plan.h"

#include "json.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cidr.h"
#include "resid.h"
#include "utf8.h"

#define PATH_MAX_LEN 256
/* Integers in a plan are counts and sizes; anything past this is a typo. */
#define PLAN_INT_LIMIT 1000000000L

/* What the reader carries through the walk. */
struct reader {
    struct aksnet_findings *findings;
    int reported;   /* plan-field findings so far */
    bool oom;
};

#define MAX_FIELD_FINDINGS 100

/* ---- small owned-string helpers ---------------------------------------- */

/* Replace *dst with a copy of src (NULL clears). */
static bool set_str(char **dst, const char *src)
{
    char *copy = NULL;
    if (src && !(copy = strdup(src)))
        return false;
    free(*dst);
    *dst = copy;
    return true;
}

/* name + suffix in a fresh string ("aks1" + "-rt"). */
static char *str_concat(const char *name, const char *suffix)
{
    size_t a = strlen(name), b = strlen(suffix);
    char *s = malloc(a + b + 1);
    if (s) {
        memcpy(s, name, a);
        memcpy(s + a, suffix, b + 1);
    }
    return s;
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* ---- findings ----------------------------------------------------------- */

static void field_error(struct reader *r, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A plan-field finding about path (the path is the finding's field, not part of its message). */
static void field_error(struct reader *r, const char *path, const char *fmt, ...)
{
    /* A garbage file could yield one finding per key; past a page of them, say so once. */
    if (++r->reported > MAX_FIELD_FINDINGS) {
        if (r->reported == MAX_FIELD_FINDINGS + 1 &&
            aksnet_findings_add(r->findings, "plan-field", AKSNET_SEVERITY_ERROR, "",
                                "more than %d problems; stopped listing them", MAX_FIELD_FINDINGS) != AKSNET_OK)
            r->oom = true;
        return;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (aksnet_findings_add(r->findings, "plan-field", AKSNET_SEVERITY_ERROR, path, "%s", msg) !=
        AKSNET_OK)
        r->oom = true;
}

/* Mark a path that did not fit with a trailing "..." rather than cut it silently. */
static void path_fit(char out[PATH_MAX_LEN], int written)
{
    if (written < 0 || written >= PATH_MAX_LEN)
        memcpy(out + PATH_MAX_LEN - 4, "...", 4);
}

/* "base.key" or "key" when base is empty. */
static void path_key(char out[PATH_MAX_LEN], const char *base, const char *key)
{
    path_fit(out, snprintf(out, PATH_MAX_LEN, "%s%s%s", base, *base ? "." : "", key));
}

static void path_index(char out[PATH_MAX_LEN], const char *base, size_t i)
{
    path_fit(out, snprintf(out, PATH_MAX_LEN, "%s[%zu]", base, i));
}

static const char *json_type_name(const cJSON *v)
{
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsNumber(v)) return "a number";
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsNull(v)) return "null";
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsObject(v)) return "an object";
    return "an invalid value";
}

/*
 * Check that obj is an object whose keys are all in `known` (NULL-terminated)
 * and none is repeated.  Returns false (after a finding) if obj is not an
 * object, in which case its members must not be read.
 */
static bool check_object(struct reader *r, const cJSON *obj, const char *path,
                         const char *const known[])
{
    if (!cJSON_IsObject(obj)) {
        field_error(r, path, "expected an object, found %s", json_type_name(obj));
        return false;
    }
    bool seen[32] = {false}; /* one flag per known key: duplicates found in one pass */
    for (const cJSON *m = obj->child; m; m = m->next) {
        char sub[PATH_MAX_LEN];
        path_key(sub, path, m->string);
        size_t k = 0;
        while (known[k] && strcmp(known[k], m->string) != 0)
            k++;
        if (!known[k])
            field_error(r, sub, "unknown key '%s' (check its spelling against docs/plan.md, the plan reference)",
                        m->string);
        else if (k < sizeof(seen) && seen[k])
            field_error(r, sub, "key given twice");
        else if (k < sizeof(seen))
            seen[k] = true;
    }
    return true;
}

/* ---- typed readers: absent or null leaves the destination untouched ---- */

static const cJSON *member(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return v && !cJSON_IsNull(v) ? v : NULL;
}

static void read_string(struct reader *r, const cJSON *obj, const char *base, const char *key,
                        char **dst)
{
    const cJSON *v = member(obj, key);
    if (!v)
        return;
    char path[PATH_MAX_LEN];
    path_key(path, base, key);
    if (!cJSON_IsString(v)) {
        field_error(r, path, "expected a string, found %s", json_type_name(v));
        return;
    }
    if (!set_str(dst, v->valuestring))
        r->oom = true;
}

/* A whole number within +-PLAN_INT_LIMIT; ranges that matter are the validator's. */
static void read_long(struct reader *r, const cJSON *obj, const char *base, const char *key,
                      long *dst)
{
    const cJSON *v = member(obj, key);
    if (!v)
        return;
    char path[PATH_MAX_LEN];
    path_key(path, base, key);
    if (!cJSON_IsNumber(v)) {
        field_error(r, path, "expected a whole number, found %s", json_type_name(v));
        return;
    }
    double d = v->valuedouble;
    if (!isfinite(d) || d > (double)PLAN_INT_LIMIT || d < -(double)PLAN_INT_LIMIT) {
        field_error(r, path, "number out of range (at most %ld)", PLAN_INT_LIMIT);
        return;
    }
    if (d != floor(d)) {
        field_error(r, path, "expected a whole number, found a fraction");
        return;
    }
    *dst = (long)d;
}

static void read_bool(struct reader *r, const cJSON *obj, const char *base, const char *key,
                      bool *dst)
{
    const cJSON *v = member(obj, key);
    if (!v)
        return;
    char path[PATH_MAX_LEN];
    path_key(path, base, key);
    if (!cJSON_IsBool(v)) {
        field_error(r, path, "expected true or false, found %s", json_type_name(v));
        return;
    }
    *dst = cJSON_IsTrue(v);
}

/* An array of strings; on any wrong element the whole array is ignored. */
static void read_string_array(struct reader *r, const cJSON *obj, const char *base,
                              const char *key, char ***dst, size_t *count)
{
    const cJSON *v = member(obj, key);
    if (!v)
        return;
    char path[PATH_MAX_LEN];
    path_key(path, base, key);
    if (!cJSON_IsArray(v)) {
        field_error(r, path, "expected an array of strings, found %s", json_type_name(v));
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(v), i = 0;
    char **out = calloc(n ? n : 1, sizeof(*out));
    if (!out) {
        r->oom = true;
        return;
    }
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        if (!cJSON_IsString(e)) {
            char epath[PATH_MAX_LEN];
            path_index(epath, path, i);
            field_error(r, epath, "expected a string, found %s", json_type_name(e));
            free_strv(out, n);
            return;
        }
        if (!(out[i] = strdup(e->valuestring))) {
            r->oom = true;
            free_strv(out, n);
            return;
        }
    }
    free_strv(*dst, *count);
    *dst = out;
    *count = n;
}

/* ---- the schema, object by object --------------------------------------- */

static void read_tags(struct reader *r, const cJSON *root, struct aksnet_plan *plan)
{
    const cJSON *tags = member(root, "tags");
    if (!tags)
        return;
    if (!cJSON_IsObject(tags)) {
        field_error(r, "tags", "expected an object of string values, found %s",
                    json_type_name(tags));
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(tags);
    plan->tags = calloc(n ? n : 1, sizeof(*plan->tags));
    if (!plan->tags) {
        r->oom = true;
        return;
    }
    for (const cJSON *t = tags->child; t; t = t->next) {
        char path[PATH_MAX_LEN];
        path_key(path, "tags", t->string);
        bool repeated = false;
        for (size_t i = 0; i < plan->tag_count && !repeated; i++)
            repeated = strcmp(plan->tags[i].key, t->string) == 0;
        if (repeated) {
            field_error(r, path, "tag given twice");
            continue;
        }
        if (cJSON_IsNull(t))
            continue;
        if (!cJSON_IsString(t)) {
            field_error(r, path, "expected a string, found %s", json_type_name(t));
            continue;
        }
        struct aksnet_tag *tag = &plan->tags[plan->tag_count];
        tag->key = strdup(t->string);
        tag->value = strdup(t->valuestring);
        plan->tag_count++;
        if (!tag->key || !tag->value)
            r->oom = true;
    }
}

static void read_routes(struct reader *r, const cJSON *rt, struct aksnet_plan *plan)
{
    static const char *const known[] = {"name", "addressPrefix", "nextHopType", "nextHopIpAddress",
                                        NULL};
    const char *base = "network.routeTable.routes";
    const cJSON *routes = member(rt, "routes");
    if (!routes)
        return;
    if (!cJSON_IsArray(routes)) {
        field_error(r, base, "expected an array of routes, found %s", json_type_name(routes));
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(routes), i = 0;
    plan->route_table.routes = calloc(n ? n : 1, sizeof(struct aksnet_route));
    if (!plan->route_table.routes) {
        r->oom = true;
        return;
    }
    plan->route_table.route_count = n;
    for (const cJSON *e = routes->child; e; e = e->next, i++) {
        char path[PATH_MAX_LEN];
        path_index(path, base, i);
        struct aksnet_route *route = &plan->route_table.routes[i];
        if (!check_object(r, e, path, known)) {
            route->malformed = true;
            continue;
        }
        read_string(r, e, path, "name", &route->name);
        read_string(r, e, path, "addressPrefix", &route->address_prefix);
        read_string(r, e, path, "nextHopType", &route->next_hop_type);
        read_string(r, e, path, "nextHopIpAddress", &route->next_hop_ip);
    }
}

static void read_network(struct reader *r, const cJSON *root, struct aksnet_plan *plan)
{
    static const char *const known[] = {"vnet", "subnet", "routeTable", "avoidPrefixes", NULL};
    static const char *const vnet_keys[] = {"name", "resourceGroup", "addressPrefixes", "existing",
                                            NULL};
    static const char *const subnet_keys[] = {"name", "addressPrefix", "id", NULL};
    static const char *const rt_keys[] = {"name", "routes", NULL};
    const cJSON *net = member(root, "network");
    if (!net || !check_object(r, net, "network", known))
        return;
    const cJSON *v;
    if ((v = member(net, "vnet")) && check_object(r, v, "network.vnet", vnet_keys)) {
        read_string(r, v, "network.vnet", "name", &plan->vnet.name);
        read_string(r, v, "network.vnet", "resourceGroup", &plan->vnet.resource_group);
        read_string_array(r, v, "network.vnet", "addressPrefixes", &plan->vnet.address_prefixes,
                          &plan->vnet.address_prefix_count);
        read_bool(r, v, "network.vnet", "existing", &plan->vnet.existing);
    }
    if ((v = member(net, "subnet")) && check_object(r, v, "network.subnet", subnet_keys)) {
        read_string(r, v, "network.subnet", "name", &plan->subnet.name);
        read_string(r, v, "network.subnet", "addressPrefix", &plan->subnet.address_prefix);
        read_string(r, v, "network.subnet", "id", &plan->subnet.id);
    }
    if ((v = member(net, "routeTable")) && cJSON_IsFalse(v))
        plan->route_table.none = true; /* as the seed's first variant: AKS makes the table */
    else if (v && check_object(r, v, "network.routeTable", rt_keys)) {
        plan->route_table.given = true;
        read_string(r, v, "network.routeTable", "name", &plan->route_table.name);
        read_routes(r, v, plan);
    }
    read_string_array(r, net, "network", "avoidPrefixes", &plan->avoid_prefixes,
                      &plan->avoid_prefix_count);
}

static void read_identity(struct reader *r, const cJSON *root, struct aksnet_plan *plan)
{
    static const char *const id_keys[] = {"type", "name", "id", NULL};
    static const char *const ra_keys[] = {"scope", "roleDefinitionId", "waitSeconds", NULL};
    const cJSON *v;
    if ((v = member(root, "identity")) && check_object(r, v, "identity", id_keys)) {
        read_string(r, v, "identity", "type", &plan->identity.type);
        read_string(r, v, "identity", "name", &plan->identity.name);
        read_string(r, v, "identity", "id", &plan->identity.id);
    }
    if ((v = member(root, "roleAssignment")) && check_object(r, v, "roleAssignment", ra_keys)) {
        read_string(r, v, "roleAssignment", "scope", &plan->role_assignment.scope);
        read_string(r, v, "roleAssignment", "roleDefinitionId",
                    &plan->role_assignment.role_definition_id);
        read_long(r, v, "roleAssignment", "waitSeconds", &plan->role_assignment.wait_seconds);
    }
}

static void pool_init(struct aksnet_node_pool *p)
{
    memset(p, 0, sizeof(*p));
    p->count = p->max_pods = p->min_count = p->max_count = AKSNET_PLAN_UNSET;
}

static void read_pool(struct reader *r, const cJSON *e, const char *path, struct aksnet_node_pool *p)
{
    static const char *const known[] = {"name", "count", "vmSize", "maxPods", "osType", "mode",
                                        "maxSurge", "enableAutoScaling", "minCount", "maxCount",
                                        NULL};
    if (!check_object(r, e, path, known)) {
        p->malformed = true;
        return;
    }
    read_string(r, e, path, "name", &p->name);
    read_long(r, e, path, "count", &p->count);
    read_string(r, e, path, "vmSize", &p->vm_size);
    read_long(r, e, path, "maxPods", &p->max_pods);
    read_string(r, e, path, "osType", &p->os_type);
    read_string(r, e, path, "mode", &p->mode);
    read_bool(r, e, path, "enableAutoScaling", &p->enable_auto_scaling);
    read_long(r, e, path, "minCount", &p->min_count);
    read_long(r, e, path, "maxCount", &p->max_count);
    /* maxSurge is a string in ARM ("1", "33%"); a bare number is taken as a node count. */
    const cJSON *s = member(e, "maxSurge");
    if (s && cJSON_IsNumber(s)) {
        char buf[32];
        snprintf(buf, sizeof(buf), "%.0f", s->valuedouble);
        char spath[PATH_MAX_LEN];
        path_key(spath, path, "maxSurge");
        if (s->valuedouble != floor(s->valuedouble) || fabs(s->valuedouble) > 1e9)
            field_error(r, spath, "expected a node count or a percentage such as \"33%%\"");
        else if (!set_str(&p->max_surge, buf))
            r->oom = true;
    } else {
        read_string(r, e, path, "maxSurge", &p->max_surge);
    }
}

static void read_pools(struct reader *r, const cJSON *cluster, struct aksnet_plan *plan)
{
    const char *base = "cluster.nodePools";
    const cJSON *pools = member(cluster, "nodePools");
    if (!pools)
        return;
    if (!cJSON_IsArray(pools)) {
        field_error(r, base, "expected an array of node pools, found %s", json_type_name(pools));
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(pools), i = 0;
    plan->cluster.node_pools = calloc(n ? n : 1, sizeof(struct aksnet_node_pool));
    if (!plan->cluster.node_pools) {
        r->oom = true;
        return;
    }
    plan->cluster.node_pool_count = n;
    for (const cJSON *e = pools->child; e; e = e->next, i++) {
        char path[PATH_MAX_LEN];
        path_index(path, base, i);
        pool_init(&plan->cluster.node_pools[i]);
        read_pool(r, e, path, &plan->cluster.node_pools[i]);
    }
}

static void read_cluster(struct reader *r, const cJSON *root, struct aksnet_plan *plan)
{
    static const char *const known[] = {"name", "dnsPrefix", "kubernetesVersion", "networkPlugin",
                                        "networkPolicy", "outboundType", "podCidr", "serviceCidr",
                                        "dnsServiceIp", "nodePools", NULL};
    const cJSON *c = member(root, "cluster");
    if (!c || !check_object(r, c, "cluster", known))
        return;
    read_string(r, c, "cluster", "name", &plan->cluster.name);
    read_string(r, c, "cluster", "dnsPrefix", &plan->cluster.dns_prefix);
    read_string(r, c, "cluster", "kubernetesVersion", &plan->cluster.kubernetes_version);
    read_string(r, c, "cluster", "networkPlugin", &plan->cluster.network_plugin);
    read_string(r, c, "cluster", "networkPolicy", &plan->cluster.network_policy);
    read_string(r, c, "cluster", "outboundType", &plan->cluster.outbound_type);
    read_string(r, c, "cluster", "podCidr", &plan->cluster.pod_cidr);
    read_string(r, c, "cluster", "serviceCidr", &plan->cluster.service_cidr);
    read_string(r, c, "cluster", "dnsServiceIp", &plan->cluster.dns_service_ip);
    read_pools(r, c, plan);
}

static void read_plan(struct reader *r, const cJSON *root, struct aksnet_plan *plan)
{
    static const char *const known[] = {"$schema", "cloud", "subscriptionId", "location",
                                        "resourceGroup", "tags", "network", "identity",
                                        "roleAssignment", "cluster", NULL};
    if (!check_object(r, root, "", known))
        return;
    read_string(r, root, "", "cloud", &plan->cloud);
    read_string(r, root, "", "subscriptionId", &plan->subscription_id);
    read_string(r, root, "", "location", &plan->location);
    read_string(r, root, "", "resourceGroup", &plan->resource_group);
    read_tags(r, root, plan);
    read_network(r, root, plan);
    read_identity(r, root, plan);
    read_cluster(r, root, plan);
}

/* ---- text checks before parsing ----------------------------------------- */

/* Bracket depth at offset (outside strings): tells a nesting bomb from a typo. */
static size_t json_depth(const char *text, size_t offset)
{
    size_t depth = 0, max = 0;
    bool in_string = false;
    for (size_t i = 0; i < offset; i++) {
        char ch = text[i];
        if (in_string) {
            if (ch == '\\' && i + 1 < offset)
                i++;
            else if (ch == '"')
                in_string = false;
        } else if (ch == '"') {
            in_string = true;
        } else if (ch == '[' || ch == '{') {
            if (++depth > max)
                max = depth;
        } else if ((ch == ']' || ch == '}') && depth > 0) {
            depth--;
        }
    }
    return max;
}

/*
 * cJSON reports a failed string one byte past its start; where a key was
 * expected (after '{' or ','), step back so the column points at the culprit.
 */
static size_t error_offset(const char *text, size_t off)
{
    if (off == 0 || off > strlen(text) || strchr("\"}] \t\r\n", text[off - 1]))
        return off;
    size_t p = off - 1;
    while (p > 0 && (text[p - 1] == ' ' || text[p - 1] == '\t' || text[p - 1] == '\n' || text[p - 1] == '\r'))
        p--;
    return p > 0 && (text[p - 1] == '{' || text[p - 1] == ',') ? off - 1 : off;
}

/* 1-based line and column of offset in text. */
static void line_col(const char *text, size_t offset, size_t *line, size_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < offset; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

static aksnet_code syntax_error(struct aksnet_findings *f, const char *source, const char *what)
{
    aksnet_findings_add(f, "plan-syntax", AKSNET_SEVERITY_ERROR, "", "%s: %s", source, what);
    return AKSNET_EPLAN;
}

/* ---- public API --------------------------------------------------------- */

void aksnet_plan_overrides_init(struct aksnet_plan_overrides *ovr)
{
    memset(ovr, 0, sizeof(*ovr));
    ovr->node_count = AKSNET_PLAN_UNSET;
    ovr->max_pods = AKSNET_PLAN_UNSET;
    ovr->role_wait = AKSNET_PLAN_UNSET;
}

struct aksnet_plan *aksnet_plan_new(const char *source)
{
    struct aksnet_plan *plan = calloc(1, sizeof(*plan));
    if (plan && !(plan->source = strdup(source ? source : "flags"))) {
        free(plan);
        return NULL;
    }
    if (plan)
        plan->role_assignment.wait_seconds = AKSNET_PLAN_UNSET;
    return plan;
}

aksnet_code aksnet_plan_load_buffer(const char *text, size_t len, const char *source,
                                    struct aksnet_plan **out, struct aksnet_findings *findings)
{
    *out = NULL;
    char what[160];
    if (len > (size_t)AKSNET_PLAN_MAX_BYTES) {
        snprintf(what, sizeof(what), "%zu bytes is too large for a plan (at most %ld)", len,
                 AKSNET_PLAN_MAX_BYTES);
        return syntax_error(findings, source, what);
    }
    size_t bad = aksnet__utf8_invalid_offset(text, len);
    if (bad < len) {
        size_t line, col;
        line_col(text, bad, &line, &col);
        snprintf(what, sizeof(what), "line %zu, column %zu: %s (is this a JSON text file?)", line,
                 col, text[bad] ? "invalid UTF-8" : "NUL byte");
        return syntax_error(findings, source, what);
    }
    size_t nul = aksnet__json_nul_escape(text, len);
    if (nul < len) {
        size_t line, col;
        line_col(text, nul, &line, &col);
        snprintf(what, sizeof(what), "line %zu, column %zu: \\u0000 (a NUL character) is not allowed in a plan",
                 line, col);
        return syntax_error(findings, source, what);
    }
    /* cJSON wants the terminating NUL inside the length to refuse trailing text. */
    char *copy = malloc(len + 1);
    if (!copy)
        return AKSNET_ENOMEM;
    memcpy(copy, text, len);
    copy[len] = '\0';
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(copy, len + 1, &end, 1);
    if (!root) {
        size_t off = end && end >= copy && end <= copy + len ? error_offset(copy, (size_t)(end - copy)) : len;
        size_t line, col;
        line_col(copy, off, &line, &col);
        snprintf(what, sizeof(what), "line %zu, column %zu: %s", line, col,
                 len == 0                       ? "empty file, expected a JSON object"
                 : json_depth(copy, off) >= CJSON_NESTING_LIMIT ? "nested deeper than cJSON's limit"
                 : off >= len                    ? "unexpected end of file"
                                                 : "not valid JSON here");
        free(copy);
        return syntax_error(findings, source, what);
    }
    free(copy);
    if (!cJSON_IsObject(root)) {
        snprintf(what, sizeof(what), "the plan must be a JSON object, found %s", json_type_name(root));
        cJSON_Delete(root);
        return syntax_error(findings, source, what);
    }
    struct aksnet_plan *plan = aksnet_plan_new(source);
    if (!plan) {
        cJSON_Delete(root);
        return AKSNET_ENOMEM;
    }
    struct reader r = {.findings = findings};
    read_plan(&r, root, plan);
    cJSON_Delete(root);
    if (r.oom) {
        aksnet_plan_free(plan);
        return AKSNET_ENOMEM;
    }
    *out = plan;
    return AKSNET_OK;
}

aksnet_code aksnet_plan_load_file(const char *path, struct aksnet_plan **out,
                                  struct aksnet_findings *findings)
{
    *out = NULL;
    char what[200];
    bool is_stdin = strcmp(path, "-") == 0;
    if (is_stdin)
        path = "<stdin>";
    int fd = is_stdin ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(what, sizeof(what), "cannot open: %s", strerror(errno));
        return syntax_error(findings, path, what);
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        close(fd);
        return syntax_error(findings, path, "is a directory, not a plan file");
    }
    /* Read at most one byte past the limit: enough to know it is too large. */
    size_t cap = (size_t)AKSNET_PLAN_MAX_BYTES + 1, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return AKSNET_ENOMEM;
    }
    for (;;) {
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(what, sizeof(what), "cannot read: %s", strerror(errno));
            free(buf);
            close(fd);
            return syntax_error(findings, path, what);
        }
        len += (size_t)n;
        if (n == 0 || len == cap)
            break;
    }
    close(fd);
    aksnet_code rc;
    if (len == cap) {
        snprintf(what, sizeof(what), "file is larger than %ld bytes, too large for a plan",
                 AKSNET_PLAN_MAX_BYTES);
        rc = syntax_error(findings, path, what);
    } else {
        rc = aksnet_plan_load_buffer(buf, len, path, out, findings);
    }
    free(buf);
    return rc;
}

/* ---- overrides ---------------------------------------------------------- */

/*
 * Take the user's subnet from a resource id: it names the VNet, its group
 * and the subnet, and marks the network as existing (read, never written
 * except for the subnet's route table association).
 */
static aksnet_code adopt_subnet_id(struct aksnet_plan *plan, const char *id, const char *field,
                                   struct aksnet_findings *f)
{
    struct aksnet__resid rid;
    if (!aksnet__resid_parse(id, &rid) ||
        !aksnet__resid_is(&rid, "Microsoft.Network", "virtualNetworks", "subnets")) {
        return aksnet_findings_add(
            f, "plan-field", AKSNET_SEVERITY_ERROR, field,
            "'%s' is not a subnet id; expected /subscriptions/<id>/resourceGroups/<group>/"
            "providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>",
            id);
    }
    if (!set_str(&plan->subnet.id, id) || !set_str(&plan->vnet.name, rid.name) ||
        !set_str(&plan->vnet.resource_group, rid.resource_group) ||
        !set_str(&plan->subnet.name, rid.child_name))
        return AKSNET_ENOMEM;
    plan->vnet.existing = true;
    return AKSNET_OK;
}

static aksnet_code adopt_identity_id(struct aksnet_plan *plan, const char *id, const char *field,
                                     struct aksnet_findings *f)
{
    struct aksnet__resid rid;
    if (!aksnet__resid_parse(id, &rid) ||
        !aksnet__resid_is(&rid, "Microsoft.ManagedIdentity", "userAssignedIdentities", NULL)) {
        return aksnet_findings_add(
            f, "plan-field", AKSNET_SEVERITY_ERROR, field,
            "'%s' is not a user-assigned identity id; expected /subscriptions/<id>/"
            "resourceGroups/<group>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>",
            id);
    }
    if (!set_str(&plan->identity.id, id) || !set_str(&plan->identity.name, rid.name) ||
        !set_str(&plan->identity.type, "UserAssigned"))
        return AKSNET_ENOMEM;
    return AKSNET_OK;
}

/* The first pool, created empty when the plan has none (flags-only plans). */
static struct aksnet_node_pool *first_pool(struct aksnet_plan *plan)
{
    if (plan->cluster.node_pool_count == 0) {
        struct aksnet_node_pool *p = calloc(1, sizeof(*p));
        if (!p)
            return NULL;
        pool_init(p);
        free(plan->cluster.node_pools);
        plan->cluster.node_pools = p;
        plan->cluster.node_pool_count = 1;
    }
    return &plan->cluster.node_pools[0];
}

aksnet_code aksnet_plan_apply_overrides(struct aksnet_plan *plan,
                                        const struct aksnet_plan_overrides *o,
                                        struct aksnet_findings *findings)
{
    struct { char **dst; const char *src; } strings[] = {
        {&plan->subscription_id, o->subscription_id}, {&plan->cloud, o->cloud},
        {&plan->location, o->location}, {&plan->resource_group, o->resource_group},
        {&plan->cluster.name, o->cluster_name}, {&plan->cluster.network_plugin, o->network_plugin},
        {&plan->cluster.network_policy, o->network_policy}, {&plan->cluster.pod_cidr, o->pod_cidr},
        {&plan->cluster.service_cidr, o->service_cidr},
        {&plan->cluster.dns_service_ip, o->dns_service_ip},
    };
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
        if (strings[i].src && !set_str(strings[i].dst, strings[i].src))
            return AKSNET_ENOMEM;
    if (o->node_count != AKSNET_PLAN_UNSET || o->max_pods != AKSNET_PLAN_UNSET) {
        struct aksnet_node_pool *p = first_pool(plan);
        if (!p)
            return AKSNET_ENOMEM;
        if (o->node_count != AKSNET_PLAN_UNSET)
            p->count = o->node_count;
        if (o->max_pods != AKSNET_PLAN_UNSET)
            p->max_pods = o->max_pods;
    }
    if (o->role_wait != AKSNET_PLAN_UNSET)
        plan->role_assignment.wait_seconds = o->role_wait;
    aksnet_code rc = AKSNET_OK;
    if (o->vnet_subnet_id)
        rc = adopt_subnet_id(plan, o->vnet_subnet_id, "--vnet-subnet-id", findings);
    if (rc == AKSNET_OK && o->assign_identity)
        rc = adopt_identity_id(plan, o->assign_identity, "--assign-identity", findings);
    return rc;
}

/* ---- defaults ----------------------------------------------------------- */

/* A DNS prefix from the cluster name: lower-case letters, digits and '-', alnum at both ends. */
static char *dns_prefix_from(const char *name)
{
    size_t n = strlen(name);
    char *s = malloc(n + 1), *w = s;
    if (!s)
        return NULL;
    for (size_t i = 0; i < n && (size_t)(w - s) < 54; i++) {
        unsigned char c = (unsigned char)name[i];
        if (isalnum(c))
            *w++ = (char)tolower(c);
        else if (w > s && w[-1] != '-')
            *w++ = '-';
    }
    while (w > s && w[-1] == '-')
        w--;
    *w = '\0';
    return s;
}

/* Set *dst to value when it is still NULL. */
static bool default_str(char **dst, const char *value)
{
    return *dst || set_str(dst, value);
}

/*
 * Set *dst to name + suffix ("aks1-rt") when still NULL and name is known,
 * cutting name so the result stays within max characters: a valid cluster
 * name must not yield a VNet name ARM refuses.
 */
static bool default_named(char **dst, const char *name, const char *suffix, size_t max)
{
    if (*dst || !name)
        return true;
    size_t keep = strlen(name), room = max > strlen(suffix) ? max - strlen(suffix) : 0;
    char *cut = strndup(name, keep < room ? keep : room);
    *dst = cut ? str_concat(cut, suffix) : NULL;
    free(cut);
    return *dst != NULL;
}

static bool defaults_network(struct aksnet_plan *plan, bool user_assigned)
{
    const char *name = plan->cluster.name;
    if (!plan->vnet.existing) {
        /* AKS's own defaults for a VNet it would create, when no network is given. */
        if (!plan->vnet.address_prefixes && !plan->subnet.address_prefix) { /* absent, not [] */
            plan->vnet.address_prefixes = calloc(1, sizeof(char *));
            if (!plan->vnet.address_prefixes || !(plan->vnet.address_prefixes[0] = strdup("10.224.0.0/12")))
                return false;
            plan->vnet.address_prefix_count = 1;
            if (!set_str(&plan->subnet.address_prefix, "10.224.0.0/16"))
                return false;
        }
        if (!default_named(&plan->vnet.name, name, "-vnet", 64) ||
            !default_named(&plan->subnet.name, name, "-subnet", 80))
            return false;
    }
    if (!default_str(&plan->vnet.resource_group, plan->resource_group))
        return false;
    /* aksnet makes a route table whenever it can grant the identity rights on it first. */
    if (!plan->route_table.none && (plan->route_table.given || user_assigned) &&
        !default_named(&plan->route_table.name, name, "-rt", 80))
        return false;
    return true;
}

static bool defaults_cluster(struct aksnet_plan *plan)
{
    struct aksnet_plan *p = plan;
    if (!default_str(&p->cluster.network_plugin, "kubenet") ||
        !default_str(&p->cluster.outbound_type, "loadBalancer") ||
        !default_str(&p->cluster.pod_cidr, "10.244.0.0/16"))
        return false;
    if (!p->cluster.dns_prefix && p->cluster.name && !(p->cluster.dns_prefix = dns_prefix_from(p->cluster.name)))
        return false;
    /* The DNS IP follows the service range: its tenth address, as 10.0.0.10 is of 10.0.0.0/16. */
    if (!p->cluster.dns_service_ip && p->cluster.service_cidr) {
        struct aksnet__cidr svc;
        uint32_t ip;
        char buf[AKSNET_IP_STRLEN];
        if (aksnet__cidr_parse(p->cluster.service_cidr, &svc) == AKSNET_CIDR_OK &&
            (aksnet__cidr_nth(&svc, 10, &ip) || aksnet__cidr_nth(&svc, aksnet__cidr_size(&svc) / 2, &ip)) &&
            !set_str(&p->cluster.dns_service_ip, aksnet__ip_format(ip, buf)))
            return false;
    }
    if (!default_str(&p->cluster.service_cidr, "10.0.0.0/16") ||
        !default_str(&p->cluster.dns_service_ip, "10.0.0.10"))
        return false;
    if (p->cluster.node_pool_count == 0 && !first_pool(p))
        return false;
    for (size_t i = 0; i < p->cluster.node_pool_count; i++) {
        struct aksnet_node_pool *pool = &p->cluster.node_pools[i];
        if (!default_str(&pool->name, i == 0 ? "nodepool1" : NULL) ||
            !default_str(&pool->vm_size, "Standard_DS2_v2") || !default_str(&pool->os_type, "Linux") ||
            !default_str(&pool->mode, i == 0 ? "System" : "User") || !default_str(&pool->max_surge, "1"))
            return false;
        if (pool->count == AKSNET_PLAN_UNSET)
            pool->count = pool->enable_auto_scaling && pool->min_count >= 0 ? pool->min_count : 3;
        if (pool->max_pods == AKSNET_PLAN_UNSET)
            pool->max_pods = 110;
    }
    return true;
}

const char *aksnet_plan_cloud_of_location(const char *location)
{
    if (location && strncasecmp(location, "china", 5) == 0)
        return "AzureChinaCloud";
    if (location && (strncasecmp(location, "usgov", 5) == 0 || strncasecmp(location, "usdod", 5) == 0))
        return "AzureUSGovernment";
    return "AzureCloud";
}

aksnet_code aksnet_plan_apply_defaults(struct aksnet_plan *plan, const char *env_subscription_id)
{
    bool ok = default_str(&plan->cloud, aksnet_plan_cloud_of_location(plan->location)) &&
              (plan->subscription_id || !env_subscription_id ||
               set_str(&plan->subscription_id, env_subscription_id)) &&
              default_str(&plan->identity.type, "UserAssigned") &&
              default_str(&plan->role_assignment.scope, "vnet");
    if (!ok)
        return AKSNET_ENOMEM;
    if (plan->role_assignment.wait_seconds == AKSNET_PLAN_UNSET)
        plan->role_assignment.wait_seconds = AKSNET_PLAN_ROLE_WAIT_DEFAULT;
    bool user_assigned = strcmp(plan->identity.type, "UserAssigned") == 0;
    if (user_assigned && !plan->identity.id &&
        !default_named(&plan->identity.name, plan->cluster.name, "-identity", 128))
        return AKSNET_ENOMEM;
    if (plan->subnet.id && !plan->vnet.existing) {
        /* A subnet id in the file means the same as --vnet-subnet-id. */
        struct aksnet_findings ignore;
        aksnet_findings_init(&ignore);
        aksnet_code rc = adopt_subnet_id(plan, plan->subnet.id, "network.subnet.id", &ignore);
        aksnet_findings_free(&ignore);
        if (rc == AKSNET_ENOMEM)
            return rc;
        plan->vnet.existing = true;
    }
    if (!defaults_network(plan, user_assigned) || !defaults_cluster(plan))
        return AKSNET_ENOMEM;
    return AKSNET_OK;
}

bool aksnet_plan_vnet_is_existing(const struct aksnet_plan *plan)
{
    return plan->vnet.existing || plan->subnet.id != NULL;
}

long aksnet_plan_pool_peak_nodes(const struct aksnet_node_pool *pool)
{
    if (pool->enable_auto_scaling && pool->max_count != AKSNET_PLAN_UNSET && pool->max_count > pool->count)
        return pool->max_count;
    return pool->count;
}

void aksnet_plan_free(struct aksnet_plan *plan)
{
    if (!plan)
        return;
    char **strings[] = {
        &plan->source, &plan->cloud, &plan->subscription_id, &plan->location, &plan->resource_group,
        &plan->vnet.name, &plan->vnet.resource_group, &plan->subnet.name, &plan->subnet.address_prefix,
        &plan->subnet.id, &plan->route_table.name, &plan->identity.type, &plan->identity.name,
        &plan->identity.id, &plan->role_assignment.scope, &plan->role_assignment.role_definition_id,
        &plan->cluster.name, &plan->cluster.dns_prefix, &plan->cluster.kubernetes_version,
        &plan->cluster.network_plugin, &plan->cluster.network_policy, &plan->cluster.outbound_type,
        &plan->cluster.pod_cidr, &plan->cluster.service_cidr, &plan->cluster.dns_service_ip,
    };
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
        free(*strings[i]);
    for (size_t i = 0; i < plan->tag_count; i++) {
        free(plan->tags[i].key);
        free(plan->tags[i].value);
    }
    free(plan->tags);
    free_strv(plan->vnet.address_prefixes, plan->vnet.address_prefix_count);
    free_strv(plan->avoid_prefixes, plan->avoid_prefix_count);
    for (size_t i = 0; i < plan->route_table.route_count; i++) {
        struct aksnet_route *r = &plan->route_table.routes[i];
        free(r->name);
        free(r->address_prefix);
        free(r->next_hop_type);
        free(r->next_hop_ip);
    }
    free(plan->route_table.routes);
    for (size_t i = 0; i < plan->cluster.node_pool_count; i++) {
        struct aksnet_node_pool *p = &plan->cluster.node_pools[i];
        free(p->name);
        free(p->vm_size);
        free(p->os_type);
        free(p->mode);
        free(p->max_surge);
    }
    free(plan->cluster.node_pools);
    free(plan);
}
