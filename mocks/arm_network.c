/*
 * arm_network.c - Microsoft.Network: virtual networks and their subnets,
 * route tables and their routes, as the Network resource provider serves
 * them.
 *
 * A VNet and a route table are tracked resources (tracked.c) whose PUT and
 * DELETE are long-running.  Subnets and peerings live inside their VNet's body and
 * routes inside their table's body, as ARM returns them; the child paths
 * .../subnets/{name} and .../routes/{name} read and write those arrays.  A
 * child's PUT or DELETE runs as an update of its parent (one operation on
 * the parent's id), so parent and child exclude each other as in ARM.  A
 * child being written says "Updating" (or "Deleting") until the parent's
 * operation settles, when on_put_done marks it "Succeeded" (or removes it).
 * A route table's `subnets` is computed on GET from the VNets whose subnets
 * point at it, so an association shows on both sides.  Every write gives
 * the parent and its children a new etag, as the Network RP does.
 *
 * Depends on: lro.c, regions.c (mock_location_same()), store.c
 * (mock_store_get()), tracked.c (mock_tracked_handle()), util.c, src/util
 * (cidr).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cidr.h"
#include "arm_network.h"
#include "mock.h"

#define PROVIDER "Microsoft.Network"
#define SUBNET_TYPE "Microsoft.Network/virtualNetworks/subnets"
#define RT_TYPE "Microsoft.Network/routeTables"
#define ROUTE_TYPE "Microsoft.Network/routeTables/routes"
#define NSG_TYPE "Microsoft.Network/networkSecurityGroups"
#define CLUSTER_TYPE "Microsoft.ContainerService/managedClusters"
#define MIN_SUBNET_LEN 29   /* the smallest subnet Azure allows: /29, 8 addresses of which 5 are reserved */
#define MAX_ROUTES 400      /* user-defined routes a route table holds */
#define ETAG_LEN 48
#define ID_LEN 1024

/*
 * Every stable Microsoft.Network api-version from 2017 on, as the folders
 * of specification/network/resource-manager/Microsoft.Network/Network/stable
 * and the readme's package tags list them.  The preview versions there
 * (networkManager, networkSecurityPerimeter, ...) do not cover these types.
 */
static const char *const network_versions[] = {
    "2017-03-01", "2017-06-01", "2017-08-01", "2017-09-01", "2017-10-01", "2017-11-01", "2018-01-01",
    "2018-02-01", "2018-04-01", "2018-06-01", "2018-07-01", "2018-08-01", "2018-10-01", "2018-11-01",
    "2018-12-01", "2019-02-01", "2019-04-01", "2019-06-01", "2019-07-01", "2019-08-01", "2019-09-01",
    "2019-11-01", "2019-12-01", "2020-03-01", "2020-04-01", "2020-05-01", "2020-06-01", "2020-07-01",
    "2020-08-01", "2020-11-01", "2021-02-01", "2021-03-01", "2021-05-01", "2021-08-01", "2022-01-01",
    "2022-05-01", "2022-07-01", "2022-09-01", "2022-11-01", "2023-02-01", "2023-04-01", "2023-05-01",
    "2023-06-01", "2023-09-01", "2023-11-01", "2024-01-01", "2024-03-01", "2024-05-01", "2024-07-01",
    "2024-10-01", "2025-01-01", "2025-03-01", "2025-05-01", "2025-07-01", "2025-09-01", NULL};

/* What a subnet or a route is checked against: its parent. */
struct parent_view {
    const char *id, *name, *location;
    const cJSON *space;       /* a VNet's addressSpace.addressPrefixes (already checked); NULL for a table */
};

/* Subnets and routes differ only in these. */
struct child_kind {
    const char *member;       /* "subnets" | "routes" */
    const char *arm_type;
    size_t limit;             /* most children a parent may hold; 0 = no limit */
    const char *limit_code;
    /* Check one child (its properties, a copy that may be normalised) against its parent and siblings. */
    bool (*check)(struct armmock *m, const struct parent_view *p, const char *name, cJSON *props,
                  const cJSON *siblings, struct mock_response *rs);
    /* Fill the members the Network RP adds when a request leaves them out. */
    void (*complete)(const struct parent_view *p, cJSON *props);
    /* Refuse a DELETE (reply and return false), e.g. a subnet in use; NULL = always allowed. */
    bool (*can_delete)(struct armmock *m, const cJSON *child, struct mock_response *rs);
};

/* ---- small helpers ------------------------------------------------------------ */

static void add_detail(struct mock_response *rs, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void reply_bad_format(struct mock_response *rs, const char *detail_code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Append {"code","message"} to the details of the error rs holds, as the RP explains a refusal. */
static void add_detail(struct mock_response *rs, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    cJSON *details = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rs->json, "error"), "details");
    cJSON *d = cJSON_IsArray(details) ? cJSON_CreateObject() : NULL;
    if (!d)
        return;
    cJSON_AddStringToObject(d, "code", code);
    cJSON_AddStringToObject(d, "message", msg);
    cJSON_AddItemToArray(details, d);
}

/* The RP's answer to a body it cannot take: InvalidRequestFormat, the reason as a detail. */
static void reply_bad_format(struct mock_response *rs, const char *detail_code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    mock_reply_error(rs, 400, "InvalidRequestFormat", "Cannot parse the request.");
    add_detail(rs, detail_code, "%s", msg);
}

/* ARM's weak etag, new on every write. */
static void new_etag(char out[ETAG_LEN])
{
    char uuid[37];
    mock_uuid(uuid);
    snprintf(out, ETAG_LEN, "W/\"%s\"", uuid);
}

/* An ARM body's properties (NULL-safe: every lookup below tolerates a missing member). */
static cJSON *props_of(const cJSON *obj)
{
    return cJSON_GetObjectItemCaseSensitive(obj, "properties");
}

/* provisioningState says what runs on a resource or a child ("Updating", "Deleting"). */
static const char *state_of(const cJSON *obj)
{
    return mock_json_str(props_of(obj), "provisioningState");
}

/* Set provisioningState, creating properties when a stored body lacks them. */
static void set_state(cJSON *obj, const char *state)
{
    mock_json_set_str(mock_json_obj(obj, "properties"), "provisioningState", state);
}

/* An array member, created (replacing a non-array) when missing. */
static cJSON *array_member(cJSON *obj, const char *key)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (cJSON_IsArray(v))
        return v;
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    return cJSON_AddArrayToObject(obj, key);
}

/* Add key = value unless the request already set key (the RP's defaults); takes value. */
static void default_member(cJSON *obj, const char *key, cJSON *value)
{
    if (!obj || cJSON_GetObjectItemCaseSensitive(obj, key))
        cJSON_Delete(value);
    else
        cJSON_AddItemToObject(obj, key, value);
}

/* The child named name (case-insensitively) in a list of children, or NULL. */
static cJSON *find_child(const cJSON *list, const char *name)
{
    cJSON *c;
    cJSON_ArrayForEach(c, list) {
        const char *n = mock_json_str(c, "name");
        if (n && name && strcasecmp(n, name) == 0)
            return c;
    }
    return NULL;
}

/* Give the parent and every child one new etag: they are one document to the RP. */
static void stamp(cJSON *parent_body, const char *member, const char *etag)
{
    mock_json_set_str(parent_body, "etag", etag);
    cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(props_of(parent_body), member)) {
        mock_json_set_str(c, "etag", etag);
    }
}

/* A resourceGuid is given once, at creation, and kept by updates. */
static void keep_guid(cJSON *props, const struct mock_resource *old)
{
    const char *kept = old ? mock_json_str(props_of(old->body), "resourceGuid") : NULL;
    char fresh[37];
    mock_uuid(fresh);
    mock_json_set_str(props, "resourceGuid", kept ? kept : fresh);
}

/* A word character of the RP's name rule (.NET's \w, restricted to ASCII). */
static bool word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/*
 * The RP's rule for names: 1-80 characters of word characters, '.', '-';
 * begins with a word character and ends with one (or '_').
 */
static bool check_name(const char *name, struct mock_response *rs)
{
    size_t n = name ? strlen(name) : 0;
    bool ok = n >= 1 && n <= 80 && word_char(name[0]) && word_char(name[n - 1]);
    for (size_t i = 0; ok && i < n; i++)
        ok = word_char(name[i]) || name[i] == '.' || name[i] == '-';
    if (!ok)
        mock_reply_error(rs, 400, "InvalidResourceName",
                         "Resource name %s is invalid. The name can be up to 80 characters long. It must begin with a "
                         "word character, and it must end with a word character or with '_'. The name may contain "
                         "word characters or '.', '-', '_'.", name ? name : "(none)");
    return ok;
}

/* If-Match / If-None-Match against the etag the resource has now (NULL: it does not exist). */
static bool check_preconditions(const struct mock_request *rq, const char *etag, struct mock_response *rs)
{
    const char *match = mock_header(rq, "If-Match");
    const char *none = mock_header(rq, "If-None-Match");
    bool ok = true;
    if (match && *match)
        ok = etag && (strcmp(match, "*") == 0 || strcmp(match, etag) == 0);
    if (ok && none && strcmp(none, "*") == 0)
        ok = !etag;
    if (!ok)
        mock_reply_error(rs, 412, "PreconditionFailed",
                         "Precondition failed: the resource's etag is %s, the request asked for If-Match '%s' "
                         "If-None-Match '%s'.", etag ? etag : "(none: it does not exist)", match ? match : "",
                         none ? none : "");
    return ok;
}

/* ---- address prefixes ----------------------------------------------------------- */

/* A prefix already checked (or from the store): true when it parses. */
static bool prefix_of(const cJSON *v, struct aksnet__cidr *out)
{
    return cJSON_IsString(v) && aksnet__cidr_parse(v->valuestring, out) == AKSNET_CIDR_OK;
}

/*
 * One address prefix as the RP checks it: IPv4 CIDR notation
 * (InvalidAddressPrefixFormat) with no host bits set (InvalidCIDRNotation,
 * naming the prefix it should have been).
 */
static bool parse_prefix(const cJSON *v, const char *owner, struct aksnet__cidr *out, struct mock_response *rs)
{
    if (!cJSON_IsString(v)) {
        reply_bad_format(rs, "InvalidJson", "An address prefix of resource %s is missing or is not a string.", owner);
        return false;
    }
    aksnet__cidr_status st = aksnet__cidr_parse(v->valuestring, out);
    if (st == AKSNET_CIDR_OK)
        return true;
    if (st == AKSNET_CIDR_HOST_BITS) {
        struct aksnet__cidr net = aksnet__cidr_network(*out);
        char buf[AKSNET_CIDR_STRLEN];
        mock_reply_error(rs, 400, "InvalidCIDRNotation",
                         "The address prefix %s in resource %s has an invalid CIDR notation. For the given prefix "
                         "length, the address prefix should be %s.", v->valuestring, owner,
                         aksnet__cidr_format(&net, buf));
    } else {
        mock_reply_error(rs, 400, "InvalidAddressPrefixFormat",
                         "Address prefix %s of resource %s is not formatted correctly. It should follow CIDR "
                         "notation, for example 10.0.0.0/24.", v->valuestring, owner);
    }
    return false;
}

/* properties.addressSpace.addressPrefixes of a VNet, or NULL. */
static const cJSON *space_of(const cJSON *vnet_props)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(vnet_props, "addressSpace"),
                                            "addressPrefixes");
}

/* A VNet's address space: at least one prefix, each valid, none overlapping another. */
static bool check_address_space(const cJSON *props, const char *vnet_id, struct mock_response *rs)
{
    const cJSON *list = space_of(props);
    if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0) {
        reply_bad_format(rs, "InvalidJson",
                         "Virtual network %s needs at least one address prefix in properties.addressSpace."
                         "addressPrefixes.", vnet_id);
        return false;
    }
    const cJSON *a;
    cJSON_ArrayForEach(a, list) {
        struct aksnet__cidr ca, cb;
        if (!parse_prefix(a, vnet_id, &ca, rs))
            return false;
        for (const cJSON *b = list->child; b != a; b = b->next)
            if (prefix_of(b, &cb) && aksnet__cidr_overlaps(&ca, &cb)) {
                mock_reply_error(rs, 400, "VnetAddressSpacesOverlap",
                                 "Cannot create or update virtual network %s: its address prefixes %s and %s "
                                 "overlap.", vnet_id, b->valuestring, a->valuestring);
                return false;
            }
    }
    return true;
}

/* The i-th prefix of a subnet: addressPrefix, or else the addressPrefixes list; NULL past the end. */
static const cJSON *subnet_prefix(const cJSON *sprops, size_t i)
{
    const cJSON *one = cJSON_GetObjectItemCaseSensitive(sprops, "addressPrefix");
    if (one && !cJSON_IsNull(one))
        return i == 0 ? one : NULL;
    const cJSON *many = cJSON_GetObjectItemCaseSensitive(sprops, "addressPrefixes");
    return cJSON_IsArray(many) && i < (size_t)cJSON_GetArraySize(many) ? cJSON_GetArrayItem(many, (int)i) : NULL;
}

/* A subnet prefix must lie wholly inside one of the VNet's address prefixes. */
static bool inside_space(const cJSON *space, const struct aksnet__cidr *c)
{
    const cJSON *p;
    cJSON_ArrayForEach(p, space) {
        struct aksnet__cidr s;
        if (prefix_of(p, &s) && aksnet__cidr_contains(&s, c))
            return true;
    }
    return false;
}

/* Two subnets overlap when any prefix of one shares an address with any prefix of the other. */
static bool subnets_overlap(const cJSON *a, const cJSON *b)
{
    const cJSON *pa, *pb;
    for (size_t i = 0; (pa = subnet_prefix(a, i)); i++)
        for (size_t j = 0; (pb = subnet_prefix(b, j)); j++) {
            struct aksnet__cidr ca, cb;
            if (prefix_of(pa, &ca) && prefix_of(pb, &cb) && aksnet__cidr_overlaps(&ca, &cb))
                return true;
        }
    return false;
}

/* ---- subnets -------------------------------------------------------------------------- */

/* A subnet's prefixes: present, valid, at least a /29, inside the VNet's address space. */
static bool check_subnet_prefixes(const struct parent_view *v, const char *name, const char *sid,
                                  const cJSON *sprops, struct mock_response *rs)
{
    const cJSON *p;
    size_t i = 0;
    for (; (p = subnet_prefix(sprops, i)); i++) {
        struct aksnet__cidr c;
        if (!parse_prefix(p, sid, &c, rs))
            return false;
        if (c.len > MIN_SUBNET_LEN) {
            mock_reply_error(rs, 400, "NetcfgInvalidSubnet",
                             "Subnet '%s' is not valid in virtual network '%s': %s is smaller than a /%d, the "
                             "smallest subnet Azure supports.", name, v->name, p->valuestring, MIN_SUBNET_LEN);
            return false;
        }
        if (!inside_space(v->space, &c)) {
            mock_reply_error(rs, 400, "NetcfgSubnetRangeOutsideVnet",
                             "Subnet '%s' is not valid because its IP address range is outside the IP address range "
                             "of virtual network '%s'.", name, v->name);
            return false;
        }
    }
    if (i == 0)
        mock_reply_error(rs, 400, "NoAddressPrefixOrPoolProvided",
                         "No address prefix or IPAM pool was provided for subnet %s.", sid);
    return i > 0;
}

/*
 * A subnet's reference (routeTable, networkSecurityGroup) must name a
 * resource of that type that exists, in the VNet's region.
 */
static bool check_reference(struct armmock *m, const cJSON *sprops, const char *member, const char *arm_type,
                            const char *sid, const char *location, struct mock_response *rs)
{
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(sprops, member);
    if (!ref || cJSON_IsNull(ref))
        return true;
    const char *id = mock_json_str(ref, "id");
    if (!cJSON_IsObject(ref) || !id) {
        reply_bad_format(rs, "InvalidJson", "properties.%s of subnet %s must be an object with an 'id'.", member, sid);
        return false;
    }
    const struct mock_resource *r = mock_store_get(&m->store, id);
    const char *type = r ? mock_json_str(r->body, "type") : NULL;
    const char *where = r ? mock_json_str(r->body, "location") : NULL;
    if (type && strcasecmp(type, arm_type) == 0 && (!where || !location || mock_location_same(where, location)))
        return true;
    mock_reply_error(rs, 400, "InvalidResourceReference",
                     "Resource %s referenced by resource %s was not found. Please make sure that the referenced "
                     "resource exists, and that both resources are in the same region.", id, sid);
    return false;
}

/* One subnet against its VNet and its siblings (the one of the same name is itself, and skipped). */
static bool check_subnet(struct armmock *m, const struct parent_view *v, const char *name, cJSON *props,
                         const cJSON *siblings, struct mock_response *rs)
{
    char sid[ID_LEN];
    snprintf(sid, sizeof(sid), "%s/subnets/%s", v->id, name);
    if (!check_subnet_prefixes(v, name, sid, props, rs) ||
        !check_reference(m, props, "routeTable", RT_TYPE, sid, v->location, rs) ||
        !check_reference(m, props, "networkSecurityGroup", NSG_TYPE, sid, v->location, rs))
        return false;
    const cJSON *o;
    cJSON_ArrayForEach(o, siblings) {
        const char *other = mock_json_str(o, "name");
        if (other && strcasecmp(other, name) != 0 && subnets_overlap(props, props_of(o))) {
            mock_reply_error(rs, 400, "NetcfgSubnetRangesOverlap",
                             "Subnet '%s' is not valid because its IP address range overlaps with that of an existing "
                             "subnet in virtual network '%s'.", name, v->name);
            return false;
        }
    }
    return true;
}

/*
 * A service endpoint as the RP fills it: its locations, by default the
 * VNet's region ("By default, service endpoints are configured to the
 * VNet's region", https://learn.microsoft.com/azure/virtual-network/
 * virtual-network-service-endpoints-configure; Azure Storage's paired
 * region, which that page adds, is not), and its provisioningState
 * (SubnetCreateServiceEndpoint.json 2024-05-01 shows both).
 */
static void complete_service_endpoint(const struct parent_view *p, cJSON *endpoint)
{
    if (!cJSON_IsObject(endpoint))
        return;
    const cJSON *locations = cJSON_GetObjectItemCaseSensitive(endpoint, "locations");
    if (!cJSON_IsArray(locations) || cJSON_GetArraySize(locations) == 0) {
        cJSON *list = cJSON_CreateArray();
        cJSON_AddItemToArray(list, cJSON_CreateString(p->location ? p->location : ""));
        mock_json_set(endpoint, "locations", list);
    }
    mock_json_set_str(endpoint, "provisioningState", "Succeeded");
}

/*
 * A delegation as the RP fills it: provisioningState, and the actions
 * granted to the service.  Those depend on the service (the
 * availableDelegations API lists them, e.g. AvailableDelegationsSubscriptionGet.json);
 * the mock knows none and answers an empty list, as
 * VirtualNetworkGetWithSubnetDelegation.json 2024-05-01 shows for its
 * service (for real services: a guess).
 */
static void complete_delegation(cJSON *delegation)
{
    cJSON *props = cJSON_IsObject(delegation) ? mock_json_obj(delegation, "properties") : NULL;
    default_member(props, "actions", cJSON_CreateArray());
    if (props)
        mock_json_set_str(props, "provisioningState", "Succeeded");
}

/*
 * The members the RP adds to a subnet a request leaves them out of; a
 * delegated subnet also gets purpose, "" as
 * VirtualNetworkGetWithSubnetDelegation.json shows it (what other services
 * set there: not modelled).
 */
static void complete_subnet(const struct parent_view *p, cJSON *props)
{
    default_member(props, "delegations", cJSON_CreateArray());
    default_member(props, "privateEndpointNetworkPolicies", cJSON_CreateString("Disabled"));
    default_member(props, "privateLinkServiceNetworkPolicies", cJSON_CreateString("Enabled"));
    cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(props, "serviceEndpoints")) {
        complete_service_endpoint(p, e);
    }
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(props, "delegations")) {
        complete_delegation(e);
    }
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(props, "delegations")) > 0)
        default_member(props, "purpose", cJSON_CreateString(""));
}

/* Ids compare case-insensitively, as ARM compares them. */
static bool names_subnet(const cJSON *obj, const char *key, const char *subnet_id)
{
    const char *s = mock_json_str(obj, key);
    return s && strcasecmp(s, subnet_id) == 0;
}

/*
 * A managed cluster, by its type's name or its body's (for one loaded from a
 * state file): never by &mock_type_cluster, which would make this file call
 * back up into arm_aks.c, which calls this one.
 */
static bool is_cluster(const struct mock_resource *r)
{
    const char *type = mock_json_str(r->body, "type");
    return (r->type && strcasecmp(r->type->arm_type, CLUSTER_TYPE) == 0) ||
           (type && strcasecmp(type, CLUSTER_TYPE) == 0);
}

/* Who uses a subnet: a cluster's node (or pod) pools, or an agent pool; its id, or NULL. */
static const char *subnet_user(struct armmock *m, const char *subnet_id)
{
    for (size_t i = 0; i < m->store.count; i++) {
        const struct mock_resource *r = m->store.items[i];
        const cJSON *props = props_of(r->body);
        if (names_subnet(props, "vnetSubnetID", subnet_id) || names_subnet(props, "podSubnetID", subnet_id))
            return r->id;
        const cJSON *pools = is_cluster(r) ? cJSON_GetObjectItemCaseSensitive(props, "agentPoolProfiles") : NULL;
        const cJSON *pool;
        cJSON_ArrayForEach(pool, pools) {
            if (names_subnet(pool, "vnetSubnetID", subnet_id) || names_subnet(pool, "podSubnetID", subnet_id))
                return r->id;
        }
    }
    return NULL;
}

/* See arm_network.h; the user itself is what the error messages name. */
bool mock_network_subnet_in_use(struct armmock *m, const char *subnet_id)
{
    return subnet_id && subnet_user(m, subnet_id) != NULL;
}

/* A subnet in use cannot go, whether by its own DELETE, its VNet's, or a VNet PUT that drops it. */
static bool subnet_can_delete(struct armmock *m, const cJSON *child, struct mock_response *rs)
{
    const char *id = mock_json_str(child, "id");
    const char *user = id ? subnet_user(m, id) : NULL;
    if (user)
        mock_reply_error(rs, 400, "InUseSubnetCannotBeDeleted",
                         "Subnet %s is in use by %s and cannot be deleted. In order to delete the subnet, delete all "
                         "the resources within the subnet. See aka.ms/deletesubnet.", mock_json_str(child, "name"),
                         user);
    return !user;
}

/* The last occurrence of word in s, compared case-insensitively, or NULL. */
static const char *find_last_ci(const char *s, const char *word)
{
    size_t n = strlen(word);
    const char *found = NULL;
    for (const char *p = s; *p; p++)
        if (strncasecmp(p, word, n) == 0)
            found = p;
    return found;
}

/* See arm_network.h: the VNet is the id up to the last "/subnets/", the subnet its last segment. */
cJSON *mock_network_subnet(struct armmock *m, const char *subnet_id, struct mock_resource **vnet)
{
    if (vnet)
        *vnet = NULL;
    const char *cut = subnet_id ? find_last_ci(subnet_id, "/subnets/") : NULL;
    const char *name = cut ? cut + strlen("/subnets/") : NULL;
    if (!name || !*name || strchr(name, '/'))
        return NULL;
    char *vnet_id = strndup(subnet_id, (size_t)(cut - subnet_id));
    struct mock_resource *r = vnet_id ? mock_store_get(&m->store, vnet_id) : NULL;
    free(vnet_id);
    if (!r || r->type != &mock_type_vnet)
        return NULL;
    if (vnet)
        *vnet = r;
    return find_child(cJSON_GetObjectItemCaseSensitive(props_of(r->body), "subnets"), name);
}

/* See arm_network.h: the children are a route table's routes, or else a VNet's subnets. */
void mock_network_new_etag(struct mock_resource *r)
{
    if (!r)
        return;
    char etag[ETAG_LEN];
    new_etag(etag);
    stamp(r->body, r->type == &mock_type_route_table ? "routes" : "subnets", etag);
    if (r->type != &mock_type_route_table)
        stamp(r->body, "virtualNetworkPeerings", etag);
}

/* ---- routes ----------------------------------------------------------------------------- */

static const char *const next_hop_types[] = {"VirtualNetworkGateway", "VnetLocal", "Internet", "VirtualAppliance",
                                             "None", NULL};

/* A service tag as a route's destination: "AzureCloud", "Storage.WestUS". */
static bool service_tag_like(const char *s)
{
    size_t n = strlen(s);
    bool ok = n >= 1 && n <= 80 && isalpha((unsigned char)s[0]);
    for (size_t i = 1; ok && i < n; i++)
        ok = isalnum((unsigned char)s[i]) || s[i] == '.';
    return ok;
}

/* A next hop is an IPv4 or IPv6 address. */
static bool ip_like(const char *s)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* The next hop: a known type (any case, stored as ARM spells it); an IP address with, and only with, an appliance. */
static bool check_next_hop(const char *rid, const char *name, cJSON *props, struct mock_response *rs)
{
    const char *type = mock_json_str(props, "nextHopType");
    const char *canon = NULL;
    for (size_t i = 0; type && next_hop_types[i]; i++)
        if (strcasecmp(type, next_hop_types[i]) == 0)
            canon = next_hop_types[i];
    if (!canon) {
        reply_bad_format(rs, "InvalidJson",
                         "Error converting value '%s' to type 'RouteNextHopType' in properties.nextHopType of route "
                         "%s. Valid values: VirtualNetworkGateway, VnetLocal, Internet, VirtualAppliance, None.",
                         type ? type : "null", rid);
        return false;
    }
    mock_json_set_str(props, "nextHopType", canon);
    const cJSON *ip = cJSON_GetObjectItemCaseSensitive(props, "nextHopIpAddress");
    bool has_ip = ip && !cJSON_IsNull(ip) && !(cJSON_IsString(ip) && !*ip->valuestring);
    bool appliance = strcmp(canon, "VirtualAppliance") == 0;
    if (appliance && !has_ip) {
        mock_reply_error(rs, 400, "MissingNextHopIpAddress",
                         "NextHopIpAddress cannot be Null or Empty in route %s when NextHopType is VirtualAppliance.",
                         name);
        return false;
    }
    if (!appliance && has_ip) {
        mock_reply_error(rs, 400, "NextHopIpAddressNotAllowed",
                         "NextHopIpAddress is not allowed in route %s when NextHopType is %s: only a VirtualAppliance "
                         "next hop has an address.", name, canon);
        return false;
    }
    if (has_ip && (!cJSON_IsString(ip) || !ip_like(ip->valuestring))) {
        reply_bad_format(rs, "InvalidJson", "properties.nextHopIpAddress of route %s is not an IP address.", rid);
        return false;
    }
    if (!has_ip)
        cJSON_DeleteItemFromObjectCaseSensitive(props, "nextHopIpAddress");
    return true;
}

/* One route: its destination (IPv4 prefix or service tag) and its next hop. */
static bool check_route(struct armmock *m, const struct parent_view *t, const char *name, cJSON *props,
                        const cJSON *siblings, struct mock_response *rs)
{
    (void)m;
    (void)siblings;
    char rid[ID_LEN];
    snprintf(rid, sizeof(rid), "%s/routes/%s", t->id, name);
    const cJSON *dest = cJSON_GetObjectItemCaseSensitive(props, "addressPrefix");
    struct aksnet__cidr c;
    bool tag = cJSON_IsString(dest) && service_tag_like(dest->valuestring);
    if (!tag && !parse_prefix(dest, rid, &c, rs))
        return false;
    return check_next_hop(rid, name, props, rs);
}

/* The member the RP adds to every route (read-only, false for user-defined routes). */
static void complete_route(const struct parent_view *p, cJSON *props)
{
    (void)p;
    default_member(props, "hasBgpOverride", cJSON_CreateFalse());
}

/* ---- peerings ------------------------------------------------------------------------------- */

/*
 * A VNet's peerings (VirtualNetworkPeering in specification/network/
 * resource-manager/Microsoft.Network/stable/2024-05-01/virtualNetwork.json)
 * live in its body under properties.virtualNetworkPeerings, as ARM returns
 * them, and are written through .../virtualNetworkPeerings/{name} as an
 * update of the VNet.  The RP fills remoteAddressSpace (and
 * remoteVirtualNetworkAddressSpace) from the remote VNet, and refuses two
 * VNets whose address spaces overlap with VnetAddressSpacesOverlap ("Virtual
 * networks ... cannot be peered because their address spaces overlap",
 * https://learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering:
 * "The virtual networks you peer must have nonoverlapping IP address
 * spaces").  peeringState is Initiated until the remote VNet peers back,
 * then Connected on both sides; deleting one side leaves the other
 * Disconnected (the same page, "Peering status").  A remote VNet that does
 * not exist is refused with InvalidResourceReference: a guess at the code
 * (docs/azure-behaviour.md).
 */
#define PEERING_TYPE "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"

/* The remote VNet a peering names (properties.remoteVirtualNetwork.id), or NULL. */
static const char *remote_id(const cJSON *peering_props)
{
    return mock_json_str(cJSON_GetObjectItemCaseSensitive(peering_props, "remoteVirtualNetwork"), "id");
}

/* The first prefix of space a overlapping one of space b, as text into out; false when none overlaps. */
static bool spaces_overlap(const cJSON *a, const cJSON *b, char *out, size_t size)
{
    const cJSON *x, *y;
    cJSON_ArrayForEach(x, a) {
        cJSON_ArrayForEach(y, b) {
            struct aksnet__cidr cx, cy;
            if (prefix_of(x, &cx) && prefix_of(y, &cy) && aksnet__cidr_overlaps(&cx, &cy)) {
                snprintf(out, size, "%s", aksnet__cidr_contains(&cx, &cy) ? y->valuestring : x->valuestring);
                return true;
            }
        }
    }
    return false;
}

/* {"addressPrefixes": [...]} copied from a VNet's address space. */
static cJSON *space_copy(const cJSON *prefixes)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "addressPrefixes", cJSON_IsArray(prefixes) ? cJSON_Duplicate(prefixes, 1)
                                                                         : cJSON_CreateArray());
    return o;
}

/* One peering: a remote VNet that exists and does not overlap; its address space is copied in. */
static bool check_peering(struct armmock *m, const struct parent_view *v, const char *name, cJSON *props,
                          const cJSON *siblings, struct mock_response *rs)
{
    (void)siblings;
    char pid[ID_LEN], overlap[64];
    snprintf(pid, sizeof(pid), "%s/virtualNetworkPeerings/%s", v->id, name);
    const char *rid = remote_id(props);
    if (!rid) {
        reply_bad_format(rs, "InvalidJson", "properties.remoteVirtualNetwork of peering %s must be an object with "
                         "an 'id'.", pid);
        return false;
    }
    const struct mock_resource *remote = mock_store_get(&m->store, rid);
    if (!remote || remote->type != &mock_type_vnet) {
        mock_reply_error(rs, 400, "InvalidResourceReference",
                         "Resource %s referenced by resource %s was not found. Please make sure that the referenced "
                         "resource exists, and that both resources are in the same region.", rid, pid);
        return false;
    }
    const cJSON *remote_space = space_of(props_of(remote->body));
    if (spaces_overlap(v->space, remote_space, overlap, sizeof(overlap))) {
        mock_reply_error(rs, 400, "VnetAddressSpacesOverlap",
                         "Cannot create or update peering %s. Virtual networks %s and %s cannot be peered because "
                         "their address spaces overlap. Overlapping address prefixes: %s.", pid, v->id, remote->id,
                         overlap);
        return false;
    }
    mock_json_set(props, "remoteAddressSpace", space_copy(remote_space));
    mock_json_set(props, "remoteVirtualNetworkAddressSpace", space_copy(remote_space));
    return true;
}

/* The members the RP adds to a peering a request leaves them out of. */
static void complete_peering(const struct parent_view *p, cJSON *props)
{
    (void)p;
    default_member(props, "allowVirtualNetworkAccess", cJSON_CreateTrue());
    default_member(props, "allowForwardedTraffic", cJSON_CreateFalse());
    default_member(props, "allowGatewayTransit", cJSON_CreateFalse());
    default_member(props, "useRemoteGateways", cJSON_CreateFalse());
    default_member(props, "peeringSyncLevel", cJSON_CreateString("FullyInSync"));
    mock_json_set_str(props, "peeringState", "Initiated");
}

/* The peering of VNet body that points at vnet_id, or NULL. */
static cJSON *peering_to(const cJSON *body, const char *vnet_id)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(props_of(body), "virtualNetworkPeerings");
    cJSON *pe;
    cJSON_ArrayForEach(pe, list) {
        const char *rid = remote_id(props_of(pe));
        if (rid && strcasecmp(rid, vnet_id) == 0)
            return pe;
    }
    return NULL;
}

/* Before a VNet's operation settles: the other side of each peering being deleted is now Disconnected. */
static void disconnect_deleted_peerings(struct armmock *m, const struct mock_resource *r)
{
    const cJSON *pe;
    cJSON_ArrayForEach(pe, cJSON_GetObjectItemCaseSensitive(props_of(r->body), "virtualNetworkPeerings")) {
        const char *st = state_of(pe), *rid = remote_id(props_of(pe));
        struct mock_resource *remote = rid ? mock_store_get(&m->store, rid) : NULL;
        cJSON *back = remote && st && strcmp(st, "Deleting") == 0 ? peering_to(remote->body, r->id) : NULL;
        if (back)
            mock_json_set_str(mock_json_obj(back, "properties"), "peeringState", "Disconnected");
    }
}

/* After it settles: a peering the remote VNet returns is Connected, on both sides. */
static void connect_peerings(struct armmock *m, const struct mock_resource *r)
{
    cJSON *pe;
    cJSON_ArrayForEach(pe, cJSON_GetObjectItemCaseSensitive(props_of(r->body), "virtualNetworkPeerings")) {
        const char *rid = remote_id(props_of(pe));
        struct mock_resource *remote = rid ? mock_store_get(&m->store, rid) : NULL;
        cJSON *back = remote ? peering_to(remote->body, r->id) : NULL;
        const char *now = mock_json_str(props_of(pe), "peeringState");
        if (back) {
            mock_json_set_str(mock_json_obj(pe, "properties"), "peeringState", "Connected");
            mock_json_set_str(mock_json_obj(back, "properties"), "peeringState", "Connected");
        } else if (!now || strcmp(now, "Disconnected") != 0) {
            mock_json_set_str(mock_json_obj(pe, "properties"), "peeringState", "Initiated");
        }
    }
}

/* ---- children of a PUT body and child paths ------------------------------------------------ */

static const struct child_kind subnet_kind = {
    .member = "subnets", .arm_type = SUBNET_TYPE, .check = check_subnet, .complete = complete_subnet,
    .can_delete = subnet_can_delete,
};

static const struct child_kind route_kind = {
    .member = "routes", .arm_type = ROUTE_TYPE, .limit = MAX_ROUTES, .limit_code = "RouteTableRoutesLimitExceeded",
    .check = check_route, .complete = complete_route,
};

static const struct child_kind peering_kind = {
    .member = "virtualNetworkPeerings", .arm_type = PEERING_TYPE, .check = check_peering,
    .complete = complete_peering,
};

/* A child as ARM returns it: id, name, type, etag, properties (a copy of props) in the given state. */
static cJSON *child_json(const char *parent_id, const struct child_kind *k, const char *name, const cJSON *props,
                         const char *etag, const char *state)
{
    char id[ID_LEN];
    snprintf(id, sizeof(id), "%s/%s/%s", parent_id, k->member, name);
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "id", id);
    cJSON_AddStringToObject(c, "name", name);
    cJSON_AddStringToObject(c, "type", k->arm_type);
    cJSON_AddStringToObject(c, "etag", etag);
    cJSON_AddItemToObject(c, "properties", cJSON_IsObject(props) ? cJSON_Duplicate(props, 1) : cJSON_CreateObject());
    set_state(c, state);
    return c;
}

/* A parent that would hold more children than the RP allows (400 routes a table). */
static void reply_limit(struct mock_response *rs, const struct child_kind *k, const char *parent_id, size_t count)
{
    mock_reply_error(rs, 400, k->limit_code, "Resource %s would hold %zu %s; at most %zu are allowed.", parent_id,
                     count, k->member, k->limit);
}

/* Check one child of a PUT body and add it, rebuilt, to out. */
static bool add_child(struct armmock *m, const struct child_kind *k, const struct parent_view *p, cJSON *out,
                      const cJSON *in, const char *etag, struct mock_response *rs)
{
    const char *name = mock_json_str(in, "name");
    const cJSON *props = props_of(in);
    if (!cJSON_IsObject(in) || !name || (props && !cJSON_IsObject(props) && !cJSON_IsNull(props))) {
        reply_bad_format(rs, "InvalidJson", "Each of properties.%s of resource %s needs a 'name' and an object "
                         "'properties'.", k->member, p->id);
        return false;
    }
    if (find_child(out, name)) {
        reply_bad_format(rs, "DuplicateResourceName", "Resource %s has two child resources with the same name (%s).",
                         p->id, name);
        return false;
    }
    if (!check_name(name, rs))
        return false;
    cJSON *child = child_json(p->id, k, name, props, etag, "Updating");
    if (!k->check(m, p, name, props_of(child), out, rs)) {
        cJSON_Delete(child);
        return false;
    }
    k->complete(p, props_of(child));
    cJSON_AddItemToArray(out, child);
    return true;
}

/*
 * The children of a PUT body (properties.<member>; absent means none, as a
 * PUT replaces the list), checked and rebuilt, or NULL after replying why.
 */
static cJSON *build_children(struct armmock *m, const struct child_kind *k, const struct parent_view *p,
                             const cJSON *in, const char *etag, struct mock_response *rs)
{
    if (in && !cJSON_IsNull(in) && !cJSON_IsArray(in)) {
        reply_bad_format(rs, "InvalidJson", "properties.%s of resource %s must be an array.", k->member, p->id);
        return NULL;
    }
    if (k->limit && (size_t)cJSON_GetArraySize(in) > k->limit) {
        reply_limit(rs, k, p->id, (size_t)cJSON_GetArraySize(in));
        return NULL;
    }
    cJSON *out = cJSON_CreateArray();
    const cJSON *c;
    cJSON_ArrayForEach(c, in) {
        if (!add_child(m, k, p, out, c, etag, rs)) {
            cJSON_Delete(out);
            return NULL;
        }
    }
    return out;
}

/* When the parent's operation ends: children written settle, children deleted go, all get a new etag. */
static void settle_children(cJSON *body, const char *member)
{
    char etag[ETAG_LEN];
    new_etag(etag);
    cJSON *list = cJSON_GetObjectItemCaseSensitive(props_of(body), member);
    cJSON *c = list ? list->child : NULL;
    while (c) {
        cJSON *next = c->next;
        const char *st = state_of(c);
        if (st && strcmp(st, "Deleting") == 0)
            cJSON_Delete(cJSON_DetachItemViaPointer(list, c));
        else
            set_state(c, "Succeeded");
        c = next;
    }
    stamp(body, member, etag);
}

/* What a child of a stored parent is checked against. */
static struct parent_view view_of(const struct mock_resource *parent)
{
    struct parent_view p = {parent->id, mock_json_str(parent->body, "name"), mock_json_str(parent->body, "location"),
                            space_of(props_of(parent->body))};
    return p;
}

/* Start the parent's operation for a child's write and mark both as running. */
static bool start_child_op(struct armmock *m, const struct mock_request *rq, const struct child_kind *k,
                           struct mock_resource *parent, int status, struct mock_response *rs)
{
    char etag[ETAG_LEN];
    new_etag(etag);
    stamp(parent->body, k->member, etag);
    set_state(parent->body, "Updating");
    rs->changed = true;
    return mock_op_start(m, rq, parent->id, MOCK_OP_PUT, PROVIDER, mock_json_str(parent->body, "location"), status,
                         rs) != NULL;
}

/* PUT .../{member}/{name}: replace that child's properties, as an update of the parent. */
static void child_put(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                      const struct child_kind *k, struct mock_resource *parent, cJSON *old, struct mock_response *rs)
{
    const cJSON *props = props_of(rq->json);
    if (!cJSON_IsObject(rq->json) || (props && !cJSON_IsObject(props) && !cJSON_IsNull(props))) {
        mock_reply_error(rs, 400, "InvalidRequestContent",
                         "The request content was invalid: expected a JSON object with an object 'properties'.");
        return;
    }
    struct mock_op *busy = mock_op_running(m, parent->id);
    if (busy) {
        mock_reply_busy(m, rq, PROVIDER, busy, rs);
        return;
    }
    const char *name = old ? mock_json_str(old, "name") : t->child_name;
    if (!check_name(name, rs) || !check_preconditions(rq, old ? mock_json_str(old, "etag") : NULL, rs))
        return;
    cJSON *list = array_member(mock_json_obj(parent->body, "properties"), k->member);
    if (!old && k->limit && (size_t)cJSON_GetArraySize(list) + 1 > k->limit) {
        reply_limit(rs, k, parent->id, (size_t)cJSON_GetArraySize(list) + 1);
        return;
    }
    struct parent_view p = view_of(parent);
    cJSON *child = child_json(parent->id, k, name, props, "", "Updating");
    if (!k->check(m, &p, name, props_of(child), list, rs)) {
        cJSON_Delete(child);
        return;
    }
    k->complete(&p, props_of(child));
    if (old)
        cJSON_ReplaceItemViaPointer(list, old, child);
    else
        cJSON_AddItemToArray(list, child);
    int status = old ? 200 : 201;
    if (start_child_op(m, rq, k, parent, status, rs))
        mock_reply(rs, status, cJSON_Duplicate(child, 1));
}

/* DELETE .../{member}/{name}: mark the child Deleting; it goes when the parent's operation settles. */
static void child_delete(struct armmock *m, const struct mock_request *rq, const struct child_kind *k,
                         struct mock_resource *parent, cJSON *child, struct mock_response *rs)
{
    if (!child) {
        rs->status = 204;
        return;
    }
    struct mock_op *busy = mock_op_running(m, parent->id);
    const char *st = state_of(child);
    if (busy && st && strcmp(st, "Deleting") == 0) {
        mock_op_answer(m, rq, busy, 202, rs); /* a repeated DELETE: the one already running */
        return;
    }
    if (busy) {
        mock_reply_busy(m, rq, PROVIDER, busy, rs);
        return;
    }
    if (k->can_delete && !k->can_delete(m, child, rs))
        return;
    set_state(child, "Deleting");
    start_child_op(m, rq, k, parent, 202, rs);
}

/* GET on .../{member}: the children as ARM lists them, {"value":[...]} with no nextLink. */
static void child_list(const cJSON *list, struct mock_response *rs)
{
    cJSON *body = cJSON_CreateObject();
    cJSON *value = cJSON_AddArrayToObject(body, "value");
    const cJSON *c;
    cJSON_ArrayForEach(c, list) {
        cJSON_AddItemToArray(value, cJSON_Duplicate(c, 1));
    }
    mock_reply(rs, 200, body);
}

/* Every method on .../{parent}/{member}[/{name}]. */
static void child_handle(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                         struct mock_response *rs, const struct child_kind *k)
{
    bool read = strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0;
    bool del = strcmp(rq->method, "DELETE") == 0;
    if ((!read && !del && strcmp(rq->method, "PUT") != 0) || (!t->child_name && !read)) {
        mock_reply_error(rs, 405, "MethodNotAllowed", "The resource does not support http method '%s'.", rq->method);
        return;
    }
    struct mock_resource *parent = t->parent_id ? mock_store_get(&m->store, t->parent_id) : NULL;
    if (!parent && del) {
        rs->status = 204;
        return;
    }
    if (!parent) {
        mock_reply_error(rs, 404, "ParentResourceNotFound",
                         "Can not perform requested operation on nested resource. Parent resource '%s' not found.",
                         t->name);
        return;
    }
    cJSON *list = cJSON_GetObjectItemCaseSensitive(props_of(parent->body), k->member);
    cJSON *child = t->child_name ? find_child(list, t->child_name) : NULL;
    if (!t->child_name)
        child_list(list, rs);
    else if (del)
        child_delete(m, rq, k, parent, child, rs);
    else if (!read)
        child_put(m, rq, t, k, parent, child, rs);
    else if (child)
        mock_reply(rs, 200, cJSON_Duplicate(child, 1));
    else
        mock_reply_error(rs, 404, "NotFound", "Resource %s not found.", t->id);
}

/* The Network RP reports a resource being created as "Updating" (tracked.c writes "Creating"). */
static void report_updating(struct armmock *m, const struct mock_target *t, struct mock_response *rs)
{
    if (rs->status != 201 || !t->id)
        return;
    struct mock_resource *r = mock_store_get(&m->store, t->id);
    cJSON *bodies[2] = {r ? r->body : NULL, rs->json};
    for (size_t i = 0; i < 2; i++) {
        const char *st = state_of(bodies[i]);
        if (st && strcmp(st, "Creating") == 0)
            set_state(bodies[i], "Updating");
    }
}

/* ---- virtual networks ------------------------------------------------------------------------ */

/* A VNet PUT replaces the subnet list: a subnet it drops must not be in use. */
static bool check_dropped_subnets(struct armmock *m, const struct mock_resource *old, const cJSON *subnets,
                                  struct mock_response *rs)
{
    const cJSON *before = old ? cJSON_GetObjectItemCaseSensitive(props_of(old->body), "subnets") : NULL;
    const cJSON *s;
    cJSON_ArrayForEach(s, before) {
        if (!find_child(subnets, mock_json_str(s, "name")) && !subnet_can_delete(m, s, rs))
            return false;
    }
    return true;
}

/* Check a VNet PUT and complete its body: address space, subnets rebuilt, etag, defaults. */
static bool vnet_prepare(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                         const struct mock_resource *old, cJSON *body, struct mock_response *rs)
{
    (void)t;
    cJSON *props = mock_json_obj(body, "properties");
    struct parent_view p = {mock_json_str(body, "id"), mock_json_str(body, "name"), mock_json_str(body, "location"),
                            space_of(props)};
    if (!check_name(p.name, rs) || !check_preconditions(rq, old ? mock_json_str(old->body, "etag") : NULL, rs) ||
        !check_address_space(props, p.id, rs))
        return false;
    char etag[ETAG_LEN];
    new_etag(etag);
    cJSON *subnets = build_children(m, &subnet_kind, &p, cJSON_GetObjectItemCaseSensitive(props, "subnets"), etag, rs);
    if (!subnets || !check_dropped_subnets(m, old, subnets, rs)) {
        cJSON_Delete(subnets);
        return false;
    }
    mock_json_set(props, "subnets", subnets);
    /*
     * Peerings in the body are checked and rebuilt like subnets.  A PUT
     * without the member keeps the VNet's peerings: they are resources of
     * their own to the RP (a guess; docs/azure-behaviour.md).
     */
    const cJSON *in_peerings = cJSON_GetObjectItemCaseSensitive(props, "virtualNetworkPeerings");
    const cJSON *old_peerings =
        old ? cJSON_GetObjectItemCaseSensitive(props_of(old->body), "virtualNetworkPeerings") : NULL;
    cJSON *peerings = in_peerings && !cJSON_IsNull(in_peerings)
                          ? build_children(m, &peering_kind, &p, in_peerings, etag, rs)
                          : (old_peerings ? cJSON_Duplicate(old_peerings, 1) : cJSON_CreateArray());
    if (!peerings)
        return false;
    mock_json_set(props, "virtualNetworkPeerings", peerings);
    keep_guid(props, old);
    default_member(props, "enableDdosProtection", cJSON_CreateFalse());
    mock_json_set_str(body, "etag", etag);
    return true;
}

/* A VNet with a subnet in use cannot be deleted. */
static bool vnet_can_delete(struct armmock *m, const struct mock_resource *r, struct mock_response *rs)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(props_of(r->body), "subnets")) {
        if (!subnet_can_delete(m, s, rs))
            return false;
    }
    return true;
}

/* A VNet's operation (its PUT, a subnet's or a peering's write) ended: its children settle, peerings connect. */
static void vnet_put_done(struct armmock *m, struct mock_resource *r, struct mock_op *op)
{
    (void)op;
    settle_children(r->body, "subnets");
    disconnect_deleted_peerings(m, r);
    settle_children(r->body, "virtualNetworkPeerings");
    connect_peerings(m, r);
    mock_network_new_etag(r); /* one etag for the VNet, its subnets and its peerings */
}

static const struct mock_tracked_ops vnet_ops = {.lro = true, .prepare = vnet_prepare, .can_delete = vnet_can_delete};

/* virtualNetworks: the tracked life, then the RP's word for a creation. */
static void vnet_handle(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                        struct mock_response *rs)
{
    mock_tracked_handle(m, rq, t, rs, &vnet_ops);
    report_updating(m, t, rs);
}

/* .../virtualNetworks/{v}/subnets[/{s}]. */
static void subnet_handle(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                          struct mock_response *rs)
{
    child_handle(m, rq, t, rs, &subnet_kind);
}

/* .../virtualNetworks/{v}/virtualNetworkPeerings[/{p}]. */
static void peering_handle(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                           struct mock_response *rs)
{
    child_handle(m, rq, t, rs, &peering_kind);
}

/* ---- route tables ------------------------------------------------------------------------------ */

/* The subnets (of every VNet in the store) whose routeTable is table_id, as [{"id"}]. */
static cJSON *associated_subnets(struct armmock *m, const char *table_id)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; i < m->store.count; i++) {
        const struct mock_resource *r = m->store.items[i];
        const cJSON *subnets =
            r->type == &mock_type_vnet ? cJSON_GetObjectItemCaseSensitive(props_of(r->body), "subnets") : NULL;
        const cJSON *s;
        cJSON_ArrayForEach(s, subnets) {
            const char *rt = mock_json_str(cJSON_GetObjectItemCaseSensitive(props_of(s), "routeTable"), "id");
            const char *sid = mock_json_str(s, "id");
            if (rt && sid && strcasecmp(rt, table_id) == 0) {
                cJSON *ref = cJSON_CreateObject();
                cJSON_AddStringToObject(ref, "id", sid);
                cJSON_AddItemToArray(list, ref);
            }
        }
    }
    return list;
}

/* GET adds the computed `subnets` (present only when some subnet uses the table, as ARM shows it). */
static cJSON *rt_present(struct armmock *m, const struct mock_resource *r, const char *api_version)
{
    (void)api_version;
    cJSON *body = cJSON_Duplicate(r->body, 1);
    cJSON *subnets = associated_subnets(m, r->id);
    if (cJSON_GetArraySize(subnets) > 0)
        mock_json_set(mock_json_obj(body, "properties"), "subnets", subnets);
    else
        cJSON_Delete(subnets);
    return body;
}

/* Check a route table PUT and complete its body: routes rebuilt, etag, defaults. */
static bool rt_prepare(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                       const struct mock_resource *old, cJSON *body, struct mock_response *rs)
{
    (void)t;
    cJSON *props = mock_json_obj(body, "properties");
    struct parent_view p = {mock_json_str(body, "id"), mock_json_str(body, "name"), mock_json_str(body, "location"),
                            NULL};
    if (!check_name(p.name, rs) || !check_preconditions(rq, old ? mock_json_str(old->body, "etag") : NULL, rs))
        return false;
    char etag[ETAG_LEN];
    new_etag(etag);
    cJSON *routes = build_children(m, &route_kind, &p, cJSON_GetObjectItemCaseSensitive(props, "routes"), etag, rs);
    if (!routes)
        return false;
    mock_json_set(props, "routes", routes);
    cJSON_DeleteItemFromObjectCaseSensitive(props, "subnets"); /* read-only: computed on GET */
    keep_guid(props, old);
    default_member(props, "disableBgpRoutePropagation", cJSON_CreateFalse());
    mock_json_set_str(body, "etag", etag);
    return true;
}

/* A route table that a subnet uses cannot be deleted. */
static bool rt_can_delete(struct armmock *m, const struct mock_resource *r, struct mock_response *rs)
{
    cJSON *subnets = associated_subnets(m, r->id);
    const char *first = mock_json_str(cJSON_GetArrayItem(subnets, 0), "id");
    if (first)
        mock_reply_error(rs, 400, "InUseRouteTableCannotBeDeleted",
                         "Route table %s is in use by subnet %s and cannot be deleted. In order to delete the route "
                         "table, remove all references to it.", mock_json_str(r->body, "name"), first);
    bool ok = !first;
    cJSON_Delete(subnets);
    return ok;
}

/* A route table's operation (its PUT or a route's write) ended: its routes settle. */
static void rt_put_done(struct armmock *m, struct mock_resource *r, struct mock_op *op)
{
    (void)m;
    (void)op;
    settle_children(r->body, "routes");
}

static const struct mock_tracked_ops rt_ops = {
    .lro = true, .prepare = rt_prepare, .can_delete = rt_can_delete,
};

/* routeTables: the tracked life, then the RP's word for a creation. */
static void rt_handle(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                      struct mock_response *rs)
{
    mock_tracked_handle(m, rq, t, rs, &rt_ops);
    report_updating(m, t, rs);
}

/* .../routeTables/{t}/routes[/{r}]. */
static void route_handle(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                         struct mock_response *rs)
{
    child_handle(m, rq, t, rs, &route_kind);
}

/* ---- the types ------------------------------------------------------------------------------------ */

const struct mock_type mock_type_vnet = {
    .provider = PROVIDER, .type = "virtualNetworks", .arm_type = "Microsoft.Network/virtualNetworks",
    .api_versions = network_versions, .handle = vnet_handle, .on_put_done = vnet_put_done,
};
const struct mock_type mock_type_subnet = {
    .provider = PROVIDER, .type = "virtualNetworks", .child_type = "subnets", .arm_type = SUBNET_TYPE,
    .api_versions = network_versions, .handle = subnet_handle,
};
const struct mock_type mock_type_vnet_peering = {
    .provider = PROVIDER, .type = "virtualNetworks", .child_type = "virtualNetworkPeerings", .arm_type = PEERING_TYPE,
    .api_versions = network_versions, .handle = peering_handle,
};
const struct mock_type mock_type_route_table = {
    .provider = PROVIDER, .type = "routeTables", .arm_type = RT_TYPE, .api_versions = network_versions,
    .handle = rt_handle, .on_put_done = rt_put_done, .present = rt_present,
};
const struct mock_type mock_type_route = {
    .provider = PROVIDER, .type = "routeTables", .child_type = "routes", .arm_type = ROUTE_TYPE,
    .api_versions = network_versions, .handle = route_handle,
};
