#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Regenerate the golden images of tests/golden/ and the expected outputs of
# xs-state for them (README.md).  Run from anywhere after `make`.
#
#   tests/golden/regen.sh          images, *.dump.txt and *.stats.txt
#
# MKGOLDEN=path uses an already built generator instead of compiling one.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$top/tests/golden
tool=${XSS_TOOL:-$top/xs-state/xs-state}
lib=$top/xs-state/libxsstate.a

if [ -z "${MKGOLDEN:-}" ]; then
	mkdir -p "$top/build"
	MKGOLDEN=$top/build/mkgolden
	gcc -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$top/include" \
		-o "$MKGOLDEN" "$dir/mkgolden.c" "$lib" -ltalloc
fi

"$MKGOLDEN" "$dir"
for img in "$dir"/*.xss; do
	name=${img%.xss}
	# Relative names: the outputs do not depend on where the tree is.
	(cd "$dir" && "$tool" dump "$(basename "$img")") >"$name.dump.txt"
	(cd "$dir" && "$tool" stats "$(basename "$img")") >"$name.stats.txt"
done
echo "regenerated: $(cd "$dir" && ls *.xss | tr '\n' ' ')"
