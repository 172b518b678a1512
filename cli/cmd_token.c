/*
 * cmd_token.c — `dtree token add|list|revoke`: the access tokens of `dtree serve`.  A new token is
 * printed once, alone on stdout (so `TOKEN=$(dtree token add …)` works), and only its hash is
 * stored, in the recording store every server instance reads.
 */
#include "commands.h"
#include "exitcodes.h"
#include "opts.h"
#include "record_hook.h"
#include "render.h"
#include "token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char token_help[] =
    "Usage: dtree token add NAME --role agent|manager [--db PATH]\n"
    "       dtree token list [--db PATH]\n"
    "       dtree token revoke NAME [--db PATH]\n"
    "Access tokens for `dtree serve`.  `add` prints the new token once, alone on stdout: give it\n"
    "to the agent (or the CRM) it is for; it is sent as `Authorization: Bearer TOKEN`.  Only a\n"
    "hash is stored, in the recording store, so every server sharing the store knows it and a\n"
    "revocation takes effect at once.  An agent token starts and answers sessions, and the\n"
    "sessions it starts are recorded under its NAME; a manager token may also list sessions and\n"
    "read reports.\n\n"
    "Exit status:\n"
    "  0  done\n"
    "  1  no such token (revoke), or the name is taken (add)\n"
    "  2  usage: bad or missing argument\n"
    "  4  I/O: the recording store cannot be used\n";

typedef struct tok_opts {
    const char *verb, *name, *role, *db;
} tok_opts;

static int usage_error(const char *what, const char *arg)
{
    rd_eprintf("token: %s '%s'; see 'dtree help token'", what, arg);
    return EXIT_USAGE;
}

static int parse(int argc, char **argv, tok_opts *o)
{
    int i, r;
    for (i = 1; i < argc; i++) {
        const char *val = NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return -1;
        if ((r = opt_value(argc, argv, &i, "--role", &val)) != 0) {
            if (r < 0) return usage_error("missing value after", "--role");
            o->role = val;
        } else if ((r = opt_value(argc, argv, &i, "--db", &val)) != 0) {
            if (r < 0) return usage_error("missing value after", "--db");
            o->db = val;
        } else if (argv[i][0] == '-') {
            return usage_error("unknown option", argv[i]);
        } else if (!o->verb) {
            o->verb = argv[i];
        } else if (!o->name) {
            o->name = argv[i];
        } else {
            return usage_error("unexpected argument", argv[i]);
        }
    }
    if (!o->verb) return usage_error("missing", "add, list or revoke");
    return 0;
}

static int list_one(void *user, const dt_token_info *t)
{
    char made[24], gone[24] = "";
    rh_format_time(t->created_ms, made, sizeof made);
    if (t->revoked_ms) rh_format_time(t->revoked_ms, gone, sizeof gone);
    rd_printf(user, RD_PLAIN, "%-24s %-8s %s  %s%s\n", t->name, dt_token_role_name(t->role), made,
              t->revoked_ms ? "revoked " : "live", t->revoked_ms ? gone : "");
    return 0;
}

static int add(dt_recorder *rec, const tok_opts *o, dt_error *err)
{
    dt_token_role role;
    char text[TOKEN_TEXT_MAX], hex[TOKEN_HASH_HEX];
    if (!o->role || dt_token_role_from_name(o->role, &role) != DT_OK)
        return usage_error("--role must be agent or manager, not", o->role ? o->role : "(none)");
    if (token_init() != 0 || token_new(text) != 0) {
        rd_eprintf("token: no source of randomness");
        return EXIT_INTERNAL;
    }
    token_hash(text, strlen(text), hex);
    if (dt_recorder_token_add(rec, o->name, role, hex, err) != DT_OK) {
        token_wipe(text, sizeof text);
        rd_eprintf("token: %s", dt_error_text(err));
        return EXIT_FAIL;
    }
    printf("%s\n", text);   /* the only copy there will ever be */
    fflush(stdout);
    token_wipe(text, sizeof text);
    return EXIT_OK;
}

static int act(dt_recorder *rec, const tok_opts *o, dt_error *err)
{
    if (strcmp(o->verb, "list") == 0) {
        rd_screen sc;
        if (o->name) return usage_error("list takes no name:", o->name);
        rd_screen_init(&sc, stdout, 0);
        if (dt_recorder_token_list(rec, list_one, &sc, err) == DT_OK) return EXIT_OK;
        rd_eprintf("token: %s", dt_error_text(err));
        return EXIT_IO;
    }
    if (!o->name) return usage_error("missing NAME after", o->verb);
    if (strcmp(o->verb, "add") == 0) return add(rec, o, err);
    if (strcmp(o->verb, "revoke") == 0) {
        if (dt_recorder_token_revoke(rec, o->name, err) == DT_OK) return EXIT_OK;
        rd_eprintf("token: %s", dt_error_text(err));
        return EXIT_FAIL;
    }
    return usage_error("unknown action (add, list, revoke):", o->verb);
}

int cmd_token(int argc, char **argv)
{
    tok_opts o = {NULL, NULL, NULL, NULL};
    dt_recorder *rec = NULL;
    dt_error *err;
    char *path;
    int rc = parse(argc, argv, &o);

    if (rc != 0) {
        if (rc > 0) return rc;
        fputs(token_help, stdout);
        return EXIT_OK;
    }
    if (!(path = rh_db_path(o.db, 1)) || !(err = dt_error_new())) {
        free(path);
        rd_eprintf("token: no recording database: HOME is not set; use --db PATH");
        return EXIT_IO;
    }
    dt_init();
    if (dt_recorder_open(path, 0, &rec, err) != DT_OK) {
        rd_eprintf("token: %s", dt_error_text(err));
        rc = EXIT_IO;
    } else {
        rc = act(rec, &o, err);
    }
    dt_recorder_close(rec);
    dt_error_free(err);
    free(path);
    return rc;
}
