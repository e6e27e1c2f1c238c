"""Every exception the package raises crosses a process boundary intact: ``pickle`` and ``copy`` keep its class,
message, attributes and notes (a process pool or a task queue pickles what a worker raises)."""

from __future__ import annotations

import copy
import inspect
import pickle
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

import pytest

import aimlapi_video
from aimlapi_video import (
    AIMLAPIError,
    APIConnectionError,
    APIError,
    AuthenticationError,
    DownloadError,
    GenerationError,
    GenerationFailedError,
    InvalidInputError,
    InvalidRequestError,
    NotFoundError,
    RateLimitError,
    ServerError,
    SubmitUncertainError,
    VideoUrlExpiredError,
    WaitTimeoutError,
)

EXAMPLES: list[Callable[[], AIMLAPIError]] = [
    lambda: InvalidInputError("seed", "must be an integer, got str"),
    lambda: APIError(418, "teapot", request_id="r-1"),
    lambda: InvalidRequestError(400, "bad", request_id="r-2"),
    lambda: AuthenticationError(401, "no", request_id=None),
    lambda: NotFoundError(404, "gone"),
    lambda: RateLimitError(429, "slow down", retry_after=2.5),
    lambda: ServerError(503, "busy", retry_after=1.0),
    lambda: APIConnectionError("reset"),
    lambda: GenerationError("about g1", generation_id="g1"),
    lambda: GenerationFailedError("g1", "GenerationError", "bad content", details=({"loc": ["prompt"]},)),
    lambda: WaitTimeoutError("g1", 60.0, "generating"),
    lambda: SubmitUncertainError("timed out", client_request_id="aimlapi-video-1"),
    lambda: DownloadError("could not save the video to /x: full", generation_id="g2"),
    lambda: VideoUrlExpiredError(403, "g3"),
]


def test_every_public_exception_has_an_example() -> None:
    public = {
        obj
        for obj in vars(aimlapi_video).values()
        if inspect.isclass(obj) and issubclass(obj, AIMLAPIError) and obj.__module__.startswith("aimlapi_video")
    }
    assert public == {type(make()) for make in EXAMPLES} | {AIMLAPIError}


@pytest.mark.parametrize("make", EXAMPLES, ids=lambda make: type(make()).__name__)
@pytest.mark.parametrize("how", ["pickle", "deepcopy", "copy"])
def test_an_exception_survives_pickle_and_copy(make: Callable[[], AIMLAPIError], how: str) -> None:
    exc = make()
    exc.add_note("generation id: g1")
    ways: dict[str, Callable[[], AIMLAPIError]] = {
        "pickle": lambda: pickle.loads(pickle.dumps(exc)),  # noqa: S301  (our own bytes, just made)
        "deepcopy": lambda: copy.deepcopy(exc),
        "copy": lambda: copy.copy(exc),
    }
    again = ways[how]()
    assert (type(exc), str(exc), exc.args, vars(exc)) == (type(again), str(again), again.args, vars(again))


def _fail() -> None:
    raise GenerationFailedError("g9", "GenerationError", "bad content")


def test_a_failed_generation_in_a_process_pool_reaches_the_caller() -> None:
    """What used to break the whole pool (BrokenProcessPool) is the worker's own exception."""
    with ProcessPoolExecutor(max_workers=1) as pool, pytest.raises(GenerationFailedError) as info:
        pool.submit(_fail).result(timeout=60)
    assert ("g9", "bad content") == (info.value.generation_id, info.value.error_message)
