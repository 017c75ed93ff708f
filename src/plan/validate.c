/*
 * validate.c - every rule of the kubenet page, checked offline.
 *
 * The rules run one after another over a context that holds the plan's
 * ranges already parsed, so that a malformed CIDR is reported once (as
 * cidr-invalid) and the rules that need it simply skip it instead of
 * reporting knock-on errors.  Each rule is a short function named after its
 * finding code; the table at the bottom of the file lists them all.
 */
#include "aksnet/validate.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aksnet/capacity.h"
#include "cidr.h"
#include "resid.h"
#include "validate_internal.h"

#define FIELD_MAX 256

/* A range of the plan and whether it parsed. */
struct range {
    struct aksnet__cidr cidr;
    bool ok;
    const char *text;
    char field[FIELD_MAX];
};

struct ctx {
    const struct aksnet_plan *plan;
    struct aksnet_findings *out;
    struct range *vnet;   /* plan->vnet.address_prefix_count */
    struct range *avoid;  /* plan->avoid_prefix_count */
    struct range subnet, pod, svc;
    aksnet_code rc;
};

/* Reserved by Azure or AKS for every VNet, pod and service range (seed). */
static const char *const reserved_ranges[] = {"169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16",
                                               "192.0.2.0/24"};

const char *const *aksnet__validate_reserved_ranges(size_t *count)
{
    *count = sizeof(reserved_ranges) / sizeof(reserved_ranges[0]);
    return reserved_ranges;
}

static void report(struct ctx *c, const char *code, aksnet_severity sev, const char *field,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void report(struct ctx *c, const char *code, aksnet_severity sev, const char *field,
                   const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (aksnet_findings_add(c->out, code, sev, field, "%s", msg) != AKSNET_OK)
        c->rc = AKSNET_ENOMEM;
}

#define ERROR(c, code, field, ...) report((c), (code), AKSNET_SEVERITY_ERROR, (field), __VA_ARGS__)
#define WARN(c, code, field, ...) report((c), (code), AKSNET_SEVERITY_WARNING, (field), __VA_ARGS__)

static bool eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* ARM compares enumerated values without regard to case ("virtualappliance" is fine). */
static bool ieq(const char *a, const char *b)
{
    return a && b && strcasecmp(a, b) == 0;
}

static bool is_kubenet(const struct aksnet_plan *p)
{
    return ieq(p->cluster.network_plugin, "kubenet");
}

static const char *fmt_cidr(const struct aksnet__cidr *c, char buf[AKSNET_CIDR_STRLEN])
{
    return aksnet__cidr_format(c, buf);
}

/* ---- parsing the ranges (cidr-invalid) ----------------------------------- */

/* Parse one range; report cidr-invalid (with the corrected prefix for host bits). */
static void parse_range(struct ctx *c, struct range *r, const char *text, const char *field)
{
    snprintf(r->field, sizeof(r->field), "%s", field);
    r->text = text;
    r->ok = false;
    if (!text)
        return;
    aksnet__cidr_status st = aksnet__cidr_parse(text, &r->cidr);
    if (st == AKSNET_CIDR_OK) {
        r->ok = true;
        return;
    }
    if (st == AKSNET_CIDR_HOST_BITS) {
        char fixed[AKSNET_CIDR_STRLEN];
        struct aksnet__cidr net = aksnet__cidr_network(r->cidr);
        ERROR(c, "cidr-invalid", field, "'%s': host bits are set; the prefix is %s", text,
              fmt_cidr(&net, fixed));
        return;
    }
    ERROR(c, "cidr-invalid", field, "'%s' is not an IPv4 prefix: %s (for example 192.168.1.0/24)",
          text, aksnet__cidr_parse_strerror(st));
}

static bool parse_ranges(struct ctx *c)
{
    const struct aksnet_plan *p = c->plan;
    c->vnet = calloc(p->vnet.address_prefix_count + 1, sizeof(*c->vnet));
    c->avoid = calloc(p->avoid_prefix_count + 1, sizeof(*c->avoid));
    if (!c->vnet || !c->avoid)
        return false;
    char field[FIELD_MAX];
    for (size_t i = 0; i < p->vnet.address_prefix_count; i++) {
        snprintf(field, sizeof(field), "network.vnet.addressPrefixes[%zu]", i);
        parse_range(c, &c->vnet[i], p->vnet.address_prefixes[i], field);
    }
    for (size_t i = 0; i < p->avoid_prefix_count; i++) {
        snprintf(field, sizeof(field), "network.avoidPrefixes[%zu]", i);
        parse_range(c, &c->avoid[i], p->avoid_prefixes[i], field);
    }
    parse_range(c, &c->subnet, p->subnet.address_prefix, "network.subnet.addressPrefix");
    parse_range(c, &c->pod, p->cluster.pod_cidr, "cluster.podCidr");
    parse_range(c, &c->svc, p->cluster.service_cidr, "cluster.serviceCidr");
    return true;
}

/* ---- required values and enumerations (plan-field and friends) ---------- */

/* A required value is absent: said once, and not again when the reader already refused it. */
static void missing(struct ctx *c, const char *field, const char *hint)
{
    size_t n = strlen(field);
    for (size_t i = 0; i < c->out->count; i++) {
        const char *f = c->out->items[i].field;
        if (strncmp(f, field, n) == 0 && (f[n] == '\0' || f[n] == '[' || f[n] == '.'))
            return;
    }
    ERROR(c, "plan-field", field, "missing value; %s", hint);
}

static void rule_required(struct ctx *c)
{
    const struct aksnet_plan *p = c->plan;
    if (!p->resource_group)
        missing(c, "resourceGroup", "set it in the plan or with --resource-group");
    if (!p->cluster.name)
        missing(c, "cluster.name", "set it in the plan or with --name");
    if (!aksnet_plan_vnet_is_existing(p)) {
        if (!p->vnet.address_prefix_count)
            missing(c, "network.vnet.addressPrefixes", "give the VNet's address space, e.g. [\"192.168.0.0/16\"]");
        if (!p->subnet.address_prefix)
            missing(c, "network.subnet.addressPrefix", "give the node subnet, e.g. \"192.168.1.0/24\"");
    } else {
        if (!p->vnet.name)
            missing(c, "network.vnet.name", "name the existing VNet, or give --vnet-subnet-id");
        if (!p->subnet.name)
            missing(c, "network.subnet.name", "name the existing subnet, or give --vnet-subnet-id");
    }
    for (size_t i = 0; i < p->cluster.node_pool_count; i++) {
        char field[FIELD_MAX];
        snprintf(field, sizeof(field), "cluster.nodePools[%zu].name", i);
        if (!p->cluster.node_pools[i].name && !p->cluster.node_pools[i].malformed)
            missing(c, field, "every pool after the first needs a name");
    }
}

/* value must be one of the NULL-terminated list; reports plan-field otherwise. */
static void one_of(struct ctx *c, const char *code, const char *field, const char *value,
                   const char *const allowed[], const char *allowed_text)
{
    if (!value)
        return;
    for (size_t i = 0; allowed[i]; i++)
        if (strcasecmp(value, allowed[i]) == 0)
            return;
    ERROR(c, code, field, "'%s' is not one of %s", value, allowed_text);
}

static bool is_guid(const char *s)
{
    static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    if (!s || strlen(s) != sizeof(shape) - 1)
        return false;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* "1.30" or "1.30.4": what AKS takes as kubernetesVersion. */
static bool is_k8s_version(const char *s)
{
    int parts = 0;
    while (*s) {
        size_t digits = strspn(s, "0123456789");
        if (digits == 0 || digits > 4)
            return false;
        parts++;
        s += digits;
        if (*s == '.' && s[1])
            s++;
        else if (*s)
            return false;
    }
    return parts == 2 || parts == 3;
}

/* A role definition: a GUID, or its full id under a subscription or the tenant root. */
static bool is_role_definition(const char *s)
{
    const char *tail = strrchr(s, '/');
    if (!tail)
        return is_guid(s);
    const char *marker = "/providers/Microsoft.Authorization/roleDefinitions/";
    size_t mlen = strlen(marker);
    size_t prefix = (size_t)(tail + 1 - s);
    if (prefix < mlen || strncasecmp(tail + 1 - mlen, marker, mlen) != 0 || !is_guid(tail + 1))
        return false;
    /* What comes before the marker is empty (tenant-level) or /subscriptions/<guid>. */
    size_t head = prefix - mlen;
    if (head == 0)
        return true;
    char sub[64];
    if (head <= 15 || head >= sizeof(sub) + 15 || strncasecmp(s, "/subscriptions/", 15) != 0)
        return false;
    memcpy(sub, s + 15, head - 15);
    sub[head - 15] = '\0';
    return is_guid(sub);
}

static void rule_enums(struct ctx *c)
{
    static const char *const clouds[] = {"AzureCloud", "AzureChinaCloud", "AzureUSGovernment", NULL};
    static const char *const identity_types[] = {"UserAssigned", "SystemAssigned", NULL};
    static const char *const scopes[] = {"vnet", "subnet", NULL};
    static const char *const outbound[] = {"loadBalancer", "userDefinedRouting", "managedNATGateway",
                                           "userAssignedNATGateway", NULL};
    const struct aksnet_plan *p = c->plan;
    one_of(c, "plan-field", "cloud", p->cloud, clouds, "AzureCloud, AzureChinaCloud, AzureUSGovernment");
    one_of(c, "plan-field", "identity.type", p->identity.type, identity_types, "UserAssigned, SystemAssigned");
    one_of(c, "plan-field", "roleAssignment.scope", p->role_assignment.scope, scopes, "vnet, subnet");
    one_of(c, "plan-field", "cluster.outboundType", p->cluster.outbound_type, outbound,
           "loadBalancer, userDefinedRouting, managedNATGateway, userAssignedNATGateway");
    if (p->cluster.kubernetes_version && !is_k8s_version(p->cluster.kubernetes_version))
        ERROR(c, "plan-field", "cluster.kubernetesVersion",
              "'%s' is not a Kubernetes version; write MAJOR.MINOR or MAJOR.MINOR.PATCH, e.g. 1.30",
              p->cluster.kubernetes_version);
    const char *role = p->role_assignment.role_definition_id;
    if (role && !is_role_definition(role))
        ERROR(c, "plan-field", "roleAssignment.roleDefinitionId",
              "'%s' is not a role definition; give its GUID or "
              "/subscriptions/<id>/providers/Microsoft.Authorization/roleDefinitions/<guid>", role);
    struct aksnet__resid rid;
    if (p->subnet.id && (!aksnet__resid_parse(p->subnet.id, &rid) ||
                         !aksnet__resid_is(&rid, "Microsoft.Network", "virtualNetworks", "subnets")))
        ERROR(c, "plan-field", "network.subnet.id",
              "'%s' is not a subnet id; expected /subscriptions/<id>/resourceGroups/<group>/providers/"
              "Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>", p->subnet.id);
    else if (p->subnet.id && p->subscription_id && strcasecmp(rid.subscription, p->subscription_id) != 0)
        ERROR(c, "plan-field", "network.subnet.id",
              "the subnet is in subscription %s but the cluster in %s; AKS needs both in one subscription",
              rid.subscription, p->subscription_id);
    if (p->identity.id && (!aksnet__resid_parse(p->identity.id, &rid) ||
                           !aksnet__resid_is(&rid, "Microsoft.ManagedIdentity", "userAssignedIdentities", NULL)))
        ERROR(c, "plan-field", "identity.id", "'%s' is not a user-assigned identity id", p->identity.id);
}

/* ---- subscription, location, cloud -------------------------------------- */

/* The role wait is a duration a run can afford: a negative one or more than a day is a typo. */
static void rule_role_wait(struct ctx *c)
{
    long w = c->plan->role_assignment.wait_seconds;
    if (w != AKSNET_PLAN_UNSET && (w < 0 || w > AKSNET_PLAN_ROLE_WAIT_MAX))
        ERROR(c, "plan-field", "roleAssignment.waitSeconds",
              "%ld seconds is outside 0..%d; the seed says a new permission may take up to 60 minutes (3600)", w,
              AKSNET_PLAN_ROLE_WAIT_MAX);
}

static void rule_subscription(struct ctx *c)
{
    const char *s = c->plan->subscription_id;
    if (!s)
        ERROR(c, "subscription-invalid", "subscriptionId",
              "no subscription: set subscriptionId, --subscription or AZURE_SUBSCRIPTION_ID");
    else if (!is_guid(s))
        ERROR(c, "subscription-invalid", "subscriptionId",
              "'%s' is not a subscription id (a GUID such as 00000000-0000-0000-0000-000000000000)", s);
}

static void rule_location(struct ctx *c)
{
    const char *loc = c->plan->location;
    if (!loc || !*loc) {
        ERROR(c, "location-missing", "location",
              "no location: set location or --location (the seed uses chinaeast2)");
        return;
    }
    for (const char *q = loc; *q; q++)
        if (!isalnum((unsigned char)*q)) {
            ERROR(c, "location-missing", "location",
                  "'%s' is not a location name; use its short form, lower case, e.g. chinaeast2", loc);
            return;
        }
    const char *want = aksnet_plan_cloud_of_location(loc), *cloud = c->plan->cloud;
    bool known = ieq(cloud, "AzureCloud") || ieq(cloud, "AzureChinaCloud") || ieq(cloud, "AzureUSGovernment");
    if (known && !ieq(cloud, want))
        ERROR(c, "location-cloud", "location", "%s is a region of %s, not of %s; set cloud (or --cloud) to %s",
              loc, want, cloud, want);
}

/* ---- ranges -------------------------------------------------------------- */

static void check_reserved(struct ctx *c, const struct range *r)
{
    for (size_t k = 0; r->ok && k < sizeof(reserved_ranges) / sizeof(reserved_ranges[0]); k++) {
        struct aksnet__cidr res;
        aksnet__cidr_parse(reserved_ranges[k], &res);
        if (aksnet__cidr_overlaps(&r->cidr, &res))
            ERROR(c, "reserved-range", r->field,
                  "%s overlaps %s, which AKS reserves; pick a range outside 169.254.0.0/16, "
                  "172.30.0.0/16, 172.31.0.0/16 and 192.0.2.0/24", r->text, reserved_ranges[k]);
    }
}

static void rule_reserved_range(struct ctx *c)
{
    check_reserved(c, &c->pod);
    check_reserved(c, &c->svc);
    for (size_t i = 0; i < c->plan->vnet.address_prefix_count; i++)
        check_reserved(c, &c->vnet[i]);
    if (c->plan->vnet.address_prefix_count == 0)
        check_reserved(c, &c->subnet);
}

static void rule_subnet_outside_vnet(struct ctx *c)
{
    const struct aksnet_plan *p = c->plan;
    if (!c->subnet.ok || p->vnet.address_prefix_count == 0)
        return;
    for (size_t i = 0; i < p->vnet.address_prefix_count; i++)
        if (!c->vnet[i].ok || aksnet__cidr_contains(&c->vnet[i].cidr, &c->subnet.cidr))
            return;
    ERROR(c, "subnet-outside-vnet", "network.subnet.addressPrefix",
          "subnet %s is not inside the VNet's address space (%s%s); pick a subnet within it",
          c->subnet.text, p->vnet.address_prefixes[0], p->vnet.address_prefix_count > 1 ? ", ..." : "");
}

static void overlap_pair(struct ctx *c, const char *code, const struct range *a, const struct range *b,
                         const char *why)
{
    if (a->ok && b->ok && aksnet__cidr_overlaps(&a->cidr, &b->cidr))
        ERROR(c, code, a->field, "%s overlaps %s (%s); %s", a->text, b->text, b->field, why);
}

static void rule_cidr_overlap(struct ctx *c)
{
    size_t nv = c->plan->vnet.address_prefix_count;
    overlap_pair(c, "cidr-overlap", &c->pod, &c->svc, "pod and service ranges must be disjoint");
    for (size_t i = 0; i < nv; i++) {
        overlap_pair(c, "cidr-overlap", &c->pod, &c->vnet[i],
                     "the pod range must lie outside the VNet (kubenet routes it with UDRs)");
        overlap_pair(c, "cidr-overlap", &c->svc, &c->vnet[i],
                     "the service range must lie outside the VNet");
        for (size_t j = i + 1; j < nv; j++)
            overlap_pair(c, "cidr-overlap", &c->vnet[j], &c->vnet[i],
                         "a VNet's address prefixes must not overlap");
    }
    if (nv == 0) { /* an existing VNet known only by its subnet */
        overlap_pair(c, "cidr-overlap", &c->pod, &c->subnet, "the pod range must lie outside the node subnet");
        overlap_pair(c, "cidr-overlap", &c->svc, &c->subnet, "the service range must lie outside the node subnet");
    }
}

static void rule_avoid_overlap(struct ctx *c)
{
    size_t nv = c->plan->vnet.address_prefix_count;
    for (size_t k = 0; k < c->plan->avoid_prefix_count; k++) {
        const char *why = "that range must stay free (on-premises or peered space)";
        overlap_pair(c, "avoid-overlap", &c->pod, &c->avoid[k], why);
        overlap_pair(c, "avoid-overlap", &c->svc, &c->avoid[k], why);
        for (size_t i = 0; i < nv; i++)
            overlap_pair(c, "avoid-overlap", &c->vnet[i], &c->avoid[k], why);
        if (nv == 0)
            overlap_pair(c, "avoid-overlap", &c->subnet, &c->avoid[k], why);
    }
}

static void rule_service_cidr_size(struct ctx *c)
{
    /* kube-apiserver refuses a service range with more than 20 host bits. */
    if (c->svc.ok && c->svc.cidr.len < 12)
        ERROR(c, "service-cidr-size", "cluster.serviceCidr",
              "%s is larger than /12, the most Kubernetes allows for services; use /12 to /28, e.g. 10.0.0.0/16",
              c->svc.text);
    else if (c->svc.ok && c->svc.cidr.len > 28)
        ERROR(c, "service-cidr-size", "cluster.serviceCidr",
              "%s is too small for the cluster's own services; use /12 to /28, e.g. 10.0.0.0/16", c->svc.text);
}

static void rule_dns_service_ip(struct ctx *c)
{
    const char *text = c->plan->cluster.dns_service_ip;
    const char *field = "cluster.dnsServiceIp";
    uint32_t ip;
    if (!text)
        return;
    if (!aksnet__ip_parse(text, &ip)) {
        ERROR(c, "dns-service-ip", field, "'%s' is not an IPv4 address", text);
        return;
    }
    if (!c->svc.ok)
        return;
    char suggest[AKSNET_IP_STRLEN] = "";
    uint32_t tenth;
    if (aksnet__cidr_nth(&c->svc.cidr, 10, &tenth) && aksnet__cidr_size(&c->svc.cidr) > 11)
        aksnet__ip_format(tenth, suggest);
    const char *why = NULL;
    if (!aksnet__cidr_contains_ip(&c->svc.cidr, ip))
        why = "is outside the service range";
    else if (ip == c->svc.cidr.addr)
        why = "is the network address of the service range";
    else if (ip == c->svc.cidr.addr + 1)
        why = "is taken by the kubernetes service: it is the first address of the service range";
    else if (ip == aksnet__cidr_last(&c->svc.cidr))
        why = "is the broadcast address of the service range";
    if (why)
        ERROR(c, "dns-service-ip", field, "%s %s %s; use another address in it%s%s", text, why, c->svc.text,
              *suggest ? ", conventionally " : "", suggest);
}

/* ---- node pools ---------------------------------------------------------- */

static bool pool_is_windows(const struct aksnet_node_pool *p)
{
    return p->os_type && strcasecmp(p->os_type, "Windows") == 0;
}

static void pool_field(char out[FIELD_MAX], size_t i, const char *key)
{
    snprintf(out, FIELD_MAX, "cluster.nodePools[%zu].%s", i, key);
}

/*
 * AKS keeps room on every pool for the pods it runs itself: maxPods times
 * the pool's smallest size must reach 30.  Sources: "The minimum value that
 * can be set for maximum pods per node is 10 if and only if the
 * configuration of each node pool has space for a minimum of 30 pods"
 * (learn.microsoft.com/azure/aks/concepts-network-ip-address-planning) and
 * "System node pools must support at least 30 pods"
 * (learn.microsoft.com/azure/aks/use-system-pools).  A User pool that may
 * be at 0 nodes holds nothing yet; AKS refuses such a plan only minutes in.
 */
static void rule_pool_pods(struct ctx *c, size_t i, const struct aksnet_node_pool *p)
{
    long nodes = p->enable_auto_scaling && p->min_count != AKSNET_PLAN_UNSET ? p->min_count : p->count;
    if (p->max_pods < 1)
        return; /* no pods a node: the max-pods range says so (fuzz_plan found the division by zero below) */
    if (nodes <= 0 && !ieq(p->mode, "System"))
        return;
    if (nodes < 1)
        nodes = 1;
    if (p->max_pods * nodes >= AKSNET_POOL_MIN_PODS)
        return;
    char f[FIELD_MAX];
    pool_field(f, i, "maxPods");
    long need = (AKSNET_POOL_MIN_PODS + p->max_pods - 1) / p->max_pods;
    ERROR(c, "pool-pods", f, "pool %s holds %ld pods (%ld a node x %ld nodes%s); AKS needs room for %d in every "
          "pool: raise maxPods to %ld or the pool to %ld nodes", p->name ? p->name : "?", p->max_pods * nodes,
          p->max_pods, nodes, p->enable_auto_scaling ? " at minCount" : "", AKSNET_POOL_MIN_PODS,
          (AKSNET_POOL_MIN_PODS + nodes - 1) / nodes, need);
}

/*
 * The seed page says 110 is the most pods a kubenet node may have; AKS has
 * since raised kubenet's maximum to 250 (concepts-network-ip-address-planning,
 * "Maximum pods per node"), so more than 110 is allowed but said.
 */
static void rule_max_pods_seed(struct ctx *c, const char *f, const struct aksnet_node_pool *p)
{
    if (is_kubenet(c->plan) && p->max_pods > AKSNET_KUBENET_SEED_MAX_PODS)
        WARN(c, "max-pods-seed", f, "%ld pods per node is above the %d the seed page allows for kubenet "
             "(AKS accepts up to %d today); check that your AKS environment does too", p->max_pods,
             AKSNET_KUBENET_SEED_MAX_PODS, AKSNET_KUBENET_MAX_PODS);
}

static void rule_pool_values(struct ctx *c, size_t i, const struct aksnet_node_pool *p)
{
    static const char *const os_types[] = {"Linux", "Windows", NULL};
    static const char *const modes[] = {"System", "User", NULL};
    char f[FIELD_MAX];
    pool_field(f, i, "osType");
    one_of(c, "plan-field", f, p->os_type, os_types, "Linux, Windows");
    pool_field(f, i, "mode");
    one_of(c, "plan-field", f, p->mode, modes, "System, User");
    if (pool_is_windows(p)) {
        pool_field(f, i, "osType");
        ERROR(c, "windows-kubenet", f, "pool %s runs Windows; kubenet supports Linux pools only "
              "(Windows needs Azure CNI)", p->name ? p->name : "?");
    }
    pool_field(f, i, "maxPods");
    if (is_kubenet(c->plan) && (p->max_pods < AKSNET_KUBENET_MIN_PODS || p->max_pods > AKSNET_KUBENET_MAX_PODS)) {
        ERROR(c, "max-pods", f, "%ld pods per node is outside kubenet's %d..%d", p->max_pods,
              AKSNET_KUBENET_MIN_PODS, AKSNET_KUBENET_MAX_PODS);
    } else {
        rule_max_pods_seed(c, f, p);
        rule_pool_pods(c, i, p);
    }
    pool_field(f, i, "count");
    long min = ieq(p->mode, "System") ? AKSNET_POOL_MIN_NODES : 0; /* User pools may scale to zero */
    if (p->count < min || p->count > AKSNET_POOL_MAX_NODES)
        ERROR(c, "node-count", f, "%ld nodes is outside a %s pool's %ld..%d", p->count,
              min ? "System" : "User", min, AKSNET_POOL_MAX_NODES);
    pool_field(f, i, "maxSurge");
    uint64_t surge;
    if (!aksnet_capacity_surge_nodes(p->max_surge, 0, &surge))
        ERROR(c, "max-surge", f, "'%s' is not a surge; give a node count such as \"1\" or a percentage "
              "of the pool such as \"33%%\" (1%%..100%%)", p->max_surge ? p->max_surge : "");
}

static void rule_pool_autoscaler(struct ctx *c, size_t i, const struct aksnet_node_pool *p)
{
    char f[FIELD_MAX];
    if (!p->enable_auto_scaling) {
        pool_field(f, i, p->min_count != AKSNET_PLAN_UNSET ? "minCount" : "maxCount");
        if (p->min_count != AKSNET_PLAN_UNSET || p->max_count != AKSNET_PLAN_UNSET)
            ERROR(c, "node-count", f, "minCount and maxCount apply only with enableAutoScaling: true");
        return;
    }
    pool_field(f, i, "minCount");
    if (p->min_count == AKSNET_PLAN_UNSET || p->max_count == AKSNET_PLAN_UNSET) {
        ERROR(c, "node-count", f, "enableAutoScaling needs both minCount and maxCount");
        return;
    }
    if (p->min_count < 0 || p->max_count > AKSNET_POOL_MAX_NODES || p->min_count > p->max_count)
        ERROR(c, "node-count", f, "minCount %ld and maxCount %ld must satisfy 0 <= minCount <= maxCount <= %d",
              p->min_count, p->max_count, AKSNET_POOL_MAX_NODES);
    else if (p->count < p->min_count || p->count > p->max_count)
        ERROR(c, "node-count", f, "count %ld is outside the autoscaler's range %ld..%ld", p->count,
              p->min_count, p->max_count);
}

static void rule_pool_name(struct ctx *c, size_t i, const struct aksnet_node_pool *p)
{
    char f[FIELD_MAX];
    pool_field(f, i, "name");
    if (!p->name)
        return;
    size_t max = pool_is_windows(p) ? 6 : 12, n = strlen(p->name);
    bool ok = n >= 1 && n <= max && islower((unsigned char)p->name[0]);
    for (size_t k = 0; ok && k < n; k++)
        ok = islower((unsigned char)p->name[k]) || isdigit((unsigned char)p->name[k]);
    if (!ok)
        ERROR(c, "name-invalid", f, "pool name '%s' must be 1..%zu lower-case letters and digits, starting "
              "with a letter", p->name, max);
    for (size_t k = 0; k < i; k++)
        if (eq(c->plan->cluster.node_pools[k].name, p->name))
            ERROR(c, "name-invalid", f, "pool name '%s' is used twice", p->name);
}

static void rule_pools(struct ctx *c)
{
    const struct aksnet_plan *p = c->plan;
    long total = 0;
    bool system = false;
    for (size_t i = 0; i < p->cluster.node_pool_count; i++) {
        const struct aksnet_node_pool *pool = &p->cluster.node_pools[i];
        if (pool->malformed)
            continue;
        rule_pool_values(c, i, pool);
        rule_pool_autoscaler(c, i, pool);
        rule_pool_name(c, i, pool);
        if (ieq(pool->mode, "System")) {
            system = true;
            if (pool_is_windows(pool)) {
                char f[FIELD_MAX];
                pool_field(f, i, "mode");
                ERROR(c, "system-pool", f, "a System pool must run Linux");
            }
        }
        long peak = aksnet_plan_pool_peak_nodes(pool);
        total += peak > 0 ? peak : 0;
    }
    if (!system)
        ERROR(c, "system-pool", "cluster.nodePools", "no pool has mode System; AKS needs at least one");
    if (is_kubenet(p) && total > AKSNET_KUBENET_MAX_NODES)
        ERROR(c, "node-count", "cluster.nodePools",
              "%ld nodes in all (at autoscaler maximum); kubenet allows at most %d, one route each in the "
              "route table", total, AKSNET_KUBENET_MAX_NODES);
}

/* ---- capacity: subnet and pod range -------------------------------------- */

bool aksnet__validate_demand(const struct aksnet_plan *p, uint64_t *nodes, uint64_t *surge)
{
    bool ok = true;
    *nodes = *surge = 0;
    for (size_t i = 0; i < p->cluster.node_pool_count; i++) {
        const struct aksnet_node_pool *pool = &p->cluster.node_pools[i];
        if (pool->malformed)
            continue;
        long peak = aksnet_plan_pool_peak_nodes(pool);
        uint64_t n = peak > 0 ? (uint64_t)peak : 0, s = 0;
        *nodes += n;
        if (aksnet_capacity_surge_nodes(pool->max_surge, n, &s))
            *surge += s;
        else
            ok = false;
    }
    return ok;
}

static void rule_subnet_capacity(struct ctx *c)
{
    if (!c->subnet.ok || !is_kubenet(c->plan))
        return;
    uint64_t nodes, surge;
    aksnet__validate_demand(c->plan, &nodes, &surge);
    struct aksnet_capacity cap;
    struct aksnet_capacity_input in = {.subnet_prefix = c->subnet.text, .plugin = AKSNET_PLUGIN_KUBENET,
                                       .max_pods = AKSNET_KUBENET_MAX_PODS, .surge_nodes = 0};
    if (aksnet_capacity_compute(&in, &cap, NULL) != AKSNET_OK)
        return;
    const char *f = "network.subnet.addressPrefix";
    if (nodes + surge > cap.usable)
        ERROR(c, "subnet-capacity", f,
              "%s has %llu usable addresses (Azure keeps %d) but the plan needs %llu: %llu nodes plus %llu "
              "for upgrade surge; use a larger subnet", c->subnet.text, (unsigned long long)cap.usable,
              AKSNET_SUBNET_RESERVED, (unsigned long long)(nodes + surge), (unsigned long long)nodes,
              (unsigned long long)surge);
    else if (cap.usable - (nodes + surge) < surge)
        WARN(c, "subnet-headroom", f,
             "%s leaves %llu free addresses after %llu nodes and %llu surge, less than one more upgrade "
             "surge (%llu); scaling up will run out", c->subnet.text,
             (unsigned long long)(cap.usable - nodes - surge), (unsigned long long)nodes,
             (unsigned long long)surge, (unsigned long long)surge);
}

static void rule_pod_cidr_capacity(struct ctx *c)
{
    if (!c->pod.ok || !is_kubenet(c->plan))
        return;
    uint64_t nodes, surge;
    aksnet__validate_demand(c->plan, &nodes, &surge);
    uint64_t blocks = aksnet__cidr_count_subnets(&c->pod.cidr, 24);
    if (blocks >= nodes + surge)
        return;
    uint8_t len = 24;
    while (len > 0 && ((uint64_t)1 << (24 - len)) < nodes + surge)
        len--;
    ERROR(c, "pod-cidr-capacity", "cluster.podCidr",
          "%s holds %llu /24 blocks but every node needs one: %llu nodes plus %llu surge; use a /%u or larger",
          c->pod.text, (unsigned long long)blocks, (unsigned long long)nodes, (unsigned long long)surge,
          (unsigned)len);
}

/* ---- plugin, policy, identity, outbound --------------------------------- */

static void rule_network_plugin(struct ctx *c)
{
    const char *v = c->plan->cluster.network_plugin;
    if (v && !is_kubenet(c->plan))
        ERROR(c, "network-plugin", "cluster.networkPlugin",
              "'%s': aksnet provisions kubenet clusters only (the seed's procedure); use kubenet", v);
}

static void rule_network_policy(struct ctx *c)
{
    const char *v = c->plan->cluster.network_policy;
    if (!v || ieq(v, "calico") || ieq(v, "none") || !is_kubenet(c->plan))
        return;
    ERROR(c, "network-policy", "cluster.networkPolicy", "'%s' is not available with kubenet; use calico or none%s",
          v, ieq(v, "azure") ? " (Azure network policy needs Azure CNI)" : "");
}

static void rule_identity(struct ctx *c)
{
    const struct aksnet_plan *p = c->plan;
    if (!ieq(p->identity.type, "SystemAssigned"))
        return;
    if (p->route_table.given)
        ERROR(c, "identity-byo-route-table", "network.routeTable",
              "an own route table needs a user-assigned identity: a system-assigned one cannot be granted "
              "rights on it before the cluster exists; set identity.type to UserAssigned");
    if (aksnet_plan_vnet_is_existing(p))
        ERROR(c, "identity-byo-route-table", "identity.type",
              "an existing subnet needs a user-assigned identity granted Network Contributor before the "
              "cluster is created; set identity.type to UserAssigned");
}

static void rule_outbound_type(struct ctx *c)
{
    if (ieq(c->plan->cluster.outbound_type, "managedNATGateway"))
        ERROR(c, "outbound-type", "cluster.outboundType",
              "managedNATGateway works only in a VNet AKS creates itself; with your own VNet use "
              "loadBalancer, userDefinedRouting or userAssignedNATGateway");
}

/* ---- routes -------------------------------------------------------------- */

/* A service tag ("Storage", "AzureCloud.chinaeast2"): UDRs accept them as destinations. */
static bool is_service_tag(const char *s)
{
    if (!s || !isalpha((unsigned char)s[0]) || strlen(s) > 80)
        return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '.')
            return false;
    return true;
}

static void rule_route(struct ctx *c, size_t i, const struct aksnet_route *r)
{
    static const char *const hops[] = {"VirtualAppliance", "Internet", "VnetLocal", "VirtualNetworkGateway",
                                       "None", NULL};
    char f[FIELD_MAX];
    struct aksnet__cidr dst;
    snprintf(f, sizeof(f), "network.routeTable.routes[%zu].addressPrefix", i);
    aksnet__cidr_status st = r->address_prefix ? aksnet__cidr_parse(r->address_prefix, &dst) : AKSNET_CIDR_EMPTY;
    if (st != AKSNET_CIDR_OK && !is_service_tag(r->address_prefix))
        ERROR(c, "route-invalid", f, "'%s' is neither a destination prefix (%s) nor a service tag",
              r->address_prefix ? r->address_prefix : "", aksnet__cidr_parse_strerror(st));
    snprintf(f, sizeof(f), "network.routeTable.routes[%zu].nextHopType", i);
    one_of(c, "route-invalid", f, r->next_hop_type, hops,
           "VirtualAppliance, Internet, VnetLocal, VirtualNetworkGateway, None");
    bool hop_known = false;
    for (size_t k = 0; hops[k] && r->next_hop_type; k++)
        hop_known = hop_known || ieq(r->next_hop_type, hops[k]);
    if (!r->next_hop_type)
        ERROR(c, "route-invalid", f, "missing next hop type");
    snprintf(f, sizeof(f), "network.routeTable.routes[%zu].nextHopIpAddress", i);
    uint32_t ip;
    bool appliance = ieq(r->next_hop_type, "VirtualAppliance");
    if (appliance && !r->next_hop_ip)
        ERROR(c, "route-invalid", f, "a VirtualAppliance route needs nextHopIpAddress");
    else if (appliance && !aksnet__ip_parse(r->next_hop_ip, &ip))
        ERROR(c, "route-invalid", f, "'%s' is not an IPv4 address", r->next_hop_ip);
    else if (!appliance && r->next_hop_ip && hop_known)
        ERROR(c, "route-invalid", f, "nextHopIpAddress is allowed only with nextHopType VirtualAppliance");
}

static void rule_routes(struct ctx *c)
{
    const struct aksnet_plan *p = c->plan;
    bool default_route = false;
    for (size_t i = 0; i < p->route_table.route_count; i++) {
        const struct aksnet_route *r = &p->route_table.routes[i];
        if (r->malformed)
            continue;
        rule_route(c, i, r);
        if (eq(r->address_prefix, "0.0.0.0/0") &&
            (ieq(r->next_hop_type, "VirtualAppliance") || ieq(r->next_hop_type, "VirtualNetworkGateway")))
            default_route = true;
    }
    if (ieq(p->cluster.outbound_type, "userDefinedRouting") && !default_route)
        ERROR(c, "outbound-route", "network.routeTable.routes",
              "outboundType userDefinedRouting needs a 0.0.0.0/0 route to a VirtualAppliance or "
              "VirtualNetworkGateway in the route table, or the nodes have no way out");
}

/* ---- names --------------------------------------------------------------- */

/* ARM's naming rule for one resource type. */
struct name_rule {
    size_t min, max;
    const char *extra;      /* allowed besides ASCII letters and digits */
    bool start_alnum;       /* first character a letter or digit */
    const char *end_extra;  /* allowed at the end besides letters and digits; NULL = anything allowed */
    bool unicode;           /* non-ASCII letters allowed (resource groups) */
};

static bool name_ok(const char *s, const struct name_rule *r)
{
    size_t n = strlen(s);
    if (n < r->min || n > r->max)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!isalnum(ch) && !(ch >= 0x80 && r->unicode) && !(ch && strchr(r->extra, ch)))
            return false;
    }
    if (r->start_alnum && !isalnum((unsigned char)s[0]))
        return false;
    unsigned char last = (unsigned char)s[n - 1];
    return !r->end_extra || isalnum(last) || (last >= 0x80 && r->unicode) || strchr(r->end_extra, last);
}

static void check_name(struct ctx *c, const char *field, const char *value, const struct name_rule *r,
                       const char *rule_text)
{
    if (value && !name_ok(value, r))
        ERROR(c, "name-invalid", field, "'%s' is not a valid name: %s", value, rule_text);
}

static void rule_names(struct ctx *c)
{
    static const struct name_rule rg = {1, 90, "_-.()", false, "_-()", true};
    static const struct name_rule vnet = {2, 64, "_-.", true, "_", false};
    static const struct name_rule subnet = {1, 80, "_-.", true, "_", false};
    static const struct name_rule identity = {3, 128, "-_", true, NULL, false};
    static const struct name_rule cluster = {1, 63, "_-", true, "", false};
    static const struct name_rule dns = {1, 54, "-", true, "", false};
    const struct aksnet_plan *p = c->plan;
    const char *net_text = "letters, digits, '_', '-' and '.', starting with a letter or digit and ending "
                           "with a letter, digit or '_'";
    check_name(c, "resourceGroup", p->resource_group, &rg,
               "1..90 letters, digits, '_', '-', '.', '(' and ')', not ending in '.'");
    if (!eq(p->vnet.resource_group, p->resource_group))
        check_name(c, "network.vnet.resourceGroup", p->vnet.resource_group, &rg,
                   "1..90 letters, digits, '_', '-', '.', '(' and ')', not ending in '.'");
    check_name(c, "network.vnet.name", p->vnet.name, &vnet, "2..64 letters, digits, '_', '-' and '.', starting "
               "with a letter or digit and ending with a letter, digit or '_'");
    check_name(c, "network.subnet.name", p->subnet.name, &subnet, net_text);
    check_name(c, "network.routeTable.name", p->route_table.name, &subnet, net_text);
    for (size_t i = 0; i < p->route_table.route_count; i++) {
        char f[FIELD_MAX];
        snprintf(f, sizeof(f), "network.routeTable.routes[%zu].name", i);
        if (p->route_table.routes[i].malformed)
            continue;
        if (!p->route_table.routes[i].name)
            ERROR(c, "route-invalid", f, "every route needs a name");
        check_name(c, f, p->route_table.routes[i].name, &subnet, net_text);
        for (size_t k = 0; k < i; k++)
            if (eq(p->route_table.routes[k].name, p->route_table.routes[i].name))
                ERROR(c, "name-invalid", f, "route name '%s' is used twice", p->route_table.routes[i].name);
    }
    check_name(c, "identity.name", p->identity.name, &identity,
               "3..128 letters, digits, '-' and '_', starting with a letter or digit");
    check_name(c, "cluster.name", p->cluster.name, &cluster,
               "1..63 letters, digits, '_' and '-', starting and ending with a letter or digit");
    check_name(c, "cluster.dnsPrefix", p->cluster.dns_prefix, &dns,
               "1..54 letters, digits and '-', starting and ending with a letter or digit");
}

static void rule_tags(struct ctx *c)
{
    const struct aksnet_plan *p = c->plan;
    if (p->tag_count > 50)
        ERROR(c, "name-invalid", "tags", "%zu tags; Azure allows at most 50 on a resource", p->tag_count);
    for (size_t i = 0; i < p->tag_count; i++) {
        char f[FIELD_MAX];
        const struct aksnet_tag *t = &p->tags[i];
        snprintf(f, sizeof(f), "tags.%s", t->key);
        size_t kn = strlen(t->key);
        if (kn == 0 || kn > 512 || strpbrk(t->key, "<>%&\\?/"))
            ERROR(c, "name-invalid", f, "tag name '%s' must be 1..512 characters without < > %% & \\ ? /", t->key);
        if (strlen(t->value) > 256)
            ERROR(c, "name-invalid", f, "tag value is %zu characters; at most 256", strlen(t->value));
    }
}

/* ---- the table ------------------------------------------------------------ */

static const struct aksnet_rule rules[] = {
    { "plan-syntax", AKSNET_SEVERITY_ERROR, "the plan file is unreadable or not JSON (line and column)" },
    { "plan-field", AKSNET_SEVERITY_ERROR, "unknown key, wrong type, missing or unknown value" },
    { "cidr-invalid", AKSNET_SEVERITY_ERROR, "not an IPv4 prefix, or host bits set" },
    { "reserved-range", AKSNET_SEVERITY_ERROR, "VNet, pod or service range overlaps a range AKS reserves" },
    { "subnet-outside-vnet", AKSNET_SEVERITY_ERROR, "the subnet is not inside the VNet's address space" },
    { "cidr-overlap", AKSNET_SEVERITY_ERROR, "pod, service and VNet ranges overlap each other" },
    { "avoid-overlap", AKSNET_SEVERITY_ERROR, "a range overlaps an avoidPrefixes entry" },
    { "service-cidr-size", AKSNET_SEVERITY_ERROR, "service range larger than /12 or smaller than /28 (aksnet)" },
    { "dns-service-ip", AKSNET_SEVERITY_ERROR, "DNS IP outside the service range, or its network, .1 or broadcast" },
    { "max-pods", AKSNET_SEVERITY_ERROR, "pods per node outside 10..250 for kubenet" },
    { "max-pods-seed", AKSNET_SEVERITY_WARNING, "more than the seed's 110 pods per node for kubenet (AKS allows 250)" },
    { "node-count", AKSNET_SEVERITY_ERROR, "over 400 nodes in all, a pool outside 1..1000, or a bad autoscaler range" },
    { "pool-pods", AKSNET_SEVERITY_ERROR, "a pool with room for fewer than 30 pods (maxPods x nodes)" },
    { "max-surge", AKSNET_SEVERITY_ERROR, "maxSurge is not a node count or a percentage (aksnet)" },
    { "system-pool", AKSNET_SEVERITY_ERROR, "no System pool, or a Windows System pool (aksnet)" },
    { "subnet-capacity", AKSNET_SEVERITY_ERROR, "nodes plus upgrade surge exceed the subnet's usable addresses" },
    { "pod-cidr-capacity", AKSNET_SEVERITY_ERROR, "the pod range cannot give every node (plus surge) a /24" },
    { "windows-kubenet", AKSNET_SEVERITY_ERROR, "a Windows pool: kubenet supports Linux only" },
    { "network-plugin", AKSNET_SEVERITY_ERROR, "a network plugin other than kubenet (aksnet)" },
    { "network-policy", AKSNET_SEVERITY_ERROR, "a network policy other than calico or none with kubenet" },
    { "identity-byo-route-table", AKSNET_SEVERITY_ERROR,
      "own route table or own subnet with a system-assigned identity" },
    { "outbound-type", AKSNET_SEVERITY_ERROR, "managedNATGateway with your own VNet (aksnet)" },
    { "name-invalid", AKSNET_SEVERITY_ERROR, "a name or tag ARM would refuse, or a name used twice" },
    { "subscription-invalid", AKSNET_SEVERITY_ERROR, "no subscription, or not a GUID" },
    { "location-missing", AKSNET_SEVERITY_ERROR, "no location, or not a location name" },
    { "location-cloud", AKSNET_SEVERITY_ERROR, "the location belongs to another cloud (aksnet)" },
    { "route-invalid", AKSNET_SEVERITY_ERROR, "a route's name, prefix or next hop is malformed" },
    { "outbound-route", AKSNET_SEVERITY_ERROR,
      "userDefinedRouting without a 0.0.0.0/0 route to an appliance or gateway" },
    { "subnet-headroom", AKSNET_SEVERITY_WARNING, "less room than one more upgrade surge" },
};

const struct aksnet_rule *aksnet_validate_rules(size_t *count)
{
    *count = sizeof(rules) / sizeof(rules[0]);
    return rules;
}

aksnet_code aksnet_validate_plan(const struct aksnet_plan *plan, struct aksnet_findings *out)
{
    struct ctx c = {.plan = plan, .out = out, .rc = AKSNET_OK};
    if (!parse_ranges(&c)) {
        free(c.vnet);
        free(c.avoid);
        return AKSNET_ENOMEM;
    }
    void (*const checks[])(struct ctx *) = {
        rule_required, rule_enums, rule_role_wait, rule_subscription, rule_location, rule_reserved_range,
        rule_subnet_outside_vnet, rule_cidr_overlap, rule_avoid_overlap, rule_service_cidr_size,
        rule_dns_service_ip, rule_pools, rule_subnet_capacity, rule_pod_cidr_capacity,
        rule_network_plugin, rule_network_policy, rule_identity, rule_outbound_type, rule_routes,
        rule_names, rule_tags,
    };
    for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
        checks[i](&c);
    free(c.vnet);
    free(c.avoid);
    return c.rc;
}
