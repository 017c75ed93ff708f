/*
 * aks_pools.c - a managed cluster's agentPoolProfiles, checked and completed
 * as AKS does: names, OS and mode, counts and the autoscaler's range,
 * maxPods, maxSurge; then kubenet's limits on the whole cluster (nodes,
 * a /24 of the pod range each).
 *
 * Depends on: aks_common.c, util.c (mock_json_set(), mock_json_set_str()),
 * src/util (cidr).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arm_aks.h"

#define NODE_IMAGE "AKSUbuntu-2204gen2containerd-202501.12.0"

/* Agent pool names: Linux 1-12, Windows 1-6 lower-case letters and digits, starting with a letter. */
static bool check_pool_name(struct aks_ctx *c, const char *name, bool windows)
{
    size_t len = strlen(name), max = windows ? 6 : 12;
    bool ok = len >= 1 && islower((unsigned char)name[0]);
    for (size_t i = 0; ok && i < len; i++)
        ok = islower((unsigned char)name[i]) || isdigit((unsigned char)name[i]);
    if (ok && windows && len > max)
        return aks_refuse(c->rs, "WindowsAgentPoolNameTooLong", "agentPoolProfile.name",
                          "Windows agent pool name %s can not be longer than 6 characters.", name);
    if (!ok || len > max)
        return aks_refuse(c->rs, "InvalidParameter", "agentPoolProfile.name",
                          "The value of parameter agentPoolProfile.name is invalid. Error details: Agent pool name "
                          "'%s' must start with a lowercase letter, have max length of 12, and only have characters "
                          "a-z0-9. Please see https://aka.ms/aks-naming-rules for more details.", name);
    return true;
}

/* upgradeSettings.maxSurge: "N" nodes or "P%" of the pool, rounded up; 1 node when absent. */
static bool read_surge(struct aks_ctx *c, const cJSON *p, const char *path, struct aks_pool *pool)
{
    const char *s = NULL;
    const cJSON *up = cJSON_GetObjectItemCaseSensitive(p, "upgradeSettings");
    if (up && !cJSON_IsObject(up))
        return aks_bad_type(c->rs, path, "an object");
    if (!aks_get_str(up, "maxSurge", path, NULL, &s, c->rs))
        return false;
    pool->surge = 1;
    if (!s)
        return true;
    size_t len = strlen(s), digits = strspn(s, "0123456789");
    bool pct = len > 0 && s[len - 1] == '%';
    long v = digits > 0 && digits <= 4 && digits == len - (pct ? 1 : 0) ? strtol(s, NULL, 10) : -1;
    if (v < 1 || (pct && v > 100))
        return aks_refuse(c->rs, "InvalidParameter", "agentPoolProfile.upgradeSettings.maxSurge",
                          "The value of parameter agentPoolProfile.upgradeSettings.maxSurge is invalid. Error details: "
                          "'%s' is neither a node count nor a percentage from 1%% to 100%%.", s);
    pool->surge = pct ? (pool->nodes * v + 99) / 100 : v;
    return true;
}

/* count, enableAutoScaling with minCount/maxCount: within AKS's ranges. */
static bool read_counts(struct aks_ctx *c, cJSON *p, const char *path, struct aks_pool *pool)
{
    bool autoscale = false;
    long min = 0, max = 0;
    char at[160];
    snprintf(at, sizeof(at), "%s.count", path);
    if (!aks_get_int(p, "count", at, 1, &pool->count, c->rs) ||
        !aks_get_bool(p, "enableAutoScaling", path, false, &autoscale, c->rs) ||
        !aks_get_int(p, "minCount", path, 0, &min, c->rs) || !aks_get_int(p, "maxCount", path, 0, &max, c->rs))
        return false;
    long low = pool->system ? 1 : 0;
    if (pool->count < low || pool->count > 1000)
        return aks_refuse(c->rs, "InvalidParameter", "agentPoolProfile.count",
                          "The value of parameter agentPoolProfile.count is invalid. Error details: %ld is outside "
                          "%ld..1000 for %s pool %s.", pool->count, low, pool->system ? "system" : "user", pool->name);
    if (autoscale && (min < low || max > 1000 || min > max || pool->count < min || pool->count > max))
        return aks_refuse(c->rs, "InvalidParameter", "agentPoolProfile.maxCount",
                          "The value of parameter agentPoolProfile.minCount/maxCount is invalid. Error details: pool "
                          "%s needs %ld <= minCount (%ld) <= count (%ld) <= maxCount (%ld) <= 1000.",
                          pool->name, low, min,
                          pool->count, max);
    pool->nodes = autoscale ? max : pool->count;
    pool->fewest = autoscale ? min : pool->count;
    mock_json_set(p, "count", cJSON_CreateNumber((double)pool->count));
    mock_json_set(p, "enableAutoScaling", cJSON_CreateBool(autoscale));
    return true;
}

/*
 * maxPods: 10..250 whatever the plugin; default 110 with kubenet, 30 with
 * Azure CNI, 250 with overlay ("Maximum pods per node" in
 * https://learn.microsoft.com/azure/aks/concepts-network-ip-address-planning;
 * kubenet's ceiling was 110 in older pages, the seed's among them).
 */
static bool read_max_pods(struct aks_ctx *c, cJSON *p, const char *path, struct aks_pool *pool)
{
    long dflt = c->kubenet ? 110 : (c->overlay ? 250 : 30), top = 250;
    char at[160];
    snprintf(at, sizeof(at), "%s.maxPods", path);
    if (!aks_get_int(p, "maxPods", at, dflt, &pool->max_pods, c->rs))
        return false;
    if (pool->max_pods < 10)
        return aks_refuse(c->rs, "InsufficientMaxPods", "agentPoolProfile.maxPods",
                          "The value of parameter agentPoolProfile.maxPods is invalid. Error details: maxPods %ld of "
                          "pool %s is below the minimum of 10 pods per node.", pool->max_pods, pool->name);
    if (pool->max_pods > top)
        return aks_refuse(c->rs, "MaxPodsLimitExceeded", "agentPoolProfile.maxPods",
                          "The value of parameter agentPoolProfile.maxPods is invalid. Error details: maxPods %ld of "
                          "pool %s exceeds the maximum of %ld pods per node for network plugin %s.", pool->max_pods,
                          pool->name, top, c->plugin);
    /*
     * Room for the system pods in every pool: maxPods x nodes >= 30
     * (learn.microsoft.com/azure/aks/concepts-network-ip-address-planning;
     * "System node pools must support at least 30 pods", use-system-pools).
     * The code is from AKS's error-code list as public code quotes it
     * (InsufficientAgentPoolMaxPodsPerAgentPool); the message is a guess.
     */
    long fewest = pool->fewest > 0 ? pool->fewest : (pool->system ? 1 : 0);
    if (fewest > 0 && pool->max_pods * fewest < 30)
        return aks_refuse(c->rs, "InsufficientAgentPoolMaxPodsPerAgentPool", "agentPoolProfile.maxPods",
                          "The value of parameter agentPoolProfile.maxPods is invalid. Error details: pool %s has "
                          "room for %ld pods (maxPods %ld x %ld nodes); every agent pool needs room for at least 30.",
                          pool->name, pool->max_pods * fewest, pool->max_pods, fewest);
    mock_json_set(p, "maxPods", cJSON_CreateNumber((double)pool->max_pods));
    return true;
}

/* The members AKS adds to every pool it reports. */
static void complete_pool(const struct aks_ctx *c, cJSON *p, bool windows)
{
    char current[40];
    snprintf(current, sizeof(current), "%s%s", c->version, strchr(strchr(c->version, '.') + 1, '.') ? "" : ".0");
    aks_default_str(p, "vmSize", "Standard_DS2_v2");
    /* 0 asks for the default size (the Azure CLI sends 0 without --node-osdisk-size). */
    const cJSON *disk = cJSON_GetObjectItemCaseSensitive(p, "osDiskSizeGB");
    if (cJSON_IsNumber(disk) && disk->valuedouble == 0)
        cJSON_DeleteItemFromObjectCaseSensitive(p, "osDiskSizeGB");
    aks_default_num(p, "osDiskSizeGB", 128);
    aks_default_str(p, "osDiskType", "Managed");
    aks_default_str(p, "kubeletDiskType", "OS");
    aks_default_str(p, "type", "VirtualMachineScaleSets");
    aks_default_str(p, "osSKU", windows ? "Windows2022" : "Ubuntu");
    mock_json_set_str(p, "orchestratorVersion", c->version);
    mock_json_set_str(p, "currentOrchestratorVersion", current);
    mock_json_set_str(p, "nodeImageVersion", NODE_IMAGE);
    if (!cJSON_GetObjectItemCaseSensitive(p, "enableNodePublicIP"))
        cJSON_AddBoolToObject(p, "enableNodePublicIP", false);
    if (!cJSON_GetObjectItemCaseSensitive(p, "enableFIPS"))
        cJSON_AddBoolToObject(p, "enableFIPS", false);
    mock_json_set(p, "powerState", cJSON_CreateObject());
    cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(p, "powerState"), "code", "Running");
    mock_json_set_str(p, "provisioningState", c->old ? "Updating" : "Creating");
}

/* osType and mode: Linux only with kubenet, system pools Linux. */
static bool read_os_mode(struct aks_ctx *c, cJSON *p, const char *path, size_t i, struct aks_pool *pool,
                         bool *windows)
{
    const char *os = NULL, *mode = NULL;
    if (!aks_get_str(p, "osType", path, "Linux", &os, c->rs) || !aks_get_str(p, "mode", path, NULL, &mode, c->rs))
        return false;
    if (strcasecmp(os, "Linux") != 0 && strcasecmp(os, "Windows") != 0)
        return aks_refuse(c->rs, "InvalidParameter", "agentPoolProfile.osType",
                          "The value of parameter agentPoolProfile.osType is invalid: '%s'.", os);
    if (mode && strcasecmp(mode, "System") != 0 && strcasecmp(mode, "User") != 0)
        return aks_refuse(c->rs, "InvalidParameter", "agentPoolProfile.mode",
                          "The value of parameter agentPoolProfile.mode is invalid: '%s'.", mode);
    *windows = strcasecmp(os, "Windows") == 0;
    pool->system = mode ? strcasecmp(mode, "System") == 0 : i == 0; /* the first pool is the system pool */
    if (*windows && pool->system)
        return aks_refuse(c->rs, "SystemPoolMustBeLinux", "agentPoolProfile.osType",
                          "System pool %s must use the Linux OS type.", pool->name);
    if (*windows && c->kubenet)
        return aks_refuse(c->rs, "AzureCNIOnlyForWindows", "agentPoolProfile.osType",
                          "Windows agent pool %s requires network plugin azure: kubenet supports Linux nodes only.",
                          pool->name);
    mock_json_set_str(p, "osType", *windows ? "Windows" : "Linux");
    mock_json_set_str(p, "mode", pool->system ? "System" : "User");
    return true;
}

/* One agent pool profile: read, checked and completed in place. */
static bool read_pool(struct aks_ctx *c, size_t i, cJSON *p)
{
    struct aks_pool *pool = &c->pools[i];
    char path[64];
    bool windows = false;
    snprintf(path, sizeof(path), "properties.agentPoolProfiles[%zu]", i);
    if (!cJSON_IsObject(p))
        return aks_bad_type(c->rs, path, "an object");
    if (!aks_get_str(p, "name", path, NULL, &pool->name, c->rs) ||
        !aks_get_str(p, "vnetSubnetID", path, NULL, &pool->subnet_id, c->rs))
        return false;
    if (!pool->name)
        return aks_refuse(c->rs, "InvalidParameter", "agentPoolProfile.name",
                          "The value of parameter agentPoolProfile.name is invalid. Error details: every agent pool "
                          "needs a name.");
    for (size_t k = 0; k < i; k++)
        if (strcmp(c->pools[k].name, pool->name) == 0)
            return aks_refuse(c->rs, "InvalidParameter", "agentPoolProfile.name",
                              "The value of parameter agentPoolProfile.name is invalid. Error details: agent pool name "
                              "%s is used twice.", pool->name);
    if (!read_os_mode(c, p, path, i, pool, &windows) || !check_pool_name(c, pool->name, windows) ||
        !read_counts(c, p, path, pool) || !read_max_pods(c, p, path, pool) || !read_surge(c, p, path, pool))
        return false;
    complete_pool(c, p, windows);
    return true;
}

/* agentPoolProfiles: at least one system pool, all on custom subnets or none. */
bool aks_read_pools(struct aks_ctx *c)
{
    cJSON *list = cJSON_GetObjectItemCaseSensitive(c->props, "agentPoolProfiles");
    const cJSON *old_props = c->old ? aks_props_of(c->old->body) : NULL;
    const cJSON *was = cJSON_GetObjectItemCaseSensitive(old_props, "agentPoolProfiles");
    if (list && !cJSON_IsArray(list))
        return aks_bad_type(c->rs, "properties.agentPoolProfiles", "an array");
    if (!list && was)
        cJSON_AddItemToObject(c->props, "agentPoolProfiles", list = cJSON_Duplicate(was, 1));
    size_t n = list ? (size_t)cJSON_GetArraySize(list) : 0, systems = 0, custom = 0;
    if (n > AKS_MAX_POOLS)
        return aks_refuse(c->rs, "MaxAgentPoolCountReached", "agentPoolProfiles",
                          "A cluster can have at most %d agent pools.", AKS_MAX_POOLS);
    cJSON *p;
    c->npools = 0;
    cJSON_ArrayForEach(p, list) {
        if (!read_pool(c, c->npools, p))
            return false;
        systems += c->pools[c->npools].system;
        custom += c->pools[c->npools].subnet_id != NULL;
        c->npools++;
    }
    if (systems == 0)
        return aks_refuse(c->rs, "MustDefineAtLeastOneSystemPool", "agentPoolProfiles",
                          "Must define at least one system pool.");
    if (custom != 0 && custom != n)
        return aks_refuse(c->rs, "InvalidParameter", "agentPoolProfile.vnetSubnetID",
                          "The value of parameter agentPoolProfile.vnetSubnetID is invalid. Error details: either "
                          "every agent pool names a custom subnet or none does.");
    return true;
}

/* Kubenet's limits on the whole cluster: 400 nodes (one route each), a /24 of the pod range per node. */
bool aks_check_totals(struct aks_ctx *c)
{
    long nodes = 0;
    for (size_t i = 0; i < c->npools; i++)
        nodes += c->pools[i].nodes;
    if (c->kubenet && nodes > KUBENET_MAX_NODES) {
        aks_refuse(c->rs, "ValidationError", "agentPoolProfile.count",
                   "Cluster's upper limit node count is %ld which exceeds the limit for Kubenet %d. If Autoscaler is "
                   "enabled, the max-count from each nodepool is counted towards this total. "
                   "https://aka.ms/aks/kubenet-networking-overview", nodes, KUBENET_MAX_NODES);
        cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(c->rs->json, "error"), "subcode",
                                "KubenetNodeCountTotalExceedsLimit");
        return false;
    }
    uint64_t need = (uint64_t)nodes << (32 - POD_RANGE_BITS);
    char pod[AKSNET_CIDR_STRLEN];
    if (c->kubenet && (c->pod.len > POD_RANGE_BITS || need > aksnet__cidr_size(&c->pod)))
        return aks_refuse(c->rs, "InsufficientPodCidr", "agentPoolProfile.count",
                          "Pre-allocated IPs %llu exceeds IPs available %llu in Pod Cidr %s", (unsigned long long)need,
                          (unsigned long long)aksnet__cidr_size(&c->pod), aksnet__cidr_format(&c->pod, pod));
    return true;
}
