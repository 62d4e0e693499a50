#!/bin/sh
# The step of the lab's test definition in a LAVA job: runs the lab in this guest (lab.core.lava.LavaStep,
# which also writes each arm's case to LAB_LAVA_CASES), reports each arm as a lava-test-case
# carrying its verdict (name ARM-VERDICT, result pass when the verdict is the expected one, skip
# when SKIPPED, fail otherwise; measurement: failures), then posts the whole evidence bundle
# (tar.gz, base64) to the receiver the CLI serves while the job lives.
#   lava-step.sh OUT RECEIVER-URL LAB-COMMAND...
out=$1 receiver=$2; shift 2
cases=/tmp/lab-lava-cases
rm -rf "$out" "$cases"; mkdir -p "$out"
# The CLI times the JVM's start from this line to the lab's first one in LAVA's log (Timeline).
echo "lab-lava: the lab's JVM starts"
LAB_LAVA_CASES=$cases "$@"
rc=$?
lava-test-case lab-exit --result "$([ $rc -le 1 ] && echo pass || echo fail)" --measurement "$rc" --units exit-code
[ -f "$cases" ] && while read -r name result failures; do
  lava-test-case "$name" --result "$result" --measurement "$failures" --units failures
done < "$cases"
t0=$(date +%s%N)
# base64: busybox wget posts a file as a C string, up to its first NUL byte
tar -C "$out" -czf /tmp/lab-bundle.tgz . && base64 < /tmp/lab-bundle.tgz > /tmp/lab-bundle.b64 \
  && busybox wget -q -O /dev/null --post-file=/tmp/lab-bundle.b64 "$receiver"
up=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "lab-lava: bundle of $(stat -c %s /tmp/lab-bundle.tgz) bytes sent in $ms ms (exit $up)"
lava-test-case bundle-upload --result "$([ $up = 0 ] && echo pass || echo fail)" --measurement "$ms" --units ms
