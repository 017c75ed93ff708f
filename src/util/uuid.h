/*
 * uuid.h - random UUIDs (version 4) from OpenSSL's generator: the
 * x-ms-client-request-id of every request, a JWT's jti, the mock's ids.
 */
#ifndef AKSNET_UUID_H
#define AKSNET_UUID_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Write a random UUID v4 ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx") and its NUL; false if RAND_bytes failed. */
bool aksnet__uuid4(char out[37]);

#ifdef __cplusplus
}
#endif
#endif
