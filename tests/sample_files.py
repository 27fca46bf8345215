"""Where the realistic sample inputs are: shared/samples beside the repository when it is
there (the freshest copy), else the copy kept in tests/samples so a bare clone still tests."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def sample_path(name: str) -> Path:
    shared = REPO.parent / "shared" / "samples" / name
    return shared if shared.exists() else REPO / "tests" / "samples" / name
