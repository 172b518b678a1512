/*
 * record_path.c — the database file itself: creating it private (0600), and saying what is really
 * wrong when it cannot be used (a directory, a missing directory, a read-only file system, a
 * directory where the WAL files cannot be created) instead of SQLite's "unable to open".
 */
#define _XOPEN_SOURCE 700
#include "error.h"
#include "record.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* The directory part of path into dir ("." when none). */
static void dir_of(const char *path, char *dir, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, size, ".");
    else if (slash == path)
        snprintf(dir, size, "/");
    else
        snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

int dt_rec_fs_readonly(const char *path)
{
    char dir[PATH_MAX];
    struct statvfs vs;
    dir_of(path, dir, sizeof dir);
    return statvfs(dir, &vs) == 0 && (vs.f_flag & ST_RDONLY);
}

/* A sentence for what stops `path` from being used (write: also for recording), or NULL. */
const char *dt_rec_path_problem(const char *path, int write, char *buf, size_t size)
{
    char dir[PATH_MAX];
    struct stat sb;
    dir_of(path, dir, sizeof dir);
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        snprintf(buf, size, "this is a directory, not a database file: give --db a file name "
                            "(for example %s/sessions.db)", path);
    else if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        snprintf(buf, size, "its directory %s does not exist", dir);
    else if (write && dt_rec_fs_readonly(path))
        snprintf(buf, size, "the file system is mounted read-only: record elsewhere with --db");
    else if (write && access(dir, W_OK | X_OK) != 0)
        snprintf(buf, size, "no permission to create files in %s (recording needs the database "
                            "and its -wal and -shm files there)", dir);
    else if (write && access(path, W_OK) != 0 && errno != ENOENT)
        snprintf(buf, size, "no permission to write the file (%s)", strerror(errno));
    else
        return NULL;
    return buf;
}

/* Create the file ourselves so that it is born 0600: recordings are customer data.  An existing
 * empty file (made by touch, an installer, another user's umask) is adopted as new: it is made
 * 0600 too, before anything is written to it. */
dt_status dt_rec_create_private(const char *path, dt_error *err)
{
    char why[PATH_MAX + 128];
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0) {
        close(fd);
        return DT_OK;
    }
    if (errno != EEXIST) {
        int e = errno;
        const char *p = dt_rec_path_problem(path, 1, why, sizeof why);
        return dt_err_error(err, DT_EIO, path, 0, 0, "record", "cannot create the database: %s",
                            p ? p : strerror(e));
    }
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return dt_err_error(err, DT_EIO, path, 0, 0, "record", "cannot use the database: %s",
                            dt_rec_path_problem(path, 1, why, sizeof why));
    /* No open() of an existing database: closing any descriptor of the file drops every POSIX
     * lock this process holds on it, those of its live SQLite connections too; another process
     * closing its connection then takes the file for the last user and deletes the -wal our
     * connections still write (a server's later steps were lost at kill -9). */
    if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == 0 &&
        (sb.st_mode & 077) != 0 && sb.st_uid == geteuid())
        chmod(path, 0600); /* a failure shows at the first write; the file is empty anyway */
    return DT_OK;
}
