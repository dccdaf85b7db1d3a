"""Which query and form names each view reads, found by asking rather than by a hand list:
a request class whose argument dictionaries note every name looked up."""

from __future__ import annotations

from flask import Flask
from werkzeug.datastructures import ImmutableMultiDict


class Recorder:
    names: set[str] = set()
    lists: set[str] = set()  # names read as lists (bulk forms)

    @classmethod
    def reset(cls) -> None:
        cls.names, cls.lists = set(), set()


class RecordingDict(ImmutableMultiDict):
    """Query and form data that notes every name a view asks for."""

    def __getitem__(self, key):
        Recorder.names.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):  # noqa: A002 (werkzeug's signature)
        Recorder.names.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002
        Recorder.names.add(key)
        Recorder.lists.add(key)
        return super().getlist(key, type)

    def __contains__(self, key):
        Recorder.names.add(key)
        return super().__contains__(key)


def record_reads(app: Flask) -> None:
    """Make *app*'s requests note the query and form names their views read."""

    class RecordingRequest(app.request_class):
        parameter_storage_class = RecordingDict

    app.request_class = RecordingRequest
