/*
 * srv_auth.c — who is asking: the Bearer token of a request, or the sign-in cookie a browser got
 * from POST /v1/login.  Either is hashed and looked up in the store on every request (one indexed
 * read), so a revoked token is refused at once on every instance; except that on PostgreSQL an
 * action (answer, back, restart, note) of a token this server found live before is taken on its
 * name (srv_known.h) and its write checks the token in the same transaction: a round trip less
 * per answer, and a revoked token's write is refused whole.  Anything else such a request would
 * do or say first waits for the look-up (srv_auth_confirm).  A request signed in by cookie
 * that changes anything must come from our own origin (or the --cors one): the browser attaches
 * the cookie by itself, so the Origin check is what stops another page from acting for the agent.
 * Nothing about a refused token is said or logged beyond "401": no hint which part was wrong.
 *
 * The cookie holds the token itself, not a server-side session: it is checked the very same way
 * as the Bearer header (revocation takes effect at the next request, any instance sharing the
 * store accepts it, a restart signs nobody out) and nothing new is stored.  It is HttpOnly (no
 * page script reads it), SameSite=Strict, Path=/, Secure behind TLS, and has no Max-Age: it ends
 * with the browser session.
 */
#include "srv.h"
#include "srv_known.h"
#include "token.h"

#include <string.h>
#include <strings.h>

#define TOKEN_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#define TOKEN_LEN_MAX 256

/* The value of cookie `name` in Cookie header h into out: its length, or 0 when absent, empty or
 * not made of token characters. */
static size_t cookie_value(const char *h, const char *name, char *out, size_t size)
{
    size_t nlen = strlen(name), vlen;
    while (h && *h) {
        h += strspn(h, " \t;");
        if (strncmp(h, name, nlen) == 0 && h[nlen] == '=') {
            h += nlen + 1;
            vlen = strcspn(h, ";");
            if (vlen == 0 || vlen >= size || strspn(h, TOKEN_CHARS) != vlen) return 0;
            memcpy(out, h, vlen);
            out[vlen] = '\0';
            return vlen;
        }
        h += strcspn(h, ";");
    }
    return 0;
}

static int changes_state(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

int srv_origin_ok(const srv_ctx *c, const srv_req *q)
{
    const char *scheme = q->https ? "https://" : "http://";
    size_t n = strlen(scheme);
    if (!q->origin) return 0;
    if (c->cors && strcasecmp(q->origin, c->cors) == 0) return 1;
    return q->host && q->host[0] && strncasecmp(q->origin, scheme, n) == 0 &&
           strcasecmp(q->origin + n, q->host) == 0;
}

/* The live token of hash hex: DT_OK with its name and role, else 401 or 503 in r. */
static dt_status find(srv_ctx *c, const char *hex, char name[128], dt_token_role *role,
                      srv_resp *r)
{
    dt_status st;
    pthread_mutex_lock(&c->auth_mu);
    st = dt_recorder_token_find(c->auth, hex, role, name, NULL);
    pthread_mutex_unlock(&c->auth_mu);
    if (st == DT_OK) {
        srv_known_put(c->known, hex, name, *role);
        return st;
    }
    if (st == DT_ENOTFOUND) {
        srv_known_forget(c->known, hex);
        srv_problem(r, SRV_P_UNAUTHORIZED, "the token is not valid (unknown or revoked)", NULL);
    } else {
        srv_problem(r, SRV_P_STORE, "the tokens cannot be read", NULL);
    }
    return st;
}

/* The live token text[0..len) into q->agent and q->role: 0; else -1 with 401 or 503 in r.
 * defer: a token known live before is taken on its name (r->token_unchecked). */
static int lookup(srv_ctx *c, const char *text, size_t len, int defer, srv_req *q, srv_resp *r)
{
    char hex[TOKEN_HASH_HEX], name[128];
    dt_token_role role = DT_ROLE_AGENT;

    if (len == 0 || len > TOKEN_LEN_MAX || strspn(text, TOKEN_CHARS) < len) {
        srv_problem(r, SRV_P_UNAUTHORIZED, "the token is not valid (unknown or revoked)", NULL);
        return -1;
    }
    token_hash(text, len, hex);
    if (defer && srv_known_get(c->known, hex, name, &role))
        r->token_unchecked = 1;
    else if (find(c, hex, name, &role, r) != DT_OK)
        return -1;
    snprintf(q->agent, sizeof q->agent, "%s", name);
    snprintf(q->token_hash, sizeof q->token_hash, "%s", hex);
    q->role = role;
    return 0;
}

int srv_authorize(srv_ctx *c, srv_req *q, dt_token_role need, int defer, srv_resp *r)
{
    const char *h = q->authorization;
    char tok[TOKEN_LEN_MAX + 1];
    size_t n;
    int rc;

    if (h) { /* a Bearer header wins, and is never mixed with the cookie */
        if (strncmp(h, "Bearer ", 7) != 0) {
            srv_problem(r, SRV_P_UNAUTHORIZED, "send Authorization: Bearer TOKEN (dtree token add)",
                        NULL);
            return -1;
        }
        rc = lookup(c, h + 7, strlen(h + 7), defer, q, r);
    } else if ((n = cookie_value(q->cookie, SRV_COOKIE, tok, sizeof tok)) != 0) {
        if (changes_state(q->method) && !srv_origin_ok(c, q)) {
            token_wipe(tok, sizeof tok);
            srv_problem(r, SRV_P_ORIGIN, "a change signed in by cookie must come from this "
                                         "server's own pages (the Origin header did not match)",
                        NULL);
            return -1;
        }
        q->by_cookie = 1;
        rc = lookup(c, tok, n, defer, q, r);
        token_wipe(tok, sizeof tok);
    } else {
        srv_problem(r, SRV_P_UNAUTHORIZED,
                    "send Authorization: Bearer TOKEN (dtree token add), or sign in", NULL);
        return -1;
    }
    if (rc != 0) return -1;
    if (q->role < need) {
        srv_problem(r, SRV_P_FORBIDDEN, dt_token_role_name(need), NULL);
        return -1;
    }
    return 0;
}

int srv_auth_confirm(srv_ctx *c, const srv_req *q, srv_resp *r)
{
    char name[128];
    dt_token_role role;
    if (!r->token_unchecked) return 0;
    r->token_unchecked = 0;
    if (find(c, q->token_hash, name, &role, r) == DT_OK) return 0;
    /* the problem replaced what was about to be said: nothing of it goes to this token */
    r->created = 0;
    r->etag[0] = '\0';
    r->retry_after = 0;
    return -1;
}

/* Set-Cookie for value (NULL: the expiring cookie that signs out). */
static void set_cookie(const srv_req *q, const char *value, srv_resp *r)
{
    snprintf(r->set_cookie, sizeof r->set_cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s",
             SRV_COOKIE, value ? value : "", value ? "" : "; Max-Age=0",
             q->https ? "; Secure" : "");
}

static json_t *who_json(const srv_req *q)
{
    return json_pack("{s:s,s:s,s:s}", "agent", q->agent, "role", dt_token_role_name(q->role),
                     "via", q->by_cookie ? "cookie" : "bearer");
}

void srv_login(srv_ctx *c, srv_req *q, srv_resp *r)
{
    static const char *const allowed[] = {"token", NULL};
    json_t *body, *tok;

    if (!srv_origin_ok(c, q)) { /* also stops a page elsewhere signing the agent in as itself */
        srv_problem(r, SRV_P_ORIGIN, "sign in from this server's own pages", NULL);
        return;
    }
    if (srv_parse_body(q, allowed, &body, r) != 0) return;
    tok = json_object_get(body, "token");
    if (!json_is_string(tok)) {
        srv_problem(r, SRV_P_INVALID_FIELD, "token must be the token dtree token add printed",
                    "token");
    } else if (lookup(c, json_string_value(tok), json_string_length(tok), 0, q, r) == 0) {
        set_cookie(q, json_string_value(tok), r);
        q->by_cookie = 1;
        srv_ok(r, 200, who_json(q));
    }
    json_decref(body); /* jansson frees the copy of the token; it never reaches a log */
}

void srv_logout(srv_ctx *c, srv_req *q, srv_resp *r)
{
    if (!srv_origin_ok(c, q)) {
        srv_problem(r, SRV_P_ORIGIN, "sign out from this server's own pages", NULL);
        return;
    }
    set_cookie(q, NULL, r);
    srv_ok(r, 200, json_pack("{s:b}", "signed_in", 0));
}

void srv_me(srv_ctx *c, srv_req *q, srv_resp *r)
{
    (void)c;
    srv_ok(r, 200, who_json(q));
}
