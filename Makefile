# The two commands of the README, plus helpers. All the logic is in scripts/fxcrm.sh.
.PHONY: run test bench bench-segments bench-campaigns lint setup

run:
	@scripts/fxcrm.sh run

test:
	@scripts/fxcrm.sh test

bench:
	@scripts/fxcrm.sh bench

bench-segments:
	@scripts/fxcrm.sh bench segments

bench-campaigns:
	@scripts/fxcrm.sh bench campaigns

lint:
	@scripts/fxcrm.sh lint

setup:
	@scripts/fxcrm.sh setup
