/* arm_network.c - placeholder: virtual networks, subnets, route tables and routes (being written). */
#include "mock.h"

static const char *const network_versions[] = {"2024-05-01", NULL};

static void not_yet(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                    struct mock_response *rs)
{
    (void)m;
    (void)rq;
    (void)t;
    mock_reply_error(rs, 501, "NotImplemented", "Not served yet by aksnet-mock.");
}

const struct mock_type mock_type_vnet = {.provider = "Microsoft.Network", .type = "virtualNetworks",
    .arm_type = "Microsoft.Network/virtualNetworks", .api_versions = network_versions, .handle = not_yet};
const struct mock_type mock_type_subnet = {.provider = "Microsoft.Network", .type = "virtualNetworks",
    .child_type = "subnets", .arm_type = "Microsoft.Network/virtualNetworks/subnets",
    .api_versions = network_versions, .handle = not_yet};
const struct mock_type mock_type_route_table = {.provider = "Microsoft.Network", .type = "routeTables",
    .arm_type = "Microsoft.Network/routeTables", .api_versions = network_versions, .handle = not_yet};
const struct mock_type mock_type_route = {.provider = "Microsoft.Network", .type = "routeTables",
    .child_type = "routes", .arm_type = "Microsoft.Network/routeTables/routes",
    .api_versions = network_versions, .handle = not_yet};
