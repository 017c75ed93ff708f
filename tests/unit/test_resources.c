/*
 * test_resources.c - ids, request bodies and differences of a plan's
 * resources, and every body checked against the official model of its
 * api-version (tests/data/specs, made by scripts/extract-spec-models.py;
 * the check is tests/support/spec_check.c).
 *
 * AKSNET_SRCDIR names the repository root ("." by default).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "aksnet/plan.h"
#include "json_support.h"
#include "plans.h"
#include "resid.h"
#include "resources.h"
#include "spec_check.h"
#include "tmpfiles.h"

#define SUB "00000000-0000-0000-0000-000000000000"
#define RG_ID "/subscriptions/" SUB "/resourceGroups/myResourceGroup"
#define VNET_ID RG_ID "/providers/Microsoft.Network/virtualNetworks/myAKSVnet"
#define SUBNET_ID VNET_ID "/subnets/myAKSSubnet"
#define RT_ID RG_ID "/providers/Microsoft.Network/routeTables/myAKSRouteTable"
#define IDENTITY_ID RG_ID "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/myIdentity"
#define CLUSTER_ID RG_ID "/providers/Microsoft.ContainerService/managedClusters/myAKSCluster"
#define ROLE_ID                                                                                               \
    "/subscriptions/" SUB "/providers/Microsoft.Authorization/roleDefinitions/" AKSNET_ROLE_NETWORK_CONTRIBUTOR
#define PRINCIPAL "11111111-2222-3333-4444-555555555555"

/* ---- helpers ------------------------------------------------------------------ */

/* A plan from examples/, defaults applied. */
static struct aksnet_plan *example(const char *name)
{
    size_t findings = 0;
    struct aksnet_plan *plan = mt_plan_example(name, &findings);
    assert_int_equal(findings, 0);
    assert_int_equal(aksnet_plan_apply_defaults(plan, NULL), AKSNET_OK);
    return plan;
}

static const cJSON *named(const cJSON *array, const char *name)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, array)
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(e, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
            return e;
    }
    return NULL;
}

/* Whether a member of this name appears anywhere in v. */
static bool has_anywhere(const cJSON *v, const char *key)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, v)
    {
        if ((m->string && strcmp(m->string, key) == 0) || has_anywhere(m, key))
            return true;
    }
    return false;
}

/* ---- ids ------------------------------------------------------------------------ */

static void assert_parses_as(const char *id, const char *provider, const char *type, const char *child)
{
    struct aksnet__resid r;
    assert_true(aksnet__resid_parse(id, &r));
    assert_true(aksnet__resid_is(&r, provider, type, child));
}

static void test_ids_seed(void **state)
{
    (void)state;
    struct aksnet_plan *plan = example("kubenet.json");
    struct aksnet_resource_ids ids;
    assert_int_equal(aksnet__resources_ids(plan, &ids, NULL), AKSNET_OK);
    assert_string_equal(ids.group, RG_ID);
    assert_string_equal(ids.vnet_group, RG_ID);
    assert_string_equal(ids.vnet, VNET_ID);
    assert_string_equal(ids.subnet, SUBNET_ID);
    assert_string_equal(ids.route_table, RG_ID "/providers/Microsoft.Network/routeTables/myAKSCluster-rt");
    assert_string_equal(ids.identity, IDENTITY_ID);
    assert_string_equal(ids.cluster, CLUSTER_ID);
    assert_string_equal(ids.role_definition, ROLE_ID);
    assert_parses_as(ids.vnet, "Microsoft.Network", "virtualNetworks", NULL);
    assert_parses_as(ids.subnet, "Microsoft.Network", "virtualNetworks", "subnets");
    assert_parses_as(ids.route_table, "Microsoft.Network", "routeTables", NULL);
    assert_parses_as(ids.identity, "Microsoft.ManagedIdentity", "userAssignedIdentities", NULL);
    assert_parses_as(ids.cluster, "Microsoft.ContainerService", "managedClusters", NULL);
    aksnet_plan_free(plan);

    plan = example("kubenet-own-route-table.json");
    assert_int_equal(aksnet__resources_ids(plan, &ids, NULL), AKSNET_OK);
    assert_string_equal(ids.route_table, RT_ID);
    aksnet_plan_free(plan);
}

/* --vnet-subnet-id: a VNet in another group, the id pasted with lower-case fixed segments. */
static void test_ids_existing_vnet_flag(void **state)
{
    (void)state;
    struct aksnet_plan *plan = example("kubenet.json");
    struct aksnet_plan_overrides o;
    aksnet_plan_overrides_init(&o);
    o.vnet_subnet_id = "/subscriptions/" SUB "/resourcegroups/netRG/providers/microsoft.network/"
                       "virtualnetworks/corpVnet/subnets/aksNodes";
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    assert_int_equal(aksnet_plan_apply_overrides(plan, &o, &f), AKSNET_OK);
    assert_int_equal(f.count, 0);
    aksnet_findings_free(&f);
    assert_int_equal(aksnet_plan_apply_defaults(plan, NULL), AKSNET_OK);

    struct aksnet_resource_ids ids;
    assert_int_equal(aksnet__resources_ids(plan, &ids, NULL), AKSNET_OK);
    assert_string_equal(ids.group, RG_ID);
    assert_string_equal(ids.vnet_group, "/subscriptions/" SUB "/resourceGroups/netRG");
    assert_string_equal(ids.vnet, "/subscriptions/" SUB "/resourceGroups/netRG/providers/Microsoft.Network/"
                                  "virtualNetworks/corpVnet");
    assert_string_equal(ids.subnet, "/subscriptions/" SUB "/resourceGroups/netRG/providers/Microsoft.Network/"
                                    "virtualNetworks/corpVnet/subnets/aksNodes");
    /* what aksnet makes stays in the plan's group */
    assert_string_equal(ids.route_table, RG_ID "/providers/Microsoft.Network/routeTables/myAKSCluster-rt");
    assert_string_equal(ids.cluster, CLUSTER_ID);
    aksnet_plan_free(plan);

    plan = example("kubenet-existing-vnet.json");
    assert_int_equal(aksnet__resources_ids(plan, &ids, NULL), AKSNET_OK);
    assert_string_equal(ids.vnet_group, "/subscriptions/" SUB "/resourceGroups/networkResourceGroup");
    assert_string_equal(ids.subnet, "/subscriptions/" SUB "/resourceGroups/networkResourceGroup/providers/"
                                    "Microsoft.Network/virtualNetworks/corpVnet/subnets/aksNodes");
    assert_string_equal(ids.route_table, RT_ID);
    aksnet_plan_free(plan);
}

static void test_ids_identity_and_role(void **state)
{
    (void)state;
    struct aksnet_plan *plan =
        mt_plan_from_text("{\"subscriptionId\": \"" SUB "\", \"location\": \"chinaeast2\", \"resourceGroup\": \"rg\","
                          " \"identity\": {\"type\": \"SystemAssigned\"},"
                          " \"roleAssignment\": {\"roleDefinitionId\": \"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\"},"
                          " \"cluster\": {\"name\": \"c1\"}}");
    struct aksnet_resource_ids ids;
    assert_int_equal(aksnet__resources_ids(plan, &ids, NULL), AKSNET_OK);
    assert_string_equal(ids.identity, "");
    assert_string_equal(ids.route_table, ""); /* AKS makes it */
    assert_string_equal(ids.role_definition, "/subscriptions/" SUB "/providers/Microsoft.Authorization/"
                                             "roleDefinitions/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    assert_string_equal(ids.vnet, "/subscriptions/" SUB "/resourceGroups/rg/providers/Microsoft.Network/"
                                  "virtualNetworks/c1-vnet");
    aksnet_plan_free(plan);

    plan =
        mt_plan_from_text("{\"subscriptionId\": \"" SUB "\", \"location\": \"chinaeast2\", \"resourceGroup\": \"rg\","
                          " \"roleAssignment\": {\"roleDefinitionId\": \"/providers/Microsoft.Authorization/"
                          "roleDefinitions/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\"},"
                          " \"cluster\": {\"name\": \"c1\"}}");
    struct aksnet_plan_overrides o;
    aksnet_plan_overrides_init(&o);
    o.assign_identity = "/subscriptions/" SUB "/resourcegroups/idRG/providers/microsoft.managedidentity/"
                        "userassignedidentities/byoId";
    struct aksnet_findings f;
    aksnet_findings_init(&f);
    assert_int_equal(aksnet_plan_apply_overrides(plan, &o, &f), AKSNET_OK);
    aksnet_findings_free(&f);
    assert_int_equal(aksnet__resources_ids(plan, &ids, NULL), AKSNET_OK);
    assert_string_equal(ids.identity, "/subscriptions/" SUB "/resourceGroups/idRG/providers/"
                                      "Microsoft.ManagedIdentity/userAssignedIdentities/byoId");
    assert_string_equal(ids.role_definition,
                        "/providers/Microsoft.Authorization/roleDefinitions/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    aksnet_plan_free(plan);
}

static void test_ids_missing_names(void **state)
{
    (void)state;
    struct aksnet_plan *plan = mt_plan_from_text("{\"location\": \"chinaeast2\", \"resourceGroup\": \"rg\"}");
    struct aksnet_resource_ids ids;
    struct aksnet_error err;
    aksnet_error_clear(&err);
    assert_int_equal(aksnet__resources_ids(plan, &ids, &err), AKSNET_EINVAL); /* no subscription */
    assert_true(strstr(err.message, "subscriptionId") != NULL);
    assert_string_equal(ids.group, "");
    aksnet_plan_free(plan);

    plan =
        mt_plan_from_text("{\"subscriptionId\": \"" SUB "\", \"location\": \"chinaeast2\", \"resourceGroup\": \"rg\"}");
    assert_int_equal(aksnet__resources_ids(plan, &ids, &err), AKSNET_EINVAL); /* no cluster, no VNet name */
    aksnet_plan_free(plan);
}

static void test_role_assignment_name(void **state)
{
    (void)state;
    char a[37], b[37];
    aksnet__resources_role_assignment_name(VNET_ID, PRINCIPAL, ROLE_ID, a);
    /* SHA-256 of the lower-cased "scope|principal|role", as a version-5 UUID (pinned: names must not drift) */
    assert_string_equal(a, "6a5d82cd-dcf9-5104-a313-9f26315ae25b");
    assert_int_equal(strlen(a), 36);
    assert_int_equal(a[14], '5');
    assert_non_null(strchr("89ab", a[19]));

    aksnet__resources_role_assignment_name(VNET_ID, PRINCIPAL, ROLE_ID, b);
    assert_string_equal(a, b);
    /* ids are case-insensitive: so is the name */
    char upper[sizeof(VNET_ID)];
    for (size_t i = 0; i < sizeof(VNET_ID); i++)
        upper[i] = (char)((VNET_ID[i] >= 'a' && VNET_ID[i] <= 'z') ? VNET_ID[i] - 32 : VNET_ID[i]);
    aksnet__resources_role_assignment_name(upper, PRINCIPAL, ROLE_ID, b);
    assert_string_equal(a, b);
    /* any of the three different: another name */
    aksnet__resources_role_assignment_name(RT_ID, PRINCIPAL, ROLE_ID, b);
    assert_string_not_equal(a, b);
    aksnet__resources_role_assignment_name(VNET_ID, "99999999-2222-3333-4444-555555555555", ROLE_ID, b);
    assert_string_not_equal(a, b);
    aksnet__resources_role_assignment_name(VNET_ID, PRINCIPAL, ROLE_ID "0", b);
    assert_string_not_equal(a, b);
    /* the separator matters: "ab|c" is not "a|bc" */
    char c[37], d[37];
    aksnet__resources_role_assignment_name("ab", "c", "x", c);
    aksnet__resources_role_assignment_name("a", "bc", "x", d);
    assert_string_not_equal(c, d);

    char id[AKSNET_ID_MAX];
    assert_int_equal(aksnet__resources_role_assignment_id(VNET_ID, a, id, sizeof(id)), AKSNET_OK);
    assert_string_equal(id, VNET_ID "/providers/Microsoft.Authorization/roleAssignments/"
                                    "6a5d82cd-dcf9-5104-a313-9f26315ae25b");
    assert_int_equal(aksnet__resources_role_assignment_id("", a, id, sizeof(id)), AKSNET_EINVAL);
    assert_int_equal(aksnet__resources_role_assignment_id(VNET_ID, a, id, 40), AKSNET_EINVAL);
    assert_string_equal(id, "");
}

/* ---- bodies --------------------------------------------------------------------- */

static void test_group_and_identity_bodies(void **state)
{
    (void)state;
    struct aksnet_plan *plan = example("kubenet-calico.json");
    cJSON *group = aksnet__resources_group_body(plan);
    assert_string_equal(mt_json_str(group, "location"), "chinaeast2");
    assert_string_equal(mt_json_str(group, "tags.env"), "dev");
    assert_string_equal(mt_json_str(group, "tags.createdBy"), "aksnet");
    assert_int_equal(cJSON_GetArraySize(group), 2);
    mt_spec_assert_conforms(group, "resourceGroup");
    cJSON *identity = aksnet__resources_identity_body(plan);
    assert_true(cJSON_Compare(group, identity, 1));
    mt_spec_assert_conforms(identity, "userAssignedIdentity");
    cJSON_Delete(group);
    cJSON_Delete(identity);
    aksnet_plan_free(plan);

    /* a plan tag named createdBy is not the plan's to set */
    plan =
        mt_plan_from_text("{\"subscriptionId\": \"" SUB "\", \"location\": \"chinaeast2\", \"resourceGroup\": \"rg\","
                          " \"tags\": {\"CreatedBy\": \"someone\", \"team\": \"a\"}, \"cluster\": {\"name\": \"c1\"}}");
    group = aksnet__resources_group_body(plan);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(group, "tags")), 2);
    assert_string_equal(mt_json_str(group, "tags.createdBy"), "aksnet");
    assert_string_equal(mt_json_str(group, "tags.team"), "a");
    cJSON_Delete(group);
    aksnet_plan_free(plan);
}

/* A group, an identity, a cluster that exists: its tags kept, createdBy only if it has it. */
static void test_keep_existing_tags(void **state)
{
    (void)state;
    struct aksnet_plan *plan = example("kubenet-calico.json");
    cJSON *body = aksnet__resources_group_body(plan);
    cJSON *users = mt_json_parse("{\"id\": \"" RG_ID "\", \"name\": \"myResourceGroup\", \"location\": \"chinaeast2\","
                                 " \"tags\": {\"owner\": \"me\", \"env\": \"dev\"},"
                                 " \"properties\": {\"provisioningState\": \"Succeeded\"}}");
    assert_true(aksnet__resources_keep_existing_tags(body, users));
    assert_null(mt_json_at(body, "tags.createdBy"));
    assert_string_equal(mt_json_str(body, "tags.owner"), "me");
    assert_string_equal(mt_json_str(body, "tags.env"), "dev");
    struct aksnet__differences d;
    assert_int_equal(aksnet__resources_diff(body, users, aksnet__resources_immutable_paths(
                                                            "Microsoft.Resources/resourceGroups"),
                                           &d),
                     AKSNET_OK);
    assert_int_equal(d.count, 0); /* a re-run changes nothing on the user's group */
    aksnet__resources_differences_free(&d);
    cJSON_Delete(body);

    body = aksnet__resources_group_body(plan);
    cJSON *ours = mt_json_parse("{\"location\": \"chinaeast2\", \"tags\": {\"createdBy\": \"aksnet\"}}");
    assert_true(aksnet__resources_keep_existing_tags(body, ours));
    assert_string_equal(mt_json_str(body, "tags.createdBy"), "aksnet");
    assert_true(aksnet__resources_keep_existing_tags(body, NULL)); /* nothing to keep */
    cJSON_Delete(ours);
    cJSON_Delete(users);
    cJSON_Delete(body);
    aksnet_plan_free(plan);
}

static void test_route_table_create(void **state)
{
    (void)state;
    struct aksnet_plan *plan = example("kubenet-own-route-table.json");
    cJSON *body = aksnet__resources_route_table_body(plan, NULL);
    assert_string_equal(mt_json_str(body, "location"), "chinaeast2");
    assert_string_equal(mt_json_str(body, "tags.createdBy"), "aksnet");
    assert_true(cJSON_IsFalse(mt_json_at(body, "properties.disableBgpRoutePropagation")));
    const cJSON *routes = mt_json_at(body, "properties.routes");
    assert_int_equal(cJSON_GetArraySize(routes), 1);
    const cJSON *egress = named(routes, "egress");
    assert_string_equal(mt_json_str(egress, "properties.addressPrefix"), "0.0.0.0/0");
    assert_string_equal(mt_json_str(egress, "properties.nextHopType"), "VirtualAppliance");
    assert_string_equal(mt_json_str(egress, "properties.nextHopIpAddress"), "192.168.0.4");
    mt_spec_assert_conforms(body, "routeTable");
    cJSON_Delete(body);
    aksnet_plan_free(plan);

    /* the spec's spelling whatever the plan's case; no next hop address unless given */
    plan =
        mt_plan_from_text("{\"subscriptionId\": \"" SUB "\", \"location\": \"chinaeast2\", \"resourceGroup\": \"rg\","
                          " \"network\": {\"routeTable\": {\"name\": \"rt\", \"routes\": ["
                          "  {\"name\": \"a\", \"addressPrefix\": \"0.0.0.0/0\", \"nextHopType\": \"virtualappliance\","
                          "   \"nextHopIpAddress\": \"10.1.0.4\"},"
                          "  {\"name\": \"b\", \"addressPrefix\": \"10.9.0.0/16\", \"nextHopType\": \"VNETLOCAL\"}]}},"
                          " \"cluster\": {\"name\": \"c1\"}}");
    body = aksnet__resources_route_table_body(plan, NULL);
    routes = mt_json_at(body, "properties.routes");
    assert_string_equal(mt_json_str(named(routes, "a"), "properties.nextHopType"), "VirtualAppliance");
    assert_string_equal(mt_json_str(named(routes, "b"), "properties.nextHopType"), "VnetLocal");
    assert_null(mt_json_at(named(routes, "b"), "properties.nextHopIpAddress"));
    mt_spec_assert_conforms(body, "routeTable");
    cJSON_Delete(body);
    aksnet_plan_free(plan);
}

/* A route table that exists with AKS's per-node routes and the owner's settings. */
static const char EXISTING_ROUTE_TABLE[] =
    "{\"id\": \"" RT_ID "\", \"name\": \"myAKSRouteTable\", \"type\": \"Microsoft.Network/routeTables\","
    " \"location\": \"chinaeast2\", \"etag\": \"W/\\\"7\\\"\", \"tags\": {\"env\": \"prod\", \"owner\": \"net\", "
    "\"purpose\": \"egress\"},"
    " \"properties\": {\"provisioningState\": \"Succeeded\", \"resourceGuid\": \"0f0f\","
    "  \"disableBgpRoutePropagation\": true,"
    "  \"routes\": ["
    "   {\"name\": \"aks-nodepool1-12345678-vmss000000\", "
    "\"id\": \"" RT_ID "/routes/aks-nodepool1-12345678-vmss000000\","
    "    \"etag\": \"W/\\\"7\\\"\", \"type\": \"Microsoft.Network/routeTables/routes\","
    "    \"properties\": {\"provisioningState\": \"Succeeded\", \"addressPrefix\": \"10.244.0.0/24\","
    "     \"nextHopType\": \"VirtualAppliance\", \"nextHopIpAddress\": \"192.168.1.4\", \"hasBgpOverride\": false}},"
    "   {\"name\": \"EGRESS\", \"id\": \"" RT_ID "/routes/EGRESS\","
    "    \"properties\": {\"addressPrefix\": \"0.0.0.0/0\", \"nextHopType\": \"VirtualAppliance\","
    "     \"nextHopIpAddress\": \"192.168.0.9\"}},"
    "   {\"name\": \"aks-nodepool1-12345678-vmss000001\", "
    "\"id\": \"" RT_ID "/routes/aks-nodepool1-12345678-vmss000001\","
    "    \"properties\": {\"provisioningState\": \"Succeeded\", \"addressPrefix\": \"10.244.1.0/24\","
    "     \"nextHopType\": \"VirtualAppliance\", \"nextHopIpAddress\": \"192.168.1.5\"}}],"
    "  \"subnets\": [{\"id\": \"" SUBNET_ID "\"}]}}";

static void test_route_table_keeps_aks_routes(void **state)
{
    (void)state;
    struct aksnet_plan *plan = example("kubenet-own-route-table.json");
    cJSON *existing = mt_json_parse(EXISTING_ROUTE_TABLE);
    cJSON *body = aksnet__resources_route_table_body(plan, existing);
    const cJSON *routes = mt_json_at(body, "properties.routes");
    assert_int_equal(cJSON_GetArraySize(routes), 3);
    const cJSON *node0 = named(routes, "aks-nodepool1-12345678-vmss000000");
    const cJSON *node1 = named(routes, "aks-nodepool1-12345678-vmss000001");
    assert_string_equal(mt_json_str(node0, "properties.addressPrefix"), "10.244.0.0/24");
    assert_string_equal(mt_json_str(node0, "properties.nextHopIpAddress"), "192.168.1.4");
    assert_string_equal(mt_json_str(node1, "properties.nextHopIpAddress"), "192.168.1.5");
    /* the plan's route replaces the one of its name (names ignore case), in place */
    assert_null(named(routes, "EGRESS"));
    assert_string_equal(mt_json_str(cJSON_GetArrayItem(routes, 1), "name"), "egress");
    assert_string_equal(mt_json_str(cJSON_GetArrayItem(routes, 1), "properties.nextHopIpAddress"), "192.168.0.4");
    /* nothing ARM computes goes back; the association is the subnet's, not ours to send */
    assert_false(has_anywhere(body, "provisioningState"));
    assert_false(has_anywhere(body, "etag"));
    assert_false(has_anywhere(body, "hasBgpOverride"));
    assert_false(has_anywhere(mt_json_at(body, "properties"), "resourceGuid"));
    assert_false(has_anywhere(body, "id"));
    assert_false(has_anywhere(body, "subnets"));
    assert_null(mt_json_at(body, "name"));
    /* the owner's BGP choice and tags stay; the table is not claimed for aksnet */
    assert_true(cJSON_IsTrue(mt_json_at(body, "properties.disableBgpRoutePropagation")));
    assert_string_equal(mt_json_str(body, "tags.env"), "dev");
    assert_string_equal(mt_json_str(body, "tags.owner"), "net");
    assert_string_equal(mt_json_str(body, "tags.purpose"), "egress"); /* a tag, not ARM's "purpose" */
    assert_null(mt_json_at(body, "tags.createdBy"));
    mt_spec_assert_conforms(body, "routeTable");

    /* the diff against what ARM holds: the route and the tag, both updatable */
    struct aksnet__differences d;
    assert_int_equal(aksnet__resources_diff(body, existing, aksnet__resources_immutable_paths(
                                                               "Microsoft.Network/routeTables"),
                                           &d),
                     AKSNET_OK);
    /* tags.env and routes[egress] next hop; the name differs only in case, as ARM ignores */
    assert_int_equal(d.count, 2);
    for (size_t i = 0; i < d.count; i++)
        assert_false(d.items[i].immutable);
    aksnet__resources_differences_free(&d);
    cJSON_Delete(body);
    cJSON_Delete(existing);
    aksnet_plan_free(plan);
}

static void test_vnet_create(void **state)
{
    (void)state;
    struct aksnet_plan *plan = example("kubenet.json");
    cJSON *body = aksnet__resources_vnet_body(plan, NULL, RT_ID);
    assert_string_equal(mt_json_str(body, "location"), "chinaeast2");
    assert_string_equal(mt_json_str(body, "tags.createdBy"), "aksnet");
    const cJSON *prefixes = mt_json_at(body, "properties.addressSpace.addressPrefixes");
    assert_int_equal(cJSON_GetArraySize(prefixes), 1);
    assert_string_equal(cJSON_GetArrayItem(prefixes, 0)->valuestring, "192.168.0.0/16");
    const cJSON *subnets = mt_json_at(body, "properties.subnets");
    assert_int_equal(cJSON_GetArraySize(subnets), 1);
    const cJSON *subnet = named(subnets, "myAKSSubnet");
    assert_string_equal(mt_json_str(subnet, "properties.addressPrefix"), "192.168.1.0/24");
    assert_string_equal(mt_json_str(subnet, "properties.routeTable.id"), RT_ID);
    mt_spec_assert_conforms(body, "virtualNetwork");
    cJSON_Delete(body);

    body = aksnet__resources_vnet_body(plan, NULL, ""); /* no route table of aksnet's */
    assert_null(mt_json_at(named(mt_json_at(body, "properties.subnets"), "myAKSSubnet"), "properties.routeTable"));
    mt_spec_assert_conforms(body, "virtualNetwork");
    cJSON_Delete(body);
    aksnet_plan_free(plan);
}

/* A VNet that exists: two other subnets, an NSG and service endpoints on ours, a delegation, DNS servers. */
static const char EXISTING_VNET[] =
    "{\"id\": \"" VNET_ID "\", \"name\": \"myAKSVnet\", \"type\": \"Microsoft.Network/virtualNetworks\","
    " \"location\": \"chinaeast2\", \"etag\": \"W/\\\"3\\\"\", \"tags\": {\"createdBy\": \"aksnet\", \"env\": \"dev\"},"
    " \"properties\": {\"provisioningState\": \"Succeeded\", \"resourceGuid\": \"9a9a\","
    "  \"addressSpace\": {\"addressPrefixes\": [\"192.168.0.0/16\", \"10.50.0.0/16\"]},"
    "  \"dhcpOptions\": {\"dnsServers\": [\"10.50.0.4\"]},"
    "  \"subnets\": ["
    "   {\"name\": \"frontend\", \"id\": \"" VNET_ID "/subnets/frontend\", \"etag\": \"W/\\\"3\\\"\","
    "    \"type\": \"Microsoft.Network/virtualNetworks/subnets\","
    "    \"properties\": {\"provisioningState\": \"Succeeded\", \"addressPrefix\": \"192.168.2.0/24\","
    "     \"networkSecurityGroup\": {\"id\": \"" RG_ID "/providers/Microsoft.Network/networkSecurityGroups/frontNsg\"},"
    "     \"ipConfigurations\": [{\"id\": \"" RG_ID
    "/providers/Microsoft.Network/networkInterfaces/vm1/ipConfigurations/c\"}],"
    "     \"privateEndpointNetworkPolicies\": \"Disabled\", \"privateLinkServiceNetworkPolicies\": \"Enabled\"}},"
    "   {\"name\": \"db\", \"id\": \"" VNET_ID "/subnets/db\","
    "    \"properties\": {\"addressPrefix\": \"10.50.1.0/24\", \"delegations\": [{\"name\": \"sqlmi\","
    "     \"id\": \"" VNET_ID "/subnets/db/delegations/sqlmi\", \"etag\": \"W/\\\"3\\\"\","
    "     \"type\": \"Microsoft.Network/virtualNetworks/subnets/delegations\","
    "     \"properties\": {\"serviceName\": \"Microsoft.Sql/managedInstances\","
    "      \"actions\": [\"Microsoft.Network/virtualNetworks/subnets/join/action\"],"
    "      \"provisioningState\": \"Succeeded\"}}]}},"
    "   {\"name\": \"myAKSSubnet\", \"id\": \"" SUBNET_ID "\","
    "    \"properties\": {\"addressPrefix\": \"192.168.1.0/24\","
    "     \"networkSecurityGroup\": {\"id\": \"" RG_ID "/providers/Microsoft.Network/networkSecurityGroups/aksNsg\"},"
    "     \"serviceEndpoints\": [{\"service\": \"Microsoft.Storage\", \"locations\": [\"chinaeast2\", \"chinanorth2\"],"
    "      \"provisioningState\": \"Succeeded\"}],"
    "     \"purpose\": \"\", \"provisioningState\": \"Succeeded\"}}],"
    "  \"virtualNetworkPeerings\": [], \"enableDdosProtection\": false}}";

static void test_vnet_keeps_other_subnets(void **state)
{
    (void)state;
    struct aksnet_plan *plan = example("kubenet.json");
    cJSON *existing = mt_json_parse(EXISTING_VNET);
    cJSON *body = aksnet__resources_vnet_body(plan, existing, RT_ID);
    const cJSON *subnets = mt_json_at(body, "properties.subnets");
    assert_int_equal(cJSON_GetArraySize(subnets), 3);
    /* the other two as they were */
    const cJSON *front = named(subnets, "frontend");
    assert_string_equal(mt_json_str(front, "properties.addressPrefix"), "192.168.2.0/24");
    assert_string_equal(mt_json_str(front, "properties.networkSecurityGroup.id"),
                        RG_ID "/providers/Microsoft.Network/networkSecurityGroups/frontNsg");
    assert_string_equal(mt_json_str(front, "properties.privateEndpointNetworkPolicies"), "Disabled");
    assert_null(mt_json_at(front, "properties.routeTable"));
    const cJSON *db = named(subnets, "db");
    const cJSON *delegation = named(mt_json_at(db, "properties.delegations"), "sqlmi");
    assert_string_equal(mt_json_str(delegation, "properties.serviceName"), "Microsoft.Sql/managedInstances");
    /* ours: the NSG and the service endpoints stay, the route table is associated */
    const cJSON *ours = named(subnets, "myAKSSubnet");
    assert_string_equal(mt_json_str(ours, "properties.networkSecurityGroup.id"),
                        RG_ID "/providers/Microsoft.Network/networkSecurityGroups/aksNsg");
    const cJSON *endpoints = mt_json_at(ours, "properties.serviceEndpoints");
    assert_int_equal(cJSON_GetArraySize(endpoints), 1);
    assert_string_equal(mt_json_str(cJSON_GetArrayItem(endpoints, 0), "service"), "Microsoft.Storage");
    assert_int_equal(cJSON_GetArraySize(mt_json_at(cJSON_GetArrayItem(endpoints, 0), "locations")), 2);
    assert_string_equal(mt_json_str(ours, "properties.routeTable.id"), RT_ID);
    /* the rest of the VNet: both address ranges, DNS servers, the aksnet tag it already had */
    assert_int_equal(cJSON_GetArraySize(mt_json_at(body, "properties.addressSpace.addressPrefixes")), 2);
    assert_string_equal(cJSON_GetArrayItem(mt_json_at(body, "properties.dhcpOptions.dnsServers"), 0)->valuestring,
                        "10.50.0.4");
    assert_string_equal(mt_json_str(body, "tags.createdBy"), "aksnet");
    assert_false(has_anywhere(body, "provisioningState"));
    assert_false(has_anywhere(body, "ipConfigurations"));
    assert_false(has_anywhere(body, "etag"));
    assert_false(has_anywhere(body, "actions"));
    assert_false(has_anywhere(body, "resourceGuid"));
    assert_null(mt_json_at(body, "id"));
    mt_spec_assert_conforms(body, "virtualNetwork");

    /* against what ARM holds: only the association differs, and it is updatable */
    struct aksnet__differences d;
    assert_int_equal(aksnet__resources_diff(body, existing, aksnet__resources_immutable_paths(
                                                               "Microsoft.Network/virtualNetworks"),
                                           &d),
                     AKSNET_OK);
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].path, "properties.subnets[myAKSSubnet].properties.routeTable");
    assert_string_equal(d.items[0].have, "(absent)");
    assert_false(d.items[0].immutable);
    aksnet__resources_differences_free(&d);
    cJSON_Delete(body);

    /* the plan's subnet missing from the VNet: added, none dropped */
    cJSON *subs = cJSON_GetObjectItem(cJSON_GetObjectItem(existing, "properties"), "subnets");
    cJSON_DeleteItemFromArray(subs, 2);
    body = aksnet__resources_vnet_body(plan, existing, RT_ID);
    assert_int_equal(cJSON_GetArraySize(mt_json_at(body, "properties.subnets")), 3);
    assert_non_null(named(mt_json_at(body, "properties.subnets"), "myAKSSubnet"));
    assert_non_null(named(mt_json_at(body, "properties.subnets"), "frontend"));
    assert_non_null(named(mt_json_at(body, "properties.subnets"), "db"));
    mt_spec_assert_conforms(body, "virtualNetwork");
    cJSON_Delete(body);
    cJSON_Delete(existing);
    aksnet_plan_free(plan);
}

/* A subnet of the user's VNet as ARM returns it. */
static const char EXISTING_SUBNET[] =
    "{\"name\": \"aksNodes\", \"id\": \"/subscriptions/" SUB "/resourceGroups/networkResourceGroup/providers/"
    "Microsoft.Network/virtualNetworks/corpVnet/subnets/aksNodes\", \"etag\": \"W/\\\"5\\\"\","
    " \"type\": \"Microsoft.Network/virtualNetworks/subnets\","
    " \"properties\": {\"provisioningState\": \"Succeeded\", \"addressPrefix\": \"172.16.4.0/24\","
    "  \"networkSecurityGroup\": {\"id\": \"/subscriptions/" SUB "/resourceGroups/networkResourceGroup/providers/"
    "Microsoft.Network/networkSecurityGroups/corpNsg\"},"
    "  \"serviceEndpoints\": [{\"service\": \"Microsoft.KeyVault\", \"locations\": [\"*\"],"
    "   \"provisioningState\": \"Succeeded\"}],"
    "  \"privateEndpointNetworkPolicies\": \"Disabled\", \"privateLinkServiceNetworkPolicies\": \"Enabled\"}}";

static void test_subnet_body(void **state)
{
    (void)state;
    struct aksnet_plan *plan = example("kubenet-existing-vnet.json");
    free(plan->subnet.address_prefix); /* the plan thinks otherwise: the user's range wins */
    plan->subnet.address_prefix = strdup("172.16.5.0/24");
    assert_non_null(plan->subnet.address_prefix);
    struct aksnet_resource_ids ids;
    assert_int_equal(aksnet__resources_ids(plan, &ids, NULL), AKSNET_OK);
    cJSON *existing = mt_json_parse(EXISTING_SUBNET);
    cJSON *body = aksnet__resources_subnet_body(plan, existing, ids.route_table);
    assert_int_equal(cJSON_GetArraySize(body), 1);
    assert_string_equal(mt_json_str(body, "properties.addressPrefix"), "172.16.4.0/24");
    assert_string_equal(mt_json_str(body, "properties.routeTable.id"), RT_ID);
    assert_string_equal(mt_json_str(body, "properties.networkSecurityGroup.id"),
                        "/subscriptions/" SUB "/resourceGroups/networkResourceGroup/providers/"
                        "Microsoft.Network/networkSecurityGroups/corpNsg");
    assert_string_equal(mt_json_str(cJSON_GetArrayItem(mt_json_at(body, "properties.serviceEndpoints"), 0), "service"),
                        "Microsoft.KeyVault");
    assert_string_equal(mt_json_str(body, "properties.privateEndpointNetworkPolicies"), "Disabled");
    assert_false(has_anywhere(body, "provisioningState"));
    mt_spec_assert_conforms(body, "subnet");

    struct aksnet__differences d;
    assert_int_equal(aksnet__resources_diff(body, existing, aksnet__resources_immutable_paths(
                                                               "Microsoft.Network/virtualNetworks/subnets"),
                                           &d),
                     AKSNET_OK);
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].path, "properties.routeTable");
    aksnet__resources_differences_free(&d);
    cJSON_Delete(body);
    cJSON_Delete(existing);

    body = aksnet__resources_subnet_body(plan, NULL, "");
    assert_string_equal(mt_json_str(body, "properties.addressPrefix"), "172.16.5.0/24");
    assert_null(mt_json_at(body, "properties.routeTable"));
    mt_spec_assert_conforms(body, "subnet");
    cJSON_Delete(body);
    aksnet_plan_free(plan);
}

static void test_role_assignment_body(void **state)
{
    (void)state;
    cJSON *body = aksnet__resources_role_assignment_body(ROLE_ID, PRINCIPAL);
    assert_string_equal(mt_json_str(body, "properties.roleDefinitionId"), ROLE_ID);
    assert_string_equal(mt_json_str(body, "properties.principalId"), PRINCIPAL);
    assert_string_equal(mt_json_str(body, "properties.principalType"), "ServicePrincipal");
    assert_int_equal(cJSON_GetArraySize(mt_json_at(body, "properties")), 3);
    assert_int_equal(cJSON_GetArraySize(body), 1);
    mt_spec_assert_conforms(body, "roleAssignment");
    cJSON_Delete(body);
}

static void test_cluster_body(void **state)
{
    (void)state;
    struct aksnet_plan *plan = example("kubenet-calico.json");
    struct aksnet_resource_ids ids;
    assert_int_equal(aksnet__resources_ids(plan, &ids, NULL), AKSNET_OK);
    cJSON *body = aksnet__resources_cluster_body(plan, &ids);
    assert_string_equal(mt_json_str(body, "location"), "chinaeast2");
    assert_string_equal(mt_json_str(body, "tags.createdBy"), "aksnet");
    assert_string_equal(mt_json_str(body, "identity.type"), "UserAssigned");
    const cJSON *uai = mt_json_at(body, "identity.userAssignedIdentities");
    assert_int_equal(cJSON_GetArraySize(uai), 1);
    assert_string_equal(uai->child->string, IDENTITY_ID);
    assert_int_equal(cJSON_GetArraySize(uai->child), 0);
    assert_string_equal(mt_json_str(body, "properties.dnsPrefix"), "myakscluster");
    assert_null(mt_json_at(body, "properties.kubernetesVersion"));
    const cJSON *pool = named(mt_json_at(body, "properties.agentPoolProfiles"), "nodepool1");
    assert_int_equal(mt_json_at(pool, "count")->valueint, 3);
    assert_string_equal(mt_json_str(pool, "vmSize"), "Standard_DS2_v2");
    assert_int_equal(mt_json_at(pool, "maxPods")->valueint, 110);
    assert_string_equal(mt_json_str(pool, "osType"), "Linux");
    assert_string_equal(mt_json_str(pool, "mode"), "System");
    assert_string_equal(mt_json_str(pool, "type"), "VirtualMachineScaleSets");
    assert_string_equal(mt_json_str(pool, "vnetSubnetID"), SUBNET_ID);
    assert_true(cJSON_IsFalse(mt_json_at(pool, "enableAutoScaling")));
    assert_null(mt_json_at(pool, "minCount"));
    assert_string_equal(mt_json_str(pool, "upgradeSettings.maxSurge"), "1");
    assert_string_equal(mt_json_str(body, "properties.networkProfile.networkPlugin"), "kubenet");
    assert_string_equal(mt_json_str(body, "properties.networkProfile.networkPolicy"), "calico");
    assert_string_equal(mt_json_str(body, "properties.networkProfile.podCidr"), "10.244.0.0/16");
    assert_string_equal(mt_json_str(body, "properties.networkProfile.serviceCidr"), "10.0.0.0/16");
    assert_string_equal(mt_json_str(body, "properties.networkProfile.dnsServiceIP"), "10.0.0.10");
    assert_string_equal(mt_json_str(body, "properties.networkProfile.outboundType"), "loadBalancer");
    mt_spec_assert_conforms(body, "managedCluster");
    cJSON_Delete(body);
    aksnet_plan_free(plan);

    /* any case in, the spec's spelling out; "none" policy left out; a version when given; autoscaler */
    plan = mt_plan_from_text(
        "{\"subscriptionId\": \"" SUB "\", \"location\": \"chinaeast2\", \"resourceGroup\": \"rg\","
        " \"identity\": {\"type\": \"SystemAssigned\"},"
        " \"cluster\": {\"name\": \"c1\", \"kubernetesVersion\": \"1.30\", \"networkPlugin\": \"Kubenet\","
        "  \"networkPolicy\": \"none\", \"outboundType\": \"USERDEFINEDROUTING\","
        "  \"nodePools\": [{\"name\": \"sys\", \"osType\": \"linux\", \"mode\": \"system\","
        "   \"enableAutoScaling\": true, \"minCount\": 2, \"maxCount\": 5, \"maxSurge\": \"33%\"}]}}");
    assert_int_equal(aksnet__resources_ids(plan, &ids, NULL), AKSNET_OK);
    body = aksnet__resources_cluster_body(plan, &ids);
    assert_string_equal(mt_json_str(body, "identity.type"), "SystemAssigned");
    assert_null(mt_json_at(body, "identity.userAssignedIdentities"));
    assert_string_equal(mt_json_str(body, "properties.kubernetesVersion"), "1.30");
    assert_string_equal(mt_json_str(body, "properties.networkProfile.networkPlugin"), "kubenet");
    assert_null(mt_json_at(body, "properties.networkProfile.networkPolicy"));
    assert_string_equal(mt_json_str(body, "properties.networkProfile.outboundType"), "userDefinedRouting");
    pool = named(mt_json_at(body, "properties.agentPoolProfiles"), "sys");
    assert_string_equal(mt_json_str(pool, "osType"), "Linux");
    assert_string_equal(mt_json_str(pool, "mode"), "System");
    assert_true(cJSON_IsTrue(mt_json_at(pool, "enableAutoScaling")));
    assert_int_equal(mt_json_at(pool, "count")->valueint, 2);
    assert_int_equal(mt_json_at(pool, "minCount")->valueint, 2);
    assert_int_equal(mt_json_at(pool, "maxCount")->valueint, 5);
    assert_string_equal(mt_json_str(pool, "upgradeSettings.maxSurge"), "33%");
    mt_spec_assert_conforms(body, "managedCluster");
    cJSON_Delete(body);
    aksnet_plan_free(plan);
}

/* Every body of every example plan, against its model. */
struct built {
    cJSON *body[7];
    const char *model[7];
    size_t count;
};

static void built_add(struct built *b, cJSON *body, const char *model)
{
    assert_true(b->count < 7);
    b->body[b->count] = body;
    b->model[b->count++] = model;
}

static void conform_example(const char *name)
{
    struct aksnet_plan *plan = example(name);
    struct aksnet_resource_ids ids;
    assert_int_equal(aksnet__resources_ids(plan, &ids, NULL), AKSNET_OK);
    struct built b = {.count = 0};
    built_add(&b, aksnet__resources_group_body(plan), "resourceGroup");
    if (ids.route_table[0])
        built_add(&b, aksnet__resources_route_table_body(plan, NULL), "routeTable");
    if (ids.identity[0] && !plan->identity.id)
        built_add(&b, aksnet__resources_identity_body(plan), "userAssignedIdentity");
    if (aksnet_plan_vnet_is_existing(plan)) {
        cJSON *existing = mt_json_parse(EXISTING_SUBNET);
        built_add(&b, aksnet__resources_subnet_body(plan, existing, ids.route_table), "subnet");
        cJSON_Delete(existing);
    } else {
        built_add(&b, aksnet__resources_vnet_body(plan, NULL, ids.route_table), "virtualNetwork");
    }
    built_add(&b, aksnet__resources_role_assignment_body(ids.role_definition, PRINCIPAL), "roleAssignment");
    built_add(&b, aksnet__resources_cluster_body(plan, &ids), "managedCluster");
    for (size_t i = 0; i < b.count; i++) {
        if (mt_spec_violations(b.body[i], b.model[i], false))
            print_error("%s: the %s body does not conform\n", name, b.model[i]);
        mt_spec_assert_conforms(b.body[i], b.model[i]);
        cJSON_Delete(b.body[i]);
    }
    aksnet_plan_free(plan);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_examples_conform_to_spec(void **state)
{
    (void)state;
    char dir[MT_PATH_MAX];
    assert_non_null(mt_source_path("examples", dir, sizeof(dir)));
    DIR *d = opendir(dir);
    assert_non_null(d);
    char *names[64] = {NULL};
    size_t count = 0;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL && count < 64) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0)
            names[count++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, count, sizeof(names[0]), by_name);
    assert_true(count >= 4);
    for (size_t i = 0; i < count; i++) {
        conform_example(names[i]);
        free(names[i]);
    }
}

/* The check itself finds what it is there to find (else the tests above prove nothing). */
static void test_spec_check_catches(void **state)
{
    (void)state;
    static const struct {
        const char *model;
        const char *body;
    } bad[] = {
        {"resourceGroup", "{\"location\": \"x\", \"tagz\": {}}"},                                /* unknown */
        {"resourceGroup", "{\"tags\": {}}"},                                                     /* required */
        {"resourceGroup", "{\"location\": \"x\", \"name\": \"rg\"}"},                            /* read-only */
        {"resourceGroup", "{\"location\": \"x\", \"tags\": {\"a\": 1}}"},                        /* type */
        {"routeTable", "{\"properties\": {\"routes\": [{\"name\": \"r\", \"properties\": {}}]}}"}, /* required */
        {"routeTable", "{\"properties\": {\"routes\": [{\"properties\": {\"nextHopType\": 7}}]}}"},
        {"routeTable", "{\"properties\": {\"subnets\": []}}"},
        {"virtualNetwork", "{\"properties\": {\"subnets\": [{\"properties\": {\"addressPrefix\": 5}}]}}"},
        {"subnet", "{\"properties\": {\"ipConfigurations\": []}}"},
        {"userAssignedIdentity", "{\"location\": \"x\", \"properties\": {}}"},
        {"roleAssignment", "{\"properties\": {\"roleDefinitionId\": \"r\", \"principalId\": \"p\","
                           " \"principalType\": 7}}"},
        {"roleAssignment", "{\"properties\": {\"principalId\": \"p\"}}"},
        {"managedCluster", "{\"location\": \"x\", \"properties\": {\"agentPoolProfiles\": [{\"name\": \"a\","
                           " \"count\": 1.5}]}}"},
        {"managedCluster", "{\"location\": \"x\", \"identity\": {\"type\": \"Robot\"}}"}, /* a closed enum */
        {"managedCluster", "{\"location\": \"x\", \"properties\": {\"agentPoolProfiles\": [{\"count\": 1}]}}"},
        {"managedCluster", "{\"location\": \"x\", \"properties\": {\"fqdn\": \"f\"}}"},
        {"managedCluster", "{\"location\": \"x\", \"properties\": {\"networkProfile\": {\"podCIDR\": \"a\"}}}"},
        {"managedCluster", "{\"location\": \"x\", \"properties\": {\"securityProfile\": {\"defender\": {}}}}"},
        {"managedCluster", "{\"location\": \"x\", \"identity\": {\"type\": \"UserAssigned\","
                           " \"userAssignedIdentities\": {\"/x\": {\"principalId\": \"p\"}}}}"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cJSON *body = mt_json_parse(bad[i].body);
        int errors = mt_spec_violations(body, bad[i].model, false);
        if (errors == 0)
            print_error("accepted %s: %s\n", bad[i].model, bad[i].body);
        assert_true(errors > 0);
        cJSON_Delete(body);
    }
    /*
     * and what is right passes: a case-insensitive enum, a declared map, any
     * string in an extensible enum (x-ms-enum modelAsString: sku.name)
     */
    cJSON *ok = mt_json_parse("{\"location\": \"x\", \"identity\": {\"type\": \"userassigned\","
                              " \"userAssignedIdentities\": {\"/x\": {}}}, \"sku\": {\"name\": \"Basic\"}}");
    assert_int_equal(mt_spec_violations(ok, "managedCluster", true), 0);
    cJSON_Delete(ok);
}

/* ---- differences ---------------------------------------------------------------- */

/* The seed's cluster body, and a copy of it as ARM would return it. */
static void seed_cluster(cJSON **desired, cJSON **existing)
{
    struct aksnet_plan *plan = example("kubenet-calico.json");
    struct aksnet_resource_ids ids;
    assert_int_equal(aksnet__resources_ids(plan, &ids, NULL), AKSNET_OK);
    *desired = aksnet__resources_cluster_body(plan, &ids);
    assert_non_null(*desired);
    *existing = cJSON_Duplicate(*desired, 1);
    assert_non_null(*existing);
    aksnet_plan_free(plan);
}

static const char *const *aks_paths(void)
{
    return aksnet__resources_immutable_paths("Microsoft.ContainerService/managedClusters");
}

static void set_string(cJSON *obj, const char *path, const char *value)
{
    cJSON *parent = obj;
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", path);
    char *last = strrchr(buf, '.');
    if (last) {
        *last++ = '\0';
        parent = (cJSON *)mt_json_at(obj, buf);
    } else {
        last = buf;
    }
    assert_non_null(parent);
    assert_true(cJSON_ReplaceItemInObjectCaseSensitive(parent, last, cJSON_CreateString(value)));
}

static void test_diff_pod_cidr_immutable(void **state)
{
    (void)state;
    cJSON *want, *have;
    seed_cluster(&want, &have);
    set_string(have, "properties.networkProfile.podCidr", "10.245.0.0/16");
    struct aksnet__differences d;
    assert_int_equal(aksnet__resources_diff(want, have, aks_paths(), &d), AKSNET_OK);
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].path, "properties.networkProfile.podCidr");
    assert_string_equal(d.items[0].want, "10.244.0.0/16");
    assert_string_equal(d.items[0].have, "10.245.0.0/16");
    assert_true(d.items[0].immutable);
    aksnet__resources_differences_free(&d);
    assert_null(d.items);
    assert_int_equal(d.count, 0);

    /* a pool's subnet, matched through [*] */
    cJSON *pool = cJSON_GetArrayItem((cJSON *)mt_json_at(have, "properties.agentPoolProfiles"), 0);
    set_string(pool, "vnetSubnetID", VNET_ID "/subnets/other");
    assert_int_equal(aksnet__resources_diff(want, have, aks_paths(), &d), AKSNET_OK);
    assert_int_equal(d.count, 2); /* in the body's order: pools before the network profile */
    assert_string_equal(d.items[0].path, "properties.agentPoolProfiles[nodepool1].vnetSubnetID");
    assert_true(d.items[0].immutable);
    assert_string_equal(d.items[1].path, "properties.networkProfile.podCidr");
    aksnet__resources_differences_free(&d);
    cJSON_Delete(want);
    cJSON_Delete(have);
}

static void test_diff_tag_change_mutable(void **state)
{
    (void)state;
    cJSON *want, *have;
    seed_cluster(&want, &have);
    set_string(have, "tags.env", "prod");
    struct aksnet__differences d;
    assert_int_equal(aksnet__resources_diff(want, have, aks_paths(), &d), AKSNET_OK);
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].path, "tags.env");
    assert_string_equal(d.items[0].want, "dev");
    assert_string_equal(d.items[0].have, "prod");
    assert_false(d.items[0].immutable);
    aksnet__resources_differences_free(&d);

    /* a tag's value is compared exactly; a count by value */
    set_string(have, "tags.env", "DEV");
    cJSON *pool = cJSON_GetArrayItem((cJSON *)mt_json_at(have, "properties.agentPoolProfiles"), 0);
    cJSON_ReplaceItemInObjectCaseSensitive(pool, "count", cJSON_CreateNumber(5));
    assert_int_equal(aksnet__resources_diff(want, have, aks_paths(), &d), AKSNET_OK);
    assert_int_equal(d.count, 2);
    assert_string_equal(d.items[0].path, "tags.env");
    assert_string_equal(d.items[1].path, "properties.agentPoolProfiles[nodepool1].count");
    assert_string_equal(d.items[1].want, "3");
    assert_string_equal(d.items[1].have, "5");
    assert_false(d.items[1].immutable);
    aksnet__resources_differences_free(&d);
    cJSON_Delete(want);
    cJSON_Delete(have);
}

/* What only ARM's copy has is no difference; case in ids, enums and locations is none either. */
static void test_diff_ignores_existing_only_and_case(void **state)
{
    (void)state;
    cJSON *want, *have;
    seed_cluster(&want, &have);
    cJSON *props = cJSON_GetObjectItem(have, "properties");
    cJSON_AddStringToObject(props, "provisioningState", "Succeeded");
    cJSON_AddStringToObject(props, "fqdn", "myakscluster-abc.hcp.chinaeast2.cx.prod.service.azk8s.cn");
    cJSON_AddStringToObject(props, "nodeResourceGroup", "MC_myResourceGroup_myAKSCluster_chinaeast2");
    cJSON_AddStringToObject(cJSON_GetObjectItem(props, "networkProfile"), "loadBalancerSku", "standard");
    cJSON_AddItemToArray(cJSON_GetObjectItem(props, "agentPoolProfiles"),
                         mt_json_parse("{\"name\": \"userpool\", \"count\": 2, \"vmSize\": \"Standard_D4s_v3\"}"));
    cJSON_AddStringToObject(cJSON_GetObjectItem(have, "identity"), "principalId", "p");
    cJSON_AddStringToObject(have, "id", CLUSTER_ID);
    cJSON_AddStringToObject(cJSON_GetObjectItem(have, "tags"), "owner", "someone");

    /* ARM's spelling of what aksnet sent */
    set_string(have, "location", "ChinaEast2");
    cJSON *pool = cJSON_GetArrayItem(cJSON_GetObjectItem(props, "agentPoolProfiles"), 0);
    set_string(pool, "osType", "linux");
    set_string(pool, "mode", "SYSTEM");
    char lower[sizeof(SUBNET_ID)];
    for (size_t i = 0; i < sizeof(SUBNET_ID); i++)
        lower[i] = (char)((SUBNET_ID[i] >= 'A' && SUBNET_ID[i] <= 'Z') ? SUBNET_ID[i] + 32 : SUBNET_ID[i]);
    set_string(pool, "vnetSubnetID", lower);
    set_string(have, "properties.networkProfile.outboundType", "LoadBalancer");
    /* the identity's key as ARM lower-cases it */
    cJSON *uai = (cJSON *)mt_json_at(have, "identity.userAssignedIdentities");
    char key[sizeof(IDENTITY_ID)];
    for (size_t i = 0; i < sizeof(IDENTITY_ID); i++)
        key[i] = (char)((IDENTITY_ID[i] >= 'A' && IDENTITY_ID[i] <= 'Z') ? IDENTITY_ID[i] + 32 : IDENTITY_ID[i]);
    cJSON_DeleteItemFromObject(uai, IDENTITY_ID);
    cJSON_AddItemToObject(uai, key, mt_json_parse("{\"principalId\": \"p\", \"clientId\": \"c\"}"));

    struct aksnet__differences d;
    assert_int_equal(aksnet__resources_diff(want, have, aks_paths(), &d), AKSNET_OK);
    for (size_t i = 0; i < d.count; i++)
        print_error("unexpected difference %s: %s / %s\n", d.items[i].path, d.items[i].want, d.items[i].have);
    assert_int_equal(d.count, 0);
    aksnet__resources_differences_free(&d);

    /* another identity is a difference (and AKS can move identities in place) */
    cJSON_DeleteItemFromObject(uai, key);
    cJSON_AddItemToObject(uai, RG_ID "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/other",
                          cJSON_CreateObject());
    assert_int_equal(aksnet__resources_diff(want, have, aks_paths(), &d), AKSNET_OK);
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].path, "identity.userAssignedIdentities." IDENTITY_ID);
    assert_false(d.items[0].immutable);
    aksnet__resources_differences_free(&d);
    cJSON_Delete(want);
    cJSON_Delete(have);
}

static void test_diff_arrays_and_absence(void **state)
{
    (void)state;
    struct aksnet_plan *plan = example("kubenet.json");
    cJSON *want = aksnet__resources_vnet_body(plan, NULL, RT_ID);
    cJSON *have = cJSON_Duplicate(want, 1);
    const char *const *vnet = aksnet__resources_immutable_paths("Microsoft.Network/virtualNetworks");
    struct aksnet__differences d;

    /* prefixes are a set: another order, another case is no difference; another member is */
    cJSON *prefixes = (cJSON *)mt_json_at(want, "properties.addressSpace.addressPrefixes");
    cJSON_AddItemToArray(prefixes, cJSON_CreateString("10.60.0.0/16"));
    cJSON *have_prefixes = (cJSON *)mt_json_at(have, "properties.addressSpace.addressPrefixes");
    cJSON_InsertItemInArray(have_prefixes, 0, cJSON_CreateString("10.60.0.0/16"));
    assert_int_equal(aksnet__resources_diff(want, have, vnet, &d), AKSNET_OK);
    assert_int_equal(d.count, 0);
    cJSON_AddItemToArray(have_prefixes, cJSON_CreateString("10.70.0.0/16"));
    assert_int_equal(aksnet__resources_diff(want, have, vnet, &d), AKSNET_OK);
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].path, "properties.addressSpace.addressPrefixes");
    assert_false(d.items[0].immutable);
    aksnet__resources_differences_free(&d);
    cJSON_DeleteItemFromArray(have_prefixes, 2);

    /* a subnet's range: immutable through [*]; the subnet missing: one difference for it */
    cJSON *subnet = cJSON_GetArrayItem((cJSON *)mt_json_at(have, "properties.subnets"), 0);
    set_string(subnet, "properties.addressPrefix", "192.168.9.0/24");
    assert_int_equal(aksnet__resources_diff(want, have, vnet, &d), AKSNET_OK);
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].path, "properties.subnets[myAKSSubnet].properties.addressPrefix");
    assert_true(d.items[0].immutable);
    aksnet__resources_differences_free(&d);
    set_string(subnet, "name", "renamed");
    assert_int_equal(aksnet__resources_diff(want, have, vnet, &d), AKSNET_OK);
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].path, "properties.subnets[myAKSSubnet]");
    assert_string_equal(d.items[0].have, "(absent)");
    assert_false(d.items[0].immutable);
    aksnet__resources_differences_free(&d);
    /* the location, immutable everywhere */
    set_string(subnet, "name", "myAKSSubnet");
    set_string(subnet, "properties.addressPrefix", "192.168.1.0/24");
    set_string(have, "location", "chinanorth2");
    assert_int_equal(aksnet__resources_diff(want, have, vnet, &d), AKSNET_OK);
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].path, "location");
    assert_true(d.items[0].immutable);
    aksnet__resources_differences_free(&d);
    cJSON_Delete(want);
    cJSON_Delete(have);
    aksnet_plan_free(plan);

    /* a member missing as a whole that holds immutable fields is immutable */
    cJSON *cwant, *chave;
    seed_cluster(&cwant, &chave);
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(chave, "properties"), "networkProfile");
    assert_int_equal(aksnet__resources_diff(cwant, chave, aks_paths(), &d), AKSNET_OK);
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].path, "properties.networkProfile");
    assert_true(d.items[0].immutable);
    aksnet__resources_differences_free(&d);
    /* no resource at all: everything differs */
    assert_int_equal(aksnet__resources_diff(cwant, NULL, aks_paths(), &d), AKSNET_OK);
    assert_int_equal(d.count, (size_t)cJSON_GetArraySize(cwant));
    aksnet__resources_differences_free(&d);
    assert_int_equal(aksnet__resources_diff(NULL, chave, aks_paths(), &d), AKSNET_EINVAL);
    cJSON_Delete(cwant);
    cJSON_Delete(chave);

    /* a role assignment changes only by being replaced */
    cJSON *ra = aksnet__resources_role_assignment_body(ROLE_ID, PRINCIPAL);
    cJSON *ra_have = aksnet__resources_role_assignment_body(ROLE_ID, "99999999-2222-3333-4444-555555555555");
    assert_int_equal(aksnet__resources_diff(ra, ra_have, aksnet__resources_immutable_paths(
                                                            "microsoft.authorization/roleassignments"),
                                           &d),
                     AKSNET_OK);
    assert_int_equal(d.count, 1);
    assert_true(d.items[0].immutable);
    aksnet__resources_differences_free(&d);
    cJSON_Delete(ra);
    cJSON_Delete(ra_have);
}

static void test_immutable_paths(void **state)
{
    (void)state;
    static const char *const types[] = {"Microsoft.ContainerService/managedClusters",
                                        "Microsoft.Network/virtualNetworks", "Microsoft.Network/routeTables",
                                        "Microsoft.ManagedIdentity/userAssignedIdentities",
                                        "Microsoft.Resources/resourceGroups", "Something/else", NULL};
    for (size_t i = 0; types[i]; i++) {
        const char *const *p = aksnet__resources_immutable_paths(types[i]);
        assert_non_null(p);
        bool location = false;
        for (size_t j = 0; p[j]; j++)
            location = location || strcmp(p[j], "location") == 0;
        assert_true(location);
    }
    assert_non_null(aksnet__resources_immutable_paths(NULL));
    const char *const *aks = aksnet__resources_immutable_paths("MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS");
    static const char *const expected[] = {"properties.networkProfile.networkPlugin",
                                           "properties.networkProfile.podCidr",
                                           "properties.networkProfile.serviceCidr",
                                           "properties.networkProfile.dnsServiceIP",
                                           "properties.agentPoolProfiles[*].vnetSubnetID",
                                           "properties.agentPoolProfiles[*].maxPods",
                                           "properties.dnsPrefix", NULL};
    for (size_t i = 0; expected[i]; i++) {
        bool found = false;
        for (size_t j = 0; aks[j]; j++)
            found = found || strcmp(aks[j], expected[i]) == 0;
        if (!found)
            print_error("missing %s\n", expected[i]);
        assert_true(found);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_seed),
        cmocka_unit_test(test_ids_existing_vnet_flag),
        cmocka_unit_test(test_ids_identity_and_role),
        cmocka_unit_test(test_ids_missing_names),
        cmocka_unit_test(test_role_assignment_name),
        cmocka_unit_test(test_group_and_identity_bodies),
        cmocka_unit_test(test_keep_existing_tags),
        cmocka_unit_test(test_route_table_create),
        cmocka_unit_test(test_route_table_keeps_aks_routes),
        cmocka_unit_test(test_vnet_create),
        cmocka_unit_test(test_vnet_keeps_other_subnets),
        cmocka_unit_test(test_subnet_body),
        cmocka_unit_test(test_role_assignment_body),
        cmocka_unit_test(test_cluster_body),
        cmocka_unit_test(test_examples_conform_to_spec),
        cmocka_unit_test(test_spec_check_catches),
        cmocka_unit_test(test_diff_pod_cidr_immutable),
        cmocka_unit_test(test_diff_tag_change_mutable),
        cmocka_unit_test(test_diff_ignores_existing_only_and_case),
        cmocka_unit_test(test_diff_arrays_and_absence),
        cmocka_unit_test(test_immutable_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
