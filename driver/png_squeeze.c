/* driver/png_squeeze.h: one background thread per visit, fed a queue of screenshot paths. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/base.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/files.h"
#include "common/mem.h"
#include "driver/png.h"
#include "driver/png_squeeze.h"

struct png_squeezer {
    pthread_mutex_t mu;
    pthread_cond_t cv;   /* signalled when a path is queued and when the queue closes */
    char **paths;        /* every path given, in order; [0, next) taken by the thread */
    size_t n, next;
    bool is_closed;      /* finish asked: the thread ends once the queue is empty */
    bool has_thread;
    pthread_t thread;
    struct png_squeeze_stats st; /* guarded by mu */
    struct buf warnings;         /* guarded by mu */
    struct squeeze_memo *memo;   /* the last file's; used by whoever squeezes, never two at once */
};

/* The last file squeezed: its bytes as captured and as rewritten. A check visit's last step is often a
 * screenshot of the page the visit ends on, and the visit's own page.png is then the same picture: Chrome
 * encodes the same pixels to the same bytes, so the same bytes are written again without recompressing
 * them (what recompressing would write, byte for byte, for none of its CPU). */
struct squeeze_memo {
    char *before;
    size_t before_len;
    unsigned char *after; /* NULL: it was kept as captured (recompressing did not make it smaller) */
    size_t after_len;
};

static void memo_free(struct squeeze_memo *m)
{
    if (!m)
        return;
    free(m->before);
    free(m->after);
    free(m);
}

/* The calling thread's CPU time in ms. */
static int64_t thread_cpu_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* png_squeeze_file, remembering the file in *memo (when memo is not NULL) and taking the result from it
 * when the file's bytes are those of the last one. */
static int squeeze_path(const char *path, struct squeeze_memo **memo, struct png_squeeze_stats *st, struct err *e)
{
    int64_t t0 = clock_mono_ms(), cpu0 = thread_cpu_ms();
    struct stat sb;
    char *data = NULL;
    size_t len = 0;
    unsigned char *png = NULL;
    size_t png_len = 0;
    int rc = 0;
    if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        rc = err_set(e, ERR_IO, "not a regular file");
        goto out;
    }
    if (sb.st_size > PNG_SQUEEZE_MAX_BYTES) { /* recompressing holds it and its new copy in memory */
        st->files++;
        st->bytes_before += sb.st_size;
        st->bytes_after += sb.st_size;
        goto out;
    }
    if ((rc = file_read_all(path, &data, &len, e)) != 0)
        goto out;
    st->files++;
    st->bytes_before += (int64_t)len;
    struct squeeze_memo *m = memo ? *memo : NULL;
    bool is_same = m && m->before_len == len && memcmp(m->before, data, len) == 0;
    const unsigned char *out = NULL; /* the new bytes; NULL: kept as captured */
    size_t out_len = 0;
    if (is_same) {
        st->reused++;
        out = m->after;
        out_len = m->after_len;
    } else if ((rc = png_recompress((const unsigned char *)data, len, &png, &png_len, e)) == 0) {
        out = png;
        out_len = png_len;
    }
    if (rc == 0 && out)
        rc = file_write_atomic(path, out, out_len, e);
    if (rc == 0 && out) {
        st->smaller++;
        st->bytes_after += (int64_t)out_len;
    } else {
        st->bytes_after += (int64_t)len;
    }
    if (rc == 0 && memo && !is_same) { /* a new picture: remembered instead of the last */
        memo_free(*memo);
        *memo = m = xcalloc(1, sizeof *m);
        m->before = data;
        m->before_len = len;
        m->after = png;
        m->after_len = png_len;
        data = NULL;
        png = NULL;
    }
out:
    free(png);
    free(data);
    st->ms += clock_mono_ms() - t0;
    st->cpu_ms += thread_cpu_ms() - cpu0;
    return rc;
}

int png_squeeze_file(const char *path, struct png_squeeze_stats *st, struct err *e)
{
    return squeeze_path(path, NULL, st, e);
}

/* The thread's one file, its result added under the lock. */
static void squeeze_one(struct png_squeezer *sq, const char *path)
{
    struct png_squeeze_stats st = {0};
    struct err e;
    err_init(&e);
    int rc = squeeze_path(path, &sq->memo, &st, &e);
    pthread_mutex_lock(&sq->mu);
    sq->st.files += st.files;
    sq->st.smaller += st.smaller;
    sq->st.reused += st.reused;
    sq->st.bytes_before += st.bytes_before;
    sq->st.bytes_after += st.bytes_after;
    sq->st.ms += st.ms;
    sq->st.cpu_ms += st.cpu_ms;
    if (rc != 0)
        buf_printf(&sq->warnings, "%s: kept as captured: %s\n", path, e.msg);
    pthread_mutex_unlock(&sq->mu);
}

static void *squeezer_main(void *arg)
{
    struct png_squeezer *sq = arg;
    pthread_mutex_lock(&sq->mu);
    for (;;) {
        while (sq->next == sq->n && !sq->is_closed)
            pthread_cond_wait(&sq->cv, &sq->mu);
        if (sq->next == sq->n)
            break; /* closed and empty */
        const char *path = sq->paths[sq->next++];
        pthread_mutex_unlock(&sq->mu);
        squeeze_one(sq, path);
        pthread_mutex_lock(&sq->mu);
    }
    pthread_mutex_unlock(&sq->mu);
    return NULL;
}

struct png_squeezer *png_squeezer_new(void)
{
    struct png_squeezer *sq = xcalloc(1, sizeof *sq);
    pthread_mutex_init(&sq->mu, NULL);
    pthread_cond_init(&sq->cv, NULL);
    buf_init(&sq->warnings);
    return sq;
}

bool png_squeezer_has(const struct png_squeezer *sq, const char *path)
{
    if (!sq)
        return false;
    struct png_squeezer *m = (struct png_squeezer *)sq; /* the lock only */
    pthread_mutex_lock(&m->mu);
    bool has = false;
    for (size_t i = 0; i < m->n && !has; i++)
        has = strcmp(m->paths[i], path) == 0;
    pthread_mutex_unlock(&m->mu);
    return has;
}

void png_squeezer_add(struct png_squeezer *sq, const char *path)
{
    if (!sq || png_squeezer_has(sq, path))
        return;
    char *copy = xstrdup(path); /* the array of paths may move as it grows; the strings never do */
    pthread_mutex_lock(&sq->mu);
    sq->paths = xrealloc(sq->paths, (sq->n + 1) * sizeof *sq->paths);
    sq->paths[sq->n++] = copy;
    bool is_now = sq->is_closed; /* finished already: done here, on the caller's thread */
    if (is_now)
        sq->next = sq->n;
    else if (!sq->has_thread && pthread_create(&sq->thread, NULL, squeezer_main, sq) == 0)
        sq->has_thread = true;
    pthread_cond_broadcast(&sq->cv);
    pthread_mutex_unlock(&sq->mu);
    if (is_now)
        squeeze_one(sq, copy);
}

void png_squeezer_finish(struct png_squeezer *sq, struct png_squeeze_stats *st, char **warnings)
{
    if (warnings)
        *warnings = NULL;
    if (!sq)
        return;
    pthread_mutex_lock(&sq->mu);
    sq->is_closed = true;
    pthread_cond_broadcast(&sq->cv);
    bool has_thread = sq->has_thread;
    sq->has_thread = false;
    pthread_mutex_unlock(&sq->mu);
    if (has_thread)
        pthread_join(sq->thread, NULL);
    /* no thread (none could start): what is left is done here */
    for (;;) {
        pthread_mutex_lock(&sq->mu);
        const char *path = sq->next < sq->n ? sq->paths[sq->next++] : NULL;
        pthread_mutex_unlock(&sq->mu);
        if (!path)
            break;
        squeeze_one(sq, path);
    }
    pthread_mutex_lock(&sq->mu);
    if (st) {
        st->files += sq->st.files;
        st->smaller += sq->st.smaller;
        st->reused += sq->st.reused;
        st->bytes_before += sq->st.bytes_before;
        st->bytes_after += sq->st.bytes_after;
        st->ms += sq->st.ms;
        st->cpu_ms += sq->st.cpu_ms;
    }
    memset(&sq->st, 0, sizeof sq->st);
    if (warnings && sq->warnings.len > 0)
        *warnings = xstrdup(buf_str(&sq->warnings));
    buf_reset(&sq->warnings);
    pthread_mutex_unlock(&sq->mu);
}

void png_squeezer_free(struct png_squeezer *sq)
{
    if (!sq)
        return;
    png_squeezer_finish(sq, NULL, NULL);
    for (size_t i = 0; i < sq->n; i++)
        free(sq->paths[i]);
    free(sq->paths);
    memo_free(sq->memo);
    buf_release(&sq->warnings);
    pthread_cond_destroy(&sq->cv);
    pthread_mutex_destroy(&sq->mu);
    free(sq);
}
