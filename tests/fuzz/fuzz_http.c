/*
 * fuzz_http.c — libFuzzer harness for request parsing and routing of `dtree serve`, in process (no
 * sockets): srv_route (cli/srv_route.c) and everything behind it, on a real store, the bundled
 * trees, tokens and a seal key.  Input: a flags byte (which credentials and headers), then
 * "METHOD PATH[?QUERY]\n" and the body.  "$ID" / "$KID" in the path or body stand for the last
 * agent / kiosk session created, "$TOKEN" for the agent's token, so the corpus reaches the
 * session routes.  Oracles: every status is one the contract lists; a problem has a
 * urn:dtree:problem: type and its own status; no 500 other than a tree fault; nothing echoes a
 * token.
 */
#define _GNU_SOURCE
#include "fuzz_common.h"
#include "srv_cache.h"
#include "srv_events.h"
#include "srv_seal.h"
#include "token.h"

#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef DT_FUZZ_TREES
#error "build with -DDT_FUZZ_TREES=\"/abs/path/to/trees\""
#endif

static srv_ctx ctx;
static char dir[64], db[96], key[96];
static char agent_tok[TOKEN_TEXT_MAX], manager_tok[TOKEN_TEXT_MAX];
static char last_id[40] = "none", last_kid[40] = "none";

static void cleanup(void)
{
    char p[128];
    srv_cache_free(ctx.cache);
    srv_events_shutdown(ctx.events);
    srv_events_free(ctx.events);
    srv_lib_free(ctx.lib);
    dt_recorder_close(ctx.auth);
    srv_seal_free();
    unlink(key);
    unlink(db);
    snprintf(p, sizeof p, "%s-wal", db);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", db);
    unlink(p);
    rmdir(dir);
}

static void add_token(const char *name, dt_token_role role, char text[TOKEN_TEXT_MAX])
{
    char hex[TOKEN_HASH_HEX];
    FZ_CHECK(token_new(text) == 0);
    token_hash(text, strlen(text), hex);
    FZ_CHECK(dt_recorder_token_add(ctx.auth, name, role, hex, NULL) == DT_OK);
}

static void setup(void)
{
    static const srv_events_opts ev = {4, 50, 15, 5};
    static const char contract[] = "openapi: 3.1.0\n";
    char msg[512];
    FILE *f;
    dt_init();
    FZ_CHECK(token_init() == 0);
    snprintf(dir, sizeof dir, "%s/dtfuzz-http.XXXXXX", fz_tmpdir());
    FZ_CHECK(mkdtemp(dir) != NULL);
    snprintf(db, sizeof db, "%s/s.db", dir);
    snprintf(key, sizeof key, "%s/seal.key", dir);
    FZ_CHECK((f = fopen(key, "w")) != NULL);
    fputs("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n", f);
    fclose(f);
    chmod(key, 0600);
    FZ_CHECK(srv_seal_load(key, msg, sizeof msg) == 0);
    ctx.db_path = db;
    ctx.host = "fuzz-host";
    pthread_mutex_init(&ctx.auth_mu, NULL);
    FZ_CHECK(dt_recorder_open(db, 0, &ctx.auth, NULL) == DT_OK);
    add_token("fz-agent", DT_ROLE_AGENT, agent_tok);
    add_token("fz-manager", DT_ROLE_MANAGER, manager_tok);
    srv_lib *lib = NULL;
    FZ_CHECK(srv_lib_load(DT_FUZZ_TREES, &lib) == 0 && lib);
    ctx.lib = lib;
    FZ_CHECK(srv_cache_new(db, 1, &ctx.cache, NULL) == 0);
    FZ_CHECK((ctx.events = srv_events_new(db, &ev)) != NULL);
    srv_set_openapi(contract, sizeof contract - 1);
    atexit(cleanup);
}

/* The n bytes at s with every $ID, $KID, $TOKEN (the agent's) and $MTOKEN (the manager's)
 * replaced, NUL-terminated (a NUL inside ends the request early, as it would end the server's
 * copy); malloc'd. */
static char *expand(const char *s, size_t n)
{
    size_t cap = n * 8 + 64, o = 0;
    char *out = malloc(cap);
    FZ_CHECK(out != NULL);
    for (size_t i = 0; i < n; i++) {
        const char *with = NULL;
        size_t skip = 0;
        if (n - i >= 3 && memcmp(s + i, "$ID", 3) == 0) with = last_id, skip = 3;
        else if (n - i >= 4 && memcmp(s + i, "$KID", 4) == 0) with = last_kid, skip = 4;
        else if (n - i >= 6 && memcmp(s + i, "$TOKEN", 6) == 0) with = agent_tok, skip = 6;
        else if (n - i >= 7 && memcmp(s + i, "$MTOKEN", 7) == 0)
            with = manager_tok, skip = 7;
        if (with) {
            o += (size_t)sprintf(out + o, "%s", with);
            i += skip - 1;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

/* The query string, as libmicrohttpd would hand its arguments over (no decoding here). */
static const char *query_arg(void *conn, const char *k)
{
    static char val[256];
    const char *q = conn;
    size_t kl = strlen(k);
    while (q && *q) {
        const char *amp = strchr(q, '&'), *end = amp ? amp : q + strlen(q);
        if ((size_t)(end - q) > kl && strncmp(q, k, kl) == 0 && q[kl] == '=') {
            snprintf(val, sizeof val, "%.*s", (int)(end - q - (ptrdiff_t)kl - 1), q + kl + 1);
            return val;
        }
        q = amp ? amp + 1 : NULL;
    }
    return NULL;
}

static int documented(int status)
{
    static const int ok[] = {200, 201, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 503};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (status == ok[i]) return 1;
    return 0;
}

static void remember(const srv_req *q, const srv_resp *r)
{
    json_t *id = json_object_get(r->json, "id");
    if (r->status != 201 || !json_is_string(id)) return;
    snprintf(strncmp(q->path, "/v1/kiosk/", 10) == 0 ? last_kid : last_id, sizeof last_id, "%s",
             json_string_value(id));
}

/* echoed: the request itself carried a token (the fuzzer puts $TOKEN anywhere), and a refusal
 * may name the client's own offending field or value; otherwise no answer holds a token */
static void check_resp(const srv_resp *r, int echoed)
{
    FZ_CHECK(documented(r->status));
    if (r->stream) return;
    FZ_CHECK(r->json || (r->raw && r->status == 200));
    if (!r->json) return;
    char *text = json_dumps(r->json, JSON_COMPACT);
    FZ_CHECK(text != NULL);
    FZ_CHECK(echoed || (!strstr(text, agent_tok) && !strstr(text, manager_tok)));
    free(text);
    if (r->status < 400) return;
    json_t *type = json_object_get(r->json, "type");
    FZ_CHECK(json_is_string(type) &&
             strncmp(json_string_value(type), "urn:dtree:problem:", 18) == 0);
    FZ_CHECK(json_integer_value(json_object_get(r->json, "status")) == r->status);
    FZ_CHECK(r->status != 500 || strcmp(json_string_value(type), "urn:dtree:problem:tree-fault") == 0);
}

/* Either token, anywhere in the request: the fuzzer finds them both by comparison. */
static int carries(const char *path, const char *qs, const char *body, const char *tok)
{
    return strstr(path, tok) || strstr(body, tok) || (qs && strstr(qs, tok));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    char auth[TOKEN_TEXT_MAX + 16], cookie[TOKEN_TEXT_MAX + 16];
    if (!ready) setup(), ready = 1;
    if (size < 2) return 0;
    unsigned flags = data[0];
    char *all = expand((const char *)data + 1, size - 1);
    char *nl = strchr(all, '\n'), *sp = strchr(all, ' ');
    char *body = nl ? nl + 1 : all + strlen(all);
    if (nl) *nl = '\0';
    if (!sp || (nl && sp > nl)) {
        free(all);
        return 0;
    }
    *sp = '\0';
    char *path = sp + 1, *qs = strchr(path, '?');
    if (qs) *qs++ = '\0';

    srv_req q;
    srv_resp r;
    memset(&q, 0, sizeof q);
    memset(&r, 0, sizeof r);
    q.method = all;
    q.path = path;
    q.content_type = flags & 4 ? "application/json" : flags & 8 ? "text/plain" : NULL;
    snprintf(auth, sizeof auth, "Bearer %s", (flags & 3) == 1 ? agent_tok
                                             : (flags & 3) == 2 ? manager_tok : "dtr_nope");
    q.authorization = flags & 3 ? auth : NULL;
    snprintf(cookie, sizeof cookie, "dtree_token=%s", agent_tok);
    q.cookie = flags & 16 ? cookie : NULL;
    q.origin = flags & 32 ? "http://127.0.0.1:8080" : flags & 64 ? "https://evil.example" : NULL;
    q.host = "127.0.0.1:8080";
    q.https = (flags & 128) != 0;
    q.role = DT_ROLE_AGENT;
    q.query = query_arg;
    q.conn = qs;
    q.body = body;
    q.body_len = strlen(body);
    int echoed = carries(path, qs, body, agent_tok) || carries(path, qs, body, manager_tok);
    srv_route(&ctx, &q, &r);
    check_resp(&r, echoed);
    remember(&q, &r);
    if (r.stream) srv_stream_done(r.stream);
    json_decref(r.json);
    free(all);
    return 0;
}
