/*
 * args.c - parse the flags of one aksnet command.
 *
 * Each option is a row of a table: its spellings, the group it belongs to,
 * and where its value goes.  Values are checked here, at the door, so a
 * command never sees a malformed number or an unknown output format.
 */
#include "args.h"

#include <string.h>

enum kind { K_STRING, K_LONG, K_SECONDS, K_BOOL, K_OUTPUT, K_TAKEN, K_FILE };

/* K_SECONDS: a duration in whole seconds, 1 s to a day. */
#define SECONDS_MAX 86400L

struct option_row {
    const char *name;    /* long name without "--" */
    char short_name;     /* 0 when none */
    unsigned group;      /* ARGS_* bit, or 0 for every command */
    enum kind kind;
    size_t offset;       /* where in struct cli_args */
    const char *help;
};

#define AT(field) offsetof(struct cli_args, field)
#define PLAN_AT(field) (offsetof(struct cli_args, plan) + offsetof(struct aksnet_plan_overrides, field))

static const struct option_row options[] = {
    { "file", 'f', ARGS_PLAN, K_FILE, AT(plan_file), "PLAN.json (- reads standard input); again for a fleet" },
    { "plans", 0, ARGS_PLANS, K_STRING, AT(plans_dir), "DIR: every *.json in DIR is a plan of a fleet" },
    { "parallel", 0, ARGS_FLEET, K_LONG, AT(parallel), "plans of a fleet run at once (default 10, at most 256)" },
    { "subscription", 0, ARGS_PLAN, K_STRING, PLAN_AT(subscription_id), "subscription id" },
    { "cloud", 0, ARGS_PLAN | ARGS_CONNECT, K_STRING, PLAN_AT(cloud),
      "AzureCloud | AzureChinaCloud | AzureUSGovernment" },
    { "location", 'l', ARGS_PLAN, K_STRING, PLAN_AT(location), "region, e.g. chinaeast2" },
    { "resource-group", 'g', ARGS_PLAN, K_STRING, PLAN_AT(resource_group), "resource group" },
    { "name", 'n', ARGS_PLAN, K_STRING, PLAN_AT(cluster_name), "cluster name" },
    { "node-count", 'c', ARGS_PLAN, K_LONG, PLAN_AT(node_count), "nodes in the first pool" },
    { "max-pods", 0, ARGS_PLAN | ARGS_CAPACITY, K_LONG, PLAN_AT(max_pods), "pods per node" },
    { "network-plugin", 0, ARGS_PLAN | ARGS_CAPACITY, K_STRING, PLAN_AT(network_plugin),
      "kubenet (capacity: kubenet | azure)" },
    { "network-policy", 0, ARGS_PLAN, K_STRING, PLAN_AT(network_policy), "calico | none" },
    { "pod-cidr", 0, ARGS_PLAN, K_STRING, PLAN_AT(pod_cidr), "pod range, default 10.244.0.0/16" },
    { "service-cidr", 0, ARGS_PLAN, K_STRING, PLAN_AT(service_cidr), "service range, default 10.0.0.0/16" },
    { "dns-service-ip", 0, ARGS_PLAN, K_STRING, PLAN_AT(dns_service_ip), "DNS service IP, default 10.0.0.10" },
    { "vnet-subnet-id", 0, ARGS_PLAN, K_STRING, PLAN_AT(vnet_subnet_id), "an existing subnet's resource id" },
    { "role-wait", 0, ARGS_PLAN, K_LONG, PLAN_AT(role_wait),
      "seconds to wait for a new role assignment to take effect (default 3600)" },
    { "assign-identity", 0, ARGS_PLAN, K_STRING, PLAN_AT(assign_identity), "an existing user-assigned identity's id" },
    { "subnet-prefix", 0, ARGS_CAPACITY, K_STRING, AT(subnet_prefix), "the subnet, e.g. 192.168.1.0/24" },
    { "max-surge", 0, ARGS_CAPACITY, K_LONG, AT(max_surge), "nodes kept free for upgrades (default 1)" },
    { "nodes", 0, ARGS_CAPACITY, K_LONG, AT(nodes), "the smallest subnet and pod range for N nodes" },
    { "taken", 0, ARGS_SUGGEST, K_TAKEN, AT(taken), "a range already in use, e.g. 10.0.0.0/8 (repeatable)" },
    { "write", 0, ARGS_SUGGEST, K_STRING, AT(write_file),
      "write the completed plan to FILE (- for stdout; an existing file only if it is -f's)" },
    { "from-arm", 0, ARGS_SUGGEST, K_BOOL, AT(from_arm),
      "also read the ranges in use around the VNet from ARM (subnets, peerings, other clusters)" },
    { "arm-endpoint", 0, ARGS_CONNECT, K_STRING, AT(arm_endpoint), "ARM URL (http:// only to loopback)" },
    { "authority-host", 0, ARGS_CONNECT, K_STRING, AT(authority_host), "Entra ID URL" },
    { "cacert", 0, ARGS_CONNECT, K_STRING, AT(cacert), "CA bundle to verify TLS with" },
    { "verbose", 'v', ARGS_CONNECT, K_BOOL, AT(verbose), "show requests and responses (secrets redacted)" },
    { "request-timeout", 0, ARGS_CONNECT, K_SECONDS, AT(request_timeout),
      "seconds one try of a request may take (default 120)" },
    { "operation-timeout", 0, ARGS_WAIT, K_SECONDS, AT(operation_timeout),
      "seconds an operation may run, the cluster's aside (default 1800)" },
    { "cluster-timeout", 0, ARGS_WAIT, K_SECONDS, AT(cluster_timeout),
      "seconds the cluster's operation may run (default 3600)" },
    { "yes", 'y', ARGS_YES, K_BOOL, AT(yes), "do not ask for confirmation" },
    { "dry-run", 0, ARGS_DRY_RUN, K_BOOL, AT(dry_run), "run against the built-in mock" },
    { "output", 'o', 0, K_OUTPUT, AT(output), "text | json" },
    { "help", 'h', 0, K_BOOL, AT(help), "this help" },
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

#define COUNT_MAX 1000000000L

/* What a number flag's value is: a whole number 0..COUNT_MAX written plainly, one too large, or no number. */
enum count { COUNT_OK, COUNT_TOO_LARGE, COUNT_MALFORMED };

static enum count parse_count(const char *s, long *out)
{
    size_t n = strlen(s), zeros = 0;
    if (n == 0)
        return COUNT_MALFORMED;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return COUNT_MALFORMED;
    while (zeros + 1 < n && s[zeros] == '0')
        zeros++;
    if (n - zeros > 10)
        return COUNT_TOO_LARGE;
    long v = 0;
    for (size_t i = zeros; i < n; i++)
        v = v * 10 + (s[i] - '0');
    if (v > COUNT_MAX)
        return COUNT_TOO_LARGE;
    *out = v;
    return COUNT_OK;
}

static const struct option_row *find_long(const char *name, size_t len)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
            return &options[i];
    return NULL;
}

static const struct option_row *find_short(char c)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (options[i].short_name && options[i].short_name == c)
            return &options[i];
    return NULL;
}

/* Store value into the field of row; false (after a message) when it is malformed. */
static bool store(const struct option_row *row, const char *value, struct cli_args *out, FILE *err)
{
    char *base = (char *)out + row->offset;
    switch (row->kind) {
    case K_STRING:
        *(const char **)(void *)base = value;
        return true;
    case K_LONG:
        switch (parse_count(value, (long *)(void *)base)) {
        case COUNT_OK: return true;
        case COUNT_TOO_LARGE:
            fprintf(err, "aksnet: --%s: '%s' is too large (at most %ld)\n", row->name, value, COUNT_MAX);
            return false;
        default:
            fprintf(err, "aksnet: --%s: '%s' is not a whole number\n", row->name, value);
            return false;
        }
    case K_SECONDS:
        if (parse_count(value, (long *)(void *)base) == COUNT_OK && *(long *)(void *)base >= 1 &&
            *(long *)(void *)base <= SECONDS_MAX)
            return true;
        fprintf(err, "aksnet: --%s: '%s' is not a whole number of seconds from 1 to %ld\n", row->name, value,
                SECONDS_MAX);
        return false;
    case K_OUTPUT:
        if (strcmp(value, "text") == 0 || strcmp(value, "json") == 0) {
            *(enum output_format *)(void *)base = value[0] == 'j' ? OUTPUT_JSON : OUTPUT_TEXT;
            return true;
        }
        fprintf(err, "aksnet: --output: '%s' is not text or json\n", value);
        return false;
    case K_BOOL:
        *(bool *)(void *)base = true;
        return true;
    case K_TAKEN:
        if (out->taken_count < CLI_MAX_TAKEN) {
            out->taken[out->taken_count++] = value;
            return true;
        }
        fprintf(err, "aksnet: --%s: more than %d ranges\n", row->name, CLI_MAX_TAKEN);
        return false;
    case K_FILE:
        if (out->plan_file_count == CLI_PLAN_FILES_MAX) {
            fprintf(err, "aksnet: more than %d -f flags; put the plans in a folder and use --plans DIR\n",
                    CLI_PLAN_FILES_MAX);
            return false;
        }
        out->plan_files[out->plan_file_count++] = value;
        if (!out->plan_file)
            out->plan_file = value;
        return true;
    }
    return false;
}

bool cli_args_parse(int argc, char **argv, unsigned accept, struct cli_args *out, FILE *err)
{
    memset(out, 0, sizeof(*out));
    aksnet_plan_overrides_init(&out->plan);
    out->max_surge = -1;
    out->nodes = -1;
    out->parallel = -1;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i], *value = NULL;
        const struct option_row *row = NULL;
        if (strncmp(arg, "--", 2) == 0 && arg[2]) {
            const char *eqs = strchr(arg + 2, '=');
            size_t len = eqs ? (size_t)(eqs - arg - 2) : strlen(arg + 2);
            row = find_long(arg + 2, len);
            value = eqs ? eqs + 1 : NULL;
        } else if (arg[0] == '-' && arg[1] && !arg[2]) {
            row = find_short(arg[1]);
        } else {
            fprintf(err, "aksnet: unexpected argument '%s'\n", arg);
            return false;
        }
        if (!row || (row->group && !(row->group & accept))) {
            fprintf(err, "aksnet: unknown option '%s' for this command (see --help)\n", arg);
            return false;
        }
        if (row->kind == K_BOOL && value) {
            fprintf(err, "aksnet: --%s takes no value\n", row->name);
            return false;
        }
        if (row->kind != K_BOOL && !value) {
            if (i + 1 >= argc || strncmp(argv[i + 1], "--", 2) == 0) {
                fprintf(err, "aksnet: --%s needs a value\n", row->name);
                return false;
            }
            value = argv[++i];
        }
        if (!store(row, value, out, err))
            return false;
    }
    return true;
}

void cli_args_usage(unsigned accept, FILE *out)
{
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const struct option_row *r = &options[i];
        if (r->group && !(r->group & accept))
            continue;
        char spell[48];
        if (r->short_name)
            snprintf(spell, sizeof(spell), "-%c, --%s%s", r->short_name, r->name, r->kind == K_BOOL ? "" : " V");
        else
            snprintf(spell, sizeof(spell), "    --%s%s", r->name, r->kind == K_BOOL ? "" : " V");
        fprintf(out, "  %-26s %s\n", spell, r->help);
    }
}
