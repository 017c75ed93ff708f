/*
 * test_capacity.c - the seed's address arithmetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "aksnet/capacity.h"

static struct aksnet_capacity_input input(const char *prefix, aksnet_network_plugin plugin,
                                          uint32_t max_pods, uint32_t surge)
{
    struct aksnet_capacity_input in;
    memset(&in, 0, sizeof(in));
    in.subnet_prefix = prefix;
    in.plugin = plugin;
    in.max_pods = max_pods;
    in.surge_nodes = surge;
    return in;
}

static struct aksnet_capacity compute(const char *prefix, aksnet_network_plugin plugin,
                                      uint32_t max_pods, uint32_t surge)
{
    struct aksnet_capacity_input in = input(prefix, plugin, max_pods, surge);
    struct aksnet_capacity cap;
    struct aksnet_error err;
    memset(&cap, 0xa5, sizeof(cap));
    aksnet_error_clear(&err);
    assert_int_equal(aksnet_capacity_compute(&in, &cap, &err), AKSNET_OK);
    assert_int_equal(err.code, AKSNET_OK);
    return cap;
}

/* ---- the seed's numbers ----------------------------------------------------- */

static void test_seed_kubenet_24(void **state)
{
    (void)state;
    struct aksnet_capacity c = compute("192.168.1.0/24", AKSNET_PLUGIN_KUBENET, 110, 0);
    assert_int_equal(c.addresses, 256);
    assert_int_equal(c.usable, 251);
    assert_int_equal(c.addresses_per_node, 1);
    assert_int_equal(c.max_nodes, 251);
    assert_int_equal(c.max_pods, 27610);
    assert_int_equal(c.max_nodes_with_surge, 251);
    assert_int_equal(c.max_pods_with_surge, 27610);
    assert_false(c.limited_by_routes);
    assert_int_equal(c.pod_cidr_len, 16);
}

static void test_seed_azure_24(void **state)
{
    (void)state;
    struct aksnet_capacity c = compute("192.168.1.0/24", AKSNET_PLUGIN_AZURE, 30, 0);
    assert_int_equal(c.addresses, 256);
    assert_int_equal(c.usable, 251);
    assert_int_equal(c.addresses_per_node, 31);
    assert_int_equal(c.max_nodes, 8);
    assert_int_equal(c.max_pods, 240);
    assert_false(c.limited_by_routes);
    assert_int_equal(c.pod_cidr_len, 0); /* no pod range with Azure CNI */

    c = compute("192.168.1.0/24", AKSNET_PLUGIN_AZURE, 30, 1);
    assert_int_equal(c.max_nodes, 8);
    assert_int_equal(c.max_nodes_with_surge, 7);
    assert_int_equal(c.max_pods_with_surge, 210);
}

static void test_surge(void **state)
{
    (void)state;
    struct aksnet_capacity c = compute("192.168.1.0/24", AKSNET_PLUGIN_KUBENET, 110, 1);
    assert_int_equal(c.max_nodes, 251);
    assert_int_equal(c.max_nodes_with_surge, 250);
    assert_int_equal(c.max_pods_with_surge, 27500);

    c = compute("192.168.1.0/24", AKSNET_PLUGIN_KUBENET, 110, 251);
    assert_int_equal(c.max_nodes_with_surge, 0);
    assert_int_equal(c.max_pods_with_surge, 0);

    c = compute("192.168.1.0/24", AKSNET_PLUGIN_KUBENET, 110, 1000);
    assert_int_equal(c.max_nodes_with_surge, 0);

    /* the 400-route cap holds surge nodes too: each needs a route while it runs */
    c = compute("10.0.0.0/22", AKSNET_PLUGIN_KUBENET, 110, 1);
    assert_int_equal(c.max_nodes, 400);
    assert_int_equal(c.max_nodes_with_surge, 399);
}

static void test_slash27(void **state)
{
    (void)state;
    /* The seed: a /27 runs 20-25 nodes with room to scale and upgrade. */
    struct aksnet_capacity c = compute("192.168.1.0/27", AKSNET_PLUGIN_KUBENET, 110, 1);
    assert_int_equal(c.addresses, 32);
    assert_int_equal(c.usable, 27);
    assert_int_equal(c.max_nodes, 27);
    assert_int_equal(c.max_nodes_with_surge, 26);
    assert_int_equal(c.max_pods, 2970);
    assert_true(c.max_nodes_with_surge >= 25);
    assert_int_equal(c.pod_cidr_len, 19); /* 27 /24s need 32 of them: a /19 */
}

static void test_slash22_route_cap(void **state)
{
    (void)state;
    struct aksnet_capacity c = compute("10.1.0.0/22", AKSNET_PLUGIN_KUBENET, 110, 0);
    assert_int_equal(c.addresses, 1024);
    assert_int_equal(c.usable, 1019);
    assert_int_equal(c.max_nodes, 400);
    assert_true(c.limited_by_routes);
    assert_int_equal(c.max_pods, 44000);
    assert_int_equal(c.pod_cidr_len, 15);

    /* a /23 (507 usable) is capped too; a /24 is not */
    c = compute("10.1.0.0/23", AKSNET_PLUGIN_KUBENET, 110, 0);
    assert_int_equal(c.usable, 507);
    assert_int_equal(c.max_nodes, 400);
    assert_true(c.limited_by_routes);

    /* Azure CNI has no route cap */
    c = compute("10.0.0.0/16", AKSNET_PLUGIN_AZURE, 30, 0);
    assert_int_equal(c.usable, 65531);
    assert_int_equal(c.max_nodes, 2113);
    assert_false(c.limited_by_routes);

    /* /0: the largest subnet */
    c = compute("0.0.0.0/0", AKSNET_PLUGIN_KUBENET, 110, 0);
    assert_int_equal(c.addresses, UINT64_C(4294967296));
    assert_int_equal(c.usable, UINT64_C(4294967291));
    assert_int_equal(c.max_nodes, 400);
    assert_true(c.limited_by_routes);
}

static void test_tiny_subnets(void **state)
{
    (void)state;
    struct aksnet_capacity c = compute("192.168.1.0/29", AKSNET_PLUGIN_KUBENET, 110, 1);
    assert_int_equal(c.addresses, 8);
    assert_int_equal(c.usable, 3);
    assert_int_equal(c.max_nodes, 3);
    assert_int_equal(c.max_nodes_with_surge, 2);
    assert_int_equal(c.pod_cidr_len, 22);

    static const struct {
        const char *prefix;
        uint64_t addresses;
    } zero[] = {{"192.168.1.0/30", 4}, {"192.168.1.0/31", 2}, {"192.168.1.0/32", 1}};
    for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++) {
        c = compute(zero[i].prefix, AKSNET_PLUGIN_KUBENET, 110, 1);
        assert_int_equal(c.addresses, zero[i].addresses);
        assert_int_equal(c.usable, 0);
        assert_int_equal(c.max_nodes, 0);
        assert_int_equal(c.max_pods, 0);
        assert_int_equal(c.max_nodes_with_surge, 0);
        assert_int_equal(c.max_pods_with_surge, 0);
        assert_false(c.limited_by_routes);
        assert_int_equal(c.pod_cidr_len, 0);

        c = compute(zero[i].prefix, AKSNET_PLUGIN_AZURE, 30, 0);
        assert_int_equal(c.usable, 0);
        assert_int_equal(c.max_nodes, 0);
    }
}

static void test_max_pods_range(void **state)
{
    (void)state;
    static const struct {
        aksnet_network_plugin plugin;
        uint32_t pods;
        const char *range;
    } bad[] = {
        {AKSNET_PLUGIN_KUBENET, 9, "10..250"},  {AKSNET_PLUGIN_KUBENET, 251, "10..250"},
        {AKSNET_PLUGIN_KUBENET, 0, "10..250"},  {AKSNET_PLUGIN_AZURE, 251, "10..250"},
        {AKSNET_PLUGIN_AZURE, 9, "10..250"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct aksnet_capacity_input in = input("192.168.1.0/24", bad[i].plugin, bad[i].pods, 1);
        struct aksnet_capacity cap;
        struct aksnet_error err;
        aksnet_error_clear(&err);
        assert_int_equal(aksnet_capacity_compute(&in, &cap, &err), AKSNET_EINVAL);
        assert_int_equal(err.code, AKSNET_EINVAL);
        assert_true(strlen(err.message) > 0);
        char num[16];
        snprintf(num, sizeof(num), "%u", bad[i].pods);
        assert_non_null(strstr(err.message, num));
        assert_non_null(strstr(err.message, bad[i].range));
        assert_non_null(strstr(err.message, bad[i].plugin == AKSNET_PLUGIN_KUBENET ? "kubenet" : "azure"));
        /* err may be NULL */
        assert_int_equal(aksnet_capacity_compute(&in, &cap, NULL), AKSNET_EINVAL);
    }
    /* the ends of each range are allowed */
    struct aksnet_capacity c = compute("192.168.1.0/24", AKSNET_PLUGIN_KUBENET, 10, 0);
    assert_int_equal(c.max_pods, 2510);
    c = compute("192.168.1.0/24", AKSNET_PLUGIN_AZURE, 250, 0);
    assert_int_equal(c.addresses_per_node, 251);
    assert_int_equal(c.max_nodes, 1);
    assert_int_equal(c.max_pods, 250);
    c = compute("192.168.1.0/24", AKSNET_PLUGIN_AZURE, 10, 0);
    assert_int_equal(c.max_nodes, 22);
}

static void test_pod_cidr_len(void **state)
{
    (void)state;
    /* 251 nodes -> 256 /24s -> a /16 */
    assert_int_equal(compute("192.168.1.0/24", AKSNET_PLUGIN_KUBENET, 110, 0).pod_cidr_len, 16);
    /* 400 nodes -> 512 /24s -> a /15 */
    assert_int_equal(compute("10.0.0.0/20", AKSNET_PLUGIN_KUBENET, 110, 0).pod_cidr_len, 15);
    /* 123 nodes -> /17; 59 -> /18; 11 -> /20; 3 -> /22 */
    assert_int_equal(compute("10.0.0.0/25", AKSNET_PLUGIN_KUBENET, 110, 0).pod_cidr_len, 17);
    assert_int_equal(compute("10.0.0.0/26", AKSNET_PLUGIN_KUBENET, 110, 0).pod_cidr_len, 18);
    assert_int_equal(compute("10.0.0.0/28", AKSNET_PLUGIN_KUBENET, 110, 0).pod_cidr_len, 20);
    assert_int_equal(compute("10.0.0.0/29", AKSNET_PLUGIN_KUBENET, 110, 0).pod_cidr_len, 22);
    /* (One node would need a /24, but no subnet holds exactly one kubenet node:
     * a /29 holds 3 and a /30 none, so that case is not reachable here.) */
}

/* ---- surge ------------------------------------------------------------------ */

static void test_surge_nodes(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint64_t pool;
        uint64_t want;
    } good[] = {
        {"1", 3, 1},      {"0", 3, 0},     {"33%", 3, 1},     {"50%", 5, 3},
        {"100%", 7, 7},   {"10", 3, 10},   {"1%", 0, 1},      {"1%", 1, 1},
        {"33%", 100, 33}, {"34%", 100, 34}, {"25%", 10, 3},   {"100%", 1000, 1000},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        uint64_t out = 0xdeadbeef;
        if (!aksnet_capacity_surge_nodes(good[i].text, good[i].pool, &out))
            print_error("refused \"%s\"\n", good[i].text);
        assert_true(aksnet_capacity_surge_nodes(good[i].text, good[i].pool, &out));
        assert_int_equal(out, good[i].want);
    }

    static const char *const bad[] = {"",    "x",    "-1",  "0%",  "101%", "1.5", "01",
                                      " 1",  "1 ",   "%",   "+1",  "1%%",  "50 %", "1e2",
                                      "0x1", "-5%"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t out = 0;
        if (aksnet_capacity_surge_nodes(bad[i], 5, &out))
            print_error("accepted \"%s\"\n", bad[i]);
        assert_false(aksnet_capacity_surge_nodes(bad[i], 5, &out));
    }
    uint64_t out = 0;
    assert_false(aksnet_capacity_surge_nodes(NULL, 5, &out));
}

static void test_plugin_parse(void **state)
{
    (void)state;
    aksnet_network_plugin p = AKSNET_PLUGIN_AZURE;
    assert_true(aksnet_network_plugin_parse("kubenet", &p));
    assert_int_equal(p, AKSNET_PLUGIN_KUBENET);
    assert_true(aksnet_network_plugin_parse("azure", &p));
    assert_int_equal(p, AKSNET_PLUGIN_AZURE);

    static const char *const bad[] = {"", "Kubenet", "AZURE", "kubenet ", " azure", "none", "cni"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(aksnet_network_plugin_parse(bad[i], &p));
    assert_false(aksnet_network_plugin_parse(NULL, &p));

    assert_int_equal(aksnet_capacity_default_max_pods(AKSNET_PLUGIN_KUBENET), 110);
    assert_int_equal(aksnet_capacity_default_max_pods(AKSNET_PLUGIN_AZURE), 30);
    assert_int_equal(AKSNET_SUBNET_RESERVED, 5);
}

/* ---- the inverse question: what N nodes need ------------------------------------- */

static struct aksnet_capacity_need needed(aksnet_network_plugin plugin, uint32_t max_pods, uint64_t nodes,
                                          uint64_t surge)
{
    struct aksnet_capacity_demand d = {.plugin = plugin, .max_pods = max_pods, .nodes = nodes, .surge_nodes = surge};
    struct aksnet_capacity_need n;
    struct aksnet_error err;
    assert_int_equal(aksnet_capacity_needed(&d, &n, &err), AKSNET_OK);
    return n;
}

static void test_needed_seed(void **state)
{
    (void)state;
    /* The seed: a /24 holds 251 nodes; one more needs a /23. */
    struct aksnet_capacity_need n = needed(AKSNET_PLUGIN_KUBENET, 110, 251, 0);
    assert_int_equal(n.addresses, 256);
    assert_int_equal(n.subnet_len, 24);
    assert_int_equal(n.pod_blocks, 251);
    assert_int_equal(n.pod_cidr_len, 16);
    assert_int_equal(needed(AKSNET_PLUGIN_KUBENET, 110, 252, 0).subnet_len, 23);
    assert_int_equal(needed(AKSNET_PLUGIN_KUBENET, 110, 251, 1).subnet_len, 23);
    /* 20-25 nodes and a surge of 1 fit a /27 (27 usable), as the seed says. */
    for (uint64_t nodes = 20; nodes <= 25; nodes++)
        assert_int_equal(needed(AKSNET_PLUGIN_KUBENET, 110, nodes, 1).subnet_len, 27);
    /* Never smaller than Azure's /29; the pod range is a /24 per node. */
    n = needed(AKSNET_PLUGIN_KUBENET, 110, 1, 0);
    assert_int_equal(n.subnet_len, 29);
    assert_int_equal(n.pod_cidr_len, 24);
    assert_int_equal(needed(AKSNET_PLUGIN_KUBENET, 110, 3, 1).pod_cidr_len, 22);
    assert_int_equal(needed(AKSNET_PLUGIN_KUBENET, 110, 400, 0).pod_cidr_len, 15);
    /* Azure CNI: every pod takes an address; 8 nodes at 30 pods fill a /24 (8 x 31 + 5 = 253). */
    n = needed(AKSNET_PLUGIN_AZURE, 30, 8, 0);
    assert_int_equal(n.addresses, 253);
    assert_int_equal(n.subnet_len, 24);
    assert_int_equal(n.pod_cidr_len, 0);
    assert_int_equal(needed(AKSNET_PLUGIN_AZURE, 30, 8, 1).subnet_len, 23);
}

static void test_needed_refused(void **state)
{
    (void)state;
    struct aksnet_capacity_need n;
    struct aksnet_error err;
    struct aksnet_capacity_demand d = {.plugin = AKSNET_PLUGIN_KUBENET, .max_pods = 110, .nodes = 401};
    assert_int_equal(aksnet_capacity_needed(&d, &n, &err), AKSNET_EINVAL);
    assert_non_null(strstr(err.message, "400"));
    d.nodes = 0;
    assert_int_equal(aksnet_capacity_needed(&d, &n, &err), AKSNET_EINVAL);
    d.nodes = 3;
    d.max_pods = 5;
    assert_int_equal(aksnet_capacity_needed(&d, &n, &err), AKSNET_EINVAL);
    d = (struct aksnet_capacity_demand){.plugin = AKSNET_PLUGIN_AZURE, .max_pods = 250, .nodes = 1000,
                                        .surge_nodes = UINT64_C(1) << 40};
    assert_int_equal(aksnet_capacity_needed(&d, &n, &err), AKSNET_EINVAL);
    d.surge_nodes = UINT64_C(20000000);
    assert_int_equal(aksnet_capacity_needed(&d, &n, &err), AKSNET_EINVAL);
    assert_non_null(strstr(err.message, "IPv4"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_kubenet_24),
        cmocka_unit_test(test_seed_azure_24),
        cmocka_unit_test(test_surge),
        cmocka_unit_test(test_slash27),
        cmocka_unit_test(test_slash22_route_cap),
        cmocka_unit_test(test_tiny_subnets),
        cmocka_unit_test(test_max_pods_range),
        cmocka_unit_test(test_pod_cidr_len),
        cmocka_unit_test(test_surge_nodes),
        cmocka_unit_test(test_plugin_parse),
        cmocka_unit_test(test_needed_seed),
        cmocka_unit_test(test_needed_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
