"""A stateful fake of the AI/ML API video endpoint, for demos, end-to-end tests and your own tests.

Needs the ``testing`` extra (starlette, uvicorn). It behaves like the live API, failures included:

- ``POST /v2/video/generations`` checks ``Authorization: Bearer <key>`` (401), validates the body as the spec
  says (400; enums from the generated client; a ``data:`` image must decode to JPEG/PNG/WebP/BMP) and answers
  ``{id, status: "queued"}``. Ids look like the live ones; by default ``<uuid>:<model>``, which holds ``:``
  and ``/`` so clients must URL-escape it.
- ``GET /v2/video/generations?generation_id=ID`` moves a job ``queued -> generating -> completed`` (or
  ``error``): by number of status checks (default: one check each for queued and generating), or by time
  when ``job_seconds`` is set (``clock=ManualClock()`` makes that time test-driven). A completed job has
  ``video.url`` on the fake's own ``/cdn/videos/<token>.mp4``, ``meta.usage`` and the headers
  ``x-aimlapi-credits-used``, ``x-aimlapi-usd-spent``, ``x-inference-id``. Unknown ids: 404.
- The video is a real MP4 written by this package (H.264 in ISO-BMFF), padded to ``JobPlan.video_bytes``
  with a trailing ``free`` box and streamed in chunks; ``Range`` gives 206. URLs can expire (403/410).
- Errors use the documented body ``{message, path, requestId, statusCode, timestamp}``.

Three ways to run it::

    with FakeAIMLAPI() as fake:  # uvicorn on a background thread, free port on 127.0.0.1
        httpx.get(f"{fake.base_url}/v2/video/generations", params={"generation_id": "x"},
                  headers={"Authorization": f"Bearer {fake.api_key}"})
        assert fake.counters.jobs_created == 0

    fake = FakeAIMLAPI()  # in-process, no sockets
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app), base_url="http://fake") as c:
        ...

    python -m aimlapi_video.testing --port 8123 --job-seconds 5 --scenario faults.json  # or serve(...)

Faults are one-shot and consumed in order, one per request: the route's queue first, then the job's (for
status checks and downloads of that job). Every request is counted, faulted or not. ``processed=True`` means
the API did its work (created the job, counted the status check) before the fault replaced the answer::

    Scenario(
        post_faults=(
            Fault.rate_limited(retry_after=2),       # 429 + Retry-After: 2, documented JSON body
            Fault.http_error(503),                   # 500/502/503 with the documented JSON body
            Fault.gateway_html(502),                 # nginx-style HTML error page
            Fault.drop(),                            # connection closed, no response, no job
            Fault.drop_after_create(),               # job created and counted, then connection closed
            Fault.http_error(502, processed=True),   # job created, but the client sees a 502
            Fault.slow(5.0),                         # job created, answer after 5 s (beyond a read timeout)
            Fault.not_json(),                        # 200 with an HTML body
        ),
        get_faults=(Fault.http_error(500), Fault.drop(processed=True)),
        video_faults=(
            Fault.truncate(after_bytes=1000),        # full Content-Length, 1000 bytes, then closed
            Fault.expired(410),                      # this download refused as expired (403 by default)
        ),
        default_job=JobPlan(video_bytes=10_000_000),  # every video is 10 MB
        jobs={
            0: JobPlan(outcome=Outcome.ERROR),         # status "error", error {name, message}
            1: JobPlan(outcome=Outcome.ERROR_DETAIL),  # error {detail: [{loc, msg, type, input}]}
            2: JobPlan(status_style=StatusStyle.LOOSE,  # waiting, active, succeeded
                       video_style=VideoStyle.LIST_OF_STRINGS,  # or OBJECT_FULL, LIST_OF_OBJECTS
                       usage_style=UsageStyle.USD,  # usd_spent (or TOKENS: tokens_used)
                       id_style=IdStyle.NANOID),  # or UUID, NUMBER
            3: JobPlan(queued_polls=3, generating_polls=5, url_ttl=0),  # slower; video URL already expired
            4: JobPlan(get_faults=(Fault.http_error(503),)),  # this job's first status check fails
        },
    )

Faults can also be added while running: ``fake.add_faults(Route.GET, Fault.drop())``;
``fake.expire_videos()`` expires every video URL handed out so far (the next status check of a finished
job hands out a fresh one; so does one after a plan's ``url_ttl``, unless it is 0). The same scenario as
JSON (``Scenario.load``)::

    {"post_faults": [{"kind": "rate_limited", "retry_after": 2}, {"kind": "drop", "processed": true}],
     "get_faults": [{"kind": "gateway_html", "status": 502}, {"kind": "slow", "delay": 3}],
     "video_faults": [{"kind": "truncate", "after_bytes": 1000}, {"kind": "expired", "status": 410}],
     "default_job": {"video_bytes": 5000000, "status_style": "loose"},
     "jobs": {"0": {"outcome": "error_detail"}, "1": {"video_style": "list_of_objects", "url_ttl": 0}}}

Kinds: ``http_error`` (status, message, retry_after, processed), ``rate_limited``, ``gateway_html``,
``drop``, ``slow`` (delay), ``not_json`` (status, body), ``truncate`` (after_bytes), ``expired`` (status),
``answer`` (status, body: any JSON, headers, processed): exactly that answer, for a shape no plan produces,
such as ``Fault.answer({"id": "{id}", "status": "Error", "error": {"name": "X", "message": None}})``
(``"{id}"`` becomes the job's id).

A dropped connection: over uvicorn the socket is closed by the app with no bytes sent (httpx raises
``RemoteProtocolError``); in-process the transport raises ``httpx.RemoteProtocolError`` itself.
See :mod:`aimlapi_video.testing._connection`. Request counters (``fake.counters``) and ``fake.jobs`` let a test
prove that nothing was created twice.
"""

from __future__ import annotations

from ._cli import main
from ._mp4 import SizedVideo, build_mp4, smallest_video_size
from ._scenario import (
    Fault,
    FaultKind,
    IdStyle,
    JobPlan,
    Outcome,
    Route,
    Scenario,
    StatusStyle,
    UsageStyle,
    VideoStyle,
)
from ._server import DEFAULT_API_KEY, FakeAIMLAPI, serve
from ._state import Counters, JobRecord, ManualClock

__all__ = [
    "DEFAULT_API_KEY",
    "Counters",
    "FakeAIMLAPI",
    "Fault",
    "FaultKind",
    "IdStyle",
    "JobPlan",
    "JobRecord",
    "ManualClock",
    "Outcome",
    "Route",
    "Scenario",
    "SizedVideo",
    "StatusStyle",
    "UsageStyle",
    "VideoStyle",
    "build_mp4",
    "main",
    "serve",
    "smallest_video_size",
]
