/*
 * match.h — turn what a person typed into one of the labels on screen: a number, the whole label,
 * a choice id, a unique label prefix, or a unique word (prefix) inside a label.  ASCII letters
 * compare case-insensitively.  Used by `run` for choices and for the tree picker; meant for kiosk.
 */
#ifndef DTREE_CLI_MATCH_H
#define DTREE_CLI_MATCH_H

#include <stddef.h>

typedef enum mt_result {
    MT_ONE = 0,    /* *index is the match */
    MT_NONE,       /* nothing matches */
    MT_MANY,       /* ambiguous: cands[0..*ncands) are the candidates (indexes) */
    MT_RANGE       /* a number outside 1..n */
} mt_result;

/* labels[i] (and ids[i], ids may be NULL) for i < n.  cands must hold n entries. */
mt_result mt_match(const char *typed, const char *const *labels, const char *const *ids, size_t n,
                   size_t *index, size_t *cands, size_t *ncands);

#endif
