/*
 * record_token.c — access tokens of `dtree serve`, kept in the recording store so that every
 * server instance sharing the store sees the same tokens and a revocation at once.  Only a hash of
 * each token is stored (the caller hashes: the engine never sees a token); a row is never deleted,
 * only marked revoked, so the list shows who had access and until when.
 */
#include "error.h"
#include "record.h"
#include <stdio.h>
#include <string.h>

static const char *const role_names[] = {
#define REC_ROLE_NAME_(e, name) name,
    DT_TOKEN_ROLE_LIST(REC_ROLE_NAME_)
#undef REC_ROLE_NAME_
};

const char *dt_token_role_name(dt_token_role r)
{
    return (unsigned)r < sizeof role_names / sizeof role_names[0] ? role_names[r] : "unknown";
}

dt_status dt_token_role_from_name(const char *name, dt_token_role *out)
{
    for (size_t i = 0; name && i < sizeof role_names / sizeof role_names[0]; i++)
        if (strcmp(role_names[i], name) == 0) {
            *out = (dt_token_role)i;
            return DT_OK;
        }
    return DT_ENOTFOUND;
}

static dt_status prepared(dt_recorder *rec, const char *sql, rdb_stmt **st, dt_error *err)
{
    int rc;
    if (!rec)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record", "no recorder");
    if ((rc = rdb_prepare(rec->db, sql, st)) != RDB_OK)
        return dt_rec_sqlerr(rec, err, rc, "reading the tokens");
    return DT_OK;
}

dt_status dt_recorder_token_add(dt_recorder *rec, const char *name, dt_token_role role,
                                const char *hash, dt_error *err)
{
    static const char sql[] =
        "INSERT INTO tokens(name, role, hash, created_ms) VALUES($1, $2, $3, $4)";
    rdb_stmt *st = NULL;
    if (!name || !name[0] || !hash || strlen(hash) < 32)
        return dt_err_error(err, DT_EARG, NULL, 0, 0, "record-token",
                            "a token needs a name and a hash");
    dt_status ret = prepared(rec, sql, &st, err);
    if (ret != DT_OK)
        return ret;
    int rc = rdb_bind_text(st, 1, name);
    rc = rc ? rc : rdb_bind_text(st, 2, dt_token_role_name(role));
    rc = rc ? rc : rdb_bind_text(st, 3, hash);
    rc = rc ? rc : rdb_bind_i64(st, 4, dt_rec_now(rec));
    rc = rc ? rc : rdb_run(st, NULL);
    rdb_finalize(st);
    if (rc == RDB_ECONSTRAINT)
        return dt_err_error(err, DT_EARG, rec->path, 0, 0, "record-token",
                            "a token named '%s' exists already (revoke it, or choose another name)",
                            name);
    return rc == RDB_OK ? DT_OK : dt_rec_sqlerr(rec, err, rc, "adding a token");
}

dt_status dt_recorder_token_find(dt_recorder *rec, const char *hash, dt_token_role *role,
                                 char name_out[128], dt_error *err)
{
    static const char sql[] =
        "SELECT name, role FROM tokens WHERE hash = $1 AND revoked_ms IS NULL";
    rdb_stmt *st = NULL;
    dt_status ret = prepared(rec, sql, &st, err);
    if (ret != DT_OK)
        return ret;
    int rc = rdb_bind_text(st, 1, hash ? hash : "");
    rc = rc ? rc : rdb_step(st);
    if (rc == RDB_ROW) {
        snprintf(name_out, 128, "%s", rdb_col_str(st, 0));
        if (dt_token_role_from_name(rdb_col_str(st, 1), role) != DT_OK)
            rc = RDB_ECORRUPT;
    }
    rdb_finalize(st);
    if (rc == RDB_DONE)
        return DT_ENOTFOUND; /* no message: the caller says 401 without telling why */
    return rc == RDB_ROW ? DT_OK : dt_rec_sqlerr(rec, err, rc, "reading the tokens");
}

dt_status dt_recorder_token_revoke(dt_recorder *rec, const char *name, dt_error *err)
{
    static const char sql[] =
        "UPDATE tokens SET revoked_ms = $2 WHERE name = $1 AND revoked_ms IS NULL";
    rdb_stmt *st = NULL;
    dt_status ret = prepared(rec, sql, &st, err);
    if (ret != DT_OK)
        return ret;
    int64_t changed = 0;
    int rc = rdb_bind_text(st, 1, name ? name : "");
    rc = rc ? rc : rdb_bind_i64(st, 2, dt_rec_now(rec));
    rc = rc ? rc : rdb_run(st, &changed);
    rdb_finalize(st);
    if (rc != RDB_OK)
        return dt_rec_sqlerr(rec, err, rc, "revoking a token");
    if (changed == 0)
        return dt_err_error(err, DT_ENOTFOUND, rec->path, 0, 0, "record-token",
                            "no live token named '%s' (dtree token list shows them)", name);
    return DT_OK;
}

dt_status dt_recorder_token_list(dt_recorder *rec, dt_token_fn fn, void *user, dt_error *err)
{
    static const char sql[] = "SELECT name, role, created_ms, coalesce(revoked_ms, 0) FROM tokens"
                              " ORDER BY created_ms, name";
    rdb_stmt *st = NULL;
    dt_status ret = prepared(rec, sql, &st, err);
    int rc;
    if (ret != DT_OK)
        return ret;
    while ((rc = rdb_step(st)) == RDB_ROW) {
        dt_token_info t;
        t.name = rdb_col_str(st, 0);
        if (dt_token_role_from_name(rdb_col_str(st, 1), &t.role) != DT_OK)
            continue;
        t.created_ms = dt_rec_col_ms(st, 2);
        t.revoked_ms = dt_rec_col_ms(st, 3);
        if (fn(user, &t) != 0)
            break;
    }
    rdb_finalize(st);
    return rc == RDB_ROW || rc == RDB_DONE ? DT_OK
                                           : dt_rec_sqlerr(rec, err, rc, "listing the tokens");
}

/* -- A write made for a token (dtree serve): the token's check rides in the write's first
 * INSERT, so that on PostgreSQL an answer costs no round trip more than its write, and the
 * check and the rows are one transaction: a revocation committed before the write keeps all of
 * it out, one committed after finds it written, as a look-up before the write would have. */
void dt_recorder_require_token(dt_recorder *rec, const char *hash)
{
    if (!rec)
        return;
    /* events queued under the token and not written yet (a store failure) keep needing it:
     * whoever writes them later, and whenever, writes them only while it is live */
    if (rec->need_token[0] && rec->token_state == 0 && rec->npend > 0)
        return;
    snprintf(rec->need_token, sizeof rec->need_token, "%s", hash ? hash : "");
    if (rec->token_state > 0)
        rec->token_state = 0; /* a refusal stays: the recorder stopped writing for good */
}

int dt_recorder_token_state(const dt_recorder *rec)
{
    return rec ? rec->token_state : 0;
}

size_t dt_rec_token_held_sql(const dt_recorder *rec, int param, char *buf, size_t size)
{
    if (!rec->need_token[0])
        return 0;
    int n = snprintf(buf, size, " AND EXISTS (SELECT 1 FROM tokens dtree_k WHERE dtree_k.hash = $%d"
                                " AND dtree_k.revoked_ms IS NULL)",
                     param);
    return n < 0 ? size : (size_t)n;
}

int dt_rec_token_refusal(dt_recorder *rec, int rc)
{
    static const char sql[] = "SELECT 1 FROM tokens WHERE hash = $1 AND revoked_ms IS NULL";
    if (rc != REC_OUT_OF_ORDER || !rec->need_token[0])
        return rc;
    if (dt_rec_is_pg(rec))
        rdb_rollback(rec->db);
    return dt_rec_absent(rec, sql, 0, rec->need_token) ? REC_TOKEN_REVOKED : rc;
}
