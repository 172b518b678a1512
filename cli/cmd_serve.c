/*
 * cmd_serve.c — `dtree serve`: options, the tree library, the HTTP server, and its lifetime.
 * The main thread only waits for signals (blocked in every other thread): SIGTERM and SIGINT drain
 * the requests under way and exit 0; SIGHUP loads the tree library again (sessions already live
 * keep the trees they started with: old libraries are kept until exit).
 */
#define _GNU_SOURCE
#include "commands.h"
#include "exitcodes.h"
#include "library.h"
#include "opts.h"
#include "record_hook.h"
#include "render.h"
#include "srv_events.h"
#include "srv_http.h"
#include "srv_known.h"
#include "srv_limit.h"
#include "srv_seal.h"
#include "srv_tls.h"
#include "token.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char serve_help[] =
    "Usage: dtree serve [OPTIONS]\n"
    "Serve the tree library and recorded sessions over HTTP/JSON (API v1, docs/openapi.yaml):\n"
    "CRMs, web pages and scripts start sessions, answer steps and read where a call stands.\n\n"
    "Options:\n"
    "  --listen ADDR:PORT   where to listen (default 127.0.0.1:8080; PORT 0 picks a free port,\n"
    "                       printed on stderr).  An address other machines reach needs the\n"
    "                       rate limits on, and TLS here or in a proxy (docs/serve.md)\n"
    "  --db PATH            the recording store (default: $DTREE_DB, else\n"
    "                       $XDG_DATA_HOME/dtree/sessions.db)\n"
    "  --trees DIR          the tree library (default: $DTREE_TREES, else the bundled trees)\n"

    "  --openapi FILE       the contract served at /v1/openapi.yaml (default: the installed\n"
    "                       or source copy of docs/openapi.yaml)\n"
    "  --cors ORIGIN        let pages of this one other origin (https://crm.example) call the\n"
    "                       API; by default only this server's own pages may\n"
    "  --seal-key FILE      seal sensitive answers under this key (32 random bytes, a file only\n"
    "                       its owner may read) so that any instance with the same key continues\n"
    "                       a session past them; without it they are asked again after a restart\n"
    "  --web DIR            the web pages: /agent/ and /kiosk/TREE (default: the installed\n"
    "                       share/dtree/web, or web/ of the source tree); read once at start\n"
    "  --max-body BYTES     largest request body (default 65536)\n"
    "  --threads N          worker threads (default 16); the threads that read requests\n"
    "                       and send responses are one per core, at most N\n"
    "  --max-connections N  open connections at once (default 1000)\n"
    "  --max-per-address N  open connections at once from one client address (default: no cap)\n"
    "  --idle-timeout SEC   close a connection idle this long (default 30)\n"
    "  --max-streams N      event streams (GET /v1/sessions/ID/events) open at once\n"
    "                       (default 100)\n"
    "  --events-poll-ms MS  how often a stream reads the store for new events (default 500)\n"
    "  --events-heartbeat SEC  a comment line on a quiet stream this often (default 15)\n"
    "  --store-connections N  store connections the live sessions share (default 1 for SQLite,\n"
    "                       which takes one writer at a time; for PostgreSQL one per worker\n"
    "                       thread, at most 64)\n"
    "  --rate-token N       requests per minute per access token (default 6000; 0: no limit)\n"
    "  --rate-address N     requests per minute per client address on the anonymous routes\n"
    "                       (kiosk, sign-in), and failed sign-ins per address (default 600)\n"
    "  --trust-proxy        the client address of a request from a loopback proxy is the last\n"
    "                       X-Forwarded-For entry (nginx: $proxy_add_x_forwarded_for)\n"
    "  --tls-cert FILE      serve HTTPS with this PEM certificate (chain) ...\n"
    "  --tls-key FILE       ... and this PEM private key (readable by its owner only)\n"
    "  -h, --help           this help\n\n"
    "Agent routes need `Authorization: Bearer TOKEN` (dtree token add NAME --role agent);\n"
    "the sessions a token starts are recorded under its NAME.  Kiosk routes are anonymous.\n"
    "The agent console (/agent/) signs in once with the token and keeps it in an HttpOnly\n"
    "cookie; a change signed in by cookie is refused unless it comes from our own origin.\n\n"
    "Signals: SIGTERM or SIGINT drain requests under way and exit 0; SIGHUP reloads the trees.\n"
    "Each request is logged as one JSON line on stderr.\n\n"
    "Exit status:\n"
    "  0  stopped by SIGTERM or SIGINT\n"
    "  2  usage: bad option or value\n"
    "  3  tree: no library directory, or no tree in it loads\n"
    "  4  I/O: the address, the recording store, the seal key or --web DIR cannot be used\n"
    "  6  internal: out of memory\n";

typedef struct serve_opts {
    const char *listen, *db, *trees, *openapi, *cors, *seal_key, *tls_cert, *tls_key;
    unsigned rate_token, rate_address; /* requests per minute; 0: no limit */
    srv_http_opts http;
    srv_events_opts events;
    const char *web;      /* --web DIR; NULL: found beside the program */
    unsigned store_conns; /* --store-connections; 0: 1 for SQLite, one per worker for PostgreSQL */
} serve_opts;

static int usage_error(const char *what, const char *arg)
{
    rd_eprintf("serve: %s '%s'; see 'dtree help serve'", what, arg);
    return EXIT_USAGE;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v;
    if (!s[0] || s[0] == '-') return -1;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || v == 0 || v > max) return -1;
    *out = v;
    return 0;
}

/* http://HOST[:PORT] or https://...: what a browser sends as Origin (no path, no user). */
static int valid_origin(const char *s)
{
    const char *h = strncmp(s, "https://", 8) == 0  ? s + 8
                    : strncmp(s, "http://", 7) == 0 ? s + 7
                                                    : NULL;
    return h && h[0] && strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "0123456789.-:[]") == strlen(h);
}

/* The options that take a file, a zero or nothing: 1 when argv[*i] was one (consumed), 0 when
 * it is not, or EXIT_USAGE (said). */
static int more_args(int argc, char **argv, int *i, serve_opts *o)
{
    static const char *const files[] = {"--tls-cert", "--tls-key"};
    static const char *const rates[] = {"--rate-token", "--rate-address"};
    const char *val = NULL;
    unsigned long n = 0;
    size_t k;
    int r;
    if (strcmp(argv[*i], "--trust-proxy") == 0) {
        o->http.trust_proxy = 1;
        return 1;
    }
    for (k = 0; k < 2; k++) {
        if ((r = opt_value(argc, argv, i, files[k], &val)) == 0) continue;
        if (r < 0) return usage_error("missing value after", files[k]);
        *(k ? &o->tls_key : &o->tls_cert) = val;
        return 1;
    }
    for (k = 0; k < 2; k++) {
        if ((r = opt_value(argc, argv, i, rates[k], &val)) == 0) continue;
        if (r < 0) return usage_error("missing value after", rates[k]);
        if (strcmp(val, "0") != 0 && parse_uint(val, 1000000, &n) != 0)
            return usage_error("not a whole number of requests per minute:", val);
        *(k ? &o->rate_address : &o->rate_token) = (unsigned)n;
        return 1;
    }
    return 0;
}

static int parse_args(int argc, char **argv, serve_opts *o)
{
    static const char *const names[] = {"--listen", "--db", "--trees",
                                        "--openapi", "--cors", "--max-body",
                                        "--threads", "--max-connections", "--idle-timeout",
                                        "--max-streams", "--events-poll-ms",
                                        "--events-heartbeat", "--max-per-address",
                                        "--store-connections"};
    int i, r;
    size_t k;
    for (i = 1; i < argc; i++) {
        const char *val = NULL;
        unsigned long n = 0;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return -1;
        if ((r = more_args(argc, argv, &i, o)) == 1) continue;
        if (r) return r;
        if ((r = opt_value(argc, argv, &i, "--seal-key", &val)) != 0) {
            if (r < 0) return usage_error("missing value after", "--seal-key");
            o->seal_key = val;
            continue;
        }
        if ((r = opt_value(argc, argv, &i, "--web", &val)) != 0) {
            if (r < 0) return usage_error("missing value after", "--web");
            o->web = val;
            continue;
        }
        for (k = 0; k < sizeof names / sizeof names[0]; k++)
            if ((r = opt_value(argc, argv, &i, names[k], &val)) != 0) break;
        if (k == sizeof names / sizeof names[0]) return usage_error("unknown option", argv[i]);
        if (r < 0) return usage_error("missing value after", names[k]);
        if (k >= 5 && parse_uint(val, k == 5 ? 16u << 20 : 100000, &n) != 0)
            return usage_error("not a positive whole number:", val);
        switch (k) {
        case 0: o->listen = val; break;
        case 1: o->db = val; break;
        case 2: o->trees = val; break;
        case 3: o->openapi = val; break;
        case 4:
            if (!valid_origin(val)) return usage_error("not an origin (http[s]://HOST[:PORT]):", val);
            o->cors = val;
            break;
        case 5: o->http.max_body = n; break;
        case 6: o->http.threads = (unsigned)n; break;
        case 7: o->http.max_connections = (unsigned)n; break;
        case 8: o->http.idle_seconds = (unsigned)n; break;
        case 9: o->events.max_streams = (unsigned)n; break;
        case 10: o->events.poll_ms = (unsigned)n; break;
        case 11: o->events.heartbeat_s = (unsigned)n; break;
        case 12: o->http.max_per_ip = (unsigned)n; break;
        default:
            if (n > 64) return usage_error("--store-connections is 1 to 64, not", val);
            o->store_conns = (unsigned)n;
            break;
        }
    }
    return 0;
}

/* ADDR:PORT, IPv4 only for now, loopback only (no tokens yet). */
static int parse_listen(const char *s, struct sockaddr_in *sa)
{
    char host[64];
    const char *colon = strrchr(s, ':');
    unsigned long port;
    char *end;
    if (!colon || (size_t)(colon - s) >= sizeof host) return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    errno = 0;
    port = strtoul(colon + 1, &end, 10);
    if (!colon[1] || *end || errno || port > 65535) return -1;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((unsigned short)port);
    if (strcmp(host, "localhost") == 0) snprintf(host, sizeof host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) return -1;
    return 0;
}

static int is_loopback(const struct sockaddr_in *sa)
{
    return (ntohl(sa->sin_addr.s_addr) >> 24) == 127;
}

/* The contract: --openapi FILE, else docs/openapi.yaml beside the installed or built program. */
static char *read_openapi(const char *opt, size_t *len)
{
    static const char *const rel[] = {"/../share/dtree/openapi.yaml", "/../docs/openapi.yaml",
                                      "/../../docs/openapi.yaml"};
    char exe[4096], path[4200];
    ssize_t n;
    size_t k;
    char *text = NULL;
    FILE *f = NULL;

    if (opt) {
        f = fopen(opt, "rb");
    } else if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) > 0) {
        exe[n] = '\0';
        if (strrchr(exe, '/')) *strrchr(exe, '/') = '\0';
        for (k = 0; !f && k < sizeof rel / sizeof rel[0]; k++) {
            snprintf(path, sizeof path, "%s%s", exe, rel[k]);
            f = fopen(path, "rb");
        }
    }
    if (!f) return NULL;
    if ((text = malloc(1 << 20)) != NULL) *len = fread(text, 1, (1 << 20) - 1, f);
    fclose(f);
    return text;
}

/* The web pages: --web DIR, else share/dtree/web beside the installed program, else web/ of the
 * source tree the program was built in.  Without them the API still serves (the pages answer
 * 404); with --web, a directory that cannot be read stops the server. */
static int load_web(const char *opt)
{
    static const char *const rel[] = {"/../share/dtree/web", "/../web", "/../../web"};
    char exe[4096], path[4200];
    ssize_t n;
    size_t k;

    if (opt) {
        if (srv_static_load(opt) == 0) return 0;
        rd_eprintf("serve: cannot read the web pages in %s: %s", opt, strerror(errno));
        return EXIT_IO;
    }
    if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) <= 0) return 0;
    exe[n] = '\0';
    if (strrchr(exe, '/')) *strrchr(exe, '/') = '\0';
    for (k = 0; k < sizeof rel / sizeof rel[0]; k++) {
        snprintf(path, sizeof path, "%s%s", exe, rel[k]);
        if (srv_static_load(path) == 0) return 0;
    }
    return 0;
}

static int load_library(const serve_opts *o, srv_lib **lib)
{
    const char *source = NULL;
    char *dir = lib_dir(o->trees, &source);
    if (!dir) {
        rd_eprintf("serve: no tree library%s%s; use --trees DIR", source ? " at " : "",
                   source ? source : "");
        return EXIT_TREE;
    }
    if (srv_lib_load(dir, lib) != 0) {
        rd_eprintf("serve: cannot read the tree library %s: %s", dir, strerror(errno));
        free(dir);
        return EXIT_TREE;
    }
    free(dir);
    return 0;
}

static int wait_for_signals(srv_ctx *c, const serve_opts *o, srv_lib ***old, size_t *nold)
{
    sigset_t set;
    int sig;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    for (;;) {
        srv_lib *fresh = NULL, **grown;
        if (sigwait(&set, &sig) != 0) continue;
        if (sig != SIGHUP) return 0;
        if (load_library(o, &fresh) != 0) continue;   /* keep serving the old one */
        if (!(grown = realloc(*old, (*nold + 1) * sizeof **old))) {
            srv_lib_free(fresh);
            continue;
        }
        *old = grown;
        (*old)[(*nold)++] = c->lib;
        c->lib = fresh;   /* atomic: requests under way keep the pointer they read */
        rd_eprintf("serve: tree library reloaded");
    }
}

static int serve(serve_opts *o, srv_ctx *c)
{
    struct sockaddr_in sa;
    srv_http *h;
    srv_lib **old = NULL;
    size_t nold = 0, i;
    sigset_t set;

    if (parse_listen(o->listen, &sa) != 0) return usage_error("not an IPv4 ADDR:PORT:", o->listen);
    if (!is_loopback(&sa) && !o->rate_token && !o->rate_address) {
        rd_eprintf("serve: %s is not a loopback address: the rate limits must be on to listen "
                   "there (--rate-token, --rate-address)",
                   o->listen);
        return EXIT_USAGE;
    }
    if (!is_loopback(&sa) && !o->http.tls_cert)
        rd_eprintf("serve: note: %s is reachable from other machines without TLS: tokens cross "
                   "the network in clear unless a TLS proxy is in front (docs/serve.md)",
                   o->listen);
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);   /* before any thread starts: they inherit it */
    signal(SIGPIPE, SIG_IGN);
    /* the stream poller is a thread too: started after the mask, so it never takes a signal */
    if (!(c->events = srv_events_new(c->db_path, &o->events))) return EXIT_INTERNAL;
    if (!(h = srv_http_start(c, (struct sockaddr *)&sa, &o->http))) {
        rd_eprintf("serve: cannot listen on %s: %s", o->listen, strerror(errno));
        srv_events_free(c->events);
        c->events = NULL;
        return EXIT_IO;
    }
    rd_eprintf("serve: listening on %s://%s:%u/ (recordings in %s)",
               o->http.tls_cert ? "https" : "http", inet_ntoa(sa.sin_addr), srv_http_port(h),
               c->db_path);
    wait_for_signals(c, o, &old, &nold);
    rd_eprintf("serve: stopping; letting requests under way finish");
    srv_http_stop(h, 10);
    {
        unsigned long long w, k;
        srv_cache_stats(c->cache, &w, &k);
        if (w > 0) rd_eprintf("serve: %llu recorded writes in %llu commits", w, k);
    }
    srv_events_free(c->events); /* after the daemon: its streams are gone */
    c->events = NULL;
    for (i = 0; i < nold; i++) srv_lib_free(old[i]);
    free(old);
    return EXIT_OK;
}

/* The store must open before we listen: a server that cannot record answers nothing.  This
 * connection stays open for token look-ups. */
static int open_store(srv_ctx *c)
{
    dt_error *err = dt_error_new();
    int rc = 0;
    if (!err || token_init() != 0) {
        dt_error_free(err);
        return EXIT_INTERNAL;
    }
    if (dt_recorder_open(c->db_path, 0, &c->auth, err) != DT_OK) {
        rd_eprintf("serve: %s", dt_error_text(err));
        rc = EXIT_IO;
    }
    dt_error_free(err);
    return rc;
}

/* --seal-key: refused, before anything listens, unless only its owner can read it. */
static int load_key(const serve_opts *o)
{
    char msg[512];
    if (!o->seal_key) return 0;
    if (srv_seal_load(o->seal_key, msg, sizeof msg) == 0) return 0;
    rd_eprintf("serve: %s", msg);
    return EXIT_IO;
}

/* --tls-cert and --tls-key, both or neither, read before anything listens. */
static int load_tls(serve_opts *o)
{
    char msg[512];
    if (!o->tls_cert && !o->tls_key) return 0;
    if (!o->tls_cert || !o->tls_key) {
        rd_eprintf("serve: --tls-cert and --tls-key go together");
        return EXIT_USAGE;
    }
    if (!(o->http.tls_cert = srv_tls_read(o->tls_cert, 0, msg, sizeof msg)) ||
        !(o->http.tls_key = srv_tls_read(o->tls_key, 1, msg, sizeof msg))) {
        rd_eprintf("serve: %s", msg);
        return EXIT_IO;
    }
    return 0;
}

static int make_limits(const serve_opts *o, srv_ctx *c)
{
    if (srv_limit_new(o->rate_token, &c->by_token) != 0 ||
        srv_limit_new(o->rate_address, &c->by_address) != 0 ||
        srv_limit_new(o->rate_address, &c->by_failure) != 0)
        return EXIT_INTERNAL;
    return 0;
}

/* The live-session cache and its pool of store connections.  SQLite takes one writer at a time
 * whatever the number of connections, and connections of one process waiting for each other's
 * file lock sleep in the busy handler (long tails): one connection, its lock taken in turn, is
 * faster.  PostgreSQL writes in parallel: one connection per worker, so that a worker never
 * waits for a connection.  With fewer (8 for 16 workers) the workers queued a second time, each
 * behind its session's last connection, while one arriving later took the first to come free:
 * the p99 at 16 clients was 12-48 ms against 7-11 ms now (README).  srv_cache_new clamps. */
static int make_cache(const serve_opts *o, srv_ctx *c)
{
    unsigned n = o->store_conns                   ? o->store_conns
                 : dt_rec_store_is_pg(c->db_path) ? o->http.threads
                                                  : 1;
    dt_error *err = dt_error_new();
    int rc = EXIT_OK;
    if (!err) return EXIT_INTERNAL;
    if (srv_cache_new(c->db_path, n, &c->cache, err) != 0) {
        rd_eprintf("serve: %s", dt_error_count(err) ? dt_error_text(err) : "out of memory");
        rc = dt_error_count(err) ? EXIT_IO : EXIT_INTERNAL;
    }
    dt_error_free(err);
    return rc;
}

int cmd_serve(int argc, char **argv)
{
    serve_opts o = {"127.0.0.1:8080", NULL, NULL, NULL, NULL, NULL, NULL, NULL, 6000, 600, {65536, 16, 1000, 0, 30, NULL, NULL, 0}, {100, 500, 15, 1800}, NULL, 0};
    srv_ctx c;
    srv_lib *lib = NULL;
    char host[256] = "";
    char *openapi;
    size_t openapi_len = 0;
    int rc;

    if ((rc = parse_args(argc, argv, &o)) != 0) {
        if (rc > 0) return rc;
        fputs(serve_help, stdout);
        return EXIT_OK;
    }
    memset(&c, 0, sizeof c);
    gethostname(host, sizeof host - 1);
    c.db_opt = o.db;
    c.host = host;
    c.cors = o.cors;
    if (!(c.db_path = rh_db_path(o.db, 1))) {
        rd_eprintf("serve: no recording database: HOME is not set; use --db PATH");
        return EXIT_IO;
    }
    dt_init();
    openapi = read_openapi(o.openapi, &openapi_len);
    if (o.openapi && !openapi) {
        rd_eprintf("serve: cannot read %s: %s", o.openapi, strerror(errno));
        rc = EXIT_IO;
    } else if (openapi) {
        srv_set_openapi(openapi, openapi_len);
    }
    pthread_mutex_init(&c.auth_mu, NULL);
    if (rc == 0) rc = load_web(o.web);
    if (rc == 0 && (rc = open_store(&c)) == 0 && (rc = load_key(&o)) == 0 &&
        (rc = load_tls(&o)) == 0 && (rc = make_limits(&o, &c)) == 0 &&
        (rc = load_library(&o, &lib)) == 0) {
        c.lib = lib;
        /* on PostgreSQL a token's look-up is a round trip an action's write saves (srv_known.h) */
        if (dt_rec_store_is_pg(c.db_path) && !(c.known = srv_known_new(256))) rc = EXIT_INTERNAL;
        if (rc == 0) rc = make_cache(&o, &c);
        if (rc == 0) rc = serve(&o, &c);
    }
    srv_cache_free(c.cache);   /* closes live sessions: each stays active and resumable */
    srv_lib_free(c.lib);
    srv_known_free(c.known);
    dt_recorder_close(c.auth);
    pthread_mutex_destroy(&c.auth_mu);
    srv_seal_free();
    srv_static_free();
    srv_limit_free(c.by_token);
    srv_limit_free(c.by_address);
    srv_limit_free(c.by_failure);
    srv_tls_free((char *)o.http.tls_cert);
    srv_tls_free((char *)o.http.tls_key);
    free(openapi);
    free(c.db_path);
    return rc;
}
