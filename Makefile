# The two commands of the README. Both install what is missing first.
.PHONY: run test

HOST ?= 127.0.0.1
PORT ?= 8000

run:
	@scripts/bootstrap.sh run
	.venv/bin/peaceops migrate --no-input
	.venv/bin/peaceops demo
	.venv/bin/peaceops forecast run --if-missing
	.venv/bin/peaceops warning demo
	.venv/bin/peaceops runserver $(HOST):$(PORT)

test:
	@scripts/test.sh
