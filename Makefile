# The two commands of the README, plus helpers. All the logic is in scripts/fxcrm.sh.
.PHONY: run test bench bench-segments lint setup

run:
	@scripts/fxcrm.sh run

test:
	@scripts/fxcrm.sh test

bench:
	@scripts/fxcrm.sh bench

bench-segments:
	@scripts/fxcrm.sh bench segments

lint:
	@scripts/fxcrm.sh lint

setup:
	@scripts/fxcrm.sh setup
