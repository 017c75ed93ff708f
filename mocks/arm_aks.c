/*
 * arm_aks.c - Microsoft.ContainerService/managedClusters, checked and built
 * as AKS checks and builds a cluster, kubenet first.
 *
 * A PUT is checked at once, in AKS's order and with AKS's error codes (400,
 * with a target): the cluster name, the identity, the network profile
 * (kubenet's rules on ranges, DNS IP, policy), the pools (names, counts,
 * maxPods, Linux only), the node totals, the referenced subnets, their
 * sizes and their neighbours' ranges, the route table, the identity's rights
 * on subnet and route table, and the subnets and route tables of other
 * clusters.  The body is completed (defaults, fqdn, node resource group,
 * kubelet identity) and stored "Creating"; when the operation's time has
 * come, on_put_done makes the node resource group and the kubelet identity,
 * a route table when the subnet has none, and one route per node (kubenet).
 * DELETE takes back what AKS made and keeps what is the user's.
 *
 * What AKS made is found again without hidden state: its routes carry the
 * cluster's 8-digit node-name hash ("aks-nodepool1-12345678-vmss000000"),
 * and everything else lives in the node resource group.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "cidr.h"
#include "resid.h"
#include "arm_authz.h"
#include "arm_network.h"
#include "mock.h"

/* Every version of specification/containerservice/.../aks/{stable,preview} from 2022-11-01 on. */
static const char *const aks_versions[] = {
    "2022-11-01", "2022-11-02-preview", "2023-01-01", "2023-01-02-preview", "2023-02-01",
    "2023-02-02-preview", "2023-03-01", "2023-03-02-preview", "2023-04-01", "2023-04-02-preview",
    "2023-05-01", "2023-05-02-preview", "2023-06-01", "2023-06-02-preview", "2023-07-01",
    "2023-07-02-preview", "2023-08-01", "2023-08-02-preview", "2023-09-01", "2023-09-02-preview",
    "2023-10-01", "2023-10-02-preview", "2023-11-01", "2023-11-02-preview", "2024-01-01",
    "2024-01-02-preview", "2024-02-01", "2024-02-02-preview", "2024-03-02-preview", "2024-04-02-preview",
    "2024-05-01", "2024-05-02-preview", "2024-06-02-preview", "2024-07-01", "2024-07-02-preview",
    "2024-08-01", "2024-09-01", "2024-09-02-preview", "2024-10-01", "2024-10-02-preview",
    "2025-01-01", "2025-01-02-preview", "2025-02-01", "2025-02-02-preview", "2025-03-01",
    "2025-03-02-preview", "2025-04-01", "2025-04-02-preview", "2025-05-01", "2025-05-02-preview",
    "2025-06-01", "2025-06-02-preview", "2025-07-01", "2025-07-02-preview", "2025-08-01",
    "2025-08-02-preview", "2025-09-01", "2025-09-02-preview", "2025-10-01", "2025-10-02-preview",
    "2026-01-01", "2026-01-02-preview", "2026-02-01", "2026-02-02-preview", "2026-03-01",
    "2026-03-02-preview", "2026-04-01", NULL};

#define AKS_MAX_POOLS 100          /* maxAgentPools */
#define KUBENET_MAX_NODES 400      /* one UDR route per node */
#define ROUTE_TABLE_LIMIT 400      /* routes per route table */
#define AZURE_RESERVED_IPS 5       /* network, gateway, two DNS, broadcast */
#define FIRST_NODE_OFFSET 4        /* .4 is a subnet's first address for a VM */
#define POD_RANGE_BITS 24          /* kubenet gives each node a /24 */
#define ID_LEN 2048
#define DEFAULT_K8S "1.30"
#define NODE_IMAGE "AKSUbuntu-2204gen2containerd-202501.12.0"
#define MANAGED_VNET_SPACE "10.224.0.0/12"
#define MANAGED_SUBNET "10.224.0.0/16"

enum aks_identity { ID_SYSTEM, ID_USER, ID_NONE };

struct aks_pool {
    const char *name;            /* points into the new body */
    long count, nodes;           /* nodes: count, or maxCount with the autoscaler */
    long max_pods, surge;
    bool system;
    const char *subnet_id;       /* vnetSubnetID (into the new body), or NULL */
};

struct aks_subnet {
    const char *id;              /* as the first pool named it */
    struct mock_resource *vnet;
    cJSON *json;                 /* the subnet inside the VNet's body */
    struct aksnet__cidr prefix;
    const char *route_table;     /* associated route table id, or NULL */
    long need;                   /* addresses the pools need, surge included */
};

/* One PUT being checked and completed. */
struct aks_ctx {
    struct armmock *m;
    const struct mock_request *rq;
    const struct mock_target *t;
    const struct mock_resource *old;
    struct mock_response *rs;
    cJSON *body, *props;
    char hash[9];
    enum aks_identity identity;
    const char *principal;       /* the user-assigned identity's principal */
    char plugin[16];
    bool kubenet, overlay;
    char outbound[32];
    struct aksnet__cidr pod, service;
    uint32_t dns;
    char version[32];
    char node_group[96];
    struct aks_pool pools[AKS_MAX_POOLS];
    size_t npools;
    struct aks_subnet subnets[AKS_MAX_POOLS];
    size_t nsubnets;
    const char *route_table;
    bool own_table;              /* the route table is AKS's, in the node resource group */
};

/* One node's route. */
struct aks_route {
    char name[96];
    uint32_t pod, ip;
};

/* ---- small helpers ------------------------------------------------------------ */

static bool refuse(struct mock_response *rs, const char *code, const char *target, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* AKS's answer to a request it refuses: 400 with code, message and the field it blames. */
static bool refuse(struct mock_response *rs, const char *code, const char *target, const char *fmt, ...)
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
static bool bad_type(struct mock_response *rs, const char *path, const char *want)
{
    mock_reply_error(rs, 400, "InvalidRequestContent",
                     "The request content was invalid and could not be deserialized: '%s' must be %s.", path, want);
    return false;
}

/* A string member: *out = dflt when absent or null; false after refusing another type. */
static bool get_str(const cJSON *o, const char *key, const char *path, const char *dflt, const char **out,
                    struct mock_response *rs)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v)) {
        *out = dflt;
        return true;
    }
    if (!cJSON_IsString(v))
        return bad_type(rs, path, "a string");
    *out = v->valuestring;
    return true;
}

/* An integer member, range-checked before any cast (UBSan watches float casts). */
static bool get_int(const cJSON *o, const char *key, const char *path, long dflt, long *out,
                    struct mock_response *rs)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v)) {
        *out = dflt;
        return true;
    }
    double d = cJSON_IsNumber(v) ? v->valuedouble : 0.5;
    if (!(d >= -1e9 && d <= 1e9) || (double)(long)d != d)
        return bad_type(rs, path, "an integer");
    *out = (long)d;
    return true;
}

static bool get_bool(const cJSON *o, const char *key, const char *path, bool dflt, bool *out,
                     struct mock_response *rs)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v)) {
        *out = dflt;
        return true;
    }
    if (!cJSON_IsBool(v))
        return bad_type(rs, path, "true or false");
    *out = cJSON_IsTrue(v);
    return true;
}

static cJSON *props_of(const cJSON *o)
{
    return cJSON_GetObjectItemCaseSensitive(o, "properties");
}

/* Add key = value unless the object already has the key. */
static void set_default_str(cJSON *o, const char *key, const char *value)
{
    if (!cJSON_GetObjectItemCaseSensitive(o, key))
        cJSON_AddStringToObject(o, key, value);
}

static void set_default_num(cJSON *o, const char *key, double value)
{
    if (!cJSON_GetObjectItemCaseSensitive(o, key))
        cJSON_AddNumberToObject(o, key, value);
}

/* snprintf that says whether everything fitted. */
static bool fmt_ok(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fmt_ok(char *out, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, len, fmt, ap);
    va_end(ap);
    return n >= 0 && (size_t)n < len;
}

/* FNV-1a over the lower-cased id and a salt: stable names for what AKS makes for a cluster. */
static uint32_t id_hash(const char *id, const char *salt)
{
    uint32_t h = 2166136261u;
    for (const char *p = id; *p; p++) {
        h ^= (unsigned char)tolower((unsigned char)*p);
        h *= 16777619u;
    }
    for (const char *p = salt; *p; p++) {
        h ^= (unsigned char)*p;
        h *= 16777619u;
    }
    return h;
}

/* The 8 digits AKS puts in node, scale set and route table names. */
static void node_hash(const char *cluster_id, char out[9])
{
    snprintf(out, 9, "%08u", (unsigned)(id_hash(cluster_id, "nodes") % 100000000u));
}

/* True if an assignment or a resource at scope covers id (id is scope or lies under it). */
static bool scope_covers(const char *scope, const char *id)
{
    size_t n = strlen(scope);
    while (n > 1 && scope[n - 1] == '/')
        n--;
    return strncasecmp(scope, id, n) == 0 && (id[n] == '\0' || id[n] == '/');
}

/* Where needle starts in hay, case-insensitively, or NULL. */
static const char *find_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, n) == 0)
            return p;
    return NULL;
}

/* True if the route name is one AKS wrote for the cluster with this hash. */
static bool is_aks_route(const char *name, const char *hash)
{
    char marker[24];
    snprintf(marker, sizeof(marker), "-%s-vmss", hash);
    return name && strncasecmp(name, "aks-", 4) == 0 && find_ci(name, marker);
}

/* "/subscriptions/{sub}/resourceGroups/{group}" for the node resource group of a cluster id. */
static bool node_group_id(const char *cluster_id, const char *group, char *out, size_t len)
{
    const char *s = cluster_id + strlen("/subscriptions/");
    size_t n = strcspn(s, "/");
    return group && fmt_ok(out, len, "/subscriptions/%.*s/resourceGroups/%s", (int)n, s, group);
}

/* ---- references: subnets, route tables, roles, other clusters ------------------------- */

/* The subnet named by id inside its VNet's body, or NULL; *vnet receives the VNet. */
static cJSON *find_subnet(struct armmock *m, const char *subnet_id, struct mock_resource **vnet)
{
    struct aksnet__resid rid;
    char vid[ID_LEN];
    if (!subnet_id || !aksnet__resid_parse(subnet_id, &rid) ||
        !aksnet__resid_is(&rid, "Microsoft.Network", "virtualNetworks", "subnets") ||
        !fmt_ok(vid, sizeof(vid), "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/virtualNetworks/%s",
                rid.subscription, rid.resource_group, rid.name))
        return NULL;
    struct mock_resource *v = mock_store_get(&m->store, vid);
    if (!v || v->type != &mock_type_vnet)
        return NULL;
    cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(props_of(v->body), "subnets")) {
        const char *name = mock_json_str(s, "name");
        if (name && strcasecmp(name, rid.child_name) == 0) {
            *vnet = v;
            return s;
        }
    }
    return NULL;
}

/* A subnet's single IPv4 prefix: 1 parsed, 0 unparsable, -1 several prefixes. */
static int subnet_prefix(const cJSON *subnet, struct aksnet__cidr *out)
{
    const cJSON *p = props_of(subnet);
    const char *one = mock_json_str(p, "addressPrefix");
    const cJSON *many = cJSON_GetObjectItemCaseSensitive(p, "addressPrefixes");
    if (!one && cJSON_IsArray(many)) {
        if (cJSON_GetArraySize(many) != 1)
            return -1;
        one = cJSON_IsString(many->child) ? many->child->valuestring : NULL;
    }
    return one && aksnet__cidr_parse(one, out) == AKSNET_CIDR_OK ? 1 : 0;
}

static const char *subnet_route_table(const cJSON *subnet)
{
    return mock_json_str(cJSON_GetObjectItemCaseSensitive(props_of(subnet), "routeTable"), "id");
}

/* True if the cluster stored as r uses kubenet. */
static bool stored_kubenet(const struct mock_resource *r)
{
    const char *plugin = mock_json_str(cJSON_GetObjectItemCaseSensitive(props_of(r->body), "networkProfile"),
                                       "networkPlugin");
    return !plugin || strcasecmp(plugin, "kubenet") == 0;
}

/* True if the route table holds routes AKS wrote for the cluster with this hash. */
static bool table_has_routes_of(const struct mock_resource *rt, const char *hash)
{
    const cJSON *route;
    cJSON_ArrayForEach(route, cJSON_GetObjectItemCaseSensitive(props_of(rt->body), "routes")) {
        if (is_aks_route(mock_json_str(route, "name"), hash))
            return true;
    }
    return false;
}

/* ---- the cluster's name, identity and version ------------------------------------------- */

/* Managed cluster names: 1-63 letters, digits, '_' or '-', alphanumeric at both ends, no reserved words. */
static bool check_cluster_name(struct aks_ctx *c)
{
    const char *n = c->t->name;
    size_t len = strlen(n);
    bool ok = len >= 1 && len <= 63 && isalnum((unsigned char)n[0]) && isalnum((unsigned char)n[len - 1]);
    for (size_t i = 0; ok && i < len; i++)
        ok = isalnum((unsigned char)n[i]) || n[i] == '-' || n[i] == '_';
    if (!ok)
        return refuse(c->rs, "InvalidParameter", "name",
                      "The value of parameter name is invalid. Error details: \"%s\" must be 1 to 63 characters of "
                      "letters, digits, '_' and '-', starting and ending with a letter or digit. Please see "
                      "https://aka.ms/aks-naming-rules for more details.", n);
    if (find_ci(n, "microsoft") || find_ci(n, "windows"))
        return refuse(c->rs, "InvalidParameter", "name",
                      "The value of parameter name is invalid. Error details: \"%s\" managed cluster name is invalid "
                      "because 'MICROSOFT' and 'WINDOWS' can't be used as either a whole word or a substring in the "
                      "name.. Please see https://aka.ms/aks-naming-rules for more details.", n);
    if (strncasecmp(n, "login", 5) == 0 || strncasecmp(n, "xbox", 4) == 0)
        return refuse(c->rs, "InvalidParameter", "name",
                      "The value of parameter name is invalid. Error details: \"%s\" managed cluster name is invalid "
                      "because 'LOGIN' and 'XBOX' can't be used at the start of a resource name, but can be used "
                      "later in the name.. Please see https://aka.ms/aks-naming-rules for more details.", n);
    return true;
}

/* SystemAssigned: a principal made now (kept across updates). */
static bool system_identity(struct aks_ctx *c)
{
    const cJSON *was = c->old ? cJSON_GetObjectItemCaseSensitive(c->old->body, "identity") : NULL;
    const char *was_type = mock_json_str(was, "type");
    bool keep = was_type && strcasecmp(was_type, "SystemAssigned") == 0;
    char fresh[37], tenant[64];
    mock_uuid(fresh);
    mock_caller_tenant(c->rq, tenant);
    const char *principal = keep ? mock_json_str(was, "principalId") : NULL;
    const char *tid = keep ? mock_json_str(was, "tenantId") : NULL;
    cJSON *id = cJSON_CreateObject();
    cJSON_AddStringToObject(id, "type", "SystemAssigned");
    cJSON_AddStringToObject(id, "principalId", principal ? principal : fresh);
    cJSON_AddStringToObject(id, "tenantId", tid ? tid : tenant);
    mock_json_set(c->body, "identity", id);
    c->identity = ID_SYSTEM;
    return true;
}

/* UserAssigned: exactly one identity, which must exist (ARM asks Managed Identity first). */
static bool user_identity(struct aks_ctx *c, const cJSON *in)
{
    const cJSON *uai = cJSON_GetObjectItemCaseSensitive(in, "userAssignedIdentities");
    if (!cJSON_IsObject(uai) || cJSON_GetArraySize(uai) != 1 || !uai->child->string)
        return refuse(c->rs, "InvalidParameter", "identity.userAssignedIdentities",
                      "The value of parameter identity.userAssignedIdentities is invalid. Error details: a cluster "
                      "with identity type UserAssigned takes exactly one user-assigned identity.");
    const char *key = uai->child->string;
    struct aksnet__resid rid;
    if (!aksnet__resid_parse(key, &rid) ||
        !aksnet__resid_is(&rid, "Microsoft.ManagedIdentity", "userAssignedIdentities", NULL))
        return refuse(c->rs, "InvalidManagedIdentityResourceID", "identity.userAssignedIdentities",
                      "The user-assigned identity resource id '%s' is invalid.", key);
    const struct mock_resource *r = mock_store_get(&c->m->store, key);
    if (!r || r->type != &mock_type_identity)
        return refuse(c->rs, "FailedIdentityOperation", NULL,
                      "Identity operation for resource '%s' failed with error 'Failed to perform resource identity "
                      "operation. Status: 'NotFound'. Response: '{\"error\":{\"code\":\"NotFound\",\"message\":"
                      "\"Resource '%s' was not found.\"}}'.'.", c->t->id, key);
    const cJSON *p = props_of(r->body);
    cJSON *id = cJSON_CreateObject(), *map = NULL, *entry = NULL;
    cJSON_AddStringToObject(id, "type", "UserAssigned");
    map = cJSON_AddObjectToObject(id, "userAssignedIdentities");
    entry = cJSON_AddObjectToObject(map, key);
    mock_json_set_str(entry, "principalId", mock_json_str(p, "principalId"));
    mock_json_set_str(entry, "clientId", mock_json_str(p, "clientId"));
    mock_json_set(c->body, "identity", id);
    c->identity = ID_USER;
    c->principal = mock_json_str(p, "principalId");
    return true;
}

/* identity: SystemAssigned (the default), UserAssigned, or None with a service principal. */
static bool read_identity(struct aks_ctx *c)
{
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(c->rq->json, "identity");
    const char *type = NULL;
    if (!in && c->old)
        in = cJSON_GetObjectItemCaseSensitive(c->old->body, "identity");
    if (in && !cJSON_IsObject(in))
        return bad_type(c->rs, "identity", "an object");
    if (!get_str(in, "type", "identity.type", NULL, &type, c->rs))
        return false;
    const cJSON *sp = cJSON_GetObjectItemCaseSensitive(c->props, "servicePrincipalProfile");
    const char *sp_client = cJSON_IsObject(sp) ? mock_json_str(sp, "clientId") : NULL;
    bool has_sp = sp_client && strcasecmp(sp_client, "msi") != 0;
    if (!type)
        type = has_sp ? "None" : "SystemAssigned";
    if (strcasecmp(type, "SystemAssigned") == 0)
        return system_identity(c);
    if (strcasecmp(type, "UserAssigned") == 0)
        return user_identity(c, in);
    if (strcasecmp(type, "None") == 0 && has_sp) {
        cJSON_DeleteItemFromObjectCaseSensitive(c->body, "identity");
        c->identity = ID_NONE;
        return true;
    }
    return refuse(c->rs, "InvalidParameter", "identity.type",
                  "The value of parameter identity.type is invalid. Error details: '%s' is not SystemAssigned, "
                  "UserAssigned, or None with a servicePrincipalProfile.", type);
}

/* kubernetesVersion: "1.30" or "1.30.6"; the default when absent or empty
 * (the Azure CLI sends "" when --kubernetes-version is not given). */
static bool read_version(struct aks_ctx *c)
{
    const char *v = NULL;
    if (!get_str(c->props, "kubernetesVersion", "properties.kubernetesVersion", NULL, &v, c->rs))
        return false;
    if (v && !*v)
        v = NULL;
    if (!v && c->old)
        v = mock_json_str(props_of(c->old->body), "kubernetesVersion");
    if (!v)
        v = DEFAULT_K8S;
    size_t dots = 0, len = strlen(v);
    bool ok = len > 0 && len < sizeof(c->version) - 3 && isdigit((unsigned char)v[0]) &&
              isdigit((unsigned char)v[len - 1]);
    for (size_t i = 0; ok && i < len; i++) {
        dots += v[i] == '.';
        ok = isdigit((unsigned char)v[i]) || (v[i] == '.' && v[i + 1] != '.');
    }
    if (!ok || dots < 1 || dots > 2)
        return refuse(c->rs, "InvalidParameter", "properties.kubernetesVersion",
                      "The value of parameter kubernetesVersion is invalid. Error details: '%s' is not a Kubernetes "
                      "version such as 1.30 or 1.30.6.", v);
    snprintf(c->version, sizeof(c->version), "%s", v);
    return true;
}

/* ---- the network profile ---------------------------------------------------------------- */

static const char *const reserved_ranges[] = {"169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24",
                                              NULL};

/* The reserved range that r overlaps, or NULL. */
static const char *reserved_overlap(const struct aksnet__cidr *r)
{
    for (size_t i = 0; reserved_ranges[i]; i++) {
        struct aksnet__cidr res;
        if (aksnet__cidr_parse(reserved_ranges[i], &res) == AKSNET_CIDR_OK && aksnet__cidr_overlaps(r, &res))
            return reserved_ranges[i];
    }
    return NULL;
}

/* networkPolicy as AKS allows it for the plugin; out receives the canonical spelling ("" = none given). */
static bool check_policy(struct aks_ctx *c, const char *policy, char out[16])
{
    static const char *const known[] = {"none", "calico", "azure", "cilium", NULL};
    out[0] = '\0';
    if (!policy || !*policy)
        return true;
    for (size_t i = 0; known[i]; i++)
        if (strcasecmp(policy, known[i]) == 0)
            snprintf(out, 16, "%s", known[i]);
    if (!out[0])
        return refuse(c->rs, "NetworkPolicyNotSupported", "networkProfile.networkPolicy",
                      "NetworkPolicy %s is not supported", policy);
    if (strcmp(c->plugin, "none") == 0 && strcmp(out, "none") != 0)
        return refuse(c->rs, "NetworkPolicyNotSupportedForNone", "networkProfile.networkPolicy",
                      "NetworkPolicy %s is not supported for network plugin none", out);
    if (c->kubenet && strcmp(out, "azure") == 0)
        return refuse(c->rs, "NetworkPolicyAzureNotSupportedForKubenet", "networkProfile.networkPolicy",
                      "NetworkPolicy azure is not supported for network plugin kubenet");
    if (c->kubenet && strcmp(out, "cilium") == 0)
        return refuse(c->rs, "NetworkPolicyNotSupported", "networkProfile.networkPolicy",
                      "NetworkPolicy cilium is not supported for network plugin kubenet");
    return true;
}

/* outboundType and loadBalancerSku: the values AKS knows, canonically spelled. */
static bool check_outbound(struct aks_ctx *c, const char *outbound, const char *sku, char sku_out[16])
{
    static const char *const known[] = {"loadBalancer", "userDefinedRouting", "managedNATGateway",
                                        "userAssignedNATGateway", "none", NULL};
    c->outbound[0] = '\0';
    for (size_t i = 0; known[i]; i++)
        if (strcasecmp(outbound, known[i]) == 0)
            snprintf(c->outbound, sizeof(c->outbound), "%s", known[i]);
    if (!c->outbound[0])
        return refuse(c->rs, "UnsupportedOutboundType", "networkProfile.outboundType",
                      "Outbound type %s is not supported.", outbound);
    if (strcasecmp(sku, "standard") != 0 && strcasecmp(sku, "basic") != 0)
        return refuse(c->rs, "InvalidLoadBalancerSku", "networkProfile.loadBalancerSku",
                      "Load balancer SKU %s is invalid: use standard or basic.", sku);
    snprintf(sku_out, 16, "%s", strcasecmp(sku, "basic") == 0 ? "basic" : "standard");
    if (strcmp(sku_out, "basic") == 0 && strcmp(c->outbound, "loadBalancer") != 0)
        return refuse(c->rs, "UnexpectedLoadBalancerSkuForCurrentOutboundConfiguration",
                      "networkProfile.loadBalancerSku",
                      "Load balancer SKU must be standard with outbound type %s.", c->outbound);
    return true;
}

/* networkPlugin, networkPolicy, outboundType, loadBalancerSku; written back canonically. */
static bool network_kind(struct aks_ctx *c, cJSON *np)
{
    const char *plugin, *policy, *outbound, *sku, *mode;
    char policy_out[16], sku_out[16];
    if (!get_str(np, "networkPlugin", "properties.networkProfile.networkPlugin", "kubenet", &plugin, c->rs) ||
        !get_str(np, "networkPolicy", "properties.networkProfile.networkPolicy", NULL, &policy, c->rs) ||
        !get_str(np, "outboundType", "properties.networkProfile.outboundType", "loadBalancer", &outbound, c->rs) ||
        !get_str(np, "loadBalancerSku", "properties.networkProfile.loadBalancerSku", "standard", &sku, c->rs) ||
        !get_str(np, "networkPluginMode", "properties.networkProfile.networkPluginMode", NULL, &mode, c->rs))
        return false;
    if (strcasecmp(plugin, "kubenet") != 0 && strcasecmp(plugin, "azure") != 0 && strcasecmp(plugin, "none") != 0)
        return refuse(c->rs, "UnknownNetworkPlugin", "networkProfile.networkPlugin",
                      "Network plugin %s is not supported: use kubenet, azure or none.", plugin);
    for (size_t i = 0; plugin[i] && i + 1 < sizeof(c->plugin); i++)
        c->plugin[i] = (char)tolower((unsigned char)plugin[i]);
    c->kubenet = strcmp(c->plugin, "kubenet") == 0;
    c->overlay = strcmp(c->plugin, "azure") == 0 && mode && strcasecmp(mode, "overlay") == 0;
    if (!check_policy(c, policy, policy_out) || !check_outbound(c, outbound, sku, sku_out))
        return false;
    mock_json_set_str(np, "networkPlugin", c->plugin);
    if (policy_out[0])
        mock_json_set_str(np, "networkPolicy", policy_out);
    mock_json_set_str(np, "outboundType", c->outbound);
    mock_json_set_str(np, "loadBalancerSku", sku_out);
    return true;
}

/* The first string of an array member, or NULL. */
static const char *first_string(const cJSON *o, const char *key)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsArray(a) && cJSON_IsString(a->child) ? a->child->valuestring : NULL;
}

/* Parse a range of the network profile; AKS's CidrStringParseError when it is not one. */
static bool parse_range(struct aks_ctx *c, const char *text, const char *target, struct aksnet__cidr *out)
{
    aksnet__cidr_status st = aksnet__cidr_parse(text, out);
    if (st == AKSNET_CIDR_OK)
        return true;
    return refuse(c->rs, "CidrStringParseError", target, "The CIDR %s in %s could not be parsed: %s.", text, target,
                  aksnet__cidr_parse_strerror(st));
}

/* A pod or service range may not touch the ranges AKS reserves. */
static bool check_reserved(struct aks_ctx *c, const struct aksnet__cidr *r, const char *what, const char *target)
{
    const char *hit = reserved_overlap(r);
    char text[AKSNET_CIDR_STRLEN];
    if (!hit)
        return true;
    return refuse(c->rs, "InvalidParameter", target,
                  "The value of parameter %s is invalid. Error details: %s %s overlaps %s; AKS clusters may not use "
                  "169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16 or 192.0.2.0/24.", target, what,
                  aksnet__cidr_format(r, text), hit);
}

/* dnsServiceIP: inside the service range, neither its network, first nor broadcast address. */
static bool check_dns(struct aks_ctx *c, const char *dns)
{
    char svc[AKSNET_CIDR_STRLEN], api[AKSNET_IP_STRLEN];
    const char *target = "networkProfile.dnsServiceIP";
    aksnet__cidr_format(&c->service, svc);
    if (!aksnet__ip_parse(dns, &c->dns))
        return refuse(c->rs, "DnsServiceIpParseError", target, "The DNS service IP %s could not be parsed.", dns);
    if (!aksnet__cidr_contains_ip(&c->service, c->dns))
        return refuse(c->rs, "DnsServiceIpOutOfServiceCidr", target,
                      "The DNS service IP %s is out of the range defined by service CIDR %s.", dns, svc);
    if (c->dns == c->service.addr)
        return refuse(c->rs, "InvalidParameter", target,
                      "The value of parameter networkProfile.dnsServiceIP is invalid. Error details: %s is the "
                      "network address of service CIDR %s.", dns, svc);
    if (c->dns == c->service.addr + 1)
        return refuse(c->rs, "DnsServiceIpConflicting", target,
                      "The DNS service IP %s is conflicted with the API server service IP %s, the first address of "
                      "service CIDR %s.", dns, aksnet__ip_format(c->service.addr + 1, api), svc);
    if (c->dns == aksnet__cidr_last(&c->service))
        return refuse(c->rs, "DnsBroadcastAddressConflicting", target,
                      "The DNS service IP %s is conflicted with the broadcast address of service CIDR %s.", dns, svc);
    return true;
}

/* Write the ranges back as ARM returns them (single and list forms). */
static void write_ranges(const struct aks_ctx *c, cJSON *np)
{
    char text[AKSNET_CIDR_STRLEN], ip[AKSNET_IP_STRLEN];
    cJSON_DeleteItemFromObjectCaseSensitive(np, "podCidr");
    cJSON_DeleteItemFromObjectCaseSensitive(np, "podCidrs");
    if (c->kubenet || c->overlay) {
        cJSON_AddStringToObject(np, "podCidr", aksnet__cidr_format(&c->pod, text));
        cJSON_AddItemToArray(cJSON_AddArrayToObject(np, "podCidrs"), cJSON_CreateString(text));
    }
    mock_json_set_str(np, "serviceCidr", aksnet__cidr_format(&c->service, text));
    mock_json_set(np, "serviceCidrs", cJSON_CreateArray());
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(np, "serviceCidrs"), cJSON_CreateString(text));
    mock_json_set_str(np, "dnsServiceIP", aksnet__ip_format(c->dns, ip));
    mock_json_set(np, "ipFamilies", cJSON_CreateArray());
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(np, "ipFamilies"), cJSON_CreateString("IPv4"));
}

/* podCidr, serviceCidr, dnsServiceIP: valid, apart, outside the reserved ranges. */
static bool network_ranges(struct aks_ctx *c, cJSON *np)
{
    const char *pod = NULL, *svc = NULL, *dns = NULL;
    char dflt_dns[AKSNET_IP_STRLEN];
    if (!get_str(np, "podCidr", "properties.networkProfile.podCidr", NULL, &pod, c->rs) ||
        !get_str(np, "serviceCidr", "properties.networkProfile.serviceCidr", NULL, &svc, c->rs) ||
        !get_str(np, "dnsServiceIP", "properties.networkProfile.dnsServiceIP", NULL, &dns, c->rs))
        return false;
    pod = pod ? pod : first_string(np, "podCidrs");
    svc = svc ? svc : first_string(np, "serviceCidrs");
    bool has_pod = c->kubenet || c->overlay;
    if (has_pod && !parse_range(c, pod ? pod : "10.244.0.0/16", "networkProfile.podCidr", &c->pod))
        return false;
    if (!parse_range(c, svc ? svc : "10.0.0.0/16", "networkProfile.serviceCidr", &c->service))
        return false;
    if ((has_pod && !check_reserved(c, &c->pod, "pod CIDR", "networkProfile.podCidr")) ||
        !check_reserved(c, &c->service, "service CIDR", "networkProfile.serviceCidr"))
        return false;
    char a[AKSNET_CIDR_STRLEN], b[AKSNET_CIDR_STRLEN];
    if (has_pod && aksnet__cidr_overlaps(&c->pod, &c->service))
        return refuse(c->rs, "PodCidrOverlapServiceCidr", "networkProfile.podCidr",
                      "The pod CIDR %s overlaps the service CIDR %s.", aksnet__cidr_format(&c->pod, a),
                      aksnet__cidr_format(&c->service, b));
    if (!dns)
        dns = aksnet__cidr_size(&c->service) > 16 ? aksnet__ip_format(c->service.addr + 10, dflt_dns) : "";
    if (!check_dns(c, dns))
        return false;
    write_ranges(c, np);
    return true;
}

/* The load balancer's outbound profile as AKS reports it (its public IP lives in the node group). */
static void write_lb_profile(const struct aks_ctx *c, cJSON *np)
{
    const cJSON *old_np =
        c->old ? cJSON_GetObjectItemCaseSensitive(props_of(c->old->body), "networkProfile") : NULL;
    const cJSON *was = cJSON_GetObjectItemCaseSensitive(old_np, "loadBalancerProfile");
    if (strcmp(c->outbound, "loadBalancer") != 0 || cJSON_GetObjectItemCaseSensitive(np, "loadBalancerProfile"))
        return;
    if (was) {
        cJSON_AddItemToObject(np, "loadBalancerProfile", cJSON_Duplicate(was, 1));
        return;
    }
    char ip[37], id[ID_LEN];
    mock_uuid(ip);
    cJSON *lb = cJSON_AddObjectToObject(np, "loadBalancerProfile");
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(lb, "managedOutboundIPs"), "count", 1);
    cJSON *effective = cJSON_AddArrayToObject(lb, "effectiveOutboundIPs");
    if (fmt_ok(id, sizeof(id), "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/publicIPAddresses/%s",
               c->t->subscription, c->node_group, ip)) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", id);
        cJSON_AddItemToArray(effective, o);
    }
    cJSON_AddStringToObject(lb, "backendPoolType", "nodeIPConfiguration");
}

/* networkProfile: read, checked, completed; kept from the old cluster when an update omits it. */
static bool read_network(struct aks_ctx *c)
{
    cJSON *np = cJSON_GetObjectItemCaseSensitive(c->props, "networkProfile");
    const cJSON *was = c->old ? cJSON_GetObjectItemCaseSensitive(props_of(c->old->body), "networkProfile") : NULL;
    if (np && !cJSON_IsObject(np))
        return bad_type(c->rs, "properties.networkProfile", "an object");
    if (!np && was)
        cJSON_AddItemToObject(c->props, "networkProfile", cJSON_Duplicate(was, 1));
    np = mock_json_obj(c->props, "networkProfile");
    return network_kind(c, np) && network_ranges(c, np);
}

/* ---- agent pools -------------------------------------------------------------------------- */

/* Agent pool names: Linux 1-12, Windows 1-6 lower-case letters and digits, starting with a letter. */
static bool check_pool_name(struct aks_ctx *c, const char *name, bool windows)
{
    size_t len = strlen(name), max = windows ? 6 : 12;
    bool ok = len >= 1 && islower((unsigned char)name[0]);
    for (size_t i = 0; ok && i < len; i++)
        ok = islower((unsigned char)name[i]) || isdigit((unsigned char)name[i]);
    if (ok && windows && len > max)
        return refuse(c->rs, "WindowsAgentPoolNameTooLong", "agentPoolProfile.name",
                      "Windows agent pool name %s can not be longer than 6 characters.", name);
    if (!ok || len > max)
        return refuse(c->rs, "InvalidParameter", "agentPoolProfile.name",
                      "The value of parameter agentPoolProfile.name is invalid. Error details: Agent pool name '%s' "
                      "must start with a lowercase letter, have max length of 12, and only have characters a-z0-9. "
                      "Please see https://aka.ms/aks-naming-rules for more details.", name);
    return true;
}

/* upgradeSettings.maxSurge: "N" nodes or "P%" of the pool, rounded up; 1 node when absent. */
static bool read_surge(struct aks_ctx *c, const cJSON *p, const char *path, struct aks_pool *pool)
{
    const char *s = NULL;
    const cJSON *up = cJSON_GetObjectItemCaseSensitive(p, "upgradeSettings");
    if (up && !cJSON_IsObject(up))
        return bad_type(c->rs, path, "an object");
    if (!get_str(up, "maxSurge", path, NULL, &s, c->rs))
        return false;
    pool->surge = 1;
    if (!s)
        return true;
    size_t len = strlen(s), digits = strspn(s, "0123456789");
    bool pct = len > 0 && s[len - 1] == '%';
    long v = digits > 0 && digits <= 4 && digits == len - (pct ? 1 : 0) ? strtol(s, NULL, 10) : -1;
    if (v < 1 || (pct && v > 100))
        return refuse(c->rs, "InvalidParameter", "agentPoolProfile.upgradeSettings.maxSurge",
                      "The value of parameter agentPoolProfile.upgradeSettings.maxSurge is invalid. Error details: "
                      "'%s' is neither a node count nor a percentage from 1%% to 100%%.", s);
    pool->surge = pct ? (pool->nodes * v + 99) / 100 : v;
    return true;
}

/* count, enableAutoScaling with minCount/maxCount: within AKS's ranges. */
static bool read_counts(struct aks_ctx *c, cJSON *p, const char *path, struct aks_pool *pool)
{
    bool autoscale = false;
    long min = 0, max = 0;
    char at[160];
    snprintf(at, sizeof(at), "%s.count", path);
    if (!get_int(p, "count", at, 1, &pool->count, c->rs) ||
        !get_bool(p, "enableAutoScaling", path, false, &autoscale, c->rs) ||
        !get_int(p, "minCount", path, 0, &min, c->rs) || !get_int(p, "maxCount", path, 0, &max, c->rs))
        return false;
    long low = pool->system ? 1 : 0;
    if (pool->count < low || pool->count > 1000)
        return refuse(c->rs, "InvalidParameter", "agentPoolProfile.count",
                      "The value of parameter agentPoolProfile.count is invalid. Error details: %ld is outside "
                      "%ld..1000 for %s pool %s.", pool->count, low, pool->system ? "system" : "user", pool->name);
    if (autoscale && (min < low || max > 1000 || min > max || pool->count < min || pool->count > max))
        return refuse(c->rs, "InvalidParameter", "agentPoolProfile.maxCount",
                      "The value of parameter agentPoolProfile.minCount/maxCount is invalid. Error details: pool %s "
                      "needs %ld <= minCount (%ld) <= count (%ld) <= maxCount (%ld) <= 1000.", pool->name, low, min,
                      pool->count, max);
    pool->nodes = autoscale ? max : pool->count;
    mock_json_set(p, "count", cJSON_CreateNumber((double)pool->count));
    mock_json_set(p, "enableAutoScaling", cJSON_CreateBool(autoscale));
    return true;
}

/* maxPods: 10..110 with kubenet (default 110), 10..250 otherwise (default 30, 250 with overlay). */
static bool read_max_pods(struct aks_ctx *c, cJSON *p, const char *path, struct aks_pool *pool)
{
    long dflt = c->kubenet ? 110 : (c->overlay ? 250 : 30), top = c->kubenet ? 110 : 250;
    char at[160];
    snprintf(at, sizeof(at), "%s.maxPods", path);
    if (!get_int(p, "maxPods", at, dflt, &pool->max_pods, c->rs))
        return false;
    if (pool->max_pods < 10)
        return refuse(c->rs, "InsufficientMaxPods", "agentPoolProfile.maxPods",
                      "The value of parameter agentPoolProfile.maxPods is invalid. Error details: maxPods %ld of "
                      "pool %s is below the minimum of 10 pods per node.", pool->max_pods, pool->name);
    if (pool->max_pods > top)
        return refuse(c->rs, "MaxPodsLimitExceeded", "agentPoolProfile.maxPods",
                      "The value of parameter agentPoolProfile.maxPods is invalid. Error details: maxPods %ld of "
                      "pool %s exceeds the maximum of %ld pods per node for network plugin %s.", pool->max_pods,
                      pool->name, top, c->plugin);
    mock_json_set(p, "maxPods", cJSON_CreateNumber((double)pool->max_pods));
    return true;
}

/* The members AKS adds to every pool it reports. */
static void complete_pool(const struct aks_ctx *c, cJSON *p, bool windows)
{
    char current[40];
    snprintf(current, sizeof(current), "%s%s", c->version, strchr(strchr(c->version, '.') + 1, '.') ? "" : ".0");
    set_default_str(p, "vmSize", "Standard_DS2_v2");
    /* 0 asks for the default size (the Azure CLI sends 0 without --node-osdisk-size). */
    const cJSON *disk = cJSON_GetObjectItemCaseSensitive(p, "osDiskSizeGB");
    if (cJSON_IsNumber(disk) && disk->valuedouble == 0)
        cJSON_DeleteItemFromObjectCaseSensitive(p, "osDiskSizeGB");
    set_default_num(p, "osDiskSizeGB", 128);
    set_default_str(p, "osDiskType", "Managed");
    set_default_str(p, "kubeletDiskType", "OS");
    set_default_str(p, "type", "VirtualMachineScaleSets");
    set_default_str(p, "osSKU", windows ? "Windows2022" : "Ubuntu");
    mock_json_set_str(p, "orchestratorVersion", c->version);
    mock_json_set_str(p, "currentOrchestratorVersion", current);
    mock_json_set_str(p, "nodeImageVersion", NODE_IMAGE);
    if (!cJSON_GetObjectItemCaseSensitive(p, "enableNodePublicIP"))
        cJSON_AddBoolToObject(p, "enableNodePublicIP", false);
    if (!cJSON_GetObjectItemCaseSensitive(p, "enableFIPS"))
        cJSON_AddBoolToObject(p, "enableFIPS", false);
    mock_json_set(p, "powerState", cJSON_CreateObject());
    cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(p, "powerState"), "code", "Running");
    mock_json_set_str(p, "provisioningState", c->old ? "Updating" : "Creating");
}

/* osType and mode: Linux only with kubenet, system pools Linux. */
static bool read_os_mode(struct aks_ctx *c, cJSON *p, const char *path, size_t i, struct aks_pool *pool,
                         bool *windows)
{
    const char *os = NULL, *mode = NULL;
    if (!get_str(p, "osType", path, "Linux", &os, c->rs) || !get_str(p, "mode", path, NULL, &mode, c->rs))
        return false;
    if (strcasecmp(os, "Linux") != 0 && strcasecmp(os, "Windows") != 0)
        return refuse(c->rs, "InvalidParameter", "agentPoolProfile.osType",
                      "The value of parameter agentPoolProfile.osType is invalid: '%s'.", os);
    if (mode && strcasecmp(mode, "System") != 0 && strcasecmp(mode, "User") != 0)
        return refuse(c->rs, "InvalidParameter", "agentPoolProfile.mode",
                      "The value of parameter agentPoolProfile.mode is invalid: '%s'.", mode);
    *windows = strcasecmp(os, "Windows") == 0;
    pool->system = mode ? strcasecmp(mode, "System") == 0 : i == 0; /* the first pool is the system pool */
    if (*windows && pool->system)
        return refuse(c->rs, "SystemPoolMustBeLinux", "agentPoolProfile.osType",
                      "System pool %s must use the Linux OS type.", pool->name);
    if (*windows && c->kubenet)
        return refuse(c->rs, "AzureCNIOnlyForWindows", "agentPoolProfile.osType",
                      "Windows agent pool %s requires network plugin azure: kubenet supports Linux nodes only.",
                      pool->name);
    mock_json_set_str(p, "osType", *windows ? "Windows" : "Linux");
    mock_json_set_str(p, "mode", pool->system ? "System" : "User");
    return true;
}

/* One agent pool profile: read, checked and completed in place. */
static bool read_pool(struct aks_ctx *c, size_t i, cJSON *p)
{
    struct aks_pool *pool = &c->pools[i];
    char path[64];
    bool windows = false;
    snprintf(path, sizeof(path), "properties.agentPoolProfiles[%zu]", i);
    if (!cJSON_IsObject(p))
        return bad_type(c->rs, path, "an object");
    if (!get_str(p, "name", path, NULL, &pool->name, c->rs) ||
        !get_str(p, "vnetSubnetID", path, NULL, &pool->subnet_id, c->rs))
        return false;
    if (!pool->name)
        return refuse(c->rs, "InvalidParameter", "agentPoolProfile.name",
                      "The value of parameter agentPoolProfile.name is invalid. Error details: every agent pool "
                      "needs a name.");
    for (size_t k = 0; k < i; k++)
        if (strcmp(c->pools[k].name, pool->name) == 0)
            return refuse(c->rs, "InvalidParameter", "agentPoolProfile.name",
                          "The value of parameter agentPoolProfile.name is invalid. Error details: agent pool name "
                          "%s is used twice.", pool->name);
    if (!read_os_mode(c, p, path, i, pool, &windows) || !check_pool_name(c, pool->name, windows) ||
        !read_counts(c, p, path, pool) || !read_max_pods(c, p, path, pool) || !read_surge(c, p, path, pool))
        return false;
    complete_pool(c, p, windows);
    return true;
}

/* agentPoolProfiles: at least one system pool, all on custom subnets or none. */
static bool read_pools(struct aks_ctx *c)
{
    cJSON *list = cJSON_GetObjectItemCaseSensitive(c->props, "agentPoolProfiles");
    const cJSON *was = c->old ? cJSON_GetObjectItemCaseSensitive(props_of(c->old->body), "agentPoolProfiles") : NULL;
    if (list && !cJSON_IsArray(list))
        return bad_type(c->rs, "properties.agentPoolProfiles", "an array");
    if (!list && was)
        cJSON_AddItemToObject(c->props, "agentPoolProfiles", list = cJSON_Duplicate(was, 1));
    size_t n = list ? (size_t)cJSON_GetArraySize(list) : 0, systems = 0, custom = 0;
    if (n > AKS_MAX_POOLS)
        return refuse(c->rs, "MaxAgentPoolCountReached", "agentPoolProfiles",
                      "A cluster can have at most %d agent pools.", AKS_MAX_POOLS);
    cJSON *p;
    c->npools = 0;
    cJSON_ArrayForEach(p, list) {
        if (!read_pool(c, c->npools, p))
            return false;
        systems += c->pools[c->npools].system;
        custom += c->pools[c->npools].subnet_id != NULL;
        c->npools++;
    }
    if (systems == 0)
        return refuse(c->rs, "MustDefineAtLeastOneSystemPool", "agentPoolProfiles",
                      "Must define at least one system pool.");
    if (custom != 0 && custom != n)
        return refuse(c->rs, "InvalidParameter", "agentPoolProfile.vnetSubnetID",
                      "The value of parameter agentPoolProfile.vnetSubnetID is invalid. Error details: either every "
                      "agent pool names a custom subnet or none does.");
    return true;
}

/* Kubenet's limits on the whole cluster: 400 nodes (one route each), a /24 of the pod range per node. */
static bool check_totals(struct aks_ctx *c)
{
    long nodes = 0;
    for (size_t i = 0; i < c->npools; i++)
        nodes += c->pools[i].nodes;
    if (c->kubenet && nodes > KUBENET_MAX_NODES) {
        refuse(c->rs, "ValidationError", "agentPoolProfile.count",
               "Cluster's upper limit node count is %ld which exceeds the limit for Kubenet %d. If Autoscaler is "
               "enabled, the max-count from each nodepool is counted towards this total. "
               "https://aka.ms/aks/kubenet-networking-overview", nodes, KUBENET_MAX_NODES);
        cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(c->rs->json, "error"), "subcode",
                                "KubenetNodeCountTotalExceedsLimit");
        return false;
    }
    uint64_t need = (uint64_t)nodes << (32 - POD_RANGE_BITS);
    char pod[AKSNET_CIDR_STRLEN];
    if (c->kubenet && (c->pod.len > POD_RANGE_BITS || need > aksnet__cidr_size(&c->pod)))
        return refuse(c->rs, "InsufficientPodCidr", "agentPoolProfile.count",
                      "Pre-allocated IPs %llu exceeds IPs available %llu in Pod Cidr %s", (unsigned long long)need,
                      (unsigned long long)aksnet__cidr_size(&c->pod), aksnet__cidr_format(&c->pod, pod));
    return true;
}

/* ---- names AKS derives: DNS prefix, FQDN, node resource group ------------------------------ */

/* A DNS prefix from name, group and subscription, as the CLI and portal derive one. */
static void derive_dns_prefix(const struct aks_ctx *c, char *out, size_t len)
{
    char raw[64];
    snprintf(raw, sizeof(raw), "%.10s-%.16s-%.6s", c->t->name, c->t->resource_group, c->t->subscription);
    size_t w = 0;
    for (size_t i = 0; raw[i] && w + 1 < len; i++)
        if (isalnum((unsigned char)raw[i]) || (raw[i] == '-' && w > 0 && out[w - 1] != '-'))
            out[w++] = raw[i];
    while (w > 0 && out[w - 1] == '-')
        w--;
    out[w] = '\0';
    if (w == 0)
        snprintf(out, len, "aks");
}

/* dnsPrefix (1-54 letters, digits, hyphens; alphanumeric ends), fqdn and portal FQDN. */
static bool read_dns_prefix(struct aks_ctx *c)
{
    const char *dp = NULL;
    char derived[64], fqdn[256], lower[64];
    if (!get_str(c->props, "dnsPrefix", "properties.dnsPrefix", NULL, &dp, c->rs))
        return false;
    const char *was = c->old ? mock_json_str(props_of(c->old->body), "dnsPrefix") : NULL;
    if (!dp && was)
        dp = was;
    if (!dp) {
        derive_dns_prefix(c, derived, sizeof(derived));
        dp = derived;
    }
    size_t len = strlen(dp);
    bool ok = len >= 1 && len <= 54 && isalnum((unsigned char)dp[0]) && isalnum((unsigned char)dp[len - 1]);
    for (size_t i = 0; ok && i < len; i++)
        ok = isalnum((unsigned char)dp[i]) || dp[i] == '-';
    if (!ok)
        return refuse(c->rs, "InvalidParameter", "dnsPrefix",
                      "The value of parameter dnsPrefix is invalid. Error details: DNS prefix '%s' must contain "
                      "between 1 and 54 characters, only letters, numbers and hyphens, and start and end with a "
                      "letter or a number.", dp);
    if (was && strcasecmp(was, dp) != 0)
        return refuse(c->rs, "PropertyChangeNotAllowed", "dnsPrefix",
                      "Changing property 'dnsPrefix' is not allowed.");
    for (size_t i = 0; i <= len; i++)
        lower[i] = (char)tolower((unsigned char)dp[i]);
    uint32_t h = id_hash(c->t->id, "fqdn");
    const char *loc = mock_json_str(c->body, "location");
    mock_json_set_str(c->props, "dnsPrefix", dp);
    snprintf(fqdn, sizeof(fqdn), "%s-%08x.hcp.%s.azmk8s.io", lower, (unsigned)h, loc ? loc : "");
    mock_json_set_str(c->props, "fqdn", fqdn);
    snprintf(fqdn, sizeof(fqdn), "%s-%08x.portal.hcp.%s.azmk8s.io", lower, (unsigned)h, loc ? loc : "");
    mock_json_set_str(c->props, "azurePortalFQDN", fqdn);
    return true;
}

/* nodeResourceGroup: given or MC_<group>_<cluster>_<location>; not the cluster's group, not someone else's. */
static bool read_node_group(struct aks_ctx *c)
{
    const char *given = NULL, *loc = mock_json_str(c->body, "location");
    if (!get_str(c->props, "nodeResourceGroup", "properties.nodeResourceGroup", NULL, &given, c->rs))
        return false;
    const char *was = c->old ? mock_json_str(props_of(c->old->body), "nodeResourceGroup") : NULL;
    if (was && given && strcasecmp(was, given) != 0)
        return refuse(c->rs, "PropertyChangeNotAllowed", "nodeResourceGroup",
                      "Changing property 'nodeResourceGroup' is not allowed.");
    if (given || was)
        snprintf(c->node_group, sizeof(c->node_group), "%.80s", was ? was : given);
    else
        snprintf(c->node_group, sizeof(c->node_group), "MC_%s_%s_%s", c->t->resource_group, c->t->name,
                 loc ? loc : "");
    c->node_group[80] = '\0'; /* AKS keeps node resource group names to 80 characters */
    if (strcasecmp(c->node_group, c->t->resource_group) == 0)
        return refuse(c->rs, "NodeResourceGroupSameAsResourceGroup", "nodeResourceGroup",
                      "The node resource group %s can not be the cluster's own resource group.", c->node_group);
    char id[ID_LEN];
    const struct mock_resource *g = NULL;
    if (!c->old && node_group_id(c->t->id, c->node_group, id, sizeof(id)))
        g = mock_store_get(&c->m->store, id);
    const char *owner = g ? mock_json_str(g->body, "managedBy") : NULL;
    if (g && (!owner || strcasecmp(owner, c->t->id) != 0))
        return refuse(c->rs, "NodeResourceGroupAlreadyExists", "nodeResourceGroup",
                      "The node resource group %s already exists. Use another name or delete the group.",
                      c->node_group);
    mock_json_set_str(c->props, "nodeResourceGroup", c->node_group);
    return true;
}

/* ---- updates --------------------------------------------------------------------------------- */

/* A network value an update may not change. */
static bool same_network_value(struct aks_ctx *c, const cJSON *old_np, const cJSON *np, const char *key)
{
    const char *a = mock_json_str(old_np, key), *b = mock_json_str(np, key);
    if (!a || !b || strcasecmp(a, b) == 0)
        return true;
    char target[64];
    snprintf(target, sizeof(target), "networkProfile.%s", key);
    return refuse(c->rs, "PropertyChangeNotAllowed", target, "Changing property '%s' is not allowed.", target);
}

/* A pool an update keeps may not move to another subnet or VM size. */
static bool same_pool(struct aks_ctx *c, const cJSON *old_pools, const cJSON *pool)
{
    const char *name = mock_json_str(pool, "name");
    const cJSON *was;
    cJSON_ArrayForEach(was, old_pools) {
        const char *wn = mock_json_str(was, "name");
        if (!wn || !name || strcmp(wn, name) != 0)
            continue;
        static const char *const fixed[] = {"vnetSubnetID", "vmSize", NULL};
        for (size_t k = 0; fixed[k]; k++) {
            const char *a = mock_json_str(was, fixed[k]), *b = mock_json_str(pool, fixed[k]);
            if ((a || b) && (!a || !b || strcasecmp(a, b) != 0))
                return refuse(c->rs, "PropertyChangeNotAllowed", "agentPoolProfile", "Changing property '%s' of "
                              "agent pool %s is not allowed.", fixed[k], name);
        }
    }
    return true;
}

/* What an update may not change: plugin, ranges, DNS IP, pools' subnets and sizes. */
static bool check_update(struct aks_ctx *c)
{
    if (!c->old)
        return true;
    const cJSON *old_props = props_of(c->old->body);
    const cJSON *old_np = cJSON_GetObjectItemCaseSensitive(old_props, "networkProfile");
    const cJSON *np = cJSON_GetObjectItemCaseSensitive(c->props, "networkProfile");
    static const char *const fixed[] = {"networkPlugin", "podCidr", "serviceCidr", "dnsServiceIP", NULL};
    for (size_t k = 0; fixed[k]; k++)
        if (!same_network_value(c, old_np, np, fixed[k]))
            return false;
    const cJSON *pool;
    cJSON_ArrayForEach(pool, cJSON_GetObjectItemCaseSensitive(c->props, "agentPoolProfiles")) {
        if (!same_pool(c, cJSON_GetObjectItemCaseSensitive(old_props, "agentPoolProfiles"), pool))
            return false;
    }
    return true;
}

/* ---- subnets ------------------------------------------------------------------------------- */

/* NRP's answer when a pool's subnet does not exist where the cluster is. */
static bool missing_subnet(struct aks_ctx *c, const struct aks_pool *pool)
{
    return refuse(c->rs, "InvalidResourceReference", "agentPoolProfile.vnetSubnetID",
                  "Resource %s referenced by resource /subscriptions/%s/resourceGroups/%s/providers/"
                  "Microsoft.Compute/virtualMachineScaleSets/aks-%s-%s-vmss was not found. Please make sure that "
                  "the referenced resource exists, and that both resources are in the same region.",
                  pool->subnet_id, c->t->subscription, c->node_group, pool->name, c->hash);
}

/* Add the subnet of a pool to c->subnets (once), checking that it exists and can hold nodes. */
static bool add_subnet(struct aks_ctx *c, const struct aks_pool *pool, size_t *index)
{
    for (size_t k = 0; k < c->nsubnets; k++)
        if (strcasecmp(c->subnets[k].id, pool->subnet_id) == 0) {
            *index = k;
            return true;
        }
    struct aks_subnet *s = &c->subnets[c->nsubnets];
    struct aksnet__resid rid;
    if (!aksnet__resid_parse(pool->subnet_id, &rid) ||
        !aksnet__resid_is(&rid, "Microsoft.Network", "virtualNetworks", "subnets"))
        return refuse(c->rs, "InvalidParameter", "agentPoolProfile.vnetSubnetID",
                      "The value of parameter agentPoolProfile.vnetSubnetID is invalid. Error details: '%s' is not "
                      "a subnet resource id.", pool->subnet_id);
    s->id = pool->subnet_id;
    s->json = find_subnet(c->m, pool->subnet_id, &s->vnet);
    const char *vloc = s->json ? mock_json_str(s->vnet->body, "location") : NULL;
    const char *loc = mock_json_str(c->body, "location");
    if (!s->json || !vloc || !loc || strcasecmp(vloc, loc) != 0)
        return missing_subnet(c, pool);
    int got = subnet_prefix(s->json, &s->prefix);
    if (got < 0)
        return refuse(c->rs, "MultipleAddressPrefixesSubnetNotSupported", "agentPoolProfile.vnetSubnetID",
                      "Subnet %s has several address prefixes; AKS supports subnets with one.", s->id);
    if (got == 0)
        return refuse(c->rs, "GetSubnetCidrError", "agentPoolProfile.vnetSubnetID",
                      "The address prefix of subnet %s could not be read.", s->id);
    const cJSON *dele = cJSON_GetObjectItemCaseSensitive(props_of(s->json), "delegations");
    if (cJSON_IsArray(dele) && cJSON_GetArraySize(dele) > 0)
        return refuse(c->rs, "SubnetIsDelegated", "agentPoolProfile.vnetSubnetID",
                      "Subnet %s is delegated to another service and cannot be used for agent pools.", s->id);
    s->route_table = subnet_route_table(s->json);
    s->need = 0;
    *index = c->nsubnets++;
    return true;
}

/* Every pool's subnet: existing, in the cluster's region, in one VNet; addresses counted per subnet. */
static bool resolve_subnets(struct aks_ctx *c)
{
    c->nsubnets = 0;
    for (size_t i = 0; i < c->npools; i++) {
        const struct aks_pool *pool = &c->pools[i];
        size_t k = 0;
        if (!pool->subnet_id)
            continue;
        if (!add_subnet(c, pool, &k))
            return false;
        long per_node = c->kubenet || c->overlay || strcmp(c->plugin, "none") == 0 ? 1 : pool->max_pods + 1;
        c->subnets[k].need += (pool->nodes + pool->surge) * per_node;
        if (c->subnets[k].vnet != c->subnets[0].vnet)
            return refuse(c->rs, "InvalidParameter", "agentPoolProfile.vnetSubnetID",
                          "The value of parameter agentPoolProfile.vnetSubnetID is invalid. Error details: all agent "
                          "pools must use subnets of the same virtual network (%s and %s differ).",
                          c->subnets[0].id, c->subnets[k].id);
    }
    return true;
}

/* A range of the cluster against every subnet and address space of the VNet. */
static bool check_against_vnet(struct aks_ctx *c, const struct aksnet__cidr *r, const char *what, const char *code,
                               const char *target)
{
    const cJSON *vp = props_of(c->subnets[0].vnet->body), *s, *space;
    char a[AKSNET_CIDR_STRLEN], b[AKSNET_CIDR_STRLEN];
    aksnet__cidr_format(r, a);
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(vp, "subnets")) {
        struct aksnet__cidr sp;
        if (subnet_prefix(s, &sp) == 1 && aksnet__cidr_overlaps(r, &sp))
            return refuse(c->rs, code, target, "The specified %s %s is conflicted with an existing subnet CIDR %s",
                          what, a, aksnet__cidr_format(&sp, b));
    }
    cJSON_ArrayForEach(space, cJSON_GetObjectItemCaseSensitive(
                                  cJSON_GetObjectItemCaseSensitive(vp, "addressSpace"), "addressPrefixes")) {
        struct aksnet__cidr sp;
        if (cJSON_IsString(space) && aksnet__cidr_parse(space->valuestring, &sp) == AKSNET_CIDR_OK &&
            aksnet__cidr_overlaps(r, &sp))
            return refuse(c->rs, "InvalidParameter", target,
                          "The value of parameter %s is invalid. Error details: the %s %s overlaps the address "
                          "space %s of virtual network %s.", target, what, a, space->valuestring,
                          mock_json_str(c->subnets[0].vnet->body, "name"));
    }
    return true;
}

/* Service and pod ranges apart from the VNet; the VNet apart from the reserved ranges. */
static bool check_vnet_ranges(struct aks_ctx *c)
{
    if (c->nsubnets == 0)
        return true;
    const cJSON *space;
    cJSON_ArrayForEach(space, cJSON_GetObjectItemCaseSensitive(
                                  cJSON_GetObjectItemCaseSensitive(props_of(c->subnets[0].vnet->body), "addressSpace"),
                                  "addressPrefixes")) {
        struct aksnet__cidr sp;
        if (cJSON_IsString(space) && aksnet__cidr_parse(space->valuestring, &sp) == AKSNET_CIDR_OK &&
            !check_reserved(c, &sp, "virtual network address space", "agentPoolProfile.vnetSubnetID"))
            return false;
    }
    if (!check_against_vnet(c, &c->service, "service CIDR", "ServiceCidrOverlapExistingSubnetsCidr",
                            "networkProfile.serviceCIDR"))
        return false;
    return !(c->kubenet || c->overlay) ||
           check_against_vnet(c, &c->pod, "pod CIDR", "PodCidrOverlapExistingSubnetsCidr", "networkProfile.podCIDR");
}

/* Each subnet holds its nodes plus surge; Azure keeps 5 addresses of every subnet. */
static bool check_capacity(struct aks_ctx *c)
{
    for (size_t k = 0; k < c->nsubnets; k++) {
        const struct aks_subnet *s = &c->subnets[k];
        uint64_t size = aksnet__cidr_size(&s->prefix);
        uint64_t usable = size > AZURE_RESERVED_IPS ? size - AZURE_RESERVED_IPS : 0;
        char text[AKSNET_CIDR_STRLEN];
        aksnet__cidr_format(&s->prefix, text);
        if ((uint64_t)s->need <= usable)
            continue;
        if (c->old)
            return refuse(c->rs, "SubnetIsFull", "agentPoolProfile.vnetSubnetID",
                          "Subnet %s with address prefix %s does not have enough capacity for %ld IP addresses.",
                          mock_json_str(s->json, "name"), text, s->need);
        return refuse(c->rs, "InsufficientSubnetSize", "agentPoolProfile.vnetSubnetID",
                      "Pre-allocated IPs %ld exceeds IPs available %llu in Subnet Cidr %s, Subnet Name %s. If "
                      "Autoscaler is enabled, the max-count from each nodepool is counted towards this total (which "
                      "means that pre-allocated IPs count represents a theoretical max value, not the actual number "
                      "of IPs requested). http://aka.ms/aks/insufficientsubnetsize", s->need,
                      (unsigned long long)usable, text, mock_json_str(s->json, "name"));
    }
    return true;
}

/* ---- route tables and rights --------------------------------------------------------------- */

/* The route table where this cluster's routes already are (an update), or NULL. */
static const struct mock_resource *table_with_own_routes(const struct aks_ctx *c)
{
    for (size_t i = 0; i < c->m->store.count; i++) {
        const struct mock_resource *r = c->m->store.items[i];
        if (r->type == &mock_type_route_table && table_has_routes_of(r, c->hash))
            return r;
    }
    return NULL;
}

/* outboundType userDefinedRouting needs 0.0.0.0/0 to an appliance or gateway in the route table. */
static bool check_udr(struct aks_ctx *c, const struct mock_resource *rt)
{
    const cJSON *route, *routes = rt ? cJSON_GetObjectItemCaseSensitive(props_of(rt->body), "routes") : NULL;
    cJSON_ArrayForEach(route, routes) {
        const cJSON *p = props_of(route);
        const char *prefix = mock_json_str(p, "addressPrefix"), *hop = mock_json_str(p, "nextHopType");
        if (!prefix || strcmp(prefix, "0.0.0.0/0") != 0)
            continue;
        if (hop && (strcasecmp(hop, "VirtualAppliance") == 0 || strcasecmp(hop, "VirtualNetworkGateway") == 0))
            return true;
        return refuse(c->rs, "RouteTableInvalidNextHop", "networkProfile.outboundType",
                      "The route 0.0.0.0/0 of route table %s must lead to a virtual appliance or a virtual network "
                      "gateway for outbound type userDefinedRouting.", rt->id);
    }
    return refuse(c->rs, "RouteTableMissingDefaultRouteError", "networkProfile.outboundType",
                  "Outbound type userDefinedRouting needs a route 0.0.0.0/0 in the route table %s of the cluster's "
                  "subnet.", rt ? rt->id : "(none)");
}

/* outboundType against the subnets: NAT gateways and UDR as AKS requires them. */
static bool check_outbound_refs(struct aks_ctx *c, const struct mock_resource *rt)
{
    if (strcmp(c->outbound, "managedNATGateway") == 0 && c->nsubnets > 0)
        return refuse(c->rs, "ManagedNATGatewayWithCustomVNetNotAllowed", "networkProfile.outboundType",
                      "Outbound type managedNATGateway is not allowed with a custom virtual network.");
    if (strcmp(c->outbound, "userAssignedNATGateway") == 0 && c->nsubnets == 0)
        return refuse(c->rs, "UserAssignedNATGatewayWithManagedVNetNotAllowed", "networkProfile.outboundType",
                      "Outbound type userAssignedNATGateway needs agent pools on custom subnets.");
    for (size_t k = 0; strcmp(c->outbound, "userAssignedNATGateway") == 0 && k < c->nsubnets; k++)
        if (!mock_json_str(cJSON_GetObjectItemCaseSensitive(props_of(c->subnets[k].json), "natGateway"), "id"))
            return refuse(c->rs, "SubnetNotAssociatedWithNATGateway", "networkProfile.outboundType",
                          "Subnet %s is not associated with a NAT gateway.", c->subnets[k].id);
    if (strcmp(c->outbound, "userDefinedRouting") == 0)
        return check_udr(c, rt);
    return true;
}

/* One route table for the cluster, existing, not changed by an update, usable with the identity. */
static bool check_route_tables(struct aks_ctx *c)
{
    size_t with = 0;
    c->route_table = NULL;
    for (size_t k = 0; k < c->nsubnets; k++) {
        const char *rt = c->subnets[k].route_table;
        if (!rt)
            continue;
        if (c->route_table && strcasecmp(c->route_table, rt) != 0)
            return refuse(c->rs, "TooManyCustomRouteTables", "agentPoolProfile.vnetSubnetID",
                          "The cluster's subnets use route tables %s and %s; a cluster uses one route table.",
                          c->route_table, rt);
        c->route_table = rt;
        with++;
    }
    if (with > 0 && with < c->nsubnets)
        return refuse(c->rs, "SubnetMissingRouteTableAssociation", "agentPoolProfile.vnetSubnetID",
                      "Some of the cluster's subnets are associated with route table %s and some with none; "
                      "associate every subnet with it.", c->route_table);
    const struct mock_resource *rt = c->route_table ? mock_store_get(&c->m->store, c->route_table) : NULL;
    if (c->route_table && (!rt || rt->type != &mock_type_route_table))
        return refuse(c->rs, "CustomRouteTableNotFound", "agentPoolProfile.vnetSubnetID",
                      "The route table %s associated with the cluster's subnet was not found.", c->route_table);
    const struct mock_resource *own = c->old ? table_with_own_routes(c) : NULL;
    if (own && (!rt || strcasecmp(own->id, rt->id) != 0))
        return refuse(c->rs, "CustomRouteTableInvalidUpdateAttempt", "agentPoolProfile.vnetSubnetID",
                      "The cluster's route table %s can not be changed after creation.", own->id);
    char group[ID_LEN];
    c->own_table = rt && node_group_id(c->t->id, c->node_group, group, sizeof(group)) && scope_covers(group, rt->id);
    if (rt && !c->own_table && c->identity == ID_SYSTEM)
        return refuse(c->rs, "CustomRouteTableWithUnsupportedMSIType", NULL,
                      "Clusters using managed identity type SystemAssigned do not support bringing your own route "
                      "table. Please see https://aka.ms/aks/customrt for more information");
    return check_outbound_refs(c, rt);
}

/* A user-assigned identity writes the route table, and joins (writes) the subnets. */
static bool check_permissions(struct aks_ctx *c)
{
    if (c->identity != ID_USER || c->nsubnets == 0)
        return true;
    if (c->route_table && !c->own_table && !mock_authz_can_write(c->m, c->principal, c->route_table))
        return refuse(c->rs, "CustomRouteTableMissingPermission", NULL,
                      "Managed identity or service principle must be given permission to read and write to custom "
                      "route table %s. Please see https://aka.ms/aks/customrt for more information", c->route_table);
    for (size_t k = 0; k < c->nsubnets; k++)
        if (!mock_authz_can_write(c->m, c->principal, c->subnets[k].id))
            return refuse(c->rs, "LinkedAuthorizationFailed", NULL,
                          "The client '%s' with object id '%s' has permission to perform action "
                          "'Microsoft.ContainerService/managedClusters/write' on scope '%s'; however, it does not have "
                          "permission to perform action(s) 'Microsoft.Network/virtualNetworks/subnets/join/action' on "
                          "the linked scope(s) '%s' (respectively) or the linked scope(s) are invalid.",
                          c->principal, c->principal, c->t->id, c->subnets[k].id);
    return true;
}

/* Another cluster's subnets against ours: one kubenet cluster per subnet, one cluster per route table. */
static bool check_other_cluster(struct aks_ctx *c, const struct mock_resource *other)
{
    const cJSON *pool;
    bool either_kubenet = c->kubenet || stored_kubenet(other);
    cJSON_ArrayForEach(pool, cJSON_GetObjectItemCaseSensitive(props_of(other->body), "agentPoolProfiles")) {
        const char *sid = mock_json_str(pool, "vnetSubnetID");
        struct mock_resource *vnet = NULL;
        const cJSON *subnet = find_subnet(c->m, sid, &vnet);
        const char *rt = subnet ? subnet_route_table(subnet) : NULL;
        for (size_t k = 0; sid && k < c->nsubnets; k++)
            if (either_kubenet && strcasecmp(sid, c->subnets[k].id) == 0)
                return refuse(c->rs, "InvalidParameter", "agentPoolProfile.vnetSubnetID",
                              "The value of parameter agentPoolProfile.vnetSubnetID is invalid. Error details: subnet "
                              "%s is already used by managed cluster %s; a kubenet cluster needs a subnet of its own.",
                              sid, other->id);
        if (rt && c->route_table && strcasecmp(rt, c->route_table) == 0)
            return refuse(c->rs, "InvalidParameter", "agentPoolProfile.vnetSubnetID",
                          "The value of parameter agentPoolProfile.vnetSubnetID is invalid. Error details: route table "
                          "%s is associated with subnet %s of managed cluster %s; a route table can serve only one "
                          "cluster. Please see https://aka.ms/aks/customrt for more information", rt, sid, other->id);
    }
    char hash[9];
    node_hash(other->id, hash);
    const struct mock_resource *rt = c->route_table ? mock_store_get(&c->m->store, c->route_table) : NULL;
    if (rt && table_has_routes_of(rt, hash))
        return refuse(c->rs, "InvalidParameter", "agentPoolProfile.vnetSubnetID",
                      "The value of parameter agentPoolProfile.vnetSubnetID is invalid. Error details: route table %s "
                      "holds the routes of managed cluster %s; a route table can serve only one cluster.", rt->id,
                      other->id);
    return true;
}

static bool check_other_clusters(struct aks_ctx *c)
{
    for (size_t i = 0; c->nsubnets > 0 && i < c->m->store.count; i++) {
        const struct mock_resource *r = c->m->store.items[i];
        if (r->type == &mock_type_cluster && strcasecmp(r->id, c->t->id) != 0 && !check_other_cluster(c, r))
            return false;
    }
    return true;
}

/* ---- the rest of the body ------------------------------------------------------------------ */

/* identityProfile.kubeletidentity: an identity AKS makes in the node resource group. */
static void write_kubelet_identity(const struct aks_ctx *c)
{
    const cJSON *was = c->old ? cJSON_GetObjectItemCaseSensitive(
                                    cJSON_GetObjectItemCaseSensitive(props_of(c->old->body), "identityProfile"),
                                    "kubeletidentity")
                              : NULL;
    cJSON *kid = was ? cJSON_Duplicate(was, 1) : cJSON_CreateObject();
    char id[ID_LEN], client[37], object[37];
    mock_uuid(client);
    mock_uuid(object);
    if (!was && fmt_ok(id, sizeof(id),
                       "/subscriptions/%s/resourcegroups/%s/providers/Microsoft.ManagedIdentity/"
                       "userAssignedIdentities/%s-agentpool", c->t->subscription, c->node_group, c->t->name)) {
        cJSON_AddStringToObject(kid, "resourceId", id);
        cJSON_AddStringToObject(kid, "clientId", client);
        cJSON_AddStringToObject(kid, "objectId", object);
    }
    cJSON *profile = cJSON_CreateObject();
    cJSON_AddItemToObject(profile, "kubeletidentity", kid);
    mock_json_set(c->props, "identityProfile", profile);
}

/* enableRBAC: a boolean, true unless turned off. */
static bool read_rbac(struct aks_ctx *c)
{
    bool rbac = true;
    if (!get_bool(c->props, "enableRBAC", "properties.enableRBAC", true, &rbac, c->rs))
        return false;
    mock_json_set(c->props, "enableRBAC", cJSON_CreateBool(rbac));
    return true;
}

/* sku: given, kept, or Base/Free. */
static bool read_sku(struct aks_ctx *c)
{
    const cJSON *sku = cJSON_GetObjectItemCaseSensitive(c->rq->json, "sku");
    if (!sku && c->old)
        sku = cJSON_GetObjectItemCaseSensitive(c->old->body, "sku");
    if (sku && !cJSON_IsObject(sku))
        return bad_type(c->rs, "sku", "an object");
    const char *name = NULL, *tier = NULL;
    if (!get_str(sku, "name", "sku.name", "Base", &name, c->rs) ||
        !get_str(sku, "tier", "sku.tier", "Free", &tier, c->rs))
        return false;
    if ((strcasecmp(name, "Base") != 0 && strcasecmp(name, "Automatic") != 0) ||
        (strcasecmp(tier, "Free") != 0 && strcasecmp(tier, "Standard") != 0 && strcasecmp(tier, "Premium") != 0))
        return refuse(c->rs, "InvalidParameter", "sku", "The value of parameter sku is invalid: name %s, tier %s.",
                      name, tier);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "name", name);
    cJSON_AddStringToObject(out, "tier", tier);
    mock_json_set(c->body, "sku", out);
    return true;
}

/* What AKS reports of every cluster beyond what was asked. */
static void complete_body(struct aks_ctx *c)
{
    char current[40];
    snprintf(current, sizeof(current), "%s%s", c->version, strchr(strchr(c->version, '.') + 1, '.') ? "" : ".0");
    mock_json_set_str(c->props, "kubernetesVersion", c->version);
    mock_json_set_str(c->props, "currentKubernetesVersion", current);
    set_default_str(c->props, "supportPlan", "KubernetesOfficial");
    mock_json_set(c->props, "maxAgentPools", cJSON_CreateNumber(AKS_MAX_POOLS));
    mock_json_set(c->props, "powerState", cJSON_CreateObject());
    cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(c->props, "powerState"), "code", "Running");
    if (c->identity != ID_NONE) {
        mock_json_set(c->props, "servicePrincipalProfile", cJSON_CreateObject());
        cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(c->props, "servicePrincipalProfile"), "clientId",
                                "msi");
    } else {
        cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(c->props, "servicePrincipalProfile"),
                                                "secret");
    }
    const char *uid = c->old ? mock_json_str(props_of(c->old->body), "resourceUID") : NULL;
    char fresh[25];
    snprintf(fresh, sizeof(fresh), "%08x%08x%08x", (unsigned)id_hash(c->t->id, "uid"),
             (unsigned)id_hash(c->t->id, "uid2"), (unsigned)id_hash(c->t->id, "uid3"));
    mock_json_set_str(c->props, "resourceUID", uid ? uid : fresh);
    write_kubelet_identity(c);
    write_lb_profile(c, mock_json_obj(c->props, "networkProfile"));
}

/*
 * The PUT's checks, in AKS's order; then the body is completed.  On a
 * refusal rs holds AKS's 400 and the request changes nothing.
 */
static bool prepare(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                    const struct mock_resource *old, cJSON *body, struct mock_response *rs)
{
    struct aks_ctx *c = calloc(1, sizeof(*c));
    if (!c) {
        mock_reply_error(rs, 500, "InternalServerError", "The mock ran out of memory.");
        return false;
    }
    *c = (struct aks_ctx){.m = m, .rq = rq, .t = t, .old = old, .rs = rs, .body = body,
                          .props = mock_json_obj(body, "properties")};
    node_hash(t->id, c->hash);
    bool ok = (old || check_cluster_name(c)) && read_sku(c) && read_identity(c) && read_version(c) && read_rbac(c) &&
              read_network(c) && read_pools(c) && check_totals(c) && read_dns_prefix(c) && read_node_group(c) &&
              check_update(c) && resolve_subnets(c) && check_vnet_ranges(c) && check_capacity(c) &&
              check_route_tables(c) && check_permissions(c) && check_other_clusters(c);
    if (ok)
        complete_body(c);
    free(c);
    return ok;
}

/* ---- when the operation's time has come -------------------------------------------------------- */

/* What on_put_done and on_delete_done read back from a stored cluster. */
struct aks_layout {
    struct aksnet__resid id;
    char hash[9];
    char group_id[ID_LEN];       /* the node resource group */
    const char *location;
    bool kubenet;
    struct aksnet__cidr pod;
    cJSON *pools;
};

static bool read_layout(const struct mock_resource *r, struct aks_layout *L)
{
    cJSON *props = props_of(r->body);
    const char *pod = mock_json_str(cJSON_GetObjectItemCaseSensitive(props, "networkProfile"), "podCidr");
    node_hash(r->id, L->hash);
    L->location = mock_json_str(r->body, "location");
    L->kubenet = stored_kubenet(r);
    L->pools = cJSON_GetObjectItemCaseSensitive(props, "agentPoolProfiles");
    if (L->kubenet && (!pod || aksnet__cidr_parse(pod, &L->pod) != AKSNET_CIDR_OK))
        return false;
    return aksnet__resid_parse(r->id, &L->id) && L->location &&
           node_group_id(r->id, mock_json_str(props, "nodeResourceGroup"), L->group_id, sizeof(L->group_id));
}

static void fail_op(struct mock_op *op, const char *code, const char *message)
{
    free(op->fail_code);
    free(op->fail_message);
    op->fail_code = strdup(code);
    op->fail_message = strdup(message);
}

/* A plain tracked body as the network and identity types keep them. */
static cJSON *tracked_body(const char *id, const char *name, const char *type, const char *location)
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

/* The node resource group, as arm_resources.c keeps groups, managed by the cluster. */
static void ensure_node_group(struct armmock *m, const struct mock_resource *r, const struct aks_layout *L)
{
    if (mock_store_get(&m->store, L->group_id))
        return;
    const char *name = strrchr(L->group_id, '/') + 1;
    cJSON *b = tracked_body(L->group_id, name, "Microsoft.Resources/resourceGroups", L->location);
    cJSON *tags = cJSON_GetObjectItemCaseSensitive(b, "tags");
    cJSON_AddStringToObject(tags, "aks-managed-cluster-name", L->id.name);
    cJSON_AddStringToObject(tags, "aks-managed-cluster-rg", L->id.resource_group);
    cJSON_AddStringToObject(b, "managedBy", r->id);
    mock_store_put(&m->store, L->group_id, &mock_type_resource_group, b, mock_now(m));
}

/* The kubelet identity named in identityProfile, made in the node resource group. */
static void ensure_kubelet_identity(struct armmock *m, const struct mock_resource *r, const struct aks_layout *L)
{
    const cJSON *kid = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(props_of(r->body), "identityProfile"), "kubeletidentity");
    const char *id = mock_json_str(kid, "resourceId");
    if (!id || !strrchr(id, '/') || mock_store_get(&m->store, id))
        return;
    cJSON *b = tracked_body(id, strrchr(id, '/') + 1, "Microsoft.ManagedIdentity/userAssignedIdentities", L->location);
    cJSON *p = props_of(b);
    const char *tenant = mock_json_str(cJSON_GetObjectItemCaseSensitive(r->body, "identity"), "tenantId");
    cJSON_DeleteItemFromObjectCaseSensitive(p, "provisioningState");
    mock_json_set_str(p, "principalId", mock_json_str(kid, "objectId"));
    mock_json_set_str(p, "clientId", mock_json_str(kid, "clientId"));
    mock_json_set_str(p, "tenantId", tenant ? tenant : MOCK_DEFAULT_TENANT);
    mock_store_put(&m->store, id, &mock_type_identity, b, mock_now(m));
}

/* Without custom subnets, AKS makes aks-vnet-<hash> (10.224.0.0/12) with aks-subnet in the node group. */
static bool managed_subnet_id(const struct aks_layout *L, char *out, size_t len)
{
    return fmt_ok(out, len, "%s/providers/Microsoft.Network/virtualNetworks/aks-vnet-%s/subnets/aks-subnet",
                  L->group_id, L->hash);
}

static void ensure_managed_vnet(struct armmock *m, const struct aks_layout *L)
{
    char sid[ID_LEN], vid[ID_LEN], name[32];
    if (!managed_subnet_id(L, sid, sizeof(sid)))
        return;
    snprintf(vid, sizeof(vid), "%.*s", (int)(strstr(sid, "/subnets/") - sid), sid);
    snprintf(name, sizeof(name), "aks-vnet-%s", L->hash);
    if (mock_store_get(&m->store, vid))
        return;
    cJSON *b = tracked_body(vid, name, "Microsoft.Network/virtualNetworks", L->location);
    cJSON *p = props_of(b);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(cJSON_AddObjectToObject(p, "addressSpace"), "addressPrefixes"),
                         cJSON_CreateString(MANAGED_VNET_SPACE));
    cJSON *s = cJSON_CreateObject();
    cJSON_AddItemToArray(cJSON_AddArrayToObject(p, "subnets"), s);
    cJSON_AddStringToObject(s, "id", sid);
    cJSON_AddStringToObject(s, "name", "aks-subnet");
    cJSON *sp = cJSON_AddObjectToObject(s, "properties");
    cJSON_AddStringToObject(sp, "provisioningState", "Succeeded");
    cJSON_AddStringToObject(sp, "addressPrefix", MANAGED_SUBNET);
    mock_network_new_etag(mock_store_put(&m->store, vid, &mock_type_vnet, b, mock_now(m)));
}

/* The subnet id of pool i: its vnetSubnetID or the managed subnet. */
static const char *pool_subnet(const cJSON *pool, const char *managed)
{
    const char *sid = mock_json_str(pool, "vnetSubnetID");
    return sid ? sid : managed;
}

/* Instance ids of scale-set nodes: six base-36 digits. */
static void base36(long v, char out[7])
{
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    for (int i = 5; i >= 0; i--) {
        out[i] = digits[v % 36];
        v /= 36;
    }
    out[6] = '\0';
}

/*
 * The routes of all nodes, pool by pool: pod /24s from podCidr in order,
 * addresses from each subnet's .4 up.  NULL with *why set when a node has
 * no address or no pod range.
 */
static struct aks_route *plan_routes(struct armmock *m, const struct aks_layout *L, const char *managed,
                                     size_t *count, const char **why)
{
    size_t cap = KUBENET_MAX_NODES + 1, n = 0;
    struct aks_route *out = calloc(cap, sizeof(*out));
    const char *seen[AKS_MAX_POOLS];
    long next[AKS_MAX_POOLS];
    size_t nseen = 0;
    const cJSON *pool, *pools = out ? L->pools : NULL;
    *why = out ? NULL : "out of memory";
    cJSON_ArrayForEach(pool, pools) {
        const char *sid = pool_subnet(pool, managed), *name = mock_json_str(pool, "name");
        struct mock_resource *vnet = NULL;
        struct aksnet__cidr prefix;
        const cJSON *subnet = find_subnet(m, sid, &vnet);
        size_t k = 0;
        while (k < nseen && strcasecmp(seen[k], sid) != 0)
            k++;
        if (k == nseen && nseen < AKS_MAX_POOLS) {
            seen[nseen] = sid;
            next[nseen++] = FIRST_NODE_OFFSET;
        }
        const cJSON *cnt = cJSON_GetObjectItemCaseSensitive(pool, "count");
        long nodes = cJSON_IsNumber(cnt) && cnt->valuedouble >= 0 && cnt->valuedouble <= 1000
                         ? (long)cnt->valuedouble : 0;
        if (!subnet || subnet_prefix(subnet, &prefix) != 1 || k >= nseen || !name) {
            *why = "InvalidResourceReference";
            break;
        }
        for (long j = 0; j < nodes && !*why; j++, n++) {
            char inst[7];
            base36(j, inst);
            if (n >= cap || !aksnet__cidr_nth(&L->pod, (uint64_t)n << (32 - POD_RANGE_BITS), &out[n].pod) ||
                !aksnet__cidr_nth(&prefix, (uint64_t)next[k], &out[n].ip) ||
                (uint64_t)next[k] >= aksnet__cidr_size(&prefix) - 1) {
                *why = "SubnetIsFull";
                break;
            }
            next[k]++;
            snprintf(out[n].name, sizeof(out[n].name), "aks-%s-%s-vmss%s", name, L->hash, inst);
        }
        if (*why)
            break;
    }
    if (*why) {
        free(out);
        return NULL;
    }
    *count = n;
    return out;
}

/* Routes of the table that AKS did not write for this cluster. */
static size_t foreign_routes(const struct mock_resource *rt, const char *hash)
{
    size_t n = 0;
    const cJSON *route, *routes = rt ? cJSON_GetObjectItemCaseSensitive(props_of(rt->body), "routes") : NULL;
    cJSON_ArrayForEach(route, routes) {
        n += !is_aks_route(mock_json_str(route, "name"), hash);
    }
    return n;
}

/* Associate a route table with a subnet inside its VNet's body (the table shows the link on GET). */
static void associate(struct armmock *m, const char *subnet_id, const struct mock_resource *rt)
{
    struct mock_resource *vnet = NULL;
    cJSON *subnet = find_subnet(m, subnet_id, &vnet);
    if (!subnet)
        return;
    cJSON *link = cJSON_CreateObject();
    cJSON_AddStringToObject(link, "id", rt->id);
    mock_json_set(mock_json_obj(subnet, "properties"), "routeTable", link);
    mock_network_new_etag(vnet);
}

/*
 * The cluster's route table: the one of its subnet, or (as AKS does when the
 * subnet has none) aks-agentpool-<hash>-routetable in the node group,
 * associated with every subnet of the cluster.
 */
static struct mock_resource *ensure_route_table(struct armmock *m, const struct aks_layout *L, const char *managed)
{
    const cJSON *pool;
    struct mock_resource *vnet = NULL;
    cJSON_ArrayForEach(pool, L->pools) {
        const cJSON *subnet = find_subnet(m, pool_subnet(pool, managed), &vnet);
        const char *rt = subnet ? subnet_route_table(subnet) : NULL;
        struct mock_resource *r = rt ? mock_store_get(&m->store, rt) : NULL;
        if (r && r->type == &mock_type_route_table)
            return r;
    }
    char id[ID_LEN], name[64];
    snprintf(name, sizeof(name), "aks-agentpool-%s-routetable", L->hash);
    if (!fmt_ok(id, sizeof(id), "%s/providers/Microsoft.Network/routeTables/%s", L->group_id, name))
        return NULL;
    cJSON *b = tracked_body(id, name, "Microsoft.Network/routeTables", L->location);
    cJSON_AddFalseToObject(props_of(b), "disableBgpRoutePropagation");
    cJSON_AddArrayToObject(props_of(b), "routes");
    struct mock_resource *rt = mock_store_put(&m->store, id, &mock_type_route_table, b, mock_now(m));
    mock_network_new_etag(rt);
    const cJSON *pools = rt ? L->pools : NULL;
    cJSON_ArrayForEach(pool, pools) {
        associate(m, pool_subnet(pool, managed), rt);
    }
    return rt;
}

/* One route in the agreed layout of a route table's body. */
static cJSON *route_json(const char *table_id, const struct aks_route *route)
{
    char id[ID_LEN], prefix[AKSNET_CIDR_STRLEN], ip[AKSNET_IP_STRLEN];
    struct aksnet__cidr pod = {.addr = route->pod, .len = POD_RANGE_BITS};
    snprintf(id, sizeof(id), "%s/routes/%s", table_id, route->name);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "name", route->name);
    cJSON_AddStringToObject(o, "type", "Microsoft.Network/routeTables/routes");
    cJSON *p = cJSON_AddObjectToObject(o, "properties");
    cJSON_AddStringToObject(p, "provisioningState", "Succeeded");
    cJSON_AddStringToObject(p, "addressPrefix", aksnet__cidr_format(&pod, prefix));
    cJSON_AddStringToObject(p, "nextHopType", "VirtualAppliance");
    cJSON_AddStringToObject(p, "nextHopIpAddress", aksnet__ip_format(route->ip, ip));
    return o;
}

/* Drop the routes AKS wrote for the cluster with this hash from one table; true if there were any. */
static bool drop_own_routes(struct mock_resource *rt, const char *hash)
{
    cJSON *routes = cJSON_GetObjectItemCaseSensitive(props_of(rt->body), "routes");
    bool dropped = false;
    for (int i = cJSON_GetArraySize(routes) - 1; i >= 0; i--)
        if (is_aks_route(mock_json_str(cJSON_GetArrayItem(routes, i), "name"), hash)) {
            cJSON_DeleteItemFromArray(routes, i);
            dropped = true;
        }
    return dropped;
}

/* Replace this cluster's routes in the table, keeping every other route. */
static void write_routes(struct mock_resource *rt, const char *hash, const struct aks_route *routes, size_t n)
{
    drop_own_routes(rt, hash);
    cJSON *list = cJSON_GetObjectItemCaseSensitive(props_of(rt->body), "routes");
    if (!cJSON_IsArray(list)) {
        list = cJSON_CreateArray();
        mock_json_set(mock_json_obj(rt->body, "properties"), "routes", list);
    }
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(list, route_json(rt->id, &routes[i]));
    mock_network_new_etag(rt);
}

/* Kubenet's routes, one per node, or the operation's failure when the table cannot take them. */
static void route_nodes(struct armmock *m, const struct aks_layout *L, const char *managed, struct mock_op *op)
{
    const char *why = NULL;
    size_t n = 0;
    char msg[512];
    struct aks_route *routes = plan_routes(m, L, managed, &n, &why);
    struct mock_resource *rt = routes ? ensure_route_table(m, L, managed) : NULL;
    size_t keep = foreign_routes(rt, L->hash);
    if (!routes) {
        snprintf(msg, sizeof(msg), "The nodes of the cluster could not be given addresses and pod ranges (%s).", why);
        fail_op(op, why, msg);
    } else if (!rt) {
        fail_op(op, "ReconcileRouteTableError", "The cluster's route table could not be made.");
    } else if (keep + n > ROUTE_TABLE_LIMIT) {
        snprintf(msg, sizeof(msg), "Reconcile route table failed: route table %s would hold %zu routes (%zu of "
                 "the cluster's nodes, %zu others); a route table holds at most %d routes.", rt->id, keep + n, n,
                 keep, ROUTE_TABLE_LIMIT);
        fail_op(op, "ReconcileRouteTableError", msg);
    } else {
        write_routes(rt, L->hash, routes, n);
    }
    free(routes);
}

/* The pools report the cluster's state once its operation is over. */
static void set_pool_states(cJSON *pools, const char *state)
{
    cJSON *pool;
    cJSON_ArrayForEach(pool, pools) {
        mock_json_set_str(pool, "provisioningState", state);
    }
}

/*
 * The create or update has run: the node group and kubelet identity exist,
 * a managed VNet when no custom subnet was given, and (kubenet) one route
 * per node in the cluster's route table.
 */
static void on_put_done(struct armmock *m, struct mock_resource *r, struct mock_op *op)
{
    struct aks_layout L;
    char managed[ID_LEN];
    const cJSON *first = NULL;
    if (!read_layout(r, &L) || !managed_subnet_id(&L, managed, sizeof(managed))) {
        fail_op(op, "InternalOperationError", "The stored cluster could not be read back.");
        return;
    }
    ensure_node_group(m, r, &L);
    ensure_kubelet_identity(m, r, &L);
    first = L.pools ? L.pools->child : NULL;
    if (first && !mock_json_str(first, "vnetSubnetID"))
        ensure_managed_vnet(m, &L);
    if (L.kubenet)
        route_nodes(m, &L, managed, op);
    set_pool_states(L.pools, op->fail_code ? "Failed" : "Succeeded");
}

/* Take the routes of the cluster with this hash out of every route table. */
static void drop_routes_everywhere(struct armmock *m, const char *hash)
{
    for (size_t i = 0; i < m->store.count; i++)
        if (m->store.items[i]->type == &mock_type_route_table && drop_own_routes(m->store.items[i], hash))
            mock_network_new_etag(m->store.items[i]);
}

/* Subnets outside the node group lose their link to a route table inside it (the table goes with the group). */
static void dissociate_group_tables(struct armmock *m, const char *group_id)
{
    for (size_t i = 0; i < m->store.count; i++) {
        struct mock_resource *v = m->store.items[i];
        cJSON *s;
        bool changed = false;
        if (v->type != &mock_type_vnet || scope_covers(group_id, v->id))
            continue;
        cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(props_of(v->body), "subnets")) {
            const char *rt = subnet_route_table(s);
            if (rt && scope_covers(group_id, rt)) {
                cJSON_DeleteItemFromObjectCaseSensitive(props_of(s), "routeTable");
                changed = true;
            }
        }
        if (changed)
            mock_network_new_etag(v);
    }
}

/* The cluster goes: its routes, its link to a table AKS made, and the node resource group. */
static void on_delete_done(struct armmock *m, struct mock_resource *r)
{
    struct aks_layout L;
    char hash[9];
    node_hash(r->id, hash);
    drop_routes_everywhere(m, hash);
    if (!read_layout(r, &L))
        return;
    dissociate_group_tables(m, L.group_id);
    mock_store_delete_tree(&m->store, L.group_id);
}

/* GET's view: the pools follow the cluster's provisioningState. */
static cJSON *present(struct armmock *m, const struct mock_resource *r)
{
    (void)m;
    cJSON *b = cJSON_Duplicate(r->body, 1);
    cJSON *p = props_of(b);
    const char *state = mock_json_str(p, "provisioningState");
    if (state && strcmp(state, "Succeeded") != 0)
        set_pool_states(cJSON_GetObjectItemCaseSensitive(p, "agentPoolProfiles"), state);
    return b;
}

/* ---- PATCH (tags), actions and agent pools --------------------------------------------------- */

/* PATCH updates tags only, as a long-running operation (ManagedClusters_UpdateTags). */
static void patch_tags(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                       struct mock_response *rs)
{
    struct mock_resource *r = mock_store_get(&m->store, t->id);
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(rq->json, "tags");
    if (!r) {
        mock_reply_not_found(rs, t);
        return;
    }
    if (!cJSON_IsObject(rq->json) || (tags && !cJSON_IsObject(tags))) {
        mock_reply_error(rs, 400, "InvalidRequestContent", "The request content was invalid: expected {\"tags\":{}}.");
        return;
    }
    if (mock_op_running(m, r->id)) {
        mock_reply_error(rs, 409, "AnotherOperationInProgress",
                         "Another operation on this or dependent resource is in progress.");
        return;
    }
    if (tags)
        mock_json_set(r->body, "tags", cJSON_Duplicate(tags, 1));
    mock_json_set_str(mock_json_obj(r->body, "properties"), "provisioningState", "Updating");
    rs->changed = true;
    if (mock_op_start(m, rq, r->id, MOCK_OP_PUT, mock_type_cluster.provider, mock_json_str(r->body, "location"),
                      200, rs))
        mock_reply(rs, 200, mock_present(m, r));
}

/* A kubeconfig for the cluster's FQDN, base64 as listCluster*Credential returns it. */
static cJSON *kubeconfig(const struct mock_resource *r, const struct mock_target *t, const char *user)
{
    const char *fqdn = mock_json_str(props_of(r->body), "fqdn");
    char token[37], yaml[2048];
    mock_uuid(token);
    snprintf(yaml, sizeof(yaml),
             "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: YWtzbmV0LW1vY2s=\n"
             "    server: https://%s:443\n  name: %s\ncontexts:\n- context:\n    cluster: %s\n"
             "    user: %s_%s_%s\n  name: %s\ncurrent-context: %s\nkind: Config\npreferences: {}\nusers:\n"
             "- name: %s_%s_%s\n  user:\n    token: %s\n",
             fqdn ? fqdn : "", t->name, t->name, user, t->resource_group, t->name, t->name, t->name, user,
             t->resource_group, t->name, token);
    size_t len = strlen(yaml);
    unsigned char *b64 = malloc(4 * ((len + 2) / 3) + 1);
    cJSON *k = cJSON_CreateObject();
    if (b64) {
        EVP_EncodeBlock(b64, (const unsigned char *)yaml, (int)len);
        cJSON_AddStringToObject(k, "name", user);
        cJSON_AddStringToObject(k, "value", (const char *)b64);
    }
    free(b64);
    return k;
}

/* An agent pool as the agentPools child resource shows it. */
static cJSON *agent_pool_json(const struct mock_resource *r, const cJSON *pool, const char *state)
{
    char id[ID_LEN];
    const char *name = mock_json_str(pool, "name");
    snprintf(id, sizeof(id), "%s/agentPools/%s", r->id, name ? name : "");
    cJSON *o = cJSON_CreateObject(), *p = cJSON_Duplicate(pool, 1);
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "name", name ? name : "");
    cJSON_AddStringToObject(o, "type", "Microsoft.ContainerService/managedClusters/agentPools");
    cJSON_DeleteItemFromObjectCaseSensitive(p, "name");
    if (state && strcmp(state, "Succeeded") != 0)
        mock_json_set_str(p, "provisioningState", state);
    cJSON_AddItemToObject(o, "properties", p);
    return o;
}

/* GET .../agentPools[/{name}]: the cluster's pools, read-only here. */
static void agent_pools(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                        const struct mock_resource *r, struct mock_response *rs)
{
    (void)m;
    const cJSON *pools = cJSON_GetObjectItemCaseSensitive(props_of(r->body), "agentPoolProfiles"), *pool;
    const char *state = mock_json_str(props_of(r->body), "provisioningState");
    if (strcmp(rq->method, "GET") != 0) {
        mock_reply_error(rs, 405, "MethodNotAllowed", "aksnet-mock serves agent pools read-only.");
        return;
    }
    cJSON *list = t->child_name ? NULL : cJSON_CreateObject();
    cJSON *value = list ? cJSON_AddArrayToObject(list, "value") : NULL;
    cJSON_ArrayForEach(pool, pools) {
        const char *name = mock_json_str(pool, "name");
        if (value) {
            cJSON_AddItemToArray(value, agent_pool_json(r, pool, state));
        } else if (name && strcmp(name, t->child_name) == 0) {
            mock_reply(rs, 200, agent_pool_json(r, pool, state));
            return;
        }
    }
    if (list)
        mock_reply(rs, 200, list);
    else
        mock_reply_error(rs, 404, "NotFound", "Agent pool '%s' of managed cluster '%s' was not found.",
                         t->child_name, t->name);
}

/* .../managedClusters/{name}/{child}: agent pools and the credential actions. */
static void child(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                  struct mock_response *rs)
{
    const struct mock_resource *r = mock_store_get(&m->store, t->id);
    static const char *const users[][2] = {{"listClusterUserCredential", "clusterUser"},
                                           {"listClusterAdminCredential", "clusterAdmin"},
                                           {"listClusterMonitoringUserCredential", "clusterMonitoringUser"}};
    if (!r) {
        mock_reply_not_found(rs, t);
        return;
    }
    if (strcasecmp(t->child_type, "agentPools") == 0) {
        agent_pools(m, rq, t, r, rs);
        return;
    }
    for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
        if (strcasecmp(t->child_type, users[i][0]) != 0 || t->child_name)
            continue;
        if (strcmp(rq->method, "POST") != 0) {
            mock_reply_error(rs, 405, "MethodNotAllowed", "Use POST for %s.", users[i][0]);
            return;
        }
        cJSON *body = cJSON_CreateObject();
        cJSON_AddItemToArray(cJSON_AddArrayToObject(body, "kubeconfigs"), kubeconfig(r, t, users[i][1]));
        mock_reply(rs, 200, body);
        return;
    }
    mock_reply_error(rs, 404, "NotFound", "No route for '%s'.", rq->path);
}

static const struct mock_tracked_ops ops = {.lro = true, .prepare = prepare};

static void handle(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                   struct mock_response *rs)
{
    if (t->name && t->child_type)
        child(m, rq, t, rs);
    else if (t->name && strcmp(rq->method, "PATCH") == 0)
        patch_tags(m, rq, t, rs);
    else
        mock_tracked_handle(m, rq, t, rs, &ops);
}

const struct mock_type mock_type_cluster = {
    .provider = "Microsoft.ContainerService", .type = "managedClusters",
    .arm_type = "Microsoft.ContainerService/managedClusters", .api_versions = aks_versions, .handle = handle,
    .on_put_done = on_put_done, .on_delete_done = on_delete_done, .present = present,
};
