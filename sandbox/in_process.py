"""The fake Bot API without HTTP: a python-telegram-bot request class that answers each call
from a FakeBotApi in the same process, and records it. The fast test tier drives the real
Application with `process_update` over it (tests/fast.py); the end-to-end tier keeps real HTTP."""

from __future__ import annotations

import json

from telegram.request import BaseRequest, RequestData

from sandbox.server import ApiError, FakeBotApi


class InProcessRequest(BaseRequest):
    def __init__(self, api: FakeBotApi) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout=None,
        write_timeout=None,
        connect_timeout=None,
        pool_timeout=None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        if "/file/bot" in url:  # a file a user sent, fetched after getFile (its path is files/<file_id>)
            stored = self.api.files.get(name)
            return (200, stored[0]) if stored else (404, b"Not Found")
        files = {}
        params: dict = {}
        if request_data is not None:
            multipart = request_data.multipart_data if request_data.contains_files else {}
            for part, (file_name, content, _mime) in multipart.items():
                files[part] = (content if isinstance(content, bytes) else content.read(), file_name)
            params = {k: v for k, v in request_data.json_parameters.items() if k not in files}
        try:
            result = await self.api.call(name, params, files)
        except ApiError as error:
            body: dict = {"ok": False, "error_code": error.code, "description": error.description}
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
            return error.code, json.dumps(body).encode()
        except (KeyError, ValueError) as error:
            body = {"ok": False, "error_code": 400, "description": f"Bad Request: {error}"}
            return 400, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()
