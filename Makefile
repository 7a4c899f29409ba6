# The two commands of the README. Each does its own set-up on a fresh Debian machine.
.PHONY: run test bench bench-milter

run:
	scripts/run.sh

test:
	scripts/test.sh

bench:
	scripts/bench.sh
bench-milter:
	scripts/bench-milter.sh
