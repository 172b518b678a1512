#!/usr/bin/env python3
"""bench/gen_work_trees.py OUTDIR — pathological trees for bench/work_bench.sh (issue 9, findings
14 and 15): each makes one action do as much XPath or pattern work as a tree can ask for."""
import os, sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

def tree(name, body, vars_):
    with open(os.path.join(out, name + ".xml"), "w") as f:
        f.write('<tree id="%s" version="1" title="%s">\n' % (name, name))
        for v in vars_:
            f.write("  %s\n" % v)
        f.write(body)
        f.write('  <end id="e" outcome="resolved"><say>done</say></end>\n</tree>\n')

grow = "".join('    <set var="b" value="concat($b, $b)"/>\n' for _ in range(16))  # 64 KiB
grow15 = "".join('    <set var="b" value="concat($b, $b)"/>\n' for _ in range(15))  # 32 KiB
big = ['<var name="b" type="text" value="x"/>', '<var name="n" type="number"/>']

# 2,000 translate() calls on 64 KiB strings in one step (was: past a minute)
tree("translate-2000",
     '  <info id="grow" next="burn"><say>grow</say>\n' + grow + '  </info>\n'
     '  <info id="burn" next="e"><say>burn</say>\n' +
     "".join('    <set var="n" value="string-length(translate($b, $b, \'\'))"/>\n' for _ in range(2000)) +
     '  </info>\n', big)

# contains() with a needle that almost matches everywhere (naive search was quadratic)
tree("contains-2000",
     '  <info id="grow" next="burn"><say>grow</say>\n' + grow15 +
     '    <set var="b" value="concat($b, \'y\')"/>\n  </info>\n'
     '  <info id="burn" next="e"><say>burn</say>\n' +
     "".join('    <set var="n" value="string-length(substring-before($b, concat(substring($b, 1, 16000), \'y\')))"/>\n'
             for _ in range(2000)) + '  </info>\n', big)

# many cheap evaluations in one step
tree("evals-30000",
     '  <info id="burn" next="e"><say>burn</say>\n' +
     "".join('    <set var="n" value="$n + 1"/>\n' for _ in range(30000)) + '  </info>\n', big)
tree("evals-9000",
     '  <info id="burn" next="e"><say>burn</say>\n' +
     "".join('    <set var="n" value="$n + 1"/>\n' for _ in range(9000)) + '  </info>\n', big)

# long expressions: ~4,000 operations each
ones = " + ".join(["1"] * 1000)
tree("ops-2000",
     '  <info id="burn" next="e"><say>burn</say>\n' +
     "".join('    <set var="n" value="%s"/>\n' % ones for _ in range(2000)) + '  </info>\n', big)

# a pattern with nested repeats and an answer that makes it backtrack
tree("pattern-nested",
     '  <input id="ask" var="w" next="e" pattern="(a|aa)+(b|bb)+"><say>word?</say></input>\n',
     ['<var name="w" type="text"/>'])

# every string function on 64 KiB, 2,000 times in one step: the text budget is what stops them
for name, expr in [("length", "string-length($b)"), ("normalize", "string-length(normalize-space($b))"),
                   ("substring", "string-length(substring($b, 2))"), ("starts", "number(starts-with($b, $b))"), ("equal", "number($b = $b)"),
                   ("concat", "string-length(concat(substring($b, 3), 'x'))"),
                   ("after", "string-length(substring-after($b, 'xx'))")]:
    tree("text-" + name,
         '  <info id="grow" next="burn"><say>grow</say>\n' + grow + '  </info>\n'
         '  <info id="burn" next="e"><say>burn</say>\n' +
         "".join('    <set var="n" value="%s"/>\n' % expr for _ in range(2000)) + '  </info>\n', big)
