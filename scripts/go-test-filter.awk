# Filters `go test -v` output for scripts/test.sh, so that CI's log shows
# every skip and every failure with its messages, and stays short:
#   - kept: `--- SKIP` and `--- FAIL` lines (subtests too), each preceded by
#     what its test printed (the skip reason, the failure messages: under -v
#     they stream before the verdict line); the package lines `ok`, `FAIL`,
#     `?` go test ends with (CI reads them); panics with their traces;
#     anything printed outside a test (build and vet errors);
#   - dropped: `=== RUN/PAUSE/CONT/NAME`, `--- PASS` and the output of
#     passing tests, the bare `PASS` line.
# go test's exit status is unchanged: test.sh runs the pipe under pipefail.
function flush() { if (buf != "") printf "%s", buf; buf = "" }
/^=== (RUN|PAUSE|CONT|NAME) / { in_test = 1; next }
/^ *--- (FAIL|SKIP): / { flush(); print; next }
/^ *--- PASS: / { buf = ""; next }
/^(ok|FAIL|\?) / || /^FAIL$/ { flush(); print; in_test = 0; panicking = 0; next }
/^PASS$/ { buf = ""; in_test = 0; next }
/^panic: / || /^fatal error: / { flush(); panicking = 1 }
panicking || !in_test { print; next }
{ buf = buf $0 "\n" }
