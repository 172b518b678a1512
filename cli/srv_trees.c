/*
 * srv_trees.c — the tree library of `dtree serve`: every tree of the library directory loaded once
 * at start, with its calls, and never changed while the server runs, so that request threads can
 * read it without locks (a tree is read-only once loaded).  Files that fail to load are left out
 * and named on stderr, as the picker of `dtree run` leaves them out.
 */
#include "library.h"
#include "render.h"
#include "srv.h"

#include <stdlib.h>
#include <string.h>

struct srv_lib {
    dt_tree **trees;
    size_t n;
};

static int load_one(srv_lib *l, const lib_entry *e, const char *dir)
{
    dt_load_options o;
    dt_error *err = dt_error_new();
    dt_tree *t = NULL;

    if (!err) return -1;
    dt_load_options_init(&o);
    o.library_dir = dir;
    if (dt_tree_load_file(e->path, &o, &t, err) != DT_OK) {
        rd_eprintf("serve: %s not served: %s", e->path, dt_error_text(err));
    } else if (srv_lib_find(l, dt_tree_id(t))) {
        rd_eprintf("serve: %s not served: tree id '%s' is already taken", e->path, dt_tree_id(t));
        dt_tree_free(t);
    } else {
        l->trees[l->n++] = t;
    }
    dt_error_free(err);
    return 0;
}

int srv_lib_load(const char *dir, srv_lib **out)
{
    lib_list list;
    srv_lib *l;
    size_t i;

    *out = NULL;
    if (lib_list_load(dir, &list) != 0) return -1;
    if (!(l = calloc(1, sizeof *l)) || !(l->trees = calloc(list.count + 1, sizeof *l->trees))) {
        free(l);
        lib_list_free(&list);
        return -1;
    }
    for (i = 0; i < list.count; i++)
        if (load_one(l, &list.items[i], dir) != 0) break;
    lib_list_free(&list);
    *out = l;
    return 0;
}

void srv_lib_free(srv_lib *l)
{
    size_t i;
    if (!l) return;
    for (i = 0; i < l->n; i++) dt_tree_free(l->trees[i]);
    free(l->trees);
    free(l);
}

const dt_tree *srv_lib_find(const srv_lib *l, const char *id)
{
    size_t i;
    for (i = 0; id && i < l->n; i++)
        if (strcmp(dt_tree_id(l->trees[i]), id) == 0) return l->trees[i];
    return NULL;
}

static json_t *split_tags(const char *tags)
{
    json_t *a = json_array();
    const char *p = tags ? tags : "";
    while (a && *p) {
        size_t n = strcspn(p, " ");
        if (n) json_array_append_new(a, json_stringn(p, n));
        p += n;
        p += strspn(p, " ");
    }
    return a;
}

json_t *srv_lib_json(const srv_lib *l)
{
    json_t *a = json_array(), *o, *langs;
    size_t i;
    for (i = 0; a && i < l->n; i++) {
        const dt_tree *t = l->trees[i];
        if (!(o = json_object())) break;
        json_object_set_new(o, "id", json_string(dt_tree_id(t)));
        json_object_set_new(o, "title", json_string(dt_tree_title(t)));
        json_object_set_new(o, "version", json_string(dt_tree_version(t)));
        json_object_set_new(o, "hash", json_string(dt_tree_hash(t)));
        json_object_set_new(o, "description", json_string(dt_tree_description(t)));
        json_object_set_new(o, "tags", split_tags(dt_tree_tags(t)));
        json_object_set_new(o, "kiosk", json_boolean(dt_tree_is_kiosk(t)));
        langs = json_array();
        if (langs && dt_tree_lang(t) && dt_tree_lang(t)[0])
            json_array_append_new(langs, json_string(dt_tree_lang(t)));
        json_object_set_new(o, "languages", langs);
        json_array_append_new(a, o);
    }
    return a;
}
