"""Text from the graph made safe to show: control characters become visible symbols.

Literals may hold any character. Printed raw, an ESC sequence in a name restyles or rewrites
the user's terminal (`kg query`), and a NUL is written raw into a page. Each C0 control but
tab and line breaks is shown as its Unicode control picture (NUL as ␀, ESC as ␛), DEL as ␡,
and each C1 control as U+FFFD, so the text stays readable and says that something was there.
"""

from __future__ import annotations

_VISIBLE = {code: 0x2400 + code for code in range(0x20) if chr(code) not in "\t\n\r"}
_VISIBLE[0x7F] = 0x2421
_VISIBLE.update({code: 0xFFFD for code in range(0x80, 0xA0)})


def visible(text: str) -> str:
    """`text` with every control character but tab and line breaks made visible."""
    return text.translate(_VISIBLE)
