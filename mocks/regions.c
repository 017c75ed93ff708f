/*
 * regions.c - the regions of Azure's public and national clouds, so that a
 * tracked resource is created only where ARM would create it, locations are
 * compared as ARM compares them, and the providers list them.
 *
 * The table: the names and display names of Azure.Core's AzureLocation
 * (Azure/azure-sdk-for-net, sdk/core/Azure.Core/src/AzureLocation.cs: the
 * public cloud, AzureChinaCloud's china*, AzureUSGovernment's usgov* and
 * usdod*), without the regions retired since (germanycentral and
 * germanynortheast of the closed Azure Germany cloud, usgoviowa), plus
 * jioindiawest and jioindiacentral, which `az account list-locations` lists
 * and ARM's own region lists quote (cloud-barista/cb-spider#527).  The mock
 * serves every cloud at once, so a location of any of them is accepted.
 *
 * Depends on: util.c (mock_reply_error()).
 */
#include <string.h>
#include <strings.h>

#include "mock.h"

struct region {
    const char *name;     /* as ARM writes it in ids and URLs */
    const char *display;  /* as the providers list it */
};

static const struct region regions[] = {
    {"eastasia", "East Asia"},
    {"southeastasia", "Southeast Asia"},
    {"centralus", "Central US"},
    {"eastus", "East US"},
    {"eastus2", "East US 2"},
    {"westus", "West US"},
    {"westus2", "West US 2"},
    {"westus3", "West US 3"},
    {"northcentralus", "North Central US"},
    {"southcentralus", "South Central US"},
    {"westcentralus", "West Central US"},
    {"northeurope", "North Europe"},
    {"westeurope", "West Europe"},
    {"japanwest", "Japan West"},
    {"japaneast", "Japan East"},
    {"brazilsouth", "Brazil South"},
    {"brazilsoutheast", "Brazil Southeast"},
    {"australiaeast", "Australia East"},
    {"australiasoutheast", "Australia Southeast"},
    {"australiacentral", "Australia Central"},
    {"australiacentral2", "Australia Central 2"},
    {"southindia", "South India"},
    {"centralindia", "Central India"},
    {"westindia", "West India"},
    {"jioindiawest", "Jio India West"},
    {"jioindiacentral", "Jio India Central"},
    {"canadacentral", "Canada Central"},
    {"canadaeast", "Canada East"},
    {"uksouth", "UK South"},
    {"ukwest", "UK West"},
    {"koreacentral", "Korea Central"},
    {"koreasouth", "Korea South"},
    {"francecentral", "France Central"},
    {"francesouth", "France South"},
    {"uaecentral", "UAE Central"},
    {"uaenorth", "UAE North"},
    {"southafricanorth", "South Africa North"},
    {"southafricawest", "South Africa West"},
    {"swedencentral", "Sweden Central"},
    {"swedensouth", "Sweden South"},
    {"switzerlandnorth", "Switzerland North"},
    {"switzerlandwest", "Switzerland West"},
    {"germanynorth", "Germany North"},
    {"germanywestcentral", "Germany West Central"},
    {"norwaywest", "Norway West"},
    {"norwayeast", "Norway East"},
    {"qatarcentral", "Qatar Central"},
    {"israelcentral", "Israel Central"},
    {"italynorth", "Italy North"},
    {"polandcentral", "Poland Central"},
    {"mexicocentral", "Mexico Central"},
    {"spaincentral", "Spain Central"},
    {"chinanorth", "China North"},
    {"chinaeast", "China East"},
    {"chinanorth2", "China North 2"},
    {"chinanorth3", "China North 3"},
    {"chinaeast2", "China East 2"},
    {"chinaeast3", "China East 3"},
    {"usdodcentral", "US DoD Central"},
    {"usdodeast", "US DoD East"},
    {"usgovarizona", "US Gov Arizona"},
    {"usgovtexas", "US Gov Texas"},
    {"usgovvirginia", "US Gov Virginia"},
};

#define REGION_COUNT (sizeof(regions) / sizeof(regions[0]))

/*
 * ARM takes a name or a display name in any case ("East US", "EastUS",
 * "eastus"): AzureLocation's own reading drops the spaces and lowers the
 * case, and so does this comparison.
 */
bool mock_location_same(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    for (;;) {
        while (*a == ' ')
            a++;
        while (*b == ' ')
            b++;
        if (!*a || !*b)
            return !*a && !*b;
        if (strncasecmp(a, b, 1) != 0)
            return false;
        a++;
        b++;
    }
}

/* The region a location names, or NULL when no cloud has it. */
static const struct region *find(const char *location)
{
    for (size_t i = 0; location && i < REGION_COUNT; i++)
        if (mock_location_same(location, regions[i].name))
            return &regions[i];
    return NULL;
}

/*
 * A tracked resource's location must be a region of the cloud.  ARM's
 * answers, quoted in Azure/azure-rest-api-specs#8577 and Azure/pcs-cli#522
 * (a resource type) and in cloud-barista/cb-spider#527 and
 * microsoft/vscode-azureresourcegroups#33 (a resource group):
 *   400 LocationNotAvailableForResourceType "The provided location 'x' is not
 *   available for resource type 'Microsoft.Network/virtualNetworks'. List of
 *   available regions for the resource type is 'a,b,...'."
 *   400 LocationNotAvailableForResourceGroup "The provided location 'x' is not
 *   available for resource group. List of available regions is 'a,b,...'."
 * arm_type is NULL for a resource group.
 */
bool mock_check_location(const char *location, const char *arm_type, struct mock_response *rs)
{
    if (find(location))
        return true;
    char list[2048] = "";
    size_t used = 0;
    for (size_t i = 0; i < REGION_COUNT && used + 32 < sizeof(list); i++)
        used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i ? "," : "", regions[i].name);
    if (!arm_type)
        mock_reply_error(rs, 400, "LocationNotAvailableForResourceGroup",
                         "The provided location '%s' is not available for resource group. List of available "
                         "regions is '%s'.", location, list);
    else
        mock_reply_error(rs, 400, "LocationNotAvailableForResourceType",
                         "The provided location '%s' is not available for resource type '%s'. List of available "
                         "regions for the resource type is '%s'.", location, arm_type, list);
    return false;
}

/* A provider's resourceTypes[].locations: display names, as GET /providers/{ns} lists them. */
cJSON *mock_region_display_names(void)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; list && i < REGION_COUNT; i++)
        cJSON_AddItemToArray(list, cJSON_CreateString(regions[i].display));
    return list;
}
