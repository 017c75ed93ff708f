/*
 * validate_fleet.c - plans checked against each other, offline, before a
 * fleet run sends anything (aksnet_validate_fleet in aksnet/validate.h).
 *
 * Each plan is first reduced to the facts the rules compare: the ids of
 * its cluster, VNet, subnet and route table (composed the way the engine
 * composes them, compared without regard to case as ARM compares ids) and
 * its ranges parsed.  Then every pair of plans is held against every rule;
 * a finding names both plans' files, the earlier one first.  A plan whose
 * ids or ranges do not compose or parse is skipped by the rules that need
 * them: the plan's own validation reports it.
 */
#include "aksnet/validate.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cidr.h"
#include "resid.h"

#define ID_MAX 1024

/* What the rules compare of one plan. */
struct facts {
    const char *file;               /* the plan's source, for messages */
    char cluster[ID_MAX];           /* "" when the plan does not name it */
    char vnet[ID_MAX];
    char vnet_group[ID_MAX];        /* the VNet's resource group's id */
    char subnet[ID_MAX];
    char route_table[ID_MAX];       /* "" when the plan has no route table of aksnet's */
    struct aksnet__cidr *vnet_prefixes;
    size_t vnet_prefix_count;       /* the ones that parsed */
    struct aksnet__cidr subnet_prefix, pod;
    bool subnet_ok, pod_ok;
};

struct ctx {
    struct aksnet_findings *out;
    aksnet_code rc;
};

/* An error finding (every fleet finding is one); a lost finding makes the check's result AKSNET_ENOMEM. */
#define REPORT(c, code, field, ...)                                                                     \
    do {                                                                                                \
        if (aksnet_findings_add((c)->out, (code), AKSNET_SEVERITY_ERROR, (field), __VA_ARGS__) != AKSNET_OK) \
            (c)->rc = AKSNET_ENOMEM;                                                                    \
    } while (0)

/* Copy a name into an id part; false when absent or too long (the plan's own checks say so). */
static bool part(char dst[AKSNET_RESID_SEGMENT_MAX], const char *src)
{
    if (!src || !*src || strlen(src) >= AKSNET_RESID_SEGMENT_MAX)
        return false;
    memcpy(dst, src, strlen(src) + 1);
    return true;
}

/* /subscriptions/S/resourceGroups/G/providers/PROVIDER/TYPE/NAME, or "" when a part is missing. */
static void compose(char out[ID_MAX], const char *sub, const char *group, const char *provider, const char *type,
                    const char *name)
{
    struct aksnet__resid r;
    memset(&r, 0, sizeof(r));
    out[0] = '\0';
    if (!part(r.subscription, sub) || !part(r.resource_group, group))
        return;
    if (provider && (!part(r.provider, provider) || !part(r.type, type) || !part(r.name, name)))
        return;
    aksnet__resid_format(&r, out, ID_MAX);
}

/* The VNet, its group and the subnet: from network.subnet.id when given, else from the names. */
static void network_ids(const struct aksnet_plan *p, struct facts *f)
{
    struct aksnet__resid r;
    memset(&r, 0, sizeof(r));
    if (p->subnet.id) {
        if (!aksnet__resid_parse(p->subnet.id, &r) || !aksnet__resid_is(&r, "Microsoft.Network", "virtualNetworks",
                                                                        "subnets"))
            return;
        aksnet__resid_format(&r, f->subnet, ID_MAX);
        compose(f->vnet, r.subscription, r.resource_group, "Microsoft.Network", "virtualNetworks", r.name);
        compose(f->vnet_group, r.subscription, r.resource_group, NULL, NULL, NULL);
    } else {
        const char *group = p->vnet.resource_group ? p->vnet.resource_group : p->resource_group;
        compose(f->vnet, p->subscription_id, group, "Microsoft.Network", "virtualNetworks", p->vnet.name);
        compose(f->vnet_group, p->subscription_id, group, NULL, NULL, NULL);
        if (f->vnet[0] && aksnet__resid_parse(f->vnet, &r) && part(r.child_type, "subnets") &&
            part(r.child_name, p->subnet.name))
            aksnet__resid_format(&r, f->subnet, ID_MAX);
    }
    if (!f->vnet[0])
        f->subnet[0] = f->vnet_group[0] = '\0';
}

static bool parse(const char *text, struct aksnet__cidr *out)
{
    return text && aksnet__cidr_parse(text, out) == AKSNET_CIDR_OK;
}

static bool gather(const struct aksnet_plan *p, struct facts *f)
{
    memset(f, 0, sizeof(*f));
    f->file = p->source ? p->source : "flags";
    compose(f->cluster, p->subscription_id, p->resource_group, "Microsoft.ContainerService", "managedClusters",
            p->cluster.name);
    network_ids(p, f);
    if (p->route_table.name && !p->route_table.none)
        compose(f->route_table, p->subscription_id, p->resource_group, "Microsoft.Network", "routeTables",
                p->route_table.name);
    f->vnet_prefixes = calloc(p->vnet.address_prefix_count + 1, sizeof(*f->vnet_prefixes));
    if (!f->vnet_prefixes)
        return false;
    for (size_t i = 0; i < p->vnet.address_prefix_count; i++)
        if (parse(p->vnet.address_prefixes[i], &f->vnet_prefixes[f->vnet_prefix_count]))
            f->vnet_prefix_count++;
    f->subnet_ok = parse(p->subnet.address_prefix, &f->subnet_prefix);
    f->pod_ok = parse(p->cluster.pod_cidr, &f->pod);
    return true;
}

static bool same(const char *a, const char *b)
{
    return a[0] && b[0] && strcasecmp(a, b) == 0;
}

static const char *fmt(const struct aksnet__cidr *c, char buf[AKSNET_CIDR_STRLEN])
{
    return aksnet__cidr_format(c, buf);
}

/* ---- the rules: each looks at one pair, a before b in the fleet's order ------------------------------------ */

/* fleet-cluster-name: one cluster id, two plans: the later run would rewrite the earlier one's cluster. */
static void rule_cluster(struct ctx *c, const struct facts *a, const struct facts *b)
{
    if (same(a->cluster, b->cluster))
        REPORT(c, "fleet-cluster-name", "cluster.name",
               "%s and %s both name the cluster %s; each plan of a fleet needs a cluster of its own (another name, "
               "or another resource group)",
               a->file, b->file, b->cluster);
}

/* fleet-subnet-shared: "Don't create more than one AKS cluster in the same subnet" (configure-kubenet). */
static void rule_subnet_shared(struct ctx *c, const struct facts *a, const struct facts *b)
{
    if (same(a->subnet, b->subnet))
        REPORT(c, "fleet-subnet-shared", "network.subnet.name",
               "%s and %s both put their cluster in the subnet %s; a kubenet cluster needs a subnet of its own "
               "(learn.microsoft.com/azure/aks/configure-kubenet: \"Don't create more than one AKS cluster in the "
               "same subnet\")",
               a->file, b->file, b->subnet);
}

/* fleet-route-table-shared: "You can't reuse a route table with multiple clusters" (configure-kubenet). */
static void rule_route_table_shared(struct ctx *c, const struct facts *a, const struct facts *b)
{
    if (same(a->route_table, b->route_table))
        REPORT(c, "fleet-route-table-shared", "network.routeTable.name",
               "%s and %s both use the route table %s; each kubenet cluster needs a route table of its own "
               "(learn.microsoft.com/azure/aks/configure-kubenet: \"You can't reuse a route table with multiple "
               "clusters due to the potential for overlapping pod CIDRs and conflicting routing rules\")",
               a->file, b->file, b->route_table);
}

/* fleet-subnet-overlap: two subnets of one VNet whose ranges overlap; ARM refuses the second. */
static void rule_subnet_overlap(struct ctx *c, const struct facts *a, const struct facts *b)
{
    if (!same(a->vnet, b->vnet) || same(a->subnet, b->subnet) || !a->subnet_ok || !b->subnet_ok ||
        !aksnet__cidr_overlaps(&a->subnet_prefix, &b->subnet_prefix))
        return;
    char x[AKSNET_CIDR_STRLEN], y[AKSNET_CIDR_STRLEN];
    REPORT(c, "fleet-subnet-overlap", "network.subnet.addressPrefix",
           "%s's subnet %s overlaps %s's subnet %s in the same VNet %s; the subnets of a VNet must not overlap "
           "(learn.microsoft.com/azure/virtual-network/virtual-network-manage-subnet)",
           a->file, fmt(&a->subnet_prefix, x), b->file, fmt(&b->subnet_prefix, y), b->vnet);
}

/*
 * fleet-vnet-overlap: two VNets of one resource group whose address spaces
 * overlap.  Azure allows it, but such VNets can never be peered
 * (learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering:
 * the address spaces of peered VNets must not overlap), and two plans of
 * one fleet drawing from one space in one group is far more often a copied
 * plan than a choice: aksnet's rule.
 */
static void rule_vnet_overlap(struct ctx *c, const struct facts *a, const struct facts *b)
{
    if (!same(a->vnet_group, b->vnet_group) || same(a->vnet, b->vnet) || !a->vnet[0] || !b->vnet[0])
        return;
    for (size_t i = 0; i < a->vnet_prefix_count; i++)
        for (size_t k = 0; k < b->vnet_prefix_count; k++) {
            if (!aksnet__cidr_overlaps(&a->vnet_prefixes[i], &b->vnet_prefixes[k]))
                continue;
            char x[AKSNET_CIDR_STRLEN], y[AKSNET_CIDR_STRLEN];
            REPORT(c, "fleet-vnet-overlap", "network.vnet.addressPrefixes",
                   "%s's VNet %s (%s) overlaps %s's VNet %s (%s) in the same resource group; VNets whose "
                   "address spaces overlap can never be peered: give each its own range",
                   a->file, a->vnet, fmt(&a->vnet_prefixes[i], x), b->file, b->vnet, fmt(&b->vnet_prefixes[k], y));
            return;
        }
}

/*
 * fleet-pod-overlap (offline half): two clusters in one VNet whose pod
 * ranges overlap.  The pod range "should be a large address space that
 * isn't in use elsewhere in your network environment"
 * (learn.microsoft.com/azure/aks/configure-kubenet, --pod-cidr).  Peered
 * VNets are known only to ARM: aksnet_fleet_run reads the peerings.
 */
static void rule_pod_overlap(struct ctx *c, const struct facts *a, const struct facts *b)
{
    if (!same(a->vnet, b->vnet) || !a->pod_ok || !b->pod_ok || !aksnet__cidr_overlaps(&a->pod, &b->pod))
        return;
    char x[AKSNET_CIDR_STRLEN], y[AKSNET_CIDR_STRLEN];
    REPORT(c, "fleet-pod-overlap", "cluster.podCidr",
           "%s's pod range %s overlaps %s's pod range %s, and both clusters are in the VNet %s; pod ranges must "
           "not be in use elsewhere in the network (learn.microsoft.com/azure/aks/configure-kubenet)",
           a->file, fmt(&a->pod, x), b->file, fmt(&b->pod, y), a->vnet);
}

/* ---- the table and the entry point ----------------------------------------------------------------------- */

static const struct aksnet_rule fleet_rules[] = {
    { "fleet-cluster-name", AKSNET_SEVERITY_ERROR, "two plans name the same cluster (and resource group)" },
    { "fleet-subnet-shared", AKSNET_SEVERITY_ERROR, "two plans put their clusters in the same subnet" },
    { "fleet-route-table-shared", AKSNET_SEVERITY_ERROR, "two plans use the same route table" },
    { "fleet-subnet-overlap", AKSNET_SEVERITY_ERROR, "two plans' subnets overlap in one VNet" },
    { "fleet-vnet-overlap", AKSNET_SEVERITY_ERROR, "two VNets of one resource group overlap (aksnet)" },
    { "fleet-pod-overlap", AKSNET_SEVERITY_ERROR, "pod ranges overlap in one VNet or in peered VNets" },
};

const struct aksnet_rule *aksnet_validate_fleet_rules(size_t *count)
{
    *count = sizeof(fleet_rules) / sizeof(fleet_rules[0]);
    return fleet_rules;
}

aksnet_code aksnet_validate_fleet(const struct aksnet_plan *const *plans, size_t count, struct aksnet_findings *out)
{
    if (count < 2)
        return AKSNET_OK;
    struct facts *f = calloc(count, sizeof(*f));
    if (!f)
        return AKSNET_ENOMEM;
    struct ctx c = {.out = out, .rc = AKSNET_OK};
    for (size_t i = 0; i < count && c.rc == AKSNET_OK; i++)
        if (!gather(plans[i], &f[i]))
            c.rc = AKSNET_ENOMEM;
    void (*const rules[])(struct ctx *, const struct facts *, const struct facts *) = {
        rule_cluster, rule_subnet_shared, rule_route_table_shared, rule_subnet_overlap, rule_vnet_overlap,
        rule_pod_overlap,
    };
    for (size_t r = 0; r < sizeof(rules) / sizeof(rules[0]) && c.rc == AKSNET_OK; r++)
        for (size_t i = 0; i < count; i++)
            for (size_t k = i + 1; k < count; k++)
                rules[r](&c, &f[i], &f[k]);
    for (size_t i = 0; i < count; i++)
        free(f[i].vnet_prefixes);
    free(f);
    return c.rc;
}
