/* Site profiles: the persistent browser profile of a site behind a real-name login (统一身份认证).
 * A person logs in once (`huixin login`), the cookies stay in the site's profile folder, and every
 * later visit of that site runs in a browser started on that folder. The folder holds a live login,
 * so it is the operator's alone: mode 0700, owned by this user, never a symbolic link; a looser one is
 * refused, not fixed behind the operator's back. A profile is used by one browser at a time: a lock
 * (flock on PROFILE/huixin.lock) held from before the browser starts until after it has exited. */
#ifndef HUIXIN_PROFILE_H
#define HUIXIN_PROFILE_H

#include <stdbool.h>

struct err;

/* The folder of the site profiles: $HUIXIN_PROFILES, else beside the ledger (STORE.profiles).
 * Caller frees. */
char *profile_root_default(const char *store_path);

/* A site's profile, opened and locked. */
struct profile {
    char *dir;   /* ROOT/SITE-KEY */
    int lock_fd; /* -1 when not held */
};

/* ROOT/SITE-KEY; ERR_USAGE for a key that is not a plain folder name (letters, digits, '.', '_', '-',
 * not starting with '.'). Caller frees *out. */
int profile_dir_of(const char *root, const char *site_key, char **out, struct err *e);
/* Opens the site's profile: with create, makes ROOT and the folder (mode 0700) when missing; without,
 * a missing folder is ERR_NOT_FOUND (nobody logged in). Then checks the folder (ERR_INPUT: a symbolic
 * link, not a folder, another owner, or readable, writable or searchable by group or others, naming
 * its mode and the chmod that fixes it; ROOT the same, except that only writable by others is refused) and takes its lock, waiting up to wait_ms (ERR_TIMEOUT past it:
 * another huixin uses the profile). pr is initialised either way; profile_close releases it. */
int profile_open(const char *root, const char *site_key, bool create, int wait_ms, struct profile *pr,
                 struct err *e);
void profile_close(struct profile *pr); /* releases the lock; a no-op on a closed one */

#endif
