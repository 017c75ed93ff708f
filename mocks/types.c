/*
 * types.c - the table of resource types the mock serves, so that paths,
 * the state file and the list calls all find a type the same way.
 *
 * Depends on: arm_aks.c, arm_authz.c, arm_identity.c, arm_network.c,
 * arm_resources.c.  Data only: the type tables it lists; it calls nothing of
 * theirs.
 */
#include <stddef.h>
#include <strings.h>

#include "mock.h"

static const struct mock_type *const types[] = {
    &mock_type_resource_group, &mock_type_vnet, &mock_type_subnet, &mock_type_route_table,
    &mock_type_route, &mock_type_identity, &mock_type_role_assignment, &mock_type_cluster, &mock_type_vnet_peering,
};

/* ARM matches provider and type names case-insensitively. */
const struct mock_type *mock_find_type(const char *provider, const char *type, const char *child_type)
{
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        const struct mock_type *t = types[i];
        if (strcasecmp(t->provider, provider) != 0 || strcasecmp(t->type, type) != 0)
            continue;
        if (!child_type && !t->child_type)
            return t;
        if (child_type && t->child_type && strcasecmp(t->child_type, child_type) == 0)
            return t;
    }
    return NULL;
}

/* The providers' listing walks the table without knowing its size. */
const struct mock_type *mock_type_at(size_t i)
{
    return i < sizeof(types) / sizeof(types[0]) ? types[i] : NULL;
}
