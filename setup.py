"""Package layout for setuptools (the metadata is in pyproject.toml).

The wheel carries every subpackage of blogapp and, mapped into the package, the
templates, static files and migrations that live beside it in the source tree
(blogapp.paths finds them in either place)."""

from pathlib import Path

from setuptools import find_packages, setup

DATA_DIRS = ("templates", "static", "migrations")
ROOT = Path(__file__).resolve().parent


def data_packages() -> dict[str, list[str]]:
    """Each data folder (and each folder in it) as a package of plain files."""
    found = {}
    for name in DATA_DIRS:
        for folder in [ROOT / name, *sorted((ROOT / name).rglob("*"))]:
            if folder.is_dir() and folder.name != "__pycache__":
                dotted = ".".join(folder.relative_to(ROOT).parts)
                found[f"blogapp.{dotted}"] = ["*"]
    return found


DATA = data_packages()

setup(
    packages=[*find_packages(include=["blogapp", "blogapp.*"]), *DATA],
    package_dir={f"blogapp.{name}": name for name in DATA_DIRS},
    package_data=DATA,
    exclude_package_data={"": ["*.pyc"]},
)
