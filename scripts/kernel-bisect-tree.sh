#!/usr/bin/env bash
# Makes a git kernel tree for the commit bisection benchmark (docs/bisecting.md): a copy of an
# unpacked kernel source (Debian's linux-source-6.1) committed as it is, then five small commits,
# one of which brings back a real kernel behaviour netconsole-bond-slave observes:
#
#   import  the source as it is                              slave arm REPRODUCED (netpoll refuses a slave)
#   A       Documentation: netconsole on a bond             (no code)
#   B       Revert "netpoll: prevent netpoll setup on slave devices"   slave arm NOT_REPRODUCED
#   C       netconsole: a comment                           (compiled, same code)
#   D       netpoll: prevent netpoll setup on slave devices  slave arm REPRODUCED again: the culprit
#   E       netpoll: a comment                              (compiled, same code)
#
# The lab's bisection wants the bad side to fail (REPRODUCE) more often than the good side, so
# the benchmark is `lab bisect netconsole-bond-slave --arm slave --kernel-tree DEST --good B --bad E`,
# and the commit to name is D; its revert check builds E with D reverted (NOT_REPRODUCED).
# Authors and dates are fixed, so the same source gives the same commit ids; the tags
# bisect-good and bisect-bad name B and E.
#
# Usage: scripts/kernel-bisect-tree.sh SOURCE DEST   (DEST must not exist; SOURCE is only read)
set -euo pipefail
[ $# = 2 ] || { echo "usage: $0 SOURCE DEST" >&2; exit 2; }
src=$1 dest=$2
[ -f "$src/Makefile" ] && [ -f "$src/net/core/netpoll.c" ] || { echo "$src is not a kernel source tree (no Makefile or net/core/netpoll.c)" >&2; exit 2; }
grep -q 'is a slave device, aborting' "$src/net/core/netpoll.c" || { echo "$src: netpoll_setup has no slave check to revert" >&2; exit 2; }
[ ! -e "$dest" ] || { echo "$dest exists: name a directory that does not" >&2; exit 2; }

cp -a "$src" "$dest"
cd "$dest"
export GIT_AUTHOR_NAME=lab GIT_AUTHOR_EMAIL=lab@localhost GIT_COMMITTER_NAME=lab GIT_COMMITTER_EMAIL=lab@localhost
n=0
commit() { # subject, body: commit every change at a fixed date
  n=$((n + 1))
  export GIT_AUTHOR_DATE="2026-01-01T00:0$n:00Z" GIT_COMMITTER_DATE="2026-01-01T00:0$n:00Z"
  git add -A
  git commit -q -m "$1" -m "$2"
}
git init -q -b master .
git config core.autocrlf false
git config gc.auto 0   # no background repack of the import's loose objects
# -f: Debian's .gitignore ignores every top-level entry but debian/ (its packaging repository's view)
git add -A -f
commit "Import $(basename "$src") as it is" "Unpacked from Debian's package; nothing changed."

cat >> Documentation/networking/netconsole.rst <<'EOF'

Bonding
=======

On a bond, name the bond itself as the netconsole device: netpoll refuses a bond's slave.
EOF
commit "Documentation: netconsole: name the bond, not its slave" "No code changes."

# netpoll_setup's refusal of a slave: the 5 lines from "if (netdev_master_upper_dev_get(ndev)) {"
python3 - net/core/netpoll.c <<'EOF'
import re, sys
p = sys.argv[1]
s = open(p).read()
block = ('\tif (netdev_master_upper_dev_get(ndev)) {\n'
         '\t\tnp_err(np, "%s is a slave device, aborting\\n", np->dev_name);\n'
         '\t\terr = -EBUSY;\n\t\tgoto put;\n\t}\n\n')
assert s.count(block) == 1, "the slave check is not as expected"
open(p, "w").write(s.replace(block, ""))
EOF
commit 'Revert "netpoll: prevent netpoll setup on slave devices"' \
"This reverts netpoll_setup's refusal of a device that has a master (a bond's slave): netconsole
can then be enabled on the slave itself."
good=$(git rev-parse HEAD)

sed -i 's|^ \*  This file contains the implementation of an IRQ-safe, crash-safe$| *  This file contains the implementation of an IRQ-safe, crash-safe (netpoll)|' drivers/net/netconsole.c
git diff --quiet && { echo "netconsole.c's header is not as expected" >&2; exit 1; }
commit "netconsole: say the console is netpoll's in the header comment" "No code changes."

git revert --no-edit "$good" >/dev/null
git commit -q --amend -m "netpoll: prevent netpoll setup on slave devices" -m "Setting up netpoll on a bond's slave makes netpoll bypass the bond: refuse a device
that has a master device with EBUSY and say \"DEV is a slave device, aborting\".
(Upstream's change of that name, brought back.)"
export GIT_AUTHOR_DATE="2026-01-01T00:05:00Z" GIT_COMMITTER_DATE="2026-01-01T00:05:00Z"
git commit -q --amend --no-edit --reset-author --date="$GIT_AUTHOR_DATE"
n=5

sed -i 's|^static unsigned int carrier_timeout = 4;$|/* seconds netpoll_setup waits for a carrier */\nstatic unsigned int carrier_timeout = 4;|' net/core/netpoll.c
git diff --quiet && { echo "netpoll.c's carrier_timeout is not as expected" >&2; exit 1; }
commit "netpoll: say what carrier_timeout counts" "No code changes."

git tag bisect-good "$good"
git tag bisect-bad HEAD
git log --oneline --reverse
