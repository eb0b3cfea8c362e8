"""A Streamlit client without a browser: the websocket protocol Streamlit's web client speaks.

The server and the web client talk over ``/_stcore/stream`` in protobufs from
``streamlit.proto``: the client sends ``BackMsg``s, the server answers with
``ForwardMsg``s. Opening a page is what the web client does on navigation:

1. a ``BackMsg.rerun_script`` whose ``ClientState`` names the page (by
   ``page_name``, the URL path, for the first visit; by ``page_script_hash``,
   learnt from the ``navigation`` message, afterwards, as a click in the
   sidebar does) and carries the query string;
2. the server answers ``new_session`` (the run started), ``session_status_changed``
   (``script_is_running``), the page's ``delta``s, and ``script_finished``.
   ``FINISHED_EARLY_FOR_RERUN`` means the script called ``st.rerun()`` and
   another run follows; ``FINISHED_SUCCESSFULLY`` or ``FINISHED_WITH_COMPILE_ERROR``
   ends the visit.

An error is what a user would see as one: an exception element
(``delta.new_element.exception``, Streamlit's deprecation warnings aside), an
``st.error`` (the app shows one only when something went wrong: the database
is unavailable or behind, an edit was refused), a compile error
(``session_event.script_compilation_exception``), a ``page_not_found``, or a
run of a different page than the one asked for.

The client never declares cached messages, so the server sends every message
in full (no ``ref_hash``), and it sends only the widget states it is given:
without them a visit renders the page's widgets at the values the query string
implies, as a fresh page load does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import urlencode, urlsplit

import pyarrow as pa
from google.protobuf.message import Message
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState, ContextInfo
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from websockets.asyncio.client import ClientConnection, connect

STREAM_PATH = "/_stcore/stream"
# A page visit ends with the whole script's finish; an early finish means another run follows,
# and a fragment's own run (``st.fragment(run_every=...)``) is not the page's.
_PAGE_DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR}


class PageNotFinishedError(RuntimeError):
    """The server did not finish the page's script within the timeout."""


@dataclass(frozen=True)
class PageRun:
    """One visit of a page: how long until ``script_finished``, and what it showed."""

    page: str
    seconds: float
    errors: tuple[str, ...]
    elements: tuple[Element, ...] = field(default=(), repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def texts(self) -> Iterator[str]:
        """Every string the elements carry, and every cell of every table, as text."""
        for element in self.elements:
            for item in _contents(element):
                if isinstance(item, str):
                    yield item
                else:
                    yield from item.column_names
                    for column in item.columns:
                        yield from (str(cell) for cell in column.to_pylist() if cell is not None)

    def widget_ids(self) -> dict[str, str]:
        """Widgets created with a ``key``: user key -> id (Streamlit's ``$$ID-<hash>-<key>``)."""
        found = {}
        for element in self.elements:
            kind = element.WhichOneof("type")
            widget_id = getattr(getattr(element, kind), "id", "") if kind else ""
            if isinstance(widget_id, str) and widget_id.startswith("$$ID-"):
                found[widget_id.split("-", 2)[2]] = widget_id
        return found

    def tables(self) -> Iterator[pa.Table]:
        """Every dataframe the page drew (``st.dataframe``, ``st.data_editor``, ``st.table``)."""
        for element in self.elements:
            yield from (item for item in _contents(element) if isinstance(item, pa.Table))


def _contents(message: Message) -> Iterator[str | pa.Table]:
    """The strings of ``message`` and its parts, and its Arrow IPC payloads as tables."""
    for descriptor, value in message.ListFields():
        for item in value if descriptor.is_repeated else [value]:
            if isinstance(item, Message):
                yield from _contents(item)
            elif isinstance(item, str):
                yield item
            elif isinstance(item, bytes) and descriptor.name == "data":
                try:
                    yield pa.ipc.open_stream(item).read_all()
                except pa.ArrowInvalid:
                    continue


def _exception_text(exception: Message) -> str:
    return f"{exception.type}: {exception.message}"  # type: ignore[attr-defined]


class StreamlitSession:
    """One browser tab's worth of protocol: a websocket session that opens pages in turn.

    Use as ``async with StreamlitSession(url) as session: run = await session.open("drift")``.
    """

    def __init__(self, base_url: str, *, timeout_s: float = 300, keep_elements: bool = False):
        parts = urlsplit(base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        self._url = f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}{STREAM_PATH}"
        self._base_url = base_url.rstrip("/")
        self._timeout_s = timeout_s
        self._keep_elements = keep_elements
        self._ws: ClientConnection | None = None
        self._page_hashes: dict[str, str] = {}  # url path -> page_script_hash
        self.page_titles: dict[str, str] = {}  # url path ("" for the default) -> title
        self.session_id = ""

    async def __aenter__(self) -> StreamlitSession:
        # No Origin header: the server allows non-browser clients without one. No keepalive
        # pings either: a browser sends none, and a server busy with 50 sessions may answer a
        # ping late without anything being wrong for its users.
        self._ws = await connect(
            self._url,
            subprotocols=["streamlit"],
            max_size=None,
            open_timeout=60,
            ping_interval=None,
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._ws is not None:
            await self._ws.close()
            self._ws = None

    async def open(
        self,
        page: str,
        query: Mapping[str, str] | str = "",
        widgets: Sequence[WidgetState] = (),
    ) -> PageRun:
        """Open ``page`` (its URL path; "" for the default) with ``query``; wait until it ran.

        ``widgets`` are the states the browser would send after the user touched them (a
        value typed, ``trigger_value`` for a button click), by the ids a run reported
        (``PageRun.widget_ids``). After the first visit, ``page_titles`` names every page
        the app's navigation offers.
        """
        if self._ws is None:
            raise RuntimeError("open() outside `async with StreamlitSession(...)`")
        query_string = query if isinstance(query, str) else urlencode(query)
        wanted_hash = self._page_hashes.get(page, "")
        state = ClientState(
            query_string=query_string,
            page_script_hash=wanted_hash,
            page_name="" if wanted_hash else page,
            widget_states=WidgetStates(widgets=list(widgets)),
            context_info=ContextInfo(
                timezone="UTC",
                timezone_offset=0,
                locale="en-US",
                url=f"{self._base_url}/{page}" + (f"?{query_string}" if query_string else ""),
                is_embedded=False,
                color_scheme="light",
            ),
        )
        start = time.perf_counter()
        await self._ws.send(BackMsg(rerun_script=state).SerializeToString())
        try:
            async with asyncio.timeout(self._timeout_s):
                return await self._read_run(page, start)
        except TimeoutError:
            raise PageNotFinishedError(
                f"{page!r} did not finish within {self._timeout_s:g} s"
            ) from None

    async def _read_run(self, page: str, start: float) -> PageRun:
        assert self._ws is not None
        errors: list[str] = []
        elements: list[Element] = []
        ran_hash = ""
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(await self._ws.recv(decode=False))
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                if msg.new_session.initialize.session_id:
                    self.session_id = msg.new_session.initialize.session_id
                ran_hash = msg.new_session.page_script_hash
                elements.clear()  # a new run replaces what an earlier one drew
                errors.clear()
            elif kind == "navigation":
                for app_page in msg.navigation.app_pages:
                    self._page_hashes[app_page.url_pathname] = app_page.page_script_hash
                    self.page_titles[app_page.url_pathname] = app_page.page_name
                ran_hash = msg.navigation.page_script_hash or ran_hash
            elif kind == "page_not_found":
                errors.append(f"page not found: {msg.page_not_found.page_name!r}")
            elif kind == "session_event" and msg.session_event.HasField(
                "script_compilation_exception"
            ):
                errors.append(_exception_text(msg.session_event.script_compilation_exception))
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                element_kind = element.WhichOneof("type")
                if element_kind == "exception" and not element.exception.is_warning:
                    errors.append(_exception_text(element.exception))
                elif element_kind == "alert" and element.alert.format == Alert.ERROR:
                    errors.append(f"st.error: {element.alert.body}")
                if self._keep_elements:
                    elements.append(element)
            elif kind == "script_finished" and msg.script_finished in _PAGE_DONE:
                seconds = time.perf_counter() - start
                wanted = self._page_hashes.get(page)
                if wanted is not None and ran_hash and ran_hash != wanted:
                    errors.append(f"asked for {page!r}, the server ran page hash {ran_hash}")
                return PageRun(page, seconds, tuple(errors), tuple(elements))
