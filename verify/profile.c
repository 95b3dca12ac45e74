#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/base.h"
#include "common/clock.h"
#include "common/err.h"
#include "verify/profile.h"

char *profile_root_default(const char *store_path)
{
    const char *env = getenv("HUIXIN_PROFILES");
    if (env && *env)
        return xstrdup(env);
    return xasprintf("%s.profiles", store_path && *store_path ? store_path : "huixin.db");
}

int profile_dir_of(const char *root, const char *site_key, char **out, struct err *e)
{
    *out = NULL;
    bool is_plain = site_key && *site_key && site_key[0] != '.' && strlen(site_key) <= 200;
    for (const char *c = site_key; is_plain && *c; c++)
        is_plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '.' ||
                   *c == '_' || *c == '-';
    if (!is_plain)
        return err_set(e, ERR_USAGE, "site key '%s': a profile folder is named by the key, which must be letters, "
                       "digits, '.', '_' or '-' (not starting with '.')", site_key ? site_key : "");
    *out = xasprintf("%s/%s", root, site_key);
    return 0;
}

/* A folder that may hold a live login: ours alone, and really a folder. */
static int profile_dir_check(const char *dir, const char *what, mode_t refused_bits, struct err *e)
{
    struct stat st;
    if (lstat(dir, &st) != 0)
        return err_set(e, errno == ENOENT ? ERR_NOT_FOUND : ERR_IO, "%s '%s': %s", what, dir, strerror(errno));
    if (S_ISLNK(st.st_mode)) {
        char target[512];
        ssize_t n = readlink(dir, target, sizeof target - 1);
        target[n > 0 ? n : 0] = '\0';
        return err_set(e, ERR_INPUT, "%s '%s' is a symbolic link (to '%s'): refused; a login's cookies are kept only "
                       "in a real folder", what, dir, target);
    }
    if (!S_ISDIR(st.st_mode))
        return err_set(e, ERR_INPUT, "%s '%s' is not a folder", what, dir);
    if (st.st_uid != geteuid())
        return err_set(e, ERR_INPUT, "%s '%s' belongs to user id %d, not to this user (%d): refused", what, dir,
                       (int)st.st_uid, (int)geteuid());
    if (st.st_mode & refused_bits)
        return err_set(e, ERR_INPUT, "%s '%s' is mode %04o: it holds a login's cookies, so others may not %s it; "
                       "refused (chmod %s '%s')", what, dir, (unsigned)(st.st_mode & 07777),
                       refused_bits == 077 ? "read" : "change", refused_bits == 077 ? "700" : "go-w", dir);
    return 0;
}

static int profile_mkdir(const char *dir, struct err *e)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return err_set(e, ERR_IO, "cannot create the profile folder '%s': %s", dir, strerror(errno));
    return 0;
}

int profile_open(const char *root, const char *site_key, bool create, int wait_ms, struct profile *pr,
                 struct err *e)
{
    pr->dir = NULL;
    pr->lock_fd = -1;
    char *lock_path = NULL;
    int rc;
    if ((rc = profile_dir_of(root, site_key, &pr->dir, e)))
        goto out;
    if (create && ((rc = profile_mkdir(root, e)) || (rc = profile_mkdir(pr->dir, e))))
        goto out;
    /* the folder of profiles only names them, but nobody else may swap one for their own */
    if ((rc = profile_dir_check(root, "the profiles folder", 022, e)))
        goto out;
    if ((rc = profile_dir_check(pr->dir, "the profile folder", 077, e))) {
        if (rc == ERR_NOT_FOUND && e)
            err_init(e); /* said better here: nobody logged in */
        if (rc == ERR_NOT_FOUND)
            rc = err_set(e, ERR_NOT_FOUND, "no profile for site '%s' (nobody logged in: '%s' does not exist)", site_key,
                         pr->dir);
        goto out;
    }
    lock_path = xasprintf("%s/huixin.lock", pr->dir);
    pr->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (pr->lock_fd < 0) {
        rc = err_set(e, ERR_IO, "cannot open the profile's lock '%s': %s", lock_path, strerror(errno));
        goto out;
    }
    int64_t deadline = clock_mono_ms() + (wait_ms > 0 ? wait_ms : 0);
    while (flock(pr->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            rc = err_set(e, ERR_IO, "cannot lock '%s': %s", lock_path, strerror(errno));
            goto out;
        }
        if (clock_mono_ms() >= deadline) {
            rc = err_set(e, ERR_TIMEOUT, "the profile of site '%s' is in use by another huixin (a login, or a visit "
                         "of the site) and stayed so for %d s", site_key, wait_ms / 1000);
            goto out;
        }
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
out:
    free(lock_path);
    if (rc != 0)
        profile_close(pr);
    return rc;
}

void profile_close(struct profile *pr)
{
    if (pr->lock_fd >= 0)
        close(pr->lock_fd); /* the flock goes with it */
    pr->lock_fd = -1;
    free(pr->dir);
    pr->dir = NULL;
}
