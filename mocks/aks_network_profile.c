/*
 * aks_network_profile.c - a managed cluster's networkProfile, checked as AKS
 * checks it (kubenet first): plugin, policy, outbound type and load
 * balancer sku, the pod and service ranges (apart, outside the ranges AKS
 * reserves), the DNS service IP, the load balancer profile's numbers;
 * written back canonically, with the load balancer's outbound profile.
 *
 * Depends on: aks_common.c, util.c, src/util (cidr).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "arm_aks.h"

#define LB_MAX_MANAGED_IPS 100     /* managedOutboundIPs.count */

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
        return aks_refuse(c->rs, "NetworkPolicyNotSupported", "networkProfile.networkPolicy",
                          "NetworkPolicy %s is not supported", policy);
    if (strcmp(c->plugin, "none") == 0 && strcmp(out, "none") != 0)
        return aks_refuse(c->rs, "NetworkPolicyNotSupportedForNone", "networkProfile.networkPolicy",
                          "NetworkPolicy %s is not supported for network plugin none", out);
    if (c->kubenet && strcmp(out, "azure") == 0)
        return aks_refuse(c->rs, "NetworkPolicyAzureNotSupportedForKubenet", "networkProfile.networkPolicy",
                          "NetworkPolicy azure is not supported for network plugin kubenet");
    if (c->kubenet && strcmp(out, "cilium") == 0)
        return aks_refuse(c->rs, "NetworkPolicyNotSupported", "networkProfile.networkPolicy",
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
        return aks_refuse(c->rs, "UnsupportedOutboundType", "networkProfile.outboundType",
                          "Outbound type %s is not supported.", outbound);
    if (strcasecmp(sku, "standard") != 0 && strcasecmp(sku, "basic") != 0)
        return aks_refuse(c->rs, "InvalidLoadBalancerSku", "networkProfile.loadBalancerSku",
                          "Load balancer SKU %s is invalid: use standard or basic.", sku);
    snprintf(sku_out, 16, "%s", strcasecmp(sku, "basic") == 0 ? "basic" : "standard");
    if (strcmp(sku_out, "basic") == 0 && strcmp(c->outbound, "loadBalancer") != 0)
        return aks_refuse(c->rs, "UnexpectedLoadBalancerSkuForCurrentOutboundConfiguration",
                          "networkProfile.loadBalancerSku",
                          "Load balancer SKU must be standard with outbound type %s.", c->outbound);
    return true;
}

/* networkPlugin, networkPolicy, outboundType, loadBalancerSku; written back canonically. */
static bool network_kind(struct aks_ctx *c, cJSON *np)
{
    const char *plugin, *policy, *outbound, *sku, *mode;
    char policy_out[16], sku_out[16];
    if (!aks_get_str(np, "networkPlugin", "properties.networkProfile.networkPlugin", "kubenet", &plugin, c->rs) ||
        !aks_get_str(np, "networkPolicy", "properties.networkProfile.networkPolicy", NULL, &policy, c->rs) ||
        !aks_get_str(np, "outboundType", "properties.networkProfile.outboundType", "loadBalancer", &outbound, c->rs) ||
        !aks_get_str(np, "loadBalancerSku", "properties.networkProfile.loadBalancerSku", "standard", &sku, c->rs) ||
        !aks_get_str(np, "networkPluginMode", "properties.networkProfile.networkPluginMode", NULL, &mode, c->rs))
        return false;
    if (strcasecmp(plugin, "kubenet") != 0 && strcasecmp(plugin, "azure") != 0 && strcasecmp(plugin, "none") != 0)
        return aks_refuse(c->rs, "UnknownNetworkPlugin", "networkProfile.networkPlugin",
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
    return aks_refuse(c->rs, "CidrStringParseError", target, "The CIDR %s in %s could not be parsed: %s.", text, target,
                      aksnet__cidr_parse_strerror(st));
}

/* A pod or service range may not touch the ranges AKS reserves. */
bool aks_check_reserved(struct aks_ctx *c, const struct aksnet__cidr *r, const char *what, const char *target)
{
    const char *hit = reserved_overlap(r);
    char text[AKSNET_CIDR_STRLEN];
    if (!hit)
        return true;
    return aks_refuse(c->rs, "InvalidParameter", target,
                      "The value of parameter %s is invalid. Error details: %s %s overlaps %s; AKS clusters may not "
                      "use 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16 or 192.0.2.0/24.", target, what,
                      aksnet__cidr_format(r, text), hit);
}

/* dnsServiceIP: inside the service range, neither its network, first nor broadcast address. */
static bool check_dns(struct aks_ctx *c, const char *dns)
{
    char svc[AKSNET_CIDR_STRLEN], api[AKSNET_IP_STRLEN];
    const char *target = "networkProfile.dnsServiceIP";
    aksnet__cidr_format(&c->service, svc);
    if (!aksnet__ip_parse(dns, &c->dns))
        return aks_refuse(c->rs, "DnsServiceIpParseError", target, "The DNS service IP %s could not be parsed.", dns);
    if (!aksnet__cidr_contains_ip(&c->service, c->dns))
        return aks_refuse(c->rs, "DnsServiceIpOutOfServiceCidr", target,
                          "The DNS service IP %s is out of the range defined by service CIDR %s.", dns, svc);
    if (c->dns == c->service.addr)
        return aks_refuse(c->rs, "InvalidParameter", target,
                          "The value of parameter networkProfile.dnsServiceIP is invalid. Error details: %s is the "
                          "network address of service CIDR %s.", dns, svc);
    if (c->dns == c->service.addr + 1)
        return aks_refuse(c->rs, "DnsServiceIpConflicting", target,
                          "The DNS service IP %s is conflicted with the API server service IP %s, the first address of "
                          "service CIDR %s.", dns, aksnet__ip_format(c->service.addr + 1, api), svc);
    if (c->dns == aksnet__cidr_last(&c->service))
        return aks_refuse(c->rs, "DnsBroadcastAddressConflicting", target,
                          "The DNS service IP %s is conflicted with the broadcast address of service CIDR %s.",
                          dns, svc);
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
    if (!aks_get_str(np, "podCidr", "properties.networkProfile.podCidr", NULL, &pod, c->rs) ||
        !aks_get_str(np, "serviceCidr", "properties.networkProfile.serviceCidr", NULL, &svc, c->rs) ||
        !aks_get_str(np, "dnsServiceIP", "properties.networkProfile.dnsServiceIP", NULL, &dns, c->rs))
        return false;
    pod = pod ? pod : first_string(np, "podCidrs");
    svc = svc ? svc : first_string(np, "serviceCidrs");
    bool has_pod = c->kubenet || c->overlay;
    if (has_pod && !parse_range(c, pod ? pod : "10.244.0.0/16", "networkProfile.podCidr", &c->pod))
        return false;
    if (!parse_range(c, svc ? svc : "10.0.0.0/16", "networkProfile.serviceCidr", &c->service))
        return false;
    if ((has_pod && !aks_check_reserved(c, &c->pod, "pod CIDR", "networkProfile.podCidr")) ||
        !aks_check_reserved(c, &c->service, "service CIDR", "networkProfile.serviceCidr"))
        return false;
    char a[AKSNET_CIDR_STRLEN], b[AKSNET_CIDR_STRLEN];
    if (has_pod && aksnet__cidr_overlaps(&c->pod, &c->service))
        return aks_refuse(c->rs, "PodCidrOverlapServiceCidr", "networkProfile.podCidr",
                          "The pod CIDR %s overlaps the service CIDR %s.", aksnet__cidr_format(&c->pod, a),
                          aksnet__cidr_format(&c->service, b));
    if (!dns)
        dns = aksnet__cidr_size(&c->service) > 16 ? aksnet__ip_format(c->service.addr + 10, dflt_dns) : "";
    if (!check_dns(c, dns))
        return false;
    write_ranges(c, np);
    return true;
}

/*
 * The load balancer profile's numbers a client may set, in the ranges
 * managedClusters.json 2024-09-01 gives them (managedOutboundIPs.count 1 to
 * 100, allocatedOutboundPorts 0 to 64000, idleTimeoutInMinutes 4 to 120);
 * the refusal's code, InvalidParameter, is a guess.
 */
static bool lb_number(struct aks_ctx *c, const cJSON *o, const char *key, const char *under, long lo, long hi)
{
    char path[192], target[160];
    long v;
    snprintf(target, sizeof(target), "networkProfile.loadBalancerProfile.%s%s", under, key);
    snprintf(path, sizeof(path), "properties.%s", target);
    if (!aks_get_int(o, key, path, lo, &v, c->rs))
        return false;
    if (v < lo || v > hi)
        return aks_refuse(c->rs, "InvalidParameter", target,
                          "The value of parameter %s is invalid: %ld is outside %ld to %ld.", target, v, lo, hi);
    return true;
}

static bool check_lb_profile(struct aks_ctx *c, const cJSON *np)
{
    const cJSON *lb = cJSON_GetObjectItemCaseSensitive(np, "loadBalancerProfile");
    if (!lb || cJSON_IsNull(lb))
        return true;
    if (!cJSON_IsObject(lb))
        return aks_bad_type(c->rs, "properties.networkProfile.loadBalancerProfile", "an object");
    const cJSON *managed = cJSON_GetObjectItemCaseSensitive(lb, "managedOutboundIPs");
    if (managed && !cJSON_IsNull(managed) && !cJSON_IsObject(managed))
        return aks_bad_type(c->rs, "properties.networkProfile.loadBalancerProfile.managedOutboundIPs", "an object");
    return lb_number(c, managed, "count", "managedOutboundIPs.", 1, LB_MAX_MANAGED_IPS) &&
           lb_number(c, lb, "allocatedOutboundPorts", "", 0, 64000) &&
           lb_number(c, lb, "idleTimeoutInMinutes", "", 4, 120);
}

/* One {"id": id} at the end of a list of references. */
static void add_ref(cJSON *list, const char *id)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddItemToArray(list, o);
}

/* The ids of a list of {"id": ...} references, copied to out; false when the list has none. */
static bool copy_refs(const cJSON *list, cJSON *out)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, list) {
        const char *id = mock_json_str(e, "id");
        if (id)
            add_ref(out, id);
    }
    return cJSON_GetArraySize(out) > 0;
}
/*
 * The cluster's managed outbound public IPs, count of them in the node
 * resource group (as ManagedClustersCreate_Update.json shows them, under
 * MC_...): the ones the cluster had are kept, new ones are named with a
 * GUID (the names are a guess).
 */
static void managed_ips(const struct aks_ctx *c, const cJSON *was, int count, cJSON *out)
{
    char group[ID_LEN], id[ID_LEN], name[37];
    if (!aks_node_group_id(c->t->id, c->node_group, group, sizeof(group)))
        return;
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(was, "effectiveOutboundIPs")) {
        const char *old = mock_json_str(e, "id");
        if (old && cJSON_GetArraySize(out) < count && aks_scope_covers(group, old))
            add_ref(out, old);
    }
    while (cJSON_GetArraySize(out) < count) {
        mock_uuid(name);
        if (!aks_fmt_ok(id, sizeof(id), "%s/providers/Microsoft.Network/publicIPAddresses/%s", group, name))
            return;
        add_ref(out, id);
    }
}

/*
 * The load balancer's outbound profile as AKS reports it, completed with
 * the defaults of managedClusters.json 2024-09-01 (managedOutboundIPs.count
 * 1, allocatedOutboundPorts 0, idleTimeoutInMinutes 30) and
 * effectiveOutboundIPs: the client's own public IPs or prefixes when it
 * names some, else the managed IPs (ManagedClustersCreate_Update.json's
 * answers show all of these).  An update that omits the profile keeps the
 * cluster's.
 */
void aks_write_lb_profile(const struct aks_ctx *c, cJSON *np)
{
    const cJSON *old_np =
        c->old ? cJSON_GetObjectItemCaseSensitive(aks_props_of(c->old->body), "networkProfile") : NULL;
    const cJSON *was = cJSON_GetObjectItemCaseSensitive(old_np, "loadBalancerProfile");
    if (strcmp(c->outbound, "loadBalancer") != 0)
        return;
    const cJSON *given = cJSON_GetObjectItemCaseSensitive(np, "loadBalancerProfile");
    if (!cJSON_IsObject(given))
        mock_json_set(np, "loadBalancerProfile", was ? cJSON_Duplicate(was, 1) : cJSON_CreateObject());
    cJSON *lb = cJSON_GetObjectItemCaseSensitive(np, "loadBalancerProfile");
    cJSON *effective = cJSON_CreateArray();
    const cJSON *ips = cJSON_GetObjectItemCaseSensitive(lb, "outboundIPs");
    const cJSON *prefixes = cJSON_GetObjectItemCaseSensitive(lb, "outboundIPPrefixes");
    if (!copy_refs(cJSON_GetObjectItemCaseSensitive(ips, "publicIPs"), effective) &&
        !copy_refs(cJSON_GetObjectItemCaseSensitive(prefixes, "publicIPPrefixes"), effective)) {
        cJSON *managed = mock_json_obj(lb, "managedOutboundIPs");
        aks_default_num(managed, "count", 1);
        managed_ips(c, was, cJSON_GetObjectItemCaseSensitive(managed, "count")->valueint, effective);
    }
    mock_json_set(lb, "effectiveOutboundIPs", effective);
    aks_default_num(lb, "allocatedOutboundPorts", 0);
    aks_default_num(lb, "idleTimeoutInMinutes", 30);
    aks_default_str(lb, "backendPoolType", "nodeIPConfiguration");
}

/* networkProfile: read, checked, completed; kept from the old cluster when an update omits it. */
bool aks_read_network(struct aks_ctx *c)
{
    cJSON *np = cJSON_GetObjectItemCaseSensitive(c->props, "networkProfile");
    const cJSON *was = c->old ? cJSON_GetObjectItemCaseSensitive(aks_props_of(c->old->body), "networkProfile") : NULL;
    if (np && !cJSON_IsObject(np))
        return aks_bad_type(c->rs, "properties.networkProfile", "an object");
    if (!np && was)
        cJSON_AddItemToObject(c->props, "networkProfile", cJSON_Duplicate(was, 1));
    np = mock_json_obj(c->props, "networkProfile");
    return network_kind(c, np) && network_ranges(c, np) && check_lb_profile(c, np);
}
