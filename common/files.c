#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/files.h"

int file_read_all(const char *path, char **data_out, size_t *len_out, struct err *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    struct buf b;
    buf_init(&b);
    buf_reserve(&b, 4096);
    for (;;) {
        buf_reserve(&b, 65536);
        ssize_t n = read(fd, b.data + b.len, b.cap - b.len - 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int rc = err_set(e, ERR_IO, "cannot read '%s': %s", path, strerror(errno));
            close(fd);
            buf_release(&b);
            return rc;
        }
        if (n == 0)
            break;
        b.len += (size_t)n;
    }
    close(fd);
    b.data[b.len] = '\0';
    if (len_out)
        *len_out = b.len;
    *data_out = buf_detach(&b);
    return 0;
}

int file_atomic_open(const char *path, struct file_atomic *f, struct err *e)
{
    f->fd = -1;
    f->path = xstrdup(path);
    f->tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    /* A new file, never one found there: a link planted under the temporary name is not followed
     * (O_EXCL), and the rename on commit replaces a link at path rather than writing through it. */
    unlink(f->tmp);
    f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (f->fd < 0) {
        int rc = err_set(e, ERR_IO, "cannot create '%s': %s", f->tmp, strerror(errno));
        file_atomic_abort(f);
        return rc;
    }
    return 0;
}

int file_atomic_write(struct file_atomic *f, const void *data, size_t len, struct err *e)
{
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t n = write(f->fd, p, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int rc = err_set(e, ERR_IO, "cannot write '%s': %s", f->tmp, strerror(errno));
            file_atomic_abort(f);
            return rc;
        }
        p += n;
        left -= (size_t)n;
    }
    return 0;
}

int file_atomic_commit(struct file_atomic *f, struct err *e)
{
    int rc = 0;
    if (fsync(f->fd) != 0 || close(f->fd) != 0) {
        f->fd = -1;
        rc = err_set(e, ERR_IO, "cannot write '%s': %s", f->tmp, strerror(errno));
    } else {
        f->fd = -1;
        if (rename(f->tmp, f->path) != 0)
            rc = err_set(e, ERR_IO, "cannot rename '%s' to '%s': %s", f->tmp, f->path, strerror(errno));
        else {
            free(f->tmp);
            f->tmp = NULL; /* nothing left to remove */
        }
    }
    file_atomic_abort(f);
    return rc;
}

void file_atomic_abort(struct file_atomic *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    if (f->tmp)
        unlink(f->tmp);
    free(f->tmp);
    free(f->path);
    f->tmp = NULL;
    f->path = NULL;
}

int file_write_atomic(const char *path, const void *data, size_t len, struct err *e)
{
    struct file_atomic f;
    int rc = file_atomic_open(path, &f, e);
    if (rc == 0)
        rc = file_atomic_write(&f, data, len, e);
    if (rc == 0)
        rc = file_atomic_commit(&f, e);
    return rc;
}

int file_mkdir_p(const char *path, unsigned mode, struct err *e)
{
    char *p = xstrdup(path);
    int rc = 0;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char saved = *s;
            *s = '\0';
            if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) {
                rc = err_set(e, ERR_IO, "cannot create folder '%s': %s", p, strerror(errno));
                break;
            }
            *s = saved;
            if (saved == '\0')
                break;
        }
    }
    free(p);
    return rc;
}

/* Says where the link at path points, for the message about it. */
static int link_refused(const char *path, struct err *e)
{
    char to[4096];
    ssize_t n = readlink(path, to, sizeof to - 1);
    to[n < 0 ? 0 : n] = '\0';
    return err_set(e, ERR_IO, "'%s' is a symbolic link (to '%s'), expected a folder: not followed", path,
                   n < 0 ? "?" : to);
}

int file_mkdir_beneath(const char *root, const char *rel, unsigned mode, struct err *e)
{
    char *parts = xstrdup(rel);
    char *done = xstrdup(root);
    int rc = 0;
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        rc = err_set(e, ERR_IO, "cannot open folder '%s': %s", root, strerror(errno));
        goto out;
    }
    char *save = NULL;
    for (char *name = strtok_r(parts, "/", &save); name; name = strtok_r(NULL, "/", &save)) {
        char *next = xasprintf("%s/%s", done, name);
        free(done);
        done = next;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
            rc = err_set(e, ERR_INTERNAL, "folder '%s': '%s' may not climb out of '%s'", done, name, root);
            goto out;
        }
        if (mkdirat(fd, name, (mode_t)mode) != 0 && errno != EEXIST) {
            rc = err_set(e, ERR_IO, "cannot create folder '%s': %s", done, strerror(errno));
            goto out;
        }
        int sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) {
            struct stat st;
            if ((errno == ELOOP || errno == ENOTDIR) && fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                S_ISLNK(st.st_mode))
                rc = link_refused(done, e);
            else
                rc = err_set(e, ERR_IO, "cannot open folder '%s': %s", done, strerror(errno));
            goto out;
        }
        close(fd);
        fd = sub;
    }
out:
    if (fd >= 0)
        close(fd);
    free(done);
    free(parts);
    return rc;
}

int file_remove_tree(const char *path, struct err *e)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : err_set(e, ERR_IO, "cannot stat '%s': %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (!d)
            return err_set(e, ERR_IO, "cannot open folder '%s': %s", path, strerror(errno));
        struct dirent *ent;
        int rc = 0;
        while ((ent = readdir(d)) != NULL) {
            if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
                continue;
            char *child = xasprintf("%s/%s", path, ent->d_name);
            rc = file_remove_tree(child, e);
            free(child);
            if (rc)
                break;
        }
        closedir(d);
        if (rc)
            return rc;
        if (rmdir(path) != 0)
            return err_set(e, ERR_IO, "cannot remove folder '%s': %s", path, strerror(errno));
        return 0;
    }
    if (unlink(path) != 0)
        return err_set(e, ERR_IO, "cannot remove '%s': %s", path, strerror(errno));
    return 0;
}

int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}
