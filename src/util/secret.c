/*
 * secret.c - secrets in memory and on disk: wiped before their memory goes
 * back, and read only from files nobody else may read.
 *
 * Used by the credentials (certificate, federated token, the Azure CLI's
 * answer) and by aksnet-mock (its @FILE values), so that one rule decides
 * what a safe secret file is.
 */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <openssl/crypto.h>

#define SECRET_FILE_MAX (1024 * 1024)

/* Tokens, secrets and the buffers around them are wiped before the memory goes back. */
void aksnet__secret_free(char *token)
{
    if (!token)
        return;
    OPENSSL_cleanse(token, strlen(token));
    free(token);
}

/* The real check: a Kubernetes secret or projected volume is a read-only mount. */
static bool fs_readonly(int fd)
{
    struct statvfs vfs;
    return fstatvfs(fd, &vfs) == 0 && (vfs.f_flag & ST_RDONLY);
}

/*
 * Whether the open file may hold a secret: a regular file nobody else can
 * write, not larger than max, and for a PRIVATE secret nobody else can
 * read unless the filesystem is read-only.
 */
static aksnet_code judge(int fd, aksnet__secret_kind kind, aksnet__secret_readonly_fn readonly, const char *path,
                         const char *what, size_t max, struct aksnet_error *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return aksnet_error_set(err, AKSNET_EAUTH, "%s '%.200s': cannot stat: %s", what, path, strerror(errno));
    unsigned mode = (unsigned)(st.st_mode & 0777);
    if (!S_ISREG(st.st_mode))
        return aksnet_error_set(err, AKSNET_EAUTH, "%s '%.200s' is not a regular file", what, path);
    if (mode & 022)
        return aksnet_error_set(err, AKSNET_EAUTH,
                                "%s '%.200s': group or others may write it (mode 0%03o), so anyone could swap the "
                                "credential; chmod go-w it",
                                what, path, mode);
    if (kind == AKSNET__SECRET_PRIVATE && (mode & 044) && !readonly(fd))
        return aksnet_error_set(err, AKSNET_EAUTH,
                                "%s '%.200s': readable by group or others (mode 0%03o) on a writable filesystem; "
                                "chmod 600 it, or mount it read-only (as a Kubernetes secret volume is)",
                                what, path, mode);
    if ((unsigned long long)st.st_size > max)
        return aksnet_error_set(err, AKSNET_EAUTH, "%s '%.200s' is larger than %zu bytes", what, path, max);
    return AKSNET_OK;
}

aksnet_code aksnet__secret_read_file(const char *path, const char *what, size_t max, char **out, size_t *len,
                                     struct aksnet_error *err)
{
    return aksnet__secret_read_file_as(AKSNET__SECRET_PRIVATE, NULL, path, what, max, out, len, err);
}

/*
 * Symlinks are followed (Kubernetes projects tokens through two of them);
 * the file finally opened is what fstat judges, so nothing can be swapped
 * between the check and the read.  O_NONBLOCK keeps a FIFO from hanging
 * the open; it does nothing to a regular file.
 */
aksnet_code aksnet__secret_read_file_as(aksnet__secret_kind kind, aksnet__secret_readonly_fn readonly,
                                        const char *path, const char *what, size_t max, char **out, size_t *len,
                                        struct aksnet_error *err)
{
    *out = NULL;
    if (len)
        *len = 0;
    if (!what)
        what = "secret file";
    if (!max)
        max = SECRET_FILE_MAX;
    if (!path || !*path)
        return aksnet_error_set(err, AKSNET_EAUTH, "%s: no file name", what);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return aksnet_error_set(err, AKSNET_EAUTH, "%s '%.200s': cannot open: %s", what, path, strerror(errno));
    aksnet_code rc = judge(fd, kind, readonly ? readonly : fs_readonly, path, what, max, err);
    char *buf = rc == AKSNET_OK ? malloc(max + 1) : NULL;
    if (rc == AKSNET_OK && !buf)
        rc = aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    size_t n = 0;
    while (rc == AKSNET_OK) {
        ssize_t got = read(fd, buf + n, max + 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            rc = aksnet_error_set(err, AKSNET_EAUTH, "%s '%.200s': cannot read: %s", what, path, strerror(errno));
        else if (got == 0)
            break;
        else if ((n += (size_t)got) > max)
            rc = aksnet_error_set(err, AKSNET_EAUTH, "%s '%.200s' is larger than %zu bytes", what, path, max);
    }
    close(fd);
    if (rc != AKSNET_OK) {
        if (buf) {
            OPENSSL_cleanse(buf, max + 1);
            free(buf);
        }
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    if (len)
        *len = n;
    return AKSNET_OK;
}

