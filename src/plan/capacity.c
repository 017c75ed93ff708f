/*
 * capacity.c - the seed's address arithmetic, shared by `aksnet capacity`
 * and the validator's subnet-capacity and subnet-headroom rules, so the
 * tool never gives two answers to one question.
 */
#include "aksnet/capacity.h"

#include "cidr.h"

#include <string.h>

#define KUBENET_MAX_NODES 400u   /* one UDR route per node, 400 routes a table */
#define KUBENET_PODS_MIN 10u
#define KUBENET_PODS_MAX 250u   /* AKS today; the seed page said 110 (see validate.h) */
#define KUBENET_PODS_DEFAULT 110u
#define AZURE_PODS_MIN 10u
#define AZURE_PODS_MAX 250u

bool aksnet_network_plugin_parse(const char *text, aksnet_network_plugin *out)
{
    if (text && strcmp(text, "kubenet") == 0) {
        *out = AKSNET_PLUGIN_KUBENET;
        return true;
    }
    if (text && strcmp(text, "azure") == 0) {
        *out = AKSNET_PLUGIN_AZURE;
        return true;
    }
    return false;
}

uint32_t aksnet_capacity_default_max_pods(aksnet_network_plugin plugin)
{
    return plugin == AKSNET_PLUGIN_KUBENET ? KUBENET_PODS_DEFAULT : 30u;
}

/* Longest prefix that still holds `nodes` /24 blocks; 0 when none does (nodes > 2^24). */
static uint8_t pod_cidr_len_for(uint64_t nodes)
{
    uint8_t len = 24;
    while (len > 0 && ((uint64_t)1 << (24 - len)) < nodes)
        len--;
    return ((uint64_t)1 << (24 - len)) >= nodes ? len : 0;
}

void aksnet_capacity_max_pods_range(aksnet_network_plugin plugin, uint32_t *lo, uint32_t *hi)
{
    bool kubenet = plugin == AKSNET_PLUGIN_KUBENET;
    *lo = kubenet ? KUBENET_PODS_MIN : AZURE_PODS_MIN;
    *hi = kubenet ? KUBENET_PODS_MAX : AZURE_PODS_MAX;
}

aksnet_code aksnet_capacity_compute(const struct aksnet_capacity_input *in,
                                    struct aksnet_capacity *out, struct aksnet_error *err)
{
    bool kubenet = in->plugin == AKSNET_PLUGIN_KUBENET;
    uint32_t lo, hi;
    aksnet_capacity_max_pods_range(in->plugin, &lo, &hi);
    if (in->max_pods < lo || in->max_pods > hi)
        return aksnet_error_set(err, AKSNET_EINVAL, "max pods %u is outside %u..%u for %s",
                                in->max_pods, lo, hi, kubenet ? "kubenet" : "azure");
    struct aksnet__cidr subnet;
    aksnet__cidr_status st = aksnet__cidr_parse(in->subnet_prefix ? in->subnet_prefix : "", &subnet);
    if (st != AKSNET_CIDR_OK)
        return aksnet_error_set(err, AKSNET_EINVAL, "subnet prefix '%.64s': %s",
                                in->subnet_prefix ? in->subnet_prefix : "", aksnet__cidr_parse_strerror(st));
    memset(out, 0, sizeof(*out));
    out->prefix_len = subnet.len;
    out->addresses = aksnet__cidr_size(&subnet);
    out->usable = out->addresses > AKSNET_SUBNET_RESERVED ? out->addresses - AKSNET_SUBNET_RESERVED : 0;
    out->addresses_per_node = kubenet ? 1 : 1 + (uint64_t)in->max_pods;
    out->max_nodes = out->usable / out->addresses_per_node;
    if (kubenet && out->max_nodes > KUBENET_MAX_NODES) {
        out->max_nodes = KUBENET_MAX_NODES;
        out->limited_by_routes = true;
    }
    out->max_pods = out->max_nodes * in->max_pods;
    /* Surge nodes need subnet addresses (and, with kubenet, routes) while an upgrade runs. */
    out->max_nodes_with_surge = out->max_nodes > in->surge_nodes ? out->max_nodes - in->surge_nodes : 0;
    out->max_pods_with_surge = out->max_nodes_with_surge * in->max_pods;
    out->pod_cidr_len = kubenet && out->max_nodes ? pod_cidr_len_for(out->max_nodes) : 0;
    return AKSNET_OK;
}

/* A whole number of at most 9 digits, plain decimal; false otherwise. */
static bool parse_small_uint(const char *s, size_t n, uint64_t *out)
{
    if (n == 0 || n > 9 || (n > 1 && s[0] == '0'))
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return true;
}

bool aksnet_capacity_surge_nodes(const char *text, uint64_t pool_nodes, uint64_t *out)
{
    if (!text)
        return false;
    size_t n = strlen(text);
    uint64_t v;
    if (n > 0 && text[n - 1] == '%') {
        if (!parse_small_uint(text, n - 1, &v) || v < 1 || v > 100)
            return false;
        *out = (pool_nodes * v + 99) / 100;
        if (*out == 0)
            *out = 1;
        return true;
    }
    if (!parse_small_uint(text, n, &v))
        return false;
    *out = v;
    return true;
}

aksnet_code aksnet_capacity_needed(const struct aksnet_capacity_demand *in, struct aksnet_capacity_need *out,
                                   struct aksnet_error *err)
{
    bool kubenet = in->plugin == AKSNET_PLUGIN_KUBENET;
    uint32_t lo, hi;
    aksnet_capacity_max_pods_range(in->plugin, &lo, &hi);
    if (in->max_pods < lo || in->max_pods > hi)
        return aksnet_error_set(err, AKSNET_EINVAL, "max pods %u is outside %u..%u for %s", in->max_pods, lo, hi,
                                kubenet ? "kubenet" : "azure");
    if (in->nodes == 0)
        return aksnet_error_set(err, AKSNET_EINVAL, "a cluster needs at least one node");
    if (kubenet && in->nodes > KUBENET_MAX_NODES)
        return aksnet_error_set(err, AKSNET_EINVAL, "%llu nodes: kubenet allows at most %u, one route each in "
                                "the route table", (unsigned long long)in->nodes, KUBENET_MAX_NODES);
    const uint64_t space = (uint64_t)1 << 32;
    uint64_t per_node = kubenet ? 1 : 1 + (uint64_t)in->max_pods;
    if (in->surge_nodes > space || in->nodes + in->surge_nodes > (space - AKSNET_SUBNET_RESERVED) / per_node)
        return aksnet_error_set(err, AKSNET_EINVAL, "%llu nodes and %llu surge need more addresses than IPv4 has",
                                (unsigned long long)in->nodes, (unsigned long long)in->surge_nodes);
    memset(out, 0, sizeof(*out));
    out->addresses = (in->nodes + in->surge_nodes) * per_node + AKSNET_SUBNET_RESERVED;
    /* "The smallest supported IPv4 subnet is /29" and Azure reserves 5 addresses of each subnet:
     * https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq */
    uint8_t len = 29;
    while (len > 0 && ((uint64_t)1 << (32 - len)) < out->addresses)
        len--;
    out->subnet_len = len;
    if (kubenet) {
        out->pod_blocks = in->nodes + in->surge_nodes;
        out->pod_cidr_len = pod_cidr_len_for(out->pod_blocks);
    }
    return AKSNET_OK;
}
