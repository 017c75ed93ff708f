/* arm_authz.c - placeholder: role assignments and definitions (being written). */
#include "mock.h"

static const char *const authz_versions[] = {"2022-04-01", NULL};

const struct mock_type mock_type_role_assignment = {.provider = "Microsoft.Authorization",
    .type = "roleAssignments", .arm_type = "Microsoft.Authorization/roleAssignments",
    .api_versions = authz_versions};

void mock_arm_authz(struct armmock *m, const struct mock_request *rq, const char *scope, const char *type,
                    const char *name, struct mock_response *rs)
{
    (void)m;
    (void)rq;
    (void)scope;
    (void)type;
    (void)name;
    mock_reply_error(rs, 501, "NotImplemented", "Not served yet by aksnet-mock.");
}
