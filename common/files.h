/* Local files and folders. */
#ifndef HUIXIN_FILES_H
#define HUIXIN_FILES_H

#include <stddef.h>

struct err;

/* Reads a whole file into a new NUL-terminated buffer (caller frees); its length in *len_out if not NULL. */
int file_read_all(const char *path, char **data_out, size_t *len_out, struct err *e);
/* Writes data to path through a temporary file, fsync and rename, so a reader sees all or nothing. */
int file_write_atomic(const char *path, const void *data, size_t len, struct err *e);
/* The same written in pieces, for output too large to hold: open makes the temporary file beside
 * path, write appends, commit fsyncs and renames it to path, abort removes it. After a failed write
 * or commit the temporary file is gone; abort is then a no-op (as it is on a zeroed struct). */
struct file_atomic {
    int fd;     /* -1 when closed */
    char *tmp;
    char *path;
};
int file_atomic_open(const char *path, struct file_atomic *f, struct err *e);
int file_atomic_write(struct file_atomic *f, const void *data, size_t len, struct err *e);
int file_atomic_commit(struct file_atomic *f, struct err *e);
void file_atomic_abort(struct file_atomic *f);
/* mkdir -p with the given mode for the folders it creates. */
int file_mkdir_p(const char *path, unsigned mode, struct err *e);
/* mkdir -p of root/rel that never follows a symbolic link below root (root itself may be one): each
 * folder of rel is made, or must be a folder already, opened relative to its parent with O_NOFOLLOW.
 * A link on the way is refused (ERR_IO), naming it and where it points. */
int file_mkdir_beneath(const char *root, const char *rel, unsigned mode, struct err *e);
/* rm -rf; a missing path is not an error. */
int file_remove_tree(const char *path, struct err *e);
int file_exists(const char *path);

#endif
