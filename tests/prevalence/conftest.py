"""A small ICS with published QOF registers and patient records to compare them with.

Practices X1, X2, X3 are core members of PCNs N1 (X1, X2) and N2 (X3) of 11J; Z9 belongs to
another CCG and counts only towards England. Each ICS practice has 1,000 registered patients on
31 March 2019 and QOF publishes 150 on its hypertension register (15%). The records hold 150
hypertension patients at X1 (equal to the publication), 100 at X2 (planted under-recording:
10%) and 125 at X3 (12.5%: outside only the 95% limits).
"""

from __future__ import annotations

import pytest

PRACTICES = {"X1": ("N1", 150), "X2": ("N1", 100), "X3": ("N2", 125)}
LIST = 1000
HYP = "59621000"  # essential hypertension, in openpcn-hypertension (QOF HYP_COD)


def _patients() -> tuple[list[dict], list[dict]]:
    patients, events = [], []
    for practice, (_, recorded) in PRACTICES.items():
        for i in range(LIST):
            pid = f"{practice}-{i:04d}"
            patients.append(
                {
                    "patient_id": pid,
                    "practice_code": practice,
                    "sex": "F",
                    "birth_month": "1960-01-01",
                    "ethnicity_group": "White",
                    "registration_date": "2000-01-01",
                }
            )
            if i < recorded:
                events.append({"patient_id": pid, "date": "2015-06-01", "snomed_code": HYP})
    return patients, events


def _qof(year: str, per_practice: dict[str, tuple[int | None, int]]) -> list[dict]:
    return [
        {
            "practice_code": code,
            "year": year,
            "group_code": "HYP",
            "register": register,
            "list_type": "TOTAL",
            "list_size": size,
            "source": "test",
        }
        for code, (register, size) in per_practice.items()
    ]


def small_ics_tables() -> dict[str, list[dict]]:
    """The tables of the warehouse described in the module docstring (for `build`)."""
    patients, events = _patients()
    published = _qof("2018/19", {"X1": (150, 1000), "X2": (150, 1000), "X3": (150, 1000)})
    published += _qof("2018/19", {"Z9": (300, 1000)})
    published += _qof("2017/18", {"X1": (140, 1000), "X2": (140, 1000), "X3": (None, 1000)})
    published += _qof("2017/18", {"Z9": (280, 1000)})
    return dict(
        commissioners=[
            {"code": "11J", "name": "NHS Dorset CCG", "tier": "CCG"},
            {"code": "99X", "name": "Elsewhere CCG", "tier": "CCG"},
        ],
        practices=[
            {
                "practice_code": c,
                "name": f"Practice {c}",
                "commissioner_code": "11J",
                "status": "active",
            }
            for c in PRACTICES
        ]
        + [{"practice_code": "Z9", "name": "Far", "commissioner_code": "99X", "status": "active"}],
        pcns=[
            {"pcn_code": "N1", "name": "North PCN", "commissioner_code": "11J"},
            {"pcn_code": "N2", "name": "South PCN", "commissioner_code": "11J"},
        ],
        memberships=[
            {"practice_code": c, "pcn_code": p, "start_date": "2019-07-01", "source": "t"}
            for c, (p, _) in PRACTICES.items()
        ],
        practice_lists=[
            {"practice_code": c, "as_of": "2019-07-01", "registered_patients": LIST, "source": "t"}
            for c in PRACTICES
        ],
        qof_prevalence=published,
        qof_practices=[
            {"year": "2018/19", "practice_code": c, "ccg_code": "11J", "source": "t"}
            for c in PRACTICES
        ],
        patients=patients,
        events=events,
    )


@pytest.fixture
def small_ics(tmp_path, build):
    """The warehouse described in the module docstring."""
    return build(tmp_path / "w.duckdb", **small_ics_tables())
