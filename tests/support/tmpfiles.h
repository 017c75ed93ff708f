/*
 * tmpfiles.h - the files tests touch: a temporary directory per test (or
 * per group) that is removed with whatever was left in it, whole files
 * written with a mode and read back, and paths in the source tree
 * (AKSNET_SRCDIR, "." by default) for the examples and scripts.
 */
#ifndef AKSNET_TEST_TMPFILES_H
#define AKSNET_TEST_TMPFILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define MT_PATH_MAX 512

struct mt_tmpdir {
    char path[MT_PATH_MAX - 64];    /* leaves room for a file name under it */
};

/* mkdtemp $TMPDIR/aksnet-TAG-XXXXXX (/tmp without TMPDIR); false on failure. */
bool mt_tmpdir_make(struct mt_tmpdir *d, const char *tag);

/* d->path/name into out (MT_PATH_MAX is enough); returns out, or NULL when it does not fit. */
const char *mt_tmpdir_file(const struct mt_tmpdir *d, const char *name, char *out, size_t len);

/*
 * Remove d with the files in it and the (empty) directories in it; false
 * when the directory itself could not be removed (not on an empty d).
 */
bool mt_tmpdir_remove(struct mt_tmpdir *d);

/* Write data[0..len) to path, replacing what is there; chmod to mode unless mode is 0.  False on failure. */
bool mt_write_file(const char *path, const void *data, size_t len, mode_t mode);

/* The same for a string. */
bool mt_write_text(const char *path, const char *text, mode_t mode);

/* The whole file, NUL-terminated (its length into *len unless len is NULL); NULL when unreadable. */
char *mt_read_file(const char *path, size_t *len);

/* The same, failing the test when path cannot be read. */
char *mt_slurp(const char *path, size_t *len);

/* The source tree: AKSNET_SRCDIR, or "." when unset or empty. */
const char *mt_srcdir(void);

/* mt_srcdir()/rel into out; returns out, or NULL when it does not fit. */
const char *mt_source_path(const char *rel, char *out, size_t len);

#endif
