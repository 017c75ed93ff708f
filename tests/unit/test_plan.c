/*
 * test_plan.c - the plan reader, the flag overrides and the defaults.
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "aksnet/plan.h"
#include "aksnet/validate.h"
#include "tmpfiles.h"

#define SUB "6d95377c-52b4-4132-9c1e-0123456789ab"
#define SUBNET_ID                                                                  \
    "/subscriptions/" SUB "/resourceGroups/netRG/providers/Microsoft.Network/" \
    "virtualNetworks/byoVnet/subnets/byoSubnet"
#define IDENTITY_ID                                                                  \
    "/subscriptions/" SUB "/resourceGroups/idRG/providers/Microsoft.ManagedIdentity/" \
    "userAssignedIdentities/byoId"

/* The starting design's example plan, verbatim (docs/plan.md has the reference). */
static const char SEED_PLAN[] =
    "{\n"
    "  \"cloud\": \"AzureChinaCloud\",\n"
    "  \"subscriptionId\": \"00000000-0000-0000-0000-000000000000\",\n"
    "  \"location\": \"chinaeast2\",\n"
    "  \"resourceGroup\": \"myResourceGroup\",\n"
    "  \"tags\": {\"env\": \"dev\"},\n"
    "  \"network\": {\n"
    "    \"vnet\":   {\"name\": \"myAKSVnet\", \"addressPrefixes\": [\"192.168.0.0/16\"], \"existing\": false},\n"
    "    \"subnet\": {\"name\": \"myAKSSubnet\", \"addressPrefix\": \"192.168.1.0/24\"},\n"
    "    \"routeTable\": {\"name\": \"myAKSRouteTable\",\n"
    "                   \"routes\": [{\"name\": \"egress\", \"addressPrefix\": \"0.0.0.0/0\",\n"
    "                               \"nextHopType\": \"VirtualAppliance\", \"nextHopIpAddress\": \"192.168.0.4\"}]},\n"
    "    \"avoidPrefixes\": [\"10.0.0.0/8\"]\n"
    "  },\n"
    "  \"identity\": {\"type\": \"UserAssigned\", \"name\": \"myIdentity\"},\n"
    "  \"roleAssignment\": {\"scope\": \"vnet\", \"roleDefinitionId\": null},\n"
    "  \"cluster\": {\n"
    "    \"name\": \"myAKSCluster\", \"dnsPrefix\": \"myakscluster\", \"kubernetesVersion\": \"1.30\",\n"
    "    \"networkPolicy\": \"calico\", \"outboundType\": \"loadBalancer\",\n"
    "    \"podCidr\": \"10.244.0.0/16\", \"serviceCidr\": \"10.0.0.0/16\", \"dnsServiceIp\": \"10.0.0.10\",\n"
    "    \"nodePools\": [{\"name\": \"nodepool1\", \"count\": 3, \"vmSize\": \"Standard_DS2_v2\",\n"
    "                   \"maxPods\": 110, \"osType\": \"Linux\", \"mode\": \"System\", \"maxSurge\": \"1\",\n"
    "                   \"enableAutoScaling\": false, \"minCount\": null, \"maxCount\": null}]\n"
    "  }\n"
    "}\n";

/* ---- helpers ------------------------------------------------------------------ */

static aksnet_code load_n(const char *text, size_t len, struct aksnet_plan **plan,
                          struct aksnet_findings *f)
{
    *plan = (struct aksnet_plan *)(uintptr_t)0x1; /* must be overwritten */
    return aksnet_plan_load_buffer(text, len, "test.json", plan, f);
}

static aksnet_code load(const char *text, struct aksnet_plan **plan, struct aksnet_findings *f)
{
    return load_n(text, strlen(text), plan, f);
}

static void dump(const struct aksnet_findings *f)
{
    for (size_t i = 0; i < f->count; i++)
        print_error("  finding %zu: %s %s [%s] %s\n", i, f->items[i].code,
                    aksnet_severity_name(f->items[i].severity), f->items[i].field,
                    f->items[i].message);
}

/* The finding with this code and field (any field when NULL); fails the test when absent. */
static const struct aksnet_finding *expect_finding(const struct aksnet_findings *f, const char *code,
                                                   const char *field)
{
    for (size_t i = 0; i < f->count; i++)
        if (strcmp(f->items[i].code, code) == 0 && (!field || strcmp(f->items[i].field, field) == 0))
            return &f->items[i];
    print_error("no finding %s at '%s'; have:\n", code, field ? field : "(any)");
    dump(f);
    fail();
    return NULL;
}

static void expect_contains(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle)) {
        print_error("\"%s\" does not contain \"%s\"\n", hay ? hay : "(null)", needle);
        fail();
    }
}

static void expect_no_findings(const struct aksnet_findings *f)
{
    if (f->count) {
        print_error("unexpected findings:\n");
        dump(f);
    }
    assert_int_equal(f->count, 0);
}

/* A plan-syntax failure: EPLAN, no plan, exactly one finding whose message contains each part. */
/* Findings of expect_syntax_error; freed by teardown too, so that a failed check leaks nothing. */
static struct aksnet_findings g_syntax;

static int teardown(void **state)
{
    (void)state;
    aksnet_findings_free(&g_syntax);
    return 0;
}

static void expect_syntax_error(const char *text, size_t len, const char *part1, const char *part2)
{
    struct aksnet_findings *f = &g_syntax;
    aksnet_findings_free(f);
    struct aksnet_plan *plan;
    assert_int_equal(load_n(text, len, &plan, f), AKSNET_EPLAN);
    assert_null(plan);
    if (f->count != 1)
        dump(f);
    assert_int_equal(f->count, 1);
    assert_string_equal(f->items[0].code, "plan-syntax");
    assert_int_equal(f->items[0].severity, AKSNET_SEVERITY_ERROR);
    assert_string_equal(f->items[0].field, "");
    expect_contains(f->items[0].message, "test.json");
    if (part1)
        expect_contains(f->items[0].message, part1);
    if (part2)
        expect_contains(f->items[0].message, part2);
    aksnet_findings_free(f);
}

/* ---- a whole plan ------------------------------------------------------------- */

static void test_load_seed_plan(void **state)
{
    (void)state;
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    struct aksnet_plan *p;
    assert_int_equal(load(SEED_PLAN, &p, &f), AKSNET_OK);
    assert_non_null(p);
    expect_no_findings(&f);

    assert_string_equal(p->source, "test.json");
    assert_string_equal(p->cloud, "AzureChinaCloud");
    assert_string_equal(p->subscription_id, "00000000-0000-0000-0000-000000000000");
    assert_string_equal(p->location, "chinaeast2");
    assert_string_equal(p->resource_group, "myResourceGroup");
    assert_int_equal(p->tag_count, 1);
    assert_string_equal(p->tags[0].key, "env");
    assert_string_equal(p->tags[0].value, "dev");

    assert_string_equal(p->vnet.name, "myAKSVnet");
    assert_null(p->vnet.resource_group);
    assert_int_equal(p->vnet.address_prefix_count, 1);
    assert_string_equal(p->vnet.address_prefixes[0], "192.168.0.0/16");
    assert_false(p->vnet.existing);
    assert_string_equal(p->subnet.name, "myAKSSubnet");
    assert_string_equal(p->subnet.address_prefix, "192.168.1.0/24");
    assert_null(p->subnet.id);
    assert_true(p->route_table.given);
    assert_string_equal(p->route_table.name, "myAKSRouteTable");
    assert_int_equal(p->route_table.route_count, 1);
    assert_string_equal(p->route_table.routes[0].name, "egress");
    assert_string_equal(p->route_table.routes[0].address_prefix, "0.0.0.0/0");
    assert_string_equal(p->route_table.routes[0].next_hop_type, "VirtualAppliance");
    assert_string_equal(p->route_table.routes[0].next_hop_ip, "192.168.0.4");
    assert_int_equal(p->avoid_prefix_count, 1);
    assert_string_equal(p->avoid_prefixes[0], "10.0.0.0/8");

    assert_string_equal(p->identity.type, "UserAssigned");
    assert_string_equal(p->identity.name, "myIdentity");
    assert_null(p->identity.id);
    assert_string_equal(p->role_assignment.scope, "vnet");
    assert_null(p->role_assignment.role_definition_id);

    assert_string_equal(p->cluster.name, "myAKSCluster");
    assert_string_equal(p->cluster.dns_prefix, "myakscluster");
    assert_string_equal(p->cluster.kubernetes_version, "1.30");
    assert_null(p->cluster.network_plugin);
    assert_string_equal(p->cluster.network_policy, "calico");
    assert_string_equal(p->cluster.outbound_type, "loadBalancer");
    assert_string_equal(p->cluster.pod_cidr, "10.244.0.0/16");
    assert_string_equal(p->cluster.service_cidr, "10.0.0.0/16");
    assert_string_equal(p->cluster.dns_service_ip, "10.0.0.10");
    assert_int_equal(p->cluster.node_pool_count, 1);
    const struct aksnet_node_pool *np = &p->cluster.node_pools[0];
    assert_string_equal(np->name, "nodepool1");
    assert_int_equal(np->count, 3);
    assert_string_equal(np->vm_size, "Standard_DS2_v2");
    assert_int_equal(np->max_pods, 110);
    assert_string_equal(np->os_type, "Linux");
    assert_string_equal(np->mode, "System");
    assert_string_equal(np->max_surge, "1");
    assert_false(np->enable_auto_scaling);
    assert_int_equal(np->min_count, AKSNET_PLAN_UNSET);
    assert_int_equal(np->max_count, AKSNET_PLAN_UNSET);

    /* defaults change nothing that was given */
    assert_int_equal(aksnet_plan_apply_defaults(p, "ffffffff-ffff-ffff-ffff-ffffffffffff"), AKSNET_OK);
    assert_string_equal(p->cloud, "AzureChinaCloud");
    assert_string_equal(p->subscription_id, "00000000-0000-0000-0000-000000000000");
    assert_string_equal(p->identity.name, "myIdentity");
    assert_string_equal(p->route_table.name, "myAKSRouteTable");
    assert_string_equal(p->vnet.name, "myAKSVnet");
    assert_string_equal(p->vnet.resource_group, "myResourceGroup");
    assert_int_equal(p->vnet.address_prefix_count, 1);
    assert_string_equal(p->vnet.address_prefixes[0], "192.168.0.0/16");
    assert_string_equal(p->subnet.address_prefix, "192.168.1.0/24");
    assert_string_equal(p->cluster.network_plugin, "kubenet");
    assert_int_equal(p->cluster.node_pool_count, 1);

    aksnet_plan_free(p);
    aksnet_findings_free(&f);
}

/* ---- syntax ------------------------------------------------------------------- */

static void test_syntax_error_line_column(void **state)
{
    (void)state;
    /* the stray comma is on line 3, column 15 */
    const char *text = "{\n"
                       "  \"cloud\": \"AzureCloud\",\n"
                       "  \"location\": ,\n"
                       "  \"resourceGroup\": \"rg\"\n"
                       "}\n";
    expect_syntax_error(text, strlen(text), "line 3, column 15", NULL);

    /* a missing closing brace: reported at the end of the text, line 3 column 1 */
    text = "{\"location\": \"x\",\n \"cluster\": {\"name\": \"c\"}\n";
    expect_syntax_error(text, strlen(text), "line 3, column 1", NULL);
}

static void test_syntax_error_unquoted_key_column(void **state)
{
    (void)state;
    /* an unquoted key: the error is at the key's first character, line 2, column 3 */
    const char *text = "{\n  location: \"x\"\n}";
    expect_syntax_error(text, strlen(text), "line 2, column 3", NULL);
}

static void test_trailing_text(void **state)
{
    (void)state;
    expect_syntax_error("{} x", 4, "line 1, column 4", NULL);
    expect_syntax_error("{}{}", 4, "line 1, column 3", NULL);
    expect_syntax_error("{\"location\": \"x\"}}", 18, "line 1, column 18", NULL);
    expect_syntax_error("{}\n\n,", 5, "line 3, column 1", NULL);

    /* trailing white space is fine */
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    struct aksnet_plan *p;
    assert_int_equal(load("{}\n\n  \t\r\n", &p, &f), AKSNET_OK);
    assert_non_null(p);
    expect_no_findings(&f);
    aksnet_plan_free(p);
    aksnet_findings_free(&f);
}

static void test_empty_buffer(void **state)
{
    (void)state;
    expect_syntax_error("", 0, "line 1, column 1", "empty");
    expect_syntax_error("   \n", 4, NULL, NULL);
    /* a buffer whose length says empty, whatever follows */
    expect_syntax_error("{}", 0, "empty", NULL);
}

static void test_nul_byte(void **state)
{
    (void)state;
    static const char text[] = "{\"location\": \"a\0b\"}";
    expect_syntax_error(text, sizeof(text) - 1, "line 1, column 16", "NUL byte");
    static const char text2[] = "{}\n\0";
    expect_syntax_error(text2, sizeof(text2) - 1, "line 2, column 1", "NUL byte");
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"tags\": {\"k\": \"\xc0\xaf\"}}",             /* overlong '/' in two bytes */
        "{\"tags\": {\"k\": \"\xe0\x80\xaf\"}}",         /* overlong in three bytes */
        "{\"tags\": {\"k\": \"\xf0\x80\x80\xaf\"}}",     /* overlong in four bytes */
        "{\"tags\": {\"k\": \"\xed\xa0\x80\"}}",         /* surrogate U+D800 */
        "{\"tags\": {\"k\": \"\xed\xbf\xbf\"}}",         /* surrogate U+DFFF */
        "{\"tags\": {\"k\": \"\xf4\x90\x80\x80\"}}",     /* past U+10FFFF */
        "{\"tags\": {\"k\": \"\x80\"}}",                 /* lone continuation byte */
        "{\"tags\": {\"k\": \"\xff\"}}",                 /* never valid */
        "{\"tags\": {\"k\": \"\xe2\x82\"}}",             /* truncated inside the string */
        "{\"tags\": {\"k\": \"v\"}}\xe2\x82",            /* truncated at the very end */
        "{\"tags\": {\"k\": \"v\"}}\xc3",                /* truncated, one byte */
        "{\"tags\": {\"k\": \"v\"}}\xf0\x9f\x98",        /* truncated four-byte sequence */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_syntax_error(bad[i], strlen(bad[i]), "invalid UTF-8", "line 1, column ");

    /* line and column of the bad byte */
    const char *text = "{\n  \"location\": \"\xc0\xaf\"\n}";
    expect_syntax_error(text, strlen(text), "line 2, column 16", "invalid UTF-8");
}

static void test_valid_utf8(void **state)
{
    (void)state;
    /* 2-, 3- and 4-byte sequences, and the largest code point U+10FFFF */
    const char *value = "Jos\xc3\xa9 \xe2\x80\x93 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf";
    char text[256];
    snprintf(text, sizeof(text), "{\"tags\": {\"owner\": \"%s\", \"\xe7\x8e\xaf\xe5\xa2\x83\": \"dev\"}}",
             value);
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    struct aksnet_plan *p;
    assert_int_equal(load(text, &p, &f), AKSNET_OK);
    assert_non_null(p);
    expect_no_findings(&f);
    assert_int_equal(p->tag_count, 2);
    assert_string_equal(p->tags[0].key, "owner");
    assert_string_equal(p->tags[0].value, value);
    assert_string_equal(p->tags[1].key, "\xe7\x8e\xaf\xe5\xa2\x83");
    assert_string_equal(p->tags[1].value, "dev");
    aksnet_plan_free(p);
    aksnet_findings_free(&f);
}

static void test_not_an_object(void **state)
{
    (void)state;
    /* JSON, but not a plan: refused as a whole, no plan comes back */
    static const char *const texts[] = {"[]", "\"plan\"", "42", "null", "true", "[{}]"};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        expect_syntax_error(texts[i], strlen(texts[i]), "JSON object", NULL);
}

/* ---- unknown keys, duplicates ------------------------------------------------- */

static void test_unknown_key_nested(void **state)
{
    (void)state;
    const char *text = "{\"cluster\": {\"name\": \"c\", \"nodePools\": [\n"
                       "  {\"name\": \"np\", \"count\": 5, \"maxPodz\": 30},\n"
                       "  {\"name\": \"np2\", \"vmsize\": \"Standard_D4s_v5\"}]}}";
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    struct aksnet_plan *p;
    assert_int_equal(load(text, &p, &f), AKSNET_OK);
    assert_non_null(p);
    if (f.count != 2)
        dump(&f);
    assert_int_equal(f.count, 2);
    assert_string_equal(f.items[0].code, "plan-field");
    assert_int_equal(f.items[0].severity, AKSNET_SEVERITY_ERROR);
    assert_string_equal(f.items[0].field, "cluster.nodePools[0].maxPodz");
    expect_contains(f.items[0].message, "'maxPodz'");
    expect_contains(f.items[0].message, "unknown key");
    assert_string_equal(f.items[1].code, "plan-field");
    assert_string_equal(f.items[1].field, "cluster.nodePools[1].vmsize");
    /* the rest is still read */
    assert_int_equal(p->cluster.node_pool_count, 2);
    assert_string_equal(p->cluster.node_pools[0].name, "np");
    assert_int_equal(p->cluster.node_pools[0].count, 5);
    assert_int_equal(p->cluster.node_pools[0].max_pods, AKSNET_PLAN_UNSET);
    assert_string_equal(p->cluster.node_pools[1].name, "np2");
    assert_null(p->cluster.node_pools[1].vm_size);
    aksnet_plan_free(p);
    aksnet_findings_free(&f);
}

static void test_unknown_key_top_level(void **state)
{
    (void)state;
    const char *text = "{\"location\": \"eastus\", \"clud\": \"AzureCloud\",\n"
                       " \"network\": {\"vnet\": {\"adressPrefixes\": [\"10.0.0.0/8\"]}}}";
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    struct aksnet_plan *p;
    assert_int_equal(load(text, &p, &f), AKSNET_OK);
    assert_non_null(p);
    assert_int_equal(f.count, 2);
    const struct aksnet_finding *x = expect_finding(&f, "plan-field", "clud");
    expect_contains(x->message, "'clud'");
    expect_contains(x->message, "unknown key");
    x = expect_finding(&f, "plan-field", "network.vnet.adressPrefixes");
    expect_contains(x->message, "'adressPrefixes'");
    assert_string_equal(p->location, "eastus");
    assert_null(p->cloud);
    assert_int_equal(p->vnet.address_prefix_count, 0);
    aksnet_plan_free(p);
    aksnet_findings_free(&f);
}

static void test_duplicate_key(void **state)
{
    (void)state;
    const char *text = "{\"location\": \"a\", \"location\": \"b\",\n"
                       " \"cluster\": {\"name\": \"c1\", \"nodePools\": [{\"count\": 1, \"count\": 2}]}}";
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    struct aksnet_plan *p;
    assert_int_equal(load(text, &p, &f), AKSNET_OK);
    assert_non_null(p);
    if (f.count != 2)
        dump(&f);
    assert_int_equal(f.count, 2);
    const struct aksnet_finding *x = expect_finding(&f, "plan-field", "location");
    expect_contains(x->message, "twice");
    x = expect_finding(&f, "plan-field", "cluster.nodePools[0].count");
    expect_contains(x->message, "twice");
    aksnet_plan_free(p);
    aksnet_findings_free(&f);
}

/* True if f has a plan-field finding at field whose message contains part (any message when NULL). */
static bool has_field_finding(const struct aksnet_findings *f, const char *field, const char *part)
{
    for (size_t i = 0; i < f->count; i++)
        if (strcmp(f->items[i].code, "plan-field") == 0 && strcmp(f->items[i].field, field) == 0 &&
            (!part || strstr(f->items[i].message, part)))
            return true;
    return false;
}

static void test_duplicate_tag(void **state)
{
    (void)state;
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    struct aksnet_plan *p;
    aksnet_code rc = load("{\"tags\": {\"env\": \"dev\", \"env\": \"prod\"}}", &p, &f);
    /* a tag given twice is a duplicate key like any other */
    bool reported = has_field_finding(&f, "tags.env", "twice");
    if (!reported)
        dump(&f);
    aksnet_plan_free(p);
    aksnet_findings_free(&f);
    assert_int_equal(rc, AKSNET_OK);
    assert_true(reported);
}

static void test_embedded_nul_escape(void **state)
{
    (void)state;
    /* "\u0000" decodes to a NUL that would silently cut a C string: the plan is refused
     * with the place of the escape, never shortened to "rg" or taken as the key "location" */
    expect_syntax_error("{\"resourceGroup\": \"rg\\u0000evil\"}", 33, "line 1, column 22", "\\u0000");
    expect_syntax_error("{\"location\\u0000x\": \"eastus\"}", 29, "line 1, column 11", "NUL");
    /* an escaped backslash before u0000 is text, not a NUL */
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    struct aksnet_plan *p;
    assert_int_equal(load("{\"tags\": {\"a\": \"x\\\\u0000\"}}", &p, &f), AKSNET_OK);
    assert_non_null(p);
    assert_int_equal(f.count, 0);
    aksnet_plan_free(p);
    aksnet_findings_free(&f);
}

static void test_long_unknown_key(void **state)
{
    (void)state;
    char key[1001];
    memset(key, 'k', sizeof(key) - 1);
    key[sizeof(key) - 1] = '\0';
    char text[1100];
    snprintf(text, sizeof(text), "{\"cluster\": {\"%s\": 1}}", key);
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    struct aksnet_plan *p;
    assert_int_equal(load(text, &p, &f), AKSNET_OK);
    assert_int_equal(f.count, 1);
    assert_string_equal(f.items[0].code, "plan-field");
    /* the path is cut visibly, never overrun */
    size_t n = strlen(f.items[0].field);
    assert_true(n > 8 && n < 300);
    assert_memory_equal(f.items[0].field, "cluster.kkk", 11);
    assert_string_equal(f.items[0].field + n - 3, "...");
    aksnet_plan_free(p);
    aksnet_findings_free(&f);
}

/* ---- types -------------------------------------------------------------------- */

static void test_wrong_types(void **state)
{
    (void)state;
    const char *text =
        "{\"location\": 5,\n"
        " \"tags\": {\"env\": 1, \"team\": \"net\"},\n"
        " \"network\": {\"vnet\": {\"existing\": \"yes\", \"addressPrefixes\": \"10.0.0.0/8\"},\n"
        "             \"avoidPrefixes\": [\"10.0.0.0/8\", 7]},\n"
        " \"cluster\": {\"name\": 5, \"nodePools\": [{\"count\": \"3\", \"enableAutoScaling\": 1,\n"
        "                                        \"maxPods\": 2.5, \"maxCount\": 1e12}]}}";
    static const struct {
        const char *field;
        const char *expect;
        const char *found;
    } want[] = {
        {"location", "expected a string", "found a number"},
        {"tags.env", "expected a string", "found a number"},
        {"network.vnet.existing", "expected true or false", "found a string"},
        {"network.vnet.addressPrefixes", "expected an array of strings", "found a string"},
        {"network.avoidPrefixes[1]", "expected a string", "found a number"},
        {"cluster.name", "expected a string", "found a number"},
        {"cluster.nodePools[0].count", "expected a whole number", "found a string"},
        {"cluster.nodePools[0].enableAutoScaling", "expected true or false", "found a number"},
        {"cluster.nodePools[0].maxPods", "expected a whole number", "fraction"},
        {"cluster.nodePools[0].maxCount", "out of range", NULL},
    };
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    struct aksnet_plan *p;
    assert_int_equal(load(text, &p, &f), AKSNET_OK);
    assert_non_null(p);
    size_t n = sizeof(want) / sizeof(want[0]);
    if (f.count != n)
        dump(&f);
    assert_int_equal(f.count, n);
    for (size_t i = 0; i < n; i++) {
        const struct aksnet_finding *x = expect_finding(&f, "plan-field", want[i].field);
        assert_int_equal(x->severity, AKSNET_SEVERITY_ERROR);
        /* the field names the key (printed as "field: message"); the message the type */
        expect_contains(x->message, want[i].expect);
        if (want[i].found)
            expect_contains(x->message, want[i].found);
    }
    /* the wrong values were not taken; the right ones were */
    assert_null(p->location);
    assert_int_equal(p->tag_count, 1);
    assert_string_equal(p->tags[0].key, "team");
    assert_string_equal(p->tags[0].value, "net");
    assert_false(p->vnet.existing);
    assert_int_equal(p->vnet.address_prefix_count, 0);
    assert_int_equal(p->avoid_prefix_count, 0);
    assert_null(p->cluster.name);
    assert_int_equal(p->cluster.node_pool_count, 1);
    assert_int_equal(p->cluster.node_pools[0].count, AKSNET_PLAN_UNSET);
    assert_false(p->cluster.node_pools[0].enable_auto_scaling);
    assert_int_equal(p->cluster.node_pools[0].max_pods, AKSNET_PLAN_UNSET);
    assert_int_equal(p->cluster.node_pools[0].max_count, AKSNET_PLAN_UNSET);
    aksnet_plan_free(p);
    aksnet_findings_free(&f);
}

static void test_wrong_container_types(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *field;
        const char *expect;
    } cases[] = {
        {"{\"cluster\": []}", "cluster", "expected an object"},
        {"{\"network\": \"x\"}", "network", "expected an object"},
        {"{\"network\": {\"subnet\": 1}}", "network.subnet", "expected an object"},
        {"{\"identity\": true}", "identity", "expected an object"},
        {"{\"tags\": [\"a\"]}", "tags", "expected an object"},
        {"{\"cluster\": {\"nodePools\": {}}}", "cluster.nodePools", "expected an array"},
        {"{\"cluster\": {\"nodePools\": [3]}}", "cluster.nodePools[0]", "expected an object"},
        {"{\"network\": {\"routeTable\": {\"routes\": {}}}}", "network.routeTable.routes", "expected an array"},
        {"{\"network\": {\"routeTable\": {\"routes\": [{\"name\": \"r\", \"nextHop\": \"x\"}]}}}",
         "network.routeTable.routes[0].nextHop", "unknown key"},
        {"{\"cluster\": {\"nodePools\": [{\"maxSurge\": 2.5}]}}", "cluster.nodePools[0].maxSurge", "33%"},
        {"{\"cluster\": {\"nodePools\": [{\"maxSurge\": true}]}}", "cluster.nodePools[0].maxSurge", "expected"},
        {"{\"cluster\": {\"nodePools\": [{\"count\": true}]}}", "cluster.nodePools[0].count",
         "expected a whole number"},
        {"{\"cluster\": {\"nodePools\": [{\"count\": 1e12}]}}", "cluster.nodePools[0].count", "out of range"},
        {"{\"cluster\": {\"nodePools\": [{\"count\": -1e12}]}}", "cluster.nodePools[0].count", "out of range"},
        {"{\"cluster\": {\"nodePools\": [{\"count\": 2.5}]}}", "cluster.nodePools[0].count",
         "expected a whole number"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct aksnet_findings f;
        aksnet_findings_init(&f);
        struct aksnet_plan *p;
        assert_int_equal(load(cases[i].text, &p, &f), AKSNET_OK);
        assert_non_null(p);
        if (f.count != 1) {
            print_error("case %s\n", cases[i].text);
            dump(&f);
        }
        assert_int_equal(f.count, 1);
        assert_string_equal(f.items[0].code, "plan-field");
        assert_string_equal(f.items[0].field, cases[i].field);
        expect_contains(f.items[0].message, cases[i].expect);
        aksnet_plan_free(p);
        aksnet_findings_free(&f);
    }
}

static void test_max_surge_number(void **state)
{
    (void)state;
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    struct aksnet_plan *p;
    assert_int_equal(load("{\"cluster\": {\"nodePools\": [{\"maxSurge\": 2}, {\"maxSurge\": \"33%\"}]}}",
                          &p, &f),
                     AKSNET_OK);
    expect_no_findings(&f);
    assert_string_equal(p->cluster.node_pools[0].max_surge, "2");
    assert_string_equal(p->cluster.node_pools[1].max_surge, "33%");
    aksnet_plan_free(p);
    aksnet_findings_free(&f);
}

static void test_null_is_absent(void **state)
{
    (void)state;
    const char *text =
        "{\"location\": null, \"cloud\": null, \"tags\": null, \"network\": null,\n"
        " \"identity\": {\"type\": null, \"name\": null},\n"
        " \"roleAssignment\": {\"scope\": \"vnet\", \"roleDefinitionId\": null},\n"
        " \"cluster\": {\"name\": \"c\", \"kubernetesVersion\": null, \"nodePools\": [\n"
        "   {\"name\": \"np\", \"count\": null, \"maxPods\": null, \"enableAutoScaling\": null,\n"
        "    \"minCount\": null, \"maxCount\": null, \"maxSurge\": null}]}}";
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    struct aksnet_plan *p;
    assert_int_equal(load(text, &p, &f), AKSNET_OK);
    assert_non_null(p);
    expect_no_findings(&f);
    assert_null(p->location);
    assert_null(p->cloud);
    assert_int_equal(p->tag_count, 0);
    assert_null(p->identity.type);
    assert_null(p->role_assignment.role_definition_id);
    assert_null(p->cluster.kubernetes_version);
    const struct aksnet_node_pool *np = &p->cluster.node_pools[0];
    assert_int_equal(np->count, AKSNET_PLAN_UNSET);
    assert_int_equal(np->max_pods, AKSNET_PLAN_UNSET);
    assert_false(np->enable_auto_scaling);
    assert_int_equal(np->min_count, AKSNET_PLAN_UNSET);
    assert_int_equal(np->max_count, AKSNET_PLAN_UNSET);
    assert_null(np->max_surge);

    /* ... and then get the defaults like any absent value */
    assert_int_equal(aksnet_plan_apply_defaults(p, NULL), AKSNET_OK);
    assert_string_equal(p->cloud, "AzureCloud");
    assert_int_equal(np->count, 3);
    assert_int_equal(np->max_pods, 110);
    assert_string_equal(np->max_surge, "1");
    assert_string_equal(p->identity.type, "UserAssigned");
    aksnet_plan_free(p);
    aksnet_findings_free(&f);
}

/* ---- files -------------------------------------------------------------------- */

static void test_load_file(void **state)
{
    (void)state;
    struct mt_tmpdir dir;
    assert_true(mt_tmpdir_make(&dir, "test-plan"));
    char good[MT_PATH_MAX], missing[MT_PATH_MAX], big[MT_PATH_MAX], max[MT_PATH_MAX], badutf[MT_PATH_MAX];
    assert_non_null(mt_tmpdir_file(&dir, "plan.json", good, sizeof(good)));
    assert_non_null(mt_tmpdir_file(&dir, "none.json", missing, sizeof(missing)));
    assert_non_null(mt_tmpdir_file(&dir, "big.json", big, sizeof(big)));
    assert_non_null(mt_tmpdir_file(&dir, "max.json", max, sizeof(max)));
    assert_non_null(mt_tmpdir_file(&dir, "bad.json", badutf, sizeof(badutf)));

    struct aksnet_findings f;
    aksnet_findings_init(&f);
    struct aksnet_plan *p = NULL;

    /* a good file */
    assert_true(mt_write_file(good, SEED_PLAN, strlen(SEED_PLAN), 0));
    assert_int_equal(aksnet_plan_load_file(good, &p, &f), AKSNET_OK);
    assert_non_null(p);
    expect_no_findings(&f);
    assert_string_equal(p->source, good);
    assert_string_equal(p->cluster.name, "myAKSCluster");
    aksnet_plan_free(p);

    /* a missing file */
    p = (struct aksnet_plan *)(uintptr_t)0x1;
    assert_int_equal(aksnet_plan_load_file(missing, &p, &f), AKSNET_EPLAN);
    assert_null(p);
    assert_int_equal(f.count, 1);
    assert_string_equal(f.items[0].code, "plan-syntax");
    expect_contains(f.items[0].message, missing);
    aksnet_findings_free(&f);

    /* a directory */
    p = (struct aksnet_plan *)(uintptr_t)0x1;
    assert_int_equal(aksnet_plan_load_file(dir.path, &p, &f), AKSNET_EPLAN);
    assert_null(p);
    assert_int_equal(f.count, 1);
    assert_string_equal(f.items[0].code, "plan-syntax");
    expect_contains(f.items[0].message, "directory");
    aksnet_findings_free(&f);

    /* exactly AKSNET_PLAN_MAX_BYTES is allowed; one byte more is not */
    size_t size = (size_t)AKSNET_PLAN_MAX_BYTES + 1;
    char *data = malloc(size);
    assert_non_null(data);
    memset(data, ' ', size);
    data[0] = '{';
    data[1] = '}';
    assert_true(mt_write_file(max, data, size - 1, 0));
    assert_int_equal(aksnet_plan_load_file(max, &p, &f), AKSNET_OK);
    assert_non_null(p);
    expect_no_findings(&f);
    aksnet_plan_free(p);

    assert_true(mt_write_file(big, data, size, 0));
    p = (struct aksnet_plan *)(uintptr_t)0x1;
    assert_int_equal(aksnet_plan_load_file(big, &p, &f), AKSNET_EPLAN);
    assert_null(p);
    assert_int_equal(f.count, 1);
    assert_string_equal(f.items[0].code, "plan-syntax");
    expect_contains(f.items[0].message, "too large");
    aksnet_findings_free(&f);

    /* the same limit for a buffer */
    p = (struct aksnet_plan *)(uintptr_t)0x1;
    assert_int_equal(aksnet_plan_load_buffer(data, size, "buf", &p, &f), AKSNET_EPLAN);
    assert_null(p);
    assert_int_equal(f.count, 1);
    expect_contains(f.items[0].message, "too large");
    aksnet_findings_free(&f);
    free(data);

    /* non-UTF-8 text */
    static const char bad_text[] = "{\"location\": \"\xff\"}";
    assert_true(mt_write_file(badutf, bad_text, sizeof(bad_text) - 1, 0));
    p = (struct aksnet_plan *)(uintptr_t)0x1;
    assert_int_equal(aksnet_plan_load_file(badutf, &p, &f), AKSNET_EPLAN);
    assert_null(p);
    assert_int_equal(f.count, 1);
    expect_contains(f.items[0].message, "invalid UTF-8");
    expect_contains(f.items[0].message, badutf);
    aksnet_findings_free(&f);

    assert_int_equal(unlink(good), 0);
    assert_int_equal(unlink(big), 0);
    assert_int_equal(unlink(max), 0);
    assert_int_equal(unlink(badutf), 0);
    assert_true(mt_tmpdir_remove(&dir));
}

/* ---- overrides ---------------------------------------------------------------- */

static void test_overrides_every_field(void **state)
{
    (void)state;
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    struct aksnet_plan *p;
    assert_int_equal(load(SEED_PLAN, &p, &f), AKSNET_OK);

    struct aksnet_plan_overrides o;
    aksnet_plan_overrides_init(&o);
    assert_null(o.subscription_id);
    assert_int_equal(o.node_count, AKSNET_PLAN_UNSET);
    assert_int_equal(o.max_pods, AKSNET_PLAN_UNSET);
    o.subscription_id = SUB;
    o.cloud = "AzureCloud";
    o.location = "eastus";
    o.resource_group = "otherRG";
    o.cluster_name = "other";
    o.node_count = 7;
    o.max_pods = 50;
    o.network_plugin = "azure";
    o.network_policy = "none";
    o.pod_cidr = "10.100.0.0/16";
    o.service_cidr = "10.200.0.0/16";
    o.dns_service_ip = "10.200.0.53";
    o.vnet_subnet_id = SUBNET_ID;
    o.assign_identity = IDENTITY_ID;
    assert_int_equal(aksnet_plan_apply_overrides(p, &o, &f), AKSNET_OK);
    expect_no_findings(&f);

    assert_string_equal(p->subscription_id, SUB);
    assert_string_equal(p->cloud, "AzureCloud");
    assert_string_equal(p->location, "eastus");
    assert_string_equal(p->resource_group, "otherRG");
    assert_string_equal(p->cluster.name, "other");
    assert_int_equal(p->cluster.node_pool_count, 1);
    assert_int_equal(p->cluster.node_pools[0].count, 7);
    assert_int_equal(p->cluster.node_pools[0].max_pods, 50);
    assert_string_equal(p->cluster.node_pools[0].name, "nodepool1");
    assert_string_equal(p->cluster.network_plugin, "azure");
    assert_string_equal(p->cluster.network_policy, "none");
    assert_string_equal(p->cluster.pod_cidr, "10.100.0.0/16");
    assert_string_equal(p->cluster.service_cidr, "10.200.0.0/16");
    assert_string_equal(p->cluster.dns_service_ip, "10.200.0.53");
    assert_string_equal(p->subnet.id, SUBNET_ID);
    assert_string_equal(p->vnet.name, "byoVnet");
    assert_string_equal(p->vnet.resource_group, "netRG");
    assert_string_equal(p->subnet.name, "byoSubnet");
    assert_true(p->vnet.existing);
    assert_true(aksnet_plan_vnet_is_existing(p));
    assert_string_equal(p->identity.id, IDENTITY_ID);
    assert_string_equal(p->identity.name, "byoId");
    assert_string_equal(p->identity.type, "UserAssigned");

    /* defaults keep the overridden values */
    assert_int_equal(aksnet_plan_apply_defaults(p, NULL), AKSNET_OK);
    assert_string_equal(p->vnet.resource_group, "netRG");
    assert_string_equal(p->vnet.name, "byoVnet");
    assert_string_equal(p->identity.name, "byoId");
    assert_string_equal(p->cluster.dns_service_ip, "10.200.0.53");
    aksnet_plan_free(p);
    aksnet_findings_free(&f);
}

static void test_overrides_identity_over_system_assigned(void **state)
{
    (void)state;
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    struct aksnet_plan *p;
    assert_int_equal(load("{\"identity\": {\"type\": \"SystemAssigned\"}}", &p, &f), AKSNET_OK);
    struct aksnet_plan_overrides o;
    aksnet_plan_overrides_init(&o);
    o.assign_identity = IDENTITY_ID;
    assert_int_equal(aksnet_plan_apply_overrides(p, &o, &f), AKSNET_OK);
    expect_no_findings(&f);
    assert_string_equal(p->identity.type, "UserAssigned");
    assert_string_equal(p->identity.name, "byoId");
    aksnet_plan_free(p);
    aksnet_findings_free(&f);
}

static void test_overrides_create_pool(void **state)
{
    (void)state;
    struct aksnet_findings f;
    aksnet_findings_init(&f);

    /* a flags-only plan gets a pool for --node-count */
    struct aksnet_plan *p = aksnet_plan_new("flags");
    assert_non_null(p);
    assert_string_equal(p->source, "flags");
    assert_int_equal(p->cluster.node_pool_count, 0);
    struct aksnet_plan_overrides o;
    aksnet_plan_overrides_init(&o);
    assert_int_equal(aksnet_plan_apply_overrides(p, &o, &f), AKSNET_OK);
    assert_int_equal(p->cluster.node_pool_count, 0); /* no flag, no pool */
    o.node_count = 5;
    assert_int_equal(aksnet_plan_apply_overrides(p, &o, &f), AKSNET_OK);
    assert_int_equal(p->cluster.node_pool_count, 1);
    assert_int_equal(p->cluster.node_pools[0].count, 5);
    assert_int_equal(p->cluster.node_pools[0].max_pods, AKSNET_PLAN_UNSET);
    assert_int_equal(p->cluster.node_pools[0].min_count, AKSNET_PLAN_UNSET);
    assert_int_equal(p->cluster.node_pools[0].max_count, AKSNET_PLAN_UNSET);
    assert_null(p->cluster.node_pools[0].name);
    assert_int_equal(aksnet_plan_apply_defaults(p, NULL), AKSNET_OK);
    assert_int_equal(p->cluster.node_pool_count, 1);
    assert_string_equal(p->cluster.node_pools[0].name, "nodepool1");
    assert_int_equal(p->cluster.node_pools[0].count, 5);
    assert_int_equal(p->cluster.node_pools[0].max_pods, 110);
    aksnet_plan_free(p);

    /* a file with an empty nodePools list gets one for --max-pods */
    assert_int_equal(load("{\"cluster\": {\"nodePools\": []}}", &p, &f), AKSNET_OK);
    expect_no_findings(&f);
    assert_int_equal(p->cluster.node_pool_count, 0);
    aksnet_plan_overrides_init(&o);
    o.max_pods = 30;
    assert_int_equal(aksnet_plan_apply_overrides(p, &o, &f), AKSNET_OK);
    assert_int_equal(p->cluster.node_pool_count, 1);
    assert_int_equal(p->cluster.node_pools[0].max_pods, 30);
    assert_int_equal(p->cluster.node_pools[0].count, AKSNET_PLAN_UNSET);
    assert_int_equal(aksnet_plan_apply_defaults(p, NULL), AKSNET_OK);
    assert_int_equal(p->cluster.node_pools[0].count, 3);
    assert_int_equal(p->cluster.node_pools[0].max_pods, 30);
    aksnet_plan_free(p);

    /* only the first of several pools */
    assert_int_equal(load("{\"cluster\": {\"nodePools\": [{\"name\": \"a\", \"count\": 2, \"maxPods\": 20},"
                          " {\"name\": \"b\", \"count\": 4, \"maxPods\": 40}]}}",
                          &p, &f),
                     AKSNET_OK);
    aksnet_plan_overrides_init(&o);
    o.node_count = 9;
    o.max_pods = 90;
    assert_int_equal(aksnet_plan_apply_overrides(p, &o, &f), AKSNET_OK);
    assert_int_equal(p->cluster.node_pool_count, 2);
    assert_int_equal(p->cluster.node_pools[0].count, 9);
    assert_int_equal(p->cluster.node_pools[0].max_pods, 90);
    assert_int_equal(p->cluster.node_pools[1].count, 4);
    assert_int_equal(p->cluster.node_pools[1].max_pods, 40);
    aksnet_plan_free(p);
    aksnet_findings_free(&f);
}

static void test_overrides_bad_ids(void **state)
{
    (void)state;
    static const struct {
        const char *subnet;
        const char *identity;
    } cases[] = {
        {"not-an-id", "myIdentity"},
        {"/subscriptions/" SUB "/resourceGroups/netRG/providers/Microsoft.Network/virtualNetworks/byoVnet",
         "/subscriptions/" SUB "/resourceGroups/idRG/providers/Microsoft.ManagedIdentity/userAssignedIdentities"},
        {IDENTITY_ID, SUBNET_ID}, /* swapped: each is a well-formed id of the wrong type */
        {"/subscriptions/" SUB "/resourceGroups/netRG/providers/Microsoft.Network/routeTables/rt/routes/r",
         "/subscriptions/" SUB "/resourceGroups/idRG/providers/Microsoft.Compute/virtualMachines/vm"},
        {SUBNET_ID "/", IDENTITY_ID "/"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct aksnet_findings f;
        aksnet_findings_init(&f);
        struct aksnet_plan *p = aksnet_plan_new("flags");
        assert_non_null(p);
        struct aksnet_plan_overrides o;
        aksnet_plan_overrides_init(&o);
        o.vnet_subnet_id = cases[i].subnet;
        o.assign_identity = cases[i].identity;
        assert_int_equal(aksnet_plan_apply_overrides(p, &o, &f), AKSNET_OK);
        if (f.count != 2) {
            print_error("case %zu\n", i);
            dump(&f);
        }
        assert_int_equal(f.count, 2);
        assert_string_equal(f.items[0].code, "plan-field");
        assert_int_equal(f.items[0].severity, AKSNET_SEVERITY_ERROR);
        assert_string_equal(f.items[0].field, "--vnet-subnet-id");
        expect_contains(f.items[0].message, cases[i].subnet);
        expect_contains(f.items[0].message, "subnets");
        assert_string_equal(f.items[1].code, "plan-field");
        assert_string_equal(f.items[1].field, "--assign-identity");
        expect_contains(f.items[1].message, cases[i].identity);
        expect_contains(f.items[1].message, "userAssignedIdentities");
        /* nothing was taken from them */
        assert_false(p->vnet.existing);
        assert_false(aksnet_plan_vnet_is_existing(p));
        assert_null(p->subnet.id);
        assert_null(p->vnet.name);
        assert_null(p->subnet.name);
        assert_null(p->identity.id);
        assert_null(p->identity.name);
        assert_null(p->identity.type);
        aksnet_plan_free(p);
        aksnet_findings_free(&f);
    }
}

/* ---- defaults ----------------------------------------------------------------- */

static struct aksnet_plan *load_ok(const char *text)
{
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    struct aksnet_plan *p;
    assert_int_equal(load(text, &p, &f), AKSNET_OK);
    assert_non_null(p);
    expect_no_findings(&f);
    aksnet_findings_free(&f);
    return p;
}

static void test_defaults_minimal(void **state)
{
    (void)state;
    struct aksnet_plan *p = load_ok("{\"resourceGroup\": \"rg1\", \"cluster\": {\"name\": \"MyAKSCluster\"}}");
    assert_int_equal(aksnet_plan_apply_defaults(p, NULL), AKSNET_OK);

    assert_string_equal(p->cloud, "AzureCloud");
    assert_null(p->subscription_id);
    assert_null(p->location);
    assert_string_equal(p->resource_group, "rg1");

    assert_string_equal(p->cluster.pod_cidr, "10.244.0.0/16");
    assert_string_equal(p->cluster.service_cidr, "10.0.0.0/16");
    assert_string_equal(p->cluster.dns_service_ip, "10.0.0.10");
    assert_string_equal(p->cluster.network_plugin, "kubenet");
    assert_string_equal(p->cluster.outbound_type, "loadBalancer");
    assert_string_equal(p->cluster.dns_prefix, "myakscluster");
    assert_null(p->cluster.kubernetes_version);
    assert_null(p->cluster.network_policy);

    assert_int_equal(p->cluster.node_pool_count, 1);
    const struct aksnet_node_pool *np = &p->cluster.node_pools[0];
    assert_string_equal(np->name, "nodepool1");
    assert_int_equal(np->count, 3);
    assert_int_equal(np->max_pods, 110);
    assert_string_equal(np->max_surge, "1");
    assert_string_equal(np->os_type, "Linux");
    assert_string_equal(np->mode, "System");
    assert_string_equal(np->vm_size, "Standard_DS2_v2");
    assert_false(np->enable_auto_scaling);
    assert_int_equal(np->min_count, AKSNET_PLAN_UNSET);
    assert_int_equal(np->max_count, AKSNET_PLAN_UNSET);

    assert_string_equal(p->identity.type, "UserAssigned");
    assert_string_equal(p->identity.name, "MyAKSCluster-identity");
    assert_null(p->identity.id);
    assert_string_equal(p->route_table.name, "MyAKSCluster-rt");
    assert_false(p->route_table.given);
    assert_int_equal(p->route_table.route_count, 0);
    assert_string_equal(p->role_assignment.scope, "vnet");
    assert_null(p->role_assignment.role_definition_id);

    /* no network at all: AKS's own defaults */
    assert_string_equal(p->vnet.name, "MyAKSCluster-vnet");
    assert_int_equal(p->vnet.address_prefix_count, 1);
    assert_string_equal(p->vnet.address_prefixes[0], "10.224.0.0/12");
    assert_string_equal(p->subnet.name, "MyAKSCluster-subnet");
    assert_string_equal(p->subnet.address_prefix, "10.224.0.0/16");
    assert_null(p->subnet.id);
    assert_false(p->vnet.existing);
    assert_string_equal(p->vnet.resource_group, "rg1");
    assert_int_equal(p->avoid_prefix_count, 0);

    /* applying them again changes nothing and leaks nothing */
    assert_int_equal(aksnet_plan_apply_defaults(p, SUB), AKSNET_OK);
    assert_string_equal(p->subscription_id, SUB); /* was still absent */
    assert_int_equal(p->vnet.address_prefix_count, 1);
    assert_string_equal(p->vnet.address_prefixes[0], "10.224.0.0/12");
    assert_int_equal(p->cluster.node_pool_count, 1);
    assert_string_equal(p->identity.name, "MyAKSCluster-identity");
    aksnet_plan_free(p);
}

static void test_defaults_subscription(void **state)
{
    (void)state;
    struct aksnet_plan *p = load_ok("{}");
    assert_int_equal(aksnet_plan_apply_defaults(p, SUB), AKSNET_OK);
    assert_string_equal(p->subscription_id, SUB);
    aksnet_plan_free(p);

    p = load_ok("{\"subscriptionId\": \"00000000-0000-0000-0000-000000000000\"}");
    assert_int_equal(aksnet_plan_apply_defaults(p, SUB), AKSNET_OK);
    assert_string_equal(p->subscription_id, "00000000-0000-0000-0000-000000000000");
    aksnet_plan_free(p);

    p = load_ok("{}");
    assert_int_equal(aksnet_plan_apply_defaults(p, NULL), AKSNET_OK);
    assert_null(p->subscription_id);
    /* no cluster name: nothing is named after it */
    assert_null(p->identity.name);
    assert_null(p->route_table.name);
    assert_null(p->vnet.name);
    assert_null(p->subnet.name);
    assert_null(p->cluster.dns_prefix);
    aksnet_plan_free(p);

    /* --subscription beats the environment too */
    p = aksnet_plan_new("flags");
    struct aksnet_plan_overrides o;
    aksnet_plan_overrides_init(&o);
    o.subscription_id = "11111111-1111-1111-1111-111111111111";
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    assert_int_equal(aksnet_plan_apply_overrides(p, &o, &f), AKSNET_OK);
    assert_int_equal(aksnet_plan_apply_defaults(p, SUB), AKSNET_OK);
    assert_string_equal(p->subscription_id, "11111111-1111-1111-1111-111111111111");
    aksnet_plan_free(p);
    aksnet_findings_free(&f);
}

static void test_defaults_dns_follows_service_cidr(void **state)
{
    (void)state;
    struct aksnet_plan *p = load_ok("{\"cluster\": {\"name\": \"c\", \"serviceCidr\": \"172.20.0.0/16\"}}");
    assert_int_equal(aksnet_plan_apply_defaults(p, NULL), AKSNET_OK);
    assert_string_equal(p->cluster.service_cidr, "172.20.0.0/16");
    assert_string_equal(p->cluster.dns_service_ip, "172.20.0.10");
    assert_string_equal(p->cluster.pod_cidr, "10.244.0.0/16");
    aksnet_plan_free(p);

    /* the same through --service-cidr */
    p = aksnet_plan_new("flags");
    struct aksnet_plan_overrides o;
    aksnet_plan_overrides_init(&o);
    o.service_cidr = "10.96.0.0/12";
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    assert_int_equal(aksnet_plan_apply_overrides(p, &o, &f), AKSNET_OK);
    assert_int_equal(aksnet_plan_apply_defaults(p, NULL), AKSNET_OK);
    assert_string_equal(p->cluster.dns_service_ip, "10.96.0.10");
    aksnet_plan_free(p);
    aksnet_findings_free(&f);

    /* a given DNS IP is kept */
    p = load_ok("{\"cluster\": {\"serviceCidr\": \"172.20.0.0/16\", \"dnsServiceIp\": \"172.20.0.53\"}}");
    assert_int_equal(aksnet_plan_apply_defaults(p, NULL), AKSNET_OK);
    assert_string_equal(p->cluster.dns_service_ip, "172.20.0.53");
    aksnet_plan_free(p);
}

static void test_defaults_system_assigned(void **state)
{
    (void)state;
    struct aksnet_plan *p =
        load_ok("{\"identity\": {\"type\": \"SystemAssigned\"}, \"cluster\": {\"name\": \"aks1\"}}");
    assert_int_equal(aksnet_plan_apply_defaults(p, NULL), AKSNET_OK);
    assert_string_equal(p->identity.type, "SystemAssigned");
    assert_null(p->identity.name);
    assert_false(p->route_table.given);
    assert_null(p->route_table.name);
    assert_string_equal(p->role_assignment.scope, "vnet");
    aksnet_plan_free(p);

    /* with a routeTable key the table is named after the cluster */
    p = load_ok("{\"identity\": {\"type\": \"SystemAssigned\"}, \"network\": {\"routeTable\": {}},"
                " \"cluster\": {\"name\": \"aks1\"}}");
    assert_int_equal(aksnet_plan_apply_defaults(p, NULL), AKSNET_OK);
    assert_true(p->route_table.given);
    assert_string_equal(p->route_table.name, "aks1-rt");
    aksnet_plan_free(p);
}

static void test_defaults_network_given(void **state)
{
    (void)state;
    struct aksnet_plan *p = load_ok(
        "{\"resourceGroup\": \"rg1\", \"cluster\": {\"name\": \"aks1\", \"dnsPrefix\": \"Custom-1\"},"
        " \"network\": {\"vnet\": {\"addressPrefixes\": [\"192.168.0.0/16\"], \"resourceGroup\": \"netRG\"},"
        "             \"subnet\": {\"addressPrefix\": \"192.168.1.0/24\"}},"
        " \"roleAssignment\": {\"scope\": \"subnet\"}}");
    assert_int_equal(aksnet_plan_apply_defaults(p, NULL), AKSNET_OK);
    assert_int_equal(p->vnet.address_prefix_count, 1);
    assert_string_equal(p->vnet.address_prefixes[0], "192.168.0.0/16");
    assert_string_equal(p->subnet.address_prefix, "192.168.1.0/24");
    assert_string_equal(p->vnet.name, "aks1-vnet");
    assert_string_equal(p->subnet.name, "aks1-subnet");
    assert_string_equal(p->vnet.resource_group, "netRG");
    assert_string_equal(p->cluster.dns_prefix, "Custom-1");
    assert_string_equal(p->role_assignment.scope, "subnet");
    aksnet_plan_free(p);

    /* only the subnet given: the VNet's space is not invented around it */
    p = load_ok(
        "{\"cluster\": {\"name\": \"aks1\"}, \"network\": {\"subnet\": {\"addressPrefix\": \"192.168.1.0/24\"}}}");
    assert_int_equal(aksnet_plan_apply_defaults(p, NULL), AKSNET_OK);
    assert_string_equal(p->subnet.address_prefix, "192.168.1.0/24");
    assert_int_equal(p->vnet.address_prefix_count, 0);
    aksnet_plan_free(p);
}

static void test_defaults_dns_prefix(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *prefix;
    } cases[] = {
        {"MyAKSCluster", "myakscluster"},
        {"aks-1", "aks-1"},
        {"My_AKS.Cluster", "my-aks-cluster"},
        {"ABC", "abc"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct aksnet_plan *p = aksnet_plan_new("flags");
        struct aksnet_plan_overrides o;
        aksnet_plan_overrides_init(&o);
        o.cluster_name = cases[i].name;
        struct aksnet_findings f;
        aksnet_findings_init(&f);
        assert_int_equal(aksnet_plan_apply_overrides(p, &o, &f), AKSNET_OK);
        assert_int_equal(aksnet_plan_apply_defaults(p, NULL), AKSNET_OK);
        assert_string_equal(p->cluster.dns_prefix, cases[i].prefix);
        aksnet_plan_free(p);
        aksnet_findings_free(&f);
    }
}

static void test_defaults_pools(void **state)
{
    (void)state;
    struct aksnet_plan *p = load_ok("{\"cluster\": {\"name\": \"c\", \"nodePools\": ["
                                    "{\"count\": 2}, {\"name\": \"user1\", \"maxPods\": 50}]}}");
    assert_int_equal(aksnet_plan_apply_defaults(p, NULL), AKSNET_OK);
    assert_int_equal(p->cluster.node_pool_count, 2);
    assert_string_equal(p->cluster.node_pools[0].name, "nodepool1");
    assert_string_equal(p->cluster.node_pools[0].mode, "System");
    assert_int_equal(p->cluster.node_pools[0].count, 2);
    assert_string_equal(p->cluster.node_pools[1].name, "user1");
    assert_string_equal(p->cluster.node_pools[1].mode, "User");
    assert_string_equal(p->cluster.node_pools[1].os_type, "Linux");
    assert_int_equal(p->cluster.node_pools[1].count, 3);
    assert_int_equal(p->cluster.node_pools[1].max_pods, 50);
    assert_string_equal(p->cluster.node_pools[1].max_surge, "1");
    aksnet_plan_free(p);
}

/* ---- a plan given wholly by flags --------------------------------------------- */

static void validate_clean(struct aksnet_plan *p)
{
    struct aksnet_findings v;
    aksnet_findings_init(&v);
    assert_int_equal(aksnet_validate_plan(p, &v), AKSNET_OK);
    if (aksnet_findings_count(&v, AKSNET_SEVERITY_ERROR) != 0)
        dump(&v);
    assert_int_equal(aksnet_findings_count(&v, AKSNET_SEVERITY_ERROR), 0);
    assert_false(v.out_of_memory);
    aksnet_findings_free(&v);
}

static void test_flags_only_plan(void **state)
{
    (void)state;
    struct aksnet_plan *p = aksnet_plan_new("flags");
    assert_non_null(p);
    struct aksnet_plan_overrides o;
    aksnet_plan_overrides_init(&o);
    o.subscription_id = SUB;
    o.location = "eastus";
    o.resource_group = "myResourceGroup";
    o.cluster_name = "myAKSCluster";
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    assert_int_equal(aksnet_plan_apply_overrides(p, &o, &f), AKSNET_OK);
    expect_no_findings(&f);
    assert_int_equal(aksnet_plan_apply_defaults(p, NULL), AKSNET_OK);

    /* complete */
    assert_string_equal(p->source, "flags");
    assert_string_equal(p->cloud, "AzureCloud");
    assert_string_equal(p->subscription_id, SUB);
    assert_string_equal(p->vnet.name, "myAKSCluster-vnet");
    assert_string_equal(p->subnet.name, "myAKSCluster-subnet");
    assert_string_equal(p->route_table.name, "myAKSCluster-rt");
    assert_string_equal(p->identity.name, "myAKSCluster-identity");
    assert_string_equal(p->cluster.dns_prefix, "myakscluster");
    assert_int_equal(p->cluster.node_pool_count, 1);
    validate_clean(p);
    aksnet_plan_free(p);

    /* the seed's region, with its cloud */
    p = aksnet_plan_new("flags");
    o.location = "chinaeast2";
    o.cloud = "AzureChinaCloud";
    assert_int_equal(aksnet_plan_apply_overrides(p, &o, &f), AKSNET_OK);
    assert_int_equal(aksnet_plan_apply_defaults(p, NULL), AKSNET_OK);
    validate_clean(p);
    aksnet_plan_free(p);

    /* the user's own subnet, given by id */
    p = aksnet_plan_new("flags");
    o.vnet_subnet_id = SUBNET_ID;
    assert_int_equal(aksnet_plan_apply_overrides(p, &o, &f), AKSNET_OK);
    expect_no_findings(&f);
    assert_int_equal(aksnet_plan_apply_defaults(p, NULL), AKSNET_OK);
    assert_true(p->vnet.existing);
    assert_string_equal(p->vnet.name, "byoVnet");
    assert_string_equal(p->vnet.resource_group, "netRG");
    assert_int_equal(p->vnet.address_prefix_count, 0); /* not invented for the user's VNet */
    assert_null(p->subnet.address_prefix);
    validate_clean(p);
    aksnet_plan_free(p);
    aksnet_findings_free(&f);
}

static void test_free_null(void **state)
{
    (void)state;
    aksnet_plan_free(NULL);
    struct aksnet_plan *p = aksnet_plan_new(NULL);
    assert_non_null(p);
    assert_string_equal(p->source, "flags");
    aksnet_plan_free(p);
}

/* ---- writing a plan back out ------------------------------------------------ */

/* The codes of a plan's findings, in order, as one string. */
static void finding_codes(const struct aksnet_plan *plan, char *out, size_t size)
{
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    assert_int_equal(aksnet_validate_plan(plan, &f), AKSNET_OK);
    out[0] = '\0';
    for (size_t i = 0; i < f.count; i++)
        snprintf(out + strlen(out), size - strlen(out), "%s %s;", f.items[i].code, f.items[i].field);
    aksnet_findings_free(&f);
}

/* Written, read back and written again: the same text, the same findings; false when the reader refused part. */
static bool round_trip(const char *path)
{
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    struct aksnet_plan *plan = NULL, *again = NULL;
    aksnet_code rc = aksnet_plan_load_file(path, &plan, &f);
    size_t read_findings = f.count;
    aksnet_findings_free(&f);
    if (rc != AKSNET_OK || read_findings) {
        aksnet_plan_free(plan);
        return false; /* the reader refused part of it: nothing complete to write */
    }
    assert_int_equal(aksnet_plan_apply_defaults(plan, NULL), AKSNET_OK);
    char *text = NULL, *text2 = NULL, codes[4096], codes2[4096];
    assert_int_equal(aksnet_plan_to_json(plan, &text), AKSNET_OK);
    aksnet_findings_init(&f);
    rc = aksnet_plan_load_buffer(text, strlen(text), "written", &again, &f);
    if (rc != AKSNET_OK || f.count)
        print_error("%s written back does not read (%s):\n%s\n", path, f.count ? f.items[0].message : "", text);
    assert_int_equal(rc, AKSNET_OK);
    assert_int_equal(f.count, 0);
    aksnet_findings_free(&f);
    assert_int_equal(aksnet_plan_apply_defaults(again, NULL), AKSNET_OK);
    assert_int_equal(aksnet_plan_to_json(again, &text2), AKSNET_OK);
    assert_string_equal(text, text2);
    finding_codes(plan, codes, sizeof(codes));
    finding_codes(again, codes2, sizeof(codes2));
    assert_string_equal(codes, codes2);
    aksnet_plan_json_free(text);
    aksnet_plan_json_free(text2);
    aksnet_plan_free(plan);
    aksnet_plan_free(again);
    return true;
}

static void test_write_round_trip(void **state)
{
    (void)state;
    const char *dirs[] = {"examples", "tests/data/plans"};
    size_t done = 0;
    for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
        char dir[MT_PATH_MAX];
        assert_non_null(mt_source_path(dirs[d], dir, sizeof(dir)));
        DIR *dp = opendir(dir);
        assert_non_null(dp);
        for (struct dirent *e; (e = readdir(dp));) {
            size_t n = strlen(e->d_name);
            if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
                continue;
            char path[MT_PATH_MAX * 2];
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            done += round_trip(path);
        }
        closedir(dp);
    }
    print_message("%zu plans written and read back\n", done);
    assert_true(done >= 20);
}

static void test_write_flags_only(void **state)
{
    (void)state;
    struct aksnet_plan *plan = aksnet_plan_new("flags");
    struct aksnet_plan_overrides o;
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    aksnet_plan_overrides_init(&o);
    o.cluster_name = "aks1";
    o.resource_group = "rg";
    o.location = "chinaeast2";
    o.vnet_subnet_id = SUBNET_ID;
    assert_int_equal(aksnet_plan_apply_overrides(plan, &o, &f), AKSNET_OK);
    assert_int_equal(aksnet_plan_apply_defaults(plan, SUB), AKSNET_OK);
    char *text = NULL;
    assert_int_equal(aksnet_plan_to_json(plan, &text), AKSNET_OK);
    assert_non_null(strstr(text, "\"existing\":\ttrue"));
    assert_non_null(strstr(text, "\"id\":\t\"" SUBNET_ID "\""));
    assert_non_null(strstr(text, "\"cloud\":\t\"AzureChinaCloud\""));
    assert_null(strstr(text, "addressPrefixes")); /* not held: left out */
    aksnet_plan_json_free(text);
    aksnet_plan_json_free(NULL);
    aksnet_findings_free(&f);
    aksnet_plan_free(plan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_seed_plan),
        cmocka_unit_test(test_syntax_error_line_column),
        cmocka_unit_test(test_syntax_error_unquoted_key_column),
        cmocka_unit_test(test_trailing_text),
        cmocka_unit_test(test_empty_buffer),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_valid_utf8),
        cmocka_unit_test(test_not_an_object),
        cmocka_unit_test(test_unknown_key_nested),
        cmocka_unit_test(test_unknown_key_top_level),
        cmocka_unit_test(test_duplicate_key),
        cmocka_unit_test(test_duplicate_tag),
        cmocka_unit_test(test_embedded_nul_escape),
        cmocka_unit_test(test_long_unknown_key),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_wrong_container_types),
        cmocka_unit_test(test_max_surge_number),
        cmocka_unit_test(test_null_is_absent),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_overrides_every_field),
        cmocka_unit_test(test_overrides_identity_over_system_assigned),
        cmocka_unit_test(test_overrides_create_pool),
        cmocka_unit_test(test_overrides_bad_ids),
        cmocka_unit_test(test_defaults_minimal),
        cmocka_unit_test(test_defaults_subscription),
        cmocka_unit_test(test_defaults_dns_follows_service_cidr),
        cmocka_unit_test(test_defaults_system_assigned),
        cmocka_unit_test(test_defaults_network_given),
        cmocka_unit_test(test_defaults_dns_prefix),
        cmocka_unit_test(test_defaults_pools),
        cmocka_unit_test(test_flags_only_plan),
        cmocka_unit_test(test_free_null),
        cmocka_unit_test(test_write_round_trip),
        cmocka_unit_test(test_write_flags_only),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
