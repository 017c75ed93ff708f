/*
 * arm_authz.h - what the rest of the mock asks of Microsoft.Authorization
 * (arm_authz.c): whether a principal holds a role at a scope, so that the
 * managed-cluster checks can refuse a cluster whose identity was never
 * granted rights on its subnet, as AKS does.
 */
#ifndef ARMMOCK_ARM_AUTHZ_H
#define ARMMOCK_ARM_AUTHZ_H

#include <stdbool.h>

struct armmock;

/*
 * True when principal_id holds a role assignment at scope_id or at a scope
 * above it (the resource group, the subscription, the VNet of a subnet,
 * the tenant root).  role_guid_or_null names the role by its GUID (or by a
 * full role definition id); NULL accepts any role.  Ids compare
 * case-insensitively.  Call with m->lock held (as every handler is).
 */
bool mock_authz_has_role(struct armmock *m, const char *principal_id, const char *scope_id,
                         const char *role_guid_or_null);

/*
 * True when principal_id holds, at scope_id or above, a role that may write
 * (any but a read-only built-in such as Reader): what AKS checks on a custom
 * subnet and route table before it creates a cluster.
 */
bool mock_authz_can_write(struct armmock *m, const char *principal_id, const char *scope_id);

#endif
