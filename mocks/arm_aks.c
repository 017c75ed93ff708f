/* arm_aks.c - placeholder: managed clusters (being written). */
#include "mock.h"

static const char *const aks_versions[] = {"2024-09-01", NULL};

static void not_yet(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                    struct mock_response *rs)
{
    (void)m;
    (void)rq;
    (void)t;
    mock_reply_error(rs, 501, "NotImplemented", "Not served yet by aksnet-mock.");
}

const struct mock_type mock_type_cluster = {.provider = "Microsoft.ContainerService", .type = "managedClusters",
    .arm_type = "Microsoft.ContainerService/managedClusters", .api_versions = aks_versions, .handle = not_yet};
