/*
 * fuzz_diff.c - libFuzzer target for comparing a body aksnet would send
 * with the resource ARM holds (src/provision/diff.c): ARM's answer is
 * untrusted, and what differs is shown to the user and decides between
 * no-op, update and "cannot change in place".
 *
 * An input: byte 0 picks the desired body (% 5: a cluster, a VNet, a
 * subnet, a route table, a role assignment, as resources.c builds them for
 * the seed; or, at 5 and above, the body comes from the input too, up to
 * "\n===\n"), then ARM's answer (JSON; anything else is "not there").
 *
 * Invariants: the comparison succeeds; every difference's path and values
 * are text fit to show (bounded, UTF-8, no control characters), with a
 * path that is not empty (for the built-in bodies); an answer that is not an object makes every
 * member of the body one difference; a role assignment's differences are
 * all immutable; and a body compared with itself has no difference (when
 * no object holds two names equal but for case and no array two elements
 * of such names, which ARM does not send).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_support.h"
#include "resources.h"

#define SUB "/subscriptions/00000000-0000-0000-0000-000000000000"
#define RG SUB "/resourceGroups/rg1"

static const struct {
    const char *type;
    const char *body;
} wanted[] = {
    {"Microsoft.ContainerService/managedClusters",
     "{\"location\":\"eastus\",\"tags\":{\"createdBy\":\"aksnet\",\"env\":\"Dev\"},\"identity\":{\"type\":"
     "\"UserAssigned\",\"userAssignedIdentities\":{\"" RG "/providers/Microsoft.ManagedIdentity/"
     "userAssignedIdentities/id1\":{}}},\"properties\":{\"dnsPrefix\":\"aks1\",\"kubernetesVersion\":\"1.30\","
     "\"enableRBAC\":true,\"agentPoolProfiles\":[{\"name\":\"nodepool1\",\"count\":3,\"vmSize\":"
     "\"Standard_DS2_v2\",\"osType\":\"Linux\",\"mode\":\"System\",\"type\":\"VirtualMachineScaleSets\","
     "\"maxPods\":110,\"vnetSubnetID\":\"" RG "/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/snet1\"}],"
     "\"networkProfile\":{\"networkPlugin\":\"kubenet\",\"podCidr\":\"10.244.0.0/16\",\"serviceCidr\":"
     "\"10.0.0.0/16\",\"dnsServiceIP\":\"10.0.0.10\",\"outboundType\":\"loadBalancer\"}}}"},
    {"Microsoft.Network/virtualNetworks",
     "{\"location\":\"eastus\",\"tags\":{\"createdBy\":\"aksnet\"},\"properties\":{\"addressSpace\":{"
     "\"addressPrefixes\":[\"192.168.0.0/16\"]},\"subnets\":[{\"name\":\"snet1\",\"properties\":{\"addressPrefix\":"
     "\"192.168.1.0/24\"}}]}}"},
    {"Microsoft.Network/virtualNetworks/subnets",
     "{\"properties\":{\"addressPrefix\":\"192.168.1.0/24\",\"routeTable\":{\"id\":\"" RG
     "/providers/Microsoft.Network/routeTables/rt1\"}}}"},
    {"Microsoft.Network/routeTables",
     "{\"location\":\"eastus\",\"tags\":{\"createdBy\":\"aksnet\"},\"properties\":{\"disableBgpRoutePropagation\":"
     "false,\"routes\":[]}}"},
    {"Microsoft.Authorization/roleAssignments",
     "{\"properties\":{\"roleDefinitionId\":\"" SUB "/providers/Microsoft.Authorization/roleDefinitions/"
     "4d97b98b-1d4f-4787-a291-c67834d212e7\",\"principalId\":\"11111111-1111-1111-1111-111111111111\","
     "\"principalType\":\"ServicePrincipal\"}}"},
};
#define NWANTED (sizeof(wanted) / sizeof(wanted[0]))

/* Names equal but for case in one object, or element names so in one array: diff.c matches the first. */
static bool ambiguous(const cJSON *v)
{
    for (const cJSON *a = v ? v->child : NULL; a; a = a->next) {
        for (const cJSON *b = a->next; b; b = b->next) {
            if (cJSON_IsObject(v) && a->string && b->string && strcasecmp(a->string, b->string) == 0)
                return true;
            const cJSON *na = cJSON_GetObjectItemCaseSensitive(a, "name");
            const cJSON *nb = cJSON_GetObjectItemCaseSensitive(b, "name");
            if (cJSON_IsArray(v) && cJSON_IsString(na) && cJSON_IsString(nb) &&
                strcasecmp(na->valuestring, nb->valuestring) == 0)
                return true;
        }
        if (ambiguous(a))
            return true;
    }
    return false;
}

static void check(const cJSON *want, const cJSON *have, const char *type, bool ours)
{
    const char *const *immutable = aksnet__resources_immutable_paths(type);
    struct aksnet__differences d;
    aksnet_code rc = aksnet__resources_diff(want, have, immutable, &d);
    FZ_CHECK(rc == AKSNET_OK, "diff gave %d", (int)rc);
    for (size_t i = 0; i < d.count; i++) {
        const struct aksnet__difference *x = &d.items[i];
        FZ_CHECK(x->path[0] != '\0' || !ours, "a difference without a path"); /* a fuzzed body may name "" */
        FZ_CHECK(fz_text_ok(x->path, sizeof(x->path)), "path '%s'", x->path);
        FZ_CHECK(fz_text_ok(x->want, sizeof(x->want)), "want '%s' at %s", x->want, x->path);
        FZ_CHECK(fz_text_ok(x->have, sizeof(x->have)), "have '%s' at %s", x->have, x->path);
        FZ_CHECK(x->immutable || strcmp(type, "Microsoft.Authorization/roleAssignments") != 0,
                 "a role assignment's %s is mutable", x->path);
    }
    if (!cJSON_IsObject(have))
        FZ_CHECK(d.count == (size_t)cJSON_GetArraySize(want), "%zu differences from no resource, %d members",
                 d.count, cJSON_GetArraySize(want));
    aksnet__resources_differences_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_input in = {data, size};
    unsigned pick = fz_byte(&in, 0);
    cJSON *want;
    const char *type;
    if (pick % 8 < NWANTED) {
        want = cJSON_Parse(wanted[pick % 8].body);
        type = wanted[pick % 8].type;
        FZ_CHECK(want, "a built-in body does not parse");
    } else {
        size_t len;
        char *text = fz_piece(&in, "\n===\n", &len);
        want = len <= 4096 ? cJSON_ParseWithLength(text, len) : NULL;
        type = wanted[pick % NWANTED].type;
        free(text);
        if (!cJSON_IsObject(want)) {
            cJSON_Delete(want);
            return 0;
        }
    }
    size_t len;
    char *text = fz_piece(&in, "", &len);
    cJSON *have = cJSON_ParseWithLength(text, len);
    free(text);
    check(want, have, type, pick % 8 < NWANTED);
    if (cJSON_IsObject(have) && !ambiguous(have)) {
        struct aksnet__differences d;
        FZ_CHECK(aksnet__resources_diff(have, have, NULL, &d) == AKSNET_OK && d.count == 0,
                 "ARM's answer differs from itself in %zu places, the first %s", d.count,
                 d.count ? d.items[0].path : "");
        aksnet__resources_differences_free(&d);
    }
    cJSON_Delete(have);
    cJSON_Delete(want);
    return 0;
}
