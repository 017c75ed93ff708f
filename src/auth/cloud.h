/*
 * cloud.h - which Azure: the authority (Entra ID), the ARM endpoint
 * and the token scope of each national cloud, with the overrides tests and
 * private endpoints need (--arm-endpoint, --authority-host,
 * AZURE_AUTHORITY_HOST).
 */
#ifndef AKSNET_CLOUD_H
#define AKSNET_CLOUD_H

#include "aksnet/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A cloud as Azure publishes it. */
struct aksnet__cloud {
    const char *name;             /**< "AzureCloud", "AzureChinaCloud", "AzureUSGovernment" */
    const char *authority_host;   /**< "https://login.microsoftonline.com" */
    const char *arm_endpoint;     /**< "https://management.azure.com" */
};

/** The cloud called name (case-insensitive), or NULL. */
const struct aksnet__cloud *aksnet__cloud_find(const char *name);

#define AKSNET_URL_MAX 512

/** The endpoints a run uses, after overrides; no trailing slash. */
struct aksnet__endpoints {
    char cloud[32];
    char authority_host[AKSNET_URL_MAX];
    char arm_endpoint[AKSNET_URL_MAX];
    char scope[AKSNET_URL_MAX + 16];  /**< "<arm endpoint>/.default" */
};

/**
 * Resolve the endpoints of cloud_name.  arm_override (--arm-endpoint),
 * authority_flag (--authority-host) and authority_env (AZURE_AUTHORITY_HOST)
 * may be NULL; the flag wins over the environment.  Every URL must pass
 * aksnet__http_check_url (https, or http to loopback only).
 */
aksnet_code aksnet__cloud_endpoints(const char *cloud_name, const char *arm_override, const char *authority_flag,
                                    const char *authority_env, struct aksnet__endpoints *out, struct aksnet_error *err);

#ifdef __cplusplus
}
#endif
#endif
