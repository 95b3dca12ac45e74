/* The evidence folders of a report's visits listed ahead, on worker threads (reports/files_ahead.h).
 *
 * A ring of AHEAD_WINDOW slots, counted by three positions that only grow: head (the next slot the
 * renderer takes), next (the next slot a worker lists) and tail (the next slot the cursor fills), head
 * <= next <= tail <= head + AHEAD_WINDOW. The renderer's thread alone reads the cursor (the ledger's
 * connection stays on one thread) and frees slots; a worker owns a slot from taking it at next until
 * it marks it done. One mutex guards the positions and the slots' states. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/base.h"
#include "common/log.h"
#include "common/machine.h"
#include "reports/files_ahead.h"

#define AHEAD_WINDOW 512      /* folders listed ahead at most: a few hundred KB of names */
#define AHEAD_REFILL (AHEAD_WINDOW / 4) /* read the cursor when this many slots are free */
#define AHEAD_THREADS_MAX 4
#define AHEAD_SEARCH 64       /* how far into the window a folder is looked for before listing in place */

enum slot_state { SLOT_QUEUED, SLOT_WORKING, SLOT_DONE };

struct slot {
    char *rel; /* NULL: a visit without evidence (its list is empty) */
    struct rpt_files files;
    enum slot_state state;
};

struct rpt_ahead {
    char *root;
    const struct rpt_source *src;
    void *cursor; /* NULL once it has ended (or failed) */
    pthread_mutex_t mu;
    pthread_cond_t work; /* a slot to list, or quit */
    pthread_cond_t done; /* a slot listed */
    struct slot slots[AHEAD_WINDOW];
    size_t head, next, tail;
    bool quit;
    pthread_t threads[AHEAD_THREADS_MAX];
    int n_threads;
    size_t n_ahead, n_in_place;
};

static struct slot *slot_at(struct rpt_ahead *a, size_t pos)
{
    return &a->slots[pos % AHEAD_WINDOW];
}

static void *worker_main(void *arg)
{
    struct rpt_ahead *a = arg;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (!a->quit && a->next == a->tail)
            pthread_cond_wait(&a->work, &a->mu);
        if (a->quit)
            break;
        struct slot *s = slot_at(a, a->next++);
        s->state = SLOT_WORKING;
        pthread_mutex_unlock(&a->mu);
        rpt_files_list(a->root, s->rel, &s->files); /* s->rel is not freed while the slot is working */
        pthread_mutex_lock(&a->mu);
        s->state = SLOT_DONE;
        pthread_cond_broadcast(&a->done);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* Reads the cursor into the free slots (the renderer's thread), when a quarter of the window is free. */
static void window_fill(struct rpt_ahead *a)
{
    if (!a->cursor)
        return;
    pthread_mutex_lock(&a->mu);
    size_t free_slots = AHEAD_WINDOW - (a->tail - a->head);
    pthread_mutex_unlock(&a->mu);
    if (free_slots < AHEAD_REFILL)
        return;
    char *rels[AHEAD_WINDOW];
    size_t n = 0;
    while (n < free_slots) {
        const char *dir = NULL;
        int r = a->src->dirs_next(a->cursor, &dir);
        if (r <= 0) { /* the end, or an error: the folders not given are listed in place */
            a->src->dirs_close(a->cursor);
            a->cursor = NULL;
            break;
        }
        rels[n++] = dir ? xstrdup(dir) : NULL;
    }
    if (n == 0)
        return;
    pthread_mutex_lock(&a->mu);
    for (size_t i = 0; i < n; i++) { /* the slots from tail on are free: no one else touches them */
        struct slot *s = slot_at(a, a->tail++);
        memset(s, 0, sizeof *s);
        s->rel = rels[i];
        s->state = SLOT_QUEUED;
    }
    pthread_cond_broadcast(&a->work);
    pthread_mutex_unlock(&a->mu);
}

static bool rel_same(const char *x, const char *y)
{
    return x == y || (x && y && strcmp(x, y) == 0);
}

/* Frees the slot at head once it is listed, and moves head past it; the caller holds the mutex. */
static void head_drop(struct rpt_ahead *a)
{
    struct slot *s = slot_at(a, a->head);
    while (s->state != SLOT_DONE)
        pthread_cond_wait(&a->done, &a->mu);
    free(s->rel);
    rpt_files_free(&s->files);
    a->head++;
}

void rpt_ahead_files(struct rpt_ahead *a, const char *root, const char *rel, struct rpt_files *out)
{
    if (!a || !root || strcmp(root, a->root) != 0) {
        rpt_files_list(root, rel, out);
        return;
    }
    window_fill(a);
    pthread_mutex_lock(&a->mu);
    size_t pos = a->head;
    while (pos < a->tail && pos - a->head < AHEAD_SEARCH && !rel_same(slot_at(a, pos)->rel, rel))
        pos++;
    if (pos == a->tail || pos - a->head == AHEAD_SEARCH) {
        a->n_in_place++;
        pthread_mutex_unlock(&a->mu);
        rpt_files_list(root, rel, out);
        return;
    }
    while (a->head < pos) /* folders the renderer did not ask for: it has passed them */
        head_drop(a);
    struct slot *s = slot_at(a, pos);
    while (s->state != SLOT_DONE)
        pthread_cond_wait(&a->done, &a->mu);
    *out = s->files;
    memset(&s->files, 0, sizeof s->files);
    free(s->rel);
    s->rel = NULL;
    a->head++;
    a->n_ahead++;
    pthread_mutex_unlock(&a->mu);
}

void rpt_ahead_counts(const struct rpt_ahead *a, size_t *ahead, size_t *in_place)
{
    *ahead = a->n_ahead; /* both written by the renderer's thread alone */
    *in_place = a->n_in_place;
}

struct rpt_ahead *rpt_ahead_start(const char *root, const struct rpt_source *src)
{
    if (!root || !src->dirs_open || !src->dirs_next || !src->dirs_close)
        return NULL;
    void *cursor = src->dirs_open(src->ctx);
    if (!cursor)
        return NULL;
    struct rpt_ahead *a = xcalloc(1, sizeof *a);
    a->root = xstrdup(root);
    a->src = src;
    a->cursor = cursor;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->work, NULL);
    pthread_cond_init(&a->done, NULL);
    /* The listing is the kernel's work on a warm cache and waiting on the disk on a cold one: at least
     * two threads even on one CPU, one a CPU up to four. */
    int want = machine_cpus();
    want = want < 2 ? 2 : want > AHEAD_THREADS_MAX ? AHEAD_THREADS_MAX : want;
    for (int i = 0; i < want; i++) {
        if (pthread_create(&a->threads[a->n_threads], NULL, worker_main, a) != 0)
            break;
        a->n_threads++;
    }
    if (a->n_threads == 0) {
        log_warn("report", "cannot start a thread to list evidence folders: listing them one by one");
        rpt_ahead_stop(a);
        return NULL;
    }
    return a;
}

void rpt_ahead_stop(struct rpt_ahead *a)
{
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    a->quit = true;
    pthread_cond_broadcast(&a->work);
    pthread_mutex_unlock(&a->mu);
    for (int i = 0; i < a->n_threads; i++)
        pthread_join(a->threads[i], NULL);
    /* no worker is left: a slot is either listed or was never taken */
    for (size_t pos = a->head; pos < a->tail; pos++) {
        struct slot *s = slot_at(a, pos);
        free(s->rel);
        if (s->state == SLOT_DONE)
            rpt_files_free(&s->files);
    }
    if (a->cursor)
        a->src->dirs_close(a->cursor);
    if (a->n_threads > 0)
        log_debug("report", "evidence folders: %zu listed ahead by %d threads, %zu in place", a->n_ahead,
                  a->n_threads, a->n_in_place);
    pthread_cond_destroy(&a->done);
    pthread_cond_destroy(&a->work);
    pthread_mutex_destroy(&a->mu);
    free(a->root);
    free(a);
}
