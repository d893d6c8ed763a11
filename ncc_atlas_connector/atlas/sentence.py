"""Sentences for a person that can be shown later in another language.

The client speaks English and imports nothing from Odoo. A :class:`Sentence` is the English text (it is a
``str``), and keeps the template and the values it was made of: what a record stores, so that every reader gets
it in their own language (the addon translates the template, then fills in the values). Templates are marked
with ``_lt``, the name Odoo's export looks for, so they are in the addon's .pot.
"""

from typing import Any


class Sentence(str):
    """``Sentence('The Atlas refused %(what)s.', what=...)``: English now, translatable when shown. A value may
    itself be a Sentence (translated with it), or a list of them (shown as a list in the reader's language); other
    values are shown as they are. A template that starts with a value (``'%(what)s does not exist.'``) is shown
    with a capital letter first, in every language."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, /, **params: Any) -> 'Sentence':
        params = {name: _value(value) for name, value in params.items()}
        shown = {name: ', '.join(value) if isinstance(value, list) else value for name, value in params.items()}
        text = _capital(template, template % shown) if params else template
        sentence = super().__new__(cls, text)
        sentence.template, sentence.params = template, params
        return sentence

    def __reduce__(self):  # pickled (e.g. across processes) with its template, not as a bare str
        return _rebuild, (self.template, self.params)

    def as_json(self) -> dict:
        """The template and its values, for a Json field."""
        return {'text': self.template, 'params': {name: _json(value) for name, value in self.params.items()}}

    @classmethod
    def from_json(cls, data: Any) -> 'Sentence | None':
        """The sentence stored by :meth:`as_json` (or a plain text stored before there were sentences)."""
        if not data:
            return None
        if isinstance(data, str):
            return cls(data)
        params = {name: _from_json(value) for name, value in (data.get('params') or {}).items()}
        return cls(data['text'], **params)

    def translate(self, gettext) -> str:
        """The sentence in another language: ``gettext(template, **values)`` translates and fills a template."""
        params = {name: _translated(value, gettext) for name, value in self.params.items()}
        return _capital(self.template, gettext(self.template, **params)) if params else gettext(self.template)


def _capital(template, text):
    """The text of a template that starts with a value, with a capital letter first (its translations start with
    the value too)."""
    return text[:1].upper() + text[1:] if template.startswith('%(') else text


def _value(value):
    if isinstance(value, (list, tuple)):
        return [_value(item) for item in value]
    return value if isinstance(value, (Sentence, int, float)) or value is None else str(value)


def _json(value):
    if isinstance(value, list):
        return [_json(item) for item in value]
    return value.as_json() if isinstance(value, Sentence) else value


def _from_json(value):
    if isinstance(value, list):
        return [_from_json(item) for item in value]
    return Sentence.from_json(value) if isinstance(value, dict) else value


def _translated(value, gettext):
    if isinstance(value, list):  # a list: the translation's own way of listing (Odoo's gettext formats it)
        return [_translated(item, gettext) for item in value]
    return value.translate(gettext) if isinstance(value, Sentence) else value


def _rebuild(template, params):
    return Sentence(template, **params)


def _lt(template: str, /, **params: Any) -> Sentence:
    """Mark an English sentence for translation; see :class:`Sentence`."""
    return Sentence(template, **params)


def as_sentence(message: Any) -> Sentence:
    """A sentence as it is, any other message (a plain str) as a sentence without values."""
    if isinstance(message, Sentence):
        return message
    return Sentence(str(message))
