"""Decoding a text file a planner saved: UTF-8, UTF-16 with a byte-order mark, or GBK/GB18030 when verifiable."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path

from .errors import DataError

__all__ = ["decode_text", "read_bytes", "RESAVE_HINT"]

#: What to tell a planner whose file is not UTF-8.
RESAVE_HINT = 'in Excel use 另存为 → "CSV UTF-8 (逗号分隔) (*.csv)"'


def decode_text(path: Path, data: bytes, header_known: Callable[[str], bool | None] | None = None) -> tuple[str, str | None]:
    """Decode a text file: UTF-8, UTF-16 with BOM, or GBK/GB18030 when that is verifiable.

    GB18030 decodes most byte strings, so it is accepted only with evidence:
    a non-ASCII header that is a known column name (``header_known`` returns
    True), or, without such a header, text whose every non-ASCII character is a
    common simplified-Chinese character (GB2312). A file that is UTF-8 apart
    from a few damaged bytes is reported, never re-read as GB18030.

    Parameters
    ----------
    path : Path
        For messages.
    data : bytes
        The file's contents.
    header_known : callable, optional
        ``header_known(text)``: True when the decoded header holds a known
        non-ASCII column name, False when its non-ASCII cells are all unknown,
        None when it has no non-ASCII cell (no evidence either way).

    Returns
    -------
    text : str
    note : str or None
        Set when the file was not UTF-8, for the check summary.

    Raises
    ------
    DataError
        Naming the file, the first bad byte and its line, and how to re-save.
    """
    if data.startswith(codecs.BOM_UTF8):
        return _strict(path, data, "utf-8-sig", "UTF-8"), None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(path, data, "utf-16", "UTF-16"), f"{path}: read as UTF-16 (Excel's 'Unicode 文本'), not UTF-8"
    if data.startswith(b"PK\x03\x04"):
        raise DataError(f"{path}: got a zip file (an Excel workbook?) named '{path.name}'; expected a text file — rename it to .xlsx, or {RESAVE_HINT}")
    if b"\x00" in data:
        line = _line(data, data.index(b"\x00"))
        raise DataError(f"{path}: got a NUL byte at line {line}; expected a UTF-8 text file (is it UTF-16 without a byte-order mark, or not text at all?) — {RESAVE_HINT}")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        where = f"byte 0x{data[exc.start]:02X} at line {_line(data, exc.start)}"
    if _mostly_utf8(data):
        raise DataError(f"{path}: not valid UTF-8 ({where}), although the rest of the file is UTF-8, so that byte is probably damaged; expected UTF-8 throughout — retype that line, or {RESAVE_HINT}")
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 ({where}), and not GBK/GB18030 either; expected a UTF-8 file — {RESAVE_HINT}") from None
    doubt = _gbk_doubt(text, header_known)
    if doubt:
        raise DataError(f"{path}: not UTF-8 ({where}); it may be GBK/GB18030, but {doubt}; expected a UTF-8 file — {RESAVE_HINT}")
    return text, f"{path}: read as GBK/GB18030 (Excel's 'CSV (逗号分隔)' on Chinese Windows), not UTF-8; to avoid the guess, {RESAVE_HINT}"


def read_bytes(path: Path) -> bytes:
    """The file's bytes; a DataError naming the file when the system refuses (permissions, a device...)."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc}); expected a readable file") from None


def _line(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


def _strict(path: Path, data: bytes, codec: str, name: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        # UTF-16 lines are two bytes per character, so only the offset is exact.
        raise DataError(f"{path}: starts with a {name} byte-order mark but byte {exc.start} (0x{data[exc.start]:02X}) is not valid {name}; expected {name} throughout — {RESAVE_HINT}") from None


def _mostly_utf8(data: bytes) -> bool:
    # GBK text read as UTF-8 gives almost no valid 3-byte CJK sequences; UTF-8 with one damaged byte gives many.
    text = data.decode("utf-8", errors="replace")
    cjk = sum("\u4e00" <= c <= "\u9fff" for c in text)
    return cjk > text.count("\ufffd")


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def _gbk_doubt(text: str, header_known: Callable[[str], bool | None] | None) -> str | None:
    verdict = header_known(text) if header_known is not None else None
    if verdict is True:
        return None
    if verdict is False:
        return "read that way its header holds no known column name"
    odd = sorted({c for c in text if ord(c) > 127 and not _in_gb2312(c)})
    if odd:
        return f"read that way it holds rare characters ({''.join(odd[:5])}) that suggest another encoding"
    return None

