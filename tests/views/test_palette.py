"""The diff and composition-bar colours: each one named in a legend with its mark, the terminal
and the page using the same palette, and every pair of them still apart for
readers with protanopia, deuteranopia or tritanopia (simulated with the
matrices of Machado, Oliveira and Fernandes 2009, severity 1)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pytest

import dedup.report
from dedup.report.html import LEGEND
from dedup.views.diff_view import INSERTED_MARKERS, MARKERS, STYLES, legend
from dedup.views.scan_view import BAR_PARTS

SIMULATIONS = {
    "normal": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]]),
}
# CIE76 colour difference below which two highlight colours read as one.
MIN_DELTA_E = 15.0
CSS = (Path(dedup.report.__file__).parent / "templates" / "report.css").read_text(encoding="utf-8")


def _lab(hex_colour: str, matrix: np.ndarray) -> np.ndarray:
    srgb = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    linear = np.clip(matrix @ linear, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    xyz /= np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def terminal_backgrounds() -> dict[int, str]:
    return {label: re.search(r"on (#[0-9A-Fa-f]{6})", style).group(1).lower() for label, style in STYLES.items() if " on #" in style}


def page_backgrounds() -> dict[str, str]:
    return {m.group(1): m.group(2).lower() for m in re.finditer(r"^\.(\w+) \{ background: (#[0-9a-f]{6})", CSS, re.M)}


@pytest.mark.parametrize("vision", sorted(SIMULATIONS))
def test_highlight_colours_stay_apart(vision: str) -> None:
    colours = sorted(set(terminal_backgrounds().values()))
    assert len(colours) >= 5
    for first, second in itertools.combinations(colours, 2):
        delta = float(np.linalg.norm(_lab(first, SIMULATIONS[vision]) - _lab(second, SIMULATIONS[vision])))
        assert delta >= MIN_DELTA_E, f"{first} and {second} differ by only {delta:.1f} under {vision}"


def test_the_check_rejects_green_against_yellow() -> None:
    # the terminal's standard green and yellow, the pair the diff used to show
    green, yellow = "#008000", "#808000"
    deltas = {v: float(np.linalg.norm(_lab(green, m) - _lab(yellow, m))) for v, m in SIMULATIONS.items()}
    assert deltas["normal"] >= MIN_DELTA_E
    assert deltas["protanopia"] < MIN_DELTA_E and deltas["deuteranopia"] < MIN_DELTA_E


def test_no_green_against_yellow_or_red() -> None:
    for colour in terminal_backgrounds().values():
        r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        assert not (g > r + 40 and g > b + 40), f"{colour} is a green"


def test_terminal_and_page_share_the_palette() -> None:
    assert set(terminal_backgrounds().values()) == set(page_backgrounds().values())


def test_every_terminal_colour_is_named_with_its_mark() -> None:
    shown = legend(color=True)
    plain = shown.plain
    styled = {str(span.style) for span in shown.spans}
    for label, style in STYLES.items():
        if not style:
            continue
        left, right = MARKERS[label]
        assert left in plain and right in plain, f"no mark for label {label}"
        assert style in styled, f"colour {style!r} is not in the legend"
    assert INSERTED_MARKERS[0] in plain
    assert legend(color=False).plain == plain  # the same words and marks without colour


def test_every_page_colour_is_in_the_legend() -> None:
    classes = set(page_backgrounds()) | {"boilerplate"}
    assert classes <= {kind for kind, _, _ in LEGEND}
    for kind, label, mark in LEGEND:
        assert mark and label and f".{kind} " in CSS


def test_composition_bars_share_the_page_palette_and_stay_apart() -> None:
    page = {m.group(1).lower() for m in re.finditer(r"^svg\.bar \.\w+ \{ fill: (#[0-9a-f]{6})", CSS, re.M)}
    colours = [m.group(1).lower() for *_, style in BAR_PARTS if (m := re.search(r"on (#[0-9A-Fa-f]{6})", style))]
    assert len(colours) == len(BAR_PARTS) - 1 and set(colours) <= page
    for vision, matrix in SIMULATIONS.items():
        for first, second in itertools.combinations(colours, 2):
            assert float(np.linalg.norm(_lab(first, matrix) - _lab(second, matrix))) >= MIN_DELTA_E, (first, second, vision)
