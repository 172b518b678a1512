/*
 * srv_static.c — the web pages of `dtree serve` (web/: the agent console, the kiosk, their shared
 * modules).  The web directory is read once at start into a fixed table: only regular files with
 * plain names (no dot files, no symlinks) and a known type, bounded in number and size.  A request
 * is looked up in that table by exact name, so no path it sends ever reaches the file system.
 */
#define _GNU_SOURCE
#include "srv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WEB_MAX_FILES 256
#define WEB_MAX_FILE (4u << 20)   /* one file */
#define WEB_MAX_TOTAL (32u << 20) /* the whole directory */
#define WEB_MAX_DEPTH 4

typedef struct web_file {
    char name[200]; /* relative to the web directory: "kiosk/kiosk.js" */
    char *data;
    size_t len;
    const char *ctype;
    char etag[40];
} web_file;

static web_file files[WEB_MAX_FILES];
static size_t nfiles, total;

/* The types served, by file name ending; any other file is not served. */
static const struct {
    const char *ext, *ctype;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
    {".woff2", "font/woff2"},
};

static const char *type_of(const char *name)
{
    size_t i, n = strlen(name);
    for (i = 0; i < sizeof types / sizeof types[0]; i++) {
        size_t e = strlen(types[i].ext);
        if (n > e && strcmp(name + n - e, types[i].ext) == 0) return types[i].ctype;
    }
    return NULL;
}

/* A name we serve: the id rule of the API (letters, digits, . _ -, not starting with '.'). */
static int plain_name(const char *s) { return srv_valid_id(s, strlen(s)); }

/* FNV-1a of the bytes: a validator for If-None-Match, not a security property. */
static void make_etag(web_file *f)
{
    unsigned long long h = 1469598103934665603ull;
    size_t i;
    for (i = 0; i < f->len; i++) h = (h ^ (unsigned char)f->data[i]) * 1099511628211ull;
    snprintf(f->etag, sizeof f->etag, "\"%016llx-%zx\"", h, f->len);
}

static int read_file(int dirfd, const char *name, const char *rel)
{
    struct stat st;
    web_file *f = &files[nfiles];
    ssize_t got;
    size_t off = 0;
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > WEB_MAX_FILE ||
        total + (size_t)st.st_size > WEB_MAX_TOTAL || !(f->data = malloc((size_t)st.st_size + 1))) {
        close(fd);
        return -1;
    }
    while (off < (size_t)st.st_size && (got = read(fd, f->data + off, (size_t)st.st_size - off)) > 0)
        off += (size_t)got;
    close(fd);
    f->len = off;
    f->ctype = type_of(name);
    snprintf(f->name, sizeof f->name, "%s", rel);
    make_etag(f);
    total += off;
    nfiles++;
    return 0;
}

static void load_dir(int dirfd, const char *prefix, int depth)
{
    DIR *d = fdopendir(dirfd);
    struct dirent *de;
    if (!d) {
        close(dirfd);
        return;
    }
    while ((de = readdir(d)) != NULL && nfiles < WEB_MAX_FILES) {
        char rel[200];
        struct stat st;
        int sub;
        if (!plain_name(de->d_name) ||
            fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            snprintf(rel, sizeof rel, "%s%s", prefix, de->d_name) >= (int)sizeof rel - 1)
            continue;
        if (S_ISREG(st.st_mode) && type_of(de->d_name)) {
            read_file(dirfd, de->d_name, rel);
        } else if (S_ISDIR(st.st_mode) && depth < WEB_MAX_DEPTH &&
                   (sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
            size_t n = strlen(rel); /* room for the slash: checked by the snprintf above */
            rel[n] = '/';
            rel[n + 1] = '\0';
            load_dir(sub, rel, depth + 1);
        }
    }
    closedir(d);
}

int srv_static_load(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    load_dir(fd, "", 0);
    return 0;
}

void srv_static_free(void)
{
    size_t i;
    for (i = 0; i < nfiles; i++) free(files[i].data);
    nfiles = total = 0;
}

static const web_file *find(const char *name)
{
    size_t i;
    for (i = 0; i < nfiles; i++)
        if (strcmp(files[i].name, name) == 0) return &files[i];
    return NULL;
}

/* The pages: a path to the file that answers it.  /kiosk/{tree}: the page reads the tree from
 * its own address.  Anything under /web/ is a file of the table by its name. */
static const char *page_for(const char *p, char *route, size_t route_len)
{
    if (strcmp(p, "/agent/") == 0 || strcmp(p, "/agent") == 0) {
        snprintf(route, route_len, "/agent/");
        return "agent/index.html";
    }
    if (strncmp(p, "/kiosk/", 7) == 0 && srv_valid_id(p + 7, strlen(p + 7))) {
        snprintf(route, route_len, "/kiosk/{tree}");
        return "kiosk/index.html";
    }
    if (strncmp(p, "/web/", 5) == 0) {
        snprintf(route, route_len, "/web/{file}");
        return p + 5;
    }
    return NULL;
}

int srv_static(const srv_req *q, srv_resp *r)
{
    const char *name = page_for(q->path, r->route, sizeof r->route);
    const web_file *f;
    if (!name) return 0;
    if (strcmp(q->method, "GET") != 0 && strcmp(q->method, "HEAD") != 0) {
        srv_problem(r, SRV_P_METHOD, "GET", NULL);
        return 1;
    }
    if (!(f = find(name))) {
        srv_problem(r, SRV_P_NOT_FOUND,
                    nfiles ? "no such page" : "the web pages (web/) were not installed with this server",
                    NULL);
        return 1;
    }
    /* Pages are never kept (a kiosk's Back or cache must not bring anything back); the modules
     * and styles are checked again on each use, so an upgrade shows at once. */
    r->cache_control = strcmp(f->ctype, "text/html; charset=utf-8") == 0 ? NULL : "no-cache";
    snprintf(r->etag, sizeof r->etag, "%s", f->etag);
    r->ctype = f->ctype;
    if (q->if_none_match && strcmp(q->if_none_match, f->etag) == 0) {
        r->status = 304;
        r->raw = "";
        r->raw_len = 0;
        return 1;
    }
    r->status = 200;
    r->raw = f->data;
    r->raw_len = f->len;
    return 1;
}
