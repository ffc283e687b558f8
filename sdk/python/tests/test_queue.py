"""A full training queue: 429 QueueFull with Retry-After, and the client's retry when asked for."""
from __future__ import annotations

import threading
import time

import pytest

import chainrule
from conftest import define_iris, long_job

pytestmark = pytest.mark.slow


def test_a_full_queue_is_queue_full_and_a_retry_after_it_succeeds(client, base_url, api_key, iris) -> None:
    model = define_iris(client, "iris-queue")
    jobs = []
    try:
        with pytest.raises(chainrule.QueueFull) as raised:
            for _ in range(200):  # the workers, then the queue (chainrule.jobs.*), fill up well before this
                jobs.append(long_job(client, model, iris))
        full = raised.value
        assert full.status == 429 and isinstance(full, chainrule.TooManyRequests)
        assert full.retry_after is not None and full.retry_after > 0
        assert client.list_jobs(model=model).total_items == len(jobs)  # the refused one was not created

        with chainrule.Client(base_url, api_key=api_key, retry_on_429=True, max_retry_wait=0.5) as impatient:
            started = time.monotonic()
            with pytest.raises(chainrule.QueueFull):
                impatient.train(model, iris[1], iris[2], epochs=1)  # Retry-After is longer than it will wait
            assert time.monotonic() - started < full.retry_after

        queued = [j for j in jobs if client.get_job(j).status == "QUEUED"]
        assert queued, "a full queue holds queued jobs"
        freeing = threading.Timer(1.0, client.cancel_job, args=(queued[-1],))
        with chainrule.Client(base_url, api_key=api_key, retry_on_429=True, max_attempts=3) as patient:
            started = time.monotonic()
            freeing.start()
            job = long_job(patient, model, iris)
            waited = time.monotonic() - started
        jobs.append(job)
        assert job.status == "QUEUED" and waited >= full.retry_after - 0.5
    finally:
        for job in jobs:
            client.cancel_job(job)
    for job in jobs:
        assert client.wait(job, timeout=60).status == "CANCELLED"
