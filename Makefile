.PHONY: run test screenshots bench

run:  ## set up and run the demo shop (web + Celery worker + beat)
	scripts/run

test:  ## run the whole test suite
	scripts/test

screenshots:  ## retake the README's gallery from the browser tests
	scripts/screenshots

bench:  ## the performance suite: every hot path against its bare limit (PostgreSQL, gunicorn, wrk)
	scripts/bench $(BENCH_ARGS)
