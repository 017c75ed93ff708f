/*
 * secret.h - secrets in memory and in files (internal).
 */
#ifndef AKSNET__SECRET_H
#define AKSNET__SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "aksnet/error.h"

/** Clear (OPENSSL_cleanse) and free a NUL-terminated secret.  NULL is allowed. */
void aksnet__secret_free(char *secret);

/** How strictly a secret file is judged (see aksnet__secret_read_file_as). */
typedef enum {
    /**
     * A long-lived secret (a private key, a client secret): refused when
     * group or others may read it, unless it lies on a read-only filesystem
     * (a Kubernetes secret volume is mounted read-only and shows its files
     * 0644; a loose 0644 key on a writable disk is what this refuses).
     */
    AKSNET__SECRET_PRIVATE = 0,
    /**
     * A short-lived, audience-bound assertion (a workload identity's
     * federated token, which Kubernetes projects 0644, 0640 with an
     * fsGroup): others may read it.
     */
    AKSNET__SECRET_ASSERTION
} aksnet__secret_kind;

/** Whether the open file fd lies on a read-only filesystem (fstatvfs's ST_RDONLY); a seam for tests. */
typedef bool (*aksnet__secret_readonly_fn)(int fd);

/**
 * Read a file that holds a secret.  Always refused: a file that is not
 * regular, or that group or others may write (whoever can write it can
 * swap the credential).  A PRIVATE secret is also refused when group or
 * others may read it on a writable filesystem, with a message that says
 * how to fix it.  *out is NUL-terminated; free with aksnet__secret_free.
 * Symlinks are followed (Kubernetes projects through ..data/) and the file
 * finally opened is judged; max 0 means 1 MiB; len may be NULL; what names
 * the file in messages.  Every failure is AKSNET_EAUTH (ENOMEM aside).
 * readonly NULL = fstatvfs.
 */
aksnet_code aksnet__secret_read_file_as(aksnet__secret_kind kind, aksnet__secret_readonly_fn readonly,
                                        const char *path, const char *what, size_t max, char **out, size_t *len,
                                        struct aksnet_error *err);

/** aksnet__secret_read_file_as for a PRIVATE secret, with the real filesystem check. */
aksnet_code aksnet__secret_read_file(const char *path, const char *what, size_t max, char **out, size_t *len,
                                     struct aksnet_error *err);

#endif
