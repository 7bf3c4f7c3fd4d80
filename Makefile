# The two commands of the README, plus helpers. All the logic is in scripts/fxcrm.sh.
.PHONY: run test bench lint setup

run:
	@scripts/fxcrm.sh run

test:
	@scripts/fxcrm.sh test

bench:
	@scripts/fxcrm.sh bench

lint:
	@scripts/fxcrm.sh lint

setup:
	@scripts/fxcrm.sh setup
