/*
 * test_resid.c - ARM resource ids.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "resid.h"

#define SUB "6d95377c-52b4-4132-9c1e-0123456789ab"
#define SUBNET_ID                                                                          \
    "/subscriptions/" SUB "/resourceGroups/myResourceGroup/providers/Microsoft.Network/" \
    "virtualNetworks/myAKSVnet/subnets/myAKSSubnet"
#define IDENTITY_ID                                                                   \
    "/subscriptions/" SUB "/resourceGroups/idRG/providers/Microsoft.ManagedIdentity/" \
    "userAssignedIdentities/myIdentity"

static void test_subnet_id(void **state)
{
    (void)state;
    struct aksnet__resid r;
    memset(&r, 'x', sizeof(r));
    assert_true(aksnet__resid_parse(SUBNET_ID, &r));
    assert_string_equal(r.subscription, SUB);
    assert_string_equal(r.resource_group, "myResourceGroup");
    assert_string_equal(r.provider, "Microsoft.Network");
    assert_string_equal(r.type, "virtualNetworks");
    assert_string_equal(r.name, "myAKSVnet");
    assert_string_equal(r.child_type, "subnets");
    assert_string_equal(r.child_name, "myAKSSubnet");

    assert_true(aksnet__resid_is(&r, "Microsoft.Network", "virtualNetworks", "subnets"));
    assert_true(aksnet__resid_is(&r, "microsoft.network", "VIRTUALNETWORKS", "Subnets"));
    assert_false(aksnet__resid_is(&r, "Microsoft.Network", "virtualNetworks", NULL));
    assert_false(aksnet__resid_is(&r, "Microsoft.Network", "virtualNetworks", "routes"));
    assert_false(aksnet__resid_is(&r, "Microsoft.Network", "routeTables", "subnets"));
    assert_false(aksnet__resid_is(&r, "Microsoft.ManagedIdentity", "virtualNetworks", "subnets"));
}

static void test_identity_id(void **state)
{
    (void)state;
    struct aksnet__resid r;
    memset(&r, 'x', sizeof(r));
    assert_true(aksnet__resid_parse(IDENTITY_ID, &r));
    assert_string_equal(r.subscription, SUB);
    assert_string_equal(r.resource_group, "idRG");
    assert_string_equal(r.provider, "Microsoft.ManagedIdentity");
    assert_string_equal(r.type, "userAssignedIdentities");
    assert_string_equal(r.name, "myIdentity");
    assert_string_equal(r.child_type, "");
    assert_string_equal(r.child_name, "");

    assert_true(aksnet__resid_is(&r, "Microsoft.ManagedIdentity", "userAssignedIdentities", NULL));
    assert_true(aksnet__resid_is(&r, "MICROSOFT.MANAGEDIDENTITY", "userassignedidentities", NULL));
    assert_false(aksnet__resid_is(&r, "Microsoft.ManagedIdentity", "userAssignedIdentities", "subnets"));
    assert_false(aksnet__resid_is(&r, "Microsoft.Network", "userAssignedIdentities", NULL));
}

static void test_case_insensitive_fixed_segments(void **state)
{
    (void)state;
    struct aksnet__resid r;
    assert_true(aksnet__resid_parse("/subscriptions/" SUB "/resourcegroups/rg1/PROVIDERS/"
                                   "Microsoft.Network/virtualNetworks/v/subnets/s",
                                   &r));
    assert_string_equal(r.resource_group, "rg1");
    assert_string_equal(r.child_name, "s");
    assert_true(aksnet__resid_parse("/SUBSCRIPTIONS/" SUB "/ResourceGroups/RG/Providers/"
                                   "microsoft.network/routeTables/rt",
                                   &r));
    /* names keep their case */
    assert_string_equal(r.resource_group, "RG");
    assert_string_equal(r.provider, "microsoft.network");
    assert_string_equal(r.type, "routeTables");
    assert_string_equal(r.name, "rt");
    assert_true(aksnet__resid_is(&r, "Microsoft.Network", "routeTables", NULL));
}

static void test_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "/",
        /* no leading '/' */
        "subscriptions/" SUB "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
        /* empty segments */
        "/subscriptions/" SUB "//resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v",
        "//subscriptions/" SUB "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v",
        "/subscriptions//resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v",
        /* trailing '/' */
        "/subscriptions/" SUB "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/",
        "/subscriptions/" SUB "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s/",
        /* wrong segment count: 2, 4, 6, 7, 9, 11, 12 */
        "/subscriptions/" SUB,
        "/subscriptions/" SUB "/resourceGroups/rg",
        "/subscriptions/" SUB "/resourceGroups/rg/providers/Microsoft.Network",
        "/subscriptions/" SUB "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks",
        "/subscriptions/" SUB "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets",
        "/subscriptions/" SUB "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s/x",
        "/subscriptions/" SUB "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s/x/y",
        /* misspelt fixed segments */
        "/subscription/" SUB "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
        "/subscriptionz/" SUB "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
        "/subscriptions/" SUB "/resourceGroup/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
        "/subscriptions/" SUB "/resourceGroups/rg/provider/Microsoft.Network/virtualNetworks/v/subnets/s",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct aksnet__resid r;
        if (aksnet__resid_parse(bad[i], &r))
            print_error("accepted \"%s\"\n", bad[i]);
        assert_false(aksnet__resid_parse(bad[i], &r));
    }
    struct aksnet__resid r;
    assert_false(aksnet__resid_parse(NULL, &r));
}

/* An id whose subnet name is n characters long. */
static void id_with_name_len(char *buf, size_t size, size_t n)
{
    char name[400];
    assert_true(n < sizeof(name));
    memset(name, 'a', n);
    name[n] = '\0';
    int w = snprintf(buf, size,
                     "/subscriptions/" SUB "/resourceGroups/rg/providers/Microsoft.Network/"
                     "virtualNetworks/v/subnets/%s",
                     name);
    assert_true(w > 0 && (size_t)w < size);
}

static void test_segment_length(void **state)
{
    (void)state;
    char id[600];
    struct aksnet__resid r;

    id_with_name_len(id, sizeof(id), 300);
    assert_false(aksnet__resid_parse(id, &r));

    id_with_name_len(id, sizeof(id), AKSNET_RESID_SEGMENT_MAX); /* 261 */
    assert_false(aksnet__resid_parse(id, &r));

    id_with_name_len(id, sizeof(id), AKSNET_RESID_SEGMENT_MAX - 1); /* 260: the longest kept */
    assert_true(aksnet__resid_parse(id, &r));
    assert_int_equal(strlen(r.child_name), AKSNET_RESID_SEGMENT_MAX - 1);

    /* a 300-character resource group */
    char rg[301];
    memset(rg, 'g', 300);
    rg[300] = '\0';
    int w = snprintf(id, sizeof(id), "/subscriptions/" SUB "/resourceGroups/%s/providers/"
                                     "Microsoft.ManagedIdentity/userAssignedIdentities/i", rg);
    assert_true(w > 0 && (size_t)w < sizeof(id));
    assert_false(aksnet__resid_parse(id, &r));
}

/* Composing is parsing's inverse, with the fixed segments spelt as ARM spells them. */
static void test_format_round_trip(void **state)
{
    (void)state;
    static const char *const ids[] = {SUBNET_ID, IDENTITY_ID};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        struct aksnet__resid r;
        char out[1024];
        assert_true(aksnet__resid_parse(ids[i], &r));
        assert_true(aksnet__resid_format(&r, out, sizeof(out)));
        assert_string_equal(out, ids[i]);
    }
    struct aksnet__resid r;
    char out[1024];
    assert_true(aksnet__resid_parse("/SUBSCRIPTIONS/" SUB "/resourcegroups/myResourceGroup/PROVIDERS/"
                                   "Microsoft.Network/virtualNetworks/myAKSVnet/subnets/myAKSSubnet",
                                   &r));
    assert_true(aksnet__resid_format(&r, out, sizeof(out)));
    assert_string_equal(out, SUBNET_ID);
}

static void test_format_shorter_forms(void **state)
{
    (void)state;
    struct aksnet__resid r;
    char out[1024];
    memset(&r, 0, sizeof(r));
    snprintf(r.subscription, sizeof(r.subscription), "%s", SUB);
    snprintf(r.resource_group, sizeof(r.resource_group), "rg1");
    assert_true(aksnet__resid_format(&r, out, sizeof(out)));
    assert_string_equal(out, "/subscriptions/" SUB "/resourceGroups/rg1");

    /* subscription-level: a role definition */
    r.resource_group[0] = '\0';
    snprintf(r.provider, sizeof(r.provider), "Microsoft.Authorization");
    snprintf(r.type, sizeof(r.type), "roleDefinitions");
    snprintf(r.name, sizeof(r.name), "4d97b98b-1d4f-4787-a291-c67834d212e7");
    assert_true(aksnet__resid_format(&r, out, sizeof(out)));
    assert_string_equal(out, "/subscriptions/" SUB "/providers/Microsoft.Authorization/roleDefinitions/"
                             "4d97b98b-1d4f-4787-a291-c67834d212e7");
}

static void test_format_rejects(void **state)
{
    (void)state;
    struct aksnet__resid good, r;
    char out[1024];
    assert_true(aksnet__resid_parse(SUBNET_ID, &good));

    r = good; /* no subscription */
    r.subscription[0] = '\0';
    assert_false(aksnet__resid_format(&r, out, sizeof(out)));
    assert_string_equal(out, "");
    r = good; /* a '/' inside a name would make another id */
    snprintf(r.name, sizeof(r.name), "a/b");
    assert_false(aksnet__resid_format(&r, out, sizeof(out)));
    r = good; /* a child type without its name */
    r.child_name[0] = '\0';
    assert_false(aksnet__resid_format(&r, out, sizeof(out)));
    r = good; /* a provider without a type */
    r.type[0] = '\0';
    assert_false(aksnet__resid_format(&r, out, sizeof(out)));
    r = good; /* a name without a provider */
    r.provider[0] = '\0';
    assert_false(aksnet__resid_format(&r, out, sizeof(out)));
    /* too small a buffer: nothing half-written */
    assert_false(aksnet__resid_format(&good, out, strlen(SUBNET_ID)));
    assert_string_equal(out, "");
    assert_true(aksnet__resid_format(&good, out, strlen(SUBNET_ID) + 1));
    assert_false(aksnet__resid_format(&good, out, 0));
}

/*
 * Found by tests/fuzz/fuzz_resid.c: "/subscriptions/x/../y" was an id, and
 * libcurl removes dot segments (RFC 3986 section 5.2.4) before sending, so
 * a GET of it went to another path than the id named.  '?' and '#' would
 * start a query or a fragment.  Neither parsing nor formatting makes such ids.
 */
static void test_dot_segments_and_url_delimiters(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "/subscriptions/" SUB "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/../subnets/s",
        "/subscriptions/" SUB "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/.",
        "/subscriptions/" SUB "/resourceGroups/../providers/Microsoft.Network/virtualNetworks/v/subnets/s",
        "/subscriptions/" SUB "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v?x=1",
        "/subscriptions/" SUB "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v#frag",
    };
    struct aksnet__resid r;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(aksnet__resid_parse(bad[i], &r));
        assert_false(aksnet__resid_path_ok(bad[i]));
    }
    assert_true(aksnet__resid_path_ok(SUBNET_ID));
    assert_true(aksnet__resid_path_ok("/subscriptions/s/resourceGroups/rg.../providers/a/b/.c"));
    assert_false(aksnet__resid_path_ok("/.."));
    assert_false(aksnet__resid_path_ok("subscriptions"));
    assert_false(aksnet__resid_path_ok(NULL));

    struct aksnet__resid good;
    char out[1024];
    assert_true(aksnet__resid_parse(SUBNET_ID, &good));
    static const char *const names[] = {".", "..", "a?b", "a#b"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        r = good;
        snprintf(r.name, sizeof(r.name), "%s", names[i]);
        assert_false(aksnet__resid_format(&r, out, sizeof(out)));
        r = good;
        snprintf(r.resource_group, sizeof(r.resource_group), "%s", names[i]);
        assert_false(aksnet__resid_format(&r, out, sizeof(out)));
    }
    r = good;
    snprintf(r.name, sizeof(r.name), "v..1");
    assert_true(aksnet__resid_format(&r, out, sizeof(out)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subnet_id),
        cmocka_unit_test(test_identity_id),
        cmocka_unit_test(test_case_insensitive_fixed_segments),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_segment_length),
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_format_shorter_forms),
        cmocka_unit_test(test_format_rejects),
        cmocka_unit_test(test_dot_segments_and_url_delimiters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
