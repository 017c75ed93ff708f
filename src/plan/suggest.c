/*
 * suggest.c - choose the ranges a plan leaves out (the rules are in
 * include/aksnet/suggest.h and docs/plan.md).
 *
 * Every range a choice must stay clear of goes into one list, with where it
 * comes from and which of the choices it binds.  A choice merges the ranges
 * that bind it into sorted spans and asks cidr.c for the lowest free aligned
 * block of the size it needs; a choice made joins the list for the next ones.
 * The sizes come from capacity.c and the demand and the reserved ranges from
 * validate.c, so what is suggested is what the validator then accepts.
 */
#include "aksnet/suggest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aksnet/capacity.h"
#include "cidr.h"
#include "validate_internal.h"

#define TEXT_MAX 640

/* The choices a listed range binds. */
#define BINDS_SUBNET AKSNET_SUGGEST_SUBNET
#define BINDS_POD AKSNET_SUGGEST_POD_CIDR
#define BINDS_SERVICE AKSNET_SUGGEST_SERVICE_CIDR
#define BINDS_ALL (BINDS_SUBNET | BINDS_POD | BINDS_SERVICE)

/* AKS's defaults (https://learn.microsoft.com/azure/aks/configure-kubenet: --pod-cidr 10.244.0.0/16,
 * --service-cidr 10.0.0.0/16, --dns-service-ip 10.0.0.10), the same as plan.c's. */
#define DEFAULT_POD_CIDR "10.244.0.0/16"
#define DEFAULT_SERVICE_CIDR "10.0.0.0/16"
/* The service range's preferred size (AKS's default's) and the smallest aksnet falls back to. */
#define SERVICE_LEN 16
#define SERVICE_MIN_LEN 24
/* The DNS address is the service range's tenth, as 10.0.0.10 is of 10.0.0.0/16. */
#define DNS_NTH 10

/*
 * Where a pod or service range is looked for when AKS's default is not free: RFC 1918's private space, the
 * ranges Azure's VNet FAQ recommends (https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq,
 * "What address ranges can I use in my virtual networks?").
 */
static const char *const private_ranges[] = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"};
#define PRIVATE_TEXT "10.0.0.0/8, 172.16.0.0/12 and 192.168.0.0/16"
#define N_PRIVATE (sizeof(private_ranges) / sizeof(private_ranges[0]))

/* A range to stay clear of. */
struct listed {
    struct aksnet__cidr cidr;
    char what[96];   /* where it comes from: "the VNet", "avoidPrefixes", a taken range's source */
    unsigned binds;  /* BINDS_* */
};

struct ctx {
    const struct aksnet_plan *plan;
    struct aksnet_error *err;
    struct aksnet_suggestion *out;
    unsigned choose;                  /* AKSNET_SUGGEST_* bits */
    struct listed *list;
    size_t count, cap;
    struct aksnet__cidr_span *spans;  /* scratch for one choice, cap entries */
    struct aksnet__cidr *vnet;        /* the VNet's address space, parsed */
    size_t vnet_count;
    struct aksnet__cidr privates[N_PRIVATE];
    struct aksnet_capacity_need need;
};

/* ---- small helpers -------------------------------------------------------- */

static char *dup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *dup_printf(const char *fmt, ...)
{
    char buf[TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return strdup(buf);
}

static const char *cidr_text(const struct aksnet__cidr *c, char buf[AKSNET_CIDR_STRLEN])
{
    return aksnet__cidr_format(c, buf);
}

static unsigned long long ull(uint64_t v)
{
    return (unsigned long long)v;
}

/* Add a range to the list; false when out of memory. */
static bool list_add(struct ctx *c, const struct aksnet__cidr *cidr, unsigned binds, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool list_add(struct ctx *c, const struct aksnet__cidr *cidr, unsigned binds, const char *fmt, ...)
{
    if (c->count == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        struct listed *l = realloc(c->list, cap * sizeof(*l));
        if (!l)
            return false;
        c->list = l;
        struct aksnet__cidr_span *s = realloc(c->spans, cap * sizeof(*s));
        if (!s)
            return false;
        c->spans = s;
        c->cap = cap;
    }
    struct listed *e = &c->list[c->count++];
    e->cidr = *cidr;
    e->binds = binds;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->what, sizeof(e->what), fmt, ap);
    va_end(ap);
    return true;
}

/* Parse one of the plan's values; AKSNET_EPLAN with its field named when it is not a prefix. */
static aksnet_code parse_plan_cidr(struct ctx *c, const char *text, const char *field, struct aksnet__cidr *out)
{
    aksnet__cidr_status st = aksnet__cidr_parse(text, out);
    if (st != AKSNET_CIDR_OK)
        return aksnet_error_set(c->err, AKSNET_EPLAN, "%s '%.64s': %s (aksnet validate says more)", field,
                                text ? text : "", aksnet__cidr_parse_strerror(st));
    return AKSNET_OK;
}

/* The merged spans of every listed range that binds `bit`; returns how many. */
static size_t spans_for(struct ctx *c, unsigned bit)
{
    size_t n = 0;
    for (size_t i = 0; i < c->count; i++)
        if (c->list[i].binds & bit)
            c->spans[n++] = aksnet__cidr_span_of(&c->list[i].cidr);
    return aksnet__cidr_spans_merge(c->spans, n);
}

/* The lowest free /len for choice `bit` in the first of `within` that has one. */
static bool first_free(struct ctx *c, unsigned bit, const struct aksnet__cidr *within, size_t nwithin, uint8_t len,
                       struct aksnet__cidr *found)
{
    size_t n = spans_for(c, bit);
    for (size_t i = 0; i < nwithin; i++)
        if (aksnet__cidr_first_free(&within[i], c->spans, n, len, found))
            return true;
    return false;
}

/*
 * What is left for choice `bit` in `within` (named `where`), for a "nothing
 * fits" message: "the largest free block of WHERE is 10.1.2.0/26 (64
 * addresses)", or "no address of WHERE is free".
 */
static void room_left(struct ctx *c, unsigned bit, const struct aksnet__cidr *within, size_t nwithin,
                      const char *where, char *buf, size_t size)
{
    size_t n = spans_for(c, bit);
    struct aksnet__cidr best = {0, 0}, one;
    bool any = false;
    for (size_t i = 0; i < nwithin; i++)
        if (aksnet__cidr_largest_free(&within[i], c->spans, n, &one) && (!any || one.len < best.len)) {
            best = one;
            any = true;
        }
    char t[AKSNET_CIDR_STRLEN];
    if (any)
        snprintf(buf, size, "the largest free block of %s is %s (%llu addresses)", where, cidr_text(&best, t),
                 ull(aksnet__cidr_size(&best)));
    else
        snprintf(buf, size, "no address of %s is free", where);
}

/* The first listed range binding `bit` that overlaps cidr; NULL when cidr is free for that choice. */
static const struct listed *blocker(const struct ctx *c, unsigned bit, const struct aksnet__cidr *cidr)
{
    for (size_t i = 0; i < c->count; i++)
        if ((c->list[i].binds & bit) && aksnet__cidr_overlaps(&c->list[i].cidr, cidr))
            return &c->list[i];
    return NULL;
}

/* "the VNet's 10.0.0.0/16, 10.1.0.0/16" */
static void vnet_text(const struct ctx *c, char *buf, size_t size)
{
    size_t w = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < c->vnet_count && w < size; i++) {
        char t[AKSNET_CIDR_STRLEN];
        int k = snprintf(buf + w, size - w, "%s%s", i ? ", " : "", cidr_text(&c->vnet[i], t));
        w += k > 0 ? (size_t)k : 0;
    }
}

/* Record a value: chosen or kept, with its explanation (already formatted, owned by the choice). */
static aksnet_code set_choice(struct aksnet_suggest_choice *ch, const char *value, bool chosen, char *explanation)
{
    ch->value = value ? strdup(value) : NULL;
    ch->chosen = chosen;
    ch->explanation = explanation;
    return (value && !ch->value) || !explanation ? AKSNET_ENOMEM : AKSNET_OK;
}

/* ---- what to stay clear of ------------------------------------------------ */

static const char *kind_text(aksnet_taken_kind kind)
{
    switch (kind) {
    case AKSNET_TAKEN_SUBNET: return "a subnet of the VNet";
    case AKSNET_TAKEN_PEERED_VNET: return "a peered VNet";
    case AKSNET_TAKEN_CLUSTER_POD: return "another cluster's pod range";
    case AKSNET_TAKEN_CLUSTER_SERVICE: return "another cluster's service range";
    case AKSNET_TAKEN_OTHER: break;
    }
    return "taken";
}

static aksnet_code list_taken(struct ctx *c, const struct aksnet_taken *taken, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        struct aksnet__cidr t;
        aksnet__cidr_status st = aksnet__cidr_parse(taken[i].cidr, &t);
        if (st != AKSNET_CIDR_OK)
            return aksnet_error_set(c->err, AKSNET_EINVAL, "taken range '%.64s'%s%.64s: %s",
                                    taken[i].cidr ? taken[i].cidr : "", taken[i].source ? " from " : "",
                                    taken[i].source ? taken[i].source : "", aksnet__cidr_parse_strerror(st));
        /* Another cluster's service addresses are virtual inside that cluster: our own may repeat them. */
        unsigned binds = taken[i].kind == AKSNET_TAKEN_CLUSTER_SERVICE ? BINDS_SUBNET | BINDS_POD : BINDS_ALL;
        if (!list_add(c, &t, binds, "%s", taken[i].source ? taken[i].source : kind_text(taken[i].kind)))
            return AKSNET_ENOMEM;
    }
    return AKSNET_OK;
}

/* The plan's own ranges, the reserved ones and the taken ones; the values to choose stay out. */
static aksnet_code list_fixed(struct ctx *c, unsigned choose, const struct aksnet_taken *taken, size_t count)
{
    const struct aksnet_plan *p = c->plan;
    struct aksnet__cidr r;
    aksnet_code rc;
    char field[64];
    c->vnet = calloc(p->vnet.address_prefix_count + 1, sizeof(*c->vnet));
    if (!c->vnet)
        return AKSNET_ENOMEM;
    for (size_t i = 0; i < p->vnet.address_prefix_count; i++) {
        snprintf(field, sizeof(field), "network.vnet.addressPrefixes[%zu]", i);
        if ((rc = parse_plan_cidr(c, p->vnet.address_prefixes[i], field, &c->vnet[i])) != AKSNET_OK)
            return rc;
        c->vnet_count++;
        if (!list_add(c, &c->vnet[i], BINDS_POD | BINDS_SERVICE, "the VNet"))
            return AKSNET_ENOMEM;
    }
    for (size_t i = 0; i < p->avoid_prefix_count; i++) {
        snprintf(field, sizeof(field), "network.avoidPrefixes[%zu]", i);
        if ((rc = parse_plan_cidr(c, p->avoid_prefixes[i], field, &r)) != AKSNET_OK)
            return rc;
        if (!list_add(c, &r, BINDS_ALL, "avoidPrefixes"))
            return AKSNET_ENOMEM;
    }
    size_t nres;
    const char *const *res = aksnet__validate_reserved_ranges(&nres);
    for (size_t i = 0; i < nres; i++)
        if (aksnet__cidr_parse(res[i], &r) != AKSNET_CIDR_OK || !list_add(c, &r, BINDS_ALL, "reserved by AKS"))
            return AKSNET_ENOMEM;
    const struct { unsigned bit; const char *text, *field, *what; unsigned binds; } own[] = {
        {AKSNET_SUGGEST_SUBNET, p->subnet.address_prefix, "network.subnet.addressPrefix", "the node subnet",
         BINDS_POD | BINDS_SERVICE},
        {AKSNET_SUGGEST_POD_CIDR, p->cluster.pod_cidr, "cluster.podCidr", "the pod range",
         BINDS_SUBNET | BINDS_SERVICE},
        {AKSNET_SUGGEST_SERVICE_CIDR, p->cluster.service_cidr, "cluster.serviceCidr", "the service range",
         BINDS_SUBNET | BINDS_POD},
    };
    for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
        if ((choose & own[i].bit) || !own[i].text)
            continue;
        if ((rc = parse_plan_cidr(c, own[i].text, own[i].field, &r)) != AKSNET_OK)
            return rc;
        if (!list_add(c, &r, own[i].binds, "%s", own[i].what))
            return AKSNET_ENOMEM;
    }
    return list_taken(c, taken, count);
}

/* ---- the choices ---------------------------------------------------------- */

static aksnet_code choose_subnet(struct ctx *c)
{
    char vt[TEXT_MAX / 4], where[TEXT_MAX / 4], t[AKSNET_CIDR_STRLEN], gap[TEXT_MAX / 2];
    uint64_t nodes = c->out->nodes, surge = c->out->surge;
    uint8_t len = c->need.subnet_len;
    if (c->vnet_count == 0)
        return aksnet_error_set(c->err, AKSNET_EPLAN, "choosing the node subnet needs the VNet's address space: "
                                "give network.vnet.addressPrefixes");
    vnet_text(c, vt, sizeof(vt));
    struct aksnet__cidr found;
    if (!first_free(c, BINDS_SUBNET, c->vnet, c->vnet_count, len, &found)) {
        snprintf(where, sizeof(where), "the VNet (%s)", vt);
        room_left(c, BINDS_SUBNET, c->vnet, c->vnet_count, where, gap, sizeof(gap));
        return aksnet_error_set(c->err, AKSNET_EPLAN,
                                "no room for the node subnet: %llu nodes at the pools' largest size plus %llu "
                                "upgrade surge need %llu addresses with Azure's %d, a /%u, but %s",
                                ull(nodes), ull(surge), ull(c->need.addresses), AKSNET_SUBNET_RESERVED,
                                (unsigned)len, gap);
    }
    char *why;
    if (c->need.addresses < aksnet__cidr_size(&found) && len == 29)
        why = dup_printf("%llu nodes at the pools' largest size plus %llu upgrade surge need %llu addresses with "
                         "Azure's %d; a /29 is Azure's smallest subnet, and %s is the lowest free one in the VNet "
                         "(%s)", ull(nodes), ull(surge), ull(c->need.addresses), AKSNET_SUBNET_RESERVED,
                         cidr_text(&found, t), vt);
    else
        why = dup_printf("%llu nodes at the pools' largest size plus %llu upgrade surge need %llu addresses with "
                         "Azure's %d; a /%u (%llu addresses) is the smallest that holds them, and %s is the lowest "
                         "free one in the VNet (%s)", ull(nodes), ull(surge), ull(c->need.addresses),
                         AKSNET_SUBNET_RESERVED, (unsigned)len, ull(aksnet__cidr_size(&found)), cidr_text(&found, t),
                         vt);
    aksnet_code rc = set_choice(&c->out->subnet, cidr_text(&found, t), true, why);
    if (rc == AKSNET_OK && !list_add(c, &found, BINDS_POD | BINDS_SERVICE, "the node subnet"))
        rc = AKSNET_ENOMEM;
    return rc;
}

/* Why AKS's default cannot be kept, for an explanation. */
static void default_refused(const struct ctx *c, unsigned bit, const struct aksnet__cidr *def, bool too_small,
                            char *buf, size_t size)
{
    char a[AKSNET_CIDR_STRLEN], b[AKSNET_CIDR_STRLEN];
    const struct listed *l = too_small ? NULL : blocker(c, bit, def);
    if (l)
        snprintf(buf, size, "AKS's default %s overlaps %s (%s)", cidr_text(def, a), cidr_text(&l->cidr, b), l->what);
    else
        snprintf(buf, size, "AKS's default %s is too small", cidr_text(def, a));
}

static aksnet_code choose_pod(struct ctx *c)
{
    char t[AKSNET_CIDR_STRLEN], refused[TEXT_MAX / 2], gap[TEXT_MAX / 2];
    uint64_t nodes = c->out->nodes, surge = c->out->surge, blocks = c->need.pod_blocks;
    uint8_t len = c->need.pod_cidr_len;
    struct aksnet__cidr def, found;
    aksnet__cidr_parse(DEFAULT_POD_CIDR, &def);
    bool fits = len >= def.len;
    char *why;
    if (fits && !blocker(c, BINDS_POD, &def)) {
        found = def;
        why = dup_printf("AKS's default %s is free and gives each of the %llu nodes and %llu surge nodes a /24 "
                         "(it holds %llu)", DEFAULT_POD_CIDR, ull(nodes), ull(surge),
                         ull(aksnet__cidr_count_subnets(&def, 24)));
    } else if (first_free(c, BINDS_POD, c->privates, N_PRIVATE, len, &found)) {
        default_refused(c, BINDS_POD, &def, !fits, refused, sizeof(refused));
        why = dup_printf("%llu nodes plus %llu surge need %llu /24 blocks, a /%u; %s, and %s is the lowest free /%u "
                         "of %s outside the VNet, the subnet, avoidPrefixes, reserved and taken ranges",
                         ull(nodes), ull(surge), ull(blocks), (unsigned)len, refused, cidr_text(&found, t),
                         (unsigned)len, PRIVATE_TEXT);
    } else {
        room_left(c, BINDS_POD, c->privates, N_PRIVATE, PRIVATE_TEXT " outside the VNet, avoidPrefixes, reserved "
                  "and taken ranges", gap, sizeof(gap));
        return aksnet_error_set(c->err, AKSNET_EPLAN, "no room for the pod range: %llu nodes plus %llu surge need a "
                                "/24 each, a /%u, but %s", ull(nodes), ull(surge), (unsigned)len, gap);
    }
    aksnet_code rc = set_choice(&c->out->pod_cidr, cidr_text(&found, t), true, why);
    if (rc == AKSNET_OK && !list_add(c, &found, BINDS_SUBNET | BINDS_SERVICE, "the pod range"))
        rc = AKSNET_ENOMEM;
    return rc;
}

/* True if ip may be the DNS address of svc: inside, and not its network, first or broadcast address. */
static bool dns_fits(const struct aksnet__cidr *svc, uint32_t ip)
{
    return aksnet__cidr_contains_ip(svc, ip) && ip != svc->addr && ip != svc->addr + 1 &&
           ip != aksnet__cidr_last(svc);
}

/* Only the DNS address is given: the largest free range around it, /16 to /24. */
static aksnet_code service_around_dns(struct ctx *c, uint32_t dns, struct aksnet__cidr *found, char **why)
{
    char ip[AKSNET_IP_STRLEN], t[AKSNET_CIDR_STRLEN];
    aksnet__ip_format(dns, ip);
    for (uint8_t len = SERVICE_LEN; len <= SERVICE_MIN_LEN; len++) {
        struct aksnet__cidr cand = {dns & aksnet__cidr_mask(len), len};
        if (!dns_fits(&cand, dns) || blocker(c, BINDS_SERVICE, &cand))
            continue;
        *found = cand;
        *why = dup_printf("the plan gives the DNS address %s; %s is the largest free range around it (a /%u at "
                          "most, as AKS's default 10.0.0.0/16)", ip, cidr_text(&cand, t), (unsigned)SERVICE_LEN);
        return AKSNET_OK;
    }
    return aksnet_error_set(c->err, AKSNET_EPLAN, "no room for the service range around the plan's DNS address %s: "
                            "no /%u to /%u holding it is free of the VNet, the subnet, the pod range, avoidPrefixes, "
                            "reserved and taken ranges", ip, (unsigned)SERVICE_LEN, (unsigned)SERVICE_MIN_LEN);
}

static aksnet_code choose_service(struct ctx *c)
{
    char t[AKSNET_CIDR_STRLEN], refused[TEXT_MAX / 2], gap[TEXT_MAX / 2];
    struct aksnet__cidr def, found;
    aksnet__cidr_parse(DEFAULT_SERVICE_CIDR, &def);
    char *why = NULL;
    uint32_t dns;
    const char *dns_text = c->plan->cluster.dns_service_ip;
    bool dns_given = dns_text && !(c->choose & AKSNET_SUGGEST_DNS_SERVICE_IP) && aksnet__ip_parse(dns_text, &dns);
    if (dns_given) {
        aksnet_code rc = service_around_dns(c, dns, &found, &why);
        if (rc != AKSNET_OK)
            return rc;
    } else if (!blocker(c, BINDS_SERVICE, &def)) {
        found = def;
        why = dup_printf("AKS's default %s is free", DEFAULT_SERVICE_CIDR);
    } else {
        uint8_t len = SERVICE_LEN;
        while (len <= SERVICE_MIN_LEN && !first_free(c, BINDS_SERVICE, c->privates, N_PRIVATE, len, &found))
            len++;
        if (len > SERVICE_MIN_LEN) {
            room_left(c, BINDS_SERVICE, c->privates, N_PRIVATE, PRIVATE_TEXT " outside the VNet, the pod range, "
                      "avoidPrefixes, reserved and taken ranges", gap, sizeof(gap));
            return aksnet_error_set(c->err, AKSNET_EPLAN, "no room for the service range: it needs a /%u to a /%u, "
                                    "but %s", (unsigned)SERVICE_LEN, (unsigned)SERVICE_MIN_LEN, gap);
        }
        default_refused(c, BINDS_SERVICE, &def, false, refused, sizeof(refused));
        why = dup_printf("%s; %s is the lowest free %s/%u of %s outside the VNet, the subnet, the pod range, "
                         "avoidPrefixes, reserved and taken ranges", refused, cidr_text(&found, t),
                         len == SERVICE_LEN ? "" : "(largest) ", (unsigned)len, PRIVATE_TEXT);
    }
    aksnet_code rc = set_choice(&c->out->service_cidr, cidr_text(&found, t), true, why);
    if (rc == AKSNET_OK && !list_add(c, &found, BINDS_SUBNET | BINDS_POD, "the service range"))
        rc = AKSNET_ENOMEM;
    return rc;
}

static aksnet_code choose_dns(struct ctx *c)
{
    struct aksnet__cidr svc;
    char ip[AKSNET_IP_STRLEN];
    aksnet_code rc = parse_plan_cidr(c, c->out->service_cidr.value, "cluster.serviceCidr", &svc);
    if (rc != AKSNET_OK)
        return rc;
    uint32_t addr;
    uint64_t nth = aksnet__cidr_size(&svc) > DNS_NTH + 1 ? DNS_NTH : aksnet__cidr_size(&svc) / 2;
    if (!aksnet__cidr_nth(&svc, nth, &addr) || !dns_fits(&svc, addr))
        return aksnet_error_set(c->err, AKSNET_EPLAN, "the service range %s is too small for a DNS address",
                                c->out->service_cidr.value);
    return set_choice(&c->out->dns_service_ip, aksnet__ip_format(addr, ip), true,
                      dup_printf("address %llu of the service range %s, as AKS's default 10.0.0.10 is of "
                                 "10.0.0.0/16", ull(nth), c->out->service_cidr.value));
}

/* ---- the whole suggestion ------------------------------------------------- */

/* What every pool needs, as capacity.c computes it; AKSNET_EPLAN when the plan cannot say. */
static aksnet_code demand(struct ctx *c)
{
    const struct aksnet_plan *p = c->plan;
    if (!p->cluster.network_plugin || strcasecmp(p->cluster.network_plugin, "kubenet") != 0)
        return aksnet_error_set(c->err, AKSNET_EPLAN, "aksnet chooses ranges for kubenet clusters only, not '%.32s'",
                                p->cluster.network_plugin ? p->cluster.network_plugin : "");
    if (!aksnet__validate_demand(p, &c->out->nodes, &c->out->surge))
        return aksnet_error_set(c->err, AKSNET_EPLAN, "a pool's maxSurge is not a node count or a percentage; "
                                "aksnet validate says which");
    struct aksnet_capacity_demand d = {.plugin = AKSNET_PLUGIN_KUBENET,
                                       .max_pods = aksnet_capacity_default_max_pods(AKSNET_PLUGIN_KUBENET),
                                       .nodes = c->out->nodes, .surge_nodes = c->out->surge};
    struct aksnet_error e;
    if (aksnet_capacity_needed(&d, &c->need, &e) != AKSNET_OK)
        return aksnet_error_set(c->err, AKSNET_EPLAN, "the node pools: %s", e.message);
    return AKSNET_OK;
}

/* The values not chosen are the plan's own. */
static aksnet_code keep_given(struct ctx *c, unsigned choose)
{
    const struct aksnet_plan *p = c->plan;
    struct { unsigned bit; struct aksnet_suggest_choice *ch; const char *value; } keep[] = {
        {AKSNET_SUGGEST_SUBNET, &c->out->subnet, p->subnet.address_prefix},
        {AKSNET_SUGGEST_POD_CIDR, &c->out->pod_cidr, p->cluster.pod_cidr},
        {AKSNET_SUGGEST_SERVICE_CIDR, &c->out->service_cidr, p->cluster.service_cidr},
        {AKSNET_SUGGEST_DNS_SERVICE_IP, &c->out->dns_service_ip, p->cluster.dns_service_ip},
    };
    for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
        if (choose & keep[i].bit)
            continue;
        aksnet_code rc = set_choice(keep[i].ch, keep[i].value, false,
                                    strdup(keep[i].value ? "given by the plan" : "not given (ARM holds it)"));
        if (rc != AKSNET_OK)
            return rc;
    }
    return AKSNET_OK;
}

unsigned aksnet_suggest_missing(const struct aksnet_plan *plan)
{
    unsigned m = 0;
    if (!plan->subnet.address_prefix && !aksnet_plan_vnet_is_existing(plan))
        m |= AKSNET_SUGGEST_SUBNET;
    if (!plan->cluster.pod_cidr)
        m |= AKSNET_SUGGEST_POD_CIDR;
    if (!plan->cluster.service_cidr)
        m |= AKSNET_SUGGEST_SERVICE_CIDR;
    if (!plan->cluster.dns_service_ip)
        m |= AKSNET_SUGGEST_DNS_SERVICE_IP;
    return m;
}

static aksnet_code run(struct ctx *c, unsigned choose, const struct aksnet_taken *taken, size_t count)
{
    aksnet_code rc;
    for (size_t i = 0; i < N_PRIVATE; i++)
        aksnet__cidr_parse(private_ranges[i], &c->privates[i]);
    if ((rc = demand(c)) != AKSNET_OK || (rc = list_fixed(c, choose, taken, count)) != AKSNET_OK ||
        (rc = keep_given(c, choose)) != AKSNET_OK)
        return rc;
    if ((choose & AKSNET_SUGGEST_SUBNET) && (rc = choose_subnet(c)) != AKSNET_OK)
        return rc;
    if ((choose & AKSNET_SUGGEST_POD_CIDR) && (rc = choose_pod(c)) != AKSNET_OK)
        return rc;
    if ((choose & AKSNET_SUGGEST_SERVICE_CIDR) && (rc = choose_service(c)) != AKSNET_OK)
        return rc;
    if (choose & AKSNET_SUGGEST_DNS_SERVICE_IP) {
        if (!c->out->service_cidr.value)
            return aksnet_error_set(c->err, AKSNET_EPLAN, "choosing the DNS address needs a service range");
        return choose_dns(c);
    }
    return AKSNET_OK;
}

aksnet_code aksnet_suggest_ranges(const struct aksnet_plan *plan, unsigned choose, const struct aksnet_taken *taken,
                                  size_t count, struct aksnet_suggestion **out, struct aksnet_error *err)
{
    struct ctx c;
    memset(&c, 0, sizeof(c));
    c.plan = plan;
    c.err = err;
    c.choose = choose & AKSNET_SUGGEST_ALL;
    *out = NULL;
    c.out = calloc(1, sizeof(*c.out));
    if (!c.out)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    aksnet_code rc = run(&c, c.choose, taken, count);
    free(c.list);
    free(c.spans);
    free(c.vnet);
    if (rc == AKSNET_ENOMEM)
        aksnet_error_set(err, rc, "out of memory");
    if (rc != AKSNET_OK) {
        aksnet_suggest_free(c.out);
        return rc;
    }
    *out = c.out;
    return AKSNET_OK;
}

aksnet_code aksnet_suggest_apply(struct aksnet_plan *plan, const struct aksnet_suggestion *s)
{
    struct { const struct aksnet_suggest_choice *ch; char **dst; } set[] = {
        {&s->subnet, &plan->subnet.address_prefix}, {&s->pod_cidr, &plan->cluster.pod_cidr},
        {&s->service_cidr, &plan->cluster.service_cidr}, {&s->dns_service_ip, &plan->cluster.dns_service_ip},
    };
    for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
        if (!set[i].ch->chosen || !set[i].ch->value)
            continue;
        char *v = strdup(set[i].ch->value);
        if (!v)
            return AKSNET_ENOMEM;
        free(*set[i].dst);
        *set[i].dst = v;
    }
    return AKSNET_OK;
}

/* ---- checking the plan's own ranges against the taken ones ----------------- */

static const struct aksnet_rule check_rules[] = {
    {"taken-overlap", AKSNET_SEVERITY_ERROR, "the subnet, pod or service range overlaps a range given as taken"},
    {"subnet-overlap", AKSNET_SEVERITY_ERROR, "the node subnet or pod range overlaps another subnet of the VNet"},
    {"peering-overlap", AKSNET_SEVERITY_ERROR,
     "the VNet, node subnet or pod range overlaps a peered VNet's address space"},
    {"cluster-pod-overlap", AKSNET_SEVERITY_ERROR,
     "the node subnet or pod range overlaps another cluster's pod range (same or peered VNet)"},
    {"service-cidr-reachable", AKSNET_SEVERITY_ERROR,
     "the service range overlaps what the VNet reaches: a subnet, a peered VNet, another cluster's pods"},
    {"cluster-service-overlap", AKSNET_SEVERITY_WARNING,
     "the node subnet or pod range overlaps another cluster's service range: that cluster cannot reach it"},
};

enum { CHECK_TAKEN, CHECK_SUBNET, CHECK_PEERING, CHECK_CLUSTER_POD, CHECK_REACHABLE, CHECK_CLUSTER_SERVICE,
       CHECK_NONE };

const struct aksnet_rule *aksnet_suggest_rules(size_t *count)
{
    *count = sizeof(check_rules) / sizeof(check_rules[0]);
    return check_rules;
}

/* Which rule an overlap of the plan's `bit` range (BINDS_*, or 0 for the VNet) with a taken kind breaks. */
static int check_rule(unsigned bit, aksnet_taken_kind kind)
{
    if (bit == 0)
        return kind == AKSNET_TAKEN_PEERED_VNET ? CHECK_PEERING : CHECK_NONE;
    if (bit == BINDS_SERVICE)
        return kind == AKSNET_TAKEN_OTHER             ? CHECK_TAKEN
               : kind == AKSNET_TAKEN_CLUSTER_SERVICE ? CHECK_NONE
                                                      : CHECK_REACHABLE;
    switch (kind) {
    case AKSNET_TAKEN_OTHER: return CHECK_TAKEN;
    case AKSNET_TAKEN_SUBNET: return CHECK_SUBNET;
    case AKSNET_TAKEN_PEERED_VNET: return CHECK_PEERING;
    case AKSNET_TAKEN_CLUSTER_POD: return CHECK_CLUSTER_POD;
    case AKSNET_TAKEN_CLUSTER_SERVICE: return CHECK_CLUSTER_SERVICE;
    }
    return CHECK_NONE;
}

/* One of the plan's ranges against every taken one. */
static aksnet_code check_range(const char *text, const char *field, const char *what, unsigned bit,
                               const struct aksnet_taken *taken, size_t count, struct aksnet_findings *out)
{
    struct aksnet__cidr mine, t;
    if (!text || aksnet__cidr_parse(text, &mine) != AKSNET_CIDR_OK)
        return AKSNET_OK;
    aksnet_code rc = AKSNET_OK;
    for (size_t i = 0; i < count; i++) {
        int rule = check_rule(bit, taken[i].kind);
        if (rule == CHECK_NONE || aksnet__cidr_parse(taken[i].cidr, &t) != AKSNET_CIDR_OK ||
            !aksnet__cidr_overlaps(&mine, &t))
            continue;
        const struct aksnet_rule *r = &check_rules[rule];
        const char *hint = r->severity == AKSNET_SEVERITY_WARNING
                               ? "that cluster's pods cannot reach these addresses; aksnet suggest avoids it"
                               : "pick a range clear of it, or leave the value out for aksnet suggest to choose";
        if (aksnet_findings_add(out, r->code, r->severity, field, "%s %s overlaps %s (%s%s%s); %s", what, text,
                                taken[i].cidr, kind_text(taken[i].kind), taken[i].source ? ": " : "",
                                taken[i].source ? taken[i].source : "", hint) != AKSNET_OK)
            rc = AKSNET_ENOMEM;
    }
    return rc;
}

aksnet_code aksnet_suggest_check(const struct aksnet_plan *plan, const struct aksnet_taken *taken, size_t count,
                                 struct aksnet_findings *out)
{
    aksnet_code rc = AKSNET_OK;
    char field[64];
    for (size_t i = 0; i < plan->vnet.address_prefix_count; i++) {
        snprintf(field, sizeof(field), "network.vnet.addressPrefixes[%zu]", i);
        if (check_range(plan->vnet.address_prefixes[i], field, "the VNet's", 0, taken, count, out) != AKSNET_OK)
            rc = AKSNET_ENOMEM;
    }
    const struct { const char *text, *field, *what; unsigned bit; } mine[] = {
        {plan->subnet.address_prefix, "network.subnet.addressPrefix", "the node subnet", BINDS_SUBNET},
        {plan->cluster.pod_cidr, "cluster.podCidr", "the pod range", BINDS_POD},
        {plan->cluster.service_cidr, "cluster.serviceCidr", "the service range", BINDS_SERVICE},
    };
    for (size_t i = 0; i < sizeof(mine) / sizeof(mine[0]); i++)
        if (check_range(mine[i].text, mine[i].field, mine[i].what, mine[i].bit, taken, count, out) != AKSNET_OK)
            rc = AKSNET_ENOMEM;
    return rc;
}

void aksnet_suggest_free(struct aksnet_suggestion *s)
{
    if (!s)
        return;
    struct aksnet_suggest_choice *all[] = {&s->subnet, &s->pod_cidr, &s->service_cidr, &s->dns_service_ip};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        free(all[i]->value);
        free(all[i]->explanation);
    }
    free(s);
}
