/*
 * arm_identity.c - Microsoft.ManagedIdentity/userAssignedIdentities.
 * Created synchronously; each gets a principalId, clientId and tenantId on
 * creation that updates keep.  The principal is "replicated" to the
 * directory --principal-delay seconds after creation (arm_authz.c asks).
 *
 * Depends on: token.c (mock_caller_tenant()), tracked.c
 * (mock_tracked_handle()), util.c.
 */
#include <string.h>

#include "mock.h"

static const char *const identity_versions[] = {
    "2015-08-31-preview", "2018-11-30", "2021-09-30-preview", "2022-01-31-preview", "2023-01-31",
    "2023-07-31-preview", "2024-11-30", "2025-01-31-preview", NULL};

/* An identity's principal, client and tenant are made once and kept across updates, as Entra ID keeps them. */
static bool prepare(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                    const struct mock_resource *old, cJSON *body, struct mock_response *rs)
{
    (void)m;
    (void)t;
    (void)rs;
    cJSON *props = mock_json_obj(body, "properties");
    const cJSON *old_props = old ? cJSON_GetObjectItemCaseSensitive(old->body, "properties") : NULL;
    static const char *const keys[] = {"principalId", "clientId", "tenantId"};
    char tenant[64];
    mock_caller_tenant(rq, tenant);
    for (size_t i = 0; i < 3; i++) {
        const char *kept = mock_json_str(old_props, keys[i]);
        char fresh[37];
        mock_uuid(fresh);
        mock_json_set_str(props, keys[i], kept ? kept : (i == 2 ? tenant : fresh));
    }
    return true;
}

/*
 * ARM's identity has no properties.provisioningState (it is created
 * synchronously); tracked.c stores one for every type, so answers drop it.
 */
static cJSON *present(struct armmock *m, const struct mock_resource *r, const char *api_version)
{
    (void)m;
    (void)api_version;
    cJSON *body = cJSON_Duplicate(r->body, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(body, "properties"), "provisioningState");
    return body;
}

static const struct mock_tracked_ops ops = {.lro = false, .prepare = prepare};

/* A user-assigned identity has nothing beyond the common tracked life and the ids prepare adds. */
static void handle(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                   struct mock_response *rs)
{
    mock_tracked_handle(m, rq, t, rs, &ops);
}

const struct mock_type mock_type_identity = {
    .provider = "Microsoft.ManagedIdentity", .type = "userAssignedIdentities",
    .arm_type = "Microsoft.ManagedIdentity/userAssignedIdentities", .api_versions = identity_versions,
    .handle = handle, .present = present,
};
