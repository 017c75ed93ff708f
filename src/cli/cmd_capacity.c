/*
 * cmd_capacity.c - `aksnet capacity`: the seed's address arithmetic for any
 * subnet, so a user can size a subnet before writing a plan.
 */
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "aksnet/capacity.h"
#include "commands.h"
#include "output.h"

static void print_text(const struct aksnet_capacity_input *in, const struct aksnet_capacity *c,
                       const char *prefix, const char *plugin, FILE *out)
{
    char a[THOUSANDS_STRLEN], b[THOUSANDS_STRLEN];
    fprintf(out, "subnet %s, %s, %u pods per node\n", prefix, plugin, in->max_pods);
    fprintf(out, "  addresses      %s (Azure keeps %d)\n", output_thousands(c->addresses, a),
            AKSNET_SUBNET_RESERVED);
    fprintf(out, "  usable         %s (%s per node)\n", output_thousands(c->usable, a),
            output_thousands(c->addresses_per_node, b));
    fprintf(out, "  most nodes     %s%s\n", output_thousands(c->max_nodes, a),
            c->limited_by_routes ? " (kubenet's limit: one route per node, 400 routes a table)" : "");
    fprintf(out, "  most pods      %s\n", output_thousands(c->max_pods, a));
    fprintf(out, "keeping room for an upgrade surge of %u node%s:\n", in->surge_nodes,
            in->surge_nodes == 1 ? "" : "s");
    fprintf(out, "  most nodes     %s\n", output_thousands(c->max_nodes_with_surge, a));
    fprintf(out, "  most pods      %s\n", output_thousands(c->max_pods_with_surge, a));
    if (c->pod_cidr_len)
        fprintf(out, "pod range: at least a /%u to give %s nodes a /24 each\n", (unsigned)c->pod_cidr_len,
                output_thousands(c->max_nodes, a));
}

static int print_json(const struct aksnet_capacity_input *in, const struct aksnet_capacity *c,
                      const char *prefix, const char *plugin, FILE *out, FILE *err)
{
    cJSON *o = cJSON_CreateObject();
    struct { const char *key; double value; } nums[] = {
        {"podsPerNode", in->max_pods}, {"addresses", (double)c->addresses},
        {"reserved", AKSNET_SUBNET_RESERVED}, {"usable", (double)c->usable},
        {"addressesPerNode", (double)c->addresses_per_node}, {"maxNodes", (double)c->max_nodes},
        {"maxPods", (double)c->max_pods}, {"surgeNodes", in->surge_nodes},
        {"maxNodesWithSurge", (double)c->max_nodes_with_surge},
        {"maxPodsWithSurge", (double)c->max_pods_with_surge},
    };
    bool ok = o && cJSON_AddStringToObject(o, "subnetPrefix", prefix) &&
              cJSON_AddStringToObject(o, "networkPlugin", plugin);
    for (size_t i = 0; ok && i < sizeof(nums) / sizeof(nums[0]); i++)
        ok = cJSON_AddNumberToObject(o, nums[i].key, nums[i].value) != NULL;
    ok = ok && cJSON_AddBoolToObject(o, "limitedByRoutes", c->limited_by_routes) &&
         (c->pod_cidr_len ? cJSON_AddNumberToObject(o, "podCidrPrefixLength", c->pod_cidr_len)
                          : cJSON_AddNullToObject(o, "podCidrPrefixLength"));
    return output_json_line(o, ok, out, err) ? EXIT_DONE : EXIT_USAGE;
}

/* --nodes N: the inverse question, the smallest subnet (and pod range) that holds N nodes plus surge. */
static int capacity_for_nodes(const struct cli_args *args, const struct aksnet_capacity_input *in,
                              const char *plugin, FILE *out, FILE *err)
{
    struct aksnet_capacity_demand d = {.plugin = in->plugin, .max_pods = in->max_pods,
                                       .nodes = (uint64_t)args->nodes, .surge_nodes = in->surge_nodes};
    struct aksnet_capacity_need n;
    struct aksnet_error e;
    if (aksnet_capacity_needed(&d, &n, &e) != AKSNET_OK) {
        fprintf(err, "aksnet capacity: --nodes: %s\n", e.message);
        return EXIT_USAGE;
    }
    uint64_t size = (uint64_t)1 << (32 - n.subnet_len), usable = size - AKSNET_SUBNET_RESERVED;
    if (args->output == OUTPUT_JSON) {
        cJSON *o = cJSON_CreateObject();
        bool ok = o && cJSON_AddNumberToObject(o, "nodes", (double)d.nodes) &&
                  cJSON_AddNumberToObject(o, "surgeNodes", (double)d.surge_nodes) &&
                  cJSON_AddStringToObject(o, "networkPlugin", plugin) &&
                  cJSON_AddNumberToObject(o, "podsPerNode", in->max_pods) &&
                  cJSON_AddNumberToObject(o, "addressesNeeded", (double)n.addresses) &&
                  cJSON_AddNumberToObject(o, "subnetPrefixLength", n.subnet_len) &&
                  cJSON_AddNumberToObject(o, "addresses", (double)size) &&
                  cJSON_AddNumberToObject(o, "usable", (double)usable) &&
                  (n.pod_cidr_len ? cJSON_AddNumberToObject(o, "podCidrPrefixLength", n.pod_cidr_len)
                                  : cJSON_AddNullToObject(o, "podCidrPrefixLength"));
        return output_json_line(o, ok, out, err) ? EXIT_DONE : EXIT_USAGE;
    }
    char a[THOUSANDS_STRLEN], b[THOUSANDS_STRLEN], c[THOUSANDS_STRLEN];
    fprintf(out, "%s nodes, %s, %u pods per node, an upgrade surge of %s node%s\n", output_thousands(d.nodes, a),
            plugin, in->max_pods, output_thousands(d.surge_nodes, b), d.surge_nodes == 1 ? "" : "s");
    fprintf(out, "  addresses      %s (with Azure's %d)\n", output_thousands(n.addresses, a), AKSNET_SUBNET_RESERVED);
    fprintf(out, "  subnet         a /%u: %s addresses, %s usable%s\n", (unsigned)n.subnet_len,
            output_thousands(size, b), output_thousands(usable, c),
            n.subnet_len == 29 && n.addresses < size ? " (Azure's smallest subnet)" : "");
    if (n.pod_cidr_len)
        fprintf(out, "  pod range      a /%u: a /24 for each of %s nodes\n", (unsigned)n.pod_cidr_len,
                output_thousands(n.pod_blocks, a));
    return EXIT_DONE;
}

int cmd_capacity(const struct cli_args *args, FILE *out, FILE *err)
{
    struct aksnet_capacity_input in = {.surge_nodes = 1};
    const char *plugin = args->plan.network_plugin ? args->plan.network_plugin : "kubenet";
    if (!args->subnet_prefix == (args->nodes < 0)) {
        fprintf(err, "aksnet capacity: give --subnet-prefix (e.g. 192.168.1.0/24: what it holds) or --nodes "
                "(e.g. 25: the subnet they need), one of them\n");
        return EXIT_USAGE;
    }
    in.subnet_prefix = args->subnet_prefix;
    if (!aksnet_network_plugin_parse(plugin, &in.plugin)) {
        fprintf(err, "aksnet capacity: --network-plugin '%s' is not kubenet or azure\n", plugin);
        return EXIT_USAGE;
    }
    uint32_t lo, hi;
    aksnet_capacity_max_pods_range(in.plugin, &lo, &hi);
    long pods = args->plan.max_pods == AKSNET_PLAN_UNSET ? (long)aksnet_capacity_default_max_pods(in.plugin)
                                                          : (long)args->plan.max_pods;
    if (pods < (long)lo || pods > (long)hi) {
        fprintf(err, "aksnet capacity: --max-pods %ld is outside %u..%u for %s\n", pods, lo, hi, plugin);
        return EXIT_USAGE;
    }
    in.max_pods = (uint32_t)pods;
    if (args->max_surge >= 0) /* at most 1e9 (args.c): it fits, and is shown as given */
        in.surge_nodes = (uint32_t)args->max_surge;
    if (args->nodes >= 0)
        return capacity_for_nodes(args, &in, plugin, out, err);
    struct aksnet_capacity cap;
    struct aksnet_error e;
    if (aksnet_capacity_compute(&in, &cap, &e) != AKSNET_OK) {
        fprintf(err, "aksnet capacity: --subnet-prefix: %s\n", e.message);
        return EXIT_USAGE;
    }
    if (cap.prefix_len > 29) {
        fprintf(err, "aksnet capacity: --subnet-prefix '%s': Azure's smallest subnet is a /29\n", args->subnet_prefix);
        return EXIT_USAGE;
    }
    if (args->output == OUTPUT_JSON)
        return print_json(&in, &cap, args->subnet_prefix, plugin, out, err);
    print_text(&in, &cap, args->subnet_prefix, plugin, out);
    return EXIT_DONE;
}
