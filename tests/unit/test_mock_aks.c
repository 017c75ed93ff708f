/*
 * test_mock_aks.c - aksnet-mock's managed clusters: the seed's own plan from
 * PUT to DELETE (node resource group, one route per node, the user's route
 * kept), then each refusal AKS gives with its code.
 *
 * The network, identities and role assignments are seeded through a state
 * file (their HTTP endpoints are other files' work); route tables are read
 * back from the mock's store for the same reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "mock.h"
#include "json_support.h"
#include "keys.h"
#include "mock_support.h"
#include "tmpfiles.h"

#define RG_ID "/subscriptions/" MT_SUB "/resourceGroups/myResourceGroup"
#define VNET_ID RG_ID "/providers/Microsoft.Network/virtualNetworks/myAKSVnet"
#define SUBNET_ID VNET_ID "/subnets/myAKSSubnet"
#define OTHER_SUBNET_ID VNET_ID "/subnets/otherSubnet"
#define RT_ID RG_ID "/providers/Microsoft.Network/routeTables/myAKSCluster-rt"
#define MI_ID RG_ID "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/myIdentity"
#define CLUSTERS RG_ID "/providers/Microsoft.ContainerService/managedClusters/"
#define CLUSTER_ID CLUSTERS "myAKSCluster"
#define NODE_RG_ID "/subscriptions/" MT_SUB "/resourceGroups/MC_myResourceGroup_myAKSCluster_chinaeast2"
#define API "?api-version=2024-09-01"
#define PRINCIPAL "33333333-3333-3333-3333-333333333333"
#define NETWORK_CONTRIBUTOR "4d97b98b-1d4f-4787-a291-c67834d212e7"
#define READER "acdd72a7-3385-48ef-bd42-f606fba81ae7"
#define LOCATION "chinaeast2"

/* What the state file seeds. */
struct scene {
    const char *subnet_prefix;   /* myAKSSubnet */
    const char *vnet_space;      /* a second address space of the VNet, or NULL */
    const char *other_subnet;    /* otherSubnet's prefix, or NULL */
    bool other_has_table;        /* otherSubnet also uses myAKSCluster-rt */
    bool route_table;            /* myAKSSubnet uses myAKSCluster-rt */
    int user_routes;             /* routes of the user in the table (the first leads to a firewall) */
    bool identity;               /* myIdentity exists */
    bool role_vnet, role_rt, role_group, reader_vnet;
};

static const struct scene seed_scene = {
    .subnet_prefix = "192.168.1.0/24", .route_table = true, .user_routes = 1, .identity = true,
    .role_vnet = true, .role_rt = true,
};

struct fixture {
    struct mt_mock t;
    struct mt_tmpdir dir;
    char path[MT_PATH_MAX];
};

/* ---- the state file ------------------------------------------------------------------ */

static cJSON *tracked(const char *id, const char *name, const char *type)
{
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "id", id);
    cJSON_AddStringToObject(b, "name", name);
    cJSON_AddStringToObject(b, "type", type);
    cJSON_AddStringToObject(b, "location", LOCATION);
    cJSON_AddObjectToObject(b, "tags");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(b, "properties"), "provisioningState", "Succeeded");
    return b;
}

static void add_subnet(cJSON *subnets, const char *id, const char *name, const char *prefix, bool table)
{
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "id", id);
    cJSON_AddStringToObject(s, "name", name);
    cJSON *p = cJSON_AddObjectToObject(s, "properties");
    cJSON_AddStringToObject(p, "addressPrefix", prefix);
    if (table)
        cJSON_AddStringToObject(cJSON_AddObjectToObject(p, "routeTable"), "id", RT_ID);
    cJSON_AddItemToArray(subnets, s);
}

static void seed_network(cJSON *state, const struct scene *sc)
{
    cJSON *v = mt_state_add(state, "Microsoft.Network", "virtualNetworks",
                            tracked(VNET_ID, "myAKSVnet", "Microsoft.Network/virtualNetworks"), 1800000000.0);
    cJSON *p = cJSON_GetObjectItem(v, "properties");
    cJSON *space = cJSON_AddArrayToObject(cJSON_AddObjectToObject(p, "addressSpace"), "addressPrefixes");
    cJSON_AddItemToArray(space, cJSON_CreateString("192.168.0.0/16"));
    if (sc->vnet_space)
        cJSON_AddItemToArray(space, cJSON_CreateString(sc->vnet_space));
    cJSON *subnets = cJSON_AddArrayToObject(p, "subnets");
    add_subnet(subnets, SUBNET_ID, "myAKSSubnet", sc->subnet_prefix, sc->route_table);
    if (sc->other_subnet)
        add_subnet(subnets, OTHER_SUBNET_ID, "otherSubnet", sc->other_subnet, sc->other_has_table);
    if (!sc->route_table && !sc->other_has_table)
        return;
    cJSON *rt = mt_state_add(state, "Microsoft.Network", "routeTables",
                             tracked(RT_ID, "myAKSCluster-rt", "Microsoft.Network/routeTables"), 1800000000.0);
    cJSON *rp = cJSON_GetObjectItem(rt, "properties");
    cJSON_AddFalseToObject(rp, "disableBgpRoutePropagation");
    cJSON *routes = cJSON_AddArrayToObject(rp, "routes");
    for (int i = 0; i < sc->user_routes; i++) {
        char name[32], id[512], prefix[32];
        snprintf(name, sizeof(name), i == 0 ? "to-firewall" : "user-%d", i);
        snprintf(id, sizeof(id), "%s/routes/%s", RT_ID, name);
        snprintf(prefix, sizeof(prefix), "10.%d.0.0/16", 100 + i);
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "id", id);
        cJSON_AddStringToObject(r, "name", name);
        cJSON_AddStringToObject(r, "type", "Microsoft.Network/routeTables/routes");
        cJSON *q = cJSON_AddObjectToObject(r, "properties");
        cJSON_AddStringToObject(q, "addressPrefix", prefix);
        cJSON_AddStringToObject(q, "nextHopType", "VirtualAppliance");
        cJSON_AddStringToObject(q, "nextHopIpAddress", "192.168.0.4");
        cJSON_AddItemToArray(routes, r);
    }
}

static void seed_role(cJSON *state, const char *scope, const char *role, int n)
{
    char id[512], name[40], def[256];
    snprintf(name, sizeof(name), "00000000-0000-0000-0000-%012d", n);
    snprintf(id, sizeof(id), "%s/providers/Microsoft.Authorization/roleAssignments/%s", scope, name);
    snprintf(def, sizeof(def), "/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s", MT_SUB, role);
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "id", id);
    cJSON_AddStringToObject(b, "name", name);
    cJSON_AddStringToObject(b, "type", "Microsoft.Authorization/roleAssignments");
    cJSON *p = cJSON_AddObjectToObject(b, "properties");
    cJSON_AddStringToObject(p, "roleDefinitionId", def);
    cJSON_AddStringToObject(p, "principalId", PRINCIPAL);
    cJSON_AddStringToObject(p, "principalType", "ServicePrincipal");
    cJSON_AddStringToObject(p, "scope", scope);
    mt_state_add(state, "Microsoft.Authorization", "roleAssignments", b, 1800000000.0);
}

/* The scene's state document, signed with key_pem. */
static cJSON *scene_state(const struct scene *sc, const char *key_pem)
{
    cJSON *state = mt_state_new(key_pem);
    mt_state_add(state, "Microsoft.Resources", "resourceGroups",
                 tracked(RG_ID, "myResourceGroup", "Microsoft.Resources/resourceGroups"), 1800000000.0);
    seed_network(state, sc);
    if (sc->identity) {
        cJSON *mi = mt_state_add(state, "Microsoft.ManagedIdentity", "userAssignedIdentities",
                                 tracked(MI_ID, "myIdentity", "Microsoft.ManagedIdentity/userAssignedIdentities"),
                                 1800000000.0);
        cJSON *p = cJSON_GetObjectItem(mi, "properties");
        cJSON_AddStringToObject(p, "principalId", PRINCIPAL);
        cJSON_AddStringToObject(p, "clientId", "44444444-4444-4444-4444-444444444444");
        cJSON_AddStringToObject(p, "tenantId", MT_TENANT);
    }
    if (sc->role_vnet)
        seed_role(state, VNET_ID, NETWORK_CONTRIBUTOR, 1);
    if (sc->role_rt)
        seed_role(state, RT_ID, NETWORK_CONTRIBUTOR, 2);
    if (sc->role_group)
        seed_role(state, RG_ID, NETWORK_CONTRIBUTOR, 3);
    if (sc->reader_vnet)
        seed_role(state, VNET_ID, READER, 4);
    return state;
}

/*
 * Write the scene's state file and start a mock on it (the token is signed
 * with the file's key), role assignments taking role_delay seconds to count.
 */
static void start_delayed(struct fixture *f, const struct scene *sc, const char *key_pem, double role_delay)
{
    memset(f, 0, sizeof(*f));
    assert_true(mt_tmpdir_make(&f->dir, "aks"));
    assert_non_null(mt_tmpdir_file(&f->dir, "state.json", f->path, sizeof(f->path)));
    assert_true(mt_state_write(scene_state(sc, key_pem), f->path));
    struct armmock_options o = {.state_path = f->path, .lro_seconds = 0.5, .role_delay = role_delay};
    assert_true(mt_start(&f->t, &o, false));
    assert_non_null(f->t.token);
}

static void start(struct fixture *f, const struct scene *sc, const char *key_pem)
{
    start_delayed(f, sc, key_pem, 0);
}

static void stop(struct fixture *f)
{
    mt_stop(&f->t);
    mt_tmpdir_remove(&f->dir);
}

/* ---- requests -------------------------------------------------------------------------- */

/* The seed's cluster: 3 Linux nodes on myAKSSubnet, kubenet with Calico, myIdentity. */
static cJSON *seed_cluster(void)
{
    static const char text[] =
        "{\"location\":\"chinaeast2\",\"identity\":{\"type\":\"UserAssigned\",\"userAssignedIdentities\":"
        "{\"" MI_ID "\":{}}},\"properties\":{\"dnsPrefix\":\"myakscluster\",\"kubernetesVersion\":\"1.30\","
        "\"agentPoolProfiles\":[{\"name\":\"nodepool1\",\"count\":3,\"vmSize\":\"Standard_DS2_v2\",\"maxPods\":110,"
        "\"osType\":\"Linux\",\"mode\":\"System\",\"type\":\"VirtualMachineScaleSets\",\"vnetSubnetID\":\""
        SUBNET_ID "\",\"enableAutoScaling\":false,\"upgradeSettings\":{\"maxSurge\":\"1\"}}],"
        "\"networkProfile\":{\"networkPlugin\":\"kubenet\",\"networkPolicy\":\"calico\",\"podCidr\":"
        "\"10.244.0.0/16\",\"serviceCidr\":\"10.0.0.0/16\",\"dnsServiceIP\":\"10.0.0.10\",\"outboundType\":"
        "\"loadBalancer\"}}}";
    cJSON *c = cJSON_Parse(text);
    assert_non_null(c);
    return c;
}

static cJSON *pool0(cJSON *c)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(c, "properties"), "agentPoolProfiles"), 0);
}

static cJSON *netprof(cJSON *c)
{
    return cJSON_GetObjectItem(cJSON_GetObjectItem(c, "properties"), "networkProfile");
}

/* Replace (or add) a string member. */
static void set_str(cJSON *o, const char *key, const char *value)
{
    cJSON_DeleteItemFromObject(o, key);
    cJSON_AddStringToObject(o, key, value);
}

static void set_num(cJSON *o, const char *key, double value)
{
    cJSON_DeleteItemFromObject(o, key);
    cJSON_AddNumberToObject(o, key, value);
}

/* PUT a cluster (the body is consumed). */
static void put_cluster(struct fixture *f, const char *name, cJSON *body, struct mt_response *r)
{
    char path[512], *text = cJSON_PrintUnformatted(body);
    snprintf(path, sizeof(path), "%s%s%s", CLUSTERS, name, API);
    cJSON_Delete(body);
    assert_true(mt_request(&f->t, "PUT", path, text, NULL, true, NULL, r));
    free(text);
}

/* PUT a body that AKS must refuse with 400 and code. */
static void expect_refusal(struct fixture *f, cJSON *body, const char *code)
{
    struct mt_response r;
    put_cluster(f, "myAKSCluster", body, &r);
    if (r.status != 400 || !mt_error_code(&r) || strcmp(mt_error_code(&r), code) != 0)
        print_error("expected 400 %s, got %ld %s\n", code, r.status, r.body);
    assert_int_equal(r.status, 400);
    assert_string_equal(mt_error_code(&r), code);
    mt_response_free(&r);
}

static void get(struct fixture *f, const char *path, struct mt_response *r)
{
    assert_true(mt_request(&f->t, "GET", path, NULL, NULL, true, NULL, r));
}

/* Follow the operation of r's Azure-AsyncOperation: running now, done once the clock has moved. */
static void finish_operation(struct fixture *f, const struct mt_response *started, const char *want)
{
    char url[1024];
    struct mt_response r;
    assert_non_null(mt_header(started, "Azure-AsyncOperation", url, sizeof(url)));
    get(f, mt_local_path(&f->t, url), &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(cJSON_GetObjectItem(r.json, "status")->valuestring, "InProgress");
    mt_response_free(&r);
    mt_advance(&f->t, 1);
    get(f, mt_local_path(&f->t, url), &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(cJSON_GetObjectItem(r.json, "status")->valuestring, want);
    mt_response_free(&r);
}

/*
 * AKS's answer to a write while running's operation holds the cluster: 409
 * OperationNotAllowed naming that operation, in the wording quoted in
 * Azure/azure-cli-extensions#9855 ("... because there's an in progress
 * update managed cluster operation (operation ID: ...) on the managed
 * cluster started on UTC ..."), not the network provider's
 * AnotherOperationInProgress.  "in progress" is what aksnet's busy rule
 * reads (src/arm/request.c, aksnet__arm_busy_code).
 */
static void expect_busy(const struct mt_response *r, const char *verb, const struct mt_response *running)
{
    char url[1024], want[256];
    assert_non_null(mt_header(running, "Azure-AsyncOperation", url, sizeof(url)));
    char *id = strstr(url, "/operations/");
    assert_non_null(id);
    id += strlen("/operations/");
    id[strcspn(id, "?")] = '\0';
    if (r->status != 409)
        print_error("expected 409, got %ld %s\n", r->status, r->body);
    assert_int_equal(r->status, 409);
    assert_string_equal(mt_error_code(r), "OperationNotAllowed");
    snprintf(want, sizeof(want),
             "Operation is not allowed because there's an in progress %s managed cluster operation (operation ID: %s) "
             "on the managed cluster started on UTC ",
             verb, id);
    assert_true(strncmp(mt_error_message(r), want, strlen(want)) == 0);
    assert_non_null(strstr(mt_error_message(r), "Please wait for it to finish before starting a new operation."));
}

/* PUT the cluster and let its operation finish with want. */
static void create(struct fixture *f, const char *name, cJSON *body, const char *want)
{
    struct mt_response r;
    put_cluster(f, name, body, &r);
    if (r.status != 201)
        print_error("PUT %s: %ld %s\n", name, r.status, r.body);
    assert_int_equal(r.status, 201);
    finish_operation(f, &r, want);
    mt_response_free(&r);
}

/* A copy of a stored resource's body (the network types may not serve GET yet). */
static cJSON *stored(struct fixture *f, const char *id)
{
    pthread_mutex_lock(&f->t.mock->lock);
    struct mock_resource *r = mock_store_get(&f->t.mock->store, id);
    cJSON *copy = r ? cJSON_Duplicate(r->body, 1) : NULL;
    pthread_mutex_unlock(&f->t.mock->lock);
    return copy;
}

static cJSON *routes_of(cJSON *table)
{
    return cJSON_GetObjectItem(cJSON_GetObjectItem(table, "properties"), "routes");
}

/* The route named prefix..., by its address prefix, or NULL. */
static const cJSON *route_for(cJSON *table, const char *prefix)
{
    const cJSON *route;
    cJSON_ArrayForEach(route, routes_of(table)) {
        const cJSON *p = cJSON_GetObjectItem(route, "properties");
        if (strcmp(cJSON_GetObjectItem(p, "addressPrefix")->valuestring, prefix) == 0)
            return route;
    }
    return NULL;
}

static void expect_route(cJSON *table, const char *prefix, const char *hop)
{
    const cJSON *route = route_for(table, prefix);
    assert_non_null(route);
    const cJSON *p = cJSON_GetObjectItem(route, "properties");
    assert_string_equal(cJSON_GetObjectItem(p, "nextHopType")->valuestring, "VirtualAppliance");
    assert_string_equal(cJSON_GetObjectItem(p, "nextHopIpAddress")->valuestring, hop);
    assert_int_equal(strncmp(cJSON_GetObjectItem(route, "name")->valuestring, "aks-nodepool1-", 14), 0);
    assert_non_null(strstr(cJSON_GetObjectItem(route, "name")->valuestring, "-vmss00000"));
}

/* ---- the seed's plan ------------------------------------------------------------------- */

static void check_cluster_view(const cJSON *c)
{
    const cJSON *p = cJSON_GetObjectItem(c, "properties");
    const cJSON *np = cJSON_GetObjectItem(p, "networkProfile");
    const cJSON *pool = cJSON_GetArrayItem(cJSON_GetObjectItem(p, "agentPoolProfiles"), 0);
    const char *fqdn = cJSON_GetObjectItem(p, "fqdn")->valuestring;
    assert_string_equal(cJSON_GetObjectItem(p, "provisioningState")->valuestring, "Succeeded");
    assert_string_equal(cJSON_GetObjectItem(p, "nodeResourceGroup")->valuestring,
                        "MC_myResourceGroup_myAKSCluster_chinaeast2");
    assert_int_equal(strncmp(fqdn, "myakscluster-", 13), 0);
    assert_non_null(strstr(fqdn, ".hcp.chinaeast2.azmk8s.io"));
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(p, "powerState"), "code")->valuestring, "Running");
    assert_string_equal(cJSON_GetObjectItem(np, "loadBalancerSku")->valuestring, "standard");
    assert_string_equal(cJSON_GetObjectItem(np, "networkPlugin")->valuestring, "kubenet");
    assert_string_equal(cJSON_GetObjectItem(np, "networkPolicy")->valuestring, "calico");
    assert_string_equal(cJSON_GetObjectItem(pool, "provisioningState")->valuestring, "Succeeded");
    const cJSON *kid = cJSON_GetObjectItem(cJSON_GetObjectItem(p, "identityProfile"), "kubeletidentity");
    assert_non_null(strstr(cJSON_GetObjectItem(kid, "resourceId")->valuestring, "myAKSCluster-agentpool"));
    const cJSON *ua = cJSON_GetObjectItem(cJSON_GetObjectItem(c, "identity"), "userAssignedIdentities");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(ua, MI_ID), "principalId")->valuestring, PRINCIPAL);
}

static void check_seed_routes(struct fixture *f, int nodes)
{
    cJSON *rt = stored(f, RT_ID);
    assert_non_null(rt);
    assert_int_equal(cJSON_GetArraySize(routes_of(rt)), nodes + 1);
    expect_route(rt, "10.244.0.0/24", "192.168.1.4");
    expect_route(rt, "10.244.1.0/24", "192.168.1.5");
    expect_route(rt, "10.244.2.0/24", "192.168.1.6");
    const cJSON *mine = route_for(rt, "10.100.0.0/16");
    assert_non_null(mine);
    assert_string_equal(cJSON_GetObjectItem(mine, "name")->valuestring, "to-firewall");
    cJSON_Delete(rt);
}

static void test_seed_plan(void **state)
{
    struct fixture f;
    struct mt_response r;
    start(&f, &seed_scene, *state);
    put_cluster(&f, "myAKSCluster", seed_cluster(), &r);
    assert_int_equal(r.status, 201);
    char url[1024];
    assert_non_null(mt_header(&r, "Azure-AsyncOperation", url, sizeof(url)));
    assert_non_null(mt_header(&r, "Location", url, sizeof(url)));
    assert_string_equal(mt_json_str(r.json, "properties.provisioningState"), "Creating");
    struct mt_response again;
    put_cluster(&f, "myAKSCluster", seed_cluster(), &again); /* while it runs */
    expect_busy(&again, "create", &r);
    mt_response_free(&again);
    finish_operation(&f, &r, "Succeeded");
    mt_response_free(&r);

    get(&f, CLUSTER_ID API, &r);
    assert_int_equal(r.status, 200);
    check_cluster_view(r.json);
    mt_response_free(&r);
    get(&f, NODE_RG_ID "?api-version=2021-04-01", &r);
    assert_int_equal(r.status, 200);
    mt_response_free(&r);
    get(&f, NODE_RG_ID "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/myAKSCluster-agentpool"
            "?api-version=2023-01-31", &r);
    assert_int_equal(r.status, 200); /* the kubelet identity */
    mt_response_free(&r);
    check_seed_routes(&f, 3);
    get(&f, RG_ID "/providers/Microsoft.ContainerService/managedClusters" API, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "value")), 1);
    mt_response_free(&r);
    stop(&f);
}

/* An update scales the pool (routes follow); dnsPrefix cannot change; DELETE takes AKS's part back. */
static void test_update_and_delete(void **state)
{
    struct fixture f;
    struct mt_response r;
    start(&f, &seed_scene, *state);
    create(&f, "myAKSCluster", seed_cluster(), "Succeeded");
    cJSON *body = seed_cluster();
    set_num(pool0(body), "count", 5);
    put_cluster(&f, "myAKSCluster", body, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(mt_json_str(r.json, "properties.provisioningState"), "Updating");
    finish_operation(&f, &r, "Succeeded");
    mt_response_free(&r);
    check_seed_routes(&f, 5);
    cJSON *rt = stored(&f, RT_ID);
    expect_route(rt, "10.244.4.0/24", "192.168.1.8");
    cJSON_Delete(rt);

    body = seed_cluster();
    set_str(cJSON_GetObjectItem(body, "properties"), "dnsPrefix", "another");
    expect_refusal(&f, body, "PropertyChangeNotAllowed");

    assert_true(mt_request(&f.t, "DELETE", CLUSTER_ID API, NULL, NULL, true, NULL, &r));
    assert_int_equal(r.status, 202);
    finish_operation(&f, &r, "Succeeded");
    mt_response_free(&r);
    get(&f, CLUSTER_ID API, &r);
    assert_int_equal(r.status, 404);
    mt_response_free(&r);
    get(&f, NODE_RG_ID "?api-version=2021-04-01", &r);
    assert_int_equal(r.status, 404);
    mt_response_free(&r);
    rt = stored(&f, RT_ID);
    assert_int_equal(cJSON_GetArraySize(routes_of(rt)), 1);
    assert_non_null(route_for(rt, "10.100.0.0/16"));
    cJSON_Delete(rt);
    stop(&f);
}

static void test_api_versions(void **state)
{
    struct fixture f;
    struct mt_response r;
    static const char *const good[] = {"2022-11-01", "2024-09-01", "2025-10-02-preview", "2026-04-01", NULL};
    start(&f, &seed_scene, *state);
    for (size_t i = 0; good[i]; i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s?api-version=%s", CLUSTER_ID, good[i]);
        get(&f, path, &r);
        assert_int_equal(r.status, 404); /* known version, no cluster yet */
        assert_string_equal(mt_error_code(&r), "ResourceNotFound");
        mt_response_free(&r);
    }
    get(&f, CLUSTER_ID "?api-version=2022-09-01", &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(mt_error_code(&r), "InvalidApiVersionParameter");
    mt_response_free(&r);
    stop(&f);
}

/* ---- kubenet's rules ------------------------------------------------------------------- */

static void test_network_policy_azure(void **state)
{
    struct fixture f;
    start(&f, &seed_scene, *state);
    cJSON *body = seed_cluster();
    set_str(netprof(body), "networkPolicy", "azure");
    expect_refusal(&f, body, "NetworkPolicyAzureNotSupportedForKubenet");
    stop(&f);
}

static void test_max_pods(void **state)
{
    struct fixture f;
    start(&f, &seed_scene, *state);
    cJSON *body = seed_cluster();
    set_num(pool0(body), "maxPods", 251);
    expect_refusal(&f, body, "MaxPodsLimitExceeded");
    body = seed_cluster();
    set_num(pool0(body), "maxPods", 9);
    expect_refusal(&f, body, "InsufficientMaxPods");
    /* every pool needs room for 30 pods: 10 a node on 2 nodes is refused, on 3 nodes taken */
    body = seed_cluster();
    set_num(pool0(body), "maxPods", 10);
    set_num(pool0(body), "count", 2);
    expect_refusal(&f, body, "InsufficientAgentPoolMaxPodsPerAgentPool");
    body = seed_cluster();
    set_num(pool0(body), "maxPods", 10);
    set_num(pool0(body), "count", 3);
    struct mt_response r;
    put_cluster(&f, "myAKSCluster", body, &r);
    assert_true(r.status == 200 || r.status == 201);
    mt_response_free(&r);
    stop(&f);
}

/* kubenet takes up to 250 pods a node, as AKS does today (the seed page's 110 is only aksnet's warning). */
static void test_max_pods_kubenet_250(void **state)
{
    struct fixture f;
    start(&f, &seed_scene, *state);
    cJSON *body = seed_cluster();
    set_num(pool0(body), "maxPods", 250);
    struct mt_response r;
    put_cluster(&f, "myAKSCluster", body, &r);
    assert_true(r.status == 200 || r.status == 201);
    mt_response_free(&r);
    stop(&f);
}

static void test_windows_pool(void **state)
{
    struct fixture f;
    start(&f, &seed_scene, *state);
    cJSON *body = seed_cluster();
    cJSON *win = cJSON_Duplicate(pool0(body), 1);
    set_str(win, "name", "win1");
    set_str(win, "osType", "Windows");
    set_str(win, "mode", "User");
    set_num(win, "count", 1);
    cJSON_AddItemToArray(cJSON_GetObjectItem(cJSON_GetObjectItem(body, "properties"), "agentPoolProfiles"), win);
    expect_refusal(&f, body, "AzureCNIOnlyForWindows");
    stop(&f);
}

static void test_pod_service_overlap(void **state)
{
    struct fixture f;
    start(&f, &seed_scene, *state);
    cJSON *body = seed_cluster();
    set_str(netprof(body), "podCidr", "10.0.0.0/14");
    expect_refusal(&f, body, "PodCidrOverlapServiceCidr");
    stop(&f);
}

static void test_reserved_range(void **state)
{
    struct fixture f;
    start(&f, &seed_scene, *state);
    cJSON *body = seed_cluster();
    set_str(netprof(body), "serviceCidr", "172.30.0.0/16");
    set_str(netprof(body), "dnsServiceIP", "172.30.0.10");
    expect_refusal(&f, body, "InvalidParameter");
    body = seed_cluster();
    set_str(netprof(body), "podCidr", "169.254.0.0/16");
    expect_refusal(&f, body, "InvalidParameter");
    stop(&f);
}

static void test_dns_service_ip(void **state)
{
    struct fixture f;
    start(&f, &seed_scene, *state);
    cJSON *body = seed_cluster();
    set_str(netprof(body), "dnsServiceIP", "10.1.0.10");
    expect_refusal(&f, body, "DnsServiceIpOutOfServiceCidr");
    body = seed_cluster();
    set_str(netprof(body), "dnsServiceIP", "10.0.0.1");
    expect_refusal(&f, body, "DnsServiceIpConflicting");
    body = seed_cluster();
    set_str(netprof(body), "dnsServiceIP", "10.0.0.x");
    expect_refusal(&f, body, "DnsServiceIpParseError");
    stop(&f);
}

static void test_invalid_cidr(void **state)
{
    struct fixture f;
    start(&f, &seed_scene, *state);
    cJSON *body = seed_cluster();
    set_str(netprof(body), "podCidr", "10.244.1.0/16");
    expect_refusal(&f, body, "CidrStringParseError");
    stop(&f);
}

/* The default service range 10.0.0.0/16 against a 10.0.1.0/24 subnet of the VNet. */
static void test_service_cidr_overlaps_subnet(void **state)
{
    struct fixture f;
    struct scene sc = seed_scene;
    sc.vnet_space = "10.0.0.0/16";
    sc.other_subnet = "10.0.1.0/24";
    start(&f, &sc, *state);
    expect_refusal(&f, seed_cluster(), "ServiceCidrOverlapExistingSubnetsCidr");
    stop(&f);
}

static void test_pod_cidr_overlaps_vnet(void **state)
{
    struct fixture f;
    start(&f, &seed_scene, *state);
    cJSON *body = seed_cluster();
    set_str(netprof(body), "podCidr", "192.168.0.0/16");
    expect_refusal(&f, body, "PodCidrOverlapExistingSubnetsCidr");
    body = seed_cluster();
    set_str(netprof(body), "podCidr", "192.168.128.0/17"); /* the VNet's space, no subnet there */
    expect_refusal(&f, body, "InvalidParameter");
    stop(&f);
}

/* A /29 keeps 3 addresses: 3 nodes plus 1 of surge do not fit. */
static void test_subnet_too_small(void **state)
{
    struct fixture f;
    struct scene sc = seed_scene;
    sc.subnet_prefix = "192.168.1.0/29";
    start(&f, &sc, *state);
    expect_refusal(&f, seed_cluster(), "InsufficientSubnetSize");
    stop(&f);
}

static void test_names(void **state)
{
    struct fixture f;
    start(&f, &seed_scene, *state);
    cJSON *body = seed_cluster();
    set_str(pool0(body), "name", "NodePool1");
    expect_refusal(&f, body, "InvalidParameter");
    body = seed_cluster();
    set_str(pool0(body), "name", "nodepool12345");
    expect_refusal(&f, body, "InvalidParameter");
    body = seed_cluster();
    set_str(cJSON_GetObjectItem(body, "properties"), "dnsPrefix", "-bad-");
    expect_refusal(&f, body, "InvalidParameter");
    stop(&f);
}

/* 401 nodes cannot each have a route: AKS refuses before anything is made. */
static void test_401_nodes(void **state)
{
    struct fixture f;
    struct mt_response r;
    struct scene sc = seed_scene;
    sc.subnet_prefix = "192.168.4.0/22";
    start(&f, &sc, *state);
    cJSON *body = seed_cluster();
    set_num(pool0(body), "count", 401);
    set_str(netprof(body), "podCidr", "10.244.0.0/15");
    put_cluster(&f, "myAKSCluster", body, &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(mt_error_code(&r), "ValidationError");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "error"), "subcode")->valuestring,
                        "KubenetNodeCountTotalExceedsLimit");
    mt_response_free(&r);
    stop(&f);
}

/* 398 nodes fit AKS's checks, but with the user's 5 routes the table would pass 400: the operation fails. */
static void test_route_table_full(void **state)
{
    struct fixture f;
    struct mt_response r;
    struct scene sc = seed_scene;
    sc.subnet_prefix = "192.168.4.0/22";
    sc.user_routes = 5;
    start(&f, &sc, *state);
    cJSON *body = seed_cluster();
    set_num(pool0(body), "count", 398);
    set_str(netprof(body), "podCidr", "10.244.0.0/15");
    create(&f, "myAKSCluster", body, "Failed");
    get(&f, CLUSTER_ID API, &r);
    assert_string_equal(mt_json_str(r.json, "properties.provisioningState"), "Failed");
    mt_response_free(&r);
    cJSON *rt = stored(&f, RT_ID);
    assert_int_equal(cJSON_GetArraySize(routes_of(rt)), 5);
    cJSON_Delete(rt);
    stop(&f);
}

/* ---- references and rights ------------------------------------------------------------- */

static void test_missing_subnet(void **state)
{
    struct fixture f;
    start(&f, &seed_scene, *state);
    cJSON *body = seed_cluster();
    set_str(pool0(body), "vnetSubnetID", VNET_ID "/subnets/nowhere");
    expect_refusal(&f, body, "InvalidResourceReference");
    stop(&f);
}

static void test_missing_identity(void **state)
{
    struct fixture f;
    struct scene sc = seed_scene;
    sc.identity = false;
    start(&f, &sc, *state);
    expect_refusal(&f, seed_cluster(), "FailedIdentityOperation");
    stop(&f);
}

/* Network Contributor on the VNet only (the seed's one assignment): the route table is not writable. */
static void test_no_role_on_route_table(void **state)
{
    struct fixture f;
    struct scene sc = seed_scene;
    sc.role_rt = false;
    start(&f, &sc, *state);
    expect_refusal(&f, seed_cluster(), "CustomRouteTableMissingPermission");
    stop(&f);
}

/* --role-delay: roles younger than the delay do not count yet (the seed: "up to 60 minutes"); then they do. */
static void test_role_delay(void **state)
{
    struct fixture f;
    start_delayed(&f, &seed_scene, *state, 60);
    expect_refusal(&f, seed_cluster(), "CustomRouteTableMissingPermission");
    mt_advance(&f.t, 59);
    expect_refusal(&f, seed_cluster(), "CustomRouteTableMissingPermission");
    mt_advance(&f.t, 1);
    create(&f, "myAKSCluster", seed_cluster(), "Succeeded");
    stop(&f);
}

/* A role on the route table but none on the subnet (Reader does not count). */
static void test_no_role_on_subnet(void **state)
{
    struct fixture f;
    struct scene sc = seed_scene;
    sc.role_vnet = false;
    sc.reader_vnet = true;
    start(&f, &sc, *state);
    expect_refusal(&f, seed_cluster(), "LinkedAuthorizationFailed");
    stop(&f);
}

/* A role on the resource group covers the VNet, the subnet and the route table. */
static void test_role_on_group(void **state)
{
    struct fixture f;
    struct scene sc = seed_scene;
    sc.role_vnet = sc.role_rt = false;
    sc.role_group = true;
    start(&f, &sc, *state);
    create(&f, "myAKSCluster", seed_cluster(), "Succeeded");
    check_seed_routes(&f, 3);
    stop(&f);
}

static cJSON *system_assigned(void)
{
    cJSON *body = seed_cluster();
    cJSON_DeleteItemFromObject(body, "identity");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(body, "identity"), "type", "SystemAssigned");
    return body;
}

static void test_system_identity_with_route_table(void **state)
{
    struct fixture f;
    start(&f, &seed_scene, *state);
    expect_refusal(&f, system_assigned(), "CustomRouteTableWithUnsupportedMSIType");
    stop(&f);
}

/* Own subnet without a route table: AKS makes one in the node group and associates it. */
static void test_system_identity_own_subnet(void **state)
{
    struct fixture f;
    struct scene sc = seed_scene;
    sc.route_table = false;
    sc.role_vnet = sc.role_rt = false;
    start(&f, &sc, *state);
    create(&f, "myAKSCluster", system_assigned(), "Succeeded");
    cJSON *vnet = stored(&f, VNET_ID);
    const char *rt_id = mt_json_str(vnet, "properties.subnets.0.properties.routeTable.id");
    assert_int_equal(strncasecmp(rt_id, NODE_RG_ID "/providers/Microsoft.Network/routeTables/aks-agentpool-",
                                 strlen(NODE_RG_ID "/providers/Microsoft.Network/routeTables/aks-agentpool-")), 0);
    char *rt_id_copy = strdup(rt_id);
    cJSON *rt = stored(&f, rt_id);
    assert_non_null(rt);
    assert_int_equal(cJSON_GetArraySize(routes_of(rt)), 3);
    expect_route(rt, "10.244.2.0/24", "192.168.1.6");
    cJSON_Delete(vnet);
    /* an update keeps using the table AKS made (it is not "the user's own" route table) */
    struct mt_response r;
    cJSON *body = system_assigned();
    set_num(pool0(body), "count", 4);
    put_cluster(&f, "myAKSCluster", body, &r);
    assert_int_equal(r.status, 200);
    finish_operation(&f, &r, "Succeeded");
    mt_response_free(&r);
    cJSON_Delete(rt);
    rt = stored(&f, rt_id_copy);
    assert_int_equal(cJSON_GetArraySize(routes_of(rt)), 4);
    cJSON_Delete(rt);
    free(rt_id_copy);
    assert_true(mt_request(&f.t, "DELETE", CLUSTER_ID API, NULL, NULL, true, NULL, &r));
    finish_operation(&f, &r, "Succeeded");
    mt_response_free(&r);
    vnet = stored(&f, VNET_ID);
    assert_null(mt_json_at(vnet, "properties.subnets.0.properties.routeTable"));
    cJSON_Delete(vnet);
    stop(&f);
}

/*
 * AKS's own network (no vnetSubnetID): the route table AKS makes in the
 * node resource group is not a custom one, so the same cluster PUT again
 * (an update, which ManagedClustersCreate_Update.json answers with 200)
 * is accepted.
 */
static void test_managed_vnet_put_twice(void **state)
{
    struct fixture f;
    start(&f, &seed_scene, *state);
    cJSON *body = system_assigned();
    cJSON_DeleteItemFromObject(pool0(body), "vnetSubnetID");
    char *text = cJSON_PrintUnformatted(body);
    create(&f, "myAKSCluster", body, "Succeeded");
    struct mt_response r;
    put_cluster(&f, "myAKSCluster", cJSON_Parse(text), &r);
    if (r.status != 200)
        print_error("PUT again: %ld %s\n", r.status, r.body);
    assert_int_equal(r.status, 200);
    finish_operation(&f, &r, "Succeeded");
    mt_response_free(&r);
    free(text);
    stop(&f);
}

/*
 * The load balancer profile as AKS completes it (managedClusters.json
 * 2024-09-01 defaults): allocatedOutboundPorts 0, idleTimeoutInMinutes 30,
 * one effective outbound IP per managed IP in the node resource group,
 * the same ones after an update; numbers outside the spec's ranges refused.
 */
static void test_lb_profile(void **state)
{
    struct fixture f;
    struct mt_response r;
    start(&f, &seed_scene, *state);
    create(&f, "myAKSCluster", seed_cluster(), "Succeeded");
    get(&f, CLUSTER_ID API, &r);
    cJSON *lb = cJSON_GetObjectItem(netprof(r.json), "loadBalancerProfile");
    assert_int_equal(cJSON_GetObjectItem(lb, "allocatedOutboundPorts")->valueint, 0);
    assert_int_equal(cJSON_GetObjectItem(lb, "idleTimeoutInMinutes")->valueint, 30);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(lb, "managedOutboundIPs"), "count")->valueint, 1);
    cJSON *effective = cJSON_GetObjectItem(lb, "effectiveOutboundIPs");
    assert_int_equal(cJSON_GetArraySize(effective), 1);
    char *first = strdup(mt_json_str(cJSON_GetArrayItem(effective, 0), "id"));
    assert_int_equal(strncasecmp(first, NODE_RG_ID "/providers/Microsoft.Network/publicIPAddresses/",
                                 strlen(NODE_RG_ID "/providers/Microsoft.Network/publicIPAddresses/")), 0);
    mt_response_free(&r);

    cJSON *body = seed_cluster();
    cJSON *want = cJSON_AddObjectToObject(netprof(body), "loadBalancerProfile");
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(want, "managedOutboundIPs"), "count", 2);
    cJSON_AddNumberToObject(want, "idleTimeoutInMinutes", 10);
    put_cluster(&f, "myAKSCluster", body, &r);
    assert_int_equal(r.status, 200);
    finish_operation(&f, &r, "Succeeded");
    mt_response_free(&r);
    get(&f, CLUSTER_ID API, &r);
    lb = cJSON_GetObjectItem(netprof(r.json), "loadBalancerProfile");
    assert_int_equal(cJSON_GetObjectItem(lb, "idleTimeoutInMinutes")->valueint, 10);
    effective = cJSON_GetObjectItem(lb, "effectiveOutboundIPs");
    assert_int_equal(cJSON_GetArraySize(effective), 2);
    assert_string_equal(mt_json_str(cJSON_GetArrayItem(effective, 0), "id"), first); /* kept */
    assert_string_not_equal(mt_json_str(cJSON_GetArrayItem(effective, 1), "id"), first);
    mt_response_free(&r);
    free(first);

    body = seed_cluster();
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(netprof(body), "loadBalancerProfile"), "allocatedOutboundPorts",
                            64001);
    expect_refusal(&f, body, "InvalidParameter");
    body = seed_cluster();
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(netprof(body), "loadBalancerProfile"),
                                                    "managedOutboundIPs"), "count", 0);
    expect_refusal(&f, body, "InvalidParameter");
    stop(&f);
}

/*
 * eTags (https://learn.microsoft.com/azure/aks/use-etags): the cluster and
 * each pool get a new one on every cluster-level write; a PUT with a stale
 * If-Match gets 412, with the current one 200.
 */
static void test_cluster_etag(void **state)
{
    struct fixture f;
    struct mt_response r;
    start(&f, &seed_scene, *state);
    create(&f, "myAKSCluster", seed_cluster(), "Succeeded");
    get(&f, CLUSTER_ID API, &r);
    char first[64], header[96];
    snprintf(first, sizeof(first), "%s", mt_json_str(r.json, "eTag"));
    assert_int_equal(strlen(first), 36);
    assert_non_null(mt_json_str(pool0(r.json), "eTag"));
    mt_response_free(&r);

    cJSON *body = seed_cluster();
    char *text = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    snprintf(header, sizeof(header), "If-Match: %s", first);
    assert_true(mt_request(&f.t, "PUT", CLUSTER_ID API, text, NULL, true, header, &r));
    assert_int_equal(r.status, 200);
    assert_string_not_equal(mt_json_str(r.json, "eTag"), first);
    finish_operation(&f, &r, "Succeeded");
    mt_response_free(&r);
    assert_true(mt_request(&f.t, "PUT", CLUSTER_ID API, text, NULL, true, header, &r)); /* now stale */
    assert_int_equal(r.status, 412);
    assert_string_equal(mt_error_code(&r), "PreconditionFailed");
    mt_response_free(&r);
    free(text);
    stop(&f);
}

/* PUT the seed's cluster with sku {name, tier} at api-version; the answer's status and ARM code. */
static long put_sku(struct fixture *f, const char *api, const char *name, const char *tier, char *code, size_t len)
{
    cJSON *body = seed_cluster();
    cJSON *sku = cJSON_AddObjectToObject(body, "sku");
    cJSON_AddStringToObject(sku, "name", name);
    cJSON_AddStringToObject(sku, "tier", tier);
    char path[512], *text = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    snprintf(path, sizeof(path), "%s?api-version=%s", CLUSTER_ID, api);
    struct mt_response r;
    assert_true(mt_request(&f->t, "PUT", path, text, NULL, true, NULL, &r));
    free(text);
    long status = r.status;
    snprintf(code, len, "%s", mt_error_code(&r) ? mt_error_code(&r) : "");
    mt_response_free(&r);
    return status;
}

/*
 * The sku's names by api-version: "Basic" became "Base" (and "Paid"
 * "Standard") at 2023-02-01; the other version's name gets 400
 * SkuNotAvailable (Azure/azure-rest-api-specs#27263, #23777,
 * kubernetes-sigs/cluster-api-provider-azure#4045).
 */
static void test_sku_names(void **state)
{
    struct fixture f;
    char code[64];
    start(&f, &seed_scene, *state);
    assert_int_equal(put_sku(&f, "2024-09-01", "Basic", "Free", code, sizeof(code)), 400);
    assert_string_equal(code, "SkuNotAvailable");
    assert_int_equal(put_sku(&f, "2024-09-01", "Base", "Paid", code, sizeof(code)), 400);
    assert_string_equal(code, "SkuNotAvailable");
    assert_int_equal(put_sku(&f, "2024-09-01", "Base", "Gold", code, sizeof(code)), 400);
    assert_string_equal(code, "InvalidParameter");
    assert_int_equal(put_sku(&f, "2023-01-01", "Base", "Free", code, sizeof(code)), 400);
    assert_string_equal(code, "SkuNotAvailable");
    assert_int_equal(put_sku(&f, "2023-01-01", "Basic", "Paid", code, sizeof(code)), 201);
    mt_advance(&f.t, 60);
    assert_int_equal(put_sku(&f, "2024-09-01", "Base", "Standard", code, sizeof(code)), 200); /* an update */
    stop(&f);
}

/* The sku of `path`'s GET answer, as "name/tier". */
static void get_sku(struct fixture *f, const char *path, char *out, size_t len)
{
    struct mt_response r;
    get(f, path, &r);
    const cJSON *sku = cJSON_GetObjectItem(r.json, "sku");
    snprintf(out, len, "%s/%s", cJSON_GetStringValue(cJSON_GetObjectItem(sku, "name")),
             cJSON_GetStringValue(cJSON_GetObjectItem(sku, "tier")));
    mt_response_free(&r);
}

/*
 * One cluster, each version's names: made at 2022-11-01 with no sku (the
 * Azure CLI of Debian 12 does so), it reads Basic/Free there and Base/Free
 * at 2024-09-01, and that body PUT back at 2024-09-01 is an update, not a
 * SkuNotAvailable (pulumi/pulumi-azure-native#2669).
 */
static void test_sku_read_at_each_version(void **state)
{
    struct fixture f;
    struct mt_response r;
    char sku[64];
    start(&f, &seed_scene, *state);
    cJSON *body = seed_cluster();
    char *text = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    assert_true(mt_request(&f.t, "PUT", CLUSTER_ID "?api-version=2022-11-01", text, NULL, true, NULL, &r));
    assert_int_equal(r.status, 201);
    mt_response_free(&r);
    free(text);
    mt_advance(&f.t, 60);
    get_sku(&f, CLUSTER_ID "?api-version=2022-11-01", sku, sizeof(sku));
    assert_string_equal(sku, "Basic/Free");
    get_sku(&f, CLUSTER_ID API, sku, sizeof(sku));
    assert_string_equal(sku, "Base/Free");
    get(&f, CLUSTER_ID API, &r);
    text = cJSON_PrintUnformatted(r.json);
    mt_response_free(&r);
    assert_true(mt_request(&f.t, "PUT", CLUSTER_ID API, text, NULL, true, NULL, &r));
    assert_int_equal(r.status, 200);
    mt_response_free(&r);
    free(text);
    stop(&f);
}

/* ---- one cluster per subnet, one per route table ------------------------------------------- */

static void test_subnet_of_another_cluster(void **state)
{
    struct fixture f;
    struct mt_response r;
    start(&f, &seed_scene, *state);
    create(&f, "myAKSCluster", seed_cluster(), "Succeeded");
    cJSON *body = seed_cluster();
    set_str(cJSON_GetObjectItem(body, "properties"), "dnsPrefix", "second");
    put_cluster(&f, "second", body, &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(mt_error_code(&r), "InvalidParameter");
    assert_non_null(strstr(cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "error"), "message")->valuestring,
                           "already used by managed cluster"));
    mt_response_free(&r);
    stop(&f);
}

static void test_route_table_of_another_cluster(void **state)
{
    struct fixture f;
    struct mt_response r;
    struct scene sc = seed_scene;
    sc.other_subnet = "192.168.2.0/24";
    sc.other_has_table = true;
    start(&f, &sc, *state);
    create(&f, "myAKSCluster", seed_cluster(), "Succeeded");
    cJSON *body = seed_cluster();
    set_str(cJSON_GetObjectItem(body, "properties"), "dnsPrefix", "second");
    set_str(pool0(body), "vnetSubnetID", OTHER_SUBNET_ID);
    put_cluster(&f, "second", body, &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(mt_error_code(&r), "InvalidParameter");
    assert_non_null(strstr(cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "error"), "message")->valuestring,
                           "route table"));
    mt_response_free(&r);
    stop(&f);
}

/* ---- the rest of what clients call -------------------------------------------------------- */

/* Every write on a busy cluster, PUT, PATCH of tags or DELETE, gets AKS's one busy answer. */
static void test_busy_cluster(void **state)
{
    struct fixture f;
    struct mt_response running, r;
    start(&f, &seed_scene, *state);
    put_cluster(&f, "myAKSCluster", seed_cluster(), &running);
    assert_int_equal(running.status, 201);
    assert_true(mt_request(&f.t, "PATCH", CLUSTER_ID API, "{\"tags\":{\"env\":\"dev\"}}", NULL, true, NULL, &r));
    expect_busy(&r, "create", &running);
    mt_response_free(&r);
    assert_true(mt_request(&f.t, "DELETE", CLUSTER_ID API, NULL, NULL, true, NULL, &r));
    expect_busy(&r, "create", &running);
    mt_response_free(&r);
    finish_operation(&f, &running, "Succeeded");
    mt_response_free(&running);

    /* an update (the PATCH) holds it */
    assert_true(
        mt_request(&f.t, "PATCH", CLUSTER_ID API, "{\"tags\":{\"env\":\"dev\"}}", NULL, true, NULL, &running));
    assert_int_equal(running.status, 200);
    put_cluster(&f, "myAKSCluster", seed_cluster(), &r);
    expect_busy(&r, "update", &running);
    mt_response_free(&r);
    assert_true(mt_request(&f.t, "PATCH", CLUSTER_ID API, "{\"tags\":{}}", NULL, true, NULL, &r));
    expect_busy(&r, "update", &running);
    mt_response_free(&r);
    finish_operation(&f, &running, "Succeeded");
    mt_response_free(&running);

    /* a delete holds it: the tags are not changed behind it */
    assert_true(mt_request(&f.t, "DELETE", CLUSTER_ID API, NULL, NULL, true, NULL, &running));
    assert_int_equal(running.status, 202);
    assert_true(mt_request(&f.t, "PATCH", CLUSTER_ID API, "{\"tags\":{}}", NULL, true, NULL, &r));
    expect_busy(&r, "delete", &running);
    mt_response_free(&r);
    get(&f, CLUSTER_ID API, &r);
    assert_string_equal(mt_json_str(r.json, "tags.env"), "dev");
    mt_response_free(&r);
    mt_response_free(&running);
    stop(&f);
}

/* PATCH tags, credentials, agent pools, and the subscription-wide list. */
static void test_extras(void **state)
{
    struct fixture f;
    struct mt_response r;
    start(&f, &seed_scene, *state);
    create(&f, "myAKSCluster", seed_cluster(), "Succeeded");
    assert_true(mt_request(&f.t, "PATCH", CLUSTER_ID API, "{\"tags\":{\"env\":\"dev\"}}", NULL, true, NULL, &r));
    assert_int_equal(r.status, 200);
    finish_operation(&f, &r, "Succeeded");
    mt_response_free(&r);
    get(&f, CLUSTER_ID API, &r);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "tags"), "env")->valuestring, "dev");
    mt_response_free(&r);
    assert_true(mt_request(&f.t, "POST", CLUSTER_ID "/listClusterUserCredential" API, "{}", NULL, true, NULL, &r));
    assert_int_equal(r.status, 200);
    const cJSON *k = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "kubeconfigs"), 0);
    assert_string_equal(cJSON_GetObjectItem(k, "name")->valuestring, "clusterUser");
    assert_true(strlen(cJSON_GetObjectItem(k, "value")->valuestring) > 100);
    mt_response_free(&r);
    get(&f, CLUSTER_ID "/agentPools/nodepool1" API, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "properties"), "count")->valueint, 3);
    mt_response_free(&r);

    get(&f, "/subscriptions/" MT_SUB "/providers/Microsoft.ContainerService/managedClusters?api-version=2026-04-01",
        &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "value")), 1);
    mt_response_free(&r);
    stop(&f);
}

/* One signing key for every test's state file (RSA generation is the slow part). */
/*
 * What the Azure CLI 2.45 sends without --kubernetes-version or
 * --node-osdisk-size: "kubernetesVersion": "", "orchestratorVersion": "" and
 * "osDiskSizeGB": 0.  AKS reads them as "the default"; so does the mock.
 */
static void test_az_cli_empty_defaults(void **state)
{
    struct fixture fx, *f = &fx;
    start(f, &seed_scene, *state);
    cJSON *c = seed_cluster();
    set_str(cJSON_GetObjectItem(c, "properties"), "kubernetesVersion", "");
    set_str(pool0(c), "orchestratorVersion", "");
    set_num(pool0(c), "osDiskSizeGB", 0);
    create(f, "myAKSCluster", c, "Succeeded");
    struct mt_response r;
    get(f, CLUSTER_ID API, &r);
    assert_int_equal(r.status, 200);
    cJSON *props = cJSON_GetObjectItem(r.json, "properties");
    assert_string_equal(cJSON_GetObjectItem(props, "kubernetesVersion")->valuestring, "1.30");
    assert_string_equal(cJSON_GetObjectItem(pool0(r.json), "orchestratorVersion")->valuestring, "1.30");
    assert_int_equal(cJSON_GetObjectItem(pool0(r.json), "osDiskSizeGB")->valueint, 128);
    mt_response_free(&r);
    stop(f);
}

/* One signing key for the group: a 2048-bit key is slow under ASan. */
static int group_setup(void **state)
{
    *state = mt_key_pem();
    return *state ? 0 : -1;
}

static int group_teardown(void **state)
{
    free(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_plan),
        cmocka_unit_test(test_update_and_delete),
        cmocka_unit_test(test_api_versions),
        cmocka_unit_test(test_network_policy_azure),
        cmocka_unit_test(test_max_pods),
        cmocka_unit_test(test_max_pods_kubenet_250),
        cmocka_unit_test(test_windows_pool),
        cmocka_unit_test(test_pod_service_overlap),
        cmocka_unit_test(test_reserved_range),
        cmocka_unit_test(test_dns_service_ip),
        cmocka_unit_test(test_invalid_cidr),
        cmocka_unit_test(test_service_cidr_overlaps_subnet),
        cmocka_unit_test(test_pod_cidr_overlaps_vnet),
        cmocka_unit_test(test_subnet_too_small),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_401_nodes),
        cmocka_unit_test(test_route_table_full),
        cmocka_unit_test(test_missing_subnet),
        cmocka_unit_test(test_missing_identity),
        cmocka_unit_test(test_no_role_on_route_table),
        cmocka_unit_test(test_role_delay),
        cmocka_unit_test(test_no_role_on_subnet),
        cmocka_unit_test(test_role_on_group),
        cmocka_unit_test(test_system_identity_with_route_table),
        cmocka_unit_test(test_system_identity_own_subnet),
        cmocka_unit_test(test_managed_vnet_put_twice),
        cmocka_unit_test(test_lb_profile),
        cmocka_unit_test(test_cluster_etag),
        cmocka_unit_test(test_sku_names),
        cmocka_unit_test(test_sku_read_at_each_version),
        cmocka_unit_test(test_subnet_of_another_cluster),
        cmocka_unit_test(test_route_table_of_another_cluster),
        cmocka_unit_test(test_busy_cluster),
        cmocka_unit_test(test_extras),
        cmocka_unit_test(test_az_cli_empty_defaults),
    };
    return cmocka_run_group_tests_name("aksnet-mock managed clusters", tests, group_setup, group_teardown);
}
