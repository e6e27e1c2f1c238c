"""The public surface: the exported names, the README's list of them, and the twin clients' signatures."""

from __future__ import annotations

import asyncio
import collections.abc
import importlib
import inspect
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, get_args

import httpx
import pytest

import aimlapi_video
from aimlapi_video import (
    AsyncVideoClient,
    Duration,
    GenerationState,
    InvalidInputError,
    Resolution,
    ShotType,
    VideoClient,
)
from tests.unit.harness import PNG

README = Path(__file__).resolve().parents[2] / "README.md"
PUBLIC_API = [
    "AIMLAPIError",
    "APIConnectionError",
    "APIError",
    "AsyncVideoClient",
    "AudioSource",
    "AuthenticationError",
    "BinaryReadable",
    "Completed",
    "DownloadError",
    "DownloadProgress",
    "Duration",
    "Failed",
    "GenerationError",
    "GenerationFailedError",
    "GenerationResult",
    "GenerationState",
    "ImageSource",
    "InvalidInputError",
    "InvalidRequestError",
    "Job",
    "KnownStatus",
    "NotFoundError",
    "Pending",
    "PollSchedule",
    "ProgressEvent",
    "RateLimitError",
    "Resolution",
    "ServerError",
    "ShotType",
    "SubmitUncertainError",
    "Usage",
    "VideoClient",
    "VideoUrlExpiredError",
    "WaitTimeoutError",
    "__version__",
]
METHODS = ["submit", "get", "iter_status", "wait", "download", "generate"]
#: The only annotations allowed to differ between the clients: (method, parameter or "return").
SYNC_ASYNC_DIFFERENCES = {
    ("__init__", "transport"): (httpx.BaseTransport | None, httpx.AsyncBaseTransport | None),
    ("__init__", "video_transport"): (httpx.BaseTransport | None, httpx.AsyncBaseTransport | None),
    ("__init__", "sleep"): (
        collections.abc.Callable[[float], None] | None,
        collections.abc.Callable[[float], collections.abc.Awaitable[None]] | None,
    ),
    ("iter_status", "return"): (
        collections.abc.Iterator[GenerationState],
        collections.abc.AsyncIterator[GenerationState],
    ),
}
HEAVY = ["starlette", "uvicorn", "click", "rich", "platformdirs"]


def test_all_is_pinned() -> None:
    """Adding or removing a public name is a deliberate change to this list."""
    assert PUBLIC_API == aimlapi_video.__all__
    assert sorted(aimlapi_video.__all__) == aimlapi_video.__all__


@pytest.mark.parametrize("name", PUBLIC_API)
def test_every_public_name_is_importable(name: str) -> None:
    """``from aimlapi_video import <name>`` works for every name in __all__."""
    module = importlib.import_module("aimlapi_video")
    assert getattr(module, name) is not None


def test_the_version_is_a_string() -> None:
    """__version__ is the single source of the package version."""
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", aimlapi_video.__version__)


def _heavy_modules_after(statement: str) -> list[str]:
    """The optional dependencies loaded by ``statement`` in a fresh interpreter."""
    code = (
        f"import json, sys; {statement}; "
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules or any("
        "k.startswith(m + '.') for k in sys.modules))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert "" == out.stderr
    return list(json.loads(out.stdout))


def test_importing_the_package_stays_light() -> None:
    """No optional dependency is imported beyond what httpx itself imports.

    httpx loads click and rich for its own command line when they are installed (as they are with the
    ``cli`` extra), so those are measured against a bare ``import httpx``.
    """
    baseline = _heavy_modules_after("import httpx")
    assert set(baseline) <= {"click", "rich"}
    assert baseline == _heavy_modules_after("import aimlapi_video")


def test_the_package_imports_and_works_without_the_optional_dependencies() -> None:
    """With starlette, uvicorn, click, rich and platformdirs made unimportable, the client still loads."""
    code = f"""
import sys

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {HEAVY!r}:
            raise ModuleNotFoundError(name)
        return None

sys.meta_path.insert(0, Block())
import aimlapi_video
from aimlapi_video import VideoClient
VideoClient(api_key="k").close()
print(sorted(m for m in sys.modules if m.partition(".")[0] in {HEAVY!r}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert ("[]", "") == (out.stdout.strip(), out.stderr)


def test_importing_the_package_does_not_import_its_optional_subpackages() -> None:
    """``aimlapi_video.testing`` and ``aimlapi_video.cli`` load only when asked for."""
    code = "import sys; import aimlapi_video; print(sorted(m for m in sys.modules if m.startswith('aimlapi_video.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    loaded = out.stdout.strip()
    assert "aimlapi_video.testing" not in loaded
    assert "aimlapi_video.cli" not in loaded


def test_the_generated_models_load_with_the_first_request_not_with_the_package() -> None:
    """``import aimlapi_video`` leaves the generated models unloaded; building a request loads them."""
    code = (
        "import sys; import aimlapi_video; from aimlapi_video._request import build_request; "
        "before = 'aiml_api_client.models' in sys.modules; "
        f"build_request({PNG!r}, 'a prompt'); "
        "print(before, 'aiml_api_client.models' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert ("False True", "") == (out.stdout.strip(), out.stderr)


def _readme_names() -> set[str]:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"^<!-- public-api -->\n(.*?)^<!-- /public-api -->$", text, re.S | re.M)
    assert match is not None, "README.md has no <!-- public-api --> ... <!-- /public-api --> block"
    return set(re.findall(r"^- `([A-Za-z_][A-Za-z0-9_]*)`", match[1], re.M))


def test_the_readme_lists_exactly_the_public_names() -> None:
    """Each public name is a bullet starting with "- `Name`" between the public-api markers."""
    expected = set(aimlapi_video.__all__) - {"__version__"}
    actual = _readme_names()
    assert (set(), set()) == (expected - actual, actual - expected), "(missing from README, not public)"


def _signature(cls: type, method: str) -> inspect.Signature:
    return inspect.signature(getattr(cls, method), eval_str=True)


@pytest.mark.parametrize("method", ["__init__", *METHODS, "close"])
def test_the_clients_have_the_same_parameters(method: str) -> None:
    """Names, kinds and defaults agree, in order, for every public method and the constructor."""
    sync, aio = _signature(VideoClient, method), _signature(AsyncVideoClient, method)
    assert [(p.name, p.kind, p.default) for p in sync.parameters.values()] == [
        (p.name, p.kind, p.default) for p in aio.parameters.values()
    ]


@pytest.mark.parametrize("method", ["__init__", *METHODS, "close"])
def test_the_clients_have_the_same_annotations_except_io_types(method: str) -> None:
    """Annotations agree except transports, sleep and iter_status's iterator, which differ as pinned."""
    sync, aio = _signature(VideoClient, method), _signature(AsyncVideoClient, method)
    pairs: dict[str, tuple[Any, Any]] = {
        name: (p.annotation, aio.parameters[name].annotation) for name, p in sync.parameters.items()
    }
    pairs["return"] = (sync.return_annotation, aio.return_annotation)
    for name, (sync_type, async_type) in pairs.items():
        expected = SYNC_ASYNC_DIFFERENCES.get((method, name))
        if expected is None:
            assert sync_type == async_type, (method, name)
        else:
            assert expected == (sync_type, async_type), (method, name)


def test_the_clients_expose_the_same_public_methods() -> None:
    """Nothing public exists on one client only."""

    def public(cls: type) -> set[str]:
        return {n for n, v in vars(cls).items() if not n.startswith("_") and callable(v)}

    assert {*METHODS, "close"} == public(VideoClient)
    assert public(VideoClient) == public(AsyncVideoClient)


@pytest.mark.parametrize("method", [m for m in METHODS if m != "iter_status"] + ["close"])
def test_async_methods_are_coroutines_and_sync_ones_are_not(method: str) -> None:
    """``await client.<method>(...)`` on the async client; a plain call on the sync one."""
    assert inspect.iscoroutinefunction(getattr(AsyncVideoClient, method))
    assert not inspect.iscoroutinefunction(getattr(VideoClient, method))


def test_iter_status_checks_its_arguments_when_called_then_returns_an_iterator() -> None:
    """``for``/``async for state in client.iter_status(id)``; a bad id fails at the call, not at the first step."""
    with VideoClient("k", transport=httpx.MockTransport(lambda r: httpx.Response(500))) as sync_client:
        with pytest.raises(InvalidInputError, match="generation_id"):
            sync_client.iter_status("")
        assert isinstance(sync_client.iter_status("gen-1"), collections.abc.Iterator)
    async_client = AsyncVideoClient("k", transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    with pytest.raises(InvalidInputError, match="generation_id"):
        async_client.iter_status("")
    assert isinstance(async_client.iter_status("gen-1"), collections.abc.AsyncIterator)
    asyncio.run(async_client.close())


def test_the_clients_are_context_managers() -> None:
    """``with VideoClient()`` and ``async with AsyncVideoClient()``."""
    assert callable(VideoClient.__enter__)
    assert callable(VideoClient.__exit__)
    assert inspect.iscoroutinefunction(AsyncVideoClient.__aenter__)
    assert inspect.iscoroutinefunction(AsyncVideoClient.__aexit__)


def test_an_async_client_refuses_a_second_event_loop_plainly() -> None:
    """Its connections and queue belong to the loop it was first used in; another loop gets a clear error."""
    api = httpx.MockTransport(lambda _: httpx.Response(200, json={"id": "gen-1", "status": "queued"}))
    client = AsyncVideoClient("sk-test-loops", base_url="https://api.example.com", transport=api)
    asyncio.run(client.get("gen-1"))
    with pytest.raises(RuntimeError, match="first used in another event loop"):
        asyncio.run(client.get("gen-1"))


def test_closing_an_async_client_from_another_loop_is_refused_plainly() -> None:
    """close() belongs to the client's loop too; elsewhere it says so instead of failing inside httpcore."""
    api = httpx.MockTransport(lambda _: httpx.Response(200, json={"id": "gen-1", "status": "queued"}))
    client = AsyncVideoClient("sk-test-loops", base_url="https://api.example.com", transport=api)
    asyncio.run(client.get("gen-1"))
    with pytest.raises(RuntimeError, match="first used in another event loop"):
        asyncio.run(client.close())


def test_the_public_literal_types_are_the_generated_enums() -> None:
    """Duration, Resolution and ShotType say what the spec allows: a regenerated spec that changes an enum
    fails here until the facade's types follow it (mypy alone would not notice an added value)."""
    from aimlapi_video._choices import DURATIONS, RESOLUTIONS, SHOT_TYPES  # noqa: PLC0415

    expected = (set(DURATIONS), set(RESOLUTIONS), set(SHOT_TYPES))
    assert expected == (set(get_args(Duration)), set(get_args(Resolution)), set(get_args(ShotType)))
