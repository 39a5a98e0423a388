"""MkDocs hook: teach jieba the portal's own words before the search index is built.

Material's search plugin segments Chinese with jieba when it is installed. Words such as 复工复产,
女职工 or 爱心蔬菜 are not in jieba's dictionary, so without this they would be split and a search
for them would miss. The words live in site/jieba-userdict.txt (jieba's "word freq tag" format).

This is a hook rather than the search plugin's ``jieba_dict_user`` option so that mkdocs.yml stays
buildable by Zensical, which refuses search options it does not know and ignores hooks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jieba

USER_DICTIONARY = Path(__file__).resolve().parent.parent / "jieba-userdict.txt"


def on_config(config: Any) -> Any:
    jieba.load_userdict(str(USER_DICTIONARY))
    return config
