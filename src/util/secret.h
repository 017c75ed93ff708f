/*
 * secret.h - secrets in memory and in files (internal).
 */
#ifndef AKSNET__SECRET_H
#define AKSNET__SECRET_H

#include <stddef.h>

#include "aksnet/error.h"

/** Clear (OPENSSL_cleanse) and free a NUL-terminated secret.  NULL is allowed. */
void aksnet__secret_free(char *secret);

/**
 * Read a file that holds a secret (certificate, federated token), refusing
 * it when group or others may read it or it is not a regular file.  *out is
 * NUL-terminated; free with aksnet__secret_free.  Symlinks are followed
 * and the file finally opened is judged; max 0 means 1 MiB; len may be
 * NULL; what names the file in messages.  Every failure is AKSNET_EAUTH
 * (ENOMEM aside).
 */
aksnet_code aksnet__secret_read_file(const char *path, const char *what, size_t max, char **out, size_t *len,
                                     struct aksnet_error *err);

#endif
