/*
 * kiosk_tree.h — what the kiosk needs from a tree that dtree.h does not offer (yet): the root
 * file's <handoff> target and its text, interpolated like any shown text.  Kept in one file so
 * that moving to a public dt_tree_handoff() later is a one-file change.
 */
#ifndef DTREE_CLI_KIOSK_TREE_H
#define DTREE_CLI_KIOSK_TREE_H

#include "dtree.h"

/* The step id of <handoff to="..."> in the root file (borrowed from the tree), or NULL. */
const char *kt_handoff_step(const dt_tree *t);
/* The <handoff> text with {name} replaced by the session's display values (sensitive ones stay
 * masked), malloc'd; NULL when the tree gives no text or out of memory. */
char *kt_handoff_text(const dt_tree *t, const dt_session *s);

#endif
