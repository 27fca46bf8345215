"""The Matrix transport's pure parts, no homeserver: configuration, rendering, error mapping."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import nio
import pytest

from bot.config import ConfigError, load_settings
from bot.transports.base import Unreachable
from bot.transports.matrix import _Progress, delivery_error, rate_limit_wait, reply_messages
from bot.transports.matrix_html import (
    file_content,
    incoming_text,
    png_size,
    text_content,
)
from handlers.core.events import Choice, Document, Reply
from handlers.core.registry import is_command

HS = {"matrix_homeserver": "https://matrix.example.org/", "matrix_user_id": "@aid:example.org"}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (HS, "AIDBRIDGE_MATRIX_ACCESS_TOKEN or AIDBRIDGE_MATRIX_PASSWORD is required"),
        ({"matrix_homeserver": "https://m.example"}, "AIDBRIDGE_MATRIX_USER_ID is required"),
        ({"matrix_access_token": "syt_secret"}, "AIDBRIDGE_MATRIX_HOMESERVER is required"),
        ({**HS, "matrix_homeserver": "matrix.org", "matrix_password": "pw"}, "http"),
        ({**HS, "matrix_user_id": "aid", "matrix_password": "pw"}, "@aidbridge:example.org"),
    ],
)
def test_incomplete_matrix_settings_stop_with_one_line(
    values: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(_env_file=None, **values)
    text = str(err.value)
    assert message in text and "\n" not in text
    assert "syt_secret" not in text and "pw" not in text.split(":")[-1]


def test_complete_matrix_settings() -> None:
    settings = load_settings(_env_file=None, **HS, matrix_password="pw")
    assert settings.matrix_homeserver == "https://matrix.example.org"


def test_text_content_has_both_bodies_numbered_options_and_bang_commands() -> None:
    choices = [
        Choice(label="Генератор <30 кВт>", payload="w:item:gen"),
        Choice(label="Бинти", payload="w:item:band"),
        Choice(label="Назад", payload="w:back", nav=True),
    ]
    content = text_content(
        "<b>Крок 2</b>\nОберіть: /new або https://t.me/x?start=1", choices, {"new"}
    )
    assert content["msgtype"] == "m.notice"
    assert content["body"] == (
        "Крок 2\nОберіть: !new або https://t.me/x?start=1\n\n"
        "1. Генератор <30 кВт>\n2. Бинти\n(Назад)"
    )
    html = content["formatted_body"]
    assert html.startswith("<b>Крок 2</b><br>Оберіть: !new")
    assert "<b>1.</b> Генератор &lt;30 кВт&gt;" in html and "<i>(Назад)</i>" in html


def test_file_content_for_images_and_files() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x02\x80\x00\x00\x01\xe0" + b"\x00" * 8
    assert png_size(png) == (640, 480)
    image = file_content(Document(filename="c.png", mime_type="image/png", data=png), "mxc://x/y")
    assert image["msgtype"] == "m.image" and (image["info"]["w"], image["info"]["h"]) == (640, 480)
    doc = Document(filename="r.csv", mime_type="text/csv", data=b"a,b", caption="<b>Export</b>")
    content = file_content(doc, "mxc://x/z")
    assert content["msgtype"] == "m.file" and content["filename"] == "r.csv"
    assert content["body"] == "Export" and content["formatted_body"] == "<b>Export</b>"


def test_incoming_text_reads_edits_replies_and_captions() -> None:
    assert incoming_text({"msgtype": "m.text", "body": "> <@a:x> old\n> more\n\n!ack R-1"}) == (
        "!ack R-1"
    )
    edit: dict[str, Any] = {
        "msgtype": "m.text",
        "body": "* 3",
        "m.new_content": {"msgtype": "m.text", "body": "3"},
    }
    assert incoming_text(edit) == "3"
    assert incoming_text({"msgtype": "m.file", "body": "a.pdf", "filename": "a.pdf"}) is None
    assert incoming_text({"msgtype": "m.image", "body": "Накладна", "filename": "a.jpg"}) == (
        "Накладна"
    )


class _Resp:
    """The fields of a nio ErrorResponse that delivery_error reads."""

    def __init__(self, code: str | None, status: int, retry_ms: int | None = None) -> None:
        self.status_code = code
        self.retry_after_ms = retry_ms
        self.transport_response = SimpleNamespace(status=status)


def test_homeserver_errors_map_to_outbox_decisions() -> None:
    limited = delivery_error(_Resp("M_LIMIT_EXCEEDED", 429, 1500))
    assert limited.retry_after == 1.5 and not limited.permanent
    assert isinstance(delivery_error(_Resp("M_FORBIDDEN", 403)), Unreachable)
    assert delivery_error(_Resp("M_BAD_JSON", 400)).permanent
    server = delivery_error(_Resp(None, 502))
    assert not server.permanent and server.retry_after is None
    token = delivery_error(_Resp("M_UNKNOWN_TOKEN", 401))
    assert not token.permanent and token.retry_after == 60.0


def test_group_rooms_pass_only_commands() -> None:
    commands = {"subscribe", "help"}
    assert is_command("!subscribe daily 08:00", commands)
    assert is_command("/anything", commands)
    assert not is_command("!!! терміново", commands)
    assert not is_command("! help", commands)
    assert not is_command("Guten Morgen", commands)


def test_what_is_left_of_a_partly_sent_reply() -> None:

    reply = Reply(
        text="a\nb",
        document=Document(filename="x.csv", mime_type="text/csv", data=b"1"),
        outbox_id=7,
    )
    fresh = _Progress()
    assert fresh.rest(reply) is reply and not fresh.started
    half = _Progress(parts=["a", "b"], parts_sent=1, document_sent=True)
    rest = half.rest(reply)
    assert rest is not None and rest.text == "b" and rest.document is None
    assert rest.outbox_id == 7  # the durable row it belongs to
    done = _Progress(parts=["a", "b"], parts_sent=2, document_sent=True)
    assert done.rest(reply) is None
    assert reply_messages(reply) == 2 and reply_messages(Reply(text="x")) == 1

    limited = nio.RoomSendError("Too Many Requests", "M_LIMIT_EXCEEDED", retry_after_ms=2500)
    assert rate_limit_wait(limited) == 2.5
    assert rate_limit_wait(object()) is None
