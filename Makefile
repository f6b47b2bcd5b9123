.PHONY: run test

run:  ## set up and run the demo shop (web + Celery worker + beat)
	scripts/run

test:  ## run the whole test suite
	scripts/test
