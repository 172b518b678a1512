/*
 * srv_manage.c — the manager routes of `dtree serve`: the session list and the reports, read from
 * the store through the same library calls as `dtree sessions` and `dtree report`.  Filters are
 * checked before anything is read: an unknown status or a bad time is 400 naming the field.
 */
#include "record_hook.h"
#include "srv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int open_read(srv_ctx *c, dt_recorder **rec, srv_resp *r)
{
    dt_error *err = dt_error_new();
    int rc = 0;
    if (!err || dt_recorder_open(c->db_path, DT_REC_READONLY, rec, err) != DT_OK) {
        srv_problem(r, SRV_P_STORE, err ? dt_error_text(err) : "out of memory", NULL);
        rc = -1;
    }
    dt_error_free(err);
    return rc;
}

static int known_status(const char *s)
{
    return dt_rec_status_from_name(s, NULL) == DT_OK;
}

/* The filter from the query string; -1 with r filled when a value is not valid. */
static int filter(const srv_req *q, dt_rec_filter *f, srv_resp *r)
{
    const char *v;
    char *end;
    dt_rec_filter_init(f);
    f->limit = 100;
    f->agent = q->query(q->conn, "agent");
    f->tree = q->query(q->conn, "tree");
    f->mode = q->query(q->conn, "mode");
    if ((v = q->query(q->conn, "status")) != NULL) {
        if (!known_status(v)) {
            srv_problem(r, SRV_P_INVALID_FIELD,
                        "status is one of active, completed, abandoned, transferred, timed_out",
                        "status");
            return -1;
        }
        f->status = v;
    }
    if ((v = q->query(q->conn, "since")) != NULL && rh_parse_time(v, &f->since_ms) != 0) {
        srv_problem(r, SRV_P_INVALID_FIELD, "since is YYYY-MM-DD[ HH:MM], or 30m, 12h, 7d ago",
                    "since");
        return -1;
    }
    if ((v = q->query(q->conn, "limit")) != NULL) {
        unsigned long n = strtoul(v, &end, 10);
        if (!*v || *end || n == 0 || n > 1000) {
            srv_problem(r, SRV_P_INVALID_FIELD, "limit is a whole number from 1 to 1000", "limit");
            return -1;
        }
        f->limit = n;
    }
    return 0;
}

static int add_session(void *user, const dt_rec_session *s)
{
    json_t *o = json_object();
    if (!o) return 1;
    json_object_set_new(o, "id", json_string(s->id));
    json_object_set_new(o, "tree", json_string(s->tree_id));
    json_object_set_new(o, "agent", json_string(s->agent));
    json_object_set_new(o, "mode", json_string(s->mode));
    json_object_set_new(o, "status", json_string(s->status));
    json_object_set_new(o, "outcome", s->outcome[0] ? json_string(s->outcome) : json_null());
    json_object_set_new(o, "started_ms", json_integer((json_int_t)s->started_ms));
    json_object_set_new(o, "ended_ms", s->ended_ms ? json_integer((json_int_t)s->ended_ms) : json_null());
    json_object_set_new(o, "talk_ms", json_integer((json_int_t)s->talk_ms));
    json_object_set_new(o, "steps", json_integer((json_int_t)s->steps));
    json_array_append_new(user, o);
    return 0;
}

void srv_manage_list(srv_ctx *c, const srv_req *q, srv_resp *r)
{
    dt_rec_filter f;
    dt_recorder *rec = NULL;
    dt_error *err;
    json_t *list;

    if (filter(q, &f, r) != 0 || open_read(c, &rec, r) != 0) return;
    list = json_array();
    err = dt_error_new();
    if (!list || !err) srv_problem(r, SRV_P_INTERNAL, "out of memory", NULL);
    else if (dt_recorder_list(rec, &f, add_session, list, err) != DT_OK)
        srv_problem(r, SRV_P_STORE, dt_error_text(err), NULL);
    else srv_ok(r, 200, json_pack("{s:O}", "sessions", list));
    json_decref(list);
    dt_error_free(err);
    dt_recorder_close(rec);
}

static json_t *table_json(const dt_rec_table *t)
{
    json_t *o = json_object(), *cols = json_array(), *rows = json_array(), *row;
    size_t i, j;
    for (j = 0; cols && j < t->ncols; j++) json_array_append_new(cols, json_string(t->cols[j]));
    for (i = 0; rows && i < t->nrows; i++) {
        if (!(row = json_array())) break;
        for (j = 0; j < t->ncols; j++) {
            const char *cell = t->cells[i * t->ncols + j];
            json_array_append_new(row, !cell             ? json_null()
                                       : !t->numeric[j]   ? json_string(cell)
                                       : strchr(cell, '.') ? json_real(strtod(cell, NULL))
                                                          : json_integer(strtoll(cell, NULL, 10)));
        }
        json_array_append_new(rows, row);
    }
    if (o) {
        json_object_set_new(o, "name", json_string(t->name));
        json_object_set_new(o, "columns", cols);
        json_object_set_new(o, "rows", rows);
    }
    return o;
}

void srv_manage_report(srv_ctx *c, const srv_req *q, const char *name, srv_resp *r)
{
    dt_rec_filter f;
    dt_recorder *rec = NULL;
    dt_rec_report *rep = NULL;
    dt_error *err;
    size_t i;

    for (i = 0; dt_rec_report_name(i) && strcmp(dt_rec_report_name(i), name) != 0; i++)
        ;
    if (!dt_rec_report_name(i)) {
        char names[256] = "the reports are:";
        for (i = 0; dt_rec_report_name(i); i++)
            snprintf(names + strlen(names), sizeof names - strlen(names), " %s",
                     dt_rec_report_name(i));
        srv_problem(r, SRV_P_NOT_FOUND, names, NULL);
        return;
    }
    if (filter(q, &f, r) != 0 || open_read(c, &rec, r) != 0) return;
    f.limit = 0;
    if (!(err = dt_error_new())) srv_problem(r, SRV_P_INTERNAL, "out of memory", NULL);
    else if (dt_recorder_report(rec, &f, 10, &rep, err) != DT_OK)
        srv_problem(r, SRV_P_STORE, dt_error_text(err), NULL);
    else if (i >= dt_rec_report_count(rep))
        srv_problem(r, SRV_P_INTERNAL, "the report has no such table", NULL);
    else srv_ok(r, 200, table_json(dt_rec_report_table(rep, i)));
    dt_rec_report_free(rep);
    dt_error_free(err);
    dt_recorder_close(rec);
}
