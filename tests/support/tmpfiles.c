/*
 * tmpfiles.c - temporary directories, whole files, source paths (see
 * tmpfiles.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "tmpfiles.h"

/* Every test's files in a directory of its own: runs in parallel never meet. */
bool mt_tmpdir_make(struct mt_tmpdir *d, const char *tag)
{
    const char *tmp = getenv("TMPDIR");
    memset(d, 0, sizeof(*d));
    int n = snprintf(d->path, sizeof(d->path), "%s/aksnet-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", tag);
    if (n <= 0 || (size_t)n >= sizeof(d->path) || !mkdtemp(d->path)) {
        d->path[0] = '\0';
        return false;
    }
    return true;
}

/* Paths are built in one place, with the check that they fit. */
const char *mt_tmpdir_file(const struct mt_tmpdir *d, const char *name, char *out, size_t len)
{
    int n = snprintf(out, len, "%s/%s", d->path, name);
    return n > 0 && (size_t)n < len ? out : NULL;
}

/* Whatever a test left (the mock's state.json.tmp, a FIFO, a directory it made) goes too. */
bool mt_tmpdir_remove(struct mt_tmpdir *d)
{
    if (!d->path[0])
        return true;
    DIR *dir = opendir(d->path);
    struct dirent *e;
    while (dir && (e = readdir(dir))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[MT_PATH_MAX];
        if (!mt_tmpdir_file(d, e->d_name, path, sizeof(path)))
            continue;
        if (unlink(path) != 0)
            rmdir(path);
    }
    if (dir)
        closedir(dir);
    bool ok = rmdir(d->path) == 0;
    d->path[0] = '\0';
    return ok;
}

/*
 * Replacing (not writing through) what is there: a test that changes a
 * file's mode writes it again, and a link left at the path is not followed.
 */
bool mt_write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    unlink(path);
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = fwrite(data, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    return ok && (mode == 0 || chmod(path, mode) == 0);
}

/* Most files the tests write are text: plans, tokens, secrets. */
bool mt_write_text(const char *path, const char *text, mode_t mode)
{
    return mt_write_file(path, text, strlen(text), mode);
}

/* Journals, state files and outputs are compared whole. */
char *mt_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *data = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 65536 + 1 > cap) {
            size_t more = cap ? cap * 2 : 65536 + 1;
            char *p = realloc(data, more);
            if (!p) {
                free(data);
                fclose(f);
                return NULL;
            }
            data = p;
            cap = more;
        }
        size_t got = fread(data + n, 1, 65536, f);
        n += got;
        if (got < 65536)
            break;
    }
    bool ok = !ferror(f);
    fclose(f);
    if (!ok) {
        free(data);
        return NULL;
    }
    data[n] = '\0';
    if (len)
        *len = n;
    return data;
}

/* A file the test itself made (or the program under test must have made) is there, or the test fails. */
char *mt_slurp(const char *path, size_t *len)
{
    char *data = mt_read_file(path, len);
    if (!data)
        fail_msg("cannot read %s", path);
    return data;
}

/* The tests run from the repository root or from anywhere with AKSNET_SRCDIR set. */
const char *mt_srcdir(void)
{
    const char *d = getenv("AKSNET_SRCDIR");
    return d && *d ? d : ".";
}

/* examples/, scripts/ and the specs are found the same way by every test. */
const char *mt_source_path(const char *rel, char *out, size_t len)
{
    int n = snprintf(out, len, "%s/%s", mt_srcdir(), rel);
    return n > 0 && (size_t)n < len ? out : NULL;
}
