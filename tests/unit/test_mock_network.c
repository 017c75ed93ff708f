/*
 * test_mock_network.c - aksnet-mock's Microsoft.Network: virtual networks
 * and their subnets, route tables and their routes, served as ARM serves
 * them (long-running writes, validation, replacement of child lists,
 * associations on both sides, in-use refusals, etags, api-versions).
 * The clock is moved with mt_advance; nothing sleeps.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "arm_network.h"
#include "json_support.h"
#include "mock_support.h"
#include "tmpfiles.h"

#define API "?api-version=2024-05-01"
#define GROUP_PATH "/subscriptions/" MT_SUB "/resourcegroups/rg1"
#define NET GROUP_PATH "/providers/Microsoft.Network"
#define VNET NET "/virtualNetworks/vnet1"
#define SUBNETS VNET "/subnets"
#define RT NET "/routeTables/rt1"
#define ROUTES RT "/routes"
#define GROUP_ID "/subscriptions/" MT_SUB "/resourceGroups/rg1"
#define VNET_ID GROUP_ID "/providers/Microsoft.Network/virtualNetworks/vnet1"
#define SUBNET_ID VNET_ID "/subnets/nodes"
#define RT_ID GROUP_ID "/providers/Microsoft.Network/routeTables/rt1"
#define CLUSTER_ID GROUP_ID "/providers/Microsoft.ContainerService/managedClusters/aks1"

/* VNet bodies: VNB(address prefixes, subnets), SN(name, prefix). */
#define VNB(space, subnets)                                                                                   \
    "{\"location\":\"chinaeast2\",\"properties\":{\"addressSpace\":{\"addressPrefixes\":[" space "]},"     \
    "\"subnets\":[" subnets "]}}"
#define SN(name, prefix) "{\"name\":\"" name "\",\"properties\":{\"addressPrefix\":\"" prefix "\"}}"
#define SPACE "\"10.0.0.0/16\""
/* Route table bodies: RTB(routes), RO(name, prefix, type, extra properties). */
#define RTB(routes) "{\"location\":\"chinaeast2\",\"properties\":{\"routes\":[" routes "]}}"
#define RO(name, prefix, type, extra)                                                                         \
    "{\"name\":\"" name "\",\"properties\":{\"addressPrefix\":\"" prefix "\",\"nextHopType\":\"" type "\"" extra "}}"
#define VA_IP ",\"nextHopIpAddress\":\"10.0.0.4\""

/* One request that must reach the mock; the caller frees the response. */
static struct mt_response call(struct mt_mock *t, const char *method, const char *path, const char *body)
{
    struct mt_response r;
    assert_true(mt_request(t, method, path, body, NULL, true, NULL, &r));
    return r;
}

/* A mock with resource group rg1. */
static void start(struct mt_mock *t)
{
    assert_true(mt_start(t, NULL, false));
    assert_non_null(t->token);
    mt_check(t, "PUT", GROUP_PATH "?api-version=2021-04-01", "{\"location\":\"chinaeast2\"}", 201, NULL);
}

/* Let every running operation end. */
static void settle(struct mt_mock *t)
{
    mt_advance(t, 10);
}

/* GET path; it must answer 200; the caller frees. */
static struct mt_response get_ok(struct mt_mock *t, const char *path)
{
    struct mt_response r = call(t, "GET", path, NULL);
    if (r.status != 200)
        print_message("GET %s -> %ld %s\n", path, r.status, r.body ? r.body : "");
    assert_int_equal(r.status, 200);
    assert_non_null(r.json);
    return r;
}

/* ---- virtual networks ---------------------------------------------------------- */

static void test_vnet_put_long_running(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    const char *body = "{\"location\":\"chinaeast2\",\"tags\":{\"env\":\"dev\"},\"properties\":{\"addressSpace\":"
                       "{\"addressPrefixes\":[\"192.168.0.0/16\"]},\"subnets\":[" SN("nodes", "192.168.1.0/24") "]}}";
    struct mt_response r = call(&t, "PUT", VNET API, body);
    assert_int_equal(r.status, 201);
    char async[1024], loc[1024], retry[32];
    assert_non_null(mt_header(&r, "Azure-AsyncOperation", async, sizeof(async)));
    assert_non_null(mt_header(&r, "Location", loc, sizeof(loc)));
    assert_non_null(mt_header(&r, "Retry-After", retry, sizeof(retry)));
    assert_non_null(strstr(async, "/providers/Microsoft.Network/locations/chinaeast2/operations/"));
    mt_assert_str(mt_json_str(r.json, "id"), VNET_ID);
    mt_assert_str(mt_json_str(r.json, "type"), "Microsoft.Network/virtualNetworks");
    mt_assert_str(mt_json_str(r.json, "properties.provisioningState"), "Updating");
    mt_assert_str(mt_json_str(r.json, "properties.subnets.0.id"), SUBNET_ID);
    mt_assert_str(mt_json_str(r.json, "properties.subnets.0.type"), "Microsoft.Network/virtualNetworks/subnets");
    mt_assert_str(mt_json_str(r.json, "properties.subnets.0.properties.provisioningState"), "Updating");
    mt_assert_str(mt_json_str(r.json, "properties.subnets.0.properties.privateEndpointNetworkPolicies"), "Disabled");
    assert_non_null(mt_json_str(r.json, "properties.resourceGuid"));
    char etag1[64], guid[64];
    snprintf(etag1, sizeof(etag1), "%s", mt_json_str(r.json, "etag"));
    snprintf(guid, sizeof(guid), "%s", mt_json_str(r.json, "properties.resourceGuid"));
    assert_int_equal(strncmp(etag1, "W/\"", 3), 0);
    mt_assert_str(mt_json_str(r.json, "properties.subnets.0.etag"), etag1);
    mt_response_free(&r);

    /*
     * A write while the operation runs is refused, naming the running
     * operation's status URL as the Network RP does (Azure/sap-automation#1052,
     * Azure/bicep#5132).
     */
    assert_true(mt_request(&t, "PUT", VNET API, body, NULL, true, NULL, &r));
    assert_int_equal(r.status, 409);
    mt_assert_str(mt_error_code(&r), "AnotherOperationInProgress");
    char busy[2048];
    snprintf(busy, sizeof(busy),
             "Another operation on this or dependent resource is in progress. To retrieve status of the operation "
             "use uri: %s.",
             async);
    mt_assert_str(mt_error_message(&r), busy);
    mt_response_free(&r);
    mt_check(&t, "DELETE", VNET API, NULL, 409, "AnotherOperationInProgress");

    /* The status resource: InProgress, then Succeeded once the clock passes. */
    r = get_ok(&t, mt_local_path(&t, async));
    mt_assert_str(mt_json_str(r.json, "status"), "InProgress");
    mt_response_free(&r);
    settle(&t);
    r = get_ok(&t, mt_local_path(&t, async));
    mt_assert_str(mt_json_str(r.json, "status"), "Succeeded");
    mt_response_free(&r);

    r = get_ok(&t, VNET API);
    mt_assert_str(mt_json_str(r.json, "properties.provisioningState"), "Succeeded");
    mt_assert_str(mt_json_str(r.json, "properties.subnets.0.properties.provisioningState"), "Succeeded");
    mt_assert_str(mt_json_str(r.json, "tags.env"), "dev");
    const char *etag2 = mt_json_str(r.json, "etag");
    assert_non_null(etag2);
    assert_string_not_equal(etag2, etag1);
    mt_assert_str(mt_json_str(r.json, "properties.subnets.0.etag"), etag2);
    mt_response_free(&r);

    /* An update answers 200, keeps the resourceGuid, changes the etag. */
    r = call(&t, "PUT", VNET API, body);
    assert_int_equal(r.status, 200);
    mt_assert_str(mt_json_str(r.json, "properties.provisioningState"), "Updating");
    mt_assert_str(mt_json_str(r.json, "properties.resourceGuid"), guid);
    assert_string_not_equal(mt_json_str(r.json, "etag"), etag1);
    mt_response_free(&r);
    mt_stop(&t);
}

static void test_vnet_delete_long_running(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    mt_check(&t, "PUT", VNET API, VNB(SPACE, SN("nodes", "10.0.1.0/24")), 201, NULL);
    settle(&t);
    struct mt_response r = call(&t, "DELETE", VNET API, NULL);
    assert_int_equal(r.status, 202);
    char loc[1024];
    assert_non_null(mt_header(&r, "Location", loc, sizeof(loc)));
    mt_response_free(&r);
    r = get_ok(&t, VNET API);
    mt_assert_str(mt_json_str(r.json, "properties.provisioningState"), "Deleting");
    mt_response_free(&r);
    mt_check(&t, "PUT", SUBNETS "/other" API, "{\"properties\":{\"addressPrefix\":\"10.0.2.0/24\"}}", 409,
             "AnotherOperationInProgress");
    settle(&t);
    mt_check(&t, "GET", VNET API, NULL, 404, "ResourceNotFound");
    mt_check(&t, "GET", SUBNETS "/nodes" API, NULL, 404, "ParentResourceNotFound");
    mt_check(&t, "DELETE", VNET API, NULL, 204, NULL);
    mt_stop(&t);
}

/* Each body is refused with its code; nothing is stored. */
static void test_vnet_validation(void **state)
{
    (void)state;
    static const struct {
        const char *body, *code, *detail;
    } cases[] = {
        {"{\"location\":\"chinaeast2\",\"properties\":{}}", "InvalidRequestFormat", NULL},
        {VNB("", ""), "InvalidRequestFormat", NULL},
        {VNB("42", ""), "InvalidRequestFormat", NULL},
        {VNB("\"10.0.0.0/33\"", ""), "InvalidAddressPrefixFormat", NULL},
        {VNB("\"10.0.0\"", ""), "InvalidAddressPrefixFormat", NULL},
        {VNB("\"fd00::/8\"", ""), "InvalidAddressPrefixFormat", NULL},
        {VNB("\"10.0.0.1/16\"", ""), "InvalidCIDRNotation", NULL},
        {VNB("\"10.0.0.0/16\",\"10.0.128.0/17\"", ""), "VnetAddressSpacesOverlap", NULL},
        {VNB(SPACE, SN("a", "10.1.0.0/24")), "NetcfgSubnetRangeOutsideVnet", NULL},
        {VNB(SPACE, SN("a", "10.0.0.0/24") "," SN("b", "10.0.0.128/25")), "NetcfgSubnetRangesOverlap", NULL},
        {VNB(SPACE, SN("a", "10.0.0.0/24") "," SN("A", "10.0.1.0/24")), "InvalidRequestFormat",
         "DuplicateResourceName"},
        {VNB(SPACE, SN("a", "10.0.0.0/30")), "NetcfgInvalidSubnet", NULL},
        {VNB(SPACE, SN("a", "10.0.0.5/29")), "InvalidCIDRNotation", NULL},
        {VNB(SPACE, "{\"name\":\"a\",\"properties\":{}}"), "NoAddressPrefixOrPoolProvided", NULL},
        {VNB(SPACE, "{\"properties\":{\"addressPrefix\":\"10.0.0.0/24\"}}"), "InvalidRequestFormat", NULL},
        {VNB(SPACE, SN("-bad", "10.0.0.0/24")), "InvalidResourceName", NULL},
        {VNB(SPACE, "{\"name\":\"a\",\"properties\":{\"addressPrefix\":\"10.0.0.0/24\",\"routeTable\":{\"id\":\"" RT_ID
                    "\"}}}"), "InvalidResourceReference", NULL},
        {VNB(SPACE, "{\"name\":\"a\",\"properties\":{\"addressPrefix\":\"10.0.0.0/24\",\"networkSecurityGroup\":"
                    "{\"id\":\"" GROUP_ID "/providers/Microsoft.Network/networkSecurityGroups/nsg1\"}}}"),
         "InvalidResourceReference", NULL},
        {VNB(SPACE, "{\"name\":\"a\",\"properties\":{\"addressPrefix\":\"10.0.0.0/24\",\"routeTable\":\"x\"}}"),
         "InvalidRequestFormat", NULL},
        {"{\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.0/16\"]}}}", "LocationRequired", NULL},
        {"[1,2]", "InvalidRequestContent", NULL},
    };
    struct mt_mock t;
    start(&t);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mt_response r = call(&t, "PUT", VNET API, cases[i].body);
        if (r.status != 400 || !mt_error_code(&r) || strcmp(mt_error_code(&r), cases[i].code) != 0)
            print_message("case %zu: %ld %s\n", i, r.status, r.body);
        assert_int_equal(r.status, 400);
        mt_assert_str(mt_error_code(&r), cases[i].code);
        if (cases[i].detail)
            mt_assert_str(mt_json_str(r.json, "error.details.0.code"), cases[i].detail);
        if (strcmp(cases[i].code, "InvalidCIDRNotation") == 0 && strstr(cases[i].body, "10.0.0.1/16"))
            assert_non_null(strstr(mt_json_str(r.json, "error.message"), "should be 10.0.0.0/16"));
        mt_response_free(&r);
    }
    mt_check(&t, "GET", VNET API, NULL, 404, "ResourceNotFound");

    /* Valid: a /29, a subnet given by addressPrefixes, and properties the mock does not model kept as sent. */
    const char *ok = "{\"location\":\"chinaeast2\",\"properties\":{\"addressSpace\":"
                     "{\"addressPrefixes\":[\"10.0.0.0/16\",\"10.1.0.0/16\"]},"
                     "\"dhcpOptions\":{\"dnsServers\":[\"10.0.0.4\"]},\"subnets\":["
                     "{\"name\":\"tiny\",\"properties\":{\"addressPrefix\":\"10.0.0.8/29\"}},"
                     "{\"name\":\"multi\",\"properties\":{\"addressPrefixes\":[\"10.1.0.0/24\",\"10.1.1.0/24\"],"
                     "\"serviceEndpoints\":[{\"service\":\"Microsoft.Storage\"}]}}]}}";
    mt_check(&t, "PUT", VNET API, ok, 201, NULL);
    settle(&t);
    struct mt_response r = get_ok(&t, VNET API);
    mt_assert_str(mt_json_str(r.json, "properties.dhcpOptions.dnsServers.0"), "10.0.0.4");
    mt_assert_str(mt_json_str(r.json, "properties.subnets.1.properties.serviceEndpoints.0.service"),
                  "Microsoft.Storage");
    mt_assert_str(mt_json_str(r.json, "properties.subnets.1.properties.addressPrefixes.1"), "10.1.1.0/24");
    assert_true(cJSON_IsFalse(mt_json_at(r.json, "properties.enableDdosProtection")));
    mt_response_free(&r);
    /* A subnet overlapping one of the prefixes of a multi-prefix subnet. */
    mt_check(&t, "PUT", SUBNETS "/x" API, "{\"properties\":{\"addressPrefix\":\"10.1.1.0/25\"}}", 400,
             "NetcfgSubnetRangesOverlap");
    mt_stop(&t);
}

/* A VNet PUT replaces its subnet list: a subnet left out is deleted. */
static void test_subnet_list_replaced(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    mt_check(&t, "PUT", VNET API, VNB(SPACE, SN("a", "10.0.1.0/24") "," SN("b", "10.0.2.0/24")), 201, NULL);
    settle(&t);
    struct mt_response r = get_ok(&t, SUBNETS API);
    assert_int_equal(cJSON_GetArraySize(mt_json_at(r.json, "value")), 2);
    mt_response_free(&r);

    mt_check(&t, "PUT", VNET API, VNB(SPACE, SN("a", "10.0.1.0/24")), 200, NULL);
    settle(&t);
    mt_check(&t, "GET", SUBNETS "/b" API, NULL, 404, "NotFound");
    r = get_ok(&t, SUBNETS API);
    assert_int_equal(cJSON_GetArraySize(mt_json_at(r.json, "value")), 1);
    mt_assert_str(mt_json_str(r.json, "value.0.name"), "a");
    mt_response_free(&r);

    /* No "subnets" at all: none are left. */
    mt_check(&t, "PUT", VNET API,
             "{\"location\":\"chinaeast2\",\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.0/16\"]}}}",
             200, NULL);
    settle(&t);
    r = get_ok(&t, SUBNETS API);
    assert_int_equal(cJSON_GetArraySize(mt_json_at(r.json, "value")), 0);
    mt_response_free(&r);
    mt_stop(&t);
}

/* ---- subnets by their own path ------------------------------------------------------ */

static void test_subnet_child_path(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    mt_check(&t, "PUT", VNET API, VNB(SPACE, SN("a", "10.0.1.0/24")), 201, NULL);
    settle(&t);

    struct mt_response r = call(&t, "PUT", SUBNETS "/c" API,
                                "{\"properties\":{\"addressPrefix\":\"10.0.3.0/24\",\"serviceEndpoints\":"
                                "[{\"service\":\"Microsoft.Storage\"}]}}");
    assert_int_equal(r.status, 201);
    char async[1024];
    assert_non_null(mt_header(&r, "Azure-AsyncOperation", async, sizeof(async)));
    mt_assert_str(mt_json_str(r.json, "id"), VNET_ID "/subnets/c");
    mt_assert_str(mt_json_str(r.json, "name"), "c");
    mt_assert_str(mt_json_str(r.json, "type"), "Microsoft.Network/virtualNetworks/subnets");
    mt_assert_str(mt_json_str(r.json, "properties.provisioningState"), "Updating");
    mt_response_free(&r);

    /* The VNet's operation covers the subnet's: nothing else may write meanwhile. */
    mt_check(&t, "PUT", VNET API, VNB(SPACE, SN("a", "10.0.1.0/24")), 409, "AnotherOperationInProgress");
    mt_check(&t, "PUT", SUBNETS "/d" API, "{\"properties\":{\"addressPrefix\":\"10.0.4.0/24\"}}", 409,
             "AnotherOperationInProgress");
    mt_check(&t, "DELETE", SUBNETS "/a" API, NULL, 409, "AnotherOperationInProgress");
    r = get_ok(&t, VNET API);
    mt_assert_str(mt_json_str(r.json, "properties.provisioningState"), "Updating");
    assert_int_equal(cJSON_GetArraySize(mt_json_at(r.json, "properties.subnets")), 2);
    mt_response_free(&r);

    r = get_ok(&t, mt_local_path(&t, async));
    mt_assert_str(mt_json_str(r.json, "status"), "InProgress");
    mt_response_free(&r);
    settle(&t);
    r = get_ok(&t, mt_local_path(&t, async));
    mt_assert_str(mt_json_str(r.json, "status"), "Succeeded");
    mt_response_free(&r);

    r = get_ok(&t, SUBNETS "/c" API);
    mt_assert_str(mt_json_str(r.json, "properties.provisioningState"), "Succeeded");
    mt_assert_str(mt_json_str(r.json, "properties.serviceEndpoints.0.service"), "Microsoft.Storage");
    char etag[64];
    snprintf(etag, sizeof(etag), "%s", mt_json_str(r.json, "etag"));
    mt_response_free(&r);
    r = get_ok(&t, VNET API);
    mt_assert_str(mt_json_str(r.json, "etag"), etag);
    mt_assert_str(mt_json_str(r.json, "properties.provisioningState"), "Succeeded");
    mt_response_free(&r);

    /* Checked against the VNet and the other subnets. */
    mt_check(&t, "PUT", SUBNETS "/d" API, "{\"properties\":{\"addressPrefix\":\"10.0.3.128/25\"}}", 400,
             "NetcfgSubnetRangesOverlap");
    mt_check(&t, "PUT", SUBNETS "/d" API, "{\"properties\":{\"addressPrefix\":\"10.9.0.0/24\"}}", 400,
             "NetcfgSubnetRangeOutsideVnet");
    mt_check(&t, "PUT", SUBNETS "/d" API, "{\"properties\":{\"addressPrefix\":\"10.0.4.0/31\"}}", 400,
             "NetcfgInvalidSubnet");
    mt_check(&t, "PUT", SUBNETS "/d" API, "{\"properties\":{}}", 400, "NoAddressPrefixOrPoolProvided");
    mt_check(&t, "PUT", SUBNETS "/d" API, "{\"properties\":[]}", 400, "InvalidRequestContent");
    mt_check_header(&t, "PUT", SUBNETS "/c" API, "{\"properties\":{\"addressPrefix\":\"10.0.3.0/24\"}}",
                    "If-Match: W/\"00000000-0000-0000-0000-000000000000\"", 412, "PreconditionFailed");

    /* A PUT replaces the subnet's properties: what it leaves out is gone. */
    r = call(&t, "PUT", SUBNETS "/c" API, "{\"properties\":{\"addressPrefix\":\"10.0.3.0/24\"}}");
    assert_int_equal(r.status, 200);
    mt_response_free(&r);
    settle(&t);
    r = get_ok(&t, SUBNETS "/C" API);
    assert_null(mt_json_at(r.json, "properties.serviceEndpoints"));
    mt_assert_str(mt_json_str(r.json, "properties.addressPrefix"), "10.0.3.0/24");
    mt_response_free(&r);

    /* DELETE is long-running too; a repeated DELETE joins the running one. */
    r = call(&t, "DELETE", SUBNETS "/c" API, NULL);
    assert_int_equal(r.status, 202);
    char loc[1024];
    assert_non_null(mt_header(&r, "Location", loc, sizeof(loc)));
    mt_response_free(&r);
    r = get_ok(&t, SUBNETS "/c" API);
    mt_assert_str(mt_json_str(r.json, "properties.provisioningState"), "Deleting");
    mt_response_free(&r);
    mt_check(&t, "DELETE", SUBNETS "/c" API, NULL, 202, NULL);
    settle(&t);
    mt_check(&t, "GET", SUBNETS "/c" API, NULL, 404, "NotFound");
    mt_check(&t, "DELETE", SUBNETS "/c" API, NULL, 204, NULL);
    r = get_ok(&t, SUBNETS API);
    assert_int_equal(cJSON_GetArraySize(mt_json_at(r.json, "value")), 1);
    mt_response_free(&r);

    /* The parent must exist. */
    mt_check(&t, "GET", NET "/virtualNetworks/nope/subnets/x" API, NULL, 404, "ParentResourceNotFound");
    mt_check(&t, "PUT", NET "/virtualNetworks/nope/subnets/x" API,
             "{\"properties\":{\"addressPrefix\":\"10.0.0.0/24\"}}", 404, "ParentResourceNotFound");
    mt_check(&t, "GET", NET "/virtualNetworks/nope/subnets" API, NULL, 404, "ParentResourceNotFound");
    mt_check(&t, "POST", SUBNETS "/a" API, "{}", 405, "MethodNotAllowed");
    mt_stop(&t);
}

/*
 * What the RP fills in a subnet (SubnetCreateServiceEndpoint.json and
 * VirtualNetworkGetWithSubnetDelegation.json 2024-05-01): a service
 * endpoint's locations (the VNet's region unless given) and state, a
 * delegation's actions and state, and a delegated subnet's purpose.
 */
static void test_subnet_filled(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    mt_check(&t, "PUT", VNET API, VNB(SPACE, SN("a", "10.0.1.0/24")), 201, NULL);
    settle(&t);
    mt_check(&t, "PUT", SUBNETS "/c" API,
             "{\"properties\":{\"addressPrefix\":\"10.0.3.0/24\",\"serviceEndpoints\":[{\"service\":"
             "\"Microsoft.Storage\"},{\"service\":\"Microsoft.Sql\",\"locations\":[\"chinanorth2\"]}],"
             "\"delegations\":[{\"name\":\"d\",\"properties\":{\"serviceName\":\"Microsoft.Web/serverFarms\"}}]}}",
             201, NULL);
    settle(&t);
    struct mt_response r = get_ok(&t, SUBNETS "/c" API);
    mt_assert_str(mt_json_str(r.json, "properties.serviceEndpoints.0.locations.0"), "chinaeast2");
    mt_assert_str(mt_json_str(r.json, "properties.serviceEndpoints.0.provisioningState"), "Succeeded");
    mt_assert_str(mt_json_str(r.json, "properties.serviceEndpoints.1.locations.0"), "chinanorth2"); /* as given */
    mt_assert_str(mt_json_str(r.json, "properties.delegations.0.properties.provisioningState"), "Succeeded");
    assert_true(cJSON_IsArray(mt_json_at(r.json, "properties.delegations.0.properties.actions")));
    mt_assert_str(mt_json_str(r.json, "properties.purpose"), "");
    mt_response_free(&r);
    r = get_ok(&t, SUBNETS "/a" API);
    assert_null(mt_json_at(r.json, "properties.purpose")); /* not delegated */
    mt_response_free(&r);
    mt_stop(&t);
}

/* ---- route tables ------------------------------------------------------------------------ */

static void test_route_table_association(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    struct mt_response r = call(&t, "PUT", RT API, RTB(RO("egress", "0.0.0.0/0", "VirtualAppliance", VA_IP)));
    assert_int_equal(r.status, 201);
    char async[1024];
    assert_non_null(mt_header(&r, "Azure-AsyncOperation", async, sizeof(async)));
    mt_assert_str(mt_json_str(r.json, "properties.provisioningState"), "Updating");
    mt_assert_str(mt_json_str(r.json, "properties.routes.0.id"), RT_ID "/routes/egress");
    mt_assert_str(mt_json_str(r.json, "properties.routes.0.type"), "Microsoft.Network/routeTables/routes");
    assert_true(cJSON_IsFalse(mt_json_at(r.json, "properties.disableBgpRoutePropagation")));
    mt_response_free(&r);
    mt_check(&t, "PUT", RT API, RTB(""), 409, "AnotherOperationInProgress");
    settle(&t);
    r = get_ok(&t, RT API);
    mt_assert_str(mt_json_str(r.json, "properties.provisioningState"), "Succeeded");
    mt_assert_str(mt_json_str(r.json, "properties.routes.0.properties.provisioningState"), "Succeeded");
    mt_assert_str(mt_json_str(r.json, "properties.routes.0.properties.nextHopIpAddress"), "10.0.0.4");
    assert_null(mt_json_at(r.json, "properties.subnets"));
    mt_response_free(&r);

    /* Associate, naming the table in another case. */
    char lower[256];
    snprintf(lower, sizeof(lower), "%s", RT_ID);
    for (char *p = lower; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    char body[1024];
    snprintf(body, sizeof(body),
             VNB(SPACE, "{\"name\":\"nodes\",\"properties\":{\"addressPrefix\":\"10.0.1.0/24\",\"routeTable\":"
                        "{\"id\":\"%s\"}}}"), lower);
    mt_check(&t, "PUT", VNET API, body, 201, NULL);
    settle(&t);

    /* Both sides show it. */
    r = get_ok(&t, RT API);
    assert_int_equal(cJSON_GetArraySize(mt_json_at(r.json, "properties.subnets")), 1);
    mt_assert_str(mt_json_str(r.json, "properties.subnets.0.id"), SUBNET_ID);
    mt_response_free(&r);
    r = get_ok(&t, SUBNETS "/nodes" API);
    assert_int_equal(strcasecmp(mt_json_str(r.json, "properties.routeTable.id"), RT_ID), 0);
    mt_response_free(&r);
    r = get_ok(&t, NET "/routeTables" API);
    mt_assert_str(mt_json_str(r.json, "value.0.properties.subnets.0.id"), SUBNET_ID);
    mt_response_free(&r);

    /* An associated table cannot be deleted. */
    mt_check(&t, "DELETE", RT API, NULL, 400, "InUseRouteTableCannotBeDeleted");
    r = get_ok(&t, RT API);
    mt_assert_str(mt_json_str(r.json, "properties.provisioningState"), "Succeeded");
    mt_response_free(&r);

    /* A table in another region cannot be associated. */
    mt_check(&t, "PUT", NET "/routeTables/far" API, "{\"location\":\"eastus\",\"properties\":{}}", 201, NULL);
    settle(&t);
    mt_check(&t, "PUT", SUBNETS "/other" API,
             "{\"properties\":{\"addressPrefix\":\"10.0.2.0/24\",\"routeTable\":{\"id\":\"" GROUP_ID
             "/providers/Microsoft.Network/routeTables/far\"}}}",
             400, "InvalidResourceReference");

    /* Dissociate through the subnet's path; then the table can go. */
    mt_check(&t, "PUT", SUBNETS "/nodes" API, "{\"properties\":{\"addressPrefix\":\"10.0.1.0/24\"}}", 200, NULL);
    settle(&t);
    r = get_ok(&t, RT API);
    assert_null(mt_json_at(r.json, "properties.subnets"));
    mt_response_free(&r);
    mt_check(&t, "DELETE", RT API, NULL, 202, NULL);
    settle(&t);
    mt_check(&t, "GET", RT API, NULL, 404, "ResourceNotFound");
    mt_stop(&t);
}

/* A body of n routes (r0..r{n-1}), 10.x.y.0/24 to an appliance; the caller frees. */
static char *many_routes(int n)
{
    size_t cap = (size_t)n * 160 + 128, used = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    used += (size_t)snprintf(s + used, cap - used, "{\"location\":\"chinaeast2\",\"properties\":{\"routes\":[");
    for (int i = 0; i < n; i++)
        used += (size_t)snprintf(s + used, cap - used,
                                 "%s{\"name\":\"r%d\",\"properties\":{\"addressPrefix\":\"10.%d.%d.0/24\","
                                 "\"nextHopType\":\"VirtualAppliance\",\"nextHopIpAddress\":\"10.0.0.4\"}}",
                                 i ? "," : "", i, i / 256, i % 256);
    snprintf(s + used, cap - used, "]}}");
    return s;
}

static void test_route_validation(void **state)
{
    (void)state;
    static const struct {
        const char *body, *code, *detail;
    } cases[] = {
        {RTB(RO("r", "10.0.0.0/8", "Bogus", "")), "InvalidRequestFormat", "InvalidJson"},
        {RTB("{\"name\":\"r\",\"properties\":{\"addressPrefix\":\"10.0.0.0/8\"}}"), "InvalidRequestFormat", NULL},
        {RTB(RO("r", "10.0.0.0/8", "VirtualAppliance", "")), "MissingNextHopIpAddress", NULL},
        {RTB(RO("r", "10.0.0.0/8", "VirtualAppliance", ",\"nextHopIpAddress\":\"\"")), "MissingNextHopIpAddress", NULL},
        {RTB(RO("r", "10.0.0.0/8", "Internet", VA_IP)), "NextHopIpAddressNotAllowed", NULL},
        {RTB(RO("r", "10.0.0.0/8", "VnetLocal", VA_IP)), "NextHopIpAddressNotAllowed", NULL},
        {RTB(RO("r", "10.0.0.0/8", "VirtualAppliance", ",\"nextHopIpAddress\":\"not-an-ip\"")), "InvalidRequestFormat",
         NULL},
        {RTB(RO("r", "10.0.0.0/33", "None", "")), "InvalidAddressPrefixFormat", NULL},
        {RTB(RO("r", "10.0.0.0/", "None", "")), "InvalidAddressPrefixFormat", NULL},
        {RTB(RO("r", "10.0.0.1/24", "None", "")), "InvalidCIDRNotation", NULL},
        {RTB("{\"name\":\"r\",\"properties\":{\"nextHopType\":\"None\"}}"), "InvalidRequestFormat", NULL},
        {RTB(RO("r", "10.0.0.0/8", "None", "") "," RO("R", "10.1.0.0/16", "None", "")), "InvalidRequestFormat",
         "DuplicateResourceName"},
        {RTB(RO("bad/", "10.0.0.0/8", "None", "")), "InvalidResourceName", NULL},
        {"{\"location\":\"chinaeast2\",\"properties\":{\"routes\":{}}}", "InvalidRequestFormat", NULL},
    };
    struct mt_mock t;
    start(&t);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mt_response r = call(&t, "PUT", RT API, cases[i].body);
        if (r.status != 400 || !mt_error_code(&r) || strcmp(mt_error_code(&r), cases[i].code) != 0)
            print_message("case %zu: %ld %s\n", i, r.status, r.body);
        assert_int_equal(r.status, 400);
        mt_assert_str(mt_error_code(&r), cases[i].code);
        if (cases[i].detail)
            mt_assert_str(mt_json_str(r.json, "error.details.0.code"), cases[i].detail);
        mt_response_free(&r);
    }
    mt_check(&t, "GET", RT API, NULL, 404, "ResourceNotFound");

    /* Next hop types in any case (stored as ARM spells them), service tags as destinations. */
    struct mt_response r = call(&t, "PUT", RT API,
                                RTB(RO("a", "0.0.0.0/0", "virtualappliance", VA_IP) ","
                                    RO("b", "AzureCloud", "INTERNET", "") ","
                                    RO("c", "Storage.ChinaEast2", "internet", "") ","
                                    RO("d", "192.168.0.0/16", "none", "") ","
                                    RO("e", "172.16.0.0/12", "vnetlocal", ",\"nextHopIpAddress\":null")));
    assert_int_equal(r.status, 201);
    mt_assert_str(mt_json_str(r.json, "properties.routes.0.properties.nextHopType"), "VirtualAppliance");
    mt_assert_str(mt_json_str(r.json, "properties.routes.1.properties.nextHopType"), "Internet");
    mt_assert_str(mt_json_str(r.json, "properties.routes.1.properties.addressPrefix"), "AzureCloud");
    mt_assert_str(mt_json_str(r.json, "properties.routes.3.properties.nextHopType"), "None");
    mt_assert_str(mt_json_str(r.json, "properties.routes.4.properties.nextHopType"), "VnetLocal");
    assert_null(mt_json_at(r.json, "properties.routes.4.properties.nextHopIpAddress"));
    mt_response_free(&r);
    settle(&t);

    /* At most 400 routes. */
    char *body = many_routes(401);
    mt_check(&t, "PUT", NET "/routeTables/big" API, body, 400, "RouteTableRoutesLimitExceeded");
    free(body);
    body = many_routes(400);
    mt_check(&t, "PUT", NET "/routeTables/big" API, body, 201, NULL);
    free(body);
    settle(&t);
    r = get_ok(&t, NET "/routeTables/big/routes" API);
    assert_int_equal(cJSON_GetArraySize(mt_json_at(r.json, "value")), 400);
    mt_response_free(&r);
    mt_check(&t, "PUT", NET "/routeTables/big/routes/one-more" API,
             "{\"properties\":{\"addressPrefix\":\"11.0.0.0/8\",\"nextHopType\":\"None\"}}", 400,
             "RouteTableRoutesLimitExceeded");
    /* Replacing one of the 400 is no new route. */
    mt_check(&t, "PUT", NET "/routeTables/big/routes/r0" API,
             "{\"properties\":{\"addressPrefix\":\"11.0.0.0/8\",\"nextHopType\":\"None\"}}", 200, NULL);
    mt_stop(&t);
}

static void test_route_child_path(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    mt_check(&t, "PUT", RT API, RTB(RO("egress", "0.0.0.0/0", "VirtualAppliance", VA_IP)), 201, NULL);
    settle(&t);

    struct mt_response r = call(&t, "PUT", ROUTES "/local" API,
                                "{\"properties\":{\"addressPrefix\":\"10.1.0.0/24\",\"nextHopType\":\"VnetLocal\"}}");
    assert_int_equal(r.status, 201);
    char async[1024];
    assert_non_null(mt_header(&r, "Azure-AsyncOperation", async, sizeof(async)));
    mt_assert_str(mt_json_str(r.json, "id"), RT_ID "/routes/local");
    mt_assert_str(mt_json_str(r.json, "type"), "Microsoft.Network/routeTables/routes");
    mt_assert_str(mt_json_str(r.json, "properties.provisioningState"), "Updating");
    mt_response_free(&r);
    mt_check(&t, "PUT", RT API, RTB(""), 409, "AnotherOperationInProgress");
    settle(&t);

    r = get_ok(&t, ROUTES "/LOCAL" API);
    mt_assert_str(mt_json_str(r.json, "properties.provisioningState"), "Succeeded");
    mt_assert_str(mt_json_str(r.json, "properties.nextHopType"), "VnetLocal");
    mt_response_free(&r);
    r = get_ok(&t, ROUTES API);
    assert_int_equal(cJSON_GetArraySize(mt_json_at(r.json, "value")), 2);
    mt_response_free(&r);
    r = get_ok(&t, RT API);
    assert_int_equal(cJSON_GetArraySize(mt_json_at(r.json, "properties.routes")), 2);
    mt_response_free(&r);

    mt_check(&t, "PUT", ROUTES "/bad" API,
             "{\"properties\":{\"addressPrefix\":\"10.2.0.0/24\",\"nextHopType\":"
             "\"VirtualAppliance\"}}",
             400, "MissingNextHopIpAddress");
    mt_check(&t, "PUT", ROUTES "/bad" API,
             "{\"properties\":{\"addressPrefix\":\"10.2.0.0/24\",\"nextHopType\":"
             "\"Internet\",\"nextHopIpAddress\":\"10.0.0.4\"}}",
             400, "NextHopIpAddressNotAllowed");

    mt_check(&t, "DELETE", ROUTES "/local" API, NULL, 202, NULL);
    settle(&t);
    mt_check(&t, "GET", ROUTES "/local" API, NULL, 404, "NotFound");
    r = get_ok(&t, ROUTES API);
    assert_int_equal(cJSON_GetArraySize(mt_json_at(r.json, "value")), 1);
    mt_response_free(&r);

    mt_check(&t, "GET", NET "/routeTables/nope/routes/x" API, NULL, 404, "ParentResourceNotFound");
    mt_check(&t, "PUT", NET "/routeTables/nope/routes/x" API,
             "{\"properties\":{\"addressPrefix\":\"10.2.0.0/24\",\"nextHopType\":\"None\"}}", 404,
             "ParentResourceNotFound");
    mt_stop(&t);
}

/* ---- api-versions, ids, lists, etags ------------------------------------------------------ */

static void test_api_versions(void **state)
{
    (void)state;
    static const char *const accepted[] = {"2017-03-01", "2018-11-01", "2020-11-01", "2022-07-01", "2023-09-01",
                                           "2024-05-01", "2025-05-01", "2025-09-01"};
    static const char *const refused[] = {"2024-05-02", "2024-06-01-preview", "2099-01-01", "latest"};
    struct mt_mock t;
    start(&t);
    char path[512];
    for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
        snprintf(path, sizeof(path), VNET "?api-version=%s", accepted[i]);
        mt_check(&t, "GET", path, NULL, 404, "ResourceNotFound");
        snprintf(path, sizeof(path), RT "?api-version=%s", accepted[i]);
        mt_check(&t, "GET", path, NULL, 404, "ResourceNotFound");
        snprintf(path, sizeof(path), SUBNETS "/x?api-version=%s", accepted[i]);
        mt_check(&t, "GET", path, NULL, 404, "ParentResourceNotFound");
    }
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        snprintf(path, sizeof(path), VNET "?api-version=%s", refused[i]);
        mt_check(&t, "GET", path, NULL, 400, "InvalidApiVersionParameter");
        snprintf(path, sizeof(path), ROUTES "/x?api-version=%s", refused[i]);
        mt_check(&t, "GET", path, NULL, 400, "InvalidApiVersionParameter");
    }
    mt_check(&t, "GET", VNET, NULL, 400, "MissingApiVersionParameter");
    mt_stop(&t);
}

static void test_ids_case_and_slashes(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    mt_check(&t, "PUT",
             "/subscriptions/" MT_SUB "/RESOURCEGROUPS/RG1/providers/microsoft.network/VIRTUALNETWORKS/Vnet1" API,
             VNB(SPACE, SN("Nodes", "10.0.1.0/24")), 201, NULL);
    settle(&t);
    struct mt_response r = get_ok(&t, VNET API);
    mt_assert_str(mt_json_str(r.json, "name"), "Vnet1");
    mt_assert_str(mt_json_str(r.json, "type"), "Microsoft.Network/virtualNetworks");
    mt_response_free(&r);
    r = get_ok(&t,
               "/subscriptions/" MT_SUB "/resourceGroups/rg1/providers/Microsoft.Network//virtualNetworks/vnet1" API);
    mt_assert_str(mt_json_str(r.json, "name"), "Vnet1");
    mt_response_free(&r);
    r = get_ok(&t, "//subscriptions/" MT_SUB "/resourceGroups/rg1//providers/Microsoft.Network/virtualNetworks//VNET1"
                   "//subnets//NODES" API);
    mt_assert_str(mt_json_str(r.json, "name"), "Nodes");
    mt_response_free(&r);
    /* A second PUT in another case updates the same VNet (200), keeping its first spelling. */
    r = call(&t, "PUT", VNET API, VNB(SPACE, SN("nodes", "10.0.1.0/24")));
    assert_int_equal(r.status, 200);
    mt_assert_str(mt_json_str(r.json, "name"), "Vnet1");
    mt_response_free(&r);
    settle(&t);
    r = get_ok(&t, NET "/virtualNetworks" API);
    assert_int_equal(cJSON_GetArraySize(mt_json_at(r.json, "value")), 1);
    mt_response_free(&r);
    mt_stop(&t);
}

static void test_lists(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    mt_check(&t, "PUT", "/subscriptions/" MT_SUB "/resourcegroups/rg2?api-version=2021-04-01",
             "{\"location\":\"chinaeast2\"}", 201, NULL);
    mt_check(&t, "PUT", VNET API, VNB(SPACE, ""), 201, NULL);
    mt_check(&t, "PUT", NET "/virtualNetworks/vnet2" API, VNB("\"10.1.0.0/16\"", ""), 201, NULL);
    mt_check(&t, "PUT",
             "/subscriptions/" MT_SUB "/resourcegroups/rg2/providers/Microsoft.Network/virtualNetworks/vnet3" API,
             VNB("\"10.2.0.0/16\"", ""), 201, NULL);
    mt_check(&t, "PUT", RT API, RTB(""), 201, NULL);
    settle(&t);
    struct mt_response r = get_ok(&t, NET "/virtualNetworks" API);
    const cJSON *value = mt_json_at(r.json, "value");
    assert_int_equal(cJSON_GetArraySize(value), 2);
    mt_assert_str(mt_json_str(value, "0.name"), "vnet1");
    mt_assert_str(mt_json_str(value, "1.name"), "vnet2");
    mt_assert_str(mt_json_str(value, "0.properties.provisioningState"), "Succeeded");
    mt_response_free(&r);
    r = get_ok(&t, "/subscriptions/" MT_SUB "/resourcegroups/rg2/providers/Microsoft.Network/virtualNetworks" API);
    assert_int_equal(cJSON_GetArraySize(mt_json_at(r.json, "value")), 1);
    mt_response_free(&r);
    /* Across the subscription: every group's. */
    r = get_ok(&t, "/subscriptions/" MT_SUB "/providers/Microsoft.Network/virtualNetworks" API);
    assert_int_equal(cJSON_GetArraySize(mt_json_at(r.json, "value")), 3);
    mt_response_free(&r);
    r = get_ok(&t, NET "/routeTables" API);
    assert_int_equal(cJSON_GetArraySize(mt_json_at(r.json, "value")), 1);
    mt_assert_str(mt_json_str(r.json, "value.0.type"), "Microsoft.Network/routeTables");
    mt_response_free(&r);
    r = get_ok(&t, ROUTES API);
    assert_int_equal(cJSON_GetArraySize(mt_json_at(r.json, "value")), 0);
    mt_response_free(&r);
    mt_check(&t, "GET", "/subscriptions/" MT_SUB "/resourcegroups/nope/providers/Microsoft.Network/virtualNetworks" API,
             NULL, 404, "ResourceGroupNotFound");
    mt_stop(&t);
}

static void test_etag_preconditions(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    const char *body = VNB(SPACE, SN("nodes", "10.0.1.0/24"));
    mt_check_header(&t, "PUT", VNET API, body, "If-Match: *", 412, "PreconditionFailed");
    mt_check(&t, "PUT", VNET API, body, 201, NULL);
    settle(&t);
    struct mt_response r = get_ok(&t, VNET API);
    char header[128];
    snprintf(header, sizeof(header), "If-Match: %s", mt_json_str(r.json, "etag"));
    mt_response_free(&r);
    mt_check_header(&t, "PUT", VNET API, body, "If-Match: W/\"00000000-0000-0000-0000-000000000000\"", 412,
                    "PreconditionFailed");
    mt_check_header(&t, "PUT", VNET API, body, "If-None-Match: *", 412, "PreconditionFailed");
    mt_check_header(&t, "PUT", VNET API, body, header, 200, NULL);
    settle(&t);
    /* The etag has changed: the old one no longer matches. */
    mt_check_header(&t, "PUT", VNET API, body, header, 412, "PreconditionFailed");
    mt_stop(&t);
}

/* ---- subnets in use: a cluster put into the store through a state file ------------------ */

/* A state file with rg1, vnet1 (subnets nodes and spare) and cluster aks1 whose pool uses nodes. */
static void write_state(const char *path)
{
    static const char group[] =
        "{\"id\":\"" GROUP_ID "\",\"name\":\"rg1\",\"type\":\"Microsoft.Resources/resourceGroups\","
        "\"location\":\"chinaeast2\",\"properties\":{\"provisioningState\":\"Succeeded\"}}";
    static const char vnet[] =
        "{\"id\":\"" VNET_ID "\",\"name\":\"vnet1\",\"type\":\"Microsoft.Network/virtualNetworks\","
        "\"location\":\"chinaeast2\",\"etag\":\"W/\\\"1\\\"\",\"properties\":{\"provisioningState\":"
        "\"Succeeded\",\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.0/16\"]},\"subnets\":["
        "{\"id\":\"" SUBNET_ID "\",\"name\":\"nodes\",\"type\":\"Microsoft.Network/virtualNetworks/subnets\","
        "\"etag\":\"W/\\\"1\\\"\",\"properties\":{\"provisioningState\":\"Succeeded\",\"addressPrefix\":"
        "\"10.0.1.0/24\"}},{\"id\":\"" VNET_ID "/subnets/spare\",\"name\":\"spare\",\"type\":"
        "\"Microsoft.Network/virtualNetworks/subnets\",\"etag\":\"W/\\\"1\\\"\",\"properties\":"
        "{\"provisioningState\":\"Succeeded\",\"addressPrefix\":\"10.0.2.0/24\"}}]}}";
    /* The cluster names the subnet in another case, as clients do. */
    static const char cluster[] =
        "{\"id\":\"" CLUSTER_ID "\",\"name\":\"aks1\",\"type\":\"Microsoft.ContainerService/managedClusters\","
        "\"location\":\"chinaeast2\",\"properties\":{\"provisioningState\":\"Succeeded\",\"agentPoolProfiles\":"
        "[{\"name\":\"nodepool1\",\"count\":3,\"vnetSubnetID\":\"/subscriptions/" MT_SUB "/resourcegroups/RG1/"
        "providers/microsoft.network/virtualnetworks/VNET1/subnets/NODES\"}],\"networkProfile\":"
        "{\"networkPlugin\":\"kubenet\"}}}";
    cJSON *state = mt_state_new(NULL);
    mt_state_add(state, "Microsoft.Resources", "resourceGroups", mt_json_parse(group), 1700000000.0);
    mt_state_add(state, "Microsoft.Network", "virtualNetworks", mt_json_parse(vnet), 1700000000.0);
    mt_state_add(state, "Microsoft.ContainerService", "managedClusters", mt_json_parse(cluster), 1700000000.0);
    assert_true(mt_state_write(state, path));
}

static bool in_use(struct mt_mock *t, const char *id)
{
    pthread_mutex_lock(&t->mock->lock);
    bool used = mock_network_subnet_in_use(t->mock, id);
    pthread_mutex_unlock(&t->mock->lock);
    return used;
}

static void test_subnet_in_use(void **state)
{
    (void)state;
    struct mt_tmpdir dir;
    char path[MT_PATH_MAX];
    assert_true(mt_tmpdir_make(&dir, "net"));
    assert_non_null(mt_tmpdir_file(&dir, "state.json", path, sizeof(path)));
    write_state(path);
    struct armmock_options opts = {.state_path = path};
    struct mt_mock t;
    assert_true(mt_start(&t, &opts, false));

    /* The function itself. */
    assert_true(in_use(&t, SUBNET_ID));
    assert_true(in_use(&t, "/SUBSCRIPTIONS/" MT_SUB "/RESOURCEGROUPS/RG1/PROVIDERS/MICROSOFT.NETWORK/"
                           "VIRTUALNETWORKS/VNET1/SUBNETS/NODES"));
    assert_false(in_use(&t, VNET_ID "/subnets/spare"));
    assert_false(in_use(&t, VNET_ID "/subnets/nodes2"));
    pthread_mutex_lock(&t.mock->lock);
    struct mock_resource *vnet = NULL;
    const cJSON *subnet = mock_network_subnet(t.mock, VNET_ID "/SUBNETS/Nodes", &vnet);
    assert_non_null(subnet);
    assert_non_null(vnet);
    mt_assert_str(mt_json_str(subnet, "name"), "nodes");
    assert_null(mock_network_subnet(t.mock, VNET_ID "/subnets/none", NULL));
    assert_null(mock_network_subnet(t.mock, VNET_ID, NULL));
    char before[64];
    snprintf(before, sizeof(before), "%s", mt_json_str(vnet->body, "etag"));
    mock_network_new_etag(vnet);
    assert_string_not_equal(mt_json_str(vnet->body, "etag"), before);
    mt_assert_str(mt_json_str(vnet->body, "properties.subnets.1.etag"), mt_json_str(vnet->body, "etag"));
    pthread_mutex_unlock(&t.mock->lock);

    /* A VNet PUT that drops the subnet in use is refused, naming the user. */
    struct mt_response r = call(&t, "PUT", VNET API, VNB(SPACE, SN("spare", "10.0.2.0/24")));
    assert_int_equal(r.status, 400);
    mt_assert_str(mt_error_code(&r), "InUseSubnetCannotBeDeleted");
    assert_non_null(strstr(mt_json_str(r.json, "error.message"), CLUSTER_ID));
    mt_response_free(&r);
    r = get_ok(&t, SUBNETS "/nodes" API);
    mt_assert_str(mt_json_str(r.json, "properties.provisioningState"), "Succeeded");
    mt_response_free(&r);

    /* Its own DELETE and its VNet's are refused too. */
    mt_check(&t, "DELETE", SUBNETS "/nodes" API, NULL, 400, "InUseSubnetCannotBeDeleted");
    mt_check(&t, "DELETE", VNET API, NULL, 400, "InUseSubnetCannotBeDeleted");

    /* Keeping it is fine; the spare one may go. */
    mt_check(&t, "PUT", VNET API, VNB(SPACE, SN("nodes", "10.0.1.0/24") "," SN("spare", "10.0.2.0/24")), 200, NULL);
    settle(&t);
    mt_check(&t, "DELETE", SUBNETS "/spare" API, NULL, 202, NULL);
    settle(&t);
    mt_check(&t, "GET", SUBNETS "/spare" API, NULL, 404, "NotFound");
    r = get_ok(&t, SUBNETS "/nodes" API);
    mt_assert_str(mt_json_str(r.json, "properties.addressPrefix"), "10.0.1.0/24");
    mt_response_free(&r);
    mt_stop(&t);
    assert_true(mt_tmpdir_remove(&dir));
}

/* ---- peerings ------------------------------------------------------------------------ */

#define HUB NET "/virtualNetworks/hub"
#define HUB_ID GROUP_ID "/providers/Microsoft.Network/virtualNetworks/hub"
#define PEER(remote_id) "{\"properties\":{\"remoteVirtualNetwork\":{\"id\":\"" remote_id "\"}}}"

static void test_peerings(void **state)
{
    (void)state;
    struct mt_mock t;
    start(&t);
    mt_check(&t, "PUT", VNET API, VNB(SPACE, SN("nodes", "10.0.1.0/24")), 201, NULL);
    mt_check(&t, "PUT", HUB API, VNB("\"172.16.0.0/16\", \"172.17.0.0/16\"", ""), 201, NULL);
    settle(&t);

    /* vnet1 -> hub: the remote's address space is filled in, Initiated until hub peers back. */
    struct mt_response r = call(&t, "PUT", VNET "/virtualNetworkPeerings/to-hub" API, PEER(HUB_ID));
    assert_int_equal(r.status, 201);
    mt_assert_str(mt_json_str(r.json, "type"), "Microsoft.Network/virtualNetworks/virtualNetworkPeerings");
    mt_assert_str(mt_json_str(r.json, "properties.remoteAddressSpace.addressPrefixes.1"), "172.17.0.0/16");
    mt_response_free(&r);
    settle(&t);
    r = get_ok(&t, VNET API);
    mt_assert_str(mt_json_str(r.json, "properties.virtualNetworkPeerings.0.name"), "to-hub");
    mt_assert_str(mt_json_str(r.json, "properties.virtualNetworkPeerings.0.properties.peeringState"), "Initiated");
    mt_assert_str(mt_json_str(r.json, "properties.virtualNetworkPeerings.0.properties.remoteAddressSpace."
                                      "addressPrefixes.0"), "172.16.0.0/16");
    assert_true(cJSON_IsTrue(mt_json_at(r.json, "properties.virtualNetworkPeerings.0.properties."
                                                "allowVirtualNetworkAccess")));
    mt_response_free(&r);

    /* hub -> vnet1: both sides Connected. */
    mt_check(&t, "PUT", HUB "/virtualNetworkPeerings/to-vnet1" API, PEER(VNET_ID), 201, NULL);
    settle(&t);
    r = get_ok(&t, VNET "/virtualNetworkPeerings/to-hub" API);
    mt_assert_str(mt_json_str(r.json, "properties.peeringState"), "Connected");
    mt_response_free(&r);
    r = get_ok(&t, HUB "/virtualNetworkPeerings" API);
    mt_assert_str(mt_json_str(r.json, "value.0.properties.peeringState"), "Connected");
    mt_assert_str(mt_json_str(r.json, "value.0.properties.remoteAddressSpace.addressPrefixes.0"), "10.0.0.0/16");
    mt_response_free(&r);

    /* A VNet PUT without peerings keeps them; one with them as read keeps them too. */
    mt_check(&t, "PUT", VNET API, VNB(SPACE, SN("nodes", "10.0.1.0/24")), 200, NULL);
    settle(&t);
    r = get_ok(&t, VNET API);
    mt_assert_str(mt_json_str(r.json, "properties.virtualNetworkPeerings.0.properties.peeringState"), "Connected");
    char *again = cJSON_PrintUnformatted(r.json);
    mt_response_free(&r);
    mt_check(&t, "PUT", VNET API, again, 200, NULL);
    free(again);
    settle(&t);
    r = get_ok(&t, VNET API);
    mt_assert_str(mt_json_str(r.json, "properties.virtualNetworkPeerings.0.properties.peeringState"), "Connected");
    mt_response_free(&r);

    /* Deleting one side leaves the other Disconnected. */
    mt_check(&t, "DELETE", HUB "/virtualNetworkPeerings/to-vnet1" API, NULL, 202, NULL);
    settle(&t);
    r = get_ok(&t, VNET "/virtualNetworkPeerings/to-hub" API);
    mt_assert_str(mt_json_str(r.json, "properties.peeringState"), "Disconnected");
    mt_response_free(&r);

    /* Overlapping address spaces, a remote that does not exist, no remote at all. */
    mt_check(&t, "PUT", NET "/virtualNetworks/twin" API, VNB("\"10.0.128.0/17\"", ""), 201, NULL);
    settle(&t);
    r = call(&t, "PUT", VNET "/virtualNetworkPeerings/to-twin" API,
             PEER(GROUP_ID "/providers/Microsoft.Network/virtualNetworks/twin"));
    assert_int_equal(r.status, 400);
    mt_assert_str(mt_json_str(r.json, "error.code"), "VnetAddressSpacesOverlap");
    assert_non_null(strstr(mt_json_str(r.json, "error.message"), "Overlapping address prefixes: 10.0.128.0/17"));
    mt_response_free(&r);
    mt_check(&t, "PUT", VNET "/virtualNetworkPeerings/to-none" API,
             PEER(GROUP_ID "/providers/Microsoft.Network/virtualNetworks/none"), 400, "InvalidResourceReference");
    mt_check(&t, "PUT", VNET "/virtualNetworkPeerings/bad" API, "{\"properties\":{}}", 400, "InvalidRequestFormat");
    mt_stop(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vnet_put_long_running),
        cmocka_unit_test(test_vnet_delete_long_running),
        cmocka_unit_test(test_vnet_validation),
        cmocka_unit_test(test_subnet_list_replaced),
        cmocka_unit_test(test_subnet_child_path),
        cmocka_unit_test(test_subnet_filled),
        cmocka_unit_test(test_route_table_association),
        cmocka_unit_test(test_route_validation),
        cmocka_unit_test(test_route_child_path),
        cmocka_unit_test(test_api_versions),
        cmocka_unit_test(test_ids_case_and_slashes),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_etag_preconditions),
        cmocka_unit_test(test_subnet_in_use),
        cmocka_unit_test(test_peerings),
    };
    return cmocka_run_group_tests_name("aksnet-mock Microsoft.Network", tests, NULL, NULL);
}
