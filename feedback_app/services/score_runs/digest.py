"""The digest of a run's inputs: what it read, with which parameters, by which code (issue 15, verifiable runs).

SHA-256 of one canonical JSON text (sorted keys, no spaces) of the sufficient statistics the run read from the
database, its parameters and the code version. Two runs with the same digest read the same inputs; ``flask scores
verify`` recomputes a run and compares digests first, then every value and explanation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from scoring._exact import jsonable

#: Version of the digest's layout; a change makes older digests say "another layout" rather than "different".
DIGEST_VERSION = 1


def input_digest(inputs: Mapping[str, object], parameters: Mapping[str, object], code_version: str) -> str:
    """``sha256:<hex>`` of the canonical JSON of the inputs, parameters and code version.

    >>> a = input_digest({"n": 3}, {"k": 20}, "1.0")
    >>> a == input_digest({"n": 3}, {"k": 20}, "1.0"), a == input_digest({"n": 4}, {"k": 20}, "1.0")
    (True, False)
    """
    payload = {
        "digest_version": DIGEST_VERSION,
        "code_version": code_version,
        "parameters": jsonable(dict(parameters)),
        "inputs": jsonable(dict(inputs)),
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
