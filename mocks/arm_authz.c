/*
 * arm_authz.c - Microsoft.Authorization: role assignments and role
 * definitions at any scope (tenant root, subscription, resource group,
 * resource, or a child kept in its parent's body such as a subnet).
 *
 * A role assignment is an extension resource stored at
 * "{scope}/providers/Microsoft.Authorization/roleAssignments/{name}", so
 * deleting its scope (a resource group, a VNet) deletes it with the tree.
 * PUT is synchronous (201) and carries ARM's checks: a GUID name, a scope
 * that exists, a role definition that exists, the principal's replication
 * delay (PrincipalNotFound unless principalType says ServicePrincipal),
 * one assignment per scope+principal+role (RoleAssignmentExists), and no
 * change of principal or role under an existing name
 * (RoleAssignmentUpdateNotPermitted).
 *
 * Role definitions: the built-in roles this scenario names, and custom
 * roles PUT at a subscription's scope, stored at
 * "/subscriptions/{s}/providers/Microsoft.Authorization/roleDefinitions/{guid}"
 * and found by that path (a state file restores them without a type).
 *
 * Authorization's messages print GUIDs without dashes, as ARM's do.
 *
 * Depends on: arm_identity.c (mock_type_identity), store.c, token.c
 * (mock_caller_tenant()), util.c, src/util (jwt).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jwt.h"
#include "arm_authz.h"
#include "mock.h"

#define AUTHZ "/providers/Microsoft.Authorization/"
#define RA_TYPE "Microsoft.Authorization/roleAssignments"
#define RD_TYPE "Microsoft.Authorization/roleDefinitions"

/*
 * The api-versions of the specs' authorization-RoleAssignmentsCalls.json
 * and -RoleDefinitionsCalls.json (stable/ and preview/ directories).  ARM
 * registers one list for both types of the provider, so one list serves.
 */
static const char *const authz_versions[] = {
    "2015-07-01",         "2017-10-01-preview", "2018-01-01-preview", "2018-09-01-preview",
    "2020-03-01-preview", "2020-04-01-preview", "2020-08-01-preview", "2020-10-01-preview",
    "2021-04-01-preview", "2022-01-01-preview", "2022-04-01",         "2022-05-01-preview", NULL};

/* Never routed here (dispatch.c sends every authorization path to mock_arm_authz); answer sanely anyway. */
static void no_route(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                     struct mock_response *rs)
{
    (void)m;
    (void)t;
    mock_reply_error(rs, 404, "NotFound", "No HTTP resource was found that matches the request URI '%s'.", rq->path);
}

const struct mock_type mock_type_role_assignment = {
    .provider = "Microsoft.Authorization", .type = "roleAssignments", .arm_type = RA_TYPE,
    .api_versions = authz_versions, .no_location = true, .handle = no_route,
};

/* Custom role definitions in the store (not in the type table: they are found by path). */
static const struct mock_type role_definition_type = {
    .provider = "Microsoft.Authorization", .type = "roleDefinitions", .arm_type = RD_TYPE,
    .api_versions = authz_versions, .handle = no_route,
};

/* ---- built-in roles ------------------------------------------------------------ */

struct builtin_role {
    const char *guid, *name, *description;
    const char *const *actions, *const *not_actions;
};

static const char *const none[] = {NULL};
static const char *const all_actions[] = {"*", NULL};
static const char *const read_actions[] = {"*/read", NULL};
static const char *const network_contributor_actions[] = {
    "Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*", "Microsoft.Network/*",
    "Microsoft.ResourceHealth/availabilityStatuses/read", "Microsoft.Resources/deployments/*",
    "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Support/*", NULL};
static const char *const contributor_not_actions[] = {
    "Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
    "Microsoft.Authorization/elevateAccess/Action", "Microsoft.Blueprint/blueprintAssignments/write",
    "Microsoft.Blueprint/blueprintAssignments/delete", "Microsoft.Compute/galleries/share/action", NULL};
static const char *const identity_operator_actions[] = {
    "Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
    "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action", "Microsoft.Authorization/*/read",
    "Microsoft.Insights/alertRules/*", "Microsoft.Resources/subscriptions/resourceGroups/read",
    "Microsoft.Resources/deployments/*", "Microsoft.Support/*", NULL};
static const char *const access_admin_actions[] = {"*/read", "Microsoft.Authorization/*", "Microsoft.Support/*",
                                                   NULL};

static const struct builtin_role builtin_roles[] = {
    {"4d97b98b-1d4f-4787-a291-c67834d212e7", "Network Contributor",
     "Lets you manage networks, but not access to them.", network_contributor_actions, none},
    {"b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor",
     "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage "
     "assignments in Azure Blueprints, or share image galleries.", all_actions, contributor_not_actions},
    {"8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner",
     "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
     all_actions, none},
    {"acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader",
     "View all resources, but does not allow you to make any changes.", read_actions, none},
    {"f1a07417-d97a-45cb-824c-7a7467783830", "Managed Identity Operator", "Read and Assign User Assigned Identity",
     identity_operator_actions, none},
    {"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator",
     "Lets you manage user access to Azure resources.", access_admin_actions, none},
};
#define BUILTIN_COUNT (sizeof(builtin_roles) / sizeof(builtin_roles[0]))

/* Built-in roles are a fixed table, not stored: a definition id names one by its GUID. */
static const struct builtin_role *builtin_by_guid(const char *guid)
{
    for (size_t i = 0; i < BUILTIN_COUNT; i++)
        if (strcasecmp(builtin_roles[i].guid, guid) == 0)
            return &builtin_roles[i];
    return NULL;
}

/* ---- small helpers ------------------------------------------------------------- */

/* printf into a new string; NULL when out of memory. */
static char *fmt_alloc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Ids and scopes have no useful upper bound, so they are formatted into exactly sized buffers. */
static char *fmt_alloc(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* The one answer for every allocation that fails, so that no handler invents its own. */
static void reply_oom(struct mock_response *rs)
{
    mock_reply_error(rs, 500, "InternalServerError", "The mock ran out of memory.");
}

/* A GUID in its usual form, 8-4-4-4-12 hex digits: the form ARM requires of names and principal ids. */
static bool is_guid(const char *s)
{
    if (!s || strlen(s) != 36)
        return false;
    for (size_t i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return false;
    }
    return true;
}

/* A GUID as authorization's messages print it: 32 lower-case hex digits. */
static void guid_compact(const char *guid, char out[33])
{
    size_t w = 0;
    for (const char *p = guid; *p && w < 32; p++)
        if (*p != '-')
            out[w++] = (char)tolower((unsigned char)*p);
    out[w] = '\0';
}

/* The last path segment of an id ("…/roleDefinitions/G" -> "G"). */
static const char *last_segment(const char *id)
{
    const char *slash = strrchr(id, '/');
    return slash ? slash + 1 : id;
}

/* outer is inner or one of its ancestors ("/" is above everything). */
static bool covers(const char *outer, const char *inner)
{
    size_t n = strlen(outer);
    if (strcmp(outer, "/") == 0)
        return true;
    return strncasecmp(outer, inner, n) == 0 && (inner[n] == '\0' || inner[n] == '/');
}

/* "{scope}/providers/Microsoft.Authorization/{kind}/{name}", without a doubled slash at the root. */
static char *authz_id(const char *scope, const char *kind, const char *name)
{
    return fmt_alloc("%s" AUTHZ "%s/%s", strcmp(scope, "/") == 0 ? "" : scope, kind, name);
}

/* The subscription of a scope into out ("" for the tenant root). */
static void scope_subscription(const char *scope, char out[128])
{
    out[0] = '\0';
    if (strncasecmp(scope, "/subscriptions/", 15) == 0)
        snprintf(out, 128, "%.*s", (int)strcspn(scope + 15, "/"), scope + 15);
}

/* A role definition's id as ARM writes it for a scope: under the scope's subscription, else the tenant's. */
static char *definition_id(const char *scope, const char *guid)
{
    char sub[128];
    scope_subscription(scope, sub);
    if (!*sub)
        return fmt_alloc(AUTHZ "roleDefinitions/%s", guid);
    return fmt_alloc("/subscriptions/%s" AUTHZ "roleDefinitions/%s", sub, guid);
}

/* Role permissions are NULL-terminated lists in the table and JSON arrays on the wire. */
static cJSON *string_array(const char *const *items)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; items[i]; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(items[i]));
    return a;
}

/* ---- scopes -------------------------------------------------------------------- */

/* A scope cut into its segments ("/" has none); free buf. */
struct scope_parts {
    char *buf;
    char *seg[MOCK_MAX_SEGMENTS];
    size_t n;
};

/* A scope is checked segment by segment (subscription, group, provider, type, name); false if it is too long. */
static bool scope_split(const char *scope, struct scope_parts *sp)
{
    memset(sp, 0, sizeof(*sp));
    sp->buf = strdup(scope);
    char *save = NULL;
    for (char *tok = sp->buf ? strtok_r(sp->buf, "/", &save) : NULL; tok; tok = strtok_r(NULL, "/", &save)) {
        if (sp->n == MOCK_MAX_SEGMENTS)
            return false;
        sp->seg[sp->n++] = tok;
    }
    return sp->buf != NULL;
}

/* ARM compares path words case-insensitively; out of range is simply no match. */
static bool seg_is(const struct scope_parts *sp, size_t i, const char *word)
{
    return i < sp->n && strcasecmp(sp->seg[i], word) == 0;
}

/* The shapes of scope ARM serves: /, /subscriptions/s, …/resourceGroups/g, …/providers/ns/type/name[/t/n]… */
static bool scope_shape_ok(const struct scope_parts *sp)
{
    if (sp->n == 0)
        return true;
    if (!seg_is(sp, 0, "subscriptions") || sp->n == 1 || sp->n == 3)
        return false;
    if (sp->n > 2 && !seg_is(sp, 2, "resourceGroups"))
        return false;
    return sp->n <= 4 || (seg_is(sp, 4, "providers") && sp->n >= 8 && sp->n % 2 == 0);
}

/* The id of a child ("subnets/S") that lives inside its parent's body (properties.subnets[]), or NULL. */
static char *child_in_body(const struct mock_resource *parent, const char *child_type, const char *child_name)
{
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(parent->body, "properties");
    const cJSON *list;
    cJSON_ArrayForEach(list, props) {
        if (!cJSON_IsArray(list) || !list->string || strcasecmp(list->string, child_type) != 0)
            continue;
        const cJSON *item;
        cJSON_ArrayForEach(item, list) {
            const char *name = mock_json_str(item, "name");
            if (name && strcasecmp(name, child_name) == 0)
                return fmt_alloc("%s/%s/%s", parent->id, list->string, name);
        }
    }
    return NULL;
}

/* The stored spelling of an existing resource scope (or of a child kept in its parent), or NULL. */
static char *resource_scope(struct armmock *m, const struct scope_parts *sp, const char *scope)
{
    struct mock_resource *r = mock_store_get(&m->store, scope);
    if (r)
        return strdup(r->id);
    if (sp->n != 10)
        return NULL;
    char *parent_id = fmt_alloc("/subscriptions/%s/resourceGroups/%s/providers/%s/%s/%s", sp->seg[1], sp->seg[3],
                                sp->seg[5], sp->seg[6], sp->seg[7]);
    r = parent_id ? mock_store_get(&m->store, parent_id) : NULL;
    free(parent_id);
    return r ? child_in_body(r, sp->seg[8], sp->seg[9]) : NULL;
}

/* ARM's 404 for a resource scope that does not exist: "NS/type/name[/child/name]" under the group. */
static void reply_resource_not_found(const struct scope_parts *sp, struct mock_response *rs)
{
    char what[1024] = "";
    size_t used = 0;
    for (size_t i = 5; i < sp->n && used < sizeof(what); i++)
        used += (size_t)snprintf(what + used, sizeof(what) - used, "%s%s", i > 5 ? "/" : "", sp->seg[i]);
    mock_reply_error(rs, 404, "ResourceNotFound",
                     "The Resource '%s' under resource group '%s' was not found. For more details please go to "
                     "https://aka.ms/ARMResourceNotFoundFix", what, sp->seg[3]);
}

/* A scope under a resource group: the group must exist, then the resource. */
static char *group_scope(struct armmock *m, const struct scope_parts *sp, const char *scope,
                         struct mock_response *rs)
{
    char *gid = fmt_alloc("/subscriptions/%s/resourceGroups/%s", sp->seg[1], sp->seg[3]);
    struct mock_resource *g = gid ? mock_store_get(&m->store, gid) : NULL;
    free(gid);
    if (!g) {
        mock_reply_error(rs, 404, "ResourceGroupNotFound", "Resource group '%s' could not be found.", sp->seg[3]);
        return NULL;
    }
    char *out = sp->n == 4 ? strdup(g->id) : resource_scope(m, sp, scope);
    if (!out)
        reply_resource_not_found(sp, rs);
    return out;
}

/*
 * The canonical spelling of a scope that exists (the case its resources
 * were created with), or NULL after replying ARM's 404.  Any subscription
 * is taken as existing, as everywhere in the mock.
 */
static char *scope_resolve(struct armmock *m, const struct mock_request *rq, const char *scope,
                           struct mock_response *rs)
{
    struct scope_parts sp;
    char *out = NULL;
    if (!scope_split(scope, &sp) || !scope_shape_ok(&sp))
        mock_reply_error(rs, 404, "NotFound", "No HTTP resource was found that matches the request URI '%s'.",
                         rq->path);
    else if (sp.n == 0)
        out = strdup("/");
    else if (sp.n == 2)
        out = fmt_alloc("/subscriptions/%s", sp.seg[1]);
    else
        out = group_scope(m, &sp, scope, rs);
    free(sp.buf);
    if (!out && !rs->status)
        reply_oom(rs);
    return out;
}

/* The path ends with the type or the name: nothing follows (dispatch cut the scope off the front). */
static bool path_ends_here(const struct mock_request *rq, const char *scope, const char *name)
{
    size_t scope_segs = 0;
    for (const char *p = scope; *p; p++)
        scope_segs += *p == '/' && p[1] != '\0';
    return rq->nsegs == scope_segs + 3 + (name ? 1 : 0);
}

/* ---- $filter ------------------------------------------------------------------- */

/* The next term of an OData $filter joined with "and" (quotes respected) into out; false at the end. */
static bool next_term(const char **p, char *out, size_t len)
{
    const char *s = *p;
    while (*s == ' ')
        s++;
    if (!*s)
        return false;
    const char *e = s;
    bool quoted = false;
    while (*e && (quoted || strncasecmp(e, " and ", 5) != 0)) {
        quoted ^= *e == '\'';
        e++;
    }
    size_t n = (size_t)(e - s);
    while (n && s[n - 1] == ' ')
        n--;
    snprintf(out, len, "%.*s", (int)n, s);
    *p = *e ? e + 5 : e;
    return true;
}

/* v[0..n) without its single quotes into out; false when empty or too long. */
static bool unquote(const char *v, size_t n, char *out, size_t len)
{
    if (n >= 2 && v[0] == '\'' && v[n - 1] == '\'') {
        v++;
        n -= 2;
    }
    if (n == 0 || n >= len)
        return false;
    memcpy(out, v, n);
    out[n] = '\0';
    return true;
}

/* The value of "key eq 'v'" (or "key eq v") in term; false when term is not about key. */
static bool term_eq(const char *term, const char *key, char *out, size_t len)
{
    size_t k = strlen(key);
    if (strncasecmp(term, key, k) != 0 || term[k] != ' ')
        return false;
    const char *v = term + k;
    while (*v == ' ')
        v++;
    if (strncasecmp(v, "eq ", 3) != 0)
        return false;
    for (v += 3; *v == ' ';)
        v++;
    return unquote(v, strlen(v), out, len);
}

/* The argument of "fn('v')" in term; false when term is not a call of fn. */
static bool term_call(const char *term, const char *fn, char *out, size_t len)
{
    size_t k = strlen(fn), n = strlen(term);
    if (strncasecmp(term, fn, k) != 0 || term[k] != '(' || n < k + 2 || term[n - 1] != ')')
        return false;
    return unquote(term + k + 1, n - k - 2, out, len);
}

/* ARM refuses a $filter it does not understand rather than ignoring it and listing everything. */
static void reply_bad_filter(const char *filter, struct mock_response *rs)
{
    mock_reply_error(rs, 400, "InvalidFilter", "The $filter '%s' is not supported.", filter);
}

/* ---- role definitions ------------------------------------------------------------ */

/* A custom role definition of the store with this GUID, or NULL. */
static struct mock_resource *custom_role(struct armmock *m, const char *guid)
{
    char suffix[96];
    snprintf(suffix, sizeof(suffix), "/providers/microsoft.authorization/roledefinitions/%s", guid);
    size_t n = strlen(suffix);
    for (size_t i = 0; i < m->store.count; i++) {
        const char *k = m->store.items[i]->key;
        size_t kl = strlen(k);
        if (kl > n && strcasecmp(k + kl - n, suffix) == 0)
            return m->store.items[i];
    }
    return NULL;
}

/* An assignment may name a built-in or a custom role; both count as existing. */
static bool role_exists(struct armmock *m, const char *guid)
{
    return builtin_by_guid(guid) || custom_role(m, guid);
}

/* A built-in role in ARM's shape, its id under the scope's subscription. */
static cJSON *builtin_json(const struct builtin_role *b, const char *scope)
{
    char *id = definition_id(scope, b->guid);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "name", b->guid);
    cJSON_AddStringToObject(o, "type", RD_TYPE);
    cJSON *p = cJSON_AddObjectToObject(o, "properties");
    cJSON_AddStringToObject(p, "roleName", b->name);
    cJSON_AddStringToObject(p, "type", "BuiltInRole");
    cJSON_AddStringToObject(p, "description", b->description);
    cJSON_AddItemToObject(p, "assignableScopes", string_array((const char *const[]){"/", NULL}));
    cJSON *perm = cJSON_CreateObject();
    cJSON_AddItemToObject(perm, "actions", string_array(b->actions));
    cJSON_AddItemToObject(perm, "notActions", string_array(b->not_actions));
    cJSON_AddItemToObject(perm, "dataActions", cJSON_CreateArray());
    cJSON_AddItemToObject(perm, "notDataActions", cJSON_CreateArray());
    cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "permissions"), perm);
    cJSON_AddStringToObject(p, "createdOn", "2015-02-02T21:55:09.8806423Z");
    cJSON_AddStringToObject(p, "updatedOn", "2021-11-11T20:13:47.8628684Z");
    cJSON_AddNullToObject(p, "createdBy");
    cJSON_AddNullToObject(p, "updatedBy");
    free(id);
    return o;
}

/* ARM's 404 for a role definition quotes the GUID without hyphens. */
static void reply_definition_missing(const char *guid, struct mock_response *rs)
{
    char compact[33];
    guid_compact(guid, compact);
    mock_reply_error(rs, 404, "RoleDefinitionDoesNotExist",
                     "The specified role definition with ID '%s' does not exist.", compact);
}

/* Built-in definitions are presented at the asked scope; custom ones as stored. */
static void definition_get(struct armmock *m, const char *scope, const char *guid, struct mock_response *rs)
{
    const struct builtin_role *b = builtin_by_guid(guid);
    struct mock_resource *c = b ? NULL : custom_role(m, guid);
    if (b)
        mock_reply(rs, 200, builtin_json(b, scope));
    else if (c)
        mock_reply(rs, 200, cJSON_Duplicate(c->body, 1));
    else
        reply_definition_missing(guid, rs);
}

/* What a role definition list may be filtered by: roleName eq 'X', type eq 'BuiltInRole|CustomRole'. */
struct rd_filter {
    char role_name[256];
    char type[64];
};

/* Role definitions are listed by roleName or type only, the filters clients send; false for any other term. */
static bool rd_filter_parse(const char *filter, struct rd_filter *f)
{
    memset(f, 0, sizeof(*f));
    char term[512];
    for (const char *p = filter ? filter : ""; next_term(&p, term, sizeof(term));)
        if (!term_eq(term, "roleName", f->role_name, sizeof(f->role_name)) &&
            !term_eq(term, "type", f->type, sizeof(f->type)))
            return false;
    return true;
}

/* An empty field of the filter matches everything, as an absent term does. */
static bool rd_match(const struct rd_filter *f, const char *name, const char *type)
{
    return (!f->role_name[0] || strcasecmp(f->role_name, name) == 0) && (!f->type[0] || strcasecmp(f->type, type) == 0);
}

/* The custom roles visible at a scope: those made in the scope's subscription (all at the root). */
static void list_custom_roles(struct armmock *m, const char *scope, const struct rd_filter *f, cJSON *value)
{
    char sub[128], prefix[160];
    scope_subscription(scope, sub);
    snprintf(prefix, sizeof(prefix), "/subscriptions/%s/", sub);
    for (size_t i = 0; i < m->store.count; i++) {
        const struct mock_resource *r = m->store.items[i];
        const cJSON *props = cJSON_GetObjectItemCaseSensitive(r->body, "properties");
        const char *name = mock_json_str(props, "roleName");
        if (!strstr(r->key, "/providers/microsoft.authorization/roledefinitions/") || !name ||
            (*sub && strncasecmp(r->id, prefix, strlen(prefix)) != 0))
            continue;
        if (rd_match(f, name, "CustomRole"))
            cJSON_AddItemToArray(value, cJSON_Duplicate(r->body, 1));
    }
}

/* The built-in roles first, then the custom ones visible at the scope, as ARM lists them. */
static void definition_list(struct armmock *m, const struct mock_request *rq, const char *scope,
                            struct mock_response *rs)
{
    struct rd_filter f;
    const char *filter = mock_arg(rq, "$filter");
    if (!rd_filter_parse(filter, &f)) {
        reply_bad_filter(filter, rs);
        return;
    }
    cJSON *body = cJSON_CreateObject();
    cJSON *value = cJSON_AddArrayToObject(body, "value");
    for (size_t i = 0; i < BUILTIN_COUNT; i++)
        if (rd_match(&f, builtin_roles[i].name, "BuiltInRole"))
            cJSON_AddItemToArray(value, builtin_json(&builtin_roles[i], scope));
    list_custom_roles(m, scope, &f, value);
    mock_reply(rs, 200, body);
}

/* Another role (built-in or custom, not guid) already called name, or NULL. */
static const char *role_name_taken(struct armmock *m, const char *name, const char *guid)
{
    for (size_t i = 0; i < BUILTIN_COUNT; i++)
        if (strcasecmp(builtin_roles[i].name, name) == 0)
            return builtin_roles[i].guid;
    for (size_t i = 0; i < m->store.count; i++) {
        const struct mock_resource *r = m->store.items[i];
        const char *other = mock_json_str(cJSON_GetObjectItemCaseSensitive(r->body, "properties"), "roleName");
        if (strstr(r->key, "/providers/microsoft.authorization/roledefinitions/") && other &&
            strcasecmp(other, name) == 0 && strcasecmp(last_segment(r->id), guid) != 0)
            return last_segment(r->id);
    }
    return NULL;
}

/* The body of a custom role PUT, checked: roleName, permissions and assignableScopes are required. */
static bool definition_body_ok(const cJSON *props, struct mock_response *rs)
{
    const char *name = mock_json_str(props, "roleName");
    const cJSON *perms = cJSON_GetObjectItemCaseSensitive(props, "permissions");
    const cJSON *scopes = cJSON_GetObjectItemCaseSensitive(props, "assignableScopes");
    const cJSON *desc = cJSON_GetObjectItemCaseSensitive(props, "description");
    if (!cJSON_IsObject(props) || !name || !*name || !cJSON_IsArray(perms) || !cJSON_IsArray(scopes) ||
        cJSON_GetArraySize(scopes) == 0 || (desc && !cJSON_IsString(desc) && !cJSON_IsNull(desc))) {
        mock_reply_error(rs, 400, "InvalidRequestContent",
                         "The request content was invalid: a role definition needs properties.roleName, "
                         "properties.permissions and a non-empty properties.assignableScopes.");
        return false;
    }
    return true;
}

/* The stored body of a custom role. */
static cJSON *custom_role_json(const char *id, const char *guid, const cJSON *props, const char *created,
                               const char *now, const char *caller)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "name", guid);
    cJSON_AddStringToObject(o, "type", RD_TYPE);
    cJSON *p = cJSON_AddObjectToObject(o, "properties");
    cJSON_AddStringToObject(p, "roleName", mock_json_str(props, "roleName"));
    cJSON_AddStringToObject(p, "type", "CustomRole");
    mock_json_set_str(p, "description", mock_json_str(props, "description"));
    cJSON_AddItemToObject(p, "assignableScopes",
                          cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(props, "assignableScopes"), 1));
    cJSON_AddItemToObject(p, "permissions", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(props, "permissions"), 1));
    cJSON_AddStringToObject(p, "createdOn", created);
    cJSON_AddStringToObject(p, "updatedOn", now);
    mock_json_set_str(p, "createdBy", *caller ? caller : NULL);
    mock_json_set_str(p, "updatedBy", *caller ? caller : NULL);
    return o;
}

/* Refusals a custom role PUT can earn before its body is read. */
static bool definition_put_allowed(const char *scope, const char *guid, struct mock_response *rs)
{
    if (!is_guid(guid)) {
        mock_reply_error(rs, 400, "InvalidRoleDefinitionId", "The role definition ID '%s' is not valid.", guid);
        return false;
    }
    if (builtin_by_guid(guid)) {
        mock_reply_error(rs, 403, "AuthorizationFailed", "Built-in role definition '%s' cannot be modified.", guid);
        return false;
    }
    if (strcmp(scope, "/") == 0) {
        mock_reply_error(rs, 400, "InvalidCreateRoleDefinitionRequest",
                         "A custom role definition is created at a subscription, resource group or resource scope.");
        return false;
    }
    return true;
}

/* A custom role is created or updated at once (no operation); its name must be unique in the directory. */
static void definition_put(struct armmock *m, const struct mock_request *rq, const char *scope, const char *guid,
                           struct mock_response *rs)
{
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(rq->json, "properties");
    if (!definition_put_allowed(scope, guid, rs) || !definition_body_ok(props, rs))
        return;
    const char *taken = role_name_taken(m, mock_json_str(props, "roleName"), guid);
    if (taken) {
        mock_reply_error(rs, 409, "RoleDefinitionWithSameNameExists",
                         "A custom role with the same name already exists in this directory. Use a different name.");
        return;
    }
    struct mock_resource *old = custom_role(m, guid);
    char *id = old ? strdup(old->id) : definition_id(scope, guid);
    char now[40], caller[64];
    mock_time_string(rq->now, now);
    mock_caller_claim(rq, "oid", caller);
    const char *created = old ? mock_json_str(cJSON_GetObjectItemCaseSensitive(old->body, "properties"), "createdOn")
                              : NULL;
    cJSON *body = id ? custom_role_json(id, guid, props, created ? created : now, now, caller) : NULL;
    struct mock_resource *r = body ? mock_store_put(&m->store, id, &role_definition_type, body, rq->now) : NULL;
    free(id);
    if (!r) {
        reply_oom(rs);
        return;
    }
    rs->changed = true;
    mock_reply(rs, 201, cJSON_Duplicate(r->body, 1));
}

/* Any role assignment that uses the role definition guid. */
static bool role_in_use(struct armmock *m, const char *guid)
{
    for (size_t i = 0; i < m->store.count; i++) {
        const struct mock_resource *r = m->store.items[i];
        const char *rd = mock_json_str(cJSON_GetObjectItemCaseSensitive(r->body, "properties"), "roleDefinitionId");
        if (r->type == &mock_type_role_assignment && rd && strcasecmp(last_segment(rd), guid) == 0)
            return true;
    }
    return false;
}

/* Built-in roles cannot go and a role still assigned cannot either, as in ARM; a missing one is 204. */
static void definition_delete(struct armmock *m, const char *guid, struct mock_response *rs)
{
    struct mock_resource *r = custom_role(m, guid);
    if (builtin_by_guid(guid)) {
        mock_reply_error(rs, 403, "AuthorizationFailed", "Built-in role definition '%s' cannot be deleted.", guid);
    } else if (!r) {
        rs->status = 204;
    } else if (role_in_use(m, guid)) {
        mock_reply_error(rs, 409, "RoleDefinitionHasAssignments",
                         "There are existing role assignments referencing role (code: RoleDefinitionHasAssignments).");
    } else {
        mock_reply(rs, 200, cJSON_Duplicate(r->body, 1));
        mock_store_delete(&m->store, r->id);
        rs->changed = true;
    }
}

/* The role definition endpoints by method, so that each method's rules stay in its own function. */
static void definitions(struct armmock *m, const struct mock_request *rq, const char *scope, const char *name,
                        struct mock_response *rs)
{
    const char *method = rq->method;
    if (!name && strcmp(method, "GET") == 0)
        definition_list(m, rq, scope, rs);
    else if (!name)
        mock_reply_error(rs, 405, "MethodNotAllowed", "The requested resource does not support http method '%s'.",
                         method);
    else if (strcmp(method, "GET") == 0)
        definition_get(m, scope, name, rs);
    else if (strcmp(method, "PUT") == 0)
        definition_put(m, rq, scope, name, rs);
    else if (strcmp(method, "DELETE") == 0)
        definition_delete(m, name, rs);
    else
        mock_reply_error(rs, 405, "MethodNotAllowed", "The requested resource does not support http method '%s'.",
                         method);
}

/* ---- role assignments: PUT ---------------------------------------------------------- */

/* What a role assignment PUT asks for, read from its body. */
struct ra_request {
    const char *role_id, *principal_id, *principal_type, *scope;
    const char *description, *condition, *condition_version;
    char role_guid[64];
};

/* The GUID of a role definition id: "[/subscriptions/s]/providers/Microsoft.Authorization/roleDefinitions/G". */
static bool role_guid_of(const char *role_id, char out[64])
{
    const char *marker = AUTHZ "roleDefinitions/";
    size_t mlen = strlen(marker), len = strlen(role_id);
    for (size_t i = len >= mlen ? len - mlen + 1 : 0; i-- > 0;) {
        if (strncasecmp(role_id + i, marker, mlen) != 0)
            continue;
        bool prefix_ok = i == 0 || strncasecmp(role_id, "/subscriptions/", 15) == 0;
        if (!prefix_ok || !is_guid(role_id + i + mlen))
            return false;
        snprintf(out, 64, "%s", role_id + i + mlen);
        return true;
    }
    return false;
}

/* An optional string member: absent, null or a string (else ARM cannot deserialize the body). */
static bool optional_string(const cJSON *props, const char *key, const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(props, key);
    *out = cJSON_IsString(v) ? v->valuestring : NULL;
    return !v || cJSON_IsString(v) || cJSON_IsNull(v);
}

/* Every member of an assignment's properties is read once, with ARM's error for a wrong JSON type. */
static bool ra_read(const struct mock_request *rq, struct ra_request *in, struct mock_response *rs)
{
    memset(in, 0, sizeof(*in));
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(rq->json, "properties");
    bool ok = cJSON_IsObject(props) && optional_string(props, "roleDefinitionId", &in->role_id) &&
              optional_string(props, "principalId", &in->principal_id) &&
              optional_string(props, "principalType", &in->principal_type) &&
              optional_string(props, "scope", &in->scope) &&
              optional_string(props, "description", &in->description) &&
              optional_string(props, "condition", &in->condition) &&
              optional_string(props, "conditionVersion", &in->condition_version);
    if (!ok)
        mock_reply_error(rs, 400, "InvalidRequestContent",
                         "The request content was invalid and could not be deserialized: expected "
                         "{\"properties\":{\"roleDefinitionId\",\"principalId\",...}} with string values.");
    return ok;
}

/* ARM's checks of the assignment itself, before the directory is asked about the principal. */
static bool ra_check(struct armmock *m, const char *scope, const char *name, struct ra_request *in,
                     struct mock_response *rs)
{
    char compact[33];
    if (!in->principal_id || !is_guid(in->principal_id)) {
        mock_reply_error(rs, 400, "InvalidPrincipalId", "A valid principal ID must be provided for role assignment.");
        return false;
    }
    if (!in->role_id || !role_guid_of(in->role_id, in->role_guid)) {
        mock_reply_error(rs, 400, "InvalidRoleDefinitionId", "The role definition ID '%s' is not valid.",
                         in->role_id ? in->role_id : "");
        return false;
    }
    if (!role_exists(m, in->role_guid)) {
        guid_compact(in->role_guid, compact);
        mock_reply_error(rs, 400, "RoleDefinitionDoesNotExist",
                         "The specified role definition with ID '%s' does not exist.", compact);
        return false;
    }
    if (in->scope && strcasecmp(in->scope, scope) != 0) {
        mock_reply_error(rs, 400, "InvalidCreateRoleAssignmentRequest",
                         "The request to create role assignment '%s' is not valid. Role assignment scope '%s' must "
                         "match the scope specified on the URI '%s'.", name, in->scope, scope);
        return false;
    }
    return true;
}

/* The user-assigned identity of the store whose principal is principal_id, or NULL. */
static const struct mock_resource *identity_of(struct armmock *m, const char *principal_id)
{
    for (size_t i = 0; i < m->store.count; i++) {
        const struct mock_resource *r = m->store.items[i];
        const char *pid = mock_json_str(cJSON_GetObjectItemCaseSensitive(r->body, "properties"), "principalId");
        if (r->type == &mock_type_identity && pid && strcasecmp(pid, principal_id) == 0)
            return r;
    }
    return NULL;
}

/* ARM's answer while a new principal has not replicated yet, which clients retry on. */
static void reply_principal_not_found(const struct mock_request *rq, const struct mock_resource *identity,
                                      const char *principal_id, struct mock_response *rs)
{
    char compact[33], tenant[64];
    const char *tid = mock_json_str(cJSON_GetObjectItemCaseSensitive(identity->body, "properties"), "tenantId");
    mock_caller_tenant(rq, tenant);
    guid_compact(principal_id, compact);
    mock_reply_error(rs, 400, "PrincipalNotFound",
                     "Principal %s does not exist in the directory %s. Check that you have the correct principal ID. "
                     "If you are creating this principal and then immediately assigning a role, this error might be "
                     "related to a replication delay. In this case, set the role assignment principalType property "
                     "to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype",
                     compact, tid ? tid : tenant);
}

/*
 * The directory's view of the principal: an identity younger than the
 * principal delay is not there yet, unless principalType ServicePrincipal
 * spares the lookup; a replicated one must not be called something else.
 * Principals the store does not know are taken as existing.  *type is the
 * principalType to store.
 */
static bool principal_ok(struct armmock *m, const struct mock_request *rq, const struct ra_request *in,
                         const char **type, struct mock_response *rs)
{
    const struct mock_resource *identity = identity_of(m, in->principal_id);
    bool sp = in->principal_type && strcasecmp(in->principal_type, "ServicePrincipal") == 0;
    if (sp || (identity && !in->principal_type))
        *type = "ServicePrincipal";
    else
        *type = in->principal_type ? in->principal_type : "User";
    if (!identity)
        return true;
    bool replicated = rq->now - identity->created >= m->opt.principal_delay;
    if (!replicated && !sp) {
        reply_principal_not_found(rq, identity, in->principal_id, rs);
        return false;
    }
    if (in->principal_type && !sp) {
        char compact[33];
        guid_compact(in->principal_id, compact);
        mock_reply_error(rs, 400, "UnmatchedPrincipalType",
                         "The PrincipalId '%s' has type 'ServicePrincipal' , which is different from specified "
                         "PrincipalType '%s'.", compact, in->principal_type);
        return false;
    }
    return true;
}

/* Assignments keep their members under properties; a missing one reads as NULL. */
static const char *ra_prop(const struct mock_resource *r, const char *key)
{
    return mock_json_str(cJSON_GetObjectItemCaseSensitive(r->body, "properties"), key);
}

/* The assignment r gives the same role to the same principal. */
static bool ra_same_grant(const struct mock_resource *r, const char *principal_id, const char *role_guid)
{
    const char *pid = ra_prop(r, "principalId"), *rd = ra_prop(r, "roleDefinitionId");
    return pid && rd && strcasecmp(pid, principal_id) == 0 && strcasecmp(last_segment(rd), role_guid) == 0;
}

/* Another assignment (not id) of the same role to the same principal at the same scope, or NULL. */
static const struct mock_resource *ra_duplicate(struct armmock *m, const char *scope, const struct ra_request *in,
                                                const char *id)
{
    for (size_t i = 0; i < m->store.count; i++) {
        const struct mock_resource *r = m->store.items[i];
        const char *s = ra_prop(r, "scope");
        if (r->type == &mock_type_role_assignment && s && strcasecmp(s, scope) == 0 &&
            strcasecmp(r->id, id) != 0 && ra_same_grant(r, in->principal_id, in->role_guid))
            return r;
    }
    return NULL;
}

/* One assignment per name for its life, one per scope+principal+role across names. */
static bool ra_unique(struct armmock *m, const char *scope, const char *id, const struct mock_resource *old,
                      const struct ra_request *in, struct mock_response *rs)
{
    if (old && !ra_same_grant(old, in->principal_id, in->role_guid)) {
        mock_reply_error(rs, 409, "RoleAssignmentUpdateNotPermitted",
                         "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.");
        return false;
    }
    const struct mock_resource *dup = ra_duplicate(m, scope, in, id);
    if (dup) {
        char compact[33];
        guid_compact(last_segment(dup->id), compact);
        mock_reply_error(rs, 409, "RoleAssignmentExists",
                         "The role assignment already exists. The ID of the existing role assignment is %s.", compact);
        return false;
    }
    return true;
}

/* The stored body of an assignment (the agreed layout other files read). */
static cJSON *ra_body(const struct mock_request *rq, const char *scope, const char *name, const char *id,
                      const struct ra_request *in, const char *principal_type, const struct mock_resource *old)
{
    char now[40], caller[64];
    mock_time_string(rq->now, now);
    mock_caller_claim(rq, "oid", caller);
    char *role_id = definition_id(scope, in->role_guid);
    const char *created = old ? ra_prop(old, "createdOn") : NULL, *created_by = old ? ra_prop(old, "createdBy") : NULL;
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "id", old ? old->id : id);
    cJSON_AddStringToObject(b, "name", old ? mock_json_str(old->body, "name") : name);
    cJSON_AddStringToObject(b, "type", RA_TYPE);
    cJSON *p = cJSON_AddObjectToObject(b, "properties");
    mock_json_set_str(p, "roleDefinitionId", role_id);
    cJSON_AddStringToObject(p, "principalId", in->principal_id);
    cJSON_AddStringToObject(p, "principalType", principal_type);
    cJSON_AddStringToObject(p, "scope", scope);
    cJSON_AddStringToObject(p, "createdOn", created ? created : now);
    cJSON_AddStringToObject(p, "updatedOn", now);
    mock_json_set_str(p, "createdBy", old ? created_by : (*caller ? caller : NULL));
    mock_json_set_str(p, "updatedBy", *caller ? caller : NULL);
    mock_json_set_str(p, "condition", in->condition);
    mock_json_set_str(p, "conditionVersion", in->condition ? in->condition_version : NULL);
    mock_json_set_str(p, "description", in->description);
    free(role_id);
    return b;
}

/* Role assignments are immutable: checked, made at once, and a second PUT must match the first. */
static void assignment_put(struct armmock *m, const struct mock_request *rq, const char *scope, const char *name,
                           const char *id, struct mock_resource *old, struct mock_response *rs)
{
    struct ra_request in;
    const char *principal_type = NULL;
    if (!is_guid(name)) {
        mock_reply_error(rs, 400, "InvalidRoleAssignmentId",
                         "The role assignment ID '%s' is not valid. The role assignment ID must be a GUID.", name);
        return;
    }
    if (!ra_read(rq, &in, rs) || !ra_check(m, scope, name, &in, rs) || !principal_ok(m, rq, &in, &principal_type, rs) ||
        !ra_unique(m, scope, id, old, &in, rs))
        return;
    cJSON *body = ra_body(rq, scope, name, id, &in, principal_type, old);
    struct mock_resource *r = mock_store_put(&m->store, old ? old->id : id, &mock_type_role_assignment, body, rq->now);
    if (!r) {
        reply_oom(rs);
        return;
    }
    rs->changed = true;
    mock_reply(rs, 201, cJSON_Duplicate(r->body, 1)); /* ARM answers 201 to a create and to a repeat alike */
}

/* ---- role assignments: GET, DELETE, list --------------------------------------------- */

/* What a role assignment list may be filtered by: atScope(), principalId eq 'X', assignedTo('X'). */
struct ra_filter {
    bool at_scope;
    char principal[64];
};

/* The filters clients use to find their assignments (atScope(), principalId, assignedTo); false for others. */
static bool ra_filter_parse(const char *filter, struct ra_filter *f)
{
    memset(f, 0, sizeof(*f));
    char term[512];
    for (const char *p = filter ? filter : ""; next_term(&p, term, sizeof(term));) {
        if (strcasecmp(term, "atScope()") == 0)
            f->at_scope = true;
        else if (!term_eq(term, "principalId", f->principal, sizeof(f->principal)) &&
                 !term_call(term, "assignedTo", f->principal, sizeof(f->principal)))
            return false;
    }
    return true;
}

/*
 * Whether an assignment at scope a is listed for scope q: at or above q
 * (inherited) with atScope(); at, above or below q otherwise, as ARM lists.
 */
static bool ra_listed(const struct mock_resource *r, const char *q, const struct ra_filter *f)
{
    const char *a = ra_prop(r, "scope"), *pid = ra_prop(r, "principalId");
    if (r->type != &mock_type_role_assignment || !a || !pid)
        return false;
    if (f->principal[0] && strcasecmp(pid, f->principal) != 0)
        return false;
    return covers(a, q) || (!f->at_scope && covers(q, a));
}

/* Assignments at or above the scope, and below it unless atScope(), that pass the filter, as ARM lists them. */
static void assignment_list(struct armmock *m, const struct mock_request *rq, const char *scope,
                            struct mock_response *rs)
{
    struct ra_filter f;
    const char *filter = mock_arg(rq, "$filter");
    if (!ra_filter_parse(filter, &f)) {
        reply_bad_filter(filter, rs);
        return;
    }
    cJSON *body = cJSON_CreateObject();
    cJSON *value = cJSON_AddArrayToObject(body, "value");
    for (size_t i = 0; i < m->store.count; i++)
        if (ra_listed(m->store.items[i], scope, &f))
            cJSON_AddItemToArray(value, cJSON_Duplicate(m->store.items[i]->body, 1));
    mock_reply(rs, 200, body);
}

/* The role assignment endpoints by method, so that each method's rules stay in its own function. */
static void assignments(struct armmock *m, const struct mock_request *rq, const char *scope, const char *name,
                        struct mock_response *rs)
{
    const char *method = rq->method;
    if (!name) {
        if (strcmp(method, "GET") == 0)
            assignment_list(m, rq, scope, rs);
        else
            mock_reply_error(rs, 405, "MethodNotAllowed",
                             "The requested resource does not support http method '%s'.", method);
        return;
    }
    char *id = authz_id(scope, "roleAssignments", name);
    struct mock_resource *r = id ? mock_store_get(&m->store, id) : NULL;
    if (!id) {
        reply_oom(rs);
    } else if (strcmp(method, "PUT") == 0) {
        assignment_put(m, rq, scope, name, id, r, rs);
    } else if (strcmp(method, "GET") == 0 && r) {
        mock_reply(rs, 200, cJSON_Duplicate(r->body, 1));
    } else if (strcmp(method, "GET") == 0) {
        mock_reply_error(rs, 404, "RoleAssignmentNotFound", "The role assignment '%s' is not found.", name);
    } else if (strcmp(method, "DELETE") == 0) {
        if (r) {
            mock_reply(rs, 200, cJSON_Duplicate(r->body, 1));
            mock_store_delete(&m->store, r->id);
            rs->changed = true;
        } else {
            rs->status = 204;
        }
    } else {
        mock_reply_error(rs, 405, "MethodNotAllowed", "The requested resource does not support http method '%s'.",
                         method);
    }
    free(id);
}

/* ---- entry points ---------------------------------------------------------------------- */

/* The entry from dispatch: api-version, a path that ends here, and a scope that exists, before either kind. */
void mock_arm_authz(struct armmock *m, const struct mock_request *rq, const char *scope, const char *type,
                    const char *name, struct mock_response *rs)
{
    bool assignment = strcasecmp(type, "roleAssignments") == 0;
    if (!mock_check_api_version(rq, authz_versions, assignment ? RA_TYPE : RD_TYPE, rs))
        return;
    if (!path_ends_here(rq, scope, name)) {
        mock_reply_error(rs, 404, "NotFound", "No HTTP resource was found that matches the request URI '%s'.",
                         rq->path);
        return;
    }
    char *canonical = scope_resolve(m, rq, scope, rs);
    if (!canonical)
        return;
    if (assignment)
        assignments(m, rq, canonical, name, rs);
    else
        definitions(m, rq, canonical, name, rs);
    free(canonical);
}

/* One grant of principal_id at scope_id or above, for role (NULL: any) and, when write_only, not read-only. */
static bool find_grant(struct armmock *m, const char *principal_id, const char *scope_id, const char *role,
                       bool write_only)
{
    double now = mock_now(m);
    for (size_t i = 0; principal_id && scope_id && i < m->store.count; i++) {
        const struct mock_resource *r = m->store.items[i];
        const char *a = ra_prop(r, "scope"), *pid = ra_prop(r, "principalId"), *rd = ra_prop(r, "roleDefinitionId");
        if (r->type != &mock_type_role_assignment || !a || !pid || !rd || strcasecmp(pid, principal_id) != 0)
            continue;
        if (write_only && now - r->created < m->opt.role_delay)
            continue; /* --role-delay: not in effect yet for the checks AKS makes */
        const struct builtin_role *b = builtin_by_guid(last_segment(rd));
        if (write_only && b && b->actions == read_actions)
            continue;
        if ((!role || strcasecmp(last_segment(rd), role) == 0) && covers(a, scope_id))
            return true;
    }
    return false;
}

/* See arm_authz.h: a role named by a full definition id is compared by its GUID. */
bool mock_authz_has_role(struct armmock *m, const char *principal_id, const char *scope_id,
                         const char *role_guid_or_null)
{
    return find_grant(m, principal_id, scope_id, role_guid_or_null ? last_segment(role_guid_or_null) : NULL, false);
}

/* See arm_authz.h: what AKS asks before it writes a subnet or a route table. */
bool mock_authz_can_write(struct armmock *m, const char *principal_id, const char *scope_id)
{
    return find_grant(m, principal_id, scope_id, NULL, true);
}
