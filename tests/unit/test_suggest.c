/*
 * test_suggest.c - aksnet_suggest_ranges: worked examples, then property
 * tests over thousands of random VNets, taken ranges and pool shapes.
 *
 * The property tests check every answer against a model of their own: the
 * sizes from the arithmetic written out here, the placements from a scan of
 * aligned blocks in address order (jumping past whatever range a block hits,
 * not walking gaps as cidr.c does), and the completed plan through the
 * validator.  Every suggestion must be valid (inside the VNet, clear of
 * everything it must avoid, large enough with surge, no validator error),
 * minimal (a prefix one longer would not hold the nodes) and the lowest free
 * one; every "nothing fits" must be true (the scan finds no placement).
 *
 * The cases come from a seeded PRNG (splitmix64): AKSNET_TEST_SEED and
 * AKSNET_TEST_CASES override the seed and the number of cases; the seed is
 * printed so that a failure can be replayed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aksnet/capacity.h"
#include "aksnet/suggest.h"
#include "aksnet/validate.h"
#include "cidr.h"

#define TEXT_MAX 8192
#define MAX_TAKEN 32
#define DEFAULT_SEED UINT64_C(20241114)
#define DEFAULT_CASES 10000

/* ---- plans -------------------------------------------------------------------- */

/* A plan from JSON: read, the values it leaves out noted, defaults applied. */
static struct aksnet_plan *load(const char *json, unsigned *missing)
{
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    struct aksnet_plan *plan = NULL;
    aksnet_code rc = aksnet_plan_load_buffer(json, strlen(json), "test", &plan, &f);
    if (rc != AKSNET_OK || f.count)
        print_error("plan does not read (%zu findings, first: %s):\n%s\n", f.count,
                    f.count ? f.items[0].message : "", json);
    assert_int_equal(rc, AKSNET_OK);
    assert_int_equal(f.count, 0);
    aksnet_findings_free(&f);
    *missing = aksnet_suggest_missing(plan);
    assert_int_equal(aksnet_plan_apply_defaults(plan, NULL), AKSNET_OK);
    return plan;
}

/* A small plan: the VNet, pools and the given ranges as JSON fragments (network keys, cluster keys). */
static void plan_json(char *buf, size_t size, const char *network, const char *cluster, const char *pools)
{
    snprintf(buf, size,
             "{\"subscriptionId\": \"00000000-0000-0000-0000-000000000000\", \"location\": \"eastus\", "
             "\"resourceGroup\": \"rg\", \"network\": {%s}, \"cluster\": {\"name\": \"aks\"%s%s, "
             "\"nodePools\": [%s]}}",
             network, *cluster ? ", " : "", cluster, pools);
}

struct run {
    struct aksnet_plan *plan;
    unsigned missing;
    struct aksnet_suggestion *s;
    struct aksnet_error err;
    aksnet_code rc;
};

static void run_plan(struct run *r, const char *json, const struct aksnet_taken *taken, size_t n)
{
    memset(r, 0, sizeof(*r));
    r->plan = load(json, &r->missing);
    r->rc = aksnet_suggest_ranges(r->plan, r->missing, taken, n, &r->s, &r->err);
}

static void run_free(struct run *r)
{
    aksnet_suggest_free(r->s);
    aksnet_plan_free(r->plan);
    r->s = NULL;
    r->plan = NULL;
}

static void expect_ok(const struct run *r)
{
    if (r->rc != AKSNET_OK)
        print_error("suggest failed (%d): %s\n", r->rc, r->err.message);
    assert_int_equal(r->rc, AKSNET_OK);
    assert_non_null(r->s);
}

/* The completed plan passes the validator with no error, and the check against the taken ranges with nothing. */
static void expect_valid_around(struct run *r, const struct aksnet_taken *taken, size_t n)
{
    assert_int_equal(aksnet_suggest_apply(r->plan, r->s), AKSNET_OK);
    struct aksnet_findings c;
    aksnet_findings_init(&c);
    assert_int_equal(aksnet_suggest_check(r->plan, taken, n, &c), AKSNET_OK);
    size_t hits = 0;
    for (size_t i = 0; i < c.count; i++)
        if (strncmp(c.items[i].field, "network.vnet.", 13) != 0) { /* the VNet is the plan's, not a choice */
            print_error("check: %s %s: %s\n", c.items[i].code, c.items[i].field, c.items[i].message);
            hits++;
        }
    aksnet_findings_free(&c);
    assert_int_equal(hits, 0);
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    assert_int_equal(aksnet_validate_plan(r->plan, &f), AKSNET_OK);
    for (size_t i = 0; i < f.count; i++)
        if (f.items[i].severity == AKSNET_SEVERITY_ERROR)
            print_error("validator: %s %s: %s\n", f.items[i].code, f.items[i].field, f.items[i].message);
    size_t errors = aksnet_findings_count(&f, AKSNET_SEVERITY_ERROR);
    aksnet_findings_free(&f);
    assert_int_equal(errors, 0);
}

static void expect_valid(struct run *r)
{
    expect_valid_around(r, NULL, 0);
}

#define POOL1(n) "{\"name\": \"nodepool1\", \"count\": " #n "}"

/* ---- worked examples -------------------------------------------------------- */

/* The seed's VNet, nothing taken: a /29 for 3 nodes + 1, AKS's defaults for the rest. */
static void test_defaults_kept(void **state)
{
    (void)state;
    char json[TEXT_MAX];
    struct run r;
    plan_json(json, sizeof(json), "\"vnet\": {\"addressPrefixes\": [\"192.168.0.0/16\"]}", "", POOL1(3));
    run_plan(&r, json, NULL, 0);
    expect_ok(&r);
    assert_int_equal(r.missing, AKSNET_SUGGEST_ALL);
    assert_string_equal(r.s->subnet.value, "192.168.0.0/28"); /* 3 + 1 + Azure's 5 = 9 > 8 */
    assert_string_equal(r.s->pod_cidr.value, "10.244.0.0/16");
    assert_string_equal(r.s->service_cidr.value, "10.0.0.0/16");
    assert_string_equal(r.s->dns_service_ip.value, "10.0.0.10");
    assert_true(r.s->subnet.chosen && r.s->pod_cidr.chosen && r.s->service_cidr.chosen && r.s->dns_service_ip.chosen);
    assert_int_equal(r.s->nodes, 3);
    assert_int_equal(r.s->surge, 1);
    assert_non_null(strstr(r.s->subnet.explanation, "a /28 (16 addresses) is the smallest that holds them"));
    assert_non_null(strstr(r.s->pod_cidr.explanation, "AKS's default 10.244.0.0/16 is free"));
    assert_non_null(strstr(r.s->service_cidr.explanation, "AKS's default 10.0.0.0/16 is free"));
    expect_valid(&r);
    run_free(&r);
}

/* The seed's numbers: 251 nodes and no surge fill a /24; one more node needs a /23; 25 + 1 fit a /27. */
static void test_seed_sizes(void **state)
{
    (void)state;
    const struct { const char *pools; const char *subnet; } cases[] = {
        {"{\"name\": \"nodepool1\", \"count\": 251, \"maxSurge\": \"0\"}", "192.168.0.0/24"},
        {"{\"name\": \"nodepool1\", \"count\": 252, \"maxSurge\": \"0\"}", "192.168.0.0/23"},
        {"{\"name\": \"nodepool1\", \"count\": 250}", "192.168.0.0/24"},
        {"{\"name\": \"nodepool1\", \"count\": 25}", "192.168.0.0/27"},
        {"{\"name\": \"nodepool1\", \"count\": 20}", "192.168.0.0/27"},
        {"{\"name\": \"nodepool1\", \"count\": 27}", "192.168.0.0/26"},
        /* The autoscaler's maximum and a percentage surge (10% of 100, rounded up: 10). */
        {"{\"name\": \"nodepool1\", \"count\": 3, \"enableAutoScaling\": true, \"minCount\": 3, \"maxCount\": 100, "
         "\"maxSurge\": \"10%\"}", "192.168.0.0/25"},
        /* Two pools: 20 + 1 and 10 + ceil(33% of 10) = 4: 35 + 5 reserved = 40, a /26. */
        {"{\"name\": \"nodepool1\", \"count\": 20}, {\"name\": \"apps\", \"count\": 10, \"mode\": \"User\", "
         "\"maxSurge\": \"33%\"}", "192.168.0.0/26"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char json[TEXT_MAX];
        struct run r;
        plan_json(json, sizeof(json), "\"vnet\": {\"addressPrefixes\": [\"192.168.0.0/16\"]}", "", cases[i].pools);
        run_plan(&r, json, NULL, 0);
        expect_ok(&r);
        assert_string_equal(r.s->subnet.value, cases[i].subnet);
        expect_valid(&r);
        run_free(&r);
    }
}

/* Taken ranges move every choice, and the explanations name what is in the way. */
static void test_taken_moves_choices(void **state)
{
    (void)state;
    char json[TEXT_MAX];
    struct run r;
    const struct aksnet_taken taken[] = {
        {"192.168.0.0/24", AKSNET_TAKEN_SUBNET, "subnet gateway"},
        {"192.168.1.0/27", AKSNET_TAKEN_OTHER, NULL},
        {"10.244.0.0/14", AKSNET_TAKEN_CLUSTER_POD, "cluster old"},
        {"10.0.0.0/16", AKSNET_TAKEN_PEERED_VNET, "peering hub"},
    };
    plan_json(json, sizeof(json), "\"vnet\": {\"addressPrefixes\": [\"192.168.0.0/16\"]}", "", POOL1(20));
    run_plan(&r, json, taken, sizeof(taken) / sizeof(taken[0]));
    expect_ok(&r);
    assert_string_equal(r.s->subnet.value, "192.168.1.32/27");
    assert_string_equal(r.s->pod_cidr.value, "10.1.0.0/19"); /* 21 /24s; 10.0.0.0/16 is the hub's */
    assert_non_null(strstr(r.s->pod_cidr.explanation, "overlaps 10.244.0.0/14 (cluster old)"));
    assert_string_equal(r.s->service_cidr.value, "10.2.0.0/16"); /* 10.1.0.0/16 holds the pod range */
    assert_non_null(strstr(r.s->service_cidr.explanation, "overlaps 10.0.0.0/16 (peering hub)"));
    assert_string_equal(r.s->dns_service_ip.value, "10.2.0.10");
    expect_valid(&r);
    run_free(&r);
}

/* Another cluster's service range binds our subnet and pod range, not our service range. */
static void test_other_cluster_service_range(void **state)
{
    (void)state;
    char json[TEXT_MAX];
    struct run r;
    const struct aksnet_taken taken[] = {{"10.0.0.0/16", AKSNET_TAKEN_CLUSTER_SERVICE, "cluster old"},
                                         {"10.244.0.0/16", AKSNET_TAKEN_CLUSTER_SERVICE, "cluster older"}};
    plan_json(json, sizeof(json), "\"vnet\": {\"addressPrefixes\": [\"10.0.0.0/15\"]}", "", POOL1(2));
    run_plan(&r, json, taken, 2);
    expect_ok(&r);
    assert_string_equal(r.s->subnet.value, "10.1.0.0/29"); /* 2 + 1 + 5 = 8; 10.0.0.0/16 is cluster old's */
    assert_string_equal(r.s->pod_cidr.value, "10.2.0.0/22");
    assert_non_null(strstr(r.s->pod_cidr.explanation, "overlaps 10.244.0.0/16 (cluster older)"));
    assert_string_equal(r.s->service_cidr.value, "10.3.0.0/16"); /* 10.0/16 and 10.1/16: the VNet; 10.2: pods */
    expect_valid(&r);
    run_free(&r);

    /* Our service range may repeat another cluster's: AKS's default is kept. */
    plan_json(json, sizeof(json), "\"vnet\": {\"addressPrefixes\": [\"192.168.0.0/16\"]}", "", POOL1(2));
    run_plan(&r, json, taken, 2);
    expect_ok(&r);
    assert_string_equal(r.s->pod_cidr.value, "10.1.0.0/22");
    assert_string_equal(r.s->service_cidr.value, "10.0.0.0/16");
    expect_valid(&r);
    run_free(&r);
}

/* What the plan gives is kept and avoided; only the rest is chosen. */
static void test_given_values_kept(void **state)
{
    (void)state;
    char json[TEXT_MAX];
    struct run r;
    plan_json(json, sizeof(json),
              "\"vnet\": {\"addressPrefixes\": [\"10.244.0.0/16\"]}, \"subnet\": {\"addressPrefix\": "
              "\"10.244.8.0/24\"}, \"avoidPrefixes\": [\"10.0.0.0/12\"]",
              "\"serviceCidr\": \"10.16.0.0/16\"", POOL1(3));
    run_plan(&r, json, NULL, 0);
    expect_ok(&r);
    assert_int_equal(r.missing, AKSNET_SUGGEST_POD_CIDR | AKSNET_SUGGEST_DNS_SERVICE_IP);
    assert_false(r.s->subnet.chosen);
    assert_string_equal(r.s->subnet.value, "10.244.8.0/24");
    assert_false(r.s->service_cidr.chosen);
    assert_string_equal(r.s->service_cidr.explanation, "given by the plan");
    /* 10.0.0.0/12 avoided, 10.16.0.0/16 is the service range, the default pod range is the VNet. */
    assert_string_equal(r.s->pod_cidr.value, "10.17.0.0/22");
    assert_string_equal(r.s->dns_service_ip.value, "10.16.0.10");
    expect_valid(&r);
    run_free(&r);
}

/* Only the DNS address given: the service range is the largest free one around it. */
static void test_service_around_dns(void **state)
{
    (void)state;
    char json[TEXT_MAX];
    struct run r;
    const struct aksnet_taken taken[] = {{"172.20.0.0/17", AKSNET_TAKEN_OTHER, NULL}};
    plan_json(json, sizeof(json), "\"vnet\": {\"addressPrefixes\": [\"192.168.0.0/16\"]}",
              "\"dnsServiceIp\": \"172.20.200.10\"", POOL1(3));
    run_plan(&r, json, taken, 1);
    expect_ok(&r);
    assert_string_equal(r.s->service_cidr.value, "172.20.128.0/17");
    assert_string_equal(r.s->dns_service_ip.value, "172.20.200.10");
    expect_valid(&r);
    run_free(&r);
}

/* Nothing fits: the error says what is needed and the largest free block. */
static void test_nothing_fits(void **state)
{
    (void)state;
    char json[TEXT_MAX];
    struct run r;
    const struct aksnet_taken taken[] = {{"192.168.0.0/25", AKSNET_TAKEN_SUBNET, "subnet a"},
                                         {"192.168.0.192/26", AKSNET_TAKEN_SUBNET, "subnet b"}};
    plan_json(json, sizeof(json), "\"vnet\": {\"addressPrefixes\": [\"192.168.0.0/24\"]}", "", POOL1(100));
    run_plan(&r, json, taken, 2);
    assert_int_equal(r.rc, AKSNET_EPLAN);
    assert_null(r.s);
    assert_non_null(strstr(r.err.message, "no room for the node subnet"));
    assert_non_null(strstr(r.err.message, "106 addresses"));
    assert_non_null(strstr(r.err.message, "a /25"));
    assert_non_null(strstr(r.err.message, "the largest free block of the VNet (192.168.0.0/24) is "
                                          "192.168.0.128/26 (64 addresses)"));
    run_free(&r);

    const struct aksnet_taken all[] = {{"10.0.0.0/8", AKSNET_TAKEN_OTHER, NULL},
                                       {"172.16.0.0/12", AKSNET_TAKEN_OTHER, NULL},
                                       {"192.168.0.0/16", AKSNET_TAKEN_OTHER, NULL}};
    plan_json(json, sizeof(json), "\"vnet\": {\"addressPrefixes\": [\"100.64.0.0/16\"]}", "", POOL1(3));
    run_plan(&r, json, all, 3);
    assert_int_equal(r.rc, AKSNET_EPLAN);
    assert_non_null(strstr(r.err.message, "no room for the pod range"));
    assert_non_null(strstr(r.err.message, "no address of 10.0.0.0/8, 172.16.0.0/12 and 192.168.0.0/16"));
    run_free(&r);
}

static void test_refusals(void **state)
{
    (void)state;
    char json[TEXT_MAX];
    struct run r;
    const struct aksnet_taken bad[] = {{"10.0.0.1/8", AKSNET_TAKEN_OTHER, "--taken"}};
    plan_json(json, sizeof(json), "\"vnet\": {\"addressPrefixes\": [\"192.168.0.0/16\"]}", "", POOL1(3));
    run_plan(&r, json, bad, 1);
    assert_int_equal(r.rc, AKSNET_EINVAL);
    assert_non_null(strstr(r.err.message, "10.0.0.1/8"));
    assert_non_null(strstr(r.err.message, "host bits"));
    run_free(&r);

    plan_json(json, sizeof(json), "\"vnet\": {\"addressPrefixes\": [\"192.168.0.0/16\"]}",
              "\"networkPlugin\": \"azure\"", POOL1(3));
    run_plan(&r, json, NULL, 0);
    assert_int_equal(r.rc, AKSNET_EPLAN);
    assert_non_null(strstr(r.err.message, "kubenet"));
    run_free(&r);

    plan_json(json, sizeof(json), "\"vnet\": {\"addressPrefixes\": [\"192.168.0.0/16\"]}", "",
              "{\"name\": \"nodepool1\", \"count\": 3, \"maxSurge\": \"lots\"}");
    run_plan(&r, json, NULL, 0);
    assert_int_equal(r.rc, AKSNET_EPLAN);
    assert_non_null(strstr(r.err.message, "maxSurge"));
    run_free(&r);

    plan_json(json, sizeof(json), "\"vnet\": {\"addressPrefixes\": [\"192.168.0.0/16\"]}", "", POOL1(401));
    run_plan(&r, json, NULL, 0);
    assert_int_equal(r.rc, AKSNET_EPLAN);
    assert_non_null(strstr(r.err.message, "400"));
    run_free(&r);

    plan_json(json, sizeof(json), "\"vnet\": {\"addressPrefixes\": [\"192.168.0.0/33\"]}", "", POOL1(3));
    run_plan(&r, json, NULL, 0);
    assert_int_equal(r.rc, AKSNET_EPLAN);
    assert_non_null(strstr(r.err.message, "network.vnet.addressPrefixes[0]"));
    run_free(&r);

    /* An existing VNet known only by its subnet id: its prefix is ARM's, not chosen. */
    plan_json(json, sizeof(json),
              "\"subnet\": {\"id\": \"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/"
              "providers/Microsoft.Network/virtualNetworks/v/subnets/s\"}", "", POOL1(3));
    run_plan(&r, json, NULL, 0);
    expect_ok(&r);
    assert_int_equal(r.missing & AKSNET_SUGGEST_SUBNET, 0);
    assert_null(r.s->subnet.value);
    assert_string_equal(r.s->pod_cidr.value, "10.244.0.0/16");
    run_free(&r);

    /* Asked to choose the subnet without a VNet. */
    run_plan(&r, json, NULL, 0);
    aksnet_suggest_free(r.s);
    r.s = NULL;
    assert_int_equal(aksnet_suggest_ranges(r.plan, AKSNET_SUGGEST_ALL, NULL, 0, &r.s, &r.err), AKSNET_EPLAN);
    assert_non_null(strstr(r.err.message, "network.vnet.addressPrefixes"));
    run_free(&r);
}


/* ---- checking a plan's own ranges against the taken ones --------------------------- */

static bool has_finding(const struct aksnet_findings *f, const char *code, const char *field, aksnet_severity sev)
{
    for (size_t i = 0; i < f->count; i++)
        if (strcmp(f->items[i].code, code) == 0 && strcmp(f->items[i].field, field) == 0 &&
            f->items[i].severity == sev)
            return true;
    return false;
}

static void test_check(void **state)
{
    (void)state;
    char json[TEXT_MAX];
    unsigned missing;
    plan_json(json, sizeof(json),
              "\"vnet\": {\"addressPrefixes\": [\"192.168.0.0/16\"]}, \"subnet\": {\"addressPrefix\": "
              "\"192.168.1.0/24\"}",
              "\"podCidr\": \"10.244.0.0/16\", \"serviceCidr\": \"10.0.0.0/16\", \"dnsServiceIp\": \"10.0.0.10\"",
              POOL1(3));
    struct aksnet_plan *plan = load(json, &missing);
    const struct aksnet_taken taken[] = {
        {"192.168.1.128/25", AKSNET_TAKEN_SUBNET, "subnet db"},            /* subnet-overlap */
        {"192.168.0.0/17", AKSNET_TAKEN_PEERED_VNET, "peering hub"},       /* peering-overlap: VNet and subnet */
        {"10.244.0.0/20", AKSNET_TAKEN_CLUSTER_POD, "managed cluster a"},  /* cluster-pod-overlap */
        {"10.0.0.0/24", AKSNET_TAKEN_CLUSTER_SERVICE, "managed cluster a"},/* nothing: services are virtual */
        {"10.244.16.0/20", AKSNET_TAKEN_CLUSTER_SERVICE, "managed cluster b"}, /* cluster-service-overlap */
        {"10.0.128.0/17", AKSNET_TAKEN_PEERED_VNET, "peering spoke"},      /* service-cidr-reachable */
        {"10.0.64.0/18", AKSNET_TAKEN_OTHER, NULL},                        /* taken-overlap */
        {"not a range", AKSNET_TAKEN_OTHER, NULL},                         /* skipped */
    };
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    assert_int_equal(aksnet_suggest_check(plan, taken, sizeof(taken) / sizeof(taken[0]), &f), AKSNET_OK);
    for (size_t i = 0; i < f.count; i++)
        print_message("%s %s: %s\n", f.items[i].code, f.items[i].field, f.items[i].message);
    const aksnet_severity E = AKSNET_SEVERITY_ERROR;
    assert_true(has_finding(&f, "subnet-overlap", "network.subnet.addressPrefix", E));
    assert_true(has_finding(&f, "peering-overlap", "network.vnet.addressPrefixes[0]", E));
    assert_true(has_finding(&f, "peering-overlap", "network.subnet.addressPrefix", E));
    assert_true(has_finding(&f, "cluster-pod-overlap", "cluster.podCidr", E));
    assert_true(has_finding(&f, "cluster-service-overlap", "cluster.podCidr", AKSNET_SEVERITY_WARNING));
    assert_true(has_finding(&f, "service-cidr-reachable", "cluster.serviceCidr", E));
    assert_true(has_finding(&f, "taken-overlap", "cluster.serviceCidr", E));
    assert_int_equal(f.count, 7);
    assert_true(strstr(f.items[0].message, "subnet db") || strstr(f.items[0].message, "peering hub"));
    /* Every code is in the table, and the table has only these. */
    size_t n;
    const struct aksnet_rule *rules = aksnet_suggest_rules(&n);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < f.count; i++) {
        bool known = false;
        for (size_t k = 0; k < n; k++)
            known = known || (strcmp(rules[k].code, f.items[i].code) == 0 && rules[k].severity == f.items[i].severity);
        assert_true(known);
    }
    aksnet_findings_free(&f);
    aksnet_plan_free(plan);
}

/* ---- the property tests -------------------------------------------------------- */

struct rng {
    uint64_t s;
};

static uint64_t next(struct rng *g)
{
    uint64_t z = (g->s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* 0..n-1 */
static uint64_t below(struct rng *g, uint64_t n)
{
    return n ? next(g) % n : 0;
}

static bool chance(struct rng *g, unsigned percent)
{
    return below(g, 100) < percent;
}

/* A closed interval of addresses, as 64-bit numbers. */
struct iv {
    uint64_t lo, hi;
};

static struct iv iv_of(const struct aksnet__cidr *c)
{
    struct iv v = {c->addr, (uint64_t)c->addr + aksnet__cidr_size(c) - 1};
    return v;
}

static struct iv iv_parse(const char *text)
{
    struct aksnet__cidr c;
    assert_int_equal(aksnet__cidr_parse(text, &c), AKSNET_CIDR_OK);
    return iv_of(&c);
}

static bool iv_hits(struct iv a, struct iv b)
{
    return a.lo <= b.hi && b.lo <= a.hi;
}

/* What one choice must stay clear of. */
struct model {
    struct iv v[64];
    size_t n;
};

static void model_add(struct model *m, struct iv v)
{
    assert_true(m->n < sizeof(m->v) / sizeof(m->v[0]));
    m->v[m->n++] = v;
}

static const struct iv *model_hit(const struct model *m, struct iv b)
{
    for (size_t i = 0; i < m->n; i++)
        if (iv_hits(m->v[i], b))
            return &m->v[i];
    return NULL;
}

/*
 * The lowest aligned block of 2^(32-len) addresses inside w that hits nothing
 * of m: each block in address order, and past a block that hits a range
 * straight to the first aligned block after that range.
 */
static bool scan_first(const struct model *m, struct iv w, unsigned len, uint64_t *at)
{
    uint64_t size = UINT64_C(1) << (32 - len);
    for (uint64_t a = w.lo; a + size - 1 <= w.hi;) {
        const struct iv *h = model_hit(m, (struct iv){a, a + size - 1});
        if (!h) {
            *at = a;
            return true;
        }
        a = (h->hi + size) & ~(size - 1);
    }
    return false;
}

/* One random case: the plan's JSON, the taken ranges, and the model's inputs. */
struct gen {
    char json[TEXT_MAX];
    char taken_text[MAX_TAKEN][AKSNET_CIDR_STRLEN];
    struct aksnet_taken taken[MAX_TAKEN];
    size_t ntaken;
    struct iv vnet[2];
    size_t nvnet;
    struct iv avoid[2];
    size_t navoid;
    uint64_t nodes, surge;
};

static const char *const reserved_text[] = {"169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24"};

static bool hits_reserved(struct iv v)
{
    for (size_t i = 0; i < sizeof(reserved_text) / sizeof(reserved_text[0]); i++)
        if (iv_hits(v, iv_parse(reserved_text[i])))
            return true;
    return false;
}

/* A random aligned block of length len inside w (len >= w's length). */
static struct aksnet__cidr block_in(struct rng *g, struct iv w, unsigned len)
{
    uint64_t size = UINT64_C(1) << (32 - len), count = (w.hi - w.lo + 1) / size;
    struct aksnet__cidr c = {(uint32_t)(w.lo + below(g, count) * size), (uint8_t)len};
    return c;
}

static unsigned len_of(struct iv w)
{
    unsigned len = 32;
    while (len > 0 && (UINT64_C(1) << (32 - len)) < w.hi - w.lo + 1)
        len--;
    return len;
}

static struct iv random_vnet(struct rng *g, bool public_space)
{
    for (;;) {
        /* Mostly room to spare, sometimes (/25 .. /28) too small for the larger clusters. */
        unsigned len = chance(g, 85) ? 12 + (unsigned)below(g, 13) : 25 + (unsigned)below(g, 4);
        struct iv space = public_space ? iv_parse("20.0.0.0/6")
                          : chance(g, 60) ? iv_parse("10.0.0.0/8")
                          : chance(g, 50) ? iv_parse("172.16.0.0/12")
                                          : iv_parse("192.168.0.0/16");
        if (len < len_of(space))
            len = len_of(space);
        struct aksnet__cidr c = block_in(g, space, len);
        struct iv v = iv_of(&c);
        if (!hits_reserved(v))
            return v;
    }
}

#define ANY_KIND (-1)

static unsigned expected_pod_len(uint64_t blocks);

/* A taken range of the given kind, or of a random one. */
static void add_taken(struct gen *c, struct rng *g, const struct aksnet__cidr *cidr, int kind_or_any)
{
    if (c->ntaken >= MAX_TAKEN)
        return;
    static const char *const sources[] = {NULL, "subnet other", "peering hub", "cluster a", "cluster b"};
    aksnet_taken_kind kind = (aksnet_taken_kind)(kind_or_any == ANY_KIND ? (int)below(g, 5) : kind_or_any);
    aksnet__cidr_format(cidr, c->taken_text[c->ntaken]);
    c->taken[c->ntaken] = (struct aksnet_taken){c->taken_text[c->ntaken], kind, sources[kind]};
    c->ntaken++;
}

/* Pools whose peak sizes add up to at most 400 (kubenet's cap), as JSON. */
static void random_pools(struct rng *g, struct gen *c, char *out, size_t size)
{
    static const char *const surges[] = {"0", "1", "2", "3", "5", "10%", "33%", "50%", "100%"};
    unsigned scale = chance(g, 60) ? 30 : chance(g, 60) ? 150 : 400;
    size_t npools = 1 + below(g, 3), w = 0;
    uint64_t left = scale;
    c->nodes = c->surge = 0;
    out[0] = '\0';
    for (size_t i = 0; i < npools && left > 0; i++) {
        uint64_t peak = 1 + below(g, left < 200 ? left : 200);
        bool autoscale = chance(g, 30);
        uint64_t count = autoscale ? 1 + below(g, peak) : peak;
        const char *surge = surges[below(g, sizeof(surges) / sizeof(surges[0]))];
        char pool[256];
        if (autoscale)
            snprintf(pool, sizeof(pool), "{\"name\": \"pool%zu\", \"mode\": \"%s\", \"count\": %" PRIu64 ", "
                     "\"enableAutoScaling\": true, \"minCount\": 1, \"maxCount\": %" PRIu64 ", \"maxSurge\": \"%s\"}",
                     i, i ? "User" : "System", count, peak, surge);
        else
            snprintf(pool, sizeof(pool), "{\"name\": \"pool%zu\", \"mode\": \"%s\", \"count\": %" PRIu64 ", "
                     "\"maxSurge\": \"%s\"}", i, i ? "User" : "System", count, surge);
        int k = snprintf(out + w, size - w, "%s%s", i ? ", " : "", pool);
        assert_true(k > 0 && (size_t)k < size - w);
        w += (size_t)k;
        uint64_t s;
        assert_true(aksnet_capacity_surge_nodes(surge, peak, &s));
        c->nodes += peak;
        c->surge += s;
        left -= peak;
    }
}

static void random_case(struct rng *g, struct gen *c)
{
    char network[1024], pools[2048], vnets[256] = "", avoids[256] = "";
    memset(c, 0, sizeof(*c));
    random_pools(g, c, pools, sizeof(pools));
    bool crowded = chance(g, 8); /* private space nearly full: the pod and service ranges are hard to place */
    c->vnet[c->nvnet++] = random_vnet(g, crowded);
    if (chance(g, 25)) {
        struct iv second = random_vnet(g, crowded);
        if (!iv_hits(second, c->vnet[0]))
            c->vnet[c->nvnet++] = second;
    }
    for (size_t i = 0, n = below(g, 3); i < n; i++) {
        struct aksnet__cidr a = block_in(g, iv_parse("10.0.0.0/8"), 8 + (unsigned)below(g, 13));
        struct iv v = iv_of(&a);
        bool bad = false;
        for (size_t k = 0; k < c->nvnet; k++)
            bad = bad || iv_hits(v, c->vnet[k]);
        if (!bad && c->navoid < 2)
            c->avoid[c->navoid++] = v;
    }
    /* Taken ranges: the VNet's other subnets, around AKS's defaults, anywhere private. */
    for (size_t i = 0, n = below(g, 7); i < n; i++) {
        struct iv w = c->vnet[below(g, c->nvnet)];
        unsigned len = len_of(w) + 2 + (unsigned)below(g, 10);
        if (len > 29)
            len = 29;
        if (chance(g, 3))
            len = len_of(w); /* the whole VNet */
        struct aksnet__cidr t = block_in(g, w, len);
        add_taken(c, g, &t, ANY_KIND);
    }
    if (chance(g, 40)) {
        struct aksnet__cidr t = {0x0af40000u, (uint8_t)(12 + below(g, 9))}; /* 10.244.0.0/12..20 */
        t = aksnet__cidr_network(t);
        add_taken(c, g, &t, ANY_KIND);
    }
    if (chance(g, 40)) {
        struct aksnet__cidr t = {0x0a000000u, (uint8_t)(14 + below(g, 7))}; /* 10.0.0.0/14..20 */
        add_taken(c, g, &t, ANY_KIND);
    }
    for (size_t i = 0, n = below(g, 3); i < n; i++) {
        static const char *const spaces[] = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"};
        struct iv w = iv_parse(spaces[below(g, 3)]);
        struct aksnet__cidr t = block_in(g, w, len_of(w) + (unsigned)below(g, 12));
        add_taken(c, g, &t, ANY_KIND);
    }
    if (crowded) {
        /* All of 10/8 and 172.16/12 and of 192.168/16 all but its last /hole: often just the pod range's size. */
        struct aksnet__cidr big[] = {{0x0a000000u, 8}, {0xac100000u, 12}};
        for (size_t i = 0; i < 2; i++)
            add_taken(c, g, &big[i], AKSNET_TAKEN_OTHER);
        unsigned pod_len = expected_pod_len(c->nodes + c->surge);
        unsigned hole = chance(g, 40) && pod_len >= 17 ? pod_len : 17 + (unsigned)below(g, 10);
        for (unsigned len = 17; len <= hole; len++) {
            struct aksnet__cidr part = {(uint32_t)(0xc0a80000u + (UINT32_C(0x10000) - (UINT32_C(1) << (33 - len)))),
                                        (uint8_t)len};
            add_taken(c, g, &part, AKSNET_TAKEN_OTHER);
        }
    }
    for (size_t i = 0; i < c->nvnet; i++) {
        char t[AKSNET_CIDR_STRLEN];
        struct aksnet__cidr v = {(uint32_t)c->vnet[i].lo, (uint8_t)len_of(c->vnet[i])};
        snprintf(vnets + strlen(vnets), sizeof(vnets) - strlen(vnets), "%s\"%s\"", i ? ", " : "",
                 aksnet__cidr_format(&v, t));
    }
    for (size_t i = 0; i < c->navoid; i++) {
        char t[AKSNET_CIDR_STRLEN];
        struct aksnet__cidr v = {(uint32_t)c->avoid[i].lo, (uint8_t)len_of(c->avoid[i])};
        snprintf(avoids + strlen(avoids), sizeof(avoids) - strlen(avoids), "%s\"%s\"", i ? ", " : "",
                 aksnet__cidr_format(&v, t));
    }
    snprintf(network, sizeof(network), "\"vnet\": {\"addressPrefixes\": [%s]}, \"avoidPrefixes\": [%s]", vnets,
             avoids);
    plan_json(c->json, sizeof(c->json), network, "", pools);
}

/* ---- the model's expectations ---- */

static unsigned expected_subnet_len(uint64_t need)
{
    unsigned len = 29;
    while (len > 0 && (UINT64_C(1) << (32 - len)) < need)
        len--;
    return len;
}

static unsigned expected_pod_len(uint64_t blocks)
{
    unsigned len = 24;
    while ((UINT64_C(1) << (24 - len)) < blocks)
        len--;
    return len;
}

/* Ranges every choice avoids (reserved, avoidPrefixes, taken), with another cluster's service range per `bit`. */
static void model_common(struct model *m, const struct gen *c, unsigned bit)
{
    m->n = 0;
    for (size_t i = 0; i < sizeof(reserved_text) / sizeof(reserved_text[0]); i++)
        model_add(m, iv_parse(reserved_text[i]));
    for (size_t i = 0; i < c->navoid; i++)
        model_add(m, c->avoid[i]);
    for (size_t i = 0; i < c->ntaken; i++)
        if (bit != AKSNET_SUGGEST_SERVICE_CIDR || c->taken[i].kind != AKSNET_TAKEN_CLUSTER_SERVICE)
            model_add(m, iv_parse(c->taken[i].cidr));
}

static const char *const private_text[] = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"};

/* The lowest free /len in the private ranges, in their order. */
static bool scan_private(const struct model *m, unsigned len, uint64_t *at)
{
    for (size_t i = 0; i < 3; i++)
        if (scan_first(m, iv_parse(private_text[i]), len, at))
            return true;
    return false;
}

static void check_subnet(const struct gen *c, const struct aksnet_suggestion *s, struct model *m)
{
    uint64_t need = c->nodes + c->surge + AKSNET_SUBNET_RESERVED;
    struct iv sub = iv_parse(s->subnet.value);
    unsigned len = len_of(sub);
    /* Large enough with surge, minimal (one bit longer would not hold it, or already Azure's /29). */
    assert_true(sub.hi - sub.lo + 1 >= need);
    assert_true(len == 29 || (UINT64_C(1) << (31 - len)) < need);
    assert_int_equal(len, expected_subnet_len(need));
    model_common(m, c, AKSNET_SUGGEST_SUBNET);
    assert_null(model_hit(m, sub));
    /* Inside the VNet, and the lowest free block of the first VNet prefix that has one. */
    uint64_t at = 0;
    bool found = false;
    for (size_t i = 0; i < c->nvnet && !found; i++)
        found = scan_first(m, c->vnet[i], len, &at);
    assert_true(found);
    assert_int_equal(at, sub.lo);
}

static void check_pod(const struct gen *c, const struct aksnet_suggestion *s, struct model *m)
{
    struct iv pod = iv_parse(s->pod_cidr.value), def = iv_parse("10.244.0.0/16");
    unsigned len = len_of(pod), want = expected_pod_len(c->nodes + c->surge);
    model_common(m, c, AKSNET_SUGGEST_POD_CIDR);
    for (size_t i = 0; i < c->nvnet; i++)
        model_add(m, c->vnet[i]);
    assert_null(model_hit(m, pod));
    /* A /24 for every node and surge node. */
    assert_true((UINT64_C(1) << (24 - len)) >= c->nodes + c->surge);
    if (want >= 16 && !model_hit(m, def)) {
        assert_string_equal(s->pod_cidr.value, "10.244.0.0/16"); /* AKS's default, free and large enough */
        return;
    }
    /* Otherwise minimal and the lowest free one. */
    assert_int_equal(len, want);
    uint64_t at;
    assert_true(scan_private(m, len, &at));
    assert_int_equal(at, pod.lo);
}

static void check_service(const struct gen *c, const struct aksnet_suggestion *s, struct model *m)
{
    struct iv svc = iv_parse(s->service_cidr.value), def = iv_parse("10.0.0.0/16");
    model_common(m, c, AKSNET_SUGGEST_SERVICE_CIDR);
    for (size_t i = 0; i < c->nvnet; i++)
        model_add(m, c->vnet[i]);
    model_add(m, iv_parse(s->pod_cidr.value));
    assert_null(model_hit(m, svc));
    if (!model_hit(m, def)) {
        assert_string_equal(s->service_cidr.value, "10.0.0.0/16");
    } else {
        /* The longest free prefix from /16 down, the lowest one of that size. */
        unsigned len = 16;
        uint64_t at = 0;
        while (len <= 24 && !scan_private(m, len, &at))
            len++;
        assert_int_equal(len_of(svc), len);
        assert_int_equal(at, svc.lo);
    }
    char dns[AKSNET_IP_STRLEN];
    aksnet__ip_format((uint32_t)svc.lo + 10, dns);
    assert_string_equal(s->dns_service_ip.value, dns);
}

/* "Nothing fits" is true: the scan finds no placement for the value the message names. */
static void check_nothing_fits(const struct gen *c, const struct run *r, struct model *m)
{
    const char *msg = r->err.message;
    assert_true(strstr(msg, "the largest free block of ") || strstr(msg, "no address of "));
    if (strstr(msg, "no room for the node subnet")) {
        unsigned len = expected_subnet_len(c->nodes + c->surge + AKSNET_SUBNET_RESERVED);
        model_common(m, c, AKSNET_SUGGEST_SUBNET);
        uint64_t at;
        for (size_t i = 0; i < c->nvnet; i++)
            assert_false(scan_first(m, c->vnet[i], len, &at));
        return;
    }
    if (strstr(msg, "no room for the pod range")) {
        model_common(m, c, AKSNET_SUGGEST_POD_CIDR);
        for (size_t i = 0; i < c->nvnet; i++)
            model_add(m, c->vnet[i]);
        uint64_t at;
        assert_false(scan_private(m, expected_pod_len(c->nodes + c->surge), &at));
        return;
    }
    assert_non_null(strstr(msg, "no room for the service range"));
    /* The pod range was placed: ask for it alone, then scan for a service range. */
    struct run pod;
    memset(&pod, 0, sizeof(pod));
    pod.plan = load(c->json, &pod.missing);
    assert_int_equal(aksnet_suggest_ranges(pod.plan, AKSNET_SUGGEST_SUBNET | AKSNET_SUGGEST_POD_CIDR, c->taken,
                                           c->ntaken, &pod.s, &pod.err), AKSNET_OK);
    model_common(m, c, AKSNET_SUGGEST_SERVICE_CIDR);
    for (size_t i = 0; i < c->nvnet; i++)
        model_add(m, c->vnet[i]);
    model_add(m, iv_parse(pod.s->pod_cidr.value));
    run_free(&pod);
    uint64_t at;
    for (unsigned len = 16; len <= 24; len++)
        assert_false(scan_private(m, len, &at));
}

/* Fixing values a suggestion chose and asking again gives the same answer. */
static void check_fixed(struct rng *g, const struct gen *c, const struct aksnet_suggestion *s)
{
    char json[TEXT_MAX], cluster[256] = "";
    const char *sub = chance(g, 50) ? s->subnet.value : NULL;
    if (chance(g, 50))
        snprintf(cluster, sizeof(cluster), "\"podCidr\": \"%s\"", s->pod_cidr.value);
    if (chance(g, 50))
        snprintf(cluster + strlen(cluster), sizeof(cluster) - strlen(cluster), "%s\"serviceCidr\": \"%s\"",
                 *cluster ? ", " : "", s->service_cidr.value);
    /* The plan's JSON is {... "network": {"vnet": ...}, "cluster": {"name": "aks", ...}}: splice the values in. */
    const char *net = strstr(c->json, "\"network\": {"), *clu = strstr(c->json, "\"name\": \"aks\"");
    assert_non_null(net);
    assert_non_null(clu);
    size_t at_net = (size_t)(net - c->json) + strlen("\"network\": {"), at_clu = (size_t)(clu - c->json) + 13;
    snprintf(json, sizeof(json), "%.*s%s%s%s%.*s%s%s%s", (int)at_net, c->json,
             sub ? "\"subnet\": {\"addressPrefix\": \"" : "", sub ? sub : "", sub ? "\"}, " : "",
             (int)(at_clu - at_net), c->json + at_net, *cluster ? ", " : "", cluster, c->json + at_clu);
    struct run again;
    run_plan(&again, json, c->taken, c->ntaken);
    expect_ok(&again);
    assert_string_equal(again.s->subnet.value, s->subnet.value);
    assert_string_equal(again.s->pod_cidr.value, s->pod_cidr.value);
    assert_string_equal(again.s->service_cidr.value, s->service_cidr.value);
    assert_string_equal(again.s->dns_service_ip.value, s->dns_service_ip.value);
    assert_true(again.s->subnet.chosen == (sub == NULL));
    run_free(&again);
}

static uint64_t env_number(const char *name, uint64_t fallback)
{
    const char *v = getenv(name);
    return v && *v ? strtoull(v, NULL, 0) : fallback;
}

static void test_properties(void **state)
{
    (void)state;
    uint64_t seed = env_number("AKSNET_TEST_SEED", DEFAULT_SEED);
    uint64_t cases = env_number("AKSNET_TEST_CASES", DEFAULT_CASES);
    struct rng g = {seed};
    size_t ok = 0, full = 0, default_pod = 0, default_svc = 0, fixed = 0;
    size_t no_room[3] = {0, 0, 0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    print_message("suggest properties: seed %" PRIu64 " (AKSNET_TEST_SEED), %" PRIu64 " cases (AKSNET_TEST_CASES)\n",
                  seed, cases);
    static struct gen c;
    static struct model m;
    for (uint64_t i = 0; i < cases; i++) {
        random_case(&g, &c);
        struct run r;
        run_plan(&r, c.json, c.taken, c.ntaken);
        if (r.rc == AKSNET_EPLAN && strstr(r.err.message, "no room for")) {
            check_nothing_fits(&c, &r, &m);
            no_room[strncmp(r.err.message, "no room for the node subnet", 27) == 0 ? 0
                    : strncmp(r.err.message, "no room for the pod range", 25) == 0 ? 1 : 2]++;
            run_free(&r);
            continue;
        }
        if (r.rc != AKSNET_OK)
            print_error("case %" PRIu64 " (seed %" PRIu64 "): %s\nplan: %s\n", i, seed, r.err.message, c.json);
        expect_ok(&r);
        check_subnet(&c, r.s, &m);
        check_pod(&c, r.s, &m);
        check_service(&c, r.s, &m);
        default_pod += strcmp(r.s->pod_cidr.value, "10.244.0.0/16") == 0;
        default_svc += strcmp(r.s->service_cidr.value, "10.0.0.0/16") == 0;
        struct iv sub = iv_parse(r.s->subnet.value);
        full += c.nodes + c.surge + AKSNET_SUBNET_RESERVED == sub.hi - sub.lo + 1;
        if (chance(&g, 25)) {
            check_fixed(&g, &c, r.s);
            fixed++;
        }
        expect_valid_around(&r, c.taken, c.ntaken);
        run_free(&r);
        ok++;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    print_message("suggest properties: %zu suggested (%zu with AKS's pod default, %zu with its service default, "
                  "%zu exactly full, %zu asked again with values fixed), no room: %zu subnet, %zu pod, %zu service; "
                  "%.2f s\n", ok, default_pod, default_svc, full, fixed, no_room[0], no_room[1], no_room[2], secs);
    /* The generator must reach every outcome, or the properties are not tested. */
    assert_true(ok > cases / 2);
    assert_true(no_room[0] > 0 && no_room[1] > 0 && no_room[2] > 0);
    assert_true(default_pod > 0 && default_pod < ok && default_svc > 0 && default_svc < ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_kept),
        cmocka_unit_test(test_seed_sizes),
        cmocka_unit_test(test_taken_moves_choices),
        cmocka_unit_test(test_other_cluster_service_range),
        cmocka_unit_test(test_given_values_kept),
        cmocka_unit_test(test_service_around_dns),
        cmocka_unit_test(test_nothing_fits),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_properties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
