/* Screenshots made smaller in the background while the visit goes on (issue 18: evidence bytes off the
 * critical path). A visit hands each PNG it has written to its squeezer; one thread of the squeezer
 * rewrites them one by one with png_recompress (the same pixels, fewer bytes) while the browser works on
 * the next step; png_squeezer_finish waits for the last one, before the manifest hashes the files.
 *
 * The thread touches nothing but the files it was given and its own memory: it never logs (what went
 * wrong is kept and returned by png_squeezer_finish) and never calls the browser. A file is rewritten
 * atomically (a reader sees the old bytes or the new ones). When no thread can be started, the files are
 * squeezed by png_squeezer_finish itself, on the caller's thread. */
#ifndef HUIXIN_PNG_SQUEEZE_H
#define HUIXIN_PNG_SQUEEZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct err;
struct png_squeezer;

/* What was done: files looked at, made smaller, written from the last one's result (the same bytes as
 * the file squeezed just before: not recompressed again), their bytes before and after (a file kept as
 * it was counts its own size in both), the milliseconds spent on them and the CPU milliseconds that took. */
struct png_squeeze_stats {
    int files, smaller, reused;
    int64_t bytes_before, bytes_after, ms, cpu_ms;
};

struct png_squeezer *png_squeezer_new(void);
/* Queues path (copied) to be squeezed; a path already given is not queued again. NULL sq: a no-op. */
void png_squeezer_add(struct png_squeezer *sq, const char *path);
bool png_squeezer_has(const struct png_squeezer *sq, const char *path);
/* Waits until every file given is done (the queue is then closed: later adds are done at once, on the
 * caller's thread) and adds what was done to *st. Each file that could not be squeezed (it stays as it
 * was) has a line "PATH: why" in *warnings (caller frees; NULL when none). */
void png_squeezer_finish(struct png_squeezer *sq, struct png_squeeze_stats *st, char **warnings);
/* Finishes it if need be, then frees it. NULL is a no-op. */
void png_squeezer_free(struct png_squeezer *sq);

/* One file squeezed now, on the caller's thread, as the squeezer would (files larger than
 * PNG_SQUEEZE_MAX_BYTES are kept as they are); adds to *st, and returns 0 or a negative code with e. */
#define PNG_SQUEEZE_MAX_BYTES (16 * 1024 * 1024)
int png_squeeze_file(const char *path, struct png_squeeze_stats *st, struct err *e);

#endif
