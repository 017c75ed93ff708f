/*
 * arm_network.h - what other parts of the mock may ask of Microsoft.Network
 * (arm_network.c): whether a subnet is in use, a subnet by its id, and a
 * new etag after a write from outside.
 * Subnets live inside their VNet's body (no store entries of their own),
 * so these are the one way to reach them from outside.
 */
#ifndef ARMMOCK_ARM_NETWORK_H
#define ARMMOCK_ARM_NETWORK_H

#include <stdbool.h>

#include "mock.h"

/*
 * True when something in the store uses the subnet: a managed cluster
 * whose agentPoolProfiles[].vnetSubnetID (or podSubnetID) names it, or an
 * agent pool whose properties.vnetSubnetID does.  Ids compare
 * case-insensitively.  Call with m->lock held (as every handler is).
 */
bool mock_network_subnet_in_use(struct armmock *m, const char *subnet_id);

/*
 * The subnet object {"id","name","type","etag","properties"} inside its
 * VNet's stored body, or NULL when the VNet or the subnet does not exist.
 * *vnet (may be NULL) receives the VNet's store entry.  The object belongs
 * to the VNet's body: read it, do not free it.
 */
cJSON *mock_network_subnet(struct armmock *m, const char *subnet_id, struct mock_resource **vnet);

/*
 * Give a VNet or a route table (its body and every subnet or route in it)
 * a new etag, as the RP does on every change: for code outside this file
 * that writes into those bodies (AKS adding its routes to a route table).
 */
void mock_network_new_etag(struct mock_resource *r);

#endif
