/*
 * resources.c - the ARM resources of a plan: their ids and the request body
 * of each step.
 *
 * Every id is composed by aksnet__resid_format, so ids are spelt one way
 * whether they come from names in the plan or from ids the user pasted.
 * Bodies follow the official models (tests/data/specs, checked by
 * tests/unit/test_resources.c).  A body for a resource that exists starts
 * from what ARM holds, minus what ARM computes, because a PUT replaces the
 * whole resource: whatever aksnet left out would be deleted.  aksnet then
 * sets only what it owns.  Enum values are sent in the spec's spelling
 * whatever case the plan used.
 */
#include "resources.h"
#include "json.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "resid.h"

/* ---- ids ------------------------------------------------------------------ */

/* Copy src into one part of a parsed id; false when absent or too long. */
static bool id_part(char dst[AKSNET_RESID_SEGMENT_MAX], const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n == 0 || n >= AKSNET_RESID_SEGMENT_MAX)
        return false;
    memcpy(dst, src, n + 1);
    return true;
}

/*
 * Compose /subscriptions/sub[/resourceGroups/group][/providers/provider/type/name]
 * into out.  group NULL: a subscription-level resource; provider NULL: the group.
 */
static bool compose(char out[AKSNET_ID_MAX], const char *sub, const char *group, const char *provider,
                    const char *type, const char *name)
{
    struct aksnet__resid r;
    memset(&r, 0, sizeof(r));
    bool ok = id_part(r.subscription, sub) && (!group || id_part(r.resource_group, group)) &&
              (!provider || (id_part(r.provider, provider) && id_part(r.type, type) && id_part(r.name, name)));
    return ok && aksnet__resid_format(&r, out, AKSNET_ID_MAX);
}

/* A subnet: a child of its VNet, the one id with two levels. */
static bool compose_subnet(char out[AKSNET_ID_MAX], const struct aksnet__resid *vnet, const char *subnet)
{
    struct aksnet__resid r = *vnet;
    return id_part(r.child_type, "subnets") && id_part(r.child_name, subnet) &&
           aksnet__resid_format(&r, out, AKSNET_ID_MAX);
}

/*
 * Re-spell an id the user gave (--vnet-subnet-id, --assign-identity) the
 * way aksnet spells ids, after checking that it names the expected type:
 * fixed segments, provider and types as ARM spells them, names as given.
 */
static bool respell(char out[AKSNET_ID_MAX], const char *id, const char *provider, const char *type,
                    const char *child_type, struct aksnet__resid *parsed)
{
    return aksnet__resid_parse(id, parsed) && aksnet__resid_is(parsed, provider, type, child_type) &&
           id_part(parsed->provider, provider) && id_part(parsed->type, type) &&
           (!child_type || id_part(parsed->child_type, child_type)) &&
           aksnet__resid_format(parsed, out, AKSNET_ID_MAX);
}

/*
 * The VNet's group, the VNet and the subnet: from the subnet id when the
 * user gave one (it may sit in another group), else from the plan's names.
 */
static aksnet_code vnet_ids(const struct aksnet_plan *plan, struct aksnet_resource_ids *ids,
                            struct aksnet_error *err)
{
    struct aksnet__resid r;
    memset(&r, 0, sizeof(r));
    if (plan->subnet.id) {
        if (!respell(ids->subnet, plan->subnet.id, "Microsoft.Network", "virtualNetworks", "subnets", &r))
            return aksnet_error_set(err, AKSNET_EINVAL, "'%s' is not a subnet id", plan->subnet.id);
        r.child_type[0] = r.child_name[0] = '\0';
    } else {
        const char *group = plan->vnet.resource_group ? plan->vnet.resource_group : plan->resource_group;
        if (!id_part(r.subscription, plan->subscription_id) || !id_part(r.resource_group, group) ||
            !id_part(r.provider, "Microsoft.Network") || !id_part(r.type, "virtualNetworks") ||
            !id_part(r.name, plan->vnet.name) || !compose_subnet(ids->subnet, &r, plan->subnet.name))
            return aksnet_error_set(err, AKSNET_EINVAL,
                                    "the subnet id needs subscriptionId, network.vnet.name and network.subnet.name");
    }
    if (!aksnet__resid_format(&r, ids->vnet, AKSNET_ID_MAX) ||
        !compose(ids->vnet_group, r.subscription, r.resource_group, NULL, NULL, NULL))
        return aksnet_error_set(err, AKSNET_EINVAL, "cannot compose the VNet id");
    return AKSNET_OK;
}

/* The control-plane identity: the user's id, one aksnet names, or none (SystemAssigned). */
static aksnet_code identity_id(const struct aksnet_plan *plan, char out[AKSNET_ID_MAX], struct aksnet_error *err)
{
    struct aksnet__resid r;
    if (plan->identity.id) {
        if (!respell(out, plan->identity.id, "Microsoft.ManagedIdentity", "userAssignedIdentities", NULL, &r))
            return aksnet_error_set(err, AKSNET_EINVAL, "'%s' is not a user-assigned identity id",
                                    plan->identity.id);
        return AKSNET_OK;
    }
    if (plan->identity.type && strcasecmp(plan->identity.type, "SystemAssigned") == 0)
        return AKSNET_OK;
    if (!compose(out, plan->subscription_id, plan->resource_group, "Microsoft.ManagedIdentity",
                 "userAssignedIdentities", plan->identity.name))
        return aksnet_error_set(err, AKSNET_EINVAL, "the identity id needs identity.name");
    return AKSNET_OK;
}

/* The role to grant: Network Contributor, a custom role's GUID, or its full id as given. */
static aksnet_code role_definition_id(const struct aksnet_plan *plan, char out[AKSNET_ID_MAX],
                                      struct aksnet_error *err)
{
    const char *role = plan->role_assignment.role_definition_id;
    if (role && strchr(role, '/')) {
        if (strlen(role) >= AKSNET_ID_MAX)
            return aksnet_error_set(err, AKSNET_EINVAL, "roleAssignment.roleDefinitionId is too long");
        memcpy(out, role, strlen(role) + 1);
        return AKSNET_OK;
    }
    if (!compose(out, plan->subscription_id, NULL, "Microsoft.Authorization", "roleDefinitions",
                 role ? role : AKSNET_ROLE_NETWORK_CONTRIBUTOR))
        return aksnet_error_set(err, AKSNET_EINVAL, "cannot compose the role definition id");
    return AKSNET_OK;
}

aksnet_code aksnet__resources_ids(const struct aksnet_plan *plan, struct aksnet_resource_ids *ids,
                                  struct aksnet_error *err)
{
    memset(ids, 0, sizeof(*ids));
    if (!compose(ids->group, plan->subscription_id, plan->resource_group, NULL, NULL, NULL))
        return aksnet_error_set(err, AKSNET_EINVAL,
                                "the resource group id needs subscriptionId and resourceGroup");
    aksnet_code rc = vnet_ids(plan, ids, err);
    if (rc == AKSNET_OK && plan->route_table.name &&
        !compose(ids->route_table, plan->subscription_id, plan->resource_group, "Microsoft.Network",
                 "routeTables", plan->route_table.name))
        rc = aksnet_error_set(err, AKSNET_EINVAL, "cannot compose the route table id");
    if (rc == AKSNET_OK)
        rc = identity_id(plan, ids->identity, err);
    if (rc == AKSNET_OK && !compose(ids->cluster, plan->subscription_id, plan->resource_group,
                                    "Microsoft.ContainerService", "managedClusters", plan->cluster.name))
        rc = aksnet_error_set(err, AKSNET_EINVAL, "the cluster id needs cluster.name");
    if (rc == AKSNET_OK)
        rc = role_definition_id(plan, ids->role_definition, err);
    if (rc != AKSNET_OK)
        memset(ids, 0, sizeof(*ids));
    return rc;
}

aksnet_code aksnet__resources_role_assignment_id(const char *scope, const char *name, char *out, size_t size)
{
    if (!out || size == 0)
        return AKSNET_EINVAL;
    out[0] = '\0';
    if (!scope || !name || !scope[0] || !name[0])
        return AKSNET_EINVAL;
    int n = snprintf(out, size, "%s/providers/Microsoft.Authorization/roleAssignments/%s", scope, name);
    if (n < 0 || (size_t)n >= size) {
        out[0] = '\0';
        return AKSNET_EINVAL;
    }
    return AKSNET_OK;
}

/* ---- role assignment names ------------------------------------------------ */

/* Feed s, lower-cased, to the digest (in small chunks: ids are short, no allocation). */
static bool digest_lower(EVP_MD_CTX *ctx, const char *s)
{
    unsigned char chunk[128];
    size_t n = 0;
    for (; s && *s; s++) {
        chunk[n++] = (unsigned char)tolower((unsigned char)*s);
        if (n == sizeof(chunk)) {
            if (EVP_DigestUpdate(ctx, chunk, n) != 1)
                return false;
            n = 0;
        }
    }
    return n == 0 || EVP_DigestUpdate(ctx, chunk, n) == 1;
}

/*
 * A name that is the same on every run for the same scope, principal and
 * role (so a re-run finds its own assignment instead of adding one ARM
 * would refuse as RoleAssignmentExists) and different otherwise.  Ids are
 * case-insensitive in ARM, hence the lower-casing.
 */
void aksnet__resources_role_assignment_name(const char *scope, const char *principal_id, const char *role_id,
                                            char out[37])
{
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int hlen = 0;
    out[0] = '\0';
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 && digest_lower(ctx, scope) &&
              EVP_DigestUpdate(ctx, "|", 1) == 1 && digest_lower(ctx, principal_id) &&
              EVP_DigestUpdate(ctx, "|", 1) == 1 && digest_lower(ctx, role_id) &&
              EVP_DigestFinal_ex(ctx, h, &hlen) == 1 && hlen >= 16;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return;
    h[6] = (unsigned char)((h[6] & 0x0f) | 0x50); /* version 5 (name-based, SHA) */
    h[8] = (unsigned char)((h[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", h[0], h[1], h[2],
             h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]);
}

/* ---- JSON helpers ------------------------------------------------------------- */

/* Add a string member unless value is NULL (not given); false only when out of memory. */
static bool add_str(cJSON *obj, const char *key, const char *value)
{
    return !value || cJSON_AddStringToObject(obj, key, value) != NULL;
}

/* Put item under key, replacing a member of that name; takes item (false: out of memory). */
static bool put(cJSON *obj, const char *key, cJSON *item)
{
    if (!item)
        return false;
    if (cJSON_GetObjectItemCaseSensitive(obj, key))
        return cJSON_ReplaceItemInObjectCaseSensitive(obj, key, item) != 0;
    cJSON_AddItemToObject(obj, key, item);
    return true;
}

/* The object member key, created empty (or replacing a non-object) when needed. */
static cJSON *object_member(cJSON *obj, const char *key)
{
    cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (cJSON_IsObject(m))
        return m;
    m = cJSON_CreateObject();
    return put(obj, key, m) ? m : NULL;
}

/* The array member key, created empty (or replacing a non-array) when needed. */
static cJSON *array_member(cJSON *obj, const char *key)
{
    cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (cJSON_IsArray(m))
        return m;
    m = cJSON_CreateArray();
    return put(obj, key, m) ? m : NULL;
}

/* The element of an array of named objects whose name is name (names are case-insensitive in ARM). */
static cJSON *named(const cJSON *array, const char *name)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, array)
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(e, "name");
        if (name && cJSON_IsString(n) && strcasecmp(n->valuestring, name) == 0)
            return (cJSON *)e;
    }
    return NULL;
}

/* value in the spelling of the choice it matches case-insensitively; value itself if none does. */
static const char *canonical(const char *value, const char *const *choices)
{
    for (size_t i = 0; value && choices[i]; i++)
        if (strcasecmp(value, choices[i]) == 0)
            return choices[i];
    return value;
}

static const char *const NEXT_HOP_TYPES[] = {"VirtualAppliance", "Internet", "VnetLocal",
                                             "VirtualNetworkGateway", "None", NULL};
static const char *const OS_TYPES[] = {"Linux", "Windows", NULL};
static const char *const POOL_MODES[] = {"System", "User", NULL};
static const char *const NETWORK_PLUGINS[] = {"kubenet", "azure", "none", NULL};
static const char *const NETWORK_POLICIES[] = {"calico", "azure", "cilium", "none", NULL};
static const char *const OUTBOUND_TYPES[] = {"loadBalancer", "userDefinedRouting", "managedNATGateway",
                                             "userAssignedNATGateway", NULL};

/* ---- read-only members ------------------------------------------------------ */

/*
 * Members ARM computes (readOnly in the network models): a body sends none
 * of them.  "subnets" is not here: it is read-only in a route table but the
 * very thing a VNet body writes.
 */
static const char *const READ_ONLY[] = {
    "etag", "provisioningState", "resourceGuid", "systemData", "ipConfigurations", "ipConfigurationProfiles",
    "privateEndpoints", "resourceNavigationLinks", "serviceAssociationLinks", "purpose", "flowLogs",
    "hasBgpOverride", "remoteVirtualNetworkEncryption", "actions", "regionalCommunity",
    "allocatedAddressPrefixes", NULL};

static bool is_read_only(const char *key)
{
    for (size_t i = 0; READ_ONLY[i]; i++)
        if (strcmp(key, READ_ONLY[i]) == 0)
            return true;
    return false;
}

/*
 * Whether member m of obj is computed by ARM: a read-only name; the own id
 * of a named child (a subnet, a route: ARM matches those by name), while a
 * reference such as {"id"} of a route table stays; a resource type
 * ("Microsoft.Network/virtualNetworks/subnets"), while a type such as an
 * extended location's "EdgeZone" stays.
 */
static bool computed(const cJSON *obj, const cJSON *m)
{
    if (is_read_only(m->string))
        return true;
    if (strcmp(m->string, "id") == 0)
        return cJSON_GetObjectItemCaseSensitive(obj, "name") != NULL;
    return strcmp(m->string, "type") == 0 && cJSON_IsString(m) && strchr(m->valuestring, '/') != NULL;
}

/* Remove, at every level below node, what ARM computes (tags are the user's words, left alone). */
static void strip_computed(cJSON *node)
{
    cJSON *m = node ? node->child : NULL;
    while (m) {
        cJSON *next = m->next;
        if (cJSON_IsObject(node) && m->string && computed(node, m))
            cJSON_Delete(cJSON_DetachItemViaPointer(node, m));
        else if (!m->string || strcmp(m->string, "tags") != 0)
            strip_computed(m);
        m = next;
    }
}

/*
 * A copy of an existing resource that can be sent back: computed members
 * removed everywhere, and at the top also its id, name and type, which the
 * URL carries.
 */
static cJSON *writable_copy(const cJSON *existing)
{
    cJSON *body = cJSON_IsObject(existing) ? cJSON_Duplicate(existing, 1) : cJSON_CreateObject();
    if (!body)
        return NULL;
    static const char *const top[] = {"id", "name", "type", NULL};
    for (size_t i = 0; top[i]; i++)
        cJSON_DeleteItemFromObjectCaseSensitive(body, top[i]);
    strip_computed(body);
    return body;
}

/* ---- tags ------------------------------------------------------------------------ */

static bool is_created_by(const char *key)
{
    return strcasecmp(key, AKSNET_TAG_CREATED_BY) == 0;
}

/* Set tag key to value in tags, replacing a tag of that key in any case (ARM's tag keys ignore case). */
static bool set_tag(cJSON *tags, const char *key, const char *value)
{
    cJSON *old = cJSON_GetObjectItem(tags, key);
    if (old)
        cJSON_Delete(cJSON_DetachItemViaPointer(tags, old));
    return cJSON_AddStringToObject(tags, key, value) != NULL;
}

/* The plan's tags, plus createdBy: aksnet when creating (a plan tag named createdBy is aksnet's to set). */
static cJSON *plan_tags(const struct aksnet_plan *plan, bool creating)
{
    cJSON *tags = cJSON_CreateObject();
    bool ok = tags != NULL;
    for (size_t i = 0; ok && i < plan->tag_count; i++)
        if (plan->tags[i].key && plan->tags[i].value && !is_created_by(plan->tags[i].key))
            ok = set_tag(tags, plan->tags[i].key, plan->tags[i].value);
    if (ok && creating)
        ok = set_tag(tags, AKSNET_TAG_CREATED_BY, AKSNET_TAG_CREATED_BY_VALUE);
    if (!ok) {
        cJSON_Delete(tags);
        return NULL;
    }
    return tags;
}

/*
 * existing's tags overlaid with own's, except createdBy, which stays as
 * existing has it (or absent): only a create marks a resource aksnet's.
 */
static cJSON *merged_tags(const cJSON *existing, const cJSON *own)
{
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(existing, "tags");
    cJSON *tags = cJSON_IsObject(old) ? cJSON_Duplicate(old, 1) : cJSON_CreateObject();
    const cJSON *t;
    bool ok = tags != NULL;
    cJSON_ArrayForEach(t, own)
    {
        if (ok && cJSON_IsString(t) && !is_created_by(t->string))
            ok = set_tag(tags, t->string, t->valuestring);
    }
    if (!ok) {
        cJSON_Delete(tags);
        return NULL;
    }
    return tags;
}

/* location and tags, the members every tracked resource's body starts with. */
static bool set_location_and_tags(cJSON *body, const struct aksnet_plan *plan, const cJSON *existing)
{
    if (plan->location && !put(body, "location", cJSON_CreateString(plan->location)))
        return false;
    cJSON *own = plan_tags(plan, existing == NULL);
    cJSON *tags = existing && own ? merged_tags(existing, own) : own;
    if (tags != own)
        cJSON_Delete(own);
    return put(body, "tags", tags);
}

bool aksnet__resources_keep_existing_tags(cJSON *body, const cJSON *existing)
{
    if (!body || !cJSON_IsObject(existing))
        return true;
    return put(body, "tags", merged_tags(existing, cJSON_GetObjectItemCaseSensitive(body, "tags")));
}

/* ---- bodies ------------------------------------------------------------------ */

/* A new body with location and tags, as the group and the identity are. */
static cJSON *tracked_body(const struct aksnet_plan *plan)
{
    cJSON *body = cJSON_CreateObject();
    if (body && !set_location_and_tags(body, plan, NULL)) {
        cJSON_Delete(body);
        return NULL;
    }
    return body;
}

cJSON *aksnet__resources_group_body(const struct aksnet_plan *plan)
{
    return tracked_body(plan);
}

cJSON *aksnet__resources_identity_body(const struct aksnet_plan *plan)
{
    return tracked_body(plan);
}

/* One route of the plan as ARM spells it. */
static cJSON *route_json(const struct aksnet_route *r)
{
    cJSON *route = cJSON_CreateObject();
    cJSON *props = route ? cJSON_AddObjectToObject(route, "properties") : NULL;
    if (!props || !add_str(route, "name", r->name) || !add_str(props, "addressPrefix", r->address_prefix) ||
        !add_str(props, "nextHopType", canonical(r->next_hop_type, NEXT_HOP_TYPES)) ||
        !add_str(props, "nextHopIpAddress", r->next_hop_ip)) {
        cJSON_Delete(route);
        return NULL;
    }
    return route;
}

/*
 * The plan's routes written over routes: a route of the same name is
 * replaced in place, a new one appended, every other route (AKS writes one
 * per node) left as it is.
 */
static bool merge_routes(cJSON *routes, const struct aksnet_plan *plan)
{
    for (size_t i = 0; i < plan->route_table.route_count; i++) {
        const struct aksnet_route *r = &plan->route_table.routes[i];
        if (r->malformed || !r->name)
            continue;
        cJSON *route = route_json(r);
        cJSON *old = named(routes, r->name);
        if (!route)
            return false;
        if (old)
            cJSON_ReplaceItemViaPointer(routes, old, route);
        else
            cJSON_AddItemToArray(routes, route);
    }
    return true;
}

/*
 * The route table.  BGP route propagation is enabled (false: do not
 * disable) when aksnet creates the table; on a table that exists the
 * owner's choice stands, since turning propagation on or off reroutes
 * traffic that is not aksnet's.
 */
cJSON *aksnet__resources_route_table_body(const struct aksnet_plan *plan, const cJSON *existing)
{
    if (!cJSON_IsObject(existing))
        existing = NULL;
    cJSON *body = writable_copy(existing);
    cJSON *props = body ? object_member(body, "properties") : NULL;
    bool ok = props && set_location_and_tags(body, plan, existing);
    if (ok) {
        cJSON_DeleteItemFromObjectCaseSensitive(props, "subnets"); /* read-only here */
        if (!cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(props, "disableBgpRoutePropagation")))
            ok = put(props, "disableBgpRoutePropagation", cJSON_CreateFalse());
    }
    cJSON *routes = ok ? array_member(props, "routes") : NULL;
    if (!routes || !merge_routes(routes, plan)) {
        cJSON_Delete(body);
        return NULL;
    }
    return body;
}

/* Add to prefixes (a JSON array) each plan prefix it lacks. */
static bool add_prefixes(cJSON *prefixes, char *const *add, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        bool have = false;
        const cJSON *p;
        cJSON_ArrayForEach(p, prefixes)
        {
            if (cJSON_IsString(p) && add[i] && strcasecmp(p->valuestring, add[i]) == 0)
                have = true;
        }
        if (!have && add[i] && !cJSON_AddItemToArray(prefixes, cJSON_CreateString(add[i])))
            return false;
    }
    return true;
}

/* Associate a subnet's properties with the route table (none given: leave the association as it is). */
static bool set_route_table(cJSON *props, const char *route_table_id)
{
    if (!route_table_id || !route_table_id[0])
        return true;
    cJSON *ref = cJSON_CreateObject();
    if (!ref || !cJSON_AddStringToObject(ref, "id", route_table_id)) {
        cJSON_Delete(ref);
        return false;
    }
    return put(props, "routeTable", ref);
}

/* The plan's subnet within subnets: the one of its name, else a new one. */
static cJSON *plan_subnet(cJSON *subnets, const struct aksnet_plan *plan)
{
    cJSON *subnet = named(subnets, plan->subnet.name);
    if (subnet)
        return subnet;
    subnet = cJSON_CreateObject();
    if (!subnet || !add_str(subnet, "name", plan->subnet.name) || !cJSON_AddItemToArray(subnets, subnet)) {
        cJSON_Delete(subnet);
        return NULL;
    }
    return subnet;
}

/* The plan's address ranges and subnet, set into a VNet body (new or from ARM's copy). */
static bool set_vnet_properties(cJSON *body, const struct aksnet_plan *plan, const char *route_table_id)
{
    cJSON *props = object_member(body, "properties");
    cJSON *space = props ? object_member(props, "addressSpace") : NULL;
    cJSON *prefixes = space ? array_member(space, "addressPrefixes") : NULL;
    if (!prefixes || !add_prefixes(prefixes, plan->vnet.address_prefixes, plan->vnet.address_prefix_count))
        return false;
    cJSON *subnets = array_member(props, "subnets");
    cJSON *subnet = subnets ? plan_subnet(subnets, plan) : NULL;
    cJSON *sprops = subnet ? object_member(subnet, "properties") : NULL;
    if (!sprops || !set_route_table(sprops, route_table_id))
        return false;
    return !plan->subnet.address_prefix ||
           put(sprops, "addressPrefix", cJSON_CreateString(plan->subnet.address_prefix));
}

/*
 * The VNet.  From an existing one everything is kept (other subnets, their
 * and this subnet's NSG, service endpoints, delegations, peerings, DNS
 * servers, address ranges the plan does not list) and only the plan's
 * subnet is set, added if absent: never fewer subnets than ARM holds.
 */
cJSON *aksnet__resources_vnet_body(const struct aksnet_plan *plan, const cJSON *existing, const char *route_table_id)
{
    if (!cJSON_IsObject(existing))
        existing = NULL;
    cJSON *body = writable_copy(existing);
    if (!body || !set_location_and_tags(body, plan, existing) || !set_vnet_properties(body, plan, route_table_id)) {
        cJSON_Delete(body);
        return NULL;
    }
    return body;
}

/*
 * The subnet of a VNet that is the user's: its properties as ARM holds
 * them (NSG, service endpoints, delegations, its address range), only the
 * route table association set.  Without existing, the plan's range.
 */
cJSON *aksnet__resources_subnet_body(const struct aksnet_plan *plan, const cJSON *existing, const char *route_table_id)
{
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(existing, "properties");
    cJSON *body = cJSON_CreateObject();
    cJSON *props = cJSON_IsObject(old) ? cJSON_Duplicate(old, 1) : cJSON_CreateObject();
    bool ok = body && props;
    if (ok) {
        strip_computed(props);
        cJSON_AddItemToObject(body, "properties", props);
        props = NULL;
        cJSON *sprops = cJSON_GetObjectItemCaseSensitive(body, "properties");
        bool has_range = cJSON_GetObjectItemCaseSensitive(sprops, "addressPrefix") ||
                         cJSON_GetObjectItemCaseSensitive(sprops, "addressPrefixes");
        ok = (has_range || add_str(sprops, "addressPrefix", plan->subnet.address_prefix)) &&
             set_route_table(sprops, route_table_id);
    }
    cJSON_Delete(props);
    if (!ok) {
        cJSON_Delete(body);
        return NULL;
    }
    return body;
}

cJSON *aksnet__resources_role_assignment_body(const char *role_definition_id, const char *principal_id)
{
    cJSON *body = cJSON_CreateObject();
    cJSON *props = body ? cJSON_AddObjectToObject(body, "properties") : NULL;
    if (!props || !add_str(props, "roleDefinitionId", role_definition_id) ||
        !add_str(props, "principalId", principal_id) || !add_str(props, "principalType", "ServicePrincipal")) {
        cJSON_Delete(body);
        return NULL;
    }
    return body;
}

/* The cluster's control-plane identity: the user-assigned one, else system-assigned. */
static cJSON *cluster_identity(const char *identity_id)
{
    cJSON *identity = cJSON_CreateObject();
    bool ok = identity != NULL;
    if (ok && identity_id && identity_id[0]) {
        cJSON *ids = cJSON_AddObjectToObject(identity, "userAssignedIdentities");
        ok = cJSON_AddStringToObject(identity, "type", "UserAssigned") && ids &&
             cJSON_AddObjectToObject(ids, identity_id);
    } else if (ok) {
        ok = cJSON_AddStringToObject(identity, "type", "SystemAssigned") != NULL;
    }
    if (!ok) {
        cJSON_Delete(identity);
        return NULL;
    }
    return identity;
}

/* One agent pool in the subnet (autoscaler bounds only with the autoscaler). */
static cJSON *pool_json(const struct aksnet_node_pool *p, const char *subnet_id)
{
    cJSON *pool = cJSON_CreateObject();
    bool ok = pool && add_str(pool, "name", p->name) &&
              (p->count == AKSNET_PLAN_UNSET || cJSON_AddNumberToObject(pool, "count", (double)p->count)) &&
              add_str(pool, "vmSize", p->vm_size) &&
              (p->max_pods == AKSNET_PLAN_UNSET || cJSON_AddNumberToObject(pool, "maxPods", (double)p->max_pods)) &&
              add_str(pool, "osType", canonical(p->os_type, OS_TYPES)) &&
              add_str(pool, "mode", canonical(p->mode, POOL_MODES)) &&
              cJSON_AddStringToObject(pool, "type", "VirtualMachineScaleSets") &&
              add_str(pool, "vnetSubnetID", subnet_id && subnet_id[0] ? subnet_id : NULL) &&
              cJSON_AddBoolToObject(pool, "enableAutoScaling", p->enable_auto_scaling);
    if (ok && p->enable_auto_scaling && p->min_count != AKSNET_PLAN_UNSET)
        ok = cJSON_AddNumberToObject(pool, "minCount", (double)p->min_count) != NULL;
    if (ok && p->enable_auto_scaling && p->max_count != AKSNET_PLAN_UNSET)
        ok = cJSON_AddNumberToObject(pool, "maxCount", (double)p->max_count) != NULL;
    if (ok && p->max_surge) {
        cJSON *upgrade = cJSON_AddObjectToObject(pool, "upgradeSettings");
        ok = upgrade && cJSON_AddStringToObject(upgrade, "maxSurge", p->max_surge);
    }
    if (!ok) {
        cJSON_Delete(pool);
        return NULL;
    }
    return pool;
}

/* kubenet and the plan's ranges; network policy "none" is said by leaving it out. */
static cJSON *network_profile(const struct aksnet_plan *plan)
{
    const char *policy = canonical(plan->cluster.network_policy, NETWORK_POLICIES);
    if (policy && strcmp(policy, "none") == 0)
        policy = NULL;
    const char *plugin = plan->cluster.network_plugin ? plan->cluster.network_plugin : "kubenet";
    cJSON *net = cJSON_CreateObject();
    if (!net || !add_str(net, "networkPlugin", canonical(plugin, NETWORK_PLUGINS)) ||
        !add_str(net, "networkPolicy", policy) || !add_str(net, "podCidr", plan->cluster.pod_cidr) ||
        !add_str(net, "serviceCidr", plan->cluster.service_cidr) ||
        !add_str(net, "dnsServiceIP", plan->cluster.dns_service_ip) ||
        !add_str(net, "outboundType", canonical(plan->cluster.outbound_type, OUTBOUND_TYPES))) {
        cJSON_Delete(net);
        return NULL;
    }
    return net;
}

/* The cluster's properties: DNS prefix, version, pools, network profile. */
static cJSON *cluster_properties(const struct aksnet_plan *plan, const struct aksnet_resource_ids *ids)
{
    cJSON *props = cJSON_CreateObject();
    cJSON *pools = props ? cJSON_CreateArray() : NULL;
    bool ok = pools && add_str(props, "dnsPrefix", plan->cluster.dns_prefix) &&
              add_str(props, "kubernetesVersion", plan->cluster.kubernetes_version);
    if (pools)
        cJSON_AddItemToObject(props, "agentPoolProfiles", pools);
    for (size_t i = 0; ok && i < plan->cluster.node_pool_count; i++) {
        const struct aksnet_node_pool *p = &plan->cluster.node_pools[i];
        if (!p->malformed)
            ok = cJSON_AddItemToArray(pools, pool_json(p, ids->subnet));
    }
    if (!ok || !put(props, "networkProfile", network_profile(plan))) {
        cJSON_Delete(props);
        return NULL;
    }
    return props;
}

cJSON *aksnet__resources_cluster_body(const struct aksnet_plan *plan, const struct aksnet_resource_ids *ids)
{
    cJSON *body = cJSON_CreateObject();
    bool ok = body && set_location_and_tags(body, plan, NULL) &&
              put(body, "identity", cluster_identity(ids->identity)) &&
              put(body, "properties", cluster_properties(plan, ids));
    if (!ok) {
        cJSON_Delete(body);
        return NULL;
    }
    return body;
}

/* ---- the cluster, read-modify-write ------------------------------------------- */

/*
 * Members AKS computes, by path (readOnly in
 * specification/containerservice/resource-manager/Microsoft.ContainerService/
 * aks/stable/2024-09-01/managedClusters.json): a body sends none back.
 */
static const char *const AKS_READ_ONLY[] = {
    "systemData", "properties.provisioningState", "properties.powerState", "properties.maxAgentPools",
    "properties.currentKubernetesVersion", "properties.fqdn", "properties.privateFQDN",
    "properties.azurePortalFQDN", "properties.resourceUID", "properties.ingressProfile.webAppRouting.identity",
    NULL};
static const char *const AKS_POOL_READ_ONLY[] = {"currentOrchestratorVersion", "nodeImageVersion", "eTag",
                                                 "provisioningState", NULL};

/* Remove the member at a dotted path, if there. */
static void delete_path(cJSON *obj, const char *path)
{
    const char *dot = strrchr(path, '.');
    char parent[128];
    if (dot && (size_t)(dot - path) < sizeof(parent)) {
        memcpy(parent, path, (size_t)(dot - path));
        parent[dot - path] = '\0';
        obj = aksnet__json_at(obj, parent);
    }
    if (cJSON_IsObject(obj))
        cJSON_DeleteItemFromObjectCaseSensitive(obj, dot ? dot + 1 : path);
}

/* The existing cluster as a body: its id, name, type and every computed member removed. */
static cJSON *cluster_writable_copy(const cJSON *existing)
{
    cJSON *body = cJSON_Duplicate(existing, 1);
    if (!body)
        return NULL;
    static const char *const top[] = {"id", "name", "type", "eTag", "etag", "identity", NULL}; /* the plan's */
    for (size_t i = 0; top[i]; i++)
        cJSON_DeleteItemFromObjectCaseSensitive(body, top[i]);
    for (size_t i = 0; AKS_READ_ONLY[i]; i++)
        delete_path(body, AKS_READ_ONLY[i]);
    cJSON *pool;
    cJSON_ArrayForEach(pool, aksnet__json_at(body, "properties.agentPoolProfiles"))
    {
        for (size_t i = 0; AKS_POOL_READ_ONLY[i]; i++)
            cJSON_DeleteItemFromObjectCaseSensitive(pool, AKS_POOL_READ_ONLY[i]);
    }
    cJSON *addon;
    cJSON_ArrayForEach(addon, aksnet__json_at(body, "properties.addonProfiles"))
    {
        cJSON_DeleteItemFromObjectCaseSensitive(addon, "identity");
    }
    return body;
}

/* Copy every member of src into dst, objects merged member by member, anything else replaced. */
static bool overlay(cJSON *dst, const cJSON *src)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, src)
    {
        cJSON *d = cJSON_GetObjectItemCaseSensitive(dst, m->string);
        if (cJSON_IsObject(m) && cJSON_IsObject(d)) {
            if (!overlay(d, m))
                return false;
        } else if (!put(dst, m->string, cJSON_Duplicate(m, 1))) {
            return false;
        }
    }
    return true;
}

/*
 * One planned pool over the pool ARM holds: the plan's members win, except
 * the count of a pool whose autoscaler runs, which is the autoscaler's to
 * choose (while it lies within the plan's minCount..maxCount).
 */
static bool merge_pool(cJSON *have, const cJSON *want)
{
    const cJSON *count = cJSON_GetObjectItemCaseSensitive(have, "count");
    double kept = cJSON_IsNumber(count) ? count->valuedouble : -1;
    bool autoscaled = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(have, "enableAutoScaling")) &&
                      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(want, "enableAutoScaling"));
    if (!overlay(have, want))
        return false;
    const cJSON *lo = cJSON_GetObjectItemCaseSensitive(want, "minCount");
    const cJSON *hi = cJSON_GetObjectItemCaseSensitive(want, "maxCount");
    if (autoscaled && kept >= 0 && cJSON_IsNumber(lo) && cJSON_IsNumber(hi) && kept >= lo->valuedouble &&
        kept <= hi->valuedouble)
        return put(have, "count", cJSON_CreateNumber(kept));
    return true;
}

/* The planned pools merged into those ARM holds; pools the plan does not name are kept as they are. */
static bool merge_pools(cJSON *props, const cJSON *planned)
{
    cJSON *pools = array_member(props, "agentPoolProfiles");
    const cJSON *want;
    cJSON_ArrayForEach(want, planned)
    {
        cJSON *have = named(pools, aksnet__json_str(want, "name"));
        bool ok = have ? merge_pool(have, want) : cJSON_AddItemToArray(pools, cJSON_Duplicate(want, 1));
        if (!ok)
            return false;
    }
    return pools != NULL;
}

cJSON *aksnet__resources_cluster_merge(cJSON *planned, const cJSON *existing)
{
    if (!planned)
        return NULL;
    cJSON *props = aksnet__json_at(planned, "properties");
    if (!cJSON_IsObject(existing)) {
        /* Created with Kubernetes RBAC on: it cannot be changed later, and older api-versions defaulted differently. */
        if (!props || !put(props, "enableRBAC", cJSON_CreateTrue())) {
            cJSON_Delete(planned);
            return NULL;
        }
        return planned;
    }
    cJSON *body = cluster_writable_copy(existing);
    cJSON *into = body ? object_member(body, "properties") : NULL;
    cJSON *pools = props ? cJSON_DetachItemFromObjectCaseSensitive(props, "agentPoolProfiles") : NULL;
    bool ok = into && overlay(body, planned) && merge_pools(aksnet__json_at(body, "properties"), pools);
    cJSON_Delete(pools);
    cJSON_Delete(planned);
    if (!ok) {
        cJSON_Delete(body);
        return NULL;
    }
    return body;
}
