/*
 * record_ident.c — the files under an open recording.  The database file and its -wal and -shm
 * are remembered by device and inode once they exist; before each write they must still be the
 * same files.  Deleted or replaced under an open session, SQLite would go on writing into files
 * that nobody will read again and the session would silently vanish: the write is refused instead,
 * the recorder says which file changed, and the events stay queued (dt_recorder_pending).
 */
#define _XOPEN_SOURCE 700
#include "record.h"
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *const suffix[REC_NFILES] = {"", "-wal", "-shm"};

static int stat_file(const dt_recorder *rec, int i, struct stat *sb)
{
    char p[PATH_MAX];
    if ((size_t)snprintf(p, sizeof p, "%s%s", rec->path, suffix[i]) >= sizeof p)
        return -1;
    return stat(p, sb);
}

/* Only the files not known yet: a known one was checked before the write, and taking it again
 * after would adopt a file replaced meanwhile (and cost a stat at every write). */
void dt_rec_ident_take(dt_recorder *rec)
{
    for (int i = 0; i < REC_NFILES; i++) {
        struct stat sb;
        if (!rec->ident[i].known && stat_file(rec, i, &sb) == 0) {
            rec->ident[i].known = 1;
            rec->ident[i].dev = (uint64_t)sb.st_dev;
            rec->ident[i].ino = (uint64_t)sb.st_ino;
        }
    }
}

int dt_rec_ident_check(dt_recorder *rec)
{
    for (int i = 0; i < REC_NFILES; i++) {
        struct stat sb;
        if (!rec->ident[i].known)
            continue;
        int gone = stat_file(rec, i, &sb) != 0;
        if (!gone && (uint64_t)sb.st_dev == rec->ident[i].dev &&
            (uint64_t)sb.st_ino == rec->ident[i].ino)
            continue;
        snprintf(rec->msg, sizeof rec->msg,
                 "recording stopped: the file %s%s was %s while this session was open (by another "
                 "program or a person): what is written now would be lost, so the %zu event%s "
                 "since are kept in memory only; this session's record may be incomplete",
                 rec->path, suffix[i], gone ? "deleted" : "replaced", rec->npend,
                 rec->npend == 1 ? "" : "s");
        return -1;
    }
    return 0;
}
