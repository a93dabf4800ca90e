"""Types answered with a date, a text, an e-mail address or a document."""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any

from .base import (
    AnswerError,
    QuestionType,
)


class Date(QuestionType):
    name = "date"
    default_minutes = 1.5
    xlsform_type = "date"
    xlsform_names = ("date",)
    synonyms = ("date", "fecha", "data", "fecha (dd/mm/aaaa)", "data (dd/mm/aaaa)")
    hint = "YYYY-MM-DD"

    def read(self, value: Any, question: Any = None) -> str:
        if isinstance(value, dt.date):
            return value.isoformat()
        text = str(value).strip()
        try:
            if len(text) > 10:
                raise ValueError
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise AnswerError("enter a date as YYYY-MM-DD") from None

    def sample(self, question: Any, level: float, rng: random.Random) -> Any:
        return dt.date(2026, rng.randint(1, 10), rng.randint(1, 28)).isoformat()


class ShortText(QuestionType):
    name = "short_text"
    default_minutes = 5.0
    xlsform_names = ("text",)
    synonyms = (
        "text",
        "short text",
        "texte",
        "texto",
        "string",
        "name",
        "texto corto",
        "texto breve",
        "respuesta corta",
        "texto curto",
        "resposta curta",
    )
    max_length = 500

    def read(self, value: Any, question: Any = None) -> str:
        text = str(value).strip()
        if len(text) > self.max_length:
            raise AnswerError(f"keep it under {self.max_length} characters")
        return text


class LongText(ShortText):
    name = "long_text"
    default_minutes = 15.0
    xlsform_appearance = "multiline"
    xlsform_names = ()
    synonyms = (
        "free text",
        "long text",
        "narrative",
        "texte libre",
        "texto libre",
        "texto livre",
        "paragraph",
        "essay",
        "texto largo",
        "párrafo",
        "respuesta abierta",
        "texto longo",
        "parágrafo",
        "resposta aberta",
    )
    max_length = 20_000


class Email(ShortText):
    """An e-mail address (a contact for the partnership, the safeguarding focal point)."""

    name = "email"
    default_minutes = 0.5
    synonyms = (
        "email",
        "e-mail",
        "email address",
        "courriel",
        "correo electronico",
        "correo",
        "e-mail address",
        "correo electrónico",
        "correio eletrónico",
        "correio eletrônico",
        "endereço de e-mail",
    )
    hint = "name@example.org"
    xlsform_names = ()
    max_length = 254
    _shape = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")

    def read(self, value: Any, question: Any = None) -> str:
        text = super().read(value, question)
        if not self._shape.match(text):
            raise AnswerError("enter an e-mail address such as name@example.org")
        local, _, domain = text.rpartition("@")
        return f"{local}@{domain.lower()}"

    def sample(self, question: Any, level: float, rng: random.Random) -> Any:
        return f"contact{rng.randint(1, 99)}@example.org"


class Document(QuestionType):
    """An evidence upload; the stored value is the name of the evidence file."""

    name = "document"
    default_minutes = 3.0
    is_document = True
    xlsform_type = "file"
    xlsform_names = ("file", "image")
    synonyms = (
        "document",
        "upload",
        "file",
        "attachment",
        "fichier",
        "archivo",
        "arquivo",
        "documento",
        "adjunto",
        "archivo adjunto",
        "subir archivo",
        "anexo",
        "carregar arquivo",
    )
    hint = "upload documents on the website"

    def sample(self, question: Any, level: float, rng: random.Random) -> Any:
        return None  # the demo ships no files
