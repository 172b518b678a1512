/*
 * fuzz_graphcheck.h — the oracle for graph output (dot and Mermaid), shared by fuzz_graph and
 * fuzz_record (graph --heat).  Author text may only ever appear inside quoted strings: every quoted
 * string is replaced by "S" and each line must then be one of the line shapes dt_tree_graph writes.
 * So a quote, bracket, brace or newline that leaks out of a label shows as a line of another shape.
 * Inside strings: no control character (C0, DEL, C1), dot escapes complete, Mermaid strings without
 * raw quotes, '<' '>' only as <br/>, '#' only as an entity.  Header-only, like fuzz_common.h.
 */
#ifndef DTREE_FUZZ_GRAPHCHECK_H
#define DTREE_FUZZ_GRAPHCHECK_H

#include "fuzz_common.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const fz_dot_lines[] = {
    "digraph \"S\" \\{",
    "  (graph|node|edge) \\[fontname=\"S\", fontsize=[0-9]+\\];",
    "  subgraph cluster_[0-9]+ \\{",
    "    label=\"S\";",
    ("    s[0-9]+ \\[shape=[a-z]+, label=\"S\", style=(\"S\"|filled)(, peripheries=2)?, fillcolor=\"S\""
     "(, color=red, penwidth=3, xlabel=\"S\")?\\];"),
    "  \\}",
    "\\}",
    "  start \\[shape=point, width=0\\.15\\];",
    "  start -> s[0-9]+;",
    "  s[0-9]+ -> s[0-9]+ \\[label=\"S\"(, style=dashed)?(, penwidth=[0-9]+\\.[0-9])?\\];",
};
static const char *const fz_mermaid_lines[] = {
    "flowchart TD",
    "  subgraph u[0-9]+\\[\"S\"\\]",
    ("    s[0-9]+(\\(\"S\"\\)|\\[\"S\"\\]|\\[/\"S\"/\\]|\\{\"S\"\\}|\\[\\[\"S\"\\]\\]|>\"S\"\\]|"
     "\\(\\(\"S\"\\)\\))"),
    "    style s[0-9]+ (fill:#[0-9a-f]{6}|stroke:#d00,stroke-width:3px)",
    "  end",
    "  s[0-9]+ (-->|-\\.->)( \\|\"S\"\\|)? s[0-9]+",
    "  s[0-9]+ (-->|-\\.->)\\|\"S\"\\| s[0-9]+",
    "  linkStyle [0-9]+ stroke-width:[0-9]+\\.[0-9]px",
};
#define FZ_NDOT (sizeof fz_dot_lines / sizeof fz_dot_lines[0])
#define FZ_NMERMAID (sizeof fz_mermaid_lines / sizeof fz_mermaid_lines[0])

/* Why the graph is wrong, or NULL when it is fine; `where` gets the offending line (cut). */
static inline const char *fz_graph_problem(const char *g, size_t len, int mermaid, char *where,
                                           size_t wsize)
{
    static regex_t re[2][16];
    static int ready;
    if (!ready) {
        for (size_t i = 0; i < FZ_NDOT + FZ_NMERMAID; i++) {
            char pat[512];
            int m = i >= FZ_NDOT;
            snprintf(pat, sizeof pat, "^%s$", m ? fz_mermaid_lines[i - FZ_NDOT] : fz_dot_lines[i]);
            if (regcomp(&re[m][m ? i - FZ_NDOT : i], pat, REG_EXTENDED | REG_NOSUB) != 0)
                abort();
        }
        ready = 1;
    }
    char *line = malloc(len + 1);
    const char *why = NULL;
    size_t n = 0;
    int in = 0;
    for (size_t i = 0; i <= len && !why; i++) {
        unsigned char c = i < len ? (unsigned char)g[i] : '\n';
        unsigned char d = i + 1 < len ? (unsigned char)g[i + 1] : 0;
        if (c == 0 || (c < 0x20 && c != '\n') || c == 0x7f)
            why = "raw control character";
        else if (c == 0xc2 && d >= 0x80 && d < 0xa0)
            why = "raw C1 control character";
        else if (c == '\n' && in)
            why = "line break inside a quoted string";
        else if (c == '\n') {
            line[n] = 0;
            size_t k = 0, nre = mermaid ? FZ_NMERMAID : FZ_NDOT;
            while (k < nre && regexec(&re[mermaid][k], line, 0, NULL, 0) != 0)
                k++;
            if (n && k == nre)
                why = "a line of unexpected shape (text escaped its quotes?)";
            else if (!n && i < len)
                why = "empty line";
            if (!why)
                n = 0;
        } else if (c == '"') {
            line[n++] = '"';
            if (!in)
                line[n++] = 'S';
            in = !in;
        } else if (!in) {
            line[n++] = (char)c;
        } else if (!mermaid && c == '\\') {
            if (i + 1 >= len || d == '\n')
                why = "dangling backslash in a dot string";
            i++; /* the escaped character is part of the string */
        } else if (mermaid && (c == '<' || c == '>')) {
            if (c == '>' || len - i < 5 || strncmp(g + i, "<br/>", 5) != 0)
                why = "raw < or > in a Mermaid label";
            i += 4;
        } else if (mermaid && c == '#') {
            size_t k = i + 1;
            while (k < len && ((g[k] >= 'a' && g[k] <= 'z') || (g[k] >= '0' && g[k] <= '9')))
                k++;
            if (k == i + 1 || k >= len || g[k] != ';')
                why = "'#' that is not an entity in a Mermaid label";
        }
    }
    if (why)
        snprintf(where, wsize, "%.*s", (int)n, line);
    free(line);
    return why;
}

/* Abort on a broken graph, saying why and where. */
static inline void fz_check_graph(const char *g, size_t len, int mermaid)
{
    char where[256] = "";
    const char *why = fz_graph_problem(g, len, mermaid, where, sizeof where);
    if (why)
        fprintf(stderr, "%s graph: %s in line: %s\n", mermaid ? "Mermaid" : "dot", why, where);
    FZ_CHECK(why == NULL);
}

#endif
