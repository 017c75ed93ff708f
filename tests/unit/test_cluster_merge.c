/*
 * test_cluster_merge.c - the cluster PUT as read-modify-write: what the plan
 * owns changes, everything else ARM holds is kept (pools, add-ons, tags and
 * profiles added outside the plan, an autoscaler's count), computed members
 * are not sent back, and a new cluster is created with Kubernetes RBAC on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "json_support.h"
#include "plans.h"

#define SUB "00000000-0000-0000-0000-000000000000"

/* The seed's plan with an autoscaled first pool (3..10 nodes). */
static struct aksnet_plan *autoscaled_plan(void)
{
    struct aksnet_plan *plan = mt_plan_example("kubenet.json", NULL);
    assert_non_null(plan);
    assert_int_equal(aksnet_plan_apply_defaults(plan, SUB), AKSNET_OK);
    struct aksnet_node_pool *p = &plan->cluster.node_pools[0];
    p->enable_auto_scaling = true;
    p->min_count = 3;
    p->max_count = 10;
    p->count = 3;
    return plan;
}

static cJSON *planned_body(const struct aksnet_plan *plan)
{
    struct aksnet_resource_ids ids;
    struct aksnet_error err;
    assert_int_equal(aksnet__resources_ids(plan, &ids, &err), AKSNET_OK);
    cJSON *body = aksnet__resources_cluster_body(plan, &ids);
    assert_non_null(body);
    return body;
}

/* A create: the plan's body with enableRBAC: true (it cannot be turned on later). */
static void test_create_enables_rbac(void **state)
{
    (void)state;
    struct aksnet_plan *plan = autoscaled_plan();
    cJSON *body = aksnet__resources_cluster_merge(planned_body(plan), NULL);
    assert_non_null(body);
    assert_true(cJSON_IsTrue(mt_json_at(body, "properties.enableRBAC")));
    mt_assert_str(mt_json_str(body, "properties.networkProfile.networkPlugin"), "kubenet");
    cJSON_Delete(body);
    aksnet_plan_free(plan);
}

/* What AKS (and its user, and its autoscaler) made of the cluster since aksnet created it. */
static const char EXISTING[] =
    "{\"id\":\"/subscriptions/" SUB "/resourceGroups/myResourceGroup/providers/Microsoft.ContainerService/"
    "managedClusters/myAKSCluster\",\"name\":\"myAKSCluster\",\"type\":\"Microsoft.ContainerService/managedClusters\","
    "\"location\":\"chinaeast2\",\"tags\":{\"createdBy\":\"aksnet\",\"team\":\"payments\"},"
    "\"identity\":{\"type\":\"UserAssigned\",\"principalId\":\"p\",\"tenantId\":\"t\",\"userAssignedIdentities\":{"
    "\"/subscriptions/" SUB "/resourceGroups/myResourceGroup/providers/Microsoft.ManagedIdentity/"
    "userAssignedIdentities/myIdentity\":{\"clientId\":\"c\",\"principalId\":\"p\"}}},"
    "\"properties\":{\"provisioningState\":\"Succeeded\",\"powerState\":{\"code\":\"Running\"},"
    "\"fqdn\":\"x.hcp.chinaeast2.cx.prod.service.azk8s.cn\",\"currentKubernetesVersion\":\"1.30.3\","
    "\"maxAgentPools\":100,\"enableRBAC\":true,\"dnsPrefix\":\"myakscluster\",\"nodeResourceGroup\":\"MC_x\","
    "\"addonProfiles\":{\"azurepolicy\":{\"enabled\":true,\"identity\":{\"clientId\":\"c\"}}},"
    "\"agentPoolProfiles\":[{\"name\":\"nodepool1\",\"count\":7,\"enableAutoScaling\":true,\"minCount\":3,"
    "\"maxCount\":10,\"vmSize\":\"Standard_DS2_v2\",\"type\":\"VirtualMachineScaleSets\","
    "\"vnetSubnetID\":\"/subscriptions/" SUB "/resourceGroups/myResourceGroup/providers/Microsoft.Network/"
    "virtualNetworks/myAKSVnet/subnets/myAKSSubnet\",\"maxPods\":110,\"osType\":\"Linux\",\"mode\":\"System\","
    "\"provisioningState\":\"Succeeded\",\"currentOrchestratorVersion\":\"1.30.3\",\"nodeImageVersion\":\"img\","
    "\"upgradeSettings\":{\"maxSurge\":\"1\",\"drainTimeoutInMinutes\":30}},"
    "{\"name\":\"userpool\",\"count\":2,\"vmSize\":\"Standard_D4s_v3\",\"mode\":\"User\",\"osType\":\"Linux\"}],"
    "\"networkProfile\":{\"networkPlugin\":\"kubenet\",\"podCidr\":\"10.244.0.0/16\",\"serviceCidr\":\"10.0.0.0/16\","
    "\"dnsServiceIP\":\"10.0.0.10\",\"outboundType\":\"loadBalancer\","
    "\"loadBalancerProfile\":{\"managedOutboundIPs\":{\"count\":2}},\"loadBalancerSku\":\"standard\"}}}";

/*
 * A re-run on a living cluster: pools, add-ons, tags and profiles added
 * outside the plan stay, the autoscaler's count stays, computed members go.
 */
static void test_update_keeps_what_the_plan_does_not_own(void **state)
{
    (void)state;
    struct aksnet_plan *plan = autoscaled_plan();
    cJSON *existing = mt_json_parse(EXISTING);
    cJSON *body = aksnet__resources_cluster_merge(planned_body(plan), existing);
    assert_non_null(body);
    const cJSON *pools = mt_json_at(body, "properties.agentPoolProfiles");
    assert_int_equal(cJSON_GetArraySize(pools), 2);
    const cJSON *first = cJSON_GetArrayItem(pools, 0), *user = cJSON_GetArrayItem(pools, 1);
    assert_int_equal(cJSON_GetObjectItem(first, "count")->valueint, 7); /* the autoscaler's choice */
    assert_non_null(cJSON_GetObjectItem(first, "vnetSubnetID"));      /* the plan's */
    mt_assert_str(mt_json_str(first, "upgradeSettings.maxSurge"), "1");
    assert_int_equal(mt_json_at(first, "upgradeSettings.drainTimeoutInMinutes")->valueint, 30);
    assert_null(cJSON_GetObjectItem(first, "currentOrchestratorVersion"));
    assert_null(cJSON_GetObjectItem(first, "provisioningState"));
    mt_assert_str(mt_json_str(user, "name"), "userpool");
    assert_true(cJSON_IsTrue(mt_json_at(body, "properties.addonProfiles.azurepolicy.enabled")));
    assert_null(mt_json_at(body, "properties.addonProfiles.azurepolicy.identity"));
    mt_assert_str(mt_json_str(body, "tags.team"), "payments");
    assert_int_equal(mt_json_at(body, "properties.networkProfile.loadBalancerProfile.managedOutboundIPs.count")
                         ->valueint, 2);
    mt_assert_str(mt_json_str(body, "properties.networkProfile.serviceCidr"), "10.0.0.0/16");
    mt_assert_str(mt_json_str(body, "properties.nodeResourceGroup"), "MC_x");
    assert_true(cJSON_IsTrue(mt_json_at(body, "properties.enableRBAC")));
    static const char *const gone[] = {"id", "name", "type", "properties.provisioningState", "properties.fqdn",
                                       "properties.powerState", "properties.currentKubernetesVersion",
                                       "properties.maxAgentPools", "identity.principalId", "identity.tenantId"};
    for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
        if (mt_json_at(body, gone[i]))
            fail_msg("%s was sent back", gone[i]);
    mt_assert_str(mt_json_str(body, "identity.type"), "UserAssigned");

    /* Nothing the plan owns differs: no difference, so no PUT. */
    struct aksnet__differences d;
    memset(&d, 0, sizeof(d));
    const char *const *immutable = aksnet__resources_immutable_paths("Microsoft.ContainerService/managedClusters");
    assert_int_equal(aksnet__resources_diff(body, existing, immutable, &d), AKSNET_OK);
    for (size_t i = 0; i < d.count; i++)
        print_message("differs: %s\n", d.items[i].path);
    assert_int_equal(d.count, 0);
    aksnet__resources_differences_free(&d);
    cJSON_Delete(body);
    cJSON_Delete(existing);
    aksnet_plan_free(plan);
}

/* An autoscaler count outside the plan's new range is not kept: the plan's count is sent. */
static void test_count_outside_new_range(void **state)
{
    (void)state;
    struct aksnet_plan *plan = autoscaled_plan();
    plan->cluster.node_pools[0].max_count = 5;
    cJSON *existing = mt_json_parse(EXISTING);
    cJSON *body = aksnet__resources_cluster_merge(planned_body(plan), existing);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(mt_json_at(body, "properties.agentPoolProfiles"), 0),
                                         "count")->valueint, 3);
    cJSON_Delete(body);
    cJSON_Delete(existing);
    aksnet_plan_free(plan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_enables_rbac),
        cmocka_unit_test(test_update_keeps_what_the_plan_does_not_own),
        cmocka_unit_test(test_count_outside_new_range),
    };
    return cmocka_run_group_tests_name("cluster read-modify-write", tests, NULL, NULL);
}
